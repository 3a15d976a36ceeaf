//! `--cmd NAME='TEMPLATE'`: a named command line with `{root}` in it,
//! turned into an argv for one fixture root.
//!
//! By default the template is split into words the way a POSIX shell would
//! split it (quotes and backslashes, through the `shlex` crate) but nothing
//! else a shell does happens: no globbing, no variables, no pipes; the
//! first word is the program (looked up on `PATH` when it has no `/`).
//! `{root}` is replaced inside each word by the root's bytes, so a root
//! with spaces, quotes or bytes that are not UTF-8 stays one argument.
//!
//! With `--shell`, the template is run by `sh -c` instead (pipes,
//! redirections, `$VAR`), and `{root}` is replaced by the root quoted for
//! the shell.
//!
//! ```
//! use std::path::Path;
//! use anivault_bench::command::CmdTemplate;
//!
//! let t: CmdTemplate = "find=find {root} -type f -iname '*.mkv'".parse().unwrap();
//! assert_eq!(t.name(), "find");
//! let argv = t.argv(Path::new("/srv/my anime"));
//! assert_eq!(argv, ["find", "/srv/my anime", "-type", "f", "-iname", "*.mkv"]);
//!
//! let sh = CmdTemplate::parse("count=find {root} -type f | wc -l", true).unwrap();
//! let argv = sh.argv(Path::new("/srv/it's"));
//! assert_eq!(argv[..2], ["sh", "-c"]);
//! assert_eq!(argv[2], r#"find '/srv/it'"'"'s' -type f | wc -l"#);
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::str::FromStr;

/// The placeholder replaced by the fixture root.
pub const ROOT: &str = "{root}";

/// The longest row name accepted.
pub const MAX_NAME: usize = 64;

/// A named command template (`NAME=TEMPLATE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdTemplate {
    name: String,
    template: String,
    shell: bool,
    /// The words of `template` (shell-free mode); `sh -c TEMPLATE` with
    /// `shell`.
    words: Vec<Vec<u8>>,
}

/// Why a `--cmd` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The value as given.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--cmd '{}': {}", self.value, self.why)
    }
}

impl std::error::Error for TemplateError {}

/// True for a valid row name: letters, digits and `._+-`, starting with a
/// letter or digit, at most [`MAX_NAME`] bytes.
///
/// ```
/// use anivault_bench::command::template::valid_name;
/// assert!(valid_name("python-original") && valid_name("fd10"));
/// assert!(!valid_name("") && !valid_name("-x") && !valid_name("a b"));
/// ```
pub fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= MAX_NAME
        && bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

impl CmdTemplate {
    /// Parses `NAME=TEMPLATE`; `shell`: run it with `sh -c`.
    pub fn parse(value: &str, shell: bool) -> Result<CmdTemplate, TemplateError> {
        let err = |why: String| TemplateError {
            value: value.to_string(),
            why,
        };
        let Some((name, template)) = value.split_once('=') else {
            return Err(err(
                "expected NAME='TEMPLATE', e.g. find='find {root} -type f'".into(),
            ));
        };
        let name = name.trim();
        if !valid_name(name) {
            return Err(err(format!(
                "row name '{name}': use letters, digits and ._+- (at most {MAX_NAME}), \
                 starting with a letter or digit"
            )));
        }
        let template = template.trim();
        if !template.contains(ROOT) {
            return Err(err(format!(
                "the template has no {ROOT}: the command would not scan the fixture"
            )));
        }
        let words = if shell {
            Vec::new()
        } else {
            let words = shlex::bytes::split(template.as_bytes())
                .ok_or_else(|| err("unbalanced quotes or a trailing backslash".into()))?;
            if words.is_empty() {
                return Err(err("the template is empty".into()));
            }
            if words[0].windows(ROOT.len()).any(|w| w == ROOT.as_bytes()) {
                return Err(err(format!("the program (first word) cannot be {ROOT}")));
            }
            words
        };
        Ok(CmdTemplate {
            name: name.to_string(),
            template: template.to_string(),
            shell,
            words,
        })
    }

    /// A template that is not parsed from text: `program args…` with
    /// `{root}` among `args` (the reference rows).
    pub fn from_words(
        name: &str,
        program: impl AsRef<OsStr>,
        args: &[&str],
    ) -> Result<CmdTemplate, TemplateError> {
        let mut words = vec![program.as_ref().as_bytes().to_vec()];
        words.extend(args.iter().map(|a| a.as_bytes().to_vec()));
        let template = display_words(words.iter().map(Vec::as_slice));
        let value = format!("{name}={template}");
        let mut t = CmdTemplate::parse(&value, false)?;
        t.words = words;
        Ok(t)
    }

    /// The row name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template as given (after `NAME=`).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// True when it runs through `sh -c`.
    pub fn shell(&self) -> bool {
        self.shell
    }

    /// The program: `sh` with `--shell`, else the first word.
    pub fn program(&self) -> OsString {
        if self.shell {
            OsString::from("sh")
        } else {
            OsString::from_vec(self.words[0].clone())
        }
    }

    /// The full argv (program first) for `root`.
    pub fn argv(&self, root: &Path) -> Vec<OsString> {
        let root = root.as_os_str().as_bytes();
        if self.shell {
            let quoted = quote(root);
            let line = replace(self.template.as_bytes(), &quoted);
            return vec!["sh".into(), "-c".into(), OsString::from_vec(line)];
        }
        self.words
            .iter()
            .map(|w| OsString::from_vec(replace(w, root)))
            .collect()
    }

    /// The command line for `root` as a report shows it (shell-quoted
    /// words; bytes that are not UTF-8 replaced).
    pub fn display(&self, root: &Path) -> String {
        if self.shell {
            let line = replace(
                self.template.as_bytes(),
                &quote(root.as_os_str().as_bytes()),
            );
            return format!("sh -c {}", display_words([line.as_slice()]));
        }
        let argv = self.argv(root);
        display_words(argv.iter().map(|a| a.as_bytes()))
    }
}

impl FromStr for CmdTemplate {
    type Err = TemplateError;

    /// Parses a shell-free template (see [`CmdTemplate::parse`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CmdTemplate::parse(s, false)
    }
}

/// `word` with every `{root}` replaced by `root`.
fn replace(word: &[u8], root: &[u8]) -> Vec<u8> {
    let pat = ROOT.as_bytes();
    let mut out = Vec::with_capacity(word.len() + root.len());
    let mut i = 0;
    while i < word.len() {
        if word[i..].starts_with(pat) {
            out.extend_from_slice(root);
            i += pat.len();
        } else {
            out.push(word[i]);
            i += 1;
        }
    }
    out
}

/// `bytes` single-quoted for `sh` (`'` written as `'"'"'`).
fn quote(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in bytes {
        if b == b'\'' {
            out.extend_from_slice(b"'\"'\"'");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// Words joined by spaces, each quoted when it holds anything but plain
/// characters.
fn display_words<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for (i, w) in words.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let plain = !w.is_empty()
            && w.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./,=:+@%{}".contains(b));
        let text = String::from_utf8_lossy(w);
        if plain {
            out.push_str(&text);
        } else {
            out.push('\'');
            out.push_str(&text.replace('\'', r"'\''"));
            out.push('\'');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_one_argument_whatever_its_bytes() {
        let t: CmdTemplate = "x=find {root} --root={root}/sub".parse().unwrap();
        let root = Path::new(OsStr::from_bytes(b"/a b/\xff'q"));
        let argv = t.argv(root);
        assert_eq!(argv.len(), 3);
        assert_eq!(argv[1].as_bytes(), b"/a b/\xff'q");
        assert_eq!(argv[2].as_bytes(), b"--root=/a b/\xff'q/sub");
    }

    #[test]
    fn quotes_are_shell_words_but_nothing_else_is() {
        let t: CmdTemplate = r#"x=sh -c "echo \"\$HOME\" *" {root}"#.parse().unwrap();
        let argv = t.argv(Path::new("/r"));
        assert_eq!(argv, ["sh", "-c", r#"echo "$HOME" *"#, "/r"]);
    }

    #[test]
    fn shell_mode_quotes_the_root_for_sh() {
        let t = CmdTemplate::parse("x=cd {root} && ls | wc -l", true).unwrap();
        assert_eq!(t.program(), "sh");
        let argv = t.argv(Path::new("/it's here"));
        assert_eq!(argv[2], r#"cd '/it'"'"'s here' && ls | wc -l"#);
        // The shell reads it back as the same path.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf %s {}",
                String::from_utf8(quote(b"/it's here")).unwrap()
            ))
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"/it's here");
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        for (value, why) in [
            ("find {root}", "expected NAME="),
            ("a b=find {root}", "row name 'a b'"),
            ("=find {root}", "row name ''"),
            ("x=find /srv", "has no {root}"),
            ("x=find '{root}", "unbalanced quotes"),
            ("x={root}/bin/scan", "program (first word)"),
        ] {
            let e = value.parse::<CmdTemplate>().unwrap_err();
            assert!(e.to_string().contains(why), "{value}: {e}");
            assert!(e.to_string().starts_with(&format!("--cmd '{value}'")));
        }
    }

    #[test]
    fn display_quotes_what_needs_it() {
        let t: CmdTemplate = "x=find {root} -iname '*.mkv'".parse().unwrap();
        assert_eq!(t.display(Path::new("/r s")), "find '/r s' -iname '*.mkv'");
        let w = CmdTemplate::from_words("py", "python3", &["/s/original.py", "{root}"]).unwrap();
        assert_eq!(w.template(), "python3 /s/original.py {root}");
        assert_eq!(w.argv(Path::new("/r")), ["python3", "/s/original.py", "/r"]);
    }
}

//! The external tools `compare` runs beside our strategies (`find`, `fd` or
//! `fdfind`, `bfs`, `fdf`): where they are (the tools directory
//! `target/tools/bin` that `scripts/compare-tools.sh --install` fills with
//! `cargo install --root target/tools`, then `PATH`), their version, and
//! the arguments that make each one list exactly what our default scan
//! finds.
//!
//! fd can be there twice (fd 10 from cargo in the tools directory, the
//! distribution's `fdfind` 8 on `PATH`): [`detect_all`] returns both, the
//! first (the tools directory's) is the row `fd`, the other keeps its own
//! row named after its executable (`fdfind`).
//!
//! Equivalence with [`ExtensionSet::video`](anivault_scanner::ExtensionSet):
//! a regular file (`-type f`; symbolic links neither followed nor listed,
//! the default of all three tools) whose name ends in `.EXT` for an `EXT` of
//! [`VIDEO_EXTENSIONS`], ASCII case-insensitively (`-iname '*.mkv'`; fd's
//! `-e` is case-insensitive). fd is run with every filter off
//! (`--unrestricted --no-ignore --hidden`) so it skips neither hidden files
//! nor `.gitignore`d ones. fdf takes one `-e` only, so it gets a regular
//! expression on the name instead, `(?-u)\.(mkv|mp4|…)$` (fdf matches
//! case-insensitively by default; `(?-u)` keeps the folding ASCII, as
//! ours), with `-HI` (hidden files, no ignore files) and `-t f`. The tools run in the C locale (`LC_ALL=C`,
//! see [`TOOL_ENV`](super::TOOL_ENV)): byte-wise names and ASCII case
//! folding, as our matcher does.
//!
//! ```
//! use anivault_bench::compare::tools::ToolKind;
//! let args = ToolKind::Find.args(std::path::Path::new("/lib"), false);
//! assert_eq!(args[0], "/lib");
//! assert!(args.iter().any(|a| a == "-iname"));
//! assert_eq!("fdfind".parse::<ToolKind>(), Ok(ToolKind::Fd));
//! ```

use std::env;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use anivault_scanner::VIDEO_EXTENSIONS;

/// A tool `compare` knows how to run with arguments equivalent to our scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolKind {
    /// GNU (or BSD) `find`.
    Find,
    /// `fd`, installed as `fdfind` by Debian and Ubuntu's `fd-find` package.
    Fd,
    /// `bfs`, the breadth-first find.
    Bfs,
    /// `fdf` (`cargo install fdf`), a getdents-based finder.
    Fdf,
}

/// Environment variable naming the tools directory searched before
/// `PATH` (empty: none); default `target/tools/bin` of the workspace.
pub const TOOLS_DIR_ENV: &str = "ANIVAULT_TOOLS_DIR";

/// The directory `scripts/compare-tools.sh --install` installs into
/// (`$ANIVAULT_TOOLS_DIR`, or `target/tools/bin` under the workspace);
/// `None` when the variable is set empty.
pub fn tools_dir() -> Option<PathBuf> {
    match env::var_os(TOOLS_DIR_ENV) {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("tools")
                .join("bin"),
        ),
    }
}

impl ToolKind {
    /// Every tool, in the default order of `--tools`.
    pub const ALL: [ToolKind; 4] = [ToolKind::Find, ToolKind::Fd, ToolKind::Bfs, ToolKind::Fdf];

    /// The name used in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ToolKind::Find => "find",
            ToolKind::Fd => "fd",
            ToolKind::Bfs => "bfs",
            ToolKind::Fdf => "fdf",
        }
    }

    /// The executable names looked for on `PATH`, in order.
    pub fn executables(self) -> &'static [&'static str] {
        match self {
            ToolKind::Find => &["find"],
            ToolKind::Fd => &["fd", "fdfind"],
            ToolKind::Bfs => &["bfs"],
            ToolKind::Fdf => &["fdf"],
        }
    }

    /// How to install the tool (for the "not installed" rows).
    ///
    /// ```
    /// use anivault_bench::compare::tools::ToolKind;
    /// assert!(ToolKind::Fdf.install_hint().contains("cargo install --root target/tools fdf"));
    /// ```
    pub fn install_hint(self) -> &'static str {
        match self {
            ToolKind::Find => "Debian/Ubuntu: apt-get install findutils",
            ToolKind::Fd => {
                "fd 10: scripts/compare-tools.sh --install (cargo install --root target/tools fd-find); \
                 Debian/Ubuntu: apt-get install fd-find"
            }
            ToolKind::Bfs => "Debian/Ubuntu: apt-get install bfs",
            ToolKind::Fdf => {
                "scripts/compare-tools.sh --install (cargo install --root target/tools fdf)"
            }
        }
    }

    /// Arguments (after the program) that list the video files under
    /// `root`, one path per line, or NUL-terminated with `print0`.
    pub fn args(self, root: &Path, print0: bool) -> Vec<OsString> {
        let mut a: Vec<OsString> = Vec::new();
        match self {
            ToolKind::Find | ToolKind::Bfs => {
                a.push(root.as_os_str().to_owned());
                a.extend(["-type", "f", "("].map(OsString::from));
                for (i, ext) in VIDEO_EXTENSIONS.iter().enumerate() {
                    if i > 0 {
                        a.push("-o".into());
                    }
                    a.push("-iname".into());
                    a.push(format!("*.{ext}").into());
                }
                a.push(")".into());
                if print0 {
                    a.push("-print0".into());
                }
            }
            ToolKind::Fd => {
                a.extend(
                    ["--type", "f", "--no-ignore", "--hidden", "--unrestricted"]
                        .map(OsString::from),
                );
                if print0 {
                    a.push("--print0".into());
                }
                for ext in VIDEO_EXTENSIONS {
                    a.push("-e".into());
                    a.push(OsString::from(*ext));
                }
                // Pattern "." (any name), then the root.
                a.push(".".into());
                a.push(root.as_os_str().to_owned());
            }
            ToolKind::Fdf => {
                a.extend(["-HI", "-t", "f"].map(OsString::from));
                if print0 {
                    a.push("-0".into());
                }
                a.push(fdf_pattern().into());
                a.push(root.as_os_str().to_owned());
            }
        }
        a
    }
}

/// The name pattern given to fdf: `(?-u)\.(mkv|mp4|…)$` over
/// [`VIDEO_EXTENSIONS`] (fdf's `-e` accepts a single extension).
///
/// ```
/// let p = anivault_bench::compare::tools::fdf_pattern();
/// assert!(p.starts_with(r"(?-u)\.(mkv|mp4|") && p.ends_with(")$"));
/// ```
pub fn fdf_pattern() -> String {
    format!(r"(?-u)\.({})$", VIDEO_EXTENSIONS.join("|"))
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a tool name `compare` does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTool(pub String);

impl fmt::Display for UnknownTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown tool '{}' (compare knows: find, fd (or fdfind), bfs, fdf; `none` for none)",
            self.0
        )
    }
}

impl std::error::Error for UnknownTool {}

impl FromStr for ToolKind {
    type Err = UnknownTool;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "find" | "gfind" => Ok(ToolKind::Find),
            "fd" | "fdfind" | "fd-find" => Ok(ToolKind::Fd),
            "bfs" => Ok(ToolKind::Bfs),
            "fdf" => Ok(ToolKind::Fdf),
            _ => Err(UnknownTool(s.to_string())),
        }
    }
}

/// A tool found in the tools directory or on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTool {
    /// Which tool.
    pub kind: ToolKind,
    /// The row name: the tool's name for the first one found, the
    /// executable's name (`fdfind`, or `fd-path` when that is `fd` again)
    /// for a second installation.
    pub name: String,
    /// The executable's full path.
    pub program: PathBuf,
    /// First line of `--version`, when it answered.
    pub version: Option<String>,
}

/// The search path of the tools: [`tools_dir`], then `PATH`.
fn search_path() -> OsString {
    let mut dirs: Vec<PathBuf> = tools_dir().into_iter().collect();
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path));
    }
    env::join_paths(dirs).unwrap_or_default()
}

/// Looks for `kind` in the tools directory, then on `PATH` (`fd`, then
/// `fdfind`); `None` when it is not installed.
pub fn detect(kind: ToolKind) -> Option<FoundTool> {
    detect_in(kind, &search_path())
}

/// [`detect`] with an explicit search path.
pub fn detect_in(kind: ToolKind, path: &OsStr) -> Option<FoundTool> {
    detect_all_in(kind, path).into_iter().next()
}

/// Every installation of `kind` (tools directory first, then `PATH`),
/// distinct executables only: fd 10 from cargo and the distribution's
/// `fdfind` are two rows.
pub fn detect_all(kind: ToolKind) -> Vec<FoundTool> {
    detect_all_in(kind, &search_path())
}

/// [`detect_all`] with an explicit search path: for each directory in
/// order, each of the tool's executable names; one entry per distinct
/// file (after symlinks).
pub fn detect_all_in(kind: ToolKind, path: &OsStr) -> Vec<FoundTool> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out: Vec<FoundTool> = Vec::new();
    for dir in env::split_paths(path).filter(|d| !d.as_os_str().is_empty()) {
        for exe in kind.executables() {
            let Some(program) = find_executable(exe, dir.as_os_str()) else {
                continue;
            };
            let real = std::fs::canonicalize(&program).unwrap_or_else(|_| program.clone());
            if seen.contains(&real) {
                continue;
            }
            seen.push(real);
            let name = if out.is_empty() {
                kind.name().to_string()
            } else if *exe == kind.name() {
                format!("{}-path", kind.name())
            } else {
                (*exe).to_string()
            };
            // A third installation would repeat a name: numbered.
            let name = if out.iter().any(|f| f.name == name) {
                format!("{name}-{}", out.len() + 1)
            } else {
                name
            };
            out.push(FoundTool {
                kind,
                name,
                version: version_line(&program),
                program,
            });
        }
    }
    out
}

/// The first file named `name` in the directories of `path` that is a
/// regular file (after symlinks) with an execute bit.
pub fn find_executable(name: &str, path: &OsStr) -> Option<PathBuf> {
    env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// First non-empty line of `program --version` (stdout), if it answers
/// with success.
fn version_line(program: &Path) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// A shell-like rendering of a command line for reports: arguments with
/// spaces, quotes, globs or parentheses are single-quoted.
///
/// ```
/// use anivault_bench::compare::tools::shell_words;
/// let s = shell_words("find", &["/x y".into(), "-iname".into(), "*.mkv".into()]);
/// assert_eq!(s, "find '/x y' -iname '*.mkv'");
/// ```
pub fn shell_words(program: &str, args: &[OsString]) -> String {
    let mut out = String::from(program);
    for a in args {
        out.push(' ');
        let s = a.to_string_lossy();
        let plain = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./,=:+@%".contains(&b));
        if plain {
            out.push_str(&s);
        } else {
            out.push('\'');
            out.push_str(&s.replace('\'', r"'\''"));
            out.push('\'');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_and_bfs_args_cover_every_video_extension() {
        for kind in [ToolKind::Find, ToolKind::Bfs] {
            let a = kind.args(Path::new("R"), true);
            let inames = a.iter().filter(|x| *x == "-iname").count();
            assert_eq!(inames, VIDEO_EXTENSIONS.len());
            assert_eq!(a.iter().filter(|x| *x == "-o").count(), inames - 1);
            assert_eq!(a.last().map(|s| s.as_os_str()), Some(OsStr::new("-print0")));
        }
    }

    #[test]
    fn fd_args_end_with_pattern_and_root() {
        let a = ToolKind::Fd.args(Path::new("/r"), false);
        let n = a.len();
        assert_eq!(a[n - 2], ".");
        assert_eq!(a[n - 1], "/r");
        assert_eq!(
            a.iter().filter(|x| *x == "-e").count(),
            VIDEO_EXTENSIONS.len()
        );
        assert!(!a.iter().any(|x| x == "--print0"));
    }

    #[test]
    fn unknown_tool_is_an_error() {
        assert!("nosuchtool".parse::<ToolKind>().is_err());
        assert_eq!("BFS".parse::<ToolKind>(), Ok(ToolKind::Bfs));
    }

    #[test]
    fn fdf_args_use_one_ascii_pattern_over_every_extension() {
        let a = ToolKind::Fdf.args(Path::new("/r"), true);
        assert_eq!(a[..3], ["-HI", "-t", "f"].map(OsString::from));
        assert!(a.iter().any(|x| x == "-0"));
        let n = a.len();
        assert_eq!(a[n - 1], "/r");
        let pat = a[n - 2].to_string_lossy().into_owned();
        assert!(pat.starts_with("(?-u)"), "{pat}");
        for ext in VIDEO_EXTENSIONS {
            assert!(
                pat.contains(&format!("|{ext}|"))
                    || pat.contains(&format!("({ext}|"))
                    || pat.contains(&format!("|{ext})")),
                "{ext} in {pat}"
            );
        }
        assert!(!ToolKind::Fdf
            .args(Path::new("/r"), false)
            .iter()
            .any(|x| x == "-0"));
    }

    #[test]
    fn two_installations_of_fd_are_two_rows_tools_dir_first() {
        let t = tempfile::tempdir().unwrap();
        let (tools, sys) = (t.path().join("tools"), t.path().join("sys"));
        for (dir, exe) in [(&tools, "fd"), (&sys, "fdfind")] {
            std::fs::create_dir(dir).unwrap();
            let p = dir.join(exe);
            std::fs::write(&p, "#!/bin/sh\necho \"$0 1.0\"\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = env::join_paths([&tools, &sys, &tools]).unwrap();
        let found = detect_all_in(ToolKind::Fd, &path);
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["fd", "fdfind"], "the same file twice is one row");
        assert_eq!(found[0].program, tools.join("fd"));
        assert!(found[1]
            .version
            .as_deref()
            .is_some_and(|v| v.ends_with("fdfind 1.0")));
        assert_eq!(
            detect_in(ToolKind::Fd, &path).map(|f| f.name),
            Some("fd".into())
        );
    }

    #[test]
    fn missing_tool_is_none() {
        let empty = tempfile::tempdir().unwrap();
        assert!(detect_in(ToolKind::Bfs, empty.path().as_os_str()).is_none());
    }
}

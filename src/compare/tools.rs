//! The external tools `compare` runs beside our strategies (`find`, `fd` or
//! `fdfind`, `bfs`): where they are on `PATH`, their version, and the
//! arguments that make each one list exactly what our default scan finds.
//!
//! Equivalence with [`ExtensionSet::video`](anivault_scanner::ExtensionSet):
//! a regular file (`-type f`; symbolic links neither followed nor listed,
//! the default of all three tools) whose name ends in `.EXT` for an `EXT` of
//! [`VIDEO_EXTENSIONS`], ASCII case-insensitively (`-iname '*.mkv'`; fd's
//! `-e` is case-insensitive). fd is run with every filter off
//! (`--unrestricted --no-ignore --hidden`) so it skips neither hidden files
//! nor `.gitignore`d ones. The tools run in the C locale (`LC_ALL=C`,
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
}

impl ToolKind {
    /// Every tool, in the default order of `--tools`.
    pub const ALL: [ToolKind; 3] = [ToolKind::Find, ToolKind::Fd, ToolKind::Bfs];

    /// The name used in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ToolKind::Find => "find",
            ToolKind::Fd => "fd",
            ToolKind::Bfs => "bfs",
        }
    }

    /// The executable names looked for on `PATH`, in order.
    pub fn executables(self) -> &'static [&'static str] {
        match self {
            ToolKind::Find => &["find"],
            ToolKind::Fd => &["fd", "fdfind"],
            ToolKind::Bfs => &["bfs"],
        }
    }

    /// The package that provides the tool on Debian and Ubuntu.
    pub fn apt_package(self) -> &'static str {
        match self {
            ToolKind::Find => "findutils",
            ToolKind::Fd => "fd-find",
            ToolKind::Bfs => "bfs",
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
        }
        a
    }
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
            "unknown tool '{}' (compare knows: find, fd (or fdfind), bfs; `none` for none)",
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
            _ => Err(UnknownTool(s.to_string())),
        }
    }
}

/// A tool found on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTool {
    /// Which tool.
    pub kind: ToolKind,
    /// The executable's full path.
    pub program: PathBuf,
    /// First line of `--version`, when it answered.
    pub version: Option<String>,
}

/// Looks for `kind` on `PATH` (`fd`, then `fdfind`); `None` when it is not
/// installed.
pub fn detect(kind: ToolKind) -> Option<FoundTool> {
    let path = env::var_os("PATH")?;
    detect_in(kind, &path)
}

/// [`detect`] with an explicit `PATH` value.
pub fn detect_in(kind: ToolKind, path: &OsStr) -> Option<FoundTool> {
    let program = kind
        .executables()
        .iter()
        .find_map(|exe| find_executable(exe, path))?;
    let version = version_line(&program);
    Some(FoundTool {
        kind,
        program,
        version,
    })
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
    fn missing_tool_is_none() {
        let empty = tempfile::tempdir().unwrap();
        assert!(detect_in(ToolKind::Bfs, empty.path().as_os_str()).is_none());
    }
}

//! Running one command for `compare`, through [`crate::command`]: wall,
//! user and system time, and the command's **own** peak RSS (`VmHWM` read
//! at its exit stop, not `ru_maxrss`, which every child inherits from the
//! harness across fork and exec); a count run that counts the
//! NUL-terminated paths a command prints; and dropping the page cache for
//! cold runs.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

pub use crate::command::Exit;
use crate::command::{CommandError, CommandSpec, Finished, Records};

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// From just before spawn to the reaping of the command.
    pub wall: Duration,
    /// The child's user CPU time (all its threads).
    pub user: Duration,
    /// The child's system CPU time (all its threads): the kernel's
    /// `getdents64`, `openat`, `statx` work shows here.
    pub sys: Duration,
    /// The child's own peak resident set, KiB; `None`: not measured.
    pub peak_rss_kb: Option<u64>,
    /// Why `peak_rss_kb` is `None`.
    pub rss_missing: Option<String>,
    /// How it ended.
    pub exit: Exit,
}

impl Measured {
    fn from(f: &Finished) -> Measured {
        Measured {
            wall: f.wall,
            user: f.user,
            sys: f.sys,
            peak_rss_kb: f.peak_rss.map(|b| b.div_ceil(1024)),
            rss_missing: f.peak_rss_missing.clone(),
            exit: f.exit,
        }
    }
}

/// Extra environment variables for a command, e.g. `LC_ALL=C`.
pub type Env<'a> = &'a [(&'a str, &'a str)];

fn spec(program: &Path, args: &[OsString], env: Env<'_>) -> CommandSpec {
    env.iter()
        .fold(CommandSpec::new(program).args(args), |s, (k, v)| {
            s.env(k, v)
        })
}

/// Runs `program args` once (with `env` added to the environment) with
/// stdin, stdout and stderr on `/dev/null` (a tool prints its paths, and
/// the null sink is what hyperfine gives it too) and measures it.
pub fn run_timed(
    program: &Path,
    args: &[OsString],
    env: Env<'_>,
) -> Result<Measured, CommandError> {
    spec(program, args, env).run().map(|f| Measured::from(&f))
}

/// What the count run saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    /// NUL-terminated records on stdout (paths printed with `-print0`).
    pub count: u64,
    /// The last lines of stderr, for the report.
    pub stderr_tail: String,
    /// The run's measurement (not used for timing: the pipe reader costs).
    pub measured: Measured,
}

/// Runs `program args` once (with `env`) with stdout captured, counting
/// NUL bytes as it streams (nothing is stored), and the last lines of
/// stderr kept.
pub fn run_count(program: &Path, args: &[OsString], env: Env<'_>) -> Result<Counted, CommandError> {
    run_count_records(program, args, env, Records::Nul)
}

/// [`run_count`] with records separated as `records` says (a command row
/// prints lines unless it was given `--null`).
pub fn run_count_records(
    program: &Path,
    args: &[OsString],
    env: Env<'_>,
    records: Records,
) -> Result<Counted, CommandError> {
    let f = spec(program, args, env)
        .records(records)
        .stderr_tail(10)
        .run()?;
    Ok(Counted {
        count: f.records.unwrap_or(0),
        stderr_tail: f.stderr_tail.clone(),
        measured: Measured::from(&f),
    })
}

/// Runs `program args` once (with `env`) for a command that prints its
/// count as one decimal line (the floor, `anivault-bench floor`): stdout
/// captured and parsed, the last lines of stderr kept. Only the exit is
/// measured (`wall` too; user, system and RSS are not, and say so): the
/// count run is never timed. A successful run that does not print one
/// number is an error.
pub fn run_count_printed(
    program: &Path,
    args: &[OsString],
    env: Env<'_>,
) -> Result<Counted, String> {
    use std::os::unix::process::ExitStatusExt;
    let start = std::time::Instant::now();
    let out = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run '{}': {e}", program.display()))?;
    let wall = start.elapsed();
    let exit = match (out.status.code(), out.status.signal()) {
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) => Exit::Signal(s),
        (None, None) => Exit::Code(-1),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let stderr_tail = lines[lines.len().saturating_sub(10)..].join("\n");
    let text = String::from_utf8_lossy(&out.stdout);
    let count = match text.trim().parse::<u64>() {
        Ok(n) => n,
        Err(_) if !exit.success() => 0,
        Err(_) => {
            return Err(format!(
                "'{}' printed {:?}, not a count",
                program.display(),
                text.chars().take(80).collect::<String>()
            ))
        }
    };
    Ok(Counted {
        count,
        stderr_tail,
        measured: Measured {
            wall,
            user: Duration::ZERO,
            sys: Duration::ZERO,
            peak_rss_kb: None,
            rss_missing: Some("a count run of a printed count: not measured".into()),
            exit,
        },
    })
}

/// The kernel knob that drops the page, dentry and inode caches.
pub const DROP_CACHES: &str = "/proc/sys/vm/drop_caches";

/// `Ok(())` when this process can drop the page cache (Linux, and
/// [`DROP_CACHES`] opens for writing: root, and `/proc/sys` not mounted
/// read-only as in most containers); otherwise a message saying why and
/// what to do. Opening for writing checks the rights without dropping
/// anything.
pub fn check_cold() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err(format!(
            "--cold drops the page cache through {DROP_CACHES}, which only Linux has"
        ));
    }
    match OpenOptions::new().write(true).open(DROP_CACHES) {
        Ok(_) => Ok(()),
        Err(e) => {
            let euid = rustix::process::geteuid().as_raw();
            let why = if euid != 0 {
                format!("it needs root (running as uid {euid})")
            } else {
                "running as root, but /proc/sys is read-only here (a container?)".to_string()
            };
            Err(format!(
                "--cold cannot write {DROP_CACHES}: {e}; {why}. \
                 Run `sudo anivault-bench compare --cold ...` on the host, or leave out --cold \
                 for warm-cache figures"
            ))
        }
    }
}

/// `sync`, then writes `3` to [`DROP_CACHES`]: page cache, dentries and
/// inodes are dropped (the clean ones; `sync` first makes them clean).
pub fn drop_caches() -> io::Result<()> {
    rustix::fs::sync();
    let mut f = OpenOptions::new().write(true).open(DROP_CACHES)?;
    f.write_all(b"3\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timed_run_reports_exit_and_times() {
        let m = run_timed(Path::new("/bin/sh"), &["-c".into(), "exit 3".into()], &[]).unwrap();
        assert_eq!(m.exit, Exit::Code(3));
        assert!(m.wall > Duration::ZERO);
        assert!(m.peak_rss_kb.is_some_and(|k| k > 0));
    }

    #[test]
    fn count_run_counts_nuls_and_keeps_stderr() {
        let c = run_count(
            Path::new("/bin/sh"),
            &["-c".into(), r"printf 'a\0b\0c\0'; echo $X >&2".into()],
            &[("X", "oops")],
        )
        .unwrap();
        assert_eq!(c.count, 3);
        assert_eq!(c.stderr_tail, "oops");
        assert!(c.measured.exit.success());
    }

    #[test]
    fn a_printed_count_is_read_and_anything_else_is_an_error() {
        let sh = Path::new("/bin/sh");
        let c = run_count_printed(sh, &["-c".into(), "echo 42; echo hi >&2".into()], &[]).unwrap();
        assert_eq!((c.count, c.stderr_tail.as_str()), (42, "hi"));
        assert!(c.measured.exit.success());
        let e = run_count_printed(sh, &["-c".into(), "echo forty".into()], &[]).unwrap_err();
        assert!(e.contains("not a count"), "{e}");
        let f = run_count_printed(sh, &["-c".into(), "exit 1".into()], &[]).unwrap();
        assert_eq!(f.measured.exit, Exit::Code(1));
    }

    #[test]
    fn missing_program_is_an_error() {
        let e = run_timed(Path::new("/nonexistent/prog"), &[], &[]).unwrap_err();
        assert!(e.to_string().contains("'/nonexistent/prog'"), "{e}");
    }
}

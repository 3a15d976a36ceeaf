//! Running one command: whole-process wall time, user and system time and
//! peak RSS from the child's `rusage` (`wait4`), a count run that counts
//! the NUL-terminated paths a command prints, and dropping the page cache
//! for cold runs.
//!
//! Peak RSS is the child's own `ru_maxrss` as returned by `wait4` for that
//! child alone. That is a fair per-run figure here because every run is a
//! fresh `exec` of its program (ours or a tool), so the high-water mark
//! starts from nothing each time; it includes the program's code and
//! libraries, not only its heap (for heap alone, see `profile`).

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this status code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl Exit {
    /// True for exit status 0.
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    fn from_wait_status(status: libc::c_int) -> Exit {
        if libc::WIFEXITED(status) {
            Exit::Code(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            Exit::Signal(libc::WTERMSIG(status))
        } else {
            Exit::Code(-1)
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// What one timed run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// From just before `spawn` to the return of `wait4`.
    pub wall: Duration,
    /// The child's user CPU time (all its threads).
    pub user: Duration,
    /// The child's system CPU time (all its threads): the kernel's
    /// `getdents64`, `openat`, `statx` work shows here.
    pub sys: Duration,
    /// The child's peak resident set size, KiB (`ru_maxrss`).
    pub max_rss_kb: u64,
    /// How it ended.
    pub exit: Exit,
}

/// Waits for `pid` with `wait4`, retrying on `EINTR`; returns the status
/// and the child's resource usage.
fn wait4(pid: u32) -> io::Result<(libc::c_int, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 on our own child's pid with valid pointers to a
        // status int and a rusage struct that outlive the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

/// Reaps `child` with `wait4` (not `Child::wait`, which would lose the
/// rusage) and returns the measurement.
fn reap(child: Child, started: Instant) -> io::Result<Measured> {
    let (status, usage) = wait4(child.id())?;
    let wall = started.elapsed();
    // `child` is reaped: dropping it only closes our ends of its pipes.
    drop(child);
    Ok(Measured {
        wall,
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
        max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        exit: Exit::from_wait_status(status),
    })
}

/// Extra environment variables for a command, e.g. `LC_ALL=C`.
pub type Env<'a> = &'a [(&'a str, &'a str)];

/// Runs `program args` once (with `env` added to the environment) with
/// stdin, stdout and stderr on `/dev/null` (a tool prints its paths, and
/// the null sink is what hyperfine gives it too) and measures it.
pub fn run_timed(program: &Path, args: &[OsString], env: Env<'_>) -> io::Result<Measured> {
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    reap(child, started)
}

/// What the count run saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    /// NUL-terminated records on stdout (paths printed with `-print0`).
    pub count: u64,
    /// The last lines of stderr (at most 2 KiB), for the report.
    pub stderr_tail: String,
    /// The run's measurement (not used for timing: the pipe reader costs).
    pub measured: Measured,
}

/// Runs `program args` once (with `env`) with stdout captured, counting
/// NUL bytes as it streams (nothing is stored), and stderr kept (its tail).
pub fn run_count(program: &Path, args: &[OsString], env: Env<'_>) -> io::Result<Counted> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stderr = child.stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_end(&mut buf);
        }
        buf
    });
    let mut count = 0u64;
    let mut read_error = None;
    if let Some(mut out) = child.stdout.take() {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match out.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => count += buf[..n].iter().filter(|&&b| b == 0).count() as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
    }
    let measured = reap(child, started)?;
    let err_bytes = err_thread.join().unwrap_or_default();
    if let Some(e) = read_error {
        return Err(e);
    }
    let tail_start = err_bytes.len().saturating_sub(2048);
    let stderr_tail = String::from_utf8_lossy(&err_bytes[tail_start..])
        .trim()
        .to_string();
    Ok(Counted {
        count,
        stderr_tail,
        measured,
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
        assert!(m.max_rss_kb > 0);
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
    fn missing_program_is_an_error() {
        assert!(run_timed(Path::new("/nonexistent/prog"), &[], &[]).is_err());
    }
}

//! Running a foreign command and measuring it: wall, user and system time,
//! its **exact peak resident set**, an RSS timeline against the records it
//! prints, and limits (an RSS cap, a timeout) that end it cleanly.
//!
//! # How peak RSS is measured, and why this way
//!
//! The command's own high-water mark is `VmHWM` in `/proc/PID/status`,
//! kept by the kernel for its address space since `exec`. It can only be
//! read while that address space exists, i.e. before the process is gone.
//! So the child is traced with ptrace and stopped at its exit
//! (`PTRACE_O_TRACEEXIT`): at that stop its memory is still mapped, its
//! figures are final, and `VmHWM` is read; then it is let go and reaped
//! with `wait4` for its user and system times. Nothing else stops it: no
//! system call is traced (no `PTRACE_SYSCALL`), so it runs at full speed;
//! the cost is a handful of context switches at exec and exit.
//!
//! Why not the alternatives:
//!
//! * `ru_maxrss` from `wait4` (what `/usr/bin/time` and hyperfine show)
//!   is the maximum over the process's life, **including the address
//!   space it had before `exec`**, a copy of its parent's (the kernel folds
//!   the old mm's high-water mark in at exec, and a `vfork` child shares the
//!   parent's mm). So every command inherits the parent's resident set as a
//!   floor: from a harness holding 200 MB, `true` "uses" 200 MB.
//! * cgroup v2 `memory.peak` counts page cache and kernel memory charged to
//!   the group (a scanner reading directories charges dentries and inodes),
//!   so it is not RSS; it also needs a delegated cgroup.
//! * Sampling `VmRSS` on a clock misses short peaks; it is kept for the
//!   timeline only.
//!
//! Signals and job control stay as they were: every signal the command
//! receives is delivered on (SIGPIPE, SIGINT, …); a stop signal stops it
//! until SIGCONT (the tracer uses `PTRACE_SEIZE` and `PTRACE_LISTEN`, so a
//! group-stop is kept, not resumed). The one visible trace of the hand-over
//! at exec (see `trace.rs`) is one SIGSTOP/SIGCONT pair right after exec,
//! before the program's first instruction. With `PTRACE_O_EXITKILL`, a
//! command cannot outlive a harness that dies.
//!
//! When the figure cannot be taken it is not made up. A command killed by
//! SIGKILL (by the RSS cap, the timeout or anyone) still stops at its exit
//! on current kernels (Linux 6.x dequeues the SIGKILL first), and its
//! memory is intact at that stop, so the figure is as exact as for any
//! exit; where the kernel skips the stop (a fatal signal still pending), or
//! where ptrace is not permitted (a seccomp profile, Yama) and nothing is
//! traced, [`Finished::peak_rss`] is `None` and
//! [`Finished::peak_rss_missing`] says why.
//!
//! As under `strace`, a set-user-ID program runs without its privileges
//! while traced (unless the harness has `CAP_SYS_PTRACE`, e.g. as root).
//!
//! The figure is that of the address space the command exits with: a
//! wrapper that `exec`s its program (`sh -c 'exec find …'`) is measured as
//! that program, since `exec` starts a fresh high-water mark.
//!
//! Only the command's main thread is traced (its figure is read when it
//! exits, which for `exit()` from any thread is the end of the process; a
//! main thread that is killed by another thread's `exit_group` on a
//! recent kernel has no exit stop: not measured). With
//! [`CommandSpec::tree`], every thread and descendant process is traced
//! (`PTRACE_O_TRACEFORK`, `VFORK`, `CLONE`) and [`TreePeak::max_bytes`] is
//! the **highest `VmHWM` of any one process, not a simultaneous sum**.
//!
//! # Example
//!
//! ```
//! use anivault_bench::command::{CommandSpec, Outcome, Records};
//! let f = CommandSpec::new("sh")
//!     .args(["-c", "printf 'a\\nb\\n'"])
//!     .records(Records::Lines)
//!     .run()
//!     .unwrap();
//! assert_eq!(f.outcome, Outcome::Success);
//! assert_eq!(f.records, Some(2));
//! // Exact, and small: a shell, not the harness that spawned it.
//! assert!(f.peak_rss.is_some_and(|b| b < 64 << 20));
//! ```

mod output;
pub mod reference;
pub mod row;
pub mod suite;
pub mod template;
mod trace;
mod watch;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rustix::process::{Pid, PidfdFlags};

pub use output::{count_records, last_lines, read_tail, Records};
pub use row::{check_program, measure, CommandRow, CommandStatus, RowOptions};
pub use suite::CommandRows;
pub use template::{CmdTemplate, TemplateError};
pub use watch::Sample;

/// The default sampling interval of the RSS timeline.
pub const DEFAULT_SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// How long output readers may take after the command is gone (a
/// background process it left may hold its stdout open).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Exit {
    /// Exited with this status code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl Exit {
    /// True for exit status 0.
    ///
    /// ```
    /// use anivault_bench::command::Exit;
    /// assert!(Exit::Code(0).success() && !Exit::Signal(9).success());
    /// ```
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    /// From a `wait` status.
    pub fn from_wait_status(status: libc::c_int) -> Exit {
        if libc::WIFEXITED(status) {
            Exit::Code(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            Exit::Signal(libc::WTERMSIG(status))
        } else {
            Exit::Code(-1)
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// How a run turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit status 0, within the limits.
    Success,
    /// Exited non-zero or was killed by someone else (see
    /// [`Finished::exit`] and [`Finished::stderr_tail`]).
    Failed,
    /// Its RSS passed the cap: killed by the sampler (`seen_bytes` the RSS
    /// seen), or found above it at exit.
    ExceededLimit {
        /// The cap.
        limit_bytes: u64,
        /// The RSS that passed it.
        seen_bytes: u64,
    },
    /// Killed after running this long.
    TimedOut {
        /// The timeout.
        after: Duration,
    },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("ok"),
            Outcome::Failed => f.write_str("failed"),
            Outcome::ExceededLimit {
                limit_bytes,
                seen_bytes,
            } => write!(
                f,
                "exceeded limit (RSS {:.1} MiB > {:.1} MiB)",
                *seen_bytes as f64 / 1048576.0,
                *limit_bytes as f64 / 1048576.0
            ),
            Outcome::TimedOut { after } => write!(f, "timed out after {} s", after.as_secs_f64()),
        }
    }
}

/// Peak RSS over a process tree ([`CommandSpec::tree`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreePeak {
    /// The highest `VmHWM` of any one traced process, bytes (not a sum of
    /// processes alive at the same time); `None` when none was read.
    pub max_bytes: Option<u64>,
    /// Processes traced (the command and its descendants).
    pub processes: usize,
    /// Of those, processes with no exit stop (killed by SIGKILL): their
    /// peaks are not in `max_bytes`.
    pub unmeasured: usize,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// From just before spawn to the reaping of the command.
    pub wall: Duration,
    /// User CPU time of the command (all its threads, and children it
    /// waited for).
    pub user: Duration,
    /// System CPU time, likewise.
    pub sys: Duration,
    /// How it ended.
    pub exit: Exit,
    /// Its own peak resident set (`VmHWM` at its exit stop), bytes; `None`
    /// when it could not be measured.
    pub peak_rss: Option<u64>,
    /// Why `peak_rss` is `None`.
    pub peak_rss_missing: Option<String>,
    /// With [`CommandSpec::tree`]: the peak over the tree.
    pub tree: Option<TreePeak>,
    /// Records read from stdout ([`CommandSpec::records`]).
    pub records: Option<u64>,
    /// RSS samples ([`CommandSpec::sample_every`]), in time order; the
    /// last one is taken at the exit stop (with every record printed).
    pub timeline: Vec<Sample>,
    /// The last lines of stderr ([`CommandSpec::stderr_tail`]).
    pub stderr_tail: String,
    /// The verdict of the run.
    pub outcome: Outcome,
}

impl Finished {
    /// One line for a report: the outcome, the exit and the stderr tail.
    ///
    /// ```
    /// use anivault_bench::command::CommandSpec;
    /// let f = CommandSpec::new("sh")
    ///     .args(["-c", "echo boom >&2; exit 3"])
    ///     .stderr_tail(5)
    ///     .run()
    ///     .unwrap();
    /// assert_eq!(f.describe(), "failed (exit 3): boom");
    /// ```
    pub fn describe(&self) -> String {
        let mut s = match self.outcome {
            Outcome::Failed => format!("failed ({})", self.exit),
            o => o.to_string(),
        };
        if !self.stderr_tail.is_empty() && self.outcome != Outcome::Success {
            s.push_str(": ");
            s.push_str(&self.stderr_tail.replace('\n', " / "));
        }
        s
    }
}

/// Why a command could not be run at all.
#[derive(Debug)]
pub enum CommandError {
    /// The program does not exist (not on `PATH`, no such file, or its
    /// `#!` interpreter is missing).
    NotFound {
        /// The program as given.
        program: OsString,
    },
    /// Another spawn failure (not executable, too many processes…).
    Spawn {
        /// The program as given.
        program: OsString,
        /// The cause.
        source: io::Error,
    },
    /// Tracing or waiting failed; the command was killed and reaped.
    Trace {
        /// The program as given.
        program: OsString,
        /// The cause.
        source: io::Error,
    },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::NotFound { program } => write!(
                f,
                "'{}': program not found (not on PATH, no such file, or its #! interpreter is missing)",
                program.to_string_lossy()
            ),
            CommandError::Spawn { program, source } => {
                write!(f, "cannot run '{}': {source}", program.to_string_lossy())
            }
            CommandError::Trace { program, source } => write!(
                f,
                "lost track of '{}' (ptrace/wait failed: {source}); it was killed",
                program.to_string_lossy()
            ),
        }
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::NotFound { .. } => None,
            CommandError::Spawn { source, .. } | CommandError::Trace { source, .. } => Some(source),
        }
    }
}

/// A command to run and what to measure: a small builder.
///
/// stdin is `/dev/null`; stdout goes to `/dev/null` unless records are
/// counted; stderr to `/dev/null` unless its tail is kept.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    records: Option<Records>,
    stderr_lines: usize,
    sample_every: Option<Duration>,
    rss_limit: Option<u64>,
    timeout: Option<Duration>,
    tree: bool,
}

impl CommandSpec {
    /// `program` (looked up on `PATH` when it has no `/`), no arguments,
    /// nothing measured but times, exit and peak RSS.
    pub fn new(program: impl AsRef<OsStr>) -> CommandSpec {
        CommandSpec {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            records: None,
            stderr_lines: 0,
            sample_every: None,
            rss_limit: None,
            timeout: None,
            tree: false,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.args.push(a.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable for the command.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Counts records on stdout (lines or NUL-terminated) as they arrive.
    pub fn records(mut self, r: Records) -> Self {
        self.records = Some(r);
        self
    }

    /// Keeps the last `lines` lines of stderr (0: stderr to /dev/null).
    pub fn stderr_tail(mut self, lines: usize) -> Self {
        self.stderr_lines = lines;
        self
    }

    /// Samples `VmRSS` (and records so far) every `every` (e.g.
    /// [`DEFAULT_SAMPLE_EVERY`]): the command's own process, also with
    /// [`tree`](Self::tree).
    pub fn sample_every(mut self, every: Duration) -> Self {
        self.sample_every = Some(every.max(Duration::from_millis(1)));
        self
    }

    /// Kills the command when its RSS passes `bytes` (its own process's
    /// `VmRSS`, checked on the sampling clock, every 10 ms without
    /// sampling; a peak read at exit above `bytes` counts too): outcome
    /// [`Outcome::ExceededLimit`]. With [`tree`](Self::tree), every traced
    /// process is killed.
    pub fn rss_limit(mut self, bytes: u64) -> Self {
        self.rss_limit = Some(bytes);
        self
    }

    /// Kills the command after `after`: outcome [`Outcome::TimedOut`].
    pub fn timeout(mut self, after: Duration) -> Self {
        self.timeout = Some(after);
        self
    }

    /// Also traces every thread and descendant process (their peak is
    /// [`Finished::tree`]); costs a stop per thread or process created.
    pub fn tree(mut self, yes: bool) -> Self {
        self.tree = yes;
        self
    }

    /// The program as given.
    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// Runs the command to its end and measures it. `Err` only when it
    /// could not be run (or followed) at all; a command that fails, is
    /// killed, times out or passes the cap is an `Ok` with that outcome.
    pub fn run(&self) -> Result<Finished, CommandError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(if self.records.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(if self.stderr_lines > 0 {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        trace::arm(&mut cmd);
        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => CommandError::NotFound {
                program: self.program.clone(),
            },
            _ => CommandError::Spawn {
                program: self.program.clone(),
                source: e,
            },
        })?;
        // `child` is reaped by `trace::follow` (wait4), never by `Child`.
        let pid = libc::pid_t::try_from(child.id()).unwrap_or(libc::pid_t::MAX);
        let pidfd = Pid::from_raw(pid)
            .and_then(|p| rustix::process::pidfd_open(p, PidfdFlags::empty()).ok());

        let records = Arc::new(AtomicU64::new(0));
        let (out_tx, out_rx) = mpsc::channel();
        if let (Some(out), Some(mode)) = (child.stdout.take(), self.records) {
            let counter = Arc::clone(&records);
            std::thread::spawn(move || {
                let _ = out_tx.send(count_records(out, mode, &counter));
            });
        }
        let (err_tx, err_rx) = mpsc::channel();
        if let Some(err) = child.stderr.take() {
            std::thread::spawn(move || {
                let _ = err_tx.send(read_tail(err, 8 * 1024));
            });
        }
        let exiting = Arc::new(AtomicBool::new(false));
        let kill_all = Arc::new(AtomicBool::new(false));
        let (done_tx, done_rx) = mpsc::channel();
        let watcher = watch::Watch {
            pid,
            pidfd,
            started,
            every: self.sample_every,
            limit: self.rss_limit,
            timeout: self.timeout,
            records: Arc::clone(&records),
            exiting: Arc::clone(&exiting),
            kill_all: Arc::clone(&kill_all),
            done: done_rx,
        };
        // Nothing to watch: no thread (spawning one costs a run of `true`).
        let watching =
            self.sample_every.is_some() || self.rss_limit.is_some() || self.timeout.is_some();
        let watcher = watching.then(|| std::thread::spawn(move || watcher.run()));

        let ended = trace::follow(pid, self.tree, &exiting, &kill_all);
        let wall = started.elapsed();
        let _ = done_tx.send(());
        let (timeline, killed) = watcher.and_then(|w| w.join().ok()).unwrap_or_default();
        let ended = match ended {
            Ok(e) => e,
            Err(source) => {
                reap_after_error(pid);
                return Err(CommandError::Trace {
                    program: self.program.clone(),
                    source,
                });
            }
        };
        drop(child);

        let records_read = self
            .records
            .map(|_| match out_rx.recv_timeout(DRAIN_GRACE) {
                Ok(Ok(n)) => n,
                // A read error or a stdout still held open: what was counted.
                _ => records.load(Ordering::Relaxed),
            });
        let stderr_tail = match err_rx.recv_timeout(if self.stderr_lines > 0 {
            DRAIN_GRACE
        } else {
            Duration::ZERO
        }) {
            Ok(Ok(bytes)) => last_lines(&bytes, self.stderr_lines),
            _ => String::new(),
        };

        // The timeline's last point: the RSS at the exit stop, with every
        // record printed (a command faster than one sampling interval has
        // this point only).
        let mut timeline = timeline;
        if let (Some(_), Some(rss)) = (self.sample_every, ended.exit_rss) {
            timeline.push(Sample {
                at_us: u64::try_from(wall.as_micros()).unwrap_or(u64::MAX),
                rss_bytes: rss,
                records: records_read.unwrap_or(0),
            });
        }
        let exit = Exit::from_wait_status(ended.status);
        let killed = killed.filter(|_| exit == Exit::Signal(libc::SIGKILL));
        let outcome = match (killed, self.rss_limit, &ended.peak) {
            (Some(watch::Kill::Limit(seen)), Some(limit), _) => Outcome::ExceededLimit {
                limit_bytes: limit,
                seen_bytes: seen,
            },
            (Some(watch::Kill::Timeout), _, _) => Outcome::TimedOut {
                after: self.timeout.unwrap_or_default(),
            },
            (_, Some(limit), Ok(peak)) if *peak > limit => Outcome::ExceededLimit {
                limit_bytes: limit,
                seen_bytes: *peak,
            },
            _ if exit.success() => Outcome::Success,
            _ => Outcome::Failed,
        };
        let (peak_rss, peak_rss_missing) = match ended.peak {
            Ok(b) => (Some(b), None),
            Err(why) => (None, Some(why)),
        };
        Ok(Finished {
            wall,
            user: timeval(ended.usage.ru_utime),
            sys: timeval(ended.usage.ru_stime),
            exit,
            peak_rss,
            peak_rss_missing,
            tree: ended
                .tree
                .map(|(max_bytes, processes, unmeasured)| TreePeak {
                    max_bytes,
                    processes,
                    unmeasured,
                }),
            records: records_read,
            timeline,
            stderr_tail,
            outcome,
        })
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

/// After a tracing failure: kill the command and reap it, so that nothing
/// is left running or as a zombie.
fn reap_after_error(pid: libc::pid_t) {
    // SAFETY: kill(2) and waitpid(2) on our own, not yet reaped child; the
    // status pointer is valid for the call.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut st = 0;
        while libc::waitpid(pid, &mut st, libc::__WALL) == -1
            && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
        {}
    }
}

#[cfg(test)]
mod tests;

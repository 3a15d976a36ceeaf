//! The ptrace plumbing behind [`super::CommandSpec::run`]: the child asks
//! to be traced before `exec` (`PTRACE_TRACEME`); at its exec stop we hand
//! it over to `PTRACE_SEIZE` (detach into a `SIGSTOP`, seize, `SIGCONT`) so
//! that job control keeps working (`PTRACE_LISTEN` on a group-stop); from
//! then on only events stop it: its exit (`PTRACE_O_TRACEEXIT`, where
//! `VmHWM` is read while its memory still exists), signals (each one
//! delivered on), and, for a tree, its forks and clones. No system call is
//! traced, so the command runs at full speed between those events.
//!
//! Every ptrace call and wait comes from the thread that spawned the child:
//! the kernel makes that thread, not the process, the tracer.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use libc::{c_int, pid_t};

/// Makes the child ask to be traced before it execs. If ptrace is not
/// permitted the request fails in the child, which then runs untraced:
/// [`follow`] sees no exec stop and reports the peak as not measured.
pub(super) fn arm(cmd: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe calls are allowed: it makes a single ptrace(2)
    // system call, allocates nothing and takes no lock.
    unsafe {
        cmd.pre_exec(|| {
            // PTRACE_TRACEME ignores pid, addr and data; no pointer is
            // passed.
            let _ = libc::ptrace(libc::PTRACE_TRACEME, 0, 0usize, 0usize);
            Ok(())
        });
    }
}

/// How the traced command ended.
pub(super) struct Ended {
    /// The wait status of the command's process.
    pub status: c_int,
    /// Its resource usage (times; its `ru_maxrss` is not used).
    pub usage: libc::rusage,
    /// Its `VmHWM` at its exit stop, bytes, or why it was not read.
    pub peak: Result<u64, String>,
    /// Its `VmRSS` at its exit stop, bytes (the timeline's last point).
    pub exit_rss: Option<u64>,
    /// With `tree`: the highest `VmHWM` of any traced process, the
    /// processes traced, and how many of them had no exit stop.
    pub tree: Option<(Option<u64>, usize, usize)>,
}

fn wait4(pid: pid_t, flags: c_int) -> io::Result<Option<(c_int, libc::rusage)>> {
    let mut status: c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 on a pid we trace or spawned, with pointers to a
        // status int and a rusage struct that outlive the call.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            return Ok(Some((status, usage)));
        }
        if r == 0 {
            return Ok(None);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn wait_blocking(pid: pid_t, flags: c_int) -> io::Result<(c_int, libc::rusage)> {
    wait4(pid, flags)?.ok_or_else(|| io::Error::other("wait4 returned no child"))
}

/// A ptrace request whose `addr` and `data` are plain integers (options,
/// a signal number) or zero.
fn request(req: libc::c_uint, pid: pid_t, data: usize) -> io::Result<()> {
    // SAFETY: the requests passed here (DETACH, SEIZE, CONT, LISTEN) read
    // `data` as an integer and never dereference `addr` or `data`.
    let r = unsafe { libc::ptrace(req, pid, 0usize, data) };
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Restarts a stopped tracee; a tracee that died meanwhile (`ESRCH`, e.g.
/// SIGKILL from the sampler) is not an error: its death is the next wait.
fn restart(req: libc::c_uint, pid: pid_t, sig: c_int) -> io::Result<()> {
    match request(req, pid, usize::try_from(sig).unwrap_or(0)) {
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Ok(()),
        r => r,
    }
}

fn event_msg(pid: pid_t) -> io::Result<libc::c_ulong> {
    let mut msg: libc::c_ulong = 0;
    // SAFETY: PTRACE_GETEVENTMSG writes one c_ulong to `data`, which points
    // at `msg`, alive for the call.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETEVENTMSG,
            pid,
            0usize,
            &mut msg as *mut libc::c_ulong,
        )
    };
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(msg)
    }
}

/// `VmHWM` (bytes) and `Tgid` from `/proc/TID/status`.
fn hwm_and_tgid(tid: pid_t) -> Option<(u64, pid_t)> {
    status_figures(tid).map(|(hwm, _, tgid)| (hwm, tgid))
}

/// `VmHWM` and `VmRSS` (bytes) and `Tgid` from `/proc/TID/status`.
fn status_figures(tid: pid_t) -> Option<(u64, u64, pid_t)> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let hwm_kb = field("VmHWM:")?;
    let rss_kb = field("VmRSS:").unwrap_or(0);
    let tgid = pid_t::try_from(field("Tgid:")?).ok()?;
    Some((hwm_kb * 1024, rss_kb * 1024, tgid))
}

fn stopping_signal(sig: c_int) -> bool {
    matches!(
        sig,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
    )
}

fn options(tree: bool) -> usize {
    let mut o = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACEEXEC;
    if tree {
        o |= libc::PTRACE_O_TRACEFORK | libc::PTRACE_O_TRACEVFORK | libc::PTRACE_O_TRACECLONE;
    }
    usize::try_from(o).unwrap_or(0)
}

/// The tracer's state.
struct Tracer {
    root: pid_t,
    tree: bool,
    /// Tasks (threads and processes) being traced.
    tasks: HashSet<pid_t>,
    /// Highest `VmHWM` read at an exit stop, per process (tgid).
    hwm: HashMap<pid_t, u64>,
    /// Every process seen (tgid).
    processes: HashSet<pid_t>,
    /// The command's `VmRSS` at its exit stop.
    exit_rss: Option<u64>,
}

impl Tracer {
    /// Handles one ptrace stop of `tid` and restarts it.
    fn on_stop(&mut self, tid: pid_t, status: c_int, exiting: &AtomicBool) -> io::Result<()> {
        let sig = libc::WSTOPSIG(status);
        let event = (status >> 16) & 0xffff;
        match event {
            // A signal-delivery stop: deliver the signal.
            0 => restart(libc::PTRACE_CONT, tid, sig),
            libc::PTRACE_EVENT_EXIT => {
                if let Some((bytes, rss, tgid)) = status_figures(tid) {
                    let e = self.hwm.entry(tgid).or_insert(0);
                    *e = (*e).max(bytes);
                    if tid == self.root {
                        self.exit_rss = Some(rss).filter(|&r| r > 0);
                    }
                }
                if tid == self.root {
                    exiting.store(true, Ordering::Release);
                }
                restart(libc::PTRACE_CONT, tid, 0)
            }
            // Group-stop: stay stopped until SIGCONT (a SIGTRAP here is the
            // trap after attaching or after SIGCONT: run on).
            libc::PTRACE_EVENT_STOP if stopping_signal(sig) => restart(libc::PTRACE_LISTEN, tid, 0),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                if let Ok(new) = event_msg(tid) {
                    if let Ok(new) = pid_t::try_from(new) {
                        self.tasks.insert(new);
                        let tgid = hwm_and_tgid(new).map_or(new, |(_, g)| g);
                        self.processes.insert(tgid);
                    }
                }
                restart(libc::PTRACE_CONT, tid, 0)
            }
            _ => restart(libc::PTRACE_CONT, tid, 0),
        }
    }

    fn ended(&self, status: c_int, usage: libc::rusage, why_not: &str) -> Ended {
        let peak = self
            .hwm
            .get(&self.root)
            .copied()
            .ok_or_else(|| why_not.to_string());
        let tree = self.tree.then(|| {
            let unmeasured = self
                .processes
                .iter()
                .filter(|p| !self.hwm.contains_key(p))
                .count();
            (
                self.hwm.values().copied().max(),
                self.processes.len(),
                unmeasured,
            )
        });
        Ended {
            status,
            usage,
            peak,
            exit_rss: self.exit_rss,
            tree,
        }
    }
}

const KILLED: &str =
    "no exit stop: killed by SIGKILL and the kernel skipped the stop, or reaped before it";

/// Follows the spawned, `arm`ed child `pid` to its end. `exiting` is set
/// at the command's exit stop (its figures are final; samplers stop).
/// With `tree`, `kill_all` asks to SIGKILL every traced process.
pub(super) fn follow(
    pid: pid_t,
    tree: bool,
    exiting: &AtomicBool,
    kill_all: &AtomicBool,
) -> io::Result<Ended> {
    let mut t = Tracer {
        root: pid,
        tree,
        tasks: HashSet::from([pid]),
        hwm: HashMap::new(),
        processes: HashSet::from([pid]),
        exit_rss: None,
    };
    // 1. The exec stop (a SIGTRAP). Anything else first is delivered on.
    loop {
        let (st, usage) = wait_blocking(pid, libc::__WALL)?;
        if !libc::WIFSTOPPED(st) {
            exiting.store(true, Ordering::Release);
            return Ok(t.ended(st, usage, "not traced (ptrace is not permitted here)"));
        }
        if libc::WSTOPSIG(st) == libc::SIGTRAP {
            break;
        }
        restart(libc::PTRACE_CONT, pid, libc::WSTOPSIG(st))?;
    }
    // 2. Hand over to PTRACE_SEIZE: detach into a SIGSTOP, seize the
    //    stopped child with our options, let it continue.
    request(
        libc::PTRACE_DETACH,
        pid,
        usize::try_from(libc::SIGSTOP).unwrap_or(0),
    )?;
    let (st, usage) = wait_blocking(pid, libc::WUNTRACED | libc::__WALL)?;
    if !libc::WIFSTOPPED(st) {
        exiting.store(true, Ordering::Release);
        return Ok(t.ended(st, usage, KILLED));
    }
    let seized = request(libc::PTRACE_SEIZE, pid, options(tree));
    // SAFETY: kill(2) with a pid we spawned and have not reaped (it is
    // stopped, so it cannot have been reaped or recycled).
    unsafe { libc::kill(pid, libc::SIGCONT) };
    if let Err(e) = seized {
        // Seizing is refused (e.g. Yama scope 2 without CAP_SYS_PTRACE):
        // the command runs on untraced, its peak is not measured.
        let (st, usage) = wait_blocking(pid, libc::__WALL)?;
        exiting.store(true, Ordering::Release);
        return Ok(t.ended(
            st,
            usage,
            &format!("not traced (PTRACE_SEIZE refused: {e})"),
        ));
    }

    // 3. Events until the end.
    if !tree {
        loop {
            let (st, usage) = wait_blocking(pid, libc::__WALL)?;
            if libc::WIFSTOPPED(st) {
                t.on_stop(pid, st, exiting)?;
            } else {
                exiting.store(true, Ordering::Release);
                return Ok(t.ended(st, usage, KILLED));
            }
        }
    }
    // A tree: poll every traced task (a blocking wait on "any child" would
    // also reap children other threads of this process are waiting for).
    let mut root_end = None;
    let mut idle = Duration::from_micros(20);
    let mut killed = false;
    while !t.tasks.is_empty() {
        if !killed && kill_all.load(Ordering::Acquire) {
            killed = true;
            for &tid in &t.tasks {
                // SAFETY: kill(2) on tasks we trace and have not reaped.
                unsafe { libc::kill(tid, libc::SIGKILL) };
            }
        }
        let mut any = false;
        let tasks: Vec<pid_t> = t.tasks.iter().copied().collect();
        for tid in tasks {
            match wait4(tid, libc::WNOHANG | libc::__WALL) {
                Ok(None) => {}
                Ok(Some((st, usage))) => {
                    any = true;
                    if libc::WIFSTOPPED(st) {
                        t.on_stop(tid, st, exiting)?;
                    } else {
                        t.tasks.remove(&tid);
                        if tid == pid {
                            exiting.store(true, Ordering::Release);
                            root_end = Some((st, usage));
                        }
                    }
                }
                Err(e) if e.raw_os_error() == Some(libc::ECHILD) => {
                    // Gone without a report (a thread replaced by exec).
                    t.tasks.remove(&tid);
                }
                Err(e) => return Err(e),
            }
        }
        if any {
            idle = Duration::from_micros(20);
        } else {
            std::thread::sleep(idle);
            idle = (idle * 2).min(Duration::from_millis(1));
        }
    }
    let (st, usage) =
        root_end.ok_or_else(|| io::Error::other("the command's process was never reaped"))?;
    Ok(t.ended(st, usage, KILLED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_exit_stop_the_peak_is_not_measured() {
        let t = Tracer {
            root: 42,
            tree: true,
            tasks: HashSet::new(),
            hwm: HashMap::from([(43, 5 << 20)]),
            processes: HashSet::from([42, 43]),
            exit_rss: None,
        };
        // SAFETY: an all-zero rusage is a valid value of this C struct.
        let usage: libc::rusage = unsafe { std::mem::zeroed() };
        let e = t.ended(9, usage, KILLED);
        assert_eq!(e.peak, Err(KILLED.to_string()));
        // The tree has one measured process of two.
        assert_eq!(e.tree, Some((Some(5 << 20), 2, 1)));
    }
}

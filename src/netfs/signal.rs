//! Unmounting on Ctrl-C: SIGINT, SIGTERM and SIGHUP are blocked in every
//! thread (call [`block_termination`] before the mount starts its threads,
//! which inherit the mask) and taken synchronously with `sigwait`, so the
//! code that unmounts runs in a normal thread, not in a signal handler.
//! Children started with `std::process::Command` get an empty mask again
//! (std resets it), so a `compare` child still dies of Ctrl-C.

use std::io;

/// The signals that end a mount.
const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it before
    // any use, and sigaddset gets valid signal numbers.
    unsafe {
        let mut s: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut s);
        for sig in SIGNALS {
            libc::sigaddset(&mut s, sig);
        }
        s
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and in the
/// threads it starts afterwards).
pub fn block_termination() -> io::Result<()> {
    let s = set();
    // SAFETY: `s` is an initialised set; the old mask is not asked for.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &s, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// Waits until one of the blocked signals arrives; returns its number.
/// Call [`block_termination`] first (in this thread and all others),
/// otherwise the signal's default action may end the process instead.
pub fn wait_termination() -> io::Result<i32> {
    let s = set();
    let mut sig: libc::c_int = 0;
    // SAFETY: `s` is an initialised set and `sig` a valid place to write.
    let rc = unsafe { libc::sigwait(&s, &mut sig) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(sig)
}

/// The exit status a shell gives a process ended by `sig`: 128 + `sig`.
///
/// ```
/// assert_eq!(anivault_bench::netfs::signal::exit_status(2), 130);
/// ```
pub fn exit_status(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(1)
}

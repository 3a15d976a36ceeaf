//! Helpers shared by the scanner's integration tests.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread; an error when it has not returned within
/// `limit` (the thread is then abandoned).
pub fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .map_err(|_| format!("did not return within {limit:?}"))
}

/// Runs the test `body` of this test binary alone in a child process (with
/// `env=1`, so the body knows it is the child), under a watchdog of
/// `limit`: no other test's threads skew a thread count there, and a hang
/// is killed and reported as `what`. Panics unless the body passed.
pub fn run_body_in_child(body: &str, env: &str, limit: Duration, what: &str) {
    let exe = std::env::current_exe().expect("current_exe");
    let child = Command::new(exe)
        .args([body, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let pid = child.id();
    let out = within(limit, move || {
        child.wait_with_output().map(|o| {
            (
                o.status,
                String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr),
            )
        })
    });
    let Ok(Ok((status, text))) = out else {
        if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
        panic!("the {what} child did not finish within {limit:?} (a drop hangs?)");
    };
    eprintln!("{text}");
    assert!(status.success(), "{what} failed (output above)");
    assert!(text.contains("1 passed"), "the child did not run the body");
}

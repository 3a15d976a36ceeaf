//! Tests of the command runner. Children that must allocate are this test
//! binary re-run on one test ([`helper`]) with `ANIVAULT_TEST_ALLOC_MIB`.

use super::*;

const MIB: u64 = 1 << 20;

/// Not a test of its own: when `ANIVAULT_TEST_ALLOC_MIB` is set, allocates
/// and writes that many MiB, keeps them for `ANIVAULT_TEST_HOLD_MS`, exits.
#[test]
fn helper() {
    let Some(mib) = std::env::var("ANIVAULT_TEST_ALLOC_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let hold = std::env::var("ANIVAULT_TEST_HOLD_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let mut v = vec![0u8; mib << 20];
    for (i, b) in v.iter_mut().enumerate().step_by(4096) {
        *b = i as u8 | 1;
    }
    std::thread::sleep(Duration::from_millis(hold));
    std::hint::black_box(&v);
}

/// This test binary, re-run as [`helper`] allocating `mib` MiB.
fn allocating_child(mib: u64, hold_ms: u64) -> CommandSpec {
    let exe = std::env::current_exe().expect("test binary path");
    CommandSpec::new(exe)
        .args(["--exact", "command::tests::helper", "--test-threads", "1"])
        .env("ANIVAULT_TEST_ALLOC_MIB", mib.to_string())
        .env("ANIVAULT_TEST_HOLD_MS", hold_ms.to_string())
}

fn small_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for i in 0..20 {
        let sub = d.path().join(format!("s{}", i % 4));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("ep{i:02}.mkv")), b"x").unwrap();
    }
    d
}

/// `ru_maxrss` of `program args` as `wait4` gives it (the old method).
#[allow(clippy::zombie_processes)] // reaped with wait4 below, for its rusage
fn ru_maxrss_bytes(program: &str, args: &[&std::ffi::OsStr]) -> u64 {
    let child = std::process::Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut st = 0;
    // SAFETY: an all-zero rusage is valid; wait4 on our own child with
    // pointers that outlive the call.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let r = unsafe { libc::wait4(pid, &mut st, 0, &mut ru) };
    assert_eq!(r, pid);
    u64::try_from(ru.ru_maxrss).unwrap() * 1024
}

#[test]
fn peak_rss_is_not_inherited_from_a_parent_holding_200_mb() {
    // This test process is the parent: 200 MB written and kept alive.
    let mut held = vec![0u8; 200_000_000];
    for (i, b) in held.iter_mut().enumerate().step_by(4096) {
        *b = i as u8 | 1;
    }
    let tree = small_tree();
    let find_args = [tree.path().as_os_str(), "-type".as_ref(), "f".as_ref()];
    // The old method sees the parent's 200 MB (the setup is real).
    let inherited = ru_maxrss_bytes("true", &[]);
    assert!(inherited >= 190_000_000, "ru_maxrss {inherited}");

    let t = CommandSpec::new("true").run().unwrap();
    assert_eq!(t.outcome, Outcome::Success);
    let peak = t.peak_rss.expect("peak of true measured");
    assert!(peak > 0 && peak < 5 * MIB, "true: {peak} bytes");

    let f = CommandSpec::new("find")
        .args(find_args)
        .records(Records::Lines)
        .run()
        .unwrap();
    assert_eq!(f.outcome, Outcome::Success, "{}", f.describe());
    assert_eq!(f.records, Some(20));
    let peak = f.peak_rss.expect("peak of find measured");
    assert!(peak > 0 && peak < 5 * MIB, "find: {peak} bytes");
    std::hint::black_box(&held);
    held.clear();
}

#[test]
fn a_child_that_touches_64_mib_reports_at_least_64_mib() {
    let f = allocating_child(64, 0).run().unwrap();
    assert_eq!(f.outcome, Outcome::Success, "{}", f.describe());
    let peak = f.peak_rss.expect("measured");
    assert!(peak >= 64 * MIB, "{peak}");
    assert!(peak < 96 * MIB, "{peak}");
}

#[test]
fn tree_takes_the_max_over_descendants_not_the_shell() {
    let child = allocating_child(48, 0);
    let mut line = OsString::from("'");
    line.push(child.program());
    line.push("' --exact command::tests::helper --test-threads 1; true");
    let spec = CommandSpec::new("sh")
        .arg("-c")
        .arg(&line)
        .env("ANIVAULT_TEST_ALLOC_MIB", "48")
        .env("ANIVAULT_TEST_HOLD_MS", "0")
        .tree(true);
    let f = spec.run().unwrap();
    assert_eq!(f.outcome, Outcome::Success, "{}", f.describe());
    let own = f.peak_rss.expect("shell measured");
    assert!(own < 16 * MIB, "the shell itself: {own}");
    let tree = f.tree.expect("tree figures");
    assert!(tree.processes >= 2, "{tree:?}");
    assert_eq!(tree.unmeasured, 0, "{tree:?}");
    assert!(tree.max_bytes.is_some_and(|b| b >= 48 * MIB), "{tree:?}");
    // Without --tree the descendant is not counted.
    let f = spec.clone().tree(false).run().unwrap();
    assert!(f.tree.is_none());
    assert!(f.peak_rss.is_some_and(|b| b < 16 * MIB));
}

#[test]
fn sigpipe_in_a_traced_tree_is_delivered() {
    // `yes` gets SIGPIPE when head exits; if the tracer swallowed it, yes
    // would run (and this test hang) until the timeout.
    let f = CommandSpec::new("sh")
        .args(["-c", "yes | head -n 3"])
        .records(Records::Lines)
        .tree(true)
        .timeout(Duration::from_secs(20))
        .run()
        .unwrap();
    assert_eq!(f.outcome, Outcome::Success, "{}", f.describe());
    assert_eq!(f.records, Some(3));
    assert!(f
        .tree
        .is_some_and(|t| t.processes >= 3 && t.unmeasured == 0));
}

#[test]
fn a_fatal_signal_is_delivered_and_the_peak_still_read() {
    let f = CommandSpec::new("sh")
        .args(["-c", "kill -TERM $$; sleep 5"])
        .run()
        .unwrap();
    assert_eq!(f.exit, Exit::Signal(libc::SIGTERM));
    assert_eq!(f.outcome, Outcome::Failed);
    assert!(f.peak_rss.is_some(), "{:?}", f.peak_rss_missing);
}

#[test]
fn a_stopped_command_stays_stopped_until_sigcont() {
    // The shell stops itself; a background job continues it after 0.3 s.
    // Were the group-stop resumed by the tracer, "resumed" would come first.
    let f = CommandSpec::new("sh")
        .args([
            "-c",
            "( sleep 0.3; echo cont >&2; kill -CONT $$ ) & kill -STOP $$; echo resumed >&2; wait",
        ])
        .stderr_tail(5)
        .timeout(Duration::from_secs(20))
        .run()
        .unwrap();
    assert_eq!(f.outcome, Outcome::Success, "{}", f.describe());
    assert_eq!(f.stderr_tail, "cont\nresumed");
    assert!(f.peak_rss.is_some());
}

#[test]
fn a_hung_command_is_killed_by_the_timeout() {
    let f = CommandSpec::new("sleep")
        .arg("30")
        .timeout(Duration::from_millis(300))
        .run()
        .unwrap();
    assert_eq!(
        f.outcome,
        Outcome::TimedOut {
            after: Duration::from_millis(300)
        }
    );
    assert_eq!(f.exit, Exit::Signal(libc::SIGKILL));
    assert_eq!(f.describe(), "timed out after 0.3 s");
    // Read at the exit stop when the kernel stops a SIGKILLed tracee there
    // (Linux 6.x does), else not measured, with the reason: never made up.
    match f.peak_rss {
        Some(b) => assert!(b > 0 && b < 16 * MIB, "sleep: {b}"),
        None => assert!(f.peak_rss_missing.is_some_and(|m| m.contains("SIGKILL"))),
    }
}

#[test]
fn a_command_past_the_rss_cap_is_killed_and_reported() {
    let f = allocating_child(64, 10_000)
        .rss_limit(16 * MIB)
        .timeout(Duration::from_secs(30))
        .run()
        .unwrap();
    match f.outcome {
        Outcome::ExceededLimit {
            limit_bytes,
            seen_bytes,
        } => {
            assert_eq!(limit_bytes, 16 * MIB);
            assert!(seen_bytes > 16 * MIB);
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(f.exit, Exit::Signal(libc::SIGKILL));
    assert!(f.describe().starts_with("exceeded limit (RSS "));
    // The exact high-water mark when read at the exit stop: at least what
    // the sampler saw.
    if let (Outcome::ExceededLimit { seen_bytes, .. }, Some(peak)) = (f.outcome, f.peak_rss) {
        assert!(peak >= seen_bytes, "{peak} < {seen_bytes}");
    } else {
        assert!(f.peak_rss_missing.is_some());
    }
}

#[test]
fn a_missing_program_is_a_distinct_error_naming_it() {
    let e = CommandSpec::new("/nonexistent/anivault-no-such-tool")
        .run()
        .unwrap_err();
    assert!(matches!(e, CommandError::NotFound { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("'/nonexistent/anivault-no-such-tool'"),
        "{e}"
    );
    let e = CommandSpec::new("anivault-no-such-tool-on-path")
        .run()
        .unwrap_err();
    assert!(matches!(e, CommandError::NotFound { .. }), "{e:?}");
}

#[test]
fn a_failure_carries_the_last_lines_of_stderr() {
    let f = CommandSpec::new("sh")
        .args(["-c", "echo one >&2; echo two >&2; echo three >&2; exit 3"])
        .stderr_tail(2)
        .run()
        .unwrap();
    assert_eq!(f.outcome, Outcome::Failed);
    assert_eq!(f.exit, Exit::Code(3));
    assert_eq!(f.stderr_tail, "two\nthree");
    assert_eq!(f.describe(), "failed (exit 3): two / three");
    assert!(f.peak_rss.is_some());
}

#[test]
fn the_timeline_pairs_rss_with_records_read_so_far() {
    let f = CommandSpec::new("sh")
        .args(["-c", "for i in 1 2 3 4 5 6; do echo $i; sleep 0.05; done"])
        .records(Records::Lines)
        .sample_every(Duration::from_millis(10))
        .run()
        .unwrap();
    assert_eq!(f.records, Some(6));
    assert!(f.timeline.len() >= 3, "{:?}", f.timeline);
    assert!(f
        .timeline
        .windows(2)
        .all(|w| w[0].at_us < w[1].at_us && w[0].records <= w[1].records));
    assert!(f.timeline.iter().all(|s| s.rss_bytes > 0 && s.records <= 6));
    // Records were read while it ran, not only at the end.
    assert!(f.timeline.iter().any(|s| s.records > 0 && s.records < 6));
}

#[test]
fn nul_records_are_counted() {
    let f = CommandSpec::new("printf")
        .arg(r"a\0b\0c\0")
        .records(Records::Nul)
        .run()
        .unwrap();
    assert_eq!(f.records, Some(3));
}

/// Not a test of its own: with `ANIVAULT_TEST_RUN`, runs that program and
/// prints what was measured (for [`an_untraceable_command_is_not_measured`]).
#[test]
fn helper_run() {
    let Some(program) = std::env::var_os("ANIVAULT_TEST_RUN") else {
        return;
    };
    let f = CommandSpec::new(program).run().unwrap();
    println!(
        "RESULT exit={} peak={:?} missing={:?}",
        f.exit, f.peak_rss, f.peak_rss_missing
    );
}

#[test]
fn an_untraceable_command_is_not_measured() {
    // An execute-only binary makes its process non-dumpable, and a tracer
    // without CAP_SYS_PTRACE may not seize it: run as nobody.
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to drop to nobody with setpriv");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let prog = dir.path().join("true-x-only");
    std::fs::copy("/bin/true", &prog).unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o111)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(["--exact", "command::tests::helper_run", "--nocapture"])
        .env("ANIVAULT_TEST_RUN", &prog)
        .output();
    let Ok(out) = out else {
        eprintln!("skipped: setpriv not available");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(line.contains("exit=exit 0"), "{line}");
    assert!(line.contains("peak=None"), "{line}");
    assert!(line.contains("PTRACE_SEIZE refused"), "{line}");
}

#[test]
fn a_timeout_in_a_tree_kills_the_descendants_too() {
    // Were only the outer shell killed, the traced inner one would print
    // "survived" after its sleep (and the tracer would wait for it).
    let f = CommandSpec::new("sh")
        .args(["-c", "sh -c 'sleep 2; echo survived >&2'; true"])
        .tree(true)
        .stderr_tail(5)
        .timeout(Duration::from_millis(300))
        .run()
        .unwrap();
    assert!(matches!(f.outcome, Outcome::TimedOut { .. }), "{f:?}");
    assert_eq!(f.exit, Exit::Signal(libc::SIGKILL));
    assert!(f.tree.is_some_and(|t| t.processes >= 3), "{:?}", f.tree);
    assert!(!f.stderr_tail.contains("survived"), "{}", f.stderr_tail);
}

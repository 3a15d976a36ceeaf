//! `anivault-bench netfs mount`: the latency mount in the foreground.

use crate::cli::{NetfsArgs, NetfsCommand, NetfsMountArgs};
use crate::exit;
use crate::netfs::{signal, NetFs};

/// Runs a `netfs` subcommand; returns the exit code.
pub fn run(args: NetfsArgs) -> u8 {
    match args.command {
        NetfsCommand::Mount(a) => mount(a),
    }
}

fn mount(a: NetfsMountArgs) -> u8 {
    // Before the mount starts its threads, so that they inherit the mask
    // and the signal reaches the `sigwait` below.
    if let Err(e) = signal::block_termination() {
        eprintln!("anivault-bench netfs: cannot block SIGINT/SIGTERM: {e}");
        return exit::USAGE;
    }
    let mut b = NetFs::builder(&a.source)
        .latency(a.latency)
        .jitter(a.jitter)
        .ttl(a.ttl)
        .executors(a.executors);
    for &(class, d) in &a.op_latency {
        b = b.op_latency(class, d);
    }
    let m = match b.mount(&a.mountpoint) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("anivault-bench netfs: {e}");
            return exit::USAGE;
        }
    };
    eprintln!(
        "anivault-bench netfs: '{}' mounted read-only on '{}', latency {:?} (jitter {:?}, ttl {:?}); Ctrl-C unmounts",
        m.source().display(),
        m.path().display(),
        a.latency,
        a.jitter,
        a.ttl
    );
    let sig = signal::wait_termination();
    let counts = m.counts();
    let path = m.path().to_path_buf();
    match m.unmount() {
        Ok(()) => {
            eprintln!(
                "anivault-bench netfs: unmounted '{}'; requests served: {counts}",
                path.display()
            );
            match sig {
                Ok(_) => exit::OK,
                Err(_) => exit::ERRORS,
            }
        }
        Err(e) => {
            eprintln!("anivault-bench netfs: {e}");
            exit::ERRORS
        }
    }
}

//! Counts the media files (default video extensions) under a root, in one
//! of three ways, and prints the count: a measuring tool for the hot path
//! (callgrind, hyperfine) that the CLI does not offer.
//!
//! ```text
//! cargo run --release -p anivault-scanner --example count -- floor ROOT [THREADS]
//! cargo run --release -p anivault-scanner --example count -- for-each ROOT
//! cargo run --release -p anivault-scanner --example count -- scan ROOT [STRATEGY]
//! ```
//!
//! `floor` is `floor::floor_count` (raw getdents64 + openat, counting only,
//! THREADS default 2); `for-each` is `ScanOptions::for_each` with
//! `getdents` (no allocation per file); `scan` iterates `ScanOptions::scan`
//! (default strategy unless one is named).

use std::path::PathBuf;
use std::process::ExitCode;

use anivault_scanner::{ScanOptions, Strategy};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(root)) = (args.first(), args.get(1)) else {
        eprintln!("usage: count floor|for-each|scan ROOT [THREADS|STRATEGY]");
        return ExitCode::from(2);
    };
    let root = PathBuf::from(root);
    let (mut count, mut errors) = (0u64, 0u64);
    match mode.as_str() {
        "floor" => {
            let threads = match args.get(2).map(|t| t.parse::<usize>()) {
                None => 2,
                Some(Ok(t)) => t,
                Some(Err(e)) => {
                    eprintln!("count: THREADS: {e}");
                    return ExitCode::from(2);
                }
            };
            match anivault_scanner::floor::floor_count(&root, &ScanOptions::new(), threads) {
                Ok(n) => count = n,
                Err(e) => {
                    eprintln!("count: {e}");
                    errors += 1;
                }
            }
        }
        "for-each" => {
            ScanOptions::new()
                .strategy(Strategy::Getdents)
                .for_each(&root, |r| match r {
                    Ok(_) => count += 1,
                    Err(e) => {
                        eprintln!("count: {e}");
                        errors += 1;
                    }
                })
        }
        "scan" => {
            let strategy = match args.get(2).map(|s| s.parse::<Strategy>()) {
                None => Strategy::default(),
                Some(Ok(s)) => s,
                Some(Err(e)) => {
                    eprintln!("count: {e}");
                    return ExitCode::from(2);
                }
            };
            for r in ScanOptions::new().strategy(strategy).scan(&root) {
                match r {
                    Ok(_) => count += 1,
                    Err(e) => {
                        eprintln!("count: {e}");
                        errors += 1;
                    }
                }
            }
        }
        other => {
            eprintln!("count: unknown mode '{other}' (floor, for-each, scan)");
            return ExitCode::from(2);
        }
    }
    println!("{count}");
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

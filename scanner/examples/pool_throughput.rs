//! Files per second of a `ScanParsePool` for several worker counts, on a
//! tree you give (hot cache: run it twice, or on tmpfs).
//!
//! ```sh
//! cargo run --release -p anivault-scanner --example pool_throughput -- ROOT [RUNS] [WORKERS...]
//! ```
//!
//! Prints, per worker count, the best and the median of RUNS runs
//! (default 5) and the speed-up over the first worker count.
//! `POOL_BATCH` and `POOL_CAPACITY` override the batch size and the queue
//! capacity. Runs on the
//! system allocator (the bench binary's counting allocator adds contended
//! atomics to every allocation).

use std::time::{Duration, Instant};

use anivault_scanner::{ExtensionSet, ScanOptions, ScanParsePool};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: pool_throughput ROOT [RUNS] [WORKERS...]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let mut workers: Vec<usize> = args.filter_map(|a| a.parse().ok()).collect();
    if workers.is_empty() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        workers = vec![1, cores];
    }
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    let batch = env("POOL_BATCH").unwrap_or(ScanParsePool::DEFAULT_BATCH_SIZE);
    let capacity = env("POOL_CAPACITY").unwrap_or(ScanParsePool::DEFAULT_QUEUE_CAPACITY);
    let opts = ScanOptions::new().extensions(ExtensionSet::all_media());
    let files = opts.scan(&root).filter(|r| r.is_ok()).count();
    println!(
        "{root}: {files} media files, {runs} runs per worker count, batches of {batch}, {capacity} batches a channel"
    );
    let mut first_best: Option<Duration> = None;
    for &w in &workers {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let n = ScanParsePool::new(&root)
                .options(opts.clone())
                .workers(w)
                .batch_size(batch)
                .queue_capacity(capacity)
                .run()
                .filter(|r| r.is_ok())
                .count();
            times.push(t.elapsed());
            assert_eq!(n, files, "the pool parsed every file");
        }
        times.sort();
        let best = times[0];
        let median = times[times.len() / 2];
        let base = *first_best.get_or_insert(best);
        println!(
            "workers={w}: best {:>7.1} ms ({:>8.0} files/s), median {:>7.1} ms ({:>8.0} files/s), speed-up {:.2}x",
            best.as_secs_f64() * 1e3,
            files as f64 / best.as_secs_f64(),
            median.as_secs_f64() * 1e3,
            files as f64 / median.as_secs_f64(),
            base.as_secs_f64() / best.as_secs_f64(),
        );
    }
}

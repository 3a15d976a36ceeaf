//! `cargo bench --bench walkers`: wall time of every available strategy on
//! every fixture, with criterion's statistics and HTML report
//! (`$CARGO_TARGET_DIR/criterion/report/index.html`, by default
//! `target/criterion/report/index.html`).
//!
//! * One group per fixture (anime-1k, anime-10k, anime-100k, flat-100k,
//!   wide-100k), one bench per strategy of `Strategy::available()`.
//! * Throughput: `Elements` = directory entries the walk visits (the
//!   manifest's files + directories + symlinks + FIFOs), so criterion
//!   reports entries per second.
//! * Fixtures come from `generator::ensure` (generated the first time under
//!   `target/anivault-fixtures/`, or `$ANIVAULT_FIXTURES_DIR`), outside the
//!   measured part; each strategy's count is checked against the manifest
//!   once before it is measured (only for the benches a filter selects).
//! * Beside the strategies, `floor-2t` and `floor-1t`: the floor
//!   (`anivault_scanner::floor::floor_count`, raw `getdents64` + `openat`
//!   counting matches, no path built) on 2 threads and on 1, the lower
//!   bound of a hot walk that `getdents-par` and `getdents` are compared
//!   against (Linux only; checked against the manifest like the others).
//! * One iteration = one whole scan of the tree, counting the media files,
//!   on the system allocator. The page cache is warm (the check scan reads
//!   the tree first).
//!
//! Quick runs:
//!
//! * `ANIVAULT_BENCH_QUICK=1 cargo bench --bench walkers`: only anime-1k
//!   and anime-10k, shorter measurement;
//! * `cargo bench --bench walkers -- --quick`: criterion's quick mode (stops
//!   as soon as the estimate is stable);
//! * `cargo bench --bench walkers -- anime-10k/getdents`: criterion's filter
//!   (a regular expression on `group/bench`);
//! * `ANIVAULT_BENCH_FIXTURES=anime-10k,wide-100k`: choose the fixtures.
//!
//! Tuned so the whole `cargo bench` (this and `heap`) ends within about ten
//! minutes on two cores once the fixtures exist.

mod common;

use std::time::Duration;

use anivault_scanner::{ScanOptions, Strategy};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

/// Sample size, warm-up and measurement time for a tree of `entries`
/// entries.
fn tuning(entries: u64) -> (usize, Duration, Duration) {
    let quick = common::quick();
    match entries {
        // Small trees: many scans per sample are cheap.
        0..=20_000 if quick => (10, Duration::from_millis(300), Duration::from_millis(700)),
        0..=20_000 => (20, Duration::from_millis(500), Duration::from_secs(2)),
        // 100k trees: one scan is 30-300 ms; ten samples of one or a few
        // scans each.
        _ => (10, Duration::from_millis(500), Duration::from_millis(1500)),
    }
}

fn walkers(c: &mut Criterion) {
    for name in common::selected_fixtures() {
        let Some(fx) = common::fixture("walkers", &name) else {
            continue;
        };
        let entries = fx.manifest.counts.entries();
        let (samples, warm_up, measure) = tuning(entries);
        let mut group = c.benchmark_group(&name);
        group
            .throughput(Throughput::Elements(entries))
            .sample_size(samples)
            .warm_up_time(warm_up)
            .measurement_time(measure)
            // Criterion's default (100,000 bootstrap resamples) costs
            // seconds of analysis per bench on two cores, longer than the
            // measurement; 10,000 is plenty for 10-20 samples.
            .nresamples(10_000);
        if entries > 20_000 {
            group.sampling_mode(SamplingMode::Flat);
        }
        for s in Strategy::available() {
            let opts = ScanOptions::new().strategy(s);
            let mut check = common::CountCheck::default();
            group.bench_with_input(BenchmarkId::from_parameter(s.name()), &opts, |b, opts| {
                check.once(&name, s.name(), &fx, || common::scan_count(opts, &fx));
                b.iter(|| common::scan_count(opts, &fx))
            });
        }
        #[cfg(target_os = "linux")]
        for threads in [2usize, 1] {
            let opts = ScanOptions::new();
            let id = format!("floor-{threads}t");
            let mut check = common::CountCheck::default();
            group.bench_function(BenchmarkId::from_parameter(&id), |b| {
                let floor = || {
                    anivault_scanner::floor::floor_count(&fx.root, &opts, threads)
                        .map_or((0, 1), |n| (n, 0))
                };
                check.once(&name, &id, &fx, floor);
                b.iter(floor)
            });
        }
        group.finish();
    }
}

criterion_group!(benches, walkers);
criterion_main!(benches);

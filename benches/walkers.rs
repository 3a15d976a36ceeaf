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
//! * `getdents-par-fold`: `getdents-par` through
//!   `ScanOptions::par_for_each`, each worker counting the files it finds
//!   (no channel, no consumer thread), as `anivault-bench scan` prints.
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
//! * Group `netfs`: anime-1k behind a netfs latency mount
//!   (`anivault_bench::netfs`, 1 ms per request, nothing cached), the
//!   strategies at 1, 8 and 64 threads: latency-bound scans, where more
//!   requests in flight is what makes a walk fast. Skipped, with the reason
//!   printed, where FUSE is unavailable (no `/dev/fuse`, no rights).
//!   `cargo bench --bench walkers -- netfs/` runs only it.
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
        // The fold: getdents-par's workers counting themselves
        // (`par_for_each`), as `anivault-bench scan` prints.
        if Strategy::GetdentsPar.availability().is_ok() {
            let opts = ScanOptions::new().strategy(Strategy::GetdentsPar);
            let id = "getdents-par-fold";
            let mut check = common::CountCheck::default();
            group.bench_function(BenchmarkId::from_parameter(id), |b| {
                let fold = || fold_count(&opts, &fx);
                check.once(&name, id, &fx, fold);
                b.iter(fold)
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

/// Files and errors of one `par_for_each` over the fixture, each worker
/// counting its own (the strategy's workers call the function).
fn fold_count(opts: &ScanOptions, fx: &anivault_bench::generator::Fixture) -> (u64, u64) {
    let states = opts.par_for_each(
        &fx.root,
        || (0u64, 0u64),
        |(files, errors), item| {
            match item {
                Ok(e) => {
                    std::hint::black_box(&e);
                    *files += 1;
                }
                Err(_) => *errors += 1,
            }
            std::ops::ControlFlow::Continue(())
        },
    );
    states
        .iter()
        .fold((0, 0), |(f, e), (files, errors)| (f + files, e + errors))
}

/// The `netfs` group: see the module documentation.
fn netfs(c: &mut Criterion) {
    let Some(fx) = common::fixture("walkers", "anime-1k") else {
        return;
    };
    let mount = match anivault_bench::netfs::NetFs::builder(&fx.root)
        .latency(Duration::from_millis(1))
        .mount_temp()
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("walkers: netfs group skipped: {e}");
            return;
        }
    };
    let root = mount.path().to_path_buf();
    let mut group = c.benchmark_group("netfs");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2))
        .nresamples(10_000)
        .sampling_mode(SamplingMode::Flat);
    let rows = [
        (Strategy::Getdents, 1usize),
        (Strategy::GetdentsPar, 8),
        (Strategy::GetdentsPar, 64),
        (Strategy::Rayon, 8),
        (Strategy::Rayon, 64),
    ];
    for (s, threads) in rows {
        if s.availability().is_err() {
            continue;
        }
        let opts = ScanOptions::new().strategy(s).threads(threads);
        let id = format!("{}-j{threads}", s.name());
        let count = |opts: &ScanOptions| {
            opts.scan(&root)
                .fold((0u64, 0u64), |(f, e), item| match item {
                    Ok(_) => (f + 1, e),
                    Err(_) => (f, e + 1),
                })
        };
        let mut checked = false;
        group.bench_function(BenchmarkId::from_parameter(&id), |b| {
            if !checked {
                common::check_count("netfs", &id, &fx, count(&opts));
                checked = true;
            }
            b.iter(|| count(&opts))
        });
    }
    group.finish();
    drop(mount);
}

criterion_group!(benches, walkers, netfs);
criterion_main!(benches);

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
//! * Fixtures come from `fixtures::ensure` (generated the first time under
//!   `target/anivault-fixtures/`, or `$ANIVAULT_FIXTURES_DIR`), outside the
//!   measured part; each strategy's count is checked against the manifest
//!   once before it is measured (only for the benches a filter selects).
//! * One iteration = one whole scan of the tree, counting the media files.
//!   The page cache is warm (the check scan reads the tree first).
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

use std::hint::black_box;
use std::time::Duration;

use anivault_bench::fixtures::{self, Fixture};
use anivault_scanner::{ScanOptions, Strategy};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};

/// Every fixture, smallest first.
const FIXTURES: &[&str] = &["anime-1k", "anime-10k", "anime-100k", "flat-100k", "wide-100k"];
/// The fixtures of a quick run (`ANIVAULT_BENCH_QUICK=1`).
const QUICK_FIXTURES: &[&str] = &["anime-1k", "anime-10k"];

fn quick() -> bool {
    std::env::var_os("ANIVAULT_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The fixtures to bench: `ANIVAULT_BENCH_FIXTURES`, else all (or the
/// quick set).
fn selected_fixtures() -> Vec<String> {
    if let Ok(list) = std::env::var("ANIVAULT_BENCH_FIXTURES") {
        let v: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if !v.is_empty() {
            return v;
        }
    }
    let set = if quick() { QUICK_FIXTURES } else { FIXTURES };
    set.iter().map(|s| s.to_string()).collect()
}

/// Media files found by one scan (errors are counted apart).
fn scan_count(opts: &ScanOptions, fx: &Fixture) -> (u64, u64) {
    let (mut files, mut errors) = (0u64, 0u64);
    for item in opts.scan(&fx.root) {
        match item {
            Ok(e) => {
                black_box(&e);
                files += 1;
            }
            Err(_) => errors += 1,
        }
    }
    (files, errors)
}

/// Sample size and measurement time for a tree of `entries` entries.
fn tuning(entries: u64) -> (usize, Duration, Duration) {
    let q = quick();
    match entries {
        // Small trees: many iterations per sample are cheap.
        0..=20_000 if q => (10, Duration::from_millis(300), Duration::from_millis(700)),
        0..=20_000 => (20, Duration::from_millis(500), Duration::from_secs(2)),
        // 100k trees: one scan is 30-300 ms, ten samples of one or a few
        // scans each.
        _ => (10, Duration::from_millis(500), Duration::from_millis(1500)),
    }
}

fn walkers(c: &mut Criterion) {
    for name in selected_fixtures() {
        let fx = match fixtures::ensure(&name) {
            Ok(fx) => fx,
            Err(e) => {
                eprintln!("walkers: skipping fixture {name}: {e}");
                continue;
            }
        };
        let counts = fx.manifest.counts;
        eprintln!(
            "walkers: {name}: {} ({}), {} entries, {} media files expected",
            fx.root.display(),
            anivault_bench::profile::host::fs_type(&fx.root),
            counts.entries(),
            counts.media_files
        );
        let (samples, warm_up, measure) = tuning(counts.entries());
        let mut group = c.benchmark_group(&name);
        group
            .throughput(Throughput::Elements(counts.entries()))
            .sample_size(samples)
            .warm_up_time(warm_up)
            .measurement_time(measure);
        if counts.entries() > 20_000 {
            group.sampling_mode(SamplingMode::Flat);
        }
        for s in Strategy::available() {
            let opts = ScanOptions::new().strategy(s);
            let mut checked = false;
            group.bench_with_input(BenchmarkId::from_parameter(s.name()), &opts, |b, opts| {
                // Outside the measurement (criterion only times `iter`),
                // once, and only when the filter selects this bench: the
                // count must be right. This also warms the cache.
                if !checked {
                    let (found, errors) = scan_count(opts, &fx);
                    assert!(
                        found == counts.media_files && errors == 0,
                        "{name}/{s}: found {found} media files and {errors} errors, the manifest says {}",
                        counts.media_files
                    );
                    checked = true;
                }
                b.iter(|| scan_count(opts, &fx))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, walkers);
criterion_main!(benches);

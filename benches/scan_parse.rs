//! `cargo bench --bench scan_parse`: ScanParsePool (walk + anitomy-ng parse)
//! with 1 worker and with every core, on anime-10k and anime-100k
//! (`ANIVAULT_BENCH_QUICK=1`: anime-10k only).
//!
//! Throughput: `Elements` = media files parsed, so criterion reports parsed
//! files per second and the ratio of the two rows is the pool's scaling.
//! Fixtures come from `generator::ensure`, outside the measurement; the count
//! is checked against the manifest once before measuring.

#[allow(dead_code)] // shared helpers; this bench uses some of them
mod common;

use std::hint::black_box;
use std::time::Duration;

use anivault_scanner::ScanParsePool;
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

fn run_pool(fx: &anivault_bench::generator::Fixture, workers: usize) -> (u64, u64) {
    let (mut ok, mut err) = (0u64, 0u64);
    for item in ScanParsePool::new(&fx.root).workers(workers).run() {
        match item {
            Ok(p) => {
                black_box(&p);
                ok += 1;
            }
            Err(_) => err += 1,
        }
    }
    (ok, err)
}

fn scan_parse(c: &mut Criterion) {
    let fixtures: &[&str] = if common::quick() {
        &["anime-10k"]
    } else {
        &["anime-10k", "anime-100k"]
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut workers = vec![1];
    if cores > 1 {
        workers.push(cores);
    }
    for &name in fixtures {
        let Some(fx) = common::fixture("scan_parse", name) else {
            continue;
        };
        let media = fx.manifest.counts.media_files;
        let mut group = c.benchmark_group(format!("scan_parse/{name}"));
        group
            .throughput(Throughput::Elements(media))
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .nresamples(10_000)
            .sampling_mode(SamplingMode::Flat);
        for &w in &workers {
            let mut check = common::CountCheck::default();
            group.bench_with_input(BenchmarkId::new("workers", w), &w, |b, &w| {
                check.once(name, &format!("pool/{w}"), &fx, || run_pool(&fx, w));
                b.iter(|| run_pool(&fx, w))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, scan_parse);
criterion_main!(benches);

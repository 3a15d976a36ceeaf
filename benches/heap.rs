//! `cargo bench --bench heap`: the strategies compared by **peak heap** in
//! criterion's own report, through a custom [`Measurement`] ([`PeakHeap`])
//! in place of wall time. Same groups as `walkers` (one per fixture, one
//! bench per available strategy; `ANIVAULT_BENCH_QUICK=1`,
//! `ANIVAULT_BENCH_FIXTURES` and criterion's filter work the same way).
//!
//! # What is measured
//!
//! This bench binary installs the crate's counting allocator
//! (`profile::alloc::SwitchAlloc`, the system allocator plus exact
//! counters: live bytes, peak, totals, `realloc` counted by its growth) as
//! its global allocator and turns its counters on (`enable_counting()`,
//! before criterion starts). For every scan, [`PeakHeap::start`] calls
//! `reset_peak()` (the peak restarts from the live bytes now) and notes the
//! live bytes `base`; [`PeakHeap::end`] returns `stats().peak - base`: the
//! most heap the scan held live at once, above what was live before it.
//! Criterion's per-iteration value is the mean of these peaks over the
//! scans of a sample (`iter_custom` sums one peak per scan and criterion
//! divides by the number of scans). Single-thread strategies give the same
//! figure every scan; parallel ones vary with scheduling.
//!
//! Each sample gets a deterministic dither below 0.01 byte ([`dither`]):
//! criterion's statistics divide by the spread of the samples, and with
//! every scan peaking at the same byte (single-thread strategies) criterion
//! 0.8 panics while plotting the comparison with a saved baseline (an empty
//! t distribution). The dither is far below the printed precision.
//!
//! # How it relates to `profile`'s dhat figures
//!
//! `anivault-bench profile` runs each scan in a child under dhat and
//! reports dhat's `max_bytes` (t-gmax): live heap at the global peak. Both
//! figures have the same semantics, live bytes at the peak, and both leave
//! out memory freed before the peak. They differ only in where counting
//! starts: dhat counts the blocks allocated while its profiler runs (started
//! just before the scan, in a fresh process), ours counts everything
//! allocated after `reset_peak()`, minus the live bytes at that moment, in a
//! process that also runs criterion. So the two agree to within the child's
//! few sampling buffers (a few KiB), and a regression shows in both. Use
//! this bench to compare strategies and see a change between two runs
//! (criterion's change report); use `profile` / `gate` for the figures the
//! 500 MB limit and the baseline are checked on (dhat's, with call sites).
//!
//! The heap is measured in this process, which times nothing: `walkers`
//! (time) and `heap` are separate binaries, as dhat-rs advises.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anivault_bench::profile::alloc::{self, SwitchAlloc};
use anivault_scanner::{ScanOptions, Strategy};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

/// The counting allocator: every allocation of this binary, the walker
/// threads' included, moves its counters.
#[global_allocator]
static ALLOC: SwitchAlloc = SwitchAlloc;

/// Peak live heap of a scan, in bytes, above the live heap when it started.
pub struct PeakHeap;

impl Measurement for PeakHeap {
    /// Live bytes when the measurement started.
    type Intermediate = usize;
    /// Bytes (f64 to carry the sub-byte [`dither`]).
    type Value = f64;

    fn start(&self) -> usize {
        alloc::reset_peak();
        alloc::stats().current
    }

    fn end(&self, base: usize) -> f64 {
        alloc::stats().peak.saturating_sub(base) as f64
    }

    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }

    fn zero(&self) -> f64 {
        0.0
    }

    fn to_f64(&self, value: &f64) -> f64 {
        *value
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &BytesFormatter
    }
}

/// A deterministic value in [0, 0.01) byte, different from one call to
/// the next (a multiplicative hash of a counter).
fn dither() -> f64 {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    (n.wrapping_mul(2_654_435_761) % 1000) as f64 * 1e-5
}

/// Formats bytes in binary units (B, KiB, MiB, GiB).
pub struct BytesFormatter;

impl BytesFormatter {
    fn unit(typical: f64) -> (f64, &'static str) {
        const K: f64 = 1024.0;
        if typical < K {
            (1.0, "B")
        } else if typical < K * K {
            (K, "KiB")
        } else if typical < K * K * K {
            (K * K, "MiB")
        } else {
            (K * K * K, "GiB")
        }
    }
}

impl ValueFormatter for BytesFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = Self::unit(typical);
        for v in values {
            *v /= div;
        }
        unit
    }

    /// For a heap figure a "throughput" is bytes per element (per entry
    /// of the tree), not a rate.
    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Elements(n) => n,
            Throughput::Bits(n) => n,
            Throughput::ElementsAndBytes { elements, .. } => elements,
        }
        .max(1) as f64;
        for v in values {
            *v /= per;
        }
        "B/elem"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "bytes"
    }
}

fn heap(c: &mut Criterion<PeakHeap>) {
    for name in common::selected_fixtures() {
        let Some(fx) = common::fixture("heap", &name) else {
            continue;
        };
        let mut group = c.benchmark_group(format!("heap/{name}"));
        // Iterations are whole scans (10-300 ms): ten samples of one scan
        // or a few, criterion's minimum.
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(if common::quick() {
                300
            } else {
                800
            }))
            // 10,000 bootstrap resamples (criterion's default is 100,000,
            // seconds of analysis per bench on two cores).
            .nresamples(10_000);
        for s in Strategy::available() {
            let opts = ScanOptions::new().strategy(s);
            let mut check = common::CountCheck::default();
            group.bench_with_input(BenchmarkId::from_parameter(s.name()), &opts, |b, opts| {
                check.once(&name, s.name(), &fx, || common::scan_count(opts, &fx));
                // One peak per scan, summed: criterion divides by `iters`,
                // giving the mean peak of a scan.
                b.iter_custom(|iters| {
                    let mut sum = 0.0;
                    for _ in 0..iters {
                        let base = PeakHeap.start();
                        black_box(common::scan_count(opts, &fx));
                        sum += PeakHeap.end(base);
                    }
                    sum + dither()
                })
            });
        }
        group.finish();
    }
}

fn config() -> Criterion<PeakHeap> {
    // The counters are off until asked for (they cost a shared cache line
    // per allocation); on from here, before criterion or any scan runs.
    alloc::enable_counting();
    Criterion::default().with_measurement(PeakHeap)
}

criterion_group! {
    name = benches;
    config = config();
    targets = heap
}
criterion_main!(benches);

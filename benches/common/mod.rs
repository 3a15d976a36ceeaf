//! Shared by the benches: which fixtures to use, and one counted scan.

use std::hint::black_box;

use anivault_bench::generator::Fixture;
use anivault_scanner::ScanOptions;

/// Every fixture, smallest first.
pub const FIXTURES: &[&str] = &[
    "anime-1k",
    "anime-10k",
    "anime-100k",
    "flat-100k",
    "wide-100k",
];
/// The fixtures of a quick run (`ANIVAULT_BENCH_QUICK=1`).
pub const QUICK_FIXTURES: &[&str] = &["anime-1k", "anime-10k"];

/// True when `ANIVAULT_BENCH_QUICK` is set (and not `0`).
pub fn quick() -> bool {
    std::env::var_os("ANIVAULT_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The fixtures to bench: `ANIVAULT_BENCH_FIXTURES` (comma-separated),
/// else all of them, or the quick set.
pub fn selected_fixtures() -> Vec<String> {
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

/// One whole scan: (media files found, errors).
pub fn scan_count(opts: &ScanOptions, fx: &Fixture) -> (u64, u64) {
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

/// Panics with a clear message when a scan did not find what the manifest
/// says (a bench of a wrong walker would mislead).
pub fn check_count(fixture: &str, strategy: &str, fx: &Fixture, found: (u64, u64)) {
    let expected = fx.manifest.counts.media_files;
    assert!(
        found == (expected, 0),
        "{fixture}/{strategy}: found {} media files and {} errors, the manifest says {expected}",
        found.0,
        found.1
    );
}

/// A bench's count check, made once: on the first call (outside the
/// measurement: criterion only times `iter`, and calls the closure only
/// when the filter selects the bench), [`check_count`] on what `found`
/// returns.
#[derive(Default)]
pub struct CountCheck {
    done: bool,
}

impl CountCheck {
    /// Checks `found()` against the manifest the first time.
    pub fn once(
        &mut self,
        fixture: &str,
        label: &str,
        fx: &Fixture,
        found: impl FnOnce() -> (u64, u64),
    ) {
        if !self.done {
            check_count(fixture, label, fx, found());
            self.done = true;
        }
    }
}

/// The fixture `name` (generated the first time), with a line on stderr
/// saying where it is; `None` (and a message) when it cannot be made.
pub fn fixture(bench: &str, name: &str) -> Option<Fixture> {
    match anivault_bench::generator::ensure(name) {
        Ok(fx) => {
            let c = fx.manifest.counts;
            eprintln!(
                "{bench}: {name}: {} ({}), {} entries, {} media files expected",
                fx.root.display(),
                anivault_bench::host::fs_type(&fx.root),
                c.entries(),
                c.media_files
            );
            Some(fx)
        }
        Err(e) => {
            eprintln!("{bench}: skipping fixture {name}: {e}");
            None
        }
    }
}

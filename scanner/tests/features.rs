//! Cargo features: a strategy whose feature is off stays in `Strategy`, is
//! not available, names the feature that brings it, and a scan with it is
//! one clear error item (no panic, no silent empty scan). The test runs in
//! every feature set (CI runs `--no-default-features`, the default and
//! `--all-features`); which strategies are missing follows from the
//! features this test is built with (on Linux, where every strategy's
//! platform has it).
#![cfg(target_os = "linux")]

use anivault_scanner::{ErrorCause, ScanOptions, Strategy};

/// Whether this build has the strategy's feature.
fn compiled(s: Strategy) -> bool {
    match s {
        Strategy::Std => true,
        Strategy::Walkdir | Strategy::Jwalk | Strategy::Dua | Strategy::Ignore => {
            cfg!(feature = "compare-walkers")
        }
        Strategy::Rayon => cfg!(feature = "rayon"),
        Strategy::Getdents => cfg!(feature = "getdents"),
        Strategy::GetdentsPar => cfg!(feature = "getdents-par"),
        Strategy::Eager => cfg!(feature = "eager"),
    }
}

#[test]
fn a_strategy_not_compiled_in_names_its_feature_and_scans_to_one_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Show - 01.mkv"), b"").expect("write");
    let available = Strategy::available();
    let mut missing = Vec::new();
    for s in Strategy::ALL {
        let opts = ScanOptions::new().strategy(s);
        let items: Vec<_> = opts.scan(dir.path()).collect();
        let mut lent = Vec::new();
        opts.for_each(dir.path(), |r| lent.push(r.map(|e| e.to_path())));
        if compiled(s) {
            assert_eq!(s.availability(), Ok(()), "{s}");
            assert!(available.contains(&s), "{s}");
            assert_eq!(items.len(), 1, "{s}: {items:?}");
            assert!(items[0].is_ok(), "{s}: {items:?}");
            assert_eq!(lent.len(), 1, "{s}");
            continue;
        }
        missing.push(s);
        let feature = s.feature().expect("only std has no feature");
        let why = s.availability().expect_err("not compiled in");
        assert!(why.contains(&format!("`{feature}`")), "{s}: {why}");
        assert!(!available.contains(&s), "{s}");
        assert_eq!(items.len(), 1, "{s}: {items:?}");
        let err = items[0].as_ref().expect_err("an error item");
        assert!(
            matches!(err.cause(), ErrorCause::Unsupported(w) if *w == why),
            "{s}: {err}"
        );
        assert_eq!(err.path(), dir.path());
        assert!(err.to_string().contains(feature), "{err}");
        assert_eq!(lent.len(), 1, "{s}");
        assert!(lent[0].is_err(), "{s}");
    }
    let expected = Strategy::ALL.into_iter().filter(|&s| !compiled(s)).count();
    assert_eq!(missing.len(), expected, "missing: {missing:?}");
    // The default strategy is always one this build has.
    assert!(available.contains(&Strategy::default()));
}

//! The committed baseline's own figures give the verdicts the design asks
//! for: the streaming strategies and the pool stream, `eager` grows and
//! reaches the limit between 0.5 M and 3 M media files. Judged from the
//! peaks with the one rule every report uses (`verdict::judge`), never from
//! the verdicts stored in the file; a baseline regenerated from a leaking
//! build fails here.

use std::path::Path;

use anivault_bench::report::{self, Report, RunStatus};
use anivault_bench::verdict::{judge, Streaming};

fn baseline() -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/baseline.json");
    report::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn points(r: &Report, row: &str) -> Vec<(u64, u64)> {
    r.results
        .iter()
        .filter(|x| x.strategy == row && x.status == RunStatus::Ok)
        .map(|x| {
            let media = r
                .fixtures
                .iter()
                .find(|f| f.preset == x.fixture)
                .map(|f| f.media_files)
                .expect("the row's fixture is listed");
            let heap = x.heap.as_ref().expect("heap figures");
            let peak = heap.runs.iter().copied().fold(heap.max_bytes, u64::max);
            (media, peak)
        })
        .collect()
}

#[test]
fn the_committed_baseline_judges_streaming_rows_streaming_and_eager_growing() {
    let r = baseline();
    assert!(
        r.fixtures.len() >= 2,
        "the baseline needs two library sizes to judge streaming"
    );
    for row in [
        "std",
        "getdents",
        "getdents-par",
        "rayon",
        "pool",
        "rayon+slow",
        "getdents-par+slow",
    ] {
        let p = points(&r, row);
        assert!(p.len() >= 2, "{row}: {p:?}");
        let v = judge(&p, r.limit_bytes);
        assert_eq!(v.verdict, Streaming::Streaming, "{row}: {p:?} {v:?}");
    }
    let eager = judge(&points(&r, "eager"), r.limit_bytes);
    assert_eq!(eager.verdict, Streaming::Grows, "{eager:?}");
    let at = eager.projected_files_at_limit.expect("a projection");
    assert!((500_000..3_000_000).contains(&at), "{at}");
}

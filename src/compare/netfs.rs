//! `compare --netfs LATENCY`: the latency floor of each row.
//!
//! After the comparison ran on the mount, each command family (a strategy,
//! the pool, a tool) is run once more, untimed, at its highest thread
//! count, with the mount's request counters read before and after: the
//! requests it performs. A row's floor is then the time those requests
//! take back to back (count × the class's latency, summed over classes)
//! divided by the requests the row keeps in flight: its `-j` for ours (or
//! the cores when it has none), the cores for fd, bfs and fdf (their
//! default thread count), 1 for find. Requests per scan do not depend on
//! the thread count (same tree, same system calls, nothing cached with TTL
//! 0), which is why one probe per family serves all its rows.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::tools::{self, ToolKind};
use super::{runner, TOOL_ENV};
use crate::netfs::{Mount, OpCounts};
use crate::report::compare::{CompareReport, RowKind, RowStatus};

/// One row's floor.
#[derive(Debug, Clone)]
pub struct FloorRow {
    /// The compare row.
    pub name: String,
    /// Requests in flight assumed for it.
    pub in_flight: usize,
    /// Requests one scan performed (the family's probe).
    pub ops: OpCounts,
    /// `ops` back to back at the mount's latencies.
    pub serial: Duration,
    /// `serial / in_flight`, ms.
    pub floor_ms: f64,
    /// The row's median, ms.
    pub median_ms: Option<f64>,
}

impl FloorRow {
    /// Median ÷ floor (≥ 1 when the floor holds).
    pub fn ratio(&self) -> Option<f64> {
        self.median_ms
            .filter(|_| self.floor_ms > 0.0)
            .map(|m| m / self.floor_ms)
    }
}

fn cores() -> usize {
    anivault_scanner::available_cores()
}

/// The family of a strategy row named `NAME` or `NAME -jN`.
fn family(name: &str) -> &str {
    name.split(" -j").next().unwrap_or(name)
}

/// The probe command of an OK row, at `threads`.
fn probe_command(
    exe: &Path,
    root: &Path,
    kind: RowKind,
    name: &str,
    threads: Option<usize>,
) -> Option<(std::path::PathBuf, Vec<OsString>, bool)> {
    match kind {
        RowKind::Strategy => {
            let fam = family(name);
            let mut a: Vec<OsString> = if fam == crate::subject::POOL {
                vec!["scan".into(), "--parse".into()]
            } else {
                vec!["scan".into(), "-s".into(), fam.into()]
            };
            if let Some(t) = threads {
                a.push("-j".into());
                a.push(t.to_string().into());
            }
            a.push("--print0".into());
            a.push(root.as_os_str().to_owned());
            Some((exe.to_path_buf(), a, false))
        }
        RowKind::Tool => ToolKind::ALL
            .into_iter()
            .flat_map(tools::detect_all)
            .find(|f| f.name == name)
            .map(|f| (f.program.clone(), f.kind.args(root, true), true)),
        RowKind::Floor => {
            let a: Vec<OsString> = vec![
                "floor".into(),
                "-j".into(),
                threads.unwrap_or(1).to_string().into(),
                root.as_os_str().to_owned(),
            ];
            Some((exe.to_path_buf(), a, false))
        }
        // A `--cmd` row: its template is not kept in the report; no floor.
        RowKind::Command => None,
    }
}

/// Mounts `root` with `latency` on a temporary directory for `compare`,
/// and starts a thread that, on Ctrl-C (SIGINT, SIGTERM, SIGHUP), detaches
/// the mount, removes its directory and exits 130. `Err`: why it could
/// not (FUSE unavailable, no rights...).
pub fn mount(root: &Path, latency: Duration) -> Result<Mount, String> {
    crate::netfs::signal::block_termination().map_err(|e| format!("cannot block SIGINT: {e}"))?;
    let m = crate::netfs::NetFs::builder(root)
        .latency(latency)
        .mount_temp()
        .map_err(|e| format!("--netfs: {e}"))?;
    let path = m.path().to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("netfs-signal".into())
        .spawn(move || {
            if let Ok(sig) = crate::netfs::signal::wait_termination() {
                let _ = crate::netfs::lazy_unmount(&path);
                let _ = std::fs::remove_dir(&path);
                eprintln!("\ncompare: interrupted; '{}' unmounted", path.display());
                std::process::exit(i32::from(crate::netfs::signal::exit_status(sig)));
            }
        });
    spawned.map_err(|e| format!("cannot start the signal thread: {e}"))?;
    Ok(m)
}

/// Requests in flight for a row.
fn in_flight(kind: RowKind, name: &str, threads: Option<usize>) -> usize {
    match (kind, threads) {
        (RowKind::Strategy | RowKind::Floor, Some(t)) => t,
        (RowKind::Floor, None) => 1,
        (RowKind::Strategy, None) => {
            // Sequential strategies keep one request in flight.
            let parallel = family(name)
                .parse::<anivault_scanner::Strategy>()
                .map_or(true, |s| s.is_parallel());
            if parallel || family(name) == crate::subject::POOL {
                cores()
            } else {
                1
            }
        }
        (RowKind::Tool, _) if name == "find" => 1,
        (RowKind::Tool | RowKind::Command, _) => cores(),
    }
}

/// Probes every family of `report`'s OK rows on `mount` and returns one
/// floor row per OK row, in table order.
pub fn floors(report: &CompareReport, mount: &Mount, exe: &Path) -> Vec<FloorRow> {
    let table = mount.latency_table().clone();
    let mut probed: Vec<(String, OpCounts)> = Vec::new();
    let mut out = Vec::new();
    for row in report.rows.iter().filter(|r| r.status == RowStatus::Ok) {
        let key = match row.kind {
            RowKind::Strategy => family(&row.name).to_string(),
            RowKind::Tool | RowKind::Command | RowKind::Floor => row.name.clone(),
        };
        if !probed.iter().any(|(k, _)| *k == key) {
            // The family's highest thread count: the quickest probe.
            let threads = report
                .rows
                .iter()
                .filter(|r| r.kind == row.kind && family(&r.name) == family(&row.name))
                .filter_map(|r| r.threads)
                .max();
            let Some((program, args, is_tool)) =
                probe_command(exe, mount.path(), row.kind, &row.name, threads)
            else {
                continue;
            };
            let env: runner::Env<'_> = if is_tool { TOOL_ENV } else { &[] };
            let before = mount.counts();
            if runner::run_count(&program, &args, env).is_err() {
                continue;
            }
            probed.push((key.clone(), mount.counts().since(&before)));
        }
        let Some((_, ops)) = probed.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        let n = in_flight(row.kind, &row.name, row.threads);
        let serial = ops.serial_time(&table);
        out.push(FloorRow {
            name: row.name.clone(),
            in_flight: n,
            ops: *ops,
            serial,
            floor_ms: serial.as_secs_f64() * 1e3 / n as f64,
            median_ms: row.timing.as_ref().map(|t| t.median_ms),
        });
    }
    out
}

/// The floor table as Markdown.
pub fn markdown(rows: &[FloorRow], latency: Duration, root: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n## Latency floor (netfs mount of {}, {:?} per request)\n",
        root.display(),
        latency
    );
    let _ = writeln!(
        s,
        "Floor = requests one scan performs × latency / requests in flight (`-j`, or the \
         cores for the tools' defaults, 1 for find); requests counted by the mount in one \
         untimed run per command family.\n"
    );
    let _ = writeln!(
        s,
        "| command | in flight | requests / scan | floor ms | median ms | median / floor |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.1} | {} | {} |",
            r.name,
            r.in_flight,
            r.ops.waited_for(),
            r.floor_ms,
            r.median_ms.map_or("-".into(), |m| format!("{m:.1}")),
            r.ratio().map_or("-".into(), |x| format!("{x:.2}")),
        );
    }
    if let Some(first) = rows.first() {
        let _ = writeln!(
            s,
            "\nRequests of one scan by class ({}): {}",
            first.name, first.ops
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_flight() {
        assert_eq!(family("getdents-par -j64"), "getdents-par");
        assert_eq!(family("std"), "std");
        assert_eq!(in_flight(RowKind::Strategy, "getdents-par -j8", Some(8)), 8);
        assert_eq!(in_flight(RowKind::Strategy, "getdents", None), 1);
        assert_eq!(in_flight(RowKind::Tool, "find", None), 1);
    }
}

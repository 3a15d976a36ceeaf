//! Operation classes of the mount: the latency each one costs and how many
//! of each the daemon served (so a caller can compute a latency floor).

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A class of FUSE request, as the latency table and the counters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpClass {
    /// `lookup`: resolving one name in a directory (every path component
    /// whose entry is not cached).
    Lookup,
    /// `getattr`: `stat` of an inode whose attributes are not cached.
    Getattr,
    /// `opendir`.
    Opendir,
    /// `readdir`: one buffer of entries (a page, about 100 names), and one
    /// more empty one at the end of a directory.
    Readdir,
    /// `releasedir`: the kernel sends it in the background; the caller's
    /// `close` does not wait for it.
    Releasedir,
    /// `open` of a file.
    Open,
    /// `read` of a file's bytes.
    Read,
    /// `release` of a file (background, like `releasedir`).
    Release,
    /// `readlink`.
    Readlink,
    /// `statfs`.
    Statfs,
    /// Anything else (`access`, extended attributes, refused writes...).
    Other,
}

impl OpClass {
    /// Every class, in table order.
    pub const ALL: [OpClass; 11] = [
        OpClass::Lookup,
        OpClass::Getattr,
        OpClass::Opendir,
        OpClass::Readdir,
        OpClass::Releasedir,
        OpClass::Open,
        OpClass::Read,
        OpClass::Release,
        OpClass::Readlink,
        OpClass::Statfs,
        OpClass::Other,
    ];

    /// The lower-case name used on the command line and in reports.
    ///
    /// ```
    /// use anivault_bench::netfs::OpClass;
    /// assert_eq!(OpClass::Readdir.name(), "readdir");
    /// assert_eq!("lookup".parse::<OpClass>(), Ok(OpClass::Lookup));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            OpClass::Lookup => "lookup",
            OpClass::Getattr => "getattr",
            OpClass::Opendir => "opendir",
            OpClass::Readdir => "readdir",
            OpClass::Releasedir => "releasedir",
            OpClass::Open => "open",
            OpClass::Read => "read",
            OpClass::Release => "release",
            OpClass::Readlink => "readlink",
            OpClass::Statfs => "statfs",
            OpClass::Other => "other",
        }
    }

    /// Whether the caller waits for this request: `releasedir` and
    /// `release` are sent in the background by the kernel, so their
    /// latency does not add to a scan's time and they get none by default.
    pub fn is_waited_for(self) -> bool {
        !matches!(self, OpClass::Releasedir | OpClass::Release)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for OpClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OpClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OpClass::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<_> = OpClass::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown operation class '{s}' (one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// The latency of each class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyTable {
    per_class: [Duration; OpClass::ALL.len()],
}

impl LatencyTable {
    /// `latency` for every class the caller waits for, zero for the
    /// background ones ([`OpClass::is_waited_for`]).
    pub fn uniform(latency: Duration) -> Self {
        let mut per_class = [Duration::ZERO; OpClass::ALL.len()];
        for c in OpClass::ALL {
            if c.is_waited_for() {
                per_class[c.index()] = latency;
            }
        }
        LatencyTable { per_class }
    }

    /// Sets one class's latency.
    pub fn set(&mut self, class: OpClass, latency: Duration) {
        self.per_class[class.index()] = latency;
    }

    /// One class's latency.
    pub fn get(&self, class: OpClass) -> Duration {
        self.per_class[class.index()]
    }
}

/// Requests served, per class (shared by the daemon and the mount guard).
#[derive(Debug, Default)]
pub struct OpCounters {
    counts: [AtomicU64; OpClass::ALL.len()],
}

impl OpCounters {
    pub(crate) fn add(&self, class: OpClass) {
        self.counts[class.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of the counts now.
    pub fn snapshot(&self) -> OpCounts {
        let mut counts = [0; OpClass::ALL.len()];
        for (slot, c) in counts.iter_mut().zip(&self.counts) {
            *slot = c.load(Ordering::Relaxed);
        }
        OpCounts { counts }
    }
}

/// Requests served per class at one moment; subtract two to get one run's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpCounts {
    counts: [u64; OpClass::ALL.len()],
}

impl OpCounts {
    /// Requests of one class.
    pub fn get(&self, class: OpClass) -> u64 {
        self.counts[class.index()]
    }

    /// The requests served between `earlier` and `self`.
    pub fn since(&self, earlier: &OpCounts) -> OpCounts {
        let mut counts = [0; OpClass::ALL.len()];
        for (i, slot) in counts.iter_mut().enumerate() {
            *slot = self.counts[i].saturating_sub(earlier.counts[i]);
        }
        OpCounts { counts }
    }

    /// Requests of every class.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The time the requests would take back to back: the sum over classes
    /// of count × that class's latency. Divided by the requests in flight,
    /// it is the latency floor of a run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use anivault_bench::netfs::{LatencyTable, OpCounts};
    /// let none = OpCounts::default();
    /// assert_eq!(none.serial_time(&LatencyTable::uniform(Duration::from_millis(2))), Duration::ZERO);
    /// ```
    pub fn serial_time(&self, table: &LatencyTable) -> Duration {
        OpClass::ALL
            .into_iter()
            .map(|c| {
                table
                    .get(c)
                    .saturating_mul(u32::try_from(self.get(c)).unwrap_or(u32::MAX))
            })
            .sum()
    }

    /// Requests the caller waits for ([`OpClass::is_waited_for`]).
    pub fn waited_for(&self) -> u64 {
        OpClass::ALL
            .into_iter()
            .filter(|c| c.is_waited_for())
            .map(|c| self.get(c))
            .sum()
    }
}

impl fmt::Display for OpCounts {
    /// `lookup 12, opendir 3, ...` (classes with no request left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for c in OpClass::ALL {
            let n = self.get(c);
            if n == 0 {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{c} {n}")?;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// Parses a duration as the command line writes it: a number and a unit
/// (`ns`, `us`, `ms`, `s`), e.g. `2ms`, `0.5ms`, `500us`; `0` alone is zero.
///
/// ```
/// use std::time::Duration;
/// use anivault_bench::netfs::parse_duration;
/// assert_eq!(parse_duration("2ms"), Ok(Duration::from_millis(2)));
/// assert_eq!(parse_duration("0.5ms"), Ok(Duration::from_micros(500)));
/// assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
/// assert!(parse_duration("2 parsecs").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{s}': a duration needs a unit (ns, us, ms, s), e.g. 2ms"))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{s}': '{num}' is not a number"))?;
    let scale = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        other => return Err(format!("'{s}': unknown unit '{other}' (ns, us, ms, s)")),
    };
    Duration::try_from_secs_f64(value * scale).map_err(|e| format!("'{s}': {e}"))
}

/// Parses `CLASS=DURATION` (one `--op-latency` value).
///
/// ```
/// use std::time::Duration;
/// use anivault_bench::netfs::{parse_op_latency, OpClass};
/// assert_eq!(parse_op_latency("readdir=5ms"), Ok((OpClass::Readdir, Duration::from_millis(5))));
/// ```
pub fn parse_op_latency(s: &str) -> Result<(OpClass, Duration), String> {
    let (class, d) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}': expected CLASS=DURATION, e.g. readdir=5ms"))?;
    Ok((class.parse()?, parse_duration(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_arithmetic_and_display() {
        let c = OpCounters::default();
        c.add(OpClass::Lookup);
        c.add(OpClass::Lookup);
        c.add(OpClass::Releasedir);
        let s = c.snapshot();
        assert_eq!(s.total(), 3);
        assert_eq!(s.waited_for(), 2);
        let t = LatencyTable::uniform(Duration::from_millis(2));
        assert_eq!(t.get(OpClass::Releasedir), Duration::ZERO);
        assert_eq!(s.serial_time(&t), Duration::from_millis(4));
        assert_eq!(s.to_string(), "lookup 2, releasedir 1");
        assert_eq!(s.since(&s).total(), 0);
        assert!("nope".parse::<OpClass>().is_err());
        assert!(parse_duration("3").is_err());
        assert!(parse_duration("ms").is_err());
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
    }
}

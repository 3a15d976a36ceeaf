//! What a profile row measures: a [`Subject`] (a walker strategy, or
//! ScanParsePool under the row name [`POOL`]) and its consumer ([`Row`]:
//! the plain row, or the slow-consumer variant `NAME+slow`). Below every
//! command, the profiler, the gate and compare, which all name rows this way.

use anivault_scanner::Strategy;
use serde::{Deserialize, Serialize};

/// The row name of ScanParsePool (scan + parse on all cores) in reports.
pub const POOL: &str = "pool";

/// What a row measures: a strategy, or ScanParsePool (row `pool`).
///
/// ```
/// use anivault_bench::subject::Subject;
/// let s: Subject = "rayon".parse().unwrap();
/// assert!(s.is_parallel());
/// assert_eq!("pool".parse::<Subject>().unwrap(), Subject::Pool);
/// assert!("nope".parse::<Subject>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Subject {
    /// One walker strategy.
    Strategy(Strategy),
    /// ScanParsePool over the default strategy.
    Pool,
}

impl Subject {
    /// The row name (`std`, `rayon`, `pool`).
    pub fn name(self) -> &'static str {
        match self {
            Subject::Strategy(s) => s.name(),
            Subject::Pool => POOL,
        }
    }
    /// True for strategies with walker threads and for the pool.
    pub fn is_parallel(self) -> bool {
        match self {
            Subject::Strategy(s) => s.is_parallel(),
            Subject::Pool => true,
        }
    }
}

impl std::str::FromStr for Subject {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        if name == POOL {
            return Ok(Subject::Pool);
        }
        name.parse::<Strategy>()
            .map(Subject::Strategy)
            .map_err(|e| format!("{e}"))
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        s.name().to_string()
    }
}

impl TryFrom<String> for Subject {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

/// The suffix of a slow-consumer variant row (`rayon+slow`).
pub const SLOW_SUFFIX: &str = "+slow";

/// One row of a profile: a subject and its consumer.
///
/// ```
/// use anivault_bench::subject::{Row, Subject};
/// let r = Row::parse("rayon+slow", 20).unwrap();
/// assert_eq!(r.name(), "rayon+slow");
/// assert_eq!(r.consumer_us, 20);
/// assert_eq!(Row::parse("std", 0).unwrap().name(), "std");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// What is measured.
    pub subject: Subject,
    /// True for the slow-consumer variant (named `NAME+slow`).
    pub slow: bool,
    /// Busy-wait per result, microseconds (0: none).
    pub consumer_us: u64,
}

impl Row {
    /// The row name the reports and the gate use.
    pub fn name(&self) -> String {
        if self.slow {
            format!("{}{SLOW_SUFFIX}", self.subject.name())
        } else {
            self.subject.name().to_string()
        }
    }

    /// The row a report names `name`, with its recorded `consumer_us`.
    pub fn parse(name: &str, consumer_us: u64) -> Result<Row, String> {
        let (base, slow) = match name.strip_suffix(SLOW_SUFFIX) {
            Some(b) => (b, true),
            None => (name, false),
        };
        Ok(Row {
            subject: base.parse()?,
            slow,
            consumer_us,
        })
    }
}

/// Parses `all` or a comma-separated list of strategy names (`pool` names
/// ScanParsePool); returns the strategies and whether the pool is in.
pub fn parse_strategies(list: &str) -> Result<(Vec<Strategy>, bool), String> {
    if list.trim() == "all" {
        return Ok((Strategy::available(), true));
    }
    let mut out = Vec::new();
    let mut pool = false;
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == POOL {
            pool = true;
            continue;
        }
        let s: Strategy = name.parse().map_err(|e| format!("{e}"))?;
        s.availability()
            .map_err(|why| format!("strategy '{s}' is not available here: {why}"))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() && !pool {
        return Err("--strategies names no strategy".into());
    }
    Ok((out, pool))
}

//! # anivault-bench
//!
//! The harness around [`anivault_scanner`]: the command line (`cli`, `cmd`),
//! and the library parts that benches and tests call.
#![deny(missing_docs)]

pub mod cli;
pub mod cmd;
pub mod command;
pub mod compare;
pub mod fsio;
pub mod gate;
pub mod generator;
pub mod host;
pub mod netfs;
pub mod profile;
pub mod report;
pub mod stats;
pub mod steps;
pub mod subject;
pub mod verdict;

/// Exit codes, after `find`: 0 clean, 1 completed with errors (or a gate
/// failure), 2 usage error or unusable input.
pub mod exit {
    /// Everything went well.
    pub const OK: u8 = 0;
    /// Completed, but with errors (or a gate failure).
    pub const ERRORS: u8 = 1;
    /// Usage error or unusable input.
    pub const USAGE: u8 = 2;
}

//! One module per command; each returns the process exit code.

pub mod compare;
pub mod floor;
pub mod gate;
pub mod gen;
pub mod netfs;
pub mod profile;
pub mod run;
pub mod scan;
pub mod strategies;

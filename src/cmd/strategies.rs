//! `anivault-bench strategies`: the strategies and their availability.

use std::io::{self, Write};

use anivault_scanner::Strategy;

use crate::cli::StrategiesArgs;
use crate::exit;

/// Prints the table (or JSON) to `out`; exit 0 (`Err`: printing failed).
pub fn run(args: StrategiesArgs, out: &mut dyn Write) -> io::Result<u8> {
    if args.json {
        let rows: Vec<_> = Strategy::ALL
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name(),
                    "available": s.availability().is_ok(),
                    "reason": s.availability().err(),
                    "parallel": s.is_parallel(),
                    "how": s.describe(),
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(rows))?;
        return Ok(exit::OK);
    }
    writeln!(
        out,
        "{:<13} {:<11} {:<9} how",
        "strategy", "available", "threads"
    )?;
    for s in Strategy::ALL {
        let avail = match s.availability() {
            Ok(()) => "yes".to_string(),
            Err(why) => format!("no ({why})"),
        };
        let threads = if s.is_parallel() { "parallel" } else { "one" };
        writeln!(
            out,
            "{:<13} {:<11} {:<9} {}",
            s.name(),
            avail,
            threads,
            s.describe()
        )?;
    }
    Ok(exit::OK)
}

//! `anivault-bench strategies`: the strategies and their availability.

use anivault_scanner::Strategy;

use crate::cli::StrategiesArgs;
use crate::exit;

/// Prints the table (or JSON); always exit 0.
pub fn run(args: StrategiesArgs) -> u8 {
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
        println!("{}", serde_json::Value::Array(rows));
        return exit::OK;
    }
    println!(
        "{:<13} {:<11} {:<9} how",
        "strategy", "available", "threads"
    );
    for s in Strategy::ALL {
        let avail = match s.availability() {
            Ok(()) => "yes".to_string(),
            Err(why) => format!("no ({why})"),
        };
        let threads = if s.is_parallel() { "parallel" } else { "one" };
        println!(
            "{:<13} {:<11} {:<9} {}",
            s.name(),
            avail,
            threads,
            s.describe()
        );
    }
    exit::OK
}

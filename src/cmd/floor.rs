//! `anivault-bench floor` (hidden): the syscall floor as a process, for the
//! `floor-Nt` rows of `compare`. It counts the media files under a root with
//! [`anivault_scanner::floor::floor_count`] (raw `getdents64` + `openat` on
//! `-j` threads, no path built, no entry made, nothing sent through a
//! channel) and prints only that count, one line. It matches the default
//! extension set (common video extensions), as `compare`'s `scan` rows do.

use std::io::Write;

use crate::cli::FloorArgs;
use crate::exit;

/// Runs the command; returns the exit code (0 counted, 1 the floor could
/// not walk the whole tree, 2 usage error).
pub fn run(args: FloorArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    if args.threads == 0 {
        eprintln!("anivault-bench: --threads must be at least 1");
        return Ok(exit::USAGE);
    }
    // The default extension set, as `scan` and `compare`'s rows use.
    let opts = anivault_scanner::ScanOptions::new();
    match anivault_scanner::floor::floor_count(&args.root, &opts, args.threads) {
        Ok(n) => {
            writeln!(out, "{n}")?;
            Ok(exit::OK)
        }
        Err(e) => {
            eprintln!("anivault-bench: floor: {e}");
            Ok(exit::ERRORS)
        }
    }
}

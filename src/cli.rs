//! Command-line definitions (clap). Parsing only: no work happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Fixture generator, walker comparisons, memory profiler and CI memory gate
/// for the AniVault scanner.
#[derive(Debug, Parser)]
#[command(name = "anivault-bench", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan roots with one strategy and print the media files found
    /// (exit 0 clean, 1 completed with errors, 2 usage error or unusable root).
    Scan(ScanArgs),
    /// List the strategies and whether this platform has them.
    Strategies(StrategiesArgs),
}

/// `scan` options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Walker strategy (see `anivault-bench strategies`).
    #[arg(long, short = 's', default_value = "getdents")]
    pub strategy: String,
    /// Extensions to match, comma-separated, without dots, case-insensitive
    /// [default: common video extensions]. `video`, `subtitles`, `audio` and
    /// `media` name the built-in sets.
    #[arg(long, value_delimiter = ',')]
    pub ext: Vec<String>,
    /// Follow symbolic links (like `find -L`), with loop detection.
    #[arg(long, short = 'L')]
    pub follow_symlinks: bool,
    /// Threads for parallel strategies [default: all cores].
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Do not descend below this depth (the root is 0), like `find -maxdepth`.
    #[arg(long)]
    pub max_depth: Option<usize>,
    /// Stay on the root's file system, like `find -xdev`.
    #[arg(long)]
    pub same_file_system: bool,
    /// Print only the number of media files found.
    #[arg(long, short = 'c', conflicts_with = "print0")]
    pub count: bool,
    /// Separate paths with NUL instead of newline (for `xargs -0`).
    #[arg(long, short = '0')]
    pub print0: bool,
    /// Roots to scan (directories, or files that are checked themselves).
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<PathBuf>,
}

/// `strategies` options.
#[derive(Debug, Args)]
pub struct StrategiesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

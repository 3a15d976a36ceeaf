//! Command-line definitions (clap). Parsing only: no work happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Fixture generator, walker comparisons, memory profiler and CI memory gate
/// for the AniVault scanner.
#[derive(Debug, Parser)]
#[command(name = "anivault-bench", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `run`, the main job).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: ensure the anime-100k fixture, profile every strategy
    /// (heap, RSS, time), write reports/latest.{json,md,svg}, check the
    /// 500 MB limit (exit 0 pass, 1 fail, 2 error).
    Run(RunArgs),
    /// Heap (dhat), peak RSS and time per strategy × fixture, growth
    /// analysis and reports (exit 0 pass, 1 a verdict failed, 2 error).
    Profile(ProfileArgs),
    /// Internal: one measuring child of `profile` (heap or time); reads its
    /// request as JSON on stdin, takes no arguments.
    #[command(hide = true)]
    ProfileChild,
    /// Scan roots with one strategy and print the media files found
    /// (exit 0 clean, 1 completed with errors, 2 usage error or unusable root).
    Scan(ScanArgs),
    /// List the strategies and whether this platform has them.
    Strategies(StrategiesArgs),
    /// Generate a fixture tree from a preset or a shape
    /// (exit 0 done or reused, 1 failed while creating, 2 usage error or refused directory).
    Gen(GenArgs),
    /// Compare a report's peak heap with the baseline and the hard limit
    /// (exit 0 pass, 1 regression, limit exceeded or wrong count, 2 could not compare).
    Gate(GateArgs),
    /// Our strategies side by side with find, fd and bfs (as processes,
    /// warm or cold cache); writes reports/compare-*.{json,md}
    /// (exit 0 counts agree, 1 a mismatch or failed run, 2 usage error).
    Compare(CompareArgs),
    /// A NAS in a box: a read-only FUSE mount of a directory where every
    /// request costs a latency (exit 0 unmounted on Ctrl-C, 2 could not mount).
    Netfs(NetfsArgs),
    /// Internal: the syscall floor (raw getdents64 + openat, counting
    /// only) as a process, for the `floor-Nt` rows of `compare`; prints the
    /// count.
    #[command(hide = true)]
    Floor(FloorArgs),
}

/// `scan` options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Walker strategy (see `anivault-bench strategies`; the default is the
    /// library's, the fastest here).
    #[arg(long, short = 's', default_value = anivault_scanner::Strategy::default().name())]
    pub strategy: String,
    /// Extensions to match, comma-separated, without dots, case-insensitive
    /// [default: common video extensions]. `video`, `subtitles`, `audio` and
    /// `media` name the built-in sets.
    #[arg(long, value_delimiter = ',')]
    pub ext: Vec<String>,
    /// Follow symbolic links (like `find -L`), with loop detection.
    #[arg(long, short = 'L')]
    pub follow_symlinks: bool,
    /// Threads for parallel strategies [default: auto]: a count, or
    /// `auto`: 64 when a root is on a network or FUSE file system (NFS,
    /// SMB/CIFS, FUSE, Ceph, 9P...: `statfs` type), where a walk waits on
    /// round trips and more requests in flight make it faster; for
    /// getdents-par on a local disk 16 (or the cores, if more), so that a
    /// cold cache keeps that many directory reads in flight; all cores
    /// otherwise (tmpfs, other strategies on a disk). With --parse the
    /// default is the pool's own (all cores), and `auto` counts parse
    /// workers: 64 on a network mount, all cores elsewhere.
    #[arg(long, short = 'j', value_parser = parse_threads)]
    pub threads: Option<ThreadsArg>,
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
    /// Parse every file's release name too (ScanParsePool: the walker, then
    /// `--threads` parse workers, in bounded memory; output in any order).
    /// Prints one line per file: path, kind, title, season, episode, group,
    /// resolution, checksum, version, year, separated by tabs (empty when
    /// unknown); with `--count`, only the number of files parsed.
    #[arg(long, short = 'p')]
    pub parse: bool,
    /// With `--parse`: print one JSON object per file (JSON Lines): `path`
    /// (the path as text, invalid UTF-8 replaced by U+FFFD), `path_hex` (only
    /// when the path is not valid UTF-8: its exact bytes in lowercase hex),
    /// `depth`, `kind`, `title`, `season`, `episode`, `episode_last` (the end
    /// of a range, else null), `release_group`, `resolution`, `checksum`
    /// (8 hex digits), `version`, `year` and `other` (a list of
    /// `{kind, value}`); null when unknown.
    #[arg(long, requires = "parse", conflicts_with = "count")]
    pub json: bool,
    /// Roots to scan (directories, or files that are checked themselves).
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<PathBuf>,
}

/// `floor` options (hidden: a measuring stick, not a scanner).
#[derive(Debug, Args)]
pub struct FloorArgs {
    /// Threads walking.
    #[arg(long, short = 'j', default_value_t = 2)]
    pub threads: usize,
    /// The directory to count under (a plain tree: the floor follows no
    /// link, has no depth limit and stops at the first directory it cannot
    /// walk).
    #[arg(value_name = "ROOT")]
    pub root: PathBuf,
}

/// `strategies` options.
#[derive(Debug, Args)]
pub struct StrategiesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `gen` options.
#[derive(Debug, Args)]
#[command(after_help = "Presets: see `gen --list` and presets/README.md. \
Default --out: $ANIVAULT_FIXTURES_DIR/NAME or target/anivault-fixtures/NAME. \
A directory that is not empty and has no .anivault-fixture marker is never touched.")]
pub struct GenArgs {
    /// A committed preset (presets/NAME.json), e.g. anime-100k.
    #[arg(long, short = 'p', conflicts_with = "shape")]
    pub preset: Option<String>,
    /// A shape: anime, flat, deep, wide, impressions or edge.
    #[arg(long, required_unless_present_any = ["preset", "list"])]
    pub shape: Option<String>,
    /// Regular files in total (sidecars included); accepts 100k, 1m
    /// [default with --shape: 1000; overrides the preset's].
    #[arg(long, short = 'n', value_parser = crate::generator::spec::parse_count)]
    pub files: Option<u64>,
    /// Seed of the generator [default: 0, or the preset's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// deep: length of the chain; impressions: deepest level.
    #[arg(long)]
    pub depth: Option<u32>,
    /// Apparent sizes: sparse (realistic sizes, no space used) or empty.
    #[arg(long)]
    pub sizes: Option<String>,
    /// deep: 255-byte directory names, so paths go far beyond 4096 bytes.
    #[arg(long)]
    pub long_paths: bool,
    /// Fixture directory (the tree goes in OUT/tree, the manifest in
    /// OUT/manifest.json).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Regenerate even when an up-to-date fixture is there (only in a
    /// directory that carries our marker).
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Print the result (directory, reuse, time, manifest) as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the presets and exit.
    #[arg(long)]
    pub list: bool,
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunArgs::default())
    }
}

/// `run` options.
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Fixture preset for the main job [default: anime-100k, with anime-10k
    /// for the growth analysis].
    #[arg(long)]
    pub preset: Option<String>,
    /// Report stem [default: reports/latest]: writes STEM.json, STEM.md, STEM.svg.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Hard peak-heap limit in MB (10^6 bytes) [default: 500].
    #[arg(long)]
    pub limit_mb: Option<u64>,
}

/// `profile` options.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Fixture presets to profile, smallest first (repeat or comma-separate).
    #[arg(
        long = "preset",
        value_delimiter = ',',
        default_value = "anime-10k,anime-100k"
    )]
    pub presets: Vec<String>,
    /// Strategies: `all` (every available one and the parse pool), a
    /// comma-separated list (`pool` names ScanParsePool), or `none` with
    /// --cmd or --reference (command rows only).
    #[arg(long, default_value = "all")]
    pub strategies: String,
    /// Hard peak-heap limit in MB (10^6 bytes).
    #[arg(long, default_value_t = 500)]
    pub limit_mb: u64,
    /// Timed runs per strategy × fixture (median reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Heap runs for parallel strategies (the max is kept).
    #[arg(long, default_value_t = 3)]
    pub heap_runs: usize,
    /// Threads for parallel strategies [default: all cores].
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Report stem: writes STEM.json, STEM.md, STEM.svg.
    #[arg(long, default_value = "reports/profile")]
    pub out: PathBuf,
    /// Keep dhat's dhat-heap.json of each heap run in this directory
    /// (open them in DHAT's viewer, dh_view.html).
    #[arg(long)]
    pub dhat_out: Option<PathBuf>,
    /// Print the report as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Simulate a slow consumer: busy-wait this many microseconds per
    /// result (shows that memory stays bounded by the queues).
    #[arg(long, default_value_t = 0)]
    pub consumer_us: u64,
    /// Also measure a slow-consumer variant of the parallel rows (rows
    /// named NAME+slow): their bounded queues fill completely, so the peak
    /// is nearly the same from run to run (what a regression gate needs).
    /// Alone: every parallel row measured; with a list (e.g.
    /// `--slow-rows=rayon,getdents-par,pool`): those rows only.
    #[arg(long, value_name = "all|ROW,...", num_args = 0..=1,
          require_equals = true, default_missing_value = "all")]
    pub slow_rows: Option<String>,
    /// The busy-wait of the `+slow` rows, microseconds per result.
    #[arg(long, default_value_t = crate::profile::DEFAULT_SLOW_CONSUMER_US,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub slow_consumer_us: u64,
    /// Measure the rows behind a netfs latency mount (`netfs mount`) of
    /// each fixture, LATENCY per request (e.g. `1ms`): mounted in a
    /// temporary directory for that fixture's rows, unmounted after.
    /// Needs /dev/fuse and the right to mount (exit 2 without).
    #[arg(long, value_name = "LATENCY", value_parser = crate::netfs::parse_duration)]
    pub netfs: Option<std::time::Duration>,
    /// Foreign command rows.
    #[command(flatten)]
    pub commands: CmdArgs,
}

/// `gate` options.
#[derive(Debug, Args)]
#[command(
    after_help = "Bands: a row may peak above its baseline row by PCT % of the baseline \
or by the slack, whichever is larger. Single-thread strategies are deterministic \
(tight band: directory order differs between file systems, hence the small slack); \
parallel strategies compare the maximum over their runs with a wide band; \
a parallel strategy's slow-consumer row (NAME+slow: its queues are full at the peak) \
with a narrower one; command rows (--cmd) compare their peak RSS, the maximum over \
their runs, with the rss band. \
A row in the baseline but missing from the report fails; a new row is reported \
as new and held to the limit and the count only. MB = 10^6 bytes."
)]
pub struct GateArgs {
    /// The baseline report (JSON) to compare with.
    #[arg(long, value_name = "FILE", default_value = "reports/baseline.json")]
    pub baseline: PathBuf,
    /// The report (JSON) to check [default: profile the fixtures and
    /// strategies the baseline lists, now].
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Band of single-thread strategies, percent over the baseline.
    #[arg(long, value_name = "PCT", default_value_t = crate::gate::DEFAULT_TOLERANCE_PCT,
          value_parser = crate::gate::parse_pct)]
    pub tolerance_pct: f64,
    /// Minimum band of single-thread strategies, KiB.
    #[arg(long, value_name = "KIB", default_value_t = crate::gate::DEFAULT_SLACK_BYTES / 1024)]
    pub slack_kib: u64,
    /// Band of parallel strategies (max over runs), percent over the baseline.
    #[arg(long, value_name = "PCT", default_value_t = crate::gate::DEFAULT_PARALLEL_TOLERANCE_PCT,
          value_parser = crate::gate::parse_pct)]
    pub parallel_tolerance_pct: f64,
    /// Minimum band of parallel strategies, KiB.
    #[arg(long, value_name = "KIB",
          default_value_t = crate::gate::DEFAULT_PARALLEL_SLACK_BYTES / 1024)]
    pub parallel_slack_kib: u64,
    /// Band of parallel strategies' slow-consumer rows (`NAME+slow`, max
    /// over runs), percent over the baseline.
    #[arg(long, value_name = "PCT", default_value_t = crate::gate::DEFAULT_SLOW_TOLERANCE_PCT,
          value_parser = crate::gate::parse_pct)]
    pub slow_tolerance_pct: f64,
    /// Minimum band of slow-consumer rows, KiB.
    #[arg(long, value_name = "KIB",
          default_value_t = crate::gate::DEFAULT_SLOW_SLACK_BYTES / 1024)]
    pub slow_slack_kib: u64,
    /// Band of the parse pool's rows (`pool`, `pool+slow`, max over runs),
    /// percent over the baseline.
    #[arg(long, value_name = "PCT", default_value_t = crate::gate::DEFAULT_POOL_TOLERANCE_PCT,
          value_parser = crate::gate::parse_pct)]
    pub pool_tolerance_pct: f64,
    /// Minimum band of the pool's rows, KiB.
    #[arg(long, value_name = "KIB",
          default_value_t = crate::gate::DEFAULT_POOL_SLACK_BYTES / 1024)]
    pub pool_slack_kib: u64,
    /// Hard limit on any row's peak heap, MB (10^6 bytes).
    #[arg(long, value_name = "MB", default_value_t = crate::gate::DEFAULT_LIMIT_MB,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub limit_mb: u64,
    /// Write the current report as the new baseline (atomically) and exit 0.
    #[arg(long)]
    pub update_baseline: bool,
    /// Print the comparison as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Band of command rows (`--cmd`, compared on peak RSS, max over
    /// runs), percent over the baseline.
    #[arg(long, value_name = "PCT", default_value_t = crate::gate::DEFAULT_RSS_TOLERANCE_PCT,
          value_parser = crate::gate::parse_pct)]
    pub rss_tolerance_pct: f64,
    /// Minimum band of command rows, KiB.
    #[arg(long, value_name = "KIB", default_value_t = crate::gate::DEFAULT_RSS_SLACK_BYTES / 1024)]
    pub rss_slack_kib: u64,
    /// Command rows to run now, without --report: a row of the baseline
    /// with the same NAME runs this template instead of the baseline's,
    /// another NAME is a new row.
    #[command(flatten)]
    pub commands: CmdArgs,
}

/// `compare` options.
#[derive(Debug, Args)]
#[command(
    after_help = "Writes STEM.json and STEM.md (default STEM: reports/compare-PRESET-warm \
or -cold) and prints the table. Exit 0: every command listed the expected files; 1: a count \
mismatch or a failed run (shown in the table); 2: usage error, unusable root, or --cold without \
the rights to drop the page cache. Tools that are not installed are rows that say so."
)]
pub struct CompareArgs {
    /// Fixture preset to scan, generated the first time
    /// [default: anime-100k when no ROOT is given].
    #[arg(long, short = 'p', conflicts_with = "root")]
    pub preset: Option<String>,
    /// Our strategies: `all` (those this platform has, `pool`, the
    /// ScanParsePool through `scan --parse`, and `floor`, the syscall floor:
    /// rows floor-1t and floor-Nt for N cores, or one per --threads value),
    /// a comma-separated list, or `none`.
    #[arg(long, short = 's', default_value = "all")]
    pub strategies: String,
    /// External tools, comma-separated: find, fd (found as fd or fdfind; fd 10 in
    /// target/tools/bin and the system's fdfind are two rows), bfs, fdf; `none` for none.
    /// Looked for in $ANIVAULT_TOOLS_DIR (default target/tools/bin), then on PATH.
    #[arg(long, value_delimiter = ',', default_value = "find,fd,bfs,fdf")]
    pub tools: Vec<String>,
    /// Timed runs per command.
    #[arg(long, short = 'r', default_value_t = 10)]
    pub runs: usize,
    /// Untimed rounds before the timed ones.
    #[arg(long, short = 'w', default_value_t = 1)]
    pub warmup: usize,
    /// Drop the page cache before every run (`sync`, then 3 into
    /// /proc/sys/vm/drop_caches): Linux and root only.
    #[arg(long)]
    pub cold: bool,
    /// Thread counts to sweep for the parallel strategies, e.g. 1,2,4
    /// (one row each) [default: one row, `scan`'s own default: `-j auto`,
    /// which is 16 for getdents-par on a local disk, the cores on tmpfs].
    #[arg(long, short = 'j', value_delimiter = ',')]
    pub threads: Vec<usize>,
    /// Compare on a netfs latency mount of the root (`netfs mount`) where
    /// every request costs LATENCY (e.g. 2ms): mounted on a temporary
    /// directory, unmounted at the end (or on Ctrl-C). Adds the latency
    /// floor of each row (requests × latency / requests in flight),
    /// printed and written to STEM.netfs.md. Needs /dev/fuse and root (or
    /// fusermount3).
    #[arg(long, value_name = "LATENCY", value_parser = crate::netfs::parse_duration)]
    pub netfs: Option<std::time::Duration>,
    /// Report stem: writes STEM.json and STEM.md.
    #[arg(long, short = 'o', value_name = "STEM")]
    pub out: Option<PathBuf>,
    /// Print the JSON report on stdout instead of the Markdown.
    #[arg(long)]
    pub json: bool,
    /// Directory to scan instead of a preset (a fixture directory or its
    /// `tree/` gets its expected count from the manifest).
    #[arg(value_name = "ROOT")]
    pub root: Option<PathBuf>,
    /// Foreign command rows, beside the tools.
    #[command(flatten)]
    pub commands: CmdArgs,
}

/// Foreign command rows (`--cmd`), shared by `profile`, `gate` and
/// `compare`.
#[derive(Debug, Args, Default, Clone)]
pub struct CmdArgs {
    /// A command row: NAME='TEMPLATE', `{root}` replaced by the fixture root
    /// (repeatable). Split into words like a shell would (quotes,
    /// backslashes) but run without one; it must print one path per line
    /// (NUL-terminated with --null). Measured: files printed against the
    /// manifest, exact peak RSS, wall time, an RSS timeline.
    #[arg(long = "cmd", value_name = "NAME=TEMPLATE")]
    pub cmd: Vec<String>,
    /// Run the --cmd templates with `sh -c` (pipes, redirections,
    /// variables); the shell's processes are traced (--tree).
    #[arg(long)]
    pub shell: bool,
    /// The commands print NUL-terminated records (`find -print0`).
    #[arg(long)]
    pub null: bool,
    /// Also the reference rows: AniVault's original Python scanner and its
    /// eager variant (scripts/reference/, run by python3; a row says why
    /// when python3 is missing).
    #[arg(long)]
    pub reference: bool,
    /// Sample each command's RSS (and the records it printed so far)
    /// every MS milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub sample_ms: u64,
    /// Kill a command run after SECS seconds (row "timed out after SECS s").
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<std::time::Duration>,
    /// Also trace each command's descendants and threads: its peak is the
    /// highest of any one of its processes.
    #[arg(long)]
    pub tree: bool,
}

/// Parses a positive number of seconds (`0.5`, `30`).
pub fn parse_secs(s: &str) -> Result<std::time::Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 => std::time::Duration::try_from_secs_f64(v).map_err(|e| e.to_string()),
        Ok(_) => Err(format!("{s:?}: must be more than 0 seconds")),
        Err(e) => Err(format!("{s:?}: not a number: {e}")),
    }
}

/// `netfs` subcommands.
#[derive(Debug, Args)]
pub struct NetfsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: NetfsCommand,
}

/// The `netfs` subcommands.
#[derive(Debug, Subcommand)]
pub enum NetfsCommand {
    /// Mount SRC read-only on MOUNTPOINT (an empty directory) in the
    /// foreground; Ctrl-C (SIGINT, SIGTERM, SIGHUP) unmounts and prints the
    /// requests served per class.
    Mount(NetfsMountArgs),
}

/// `netfs mount` options.
#[derive(Debug, Args)]
#[command(
    after_help = "Latency classes: lookup, getattr, opendir, readdir, releasedir, open, \
read, release, readlink, statfs, other. --latency sets every class the caller waits for; \
releasedir and release are sent in the background by the kernel and get none unless set with \
--op-latency. Durations: 2ms, 0.5ms, 500us, 1s, 0."
)]
pub struct NetfsMountArgs {
    /// Latency of every request the caller waits for, e.g. 2ms.
    #[arg(long, default_value = "2ms", value_parser = crate::netfs::parse_duration)]
    pub latency: std::time::Duration,
    /// Each request's latency is uniform in latency ± jitter.
    #[arg(long, default_value = "0", value_parser = crate::netfs::parse_duration)]
    pub jitter: std::time::Duration,
    /// One class's latency, CLASS=DURATION (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = crate::netfs::parse_op_latency)]
    pub op_latency: Vec<(crate::netfs::OpClass, std::time::Duration)>,
    /// Kernel entry and attribute cache TTL (0: every lookup and stat
    /// reaches the daemon, as on a network file system without caching).
    #[arg(long, default_value = "0", value_parser = crate::netfs::parse_duration)]
    pub ttl: std::time::Duration,
    /// Threads doing the real file-system work once a delay is over.
    #[arg(long, default_value_t = 4)]
    pub executors: usize,
    /// The directory to serve.
    #[arg(value_name = "SRC")]
    pub source: PathBuf,
    /// Where to mount it: an empty directory.
    #[arg(value_name = "MOUNTPOINT")]
    pub mountpoint: PathBuf,
}

/// `scan --threads`: a count, or `auto` (chosen from the roots' file system).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadsArg {
    /// `auto`: see [`anivault_scanner::fskind::auto_threads`].
    Auto,
    /// That many threads.
    Count(usize),
}

/// Parses `--threads`: `auto` or a number.
///
/// ```
/// use anivault_bench::cli::{parse_threads, ThreadsArg};
/// assert_eq!(parse_threads("auto"), Ok(ThreadsArg::Auto));
/// assert_eq!(parse_threads("8"), Ok(ThreadsArg::Count(8)));
/// assert!(parse_threads("many").is_err());
/// ```
pub fn parse_threads(s: &str) -> Result<ThreadsArg, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(ThreadsArg::Auto);
    }
    s.trim()
        .parse()
        .map(ThreadsArg::Count)
        .map_err(|_| format!("'{s}' is neither a thread count nor `auto`"))
}

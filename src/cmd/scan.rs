//! `anivault-bench scan`: print the media files under roots, like `find`.

use std::fs;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;

use anivault_scanner::{ExtensionSet, ParsedMedia, ScanOptions, ScanParsePool, Strategy};

use crate::cli::{ScanArgs, ThreadsArg};
use crate::exit;

/// Builds the extension set from `--ext` values (names of built-in sets or
/// extensions).
pub fn extension_set(values: &[String]) -> ExtensionSet {
    if values.is_empty() {
        return ExtensionSet::video();
    }
    let mut set = ExtensionSet::new(Vec::<&str>::new());
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let part = match v {
            "video" => ExtensionSet::video(),
            "subtitles" | "subtitle" => ExtensionSet::subtitles(),
            "audio" => ExtensionSet::audio(),
            "media" => ExtensionSet::all_media(),
            ext => ExtensionSet::new([ext]),
        };
        set = set.union(&part);
    }
    set
}

/// Builds [`ScanOptions`] from the arguments, or a usage message.
pub fn options(args: &ScanArgs) -> Result<ScanOptions, String> {
    let strategy: Strategy = args.strategy.parse().map_err(|e| format!("{e}"))?;
    if let Err(why) = strategy.availability() {
        return Err(format!(
            "strategy '{strategy}' is not available here: {why}"
        ));
    }
    let set = extension_set(&args.ext);
    if set.is_empty() {
        return Err("--ext names no extension".into());
    }
    let threads = match args.threads {
        Some(ThreadsArg::Count(0)) => return Err("--threads must be at least 1".into()),
        Some(ThreadsArg::Count(n)) => n,
        // The most any root asks for (64 on a network or FUSE mount, 16
        // for getdents-par on a local disk); also without `-j`, but for
        // `--parse` (the pool sizes itself).
        Some(ThreadsArg::Auto) => auto_threads(args, strategy),
        None if !args.parse => auto_threads(args, strategy),
        None => 0,
    };
    let opts = ScanOptions::new()
        .strategy(strategy)
        .extensions(set)
        .follow_symlinks(args.follow_symlinks)
        .max_depth(args.max_depth)
        .same_file_system(args.same_file_system)
        .threads(threads);
    if let Err(why) = strategy.supports(&opts) {
        return Err(format!("strategy '{strategy}' cannot do this: {why}"));
    }
    Ok(opts)
}

/// `--threads auto` for `strategy`: the most any root's file system asks
/// for ([`anivault_scanner::fskind::auto_threads`]). With `--parse` the
/// count is the pool's parse workers, which never wait on the disk: the
/// rule of a strategy without the disk rule (64 on a network mount, the
/// cores elsewhere).
fn auto_threads(args: &ScanArgs, strategy: Strategy) -> usize {
    let strategy = if args.parse { Strategy::Std } else { strategy };
    args.roots
        .iter()
        .map(|r| anivault_scanner::fskind::auto_threads(r, strategy))
        .max()
        .unwrap_or(0)
}

/// Runs the command; returns the exit code.
pub fn run(args: ScanArgs) -> u8 {
    let opts = match options(&args) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("anivault-bench: {msg}");
            return exit::USAGE;
        }
    };
    // Unusable roots are a usage error (exit 2) before anything is printed.
    for root in &args.roots {
        match fs::metadata(root) {
            Ok(m) if m.is_dir() || m.is_file() => {}
            Ok(_) => {
                eprintln!(
                    "anivault-bench: '{}': not a directory or a regular file",
                    root.display()
                );
                return exit::USAGE;
            }
            Err(e) => {
                let msg = e.to_string();
                let msg = msg.split(" (os error").next().unwrap_or(&msg);
                eprintln!("anivault-bench: '{}': {msg}", root.display());
                return exit::USAGE;
            }
        }
    }
    if args.parse {
        let stdout = io::stdout();
        let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        return run_parse(&args, opts, &mut out);
    }
    let sep = if args.print0 { b'\0' } else { b'\n' };
    emit_found(&args, &opts, sep)
}

/// Bytes of paths a [`Printer`] gathers before it writes them out.
const PRINT_BUFFER: usize = 64 * 1024;

/// One scanning thread's share of the output (see [`emit_found`]).
struct Printer {
    buf: Vec<u8>,
    count: u64,
    errors: u64,
    /// The first write to standard output that failed; the walk stops.
    failed: Option<io::Error>,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            buf: Vec::new(),
            count: 0,
            errors: 0,
            failed: None,
        }
    }

    /// Writes the gathered paths in one piece (standard output is locked
    /// for the write only, so other threads' pieces never interleave
    /// inside a path).
    fn write_out(&mut self) -> ControlFlow<()> {
        if self.buf.is_empty() {
            return ControlFlow::Continue(());
        }
        let wrote = io::stdout().lock().write_all(&self.buf);
        self.buf.clear();
        match wrote {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.failed = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// Prints every media file under the roots (nothing with `--count`), each
/// error to stderr as it comes (after the paths found before it), then the
/// count (with `--count`); the exit code: 0 clean, 1 with errors (or when
/// stdout fails, but for a closed pipe).
///
/// Through [`ScanOptions::par_for_each`]: with `getdents-par` every
/// walker thread formats the paths it finds into its own buffer and
/// writes it out when full, so no path crosses a thread and nothing is
/// allocated per file; the other strategies run on this thread, in their
/// order. A failed write stops the walk (`scan | head`).
fn emit_found(args: &ScanArgs, opts: &ScanOptions, sep: u8) -> u8 {
    let (mut count, mut errors) = (0u64, 0u64);
    for root in &args.roots {
        let printers = opts.par_for_each(root, Printer::new, |p, item| {
            match item {
                Ok(found) => {
                    p.count += 1;
                    if !args.count {
                        let dir = found.dir().as_os_str().as_bytes();
                        p.buf.extend_from_slice(dir);
                        if !dir.is_empty() && dir.last() != Some(&b'/') {
                            p.buf.push(b'/');
                        }
                        p.buf.extend_from_slice(found.file_name().as_bytes());
                        p.buf.push(sep);
                        if p.buf.len() >= PRINT_BUFFER {
                            return p.write_out();
                        }
                    }
                }
                Err(e) => {
                    p.errors += 1;
                    p.write_out()?;
                    eprintln!("anivault-bench: {e}");
                }
            }
            ControlFlow::Continue(())
        });
        for mut p in printers {
            let _ = p.write_out();
            count += p.count;
            errors += p.errors;
            if let Some(e) = p.failed {
                return write_failed(e);
            }
        }
    }
    let mut out = io::stdout().lock();
    finish(args, &mut out, count, errors)
}

/// Writes every found item with `write` (nothing with `--count`), errors to
/// stderr as they come, then the count (with `--count`); the exit code: 0
/// clean, 1 with errors (or when stdout fails, but for a closed pipe).
fn emit<T, W: Write>(
    args: &ScanArgs,
    out: &mut W,
    items: impl Iterator<Item = Result<T, anivault_scanner::ScanError>>,
    mut write: impl FnMut(&mut W, &T) -> io::Result<()>,
) -> u8 {
    let mut errors = 0u64;
    let mut count = 0u64;
    for item in items {
        match item {
            Ok(found) => {
                count += 1;
                if !args.count {
                    if let Err(e) = write(out, &found) {
                        return write_failed(e);
                    }
                }
            }
            Err(e) => {
                errors += 1;
                let _ = out.flush();
                eprintln!("anivault-bench: {e}");
            }
        }
    }
    finish(args, out, count, errors)
}

/// The end of [`emit`]: the count (with `--count`), the flush, the exit
/// code.
fn finish<W: Write>(args: &ScanArgs, out: &mut W, count: u64, errors: u64) -> u8 {
    if args.count {
        if let Err(e) = writeln!(out, "{count}") {
            return write_failed(e);
        }
    }
    if let Err(e) = out.flush() {
        return write_failed(e);
    }
    if errors > 0 {
        exit::ERRORS
    } else {
        exit::OK
    }
}

/// `scan --parse [--json | --count]`: every root through a
/// [`ScanParsePool`], one line (tab-separated or JSON) per file.
fn run_parse(args: &ScanArgs, opts: ScanOptions, out: &mut impl Write) -> u8 {
    let workers = if args.threads.is_some() {
        opts.get_threads()
    } else {
        0
    };
    let items = args.roots.iter().flat_map(|root| {
        ScanParsePool::new(root)
            .options(opts.clone())
            .workers(workers)
            .run()
    });
    emit(args, out, items, |out, p| {
        if args.json {
            serde_json::to_writer(&mut *out, &parsed_json(p)).map_err(io::Error::from)?;
            return out.write_all(b"\n");
        }
        let mut line = parsed_tsv(p);
        if args.print0 {
            // A NUL-terminated record: safe for paths with newlines.
            if let Some(last) = line.last_mut() {
                *last = b'\0';
            }
        }
        out.write_all(&line)
    })
}

/// One JSON Lines object, fields in this order: `path` is the lossy text;
/// `path_hex` (only for a path that is not UTF-8) gives its exact bytes.
#[derive(serde::Serialize)]
struct ParsedLine<'a> {
    path: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    depth: usize,
    kind: &'static str,
    title: Option<&'a str>,
    season: Option<&'a str>,
    episode: Option<&'a str>,
    episode_last: Option<&'a str>,
    release_group: Option<&'a str>,
    resolution: Option<&'a str>,
    checksum: Option<String>,
    version: Option<u32>,
    year: Option<u16>,
    other: Vec<serde_json::Value>,
}

fn parsed_json(p: &ParsedMedia) -> ParsedLine<'_> {
    let bytes = p.entry.path().as_os_str().as_bytes();
    ParsedLine {
        path: String::from_utf8_lossy(bytes),
        path_hex: std::str::from_utf8(bytes)
            .is_err()
            .then(|| bytes.iter().map(|b| format!("{b:02x}")).collect()),
        depth: p.entry.depth(),
        kind: p.kind.as_str(),
        title: p.title.as_deref(),
        season: p.season.as_deref(),
        episode: p.episode.as_ref().map(|e| e.first()),
        episode_last: p
            .episode
            .as_ref()
            .filter(|e| e.is_range())
            .map(|e| e.last()),
        release_group: p.release_group.as_deref(),
        resolution: p.resolution.as_deref(),
        checksum: p.checksum.map(|c| format!("{c:08X}")),
        version: p.version,
        year: p.year,
        other: p
            .other
            .iter()
            .map(|t| serde_json::json!({"kind": t.kind, "value": t.value}))
            .collect(),
    }
}

/// One tab-separated line: the path bytes as they are, then the fields
/// (tabs and newlines inside a field become spaces).
fn parsed_tsv(p: &ParsedMedia) -> Vec<u8> {
    let mut line = p.entry.path().as_os_str().as_bytes().to_vec();
    let fields = [
        Some(p.kind.as_str().to_string()),
        p.title.clone(),
        p.season.clone(),
        p.episode.as_ref().map(|e| e.to_string()),
        p.release_group.clone(),
        p.resolution.clone(),
        p.checksum.map(|c| format!("{c:08X}")),
        p.version.map(|v| v.to_string()),
        p.year.map(|y| y.to_string()),
    ];
    for f in fields {
        line.push(b'\t');
        if let Some(f) = f {
            line.extend(
                f.bytes()
                    .map(|b| if b == b'\t' || b == b'\n' { b' ' } else { b }),
            );
        }
    }
    line.push(b'\n');
    line
}

fn write_failed(e: io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // `scan | head`: the reader has what it wanted.
        return exit::OK;
    }
    eprintln!("anivault-bench: cannot write to standard output: {e}");
    exit::ERRORS
}

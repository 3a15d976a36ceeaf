//! `anivault-bench gen`: generate (or reuse) a fixture tree.
//!
//! Exit codes: 0 generated or reused; 1 a failure while creating (full
//! disk, read-only file system, name too long, ...: the message names the
//! path and how many files were made); 2 a usage error (bad spec, unknown
//! preset or shape) or a refused output directory (not empty and not ours).

use std::io::{self, Write};
use std::time::Instant;

use crate::cli::GenArgs;
use crate::exit;
use crate::generator::{
    default_dir, ensure_with, GenError, GenOptions, Outcome, Preset, Shape, Sizes, Spec,
};
use crate::report::units::fmt_bytes;

/// `--files` when `--shape` is given without it.
const DEFAULT_FILES: u64 = 1000;

/// Runs the command, printing to `out`; returns the exit code (`Err`:
/// printing failed).
pub fn run(args: GenArgs, out: &mut dyn Write) -> io::Result<u8> {
    if args.list {
        return list(out);
    }
    let (spec, preset) = match build_spec(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("anivault-bench: {e}");
            return Ok(e.exit_code());
        }
    };
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => default_dir(preset.as_deref().unwrap_or(&spec.dir_name())),
    };
    let opts = GenOptions {
        force: args.force,
        progress: true,
        preset: preset.clone(),
    };
    let start = Instant::now();
    let (fx, outcome) = match ensure_with(&spec, &dir, &opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("anivault-bench: {e}");
            if let GenError::Io {
                action: "create", ..
            } = e
            {
                eprintln!(
                    "anivault-bench: the partial tree was removed; '{}' keeps its in-progress \
                     marker and is regenerated on the next run",
                    dir.display()
                );
            }
            return Ok(e.exit_code());
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if args.json {
        let doc = serde_json::json!({
            "dir": fx.dir,
            "root": fx.root,
            "outcome": match outcome { Outcome::Reused => "reused", Outcome::Generated => "generated" },
            "elapsed_seconds": secs,
            "manifest": fx.manifest,
        });
        writeln!(out, "{doc:#}")?;
        return Ok(exit::OK);
    }
    let c = &fx.manifest.counts;
    let what = preset.unwrap_or_else(|| spec.shape.to_string());
    match outcome {
        Outcome::Generated => writeln!(
            out,
            "generated {what} in {secs:.2} s: {}",
            fx.root.display()
        )?,
        Outcome::Reused => writeln!(
            out,
            "{what} is up to date (reused, use --force to regenerate): {}",
            fx.root.display()
        )?,
    }
    writeln!(
        out,
        "  {} files ({} video, {} subtitle, {} audio, {} other), {} dirs, {} symlinks, {} fifos",
        c.files,
        c.media_files,
        c.subtitle_files,
        c.audio_files,
        c.other_files,
        c.dirs,
        c.symlinks,
        c.fifos
    )?;
    writeln!(
        out,
        "  apparent size {} ({}), deepest entry at depth {}, longest path {} bytes",
        fmt_bytes(c.apparent_bytes),
        spec.sizes,
        c.max_depth,
        c.max_path_bytes
    )?;
    writeln!(
        out,
        "  manifest {} (spec {}, paths digest {})",
        fx.dir.join(crate::generator::MANIFEST_FILE).display(),
        short(&fx.manifest.spec_hash),
        short(&fx.manifest.paths_digest)
    )?;
    Ok(exit::OK)
}

/// The first 12 characters of a hash, for people (whatever its length).
fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The spec from the arguments, and the preset name when the spec is a
/// preset's unchanged.
fn build_spec(args: &GenArgs) -> Result<(Spec, Option<String>), GenError> {
    let overrides = args.files.is_some()
        || args.seed.is_some()
        || args.depth.is_some()
        || args.sizes.is_some()
        || args.long_paths;
    let (mut spec, preset) = match (&args.preset, &args.shape) {
        (Some(name), _) => {
            let p = Preset::get(name)?;
            (p.spec, (!overrides).then(|| p.name.to_string()))
        }
        (None, Some(shape)) => {
            let shape: Shape = shape.parse()?;
            (Spec::new(shape, args.files.unwrap_or(DEFAULT_FILES)), None)
        }
        (None, None) => {
            return Err(GenError::InvalidSpec(
                "give --preset NAME or --shape SHAPE (see --list)".into(),
            ))
        }
    };
    if let Some(n) = args.files {
        spec.files = n;
    }
    if let Some(s) = args.seed {
        spec.seed = s;
    }
    if let Some(d) = args.depth {
        spec.depth = Some(d);
    }
    if let Some(s) = &args.sizes {
        spec.sizes = s.parse::<Sizes>()?;
    }
    if args.long_paths {
        spec.long_paths = true;
    }
    spec.validate()?;
    Ok((spec, preset))
}

fn list(out: &mut dyn Write) -> io::Result<u8> {
    let presets = match Preset::all() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("anivault-bench: {e}");
            return Ok(e.exit_code());
        }
    };
    writeln!(
        out,
        "{:<18} {:<12} {:>9}  description",
        "preset", "shape", "files"
    )?;
    for p in presets {
        writeln!(
            out,
            "{:<18} {:<12} {:>9}  {}",
            p.name, p.spec.shape, p.spec.files, p.description
        )?;
    }
    Ok(exit::OK)
}

//! The reference rows we ship: AniVault's original Python scanner
//! (`scripts/reference/original.py`, a recursive `os.scandir` generator
//! with `yield from`) and its eager variant (`scripts/reference/eager.py`,
//! `os.walk` into a list, then the filter), run by `python3` as command
//! rows (`profile --reference`). Both list exactly the files of our
//! default scan (tests/reference.rs checks it on the anime presets).
//!
//! ```
//! use anivault_bench::command::reference;
//! for r in reference::rows() {
//!     match r {
//!         Ok(t) => assert!(t.template().contains("scripts/reference/")),
//!         Err(skip) => assert!(!skip.why.is_empty()),
//!     }
//! }
//! ```

use std::path::{Path, PathBuf};

use super::CmdTemplate;

/// The row of the streaming original.
pub const ORIGINAL: &str = "python-original";
/// The row of the eager variant.
pub const EAGER: &str = "python-eager";
/// The interpreter the rows run with (looked up on `PATH`).
pub const PYTHON: &str = "python3";

/// The directory of the reference scripts in this checkout.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join("reference")
}

/// A reference row that cannot run here, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The row name.
    pub name: &'static str,
    /// The template it would have run.
    pub template: String,
    /// Why it cannot (`python3` not on `PATH`, a script missing).
    pub why: String,
}

/// The two reference rows, in report order: a template each, or why it
/// cannot run here.
pub fn rows() -> Vec<Result<CmdTemplate, Skip>> {
    let python = super::row::on_path(PYTHON.as_ref());
    [(ORIGINAL, "original.py"), (EAGER, "eager.py")]
        .into_iter()
        .map(|(name, file)| {
            let script = scripts_dir().join(file);
            let script_text = script.to_string_lossy().into_owned();
            let template = format!("{PYTHON} {script_text} {{root}}");
            let skip = |why: String| Skip {
                name,
                template: template.clone(),
                why,
            };
            if python.is_none() {
                return Err(skip(format!("{PYTHON} is not on PATH")));
            }
            if !script.is_file() {
                return Err(skip(format!("{} is missing", script.display())));
            }
            CmdTemplate::from_words(name, PYTHON, &[&script_text, "{root}"])
                .map_err(|e| skip(e.to_string()))
        })
        .collect()
}

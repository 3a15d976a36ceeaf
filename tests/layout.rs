//! The harness's layering rules, read from the source (README, Layout):
//! commands never import each other, nothing in `report/` imports the
//! modules that fill its models, the gate's rules render nothing, and no
//! scanner strategy imports another.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code of a file without comments, up to its test module.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files below `src/DIR` that mention any of `paths`, with the path.
fn offenders(dir: &str, paths: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    // `src/DIR.rs` and its submodules in `src/DIR/`, or `src/DIR/mod.rs`
    // and the rest of `src/DIR/`.
    let mut files = if root.is_dir() {
        rust_files(&root)
    } else {
        Vec::new()
    };
    if root.with_extension("rs").is_file() {
        files.push(root.with_extension("rs"));
    }
    assert!(!files.is_empty(), "no source for src/{dir}");
    let mut out = Vec::new();
    for f in files {
        let code = code(&f);
        for p in paths {
            if code.contains(p) {
                out.push(format!("{} uses {p}", f.display()));
            }
        }
    }
    out
}

#[test]
fn commands_import_no_other_command() {
    let bad = offenders("cmd", &["crate::cmd::", "super::"]);
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn reports_import_none_of_the_modules_that_fill_them() {
    let bad = offenders(
        "report",
        &[
            "crate::gate",
            "crate::compare",
            "crate::profile",
            "crate::cmd",
            "crate::steps",
        ],
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_gate_rules_render_nothing() {
    let bad = offenders(
        "gate",
        &[
            "report::profile",
            "report::gate::terminal",
            "report::gate::json",
            "report::markup",
            "fmt_bytes",
            "fmt_count",
            "fmt_float",
        ],
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn every_clap_type_is_in_cli_rs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad: Vec<String> = rust_files(&root)
        .into_iter()
        .filter(|f| !f.ends_with("cli.rs") && !f.ends_with("main.rs"))
        .filter(|f| code(f).contains("clap::"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The scanner's strategies: one file (or folder) each under `walk/`,
/// importing the shared floor (`common`, `stream`) and `walk/mod.rs`'s
/// trait, never another strategy.
#[test]
fn no_strategy_imports_another() {
    const STRATEGIES: [&str; 8] = [
        "dua", "eager", "getdents", "ignore", "jwalk", "rayon", "std_walk", "walkdir",
    ];
    let walk = Path::new(env!("CARGO_MANIFEST_DIR")).join("scanner/src/walk");
    let mut bad = Vec::new();
    for own in STRATEGIES {
        let file = walk.join(format!("{own}.rs"));
        let files = if file.is_file() {
            vec![file]
        } else {
            rust_files(&walk.join(own))
        };
        assert!(!files.is_empty(), "no source for the strategy {own}");
        for f in files {
            let code = code(&f);
            for other in STRATEGIES.iter().filter(|s| **s != own) {
                for path in [format!("super::{other}::"), format!("walk::{other}::")] {
                    if code.contains(&path) {
                        bad.push(format!("{} uses {path}", f.display()));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

//! A set of command rows over a set of fixtures: what `profile`, `gate`
//! and `compare` run for `--cmd` and `--reference`, and the part of a
//! report that holds them ([`CommandRows`]: the rows and their growth).
//!
//! ```
//! use anivault_bench::command::suite::{run_all, Planned, Target};
//! use anivault_bench::command::RowOptions;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("a.mkv"), b"").unwrap();
//! let planned = vec![Planned::run("one=find {root} -name *.mkv".parse().unwrap())];
//! let targets = [Target { fixture: "tmp".into(), root: dir.path().into(), expected: Some(1) }];
//! let opts = RowOptions { runs: 1, warmup: 0, ..RowOptions::default() };
//! let rows = run_all(&planned, &targets, &opts, &mut |_| {}).unwrap();
//! assert_eq!(rows.rows[0].files_found, Some(1));
//! assert!(rows.problems().is_empty());
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::row::{growth, CommandGrowth, CommandRow, CommandStatus};
use super::{measure, CmdTemplate, CommandError, RowOptions};

/// A row to run, or one that cannot run here (and why).
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Run this template, with its own options (records, tree, timeout,
    /// sampling: a baseline's row run again as it was) or the suite's.
    Run(CmdTemplate, Option<RowOptions>),
    /// Shown as skipped on every fixture.
    Skip {
        /// Row name.
        name: String,
        /// The template it would have run.
        template: String,
        /// Why it cannot.
        why: String,
    },
}

impl Planned {
    /// Run `t` with the suite's options.
    pub fn run(t: CmdTemplate) -> Planned {
        Planned::Run(t, None)
    }

    /// The row `r` of a report, to run again as it ran (a skipped row
    /// stays skipped, unless it is a reference row that can run here now).
    ///
    /// A reference row (`python-original`, `python-eager`) runs this
    /// checkout's script, not the path the baseline recorded (a CI clone
    /// lives elsewhere).
    pub fn again(r: &CommandRow) -> Result<Planned, String> {
        let reference = reference_rows().into_iter().find(|p| p.name() == r.name);
        if let CommandStatus::Skipped(why) = &r.status {
            if let Some(p) = reference {
                return Ok(p);
            }
            return Ok(Planned::Skip {
                name: r.name.clone(),
                template: r.template.clone(),
                why: why.clone(),
            });
        }
        let t = match reference {
            Some(Planned::Run(t, _)) => t,
            Some(skip @ Planned::Skip { .. }) => return Ok(skip),
            None => r
                .to_template()
                .map_err(|e| format!("command row '{}': {e}", r.name))?,
        };
        let opts = RowOptions {
            runs: 1,
            warmup: 1,
            records: r.records_mode,
            sample_every: Duration::from_millis(r.sample_ms.max(1)),
            limit_bytes: r.limit_bytes,
            timeout: r.timeout_ms.map(Duration::from_millis),
            tree: r.tree,
        };
        Ok(Planned::Run(t, Some(opts)))
    }

    /// The row name.
    pub fn name(&self) -> &str {
        match self {
            Planned::Run(t, _) => t.name(),
            Planned::Skip { name, .. } => name,
        }
    }
}

/// The reference rows (`--reference`) as planned rows.
pub fn reference_rows() -> Vec<Planned> {
    super::reference::rows()
        .into_iter()
        .map(|r| match r {
            Ok(t) => Planned::run(t),
            Err(s) => Planned::Skip {
                name: s.name.into(),
                template: s.template,
                why: s.why,
            },
        })
        .collect()
}

/// Parses `--cmd` values (with `shell`), adds the reference rows when
/// asked, and refuses a name given twice or one that `taken` says is a
/// row of ours.
pub fn plan(
    values: &[String],
    shell: bool,
    reference: bool,
    taken: &dyn Fn(&str) -> bool,
) -> Result<Vec<Planned>, String> {
    let mut out: Vec<Planned> = Vec::new();
    for v in values {
        let t = CmdTemplate::parse(v, shell).map_err(|e| e.to_string())?;
        out.push(Planned::run(t));
    }
    if reference {
        out.extend(reference_rows());
    }
    for (i, p) in out.iter().enumerate() {
        if out[..i].iter().any(|q| q.name() == p.name()) {
            return Err(format!("--cmd: the row name '{}' is given twice", p.name()));
        }
        if taken(p.name()) {
            return Err(format!(
                "--cmd: '{}' is the name of one of our rows; name the command row otherwise",
                p.name()
            ));
        }
    }
    Ok(out)
}

/// Checks every planned program up front (before fixtures are generated):
/// the first one missing is the error.
pub fn check_programs(planned: &[Planned]) -> Result<(), CommandError> {
    for p in planned {
        if let Planned::Run(t, _) = p {
            super::check_program(t)?;
        }
    }
    Ok(())
}

/// One fixture the rows run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Preset name.
    pub fixture: String,
    /// The tree's root.
    pub root: PathBuf,
    /// Media files its manifest lists.
    pub expected: Option<u64>,
}

/// The command rows of a report and their growth across fixtures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CommandRows {
    /// One row per command × fixture, by fixture, then in command order.
    pub rows: Vec<CommandRow>,
    /// Peak RSS across fixtures and the streaming verdict, per command.
    pub growth: Vec<CommandGrowth>,
}

impl CommandRows {
    /// No command row at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every row's problems (see [`CommandRow::problems`]).
    pub fn problems(&self) -> Vec<String> {
        self.rows.iter().flat_map(CommandRow::problems).collect()
    }

    /// The row `name` on `fixture`.
    pub fn row(&self, name: &str, fixture: &str) -> Option<&CommandRow> {
        self.rows
            .iter()
            .find(|r| r.name == name && r.fixture == fixture)
    }

    /// The growth of row `name`.
    pub fn growth_of(&self, name: &str) -> Option<&CommandGrowth> {
        self.growth.iter().find(|g| g.name == name)
    }
}

/// Runs every planned row on every target (fixture by fixture), then
/// judges their growth. `progress` gets a line before each row. `Err`
/// only when a program cannot be run at all.
pub fn run_all(
    planned: &[Planned],
    targets: &[Target],
    opts: &RowOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<CommandRows, CommandError> {
    let mut rows = Vec::new();
    for t in targets {
        for p in planned {
            match p {
                Planned::Run(tpl, own) => {
                    progress(&format!("{} × {}", t.fixture, tpl.name()));
                    // A row's own options keep the suite's limit.
                    let own = own.as_ref().map(|o| RowOptions {
                        limit_bytes: opts.limit_bytes,
                        ..o.clone()
                    });
                    let o = own.as_ref().unwrap_or(opts);
                    rows.push(measure(tpl, &t.fixture, &t.root, t.expected, o)?);
                }
                Planned::Skip {
                    name,
                    template,
                    why,
                } => rows.push(CommandRow::skipped(
                    name, &t.fixture, template, t.expected, why,
                )),
            }
        }
    }
    let growth = growth(&rows, opts.limit_bytes);
    Ok(CommandRows { rows, growth })
}

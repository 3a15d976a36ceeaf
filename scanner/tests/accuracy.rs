//! Parse accuracy on the anitomy-ng crate's bundled test data: the anitomy
//! (`master` and `develop`) and anitopy cases, copied into `tests/data/`
//! (MPL-2.0, see `tests/data/README.md`).
//!
//! For each case, does the title and the episode (or episodes) agree with
//! the expected values? Counted for [`ParsedMedia::parse`] (ours: our
//! extension classes, language tags, then anitomy-ng) and for the raw
//! `anitomy_ng::parse`; ours must agree at least as often. Cases marked
//! `skip` (they need parser options the crate lacks) and names holding a
//! `/` (which no file name can hold) are left out of both counts.
//!
//! `cargo test -p anivault-scanner --test accuracy -- --nocapture` prints
//! the figures.

use std::path::PathBuf;

use anitomy_ng::{ElementKind, Options};
use anivault_scanner::{EntryKind, Episode, MediaEntry, ParsedMedia};
use serde_json::Value;

const SUITES: &[(&str, &str)] = &[
    ("anitomy_master", include_str!("data/anitomy_master.json")),
    ("anitomy_develop", include_str!("data/anitomy_develop.json")),
    ("anitopy", include_str!("data/anitopy.json")),
];

/// A fixture value (a string or a list of strings) as a list.
fn values(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(other) => vec![other.to_string()],
    }
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    cases: usize,
    title: usize,
    episode: usize,
    both: usize,
}

impl Score {
    fn add(&mut self, title: bool, episode: bool) {
        self.cases += 1;
        self.title += usize::from(title);
        self.episode += usize::from(episode);
        self.both += usize::from(title && episode);
    }

    fn pct(n: usize, of: usize) -> f64 {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    }

    fn line(&self, who: &str) -> String {
        format!(
            "{who:<6} title {:>3}/{} ({:5.1}%)  episode {:>3}/{} ({:5.1}%)  both {:>3}/{} ({:5.1}%)",
            self.title,
            self.cases,
            Self::pct(self.title, self.cases),
            self.episode,
            self.cases,
            Self::pct(self.episode, self.cases),
            self.both,
            self.cases,
            Self::pct(self.both, self.cases),
        )
    }
}

fn ours(input: &str) -> (Vec<String>, Vec<String>) {
    // Depth 0: the name alone, no folder to borrow from.
    let p = ParsedMedia::parse(MediaEntry::new(PathBuf::from(input), 0, EntryKind::File));
    let title = p.title.into_iter().collect();
    let episode = match p.episode {
        None => Vec::new(),
        Some(Episode::Single(e)) => vec![e],
        Some(Episode::Range(a, b)) => vec![a, b],
    };
    (title, episode)
}

fn crate_raw(input: &str) -> (Vec<String>, Vec<String>) {
    let mut title = Vec::new();
    let mut episode = Vec::new();
    for e in anitomy_ng::parse(input, Options::default()) {
        match e.kind {
            ElementKind::Title => title.push(e.value),
            ElementKind::Episode => episode.push(e.value),
            _ => {}
        }
    }
    (title, episode)
}

#[test]
fn ours_agree_at_least_as_often_as_the_crate() {
    let mut total_ours = Score::default();
    let mut total_raw = Score::default();
    let mut report = Vec::new();
    let mut worse = Vec::new();
    for (name, data) in SUITES {
        let cases: Vec<Value> = serde_json::from_str(data).expect("fixture JSON");
        let mut s_ours = Score::default();
        let mut s_raw = Score::default();
        for case in &cases {
            if case.get("skip").is_some_and(|s| !s.is_null()) {
                continue;
            }
            let Some(input) = case.get("input").and_then(Value::as_str) else {
                continue;
            };
            if input.contains('/') {
                continue;
            }
            let out = case.get("output");
            let want_title = values(out.and_then(|o| o.get("title")));
            let want_episode = values(out.and_then(|o| o.get("episode")));
            let (ot, oe) = ours(input);
            let (rt, re) = crate_raw(input);
            s_ours.add(ot == want_title, oe == want_episode);
            s_raw.add(rt == want_title, re == want_episode);
            if (ot != want_title && rt == want_title) || (oe != want_episode && re == want_episode)
            {
                worse.push(format!(
                    "[{name}] {input:?}: want {want_title:?} {want_episode:?}, ours {ot:?} {oe:?}, crate {rt:?} {re:?}"
                ));
            }
        }
        report.push(format!("{name} ({} cases)", s_ours.cases));
        report.push(format!("  {}", s_ours.line("ours")));
        report.push(format!("  {}", s_raw.line("crate")));
        for (t, s) in [(&mut total_ours, s_ours), (&mut total_raw, s_raw)] {
            t.cases += s.cases;
            t.title += s.title;
            t.episode += s.episode;
            t.both += s.both;
        }
        assert!(
            s_ours.title >= s_raw.title && s_ours.episode >= s_raw.episode,
            "[{name}] ours agree less often than the crate:\n{}\n{}",
            report.join("\n"),
            worse.join("\n")
        );
    }
    report.push(format!("all ({} cases)", total_ours.cases));
    report.push(format!("  {}", total_ours.line("ours")));
    report.push(format!("  {}", total_raw.line("crate")));
    println!("{}", report.join("\n"));
    if !worse.is_empty() {
        println!(
            "cases where ours disagree and the crate agrees:\n{}",
            worse.join("\n")
        );
    }
    assert!(total_ours.cases > 500, "the fixtures did not load");
}

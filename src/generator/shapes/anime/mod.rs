//! The `anime` shape: a library of series in the layouts people really have.
//!
//! * fansub: `[Group] Title (Year) [BD 1080p]/[Group] Title - 05 [1080p][ABCD1234].mkv`,
//!   batch folders `[Group] Title (01-12) [1080p] [Batch]`, `05v2` versions,
//!   sidecars (`.ass`, `.srt`, `.en.ass` + `.en.forced.ass`, `.mka`),
//!   `Fonts/`, `Extras/`/`SPs/`/`NC/` (NCOP, NCED, PV, CM, Menu), artwork,
//!   `.nfo`, `.sfv`; later seasons as `[Group] Title S2 ...` folders;
//! * scene: `Title.S01.1080p.WEB-DL.x265-GRP/Title.S01E05.1080p.WEB-DL.x265-GRP.mkv`
//!   with `.nfo`, `.sfv` and `Sample/`;
//! * Jellyfin: `Title (Year)/Season 01/Title S01E05.mkv`, `Season 00`
//!   specials, `tvshow.nfo`, `poster.jpg`, per-episode `.nfo` and
//!   `-thumb.jpg`, `extras/`;
//! * movies (fansub or Jellyfin naming) and loose episodes in the root.
//!
//! Planning is sequential and cheap: one "skeleton" per series (title,
//! style, counts of everything), drawn from its own stream of the PRNG,
//! until the requested number of files is reached exactly (the last series
//! is cut to fit). Expansion (names, CRC tags, versions, sizes) runs in
//! parallel, one unit per series, each from its own stream, so the result
//! does not depend on scheduling.
//!
//! Files, imports going one way: `series.rs` is the skeleton (the
//! `Series` type and the draw helpers) and imports no other file here;
//! `parts.rs` holds the pieces several styles share (sidecars, fonts,
//! artwork, sizes); one file per naming style (`fansub.rs`, `scene.rs`,
//! `jellyfin.rs`, `movie.rs`, and `loose.rs`, which borrows fansub's
//! episode stem) draws its part of the skeleton (`draw`), counts its files
//! (`file_count`) and names them (`emit`); this one plans and holds every
//! dispatch on the style (`Series::random`, `Series::file_count`,
//! `emit_series`). A new style is a new file with those three functions, a
//! [`series::Style`] variant and an arm in each of the three dispatches.

mod fansub;
mod jellyfin;
mod loose;
mod movie;
mod parts;
mod scene;
mod series;

use std::collections::HashSet;

use crate::generator::names::anime::{dotted, make_title, shorten, TitleKind, FANSUB_QUALITIES};
use crate::generator::names::words;
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};
use crate::generator::spec::Spec;

use series::{weights, Series, Style};

const KEY: u64 = 0x0061_6e69_6d65; // "anime"
const SKELETON: u64 = 1;
const EXPAND: u64 = 2;

/// Longest file name most file systems take, in bytes.
pub(crate) const NAME_MAX: usize = 255;

/// The plan of an anime library.
pub(crate) struct AnimePlan {
    seed: u64,
    series: Vec<Series>,
}

/// Normalised key for title uniqueness: letters and digits, lower case (so
/// `Knight's Tale!` and `knights tale` are the same title).
fn title_key(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl AnimePlan {
    /// Plans series until the spec's file count is reached exactly.
    pub fn new(spec: &Spec) -> AnimePlan {
        let seed = spec.seed;
        let mut remaining = spec.files;
        let mut used: HashSet<String> = HashSet::new();
        let mut series = Vec::new();
        let mut index = 0u64;
        let limit = (spec.files / 25).max(26);
        while remaining > 0 {
            let mut rng = Rng::derive(seed, &[KEY, SKELETON, index]);
            let mut attempt = 0u32;
            let s = loop {
                let (mut title, kind) = make_title(&mut rng);
                if attempt >= 32 {
                    // Practically never: make it unique by adding words.
                    for _ in 0..(attempt - 30) {
                        title.push(' ');
                        let word = words().romaji[rng.index(words().romaji.len())];
                        title.push_str(word);
                    }
                }
                let mut s = Series::random(&mut rng, title, kind);
                // Small libraries do not hold a 220-episode long runner:
                // redraw a series larger than 4% of the library.
                let mut redraws = 0;
                while s.file_count() > limit && redraws < 16 {
                    let (t, k) = (s.title.clone(), s.kind);
                    s = Series::random(&mut rng, t, k);
                    redraws += 1;
                }
                if s.file_count() > remaining {
                    let (t, k) = (s.title.clone(), s.kind);
                    s = Series::loose_fit(&mut rng, t, k, remaining);
                }
                fit_names(&mut s, seed, index);
                if used.insert(title_key(&s.title)) {
                    break s;
                }
                attempt += 1;
            };
            remaining -= s.file_count().min(remaining);
            series.push(s);
            index += 1;
        }
        AnimePlan { seed, series }
    }

    /// Units of work: one per series.
    pub fn units(&self) -> usize {
        self.series.len()
    }

    /// Expands series `unit` into `sink`.
    pub fn emit<S: Sink>(&self, unit: usize, sink: &mut S) -> Emit {
        let Some(s) = self.series.get(unit) else {
            return Ok(());
        };
        emit_series(s, self.seed, unit as u64, sink)
    }
}

/// Shortens the title until every name of the series fits in
/// [`NAME_MAX`] bytes (long titles end up just under the limit).
fn fit_names(s: &mut Series, seed: u64, index: u64) {
    if s.title.len() < 90 {
        return;
    }
    loop {
        let mut probe = LongestName::default();
        // A probe never fails.
        let _ = emit_series(s, seed, index, &mut probe);
        if probe.longest <= NAME_MAX {
            return;
        }
        if !shorten(&mut s.title, s.kind.is_cjk()) {
            return;
        }
        if s.style == Style::Scene {
            s.dotted = dotted(&s.title);
        }
    }
}

/// A sink that only measures the longest name.
#[derive(Default)]
struct LongestName {
    longest: usize,
}

impl Sink for LongestName {
    fn begin_unit(&mut self) {}
    fn enter(&mut self, name: &[u8]) -> Emit {
        self.longest = self.longest.max(name.len());
        Ok(())
    }
    fn leave(&mut self) -> Emit {
        Ok(())
    }
    fn file(&mut self, name: &[u8], _size: u64) -> Emit {
        self.longest = self.longest.max(name.len());
        Ok(())
    }
    fn symlink(&mut self, name: &[u8], _target: &[u8]) -> Emit {
        self.longest = self.longest.max(name.len());
        Ok(())
    }
    fn fifo(&mut self, name: &[u8]) -> Emit {
        self.longest = self.longest.max(name.len());
        Ok(())
    }
}

fn emit_series<S: Sink>(s: &Series, seed: u64, index: u64, sink: &mut S) -> Emit {
    let mut rng = Rng::derive(seed, &[KEY, EXPAND, index]);
    let mut buf = Vec::with_capacity(300);
    match s.style {
        Style::Fansub => fansub::emit(s, &mut rng, sink, &mut buf),
        Style::Scene => scene::emit(s, &mut rng, sink, &mut buf),
        Style::Jellyfin => jellyfin::emit(s, &mut rng, sink, &mut buf),
        Style::Movie => movie::emit(s, &mut rng, sink, &mut buf),
        Style::Loose => loose::emit(s, &mut rng, sink, &mut buf),
    }
}

const STYLE_WEIGHTS: [(Style, u32); 5] = [
    (Style::Fansub, 44),
    (Style::Scene, 14),
    (Style::Jellyfin, 30),
    (Style::Movie, 5),
    (Style::Loose, 7),
];

/// The skeleton's constructors and its file count: they dispatch to the
/// style files (`draw`, `file_count`), so they live here, above them.
impl Series {
    fn random(rng: &mut Rng, title: String, kind: TitleKind) -> Series {
        let style = match kind {
            TitleKind::Cjk | TitleKind::Long => {
                [Style::Fansub, Style::Jellyfin, Style::Movie, Style::Loose]
                    [rng.weighted(&[60, 30, 5, 5])]
            }
            _ => STYLE_WEIGHTS[rng.weighted(&weights(&STYLE_WEIGHTS))].0,
        };
        let year = 1996 + rng.below(30).max(rng.below(30)) as u16;
        let mut s = Series {
            style,
            dotted: String::new(),
            title,
            kind,
            year,
            group: "",
            quality: 0,
            naming: 0,
            folder_naming: 0,
            seasons: Vec::new(),
            specials: 0,
            subs: &[],
            mka: false,
            fonts: 0,
            font_start: 0,
            extras: 0,
            extras_dir: 0,
            art: 0,
            theme: false,
            nfo: false,
            sfv: false,
            junk: None,
            ep_nfo: false,
            ep_thumb: false,
            sample: false,
            movie_fansub: false,
        };
        match style {
            Style::Fansub => fansub::draw(&mut s, rng),
            Style::Scene => scene::draw(&mut s, rng),
            Style::Jellyfin => jellyfin::draw(&mut s, rng),
            Style::Movie => movie::draw(&mut s, rng),
            Style::Loose => loose::draw(&mut s, rng),
        }
        s
    }

    /// A series of exactly `files` loose episodes (the last one, cut to
    /// fit the requested total).
    fn loose_fit(rng: &mut Rng, title: String, kind: TitleKind, files: u64) -> Series {
        let mut s = Series::random(rng, title, kind);
        s.style = Style::Loose;
        s.group = *rng.pick(&words().fansub_groups);
        s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
        s.seasons = vec![files.min(u16::MAX as u64) as u16];
        s.subs = &[];
        s.mka = false;
        s.ep_nfo = false;
        s.ep_thumb = false;
        s
    }

    /// Regular files this series makes (mirrors the style's `emit`; a
    /// test checks the two agree).
    fn file_count(&self) -> u64 {
        match self.style {
            Style::Fansub => fansub::file_count(self),
            Style::Scene => scene::file_count(self),
            Style::Jellyfin => jellyfin::file_count(self),
            Style::Movie => movie::file_count(self),
            Style::Loose => loose::file_count(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::sink::DrySink;
    use crate::generator::spec::{Shape, Sizes};

    #[test]
    fn counts_match_expansion_exactly() {
        for (files, seed) in [(1, 0), (7, 1), (200, 2), (5000, 3)] {
            let plan = AnimePlan::new(&Spec::new(Shape::Anime, files).seed(seed));
            let mut total = 0;
            for (i, s) in plan.series.iter().enumerate() {
                let mut sink = DrySink::new(Sizes::Sparse, false, false);
                plan.emit(i, &mut sink).unwrap();
                assert_eq!(sink.tally.counts.files, s.file_count(), "{s:?}");
                total += sink.tally.counts.files;
            }
            assert_eq!(total, files);
        }
    }

    #[test]
    fn names_fit_and_some_are_near_the_limit() {
        let plan = AnimePlan::new(&Spec::new(Shape::Anime, 20_000).seed(5));
        let mut longest = 0;
        for i in 0..plan.units() {
            let mut probe = LongestName::default();
            plan.emit(i, &mut probe).unwrap();
            assert!(probe.longest <= NAME_MAX);
            longest = longest.max(probe.longest);
        }
        assert!(longest >= 230, "longest name {longest}");
    }
}

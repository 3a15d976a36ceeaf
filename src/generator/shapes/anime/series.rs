//! The skeleton of a series: its style and the counts of everything it
//! holds, drawn at planning time (each style draws its own part, in its
//! file). The constructors that call the styles (`Series::random`,
//! `Series::loose_fit`) and `Series::file_count` are in `mod.rs`, so that
//! this file, which every style imports, imports none of them.

use crate::generator::names::anime::{Quality, TitleKind, FANSUB_QUALITIES, SCENE_QUALITIES};
use crate::generator::names::words;
use crate::generator::rng::Rng;

/// How a series is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Fansub,
    Scene,
    Jellyfin,
    Movie,
    Loose,
}

/// Episodes per season (batches of 12 to 26, and some long runners).
const EPISODES: [(u16, u32); 12] = [
    (12, 30),
    (13, 20),
    (24, 10),
    (25, 8),
    (26, 10),
    (10, 5),
    (11, 5),
    (22, 4),
    (50, 4),
    (100, 2),
    (150, 1),
    (220, 1),
];

pub(super) fn weights<T>(table: &[(T, u32)]) -> Vec<u32> {
    table.iter().map(|x| x.1).collect()
}

/// The skeleton of one series: everything that decides how many files it
/// has. Names and sizes are drawn at expansion.
#[derive(Clone, Debug)]
pub(super) struct Series {
    pub(super) style: Style,
    pub(super) title: String,
    pub(super) kind: TitleKind,
    pub(super) dotted: String,
    pub(super) year: u16,
    pub(super) group: &'static str,
    pub(super) quality: usize,
    pub(super) naming: u8,
    pub(super) folder_naming: u8,
    pub(super) seasons: Vec<u16>,
    pub(super) specials: u16,
    pub(super) subs: &'static [&'static str],
    pub(super) mka: bool,
    pub(super) fonts: u16,
    pub(super) font_start: u16,
    pub(super) extras: u16,
    pub(super) extras_dir: u8,
    pub(super) art: u8,
    pub(super) theme: bool,
    pub(super) nfo: bool,
    pub(super) sfv: bool,
    pub(super) junk: Option<u8>,
    pub(super) ep_nfo: bool,
    pub(super) ep_thumb: bool,
    pub(super) sample: bool,
    pub(super) movie_fansub: bool,
}

impl Series {
    pub(super) fn episodes(&self) -> u64 {
        self.seasons.iter().map(|&e| e as u64).sum()
    }

    pub(super) fn per_episode(&self) -> u64 {
        1 + self.subs.len() as u64 + self.mka as u64 + self.ep_nfo as u64 + self.ep_thumb as u64
    }

    /// Files of every episode (the video and its sidecars) of every season.
    pub(super) fn episode_files(&self) -> u64 {
        self.episodes() * self.per_episode()
    }

    pub(super) fn fansub_quality(&self) -> &'static Quality {
        &FANSUB_QUALITIES[self.quality.min(FANSUB_QUALITIES.len() - 1)].0
    }

    pub(super) fn scene_quality(&self) -> &'static Quality {
        &SCENE_QUALITIES[self.quality.min(SCENE_QUALITIES.len() - 1)].0
    }
}

/// How many fonts a release ships: some of those with `.ass` subtitles
/// carry a `Fonts/` folder.
pub(super) fn fonts_for(rng: &mut Rng, subs: &[&str]) -> u16 {
    let ass = subs.iter().any(|s| s.ends_with(".ass"));
    if ass && rng.chance(600) {
        rng.range(3, 20).min(words().fonts.len() as u64) as u16
    } else {
        0
    }
}

/// Seasons (1 + an index drawn from `table`), each with a drawn number
/// of episodes.
pub(super) fn draw_seasons(rng: &mut Rng, table: &[u32]) -> Vec<u16> {
    let n = rng.weighted(table) + 1;
    (0..n)
        .map(|_| EPISODES[rng.weighted(&weights(&EPISODES))].0)
        .collect()
}

/// A bit mask: bit `i` set with probability `per_mille[i]` / 1000.
pub(super) fn draw_bits(rng: &mut Rng, per_mille: &[u32]) -> u8 {
    per_mille
        .iter()
        .enumerate()
        .fold(0u8, |m, (i, &p)| if rng.chance(p) { m | 1 << i } else { m })
}

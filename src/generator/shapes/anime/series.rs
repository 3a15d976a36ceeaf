//! The skeleton of a series: its style and the counts of everything it
//! holds, drawn at planning time.

use crate::generator::names::anime::{
    dotted, Quality, TitleKind, FANSUB_EXTRAS_DIRS, FANSUB_QUALITIES, FANSUB_SUBS, JELLYFIN_SUBS,
    JUNK, SCENE_QUALITIES, SCENE_SUBS,
};
use crate::generator::names::words;
use crate::generator::rng::Rng;

use super::fansub::{FANSUB_NAMING, FOLDER_NAMING};
use super::jellyfin::JF_NAMING;

/// How a series is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Fansub,
    Scene,
    Jellyfin,
    Movie,
    Loose,
}

pub(super) const STYLE_WEIGHTS: [(Style, u32); 5] = [
    (Style::Fansub, 44),
    (Style::Scene, 14),
    (Style::Jellyfin, 30),
    (Style::Movie, 5),
    (Style::Loose, 7),
];

/// Episodes per season (batches of 12 to 26, and some long runners).
pub(super) const EPISODES: [(u16, u32); 12] = [
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
    pub(super) fn random(rng: &mut Rng, title: String, kind: TitleKind) -> Series {
        let w = words();
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
        let n_seasons = |rng: &mut Rng, table: &[u32]| rng.weighted(table) + 1;
        let episodes = |rng: &mut Rng| EPISODES[rng.weighted(&weights(&EPISODES))].0;
        let bits = |rng: &mut Rng, per_mille: &[u32]| {
            per_mille
                .iter()
                .enumerate()
                .fold(0u8, |m, (i, &p)| if rng.chance(p) { m | 1 << i } else { m })
        };
        match style {
            Style::Fansub => {
                s.group = *rng.pick(&w.fansub_groups);
                s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
                s.naming = rng.weighted(&FANSUB_NAMING) as u8;
                s.folder_naming = rng.weighted(&FOLDER_NAMING) as u8;
                let n = n_seasons(rng, &[85, 10, 5]);
                s.seasons = (0..n).map(|_| episodes(rng)).collect();
                s.subs = FANSUB_SUBS[rng.weighted(&weights(&FANSUB_SUBS))].0;
                s.mka = rng.chance(40);
                s.fonts = fonts_for(rng, s.subs);
                s.font_start = rng.index(w.fonts.len()) as u16;
                if rng.chance(300) {
                    s.extras = rng.range(2, 12) as u16;
                    s.extras_dir = rng.index(FANSUB_EXTRAS_DIRS.len()) as u8;
                }
                s.art = bits(rng, &[100, 60]);
                s.nfo = rng.chance(50);
                s.sfv = rng.chance(120);
                s.junk = rng.chance(30).then(|| rng.below(JUNK.len() as u64) as u8);
            }
            Style::Scene => {
                s.dotted = dotted(&s.title);
                s.group = *rng.pick(&w.scene_groups);
                s.quality = rng.weighted(&weights(&SCENE_QUALITIES));
                let n = n_seasons(rng, &[70, 20, 10]);
                s.seasons = (0..n).map(|_| episodes(rng)).collect();
                s.subs = SCENE_SUBS[rng.weighted(&weights(&SCENE_SUBS))].0;
                s.nfo = rng.chance(900);
                s.sfv = rng.chance(850);
                s.sample = rng.chance(350);
            }
            Style::Jellyfin => {
                s.naming = rng.weighted(&JF_NAMING) as u8;
                let n = n_seasons(rng, &[50, 25, 15, 10]);
                s.seasons = (0..n).map(|_| episodes(rng)).collect();
                if rng.chance(150) {
                    s.specials = rng.range(1, 6) as u16;
                }
                s.subs = JELLYFIN_SUBS[rng.weighted(&weights(&JELLYFIN_SUBS))].0;
                if rng.chance(100) {
                    s.extras = rng.range(1, 6) as u16;
                }
                s.art = bits(rng, &[750, 550, 200, 250, 100, 100]);
                s.theme = rng.chance(50);
                s.nfo = rng.chance(700);
                s.ep_nfo = rng.chance(350);
                s.ep_thumb = rng.chance(300);
                s.junk = rng.chance(20).then(|| rng.below(JUNK.len() as u64) as u8);
            }
            Style::Movie => {
                s.movie_fansub = rng.chance(600);
                s.seasons = vec![1];
                if s.movie_fansub {
                    s.group = *rng.pick(&w.fansub_groups);
                    s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
                    s.subs = FANSUB_SUBS[rng.weighted(&weights(&FANSUB_SUBS))].0;
                    s.fonts = fonts_for(rng, s.subs);
                    s.font_start = rng.index(w.fonts.len()) as u16;
                    s.art = bits(rng, &[200, 0]);
                } else {
                    s.subs = JELLYFIN_SUBS[rng.weighted(&weights(&JELLYFIN_SUBS))].0;
                    s.art = bits(rng, &[700, 400]);
                }
                s.nfo = rng.chance(400);
            }
            Style::Loose => {
                s.group = *rng.pick(&w.fansub_groups);
                s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
                s.seasons = vec![rng.range(1, 12) as u16];
            }
        }
        s
    }

    /// A series of exactly `files` loose episodes (the last one, cut to
    /// fit the requested total).
    pub(super) fn loose_fit(rng: &mut Rng, title: String, kind: TitleKind, files: u64) -> Series {
        let mut s = Series::random(rng, title, kind);
        let w = words();
        s.style = Style::Loose;
        s.group = *rng.pick(&w.fansub_groups);
        s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
        s.seasons = vec![files.min(u16::MAX as u64) as u16];
        s.subs = &[];
        s.mka = false;
        s.ep_nfo = false;
        s.ep_thumb = false;
        s
    }

    pub(super) fn episodes(&self) -> u64 {
        self.seasons.iter().map(|&e| e as u64).sum()
    }

    pub(super) fn per_episode(&self) -> u64 {
        1 + self.subs.len() as u64 + self.mka as u64 + self.ep_nfo as u64 + self.ep_thumb as u64
    }

    /// Regular files this series makes (mirrors `emit_*`; a test checks
    /// the two agree).
    pub(super) fn file_count(&self) -> u64 {
        let art = self.art.count_ones() as u64;
        let seasons = self.seasons.len() as u64;
        match self.style {
            Style::Fansub => {
                self.episodes() * self.per_episode()
                    + self.fonts as u64
                    + self.extras as u64
                    + art
                    + self.nfo as u64
                    + seasons * (self.sfv as u64 + self.junk.is_some() as u64)
            }
            Style::Scene => {
                self.episodes() * self.per_episode()
                    + seasons * (self.nfo as u64 + self.sfv as u64 + self.sample as u64)
            }
            Style::Jellyfin => {
                (self.episodes() + self.specials as u64) * self.per_episode()
                    + self.extras as u64
                    + art
                    + self.nfo as u64
                    + self.theme as u64
                    + self.junk.is_some() as u64
            }
            Style::Movie => self.per_episode() + self.fonts as u64 + art + self.nfo as u64,
            Style::Loose => self.episodes() * self.per_episode(),
        }
    }

    pub(super) fn fansub_quality(&self) -> &'static Quality {
        &FANSUB_QUALITIES[self.quality.min(FANSUB_QUALITIES.len() - 1)].0
    }

    pub(super) fn scene_quality(&self) -> &'static Quality {
        &SCENE_QUALITIES[self.quality.min(SCENE_QUALITIES.len() - 1)].0
    }
}

pub(super) fn fonts_for(rng: &mut Rng, subs: &[&str]) -> u16 {
    let ass = subs.iter().any(|s| s.ends_with(".ass"));
    if ass && rng.chance(600) {
        rng.range(3, 20).min(words().fonts.len() as u64) as u16
    } else {
        0
    }
}

//! Jellyfin libraries: `Title (Year)/Season 01/Title S01E05.mkv`,
//! `Season 00` specials, `tvshow.nfo`, artwork, per-episode `.nfo` and
//! `-thumb.jpg`, `extras/`.

use crate::generator::names::anime::{EXTRA_KINDS, JELLYFIN_ART, JELLYFIN_SUBS, MIB};
use crate::generator::names::push_num;
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{
    art, draw_junk, episode_size, junk, named_file, put, sidecars, title_year, width, with_suffix,
};
use super::series::{draw_bits, draw_seasons, weights, Series};

/// Jellyfin episode naming.
// 0: T S01E05
const JF_DASH: u8 = 1; // T - S01E05
const JF_YEAR: u8 = 2; // T (2019) - S01E05
const JF_NAMING: [u32; 3] = [50, 35, 15];

/// Draws the Jellyfin part of a series' skeleton.
pub(super) fn draw(s: &mut Series, rng: &mut Rng) {
    s.naming = rng.weighted(&JF_NAMING) as u8;
    s.seasons = draw_seasons(rng, &[50, 25, 15, 10]);
    if rng.chance(150) {
        s.specials = rng.range(1, 6) as u16;
    }
    s.subs = JELLYFIN_SUBS[rng.weighted(&weights(&JELLYFIN_SUBS))].0;
    if rng.chance(100) {
        s.extras = rng.range(1, 6) as u16;
    }
    s.art = draw_bits(rng, &[750, 550, 200, 250, 100, 100]);
    s.theme = rng.chance(50);
    s.nfo = rng.chance(700);
    s.ep_nfo = rng.chance(350);
    s.ep_thumb = rng.chance(300);
    s.junk = draw_junk(rng, 20);
}

/// Regular files [`emit`] makes.
pub(super) fn file_count(s: &Series) -> u64 {
    s.episode_files()
        + s.specials as u64 * s.per_episode()
        + s.extras as u64
        + s.art.count_ones() as u64
        + s.nfo as u64
        + s.theme as u64
        + s.junk.is_some() as u64
}

/// `Title S01E05`, `Title - S01E05` or `Title (2019) - S01E05`.
fn stem(buf: &mut Vec<u8>, s: &Series, season: u64, ep: u64, w: usize) {
    buf.clear();
    put(buf, &s.title);
    match s.naming {
        JF_DASH => put(buf, " - S"),
        JF_YEAR => {
            put(buf, " (");
            push_num(buf, s.year as u64, 4);
            put(buf, ") - S");
        }
        _ => put(buf, " S"),
    }
    push_num(buf, season, 2);
    buf.push(b'E');
    push_num(buf, ep, w);
}

/// Emits the series: its folder, artwork, `Season NN` folders (`Season 00`
/// for specials) and `extras/`.
pub(super) fn emit<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    buf.clear();
    title_year(buf, s);
    sink.enter(buf)?;
    art(s, &JELLYFIN_ART, rng, sink)?;
    if s.nfo {
        named_file(rng, sink, "tvshow.nfo")?;
    }
    if s.theme {
        named_file(rng, sink, "theme.mp3")?;
    }
    junk(s, rng, sink)?;
    let mut dir = Vec::with_capacity(16);
    let seasons = s
        .seasons
        .iter()
        .enumerate()
        .map(|(i, &e)| (i as u64 + 1, e));
    let specials = (s.specials > 0).then_some((0u64, s.specials));
    for (season, eps) in seasons.chain(specials) {
        let eps = eps as u64;
        dir.clear();
        put(&mut dir, "Season ");
        push_num(&mut dir, season, 2);
        sink.enter(&dir)?;
        let w = width(eps);
        for ep in 1..=eps {
            stem(buf, s, season, ep, w);
            let stem = buf.len();
            let size = episode_size(rng, (300, 4000));
            sink.file(with_suffix(buf, stem, ".mkv"), size)?;
            sink.episode(&s.title, season as u32, ep as u32);
            sidecars(s, rng, sink, buf, stem)?;
        }
        sink.leave()?;
    }
    if s.extras > 0 {
        sink.enter(b"extras")?;
        for i in 0..s.extras as usize {
            let kind = EXTRA_KINDS[i % EXTRA_KINDS.len()];
            buf.clear();
            put(buf, kind);
            buf.push(b' ');
            push_num(buf, (i / EXTRA_KINDS.len()) as u64 + 1, 1);
            put(buf, ".mkv");
            let size = rng.range(10, 250) * MIB;
            sink.file(buf, size)?;
        }
        sink.leave()?;
    }
    sink.leave()
}

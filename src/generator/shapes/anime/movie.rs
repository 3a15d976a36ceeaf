//! Movies, in fansub or Jellyfin naming: `[Group] Title (Year) [BD
//! 1080p]/[Group] Title (Year) [BD 1080p][ABCD1234].mkv` or `Title
//! (Year)/Title (Year).mkv`, with sidecars, fonts, artwork and `movie.nfo`.

use crate::generator::names::anime::{
    FANSUB_ART, FANSUB_QUALITIES, FANSUB_SUBS, JELLYFIN_ART, JELLYFIN_SUBS,
};
use crate::generator::names::{push_hex8, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{art, episode_size, fonts, named_file, put, sidecars, title_year, with_suffix};
use super::series::{draw_bits, fonts_for, weights, Series};

/// Draws the movie part of a series' skeleton.
pub(super) fn draw(s: &mut Series, rng: &mut Rng) {
    s.movie_fansub = rng.chance(600);
    s.seasons = vec![1];
    if s.movie_fansub {
        let w = words();
        s.group = *rng.pick(&w.fansub_groups);
        s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
        s.subs = FANSUB_SUBS[rng.weighted(&weights(&FANSUB_SUBS))].0;
        s.fonts = fonts_for(rng, s.subs);
        s.font_start = rng.index(w.fonts.len()) as u16;
        s.art = draw_bits(rng, &[200, 0]);
    } else {
        s.subs = JELLYFIN_SUBS[rng.weighted(&weights(&JELLYFIN_SUBS))].0;
        s.art = draw_bits(rng, &[700, 400]);
    }
    s.nfo = rng.chance(400);
}

/// Regular files [`emit`] makes.
pub(super) fn file_count(s: &Series) -> u64 {
    s.per_episode() + s.fonts as u64 + s.art.count_ones() as u64 + s.nfo as u64
}

/// Emits the movie's folder: the film, its sidecars, fonts, artwork and
/// `movie.nfo`.
pub(super) fn emit<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    let q = s.fansub_quality();
    buf.clear();
    if s.movie_fansub {
        buf.push(b'[');
        put(buf, s.group);
        put(buf, "] ");
    }
    title_year(buf, s);
    let base = buf.len();
    if s.movie_fansub {
        put(buf, " [");
        put(buf, q.folder);
        buf.push(b']');
    }
    sink.enter(buf)?;
    buf.truncate(base);
    if s.movie_fansub {
        put(buf, " [");
        put(buf, q.episode);
        put(buf, "][");
        push_hex8(buf, rng.next_u64());
        buf.push(b']');
    }
    let stem = buf.len();
    let size = episode_size(rng, (2 * 1024, 25 * 1024));
    sink.file(with_suffix(buf, stem, ".mkv"), size)?;
    sidecars(s, rng, sink, buf, stem)?;
    fonts(s, rng, sink)?;
    let names: &[&str] = if s.movie_fansub {
        &FANSUB_ART
    } else {
        &JELLYFIN_ART
    };
    art(s, names, rng, sink)?;
    if s.nfo {
        named_file(rng, sink, "movie.nfo")?;
    }
    sink.leave()
}

//! Jellyfin libraries: `Title (Year)/Season 01/Title S01E05.mkv`,
//! `Season 00` specials, `tvshow.nfo`, artwork, per-episode `.nfo` and
//! `-thumb.jpg`, `extras/`.

use crate::generator::names::anime::{sidecar_size, EXTRA_KINDS, JELLYFIN_ART, JUNK, MIB};
use crate::generator::names::push_num;
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{put, sidecars, width, with_suffix};
use super::series::Series;

/// Jellyfin episode naming.
// 0: T S01E05
pub(super) const JF_DASH: u8 = 1; // T - S01E05
pub(super) const JF_YEAR: u8 = 2; // T (2019) - S01E05
pub(super) const JF_NAMING: [u32; 3] = [50, 35, 15];
pub(super) fn jellyfin_stem(buf: &mut Vec<u8>, s: &Series, season: u64, ep: u64, w: usize) {
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

pub(super) fn emit_jellyfin<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
) -> Emit {
    buf.clear();
    put(buf, &s.title);
    put(buf, " (");
    push_num(buf, s.year as u64, 4);
    buf.push(b')');
    sink.enter(buf)?;
    for (i, name) in JELLYFIN_ART.iter().enumerate() {
        if s.art & (1 << i) != 0 {
            let size = sidecar_size(rng, name.as_bytes());
            sink.file(name.as_bytes(), size)?;
        }
    }
    if s.nfo {
        let size = sidecar_size(rng, b".nfo");
        sink.file(b"tvshow.nfo", size)?;
    }
    if s.theme {
        let size = sidecar_size(rng, b".mp3");
        sink.file(b"theme.mp3", size)?;
    }
    if let Some(j) = s.junk {
        let name = JUNK[j as usize % JUNK.len()];
        let size = sidecar_size(rng, name.as_bytes());
        sink.file(name.as_bytes(), size)?;
    }
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
            jellyfin_stem(buf, s, season, ep, w);
            let stem = buf.len();
            let size = rng.range(300, 4000) * MIB + rng.below(MIB);
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

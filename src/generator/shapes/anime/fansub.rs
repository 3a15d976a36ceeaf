//! Fansub releases: `[Group] Title (Year) [BD 1080p]/[Group] Title - 05
//! [1080p][ABCD1234].mkv`, batch folders, `v2` versions, sidecars,
//! `Fonts/`, extras, artwork, `.nfo`, `.sfv`.

use crate::generator::names::anime::{
    sidecar_size, EXTRA_KINDS, FANSUB_ART, FANSUB_EXTRAS_DIRS, FANSUB_QUALITIES, FANSUB_SUBS, MIB,
};
use crate::generator::names::{push_hex8, push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{
    art, draw_junk, episode_size, fonts, joined, junk, put, sidecars, width, with_suffix,
};
use super::series::{draw_bits, draw_seasons, fonts_for, weights, Series};

/// Fansub episode naming.
// 0: [G] T - 05 [1080p][CRC]
pub(super) const FANSUB_PAREN: u8 = 1; // [G] T - 05 (1080p) [CRC]
const FANSUB_ERAI: u8 = 2; // [G] T - 05 [1080p][Multiple Subtitle][CRC]
const FANSUB_UNDERSCORE: u8 = 3; // [G]_T_-_05_[1080p][CRC]
const FANSUB_NAMING: [u32; 4] = [45, 30, 15, 10];

/// Fansub folder naming.
// 0: [G] T (2019) [BD 1080p]
const FOLDER_BATCH: u8 = 1; // [G] T (01-12) [1080p] [Batch]
const FOLDER_PLAIN: u8 = 2; // [G] T [1080p]
const FOLDER_DUAL: u8 = 3; // [G] T (2019) [BD 1080p] [Dual Audio]
const FOLDER_NAMING: [u32; 4] = [45, 30, 15, 10];

/// Draws the fansub part of a series' skeleton.
pub(super) fn draw(s: &mut Series, rng: &mut Rng) {
    let w = words();
    s.group = *rng.pick(&w.fansub_groups);
    s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
    s.naming = rng.weighted(&FANSUB_NAMING) as u8;
    s.folder_naming = rng.weighted(&FOLDER_NAMING) as u8;
    s.seasons = draw_seasons(rng, &[85, 10, 5]);
    s.subs = FANSUB_SUBS[rng.weighted(&weights(&FANSUB_SUBS))].0;
    s.mka = rng.chance(40);
    s.fonts = fonts_for(rng, s.subs);
    s.font_start = rng.index(w.fonts.len()) as u16;
    if rng.chance(300) {
        s.extras = rng.range(2, 12) as u16;
        s.extras_dir = rng.index(FANSUB_EXTRAS_DIRS.len()) as u8;
    }
    s.art = draw_bits(rng, &[100, 60]);
    s.nfo = rng.chance(50);
    s.sfv = rng.chance(120);
    s.junk = draw_junk(rng, 30);
}

/// Regular files [`emit`] makes.
pub(super) fn file_count(s: &Series) -> u64 {
    let seasons = s.seasons.len() as u64;
    s.episode_files()
        + s.fonts as u64
        + s.extras as u64
        + s.art.count_ones() as u64
        + s.nfo as u64
        + seasons * (s.sfv as u64 + s.junk.is_some() as u64)
}

/// `[Group] Title S2` (the season only from the second on).
fn head(buf: &mut Vec<u8>, s: &Series, season: u32) {
    buf.clear();
    buf.push(b'[');
    put(buf, s.group);
    put(buf, "] ");
    put(buf, &s.title);
    if season > 1 {
        put(buf, " S");
        push_num(buf, season as u64, 1);
    }
}

/// `[Group] Title S2 - 05v2 [1080p][ABCD1234]` (without extension).
pub(super) fn stem(buf: &mut Vec<u8>, s: &Series, naming: u8, season: u32, label: &[u8], crc: u64) {
    let tag = s.fansub_quality().episode;
    head(buf, s, season);
    put(buf, " - ");
    buf.extend_from_slice(label);
    match naming {
        FANSUB_PAREN => {
            put(buf, " (");
            put(buf, tag);
            put(buf, ") [");
        }
        FANSUB_ERAI => {
            put(buf, " [");
            put(buf, tag);
            put(buf, "][Multiple Subtitle][");
        }
        _ => {
            put(buf, " [");
            put(buf, tag);
            put(buf, "][");
        }
    }
    push_hex8(buf, crc);
    buf.push(b']');
    if naming == FANSUB_UNDERSCORE {
        for b in buf.iter_mut() {
            if *b == b' ' {
                *b = b'_';
            }
        }
    }
}

/// The folder of season `si` (0-based) with `eps` episodes.
fn folder(buf: &mut Vec<u8>, s: &Series, si: usize, eps: u64) {
    let q = s.fansub_quality();
    head(buf, s, si as u32 + 1);
    match s.folder_naming {
        FOLDER_BATCH => {
            put(buf, " (01-");
            push_num(buf, eps, 2);
            put(buf, ") [");
            put(buf, q.folder);
            put(buf, "] [Batch]");
        }
        FOLDER_PLAIN => {
            put(buf, " [");
            put(buf, q.folder);
            buf.push(b']');
        }
        f => {
            put(buf, " (");
            push_num(buf, s.year as u64 + si as u64, 4);
            put(buf, ") [");
            put(buf, q.folder);
            buf.push(b']');
            if f == FOLDER_DUAL {
                put(buf, " [Dual Audio]");
            }
        }
    }
}

/// The extras folder (NCOP1, NCED1, PV1, CM01, Menu01 ...) of the first
/// season, when the series has one.
fn extras<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    if s.extras == 0 {
        return Ok(());
    }
    let dir = FANSUB_EXTRAS_DIRS[s.extras_dir as usize % FANSUB_EXTRAS_DIRS.len()];
    sink.enter(dir.as_bytes())?;
    let mut label = Vec::with_capacity(16);
    for i in 0..s.extras as usize {
        let kind = EXTRA_KINDS[i % EXTRA_KINDS.len()];
        let n = (i / EXTRA_KINDS.len()) as u64 + 1;
        label.clear();
        label.extend_from_slice(kind.as_bytes());
        push_num(&mut label, n, if kind.len() <= 2 { 2 } else { 1 });
        stem(buf, s, s.naming, 1, &label, rng.next_u64());
        let stem = buf.len();
        let size = match kind {
            "NCOP" | "NCED" => rng.range(40, 250) * MIB,
            "Menu" => rng.range(5, 40) * MIB,
            _ => rng.range(10, 120) * MIB,
        } + rng.below(MIB);
        sink.file(with_suffix(buf, stem, ".mkv"), size)?;
    }
    sink.leave()
}

/// Emits the series: one folder per season.
pub(super) fn emit<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    let q = s.fansub_quality();
    let mut label = Vec::with_capacity(16);
    for (si, &eps) in s.seasons.iter().enumerate() {
        let season = si as u32 + 1;
        let eps = eps as u64;
        folder(buf, s, si, eps);
        let folder = buf.clone();
        sink.enter(&folder)?;
        let w = width(eps);
        for ep in 1..=eps {
            label.clear();
            push_num(&mut label, ep, w);
            if rng.chance(50) {
                label.extend_from_slice(b"v2");
            }
            stem(buf, s, s.naming, season, &label, rng.next_u64());
            let stem = buf.len();
            let size = episode_size(rng, q.mib);
            sink.file(with_suffix(buf, stem, ".mkv"), size)?;
            sink.episode(&s.title, season, ep as u32);
            sidecars(s, rng, sink, buf, stem)?;
        }
        if si == 0 {
            fonts(s, rng, sink)?;
            extras(s, rng, sink, buf)?;
            art(s, &FANSUB_ART, rng, sink)?;
            if s.nfo {
                let size = sidecar_size(rng, b".nfo");
                sink.file(joined(buf, &folder, ".nfo"), size)?;
            }
        }
        if s.sfv {
            sink.file(joined(buf, &folder, ".sfv"), 200 + 60 * eps)?;
        }
        junk(s, rng, sink)?;
        sink.leave()?;
    }
    Ok(())
}

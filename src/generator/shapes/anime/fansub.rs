//! Fansub releases: `[Group] Title (Year) [BD 1080p]/[Group] Title - 05
//! [1080p][ABCD1234].mkv`, batch folders, `v2` versions, sidecars,
//! `Fonts/`, extras, artwork, `.nfo`, `.sfv`.

use crate::generator::names::anime::{
    sidecar_size, EXTRA_KINDS, FANSUB_ART, FANSUB_EXTRAS_DIRS, JUNK, MIB,
};
use crate::generator::names::{push_hex8, push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{episode_size, put, sidecars, width, with_suffix};
use super::series::Series;

/// Fansub episode naming.
// 0: [G] T - 05 [1080p][CRC]
pub(super) const FANSUB_PAREN: u8 = 1; // [G] T - 05 (1080p) [CRC]
pub(super) const FANSUB_ERAI: u8 = 2; // [G] T - 05 [1080p][Multiple Subtitle][CRC]
pub(super) const FANSUB_UNDERSCORE: u8 = 3; // [G]_T_-_05_[1080p][CRC]
pub(super) const FANSUB_NAMING: [u32; 4] = [45, 30, 15, 10];

/// Fansub folder naming.
// 0: [G] T (2019) [BD 1080p]
pub(super) const FOLDER_BATCH: u8 = 1; // [G] T (01-12) [1080p] [Batch]
pub(super) const FOLDER_PLAIN: u8 = 2; // [G] T [1080p]
pub(super) const FOLDER_DUAL: u8 = 3; // [G] T (2019) [BD 1080p] [Dual Audio]
pub(super) const FOLDER_NAMING: [u32; 4] = [45, 30, 15, 10];
/// `[Group] Title S2 - 05v2 [1080p][ABCD1234]` (without extension).
#[allow(clippy::too_many_arguments)]
pub(super) fn fansub_stem(
    buf: &mut Vec<u8>,
    naming: u8,
    group: &str,
    title: &str,
    season: u32,
    label: &[u8],
    tag: &str,
    crc: u64,
) {
    buf.clear();
    buf.push(b'[');
    put(buf, group);
    put(buf, "] ");
    put(buf, title);
    if season > 1 {
        put(buf, " S");
        push_num(buf, season as u64, 1);
    }
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

pub(super) fn emit_fansub<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
) -> Emit {
    let q = s.fansub_quality();
    let mut label = Vec::with_capacity(16);
    for (si, &eps) in s.seasons.iter().enumerate() {
        let season = si as u32 + 1;
        let eps = eps as u64;
        // Folder.
        buf.clear();
        buf.push(b'[');
        put(buf, s.group);
        put(buf, "] ");
        put(buf, &s.title);
        if season > 1 {
            put(buf, " S");
            push_num(buf, season as u64, 1);
        }
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
        let folder_len = buf.len();
        let folder = buf.clone();
        sink.enter(&folder)?;
        let w = width(eps);
        for ep in 1..=eps {
            label.clear();
            push_num(&mut label, ep, w);
            if rng.chance(50) {
                label.extend_from_slice(b"v2");
            }
            let crc = rng.next_u64();
            fansub_stem(
                buf, s.naming, s.group, &s.title, season, &label, q.episode, crc,
            );
            let stem = buf.len();
            let size = episode_size(rng, q.mib);
            sink.file(with_suffix(buf, stem, ".mkv"), size)?;
            sink.episode(&s.title, season, ep as u32);
            sidecars(s, rng, sink, buf, stem)?;
        }
        if si == 0 {
            if s.fonts > 0 {
                sink.enter(b"Fonts")?;
                let fonts = &words().fonts;
                for i in 0..s.fonts as usize {
                    let f = fonts[(s.font_start as usize + i) % fonts.len()];
                    let size = sidecar_size(rng, f.as_bytes());
                    sink.file(f.as_bytes(), size)?;
                }
                sink.leave()?;
            }
            if s.extras > 0 {
                let dir = FANSUB_EXTRAS_DIRS[s.extras_dir as usize % FANSUB_EXTRAS_DIRS.len()];
                sink.enter(dir.as_bytes())?;
                for i in 0..s.extras as usize {
                    let kind = EXTRA_KINDS[i % EXTRA_KINDS.len()];
                    let n = (i / EXTRA_KINDS.len()) as u64 + 1;
                    label.clear();
                    label.extend_from_slice(kind.as_bytes());
                    push_num(&mut label, n, if kind.len() <= 2 { 2 } else { 1 });
                    let crc = rng.next_u64();
                    fansub_stem(
                        buf, s.naming, s.group, &s.title, season, &label, q.episode, crc,
                    );
                    let stem = buf.len();
                    let size = match kind {
                        "NCOP" | "NCED" => rng.range(40, 250) * MIB,
                        "Menu" => rng.range(5, 40) * MIB,
                        _ => rng.range(10, 120) * MIB,
                    } + rng.below(MIB);
                    sink.file(with_suffix(buf, stem, ".mkv"), size)?;
                }
                sink.leave()?;
            }
            for (i, name) in FANSUB_ART.iter().enumerate() {
                if s.art & (1 << i) != 0 {
                    let size = sidecar_size(rng, name.as_bytes());
                    sink.file(name.as_bytes(), size)?;
                }
            }
            if s.nfo {
                buf.clear();
                buf.extend_from_slice(&folder[..folder_len]);
                put(buf, ".nfo");
                let size = sidecar_size(rng, b".nfo");
                sink.file(buf, size)?;
            }
        }
        if s.sfv {
            buf.clear();
            buf.extend_from_slice(&folder[..folder_len]);
            put(buf, ".sfv");
            sink.file(buf, 200 + 60 * eps)?;
        }
        if let Some(j) = s.junk {
            let name = JUNK[j as usize % JUNK.len()];
            let size = sidecar_size(rng, name.as_bytes());
            sink.file(name.as_bytes(), size)?;
        }
        sink.leave()?;
    }
    Ok(())
}

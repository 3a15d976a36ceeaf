//! Scene releases: `Title.S01.1080p.WEB-DL.x265-GRP/Title.S01E05.1080p.WEB-DL.x265-GRP.mkv`
//! with `.nfo`, `.sfv` and `Sample/`.

use crate::generator::names::anime::{dotted, sidecar_size, MIB, SCENE_QUALITIES, SCENE_SUBS};
use crate::generator::names::{push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{episode_size, joined, put, sidecars, width, with_suffix};
use super::series::{draw_seasons, weights, Series};

/// Draws the scene part of a series' skeleton.
pub(super) fn draw(s: &mut Series, rng: &mut Rng) {
    s.dotted = dotted(&s.title);
    s.group = *rng.pick(&words().scene_groups);
    s.quality = rng.weighted(&weights(&SCENE_QUALITIES));
    s.seasons = draw_seasons(rng, &[70, 20, 10]);
    s.subs = SCENE_SUBS[rng.weighted(&weights(&SCENE_SUBS))].0;
    s.nfo = rng.chance(900);
    s.sfv = rng.chance(850);
    s.sample = rng.chance(350);
}

/// Regular files [`emit`] makes.
pub(super) fn file_count(s: &Series) -> u64 {
    let seasons = s.seasons.len() as u64;
    s.episode_files() + seasons * (s.nfo as u64 + s.sfv as u64 + s.sample as u64)
}

/// `Title.S01.TAG-GRP`, or `Title.S01E05.TAG-GRP` for an episode (number,
/// digits).
fn release(buf: &mut Vec<u8>, s: &Series, season: u64, ep: Option<(u64, usize)>, tag: &str) {
    buf.clear();
    put(buf, &s.dotted);
    put(buf, ".S");
    push_num(buf, season, 2);
    if let Some((ep, w)) = ep {
        buf.push(b'E');
        push_num(buf, ep, w);
    }
    buf.push(b'.');
    put(buf, tag);
    buf.push(b'-');
    put(buf, s.group);
}

/// Emits the series: one release folder per season.
pub(super) fn emit<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    let q = s.scene_quality();
    for (si, &eps) in s.seasons.iter().enumerate() {
        let season = si as u64 + 1;
        let eps = eps as u64;
        release(buf, s, season, None, q.folder);
        let folder = buf.clone();
        sink.enter(&folder)?;
        let w = width(eps);
        for ep in 1..=eps {
            release(buf, s, season, Some((ep, w)), q.episode);
            let stem = buf.len();
            let size = episode_size(rng, q.mib);
            sink.file(with_suffix(buf, stem, ".mkv"), size)?;
            sink.episode(&s.title, season as u32, ep as u32);
            sidecars(s, rng, sink, buf, stem)?;
        }
        let lower = folder.to_ascii_lowercase();
        if s.nfo {
            let size = sidecar_size(rng, b".nfo");
            sink.file(joined(buf, &lower, ".nfo"), size)?;
        }
        if s.sfv {
            sink.file(joined(buf, &lower, ".sfv"), 200 + 60 * eps)?;
        }
        if s.sample {
            sink.enter(b"Sample")?;
            release(buf, s, season, Some((1, 2)), q.episode);
            buf.make_ascii_lowercase();
            put(buf, "-sample.mkv");
            let size = rng.range(20, 80) * MIB;
            sink.file(buf, size)?;
            sink.leave()?;
        }
        sink.leave()?;
    }
    Ok(())
}

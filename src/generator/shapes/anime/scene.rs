//! Scene releases: `Title.S01.1080p.WEB-DL.x265-GRP/Title.S01E05.1080p.WEB-DL.x265-GRP.mkv`
//! with `.nfo`, `.sfv` and `Sample/`.

use crate::generator::names::anime::{sidecar_size, MIB};
use crate::generator::names::push_num;
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{episode_size, put, sidecars, width, with_suffix};
use super::series::Series;

pub(super) fn emit_scene<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
) -> Emit {
    let q = s.scene_quality();
    for (si, &eps) in s.seasons.iter().enumerate() {
        let season = si as u64 + 1;
        let eps = eps as u64;
        buf.clear();
        put(buf, &s.dotted);
        put(buf, ".S");
        push_num(buf, season, 2);
        buf.push(b'.');
        put(buf, q.folder);
        buf.push(b'-');
        put(buf, s.group);
        let folder = buf.clone();
        sink.enter(&folder)?;
        let w = width(eps);
        for ep in 1..=eps {
            buf.clear();
            put(buf, &s.dotted);
            put(buf, ".S");
            push_num(buf, season, 2);
            buf.push(b'E');
            push_num(buf, ep, w);
            buf.push(b'.');
            put(buf, q.episode);
            buf.push(b'-');
            put(buf, s.group);
            let stem = buf.len();
            let size = episode_size(rng, q.mib);
            sink.file(with_suffix(buf, stem, ".mkv"), size)?;
            sink.episode(&s.title, season as u32, ep as u32);
            sidecars(s, rng, sink, buf, stem)?;
        }
        let lower = folder.to_ascii_lowercase();
        if s.nfo {
            buf.clear();
            buf.extend_from_slice(&lower);
            put(buf, ".nfo");
            let size = sidecar_size(rng, b".nfo");
            sink.file(buf, size)?;
        }
        if s.sfv {
            buf.clear();
            buf.extend_from_slice(&lower);
            put(buf, ".sfv");
            sink.file(buf, 200 + 60 * eps)?;
        }
        if s.sample {
            sink.enter(b"Sample")?;
            buf.clear();
            put(buf, &s.dotted);
            put(buf, ".S");
            push_num(buf, season, 2);
            put(buf, "E01.");
            put(buf, q.episode);
            buf.push(b'-');
            put(buf, s.group);
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

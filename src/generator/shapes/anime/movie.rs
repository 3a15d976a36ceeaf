//! Movies, in fansub or Jellyfin naming: `[Group] Title (Year) [BD
//! 1080p]/[Group] Title (Year) [BD 1080p][ABCD1234].mkv` or `Title
//! (Year)/Title (Year).mkv`, with sidecars, fonts, artwork and `movie.nfo`.

use crate::generator::names::anime::{sidecar_size, FANSUB_ART, JELLYFIN_ART, MIB};
use crate::generator::names::{push_hex8, push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::parts::{put, sidecars, with_suffix};
use super::series::Series;

pub(super) fn emit_movie<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
) -> Emit {
    let q = s.fansub_quality();
    buf.clear();
    if s.movie_fansub {
        buf.push(b'[');
        put(buf, s.group);
        put(buf, "] ");
    }
    put(buf, &s.title);
    put(buf, " (");
    push_num(buf, s.year as u64, 4);
    buf.push(b')');
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
    let size = rng.range(2 * 1024, 25 * 1024) * MIB + rng.below(MIB);
    sink.file(with_suffix(buf, stem, ".mkv"), size)?;
    sidecars(s, rng, sink, buf, stem)?;
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
    let art: &[&str] = if s.movie_fansub {
        &FANSUB_ART
    } else {
        &JELLYFIN_ART
    };
    for (i, name) in art.iter().enumerate() {
        if s.art & (1 << i) != 0 {
            let size = sidecar_size(rng, name.as_bytes());
            sink.file(name.as_bytes(), size)?;
        }
    }
    if s.nfo {
        let size = sidecar_size(rng, b".nfo");
        sink.file(b"movie.nfo", size)?;
    }
    sink.leave()
}

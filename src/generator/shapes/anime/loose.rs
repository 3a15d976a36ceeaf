//! Loose episodes in the tree root, in fansub naming: `[Group] Title - 05
//! (1080p) [ABCD1234].mkv`.

use crate::generator::names::push_num;
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::fansub::{fansub_stem, FANSUB_PAREN};
use super::parts::{episode_size, sidecars, width, with_suffix};
use super::series::Series;

pub(super) fn emit_loose<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
) -> Emit {
    let q = s.fansub_quality();
    let eps = s.episodes();
    let w = width(eps);
    let mut label = Vec::with_capacity(8);
    for ep in 1..=eps {
        label.clear();
        push_num(&mut label, ep, w);
        let crc = rng.next_u64();
        fansub_stem(
            buf,
            FANSUB_PAREN,
            s.group,
            &s.title,
            1,
            &label,
            q.episode,
            crc,
        );
        let stem = buf.len();
        let size = episode_size(rng, q.mib);
        sink.file(with_suffix(buf, stem, ".mkv"), size)?;
        sink.episode(&s.title, 1, ep as u32);
        sidecars(s, rng, sink, buf, stem)?;
    }
    Ok(())
}

//! Loose episodes in the tree root, in fansub naming: `[Group] Title - 05
//! (1080p) [ABCD1234].mkv`.

use crate::generator::names::anime::FANSUB_QUALITIES;
use crate::generator::names::{push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::fansub::{stem, FANSUB_PAREN};
use super::parts::{episode_size, sidecars, width, with_suffix};
use super::series::{weights, Series};

/// Draws the loose part of a series' skeleton: a group, a quality and up
/// to 11 episodes.
pub(super) fn draw(s: &mut Series, rng: &mut Rng) {
    s.group = *rng.pick(&words().fansub_groups);
    s.quality = rng.weighted(&weights(&FANSUB_QUALITIES));
    s.seasons = vec![rng.range(1, 12) as u16];
}

/// Regular files [`emit`] makes.
pub(super) fn file_count(s: &Series) -> u64 {
    s.episode_files()
}

/// Emits the episodes, straight into the tree root.
pub(super) fn emit<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S, buf: &mut Vec<u8>) -> Emit {
    let q = s.fansub_quality();
    let eps = s.episodes();
    let w = width(eps);
    let mut label = Vec::with_capacity(8);
    for ep in 1..=eps {
        label.clear();
        push_num(&mut label, ep, w);
        stem(buf, s, FANSUB_PAREN, 1, &label, rng.next_u64());
        let stem = buf.len();
        let size = episode_size(rng, q.mib);
        sink.file(with_suffix(buf, stem, ".mkv"), size)?;
        sink.episode(&s.title, 1, ep as u32);
        sidecars(s, rng, sink, buf, stem)?;
    }
    Ok(())
}

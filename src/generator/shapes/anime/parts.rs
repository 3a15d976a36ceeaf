//! Pieces of names shared by the naming styles: episode-number width,
//! sizes, suffixes and an episode's sidecars.

use crate::generator::names::anime::{sidecar_size, MIB};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::series::Series;

pub(super) fn width(max_episode: u64) -> usize {
    if max_episode > 999 {
        4
    } else if max_episode > 99 {
        3
    } else {
        2
    }
}

pub(super) fn episode_size(rng: &mut Rng, mib: (u64, u64)) -> u64 {
    rng.range(mib.0, mib.1) * MIB + rng.below(MIB)
}

pub(super) fn put(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(s.as_bytes());
}

/// `buf[stem..]` replaced by `suffix`.
pub(super) fn with_suffix<'b>(buf: &'b mut Vec<u8>, stem: usize, suffix: &str) -> &'b [u8] {
    buf.truncate(stem);
    buf.extend_from_slice(suffix.as_bytes());
    buf
}

/// Emits the sidecars of an episode whose stem is `buf[..stem]`.
pub(super) fn sidecars<S: Sink>(
    s: &Series,
    rng: &mut Rng,
    sink: &mut S,
    buf: &mut Vec<u8>,
    stem: usize,
) -> Emit {
    for suffix in s.subs {
        let size = sidecar_size(rng, suffix.as_bytes());
        sink.file(with_suffix(buf, stem, suffix), size)?;
    }
    if s.mka {
        let size = sidecar_size(rng, b".mka");
        sink.file(with_suffix(buf, stem, ".mka"), size)?;
    }
    if s.ep_nfo {
        let size = sidecar_size(rng, b".nfo");
        sink.file(with_suffix(buf, stem, ".nfo"), size)?;
    }
    if s.ep_thumb {
        let size = sidecar_size(rng, b".jpg");
        sink.file(with_suffix(buf, stem, "-thumb.jpg"), size)?;
    }
    Ok(())
}

//! Pieces of names shared by the naming styles: episode-number width,
//! sizes, suffixes, an episode's sidecars, and the files a release folder
//! may hold beside its episodes (fonts, artwork, stray files).

use crate::generator::names::anime::{sidecar_size, JUNK, MIB};
use crate::generator::names::{push_num, words};
use crate::generator::rng::Rng;
use crate::generator::sink::{Emit, Sink};

use super::series::Series;

/// Digits of an episode number in a season of `max_episode` episodes (at
/// least 2: `05`, `105`, `1005`).
pub(super) fn width(max_episode: u64) -> usize {
    if max_episode > 999 {
        4
    } else if max_episode > 99 {
        3
    } else {
        2
    }
}

/// An episode's apparent size: a whole number of MiB in `mib`, plus up to
/// a MiB.
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

/// `buf` set to `head` followed by `suffix` (`folder.nfo`).
pub(super) fn joined<'b>(buf: &'b mut Vec<u8>, head: &[u8], suffix: &str) -> &'b [u8] {
    buf.clear();
    buf.extend_from_slice(head);
    with_suffix(buf, head.len(), suffix)
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

/// A file whose size is drawn from its name (`folder.jpg`, `Thumbs.db`).
pub(super) fn named_file<S: Sink>(rng: &mut Rng, sink: &mut S, name: &str) -> Emit {
    let size = sidecar_size(rng, name.as_bytes());
    sink.file(name.as_bytes(), size)
}

/// The `Fonts/` folder of a release, when it has one.
pub(super) fn fonts<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S) -> Emit {
    if s.fonts == 0 {
        return Ok(());
    }
    sink.enter(b"Fonts")?;
    let fonts = &words().fonts;
    for i in 0..s.fonts as usize {
        named_file(rng, sink, fonts[(s.font_start as usize + i) % fonts.len()])?;
    }
    sink.leave()
}

/// The artwork of `names` whose bit is set in the series' mask.
pub(super) fn art<S: Sink>(s: &Series, names: &[&str], rng: &mut Rng, sink: &mut S) -> Emit {
    for (i, name) in names.iter().enumerate() {
        if s.art & (1 << i) != 0 {
            named_file(rng, sink, name)?;
        }
    }
    Ok(())
}

/// The stray file a file manager left behind, if any.
pub(super) fn junk<S: Sink>(s: &Series, rng: &mut Rng, sink: &mut S) -> Emit {
    match s.junk {
        Some(j) => named_file(rng, sink, JUNK[j as usize % JUNK.len()]),
        None => Ok(()),
    }
}

/// Draws the stray file of a series: `per_mille` / 1000 of them have one.
pub(super) fn draw_junk(rng: &mut Rng, per_mille: u32) -> Option<u8> {
    rng.chance(per_mille)
        .then(|| rng.below(JUNK.len() as u64) as u8)
}

/// Appends `Title (2019)`.
pub(super) fn title_year(buf: &mut Vec<u8>, s: &Series) {
    put(buf, &s.title);
    put(buf, " (");
    push_num(buf, s.year as u64, 4);
    buf.push(b')');
}

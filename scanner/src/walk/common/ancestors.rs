//! Loop detection: a directory's identity, the shared-tail chain of
//! ancestors the parallel walkers carry, and the chain of an entry rebuilt
//! from its path.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{os, Root};

/// A directory's identity for loop detection.
pub(crate) type DirId = (u64, u64);

/// A persistent (shared-tail) list of ancestor directories, for loop
/// detection in parallel walkers where each work item carries its chain.
#[derive(Debug)]
pub(crate) struct Ancestors {
    pub id: DirId,
    pub path: PathBuf,
    pub parent: Option<std::sync::Arc<Ancestors>>,
}

impl Ancestors {
    /// The ancestor (this node or above) with identity `id`, if any.
    pub fn find(&self, id: DirId) -> Option<&Path> {
        let mut cur = Some(self);
        while let Some(a) = cur {
            if a.id == id {
                return Some(&a.path);
            }
            cur = a.parent.as_deref();
        }
        None
    }
}

impl Drop for Ancestors {
    /// Unlinks the chain iteratively: the default drop recurses once per
    /// level, and a chain as deep as a 10,000-level tree overflows a
    /// worker's stack.
    fn drop(&mut self) {
        let mut cur = self.parent.take();
        while let Some(a) = cur {
            cur = match std::sync::Arc::try_unwrap(a) {
                Ok(mut node) => node.parent.take(),
                Err(_) => None, // still shared: its other owner drops it
            };
        }
    }
}

/// A directory on the current path of the walk.
pub(crate) struct Frame {
    /// Its depth (the root is 0).
    pub depth: usize,
    /// Its path as yielded paths spell it.
    pub path: PathBuf,
    /// Device and inode, when known (always in follow mode).
    pub id: Option<DirId>,
}

/// The directories on the path from the root to `path` (exclusive), root
/// first, with their identities (`stat`, following links, as the walk did):
/// the ancestor chain of an entry, rebuilt from its path alone. `path` must
/// be spelled as the walk spells paths (the root's path, then names).
pub(crate) fn ancestor_frames(root: &Root, path: &Path) -> Vec<Frame> {
    let mut frames = vec![Frame {
        depth: 0,
        path: root.path.clone(),
        id: Some((root.dev, root.ino)),
    }];
    let r = root.path.as_os_str().as_bytes();
    let p = path.as_os_str().as_bytes();
    let Some(rest) = p.strip_prefix(r) else {
        return frames;
    };
    let rest = if r.ends_with(b"/") {
        rest
    } else {
        match rest.strip_prefix(b"/") {
            Some(x) => x,
            None => return frames,
        }
    };
    let start = p.len() - rest.len();
    let mut depth = 0;
    for (i, &b) in rest.iter().enumerate() {
        if b != b'/' {
            continue;
        }
        depth += 1;
        let prefix = Path::new(os(&p[..start + i]));
        let id = fs::metadata(prefix).ok().map(|m| (m.dev(), m.ino()));
        frames.push(Frame {
            depth,
            path: prefix.to_path_buf(),
            id,
        });
    }
    frames
}

//! [`WdWalk`]: the walkdir crate's walk with our own loop handling, the
//! engine of the `walkdir` strategy, also used by the `ignore` strategy to
//! walk the rare link that the ignore crate wrongly calls a loop. See
//! `walk/walkdir.rs` for how it works. Also the ancestor chain of an entry
//! rebuilt from its path ([`ancestor_frames`]), for `ignore`.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{depth_ok, follow_link, io_copy, may_descend, DirId, Followed, Item, Root};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

/// One walkdir iterator, rooted at the root or at a followed link.
struct Nested {
    it: walkdir::IntoIter,
    /// Depth of its root in the whole walk.
    offset: usize,
}

/// The walk: a stack of walkdir iterators and a stack of ancestor frames.
pub(crate) struct WdWalk {
    opts: ScanOptions,
    root_dev: u64,
    budget: usize,
    walkers: Vec<Nested>,
    frames: Vec<Frame>,
}

impl WdWalk {
    pub(crate) fn new(root: Root, opts: ScanOptions) -> Self {
        let frames = vec![Frame {
            depth: 0,
            path: root.path.clone(),
            id: Some((root.dev, root.ino)),
        }];
        let mut w = WdWalk {
            root_dev: root.dev,
            budget: opts.get_fd_budget(),
            walkers: Vec::new(),
            frames,
            opts,
        };
        w.push_walker(root.path, 0);
        w
    }

    /// A walk of the directory `start` (at `depth`, identity `id`) only,
    /// below the ancestors `frames` (root first): the same items the whole
    /// walk would yield for that subtree.
    pub(crate) fn subtree(
        opts: ScanOptions,
        root_dev: u64,
        mut frames: Vec<Frame>,
        start: PathBuf,
        depth: usize,
        id: DirId,
    ) -> Self {
        frames.push(Frame {
            depth,
            path: start.clone(),
            id: Some(id),
        });
        let mut w = WdWalk {
            root_dev,
            budget: opts.get_fd_budget(),
            walkers: Vec::new(),
            frames,
            opts,
        };
        w.push_walker(start, depth);
        w
    }

    fn push_walker(&mut self, start: PathBuf, offset: usize) {
        // Nested walks (followed links) share the budget: the top one gets
        // half of it, each nested one half of what its parent got.
        let max_open = if self.opts.get_follow_symlinks() {
            let shift = (self.walkers.len() + 1).min(usize::BITS as usize - 1);
            (self.budget >> shift).max(1)
        } else {
            self.budget
        };
        let mut wd = walkdir::WalkDir::new(start)
            .follow_links(false)
            .follow_root_links(true)
            .max_open(max_open);
        if let Some(m) = self.opts.get_max_depth() {
            wd = wd.max_depth(m.saturating_sub(offset));
        }
        self.walkers.push(Nested {
            it: wd.into_iter(),
            offset,
        });
    }

    /// Forgets the frames that are not ancestors of an entry at `depth`.
    fn pop_frames(&mut self, depth: usize) {
        while self.frames.last().is_some_and(|f| f.depth >= depth) {
            self.frames.pop();
        }
    }

    /// The ancestor with identity `id`, if any (after [`Self::pop_frames`]).
    fn ancestor(&self, id: DirId) -> Option<&Path> {
        self.frames
            .iter()
            .rev()
            .find(|f| f.id == Some(id))
            .map(|f| f.path.as_path())
    }

    fn skip_current_dir(&mut self) {
        if let Some(top) = self.walkers.last_mut() {
            top.it.skip_current_dir();
        }
    }

    /// Handles one entry (not a walker's root) at `depth` in the whole walk.
    fn visit(&mut self, dent: walkdir::DirEntry, depth: usize) -> Option<Item> {
        let opts = &self.opts;
        let ft = dent.file_type();
        if ft.is_file() {
            if depth_ok(opts, depth) && opts.is_media_name(dent.file_name().as_bytes()) {
                return Some(Ok(MediaEntry::new(
                    dent.into_path(),
                    depth,
                    EntryKind::File,
                )));
            }
            return None;
        }
        let follow = opts.get_follow_symlinks();
        let xdev = opts.get_same_file_system();
        if ft.is_dir() {
            // walkdir has opened it and reads it next, unless skipped.
            if !may_descend(opts, depth) {
                return None; // walkdir's own max_depth stops there
            }
            self.pop_frames(depth);
            let id = if follow || xdev {
                match fs::symlink_metadata(dent.path()) {
                    Ok(m) => Some((m.dev(), m.ino())),
                    Err(e) => {
                        self.skip_current_dir();
                        return Some(Err(ScanError::io(dent.into_path(), depth, e)));
                    }
                }
            } else {
                None
            };
            if xdev && id.is_some_and(|(dev, _)| dev != self.root_dev) {
                self.skip_current_dir();
                return None;
            }
            if let (true, Some(id)) = (follow, id) {
                if let Some(ancestor) = self.ancestor(id) {
                    let ancestor = ancestor.to_path_buf();
                    self.skip_current_dir();
                    return Some(Err(ScanError::new(
                        dent.into_path(),
                        depth,
                        ErrorCause::Loop { ancestor },
                    )));
                }
            }
            self.frames.push(Frame {
                depth,
                path: dent.into_path(),
                id,
            });
            return None;
        }
        if !(ft.is_symlink() && follow) {
            return None;
        }
        let is_media = opts.is_media_name(dent.file_name().as_bytes());
        let path = dent.into_path();
        match follow_link(&path) {
            Followed::File => (depth_ok(opts, depth) && is_media)
                .then(|| Ok(MediaEntry::new(path, depth, EntryKind::SymlinkToFile))),
            Followed::Dir { dev, ino } => {
                if !may_descend(opts, depth) || (xdev && dev != self.root_dev) {
                    return None;
                }
                self.pop_frames(depth);
                if let Some(ancestor) = self.ancestor((dev, ino)) {
                    return Some(Err(ScanError::new(
                        path,
                        depth,
                        ErrorCause::Loop {
                            ancestor: ancestor.to_path_buf(),
                        },
                    )));
                }
                self.frames.push(Frame {
                    depth,
                    path: path.clone(),
                    id: Some((dev, ino)),
                });
                self.push_walker(path, depth);
                None
            }
            Followed::Skip => None,
            Followed::Error(e) => Some(Err(ScanError::io(path, depth, e))),
        }
    }

    /// Maps a walkdir error (it never reports loops here: links are not
    /// followed by walkdir itself).
    fn error(&mut self, e: walkdir::Error, offset: usize) -> ScanError {
        let depth = offset + e.depth();
        let path = e.path().map(Path::to_path_buf);
        let io = match e.io_error() {
            Some(io) => io_copy(io),
            None => io::Error::other(e.to_string()),
        };
        match path {
            // Opening a directory (at its own depth) or typing an entry.
            Some(p) => ScanError::io(p, depth, io),
            // Reading a directory failed midway: walkdir gives the depth of
            // the entries and no path; report the directory, like `std`.
            None => {
                self.pop_frames(depth);
                let dir = self.frames.last().map(|f| f.path.clone());
                ScanError::io(dir.unwrap_or_default(), depth.saturating_sub(1), io)
            }
        }
    }
}

impl Iterator for WdWalk {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let top = self.walkers.last_mut()?;
            let offset = top.offset;
            match top.it.next() {
                None => {
                    self.walkers.pop();
                }
                Some(Err(e)) => return Some(Err(self.error(e, offset))),
                Some(Ok(dent)) => {
                    if dent.depth() == 0 {
                        continue; // the root, or a followed link already handled
                    }
                    let depth = offset + dent.depth();
                    if let Some(item) = self.visit(dent, depth) {
                        return Some(item);
                    }
                }
            }
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

/// `OsStr` of raw bytes (shorthand).
pub(crate) fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

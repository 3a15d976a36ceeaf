//! `eager`: the reference baseline that shows what streaming saves.
//!
//! On the first call to `next`, it walks the whole tree on the calling
//! thread (an explicit stack of directories to read, no recursion) and
//! records **every** entry — files, directories, links, anything — as a
//! `PathBuf` with its depth and type, plus the errors, in one `Vec`. Only
//! then does it filter that `Vec` for media files and yield them.
//!
//! Memory and buffering: everything. The `Vec` holds one path per entry of
//! the tree (its peak is reached before the first item is yielded), and the
//! stack of pending directories grows with the width of the tree. That is
//! the point: its peak heap against the streaming strategies' is what the
//! benchmark's memory report measures. Same semantics as `std` otherwise
//! (depth limit, `same_file_system`, `follow_symlinks` with loop detection
//! through an [`Ancestors`] chain per pending directory). One directory is
//! open at a time.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use super::common::{
    child_path, classify, depth_ok, name_of, Ancestors, EntryIter, Item, Root, Step, Walker,
};
use crate::{EntryKind, MediaEntry, ScanError, ScanOptions};

pub(crate) struct EagerWalker;

impl Walker for EagerWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        Box::new(Eager {
            start: Some(root),
            opts: opts.clone(),
            records: Vec::new().into_iter(),
        })
    }
}

/// What an entry was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    SymlinkToFile,
    Dir,
    Other,
}

/// One recorded entry, or an error met on the way.
enum Record {
    Entry {
        path: PathBuf,
        depth: usize,
        kind: Kind,
    },
    Error(ScanError),
}

struct Eager {
    /// The root, until the collection pass has run.
    start: Option<Root>,
    opts: ScanOptions,
    records: std::vec::IntoIter<Record>,
}

/// A directory waiting to be read.
struct Pending {
    dir: PathBuf,
    depth: usize,
    ancestors: Option<Arc<Ancestors>>,
}

/// Pass one: every entry of the tree, in one `Vec`.
fn collect_all(root: Root, opts: &ScanOptions) -> Vec<Record> {
    let mut records = Vec::new();
    let ancestors = opts.get_follow_symlinks().then(|| {
        Arc::new(Ancestors {
            id: (root.dev, root.ino),
            path: root.path.clone(),
            parent: None,
        })
    });
    let mut stack = vec![Pending {
        dir: root.path,
        depth: 0,
        ancestors,
    }];
    while let Some(p) = stack.pop() {
        let rd = match fs::read_dir(&p.dir) {
            Ok(rd) => rd,
            Err(e) => {
                records.push(Record::Error(ScanError::io(p.dir, p.depth, e)));
                continue;
            }
        };
        let depth = p.depth + 1;
        let dir = p.dir.as_os_str().as_bytes();
        for r in rd {
            let (name, ft) = match r.and_then(|de| Ok((de.file_name(), de.file_type()?))) {
                Ok(x) => x,
                Err(e) => {
                    records.push(Record::Error(ScanError::io(p.dir.clone(), p.depth, e)));
                    continue;
                }
            };
            let path = child_path(dir, name.as_bytes());
            if ft.is_file() {
                records.push(Record::Entry {
                    path,
                    depth,
                    kind: Kind::File,
                });
                continue;
            }
            let kind = match classify(opts, root.dev, &path, ft, depth, p.ancestors.as_deref()) {
                Step::File(EntryKind::SymlinkToFile) => Kind::SymlinkToFile,
                Step::File(EntryKind::File) => Kind::File,
                Step::Dir(id) => {
                    let ancestors = match (id, &p.ancestors) {
                        (Some(id), Some(parent)) => Some(Arc::new(Ancestors {
                            id,
                            path: path.clone(),
                            parent: Some(Arc::clone(parent)),
                        })),
                        _ => None,
                    };
                    stack.push(Pending {
                        dir: path.clone(),
                        depth,
                        ancestors,
                    });
                    Kind::Dir
                }
                Step::Error(e) => {
                    records.push(Record::Error(e));
                    if ft.is_dir() {
                        Kind::Dir
                    } else {
                        Kind::Other
                    }
                }
                Step::Skip if ft.is_dir() => Kind::Dir,
                Step::Skip => Kind::Other,
            };
            records.push(Record::Entry { path, depth, kind });
        }
    }
    records
}

impl Iterator for Eager {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if let Some(root) = self.start.take() {
            self.records = collect_all(root, &self.opts).into_iter();
        }
        // Pass two: filter.
        for rec in self.records.by_ref() {
            match rec {
                Record::Error(e) => return Some(Err(e)),
                Record::Entry { path, depth, kind } => {
                    let kind = match kind {
                        Kind::File => EntryKind::File,
                        Kind::SymlinkToFile => EntryKind::SymlinkToFile,
                        Kind::Dir | Kind::Other => continue,
                    };
                    if depth_ok(&self.opts, depth) && self.opts.is_media_name(name_of(&path)) {
                        return Some(Ok(MediaEntry::new(path, depth, kind)));
                    }
                }
            }
        }
        None
    }
}

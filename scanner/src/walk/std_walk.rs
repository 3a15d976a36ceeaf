//! `std`: `std::fs::read_dir` with an explicit stack of open directories.
//!
//! Depth-first, no recursion. Memory is proportional to depth: one open
//! `ReadDir` per level and one path buffer that grows and shrinks as the walk
//! goes down and up. When more directories are open than the file-descriptor
//! budget allows, the shallowest open one is drained into memory (its
//! remaining names and types) and closed, as walkdir does; only then does
//! memory depend on more than depth. Path-based: a directory whose path is
//! longer than `PATH_MAX` is reported as [`ErrorCause::TooLong`](crate::ErrorCause).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, FileType};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use super::common::{
    depth_ok, follow_link, may_descend, DirId, EntryIter, Followed, Item, OpenDirs, Root, Walker,
};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

pub(crate) struct StdWalker;

impl Walker for StdWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        Box::new(StdWalk::new(root, opts.clone()))
    }
}

enum Entries {
    Open(fs::ReadDir),
    Drained(std::vec::IntoIter<io::Result<(OsString, FileType)>>),
}

struct Level {
    entries: Entries,
    /// Depth of this directory (the root is 0).
    depth: usize,
    /// Length in bytes of `cur` while this level is on top.
    path_len: usize,
    /// Identity, kept in follow mode for loop detection.
    id: Option<DirId>,
}

struct StdWalk {
    opts: ScanOptions,
    root_dev: u64,
    stack: Vec<Level>,
    /// Path of the directory on top of the stack.
    cur: Vec<u8>,
    /// Directories open, against the fd budget.
    fds: OpenDirs,
    /// Ancestors on the stack by identity (follow mode), to their level.
    ancestors: HashMap<DirId, usize>,
    /// A result to yield before reading on (the root's open error).
    pending: Option<Item>,
}

impl StdWalk {
    fn new(root: Root, opts: ScanOptions) -> Self {
        let cur = root.path.clone().into_os_string().into_vec();
        let mut w = StdWalk {
            root_dev: root.dev,
            stack: Vec::new(),
            fds: OpenDirs::new(opts.get_fd_budget()),
            ancestors: HashMap::new(),
            pending: None,
            cur,
            opts,
        };
        let id = (root.dev, root.ino);
        match fs::read_dir(w.path()) {
            Ok(rd) => w.push_level(rd, 0, Some(id)),
            Err(e) => w.pending = Some(Err(ScanError::io(root.path, 0, e))),
        }
        w
    }

    fn path(&self) -> PathBuf {
        PathBuf::from(OsString::from_vec(self.cur.clone()))
    }

    fn path_ref(&self) -> &std::path::Path {
        std::path::Path::new(std::ffi::OsStr::from_bytes(&self.cur))
    }

    fn child_path(&self, name: &OsString) -> PathBuf {
        let mut v = Vec::with_capacity(self.cur.len() + 1 + name.len());
        v.extend_from_slice(&self.cur);
        if v.last() != Some(&b'/') {
            v.push(b'/');
        }
        v.extend_from_slice(name.as_bytes());
        PathBuf::from(OsString::from_vec(v))
    }

    fn push_level(&mut self, rd: fs::ReadDir, depth: usize, id: Option<DirId>) {
        if self.opts.get_follow_symlinks() {
            if let Some(id) = id {
                self.ancestors.insert(id, self.stack.len());
            }
        }
        self.stack.push(Level {
            entries: Entries::Open(rd),
            depth,
            path_len: self.cur.len(),
            id,
        });
        if self.fds.opened() {
            self.drain_shallowest();
        }
    }

    /// Closes the shallowest open directory after reading the rest of it.
    fn drain_shallowest(&mut self) {
        let Some(level) = self
            .stack
            .iter_mut()
            .find(|l| matches!(l.entries, Entries::Open(_)))
        else {
            return;
        };
        if let Entries::Open(rd) = &mut level.entries {
            let rest: Vec<_> = rd
                .map(|r| r.and_then(|de| Ok((de.file_name(), de.file_type()?))))
                .collect();
            level.entries = Entries::Drained(rest.into_iter());
            self.fds.closed();
        }
    }

    fn pop_level(&mut self) {
        if let Some(level) = self.stack.pop() {
            if matches!(level.entries, Entries::Open(_)) {
                self.fds.closed();
            }
            if let Some(id) = level.id {
                self.ancestors.remove(&id);
            }
        }
        if let Some(parent) = self.stack.last() {
            self.cur.truncate(parent.path_len);
        }
    }

    /// Descends into the child directory `name` of the top level.
    fn descend(&mut self, name: &OsString, depth: usize, id: Option<DirId>) -> Option<Item> {
        if let (Some(id), true) = (id, self.opts.get_follow_symlinks()) {
            if let Some(&lvl) = self.ancestors.get(&id) {
                let ancestor = &self.cur[..self.stack[lvl].path_len];
                let ancestor = PathBuf::from(OsString::from_vec(ancestor.to_vec()));
                return Some(Err(ScanError::new(
                    self.child_path(name),
                    depth,
                    ErrorCause::Loop { ancestor },
                )));
            }
        }
        let saved = self.cur.len();
        if self.cur.last() != Some(&b'/') {
            self.cur.push(b'/');
        }
        self.cur.extend_from_slice(name.as_bytes());
        match fs::read_dir(self.path_ref()) {
            Ok(rd) => {
                self.push_level(rd, depth, id);
                None
            }
            Err(e) => {
                let err = ScanError::io(self.path(), depth, e);
                self.cur.truncate(saved);
                Some(Err(err))
            }
        }
    }

    /// Handles one directory entry of the top level (depth of the entry given).
    fn visit(&mut self, name: OsString, ft: FileType, depth: usize) -> Option<Item> {
        let opts = &self.opts;
        if ft.is_file() {
            if depth_ok(opts, depth) && opts.is_media_name(name.as_bytes()) {
                return Some(Ok(MediaEntry::new(
                    self.child_path(&name),
                    depth,
                    EntryKind::File,
                )));
            }
            return None;
        }
        if ft.is_dir() {
            if !may_descend(opts, depth) {
                return None;
            }
            let id = if opts.get_follow_symlinks() || opts.get_same_file_system() {
                match fs::symlink_metadata(self.child_path(&name)) {
                    Ok(m) => Some((m.dev(), m.ino())),
                    Err(e) => return Some(Err(ScanError::io(self.child_path(&name), depth, e))),
                }
            } else {
                None
            };
            if opts.get_same_file_system() && id.is_some_and(|(dev, _)| dev != self.root_dev) {
                return None;
            }
            return self.descend(&name, depth, id);
        }
        if ft.is_symlink() && opts.get_follow_symlinks() {
            let path = self.child_path(&name);
            return match follow_link(&path) {
                Followed::File => (depth_ok(opts, depth) && opts.is_media_name(name.as_bytes()))
                    .then(|| Ok(MediaEntry::new(path, depth, EntryKind::SymlinkToFile))),
                Followed::Dir { dev, ino } => {
                    if !may_descend(opts, depth)
                        || (opts.get_same_file_system() && dev != self.root_dev)
                    {
                        return None;
                    }
                    self.descend(&name, depth, Some((dev, ino)))
                }
                Followed::Skip => None,
                Followed::Error(e) => Some(Err(ScanError::io(path, depth, e))),
            };
        }
        None
    }
}

impl Iterator for StdWalk {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        loop {
            let top = self.stack.last_mut()?;
            let depth = top.depth + 1;
            let next = match &mut top.entries {
                Entries::Open(rd) => rd
                    .next()
                    .map(|r| r.and_then(|de| Ok((de.file_name(), de.file_type()?)))),
                Entries::Drained(it) => it.next(),
            };
            match next {
                None => self.pop_level(),
                Some(Err(e)) => return Some(Err(ScanError::io(self.path(), depth - 1, e))),
                Some(Ok((name, ft))) => {
                    if let Some(item) = self.visit(name, ft, depth) {
                        return Some(item);
                    }
                }
            }
        }
    }
}

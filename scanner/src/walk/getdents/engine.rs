//! The depth-first engine ([`Dfs`]): a stack of open directory levels, each
//! a descriptor and a buffer of records; see the [folder's
//! documentation](super).

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{openat, statat, AtFlags, FileType, Mode, CWD};

use super::sys::{
    dangling_at, dir_flags, dir_id, getdents, join, os_err, parse, to_path, Record, DT_DIR, DT_LNK,
    DT_REG, DT_UNKNOWN,
};
use crate::walk::common::{depth_ok, may_descend, Ancestors, DirId, Item, OpenDirs, Root};
use crate::{EntryKind, ErrorCause, MediaEntry, ScanError, ScanOptions};

/// Bytes of `linux_dirent64` records read per `getdents64` call and level.
pub(crate) const BUF_SIZE: usize = 16 * 1024;
/// Spare buffers kept for reuse (more are freed).
const SPARE_BUFFERS: usize = 4;

/// What [`Dfs::next_with`] gives a matching regular file to: its
/// directory's path, its name, its depth; `false` stops the walk
/// (`next_with` returns `None`).
pub(crate) type FileFn<'a> = dyn FnMut(&[u8], &[u8], usize) -> bool + 'a;

/// A directory handed from one worker to another (`getdents-par`).
pub(crate) struct Task {
    /// The directory, already open.
    pub fd: OwnedFd,
    /// Its full path.
    pub path: Vec<u8>,
    /// Its depth.
    pub depth: usize,
    /// Its identity, when known.
    pub id: Option<DirId>,
    /// Its ancestors (follow mode), for loop detection.
    pub ancestors: Option<Arc<Ancestors>>,
    /// Set when the directory was handed over unopened: `fd` is then a
    /// duplicate of its parent's and this its name; [`Task::open`] opens it
    /// on the worker that takes it.
    #[cfg_attr(not(feature = "getdents-par"), allow(dead_code))]
    pub name: Option<Vec<u8>>,
}

impl Task {
    /// Opens a directory that was handed over unopened (a no-op for one
    /// already open). The error, for a directory gone since its parent was
    /// listed, is the one `enter` gives.
    #[cfg(feature = "getdents-par")]
    pub(crate) fn open(mut self) -> Result<Task, ScanError> {
        if let Some(name) = self.name.take() {
            self.fd = openat(&self.fd, name.as_slice(), dir_flags(false), Mode::empty())
                .map_err(|e| ScanError::io(to_path(&self.path), self.depth, os_err(e)))?;
        }
        Ok(self)
    }
}

/// Where a walker can give away a subdirectory to an idle worker.
pub(crate) trait Share {
    /// True when a worker is waiting for work.
    fn hungry(&self) -> bool;
    /// Hands a directory over.
    fn give(&self, task: Task);
    /// True when subdirectories should be handed over before they are
    /// opened, so that the receiving worker opens them: with more workers
    /// than cores the walk is taken to be latency-bound (a network or FUSE
    /// mount, where an open is a round trip), and the opens of a wide
    /// directory's children then overlap instead of queueing in one worker.
    fn defer_open(&self) -> bool {
        false
    }
}

pub(super) enum Handle {
    Open {
        fd: OwnedFd,
        buf: Vec<u8>,
        pos: usize,
        len: usize,
        eof: bool,
    },
    /// Closed to keep within the fd budget; reopened on the way back up.
    Closed,
    /// Could not be reopened (an error was reported): skipped.
    Dead,
}

pub(super) struct Level {
    pub(super) handle: Handle,
    /// `d_off` of the last record consumed: where to resume after a reopen.
    pub(super) cookie: u64,
    pub(super) depth: usize,
    /// Where this level's name starts in `cur` (0 for the base level).
    pub(super) name_start: usize,
    /// Length of `cur` while this level is on top.
    pub(super) path_len: usize,
    pub(super) id: Option<DirId>,
}

/// The depth-first engine. See the module documentation.
pub(crate) struct Dfs {
    pub(super) opts: ScanOptions,
    pub(super) follow: bool,
    pub(super) xdev: bool,
    pub(super) root_dev: u64,
    pub(super) stack: Vec<Level>,
    /// Path of the directory on top of the stack.
    pub(super) cur: Vec<u8>,
    /// Path of the base level (for reopening by names).
    pub(super) base_len: usize,
    /// Levels open, against this engine's share of the fd budget.
    pub(super) fds: OpenDirs,
    pub(super) ancestors: HashMap<DirId, usize>,
    pub(super) inherited: Option<Arc<Ancestors>>,
    pub(super) pending: Option<Item>,
    pub(super) spare: Vec<Vec<u8>>,
    pub(super) name: Vec<u8>,
}

enum Next {
    Record(Record),
    End,
    Error(io::Error),
}

impl Dfs {
    /// Opens the root by path and makes an engine for it.
    pub(crate) fn open_root(
        root: &Root,
        opts: &ScanOptions,
        budget: usize,
    ) -> Result<Dfs, ScanError> {
        // The root symlink was resolved by the caller: open without NOFOLLOW.
        let fd = openat(CWD, &root.path, dir_flags(true), Mode::empty())
            .map_err(|e| ScanError::io(&root.path, 0, os_err(e)))?;
        let task = Task {
            fd,
            path: root.path.as_os_str().as_bytes().to_vec(),
            depth: 0,
            id: Some((root.dev, root.ino)),
            ancestors: None,
            name: None,
        };
        Ok(Dfs::from_task(task, opts, root.dev, budget))
    }

    /// An engine whose base level is an already open directory.
    pub(crate) fn from_task(task: Task, opts: &ScanOptions, root_dev: u64, budget: usize) -> Dfs {
        let follow = opts.get_follow_symlinks();
        let mut dfs = Dfs {
            opts: opts.clone(),
            follow,
            xdev: opts.get_same_file_system(),
            root_dev,
            stack: Vec::new(),
            base_len: task.path.len(),
            cur: task.path,
            fds: OpenDirs::new(budget.max(2)),
            ancestors: HashMap::new(),
            inherited: task.ancestors,
            pending: None,
            spare: Vec::new(),
            name: Vec::with_capacity(256),
        };
        dfs.push_level(task.fd, task.depth, 0, task.id);
        dfs
    }

    /// Starts over on another directory once the walk of the last one is
    /// over (the stack is empty), keeping the engine's buffers: a worker of
    /// `getdents-par` takes many directories, and a fresh engine per
    /// directory would allocate (and zero) a 16 KiB buffer each time.
    #[cfg(feature = "getdents-par")]
    pub(crate) fn restart(&mut self, task: Task) {
        debug_assert!(self.stack.is_empty() && self.pending.is_none());
        self.stack.clear();
        self.fds.reset();
        self.ancestors.clear();
        self.pending = None;
        self.inherited = task.ancestors;
        self.cur.clear();
        self.cur.extend_from_slice(&task.path);
        self.base_len = task.path.len();
        self.push_level(task.fd, task.depth, 0, task.id);
    }

    fn need_id(&self) -> bool {
        self.follow || self.xdev
    }

    pub(super) fn take_buffer(&mut self) -> Vec<u8> {
        self.spare
            .pop()
            .unwrap_or_else(|| vec![0; crate::plant::dir_buffer(BUF_SIZE)])
    }

    pub(super) fn give_buffer(&mut self, buf: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS {
            self.spare.push(buf);
        }
    }

    pub(super) fn push_level(
        &mut self,
        fd: OwnedFd,
        depth: usize,
        name_start: usize,
        id: Option<DirId>,
    ) {
        if self.follow {
            if let Some(id) = id {
                self.ancestors.insert(id, self.stack.len());
            }
        }
        let buf = self.take_buffer();
        self.stack.push(Level {
            handle: Handle::Open {
                fd,
                buf,
                pos: 0,
                len: 0,
                eof: false,
            },
            cookie: 0,
            depth,
            name_start,
            path_len: self.cur.len(),
            id,
        });
        if self.fds.opened() {
            self.close_shallowest();
        }
    }

    /// Reads the next record of the top level.
    fn next_record(&mut self) -> Next {
        let Some(level) = self.stack.last_mut() else {
            return Next::End;
        };
        let Handle::Open {
            fd,
            buf,
            pos,
            len,
            eof,
        } = &mut level.handle
        else {
            return Next::End;
        };
        loop {
            if *pos < *len {
                match parse(&buf[..*len], *pos) {
                    Some((rec, next)) => {
                        *pos = next;
                        level.cookie = rec.off;
                        return Next::Record(rec);
                    }
                    None => {
                        *pos = *len; // a malformed record: drop the rest of this buffer
                        continue;
                    }
                }
            }
            if *eof {
                return Next::End;
            }
            match getdents(fd.as_fd(), buf) {
                Ok(0) => {
                    *eof = true;
                    return Next::End;
                }
                Ok(n) => {
                    *pos = 0;
                    *len = n;
                }
                Err(e) => {
                    *eof = true;
                    return Next::Error(e);
                }
            }
        }
    }

    fn child_path(&self, name: &[u8]) -> PathBuf {
        join(&self.cur, name)
    }

    fn top_fd(&self) -> Option<BorrowedFd<'_>> {
        match &self.stack.last()?.handle {
            Handle::Open { fd, .. } => Some(fd.as_fd()),
            _ => None,
        }
    }

    /// Next result. `share` lets a parallel walker give subdirectories away.
    pub(crate) fn next(&mut self, share: Option<&dyn Share>) -> Option<Item> {
        self.next_with(share, None)
    }

    /// Like [`next`](Self::next), but a regular file that matches is given
    /// to `borrowed` (its directory's path, its name, its depth) in place,
    /// without building its path, instead of being returned; when
    /// `borrowed` returns `false`, `None` at once.
    pub(crate) fn next_with(
        &mut self,
        share: Option<&dyn Share>,
        mut borrowed: Option<&mut FileFn<'_>>,
    ) -> Option<Item> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        loop {
            let top = self.stack.last()?;
            if matches!(top.handle, Handle::Dead | Handle::Closed) {
                if let Some(item) = self.pop_level() {
                    return Some(item);
                }
                continue;
            }
            let depth = top.depth + 1;
            match self.next_record() {
                Next::End => {
                    if let Some(item) = self.pop_level() {
                        return Some(item);
                    }
                }
                Next::Error(e) => {
                    return Some(Err(ScanError::io(to_path(&self.cur), depth - 1, e)));
                }
                Next::Record(rec) => {
                    if let (Some(f), DT_REG) = (borrowed.as_deref_mut(), rec.d_type) {
                        if let Some(Level {
                            handle: Handle::Open { buf, .. },
                            ..
                        }) = self.stack.last()
                        {
                            let name = &buf[rec.start..rec.end];
                            if depth_ok(&self.opts, depth)
                                && self.opts.is_media_name(name)
                                && !f(&self.cur, name, depth)
                            {
                                return None;
                            }
                        }
                        continue;
                    }
                    if let Some(item) = self.visit(rec, depth, share) {
                        return Some(item);
                    }
                }
            }
        }
    }

    fn visit(&mut self, rec: Record, depth: usize, share: Option<&dyn Share>) -> Option<Item> {
        let Some(Level {
            handle: Handle::Open { buf, .. },
            ..
        }) = self.stack.last()
        else {
            return None;
        };
        let name = &buf[rec.start..rec.end];
        if rec.d_type == DT_REG {
            // The hot path (most entries): tested in place in the buffer;
            // the only allocation is the path of a file that matches.
            return (depth_ok(&self.opts, depth) && self.opts.is_media_name(name)).then(|| {
                Ok(MediaEntry::new(
                    join(&self.cur, name),
                    depth,
                    EntryKind::File,
                ))
            });
        }
        // Anything else may open, stat or descend (which needs `&mut self`):
        // copy the name out of the level's buffer (no allocation: reused).
        self.name.clear();
        self.name.extend_from_slice(name);
        let name = std::mem::take(&mut self.name);
        let out = self.visit_name(&name, rec.d_type, depth, share);
        self.name = name;
        out
    }

    fn visit_name(
        &mut self,
        name: &[u8],
        d_type: u8,
        depth: usize,
        share: Option<&dyn Share>,
    ) -> Option<Item> {
        if name == b"." || name == b".." || name.is_empty() {
            return None;
        }
        let mut d_type = d_type;
        if d_type == DT_UNKNOWN {
            let fd = self.top_fd()?;
            match statat(fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => {
                    d_type = match FileType::from_raw_mode(st.st_mode) {
                        FileType::RegularFile => DT_REG,
                        FileType::Directory => DT_DIR,
                        FileType::Symlink => DT_LNK,
                        _ => return None,
                    }
                }
                Err(rustix::io::Errno::NOENT) => return None, // vanished
                Err(e) => return Some(Err(ScanError::io(self.child_path(name), depth, os_err(e)))),
            }
        }
        match d_type {
            DT_REG => (depth_ok(&self.opts, depth) && self.opts.is_media_name(name)).then(|| {
                Ok(MediaEntry::new(
                    self.child_path(name),
                    depth,
                    EntryKind::File,
                ))
            }),
            DT_DIR => {
                if may_descend(&self.opts, depth) {
                    self.enter(name, depth, share)
                } else {
                    None
                }
            }
            DT_LNK if self.follow => {
                let fd = self.top_fd()?;
                match statat(fd, name, AtFlags::empty()) {
                    Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                        FileType::RegularFile => (depth_ok(&self.opts, depth)
                            && self.opts.is_media_name(name))
                        .then(|| {
                            Ok(MediaEntry::new(
                                self.child_path(name),
                                depth,
                                EntryKind::SymlinkToFile,
                            ))
                        }),
                        FileType::Directory if may_descend(&self.opts, depth) => {
                            self.enter(name, depth, share)
                        }
                        _ => None,
                    },
                    Err(e) if e == rustix::io::Errno::NOENT && dangling_at(fd, name) => None,
                    Err(e) => Some(Err(ScanError::io(self.child_path(name), depth, os_err(e)))),
                }
            }
            _ => None, // symlink (not followed), FIFO, socket, device: never opened
        }
    }

    /// Opens the subdirectory `name` of the top level and descends (or gives it away).
    fn enter(&mut self, name: &[u8], depth: usize, share: Option<&dyn Share>) -> Option<Item> {
        let parent = self.top_fd()?;
        if let Some(share) = share {
            // Only where no identity check follows the open (follow and
            // same_file_system check the opened directory's id).
            if !self.need_id() && share.defer_open() && share.hungry() {
                if let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(parent, 0) {
                    share.give(Task {
                        fd: dup,
                        path: self.child_path(name).into_os_string().into_vec(),
                        depth,
                        id: None,
                        ancestors: None,
                        name: Some(name.to_vec()),
                    });
                    return None;
                }
            }
        }
        let fd = match openat(parent, name, dir_flags(self.follow), Mode::empty()) {
            Ok(fd) => fd,
            // A link whose target went away after the `stat`: dangling now.
            Err(e) if e == rustix::io::Errno::NOENT && self.follow && dangling_at(parent, name) => {
                return None
            }
            // Vanished since the parent listed it: reported (find does).
            Err(e) => return Some(Err(ScanError::io(self.child_path(name), depth, os_err(e)))),
        };
        let id = if self.need_id() {
            match dir_id(fd.as_fd()) {
                Ok(id) => Some(id),
                Err(e) => return Some(Err(ScanError::io(self.child_path(name), depth, e))),
            }
        } else {
            None
        };
        if self.xdev && id.is_some_and(|(dev, _)| dev != self.root_dev) {
            return None;
        }
        if self.follow {
            if let Some(id) = id {
                let ancestor = match self.ancestors.get(&id) {
                    Some(&lvl) => Some(to_path(&self.cur[..self.stack[lvl].path_len])),
                    None => self
                        .inherited
                        .as_ref()
                        .and_then(|a| a.find(id))
                        .map(Path::to_path_buf),
                };
                if let Some(ancestor) = ancestor {
                    return Some(Err(ScanError::new(
                        self.child_path(name),
                        depth,
                        ErrorCause::Loop { ancestor },
                    )));
                }
            }
        }
        if let Some(share) = share {
            if share.hungry() {
                let ancestors = if self.follow { self.chain() } else { None };
                share.give(Task {
                    fd,
                    path: self.child_path(name).into_os_string().into_vec(),
                    depth,
                    id,
                    ancestors,
                    name: None,
                });
                return None;
            }
        }
        let name_start = self.cur.len() + usize::from(self.cur.last() != Some(&b'/'));
        if self.cur.last() != Some(&b'/') {
            self.cur.push(b'/');
        }
        self.cur.extend_from_slice(name);
        self.push_level(fd, depth, name_start, id);
        None
    }

    /// The ancestor chain of the top level (follow mode), for a handed-off task.
    fn chain(&self) -> Option<Arc<Ancestors>> {
        let mut chain = self.inherited.clone();
        for level in &self.stack {
            if let Some(id) = level.id {
                chain = Some(Arc::new(Ancestors {
                    id,
                    path: to_path(&self.cur[..level.path_len]),
                    parent: chain,
                }));
            }
        }
        chain
    }
}

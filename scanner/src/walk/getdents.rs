//! `getdents`: raw `getdents64` with `openat` relative to the parent's file
//! descriptor, one thread. Also the depth-first engine ([`Dfs`]) that
//! `getdents-par` runs on every worker.
//!
//! How it works: a stack of directory levels, each an open descriptor and a
//! 16 KiB buffer of raw `linux_dirent64` records parsed in place (no
//! allocation per entry; the only allocation is the path of a file that
//! matches). The type comes from `d_type` (a `statat` only for `DT_UNKNOWN`
//! and, with `follow_symlinks`, for links). Subdirectories are opened with
//! `openat(parent_fd, name)`, so path length never matters (no `PATH_MAX`).
//!
//! Memory is proportional to depth: one buffer per open level. When more
//! levels are open than the file-descriptor budget allows, the shallowest
//! open level is closed and remembers only its `d_off` cookie; on the way
//! back up it is reopened with `openat(child_fd, "..")` (checked by device and
//! inode, else reopened by names from the nearest open ancestor) and `lseek`s
//! to the cookie. So a 10,000-level tree scans under `ulimit -n 64` with
//! memory for at most `budget` buffers.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{fstat, openat, seek, statat, AtFlags, FileType, Mode, OFlags, SeekFrom, CWD};

use super::common::{
    deliver, depth_ok, may_descend, Ancestors, DirId, EntryIter, Item, Root, Walker,
};
use crate::{EntryKind, EntryRef, ErrorCause, MediaEntry, ScanError, ScanOptions};

/// Bytes of `linux_dirent64` records read per `getdents64` call and level.
pub(crate) const BUF_SIZE: usize = 16 * 1024;
/// Spare buffers kept for reuse (more are freed).
const SPARE_BUFFERS: usize = 4;

const DT_UNKNOWN: u8 = 0;
const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;
const DT_LNK: u8 = 10;

pub(crate) struct GetdentsWalker;

/// What [`Dfs::next_with`] gives a matching regular file to: its
/// directory's path, its name, its depth.
pub(crate) type FileFn<'a> = dyn FnMut(&[u8], &[u8], usize) + 'a;

/// [`ScanOptions::for_each`](crate::ScanOptions::for_each) on the
/// `getdents` engine: regular files that match reach `f` borrowed from the
/// engine's path and buffer, with no allocation per file.
pub(crate) fn for_each(
    root: Root,
    opts: &ScanOptions,
    f: &mut dyn FnMut(Result<EntryRef<'_>, ScanError>),
) {
    let mut dfs = match Dfs::open_root(&root, opts, opts.get_fd_budget()) {
        Ok(dfs) => dfs,
        Err(e) => return f(Err(e)),
    };
    // Items that still come out owned (errors, links to files in follow
    // mode) are given to `f` as they come.
    loop {
        let mut file = |dir: &[u8], name: &[u8], depth: usize| {
            f(Ok(EntryRef::new(dir, name, depth, EntryKind::File)));
        };
        let Some(item) = dfs.next_with(None, Some(&mut file)) else {
            return;
        };
        deliver(item, f);
    }
}

impl Walker for GetdentsWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        let budget = opts.get_fd_budget();
        match Dfs::open_root(&root, opts, budget) {
            Ok(dfs) => Box::new(Single { dfs }),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    }
}

struct Single {
    dfs: Dfs,
}

impl Iterator for Single {
    type Item = Item;
    #[inline]
    fn next(&mut self) -> Option<Item> {
        self.dfs.next(None)
    }
}

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
}

/// Where a walker can give away a subdirectory to an idle worker.
pub(crate) trait Share {
    /// True when a worker is waiting for work.
    fn hungry(&self) -> bool;
    /// Hands a directory over.
    fn give(&self, task: Task);
}

enum Handle {
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

struct Level {
    handle: Handle,
    /// `d_off` of the last record consumed: where to resume after a reopen.
    cookie: u64,
    depth: usize,
    /// Where this level's name starts in `cur` (0 for the base level).
    name_start: usize,
    /// Length of `cur` while this level is on top.
    path_len: usize,
    id: Option<DirId>,
}

/// The depth-first engine. See the module documentation.
pub(crate) struct Dfs {
    opts: ScanOptions,
    follow: bool,
    xdev: bool,
    root_dev: u64,
    stack: Vec<Level>,
    /// Path of the directory on top of the stack.
    cur: Vec<u8>,
    /// Path of the base level (for reopening by names).
    base_len: usize,
    budget: usize,
    open: usize,
    ancestors: HashMap<DirId, usize>,
    inherited: Option<Arc<Ancestors>>,
    pending: Option<Item>,
    spare: Vec<Vec<u8>>,
    name: Vec<u8>,
}

fn dir_flags(follow: bool) -> OFlags {
    let f = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if follow {
        f
    } else {
        f | OFlags::NOFOLLOW
    }
}

fn os_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

fn to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsString::from_vec(bytes.to_vec()))
}

/// `dir/name` in one allocation of the exact size.
#[inline]
fn join(dir: &[u8], name: &[u8]) -> PathBuf {
    let mut v = Vec::with_capacity(dir.len() + 1 + name.len());
    v.extend_from_slice(dir);
    if v.last() != Some(&b'/') {
        v.push(b'/');
    }
    v.extend_from_slice(name);
    PathBuf::from(OsString::from_vec(v))
}

fn dir_id(fd: BorrowedFd<'_>) -> io::Result<DirId> {
    let st = fstat(fd).map_err(os_err)?;
    Ok((st.st_dev, st.st_ino))
}

/// One `getdents64` call into `buf`; the number of bytes read (0 at the end).
pub(crate) fn getdents(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the
    // whole call and `fd` is an open descriptor borrowed for the call; the
    // kernel writes at most `buf.len()` bytes. rustix's safe wrapper
    // (`RawDir`) borrows its buffer, which cannot live in a stack of levels.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            fd.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// [`silent_not_found`](super::common::silent_not_found)'s rule for `name` in
/// `dir`: still a symbolic link (`lstat`) whose target is missing.
fn dangling_at(dir: BorrowedFd<'_>, name: &[u8]) -> bool {
    statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
        && matches!(
            statat(dir, name, AtFlags::empty()),
            Err(rustix::io::Errno::NOENT)
        )
}

/// A record parsed from the buffer: name range, `d_type`, `d_off`.
struct Record {
    start: usize,
    end: usize,
    d_type: u8,
    off: u64,
}

fn parse(buf: &[u8], pos: usize) -> Option<(Record, usize)> {
    let head = buf.get(pos..pos + 19)?;
    let off = u64::from_ne_bytes(head[8..16].try_into().ok()?);
    let reclen = u16::from_ne_bytes(head[16..18].try_into().ok()?) as usize;
    let d_type = head[18];
    if reclen < 20 || pos + reclen > buf.len() {
        return None;
    }
    let name = &buf[pos + 19..pos + reclen];
    Some((
        Record {
            start: pos + 19,
            end: pos + 19 + name_len(name),
            d_type,
            off,
        },
        pos + reclen,
    ))
}

/// Length of the NUL-terminated name in a record's name field.
///
/// The kernel (`filldir64`) makes `d_reclen` the smallest multiple of 8
/// that holds the 19-byte header, the name and its NUL, so the NUL is in
/// the field's last 8 bytes: those are loaded as one `u64` and its first
/// zero byte found without a loop. When that window starts with a NUL and
/// the byte before it is a NUL too (a record longer than the rule gives),
/// the field is searched from the start, so the result is always the first
/// NUL.
#[inline]
pub(crate) fn name_len(field: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if let Some(tail) = field.last_chunk::<8>() {
        let w = u64::from_le_bytes(*tail);
        // High bit of each zero byte of `w` (exact: no carries between bytes).
        let zeros = !(((w & !HIGH) + !HIGH) | w | !HIGH);
        let skip = field.len() - 8;
        if zeros != 0 {
            let i = (zeros.trailing_zeros() / 8) as usize;
            if i > 0 || skip == 0 || field[skip - 1] != 0 {
                return skip + i;
            }
        }
    }
    field.iter().position(|&b| b == 0).unwrap_or(field.len())
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
            budget: budget.max(2),
            open: 0,
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
    pub(crate) fn restart(&mut self, task: Task) {
        debug_assert!(self.stack.is_empty() && self.pending.is_none());
        self.stack.clear();
        self.open = 0;
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

    fn take_buffer(&mut self) -> Vec<u8> {
        self.spare
            .pop()
            .unwrap_or_else(|| vec![0; crate::plant::dir_buffer(BUF_SIZE)])
    }

    fn give_buffer(&mut self, buf: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS {
            self.spare.push(buf);
        }
    }

    fn push_level(&mut self, fd: OwnedFd, depth: usize, name_start: usize, id: Option<DirId>) {
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
        self.open += 1;
        if self.open > self.budget {
            self.close_shallowest();
        }
    }

    /// Closes the shallowest open level that is not on top.
    fn close_shallowest(&mut self) {
        let top = self.stack.len().saturating_sub(1);
        let Some(i) = self.stack[..top]
            .iter()
            .position(|l| matches!(l.handle, Handle::Open { .. }))
        else {
            return;
        };
        let level = &mut self.stack[i];
        let Handle::Open { fd, .. } = &level.handle else {
            return;
        };
        if level.id.is_none() {
            level.id = dir_id(fd.as_fd()).ok();
        }
        if let Handle::Open { buf, .. } = std::mem::replace(&mut level.handle, Handle::Closed) {
            self.give_buffer(buf);
        }
        self.open -= 1;
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
    /// without building its path, instead of being returned.
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
                            if depth_ok(&self.opts, depth) && self.opts.is_media_name(name) {
                                crate::plant::on_media_entry();
                                f(&self.cur, name, depth);
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

    /// Pops the top level; reopens the parent if it was closed.
    fn pop_level(&mut self) -> Option<Item> {
        let child = self.stack.pop()?;
        if let Some(id) = child.id {
            if self.ancestors.get(&id) == Some(&self.stack.len()) {
                self.ancestors.remove(&id);
            }
        }
        let child_fd = match child.handle {
            Handle::Open { fd, buf, .. } => {
                self.open -= 1;
                self.give_buffer(buf);
                Some(fd)
            }
            _ => None,
        };
        let parent_idx = self.stack.len().checked_sub(1)?;
        self.cur.truncate(self.stack[parent_idx].path_len);
        if !matches!(self.stack[parent_idx].handle, Handle::Closed) {
            return None;
        }
        let reopened = self.reopen(parent_idx, child_fd);
        let (cookie, depth) = (self.stack[parent_idx].cookie, self.stack[parent_idx].depth);
        match reopened {
            Ok(fd) => {
                if cookie != 0 {
                    if let Err(e) = seek(&fd, SeekFrom::Start(cookie)) {
                        self.stack[parent_idx].handle = Handle::Dead;
                        return Some(Err(ScanError::io(to_path(&self.cur), depth, os_err(e))));
                    }
                }
                let buf = self.take_buffer();
                self.stack[parent_idx].handle = Handle::Open {
                    fd,
                    buf,
                    pos: 0,
                    len: 0,
                    eof: false,
                };
                self.open += 1;
                if self.open > self.budget {
                    self.close_shallowest();
                }
                None
            }
            Err(e) => {
                self.stack[parent_idx].handle = Handle::Dead;
                Some(Err(ScanError::io(to_path(&self.cur), depth, e)))
            }
        }
    }

    /// Reopens the closed level `idx`: through `..` of its child when that is
    /// the same directory, else by names from the nearest open ancestor.
    fn reopen(&self, idx: usize, child_fd: Option<OwnedFd>) -> io::Result<OwnedFd> {
        let want = self.stack[idx].id;
        if let (Some(child), Some(want)) = (child_fd, want) {
            if let Ok(fd) = openat(&child, "..", dir_flags(true), Mode::empty()) {
                if dir_id(fd.as_fd()).ok() == Some(want) {
                    return Ok(fd);
                }
            }
        }
        // By names, from the nearest open ancestor (or the base path).
        let open_above = self.stack[..idx]
            .iter()
            .rposition(|l| matches!(l.handle, Handle::Open { .. }));
        let (mut fd, from) = match open_above {
            Some(j) => {
                let Handle::Open { fd, .. } = &self.stack[j].handle else {
                    unreachable!("rposition matched Open")
                };
                (fd.try_clone()?, j + 1)
            }
            None => {
                let base = Path::new(std::ffi::OsStr::from_bytes(&self.cur[..self.base_len]));
                (
                    openat(CWD, base, dir_flags(true), Mode::empty()).map_err(os_err)?,
                    1,
                )
            }
        };
        for level in &self.stack[from..=idx] {
            let name = &self.cur[level.name_start..level.path_len];
            fd = openat(&fd, name, dir_flags(self.follow), Mode::empty()).map_err(os_err)?;
        }
        if let (Some(want), Ok(got)) = (want, dir_id(fd.as_fd())) {
            if want != got {
                return Err(io::Error::other("directory was replaced during the scan"));
            }
        }
        Ok(fd)
    }
}

#[cfg(test)]
mod tests {
    use super::name_len;

    #[test]
    fn name_len_finds_the_first_nul_in_every_record_layout() {
        // Fields as the kernel lays them out (name, NUL, padding to a
        // multiple of 8 after the 19-byte header), padding zero or garbage,
        // and longer records than the rule gives.
        for len in 0..40usize {
            for extra in [0usize, 8, 16] {
                let field_len = (19 + len + 1).div_ceil(8) * 8 - 19 + extra;
                for pad in [0u8, 0xAA] {
                    let mut field = vec![pad; field_len];
                    field[..len].fill(b'n');
                    field[len] = 0;
                    if extra > 0 {
                        // Zeros only after the NUL in a longer record.
                        field[len..].fill(0);
                    }
                    assert_eq!(name_len(&field), len, "len {len} extra {extra} pad {pad}");
                }
            }
        }
        assert_eq!(name_len(b"abc"), 3);
        assert_eq!(name_len(b""), 0);
    }
}

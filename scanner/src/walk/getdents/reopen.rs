//! Staying within the fd budget: the shallowest open level is closed
//! (remembering its `d_off` cookie) and reopened on the way back up,
//! through `..` of its child or by names from the nearest open ancestor,
//! so a tree deeper than `PATH_MAX` or the fd limit walks all the same.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{openat, seek, Mode, SeekFrom, CWD};

use super::engine::{Dfs, Handle};
use super::sys::{dir_flags, dir_id, os_err, to_path};
use crate::walk::common::Item;
use crate::ScanError;

impl Dfs {
    /// Closes the shallowest open level that is not on top.
    pub(super) fn close_shallowest(&mut self) {
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
        self.fds.closed();
    }

    /// Pops the top level; reopens the parent if it was closed.
    pub(super) fn pop_level(&mut self) -> Option<Item> {
        let child = self.stack.pop()?;
        if let Some(id) = child.id {
            if self.ancestors.get(&id) == Some(&self.stack.len()) {
                self.ancestors.remove(&id);
            }
        }
        let child_fd = match child.handle {
            Handle::Open { fd, buf, .. } => {
                self.fds.closed();
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
                if self.fds.opened() {
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

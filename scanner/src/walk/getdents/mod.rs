//! `getdents`: raw `getdents64` with `openat` relative to the parent's file
//! descriptor, one thread. Also the depth-first engine ([`Dfs`]) that
//! `getdents-par` runs on every worker.
//!
//! The folder: `sys.rs` the system-call layer (`getdents64`, records,
//! `openat` flags), `engine.rs` the depth-first engine, `reopen.rs` the
//! levels closed and reopened to stay within the fd budget (beyond
//! `PATH_MAX` too), `par.rs` the parallel driver (`getdents-par`).
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

use super::common::{deliver, EntryIter, Item, Lend, Root, Walker};
use crate::{EntryKind, EntryRef, ScanOptions};

mod engine;
#[cfg(feature = "getdents-par")]
mod par;
mod reopen;
mod sys;

use engine::Dfs;
#[cfg(feature = "getdents-par")]
pub(crate) use par::{for_each as for_each_par, par_for_each, GetdentsParWalker};
pub(crate) use sys::{getdents, name_len};

pub(crate) struct GetdentsWalker;

/// [`ScanOptions::for_each`](crate::ScanOptions::for_each) on the
/// `getdents` engine: regular files that match reach `f` borrowed from the
/// engine's path and buffer, with no allocation per file.
pub(crate) fn for_each(root: Root, opts: &ScanOptions, f: &mut Lend<'_>) {
    let mut dfs = match Dfs::open_root(&root, opts, opts.get_fd_budget()) {
        Ok(dfs) => dfs,
        Err(e) => {
            let _ = f(Err(e));
            return;
        }
    };
    // Items that still come out owned (errors, links to files in follow
    // mode) are given to `f` as they come.
    loop {
        let mut file = |dir: &[u8], name: &[u8], depth: usize| {
            crate::plant::on_media_entry();
            f(Ok(EntryRef::new(dir, name, depth, EntryKind::File))).is_continue()
        };
        let Some(item) = dfs.next_with(None, Some(&mut file)) else {
            return;
        };
        if deliver(item, f).is_break() {
            return;
        }
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

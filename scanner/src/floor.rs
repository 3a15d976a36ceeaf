//! The floor: the least work a scan of a tree can do, as a measuring stick
//! for the real strategies (benches and `compare`), never for users.
//!
//! [`floor_count`] walks with raw `getdents64` and `openat` relative to the
//! parent descriptor on `threads` threads and counts the regular files whose
//! name matches the extension set. It builds no path, makes no entry and
//! sends nothing through a channel: it is the cost of the system calls plus
//! the extension test, which the real strategies are compared against. It
//! does not go on past trouble either: a directory it cannot open or list,
//! or an entry without a type (`DT_UNKNOWN`, which the real strategies
//! resolve with a `stat`), makes the whole count an error, so a floor is
//! never a short count. It honours neither
//! `follow_symlinks`, `max_depth`, `same_file_system` nor the fd budget, so
//! its count equals the real strategies' only for a plain tree (no links
//! to follow, no depth limit), such as a generated fixture.
//!
//! Threads share a stack of open directories under a mutex; each thread
//! lists one directory at a time into its own 32 KiB buffer, pushes the
//! subdirectories it opened and takes the next. The stack holds one
//! descriptor per directory found and not yet listed, so the floor can hold
//! many descriptors on a wide tree (it is for fixtures, not for users).
//!
//! Before it starts its threads it grows the process's descriptor table
//! (a `F_DUPFD_CLOEXEC` onto a high number, closed at once; up to 65,536
//! or the soft `RLIMIT_NOFILE`): Linux grows the table by doubling, and in a
//! process with several threads every growth waits for an RCU grace period
//! (`expand_fdtable` → `synchronize_rcu`). Holding the 3,482 directories of
//! anime-100k, the 2-thread floor grew it six times and took 74.7 ms, slower
//! than 1 thread (47.9 ms); with the table grown first, 28.6 ms (tmpfs,
//! `hyperfine -N`). The real strategies hold a few descriptors per thread
//! and never grow the table past its first 64 slots.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::create_dir(dir.path().join("Show")).unwrap();
//! std::fs::write(dir.path().join("Show/Show - 01.mkv"), b"").unwrap();
//! std::fs::write(dir.path().join("Show/Show - 01.ass"), b"").unwrap();
//! let opts = anivault_scanner::ScanOptions::new();
//! assert_eq!(anivault_scanner::floor::floor_count(dir.path(), &opts, 2).unwrap(), 1);
//! ```

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};

use rustix::fs::{openat, Mode, OFlags, CWD};

use crate::{ExtensionSet, ScanOptions};

const DT_UNKNOWN: u8 = 0;
const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;
const BUF: usize = 32 * 1024;

/// Counts the media files under the directory `root` on `threads` threads
/// (0: available cores) with the floor's walk (see the module
/// documentation). The extension set is `opts`'s; its other options are
/// ignored. The error is that of opening `root`, or says how many
/// directories could not be opened or listed (or had untyped entries).
pub fn floor_count(root: &Path, opts: &ScanOptions, threads: usize) -> io::Result<u64> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = openat(CWD, root, flags, Mode::empty())
        .map_err(|e| io::Error::new(e.kind(), format!("'{}': {e}", root.display())))?;
    let threads = if threads == 0 {
        crate::available_cores()
    } else {
        threads
    };
    if threads > 1 {
        grow_fd_table(&fd);
    }
    let shared = Shared {
        state: Mutex::new(State {
            dirs: vec![fd],
            busy: 0,
            failed: 0,
            first: None,
        }),
        cv: Condvar::new(),
    };
    let exts = opts.get_extensions();
    let total = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .filter_map(|i| {
                std::thread::Builder::new()
                    .name(format!("floor-{i}"))
                    .spawn_scoped(s, || run(&shared, exts))
                    .ok()
            })
            .collect();
        let mine = run(&shared, exts);
        mine + handles
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .sum::<u64>()
    });
    let st = shared
        .state
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match st.first {
        None => Ok(total),
        Some(first) => Err(io::Error::other(format!(
            "floor walk of '{}': {} directories could not be walked (first: {first})",
            root.display(),
            st.failed
        ))),
    }
}

/// Grows the descriptor table to the soft `RLIMIT_NOFILE` (at most 65,536
/// slots) while few threads share it (see the module documentation). A
/// failure only costs time: the walk works either way.
fn grow_fd_table(fd: &OwnedFd) {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    let top = soft.min(1 << 16).saturating_sub(1);
    if let Ok(top) = i32::try_from(top) {
        if top > 64 {
            drop(rustix::io::fcntl_dupfd_cloexec(fd, top));
        }
    }
}

struct State {
    /// Open directories not yet listed.
    dirs: Vec<OwnedFd>,
    /// Threads listing a directory (they may push more).
    busy: usize,
    /// Directories that could not be opened or listed.
    failed: u64,
    /// The first such error.
    first: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    cv: Condvar,
}

fn run(shared: &Shared, exts: &ExtensionSet) -> u64 {
    let mut buf = vec![0u8; BUF];
    let mut found = Vec::new();
    let mut count = 0;
    let mut st = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(fd) = st.dirs.pop() {
            st.busy += 1;
            drop(st);
            let mut errors = Errors::default();
            count += list(fd.as_fd(), &mut buf, exts, &mut found, &mut errors);
            drop(fd);
            st = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            st.busy -= 1;
            if errors.n > 0 {
                st.failed += errors.n;
                if st.first.is_none() {
                    st.first = errors.first;
                }
            }
            if !found.is_empty() {
                st.dirs.append(&mut found);
                shared.cv.notify_all();
            } else if st.busy == 0 && st.dirs.is_empty() {
                shared.cv.notify_all();
            }
        } else if st.busy == 0 {
            return count;
        } else {
            st = shared.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// What went wrong while listing one directory.
#[derive(Default)]
struct Errors {
    n: u64,
    first: Option<String>,
}

impl Errors {
    fn add(&mut self, what: std::fmt::Arguments<'_>) {
        self.n += 1;
        if self.first.is_none() {
            self.first = Some(what.to_string());
        }
    }
}

/// Lists one directory: counts its matching files, opens its subdirectories
/// into `found`.
fn list(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    exts: &ExtensionSet,
    found: &mut Vec<OwnedFd>,
    errors: &mut Errors,
) -> u64 {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    let mut count = 0;
    loop {
        let n = match crate::walk::getdents64(fd, buf) {
            Ok(0) => return count,
            Ok(n) => n,
            Err(e) => {
                errors.add(format_args!("getdents64: {e}"));
                return count;
            }
        };
        let records = &buf[..n];
        let mut pos = 0;
        while let Some(head) = records.get(pos..pos + 19) {
            let reclen = usize::from(u16::from_ne_bytes([head[16], head[17]]));
            let d_type = head[18];
            let Some(field) = records.get(pos + 19..pos + reclen) else {
                break;
            };
            let name = &field[..crate::walk::name_len(field)];
            pos += reclen.max(20);
            match d_type {
                DT_REG => count += u64::from(exts.matches_name(name)),
                DT_DIR if name != b"." && name != b".." => {
                    match openat(fd, name, flags, Mode::empty()) {
                        Ok(child) => found.push(child),
                        Err(e) => errors.add(format_args!(
                            "openat '{}': {e}",
                            String::from_utf8_lossy(name)
                        )),
                    }
                }
                DT_UNKNOWN => errors.add(format_args!(
                    "'{}' has no d_type (the floor needs a file system that gives it)",
                    String::from_utf8_lossy(name)
                )),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_the_strategies_and_says_when_it_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let mut want = 0;
        for d in 0..30 {
            let sub = dir.path().join(format!("d{d}/s"));
            std::fs::create_dir_all(&sub).unwrap();
            for f in 0..d {
                std::fs::write(sub.join(format!("{f}.mkv")), b"").unwrap();
                std::fs::write(sub.join(format!("{f}.ass")), b"").unwrap();
                want += 1;
            }
        }
        let opts = ScanOptions::new();
        for threads in [1, 2, 3] {
            assert_eq!(floor_count(dir.path(), &opts, threads).unwrap(), want);
        }
        let subs = ScanOptions::new().extensions(ExtensionSet::subtitles());
        assert_eq!(floor_count(dir.path(), &subs, 2).unwrap(), want);
        let e = floor_count(&dir.path().join("none"), &opts, 2).unwrap_err();
        assert!(e.to_string().contains("none"), "{e}");
    }
}

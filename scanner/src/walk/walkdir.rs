//! `walkdir`: the walkdir crate, single-threaded, depth-first, driven by the
//! consumer's `next` calls (no thread, no channel).
//!
//! walkdir's own link following is not used: it checks only symbolic links
//! against its ancestors, and counts the root's canonical parents as
//! ancestors, so a link to a directory above the root is a "loop" for it,
//! whereas `find -L` (and the `std` strategy) walks it. Instead walkdir runs
//! with `follow_links(false)` and this file keeps its own stack of the
//! directories on the current path (depth, path, and in follow mode
//! device/inode): a directory whose identity is an ancestor's becomes
//! [`ErrorCause::Loop`](crate::ErrorCause) and is skipped with
//! `skip_current_dir`; a link to a directory is walked by a nested walkdir
//! iterator rooted at the link (walkdir follows a root link), pushed on a
//! stack of iterators with its depth offset. The result is exactly the
//! `std` strategy's multiset, one `stat` per directory in follow mode (or
//! with `same_file_system`), none otherwise.
//!
//! Memory and buffering: proportional to depth (walkdir's stack of open
//! directories and ours of paths), plus walkdir's `PathBuf` per entry
//! (files included) while it is handled. walkdir keeps at most `max_open`
//! directories open (the fd budget; in follow mode the top walk gets half of
//! it and each nested link walk half of its parent's share) and reads the
//! shallowest one into memory when it has to close it, like the `std`
//! strategy. walkdir is iterative: no recursion, any depth (paths longer
//! than `PATH_MAX` fail with `ENAMETOOLONG`, reported as
//! [`ErrorCause::TooLong`](crate::ErrorCause)). It opens directories at
//! exactly `max_depth` before noticing it will not read them.
//!
//! [`WdWalk::subtree`] also serves the `ignore` strategy, to walk the rare
//! link that the ignore crate wrongly calls a loop.

use super::common::{EntryIter, Root, Walker, WdWalk};
use crate::ScanOptions;

pub(crate) struct WalkdirWalker;

impl Walker for WalkdirWalker {
    fn walk(&self, root: Root, opts: &ScanOptions) -> EntryIter {
        Box::new(WdWalk::new(root, opts.clone()))
    }
}

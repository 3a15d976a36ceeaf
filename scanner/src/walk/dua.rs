//! `dua` strategy (placeholder until implemented).

use super::{EntryIter, Root, Walker};
use crate::{ErrorCause, ScanError, ScanOptions};

pub(crate) struct DuaWalker;

impl Walker for DuaWalker {
    fn walk(&self, root: Root, _opts: &ScanOptions) -> EntryIter {
        Box::new(std::iter::once(Err(ScanError::new(
            root.path,
            0,
            ErrorCause::Unsupported("not implemented yet"),
        ))))
    }
}

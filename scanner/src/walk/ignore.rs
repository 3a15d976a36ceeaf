//! `ignore` strategy (placeholder until implemented).

use super::{EntryIter, Root, Walker};
use crate::{ErrorCause, ScanError, ScanOptions};

pub(crate) struct IgnoreWalker;

impl Walker for IgnoreWalker {
    fn walk(&self, root: Root, _opts: &ScanOptions) -> EntryIter {
        Box::new(std::iter::once(Err(ScanError::new(
            root.path,
            0,
            ErrorCause::Unsupported("not implemented yet"),
        ))))
    }
}

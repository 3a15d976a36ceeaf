//! Loop detection in the walkers that hand directories between threads or
//! keep them pending: the shared-tail chain of ancestors each work item
//! carries.

use std::path::{Path, PathBuf};

use super::DirId;

/// A persistent (shared-tail) list of ancestor directories, for loop
/// detection in parallel walkers where each work item carries its chain.
#[derive(Debug)]
pub(crate) struct Ancestors {
    pub id: DirId,
    pub path: PathBuf,
    pub parent: Option<std::sync::Arc<Ancestors>>,
}

impl Ancestors {
    /// The ancestor (this node or above) with identity `id`, if any.
    pub fn find(&self, id: DirId) -> Option<&Path> {
        let mut cur = Some(self);
        while let Some(a) = cur {
            if a.id == id {
                return Some(&a.path);
            }
            cur = a.parent.as_deref();
        }
        None
    }
}

impl Drop for Ancestors {
    /// Unlinks the chain iteratively: the default drop recurses once per
    /// level, and a chain as deep as a 10,000-level tree overflows a
    /// worker's stack.
    fn drop(&mut self) {
        let mut cur = self.parent.take();
        while let Some(a) = cur {
            cur = match std::sync::Arc::try_unwrap(a) {
                Ok(mut node) => node.parent.take(),
                Err(_) => None, // still shared: its other owner drops it
            };
        }
    }
}

//! Paths below a root, as bytes: the depth of a path below it, and paths
//! rebased from one spelling of the root to another (the crates that are
//! handed a canonical or absolute root: dua, jwalk, ignore).

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Depth of `path` below the root path `root` (the number of names after
/// it), when `path` starts with it.
pub(crate) fn depth_below(root: &Path, path: &Path) -> Option<usize> {
    let r = root.as_os_str().as_bytes();
    let rest = path.as_os_str().as_bytes().strip_prefix(r)?;
    let rest = if rest.is_empty() || r.ends_with(b"/") {
        rest
    } else {
        rest.strip_prefix(b"/")?
    };
    Some(rest.split(|&b| b == b'/').filter(|c| !c.is_empty()).count())
}

/// Rewrites paths that start with one spelling of the root (`from`) to
/// start with another (`to`), bytes-exact, joining names like `std` does.
pub(crate) struct Rebase {
    from: Vec<u8>,
    to: Vec<u8>,
}

/// `a` then `b`, with one `/` between them unless `a` is empty or ends with
/// one, or `b` is empty.
fn join_bytes(v: &mut Vec<u8>, b: &[u8]) {
    if !v.is_empty() && v.last() != Some(&b'/') && !b.is_empty() {
        v.push(b'/');
    }
    v.extend_from_slice(b);
}

impl Rebase {
    pub(crate) fn new(from: &Path, to: &Path) -> Self {
        Rebase {
            from: from.as_os_str().as_bytes().to_vec(),
            to: to.as_os_str().as_bytes().to_vec(),
        }
    }

    /// The part of `p` below `from` (no leading `/`), if `p` is below it.
    fn rel<'a>(&self, p: &'a [u8]) -> Option<&'a [u8]> {
        let rest = p.strip_prefix(&self.from[..])?;
        if rest.is_empty() || self.from.ends_with(b"/") {
            Some(rest)
        } else {
            rest.strip_prefix(b"/")
        }
    }

    /// `p` rebased (unchanged when it is not below `from`).
    pub(crate) fn path(&self, p: &Path) -> PathBuf {
        let b = p.as_os_str().as_bytes();
        if self.from == self.to {
            return p.to_path_buf();
        }
        match self.rel(b) {
            Some(rel) => {
                let mut v = Vec::with_capacity(self.to.len() + 1 + rel.len());
                v.extend_from_slice(&self.to);
                join_bytes(&mut v, rel);
                PathBuf::from(std::ffi::OsString::from_vec(v))
            }
            None => p.to_path_buf(),
        }
    }

    /// `parent` rebased, joined with `name`: one allocation.
    pub(crate) fn join(&self, parent: &Path, name: &OsStr) -> PathBuf {
        let pb = parent.as_os_str().as_bytes();
        let (base, rel): (&[u8], &[u8]) = match self.rel(pb) {
            Some(rel) if self.from != self.to => (&self.to, rel),
            _ => (pb, b""),
        };
        let name = name.as_bytes();
        let mut v = Vec::with_capacity(base.len() + rel.len() + name.len() + 2);
        v.extend_from_slice(base);
        join_bytes(&mut v, rel);
        join_bytes(&mut v, name);
        PathBuf::from(std::ffi::OsString::from_vec(v))
    }

    /// Depth of `p` below `from`.
    pub(crate) fn depth(&self, p: &Path) -> Option<usize> {
        let rel = self.rel(p.as_os_str().as_bytes())?;
        Some(rel.split(|&b| b == b'/').filter(|c| !c.is_empty()).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_is_bytes_exact() {
        let r = Rebase::new(Path::new("/canon/root"), Path::new("lib/../root/"));
        assert_eq!(r.path(Path::new("/canon/root")), Path::new("lib/../root/"));
        assert_eq!(
            r.join(Path::new("/canon/root/a"), OsStr::new("x.mkv"))
                .as_os_str()
                .as_bytes(),
            b"lib/../root/a/x.mkv"
        );
        assert_eq!(
            r.join(Path::new("/canon/root"), OsStr::new("x.mkv"))
                .as_os_str()
                .as_bytes(),
            b"lib/../root/x.mkv"
        );
        assert_eq!(r.depth(Path::new("/canon/root/a/b")), Some(2));
        assert_eq!(r.depth(Path::new("/canon/rootx/a")), None);
        assert_eq!(r.path(Path::new("/elsewhere")), Path::new("/elsewhere"));
        let slash = Rebase::new(Path::new("/"), Path::new("/"));
        assert_eq!(slash.join(Path::new("/"), OsStr::new("a")), Path::new("/a"));
    }
}

//! What kind of file system a root is on, from `statfs(2)`'s `f_type`, and
//! the thread count that suits it.
//!
//! On a local disk or tmpfs a directory costs microseconds of CPU, and more
//! walker threads than cores only add contention. On a network or FUSE
//! file system each `opendir`, `getdents` and `stat` is a round trip of
//! milliseconds during which the thread waits and the CPU idles; the walk
//! is latency-bound and goes about as fast as the number of requests in
//! flight, so [`auto_threads`] picks [`REMOTE_THREADS`] there.

use std::path::Path;

/// Threads [`auto_threads`] picks on a network or FUSE file system: 64
/// requests in flight (each parallel strategy's memory grows with its
/// threads, by a few tens of KiB each, never with the tree).
pub const REMOTE_THREADS: usize = 64;

/// The kinds of file system that change how a root should be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    /// A FUSE mount (`0x65735546`): sshfs, rclone, s3fs, a NAS client...
    Fuse,
    /// NFS (`0x6969`).
    Nfs,
    /// SMB / CIFS (`0xFE534D42` SMB2, `0xFF534D42` CIFS, `0x517B` SMB).
    Smb,
    /// Another network file system: Ceph, 9P, AFS, Coda, NCP, Lustre.
    OtherNetwork,
    /// Anything else (a local disk, tmpfs, overlayfs...).
    Local,
}

impl FsKind {
    /// The kind for a `statfs` `f_type` value.
    ///
    /// ```
    /// use anivault_scanner::fskind::FsKind;
    /// assert_eq!(FsKind::from_magic(0x6573_5546), FsKind::Fuse);
    /// assert_eq!(FsKind::from_magic(0x6969), FsKind::Nfs);
    /// assert_eq!(FsKind::from_magic(0xEF53), FsKind::Local); // ext4
    /// ```
    pub fn from_magic(f_type: u64) -> FsKind {
        match f_type {
            0x6573_5546 => FsKind::Fuse,
            0x6969 => FsKind::Nfs,
            0xFE53_4D42 | 0xFF53_4D42 | 0x517B => FsKind::Smb,
            // Ceph, 9P (v9fs), AFS (kAFS and OpenAFS), Coda, NCP, Lustre.
            0x00C3_6400 | 0x0102_1997 | 0x6B41_4653 | 0x5346_414F | 0x7375_7245 | 0x564C
            | 0x0BD0_0BD0 => FsKind::OtherNetwork,
            _ => FsKind::Local,
        }
    }

    /// Whether each request is (probably) a round trip.
    pub fn is_remote(self) -> bool {
        self != FsKind::Local
    }
}

/// The kind of file system `path` is on; `None` when `statfs` fails (the
/// path does not exist, or the platform has no `f_type`).
///
/// ```
/// use anivault_scanner::fskind::{fs_kind, FsKind};
/// # #[cfg(target_os = "linux")]
/// assert_eq!(fs_kind(std::path::Path::new("/proc")), Some(FsKind::Local));
/// ```
pub fn fs_kind(path: &Path) -> Option<FsKind> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let st = rustix::fs::statfs(path).ok()?;
        // f_type is signed on some targets; the magic numbers are 32-bit.
        #[allow(clippy::unnecessary_cast)]
        let magic = (st.f_type as i64 as u64) & 0xFFFF_FFFF;
        Some(FsKind::from_magic(magic))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = path;
        None
    }
}

/// The thread count for `--threads auto` on `root`: [`REMOTE_THREADS`] on
/// a network or FUSE file system, the available cores otherwise (and when
/// the kind cannot be told).
///
/// ```
/// use anivault_scanner::fskind::auto_threads;
/// let n = auto_threads(std::path::Path::new("."));
/// assert!(n >= 1);
/// ```
pub fn auto_threads(root: &Path) -> usize {
    match fs_kind(root) {
        Some(k) if k.is_remote() => REMOTE_THREADS,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

//! What kind of file system a root is on, from `statfs(2)`'s `f_type`, and
//! the thread count that suits it.
//!
//! On a local disk or tmpfs a directory costs microseconds of CPU, and more
//! walker threads than cores only add contention. On a network or FUSE
//! file system each `opendir`, `getdents` and `stat` is a round trip of
//! milliseconds during which the thread waits and the CPU idles; the walk
//! is latency-bound and goes about as fast as the number of requests in
//! flight, so [`auto_threads`] picks [`REMOTE_THREADS`] there. A local
//! disk is both: with its blocks in the page cache a directory costs
//! microseconds of CPU, but with the cache cold (after a reboot, a library
//! not touched for a while) each directory waits for a read from the
//! device, and a device serves many reads at once. `getdents-par` with
//! [`DISK_THREADS`] workers keeps that many reads in flight (the workers
//! above the cores take their subdirectories unopened, see
//! [`ScanOptions::threads`](crate::ScanOptions::threads)) at no cost when
//! the cache is hot: on 2 cores, ext4 anime-100k, 348 ms cold against
//! 631 ms with 2 workers (fdf 0.9.8: 627 ms), 44.4 ms hot against 45.4
//! (issue 12).

use std::path::Path;

use crate::Strategy;

/// Threads [`auto_threads`] picks on a network or FUSE file system: 64
/// requests in flight (each parallel strategy's memory grows with its
/// threads, by a few tens of KiB each, never with the tree).
pub const REMOTE_THREADS: usize = 64;

/// Workers [`auto_threads`] gives `getdents-par` on a local disk (at least
/// the cores): enough reads in flight for a cold cache, few enough that a
/// hot walk does not slow down (on 2 cores, hot ext4 anime-100k: 44.4 ms
/// with 16, 45.4 with 2, 48.5 with 32; cold: 348, 631 and 324 ms).
pub const DISK_THREADS: usize = 16;

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
    /// Memory only: tmpfs (`0x01021994`), ramfs (`0x858458F6`), procfs
    /// (`0x9FA0`), sysfs (`0x62656572`): nothing ever waits for a device.
    Memory,
    /// Anything else: a local disk (ext4, XFS, btrfs, overlayfs...).
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
    /// assert_eq!(FsKind::from_magic(0x0102_1994), FsKind::Memory); // tmpfs
    /// ```
    pub fn from_magic(f_type: u64) -> FsKind {
        match f_type {
            0x6573_5546 => FsKind::Fuse,
            0x6969 => FsKind::Nfs,
            0xFE53_4D42 | 0xFF53_4D42 | 0x517B => FsKind::Smb,
            // Ceph, 9P (v9fs), AFS (kAFS and OpenAFS), Coda, NCP, Lustre.
            0x00C3_6400 | 0x0102_1997 | 0x6B41_4653 | 0x5346_414F | 0x7375_7245 | 0x564C
            | 0x0BD0_0BD0 => FsKind::OtherNetwork,
            0x0102_1994 | 0x8584_58F6 | 0x9FA0 | 0x6265_6572 => FsKind::Memory,
            _ => FsKind::Local,
        }
    }

    /// Whether each request is (probably) a round trip.
    pub fn is_remote(self) -> bool {
        !matches!(self, FsKind::Local | FsKind::Memory)
    }
}

/// The kind of file system `path` is on; `None` when `statfs` fails (the
/// path does not exist, or the platform has no `f_type`).
///
/// ```
/// use anivault_scanner::fskind::{fs_kind, FsKind};
/// # #[cfg(target_os = "linux")]
/// assert_eq!(fs_kind(std::path::Path::new("/proc")), Some(FsKind::Memory));
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

/// The thread count for `--threads auto` (the default of `anivault-bench
/// scan`) with `strategy` on `root`: [`REMOTE_THREADS`] on a network or
/// FUSE file system; for `getdents-par` on a local disk, [`DISK_THREADS`]
/// (or the cores, when there are more); the available cores otherwise
/// (tmpfs and the like, the other strategies on a local disk, and when the
/// kind cannot be told).
///
/// ```
/// use anivault_scanner::fskind::auto_threads;
/// use anivault_scanner::Strategy;
/// let n = auto_threads(std::path::Path::new("."), Strategy::GetdentsPar);
/// assert!(n >= 1);
/// ```
pub fn auto_threads(root: &Path, strategy: Strategy) -> usize {
    let cores = crate::available_cores();
    match fs_kind(root) {
        Some(k) if k.is_remote() => REMOTE_THREADS,
        Some(FsKind::Local) if strategy == Strategy::GetdentsPar => DISK_THREADS.max(cores),
        _ => cores,
    }
}

#[cfg(test)]
mod tests {
    use super::{auto_threads, fs_kind, FsKind, DISK_THREADS};
    use crate::Strategy;
    use std::path::Path;

    #[test]
    #[cfg(target_os = "linux")]
    fn auto_gives_getdents_par_more_workers_on_a_disk_only() {
        let cores = crate::available_cores();
        let proc = Path::new("/proc");
        assert_eq!(fs_kind(proc), Some(FsKind::Memory));
        assert_eq!(auto_threads(proc, Strategy::GetdentsPar), cores);
        // Whatever this checkout is on: the count follows its kind.
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let want = match fs_kind(here) {
            Some(k) if k.is_remote() => super::REMOTE_THREADS,
            Some(FsKind::Local) => DISK_THREADS.max(cores),
            _ => cores,
        };
        eprintln!("{}: {:?}, auto {want}", here.display(), fs_kind(here));
        assert_eq!(auto_threads(here, Strategy::GetdentsPar), want);
        if fs_kind(here) == Some(FsKind::Local) {
            assert_eq!(auto_threads(here, Strategy::Rayon), cores);
        }
        // A path that is not there: the cores.
        assert_eq!(
            auto_threads(&here.join("no such dir"), Strategy::GetdentsPar),
            cores
        );
    }
}

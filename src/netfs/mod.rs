//! A NAS in a box: a read-only FUSE passthrough of a directory where every
//! request costs a configurable latency, served concurrently (the delays
//! overlap, as requests in flight to a network file server do).
//!
//! Built on `fuser` (pure Rust, talks to `/dev/fuse`; no libfuse). As root
//! the mount is a plain `mount(2)`; otherwise fuser runs `fusermount3`
//! (Debian package `fuse3`). The kernel's entry and attribute caches are
//! off by default (TTL 0) and directory listings are never cached, so each
//! `opendir`, `getdents` and `stat` of a scan reaches the daemon.
//!
//! * [`ops`]: operation classes, the latency table, the request counters;
//! * `delay`: the delay line (timer heap + executors) that answers requests;
//! * `fs`: the passthrough itself;
//! * [`signal`]: unmounting on SIGINT/SIGTERM.
//!
//! ```no_run
//! use std::time::Duration;
//! use anivault_bench::netfs::NetFs;
//! let mount = NetFs::builder("target/anivault-fixtures/anime-1k/tree")
//!     .latency(Duration::from_millis(2))
//!     .mount_temp()?;
//! let n = std::fs::read_dir(mount.path())?.count();
//! println!("{n} entries, {} requests", mount.counts().total());
//! // Dropping `mount` unmounts it and removes its temporary directory.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(target_os = "linux")]
mod delay;
#[cfg(target_os = "linux")]
mod fs;
pub mod ops;
pub mod signal;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use ops::{parse_duration, parse_op_latency, LatencyTable, OpClass, OpCounters, OpCounts};

/// Why a mount could not be made.
#[derive(Debug)]
pub enum NetFsError {
    /// FUSE is not usable here (no `/dev/fuse`, no rights, no
    /// `fusermount3` for a user who is not root, not Linux).
    Unavailable(String),
    /// The mount point is not an empty directory; it was left untouched.
    NotEmpty(PathBuf),
    /// The source directory cannot be used.
    Source(PathBuf, io::Error),
    /// The mount point cannot be used or created.
    Mountpoint(PathBuf, io::Error),
    /// The kernel (or fusermount3) refused the mount.
    Mount(PathBuf, io::Error),
}

impl fmt::Display for NetFsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetFsError::Unavailable(why) => write!(f, "FUSE is not available: {why}"),
            NetFsError::NotEmpty(p) => write!(
                f,
                "refusing to mount over '{}': the directory is not empty (left untouched)",
                p.display()
            ),
            NetFsError::Source(p, e) => write!(f, "cannot serve '{}': {e}", p.display()),
            NetFsError::Mountpoint(p, e) => {
                write!(f, "cannot use mount point '{}': {e}", p.display())
            }
            NetFsError::Mount(p, e) => write!(f, "cannot mount on '{}': {e}", p.display()),
        }
    }
}

impl std::error::Error for NetFsError {}

/// Entry point: [`NetFs::builder`].
#[derive(Debug)]
pub struct NetFs;

impl NetFs {
    /// A mount of `source` with no latency, TTL 0 and 4 executor threads.
    pub fn builder(source: impl Into<PathBuf>) -> NetFsBuilder {
        NetFsBuilder {
            source: source.into(),
            latency: Duration::ZERO,
            overrides: Vec::new(),
            jitter: Duration::ZERO,
            ttl: Duration::ZERO,
            executors: 4,
        }
    }
}

/// Options of a mount (see [`NetFs::builder`]).
#[derive(Debug, Clone)]
pub struct NetFsBuilder {
    source: PathBuf,
    latency: Duration,
    overrides: Vec<(OpClass, Duration)>,
    jitter: Duration,
    ttl: Duration,
    executors: usize,
}

impl NetFsBuilder {
    /// The latency of every request the caller waits for (background
    /// `release`/`releasedir` get none unless set with [`Self::op_latency`]).
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }

    /// One class's latency, overriding [`Self::latency`].
    pub fn op_latency(mut self, class: OpClass, d: Duration) -> Self {
        self.overrides.push((class, d));
        self
    }

    /// Each request's latency is drawn uniformly in latency ± `jitter`
    /// (never below zero), so the mean stays the latency.
    pub fn jitter(mut self, d: Duration) -> Self {
        self.jitter = d;
        self
    }

    /// How long the kernel may cache entries and attributes (default 0:
    /// every `stat` and path lookup reaches the daemon).
    pub fn ttl(mut self, d: Duration) -> Self {
        self.ttl = d;
        self
    }

    /// Threads that do the real file-system work once a request's delay is
    /// over (default 4); the delays themselves need no thread.
    pub fn executors(mut self, n: usize) -> Self {
        self.executors = n.max(1);
        self
    }

    /// The latency table these options give.
    pub fn latency_table(&self) -> LatencyTable {
        let mut t = LatencyTable::uniform(self.latency);
        for &(c, d) in &self.overrides {
            t.set(c, d);
        }
        t
    }

    /// Mounts on `mountpoint`, which must be an empty directory (a
    /// directory that is not empty is refused and left untouched).
    pub fn mount(&self, mountpoint: impl AsRef<Path>) -> Result<Mount, NetFsError> {
        self.mount_at(mountpoint.as_ref().to_path_buf(), false)
    }

    /// Mounts on a new temporary directory (under the system's temporary
    /// directory), removed again on unmount.
    pub fn mount_temp(&self) -> Result<Mount, NetFsError> {
        check_available()?;
        let dir = temp_dir().map_err(|e| NetFsError::Mountpoint(std::env::temp_dir(), e))?;
        let r = self.mount_at(dir.clone(), true);
        if r.is_err() {
            let _ = std::fs::remove_dir(&dir);
        }
        r
    }

    #[cfg(not(target_os = "linux"))]
    fn mount_at(&self, _mountpoint: PathBuf, _remove: bool) -> Result<Mount, NetFsError> {
        Err(NetFsError::Unavailable(
            "the netfs mount is built for Linux only".into(),
        ))
    }

    #[cfg(target_os = "linux")]
    fn mount_at(&self, mountpoint: PathBuf, remove_dir: bool) -> Result<Mount, NetFsError> {
        let source = std::fs::canonicalize(&self.source)
            .map_err(|e| NetFsError::Source(self.source.clone(), e))?;
        let md = std::fs::metadata(&source).map_err(|e| NetFsError::Source(source.clone(), e))?;
        if !md.is_dir() {
            return Err(NetFsError::Source(
                source,
                io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        let mut entries = std::fs::read_dir(&mountpoint)
            .map_err(|e| NetFsError::Mountpoint(mountpoint.clone(), e))?;
        if entries.next().is_some() {
            return Err(NetFsError::NotEmpty(mountpoint));
        }
        check_available()?;
        let table = self.latency_table();
        let counters = Arc::new(OpCounters::default());
        let line = delay::DelayLine::start(self.executors)
            .map_err(|e| NetFsError::Mount(mountpoint.clone(), e))?;
        let fs = fs::NetFsFs::new(
            source.clone(),
            &md,
            Arc::clone(&line),
            table.clone(),
            self.jitter,
            self.ttl,
            Arc::clone(&counters),
        );
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::RO,
            fuser::MountOption::FSName("anivault-netfs".into()),
            fuser::MountOption::Subtype("anivault-netfs".into()),
            fuser::MountOption::DefaultPermissions,
            fuser::MountOption::NoAtime,
        ];
        let session = fuser::Session::new(fs, &mountpoint, &config)
            .and_then(fuser::Session::spawn)
            .map_err(|e| {
                line.shutdown();
                NetFsError::Mount(mountpoint.clone(), e)
            })?;
        Ok(Mount {
            session: Some(session),
            line,
            mountpoint,
            source,
            counters,
            table,
            remove_dir,
        })
    }
}

/// A live mount: unmounts when dropped (also while a panic unwinds).
///
/// Unmounting is `umount(2)` (or `fusermount3 -u`); if that fails (the
/// mount is busy), a lazy unmount (`umount2(MNT_DETACH)`) detaches it
/// anyway and the daemon ends when its last user closes.
pub struct Mount {
    #[cfg(target_os = "linux")]
    session: Option<fuser::BackgroundSession>,
    #[cfg(target_os = "linux")]
    line: Arc<delay::DelayLine>,
    mountpoint: PathBuf,
    source: PathBuf,
    counters: Arc<OpCounters>,
    table: LatencyTable,
    remove_dir: bool,
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mount")
            .field("mountpoint", &self.mountpoint)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Mount {
    /// Where the mount is.
    pub fn path(&self) -> &Path {
        &self.mountpoint
    }

    /// The directory it serves (canonical).
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Requests served so far, per class.
    pub fn counts(&self) -> OpCounts {
        self.counters.snapshot()
    }

    /// The latency of each class.
    pub fn latency_table(&self) -> &LatencyTable {
        &self.table
    }

    /// Unmounts now; `Ok` also when a lazy unmount was needed.
    pub fn unmount(mut self) -> Result<(), NetFsError> {
        self.unmount_inner()
    }

    fn unmount_inner(&mut self) -> Result<(), NetFsError> {
        #[cfg(target_os = "linux")]
        if let Some(session) = self.session.take() {
            if session.umount_and_join().is_err() && is_mounted(&self.mountpoint) {
                lazy_unmount(&self.mountpoint)
                    .map_err(|e| NetFsError::Mount(self.mountpoint.clone(), e))?;
            }
            self.line.shutdown();
        }
        if self.remove_dir {
            self.remove_dir = false;
            let _ = std::fs::remove_dir(&self.mountpoint);
        }
        Ok(())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if let Err(e) = self.unmount_inner() {
            eprintln!("anivault-bench netfs: {e}");
        }
    }
}

/// Detaches whatever is mounted at `path` (`umount2(MNT_DETACH)`).
pub fn lazy_unmount(path: &Path) -> io::Result<()> {
    rustix::mount::unmount(path, rustix::mount::UnmountFlags::DETACH).map_err(io::Error::from)
}

/// Whether `path` is a mount point in this process's mount table
/// (`/proc/self/mountinfo`, field 5, with its octal escapes).
pub fn is_mounted(path: &Path) -> bool {
    let Ok(info) = std::fs::read("/proc/self/mountinfo") else {
        return false;
    };
    let want = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let want = std::os::unix::ffi::OsStrExt::as_bytes(want.as_os_str()).to_vec();
    info.split(|&b| b == b'\n').any(|line| {
        line.split(|&b| b == b' ')
            .nth(4)
            .is_some_and(|mp| unescape_mountinfo(mp) == want)
    })
}

fn unescape_mountinfo(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\'
            && i + 3 < s.len()
            && s[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((s[i + 1] - b'0') * 64 + (s[i + 2] - b'0') * 8 + (s[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether a mount can be attempted here; `Err` says why not.
pub fn check_available() -> Result<(), NetFsError> {
    if !cfg!(target_os = "linux") {
        return Err(NetFsError::Unavailable(
            "the netfs mount is built for Linux only".into(),
        ));
    }
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
    {
        return Err(NetFsError::Unavailable(format!(
            "cannot open /dev/fuse: {e} (load the fuse module, `modprobe fuse`, \
             or give the container the device)"
        )));
    }
    if !rustix::process::geteuid().is_root() && !on_path("fusermount3") && !on_path("fusermount") {
        return Err(NetFsError::Unavailable(
            "not root and no fusermount3 on PATH (`apt-get install fuse3`)".into(),
        ));
    }
    Ok(())
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

fn temp_dir() -> io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = base.join(format!("anivault-netfs-{}-{n}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mountinfo(br"/tmp/a\040b"), b"/tmp/a b".to_vec());
        assert_eq!(unescape_mountinfo(b"/x"), b"/x".to_vec());
        assert!(is_mounted(Path::new("/proc")));
        assert!(!is_mounted(Path::new("/proc/self")));
    }
}

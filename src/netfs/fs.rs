//! The read-only passthrough file system: each FUSE request is counted,
//! given its class's latency, and answered from the source directory by a
//! job of the delay line once that latency has passed.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{DirEntryExt, FileExt, MetadataExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, InitFlags,
    KernelConfig, LockOwner, OpenAccMode, OpenFlags, ReplyAttr, ReplyData, ReplyDirectory,
    ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, Request,
};

use super::delay::{DelayLine, Job};
use super::ops::{LatencyTable, OpClass, OpCounters};

/// Our inode numbers: 1 is the source root; the others are handed out the
/// first time a (device, inode) of the source is seen, and kept for the
/// life of the mount (a scan of anime-100k keeps about 10 MB of paths).
struct Inodes {
    paths: Vec<PathBuf>,
    by_key: HashMap<(u64, u64), u64>,
}

impl Inodes {
    fn path(&self, ino: INodeNo) -> Option<PathBuf> {
        let i = usize::try_from(ino.0).ok()?.checked_sub(1)?;
        self.paths.get(i).cloned()
    }
}

/// One entry of a directory, listed once at `opendir` (what an NFS
/// client's readdir cookies see: the listing of that open).
struct DirEnt {
    ino: u64,
    kind: FileType,
    name: OsString,
}

/// State the jobs share (they run on the delay line's threads).
pub(crate) struct Shared {
    inodes: RwLock<Inodes>,
    dirs: Mutex<HashMap<u64, Arc<Vec<DirEnt>>>>,
    files: Mutex<HashMap<u64, Arc<File>>>,
    next_fh: AtomicU64,
    ttl: Duration,
    root: PathBuf,
}

impl Shared {
    fn intern(&self, key: (u64, u64), path: PathBuf) -> u64 {
        if let Some(&ino) = self
            .inodes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_key
            .get(&key)
        {
            return ino;
        }
        let mut w = self.inodes.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&ino) = w.by_key.get(&key) {
            return ino;
        }
        w.paths.push(path);
        let ino = w.paths.len() as u64;
        w.by_key.insert(key, ino);
        ino
    }

    fn path(&self, ino: INodeNo) -> Result<PathBuf, Errno> {
        self.inodes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .path(ino)
            .ok_or(Errno::ENOENT)
    }

    fn attr(&self, path: PathBuf) -> Result<FileAttr, Errno> {
        let md = std::fs::symlink_metadata(&path).map_err(errno)?;
        let ino = if path == self.root {
            1
        } else {
            self.intern((md.dev(), md.ino()), path)
        };
        Ok(to_attr(ino, &md))
    }

    fn fh(&self) -> u64 {
        self.next_fh.fetch_add(1, Ordering::Relaxed)
    }
}

/// The file system fuser drives: counts and delays every request.
pub(crate) struct NetFsFs {
    shared: Arc<Shared>,
    line: Arc<DelayLine>,
    latency: LatencyTable,
    jitter: Duration,
    rng: AtomicU64,
    counters: Arc<OpCounters>,
}

impl NetFsFs {
    pub(crate) fn new(
        root: PathBuf,
        root_md: &Metadata,
        line: Arc<DelayLine>,
        latency: LatencyTable,
        jitter: Duration,
        ttl: Duration,
        counters: Arc<OpCounters>,
    ) -> Self {
        let mut by_key = HashMap::new();
        by_key.insert((root_md.dev(), root_md.ino()), 1);
        NetFsFs {
            shared: Arc::new(Shared {
                inodes: RwLock::new(Inodes {
                    paths: vec![root.clone()],
                    by_key,
                }),
                dirs: Mutex::new(HashMap::new()),
                files: Mutex::new(HashMap::new()),
                next_fh: AtomicU64::new(1),
                ttl,
                root,
            }),
            line,
            latency,
            jitter,
            rng: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            counters,
        }
    }

    /// Counts the request and queues `job` to run after its latency
    /// (± jitter, uniform, never below zero).
    fn after(&self, class: OpClass, job: impl FnOnce(&Shared) + Send + 'static) {
        self.counters.add(class);
        let mut d = self.latency.get(class);
        if !self.jitter.is_zero() {
            // xorshift64*: deterministic, no dependency, good enough here.
            let mut x = self.rng.load(Ordering::Relaxed);
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.rng.store(x, Ordering::Relaxed);
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11; // 53 bits
            let unit = r as f64 / (1u64 << 53) as f64; // [0, 1)
            let offset = self.jitter.mul_f64(2.0 * unit);
            d = (d + offset).saturating_sub(self.jitter);
        }
        let shared = Arc::clone(&self.shared);
        let job: Job = Box::new(move || job(&shared));
        self.line.submit(Instant::now() + d, job);
    }
}

fn errno(e: io::Error) -> Errno {
    Errno::from(e)
}

fn kind_of(ft: std::fs::FileType) -> FileType {
    FileType::from_std(ft).unwrap_or(FileType::RegularFile)
}

fn time(secs: i64, nsecs: i64) -> SystemTime {
    let nanos = u32::try_from(nsecs).unwrap_or(0);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs.unsigned_abs(), nanos)
    } else {
        UNIX_EPOCH - Duration::new(secs.unsigned_abs(), 0) + Duration::new(0, nanos)
    }
}

fn to_attr(ino: u64, md: &Metadata) -> FileAttr {
    FileAttr {
        ino: INodeNo(ino),
        size: md.size(),
        blocks: md.blocks(),
        atime: time(md.atime(), md.atime_nsec()),
        mtime: time(md.mtime(), md.mtime_nsec()),
        ctime: time(md.ctime(), md.ctime_nsec()),
        crtime: time(md.ctime(), md.ctime_nsec()),
        kind: kind_of(md.file_type()),
        perm: (md.mode() & 0o7777) as u16,
        nlink: u32::try_from(md.nlink()).unwrap_or(u32::MAX),
        uid: md.uid(),
        gid: md.gid(),
        rdev: u32::try_from(md.rdev()).unwrap_or(0),
        blksize: u32::try_from(md.blksize()).unwrap_or(4096),
        flags: 0,
    }
}

fn list(shared: &Shared, ino: INodeNo) -> Result<Vec<DirEnt>, Errno> {
    let path = shared.path(ino)?;
    let md = std::fs::symlink_metadata(&path).map_err(errno)?;
    if !md.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let mut out = vec![
        DirEnt {
            ino: ino.0,
            kind: FileType::Directory,
            name: ".".into(),
        },
        DirEnt {
            ino: ino.0,
            kind: FileType::Directory,
            name: "..".into(),
        },
    ];
    for e in std::fs::read_dir(&path).map_err(errno)? {
        let e = e.map_err(errno)?;
        let kind = kind_of(e.file_type().map_err(errno)?);
        let child = shared.intern((md.dev(), e.ino()), e.path());
        out.push(DirEnt {
            ino: child,
            kind,
            name: e.file_name(),
        });
    }
    Ok(out)
}

impl Filesystem for NetFsFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> io::Result<()> {
        // Lookups and readdirs in one directory run in parallel (without
        // this the kernel serialises them per directory).
        let _ = config.add_capabilities(InitFlags::FUSE_PARALLEL_DIROPS);
        let _ = config.set_max_background(512);
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let name = name.to_os_string();
        self.after(OpClass::Lookup, move |s| {
            match s.path(parent).and_then(|p| s.attr(p.join(&name))) {
                Ok(attr) => reply.entry(&s.ttl, &attr, Generation(0)),
                Err(e) => reply.error(e),
            }
        });
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        self.after(OpClass::Getattr, move |s| {
            match s.path(ino).and_then(|p| s.attr(p)) {
                Ok(attr) => reply.attr(&s.ttl, &attr),
                Err(e) => reply.error(e),
            }
        });
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        self.after(OpClass::Readlink, move |s| {
            match s
                .path(ino)
                .and_then(|p| std::fs::read_link(p).map_err(errno))
            {
                Ok(t) => reply.data(std::os::unix::ffi::OsStrExt::as_bytes(t.as_os_str())),
                Err(e) => reply.error(e),
            }
        });
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        if !matches!(flags.acc_mode(), OpenAccMode::O_RDONLY) {
            self.counters.add(OpClass::Open);
            reply.error(Errno::EROFS);
            return;
        }
        self.after(OpClass::Open, move |s| {
            match s.path(ino).and_then(|p| File::open(p).map_err(errno)) {
                Ok(f) => {
                    let fh = s.fh();
                    s.files
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(fh, Arc::new(f));
                    reply.opened(FileHandle(fh), FopenFlags::empty());
                }
                Err(e) => reply.error(e),
            }
        });
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        self.after(OpClass::Read, move |s| {
            let file = s
                .files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&fh.0)
                .cloned();
            let Some(file) = file else {
                reply.error(Errno::EBADF);
                return;
            };
            let mut buf = vec![0u8; size as usize];
            let mut got = 0;
            while got < buf.len() {
                match file.read_at(&mut buf[got..], offset + got as u64) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        reply.error(errno(e));
                        return;
                    }
                }
            }
            reply.data(&buf[..got]);
        });
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.after(OpClass::Release, move |s| {
            s.files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&fh.0);
            reply.ok();
        });
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        self.after(OpClass::Opendir, move |s| match list(s, ino) {
            Ok(entries) => {
                let fh = s.fh();
                s.dirs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(fh, Arc::new(entries));
                // No FOPEN_CACHE_DIR: the kernel asks again for every
                // listing, as over a network.
                reply.opened(FileHandle(fh), FopenFlags::empty());
            }
            Err(e) => reply.error(e),
        });
    }

    fn readdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        self.after(OpClass::Readdir, move |s| {
            let entries = s
                .dirs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&fh.0)
                .cloned();
            let Some(entries) = entries else {
                reply.error(Errno::EBADF);
                return;
            };
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            for (i, e) in entries.iter().enumerate().skip(start) {
                if reply.add(INodeNo(e.ino), i as u64 + 1, e.kind, &e.name) {
                    break;
                }
            }
            reply.ok();
        });
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        reply: ReplyEmpty,
    ) {
        self.after(OpClass::Releasedir, move |s| {
            s.dirs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&fh.0);
            reply.ok();
        });
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        self.after(OpClass::Statfs, move |s| {
            match rustix::fs::statvfs(&s.root) {
                Ok(v) => reply.statfs(
                    v.f_blocks,
                    v.f_bfree,
                    v.f_bavail,
                    v.f_files,
                    v.f_ffree,
                    u32::try_from(v.f_bsize).unwrap_or(4096),
                    u32::try_from(v.f_namemax).unwrap_or(255),
                    u32::try_from(v.f_frsize).unwrap_or(4096),
                ),
                Err(e) => reply.error(Errno::from_i32(e.raw_os_error())),
            }
        });
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        // default_permissions: the kernel checks modes itself.
        self.after(OpClass::Other, move |_| reply.ok());
    }
}

//! [`ScanOptions`] (the builder every strategy reads) and [`ExtensionSet`].

use std::sync::Arc;

use crate::extset::Lookup;
use crate::Strategy;

/// Common video container extensions: the default filter.
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mkv", "mp4", "m4v", "avi", "mov", "wmv", "webm", "flv", "ts", "m2ts", "mts", "mpg", "mpeg",
    "ogm", "ogv", "rmvb", "vob", "3gp",
];
/// Subtitle extensions.
pub const SUBTITLE_EXTENSIONS: &[&str] = &["ass", "ssa", "srt", "sub", "idx", "sup", "vtt"];
/// Audio extensions (soundtracks, external audio tracks).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mka", "flac", "mp3", "aac", "m4a", "ogg", "opus", "wav", "ac3", "dts",
];

/// A set of file-name extensions, matched ASCII case-insensitively against
/// the bytes after the last dot of a name.
///
/// # Example
///
/// ```
/// use anivault_scanner::ExtensionSet;
/// let set = ExtensionSet::video();
/// assert!(set.matches_name(b"[Grp] Show - 01.MKV"));
/// assert!(!set.matches_name(b"Show - 01.ass"));
/// assert!(ExtensionSet::subtitles().matches_name(b"Show - 01.en.forced.ass"));
/// let custom = ExtensionSet::new(["rs", "toml"]);
/// assert!(custom.matches_name(b"Cargo.TOML"));
/// ```
///
/// A test costs a few instructions whatever the size of the set: the
/// extension is lower-cased into a `u64` and looked up in a small hash
/// table (see `extset.rs`), instead of being compared with every member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionSet {
    /// Lower-cased, without the dot, in insertion order.
    exts: Vec<Box<[u8]>>,
    /// The same extensions, for the per-entry test.
    lookup: Lookup,
}

impl ExtensionSet {
    /// A set from extensions given without the dot (a leading dot is
    /// tolerated); case does not matter.
    pub fn new<I, S>(exts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut set = ExtensionSet {
            exts: Vec::new(),
            lookup: Lookup::default(),
        };
        for e in exts {
            set.insert(e.as_ref());
        }
        set.rebuild();
        set
    }

    fn rebuild(&mut self) {
        self.lookup = Lookup::new(self.exts.iter().map(|e| &e[..]));
    }

    fn insert(&mut self, ext: &[u8]) {
        let ext = ext.strip_prefix(b".").unwrap_or(ext);
        let lower: Box<[u8]> = ext.to_ascii_lowercase().into();
        if !lower.is_empty() && !self.exts.contains(&lower) {
            self.exts.push(lower);
        }
    }

    /// Video extensions ([`VIDEO_EXTENSIONS`]): the default.
    pub fn video() -> Self {
        Self::new(VIDEO_EXTENSIONS)
    }

    /// Subtitle extensions ([`SUBTITLE_EXTENSIONS`]).
    pub fn subtitles() -> Self {
        Self::new(SUBTITLE_EXTENSIONS)
    }

    /// Audio extensions ([`AUDIO_EXTENSIONS`]).
    pub fn audio() -> Self {
        Self::new(AUDIO_EXTENSIONS)
    }

    /// Video, subtitle and audio extensions together.
    pub fn all_media() -> Self {
        Self::video()
            .union(&Self::subtitles())
            .union(&Self::audio())
    }

    /// The union of two sets.
    pub fn union(mut self, other: &ExtensionSet) -> Self {
        for e in &other.exts {
            self.insert(e);
        }
        self.rebuild();
        self
    }

    /// The extensions, lower-cased, without dots.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.exts.iter().map(|e| &e[..])
    }

    /// True when the set has no extension (then nothing matches).
    pub fn is_empty(&self) -> bool {
        self.exts.is_empty()
    }

    /// Does this extension (without the dot) belong to the set?
    #[inline]
    pub fn contains(&self, ext: &[u8]) -> bool {
        self.lookup.contains(ext)
    }

    /// Does a file name match: the bytes after its last dot are in the set.
    /// A name without a dot never matches; `.mkv` (a hidden file) does.
    #[inline]
    pub fn matches_name(&self, name: &[u8]) -> bool {
        self.lookup.matches_name(name)
    }
}

impl Default for ExtensionSet {
    fn default() -> Self {
        Self::video()
    }
}

/// How to scan: which files match, how to treat links, depth, threads and
/// which [`Strategy`] walks the tree. A small builder in the style of
/// walkdir's `WalkDir`.
///
/// # Example
///
/// ```
/// use anivault_scanner::{ExtensionSet, ScanOptions, Strategy};
/// let opts = ScanOptions::new()
///     .extensions(ExtensionSet::video().union(&ExtensionSet::subtitles()))
///     .follow_symlinks(true)
///     .max_depth(Some(6))
///     .threads(2)
///     .strategy(Strategy::Std);
/// assert_eq!(opts.get_threads(), 2);
/// assert!(opts.get_follow_symlinks());
/// ```
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub(crate) extensions: Arc<ExtensionSet>,
    pub(crate) follow_symlinks: bool,
    pub(crate) max_depth: Option<usize>,
    pub(crate) same_file_system: bool,
    pub(crate) threads: usize,
    pub(crate) strategy: Strategy,
    pub(crate) fd_budget: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            extensions: Arc::new(ExtensionSet::video()),
            follow_symlinks: false,
            max_depth: None,
            same_file_system: false,
            threads: 0,
            strategy: Strategy::default(),
            fd_budget: None,
        }
    }
}

impl ScanOptions {
    /// Defaults: video extensions, symlinks not followed, no depth limit,
    /// all file systems, threads = available cores, [`Strategy::default`].
    ///
    /// ```
    /// use anivault_scanner::{ScanOptions, Strategy};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("Show - 01.mkv"), b"").unwrap();
    /// std::fs::write(dir.path().join("Show - 01.ass"), b"").unwrap();
    /// let opts = ScanOptions::new();
    /// assert_eq!(opts.get_strategy(), Strategy::default());
    /// assert_eq!(opts.get_max_depth(), None);
    /// let found: Vec<_> = opts.scan(dir.path()).map(|r| r.unwrap().into_path()).collect();
    /// assert_eq!(found, vec![dir.path().join("Show - 01.mkv")]); // video only
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Which extensions make a file a media file.
    ///
    /// ```
    /// use anivault_scanner::{ExtensionSet, ScanOptions};
    /// let dir = tempfile::tempdir().unwrap();
    /// for name in ["Show - 01.mkv", "Show - 01.ass", "notes.txt"] {
    ///     std::fs::write(dir.path().join(name), b"").unwrap();
    /// }
    /// let subs = ScanOptions::new().extensions(ExtensionSet::subtitles());
    /// let found: Vec<_> = subs.scan(dir.path()).map(|r| r.unwrap().into_path()).collect();
    /// assert_eq!(found, vec![dir.path().join("Show - 01.ass")]);
    /// let both = ScanOptions::new().extensions(ExtensionSet::new(["mkv", "ass"]));
    /// assert_eq!(both.scan(dir.path()).count(), 2);
    /// ```
    pub fn extensions(mut self, set: ExtensionSet) -> Self {
        self.extensions = Arc::new(set);
        self
    }

    setters! {
        /// Follow symbolic links (`find -L`), with loop detection by device and
        /// inode. Default `false` (`find -P`: links are neither followed nor
        /// yielded).
        ///
        /// ```
        /// use anivault_scanner::{EntryKind, ScanOptions};
        /// let dir = tempfile::tempdir().unwrap();
        /// std::fs::create_dir(dir.path().join("Show")).unwrap();
        /// std::fs::write(dir.path().join("Show/Show - 01.mkv"), b"").unwrap();
        /// std::os::unix::fs::symlink("Show", dir.path().join("Alias")).unwrap();
        /// std::os::unix::fs::symlink("..", dir.path().join("Show/up")).unwrap(); // a loop
        /// assert_eq!(ScanOptions::new().scan(dir.path()).count(), 1); // links not followed
        /// let (found, loops): (Vec<_>, Vec<_>) = ScanOptions::new()
        ///     .follow_symlinks(true)
        ///     .scan(dir.path())
        ///     .partition(|r| r.is_ok());
        /// assert_eq!(found.len(), 2); // Show/… and Alias/…
        /// assert!(found.iter().all(|r| r.as_ref().unwrap().kind() == EntryKind::File));
        /// assert!(!loops.is_empty()); // every `up` link is reported as a loop, not walked
        /// ```
        follow_symlinks(yes: bool);

        /// Do not yield or descend below this depth (`find -maxdepth`); the root
        /// is depth 0, so `Some(1)` scans only the root's own files.
        ///
        /// ```
        /// use anivault_scanner::ScanOptions;
        /// let dir = tempfile::tempdir().unwrap();
        /// std::fs::create_dir_all(dir.path().join("Show/Extras")).unwrap();
        /// for p in ["top.mkv", "Show/Show - 01.mkv", "Show/Extras/NCOP.mkv"] {
        ///     std::fs::write(dir.path().join(p), b"").unwrap();
        /// }
        /// let depths = |d| {
        ///     let mut v: Vec<_> = ScanOptions::new()
        ///         .max_depth(d)
        ///         .scan(dir.path())
        ///         .map(|r| r.unwrap().depth())
        ///         .collect();
        ///     v.sort();
        ///     v
        /// };
        /// assert_eq!(depths(Some(1)), [1]);
        /// assert_eq!(depths(Some(2)), [1, 2]);
        /// assert_eq!(depths(None), [1, 2, 3]);
        /// ```
        max_depth(depth: Option<usize>);

        /// Do not descend into directories on another device than the root
        /// (`find -xdev`).
        ///
        /// ```
        /// use anivault_scanner::ScanOptions;
        /// let dir = tempfile::tempdir().unwrap();
        /// std::fs::create_dir(dir.path().join("Show")).unwrap();
        /// std::fs::write(dir.path().join("Show/Show - 01.mkv"), b"").unwrap();
        /// // One file system here: nothing is left out.
        /// let opts = ScanOptions::new().same_file_system(true);
        /// assert!(opts.get_same_file_system());
        /// assert_eq!(opts.scan(dir.path()).filter(|r| r.is_ok()).count(), 1);
        /// ```
        same_file_system(yes: bool);

        /// Worker threads for the parallel strategies; 0 (the default) means the
        /// number of available cores.
        ///
        /// With `getdents-par`, a count above the cores is taken to mean a
        /// walk that waits on reads (a network or FUSE mount, a local disk
        /// with a cold cache): the workers then hand subdirectories over
        /// unopened, so that the opens overlap as well as the listings.
        /// [`fskind::auto_threads`](crate::fskind::auto_threads) gives the
        /// count that suits a root's file system (16 on a local disk, 64
        /// on a network one).
        ///
        /// ```
        /// use anivault_scanner::ScanOptions;
        /// let dir = tempfile::tempdir().unwrap();
        /// for i in 0..20 {
        ///     std::fs::create_dir(dir.path().join(format!("Show {i}"))).unwrap();
        ///     std::fs::write(dir.path().join(format!("Show {i}/Show - 01.mkv")), b"").unwrap();
        /// }
        /// for n in [1, 2, 4] {
        ///     let opts = ScanOptions::new().threads(n);
        ///     assert_eq!(opts.get_threads(), n);
        ///     assert_eq!(opts.scan(dir.path()).filter(|r| r.is_ok()).count(), 20);
        /// }
        /// assert!(ScanOptions::new().threads(0).get_threads() >= 1); // all cores
        /// ```
        threads(n: usize);

        /// The walker (see [`Strategy`]; every available one yields the same
        /// files).
        ///
        /// ```
        /// use anivault_scanner::{ScanOptions, Strategy};
        /// let dir = tempfile::tempdir().unwrap();
        /// std::fs::create_dir(dir.path().join("Show")).unwrap();
        /// std::fs::write(dir.path().join("Show/Show - 01.mkv"), b"").unwrap();
        /// std::fs::write(dir.path().join("Show/Show - 02.mkv"), b"").unwrap();
        /// let paths = |s| {
        ///     let opts = ScanOptions::new().strategy(s);
        ///     let mut v: Vec<_> = opts.scan(dir.path()).map(|r| r.unwrap().into_path()).collect();
        ///     v.sort();
        ///     v
        /// };
        /// for s in Strategy::available() {
        ///     assert_eq!(paths(s), paths(Strategy::Std), "{s}");
        /// }
        /// ```
        strategy(s: Strategy);

        /// How many directory file descriptors the walk may hold open at once
        /// (all threads together). Default: derived from `RLIMIT_NOFILE`, so a
        /// deep tree scans under `ulimit -n 64`.
        ///
        /// ```
        /// use anivault_scanner::ScanOptions;
        /// let dir = tempfile::tempdir().unwrap();
        /// let mut deep = dir.path().to_path_buf();
        /// for i in 0..30 {
        ///     deep.push(format!("level {i}"));
        /// }
        /// std::fs::create_dir_all(&deep).unwrap();
        /// std::fs::write(deep.join("Show - 01.mkv"), b"").unwrap();
        /// // 30 levels with at most 4 directories open at once.
        /// let opts = ScanOptions::new().fd_budget(Some(4));
        /// assert_eq!(opts.get_fd_budget(), 4);
        /// let found: Vec<_> = opts.scan(dir.path()).map(|r| r.unwrap()).collect();
        /// assert_eq!(found.len(), 1);
        /// assert_eq!(found[0].depth(), 31);
        /// assert!(ScanOptions::new().get_fd_budget() >= 4); // from RLIMIT_NOFILE
        /// ```
        fd_budget(n: Option<usize>);
    }

    /// The extension set.
    pub fn get_extensions(&self) -> &ExtensionSet {
        &self.extensions
    }
    /// Whether links are followed.
    pub fn get_follow_symlinks(&self) -> bool {
        self.follow_symlinks
    }
    /// The depth limit.
    pub fn get_max_depth(&self) -> Option<usize> {
        self.max_depth
    }
    /// Whether the walk stays on the root's file system.
    pub fn get_same_file_system(&self) -> bool {
        self.same_file_system
    }
    /// The strategy.
    pub fn get_strategy(&self) -> Strategy {
        self.strategy
    }

    /// Threads a parallel strategy uses: the option, or the available cores.
    pub fn get_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            crate::available_cores()
        }
    }

    /// The file-descriptor budget in force: the option, or a share of the
    /// soft `RLIMIT_NOFILE` that leaves room for the rest of the process.
    pub fn get_fd_budget(&self) -> usize {
        if let Some(n) = self.fd_budget {
            return n.max(2);
        }
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(1024);
        // Keep 24 descriptors (stdio, the binary, sockets) for the rest;
        // use at most half of what remains and at most 256, or
        // threads × (threads + 1) when that is more: a worker's share and
        // the hand-off queue (one share) stay a few directories deep at 64
        // threads, as a latency-bound walk needs.
        // Only an explicit count (the default, the cores, keeps 256 and
        // costs no `available_parallelism` call here).
        let threads = self.threads as u64;
        let cap = threads.saturating_mul(threads + 1).max(256);
        (soft.saturating_sub(24) / 2).clamp(4, cap) as usize
    }

    /// True when a file name is a media file under these options.
    #[inline]
    pub fn is_media_name(&self, name: &[u8]) -> bool {
        self.extensions.matches_name(name)
    }
}

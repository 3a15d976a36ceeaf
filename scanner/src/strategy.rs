//! [`Strategy`]: the interchangeable walkers, and what each platform has.

use std::fmt;
use std::str::FromStr;

/// A walker. Every strategy yields exactly the same set of files for the same
/// root and [`ScanOptions`](crate::ScanOptions); they differ in speed and memory.
///
/// # Example
///
/// ```
/// use anivault_scanner::Strategy;
/// let s: Strategy = "getdents-par".parse().unwrap();
/// assert_eq!(s.name(), "getdents-par");
/// assert!(Strategy::available().contains(&Strategy::Std));
/// assert!("nope".parse::<Strategy>().is_err());
/// ```
///
/// Every variant exists in every build; a strategy whose cargo feature is
/// off is not [`available`](Strategy::available), and scanning with it
/// yields one [`ErrorCause::Unsupported`](crate::ErrorCause) error naming
/// the feature (see [`feature`](Strategy::feature)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Strategy {
    /// `std::fs::read_dir` with an explicit stack (streaming, no recursion).
    Std,
    /// The walkdir crate.
    Walkdir,
    /// The jwalk crate (parallel, rayon-based; deprecated upstream).
    Jwalk,
    /// The dua-core crate (jwalk's successor; work-stealing).
    Dua,
    /// The ignore crate's parallel walker, all filters off.
    Ignore,
    /// `read_dir` fan-out on rayon, bounded channel to the consumer.
    Rayon,
    /// Raw `getdents64` through rustix, `openat` relative to the parent, one thread.
    Getdents,
    /// `getdents64` on all cores, work-stealing.
    GetdentsPar,
    /// Reference baseline: collects every path first, then filters.
    Eager,
}

impl Default for Strategy {
    /// The fastest strategy on a typical machine: `getdents-par` on Linux
    /// (when its feature, on by default, is compiled in)
    /// (raw `getdents64` on every core; on a 2-core machine it beat the
    /// single-thread `getdents` by 1.3× hot and 1.45× cold on anime-100k,
    /// issue 12), `std` elsewhere (`getdents64` is Linux-only, and `std` is
    /// the lean single-thread walk in constant memory).
    ///
    /// **Order:** the default gives no order guarantee. `getdents-par`
    /// yields files in whatever order its workers meet them, which changes
    /// from run to run; sort the results, or pick a single-thread strategy
    /// (`getdents`, `std`, `walkdir`) for a stable order on an unchanged
    /// tree.
    ///
    /// ```
    /// use anivault_scanner::Strategy;
    /// if Strategy::GetdentsPar.availability().is_ok() {
    ///     assert_eq!(Strategy::default(), Strategy::GetdentsPar);
    /// } else {
    ///     assert_eq!(Strategy::default(), Strategy::Std);
    /// }
    /// ```
    fn default() -> Self {
        if cfg!(all(target_os = "linux", feature = "getdents-par")) {
            Strategy::GetdentsPar
        } else {
            Strategy::Std
        }
    }
}

impl Strategy {
    /// Every strategy, in the order of DESIGN.md.
    pub const ALL: [Strategy; 9] = [
        Strategy::Std,
        Strategy::Walkdir,
        Strategy::Jwalk,
        Strategy::Dua,
        Strategy::Ignore,
        Strategy::Rayon,
        Strategy::Getdents,
        Strategy::GetdentsPar,
        Strategy::Eager,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Std => "std",
            Strategy::Walkdir => "walkdir",
            Strategy::Jwalk => "jwalk",
            Strategy::Dua => "dua",
            Strategy::Ignore => "ignore",
            Strategy::Rayon => "rayon",
            Strategy::Getdents => "getdents",
            Strategy::GetdentsPar => "getdents-par",
            Strategy::Eager => "eager",
        }
    }

    /// One line on how it works.
    pub fn describe(self) -> &'static str {
        match self {
            Strategy::Std => "std::fs::read_dir, explicit stack of open directories, fd budget",
            Strategy::Walkdir => "walkdir crate (single thread, depth-first)",
            Strategy::Jwalk => "jwalk crate (rayon, parallel read_dir, ordered)",
            Strategy::Dua => "dua-core crate (work-stealing pool, batched results)",
            Strategy::Ignore => "ignore crate's parallel walker, every filter off",
            Strategy::Rayon => "read_dir fan-out on rayon, bounded channel to the consumer",
            Strategy::Getdents => "raw getdents64 + openat relative to the parent fd, one thread",
            Strategy::GetdentsPar => "getdents64 + openat on all cores, hand-off to idle workers",
            Strategy::Eager => "baseline: collect every path in a Vec, then filter",
        }
    }

    /// True when the strategy runs walker threads of its own.
    pub fn is_parallel(self) -> bool {
        matches!(
            self,
            Strategy::Jwalk
                | Strategy::Dua
                | Strategy::Ignore
                | Strategy::Rayon
                | Strategy::GetdentsPar
        )
    }

    /// The cargo feature that compiles the strategy in (`None` for `std`,
    /// always there).
    ///
    /// ```
    /// use anivault_scanner::Strategy;
    /// assert_eq!(Strategy::Std.feature(), None);
    /// assert_eq!(Strategy::Walkdir.feature(), Some("compare-walkers"));
    /// assert_eq!(Strategy::GetdentsPar.feature(), Some("getdents-par"));
    /// ```
    pub fn feature(self) -> Option<&'static str> {
        Some(match self {
            Strategy::Std => return None,
            Strategy::Walkdir | Strategy::Jwalk | Strategy::Dua | Strategy::Ignore => {
                "compare-walkers"
            }
            Strategy::Rayon => "rayon",
            Strategy::Getdents => "getdents",
            Strategy::GetdentsPar => "getdents-par",
            Strategy::Eager => "eager",
        })
    }

    /// True when this build has the strategy's cargo feature.
    fn compiled(self) -> bool {
        match self {
            Strategy::Std => true,
            Strategy::Walkdir | Strategy::Jwalk | Strategy::Dua | Strategy::Ignore => {
                cfg!(feature = "compare-walkers")
            }
            Strategy::Rayon => cfg!(feature = "rayon"),
            Strategy::Getdents => cfg!(feature = "getdents"),
            Strategy::GetdentsPar => cfg!(feature = "getdents-par"),
            Strategy::Eager => cfg!(feature = "eager"),
        }
    }

    /// `Ok(())` when this platform and this build have the strategy, else
    /// why not: a strategy whose cargo feature is off names the feature.
    ///
    /// ```
    /// use anivault_scanner::Strategy;
    /// assert_eq!(Strategy::Std.availability(), Ok(()));
    /// if let Err(why) = Strategy::Jwalk.availability() {
    ///     assert!(why.contains("`compare-walkers`"), "{why}");
    /// }
    /// ```
    pub fn availability(self) -> Result<(), &'static str> {
        match self {
            Strategy::Getdents | Strategy::GetdentsPar if !cfg!(target_os = "linux") => {
                Err("getdents64 is a Linux system call")
            }
            s if s.compiled() => Ok(()),
            Strategy::Walkdir | Strategy::Jwalk | Strategy::Dua | Strategy::Ignore => Err(
                "not compiled in: the third-party walkers need the cargo feature `compare-walkers`",
            ),
            Strategy::Rayon => Err("not compiled in: enable the cargo feature `rayon`"),
            Strategy::Getdents => Err("not compiled in: enable the cargo feature `getdents`"),
            Strategy::GetdentsPar => {
                Err("not compiled in: enable the cargo feature `getdents-par`")
            }
            Strategy::Eager => Err("not compiled in: enable the cargo feature `eager`"),
            Strategy::Std => Ok(()),
        }
    }

    /// The strategies this platform and this build have (see
    /// [`availability`](Strategy::availability) for why one is missing).
    pub fn available() -> Vec<Strategy> {
        Self::ALL
            .into_iter()
            .filter(|s| s.availability().is_ok())
            .collect()
    }

    /// `Ok(())` when the strategy can honour these options, else why not
    /// (the scan then yields one [`ErrorCause::Unsupported`](crate::ErrorCause) error).
    pub fn supports(self, opts: &crate::ScanOptions) -> Result<(), &'static str> {
        self.availability()?;
        if self == Strategy::Dua && opts.get_follow_symlinks() {
            return Err("dua-core never follows symbolic links (its walk() has no such option)");
        }
        Ok(())
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown strategy name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStrategy(pub String);

impl fmt::Display for UnknownStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        write!(
            f,
            "unknown strategy '{}' (expected one of: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownStrategy {}

impl FromStr for Strategy {
    type Err = UnknownStrategy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Strategy::ALL
            .into_iter()
            .find(|st| {
                st.name().eq_ignore_ascii_case(s)
                    || (s == "getdents_par" && *st == Strategy::GetdentsPar)
            })
            .ok_or_else(|| UnknownStrategy(s.to_string()))
    }
}

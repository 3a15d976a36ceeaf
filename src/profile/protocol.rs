//! The typed protocol between `profile` and its measuring child: one
//! [`Request`] as JSON on the child's stdin, one [`Response`] as JSON on its
//! stdout. The child takes no command-line arguments, so there is no
//! hand-kept argument list on either side.
//!
//! Paths travel as their exact bytes ([`BytePath`]), never as lossily
//! converted text: a root or a dhat file name that is not valid UTF-8
//! reaches the child unchanged.
//!
//! ```
//! use std::path::PathBuf;
//! use anivault_bench::profile::protocol::{BytePath, Mode, Request};
//! use anivault_bench::subject::Subject;
//!
//! let mut req = Request::new(Mode::Heap, "std".parse().unwrap(), PathBuf::from("/tmp/fx/tree"));
//! req.threads = 1;
//! let json = serde_json::to_vec(&req)?;
//! assert!(String::from_utf8_lossy(&json).contains(r#""subject":"std""#));
//! let back: Request = serde_json::from_slice(&json)?;
//! assert_eq!(back.root, BytePath::from(PathBuf::from("/tmp/fx/tree")));
//! assert_eq!(back.subject, Subject::Strategy("std".parse().unwrap()));
//! assert!(serde_json::from_str::<Subject>(r#""nope""#).is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::Sample;
use crate::subject::Subject;

/// The largest request the child reads (a request is a few hundred bytes).
pub const MAX_REQUEST_BYTES: u64 = 1 << 20;

/// A path as its bytes (a JSON array of numbers), so nothing is lost between
/// processes.
///
/// ```
/// use std::ffi::OsStr;
/// use std::os::unix::ffi::OsStrExt;
/// use std::path::Path;
/// use anivault_bench::profile::protocol::BytePath;
///
/// let odd = Path::new(OsStr::from_bytes(b"/tmp/fx\xff"));
/// let p = BytePath::from(odd);
/// assert_eq!(serde_json::to_string(&p).unwrap(), "[47,116,109,112,47,102,120,255]");
/// assert_eq!(p.to_path_buf(), odd);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BytePath(pub Vec<u8>);

impl BytePath {
    /// The path these bytes name.
    pub fn to_path_buf(&self) -> PathBuf {
        PathBuf::from(OsString::from_vec(self.0.clone()))
    }
}

impl From<&Path> for BytePath {
    fn from(p: &Path) -> Self {
        BytePath(p.as_os_str().as_bytes().to_vec())
    }
}

impl From<PathBuf> for BytePath {
    fn from(p: PathBuf) -> Self {
        BytePath(p.into_os_string().into_vec())
    }
}

/// What the child measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// dhat heap profile of one scan, live heap sampled on a clock.
    Heap,
    /// Wall time of `runs` scans with the system allocator.
    Time,
}

/// One measurement the parent asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// heap or time.
    pub mode: Mode,
    /// A strategy, or ScanParsePool (its name on the wire: `std`, `pool`).
    pub subject: Subject,
    /// The root: the child enters it (`chdir`) and scans `.`, so no figure
    /// depends on the root's path length.
    pub root: BytePath,
    /// Threads for parallel strategies (0: all cores).
    pub threads: usize,
    /// Allocation cap in bytes (0: none).
    pub cap_bytes: usize,
    /// Heap mode: sample live heap every this many milliseconds (0: 2 ms).
    pub sample_ms: u64,
    /// Time mode: sample RSS every N media files found.
    pub sample_every: u64,
    /// Timed runs (time mode).
    pub runs: usize,
    /// Where dhat writes its JSON (heap mode, an absolute path); none: not
    /// written.
    pub dhat_file: Option<BytePath>,
    /// A slow consumer: busy-wait this many microseconds per result.
    pub consumer_us: u64,
}

impl Request {
    /// A request with defaults: all cores, no cap, 2 ms heap samples, RSS
    /// every 1,000 files, one run, no dhat file, no slow consumer.
    pub fn new(mode: Mode, subject: Subject, root: PathBuf) -> Self {
        Request {
            mode,
            subject,
            root: root.into(),
            threads: 0,
            cap_bytes: 0,
            sample_ms: 2,
            sample_every: 1000,
            runs: 1,
            dhat_file: None,
            consumer_us: 0,
        }
    }
}

/// dhat's heap figures for the scan.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct HeapOut {
    /// Live bytes at the global peak.
    pub max_bytes: u64,
    /// Live blocks at the global peak.
    pub max_blocks: u64,
    /// Bytes allocated during the scan.
    pub total_bytes: u64,
    /// Blocks allocated during the scan.
    pub total_blocks: u64,
}

/// What the child measured.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChildOutput {
    /// The mode measured.
    pub mode: Mode,
    /// Media files found (last run).
    pub files: u64,
    /// Error items (last run).
    pub errors: u64,
    /// The text of the first error items (at most [`MAX_ERROR_SAMPLES`]).
    pub error_samples: Vec<String>,
    /// Wall time per run, nanoseconds.
    pub wall_ns: Vec<u64>,
    /// Heap figures (heap mode).
    pub heap: Option<HeapOut>,
    /// Own `VmHWM` at the end, KiB.
    pub vmhwm_kb: Option<u64>,
    /// Heap mode: live heap on a clock (with the files found at each
    /// sample); time mode: RSS every `sample_every` files.
    pub timeline: Vec<Sample>,
}

/// How many error texts a child reports.
pub const MAX_ERROR_SAMPLES: usize = 5;

/// The child's answer: its figures, or why it could not measure.
pub type Response = Result<ChildOutput, String>;

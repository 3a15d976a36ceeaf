//! File and stdout I/O that hostile input cannot turn into a hang, an
//! out-of-memory kill, a clobbered device or a panic. One place, used by
//! every command:
//!
//! * [`read_bounded`]: reads an input file (report, baseline, manifest,
//!   marker) only when it is a regular file no larger than a cap. A FIFO
//!   cannot block (it is opened with `O_NONBLOCK`, then refused), `/dev/zero`
//!   cannot fill memory (a device is refused before it is opened).
//! * [`write_atomic`]: writes a file through a temporary file in the same
//!   directory and a rename, and only over a regular file (or nothing): a
//!   device, FIFO, socket or directory at the path is refused untouched. A
//!   symbolic link is followed to its final target, which is replaced
//!   atomically; the link itself stays. [`replace_atomic`] is the same
//!   for files inside a directory we made: a link there is replaced, never
//!   followed.
//! * [`stdout_exit_code`]: how a command's standard output failing maps to
//!   the exit code: a closed pipe (`| head`) exits quietly, anything else
//!   (`> /dev/full`) prints one line and exits 1.
//!
//! Errors are [`io::Error`]s whose message says why (`not a regular file:
//! a FIFO`, `larger than the 64 MiB cap`); callers add the path.
//!
//! ```
//! use anivault_bench::fsio;
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("x.json");
//! fsio::write_atomic(&p, b"{}").unwrap();
//! assert_eq!(fsio::read_bounded(&p, 16).unwrap(), b"{}");
//! assert!(fsio::read_bounded(&p, 1).is_err()); // over the cap
//! assert!(fsio::read_bounded(std::path::Path::new("/dev/zero"), 16).is_err());
//! ```

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{self as rfs, Mode, OFlags};

use crate::exit;

/// Cap on a report or baseline (JSON): ours are a few hundred KB.
pub const REPORT_CAP: u64 = 64 << 20;
/// Cap on a fixture manifest (JSON): ours are about 1 KB.
pub const MANIFEST_CAP: u64 = 1 << 20;
/// Cap on the fixture marker file: ours is one line.
pub const MARKER_CAP: u64 = 64 << 10;

/// `a FIFO`, `a directory`, ...: what a file type is, for messages.
fn kind_of(ft: fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "an unknown kind of file"
    }
}

/// The cap in words: `64 MiB`, `64 KiB`, `100 bytes`.
fn cap_text(cap: u64) -> String {
    if cap >= 1 << 20 && cap.is_multiple_of(1 << 20) {
        format!("{} MiB", cap >> 20)
    } else if cap >= 1 << 10 && cap.is_multiple_of(1 << 10) {
        format!("{} KiB", cap >> 10)
    } else {
        format!("{cap} bytes")
    }
}

fn not_regular(ft: fs::FileType, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "not a regular file but {}; refusing to {what} it",
            kind_of(ft)
        ),
    )
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "larger than the {} cap for this kind of file; refusing to read it",
            cap_text(cap)
        ),
    )
}

/// Reads the whole of `path` when it is a regular file (a symbolic link to
/// one is followed) of at most `cap` bytes. Anything else is refused
/// without reading: a FIFO, device, socket or directory (`InvalidInput`),
/// a file over the cap (`InvalidData`, also when it grows past the cap
/// while being read). A missing file gives `NotFound`.
///
/// ```
/// use std::path::Path;
/// use anivault_bench::fsio::read_bounded;
/// let e = read_bounded(Path::new("/dev/null"), 1024).unwrap_err();
/// assert!(e.to_string().contains("character device"), "{e}");
/// ```
pub fn read_bounded(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    // Refuse what is not a regular file before opening it (opening some
    // devices has effects); then check again on the descriptor, which is
    // what is read (the path may have been swapped in between).
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type(), "read"));
    }
    let fd = rfs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let file = fs::File::from(fd);
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type(), "read"));
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// The file a write to `path` lands in: `path` itself, or, when it is a
/// symbolic link, its final target (relative links resolve against the
/// link's directory; more than 40 hops is a loop).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p)?;
                p = if link.is_absolute() {
                    link
                } else {
                    p.parent().unwrap_or(Path::new("")).join(link)
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

/// Writes `bytes` to `path` atomically and returns the file written:
/// `path`, or the final target when `path` is a symbolic link (the link
/// is kept and now points at the new contents).
///
/// The target must be missing or a regular file this process may write;
/// a directory, FIFO, socket or device there is refused (`InvalidInput`)
/// and left as it is. The parent directory is created when missing. The
/// bytes go to a new temporary file beside the target (`.NAME.tmp.PID.N`),
/// which is synced and renamed over the target; on any error the temporary
/// file is removed and the target is untouched.
///
/// ```
/// use anivault_bench::fsio::write_atomic;
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("real.json"), b"old").unwrap();
/// std::os::unix::fs::symlink("real.json", dir.path().join("link.json")).unwrap();
/// let written = write_atomic(&dir.path().join("link.json"), b"new").unwrap();
/// assert_eq!(written, dir.path().join("real.json"));
/// assert_eq!(std::fs::read(&written).unwrap(), b"new");
/// assert!(write_atomic(std::path::Path::new("/dev/null"), b"x").is_err());
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let target = resolve_links(path)?;
    match fs::symlink_metadata(&target) {
        Ok(m) if m.is_file() => writable(&target)?,
        Ok(m) => return Err(not_regular(m.file_type(), "replace")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    rename_into_place(&target, bytes)?;
    Ok(target)
}

/// [`write_atomic`] for a file inside a directory this program made (a
/// fixture's manifest and markers): a symbolic link at `path` is never
/// followed; the new file replaces the link itself, so nothing outside
/// the directory is written. A directory, FIFO, socket or device there is
/// refused (`InvalidInput`) and left as it is.
///
/// ```
/// use anivault_bench::fsio::replace_atomic;
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("elsewhere"), b"keep").unwrap();
/// std::os::unix::fs::symlink("elsewhere", dir.path().join("m.json")).unwrap();
/// replace_atomic(&dir.path().join("m.json"), b"new").unwrap();
/// assert_eq!(std::fs::read(dir.path().join("elsewhere")).unwrap(), b"keep");
/// assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), b"new");
/// assert!(replace_atomic(dir.path(), b"x").is_err()); // a directory
/// ```
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => writable(path)?,
        Ok(m) if m.file_type().is_symlink() => {}
        Ok(m) => return Err(not_regular(m.file_type(), "replace")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    rename_into_place(path, bytes)
}

/// `PermissionDenied` unless this process may write the regular file
/// `path` (it is about to be replaced).
fn writable(path: &Path) -> io::Result<()> {
    rfs::access(path, rfs::Access::WRITE_OK).map_err(|_| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is not writable by this user; refusing to replace it",
        )
    })
}

/// Writes `bytes` to a new temporary file beside `target`, syncs it and
/// renames it over `target` (the directory entry itself: a link there is
/// replaced, not followed); creates the parent directory when missing. On
/// any error the temporary file is removed and `target` is untouched.
fn rename_into_place(target: &Path, bytes: &[u8]) -> io::Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = parent.join(tmp_name);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| fs::rename(&tmp, target));
    drop(f);
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// The exit code of a command that printed to standard output through an
/// `io::Write`: its own code when printing worked; 0, silently, when the
/// reader went away (`| head`: it has what it wanted); otherwise one line
/// naming the cause on stderr, and 1.
///
/// ```
/// use std::io;
/// use anivault_bench::fsio::stdout_exit_code;
/// assert_eq!(stdout_exit_code(Ok(2)), 2);
/// assert_eq!(stdout_exit_code(Err(io::ErrorKind::BrokenPipe.into())), 0);
/// assert_eq!(stdout_exit_code(Err(io::Error::from_raw_os_error(28))), 1);
/// ```
pub fn stdout_exit_code(result: io::Result<u8>) -> u8 {
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("anivault-bench: cannot write to standard output: {e}");
            exit::ERRORS
        }
    }
}

/// A verdict `code` that a closed pipe must not hide: `Ok(code)` when
/// `printed` worked or failed only because the reader went away, the
/// error otherwise (then the caller exits 1 through [`stdout_exit_code`]).
/// For commands whose exit code is a verdict (`gate`, `profile`, `run`,
/// `compare`): `gate | head -1`
/// still fails on a regression.
pub fn keep_verdict(code: u8, printed: io::Result<()>) -> io::Result<u8> {
    match printed {
        Ok(()) => Ok(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_fifo_without_blocking_and_caps_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("f");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rfs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
        let e = read_bounded(&fifo, 10).expect_err("fifo");
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = write_atomic(&fifo, b"x").expect_err("fifo");
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = read_bounded(dir.path(), 10).expect_err("dir");
        assert!(e.to_string().contains("a directory"), "{e}");
        let big = dir.path().join("big");
        fs::write(&big, vec![b'x'; 2048]).expect("write");
        let e = read_bounded(&big, 1024).expect_err("big");
        assert!(e.to_string().contains("1 KiB cap"), "{e}");
        assert_eq!(read_bounded(&big, 2048).expect("fits").len(), 2048);
    }

    #[test]
    fn dangling_link_creates_its_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("sub/t", &link).expect("symlink");
        let w = write_atomic(&link, b"x").expect("write");
        assert_eq!(w, dir.path().join("sub/t"));
        assert!(fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&link).expect("read"), b"x");
    }
}

//! The system-call layer of the `getdents` engine: `getdents64` into a
//! buffer, the `linux_dirent64` records parsed in place, and the `openat`,
//! `fstat` and `statat` helpers.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rustix::fs::{fstat, statat, AtFlags, FileType, OFlags};

use crate::walk::common::DirId;

pub(super) const DT_UNKNOWN: u8 = 0;
pub(super) const DT_DIR: u8 = 4;
pub(super) const DT_REG: u8 = 8;
pub(super) const DT_LNK: u8 = 10;

pub(super) fn dir_flags(follow: bool) -> OFlags {
    let f = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if follow {
        f
    } else {
        f | OFlags::NOFOLLOW
    }
}

pub(super) fn os_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

pub(super) fn to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsString::from_vec(bytes.to_vec()))
}

/// `dir/name` in one allocation of the exact size.
#[inline]
pub(super) fn join(dir: &[u8], name: &[u8]) -> PathBuf {
    let mut v = Vec::with_capacity(dir.len() + 1 + name.len());
    v.extend_from_slice(dir);
    if v.last() != Some(&b'/') {
        v.push(b'/');
    }
    v.extend_from_slice(name);
    PathBuf::from(OsString::from_vec(v))
}

pub(super) fn dir_id(fd: BorrowedFd<'_>) -> io::Result<DirId> {
    let st = fstat(fd).map_err(os_err)?;
    Ok((st.st_dev, st.st_ino))
}

/// One `getdents64` call into `buf`; the number of bytes read (0 at the end).
pub(crate) fn getdents(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the
    // whole call and `fd` is an open descriptor borrowed for the call; the
    // kernel writes at most `buf.len()` bytes. rustix's safe wrapper
    // (`RawDir`) borrows its buffer, which cannot live in a stack of levels.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            fd.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// [`silent_not_found`](crate::walk::common::links::silent_not_found)'s rule for `name` in
/// `dir`: still a symbolic link (`lstat`) whose target is missing.
pub(super) fn dangling_at(dir: BorrowedFd<'_>, name: &[u8]) -> bool {
    statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
        && matches!(
            statat(dir, name, AtFlags::empty()),
            Err(rustix::io::Errno::NOENT)
        )
}

/// A record parsed from the buffer: name range, `d_type`, `d_off`.
pub(super) struct Record {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) d_type: u8,
    pub(super) off: u64,
}

pub(super) fn parse(buf: &[u8], pos: usize) -> Option<(Record, usize)> {
    let head = buf.get(pos..pos + 19)?;
    let off = u64::from_ne_bytes(head[8..16].try_into().ok()?);
    let reclen = u16::from_ne_bytes(head[16..18].try_into().ok()?) as usize;
    let d_type = head[18];
    if reclen < 20 || pos + reclen > buf.len() {
        return None;
    }
    let name = &buf[pos + 19..pos + reclen];
    Some((
        Record {
            start: pos + 19,
            end: pos + 19 + name_len(name),
            d_type,
            off,
        },
        pos + reclen,
    ))
}

/// Length of the NUL-terminated name in a record's name field.
///
/// The kernel (`filldir64`) makes `d_reclen` the smallest multiple of 8
/// that holds the 19-byte header, the name and its NUL, so the NUL is in
/// the field's last 8 bytes: those are loaded as one `u64` and its first
/// zero byte found without a loop. When that window starts with a NUL and
/// the byte before it is a NUL too (a record longer than the rule gives),
/// the field is searched from the start, so the result is always the first
/// NUL.
#[inline]
pub(crate) fn name_len(field: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if let Some(tail) = field.last_chunk::<8>() {
        let w = u64::from_le_bytes(*tail);
        // High bit of each zero byte of `w` (exact: no carries between bytes).
        let zeros = !(((w & !HIGH) + !HIGH) | w | !HIGH);
        let skip = field.len() - 8;
        if zeros != 0 {
            let i = (zeros.trailing_zeros() / 8) as usize;
            if i > 0 || skip == 0 || field[skip - 1] != 0 {
                return skip + i;
            }
        }
    }
    field.iter().position(|&b| b == 0).unwrap_or(field.len())
}

#[cfg(test)]
mod tests {
    use super::name_len;

    #[test]
    fn name_len_finds_the_first_nul_in_every_record_layout() {
        // Fields as the kernel lays them out (name, NUL, padding to a
        // multiple of 8 after the 19-byte header), padding zero or garbage,
        // and longer records than the rule gives.
        for len in 0..40usize {
            for extra in [0usize, 8, 16] {
                let field_len = (19 + len + 1).div_ceil(8) * 8 - 19 + extra;
                for pad in [0u8, 0xAA] {
                    let mut field = vec![pad; field_len];
                    field[..len].fill(b'n');
                    field[len] = 0;
                    if extra > 0 {
                        // Zeros only after the NUL in a longer record.
                        field[len..].fill(0);
                    }
                    assert_eq!(name_len(&field), len, "len {len} extra {extra} pad {pad}");
                }
            }
        }
        assert_eq!(name_len(b"abc"), 3);
        assert_eq!(name_len(b""), 0);
    }
}

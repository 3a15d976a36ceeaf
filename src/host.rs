//! Facts about the machine and the file system, recorded with every figure.

use std::path::Path;

use crate::report::Host;

/// Host facts: CPU model, cores, kernel, rustc, OS.
pub fn host() -> Host {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let uname = rustix::system::uname();
    Host {
        cpu,
        cores: anivault_scanner::available_cores(),
        kernel: uname.release().to_string_lossy().into_owned(),
        rustc: env!("ANIVAULT_RUSTC").to_string(),
        os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// The file system type of `path` by its `statfs` magic, e.g. `tmpfs`,
/// `ext4`; `unknown (0x…)` for others, `unknown (error)` when it cannot be read.
pub fn fs_type(path: &Path) -> String {
    let Ok(st) = rustix::fs::statfs(path) else {
        return "unknown (statfs failed)".into();
    };
    #[allow(clippy::unnecessary_cast)]
    let magic = st.f_type as u64;
    let name = match magic {
        0x0102_1994 => "tmpfs",
        0xEF53 => "ext4",
        0x5846_5342 => "xfs",
        0x9123_683E => "btrfs",
        0x794C_7630 => "overlayfs",
        0x6969 => "nfs",
        0x2FC1_2FC1 => "zfs",
        0xF2F5_2010 => "f2fs",
        0x6573_5546 => "fuse",
        0x8584_58F6 => "ramfs",
        0x0000_4d44 => "vfat",
        0x5346_544e => "ntfs",
        _ => return format!("unknown (0x{magic:x})"),
    };
    name.to_string()
}

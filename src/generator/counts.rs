//! What a tree holds: [`Counts`], kept by the sink's tally while a tree is
//! made and written in the manifest.

use serde::{Deserialize, Serialize};

/// What a tree holds, counted as `find TREE -mindepth 1` would (symbolic
/// links are not followed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Regular files (`find -type f`): `media_files + subtitle_files +
    /// audio_files + other_files`.
    pub files: u64,
    /// Directories below the root (`find -mindepth 1 -type d`).
    pub dirs: u64,
    /// Symbolic links (`find -type l`).
    pub symlinks: u64,
    /// FIFOs (`find -type p`).
    pub fifos: u64,
    /// Regular files whose extension is in
    /// `anivault_scanner::ExtensionSet::video()`: exactly what the scanner's
    /// default scan (video set, symlinks not followed) finds.
    pub media_files: u64,
    /// Regular files with a subtitle extension (`ExtensionSet::subtitles()`).
    pub subtitle_files: u64,
    /// Regular files with an audio extension (`ExtensionSet::audio()`).
    pub audio_files: u64,
    /// Every other regular file (fonts, artwork, .nfo, .sfv, ...).
    pub other_files: u64,
    /// Sum of the regular files' apparent sizes (`st_size`), in bytes.
    pub apparent_bytes: u64,
    /// The deepest entry (an entry directly in the tree root has depth 1).
    pub max_depth: u32,
    /// The longest path relative to the tree root, in bytes.
    pub max_path_bytes: u64,
}

impl Counts {
    /// Adds another tally's counts into this one.
    pub fn add(&mut self, o: &Counts) {
        self.files += o.files;
        self.dirs += o.dirs;
        self.symlinks += o.symlinks;
        self.fifos += o.fifos;
        self.media_files += o.media_files;
        self.subtitle_files += o.subtitle_files;
        self.audio_files += o.audio_files;
        self.other_files += o.other_files;
        self.apparent_bytes += o.apparent_bytes;
        self.max_depth = self.max_depth.max(o.max_depth);
        self.max_path_bytes = self.max_path_bytes.max(o.max_path_bytes);
    }

    /// Every entry below the root: files, directories, symlinks and FIFOs.
    pub fn entries(&self) -> u64 {
        self.files + self.dirs + self.symlinks + self.fifos
    }
}

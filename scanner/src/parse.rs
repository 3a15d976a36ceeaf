//! Release-name parsing: [`ParsedMedia`] and its parts ([`MediaKind`],
//! [`Episode`], [`Tag`]); the steps are documented on [`ParsedMedia`].

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use anitomy_ng::{Element, ElementKind, Options};

use crate::{ExtensionSet, MediaEntry};

/// At most this many folders above a file are read for a missing title,
/// season or year (the scan root's own name counts as one).
pub(crate) const MAX_FOLDER_LEVELS: usize = 4;

/// Folders remembered by one parser (each worker of a
/// [`ScanParsePool`](crate::ScanParsePool) has its own).
const FOLDER_CACHE: usize = 16;

/// What a media file is, decided by its extension against our own extension
/// classes (not by the parser).
///
/// ```
/// use anivault_scanner::MediaKind;
/// assert_eq!(MediaKind::from_extension(b"MKV"), MediaKind::Video);
/// assert_eq!(MediaKind::from_extension(b"sup"), MediaKind::Subtitle);
/// assert_eq!(MediaKind::from_extension(b"mka"), MediaKind::Audio);
/// assert_eq!(MediaKind::from_extension(b"nfo"), MediaKind::Other);
/// assert_eq!(MediaKind::Audio.to_string(), "audio");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A video container ([`VIDEO_EXTENSIONS`](crate::VIDEO_EXTENSIONS)).
    Video,
    /// A subtitle file ([`SUBTITLE_EXTENSIONS`](crate::SUBTITLE_EXTENSIONS)).
    Subtitle,
    /// An audio file or external audio track
    /// ([`AUDIO_EXTENSIONS`](crate::AUDIO_EXTENSIONS)).
    Audio,
    /// None of those (a custom [`ExtensionSet`] matched it).
    Other,
}

struct Classes {
    video: ExtensionSet,
    subtitle: ExtensionSet,
    audio: ExtensionSet,
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| Classes {
        video: ExtensionSet::video(),
        subtitle: ExtensionSet::subtitles(),
        audio: ExtensionSet::audio(),
    })
}

impl MediaKind {
    /// The class of an extension (without the dot, any case).
    pub fn from_extension(ext: &[u8]) -> MediaKind {
        let c = classes();
        if c.video.contains(ext) {
            MediaKind::Video
        } else if c.subtitle.contains(ext) {
            MediaKind::Subtitle
        } else if c.audio.contains(ext) {
            MediaKind::Audio
        } else {
            MediaKind::Other
        }
    }

    /// The lower-case name: `video`, `subtitle`, `audio` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Subtitle => "subtitle",
            MediaKind::Audio => "audio",
            MediaKind::Other => "other",
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The episode (or episodes) a release holds, as written in the name
/// (`05`, `07.5`, `01-12`): leading zeros are kept so the text can be
/// compared with other tools; [`first_number`](Self::first_number) gives
/// the value.
///
/// ```
/// use anivault_scanner::Episode;
/// let one = Episode::Single("05".into());
/// assert_eq!(one.first_number(), Some(5.0));
/// assert!(!one.is_range());
/// let batch = Episode::Range("01".into(), "12".into());
/// assert_eq!((batch.first(), batch.last()), ("01", "12"));
/// assert_eq!(batch.to_string(), "01-12");
/// assert_eq!(Episode::Single("07.5".into()).first_number(), Some(7.5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Episode {
    /// One episode.
    Single(String),
    /// Several episodes, from the first to the last named (a batch
    /// `01-12`, or a double episode `S01E01-E02`).
    Range(String, String),
}

impl Episode {
    /// The first (or only) episode, as written.
    pub fn first(&self) -> &str {
        match self {
            Episode::Single(e) | Episode::Range(e, _) => e,
        }
    }

    /// The last (or only) episode, as written.
    pub fn last(&self) -> &str {
        match self {
            Episode::Single(e) | Episode::Range(_, e) => e,
        }
    }

    /// True for a range.
    pub fn is_range(&self) -> bool {
        matches!(self, Episode::Range(..))
    }

    /// The first episode as a number, when it is one (`07.5` is 7.5).
    pub fn first_number(&self) -> Option<f64> {
        self.first().parse().ok()
    }

    /// The last episode as a number, when it is one.
    pub fn last_number(&self) -> Option<f64> {
        self.last().parse().ok()
    }
}

impl fmt::Display for Episode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Episode::Single(e) => f.write_str(e),
            Episode::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

/// Any other element of a release name, with the parser's name for its kind
/// (`video_term`, `audio_term`, `source`, `language`, `episode_title`,
/// `release_information`, `type`, …).
///
/// ```
/// use anivault_scanner::{EntryKind, MediaEntry, ParsedMedia};
/// let e = MediaEntry::new("Show.Name.S01E05.1080p.WEB-DL.x265-GRP.mkv".into(), 1, EntryKind::File);
/// let p = ParsedMedia::parse(e);
/// assert!(p.other.iter().any(|t| t.kind == "source" && t.value == "WEB-DL"));
/// assert!(p.other.iter().any(|t| t.kind == "video_term" && t.value == "x265"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The kind, as anitomy names it (snake case).
    pub kind: &'static str,
    /// The text.
    pub value: String,
}

/// A media file with what its release name says.
///
/// Made by a [`ScanParsePool`](crate::ScanParsePool) for every file of a
/// scan, or by [`ParsedMedia::parse`] for one entry. Fields the name (and
/// its folders) do not give are `None`.
///
/// How the fields are found:
///
/// 1. [`kind`](Self::kind) comes from the extension and our own classes
///    ([`MediaKind::from_extension`]); a known extension is removed before
///    parsing (the parser does not know `.mka` or `.sup` and reads `.flac`
///    as an audio term);
/// 2. for subtitles and audio tracks, trailing language and flag tags
///    (`Show - 01.en.forced.ass`, `Show - 01.jpn.mka`) are taken off and
///    kept in [`other`](Self::other) (kinds `language` and `other`);
/// 3. the rest of the name is parsed by the
///    [anitomy-ng](https://docs.rs/anitomy-ng) crate (a Rust port of
///    anitomy);
/// 4. what the name lacks is borrowed from the folders above the file,
///    nearest first, at most 4 of them (the scan root's own name counts as
///    one; a file in the root has one folder, a root that is a file none):
///    the title from the nearest folder that has one, skipping generic
///    names (`Season 01`, `Extras`, `SPs`, `Specials`, `NCOP`, `Disc 2`,
///    hidden folders, …); the season from a season folder (`Season 01`,
///    `S2`, `第2期`) or from the folder that gave the title; the year from
///    the folder that gave the title or whose title is the file's
///    (`Show (2020)/Season 01/Show S01E01.mkv` has the year 2020). A title
///    that only repeats the release type (`SP01.mkv` reads as title `SP`)
///    gives way to a folder's title.
///
/// Names that are not UTF-8 are parsed lossily (invalid bytes read as
/// U+FFFD); the entry's path stays bytes-exact.
///
/// ```
/// use anivault_scanner::{EntryKind, Episode, MediaEntry, MediaKind, ParsedMedia};
/// let e = MediaEntry::new(
///     "lib/Frieren/[SubsPlease] Sousou no Frieren - 05 (1080p) [A1B2C3D4].mkv".into(),
///     2,
///     EntryKind::File,
/// );
/// let p = ParsedMedia::parse(e);
/// assert_eq!(p.kind, MediaKind::Video);
/// assert_eq!(p.title.as_deref(), Some("Sousou no Frieren"));
/// assert_eq!(p.episode, Some(Episode::Single("05".into())));
/// assert_eq!(p.release_group.as_deref(), Some("SubsPlease"));
/// assert_eq!(p.resolution.as_deref(), Some("1080p"));
/// assert_eq!(p.checksum, Some(0xA1B2C3D4));
/// assert_eq!((p.season, p.version, p.year), (None, None, None));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ParsedMedia {
    /// The file, as the scan found it.
    pub entry: MediaEntry,
    /// Video, subtitle or audio, by extension.
    pub kind: MediaKind,
    /// The series or movie title (from the name, else from a folder above).
    pub title: Option<String>,
    /// The episode or range of episodes.
    pub episode: Option<Episode>,
    /// The season, as written (`01` in `S01E05` or a `Season 01` folder).
    pub season: Option<String>,
    /// The release (fansub, scene) group.
    pub release_group: Option<String>,
    /// The video resolution as written (`1080p`, `1920x1080`).
    pub resolution: Option<String>,
    /// The CRC32 checksum written in the name (`[A1B2C3D4]`).
    pub checksum: Option<u32>,
    /// The release version (`2` for `03v2`).
    pub version: Option<u32>,
    /// The year (from the name, else from the folder the title matches).
    pub year: Option<u16>,
    /// Every other element, in the order of the name.
    pub other: Vec<Tag>,
}

impl ParsedMedia {
    /// Parses one entry's name, with its folders as a fallback (see
    /// [`ParsedMedia`]; a [`ScanParsePool`](crate::ScanParsePool) does this
    /// for every file of a scan, on every core). Only the entry's path is
    /// read: the file system is not touched.
    ///
    /// ```
    /// use anivault_scanner::{EntryKind, MediaEntry, ParsedMedia};
    /// let e = MediaEntry::new("Title/Season 01/S01E01.mkv".into(), 3, EntryKind::File);
    /// let p = ParsedMedia::parse(e);
    /// assert_eq!(p.title.as_deref(), Some("Title"));
    /// assert_eq!(p.season.as_deref(), Some("01"));
    /// assert_eq!(p.episode.map(|e| e.to_string()).as_deref(), Some("01"));
    /// ```
    pub fn parse(entry: MediaEntry) -> ParsedMedia {
        Parser::new().parse(entry)
    }
}

/// The fields of a [`ParsedMedia`] without its entry.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    kind: Option<MediaKind>,
    title: Option<String>,
    episode: Option<Episode>,
    season: Option<String>,
    release_group: Option<String>,
    resolution: Option<String>,
    checksum: Option<u32>,
    version: Option<u32>,
    year: Option<u16>,
    other: Vec<Tag>,
}

impl Fields {
    pub(crate) fn into_media(self, entry: MediaEntry) -> ParsedMedia {
        ParsedMedia {
            entry,
            kind: self.kind.unwrap_or(MediaKind::Other),
            title: self.title,
            episode: self.episode,
            season: self.season,
            release_group: self.release_group,
            resolution: self.resolution,
            checksum: self.checksum,
            version: self.version,
            year: self.year,
            other: self.other,
        }
    }
}

/// What a folder name gives its files.
#[derive(Debug, Clone, Default)]
struct FolderInfo {
    /// A generic name (`Season 01`, `Extras`): never a title.
    generic: bool,
    title: Option<String>,
    season: Option<String>,
    year: Option<u16>,
}

/// Parses entries; remembers the last folders it read (files arrive
/// grouped by directory, so a folder is parsed about once per worker).
#[derive(Debug, Default)]
pub(crate) struct Parser {
    /// Folder path bytes and what it gives, most recent last.
    cache: Vec<(Box<[u8]>, FolderInfo)>,
}

fn options() -> Options {
    Options::default()
}

impl Parser {
    pub(crate) fn new() -> Self {
        Parser::default()
    }

    /// Forgets the folders (after a caught panic, for instance).
    pub(crate) fn reset(&mut self) {
        self.cache.clear();
    }

    /// Parses `entry` into a [`ParsedMedia`].
    pub(crate) fn parse(&mut self, entry: MediaEntry) -> ParsedMedia {
        self.fields(&entry).into_media(entry)
    }

    /// Parses `entry`'s name, then borrows from its folders.
    pub(crate) fn fields(&mut self, entry: &MediaEntry) -> Fields {
        let name = entry.file_name().as_bytes();
        let mut f = parse_name(&String::from_utf8_lossy(name));
        // A title that only names the type (`SP01.mkv` reads as title `SP`,
        // type `SP`) or a generic word gives way to a folder's title.
        let weak = f.title.as_deref().is_some_and(|t| {
            f.other
                .iter()
                .any(|o| o.kind == "type" && o.value.eq_ignore_ascii_case(t))
                || is_generic_folder(t)
        });
        let weak_title = if weak { f.title.take() } else { None };
        if f.title.is_none() || f.season.is_none() || f.year.is_none() {
            self.borrow_from_folders(entry, &mut f);
        }
        if f.title.is_none() {
            f.title = weak_title;
        }
        f
    }

    fn borrow_from_folders(&mut self, entry: &MediaEntry, f: &mut Fields) {
        let path = entry.path().as_os_str().as_bytes();
        let levels = entry.depth().min(MAX_FOLDER_LEVELS);
        let mut want_title = f.title.is_none();
        let mut want_season = f.season.is_none();
        let mut want_year = f.year.is_none();
        // `end` is the index of the `/` that ends the folder's name.
        let mut end = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => i,
            None => return,
        };
        for _ in 0..levels {
            if !(want_title || want_season || want_year) {
                break;
            }
            // Skip repeated slashes (`root//Show`).
            while end > 0 && path.get(end - 1) == Some(&b'/') {
                end -= 1;
            }
            let Some(dir) = path.get(..end) else { break };
            let start = dir.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
            let Some(name) = dir.get(start..) else { break };
            if name.is_empty() || name == b"." || name == b".." {
                break;
            }
            let info = self.folder(dir, name);
            if want_season {
                if let Some(s) = &info.season {
                    if info.generic || want_title {
                        f.season = Some(s.clone());
                        want_season = false;
                    }
                }
            }
            if !info.generic {
                if let Some(t) = &info.title {
                    if want_title {
                        f.title = Some(t.clone());
                        want_title = false;
                        if want_year && info.year.is_some() {
                            f.year = info.year;
                            want_year = false;
                        }
                    } else if want_year
                        && info.year.is_some()
                        && f.title.as_deref().is_some_and(|own| same_title(own, t))
                    {
                        // `Show (2020)/Season 01/Show S01E01.mkv`
                        f.year = info.year;
                        want_year = false;
                    }
                }
            }
            if start == 0 {
                break;
            }
            end = start - 1;
        }
    }

    /// What the folder at `dir` (whose last component is `name`) gives.
    fn folder(&mut self, dir: &[u8], name: &[u8]) -> &FolderInfo {
        let idx = match self.cache.iter().rposition(|(k, _)| &k[..] == dir) {
            Some(i) => i,
            None => {
                if self.cache.len() >= FOLDER_CACHE {
                    self.cache.remove(0);
                }
                let info = folder_info(&String::from_utf8_lossy(name));
                self.cache.push((dir.into(), info));
                self.cache.len() - 1
            }
        };
        &self.cache[idx].1
    }
}

/// Parses a folder name.
fn folder_info(name: &str) -> FolderInfo {
    if let Some(season) = season_folder(name) {
        return FolderInfo {
            generic: true,
            season: Some(season),
            ..FolderInfo::default()
        };
    }
    if is_generic_folder(name) {
        return FolderInfo {
            generic: true,
            ..FolderInfo::default()
        };
    }
    let mut info = FolderInfo::default();
    for e in anitomy_ng::parse(name, options()) {
        match e.kind {
            ElementKind::Title if info.title.is_none() && !is_generic_folder(&e.value) => {
                info.title = Some(e.value)
            }
            ElementKind::Season if info.season.is_none() => info.season = Some(e.value),
            ElementKind::Year if info.year.is_none() => info.year = e.value.parse().ok(),
            _ => {}
        }
    }
    info
}

/// `Season 01`, `Season 1 - Arc name`, `S01`, `Series 2`, `Staffel 2`,
/// `Saison 2`, `Temporada 2`, `第2期`, `第2季`: the season number as written.
fn season_folder(name: &str) -> Option<String> {
    let t = name.trim();
    let lower = t.to_ascii_lowercase();
    for word in ["season", "series", "staffel", "saison", "temporada"] {
        if let Some(rest) = lower.strip_prefix(word) {
            let rest = rest.trim_start_matches([' ', '_', '.', '-']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let after = &rest[digits.len()..];
            if !digits.is_empty()
                && (after.is_empty() || after.starts_with([' ', '_', '.', '-', '(', '[']))
            {
                return Some(digits);
            }
        }
    }
    if let Some(rest) = lower.strip_prefix('s') {
        if !rest.is_empty() && rest.len() <= 3 && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Some(rest.to_string());
        }
    }
    for (open, close) in [("第", "期"), ("第", "季")] {
        if let Some(n) = t.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                return Some(n.to_string());
            }
        }
    }
    None
}

/// Folder names that never name a series.
const GENERIC_FOLDERS: &[&str] = &[
    "anime",
    "animes",
    "attachments",
    "audio",
    "batch",
    "bd",
    "bdmv",
    "behind the scenes",
    "bonus",
    "bonus features",
    "bonuses",
    "cd",
    "cds",
    "cm",
    "cms",
    "complete",
    "creditless",
    "deleted scenes",
    "downloads",
    "extra",
    "extras",
    "featurette",
    "featurettes",
    "fonts",
    "interviews",
    "media",
    "menu",
    "menus",
    "misc",
    "movies",
    "music",
    "nc",
    "ncop",
    "nced",
    "ncop nced",
    "ncop ed",
    "oad",
    "oads",
    "ona",
    "onas",
    "ost",
    "other",
    "others",
    "ova",
    "ovas",
    "preview",
    "previews",
    "pv",
    "pvs",
    "samples",
    "sample",
    "scans",
    "scenes",
    "shorts",
    "soundtrack",
    "soundtracks",
    "sp",
    "special",
    "specials",
    "sps",
    "stream",
    "sub",
    "subs",
    "subtitles",
    "trailers",
    "tv",
    "tv shows",
    "video",
    "videos",
    "video ts",
];

/// Generic words followed by a number (`Disc 2`, `Vol.3`, `CD1`).
const GENERIC_NUMBERED: &[&str] = &[
    "bd", "cd", "disc", "disk", "dvd", "extra", "extras", "sp", "special", "specials", "vol",
    "volume", "ova", "part",
];

/// True for a folder name that never names a series.
fn is_generic_folder(name: &str) -> bool {
    let t = name.trim();
    if t.starts_with('.') {
        return true;
    }
    // The longest generic name is 17 bytes; most titles are longer.
    if t.len() > 24 {
        return false;
    }
    // Lower case, every run of separators as one space.
    let mut norm = String::with_capacity(t.len());
    for w in t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !norm.is_empty() {
            norm.push(' ');
        }
        norm.push_str(&w.to_lowercase());
    }
    if norm.is_empty() || GENERIC_FOLDERS.contains(&norm.as_str()) {
        return true;
    }
    let word = norm.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    word.len() < norm.len() && GENERIC_NUMBERED.contains(&word)
}

/// Same title, ignoring case and punctuation (without allocating: it runs
/// for most files).
fn same_title(a: &str, b: &str) -> bool {
    let mut wa = a
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let mut wb = b
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    loop {
        match (wa.next(), wb.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                if !x
                    .chars()
                    .flat_map(char::to_lowercase)
                    .eq(y.chars().flat_map(char::to_lowercase))
                {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Language tags (ISO 639-1, 639-2 and common release spellings) that end a
/// subtitle or audio track name: `Show - 01.en.ass`, `Show - 01.jpn.mka`.
const LANGUAGE_TAGS: &[&str] = &[
    "ar", "ara", "big5", "chi", "chs", "cht", "cn", "cs", "cze", "da", "dan", "de", "deu", "dut",
    "el", "en", "en-gb", "en-us", "eng", "es", "es-419", "es-es", "es-la", "esp", "fi", "fin",
    "fr", "fr-ca", "fra", "fre", "gb", "ger", "gre", "he", "heb", "hi", "hin", "hu", "hun", "id",
    "ind", "it", "ita", "ja", "jap", "jp", "jpn", "ko", "kor", "kr", "ms", "may", "msa", "nl",
    "nld", "no", "nor", "pl", "pol", "por", "pt", "pt-br", "pt-pt", "ro", "ron", "rum", "ru",
    "rus", "sc", "spa", "sv", "swe", "tc", "th", "tha", "tr", "tur", "uk", "ukr", "vi", "vie",
    "zh", "zh-cn", "zh-hans", "zh-hant", "zh-tw", "zho",
];

/// Flags that end a subtitle name: `Show - 01.en.forced.ass`.
const TRACK_FLAGS: &[&str] = &[
    "cc", "default", "dialogue", "forced", "full", "hi", "sdh", "signs", "songs",
];

/// Parses a file name (not a path) with the extension and, for subtitles
/// and audio, the trailing language and flag tags taken off first.
pub(crate) fn parse_name(name: &str) -> Fields {
    let mut stem: &str = name;
    let mut kind = MediaKind::Other;
    if let Some(dot) = name.rfind('.') {
        let k = MediaKind::from_extension(&name.as_bytes()[dot + 1..]);
        if k != MediaKind::Other && dot > 0 {
            kind = k;
            stem = &name[..dot];
        }
    }
    let mut tags = Vec::new();
    if matches!(kind, MediaKind::Subtitle | MediaKind::Audio) {
        for _ in 0..3 {
            let Some(dot) = stem.rfind('.') else { break };
            let tag = &stem[dot + 1..];
            let lower = tag.to_ascii_lowercase();
            let tag_kind = if LANGUAGE_TAGS.contains(&lower.as_str()) {
                "language"
            } else if TRACK_FLAGS.contains(&lower.as_str()) {
                "other"
            } else {
                break;
            };
            if dot == 0 {
                break;
            }
            tags.push(Tag {
                kind: tag_kind,
                value: tag.to_string(),
            });
            stem = &stem[..dot];
        }
        tags.reverse();
    }
    let mut f = fields_from(anitomy_ng::parse(stem, options()));
    f.kind = Some(kind);
    f.other.extend(tags);
    f
}

/// Sorts anitomy's elements into [`Fields`].
fn fields_from(elements: Vec<Element>) -> Fields {
    let mut f = Fields::default();
    let mut episodes: Vec<String> = Vec::new();
    for e in elements {
        let Element { kind, value, .. } = e;
        match kind {
            ElementKind::Title if f.title.is_none() => f.title = Some(value),
            ElementKind::Episode => episodes.push(value),
            ElementKind::Season if f.season.is_none() => f.season = Some(value),
            ElementKind::ReleaseGroup if f.release_group.is_none() => f.release_group = Some(value),
            ElementKind::VideoResolution if f.resolution.is_none() => f.resolution = Some(value),
            ElementKind::FileChecksum if f.checksum.is_none() => {
                match u32::from_str_radix(&value, 16) {
                    Ok(crc) if value.len() == 8 => f.checksum = Some(crc),
                    _ => f.other.push(tag(kind, value)),
                }
            }
            ElementKind::ReleaseVersion if f.version.is_none() => match value.parse() {
                Ok(v) => f.version = Some(v),
                Err(_) => f.other.push(tag(kind, value)),
            },
            ElementKind::Year if f.year.is_none() => match value.parse() {
                Ok(y) => f.year = Some(y),
                Err(_) => f.other.push(tag(kind, value)),
            },
            ElementKind::FileExtension => {}
            _ => f.other.push(tag(kind, value)),
        }
    }
    let mut it = episodes.into_iter();
    f.episode = match (it.next(), it.next_back()) {
        (Some(a), None) => Some(Episode::Single(a)),
        (Some(a), Some(b)) => Some(Episode::Range(a, b)),
        _ => None,
    };
    f
}

fn tag(kind: ElementKind, value: String) -> Tag {
    Tag {
        kind: kind.as_str(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn season_folders() {
        assert_eq!(season_folder("Season 01").as_deref(), Some("01"));
        assert_eq!(season_folder("season_2 - Arc").as_deref(), Some("2"));
        assert_eq!(season_folder("S03").as_deref(), Some("03"));
        assert_eq!(season_folder("第2期").as_deref(), Some("2"));
        assert_eq!(season_folder("Seasonal Show"), None);
        assert_eq!(season_folder("Show"), None);
    }

    #[test]
    fn generic_folders() {
        for g in [
            "Extras",
            "SPs",
            "Specials",
            "NCOP & NCED",
            "Disc 2",
            "Vol.3",
            ".hidden",
        ] {
            assert!(is_generic_folder(g), "{g}");
        }
        for t in ["Frieren", "Sousou no Frieren (2023)", "Extra Life"] {
            assert!(!is_generic_folder(t), "{t}");
        }
    }

    #[test]
    fn same_titles() {
        assert!(same_title("Show", "show"));
        assert!(same_title("Kimi no Na wa.", "Kimi no Na wa"));
        assert!(same_title("Ex-Arm", "Ex Arm"));
        assert!(same_title("ÉCOLE", "école"));
        assert!(!same_title("Show", "Show 2"));
        assert!(!same_title("Show 2", "Show"));
        assert!(!same_title("Show", "Shows"));
    }

    #[test]
    fn subtitle_language_tags() {
        let f = parse_name("Show.Name.S01E05.1080p.WEB-DL.x265-GRP.en.forced.srt");
        assert_eq!(f.kind, Some(MediaKind::Subtitle));
        assert_eq!(f.release_group.as_deref(), Some("GRP"));
        assert_eq!(f.title.as_deref(), Some("Show Name"));
        assert!(f
            .other
            .iter()
            .any(|t| t.kind == "language" && t.value == "en"));
    }
}

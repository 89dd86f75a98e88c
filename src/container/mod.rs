//! The container stage: recognise what a file is by its content, open zips
//! the Android way (`formats::zip`), and hand out entry bytes within limits.
//! Nothing is ever written to disk.

use serde::{Deserialize, Serialize};

use crate::formats::zip::{ZipDirectory, ZipLimits};

/// Every limit one app's analysis works within. Defaults are documented on
/// each field; the CLI can override them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest input file read (default 4 GiB).
    pub max_file_bytes: u64,
    /// Central directory entries (default 200,000; real apps have < 70,000).
    pub max_entries: usize,
    /// Bytes one entry may inflate to (default 512 MiB: the largest real DEX
    /// and .so files are well under 200 MiB).
    pub max_entry_bytes: u64,
    /// Bytes inflated for one app in total (default 4 GiB).
    pub max_app_bytes: u64,
    /// Text assets and res/xml files scanned for endpoints are read only up to
    /// this size each (default 4 MiB).
    pub max_text_asset_bytes: u64,
    /// Nested archives followed at most this deep (default 2).
    pub max_depth: u32,
    /// Compression ratio (output bytes per input byte) an entry may reach
    /// once it has inflated more than [`RATIO_FLOOR_BYTES`] (default 250; 0 turns the
    /// check off). Checked while inflating, so a bomb that lies about its
    /// sizes stops after a few MiB. Real code and resources stay under 20:1;
    /// deflate cannot exceed about 1032:1.
    pub max_ratio: u64,
    /// `string_ids`, `type_ids` and `class_defs` entries one DEX may declare
    /// (default 16,777,216). These tables are also bounded by the entry size
    /// (4 bytes per id), and every walk has a byte budget; this stops a
    /// "billion-string" DEX before any walk starts. ELF tables are bounded by
    /// `formats::elf::MAX_DYNSYMS` and `MAX_NEEDED`, and by the entry size.
    pub max_dex_table_entries: u32,
    /// Wall-clock time one app may take, in milliseconds (default 300,000;
    /// 0 = no budget). Checked between entries: when it runs out the rest of
    /// the app is skipped and the report carries an error record of stage
    /// `limits`. Not a thread kill: one entry's parse always finishes, and
    /// each parse is bounded by the size limits above.
    pub time_budget_ms: u64,
    /// When the current app's time budget runs out; set by `scan` from
    /// `time_budget_ms` at the start of each app.
    pub deadline: Option<std::time::Instant>,
    /// Check the digest of every v1 (JAR) entry even when a verified APK
    /// Signature Scheme v2/v3 signature already covers every byte of every
    /// entry (default false). By default the v1 signature, `.SF` and
    /// `MANIFEST.MF` are checked in full, and entry contents are hashed only
    /// when no v2+ block is present — what Android 7.0+ relies on. Reading
    /// every entry costs as much as `unzip -p`; apksigner does it for
    /// minSdkVersion < 24.
    pub verify_all_v1_digests: bool,
    /// Batch scans admit apps while their expected footprints (file size
    /// x 1.5; x 0.75 for a streamed file, see `stream_min_bytes`) fit in this many bytes together (default 128 MiB; 0 = no
    /// budget). It bounds peak memory whatever the thread count: large apps
    /// are scanned one at a time, an app larger than the budget alone.
    pub memory_budget: u64,
    /// The work inside one app may be split across the pool's threads: the
    /// file read in parts, its DEX files and native libraries analysed side
    /// by side (default true). A batch turns it off for an app while the
    /// other threads have apps of their own to scan: each part then costs
    /// its own collectors and buffers and a merge, and no thread is free to
    /// gain from it (the file digest and signature verification still run
    /// beside the entries when a thread comes free, at the cost of a join).
    pub split_app: bool,
    /// An APK whose `resources.arsc` declares at least this many bytes
    /// starts its signature verification before reading the table, with the
    /// SDK levels its manifest gives read on its own (default 1 MiB;
    /// `u64::MAX`: never). Only while `split_app` holds and the pool has a
    /// second thread: the verification then runs beside the table's inflate
    /// and string scan, which otherwise come first because the manifest's
    /// levels are read with the table. Should the levels differ once the
    /// manifest is read with it (a level given as a resource reference), the
    /// verification is done again with those, so reports never depend on it.
    pub verify_before_table_bytes: u64,
    /// Zip packages (APKs, split sets, App Bundles, IPAs, JAR/AAR/zip) of at
    /// least this many bytes are streamed (default 32 MiB; `u64::MAX`: none):
    /// their tail (signing block, central directory, EOCD) is held
    /// in memory and the rest is read from the file as the scan needs it
    /// (`formats::source`), instead of the whole file being read first.
    /// Peak memory then grows with the entries in flight, not the file.
    pub stream_min_bytes: u64,
}

/// Output an entry may always inflate to before the ratio check applies (8 MiB).
pub const RATIO_FLOOR_BYTES: u64 = 8 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 4 << 30,
            max_entries: 200_000,
            max_entry_bytes: 512 << 20,
            max_app_bytes: 4 << 30,
            max_text_asset_bytes: 4 << 20,
            max_depth: 2,
            max_ratio: 250,
            max_dex_table_entries: 1 << 24,
            time_budget_ms: 300_000,
            deadline: None,
            verify_all_v1_digests: false,
            memory_budget: 128 << 20,
            split_app: true,
            verify_before_table_bytes: 1 << 20,
            stream_min_bytes: 32 << 20,
        }
    }
}

impl Limits {
    pub fn zip(&self) -> ZipLimits {
        ZipLimits {
            max_entries: self.max_entries,
            max_entry_bytes: self.max_entry_bytes,
            max_ratio: self.max_ratio,
            ratio_floor: RATIO_FLOOR_BYTES,
        }
    }

    /// These limits with the deadline of an app starting now.
    pub fn starting_now(&self) -> Limits {
        let deadline = (self.time_budget_ms > 0)
            .then(|| std::time::Instant::now().checked_add(std::time::Duration::from_millis(self.time_budget_ms)));
        Limits { deadline: deadline.flatten(), ..*self }
    }

    /// True once the current app's deadline has passed.
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| std::time::Instant::now() >= d)
    }
}

/// What a file is, by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Apk,
    Apks,
    Xapk,
    Apkm,
    Aab,
    Ipa,
    Jar,
    Aar,
    /// A zip that is none of the above.
    Zip,
    Dex,
    Elf,
    Macho,
    Staticlib,
    Axml,
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Apk => "apk",
            Kind::Apks => "apks",
            Kind::Xapk => "xapk",
            Kind::Apkm => "apkm",
            Kind::Aab => "aab",
            Kind::Ipa => "ipa",
            Kind::Jar => "jar",
            Kind::Aar => "aar",
            Kind::Zip => "zip",
            Kind::Dex => "dex",
            Kind::Elf => "elf",
            Kind::Macho => "macho",
            Kind::Staticlib => "staticlib",
            Kind::Axml => "axml",
            Kind::Unknown => "unknown",
        }
    }
}

/// Is this the start of a zip (local header, or an empty archive's EOCD)?
pub fn looks_like_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
}

/// Classifies a file by its first bytes (non-zip formats).
pub fn classify_bytes(data: &[u8]) -> Kind {
    match data {
        [b'd', b'e', b'x', b'\n', ..] => Kind::Dex,
        [0x7f, b'E', b'L', b'F', ..] => Kind::Elf,
        [0xca, 0xfe, 0xba, 0xbe, ..] if crate::formats::macho::is_fat_archive(data) => Kind::Staticlib,
        [0xcf, 0xfa, 0xed, 0xfe, ..] | [0xce, 0xfa, 0xed, 0xfe, ..] | [0xca, 0xfe, 0xba, 0xbe, ..] => Kind::Macho,
        [b'!', b'<', b'a', b'r', b'c', b'h', b'>', b'\n', ..] => Kind::Staticlib,
        [0x03, 0x00, 0x08, 0x00, ..] => Kind::Axml,
        _ => Kind::Unknown,
    }
}

/// Classifies a zip by its entries, the way a store's intake would:
/// an `AndroidManifest.xml` at the root makes an APK; `Payload/*.app/` an
/// IPA; `BundleConfig.pb` with `base/manifest/` an AAB; `toc.pb` a bundletool
/// APK set; `manifest.json` with APK members an XAPK; APK members only a
/// split set (`apkm`/SAI `apks`); `classes.jar` + `AndroidManifest.xml` an AAR;
/// `.class` files a JAR.
pub fn classify_zip(dir: &ZipDirectory) -> Kind {
    let has = |n: &str| dir.find(n).is_some();
    if has("AndroidManifest.xml") {
        if has("classes.jar") || has("R.txt") {
            return Kind::Aar;
        }
        return Kind::Apk;
    }
    if has("BundleConfig.pb") || has("base/manifest/AndroidManifest.xml") {
        return Kind::Aab;
    }
    if dir.entries.iter().any(|e| e.name.starts_with("Payload/") && e.name.contains(".app/")) {
        return Kind::Ipa;
    }
    if has("toc.pb") {
        return Kind::Apks;
    }
    let apks = dir.entries.iter().filter(|e| e.name.ends_with(".apk")).count();
    if has("manifest.json") && apks > 0 {
        return Kind::Xapk;
    }
    if has("info.json") && apks > 0 {
        return Kind::Apkm;
    }
    if apks > 0 && dir.entries.iter().all(|e| e.name.ends_with(".apk") || e.name.ends_with(".json") || e.is_dir()) {
        return Kind::Apks;
    }
    if has("META-INF/MANIFEST.MF") || dir.entries.iter().any(|e| e.name.ends_with(".class")) {
        return Kind::Jar;
    }
    Kind::Zip
}

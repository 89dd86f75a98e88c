//! The signature database: SDKs, clouds, publishers and policies as data
//! (`signatures/*.json`), parsed strictly (`deny_unknown_fields`), validated
//! into a `SignatureSet` that cannot be invalid, and compiled once per run
//! into matchers (`compile`).
//!
//! Code holds no vendor names: everything a detection says comes from here.

pub mod compile;
mod layout;
pub mod lean;
mod text;

pub use text::Text;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hasher of the maps built while loading, validating and compiling: keys
/// come from the database only.
pub(crate) type Fast = foldhash::fast::RandomState;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Json { path: String, source: serde_json::Error },
    #[error("signature database is invalid:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// Where a fact comes from. `load` checks every reference as strictly as
/// `load_full` but keeps only how many there are (each as an empty
/// `Reference`): no scan reads their text. `load_full` keeps the text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supports: Vec<String>,
}

std::thread_local! {
    /// Set while `load_full` parses: references and notes keep their text.
    static KEEP_TEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Any JSON string, checked as one and dropped (no allocation).
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = AnyStr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AnyStr, E> {
                Ok(AnyStr)
            }
        }
        d.deserialize_str(V)
    }
}

/// The shape of a `Reference`, checked field by field like the real one, without its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceShape {
    #[serde(rename = "ref")]
    _reference: AnyStr,
    #[serde(default, rename = "paths")]
    _paths: Vec<AnyStr>,
    #[serde(default, rename = "supports")]
    _supports: Vec<AnyStr>,
}

/// `references`: every entry checked; its text kept only under `load_full`.
fn references<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Reference>, D::Error> {
    if KEEP_TEXT.with(std::cell::Cell::get) {
        return Vec::<Reference>::deserialize(d);
    }
    let shapes = Vec::<ReferenceShape>::deserialize(d)?;
    Ok(vec![Reference::default(); shapes.len()])
}

/// Shortest JSON text of one entry of a database file (an SDK, a cloud, a publisher).
const MIN_ENTRY_BYTES: usize = 64;
/// Most entries reserved up front, whatever the file's size.
const MAX_ENTRY_HINT: usize = 4096;

std::thread_local! {
    /// Entries the file being parsed can hold at most (`parse` sets it).
    static ENTRY_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A file's list of entries, reserved once from the file's size: growing a
/// list of large structs by doubling copied it several times and touched
/// fresh pages at each step. Unused room is handed back at the end.
fn entries<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let hint = ENTRY_HINT.with(std::cell::Cell::get).min(MAX_ENTRY_HINT);
            let mut out = Vec::with_capacity(hint.max(seq.size_hint().unwrap_or(0).min(MAX_ENTRY_HINT)));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            out.shrink_to_fit();
            Ok(out)
        }
    }
    d.deserialize_seq(V(std::marker::PhantomData))
}

/// `notes`: checked to be a string (or null); kept only under `load_full`.
fn notes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    if KEEP_TEXT.with(std::cell::Cell::get) {
        return Option::<String>::deserialize(d);
    }
    Option::<AnyStr>::deserialize(d).map(|_| None)
}

/// Markers by fact kind. Every list is optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markers {
    /// Dotted Java prefixes, matched at package boundaries (`.` or `$`).
    #[serde(default)]
    pub class_prefixes: Vec<Text>,
    /// Vendor-wide prefixes: weak evidence naming the vendor, not the SDK.
    #[serde(default)]
    pub class_prefixes_broad: Vec<Text>,
    #[serde(default)]
    pub native_libs: Vec<Text>,
    /// Anchored regular expressions over the library file name.
    #[serde(default)]
    pub native_lib_patterns: Vec<Text>,
    #[serde(default)]
    pub meta_data: Vec<Text>,
    #[serde(default)]
    pub components: Vec<Text>,
    #[serde(default)]
    pub component_patterns: Vec<Text>,
    #[serde(default)]
    pub permissions: Vec<Text>,
    #[serde(default)]
    pub intent_actions: Vec<Text>,
    /// Paths under `assets/`.
    #[serde(default)]
    pub assets: Vec<Text>,
    #[serde(default)]
    pub resource_names: Vec<Text>,
    /// Host suffixes, matched at label boundaries.
    #[serde(default)]
    pub domains: Vec<Text>,
    #[serde(default)]
    pub domain_patterns: Vec<Text>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosMarkers {
    #[serde(default)]
    pub frameworks: Vec<Text>,
    #[serde(default)]
    pub bundle_id_prefixes: Vec<Text>,
    #[serde(default)]
    pub objc_class_prefixes: Vec<Text>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LowConfidenceMarker {
    pub field: Text,
    pub value: Text,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sdk {
    pub id: Text,
    pub name: Text,
    pub vendor: Text,
    pub country: Text,
    #[serde(default)]
    pub parent_company: Option<Text>,
    pub category: Text,
    pub prc_linked: bool,
    #[serde(default)]
    pub tags: Vec<Text>,
    pub collects_data: bool,
    #[serde(default)]
    pub phone_maker_service: bool,
    #[serde(default)]
    pub website: Option<Text>,
    pub confidence: Text,
    pub markers: Markers,
    #[serde(default)]
    pub ios: Option<IosMarkers>,
    #[serde(default)]
    pub low_confidence_markers: Vec<LowConfidenceMarker>,
    #[serde(deserialize_with = "references")]
    pub references: Vec<Reference>,
    #[serde(default, deserialize_with = "notes")]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkFile {
    pub schema_version: u32,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(deserialize_with = "entries")]
    pub sdks: Vec<Sdk>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cloud {
    pub id: Text,
    pub provider: Text,
    pub owner: Text,
    pub country: Text,
    pub clean_cloud_named: bool,
    pub domain_suffixes: Vec<Text>,
    #[serde(default)]
    pub client_sdk_ids: Vec<Text>,
    pub confidence: Text,
    #[serde(deserialize_with = "references")]
    pub references: Vec<Reference>,
    #[serde(default, deserialize_with = "notes")]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFile {
    pub schema_version: u32,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(deserialize_with = "entries")]
    pub clouds: Vec<Cloud>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    pub id: Text,
    pub company: Text,
    pub country: Text,
    #[serde(default)]
    pub package_prefixes: Vec<Text>,
    /// Exact package → app name.
    #[serde(default)]
    pub packages: BTreeMap<Text, Text>,
    #[serde(default)]
    pub domain_suffixes: Vec<Text>,
    #[serde(default)]
    pub cert_sha256: Vec<Text>,
    /// Each object: subject fields that must all match (e.g. {"O": "X", "C": "CN"}).
    #[serde(default)]
    pub cert_subjects: Vec<BTreeMap<Text, Text>>,
    pub confidence: Text,
    #[serde(deserialize_with = "references")]
    pub references: Vec<Reference>,
    #[serde(default, deserialize_with = "notes")]
    pub notes: Option<String>,
    #[serde(default)]
    pub prefix_note: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherFile {
    pub schema_version: u32,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(deserialize_with = "entries")]
    pub publishers: Vec<Publisher>,
}

/// A policy: rules over detections and facts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub schema_version: u32,
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "references")]
    pub references: Vec<Reference>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// `fail` or `warn`.
    pub severity: String,
    pub message: String,
    pub when: Condition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The fixed vocabulary of rule conditions.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Condition {
    Sdk(SdkCondition),
    Endpoint(EndpointCondition),
    Publisher(PublisherCondition),
    Anomaly(AnomalyCondition),
    SigningBlock(SigningBlockCondition),
    Manifest(ManifestCondition),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkCondition {
    #[serde(default)]
    pub country: Vec<String>,
    #[serde(default)]
    pub tags_any: Vec<String>,
    #[serde(default)]
    pub collects_data: Option<bool>,
    #[serde(default)]
    pub prc_linked: Option<bool>,
    #[serde(default)]
    pub min_confidence: Option<String>,
    #[serde(default)]
    pub max_confidence: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointCondition {
    #[serde(default)]
    pub clean_cloud_named: Option<bool>,
    #[serde(default)]
    pub country: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherCondition {
    #[serde(default)]
    pub country: Vec<String>,
    /// true: only publishers found in the database; false: only those named
    /// by the signing certificate alone.
    #[serde(default)]
    pub known: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyCondition {
    #[serde(default)]
    pub ids_any: Vec<String>,
    #[serde(default)]
    pub any: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningBlockCondition {
    #[serde(default)]
    pub ids_any: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCondition {
    #[serde(default)]
    pub queries_packages_any: Vec<String>,
    #[serde(default)]
    pub meta_data_any: Vec<String>,
    #[serde(default)]
    pub permissions_any: Vec<String>,
}

/// The database as loaded, with where it came from.
#[derive(Clone, Debug)]
pub struct SignatureSet {
    pub sdks: Vec<Sdk>,
    pub clouds: Vec<Cloud>,
    pub publishers: Vec<Publisher>,
    pub policies: Vec<Policy>,
    pub info: DatabaseInfo,
}

/// Which database judged a report (so that a verdict can be reproduced).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DatabaseInfo {
    pub version: Option<String>,
    /// SHA-256 over every file read (relative name, NUL, length, bytes), in order.
    pub sha256: String,
    pub sources: Vec<String>,
    pub policies: Vec<String>,
}

/// Counts printed by `cleanscan signatures check`.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub sdks: usize,
    pub prc_sdks: usize,
    pub clouds: usize,
    pub clean_cloud_named: usize,
    pub publishers: usize,
    pub policies: usize,
    pub rules: usize,
    pub markers: usize,
}

mod builtin {
    // `FILES`: the repository's `signatures/` at build time, and `DIGEST`,
    // their database digest (build.rs).
    include!(concat!(env!("OUT_DIR"), "/builtin_signatures.rs"));
}

/// How the database built into the program is named where a folder's path
/// would be: in a report's `signatures.sources` and in its error messages.
pub const BUILT_IN: &str = "built-in";

/// The repository's `signatures/` folder, which the program holds a copy of
/// (`load_builtin`); for tests and tools that read the folder itself.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures")
}

fn read(path: &Path) -> Result<Cow<'static, [u8]>, Error> {
    std::fs::read(path).map(Cow::Owned).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T, Error> {
    // One UTF-8 check of the whole file instead of one per string; invalid
    // UTF-8 goes through the byte parser for its error (line and column).
    ENTRY_HINT.with(|h| h.set(bytes.len() / MIN_ENTRY_BYTES));
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    };
    parsed.map_err(|source| Error::Json { path: path.display().to_string(), source })
}

/// `parse`; when the program holds the file for its whole run (built in),
/// its strings without escapes are borrowed from it (`Text`), not copied.
#[allow(clippy::ptr_arg, reason = "whether the bytes are borrowed for the whole run is what it asks")]
fn parse_held<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &Cow<'static, [u8]>) -> Result<T, Error> {
    let Cow::Borrowed(bytes) = *bytes else { return parse(path, bytes) };
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            ENTRY_HINT.with(|h| h.set(text.len() / MIN_ENTRY_BYTES));
            text::lending(text, || serde_json::from_str(text))
                .map_err(|source| Error::Json { path: path.display().to_string(), source })
        }
        Err(_) => parse(path, bytes),
    }
}

/// Loads a database folder, then each overlay folder on top of it: an overlay
/// entry with an existing id replaces it; a new id is added. Each folder may
/// hold `sdks.json`, `clouds.json`, `publishers.json` and `policies/*.json`.
///
/// Every file is parsed as strictly as by `load_full`, but the text of
/// `references` and `notes` is not kept (see `Reference`): scans never read it.
pub fn load(dir: &Path, overlays: &[PathBuf]) -> Result<SignatureSet, Error> {
    load_with(Some(dir), overlays)
}

/// `load`, keeping the text of every reference and note.
pub fn load_full(dir: &Path, overlays: &[PathBuf]) -> Result<SignatureSet, Error> {
    keeping_text(true, || load_with(Some(dir), overlays))
}

/// `load` of the database built into the program (the repository's
/// `signatures/` when it was built), then the overlay folders. The same
/// files give the same set and the same digest as `load` of that folder;
/// `signatures.sources` names it `BUILT_IN`. The program then works without
/// its source tree, and a `signatures/` folder among the apps scanned, or in
/// the working folder, is never taken for the database.
pub fn load_builtin(overlays: &[PathBuf]) -> Result<SignatureSet, Error> {
    load_with(None, overlays)
}

/// `load_builtin`, keeping the text of every reference and note.
pub fn load_builtin_full(overlays: &[PathBuf]) -> Result<SignatureSet, Error> {
    keeping_text(true, || load_with(None, overlays))
}

/// Runs `f` with this thread's `KEEP_TEXT` set to `keep`, and restores it
/// afterwards (also when `f` panics).
fn keeping_text<T>(keep: bool, f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            KEEP_TEXT.with(|k| k.set(self.0));
        }
    }
    let _restore = Restore(KEEP_TEXT.with(|k| k.replace(keep)));
    f()
}

/// What a database file holds.
#[derive(Clone, Copy)]
enum FileKind {
    Sdks,
    Clouds,
    Publishers,
    Policy,
}

/// One file of a load, read, in the order the database's digest covers them.
struct DbFile {
    /// Index of its folder (the database, then each overlay).
    folder: usize,
    /// Its name in the folder (`policies/clean-store.json`), as the digest covers it.
    name: String,
    /// What its errors name: the folder joined with `name`.
    path: PathBuf,
    kind: FileKind,
    /// The bytes (borrowed when built in), or why they could not be read
    /// (or the policies folder listed).
    bytes: Result<Cow<'static, [u8]>, Error>,
    /// Built in: the lean copy of the bytes (`lean`), which a lean parse
    /// reads instead.
    lean: Option<Cow<'static, [u8]>>,
}

/// A database file parsed.
enum Parsed {
    Sdks(SdkFile),
    Clouds(CloudFile),
    Publishers(PublisherFile),
    Policy(Policy),
}

impl DbFile {
    /// The file parsed; None when it could not be read.
    fn parse(&self, keep_text: bool) -> Option<Result<Parsed, Error>> {
        let Ok(bytes) = &self.bytes else { return None };
        // `references` and `notes` read this thread's flag: set it for this
        // file, on whichever thread parses it.
        let p = &self.path;
        let parse_bytes = |bytes: &Cow<'static, [u8]>| match self.kind {
            FileKind::Sdks => parse_held(p, bytes).map(Parsed::Sdks),
            FileKind::Clouds => parse_held(p, bytes).map(Parsed::Clouds),
            FileKind::Publishers => parse_held(p, bytes).map(Parsed::Publishers),
            FileKind::Policy => parse(p, bytes).map(Parsed::Policy),
        };
        Some(keeping_text(keep_text, || match &self.lean {
            // The lean copy gives the entries of a lean parse of the
            // bytes; should it fail, the bytes give the error (and its place).
            Some(lean) if !keep_text => parse_bytes(lean).or_else(|_| parse_bytes(bytes)),
            _ => parse_bytes(bytes),
        }))
    }
}

/// Whether a scan's load of a database file (`sdks.json` when `kind` is 0,
/// `clouds.json` when 1, else `publishers.json`) gives the same through its
/// lean copy (`lean::lean_copy`, falling back to the bytes on an error) as
/// from the bytes: the same entries, or the same error. `Err` says how
/// they differ. For the tests and the `lean_json` fuzz target.
#[doc(hidden)]
pub fn lean_load_agrees(kind: u8, bytes: &[u8]) -> Result<(), String> {
    let Some(lean) = lean::lean_copy(bytes) else { return Ok(()) };
    let kind = match kind {
        0 => FileKind::Sdks,
        1 => FileKind::Clouds,
        _ => FileKind::Publishers,
    };
    let file = |lean| DbFile {
        folder: 0,
        name: String::new(),
        path: PathBuf::from("f.json"),
        kind,
        bytes: Ok(Cow::Owned(bytes.to_vec())),
        lean,
    };
    let show = |p: Option<Result<Parsed, Error>>| match p {
        Some(Ok(Parsed::Sdks(f))) => format!("{f:?}"),
        Some(Ok(Parsed::Clouds(f))) => format!("{f:?}"),
        Some(Ok(Parsed::Publishers(f))) => format!("{f:?}"),
        Some(Ok(Parsed::Policy(f))) => format!("{f:?}"),
        Some(Err(e)) => format!("error: {e}"),
        None => "unread".to_string(),
    };
    let (direct, through_copy) = (show(file(None).parse(false)), show(file(Some(Cow::Owned(lean))).parse(false)));
    if direct == through_copy {
        Ok(())
    } else {
        Err(format!("from the bytes: {direct}\nthrough the lean copy: {through_copy}"))
    }
}

/// The files at the top of a database folder, in the order they are read
/// (build.rs lists the built-in database in this order too).
const TOP_FILES: [(&str, FileKind); 3] = [
    (layout::TOP_FILE_NAMES[0], FileKind::Sdks),
    (layout::TOP_FILE_NAMES[1], FileKind::Clouds),
    (layout::TOP_FILE_NAMES[2], FileKind::Publishers),
];

/// Every file of the database and its overlays, read in order: in each
/// folder `sdks.json`, `clouds.json`, `publishers.json` (all three required
/// in the database itself), then `policies/*.json` by name. Without a
/// `base`, the database is the built-in one (listed by build.rs in the same
/// order), and `dirs[0]` is only its name.
fn read_files(base: Option<&Path>, dirs: &[PathBuf]) -> Vec<DbFile> {
    let mut files = Vec::new();
    for (folder, d) in dirs.iter().enumerate() {
        let required = folder == 0;
        if base.is_none() && folder == 0 {
            for &(name, bytes, lean) in builtin::FILES {
                let kind = TOP_FILES.iter().find(|(n, _)| *n == name).map_or(FileKind::Policy, |&(_, k)| k);
                files.push(DbFile {
                    folder,
                    name: name.to_string(),
                    path: d.join(name),
                    kind,
                    bytes: Ok(Cow::Borrowed(bytes)),
                    lean: Some(Cow::Borrowed(lean)),
                });
            }
            continue;
        }
        for (name, kind) in TOP_FILES {
            let path = d.join(name);
            if path.is_file() || required {
                let bytes = read(&path);
                files.push(DbFile { folder, name: name.to_string(), path, kind, bytes, lean: None });
            }
        }
        let pd = d.join(layout::POLICIES_DIR);
        if pd.is_dir() {
            match std::fs::read_dir(&pd) {
                Ok(list) => {
                    let mut names: Vec<PathBuf> = list
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|e| e == "json"))
                        .collect();
                    names.sort();
                    for path in names {
                        let bytes = read(&path);
                        let name = path.strip_prefix(d).unwrap_or(&path).display().to_string();
                        files.push(DbFile { folder, name, path, kind: FileKind::Policy, bytes, lean: None });
                    }
                }
                Err(source) => files.push(DbFile {
                    folder,
                    name: layout::POLICIES_DIR.to_string(),
                    path: pd.clone(),
                    kind: FileKind::Policy,
                    bytes: Err(Error::Io { path: pd.display().to_string(), source }),
                    lean: None,
                }),
            }
        }
    }
    files
}

/// SHA-256 over every file read (its name in the folder, NUL, length,
/// bytes), in order.
fn digest(files: &[DbFile]) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        let Ok(bytes) = &f.bytes else { continue };
        layout::digest_file(&mut hasher, &f.name, bytes);
    }
    crate::scan::hex(&hasher.finalize())
}

/// Loads the database folder `base` (the built-in one when None), then the overlays.
fn load_with(base: Option<&Path>, overlays: &[PathBuf]) -> Result<SignatureSet, Error> {
    let mut dirs = vec![base.map_or_else(|| PathBuf::from(BUILT_IN), Path::to_path_buf)];
    dirs.extend(overlays.iter().cloned());
    let files = read_files(base, &dirs);
    let keep_text = KEEP_TEXT.with(std::cell::Cell::get);
    // On a pool of more than one thread (the one-app scan reads its database
    // on the pool's idle thread), the files are parsed, and the digest
    // computed, as parts that a waiting thread can take.
    let parallel = rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1;
    // The built-in database alone has its digest from the build.
    let sha256 = || if base.is_none() && overlays.is_empty() { builtin::DIGEST.to_string() } else { digest(&files) };
    let (sha256, parsed): (String, Vec<Option<Result<Parsed, Error>>>) = if parallel {
        use rayon::prelude::*;
        rayon::join(sha256, || files.par_iter().map(|f| f.parse(keep_text)).collect())
    } else {
        (sha256(), files.iter().map(|f| f.parse(keep_text)).collect())
    };
    let mut set = SignatureSet {
        sdks: Vec::new(),
        clouds: Vec::new(),
        publishers: Vec::new(),
        policies: Vec::new(),
        info: DatabaseInfo {
            sources: dirs.iter().map(|d| d.display().to_string()).collect(),
            ..DatabaseInfo::default()
        },
    };
    // Merged in order; the first file (in that order) that could not be
    // read or parsed is the error. A folder's policies merge together.
    let mut policies: Vec<Policy> = Vec::new();
    let mut folder = 0;
    for (f, p) in files.into_iter().zip(parsed) {
        if f.folder != folder {
            merge(&mut set.policies, std::mem::take(&mut policies), |p| p.id.as_str());
            folder = f.folder;
        }
        let p = match (f.bytes, p) {
            (Err(e), _) => return Err(e),
            (Ok(_), Some(p)) => p?,
            // Not reached: every file read is parsed.
            (Ok(_), None) => continue,
        };
        match p {
            Parsed::Sdks(f) => {
                if set.info.version.is_none() {
                    set.info.version = f.version.clone();
                }
                merge(&mut set.sdks, f.sdks, |s| s.id.as_str());
            }
            Parsed::Clouds(f) => merge(&mut set.clouds, f.clouds, |c| c.id.as_str()),
            Parsed::Publishers(f) => merge(&mut set.publishers, f.publishers, |c| c.id.as_str()),
            Parsed::Policy(p) => policies.push(p),
        }
    }
    merge(&mut set.policies, policies, |p| p.id.as_str());
    set.info.sha256 = sha256;
    set.info.policies = set.policies.iter().map(|p| p.id.clone()).collect();
    Ok(set)
}

/// Adds `more` to `into`: an item whose id is already there replaces it (in
/// place), a new id is appended. Within one file a repeated id replaces the
/// earlier entry the same way.
fn merge<T>(into: &mut Vec<T>, more: Vec<T>, id: impl Fn(&T) -> &str) {
    // Where each new item goes, planned over borrowed ids.
    let mut plan = Vec::with_capacity(more.len());
    {
        let mut at: HashMap<&str, usize, Fast> =
            HashMap::with_capacity_and_hasher(into.len().saturating_add(more.len()), Fast::default());
        for (i, x) in into.iter().enumerate() {
            at.entry(id(x)).or_insert(i);
        }
        let mut next = into.len();
        for item in &more {
            let slot = *at.entry(id(item)).or_insert(next);
            if slot == next {
                next = next.saturating_add(1);
            }
            plan.push(slot);
        }
    }
    // The usual case, a first file without repeated ids: the list as parsed.
    if into.is_empty() && plan.iter().enumerate().all(|(i, &slot)| i == slot) {
        *into = more;
        return;
    }
    for (item, slot) in more.into_iter().zip(plan) {
        match into.get_mut(slot) {
            Some(old) => *old = item,
            None => into.push(item),
        }
    }
}

const CATEGORIES: &[&str] = &[
    "analytics",
    "ads",
    "push",
    "payment",
    "social",
    "maps",
    "crash",
    "cloud-storage",
    "login",
    "webview",
    "library",
    "other",
];
const CONFIDENCE: &[&str] = &["high", "medium", "low"];
const TAGS: &[&str] = &["clean_store", "clean_cloud", "clean_apps", "clean_path"];

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.' || b == b'_')
}

fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn valid_prefix(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('.')
        && !p.ends_with('.')
        && !p.contains("..")
        && p.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_' || c == '$')
}

/// Names the entry a problem is about (`sdks.json umeng`), formatted only
/// when there is a problem.
#[derive(Clone, Copy)]
struct What<'a>(&'static str, &'a str);

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

fn check_regex(pattern: &str, what: What<'_>, compile: bool, problems: &mut Vec<String>) {
    if compile {
        if let Err(e) = regex::Regex::new(pattern) {
            problems.push(format!("{what}: bad regex {pattern:?}: {e}"));
        }
    }
    if !pattern.starts_with('^') || !pattern.ends_with('$') {
        problems.push(format!("{what}: regex {pattern:?} must be anchored with ^...$"));
    }
}

/// A framework marker's bare name: `X.framework` and `X` are the same framework.
pub fn framework_stem(name: &str) -> &str {
    name.strip_suffix(".framework").unwrap_or(name)
}

/// Checks one SDK's iOS markers: lists present are non-empty and free of
/// duplicates; frameworks are bare names; class prefixes are Objective-C
/// identifiers of at least `MIN_OBJC_PREFIX` characters (shorter ones, like
/// a two-letter vendor prefix, match unrelated classes); bundle ids are
/// dotted; no marker is claimed by two SDKs.
fn check_ios<'a>(
    ios: &'a IosMarkers,
    id: &'a str,
    what: What<'_>,
    owner: &mut HashMap<(&'static str, &'a str), &'a str, Fast>,
    problems: &mut Vec<String>,
) {
    let lists: [(&'static str, &Vec<Text>); 3] = [
        ("frameworks", &ios.frameworks),
        ("bundle_id_prefixes", &ios.bundle_id_prefixes),
        ("objc_class_prefixes", &ios.objc_class_prefixes),
    ];
    if lists.iter().all(|(_, l)| l.is_empty()) {
        problems.push(format!("{what}: empty ios markers"));
    }
    for (key, list) in lists {
        let norm_of = |v: &'a Text| if key == "frameworks" { framework_stem(v) } else { v.as_str() };
        for (j, v) in list.iter().enumerate() {
            if v.trim().is_empty() {
                problems.push(format!("{what}: empty ios.{key} marker"));
                continue;
            }
            let norm = norm_of(v);
            // A duplicate of an earlier non-empty marker (empty ones are skipped above).
            let before = list.get(..j).unwrap_or_default();
            if before.iter().any(|b| !b.trim().is_empty() && norm_of(b) == norm) {
                problems.push(format!("{what}: duplicate ios.{key} marker {v:?}"));
            }
            let ok = match key {
                "frameworks" => !norm.is_empty() && !norm.contains('/') && !norm.contains(char::is_whitespace),
                "bundle_id_prefixes" => valid_prefix(v) && !v.contains('$'),
                _ => v.chars().count() >= MIN_OBJC_PREFIX && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            };
            if !ok {
                problems.push(format!("{what}: malformed ios.{key} marker {v:?}"));
            }
            if let Some(other) = owner.insert((key, norm), id) {
                if other != id {
                    problems.push(format!("{what}: ios.{key} marker {v:?} also claimed by {other}"));
                }
            }
        }
    }
}

/// Shortest Objective-C class prefix accepted as a marker.
pub const MIN_OBJC_PREFIX: usize = 3;

impl SignatureSet {
    /// Every problem that makes the set unusable: unknown enum values,
    /// duplicate ids, bad regexes, malformed prefixes and domains, the same
    /// prefix claimed by two SDKs, empty markers, missing references.
    pub fn validate(&self) -> Vec<String> {
        self.validate_with(true)
    }

    /// `validate` without compiling each regex on its own: for a scan, where
    /// `Matchers::compile` builds every pattern into its set anyway (and falls
    /// back to `validate` to name a bad one). Compiling ~100 patterns twice
    /// was most of the database's per-process start-up cost.
    pub fn validate_structure(&self) -> Vec<String> {
        self.validate_with(false)
    }

    fn validate_with(&self, compile_regexes: bool) -> Vec<String> {
        let mut problems = Vec::new();
        let entries = self.sdks.len().saturating_add(self.clouds.len()).saturating_add(self.publishers.len());
        let mut ids: HashSet<&str, Fast> = HashSet::with_capacity_and_hasher(entries, Fast::default());
        let total = |f: fn(&Markers) -> usize| self.sdks.iter().map(|s| f(&s.markers)).sum::<usize>();
        let mut prefix_owner: HashMap<&str, &str, Fast> = HashMap::with_capacity_and_hasher(
            total(|m| m.class_prefixes.len() + m.class_prefixes_broad.len()),
            Fast::default(),
        );
        let mut lib_owner: HashMap<&str, &str, Fast> =
            HashMap::with_capacity_and_hasher(total(|m| m.native_libs.len()), Fast::default());
        let mut ios_owner: HashMap<(&'static str, &str), &str, Fast> = HashMap::default();
        for s in &self.sdks {
            let what = What("sdks.json", &s.id);
            if !valid_id(&s.id) {
                problems.push(format!("{what}: id must be lowercase [a-z0-9._-]"));
            }
            if !ids.insert(s.id.as_str()) {
                problems.push(format!("{what}: duplicate id"));
            }
            if !CATEGORIES.contains(&s.category.as_str()) {
                problems.push(format!("{what}: unknown category {:?}", s.category));
            }
            if !CONFIDENCE.contains(&s.confidence.as_str()) {
                problems.push(format!("{what}: unknown confidence {:?}", s.confidence));
            }
            for t in &s.tags {
                if !TAGS.contains(&t.as_str()) {
                    problems.push(format!("{what}: unknown tag {t:?}"));
                }
            }
            if s.prc_linked && !s.tags.iter().any(|t| t == "clean_store") {
                problems.push(format!("{what}: a PRC-linked SDK must carry the clean_store tag"));
            }
            if s.country.len() != 2 || !s.country.bytes().all(|b| b.is_ascii_uppercase()) {
                problems.push(format!("{what}: country must be ISO 3166-1 alpha-2 (or XX)"));
            }
            if s.references.is_empty() {
                problems.push(format!("{what}: no references"));
            }
            let m = &s.markers;
            let lists: [(&str, &Vec<Text>); 13] = [
                ("class_prefixes", &m.class_prefixes),
                ("class_prefixes_broad", &m.class_prefixes_broad),
                ("native_libs", &m.native_libs),
                ("native_lib_patterns", &m.native_lib_patterns),
                ("meta_data", &m.meta_data),
                ("components", &m.components),
                ("component_patterns", &m.component_patterns),
                ("permissions", &m.permissions),
                ("intent_actions", &m.intent_actions),
                ("assets", &m.assets),
                ("resource_names", &m.resource_names),
                ("domains", &m.domains),
                ("domain_patterns", &m.domain_patterns),
            ];
            let total: usize = lists.iter().map(|(_, l)| l.len()).sum();
            let ios =
                s.ios.as_ref().map(|i| i.frameworks.len() + i.bundle_id_prefixes.len() + i.objc_class_prefixes.len());
            if total == 0 && ios.unwrap_or(0) == 0 {
                problems.push(format!("{what}: no markers"));
            }
            if let Some(ios) = &s.ios {
                check_ios(ios, &s.id, what, &mut ios_owner, &mut problems);
            }
            for (key, list) in lists {
                // Lists are short: a linear look back allocates nothing.
                for (j, v) in list.iter().enumerate() {
                    if v.trim().is_empty() {
                        problems.push(format!("{what}: empty {key} marker"));
                    }
                    if list.get(..j).is_some_and(|before| before.contains(v)) {
                        problems.push(format!("{what}: duplicate {key} marker {v:?}"));
                    }
                }
            }
            for p in m.class_prefixes.iter().chain(&m.class_prefixes_broad) {
                if !valid_prefix(p) {
                    problems.push(format!("{what}: malformed class prefix {p:?}"));
                }
                if let Some(other) = prefix_owner.insert(p, &s.id) {
                    if other != s.id {
                        problems.push(format!("{what}: class prefix {p:?} also claimed by {other}"));
                    }
                }
            }
            for l in &m.native_libs {
                if let Some(other) = lib_owner.insert(l, &s.id) {
                    if other != s.id {
                        problems.push(format!("{what}: native lib {l:?} also claimed by {other}"));
                    }
                }
            }
            for d in &m.domains {
                if !valid_domain(d) {
                    problems.push(format!("{what}: malformed domain {d:?}"));
                }
            }
            // A framework permission is requested by countless apps: it
            // proves nothing about an SDK.
            for p in &m.permissions {
                if p.starts_with("android.permission.") {
                    problems.push(format!("{what}: framework permission {p:?} is not an SDK marker"));
                }
            }
            for p in m.native_lib_patterns.iter().chain(&m.component_patterns).chain(&m.domain_patterns) {
                check_regex(p, what, compile_regexes, &mut problems);
            }
        }
        let sdk_ids: HashSet<&str, Fast> = self.sdks.iter().map(|s| s.id.as_str()).collect();
        let mut suffix_owner: HashMap<&str, &str, Fast> = HashMap::default();
        for c in &self.clouds {
            let what = What("clouds.json", &c.id);
            if !valid_id(&c.id) || !ids.insert(c.id.as_str()) {
                problems.push(format!("{what}: bad or duplicate id"));
            }
            if c.domain_suffixes.is_empty() {
                problems.push(format!("{what}: no domain suffixes"));
            }
            if c.references.is_empty() {
                problems.push(format!("{what}: no references"));
            }
            if !CONFIDENCE.contains(&c.confidence.as_str()) {
                problems.push(format!("{what}: unknown confidence {:?}", c.confidence));
            }
            for d in &c.domain_suffixes {
                if !valid_domain(d) {
                    problems.push(format!("{what}: malformed domain {d:?}"));
                }
                if let Some(other) = suffix_owner.insert(d, &c.id) {
                    problems.push(format!("{what}: domain suffix {d:?} also claimed by {other}"));
                }
            }
            for id in &c.client_sdk_ids {
                if !sdk_ids.contains(id.as_str()) {
                    problems.push(format!("{what}: client_sdk_ids names unknown SDK {id:?}"));
                }
            }
        }
        for p in &self.publishers {
            let what = What("publishers.json", &p.id);
            if !valid_id(&p.id) || !ids.insert(p.id.as_str()) {
                problems.push(format!("{what}: bad or duplicate id"));
            }
            if p.references.is_empty() {
                problems.push(format!("{what}: no references"));
            }
            if p.package_prefixes.is_empty()
                && p.packages.is_empty()
                && p.cert_sha256.is_empty()
                && p.cert_subjects.is_empty()
            {
                problems.push(format!("{what}: no markers"));
            }
            for c in &p.cert_sha256 {
                if c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                    problems.push(format!("{what}: cert_sha256 must be 64 lowercase hex digits: {c:?}"));
                }
            }
            for d in &p.domain_suffixes {
                if !valid_domain(d) {
                    problems.push(format!("{what}: malformed domain {d:?}"));
                }
            }
        }
        let mut policy_ids = HashSet::new();
        for pol in &self.policies {
            let what = What("policy", &pol.id);
            if !policy_ids.insert(pol.id.as_str()) {
                problems.push(format!("{what}: duplicate policy id"));
            }
            let mut rule_ids = HashSet::new();
            if pol.rules.is_empty() {
                problems.push(format!("{what}: no rules"));
            }
            for r in &pol.rules {
                if !rule_ids.insert(r.id.as_str()) {
                    problems.push(format!("{what}: duplicate rule id {}", r.id));
                }
                if r.severity != "fail" && r.severity != "warn" {
                    problems.push(format!("{what}: rule {}: severity must be fail or warn", r.id));
                }
                if let Condition::Sdk(c) = &r.when {
                    for mc in c.min_confidence.iter().chain(&c.max_confidence) {
                        if !CONFIDENCE.contains(&mc.as_str()) {
                            problems.push(format!("{what}: rule {}: unknown confidence {mc:?}", r.id));
                        }
                    }
                    for t in &c.tags_any {
                        if !TAGS.contains(&t.as_str()) {
                            problems.push(format!("{what}: rule {}: unknown tag {t:?}", r.id));
                        }
                    }
                }
            }
        }
        problems
    }

    pub fn counts(&self) -> Counts {
        let markers = self
            .sdks
            .iter()
            .map(|s| {
                let m = &s.markers;
                m.class_prefixes.len()
                    + m.class_prefixes_broad.len()
                    + m.native_libs.len()
                    + m.native_lib_patterns.len()
                    + m.meta_data.len()
                    + m.components.len()
                    + m.component_patterns.len()
                    + m.permissions.len()
                    + m.intent_actions.len()
                    + m.assets.len()
                    + m.resource_names.len()
                    + m.domains.len()
                    + m.domain_patterns.len()
                    + s.ios
                        .as_ref()
                        .map_or(0, |i| i.frameworks.len() + i.bundle_id_prefixes.len() + i.objc_class_prefixes.len())
            })
            .sum();
        Counts {
            sdks: self.sdks.len(),
            prc_sdks: self.sdks.iter().filter(|s| s.prc_linked).count(),
            clouds: self.clouds.len(),
            clean_cloud_named: self.clouds.iter().filter(|c| c.clean_cloud_named).count(),
            publishers: self.publishers.len(),
            policies: self.policies.len(),
            rules: self.policies.iter().map(|p| p.rules.len()).sum(),
            markers,
        }
    }
}

/// A lean parse of `bytes` as an `sdks.json`.
#[cfg(test)]
pub(crate) fn parse_lean_for_tests(bytes: &[u8]) -> Result<SdkFile, Error> {
    keeping_text(false, || parse(Path::new("sdks.json"), bytes))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn load_checks_references_but_keeps_their_text_only_in_load_full() {
        let dir = repo_dir();
        let lean = load(&dir, &[]).expect("the shipped database loads");
        let full = load_full(&dir, &[]).expect("the shipped database loads");
        assert_eq!(lean.info, full.info, "same files, same digest");
        assert_eq!(lean.sdks.len(), full.sdks.len());
        for (a, b) in lean.sdks.iter().zip(&full.sdks) {
            assert_eq!(a.references.len(), b.references.len(), "{}", a.id);
            assert!(a.references.iter().all(|r| r.reference.is_empty()));
            assert!(b.references.iter().all(|r| !r.reference.is_empty()), "{}", b.id);
            assert_eq!(a.notes, None);
        }
        assert!(full.sdks.iter().any(|s| s.notes.is_some()));
        assert!(lean.validate_structure().is_empty() && full.validate_structure().is_empty());
        assert_eq!(lean.counts(), full.counts());
        // The mode ends with `load_full`.
        assert!(load(&dir, &[]).expect("loads").sdks[0].references[0].reference.is_empty());
    }

    #[test]
    fn the_built_in_database_is_the_repository_folder() {
        // build.rs lists the folder's files in the order a folder is read:
        // the same set and the same digest, only named `built-in`. Fails
        // when a policy file is left out, the order differs, or a file's
        // name in the digest does.
        let dir = repo_dir();
        for overlays in [vec![], vec![dir.clone()]] {
            for full in [false, true] {
                let (mut built_in, folder) = if full {
                    (load_builtin_full(&overlays), load_full(&dir, &overlays))
                } else {
                    (load_builtin(&overlays), load(&dir, &overlays))
                };
                let (built_in, folder) = (built_in.as_mut().expect("built in"), folder.expect("folder"));
                assert_eq!(built_in.info.sources.first().map(String::as_str), Some(BUILT_IN));
                assert_eq!(built_in.info.sources.get(1..), folder.info.sources.get(1..), "the overlays");
                assert_eq!(built_in.info.sha256, folder.info.sha256);
                assert_eq!(built_in.info.policies, ["clean-apps", "clean-store"]);
                built_in.info.sources.clone_from(&folder.info.sources);
                assert_eq!(format!("{built_in:?}"), format!("{folder:?}"), "full: {full}, overlays: {overlays:?}");
            }
        }
        assert_eq!(builtin::FILES.len(), 5, "three files and two policies");
    }

    #[test]
    fn the_built_in_database_lends_its_strings_and_a_folder_owns_them() {
        // The test above: the two are the same set. A scan's load of the
        // built-in files borrows every string written without escapes from
        // the program (the lean copy); `load_full` from the files
        // themselves; a folder's load copies each one.
        fn markers(set: &SignatureSet) -> Vec<&Text> {
            let sdks = set.sdks.iter().flat_map(|s| {
                let m = &s.markers;
                [&s.id, &s.name, &s.vendor].into_iter().chain(&m.class_prefixes).chain(&m.native_libs).chain(&m.domains)
            });
            let clouds = set.clouds.iter().flat_map(|c| std::iter::once(&c.id).chain(&c.domain_suffixes));
            let publishers = set.publishers.iter().flat_map(|p| std::iter::once(&p.id).chain(p.packages.keys()));
            sdks.chain(clouds).chain(publishers).collect()
        }
        for (set, lends) in [(load_builtin(&[]), true), (load_builtin_full(&[]), true), (load(&repo_dir(), &[]), false)]
        {
            let set = set.expect("loads");
            let texts = markers(&set);
            assert!(texts.len() > 2_000, "{}", texts.len());
            let other: Vec<&str> = texts.iter().filter(|t| t.is_lent() != lends).map(|t| t.as_str()).collect();
            assert!(other.is_empty(), "lends: {lends}: {other:?}");
        }
    }

    #[test]
    fn a_scan_parses_the_lean_copy_of_the_built_in_files_of_entries() {
        // build.rs made a copy of each, much shorter, which parses without
        // falling back to the bytes (the test above: to the same set).
        for &(name, bytes, lean) in builtin::FILES {
            let Some(&(_, kind)) = TOP_FILES.iter().find(|(n, _)| *n == name) else {
                assert_eq!(lean, bytes, "{name}: a policy is parsed as it is");
                continue;
            };
            assert!(lean.len() * 2 < bytes.len(), "{name}: {} of {} bytes", lean.len(), bytes.len());
            // The copy as a file of its own, parsed as a scan parses one.
            let copy = DbFile {
                folder: 0,
                name: name.to_string(),
                path: PathBuf::from(name),
                kind,
                bytes: Ok(Cow::Borrowed(lean)),
                lean: None,
            };
            let parsed = copy.parse(false).map(|p| p.map(|_| ()));
            assert!(matches!(parsed, Some(Ok(()))), "{name}: {parsed:?}");
            lean_load_agrees(kind as u8, bytes).expect(name);
        }
    }

    #[test]
    fn the_built_in_digest_from_the_build_is_the_one_computed_at_run_time() {
        // A load of the built-in database alone takes its digest from
        // build.rs; computed here over the bytes the program holds, the
        // same. (The folder's digest equals both: the test above.)
        let files = read_files(None, &[PathBuf::from(BUILT_IN)]);
        assert_eq!(files.len(), builtin::FILES.len());
        assert_eq!(digest(&files), builtin::DIGEST);
        assert_eq!(load_builtin(&[]).expect("loads").info.sha256, builtin::DIGEST);
        // With an overlay the digest is computed, over more files.
        assert_ne!(load_builtin(&[repo_dir()]).expect("loads").info.sha256, builtin::DIGEST);
    }

    #[test]
    fn a_database_loaded_in_parts_on_a_pool_is_the_one_loaded_on_one_thread() {
        // On a pool the files are parsed (and the digest computed) as parts
        // that the other thread takes: the same set, digest included, and
        // `load_full` keeps its text whichever thread parsed a file.
        let dir = repo_dir();
        let overlay = [dir.clone()];
        let one = format!("{:?}", load(&dir, &overlay).expect("loads"));
        let one_full = format!("{:?}", load_full(&dir, &overlay).expect("loads"));
        assert_ne!(one, one_full);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
        for _ in 0..20 {
            assert_eq!(pool.install(|| format!("{:?}", load(&dir, &overlay).expect("loads"))), one);
            assert_eq!(pool.install(|| format!("{:?}", load_full(&dir, &overlay).expect("loads"))), one_full);
        }
    }

    #[test]
    fn the_first_file_that_fails_in_load_order_is_the_error() {
        // sdks.json does not parse and publishers.json is missing: the
        // error names sdks.json (read and parsed first), on one thread and
        // on a pool alike; with sdks.json mended, the missing file.
        let dir = std::env::temp_dir().join(format!("cleanscan-load-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("sdks.json"), "{").expect("write");
        std::fs::write(dir.join("clouds.json"), r#"{"schema_version": 1, "clouds": []}"#).expect("write");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
        let error = || match load(&dir, &[]) {
            Err(e) => e.to_string(),
            Ok(_) => "loaded".to_string(),
        };
        for e in [error(), pool.install(error)] {
            assert!(e.contains("sdks.json") && e.contains("EOF"), "{e}");
        }
        std::fs::write(dir.join("sdks.json"), r#"{"schema_version": 1, "sdks": []}"#).expect("write");
        for e in [error(), pool.install(error)] {
            assert!(e.contains("publishers.json") && !e.contains("sdks.json"), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_malformed_reference_is_refused_by_both_loads() {
        let dir = std::env::temp_dir().join(format!("cleanscan-ref-shape-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("clouds.json"), r#"{"schema_version": 1, "clouds": []}"#).expect("write");
        std::fs::write(dir.join("publishers.json"), r#"{"schema_version": 1, "publishers": []}"#).expect("write");
        let sdk = |refs: &str| {
            format!(
                r#"{{"schema_version": 1, "sdks": [{{"id": "x", "name": "X", "vendor": "V", "country": "US",
                "category": "ads", "prc_linked": false, "collects_data": true, "confidence": "high",
                "markers": {{"native_libs": ["libx.so"]}}, "references": {refs}}}]}}"#
            )
        };
        for (refs, want) in [
            (r#"[{"ref": "a", "page": 1}]"#, "unknown field `page`"),
            (r#"[{"ref": "a", "paths": [1]}]"#, "expected a string"),
            (r#"[{"paths": []}]"#, "missing field `ref`"),
            (r#"[{"ref": "a"}], "notes": 3"#, "expected a string"),
        ] {
            std::fs::write(dir.join("sdks.json"), sdk(refs)).expect("write");
            for full in [false, true] {
                let r = if full { load_full(&dir, &[]) } else { load(&dir, &[]) };
                let Err(Error::Json { path, source }) = r else { panic!("{refs} must be refused (full: {full})") };
                assert!(path.ends_with("sdks.json") && source.to_string().contains(want), "{source} ({refs})");
            }
        }
        std::fs::write(dir.join("sdks.json"), sdk(r#"[{"ref": "a", "paths": ["p"], "supports": ["s"]}]"#))
            .expect("write");
        assert_eq!(load(&dir, &[]).expect("valid").sdks[0].references.len(), 1);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn merge_replaces_known_ids_in_place_and_appends_new_ones() {
        fn key(x: &(String, u32)) -> &str {
            x.0.as_str()
        }
        let item = |id: &str, n: u32| (id.to_string(), n);
        let mut into = Vec::new();
        merge(&mut into, vec![item("a", 1), item("b", 2), item("a", 3)], key);
        assert_eq!(into, vec![item("a", 3), item("b", 2)], "a repeated id replaces the first");
        merge(&mut into, vec![item("c", 4), item("b", 5), item("c", 6)], key);
        assert_eq!(into, vec![item("a", 3), item("b", 5), item("c", 6)]);
        let mut fresh = Vec::new();
        merge(&mut fresh, vec![item("x", 1), item("y", 2)], key);
        assert_eq!(fresh, vec![item("x", 1), item("y", 2)]);
    }
}

//! Builds one `Facts` value per app from the container's entries.
//!
//! Each entry the scan needs is inflated once, into a reused buffer, and
//! handed to its format's parser; a part that fails gives an error record and
//! the rest of the app is still analysed.

pub mod aab;
pub mod archive;
pub mod dex;
pub mod endpoints;
pub mod facts;
pub mod ipa;
pub mod manifest;
pub mod native;
pub mod signers;
pub mod splits;

use crate::container::Limits;
use crate::evidence::{Anomaly, ErrorRecord};
use crate::formats::arsc::ResourceTable;
use crate::formats::source::Source;
use crate::formats::zip::{ZipDirectory, ZipEntry};
use crate::verify::digest::FileDigest;
use crate::verify::shared::SharedEntries;
use endpoints::EndpointCollector;
use facts::Facts;

/// The result of analysing one APK's bytes.
#[derive(Debug, Default)]
pub struct ApkAnalysis {
    pub facts: Facts,
    pub errors: Vec<ErrorRecord>,
}

/// Entries whose bytes the scan reads, by role.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Role {
    Dex,
    Native,
    V1Signature,
    ResXml,
    TextAsset,
    /// Might hide a DEX or a nested archive: peek at its magic.
    Probe,
    Skip,
}

fn role(name: &str) -> Role {
    if !name.contains('/') {
        if name.starts_with("classes") && name.ends_with(".dex") {
            return Role::Dex;
        }
        if name == "AndroidManifest.xml" || name == "resources.arsc" {
            return Role::Skip;
        }
    }
    if let Some(rest) = name.strip_prefix("lib/") {
        if rest.ends_with(".so") && rest.matches('/').count() == 1 {
            return Role::Native;
        }
    }
    if let Some(rest) = name.strip_prefix("META-INF/") {
        if !rest.contains('/') {
            let upper = rest.to_ascii_uppercase();
            if upper.ends_with(".RSA") || upper.ends_with(".DSA") || upper.ends_with(".EC") {
                return Role::V1Signature;
            }
        }
        return Role::Skip;
    }
    if name.starts_with("res/xml/") && name.ends_with(".xml") {
        return Role::ResXml;
    }
    if name.ends_with('/') {
        return Role::Skip;
    }
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    const MEDIA: &[&str] = &[
        "png",
        "jpg",
        "jpeg",
        "webp",
        "gif",
        "bmp",
        "ogg",
        "mp3",
        "mp4",
        "wav",
        "m4a",
        "aac",
        "ttf",
        "otf",
        "woff",
        "woff2",
        "9.png",
        "kotlin_builtins",
        "kotlin_module",
        "version",
        "arsc",
        "flat",
        "pb",
    ];
    if MEDIA.contains(&ext) {
        return Role::Skip;
    }
    if lower.starts_with("assets/") || lower.starts_with("res/raw/") || !lower.contains('/') {
        const TEXT: &[&str] = &[
            "json",
            "txt",
            "xml",
            "properties",
            "js",
            "html",
            "htm",
            "cfg",
            "conf",
            "ini",
            "yaml",
            "yml",
            "plist",
            "csv",
        ];
        if TEXT.contains(&ext) {
            return Role::TextAsset;
        }
        return Role::Probe;
    }
    if lower.starts_with("res/") {
        return Role::Skip;
    }
    Role::Probe
}

/// Reads entries within the app's inflate budget.
struct EntryReader<'a> {
    data: Source<'a>,
    dir: &'a ZipDirectory,
    limits: &'a Limits,
    inflated: u64,
    prefix: &'a str,
    /// The app's inflate budget ran out and an error record says so.
    budget_spent: bool,
    /// Where DEX files and native libraries are published for v1 entry
    /// digests, when the APK's verification will hash every entry.
    shared: Option<&'a SharedEntries>,
}

/// The time-budget check between entries: true (and one `limits` error
/// record) once the app's deadline has passed.
fn out_of_time(limits: &Limits, errors: &mut Vec<ErrorRecord>) -> bool {
    if !limits.out_of_time() {
        return false;
    }
    if !errors.iter().any(|e| e.stage == "limits" && e.file.is_empty()) {
        errors.push(ErrorRecord::new(
            "limits",
            "",
            format!("time budget of {} ms ran out; the rest of the app was not analysed", limits.time_budget_ms),
        ));
    }
    true
}

impl<'a> EntryReader<'a> {
    fn read<'b>(
        &mut self,
        entry: &ZipEntry,
        max: u64,
        buf: &'b mut Vec<u8>,
        facts: &mut Facts,
        errors: &mut Vec<ErrorRecord>,
        stage: &str,
    ) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        if out_of_time(self.limits, errors) {
            return None;
        }
        let file = format!("{}{}", self.prefix, entry.name);
        if self.budget_spent || self.inflated >= self.limits.max_app_bytes {
            // One record for the whole app, not one per skipped entry.
            if !self.budget_spent {
                self.budget_spent = true;
                errors.push(ErrorRecord::new(
                    stage,
                    file,
                    format!(
                        "app inflate budget of {} bytes used up; this and the remaining entries are skipped",
                        self.limits.max_app_bytes
                    ),
                ));
            }
            return None;
        }
        let left = self.limits.max_app_bytes.saturating_sub(self.inflated);
        let capped = max.min(self.limits.max_entry_bytes);
        let max = capped.min(left);
        match self.dir.read(self.data, entry, max, buf) {
            Err(crate::formats::zip::Error::LimitExceeded { what: "inflated entry size", .. }) if left < capped => {
                self.budget_spent = true;
                errors.push(ErrorRecord::new(
                    stage,
                    file,
                    format!(
                        "app inflate budget of {} bytes used up ({} inflated); this and the remaining entries are skipped",
                        self.limits.max_app_bytes, self.inflated
                    ),
                ));
                None
            }
            Ok((bytes, anomalies)) => {
                self.inflated = self.inflated.saturating_add(bytes.len() as u64);
                push_anomalies(facts, anomalies, self.prefix);
                Some(bytes)
            }
            Err(e) => {
                errors.push(ErrorRecord::new(stage, file, e.to_string()));
                None
            }
        }
    }
}

fn push_anomalies(facts: &mut Facts, anomalies: Vec<Anomaly>, prefix: &str) {
    for mut a in anomalies {
        if !prefix.is_empty() {
            a.file = format!("{prefix}{}", a.file);
        }
        facts.anomalies.push(a);
    }
}

/// Analyses an APK (or any zip holding an AndroidManifest.xml).
pub fn analyze_apk(data: &[u8], dir: &ZipDirectory, limits: &Limits) -> ApkAnalysis {
    analyze_apk_with_idsig(data, dir, limits, None)
}

/// `targetSandboxVersion` of the manifest's root element.
fn target_sandbox_version(axml: &[u8]) -> Option<u32> {
    let doc = crate::formats::axml::parse(axml).ok()?;
    let root = doc.root()?;
    root.attributes.iter().find(|a| doc.attribute_name(a) == "targetSandboxVersion").and_then(|a| a.value.as_int())
}

/// `analyze_apk` plus the v4 signature file (`APK.idsig`) found beside it.
pub fn analyze_apk_with_idsig(data: &[u8], dir: &ZipDirectory, limits: &Limits, idsig: Option<&[u8]>) -> ApkAnalysis {
    analyze_apk_digesting(Source::Memory(data), dir, limits, idsig, None)
}

/// `analyze_apk_with_idsig` that also takes the file's SHA-256 into
/// `file_digest` (made over `data`) when its v2/v3 verification can hash
/// it side by side with the content digest; see [`FileDigest`].
pub fn analyze_apk_digesting<'a>(
    data: Source<'a>,
    dir: &ZipDirectory,
    limits: &Limits,
    idsig: Option<&'a [u8]>,
    file_digest: Option<&'a FileDigest<'a>>,
) -> ApkAnalysis {
    analyze_zip_inner(data, dir, limits, &|n: &str| Some(n.to_string()), true, idsig, file_digest)
}

/// Analyses a zip laid out like an APK after renaming: `apk_name` maps an
/// entry's name to the APK-relative name its role is judged by
/// (`base/dex/classes.dex` → `classes.dex` in an App Bundle module), or None
/// to leave the entry out. Evidence keeps the entry's real name. With
/// `read_manifest` false, `AndroidManifest.xml` and `resources.arsc` are
/// not read (the caller decodes its own manifest).
pub fn analyze_zip(
    data: Source<'_>,
    dir: &ZipDirectory,
    limits: &Limits,
    apk_name: &(dyn Fn(&str) -> Option<String> + Sync),
    read_manifest: bool,
) -> ApkAnalysis {
    analyze_zip_inner(data, dir, limits, apk_name, read_manifest, None, None)
}

fn analyze_zip_inner<'a>(
    data: Source<'a>,
    dir: &ZipDirectory,
    limits: &Limits,
    apk_name: &(dyn Fn(&str) -> Option<String> + Sync),
    read_manifest: bool,
    idsig: Option<&'a [u8]>,
    file_digest: Option<&'a FileDigest<'a>>,
) -> ApkAnalysis {
    let mut out = ApkAnalysis::default();
    let mut endpoints = EndpointCollector::new();
    let facts = &mut out.facts;
    let errors = &mut out.errors;
    facts.anomalies.extend(dir.anomalies.iter().cloned());
    facts.entries = dir.entries.iter().filter_map(|e| apk_name(&e.name)).collect();
    let mut reader = EntryReader { data, dir, limits, inflated: 0, prefix: "", budget_spent: false, shared: None };
    let mut buf = spare_buffer();
    if !read_manifest {
        let sig = SigInput { sandbox: None, idsig, file_digest };
        analyze_entries(dir, limits, apk_name, &mut reader, &mut buf, facts, errors, &mut endpoints, sig, None);
        facts.endpoints = endpoints.finish();
        keep_buffer(buf);
        return out;
    }

    // An app with a large resource table starts its verification before the
    // table, with the SDK levels its manifest gives on its own; the others
    // read the table and the manifest first, as the levels come from them.
    match early_levels(dir, &reader) {
        Some(levels) => {
            let sig = SigInput { sandbox: levels.sandbox, idsig, file_digest };
            analyze_entries(
                dir,
                limits,
                apk_name,
                &mut reader,
                &mut buf,
                facts,
                errors,
                &mut endpoints,
                sig,
                Some(levels),
            );
        }
        None => {
            let sandbox = read_table_and_manifest(dir, &mut reader, &mut buf, facts, errors, &mut endpoints);
            let sig = SigInput { sandbox, idsig, file_digest };
            analyze_entries(dir, limits, apk_name, &mut reader, &mut buf, facts, errors, &mut endpoints, sig, None);
        }
    }
    facts.endpoints = endpoints.finish();
    keep_buffer(buf);
    out
}

/// Reads `resources.arsc`, then `AndroidManifest.xml` (its label and
/// meta-data resolve through the table) into `facts`; returns the manifest's
/// `targetSandboxVersion`.
fn read_table_and_manifest(
    dir: &ZipDirectory,
    reader: &mut EntryReader<'_>,
    buf: &mut Vec<u8>,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) -> Option<u32> {
    let mut sandbox = None;
    // The table borrows its entry's bytes, so it gets a buffer of its own.
    let mut arsc_buf = spare_buffer();
    let mut table: Option<ResourceTable> = None;
    if let Some(entry) = dir.find("resources.arsc") {
        if let Some(bytes) = reader.read(entry, u64::MAX, &mut arsc_buf, facts, errors, "resources") {
            match crate::formats::arsc::parse(bytes) {
                Ok(t) => {
                    facts.anomalies.extend(t.anomalies_for("resources.arsc"));
                    // Only strings with a '.' or ':' can hold an endpoint; a large
                    // table's translations mostly have neither and stay undecoded.
                    for s in t.global_strings_holding([b'.', b':']) {
                        endpoints.scan(s.as_bytes(), "resource-string", "resources.arsc", None);
                    }
                    table = Some(t);
                }
                Err(e) => errors.push(ErrorRecord::new("resources", "resources.arsc", e.to_string())),
            }
        }
    }
    match dir.find("AndroidManifest.xml") {
        Some(entry) => {
            if let Some(bytes) = reader.read(entry, u64::MAX, buf, facts, errors, "manifest") {
                sandbox = target_sandbox_version(bytes);
                match manifest::extract(bytes, table.as_ref(), "AndroidManifest.xml") {
                    Ok(m) => {
                        for s in &m.strings {
                            endpoints.scan(s.as_bytes(), "manifest", "AndroidManifest.xml", None);
                        }
                        facts.anomalies.extend(m.anomalies);
                        facts.manifest = Some(m.manifest);
                    }
                    Err(e) => errors.push(ErrorRecord::new("manifest", "AndroidManifest.xml", e.to_string())),
                }
            }
        }
        None => errors.push(ErrorRecord::new("manifest", "AndroidManifest.xml", "no AndroidManifest.xml entry")),
    }
    drop(table);
    keep_buffer(arsc_buf);
    sandbox
}

/// What verification takes from the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SigLevels {
    min_sdk: Option<u32>,
    target_sdk: Option<u32>,
    sandbox: Option<u32>,
}

impl SigLevels {
    fn of(manifest: Option<&facts::Manifest>, sandbox: Option<u32>) -> SigLevels {
        SigLevels {
            min_sdk: manifest.and_then(|m| m.min_sdk),
            target_sdk: manifest.and_then(|m| m.target_sdk),
            sandbox,
        }
    }
}

/// For an app whose resource table declares at least
/// `Limits::verify_before_table_bytes`, when the pool has a second thread
/// for the verification: the levels its manifest gives read without the
/// table (a copy of the reader, and records that are dropped: the manifest
/// is read again in its turn). None otherwise, or when the manifest does not
/// read.
fn early_levels(dir: &ZipDirectory, reader: &EntryReader<'_>) -> Option<SigLevels> {
    let limits = reader.limits;
    if !limits.split_app || rayon::current_num_threads() < 2 {
        return None;
    }
    if dir.find("resources.arsc")?.uncompressed_size < limits.verify_before_table_bytes {
        return None;
    }
    let entry = dir.find("AndroidManifest.xml")?;
    let mut r = EntryReader { ..*reader };
    let mut buf = spare_buffer();
    let (mut facts, mut errors) = (Facts::default(), Vec::new());
    let levels = r.read(entry, u64::MAX, &mut buf, &mut facts, &mut errors, "manifest").map(levels_without_table);
    keep_buffer(buf);
    levels
}

/// The SDK levels and sandbox version of a manifest read without its
/// resource table (a level given as a resource reference is then missing).
fn levels_without_table(manifest: &[u8]) -> SigLevels {
    let m = manifest::extract(manifest, None, "AndroidManifest.xml").ok();
    SigLevels::of(m.as_ref().map(|m| &m.manifest), target_sandbox_version(manifest))
}

/// Inflate buffers kept per thread across entries and apps: new memory is
/// faulted in page by page (costly on VMs), a reused buffer is not.
const SPARE_BUFFERS: usize = 3;
/// A buffer larger than this is freed rather than kept.
const MAX_SPARE_BYTES: usize = 64 << 20;

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn spare_buffer() -> Vec<u8> {
    SPARE.with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop())).unwrap_or_default()
}

/// Keeps `buf` for the next entry with its length: the next inflate into it
/// overwrites those bytes instead of zeroing them first (`formats::grow_zeroed`).
fn keep_buffer(buf: Vec<u8>) {
    if buf.capacity() > MAX_SPARE_BYTES {
        return;
    }
    SPARE.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if s.len() < SPARE_BUFFERS {
                s.push(buf);
            }
        }
    });
}

/// What signature verification needs beyond the zip: the manifest's
/// `targetSandboxVersion` and the v4 `.idsig` file beside the APK.
struct SigInput<'a> {
    sandbox: Option<u32>,
    idsig: Option<&'a [u8]>,
    file_digest: Option<&'a FileDigest<'a>>,
}

/// The per-entry pass of `analyze_zip`: DEX, native libraries, v1
/// signature files, XML and text assets, probes for hidden DEX/archives;
/// then the signers and their verification. With `early` levels the
/// resource table and the manifest are read first on the entries' side,
/// beside the verification, which takes those levels.
#[allow(clippy::too_many_arguments)]
fn analyze_entries(
    dir: &ZipDirectory,
    limits: &Limits,
    apk_name: &(dyn Fn(&str) -> Option<String> + Sync),
    reader: &mut EntryReader<'_>,
    buf: &mut Vec<u8>,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
    sig: SigInput<'_>,
    early: Option<SigLevels>,
) {
    let data = reader.data;
    let levels = early.unwrap_or_else(|| SigLevels::of(facts.manifest.as_ref(), sig.sandbox));
    let mut input = crate::verify::Input {
        min_sdk: levels.min_sdk,
        target_sdk: levels.target_sdk,
        target_sandbox_version: levels.sandbox,
        idsig: sig.idsig,
        max_entry_bytes: limits.max_entry_bytes,
        all_v1_digests: limits.verify_all_v1_digests,
        file_digest: sig.file_digest,
        shared_entries: None,
    };
    let shared = crate::verify::hashes_v1_entries(data, dir, &input).then(SharedEntries::new);
    input.shared_entries = shared.as_ref();
    // Verification reads the whole file on its own: it runs beside the
    // entries when the pool has a free thread. The entries (inflating the
    // DEX files, the longer part) start here at once, and verification is
    // the part left for a thread that comes free. The file digest the caller
    // offers is queued behind it: the verification of a v2/v3 signature
    // takes it side by side with its content digest, and a thread that is
    // free before then takes it alone.
    let ((v1_files, sandbox), verification) = rayon::join(
        || {
            // Queued behind the verification: a one-app scan's database compile.
            crate::scan::app_work_queued();
            let sandbox = early.map(|_| read_table_and_manifest(dir, reader, buf, facts, errors, endpoints));
            let mut r = EntryReader { shared: shared.as_ref(), ..*reader };
            let v1_files = read_entries(dir, limits, apk_name, &mut r, buf, facts, errors, endpoints);
            reader.inflated = r.inflated;
            reader.budget_spent = r.budget_spent;
            (v1_files, sandbox)
        },
        || match sig.file_digest {
            Some(file) => rayon::join(|| crate::verify::verify_source(data, dir, &input), || file.take_alone()).0,
            None => crate::verify::verify_source(data, dir, &input),
        },
    );
    // A verification started before the table stands when the manifest, read
    // with it, gives the same levels; otherwise (a level given as a resource
    // reference) it is done again with the manifest's (the file digest is
    // taken by then; no entry is shared this time).
    let verification = match sandbox.map(|sandbox| SigLevels::of(facts.manifest.as_ref(), sandbox)) {
        Some(real) if real != levels => {
            let again = crate::verify::Input {
                min_sdk: real.min_sdk,
                target_sdk: real.target_sdk,
                target_sandbox_version: real.sandbox,
                shared_entries: None,
                ..input
            };
            crate::verify::verify_source(data, dir, &again)
        }
        _ => verification,
    };
    let v1_refs: Vec<(&str, &[u8])> = v1_files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let signed = signers::extract_source(data, dir.cd_offset, &v1_refs);
    facts.signers = signed.signers;
    facts.signing_block = signed.signing_block;
    signers::apply_verification(&mut facts.signers, &verification);
    facts.signature_verification = Some(signers::verdict(&verification));
    facts.anomalies.extend(signed.anomalies);
}

/// Reads and analyses every entry the scan needs, in entry order; returns
/// the v1 signature block files.
#[allow(clippy::too_many_arguments)]
fn read_entries(
    dir: &ZipDirectory,
    limits: &Limits,
    apk_name: &(dyn Fn(&str) -> Option<String> + Sync),
    reader: &mut EntryReader<'_>,
    buf: &mut Vec<u8>,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) -> Vec<(String, Vec<u8>)> {
    let mut v1_files: Vec<(String, Vec<u8>)> = Vec::new();
    // Only the first entry of a duplicated name is analysed (see formats::zip).
    let todo: Vec<(&ZipEntry, Role)> = dir
        .entries
        .iter()
        .filter(|entry| dir.find(&entry.name).is_some_and(|first| std::ptr::eq(first, *entry)))
        .filter_map(|entry| Some((entry, role(&apk_name(&entry.name)?))))
        .collect();
    let mut parts = heavy_parts_in_parallel(&todo, reader);
    for (i, &(entry, role)) in todo.iter().enumerate() {
        if matches!(role, Role::Dex | Role::Native) {
            // A part computed ahead is taken when the sequential pass would
            // have read the same bytes: it read cleanly and fits what is left
            // of the app's inflate budget. Otherwise the entry is read here.
            if let Some(part) = parts.get_mut(i).and_then(Option::take) {
                let left = limits.max_app_bytes.saturating_sub(reader.inflated);
                if part.clean && !reader.budget_spent && part.inflated <= left && !limits.out_of_time() {
                    reader.inflated = reader.inflated.saturating_add(part.inflated);
                    part.merge_into(facts, errors, endpoints);
                    continue;
                }
            }
            heavy_entry(entry, role, reader, buf, facts, errors, endpoints);
            continue;
        }
        match role {
            Role::Skip | Role::Dex | Role::Native => {}
            Role::V1Signature => {
                if let Some(bytes) = reader.read(entry, 16 << 20, buf, facts, errors, "signing") {
                    v1_files.push((entry.name.clone(), bytes.to_vec()));
                }
            }
            Role::ResXml => {
                if let Some(bytes) = reader.read(entry, limits.max_text_asset_bytes, buf, facts, errors, "resources") {
                    scan_xml(bytes, &entry.name, endpoints);
                }
            }
            Role::TextAsset => {
                if entry.uncompressed_size > limits.max_text_asset_bytes {
                    continue;
                }
                if let Some(bytes) = reader.read(entry, limits.max_text_asset_bytes, buf, facts, errors, "asset") {
                    if bytes.starts_with(&[0x03, 0x00, 0x08, 0x00]) {
                        scan_xml(bytes, &entry.name, endpoints);
                    } else {
                        endpoints.scan_blob(bytes, "asset", &entry.name);
                    }
                }
            }
            Role::Probe => probe(entry, reader, buf, facts, errors, endpoints, 1),
        }
    }

    v1_files
}

/// Reads and analyses one DEX or native library entry.
fn heavy_entry(
    entry: &ZipEntry,
    role: Role,
    reader: &mut EntryReader<'_>,
    buf: &mut Vec<u8>,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) {
    let stage = if role == Role::Dex { "dex" } else { "native" };
    // A deflated entry that v1 verification will hash too is published
    // once inflated: the verifier hashes these bytes instead of inflating
    // the entry again.
    let publish =
        reader.shared.filter(|_| entry.method == crate::formats::zip::METHOD_DEFLATED).and_then(|s| s.begin(entry));
    if let Some(p) = publish {
        let Some(n) = reader.read(entry, u64::MAX, buf, facts, errors, stage).map(<[u8]>::len) else { return };
        // A deflated entry is inflated into the first `n` bytes of `buf`.
        let owned = std::sync::Arc::new(std::mem::take(buf));
        p.ready(std::sync::Arc::clone(&owned), n);
        analyze_heavy(owned.get(..n).unwrap_or_default(), &entry.name, role, reader.limits, facts, errors, endpoints);
        // The buffer comes back for the next entry once the verifier is done
        // with it (or never took it).
        if let Ok(v) = std::sync::Arc::try_unwrap(owned) {
            *buf = v;
        }
        return;
    }
    let Some(bytes) = reader.read(entry, u64::MAX, buf, facts, errors, stage) else { return };
    analyze_heavy(bytes, &entry.name, role, reader.limits, facts, errors, endpoints);
}

/// Analyses one DEX file or native library's bytes.
fn analyze_heavy(
    bytes: &[u8],
    name: &str,
    role: Role,
    limits: &Limits,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) {
    if role == Role::Dex {
        if !dex_over_limit(bytes, name, limits, errors) {
            analyze_dex(bytes, name, facts, errors, endpoints);
        }
    } else {
        analyze_native(bytes, name, facts, errors, endpoints);
    }
}

/// What one DEX or native library gave, computed ahead of the sequential
/// pass, to be merged at its entry's place.
struct HeavyPart {
    facts: Facts,
    errors: Vec<ErrorRecord>,
    endpoints: EndpointCollector,
    inflated: u64,
    /// Read without any error (no limit, no deadline, no corrupt data):
    /// only then is the result the one the sequential pass would get.
    clean: bool,
}

impl HeavyPart {
    fn merge_into(self, facts: &mut Facts, errors: &mut Vec<ErrorRecord>, endpoints: &mut EndpointCollector) {
        let HeavyPart { facts: mut part, errors: mut part_errors, endpoints: part_endpoints, .. } = self;
        facts.anomalies.append(&mut part.anomalies);
        facts.dex.append(&mut part.dex);
        facts.native_libs.append(&mut part.native_libs);
        errors.append(&mut part_errors);
        endpoints.merge(part_endpoints);
    }
}

/// The app's DEX files and native libraries, inflated and analysed on the
/// worker pool at once, when the pool has more than one thread, the app may
/// be split (`Limits::split_app`) and there are at least two of them; an
/// empty list otherwise. Indexed like `todo`.
fn heavy_parts_in_parallel(todo: &[(&ZipEntry, Role)], reader: &EntryReader<'_>) -> Vec<Option<HeavyPart>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut heavy: Vec<usize> =
        todo.iter().enumerate().filter(|(_, (_, r))| matches!(r, Role::Dex | Role::Native)).map(|(i, _)| i).collect();
    let threads = rayon::current_num_threads();
    if heavy.len() < 2 || threads < 2 || !reader.prefix.is_empty() || !reader.limits.split_app {
        return Vec::new();
    }
    // Largest first, each thread taking the next one when it is free: the
    // pool does not end waiting on one big DEX started last.
    heavy.sort_by_key(|&i| std::cmp::Reverse(todo.get(i).map_or(0, |(e, _)| e.uncompressed_size)));
    let next = AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<(usize, HeavyPart)>> = std::sync::Mutex::new(Vec::with_capacity(heavy.len()));
    rayon::scope(|s| {
        for _ in 0..threads.min(heavy.len()) {
            s.spawn(|_| {
                while let Some(&i) = heavy.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Some(&(entry, role)) = todo.get(i) else { continue };
                    let part = heavy_part(entry, role, reader);
                    done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, part));
                }
            });
        }
    });
    let mut parts: Vec<Option<HeavyPart>> = std::iter::repeat_with(|| None).take(todo.len()).collect();
    for (i, part) in done.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        if let Some(slot) = parts.get_mut(i) {
            *slot = Some(part);
        }
    }
    parts
}

/// One DEX or native library read and analysed on its own (see `HeavyPart`).
fn heavy_part(entry: &ZipEntry, role: Role, reader: &EntryReader<'_>) -> HeavyPart {
    let mut buf = spare_buffer();
    let mut r = EntryReader { inflated: 0, budget_spent: false, ..*reader };
    let mut part = HeavyPart {
        facts: Facts::default(),
        errors: Vec::new(),
        endpoints: EndpointCollector::new(),
        inflated: 0,
        clean: true,
    };
    heavy_entry(entry, role, &mut r, &mut buf, &mut part.facts, &mut part.errors, &mut part.endpoints);
    part.inflated = r.inflated;
    part.clean = part.errors.is_empty() && !r.budget_spent;
    keep_buffer(buf);
    part
}

/// A DEX whose tables hold more entries than `limits.max_dex_table_entries`
/// gives a `limits` error record instead of being walked.
fn dex_over_limit(bytes: &[u8], file: &str, limits: &Limits, errors: &mut Vec<ErrorRecord>) -> bool {
    let max = limits.max_dex_table_entries;
    let Ok(files) = crate::formats::dex::parse_all(bytes) else { return false };
    let over = files.iter().any(|d| d.string_count() > max || d.type_count() > max || d.class_def_count() > max);
    if over {
        errors.push(ErrorRecord::new(
            "limits",
            file,
            format!("DEX tables hold more than {max} entries (string_ids, type_ids or class_defs); not analysed"),
        ));
    }
    over
}

fn analyze_dex(
    bytes: &[u8],
    file: &str,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) {
    match dex::extract(bytes, file, endpoints) {
        Ok((dexes, anomalies)) => {
            facts.dex.extend(dexes);
            facts.anomalies.extend(anomalies);
        }
        Err(e) => errors.push(ErrorRecord::new("dex", file, e.to_string())),
    }
}

fn analyze_native(
    bytes: &[u8],
    file: &str,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) {
    match native::extract_with_anomalies(bytes, file, endpoints) {
        Ok((lib, anomalies)) => {
            facts.native_libs.push(lib);
            facts.anomalies.extend(anomalies);
        }
        Err(e) => errors.push(ErrorRecord::new("native", file, e.to_string())),
    }
}

fn scan_xml(bytes: &[u8], file: &str, endpoints: &mut EndpointCollector) {
    use crate::formats::axml::Node;
    if let Ok(doc) = crate::formats::axml::parse(bytes) {
        for s in doc.text_values() {
            endpoints.scan(s.as_bytes(), "xml", file, None);
        }
        // Network security config: the text of <domain> is a host whatever
        // its TLD (https://developer.android.com/privacy-and-security/security-config).
        let mut in_domain = false;
        for node in &doc.nodes {
            match node {
                Node::StartElement(e) => in_domain = doc.element_name(e) == "domain",
                Node::EndElement { .. } => in_domain = false,
                Node::Text { offset, data: Some(i), .. } if in_domain => {
                    if let Some(host) = doc.string(*i) {
                        endpoints.add_host(host, "xml-domain", file, Some(*offset));
                    }
                }
                _ => {}
            }
        }
    } else {
        endpoints.scan_blob(bytes, "xml", file);
    }
}

/// Looks at an entry's magic: a DEX anywhere is analysed; a zip (jar, apk)
/// is opened and its DEX files analysed, down to the depth limit.
fn probe(
    entry: &ZipEntry,
    reader: &mut EntryReader<'_>,
    buf: &mut Vec<u8>,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
    depth: u32,
) {
    let mut head = [0u8; 4];
    if !reader.dir.peek(reader.data, entry, &mut head) {
        return;
    }
    let file = format!("{}{}", reader.prefix, entry.name);
    if &head == b"dex\n" {
        facts.anomalies.push(Anomaly::new(
            "dex-outside-classes",
            "DEX file under a name Android does not load by default (loaded at run time, if at all)",
            file.clone(),
            None,
        ));
        if let Some(bytes) = reader.read(entry, u64::MAX, buf, facts, errors, "dex") {
            if dex_over_limit(bytes, &file, reader.limits, errors) {
                return;
            }
            analyze_dex(bytes, &file, facts, errors, endpoints);
        }
    } else if &head == b"PK\x03\x04" && depth <= reader.limits.max_depth {
        let Some(bytes) = reader.read(entry, u64::MAX, buf, facts, errors, "container") else {
            return;
        };
        let nested_data = bytes.to_vec();
        let nested = match ZipDirectory::parse(&nested_data, &reader.limits.zip()) {
            Ok(d) => d,
            Err(e) => {
                errors.push(ErrorRecord::new("container", file, e.to_string()));
                return;
            }
        };
        let prefix = format!("{file}!/");
        let mut inner = EntryReader {
            data: Source::Memory(&nested_data),
            dir: &nested,
            limits: reader.limits,
            inflated: reader.inflated,
            prefix: &prefix,
            budget_spent: reader.budget_spent,
            shared: None,
        };
        let mut inner_buf = Vec::new();
        for e in &nested.entries {
            let name = &e.name;
            let dexlike = name.ends_with(".dex") || role(name) == Role::Probe;
            if !dexlike {
                continue;
            }
            probe(e, &mut inner, &mut inner_buf, facts, errors, endpoints, depth.saturating_add(1));
        }
        reader.inflated = inner.inflated;
        reader.budget_spent = inner.budget_spent;
    }
}

//! Split sets: one app delivered as several APKs — bundletool `.apks`
//! (`toc.pb`, `splits/`, `standalones/`, `universal.apk`), SAI-style `.apks`,
//! `.xapk` (`manifest.json`, OBB expansions), unencrypted `.apkm`, or a folder
//! of split APKs (`--split-set`).
//!
//! Each member APK goes through `analyze_apk` on its own bytes (read from the
//! outer zip within the app's limits), then the members' facts are merged
//! into one app: the base manifest (plus the components of feature splits),
//! the DEX of every split, the native libraries of `config.<abi>` splits,
//! endpoints merged per host. Every piece of evidence names its member
//! (`splits/base-master.apk!/classes.dex`). `members` lists every member
//! with its own package, split name and signers; a split whose package,
//! version or signing certificates differ from the base is an anomaly.

use std::collections::{BTreeMap, BTreeSet};

use crate::container::Limits;
use crate::evidence::{Anomaly, ErrorRecord};
use crate::extract::endpoints::{MAX_EVIDENCE_PER_HOST, MAX_URLS_PER_HOST};
use crate::extract::facts::{Component, Endpoint, Facts, Member};
use crate::extract::{analyze_apk_digesting, ApkAnalysis};
use crate::formats::source::Source;
use crate::formats::zip::{ZipDirectory, ZipEntry};

/// Most member APKs analysed in one set (bundletool sets of a large app
/// have a few hundred language and density splits).
pub const MAX_MEMBERS: usize = 2_000;

/// One analysed member, before merging.
struct Analysed {
    member: Member,
    facts: Facts,
}

/// Collects members one at a time (so only one member's bytes are held),
/// then merges them.
#[derive(Default)]
pub struct SplitSet {
    analysed: Vec<Analysed>,
    /// Members listed but not analysed (alternatives, OBB files).
    listed: Vec<Member>,
    errors: Vec<ErrorRecord>,
    anomalies: Vec<Anomaly>,
    inflated: u64,
}

/// Prefixes every file name the facts carry with `prefix` (`base.apk!/`).
pub fn prefix_files(facts: &mut Facts, prefix: &str) {
    let p = |s: &mut String| *s = format!("{prefix}{s}");
    for d in &mut facts.dex {
        p(&mut d.file);
    }
    for l in &mut facts.native_libs {
        p(&mut l.path);
    }
    for e in &mut facts.endpoints {
        for ev in &mut e.evidence {
            p(&mut ev.file);
        }
    }
    for a in &mut facts.anomalies {
        p(&mut a.file);
    }
    for s in &mut facts.signers {
        for src in &mut s.sources {
            p(src);
        }
    }
}

/// Merges endpoint lists per host (evidence and URLs capped as the
/// collector caps them; occurrences summed), sorted by host.
pub fn merge_endpoints(into: &mut Vec<Endpoint>, from: Vec<Endpoint>) {
    let mut by_host: BTreeMap<String, Endpoint> =
        std::mem::take(into).into_iter().map(|e| (e.host.clone(), e)).collect();
    for e in from {
        match by_host.get_mut(&e.host) {
            Some(have) => {
                have.occurrences = have.occurrences.saturating_add(e.occurrences);
                for ev in e.evidence {
                    if have.evidence.len() < MAX_EVIDENCE_PER_HOST {
                        have.evidence.push(ev);
                    }
                }
                for u in e.urls {
                    if have.urls.len() < MAX_URLS_PER_HOST && !have.urls.contains(&u) {
                        have.urls.push(u);
                    }
                }
            }
            None => {
                by_host.insert(e.host.clone(), e);
            }
        }
    }
    *into = by_host.into_values().collect();
}

/// Adds `from`'s code, libraries, endpoints, entries and anomalies to
/// `into` (not the manifest nor the signers).
pub fn merge_facts(into: &mut Facts, from: Facts) {
    into.dex.extend(from.dex);
    into.native_libs.extend(from.native_libs);
    merge_endpoints(&mut into.endpoints, from.endpoints);
    let have: BTreeSet<String> = into.entries.iter().cloned().collect();
    into.entries.extend(from.entries.into_iter().filter(|e| !have.contains(e)));
    into.anomalies.extend(from.anomalies);
    into.members.extend(from.members);
}

fn cert_set(m: &Member) -> BTreeSet<&str> {
    m.signers.iter().map(|s| s.cert_sha256.as_str()).collect()
}

impl SplitSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes inflated so far by the caller for this set (for the app budget).
    pub fn inflated(&self) -> u64 {
        self.inflated
    }

    pub fn error(&mut self, e: ErrorRecord) {
        self.errors.push(e);
    }

    /// Lists a member that is not analysed (`standalone`, `obb`, ...).
    pub fn list(&mut self, name: &str, kind: &str, size: u64) {
        if self.listed.len() < MAX_MEMBERS {
            self.listed.push(Member { name: name.to_string(), kind: kind.to_string(), size, ..Member::default() });
        }
    }

    /// Analyses one member APK's bytes.
    pub fn add(&mut self, name: &str, kind: &str, data: &[u8], limits: &Limits) {
        self.add_parsed(name, kind, Source::Memory(data), ZipDirectory::parse(data, &limits.zip()), limits);
    }

    /// [`Self::add`] of a member whose directory was read already: a file
    /// streamed from its tail, or bytes in memory.
    pub fn add_parsed(
        &mut self,
        name: &str,
        kind: &str,
        data: Source<'_>,
        dir: crate::formats::zip::Result<ZipDirectory>,
        limits: &Limits,
    ) {
        if self.analysed.len() >= MAX_MEMBERS {
            self.anomalies.push(Anomaly::new(
                "split-set-too-many-members",
                format!("more than {MAX_MEMBERS} member APKs; the rest are not analysed"),
                name,
                None,
            ));
            return;
        }
        self.inflated = self.inflated.saturating_add(data.len());
        let dir = match dir {
            Ok(d) => d,
            Err(e) => {
                self.errors.push(ErrorRecord::new("container", name, e.to_string()));
                self.listed.push(Member {
                    name: name.to_string(),
                    kind: kind.to_string(),
                    size: data.len(),
                    ..Member::default()
                });
                return;
            }
        };
        let ApkAnalysis { mut facts, errors } = analyze_apk_digesting(data, &dir, limits, None, None);
        let prefix = format!("{name}!/");
        prefix_files(&mut facts, &prefix);
        for mut e in errors {
            e.file = format!("{prefix}{}", e.file);
            self.errors.push(e);
        }
        let mf = facts.manifest.as_ref();
        let member = Member {
            name: name.to_string(),
            kind: kind.to_string(),
            package: mf.and_then(|m| m.package.clone()),
            split: mf.and_then(|m| m.split.clone()),
            version_code: mf.and_then(|m| m.version_code),
            version_name: mf.and_then(|m| m.version_name.clone()),
            merged: true,
            signers: facts.signers.clone(),
            size: data.len(),
        };
        self.analysed.push(Analysed { member, facts });
    }

    /// Reads every `.apk` entry of `dir` chosen by `pick` (name → kind and
    /// whether to analyse it) from the outer zip, within the app's budget.
    pub fn add_from_zip(
        &mut self,
        data: Source<'_>,
        dir: &ZipDirectory,
        limits: &Limits,
        pick: &dyn Fn(&ZipEntry) -> Option<(&'static str, bool)>,
    ) {
        let mut buf = Vec::new();
        for entry in &dir.entries {
            if !dir.find(&entry.name).is_some_and(|first| std::ptr::eq(first, entry)) {
                continue;
            }
            let Some((kind, analyse)) = pick(entry) else { continue };
            if !analyse {
                self.list(&entry.name, kind, entry.uncompressed_size);
                continue;
            }
            let left = limits.max_app_bytes.saturating_sub(self.inflated);
            if left == 0 {
                self.errors.push(ErrorRecord::new(
                    "container",
                    entry.name.clone(),
                    format!("skipped: the app already inflated {} bytes", self.inflated),
                ));
                continue;
            }
            match dir.read(data, entry, limits.max_entry_bytes.min(left), &mut buf) {
                Ok((bytes, anomalies)) => {
                    self.anomalies.extend(anomalies);
                    let owned = bytes.to_vec();
                    self.add(&entry.name, kind, &owned, limits);
                }
                Err(e) => self.errors.push(ErrorRecord::new("container", entry.name.clone(), e.to_string())),
            }
        }
    }

    /// Merges the members into one app's facts.
    pub fn finish(self) -> ApkAnalysis {
        let SplitSet { analysed, listed, mut errors, mut anomalies, .. } = self;
        let mut out = Facts::default();
        // The base: the member whose manifest has no `split` attribute; by
        // name when several (`base.apk`, `base-master.apk`).
        let with_manifest = |a: &&Analysed| a.facts.manifest.is_some() && a.member.split.is_none();
        let base_idx = analysed
            .iter()
            .position(|a| with_manifest(&a) && a.member.name.rsplit('/').next().is_some_and(|n| n.starts_with("base")))
            .or_else(|| analysed.iter().position(|a| with_manifest(&a)));
        let bases = analysed.iter().filter(|a| with_manifest(a) && a.member.kind != "standalone").count();
        if bases > 1 {
            anomalies.push(Anomaly::new(
                "split-set-multiple-bases",
                format!("{bases} members have a manifest without a split name; the first is taken as the base"),
                "",
                None,
            ));
        }
        let Some(base_idx) = base_idx else {
            errors.push(ErrorRecord::new("manifest", "", "no base APK (a member without a split name) in the set"));
            for a in analysed {
                let mut m = a.member;
                m.merged = true;
                out.members.push(m);
                merge_facts(&mut out, a.facts);
            }
            out.members.extend(listed);
            out.anomalies.extend(anomalies);
            return ApkAnalysis { facts: out, errors };
        };
        let mut analysed = analysed;
        let mut base = analysed.remove(base_idx);
        base.member.kind = "base".to_string();
        let base_pkg = base.member.package.clone();
        let base_vc = base.member.version_code;
        let base_certs: BTreeSet<String> = cert_set(&base.member).into_iter().map(str::to_string).collect();
        out.manifest = base.facts.manifest.take();
        out.signers = std::mem::take(&mut base.facts.signers);
        out.signing_block = base.facts.signing_block.take();
        out.members.push(base.member);
        merge_facts(&mut out, base.facts);
        for mut a in analysed {
            let name = a.member.name.clone();
            if a.member.package != base_pkg {
                anomalies.push(Anomaly::new(
                    "split-package-mismatch",
                    format!(
                        "split package {:?} differs from the base package {:?} (Android refuses the set)",
                        a.member.package.as_deref().unwrap_or(""),
                        base_pkg.as_deref().unwrap_or("")
                    ),
                    name.clone(),
                    None,
                ));
            }
            if a.member.version_code != base_vc && a.member.version_code.is_some() {
                anomalies.push(Anomaly::new(
                    "split-version-mismatch",
                    format!("split versionCode {:?} differs from the base's {:?}", a.member.version_code, base_vc),
                    name.clone(),
                    None,
                ));
            }
            let certs: BTreeSet<String> = cert_set(&a.member).into_iter().map(str::to_string).collect();
            if certs.is_empty() && !base_certs.is_empty() {
                anomalies.push(Anomaly::new(
                    "split-unsigned",
                    "split APK carries no signer while the base is signed (Android refuses the set)",
                    name.clone(),
                    None,
                ));
            } else if !certs.is_empty() && certs != base_certs {
                anomalies.push(Anomaly::new(
                    "split-signer-mismatch",
                    "split APK is signed by other certificates than the base (Android refuses the set)",
                    name.clone(),
                    None,
                ));
            }
            // Feature splits bring their own components (config splits have none).
            if let (Some(base_m), Some(m)) = (out.manifest.as_mut(), a.facts.manifest.take()) {
                let is_feature = a.member.split.as_deref().is_some_and(|s| !s.starts_with("config."));
                if is_feature {
                    let add = |into: &mut Vec<Component>, from: Vec<Component>| {
                        for c in from {
                            if !into.iter().any(|x| x.name == c.name) {
                                into.push(c);
                            }
                        }
                    };
                    let c = m.components;
                    add(&mut base_m.components.activities, c.activities);
                    add(&mut base_m.components.activity_aliases, c.activity_aliases);
                    add(&mut base_m.components.services, c.services);
                    add(&mut base_m.components.receivers, c.receivers);
                    add(&mut base_m.components.providers, c.providers);
                    base_m.meta_data.extend(m.meta_data);
                }
            }
            a.facts.signers.clear();
            a.facts.signing_block = None;
            out.members.push(a.member);
            merge_facts(&mut out, a.facts);
        }
        out.members.extend(listed);
        out.anomalies.extend(anomalies);
        drop_split_names(&mut out);
        ApkAnalysis { facts: out, errors }
    }
}

/// Split names (`config.de`) look like host names to the endpoint
/// collector; bundletool writes them into the split manifests and the base's
/// `res/xml/splits0.xml`. They are not endpoints.
fn drop_split_names(facts: &mut Facts) {
    let names: BTreeSet<&str> = facts.members.iter().filter_map(|m| m.split.as_deref()).collect();
    facts.endpoints.retain(|e| {
        let listed_only =
            !e.evidence.is_empty() && e.evidence.iter().all(|ev| ev.file.ends_with("!/res/xml/splits0.xml"));
        !names.contains(e.host.as_str()) && !listed_only
    });
}

/// What a bundletool/SAI/XAPK/APKM zip member is: `(kind, analyse)`.
/// bundletool sets: `splits/*.apk` are the app; `universal.apk` is analysed
/// only when there are no splits; `standalones/`, `system/`, `archive/`,
/// `instant/` are listed. XAPK/APKM/SAI: every `.apk` is a member; OBB files
/// are listed.
pub fn pick_member(dir: &ZipDirectory) -> impl Fn(&ZipEntry) -> Option<(&'static str, bool)> + '_ {
    let has_splits = dir.entries.iter().any(|e| e.name.starts_with("splits/") && e.name.ends_with(".apk"));
    move |e: &ZipEntry| {
        let n = e.name.as_str();
        if n.ends_with('/') {
            return None;
        }
        if n.to_ascii_lowercase().ends_with(".obb") {
            return Some(("obb", false));
        }
        if !n.ends_with(".apk") {
            return None;
        }
        if n.starts_with("splits/") {
            return Some(("split", true));
        }
        if n == "universal.apk" {
            return Some(("universal", !has_splits));
        }
        if n.starts_with("standalones/") {
            return Some(("standalone", false));
        }
        if n.starts_with("system/") || n.starts_with("archive/") || n.starts_with("instant/") {
            return Some(("other", false));
        }
        Some(("split", true))
    }
}

/// Analyses a split-set zip (`.apks`, `.xapk`, `.apkm`).
pub fn analyze_split_zip(data: Source<'_>, dir: &ZipDirectory, limits: &Limits) -> ApkAnalysis {
    let mut set = SplitSet::new();
    // Stored member APKs carry their own EOCD: those are not a second
    // directory of the outer zip.
    let inside_stored_apk = |off: u64| {
        dir.entries.iter().any(|e| {
            e.method == 0
                && e.name.ends_with(".apk")
                && off >= e.local_header_offset
                && off < e.local_header_offset.saturating_add(e.compressed_size).saturating_add(0x1_0000)
        })
    };
    let tail_start = data.len().saturating_sub(0xffff + 22);
    let mut window = Vec::new();
    let extra_eocds_explained = data
        .get(tail_start, 0xffff + 22, &mut window)
        .unwrap_or_default()
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x05\x06")
        .map(|(i, _)| tail_start.saturating_add(i as u64))
        .filter(|&o| o != dir.eocd_offset)
        .all(inside_stored_apk);
    set.anomalies
        .extend(dir.anomalies.iter().filter(|a| !(a.id == "zip-multiple-eocd" && extra_eocds_explained)).cloned());
    let pick = pick_member(dir);
    set.add_from_zip(data, dir, limits, &pick);
    let xapk = xapk_manifest(data, dir, limits);
    let mut out = set.finish();
    if let Some(x) = xapk {
        check_xapk(&x, &mut out.facts);
    }
    out
}

/// The fields of an XAPK `manifest.json` that are checked against the APKs.
#[derive(Debug, Default, serde::Deserialize)]
struct XapkManifest {
    #[serde(default)]
    package_name: Option<String>,
    #[serde(default)]
    version_code: Option<serde_json::Value>,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    expansions: Vec<XapkExpansion>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct XapkExpansion {
    #[serde(default)]
    file: String,
}

fn xapk_manifest(data: Source<'_>, dir: &ZipDirectory, limits: &Limits) -> Option<XapkManifest> {
    let entry = dir.find("manifest.json")?;
    let mut buf = Vec::new();
    let (bytes, _) = dir.read(data, entry, limits.max_text_asset_bytes, &mut buf).ok()?;
    serde_json::from_slice(bytes).ok()
}

/// A store's XAPK `manifest.json` is a claim: compare it with the base APK.
fn check_xapk(x: &XapkManifest, facts: &mut Facts) {
    let Some(m) = &facts.manifest else { return };
    let mut anomalies = Vec::new();
    if x.package_name.is_some() && x.package_name != m.package {
        anomalies.push(Anomaly::new(
            "xapk-manifest-package-mismatch",
            format!("manifest.json names package {:?}, the base APK is {:?}", x.package_name, m.package),
            "manifest.json",
            None,
        ));
    }
    let vc = x.version_code.as_ref().and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
    if vc.is_some() && vc != m.version_code {
        anomalies.push(Anomaly::new(
            "xapk-manifest-version-mismatch",
            format!("manifest.json names versionCode {vc:?}, the base APK has {:?}", m.version_code),
            "manifest.json",
            None,
        ));
    }
    let have: BTreeSet<&str> = m.uses_permissions.iter().map(|p| p.name.as_str()).collect();
    let missing: Vec<&str> = x.permissions.iter().map(String::as_str).filter(|p| !have.contains(p)).collect();
    if !missing.is_empty() {
        anomalies.push(Anomaly::new(
            "xapk-manifest-permissions-mismatch",
            format!("manifest.json lists permissions the base APK does not request: {}", missing.join(", ")),
            "manifest.json",
            None,
        ));
    }
    for e in &x.expansions {
        if !e.file.is_empty() && !facts.members.iter().any(|mm| mm.name == e.file) {
            facts.members.push(Member {
                name: e.file.clone(),
                kind: "obb".to_string(),
                merged: false,
                ..Member::default()
            });
        }
    }
    facts.anomalies.extend(anomalies);
}

/// Most files read from a `--split-set` folder.
pub const MAX_FOLDER_FILES: usize = MAX_MEMBERS;

/// The members of a folder of split APKs (`--split-set DIR`): every `*.apk`
/// file directly inside it (at most [`MAX_FOLDER_FILES`]), in name order.
pub fn split_dir_members(path: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("apk")))
        .take(MAX_FOLDER_FILES)
        .collect();
    files.sort();
    Ok(files)
}

/// Analyses a folder of split APKs (`--split-set DIR`): its
/// [`split_dir_members`], read and analysed one at a time.
pub fn analyze_split_dir(path: &std::path::Path, limits: &Limits) -> ApkAnalysis {
    let mut set = SplitSet::new();
    let files = match split_dir_members(path) {
        Ok(files) => files,
        Err(e) => {
            return ApkAnalysis {
                errors: vec![ErrorRecord::new("input", path.display().to_string(), e.to_string())],
                ..ApkAnalysis::default()
            }
        }
    };
    for f in files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let size = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        if size > limits.max_file_bytes || set.inflated().saturating_add(size) > limits.max_app_bytes {
            set.error(ErrorRecord::new("input", name, format!("file of {size} bytes exceeds the limits")));
            continue;
        }
        let changed = |why: String| {
            ErrorRecord::new("input", name.clone(), format!("{why}: this member may mix versions of the file"))
        };
        // A large member is read as needed, as a large APK scanned alone is
        // (`scan::open_streamed`: its tail held, entries read when analysed).
        if let Some((file, dir)) = crate::scan::open_streamed(&f, limits).map(crate::scan::Streamed::into_parts) {
            set.add_parsed(&name, "split", Source::File(&file), Ok(dir), limits);
            if let Some(why) = file.trouble() {
                set.error(changed(why));
            }
            continue;
        }
        match crate::formats::source::read_checked(&f, limits.max_file_bytes) {
            Ok((data, why)) => {
                if let Some(why) = why {
                    set.error(changed(why));
                }
                set.add(&name, "split", &data, limits)
            }
            Err(e) => set.error(ErrorRecord::new("input", name, e.to_string())),
        }
    }
    set.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::evidence::Evidence;

    fn ep(host: &str, file: &str, n: u64) -> Endpoint {
        Endpoint {
            host: host.into(),
            urls: vec![format!("https://{host}/")],
            evidence: vec![Evidence::new("dex-string", host, file, None)],
            occurrences: n,
        }
    }

    #[test]
    fn endpoints_merge_per_host() {
        let mut a = vec![ep("a.example", "x!/classes.dex", 1), ep("c.example", "x!/classes.dex", 1)];
        merge_endpoints(&mut a, vec![ep("b.example", "y!/classes.dex", 2), ep("a.example", "y!/classes.dex", 3)]);
        let hosts: Vec<_> = a.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(hosts, ["a.example", "b.example", "c.example"]);
        assert_eq!(a[0].occurrences, 4);
        assert_eq!(a[0].evidence.len(), 2);
        assert_eq!(a[0].urls.len(), 1);
    }

    #[test]
    fn prefixes_name_the_member() {
        let mut f = Facts { endpoints: vec![ep("a.example", "classes2.dex", 1)], ..Facts::default() };
        f.anomalies.push(Anomaly::new("x", "m", "AndroidManifest.xml", None));
        prefix_files(&mut f, "base.apk!/");
        assert_eq!(f.endpoints[0].evidence[0].file, "base.apk!/classes2.dex");
        assert_eq!(f.anomalies[0].file, "base.apk!/AndroidManifest.xml");
    }

    #[test]
    fn a_set_without_members_has_no_base() {
        let out = SplitSet::new().finish();
        assert!(out.facts.manifest.is_none());
        assert_eq!(out.errors.len(), 1);
    }

    #[test]
    fn unreadable_members_are_listed_with_an_error() {
        let mut s = SplitSet::new();
        s.add("base.apk", "split", b"not a zip", &Limits::default());
        let out = s.finish();
        assert_eq!(out.facts.members.len(), 1);
        assert!(out.errors.iter().any(|e| e.stage == "container" && e.file == "base.apk"));
    }
}

//! Android App Bundles (`.aab`): every module (`base/`, feature modules,
//! asset packs) is analysed like an APK whose entries are renamed
//! (`base/dex/classes.dex` → `classes.dex`, `base/root/x` → `x`, `lib/`,
//! `assets/`, `res/` as they are), with its protobuf manifest decoded
//! through `formats::aab` into the same `Manifest` as the AXML path. The
//! bundle's own JAR signature (`META-INF/`) gives the signers.
//! `BundleConfig.pb` gives the bundletool version. Evidence keeps the
//! bundle's entry names (`base/dex/classes.dex`).
//!
//! `resources.pb` (the aapt2 `ResourceTable` protobuf) resolves the label
//! and the network security config path as `resources.arsc` does for an
//! APK; its strings are also scanned for endpoints.

use std::collections::BTreeSet;

use crate::container::Limits;
use crate::evidence::{Anomaly, ErrorRecord};
use crate::extract::endpoints::EndpointCollector;
use crate::extract::facts::{BundleFacts, Facts, Manifest, Member};
use crate::extract::splits::{merge_endpoints, merge_facts};
use crate::extract::{analyze_zip, manifest, ApkAnalysis};
use crate::formats::aab;
use crate::formats::source::Source;
use crate::formats::zip::ZipDirectory;

/// Most modules analysed in one bundle.
pub const MAX_MODULES: usize = 500;

/// Module-relative name → APK-relative name (None: not analysed as content).
fn apk_name(rel: &str) -> Option<String> {
    if let Some(r) = rel.strip_prefix("dex/") {
        return Some(r.to_string());
    }
    if let Some(r) = rel.strip_prefix("root/") {
        return Some(r.to_string());
    }
    if rel.starts_with("lib/") || rel.starts_with("assets/") || rel.starts_with("res/") {
        return Some(rel.to_string());
    }
    None
}

/// Module names: top-level folders holding `manifest/AndroidManifest.xml`.
pub fn modules(dir: &ZipDirectory) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for e in &dir.entries {
        if let Some(m) = e.name.strip_suffix("/manifest/AndroidManifest.xml") {
            if !m.is_empty() && !m.contains('/') && out.len() < MAX_MODULES {
                out.insert(m.to_string());
            }
        }
    }
    // base first, then the others in name order.
    let mut v: Vec<String> = out.into_iter().collect();
    if let Some(i) = v.iter().position(|m| m == "base") {
        let b = v.remove(i);
        v.insert(0, b);
    }
    v
}

fn read_entry(
    data: Source<'_>,
    dir: &ZipDirectory,
    name: &str,
    max: u64,
    errors: &mut Vec<ErrorRecord>,
) -> Option<Vec<u8>> {
    let entry = dir.find(name)?;
    let mut buf = Vec::new();
    match dir.read(data, entry, max, &mut buf) {
        Ok((bytes, _)) => Some(bytes.to_vec()),
        Err(e) => {
            errors.push(ErrorRecord::new("container", name, e.to_string()));
            None
        }
    }
}

/// Decodes a module's protobuf manifest into `Manifest` (via AXML).
fn module_manifest(
    data: Source<'_>,
    dir: &ZipDirectory,
    module: &str,
    limits: &Limits,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) -> Option<Manifest> {
    let file = format!("{module}/manifest/AndroidManifest.xml");
    let bytes = read_entry(data, dir, &file, limits.max_entry_bytes.min(aab::MAX_PROTO_BYTES as u64), errors)?;
    if bytes.starts_with(&[0x03, 0x00, 0x08, 0x00]) {
        facts.anomalies.push(Anomaly::new(
            "aab-manifest-binary-xml",
            "the bundle manifest is binary XML, not aapt2 protobuf",
            file.clone(),
            None,
        ));
        return decode_axml(&bytes, &file, facts, errors, endpoints);
    }
    let node = match aab::parse_xml(&bytes) {
        Ok(n) => n,
        Err(e) => {
            errors.push(ErrorRecord::new("manifest", file, e.to_string()));
            return None;
        }
    };
    match aab::to_axml(&node) {
        Ok(axml) => decode_axml(&axml, &file, facts, errors, endpoints),
        Err(e) => {
            errors.push(ErrorRecord::new("manifest", file, e.to_string()));
            None
        }
    }
}

fn decode_axml(
    axml: &[u8],
    file: &str,
    facts: &mut Facts,
    errors: &mut Vec<ErrorRecord>,
    endpoints: &mut EndpointCollector,
) -> Option<Manifest> {
    match manifest::extract(axml, None, file) {
        Ok(m) => {
            for s in &m.strings {
                endpoints.scan(s.as_bytes(), "manifest", file, None);
            }
            // Offsets point into the re-encoded XML, not the bundle's bytes.
            facts.anomalies.extend(m.anomalies.into_iter().map(|mut a| {
                a.offset = None;
                a
            }));
            Some(m.manifest)
        }
        Err(e) => {
            errors.push(ErrorRecord::new("manifest", file, e.to_string()));
            None
        }
    }
}

/// Analyses an App Bundle.
pub fn analyze_aab(data: Source<'_>, dir: &ZipDirectory, limits: &Limits) -> ApkAnalysis {
    let mut out = ApkAnalysis::default();
    let mut endpoints = EndpointCollector::new();
    out.facts.anomalies.extend(dir.anomalies.iter().cloned());
    let mods = modules(dir);
    let mut bundle = BundleFacts { modules: mods.clone(), ..BundleFacts::default() };
    if let Some(bytes) = read_entry(data, dir, "BundleConfig.pb", 1 << 20, &mut out.errors) {
        match aab::parse_bundle_config(&bytes) {
            Ok(c) => bundle.bundletool_version = c.bundletool.map(|b| b.version).filter(|v| !v.is_empty()),
            Err(e) => out.errors.push(ErrorRecord::new("manifest", "BundleConfig.pb", e.to_string())),
        }
    } else if dir.find("BundleConfig.pb").is_none() {
        out.facts.anomalies.push(Anomaly::new("aab-no-bundle-config", "no BundleConfig.pb at the root", "", None));
    }
    if mods.is_empty() {
        out.errors.push(ErrorRecord::new("manifest", "", "no module manifest (<module>/manifest/AndroidManifest.xml)"));
    }
    let mut members: Vec<Member> = Vec::new();
    for module in &mods {
        let mut mfacts = Facts::default();
        let manifest = module_manifest(data, dir, module, limits, &mut mfacts, &mut out.errors, &mut endpoints);
        let prefix = format!("{module}/");
        let is_base = module == "base";
        let map = |name: &str| -> Option<String> {
            if is_base && name.starts_with("META-INF/") {
                return Some(name.to_string());
            }
            apk_name(name.strip_prefix(prefix.as_str())?)
        };
        let a = analyze_zip(data, dir, limits, &map, false);
        out.errors.extend(a.errors);
        let mut f = a.facts;
        // The directory's own anomalies are reported once, not per module.
        f.anomalies.retain(|x| !dir.anomalies.contains(x));
        f.anomalies.append(&mut mfacts.anomalies);
        let mut manifest = manifest;
        if let Some(entry) = dir.find(&format!("{module}/resources.pb")) {
            let max = limits.max_entry_bytes.min(aab::table::MAX_TABLE_BYTES as u64);
            if entry.uncompressed_size <= max {
                let name = entry.name.clone();
                if let Some(bytes) = read_entry(data, dir, &name, max, &mut out.errors) {
                    if entry.uncompressed_size <= limits.max_text_asset_bytes.saturating_mul(8) {
                        endpoints.scan_blob(&bytes, "resource-string", &name);
                    }
                    if let Some(m) = manifest.as_mut().filter(|_| is_base) {
                        match aab::table::parse_table(&bytes) {
                            Ok(table) => resolve_resources(m, &table),
                            Err(e) => out.errors.push(ErrorRecord::new("resources", name, e.to_string())),
                        }
                    }
                }
            }
        }
        let has_code = dir.entries.iter().any(|e| e.name.starts_with(&format!("{module}/dex/")));
        let kind = if is_base {
            "base"
        } else if !has_code && dir.entries.iter().any(|e| e.name.starts_with(&format!("{module}/assets/"))) {
            "asset-pack"
        } else {
            "module"
        };
        members.push(Member {
            name: prefix.clone(),
            kind: kind.to_string(),
            package: manifest.as_ref().and_then(|m| m.package.clone()),
            split: manifest.as_ref().and_then(|m| m.split.clone()),
            version_code: manifest.as_ref().and_then(|m| m.version_code),
            version_name: manifest.as_ref().and_then(|m| m.version_name.clone()),
            merged: true,
            signers: Vec::new(),
            size: dir.entries.iter().filter(|e| e.name.starts_with(&prefix)).map(|e| e.uncompressed_size).sum(),
        });
        if is_base {
            out.facts.manifest = manifest;
            out.facts.signers = std::mem::take(&mut f.signers);
            out.facts.signing_block = f.signing_block.take();
        } else if let (Some(base_m), Some(m)) = (out.facts.manifest.as_mut(), manifest) {
            let c = m.components;
            for (into, from) in [
                (&mut base_m.components.activities, c.activities),
                (&mut base_m.components.activity_aliases, c.activity_aliases),
                (&mut base_m.components.services, c.services),
                (&mut base_m.components.receivers, c.receivers),
                (&mut base_m.components.providers, c.providers),
            ] {
                for comp in from {
                    if !into.iter().any(|x| x.name == comp.name) {
                        into.push(comp);
                    }
                }
            }
            out.facts.meta_data_extend(m.meta_data);
        }
        f.signers.clear();
        f.signing_block = None;
        merge_facts(&mut out.facts, f);
    }
    if !mods.iter().any(|m| m == "base") && !mods.is_empty() {
        out.errors.push(ErrorRecord::new("manifest", "", "the bundle has no base module"));
    }
    merge_endpoints(&mut out.facts.endpoints, endpoints.finish());
    out.facts.members = members;
    out.facts.bundle = Some(bundle);
    out
}

/// Fills what the AXML pass could not resolve without a table: the label
/// (default-configuration string) and the network security config path.
fn resolve_resources(m: &mut Manifest, table: &aab::table::ResourceTable) {
    if m.label.is_none() {
        m.label = m.label_resource.and_then(|id| table.resolve_string(id));
    }
    let app = &mut m.application;
    if app.network_security_config_path.is_none() {
        app.network_security_config_path = app.network_security_config.and_then(|id| table.resolve_file(id));
    }
}

impl Facts {
    /// Adds meta-data to the manifest, when there is one.
    fn meta_data_extend(&mut self, md: Vec<crate::extract::facts::MetaData>) {
        if let Some(m) = self.manifest.as_mut() {
            m.meta_data.extend(md);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn module_entries_map_to_apk_names() {
        assert_eq!(apk_name("dex/classes2.dex").as_deref(), Some("classes2.dex"));
        assert_eq!(apk_name("root/org/x/index.html").as_deref(), Some("org/x/index.html"));
        assert_eq!(apk_name("lib/arm64-v8a/liba.so").as_deref(), Some("lib/arm64-v8a/liba.so"));
        assert_eq!(apk_name("assets/a.json").as_deref(), Some("assets/a.json"));
        assert_eq!(apk_name("manifest/AndroidManifest.xml"), None);
        assert_eq!(apk_name("resources.pb"), None);
    }
}

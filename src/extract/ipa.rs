//! iOS apps (`.ipa`): `Payload/<Name>.app/` — Info.plist (binary or XML),
//! the main executable and every framework and app-extension binary
//! (goblin Mach-O, thin or fat: linked dylibs, FairPlay `cryptid`, code
//! signature identifier / Team ID / entitlements, CMS signer certificate),
//! `embedded.mobileprovision`, `Frameworks/*.framework`, `PlugIns/*.appex`,
//! `PrivacyInfo.xcprivacy`, and endpoints from Mach-O C strings and plists.
//!
//! An encrypted binary (cryptid ≠ 0) is reported as such and its strings are
//! not scanned. Objective-C class names go into a `DexFacts`-shaped class
//! list per binary so fingerprinting sees them.

use std::collections::BTreeSet;
use std::io::Cursor;

use crate::container::Limits;
use crate::evidence::{Anomaly, ErrorRecord};
use crate::extract::archive::macho_facts;
use crate::extract::endpoints::EndpointCollector;
use crate::extract::facts::{AtsFacts, DexFacts, IosFacts, KeyValue, Member, PrivacyManifest, Provision, Signer};
use crate::extract::ApkAnalysis;
use crate::formats::source::Source;
use crate::formats::zip::{ZipDirectory, ZipEntry};
use crate::formats::{macho, pkcs7, x509};

/// Largest plist read.
pub const MAX_PLIST_BYTES: u64 = 8 << 20;
/// Most nested bundles (frameworks, extensions) analysed.
pub const MAX_BUNDLES: usize = 500;
/// Most string values collected from one plist.
pub const MAX_PLIST_STRINGS: usize = 100_000;

/// Parses a plist (binary or XML).
pub fn parse_plist(bytes: &[u8]) -> Option<plist::Value> {
    plist::Value::from_reader(Cursor::new(bytes)).ok()
}

/// Top-level keys of a plist (entitlements).
pub fn plist_keys(bytes: &[u8]) -> Vec<String> {
    parse_plist(bytes).and_then(|v| v.into_dictionary()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
}

/// Every string value of a plist (depth-first, capped).
fn plist_strings(v: &plist::Value, out: &mut Vec<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        if out.len() >= MAX_PLIST_STRINGS {
            return;
        }
        match v {
            plist::Value::String(s) => out.push(s.clone()),
            plist::Value::Array(a) => stack.extend(a.iter()),
            plist::Value::Dictionary(d) => stack.extend(d.values()),
            _ => {}
        }
    }
}

/// The signer of a CMS blob: the certificate that is not Apple's own
/// (a developer or distribution certificate), else the last one.
pub fn cms_signer(cms: &[u8]) -> Option<Signer> {
    let sd = pkcs7::parse(cms).ok()?;
    let certs: Vec<x509::Certificate<'_>> =
        sd.certificates.iter().filter_map(|raw| x509::Certificate::parse(raw).ok()).collect();
    let pick = certs.iter().find(|c| !c.subject.contains("O=Apple Inc.")).or_else(|| certs.last())?;
    Some(Signer {
        cert_sha256: x509::sha256_hex(pick.raw),
        subject: pick.subject.clone(),
        issuer: pick.issuer.clone(),
        serial: pick.serial.clone(),
        schemes: vec!["ios-code-signature".to_string()],
        verified: None,
        sources: Vec::new(),
        not_before: pick.not_before.clone(),
        not_after: pick.not_after.clone(),
        key_algorithm: Some(pick.key_algorithm.clone()),
        key_bits: pick.key_bits,
        ..Signer::default()
    })
}

pub fn cms_signer_subject(cms: &[u8]) -> Option<String> {
    cms_signer(cms).map(|s| s.subject)
}

/// The XML plist inside a CMS-wrapped `embedded.mobileprovision` (the
/// eContent is stored as one contiguous OCTET STRING in practice).
pub fn provision_plist(bytes: &[u8]) -> Option<&[u8]> {
    let start = find(bytes, b"<?xml")?;
    let rest = bytes.get(start..)?;
    let end = find(rest, b"</plist>")?.checked_add(b"</plist>".len())?;
    rest.get(..end)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn s(d: &plist::Dictionary, k: &str) -> Option<String> {
    d.get(k).and_then(|v| v.as_string()).map(str::to_string)
}

fn strings_of(v: Option<&plist::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_string().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn provision(bytes: &[u8]) -> Option<Provision> {
    let d = parse_plist(provision_plist(bytes)?)?.into_dictionary()?;
    let ents = d.get("Entitlements").and_then(|v| v.as_dictionary());
    Some(Provision {
        name: s(&d, "Name"),
        team_id: strings_of(d.get("TeamIdentifier")).into_iter().next(),
        team_name: s(&d, "TeamName"),
        app_id_name: s(&d, "AppIDName"),
        expiration: d.get("ExpirationDate").and_then(|v| v.as_date()).map(|t| t.to_xml_format()),
        devices: d.get("ProvisionedDevices").and_then(|v| v.as_array()).map_or(0, |a| a.len()),
        provisions_all_devices: d.get("ProvisionsAllDevices").and_then(|v| v.as_boolean()).unwrap_or(false),
        entitlements: ents.map(|e| e.keys().cloned().collect()).unwrap_or_default(),
    })
}

struct Ctx<'a> {
    data: Source<'a>,
    dir: &'a ZipDirectory,
    limits: &'a Limits,
    inflated: u64,
    errors: Vec<ErrorRecord>,
    endpoints: EndpointCollector,
}

impl Ctx<'_> {
    fn read(&mut self, entry: &ZipEntry, max: u64) -> Option<Vec<u8>> {
        let max = max.min(self.limits.max_entry_bytes).min(self.limits.max_app_bytes.saturating_sub(self.inflated));
        let mut buf = Vec::new();
        match self.dir.read(self.data, entry, max, &mut buf) {
            Ok((b, _)) => {
                self.inflated = self.inflated.saturating_add(b.len() as u64);
                Some(b.to_vec())
            }
            Err(e) => {
                self.errors.push(ErrorRecord::new("container", entry.name.clone(), e.to_string()));
                None
            }
        }
    }

    fn read_name(&mut self, name: &str, max: u64) -> Option<Vec<u8>> {
        let e = self.dir.find(name)?.clone();
        self.read(&e, max)
    }

    fn plist(&mut self, name: &str) -> Option<plist::Value> {
        let bytes = self.read_name(name, MAX_PLIST_BYTES)?;
        match parse_plist(&bytes) {
            Some(v) => {
                let mut strs = Vec::new();
                plist_strings(&v, &mut strs);
                for st in strs {
                    self.endpoints.scan(st.as_bytes(), "plist", name, None);
                }
                Some(v)
            }
            None => {
                self.errors.push(ErrorRecord::new("plist", name, "not a valid plist"));
                None
            }
        }
    }
}

/// A bundle (`X.app/`, `Y.framework/`, `Z.appex/`): its Info.plist and executable.
struct Bundle {
    info: Option<plist::Dictionary>,
    exe_path: Option<String>,
}

fn bundle(cx: &mut Ctx<'_>, root: &str, fallback_exe: Option<&str>) -> Bundle {
    let info = cx.plist(&format!("{root}Info.plist")).and_then(|v| v.into_dictionary());
    let exe = info.as_ref().and_then(|d| s(d, "CFBundleExecutable")).or_else(|| fallback_exe.map(str::to_string));
    let exe_path = exe.map(|e| format!("{root}{e}")).filter(|p| cx.dir.find(p).is_some());
    Bundle { info, exe_path }
}

/// Analyses an IPA.
pub fn analyze_ipa(data: Source<'_>, dir: &ZipDirectory, limits: &Limits) -> ApkAnalysis {
    let mut out = ApkAnalysis::default();
    out.facts.anomalies.extend(dir.anomalies.iter().cloned());
    out.facts.entries = dir.entries.iter().map(|e| e.name.clone()).collect();
    let Some(app) = dir.entries.iter().find_map(|e| {
        let rest = e.name.strip_prefix("Payload/")?;
        let end = rest.find(".app/")?;
        let name = rest.get(..end)?;
        (!name.contains('/')).then(|| format!("Payload/{name}.app/"))
    }) else {
        out.errors.push(ErrorRecord::new("container", "", "no Payload/<Name>.app/ folder"));
        return out;
    };
    let apps: BTreeSet<&str> = dir
        .entries
        .iter()
        .filter_map(|e| e.name.strip_prefix("Payload/").and_then(|r| r.split_once(".app/")).map(|(n, _)| n))
        .filter(|n| !n.contains('/'))
        .collect();
    if apps.len() > 1 {
        out.facts.anomalies.push(Anomaly::new(
            "ipa-multiple-apps",
            format!("{} app bundles under Payload/; the first is analysed", apps.len()),
            "Payload/",
            None,
        ));
    }
    let mut cx = Ctx { data, dir, limits, inflated: 0, errors: Vec::new(), endpoints: EndpointCollector::new() };
    let mut ios = IosFacts { app_dir: app.clone(), ..IosFacts::default() };
    let main = bundle(&mut cx, &app, None);
    if let Some(d) = &main.info {
        ios.bundle_id = s(d, "CFBundleIdentifier");
        ios.executable = s(d, "CFBundleExecutable");
        ios.display_name = s(d, "CFBundleDisplayName").or_else(|| s(d, "CFBundleName"));
        ios.short_version = s(d, "CFBundleShortVersionString");
        ios.build_version = s(d, "CFBundleVersion");
        ios.minimum_os = s(d, "MinimumOSVersion").or_else(|| s(d, "LSMinimumSystemVersion"));
        ios.queries_schemes = strings_of(d.get("LSApplicationQueriesSchemes"));
        if let Some(types) = d.get("CFBundleURLTypes").and_then(|v| v.as_array()) {
            for t in types.iter().filter_map(|t| t.as_dictionary()) {
                ios.url_schemes.extend(strings_of(t.get("CFBundleURLSchemes")));
            }
        }
        for (k, v) in d.iter() {
            if k.starts_with("NS") && k.ends_with("UsageDescription") {
                ios.usage_descriptions
                    .push(KeyValue { key: k.clone(), value: v.as_string().unwrap_or_default().to_string() });
            }
        }
        if let Some(ats) = d.get("NSAppTransportSecurity").and_then(|v| v.as_dictionary()) {
            let domains: Vec<String> = ats
                .get("NSExceptionDomains")
                .and_then(|v| v.as_dictionary())
                .map(|e| e.keys().cloned().collect())
                .unwrap_or_default();
            for h in &domains {
                cx.endpoints.add_host(h, "plist-ats-domain", &format!("{app}Info.plist"), None);
            }
            ios.ats = Some(AtsFacts {
                allows_arbitrary_loads: ats.get("NSAllowsArbitraryLoads").and_then(|v| v.as_boolean()),
                exception_domains: domains,
            });
        }
    } else {
        cx.errors.push(ErrorRecord::new("plist", format!("{app}Info.plist"), "no readable Info.plist"));
    }

    let mut members: Vec<Member> = Vec::new();
    let mut binaries: Vec<(String, &'static str)> = Vec::new();
    if let Some(p) = &main.exe_path {
        binaries.push((p.clone(), "main"));
    } else {
        cx.errors.push(ErrorRecord::new("macho", app.clone(), "main executable not found"));
    }
    // Nested bundles: Frameworks/*.framework, PlugIns/*.appex, loose dylibs.
    let mut roots: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for e in &dir.entries {
        let Some(rest) = e.name.strip_prefix(app.as_str()) else { continue };
        for (folder, ext, kind) in [("Frameworks/", ".framework/", "framework"), ("PlugIns/", ".appex/", "appex")] {
            if let Some(r) = rest.strip_prefix(folder) {
                if let Some(i) = r.find(ext) {
                    if let Some(n) = r.get(..i) {
                        if !n.contains('/') {
                            roots.insert((format!("{app}{folder}{n}{ext}"), kind));
                        }
                    }
                }
            }
        }
        if let Some(r) = rest.strip_prefix("Frameworks/") {
            if r.ends_with(".dylib") && !r.contains('/') {
                ios.frameworks.push(r.to_string());
                binaries.push((e.name.clone(), "dylib"));
            }
        }
        if rest.ends_with("PrivacyInfo.xcprivacy") || e.name.ends_with("PrivacyInfo.xcprivacy") {
            roots.insert((e.name.clone(), "privacy"));
        }
    }
    for (root, kind) in roots.into_iter().take(MAX_BUNDLES) {
        if kind == "privacy" {
            if let Some(v) = cx.plist(&root).and_then(|v| v.into_dictionary()) {
                let types = v
                    .get("NSPrivacyCollectedDataTypes")
                    .and_then(|t| t.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_dictionary().and_then(|d| s(d, "NSPrivacyCollectedDataType")))
                            .collect()
                    })
                    .unwrap_or_default();
                let domains = strings_of(v.get("NSPrivacyTrackingDomains"));
                for h in &domains {
                    cx.endpoints.add_host(h, "privacy-tracking-domain", &root, None);
                }
                ios.privacy_manifests.push(PrivacyManifest {
                    file: root.clone(),
                    tracking: v.get("NSPrivacyTracking").and_then(|b| b.as_boolean()),
                    tracking_domains: domains,
                    collected_data_types: types,
                });
            }
            continue;
        }
        let short = root.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string();
        let stem = short.rsplit_once('.').map(|(a, _)| a.to_string()).unwrap_or_default();
        let b = bundle(&mut cx, &root, Some(&stem));
        if kind == "framework" {
            ios.frameworks.push(short.clone());
        } else {
            ios.plugins.push(short.clone());
        }
        members.push(Member {
            name: root.clone(),
            kind: kind.to_string(),
            package: b.info.as_ref().and_then(|d| s(d, "CFBundleIdentifier")),
            version_name: b.info.as_ref().and_then(|d| s(d, "CFBundleShortVersionString")),
            merged: true,
            size: dir.entries.iter().filter(|e| e.name.starts_with(&root)).map(|e| e.uncompressed_size).sum(),
            ..Member::default()
        });
        if let Some(p) = b.exe_path {
            binaries.push((p, kind));
        }
    }

    for (path, kind) in binaries {
        let Some(bytes) = cx.read_name(&path, u64::MAX) else { continue };
        let mut classes = Vec::new();
        match macho_facts(&bytes, &path, &mut cx.endpoints, &mut classes) {
            Ok(m) => {
                if m.encrypted {
                    out.facts.anomalies.push(Anomaly::new(
                        "macho-encrypted",
                        "FairPlay-encrypted binary (cryptid != 0): its strings are not scanned",
                        path.clone(),
                        None,
                    ));
                }
                // The signer certificate of each binary's CMS blob.
                if let Some(sig) = macho::parse(&bytes).ok().and_then(|i| i.signature).and_then(|s| s.cms) {
                    if let Some(mut signer) = cms_signer(sig) {
                        signer.sources.push(path.clone());
                        match out.facts.signers.iter_mut().find(|x| x.cert_sha256 == signer.cert_sha256) {
                            Some(have) => have.sources.push(path.clone()),
                            None => out.facts.signers.push(signer),
                        }
                    }
                }
                if kind == "main" {
                    ios.team_id = m.team_id.clone();
                } else if let Some(mem) = members.iter_mut().find(|mm| path.starts_with(&mm.name)) {
                    if let Some(t) = &m.team_id {
                        mem.split = Some(format!("team {t}"));
                    }
                }
                ios.binaries.push(m);
            }
            Err(e) => cx.errors.push(ErrorRecord::new("macho", path.clone(), e.to_string())),
        }
        if !classes.is_empty() {
            let n = u32::try_from(classes.len()).unwrap_or(u32::MAX);
            out.facts.dex.push(DexFacts {
                file: path,
                version: 0,
                string_count: 0,
                type_count: n,
                class_def_count: n,
                classes: classes.iter().collect(),
            });
        }
    }

    if let Some(bytes) = cx.read_name(&format!("{app}embedded.mobileprovision"), MAX_PLIST_BYTES) {
        match provision(&bytes) {
            Some(p) => ios.provision = Some(p),
            None => cx.errors.push(ErrorRecord::new(
                "plist",
                format!("{app}embedded.mobileprovision"),
                "no readable plist in the provisioning profile",
            )),
        }
    }
    if ios.team_id.is_none() {
        ios.team_id = ios.provision.as_ref().and_then(|p| p.team_id.clone());
    }
    if let (Some(sig_team), Some(prov_team)) =
        (ios.binaries.first().and_then(|b| b.team_id.as_ref()), ios.provision.as_ref().and_then(|p| p.team_id.as_ref()))
    {
        if sig_team != prov_team {
            out.facts.anomalies.push(Anomaly::new(
                "ipa-team-mismatch",
                format!("code signature Team ID {sig_team} differs from the provisioning profile's {prov_team}"),
                format!("{app}embedded.mobileprovision"),
                None,
            ));
        }
    }
    // Other plists and JSON of the app bundle (configuration files of SDKs).
    let extra: Vec<ZipEntry> = dir
        .entries
        .iter()
        .filter(|e| {
            e.name.starts_with(app.as_str())
                && !e.name.ends_with("/Info.plist")
                && (e.name.ends_with(".plist") || e.name.ends_with(".json"))
                && e.uncompressed_size <= limits.max_text_asset_bytes
        })
        .take(MAX_BUNDLES)
        .cloned()
        .collect();
    for e in extra {
        if e.name.ends_with(".plist") {
            cx.plist(&e.name);
        } else if let Some(b) = cx.read(&e, limits.max_text_asset_bytes) {
            cx.endpoints.scan_blob(&b, "asset", &e.name);
        }
    }
    out.errors.append(&mut cx.errors);
    out.facts.endpoints = cx.endpoints.finish();
    out.facts.members = members;
    out.facts.ios = Some(ios);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn provision_plist_is_found_inside_cms_bytes() {
        let mut b = vec![0x30, 0x80, 1, 2, 3];
        b.extend(b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>TeamIdentifier</key><array><string>AB12CD34EF</string></array><key>Name</key><string>Dev</string><key>ProvisionedDevices</key><array><string>x</string><string>y</string></array></dict></plist>");
        b.extend([0, 0, 0xa0]);
        let p = provision(&b).unwrap();
        assert_eq!(p.team_id.as_deref(), Some("AB12CD34EF"));
        assert_eq!(p.name.as_deref(), Some("Dev"));
        assert_eq!(p.devices, 2);
        assert!(provision(b"no plist here").is_none());
    }

    #[test]
    fn plist_keys_and_strings() {
        let x = b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>a</key><string>https://x.example.com</string><key>b</key><array><string>y</string></array></dict></plist>";
        assert_eq!(plist_keys(x), vec!["a", "b"]);
        let mut out = Vec::new();
        plist_strings(&parse_plist(x).unwrap(), &mut out);
        out.sort();
        assert_eq!(out, vec!["https://x.example.com", "y"]);
    }
}

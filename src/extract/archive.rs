//! SDK archives and bare files: `.jar` (JVM class files), `.aar` (text
//! `AndroidManifest.xml`, `classes.jar`, `libs/*.jar`, `jni/<abi>/*.so`,
//! assets), iOS static libraries (`.a` of Mach-O objects), and a lone DEX,
//! ELF or Mach-O file.
//!
//! JVM class names go into a `DexFacts`-shaped class list (`file` names the
//! jar, `version` 0), so fingerprinting matches them unchanged; string
//! constants feed the endpoint collector. Everything else a zip carries
//! (DEX, `lib/`, assets, nested archives) goes through `analyze_zip`.

use quick_xml::events::Event;

use crate::container::{Kind, Limits};
use crate::evidence::ErrorRecord;
use crate::extract::endpoints::EndpointCollector;
use crate::extract::facts::{Component, DexFacts, Facts, IosFacts, MachoFacts, Manifest, MetaData, UsesPermission};
use crate::extract::splits::merge_endpoints;
use crate::extract::{analyze_zip, dex, native, ApkAnalysis};
use crate::formats::source::Source;
use crate::formats::zip::ZipDirectory;
use crate::formats::{ar, classfile, macho};

/// Largest class file read (real ones are < 1 MiB).
pub const MAX_CLASS_BYTES: u64 = 16 << 20;
/// Class files read from one jar.
pub const MAX_CLASSES: usize = 200_000;
/// Nested jars read from one archive.
pub const MAX_NESTED_JARS: usize = 256;
/// Elements read from a text AndroidManifest.xml.
pub const MAX_XML_EVENTS: usize = 1_000_000;

/// Reads every `.class` entry of a jar into one class list.
fn jvm_pass(
    data: Source<'_>,
    dir: &ZipDirectory,
    label: &str,
    limits: &Limits,
    inflated: &mut u64,
    endpoints: &mut EndpointCollector,
    errors: &mut Vec<ErrorRecord>,
) -> Option<DexFacts> {
    let mut classes = Vec::new();
    let mut buf = Vec::new();
    let prefix = if label.is_empty() { String::new() } else { format!("{label}!/") };
    for e in dir.entries.iter().filter(|e| e.name.ends_with(".class")) {
        if classes.len() >= MAX_CLASSES || *inflated >= limits.max_app_bytes {
            break;
        }
        let max = MAX_CLASS_BYTES.min(limits.max_app_bytes.saturating_sub(*inflated));
        let file = format!("{prefix}{}", e.name);
        let bytes = match dir.read(data, e, max, &mut buf) {
            Ok((b, _)) => b,
            Err(err) => {
                errors.push(ErrorRecord::new("class", file, err.to_string()));
                continue;
            }
        };
        *inflated = inflated.saturating_add(bytes.len() as u64);
        match classfile::parse(bytes) {
            Ok(c) => {
                classes.push(c.name());
                for s in c.string_constants() {
                    endpoints.scan(s, "class-string", &file, None);
                }
            }
            Err(err) => errors.push(ErrorRecord::new("class", file, err.to_string())),
        }
    }
    if classes.is_empty() {
        return None;
    }
    classes.sort();
    classes.dedup();
    let n = u32::try_from(classes.len()).unwrap_or(u32::MAX);
    Some(DexFacts {
        file: if label.is_empty() { "(classes)".to_string() } else { label.to_string() },
        version: 0,
        string_count: 0,
        type_count: n,
        class_def_count: n,
        classes: classes.iter().collect(),
    })
}

/// Resolves a component name against the package like PackageParser.
fn resolve(pkg: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{pkg}{name}")
    } else if !name.contains('.') && !pkg.is_empty() {
        format!("{pkg}.{name}")
    } else {
        name.to_string()
    }
}

/// A library's text `AndroidManifest.xml` (AAR), read with quick-xml:
/// package, SDK levels, permissions, components with intent actions,
/// meta-data. Attributes are matched by name (`android:name`): a text
/// manifest has no resource ids yet.
pub fn text_manifest(xml: &[u8]) -> Result<Manifest, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut m = Manifest::default();
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    // Index of the component currently open: (list, index).
    let mut current: Option<(usize, usize)> = None;
    let mut events = 0usize;
    loop {
        events = events.saturating_add(1);
        if events > MAX_XML_EVENTS {
            return Err(format!("more than {MAX_XML_EVENTS} XML events"));
        }
        let ev = reader.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                if let Some(tag) = stack.pop() {
                    if matches!(tag.as_str(), "activity" | "activity-alias" | "service" | "receiver" | "provider") {
                        current = None;
                    }
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        let tag = e.local_name().into_inner().to_string();
        let mut attrs: Vec<(String, String)> = Vec::new();
        for a in e.attributes().flatten() {
            let k = a.key.into_inner().to_string();
            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map(|c| c.into_owned()).unwrap_or_default();
            attrs.push((k, v));
        }
        let get = |k: &str| {
            attrs.iter().find(|(n, _)| n == k || n.strip_prefix("android:") == Some(k)).map(|(_, v)| v.clone())
        };
        let pkg = m.package.clone().unwrap_or_default();
        let parent = stack.last().map(String::as_str);
        match (parent, tag.as_str()) {
            (None, "manifest") => {
                m.package = attrs.iter().find(|(k, _)| k == "package").map(|(_, v)| v.clone());
                m.version_name = get("versionName");
                m.version_code = get("versionCode").and_then(|v| v.parse().ok());
            }
            (Some("manifest"), "uses-sdk") => {
                m.min_sdk = get("minSdkVersion").and_then(|v| v.parse().ok());
                m.target_sdk = get("targetSdkVersion").and_then(|v| v.parse().ok());
            }
            (Some("manifest"), "uses-permission" | "uses-permission-sdk-23") => {
                if let Some(n) = get("name") {
                    if !m.uses_permissions.iter().any(|p| p.name == n) {
                        m.uses_permissions.push(UsesPermission { name: n, ..UsesPermission::default() });
                    }
                }
            }
            (Some("manifest"), "permission") => {
                if let Some(n) = get("name") {
                    m.declared_permissions
                        .push(crate::extract::facts::DeclaredPermission { name: n, protection_level: None });
                }
            }
            (_, "activity" | "activity-alias" | "service" | "receiver" | "provider") => {
                if let Some(n) = get("name") {
                    let c = Component {
                        name: resolve(&pkg, &n),
                        exported: get("exported").map(|v| v == "true"),
                        authorities: get("authorities"),
                        process: get("process"),
                        permission: get("permission"),
                        ..Component::default()
                    };
                    let (list_idx, list) = match tag.as_str() {
                        "activity" => (0, &mut m.components.activities),
                        "activity-alias" => (1, &mut m.components.activity_aliases),
                        "service" => (2, &mut m.components.services),
                        "receiver" => (3, &mut m.components.receivers),
                        _ => (4, &mut m.components.providers),
                    };
                    list.push(c);
                    current = Some((list_idx, list.len().saturating_sub(1)));
                }
            }
            (Some("intent-filter"), "action") => {
                if let (Some(n), Some((l, i))) = (get("name"), current) {
                    let list = match l {
                        0 => &mut m.components.activities,
                        1 => &mut m.components.activity_aliases,
                        2 => &mut m.components.services,
                        3 => &mut m.components.receivers,
                        _ => &mut m.components.providers,
                    };
                    if let Some(c) = list.get_mut(i) {
                        c.intent_actions.push(n);
                    }
                }
            }
            (_, "meta-data") => {
                if let Some(n) = get("name") {
                    let parent = match current {
                        Some((l, i)) => {
                            let list = match l {
                                0 => &m.components.activities,
                                1 => &m.components.activity_aliases,
                                2 => &m.components.services,
                                3 => &m.components.receivers,
                                _ => &m.components.providers,
                            };
                            list.get(i).map(|c| c.name.clone()).unwrap_or_default()
                        }
                        None => "application".to_string(),
                    };
                    m.meta_data.push(MetaData { name: n, value: get("value"), resource: None, parent });
                }
            }
            (Some("manifest"), "application") => {
                m.application.name = get("name").map(|n| resolve(&pkg, &n));
            }
            _ => {}
        }
        if !empty {
            stack.push(tag);
        }
        buf.clear();
    }
    Ok(m)
}

/// Analyses a `.jar`, `.aar` or other zip that is not an app.
pub fn analyze_archive(data: Source<'_>, dir: &ZipDirectory, kind: Kind, limits: &Limits) -> ApkAnalysis {
    let aar = kind == Kind::Aar;
    let map = |n: &str| -> Option<String> {
        if n == "AndroidManifest.xml" || n.ends_with(".class") {
            return None;
        }
        if aar {
            if let Some(rest) = n.strip_prefix("jni/") {
                return Some(format!("lib/{rest}"));
            }
            if n.ends_with(".jar") {
                return None; // read by the JVM pass below
            }
        }
        Some(n.to_string())
    };
    let mut out = analyze_zip(data, dir, limits, &map, false);
    for lib in &mut out.facts.native_libs {
        if lib.abi.is_none() {
            let mut parts = lib.path.split('/');
            if let (Some("jni"), Some(abi)) = (parts.next(), parts.next()) {
                lib.abi = Some(abi.to_string());
            }
        }
    }
    let mut endpoints = EndpointCollector::new();
    let mut inflated: u64 = 0;
    if let Some(d) = jvm_pass(data, dir, "", limits, &mut inflated, &mut endpoints, &mut out.errors) {
        out.facts.dex.push(d);
    }
    // Jars inside (an AAR's classes.jar and libs/*.jar; fat jars).
    let mut buf = Vec::new();
    for e in dir.entries.iter().filter(|e| e.name.ends_with(".jar")).take(MAX_NESTED_JARS) {
        let max = limits.max_entry_bytes.min(limits.max_app_bytes.saturating_sub(inflated));
        let bytes = match dir.read(data, e, max, &mut buf) {
            Ok((b, _)) => b.to_vec(),
            Err(err) => {
                out.errors.push(ErrorRecord::new("container", e.name.clone(), err.to_string()));
                continue;
            }
        };
        inflated = inflated.saturating_add(bytes.len() as u64);
        match ZipDirectory::parse(&bytes, &limits.zip()) {
            Ok(inner) => {
                if let Some(d) = jvm_pass(
                    Source::Memory(&bytes),
                    &inner,
                    &e.name,
                    limits,
                    &mut inflated,
                    &mut endpoints,
                    &mut out.errors,
                ) {
                    out.facts.dex.push(d);
                }
            }
            Err(err) => out.errors.push(ErrorRecord::new("container", e.name.clone(), err.to_string())),
        }
    }
    if let Some(e) = dir.find("AndroidManifest.xml") {
        if let Ok((bytes, _)) = dir.read(data, e, limits.max_text_asset_bytes, &mut buf) {
            if bytes.starts_with(&[0x03, 0x00, 0x08, 0x00]) {
                if let Ok(mo) = crate::extract::manifest::extract(bytes, None, "AndroidManifest.xml") {
                    out.facts.manifest = Some(mo.manifest);
                }
            } else {
                match text_manifest(bytes) {
                    Ok(m) => out.facts.manifest = Some(m),
                    Err(err) => out.errors.push(ErrorRecord::new("manifest", "AndroidManifest.xml", err)),
                }
                endpoints.scan_blob(bytes, "manifest", "AndroidManifest.xml");
            }
        }
    }
    merge_endpoints(&mut out.facts.endpoints, endpoints.finish());
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Facts of one Mach-O (binary or object) into `facts`.
pub(crate) fn macho_facts(
    bytes: &[u8],
    path: &str,
    endpoints: &mut EndpointCollector,
    classes: &mut Vec<String>,
) -> Result<MachoFacts, macho::Error> {
    let info = macho::parse(bytes)?;
    if !info.encrypted {
        for (off, s) in &info.cstrings {
            for part in s.split(|&b| b == 0) {
                endpoints.scan(part, "macho-string", path, Some(*off));
            }
        }
    }
    classes.extend(info.objc_classes.iter().cloned());
    let sig = info.signature.as_ref();
    Ok(MachoFacts {
        path: path.to_string(),
        archs: info.archs.clone(),
        dylibs: info.dylibs.clone(),
        encrypted: info.encrypted,
        identifier: sig.and_then(|s| s.identifier.clone()),
        team_id: sig.and_then(|s| s.team_id.clone()),
        entitlements: sig.and_then(|s| s.entitlements).map(crate::extract::ipa::plist_keys).unwrap_or_default(),
        signer_subject: sig.and_then(|s| s.cms).and_then(crate::extract::ipa::cms_signer_subject),
        size: bytes.len() as u64,
    })
}

/// Analyses a file that is not a zip: a static library, a Mach-O, an ELF
/// library or a DEX file. `path` names it in evidence.
pub fn analyze_file(data: &[u8], kind: Kind, path: &str, _limits: &Limits) -> ApkAnalysis {
    let mut out = ApkAnalysis::default();
    let mut endpoints = EndpointCollector::new();
    let name = file_name(path);
    match kind {
        Kind::Dex => match dex::extract(data, name, &mut endpoints) {
            Ok((d, anomalies)) => {
                out.facts.dex.extend(d);
                out.facts.anomalies.extend(anomalies);
            }
            Err(e) => out.errors.push(ErrorRecord::new("dex", name, e.to_string())),
        },
        Kind::Elf => match native::extract_with_anomalies(data, name, &mut endpoints) {
            Ok((lib, anomalies)) => {
                out.facts.native_libs.push(lib);
                out.facts.anomalies.extend(anomalies);
            }
            Err(e) => out.errors.push(ErrorRecord::new("native", name, e.to_string())),
        },
        Kind::Macho => {
            let mut classes = Vec::new();
            match macho_facts(data, name, &mut endpoints, &mut classes) {
                Ok(m) => {
                    out.facts.ios = Some(IosFacts { binaries: vec![m], ..IosFacts::default() });
                    push_classes(&mut out.facts, name, classes);
                }
                Err(e) => out.errors.push(ErrorRecord::new("macho", name, e.to_string())),
            }
        }
        Kind::Staticlib => staticlib(data, name, &mut out, &mut endpoints),
        _ => out.errors.push(ErrorRecord::new("input", name, "not a recognised file kind")),
    }
    out.facts.endpoints = endpoints.finish();
    out
}

fn push_classes(facts: &mut Facts, file: &str, mut classes: Vec<String>) {
    if classes.is_empty() {
        return;
    }
    classes.sort();
    classes.dedup();
    let n = u32::try_from(classes.len()).unwrap_or(u32::MAX);
    facts.dex.push(DexFacts {
        file: file.to_string(),
        version: 0,
        string_count: 0,
        type_count: n,
        class_def_count: n,
        classes: classes.iter().collect(),
    });
}

/// A static library: every member object (Mach-O or ELF), its Objective-C
/// classes and C strings.
fn staticlib(data: &[u8], name: &str, out: &mut ApkAnalysis, endpoints: &mut EndpointCollector) {
    // A fat static library: one `ar` archive per architecture.
    if data.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        match macho::fat_slices(data) {
            Ok(slices) => {
                let mut all = IosFacts::default();
                let mut dexes = Vec::new();
                for (arch, slice) in slices {
                    let mut one = ApkAnalysis::default();
                    staticlib(slice, name, &mut one, endpoints);
                    out.errors.append(&mut one.errors);
                    if let Some(b) = one.facts.ios.and_then(|i| i.binaries.into_iter().next()) {
                        match all.binaries.first_mut() {
                            Some(have) => have.archs.extend(b.archs.into_iter().filter(|a| a != &arch)),
                            None => all.binaries.push(b),
                        }
                        if let Some(have) = all.binaries.first_mut() {
                            if !have.archs.contains(&arch) {
                                have.archs.push(arch);
                            }
                        }
                    }
                    dexes.extend(one.facts.dex);
                }
                if let Some(b) = all.binaries.first_mut() {
                    b.archs.sort();
                    b.archs.dedup();
                    b.size = data.len() as u64;
                }
                out.facts.ios = Some(all);
                let classes: Vec<String> = dexes.iter().flat_map(|d| d.classes.iter().map(str::to_string)).collect();
                push_classes(&mut out.facts, name, classes);
            }
            Err(e) => out.errors.push(ErrorRecord::new("container", name, e.to_string())),
        }
        return;
    }
    let members = match ar::parse(data) {
        Ok(m) => m,
        Err(e) => {
            out.errors.push(ErrorRecord::new("container", name, e.to_string()));
            return;
        }
    };
    let mut ios = IosFacts::default();
    let mut classes = Vec::new();
    for m in members {
        let file = format!("{name}!/{}", m.name);
        if macho::is_macho(m.data) {
            match macho_facts(m.data, &file, endpoints, &mut classes) {
                Ok(f) => {
                    for a in f.archs {
                        if !ios.binaries.first().is_some_and(|b| b.archs.contains(&a)) {
                            if let Some(b) = ios.binaries.first_mut() {
                                b.archs.push(a);
                            } else {
                                ios.binaries.push(MachoFacts {
                                    path: name.to_string(),
                                    archs: vec![a],
                                    ..MachoFacts::default()
                                });
                            }
                        }
                    }
                }
                Err(e) => out.errors.push(ErrorRecord::new("macho", file, e.to_string())),
            }
        } else if m.data.starts_with(b"\x7fELF") {
            endpoints.scan_blob(m.data, "native-string", &file);
        }
    }
    if let Some(b) = ios.binaries.first_mut() {
        b.size = data.len() as u64;
    }
    out.facts.ios = Some(ios);
    push_classes(&mut out.facts, name, classes);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn text_manifest_of_an_aar() {
        let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.vendor.sdk">
  <uses-sdk android:minSdkVersion="14"/>
  <uses-permission android:name="android.permission.INTERNET"/>
  <application>
    <service android:name=".PushService" android:exported="true">
      <intent-filter><action android:name="com.vendor.sdk.PUSH"/></intent-filter>
      <meta-data android:name="k" android:value="v"/>
    </service>
    <meta-data android:name="VENDOR_APPKEY" android:value="${APPKEY}"/>
  </application>
</manifest>"#;
        let m = text_manifest(xml).unwrap();
        assert_eq!(m.package.as_deref(), Some("com.vendor.sdk"));
        assert_eq!(m.min_sdk, Some(14));
        assert_eq!(m.uses_permissions[0].name, "android.permission.INTERNET");
        let s = &m.components.services[0];
        assert_eq!(s.name, "com.vendor.sdk.PushService");
        assert_eq!(s.intent_actions, vec!["com.vendor.sdk.PUSH"]);
        assert_eq!(m.meta_data[0].parent, "com.vendor.sdk.PushService");
        assert_eq!(m.meta_data[1].parent, "application");
        assert_eq!(m.meta_data[1].name, "VENDOR_APPKEY");
    }

    #[test]
    fn broken_xml_is_an_error() {
        assert!(text_manifest(b"<manifest><a></b></manifest>").is_err());
    }
}

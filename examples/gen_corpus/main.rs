//! Deterministic generator of the sample APK corpus.
//!
//! `cargo run --example gen_corpus -- corpus/` writes, for every sample in
//! `samples.json`, `<name>.apk` and `<name>.expected.json` (the facts a
//! scanner must report). Every byte is produced here: binary AXML manifest
//! and network security config, resources.arsc, DEX, ELF shared objects, the
//! zip container and an APK Signature Scheme v2 block signed with fixed
//! P-256 keys (RFC 6979 deterministic ECDSA) over self-signed certificates.
//! Timestamps are fixed, so two runs give identical bytes.
//!
//! Validated by hand (Debian bookworm packages; none is needed to generate):
//! `apksigner verify -v --print-certs` (apksigner 31.0.2-1): verified, v2
//! true, certificate SHA-256 as in the expected files; `aapt dump badging` and
//! `aapt dump xmltree` (aapt 1:10.0.0+r36-10); `zipalign -c -p 4`
//! (1:10.0.0+r36-1); `dexdump -c` (11.0.0+r48-5) checksum verified and
//! `baksmali d` (smali 2.5.2) parses every DEX; `readelf -a -W` (binutils
//! 2.40-2) prints no warning; goblin 0.10 parses every .so; androguard 4.1.4
//! agrees on package, versions, SDKs, label, permissions, components,
//! classes and the v2 certificate.

mod arsc;
mod axml;
mod bytes;
mod dex;
mod elf;
mod sign;
mod zip;

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::axml::{Elem, Val, ANDROID_NS};
use crate::elf::Abi;

// Framework attribute ids (AOSP public.xml; checked against
// framework-res.apk with `aapt dump resources`).
const ATTR_LABEL: u32 = 0x0101_0001;
const ATTR_NAME: u32 = 0x0101_0003;
const ATTR_PROTECTION_LEVEL: u32 = 0x0101_0009;
const ATTR_DEBUGGABLE: u32 = 0x0101_000f;
const ATTR_EXPORTED: u32 = 0x0101_0010;
const ATTR_AUTHORITIES: u32 = 0x0101_0018;
const ATTR_VALUE: u32 = 0x0101_0024;
const ATTR_RESOURCE: u32 = 0x0101_0025;
const ATTR_TARGET_ACTIVITY: u32 = 0x0101_0202;
const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const ATTR_VERSION_NAME: u32 = 0x0101_021c;
const ATTR_TARGET_SDK: u32 = 0x0101_0270;
const ATTR_ALLOW_BACKUP: u32 = 0x0101_0280;
const ATTR_USES_CLEARTEXT: u32 = 0x0101_04ec;
const ATTR_NETWORK_SECURITY_CONFIG: u32 = 0x0101_0527;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    publishers: BTreeMap<String, PublisherSpec>,
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublisherSpec {
    key_seed: String,
    serial: u64,
    subject: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    name: String,
    note: String,
    publisher: String,
    utf8: bool,
    package: String,
    version_code: u32,
    version_name: String,
    min_sdk: u32,
    target_sdk: u32,
    label: String,
    alt_label: (String, String),
    permissions: Vec<String>,
    declared_permissions: Vec<DeclaredPermission>,
    application: AppSpec,
    meta_data: Vec<MetaSpec>,
    components: Vec<CompSpec>,
    nsc_domains: Vec<String>,
    dex: Vec<DexSpec>,
    native: Vec<NativeSpec>,
    assets: Vec<AssetSpec>,
    bare_hosts: Vec<String>,
    markers: Value,
    /// `<queries><package android:name=…/>` entries.
    #[serde(default)]
    queries_packages: Vec<String>,
    /// Extra ID-value pairs in the APK Signing Block (channel blocks).
    #[serde(default)]
    signing_block_extra: Vec<ExtraBlock>,
    /// Anomaly ids the scanner must report (exact set).
    #[serde(default)]
    anomalies: Vec<String>,
    /// What fingerprinting and the policies must find (copied as written).
    detections: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraBlock {
    /// `0x…` block id.
    id: String,
    /// UTF-8 value bytes.
    value: String,
    /// Written before the v2 block instead of after it.
    #[serde(default)]
    before_v2: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclaredPermission {
    name: String,
    protection_level: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppSpec {
    name: Option<String>,
    debuggable: Option<bool>,
    allow_backup: Option<bool>,
    uses_cleartext_traffic: Option<bool>,
    network_security_config: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaSpec {
    name: String,
    value: Option<String>,
    int: Option<u32>,
    bool: Option<bool>,
    /// Only `xml/network_security_config` exists in the generated table.
    resource: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompSpec {
    kind: String,
    name: String,
    exported: Option<bool>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    authorities: Option<String>,
    target: Option<String>,
    #[serde(default)]
    meta_data: Vec<MetaSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DexSpec {
    file: String,
    version: u32,
    classes: Vec<(String, String)>,
    strings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeSpec {
    name: String,
    abis: Vec<String>,
    needed: Vec<String>,
    symbols: Vec<String>,
    rodata: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetSpec {
    path: String,
    text: String,
    /// Stored bytes declared under this (unknown) compression method.
    #[serde(default)]
    method: Option<u16>,
    /// A second central-directory entry of the same name with this text.
    #[serde(default)]
    duplicate_text: Option<String>,
}

/// Android's class-name resolution: ".Foo" and "Foo" become "pkg.Foo".
fn resolve(package: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{package}{name}")
    } else if !name.contains('.') {
        format!("{package}.{name}")
    } else {
        name.to_string()
    }
}

fn meta_elem(m: &MetaSpec) -> Result<Elem, Box<dyn Error>> {
    let e = Elem::new("meta-data").a("name", ATTR_NAME, Val::Str(m.name.clone()));
    Ok(match (&m.value, m.int, m.bool, &m.resource) {
        (Some(v), None, None, None) => e.a("value", ATTR_VALUE, Val::Str(v.clone())),
        (None, Some(i), None, None) => e.a("value", ATTR_VALUE, Val::Int(i)),
        (None, None, Some(b), None) => e.a("value", ATTR_VALUE, Val::Bool(b)),
        (None, None, None, Some(r)) if r == "xml/network_security_config" => {
            e.a("resource", ATTR_RESOURCE, Val::Ref(arsc::NSC_ID))
        }
        _ => return Err(format!("meta-data {}: exactly one of value/int/bool/resource", m.name).into()),
    })
}

fn meta_fact(m: &MetaSpec, parent: &str) -> Value {
    let mut v = json!({ "name": m.name, "parent": parent });
    if let Some(s) = &m.value {
        v["value"] = json!(s);
    }
    if let Some(i) = m.int {
        v["value"] = json!(i.to_string());
    }
    if let Some(b) = m.bool {
        v["value"] = json!(b.to_string());
    }
    if m.resource.is_some() {
        v["resource"] = json!(arsc::NSC_ID);
        v["resource_path"] = json!(arsc::NSC_PATH);
    }
    v
}

fn manifest(s: &Sample) -> Result<Elem, Box<dyn Error>> {
    let mut root = Elem::new("manifest")
        .a("versionCode", ATTR_VERSION_CODE, Val::Int(s.version_code))
        .a("versionName", ATTR_VERSION_NAME, Val::Str(s.version_name.clone()))
        .plain("package", Val::Str(s.package.clone()))
        .child(Elem::new("uses-sdk").a("minSdkVersion", ATTR_MIN_SDK, Val::Int(s.min_sdk)).a(
            "targetSdkVersion",
            ATTR_TARGET_SDK,
            Val::Int(s.target_sdk),
        ));
    for p in &s.permissions {
        root.push(Elem::new("uses-permission").a("name", ATTR_NAME, Val::Str(p.clone())));
    }
    if !s.queries_packages.is_empty() {
        let mut q = Elem::new("queries");
        for p in &s.queries_packages {
            q.push(Elem::new("package").a("name", ATTR_NAME, Val::Str(p.clone())));
        }
        root.push(q);
    }
    for p in &s.declared_permissions {
        root.push(Elem::new("permission").a("name", ATTR_NAME, Val::Str(p.name.clone())).a(
            "protectionLevel",
            ATTR_PROTECTION_LEVEL,
            Val::Hex(p.protection_level),
        ));
    }
    let a = &s.application;
    let mut app = Elem::new("application").a("label", ATTR_LABEL, Val::Ref(arsc::APP_NAME_ID));
    if let Some(n) = &a.name {
        app = app.a("name", ATTR_NAME, Val::Str(n.clone()));
    }
    if let Some(b) = a.debuggable {
        app = app.a("debuggable", ATTR_DEBUGGABLE, Val::Bool(b));
    }
    if let Some(b) = a.allow_backup {
        app = app.a("allowBackup", ATTR_ALLOW_BACKUP, Val::Bool(b));
    }
    if let Some(b) = a.uses_cleartext_traffic {
        app = app.a("usesCleartextTraffic", ATTR_USES_CLEARTEXT, Val::Bool(b));
    }
    if a.network_security_config {
        app = app.a("networkSecurityConfig", ATTR_NETWORK_SECURITY_CONFIG, Val::Ref(arsc::NSC_ID));
    }
    for m in &s.meta_data {
        app.push(meta_elem(m)?);
    }
    for c in &s.components {
        let mut e = Elem::new(&c.kind).a("name", ATTR_NAME, Val::Str(c.name.clone()));
        if let Some(x) = c.exported {
            e = e.a("exported", ATTR_EXPORTED, Val::Bool(x));
        }
        if let Some(t) = &c.target {
            e = e.a("targetActivity", ATTR_TARGET_ACTIVITY, Val::Str(t.clone()));
        }
        if let Some(au) = &c.authorities {
            e = e.a("authorities", ATTR_AUTHORITIES, Val::Str(au.clone()));
        }
        if !c.actions.is_empty() {
            let mut f = Elem::new("intent-filter");
            for act in &c.actions {
                f.push(Elem::new("action").a("name", ATTR_NAME, Val::Str(act.clone())));
            }
            for cat in &c.categories {
                f.push(Elem::new("category").a("name", ATTR_NAME, Val::Str(cat.clone())));
            }
            e.push(f);
        }
        for m in &c.meta_data {
            e.push(meta_elem(m)?);
        }
        app.push(e);
    }
    root.push(app);
    Ok(root)
}

fn network_security_config(domains: &[String]) -> Elem {
    let mut dc = Elem::new("domain-config").plain("cleartextTrafficPermitted", Val::Bool(false));
    for d in domains {
        dc.push(Elem::new("domain").plain("includeSubdomains", Val::Bool(true)).text(d));
    }
    Elem::new("network-security-config").child(dc)
}

/// Hosts of every `scheme://[user@]host[:port]` in `s`.
fn url_hosts(s: &str, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after.find(|c: char| matches!(c, '/' | '?' | '#' | '"') || c.is_whitespace()).unwrap_or(after.len());
        let mut auth = &after[..end];
        if let Some(at) = auth.rfind('@') {
            auth = &auth[at + 1..];
        }
        if let Some(colon) = auth.find(':') {
            auth = &auth[..colon];
        }
        if !auth.is_empty() {
            out.insert(auth.to_ascii_lowercase());
        }
        rest = &after[end..];
    }
}

fn abi_of(name: &str) -> Result<Abi, Box<dyn Error>> {
    match name {
        "arm64-v8a" => Ok(Abi::Arm64V8a),
        "armeabi-v7a" => Ok(Abi::ArmeabiV7a),
        other => Err(format!("unsupported ABI {other}").into()),
    }
}

fn build(s: &Sample, publishers: &BTreeMap<String, sign::Publisher>) -> Result<(Vec<u8>, Value), Box<dyn Error>> {
    let publisher =
        publishers.get(&s.publisher).ok_or_else(|| format!("{}: unknown publisher {}", s.name, s.publisher))?;
    let mut entries: Vec<zip::Entry> = Vec::new();
    let mut texts: Vec<String> = Vec::new();

    let man = manifest(s)?;
    entries.push(zip::Entry {
        name: "AndroidManifest.xml".into(),
        data: axml::encode(&man, &[("android", ANDROID_NS)], s.utf8),
        deflate: true,
        align: 0,
        method: None,
    });

    let mut dex_facts = Vec::new();
    let mut all_classes = Vec::new();
    for d in &s.dex {
        let classes: Vec<dex::DexClass> =
            d.classes.iter().map(|(n, sup)| dex::DexClass { name: n.clone(), superclass: sup.clone() }).collect();
        let (bytes, sum) = dex::encode(d.version, &classes, &d.strings);
        texts.extend(d.strings.iter().cloned());
        let mut names: Vec<String> = d.classes.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        all_classes.extend(names.iter().cloned());
        dex_facts.push(json!({
            "file": d.file,
            "version": d.version,
            "string_count": sum.string_count,
            "type_count": sum.type_count,
            "class_def_count": sum.class_def_count,
            "classes": names,
        }));
        entries.push(zip::Entry { name: d.file.clone(), data: bytes, deflate: true, align: 0, method: None });
    }
    all_classes.sort();

    let table =
        arsc::Table { package: &s.package, label: &s.label, alt_label: (&s.alt_label.0, &s.alt_label.1), utf8: s.utf8 };
    entries.push(zip::Entry {
        name: "resources.arsc".into(),
        data: arsc::encode(&table),
        deflate: false,
        align: 4,
        method: None,
    });
    entries.push(zip::Entry {
        name: arsc::NSC_PATH.into(),
        data: axml::encode(&network_security_config(&s.nsc_domains), &[], s.utf8),
        deflate: true,
        align: 0,
        method: None,
    });
    for a in &s.assets {
        texts.push(a.text.clone());
        entries.push(zip::Entry {
            name: format!("assets/{}", a.path),
            data: a.text.as_bytes().to_vec(),
            deflate: a.method.is_none(),
            align: 0,
            method: a.method,
        });
        if let Some(t) = &a.duplicate_text {
            entries.push(zip::Entry {
                name: format!("assets/{}", a.path),
                data: t.as_bytes().to_vec(),
                deflate: true,
                align: 0,
                method: None,
            });
        }
    }
    let mut native_facts = Vec::new();
    for n in &s.native {
        texts.extend(n.rodata.iter().cloned());
        for abi_name in &n.abis {
            let abi = abi_of(abi_name)?;
            let so =
                elf::SharedObject { abi, soname: &n.name, needed: &n.needed, symbols: &n.symbols, rodata: &n.rodata };
            let path = format!("lib/{}/{}", abi.dir(), n.name);
            native_facts.push(json!({
                "path": path,
                "abi": abi.dir(),
                "machine": abi.machine(),
                "soname": n.name,
                "needed": n.needed,
                "exported_symbols": n.symbols,
            }));
            // Page-aligned like `zipalign -p`, so the library can be mapped in place.
            entries.push(zip::Entry { name: path, data: elf::encode(&so), deflate: false, align: 4096, method: None });
        }
    }
    native_facts.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));

    let z = zip::write(&entries)?;
    let mut extra = Vec::new();
    for b in &s.signing_block_extra {
        let id = u32::from_str_radix(b.id.trim_start_matches("0x"), 16)?;
        extra.push(sign::Pair { id, value: b.value.as_bytes().to_vec(), before_v2: b.before_v2 });
    }
    let (apk, cert) = sign::sign_v2(&z, publisher, &extra);
    let mut block_ids: Vec<String> =
        s.signing_block_extra.iter().filter(|b| b.before_v2).map(|b| b.id.clone()).collect();
    block_ids.push("0x7109871a".to_string());
    block_ids.extend(s.signing_block_extra.iter().filter(|b| !b.before_v2).map(|b| b.id.clone()));
    let mut anomalies = s.anomalies.clone();
    anomalies.sort();
    anomalies.dedup();

    // Facts.
    let mut hosts = BTreeSet::new();
    for t in &texts {
        url_hosts(t, &mut hosts);
    }
    let mut meta = Vec::new();
    for m in &s.meta_data {
        if let Some(v) = &m.value {
            url_hosts(v, &mut hosts);
        }
        meta.push(meta_fact(m, "application"));
    }
    for c in &s.components {
        for m in &c.meta_data {
            meta.push(meta_fact(m, &resolve(&s.package, &c.name)));
        }
    }
    hosts.extend(s.nsc_domains.iter().map(|d| d.to_ascii_lowercase()));
    for h in &s.bare_hosts {
        if !texts.iter().any(|t| t.contains(h.as_str())) {
            return Err(format!("{}: bare host {h} is not embedded anywhere", s.name).into());
        }
        hosts.insert(h.to_ascii_lowercase());
    }

    let mut comps: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for k in ["activities", "activity_aliases", "services", "receivers", "providers"] {
        comps.insert(k, Vec::new());
    }
    let mut actions = BTreeSet::new();
    let mut authorities = BTreeSet::new();
    let mut exported = BTreeSet::new();
    for c in &s.components {
        let key = match c.kind.as_str() {
            "activity" => "activities",
            "activity-alias" => "activity_aliases",
            "service" => "services",
            "receiver" => "receivers",
            "provider" => "providers",
            other => return Err(format!("{}: unknown component kind {other}", s.name).into()),
        };
        let name = resolve(&s.package, &c.name);
        if c.exported == Some(true) {
            exported.insert(name.clone());
        }
        comps.entry(key).or_default().push(name);
        actions.extend(c.actions.iter().cloned());
        authorities.extend(c.authorities.iter().cloned());
    }
    for v in comps.values_mut() {
        v.sort();
    }
    let mut permissions = s.permissions.clone();
    permissions.sort();
    let mut declared: Vec<&str> = s.declared_permissions.iter().map(|p| p.name.as_str()).collect();
    declared.sort();

    let a = &s.application;
    let expected = json!({
        "file": format!("{}.apk", s.name),
        "note": s.note,
        "apk_sha256": bytes::hex(&Sha256::digest(&apk)),
        "apk_size": apk.len(),
        "package": s.package,
        "version_code": s.version_code,
        "version_name": s.version_name,
        "min_sdk": s.min_sdk,
        "target_sdk": s.target_sdk,
        "label": s.label,
        "label_resource": arsc::APP_NAME_ID,
        "label_other_configs": [{ "locale": s.alt_label.0, "value": s.alt_label.1 }],
        "string_pools": if s.utf8 { "utf-8" } else { "utf-16" },
        "permissions": permissions,
        "declared_permissions": declared,
        "application": {
            "name": a.name.as_ref().map(|n| resolve(&s.package, n)),
            "debuggable": a.debuggable,
            "allow_backup": a.allow_backup,
            "uses_cleartext_traffic": a.uses_cleartext_traffic,
            "network_security_config": a.network_security_config.then_some(arsc::NSC_ID),
            "network_security_config_path": a.network_security_config.then_some(arsc::NSC_PATH),
        },
        "components": comps,
        "exported_components": exported,
        "intent_actions": actions,
        "provider_authorities": authorities,
        "meta_data": meta,
        "network_security_config_domains": s.nsc_domains,
        "dex_files": dex_facts,
        "classes": all_classes,
        "native_libs": native_facts,
        "entries": entries.iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
        "signing": {
            "schemes": ["v2"],
            "block_ids": block_ids,
            "algorithm": "0x0201 ECDSA-SHA256",
        },
        "cert_sha256": bytes::hex(&Sha256::digest(&cert)),
        "cert_subject": publisher.subject_display(),
        "cert_subject_rfc2253": publisher.subject_rfc2253(),
        "cert_issuer": publisher.subject_display(),
        "cert_subject_attributes": publisher.subject,
        "cert_serial": format!("{:x}", publisher.serial),
        "hosts": hosts,
        "markers": s.markers,
        "queries_packages": s.queries_packages,
        // Android refuses an archive with duplicate names: the scanner says so
        // in an error record (and still analyses the first entry of each name).
        "errors": if anomalies.iter().any(|a| a == "zip-duplicate-entry") {
            json!([{ "stage": "container", "contains": "duplicate entry name" }])
        } else {
            json!([])
        },
        "anomalies": anomalies,
        "detections": s.detections,
    });
    Ok((apk, expected))
}

const README_HEAD: &str = "# Generated sample APKs\n\n\
Written by `cargo run --example gen_corpus -- corpus/` (examples/gen_corpus/); do not edit by hand.\n\
Each `<name>.apk` has a `<name>.expected.json` with the facts a scanner must report and, under\n\
`markers`, the knowledge-base entries (shared/reference/knowledge) its SDK, cloud and publisher\n\
markers come from. The bytes are reproducible: fixed timestamps, fixed P-256 keys, RFC 6979 signatures.\n\n\
| sample | what it carries |\n| --- | --- |\n";

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".to_string()));
    let spec: Spec = serde_json::from_str(include_str!("samples.json"))?;
    let mut publishers = BTreeMap::new();
    for (id, p) in &spec.publishers {
        publishers.insert(id.clone(), sign::Publisher::new(&p.key_seed, p.subject.clone(), p.serial)?);
    }
    std::fs::create_dir_all(&out)?;
    let mut total = 0usize;
    let mut readme = String::from(README_HEAD);
    for s in &spec.samples {
        let (apk, expected) = build(s, &publishers)?;
        total += apk.len();
        std::fs::write(out.join(format!("{}.apk", s.name)), &apk)?;
        let mut text = serde_json::to_string_pretty(&expected)?;
        text.push('\n');
        std::fs::write(out.join(format!("{}.expected.json", s.name)), text)?;
        eprintln!("{:<20} {:>7} bytes", s.name, apk.len());
        readme.push_str(&format!("| `{}` | {} |\n", s.name, s.note));
    }
    std::fs::write(out.join("README.md"), readme)?;
    eprintln!("{} samples, {} bytes of APKs in {}", spec.samples.len(), total, out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_strip_userinfo_port_and_path() {
        let mut h = BTreeSet::new();
        url_hosts("x https://key@Ingest.Example.test:8443/a?b \"http://b.test\"", &mut h);
        assert_eq!(h.into_iter().collect::<Vec<_>>(), ["b.test", "ingest.example.test"]);
    }

    #[test]
    fn resolve_three_name_forms() {
        assert_eq!(resolve("p.q", ".A"), "p.q.A");
        assert_eq!(resolve("p.q", "A"), "p.q.A");
        assert_eq!(resolve("p.q", "x.y.A"), "x.y.A");
    }

    #[test]
    fn adler32_known_answer() {
        assert_eq!(dex::adler32(b"Wikipedia"), 0x11e6_0398);
    }
}

//! Writes one sample of each container kind into `corpus/containers/` with
//! the facts a scanner must report (`<file>.expected.json`):
//!
//!     cargo run --example gen_containers -- corpus/containers/
//!
//! Samples: a bundletool `.apks` (base + ABI config split + feature split),
//! an `.xapk` whose one split carries another package and another signer, an
//! `.aab` with a protobuf manifest, a `.jar` and an `.aar` of an SDK, and an
//! `.ipa` with two frameworks (one an SDK known by its framework name), a
//! privacy manifest and a provisioning profile.
//! Everything is built by our own writers (the zip, AXML, DEX, ELF and
//! signing writers of `examples/gen_corpus/`, plus the class-file and
//! Mach-O writers below); the bytes are reproducible.

#![allow(dead_code)]

#[path = "gen_corpus/axml.rs"]
mod axml;
#[path = "gen_corpus/bytes.rs"]
mod bytes;
#[path = "gen_corpus/dex.rs"]
mod dex;
#[path = "gen_corpus/elf.rs"]
mod elf;
#[path = "gen_corpus/sign.rs"]
mod sign;
#[path = "gen_corpus/zip.rs"]
mod zip;

use std::path::{Path, PathBuf};

use axml::{Elem, Val, ANDROID_NS};
use prost::Message;
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const ATTR_NAME: u32 = 0x0101_0003;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const ATTR_VERSION_NAME: u32 = 0x0101_021c;
const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_TARGET_SDK: u32 = 0x0101_0270;

fn entry(name: &str, data: Vec<u8>) -> zip::Entry {
    zip::Entry { name: name.to_string(), data, deflate: true, align: 0, method: None }
}

fn stored(name: &str, data: Vec<u8>) -> zip::Entry {
    zip::Entry { name: name.to_string(), data, deflate: false, align: 4, method: None }
}

fn zip_bytes(entries: &[zip::Entry]) -> Res<Vec<u8>> {
    let z = zip::write(entries)?;
    Ok([z.body, z.cd, z.eocd].concat())
}

/// An AXML manifest: package, optional split, versions, permissions, activities.
fn manifest(pkg: &str, split: Option<&str>, code: u32, perms: &[&str], activities: &[&str]) -> Vec<u8> {
    let mut root = Elem::new("manifest")
        .plain("package", Val::Str(pkg.into()))
        .a("versionCode", ATTR_VERSION_CODE, Val::Int(code))
        .a("versionName", ATTR_VERSION_NAME, Val::Str(format!("{code}.0")));
    if let Some(s) = split {
        root = root.plain("split", Val::Str(s.into()));
    }
    root.push(Elem::new("uses-sdk").a("minSdkVersion", ATTR_MIN_SDK, Val::Int(21)).a(
        "targetSdkVersion",
        ATTR_TARGET_SDK,
        Val::Int(34),
    ));
    for p in perms {
        root.push(Elem::new("uses-permission").a("name", ATTR_NAME, Val::Str((*p).into())));
    }
    let mut app = Elem::new("application");
    for a in activities {
        app.push(Elem::new("activity").a("name", ATTR_NAME, Val::Str((*a).into())));
    }
    root.push(app);
    axml::encode(&root, &[("android", ANDROID_NS)], true)
}

fn dex_of(classes: &[&str], strings: &[&str]) -> Vec<u8> {
    let cls: Vec<dex::DexClass> =
        classes.iter().map(|c| dex::DexClass { name: (*c).into(), superclass: "java.lang.Object".into() }).collect();
    let strs: Vec<String> = strings.iter().map(|s| s.to_string()).collect();
    dex::encode(35, &cls, &strs).0
}

fn so(soname: &str, rodata: &[&str]) -> Vec<u8> {
    let ro: Vec<String> = rodata.iter().map(|s| s.to_string()).collect();
    elf::encode(&elf::SharedObject { abi: elf::Abi::Arm64V8a, soname, needed: &[], symbols: &[], rodata: &ro })
}

fn apk(entries: Vec<zip::Entry>, signer: Option<&sign::Publisher>) -> Res<Vec<u8>> {
    let z = zip::write(&entries)?;
    Ok(match signer {
        Some(p) => sign::sign_v2(&z, p, &[]).0,
        None => [z.body, z.cd, z.eocd].concat(),
    })
}

/// A minimal JVM class file: the class, one String constant per string.
fn class_file(name: &str, strings: &[&str]) -> Vec<u8> {
    let mut pool: Vec<u8> = Vec::new();
    let mut count: u16 = 1;
    let mut utf8 = |pool: &mut Vec<u8>, s: &str| -> u16 {
        pool.push(1);
        pool.extend((s.len() as u16).to_be_bytes());
        pool.extend(s.as_bytes());
        count += 1;
        count - 1
    };
    let n = utf8(&mut pool, &name.replace('.', "/"));
    let mut refs = Vec::new();
    for s in strings {
        refs.push(utf8(&mut pool, s));
    }
    let object = utf8(&mut pool, "java/lang/Object");
    let mut idx = count;
    pool.push(7);
    pool.extend(n.to_be_bytes());
    let this_class = idx;
    idx += 1;
    pool.push(7);
    pool.extend(object.to_be_bytes());
    let super_class = idx;
    idx += 1;
    for r in refs {
        pool.push(8);
        pool.extend(r.to_be_bytes());
        idx += 1;
    }
    let mut out = 0xcafe_babeu32.to_be_bytes().to_vec();
    out.extend([0, 0, 0, 52]);
    out.extend(idx.to_be_bytes());
    out.extend(pool);
    out.extend(0x21u16.to_be_bytes());
    out.extend(this_class.to_be_bytes());
    out.extend(super_class.to_be_bytes());
    out.extend([0u8; 8]); // interfaces, fields, methods, attributes
    out
}

fn jar(classes: &[(&str, &[&str])]) -> Res<Vec<u8>> {
    let mut e = vec![entry("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n".to_vec())];
    for (c, s) in classes {
        e.push(entry(&format!("{}.class", c.replace('.', "/")), class_file(c, s)));
    }
    zip_bytes(&e)
}

/// A 64-bit arm64 Mach-O executable: LC_LOAD_DYLIB per dylib, a __TEXT
/// segment with a __cstring section, an Objective-C class symbol, and a
/// code signature (CodeDirectory with identifier and Team ID, entitlements).
fn macho(dylibs: &[&str], cstrings: &[&str], objc_class: &str, ident: &str, team: &str) -> Vec<u8> {
    let mut cstr: Vec<u8> = Vec::new();
    for s in cstrings {
        cstr.extend(s.as_bytes());
        cstr.push(0);
    }
    let sym_name = format!("_OBJC_CLASS_$_{objc_class}");
    let mut strtab = vec![0u8];
    strtab.extend(sym_name.as_bytes());
    strtab.push(0);
    while strtab.len() % 8 != 0 {
        strtab.push(0);
    }
    let sig = superblob(ident, team);
    // Load commands.
    let mut cmds: Vec<Vec<u8>> = Vec::new();
    let seg_cmd_size = 72 + 80;
    let dylib_cmds: Vec<Vec<u8>> = dylibs
        .iter()
        .map(|d| {
            let mut name = d.as_bytes().to_vec();
            name.push(0);
            while (24 + name.len()) % 8 != 0 {
                name.push(0);
            }
            let mut c = Vec::new();
            c.extend(0xcu32.to_le_bytes()); // LC_LOAD_DYLIB
            c.extend(((24 + name.len()) as u32).to_le_bytes());
            c.extend(24u32.to_le_bytes());
            c.extend(2u32.to_le_bytes());
            c.extend(0x10000u32.to_le_bytes());
            c.extend(0x10000u32.to_le_bytes());
            c.extend(name);
            c
        })
        .collect();
    let sizeofcmds = seg_cmd_size + dylib_cmds.iter().map(|c| c.len()).sum::<usize>() + 24 + 24 + 16 + 24;
    let header_len = 32 + sizeofcmds;
    let cstr_off = header_len.div_ceil(16) * 16;
    let sym_off = (cstr_off + cstr.len()).div_ceil(8) * 8;
    let str_off = sym_off + 16;
    let sig_off = (str_off + strtab.len()).div_ceil(16) * 16;
    let file_len = sig_off + sig.len();
    // LC_SEGMENT_64 __TEXT with one section.
    let mut seg = Vec::new();
    seg.extend(0x19u32.to_le_bytes());
    seg.extend((seg_cmd_size as u32).to_le_bytes());
    seg.extend(*b"__TEXT\0\0\0\0\0\0\0\0\0\0");
    seg.extend(0x1_0000_0000u64.to_le_bytes());
    seg.extend((file_len as u64).to_le_bytes());
    seg.extend(0u64.to_le_bytes());
    seg.extend((file_len as u64).to_le_bytes());
    seg.extend(5u32.to_le_bytes());
    seg.extend(5u32.to_le_bytes());
    seg.extend(1u32.to_le_bytes());
    seg.extend(0u32.to_le_bytes());
    seg.extend(*b"__cstring\0\0\0\0\0\0\0");
    seg.extend(*b"__TEXT\0\0\0\0\0\0\0\0\0\0");
    seg.extend((0x1_0000_0000u64 + cstr_off as u64).to_le_bytes());
    seg.extend((cstr.len() as u64).to_le_bytes());
    seg.extend((cstr_off as u32).to_le_bytes());
    seg.extend(0u32.to_le_bytes()); // align
    seg.extend(0u32.to_le_bytes()); // reloff
    seg.extend(0u32.to_le_bytes()); // nreloc
    seg.extend(2u32.to_le_bytes()); // S_CSTRING_LITERALS
    seg.extend([0u8; 12]);
    cmds.push(seg);
    cmds.extend(dylib_cmds);
    let mut symtab = Vec::new();
    symtab.extend(0x2u32.to_le_bytes());
    symtab.extend(24u32.to_le_bytes());
    symtab.extend((sym_off as u32).to_le_bytes());
    symtab.extend(1u32.to_le_bytes());
    symtab.extend((str_off as u32).to_le_bytes());
    symtab.extend((strtab.len() as u32).to_le_bytes());
    cmds.push(symtab);
    let mut enc = Vec::new();
    enc.extend(0x2cu32.to_le_bytes()); // LC_ENCRYPTION_INFO_64, cryptid 0
    enc.extend(24u32.to_le_bytes());
    enc.extend([0u8; 16]);
    cmds.push(enc);
    let mut cs = Vec::new();
    cs.extend(0x1du32.to_le_bytes()); // LC_CODE_SIGNATURE
    cs.extend(16u32.to_le_bytes());
    cs.extend((sig_off as u32).to_le_bytes());
    cs.extend((sig.len() as u32).to_le_bytes());
    cmds.push(cs);
    let mut uuid = Vec::new();
    uuid.extend(0x1bu32.to_le_bytes()); // LC_UUID
    uuid.extend(24u32.to_le_bytes());
    uuid.extend([7u8; 16]);
    cmds.push(uuid);
    let ncmds = cmds.len() as u32;
    let sizeofcmds: usize = cmds.iter().map(|c| c.len()).sum();
    let mut out = Vec::new();
    out.extend(0xfeed_facfu32.to_le_bytes());
    out.extend(0x0100_000cu32.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(2u32.to_le_bytes()); // MH_EXECUTE
    out.extend(ncmds.to_le_bytes());
    out.extend((sizeofcmds as u32).to_le_bytes());
    out.extend(0x0020_0085u32.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    for c in cmds {
        out.extend(c);
    }
    assert!(out.len() <= cstr_off, "load commands overflow");
    out.resize(cstr_off, 0);
    out.extend(cstr);
    out.resize(sym_off, 0);
    out.extend(1u32.to_le_bytes()); // n_strx
    out.push(0x0f); // N_SECT | N_EXT
    out.push(1);
    out.extend(0u16.to_le_bytes());
    out.extend((0x1_0000_0000u64 + cstr_off as u64).to_le_bytes());
    out.extend(strtab);
    out.resize(sig_off, 0);
    out.extend(sig);
    out
}

fn superblob(ident: &str, team: &str) -> Vec<u8> {
    let mut cd = vec![0u8; 88];
    cd[0..4].copy_from_slice(&0xfade_0c02u32.to_be_bytes());
    cd[8..12].copy_from_slice(&0x20400u32.to_be_bytes());
    let ident_off = cd.len() as u32;
    cd.extend(ident.as_bytes());
    cd.push(0);
    let team_off = cd.len() as u32;
    cd.extend(team.as_bytes());
    cd.push(0);
    cd[20..24].copy_from_slice(&ident_off.to_be_bytes());
    cd[48..52].copy_from_slice(&team_off.to_be_bytes());
    let n = cd.len() as u32;
    cd[4..8].copy_from_slice(&n.to_be_bytes());
    let ents = plist_xml(&[("aps-environment", "production"), ("application-identifier", &format!("{team}.{ident}"))]);
    let mut ent = 0xfade_7171u32.to_be_bytes().to_vec();
    ent.extend(((ents.len() + 8) as u32).to_be_bytes());
    ent.extend(ents);
    let header = 12 + 2 * 8;
    let mut out = 0xfade_0cc0u32.to_be_bytes().to_vec();
    out.extend(((header + cd.len() + ent.len()) as u32).to_be_bytes());
    out.extend(2u32.to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend((header as u32).to_be_bytes());
    out.extend(5u32.to_be_bytes());
    out.extend(((header + cd.len()) as u32).to_be_bytes());
    out.extend(cd);
    out.extend(ent);
    out
}

fn plist_xml(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut d = plist::Dictionary::new();
    for (k, v) in pairs {
        d.insert((*k).into(), plist::Value::String((*v).into()));
    }
    plist_bytes(plist::Value::Dictionary(d))
}

fn plist_bytes(v: plist::Value) -> Vec<u8> {
    let mut out = Vec::new();
    v.to_writer_xml(&mut out).expect("plist");
    out
}

fn write(out: &Path, name: &str, bytes: &[u8], expected: serde_json::Value) -> Res<()> {
    std::fs::write(out.join(name), bytes)?;
    let mut exp = expected;
    exp["file"] = json!(name);
    std::fs::write(out.join(format!("{name}.expected.json")), serde_json::to_string_pretty(&exp)? + "\n")?;
    println!("{name}: {} bytes", bytes.len());
    Ok(())
}

fn apks(out: &Path) -> Res<()> {
    let base = apk(
        vec![
            entry(
                "AndroidManifest.xml",
                manifest("com.example.splits", None, 3, &["android.permission.INTERNET"], &[".Main"]),
            ),
            entry("classes.dex", dex_of(&["com.example.splits.Main"], &["https://api.splits-example.com/v1"])),
        ],
        None,
    )?;
    let abi = apk(
        vec![
            entry("AndroidManifest.xml", manifest("com.example.splits", Some("config.arm64_v8a"), 3, &[], &[])),
            stored("lib/arm64-v8a/libjpush.so", so("libjpush.so", &["https://native.splits-example.com/n"])),
        ],
        None,
    )?;
    let feature = apk(
        vec![
            entry(
                "AndroidManifest.xml",
                manifest("com.example.splits", Some("pay"), 3, &[], &["com.example.splits.pay.PayActivity"]),
            ),
            entry(
                "classes.dex",
                dex_of(
                    &["com.example.splits.pay.PayActivity", "com.umeng.analytics.MobclickAgent"],
                    &["https://alog.umeng.com/app_logs"],
                ),
            ),
        ],
        None,
    )?;
    let set = zip_bytes(&[
        stored("toc.pb", Vec::new()),
        stored("splits/base-master.apk", base.clone()),
        stored("splits/base-arm64_v8a.apk", abi),
        stored("splits/pay-master.apk", feature),
        stored("standalones/standalone-arm64_v8a.apk", base),
    ])?;
    write(
        out,
        "split-set.apks",
        &set,
        json!({
            "kind": "apks", "package": "com.example.splits", "version_code": 3, "version_name": "3.0",
            "permissions": ["android.permission.INTERNET"],
            "activities": ["com.example.splits.Main", "com.example.splits.pay.PayActivity"],
            "members": [["splits/base-master.apk", "base", null], ["splits/base-arm64_v8a.apk", "split", "config.arm64_v8a"],
                        ["splits/pay-master.apk", "split", "pay"], ["standalones/standalone-arm64_v8a.apk", "standalone", null]],
            "dex_files": ["splits/base-master.apk!/classes.dex", "splits/pay-master.apk!/classes.dex"],
            "native_libs": ["splits/base-arm64_v8a.apk!/lib/arm64-v8a/libjpush.so"],
            "hosts": ["api.splits-example.com", "native.splits-example.com", "alog.umeng.com"],
            "sdks": ["jpush", "umeng-analytics"],
            "anomalies": []
        }),
    )
}

fn xapk(out: &Path) -> Res<()> {
    let owner = sign::Publisher::new(
        "containers-owner",
        vec![("C".into(), "DE".into()), ("O".into(), "Example Apps".into()), ("CN".into(), "Example Apps".into())],
        7,
    )?;
    let other = sign::Publisher::new(
        "containers-other",
        vec![("C".into(), "XX".into()), ("CN".into(), "Somebody Else".into())],
        8,
    )?;
    let base = apk(
        vec![
            entry(
                "AndroidManifest.xml",
                manifest(
                    "com.example.xapk",
                    None,
                    12,
                    &["android.permission.INTERNET", "android.permission.CAMERA"],
                    &[".Main"],
                ),
            ),
            entry("classes.dex", dex_of(&["com.example.xapk.Main"], &["https://cdn.xapk-example.org/a"])),
        ],
        Some(&owner),
    )?;
    let en = apk(
        vec![entry("AndroidManifest.xml", manifest("com.example.xapk", Some("config.en"), 12, &[], &[]))],
        Some(&owner),
    )?;
    let foreign = apk(
        vec![
            entry("AndroidManifest.xml", manifest("com.example.injected", Some("config.xxhdpi"), 12, &[], &[])),
            entry("classes.dex", dex_of(&["com.example.injected.Payload"], &["https://c2.injected-example.net/p"])),
        ],
        Some(&other),
    )?;
    let manifest_json = json!({
        "xapk_version": 2, "package_name": "com.example.xapk", "version_code": "12", "version_name": "12.0",
        "min_sdk_version": "21", "target_sdk_version": "34",
        "permissions": ["android.permission.INTERNET", "android.permission.CAMERA"],
        "split_apks": [{"file": "com.example.xapk.apk", "id": "base"}, {"file": "config.en.apk", "id": "config.en"},
                       {"file": "config.xxhdpi.apk", "id": "config.xxhdpi"}],
        "expansions": [{"file": "Android/obb/com.example.xapk/main.12.com.example.xapk.obb", "install_location": "EXTERNAL_STORAGE",
                        "install_path": "Android/obb/com.example.xapk/main.12.com.example.xapk.obb"}]
    });
    let set = zip_bytes(&[
        entry("manifest.json", serde_json::to_vec_pretty(&manifest_json)?),
        stored("com.example.xapk.apk", base),
        stored("config.en.apk", en),
        stored("config.xxhdpi.apk", foreign),
        stored("Android/obb/com.example.xapk/main.12.com.example.xapk.obb", vec![0; 64]),
    ])?;
    write(
        out,
        "split-set.xapk",
        &set,
        json!({
            "kind": "xapk", "package": "com.example.xapk", "version_code": 12, "version_name": "12.0",
            "permissions": ["android.permission.INTERNET", "android.permission.CAMERA"],
            "activities": ["com.example.xapk.Main"],
            "members": [["com.example.xapk.apk", "base", null], ["config.en.apk", "split", "config.en"],
                        ["config.xxhdpi.apk", "split", "config.xxhdpi"],
                        ["Android/obb/com.example.xapk/main.12.com.example.xapk.obb", "obb", null]],
            "dex_files": ["com.example.xapk.apk!/classes.dex", "config.xxhdpi.apk!/classes.dex"],
            "native_libs": [],
            "hosts": ["cdn.xapk-example.org", "c2.injected-example.net"],
            "sdks": [],
            "signer_subject": owner.subject_display(),
            "anomalies": ["split-package-mismatch", "split-signer-mismatch"]
        }),
    )
}

fn aab(out: &Path) -> Res<()> {
    use cleanscan::formats::aab::{
        item, primitive, xml_node, BundleConfig, Bundletool, Item, Primitive, XmlAttribute, XmlElement, XmlNamespace,
        XmlNode,
    };
    let attr = |name: &str, id: u32, value: &str, it: Option<item::Value>| XmlAttribute {
        namespace_uri: if id != 0 { ANDROID_NS.into() } else { String::new() },
        name: name.into(),
        value: value.into(),
        resource_id: id,
        compiled_item: it.map(|v| Item { value: Some(v) }),
    };
    let int = |v: i32| Some(item::Value::Prim(Primitive { value: Some(primitive::Value::IntDecimal(v)) }));
    let el = |name: &str, attrs: Vec<XmlAttribute>, child: Vec<XmlNode>| XmlNode {
        node: Some(xml_node::Node::Element(XmlElement {
            namespace_declaration: vec![],
            namespace_uri: String::new(),
            name: name.into(),
            attribute: attrs,
            child,
        })),
    };
    let mut root = el(
        "manifest",
        vec![
            attr("package", 0, "com.example.bundle", None),
            attr("versionCode", ATTR_VERSION_CODE, "7", int(7)),
            attr("versionName", ATTR_VERSION_NAME, "7.1", None),
        ],
        vec![
            el(
                "uses-sdk",
                vec![
                    attr("minSdkVersion", ATTR_MIN_SDK, "23", int(23)),
                    attr("targetSdkVersion", ATTR_TARGET_SDK, "34", int(34)),
                ],
                vec![],
            ),
            el("uses-permission", vec![attr("name", ATTR_NAME, "android.permission.INTERNET", None)], vec![]),
            el(
                "uses-permission",
                vec![attr("name", ATTR_NAME, "android.permission.ACCESS_FINE_LOCATION", None)],
                vec![],
            ),
            el(
                "application",
                vec![],
                vec![
                    el("activity", vec![attr("name", ATTR_NAME, ".Main", None)], vec![]),
                    el("service", vec![attr("name", ATTR_NAME, "com.igexin.sdk.PushService", None)], vec![]),
                ],
            ),
        ],
    );
    if let Some(xml_node::Node::Element(e)) = &mut root.node {
        e.namespace_declaration.push(XmlNamespace { prefix: "android".into(), uri: ANDROID_NS.into() });
    }
    let feature = el(
        "manifest",
        vec![attr("package", 0, "com.example.bundle", None), attr("split", 0, "maps", None)],
        vec![el(
            "application",
            vec![],
            vec![el("activity", vec![attr("name", ATTR_NAME, "com.example.bundle.maps.MapActivity", None)], vec![])],
        )],
    );
    let config = BundleConfig { bundletool: Some(Bundletool { version: "1.15.6".into() }) };
    let bundle = zip_bytes(&[
        entry("BundleConfig.pb", config.encode_to_vec()),
        entry("base/manifest/AndroidManifest.xml", root.encode_to_vec()),
        entry(
            "base/dex/classes.dex",
            dex_of(&["com.example.bundle.Main", "com.igexin.sdk.PushManager"], &["https://api.bundle-example.com/v2"]),
        ),
        stored("base/lib/arm64-v8a/libgetuiext3.so", so("libgetuiext3.so", &[])),
        entry("base/assets/endpoints.json", br#"{"telemetry": "https://telemetry.bundle-example.com/t"}"#.to_vec()),
        entry("base/root/META-INF/services/x.Y", b"x.Z\n".to_vec()),
        entry("maps/manifest/AndroidManifest.xml", feature.encode_to_vec()),
        entry(
            "maps/dex/classes.dex",
            dex_of(&["com.example.bundle.maps.MapActivity"], &["https://tiles.maps-example.com/"]),
        ),
    ])?;
    write(
        out,
        "bundle.aab",
        &bundle,
        json!({
            "kind": "aab", "package": "com.example.bundle", "version_code": 7, "version_name": "7.1",
            "permissions": ["android.permission.INTERNET", "android.permission.ACCESS_FINE_LOCATION"],
            "activities": ["com.example.bundle.Main", "com.example.bundle.maps.MapActivity"],
            "members": [["base/", "base", null], ["maps/", "module", "maps"]],
            "dex_files": ["base/dex/classes.dex", "maps/dex/classes.dex"],
            "native_libs": ["base/lib/arm64-v8a/libgetuiext3.so"],
            "hosts": ["api.bundle-example.com", "telemetry.bundle-example.com", "tiles.maps-example.com"],
            "sdks": ["getui-push"],
            "bundletool_version": "1.15.6",
            "anomalies": []
        }),
    )
}

fn sdk_jar(out: &Path) -> Res<()> {
    let bytes = jar(&[
        ("com.umeng.analytics.MobclickAgent", &["https://alog.umeng.com/app_logs"]),
        ("com.umeng.analytics.pro.Sender", &["plain text"]),
    ])?;
    write(
        out,
        "sdk.jar",
        &bytes,
        json!({
            "kind": "jar", "package": null, "version_code": null, "version_name": null, "permissions": [], "activities": [],
            "members": [], "dex_files": ["(classes)"], "classes": 2, "native_libs": [],
            "hosts": ["alog.umeng.com"], "sdks": ["umeng-analytics"], "anomalies": []
        }),
    )
}

fn sdk_aar(out: &Path) -> Res<()> {
    let manifest = br#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="cn.jpush.android">
    <uses-sdk android:minSdkVersion="19"/>
    <uses-permission android:name="android.permission.INTERNET"/>
    <application>
        <service android:name="cn.jpush.android.service.PushService" android:exported="false"/>
        <meta-data android:name="JPUSH_APPKEY" android:value="${JPUSH_APPKEY}"/>
    </application>
</manifest>
"#;
    let classes = jar(&[("cn.jpush.android.api.JPushInterface", &["https://api.jpush.cn/v3/push"])])?;
    let bytes = zip_bytes(&[
        entry("AndroidManifest.xml", manifest.to_vec()),
        entry("classes.jar", classes),
        entry("R.txt", Vec::new()),
        stored("jni/arm64-v8a/libjpush.so", so("libjpush.so", &[])),
    ])?;
    write(
        out,
        "sdk.aar",
        &bytes,
        json!({
            "kind": "aar", "package": "cn.jpush.android", "version_code": null, "version_name": null,
            "permissions": ["android.permission.INTERNET"], "activities": [],
            "members": [], "dex_files": ["classes.jar"], "classes": 1, "native_libs": ["jni/arm64-v8a/libjpush.so"],
            "hosts": ["api.jpush.cn"], "sdks": ["jpush"], "anomalies": []
        }),
    )
}

fn ipa(out: &Path) -> Res<()> {
    let app = "Payload/Demo.app/";
    let mut info = plist::Dictionary::new();
    for (k, v) in [
        ("CFBundleIdentifier", "com.example.demo"),
        ("CFBundleExecutable", "Demo"),
        ("CFBundleDisplayName", "Demo"),
        ("CFBundleShortVersionString", "2.3"),
        ("CFBundleVersion", "230"),
        ("MinimumOSVersion", "13.0"),
        ("NSCameraUsageDescription", "Scan codes"),
    ] {
        info.insert(k.into(), plist::Value::String(v.into()));
    }
    let mut url_type = plist::Dictionary::new();
    url_type.insert("CFBundleURLSchemes".into(), plist::Value::Array(vec![plist::Value::String("demoapp".into())]));
    info.insert("CFBundleURLTypes".into(), plist::Value::Array(vec![plist::Value::Dictionary(url_type)]));
    let mut ats = plist::Dictionary::new();
    ats.insert("NSAllowsArbitraryLoads".into(), plist::Value::Boolean(true));
    let mut exc = plist::Dictionary::new();
    exc.insert("legacy.demo-example.com".into(), plist::Value::Dictionary(plist::Dictionary::new()));
    ats.insert("NSExceptionDomains".into(), plist::Value::Dictionary(exc));
    info.insert("NSAppTransportSecurity".into(), plist::Value::Dictionary(ats));
    let mut binfo = Vec::new();
    plist::Value::Dictionary(info).to_writer_binary(&mut binfo)?;
    let exe = macho(
        &["/System/Library/Frameworks/UIKit.framework/UIKit", "@rpath/Tracker.framework/Tracker"],
        &["https://api.demo-example.com/v1/login"],
        "DemoAppDelegate",
        "com.example.demo",
        "ABCDE12345",
    );
    let fw = macho(
        &["/usr/lib/libSystem.B.dylib"],
        &["https://collect.tracker-example.com/e"],
        "TRKTracker",
        "com.tracker.sdk",
        "ABCDE12345",
    );
    // An SDK known by its framework name alone (its class name matches no marker).
    let sdk_fw =
        macho(&["/usr/lib/libSystem.B.dylib"], &[], "SyntheticCrashCore", "com.example.crashsdk", "ABCDE12345");
    let mut privacy = plist::Dictionary::new();
    privacy.insert("NSPrivacyTracking".into(), plist::Value::Boolean(true));
    privacy.insert(
        "NSPrivacyTrackingDomains".into(),
        plist::Value::Array(vec![plist::Value::String("ads.tracker-example.com".into())]),
    );
    let mut dt = plist::Dictionary::new();
    dt.insert("NSPrivacyCollectedDataType".into(), plist::Value::String("NSPrivacyCollectedDataTypeDeviceID".into()));
    privacy.insert("NSPrivacyCollectedDataTypes".into(), plist::Value::Array(vec![plist::Value::Dictionary(dt)]));
    let mut prov = plist::Dictionary::new();
    prov.insert("Name".into(), plist::Value::String("Demo Ad Hoc".into()));
    prov.insert("TeamName".into(), plist::Value::String("Example Apps".into()));
    prov.insert("TeamIdentifier".into(), plist::Value::Array(vec![plist::Value::String("ABCDE12345".into())]));
    prov.insert("ProvisionedDevices".into(), plist::Value::Array(vec![plist::Value::String("00008030-0001".into())]));
    let mut wrapped = vec![0x30, 0x80, 0x06, 0x09]; // looks like the start of a CMS ContentInfo
    wrapped.extend(plist_bytes(plist::Value::Dictionary(prov)));
    wrapped.extend([0, 0]);
    let bytes = zip_bytes(&[
        entry(&format!("{app}Info.plist"), binfo),
        entry(&format!("{app}Demo"), exe),
        entry(&format!("{app}embedded.mobileprovision"), wrapped),
        entry(
            &format!("{app}Frameworks/Tracker.framework/Info.plist"),
            plist_xml(&[
                ("CFBundleIdentifier", "com.tracker.sdk"),
                ("CFBundleExecutable", "Tracker"),
                ("CFBundleShortVersionString", "5.0"),
            ]),
        ),
        entry(&format!("{app}Frameworks/Tracker.framework/Tracker"), fw),
        entry(
            &format!("{app}Frameworks/Bugly.framework/Info.plist"),
            plist_xml(&[("CFBundleIdentifier", "com.example.crashsdk"), ("CFBundleExecutable", "Bugly")]),
        ),
        entry(&format!("{app}Frameworks/Bugly.framework/Bugly"), sdk_fw),
        entry(
            &format!("{app}Frameworks/Tracker.framework/PrivacyInfo.xcprivacy"),
            plist_bytes(plist::Value::Dictionary(privacy)),
        ),
    ])?;
    write(
        out,
        "app.ipa",
        &bytes,
        json!({
            "kind": "ipa", "platform": "ios", "package": "com.example.demo", "version_code": null, "version_name": "2.3",
            "permissions": [], "activities": [],
            "members": [
                ["Payload/Demo.app/Frameworks/Bugly.framework/", "framework", "team ABCDE12345"],
                ["Payload/Demo.app/Frameworks/Tracker.framework/", "framework", "team ABCDE12345"]
            ],
            "dex_files": [
                "Payload/Demo.app/Demo",
                "Payload/Demo.app/Frameworks/Bugly.framework/Bugly",
                "Payload/Demo.app/Frameworks/Tracker.framework/Tracker"
            ],
            "native_libs": [],
            "hosts": ["api.demo-example.com", "collect.tracker-example.com", "ads.tracker-example.com", "legacy.demo-example.com"],
            "sdks": ["tencent-bugly"],
            "sdk_evidence": [["tencent-bugly", "framework", "Bugly.framework", "medium"]],
            "executable": "Demo", "team_id": "ABCDE12345", "frameworks": ["Bugly.framework", "Tracker.framework"],
            "minimum_os": "13.0",
            "url_schemes": ["demoapp"], "dylibs": ["/System/Library/Frameworks/UIKit.framework/UIKit", "@rpath/Tracker.framework/Tracker"],
            "tracking_domains": ["ads.tracker-example.com"], "provision_devices": 1,
            "anomalies": []
        }),
    )
}

fn main() -> Res<()> {
    let out: PathBuf = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("corpus/containers"));
    std::fs::create_dir_all(&out)?;
    apks(&out)?;
    xapk(&out)?;
    aab(&out)?;
    sdk_jar(&out)?;
    sdk_aar(&out)?;
    ipa(&out)?;
    Ok(())
}

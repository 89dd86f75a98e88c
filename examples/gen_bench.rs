//! Deterministic generator of the large benchmark corpus.
//!
//! `cargo run --release --example gen_bench -- OUT_DIR [--count N] [--large K]`
//! writes `bench-NNN.apk` (N apps, default 200; the last K, default 4, over
//! 50 MB) into OUT_DIR, which should lie outside the repository (the harness
//! uses `~/.cache/cleanscan-bench/gen`). Same arguments, same bytes: every
//! value comes from a SplitMix64 generator seeded by the app's index.
//!
//! The bytes are written by the sample corpus's writers (`examples/gen_corpus/`:
//! zip, AXML, resources.arsc, DEX, ELF, APK Signature Scheme v2), so each app
//! is a signed APK that aapt, apksigner, dexdump and androguard accept. What
//! varies is the size: a tier decides how many `classes*.dex` (multidex up to
//! 8 files of 30k classes and 100k+ strings each), how many native libraries
//! for how many ABIs (arm64-v8a, armeabi-v7a, and x86_64/x86 made by
//! rewriting `e_machine` of the ARM images), and how many incompressible
//! media entries (stored, like PNGs; the scanner skips them). Identifiers are
//! pronounceable random words so the DEX and .so data deflate about 3:1, like
//! real code, not 100:1. DEX strings carry URLs and host names (endpoint scan
//! work) and class names under SDK prefixes from `signatures/sdks.json`
//! (fingerprint work).

#![allow(dead_code)]

#[path = "gen_corpus/arsc.rs"]
mod arsc;
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

use std::error::Error;
use std::path::PathBuf;

use crate::axml::{Elem, Val, ANDROID_NS};
use crate::elf::Abi;

const ATTR_LABEL: u32 = 0x0101_0001;
const ATTR_NAME: u32 = 0x0101_0003;
const ATTR_EXPORTED: u32 = 0x0101_0010;
const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const ATTR_VERSION_NAME: u32 = 0x0101_021c;
const ATTR_TARGET_SDK: u32 = 0x0101_0270;

/// ELF `e_machine` values for the rewritten x86 images.
const EM_386: u16 = 3;
const EM_X86_64: u16 = 62;

/// SplitMix64: tiny, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.range(0, xs.len() - 1)]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "tin", "sa", "vo", "rel", "pan", "di", "gu", "bor", "nex", "ti", "fa", "quo", "lin", "ser",
    "ma", "zu", "ko", "ran", "pe", "wi", "hol", "cha", "dro", "ne", "ul", "bi", "tor", "ga", "vel", "sin", "op",
];
const JAVA_WORDS: &[&str] = &[
    "Manager",
    "Helper",
    "Util",
    "Activity",
    "Fragment",
    "Service",
    "Adapter",
    "View",
    "Model",
    "Repository",
    "Factory",
    "Builder",
    "Impl",
    "Callback",
    "Listener",
    "Provider",
    "Cache",
    "Client",
    "Request",
    "Response",
];
const TLDS: &[&str] = &["com", "net", "org", "cn", "io", "de", "co.uk", "com.cn", "test"];

fn word(r: &mut Rng, lo: usize, hi: usize) -> String {
    let n = r.range(lo, hi);
    (0..n).map(|_| *r.pick(SYLLABLES)).collect()
}

fn class_name(r: &mut Rng, package: &str) -> String {
    let mut s = package.to_string();
    for _ in 0..r.range(0, 2) {
        s.push('.');
        s.push_str(&word(r, 1, 3));
    }
    s.push('.');
    let w = word(r, 1, 3);
    let mut cs = w.chars();
    if let Some(c) = cs.next() {
        s.extend(c.to_uppercase());
        s.push_str(cs.as_str());
    }
    s.push_str(r.pick::<&str>(JAVA_WORDS));
    if r.range(0, 4) == 0 {
        s.push_str(&format!("${}", r.range(1, 9)));
    }
    s
}

fn host(r: &mut Rng) -> String {
    format!("{}.{}.{}", r.pick(&["api", "cdn", "log", "www", "push", "m"]), word(r, 2, 3), r.pick(TLDS))
}

/// A constant string: URLs and bare host names from the app's own `hosts`, and identifiers.
fn dex_string(r: &mut Rng, hosts: &[String]) -> String {
    match r.range(0, 39) {
        0 => format!("https://{}/{}/{}?v={}", r.pick(hosts), word(r, 1, 3), word(r, 1, 2), r.range(1, 99)),
        1 => r.pick(hosts).clone(),
        2..=5 => format!("{}_{}", word(r, 1, 3).to_uppercase(), word(r, 1, 3).to_uppercase()),
        6..=9 => format!("({}){}", "Ljava/lang/String;I", r.pick(&["V", "Z", "I", "Ljava/lang/Object;"])),
        _ => {
            let mut s = word(r, 1, 3);
            s.push_str(r.pick::<&str>(JAVA_WORDS));
            s
        }
    }
}

/// SDK class prefixes from the signature database (for realistic fingerprint hits).
fn sdk_prefixes() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures/sdks.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Vec::new() };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    let mut out = Vec::new();
    for sdk in v["sdks"].as_array().into_iter().flatten() {
        for p in sdk["markers"]["class_prefixes"].as_array().into_iter().flatten() {
            if let Some(s) = p.as_str() {
                out.push(s.trim_end_matches('.').to_string());
            }
        }
    }
    out
}

/// Size tier of one app.
struct Tier {
    dex_files: usize,
    classes: (usize, usize),
    strings: (usize, usize),
    libs: usize,
    abis: usize,
    /// Bytes of .rodata strings per library.
    rodata: (usize, usize),
    media: (usize, usize),
    media_bytes: (usize, usize),
    /// Large apps store their .so page-aligned (extractNativeLibs=false).
    large: bool,
}

fn tier(index: usize, count: usize, large: usize) -> Tier {
    if index + large >= count {
        // Large: multidex, four ABIs, > 50 MB.
        Tier {
            dex_files: 5 + index % 4,
            classes: (30_000, 45_000),
            strings: (150_000, 220_000),
            libs: 4,
            abis: 4,
            rodata: (1_500_000, 2_500_000),
            media: (8, 12),
            media_bytes: (1_000_000, 2_500_000),
            large: true,
        }
    } else if index % 4 == 3 {
        // Medium.
        Tier {
            dex_files: 2 + index % 3,
            classes: (4_000, 12_000),
            strings: (15_000, 40_000),
            libs: 1 + index % 3,
            abis: 2,
            rodata: (100_000, 400_000),
            media: (2, 6),
            media_bytes: (200_000, 800_000),
            large: false,
        }
    } else {
        // Small.
        Tier {
            dex_files: 1,
            classes: (300, 2_500),
            strings: (2_000, 9_000),
            libs: index % 2,
            abis: 1 + index % 2,
            rodata: (20_000, 80_000),
            media: (1, 4),
            media_bytes: (20_000, 120_000),
            large: false,
        }
    }
}

fn patch_machine(mut so: Vec<u8>, machine: u16) -> Vec<u8> {
    so[18..20].copy_from_slice(&machine.to_le_bytes());
    so
}

fn build(index: usize, t: &Tier, prefixes: &[String], publisher: &sign::Publisher) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut r = Rng::new(index as u64);
    let package = format!("bench.{}.app{index:03}", word(&mut r, 2, 3));
    let hosts: Vec<String> = (0..r.range(20, 300)).map(|_| host(&mut r)).collect();
    let mut entries: Vec<zip::Entry> = Vec::new();

    // Manifest: a few permissions and components.
    let mut app = Elem::new("application").a("label", ATTR_LABEL, Val::Ref(arsc::APP_NAME_ID));
    let mut components = Vec::new();
    for k in 0..r.range(3, 30) {
        let kind = ["activity", "service", "receiver"][k % 3];
        let name = class_name(&mut r, &package);
        components.push(name.clone());
        app.push(Elem::new(kind).a("name", ATTR_NAME, Val::Str(name)).a("exported", ATTR_EXPORTED, Val::Bool(k == 0)));
    }
    let mut root = Elem::new("manifest")
        .a("versionCode", ATTR_VERSION_CODE, Val::Int(index as u32 + 1))
        .a("versionName", ATTR_VERSION_NAME, Val::Str(format!("1.{index}")))
        .plain("package", Val::Str(package.clone()))
        .child(Elem::new("uses-sdk").a("minSdkVersion", ATTR_MIN_SDK, Val::Int(24)).a(
            "targetSdkVersion",
            ATTR_TARGET_SDK,
            Val::Int(34),
        ));
    for p in ["INTERNET", "ACCESS_NETWORK_STATE", "CAMERA", "READ_CONTACTS", "ACCESS_FINE_LOCATION"]
        .iter()
        .take(r.range(1, 5))
    {
        root.push(Elem::new("uses-permission").a("name", ATTR_NAME, Val::Str(format!("android.permission.{p}"))));
    }
    root.push(app);
    entries.push(zip::Entry {
        name: "AndroidManifest.xml".into(),
        data: axml::encode(&root, &[("android", ANDROID_NS)], true),
        deflate: true,
        align: 0,
        method: None,
    });

    // DEX files: app classes, a handful of SDKs, strings.
    let sdk_count = if prefixes.is_empty() { 0 } else { r.range(0, 8).min(prefixes.len()) };
    let sdks: Vec<String> = (0..sdk_count).map(|_| r.pick(prefixes).clone()).collect();
    for d in 0..t.dex_files {
        let n_classes = r.range(t.classes.0, t.classes.1);
        let n_strings = r.range(t.strings.0, t.strings.1);
        let mut seen = std::collections::BTreeSet::new();
        let mut classes = Vec::with_capacity(n_classes);
        while classes.len() < n_classes {
            let base = if !sdks.is_empty() && r.range(0, 9) == 0 { r.pick(&sdks).clone() } else { package.clone() };
            let name = class_name(&mut r, &base);
            if seen.insert(name.clone()) {
                classes.push(dex::DexClass { name, superclass: "java.lang.Object".into() });
            }
        }
        let strings: Vec<String> = (0..n_strings).map(|_| dex_string(&mut r, &hosts)).collect();
        let (bytes, _) = dex::encode(35, &classes, &strings);
        let file = if d == 0 { "classes.dex".to_string() } else { format!("classes{}.dex", d + 1) };
        entries.push(zip::Entry { name: file, data: bytes, deflate: true, align: 0, method: None });
    }

    entries.push(zip::Entry {
        name: "resources.arsc".into(),
        data: arsc::encode(&arsc::Table {
            package: &package,
            label: &word(&mut r, 2, 4),
            alt_label: ("de", "App"),
            utf8: true,
        }),
        deflate: false,
        align: 4,
        method: None,
    });

    // Native libraries: the same library for each ABI (like a real build).
    let abis: [(Abi, Option<(&str, u16)>); 4] = [
        (Abi::Arm64V8a, None),
        (Abi::ArmeabiV7a, None),
        (Abi::Arm64V8a, Some(("x86_64", EM_X86_64))),
        (Abi::ArmeabiV7a, Some(("x86", EM_386))),
    ];
    // Modern apps store .so page-aligned; older ones deflate them.
    let store_libs = t.large || index % 3 != 0;
    for l in 0..t.libs {
        let name = format!("lib{}{l}.so", word(&mut r, 2, 3));
        let needed: Vec<String> = vec!["libc.so".into(), "liblog.so".into(), "libm.so".into()];
        let symbols: Vec<String> =
            (0..r.range(20, 400)).map(|_| format!("Java_{}_{}", word(&mut r, 2, 3), word(&mut r, 2, 3))).collect();
        let mut rodata = Vec::new();
        let mut size = 0;
        let target = r.range(t.rodata.0, t.rodata.1);
        while size < target {
            let s = dex_string(&mut r, &hosts);
            size += s.len() + 1;
            rodata.push(s);
        }
        for (abi, rewrite) in abis.iter().take(t.abis) {
            let so =
                elf::SharedObject { abi: *abi, soname: &name, needed: &needed, symbols: &symbols, rodata: &rodata };
            let (dir, data) = match rewrite {
                None => (abi.dir(), elf::encode(&so)),
                Some((dir, m)) => (*dir, patch_machine(elf::encode(&so), *m)),
            };
            entries.push(zip::Entry {
                name: format!("lib/{dir}/{name}"),
                data,
                deflate: !store_libs,
                align: if store_libs { 4096 } else { 0 },
                method: None,
            });
        }
    }

    // Text assets (endpoint scan) and incompressible media (skipped by the scanner).
    let config: Vec<String> =
        (0..r.range(5, 40)).map(|_| format!("\"{}\": \"https://{}/\"", word(&mut r, 1, 2), r.pick(&hosts))).collect();
    entries.push(zip::Entry {
        name: "assets/config.json".into(),
        data: format!("{{{}}}", config.join(",")).into_bytes(),
        deflate: true,
        align: 0,
        method: None,
    });
    for m in 0..r.range(t.media.0, t.media.1) {
        let n = r.range(t.media_bytes.0, t.media_bytes.1);
        entries.push(zip::Entry {
            name: format!("res/drawable/img{m}.png"),
            data: r.bytes(n),
            deflate: false,
            align: 4,
            method: None,
        });
    }
    let _ = components;

    let z = zip::write(&entries)?;
    let (apk, _cert) = sign::sign_v2(&z, publisher, &[]);
    Ok(apk)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut count = 200usize;
    let mut large = 4usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--count" => count = args.next().ok_or("--count N")?.parse()?,
            "--large" => large = args.next().ok_or("--large K")?.parse()?,
            _ if out.is_none() => out = Some(PathBuf::from(a)),
            other => return Err(format!("unexpected argument {other}").into()),
        }
    }
    let out = out.ok_or("usage: gen_bench OUT_DIR [--count N] [--large K]")?;
    let large = large.min(count);
    std::fs::create_dir_all(&out)?;
    let publisher = sign::Publisher::new(
        "cleanscan-bench-publisher",
        vec![("C".into(), "XX".into()), ("O".into(), "Bench".into()), ("CN".into(), "Bench Publisher".into())],
        0xbe_0c,
    )?;
    let prefixes = sdk_prefixes();
    let mut total = 0u64;
    for i in 0..count {
        let path = out.join(format!("bench-{i:03}.apk"));
        let t = tier(i, count, large);
        let apk = build(i, &t, &prefixes, &publisher)?;
        total += apk.len() as u64;
        std::fs::write(&path, &apk)?;
        if t.large || i % 25 == 0 {
            eprintln!("{} {:>10} bytes", path.display(), apk.len());
        }
    }
    eprintln!("{count} APKs, {:.1} MB in {}", total as f64 / 1e6, out.display());
    Ok(())
}

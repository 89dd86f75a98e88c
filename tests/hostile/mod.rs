//! The hostile corpus, generated in memory: every zip, AXML and ARSC trick of
//! issue 5 (reference/crates-and-formats.md §4.1, §4.4), bombs and limits,
//! each with the outcome cleanscan must give. `tests/hostile.rs` runs them;
//! `truncations` cuts a clean app at every structure boundary.
//!
//! The AXML, ARSC and DEX writers are the corpus generator's
//! (examples/gen_corpus); the zip writer here gives control over every
//! header field, which is what the tricks need.

#![allow(dead_code)]

use std::io::Write;

use crate::axml::{self, Elem, Val, ANDROID_NS};
use crate::{arsc, dex};

pub const PACKAGE: &str = "org.hostile.sample";
pub const LABEL: &str = "Hostile Sample";

// ---------------------------------------------------------------- zip writer

/// One entry, with every field the tricks tamper with.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    /// Bytes as stored in the archive (already deflated when `method` says so).
    pub payload: Vec<u8>,
    /// The content's CRC-32 and size.
    pub crc: u32,
    pub size: u32,
    /// Central directory method; the local header's unless `local_method` is set.
    pub method: u16,
    pub flags: u16,
    pub local_method: Option<u16>,
    pub local_name: Option<Vec<u8>>,
    /// Local header (crc, compressed, uncompressed) when they should differ.
    pub local_sizes: Option<(u32, u32, u32)>,
    /// Central directory uncompressed size when it should lie.
    pub cd_size: Option<u32>,
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(9));
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

impl Entry {
    pub fn stored(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.as_bytes().to_vec(),
            payload: data.to_vec(),
            crc: crc32(data),
            size: data.len() as u32,
            method: 0,
            flags: 0,
            local_method: None,
            local_name: None,
            local_sizes: None,
            cd_size: None,
        }
    }

    pub fn deflated(name: &str, data: &[u8]) -> Entry {
        Entry { payload: deflate(data), method: 8, ..Entry::stored(name, data) }
    }
}

/// A zip under construction: the tricks edit `entries`, `comment`, `prefix`.
#[derive(Clone, Debug, Default)]
pub struct Zip {
    pub entries: Vec<Entry>,
    pub comment: Vec<u8>,
    /// Bytes before the first local header (offsets are shifted to match,
    /// as Janus-style files do).
    pub prefix: Vec<u8>,
    /// Bytes between the central directory and the EOCD.
    pub gap: Vec<u8>,
    /// Added to the EOCD's central directory size.
    pub cd_size_delta: i64,
    /// EOCD entry count override.
    pub eocd_count: Option<u16>,
    /// Junk appended to the central directory (counted in its size).
    pub cd_junk: Vec<u8>,
    /// Bytes between the last entry's data and the central directory (an APK Signing Block).
    pub before_cd: Vec<u8>,
}

/// Offsets of every structure in a written zip (for truncation tests).
#[derive(Debug, Default)]
pub struct Layout {
    pub local_headers: Vec<usize>,
    pub data_starts: Vec<usize>,
    pub data_ends: Vec<usize>,
    pub cd_start: usize,
    pub cd_headers: Vec<usize>,
    pub eocd: usize,
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl Zip {
    pub fn write(&self) -> Vec<u8> {
        self.write_with_layout().0
    }

    pub fn write_with_layout(&self) -> (Vec<u8>, Layout) {
        let mut out = self.prefix.clone();
        let mut lay = Layout::default();
        let mut cd = Vec::new();
        for e in &self.entries {
            let off = out.len();
            lay.local_headers.push(off);
            let (lcrc, lcsize, lusize) = e.local_sizes.unwrap_or((e.crc, e.payload.len() as u32, e.size));
            let lname = e.local_name.as_ref().unwrap_or(&e.name);
            put32(&mut out, 0x0403_4b50);
            put16(&mut out, 20);
            put16(&mut out, e.flags);
            put16(&mut out, e.local_method.unwrap_or(e.method));
            put32(&mut out, 0);
            put32(&mut out, lcrc);
            put32(&mut out, lcsize);
            put32(&mut out, lusize);
            put16(&mut out, lname.len() as u16);
            put16(&mut out, 0);
            out.extend_from_slice(lname);
            lay.data_starts.push(out.len());
            out.extend_from_slice(&e.payload);
            lay.data_ends.push(out.len());
            lay.cd_headers.push(cd.len());
            put32(&mut cd, 0x0201_4b50);
            put16(&mut cd, 20);
            put16(&mut cd, 20);
            put16(&mut cd, e.flags);
            put16(&mut cd, e.method);
            put32(&mut cd, 0);
            put32(&mut cd, e.crc);
            put32(&mut cd, e.payload.len() as u32);
            put32(&mut cd, e.cd_size.unwrap_or(e.size));
            put16(&mut cd, e.name.len() as u16);
            put16(&mut cd, 0);
            put16(&mut cd, 0);
            put16(&mut cd, 0);
            put16(&mut cd, 0);
            put32(&mut cd, 0);
            put32(&mut cd, off as u32);
            cd.extend_from_slice(&e.name);
        }
        out.extend_from_slice(&self.before_cd);
        cd.extend_from_slice(&self.cd_junk);
        let cd_off = out.len();
        lay.cd_start = cd_off;
        for h in &mut lay.cd_headers {
            *h += cd_off;
        }
        out.extend_from_slice(&cd);
        out.extend_from_slice(&self.gap);
        lay.eocd = out.len();
        let n = self.eocd_count.unwrap_or(self.entries.len() as u16);
        put32(&mut out, 0x0605_4b50);
        put32(&mut out, 0);
        put16(&mut out, n);
        put16(&mut out, n);
        put32(&mut out, (cd.len() as i64 + self.cd_size_delta) as u32);
        put32(&mut out, cd_off as u32);
        put16(&mut out, self.comment.len() as u16);
        out.extend_from_slice(&self.comment);
        (out, lay)
    }

    pub fn entry_mut(&mut self, name: &str) -> &mut Entry {
        self.entries.iter_mut().find(|e| e.name == name.as_bytes()).expect("entry")
    }
}

// ------------------------------------------------------------ app contents

pub fn manifest_elem(package: &str, obfuscate_names: bool) -> Elem {
    // Framework attributes are matched by resource id; the obfuscated variant
    // gives them meaningless name strings, as protectors do.
    let n = |real: &'static str, fake: &'static str| if obfuscate_names { fake } else { real };
    let mut m = Elem::new("manifest")
        .a(n("versionCode", "\u{200b}a"), 0x0101_021b, Val::Int(7))
        .a(n("versionName", "\u{200b}b"), 0x0101_021c, Val::Str("7.0".into()))
        .plain("package", Val::Str(package.into()));
    m.push(Elem::new("uses-sdk").a(n("minSdkVersion", "\u{200b}c"), 0x0101_020c, Val::Int(21)).a(
        n("targetSdkVersion", "\u{200b}d"),
        0x0101_0270,
        Val::Int(34),
    ));
    m.push(Elem::new("uses-permission").a(
        n("name", "\u{200b}e"),
        0x0101_0003,
        Val::Str("android.permission.INTERNET".into()),
    ));
    m.push(Elem::new("application").a(n("label", "\u{200b}f"), 0x0101_0001, Val::Ref(arsc::APP_NAME_ID)).child(
        Elem::new("activity").a(n("name", "\u{200b}e"), 0x0101_0003, Val::Str(".MainActivity".into())).a(
            n("exported", "\u{200b}g"),
            0x0101_0010,
            Val::Bool(true),
        ),
    ));
    m
}

pub fn manifest_bytes() -> Vec<u8> {
    axml::encode(&manifest_elem(PACKAGE, false), &[("android", ANDROID_NS)], false)
}

pub fn arsc_bytes() -> Vec<u8> {
    arsc::encode(&arsc::Table { package: PACKAGE, label: LABEL, alt_label: ("fr", "Échantillon"), utf8: false })
}

pub fn dex_bytes() -> Vec<u8> {
    let classes =
        [dex::DexClass { name: format!("{PACKAGE}.MainActivity"), superclass: "android.app.Activity".into() }];
    dex::encode(35, &classes, &["https://api.hostile.example/v1".to_string()]).0
}

/// The clean app every trick starts from.
pub fn base() -> Zip {
    Zip {
        entries: vec![
            Entry::deflated("AndroidManifest.xml", &manifest_bytes()),
            Entry::stored("resources.arsc", &arsc_bytes()),
            Entry::deflated("classes.dex", &dex_bytes()),
            Entry::deflated("assets/config.json", br#"{"endpoint":"https://cfg.hostile.example/x"}"#),
        ],
        ..Zip::default()
    }
}

/// `head`, then `sections` JAR sections, each naming an entry the APK lacks.
fn jar_sections(head: &[u8], sections: usize) -> Vec<u8> {
    let mut out = head.to_vec();
    for i in 0..sections {
        out.extend_from_slice(
            format!("Name: absent/{i}.png\r\nSHA-256-Digest: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\r\n\r\n")
                .as_bytes(),
        );
    }
    out
}

/// The clean app with v1 files: `META-INF/MANIFEST.MF`, `META-INF/CERT.SF`
/// and a signature block that is not valid.
fn with_v1_files(mf: &[u8], sf: &[u8]) -> Zip {
    let mut z = base();
    z.entries.push(Entry::deflated("META-INF/MANIFEST.MF", mf));
    z.entries.push(Entry::deflated("META-INF/CERT.SF", sf));
    z.entries.push(Entry::deflated("META-INF/CERT.RSA", b"0"));
    z
}

/// The clean app with a v1 manifest of `sections` sections, each naming an
/// entry the APK lacks (`.SF` and signature block present, not valid).
pub fn naming_absent_entries(sections: usize) -> Zip {
    with_v1_files(&jar_sections(b"Manifest-Version: 1.0\r\n\r\n", sections), b"Signature-Version: 1.0\r\n\r\n")
}

/// The clean app with a `.SF` of `sections` sections (about 89 bytes each
/// inflated); its manifest has a main section only, and its signature block
/// is not valid, so the `.SF` is read and the block then refused.
pub fn large_sf(sections: usize) -> Zip {
    with_v1_files(b"Manifest-Version: 1.0\r\n\r\n", &jar_sections(b"Signature-Version: 1.0\r\n\r\n", sections))
}

/// A zip with a replaced manifest (the AXML tricks).
pub fn with_manifest(axml: Vec<u8>) -> Vec<u8> {
    let mut z = base();
    *z.entry_mut("AndroidManifest.xml") = Entry::deflated("AndroidManifest.xml", &axml);
    z.write()
}

pub fn with_arsc(table: Vec<u8>) -> Vec<u8> {
    let mut z = base();
    *z.entry_mut("resources.arsc") = Entry::stored("resources.arsc", &table);
    z.write()
}

// ------------------------------------------------------------ chunk editing

/// A resource chunk: (type, header size, whole chunk bytes).
#[derive(Clone, Debug)]
pub struct Chunk {
    pub ty: u16,
    pub header: u16,
    pub bytes: Vec<u8>,
}

/// Splits a document's body (after its 8-byte header) into chunks.
pub fn chunks(doc: &[u8]) -> Vec<Chunk> {
    let hs = u16::from_le_bytes([doc[2], doc[3]]) as usize;
    let mut out = Vec::new();
    let mut p = hs;
    while p + 8 <= doc.len() {
        let ty = u16::from_le_bytes([doc[p], doc[p + 1]]);
        let header = u16::from_le_bytes([doc[p + 2], doc[p + 3]]);
        let size = u32::from_le_bytes([doc[p + 4], doc[p + 5], doc[p + 6], doc[p + 7]]) as usize;
        out.push(Chunk { ty, header, bytes: doc[p..p + size].to_vec() });
        p += size;
    }
    out
}

/// Joins chunks under a document header of `ty` (size field fixed).
pub fn join(ty: u16, header: &[u8], chunks: &[Chunk]) -> Vec<u8> {
    let mut out = header.to_vec();
    out[0..2].copy_from_slice(&ty.to_le_bytes());
    for c in chunks {
        out.extend_from_slice(&c.bytes);
    }
    let n = out.len() as u32;
    out[4..8].copy_from_slice(&n.to_le_bytes());
    out
}

fn set_chunk_size(c: &mut Chunk) {
    let n = c.bytes.len() as u32;
    c.bytes[4..8].copy_from_slice(&n.to_le_bytes());
}

pub const XML_START_NS: u16 = 0x0100;
pub const XML_END_NS: u16 = 0x0101;
pub const XML_START_ELEMENT: u16 = 0x0102;
pub const XML_END_ELEMENT: u16 = 0x0103;

/// AXML tricks on the clean manifest.
pub fn axml_trick(trick: &str) -> Vec<u8> {
    let doc = manifest_bytes();
    let header = doc[..8].to_vec();
    let mut cs = chunks(&doc);
    match trick {
        "bad-top-chunk-type" => return join(0x0000, &header, &cs),
        "bad-document-size" => {
            let mut d = join(0x0003, &header, &cs);
            d[4..8].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
            return d;
        }
        "string-count-tampered" => {
            // stringCount far beyond what the offsets array can hold.
            let pool = cs.iter_mut().find(|c| c.ty == 0x0001).expect("pool");
            pool.bytes[8..12].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
        }
        "junk-chunk-between-nodes" => {
            let at = cs.iter().position(|c| c.ty == XML_START_ELEMENT).expect("element") + 1;
            // A node-sized header (Android validates 16 bytes, then skips the unknown type).
            let junk =
                Chunk { ty: 0x0777, header: 16, bytes: [&[0x77, 0x07, 16, 0, 24, 0, 0, 0][..], &[0xee; 16]].concat() };
            cs.insert(at, junk);
        }
        "junk-chunk-before-pool" => {
            let junk =
                Chunk { ty: 0x0666, header: 8, bytes: [&[0x66, 0x06, 8, 0, 16, 0, 0, 0][..], &[0xdd; 8]].concat() };
            cs.insert(0, junk);
        }
        "node-header-size-0x18" => {
            // Every node header grows by 8 bytes; Android honours headerSize.
            for c in cs.iter_mut().filter(|c| (0x0100..=0x0104).contains(&c.ty)) {
                c.bytes.splice(16..16, [0xab; 8]);
                c.bytes[2..4].copy_from_slice(&0x18u16.to_le_bytes());
                set_chunk_size(c);
            }
        }
        "attribute-layout-0x18" => {
            // attributeStart 0x1c and attributeSize 0x18: padding a fixed-stride reader misreads.
            for c in cs.iter_mut().filter(|c| c.ty == XML_START_ELEMENT) {
                let ext = 16;
                let count = u16::from_le_bytes([c.bytes[ext + 12], c.bytes[ext + 13]]) as usize;
                let attrs: Vec<Vec<u8>> =
                    (0..count).map(|i| c.bytes[ext + 20 + 20 * i..ext + 40 + 20 * i].to_vec()).collect();
                let mut body = c.bytes[..ext + 20].to_vec();
                body[ext + 8..ext + 10].copy_from_slice(&0x1cu16.to_le_bytes());
                body[ext + 10..ext + 12].copy_from_slice(&0x18u16.to_le_bytes());
                body.extend_from_slice(&[0xcd; 8]);
                for a in attrs {
                    body.extend_from_slice(&a);
                    body.extend_from_slice(&[0xcd; 4]);
                }
                c.bytes = body;
                set_chunk_size(c);
            }
        }
        "zero-size-end-namespace" => {
            let c = cs.iter_mut().rev().find(|c| c.ty == XML_END_NS).expect("end ns");
            c.bytes[4..8].copy_from_slice(&0u32.to_le_bytes());
            c.bytes.truncate(8);
        }
        "unclosed-elements" => {
            // The document ends without closing its last elements (Android
            // reaches END_DOCUMENT and keeps what it read).
            let last_start = cs.iter().rposition(|c| c.ty == XML_START_ELEMENT).expect("element");
            let mut i = 0;
            cs.retain(|c| {
                i += 1;
                i <= last_start + 1 || (c.ty != XML_END_ELEMENT && c.ty != XML_END_NS)
            });
        }
        "trailing-bytes-in-element" => {
            for c in cs.iter_mut().filter(|c| c.ty == XML_START_ELEMENT) {
                c.bytes.extend_from_slice(&[0xfe; 12]);
                set_chunk_size(c);
            }
        }
        "string-offset-out-of-bounds" => {
            // The last string offset points far past the pool.
            let pool = cs.iter_mut().find(|c| c.ty == 0x0001).expect("pool");
            let count = u32::from_le_bytes(pool.bytes[8..12].try_into().unwrap()) as usize;
            let at = 0x1c + 4 * (count - 1);
            pool.bytes[at..at + 4].copy_from_slice(&0x0fff_fff0u32.to_le_bytes());
        }
        "obfuscated-attribute-names" => {
            return axml::encode(&manifest_elem(PACKAGE, true), &[("android", ANDROID_NS)], false);
        }
        "bogus-namespace-uri" => {
            return axml::encode(&manifest_elem(PACKAGE, false), &[("android", "http://bogus.example/ns")], false);
        }
        "utf8-pool" => return axml::encode(&manifest_elem(PACKAGE, false), &[("android", ANDROID_NS)], true),
        other => panic!("unknown AXML trick {other}"),
    }
    join(0x0003, &header, &cs)
}

/// ARSC tricks on the clean table.
pub fn arsc_trick(trick: &str) -> Vec<u8> {
    let doc = arsc_bytes();
    let header = doc[..12].to_vec();
    let mut cs = chunks(&doc);
    match trick {
        "junk-chunk-before-pool" => {
            let junk =
                Chunk { ty: 0x0555, header: 8, bytes: [&[0x55, 0x05, 8, 0, 16, 0, 0, 0][..], &[0xaa; 8]].concat() };
            cs.insert(0, junk);
        }
        "string-count-tampered" => {
            let pool = cs.iter_mut().find(|c| c.ty == 0x0001).expect("pool");
            pool.bytes[8..12].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
        }
        "bad-top-chunk-type" => return join(0x0009, &header, &cs),
        "extra-package-count" => {
            let mut d = join(0x0002, &header, &cs);
            d[8..12].copy_from_slice(&9u32.to_le_bytes());
            return d;
        }
        other => panic!("unknown ARSC trick {other}"),
    }
    join(0x0002, &header, &cs)
}

// ------------------------------------------------------------ the cases

/// What cleanscan must say about a case.
#[derive(Debug, Default)]
pub struct Expect {
    /// The package decoded (None: no manifest expected).
    pub package: Option<&'static str>,
    /// The label resolved through resources.arsc.
    pub label: Option<&'static str>,
    /// Anomaly ids that must be reported.
    pub anomalies: Vec<&'static str>,
    /// Anomaly ids that must not be reported.
    pub not_anomalies: Vec<&'static str>,
    /// Error record stages that must be present.
    pub error_stages: Vec<&'static str>,
    /// A message fragment one error record must carry.
    pub error_contains: Option<&'static str>,
    /// No error record at all.
    pub no_errors: bool,
}

pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub limits: cleanscan::container::Limits,
    pub expect: Expect,
}

fn ok(anomalies: &[&'static str]) -> Expect {
    Expect { package: Some(PACKAGE), anomalies: anomalies.to_vec(), ..Expect::default() }
}

fn case(name: &'static str, bytes: Vec<u8>, expect: Expect) -> Case {
    Case { name, bytes, limits: cleanscan::container::Limits::default(), expect }
}

/// An EOCD record (no comment) for a directory at `cd_off` of `cd_len` bytes.
fn eocd(count: u16, cd_len: u32, cd_off: u32, comment_len: u16) -> Vec<u8> {
    let mut v = Vec::new();
    put32(&mut v, 0x0605_4b50);
    put32(&mut v, 0);
    put16(&mut v, count);
    put16(&mut v, count);
    put32(&mut v, cd_len);
    put32(&mut v, cd_off);
    put16(&mut v, comment_len);
    v
}

pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let clean = base().write();
    v.push(case("clean", clean.clone(), Expect { label: Some(LABEL), no_errors: true, ..ok(&[]) }));

    // ---- zip: the central directory is the authority
    let mut z = base();
    z.entry_mut("AndroidManifest.xml").method = 0x1234;
    z.entry_mut("AndroidManifest.xml").payload = manifest_bytes();
    z.entry_mut("AndroidManifest.xml").local_method = Some(0x1234);
    v.push(case("zip-unknown-method-stored-data", z.write(), ok(&["zip-unknown-compression-method"])));

    let mut z = base();
    // Deflated bytes under an unknown method whose sizes differ (DEFLATED_TAMPERED).
    z.entry_mut("AndroidManifest.xml").method = 0x63;
    v.push(case(
        "zip-unknown-method-deflated-data",
        z.write(),
        ok(&["zip-unknown-compression-method", "zip-deflated-under-unknown-method"]),
    ));

    let mut z = base();
    // BadPack: the local header's method and sizes are garbage; Android trusts the CD.
    let e = z.entry_mut("AndroidManifest.xml");
    e.local_method = Some(0x0c0c);
    e.local_sizes = Some((0xdead_beef, 1, 0x7fff_ffff));
    v.push(case(
        "zip-badpack-local-header",
        z.write(),
        ok(&["zip-local-method-mismatch", "zip-local-header-mismatch"]),
    ));

    let mut z = base();
    z.entry_mut("classes.dex").local_name = Some(b"classes.de_".to_vec());
    v.push(case("zip-local-name-mismatch", z.write(), ok(&["zip-local-name-mismatch"])));

    let mut z = base();
    // Data descriptor: the local sizes are zero and are not compared (Android neither).
    let e = z.entry_mut("AndroidManifest.xml");
    e.flags = 0x0008;
    e.local_sizes = Some((0, 0, 0));
    v.push(case(
        "zip-data-descriptor",
        z.write(),
        Expect { not_anomalies: vec!["zip-local-header-mismatch"], no_errors: true, ..ok(&[]) },
    ));

    // An EOCD inside the comment: the one closest to the end wins (here a
    // consistent copy, so Android and cleanscan read the same directory).
    let mut z = base();
    let (plain, lay) = base().write_with_layout();
    let cd_len = (lay.eocd - lay.cd_start) as u32;
    z.comment = eocd(z.entries.len() as u16, cd_len, lay.cd_start as u32, 0);
    let bytes = z.write();
    assert_eq!(&bytes[..lay.eocd], &plain[..lay.eocd]);
    v.push(case("zip-eocd-in-comment", bytes, ok(&["zip-multiple-eocd"])));

    // A second EOCD in the comment pointing at nothing valid: Android takes
    // it and refuses the archive; cleanscan recovers the entries, loudly.
    let mut z = base();
    z.comment = eocd(3, 0x00ff_0000, 0, 0);
    v.push(case(
        "zip-bogus-eocd-in-comment",
        z.write(),
        Expect { error_stages: vec!["container"], ..ok(&["zip-multiple-eocd", "zip-central-directory-unreadable"]) },
    ));

    let mut z = base();
    let mut dup = Entry::deflated(
        "AndroidManifest.xml",
        &axml::encode(&manifest_elem("org.evil.other", false), &[("android", ANDROID_NS)], false),
    );
    dup.name = b"AndroidManifest.xml".to_vec();
    z.entries.push(dup);
    v.push(case(
        "zip-duplicate-entry",
        z.write(),
        Expect { error_stages: vec!["container"], error_contains: Some("duplicate"), ..ok(&["zip-duplicate-entry"]) },
    ));

    let mut z = base();
    z.prefix = dex_bytes();
    v.push(case("zip-prefixed-dex-janus", z.write(), ok(&["zip-prefixed-data"])));

    let mut z = base();
    z.cd_size_delta = 1;
    v.push(case(
        "zip-cd-runs-past-eocd",
        z.write(),
        Expect {
            error_stages: vec!["container"],
            error_contains: Some("refuses"),
            ..ok(&["zip-central-directory-unreadable"])
        },
    ));

    let (bytes, lay) = base().write_with_layout();
    v.push(case(
        "zip-no-central-directory",
        bytes[..lay.cd_start].to_vec(),
        Expect { error_stages: vec!["container"], ..ok(&["zip-central-directory-unreadable"]) },
    ));

    let mut z = base();
    z.entry_mut("classes.dex").crc ^= 1;
    v.push(case("zip-crc-mismatch", z.write(), ok(&["zip-crc-mismatch"])));

    let mut z = base();
    z.eocd_count = Some(9);
    v.push(case("zip-entry-count-mismatch", z.write(), ok(&["zip-entry-count-mismatch"])));

    let mut z = base();
    z.entry_mut("assets/config.json").flags = 0x0001;
    v.push(case("zip-encrypted-flag", z.write(), ok(&["zip-encrypted-flag"])));

    let mut z = base();
    z.entries.push(Entry::stored("", b"x"));
    v.push(case("zip-empty-name", z.write(), ok(&["zip-empty-name"])));

    let mut z = base();
    z.entries.push(Entry::stored("assets/\u{0}\u{ff}", b"x"));
    z.entries.last_mut().expect("e").name = b"assets/\xff\xfe.bin".to_vec();
    v.push(case("zip-non-utf8-name", z.write(), ok(&["zip-non-utf8-name"])));

    let mut z = base();
    z.cd_junk = vec![0x42; 40];
    v.push(case("zip-central-directory-junk", z.write(), ok(&["zip-central-directory-junk"])));

    let mut z = base();
    z.gap = vec![0; 17];
    v.push(case("zip-gap-before-eocd", z.write(), ok(&["zip-gap-before-eocd"])));

    let mut z = base();
    z.comment = b"trailing".to_vec();
    let mut bytes = z.write();
    bytes.truncate(bytes.len() - 3);
    v.push(case("zip-comment-length-wrong", bytes, ok(&["zip-eocd-comment-length"])));

    // ---- AXML tricks Android tolerates
    let axml_cases: [(&'static str, &'static str, &[&'static str]); 13] = [
        ("axml-bad-top-chunk-type", "bad-top-chunk-type", &["axml-bad-top-chunk-type"]),
        ("axml-bad-document-size", "bad-document-size", &["axml-bad-document-size"]),
        ("axml-string-count-tampered", "string-count-tampered", &["axml-string-count-tampered"]),
        ("axml-junk-chunk-between-nodes", "junk-chunk-between-nodes", &["axml-unknown-chunk"]),
        ("axml-junk-chunk-before-pool", "junk-chunk-before-pool", &["axml-unknown-chunk"]),
        ("axml-node-header-size-0x18", "node-header-size-0x18", &["axml-nonstandard-node-header"]),
        ("axml-attribute-layout-0x18", "attribute-layout-0x18", &["axml-nonstandard-attribute-layout"]),
        ("axml-zero-size-end-namespace", "zero-size-end-namespace", &["axml-zero-size-end-namespace"]),
        ("axml-unclosed-elements", "unclosed-elements", &["axml-unclosed-element"]),
        ("axml-trailing-bytes-in-element", "trailing-bytes-in-element", &[]),
        ("axml-string-offset-out-of-bounds", "string-offset-out-of-bounds", &["axml-string-out-of-bounds"]),
        ("axml-obfuscated-attribute-names", "obfuscated-attribute-names", &["manifest-attribute-name-mismatch"]),
        ("axml-utf8-pool", "utf8-pool", &[]),
    ];
    for (name, trick, ids) in axml_cases {
        v.push(case(name, with_manifest(axml_trick(trick)), Expect { label: Some(LABEL), ..ok(ids) }));
    }
    // Framework attributes are matched by resource id whatever the namespace URI says.
    v.push(case("axml-bogus-namespace-uri", with_manifest(axml_trick("bogus-namespace-uri")), ok(&[])));

    // ---- ARSC tricks
    let arsc_cases: [(&'static str, &'static str, &[&'static str], Option<&'static str>); 4] = [
        ("arsc-junk-chunk-before-pool", "junk-chunk-before-pool", &["arsc-unknown-chunk"], Some(LABEL)),
        ("arsc-string-count-tampered", "string-count-tampered", &["arsc-string-count-tampered"], None),
        ("arsc-bad-top-chunk-type", "bad-top-chunk-type", &["arsc-bad-top-chunk-type"], Some(LABEL)),
        ("arsc-extra-package-count", "extra-package-count", &[], Some(LABEL)),
    ];
    for (name, trick, ids, label) in arsc_cases {
        v.push(case(name, with_arsc(arsc_trick(trick)), Expect { label, ..ok(ids) }));
    }

    // ---- DEX / ELF / signing block
    let mut d = dex_bytes();
    d[0x38..0x3c].copy_from_slice(&0x3b9a_ca00u32.to_le_bytes()); // string_ids_size = 1,000,000,000
    let mut z = base();
    *z.entry_mut("classes.dex") = Entry::deflated("classes.dex", &d);
    v.push(case("dex-billion-strings", z.write(), ok(&["dex-section-out-of-bounds"])));

    let mut z = base();
    z.entries
        .push(Entry::deflated("lib/arm64-v8a/libbroken.so", b"\x7fELF\x02\x01\x01\0garbage that is not an ELF at all"));
    v.push(case("elf-garbage", z.write(), Expect { error_stages: vec!["native"], ..ok(&[]) }));

    let mut z = base();
    // A signing block whose two size fields disagree.
    let mut blk = Vec::new();
    blk.extend_from_slice(&40u64.to_le_bytes());
    blk.extend_from_slice(&12u64.to_le_bytes());
    blk.extend_from_slice(&0x7109_871au32.to_le_bytes());
    blk.extend_from_slice(&[0; 4]);
    blk.extend_from_slice(&99u64.to_le_bytes());
    blk.extend_from_slice(b"APK Sig Block 42");
    z.before_cd = blk;
    v.push(case("sigblock-size-mismatch", z.write(), ok(&[])));

    // ---- bombs and limits
    let mut z = base();
    let zeros = vec![0u8; 64 << 20];
    let mut bomb = Entry::deflated("classes.dex", &zeros);
    bomb.cd_size = Some(1000); // lies about its size
    *z.entry_mut("classes.dex") = bomb;
    v.push(case(
        "bomb-entry-lies-about-size",
        z.write(),
        Expect { error_stages: vec!["dex"], error_contains: Some("compression ratio"), ..ok(&[]) },
    ));

    let mut z = base();
    let chunk = vec![b'a'; 3 << 20];
    for i in 0..8 {
        z.entries.push(Entry::deflated(&format!("assets/part{i}.txt"), &chunk));
    }
    let mut c = case(
        "bomb-app-budget",
        z.write(),
        Expect { error_stages: vec!["asset"], error_contains: Some("inflate budget"), ..ok(&[]) },
    );
    c.limits.max_app_bytes = 10 << 20;
    v.push(c);

    // Overlapping entries (every CD record points at the same local data).
    let mut z = base();
    for i in 0..500 {
        z.entries.push(Entry::deflated(&format!("assets/o{i}.json"), &chunk[..1 << 20]));
    }
    let (mut bytes, lay) = z.write_with_layout();
    let first = lay.local_headers[4] as u32;
    for h in &lay.cd_headers[5..] {
        bytes[h + 42..h + 46].copy_from_slice(&first.to_le_bytes());
    }
    let mut c = case("bomb-overlapping-entries", bytes, ok(&["zip-local-name-mismatch"]));
    c.limits.max_app_bytes = 64 << 20;
    c.expect.error_contains = Some("inflate budget");
    v.push(c);

    // Nested archives deeper than the limit.
    let inner = Zip { entries: vec![Entry::deflated("classes.dex", &dex_bytes())], ..Zip::default() }.write();
    let mut nested = inner;
    for _ in 0..5 {
        nested = Zip { entries: vec![Entry::stored("inner.jar", &nested)], ..Zip::default() }.write();
    }
    let mut z = base();
    z.entries.push(Entry::stored("assets/deep.jar", &nested));
    // A stored nested zip's EOCD is not a second EOCD of the app.
    v.push(case(
        "nesting-depth",
        z.write(),
        Expect { no_errors: true, not_anomalies: vec!["zip-multiple-eocd"], ..ok(&[]) },
    ));

    let mut c = case(
        "limit-entries",
        base().write(),
        Expect {
            package: None,
            error_stages: vec!["container"],
            error_contains: Some("zip entries"),
            ..Expect::default()
        },
    );
    c.limits.max_entries = 2;
    v.push(c);

    let mut c = case(
        "limit-dex-tables",
        base().write(),
        Expect { error_stages: vec!["limits"], error_contains: Some("DEX tables"), ..ok(&[]) },
    );
    c.limits.max_dex_table_entries = 2;
    v.push(c);

    let mut c = case(
        "limit-file-size",
        base().write(),
        Expect { package: None, error_stages: vec!["input"], ..Expect::default() },
    );
    c.limits.max_file_bytes = 100;
    v.push(c);

    // Not a zip at all, and nothing.
    v.push(case(
        "random-bytes",
        (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
        Expect { package: None, error_stages: vec!["input"], ..Expect::default() },
    ));
    v.push(case("empty-file", Vec::new(), Expect { package: None, error_stages: vec!["input"], ..Expect::default() }));
    v
}

/// Every structure boundary of the clean app (and ±1 around it).
pub fn boundaries(lay: &Layout, len: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let points = lay
        .local_headers
        .iter()
        .chain(&lay.data_starts)
        .chain(&lay.data_ends)
        .chain(&lay.cd_headers)
        .chain([&lay.cd_start, &lay.eocd]);
    for &p in points {
        for d in [0isize, 1, -1, 30] {
            let c = p as isize + d;
            if c >= 0 && (c as usize) < len {
                cuts.push(c as usize);
            }
        }
    }
    cuts.push(len - 1);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Chunk boundaries inside a resource document (every chunk start and end,
/// and inside each chunk header).
pub fn chunk_boundaries(doc: &[u8]) -> Vec<usize> {
    let hs = u16::from_le_bytes([doc[2], doc[3]]) as usize;
    let mut cuts = vec![0, 4, 8, hs];
    let mut p = hs;
    while p + 8 <= doc.len() {
        let size = u32::from_le_bytes(doc[p + 4..p + 8].try_into().unwrap()) as usize;
        let header = u16::from_le_bytes([doc[p + 2], doc[p + 3]]) as usize;
        cuts.extend([p, p + 2, p + 4, p + 8, p + header]);
        if size == 0 {
            break;
        }
        p += size;
    }
    cuts.push(doc.len() - 1);
    cuts.retain(|&c| c < doc.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

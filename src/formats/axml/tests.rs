#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]
//! Hand-made AXML documents built by `Builder` (test-only).

use super::*;

/// Builds an AXML document chunk by chunk.
pub(crate) struct Builder {
    pub strings: Vec<String>,
    pub utf8: bool,
    pub res_ids: Vec<u32>,
    pub nodes: Vec<Vec<u8>>,
    pub top_type: u16,
}

pub(crate) fn pool_chunk(strings: &[String], utf8: bool) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for s in strings {
        offsets.push(data.len() as u32);
        if utf8 {
            let n16 = s.encode_utf16().count();
            assert!(n16 < 0x80 && s.len() < 0x80);
            data.push(n16 as u8);
            data.push(s.len() as u8);
            data.extend_from_slice(s.as_bytes());
            data.push(0);
        } else {
            let units: Vec<u16> = s.encode_utf16().collect();
            if units.len() >= 0x8000 {
                data.extend_from_slice(&((0x8000 | (units.len() >> 16)) as u16).to_le_bytes());
                data.extend_from_slice(&((units.len() & 0xffff) as u16).to_le_bytes());
            } else {
                data.extend_from_slice(&(units.len() as u16).to_le_bytes());
            }
            for u in units {
                data.extend_from_slice(&u.to_le_bytes());
            }
            data.extend_from_slice(&[0, 0]);
        }
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let strings_start = 0x1c + 4 * strings.len();
    let size = strings_start + data.len();
    let mut c = Vec::new();
    c.extend_from_slice(&RES_STRING_POOL_TYPE.to_le_bytes());
    c.extend_from_slice(&0x1cu16.to_le_bytes());
    c.extend_from_slice(&(size as u32).to_le_bytes());
    c.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    c.extend_from_slice(&(if utf8 { pool::UTF8_FLAG } else { 0 }).to_le_bytes());
    c.extend_from_slice(&(strings_start as u32).to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    for o in offsets {
        c.extend_from_slice(&o.to_le_bytes());
    }
    c.extend_from_slice(&data);
    c
}

fn node(ty: u16, ext: &[u8]) -> Vec<u8> {
    let mut c = Vec::new();
    c.extend_from_slice(&ty.to_le_bytes());
    c.extend_from_slice(&0x10u16.to_le_bytes());
    c.extend_from_slice(&((16 + ext.len()) as u32).to_le_bytes());
    c.extend_from_slice(&1u32.to_le_bytes()); // line
    c.extend_from_slice(&NO_INDEX.to_le_bytes()); // comment
    c.extend_from_slice(ext);
    c
}

impl Builder {
    pub fn new() -> Self {
        Builder { strings: Vec::new(), utf8: false, res_ids: Vec::new(), nodes: Vec::new(), top_type: RES_XML_TYPE }
    }

    /// Index of `s`, adding it when new.
    pub fn s(&mut self, s: &str) -> u32 {
        if let Some(i) = self.strings.iter().position(|x| x == s) {
            return i as u32;
        }
        self.strings.push(s.to_string());
        (self.strings.len() - 1) as u32
    }

    /// An attribute name that maps to resource id `id` (names with ids must
    /// lead the pool; call these before any other `s`).
    pub fn attr_name(&mut self, name: &str, id: u32) -> u32 {
        let i = self.s(name);
        assert_eq!(i as usize, self.res_ids.len(), "attr names with ids first");
        self.res_ids.push(id);
        i
    }

    pub fn start_ns(&mut self, prefix: &str, uri: &str) {
        let (p, u) = (self.s(prefix), self.s(uri));
        let mut ext = p.to_le_bytes().to_vec();
        ext.extend_from_slice(&u.to_le_bytes());
        self.nodes.push(node(RES_XML_START_NAMESPACE_TYPE, &ext));
    }

    pub fn end_ns(&mut self, prefix: &str, uri: &str) {
        let (p, u) = (self.s(prefix), self.s(uri));
        let mut ext = p.to_le_bytes().to_vec();
        ext.extend_from_slice(&u.to_le_bytes());
        self.nodes.push(node(RES_XML_END_NAMESPACE_TYPE, &ext));
    }

    /// `attrs`: (ns index or NO_INDEX, name index, raw string index or NO_INDEX, dataType, data)
    pub fn start(&mut self, name: &str, attrs: &[(u32, u32, u32, u8, u32)]) {
        let n = self.s(name);
        let mut ext = Vec::new();
        ext.extend_from_slice(&NO_INDEX.to_le_bytes());
        ext.extend_from_slice(&n.to_le_bytes());
        ext.extend_from_slice(&0x14u16.to_le_bytes());
        ext.extend_from_slice(&0x14u16.to_le_bytes());
        ext.extend_from_slice(&(attrs.len() as u16).to_le_bytes());
        ext.extend_from_slice(&[0; 6]);
        for &(ns, name, raw, dt, data) in attrs {
            ext.extend_from_slice(&ns.to_le_bytes());
            ext.extend_from_slice(&name.to_le_bytes());
            ext.extend_from_slice(&raw.to_le_bytes());
            ext.extend_from_slice(&8u16.to_le_bytes());
            ext.push(0);
            ext.push(dt);
            ext.extend_from_slice(&data.to_le_bytes());
        }
        self.nodes.push(node(RES_XML_START_ELEMENT_TYPE, &ext));
    }

    pub fn end(&mut self, name: &str) {
        let n = self.s(name);
        let mut ext = NO_INDEX.to_le_bytes().to_vec();
        ext.extend_from_slice(&n.to_le_bytes());
        self.nodes.push(node(RES_XML_END_ELEMENT_TYPE, &ext));
    }

    pub fn text(&mut self, t: &str) {
        let i = self.s(t);
        let mut ext = i.to_le_bytes().to_vec();
        ext.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0]);
        self.nodes.push(node(RES_XML_CDATA_TYPE, &ext));
    }

    pub fn build(&self) -> Vec<u8> {
        let mut body = pool_chunk(&self.strings, self.utf8);
        if !self.res_ids.is_empty() {
            body.extend_from_slice(&RES_XML_RESOURCE_MAP_TYPE.to_le_bytes());
            body.extend_from_slice(&8u16.to_le_bytes());
            body.extend_from_slice(&((8 + 4 * self.res_ids.len()) as u32).to_le_bytes());
            for id in &self.res_ids {
                body.extend_from_slice(&id.to_le_bytes());
            }
        }
        for n in &self.nodes {
            body.extend_from_slice(n);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&self.top_type.to_le_bytes());
        out.extend_from_slice(&8u16.to_le_bytes());
        out.extend_from_slice(&((8 + body.len()) as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }
}

const STR: u8 = data_type::STRING;

/// `<manifest xmlns:android=... package="com.example"><application android:label="@0x7f010000" android:debuggable="true"/></manifest>`
pub(crate) fn sample() -> Builder {
    let mut b = Builder::new();
    let label = b.attr_name("label", 0x0101_0001);
    let dbg = b.attr_name("debuggable", 0x0101_000f);
    let android = b.s(ANDROID_NS);
    let pkg = b.s("package");
    let pkg_v = b.s("com.example");
    b.start_ns("android", ANDROID_NS);
    b.start("manifest", &[(NO_INDEX, pkg, pkg_v, STR, pkg_v)]);
    b.start(
        "application",
        &[
            (android, label, NO_INDEX, data_type::REFERENCE, 0x7f01_0000),
            (android, dbg, NO_INDEX, data_type::INT_BOOLEAN, 0xffff_ffff),
        ],
    );
    b.text("https://example.org/x");
    b.end("application");
    b.end("manifest");
    b.end_ns("android", ANDROID_NS);
    b
}

#[test]
fn parses_a_small_document() {
    let bytes = sample().build();
    let doc = parse(&bytes).unwrap();
    assert!(doc.anomalies.is_empty(), "{:?}", doc.anomalies);
    let els: Vec<_> = doc.elements().collect();
    assert_eq!(els.len(), 2);
    assert_eq!(doc.element_name(els[0]), "manifest");
    assert_eq!(els[1].depth, 2);
    let app = els[1];
    assert_eq!(doc.attribute_id(&app.attributes[0]), Some(0x0101_0001));
    assert_eq!(app.attributes[0].value, Value::Reference(0x7f01_0000));
    assert_eq!(app.attributes[1].value, Value::Bool(true));
    assert_eq!(doc.attribute_ns(&app.attributes[0]), Some(ANDROID_NS));
    let texts: Vec<_> = doc.text_values().collect();
    assert_eq!(texts, vec!["com.example", "https://example.org/x"]);
}

#[test]
fn utf8_pool_and_long_utf16_lengths() {
    let mut b = sample();
    b.utf8 = true;
    let doc_bytes = b.build();
    let doc = parse(&doc_bytes).unwrap();
    assert!(doc.strings.is_utf8());
    assert_eq!(doc.element_name(doc.root().unwrap()), "manifest");

    // A UTF-16 string of 0x8001 units uses the two-unit length form.
    let long: String = "a".repeat(0x8001);
    let chunk = pool_chunk(&[long.clone(), "b".into()], false);
    let mut odd = Vec::new();
    let pool = StringPool::parse(&chunk, 0, &mut odd).unwrap();
    assert!(odd.is_empty());
    assert_eq!(pool.get(0).unwrap().len(), 0x8001);
    assert_eq!(pool.get(1), Some("b"));
    assert_eq!(pool.get(2), None);
}

/// A pool chunk of `items` as stored: UTF-8 bytes (lengths under 0x80), or
/// UTF-16 code units; unlike `pool_chunk`, invalid text can be stored.
fn raw_pool_chunk(items: &[Vec<u16>], utf8: bool) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for item in items {
        offsets.push(data.len() as u32);
        if utf8 {
            let bytes: Vec<u8> = item.iter().map(|&u| u8::try_from(u).unwrap()).collect();
            assert!(bytes.len() < 0x80);
            data.extend_from_slice(&[bytes.len() as u8, bytes.len() as u8]);
            data.extend_from_slice(&bytes);
            data.push(0);
        } else {
            data.extend_from_slice(&(item.len() as u16).to_le_bytes());
            item.iter().for_each(|u| data.extend_from_slice(&u.to_le_bytes()));
            data.extend_from_slice(&[0, 0]);
        }
    }
    // One offset past the data: a string out of bounds.
    offsets.push(data.len() as u32 + 64);
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let strings_start = 0x1c + 4 * offsets.len();
    let mut c = Vec::new();
    c.extend_from_slice(&RES_STRING_POOL_TYPE.to_le_bytes());
    c.extend_from_slice(&0x1cu16.to_le_bytes());
    c.extend_from_slice(&((strings_start + data.len()) as u32).to_le_bytes());
    c.extend_from_slice(&(offsets.len() as u32).to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    c.extend_from_slice(&(if utf8 { pool::UTF8_FLAG } else { 0 }).to_le_bytes());
    c.extend_from_slice(&(strings_start as u32).to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    offsets.iter().for_each(|o| c.extend_from_slice(&o.to_le_bytes()));
    c.extend_from_slice(&data);
    c
}

#[test]
fn strings_holding_a_needle_are_those_that_decode_with_one() {
    let text = |s: &str, utf8: bool| -> Vec<u16> {
        if utf8 {
            s.bytes().map(u16::from).collect()
        } else {
            s.encode_utf16().collect()
        }
    };
    for utf8 in [true, false] {
        let mut items: Vec<Vec<u16>> = ["plain", "a.b", "host:1", "", "日本語。", "例え.jp", "：全角", ".", "x"]
            .iter()
            .map(|s| text(s, utf8))
            .collect();
        if utf8 {
            // Invalid UTF-8 beside and between ASCII: a lead byte before a dot,
            // a lone continuation byte, a cut sequence.
            items.push(vec![0xe4, u16::from(b'.'), u16::from(b'c')]);
            items.push(vec![0x80, u16::from(b':')]);
            items.push(vec![0xe6, 0x97]);
        } else {
            // Lone surrogates, one before a dot.
            items.push(vec![0xd800, u16::from(b'.'), u16::from(b'c')]);
            items.push(vec![0xdc00]);
            // A unit whose low byte is '.' but is not '.' (U+012E).
            items.push(vec![0x012e, u16::from(b'x')]);
        }
        let chunk = raw_pool_chunk(&items, utf8);
        let mut odd = Vec::new();
        let all = StringPool::parse(&chunk, 0, &mut odd).unwrap();
        let want: Vec<String> = all.iter().filter(|s| s.contains(['.', ':'])).map(str::to_string).collect();
        assert_eq!(want.len(), if utf8 { 6 } else { 5 }, "utf8 {utf8}: {want:?}");
        assert!(want.iter().any(|s| s.starts_with('\u{fffd}')), "utf8 {utf8}: {want:?}");

        let fresh = StringPool::parse(&chunk, 0, &mut odd).unwrap();
        let got: Vec<&str> = fresh.iter_holding([b'.', b':']).collect();
        assert_eq!(got, want, "utf8 {utf8}");
        // The string out of bounds is counted as `get` counts it; the ones
        // without a needle are never decoded.
        assert_eq!(fresh.bad_strings(), 1);
        assert_eq!(all.bad_strings(), 1);
    }
}

#[test]
fn renders_xml_like_aapt() {
    let bytes = sample().build();
    let doc = parse(&bytes).unwrap();
    let xml = to_xml(&doc);
    assert!(
        xml.contains(r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example">"#),
        "{xml}"
    );
    assert!(xml.contains(r#"<application android:label="@0x7f010000" android:debuggable="true">"#), "{xml}");
    assert!(xml.contains("https://example.org/x"));
    assert!(xml.trim_end().ends_with("</manifest>"));
}

#[test]
fn formats_typed_values() {
    let none = |_| None;
    assert_eq!(format_value(&Value::IntDec(-3), none), "-3");
    assert_eq!(format_value(&Value::IntHex(0x10), none), "0x00000010");
    assert_eq!(format_value(&Value::Attribute(0x0101_0000), none), "?0x01010000");
    // 16dip: mantissa 16 << 8, radix 0, unit 1
    assert_eq!(format_value(&Value::Dimension((16 << 8) | 1), none), "16.0dip");
    assert_eq!(format_value(&Value::Fraction(0x4000_0000 | (3 << 4)), none), "50.0%");
    assert_eq!(
        format_value(&Value::Color { data_type: data_type::INT_COLOR_ARGB8, argb: 0xff11_2233 }, none),
        "#ff112233"
    );
    assert_eq!(format_value(&Value::Float(1.5), none), "1.5");
    assert_eq!(format_value(&Value::Bool(false), none), "false");
}

#[test]
fn wrong_top_type_and_wrong_size_are_tolerated() {
    let mut b = sample();
    b.top_type = 0x0000;
    let mut bytes = b.build();
    bytes[4..8].copy_from_slice(&0x4242_4242u32.to_le_bytes());
    let doc = parse(&bytes).unwrap();
    let ids: Vec<_> = doc.anomalies.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"axml-bad-top-chunk-type"), "{ids:?}");
    assert!(ids.contains(&"axml-bad-document-size"), "{ids:?}");
    assert_eq!(doc.elements().count(), 2);
}

#[test]
fn unknown_chunks_are_skipped_and_bad_nodes_stop_parsing() {
    let mut b = sample();
    // Junk node of an unknown type between nodes.
    b.nodes.insert(2, node(0x0150, &[0; 8]));
    // A zero-size END_NAMESPACE instead of the real one.
    let last = b.nodes.len() - 1;
    b.nodes[last][4..8].copy_from_slice(&0u32.to_le_bytes());
    let bytes = b.build();
    let doc = parse(&bytes).unwrap();
    let ids: Vec<_> = doc.anomalies.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"axml-unknown-chunk"), "{ids:?}");
    assert!(ids.contains(&"axml-zero-size-end-namespace"), "{ids:?}");
    assert_eq!(doc.elements().count(), 2);
}

#[test]
fn honours_node_header_and_attribute_layout() {
    let mut b = Builder::new();
    let name = b.attr_name("name", 0x0101_0003);
    let v = b.s("x.Y");
    let tag = b.s("activity");
    // Node header of 0x18 bytes and attributes 0x18 apart, starting at 0x1c.
    let mut ext = Vec::new();
    ext.extend_from_slice(&NO_INDEX.to_le_bytes());
    ext.extend_from_slice(&tag.to_le_bytes());
    ext.extend_from_slice(&0x1cu16.to_le_bytes());
    ext.extend_from_slice(&0x18u16.to_le_bytes());
    ext.extend_from_slice(&2u16.to_le_bytes());
    ext.extend_from_slice(&[0; 6]);
    ext.extend_from_slice(&[0xee; 8]); // padding up to attributeStart
    for _ in 0..2 {
        ext.extend_from_slice(&NO_INDEX.to_le_bytes());
        ext.extend_from_slice(&name.to_le_bytes());
        ext.extend_from_slice(&v.to_le_bytes());
        ext.extend_from_slice(&8u16.to_le_bytes());
        ext.push(0);
        ext.push(STR);
        ext.extend_from_slice(&v.to_le_bytes());
        ext.extend_from_slice(&[0xdd; 4]);
    }
    let mut n = Vec::new();
    n.extend_from_slice(&RES_XML_START_ELEMENT_TYPE.to_le_bytes());
    n.extend_from_slice(&0x18u16.to_le_bytes());
    n.extend_from_slice(&((0x18 + ext.len()) as u32).to_le_bytes());
    n.extend_from_slice(&[0; 16]);
    n.extend_from_slice(&ext);
    b.nodes.push(n);
    let bytes = b.build();
    let doc = parse(&bytes).unwrap();
    let el = doc.root().unwrap();
    assert_eq!(el.attributes.len(), 2);
    assert_eq!(doc.attribute_string(&el.attributes[1]), Some("x.Y"));
    let ids: Vec<_> = doc.anomalies.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"axml-nonstandard-node-header"), "{ids:?}");
    assert!(ids.contains(&"axml-unclosed-element"), "{ids:?}");
}

#[test]
fn tampered_string_count_is_an_anomaly() {
    let bytes = sample().build();
    let mut bytes = bytes.clone();
    // stringCount at 8 (doc header) + 8 (chunk header)
    bytes[16..20].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let doc = parse(&bytes).unwrap();
    let ids: Vec<_> = doc.anomalies.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"axml-string-count-tampered"), "{ids:?}");
    assert!(doc.string(0x00ff_fff0).is_none());
}

#[test]
fn error_truncated() {
    assert!(matches!(parse(&[3, 0, 8]), Err(Error::Truncated { .. })));
}

#[test]
fn error_bad_chunk() {
    let mut bytes = sample().build();
    // String pool chunk size not 4-aligned.
    bytes[12..16].copy_from_slice(&0x0000_0102u32.to_le_bytes());
    assert!(matches!(parse(&bytes), Err(Error::BadChunk { .. })), "{:?}", parse(&bytes).err());
}

#[test]
fn error_bad_string_pool() {
    let mut bytes = sample().build();
    // stringsStart (pool offset 20) past the chunk.
    bytes[8 + 20..8 + 24].copy_from_slice(&0x00ff_0000u32.to_le_bytes());
    assert!(matches!(parse(&bytes), Err(Error::BadStringPool { .. })));
}

#[test]
fn error_missing_string_pool() {
    let b = sample();
    let full = b.build();
    // Drop the string pool chunk.
    let pool_len = u32::from_le_bytes(full[12..16].try_into().unwrap()) as usize;
    let mut bytes = full[..8].to_vec();
    bytes.extend_from_slice(&full[8 + pool_len..]);
    let n = bytes.len() as u32;
    bytes[4..8].copy_from_slice(&n.to_le_bytes());
    assert!(matches!(parse(&bytes), Err(Error::MissingStringPool)));
}

#[test]
fn error_no_root_element() {
    let mut b = Builder::new();
    b.s("x");
    let bytes = b.build();
    assert!(matches!(parse(&bytes), Err(Error::NoRootElement)));
}

#[test]
fn error_limit_exceeded() {
    let mut b = Builder::new();
    b.s("x");
    let mut bytes = b.build();
    for _ in 0..=MAX_PRELUDE_CHUNKS {
        bytes.extend_from_slice(&[0x77, 0x77, 8, 0, 8, 0, 0, 0]);
    }
    let n = bytes.len() as u32;
    bytes[4..8].copy_from_slice(&n.to_le_bytes());
    assert!(matches!(parse(&bytes), Err(Error::LimitExceeded { .. })));
}

#[test]
fn garbage_never_panics() {
    let base = sample().build();
    // Flip every byte in turn and every prefix length: no panic.
    for i in 0..base.len() {
        let mut b = base.clone();
        b[i] ^= 0xff;
        if let Ok(doc) = parse(&b) {
            let _ = to_xml(&doc);
            let _ = doc.text_values().count();
        }
        if let Ok(doc) = parse(&base[..i]) {
            let _ = to_xml(&doc);
        }
    }
}

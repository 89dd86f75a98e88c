#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::*;

fn pool(strings: &[&str]) -> Vec<u8> {
    let owned: Vec<String> = strings.iter().map(|s| s.to_string()).collect();
    crate::formats::axml::tests::pool_chunk(&owned, false)
}

/// An entry: Some((dataType, data)) simple, None absent; complex marked by dataType 0xff.
type E = Option<(u8, u32)>;

pub(crate) fn type_chunk(type_id: u8, flags: u8, locale: &[u8; 4], entries: &[E]) -> Vec<u8> {
    // config: size 0x40, locale at 8..12
    let mut config = vec![0u8; 0x40];
    config[0..4].copy_from_slice(&0x40u32.to_le_bytes());
    config[8..12].copy_from_slice(locale);
    let hs = 20 + config.len();
    let mut bodies = Vec::new();
    let mut offsets: Vec<Option<usize>> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match e {
            None => offsets.push(None),
            Some((0xff, _)) => {
                offsets.push(Some(bodies.len()));
                bodies.extend_from_slice(&16u16.to_le_bytes());
                bodies.extend_from_slice(&FLAG_COMPLEX.to_le_bytes());
                bodies.extend_from_slice(&(i as u32).to_le_bytes());
                bodies.extend_from_slice(&[0; 8]); // parent, count
            }
            Some((dt, d)) => {
                offsets.push(Some(bodies.len()));
                bodies.extend_from_slice(&8u16.to_le_bytes());
                bodies.extend_from_slice(&0u16.to_le_bytes());
                bodies.extend_from_slice(&(i as u32).to_le_bytes());
                bodies.extend_from_slice(&8u16.to_le_bytes());
                bodies.push(0);
                bodies.push(*dt);
                bodies.extend_from_slice(&d.to_le_bytes());
            }
        }
    }
    let mut index = Vec::new();
    let mut count = entries.len() as u32;
    if flags & FLAG_SPARSE != 0 {
        count = 0;
        for (i, o) in offsets.iter().enumerate() {
            if let Some(o) = o {
                index.extend_from_slice(&(i as u16).to_le_bytes());
                index.extend_from_slice(&((o / 4) as u16).to_le_bytes());
                count += 1;
            }
        }
    } else if flags & FLAG_OFFSET16 != 0 {
        for o in &offsets {
            let v = o.map(|o| (o / 4) as u16).unwrap_or(0xffff);
            index.extend_from_slice(&v.to_le_bytes());
        }
        while index.len() % 4 != 0 {
            index.push(0);
        }
    } else {
        for o in &offsets {
            let v = o.map(|o| o as u32).unwrap_or(NO_ENTRY);
            index.extend_from_slice(&v.to_le_bytes());
        }
    }
    let entries_start = hs + index.len();
    let size = entries_start + bodies.len();
    let mut c = Vec::new();
    c.extend_from_slice(&RES_TABLE_TYPE_TYPE.to_le_bytes());
    c.extend_from_slice(&(hs as u16).to_le_bytes());
    c.extend_from_slice(&(size as u32).to_le_bytes());
    c.push(type_id);
    c.push(flags);
    c.extend_from_slice(&[0, 0]);
    c.extend_from_slice(&count.to_le_bytes());
    c.extend_from_slice(&(entries_start as u32).to_le_bytes());
    c.extend_from_slice(&config);
    c.extend_from_slice(&index);
    c.extend_from_slice(&bodies);
    c
}

pub(crate) fn table(type_chunks: &[Vec<u8>], extra_top: &[u8]) -> Vec<u8> {
    let global = pool(&["App", "Appli", "res/xml/network_security_config.xml", "https://h.example"]);
    let types = pool(&["string", "xml"]);
    let keys = pool(&["app_name", "alias", "style", "nsc"]);
    let mut pkg = Vec::new();
    let hs = 288usize;
    let mut header = vec![0u8; hs];
    header[0..2].copy_from_slice(&RES_TABLE_PACKAGE_TYPE.to_le_bytes());
    header[2..4].copy_from_slice(&(hs as u16).to_le_bytes());
    header[8..12].copy_from_slice(&0x7fu32.to_le_bytes());
    for (i, u) in "com.example".encode_utf16().enumerate() {
        header[12 + 2 * i..14 + 2 * i].copy_from_slice(&u.to_le_bytes());
    }
    header[268..272].copy_from_slice(&(hs as u32).to_le_bytes());
    header[276..280].copy_from_slice(&((hs + types.len()) as u32).to_le_bytes());
    pkg.extend_from_slice(&types);
    pkg.extend_from_slice(&keys);
    // A junk chunk of unknown type inside the package.
    pkg.extend_from_slice(&[0x99, 0x09, 8, 0, 8, 0, 0, 0]);
    for t in type_chunks {
        pkg.extend_from_slice(t);
    }
    let size = hs + pkg.len();
    header[4..8].copy_from_slice(&(size as u32).to_le_bytes());
    let mut out = Vec::new();
    out.extend_from_slice(&RES_TABLE_TYPE.to_le_bytes());
    out.extend_from_slice(&12u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(extra_top);
    out.extend_from_slice(&global);
    out.extend_from_slice(&header);
    out.extend_from_slice(&pkg);
    let n = out.len() as u32;
    out[4..8].copy_from_slice(&n.to_le_bytes());
    out
}

const S: u8 = data_type::STRING;
const R: u8 = data_type::REFERENCE;

fn strings_type(flags: u8) -> Vec<Vec<u8>> {
    vec![
        // "fr" first: the default config must still win.
        type_chunk(1, flags, b"fr\0\0", &[Some((S, 1)), None, None]),
        type_chunk(1, flags, &[0; 4], &[Some((S, 0)), Some((R, 0x7f01_0000)), Some((0xff, 0))]),
        type_chunk(2, flags, &[0; 4], &[None, None, None, Some((S, 2))]),
    ]
}

#[test]
fn resolves_strings_references_and_files() {
    for flags in [0, FLAG_OFFSET16, FLAG_SPARSE] {
        let bytes = table(&strings_type(flags), &[]);
        let t = parse(&bytes).unwrap();
        assert_eq!(t.resolve_string(0x7f01_0000).as_deref(), Some("App"), "flags {flags}");
        assert_eq!(t.resolve_string(0x7f01_0001).as_deref(), Some("App"), "reference followed");
        assert_eq!(t.resolve_string(0x7f01_0002), None, "maps are skipped");
        assert_eq!(t.resolve_string(0x7f01_0005), None);
        assert_eq!(t.resolve_string(0x7f05_0000), None);
        assert_eq!(t.resolve_file(0x7f02_0003).as_deref(), Some("res/xml/network_security_config.xml"));
        assert_eq!(t.resource_name(0x7f01_0000).as_deref(), Some("string/app_name"));
        assert_eq!(t.resource_name(0x7f02_0003).as_deref(), Some("xml/nsc"));
        assert_eq!(t.package_names().collect::<Vec<_>>(), vec!["com.example"]);
        assert!(t.global_strings().any(|s| s == "https://h.example"));
    }
}

#[test]
fn falls_back_to_a_non_default_config() {
    let bytes = table(&[type_chunk(1, 0, b"de\0\0", &[Some((S, 1))])], &[]);
    let t = parse(&bytes).unwrap();
    assert_eq!(t.resolve_string(0x7f01_0000).as_deref(), Some("Appli"));
}

#[test]
fn reference_cycles_stop() {
    let bytes = table(&[type_chunk(1, 0, &[0; 4], &[Some((R, 0x7f01_0001)), Some((R, 0x7f01_0000))])], &[]);
    let t = parse(&bytes).unwrap();
    assert_eq!(t.resolve_string(0x7f01_0000), None);
}

#[test]
fn compact_entries() {
    let mut c = type_chunk(1, 0, &[0; 4], &[Some((S, 0))]);
    // Rewrite the one entry as compact: key 0, flags = COMPACT | dataType<<8, data 3.
    let hs = u16::from_le_bytes([c[2], c[3]]) as usize;
    let es = u32::from_le_bytes(c[16..20].try_into().unwrap()) as usize;
    assert_eq!(es, hs + 4);
    c[es..es + 2].copy_from_slice(&0u16.to_le_bytes());
    c[es + 2..es + 4].copy_from_slice(&(FLAG_COMPACT | (u16::from(S) << 8)).to_le_bytes());
    c[es + 4..es + 8].copy_from_slice(&3u32.to_le_bytes());
    let bytes = table(&[c], &[]);
    let t = parse(&bytes).unwrap();
    assert_eq!(t.resolve_string(0x7f01_0000).as_deref(), Some("https://h.example"));
}

#[test]
fn unknown_chunks_are_skipped() {
    let bytes = table(&strings_type(0), &[0x55, 0x05, 8, 0, 8, 0, 0, 0]);
    let t = parse(&bytes).unwrap();
    assert_eq!(t.resolve_string(0x7f01_0000).as_deref(), Some("App"));
    assert!(t.anomalies.iter().any(|a| a.id == "arsc-unknown-chunk"));
}

#[test]
fn error_truncated() {
    assert!(matches!(parse(&[2, 0, 12, 0]), Err(Error::Truncated { .. })));
}

#[test]
fn error_bad_chunk() {
    let mut bytes = table(&strings_type(0), &[]);
    bytes[2..4].copy_from_slice(&4u16.to_le_bytes());
    assert!(matches!(parse(&bytes), Err(Error::BadChunk { .. })));
}

#[test]
fn error_limit_exceeded() {
    let mut junk = Vec::new();
    let mut pkg = vec![0u8; 288];
    pkg[0..2].copy_from_slice(&RES_TABLE_PACKAGE_TYPE.to_le_bytes());
    pkg[2..4].copy_from_slice(&288u16.to_le_bytes());
    pkg[4..8].copy_from_slice(&288u32.to_le_bytes());
    for _ in 0..=MAX_PACKAGES {
        junk.extend_from_slice(&pkg);
    }
    let bytes = table(&[], &junk);
    assert!(matches!(parse(&bytes), Err(Error::LimitExceeded { .. })));
}

#[test]
fn garbage_never_panics() {
    let base = table(&strings_type(FLAG_SPARSE), &[]);
    for i in 0..base.len() {
        let mut b = base.clone();
        b[i] ^= 0xa5;
        if let Ok(t) = parse(&b) {
            for id in [0x7f01_0000, 0x7f01_0001, 0x7f02_0003] {
                let _ = t.resolve_string(id);
                let _ = t.resource_name(id);
            }
            let _ = t.global_strings().count();
        }
        let _ = parse(&base[..i]);
    }
}

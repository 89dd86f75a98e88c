#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    reason = "tests build fixtures by hand and assert on them"
)]

use super::*;

/// Builds a minimal DEX: header, string_ids, type_ids, class_defs, string data.
/// `classes` are indices into `types`, `types` indices into `strings`.
fn build(version: &[u8; 3], strings: &[&[u8]], types: &[u32], classes: &[u32]) -> Vec<u8> {
    let header_size = if version == b"041" { 0x78 } else { 0x70 };
    let sid_off = header_size;
    let tid_off = sid_off + 4 * strings.len();
    let cdef_off = tid_off + 4 * types.len();
    let data_off = cdef_off + 32 * classes.len();
    let mut data = Vec::new();
    let mut sdata_offs = Vec::new();
    for s in strings {
        sdata_offs.push((data_off + data.len()) as u32);
        // uleb128 of the (approximate) UTF-16 length; < 128 in these tests.
        data.push(s.len() as u8);
        data.extend_from_slice(s);
        data.push(0);
    }
    let total = data_off + data.len();
    let mut out = vec![0u8; header_size];
    out[..4].copy_from_slice(b"dex\n");
    out[4..7].copy_from_slice(version);
    let put = |out: &mut Vec<u8>, at: usize, v: u32| {
        out[at..at + 4].copy_from_slice(&v.to_le_bytes());
    };
    put(&mut out, 32, total as u32);
    put(&mut out, 36, header_size as u32);
    put(&mut out, 40, ENDIAN_CONSTANT);
    put(&mut out, 56, strings.len() as u32);
    put(&mut out, 60, sid_off as u32);
    put(&mut out, 64, types.len() as u32);
    put(&mut out, 68, tid_off as u32);
    put(&mut out, 96, classes.len() as u32);
    put(&mut out, 100, cdef_off as u32);
    put(&mut out, 104, data.len() as u32);
    put(&mut out, 108, data_off as u32);
    if header_size == 0x78 {
        put(&mut out, 112, total as u32);
        put(&mut out, 116, 0);
    }
    for o in &sdata_offs {
        out.extend_from_slice(&o.to_le_bytes());
    }
    for t in types {
        out.extend_from_slice(&t.to_le_bytes());
    }
    for c in classes {
        let mut rec = [0u8; 32];
        rec[..4].copy_from_slice(&c.to_le_bytes());
        rec[8..12].copy_from_slice(&NO_INDEX.to_le_bytes());
        out.extend_from_slice(&rec);
    }
    out.extend_from_slice(&data);
    let sum = adler32(&out[12..]);
    out[8..12].copy_from_slice(&sum.to_le_bytes());
    out
}

fn sample() -> Vec<u8> {
    build(b"035", &[b"Lcom/foo/Bar$Baz;", b"Ljava/lang/Object;", b"https://api.example.com/v1"], &[0, 1], &[0])
}

fn ids(d: &DexFile<'_>) -> Vec<&'static str> {
    d.anomalies().iter().map(|a| a.id).collect()
}

#[test]
fn parses_a_minimal_file() {
    let bytes = sample();
    let d = parse(&bytes).unwrap();
    assert_eq!(d.version(), 35);
    assert_eq!(d.string_count(), 3);
    assert_eq!(d.type_count(), 2);
    assert_eq!(d.class_def_count(), 1);
    assert_eq!(d.string(2).unwrap(), b"https://api.example.com/v1");
    assert_eq!(d.type_descriptor(1).unwrap(), b"Ljava/lang/Object;");
    let classes: Vec<_> = d.class_defs().collect::<Result<_>>().unwrap();
    assert_eq!(classes, vec![b"Lcom/foo/Bar$Baz;".as_slice()]);
    let strings: Vec<_> = d.strings().collect::<Result<_>>().unwrap();
    assert_eq!(strings.len(), 3);
    // The reported offset is the string_data_item's (uleb128 then bytes).
    let (off, s) = strings[0];
    assert_eq!(&bytes[off as usize + 1..off as usize + 1 + s.len()], s);
    assert!(d.anomalies().is_empty(), "{:?}", d.anomalies());
    assert_eq!(d.checksum_ok(), Some(true));
}

#[test]
fn checksum_mismatch_is_detected_on_demand_only() {
    let mut bytes = sample();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x20;
    let d = parse(&bytes).unwrap();
    assert!(d.anomalies().is_empty());
    assert_eq!(d.checksum_ok(), Some(false));
}

#[test]
fn too_short_is_truncated() {
    let bytes = sample();
    assert_eq!(parse(&bytes[..0x40]).unwrap_err(), Error::Truncated { what: "header_item", offset: 0 });
    assert!(matches!(parse(&bytes[..3]), Err(Error::Truncated { .. })));
}

#[test]
fn bad_magic_is_rejected() {
    let mut bytes = sample();
    bytes[0] = b'c';
    assert_eq!(parse(&bytes).unwrap_err(), Error::BadMagic { offset: 0 });
}

#[test]
fn big_endian_tag_is_rejected() {
    let mut bytes = sample();
    bytes[40..44].copy_from_slice(&REVERSE_ENDIAN_CONSTANT.to_le_bytes());
    assert_eq!(parse(&bytes).unwrap_err(), Error::BadEndianTag { value: REVERSE_ENDIAN_CONSTANT, offset: 40 });
}

#[test]
fn index_out_of_range_is_an_error() {
    let bytes = sample();
    let d = parse(&bytes).unwrap();
    assert_eq!(d.string(3).unwrap_err(), Error::IndexOutOfRange { what: "string_ids", index: 3, count: 3 });
    assert!(matches!(d.type_descriptor(u32::MAX), Err(Error::IndexOutOfRange { what: "type_ids", .. })));
}

#[test]
fn unterminated_string_is_an_error_and_stops_the_iterator() {
    let mut bytes = sample();
    // Remove the final NUL of the last string.
    bytes.pop();
    let d = parse(&bytes).unwrap();
    assert!(ids(&d).contains(&"dex-file-size-mismatch"));
    assert!(matches!(d.string(2), Err(Error::UnterminatedString { .. })));
    let all: Vec<_> = d.strings().collect();
    assert_eq!(all.len(), 3);
    assert!(all[2].is_err());
}

#[test]
fn huge_nul_free_string_hits_the_limit() {
    let mut bytes = sample();
    // Point string 0 at a region of MAX_STRING_BYTES + 1 non-NUL bytes.
    let off = bytes.len() as u32;
    bytes.push(1);
    bytes.extend(std::iter::repeat_n(b'a', MAX_STRING_BYTES + 1));
    bytes[0x70..0x74].copy_from_slice(&off.to_le_bytes());
    let d = parse(&bytes).unwrap();
    assert_eq!(
        d.string(0).unwrap_err(),
        Error::LimitExceeded { what: "string_data_item bytes", limit: MAX_STRING_BYTES as u64 }
    );
}

#[test]
fn shared_string_data_cannot_cause_quadratic_work() {
    // 1000 string ids all pointing at the same 100 KiB string: the budget
    // (2 x input + 1 MiB) stops the walk long before 100 MB are scanned.
    let mut bytes = build(b"035", &[b"x"], &[], &[]);
    let data_off = bytes.len() as u32;
    bytes.push(1);
    bytes.extend(std::iter::repeat_n(b'a', 100 * 1024));
    bytes.push(0);
    let sid_off = bytes.len() as u32;
    for _ in 0..1000 {
        bytes.extend_from_slice(&data_off.to_le_bytes());
    }
    bytes[56..60].copy_from_slice(&1000u32.to_le_bytes());
    bytes[60..64].copy_from_slice(&sid_off.to_le_bytes());
    let d = parse(&bytes).unwrap();
    let results: Vec<_> = d.strings().collect();
    assert!(results.len() < 40, "walked {} strings", results.len());
    assert!(matches!(results.last(), Some(Err(Error::LimitExceeded { .. }))));
}

#[test]
fn sections_out_of_bounds_are_clamped_with_an_anomaly() {
    let mut bytes = sample();
    // Declare a million class_defs: only the in-bounds records are kept.
    bytes[96..100].copy_from_slice(&1_000_000u32.to_le_bytes());
    // And type_ids at an offset past the end.
    bytes[68..72].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let d = parse(&bytes).unwrap();
    assert_eq!(d.type_count(), 0);
    let fit = (bytes.len() - d.header().class_defs_off as usize) / 32;
    assert_eq!(d.class_def_count() as usize, fit);
    assert_eq!(ids(&d).iter().filter(|i| **i == "dex-section-out-of-bounds").count(), 2);
    // Class descriptors now fail (type_ids gone) and the iterator stops.
    let mut it = d.class_defs();
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
}

#[test]
fn odd_version_header_size_and_file_size_are_anomalies() {
    let mut bytes = build(b"036", &[b"La;"], &[0], &[0]);
    bytes[36..40].copy_from_slice(&0x80u32.to_le_bytes());
    bytes.extend_from_slice(&[0; 16]);
    let d = parse(&bytes).unwrap();
    assert_eq!(d.version(), 36);
    let got = ids(&d);
    assert!(got.contains(&"dex-unknown-version"));
    assert!(got.contains(&"dex-header-size-unexpected"));
    assert!(got.contains(&"dex-file-size-mismatch"));
    // Still readable.
    assert_eq!(d.class_defs().next().unwrap().unwrap(), b"La;");

    let mut bytes = sample();
    bytes[5] = b'x';
    let d = parse(&bytes).unwrap();
    assert_eq!(d.version(), 0);
    assert!(ids(&d).contains(&"dex-unknown-version"));
}

#[test]
fn v41_container_yields_every_member() {
    let a = build(b"041", &[b"Lfirst/A;"], &[0], &[0]);
    let mut b = build(b"041", &[b"Lsecond/B;", b"Lsecond/C;"], &[0, 1], &[0, 1]);
    // Member b sits after a; its offsets must be container-relative.
    let base = a.len() as u32;
    let shift = |b: &mut Vec<u8>, at: usize| {
        let v = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) + base;
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    };
    for at in [60, 68, 100, 108] {
        shift(&mut b, at);
    }
    let sid = 0x78;
    for i in 0..2 {
        shift(&mut b, sid + 4 * i);
    }
    b[116..120].copy_from_slice(&base.to_le_bytes());
    let mut container = a.clone();
    container.extend_from_slice(&b);
    let total = container.len() as u32;
    container[112..116].copy_from_slice(&total.to_le_bytes());
    let b_at = a.len();
    container[b_at + 112..b_at + 116].copy_from_slice(&total.to_le_bytes());

    let all = parse_all(&container).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].is_container());
    assert_eq!(all[1].header_offset(), b_at);
    let names: Vec<_> = all.iter().flat_map(|d| d.class_defs().map(|c| c.unwrap().to_vec())).collect();
    assert_eq!(names, vec![b"Lfirst/A;".to_vec(), b"Lsecond/B;".to_vec(), b"Lsecond/C;".to_vec()]);
    for d in &all {
        assert!(d.anomalies().is_empty(), "{:?}", d.anomalies());
    }
    // parse() alone gives the first member.
    assert_eq!(parse(&container).unwrap().class_def_count(), 1);
}

#[test]
fn v41_container_with_garbage_member_keeps_the_first() {
    let mut a = build(b"041", &[b"La;"], &[0], &[0]);
    let first_len = a.len() as u32;
    a.extend_from_slice(&[0xee; 0x80]);
    let total = a.len() as u32;
    a[112..116].copy_from_slice(&total.to_le_bytes());
    a[32..36].copy_from_slice(&first_len.to_le_bytes());
    let all = parse_all(&a).unwrap();
    assert_eq!(all.len(), 1);
    assert!(ids(&all[0]).contains(&"dex-container-member-invalid"));
}

#[test]
fn pre_v41_parse_all_is_one_file() {
    let bytes = sample();
    assert_eq!(parse_all(&bytes).unwrap().len(), 1);
}

#[test]
fn mutf8_decoding() {
    let mut s = String::new();
    mutf8_to_string(b"plain", &mut s);
    assert_eq!(s, "plain");
    s.clear();
    // Two-byte NUL.
    mutf8_to_string(&[b'a', 0xc0, 0x80, b'b'], &mut s);
    assert_eq!(s, "a\0b");
    s.clear();
    // BMP character (U+4E2D) as three bytes.
    mutf8_to_string("中".as_bytes(), &mut s);
    assert_eq!(s, "中");
    s.clear();
    // U+1F600 as a surrogate pair (ED A0 BD, ED B8 80).
    mutf8_to_string(&[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], &mut s);
    assert_eq!(s, "\u{1F600}");
    s.clear();
    // Standard 4-byte UTF-8 also accepted.
    mutf8_to_string("\u{1F600}".as_bytes(), &mut s);
    assert_eq!(s, "\u{1F600}");
    s.clear();
    // Lone high surrogate followed by ASCII; lone low surrogate; bad byte.
    mutf8_to_string(&[0xed, 0xa0, 0xbd, b'x', 0xed, 0xb8, 0x80, 0xff], &mut s);
    assert_eq!(s, "\u{FFFD}x\u{FFFD}\u{FFFD}");
    s.clear();
    // Truncated sequence at the end.
    mutf8_to_string(&[b'a', 0xe4, 0xb8], &mut s);
    assert_eq!(s, "a\u{FFFD}\u{FFFD}");
}

#[test]
fn descriptor_names() {
    let mut s = String::from("junk");
    assert!(descriptor_to_java_name(b"Lcom/foo/Bar$Baz;", &mut s));
    assert_eq!(s, "com.foo.Bar$Baz");
    assert!(descriptor_to_java_name(b"LTop;", &mut s));
    assert_eq!(s, "Top");
    assert!(descriptor_to_java_name("Lcom/例/Ä;".as_bytes(), &mut s));
    assert_eq!(s, "com.例.Ä");
    assert!(!descriptor_to_java_name(b"[Ljava/lang/String;", &mut s));
    assert_eq!(s, "[Ljava/lang/String;");
    assert!(!descriptor_to_java_name(b"L;", &mut s));
}

/// Reference decoder: the general path, char by char, with no fast path.
fn mutf8_slow(bytes: &[u8]) -> String {
    let mut s = String::new();
    mutf8_convert(bytes, &mut s);
    s
}

#[test]
fn fast_paths_match_the_general_decoder() {
    let cases: [&[u8]; 12] = [
        b"Lcom/foo/Bar$Baz;",
        "Lcom/例/Ä;".as_bytes(),
        &[b'L', b'a', 0xc0, 0x80, b'/', b'b', b';'],
        // Overlong '/' (C0 AF) decodes to '/' and becomes '.' too.
        &[b'L', b'a', 0xc0, 0xaf, b'b', b';'],
        &[b'L', 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, b'/', b'x', b';'],
        &[b'L', 0xff, b'/', 0xe4, 0xb8, b';'],
        "L\u{1F600}/x;".as_bytes(),
        b"[Ljava/lang/String;",
        b"L;",
        b"I",
        b"",
        &[0xed, 0xa0, 0xbd, b'/', 0x80],
    ];
    for c in cases {
        // mutf8_str borrows exactly when the bytes are valid UTF-8.
        let text = mutf8_str(c);
        assert_eq!(text, mutf8_slow(c), "{c:?}");
        assert_eq!(matches!(text, std::borrow::Cow::Borrowed(_)), std::str::from_utf8(c).is_ok());
        // java_name (one allocation) == descriptor_to_java_name (buffer) ==
        // decode-then-replace.
        let mut buf = String::from("junk");
        let object = descriptor_to_java_name(c, &mut buf);
        assert_eq!(java_name(c), (buf.clone(), object), "{c:?}");
        // A plain descriptor's name is its inner text with '/' as '.'.
        if let Some(inner) = class_descriptor_inner(c).and_then(|i| std::str::from_utf8(i).ok()) {
            assert!(object, "{c:?}");
            assert_eq!(inner.replace('/', "."), buf, "{c:?}");
        }
        let expected = match c {
            [b'L', inner @ .., b';'] if !inner.is_empty() => mutf8_slow(inner).replace('/', "."),
            _ => mutf8_slow(c),
        };
        assert_eq!(buf, expected, "{c:?}");
    }
}

#[test]
fn adler32_known_value() {
    // RFC 1950 example value for "Wikipedia".
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    assert_eq!(adler32(b""), 1);
    let big = vec![0xffu8; 100_000];
    // Computed independently (zlib.adler32 in Python).
    assert_eq!(adler32(&big), 0x149A_302C);
}

/// Fuzz regression (dex target, crash-10e36219): a section offset past the end
/// was reported as the anomaly's offset, outside the input.
#[test]
fn section_offset_past_the_end_is_reported_at_its_header_field() {
    let mut d = sample();
    d[0x3c..0x40].copy_from_slice(&0x3b65_6c64u32.to_le_bytes());
    let f = parse(&d).unwrap();
    let a = f.anomalies().iter().find(|a| a.id == "dex-section-out-of-bounds").unwrap();
    assert_eq!(a.offset, 0x3c);
    for a in f.anomalies() {
        assert!(a.offset < d.len() as u64, "{} at {:#x}", a.id, a.offset);
    }
    assert_eq!(f.string_count(), 0);
}

#[test]
fn string_end_is_the_first_nul_whatever_the_length_prefix_says() {
    // (uleb128 UTF-16 length, bytes) -> text up to the first NUL.
    let cases: [(&[u8], &[u8]); 6] = [
        (b"\x04abcd\x00", b"abcd"),
        // Length too short, too long, or pointing at a later NUL.
        (b"\x02abcd\x00", b"abcd"),
        (b"\x09abcd\x00zzzz\x00", b"abcd"),
        (b"\x04a\x00c\x00", b"a"),
        // Non-ASCII: fewer UTF-16 units than bytes.
        ("\x01中\x00".as_bytes(), "中".as_bytes()),
        (b"\x00\x00", b""),
    ];
    for (item, want) in cases {
        assert_eq!(string_data(item, 0).unwrap(), want, "{item:?}");
    }
    assert!(matches!(string_data(b"\x03abc", 0), Err(Error::UnterminatedString { .. })));
}

#[test]
fn word_scan_matches_a_byte_loop() {
    // Every length around the word size, a NUL / '.' / ':' at every position
    // (and none), with and without needles.
    for len in 0..40usize {
        for pos in 0..=len {
            for special in [0u8, b'.', b':', b'x', 0x80, 0xff] {
                let mut text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                if pos < len {
                    text[pos] = special;
                }
                let nul = text.contains(&0);
                let hit = text.iter().any(|&c| c == b'.' || c == b':');
                assert_eq!(scan_text(&text, Some([b'.', b':'])), (nul, hit), "{text:?}");
                assert_eq!(scan_text(&text, None), (nul, false), "{text:?}");
            }
        }
    }
}

#[test]
fn marked_strings_are_the_strings_with_a_flag() {
    let strings: [&[u8]; 7] =
        [b"", b"a", b"a.b", b"0123456789:", b"no-dots-here-at-all", "中.x".as_bytes(), b"abcdefgh"];
    let mut bytes = build(b"035", &strings, &[], &[]);
    // One string whose length prefix is wrong (the search path) holding a ':'.
    let off = bytes.len() as u32;
    bytes.extend_from_slice(b"\x02ab:cd\x00");
    let sid = u32::from_le_bytes(bytes[60..64].try_into().unwrap()) as usize;
    bytes[sid..sid + 4].copy_from_slice(&off.to_le_bytes());
    let d = parse(&bytes).unwrap();
    let plain: Vec<_> = d.strings().map(Result::unwrap).collect();
    let marked: Vec<_> = d.strings_marked([b'.', b':']).map(Result::unwrap).collect();
    assert_eq!(plain.len(), marked.len());
    for ((o1, s1), (o2, s2, m)) in plain.iter().zip(&marked) {
        assert_eq!((o1, s1), (o2, s2));
        assert_eq!(*m, s1.contains(&b'.') || s1.contains(&b':'), "{s1:?}");
    }
    assert_eq!(marked[0].1, b"ab:cd");
    assert!(marked[0].2);
    // Errors end the marked walk as they end the plain one.
    bytes.truncate(bytes.len() - 1);
    let d = parse(&bytes).unwrap();
    let last = d.strings_marked([b'.', b':']).last().unwrap();
    assert_eq!(last.map(|_| ()), d.strings().last().unwrap().map(|_| ()));
}

#[test]
fn long_length_prefixes_are_decoded() {
    // A two-byte uleb128 prefix (200 units) and a five-byte one whose last
    // byte still has the continuation bit (truncated).
    let mut item = vec![0xc8, 0x01];
    item.extend(std::iter::repeat_n(b'q', 200));
    item.push(0);
    assert_eq!(string_data(&item, 0).unwrap().len(), 200);
    assert_eq!(
        string_data(&[0x80, 0x80, 0x80, 0x80, 0x80, b'a', 0], 0).unwrap_err(),
        Error::Truncated { what: "string_data_item length", offset: 0 }
    );
    assert_eq!(
        string_data(b"\x01a\x00", 3).unwrap_err(),
        Error::Truncated { what: "string_data_item length", offset: 3 }
    );
    assert_eq!(string_data(b"\x01a\x00", 4).unwrap_err(), Error::Truncated { what: "string_data_item", offset: 4 });
}

/// What `class_defs` must return: each class resolved in turn, stopping
/// after the first error.
fn class_defs_one_by_one<'a>(d: &DexFile<'a>, classes: usize) -> Vec<Result<&'a [u8]>> {
    let mut out = Vec::new();
    for i in 0..classes {
        let r = d.type_descriptor(u32_le_at(d.class_defs, i * CLASS_DEF_SIZE).unwrap());
        let stop = r.is_err();
        out.push(r);
        if stop {
            break;
        }
    }
    out
}

/// The look-ahead iterator returns what resolving each class in turn does,
/// with failures (a type index, a string index, an unterminated string) at
/// every position of its batches, and ends where that stops.
#[test]
fn class_defs_look_ahead_matches_resolving_each_class_in_turn() {
    let names: Vec<Vec<u8>> = (0..40).map(|i| format!("Lcom/x/C{i};").into_bytes()).collect();
    let strings: Vec<&[u8]> = names.iter().map(|n| &n[..]).collect();
    let types: Vec<u32> = (0..40).collect();
    for n in [0usize, 1, 15, 16, 17, 40] {
        let classes: Vec<u32> = (0..n as u32).collect();
        let bytes = build(b"035", &strings, &types, &classes);
        let d = parse(&bytes).unwrap();
        assert_eq!(d.class_defs().collect::<Vec<_>>(), class_defs_one_by_one(&d, n), "{n} classes");
        assert_eq!(d.class_defs().count(), n);
    }
    let classes: Vec<u32> = (0..40).collect();
    for bad in [0usize, 1, 14, 15, 16, 17, 31, 32, 39] {
        // A type index past type_ids.
        let mut c = classes.clone();
        c[bad] = 1000;
        let bytes = build(b"035", &strings, &types, &c);
        let d = parse(&bytes).unwrap();
        let got: Vec<_> = d.class_defs().collect();
        assert_eq!(got, class_defs_one_by_one(&d, 40), "bad type at {bad}");
        assert_eq!(got.len(), bad + 1);
        assert!(matches!(got[bad], Err(Error::IndexOutOfRange { what: "type_ids", .. })));
        // A type whose string index is past string_ids, and after it (in
        // the same batch) a class with a bad type index: the first wins.
        let mut t = types.clone();
        t[bad] = 5000;
        let mut c = classes.clone();
        if bad + 2 < 40 {
            c[bad + 2] = 1000;
        }
        let bytes = build(b"035", &strings, &t, &c);
        let d = parse(&bytes).unwrap();
        let got: Vec<_> = d.class_defs().collect();
        assert_eq!(got, class_defs_one_by_one(&d, 40), "bad string index at {bad}");
        assert!(matches!(got[bad], Err(Error::IndexOutOfRange { what: "string_ids", .. })));
        // A string that runs off the end of the file.
        let mut bytes = build(b"035", &strings, &types, &classes);
        let end = bytes.len() as u32;
        bytes.push(3);
        bytes.extend_from_slice(b"Lno");
        let at = 0x70 + 4 * bad;
        bytes[at..at + 4].copy_from_slice(&end.to_le_bytes());
        let d = parse(&bytes).unwrap();
        let got: Vec<_> = d.class_defs().collect();
        assert_eq!(got, class_defs_one_by_one(&d, 40), "unterminated at {bad}");
        assert!(matches!(got[bad], Err(Error::UnterminatedString { .. })));
    }
}

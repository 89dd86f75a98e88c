//! DEX facts: version, table sizes, defined classes (dotted Java names) and
//! every string handed to the endpoint collector.
//!
//! Hot path: a large app has several DEX files with 100k+ strings each. The
//! strings are borrowed MUTF-8 slices; only strings that contain a `.` or a
//! `:` (every host name, IP literal or URL does) reach the endpoint scanner,
//! and nothing is allocated for the others. Each class name is built with
//! one allocation of its final size.

use crate::evidence::Anomaly;
use crate::extract::endpoints::EndpointCollector;
use crate::extract::facts::{ClassNamesBuilder, DexFacts};
use crate::formats::dex::{self, DexAnomaly, DexFile};

/// Evidence kind for endpoints found in DEX strings.
pub const KIND_DEX_STRING: &str = "dex-string";

/// Extracts one DEX entry (every member of a v41 container). `file` is the
/// nested location used in facts, evidence and anomalies. Fails only when the
/// first header is unreadable; later problems become anomalies and what was
/// read is kept.
pub fn extract(
    data: &[u8],
    file: &str,
    endpoints: &mut EndpointCollector,
) -> Result<(Vec<DexFacts>, Vec<Anomaly>), dex::Error> {
    let files = dex::parse_all(data)?;
    let mut facts = Vec::with_capacity(files.len());
    let mut anomalies = Vec::new();
    for d in &files {
        anomalies.extend(d.anomalies().iter().map(|a| to_anomaly(a, file)));
        facts.push(extract_one(d, file, endpoints, &mut anomalies));
    }
    Ok((facts, anomalies))
}

/// The dotted names of the DEX's classes up to the first unreadable
/// class_def (returned with its index). `raw`: plain descriptors are copied
/// as bytes with `/` as `.` and left to `finish` to check.
fn class_names(d: &DexFile<'_>, raw: bool) -> (ClassNamesBuilder, Option<(usize, dex::Error)>) {
    // About 32 bytes a name: class_def_count counts in-bounds records, 32
    // bytes each, so this is at most the DEX's size.
    let count = d.class_def_count() as usize;
    let mut names = ClassNamesBuilder::with_capacity(count, count.saturating_mul(32));
    for desc in d.class_defs() {
        match desc {
            Ok(desc) => match dex::class_descriptor_inner(desc) {
                Some(inner) if raw => names.push_bytes_replacing(inner, b'/', b'.'),
                _ => names.push(&dex::java_name(desc).0),
            },
            Err(e) => {
                let i = names.len();
                return (names, Some((i, e)));
            }
        }
    }
    (names, None)
}

fn to_anomaly(a: &DexAnomaly, file: &str) -> Anomaly {
    Anomaly::new(a.id, a.message.clone(), file, Some(a.offset))
}

fn extract_one(
    d: &DexFile<'_>,
    file: &str,
    endpoints: &mut EndpointCollector,
    anomalies: &mut Vec<Anomaly>,
) -> DexFacts {
    // Names are copied as bytes and checked as UTF-8 once for the whole DEX;
    // when that fails (a descriptor in MUTF-8 that is not UTF-8), the names
    // are built again, each decoded on its own.
    let (names, error) = class_names(d, true);
    let classes = match names.finish() {
        Some(c) => c,
        None => class_names(d, false).0.finish().unwrap_or_default(),
    };
    if let Some((i, e)) = error {
        anomalies.push(Anomaly::new(
            "dex-class-def-invalid",
            format!("class_defs[{i}]: {e}"),
            file,
            Some(u64::from(d.header().class_defs_off)),
        ));
    }

    // Only strings with a '.' or ':' can hold an endpoint; the parser flags
    // them while it finds each string's end (one pass over the bytes).
    for item in d.strings_marked([b'.', b':']) {
        match item {
            Ok((off, s, dot_or_colon)) => {
                if dot_or_colon && s.len() >= 4 {
                    endpoints.scan(s, KIND_DEX_STRING, file, Some(off));
                }
            }
            Err(e) => {
                anomalies.push(Anomaly::new(
                    "dex-string-invalid",
                    format!("string data: {e}"),
                    file,
                    Some(u64::from(d.header().string_ids_off)),
                ));
                break;
            }
        }
    }

    DexFacts {
        file: file.to_string(),
        version: d.version(),
        string_count: d.string_count(),
        type_count: d.type_count(),
        class_def_count: d.class_def_count(),
        classes,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::extract::endpoints::has_dot_or_colon;

    /// A DEX with two classes and a URL string (same layout as the parser
    /// tests, built inline so this module stands alone).
    fn sample() -> Vec<u8> {
        sample_with(b"Lcom/foo/Bar$Baz;")
    }

    /// `sample` with `first` as the first class's descriptor.
    fn sample_with(first: &[u8]) -> Vec<u8> {
        let strings: [&[u8]; 4] = [first, b"Lcom/foo/Main;", b"https://api.example.com/v1", b"com.foo.internal"];
        let sid_off = 0x70usize;
        let tid_off = sid_off + 16;
        let cdef_off = tid_off + 8;
        let data_off = cdef_off + 64;
        let mut data = Vec::new();
        let mut offs = Vec::new();
        for s in strings {
            offs.push((data_off + data.len()) as u32);
            data.push(s.len() as u8);
            data.extend_from_slice(s);
            data.push(0);
        }
        let mut out = vec![0u8; 0x70];
        out[..8].copy_from_slice(b"dex\n039\0");
        let total = (data_off + data.len()) as u32;
        for (at, v) in [
            (32, total),
            (36, 0x70),
            (40, dex::ENDIAN_CONSTANT),
            (56, 4),
            (60, sid_off as u32),
            (64, 2),
            (68, tid_off as u32),
            (96, 2),
            (100, cdef_off as u32),
        ] {
            out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        for o in offs {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for c in [0u32, 1] {
            let mut rec = [0u8; 32];
            rec[..4].copy_from_slice(&c.to_le_bytes());
            out.extend_from_slice(&rec);
        }
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn fills_facts_and_endpoints() {
        let bytes = sample();
        let mut ep = EndpointCollector::new();
        let (facts, anomalies) = extract(&bytes, "classes2.dex", &mut ep).unwrap();
        assert!(anomalies.is_empty(), "{anomalies:?}");
        assert_eq!(facts.len(), 1);
        let f = &facts[0];
        assert_eq!(f.file, "classes2.dex");
        assert_eq!(f.version, 39);
        assert_eq!((f.string_count, f.type_count, f.class_def_count), (4, 2, 2));
        assert_eq!(f.classes.iter().collect::<Vec<_>>(), ["com.foo.Bar$Baz", "com.foo.Main"]);
        let eps = ep.finish();
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].host, "api.example.com");
        let ev = &eps[0].evidence[0];
        assert_eq!(ev.kind, KIND_DEX_STRING);
        assert_eq!(ev.file, "classes2.dex");
        // The offset is the string_data_item's.
        let off = ev.offset.unwrap() as usize;
        assert_eq!(&bytes[off + 1..off + 1 + 26], b"https://api.example.com/v1");
    }

    /// A descriptor in MUTF-8 that is not UTF-8 (U+0000 as C0 80, a
    /// surrogate pair as two 3-byte units): every name is decoded on its own
    /// and comes out as java_name gives it.
    #[test]
    fn names_that_are_not_utf8_are_decoded_one_by_one() {
        for first in [&b"Lcom/foo/B\xc0\x80r;"[..], b"Lx/\xed\xa0\xbd\xed\xb8\x80;", b"Lx/\xff;"] {
            let bytes = sample_with(first);
            let mut ep = EndpointCollector::new();
            let (facts, anomalies) = extract(&bytes, "classes.dex", &mut ep).unwrap();
            assert!(anomalies.is_empty(), "{anomalies:?}");
            let want = [dex::java_name(first).0, "com.foo.Main".to_string()];
            assert_eq!(facts[0].classes.iter().collect::<Vec<_>>(), want, "{first:?}");
            assert!(want[0].starts_with("com.foo.B") || want[0].starts_with("x."), "{want:?}");
        }
    }

    #[test]
    fn anomalies_carry_the_file_name_and_partial_results_are_kept() {
        let mut bytes = sample();
        // Break type 1's string index: the second class fails.
        let tid_off = 0x70 + 16;
        bytes[tid_off + 4..tid_off + 8].copy_from_slice(&99u32.to_le_bytes());
        bytes.extend_from_slice(&[0; 3]);
        let mut ep = EndpointCollector::new();
        let (facts, anomalies) = extract(&bytes, "classes.dex", &mut ep).unwrap();
        assert_eq!(facts[0].classes.iter().collect::<Vec<_>>(), ["com.foo.Bar$Baz"]);
        let ids: Vec<_> = anomalies.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["dex-file-size-mismatch", "dex-class-def-invalid"]);
        assert!(anomalies.iter().all(|a| a.file == "classes.dex"));
        assert_eq!(ep.len(), 1, "strings are still scanned");
    }

    #[test]
    fn dot_or_colon_filter() {
        for (s, want) in [(&b"abcd"[..], false), (b"a.b", true), (b"ab:", true), (b"", false)] {
            assert_eq!(has_dot_or_colon(s), want);
            let mut long = vec![b'x'; 100];
            long.extend_from_slice(s);
            assert_eq!(has_dot_or_colon(&long), want);
        }
    }

    #[test]
    fn unreadable_header_is_an_error() {
        let mut ep = EndpointCollector::new();
        assert!(matches!(
            extract(b"PK\x03\x04not a dex", "classes.dex", &mut ep),
            Err(dex::Error::BadMagic { .. }) | Err(dex::Error::Truncated { .. })
        ));
    }
}

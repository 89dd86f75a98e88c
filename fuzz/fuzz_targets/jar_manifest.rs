//! v1 manifests and signature files (META-INF/MANIFEST.MF, *.SF) split into
//! sections. No panic, and: sections come in file order without overlap,
//! each within the data; a borrowed attribute points into the data; every
//! section read again from its own bytes (as an entry's digests are) gives
//! the same attributes and size; nothing is left unread below the cap.
#![no_main]
use cleanscan::verify::v1::{parse_sections, Sections, MAX_SECTIONS};
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;

fuzz_target!(|data: &[u8]| {
    let sections = parse_sections(data);
    assert!(sections.len() <= MAX_SECTIONS);
    // Fewer sections than the cap leave nothing unread.
    let mut it = Sections::new(data);
    assert_eq!(it.by_ref().count(), sections.len());
    assert!(!it.truncated());
    let range = data.as_ptr() as usize..(data.as_ptr() as usize).saturating_add(data.len());
    let mut after = 0usize;
    for s in &sections {
        assert!(s.start >= after, "section at {} before {after}", s.start);
        let end = s.start.checked_add(s.size).expect("end");
        assert!(end <= data.len() && s.size > 0);
        after = end;
        assert!(!s.attrs.is_empty());
        for (k, v) in &s.attrs {
            for c in [k, v] {
                if let Cow::Borrowed(t) = c {
                    let p = t.as_ptr() as usize;
                    assert!(t.is_empty() || (range.contains(&p) && p + t.len() <= range.end));
                }
            }
        }
        let again = parse_sections(&data[s.start..end]);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attrs, s.attrs);
        assert_eq!(again[0].size, s.size);
    }
});

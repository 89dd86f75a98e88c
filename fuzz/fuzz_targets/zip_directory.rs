//! Zip central directory, local headers, entry reads and the local-header
//! recovery scan. Invariants: offsets inside the input, reads bounded by the
//! limit, deterministic.
#![no_main]
use cleanscan::formats::zip::{ZipDirectory, ZipLimits};
use libfuzzer_sys::fuzz_target;

const MAX: u64 = 1 << 20;

fn check(data: &[u8], dir: &ZipDirectory) {
    let len = data.len() as u64;
    assert!(dir.eocd_offset <= len || dir.entries.is_empty() || dir.recovered);
    let mut buf = Vec::new();
    for e in dir.entries.iter().take(64) {
        assert!(e.cd_offset < len, "cd offset {} outside {}", e.cd_offset, len);
        if let Ok((start, _len, _)) = dir.data_range(data, e) {
            assert!(start as u64 <= len.saturating_add(65_536 + 30));
        }
        let mut head = [0u8; 4];
        let _ = dir.peek(data, e, &mut head);
        if let Ok((bytes, _)) = dir.read(data, e, MAX, &mut buf) {
            assert!(bytes.len() as u64 <= MAX);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = ZipLimits { max_entries: 4096, max_entry_bytes: MAX, max_ratio: 250, ratio_floor: 1 << 20 };
    let a = ZipDirectory::parse(data, &limits);
    let b = ZipDirectory::parse(data, &limits);
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.entries.len(), b.entries.len());
            assert_eq!(a.anomalies, b.anomalies);
            check(data, a);
        }
        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
        _ => panic!("non-deterministic parse"),
    }
    if let Ok(r) = ZipDirectory::recover(data, &limits) {
        assert!(r.entries.len() <= limits.max_entries);
        check(data, &r);
    }
});

//! ELF via goblin (wrapped): parse, printable strings, the native extractor.
#![no_main]
use cleanscan::formats::elf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = elf::parse(data);
    let b = elf::parse(data);
    assert_eq!(a.is_ok(), b.is_ok());
    if let (Ok(a), Ok(b)) = (&a, &b) {
        assert_eq!(a, b);
    }
    let range = data.as_ptr_range();
    for s in elf::printable_strings(data, 6).take(100_000) {
        let r = s.1.as_ptr_range();
        assert!(r.start >= range.start && r.end <= range.end);
    }
    let mut ep = cleanscan::extract::endpoints::EndpointCollector::new();
    let _ = cleanscan::extract::native::extract_with_anomalies(data, "lib/arm64-v8a/libx.so", &mut ep);
});

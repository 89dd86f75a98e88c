//! DEX: header, string/type/class walks, and the extractor. Every walk
//! terminates; header offsets inside the input.
#![no_main]
use cleanscan::formats::dex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(files) = dex::parse_all(data) else { return };
    for d in &files {
        assert!(d.header_offset() <= data.len());
        for a in d.anomalies() {
            assert!(a.offset <= data.len() as u64 + 0x78, "{} at {}", a.id, a.offset);
        }
        let mut s = String::new();
        for item in d.strings() {
            if let Ok((_, bytes)) = item {
                s.clear();
                dex::mutf8_to_string(bytes, &mut s);
            }
        }
        for c in d.class_defs() {
            if let Ok(desc) = c {
                s.clear();
                let _ = dex::descriptor_to_java_name(desc, &mut s);
            }
        }
        for i in 0..d.type_count().min(1000) {
            let _ = d.type_descriptor(i);
        }
        let _ = d.checksum_ok();
    }
    let mut ep = cleanscan::extract::endpoints::EndpointCollector::new();
    let _ = cleanscan::extract::dex::extract(data, "classes.dex", &mut ep);
});

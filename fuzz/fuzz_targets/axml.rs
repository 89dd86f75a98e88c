//! Binary XML: parse, render, manifest extraction. Invariants: anomaly
//! offsets inside the input, deterministic output.
#![no_main]
use cleanscan::formats::axml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = axml::parse(data) else { return };
    for a in &doc.anomalies {
        if let Some(o) = a.offset {
            assert!(o <= data.len() as u64, "{} at {o} outside {}", a.id, data.len());
        }
    }
    let x1 = axml::to_xml(&doc);
    let doc2 = axml::parse(data).expect("second parse");
    assert_eq!(x1, axml::to_xml(&doc2));
    let _ = cleanscan::extract::manifest::extract(data, None, "AndroidManifest.xml");
});

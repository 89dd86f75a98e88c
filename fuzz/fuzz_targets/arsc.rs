//! resources.arsc: parse and look ids up. Deterministic; no panic.
#![no_main]
use cleanscan::formats::arsc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = arsc::parse(data) else { return };
    for a in &t.anomalies {
        if let Some(o) = a.offset {
            assert!(o <= data.len() as u64, "{} at {o} outside {}", a.id, data.len());
        }
    }
    let n = t.global_strings().take(10_000).count();
    let t2 = arsc::parse(data).expect("second parse");
    assert_eq!(n, t2.global_strings().take(10_000).count());
    // The strings holding '.' or ':' are those the full list gives with one,
    // unless the decode budget ran out there (a string iter_holding skips
    // spends none, so a later one may then decode where it failed before).
    let t3 = arsc::parse(data).expect("third parse");
    let holding: Vec<&str> = t3.global_strings_holding([b'.', b':']).take(10_000).collect();
    let all: Vec<&str> = t2.global_strings().collect();
    if t2.strings.bad_strings() == 0 {
        let want: Vec<&str> = all.into_iter().filter(|s| s.contains(['.', ':'])).take(10_000).collect();
        assert_eq!(holding, want);
    }
    let _ = t.package_names().count();
    for id in [0x7f01_0000u32, 0x7f02_0000, 0x7f03_0001, 0x0101_0000, 0x7f00_0000, 0xffff_ffff] {
        let _ = t.resolve(id);
        let _ = t.resolve_string(id);
        let _ = t.resolve_file(id);
        let _ = t.resource_name(id);
    }
    // Drive the manifest path with this table too.
    let _ = t.anomalies_for("resources.arsc");
});

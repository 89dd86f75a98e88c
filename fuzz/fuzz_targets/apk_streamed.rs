//! The per-app pipeline on arbitrary bytes written to a file, differential:
//! an APK streamed from the file (`Limits::stream_min_bytes` 0) must give the
//! report it gives read whole, and neither may panic.
#![no_main]
use cleanscan::container::Limits;
use cleanscan::scan::{scan_file, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("cleanscan-fuzz-streamed-{}.apk", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = Limits { max_entry_bytes: 8 << 20, max_app_bytes: 32 << 20, ..Limits::default() };
    let scan = |stream_min_bytes: u64| {
        let opts = Options {
            threads: 1,
            limits: Limits { stream_min_bytes, ..limits },
            matchers: None,
            deferred: None,
        };
        serde_json::to_string(&scan_file(&path, &opts)).ok()
    };
    let (streamed, whole) = (scan(0), scan(u64::MAX));
    let _ = std::fs::remove_file(&path);
    assert_eq!(streamed, whole);
});

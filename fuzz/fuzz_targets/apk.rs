//! The whole per-app pipeline on arbitrary bytes: never panics (a panic here
//! is what `scan_input` would turn into an `internal` record), deterministic.
#![no_main]
use cleanscan::container::Limits;
use cleanscan::report::AppReport;
use cleanscan::scan::{scan_bytes, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_entry_bytes: 8 << 20, max_app_bytes: 32 << 20, ..Limits::default() };
    let opts = Options { threads: 1, limits, matchers: None, deferred: None };
    let a = scan_bytes(data, AppReport::default(), &opts);
    let b = scan_bytes(data, AppReport::default(), &opts);
    assert_eq!(serde_json::to_string(&a).ok(), serde_json::to_string(&b).ok());
});

//! APK Signing Block: locate before a central directory at the end of the
//! input, and parse each v2/v3/v3.1 value; also the input as a scheme value.
#![no_main]
use cleanscan::formats::sigblock::{self, Scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for scheme in [Scheme::V2, Scheme::V3, Scheme::V31] {
        let _ = sigblock::parse_scheme_block(data, 0, scheme);
    }
    let cd = data.len() as u64;
    if let Ok(Some(block)) = sigblock::locate(data, cd) {
        assert!(block.offset.saturating_add(block.size) <= cd, "block ends past the central directory");
        for p in &block.pairs {
            assert!(p.offset <= cd);
            if let Some(s) = Scheme::from_block_id(p.id) {
                let _ = sigblock::parse_scheme_block(p.value, p.offset, s);
            }
        }
    }
    let out = cleanscan::extract::signers::extract(data, cd, &[]);
    let _ = out.signers.len();
});

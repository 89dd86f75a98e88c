//! Anchored patterns of the signature database matched without the regex
//! crate (`signatures::compile`: globs of literal text and `.*`, and
//! `Linear` patterns of characters, simple classes and repeats): for any
//! pattern either reads, and any text, the match is the regex's. The
//! input is the pattern, a NUL, then the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Some((pattern, text)) = s.split_once('\0') else { return };
    if let Err(e) = cleanscan::signatures::compile::pattern_agrees_with_regex(pattern, text) {
        panic!("{e}");
    }
});

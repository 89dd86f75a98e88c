//! The lean copy of a database file (`signatures::lean`), which a scan of
//! the built-in database parses instead of the file: a load through it
//! (falling back to the bytes on an error) gives exactly what a load of the
//! bytes gives, the same entries or the same error. The first byte picks
//! the file (`sdks.json`, `clouds.json`, `publishers.json`); the rest is
//! the file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, text)) = data.split_first() else { return };
    if let Err(e) = cleanscan::signatures::lean_load_agrees(kind % 3, text) {
        panic!("{e}");
    }
});

//! Verification on real fixtures (skipped when ../shared is absent) and on
//! mutated copies of them, one test per class of failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::formats::zip::{ZipDirectory, ZipLimits};

pub(crate) fn corpus(rel: &str) -> Option<Vec<u8>> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real").join(rel);
    match std::fs::read(&p) {
        Ok(d) => Some(d),
        Err(_) => {
            eprintln!("skipped: {} is absent", p.display());
            None
        }
    }
}

pub(crate) fn run(data: &[u8], min_sdk: Option<u32>) -> Verification {
    let dir = ZipDirectory::parse(data, &ZipLimits::default()).unwrap();
    verify(data, &dir, &Input { min_sdk, max_entry_bytes: 1 << 30, ..Input::default() })
}

#[test]
fn v2_only_verifies_when_min_sdk_allows() {
    let Some(apk) = corpus("apksig/v2-only-with-rsa-pkcs1-sha256-2048.apk") else { return };
    let v = run(&apk, Some(24));
    assert!(v.verified, "{:?}", v.errors);
    assert_eq!(v.signer_certs.len(), 1);
    // minSdk 23 requires v1, which is missing.
    let v = run(&apk, Some(23));
    assert!(!v.verified);
    assert!(v.errors.iter().any(|e| e.contains("missing META-INF/MANIFEST.MF")), "{:?}", v.errors);
}

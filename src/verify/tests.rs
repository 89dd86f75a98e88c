//! Verification on real fixtures (each test skips with a message when
//! ../shared is absent) and on mutated copies of them: one test per class of
//! failure, each asserting the specific reason.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::formats::zip::{ZipDirectory, ZipLimits};

/// Shared with `hostile_gen`, which writes the same kind of APK for
/// `scripts/bench_hostile.sh`.
#[path = "../../tests/hostile/append.rs"]
mod append;

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

fn run_with(data: &[u8], input: Input<'_>) -> Verification {
    let dir = ZipDirectory::parse(data, &ZipLimits::default()).unwrap();
    verify(data, &dir, &Input { max_entry_bytes: 1 << 30, ..input })
}

pub(crate) fn run(data: &[u8], min_sdk: Option<u32>) -> Verification {
    run_with(data, Input { min_sdk, ..Input::default() })
}

fn has(v: &Verification, needle: &str) -> bool {
    v.errors.iter().any(|e| e.contains(needle))
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
    assert!(has(&v, "missing META-INF/MANIFEST.MF"), "{:?}", v.errors);
}

#[test]
fn every_v2_algorithm_verifies() {
    for name in [
        "v2-only-with-rsa-pss-sha256-2048.apk",
        "v2-only-with-rsa-pss-sha512-4096.apk",
        "v2-only-with-rsa-pkcs1-sha512-16384.apk",
        "v2-only-with-ecdsa-sha256-p256.apk",
        "v2-only-with-ecdsa-sha512-p521.apk",
        "v2-only-with-dsa-sha256-3072.apk",
        "golden-rsa-verity-out.apk",
    ] {
        let Some(apk) = corpus(&format!("apksig/{name}")) else { return };
        let v = run(&apk, Some(24));
        assert!(v.verified, "{name}: {:?}", v.errors);
    }
}

#[test]
fn content_digest_mismatch_names_the_digest() {
    let Some(mut apk) = corpus("apksig/v2-only-with-rsa-pkcs1-sha256-2048.apk") else { return };
    apk[40] ^= 0x01; // inside the first local header's name: covered by section 1
    let v = run(&apk, Some(24));
    assert!(!v.verified);
    assert!(has(&v, "v2 signer #1: APK integrity check failed: CHUNKED_SHA256 digest mismatch"), "{:?}", v.errors);
}

#[test]
fn signature_over_signed_data_fails() {
    let Some(apk) = corpus("apksig/v2-only-with-ecdsa-sha256-p256-sig-does-not-verify.apk") else { return };
    let v = run(&apk, Some(24));
    assert!(has(&v, "v2 signer #1: ECDSA_WITH_SHA256 signature over signed-data did not verify"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v3-only-with-dsa-sha256-2048-sig-does-not-verify.apk") else { return };
    let v = run(&apk, Some(28));
    // Its key fails DSA's y^q = 1 (mod p) check before the signature is tried.
    assert!(has(&v, "v3 signer #1: invalid DSA public key"), "{:?}", v.errors);
}

#[test]
fn record_mismatches() {
    let Some(apk) = corpus("apksig/v2-only-cert-and-public-key-mismatch.apk") else { return };
    assert!(has(&run(&apk, Some(24)), "public key mismatch between certificate and signature record"));
    let Some(apk) = corpus("apksig/v3-only-signatures-and-digests-block-mismatch.apk") else { return };
    assert!(has(&run(&apk, Some(28)), "signature algorithms mismatch between signatures"));
    let Some(apk) = corpus("apksig/v2-only-no-certs-in-sig.apk") else { return };
    assert!(has(&run(&apk, Some(24)), "v2 signer #1: no certificates"));
    let Some(apk) = corpus("apksig/v2-only-two-signers-second-signer-no-supported-sig.apk") else { return };
    assert!(has(&run(&apk, Some(24)), "v2 signer #2: no supported signatures"));
}

#[test]
fn stripping_protection() {
    let Some(apk) = corpus("apksig/v2-stripped.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(has(&v, "X-Android-APK-Signed"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v3-stripped.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(has(&v, "APK Signature Scheme v3 but no such signature was found"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v31-block-stripped-v3-attr-value-33.apk") else { return };
    assert!(has(&run(&apk, Some(23)), "none was found (stripped)"));
}

#[test]
fn v1_entry_digest_mismatch_names_the_entry() {
    let Some(mut apk) = corpus("apksig/v1-only-with-rsa-2048.apk") else { return };
    let dir = ZipDirectory::parse(&apk, &ZipLimits::default()).unwrap();
    let e = dir.entries.iter().find(|e| e.method == 0 && !e.name.starts_with("META-INF/") && e.compressed_size > 0);
    let Some(e) = e else { panic!("fixture has a stored entry") };
    let name = e.name.clone();
    let (start, _, _) = dir.data_range(&apk, e).unwrap();
    apk[start] ^= 0xff;
    let v = run(&apk, Some(23));
    assert!(!v.verified);
    assert!(has(&v, &format!("digest of {name} does not match META-INF/MANIFEST.MF")), "{:?}", v.errors);
}

#[test]
fn v1_signature_block_and_sf_failures() {
    let Some(apk) = corpus("apksig/v1-only-with-signed-attrs-wrong-signature.apk") else { return };
    let v = run(&apk, Some(19));
    assert!(has(&v, "RSA-2048.RSA signature did not verify against META-INF/RSA-2048.SF"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v1-sha1-sha256-manifest-and-sf-with-sha1-wrong-in-sf.apk") else { return };
    let v = run(&apk, None);
    assert!(has(&v, "SHA-1 digest of META-INF/MANIFEST.MF section for"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v1-only-with-dsa-sha384-2.16.840.1.101.3.4.3.3-1024.apk") else { return };
    assert!(has(&run(&apk, None), "is not supported on all API levels"));
    let Some(apk) = corpus("apksig/v1-only-11-signers.apk") else { return };
    assert!(has(&run(&apk, None), "11 JAR signers exceed the maximum of 10"));
}

#[test]
fn v1_algorithms_verify() {
    for name in [
        "v1-only-with-rsa-pkcs1-md5-1.2.840.113549.1.1.4-2048.apk",
        "v1-only-with-ecdsa-sha1-1.2.840.10045.2.1-p521.apk",
        "v1-only-with-dsa-sha256-2.16.840.1.101.3.4.3.2-3072.apk",
        "v1-only-with-rsa-1024-cert-not-der.apk",
        "v1-only-with-signed-attrs-signerInfo1-wrong-signature-signerInfo2-good.apk",
    ] {
        let Some(apk) = corpus(&format!("apksig/{name}")) else { return };
        let v = run(&apk, Some(24));
        assert!(v.verified, "{name}: {:?}", v.errors);
    }
}

#[test]
fn lineage_is_reported_oldest_first() {
    let Some(apk) = corpus("apksig/v1v2v3-with-rsa-2048-lineage-3-signers.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(v.verified, "{:?}", v.errors);
    assert_eq!(v.lineage.len(), 3);
    assert_eq!(v.signer_certs.first(), v.lineage.last().map(|n| &n.cert));
    let Some(apk) = corpus("apksig/v31-2elem-incorrect-lineage.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(has(&v, "proof-of-rotation record #2 signature did not verify"), "{:?}", v.errors);
}

#[test]
fn targets_and_sandbox_need_v2() {
    let Some(apk) = corpus("apksig/v1-ec-p256-targetSdk-30.apk") else { return };
    let v = run_with(&apk, Input { min_sdk: Some(29), target_sdk: Some(30), ..Input::default() });
    assert!(has(&v, "targetSdkVersion 30 requires a minimum of signature scheme v2"), "{:?}", v.errors);
    let Some(apk) = corpus("apksig/v1-only-targetSandboxVersion-2.apk") else { return };
    let v = run_with(&apk, Input { min_sdk: Some(18), target_sandbox_version: Some(2), ..Input::default() });
    assert!(has(&v, "targetSandboxVersion 2 requires"), "{:?}", v.errors);
}

#[test]
fn v4_idsig_verifies_and_detects_tampering() {
    let name = "apksig/v31-rsa-2048_2-tgt-10000-dev-release.apk";
    let (Some(apk), Some(idsig)) = (corpus(name), corpus(&format!("{name}.idsig"))) else { return };
    let v = run_with(&apk, Input { min_sdk: Some(23), idsig: Some(&idsig), ..Input::default() });
    assert!(v.verified, "{:?}", v.errors);
    assert!(v.schemes.iter().any(|s| s.scheme == "v4" && s.verified));
    let mut bad = idsig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let v = run_with(&apk, Input { min_sdk: Some(23), idsig: Some(&bad), ..Input::default() });
    assert!(has(&v, "v4:"), "{:?}", v.errors);
}

#[test]
fn source_stamp_is_reported_apart() {
    let Some(apk) = corpus("apksig/valid-stamp.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(v.verified, "{:?}", v.errors);
    assert_eq!(v.source_stamp.as_ref().map(|s| s.verified), Some(true));
    let Some(apk) = corpus("apksig/stamp-certificate-mismatch.apk") else { return };
    let v = run(&apk, Some(23));
    assert!(v.verified, "a bad stamp does not fail the APK (apksig)");
    let s = v.source_stamp.unwrap();
    assert!(!s.verified);
    assert!(s.errors[0].contains("stamp-cert-sha256"));
}

#[test]
fn unsigned_and_garbage_never_verify() {
    let Some(apk) = corpus("apksig/golden-aligned-in.apk") else { return };
    let v = run(&apk, None);
    assert!(!v.verified);
    assert!(has(&v, "no JAR signatures"), "{:?}", v.errors);
}

#[test]
fn v1_entry_contents_are_hashed_only_when_no_v2_signature_covers_them() {
    let Some(apk) = corpus("apksig/golden-aligned-v1v2-out.apk") else { return };
    let skipped = |v: &Verification| v.warnings.iter().any(|w| w.contains("entry contents not hashed"));
    // minSdk 18 (< 24): Android < 7 checks v1, so v1 is verified; v2 covers the entries.
    let fast = run(&apk, Some(18));
    assert!(fast.verified, "{:?}", fast.errors);
    assert!(fast.schemes.iter().any(|s| s.scheme == "v1" && s.verified));
    assert!(skipped(&fast));
    let full = run_with(&apk, Input { min_sdk: Some(18), all_v1_digests: true, ..Input::default() });
    assert!(full.verified, "{:?}", full.errors);
    assert!(!skipped(&full));
    // v1 only: entry contents are always hashed, so a changed entry fails.
    let Some(v1) = corpus("apksig/golden-aligned-v1-out.apk") else { return };
    let v = run(&v1, Some(18));
    assert!(v.verified && !skipped(&v), "{:?}", v.errors);
}

#[test]
fn v1_beside_the_block_schemes_gives_what_one_after_the_other_gives() {
    // Every apksig fixture (valid, stripped, tampered, v3.1 without v3,
    // with and without its .idsig), at minSdk values on each side of the
    // scheme rules (24: v1 needed below, 28: v2 needed below).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real/apksig");
    let Ok(list) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let mut names: Vec<_> =
        list.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".apk")).collect();
    names.sort();
    assert!(names.len() > 100, "the apksig fixtures: {}", names.len());
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let (mut planned_checked, mut v1_run) = (0, 0);
    for name in &names {
        let data = std::fs::read(dir.join(name)).unwrap();
        let Ok(zip) = ZipDirectory::parse(&data, &ZipLimits::default()) else { continue };
        let idsig = std::fs::read(dir.join(format!("{name}.idsig"))).ok();
        for min_sdk in [None, Some(23), Some(24), Some(28)] {
            let input = Input { min_sdk, idsig: idsig.as_deref(), max_entry_bytes: 1 << 30, ..Input::default() };
            let block = sigblock::locate(&data, zip.cd_offset).ok().flatten();
            let planned = schemes_to_verify(block.as_ref(), min_sdk.unwrap_or(1), input.idsig.is_some());
            let supported = [2, 3];
            if let Ok(b) = verify_block_schemes(
                Source::Memory(&data),
                &zip,
                &input,
                block.as_ref(),
                min_sdk.unwrap_or(1),
                &supported,
                &planned,
            ) {
                assert_eq!(b.found, planned, "{name} at minSdk {min_sdk:?}");
                planned_checked += 1;
            }
            let sequential = one.install(|| verify(&data, &zip, &input));
            let side_by_side = two.install(|| verify(&data, &zip, &input));
            assert_eq!(sequential, side_by_side, "{name} at minSdk {min_sdk:?}");
            v1_run += usize::from(sequential.schemes.iter().any(|s| s.scheme == "v1"));
        }
    }
    // Both kinds of case are exercised: block schemes that verify, and v1.
    assert!(planned_checked > 100 && v1_run > 100, "{planned_checked} planned, {v1_run} with v1");
}

/// Flips the first byte of the stored entries (not under META-INF/, not
/// empty, in file order) that `pick` chooses; their names, in file order.
fn change_stored_entries(
    apk: &mut [u8],
    pick: impl for<'a> FnOnce(&[&'a crate::formats::zip::ZipEntry]) -> Vec<&'a crate::formats::zip::ZipEntry>,
) -> Vec<String> {
    let dir = ZipDirectory::parse(apk, &ZipLimits::default()).unwrap();
    let mut stored: Vec<_> = dir
        .entries
        .iter()
        .filter(|e| e.method == 0 && !e.name.starts_with("META-INF/") && e.compressed_size > 0)
        .collect();
    stored.sort_by_key(|e| e.local_header_offset);
    let picked = pick(&stored);
    for e in &picked {
        let start = dir.data_range(&*apk, e).unwrap().0;
        apk[start] ^= 0xff;
    }
    picked.iter().map(|e| e.name.clone()).collect()
}

/// v1 verification (min SDK 18) of `apk` on a pool of one thread and on
/// one of two, which must agree; the result.
fn v1_on_one_and_two_threads(apk: &[u8]) -> Verification {
    let dir = ZipDirectory::parse(apk, &ZipLimits::default()).unwrap();
    let input = Input { min_sdk: Some(18), max_entry_bytes: 1 << 30, ..Input::default() };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let sequential = one.install(|| verify(apk, &dir, &input));
    let side_by_side = two.install(|| verify(apk, &dir, &input));
    assert_eq!(sequential, side_by_side);
    sequential
}

#[test]
fn v1_entry_digests_hashed_side_by_side_report_every_failure_in_file_order() {
    // A v1-only APK of 396 entries with every 15th stored entry changed:
    // the failures fall in different parallel tasks, and come out in the
    // order of the entries in the file, whatever thread hashed them.
    let Some(mut apk) = corpus("vasdolly/v1-base-debug.apk") else { return };
    let changed = change_stored_entries(&mut apk, |stored| stored.iter().step_by(15).copied().collect());
    assert!(changed.len() >= 10, "{} changed entries", changed.len());
    let sequential = v1_on_one_and_two_threads(&apk);
    assert!(!sequential.verified);
    let named: Vec<&str> = sequential
        .errors
        .iter()
        .filter_map(|e| e.strip_prefix("v1: SHA-256 digest of ").or_else(|| e.strip_prefix("v1: SHA-1 digest of ")))
        .filter_map(|e| e.strip_suffix(" does not match META-INF/MANIFEST.MF"))
        .collect();
    let want: Vec<&str> = changed.iter().map(String::as_str).collect();
    assert_eq!(named, want, "{:?}", sequential.errors);
}

#[test]
fn v1_errors_of_a_manifest_naming_thousands_of_absent_entries_are_listed_up_to_the_cap() {
    // CertChain.apk keeps only META-INF/: its MANIFEST.MF (903 KB) names
    // 7,715 entries the APK lacks.
    let Some(apk) = corpus("androguard/APK/CertChain.apk") else { return };
    let dir = ZipDirectory::parse(&apk, &ZipLimits::default()).unwrap();
    let mut buf = Vec::new();
    let (mf, _) = dir.read(&apk[..], dir.find("META-INF/MANIFEST.MF").unwrap(), 1 << 30, &mut buf).unwrap();
    let sections = mf.split(|&b| b == b'\n').filter(|l| l.starts_with(b"Name: ")).count();
    assert_eq!(sections, 7715);
    let v = run(&apk, None);
    assert!(!v.verified);
    let listed = v1::MAX_LISTED_ERRORS;
    let absent: Vec<&String> = v.errors.iter().filter(|e| e.ends_with("not found in the APK")).collect();
    assert_eq!(absent.len(), listed);
    assert_eq!(absent[0], "v1: AndroidManifest.xml entry referenced by META-INF/MANIFEST.MF not found in the APK");
    let more = format!(
        "v1: {} more errors about the sections of META-INF/MANIFEST.MF, not listed (the first {listed} are)",
        sections - listed
    );
    assert_eq!(v.errors.last(), Some(&more), "{:?}", v.errors.last());
}

#[test]
fn v1_errors_about_entries_are_listed_in_file_order_up_to_the_cap_whether_named_or_hashed() {
    // The v1-only APK with two stored entries changed (digest mismatches,
    // found by hashing) and 150 entries added after the last one (absent
    // from the manifest, found by name): the first 100 errors in file order,
    // then the count of the rest, on one thread or two.
    let Some(mut apk) = corpus("vasdolly/v1-base-debug.apk") else { return };
    let changed = change_stored_entries(&mut apk, |stored| vec![stored[10], stored[200]]);
    let added: Vec<String> = (0..150).map(|i| format!("extra/{i:03}.txt")).collect();
    let sequential = v1_on_one_and_two_threads(&append::with_entries_added(&apk, &added, crate::formats::zip::crc32));
    assert!(!sequential.verified);
    let listed = v1::MAX_LISTED_ERRORS;
    let mut want: Vec<String> =
        changed.iter().map(|n| format!("v1: SHA-256 digest of {n} does not match META-INF/MANIFEST.MF")).collect();
    want.extend(added.iter().take(listed - 2).map(|n| format!("v1: no digest for {n} in META-INF/MANIFEST.MF")));
    want.push(format!("v1: {} more errors about entries, not listed (the first {listed} are)", 152 - listed));
    assert_eq!(sequential.errors, want);
}

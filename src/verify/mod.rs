//! Signature verification at apksigner's level (AOSP apksig `ApkVerifier`):
//! v1 (JAR), v2, v3, v3.1 and v4, with the SDK-range rules that decide which
//! schemes Android checks.
//!
//! The overall verdict follows `ApkVerifier.verify` with maxSdk unbounded and
//! minSdk from the manifest (1 when absent): v3.1 (if present), then v3 (if
//! present; required when v3.1 is), then v2 when minSdk < 28 or nothing newer
//! was found, then v4 when an `.idsig` is given, then v1 when minSdk < 24 or
//! no APK Signing Block scheme was found. Any present scheme that fails
//! fails the APK; stripping protection (v2 attribute, `X-Android-APK-Signed`,
//! v3 rotation-min-sdk) catches removed schemes. Then the cross-scheme
//! checks: v1 and v2 signers must match, v1/v2 signer must be the v3 signer or
//! the root of its lineage, targetSdk >= 30 needs v2+, targetSandboxVersion
//! >= 2 needs v2+.

mod bigmod;
pub mod crypto;
pub mod digest;
pub mod ec;
pub mod shared;
pub mod stamp;
pub mod v1;
pub mod v2v3;
pub mod v4;

use crate::formats::sigblock::{self, SigningBlock};
use crate::formats::source::Source;
use crate::formats::zip::ZipDirectory;
use v1::V1Result;
use v2v3::{Context, LineageNode, Scheme, SchemeResult};

const SDK_MAX: u32 = i32::MAX as u32;
const SDK_O: u32 = 26;
const SDK_R: u32 = 30;

/// What verification needs besides the APK bytes.
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    /// minSdkVersion from the manifest (None: 1, Android's default).
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub target_sandbox_version: Option<u32>,
    /// The `APK.idsig` v4 signature file beside the APK.
    pub idsig: Option<&'a [u8]>,
    /// Largest entry inflated for v1 digests.
    pub max_entry_bytes: u64,
    /// Hash every v1 entry even when a verified v2/v3 signature covers
    /// every entry byte (see `Limits::verify_all_v1_digests`).
    pub all_v1_digests: bool,
    /// The caller's SHA-256 of this APK, offered to the chunked SHA-256
    /// content digest to take side by side with its chunks.
    pub file_digest: Option<&'a digest::FileDigest<'a>>,
    /// Entries the analysis inflates, for v1 entry digests to reuse.
    pub shared_entries: Option<&'a shared::SharedEntries>,
}

/// The outcome of one scheme for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeOutcome {
    /// `v1`, `v2`, `v3`, `v3.1`, `v4`, `source-stamp`
    pub scheme: &'static str,
    pub verified: bool,
    /// All errors, each naming the signer / entry / digest.
    pub errors: Vec<String>,
    /// Certificates of the scheme's signers (first = signing certificate).
    pub signer_certs: Vec<Vec<u8>>,
    /// v3/v3.1: each signer's SDK range, parallel to `signer_certs`.
    pub signer_sdk: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub verified: bool,
    /// Every error that made the verdict false.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Schemes Android would check for this APK, in check order.
    pub schemes: Vec<SchemeOutcome>,
    /// The signing certificate lineage (oldest first), from v3/v3.1.
    pub lineage: Vec<LineageNode>,
    /// The signers apksigner reports for a verified APK (the newest v3.1/v3
    /// signer, else every v2, else every v1 signer).
    pub signer_certs: Vec<Vec<u8>>,
    pub source_stamp: Option<stamp::StampResult>,
}

impl Verification {
    fn outcome(&self, scheme: &str) -> Option<&SchemeOutcome> {
        self.schemes.iter().find(|s| s.scheme == scheme)
    }

    fn ok(&self, scheme: &str) -> bool {
        self.outcome(scheme).is_some_and(|s| s.verified)
    }

    fn fail(&mut self, e: String) -> &mut Self {
        self.errors.push(e);
        self
    }
}

fn from_scheme(r: &SchemeResult) -> SchemeOutcome {
    SchemeOutcome {
        scheme: r.scheme.name(),
        verified: r.verified,
        errors: r.all_errors(),
        signer_certs: r.signers.iter().filter_map(|s| s.cert().map(<[u8]>::to_vec)).collect(),
        signer_sdk: r.signers.iter().filter(|s| s.cert().is_some()).map(|s| (s.min_sdk, s.max_sdk)).collect(),
    }
}

fn from_v1(r: &V1Result) -> SchemeOutcome {
    SchemeOutcome {
        scheme: "v1",
        verified: r.verified,
        errors: r.all_errors(),
        signer_certs: r.signers.iter().filter_map(|s| s.chain.first().cloned()).collect(),
        signer_sdk: Vec::new(),
    }
}

/// Verifies an APK's signatures. Never panics; malformed structures become
/// errors.
///
/// The APK Signing Block schemes and v1 are verified side by side when the
/// pool has a free thread (`rayon::join`; at -j 1 one after the other): v1
/// needs from them only which schemes are present, known before either
/// starts. When a block scheme fails, the v1 result is dropped, as apksig
/// stops there too.
pub fn verify(apk: &[u8], dir: &ZipDirectory, input: &Input<'_>) -> Verification {
    verify_source(Source::Memory(apk), dir, input)
}

/// [`verify`] of an APK of any [`Source`] (a file read as needed).
pub fn verify_source(apk: Source<'_>, dir: &ZipDirectory, input: &Input<'_>) -> Verification {
    let min_sdk = input.min_sdk.unwrap_or(1);
    let max_sdk = SDK_MAX;
    let supported: Vec<u32> = vec![2, 3];
    // A malformed block is "no signing block" for apksig (SignatureNotFound).
    let block: Option<SigningBlock<'_>> = sigblock::locate_source(apk, dir.cd_offset).ok().flatten();
    let found = schemes_to_verify(block.as_ref(), min_sdk, input.idsig.is_some());
    let (run_v1, entry_digests) = v1_plan(&found, min_sdk, input.all_v1_digests);
    let (blocks, v1) = rayon::join(
        || verify_block_schemes(apk, dir, input, block.as_ref(), min_sdk, &supported, &found),
        || {
            run_v1.then(|| {
                v1::verify(&v1::V1Input {
                    apk,
                    dir,
                    min_sdk,
                    max_sdk,
                    supported_scheme_ids: &supported,
                    found_scheme_ids: &found,
                    max_entry_bytes: input.max_entry_bytes,
                    entry_digests,
                    shared: input.shared_entries,
                })
            })
        },
    );
    let BlockSchemes { mut out, results, cache, found: verified_found } = match blocks {
        Ok(b) => b,
        Err(failed) => return finish_failed(*failed),
    };
    debug_assert_eq!(verified_found, found, "the schemes verified are the ones planned");
    let find = |id: u32| block.as_ref().and_then(|b| b.find(id)).map(|p| p.value);
    // v1
    if let Some(r) = v1 {
        if !entry_digests {
            out.warnings.push(
                "v1: entry contents not hashed: the verified v2+ signature covers every entry byte \
                 (--verify-v1-entries hashes them as apksigner does)"
                    .into(),
            );
        }
        out.warnings.extend(r.warnings.iter().map(|w| format!("v1: {w}")));
        out.schemes.push(from_v1(&r));
    }
    for r in &results {
        for s in &r.signers {
            out.warnings.extend(s.warnings.iter().map(|w| format!("{} signer #{}: {w}", r.scheme.name(), s.index + 1)));
        }
    }
    if out.schemes.iter().any(|s| !s.verified) || !out.errors.is_empty() {
        return finish_failed(out);
    }
    // Source stamp.
    if let Some(e) = dir.find(stamp::STAMP_CERT_ENTRY) {
        let mut buf = Vec::new();
        let digest_entry = dir.read(apk, e, 4096, &mut buf).map(|(b, _)| b.to_vec()).unwrap_or_default();
        match find(sigblock::V2_SOURCE_STAMP_BLOCK_ID) {
            // apksig reports the stamp apart (`Result.getSourceStampInfo`);
            // a bad stamp does not fail the APK.
            Some(v) => {
                let s = stamp::verify(v, &digest_entry, &cache, &out);
                out.warnings.extend(s.errors.iter().map(|e| format!("source stamp: {e}")));
                out.source_stamp = Some(s);
            }
            None => out.warnings.push("source stamp entry present but no source stamp block".into()),
        }
    }
    cross_checks(&mut out, &results);
    if let Some(t) = input.target_sdk {
        if t >= SDK_R && max_sdk >= t && !(out.ok("v2") || out.ok("v3") || out.ok("v3.1")) {
            out.fail(format!(
                "targetSdkVersion {t} requires a minimum of signature scheme v2; the APK is not signed with it"
            ));
        }
    }
    if !out.errors.is_empty() {
        return finish_failed(out);
    }
    out.verified = true;
    let pick = |s: &str| out.outcome(s).map(|o| o.signer_certs.clone());
    out.signer_certs = if out.ok("v3.1") {
        pick("v3.1").and_then(|c| c.last().cloned()).into_iter().collect()
    } else if out.ok("v3") {
        pick("v3").and_then(|c| c.last().cloned()).into_iter().collect()
    } else if out.ok("v2") {
        pick("v2").unwrap_or_default()
    } else {
        pick("v1").unwrap_or_default()
    };
    out
}

/// Whether v1 runs, and whether it hashes every entry's contents, given the
/// schemes found besides it (`schemes_to_verify`).
fn v1_plan(found: &[u32], min_sdk: u32, all_v1_digests: bool) -> (bool, bool) {
    let run_v1 = min_sdk < v2v3::SDK_N || found.is_empty();
    // Reaching v1's place, every v2+ scheme found has verified (a failure
    // returns early): its digests cover every byte of every entry.
    let entry_digests = all_v1_digests || found.iter().all(|&s| s == 4);
    (run_v1, entry_digests)
}

/// `Π base_i^exp_i mod n` over big-endian byte strings, with a modulus set
/// up afresh (as for a key's first signature): the arithmetic of RSA and DSA
/// verification, for the stage benchmarks and the `modpow` fuzz target.
/// None unless `n` is odd and > 1.
#[doc(hidden)]
pub fn modpow_be(n: &[u8], terms: &[(&[u8], &[u8])]) -> Option<Vec<u8>> {
    let m = bigmod::Modulus::new(&bigmod::Nat::from_be_bytes(n))?;
    let nats: Vec<(bigmod::Nat, bigmod::Nat)> =
        terms.iter().map(|(b, e)| (bigmod::Nat::from_be_bytes(b), bigmod::Nat::from_be_bytes(e))).collect();
    let refs: Vec<(&bigmod::Nat, &bigmod::Nat)> = nats.iter().map(|(b, e)| (b, e)).collect();
    Some(m.multi_pow(&refs).to_be_bytes())
}

/// Whether [`verify_source`] with this input will hash the contents of
/// every v1 entry (there is a `MANIFEST.MF` to check them against), so
/// that the analysis can share the entries it inflates
/// (`Input::shared_entries`).
pub fn hashes_v1_entries(apk: Source<'_>, dir: &ZipDirectory, input: &Input<'_>) -> bool {
    if dir.find("META-INF/MANIFEST.MF").is_none() {
        return false;
    }
    let min_sdk = input.min_sdk.unwrap_or(1);
    let block = sigblock::locate_source(apk, dir.cd_offset).ok().flatten();
    let found = schemes_to_verify(block.as_ref(), min_sdk, input.idsig.is_some());
    let (run_v1, entry_digests) = v1_plan(&found, min_sdk, input.all_v1_digests);
    run_v1 && entry_digests
}

/// The schemes `verify` checks besides v1, in its order, from what is
/// present: v3.1 and v3 when their blocks are there, v2 when its block is
/// there and minSdk < 28 or nothing newer was found, v4 with an `.idsig`.
/// (A v3.1 block without v3 fails before v2 is looked at.)
fn schemes_to_verify(block: Option<&SigningBlock<'_>>, min_sdk: u32, idsig: bool) -> Vec<u32> {
    let has = |id: u32| block.is_some_and(|b| b.find(id).is_some());
    let mut found = Vec::new();
    if has(sigblock::APK_SIGNATURE_SCHEME_V31_BLOCK_ID) {
        found.push(31);
    }
    if has(sigblock::APK_SIGNATURE_SCHEME_V3_BLOCK_ID) {
        found.push(3);
    }
    if (min_sdk < v2v3::SDK_P || found.is_empty()) && has(sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID) {
        found.push(2);
    }
    if idsig {
        found.push(4);
    }
    found
}

/// What the APK Signing Block schemes (and v4) left for the rest of `verify`.
struct BlockSchemes {
    out: Verification,
    results: Vec<SchemeResult>,
    cache: v2v3::DigestCache,
    found: Vec<u32>,
}

/// v3.1, v3, v2 and v4 in apksig's order, and the targetSandboxVersion
/// rule; Err with the (not yet finished) failed verification as soon as one
/// fails. Whether v2 is checked is `planned` (`schemes_to_verify`), so the
/// rule lives in one place.
fn verify_block_schemes(
    apk: Source<'_>,
    dir: &ZipDirectory,
    input: &Input<'_>,
    block: Option<&SigningBlock<'_>>,
    min_sdk: u32,
    supported: &[u32],
    planned: &[u32],
) -> Result<BlockSchemes, Box<Verification>> {
    let mut out = Verification::default();
    let max_sdk = SDK_MAX;
    let mut found: Vec<u32> = Vec::new();
    let sections = block
        .and_then(|b| digest::Sections::from_source(apk, b.offset, dir.cd_offset, dir.eocd_offset))
        .map(|s| s.with_file_digest(input.file_digest));
    let mut cache: v2v3::DigestCache = Vec::new();
    let find = |id: u32| block.and_then(|b| b.find(id)).map(|p| p.value);
    let mut results: Vec<SchemeResult> = Vec::new();

    // v3.1
    let mut rotation_min_sdk = None;
    if let Some(v) = find(sigblock::APK_SIGNATURE_SCHEME_V31_BLOCK_ID) {
        // apksig `V3SchemeVerifier.Builder.build`: v3.1 may target any SDK
        // range as long as v3.0 covers the rest, so its minimum is maxSdk.
        let ctx = Context { min_sdk: max_sdk, max_sdk, ..Context::default() };
        let r = v2v3::verify_block(v, Scheme::V31, sections.as_ref(), &ctx, &mut cache);
        found.push(31);
        rotation_min_sdk = r.signers.iter().map(|s| s.min_sdk).min();
        out.schemes.push(from_scheme(&r));
        let bad = r.has_errors();
        results.push(r);
        if bad {
            return Err(Box::new(out));
        }
    }
    // v3
    match find(sigblock::APK_SIGNATURE_SCHEME_V3_BLOCK_ID) {
        Some(v) => {
            let ctx = Context {
                min_sdk: min_sdk.max(v2v3::SDK_P),
                max_sdk,
                rotation_min_sdk: rotation_min_sdk.filter(|&m| m > 0),
                ..Context::default()
            };
            let r = v2v3::verify_block(v, Scheme::V3, sections.as_ref(), &ctx, &mut cache);
            found.push(3);
            out.schemes.push(from_scheme(&r));
            let bad = r.has_errors();
            results.push(r);
            if bad {
                return Err(Box::new(out));
            }
        }
        None if found.contains(&31) => {
            out.fail("v3.1 signing block found without a v3 block".into());
            return Err(Box::new(out));
        }
        None => {}
    }
    // v2
    if planned.contains(&2) {
        if let Some(v) = find(sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID) {
            let ctx = Context {
                min_sdk: min_sdk.max(v2v3::SDK_N),
                max_sdk,
                supported_scheme_ids: supported.to_vec(),
                found_scheme_ids: found.clone(),
                rotation_min_sdk: None,
            };
            let r = v2v3::verify_block(v, Scheme::V2, sections.as_ref(), &ctx, &mut cache);
            found.push(2);
            out.schemes.push(from_scheme(&r));
            let bad = r.has_errors();
            results.push(r);
            if bad {
                return Err(Box::new(out));
            }
        }
    }
    // v4
    if let Some(idsig) = input.idsig {
        // v4 hashes the whole file; a streamed APK is read whole for it.
        let read;
        let bytes = match apk {
            Source::Memory(bytes) => bytes,
            Source::File(f) => {
                read = crate::formats::source::read_all(f).unwrap_or_default();
                &read[..]
            }
        };
        let r = v4::verify(bytes, idsig);
        found.push(4);
        let bad = !r.errors.is_empty();
        out.schemes.push(SchemeOutcome {
            scheme: "v4",
            verified: !bad,
            errors: r.errors.iter().map(|e| format!("v4: {e}")).collect(),
            signer_certs: r.signers.iter().map(|s| s.cert.clone()).collect(),
            signer_sdk: Vec::new(),
        });
        if bad {
            return Err(Box::new(out));
        }
        check_v4(&mut out, &r, &results);
    }
    if max_sdk >= SDK_O && input.target_sandbox_version.is_some_and(|v| v > 1) && found.is_empty() {
        out.fail(format!(
            "targetSandboxVersion {} requires an APK Signature Scheme v2 or newer signature",
            input.target_sandbox_version.unwrap_or(0)
        ));
    }
    Ok(BlockSchemes { out, results, cache, found })
}

fn finish_failed(mut out: Verification) -> Verification {
    let mut seen: std::collections::HashSet<String> = out.errors.iter().cloned().collect();
    let errs: Vec<String> = out.schemes.iter().flat_map(|s| s.errors.clone()).collect();
    for e in errs {
        if seen.insert(e.clone()) {
            out.errors.push(e);
        }
    }
    if out.errors.is_empty() {
        out.errors.push("no scheme verified".into());
    }
    out.verified = false;
    out
}

fn cross_checks(out: &mut Verification, results: &[SchemeResult]) {
    let v1_certs = out.outcome("v1").filter(|o| o.verified).map(|o| o.signer_certs.clone());
    let v2_certs = out.outcome("v2").filter(|o| o.verified).map(|o| o.signer_certs.clone());
    if let (Some(a), Some(b)) = (&v1_certs, &v2_certs) {
        if a.iter().any(|c| !b.contains(c)) {
            out.errors.push("a v1 signer has no matching v2 signer".into());
        } else if b.iter().any(|c| !a.contains(c)) {
            out.errors.push("a v2 signer has no matching v1 signer".into());
        }
    }
    let v3 = results.iter().find(|r| r.scheme == Scheme::V3 && r.verified);
    let v31 = results.iter().find(|r| r.scheme == Scheme::V31 && r.verified);
    let lineage = v3.and_then(|r| r.lineage.clone()).or_else(|| v31.and_then(|r| r.lineage.clone()));
    if let Some(l) = &lineage {
        out.lineage = l.clone();
    }
    let Some(v3) = v3 else { return };
    let old = v1_certs.as_ref().or(v2_certs.as_ref());
    let Some(old) = old else { return };
    if old.len() != 1 {
        out.errors.push("v3 supports one past signer, but v1/v2 have several".into());
    }
    let Some(old) = old.first() else { return };
    match &lineage {
        None => {
            if v3.signers.len() != 1 {
                out.errors.push("several v3 signers without a rotation lineage".into());
            }
            if v3.signers.first().and_then(|s| s.cert()) != Some(old.as_slice()) {
                out.errors.push("v3 signer differs from the v1/v2 signer and there is no lineage".into());
            }
        }
        Some(l) => {
            if l.first().map(|n| &n.cert) != Some(old) {
                out.errors.push("v1/v2 signer is not the oldest certificate of the v3 lineage".into());
            }
        }
    }
}

fn check_v4(out: &mut Verification, r: &v4::V4Result, results: &[SchemeResult]) {
    let v3 = results.iter().find(|r| r.scheme == Scheme::V3 && r.verified);
    let v31 = results.iter().find(|r| r.scheme == Scheme::V31 && r.verified);
    let v2 = results.iter().find(|r| r.scheme == Scheme::V2 && r.verified);
    let pairs: Vec<(&SchemeResult, Option<&v4::V4Signer>)> = match (v3, v2) {
        (Some(v3), _) => {
            let mut p = vec![(v3, r.signers.first())];
            if let Some(v31) = v31 {
                p.push((v31, r.signers.get(1)));
            }
            p
        }
        (None, Some(v2)) => vec![(v2, r.signers.first())],
        (None, None) => {
            out.errors.push("v4 signature requires a verified v2 or v3 signature".into());
            return;
        }
    };
    for (scheme, signer) in pairs {
        let Some(signer) = signer else {
            out.errors.push(format!("v4 has no signer for the {} signer", scheme.scheme.name()));
            continue;
        };
        let last = scheme.signers.last();
        if last.and_then(|s| s.cert()) != Some(signer.cert.as_slice()) {
            out.errors.push(format!("v4 certificate differs from the {} signer's", scheme.scheme.name()));
        }
        let digests: Vec<&Vec<u8>> = last.map(|s| s.digests.iter().map(|d| &d.1).collect()).unwrap_or_default();
        if !digests.iter().any(|d| **d == signer.apk_digest) {
            out.errors.push(format!("v4 APK digest does not match the {} signer's digests", scheme.scheme.name()));
        }
    }
}

#[cfg(test)]
mod tests;

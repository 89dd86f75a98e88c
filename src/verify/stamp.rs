//! Source stamp (AOSP apksig `V2SourceStampVerifier`, `SourceStampVerifier`).
//!
//! The stamp block signs, per signature scheme, the encoded APK content
//! digests of that scheme with the stamp key; the entry `stamp-cert-sha256`
//! holds the SHA-256 of the stamp certificate. As in apksig, a bad stamp is
//! reported separately and does not change the APK's verdict.

use super::crypto;
use super::digest::ContentDigest;
use super::v2v3::{cert_spki, sig_alg, DigestCache};
use super::Verification;
use crate::formats::reader::Reader;
use crate::formats::x509;

pub const STAMP_CERT_ENTRY: &str = "stamp-cert-sha256";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StampResult {
    pub verified: bool,
    pub cert_sha256: Option<String>,
    pub errors: Vec<String>,
}

fn lp<'a>(r: &mut Reader<'a>, what: &str) -> Result<Reader<'a>, String> {
    let at = r.offset();
    let len = r.u32_le().ok_or_else(|| format!("{what} truncated at offset {at}"))?;
    usize::try_from(len).ok().and_then(|l| r.sub(l)).ok_or_else(|| format!("{what} truncated at offset {at}"))
}

/// apksig `ContentDigestAlgorithm` ids used in the stamp's signed data.
fn digest_id(c: ContentDigest) -> u32 {
    match c {
        ContentDigest::ChunkedSha256 => 1,
        ContentDigest::ChunkedSha512 => 2,
        ContentDigest::VeritySha256 => 3,
    }
}

/// Verifies the stamp block against the stamp entry's digest and the
/// content digests computed for the v2/v3 schemes.
pub fn verify(block: &[u8], cert_digest_entry: &[u8], cache: &DigestCache, v: &Verification) -> StampResult {
    let mut out = StampResult::default();
    match verify_inner(block, cert_digest_entry, cache, v, &mut out) {
        Ok(()) => out.verified = out.errors.is_empty(),
        Err(e) => out.errors.push(format!("malformed source stamp: {e}")),
    }
    out
}

fn verify_inner(
    block: &[u8],
    entry: &[u8],
    cache: &DigestCache,
    v: &Verification,
    out: &mut StampResult,
) -> Result<(), String> {
    let mut r = Reader::new(block);
    let mut data = lp(&mut r, "stamp block")?;
    let cert = lp(&mut data, "stamp certificate")?.data();
    let sha = x509::sha256_hex(cert);
    out.cert_sha256 = Some(sha.clone());
    if crate::formats::der::hex(entry) != sha {
        out.errors.push("stamp certificate digest does not match the stamp-cert-sha256 entry".into());
        return Ok(());
    }
    let key = crypto::parse_spki(cert_spki(cert).ok_or("stamp certificate has no key")?)?;
    let mut schemes = lp(&mut data, "signed signature schemes")?;
    while schemes.remaining() > 0 {
        let mut one = lp(&mut schemes, "signed scheme")?;
        let id = one.u32_le().ok_or("scheme id truncated")?;
        let mut sigs = lp(&mut one, "digest signatures")?;
        let scheme_name = match id {
            2 => "v2",
            3 => "v3",
            _ => continue, // v1 digests are not recomputed here.
        };
        if !v.schemes.iter().any(|s| s.scheme == scheme_name && s.verified) {
            continue;
        }
        // Encoded digests of the scheme: (id, digest) pairs sorted by id.
        let mut pairs: Vec<(u32, &Vec<u8>)> =
            cache.iter().filter_map(|(c, d)| d.as_ref().ok().map(|d| (digest_id(*c), d))).collect();
        pairs.sort_by_key(|p| p.0);
        let mut signed = Vec::new();
        for (did, d) in pairs {
            let len = 8usize.saturating_add(d.len());
            signed.extend_from_slice(&(len as u32).to_le_bytes());
            signed.extend_from_slice(&did.to_le_bytes());
            signed.extend_from_slice(&(d.len() as u32).to_le_bytes());
            signed.extend_from_slice(d);
        }
        let mut any = false;
        while sigs.remaining() > 0 {
            let mut s = lp(&mut sigs, "signature")?;
            let alg_id = s.u32_le().ok_or("signature algorithm truncated")?;
            let sig = lp(&mut s, "signature bytes")?.data();
            let Some(alg) = sig_alg(alg_id) else { continue };
            any = true;
            if !crypto::verify(&key, alg.padding, alg.hash, &[&signed], sig).unwrap_or(false) {
                out.errors.push(format!("stamp signature over the {scheme_name} digests did not verify"));
            }
        }
        if !any {
            out.errors.push(format!("no supported stamp signature for {scheme_name}"));
        }
    }
    Ok(())
}

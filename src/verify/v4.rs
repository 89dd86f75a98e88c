//! APK Signature Scheme v4 (`APK.idsig`, AOSP apksig `V4Signature`,
//! `V4SchemeVerifier`): the signature covers the file size, the fs-verity
//! hashing info (root hash of a SHA-256 Merkle tree over 4 KiB blocks of the
//! whole APK) and the v2/v3 APK digest; the root hash is recomputed here.

use super::crypto;
use super::digest::{verity_tree, PAGE};
use super::v2v3::{cert_spki, sig_alg};
use crate::formats::reader::Reader;
use crate::formats::x509::Certificate;

/// Most signing-info blocks read (apksig writes one per v3/v3.1 signer).
pub const MAX_SIGNING_INFOS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Signer {
    pub cert: Vec<u8>,
    pub apk_digest: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V4Result {
    pub signers: Vec<V4Signer>,
    pub errors: Vec<String>,
}

fn bytes<'a>(r: &mut Reader<'a>, what: &str) -> Result<&'a [u8], String> {
    let at = r.offset();
    let len = r.u32_le().ok_or_else(|| format!("{what} length truncated at offset {at}"))?;
    usize::try_from(len).ok().and_then(|l| r.take(l)).ok_or_else(|| format!("{what} truncated at offset {at}"))
}

struct Hashing<'a> {
    raw: (u32, u8, &'a [u8], &'a [u8]),
}

fn signed_data(file_size: u64, h: &Hashing<'_>, digest: &[u8], cert: &[u8], extra: &[u8]) -> Vec<u8> {
    let (alg, log2, salt, root) = h.raw;
    let parts: [&[u8]; 5] = [salt, root, digest, cert, extra];
    let size = 4 + 8 + 4 + 1 + parts.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(&file_size.to_le_bytes());
    out.extend_from_slice(&alg.to_le_bytes());
    out.push(log2);
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn signing_info(r: &mut Reader<'_>, apk_len: u64, h: &Hashing<'_>, index: usize) -> Result<V4Signer, String> {
    let digest = bytes(r, "apk digest")?;
    let cert = bytes(r, "certificate")?;
    let extra = bytes(r, "additional data")?;
    let key = bytes(r, "public key")?;
    let alg_id = r.u32_le().ok_or("signature algorithm truncated")?;
    let sig = bytes(r, "signature")?;
    let alg = sig_alg(alg_id).ok_or_else(|| format!("signer #{index}: unknown signature algorithm {alg_id:#x}"))?;
    let pk = crypto::parse_spki(key).map_err(|e| format!("signer #{index}: {e}"))?;
    let data = signed_data(apk_len, h, digest, cert, extra);
    match crypto::verify(&pk, alg.padding, alg.hash, &[&data], sig) {
        Ok(true) => {}
        Ok(false) => return Err(format!("signer #{index}: {} signature did not verify", alg.name)),
        Err(e) => return Err(format!("signer #{index}: {e}")),
    }
    Certificate::parse(cert).map_err(|e| format!("signer #{index}: malformed certificate: {e}"))?;
    if cert_spki(cert) != Some(key) {
        return Err(format!("signer #{index}: public key mismatch between certificate and signature record"));
    }
    Ok(V4Signer { cert: cert.to_vec(), apk_digest: digest.to_vec() })
}

/// Verifies `idsig` against the APK bytes.
pub fn verify(apk: &[u8], idsig: &[u8]) -> V4Result {
    let mut out = V4Result::default();
    if let Err(e) = verify_inner(apk, idsig, &mut out) {
        out.errors.push(e);
    }
    out
}

fn verify_inner(apk: &[u8], idsig: &[u8], out: &mut V4Result) -> Result<(), String> {
    let mut r = Reader::new(idsig);
    let version = r.u32_le().ok_or("truncated .idsig")?;
    if version != 2 {
        return Err(format!("unsupported .idsig version {version}"));
    }
    let hashing = bytes(&mut r, "hashing info")?;
    let infos = bytes(&mut r, "signing infos")?;
    let mut h = Reader::new(hashing);
    let alg = h.u32_le().ok_or("hash algorithm truncated")?;
    let log2 = h.u8().ok_or("log2 block size truncated")?;
    let salt = bytes(&mut h, "salt")?;
    let root = bytes(&mut h, "root hash")?;
    if alg != 1 || log2 != 12 {
        return Err(format!("unsupported hashing (algorithm {alg}, log2 block size {log2})"));
    }
    let hashing = Hashing { raw: (alg, log2, salt, root) };
    let mut s = Reader::new(infos);
    out.signers.push(signing_info(&mut s, apk.len() as u64, &hashing, 1)?);
    while s.remaining() > 0 && out.signers.len() < MAX_SIGNING_INFOS {
        let _block_id = s.u32_le().ok_or("signing info block id truncated")?;
        let mut b = Reader::new(bytes(&mut s, "signing info block")?);
        let n = out.signers.len().saturating_add(1);
        out.signers.push(signing_info(&mut b, apk.len() as u64, &hashing, n)?);
    }
    let pages: Vec<&[u8]> = apk.chunks(PAGE).collect();
    let (actual, tree) = verity_tree(salt, &pages);
    // The Merkle tree stored after the signature, when present, must be ours.
    if r.remaining() > 0 {
        let stored = bytes(&mut r, "verity tree")?;
        if !stored.is_empty() && stored != tree.as_slice() {
            return Err("fs-verity tree stored in the .idsig differs from the APK's".into());
        }
    }
    if actual.as_slice() != root {
        return Err(format!(
            "fs-verity root hash mismatch (expected {}, actual {})",
            crate::formats::der::hex(root),
            crate::formats::der::hex(&actual)
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(verify(b"apk", b"").errors, vec!["truncated .idsig".to_string()]);
        assert!(verify(b"apk", &3u32.to_le_bytes()).errors[0].contains("version 3"));
        let mut v = 2u32.to_le_bytes().to_vec();
        v.extend(9u32.to_le_bytes());
        assert!(verify(b"apk", &v).errors[0].contains("hashing info truncated"));
        // Hashing info with SHA-512 (2) is not supported.
        let mut hi = 2u32.to_le_bytes().to_vec();
        hi.push(12);
        hi.extend([0u8; 8]);
        let mut v = 2u32.to_le_bytes().to_vec();
        v.extend((hi.len() as u32).to_le_bytes());
        v.extend(&hi);
        v.extend(0u32.to_le_bytes());
        assert!(verify(b"apk", &v).errors[0].contains("unsupported hashing"));
    }
}

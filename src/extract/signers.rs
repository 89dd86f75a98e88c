//! Signer certificates of an APK, from every scheme that carries them.
//!
//! Sources: v1 (JAR signing: the PKCS#7 blocks `META-INF/*.RSA|*.DSA|*.EC`,
//! where the signer's certificate is the one the SignerInfo names, as AOSP
//! apksig `V1SchemeVerifier` picks it) and the v2 / v3 / v3.1 blocks of the
//! APK Signing Block (the signer's certificate is the first of each signer's
//! list). Certificates are merged by SHA-256 over their original bytes, so one
//! key used by several schemes is one `Signer` listing each scheme.
//!
//! `extract` leaves `verified` None; `apply_verification` fills it from
//! `crate::verify`. Never panics; a malformed block becomes an anomaly and
//! whatever parsed is kept.

use crate::evidence::Anomaly;
use crate::extract::facts::{
    LineageEntry, SchemeVerification, SignatureVerdict, Signer, SigningBlock, SigningBlockEntry,
};
use crate::formats::pkcs7::{self, SignerId};
use crate::formats::sigblock::{self, Scheme};
use crate::formats::source::Source;
use crate::formats::x509::{self, Certificate};

/// Most v1 signature block files we look at (an APK normally has one).
pub const MAX_V1_FILES: usize = 64;
/// Most distinct signer certificates we report.
pub const MAX_SIGNERS: usize = 256;

const BLOCK_FILE: &str = "APK Signing Block";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignersOutput {
    pub signers: Vec<Signer>,
    pub signing_block: Option<SigningBlock>,
    pub anomalies: Vec<Anomaly>,
}

/// Extracts signer certificates. `apk` is the whole file, `cd_offset` the
/// central directory offset from the EOCD, `v1_files` the META-INF signature
/// block entries (name, inflated bytes).
pub fn extract(apk: &[u8], cd_offset: u64, v1_files: &[(&str, &[u8])]) -> SignersOutput {
    extract_source(Source::Memory(apk), cd_offset, v1_files)
}

/// [`extract`] from an APK of any [`Source`] (its signing block is in the
/// bytes held in memory).
pub fn extract_source(apk: Source<'_>, cd_offset: u64, v1_files: &[(&str, &[u8])]) -> SignersOutput {
    let mut out = SignersOutput::default();
    for (i, (name, data)) in v1_files.iter().enumerate() {
        if i >= MAX_V1_FILES {
            out.anomalies.push(Anomaly::new(
                "v1-too-many-signature-files",
                format!("more than {MAX_V1_FILES} signature block files; the rest were ignored"),
                *name,
                None,
            ));
            break;
        }
        v1_file(&mut out, name, data);
    }
    signing_block(&mut out, apk, cd_offset);
    cross_check(&mut out);
    out
}

/// v1 and v2 must name the same signers (apksig `ApkVerifier`: "V1 and V2
/// signers do not match"); v3 may differ (key rotation). A v1 signer that
/// differs from the v2 one shows tools that read only the JAR signature a
/// different publisher than the one Android checks (fdroidserver issue 1128).
fn cross_check(out: &mut SignersOutput) {
    let with = |scheme: &str| {
        out.signers
            .iter()
            .filter(|s| s.schemes.iter().any(|x| x == scheme))
            .map(|s| s.cert_sha256.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (v1, v2) = (with("v1"), with("v2"));
    if !v1.is_empty() && !v2.is_empty() && v1 != v2 {
        out.anomalies.push(Anomaly::new(
            "signer-v1-v2-mismatch",
            format!(
                "the JAR (v1) signature names {} certificate(s) that differ from the v2 signer's; Android 7+ checks v2 only",
                v1.len()
            ),
            "META-INF/",
            None,
        ));
    }
}

fn v1_file(out: &mut SignersOutput, name: &str, data: &[u8]) {
    let sd = match pkcs7::parse(data) {
        Ok(sd) => sd,
        Err(e) => {
            out.anomalies.push(Anomaly::new("v1-signature-block-malformed", e.to_string(), name, None));
            return;
        }
    };
    let mut certs = Vec::new();
    for raw in &sd.certificates {
        match Certificate::parse(raw) {
            Ok(c) => certs.push(c),
            Err(e) => out.anomalies.push(Anomaly::new("v1-certificate-malformed", e.to_string(), name, None)),
        }
    }
    if sd.signer_ids.is_empty() {
        out.anomalies.push(Anomaly::new("v1-no-signer-info", "PKCS#7 block has no SignerInfo", name, None));
    }
    let mut used: Vec<usize> = Vec::new();
    for id in &sd.signer_ids {
        match certs.iter().position(|c| matches_signer(c, id)) {
            Some(i) => {
                used.push(i);
                if let Some(c) = certs.get(i) {
                    add(out, Some(c), c.raw, "v1", name);
                }
            }
            None => out.anomalies.push(Anomaly::new(
                "v1-signer-certificate-missing",
                "no certificate in the block matches the SignerInfo's signer id",
                name,
                None,
            )),
        }
    }
    // The issuers of the signers' certificates (their chain) are expected;
    // any other certificate is a decoy for tools that take the first one.
    let mut changed = true;
    while changed {
        changed = false;
        for (i, c) in certs.iter().enumerate() {
            if used.contains(&i) {
                continue;
            }
            let issues_a_used =
                used.iter().filter_map(|&u| certs.get(u)).any(|u| u.issuer == c.subject && u.sha256 != c.sha256);
            if issues_a_used {
                used.push(i);
                changed = true;
            }
        }
    }
    if !sd.signer_ids.is_empty() {
        for (i, c) in certs.iter().enumerate() {
            if !used.contains(&i) {
                out.anomalies.push(Anomaly::new(
                    "v1-unused-certificate",
                    format!("certificate {} ({}) signs nothing and certifies no signer", c.sha256, c.subject),
                    name,
                    None,
                ));
            }
        }
    }
}

/// Strips leading zero octets so `00 8f` and `8f` compare equal.
fn trim_int(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or(&[])
}

fn matches_signer(c: &Certificate<'_>, id: &SignerId<'_>) -> bool {
    match id {
        SignerId::IssuerAndSerial { issuer, serial } => {
            if trim_int(serial) != trim_int(c.serial_bytes) {
                return false;
            }
            if *issuer == c.issuer_raw {
                return true;
            }
            // Same name, different encoding (X500Principal equality is on
            // the canonical form): compare the printed names.
            crate::formats::der::parse(issuer)
                .ok()
                .and_then(|e| x509::format_name(&e).ok())
                .is_some_and(|n| n.eq_ignore_ascii_case(&c.issuer))
        }
        SignerId::SubjectKeyId(k) => c.subject_key_id == Some(*k),
    }
}

fn signing_block(out: &mut SignersOutput, apk: Source<'_>, cd_offset: u64) {
    let block = match sigblock::locate_source(apk, cd_offset) {
        Ok(Some(b)) => b,
        Ok(None) => return,
        Err(e) => {
            out.anomalies.push(Anomaly::new("sigblock-invalid", e.to_string(), BLOCK_FILE, Some(cd_offset)));
            return;
        }
    };
    out.signing_block = Some(SigningBlock {
        offset: block.offset,
        size: block.size,
        entries: block
            .pairs
            .iter()
            .map(|p| SigningBlockEntry {
                id: format!("{:#010x}", p.id),
                name: sigblock::block_name(p.id).map(str::to_string),
                size: p.value.len() as u64,
            })
            .collect(),
    });
    out.anomalies.extend(block.anomalies.iter().cloned());
    for scheme in [Scheme::V2, Scheme::V3, Scheme::V31] {
        let id = match scheme {
            Scheme::V2 => sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID,
            Scheme::V3 => sigblock::APK_SIGNATURE_SCHEME_V3_BLOCK_ID,
            Scheme::V31 => sigblock::APK_SIGNATURE_SCHEME_V31_BLOCK_ID,
        };
        let Some(pair) = block.find(id) else { continue };
        duplicate_blocks(out, &block, pair, scheme);
        let source = format!("{BLOCK_FILE} {}", scheme.name());
        let parsed = match sigblock::parse_scheme_block(pair.value, pair.offset, scheme) {
            Ok(p) => p,
            Err(e) => {
                out.anomalies.push(Anomaly::new(
                    "sigblock-scheme-block-malformed",
                    format!("{}: {e}", scheme.name()),
                    BLOCK_FILE,
                    Some(pair.offset),
                ));
                continue;
            }
        };
        out.anomalies.extend(parsed.anomalies.iter().cloned());
        for e in &parsed.errors {
            out.anomalies.push(Anomaly::new(
                "sigblock-signer-malformed",
                format!("{}: {e}", scheme.name()),
                BLOCK_FILE,
                Some(pair.offset),
            ));
        }
        for signer in &parsed.signers {
            let Some(first) = signer.certificates.first() else {
                out.anomalies.push(Anomaly::new(
                    "sigblock-signer-without-certificate",
                    format!("{} signer has no certificate", scheme.name()),
                    BLOCK_FILE,
                    Some(signer.offset),
                ));
                continue;
            };
            match Certificate::parse(first) {
                Ok(c) => add(out, Some(&c), first, scheme.name(), &source),
                Err(e) => {
                    out.anomalies.push(Anomaly::new(
                        "sigblock-certificate-malformed",
                        format!("{}: {e}", scheme.name()),
                        BLOCK_FILE,
                        Some(signer.offset),
                    ));
                    // Still report it: the fingerprint is of the bytes.
                    add(out, None, first, scheme.name(), &source);
                }
            }
        }
    }
}

/// First-certificate fingerprints of a scheme block's signers.
fn first_cert_digests(value: &[u8], offset: u64, scheme: Scheme) -> Vec<String> {
    sigblock::parse_scheme_block(value, offset, scheme)
        .map(|b| b.signers.iter().filter_map(|s| s.certificates.first()).map(|c| x509::sha256_hex(c)).collect())
        .unwrap_or_default()
}

/// Android and apksig read the FIRST pair of a scheme id; a later pair with
/// the same id is what another reader might take instead (a verifier
/// differential, e.g. F-Droid issue 1128). Its signers are not reported as
/// signers, but certificates that differ from the first block's are named.
fn duplicate_blocks(
    out: &mut SignersOutput,
    block: &sigblock::SigningBlock<'_>,
    first: &sigblock::Pair<'_>,
    scheme: Scheme,
) {
    let dups: Vec<_> = block.pairs.iter().filter(|p| p.id == first.id && p.offset != first.offset).collect();
    if dups.is_empty() {
        return;
    }
    let known = first_cert_digests(first.value, first.offset, scheme);
    for dup in dups {
        let other: Vec<String> =
            first_cert_digests(dup.value, dup.offset, scheme).into_iter().filter(|d| !known.contains(d)).collect();
        if !other.is_empty() {
            out.anomalies.push(Anomaly::new(
                "sigblock-duplicate-scheme-block-other-signer",
                format!(
                    "a second {} block (ignored by Android) is signed by other certificates: {}",
                    scheme.name(),
                    other.join(", ")
                ),
                BLOCK_FILE,
                Some(dup.offset),
            ));
        }
    }
}

/// The Android SDK's debug certificate subject (`~/.android/debug.keystore`).
pub const DEBUG_SUBJECT: &str = "CN=Android Debug, O=Android, C=US";

/// Applies signature verification to the extracted signers: each signer gets
/// one entry per scheme Android checked in which it takes part, `verified`
/// (true only when every such scheme verified; None when none was checked),
/// its v3 SDK range and rotation lineage. Lineage certificates are named by
/// subject when they parse.
pub fn apply_verification(signers: &mut [Signer], v: &crate::verify::Verification) {
    for s in signers.iter_mut() {
        s.debug_certificate = s.subject == DEBUG_SUBJECT;
        for o in &v.schemes {
            let pos = o.signer_certs.iter().position(|c| x509::sha256_hex(c) == s.cert_sha256);
            let listed = s.schemes.iter().any(|n| n == o.scheme);
            if pos.is_none() && !listed {
                continue;
            }
            let verified = o.verified && pos.is_some();
            let reason = (!verified).then(|| {
                if o.errors.is_empty() {
                    format!("{} signer not among the verified signers", o.scheme)
                } else {
                    o.errors.iter().take(8).cloned().collect::<Vec<_>>().join("; ")
                }
            });
            s.verification.push(SchemeVerification { scheme: o.scheme.to_string(), verified, reason });
            if let Some((min, max)) = pos.and_then(|p| o.signer_sdk.get(p)) {
                s.min_sdk = Some(s.min_sdk.map_or(*min, |m| m.min(*min)));
                s.max_sdk = Some(s.max_sdk.map_or(*max, |m| m.max(*max)));
            }
        }
        s.verified = if s.verification.is_empty() { None } else { Some(s.verification.iter().all(|x| x.verified)) };
        if v.lineage.last().is_some_and(|n| x509::sha256_hex(&n.cert) == s.cert_sha256) {
            s.lineage = v
                .lineage
                .iter()
                .map(|n| LineageEntry {
                    cert_sha256: x509::sha256_hex(&n.cert),
                    subject: Certificate::parse(&n.cert).map(|c| c.subject).unwrap_or_default(),
                    flags: n.flags,
                })
                .collect();
        }
    }
}

/// The report's overall verdict.
pub fn verdict(v: &crate::verify::Verification) -> SignatureVerdict {
    SignatureVerdict {
        verified: v.verified,
        schemes_verified: v.schemes.iter().filter(|s| s.verified).map(|s| s.scheme.to_string()).collect(),
        errors: v.errors.clone(),
        warnings: v.warnings.iter().take(64).cloned().collect(),
        source_stamp_sha256: v.source_stamp.as_ref().and_then(|s| s.cert_sha256.clone()),
        source_stamp_verified: v.source_stamp.as_ref().map(|s| s.verified),
    }
}

fn add(out: &mut SignersOutput, cert: Option<&Certificate<'_>>, raw: &[u8], scheme: &str, source: &str) {
    let sha = match cert {
        Some(c) => c.sha256.clone(),
        None => x509::sha256_hex(raw),
    };
    if let Some(existing) = out.signers.iter_mut().find(|s| s.cert_sha256 == sha) {
        if !existing.schemes.iter().any(|s| s == scheme) {
            existing.schemes.push(scheme.to_string());
        }
        if !existing.sources.iter().any(|s| s == source) {
            existing.sources.push(source.to_string());
        }
        return;
    }
    if out.signers.len() >= MAX_SIGNERS {
        return;
    }
    let mut s = Signer {
        cert_sha256: sha,
        schemes: vec![scheme.to_string()],
        sources: vec![source.to_string()],
        verified: None,
        ..Signer::default()
    };
    if let Some(c) = cert {
        s.subject = c.subject.clone();
        s.issuer = c.issuer.clone();
        s.serial = c.serial.clone();
        s.not_before = c.not_before.clone();
        s.not_after = c.not_after.clone();
        s.key_algorithm = Some(c.key_algorithm.clone());
        s.key_bits = c.key_bits;
    }
    out.signers.push(s);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // tests build fixtures with plain arithmetic and assert by panicking
mod tests {
    use super::*;
    use crate::formats::sigblock::tests::{apk_with_block, scheme_value, signer};
    use crate::formats::x509::tests::{cert, name, tlv};

    /// SignedData whose SignerInfo names (Issuer CA, serial 7).
    fn pkcs7(certs: &[Vec<u8>]) -> Vec<u8> {
        let si = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x30, &[name("Issuer CA"), tlv(0x02, &[0x07])].concat())].concat());
        let sd = tlv(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x31, &[]),
                tlv(0x30, &tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 1])),
                tlv(0xa0, &certs.concat()),
                tlv(0x31, &si),
            ]
            .concat(),
        );
        tlv(0x30, &[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 2]), tlv(0xa0, &sd)].concat())
    }

    #[test]
    fn merges_schemes_by_fingerprint() {
        let old = cert("old", &[0x07]);
        let new = cert("new", &[0x08]);
        let chain = cert("chain", &[0x09]);
        let v1 = pkcs7(&[chain.clone(), old.clone()]);
        let (apk, cd) = apk_with_block(
            b"zip",
            &[
                (sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID, scheme_value(&[signer(Scheme::V2, &[&old, &chain], &[])])),
                (sigblock::APK_SIGNATURE_SCHEME_V3_BLOCK_ID, scheme_value(&[signer(Scheme::V3, &[&old], &[])])),
                (sigblock::APK_SIGNATURE_SCHEME_V31_BLOCK_ID, scheme_value(&[signer(Scheme::V31, &[&new], &[])])),
            ],
        );
        let out = extract(&apk, cd, &[("META-INF/CERT.RSA", &v1)]);
        // "chain" is self-issued, so it certifies no signer: a decoy by the rule of v1_file.
        let ids: Vec<&str> = out.anomalies.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec!["v1-unused-certificate"], "{:?}", out.anomalies);
        assert!(out.anomalies[0].message.contains("CN=chain"));
        assert_eq!(out.signers.len(), 2, "chain certificate is not a signer");
        let s = &out.signers[0];
        assert_eq!(s.cert_sha256, x509::sha256_hex(&old));
        assert_eq!(s.subject, "CN=old, C=US");
        assert_eq!(s.schemes, vec!["v1", "v2", "v3"]);
        assert_eq!(s.sources, vec!["META-INF/CERT.RSA", "APK Signing Block v2", "APK Signing Block v3"]);
        assert_eq!(s.verified, None);
        assert_eq!(s.key_algorithm.as_deref(), Some("RSA"));
        assert_eq!(out.signers[1].schemes, vec!["v3.1"]);
        let block = out.signing_block.unwrap();
        assert_eq!(block.entries.len(), 3);
        assert_eq!(block.entries[0].id, "0x7109871a");
        assert_eq!(block.entries[2].name.as_deref(), Some("v3.1"));
    }

    #[test]
    fn issuer_of_the_signer_is_a_chain_certificate_not_a_decoy() {
        let old = cert("old", &[0x07]);
        let ca = cert("Issuer CA", &[0x09]);
        let v1 = pkcs7(&[ca, old]);
        let out = extract(b"", 0, &[("META-INF/CERT.RSA", &v1)]);
        assert!(out.anomalies.is_empty(), "{:?}", out.anomalies);
        assert_eq!(out.signers.len(), 1);
    }

    #[test]
    fn v1_and_v2_naming_different_signers_is_reported() {
        let old = cert("old", &[0x07]);
        let new = cert("new", &[0x08]);
        let v1 = pkcs7(&[old]);
        let (apk, cd) = apk_with_block(
            b"zip",
            &[(sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID, scheme_value(&[signer(Scheme::V2, &[&new], &[])]))],
        );
        let out = extract(&apk, cd, &[("META-INF/CERT.RSA", &v1)]);
        let ids: Vec<&str> = out.anomalies.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec!["signer-v1-v2-mismatch"]);
        // v3 differing from v1/v2 is key rotation, not a mismatch.
        let (apk, cd) = apk_with_block(
            b"zip",
            &[(sigblock::APK_SIGNATURE_SCHEME_V3_BLOCK_ID, scheme_value(&[signer(Scheme::V3, &[&new], &[])]))],
        );
        let out = extract(&apk, cd, &[("META-INF/CERT.RSA", &v1)]);
        assert!(out.anomalies.is_empty(), "{:?}", out.anomalies);
    }

    #[test]
    fn duplicate_scheme_block_names_its_other_signer() {
        let a = cert("a", &[1]);
        let b = cert("b", &[2]);
        let id = sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID;
        let (apk, cd) = apk_with_block(
            b"",
            &[
                (id, scheme_value(&[signer(Scheme::V2, &[&a], &[])])),
                (id, scheme_value(&[signer(Scheme::V2, &[&b], &[])])),
            ],
        );
        let out = extract(&apk, cd, &[]);
        assert_eq!(out.signers.len(), 1);
        assert_eq!(out.signers[0].subject, "CN=a, C=US");
        let other = out.anomalies.iter().find(|x| x.id == "sigblock-duplicate-scheme-block-other-signer").unwrap();
        assert!(other.message.contains(&x509::sha256_hex(&b)));
    }

    #[test]
    fn malformed_inputs_become_anomalies() {
        let unsigned_cert = cert("nobody", &[0x01]);
        let v1 = pkcs7(&[unsigned_cert]);
        let (apk, cd) = apk_with_block(
            b"zip",
            &[(sigblock::APK_SIGNATURE_SCHEME_V2_BLOCK_ID, scheme_value(&[signer(Scheme::V2, &[b"not a cert"], &[])]))],
        );
        let out = extract(&apk, cd, &[("META-INF/A.RSA", &v1), ("META-INF/B.RSA", b"junk")]);
        let ids: Vec<&str> = out.anomalies.iter().map(|a| a.id.as_str()).collect();
        assert!(ids.contains(&"v1-signer-certificate-missing"));
        assert!(ids.contains(&"v1-signature-block-malformed"));
        assert!(ids.contains(&"sigblock-certificate-malformed"));
        assert_eq!(out.signers.len(), 1, "unparsable v2 cert still fingerprinted");
        assert_eq!(out.signers[0].cert_sha256, x509::sha256_hex(b"not a cert"));

        let out = extract(&apk, cd + 1, &[]);
        assert!(out.signing_block.is_none());
        let out = extract(&apk, u64::MAX, &[]);
        assert_eq!(out.anomalies[0].id, "sigblock-invalid");
    }
}

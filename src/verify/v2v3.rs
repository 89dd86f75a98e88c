//! APK Signature Scheme v2, v3 and v3.1 verification (AOSP apksig
//! `V2SchemeVerifier`, `V3SchemeVerifier`, `ApkSigningBlockUtils`,
//! `V3SigningCertificateLineage`).
//!
//! Per signer: the best signature per platform generation is checked over the
//! signed data with the signer's public key, the first certificate's key must
//! equal that key, the signatures and digests records must list the same
//! algorithms, and the additional attributes are checked (stripping
//! protection, proof-of-rotation lineage, v3.1 rotation-min-sdk). Then the
//! whole-APK content digests are computed once and compared.

use std::collections::BTreeSet;

use super::crypto::{self, Hash, Padding, PublicKey};
use super::digest::{self, ContentDigest, Sections};
use crate::formats::reader::Reader;
use crate::formats::sigblock::{
    PROOF_OF_ROTATION_ATTR_ID, ROTATION_MIN_SDK_VERSION_ATTR_ID, ROTATION_ON_DEV_RELEASE_ATTR_ID,
    STRIPPING_PROTECTION_ATTR_ID,
};
use crate::formats::x509::{self, Certificate};

/// apksig `MAX_APK_SIGNERS`.
pub const MAX_SIGNERS: usize = 10;
/// Most signatures, digests, certificates, attributes or lineage nodes read.
pub const MAX_ITEMS: usize = 256;

pub const SDK_N: u32 = 24;
pub const SDK_P: u32 = 28;
pub const SDK_T: u32 = 33;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    V2,
    V3,
    V31,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::V2 => "v2",
            Scheme::V3 => "v3",
            Scheme::V31 => "v3.1",
        }
    }
}

/// A v2/v3 signature algorithm id (apksig `SignatureAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigAlg {
    pub id: u32,
    pub name: &'static str,
    pub padding: Padding,
    pub hash: Hash,
    pub content: ContentDigest,
    /// First platform version verifying it in a v2+ block.
    pub min_sdk: u32,
}

pub fn sig_alg(id: u32) -> Option<SigAlg> {
    use ContentDigest::*;
    let (name, padding, hash, content, min_sdk) = match id {
        0x0101 => ("RSA_PSS_WITH_SHA256", Padding::Pss, Hash::Sha256, ChunkedSha256, SDK_N),
        0x0102 => ("RSA_PSS_WITH_SHA512", Padding::Pss, Hash::Sha512, ChunkedSha512, SDK_N),
        0x0103 => ("RSA_PKCS1_V1_5_WITH_SHA256", Padding::Pkcs1, Hash::Sha256, ChunkedSha256, SDK_N),
        0x0104 => ("RSA_PKCS1_V1_5_WITH_SHA512", Padding::Pkcs1, Hash::Sha512, ChunkedSha512, SDK_N),
        0x0201 => ("ECDSA_WITH_SHA256", Padding::Dsa, Hash::Sha256, ChunkedSha256, SDK_N),
        0x0202 => ("ECDSA_WITH_SHA512", Padding::Dsa, Hash::Sha512, ChunkedSha512, SDK_N),
        0x0301 => ("DSA_WITH_SHA256", Padding::Dsa, Hash::Sha256, ChunkedSha256, SDK_N),
        0x0421 => ("VERITY_RSA_PKCS1_V1_5_WITH_SHA256", Padding::Pkcs1, Hash::Sha256, VeritySha256, SDK_P),
        0x0423 => ("VERITY_ECDSA_WITH_SHA256", Padding::Dsa, Hash::Sha256, VeritySha256, SDK_P),
        0x0425 => ("VERITY_DSA_WITH_SHA256", Padding::Dsa, Hash::Sha256, VeritySha256, SDK_P),
        _ => return None,
    };
    Some(SigAlg { id, name, padding, hash, content, min_sdk })
}

fn key_family(id: u32) -> &'static str {
    match id {
        0x0101..=0x0104 | 0x0421 => "RSA",
        0x0201 | 0x0202 | 0x0423 => "EC",
        _ => "DSA",
    }
}

/// apksig `compareContentDigestAlgorithm`: SHA-512 > verity > SHA-256.
fn strength(c: ContentDigest) -> u8 {
    match c {
        ContentDigest::ChunkedSha256 => 0,
        ContentDigest::VeritySha256 => 1,
        ContentDigest::ChunkedSha512 => 2,
    }
}

/// apksig `getSignaturesToVerify`: the strongest signature per min-SDK
/// generation; Err when some version in the range has none.
pub fn signatures_to_verify(sigs: &[(SigAlg, &[u8])], min_sdk: u32, max_sdk: u32) -> Result<Vec<usize>, String> {
    let mut best: Vec<(u32, usize)> = Vec::new();
    let mut min_provided = u32::MAX;
    for (i, (alg, _)) in sigs.iter().enumerate() {
        if alg.min_sdk > max_sdk {
            continue;
        }
        min_provided = min_provided.min(alg.min_sdk);
        match best.iter_mut().find(|(sdk, _)| *sdk == alg.min_sdk) {
            Some(slot) => {
                let current = sigs.get(slot.1).map(|s| s.0.content);
                if current.is_some_and(|c| strength(alg.content) > strength(c)) {
                    slot.1 = i;
                }
            }
            None => best.push((alg.min_sdk, i)),
        }
    }
    if min_sdk < min_provided {
        return Err(if min_provided == u32::MAX {
            "no supported signatures".into()
        } else {
            format!("no supported signatures for API level {min_sdk} (first supported at {min_provided})")
        });
    }
    let mut out: Vec<usize> = best.into_iter().map(|(_, i)| i).collect();
    out.sort_by_key(|&i| sigs.get(i).map(|s| s.0.id));
    Ok(out)
}

/// One node of a proof-of-rotation lineage, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageNode {
    pub cert: Vec<u8>,
    pub flags: u32,
}

/// Result for one signer of a scheme block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignerResult {
    pub index: usize,
    pub certs: Vec<Vec<u8>>,
    pub min_sdk: u32,
    pub max_sdk: u32,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub attr_ids: Vec<u32>,
    /// Content digests listed by the signer: (signature algorithm id, value).
    pub digests: Vec<(u32, Vec<u8>)>,
    pub lineage: Option<Vec<LineageNode>>,
    /// Stripping-protection scheme ids (v2 signers).
    pub stripping_ids: Vec<u32>,
    /// v3 rotation-min-sdk attribute value.
    pub rotation_min_sdk: Option<u32>,
    pub targets_dev_release: bool,
}

impl SignerResult {
    pub fn cert(&self) -> Option<&[u8]> {
        self.certs.first().map(Vec::as_slice)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeResult {
    pub scheme: Scheme,
    pub signers: Vec<SignerResult>,
    /// Block-level errors.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub verified: bool,
    /// Consolidated lineage of all signers (v3/v3.1).
    pub lineage: Option<Vec<LineageNode>>,
}

impl SchemeResult {
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.signers.iter().any(|s| !s.errors.is_empty())
    }

    /// Every error with its signer, for reports.
    pub fn all_errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self.errors.iter().map(|e| format!("{}: {e}", self.scheme.name())).collect();
        for s in &self.signers {
            for e in &s.errors {
                out.push(format!("{} signer #{}: {e}", self.scheme.name(), s.index.saturating_add(1)));
            }
        }
        out
    }
}

/// Content digests computed so far (shared by the v2, v3 and v3.1 blocks,
/// which cover the same bytes).
pub type DigestCache = Vec<(ContentDigest, Result<Vec<u8>, String>)>;

/// What the caller knows when verifying one block.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Scheme ids (2, 3) Android knows for stripping protection.
    pub supported_scheme_ids: Vec<u32>,
    /// Scheme ids found so far (31, 3 before v2 is checked).
    pub found_scheme_ids: Vec<u32>,
    /// v3: the lowest v3.1 signer min SDK, when a v3.1 block verified.
    pub rotation_min_sdk: Option<u32>,
}

fn lp<'a>(r: &mut Reader<'a>, what: &str) -> Result<Reader<'a>, String> {
    let at = r.offset();
    let len = r.u32_le().ok_or_else(|| format!("{what} length truncated at offset {at}"))?;
    usize::try_from(len).ok().and_then(|l| r.sub(l)).ok_or_else(|| format!("{what} truncated at offset {at}"))
}

fn u32_of(r: &mut Reader<'_>, what: &str) -> Result<u32, String> {
    let at = r.offset();
    r.u32_le().ok_or_else(|| format!("{what} truncated at offset {at}"))
}

/// The SubjectPublicKeyInfo bytes of a certificate, as found.
pub fn cert_spki(cert: &[u8]) -> Option<&[u8]> {
    use crate::formats::der;
    let c = der::parse(cert).ok()?;
    let mut top = c.children();
    let tbs = top.next()?.ok()?;
    let mut f = tbs.children();
    let first = f.next()?.ok()?;
    let mut skip = if first.is_context(0) { 5 } else { 4 };
    while skip > 0 {
        f.next()?.ok()?;
        skip -= 1;
    }
    Some(f.next()?.ok()?.raw)
}

/// Compares two SPKIs by key: equal bytes, or the same parsed key (an RSA
/// modulus encoded as negative in one of them).
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a == b || matches!((crypto::parse_spki(a), crypto::parse_spki(b)), (Ok(x), Ok(y)) if x == y)
}

/// Verifies one scheme block value. `sections` may be None when the zip
/// offsets are unusable (then digests fail).
pub fn verify_block(
    block: &[u8],
    scheme: Scheme,
    sections: Option<&Sections<'_>>,
    ctx: &Context,
    cache: &mut DigestCache,
) -> SchemeResult {
    let mut res = SchemeResult {
        scheme,
        signers: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        verified: false,
        lineage: None,
    };
    let mut r = Reader::new(block);
    let mut signers = match lp(&mut r, "signers") {
        Ok(s) => s,
        Err(e) => {
            res.errors.push(format!("malformed signers: {e}"));
            return res;
        }
    };
    if signers.remaining() == 0 {
        res.errors.push("no signers".into());
        return res;
    }
    let mut wanted: BTreeSet<ContentDigest> = BTreeSet::new();
    let mut count = 0usize;
    while signers.remaining() > 0 {
        let index = count;
        count = count.saturating_add(1);
        if count > MAX_ITEMS {
            break;
        }
        let mut s = SignerResult { index, ..SignerResult::default() };
        match lp(&mut signers, "signer") {
            Ok(mut one) => {
                if let Err(e) = parse_signer(&mut one, scheme, ctx, &mut s, &mut wanted) {
                    s.errors.push(format!("malformed signer: {e}"));
                }
            }
            Err(e) => s.errors.push(format!("malformed signer: {e}")),
        }
        let stop = s.errors.iter().any(|e| e.starts_with("malformed signer"));
        res.signers.push(s);
        if stop {
            return res;
        }
    }
    if scheme == Scheme::V2 && count > MAX_SIGNERS {
        res.errors.push(format!("{count} signers exceed the maximum of {MAX_SIGNERS}"));
    }
    if res.has_errors() {
        return res;
    }
    // Content digests, computed once for all signers.
    let wanted: Vec<ContentDigest> = wanted.into_iter().collect();
    let Some(sections) = sections else {
        res.errors.push("APK sections cannot be located for digesting".into());
        return res;
    };
    let missing: Vec<ContentDigest> = wanted.iter().copied().filter(|w| !cache.iter().any(|(c, _)| c == w)).collect();
    if !missing.is_empty() {
        cache.extend(digest::compute(sections, &missing));
    }
    let computed: Vec<&(ContentDigest, Result<Vec<u8>, String>)> =
        cache.iter().filter(|(c, _)| wanted.contains(c)).collect();
    for (alg, value) in &computed {
        if let Err(e) = value {
            res.errors.push(format!("{} cannot be computed: {e}", alg.name()));
        }
    }
    for s in &mut res.signers {
        for (id, expected) in &s.digests {
            let Some(alg) = sig_alg(*id) else { continue };
            let Some((_, Ok(actual))) = computed.iter().find(|(c, _)| *c == alg.content).copied() else { continue };
            if actual != expected {
                s.errors.push(format!(
                    "APK integrity check failed: {} digest mismatch (expected {}, actual {})",
                    alg.content.name(),
                    crate::formats::der::hex(expected),
                    crate::formats::der::hex(actual)
                ));
            }
        }
    }
    if scheme != Scheme::V2 {
        check_sdk_ranges(&mut res, ctx);
    }
    res.verified = !res.has_errors();
    res
}

fn check_sdk_ranges(res: &mut SchemeResult, ctx: &Context) {
    let mut sorted: Vec<&SignerResult> = res.signers.iter().collect();
    sorted.sort_by_key(|s| s.max_sdk);
    let (mut first_min, mut last_max, mut last_lineage) = (0u32, 0u32, 0usize);
    let mut lineages: Vec<&Vec<LineageNode>> = Vec::new();
    let mut error = None;
    for s in &sorted {
        if first_min == 0 {
            first_min = s.min_sdk;
        } else if s.min_sdk != last_max.saturating_add(1) && !(s.min_sdk == last_max && s.targets_dev_release) {
            error = Some("signers' SDK ranges are not contiguous".to_string());
            break;
        }
        last_max = s.max_sdk;
        if let Some(l) = &s.lineage {
            if l.len() < last_lineage {
                error = Some("signers' lineages are inconsistent".to_string());
                break;
            }
            last_lineage = l.len();
            lineages.push(l);
        }
    }
    if let Some(e) = error {
        res.errors.push(e);
    }
    let needed_max = ctx.rotation_min_sdk.map(|v| v.saturating_sub(1)).unwrap_or(ctx.max_sdk);
    if first_min > ctx.min_sdk || last_max < needed_max {
        res.errors.push(format!(
            "signers cover API levels {first_min}..{last_max}, not the required {}..{needed_max}",
            ctx.min_sdk
        ));
    }
    // Consolidate: every lineage must be a prefix of the longest one.
    if let Some(longest) = lineages.iter().max_by_key(|l| l.len()) {
        let ok = lineages.iter().all(|l| l.iter().zip(longest.iter()).all(|(a, b)| a.cert == b.cert));
        if ok {
            res.lineage = Some((*longest).clone());
        } else {
            res.errors.push("signers' lineages are inconsistent".into());
        }
    }
}

fn parse_signer(
    r: &mut Reader<'_>,
    scheme: Scheme,
    ctx: &Context,
    s: &mut SignerResult,
    wanted: &mut BTreeSet<ContentDigest>,
) -> Result<(), String> {
    let signed_data = lp(r, "signed data")?;
    let signed_bytes = signed_data.data();
    let (mut min, mut max) = (ctx.min_sdk, ctx.max_sdk);
    if scheme != Scheme::V2 {
        min = u32_of(r, "minSdkVersion")?;
        max = u32_of(r, "maxSdkVersion")?;
        s.min_sdk = min;
        s.max_sdk = max;
        // apksig reads these as Java ints.
        if min > max || min > i32::MAX as u32 {
            s.errors.push(format!("invalid SDK version range {min}..{max}"));
        }
    }
    let mut sigs_r = lp(r, "signatures")?;
    let public_key = lp(r, "public key")?.data();
    let mut all_sig_ids = Vec::new();
    let mut supported: Vec<(SigAlg, &[u8])> = Vec::new();
    let mut n = 0usize;
    while sigs_r.remaining() > 0 {
        n = n.saturating_add(1);
        if n > MAX_ITEMS {
            return Err("too many signatures".into());
        }
        let mut one = lp(&mut sigs_r, "signature").map_err(|e| format!("malformed signature #{n}: {e}"))?;
        let id = u32_of(&mut one, "signature algorithm")?;
        let bytes = lp(&mut one, "signature bytes")?.data();
        all_sig_ids.push(id);
        match sig_alg(id) {
            Some(alg) => supported.push((alg, bytes)),
            None => s.warnings.push(format!("unknown signature algorithm {id:#06x} ignored")),
        }
    }
    if all_sig_ids.is_empty() {
        s.errors.push("no signatures".into());
        return Ok(());
    }
    let (range_min, range_max) = if scheme == Scheme::V2 { (ctx.min_sdk, ctx.max_sdk) } else { (min, max) };
    let to_verify = match signatures_to_verify(&supported, range_min, range_max) {
        Ok(v) => v,
        Err(e) => {
            s.errors.push(e);
            return Ok(());
        }
    };
    for i in to_verify {
        let Some((alg, sig)) = supported.get(i) else { continue };
        let key = match crypto::parse_spki(public_key) {
            Ok(k) if k.algorithm() == key_family(alg.id) => k,
            Ok(k) => {
                s.errors.push(format!("{} key cannot verify {}", k.algorithm(), alg.name));
                return Ok(());
            }
            Err(e) => {
                s.errors.push(e);
                return Ok(());
            }
        };
        match crypto::verify(&key, alg.padding, alg.hash, &[signed_bytes], sig) {
            Ok(true) => {
                wanted.insert(alg.content);
            }
            Ok(false) => {
                s.errors.push(format!("{} signature over signed-data did not verify", alg.name));
                return Ok(());
            }
            Err(e) => {
                s.errors.push(format!("{} signature could not be checked: {e}", alg.name));
                return Ok(());
            }
        }
    }
    let mut sd = Reader::new(signed_bytes);
    let mut digests = lp(&mut sd, "digests")?;
    let mut certs = lp(&mut sd, "certificates")?;
    if scheme != Scheme::V2 {
        let smin = u32_of(&mut sd, "signed minSdkVersion")?;
        let smax = u32_of(&mut sd, "signed maxSdkVersion")?;
        if smin != min {
            s.errors.push(format!("minSdkVersion mismatch between signer ({min}) and signed data ({smin})"));
        }
        if smax != max {
            s.errors.push(format!("maxSdkVersion mismatch between signer ({max}) and signed data ({smax})"));
        }
    }
    let mut attrs = lp(&mut sd, "additional attributes")?;
    let mut ci = 0usize;
    while certs.remaining() > 0 {
        ci = ci.saturating_add(1);
        if ci > MAX_ITEMS {
            return Err("too many certificates".into());
        }
        let c = lp(&mut certs, "certificate")?.data();
        if let Err(e) = Certificate::parse(c) {
            s.errors.push(format!("malformed certificate #{ci}: {e}"));
            return Ok(());
        }
        s.certs.push(c.to_vec());
    }
    let Some(main) = s.certs.first() else {
        s.errors.push("no certificates".into());
        return Ok(());
    };
    match cert_spki(main) {
        Some(spki) if same_key(spki, public_key) => {}
        _ => {
            s.errors.push("public key mismatch between certificate and signature record".into());
            return Ok(());
        }
    }
    let mut di = 0usize;
    while digests.remaining() > 0 {
        di = di.saturating_add(1);
        if di > MAX_ITEMS {
            return Err("too many digests".into());
        }
        let mut d = lp(&mut digests, "digest").map_err(|e| format!("malformed digest #{di}: {e}"))?;
        let id = u32_of(&mut d, "digest algorithm")?;
        let v = lp(&mut d, "digest value")?.data();
        s.digests.push((id, v.to_vec()));
    }
    let digest_ids: Vec<u32> = s.digests.iter().map(|d| d.0).collect();
    if digest_ids != all_sig_ids {
        s.errors.push(format!(
            "signature algorithms mismatch between signatures {all_sig_ids:?} and digests {digest_ids:?} records"
        ));
        return Ok(());
    }
    let mut ai = 0usize;
    let mut rotation_attr = false;
    while attrs.remaining() > 0 {
        ai = ai.saturating_add(1);
        if ai > MAX_ITEMS {
            return Err("too many attributes".into());
        }
        let mut a = lp(&mut attrs, "attribute").map_err(|e| format!("malformed additional attribute #{ai}: {e}"))?;
        let id = u32_of(&mut a, "attribute id")?;
        let value = a.rest();
        s.attr_ids.push(id);
        match (scheme, id) {
            (Scheme::V2, STRIPPING_PROTECTION_ATTR_ID) => {
                let found = Reader::new(value).u32_le().unwrap_or(0);
                if ctx.supported_scheme_ids.contains(&found) {
                    s.stripping_ids.push(found);
                } else {
                    s.warnings.push(format!("unknown APK signature scheme id {found} in stripping protection"));
                }
            }
            (Scheme::V3 | Scheme::V31, PROOF_OF_ROTATION_ATTR_ID) => match parse_lineage(value) {
                Ok(l) => {
                    // The signer's certificate must be the newest node.
                    let pos = l.iter().position(|n| Some(n.cert.as_slice()) == s.cert());
                    if pos.map(|p| p.saturating_add(1)) != Some(l.len()) {
                        s.errors.push("proof-of-rotation lineage does not end with the signer's certificate".into());
                    }
                    s.lineage = Some(l);
                }
                Err(e) => s.errors.push(e),
            },
            (Scheme::V3 | Scheme::V31, ROTATION_MIN_SDK_VERSION_ATTR_ID) => {
                rotation_attr = true;
                let v = Reader::new(value).u32_le().unwrap_or(0);
                s.rotation_min_sdk = Some(v);
                if ctx.max_sdk >= SDK_T {
                    match ctx.rotation_min_sdk {
                        Some(expected) if expected != v => s.errors.push(format!(
                            "rotation-min-sdk attribute {v} does not match the v3.1 signers' minimum {expected}"
                        )),
                        Some(_) => {}
                        None => s.errors.push(format!(
                            "rotation-min-sdk attribute {v} says a v3.1 block exists, but none was found (stripped)"
                        )),
                    }
                }
            }
            (Scheme::V3 | Scheme::V31, ROTATION_ON_DEV_RELEASE_ATTR_ID) => {
                s.targets_dev_release = true;
                if scheme == Scheme::V3 {
                    s.warnings.push("rotation-targets-dev-release attribute on a v3.0 signer is ignored".into());
                }
            }
            _ => s.warnings.push(format!("unknown additional attribute {id:#010x}")),
        }
    }
    if scheme == Scheme::V3 && ctx.rotation_min_sdk.is_some() && !rotation_attr {
        s.warnings.push("v3 signer lacks the rotation-min-sdk stripping protection attribute".into());
    }
    if scheme == Scheme::V2 {
        for id in &s.stripping_ids {
            if !ctx.found_scheme_ids.contains(id) {
                s.errors.push(format!(
                    "signature indicates the APK is signed with APK Signature Scheme v{id} but no such signature was found (stripped)"
                ));
            }
        }
    }
    Ok(())
}

/// Parses and verifies a v3 proof-of-rotation lineage (oldest first): each
/// node's signed data is signed by the previous node's key.
pub fn parse_lineage(value: &[u8]) -> Result<Vec<LineageNode>, String> {
    let mut r = Reader::new(value);
    let version = u32_of(&mut r, "lineage version").map_err(|e| format!("malformed lineage: {e}"))?;
    if version != 1 {
        return Err(format!("malformed lineage: unknown version {version}"));
    }
    let mut out: Vec<LineageNode> = Vec::new();
    let mut last_key: Option<PublicKey> = None;
    let mut last_alg = 0u32;
    while r.remaining() > 0 {
        if out.len() >= MAX_ITEMS {
            return Err("malformed lineage: too many nodes".into());
        }
        let n = out.len().saturating_add(1);
        let bad = |e: String| format!("malformed lineage node #{n}: {e}");
        let mut node = lp(&mut r, "node").map_err(bad)?;
        let signed = lp(&mut node, "signed data").map_err(bad)?;
        let flags = u32_of(&mut node, "flags").map_err(bad)?;
        let next_alg = u32_of(&mut node, "signature algorithm").map_err(bad)?;
        let sig = lp(&mut node, "signature").map_err(bad)?.data();
        let mut sd = signed;
        let cert = lp(&mut sd, "certificate").map_err(bad)?.data();
        let signed_alg = u32_of(&mut sd, "signed algorithm").map_err(bad)?;
        if let Some(key) = &last_key {
            let alg = sig_alg(last_alg).ok_or_else(|| format!("lineage node #{n}: unknown algorithm {last_alg:#x}"))?;
            let ok = crypto::verify(key, alg.padding, alg.hash, &[signed.data()], sig).unwrap_or(false);
            if !ok {
                return Err(format!(
                    "proof-of-rotation record #{n} signature did not verify with the previous certificate's key"
                ));
            }
            if signed_alg != last_alg {
                return Err(format!("lineage node #{n}: signature algorithm id mismatch"));
            }
        }
        if Certificate::parse(cert).is_err() {
            return Err(format!("lineage node #{n}: malformed certificate"));
        }
        if out.iter().any(|o| o.cert == cert) {
            return Err(format!("lineage node #{n}: duplicate certificate"));
        }
        let spki = cert_spki(cert).ok_or_else(|| format!("lineage node #{n}: certificate has no key"))?;
        last_key = crypto::parse_spki(spki).ok();
        last_alg = next_alg;
        out.push(LineageNode { cert: cert.to_vec(), flags });
    }
    Ok(out)
}

/// SHA-256 of a lineage node's certificate.
pub fn node_sha256(n: &LineageNode) -> String {
    x509::sha256_hex(&n.cert)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn alg(id: u32) -> (SigAlg, &'static [u8]) {
        (sig_alg(id).unwrap(), b"")
    }

    #[test]
    fn picks_strongest_per_generation() {
        let sigs = [alg(0x0103), alg(0x0104), alg(0x0421)];
        let v = signatures_to_verify(&sigs, 24, u32::MAX).unwrap();
        assert_eq!(v, vec![1, 2], "SHA-512 beats SHA-256 at N; verity is the P generation");
        assert!(signatures_to_verify(&[alg(0x0421)], 24, u32::MAX).unwrap_err().contains("API level 24"));
        assert!(signatures_to_verify(&[], 24, u32::MAX).is_err());
    }

    #[test]
    fn block_errors() {
        let ctx = Context { min_sdk: 24, max_sdk: u32::MAX, ..Context::default() };
        let r = verify_block(&[0, 0, 0, 0], Scheme::V2, None, &ctx, &mut Vec::new());
        assert_eq!(r.errors, vec!["no signers".to_string()]);
        let r = verify_block(&[9, 0], Scheme::V2, None, &ctx, &mut Vec::new());
        assert!(r.errors[0].starts_with("malformed signers"));
        // One signer whose signature list is empty.
        let mut signer = Vec::new();
        for part in [&[][..], &[][..], b"key"] {
            signer.extend((part.len() as u32).to_le_bytes());
            signer.extend(part);
        }
        let mut block = ((signer.len() + 4) as u32).to_le_bytes().to_vec();
        block.extend((signer.len() as u32).to_le_bytes());
        block.extend(&signer);
        let r = verify_block(&block, Scheme::V2, None, &ctx, &mut Vec::new());
        assert_eq!(r.signers[0].errors, vec!["no signatures".to_string()]);
        assert!(r.all_errors()[0].starts_with("v2 signer #1: no signatures"));
    }

    #[test]
    fn lineage_errors() {
        assert!(parse_lineage(&2u32.to_le_bytes()).unwrap_err().contains("unknown version 2"));
        assert!(parse_lineage(&[1, 0]).unwrap_err().contains("malformed lineage"));
        let mut v = 1u32.to_le_bytes().to_vec();
        v.extend(100u32.to_le_bytes());
        assert!(parse_lineage(&v).unwrap_err().contains("node #1"));
        assert_eq!(parse_lineage(&1u32.to_le_bytes()).unwrap(), vec![]);
    }
}

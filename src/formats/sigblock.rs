//! The APK Signing Block and the v2 / v3 / v3.1 signer sequences inside it.
//!
//! Format (source.android.com/docs/security/features/apksigning/v2#apk-signing-block,
//! AOSP apksig `ApkSigningBlockUtils.findApkSigningBlock`): immediately before
//! the central directory sit `u64 size` (bytes after this field), the
//! id-value pairs `{u64 len, u32 id, value[len-4]}`, `u64 size` again and the
//! magic `APK Sig Block 42`. Both size fields must agree.
//!
//! v2/v3/v3.1 values (…/apksigning/v2, v3, v3-1; apksig `V2SchemeVerifier`,
//! `V3SchemeVerifier`) are `u32`-length-prefixed sequences of signers; each
//! signer is `signed data, [v3: u32 minSdk, u32 maxSdk], signatures, public
//! key`, and signed data is `digests, certificates, [v3: minSdk, maxSdk],
//! additional attributes`. All integers little-endian.
//!
//! Lenient like the tools that read these blocks: a malformed pair or signer
//! is recorded (anomaly / error) and what parsed before it is kept. Every
//! walk is capped. Signatures and digests are not verified here.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::evidence::Anomaly;
use crate::formats::reader::Reader;
use crate::formats::source::Source;

pub const APK_SIG_BLOCK_MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// Smallest block: header size + footer size + magic.
const APK_SIG_BLOCK_MIN_SIZE: u64 = 32;

// Pair ids. Scheme blocks: source.android.com/docs/security/features/apksigning
// (v2, v3, v3-1) and apksig `ApkSigningBlockUtils` / `SourceStampConstants`.
pub const APK_SIGNATURE_SCHEME_V2_BLOCK_ID: u32 = 0x7109_871a;
pub const APK_SIGNATURE_SCHEME_V3_BLOCK_ID: u32 = 0xf053_68c0;
pub const APK_SIGNATURE_SCHEME_V31_BLOCK_ID: u32 = 0x1b93_ad61;
pub const V1_SOURCE_STAMP_BLOCK_ID: u32 = 0x2b09_189e;
pub const V2_SOURCE_STAMP_BLOCK_ID: u32 = 0x6dff_800d;
/// apksig `ApkSigningBlockUtils.VERITY_PADDING_BLOCK_ID`: zeros padding the
/// block to a 4096 multiple.
pub const VERITY_PADDING_BLOCK_ID: u32 = 0x4272_6577;
/// Android Gradle Plugin dependency metadata (`DEPENDENCY_INFO_BLOCK_ID`).
pub const DEPENDENCY_INFO_BLOCK_ID: u32 = 0x504b_4453;
/// Google Play "frosting" metadata (observed on Play-delivered APKs).
pub const PLAY_FROSTING_BLOCK_ID: u32 = 0x2146_444e;
/// Meituan Walle channel id (github.com/Meituan-Dianping/walle).
pub const MEITUAN_CHANNEL_BLOCK_ID: u32 = 0x7177_7777;
/// Tencent VasDolly channel id (github.com/Tencent/VasDolly).
pub const VASDOLLY_CHANNEL_BLOCK_ID: u32 = 0x8811_55ff;

// Additional-attribute ids inside v3 signed data (apksig `V3SchemeConstants`,
// `V2SchemeConstants`).
pub const PROOF_OF_ROTATION_ATTR_ID: u32 = 0x3ba0_6f8c;
pub const ROTATION_MIN_SDK_VERSION_ATTR_ID: u32 = 0x559f_8b02;
pub const ROTATION_ON_DEV_RELEASE_ATTR_ID: u32 = 0xc2a6_b3ba;
pub const STRIPPING_PROTECTION_ATTR_ID: u32 = 0xbeef_f00d;

/// Most id-value pairs we walk (a block is normally < 10).
pub const MAX_PAIRS: usize = 1024;
/// Most signers per scheme block.
pub const MAX_SIGNERS: usize = 64;
/// Most items in any inner sequence (digests, certificates, signatures,
/// attributes).
pub const MAX_ITEMS: usize = 256;

/// apksig rejects pair lengths above `Integer.MAX_VALUE`.
const MAX_PAIR_LEN: u64 = i32::MAX as u64;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("APK Signing Block: {what} truncated at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("APK Signing Block: central directory offset {offset} is outside the file")]
    BadOffset { offset: u64 },
    #[error("APK Signing Block at {offset}: size {size} is invalid")]
    BadSize { offset: u64, size: u64 },
    #[error("APK Signing Block at {offset}: header size {header} != footer size {footer}")]
    SizeMismatch { offset: u64, header: u64, footer: u64 },
    #[error("APK Signing Block: {what}: limit {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
}

/// Known name of a pair id, as reported in `Facts`.
pub fn block_name(id: u32) -> Option<&'static str> {
    Some(match id {
        APK_SIGNATURE_SCHEME_V2_BLOCK_ID => "v2",
        APK_SIGNATURE_SCHEME_V3_BLOCK_ID => "v3",
        APK_SIGNATURE_SCHEME_V31_BLOCK_ID => "v3.1",
        V1_SOURCE_STAMP_BLOCK_ID => "source-stamp-v1",
        V2_SOURCE_STAMP_BLOCK_ID => "source-stamp-v2",
        VERITY_PADDING_BLOCK_ID => "verity-padding",
        DEPENDENCY_INFO_BLOCK_ID => "dependency-info",
        PLAY_FROSTING_BLOCK_ID => "play-frosting",
        MEITUAN_CHANNEL_BLOCK_ID => "meituan-channel",
        VASDOLLY_CHANNEL_BLOCK_ID => "vasdolly-channel",
        _ => return None,
    })
}

/// One id-value pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair<'a> {
    pub id: u32,
    /// Absolute offset of the value in the APK.
    pub offset: u64,
    pub value: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningBlock<'a> {
    /// Absolute offset of the block's first size field.
    pub offset: u64,
    /// Total bytes from `offset` to the central directory.
    pub size: u64,
    pub pairs: Vec<Pair<'a>>,
    /// Oddities tolerated while walking the pairs (`sigblock-*`).
    pub anomalies: Vec<Anomaly>,
}

impl<'a> SigningBlock<'a> {
    /// The first pair with `id` (apksig uses the first one it meets).
    pub fn find(&self, id: u32) -> Option<&Pair<'a>> {
        self.pairs.iter().find(|p| p.id == id)
    }
}

const BLOCK_FILE: &str = "APK Signing Block";

fn anomaly(id: &str, message: String, offset: u64) -> Anomaly {
    Anomaly::new(id, message, BLOCK_FILE, Some(offset))
}

/// Finds the signing block that ends at `cd_offset`. `Ok(None)` when there is
/// no magic there (an unsigned or v1-only APK).
pub fn locate(apk: &[u8], cd_offset: u64) -> Result<Option<SigningBlock<'_>>> {
    locate_held(apk, 0, cd_offset)
}

/// [`locate`] in the bytes of an archive [`Source`] held in memory (a
/// file's tail): a block that reaches before them is an error (`BadOffset`).
pub fn locate_source<'a>(src: Source<'a>, cd_offset: u64) -> Result<Option<SigningBlock<'a>>> {
    let (base, held) = src.held();
    let base = usize::try_from(base).map_err(|_| Error::BadOffset { offset: cd_offset })?;
    locate_held(held, base, cd_offset)
}

/// `apk` holds the archive's bytes from offset `base` to its end.
fn locate_held(apk: &[u8], base: usize, cd_offset: u64) -> Result<Option<SigningBlock<'_>>> {
    let cd = usize::try_from(cd_offset).map_err(|_| Error::BadOffset { offset: cd_offset })?;
    if cd > apk.len().saturating_add(base) {
        return Err(Error::BadOffset { offset: cd_offset });
    }
    let Some(footer_at) = cd.checked_sub(24) else {
        return Ok(None);
    };
    let held = |offset: usize| offset.checked_sub(base).ok_or(Error::BadOffset { offset: offset as u64 });
    let mut footer = Reader::at(apk, held(footer_at)?).ok_or(Error::BadOffset { offset: cd_offset })?;
    let footer_size = footer.u64_le().ok_or(Error::Truncated { what: "footer", offset: footer_at as u64 })?;
    if footer.take(16) != Some(&APK_SIG_BLOCK_MAGIC[..]) {
        return Ok(None);
    }
    // `size` counts everything after the header field, so the block spans
    // size + 8 bytes.
    let total = footer_size.checked_add(8);
    let start = total.and_then(|t| cd_offset.checked_sub(t));
    let (Some(total), Some(start)) = (total, start) else {
        return Err(Error::BadSize { offset: footer_at as u64, size: footer_size });
    };
    // apksig `findApkSigningBlock`: footer size < 24 or > Integer.MAX_VALUE - 8
    // is "APK Signing Block size out of range".
    if total < APK_SIG_BLOCK_MIN_SIZE || footer_size > MAX_PAIR_LEN.saturating_sub(8) {
        return Err(Error::BadSize { offset: start, size: footer_size });
    }
    let start_us = usize::try_from(start).map_err(|_| Error::BadOffset { offset: start })?;
    let header = Reader::at(apk, held(start_us)?)
        .and_then(|mut r| r.u64_le())
        .ok_or(Error::Truncated { what: "header", offset: start })?;
    if header != footer_size {
        return Err(Error::SizeMismatch { offset: start, header, footer: footer_size });
    }
    let pairs_start = start_us.checked_add(8).ok_or(Error::BadOffset { offset: start })?;
    let region =
        apk.get(held(pairs_start)?..held(footer_at)?).ok_or(Error::Truncated { what: "pairs", offset: start })?;
    let mut r = Reader::with_base(region, pairs_start as u64);
    let mut block = SigningBlock { offset: start, size: total, pairs: Vec::new(), anomalies: Vec::new() };
    while r.remaining() > 0 {
        if block.pairs.len() >= MAX_PAIRS {
            block.anomalies.push(anomaly(
                "sigblock-too-many-pairs",
                format!("more than {MAX_PAIRS} id-value pairs; the rest were ignored"),
                r.offset(),
            ));
            break;
        }
        let at = r.offset();
        let Some(len) = r.u64_le() else {
            block.anomalies.push(anomaly(
                "sigblock-pair-truncated",
                format!("{} stray bytes after the last pair", r.remaining()),
                at,
            ));
            break;
        };
        if !(4..=MAX_PAIR_LEN).contains(&len) {
            // apksig: "APK Signing Block entry #n size out of range".
            block.anomalies.push(anomaly(
                "sigblock-pair-length-invalid",
                format!("pair length {len} is out of range [4, 2^31-1]"),
                at,
            ));
            break;
        }
        let Some(mut pr) = usize::try_from(len).ok().and_then(|l| r.sub(l)) else {
            block.anomalies.push(anomaly(
                "sigblock-pair-truncated",
                format!("pair length {len} runs past the block ({} bytes left)", r.remaining()),
                at,
            ));
            break;
        };
        let Some(id) = pr.u32_le() else { break };
        let offset = pr.offset();
        let pair = Pair { id, offset, value: pr.rest() };
        if block.pairs.iter().any(|p| p.id == id) {
            block.anomalies.push(anomaly(
                "sigblock-duplicate-id",
                format!("pair id {id:#010x} appears more than once; readers use the first"),
                at,
            ));
        }
        block.pairs.push(pair);
    }
    Ok(Some(block))
}

/// Which signature scheme a signer block belongs to (v3.1 has v3's layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    V2,
    V3,
    V31,
}

impl Scheme {
    pub fn from_block_id(id: u32) -> Option<Scheme> {
        match id {
            APK_SIGNATURE_SCHEME_V2_BLOCK_ID => Some(Scheme::V2),
            APK_SIGNATURE_SCHEME_V3_BLOCK_ID => Some(Scheme::V3),
            APK_SIGNATURE_SCHEME_V31_BLOCK_ID => Some(Scheme::V31),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::V2 => "v2",
            Scheme::V3 => "v3",
            Scheme::V31 => "v3.1",
        }
    }

    fn has_sdk_range(self) -> bool {
        self != Scheme::V2
    }
}

/// One additional attribute of signed data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub id: u32,
    pub value: &'a [u8],
}

/// One signer of a v2/v3/v3.1 block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemeSigner<'a> {
    /// Absolute offset of the signer record.
    pub offset: u64,
    /// The signed-data bytes (what the signatures cover).
    pub signed_data: &'a [u8],
    pub digest_algorithms: Vec<u32>,
    /// DER certificates, original bytes; the first is the signer's.
    pub certificates: Vec<&'a [u8]>,
    /// v3/v3.1 SDK range from signed data.
    pub min_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    pub attributes: Vec<Attribute<'a>>,
    pub signature_algorithms: Vec<u32>,
    /// SubjectPublicKeyInfo, DER.
    pub public_key: &'a [u8],
}

/// The signers of one scheme block plus the problems met on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemeBlock<'a> {
    pub signers: Vec<SchemeSigner<'a>>,
    /// Errors of signers that could not be read whole (the partial signer is
    /// still in `signers` when its certificates were reached).
    pub errors: Vec<Error>,
    /// Oddities (`sigblock-*`) that readers tolerate.
    pub anomalies: Vec<Anomaly>,
}

fn u32_at(r: &mut Reader<'_>, what: &'static str) -> Result<u32> {
    let offset = r.offset();
    r.u32_le().ok_or(Error::Truncated { what, offset })
}

/// A `u32`-length-prefixed record.
fn prefixed<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<Reader<'a>> {
    let offset = r.offset();
    let len = u32_at(r, what)?;
    usize::try_from(len).ok().and_then(|l| r.sub(l)).ok_or(Error::Truncated { what, offset })
}

/// Walks a length-prefixed sequence of length-prefixed items.
fn each_item<'a>(seq: &mut Reader<'a>, what: &'static str, mut f: impl FnMut(Reader<'a>) -> Result<()>) -> Result<()> {
    let mut n = 0usize;
    while seq.remaining() > 0 {
        n = n.saturating_add(1);
        if n > MAX_ITEMS {
            return Err(Error::LimitExceeded { what, limit: MAX_ITEMS as u64 });
        }
        let item = prefixed(seq, what)?;
        f(item)?;
    }
    Ok(())
}

/// Parses a v2/v3/v3.1 block value into its signers. `base` is the value's
/// absolute offset.
pub fn parse_scheme_block(value: &[u8], base: u64, scheme: Scheme) -> Result<SchemeBlock<'_>> {
    let mut r = Reader::with_base(value, base);
    let mut signers = prefixed(&mut r, "signers")?;
    let mut out = SchemeBlock::default();
    if r.remaining() > 0 {
        out.anomalies.push(anomaly(
            "sigblock-trailing-data",
            format!("{} bytes after the {} signer sequence", r.remaining(), scheme.name()),
            r.offset(),
        ));
    }
    while signers.remaining() > 0 {
        if out.signers.len().saturating_add(out.errors.len()) >= MAX_SIGNERS {
            out.errors.push(Error::LimitExceeded { what: "signers", limit: MAX_SIGNERS as u64 });
            break;
        }
        let mut signer_r = match prefixed(&mut signers, "signer") {
            Ok(s) => s,
            Err(e) => {
                out.errors.push(e);
                break;
            }
        };
        let mut signer = SchemeSigner { offset: signer_r.offset(), ..SchemeSigner::default() };
        let result = parse_signer(&mut signer_r, scheme, &mut signer, &mut out.anomalies);
        if let Err(e) = result {
            out.errors.push(e);
        }
        if !signer.certificates.is_empty() || !signer.signed_data.is_empty() {
            out.signers.push(signer);
        }
    }
    if out.signers.is_empty() && out.errors.is_empty() {
        out.anomalies.push(anomaly("sigblock-no-signers", format!("{} block has no signers", scheme.name()), base));
    }
    Ok(out)
}

fn parse_signer<'a>(
    r: &mut Reader<'a>,
    scheme: Scheme,
    s: &mut SchemeSigner<'a>,
    anomalies: &mut Vec<Anomaly>,
) -> Result<()> {
    let mut sd = prefixed(r, "signed data")?;
    s.signed_data = sd.data();
    let mut digests = prefixed(&mut sd, "digests")?;
    each_item(&mut digests, "digest", |mut d| {
        s.digest_algorithms.push(u32_at(&mut d, "digest algorithm")?);
        Ok(())
    })?;
    let mut certs = prefixed(&mut sd, "certificates")?;
    each_item(&mut certs, "certificate", |c| {
        s.certificates.push(c.data());
        Ok(())
    })?;
    if scheme.has_sdk_range() {
        s.min_sdk = Some(u32_at(&mut sd, "signed minSdkVersion")?);
        s.max_sdk = Some(u32_at(&mut sd, "signed maxSdkVersion")?);
    }
    let mut attrs = prefixed(&mut sd, "additional attributes")?;
    each_item(&mut attrs, "attribute", |mut a| {
        let id = u32_at(&mut a, "attribute id")?;
        s.attributes.push(Attribute { id, value: a.rest() });
        Ok(())
    })?;
    if scheme.has_sdk_range() {
        let at = r.offset();
        let min = u32_at(r, "minSdkVersion")?;
        let max = u32_at(r, "maxSdkVersion")?;
        if Some(min) != s.min_sdk || Some(max) != s.max_sdk {
            // apksig: "SDK version mismatch between signed and unsigned".
            anomalies.push(anomaly(
                "sigblock-sdk-range-mismatch",
                format!(
                    "{} signer: unsigned SDK range {min}..{max} differs from signed {:?}..{:?}",
                    scheme.name(),
                    s.min_sdk,
                    s.max_sdk
                ),
                at,
            ));
        }
    }
    let mut sigs = prefixed(r, "signatures")?;
    each_item(&mut sigs, "signature", |mut g| {
        s.signature_algorithms.push(u32_at(&mut g, "signature algorithm")?);
        Ok(())
    })?;
    let key = prefixed(r, "public key")?;
    s.public_key = key.data();
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // tests build fixtures with plain arithmetic and assert by panicking
pub(crate) mod tests {
    use super::*;

    pub(crate) fn lp(content: &[u8]) -> Vec<u8> {
        let mut v = (content.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(content);
        v
    }

    fn seq(items: &[Vec<u8>]) -> Vec<u8> {
        lp(&items.iter().map(|i| lp(i)).collect::<Vec<_>>().concat())
    }

    fn u32s(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// One signer record (without its own length prefix).
    pub(crate) fn signer(scheme: Scheme, certs: &[&[u8]], attrs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut sd = seq(&[[u32s(&[0x0103]), lp(&[0xaa; 32])].concat()]);
        sd.extend(seq(&certs.iter().map(|c| c.to_vec()).collect::<Vec<_>>()));
        if scheme != Scheme::V2 {
            sd.extend(u32s(&[28, 0x7fff_ffff]));
        }
        sd.extend(seq(&attrs.iter().map(|(id, v)| [u32s(&[*id]), v.to_vec()].concat()).collect::<Vec<_>>()));
        let mut out = lp(&sd);
        if scheme != Scheme::V2 {
            out.extend(u32s(&[28, 0x7fff_ffff]));
        }
        out.extend(seq(&[[u32s(&[0x0103]), lp(&[0xbb; 8])].concat()]));
        out.extend(lp(b"spki"));
        out
    }

    pub(crate) fn scheme_value(signers: &[Vec<u8>]) -> Vec<u8> {
        seq(signers)
    }

    /// A fake APK: `prefix`, the signing block of `pairs`, then a 4-byte "CD".
    pub(crate) fn apk_with_block(prefix: &[u8], pairs: &[(u32, Vec<u8>)]) -> (Vec<u8>, u64) {
        let mut body = Vec::new();
        for (id, v) in pairs {
            body.extend(((v.len() + 4) as u64).to_le_bytes());
            body.extend(id.to_le_bytes());
            body.extend(v);
        }
        let size = (body.len() + 24) as u64;
        let mut apk = prefix.to_vec();
        apk.extend(size.to_le_bytes());
        apk.extend(body);
        apk.extend(size.to_le_bytes());
        apk.extend(APK_SIG_BLOCK_MAGIC);
        let cd = apk.len() as u64;
        apk.extend(b"PK\x01\x02");
        (apk, cd)
    }

    #[test]
    fn locates_block_and_pairs() {
        let (apk, cd) = apk_with_block(b"zipdata", &[(0x7109_871a, vec![1, 2, 3]), (0x4272_6577, vec![0; 5])]);
        let b = locate(&apk, cd).unwrap().unwrap();
        assert_eq!(b.offset, 7);
        assert_eq!(b.size, cd - 7);
        assert_eq!(b.pairs.len(), 2);
        assert_eq!(b.pairs[0].value, &[1, 2, 3]);
        assert_eq!(b.pairs[0].offset, 7 + 8 + 12);
        assert_eq!(block_name(b.pairs[1].id), Some("verity-padding"));
        assert!(b.anomalies.is_empty());
        assert_eq!(b.find(0x4272_6577).unwrap().value.len(), 5);
    }

    #[test]
    fn no_block_without_magic() {
        assert_eq!(locate(&[0u8; 100], 100).unwrap(), None);
        assert_eq!(locate(&[0u8; 10], 10).unwrap(), None);
        assert_eq!(locate(&[0u8; 10], 11), Err(Error::BadOffset { offset: 11 }));
    }

    #[test]
    fn size_errors() {
        let (mut apk, cd) = apk_with_block(b"zip", &[(1, vec![1])]);
        apk[3] ^= 1; // header size
        assert!(matches!(locate(&apk, cd), Err(Error::SizeMismatch { .. })));
        let (mut apk, cd) = apk_with_block(b"zip", &[(1, vec![1])]);
        let f = cd as usize - 24;
        apk[f..f + 8].copy_from_slice(&1000u64.to_le_bytes());
        assert!(matches!(locate(&apk, cd), Err(Error::BadSize { .. })));
        let (mut apk, cd) = apk_with_block(b"", &[]);
        let f = cd as usize - 24;
        apk[f..f + 8].copy_from_slice(&8u64.to_le_bytes());
        assert!(matches!(locate(&apk, cd), Err(Error::BadSize { .. })));
    }

    #[test]
    fn bad_pairs_are_anomalies() {
        // A pair length of 2 (< 4).
        let (mut apk, cd) = apk_with_block(b"zip", &[(1, vec![1, 2, 3, 4]), (2, vec![])]);
        let second = 3 + 8 + 16;
        apk[second..second + 8].copy_from_slice(&2u64.to_le_bytes());
        let b = locate(&apk, cd).unwrap().unwrap();
        assert_eq!(b.pairs.len(), 1);
        assert_eq!(b.anomalies[0].id, "sigblock-pair-length-invalid");
        // A pair running past the block.
        let (mut apk, cd) = apk_with_block(b"zip", &[(1, vec![1, 2, 3, 4])]);
        apk[11..19].copy_from_slice(&100u64.to_le_bytes());
        let b = locate(&apk, cd).unwrap().unwrap();
        assert!(b.pairs.is_empty());
        assert_eq!(b.anomalies[0].id, "sigblock-pair-truncated");
        // Duplicate ids.
        let (apk, cd) = apk_with_block(b"", &[(5, vec![1]), (5, vec![2])]);
        let b = locate(&apk, cd).unwrap().unwrap();
        assert_eq!(b.find(5).unwrap().value, &[1]);
        assert_eq!(b.anomalies[0].id, "sigblock-duplicate-id");
    }

    #[test]
    fn parses_v2_and_v3_signers() {
        let v2 = scheme_value(&[signer(
            Scheme::V2,
            &[b"cert-a", b"chain"],
            &[(STRIPPING_PROTECTION_ATTR_ID, &[3, 0, 0, 0])],
        )]);
        let b = parse_scheme_block(&v2, 100, Scheme::V2).unwrap();
        assert!(b.errors.is_empty() && b.anomalies.is_empty());
        let s = &b.signers[0];
        assert_eq!(s.certificates, vec![&b"cert-a"[..], &b"chain"[..]]);
        assert_eq!(s.digest_algorithms, vec![0x0103]);
        assert_eq!(s.signature_algorithms, vec![0x0103]);
        assert_eq!(s.attributes[0].id, STRIPPING_PROTECTION_ATTR_ID);
        assert_eq!(s.public_key, b"spki");
        assert_eq!(s.min_sdk, None);

        let v3 = scheme_value(&[signer(Scheme::V3, &[b"c1"], &[]), signer(Scheme::V3, &[b"c2"], &[])]);
        let b = parse_scheme_block(&v3, 0, Scheme::V3).unwrap();
        assert_eq!(b.signers.len(), 2);
        assert_eq!(b.signers[1].certificates, vec![&b"c2"[..]]);
        assert_eq!(b.signers[0].min_sdk, Some(28));
        assert_eq!(b.signers[0].max_sdk, Some(0x7fff_ffff));
    }

    #[test]
    fn truncated_signer_keeps_certificates() {
        let mut s = signer(Scheme::V2, &[b"cert-a"], &[]);
        s.truncate(s.len() - 3); // cut into the public key
        let v = scheme_value(&[s]);
        let b = parse_scheme_block(&v, 0, Scheme::V2).unwrap();
        assert_eq!(b.signers[0].certificates, vec![&b"cert-a"[..]]);
        assert!(matches!(b.errors[0], Error::Truncated { what: "public key", .. }));
        assert!(matches!(parse_scheme_block(&[1, 0], 0, Scheme::V2), Err(Error::Truncated { what: "signers", .. })));
    }

    #[test]
    fn limits_and_sdk_mismatch() {
        let many: Vec<Vec<u8>> = (0..MAX_ITEMS + 1).map(|_| b"c".to_vec()).collect();
        let mut sd = seq(&[]);
        sd.extend(seq(&many));
        let mut signer_bytes = lp(&sd);
        signer_bytes.extend(seq(&[]));
        signer_bytes.extend(lp(b""));
        let value = scheme_value(&[signer_bytes]);
        let b = parse_scheme_block(&value, 0, Scheme::V2).unwrap();
        assert!(matches!(b.errors[0], Error::LimitExceeded { what: "certificate", .. }));

        let mut s = signer(Scheme::V3, &[b"c"], &[]);
        // Unsigned minSdk lives right after the signed-data record.
        let sd_len = u32::from_le_bytes(s[0..4].try_into().unwrap()) as usize;
        s[4 + sd_len] = 24;
        let value = scheme_value(&[s]);
        let b = parse_scheme_block(&value, 0, Scheme::V3).unwrap();
        assert_eq!(b.anomalies[0].id, "sigblock-sdk-range-mismatch");
    }
}

//! PKCS#7 / CMS SignedData (RFC 2315, RFC 5652 §5) as found in the v1 (JAR)
//! signature block files `META-INF/*.RSA|*.DSA|*.EC`.
//!
//! We read the `certificates [0] IMPLICIT` set (each element's original
//! bytes; jarsigner and some tools write BER with indefinite lengths) and the
//! SignerInfos' signer identifiers, so the signer's own certificate can be
//! told from chain certificates: Android (apksig `V1SchemeVerifier`) takes the
//! certificate whose issuer and serial match the SignerInfo.
//! Signatures are not verified here.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::formats::der::{self, Element};

/// Most certificates and SignerInfos we read from one block.
pub const MAX_CERTIFICATES: usize = 256;
pub const MAX_SIGNER_INFOS: usize = 64;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("PKCS#7: {0}")]
    Der(#[from] der::Error),
    #[error("PKCS#7: content type {found} is not SignedData")]
    NotSignedData { found: String },
    #[error("PKCS#7: {what}: limit {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
}

/// How a SignerInfo names its certificate (RFC 5652 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerId<'a> {
    /// Original bytes of the issuer Name and the serial INTEGER's content.
    IssuerAndSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// `[0] SubjectKeyIdentifier`.
    SubjectKeyId(&'a [u8]),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedData<'a> {
    /// Every certificate of the `certificates` set, original bytes, in order.
    pub certificates: Vec<&'a [u8]>,
    /// One id per SignerInfo.
    pub signer_ids: Vec<SignerId<'a>>,
    /// Some element used BER-only encodings (indefinite/non-minimal lengths).
    pub ber: bool,
}

/// The certificates of a SignedData ContentInfo, original bytes.
pub fn certificates(data: &[u8]) -> Result<Vec<&[u8]>> {
    Ok(parse(data)?.certificates)
}

/// Parses a ContentInfo holding SignedData.
pub fn parse(data: &[u8]) -> Result<SignedData<'_>> {
    let ci = der::parse(data)?.expect_tag(der::SEQUENCE, "ContentInfo")?;
    let mut ber = ci.indefinite || ci.non_minimal_length;
    let mut c = ci.children();
    let ctype = c.required("contentType")?.expect_tag(der::OID, "contentType")?.oid()?;
    if ctype != OID_SIGNED_DATA {
        return Err(Error::NotSignedData { found: ctype });
    }
    let explicit = c.required("content [0]")?;
    if !explicit.is_context(0) {
        return Err(
            der::Error::UnexpectedTag { what: "content [0]", offset: explicit.offset, found: explicit.tag }.into()
        );
    }
    let sd = explicit.children().required("SignedData")?.expect_tag(der::SEQUENCE, "SignedData")?;
    ber |= explicit.indefinite || sd.indefinite || sd.non_minimal_length;
    let mut f = sd.children();
    let _version = f.required("version")?.expect_tag(der::INTEGER, "version")?;
    let _digest_algs = f.required("digestAlgorithms")?.expect_tag(der::SET, "digestAlgorithms")?;
    let _encap = f.required("encapContentInfo")?.expect_tag(der::SEQUENCE, "encapContentInfo")?;
    let mut out = SignedData::default();
    let mut next = f.required("signerInfos")?;
    if next.is_context(0) {
        ber |= next.indefinite;
        for (i, cert) in next.children().enumerate() {
            if i >= MAX_CERTIFICATES {
                return Err(Error::LimitExceeded { what: "certificates", limit: MAX_CERTIFICATES as u64 });
            }
            let cert = cert?;
            // CertificateChoices: plain certificates are SEQUENCEs; skip
            // the obsolete extended/attribute certificate forms.
            if cert.is_universal(der::SEQUENCE) {
                ber |= cert.indefinite || cert.non_minimal_length;
                out.certificates.push(cert.raw);
            }
        }
        next = f.required("signerInfos")?;
    }
    if next.is_context(1) {
        next = f.required("signerInfos")?;
    }
    let signer_infos = next.expect_tag(der::SET, "signerInfos")?;
    for (i, si) in signer_infos.children().enumerate() {
        if i >= MAX_SIGNER_INFOS {
            return Err(Error::LimitExceeded { what: "signerInfos", limit: MAX_SIGNER_INFOS as u64 });
        }
        let si = si?.expect_tag(der::SEQUENCE, "SignerInfo")?;
        let mut s = si.children();
        let _version = s.required("SignerInfo version")?;
        let sid = s.required("SignerInfo sid")?;
        out.signer_ids.push(signer_id(&sid)?);
    }
    out.ber = ber;
    Ok(out)
}

fn signer_id<'a>(sid: &Element<'a>) -> Result<SignerId<'a>> {
    if sid.is_context(0) {
        // [0] IMPLICIT SubjectKeyIdentifier (an OCTET STRING).
        let bytes = sid.content;
        return Ok(SignerId::SubjectKeyId(bytes));
    }
    let sid = sid.expect_tag(der::SEQUENCE, "issuerAndSerialNumber")?;
    let mut p = sid.children();
    let issuer = p.required("issuer")?.expect_tag(der::SEQUENCE, "issuer")?;
    let serial = p.required("serialNumber")?.expect_tag(der::INTEGER, "serialNumber")?;
    Ok(SignerId::IssuerAndSerial { issuer: issuer.raw, serial: serial.content })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // tests build fixtures with plain arithmetic and assert by panicking
mod tests {
    use super::*;
    use crate::formats::x509::tests::{cert, name, tlv};

    fn indef(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag, 0x80];
        out.extend_from_slice(content);
        out.extend_from_slice(&[0, 0]);
        out
    }

    const SIGNED_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 2];
    const DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 1];

    fn signed_data(certs: &[Vec<u8>], ber: bool) -> Vec<u8> {
        let si = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x30, &[name("Issuer CA"), tlv(0x02, &[0x07])].concat())].concat());
        let wrap = |tag: u8, c: &[u8]| if ber { indef(tag, c) } else { tlv(tag, c) };
        let sd = wrap(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x31, &[]),
                tlv(0x30, &tlv(0x06, &DATA)),
                wrap(0xa0, &certs.concat()),
                tlv(0x31, &si),
            ]
            .concat(),
        );
        wrap(0x30, &[tlv(0x06, &SIGNED_DATA), wrap(0xa0, &sd)].concat())
    }

    #[test]
    fn certificates_and_signer_ids() {
        let a = cert("chain", &[0x09]);
        let b = cert("signer", &[0x07]);
        for ber in [false, true] {
            let blob = signed_data(&[a.clone(), b.clone()], ber);
            let sd = parse(&blob).unwrap();
            assert_eq!(sd.certificates, vec![&a[..], &b[..]]);
            assert_eq!(sd.ber, ber);
            assert_eq!(
                sd.signer_ids,
                vec![SignerId::IssuerAndSerial { issuer: &name("Issuer CA")[..], serial: &[0x07] }]
            );
            assert_eq!(certificates(&blob).unwrap().len(), 2);
        }
    }

    #[test]
    fn not_signed_data() {
        let blob = tlv(0x30, &[tlv(0x06, &DATA), tlv(0xa0, &[])].concat());
        assert!(matches!(parse(&blob), Err(Error::NotSignedData { .. })));
    }

    #[test]
    fn truncated_and_wrong_tags() {
        assert!(matches!(parse(&[0x30, 0x05, 0x06]), Err(Error::Der(der::Error::Truncated { .. }))));
        let blob = tlv(0x30, &[tlv(0x06, &SIGNED_DATA), tlv(0xa1, &[])].concat());
        assert!(matches!(parse(&blob), Err(Error::Der(der::Error::UnexpectedTag { what: "content [0]", .. }))));
    }

    #[test]
    fn too_many_certificates() {
        let tiny = tlv(0x30, &[]);
        let certs = vec![tiny; MAX_CERTIFICATES + 1];
        let blob = signed_data(&certs, true);
        assert!(matches!(parse(&blob), Err(Error::LimitExceeded { .. })));
    }
}

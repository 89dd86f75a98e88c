//! X.509 certificates (RFC 5280) as APK signers carry them.
//!
//! Only what a reviewer needs is decoded: serial, issuer, subject, validity,
//! key algorithm and size, subject key identifier. The fingerprint is SHA-256
//! over the certificate's ORIGINAL bytes, as found in the file: Android keeps
//! BER-encoded certificates as they are (AOSP apksig
//! `GuaranteedEncodedFormX509Certificate`), so re-encoding to DER would give a
//! digest Android never shows. Distinguished names are printed the way
//! `apksigner --print-certs` shows them (Java's `X500Name.toString()`: RDNs
//! most significant last, `, ` separators, `OID.x.y` for unknown types).
//!
//! Signatures are not verified here.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use sha2::{Digest, Sha256};

use crate::formats::der::{self, Element};

/// Most RDNs in a Name and AVAs in one RDN we print (a hostile name could
/// hold thousands).
pub const MAX_RDNS: usize = 64;
pub const MAX_AVAS_PER_RDN: usize = 16;
/// Most extensions we look through.
pub const MAX_EXTENSIONS: usize = 256;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("certificate: {0}")]
    Der(#[from] der::Error),
    #[error("certificate: {what} missing at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("certificate: {what}: limit {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_PRIME_FIELD: &str = "1.2.840.10045.1.1";
const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";

/// A parsed certificate borrowing its original bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// The original encoding, exactly as found.
    pub raw: &'a [u8],
    /// SHA-256 of `raw`, lowercase hex.
    pub sha256: String,
    /// Serial number, lowercase hex without redundant leading zeros.
    pub serial: String,
    /// Content octets of the serial INTEGER (two's complement).
    pub serial_bytes: &'a [u8],
    pub issuer: String,
    /// Original bytes of the issuer Name (for matching PKCS#7 signer ids).
    pub issuer_raw: &'a [u8],
    pub subject: String,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// `RSA`, `EC`, `DSA`, `RSASSA-PSS`, `Ed25519`, `Ed448` or the OID.
    pub key_algorithm: String,
    /// RSA modulus bits, EC field bits, DSA `p` bits.
    pub key_bits: Option<u32>,
    /// Named EC curve OID, when the key is EC with a named curve.
    pub ec_curve: Option<String>,
    /// The subjectKeyIdentifier extension's value.
    pub subject_key_id: Option<&'a [u8]>,
    /// The encoding was BER rather than DER somewhere (indefinite or
    /// non-minimal lengths at the outer levels).
    pub ber: bool,
}

impl<'a> Certificate<'a> {
    /// Parses one certificate; `original` must start with it (trailing bytes
    /// are not part of `raw`).
    pub fn parse(original: &'a [u8]) -> Result<Certificate<'a>> {
        let cert = der::parse(original)?.expect_tag(der::SEQUENCE, "Certificate")?;
        let mut ber = cert.indefinite || cert.non_minimal_length;
        let mut top = cert.children();
        let tbs = top.required("tbsCertificate")?.expect_tag(der::SEQUENCE, "tbsCertificate")?;
        ber |= tbs.indefinite || tbs.non_minimal_length;
        let mut f = tbs.children();
        // version [0] EXPLICIT, DEFAULT v1.
        let _version = f.optional_context(0)?;
        let serial_el = f.required("serialNumber")?.expect_tag(der::INTEGER, "serialNumber")?;
        let _sig_alg = f.required("signature")?;
        let issuer_el = f.required("issuer")?.expect_tag(der::SEQUENCE, "issuer")?;
        let validity = f.required("validity")?.expect_tag(der::SEQUENCE, "validity")?;
        let subject_el = f.required("subject")?.expect_tag(der::SEQUENCE, "subject")?;
        let spki = f.required("subjectPublicKeyInfo")?.expect_tag(der::SEQUENCE, "subjectPublicKeyInfo")?;

        let mut v = validity.children();
        let not_before = v.next().and_then(|e| e.ok()).and_then(|e| e.time().ok());
        let not_after = v.next().and_then(|e| e.ok()).and_then(|e| e.time().ok());

        let (key_algorithm, key_bits, ec_curve) = public_key_info(&spki)?;

        // issuerUniqueID [1], subjectUniqueID [2], extensions [3]: a
        // malformed extension list does not hide the fields above.
        let mut subject_key_id = None;
        for e in f.by_ref().take(3) {
            let Ok(e) = e else { break };
            if e.is_context(3) {
                subject_key_id = find_subject_key_id(&e).ok().flatten();
            }
        }

        let serial_bytes = serial_el.content;
        Ok(Certificate {
            raw: cert.raw,
            sha256: sha256_hex(cert.raw),
            serial: serial_hex(serial_bytes),
            serial_bytes,
            issuer: format_name(&issuer_el)?,
            issuer_raw: issuer_el.raw,
            subject: format_name(&subject_el)?,
            not_before,
            not_after,
            key_algorithm,
            key_bits,
            ec_curve,
            subject_key_id,
            ber,
        })
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    der::hex(&Sha256::digest(bytes))
}

/// Hex of an INTEGER's content without redundant leading zero octets.
pub fn serial_hex(content: &[u8]) -> String {
    let start = content.iter().position(|&b| b != 0).unwrap_or(content.len());
    let trimmed = content.get(start..).unwrap_or(&[]);
    if trimmed.is_empty() {
        return "0".to_string();
    }
    let h = der::hex(trimmed);
    // BigInteger.toString(16) style: no leading zero nibble.
    match h.strip_prefix('0') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => h,
    }
}

/// Bit length of an unsigned big-endian integer.
fn bit_length(content: &[u8]) -> u32 {
    let start = content.iter().position(|&b| b != 0).unwrap_or(content.len());
    let trimmed = content.get(start..).unwrap_or(&[]);
    let Some(&first) = trimmed.first() else {
        return 0;
    };
    let rest_bits = u32::try_from(trimmed.len().saturating_sub(1)).unwrap_or(u32::MAX / 8).saturating_mul(8);
    rest_bits.saturating_add(8u32.saturating_sub(first.leading_zeros()))
}

fn curve_bits(oid: &str) -> Option<u32> {
    Some(match oid {
        "1.2.840.10045.3.1.1" => 192,   // prime192v1
        "1.3.132.0.33" => 224,          // secp224r1
        "1.2.840.10045.3.1.7" => 256,   // prime256v1 / P-256
        "1.3.132.0.10" => 256,          // secp256k1
        "1.3.132.0.34" => 384,          // secp384r1
        "1.3.132.0.35" => 521,          // secp521r1
        "1.3.36.3.3.2.8.1.1.7" => 256,  // brainpoolP256r1
        "1.3.36.3.3.2.8.1.1.11" => 384, // brainpoolP384r1
        "1.3.36.3.3.2.8.1.1.13" => 512, // brainpoolP512r1
        _ => return None,
    })
}

type KeyInfo = (String, Option<u32>, Option<String>);

fn public_key_info(spki: &Element<'_>) -> Result<KeyInfo> {
    let mut s = spki.children();
    let alg = s.required("algorithm")?.expect_tag(der::SEQUENCE, "algorithm")?;
    let key = s.required("subjectPublicKey")?;
    let mut a = alg.children();
    let oid = a.required("algorithm OID")?.expect_tag(der::OID, "algorithm OID")?.oid()?;
    let params = a.next().and_then(|p| p.ok());
    // BIT STRING: first content octet counts unused bits.
    let key_bytes = key.content.get(1..).unwrap_or(&[]);
    Ok(match oid.as_str() {
        OID_RSA | OID_RSASSA_PSS => {
            let bits = der::parse(key_bytes).ok().and_then(|seq| {
                let modulus = seq.children().next()?.ok()?;
                modulus.is_universal(der::INTEGER).then(|| bit_length(modulus.content))
            });
            let name = if oid == OID_RSA { "RSA" } else { "RSASSA-PSS" };
            (name.to_string(), bits, None)
        }
        OID_EC => {
            let mut curve = None;
            let mut bits = None;
            if let Some(p) = params {
                if p.is_universal(der::OID) {
                    let c = p.oid()?;
                    bits = curve_bits(&c);
                    curve = Some(c);
                } else if p.is_universal(der::SEQUENCE) {
                    // Explicit ECParameters (RFC 3279 §2.3.5): field prime bits.
                    bits = explicit_curve_bits(&p);
                }
            }
            ("EC".to_string(), bits, curve)
        }
        OID_DSA => {
            // Dss-Parms ::= SEQUENCE { p, q, g }; absent when inherited.
            let bits = params.filter(|p| p.is_universal(der::SEQUENCE)).and_then(|p| {
                let first = p.children().next()?.ok()?;
                first.is_universal(der::INTEGER).then(|| bit_length(first.content))
            });
            ("DSA".to_string(), bits, None)
        }
        OID_ED25519 => ("Ed25519".to_string(), Some(255), None),
        OID_ED448 => ("Ed448".to_string(), Some(448), None),
        _ => (oid, None, None),
    })
}

fn explicit_curve_bits(params: &Element<'_>) -> Option<u32> {
    let mut c = params.children();
    let _version = c.next()?.ok()?;
    let field = c.next()?.ok()?;
    let mut fc = field.children();
    let field_type = fc.next()?.ok()?.oid().ok()?;
    if field_type != OID_PRIME_FIELD {
        return None;
    }
    let prime = fc.next()?.ok()?;
    Some(bit_length(prime.content))
}

fn find_subject_key_id<'a>(ext_wrapper: &Element<'a>) -> Result<Option<&'a [u8]>> {
    let mut w = ext_wrapper.children();
    let exts = w.required("extensions")?.expect_tag(der::SEQUENCE, "extensions")?;
    for (i, ext) in exts.children().enumerate() {
        if i >= MAX_EXTENSIONS {
            return Err(Error::LimitExceeded { what: "extensions", limit: MAX_EXTENSIONS as u64 });
        }
        let ext = ext?;
        let mut parts = ext.children();
        let oid = parts.required("extnID")?.oid()?;
        if oid != OID_SUBJECT_KEY_ID {
            continue;
        }
        // critical BOOLEAN DEFAULT FALSE, then extnValue OCTET STRING
        // wrapping KeyIdentifier ::= OCTET STRING.
        for p in parts {
            let p = p?;
            if p.is_universal(der::OCTET_STRING) {
                let inner = der::parse(p.content)?;
                return Ok(Some(inner.content));
            }
        }
    }
    Ok(None)
}

/// The short name Java's `X500Name.toString()` prints for an attribute type
/// (sun.security.x509.AVA keyword table), or `OID.<dotted>` when unknown.
fn attribute_keyword(oid: &str) -> String {
    let k = match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "2.5.4.46" => "DNQ",
        "2.5.4.4" => "SURNAME",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.43" => "INITIALS",
        "2.5.4.44" => "GENERATION",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        "0.9.2342.19200300.100.1.1" => "UID",
        "2.5.4.5" => "SERIALNUMBER",
        "1.3.6.1.4.1.42.2.11.2.1" => "IP",
        _ => return format!("OID.{oid}"),
    };
    k.to_string()
}

/// Java's `DerValue.getAsString()`: only these string types are text;
/// anything else prints as `#` + hex of its whole encoding.
fn java_string(value: &Element<'_>) -> Option<String> {
    if value.tag.class != der::Class::Universal {
        return None;
    }
    match value.tag.number {
        der::UTF8_STRING
        | der::PRINTABLE_STRING
        | der::T61_STRING
        | der::IA5_STRING
        | der::UNIVERSAL_STRING
        | der::BMP_STRING
        | der::GENERAL_STRING => {
            let bytes = value.string_bytes().ok()?;
            der::decode_string(value.tag.number, &bytes)
        }
        _ => None,
    }
}

/// Java's `DerValue.isPrintableStringChar`.
fn is_printable_string_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ' ' | '\'' | '(' | ')' | '+' | ',' | '-' | '.' | '/' | ':' | '=' | '?')
}

/// One AVA value as `AVA.toKeywordValueString` prints it: quoted when it
/// holds specials or leading/trailing/double spaces, `"` and `\` escaped.
fn format_value(value: &Element<'_>) -> String {
    let Some(s) = java_string(value) else {
        let mut out = String::from("#");
        out.push_str(&der::hex(value.raw).to_ascii_uppercase());
        return out;
    };
    const ESCAPEES: &str = ",+=\n<>#;\\\"";
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len();
    let already_quoted = len > 1 && chars.first() == Some(&'"') && chars.last() == Some(&'"');
    let mut quote_needed = false;
    let mut previous_white = false;
    let mut buf = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if already_quoted && (i == 0 || Some(i) == len.checked_sub(1)) {
            buf.push(c);
            continue;
        }
        if is_printable_string_char(c) || ESCAPEES.contains(c) {
            if !quote_needed && ((i == 0 && (c == ' ' || c == '\n')) || ESCAPEES.contains(c)) {
                quote_needed = true;
            }
            if c != ' ' && c != '\n' {
                if c == '"' || c == '\\' {
                    buf.push('\\');
                }
                previous_white = false;
            } else {
                if !quote_needed && previous_white {
                    quote_needed = true;
                }
                previous_white = true;
            }
            buf.push(c);
        } else {
            previous_white = false;
            buf.push(c);
        }
    }
    if buf.ends_with(' ') || buf.ends_with('\n') {
        quote_needed = true;
    }
    if !already_quoted && quote_needed {
        format!("\"{buf}\"")
    } else {
        buf
    }
}

/// Formats a Name as `apksigner --print-certs` shows it (Java
/// `X500Name.toString()`): RDNs in reverse encoding order joined by `, `,
/// multi-valued RDNs joined by ` + `.
pub fn format_name(name: &Element<'_>) -> Result<String> {
    let mut rdns = Vec::new();
    for (i, rdn) in name.children().enumerate() {
        if i >= MAX_RDNS {
            return Err(Error::LimitExceeded { what: "RDNs in a name", limit: MAX_RDNS as u64 });
        }
        let rdn = rdn?;
        let mut avas = Vec::new();
        for (j, ava) in rdn.children().enumerate() {
            if j >= MAX_AVAS_PER_RDN {
                return Err(Error::LimitExceeded { what: "AVAs in an RDN", limit: MAX_AVAS_PER_RDN as u64 });
            }
            let ava = ava?;
            let mut parts = ava.children();
            let oid = parts.required("attribute type")?.expect_tag(der::OID, "attribute type")?.oid()?;
            let value = parts.required("attribute value")?;
            avas.push(format!("{}={}", attribute_keyword(&oid), format_value(&value)));
        }
        rdns.push(avas.join(" + "));
    }
    rdns.reverse();
    Ok(rdns.join(", "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // tests build fixtures with plain arithmetic and assert by panicking
pub(crate) mod tests {
    use super::*;

    /// A DER TLV with a definite length (fixtures of this and other modules' tests).
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend_from_slice(&[0x81, n as u8]);
        } else {
            out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    fn ava(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
        tlv(0x31, &tlv(0x30, &cat(&[tlv(0x06, oid), tlv(tag, value)])))
    }

    pub(crate) fn name(cn: &str) -> Vec<u8> {
        tlv(0x30, &cat(&[ava(&[0x55, 4, 6], 0x13, b"US"), ava(&[0x55, 4, 3], 0x0c, cn.as_bytes())]))
    }

    /// A minimal RSA certificate (the signature is garbage; we never verify).
    pub(crate) fn cert(cn: &str, serial: &[u8]) -> Vec<u8> {
        let alg = tlv(0x30, &cat(&[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]), tlv(0x05, &[])]));
        let mut modulus = vec![0x00, 0xc0];
        modulus.extend_from_slice(&[0x11; 127]);
        let rsa_key = tlv(0x30, &cat(&[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])]));
        let mut bits = vec![0];
        bits.extend_from_slice(&rsa_key);
        let spki = tlv(
            0x30,
            &cat(&[
                tlv(0x30, &cat(&[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1]), tlv(0x05, &[])])),
                tlv(0x03, &bits),
            ]),
        );
        let validity = tlv(0x30, &cat(&[tlv(0x17, b"190131120000Z"), tlv(0x18, b"20501231235959Z")]));
        let skid =
            tlv(0xa3, &tlv(0x30, &tlv(0x30, &cat(&[tlv(0x06, &[0x55, 29, 14]), tlv(0x04, &tlv(0x04, &[1, 2, 3]))]))));
        let tbs = tlv(
            0x30,
            &cat(&[
                tlv(0xa0, &tlv(0x02, &[2])),
                tlv(0x02, serial),
                alg.clone(),
                name("Issuer CA"),
                validity,
                name(cn),
                spki,
                skid,
            ]),
        );
        tlv(0x30, &cat(&[tbs, alg, tlv(0x03, &[0, 1, 2, 3])]))
    }

    #[test]
    fn parses_fields_and_fingerprints_original_bytes() {
        let raw = cert("Android Debug", &[0x00, 0x8f, 0x01]);
        let c = Certificate::parse(&raw).unwrap();
        assert_eq!(c.raw, &raw[..]);
        assert_eq!(c.sha256, sha256_hex(&raw));
        assert_eq!(c.sha256.len(), 64);
        assert_eq!(c.serial, "8f01");
        assert_eq!(c.subject, "CN=Android Debug, C=US");
        assert_eq!(c.issuer, "CN=Issuer CA, C=US");
        assert_eq!(c.not_before.as_deref(), Some("2019-01-31T12:00:00Z"));
        assert_eq!(c.not_after.as_deref(), Some("2050-12-31T23:59:59Z"));
        assert_eq!(c.key_algorithm, "RSA");
        assert_eq!(c.key_bits, Some(1024));
        assert_eq!(c.subject_key_id, Some(&[1u8, 2, 3][..]));
        assert!(!c.ber);
    }

    #[test]
    fn ber_indefinite_certificate_is_hashed_as_found() {
        let der_cert = cert("x", &[1]);
        // Re-wrap the outer SEQUENCE with an indefinite length.
        let inner = der::parse(&der_cert).unwrap().content.to_vec();
        let mut ber_cert = vec![0x30, 0x80];
        ber_cert.extend_from_slice(&inner);
        ber_cert.extend_from_slice(&[0, 0]);
        let c = Certificate::parse(&ber_cert).unwrap();
        assert!(c.ber);
        assert_eq!(c.sha256, sha256_hex(&ber_cert));
        assert_ne!(c.sha256, sha256_hex(&der_cert));
        assert_eq!(c.subject, "CN=x, C=US");
    }

    #[test]
    fn java_style_value_quoting() {
        let n = tlv(
            0x30,
            &cat(&[
                ava(&[0x55, 4, 7], 0x0c, b"Foo, Bar"),
                ava(&[0x55, 4, 10], 0x0c, b"ME!"),
                ava(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 9, 1], 0x16, b"a@b.c"),
                ava(&[0x55, 4, 99], 0x13, b"x"),
                ava(&[0x55, 4, 3], 0x02, &[5]),
                ava(&[0x55, 4, 11], 0x0c, b"a  b"),
                ava(&[0x55, 4, 3], 0x0c, b"say \"hi\""),
            ]),
        );
        let e = der::parse(&n).unwrap();
        assert_eq!(
            format_name(&e).unwrap(),
            "CN=\"say \\\"hi\\\"\", OU=\"a  b\", CN=#020105, OID.2.5.4.99=x, EMAILADDRESS=a@b.c, O=ME!, L=\"Foo, Bar\""
        );
    }

    #[test]
    fn multi_valued_rdn() {
        let set = tlv(
            0x31,
            &cat(&[
                tlv(0x30, &cat(&[tlv(0x06, &[0x55, 4, 3]), tlv(0x13, b"a")])),
                tlv(0x30, &cat(&[tlv(0x06, &[0x55, 4, 11]), tlv(0x13, b"b")])),
            ]),
        );
        let n = tlv(0x30, &set);
        assert_eq!(format_name(&der::parse(&n).unwrap()).unwrap(), "CN=a + OU=b");
    }

    #[test]
    fn serial_and_bits() {
        assert_eq!(serial_hex(&[0, 0, 0x0a, 0xbc]), "abc");
        assert_eq!(serial_hex(&[0]), "0");
        assert_eq!(bit_length(&[0x00, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn errors() {
        assert!(matches!(Certificate::parse(&[]), Err(Error::Der(der::Error::Truncated { .. }))));
        assert!(matches!(
            Certificate::parse(&[0x02, 0x01, 0x00]),
            Err(Error::Der(der::Error::UnexpectedTag { what: "Certificate", .. }))
        ));
        assert!(matches!(
            Certificate::parse(&[0x30, 0x00]),
            Err(Error::Der(der::Error::Truncated { what: "tbsCertificate", .. }))
        ));
        let mut many = Vec::new();
        for _ in 0..(MAX_RDNS + 1) {
            many.extend_from_slice(&ava(&[0x55, 4, 3], 0x13, b"a"));
        }
        let n = tlv(0x30, &many);
        assert!(matches!(format_name(&der::parse(&n).unwrap()), Err(Error::LimitExceeded { .. })));
    }
}

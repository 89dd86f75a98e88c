//! Public keys, digests and signature checks for every algorithm APK signing
//! uses (AOSP apksig `SignatureAlgorithm`, `OidConstants`): RSA PKCS#1 v1.5
//! and PSS, ECDSA over P-256/P-384/P-521, DSA; MD5, SHA-1, SHA-2.
//!
//! Keys come from DER SubjectPublicKeyInfo. An RSA modulus encoded as a
//! negative INTEGER (a known signer bug, apksig `encodePublicKey`) is read as
//! its unsigned magnitude, as Android does after re-encoding.

use sha2::Digest;

use crate::formats::der;

/// RSA keys up to this many bits are accepted (apksig tests 16384-bit keys).
pub const MAX_RSA_BITS: usize = 16384;
/// DSA `p` up to this many bits (APKs use 1024-3072).
pub const MAX_DSA_BITS: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    /// Digest of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Hash::Md5 => run::<md5::Md5>(parts),
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha224 => run::<sha2::Sha224>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// From a digest algorithm OID (PKCS#7 `digestAlgorithm`).
    pub fn from_oid(oid: &str) -> Option<Hash> {
        Some(match oid {
            "1.2.840.113549.2.5" => Hash::Md5,
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }
}

/// How a signature is formed over a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Pkcs1,
    /// RSASSA-PSS, MGF1 with the same hash, salt length = digest length.
    Pss,
    /// ECDSA or DSA (DER `SEQUENCE { r, s }`).
    Dsa,
}

#[derive(Clone)]
pub enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    /// The SEC1 point kept for comparisons (the p521 key type has no Eq).
    P521(Vec<u8>, Box<p521::ecdsa::VerifyingKey>),
    Dsa(Box<dsa::VerifyingKey>),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.algorithm())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (PublicKey::Rsa(a), PublicKey::Rsa(b)) => a == b,
            (PublicKey::P256(a), PublicKey::P256(b)) => a == b,
            (PublicKey::P384(a), PublicKey::P384(b)) => a == b,
            (PublicKey::P521(a, _), PublicKey::P521(b, _)) => a == b,
            (PublicKey::Dsa(a), PublicKey::Dsa(b)) => {
                a.y() == b.y() && a.components().p() == b.components().p() && a.components().g() == b.components().g()
            }
            _ => false,
        }
    }
}

impl PublicKey {
    /// `RSA`, `EC` or `DSA` (JCA key algorithm names).
    pub fn algorithm(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(..) => "EC",
            PublicKey::Dsa(_) => "DSA",
        }
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

fn unsigned(content: &[u8]) -> rsa::BigUint {
    rsa::BigUint::from_bytes_be(content)
}

/// Parses a DER SubjectPublicKeyInfo.
pub fn parse_spki(spki: &[u8]) -> Result<PublicKey, String> {
    let err = |e: der::Error| format!("malformed public key: {e}");
    let top = der::parse(spki).map_err(err)?.expect_tag(der::SEQUENCE, "SubjectPublicKeyInfo").map_err(err)?;
    let mut c = top.children();
    let alg = c.required("algorithm").map_err(err)?.expect_tag(der::SEQUENCE, "algorithm").map_err(err)?;
    let bits =
        c.required("subjectPublicKey").map_err(err)?.expect_tag(der::BIT_STRING, "subjectPublicKey").map_err(err)?;
    let key = bits.content.get(1..).ok_or("empty public key BIT STRING")?;
    let mut a = alg.children();
    let oid = a.required("algorithm OID").map_err(err)?.oid().map_err(err)?;
    let params = a.next().transpose().map_err(err)?;
    match oid.as_str() {
        OID_RSA => {
            let seq = der::parse(key).map_err(err)?.expect_tag(der::SEQUENCE, "RSAPublicKey").map_err(err)?;
            let mut k = seq.children();
            let n = k.required("modulus").map_err(err)?.expect_tag(der::INTEGER, "modulus").map_err(err)?;
            let e = k.required("exponent").map_err(err)?.expect_tag(der::INTEGER, "exponent").map_err(err)?;
            rsa::RsaPublicKey::new_with_max_size(unsigned(n.content), unsigned(e.content), MAX_RSA_BITS)
                .map(PublicKey::Rsa)
                .map_err(|e| format!("unusable RSA key: {e}"))
        }
        OID_EC => {
            let curve = params.ok_or("EC key without curve parameters")?;
            let curve = if curve.is_universal(der::OID) { curve.oid().map_err(err)? } else { String::new() };
            let bad = |_| "invalid EC point".to_string();
            match curve.as_str() {
                OID_P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map(PublicKey::P256).map_err(bad),
                OID_P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map(PublicKey::P384).map_err(bad),
                OID_P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(|k| PublicKey::P521(key.to_vec(), Box::new(k)))
                    .map_err(bad),
                "" => Err("EC key with explicit curve parameters is not supported".into()),
                other => Err(format!("unsupported EC curve {other}")),
            }
        }
        OID_DSA => {
            let p = params.ok_or("DSA key without parameters")?.expect_tag(der::SEQUENCE, "Dss-Parms").map_err(err)?;
            let mut pc = p.children();
            let mut int = |what: &'static str| -> Result<rsa::BigUint, String> {
                Ok(unsigned(pc.required(what).map_err(err)?.expect_tag(der::INTEGER, what).map_err(err)?.content))
            };
            let (pp, q, g) = (int("p")?, int("q")?, int("g")?);
            // Bound the modular exponentiations a hostile key could ask for.
            if pp.bits() > MAX_DSA_BITS || q.bits() > 512 {
                return Err(format!("DSA key of {} bits exceeds the {MAX_DSA_BITS}-bit limit", pp.bits()));
            }
            let y = der::parse(key).map_err(err)?.expect_tag(der::INTEGER, "DSA public key").map_err(err)?;
            let comps = dsa::Components::from_components(pp, q, g).map_err(|_| "invalid DSA parameters")?;
            dsa::VerifyingKey::from_components(comps, unsigned(y.content))
                .map(|k| PublicKey::Dsa(Box::new(k)))
                .map_err(|_| "invalid DSA public key".into())
        }
        other => Err(format!("unsupported key algorithm {other}")),
    }
}

/// Left-pads a short digest to the curve's field size: the same integer, and
/// ecdsa's `bits2field` rejects digests under half the field size (SHA-1
/// with P-521 is legal in JAR signing).
fn pad_to(hash: &[u8], len: usize) -> Vec<u8> {
    if hash.len() >= len {
        return hash.to_vec();
    }
    let mut v = vec![0u8; len.saturating_sub(hash.len())];
    v.extend_from_slice(hash);
    v
}

/// RSA PKCS#1 v1.5 verification for the public exponents real keys use
/// (65537, 3: anything up to 32 bits), by encode-and-compare (RFC 8017
/// §8.2.2: `EM' = 0x00 0x01 FF..FF 0x00 || DigestInfo || H`, compared whole,
/// nothing parsed). The rsa crate's `modpow` walks a full 64-bit window for
/// any exponent, about 5x the multiplications plain square-and-multiply needs
/// for 65537, which dominates scans of apps signed with 8192- and 16384-bit
/// keys. None when the exponent is larger (the crate's path handles it).
fn pkcs1v15_small_exponent(key: &rsa::RsaPublicKey, prefix: &[u8], digest: &[u8], sig: &[u8]) -> Option<bool> {
    use rsa::traits::PublicKeyParts;
    let e = key.e();
    if e.bits() > 32 {
        return None;
    }
    let e_bytes = e.to_bytes_be();
    let e_val = e_bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let n = key.n();
    let k = key.size();
    // Java's RSA verifier requires the signature to be exactly k bytes long.
    if sig.len() != k || e_val < 3 {
        return Some(false);
    }
    let s = rsa::BigUint::from_bytes_be(sig);
    if &s >= n {
        return Some(false);
    }
    // Left-to-right square-and-multiply.
    let mut m = s.clone();
    for bit in (0..63u32.saturating_sub(e_val.leading_zeros())).rev() {
        m = &(&m * &m) % n;
        if (e_val >> bit) & 1 == 1 {
            m = &(&m * &s) % n;
        }
    }
    let em = m.to_bytes_be();
    let t_len = prefix.len().checked_add(digest.len())?;
    let ps_len = k.checked_sub(t_len)?.checked_sub(3)?;
    if ps_len < 8 || em.len() > k {
        return Some(false);
    }
    let mut expected = Vec::with_capacity(k);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(2 + ps_len, 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(digest);
    // `em` has its leading zero bytes stripped: compare against the tail.
    let pad = k - em.len();
    Some(expected.get(..pad).is_some_and(|z| z.iter().all(|b| *b == 0)) && expected.get(pad..) == Some(&em[..]))
}

/// Checks `sig` over the message whose `hash` digest is given. Ok(false)
/// when the signature does not verify, Err when the key and padding do not
/// fit together or the signature is not even well-formed.
pub fn verify_digest(key: &PublicKey, padding: Padding, hash: Hash, digest: &[u8], sig: &[u8]) -> Result<bool, String> {
    use ecdsa::signature::hazmat::PrehashVerifier;
    match (key, padding) {
        (PublicKey::Rsa(k), Padding::Pkcs1) => {
            let scheme = match hash {
                Hash::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                Hash::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            if let Some(ok) = pkcs1v15_small_exponent(k, &scheme.prefix, digest, sig) {
                return Ok(ok);
            }
            Ok(k.verify(scheme, digest, sig).is_ok())
        }
        (PublicKey::Rsa(k), Padding::Pss) => {
            let scheme = match hash {
                Hash::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(32),
                Hash::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(64),
                other => return Err(format!("RSA-PSS with {} is not an APK algorithm", other.name())),
            };
            Ok(k.verify(scheme, digest, sig).is_ok())
        }
        (PublicKey::P256(k), Padding::Dsa) => {
            let Ok(s) = p256::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(k.verify_prehash(&pad_to(digest, 32), &s).is_ok())
        }
        (PublicKey::P384(k), Padding::Dsa) => {
            let Ok(s) = p384::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(k.verify_prehash(&pad_to(digest, 48), &s).is_ok())
        }
        (PublicKey::P521(_, k), Padding::Dsa) => {
            let Ok(s) = p521::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(k.verify_prehash(&pad_to(digest, 66), &s).is_ok())
        }
        (PublicKey::Dsa(k), Padding::Dsa) => {
            let Ok(s) = dsa::Signature::try_from(sig) else { return Ok(false) };
            Ok(k.verify_prehash(digest, &s).is_ok())
        }
        (k, p) => Err(format!("{} key cannot verify a {p:?} signature", k.algorithm())),
    }
}

/// Hashes `message` and checks `sig`.
pub fn verify(key: &PublicKey, padding: Padding, hash: Hash, message: &[&[u8]], sig: &[u8]) -> Result<bool, String> {
    verify_digest(key, padding, hash, &hash.digest(message), sig)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;

    fn p256_spki(vk: &p256::ecdsa::VerifyingKey) -> Vec<u8> {
        let point = vk.to_encoded_point(false);
        let mut bits = vec![0u8];
        bits.extend_from_slice(point.as_bytes());
        let alg = [
            vec![0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
            vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        ]
        .concat();
        let mut out = vec![0x30, 0x59, 0x30, alg.len() as u8];
        out.extend(alg);
        out.extend([0x03, bits.len() as u8]);
        out.extend(bits);
        out
    }

    #[test]
    fn ecdsa_p256_round_trip_and_tamper() {
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let spki = p256_spki(sk.verifying_key());
        let key = parse_spki(&spki).unwrap();
        assert_eq!(key.algorithm(), "EC");
        let sig: p256::ecdsa::Signature = sk.sign(b"hello");
        let der = sig.to_der();
        assert_eq!(verify(&key, Padding::Dsa, Hash::Sha256, &[b"hel", b"lo"], der.as_bytes()), Ok(true));
        assert_eq!(verify(&key, Padding::Dsa, Hash::Sha256, &[b"hellO"], der.as_bytes()), Ok(false));
        assert_eq!(verify(&key, Padding::Dsa, Hash::Sha256, &[b"hello"], b"junk"), Ok(false));
        assert!(verify(&key, Padding::Pkcs1, Hash::Sha256, &[b"hello"], der.as_bytes()).is_err());
    }

    #[test]
    fn spki_errors() {
        assert!(parse_spki(b"junk").is_err());
        // SEQUENCE { SEQUENCE { OID 1.2.3 } BIT STRING 00 01 }
        let unknown = [0x30, 0x0a, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x02, 0x00, 0x01];
        assert!(parse_spki(&unknown).unwrap_err().contains("unsupported key algorithm 1.2.3"));
    }

    #[test]
    fn digests() {
        assert_eq!(Hash::Sha1.digest(&[b"abc"]).len(), 20);
        assert_eq!(Hash::Md5.digest(&[b"abc"]).len(), 16);
        assert_eq!(Hash::Sha256.digest(&[b"a", b"bc"]), Hash::Sha256.digest(&[b"abc"]));
        assert_eq!(Hash::from_oid("2.16.840.1.101.3.4.2.3"), Some(Hash::Sha512));
        assert_eq!(pad_to(&[1, 2], 4), vec![0, 0, 1, 2]);
    }
}

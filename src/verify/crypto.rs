//! Public keys, digests and signature checks for every algorithm APK signing
//! uses (AOSP apksig `SignatureAlgorithm`, `OidConstants`): RSA PKCS#1 v1.5
//! and PSS, ECDSA over P-256/P-384/P-521, DSA; MD5, SHA-1, SHA-2.
//!
//! Keys come from DER SubjectPublicKeyInfo. An RSA modulus encoded as a
//! negative INTEGER (a known signer bug, apksig `encodePublicKey`) is read as
//! its unsigned magnitude, as Android does after re-encoding.
//!
//! RSA and DSA arithmetic runs on `bigmod` (Montgomery multiplication over
//! `u64` limbs): the general-purpose `BigUint::modpow` of the rsa and dsa
//! crates cost ~40% of a scan on the apksig fixtures' 8192/16384-bit RSA and
//! 3072-bit DSA keys. The crates still parse (RSA key checks, DER DSA
//! signatures) and serve as fallback for DSA groups Montgomery cannot take
//! (even `p` or `q`, composite `q`), so verdicts match theirs.

use sha2::Digest;

use super::bigmod::{Modulus, Nat};
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

    /// Digest length in bytes.
    fn output_len(self) -> usize {
        match self {
            Hash::Md5 => 16,
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
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
    Dsa(Box<DsaKey>),
}

/// A DSA public key whose group passed the dsa crate's checks (`p, q >= 2`,
/// `0 < g <= p`) and whose `y >= 2` has `y^q mod p = 1`.
#[derive(Clone)]
pub struct DsaKey {
    p: Nat,
    q: Nat,
    g: Nat,
    y: Nat,
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
            (PublicKey::Dsa(a), PublicKey::Dsa(b)) => a.y == b.y && a.p == b.p && a.g == b.g,
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

/// Keys and moduli remembered per thread: an APK names the same key in its
/// v1, v2 and v3 blocks and its lineage (and compares them by parsing), and
/// a batch meets the same publishers' keys again. Parsing a DSA key checks
/// `y^q mod p = 1`, a full exponentiation; a modulus's Montgomery constants
/// cost as much as the RSA public operation with e = 65537.
const RECENT: usize = 8;
/// Keys of a SubjectPublicKeyInfo larger than this are not remembered (a
/// 16384-bit RSA key's is about 2 KB).
const MAX_REMEMBERED_SPKI: usize = 8 << 10;

type RecentKeys = std::collections::VecDeque<(Vec<u8>, Result<PublicKey, String>)>;

thread_local! {
    static RECENT_KEYS: std::cell::RefCell<RecentKeys> = const { std::cell::RefCell::new(RecentKeys::new()) };
    static RECENT_MODULI: std::cell::RefCell<std::collections::VecDeque<std::rc::Rc<Modulus>>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

/// `Modulus::new(n)`, remembered per thread (see `RECENT`).
fn modulus(n: &Nat) -> Option<std::rc::Rc<Modulus>> {
    let hit = RECENT_MODULI.with(|r| r.try_borrow().ok()?.iter().find(|m| m.is(n)).cloned());
    if hit.is_some() {
        return hit;
    }
    let m = std::rc::Rc::new(Modulus::new(n)?);
    RECENT_MODULI.with(|r| keep_recent(r, std::rc::Rc::clone(&m)));
    Some(m)
}

/// Adds `item` to a per-thread list of recent values; the oldest leaves
/// once the list holds `RECENT`.
fn keep_recent<T>(list: &std::cell::RefCell<std::collections::VecDeque<T>>, item: T) {
    if let Ok(mut list) = list.try_borrow_mut() {
        if list.len() >= RECENT {
            list.pop_front();
        }
        list.push_back(item);
    }
}

/// Parses a DER SubjectPublicKeyInfo (remembered per thread, see `RECENT`).
pub fn parse_spki(spki: &[u8]) -> Result<PublicKey, String> {
    let hit = RECENT_KEYS.with(|r| r.try_borrow().ok()?.iter().find(|(k, _)| k == spki).map(|(_, v)| v.clone()));
    if let Some(hit) = hit {
        return hit;
    }
    let parsed = parse_spki_uncached(spki);
    if spki.len() <= MAX_REMEMBERED_SPKI {
        RECENT_KEYS.with(|r| keep_recent(r, (spki.to_vec(), parsed.clone())));
    }
    parsed
}

fn parse_spki_uncached(spki: &[u8]) -> Result<PublicKey, String> {
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
            let mut int = |what: &'static str| -> Result<Nat, String> {
                Ok(Nat::from_be_bytes(
                    pc.required(what).map_err(err)?.expect_tag(der::INTEGER, what).map_err(err)?.content,
                ))
            };
            let (p, q, g) = (int("p")?, int("q")?, int("g")?);
            // Bound the modular exponentiations a hostile key could ask for.
            if p.bits() > MAX_DSA_BITS || q.bits() > 512 {
                return Err(format!("DSA key of {} bits exceeds the {MAX_DSA_BITS}-bit limit", p.bits()));
            }
            let y = der::parse(key).map_err(err)?.expect_tag(der::INTEGER, "DSA public key").map_err(err)?;
            let y = Nat::from_be_bytes(y.content);
            // The dsa crate's `Components::from_components` and
            // `VerifyingKey::from_components` checks, with the same messages.
            let two = Nat::from_u64(2);
            if p < two || q < two || g.is_zero() || g > p {
                return Err("invalid DSA parameters".into());
            }
            let y_order_divides_q = match modulus(&p) {
                Some(m) => m.pow(&y, &q) == Nat::from_u64(1),
                // Even p: no Montgomery form; the general modpow (rare, hostile keys only).
                None => big(&y).modpow(&big(&q), &big(&p)) == rsa::BigUint::from(1u8),
            };
            if y < two || !y_order_divides_q {
                return Err("invalid DSA public key".into());
            }
            Ok(PublicKey::Dsa(Box::new(DsaKey { p, q, g, y })))
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

fn big(n: &Nat) -> rsa::BigUint {
    rsa::BigUint::from_bytes_be(&n.to_be_bytes())
}

fn nat(n: &rsa::BigUint) -> Nat {
    Nat::from_be_bytes(&n.to_bytes_be())
}

/// The RSA public operation `s^e mod n` as the `k`-byte string EM (k = the
/// modulus length). None when the signature is not exactly `k` bytes (Java's
/// RSA verifier requires that) or not below the modulus (RFC 8017 §5.2.2).
fn rsa_encrypt(key: &rsa::RsaPublicKey, sig: &[u8]) -> Option<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    if sig.len() != k {
        return None;
    }
    let n = nat(key.n());
    let s = Nat::from_be_bytes(sig);
    if s >= n {
        return None;
    }
    // The rsa crate only builds keys with an odd modulus, so this is Some.
    let m = modulus(&n)?;
    m.pow(&s, &nat(key.e())).to_be_bytes_padded(k)
}

/// RSASSA-PKCS1-v1_5 by encode-and-compare (RFC 8017 §8.2.2:
/// `EM' = 0x00 0x01 FF..FF 0x00 || DigestInfo || H`, compared whole, nothing
/// parsed).
fn pkcs1v15_verify(key: &rsa::RsaPublicKey, prefix: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    let Some(em) = rsa_encrypt(key, sig) else { return false };
    let Some(ps_len) = prefix.len().checked_add(digest.len()).and_then(|t| k.checked_sub(t)?.checked_sub(3)) else {
        return false;
    };
    if ps_len < 8 {
        return false;
    }
    let mut expected = Vec::with_capacity(k);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(ps_len.saturating_add(2), 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(digest);
    expected == em
}

/// MGF1 (RFC 8017 §B.2.1) with `hash`, XORed into `out`.
fn mgf1_xor(hash: Hash, seed: &[u8], out: &mut [u8]) {
    for (counter, block) in (0u32..).zip(out.chunks_mut(hash.output_len())) {
        let mask = hash.digest(&[seed, &counter.to_be_bytes()]);
        for (o, m) in block.iter_mut().zip(mask) {
            *o ^= m;
        }
    }
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) of the `k`-byte `em_full` for a modulus
/// of `mod_bits` bits, MGF1 with `hash`, salt of `s_len` bytes.
fn emsa_pss_verify(m_hash: &[u8], em_full: &[u8], mod_bits: usize, hash: Hash, s_len: usize) -> Option<bool> {
    let h_len = hash.output_len();
    if m_hash.len() != h_len {
        return Some(false);
    }
    let em_bits = mod_bits.checked_sub(1)?;
    let em_len = em_bits.div_ceil(8);
    // I2OSP(m, emLen): when emBits is a multiple of 8 the k-byte string has
    // one extra leading byte, which must be zero (Java checks it too).
    let (extra, em) = em_full.split_at_checked(em_full.len().checked_sub(em_len)?)?;
    if extra.iter().any(|b| *b != 0) {
        return Some(false);
    }
    // 3. emLen >= hLen + sLen + 2.
    if em_len < h_len.checked_add(s_len)?.checked_add(2)? {
        return Some(false);
    }
    // 4. The 0xbc trailer.
    let (trailer, body) = em.split_last()?;
    if *trailer != 0xbc {
        return Some(false);
    }
    // 5. maskedDB || H.
    let (masked_db, h) = body.split_at_checked(em_len.checked_sub(h_len)?.checked_sub(1)?)?;
    // 6. The leftmost 8·emLen - emBits bits of maskedDB are zero.
    let zero_bits = em_len.checked_mul(8)?.checked_sub(em_bits)?;
    let keep = 0xffu8.checked_shr(u32::try_from(zero_bits).ok()?)?;
    if masked_db.first().is_some_and(|b| b & !keep != 0) {
        return Some(false);
    }
    // 7-9. DB = maskedDB xor MGF1(H), leftmost bits cleared.
    let mut db = masked_db.to_vec();
    mgf1_xor(hash, h, &mut db);
    if let Some(b) = db.first_mut() {
        *b &= keep;
    }
    // 10. PS (zeros) || 0x01 || salt.
    let ps_len = em_len.checked_sub(h_len)?.checked_sub(s_len)?.checked_sub(2)?;
    let (ps, rest) = db.split_at_checked(ps_len)?;
    let (one, salt) = rest.split_first()?;
    if ps.iter().any(|b| *b != 0) || *one != 0x01 || salt.len() != s_len {
        return Some(false);
    }
    // 12-14. H' = Hash(0x00 x 8 || mHash || salt) = H.
    Some(hash.digest(&[&[0u8; 8], m_hash, salt]) == h)
}

/// DSA verification (FIPS 186-4 §4.7) on Montgomery arithmetic. None when
/// the group does not suit it (even `p` or `q`, or a `q` for which Fermat's
/// inverse is wrong, i.e. not prime): the caller then asks the dsa crate.
fn dsa_verify_fast(key: &DsaKey, digest: &[u8], r: &Nat, s: &Nat) -> Option<bool> {
    let pm = modulus(&key.p)?;
    let qm = modulus(&key.q)?;
    // w = s^-1 mod q = s^(q-2) mod q for prime q.
    let w = qm.pow(s, &key.q.checked_sub(&Nat::from_u64(2))?);
    if qm.mul_mod(&w, s) != Nat::from_u64(1) {
        return None;
    }
    // z = the leftmost min(N, outlen) bits of the digest, in whole bytes as
    // the dsa crate and Java's DSA do (q.bits()/8 bytes).
    let z_len = (key.q.bits() / 8).min(digest.len());
    let z = Nat::from_be_bytes(digest.get(..z_len)?);
    let u1 = qm.mul_mod(&z, &w);
    let u2 = qm.mul_mod(r, &w);
    let v = pm.multi_pow(&[(&key.g, &u1), (&key.y, &u2)]);
    Some(qm.reduce(&v) == *r)
}

/// The dsa crate's check, for groups `dsa_verify_fast` declines.
fn dsa_verify_crate(key: &DsaKey, digest: &[u8], sig: &dsa::Signature) -> bool {
    use ecdsa::signature::hazmat::PrehashVerifier;
    let Ok(comps) = dsa::Components::from_components(big(&key.p), big(&key.q), big(&key.g)) else { return false };
    let Ok(vk) = dsa::VerifyingKey::from_components(comps, big(&key.y)) else { return false };
    vk.verify_prehash(digest, sig).is_ok()
}

/// Checks `sig` over the message whose `hash` digest is given. Ok(false)
/// when the signature does not verify, Err when the key and padding do not
/// fit together or the signature is not even well-formed.
pub fn verify_digest(key: &PublicKey, padding: Padding, hash: Hash, digest: &[u8], sig: &[u8]) -> Result<bool, String> {
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
            Ok(pkcs1v15_verify(k, &scheme.prefix, digest, sig))
        }
        (PublicKey::Rsa(k), Padding::Pss) => {
            use rsa::traits::PublicKeyParts;
            let salt_len = match hash {
                Hash::Sha256 => 32,
                Hash::Sha512 => 64,
                other => return Err(format!("RSA-PSS with {} is not an APK algorithm", other.name())),
            };
            let Some(em) = rsa_encrypt(k, sig) else { return Ok(false) };
            Ok(emsa_pss_verify(digest, &em, k.n().bits(), hash, salt_len).unwrap_or(false))
        }
        (PublicKey::P256(k), Padding::Dsa) => {
            let Ok(s) = p256::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(super::ec::verify_prehash(k.as_affine(), &pad_to(digest, 32), s.split_scalars()))
        }
        (PublicKey::P384(k), Padding::Dsa) => {
            let Ok(s) = p384::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(super::ec::verify_prehash(k.as_affine(), &pad_to(digest, 48), s.split_scalars()))
        }
        (PublicKey::P521(_, k), Padding::Dsa) => {
            let Ok(s) = p521::ecdsa::Signature::from_der(sig) else { return Ok(false) };
            Ok(super::ec::verify_prehash(k.as_affine(), &pad_to(digest, 66), s.split_scalars()))
        }
        (PublicKey::Dsa(k), Padding::Dsa) => {
            // DER SEQUENCE { r, s } with 0 < r, s, parsed as the dsa crate always did.
            let Ok(parsed) = dsa::Signature::try_from(sig) else { return Ok(false) };
            let (r, s) = (nat(parsed.r()), nat(parsed.s()));
            if r >= k.q || s >= k.q {
                return Ok(false);
            }
            Ok(dsa_verify_fast(k, digest, &r, &s).unwrap_or_else(|| dsa_verify_crate(k, digest, &parsed)))
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

    /// openssl genpkey, PKCS#8 DER (throwaway test key).
    const RSA1280_PKCS8: &str = concat!(
        "30820309020100300d06092a864886f70d0101010500048202f3308202ef0201000281a100c0aaabec0cfeb69a8aa2f6345b625dfde518",
        "ba41347c6ceb190c4900c8367d561ec98351b68c363d7528f9a016ec2188cbf4175b8bf87565eed586d3781db5c113a25d38695cecf78d",
        "d26ca9e3ccc8bb02c43941aeda5eb811fbdd79f61c6b8ceb56b47748bef55b670af124ca0525cd5e9285d233199e813c31fc78997b4f18",
        "c757820c65f764a29810f262e3827fb406e1cbde10c182a787d78339b91ee16f02030100010281a10097638443aed2565988a6141f7fcf",
        "035c053030ea1b7bc979d1ecbd504801c8ea6ab69ce110378c472e504c1566ed944c1136734413efdf0f816376d5a38474d489c102ced8",
        "bb93d7d1308f01cf659233402f5a6b1ff34cc3e6b0c0df0c95f4ddd86d987f47301df13e03ba595c80bdbd39fadef70529678132c48568",
        "ca226430ec62e44266e7529979af63dce66b8e27e7a64ecd151a865ecdf309981be2d881025100fd1f8bde0f3d43fa7c346e4bdadfba47",
        "78e31df0b7f00a4a3f9d8161d57ebcef742613aff8a06c3e5f05897fbffa164ef6599ecb79d8b140cc967d35bd4bf354a10ad89d4f8c06",
        "9884e2793bf778c879025100c2db3a99b2f324ba1170db653d88a566a0f7248f656c106783d414d26444bcf36ec7281cb8396bf462e458",
        "56e87b76a773c07091f5422b0bd494d66493d13100ea3e3da55a8647b6f06a4892ddf34f27025100fcb1cb9e2a348d72b92056a41fa38e",
        "81dfab4cae8dd273536062cb5172238e56b6eb74680e9b88b45384619a497b4f5e110db33b8b2ecaf5d7c8bcc333716940a96cfc873f6c",
        "9901165849939620dc71025100aba8c47438e0d89f0ed4548358f53379391ee0576f6b06fc9a7750ac9466b5eae2d19275d299cb8fed3a",
        "ead40d550f0faffa7d71281655a3c370277b4d7981e92373178dbf3502a2982399b1c0d4230b025100deccc37eb9a0d0886abd97027f72",
        "324d511e9e047f1b7ed645087837c01c5310a7e04057336a8fa9aa34f84608e1c6a54ffe48c45da7a7e83cb973280ff9f4112ad6e1ddcc",
        "f9763e1b98bfbdaf2489d8",
    );

    /// openssl genpkey, PKCS#8 DER (throwaway test key).
    const RSA1025_PKCS8: &str = concat!(
        "30820277020100300d06092a864886f70d0101010500048202613082025d02010002818101882f1b29e443c2447bfab7fbcf9ad113ad8f",
        "11c6d2db4107ff5bc058ecb53f92d49ac9744d1b69668d3cbbd0ca122a7e367a1fdef4b151cd6250124ed57ba610a71cbf42903bc384f9",
        "8e4aa80623f8867ddfd8c8aa5b0d4d6034916e422880c4655f12bcb92a2bcc71e207e3ef5b1be48ddcc215553214564e62e6ecb9fe4829",
        "0203010001028180727ba5c74dce05d8ae045b4ed3a492e1d6a94bfc29333dc192e67ab8baa8921d4f98bbb40a8a34f36dc94bde400e9b",
        "7eea722df98c9e728dace448e3e067ceea821246a24bdd8cee5cb1b55698042310f75a5cbb9a0d8bddae398d36f9c28c8f433bc6cbe7d6",
        "91dd389e2919cd889159d3cd72e2365ec09f92bf02a262a92ded024101f92a92528f568c02fe8366a95fc1877cc9528384b68b5431287f",
        "4dd17f9f44b1fe4ae92fe948a53cc86bbab1021238202640c00224c7497617938a34903d76bb024100c6bea25d7f3b3fabec4b96dfa086",
        "ee7cc43b101c58a371ee7044aabc64d8807e5de29c495fe2ae2fb5f11eb9ca2e27b9e5f3fec2ca46f872d7c103201e92786b0241016815",
        "93656c2cf9f26c6f47af75c52289ad8bb699d3f0eedb778d7eefd573b6e8d5659a607f7e3be25ece83ae06d6ebd0e6d382ca446315972a",
        "e90d3bb891475f024100c13445671aeea02123deffd6799972723bd926fa4778eca2dce5040d8d03a3363552bc97dfecdf64663cf69faa",
        "5a602829d19e92024e27ec8cad87ba4bbe1bed02407d6992884bdbc5b8d197b01ff07dcca4d608ea536db9516ec2fd8a7862a48c1614d6",
        "2ea0bf51ad658a2caeff74cf3ad2ae9b3494fd42a6bb6df6e7392b83f3a7",
    );

    /// openssl genpkey, PKCS#8 DER (throwaway test key).
    const DSA1024_PKCS8: &str = concat!(
        "3082014a0201003082012b06072a8648ce3804013082011e02818100ff8bbaf28ac28ac3d1e92a401ea7c1015104dc48c5c21bc36fca1b",
        "a8cff8b97af8c215e0b3096712bc07f58ada69da39e3bb2d210ed2693c18c49615ff2e167c438fb5b01345c43dedd7156237b69367be41",
        "517fe4561a8d39a230387a65093724f91221b13c5b0f8f5d8830bffbb13427b3ba14131d4fc750b88e19dc8db7ad021500975c475e6501",
        "9d0fbea19301be8be0015ad6961d0281804ea56fc57e33f9048dda1d7a20a1a829db9f2e3d60d3a137f08413007b13275f3eb7a6dd9448",
        "b35790877f3bafbfb461fc1cea965428e5b9899ed90ce8d8ea459a2106bd172abc3ce3c99da985c907681114ac22b05d5b232b6f3496e0",
        "9dd9ae163641fac87e12ce229476498c6585af9bdb58a7f9048e8190f49b65f56651390416021450700ed372df31a3b0f82fb6c34df12d",
        "8ab943e1",
    );

    /// openssl genpkey, PKCS#8 DER (throwaway test key).
    const DSA2048_PKCS8: &str = concat!(
        "308202640201003082023906072a8648ce3804013082022c0282010100fa60d457ec9ff921c7ad73360a4d9f3a5bfee0a6d858627fb2c7",
        "9e989edad823b793d18884d26a04cf5c0b570bd25db4b06b8dd3fb941a80ad9a57c4481f15e0cb8c8f34c0200093d18bd93629620371e8",
        "927421f7af0fce73e8502e81b899efdbf2c53908784eda5212f4b37eb2c5902f18144a2a5802baca312de7f371cca728de25fb0fd2f002",
        "546567b146a20690e73d1742c251e728bf74e5ce04b1cbdb62076dbeecb245967c7c5d97a65f23460e27dd271361502fb20fe65d6d509b",
        "1cdedf0db50a78c08f0b0568ca7f8f19f67cefc56261a9befe0dadd10edebcea9dbf73eaf47e4b0f22690f6d3fefc46194157d5107e05f",
        "445f6b92a5198a9d3de3022100abe0af20faf6e8797aef784749b85cfc38dbc10e5755478ff637982313ee4e990282010060b2d524512f",
        "df158ee3406e00792631f5982256cfbd781512f7511803124d784cb09961d5a7492beff7fbbf3fa3e3daf49a2123745cc3fa36c67a52ac",
        "4df4cf1c60087da6cac585757c965d80552d7b1361f51461c3723abdcc82d4d2cda0dc241656094a452ef2b7040ee8cad73cb264439a9e",
        "0ac1377aa2fe5d2372da282de18ea2c7661179339a60cff2d7fc455bd8dcac02f977497ea9f00c18c70611596b48b03aa95091d2936457",
        "7935db009538bc37fb2ba95be315264fb3d5265bab6e577abefeab9954573966cc7d737bcd42b4b5201c536f4048b552908d317b2cb6f3",
        "9462a05b31898a8a32d29397b5d41002e8131de082a6908c69856fdbbaee0422022077fc1c5a34bba159c8696ca8cd6a505824fff4051c",
        "9de7890833ee184261399c",
    );

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// Deterministic stand-in RNG for PSS salts (tests only).
    struct TestRng(u64);
    impl rsa::rand_core::RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 11
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.next_u64() as u8;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rsa::rand_core::CryptoRng for TestRng {}

    fn rsa_key(pkcs8: &str) -> (rsa::RsaPrivateKey, PublicKey) {
        use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
        let sk = rsa::RsaPrivateKey::from_pkcs8_der(&unhex(pkcs8)).unwrap();
        let spki = sk.to_public_key().to_public_key_der().unwrap();
        let key = parse_spki(spki.as_bytes()).unwrap();
        assert_eq!(key.algorithm(), "RSA");
        (sk, key)
    }

    fn flip(sig: &[u8], i: usize) -> Vec<u8> {
        let mut v = sig.to_vec();
        v[i] ^= 1;
        v
    }

    #[test]
    fn rsa_pkcs1_round_trip_and_tamper() {
        for pkcs8 in [RSA1280_PKCS8, RSA1025_PKCS8] {
            let (sk, key) = rsa_key(pkcs8);
            for hash in [Hash::Md5, Hash::Sha1, Hash::Sha256, Hash::Sha512] {
                let digest = hash.digest(&[b"hello"]);
                let scheme = match hash {
                    Hash::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                    Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    _ => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                let sig = sk.sign(scheme, &digest).unwrap();
                assert_eq!(verify(&key, Padding::Pkcs1, hash, &[b"hel", b"lo"], &sig), Ok(true), "{hash:?}");
                assert_eq!(verify(&key, Padding::Pkcs1, hash, &[b"hellO"], &sig), Ok(false));
                assert_eq!(verify(&key, Padding::Pkcs1, hash, &[b"hello"], &flip(&sig, 5)), Ok(false));
                // Java requires exactly k bytes: a leading zero byte more, or one less, fails.
                let mut longer = vec![0u8];
                longer.extend_from_slice(&sig);
                assert_eq!(verify(&key, Padding::Pkcs1, hash, &[b"hello"], &longer), Ok(false));
                assert_eq!(verify(&key, Padding::Pkcs1, hash, &[b"hello"], &sig[1..]), Ok(false));
                // The right digest under the wrong DigestInfo.
                let other = if hash == Hash::Sha1 { Hash::Md5 } else { Hash::Sha1 };
                assert_eq!(verify_digest(&key, Padding::Pkcs1, other, &digest, &sig), Ok(false));
            }
            // s >= n is rejected, not reduced.
            let k = key;
            let PublicKey::Rsa(pk) = &k else { panic!() };
            use rsa::traits::PublicKeyParts;
            let n = pk.n().to_bytes_be();
            assert_eq!(verify(&k, Padding::Pkcs1, Hash::Sha256, &[b"x"], &n), Ok(false));
            assert_eq!(verify(&k, Padding::Pkcs1, Hash::Sha256, &[b"x"], &vec![0xff; n.len()]), Ok(false));
        }
    }

    #[test]
    fn rsa_pss_round_trip_and_tamper() {
        let mut rng = TestRng(1);
        for pkcs8 in [RSA1280_PKCS8, RSA1025_PKCS8] {
            let (sk, key) = rsa_key(pkcs8);
            // SHA-512 with a 64-byte salt needs emLen >= 130: not the 1025-bit key.
            let hashes: &[Hash] = if pkcs8 == RSA1280_PKCS8 { &[Hash::Sha256, Hash::Sha512] } else { &[Hash::Sha256] };
            for &hash in hashes {
                let digest = hash.digest(&[b"apk signing block"]);
                let scheme = match hash {
                    Hash::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(32),
                    _ => rsa::Pss::new_with_salt::<sha2::Sha512>(64),
                };
                let sig = sk.sign_with_rng(&mut rng, scheme, &digest).unwrap();
                assert_eq!(verify_digest(&key, Padding::Pss, hash, &digest, &sig), Ok(true), "{hash:?}");
                let mut bad = digest.clone();
                bad[0] ^= 0x80;
                assert_eq!(verify_digest(&key, Padding::Pss, hash, &bad, &sig), Ok(false));
                for i in [0, 17, sig.len() - 1] {
                    assert_eq!(verify_digest(&key, Padding::Pss, hash, &digest, &flip(&sig, i)), Ok(false));
                }
                assert_eq!(verify_digest(&key, Padding::Pss, hash, &digest[1..], &sig), Ok(false));
                // A PKCS#1 v1.5 signature is not a PSS one.
                let p1 = sk.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &Hash::Sha256.digest(&[b"m"])).unwrap();
                assert_eq!(verify(&key, Padding::Pss, Hash::Sha256, &[b"m"], &p1), Ok(false));
            }
            // Salt length is fixed per hash: a 20-byte salt fails.
            let digest = Hash::Sha256.digest(&[b"m"]);
            let sig = sk.sign_with_rng(&mut rng, rsa::Pss::new_with_salt::<sha2::Sha256>(20), &digest).unwrap();
            assert_eq!(verify_digest(&key, Padding::Pss, Hash::Sha256, &digest, &sig), Ok(false));
            assert!(verify_digest(&key, Padding::Pss, Hash::Sha1, &digest, &sig).is_err());
        }
    }

    #[test]
    fn pss_encoding_checks() {
        // Hand-built EM for a 1024-bit modulus, SHA-256, salt 32: then broken one check at a time.
        let hash = Hash::Sha256;
        let m_hash = hash.digest(&[b"m"]);
        let salt = [7u8; 32];
        let h = hash.digest(&[&[0u8; 8], &m_hash, &salt]);
        let em_len = 128;
        let mut db = vec![0u8; em_len - 32 - 1];
        let one_at = db.len() - 32 - 1;
        db[one_at] = 1;
        db[one_at + 1..].copy_from_slice(&salt);
        let build = |db: &[u8], trailer: u8| {
            let mut masked = db.to_vec();
            mgf1_xor(hash, &h, &mut masked);
            masked[0] &= 0x7f;
            [masked, h.clone(), vec![trailer]].concat()
        };
        let em = build(&db, 0xbc);
        assert_eq!(emsa_pss_verify(&m_hash, &em, 1024, hash, 32), Some(true));
        assert_eq!(emsa_pss_verify(&m_hash, &build(&db, 0xbd), 1024, hash, 32), Some(false));
        let mut top = em.clone();
        top[0] |= 0x80;
        assert_eq!(emsa_pss_verify(&m_hash, &top, 1024, hash, 32), Some(false));
        let mut no_one = db.clone();
        no_one[one_at] = 2;
        assert_eq!(emsa_pss_verify(&m_hash, &build(&no_one, 0xbc), 1024, hash, 32), Some(false));
        let mut ps = db.clone();
        ps[3] = 1;
        assert_eq!(emsa_pss_verify(&m_hash, &build(&ps, 0xbc), 1024, hash, 32), Some(false));
        // 1025-bit modulus: one extra leading byte, which must be zero.
        let mut longer = vec![0u8];
        longer.extend_from_slice(&em);
        let mut bits_ok = longer.clone();
        // emBits = 1024 leaves no top bits to clear; rebuild without the clearing.
        let mut masked = db.clone();
        mgf1_xor(hash, &h, &mut masked);
        bits_ok[1..1 + masked.len()].copy_from_slice(&masked);
        assert_eq!(emsa_pss_verify(&m_hash, &bits_ok, 1025, hash, 32), Some(true));
        bits_ok[0] = 1;
        assert_eq!(emsa_pss_verify(&m_hash, &bits_ok, 1025, hash, 32), Some(false));
        // emLen < hLen + sLen + 2.
        assert_eq!(emsa_pss_verify(&m_hash, &em[..60], 8 * 60, hash, 32), Some(false));
    }

    fn dsa_key(pkcs8: &str) -> (dsa::SigningKey, PublicKey) {
        use dsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
        let sk = dsa::SigningKey::from_pkcs8_der(&unhex(pkcs8)).unwrap();
        let spki = sk.verifying_key().to_public_key_der().unwrap();
        let key = parse_spki(spki.as_bytes()).unwrap();
        assert_eq!(key.algorithm(), "DSA");
        (sk, key)
    }

    #[test]
    fn dsa_round_trip_and_tamper() {
        use dsa::signature::SignatureEncoding;
        for pkcs8 in [DSA1024_PKCS8, DSA2048_PKCS8] {
            let (sk, key) = dsa_key(pkcs8);
            for hash in [Hash::Sha1, Hash::Sha256, Hash::Sha512] {
                let digest = hash.digest(&[b"MANIFEST.SF"]);
                let sig = sk.sign_prehashed_rfc6979::<sha2::Sha256>(&digest).unwrap().to_vec();
                assert_eq!(verify_digest(&key, Padding::Dsa, hash, &digest, &sig), Ok(true), "{hash:?}");
                let mut bad = digest.clone();
                bad[1] ^= 1;
                assert_eq!(verify_digest(&key, Padding::Dsa, hash, &bad, &sig), Ok(false));
                // Flip a byte of r's and of s's content.
                assert_eq!(verify_digest(&key, Padding::Dsa, hash, &digest, &flip(&sig, 8)), Ok(false));
                let l = sig.len();
                assert_eq!(verify_digest(&key, Padding::Dsa, hash, &digest, &flip(&sig, l - 2)), Ok(false));
                // The crate's own verifier agrees.
                let PublicKey::Dsa(k) = &key else { panic!() };
                let parsed = dsa::Signature::try_from(&sig[..]).unwrap();
                assert!(dsa_verify_crate(k, &digest, &parsed));
                assert!(!dsa_verify_crate(k, &bad, &parsed));
            }
            assert_eq!(verify(&key, Padding::Dsa, Hash::Sha1, &[b"x"], b"junk"), Ok(false));
            assert!(verify(&key, Padding::Pss, Hash::Sha256, &[b"x"], b"junk").is_err());
            // r >= q and s >= q fail before any arithmetic.
            let PublicKey::Dsa(k) = &key else { panic!() };
            let q = k.q.to_be_bytes();
            let int = |v: &[u8]| [vec![0x02, v.len() as u8 + 1, 0], v.to_vec()].concat();
            let seq = |a: Vec<u8>, b: Vec<u8>| [vec![0x30, (a.len() + b.len()) as u8], a, b].concat();
            let d = Hash::Sha1.digest(&[b"x"]);
            assert_eq!(verify_digest(&key, Padding::Dsa, Hash::Sha1, &d, &seq(int(&q), int(&[5]))), Ok(false));
            assert_eq!(verify_digest(&key, Padding::Dsa, Hash::Sha1, &d, &seq(int(&[5]), int(&q))), Ok(false));
        }
    }

    #[test]
    fn dsa_key_checks() {
        use dsa::pkcs8::EncodePublicKey;
        let (sk, key) = dsa_key(DSA1024_PKCS8);
        let (_, other) = dsa_key(DSA2048_PKCS8);
        assert_eq!(key, key.clone());
        assert_ne!(key, other);
        // Replacing y: 1 is rejected (< 2), 2 is not of order q, g^2 is.
        let vk = sk.verifying_key();
        let comps = vk.components();
        let build = |y: rsa::BigUint| {
            let spki = vk.to_public_key_der().unwrap();
            let mut bytes = spki.as_bytes().to_vec();
            // The BIT STRING holding INTEGER y sits at the end: rebuild it.
            let yb = vk.y().to_bytes_be();
            let pos = bytes.len() - yb.len();
            assert_eq!(&bytes[pos..], &yb[..]);
            let raw = y.to_bytes_be();
            let mut nb = vec![0u8; yb.len() - raw.len()];
            nb.extend_from_slice(&raw);
            bytes[pos..].copy_from_slice(&nb);
            parse_spki(&bytes)
        };
        assert!(build(vk.y().clone()).is_ok());
        assert_eq!(build(rsa::BigUint::from(1u8)).unwrap_err(), "invalid DSA public key");
        // g is in the order-q subgroup; 2 almost surely is not.
        assert_eq!(build(rsa::BigUint::from(2u8)).unwrap_err(), "invalid DSA public key");
        let g2 = (comps.g() * comps.g()) % comps.p();
        assert!(build(g2).is_ok());
    }

    #[test]
    fn remembered_keys_are_the_keys_a_fresh_parse_gives() {
        // More distinct keys than are remembered, each parsed three times
        // (the later ones after their own entry was evicted), with a bad key
        // in between: every parse equals the uncached one, errors included,
        // and each key still verifies only its own signature.
        let keys: Vec<_> =
            (1..=RECENT as u8 + 3).map(|i| p256::ecdsa::SigningKey::from_slice(&[i; 32]).unwrap()).collect();
        for _ in 0..3 {
            for (i, sk) in keys.iter().enumerate() {
                let spki = p256_spki(sk.verifying_key());
                let key = parse_spki(&spki).unwrap();
                assert!(key == parse_spki_uncached(&spki).unwrap());
                let sig: p256::ecdsa::Signature = sk.sign(b"app");
                assert_eq!(verify(&key, Padding::Dsa, Hash::Sha256, &[b"app"], sig.to_der().as_bytes()), Ok(true));
                let other: p256::ecdsa::Signature = keys[(i + 1) % keys.len()].sign(b"app");
                assert_eq!(verify(&key, Padding::Dsa, Hash::Sha256, &[b"app"], other.to_der().as_bytes()), Ok(false));
                assert_eq!(parse_spki(b"junk").unwrap_err(), parse_spki_uncached(b"junk").unwrap_err());
            }
        }
        // Moduli: the remembered one is the one asked for, even among many.
        let ns: Vec<Nat> = (0..RECENT as u64 + 2).map(|i| Nat::from_u64(1_000_003 + 2 * i)).collect();
        for n in ns.iter().chain(ns.iter().rev()) {
            let m = modulus(n).unwrap();
            assert!(m.is(n));
            assert_eq!(
                m.pow(&Nat::from_u64(2), &Nat::from_u64(10)),
                Modulus::new(n).unwrap().pow(&Nat::from_u64(2), &Nat::from_u64(10))
            );
        }
        assert!(modulus(&Nat::from_u64(1_000_000)).is_none(), "even moduli have no Montgomery form");
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

//! Self-signed X.509 certificates (DER written here) and the APK Signature
//! Scheme v2 block with one ECDSA P-256 / SHA-256 signer (algorithm 0x0201).

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::bytes::{set_u32, u32_of, Put};
use crate::zip::Zip;

const V2_BLOCK_ID: u32 = 0x7109_871a;
const SIG_ECDSA_SHA256: u32 = 0x0201;
const CHUNK: usize = 1 << 20;

pub struct Publisher {
    pub key: SigningKey,
    /// (attribute, value), most significant first (C, O, OU, CN).
    pub subject: Vec<(String, String)>,
    pub serial: u64,
}

impl Publisher {
    /// A fixed key derived from a seed string (SHA-256 of it as the scalar).
    pub fn new(
        seed: &str,
        subject: Vec<(String, String)>,
        serial: u64,
    ) -> Result<Publisher, Box<dyn std::error::Error>> {
        let scalar = Sha256::digest(seed.as_bytes());
        let key = SigningKey::from_slice(&scalar)?;
        Ok(Publisher { key, subject, serial })
    }

    /// `CN=..., O="A, Inc.", C=...` as apksigner (Java `X500Principal.toString`)
    /// prints it: values with special characters are quoted.
    pub fn subject_display(&self) -> String {
        let special = |v: &str| {
            v.contains([',', '+', '=', '"', '\\', '<', '>', '#', ';']) || v.starts_with(' ') || v.ends_with(' ')
        };
        self.subject
            .iter()
            .rev()
            .map(|(k, v)| if special(v) { format!("{k}=\"{v}\"") } else { format!("{k}={v}") })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// RFC 2253 form (Java `X500Principal.getName()`): `CN=x,O=A\, Inc.,C=CN`.
    pub fn subject_rfc2253(&self) -> String {
        self.subject
            .iter()
            .rev()
            .map(|(k, v)| {
                let n = v.chars().count();
                let mut e = String::new();
                for (i, ch) in v.chars().enumerate() {
                    let edge = (i == 0 && matches!(ch, '#' | ' ')) || (i + 1 == n && ch == ' ');
                    if edge || matches!(ch, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
                        e.push('\\');
                    }
                    e.push(ch);
                }
                format!("{k}={e}")
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn spki(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        seq(&[seq(&[oid(&[1, 2, 840, 10045, 2, 1]), oid(&[1, 2, 840, 10045, 3, 1, 7])]), bit_string(point.as_bytes())])
    }

    fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(msg);
        sig.to_der().as_bytes().to_vec()
    }

    pub fn certificate(&self) -> Vec<u8> {
        let name = self.name();
        let alg = seq(&[oid(&[1, 2, 840, 10045, 4, 3, 2])]);
        let tbs = seq(&[
            tlv(0xa0, &integer(&[2])),
            integer(&self.serial.to_be_bytes()),
            alg.clone(),
            name.clone(),
            seq(&[tlv(0x17, b"200101000000Z"), tlv(0x17, b"491231235959Z")]),
            name,
            self.spki(),
        ]);
        let sig = self.sign_der(&tbs);
        seq(&[tbs, alg, bit_string(&sig)])
    }

    fn name(&self) -> Vec<u8> {
        let rdns: Vec<Vec<u8>> = self
            .subject
            .iter()
            .map(|(k, v)| {
                let (arc, tag) = match k.as_str() {
                    "C" => (6, 0x13), // PrintableString
                    "L" => (7, 0x0c),
                    "ST" => (8, 0x0c),
                    "O" => (10, 0x0c), // UTF8String
                    "OU" => (11, 0x0c),
                    _ => (3, 0x0c), // CN
                };
                set(&[seq(&[oid(&[2, 5, 4, arc]), tlv(tag, v.as_bytes())])])
            })
            .collect();
        seq(&rdns)
    }
}

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

fn set(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &items.concat())
}

/// Unsigned big-endian integer, minimal DER form.
fn integer(be: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8];
    v.extend_from_slice(bytes);
    tlv(0x03, &v)
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut v = vec![u8::try_from(arcs[0] * 40 + arcs[1]).expect("first two arcs are small")];
    for &a in &arcs[2..] {
        let mut groups = vec![(a & 0x7f) as u8];
        let mut rest = a >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        v.extend_from_slice(&groups);
    }
    tlv(0x06, &v)
}

/// `u32 length || bytes`
fn lp(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.u32(u32_of(bytes.len()));
    out.extend_from_slice(bytes);
    out
}

fn chunked_sha256(sections: &[&[u8]]) -> Vec<u8> {
    let mut digests = Vec::new();
    let mut count = 0u32;
    for s in sections {
        for chunk in s.chunks(CHUNK) {
            let mut h = Sha256::new();
            h.update([0xa5u8]);
            h.update(u32_of(chunk.len()).to_le_bytes());
            h.update(chunk);
            digests.extend_from_slice(&h.finalize());
            count += 1;
        }
    }
    let mut h = Sha256::new();
    h.update([0x5au8]);
    h.update(count.to_le_bytes());
    h.update(&digests);
    h.finalize().to_vec()
}

/// An extra ID-value pair of the APK Signing Block (e.g. a channel block).
/// Verifiers ignore unknown ids and the block is outside the signed sections.
pub struct Pair {
    pub id: u32,
    pub value: Vec<u8>,
    pub before_v2: bool,
}

fn put_pair(out: &mut Vec<u8>, id: u32, value: &[u8]) {
    out.u64(4 + value.len() as u64);
    out.u32(id);
    out.extend_from_slice(value);
}

/// Inserts a v2 signing block (plus `extra` pairs) between the entries and
/// the central directory. Returns the signed APK bytes and the signer's
/// certificate (DER).
pub fn sign_v2(zip: &Zip, publisher: &Publisher, extra: &[Pair]) -> (Vec<u8>, Vec<u8>) {
    let cert = publisher.certificate();
    let digest = chunked_sha256(&[&zip.body, &zip.cd, &zip.eocd]);

    let mut digest_item = Vec::new();
    digest_item.u32(SIG_ECDSA_SHA256);
    digest_item.extend_from_slice(&lp(&digest));
    let signed_data = [
        lp(&lp(&digest_item)), // digests
        lp(&lp(&cert)),        // certificates
        lp(&[]),               // additional attributes
    ]
    .concat();
    let mut sig_item = Vec::new();
    sig_item.u32(SIG_ECDSA_SHA256);
    sig_item.extend_from_slice(&lp(&publisher.sign_der(&signed_data)));
    let signer = [lp(&signed_data), lp(&lp(&sig_item)), lp(&publisher.spki())].concat();
    let v2_value = lp(&lp(&signer));

    let mut pairs = Vec::new();
    for p in extra.iter().filter(|p| p.before_v2) {
        put_pair(&mut pairs, p.id, &p.value);
    }
    put_pair(&mut pairs, V2_BLOCK_ID, &v2_value);
    for p in extra.iter().filter(|p| !p.before_v2) {
        put_pair(&mut pairs, p.id, &p.value);
    }
    let block_size = (pairs.len() + 8 + 16) as u64;
    let mut block = Vec::new();
    block.u64(block_size);
    block.extend_from_slice(&pairs);
    block.u64(block_size);
    block.extend_from_slice(b"APK Sig Block 42");

    let mut eocd = zip.eocd.clone();
    set_u32(&mut eocd, 16, u32_of(zip.body.len() + block.len()));
    let apk = [zip.body.as_slice(), &block, &zip.cd, &eocd].concat();
    (apk, cert)
}

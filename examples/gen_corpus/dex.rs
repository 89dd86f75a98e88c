//! DEX writer (format 035/039): header with Adler-32 checksum and SHA-1
//! signature, sorted string_ids, type_ids, class_defs without code, and a
//! map_list (source.android.com/docs/core/runtime/dex-format).

use std::collections::BTreeSet;

use crate::bytes::{set_u32, u32_of, Put};

const NO_INDEX: u32 = 0xffff_ffff;
const ACC_PUBLIC: u32 = 0x1;
const HEADER_SIZE: usize = 0x70;

pub struct DexClass {
    /// Dotted Java name (`com.example.Foo`).
    pub name: String,
    /// Dotted superclass name.
    pub superclass: String,
}

pub struct DexSummary {
    pub string_count: usize,
    pub type_count: usize,
    pub class_def_count: usize,
}

pub fn descriptor(dotted: &str) -> String {
    format!("L{};", dotted.replace('.', "/"))
}

/// `version` is 35 or 39; `strings` are extra constant strings (URLs, hosts).
pub fn encode(version: u32, classes: &[DexClass], strings: &[String]) -> (Vec<u8>, DexSummary) {
    // Classes whose superclass is defined here must come after it.
    let defined: BTreeSet<&str> = classes.iter().map(|c| c.name.as_str()).collect();
    let mut order: Vec<&DexClass> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while order.len() < classes.len() {
        let before = order.len();
        for c in classes {
            let ready = !defined.contains(c.superclass.as_str()) || placed.contains(c.superclass.as_str());
            if !placed.contains(c.name.as_str()) && ready {
                placed.insert(&c.name);
                order.push(c);
            }
        }
        assert!(order.len() > before, "class hierarchy has a cycle");
    }

    let mut type_set: BTreeSet<String> = BTreeSet::new();
    for c in classes {
        type_set.insert(descriptor(&c.name));
        type_set.insert(descriptor(&c.superclass));
    }
    // All corpus strings are ASCII, so byte order equals UTF-16 code unit order.
    let mut string_set: BTreeSet<String> = type_set.clone();
    for s in strings {
        assert!(s.is_ascii(), "corpus dex strings are ASCII");
        string_set.insert(s.clone());
    }
    let string_list: Vec<String> = string_set.into_iter().collect();
    let sidx = |s: &str| u32_of(string_list.binary_search_by(|x| x.as_str().cmp(s)).expect("string interned"));
    let type_list: Vec<String> = type_set.into_iter().collect();
    let tidx = |s: &str| u32_of(type_list.binary_search_by(|x| x.as_str().cmp(s)).expect("type interned"));

    let string_ids_off = HEADER_SIZE;
    let type_ids_off = string_ids_off + 4 * string_list.len();
    let class_defs_off = type_ids_off + 4 * type_list.len();
    let data_off = class_defs_off + 32 * order.len();

    let mut data = Vec::new();
    let mut string_offs = Vec::new();
    for s in &string_list {
        string_offs.push(u32_of(data_off + data.len()));
        uleb128(&mut data, u32_of(s.len()));
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    data.pad_to(4);
    let map_off = data_off + data.len();
    let map_items: [(u16, usize, usize); 6] = [
        (0x0000, 1, 0),
        (0x0001, string_list.len(), string_ids_off),
        (0x0002, type_list.len(), type_ids_off),
        (0x0006, order.len(), class_defs_off),
        (0x2002, string_list.len(), data_off),
        (0x1000, 1, map_off),
    ];
    data.u32(u32_of(map_items.len()));
    for (ty, size, off) in map_items {
        data.u16(ty);
        data.u16(0);
        data.u32(u32_of(size));
        data.u32(u32_of(off));
    }
    let file_size = data_off + data.len();

    let mut out = Vec::with_capacity(file_size);
    out.extend_from_slice(format!("dex\n{version:03}\0").as_bytes());
    out.u32(0); // checksum, patched
    out.extend_from_slice(&[0u8; 20]); // signature, patched
    out.u32(u32_of(file_size));
    out.u32(u32_of(HEADER_SIZE));
    out.u32(0x1234_5678);
    out.u32(0); // link_size
    out.u32(0); // link_off
    out.u32(u32_of(map_off));
    for (n, off) in [
        (string_list.len(), string_ids_off),
        (type_list.len(), type_ids_off),
        (0, 0), // proto_ids
        (0, 0), // field_ids
        (0, 0), // method_ids
        (order.len(), class_defs_off),
    ] {
        out.u32(u32_of(n));
        out.u32(if n == 0 { 0 } else { u32_of(off) });
    }
    out.u32(u32_of(data.len()));
    out.u32(u32_of(data_off));
    assert_eq!(out.len(), HEADER_SIZE);
    for o in string_offs {
        out.u32(o);
    }
    for t in &type_list {
        out.u32(sidx(t));
    }
    for c in &order {
        out.u32(tidx(&descriptor(&c.name)));
        out.u32(ACC_PUBLIC);
        out.u32(tidx(&descriptor(&c.superclass)));
        out.u32(0); // interfaces_off
        out.u32(NO_INDEX); // source_file_idx
        out.u32(0); // annotations_off
        out.u32(0); // class_data_off: no fields or methods
        out.u32(0); // static_values_off
    }
    out.extend_from_slice(&data);
    assert_eq!(out.len(), file_size);

    let sig = sha1(&out[32..]);
    out[12..32].copy_from_slice(&sig);
    let sum = adler32(&out[12..]);
    set_u32(&mut out, 8, sum);
    let summary =
        DexSummary { string_count: string_list.len(), type_count: type_list.len(), class_def_count: order.len() };
    (out, summary)
}

fn uleb128(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % MOD;
        b = (b + a) % MOD;
    }
    (b << 16) | a
}

/// SHA-1 (FIPS 180-4); only the DEX signature field needs it.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sha1_known_answer() {
        assert_eq!(crate::bytes::hex(&sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}

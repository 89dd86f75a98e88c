//! The big-number arithmetic of RSA and DSA verification
//! (`cleanscan::verify::modpow_be`: Montgomery products, squares and
//! reduction two rows at a time, windowed exponentiation of several bases)
//! against num-bigint-dig, the rsa crate's own arithmetic. From the input:
//! the sizes, then a modulus of up to 510 bytes (4080 bits), one or two
//! bases of up to 1020 bytes and exponents of up to 64 bytes. Asserts the same
//! `Π base_i^exp_i mod n`, and no result for an even modulus or one below 2.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rsa::BigUint;

/// The next `len` bytes of `data` (fewer at its end).
fn take<'a>(data: &mut &'a [u8], len: usize) -> &'a [u8] {
    let (head, tail) = data.split_at(len.min(data.len()));
    *data = tail;
    head
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let sizes = take(&mut data, 5);
    let [n_len, b1_len, e1_len, b2_len, e2_len] = match *sizes {
        [a, b, c, d, e] => [a, b, c, d, e],
        _ => return,
    };
    let n = take(&mut data, usize::from(n_len) * 2);
    let b1 = take(&mut data, usize::from(b1_len) * 4);
    let e1 = take(&mut data, usize::from(e1_len) % 65);
    let two = b2_len & 0x80 != 0;
    let b2 = take(&mut data, usize::from(b2_len & 0x7f) * 8);
    let e2 = take(&mut data, usize::from(e2_len) % 65);
    let terms: Vec<(&[u8], &[u8])> = if two { vec![(b1, e1), (b2, e2)] } else { vec![(b1, e1)] };
    let got = cleanscan::verify::modpow_be(n, &terms);
    let bn = BigUint::from_bytes_be(n);
    let one = BigUint::from(1u8);
    if bn <= one || n.last().is_none_or(|b| b & 1 == 0) {
        assert!(got.is_none(), "a result for an even modulus or one below 2");
        return;
    }
    let mut want = one % &bn;
    for (b, e) in &terms {
        want = (want * BigUint::from_bytes_be(b).modpow(&BigUint::from_bytes_be(e), &bn)) % &bn;
    }
    let got = got.expect("no result for an odd modulus above 1");
    assert_eq!(BigUint::from_bytes_be(&got), want, "n {n:02x?} terms {terms:02x?}");
});

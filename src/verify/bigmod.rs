//! Unsigned big integers and Montgomery arithmetic for *public-key*
//! signature checks (RSA, RSA-PSS, DSA in `crypto.rs`).
//!
//! Every input here is public (keys, signatures, digests), so nothing is
//! constant-time: branches on values are fine. What matters is speed on the
//! 8192/16384-bit RSA and 3072-bit DSA keys of real APKs, where general
//! `BigUint` division-based `modpow` dominated scan time.
//!
//! Representation: little-endian `u64` limbs. [`Nat`] is normalized (no zero
//! high limbs), so derived equality is value equality. [`Modulus`] holds an
//! odd modulus `n > 1` of `k` limbs with `R = 2^(64k)`, `-n^-1 mod 2^64`
//! and `R^2 mod n`; all Montgomery values are `k`-limb slices `< n`.
//!
//! Multiplication is separated operand scanning: a schoolbook (or halved
//! squaring) product into `2k` limbs, then word-by-word Montgomery
//! reduction. Exponentiation uses fixed windows, interleaved over several
//! bases so `g^a · y^b` (DSA) shares its squarings.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::cmp::Ordering;

/// A non-negative integer, little-endian limbs without high zero limbs.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Nat {
    limbs: Vec<u64>,
}

impl std::fmt::Debug for Nat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nat(0x")?;
        for b in self.to_be_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

fn normalize(mut limbs: Vec<u64>) -> Vec<u64> {
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    limbs
}

impl Nat {
    pub fn from_u64(v: u64) -> Nat {
        Nat { limbs: normalize(vec![v]) }
    }

    /// From big-endian bytes (leading zero bytes allowed).
    pub fn from_be_bytes(bytes: &[u8]) -> Nat {
        let limbs = bytes
            .rchunks(8)
            .map(|chunk| chunk.iter().fold(0u64, |acc, b| acc.wrapping_shl(8) | u64::from(*b)))
            .collect();
        Nat { limbs: normalize(limbs) }
    }

    /// Minimal big-endian bytes (empty for zero).
    pub fn to_be_bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let zeros = out.iter().take_while(|b| **b == 0).count();
        out.drain(..zeros);
        out
    }

    /// Big-endian bytes left-padded to exactly `len`; None if the value needs more.
    pub fn to_be_bytes_padded(&self, len: usize) -> Option<Vec<u8>> {
        let min = self.to_be_bytes();
        let mut out = vec![0u8; len.checked_sub(min.len())?];
        out.extend_from_slice(&min);
        Some(out)
    }

    pub fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    pub fn is_odd(&self) -> bool {
        self.limbs.first().is_some_and(|l| l & 1 == 1)
    }

    /// Number of significant bits.
    pub fn bits(&self) -> usize {
        match self.limbs.last() {
            None => 0,
            Some(top) => {
                let below = self.limbs.len().saturating_sub(1).saturating_mul(64);
                below.saturating_add(64usize.saturating_sub(top.leading_zeros() as usize))
            }
        }
    }

    /// Bit `i` (0 = least significant).
    pub fn bit(&self, i: usize) -> bool {
        self.limbs.get(i / 64).is_some_and(|l| l.wrapping_shr((i % 64) as u32) & 1 == 1)
    }

    /// `self - other`, None when negative.
    pub fn checked_sub(&self, other: &Nat) -> Option<Nat> {
        if *self < *other {
            return None;
        }
        let mut limbs = self.limbs.clone();
        let borrow = sub_assign(&mut limbs, &other.limbs);
        debug_assert!(!borrow);
        Some(Nat { limbs: normalize(limbs) })
    }
}

impl Ord for Nat {
    fn cmp(&self, other: &Self) -> Ordering {
        // Normalized: more limbs means larger.
        self.limbs.len().cmp(&other.limbs.len()).then_with(|| cmp_limbs(&self.limbs, &other.limbs))
    }
}

impl PartialOrd for Nat {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares equal-length limb slices (most significant limb last).
fn cmp_limbs(a: &[u64], b: &[u64]) -> Ordering {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        match x.cmp(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

/// `a -= b` over `a`'s length (`b` may be shorter); returns the final borrow.
fn sub_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = false;
    let mut bs = b.iter();
    for x in a.iter_mut() {
        let y = bs.next().copied().unwrap_or(0);
        let (d, o1) = x.overflowing_sub(y);
        let (d, o2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = o1 | o2;
    }
    borrow
}

/// `a += b` over equal lengths; returns the carry out.
fn add_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut carry = false;
    for (x, y) in a.iter_mut().zip(b) {
        let (s, o1) = x.overflowing_add(*y);
        let (s, o2) = s.overflowing_add(u64::from(carry));
        *x = s;
        carry = o1 | o2;
    }
    carry
}

/// `a + b·c + carry` as (low, high). Cannot overflow:
/// `(2^64-1) + (2^64-1)^2 + (2^64-1) = 2^128 - 1`.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let w = u128::from(b).wrapping_mul(u128::from(c)).wrapping_add(u128::from(a)).wrapping_add(u128::from(carry));
    (w as u64, w.wrapping_shr(64) as u64)
}

/// The shared middle of two rows: for each limb `t[p]`, `f0 · x0[p]` is
/// added with carry chain `c0`, then `f1 · x1[p]` with carry chain `c1`
/// (each limb loaded and stored once for both rows). Returns both carries.
#[inline(always)]
fn two_rows(t: &mut [u64], f0: u64, x0: &[u64], f1: u64, x1: &[u64], mut c0: u64, mut c1: u64) -> (u64, u64) {
    for (tp, (&y0, &y1)) in t.iter_mut().zip(x0.iter().zip(x1)) {
        let (x, c) = mac(*tp, f0, y0, c0);
        c0 = c;
        (*tp, c1) = mac(x, f1, y1, c1);
    }
    (c0, c1)
}

/// `t = a · b`; `t` has `a.len() + b.len()` limbs. Two rows at a time
/// (limbs `a[i]` and `a[i + 1]`): each limb of `t` is loaded and stored once
/// for both, and their two carry chains overlap.
fn mul_into(t: &mut [u64], a: &[u64], b: &[u64]) {
    t.fill(0);
    let (Some(&b_first), Some(&b_last)) = (b.first(), b.last()) else { return };
    let inner = b.len().saturating_sub(1);
    let b_next = b.get(1..).unwrap_or_default();
    let mut pairs = a.chunks_exact(2);
    let mut rest: &mut [u64] = t;
    for pair in &mut pairs {
        let &[a0, a1] = pair else { return };
        // Limbs i ..= i + b.len() + 1 of `t`.
        let Some(row) = rest.get_mut(..b.len().saturating_add(2)) else { return };
        let Some((first, body)) = row.split_first_mut() else { return };
        let (lo, c0) = mac(*first, a0, b_first, 0);
        *first = lo;
        let (mid, end) = body.split_at_mut(inner);
        // Limb i + j, 1 <= j < b.len(): a0·b[j] then a1·b[j - 1].
        let (c0, c1) = two_rows(mid, a0, b_next, a1, b, c0, 0);
        // Limb i + b.len(): row i's carry (a fresh limb) plus a1·b[last].
        if let [p, q] = end {
            (*p, *q) = mac(c0, a1, b_last, c1);
        }
        let Some(tail) = std::mem::take(&mut rest).get_mut(2..) else { return };
        rest = tail;
    }
    // An odd last limb of `a`: one row.
    if let &[ai] = pairs.remainder() {
        let Some((last, body)) = rest.get_mut(..=b.len()).and_then(|r| r.split_last_mut()) else { return };
        let mut carry = 0u64;
        for (tj, &bj) in body.iter_mut().zip(b) {
            (*tj, carry) = mac(*tj, ai, bj, carry);
        }
        *last = carry;
    }
}

/// `t = a^2`; `t` has `2 · a.len()` limbs. Cross products once, doubled,
/// then the diagonal squares: about half the multiplications of `mul_into`.
/// The cross products go two rows at a time, as in `mul_into`.
fn sqr_into(t: &mut [u64], a: &[u64]) {
    t.fill(0);
    // Cross products a[i]·a[j], j > i, at limb i + j: row i starts at limb
    // 2i + 1 (`rest`) with the limbs above a[i] (`higher`).
    let mut rest: &mut [u64] = t.get_mut(1..).unwrap_or_default();
    let mut higher: &[u64] = a.get(1..).unwrap_or_default();
    let mut lows = a.iter();
    // Rows i and i + 1 while row i + 1 has a product: limbs 2i + 1 ..= i + len + 1.
    while higher.len() >= 2 {
        let (Some(&ai), Some(&ai1)) = (lows.next(), lows.next()) else { return };
        let Some(window) = rest.get_mut(..higher.len().saturating_add(2)) else { return };
        let [p1, p2, mid @ .., e1, e2] = window else { return };
        let (&[h0, h1, ..], Some(&h_last)) = (higher, higher.last()) else { return };
        // Limbs 2i + 1 and 2i + 2: row i alone.
        let (x, c0) = mac(*p1, ai, h0, 0);
        *p1 = x;
        let (x, c0) = mac(*p2, ai, h1, c0);
        *p2 = x;
        // Limb p, 2i + 3 <= p < i + len: a[i]·a[p - i] then a[i + 1]·a[p - i - 1].
        let (from_third, from_second) = (higher.get(2..).unwrap_or_default(), higher.get(1..).unwrap_or_default());
        let (c0, c1) = two_rows(mid, ai, from_third, ai1, from_second, c0, 0);
        // Limb i + len: row i's carry (a fresh limb) plus a[i + 1]·a[len - 1].
        (*e1, *e2) = mac(c0, ai1, h_last, c1);
        rest = std::mem::take(&mut rest).get_mut(4..).unwrap_or_default();
        higher = higher.get(2..).unwrap_or_default();
    }
    // A last row with one product.
    if let (Some(&ai), &[h]) = (lows.next(), higher) {
        if let [p, q, ..] = rest {
            (*p, *q) = mac(*p, ai, h, 0);
        }
    }
    // Double.
    let mut top = 0u64;
    for x in t.iter_mut() {
        let next = x.wrapping_shr(63);
        *x = x.wrapping_shl(1) | top;
        top = next;
    }
    // Add a[i]^2 at limb 2i.
    let mut carry = 0u64;
    for (pair, &ai) in t.chunks_exact_mut(2).zip(a) {
        if let [lo, hi] = pair {
            let (l, h) = mac(*lo, ai, ai, carry);
            *lo = l;
            let (s, o) = hi.overflowing_add(h);
            *hi = s;
            carry = u64::from(o);
        }
    }
}

/// An odd modulus `n > 1` with its Montgomery constants.
#[derive(Clone)]
pub struct Modulus {
    n: Vec<u64>,
    /// `-n^-1 mod 2^64`.
    n0inv: u64,
    /// `R mod n`: the Montgomery form of 1.
    one: Vec<u64>,
    /// `R^2 mod n`: converts into Montgomery form.
    r2: Vec<u64>,
}

/// Reusable buffers for one modulus (no allocation per multiplication).
struct Scratch {
    t: Vec<u64>,
}

impl Modulus {
    /// None unless `n` is odd and greater than 1.
    pub fn new(n: &Nat) -> Option<Modulus> {
        if !n.is_odd() || n.bits() < 2 {
            return None;
        }
        let limbs = n.limbs.clone();
        let k = limbs.len();
        let n0 = *limbs.first()?;
        // Newton iteration for n0^-1 mod 2^64: each step doubles the correct
        // low bits; n0 is its own inverse mod 8 (3 bits), so 5 steps reach 96.
        let mut inv = n0;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
        }
        debug_assert_eq!(n0.wrapping_mul(inv), 1);
        let mut m = Modulus { n: limbs, n0inv: inv.wrapping_neg(), one: Vec::new(), r2: Vec::new() };
        let mut scratch = m.scratch();
        // 64k = 2^s · odd. x = 2^(64k + d) mod n is the Montgomery form of
        // 2^d; with d = odd · 2^j, s - j squarings turn it into the form of
        // 2^(64k), i.e. R^2 mod n. A doubling costs about k limb steps and a
        // squaring about 1.5·k² multiplications, so j trades squarings for
        // doublings while 2^j <= k.
        let total_bits = k.checked_mul(64)?;
        let s = total_bits.trailing_zeros();
        let j = s.min(k.ilog2());
        let odd = total_bits.checked_shr(s)?.checked_shl(j)?;
        let s = s.checked_sub(j)?;
        // Start below n at 2^(bits-1) (n is odd and > 1, so not a power of two).
        let nbits = n.bits();
        let mut x = vec![0u64; k];
        let top = nbits.checked_sub(1)?;
        *x.get_mut(top / 64)? = 1u64.checked_shl((top % 64) as u32)?;
        let to_one = total_bits.checked_sub(top)?;
        for _ in 0..to_one {
            m.double(&mut x);
        }
        m.one = x.clone();
        for _ in 0..odd {
            m.double(&mut x);
        }
        let mut y = vec![0u64; k];
        for _ in 0..s {
            m.mont_sqr(&x, &mut y, &mut scratch);
            std::mem::swap(&mut x, &mut y);
        }
        m.r2 = x;
        Some(m)
    }

    /// True when this is the modulus `n`.
    pub fn is(&self, n: &Nat) -> bool {
        self.n == n.limbs
    }

    fn scratch(&self) -> Scratch {
        Scratch { t: vec![0u64; self.n.len().saturating_mul(2)] }
    }

    /// `x = 2x mod n` for `x < n`.
    fn double(&self, x: &mut [u64]) {
        let mut top = 0u64;
        for l in x.iter_mut() {
            let next = l.wrapping_shr(63);
            *l = l.wrapping_shl(1) | top;
            top = next;
        }
        if top != 0 || cmp_limbs(x, &self.n) != Ordering::Less {
            // 2x < 2n, so one subtraction; a carried-out top bit cancels the borrow.
            sub_assign(x, &self.n);
        }
    }

    /// Montgomery reduction of the `2k`-limb `t` (`t < n·R`) into `out` (`k` limbs, `< n`).
    /// Two rows at a time: row `i + 1`'s factor is known once row `i` has
    /// passed limb `i + 1`, and from there the two rows share each limb's
    /// load and store and overlap their carry chains. The result is that of
    /// one row after another, limb for limb.
    fn redc(&self, t: &mut [u64], out: &mut [u64]) {
        let k = self.n.len();
        let n = &self.n;
        let (Some(&n_first), Some(&n_last)) = (n.first(), n.last()) else { return };
        let n_second = n.get(1).copied().unwrap_or(0);
        let n_from_second = n.get(1..).unwrap_or_default();
        let n_from_third = n.get(2..).unwrap_or_default();
        let mut top = 0u64;
        let mut rest: &mut [u64] = t;
        let mut rows = k;
        while rows >= 2 {
            // Limbs i ..= i + k + 1.
            let Some(window) = rest.get_mut(..k.saturating_add(2)) else { return };
            let [t0, t1, mid @ .., tk, tk1] = window else { return };
            let m0 = t0.wrapping_mul(self.n0inv);
            let (_, c0) = mac(*t0, m0, n_first, 0);
            let (y, c0) = mac(*t1, m0, n_second, c0);
            let m1 = y.wrapping_mul(self.n0inv);
            let (_, c1) = mac(y, m1, n_first, 0);
            // Limb i + j, 2 <= j < k: m0·n[j] then m1·n[j - 1].
            let (c0, c1) = two_rows(mid, m0, n_from_third, m1, n_from_second, c0, c1);
            // Limb i + k: row i ends (its carry and the incoming top), then
            // row i + 1 adds m1·n[k - 1]; limb i + k + 1: row i + 1 ends.
            let (s, o1) = tk.overflowing_add(c0);
            let (s, o2) = s.overflowing_add(top);
            let (x, c) = mac(s, m1, n_last, c1);
            *tk = x;
            let (s, o3) = tk1.overflowing_add(c);
            let (s, o4) = s.overflowing_add(u64::from(o1 | o2));
            *tk1 = s;
            top = u64::from(o3 | o4);
            let Some(tail) = std::mem::take(&mut rest).get_mut(2..) else { return };
            rest = tail;
            rows = rows.saturating_sub(2);
        }
        if rows == 1 {
            let Some((last, body)) = rest.get_mut(..=k).and_then(|r| r.split_last_mut()) else { return };
            let m = body.first().copied().unwrap_or(0).wrapping_mul(self.n0inv);
            let mut carry = 0u64;
            for (tj, &nj) in body.iter_mut().zip(n) {
                (*tj, carry) = mac(*tj, m, nj, carry);
            }
            // last + carry + top <= 2^65 - 1: at most one overflow.
            let (s, o1) = last.overflowing_add(carry);
            let (s, o2) = s.overflowing_add(top);
            *last = s;
            top = u64::from(o1 | o2);
            let Some((_, tail)) = std::mem::take(&mut rest).split_first_mut() else { return };
            rest = tail;
        }
        for (o, r) in out.iter_mut().zip(rest.iter()) {
            *o = *r;
        }
        if top != 0 || cmp_limbs(out, &self.n) != Ordering::Less {
            sub_assign(out, &self.n);
        }
    }

    /// `out = a·b·R^-1 mod n`; needs `a < R`, `b < n` (or both `< n`).
    fn mont_mul(&self, a: &[u64], b: &[u64], out: &mut [u64], s: &mut Scratch) {
        mul_into(&mut s.t, a, b);
        self.redc(&mut s.t, out);
    }

    /// `out = a^2·R^-1 mod n` for `a < n`.
    fn mont_sqr(&self, a: &[u64], out: &mut [u64], s: &mut Scratch) {
        sqr_into(&mut s.t, a);
        self.redc(&mut s.t, out);
    }

    /// `x mod n` for any `x`, in Montgomery form (`x·R mod n`). Horner over
    /// `k`-limb chunks, top first: `acc' = acc·R + chunk`, each chunk
    /// converted by one multiplication with `R^2` (chunk `< R`, `R^2 mod n < n`).
    fn to_mont(&self, x: &Nat, s: &mut Scratch) -> Vec<u64> {
        let k = self.n.len();
        let mut acc = vec![0u64; k];
        let mut tmp = vec![0u64; k];
        let mut chunk = vec![0u64; k];
        let mut first = true;
        for c in x.limbs.chunks(k).rev() {
            chunk.fill(0);
            for (d, v) in chunk.iter_mut().zip(c) {
                *d = *v;
            }
            if !first {
                self.mont_mul(&acc, &self.r2, &mut tmp, s);
                std::mem::swap(&mut acc, &mut tmp);
            }
            first = false;
            self.mont_mul(&chunk, &self.r2, &mut tmp, s);
            let carry = add_assign(&mut acc, &tmp);
            if carry || cmp_limbs(&acc, &self.n) != Ordering::Less {
                sub_assign(&mut acc, &self.n);
            }
        }
        acc
    }

    /// Out of Montgomery form.
    fn out_of_mont(&self, x: &[u64], s: &mut Scratch) -> Nat {
        let mut unit = vec![0u64; self.n.len()];
        if let Some(u) = unit.first_mut() {
            *u = 1;
        }
        let mut out = vec![0u64; self.n.len()];
        self.mont_mul(x, &unit, &mut out, s);
        Nat { limbs: normalize(out) }
    }

    /// `x mod n`.
    pub fn reduce(&self, x: &Nat) -> Nat {
        let mut s = self.scratch();
        let m = self.to_mont(x, &mut s);
        self.out_of_mont(&m, &mut s)
    }

    /// `a · b mod n`.
    pub fn mul_mod(&self, a: &Nat, b: &Nat) -> Nat {
        let mut s = self.scratch();
        let am = self.to_mont(a, &mut s);
        let bm = self.to_mont(b, &mut s);
        let mut out = vec![0u64; self.n.len()];
        self.mont_mul(&am, &bm, &mut out, &mut s);
        self.out_of_mont(&out, &mut s)
    }

    /// `base^exp mod n`.
    pub fn pow(&self, base: &Nat, exp: &Nat) -> Nat {
        self.multi_pow(&[(base, exp)])
    }

    /// `Π base_i^exp_i mod n`, the squarings shared between the terms.
    pub fn multi_pow(&self, terms: &[(&Nat, &Nat)]) -> Nat {
        let mut s = self.scratch();
        let k = self.n.len();
        let max_bits = terms.iter().map(|(_, e)| e.bits()).max().unwrap_or(0);
        // Window width: plain square-and-multiply for short exponents (65537),
        // wider windows once the table's cost is spread over enough windows.
        let w: usize = match max_bits {
            0..=24 => 1,
            25..=80 => 3,
            81..=768 => 4,
            _ => 5,
        };
        // tables[i][j] = Montgomery form of base_i^j, j < 2^w.
        let tables: Vec<Vec<Vec<u64>>> = terms
            .iter()
            .map(|(b, _)| {
                let bm = self.to_mont(b, &mut s);
                let mut table = vec![self.one.clone(), bm.clone()];
                for _ in 2..(1usize << w) {
                    let mut next = vec![0u64; k];
                    if let Some(prev) = table.last() {
                        self.mont_mul(prev, &bm, &mut next, &mut s);
                    }
                    table.push(next);
                }
                table
            })
            .collect();
        let mut acc = self.one.clone();
        let mut tmp = vec![0u64; k];
        let mut started = false;
        let windows = max_bits.div_ceil(w);
        for win in (0..windows).rev() {
            let lo = win.saturating_mul(w);
            if started {
                for _ in 0..w {
                    self.mont_sqr(&acc, &mut tmp, &mut s);
                    std::mem::swap(&mut acc, &mut tmp);
                }
            }
            for ((_, e), table) in terms.iter().zip(&tables) {
                let digit =
                    (0..w).rev().fold(0usize, |d, i| d.wrapping_shl(1) | usize::from(e.bit(lo.saturating_add(i))));
                if digit == 0 {
                    continue;
                }
                let Some(entry) = table.get(digit) else { continue };
                if started {
                    self.mont_mul(&acc, entry, &mut tmp, &mut s);
                    std::mem::swap(&mut acc, &mut tmp);
                } else {
                    acc.clone_from(entry);
                    started = true;
                }
            }
        }
        self.out_of_mont(&acc, &mut s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(super) mod tests {
    use super::*;
    use rsa::BigUint;

    /// Deterministic xorshift64* stream.
    pub(in crate::verify) struct Rng(pub(in crate::verify) u64);
    impl Rng {
        pub(in crate::verify) fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn bytes(&mut self, bits: usize) -> Vec<u8> {
            let len = bits.div_ceil(8);
            let mut v: Vec<u8> = (0..len).map(|_| self.next() as u8).collect();
            let extra = len * 8 - bits;
            if let Some(b) = v.first_mut() {
                *b &= 0xff >> extra;
                // Exercise both full-size and shorter values.
                if self.next() % 4 != 0 {
                    *b |= 0x80 >> extra;
                }
            }
            v
        }
    }

    fn big(n: &Nat) -> BigUint {
        BigUint::from_bytes_be(&n.to_be_bytes())
    }

    fn nat(b: &BigUint) -> Nat {
        Nat::from_be_bytes(&b.to_bytes_be())
    }

    fn odd_modulus(rng: &mut Rng, bits: usize) -> Nat {
        let mut b = rng.bytes(bits);
        b[0] |= 0x80 >> (b.len() * 8 - bits);
        *b.last_mut().unwrap() |= 1;
        Nat::from_be_bytes(&b)
    }

    #[test]
    fn bytes_round_trip_and_compare() {
        assert!(Nat::from_be_bytes(&[]).is_zero());
        assert!(Nat::from_be_bytes(&[0, 0, 0]).is_zero());
        let x = Nat::from_be_bytes(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(x.to_be_bytes(), vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(x.bits(), 65);
        assert_eq!(x.to_be_bytes_padded(11).unwrap(), vec![0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(x.to_be_bytes_padded(8), None);
        assert!(Nat::from_u64(1 << 40) < x);
        assert!(Nat::from_u64(3) > Nat::from_u64(2));
        assert_eq!(x.checked_sub(&x), Some(Nat::default()));
        assert_eq!(Nat::from_u64(2).checked_sub(&Nat::from_u64(3)), None);
        assert!(Nat::from_u64(1 << 63).bit(63));
        assert!(!Nat::from_u64(1 << 63).bit(62));
        assert!(!Nat::from_u64(5).bit(1000));
    }

    #[test]
    fn modulus_rejects_even_and_one() {
        assert!(Modulus::new(&Nat::from_u64(0)).is_none());
        assert!(Modulus::new(&Nat::from_u64(1)).is_none());
        assert!(Modulus::new(&Nat::from_u64(10)).is_none());
        assert!(Modulus::new(&Nat::from_u64(3)).is_some());
    }

    #[test]
    fn small_modulus_by_hand() {
        let m = Modulus::new(&Nat::from_u64(101)).unwrap();
        assert_eq!(m.pow(&Nat::from_u64(3), &Nat::from_u64(100)), Nat::from_u64(1));
        assert_eq!(m.pow(&Nat::from_u64(2), &Nat::from_u64(10)), Nat::from_u64(1024 % 101));
        assert_eq!(m.pow(&Nat::from_u64(0), &Nat::from_u64(0)), Nat::from_u64(1));
        assert_eq!(m.pow(&Nat::from_u64(0), &Nat::from_u64(5)), Nat::default());
        assert_eq!(m.pow(&Nat::from_u64(202), &Nat::from_u64(5)), Nat::default());
        assert_eq!(m.mul_mod(&Nat::from_u64(100), &Nat::from_u64(100)), Nat::from_u64(1));
        assert_eq!(m.reduce(&Nat::from_u64(u64::MAX)), Nat::from_u64(u64::MAX % 101));
        let m = Modulus::new(&Nat::from_u64(u64::MAX)).unwrap();
        assert_eq!(m.pow(&Nat::from_u64(u64::MAX - 1), &Nat::from_u64(2)), Nat::from_u64(1));
    }

    /// Checks against num-bigint-dig on pseudo-random odd moduli of `bits`.
    fn compare(rng: &mut Rng, bits: usize, rounds: usize) {
        for _ in 0..rounds {
            let n = odd_modulus(rng, bits);
            let m = Modulus::new(&n).unwrap();
            let bn = big(&n);
            let one = BigUint::from(1u8);
            // R^2 mod n.
            let r2 = (&one << (128 * n.limbs.len())) % &bn;
            assert_eq!(Nat { limbs: normalize(m.r2.clone()) }, nat(&r2), "R^2 for {bits} bits");
            // Bases: random below n, above n, 0, 1, n-1, n, much longer than n.
            let bases = [
                Nat::from_be_bytes(&rng.bytes(bits)),
                Nat::from_be_bytes(&rng.bytes(bits + 70)),
                Nat::default(),
                Nat::from_u64(1),
                n.checked_sub(&Nat::from_u64(1)).unwrap(),
                n.clone(),
                Nat::from_be_bytes(&rng.bytes(3 * bits + 5)),
            ];
            let long_exp = rng.next() as usize % 1200 + 1;
            let exps = [
                Nat::default(),
                Nat::from_u64(1),
                Nat::from_u64(65537),
                Nat::from_u64(3),
                Nat::from_be_bytes(&rng.bytes(160)),
                Nat::from_be_bytes(&rng.bytes(long_exp)),
            ];
            for b in &bases {
                let bb = big(b);
                assert_eq!(m.reduce(b), nat(&(&bb % &bn)), "reduce {bits}");
                for e in &exps {
                    // Big exponents on big moduli are slow in num-bigint-dig (debug): sample.
                    if bits > 2048 && e.bits() > 20 && (e.bits() != 160 || bits > 4096) {
                        continue;
                    }
                    let want = bb.modpow(&big(e), &bn);
                    assert_eq!(m.pow(b, e), nat(&want), "pow {bits}: {b:?}^{e:?}");
                }
            }
            let (a, b) = (&bases[0], &bases[1]);
            assert_eq!(m.mul_mod(a, b), nat(&((big(a) * big(b)) % &bn)), "mul_mod {bits}");
            assert_eq!(m.mul_mod(&bases[6], &bases[4]), nat(&((big(&bases[6]) * big(&bases[4])) % &bn)));
            // Interleaved product of two powers.
            let (e1, e2) = match bits {
                ..=2048 => (&exps[4], &exps[5]),
                2049..=4096 => (&exps[4], &exps[2]),
                _ => (&exps[3], &exps[2]),
            };
            let want = (big(a).modpow(&big(e1), &bn) * big(b).modpow(&big(e2), &bn)) % &bn;
            assert_eq!(m.multi_pow(&[(a, e1), (b, e2)]), nat(&want), "multi_pow {bits}");
        }
    }

    #[test]
    fn matches_num_bigint_small() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for bits in [2, 3, 17, 63, 64, 65, 127, 128, 129, 160, 256, 511, 1000, 1024] {
            compare(&mut rng, bits, 6);
        }
    }

    #[test]
    fn matches_num_bigint_large() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for bits in [2048, 3072, 4095, 4096, 8192, 16384] {
            let t = std::time::Instant::now();
            compare(&mut rng, bits, 1);
            eprintln!("{bits}: {:?}", t.elapsed());
        }
    }

    /// Montgomery reduction limb by limb, one row after another: what
    /// `redc` computed before it took two rows at a time.
    fn redc_one_row_at_a_time(m: &Modulus, t: &mut [u64], out: &mut [u64]) {
        let k = m.n.len();
        let mut top = 0u64;
        for i in 0..k {
            let mul = t[i].wrapping_mul(m.n0inv);
            let mut carry = 0u64;
            for j in 0..k {
                (t[i + j], carry) = mac(t[i + j], mul, m.n[j], carry);
            }
            let (s, o1) = t[i + k].overflowing_add(carry);
            let (s, o2) = s.overflowing_add(top);
            t[i + k] = s;
            top = u64::from(o1 | o2);
        }
        out.copy_from_slice(&t[k..]);
        if top != 0 || cmp_limbs(out, &m.n) != Ordering::Less {
            sub_assign(out, &m.n);
        }
    }

    #[test]
    fn two_row_reduction_matches_one_row_and_num_bigint() {
        let mut rng = Rng(0x5eed_0f2e_dc00_0001);
        // Limbs near 0 and 2^64 make the rare carries (a row's end meeting
        // the previous rows' top) happen; small sizes get many rounds.
        let edgy = |rng: &mut Rng| match rng.next() % 5 {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            3 => u64::MAX - 1,
            _ => rng.next(),
        };
        for k in 1..=21usize {
            let rounds = if k <= 6 { 3000 } else { 12 };
            for round in 0..rounds {
                // All-ones limbs, 2^(64k-1) + 1, and random odd moduli of k limbs.
                let n = match round {
                    0 => Nat { limbs: vec![u64::MAX; k] },
                    1 => {
                        let mut limbs = vec![0u64; k];
                        limbs[0] = 1;
                        limbs[k - 1] |= 1 << 63;
                        Nat { limbs }
                    }
                    2..=5 => {
                        let bits = 64 * k - (rng.next() % 64) as usize;
                        odd_modulus(&mut rng, bits)
                    }
                    _ => {
                        let mut limbs: Vec<u64> = (0..k).map(|_| edgy(&mut rng)).collect();
                        limbs[0] |= 1;
                        limbs[k - 1] |= 1 << 63;
                        Nat { limbs }
                    }
                };
                let m = Modulus::new(&n).unwrap();
                assert_eq!(m.n.len(), k);
                let bn = big(&n);
                let r = BigUint::from(1u8) << (64 * k);
                let limit = &bn * &r;
                // t < n·R: the largest, random below it, and short.
                let t_big = match round % 4 {
                    0 => &limit - BigUint::from(1u8),
                    1 => BigUint::from_bytes_be(&rng.bytes(128 * k)) % &limit,
                    2 => BigUint::from_bytes_be(&rng.bytes(64 * k + 5)),
                    _ => big(&Nat { limbs: normalize((0..2 * k).map(|_| edgy(&mut rng)).collect()) }) % &limit,
                };
                let mut t: Vec<u64> = nat(&t_big).limbs;
                t.resize(2 * k, 0);
                let mut t2 = t.clone();
                let (mut out, mut out2) = (vec![0u64; k], vec![0u64; k]);
                m.redc(&mut t, &mut out);
                redc_one_row_at_a_time(&m, &mut t2, &mut out2);
                assert_eq!(out, out2, "k {k} round {round}");
                // out < n and out·R ≡ t (mod n).
                let got = big(&Nat { limbs: normalize(out) });
                assert!(got < bn, "k {k} round {round}");
                assert_eq!((got * &r) % &bn, &t_big % &bn, "k {k} round {round}");
            }
        }
    }

    #[test]
    fn squaring_matches_multiplication() {
        let mut rng = Rng(42);
        for len in 1..40 {
            let a: Vec<u64> = (0..len).map(|_| rng.next()).collect();
            let mut t1 = vec![0u64; 2 * len];
            let mut t2 = vec![0u64; 2 * len];
            mul_into(&mut t1, &a, &a);
            sqr_into(&mut t2, &a);
            assert_eq!(t1, t2, "len {len}");
        }
        // All-ones limbs: every carry path at its maximum.
        let a = vec![u64::MAX; 9];
        let mut t1 = vec![0u64; 18];
        let mut t2 = vec![0u64; 18];
        mul_into(&mut t1, &a, &a);
        sqr_into(&mut t2, &a);
        assert_eq!(t1, t2);
    }
}

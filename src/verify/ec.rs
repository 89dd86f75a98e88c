//! ECDSA verification in variable time, for P-256, P-384 and P-521.
//!
//! Everything a verifier handles is public (key, digest, signature), so
//! nothing needs constant time. `ecdsa::hazmat::verify_prehashed` computes
//! `u1·G + u2·Q` as two separate constant-time scalar multiplications
//! (primeorder 0.13 has no combined one): about 660 point operations for
//! P-256, each window's table read by a masked scan. [`verify_prehash`]
//! makes the same checks and computes the sum with one chain of doublings
//! shared by both scalars, each scalar in width-5 non-adjacent form (a
//! nonzero digit every 6 bits on average): about 360 point operations,
//! with the same complete formulas of the same crates.

use ecdsa::elliptic_curve::{
    group::{Curve as _, Group as _},
    ops::{Invert as _, Reduce},
    point::AffineCoordinates as _,
    CurveArithmetic, FieldBytes, NonZeroScalar, PrimeCurve, ProjectivePoint, Scalar,
};

/// Width of the non-adjacent form: digits are odd, in `-15..=15`.
const WINDOW: u32 = 5;

/// Odd multiples `P, 3P, ..., 15P` kept per point.
const TABLE: usize = 1 << (WINDOW - 2);

/// What `VerifyingKey::verify_prehash` decides for `key`, the digest
/// `prehash` (truncated or left-padded to the field size as ECDSA takes it;
/// under half the field size refused) and the signature `(r, s)`
/// (`Signature::split_scalars`: parsing has checked both to be in 1..n).
pub fn verify_prehash<C>(key: &C::AffinePoint, prehash: &[u8], (r, s): (NonZeroScalar<C>, NonZeroScalar<C>)) -> bool
where
    C: PrimeCurve + CurveArithmetic,
{
    let Ok(z) = ecdsa::hazmat::bits2field::<C>(prehash) else { return false };
    let z = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&z);
    let s_inv = *s.invert_vartime();
    let u1 = z * s_inv;
    let u2 = *r * s_inv;
    let sum = lincomb_vartime::<C>(&ProjectivePoint::<C>::generator(), &u1, &ProjectivePoint::<C>::from(*key), &u2);
    // The point at infinity has x = 0 here, as in the crates; r is never 0.
    let x = sum.to_affine().x();
    *r == <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&x)
}

/// `a·p + b·q`, the doublings shared, in time that depends on the scalars.
pub fn lincomb_vartime<C: CurveArithmetic>(
    p: &ProjectivePoint<C>,
    a: &Scalar<C>,
    q: &ProjectivePoint<C>,
    b: &Scalar<C>,
) -> ProjectivePoint<C> {
    let (fa, fb): (FieldBytes<C>, FieldBytes<C>) = ((*a).into(), (*b).into());
    let (da, db) = (naf(&fa), naf(&fb));
    let (tp, tq) = (odd_multiples::<C>(p), odd_multiples::<C>(q));
    let mut acc = ProjectivePoint::<C>::identity();
    let mut started = false;
    for i in (0..da.len().max(db.len())).rev() {
        if started {
            acc = acc.double();
        }
        for (digits, table) in [(&da, &tp), (&db, &tq)] {
            let d = digits.get(i).copied().unwrap_or(0);
            let Some(m) = table.get(usize::from(d.unsigned_abs() / 2)) else { continue };
            if d > 0 {
                acc += m;
            } else if d < 0 {
                acc -= m;
            } else {
                continue;
            }
            started = true;
        }
    }
    acc
}

/// `P, 3P, 5P, ..., 15P`.
fn odd_multiples<C: CurveArithmetic>(p: &ProjectivePoint<C>) -> [ProjectivePoint<C>; TABLE] {
    let twice = p.double();
    let mut out = [*p; TABLE];
    let mut next = *p;
    for slot in out.iter_mut().skip(1) {
        next += twice;
        *slot = next;
    }
    out
}

/// The width-5 non-adjacent form of the big-endian integer `be`, least
/// significant digit first: every nonzero digit is odd, in `-15..=15`, and
/// is followed by at least four zeros.
fn naf(be: &[u8]) -> Vec<i8> {
    // Little-endian 64-bit limbs, one spare for the carry of a negative digit.
    let mut limbs: Vec<u64> = be
        .rchunks(8)
        .map(|c| c.iter().fold(0u64, |v, &b| v.wrapping_shl(8) | u64::from(b)))
        .chain(std::iter::once(0))
        .collect();
    let mut out = Vec::with_capacity(be.len().saturating_mul(8).saturating_add(1));
    while limbs.iter().any(|&l| l != 0) {
        let low = limbs.first().copied().unwrap_or(0);
        let mut digit = 0i8;
        if low & 1 == 1 {
            // low mod 2^5 is below 32, so it fits an i8; take it into -15..=15.
            let m = (low & 0x1f) as i8;
            digit = if m > 15 { m - 32 } else { m };
            // k -= digit: clears the low 5 bits (a negative digit carries up).
            add_or_sub(&mut limbs, digit.unsigned_abs(), digit < 0);
        }
        out.push(digit);
        shr1(&mut limbs);
    }
    out
}

/// `limbs += v` when `add`, else `limbs -= v`.
fn add_or_sub(limbs: &mut [u64], v: u8, add: bool) {
    let mut carry = u64::from(v);
    for l in limbs.iter_mut() {
        let (r, o) = if add { l.overflowing_add(carry) } else { l.overflowing_sub(carry) };
        *l = r;
        carry = u64::from(o);
        if carry == 0 {
            break;
        }
    }
}

fn shr1(limbs: &mut [u64]) {
    let mut high = 0u64;
    for l in limbs.iter_mut().rev() {
        let next = *l & 1;
        *l = l.wrapping_shr(1) | high.wrapping_shl(63);
        high = next;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::verify::bigmod::tests::Rng;
    use ecdsa::elliptic_curve::ff::{Field, PrimeField};
    use ecdsa::signature::hazmat::PrehashVerifier;

    fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
        (0..n).map(|_| rng.next() as u8).collect()
    }

    /// A scalar from random bytes of the field's size (reduced mod n).
    fn random_scalar<C: CurveArithmetic>(rng: &mut Rng) -> Scalar<C> {
        let mut field = FieldBytes::<C>::default();
        let len = field.len();
        field.copy_from_slice(&bytes(rng, len));
        <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&field)
    }

    #[test]
    fn naf_digits_rebuild_the_number_and_are_sparse_and_odd() {
        let mut rng = Rng(1);
        for len in [0usize, 1, 2, 8, 9, 32, 48, 66] {
            for _ in 0..50 {
                let mut be = bytes(&mut rng, len);
                if len > 0 && rng.next() % 4 == 0 {
                    be.iter_mut().for_each(|b| *b = 0xff);
                }
                let digits = naf(&be);
                // Σ d_i·2^i: the positive digits' sum equals the number plus the negative ones'.
                let (mut pos, mut neg) = (rsa::BigUint::from(0u8), rsa::BigUint::from(0u8));
                for &d in digits.iter().rev() {
                    pos = (pos << 1usize) + rsa::BigUint::from(d.max(0).unsigned_abs());
                    neg = (neg << 1usize) + rsa::BigUint::from(d.min(0).unsigned_abs());
                }
                assert_eq!(pos, rsa::BigUint::from_bytes_be(&be) + neg);
                for (i, &d) in digits.iter().enumerate() {
                    if d != 0 {
                        assert!(d % 2 != 0 && (-15..=15).contains(&d), "{d}");
                        assert!(digits[i + 1..].iter().take(4).all(|&z| z == 0), "{digits:?}");
                    }
                }
                assert!(digits.len() <= len * 8 + 1);
            }
        }
    }

    /// lincomb_vartime against the crates' constant-time products, with
    /// random, small, zero and n-1 scalars.
    fn lincomb_matches<C: CurveArithmetic>(seed: u64) {
        let mut rng = Rng(seed);
        let size = FieldBytes::<C>::default().len();
        let scalar = |rng: &mut Rng, kind: u64| -> Scalar<C> {
            match kind {
                0 => Scalar::<C>::ZERO,
                1 => Scalar::<C>::from(rng.next() % 40),
                2 => -Scalar::<C>::ONE,
                _ => random_scalar::<C>(rng),
            }
        };
        let g = ProjectivePoint::<C>::generator();
        for i in 0..40u64 {
            let q = g * scalar(&mut rng, 3);
            let (a, b) = (scalar(&mut rng, i % 5), scalar(&mut rng, (i / 5) % 5));
            assert_eq!(lincomb_vartime::<C>(&g, &a, &q, &b), g * a + q * b, "case {i}");
        }
        assert!(Scalar::<C>::NUM_BITS as usize <= size * 8);
    }

    #[test]
    fn lincomb_matches_the_constant_time_products_on_every_curve() {
        lincomb_matches::<p256::NistP256>(2);
        lincomb_matches::<p384::NistP384>(3);
        lincomb_matches::<p521::NistP521>(4);
    }

    /// An ECDSA signature of `digest` with key `d` and nonce `k` (SEC1 4.1.3).
    fn sign<C: PrimeCurve + CurveArithmetic>(
        d: &Scalar<C>,
        k: &Scalar<C>,
        digest: &[u8],
    ) -> Option<(NonZeroScalar<C>, NonZeroScalar<C>)> {
        let z = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&ecdsa::hazmat::bits2field::<C>(digest).ok()?);
        let r = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&(ProjectivePoint::<C>::generator() * k).to_affine().x());
        let s = Option::<Scalar<C>>::from(Field::invert(k))? * (z + r * d);
        Some((Option::from(NonZeroScalar::new(r))?, Option::from(NonZeroScalar::new(s))?))
    }

    /// verify_prehash decides as the crate's verifier (`check`) does:
    /// signatures over digests of every length ECDSA takes, each also with
    /// the digest changed and with s changed.
    fn agrees_with_the_crate<C: PrimeCurve + CurveArithmetic>(
        seed: u64,
        check: impl Fn(&C::AffinePoint, &[u8], (NonZeroScalar<C>, NonZeroScalar<C>)) -> bool,
    ) {
        let mut rng = Rng(seed);
        let size = FieldBytes::<C>::default().len();
        let (mut good, mut bad) = (0, 0);
        for len in [size / 2 - 1, size / 2, 20, 28, 32, 48, 64, size] {
            for _ in 0..4 {
                let (d, k) = (random_scalar::<C>(&mut rng), random_scalar::<C>(&mut rng));
                let key = (ProjectivePoint::<C>::generator() * d).to_affine();
                let digest = bytes(&mut rng, len);
                let Some((r, s)) = sign::<C>(&d, &k, &digest) else {
                    // Under half the field size: refused by both.
                    assert!(len < size / 2, "no signature over a {len}-byte digest");
                    let one = NonZeroScalar::<C>::new(Scalar::<C>::ONE).unwrap();
                    assert!(!check(&key, &digest, (one, one)));
                    assert!(!verify_prehash::<C>(&key, &digest, (one, one)));
                    continue;
                };
                let mut tampered = digest.clone();
                tampered[0] ^= 1;
                let other_s = NonZeroScalar::<C>::new(*s + Scalar::<C>::ONE).unwrap();
                for (dg, sig) in [(&digest, (r, s)), (&tampered, (r, s)), (&digest, (r, other_s))] {
                    let want = check(&key, dg, sig);
                    assert_eq!(verify_prehash::<C>(&key, dg, sig), want, "{len}-byte digest");
                    if want {
                        good += 1;
                    } else {
                        bad += 1;
                    }
                }
            }
        }
        // Every signature made verifies; with its digest or s changed it does not.
        assert!(good >= 16 && bad == 2 * good, "{good} verified, {bad} refused");
    }

    #[test]
    fn verify_prehash_agrees_with_the_crates_on_every_curve() {
        agrees_with_the_crate::<p256::NistP256>(5, |key, digest, (r, s)| {
            let vk = p256::ecdsa::VerifyingKey::from_affine(*key).unwrap();
            vk.verify_prehash(digest, &p256::ecdsa::Signature::from_scalars(r, s).unwrap()).is_ok()
        });
        agrees_with_the_crate::<p384::NistP384>(6, |key, digest, (r, s)| {
            let vk = p384::ecdsa::VerifyingKey::from_affine(*key).unwrap();
            vk.verify_prehash(digest, &p384::ecdsa::Signature::from_scalars(r, s).unwrap()).is_ok()
        });
        agrees_with_the_crate::<p521::NistP521>(7, |key, digest, (r, s)| {
            let vk = p521::ecdsa::VerifyingKey::from_affine(*key).unwrap();
            vk.verify_prehash(digest, &p521::ecdsa::Signature::from_scalars(r, s).unwrap()).is_ok()
        });
    }
}

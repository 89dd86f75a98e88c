//! ECDSA in variable time (`cleanscan::verify::ec`) against the crates'
//! constant-time code, on P-256, P-384 and P-521. From the input: the key,
//! a nonce, a digest of any length and a tampering. Asserts that
//! `lincomb_vartime` equals the crates' `a·G + b·Q`, and that
//! `verify_prehash` accepts and refuses exactly what the crate's
//! `VerifyingKey::verify_prehash` does: signatures made here (so that many
//! verify), each left as made or with the digest, r or s changed, or r and
//! s taken from the input.
#![no_main]
use cleanscan::verify::ec::{lincomb_vartime, verify_prehash};
use ecdsa::elliptic_curve::{
    ff::Field,
    group::{Curve as _, Group as _},
    ops::Reduce,
    point::AffineCoordinates as _,
    CurveArithmetic, FieldBytes, NonZeroScalar, PrimeCurve, ProjectivePoint, Scalar,
};
use libfuzzer_sys::fuzz_target;

/// The next field-sized scalar of `data` (reduced mod n), zeros past its end.
fn scalar<C: CurveArithmetic>(data: &mut &[u8]) -> Scalar<C> {
    let mut field = FieldBytes::<C>::default();
    let n = field.len().min(data.len());
    field[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&field)
}

type Check<C> = fn(&<C as CurveArithmetic>::AffinePoint, &[u8], NonZeroScalar<C>, NonZeroScalar<C>) -> bool;

fn run<C: PrimeCurve + CurveArithmetic>(mut data: &[u8], crate_verify: Check<C>) {
    let Some((&how, rest)) = data.split_first() else { return };
    data = rest;
    let d = scalar::<C>(&mut data);
    let k = scalar::<C>(&mut data);
    let g = ProjectivePoint::<C>::generator();
    let q = g * d;
    assert_eq!(lincomb_vartime::<C>(&g, &k, &q, &d), g * k + q * d);
    if bool::from(q.is_identity()) {
        return;
    }
    let key = q.to_affine();
    let Some((&len, rest)) = data.split_first() else { return };
    let digest = &rest[..usize::from(len).min(rest.len())];
    let mut rest = &rest[digest.len()..];
    // A signature made with key d and nonce k (SEC1 4.1.3), when there is one.
    let made: Option<(NonZeroScalar<C>, NonZeroScalar<C>)> = (|| {
        let z = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&ecdsa::hazmat::bits2field::<C>(digest).ok()?);
        let r = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&(g * k).to_affine().x());
        let s = Option::<Scalar<C>>::from(Field::invert(&k))? * (z + r * d);
        Some((Option::from(NonZeroScalar::new(r))?, Option::from(NonZeroScalar::new(s))?))
    })();
    let mut changed = digest.to_vec();
    let (r, s, digest) = match (how % 5, made) {
        (0, Some((r, s))) => (r, s, digest),
        (1, Some((r, s))) if !changed.is_empty() => {
            let at = usize::from(how) % changed.len();
            changed[at] ^= 1 << (how % 8);
            (r, s, &changed[..])
        }
        (2, Some((r, s))) => match Option::from(NonZeroScalar::new(*s + Scalar::<C>::ONE)) {
            Some(s2) => (r, s2, digest),
            None => return,
        },
        (3, Some((r, s))) => match Option::from(NonZeroScalar::new(*r + Scalar::<C>::ONE)) {
            Some(r2) => (r2, s, digest),
            None => return,
        },
        _ => {
            let r = Option::from(NonZeroScalar::new(scalar::<C>(&mut rest)));
            let s = Option::from(NonZeroScalar::new(scalar::<C>(&mut rest)));
            match (r, s) {
                (Some(r), Some(s)) => (r, s, digest),
                _ => return,
            }
        }
    };
    let want = crate_verify(&key, digest, r, s);
    assert_eq!(verify_prehash::<C>(&key, digest, (r, s)), want, "how {how}, {}-byte digest", digest.len());
    if how % 5 == 0 && made.is_some() {
        assert!(want, "a signature made here does not verify");
    }
}

fuzz_target!(|data: &[u8]| {
    use ecdsa::signature::hazmat::PrehashVerifier;
    let Some((&curve, rest)) = data.split_first() else { return };
    match curve % 3 {
        0 => run::<p256::NistP256>(rest, |key, digest, r, s| {
            let vk = p256::ecdsa::VerifyingKey::from_affine(*key).expect("a valid point");
            p256::ecdsa::Signature::from_scalars(r, s).is_ok_and(|sig| vk.verify_prehash(digest, &sig).is_ok())
        }),
        1 => run::<p384::NistP384>(rest, |key, digest, r, s| {
            let vk = p384::ecdsa::VerifyingKey::from_affine(*key).expect("a valid point");
            p384::ecdsa::Signature::from_scalars(r, s).is_ok_and(|sig| vk.verify_prehash(digest, &sig).is_ok())
        }),
        _ => run::<p521::NistP521>(rest, |key, digest, r, s| {
            let vk = p521::ecdsa::VerifyingKey::from_affine(*key).expect("a valid point");
            p521::ecdsa::Signature::from_scalars(r, s).is_ok_and(|sig| vk.verify_prehash(digest, &sig).is_ok())
        }),
    }
});

//! JVM class files (JVMS §4): the class's own name, the classes it refers
//! to, and its string constants — what SDK fingerprinting and endpoint
//! collection need from a `.jar` or an `.aar`'s `classes.jar`.
//!
//! Place in the pipeline: `formats` — bytes in, a borrowed `ClassFile` out;
//! `extract::archive` turns it into class lists and endpoints.
//!
//! Invariants: every read goes through `Reader`; the constant pool walk is
//! capped by its declared count (a u16) and by the input length.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::formats::reader::Reader;

pub const MAGIC: u32 = 0xcafe_babe;
/// The constant pool count is a u16; this is the walk's bound.
pub const MAX_CONSTANTS: usize = u16::MAX as usize;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    #[error("truncated {what} at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("bad magic {found:#010x} (expected 0xcafebabe)")]
    BadMagic { found: u32 },
    #[error("unknown constant pool tag {tag} at offset {offset}")]
    BadTag { tag: u8, offset: u64 },
    #[error("this_class index {index} is not a Class constant naming a Utf8")]
    BadThisClass { index: u16 },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Constant<'a> {
    Utf8(&'a [u8]),
    Class(u16),
    String(u16),
    Other,
}

/// A parsed class file (borrowing the input).
#[derive(Clone, Debug)]
pub struct ClassFile<'a> {
    pub major: u16,
    pub minor: u16,
    pool: Vec<Constant<'a>>,
    this_class: u16,
}

fn trunc(what: &'static str, r: &Reader<'_>) -> Error {
    Error::Truncated { what, offset: r.offset() }
}

/// Parses a class file's header and constant pool.
pub fn parse(data: &[u8]) -> Result<ClassFile<'_>> {
    let mut r = Reader::new(data);
    let magic = r.u32_be().ok_or_else(|| trunc("magic", &r))?;
    if magic != MAGIC {
        return Err(Error::BadMagic { found: magic });
    }
    let minor = r.u16_be().ok_or_else(|| trunc("minor_version", &r))?;
    let major = r.u16_be().ok_or_else(|| trunc("major_version", &r))?;
    let count = usize::from(r.u16_be().ok_or_else(|| trunc("constant_pool_count", &r))?);
    // Entry 0 is unused; Long/Double take two slots. Each entry is >= 3 bytes.
    let cap = count.min(data.len() / 3).min(MAX_CONSTANTS);
    let mut pool = Vec::with_capacity(cap.saturating_add(1));
    pool.push(Constant::Other);
    while pool.len() < count {
        let at = r.offset();
        let tag = r.u8().ok_or_else(|| trunc("constant tag", &r))?;
        let c = match tag {
            1 => {
                let n = usize::from(r.u16_be().ok_or_else(|| trunc("Utf8 length", &r))?);
                Constant::Utf8(r.take(n).ok_or_else(|| trunc("Utf8 bytes", &r))?)
            }
            7 => Constant::Class(r.u16_be().ok_or_else(|| trunc("Class", &r))?),
            8 => Constant::String(r.u16_be().ok_or_else(|| trunc("String", &r))?),
            3 | 4 | 9 | 10 | 11 | 12 | 17 | 18 => {
                r.take(4).ok_or_else(|| trunc("constant", &r))?;
                Constant::Other
            }
            5 | 6 => {
                r.take(8).ok_or_else(|| trunc("Long/Double", &r))?;
                pool.push(Constant::Other);
                Constant::Other
            }
            15 => {
                r.take(3).ok_or_else(|| trunc("MethodHandle", &r))?;
                Constant::Other
            }
            16 | 19 | 20 => {
                r.take(2).ok_or_else(|| trunc("constant", &r))?;
                Constant::Other
            }
            _ => return Err(Error::BadTag { tag, offset: at }),
        };
        pool.push(c);
    }
    let _access = r.u16_be().ok_or_else(|| trunc("access_flags", &r))?;
    let this_class = r.u16_be().ok_or_else(|| trunc("this_class", &r))?;
    let cf = ClassFile { major, minor, pool, this_class };
    if cf.name_raw().is_none() {
        return Err(Error::BadThisClass { index: this_class });
    }
    Ok(cf)
}

/// Modified UTF-8 as lossy text (the scanner only compares and searches it).
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl<'a> ClassFile<'a> {
    fn utf8(&self, i: u16) -> Option<&'a [u8]> {
        match self.pool.get(usize::from(i))? {
            Constant::Utf8(b) => Some(b),
            _ => None,
        }
    }

    fn name_raw(&self) -> Option<&'a [u8]> {
        match self.pool.get(usize::from(self.this_class))? {
            Constant::Class(n) => self.utf8(*n),
            _ => None,
        }
    }

    /// The class's dotted name (`com.foo.Bar$Baz`).
    pub fn name(&self) -> String {
        text(self.name_raw().unwrap_or_default()).replace('/', ".")
    }

    /// Names of the classes the pool refers to (dotted; arrays skipped).
    pub fn referenced_classes(&self) -> impl Iterator<Item = String> + '_ {
        self.pool.iter().filter_map(move |c| match c {
            Constant::Class(n) => {
                let b = self.utf8(*n)?;
                (!b.starts_with(b"[")).then(|| text(b).replace('/', "."))
            }
            _ => None,
        })
    }

    /// The values of `String` constants (literals in the code).
    pub fn string_constants(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.pool.iter().filter_map(move |c| match c {
            Constant::String(n) => self.utf8(*n),
            _ => None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) mod tests {
    use super::*;

    /// A minimal class file: `name`, one String constant, one Long.
    pub(crate) fn class(name: &str, strings: &[&str]) -> Vec<u8> {
        let mut pool: Vec<Vec<u8>> = Vec::new();
        let utf8 = |s: &str| {
            let mut v = vec![1u8];
            v.extend_from_slice(&(s.len() as u16).to_be_bytes());
            v.extend_from_slice(s.as_bytes());
            v
        };
        pool.push(utf8(&name.replace('.', "/"))); // #1
        pool.push([vec![7u8], 1u16.to_be_bytes().to_vec()].concat()); // #2 Class
        let mut slots = 3u16;
        for s in strings {
            pool.push(utf8(s));
            pool.push([vec![8u8], slots.to_be_bytes().to_vec()].concat());
            slots += 2;
        }
        pool.push([vec![5u8], vec![0; 8]].concat()); // Long: two slots
        slots += 2;
        let mut out = MAGIC.to_be_bytes().to_vec();
        out.extend_from_slice(&[0, 0, 0, 52]);
        out.extend_from_slice(&slots.to_be_bytes());
        for p in pool {
            out.extend_from_slice(&p);
        }
        out.extend_from_slice(&[0, 0x21, 0, 2, 0, 0]);
        out
    }

    #[test]
    fn reads_name_and_strings() {
        let b = class("com.example.sdk.Tracker", &["https://t.example.com/x", "k"]);
        let c = parse(&b).unwrap();
        assert_eq!(c.major, 52);
        assert_eq!(c.name(), "com.example.sdk.Tracker");
        let s: Vec<_> = c.string_constants().collect();
        assert_eq!(s, vec![&b"https://t.example.com/x"[..], b"k"]);
        assert_eq!(c.referenced_classes().collect::<Vec<_>>(), vec!["com.example.sdk.Tracker"]);
    }

    #[test]
    fn bad_magic() {
        assert_eq!(parse(&[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]).unwrap_err(), Error::BadMagic { found: 0xdead_beef });
    }

    #[test]
    fn truncated() {
        let b = class("a.B", &["x"]);
        for n in [0, 3, 9, 12, b.len() - 3] {
            assert!(matches!(parse(&b[..n]), Err(Error::Truncated { .. })), "{n}");
        }
    }

    #[test]
    fn bad_tag() {
        let mut b = MAGIC.to_be_bytes().to_vec();
        b.extend_from_slice(&[0, 0, 0, 52, 0, 2, 99]);
        assert!(matches!(parse(&b), Err(Error::BadTag { tag: 99, offset: 10 })));
    }

    #[test]
    fn bad_this_class() {
        let mut b = MAGIC.to_be_bytes().to_vec();
        b.extend_from_slice(&[0, 0, 0, 52, 0, 2, 1, 0, 1, b'A', 0, 0, 0, 1]);
        assert_eq!(parse(&b).unwrap_err(), Error::BadThisClass { index: 1 });
    }
}

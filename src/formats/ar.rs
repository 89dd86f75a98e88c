//! Unix `ar` archives (`.a` static libraries; iOS SDKs ship Mach-O objects
//! this way): member names and bytes.
//!
//! Place in the pipeline: `formats` — bytes in, borrowed members out;
//! `extract::archive` analyses each object.
//!
//! Layout: `!<arch>\n`, then 60-byte headers (name[16], mtime[12], uid[6],
//! gid[6], mode[8], size[10], "`\n"), data padded to even offsets. Names:
//! GNU `name/` with a `//` long-name table (`/123`), BSD `#1/<len>` with the
//! name at the start of the data. Symbol tables (`/`, `__.SYMDEF*`) are
//! skipped.
//!
//! Invariants: bounded by `MAX_MEMBERS`; every read through `Reader`.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::formats::reader::Reader;

pub const MAGIC: &[u8; 8] = b"!<arch>\n";
pub const HEADER_LEN: usize = 60;
/// Most members read from one archive.
pub const MAX_MEMBERS: usize = 100_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    #[error("bad magic (not an ar archive)")]
    BadMagic,
    #[error("truncated {what} at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("bad member header at offset {offset}: {what}")]
    BadHeader { what: &'static str, offset: u64 },
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: String,
    /// Offset of the data in the archive.
    pub offset: u64,
    pub data: &'a [u8],
}

fn field(h: &[u8], from: usize, len: usize) -> &[u8] {
    let end = from.saturating_add(len);
    h.get(from..end).unwrap_or_default()
}

fn number(b: &[u8]) -> Option<usize> {
    std::str::from_utf8(b).ok()?.trim().parse().ok()
}

/// The members of an archive, symbol tables and the long-name table left out.
pub fn parse(data: &[u8]) -> Result<Vec<Member<'_>>> {
    let mut r = Reader::new(data);
    if r.take(MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(Error::BadMagic);
    }
    let mut out = Vec::new();
    let mut long_names: &[u8] = &[];
    while r.remaining() > 0 {
        if r.position() % 2 == 1 {
            r.skip(1).ok_or(Error::Truncated { what: "padding", offset: r.offset() })?;
            if r.remaining() == 0 {
                break;
            }
        }
        let at = r.offset();
        let h = r.take(HEADER_LEN).ok_or(Error::Truncated { what: "member header", offset: at })?;
        if field(h, 58, 2) != b"`\n" {
            return Err(Error::BadHeader { what: "no terminator", offset: at });
        }
        let size = number(field(h, 48, 10)).ok_or(Error::BadHeader { what: "size", offset: at })?;
        let body = r.take(size).ok_or(Error::Truncated { what: "member data", offset: r.offset() })?;
        let raw = std::str::from_utf8(field(h, 0, 16)).unwrap_or("").trim_end();
        let (name, data_start) = if let Some(n) = raw.strip_prefix("#1/") {
            let n = number(n.as_bytes()).ok_or(Error::BadHeader { what: "BSD name length", offset: at })?;
            let name = body.get(..n).ok_or(Error::Truncated { what: "BSD name", offset: at })?;
            (String::from_utf8_lossy(name).trim_end_matches('\0').to_string(), n)
        } else if raw == "//" {
            long_names = body;
            continue;
        } else if raw == "/" || raw == "/SYM64/" {
            continue;
        } else if let Some(idx) = raw.strip_prefix('/').and_then(|n| number(n.as_bytes())) {
            let tail = long_names.get(idx..).unwrap_or_default();
            let end = tail.iter().position(|&b| b == b'\n').unwrap_or(tail.len());
            let name = String::from_utf8_lossy(tail.get(..end).unwrap_or_default());
            (name.trim_end_matches('/').to_string(), 0)
        } else {
            (raw.trim_end_matches('/').to_string(), 0)
        };
        if name.starts_with("__.SYMDEF") {
            continue;
        }
        if out.len() >= MAX_MEMBERS {
            return Err(Error::LimitExceeded { what: "ar members", limit: MAX_MEMBERS as u64 });
        }
        let data = body.get(data_start..).unwrap_or_default();
        out.push(Member { name, offset: at.saturating_add(HEADER_LEN.saturating_add(data_start) as u64), data });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn header(name: &str, size: usize) -> Vec<u8> {
        let h = format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n", 0, 0, 0, 644);
        assert_eq!(h.len(), 60);
        h.into_bytes()
    }

    /// A BSD-style archive (as Apple's libtool writes) of `members`.
    pub(crate) fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(header("__.SYMDEF", 4));
        out.extend([0; 4]);
        for (name, data) in members {
            let n = name.len();
            out.extend(header(&format!("#1/{n}"), n + data.len()));
            out.extend(name.as_bytes());
            out.extend(*data);
            if out.len() % 2 == 1 {
                out.push(b'\n');
            }
        }
        out
    }

    #[test]
    fn reads_bsd_and_gnu_names() {
        let a = archive(&[("foo.o", b"abc"), ("long_object_name.o", b"xy")]);
        let m = parse(&a).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].name.as_str(), m[0].data), ("foo.o", &b"abc"[..]));
        assert_eq!((m[1].name.as_str(), m[1].data), ("long_object_name.o", &b"xy"[..]));
        let mut g = MAGIC.to_vec();
        g.extend(header("//", 24));
        g.extend(b"a_very_long_member.o/\n\n\n");
        g.extend(header("/0", 2));
        g.extend(b"hi");
        g.extend(header("b.o/", 1));
        g.extend(b"z");
        let m = parse(&g).unwrap();
        assert_eq!(m[0].name, "a_very_long_member.o");
        assert_eq!(m[1].name, "b.o");
    }

    #[test]
    fn errors() {
        assert_eq!(parse(b"nope").unwrap_err(), Error::BadMagic);
        let mut t = MAGIC.to_vec();
        t.extend(&header("a.o", 10)[..30]);
        assert!(matches!(parse(&t), Err(Error::Truncated { what: "member header", .. })));
        let mut d = MAGIC.to_vec();
        d.extend(header("a.o", 10));
        d.extend(b"abc");
        assert!(matches!(parse(&d), Err(Error::Truncated { what: "member data", .. })));
        let mut b = MAGIC.to_vec();
        let mut h = header("a.o", 1);
        h[58] = b'x';
        b.extend(h);
        assert!(matches!(parse(&b), Err(Error::BadHeader { .. })));
    }
}

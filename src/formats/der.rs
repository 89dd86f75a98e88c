//! A BER/DER TLV reader (ITU-T X.690) for certificates and PKCS#7 blocks.
//!
//! Android accepts BER in v1 signature blocks and keeps each certificate's
//! original bytes (AOSP apksig `GuaranteedEncodedFormX509Certificate`), so this
//! reader is BER-lenient: high tag numbers, non-minimal definite lengths
//! (flagged on the element) and indefinite lengths (`0x80 … 00 00`, nested up
//! to `MAX_DEPTH`). Every `Element` keeps its full original encoding (`raw`,
//! header + content + end-of-contents) so callers can fingerprint exactly what
//! was in the file.
//!
//! Invariant: every slice handed out borrows from the input; nothing is
//! allocated from a length field.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::borrow::Cow;

use crate::formats::reader::Reader;

/// Deepest nesting of indefinite-length (or constructed string) elements we
/// follow. Real certificates nest < 12; a hostile blob of `30 80 30 80 …`
/// would otherwise recurse until the stack overflows.
pub const MAX_DEPTH: usize = 32;

/// Most segments concatenated for one constructed (BER) string.
pub const MAX_STRING_SEGMENTS: usize = 4096;

/// Most bytes in one tag's high-tag-number form (28 bits of tag number).
const MAX_TAG_BYTES: usize = 4;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} truncated at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("{what} at offset {offset}: unexpected tag {found}")]
    UnexpectedTag { what: &'static str, offset: u64, found: Tag },
    #[error("bad length encoding at offset {offset}")]
    BadLength { offset: u64 },
    #[error("{what}: limit {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
    #[error("{what} at offset {offset} is invalid")]
    Invalid { what: &'static str, offset: u64 },
}

/// ASN.1 tag classes (the top two bits of the identifier octet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Universal,
    Application,
    Context,
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub class: Class,
    pub constructed: bool,
    pub number: u32,
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = match self.class {
            Class::Universal => "UNIVERSAL",
            Class::Application => "APPLICATION",
            Class::Context => "CONTEXT",
            Class::Private => "PRIVATE",
        };
        let k = if self.constructed { "cons" } else { "prim" };
        write!(f, "[{c} {}] {k}", self.number)
    }
}

// Universal tag numbers (X.680 §8.4).
pub const BOOLEAN: u32 = 1;
pub const INTEGER: u32 = 2;
pub const BIT_STRING: u32 = 3;
pub const OCTET_STRING: u32 = 4;
pub const NULL: u32 = 5;
pub const OID: u32 = 6;
pub const UTF8_STRING: u32 = 12;
pub const SEQUENCE: u32 = 16;
pub const SET: u32 = 17;
pub const NUMERIC_STRING: u32 = 18;
pub const PRINTABLE_STRING: u32 = 19;
pub const T61_STRING: u32 = 20;
pub const IA5_STRING: u32 = 22;
pub const UTC_TIME: u32 = 23;
pub const GENERALIZED_TIME: u32 = 24;
pub const VISIBLE_STRING: u32 = 26;
pub const GENERAL_STRING: u32 = 27;
pub const UNIVERSAL_STRING: u32 = 28;
pub const BMP_STRING: u32 = 30;

/// One TLV element with its original bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    pub tag: Tag,
    /// The whole original encoding: identifier, length, content and (for
    /// indefinite lengths) the end-of-contents octets.
    pub raw: &'a [u8],
    /// The content octets (without the end-of-contents for indefinite form).
    pub content: &'a [u8],
    /// Absolute offset of the identifier octet.
    pub offset: u64,
    /// Absolute offset of the first content octet.
    pub content_offset: u64,
    /// Indefinite-length form (BER only).
    pub indefinite: bool,
    /// The definite length was not minimally encoded (BER only).
    pub non_minimal_length: bool,
}

/// Reads one element at the reader's position and moves past it.
pub fn read_element<'a>(r: &mut Reader<'a>) -> Result<Element<'a>> {
    read_at_depth(r, 0)
}

/// Parses exactly one element from `data` (trailing bytes are ignored; use
/// `parse_exact` to reject them).
pub fn parse(data: &[u8]) -> Result<Element<'_>> {
    read_element(&mut Reader::new(data))
}

/// Parses one element that must span all of `data`.
pub fn parse_exact(data: &[u8]) -> Result<Element<'_>> {
    let mut r = Reader::new(data);
    let e = read_element(&mut r)?;
    if r.remaining() != 0 {
        return Err(Error::Invalid { what: "trailing data after element", offset: r.offset() });
    }
    Ok(e)
}

fn read_tag(r: &mut Reader<'_>) -> Result<Tag> {
    let offset = r.offset();
    let first = r.u8().ok_or(Error::Truncated { what: "tag", offset })?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        // High-tag-number form: base-128 digits, last one has bit 8 clear.
        number = 0;
        let mut done = false;
        for _ in 0..MAX_TAG_BYTES {
            let b = r.u8().ok_or(Error::Truncated { what: "tag number", offset })?;
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return Err(Error::Invalid { what: "tag number", offset });
        }
    }
    Ok(Tag { class, constructed, number })
}

/// `Some(len)` for definite lengths, `None` for the indefinite form; the bool
/// is true when a definite length was not minimally encoded.
fn read_length(r: &mut Reader<'_>) -> Result<(Option<usize>, bool)> {
    let offset = r.offset();
    let first = r.u8().ok_or(Error::Truncated { what: "length", offset })?;
    if first < 0x80 {
        return Ok((Some(usize::from(first)), false));
    }
    if first == 0x80 {
        return Ok((None, false));
    }
    let n = usize::from(first & 0x7f);
    // 0xff is reserved (X.690 §8.1.3.5 c); more than 8 octets cannot be
    // addressed anyway.
    if n > 8 {
        return Err(Error::BadLength { offset });
    }
    let bytes = r.take(n).ok_or(Error::Truncated { what: "length", offset })?;
    let mut len: u64 = 0;
    for &b in bytes {
        len = (len << 8) | u64::from(b);
    }
    let non_minimal = len < 0x80 || bytes.first() == Some(&0);
    let len = usize::try_from(len).map_err(|_| Error::BadLength { offset })?;
    Ok((Some(len), non_minimal))
}

fn read_at_depth<'a>(r: &mut Reader<'a>, depth: usize) -> Result<Element<'a>> {
    if depth > MAX_DEPTH {
        return Err(Error::LimitExceeded { what: "BER nesting depth", limit: MAX_DEPTH as u64 });
    }
    let start = r.position();
    let offset = r.offset();
    let tag = read_tag(r)?;
    let (len, non_minimal_length) = read_length(r)?;
    let content_start = r.position();
    let content_offset = r.offset();
    let (content_end, indefinite) = match len {
        Some(len) => {
            r.skip(len).ok_or(Error::Truncated { what: "element content", offset: content_offset })?;
            (r.position(), false)
        }
        None => {
            if !tag.constructed {
                // X.690 §8.1.3.2: the indefinite form is for constructed
                // encodings only.
                return Err(Error::BadLength { offset });
            }
            loop {
                if r.peek(2) == Some(&[0u8, 0][..]) {
                    let end = r.position();
                    r.skip(2).ok_or(Error::Truncated { what: "end-of-contents", offset: r.offset() })?;
                    break (end, true);
                }
                if r.remaining() == 0 {
                    return Err(Error::Truncated { what: "indefinite-length content", offset: r.offset() });
                }
                let next = depth
                    .checked_add(1)
                    .ok_or(Error::LimitExceeded { what: "BER nesting depth", limit: MAX_DEPTH as u64 })?;
                read_at_depth(r, next)?;
            }
        }
    };
    let data = r.data();
    let raw = data.get(start..r.position()).ok_or(Error::Truncated { what: "element", offset })?;
    let content = data
        .get(content_start..content_end)
        .ok_or(Error::Truncated { what: "element content", offset: content_offset })?;
    Ok(Element { tag, raw, content, offset, content_offset, indefinite, non_minimal_length })
}

impl<'a> Element<'a> {
    pub fn is_universal(&self, number: u32) -> bool {
        self.tag.class == Class::Universal && self.tag.number == number
    }

    pub fn is_context(&self, number: u32) -> bool {
        self.tag.class == Class::Context && self.tag.number == number
    }

    /// A reader over the content, with absolute offsets.
    pub fn reader(&self) -> Reader<'a> {
        Reader::with_base(self.content, self.content_offset)
    }

    /// The child elements of a constructed element.
    pub fn children(&self) -> Children<'a> {
        Children { r: self.reader(), failed: false }
    }

    /// Fails with `UnexpectedTag` unless this is the universal `number`.
    pub fn expect_tag(self, number: u32, what: &'static str) -> Result<Self> {
        if self.is_universal(number) {
            Ok(self)
        } else {
            Err(Error::UnexpectedTag { what, offset: self.offset, found: self.tag })
        }
    }

    /// The content of a string-like element, concatenating BER constructed
    /// segments (X.690 §8.21.6) when needed.
    pub fn string_bytes(&self) -> Result<Cow<'a, [u8]>> {
        if !self.tag.constructed {
            return Ok(Cow::Borrowed(self.content));
        }
        let mut out = Vec::new();
        let mut segments = 0usize;
        collect_segments(self, &mut out, &mut segments, 0)?;
        Ok(Cow::Owned(out))
    }

    /// The OID in dotted form (for an OBJECT IDENTIFIER element).
    pub fn oid(&self) -> Result<String> {
        decode_oid(self.content).ok_or(Error::Invalid { what: "object identifier", offset: self.offset })
    }

    /// The text of a string-typed element, or None for non-string tags.
    pub fn string(&self) -> Result<Option<String>> {
        if self.tag.class != Class::Universal {
            return Ok(None);
        }
        let bytes = self.string_bytes()?;
        Ok(decode_string(self.tag.number, &bytes))
    }

    /// A UTCTime or GeneralizedTime as ISO 8601 (`2019-01-31T12:00:00Z`).
    pub fn time(&self) -> Result<String> {
        let text = self.string_bytes()?;
        let parsed = match (self.tag.class, self.tag.number) {
            (Class::Universal, UTC_TIME) => decode_time(&text, false),
            (Class::Universal, GENERALIZED_TIME) => decode_time(&text, true),
            _ => return Err(Error::UnexpectedTag { what: "time", offset: self.offset, found: self.tag }),
        };
        parsed.ok_or(Error::Invalid { what: "time", offset: self.offset })
    }
}

fn collect_segments(e: &Element<'_>, out: &mut Vec<u8>, segments: &mut usize, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::LimitExceeded { what: "constructed string depth", limit: MAX_DEPTH as u64 });
    }
    for child in e.children() {
        let child = child?;
        *segments = segments.saturating_add(1);
        if *segments > MAX_STRING_SEGMENTS {
            return Err(Error::LimitExceeded {
                what: "constructed string segments",
                limit: MAX_STRING_SEGMENTS as u64,
            });
        }
        if child.tag.constructed {
            collect_segments(&child, out, segments, depth.saturating_add(1))?;
        } else {
            out.extend_from_slice(child.content);
        }
    }
    Ok(())
}

/// Iterator over the children of a constructed element; stops after the
/// first error.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Children<'a> {
    /// The next child, failing with `Truncated { what }` when there is none.
    pub fn required(&mut self, what: &'static str) -> Result<Element<'a>> {
        match self.next() {
            Some(e) => e,
            None => Err(Error::Truncated { what, offset: self.r.offset() }),
        }
    }

    /// The next child if it has the context tag `number` (OPTIONAL fields).
    pub fn optional_context(&mut self, number: u32) -> Result<Option<Element<'a>>> {
        let save = self.r;
        match self.next() {
            Some(Ok(e)) if e.is_context(number) => Ok(Some(e)),
            Some(Err(e)) => Err(e),
            _ => {
                self.r = save;
                self.failed = false;
                Ok(None)
            }
        }
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Element<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.remaining() == 0 {
            return None;
        }
        let e = read_element(&mut self.r);
        if e.is_err() {
            self.failed = true;
        }
        Some(e)
    }
}

/// Decodes OBJECT IDENTIFIER content octets to dotted form.
pub fn decode_oid(content: &[u8]) -> Option<String> {
    use std::fmt::Write;
    if content.is_empty() || content.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut out = String::new();
    let mut value: u64 = 0;
    let mut first = true;
    for &b in content {
        value = value.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        if b & 0x80 != 0 {
            continue;
        }
        if first {
            // X.690 §8.19.4: the first subidentifier packs two arcs.
            let (a, rest) = match value {
                0..=39 => (0, value),
                40..=79 => (1, value.checked_sub(40)?),
                _ => (2, value.checked_sub(80)?),
            };
            write!(out, "{a}.{rest}").ok()?;
            first = false;
        } else {
            write!(out, ".{value}").ok()?;
        }
        value = 0;
    }
    Some(out)
}

/// Decodes the content of a universal string type. PrintableString,
/// IA5String, VisibleString, NumericString and GeneralString are read as
/// ASCII (other bytes become U+FFFD as Java does), T61String as Latin-1,
/// BMPString as UTF-16BE and UniversalString as UTF-32BE.
pub fn decode_string(number: u32, bytes: &[u8]) -> Option<String> {
    match number {
        UTF8_STRING => Some(String::from_utf8_lossy(bytes).into_owned()),
        PRINTABLE_STRING | IA5_STRING | VISIBLE_STRING | NUMERIC_STRING | GENERAL_STRING => {
            Some(bytes.iter().map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' }).collect())
        }
        T61_STRING => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        BMP_STRING => {
            let units = bytes.chunks(2).map(|c| match c {
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0xfffd,
            });
            Some(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect())
        }
        UNIVERSAL_STRING => Some(
            bytes
                .chunks(4)
                .map(|c| match c {
                    [a, b, d, e] => char::from_u32(u32::from_be_bytes([*a, *b, *d, *e])).unwrap_or('\u{fffd}'),
                    _ => '\u{fffd}',
                })
                .collect(),
        ),
        _ => None,
    }
}

fn digits(s: &[u8], n: usize) -> Option<(u32, &[u8])> {
    let head = s.get(..n)?;
    let mut v: u32 = 0;
    for &b in head {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(b.checked_sub(b'0')?))?;
    }
    Some((v, s.get(n..)?))
}

/// UTCTime (`YYMMDDhhmm[ss]Z|±hhmm`, years < 50 are 20xx per RFC 5280
/// §4.1.2.5.1) or GeneralizedTime (`YYYYMMDDhh[mm[ss[.f]]]Z|±hhmm`) to
/// ISO 8601. Fractions of a second are dropped.
pub fn decode_time(text: &[u8], generalized: bool) -> Option<String> {
    let (year, rest) = if generalized {
        digits(text, 4)?
    } else {
        let (yy, rest) = digits(text, 2)?;
        (if yy < 50 { yy.checked_add(2000)? } else { yy.checked_add(1900)? }, rest)
    };
    let (month, rest) = digits(rest, 2)?;
    let (day, rest) = digits(rest, 2)?;
    let (hour, rest) = digits(rest, 2)?;
    let (minute, rest) = digits(rest, 2).unwrap_or((0, rest));
    let (second, mut rest) = digits(rest, 2).unwrap_or((0, rest));
    if generalized && matches!(rest.first(), Some(b'.') | Some(b',')) {
        let skip = rest.iter().skip(1).take_while(|b| b.is_ascii_digit()).count().checked_add(1)?;
        rest = rest.get(skip..)?;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 24 || minute > 59 || second > 60 {
        return None;
    }
    let zone = match rest {
        b"Z" => "Z".to_string(),
        // GeneralizedTime without zone is local time; report it as found.
        b"" if generalized => String::new(),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (zh, t) = digits(tail, 2)?;
            let (zm, t) = digits(t, 2)?;
            if !t.is_empty() {
                return None;
            }
            format!("{}{zh:02}:{zm:02}", char::from(*sign))
        }
        _ => return None,
    };
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"))
}

/// Lowercase hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::arithmetic_side_effects)] // tests build fixtures with plain arithmetic and assert by panicking
mod tests {
    use super::*;

    #[test]
    fn definite_element_keeps_raw_bytes() {
        let data = [0x30, 0x03, 0x02, 0x01, 0x05, 0xff];
        let e = parse(&data).unwrap();
        assert!(e.is_universal(SEQUENCE) && e.tag.constructed);
        assert_eq!(e.raw, &data[..5]);
        assert_eq!(e.content, &data[2..5]);
        let kids: Vec<_> = e.children().collect::<Result<_>>().unwrap();
        assert_eq!(kids.len(), 1);
        assert_eq!(kids[0].content, &[5]);
        assert_eq!(kids[0].offset, 2);
        assert!(parse_exact(&data).is_err());
    }

    #[test]
    fn nested_indefinite_lengths() {
        // SEQUENCE(indef) { SEQUENCE(indef) { INTEGER 1 } INTEGER 2 }
        let data = [0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0, 0, 0x02, 0x01, 0x02, 0, 0, 0xaa];
        let e = parse(&data).unwrap();
        assert!(e.indefinite);
        assert_eq!(e.raw.len(), 14);
        assert_eq!(e.content, &data[2..12]);
        let kids: Vec<_> = e.children().collect::<Result<_>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].raw, &data[2..9]);
        assert_eq!(kids[1].content, &[2]);
    }

    #[test]
    fn non_minimal_length_is_flagged() {
        let e = parse(&[0x04, 0x81, 0x01, 0x41]).unwrap();
        assert!(e.non_minimal_length);
        assert_eq!(e.content, b"A");
        assert!(!parse(&[0x04, 0x01, 0x41]).unwrap().non_minimal_length);
    }

    #[test]
    fn high_tag_number() {
        let e = parse(&[0x9f, 0x81, 0x00, 0x00]).unwrap();
        assert_eq!(e.tag.class, Class::Context);
        assert_eq!(e.tag.number, 128);
        assert!(matches!(
            parse(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]),
            Err(Error::Invalid { what: "tag number", .. })
        ));
    }

    #[test]
    fn truncated_content() {
        assert_eq!(parse(&[0x04, 0x05, 0x41]), Err(Error::Truncated { what: "element content", offset: 2 }));
        assert!(matches!(parse(&[]), Err(Error::Truncated { what: "tag", .. })));
        assert!(matches!(parse(&[0x30, 0x80, 0x05, 0x00]), Err(Error::Truncated { .. })));
    }

    #[test]
    fn bad_lengths() {
        assert_eq!(parse(&[0x04, 0xff]), Err(Error::BadLength { offset: 1 }));
        // Indefinite length on a primitive.
        assert_eq!(parse(&[0x04, 0x80, 0, 0]), Err(Error::BadLength { offset: 0 }));
    }

    #[test]
    fn depth_limit() {
        let mut data = Vec::new();
        for _ in 0..100 {
            data.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(matches!(parse(&data), Err(Error::LimitExceeded { .. })));
    }

    #[test]
    fn unexpected_tag() {
        let e = parse(&[0x02, 0x01, 0x00]).unwrap();
        assert!(matches!(e.expect_tag(SEQUENCE, "thing"), Err(Error::UnexpectedTag { what: "thing", .. })));
    }

    #[test]
    fn oids() {
        assert_eq!(
            decode_oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).as_deref(),
            Some("1.2.840.113549.1.1.1")
        );
        assert_eq!(decode_oid(&[0x55, 0x04, 0x03]).as_deref(), Some("2.5.4.3"));
        assert_eq!(decode_oid(&[0x88, 0x37]).as_deref(), Some("2.999"));
        assert_eq!(decode_oid(&[]), None);
        assert_eq!(decode_oid(&[0x2a, 0x86]), None);
        let e = parse(&[0x06, 0x01, 0x80]).unwrap();
        assert!(matches!(e.oid(), Err(Error::Invalid { .. })));
    }

    #[test]
    fn times() {
        assert_eq!(decode_time(b"190131120000Z", false).as_deref(), Some("2019-01-31T12:00:00Z"));
        assert_eq!(decode_time(b"690131120000Z", false).as_deref(), Some("1969-01-31T12:00:00Z"));
        assert_eq!(decode_time(b"20501231235959.123Z", true).as_deref(), Some("2050-12-31T23:59:59Z"));
        assert_eq!(decode_time(b"0801011200+0130", false).as_deref(), Some("2008-01-01T12:00:00+01:30"));
        assert_eq!(decode_time(b"191331120000Z", false), None);
        assert_eq!(decode_time(b"19013112", false), None);
        let e =
            parse(&[0x17, 0x0d, b'1', b'9', b'0', b'1', b'3', b'1', b'1', b'2', b'0', b'0', b'0', b'0', b'Z']).unwrap();
        assert_eq!(e.time().unwrap(), "2019-01-31T12:00:00Z");
    }

    #[test]
    fn strings() {
        assert_eq!(decode_string(PRINTABLE_STRING, b"Ab 1").as_deref(), Some("Ab 1"));
        assert_eq!(decode_string(T61_STRING, &[0x41, 0xe9]).as_deref(), Some("A\u{e9}"));
        assert_eq!(decode_string(BMP_STRING, &[0x00, 0x41, 0x4e, 0x2d]).as_deref(), Some("A\u{4e2d}"));
        assert_eq!(decode_string(UNIVERSAL_STRING, &[0, 0, 0, 0x41, 0, 1, 0xf6, 0x00]).as_deref(), Some("A\u{1f600}"));
        assert_eq!(decode_string(UTF8_STRING, "é".as_bytes()).as_deref(), Some("é"));
        assert_eq!(decode_string(IA5_STRING, &[0x80]).as_deref(), Some("\u{fffd}"));
        assert_eq!(decode_string(INTEGER, b"x"), None);
        // BER constructed PrintableString made of two segments.
        let e = parse(&[0x33, 0x80, 0x13, 0x01, b'a', 0x13, 0x01, b'b', 0, 0]).unwrap();
        assert_eq!(e.string().unwrap().as_deref(), Some("ab"));
    }
}

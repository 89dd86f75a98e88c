//! `ResStringPool` (chunk type 0x0001), shared by AXML and ARSC.
//!
//! Layout (AOSP `ResourceTypes.h`, `ResStringPool_header`): chunk header,
//! `stringCount`, `styleCount`, `flags` (UTF8 0x100, SORTED 0x1),
//! `stringsStart`, `stylesStart`, then `stringCount` u32 offsets (relative to
//! `stringsStart`) and `styleCount` u32 style offsets.
//!
//! Strings are decoded lazily, once each, into a per-index cache. A total
//! decode budget stops the "many indices, overlapping huge strings" attack
//! (each of N offsets pointing into the same megabyte) from costing N × MB.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::formats::reader::Reader;

/// `ResStringPool_header::UTF8_FLAG`.
pub const UTF8_FLAG: u32 = 0x100;
/// Size of `ResStringPool_header` including its chunk header.
pub const STRING_POOL_HEADER_SIZE: usize = 0x1c;
/// Longest single string we decode (bytes for UTF-8, code units for UTF-16).
/// Longer strings are cut and counted as bad: no manifest or resource string
/// needs more, and the cap keeps one hostile length from dominating the work.
pub const MAX_STRING_LEN: usize = 1 << 20;
/// Bytes of decoded text a pool may produce in total, on top of four times
/// its own size (legitimate pools never come near it).
pub const MAX_EXTRA_DECODE_BYTES: u64 = 64 << 20;

/// Why a pool header was rejected (the caller wraps it in its own error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// The header is shorter than `ResStringPool_header`.
    Truncated,
    /// `stringsStart` lies outside the chunk (Android: "string pool starts at
    /// %d, after total size %d").
    StringsOutOfBounds,
}

/// Oddities a tolerant pool parse noticed (the caller turns them into
/// anomalies with its own prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOddity {
    /// The offset array claims more entries than fit in the chunk; the count
    /// was cut to what fits.
    StringCountTampered { declared: u32, usable: u32 },
    /// The offset array runs into the string data (count raised by hand).
    OffsetsOverlapStrings,
    /// `stylesStart`/`styleCount` are inconsistent (ignored: styles are not
    /// used here).
    BadStyles,
}

/// A borrowed, lazily decoded string pool.
#[derive(Debug)]
pub struct StringPool<'a> {
    offsets: &'a [u8],
    count: u32,
    strings: &'a [u8],
    utf8: bool,
    cache: Vec<OnceLock<Option<Cow<'a, str>>>>,
    budget: AtomicU64,
    bad: AtomicU32,
    /// Absolute offset of the pool chunk in its file.
    pub offset: u64,
}

impl<'a> Default for StringPool<'a> {
    fn default() -> Self {
        StringPool::empty()
    }
}

impl<'a> StringPool<'a> {
    /// A pool with no strings.
    pub fn empty() -> Self {
        StringPool {
            offsets: &[],
            count: 0,
            strings: &[],
            utf8: false,
            cache: Vec::new(),
            budget: AtomicU64::new(0),
            bad: AtomicU32::new(0),
            offset: 0,
        }
    }

    /// Parses a pool from its whole chunk (`chunk` starts at the chunk header
    /// and is already confined to the chunk's declared size). `base` is the
    /// absolute offset of the chunk, for reporting.
    pub fn parse(chunk: &'a [u8], base: u64, oddities: &mut Vec<PoolOddity>) -> Result<Self, PoolError> {
        let mut r = Reader::new(chunk);
        let (Some(_ty), Some(header_size), Some(_size)) = (r.u16_le(), r.u16_le(), r.u32_le()) else {
            return Err(PoolError::Truncated);
        };
        let (Some(count), Some(style_count), Some(flags), Some(strings_start), Some(styles_start)) =
            (r.u32_le(), r.u32_le(), r.u32_le(), r.u32_le(), r.u32_le())
        else {
            return Err(PoolError::Truncated);
        };
        let header_size = usize::from(header_size).max(STRING_POOL_HEADER_SIZE);
        let utf8 = flags & UTF8_FLAG != 0;
        let strings_start = usize::try_from(strings_start).unwrap_or(usize::MAX);
        let styles_start = usize::try_from(styles_start).unwrap_or(usize::MAX);

        // Offsets array: Android rejects a count whose array passes the chunk
        // end; we keep the entries that fit and report the tampering.
        let room = chunk.len().saturating_sub(header_size) / 4;
        let usable = usize::try_from(count).unwrap_or(usize::MAX).min(room);
        if usable > 0 && header_size.saturating_add(usable.saturating_mul(4)) > strings_start {
            // Android reads such offsets from inside the string data; so do
            // we, but it is a sign of a tampered count.
            oddities.push(PoolOddity::OffsetsOverlapStrings);
        }
        let usable_u32 = u32::try_from(usable).unwrap_or(u32::MAX);
        if usable_u32 != count {
            oddities.push(PoolOddity::StringCountTampered { declared: count, usable: usable_u32 });
        }
        let offsets_end = header_size.saturating_add(usable.saturating_mul(4));
        let offsets = chunk.get(header_size..offsets_end).unwrap_or(&[]);

        let strings = if usable == 0 {
            &[][..]
        } else {
            if strings_start >= chunk.len() {
                return Err(PoolError::StringsOutOfBounds);
            }
            // Strings end where styles begin (when there are styles).
            let mut end = chunk.len();
            if style_count > 0 {
                if styles_start > strings_start && styles_start <= chunk.len() {
                    end = styles_start;
                } else {
                    oddities.push(PoolOddity::BadStyles);
                }
            }
            chunk.get(strings_start..end).unwrap_or(&[])
        };
        let mut cache = Vec::new();
        cache.resize_with(usable, OnceLock::new);
        let budget = MAX_EXTRA_DECODE_BYTES.saturating_add((strings.len() as u64).saturating_mul(4));
        Ok(StringPool {
            offsets,
            count: usable_u32,
            strings,
            utf8,
            cache,
            budget: AtomicU64::new(budget),
            bad: AtomicU32::new(0),
            offset: base,
        })
    }

    /// Number of usable string entries.
    pub fn len(&self) -> u32 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// How many strings failed to decode so far (offset or length out of
    /// bounds, or the decode budget was spent).
    pub fn bad_strings(&self) -> u32 {
        self.bad.load(Ordering::Relaxed)
    }

    /// The string at `index`, decoded once; None when the index or the
    /// string's bytes are out of bounds (Android returns NULL there too).
    pub fn get(&self, index: u32) -> Option<&str> {
        let slot = self.cache.get(usize::try_from(index).ok()?)?;
        slot.get_or_init(|| {
            let decoded = self.decode(index);
            if decoded.is_none() {
                self.bad.fetch_add(1, Ordering::Relaxed);
            }
            decoded
        })
        .as_deref()
    }

    /// Every decodable string, in index order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        (0..self.count).filter_map(move |i| self.get(i))
    }

    /// The decodable strings that hold one of the ASCII bytes `needles`, in
    /// index order, as `iter` would give them. Decoding keeps every ASCII
    /// character as it is stored and makes none of other bytes (invalid
    /// UTF-8 and lone surrogates become U+FFFD), so a string stored without
    /// them decodes to one without them: such strings are passed over
    /// undecoded, uncached and without spending the decode budget. A string
    /// whose stored bytes are out of bounds goes to `get`, which counts it.
    pub fn iter_holding(&self, needles: [u8; 2]) -> impl Iterator<Item = &str> + use<'_, 'a> {
        let [a, b] = needles;
        // Only ASCII needles: decoding writes non-ASCII bytes (U+FFFD, UTF-16 made UTF-8).
        debug_assert!(a.is_ascii() && b.is_ascii(), "needles must be ASCII");
        (0..self.count).filter_map(move |i| {
            let holds = match self.stored(i) {
                None => true,
                Some(raw) if self.utf8 => memchr::memchr2(a, b, raw).is_some(),
                Some(raw) => raw.chunks_exact(2).any(|u| u == [a, 0] || u == [b, 0]),
            };
            if holds {
                self.get(i)
            } else {
                None
            }
        })
    }

    /// The stored bytes of the string at `index`, cut to `MAX_STRING_LEN`
    /// bytes (UTF-8) or code units (UTF-16): what `decode` converts.
    fn stored(&self, index: u32) -> Option<&'a [u8]> {
        let at = usize::try_from(index).ok()?.checked_mul(4)?;
        let off = crate::formats::reader::u32_le_at(self.offsets, at)?;
        let mut r = Reader::at(self.strings, usize::try_from(off).ok()?)?;
        if self.utf8 {
            // UTF-16 length, then UTF-8 byte length; each 1 or 2 bytes with
            // the high bit of the first byte flagging the long form.
            let _chars = utf8_len(&mut r)?;
            let bytes = utf8_len(&mut r)?;
            r.take(bytes.min(MAX_STRING_LEN))
        } else {
            let first = r.u16_le()?;
            let units = if first & 0x8000 != 0 {
                let second = r.u16_le()?;
                (usize::from(first & 0x7fff) << 16) | usize::from(second)
            } else {
                usize::from(first)
            };
            r.take(units.min(MAX_STRING_LEN).checked_mul(2)?)
        }
    }

    fn spend(&self, n: usize) -> bool {
        let n = n as u64;
        self.budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(n)).is_ok()
    }

    fn decode(&self, index: u32) -> Option<Cow<'a, str>> {
        let raw = self.stored(index)?;
        if self.utf8 {
            if !self.spend(raw.len()) {
                return None;
            }
            Some(String::from_utf8_lossy(raw))
        } else {
            if !self.spend((raw.len() / 2).saturating_mul(3)) {
                return None;
            }
            let units = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]));
            Some(Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()))
        }
    }
}

fn utf8_len(r: &mut Reader<'_>) -> Option<usize> {
    let first = r.u8()?;
    if first & 0x80 != 0 {
        let second = r.u8()?;
        Some((usize::from(first & 0x7f) << 8) | usize::from(second))
    } else {
        Some(usize::from(first))
    }
}

//! The one bounded cursor every binary parser reads through.
//!
//! Bounds are checked here and nowhere else: each read returns `None` when the
//! input is too short, and callers turn that into their format's `Truncated`
//! error with the structure name and offset. Little-endian by default (every
//! Android format is), with big-endian helpers for Mach-O and DER users.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// A cursor over a borrowed byte slice. `pos` is relative to `data`, and
/// `base` is the absolute offset of `data` in the enclosing input, so error
/// offsets can name the position in the whole file.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0, base: 0 }
    }

    /// A reader over `data` whose offsets are reported relative to `base`.
    pub fn with_base(data: &'a [u8], base: u64) -> Self {
        Reader { data, pos: 0, base }
    }

    /// A reader at `offset` inside `data` (None when `offset` is past the end).
    pub fn at(data: &'a [u8], offset: usize) -> Option<Self> {
        if offset > data.len() {
            return None;
        }
        Some(Reader { data, pos: offset, base: 0 })
    }

    /// Absolute offset of the cursor (base + position).
    pub fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    /// Position relative to the start of this reader's data.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// The whole underlying slice.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Moves the cursor to `pos` (relative); None when past the end.
    pub fn seek(&mut self, pos: usize) -> Option<()> {
        if pos > self.data.len() {
            return None;
        }
        self.pos = pos;
        Some(())
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    /// A reader confined to the next `len` bytes (one length-prefixed
    /// record); the parent moves past them.
    pub fn sub(&mut self, len: usize) -> Option<Reader<'a>> {
        let base = self.offset();
        let bytes = self.take(len)?;
        Some(Reader { data: bytes, pos: 0, base })
    }

    /// Peeks at the next `n` bytes without moving.
    pub fn peek(&self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        self.data.get(self.pos..end)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.take(N)?;
        bytes.try_into().ok()
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|b| b[0])
    }

    pub fn u16_le(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u32_le(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64_le(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn u16_be(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    pub fn u32_be(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub fn u64_be(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// Unsigned LEB128 as DEX uses it: at most 5 bytes for a u32.
    pub fn uleb128(&mut self) -> Option<u32> {
        let mut result: u32 = 0;
        for i in 0..5u32 {
            let byte = self.u8()?;
            let shift = i.checked_mul(7)?;
            let part = u32::from(byte & 0x7f).checked_shl(shift)?;
            result |= part;
            if byte & 0x80 == 0 {
                return Some(result);
            }
        }
        None
    }

    /// Succeeds only when every byte was consumed (for formats that forbid
    /// trailing data).
    pub fn finish(&self) -> Option<()> {
        (self.remaining() == 0).then_some(())
    }
}

/// Reads a little-endian u32 at `offset` of `data` without a cursor.
pub fn u32_le_at(data: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let b: [u8; 4] = data.get(offset..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Reads a little-endian u16 at `offset` of `data` without a cursor.
pub fn u16_le_at(data: &[u8], offset: usize) -> Option<u16> {
    let end = offset.checked_add(2)?;
    let b: [u8; 2] = data.get(offset..end)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

/// Reads a little-endian u64 at `offset` of `data` without a cursor.
pub fn u64_le_at(data: &[u8], offset: usize) -> Option<u64> {
    let end = offset.checked_add(8)?;
    let b: [u8; 8] = data.get(offset..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn reads_within_bounds_and_stops_at_the_end() {
        let mut r = Reader::new(&[1, 0, 2, 0, 0, 0, 0xff]);
        assert_eq!(r.u16_le(), Some(1));
        assert_eq!(r.u32_le(), Some(2));
        assert_eq!(r.offset(), 6);
        assert_eq!(r.u16_le(), None, "a short read fails");
        assert_eq!(r.u8(), Some(0xff), "and does not move the cursor");
        assert_eq!(r.u8(), None);
        assert!(r.finish().is_some());
    }

    #[test]
    fn sub_confines_and_reports_absolute_offsets() {
        let data = [9u8, 1, 2, 3, 4];
        let mut r = Reader::with_base(&data, 100);
        r.skip(1).unwrap();
        let mut s = r.sub(2).unwrap();
        assert_eq!(s.offset(), 101);
        assert_eq!(s.take(3), None);
        assert_eq!(s.take(2), Some(&[1u8, 2][..]));
        assert_eq!(r.offset(), 103);
        assert!(r.sub(3).is_none());
    }

    #[test]
    fn uleb128_decodes_and_rejects_overlong() {
        assert_eq!(Reader::new(&[0x7f]).uleb128(), Some(127));
        assert_eq!(Reader::new(&[0x80, 0x01]).uleb128(), Some(128));
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]).uleb128(), Some(u32::MAX));
        assert_eq!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).uleb128(), None);
        assert_eq!(Reader::new(&[0x80]).uleb128(), None);
    }

    #[test]
    fn huge_lengths_do_not_overflow() {
        let mut r = Reader::new(&[0u8; 4]);
        r.skip(2).unwrap();
        assert!(r.take(usize::MAX).is_none());
        assert!(r.seek(5).is_none());
        assert!(u32_le_at(&[0; 3], usize::MAX - 1).is_none());
    }
}

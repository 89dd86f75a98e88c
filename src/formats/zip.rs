//! The zip container, read the way Android's installer reads it.
//!
//! Sources for each rule (reference/crates-and-formats.md §4.4): AOSP
//! `system/libziparchive/zip_archive.cc` (the package manager's reader) and
//! `frameworks/base/libs/androidfw` (the resource loader that reads the
//! manifest and resources.arsc).
//!
//! - The EOCD is searched backwards within the last 65,557 bytes; the one
//!   closest to the end wins (libziparchive `MapCentralDirectory0`).
//! - The central directory is the authority: its compression method and sizes
//!   are used, never the local header's; the local header only gives the data
//!   offset (`30 + local name length + local extra length`).
//! - A method other than 0 (stored) or 8 (deflate) is read as stored, as
//!   androidfw does, and recorded as an anomaly.
//! - Duplicate names make libziparchive refuse the archive; we record the
//!   anomaly (`zip-duplicate-entry`) and keep the first entry, so that a
//!   reviewer still sees what the app carries.
//!
//! Every oddity becomes an `Anomaly` with a stable `zip-*` id; only a missing
//! or unreadable central directory is an error.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::HashMap;

use crate::evidence::Anomaly;
use crate::formats::reader::Reader;
use crate::formats::source::Source;

pub const EOCD_SIG: u32 = 0x0605_4b50;
pub const CDH_SIG: u32 = 0x0201_4b50;
pub const LFH_SIG: u32 = 0x0403_4b50;
pub const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
pub const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD_LEN: usize = 22;
const CDH_LEN: usize = 46;
const LFH_LEN: usize = 30;
/// The EOCD comment is at most 65,535 bytes, so the EOCD starts within the
/// last 65,557 bytes.
pub const MAX_EOCD_SEARCH: usize = 65_535 + EOCD_LEN;

pub const METHOD_STORED: u16 = 0;
pub const METHOD_DEFLATED: u16 = 8;
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DATA_DESCRIPTOR: u16 = 0x0008;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("not a zip: no end of central directory record in the last 65557 bytes")]
    NoEocd,
    #[error("{what} truncated at offset {offset:#x}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("bad {what} signature at offset {offset:#x}")]
    BadSignature { what: &'static str, offset: u64 },
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
    #[error("entry {name:?}: {reason}")]
    Entry { name: String, reason: &'static str },
    #[error("entry {name:?}: inflate failed at output byte {offset}: {reason}")]
    Inflate { name: String, offset: u64, reason: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Limits on what one archive may make us do.
#[derive(Clone, Copy, Debug)]
pub struct ZipLimits {
    /// Central directory entries read at most.
    pub max_entries: usize,
    /// Bytes one entry may inflate to.
    pub max_entry_bytes: u64,
    /// Output bytes per input byte an entry may reach once it has produced
    /// more than `ratio_floor` bytes (0 = unchecked). Checked while inflating.
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits { max_entries: 200_000, max_entry_bytes: 512 * 1024 * 1024, max_ratio: 0, ratio_floor: 8 << 20 }
    }
}

/// One central directory record.
#[derive(Clone, Debug, Default)]
pub struct ZipEntry {
    /// The raw name bytes.
    pub name_raw: Vec<u8>,
    /// The name as text (lossy where the bytes are not UTF-8; an anomaly says so).
    pub name: String,
    pub method: u16,
    pub flags: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
    /// Offset of the central directory record itself.
    pub cd_offset: u64,
}

impl ZipEntry {
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// A parsed central directory. It holds offsets, not the bytes: reads take
/// the archive bytes again, so the directory can be kept while entry buffers
/// are reused.
#[derive(Clone, Debug, Default)]
pub struct ZipDirectory {
    pub entries: Vec<ZipEntry>,
    /// Name → index of the first entry with that name.
    index: HashMap<String, usize>,
    pub eocd_offset: u64,
    pub cd_offset: u64,
    pub cd_size: u64,
    pub comment_len: u16,
    pub zip64: bool,
    pub anomalies: Vec<Anomaly>,
    /// The entries were recovered by [`ZipDirectory::recover`] from an
    /// archive Android refuses to open (see `zip-central-directory-unreadable`).
    pub recovered: bool,
    /// The compression-ratio limit reads apply (from the parse's `ZipLimits`).
    pub ratio: (u64, u64),
}

fn truncated(what: &'static str, offset: usize) -> Error {
    Error::Truncated { what, offset: offset as u64 }
}

/// Finds the offsets of every EOCD signature in the tail, closest to the end first.
fn find_eocds(data: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    if data.len() < EOCD_LEN {
        return found;
    }
    let start = data.len().saturating_sub(MAX_EOCD_SEARCH);
    let last = data.len().saturating_sub(EOCD_LEN);
    let mut i = last;
    loop {
        if data.get(i..i.saturating_add(4)) == Some(&b"PK\x05\x06"[..]) {
            found.push(i);
        }
        if i == start {
            break;
        }
        i = i.saturating_sub(1);
    }
    found
}

impl ZipDirectory {
    /// Parses the end of central directory and the central directory.
    pub fn parse(data: &[u8], limits: &ZipLimits) -> Result<ZipDirectory> {
        Self::parse_inner(data, limits, false)
    }

    /// [`Self::parse`] from the bytes of an archive [`Source`] held in
    /// memory (a file's tail): Err when the directory reaches before them.
    pub fn parse_source(src: Source<'_>, limits: &ZipLimits) -> Result<ZipDirectory> {
        let (base, held) = src.held();
        let base = usize::try_from(base).map_err(|_| truncated("central directory", 0))?;
        Self::parse_held(held, base, limits, false)
    }

    /// Reads an archive that [`ZipDirectory::parse`] refused because Android's
    /// libziparchive refuses it (the central directory runs past the EOCD,
    /// "bad offsets"; no EOCD; a directory with no readable record), so that a
    /// reviewer still sees what the file carries. First the central directory
    /// is read up to the EOCD; when that yields no entry, the local headers
    /// are walked from the start of the file. Either way the directory says
    /// `recovered` and carries a `zip-central-directory-unreadable` anomaly:
    /// Android would not install this file.
    pub fn recover(data: &[u8], limits: &ZipLimits) -> Result<ZipDirectory> {
        // Oddities of the directory Android took (several EOCDs...) stay reported.
        let mut carried = Vec::new();
        if let Ok(d) = Self::parse_inner(data, limits, true) {
            carried.extend(d.anomalies.into_iter().filter(|a| a.id == "zip-multiple-eocd"));
        }
        let refusal = match Self::parse_inner(data, limits, false) {
            Ok(d) if !d.entries.is_empty() => return Ok(d),
            Ok(_) => "the central directory holds no readable entry".to_string(),
            Err(e) => e.to_string(),
        };
        if let Ok(mut d) = Self::parse_inner(data, limits, true) {
            if !d.entries.is_empty() {
                d.recovered = true;
                d.anomalies.insert(
                    0,
                    Anomaly::new(
                        "zip-central-directory-unreadable",
                        format!(
                            "Android refuses to open this archive ({refusal}); its entries were read from the central directory up to the EOCD"
                        ),
                        "",
                        Some(d.cd_offset),
                    ),
                );
                return Ok(d);
            }
        }
        let mut d = scan_local_headers(data, limits)?;
        d.recovered = true;
        d.anomalies.splice(0..0, carried);
        d.anomalies.insert(
            0,
            Anomaly::new(
                "zip-central-directory-unreadable",
                format!(
                    "Android refuses to open this archive ({refusal}); {} entries were recovered from local headers",
                    d.entries.len()
                ),
                "",
                None,
            ),
        );
        Ok(d)
    }

    fn parse_inner(data: &[u8], limits: &ZipLimits, lenient: bool) -> Result<ZipDirectory> {
        Self::parse_held(data, 0, limits, lenient)
    }

    /// Parses the directory from `data`, the archive's bytes from offset
    /// `base` to its end. Offsets stay the archive's; anything the parse
    /// needs before `base` is an error ("truncated").
    fn parse_held(data: &[u8], base: usize, limits: &ZipLimits, lenient: bool) -> Result<ZipDirectory> {
        let mut dir = ZipDirectory { ratio: (limits.max_ratio, limits.ratio_floor), ..ZipDirectory::default() };
        let eocds = find_eocds(data);
        let &eocd_held = eocds.first().ok_or(Error::NoEocd)?;
        let eocd = eocd_held.saturating_add(base);
        // Offsets into `data`.
        let held = |offset: usize| offset.checked_sub(base);
        let mut r = Reader::at(data, eocd_held).ok_or_else(|| truncated("EOCD", eocd))?;
        r.skip(4).ok_or_else(|| truncated("EOCD", eocd))?;
        let disk = r.u16_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let cd_disk = r.u16_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let entries_on_disk = r.u16_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let total_entries = r.u16_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let cd_size = r.u32_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let cd_offset = r.u32_le().ok_or_else(|| truncated("EOCD", eocd))?;
        let comment_len = r.u16_le().ok_or_else(|| truncated("EOCD", eocd))?;
        dir.eocd_offset = eocd as u64;
        dir.comment_len = comment_len;
        if disk != 0 || cd_disk != 0 || entries_on_disk != total_entries {
            dir.anomalies.push(Anomaly::new(
                "zip-multi-disk",
                "EOCD declares a multi-disk archive; Android reads it as one disk",
                "",
                Some(eocd as u64),
            ));
        }
        let tail = data.len().saturating_sub(eocd_held).saturating_sub(EOCD_LEN);
        if usize::from(comment_len) != tail {
            dir.anomalies.push(Anomaly::new(
                "zip-eocd-comment-length",
                format!("EOCD comment length {comment_len} but {tail} bytes follow the record"),
                "",
                Some(eocd as u64),
            ));
        }

        let mut total = u64::from(total_entries);
        let mut cd_size = u64::from(cd_size);
        let mut cd_offset = u64::from(cd_offset);
        // ZIP64: the locator sits right before the EOCD.
        if total_entries == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
            if let Some(loc) = eocd.checked_sub(20) {
                let mut l =
                    held(loc).and_then(|at| Reader::at(data, at)).ok_or_else(|| truncated("ZIP64 locator", loc))?;
                if l.u32_le() == Some(ZIP64_LOCATOR_SIG) {
                    l.skip(4);
                    let z64 = l.u64_le().ok_or_else(|| truncated("ZIP64 locator", loc))?;
                    let z64 = usize::try_from(z64).map_err(|_| truncated("ZIP64 EOCD", loc))?;
                    let mut z =
                        held(z64).and_then(|at| Reader::at(data, at)).ok_or_else(|| truncated("ZIP64 EOCD", z64))?;
                    if z.u32_le() != Some(ZIP64_EOCD_SIG) {
                        return Err(Error::BadSignature { what: "ZIP64 EOCD", offset: z64 as u64 });
                    }
                    z.skip(8 + 2 + 2 + 4 + 4 + 8).ok_or_else(|| truncated("ZIP64 EOCD", z64))?;
                    total = z.u64_le().ok_or_else(|| truncated("ZIP64 EOCD", z64))?;
                    cd_size = z.u64_le().ok_or_else(|| truncated("ZIP64 EOCD", z64))?;
                    cd_offset = z.u64_le().ok_or_else(|| truncated("ZIP64 EOCD", z64))?;
                    dir.zip64 = true;
                }
            }
        }
        dir.cd_offset = cd_offset;
        dir.cd_size = cd_size;
        let cd_start = usize::try_from(cd_offset).map_err(|_| truncated("central directory", eocd))?;
        let mut cd_end =
            usize::try_from(cd_size).ok().and_then(|size| cd_start.checked_add(size)).unwrap_or(usize::MAX);
        let mut cd_valid_end = cd_end;
        if cd_end > eocd {
            // libziparchive: "bad offsets" → the archive does not open.
            if !lenient || cd_start >= eocd {
                return Err(truncated("central directory (extends past the EOCD)", cd_start));
            }
            cd_end = eocd;
            // The directory this EOCD gives is impossible: every other EOCD is suspect.
            cd_valid_end = 0;
        }
        // Another EOCD between the directory and the one Android takes is the
        // trick (a real EOCD followed by a fake one in its comment); one inside
        // entry data (a stored nested zip) or inside the directory is not.
        let others = eocds.iter().skip(1).filter(|&&o| o.saturating_add(base) >= cd_valid_end).count();
        if others > 0 {
            dir.anomalies.push(Anomaly::new(
                "zip-multiple-eocd",
                format!(
                    "{} more end-of-central-directory signature(s) before the one closest to the end, which is used, as Android does",
                    others
                ),
                "",
                Some(eocd as u64),
            ));
        }
        if cd_end != eocd && !dir.zip64 {
            dir.anomalies.push(Anomaly::new(
                "zip-gap-before-eocd",
                format!("{} bytes between the central directory and the EOCD", eocd.saturating_sub(cd_end)),
                "",
                Some(cd_end as u64),
            ));
        }
        if total > limits.max_entries as u64 {
            return Err(Error::LimitExceeded { what: "zip entries", limit: limits.max_entries as u64 });
        }
        let cd = held(cd_start)
            .zip(held(cd_end))
            .and_then(|(from, to)| data.get(from..to))
            .ok_or_else(|| truncated("central directory", cd_start))?;
        let mut r = Reader::with_base(cd, cd_offset);
        // Capacity from the declared count, capped by what the CD can hold.
        let cap = usize::try_from(total).unwrap_or(0).min(cd.len() / CDH_LEN);
        dir.entries.reserve(cap);
        let mut read = 0u64;
        while r.remaining() > 0 {
            if dir.entries.len() >= limits.max_entries {
                return Err(Error::LimitExceeded { what: "zip entries", limit: limits.max_entries as u64 });
            }
            let at = r.offset();
            if r.peek(4) != Some(&CDH_SIG.to_le_bytes()[..]) {
                // libziparchive stops with "missed a central dir sig"; entries so far stay.
                dir.anomalies.push(Anomaly::new(
                    "zip-central-directory-junk",
                    format!("no central header signature where entry {} should start", dir.entries.len()),
                    "",
                    Some(at),
                ));
                break;
            }
            match parse_cdh(&mut r) {
                Some(entry) => {
                    dir.push(entry);
                    read = read.saturating_add(1);
                }
                None => {
                    dir.anomalies.push(Anomaly::new(
                        "zip-central-directory-truncated",
                        "central directory entry truncated",
                        "",
                        Some(at),
                    ));
                    break;
                }
            }
        }
        if read != total {
            dir.anomalies.push(Anomaly::new(
                "zip-entry-count-mismatch",
                format!("EOCD declares {total} entries, the central directory holds {read}"),
                "",
                Some(eocd as u64),
            ));
        }
        Ok(dir)
    }

    fn push(&mut self, entry: ZipEntry) {
        let idx = self.entries.len();
        if std::str::from_utf8(&entry.name_raw).is_err() {
            self.anomalies.push(Anomaly::new(
                "zip-non-utf8-name",
                "entry name is not UTF-8",
                entry.name.clone(),
                Some(entry.cd_offset),
            ));
        }
        if entry.name.is_empty() {
            self.anomalies.push(Anomaly::new("zip-empty-name", "entry with an empty name", "", Some(entry.cd_offset)));
        }
        if entry.flags & FLAG_ENCRYPTED != 0 {
            self.anomalies.push(Anomaly::new(
                "zip-encrypted-flag",
                "entry claims to be encrypted; Android ignores the flag and reads it",
                entry.name.clone(),
                Some(entry.cd_offset),
            ));
        }
        if entry.method != METHOD_STORED && entry.method != METHOD_DEFLATED {
            self.anomalies.push(Anomaly::new(
                "zip-unknown-compression-method",
                format!("compression method {}; Android's resource loader reads it as stored", entry.method),
                entry.name.clone(),
                Some(entry.cd_offset),
            ));
        }
        if self.index.contains_key(&entry.name) {
            self.anomalies.push(Anomaly::new(
                "zip-duplicate-entry",
                "duplicate entry name: Android refuses to install such an archive; the first entry is analysed",
                entry.name.clone(),
                Some(entry.cd_offset),
            ));
        } else {
            self.index.insert(entry.name.clone(), idx);
        }
        self.entries.push(entry);
    }

    /// The first entry with this exact name.
    pub fn find(&self, name: &str) -> Option<&ZipEntry> {
        self.index.get(name).and_then(|&i| self.entries.get(i))
    }

    /// Offset and length of an entry's data, from its local header.
    pub fn data_range<'d>(
        &self,
        data: impl Into<Source<'d>>,
        entry: &ZipEntry,
    ) -> Result<(usize, usize, Vec<Anomaly>)> {
        self.data_range_in(data.into(), entry)
    }

    /// [`Self::data_range`] in an archive of any [`Source`].
    fn data_range_in(&self, src: Source<'_>, entry: &ZipEntry) -> Result<(usize, usize, Vec<Anomaly>)> {
        let mut anomalies = Vec::new();
        let lfh = usize::try_from(entry.local_header_offset).map_err(|_| truncated("local header", 0))?;
        let mut local = Vec::new();
        let head = src.get(entry.local_header_offset, LFH_LEN, &mut local).ok_or_else(|| Error::Entry {
            name: entry.name.clone(),
            reason: "local header offset past the end of the file",
        })?;
        let hdr: [u8; LFH_LEN] =
            head.try_into().map_err(|_| Error::Entry { name: entry.name.clone(), reason: "local header truncated" })?;
        let mut h = Reader::new(&hdr);
        if h.u32_le() != Some(LFH_SIG) {
            return Err(Error::Entry {
                name: entry.name.clone(),
                reason: "no local header signature at the offset the central directory gives",
            });
        }
        let _version = h.u16_le();
        let flags = h.u16_le().unwrap_or(0);
        let method = h.u16_le().unwrap_or(0);
        h.skip(4);
        let crc = h.u32_le().unwrap_or(0);
        let csize = h.u32_le().unwrap_or(0);
        let usize_ = h.u32_le().unwrap_or(0);
        let name_len = usize::from(h.u16_le().unwrap_or(0));
        let extra_len = usize::from(h.u16_le().unwrap_or(0));
        let local_name = src
            .get(entry.local_header_offset.saturating_add(LFH_LEN as u64), name_len, &mut local)
            .filter(|n| n.len() == name_len)
            .ok_or_else(|| Error::Entry { name: entry.name.clone(), reason: "local header name truncated" })?;
        if local_name != entry.name_raw.as_slice() {
            anomalies.push(Anomaly::new(
                "zip-local-name-mismatch",
                format!("local header names {:?}", String::from_utf8_lossy(local_name)),
                entry.name.clone(),
                Some(entry.local_header_offset),
            ));
        }
        if method != entry.method {
            anomalies.push(Anomaly::new(
                "zip-local-method-mismatch",
                format!(
                    "local header method {method}, central directory {} (the central directory wins)",
                    entry.method
                ),
                entry.name.clone(),
                Some(entry.local_header_offset),
            ));
        }
        if flags & FLAG_DATA_DESCRIPTOR == 0
            && entry.compressed_size < 0xffff_ffff
            && (u64::from(csize) != entry.compressed_size
                || u64::from(usize_) != entry.uncompressed_size
                || crc != entry.crc32)
        {
            anomalies.push(Anomaly::new(
                "zip-local-header-mismatch",
                "local header sizes or CRC differ from the central directory (the central directory wins)",
                entry.name.clone(),
                Some(entry.local_header_offset),
            ));
        }
        let start = lfh
            .checked_add(LFH_LEN)
            .and_then(|v| v.checked_add(name_len))
            .and_then(|v| v.checked_add(extra_len))
            .ok_or_else(|| truncated("entry data", lfh))?;
        let len = usize::try_from(entry.compressed_size).map_err(|_| truncated("entry data", start))?;
        Ok((start, len, anomalies))
    }

    /// Fills `out` with the first bytes of the entry's content (inflating only
    /// as much as needed). False when the entry is shorter or unreadable.
    pub fn peek<'d>(&self, data: impl Into<Source<'d>>, entry: &ZipEntry, out: &mut [u8]) -> bool {
        self.peek_in(data.into(), entry, out)
    }

    /// [`Self::peek`] in an archive of any [`Source`]. At most
    /// [`MAX_PEEK_INPUT`] bytes of the entry's data are looked at.
    fn peek_in(&self, src: Source<'_>, entry: &ZipEntry, out: &mut [u8]) -> bool {
        let Ok((start, len, _)) = self.data_range_in(src, entry) else {
            return false;
        };
        let mut held = Vec::new();
        let raw = src.get(start as u64, len.min(MAX_PEEK_INPUT), &mut held).unwrap_or(&[]);
        if entry.method != METHOD_DEFLATED {
            return match raw.get(..out.len()) {
                Some(head) => {
                    out.copy_from_slice(head);
                    true
                }
                None => false,
            };
        }
        let mut d = flate2::Decompress::new(false);
        let mut filled = 0usize;
        // Each call makes progress or we stop; a few rounds cover any header.
        for _ in 0..64 {
            let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
            let Some(input) = raw.get(consumed..) else {
                return false;
            };
            let Some(dst) = out.get_mut(filled..) else {
                return false;
            };
            let before = d.total_out();
            match d.decompress(input, dst, flate2::FlushDecompress::None) {
                Ok(status) => {
                    let produced = usize::try_from(d.total_out().saturating_sub(before)).unwrap_or(0);
                    filled = filled.saturating_add(produced);
                    if filled >= out.len() {
                        return true;
                    }
                    if status == flate2::Status::StreamEnd || (produced == 0 && input.is_empty()) {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// Returns the entry's bytes: borrowed from `data` when stored, inflated
    /// into `buf` (cleared first, capacity reused) when deflated. At most
    /// `max_bytes` are produced.
    pub fn read<'d>(
        &self,
        data: impl Into<Source<'d>>,
        entry: &ZipEntry,
        max_bytes: u64,
        buf: &'d mut Vec<u8>,
    ) -> Result<(&'d [u8], Vec<Anomaly>)> {
        self.read_in(data.into(), entry, max_bytes, buf)
    }

    /// [`Self::read`] of bytes in memory.
    fn read_memory<'d>(
        &self,
        data: &'d [u8],
        entry: &ZipEntry,
        max_bytes: u64,
        buf: &'d mut Vec<u8>,
    ) -> Result<(&'d [u8], Vec<Anomaly>)> {
        let (start, len, mut anomalies) = self.data_range(data, entry)?;
        let end = start.checked_add(len).ok_or_else(|| truncated("entry data", start))?;
        let Some(raw) = data.get(start..end) else {
            // Truncated data: take what is there (Android would fail this entry).
            anomalies.push(truncated_data(entry, start, len, data.len()));
            let raw = data.get(start..).unwrap_or(&[]);
            return self.decode(entry, raw, max_bytes, buf, anomalies);
        };
        self.decode(entry, raw, max_bytes, buf, anomalies)
    }

    /// [`Self::read`] in an archive of any [`Source`]. From a file, the
    /// entry's bytes are read into `buf` (stored) or into this thread's
    /// scratch buffer and inflated into `buf`.
    fn read_in<'d>(
        &self,
        src: Source<'d>,
        entry: &ZipEntry,
        max_bytes: u64,
        buf: &'d mut Vec<u8>,
    ) -> Result<(&'d [u8], Vec<Anomaly>)> {
        let file = match src {
            Source::Memory(data) => return self.read_memory(data, entry, max_bytes, buf),
            Source::File(f) => f,
        };
        let (start, len, mut anomalies) = self.data_range_in(src, entry)?;
        let end = start.checked_add(len).ok_or_else(|| truncated("entry data", start))?;
        let total = usize::try_from(file.len()).unwrap_or(usize::MAX);
        if end > total {
            anomalies.push(truncated_data(entry, start, len, total));
        }
        let raw_len = end.min(total).saturating_sub(start);
        let read = |out: &mut [u8]| {
            file.read_exact_at(out, start as u64).map_err(|_| Error::Entry {
                name: entry.name.clone(),
                reason: "entry data could not be read from the file",
            })
        };
        if entry.method != METHOD_DEFLATED
            && (entry.method == METHOD_STORED || entry.compressed_size == entry.uncompressed_size)
        {
            // Returned as they are: read straight into `buf`.
            if raw_len as u64 > max_bytes {
                return Err(Error::LimitExceeded { what: "entry size", limit: max_bytes });
            }
            super::grow_zeroed(buf, raw_len);
            read(buf.get_mut(..raw_len).unwrap_or_default())?;
            let out: &'d [u8] = buf.get(..raw_len).unwrap_or_default();
            check_crc(entry, out, &mut anomalies);
            return Ok((out, anomalies));
        }
        let n = super::source::with_scratch(|scratch| {
            super::grow_zeroed(scratch, raw_len);
            let raw = scratch.get_mut(..raw_len).unwrap_or_default();
            read(raw)?;
            match self.decode_into(entry, raw, max_bytes, buf, &mut anomalies)? {
                Some(n) => Ok(n),
                None => {
                    buf.clear();
                    buf.extend_from_slice(raw);
                    Ok(raw_len)
                }
            }
        })?;
        Ok((buf.get(..n).unwrap_or_default(), anomalies))
    }

    fn decode<'d>(
        &self,
        entry: &ZipEntry,
        raw: &'d [u8],
        max_bytes: u64,
        buf: &'d mut Vec<u8>,
        mut anomalies: Vec<Anomaly>,
    ) -> Result<(&'d [u8], Vec<Anomaly>)> {
        match self.decode_into(entry, raw, max_bytes, buf, &mut anomalies)? {
            Some(n) => Ok((buf.get(..n).unwrap_or_default(), anomalies)),
            None => Ok((raw, anomalies)),
        }
    }

    /// Decodes `raw`: Some(n) when the entry's bytes are the first n of
    /// `buf`, None when they are `raw` itself.
    fn decode_into(
        &self,
        entry: &ZipEntry,
        raw: &[u8],
        max_bytes: u64,
        buf: &mut Vec<u8>,
        anomalies: &mut Vec<Anomaly>,
    ) -> Result<Option<usize>> {
        if entry.method == METHOD_DEFLATED {
            let n = inflate(raw, entry, max_bytes, self.ratio, buf)?;
            let out: &[u8] = buf.get(..n).unwrap_or_default();
            if out.len() as u64 != entry.uncompressed_size {
                anomalies.push(Anomaly::new(
                    "zip-size-mismatch",
                    format!("inflated to {} bytes, central directory says {}", out.len(), entry.uncompressed_size),
                    entry.name.clone(),
                    None,
                ));
            }
            check_crc(entry, out, anomalies);
            return Ok(Some(out.len()));
        }
        if raw.len() as u64 > max_bytes {
            return Err(Error::LimitExceeded { what: "entry size", limit: max_bytes });
        }
        if entry.method != METHOD_STORED && entry.compressed_size != entry.uncompressed_size {
            // An unknown method whose sizes differ: the bytes are most likely
            // deflated (apkInspector's DEFLATED_TAMPERED); try that first.
            if let Some(n) = inflate(raw, entry, max_bytes, self.ratio, buf).ok().filter(|&n| n > 0) {
                anomalies.push(Anomaly::new(
                    "zip-deflated-under-unknown-method",
                    "entry with an unknown method holds deflated data",
                    entry.name.clone(),
                    None,
                ));
                return Ok(Some(n));
            }
        }
        check_crc(entry, raw, anomalies);
        Ok(None)
    }
}

/// Entry data bytes [`ZipDirectory::peek`] looks at, at most: a deflate
/// stream's first bytes need far fewer.
pub const MAX_PEEK_INPUT: usize = 1 << 20;

/// The anomaly of an entry whose data runs past the end of the file.
fn truncated_data(entry: &ZipEntry, start: usize, len: usize, file_len: usize) -> Anomaly {
    Anomaly::new(
        "zip-entry-data-truncated",
        format!("entry data runs past the end of the file ({} of {len} bytes present)", file_len.saturating_sub(start)),
        entry.name.clone(),
        Some(start as u64),
    )
}

/// CRC-32 (ISO-HDLC, zip's), by libdeflate (carry-less multiply where the
/// CPU has it).
pub fn crc32(bytes: &[u8]) -> u32 {
    libdeflater::crc32(bytes)
}

fn check_crc(entry: &ZipEntry, bytes: &[u8], anomalies: &mut Vec<Anomaly>) {
    let sum = crc32(bytes);
    if sum != entry.crc32 {
        anomalies.push(Anomaly::new(
            "zip-crc-mismatch",
            format!("CRC-32 {sum:08x}, central directory says {:08x}", entry.crc32),
            entry.name.clone(),
            None,
        ));
    }
}

/// Raw-deflate `raw` into the start of `buf`, producing at most `max_bytes`,
/// and stopping once the output passes `ratio.1` bytes at more than
/// `ratio.0` output bytes per input byte (a bomb, whatever sizes the headers
/// claim). Returns how many bytes of `buf` it wrote; `buf` may be longer.
fn inflate(raw: &[u8], entry: &ZipEntry, max_bytes: u64, ratio: (u64, u64), buf: &mut Vec<u8>) -> Result<usize> {
    if let Some(n) = inflate_one_shot(raw, entry.uncompressed_size, max_bytes, ratio, buf) {
        return Ok(n);
    }
    inflate_streaming(raw, entry, max_bytes, ratio, buf)?;
    Ok(buf.len())
}

/// Output sizes up to this many times the compressed size go through the
/// one-shot decoder (real DEX, .so and XML deflate 2:1 to 10:1); larger
/// claims, which a lying header can make, take the streaming path, which
/// never reserves more than it has produced.
const ONE_SHOT_MAX_RATIO: u64 = 32;

thread_local! {
    static DEFLATE: std::cell::RefCell<libdeflater::Decompressor> =
        std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// Inflates `raw` in one call (libdeflate) into the first bytes of `buf`,
/// as many as the central directory's uncompressed size says. Some(that
/// size) only when the stream inflates to exactly that size; anything else
/// (a wrong size, corrupt data, a size past the limits or the ratio) returns
/// None, and the streaming decoder then produces the bytes, the errors and
/// the anomalies.
fn inflate_one_shot(raw: &[u8], declared: u64, max_bytes: u64, ratio: (u64, u64), buf: &mut Vec<u8>) -> Option<usize> {
    let (max_ratio, floor) = ratio;
    let compressed = raw.len() as u64;
    let sane = declared > 0
        && declared <= max_bytes
        && declared <= compressed.saturating_mul(ONE_SHOT_MAX_RATIO).max(64 * 1024)
        && (max_ratio == 0 || declared <= floor || declared.checked_div(compressed).is_some_and(|r| r <= max_ratio));
    let size = usize::try_from(declared).ok().filter(|_| sane)?;
    // The buffer's old bytes are overwritten, not zeroed first.
    super::grow_zeroed(buf, size);
    let out = buf.get_mut(..size)?;
    let done = DEFLATE.with(|d| match d.try_borrow_mut() {
        Ok(mut d) => d.deflate_decompress(raw, out).ok(),
        Err(_) => None,
    });
    done.filter(|&n| n == size)
}

fn inflate_streaming(raw: &[u8], entry: &ZipEntry, max_bytes: u64, ratio: (u64, u64), buf: &mut Vec<u8>) -> Result<()> {
    use flate2::{Decompress, FlushDecompress, Status};
    buf.clear();
    // The declared size is a hint only: never reserve more than the limit, nor
    // more than a generous ratio of the compressed size.
    let hint = entry.uncompressed_size.min(max_bytes).min((raw.len() as u64).saturating_mul(64).saturating_add(4096));
    // With the ratio check on, start no bigger than its floor: each inflate
    // call fills the whole spare capacity before the ratio is looked at.
    let hint = if ratio.0 > 0 { hint.min(ratio.1) } else { hint };
    buf.reserve_exact(usize::try_from(hint).unwrap_or(0));
    let mut d = Decompress::new(false);
    loop {
        if buf.len() == buf.capacity() {
            if buf.len() as u64 >= max_bytes {
                return Err(Error::LimitExceeded { what: "inflated entry size", limit: max_bytes });
            }
            let grow = buf
                .len()
                .max(64 * 1024)
                .min(usize::try_from(max_bytes).unwrap_or(usize::MAX).saturating_sub(buf.len()));
            buf.reserve_exact(grow.max(1));
        }
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let input = raw.get(consumed..).unwrap_or(&[]);
        let before_out = d.total_out();
        let before_in = d.total_in();
        let status = d.decompress_vec(input, buf, FlushDecompress::Finish).map_err(|e| Error::Inflate {
            name: entry.name.clone(),
            offset: d.total_out(),
            reason: e.to_string(),
        })?;
        if buf.len() as u64 > max_bytes {
            return Err(Error::LimitExceeded { what: "inflated entry size", limit: max_bytes });
        }
        let (max_ratio, floor) = ratio;
        if max_ratio > 0
            && d.total_out() > floor
            && d.total_out().checked_div(d.total_in().max(1)).unwrap_or(0) > max_ratio
        {
            return Err(Error::LimitExceeded { what: "compression ratio", limit: max_ratio });
        }
        match status {
            Status::StreamEnd => return Ok(()),
            Status::Ok | Status::BufError => {
                if d.total_out() == before_out && d.total_in() == before_in && buf.len() < buf.capacity() {
                    // No progress with room to spare: the input ended early.
                    return Err(Error::Inflate {
                        name: entry.name.clone(),
                        offset: d.total_out(),
                        reason: "deflate stream ends before its final block".to_string(),
                    });
                }
            }
        }
    }
}

/// Most local headers walked by the recovery scan, whatever the limits say.
const MAX_RECOVERED_ENTRIES: usize = 200_000;

/// The next `sig` at or after `from`.
fn find_sig(data: &[u8], from: usize, sig: &[u8; 4]) -> Option<usize> {
    let hay = data.get(from..)?;
    hay.windows(4).position(|w| w == sig).and_then(|p| p.checked_add(from))
}

/// Walks the local headers from the start of the file (the recovery path of
/// [`ZipDirectory::recover`]). Entries get the local header's method, sizes
/// and CRC; one whose sizes follow in a data descriptor runs up to the next
/// zip signature (inflate stops at the end of its stream anyway).
fn scan_local_headers(data: &[u8], limits: &ZipLimits) -> Result<ZipDirectory> {
    let mut dir = ZipDirectory { ratio: (limits.max_ratio, limits.ratio_floor), ..ZipDirectory::default() };
    let max = limits.max_entries.min(MAX_RECOVERED_ENTRIES);
    let mut pos = find_sig(data, 0, b"PK\x03\x04").ok_or(Error::NoEocd)?;
    loop {
        if dir.entries.len() >= max {
            return Err(Error::LimitExceeded { what: "zip entries", limit: max as u64 });
        }
        let mut r = Reader::at(data, pos).ok_or_else(|| truncated("local header", pos))?;
        let parsed = (|| {
            r.skip(6)?;
            let flags = r.u16_le()?;
            let method = r.u16_le()?;
            r.skip(4)?;
            let crc32 = r.u32_le()?;
            let csize = r.u32_le()?;
            let usize_ = r.u32_le()?;
            let name_len = usize::from(r.u16_le()?);
            let extra_len = usize::from(r.u16_le()?);
            let name_raw = r.take(name_len)?.to_vec();
            r.skip(extra_len)?;
            Some((flags, method, crc32, csize, usize_, name_raw, r.position()))
        })();
        let Some((flags, method, mut crc32, csize, usize_, name_raw, data_start)) = parsed else {
            break;
        };
        // One pass for whichever zip signature comes first.
        let next_sig = |from: usize| {
            data.get(from..)
                .and_then(|hay| {
                    hay.windows(4)
                        .position(|w| matches!(w, [b'P', b'K', 3, 4] | [b'P', b'K', 1, 2] | [b'P', b'K', 5, 6]))
                })
                .and_then(|p| p.checked_add(from))
                .unwrap_or(data.len())
        };
        let (compressed_size, uncompressed_size, next) = if flags & FLAG_DATA_DESCRIPTOR == 0 {
            let end = data_start.saturating_add(usize::try_from(csize).unwrap_or(usize::MAX)).min(data.len());
            (u64::from(csize), u64::from(usize_), end)
        } else {
            let end = next_sig(data_start);
            // A signed data descriptor (PK\x07\x08, crc, csize, usize) ends the data.
            let mut csize = end.saturating_sub(data_start);
            let mut usize_ = 0u64;
            if let Some(dd) = end.checked_sub(16) {
                if dd >= data_start && data.get(dd..dd.saturating_add(4)) == Some(&b"PK\x07\x08"[..]) {
                    crc32 = crate::formats::reader::u32_le_at(data, dd.saturating_add(4)).unwrap_or(crc32);
                    csize = dd.saturating_sub(data_start);
                    usize_ = u64::from(crate::formats::reader::u32_le_at(data, dd.saturating_add(12)).unwrap_or(0));
                }
            }
            (csize as u64, usize_, end)
        };
        let name = String::from_utf8_lossy(&name_raw).into_owned();
        dir.push(ZipEntry {
            name_raw,
            name,
            method,
            flags,
            crc32,
            compressed_size,
            uncompressed_size,
            local_header_offset: pos as u64,
            cd_offset: pos as u64,
        });
        // The next header: right after the data, else the next signature.
        let after = next.max(pos.saturating_add(4));
        match find_sig(data, after, b"PK\x03\x04") {
            Some(p) => pos = p,
            None => break,
        }
    }
    if dir.entries.is_empty() {
        return Err(Error::NoEocd);
    }
    let first_cd = find_sig(data, pos, b"PK\x01\x02").unwrap_or(data.len());
    dir.cd_offset = first_cd as u64;
    dir.eocd_offset = data.len() as u64;
    Ok(dir)
}

/// Parses one central directory header at the cursor.
fn parse_cdh(r: &mut Reader<'_>) -> Option<ZipEntry> {
    let cd_offset = r.offset();
    r.skip(4)?;
    let _made_by = r.u16_le()?;
    let _needed = r.u16_le()?;
    let flags = r.u16_le()?;
    let method = r.u16_le()?;
    let _time = r.u16_le()?;
    let _date = r.u16_le()?;
    let crc32 = r.u32_le()?;
    let mut compressed_size = u64::from(r.u32_le()?);
    let mut uncompressed_size = u64::from(r.u32_le()?);
    let name_len = usize::from(r.u16_le()?);
    let extra_len = usize::from(r.u16_le()?);
    let comment_len = usize::from(r.u16_le()?);
    let _disk = r.u16_le()?;
    let _internal = r.u16_le()?;
    let _external = r.u32_le()?;
    let mut local_header_offset = u64::from(r.u32_le()?);
    let name_raw = r.take(name_len)?.to_vec();
    let extra = r.take(extra_len)?;
    r.skip(comment_len)?;
    // ZIP64 extended information: present fields in order usize, csize, offset.
    let mut e = Reader::new(extra);
    while e.remaining() >= 4 {
        let (Some(id), Some(size)) = (e.u16_le(), e.u16_le()) else {
            break;
        };
        let Some(mut field) = e.sub(usize::from(size)) else {
            break;
        };
        if id == 0x0001 {
            if uncompressed_size == 0xffff_ffff {
                uncompressed_size = field.u64_le().unwrap_or(uncompressed_size);
            }
            if compressed_size == 0xffff_ffff {
                compressed_size = field.u64_le().unwrap_or(compressed_size);
            }
            if local_header_offset == 0xffff_ffff {
                local_header_offset = field.u64_le().unwrap_or(local_header_offset);
            }
        }
    }
    let name = String::from_utf8_lossy(&name_raw).into_owned();
    Some(ZipEntry {
        name_raw,
        name,
        method,
        flags,
        crc32,
        compressed_size,
        uncompressed_size,
        local_header_offset,
        cd_offset,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// A minimal zip writer for tests: (name, method, payload-as-stored, uncompressed).
    pub(crate) fn build(entries: &[(&str, u16, Vec<u8>, Vec<u8>)], comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, method, payload, plain) in entries {
            let off = out.len() as u32;
            let crc = crc32(plain);
            for v in
                [&LFH_SIG.to_le_bytes()[..], &20u16.to_le_bytes(), &0u16.to_le_bytes(), &method.to_le_bytes(), &[0; 4]]
            {
                out.extend_from_slice(v);
            }
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(&(plain.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(payload);
            cd.extend_from_slice(&CDH_SIG.to_le_bytes());
            cd.extend_from_slice(&20u16.to_le_bytes());
            cd.extend_from_slice(&20u16.to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes());
            cd.extend_from_slice(&method.to_le_bytes());
            cd.extend_from_slice(&[0; 4]);
            cd.extend_from_slice(&crc.to_le_bytes());
            cd.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(plain.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        out.extend_from_slice(comment);
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_stored_and_deflated_entries() {
        let text = b"hello hello hello hello".to_vec();
        let zip = build(&[("a.txt", 0, text.clone(), text.clone()), ("b.txt", 8, deflate(&text), text.clone())], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        assert_eq!(dir.entries.len(), 2);
        assert!(dir.anomalies.is_empty(), "{:?}", dir.anomalies);
        let mut buf = Vec::new();
        let (bytes, an) = dir.read(&zip, dir.find("b.txt").unwrap(), 1 << 20, &mut buf).unwrap();
        assert_eq!(bytes, &text[..]);
        assert!(an.is_empty());
        let mut buf = Vec::new();
        let (bytes, _) = dir.read(&zip, dir.find("a.txt").unwrap(), 1 << 20, &mut buf).unwrap();
        assert_eq!(bytes, &text[..]);
    }

    /// One buffer through entries of falling and rising sizes, one of them
    /// with a wrong declared size (the one-shot decoder fails and the
    /// streaming one reads it): each read gives exactly its entry's bytes,
    /// whatever the buffer held or how long it was before.
    #[test]
    fn a_reused_buffer_gives_each_entry_exactly() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let small = b"small small small".to_vec();
        let mid: Vec<u8> = (0..70_000u32).map(|i| (i % 13) as u8 + b'a').collect();
        let zip = build(
            &[
                ("big", 8, deflate(&big), big.clone()),
                ("small", 8, deflate(&small), small.clone()),
                ("mid", 8, deflate(&mid), mid.clone()),
            ],
            b"",
        );
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        let mut buf = vec![0xAAu8; 5];
        for (name, want) in [("big", &big), ("small", &small), ("mid", &mid), ("small", &small), ("big", &big)] {
            let (bytes, an) = dir.read(&zip, dir.find(name).unwrap(), 1 << 20, &mut buf).unwrap();
            assert!(bytes == &want[..], "{name}: {} bytes, want {}", bytes.len(), want.len());
            assert!(an.is_empty(), "{name}: {an:?}");
        }
        assert!(buf.len() >= big.len(), "the buffer keeps its length between reads");
        // A declared size one byte short: the one-shot decoder cannot finish.
        let mut lying = dir.find("mid").unwrap().clone();
        lying.uncompressed_size -= 1;
        let (bytes, an) = dir.read(&zip, &lying, 1 << 20, &mut buf).unwrap();
        assert!(bytes == &mid[..], "streamed: {} bytes", bytes.len());
        let ids: Vec<_> = an.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["zip-local-header-mismatch", "zip-size-mismatch"]);
    }

    #[test]
    fn no_eocd_is_an_error() {
        assert!(matches!(ZipDirectory::parse(b"PK\x03\x04 not really", &ZipLimits::default()), Err(Error::NoEocd)));
    }

    #[test]
    fn unknown_method_reads_as_stored_with_an_anomaly() {
        let text = b"manifest bytes".to_vec();
        let zip = build(&[("AndroidManifest.xml", 0x1234, text.clone(), text.clone())], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        assert!(dir.anomalies.iter().any(|a| a.id == "zip-unknown-compression-method"));
        let mut buf = Vec::new();
        let (bytes, _) = dir.read(&zip, &dir.entries[0], 1 << 20, &mut buf).unwrap();
        assert_eq!(bytes, &text[..]);
    }

    #[test]
    fn duplicate_names_keep_the_first_and_are_reported() {
        let zip = build(&[("x", 0, b"1".to_vec(), b"1".to_vec()), ("x", 0, b"2".to_vec(), b"2".to_vec())], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        assert!(dir.anomalies.iter().any(|a| a.id == "zip-duplicate-entry"));
        let mut buf = Vec::new();
        assert_eq!(dir.read(&zip, dir.find("x").unwrap(), 10, &mut buf).unwrap().0, b"1");
    }

    #[test]
    fn eocd_in_the_comment_uses_the_last_one() {
        // A fake EOCD inside the comment of the real one would come later in the
        // file; here the real EOCD is followed by a comment holding a signature.
        let text = b"abc".to_vec();
        let mut comment = EOCD_SIG.to_le_bytes().to_vec();
        comment.extend_from_slice(&[0u8; 18]);
        let zip = build(&[("a", 0, text.clone(), text.clone())], &comment);
        let r = ZipDirectory::parse(&zip, &ZipLimits::default());
        // The fake one (closest to the end) is taken, as libziparchive does, and
        // it points to an empty directory at offset 0: Android would see no entries.
        let dir = r.unwrap();
        assert!(dir.anomalies.iter().any(|a| a.id == "zip-multiple-eocd"));
    }

    #[test]
    fn eocd_inside_a_stored_nested_zip_is_not_a_second_eocd() {
        let inner = build(&[("classes.dex", 0, b"dex\n".to_vec(), b"dex\n".to_vec())], b"");
        let zip = build(&[("assets/inner.jar", 0, inner.clone(), inner)], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        assert!(dir.anomalies.is_empty(), "{:?}", dir.anomalies);
    }

    #[test]
    fn recover_reads_a_directory_that_runs_past_the_eocd() {
        let text = b"abc".to_vec();
        let mut zip = build(&[("a", 0, text.clone(), text.clone()), ("b", 0, text.clone(), text.clone())], b"");
        // CD size one byte too large: libziparchive's "bad offsets".
        let n = zip.len();
        let size = u32::from_le_bytes(zip[n - 10..n - 6].try_into().unwrap()) + 1;
        zip[n - 10..n - 6].copy_from_slice(&size.to_le_bytes());
        assert!(ZipDirectory::parse(&zip, &ZipLimits::default()).is_err());
        let dir = ZipDirectory::recover(&zip, &ZipLimits::default()).unwrap();
        assert!(dir.recovered);
        assert_eq!(dir.entries.len(), 2);
        assert_eq!(dir.anomalies[0].id, "zip-central-directory-unreadable");
        let mut buf = Vec::new();
        assert_eq!(dir.read(&zip, dir.find("b").unwrap(), 10, &mut buf).unwrap().0, b"abc");
    }

    #[test]
    fn recover_walks_local_headers_when_there_is_no_directory() {
        let text = b"hello".to_vec();
        let zip = build(&[("a", 0, text.clone(), text.clone()), ("b", 8, deflate(&text), text.clone())], b"");
        let cut = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let dir = ZipDirectory::recover(&zip[..cut], &ZipLimits::default()).unwrap();
        assert!(dir.recovered);
        assert_eq!(dir.entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let mut buf = Vec::new();
        let (bytes, an) = dir.read(&zip[..cut], dir.find("b").unwrap(), 100, &mut buf).unwrap();
        assert_eq!(bytes, b"hello");
        assert!(an.is_empty(), "{an:?}");
        assert!(matches!(ZipDirectory::recover(b"no zip here", &ZipLimits::default()), Err(Error::NoEocd)));
    }

    #[test]
    fn ratio_limit_stops_inflating_past_the_floor() {
        let plain = vec![0u8; 8 << 20];
        let zip = build(&[("bomb", 8, deflate(&plain), plain.clone())], b"");
        let limits = ZipLimits { max_ratio: 100, ratio_floor: 1 << 20, ..ZipLimits::default() };
        let dir = ZipDirectory::parse(&zip, &limits).unwrap();
        let mut buf = Vec::new();
        let err = dir.read(&zip, &dir.entries[0], 64 << 20, &mut buf).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { what: "compression ratio", limit: 100 }), "{err}");
        assert!(buf.capacity() <= 4 << 20, "capacity {}", buf.capacity());
    }

    #[test]
    fn a_corrupt_stream_gives_one_error_whatever_the_buffer() {
        // A fixed-Huffman block whose first symbol copies from distance 1,
        // before any output: "invalid distance too far back". zlib-rs 0.6.8
        // reported that error as "repeated call with bad state" when it was
        // found with room to spare in the output (its fast path), so the
        // report of one app depended on the capacity of the buffer left by
        // the entries or apps before it (found by the `apk` fuzz target,
        // which scans each input twice).
        let mut raw = vec![0x03u8, 0x02];
        raw.extend_from_slice(&[0; 64]);
        let zip = build(&[("AndroidManifest.xml", 8, raw, vec![0; 300])], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        let messages: Vec<String> = [0usize, 100, 4096, 1 << 20]
            .into_iter()
            .map(|capacity| {
                let mut buf = Vec::with_capacity(capacity);
                dir.read(&zip, &dir.entries[0], 1 << 20, &mut buf).unwrap_err().to_string()
            })
            .collect();
        for m in &messages {
            assert_eq!(
                m, "entry \"AndroidManifest.xml\": inflate failed at output byte 0: deflate decompression error: invalid distance too far back",
                "{messages:?}"
            );
        }
    }

    #[test]
    fn inflate_limit_stops_a_bomb() {
        let plain = vec![0u8; 4 << 20];
        let zip = build(&[("bomb", 8, deflate(&plain), plain.clone())], b"");
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        let mut buf = Vec::new();
        let err = dir.read(&zip, &dir.entries[0], 1 << 20, &mut buf).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { .. }));
        assert!(buf.capacity() <= (2 << 20), "capacity {} grew past the limit", buf.capacity());
    }

    #[test]
    fn truncated_central_directory_is_an_error() {
        let text = b"abc".to_vec();
        let mut zip = build(&[("a", 0, text.clone(), text.clone())], b"");
        // Point the CD offset past the EOCD.
        let n = zip.len();
        zip[n - 6..n - 2].copy_from_slice(&(n as u32).to_le_bytes());
        assert!(matches!(ZipDirectory::parse(&zip, &ZipLimits::default()), Err(Error::Truncated { .. })));
    }

    #[test]
    fn too_many_entries_is_a_limit() {
        let zip = build(&[("a", 0, vec![], vec![]), ("b", 0, vec![], vec![])], b"");
        let limits = ZipLimits { max_entries: 1, ..ZipLimits::default() };
        assert!(matches!(ZipDirectory::parse(&zip, &limits), Err(Error::LimitExceeded { .. })));
    }

    #[test]
    fn crc_mismatch_is_reported() {
        let mut zip = build(&[("a", 0, b"abc".to_vec(), b"abc".to_vec())], b"");
        // Corrupt the data byte (after the 30-byte header and 1-byte name).
        zip[31] = b'x';
        let dir = ZipDirectory::parse(&zip, &ZipLimits::default()).unwrap();
        let mut buf = Vec::new();
        let (_, an) = dir.read(&zip, &dir.entries[0], 10, &mut buf).unwrap();
        assert!(an.iter().any(|a| a.id == "zip-crc-mismatch"));
    }
}

//! DEX (Dalvik executable) parser: the header, `string_ids`, `type_ids` and
//! `class_defs`, read lazily from a borrowed buffer.
//!
//! Place in the pipeline: `extract::dex` calls [`parse_all`] on every
//! `classes*.dex` entry and reads the class descriptors (SDK fingerprints) and
//! strings (endpoints) it needs. Nothing is copied: strings come back as
//! MUTF-8 byte slices of the input, decoded only by the caller that reports
//! them ([`mutf8_to_string`], [`descriptor_to_java_name`]).
//!
//! Format: source.android.com/docs/core/runtime/dex-format and AOSP
//! `art/libdexfile/dex/dex_file.h`. Versions 035..=041 are known. Version 041
//! (Android 15) files are *containers*: several DEX headers follow each other,
//! each `file_size` bytes apart, and every offset (section offsets and
//! `string_data_off`) is relative to the start of the container, as ART's
//! `DexFile::GetSection` resolves them against `DataBegin()`, which is the
//! whole container for v41.
//!
//! Leniency: ART verifies DEX files at install (dex2oat) but never checks
//! `file_size` against the entry size, and odex/vdex paths skip the
//! Adler-32/SHA-1. We therefore do not check the checksums by default
//! ([`DexFile::checksum_ok`] is on demand) and record oddities as
//! [`DexAnomaly`] (`dex-*` ids) instead of failing: a wrong `file_size`, an
//! unknown version, an odd `header_size`, sections reaching past the end (we
//! keep the records that are in bounds). Hard errors are only the ones that
//! leave nothing to read: too short for a header, bad magic, big-endian tag.
//!
//! Invariants: every read goes through bounds-checked accessors; no
//! allocation is sized from a count field; every walk has a `MAX_*` bound or a
//! byte budget proportional to the input.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::formats::reader::{u32_le_at, Reader};

#[cfg(test)]
mod tests;

/// `header_item` size for versions 035..=040.
pub const HEADER_SIZE: usize = 0x70;
/// `header_item` size for version 041 (adds `container_size`, `header_offset`).
pub const HEADER_SIZE_V41: usize = 0x78;
/// `endian_tag` of a little-endian file (the only kind ART loads).
pub const ENDIAN_CONSTANT: u32 = 0x1234_5678;
/// `endian_tag` of a byte-swapped file (never produced by Android tools).
pub const REVERSE_ENDIAN_CONSTANT: u32 = 0x7856_3412;
/// `NO_INDEX` in `class_def_item.superclass_idx` and friends.
pub const NO_INDEX: u32 = 0xffff_ffff;
/// First version that is a container (`DexFile::kDexContainerVersion`).
pub const DEX_CONTAINER_VERSION: u32 = 41;

/// Size of one `string_id_item`.
pub const STRING_ID_SIZE: usize = 4;
/// Size of one `type_id_item`.
pub const TYPE_ID_SIZE: usize = 4;
/// Size of one `class_def_item`.
pub const CLASS_DEF_SIZE: usize = 32;

/// DEX files walked in one v41 container. d8 writes one per 64K-method
/// split, so real containers hold a handful; this stops a chain of tiny
/// headers from producing millions of views.
pub const MAX_DEX_PER_CONTAINER: usize = 4096;
/// Longest string data accepted when looking for the terminating NUL. Java
/// class files cap a constant at 65535 bytes of MUTF-8, and d8 does not merge
/// strings, so 1 MiB is far above anything legitimate; it bounds the scan one
/// tampered `string_id` can cause.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// Versions ART knows (036 was skipped because of an old Dalvik bug).
const KNOWN_VERSIONS: [u32; 6] = [35, 37, 38, 39, 40, 41];

/// Errors that leave nothing usable to read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{what} truncated at offset {offset:#x}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("bad DEX magic at offset {offset:#x}")]
    BadMagic { offset: u64 },
    #[error("unsupported endian tag {value:#010x} at offset {offset:#x}")]
    BadEndianTag { value: u32, offset: u64 },
    #[error("{what} index {index} out of range (count {count})")]
    IndexOutOfRange { what: &'static str, index: u32, count: u32 },
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
    #[error("string data at offset {offset:#x} has no terminating NUL")]
    UnterminatedString { offset: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A tolerated oddity. The extractor turns it into an
/// [`crate::evidence::Anomaly`] with the nested file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DexAnomaly {
    /// Stable kebab-case id (`dex-file-size-mismatch`, ...).
    pub id: &'static str,
    pub message: String,
    /// Offset in the input the anomaly refers to.
    pub offset: u64,
}

/// The raw `header_item` fields (plus the v41 container fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DexHeader {
    pub magic: [u8; 8],
    pub checksum: u32,
    pub signature: [u8; 20],
    pub file_size: u32,
    pub header_size: u32,
    pub endian_tag: u32,
    pub link_size: u32,
    pub link_off: u32,
    pub map_off: u32,
    pub string_ids_size: u32,
    pub string_ids_off: u32,
    pub type_ids_size: u32,
    pub type_ids_off: u32,
    pub proto_ids_size: u32,
    pub proto_ids_off: u32,
    pub field_ids_size: u32,
    pub field_ids_off: u32,
    pub method_ids_size: u32,
    pub method_ids_off: u32,
    pub class_defs_size: u32,
    pub class_defs_off: u32,
    pub data_size: u32,
    pub data_off: u32,
    /// v41 only (header_size >= 0x78), else 0.
    pub container_size: u32,
    /// v41 only, else 0.
    pub header_offset: u32,
}

/// One DEX file: a view over the input. For v41 containers `data` is the
/// whole container and `header_at` the position of this file's header.
#[derive(Clone, Debug)]
pub struct DexFile<'a> {
    data: &'a [u8],
    header_at: usize,
    version: u32,
    header: DexHeader,
    /// The in-bounds part of each id table.
    string_ids: &'a [u8],
    type_ids: &'a [u8],
    class_defs: &'a [u8],
    anomalies: Vec<DexAnomaly>,
}

/// Parses the first (usually only) DEX file in `data`.
pub fn parse(data: &[u8]) -> Result<DexFile<'_>> {
    parse_at(data, 0)
}

/// Parses every DEX file in `data`: one for versions up to 040, all the
/// headers of a v41 container. A container member that fails to parse ends
/// the walk (the members before it are kept); the first one failing is an
/// error.
pub fn parse_all(data: &[u8]) -> Result<Vec<DexFile<'_>>> {
    let first = parse(data)?;
    if !first.is_container() {
        return Ok(vec![first]);
    }
    let container_end = match usize::try_from(first.header.container_size) {
        Ok(n) if n > 0 => n.min(data.len()),
        _ => data.len(),
    };
    let mut out = vec![first];
    let mut pos = 0usize;
    while let Some(last) = out.last() {
        let step = last.header.file_size as usize;
        // A zero or header-less step would revisit the same header forever.
        if step < HEADER_SIZE {
            break;
        }
        let Some(next) = pos.checked_add(step) else {
            break;
        };
        if next >= container_end {
            break;
        }
        if out.len() >= MAX_DEX_PER_CONTAINER {
            if let Some(first) = out.first_mut() {
                first.anomalies.push(DexAnomaly {
                    id: "dex-container-too-many",
                    message: format!("more than {MAX_DEX_PER_CONTAINER} DEX headers in one container"),
                    offset: next as u64,
                });
            }
            break;
        }
        match parse_at(data, next) {
            Ok(dex) => out.push(dex),
            Err(e) => {
                if let Some(first) = out.first_mut() {
                    first.anomalies.push(DexAnomaly {
                        id: "dex-container-member-invalid",
                        message: format!("container member at {next:#x}: {e}"),
                        offset: next as u64,
                    });
                }
                break;
            }
        }
        pos = next;
    }
    Ok(out)
}

fn read_header(data: &[u8], at: usize) -> Result<DexHeader> {
    let mut r = Reader::at(data, at).ok_or(Error::Truncated { what: "header_item", offset: at as u64 })?;
    let truncated = Error::Truncated { what: "header_item", offset: at as u64 };
    let mut fixed = r.sub(HEADER_SIZE).ok_or(truncated.clone())?;
    let mut h = DexHeader::default();
    let magic = fixed.take(8).ok_or(truncated.clone())?;
    h.magic.copy_from_slice(magic);
    h.checksum = fixed.u32_le().ok_or(truncated.clone())?;
    let sig = fixed.take(20).ok_or(truncated.clone())?;
    h.signature.copy_from_slice(sig);
    let mut fields = [0u32; 20];
    for f in fields.iter_mut() {
        *f = fixed.u32_le().ok_or(truncated.clone())?;
    }
    let [file_size, header_size, endian_tag, link_size, link_off, map_off, string_ids_size, string_ids_off, type_ids_size, type_ids_off, proto_ids_size, proto_ids_off, field_ids_size, field_ids_off, method_ids_size, method_ids_off, class_defs_size, class_defs_off, data_size, data_off] =
        fields;
    h.file_size = file_size;
    h.header_size = header_size;
    h.endian_tag = endian_tag;
    h.link_size = link_size;
    h.link_off = link_off;
    h.map_off = map_off;
    h.string_ids_size = string_ids_size;
    h.string_ids_off = string_ids_off;
    h.type_ids_size = type_ids_size;
    h.type_ids_off = type_ids_off;
    h.proto_ids_size = proto_ids_size;
    h.proto_ids_off = proto_ids_off;
    h.field_ids_size = field_ids_size;
    h.field_ids_off = field_ids_off;
    h.method_ids_size = method_ids_size;
    h.method_ids_off = method_ids_off;
    h.class_defs_size = class_defs_size;
    h.class_defs_off = class_defs_off;
    h.data_size = data_size;
    h.data_off = data_off;
    Ok(h)
}

/// Parses `version` from `dex\nNNN\0`; None when the digits are not digits.
fn magic_version(magic: &[u8; 8]) -> Option<u32> {
    let [b'd', b'e', b'x', b'\n', a, b, c, 0] = *magic else {
        return None;
    };
    let mut v = 0u32;
    for d in [a, b, c] {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(d.checked_sub(b'0')?))?;
    }
    Some(v)
}

fn parse_at(data: &[u8], at: usize) -> Result<DexFile<'_>> {
    let abs = at as u64;
    let magic = data.get(at..).and_then(|d| d.get(..8)).ok_or(Error::Truncated { what: "header_item", offset: abs })?;
    if magic.get(..4) != Some(b"dex\n".as_slice()) {
        return Err(Error::BadMagic { offset: abs });
    }
    let mut header = read_header(data, at)?;
    let mut anomalies = Vec::new();

    let version = match magic_version(&header.magic) {
        Some(v) => {
            if !KNOWN_VERSIONS.contains(&v) {
                anomalies.push(DexAnomaly {
                    id: "dex-unknown-version",
                    message: format!("unknown DEX version {v:03}"),
                    offset: abs.saturating_add(4),
                });
            }
            v
        }
        None => {
            anomalies.push(DexAnomaly {
                id: "dex-unknown-version",
                message: format!(
                    "DEX version bytes {:?} are not three digits and a NUL",
                    header.magic.get(4..8).unwrap_or(&[])
                ),
                offset: abs.saturating_add(4),
            });
            0
        }
    };

    let endian_at = abs.saturating_add(40);
    if header.endian_tag != ENDIAN_CONSTANT {
        // ART refuses byte-swapped files (DexFileVerifier::CheckHeader), and
        // every offset would be garbage if read little-endian.
        return Err(Error::BadEndianTag { value: header.endian_tag, offset: endian_at });
    }

    // v41 container fields.
    let container = version >= DEX_CONTAINER_VERSION;
    if container && header.header_size as usize >= HEADER_SIZE_V41 {
        let extra_at =
            at.checked_add(HEADER_SIZE).ok_or(Error::Truncated { what: "header_item (v41)", offset: abs })?;
        let truncated = Error::Truncated { what: "header_item (v41)", offset: extra_at as u64 };
        header.container_size = u32_le_at(data, extra_at).ok_or(truncated.clone())?;
        let off_at = extra_at.checked_add(4).ok_or(truncated.clone())?;
        header.header_offset = u32_le_at(data, off_at).ok_or(truncated)?;
    }

    let expected_header = if container { HEADER_SIZE_V41 } else { HEADER_SIZE };
    if header.header_size as usize != expected_header {
        anomalies.push(DexAnomaly {
            id: "dex-header-size-unexpected",
            message: format!(
                "header_size is {:#x}, expected {expected_header:#x} for version {version:03}",
                header.header_size
            ),
            offset: abs.saturating_add(36),
        });
    }

    if container && header.header_size as usize >= HEADER_SIZE_V41 {
        if header.header_offset as usize != at {
            anomalies.push(DexAnomaly {
                id: "dex-container-header-offset-mismatch",
                message: format!("header_offset {:#x} but the header is at {at:#x}", header.header_offset),
                offset: abs.saturating_add(HEADER_SIZE as u64).saturating_add(4),
            });
        }
        if header.container_size as usize != data.len() && at == 0 {
            anomalies.push(DexAnomaly {
                id: "dex-file-size-mismatch",
                message: format!("container_size {} but the container is {} bytes", header.container_size, data.len()),
                offset: abs.saturating_add(HEADER_SIZE as u64),
            });
        }
    } else {
        let available = data.len().saturating_sub(at);
        if header.file_size as usize != available {
            anomalies.push(DexAnomaly {
                id: "dex-file-size-mismatch",
                message: format!("file_size {} but {} bytes are present", header.file_size, available),
                offset: abs.saturating_add(32),
            });
        }
    }

    // Offsets are relative to the file start (<= v40, where `at` is 0) or the
    // container start (v41); either way, to `data`.
    // An offset past the end is reported at its header field (0x3c, 0x44,
    // 0x64), so that every anomaly offset lies inside the input.
    let field = |rel: u64| abs.saturating_add(rel);
    let string_ids = section(
        data,
        ("string_ids", field(0x3c)),
        header.string_ids_off,
        header.string_ids_size,
        STRING_ID_SIZE,
        &mut anomalies,
    );
    let type_ids = section(
        data,
        ("type_ids", field(0x44)),
        header.type_ids_off,
        header.type_ids_size,
        TYPE_ID_SIZE,
        &mut anomalies,
    );
    let class_defs = section(
        data,
        ("class_defs", field(0x64)),
        header.class_defs_off,
        header.class_defs_size,
        CLASS_DEF_SIZE,
        &mut anomalies,
    );

    Ok(DexFile { data, header_at: at, version, header, string_ids, type_ids, class_defs, anomalies })
}

/// The in-bounds whole records of a table declared as (`off`, `count`).
/// Records past the end of `data` are dropped with a
/// `dex-section-out-of-bounds` anomaly; no allocation happens here.
fn section<'a>(
    data: &'a [u8],
    (what, field_at): (&'static str, u64),
    off: u32,
    count: u32,
    record: usize,
    anomalies: &mut Vec<DexAnomaly>,
) -> &'a [u8] {
    if count == 0 {
        return &[];
    }
    let start = off as usize;
    let Some(rest) = data.get(start..) else {
        anomalies.push(DexAnomaly {
            id: "dex-section-out-of-bounds",
            message: format!("{what}: offset {off:#x} is past the end ({} bytes); {count} records dropped", data.len()),
            offset: field_at,
        });
        return &[];
    };
    let fit = rest.len().checked_div(record).unwrap_or(0);
    let usable = (count as usize).min(fit);
    if usable < count as usize {
        anomalies.push(DexAnomaly {
            id: "dex-section-out-of-bounds",
            message: format!("{what}: {count} records declared at {off:#x}, only {usable} fit in the file"),
            offset: u64::from(off),
        });
    }
    let len = usable.checked_mul(record).unwrap_or(0);
    rest.get(..len).unwrap_or(&[])
}

impl<'a> DexFile<'a> {
    /// The numeric version from the magic (35..=41; 0 when not digits).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The raw header fields.
    pub fn header(&self) -> &DexHeader {
        &self.header
    }

    /// Offset of this file's header in the input (non-zero only for the
    /// second and later members of a v41 container).
    pub fn header_offset(&self) -> usize {
        self.header_at
    }

    /// True for v41+ files that carry the container fields.
    pub fn is_container(&self) -> bool {
        self.version >= DEX_CONTAINER_VERSION && self.header.header_size as usize >= HEADER_SIZE_V41
    }

    /// Oddities tolerated while parsing.
    pub fn anomalies(&self) -> &[DexAnomaly] {
        &self.anomalies
    }

    /// Number of usable (in-bounds) `string_id`s.
    pub fn string_count(&self) -> u32 {
        count_of(self.string_ids, STRING_ID_SIZE)
    }

    /// Number of usable `type_id`s.
    pub fn type_count(&self) -> u32 {
        count_of(self.type_ids, TYPE_ID_SIZE)
    }

    /// Number of usable `class_def`s.
    pub fn class_def_count(&self) -> u32 {
        count_of(self.class_defs, CLASS_DEF_SIZE)
    }

    /// `string_data_off` of string `idx`.
    #[inline]
    pub fn string_data_offset(&self, idx: u32) -> Result<u32> {
        let at = (idx as usize).checked_mul(STRING_ID_SIZE).ok_or_else(|| Error::IndexOutOfRange {
            what: "string_ids",
            index: idx,
            count: self.string_count(),
        })?;
        u32_le_at(self.string_ids, at).ok_or_else(|| Error::IndexOutOfRange {
            what: "string_ids",
            index: idx,
            count: self.string_count(),
        })
    }

    /// The MUTF-8 bytes of string `idx` (after the uleb128 UTF-16 length, up
    /// to the NUL), borrowed from the input.
    #[inline]
    pub fn string(&self, idx: u32) -> Result<&'a [u8]> {
        let off = self.string_data_offset(idx)?;
        string_data(self.data, off)
    }

    /// Every string in id order, as (`string_data_off`, bytes). Stops after
    /// the first error, and after scanning twice the input size (legitimate
    /// string data never overlaps, so this only stops tampered files whose
    /// ids all point at one huge NUL-free region).
    pub fn strings(&self) -> StringIter<'a> {
        StringIter { data: self.data, ids: self.string_ids, pos: 0, budget: scan_budget(self.data.len()), done: false }
    }

    /// As [`Self::strings`], each string with a flag: true when it holds the
    /// byte `needles[0]` or `needles[1]`. The flag comes from the same pass
    /// that finds the string's end, so a caller interested only in strings
    /// with those bytes reads the others once.
    pub fn strings_marked(&self, needles: [u8; 2]) -> MarkedStringIter<'a> {
        MarkedStringIter { inner: self.strings(), needles }
    }

    /// Descriptor (`Lcom/foo/Bar;`) of type `idx`.
    #[inline]
    pub fn type_descriptor(&self, idx: u32) -> Result<&'a [u8]> {
        self.string(self.type_string_idx(idx)?)
    }

    /// `descriptor_idx` of type `idx`.
    #[inline]
    fn type_string_idx(&self, idx: u32) -> Result<u32> {
        let at = (idx as usize).checked_mul(TYPE_ID_SIZE).ok_or_else(|| Error::IndexOutOfRange {
            what: "type_ids",
            index: idx,
            count: self.type_count(),
        })?;
        u32_le_at(self.type_ids, at).ok_or_else(|| Error::IndexOutOfRange {
            what: "type_ids",
            index: idx,
            count: self.type_count(),
        })
    }

    /// The descriptor of each defined class, in `class_defs` order. Stops
    /// after the first error and after a byte budget like [`Self::strings`].
    pub fn class_defs(&self) -> ClassDefIter<'a, '_> {
        ClassDefIter {
            dex: self,
            pos: 0,
            budget: scan_budget(self.data.len()),
            done: false,
            ahead: [0; CLASS_DEFS_AHEAD],
            next: 0,
            filled: 0,
            failed: None,
        }
    }

    /// Verifies the Adler-32 checksum over this file's bytes after the
    /// checksum field. None when `file_size` reaches past the input.
    pub fn checksum_ok(&self) -> Option<bool> {
        let start = self.header_at.checked_add(12)?;
        let end = self.header_at.checked_add(self.header.file_size as usize)?;
        let bytes = self.data.get(start..end)?;
        Some(adler32(bytes) == self.header.checksum)
    }
}

fn count_of(table: &[u8], record: usize) -> u32 {
    u32::try_from(table.len().checked_div(record).unwrap_or(0)).unwrap_or(u32::MAX)
}

fn scan_budget(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(MAX_STRING_BYTES)
}

/// Reads a `string_data_item` at `off`: uleb128 UTF-16 length, then MUTF-8
/// bytes up to a NUL (which must come within [`MAX_STRING_BYTES`]).
fn string_data(data: &[u8], off: u32) -> Result<&[u8]> {
    string_data_marked(data, off, None).map(|(text, _)| text)
}

/// [`string_data`], and whether the text holds one of `needles` (false when
/// `needles` is None), found in the same pass over the bytes.
#[inline(always)]
fn string_data_marked(data: &[u8], off: u32, needles: Option<[u8; 2]>) -> Result<(&[u8], bool)> {
    let item = data.get(off as usize..).ok_or(Error::Truncated { what: "string_data_item", offset: u64::from(off) })?;
    // uleb128 UTF-16 length: one byte for strings shorter than 128 units.
    let (utf16_len, prefix) = match item.first() {
        Some(&b) if b < 0x80 => (u32::from(b), 1),
        _ => {
            let mut r = Reader::new(item);
            let len =
                r.uleb128().ok_or(Error::Truncated { what: "string_data_item length", offset: u64::from(off) })?;
            (len, r.position())
        }
    };
    let rest = item.get(prefix..).unwrap_or(&[]);
    // The UTF-16 length is not trusted (ART reads up to the NUL); it is only
    // a hint: for ASCII text it is the byte length, so when the byte there is
    // the NUL and none comes before it, that is the end (the same answer as
    // the search below, found word by word; short strings dominate).
    let hint = utf16_len as usize;
    if hint < MAX_STRING_BYTES && rest.get(hint) == Some(&0) {
        if let Some(text) = rest.get(..hint) {
            let (nul, marked) = scan_text(text, needles);
            if !nul {
                return Ok((text, marked));
            }
        }
    }
    let window = rest.get(..MAX_STRING_BYTES).unwrap_or(rest);
    match memchr::memchr(0, window) {
        Some(n) => {
            let text = window.get(..n).unwrap_or(&[]);
            let marked = needles.is_some_and(|[a, b]| memchr::memchr2(a, b, text).is_some());
            Ok((text, marked))
        }
        None if window.len() == MAX_STRING_BYTES => {
            Err(Error::LimitExceeded { what: "string_data_item bytes", limit: MAX_STRING_BYTES as u64 })
        }
        None => Err(Error::UnterminatedString { offset: u64::from(off) }),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero exactly when some byte of `w` is zero (the borrow of a lower
/// zero byte can set more bits above it, never make the answer wrong).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// (`text` holds a NUL, `text` holds one of `needles`), eight bytes at a
/// time; the last word overlaps the one before it instead of a byte loop.
#[inline(always)]
fn scan_text(text: &[u8], needles: Option<[u8; 2]>) -> (bool, bool) {
    let Some(last) = text.len().checked_sub(8) else {
        // Shorter than a word: byte by byte.
        let nul = text.iter().fold(false, |n, &c| n | (c == 0));
        let hit = needles.is_some_and(|[x, y]| text.iter().fold(false, |h, &c| h | (c == x) | (c == y)));
        return (nul, hit);
    };
    let (a, b) = match needles {
        Some([a, b]) => (ONES.wrapping_mul(u64::from(a)), ONES.wrapping_mul(u64::from(b))),
        None => (0, 0),
    };
    let (mut nul, mut hit) = (0u64, 0u64);
    let mut words = text.chunks_exact(8);
    for w in &mut words {
        let w = word(w);
        nul |= zero_bytes(w);
        if needles.is_some() {
            hit |= zero_bytes(w ^ a) | zero_bytes(w ^ b);
        }
    }
    if !words.remainder().is_empty() {
        let w = word(text.get(last..).unwrap_or(&[]));
        nul |= zero_bytes(w);
        if needles.is_some() {
            hit |= zero_bytes(w ^ a) | zero_bytes(w ^ b);
        }
    }
    (nul != 0, hit != 0)
}

#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    if let Some(b) = bytes.get(..8) {
        w.copy_from_slice(b);
    }
    u64::from_le_bytes(w)
}

/// Iterator over (`string_data_off`, MUTF-8 bytes). See [`DexFile::strings`].
pub struct StringIter<'a> {
    data: &'a [u8],
    ids: &'a [u8],
    pos: usize,
    budget: usize,
    done: bool,
}

impl<'a> StringIter<'a> {
    #[inline]
    fn next_marked(&mut self, needles: Option<[u8; 2]>) -> Option<Result<(u64, &'a [u8], bool)>> {
        if self.done {
            return None;
        }
        let off = u32_le_at(self.ids, self.pos)?;
        self.pos = self.pos.saturating_add(STRING_ID_SIZE);
        let item = string_data_marked(self.data, off, needles).and_then(|(s, marked)| {
            // +6: the uleb128 prefix and NUL count against the budget too.
            let cost = s.len().saturating_add(6);
            if cost > self.budget {
                return Err(Error::LimitExceeded {
                    what: "string data scanned",
                    limit: scan_budget(self.data.len()) as u64,
                });
            }
            self.budget = self.budget.saturating_sub(cost);
            Ok((u64::from(off), s, marked))
        });
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }

    fn left(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let left = self.ids.len().saturating_sub(self.pos) / STRING_ID_SIZE;
        (0, Some(left))
    }
}

impl<'a> Iterator for StringIter<'a> {
    type Item = Result<(u64, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_marked(None).map(|r| r.map(|(off, s, _)| (off, s)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.left()
    }
}

/// Iterator over (`string_data_off`, MUTF-8 bytes, holds a needle). See
/// [`DexFile::strings_marked`].
pub struct MarkedStringIter<'a> {
    inner: StringIter<'a>,
    needles: [u8; 2],
}

impl<'a> Iterator for MarkedStringIter<'a> {
    type Item = Result<(u64, &'a [u8], bool)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next_marked(Some(self.needles))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.left()
    }
}

/// Class descriptors resolved ahead of the one being returned.
const CLASS_DEFS_AHEAD: usize = 16;

/// Iterator over class descriptors of `class_defs`. See [`DexFile::class_defs`].
///
/// Each descriptor is three dependent reads away (class_def → type_id →
/// string_id → string data), each a cache miss in a large DEX. The iterator
/// resolves the next [`CLASS_DEFS_AHEAD`] class_defs one table at a time and
/// reads the first byte of each string, so that the misses of sixteen
/// classes overlap instead of following one another. What it returns, and
/// where it stops, is what resolving each class in turn gives.
pub struct ClassDefIter<'a, 'd> {
    dex: &'d DexFile<'a>,
    pos: usize,
    budget: usize,
    done: bool,
    /// `string_data_off` of the classes resolved ahead: `ahead[next..filled]`.
    ahead: [u32; CLASS_DEFS_AHEAD],
    next: usize,
    filled: usize,
    /// The error the class after `ahead[..filled]` gives.
    failed: Option<Error>,
}

impl ClassDefIter<'_, '_> {
    /// Resolves the next class_defs into `ahead`, up to the first that fails.
    fn fill(&mut self) {
        let mut idx = [0u32; CLASS_DEFS_AHEAD];
        let mut n = 0usize;
        // class_def_item.class_idx is the first u32 of the 32-byte record.
        for slot in idx.iter_mut() {
            let Some(class_idx) = u32_le_at(self.dex.class_defs, self.pos) else { break };
            self.pos = self.pos.saturating_add(CLASS_DEF_SIZE);
            match self.dex.type_string_idx(class_idx) {
                Ok(sidx) => *slot = sidx,
                Err(e) => {
                    self.failed = Some(e);
                    break;
                }
            }
            n = n.saturating_add(1);
        }
        let mut touched = 0u8;
        for (k, (&sidx, off)) in idx.iter().zip(self.ahead.iter_mut()).take(n).enumerate() {
            match self.dex.string_data_offset(sidx) {
                Ok(o) => {
                    *off = o;
                    touched ^= self.dex.data.get(o as usize).copied().unwrap_or(0);
                }
                Err(e) => {
                    // This class fails before any the first pass stopped at.
                    self.failed = Some(e);
                    n = k;
                    break;
                }
            }
        }
        // Keeps the reads that start the strings' cache misses.
        std::hint::black_box(touched);
        self.next = 0;
        self.filled = n;
    }
}

impl<'a> Iterator for ClassDefIter<'a, '_> {
    type Item = Result<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.next >= self.filled {
            if let Some(e) = self.failed.take() {
                self.done = true;
                return Some(Err(e));
            }
            self.fill();
            if self.filled == 0 {
                let e = self.failed.take()?;
                self.done = true;
                return Some(Err(e));
            }
        }
        let off = *self.ahead.get(self.next)?;
        self.next = self.next.saturating_add(1);
        let item = string_data(self.dex.data, off).and_then(|d| {
            let cost = d.len().saturating_add(6);
            if cost > self.budget {
                return Err(Error::LimitExceeded {
                    what: "class descriptor bytes scanned",
                    limit: scan_budget(self.dex.data.len()) as u64,
                });
            }
            self.budget = self.budget.saturating_sub(cost);
            Ok(d)
        });
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let left = self.dex.class_defs.len().saturating_sub(self.pos) / CLASS_DEF_SIZE;
        let ahead = self.filled.saturating_sub(self.next).saturating_add(usize::from(self.failed.is_some()));
        (0, Some(left.saturating_add(ahead)))
    }
}

/// Adler-32 (RFC 1950) as the DEX `checksum` field uses it.
pub fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // 5552 is the largest n with 255 n (n + 1) / 2 + (n + 1)(MOD - 1) < 2^32,
    // so the sums cannot overflow within one chunk.
    const NMAX: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(NMAX) {
        for &x in chunk {
            a = a.wrapping_add(u32::from(x));
            b = b.wrapping_add(a);
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Decodes MUTF-8 (DEX string data) into `out` (appending). Handles the
/// two-byte NUL (`C0 80`), three-byte encoded UTF-16 units with surrogate
/// pairs joined, and also accepts standard four-byte UTF-8 (some obfuscators
/// write it). Only truly invalid sequences and unpaired surrogates become
/// U+FFFD.
pub fn mutf8_to_string(bytes: &[u8], out: &mut String) {
    out.push_str(&mutf8_str(bytes));
}

/// The decoded text of MUTF-8 `bytes`, borrowed when no conversion is needed.
///
/// Fast path: bytes that are valid UTF-8 (all ASCII strings, and non-ASCII
/// ones without `C0 80` or encoded surrogates, which UTF-8 forbids) decode to
/// exactly themselves, so they are borrowed. Only the rest is converted.
pub fn mutf8_str(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            mutf8_convert(bytes, &mut out);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// The general MUTF-8 decoder behind [`mutf8_str`] (appends to `out`).
fn mutf8_convert(bytes: &[u8], out: &mut String) {
    let mut i = 0usize;
    let mut pending_high: Option<u16> = None;
    let flush_high = |pending: &mut Option<u16>, out: &mut String| {
        if pending.take().is_some() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    };
    while let Some(&b0) = bytes.get(i) {
        let cont = |k: usize| -> Option<u32> {
            let b = *bytes.get(i.checked_add(k)?)?;
            (b & 0xc0 == 0x80).then_some(u32::from(b & 0x3f))
        };
        let (unit, len): (Option<u32>, usize) = if b0 < 0x80 {
            (Some(u32::from(b0)), 1)
        } else if b0 & 0xe0 == 0xc0 {
            match cont(1) {
                Some(c1) => (Some((u32::from(b0 & 0x1f) << 6) | c1), 2),
                None => (None, 1),
            }
        } else if b0 & 0xf0 == 0xe0 {
            match (cont(1), cont(2)) {
                (Some(c1), Some(c2)) => (Some((u32::from(b0 & 0x0f) << 12) | (c1 << 6) | c2), 3),
                _ => (None, 1),
            }
        } else if b0 & 0xf8 == 0xf0 {
            match (cont(1), cont(2), cont(3)) {
                (Some(c1), Some(c2), Some(c3)) => (Some((u32::from(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3), 4),
                _ => (None, 1),
            }
        } else {
            (None, 1)
        };
        i = i.saturating_add(len);
        let Some(u) = unit else {
            flush_high(&mut pending_high, out);
            out.push(char::REPLACEMENT_CHARACTER);
            continue;
        };
        match u {
            0xd800..=0xdbff => {
                flush_high(&mut pending_high, out);
                pending_high = u16::try_from(u).ok();
            }
            0xdc00..=0xdfff => match pending_high.take() {
                Some(high) => {
                    let c = 0x10000u32.saturating_add((u32::from(high) & 0x3ff) << 10).saturating_add(u & 0x3ff);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => out.push(char::REPLACEMENT_CHARACTER),
            },
            _ => {
                flush_high(&mut pending_high, out);
                out.push(char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }
    flush_high(&mut pending_high, out);
}

/// Writes the dotted Java name of a class descriptor into `out` (cleared
/// first): `Lcom/foo/Bar$Baz;` → `com.foo.Bar$Baz`. Returns false (and writes
/// the decoded descriptor unchanged) when `desc` is not an object type
/// (`I`, `[Ljava/lang/String;`).
pub fn descriptor_to_java_name(desc: &[u8], out: &mut String) -> bool {
    out.clear();
    java_name_into(desc, out)
}

/// The bytes between `L` and `;` of an object type's descriptor (None for
/// anything else). When they are UTF-8 (the usual case), the Java name is
/// they with each `/` as `.`; otherwise [`java_name`] decodes them as MUTF-8.
pub fn class_descriptor_inner(desc: &[u8]) -> Option<&[u8]> {
    match desc {
        [b'L', inner @ .., b';'] if !inner.is_empty() => Some(inner),
        _ => None,
    }
}

/// As [`descriptor_to_java_name`], into a new string allocated once at its
/// final size (the usual case: an ASCII or plain UTF-8 descriptor).
pub fn java_name(desc: &[u8]) -> (String, bool) {
    if let Some(inner) = class_descriptor_inner(desc) {
        // Swapping one ASCII byte for another keeps UTF-8 valid or
        // invalid, so a valid result means `inner` was plain UTF-8 and
        // decodes to itself (see `java_name_into`).
        let dotted: Vec<u8> = inner.iter().map(|&b| if b == b'/' { b'.' } else { b }).collect();
        if let Ok(name) = String::from_utf8(dotted) {
            return (name, true);
        }
    }
    let mut out = String::with_capacity(desc.len().saturating_sub(2));
    let object = java_name_into(desc, &mut out);
    (out, object)
}

fn java_name_into(desc: &[u8], out: &mut String) -> bool {
    let Some(inner) = class_descriptor_inner(desc) else {
        out.push_str(&mutf8_str(desc));
        return false;
    };
    // '/' is one byte in both UTF-8 and MUTF-8, never part of a multi-byte
    // sequence, so swapping it before or after decoding gives the same text.
    let text = mutf8_str(inner);
    let mut parts = text.split('/');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push('.');
        out.push_str(part);
    }
    true
}

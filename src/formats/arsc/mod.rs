//! `resources.arsc`: the compiled resource table.
//!
//! Place in the pipeline: `formats`. The manifest extractor resolves
//! `@string/app_name`-style references and `res/xml/*` file paths through
//! it, and the endpoint scanner reads the global value strings.
//!
//! Semantics follow AOSP `libs/androidfw/ResourceTypes.cpp`
//! (`ResTable::addInternal`, `parsePackage`, `getEntry`) and `LoadedArsc.cpp`:
//! the first global string pool wins, unknown chunks are skipped, TYPE chunks
//! may be SPARSE (0x01) or OFFSET16 (0x02), entries may be compact
//! (`FLAG_COMPACT` 0x08) or maps (`FLAG_COMPLEX` 0x01, skipped here).
//!
//! The view is borrowed: type chunks are indexed, entries are decoded on
//! lookup. Every walk is capped by a `MAX_*` constant.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeMap;

use crate::evidence::Anomaly;
use crate::formats::axml::{data_type, PoolError, PoolOddity, StringPool, RES_STRING_POOL_TYPE, RES_TABLE_TYPE};
use crate::formats::reader::{u16_le_at, u32_le_at, Reader};

pub const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
pub const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
pub const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
pub const RES_TABLE_LIBRARY_TYPE: u16 = 0x0203;

/// `sizeof(ResTable_header)`.
pub const TABLE_HEADER_SIZE: usize = 12;
/// `sizeof(ResTable_package)` without `typeIdOffset` (older tables).
pub const PACKAGE_HEADER_MIN_SIZE: usize = 284;
/// `sizeof(ResTable_type)` without the config, plus the config's size field.
pub const TYPE_HEADER_MIN_SIZE: usize = 24;
/// Offset of `ResTable_config` inside a TYPE chunk.
pub const TYPE_CONFIG_OFFSET: usize = 20;

/// `ResTable_type::flags`.
pub const FLAG_SPARSE: u8 = 0x01;
pub const FLAG_OFFSET16: u8 = 0x02;
/// `ResTable_entry::flags`.
pub const FLAG_COMPLEX: u16 = 0x0001;
pub const FLAG_COMPACT: u16 = 0x0008;
/// `ResTable_type::NO_ENTRY`.
pub const NO_ENTRY: u32 = 0xffff_ffff;

/// Most packages read (real tables have one; shared-library builds a few).
pub const MAX_PACKAGES: usize = 64;
/// Most chunks walked per table or package.
pub const MAX_CHUNKS: usize = 1_000_000;
/// Most reference hops followed when resolving (`@string/a` → `@string/b` → ...).
/// aapt follows a handful; a cycle must not loop.
pub const MAX_REFERENCE_DEPTH: usize = 8;
/// Most anomalies recorded per table.
pub const MAX_ANOMALIES: usize = 128;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("ARSC {what} truncated at offset {offset:#x}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("ARSC {what} at offset {offset:#x}: {detail}")]
    BadChunk { what: &'static str, offset: u64, detail: &'static str },
    #[error("ARSC {what}: limit of {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A resolved value: `Res_value` dataType and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResValue {
    pub data_type: u8,
    pub data: u32,
}

#[derive(Debug)]
struct TypeChunk<'a> {
    flags: u8,
    entry_count: u32,
    /// `ResTable_config` bytes (starting with its size field).
    config: &'a [u8],
    /// Entry index array (u32, u16 or sparse pairs, by `flags`).
    index: &'a [u8],
    /// The whole chunk, for entry offsets (relative to `entries_start`).
    chunk: &'a [u8],
    entries_start: usize,
}

#[derive(Debug)]
struct Package<'a> {
    id: u32,
    name: String,
    type_strings: StringPool<'a>,
    key_strings: StringPool<'a>,
    type_id_offset: u32,
    types: BTreeMap<u8, Vec<TypeChunk<'a>>>,
}

/// A parsed resource table (borrowed).
#[derive(Debug)]
pub struct ResourceTable<'a> {
    /// The global value string pool.
    pub strings: StringPool<'a>,
    packages: Vec<Package<'a>>,
    /// Oddities tolerated while parsing (`file` is empty).
    pub anomalies: Vec<Anomaly>,
}

fn push_anomaly(list: &mut Vec<Anomaly>, id: &str, message: String, offset: usize) {
    if list.len() < MAX_ANOMALIES {
        list.push(Anomaly::new(id, message, "", Some(offset as u64)));
    }
}

fn chunk_header(data: &[u8], pos: usize) -> Option<(u16, u16, u32)> {
    let mut r = Reader::at(data, pos)?;
    Some((r.u16_le()?, r.u16_le()?, r.u32_le()?))
}

/// `validate_chunk` (ResourceTypes.cpp).
fn validate_chunk(hs: u16, size: u32, min: usize, remaining: usize) -> std::result::Result<(), &'static str> {
    let hs = usize::from(hs);
    let sz = usize::try_from(size).unwrap_or(usize::MAX);
    if hs < min {
        Err("header size too small")
    } else if hs > sz {
        Err("header size larger than chunk size")
    } else if (hs | sz) & 3 != 0 {
        Err("size not 4-byte aligned")
    } else if sz > remaining {
        Err("chunk extends past the end of the data")
    } else {
        Ok(())
    }
}

fn parse_pool<'a>(
    chunk: &'a [u8],
    pos: usize,
    what: &'static str,
    anomalies: &mut Vec<Anomaly>,
) -> Result<StringPool<'a>> {
    let mut odd = Vec::new();
    let pool = StringPool::parse(chunk, pos as u64, &mut odd).map_err(|e| Error::BadChunk {
        what,
        offset: pos as u64,
        detail: match e {
            PoolError::Truncated => "string pool header truncated",
            PoolError::StringsOutOfBounds => "strings start past the chunk end",
        },
    })?;
    for o in odd {
        let (id, msg) = match o {
            PoolOddity::StringCountTampered { declared, usable } => {
                ("arsc-string-count-tampered", format!("{what}: stringCount {declared} but only {usable} offsets fit"))
            }
            PoolOddity::OffsetsOverlapStrings => {
                ("arsc-string-offsets-overlap-data", format!("{what}: the offset array runs into the string data"))
            }
            PoolOddity::BadStyles => {
                ("arsc-bad-style-offsets", format!("{what}: styleCount/stylesStart are inconsistent"))
            }
        };
        push_anomaly(anomalies, id, msg, pos);
    }
    Ok(pool)
}

/// Parses `resources.arsc`.
pub fn parse(data: &[u8]) -> Result<ResourceTable<'_>> {
    let mut anomalies = Vec::new();
    let (ty, hs, size) = chunk_header(data, 0).ok_or(Error::Truncated { what: "ResTable_header", offset: 0 })?;
    let package_count = u32_le_at(data, 8).ok_or(Error::Truncated { what: "ResTable_header", offset: 8 })?;
    if ty != RES_TABLE_TYPE {
        push_anomaly(
            &mut anomalies,
            "arsc-bad-top-chunk-type",
            format!("top chunk type {ty:#06x}, expected {RES_TABLE_TYPE:#06x}"),
            0,
        );
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let hs = usize::from(hs);
    if hs < TABLE_HEADER_SIZE || hs > data.len() {
        return Err(Error::BadChunk { what: "ResTable_header", offset: 0, detail: "bad header size" });
    }
    let end = if size > data.len() || size < hs {
        push_anomaly(
            &mut anomalies,
            "arsc-bad-table-size",
            format!("table size {size:#x} does not fit the {:#x}-byte file", data.len()),
            4,
        );
        data.len()
    } else {
        size
    };
    let data = data.get(..end).unwrap_or(data);

    let mut table = ResourceTable { strings: StringPool::empty(), packages: Vec::new(), anomalies };
    let mut have_pool = false;
    let mut pos = hs;
    let mut chunks = 0usize;
    while pos.saturating_add(8) <= data.len() {
        chunks = chunks.saturating_add(1);
        if chunks > MAX_CHUNKS {
            return Err(Error::LimitExceeded { what: "table chunks", limit: MAX_CHUNKS as u64 });
        }
        let (cty, chs, csz) =
            chunk_header(data, pos).ok_or(Error::Truncated { what: "chunk header", offset: pos as u64 })?;
        if let Err(detail) = validate_chunk(chs, csz, 8, data.len().saturating_sub(pos)) {
            // Android fails the whole table here; we keep what we have.
            push_anomaly(
                &mut table.anomalies,
                "arsc-bad-chunk",
                format!("chunk type {cty:#06x}: {detail}; the rest of the table is ignored"),
                pos,
            );
            break;
        }
        let csz = csz as usize;
        let chunk = data.get(pos..pos.saturating_add(csz)).unwrap_or(&[]);
        match cty {
            RES_STRING_POOL_TYPE if !have_pool => {
                table.strings = parse_pool(chunk, pos, "global string pool", &mut table.anomalies)?;
                have_pool = true;
            }
            RES_STRING_POOL_TYPE => push_anomaly(
                &mut table.anomalies,
                "arsc-extra-string-pool",
                "a second global string pool is ignored (Android uses the first)".into(),
                pos,
            ),
            RES_TABLE_PACKAGE_TYPE => {
                if table.packages.len() >= MAX_PACKAGES {
                    return Err(Error::LimitExceeded { what: "packages", limit: MAX_PACKAGES as u64 });
                }
                if table.packages.len() as u64 >= u64::from(package_count) {
                    push_anomaly(
                        &mut table.anomalies,
                        "arsc-extra-package",
                        format!("more packages than the {package_count} declared (Android rejects the table)"),
                        pos,
                    );
                }
                match parse_package(chunk, pos, &mut table.anomalies) {
                    Ok(p) => table.packages.push(p),
                    Err(e) => {
                        push_anomaly(&mut table.anomalies, "arsc-bad-package", format!("package skipped: {e}"), pos)
                    }
                }
            }
            _ => push_anomaly(
                &mut table.anomalies,
                "arsc-unknown-chunk",
                format!("skipped unknown chunk type {cty:#06x}"),
                pos,
            ),
        }
        pos = pos.saturating_add(csz.max(8));
    }
    Ok(table)
}

fn parse_package<'a>(chunk: &'a [u8], base: usize, anomalies: &mut Vec<Anomaly>) -> Result<Package<'a>> {
    let hs = u16_le_at(chunk, 2).map(usize::from).unwrap_or(0);
    if hs < PACKAGE_HEADER_MIN_SIZE || hs > chunk.len() {
        return Err(Error::BadChunk {
            what: "ResTable_package",
            offset: base as u64,
            detail: "header size out of range",
        });
    }
    let trunc =
        |offset: usize| Error::Truncated { what: "ResTable_package", offset: base.saturating_add(offset) as u64 };
    let id = u32_le_at(chunk, 8).ok_or(trunc(8))?;
    let name_bytes = chunk.get(12..12 + 256).ok_or(trunc(12))?;
    let units: Vec<u16> = name_bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]))
        .take_while(|&u| u != 0)
        .collect();
    let name = String::from_utf16_lossy(&units);
    let type_strings_off = u32_le_at(chunk, 268).ok_or(trunc(268))?;
    let key_strings_off = u32_le_at(chunk, 276).ok_or(trunc(276))?;
    let type_id_offset = if hs >= 288 { u32_le_at(chunk, 284).unwrap_or(0) } else { 0 };

    let sub_pool = |off: u32, what: &'static str, anomalies: &mut Vec<Anomaly>| -> StringPool<'a> {
        let off = usize::try_from(off).unwrap_or(usize::MAX);
        let Some((_, _, sz)) = chunk_header(chunk, off) else {
            return StringPool::empty();
        };
        let end = off.saturating_add(sz as usize).min(chunk.len());
        let Some(bytes) = chunk.get(off..end) else {
            return StringPool::empty();
        };
        parse_pool(bytes, base.saturating_add(off), what, anomalies).unwrap_or_default()
    };
    let type_strings = sub_pool(type_strings_off, "type string pool", anomalies);
    let key_strings = sub_pool(key_strings_off, "key string pool", anomalies);

    let mut types: BTreeMap<u8, Vec<TypeChunk<'a>>> = BTreeMap::new();
    let mut pos = hs;
    let mut chunks = 0usize;
    while pos.saturating_add(8) <= chunk.len() {
        chunks = chunks.saturating_add(1);
        if chunks > MAX_CHUNKS {
            return Err(Error::LimitExceeded { what: "package chunks", limit: MAX_CHUNKS as u64 });
        }
        let Some((cty, chs, csz)) = chunk_header(chunk, pos) else {
            break;
        };
        if let Err(detail) = validate_chunk(chs, csz, 8, chunk.len().saturating_sub(pos)) {
            push_anomaly(
                anomalies,
                "arsc-bad-chunk",
                format!("package chunk type {cty:#06x}: {detail}; the rest of the package is ignored"),
                base.saturating_add(pos),
            );
            break;
        }
        let csz = csz as usize;
        let c = chunk.get(pos..pos.saturating_add(csz)).unwrap_or(&[]);
        match cty {
            RES_TABLE_TYPE_TYPE => match parse_type(c, usize::from(chs)) {
                Ok((type_id, tc)) => types.entry(type_id).or_default().push(tc),
                Err(detail) => push_anomaly(
                    anomalies,
                    "arsc-bad-type-chunk",
                    format!("TYPE chunk skipped: {detail}"),
                    base.saturating_add(pos),
                ),
            },
            RES_STRING_POOL_TYPE | RES_TABLE_TYPE_SPEC_TYPE | RES_TABLE_LIBRARY_TYPE => {}
            0x0204..=0x0206 => {} // overlayable, overlayable policy, staged alias
            _ => push_anomaly(
                anomalies,
                "arsc-unknown-chunk",
                format!("skipped unknown package chunk type {cty:#06x}"),
                base.saturating_add(pos),
            ),
        }
        pos = pos.saturating_add(csz.max(8));
    }
    Ok(Package { id, name, type_strings, key_strings, type_id_offset, types })
}

/// Checks a TYPE chunk the way `ResTable::parsePackage` does.
fn parse_type(c: &[u8], hs: usize) -> std::result::Result<(u8, TypeChunk<'_>), &'static str> {
    if hs < TYPE_HEADER_MIN_SIZE {
        return Err("header too small");
    }
    let id = *c.get(8).ok_or("truncated")?;
    let flags = *c.get(9).ok_or("truncated")?;
    let entry_count = u32_le_at(c, 12).ok_or("truncated")?;
    let entries_start = u32_le_at(c, 16).ok_or("truncated")? as usize;
    if id == 0 {
        return Err("type id 0");
    }
    let config_size = u32_le_at(c, TYPE_CONFIG_OFFSET).ok_or("truncated")? as usize;
    let config_end = TYPE_CONFIG_OFFSET.saturating_add(config_size).min(hs);
    let config = c.get(TYPE_CONFIG_OFFSET..config_end).ok_or("config out of bounds")?;
    let per_entry = if flags & FLAG_OFFSET16 != 0 && flags & FLAG_SPARSE == 0 { 2 } else { 4 };
    let index_len = (entry_count as usize).checked_mul(per_entry).ok_or("entry count overflow")?;
    let index = c.get(hs..hs.saturating_add(index_len)).ok_or("entry index extends beyond chunk end")?;
    if entry_count != 0 && entries_start > c.len().saturating_sub(8) {
        return Err("entriesStart past the chunk end");
    }
    Ok((id, TypeChunk { flags, entry_count, config, index, chunk: c, entries_start }))
}

impl<'a> TypeChunk<'a> {
    /// `ResTable_config` beyond its size field is all zero: the default
    /// ("any") configuration.
    fn is_default_config(&self) -> bool {
        self.config.get(4..).is_none_or(|b| b.iter().all(|&x| x == 0))
    }

    /// No language and no country (`locale` at config offset 8..12).
    fn is_locale_free(&self) -> bool {
        self.config.get(8..12).is_none_or(|b| b.iter().all(|&x| x == 0))
    }

    /// Offset of entry `e` relative to `entries_start`, per `flags`.
    fn entry_offset(&self, e: u16) -> Option<usize> {
        if self.flags & FLAG_SPARSE != 0 {
            // Sorted (idx u16, offset/4 u16) pairs; binary search.
            let n = self.index.len() / 4;
            let (mut lo, mut hi) = (0usize, n);
            while lo < hi {
                let mid = lo.checked_add(hi.checked_sub(lo)? / 2)?;
                let idx = u16_le_at(self.index, mid.checked_mul(4)?)?;
                match idx.cmp(&e) {
                    std::cmp::Ordering::Equal => {
                        let off = u16_le_at(self.index, mid.checked_mul(4)?.checked_add(2)?)?;
                        return usize::from(off).checked_mul(4);
                    }
                    std::cmp::Ordering::Less => lo = mid.checked_add(1)?,
                    std::cmp::Ordering::Greater => hi = mid,
                }
            }
            None
        } else if u32::from(e) >= self.entry_count {
            None
        } else if self.flags & FLAG_OFFSET16 != 0 {
            let off = u16_le_at(self.index, usize::from(e).checked_mul(2)?)?;
            (off != 0xffff).then(|| usize::from(off).checked_mul(4)).flatten()
        } else {
            let off = u32_le_at(self.index, usize::from(e).checked_mul(4)?)?;
            (off != NO_ENTRY).then(|| usize::try_from(off).ok()).flatten()
        }
    }

    /// The simple value of entry `e`, None for missing entries and maps.
    fn value(&self, e: u16) -> Option<ResValue> {
        let off = self.entry_offset(e)?;
        if off & 3 != 0 {
            return None;
        }
        let at = self.entries_start.checked_add(off)?;
        let size = u16_le_at(self.chunk, at)?;
        let flags = u16_le_at(self.chunk, at.checked_add(2)?)?;
        if flags & FLAG_COMPACT != 0 {
            // Compact entry: key in `size`, dataType in the high byte of
            // flags, data inline.
            let data = u32_le_at(self.chunk, at.checked_add(4)?)?;
            return Some(ResValue { data_type: (flags >> 8) as u8, data });
        }
        if flags & FLAG_COMPLEX != 0 || usize::from(size) < 8 {
            return None;
        }
        let v = at.checked_add(usize::from(size))?;
        let data_type = *self.chunk.get(v.checked_add(3)?)?;
        let data = u32_le_at(self.chunk, v.checked_add(4)?)?;
        Some(ResValue { data_type, data })
    }

    /// Key string index of entry `e`.
    fn key(&self, e: u16) -> Option<u32> {
        let off = self.entry_offset(e)?;
        let at = self.entries_start.checked_add(off)?;
        let flags = u16_le_at(self.chunk, at.checked_add(2)?)?;
        if flags & FLAG_COMPACT != 0 {
            return u16_le_at(self.chunk, at).map(u32::from);
        }
        u32_le_at(self.chunk, at.checked_add(4)?)
    }
}

impl<'a> ResourceTable<'a> {
    fn package(&self, id: u32) -> Option<&Package<'a>> {
        let pid = id >> 24;
        self.packages
            .iter()
            .find(|p| p.id == pid)
            // A shared-library table (package id 0) is loaded as 0x7f.
            .or_else(|| (pid == 0x7f).then(|| self.packages.iter().find(|p| p.id == 0)).flatten())
    }

    /// The value of `id` in the default configuration, without following
    /// references. Configuration choice: an all-zero ("any") config first,
    /// else the first config without a locale, else the first config that
    /// has the entry. This approximates what aapt reports for a request with
    /// no configuration set (locale-specific configs never match it).
    pub fn value(&self, id: u32) -> Option<ResValue> {
        let pkg = self.package(id)?;
        let type_id = ((id >> 16) & 0xff) as u8;
        let entry = (id & 0xffff) as u16;
        let chunks = pkg.types.get(&type_id)?;
        let mut locale_free = None;
        let mut first = None;
        for tc in chunks {
            let Some(v) = tc.value(entry) else { continue };
            if tc.is_default_config() {
                return Some(v);
            }
            if locale_free.is_none() && tc.is_locale_free() {
                locale_free = Some(v);
            }
            if first.is_none() {
                first = Some(v);
            }
        }
        locale_free.or(first)
    }

    /// Follows references (bounded) to a non-reference value.
    pub fn resolve(&self, id: u32) -> Option<ResValue> {
        let mut id = id;
        for _ in 0..MAX_REFERENCE_DEPTH {
            let v = self.value(id)?;
            match v.data_type {
                data_type::REFERENCE | data_type::DYNAMIC_REFERENCE if v.data != 0 => id = v.data,
                _ => return Some(v),
            }
        }
        None
    }

    /// The string `id` resolves to in the default configuration.
    pub fn resolve_string(&self, id: u32) -> Option<String> {
        let v = self.resolve(id)?;
        (v.data_type == data_type::STRING).then(|| self.strings.get(v.data).map(str::to_string)).flatten()
    }

    /// The file path a file resource (`@xml/network_security_config`)
    /// resolves to: its value is the path string (`res/xml/....xml`).
    pub fn resolve_file(&self, id: u32) -> Option<String> {
        self.resolve_string(id)
    }

    /// `type/name` of a resource id (`string/app_name`), when known.
    pub fn resource_name(&self, id: u32) -> Option<String> {
        let pkg = self.package(id)?;
        let type_id = ((id >> 16) & 0xff) as u8;
        let entry = (id & 0xffff) as u16;
        let type_index = u32::from(type_id).checked_sub(1)?.checked_sub(pkg.type_id_offset)?;
        let ty = pkg.type_strings.get(type_index)?;
        let key = pkg.types.get(&type_id)?.iter().find_map(|tc| tc.key(entry))?;
        Some(format!("{ty}/{}", pkg.key_strings.get(key)?))
    }

    /// Package names in the table.
    pub fn package_names(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.packages.iter().map(|p| p.name.as_str())
    }

    /// Every string of the global value pool.
    pub fn global_strings(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.strings.iter()
    }

    /// The global value strings that hold one of the ASCII bytes `needles`;
    /// the others are not decoded (`StringPool::iter_holding`).
    pub fn global_strings_holding(&self, needles: [u8; 2]) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.strings.iter_holding(needles)
    }

    /// The anomalies with `file` filled in.
    pub fn anomalies_for(&self, file: &str) -> Vec<Anomaly> {
        self.anomalies.iter().map(|a| Anomaly { file: file.to_string(), ..a.clone() }).collect()
    }
}

//! Mach-O binaries (thin and fat) through goblin, plus our own parser of
//! the code-signature SuperBlob (XNU `cs_blobs.h`; reference §4.7).
//!
//! Place in the pipeline: `formats` — bytes in, `MachoInfo` out (borrowing
//! the `__cstring` sections); `extract::ipa` and `extract::archive` build
//! facts from it.
//!
//! What is read per architecture: the CPU name, linked dylibs,
//! `LC_ENCRYPTION_INFO(_64)` cryptid, `LC_CODE_SIGNATURE` (SuperBlob:
//! CodeDirectory identifier and Team ID, XML entitlements, CMS blob),
//! Objective-C class symbols (`_OBJC_CLASS_$_Name`) and `__cstring`
//! sections.
//!
//! Invariants: the SuperBlob walk is capped by `MAX_BLOBS`, symbol and
//! string collection by `MAX_SYMBOLS`/`MAX_ARCHES`; every SuperBlob read goes
//! through `Reader` (big-endian).

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use goblin::mach::load_command::CommandVariant;
use goblin::mach::{Mach, MachO};

use crate::formats::reader::Reader;

pub const SUPERBLOB_MAGIC: u32 = 0xfade_0cc0;
pub const CODEDIRECTORY_MAGIC: u32 = 0xfade_0c02;
pub const ENTITLEMENTS_MAGIC: u32 = 0xfade_7171;
pub const CMS_MAGIC: u32 = 0xfade_0b01;
/// Blob index entries read from one SuperBlob (real ones have < 10).
pub const MAX_BLOBS: usize = 64;
/// Architectures read from a fat binary.
pub const MAX_ARCHES: usize = 16;
/// Objective-C class symbols kept per binary.
pub const MAX_SYMBOLS: usize = 200_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    #[error("Mach-O: {0}")]
    Goblin(String),
    #[error("not a Mach-O binary")]
    BadMagic,
    #[error("truncated {what} at offset {offset}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// What the code-signature SuperBlob says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeSignature<'a> {
    pub identifier: Option<String>,
    pub team_id: Option<String>,
    /// The XML entitlements plist.
    pub entitlements: Option<&'a [u8]>,
    /// The CMS (PKCS#7) signature over the CodeDirectory.
    pub cms: Option<&'a [u8]>,
}

#[derive(Clone, Debug, Default)]
pub struct MachoInfo<'a> {
    /// `arm64`, `armv7`, `x86_64`, ... one per architecture.
    pub archs: Vec<String>,
    pub dylibs: Vec<String>,
    /// Some architecture has `cryptid != 0`.
    pub encrypted: bool,
    pub signature: Option<CodeSignature<'a>>,
    /// Objective-C class names defined or referenced (`_OBJC_CLASS_$_X` → `X`).
    pub objc_classes: Vec<String>,
    /// `__cstring` sections (file offset, bytes).
    pub cstrings: Vec<(u64, &'a [u8])>,
    /// Object files (`MH_OBJECT`, static library members).
    pub object: bool,
}

/// Is this the start of a Mach-O (thin, either width, or fat)?
pub fn is_macho(data: &[u8]) -> bool {
    matches!(
        data.get(..4),
        Some([0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe] | [0xfe, 0xed, 0xfa, 0xcf])
    )
}

pub fn arch_name(cputype: u32, cpusubtype: u32) -> String {
    let sub = cpusubtype & 0x00ff_ffff;
    match (cputype, sub) {
        (0x0100_000c, 2) => "arm64e".into(),
        (0x0100_000c, _) => "arm64".into(),
        (0x0200_000c, _) => "arm64_32".into(),
        (12, 9) => "armv7".into(),
        (12, 11) => "armv7s".into(),
        (12, 6) => "armv6".into(),
        (12, _) => "arm".into(),
        (7, _) => "i386".into(),
        (0x0100_0007, _) => "x86_64".into(),
        (t, s) => format!("cpu{t:#x}/{s}"),
    }
}

fn cstr(data: &[u8], at: usize) -> Option<String> {
    let tail = data.get(at..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    let s = std::str::from_utf8(tail.get(..end)?).ok()?;
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses a code-signature SuperBlob (big-endian).
pub fn parse_superblob(blob: &[u8]) -> Result<CodeSignature<'_>> {
    let mut r = Reader::new(blob);
    let t = |what, r: &Reader<'_>| Error::Truncated { what, offset: r.offset() };
    let magic = r.u32_be().ok_or_else(|| t("SuperBlob magic", &r))?;
    if magic != SUPERBLOB_MAGIC {
        return Err(Error::BadMagic);
    }
    let _len = r.u32_be().ok_or_else(|| t("SuperBlob length", &r))?;
    let count = r.u32_be().ok_or_else(|| t("SuperBlob count", &r))? as usize;
    if count > MAX_BLOBS {
        return Err(Error::LimitExceeded { what: "SuperBlob index entries", limit: MAX_BLOBS as u64 });
    }
    let mut sig = CodeSignature::default();
    for _ in 0..count {
        let slot = r.u32_be().ok_or_else(|| t("blob index type", &r))?;
        let off = r.u32_be().ok_or_else(|| t("blob index offset", &r))? as usize;
        let mut b = Reader::at(blob, off).ok_or(Error::Truncated { what: "blob", offset: off as u64 })?;
        let bmagic = b.u32_be().ok_or_else(|| t("blob magic", &b))?;
        let blen = b.u32_be().ok_or_else(|| t("blob length", &b))? as usize;
        let end = off.checked_add(blen).filter(|&e| e <= blob.len()).unwrap_or(blob.len());
        let body = blob.get(off..end).unwrap_or_default();
        match (slot, bmagic) {
            (0, CODEDIRECTORY_MAGIC) => {
                let mut cd = Reader::new(body);
                cd.skip(8).ok_or_else(|| t("CodeDirectory", &cd))?;
                let version = cd.u32_be().ok_or_else(|| t("CodeDirectory version", &cd))?;
                cd.skip(8).ok_or_else(|| t("CodeDirectory", &cd))?;
                let ident_off = cd.seek(20).and_then(|_| cd.u32_be()).ok_or_else(|| t("identOffset", &cd))?;
                sig.identifier = cstr(body, ident_off as usize);
                if version >= 0x20200 {
                    let team_off = cd.seek(48).and_then(|_| cd.u32_be()).ok_or_else(|| t("teamOffset", &cd))?;
                    if team_off != 0 {
                        sig.team_id = cstr(body, team_off as usize);
                    }
                }
            }
            (_, ENTITLEMENTS_MAGIC) => sig.entitlements = body.get(8..),
            (_, CMS_MAGIC) => sig.cms = body.get(8..).filter(|c| !c.is_empty()),
            _ => {}
        }
    }
    Ok(sig)
}

fn read_one<'a>(m: &MachO<'a>, bytes: &'a [u8], base: u64, info: &mut MachoInfo<'a>) {
    info.archs.push(arch_name(m.header.cputype, m.header.cpusubtype));
    info.object |= m.header.filetype == goblin::mach::header::MH_OBJECT;
    for l in m.libs.iter().skip(1) {
        if !info.dylibs.iter().any(|d| d == l) {
            info.dylibs.push((*l).to_string());
        }
    }
    for lc in &m.load_commands {
        match &lc.command {
            CommandVariant::EncryptionInfo32(e) if e.cryptid != 0 => info.encrypted = true,
            CommandVariant::EncryptionInfo64(e) if e.cryptid != 0 => info.encrypted = true,
            CommandVariant::CodeSignature(cs) if info.signature.is_none() => {
                let start = cs.dataoff as usize;
                let end = start.saturating_add(cs.datasize as usize);
                if let Some(blob) = bytes.get(start..end) {
                    info.signature = parse_superblob(blob).ok();
                }
            }
            _ => {}
        }
    }
    objc_classes(m.symbols(), &mut info.objc_classes);
    for seg in m.segments.iter() {
        let Ok(sections) = seg.sections() else { continue };
        for (sect, data) in sections {
            if sect.name().is_ok_and(|n| n == "__cstring") {
                info.cstrings.push((base.saturating_add(u64::from(sect.offset)), data));
            }
        }
    }
}

/// Adds the Objective-C class names (`_OBJC_CLASS_$_Name`) among the first
/// `MAX_SYMBOLS` symbol-table entries, counting the unreadable ones: a
/// symbol count of billions whose entries all fail to read (fuzzing found
/// one in 129 bytes) costs no more than `MAX_SYMBOLS` steps.
fn objc_classes<'a, T, E>(symbols: impl Iterator<Item = std::result::Result<(&'a str, T), E>>, out: &mut Vec<String>) {
    for (name, _) in symbols.take(MAX_SYMBOLS).flatten() {
        if let Some(class) = name.strip_prefix("_OBJC_CLASS_$_") {
            if out.len() < MAX_SYMBOLS {
                out.push(class.to_string());
            }
        }
    }
}

/// The slices of a fat file (`0xcafebabe`): architecture name and bytes.
/// Fat static libraries hold `ar` archives, not Mach-O binaries.
pub fn fat_slices(data: &[u8]) -> Result<Vec<(String, &[u8])>> {
    let mut r = Reader::new(data);
    let t = |what, r: &Reader<'_>| Error::Truncated { what, offset: r.offset() };
    if r.u32_be().ok_or_else(|| t("fat magic", &r))? != 0xcafe_babe {
        return Err(Error::BadMagic);
    }
    let n = r.u32_be().ok_or_else(|| t("nfat_arch", &r))? as usize;
    if n > MAX_ARCHES {
        return Err(Error::LimitExceeded { what: "fat architectures", limit: MAX_ARCHES as u64 });
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let cputype = r.u32_be().ok_or_else(|| t("fat_arch", &r))?;
        let sub = r.u32_be().ok_or_else(|| t("fat_arch", &r))?;
        let off = r.u32_be().ok_or_else(|| t("fat_arch", &r))? as usize;
        let size = r.u32_be().ok_or_else(|| t("fat_arch", &r))? as usize;
        r.skip(4).ok_or_else(|| t("fat_arch", &r))?;
        let slice = data
            .get(off..off.saturating_add(size))
            .ok_or(Error::Truncated { what: "fat slice", offset: off as u64 })?;
        out.push((arch_name(cputype, sub), slice));
    }
    Ok(out)
}

/// Is this a fat file whose first slice is an `ar` archive (a fat static library)?
pub fn is_fat_archive(data: &[u8]) -> bool {
    fat_slices(data).ok().and_then(|s| s.first().map(|(_, b)| b.starts_with(b"!<arch>\n"))).unwrap_or(false)
}

/// Parses a thin or fat Mach-O.
pub fn parse(data: &[u8]) -> Result<MachoInfo<'_>> {
    if !is_macho(data) {
        return Err(Error::BadMagic);
    }
    let mach = Mach::parse(data).map_err(|e| Error::Goblin(e.to_string()))?;
    let mut info = MachoInfo::default();
    match mach {
        Mach::Binary(m) => read_one(&m, data, 0, &mut info),
        Mach::Fat(fat) => {
            let arches = fat.arches().map_err(|e| Error::Goblin(e.to_string()))?;
            if arches.len() > MAX_ARCHES {
                return Err(Error::LimitExceeded { what: "fat architectures", limit: MAX_ARCHES as u64 });
            }
            for a in arches {
                let start = a.offset as usize;
                let Some(slice) = data.get(start..start.saturating_add(a.size as usize)) else {
                    return Err(Error::Truncated { what: "fat slice", offset: u64::from(a.offset) });
                };
                match MachO::parse(slice, 0) {
                    Ok(m) => read_one(&m, slice, u64::from(a.offset), &mut info),
                    Err(e) => return Err(Error::Goblin(e.to_string())),
                }
            }
        }
    }
    info.objc_classes.sort();
    info.objc_classes.dedup();
    Ok(info)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) mod tests {
    use super::*;

    /// A SuperBlob with a CodeDirectory (version 0x20400, identifier, team)
    /// and XML entitlements.
    pub(crate) fn superblob(ident: &str, team: &str, ents: &[u8]) -> Vec<u8> {
        let mut cd = vec![0u8; 88];
        cd[0..4].copy_from_slice(&CODEDIRECTORY_MAGIC.to_be_bytes());
        cd[8..12].copy_from_slice(&0x20400u32.to_be_bytes());
        let ident_off = cd.len() as u32;
        cd.extend(ident.as_bytes());
        cd.push(0);
        let team_off = cd.len() as u32;
        cd.extend(team.as_bytes());
        cd.push(0);
        cd[20..24].copy_from_slice(&ident_off.to_be_bytes());
        cd[48..52].copy_from_slice(&team_off.to_be_bytes());
        let n = cd.len() as u32;
        cd[4..8].copy_from_slice(&n.to_be_bytes());
        let mut ent = ENTITLEMENTS_MAGIC.to_be_bytes().to_vec();
        ent.extend(((ents.len() + 8) as u32).to_be_bytes());
        ent.extend(ents);
        let header = 12 + 2 * 8;
        let mut out = SUPERBLOB_MAGIC.to_be_bytes().to_vec();
        out.extend(((header + cd.len() + ent.len()) as u32).to_be_bytes());
        out.extend(2u32.to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend((header as u32).to_be_bytes());
        out.extend(5u32.to_be_bytes());
        out.extend(((header + cd.len()) as u32).to_be_bytes());
        out.extend(cd);
        out.extend(ent);
        out
    }

    #[test]
    fn reads_identifier_team_and_entitlements() {
        let b = superblob("com.example.app", "ABCDE12345", b"<plist/>");
        let s = parse_superblob(&b).unwrap();
        assert_eq!(s.identifier.as_deref(), Some("com.example.app"));
        assert_eq!(s.team_id.as_deref(), Some("ABCDE12345"));
        assert_eq!(s.entitlements, Some(&b"<plist/>"[..]));
        assert_eq!(s.cms, None);
    }

    #[test]
    fn superblob_errors() {
        assert_eq!(parse_superblob(&[0, 0, 0, 0]).unwrap_err(), Error::BadMagic);
        let b = superblob("a", "b", b"");
        assert!(matches!(parse_superblob(&b[..16]), Err(Error::Truncated { .. })));
        let mut many = b.clone();
        many[8..12].copy_from_slice(&1000u32.to_be_bytes());
        assert!(matches!(parse_superblob(&many), Err(Error::LimitExceeded { .. })));
    }

    /// Unreadable symbol-table entries count against `MAX_SYMBOLS` like
    /// readable ones: the walk stops after that many, whatever the count.
    #[test]
    fn symbol_walk_is_bounded_by_entries_not_by_readable_ones() {
        let pulled = std::cell::Cell::new(0usize);
        let entries = (0..3 * MAX_SYMBOLS).map(|i| {
            pulled.set(pulled.get() + 1);
            match i {
                1 => Ok(("_OBJC_CLASS_$_First", ())),
                i if i == MAX_SYMBOLS + 1 => Ok(("_OBJC_CLASS_$_PastTheLimit", ())),
                _ => Err(()),
            }
        });
        let mut classes = Vec::new();
        objc_classes(entries, &mut classes);
        assert_eq!(pulled.get(), MAX_SYMBOLS);
        assert_eq!(classes, ["First"]);
    }

    /// The 129-byte input the fuzzer found: a 32-bit Mach-O whose LC_SYMTAB
    /// claims about 1.6 billion symbols, none of them in the file. It parses
    /// (no classes) after at most `MAX_SYMBOLS` entries.
    #[test]
    fn a_huge_symbol_count_is_read_no_further_than_the_limit() {
        let mut m = vec![0u8; 129];
        for (at, v) in [
            (0, 0xfeed_faceu32), // MH_MAGIC, little-endian
            (4, 0x31fe_ed31),    // cputype
            (8, 0x000e_0000),    // cpusubtype
            (12, 0x8d06_0000),   // filetype
            (16, 3),             // ncmds
            (20, 32),            // sizeofcmds
            (24, 0x0100_00f5),   // flags
            (28, 2),             // LC_SYMTAB
            (32, 6),             // cmdsize
            (40, 0x6139_0000),   // nsyms
            (44, 0x29a2_6d85),   // stroff
        ] {
            m[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        if let Ok(info) = parse(&m) {
            assert!(info.objc_classes.is_empty());
        }
    }

    #[test]
    fn non_macho_is_bad_magic() {
        assert_eq!(parse(b"\x7fELF....").unwrap_err(), Error::BadMagic);
        assert!(matches!(parse(&[0xcf, 0xfa, 0xed, 0xfe, 0, 0]), Err(Error::Goblin(_))));
    }

    #[test]
    fn fat_archives_are_recognised() {
        let mut f = 0xcafe_babeu32.to_be_bytes().to_vec();
        f.extend(1u32.to_be_bytes());
        f.extend(0x0100_000cu32.to_be_bytes());
        f.extend(0u32.to_be_bytes());
        f.extend(28u32.to_be_bytes());
        f.extend(8u32.to_be_bytes());
        f.extend(0u32.to_be_bytes());
        f.extend(b"!<arch>\n");
        let s = fat_slices(&f).unwrap();
        assert_eq!(s[0].0, "arm64");
        assert!(is_fat_archive(&f));
        assert!(matches!(fat_slices(&f[..20]), Err(Error::Truncated { .. })));
    }

    #[test]
    fn arch_names() {
        assert_eq!(arch_name(0x0100_000c, 0), "arm64");
        assert_eq!(arch_name(12, 9), "armv7");
        assert_eq!(arch_name(0x0100_0007, 3), "x86_64");
    }
}

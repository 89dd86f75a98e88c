//! ELF shared objects (`lib/<abi>/*.so`): class, machine, `DT_SONAME`,
//! `DT_NEEDED` and the count of exported dynamic symbols, plus a `strings`-like
//! walk over printable runs.
//!
//! Place in the pipeline: `extract::native` turns an [`ElfInfo`] into a
//! `NativeLib` fact and feeds [`printable_strings`] to the endpoint scanner.
//!
//! The dynamic section is read by goblin 0.10 (`Elf::parse_with_opts`,
//! permissive mode). Before goblin sees the bytes we read the ELF header
//! ourselves and check that the program header table fits in the file (goblin
//! 0.10.7 checks counts against the file size before allocating, but its hash
//! table walk does unchecked `usize` arithmetic on file-controlled offsets,
//! which panics on overflow in debug builds). As a last line of defence the
//! goblin call runs under `std::panic::catch_unwind`: a panic there becomes an
//! `elf-parser-panic` anomaly for this one library instead of losing the whole
//! app (the default panic hook still prints the message to stderr). Permissive
//! mode is used because Android's linker reads only program headers and the
//! dynamic segment; packers strip or corrupt section headers on purpose.
//!
//! When goblin refuses a file we still return what our own header read gives
//! (class, machine) with an `elf-dynamic-unparsed` anomaly.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::formats::reader::Reader;

/// `\x7fELF`
pub const ELFMAG: [u8; 4] = [0x7f, b'E', b'L', b'F'];
pub const ELFCLASS32: u8 = 1;
pub const ELFCLASS64: u8 = 2;
pub const ELFDATA2LSB: u8 = 1;
pub const ELFDATA2MSB: u8 = 2;
/// `st_shndx` of an undefined symbol.
pub const SHN_UNDEF: usize = 0;
pub const STB_GLOBAL: u8 = 1;
pub const STB_WEAK: u8 = 2;
/// GNU extension: a global symbol unique in the process.
pub const STB_GNU_UNIQUE: u8 = 10;

/// Dynamic symbols examined when counting exports. The table is bounded by
/// the file size already; this bounds the time spent on a huge one.
pub const MAX_DYNSYMS: usize = 1 << 22;
/// `DT_NEEDED` entries kept (the linker has no limit; real libraries have a
/// dozen).
pub const MAX_NEEDED: usize = 1024;
/// Longest `DT_SONAME`/`DT_NEEDED` string kept (bytes).
pub const MAX_NAME_LEN: usize = 4096;

#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{what} truncated at offset {offset:#x}")]
    Truncated { what: &'static str, offset: u64 },
    #[error("bad ELF magic")]
    BadMagic,
    #[error("unknown ELF class {value}")]
    BadClass { value: u8 },
    #[error("unknown ELF data encoding {value}")]
    BadEncoding { value: u8 },
    #[error("{what} entry size {size} does not match the class (expected {expected})")]
    BadEntrySize { what: &'static str, size: u16, expected: u16 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A tolerated oddity (stable kebab-case id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfAnomaly {
    pub id: &'static str,
    pub message: String,
}

/// What the scanner reports about one shared object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfInfo {
    /// 32 or 64.
    pub class: u8,
    pub little_endian: bool,
    /// Raw `e_machine`.
    pub e_machine: u16,
    /// `aarch64`, `arm`, `x86`, `x86_64`, `mips`, `mips64`, `riscv64`, ...,
    /// or `em-<n>` for an unknown machine.
    pub machine: String,
    /// `e_type` is `ET_DYN`.
    pub is_shared_object: bool,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    /// Defined (`st_shndx != SHN_UNDEF`) dynamic symbols with global, weak or
    /// GNU-unique binding.
    pub exported_symbols: usize,
    pub anomalies: Vec<ElfAnomaly>,
}

/// Fields of the ELF header read before goblin is called.
#[derive(Clone, Copy, Debug)]
struct RawHeader {
    class: u8,
    little_endian: bool,
    e_type: u16,
    e_machine: u16,
    e_phoff: u64,
    e_shoff: u64,
    e_phentsize: u16,
    e_phnum: u16,
    e_shentsize: u16,
    e_shnum: u16,
}

fn read_raw_header(data: &[u8]) -> Result<RawHeader> {
    let trunc = |offset: u64| Error::Truncated { what: "ELF header", offset };
    // A short non-ELF file is "not an ELF", not "a truncated ELF".
    let head = data.get(..4).unwrap_or(data);
    if ELFMAG.get(..head.len()) != Some(head) {
        return Err(Error::BadMagic);
    }
    let mut r = Reader::new(data);
    let ident = r.take(16).ok_or(trunc(0))?;
    if ident.get(..4) != Some(ELFMAG.as_slice()) {
        return Err(Error::BadMagic);
    }
    let class = *ident.get(4).ok_or(trunc(4))?;
    if class != ELFCLASS32 && class != ELFCLASS64 {
        return Err(Error::BadClass { value: class });
    }
    let encoding = *ident.get(5).ok_or(trunc(5))?;
    let little_endian = match encoding {
        ELFDATA2LSB => true,
        ELFDATA2MSB => false,
        value => return Err(Error::BadEncoding { value }),
    };
    let u16f = |r: &mut Reader<'_>| {
        let o = r.offset();
        if little_endian { r.u16_le() } else { r.u16_be() }.ok_or(trunc(o))
    };
    let u32f = |r: &mut Reader<'_>| {
        let o = r.offset();
        if little_endian { r.u32_le() } else { r.u32_be() }.ok_or(trunc(o))
    };
    let u64f = |r: &mut Reader<'_>| {
        let o = r.offset();
        if little_endian { r.u64_le() } else { r.u64_be() }.ok_or(trunc(o))
    };
    let e_type = u16f(&mut r)?;
    let e_machine = u16f(&mut r)?;
    let _e_version = u32f(&mut r)?;
    let (e_phoff, e_shoff) = if class == ELFCLASS64 {
        let _entry = u64f(&mut r)?;
        (u64f(&mut r)?, u64f(&mut r)?)
    } else {
        let _entry = u32f(&mut r)?;
        (u64::from(u32f(&mut r)?), u64::from(u32f(&mut r)?))
    };
    let _flags = u32f(&mut r)?;
    let _ehsize = u16f(&mut r)?;
    let e_phentsize = u16f(&mut r)?;
    let e_phnum = u16f(&mut r)?;
    let e_shentsize = u16f(&mut r)?;
    let e_shnum = u16f(&mut r)?;
    Ok(RawHeader {
        class,
        little_endian,
        e_type,
        e_machine,
        e_phoff,
        e_shoff,
        e_phentsize,
        e_phnum,
        e_shentsize,
        e_shnum,
    })
}

/// Whether `count` records of `size` bytes at `off` lie inside `len` bytes.
fn table_fits(off: u64, count: u16, size: u16, len: usize) -> bool {
    let Some(bytes) = u64::from(count).checked_mul(u64::from(size)) else {
        return false;
    };
    off.checked_add(bytes).is_some_and(|end| end <= len as u64)
}

/// Name of an `e_machine` value (class distinguishes mips/mips64, riscv).
pub fn machine_name(e_machine: u16, class: u8) -> String {
    let is64 = class == ELFCLASS64;
    let name = match e_machine {
        3 => "x86",
        62 => "x86_64",
        40 => "arm",
        183 => "aarch64",
        8 if is64 => "mips64",
        8 => "mips",
        10 => "mips",
        243 if is64 => "riscv64",
        243 => "riscv32",
        258 => "loongarch64",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390",
        2 => "sparc",
        43 => "sparcv9",
        50 => "ia64",
        0 => "none",
        n => return format!("em-{n}"),
    };
    name.to_string()
}

/// Parses the ELF header, the dynamic section and the dynamic symbol table.
pub fn parse(data: &[u8]) -> Result<ElfInfo> {
    let raw = read_raw_header(data)?;
    let (phent, shent) = if raw.class == ELFCLASS64 { (0x38u16, 0x40u16) } else { (0x20u16, 0x28u16) };
    let mut info = ElfInfo {
        class: if raw.class == ELFCLASS64 { 64 } else { 32 },
        little_endian: raw.little_endian,
        e_machine: raw.e_machine,
        machine: machine_name(raw.e_machine, raw.class),
        is_shared_object: raw.e_type == 3,
        ..ElfInfo::default()
    };

    // The linker (bionic linker_phdr.cpp ReadProgramHeaders) refuses a
    // program header table of the wrong entry size or outside the file.
    if raw.e_phnum > 0 {
        if raw.e_phentsize != phent {
            return Err(Error::BadEntrySize { what: "program header", size: raw.e_phentsize, expected: phent });
        }
        if !table_fits(raw.e_phoff, raw.e_phnum, raw.e_phentsize, data.len()) {
            return Err(Error::Truncated { what: "program headers", offset: raw.e_phoff });
        }
    }

    // Section headers are not needed to load; bad ones are only noted
    // (goblin's permissive mode then ignores them).
    let sections_ok = raw.e_shoff == 0
        || raw.e_shnum == 0
        || (raw.e_shentsize == shent && table_fits(raw.e_shoff, raw.e_shnum, raw.e_shentsize, data.len()));
    if !sections_ok {
        info.anomalies.push(ElfAnomaly {
            id: "elf-section-headers-invalid",
            message: format!(
                "{} section headers of {} bytes at {:#x} do not fit in {} bytes",
                raw.e_shnum,
                raw.e_shentsize,
                raw.e_shoff,
                data.len()
            ),
        });
    }

    let opts = goblin::options::ParseOptions::permissive();
    let parsed = std::panic::catch_unwind(|| goblin::elf::Elf::parse_with_opts(data, &opts));
    let elf = match parsed {
        Ok(Ok(elf)) => elf,
        Ok(Err(e)) => {
            info.anomalies
                .push(ElfAnomaly { id: "elf-dynamic-unparsed", message: format!("dynamic section not readable: {e}") });
            return Ok(info);
        }
        Err(_) => {
            info.anomalies.push(ElfAnomaly {
                id: "elf-parser-panic",
                message: "the ELF parser panicked on this file".to_string(),
            });
            return Ok(info);
        }
    };

    // Permissive mode turns an unreadable dynamic segment into `None`; a
    // library that has PT_DYNAMIC but no readable entries is worth noting.
    let has_pt_dynamic = elf.program_headers.iter().any(|ph| ph.p_type == goblin::elf::program_header::PT_DYNAMIC);
    if has_pt_dynamic && elf.dynamic.is_none() {
        info.anomalies.push(ElfAnomaly {
            id: "elf-dynamic-unparsed",
            message: "PT_DYNAMIC segment present but not readable".to_string(),
        });
    }

    info.soname = elf.soname.map(clip_name);
    if elf.libraries.len() > MAX_NEEDED {
        info.anomalies.push(ElfAnomaly {
            id: "elf-too-many-needed",
            message: format!("{} DT_NEEDED entries, only {MAX_NEEDED} kept", elf.libraries.len()),
        });
    }
    info.needed = elf.libraries.iter().take(MAX_NEEDED).map(|s| clip_name(s)).collect();
    info.exported_symbols = elf
        .dynsyms
        .iter()
        .take(MAX_DYNSYMS)
        .filter(|sym| sym.st_shndx != SHN_UNDEF && matches!(sym.st_bind(), STB_GLOBAL | STB_WEAK | STB_GNU_UNIQUE))
        .count();
    Ok(info)
}

fn clip_name(s: &str) -> String {
    if s.len() <= MAX_NAME_LEN {
        return s.to_string();
    }
    let mut end = MAX_NAME_LEN;
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    s.get(..end).unwrap_or_default().to_string()
}

/// Runs of printable ASCII (0x20..=0x7e and tab) of at least `min_len`
/// bytes, as (offset, bytes), like binutils `strings -a`. Borrowed; no
/// allocation per string.
pub fn printable_strings(data: &[u8], min_len: usize) -> PrintableStrings<'_> {
    PrintableStrings { data, pos: 0, min_len: min_len.max(1) }
}

/// Iterator returned by [`printable_strings`].
#[derive(Clone, Debug)]
pub struct PrintableStrings<'a> {
    data: &'a [u8],
    pos: usize,
    min_len: usize,
}

#[inline]
fn is_printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) || b == b'\t'
}

impl<'a> Iterator for PrintableStrings<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        let mut i = 0usize;
        let n = rest.len();
        while i < n {
            // Skip non-printable bytes.
            while rest.get(i).is_some_and(|&b| !is_printable(b)) {
                i = i.saturating_add(1);
            }
            let start = i;
            while rest.get(i).is_some_and(|&b| is_printable(b)) {
                i = i.saturating_add(1);
            }
            if i.saturating_sub(start) >= self.min_len {
                let at = self.pos.saturating_add(start);
                self.pos = self.pos.saturating_add(i);
                return Some((at as u64, rest.get(start..i).unwrap_or(&[])));
            }
        }
        self.pos = self.data.len();
        None
    }
}

/// The printable runs of [`printable_strings`] that contain the byte `a` or
/// `b`, in the same order and with the same offsets. Instead of classifying
/// every byte it jumps between occurrences of `a`/`b` (SIMD `memchr2`) and
/// widens each hit to its run, so bytes far from any hit are never examined
/// one by one. Linear: each byte is looked at a bounded number of times.
/// Callers that drop runs without `a` and `b` anyway (the endpoint scanner
/// ignores text without `.` or `:`) get the same result faster.
pub fn printable_strings_with(data: &[u8], min_len: usize, a: u8, b: u8) -> PrintableStringsWith<'_> {
    PrintableStringsWith { data, pos: 0, min_len: min_len.max(1), a, b }
}

/// Iterator returned by [`printable_strings_with`].
#[derive(Clone, Debug)]
pub struct PrintableStringsWith<'a> {
    data: &'a [u8],
    /// Start of the unsearched part; `data[pos - 1]`, if any, ends a run
    /// already handled or is not printable.
    pos: usize,
    min_len: usize,
    a: u8,
    b: u8,
}

impl<'a> Iterator for PrintableStringsWith<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.data.get(self.pos..)?;
            let Some(hit) = memchr::memchr2(self.a, self.b, rest).and_then(|h| h.checked_add(self.pos)) else {
                self.pos = self.data.len();
                return None;
            };
            if !self.data.get(hit).is_some_and(|&b| is_printable(b)) {
                // Only when `a` or `b` is not printable itself.
                self.pos = hit.saturating_add(1);
                continue;
            }
            // The run cannot reach back before `pos`: the byte before it is
            // not printable or ended the previous run.
            let mut start = hit;
            while start > self.pos
                && start.checked_sub(1).and_then(|k| self.data.get(k)).is_some_and(|&b| is_printable(b))
            {
                start = start.saturating_sub(1);
            }
            let mut end = hit.saturating_add(1);
            while self.data.get(end).is_some_and(|&b| is_printable(b)) {
                end = end.saturating_add(1);
            }
            self.pos = end;
            if end.saturating_sub(start) >= self.min_len {
                return Some((start as u64, self.data.get(start..end).unwrap_or(&[])));
            }
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "tests build fixtures by hand"
)]
mod tests {
    use super::*;

    /// A minimal little-endian ELF64 shared object: one PT_DYNAMIC segment
    /// with DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_HASH, DT_SONAME,
    /// DT_NEEDED, and a symbol table with one defined global, one weak, one
    /// undefined and one local symbol. Virtual addresses equal file offsets.
    fn elf64(machine: u16) -> Vec<u8> {
        let mut f = vec![0u8; 0x40];
        f[..4].copy_from_slice(&ELFMAG);
        f[4] = ELFCLASS64;
        f[5] = ELFDATA2LSB;
        f[6] = 1;
        f[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
        f[18..20].copy_from_slice(&machine.to_le_bytes());
        f[20..24].copy_from_slice(&1u32.to_le_bytes());
        f[32..40].copy_from_slice(&0x40u64.to_le_bytes()); // phoff
        f[52..54].copy_from_slice(&0x40u16.to_le_bytes());
        f[54..56].copy_from_slice(&0x38u16.to_le_bytes());
        f[56..58].copy_from_slice(&1u16.to_le_bytes()); // phnum
        f[58..60].copy_from_slice(&0x40u16.to_le_bytes());
        // strtab at 0x100, symtab at 0x140, hash at 0x1c0, dynamic at 0x200.
        let strtab = b"\0libfoo.so\0liblog.so\0exported\0weak\0undef\0local\0";
        let name = |s: &str| {
            let pos =
                strtab.windows(s.len() + 1).position(|w| &w[..s.len()] == s.as_bytes() && w[s.len()] == 0).unwrap();
            pos as u32
        };
        let mut ph = Vec::new();
        ph.extend_from_slice(&2u32.to_le_bytes()); // PT_DYNAMIC
        ph.extend_from_slice(&6u32.to_le_bytes());
        ph.extend_from_slice(&0x200u64.to_le_bytes()); // offset
        ph.extend_from_slice(&0x200u64.to_le_bytes()); // vaddr
        ph.extend_from_slice(&0x200u64.to_le_bytes());
        ph.extend_from_slice(&(16u64 * 9).to_le_bytes()); // filesz
        ph.extend_from_slice(&(16u64 * 9).to_le_bytes());
        ph.extend_from_slice(&8u64.to_le_bytes());
        f.extend_from_slice(&ph);
        // A PT_LOAD covering everything so vaddr→offset translation works.
        let mut load = Vec::new();
        load.extend_from_slice(&1u32.to_le_bytes());
        load.extend_from_slice(&5u32.to_le_bytes());
        load.extend_from_slice(&0u64.to_le_bytes());
        load.extend_from_slice(&0u64.to_le_bytes());
        load.extend_from_slice(&0u64.to_le_bytes());
        load.extend_from_slice(&0x400u64.to_le_bytes());
        load.extend_from_slice(&0x400u64.to_le_bytes());
        load.extend_from_slice(&0x1000u64.to_le_bytes());
        f.extend_from_slice(&load);
        f[56..58].copy_from_slice(&2u16.to_le_bytes());
        f.resize(0x100, 0);
        f.extend_from_slice(strtab);
        f.resize(0x140, 0);
        let sym = |name: u32, info: u8, shndx: u16| {
            let mut s = Vec::new();
            s.extend_from_slice(&name.to_le_bytes());
            s.push(info);
            s.push(0);
            s.extend_from_slice(&shndx.to_le_bytes());
            s.extend_from_slice(&0x100u64.to_le_bytes());
            s.extend_from_slice(&0u64.to_le_bytes());
            s
        };
        f.extend(sym(0, 0, 0));
        f.extend(sym(name("exported"), (STB_GLOBAL << 4) | 2, 7));
        f.extend(sym(name("weak"), (STB_WEAK << 4) | 2, 7));
        f.extend(sym(name("undef"), (STB_GLOBAL << 4) | 2, 0));
        f.extend(sym(name("local"), 2, 7));
        f.resize(0x1c0, 0);
        // SysV hash: nbucket=1, nchain=5.
        for v in [1u32, 5, 0, 0, 0, 0, 0, 0] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.resize(0x200, 0);
        let dynent = |tag: u64, val: u64| {
            let mut d = tag.to_le_bytes().to_vec();
            d.extend_from_slice(&val.to_le_bytes());
            d
        };
        f.extend(dynent(5, 0x100)); // DT_STRTAB
        f.extend(dynent(6, 0x140)); // DT_SYMTAB
        f.extend(dynent(10, strtab.len() as u64)); // DT_STRSZ
        f.extend(dynent(11, 24)); // DT_SYMENT
        f.extend(dynent(4, 0x1c0)); // DT_HASH
        f.extend(dynent(14, u64::from(name("libfoo.so")))); // DT_SONAME
        f.extend(dynent(1, u64::from(name("liblog.so")))); // DT_NEEDED
        f.extend(dynent(0, 0));
        f.extend(dynent(0, 0));
        f.resize(0x400, 0);
        f
    }

    #[test]
    fn reads_soname_needed_exports_and_machine() {
        let f = elf64(183);
        let info = parse(&f).unwrap();
        assert_eq!(info.class, 64);
        assert_eq!(info.machine, "aarch64");
        assert!(info.is_shared_object);
        assert_eq!(info.soname.as_deref(), Some("libfoo.so"));
        assert_eq!(info.needed, vec!["liblog.so".to_string()]);
        assert_eq!(info.exported_symbols, 2);
        assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    }

    #[test]
    fn machine_names() {
        assert_eq!(machine_name(8, ELFCLASS32), "mips");
        assert_eq!(machine_name(8, ELFCLASS64), "mips64");
        assert_eq!(machine_name(3, ELFCLASS32), "x86");
        assert_eq!(machine_name(40, ELFCLASS32), "arm");
        assert_eq!(machine_name(243, ELFCLASS64), "riscv64");
        assert_eq!(machine_name(9999, ELFCLASS64), "em-9999");
    }

    #[test]
    fn truncated_header() {
        assert!(matches!(parse(&ELFMAG), Err(Error::Truncated { what: "ELF header", .. })));
        let f = elf64(183);
        assert!(matches!(parse(&f[..0x30]), Err(Error::Truncated { .. })));
    }

    #[test]
    fn bad_magic_class_encoding() {
        let mut f = elf64(183);
        f[0] = 0;
        assert_eq!(parse(&f), Err(Error::BadMagic));
        assert_eq!(parse(b"Hello\n"), Err(Error::BadMagic));
        let mut f = elf64(183);
        f[4] = 9;
        assert_eq!(parse(&f), Err(Error::BadClass { value: 9 }));
        let mut f = elf64(183);
        f[5] = 7;
        assert_eq!(parse(&f), Err(Error::BadEncoding { value: 7 }));
    }

    #[test]
    fn program_headers_must_fit_and_have_the_right_size() {
        let mut f = elf64(183);
        f[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
        assert!(matches!(parse(&f), Err(Error::Truncated { what: "program headers", .. })));
        let mut f = elf64(183);
        f[54..56].copy_from_slice(&0x20u16.to_le_bytes());
        assert_eq!(parse(&f), Err(Error::BadEntrySize { what: "program header", size: 0x20, expected: 0x38 }));
    }

    #[test]
    fn bad_section_headers_are_only_an_anomaly() {
        let mut f = elf64(183);
        f[40..48].copy_from_slice(&0xffff_ffff_0000u64.to_le_bytes()); // shoff
        f[60..62].copy_from_slice(&50u16.to_le_bytes()); // shnum
        let info = parse(&f).unwrap();
        assert_eq!(info.soname.as_deref(), Some("libfoo.so"));
        assert_eq!(info.anomalies[0].id, "elf-section-headers-invalid");
    }

    #[test]
    fn broken_dynamic_segment_keeps_header_facts() {
        let mut f = elf64(40);
        // PT_DYNAMIC filesz far past the end.
        f[0x40 + 32..0x40 + 40].copy_from_slice(&0xffff_ffffu64.to_le_bytes());
        let info = parse(&f).unwrap();
        assert_eq!(info.machine, "arm");
        assert!(info.soname.is_none());
        assert_eq!(info.anomalies[0].id, "elf-dynamic-unparsed");
    }

    #[test]
    fn printable_runs() {
        let data = b"\x00\x01hello world\x00ab\x00\xffhttps://x.cn/a\tb\x7f";
        let got: Vec<_> = printable_strings(data, 4).collect();
        assert_eq!(got, vec![(2, b"hello world".as_slice()), (18, b"https://x.cn/a\tb".as_slice())]);
        assert_eq!(printable_strings(b"abc", 4).count(), 0);
        assert_eq!(printable_strings(b"abcd", 4).count(), 1);
        assert_eq!(printable_strings(b"", 4).count(), 0);
    }

    #[test]
    fn printable_runs_with_a_byte_are_the_filtered_runs() {
        // Pseudo-random bytes biased towards printable text, dots and colons.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut data = Vec::new();
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = match x % 10 {
                0 => b'.',
                1 => b':',
                2 => 0,
                3 => (x >> 8) as u8,
                _ => b'a' + ((x >> 16) % 26) as u8,
            };
            data.push(b);
        }
        let cases: [&[u8]; 7] = [&data, b".", b"....", b"\x00abc.def\x00", b"abc.def", b"\x01:\x01::::::x", b""];
        for (case, bytes) in cases.into_iter().enumerate() {
            for min in [1, 4, 6] {
                let want: Vec<_> =
                    printable_strings(bytes, min).filter(|(_, r)| r.iter().any(|&b| b == b'.' || b == b':')).collect();
                let got: Vec<_> = printable_strings_with(bytes, min, b'.', b':').collect();
                assert_eq!(got, want, "case {case}, min {min}");
            }
        }
        // A needle that is not printable never starts a run.
        let got: Vec<_> = printable_strings_with(b"ab\x00cd.ef", 1, 0, b'.').collect();
        assert_eq!(got, vec![(3, b"cd.ef".as_slice())]);
    }
}

//! Minimal ELF shared-object writer (ELF64 AArch64 and ELF32 ARM): two
//! PT_LOAD segments, PT_DYNAMIC, PT_GNU_STACK, a SysV .hash, .dynsym,
//! .dynstr, .text, .rodata, .dynamic and .shstrtab with section headers.

use crate::bytes::{u16_of, u32_of, Put};

const PAGE: usize = 0x1000;
const EM_ARM: u16 = 40;
const EM_AARCH64: u16 = 183;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

const SHT_PROGBITS: u32 = 1;
const SHT_STRTAB: u32 = 3;
const SHT_HASH: u32 = 5;
const SHT_DYNAMIC: u32 = 6;
const SHT_DYNSYM: u32 = 11;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_SONAME: u64 = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    Arm64V8a,
    ArmeabiV7a,
}

impl Abi {
    pub fn dir(self) -> &'static str {
        match self {
            Abi::Arm64V8a => "arm64-v8a",
            Abi::ArmeabiV7a => "armeabi-v7a",
        }
    }
    pub fn machine(self) -> &'static str {
        match self {
            Abi::Arm64V8a => "aarch64",
            Abi::ArmeabiV7a => "arm",
        }
    }
    fn is64(self) -> bool {
        self == Abi::Arm64V8a
    }
}

pub struct SharedObject<'a> {
    pub abi: Abi,
    pub soname: &'a str,
    pub needed: &'a [String],
    pub symbols: &'a [String],
    /// NUL-terminated strings placed in .rodata (URLs for the endpoint scan).
    pub rodata: &'a [String],
}

struct Strtab {
    data: Vec<u8>,
}

impl Strtab {
    fn new() -> Strtab {
        Strtab { data: vec![0] }
    }
    fn add(&mut self, s: &str) -> u32 {
        let at = u32_of(self.data.len());
        self.data.extend_from_slice(s.as_bytes());
        self.data.push(0);
        at
    }
}

fn elf_hash(name: &str) -> u32 {
    let mut h: u32 = 0;
    for &c in name.as_bytes() {
        h = (h << 4).wrapping_add(u32::from(c));
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}

struct Section {
    name: u32,
    ty: u32,
    flags: u64,
    addr: u64,
    off: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

pub fn encode(so: &SharedObject) -> Vec<u8> {
    let is64 = so.abi.is64();
    let word = if is64 { 8 } else { 4 };
    let ehsize = if is64 { 64 } else { 52 };
    let phentsize = if is64 { 56 } else { 32 };
    let shentsize = if is64 { 64 } else { 40 };
    let symsize = if is64 { 24 } else { 16 };
    let dynsize = 2 * word;
    let phnum = 4;

    let mut dynstr = Strtab::new();
    let soname_at = dynstr.add(so.soname);
    let needed_at: Vec<u32> = so.needed.iter().map(|n| dynstr.add(n)).collect();
    let sym_at: Vec<u32> = so.symbols.iter().map(|s| dynstr.add(s)).collect();

    let mut shstr = Strtab::new();
    let n_hash = shstr.add(".hash");
    let n_dynsym = shstr.add(".dynsym");
    let n_dynstr = shstr.add(".dynstr");
    let n_text = shstr.add(".text");
    let n_rodata = shstr.add(".rodata");
    let n_dynamic = shstr.add(".dynamic");
    let n_shstrtab = shstr.add(".shstrtab");

    // Code: one return instruction per exported function.
    let ret: [u8; 4] = if is64 { 0xd65f_03c0u32.to_le_bytes() } else { 0xe12f_ff1eu32.to_le_bytes() };
    let mut text = Vec::new();
    for _ in so.symbols {
        text.extend_from_slice(&ret);
    }
    let mut rodata = Vec::new();
    for s in so.rodata {
        rodata.extend_from_slice(s.as_bytes());
        rodata.push(0);
    }

    // Layout.
    let mut off = ehsize + phnum * phentsize;
    let align = |o: usize, a: usize| o.div_ceil(a) * a;
    let nsyms = 1 + so.symbols.len();
    let nbucket = nsyms.max(1);
    let hash_off = align(off, word);
    let hash_size = 4 * (2 + nbucket + nsyms);
    off = hash_off + hash_size;
    let dynsym_off = align(off, word);
    off = dynsym_off + symsize * nsyms;
    let dynstr_off = off;
    off = dynstr_off + dynstr.data.len();
    let text_off = align(off, 4);
    off = text_off + text.len();
    let rodata_off = off;
    off = rodata_off + rodata.len();
    let seg1_end = off;
    let dynamic_off = align(off, word);
    let dyn_count = so.needed.len() + 7;
    let dynamic_size = dyn_count * dynsize;
    // The writable segment sits one page higher in memory, as linkers place it.
    let dynamic_addr = dynamic_off + PAGE;
    off = dynamic_off + dynamic_size;
    let shstr_off = off;
    off = shstr_off + shstr.data.len();
    let shoff = align(off, word);
    let shnum = 8;
    let total = shoff + shnum * shentsize;

    let mut out = Vec::with_capacity(total);
    // ELF header.
    out.extend_from_slice(b"\x7fELF");
    out.u8(if is64 { 2 } else { 1 });
    out.u8(1); // little-endian
    out.u8(1); // EV_CURRENT
    out.extend_from_slice(&[0u8; 9]);
    out.u16(3); // ET_DYN
    out.u16(if is64 { EM_AARCH64 } else { EM_ARM });
    out.u32(1);
    addr(&mut out, is64, 0); // e_entry
    addr(&mut out, is64, ehsize as u64); // e_phoff
    addr(&mut out, is64, shoff as u64); // e_shoff
    out.u32(if is64 { 0 } else { 0x0500_0200 }); // EABI5, soft-float ABI
    out.u16(u16_of(ehsize));
    out.u16(u16_of(phentsize));
    out.u16(u16_of(phnum));
    out.u16(u16_of(shentsize));
    out.u16(u16_of(shnum));
    out.u16(7); // e_shstrndx
    assert_eq!(out.len(), ehsize);

    // Program headers.
    phdr(&mut out, is64, PT_LOAD, PF_R | PF_X, 0, 0, seg1_end, PAGE);
    phdr(&mut out, is64, PT_LOAD, PF_R | PF_W, dynamic_off, dynamic_addr, dynamic_size, PAGE);
    phdr(&mut out, is64, PT_DYNAMIC, PF_R | PF_W, dynamic_off, dynamic_addr, dynamic_size, word);
    phdr(&mut out, is64, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 16);

    // .hash
    out.pad_to(word);
    assert_eq!(out.len(), hash_off);
    let mut buckets = vec![0u32; nbucket];
    let mut chains = vec![0u32; nsyms];
    for (i, s) in so.symbols.iter().enumerate() {
        let idx = i + 1;
        let b = elf_hash(s) as usize % nbucket;
        chains[idx] = buckets[b];
        buckets[b] = u32_of(idx);
    }
    out.u32(u32_of(nbucket));
    out.u32(u32_of(nsyms));
    for b in buckets {
        out.u32(b);
    }
    for c in chains {
        out.u32(c);
    }

    // .dynsym
    out.pad_to(word);
    assert_eq!(out.len(), dynsym_off);
    out.extend_from_slice(&vec![0u8; symsize]);
    for (i, name) in sym_at.iter().enumerate() {
        let value = (text_off + 4 * i) as u64;
        let info = 0x12u8; // STB_GLOBAL, STT_FUNC
        let shndx = 4u16; // .text
        if is64 {
            out.u32(*name);
            out.u8(info);
            out.u8(0);
            out.u16(shndx);
            out.u64(value);
            out.u64(4);
        } else {
            out.u32(*name);
            out.u32(u32::try_from(value).expect("small file"));
            out.u32(4);
            out.u8(info);
            out.u8(0);
            out.u16(shndx);
        }
    }
    assert_eq!(out.len(), dynstr_off);
    out.extend_from_slice(&dynstr.data);
    out.pad_to(4);
    assert_eq!(out.len(), text_off);
    out.extend_from_slice(&text);
    out.extend_from_slice(&rodata);
    out.pad_to(word);
    assert_eq!(out.len(), dynamic_off);
    let dyn_entry = |out: &mut Vec<u8>, tag: u64, val: u64| {
        addr(out, is64, tag);
        addr(out, is64, val);
    };
    for n in &needed_at {
        dyn_entry(&mut out, DT_NEEDED, u64::from(*n));
    }
    dyn_entry(&mut out, DT_SONAME, u64::from(soname_at));
    dyn_entry(&mut out, DT_HASH, hash_off as u64);
    dyn_entry(&mut out, DT_STRTAB, dynstr_off as u64);
    dyn_entry(&mut out, DT_SYMTAB, dynsym_off as u64);
    dyn_entry(&mut out, DT_STRSZ, dynstr.data.len() as u64);
    dyn_entry(&mut out, DT_SYMENT, symsize as u64);
    dyn_entry(&mut out, DT_NULL, 0);
    assert_eq!(out.len(), shstr_off);
    out.extend_from_slice(&shstr.data);
    out.pad_to(word);
    assert_eq!(out.len(), shoff);

    let sections = [
        Section { name: 0, ty: 0, flags: 0, addr: 0, off: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 },
        Section {
            name: n_hash,
            ty: SHT_HASH,
            flags: SHF_ALLOC,
            addr: hash_off as u64,
            off: hash_off as u64,
            size: hash_size as u64,
            link: 2,
            info: 0,
            align: word as u64,
            entsize: 4,
        },
        Section {
            name: n_dynsym,
            ty: SHT_DYNSYM,
            flags: SHF_ALLOC,
            addr: dynsym_off as u64,
            off: dynsym_off as u64,
            size: (symsize * nsyms) as u64,
            link: 3,
            info: 1,
            align: word as u64,
            entsize: symsize as u64,
        },
        Section {
            name: n_dynstr,
            ty: SHT_STRTAB,
            flags: SHF_ALLOC,
            addr: dynstr_off as u64,
            off: dynstr_off as u64,
            size: dynstr.data.len() as u64,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        },
        Section {
            name: n_text,
            ty: SHT_PROGBITS,
            flags: SHF_ALLOC | SHF_EXECINSTR,
            addr: text_off as u64,
            off: text_off as u64,
            size: text.len() as u64,
            link: 0,
            info: 0,
            align: 4,
            entsize: 0,
        },
        Section {
            name: n_rodata,
            ty: SHT_PROGBITS,
            flags: SHF_ALLOC,
            addr: rodata_off as u64,
            off: rodata_off as u64,
            size: rodata.len() as u64,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        },
        Section {
            name: n_dynamic,
            ty: SHT_DYNAMIC,
            flags: SHF_ALLOC | SHF_WRITE,
            addr: dynamic_addr as u64,
            off: dynamic_off as u64,
            size: dynamic_size as u64,
            link: 3,
            info: 0,
            align: word as u64,
            entsize: dynsize as u64,
        },
        Section {
            name: n_shstrtab,
            ty: SHT_STRTAB,
            flags: 0,
            addr: 0,
            off: shstr_off as u64,
            size: shstr.data.len() as u64,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        },
    ];
    for s in &sections {
        out.u32(s.name);
        out.u32(s.ty);
        addr(&mut out, is64, s.flags);
        addr(&mut out, is64, s.addr);
        addr(&mut out, is64, s.off);
        addr(&mut out, is64, s.size);
        out.u32(s.link);
        out.u32(s.info);
        addr(&mut out, is64, s.align);
        addr(&mut out, is64, s.entsize);
    }
    assert_eq!(out.len(), total);
    out
}

/// A word-sized field: u64 in ELF64, u32 in ELF32.
fn addr(out: &mut Vec<u8>, is64: bool, v: u64) {
    if is64 {
        out.u64(v);
    } else {
        out.u32(u32::try_from(v).expect("ELF32 values fit in 32 bits"));
    }
}

#[allow(clippy::too_many_arguments)]
fn phdr(out: &mut Vec<u8>, is64: bool, ty: u32, flags: u32, off: usize, vaddr: usize, size: usize, align: usize) {
    if is64 {
        out.u32(ty);
        out.u32(flags);
        out.u64(off as u64);
        out.u64(vaddr as u64);
        out.u64(vaddr as u64);
        out.u64(size as u64);
        out.u64(size as u64);
        out.u64(align as u64);
    } else {
        for v in [ty, u32_of(off), u32_of(vaddr), u32_of(vaddr), u32_of(size), u32_of(size), flags, u32_of(align)] {
            out.u32(v);
        }
    }
}

//! One parser per file format. Each takes `&[u8]` and returns a typed,
//! borrowed view with checked reads and its own error type. Parsers never
//! see the signature database and never print.

pub mod reader;

pub mod aab;
pub mod ar;
pub mod arsc;
pub mod axml;
pub mod classfile;
pub mod der;
pub mod dex;
pub mod elf;
pub mod macho;
pub mod pkcs7;
pub mod sigblock;
pub mod x509;
pub mod zip;

/// Makes `buf` `len` bytes long for the caller to overwrite, reusing its
/// allocation when it is large enough (bytes it already held stay; the rest
/// are zero). Otherwise it becomes fresh zeroed memory from the allocator
/// (`calloc`: its pages are not written until the caller fills them),
/// instead of growing and then zero-filling every byte.
pub fn zeroed(buf: &mut Vec<u8>, len: usize) {
    if buf.capacity() >= len {
        buf.resize(len, 0);
    } else {
        *buf = vec![0u8; len];
    }
}

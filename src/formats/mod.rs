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
pub mod source;
pub mod x509;
pub mod zip;

/// Makes `buf` at least `len` bytes long for the caller to overwrite its
/// first `len` bytes. A buffer already that long is left as it is (its old
/// bytes are overwritten, never zeroed first); one whose allocation holds
/// `len` is zero-filled past its old length. Otherwise it becomes fresh
/// zeroed memory from the allocator (`calloc`: its pages are not touched
/// until the caller writes them), as long as the next power of two, so that
/// entries growing in size get a new allocation (and page faults over it)
/// only when they double.
pub fn grow_zeroed(buf: &mut Vec<u8>, len: usize) {
    if buf.len() >= len {
        return;
    }
    if buf.capacity() >= len {
        buf.resize(len, 0);
    } else {
        *buf = vec![0u8; len.checked_next_power_of_two().unwrap_or(len)];
    }
}

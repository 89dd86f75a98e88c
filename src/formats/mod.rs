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

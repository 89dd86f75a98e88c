//! Zip writer: local headers, stored or deflated data, central directory,
//! EOCD. Stored entries are aligned (zipalign-style 0xd935 extra field).

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

use crate::bytes::{u16_of, u32_of, Put};

/// MS-DOS date 1981-01-01, time 00:00:00 (fixed for reproducibility).
const DOS_DATE: u16 = (1 << 9) | (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// Android's zipalign alignment extra field.
const ALIGN_EXTRA_ID: u16 = 0xd935;

pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
    pub deflate: bool,
    /// Alignment of the stored data (0 = none).
    pub align: usize,
    /// Compression method written in the headers instead of the real one
    /// (the data stays stored): an unknown method, as tampered APKs carry.
    pub method: Option<u16>,
}

pub struct Zip {
    /// Local headers and data (section 1 of the v2 digest).
    pub body: Vec<u8>,
    /// Central directory (section 3).
    pub cd: Vec<u8>,
    /// End of central directory, CD offset = body.len() (section 4).
    pub eocd: Vec<u8>,
}

pub fn write(entries: &[Entry]) -> Result<Zip, Box<dyn std::error::Error>> {
    let mut body = Vec::new();
    let mut cd = Vec::new();
    for e in entries {
        let mut crc = Crc::new();
        crc.update(&e.data);
        let crc = crc.sum();
        let (method, payload) = if e.deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), Compression::new(9));
            enc.write_all(&e.data)?;
            (8u16, enc.finish()?)
        } else {
            (0u16, e.data.clone())
        };
        let method = e.method.unwrap_or(method);
        let offset = body.len();
        let mut extra = Vec::new();
        if !e.deflate && e.align > 0 {
            let base = offset + 30 + e.name.len() + 6;
            let pad = (e.align - base % e.align) % e.align;
            extra.u16(ALIGN_EXTRA_ID);
            extra.u16(u16_of(2 + pad));
            extra.u16(u16_of(e.align));
            extra.extend(std::iter::repeat_n(0u8, pad));
        }
        let version = if e.deflate { 20 } else { 10 };
        body.u32(0x0403_4b50);
        body.u16(version);
        body.u16(0); // flags
        body.u16(method);
        body.u16(DOS_TIME);
        body.u16(DOS_DATE);
        body.u32(crc);
        body.u32(u32_of(payload.len()));
        body.u32(u32_of(e.data.len()));
        body.u16(u16_of(e.name.len()));
        body.u16(u16_of(extra.len()));
        body.extend_from_slice(e.name.as_bytes());
        body.extend_from_slice(&extra);
        if !e.deflate && e.align > 0 {
            assert_eq!(body.len() % e.align, 0, "stored entry aligned");
        }
        body.extend_from_slice(&payload);

        cd.u32(0x0201_4b50);
        cd.u16(version); // made by (MS-DOS attributes)
        cd.u16(version);
        cd.u16(0);
        cd.u16(method);
        cd.u16(DOS_TIME);
        cd.u16(DOS_DATE);
        cd.u32(crc);
        cd.u32(u32_of(payload.len()));
        cd.u32(u32_of(e.data.len()));
        cd.u16(u16_of(e.name.len()));
        cd.u16(0); // extra
        cd.u16(0); // comment
        cd.u16(0); // disk
        cd.u16(0); // internal attributes
        cd.u32(0); // external attributes
        cd.u32(u32_of(offset));
        cd.extend_from_slice(e.name.as_bytes());
    }
    let mut eocd = Vec::new();
    eocd.u32(0x0605_4b50);
    eocd.u16(0);
    eocd.u16(0);
    eocd.u16(u16_of(entries.len()));
    eocd.u16(u16_of(entries.len()));
    eocd.u32(u32_of(cd.len()));
    eocd.u32(u32_of(body.len()));
    eocd.u16(0);
    Ok(Zip { body, cd, eocd })
}

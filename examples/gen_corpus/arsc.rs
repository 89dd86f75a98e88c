//! resources.arsc writer: one package (0x7f) with a `string` type (app_name
//! in the default configuration and in one locale) and an `xml` type (the
//! network security config file).

use crate::axml::{Pool, TYPE_STRING};
use crate::bytes::{set_u32, u16_of, u32_of, Put};

const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
/// ResTable_config::CONFIG_LOCALE
const CONFIG_LOCALE: u32 = 0x0004;
const CONFIG_SIZE: usize = 64;

pub const PACKAGE_ID: u32 = 0x7f;
/// `@string/app_name`
pub const APP_NAME_ID: u32 = 0x7f01_0000;
/// `@xml/network_security_config`
pub const NSC_ID: u32 = 0x7f02_0000;
pub const NSC_PATH: &str = "res/xml/network_security_config.xml";

pub struct Table<'a> {
    pub package: &'a str,
    pub label: &'a str,
    /// (two-letter language, value) of the second configuration.
    pub alt_label: (&'a str, &'a str),
    pub utf8: bool,
}

pub fn encode(t: &Table) -> Vec<u8> {
    let mut values = Pool::default();
    let label = values.idx(t.label);
    let alt = values.idx(t.alt_label.1);
    let nsc = values.idx(NSC_PATH);

    let mut types = Pool::default();
    types.idx("string");
    types.idx("xml");
    let mut keys = Pool::default();
    let k_app = keys.idx("app_name");
    let k_nsc = keys.idx("network_security_config");

    // Package chunk.
    let mut pkg = Vec::new();
    let header = 0x120;
    pkg.u16(RES_TABLE_PACKAGE_TYPE);
    pkg.u16(header);
    pkg.u32(0); // size, patched
    pkg.u32(PACKAGE_ID);
    let name16: Vec<u16> = t.package.encode_utf16().collect();
    assert!(name16.len() < 128, "package name too long");
    for i in 0..128 {
        pkg.u16(name16.get(i).copied().unwrap_or(0));
    }
    let type_pool = types.encode(t.utf8);
    let key_pool = keys.encode(t.utf8);
    pkg.u32(u32::from(header)); // typeStrings
    pkg.u32(u32_of(types.strings.len())); // lastPublicType
    pkg.u32(u32_of(usize::from(header) + type_pool.len())); // keyStrings
    pkg.u32(u32_of(keys.strings.len())); // lastPublicKey
    pkg.u32(0); // typeIdOffset
    assert_eq!(pkg.len(), usize::from(header));
    pkg.extend_from_slice(&type_pool);
    pkg.extend_from_slice(&key_pool);

    // type 1: string
    type_spec(&mut pkg, 1, &[CONFIG_LOCALE]);
    type_chunk(&mut pkg, 1, &config(None), &[(k_app, TYPE_STRING, label)]);
    type_chunk(&mut pkg, 1, &config(Some(t.alt_label.0)), &[(k_app, TYPE_STRING, alt)]);
    // type 2: xml
    type_spec(&mut pkg, 2, &[0]);
    type_chunk(&mut pkg, 2, &config(None), &[(k_nsc, TYPE_STRING, nsc)]);
    let plen = u32_of(pkg.len());
    set_u32(&mut pkg, 4, plen);

    let mut out = Vec::new();
    out.u16(RES_TABLE_TYPE);
    out.u16(0x0c);
    out.u32(0); // size, patched
    out.u32(1); // packageCount
    out.extend_from_slice(&values.encode(t.utf8));
    out.extend_from_slice(&pkg);
    let len = u32_of(out.len());
    set_u32(&mut out, 4, len);
    out
}

fn config(lang: Option<&str>) -> Vec<u8> {
    let mut c = vec![0u8; CONFIG_SIZE];
    set_u32(&mut c, 0, u32_of(CONFIG_SIZE));
    if let Some(l) = lang {
        let b = l.as_bytes();
        assert_eq!(b.len(), 2, "two-letter language codes only");
        c[8] = b[0];
        c[9] = b[1];
    }
    c
}

fn type_spec(out: &mut Vec<u8>, id: u8, flags: &[u32]) {
    out.u16(RES_TABLE_TYPE_SPEC_TYPE);
    out.u16(0x10);
    out.u32(u32_of(0x10 + 4 * flags.len()));
    out.u8(id);
    out.u8(0);
    out.u16(0);
    out.u32(u32_of(flags.len()));
    for f in flags {
        out.u32(*f);
    }
}

/// `entries`: (key index, value type, value data) for entry 0, 1, ...
fn type_chunk(out: &mut Vec<u8>, id: u8, config: &[u8], entries: &[(u32, u8, u32)]) {
    let header = 20 + config.len();
    let entries_start = header + 4 * entries.len();
    let size = entries_start + 16 * entries.len();
    out.u16(RES_TABLE_TYPE_TYPE);
    out.u16(u16_of(header));
    out.u32(u32_of(size));
    out.u8(id);
    out.u8(0); // flags
    out.u16(0);
    out.u32(u32_of(entries.len()));
    out.u32(u32_of(entries_start));
    out.extend_from_slice(config);
    for i in 0..entries.len() {
        out.u32(u32_of(16 * i));
    }
    for (key, ty, data) in entries {
        out.u16(8); // ResTable_entry size
        out.u16(0); // flags
        out.u32(*key);
        out.u16(8); // Res_value size
        out.u8(0);
        out.u8(*ty);
        out.u32(*data);
    }
}

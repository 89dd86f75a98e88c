//! Binary XML (AXML) writer: string pool (UTF-8 or UTF-16), resource map,
//! namespace, element and CDATA chunks, as aapt produces them
//! (frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h).

use crate::bytes::{set_u32, u16_of, u32_of, Put};

pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_XML_TYPE: u16 = 0x0003;
const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const RES_XML_CDATA_TYPE: u16 = 0x0104;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;

pub const TYPE_REFERENCE: u8 = 0x01;
pub const TYPE_STRING: u8 = 0x03;
pub const TYPE_INT_DEC: u8 = 0x10;
pub const TYPE_INT_HEX: u8 = 0x11;
pub const TYPE_INT_BOOLEAN: u8 = 0x12;

const NO_INDEX: u32 = 0xffff_ffff;

/// A typed attribute value.
#[derive(Clone, Debug)]
pub enum Val {
    Str(String),
    Int(u32),
    Hex(u32),
    Bool(bool),
    Ref(u32),
}

#[derive(Clone, Debug)]
pub struct Attr {
    /// Namespace URI (None for `package` and other plain attributes).
    pub ns: Option<&'static str>,
    pub name: &'static str,
    /// Framework attribute id, placed in the resource map.
    pub res_id: Option<u32>,
    pub val: Val,
}

#[derive(Clone, Debug)]
pub enum Node {
    Elem(Elem),
    Text(String),
}

#[derive(Clone, Debug, Default)]
pub struct Elem {
    pub name: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

impl Elem {
    pub fn new(name: &str) -> Elem {
        Elem { name: name.to_string(), ..Elem::default() }
    }
    /// `android:`-namespaced framework attribute.
    pub fn a(mut self, name: &'static str, res_id: u32, val: Val) -> Elem {
        self.attrs.push(Attr { ns: Some(ANDROID_NS), name, res_id: Some(res_id), val });
        self
    }
    /// Attribute without namespace or resource id.
    pub fn plain(mut self, name: &'static str, val: Val) -> Elem {
        self.attrs.push(Attr { ns: None, name, res_id: None, val });
        self
    }
    pub fn child(mut self, e: Elem) -> Elem {
        self.children.push(Node::Elem(e));
        self
    }
    pub fn push(&mut self, e: Elem) {
        self.children.push(Node::Elem(e));
    }
    pub fn text(mut self, t: &str) -> Elem {
        self.children.push(Node::Text(t.to_string()));
        self
    }
}

/// An ordered, de-duplicated string pool.
#[derive(Default)]
pub struct Pool {
    pub strings: Vec<String>,
}

impl Pool {
    pub fn idx(&mut self, s: &str) -> u32 {
        if let Some(i) = self.strings.iter().position(|x| x == s) {
            return u32_of(i);
        }
        self.strings.push(s.to_string());
        u32_of(self.strings.len() - 1)
    }

    /// Encodes a RES_STRING_POOL chunk (no styles).
    pub fn encode(&self, utf8: bool) -> Vec<u8> {
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for s in &self.strings {
            offsets.push(u32_of(data.len()));
            let units: Vec<u16> = s.encode_utf16().collect();
            if utf8 {
                put_len8(&mut data, units.len());
                put_len8(&mut data, s.len());
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            } else {
                put_len16(&mut data, units.len());
                for u in units {
                    data.u16(u);
                }
                data.u16(0);
            }
        }
        data.pad_to(4);
        let header = 0x1c;
        let strings_start = header + 4 * self.strings.len();
        let mut out = Vec::new();
        out.u16(RES_STRING_POOL_TYPE);
        out.u16(u16_of(header));
        out.u32(u32_of(strings_start + data.len()));
        out.u32(u32_of(self.strings.len()));
        out.u32(0); // styleCount
        out.u32(if utf8 { 0x100 } else { 0 });
        out.u32(u32_of(strings_start));
        out.u32(0); // stylesStart
        for o in offsets {
            out.u32(o);
        }
        out.extend_from_slice(&data);
        out
    }
}

fn put_len8(out: &mut Vec<u8>, n: usize) {
    assert!(n < 0x8000, "string too long for the corpus writer");
    if n > 0x7f {
        out.u8(0x80 | u8::try_from(n >> 8).expect("checked above"));
    }
    out.u8((n & 0xff) as u8);
}

fn put_len16(out: &mut Vec<u8>, n: usize) {
    assert!(n < 0x8000, "string too long for the corpus writer");
    out.u16(u16_of(n));
}

/// Encodes a complete AXML document: `root` inside one namespace
/// declaration per `(prefix, uri)`.
pub fn encode(root: &Elem, namespaces: &[(&str, &str)], utf8: bool) -> Vec<u8> {
    let mut pool = Pool::default();
    // Attribute names with a resource id come first, in the resource map's order.
    let mut ids: Vec<(u32, &'static str)> = Vec::new();
    collect_ids(root, &mut ids);
    ids.sort();
    ids.dedup();
    for (_, name) in &ids {
        pool.idx(name);
    }
    let res_map: Vec<u32> = ids.iter().map(|(id, _)| *id).collect();
    for (prefix, uri) in namespaces {
        pool.idx(prefix);
        pool.idx(uri);
    }
    let mut nodes = Vec::new();
    let mut line = 1u32;
    for (prefix, uri) in namespaces {
        ns_chunk(&mut nodes, RES_XML_START_NAMESPACE_TYPE, line, pool.idx(prefix), pool.idx(uri));
    }
    write_elem(root, &mut pool, &mut nodes, &mut line);
    for (prefix, uri) in namespaces.iter().rev() {
        ns_chunk(&mut nodes, RES_XML_END_NAMESPACE_TYPE, line, pool.idx(prefix), pool.idx(uri));
    }

    let mut out = Vec::new();
    out.u16(RES_XML_TYPE);
    out.u16(8);
    out.u32(0); // patched below
    out.extend_from_slice(&pool.encode(utf8));
    if !res_map.is_empty() {
        out.u16(RES_XML_RESOURCE_MAP_TYPE);
        out.u16(8);
        out.u32(u32_of(8 + 4 * res_map.len()));
        for id in res_map {
            out.u32(id);
        }
    }
    out.extend_from_slice(&nodes);
    let len = u32_of(out.len());
    set_u32(&mut out, 4, len);
    out
}

fn collect_ids(e: &Elem, ids: &mut Vec<(u32, &'static str)>) {
    for a in &e.attrs {
        if let Some(id) = a.res_id {
            ids.push((id, a.name));
        }
    }
    for c in &e.children {
        if let Node::Elem(ce) = c {
            collect_ids(ce, ids);
        }
    }
}

fn node_header(out: &mut Vec<u8>, ty: u16, size: usize, line: u32) {
    out.u16(ty);
    out.u16(0x10);
    out.u32(u32_of(size));
    out.u32(line);
    out.u32(NO_INDEX); // comment
}

fn ns_chunk(out: &mut Vec<u8>, ty: u16, line: u32, prefix: u32, uri: u32) {
    node_header(out, ty, 0x18, line);
    out.u32(prefix);
    out.u32(uri);
}

fn write_elem(e: &Elem, pool: &mut Pool, out: &mut Vec<u8>, line: &mut u32) {
    // Framework attributes sorted by id (as aapt emits them), then the others.
    let mut attrs: Vec<&Attr> = e.attrs.iter().collect();
    attrs.sort_by_key(|a| (a.res_id.is_none(), a.res_id, a.name));
    let name = pool.idx(&e.name);
    node_header(out, RES_XML_START_ELEMENT_TYPE, 0x24 + 0x14 * attrs.len(), *line);
    out.u32(NO_INDEX); // element namespace
    out.u32(name);
    out.u16(0x14); // attributeStart
    out.u16(0x14); // attributeSize
    out.u16(u16_of(attrs.len()));
    out.u16(0); // idIndex
    out.u16(0); // classIndex
    out.u16(0); // styleIndex
    for a in attrs {
        let ns = a.ns.map_or(NO_INDEX, |u| pool.idx(u));
        let an = pool.idx(a.name);
        out.u32(ns);
        out.u32(an);
        let (raw, ty, data) = match &a.val {
            Val::Str(s) => {
                let i = pool.idx(s);
                (i, TYPE_STRING, i)
            }
            Val::Int(v) => (NO_INDEX, TYPE_INT_DEC, *v),
            Val::Hex(v) => (NO_INDEX, TYPE_INT_HEX, *v),
            Val::Bool(b) => (NO_INDEX, TYPE_INT_BOOLEAN, if *b { 0xffff_ffff } else { 0 }),
            Val::Ref(id) => (NO_INDEX, TYPE_REFERENCE, *id),
        };
        out.u32(raw);
        out.u16(8);
        out.u8(0);
        out.u8(ty);
        out.u32(data);
    }
    *line += 1;
    for c in &e.children {
        match c {
            Node::Elem(ce) => write_elem(ce, pool, out, line),
            Node::Text(t) => {
                let i = pool.idx(t);
                node_header(out, RES_XML_CDATA_TYPE, 0x1c, *line);
                out.u32(i);
                out.u16(8);
                out.u8(0);
                out.u8(0); // TYPE_NULL, as aapt writes it
                out.u32(0);
            }
        }
    }
    node_header(out, RES_XML_END_ELEMENT_TYPE, 0x18, *line);
    out.u32(NO_INDEX);
    out.u32(name);
    *line += 1;
}

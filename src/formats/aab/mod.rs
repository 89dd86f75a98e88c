//! Android App Bundle protobuf files: the aapt2 `XmlNode` manifest
//! (`<module>/manifest/AndroidManifest.xml`), `BundleConfig.pb`.
//!
//! Place in the pipeline: `formats` — bytes in, typed messages out;
//! `extract::aab` builds the module facts. The message structs are written
//! by hand for the subset the scanner reads (aapt2 `Resources.proto`,
//! bundletool `config.proto`; reference §4.6), decoded with prost (no
//! protoc at build time). Unknown fields are skipped, as protobuf does.
//!
//! `to_axml` re-encodes an `XmlNode` tree as Android binary XML so that the
//! one manifest extractor (`extract::manifest`, framework attributes matched
//! by resource id) serves APKs and bundles alike: every attribute keeps the
//! `resource_id` aapt2 compiled into the bundle.
//!
//! Invariants: prost bounds message nesting (recursion limit 100); the
//! encoder caps nodes and attributes with the `MAX_*` constants and never
//! indexes.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod table;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use prost::Message;

/// Largest protobuf manifest decoded (real ones are tens of KB).
pub const MAX_PROTO_BYTES: usize = 16 << 20;
/// Most XML nodes re-encoded from one manifest.
pub const MAX_XML_NODES: usize = 200_000;
/// Most attributes re-encoded per element (the AXML count is a u16).
pub const MAX_ATTRIBUTES: usize = 2_048;
/// Deepest element nesting re-encoded (prost stops at 100 anyway).
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("protobuf {what}: {source}")]
    Decode {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
    #[error("{what}: no root element")]
    NoRoot { what: &'static str },
}

pub type Result<T> = std::result::Result<T, Error>;

/// `aapt.pb.XmlNode`: an element or a text node.
#[derive(Clone, PartialEq, Message)]
pub struct XmlNode {
    #[prost(oneof = "xml_node::Node", tags = "1, 2")]
    pub node: Option<xml_node::Node>,
}

pub mod xml_node {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Node {
        #[prost(message, tag = "1")]
        Element(super::XmlElement),
        #[prost(string, tag = "2")]
        Text(String),
    }
}

/// `aapt.pb.XmlElement`.
#[derive(Clone, PartialEq, Message)]
pub struct XmlElement {
    #[prost(message, repeated, tag = "1")]
    pub namespace_declaration: Vec<XmlNamespace>,
    #[prost(string, tag = "2")]
    pub namespace_uri: String,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(message, repeated, tag = "4")]
    pub attribute: Vec<XmlAttribute>,
    #[prost(message, repeated, tag = "5")]
    pub child: Vec<XmlNode>,
}

/// `aapt.pb.XmlNamespace`.
#[derive(Clone, PartialEq, Message)]
pub struct XmlNamespace {
    #[prost(string, tag = "1")]
    pub prefix: String,
    #[prost(string, tag = "2")]
    pub uri: String,
}

/// `aapt.pb.XmlAttribute`. `value` is the source text; `compiled_item` the
/// typed value aapt2 compiled (absent for plain strings).
#[derive(Clone, PartialEq, Message)]
pub struct XmlAttribute {
    #[prost(string, tag = "1")]
    pub namespace_uri: String,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub value: String,
    #[prost(uint32, tag = "5")]
    pub resource_id: u32,
    #[prost(message, optional, tag = "6")]
    pub compiled_item: Option<Item>,
}

/// `aapt.pb.Item`: the variants a manifest attribute or a resource table
/// value uses (one message for both, as in aapt2's Resources.proto).
#[derive(Clone, PartialEq, Message)]
pub struct Item {
    #[prost(oneof = "item::Value", tags = "1, 2, 3, 4, 5, 7")]
    pub value: Option<item::Value>,
}

pub mod item {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(message, tag = "1")]
        Ref(super::Reference),
        #[prost(message, tag = "2")]
        Str(super::StringValue),
        /// `RawString`: `string value = 1` like `String`.
        #[prost(message, tag = "3")]
        RawStr(super::StringValue),
        /// `StyledString`: its text is `string value = 1`; spans are skipped.
        #[prost(message, tag = "4")]
        StyledStr(super::StringValue),
        #[prost(message, tag = "5")]
        File(super::FileReference),
        #[prost(message, tag = "7")]
        Prim(super::Primitive),
    }
}

/// `aapt.pb.FileReference` (the file type is skipped).
#[derive(Clone, PartialEq, Message)]
pub struct FileReference {
    #[prost(string, tag = "1")]
    pub path: String,
}

/// `aapt.pb.Reference`.
#[derive(Clone, PartialEq, Message)]
pub struct Reference {
    #[prost(uint32, tag = "2")]
    pub id: u32,
    #[prost(string, tag = "3")]
    pub name: String,
}

/// `aapt.pb.String`.
#[derive(Clone, PartialEq, Message)]
pub struct StringValue {
    #[prost(string, tag = "1")]
    pub value: String,
}

/// `aapt.pb.Primitive`.
#[derive(Clone, PartialEq, Message)]
pub struct Primitive {
    #[prost(oneof = "primitive::Value", tags = "3, 6, 7, 8, 9, 10, 11, 12, 13, 14")]
    pub value: Option<primitive::Value>,
}

pub mod primitive {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(float, tag = "3")]
        Float(f32),
        #[prost(int32, tag = "6")]
        IntDecimal(i32),
        #[prost(uint32, tag = "7")]
        IntHexadecimal(u32),
        #[prost(bool, tag = "8")]
        Boolean(bool),
        #[prost(uint32, tag = "9")]
        ColorArgb8(u32),
        #[prost(uint32, tag = "10")]
        ColorRgb8(u32),
        #[prost(uint32, tag = "11")]
        ColorArgb4(u32),
        #[prost(uint32, tag = "12")]
        ColorRgb4(u32),
        #[prost(uint32, tag = "13")]
        Dimension(u32),
        #[prost(uint32, tag = "14")]
        Fraction(u32),
    }
}

/// bundletool `BundleConfig` (only the tool version).
#[derive(Clone, PartialEq, Message)]
pub struct BundleConfig {
    #[prost(message, optional, tag = "1")]
    pub bundletool: Option<Bundletool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Bundletool {
    #[prost(string, tag = "2")]
    pub version: String,
}

/// Decodes a protobuf manifest.
pub fn parse_xml(data: &[u8]) -> Result<XmlNode> {
    if data.len() > MAX_PROTO_BYTES {
        return Err(Error::LimitExceeded { what: "protobuf manifest bytes", limit: MAX_PROTO_BYTES as u64 });
    }
    let node = XmlNode::decode(data).map_err(|source| Error::Decode { what: "XmlNode", source })?;
    match node.node {
        Some(xml_node::Node::Element(_)) => Ok(node),
        _ => Err(Error::NoRoot { what: "XmlNode" }),
    }
}

/// Decodes `BundleConfig.pb`.
pub fn parse_bundle_config(data: &[u8]) -> Result<BundleConfig> {
    if data.len() > MAX_PROTO_BYTES {
        return Err(Error::LimitExceeded { what: "BundleConfig bytes", limit: MAX_PROTO_BYTES as u64 });
    }
    BundleConfig::decode(data).map_err(|source| Error::Decode { what: "BundleConfig", source })
}

// Res_value data types (ResourceTypes.h).
const TYPE_REFERENCE: u8 = 0x01;
const TYPE_STRING: u8 = 0x03;
const TYPE_FLOAT: u8 = 0x04;
const TYPE_DIMENSION: u8 = 0x05;
const TYPE_FRACTION: u8 = 0x06;
const TYPE_INT_DEC: u8 = 0x10;
const TYPE_INT_HEX: u8 = 0x11;
const TYPE_INT_BOOLEAN: u8 = 0x12;
const TYPE_COLOR_ARGB8: u8 = 0x1c;
const TYPE_COLOR_RGB8: u8 = 0x1d;
const TYPE_COLOR_ARGB4: u8 = 0x1e;
const TYPE_COLOR_RGB4: u8 = 0x1f;
const NO_INDEX: u32 = 0xffff_ffff;

/// String pool under construction: attribute names with a resource id come
/// first (index = position in the resource map), then everything else.
#[derive(Default)]
struct Pool {
    strings: Vec<String>,
    ids: Vec<u32>,
    index: HashMap<(String, u32), u32>,
}

impl Pool {
    fn add(&mut self, s: &str, id: u32) -> u32 {
        if let Some(&i) = self.index.get(&(s.to_string(), id)) {
            return i;
        }
        let i = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.strings.push(s.to_string());
        if id != 0 {
            self.ids.push(id);
        }
        self.index.insert((s.to_string(), id), i);
        i
    }

    fn get(&self, s: &str) -> u32 {
        self.index.get(&(s.to_string(), 0)).copied().unwrap_or(NO_INDEX)
    }

    fn attr_name(&self, s: &str, id: u32) -> u32 {
        self.index.get(&(s.to_string(), id)).copied().unwrap_or(NO_INDEX)
    }
}

/// Elements and text nodes in document order, flattened (no recursion in
/// the encoder beyond the decoded tree's own bounded depth).
enum Event<'a> {
    Start(&'a XmlElement),
    End(&'a XmlElement),
    Text(&'a str),
}

fn flatten<'a>(root: &'a XmlNode, out: &mut Vec<Event<'a>>) -> Result<()> {
    // Explicit stack: (node, children visited?).
    let mut stack: Vec<(&'a XmlNode, bool)> = vec![(root, false)];
    while let Some((node, done)) = stack.pop() {
        if out.len() >= MAX_XML_NODES {
            return Err(Error::LimitExceeded { what: "XML nodes", limit: MAX_XML_NODES as u64 });
        }
        match &node.node {
            Some(xml_node::Node::Element(el)) => {
                if done {
                    out.push(Event::End(el));
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err(Error::LimitExceeded { what: "XML depth", limit: MAX_DEPTH as u64 });
                    }
                    out.push(Event::Start(el));
                    stack.push((node, true));
                    for c in el.child.iter().rev() {
                        stack.push((c, false));
                    }
                }
            }
            Some(xml_node::Node::Text(t)) => out.push(Event::Text(t)),
            None => {}
        }
    }
    Ok(())
}

fn typed(a: &XmlAttribute, pool: &Pool) -> (u8, u32) {
    use primitive::Value as P;
    let raw = pool.get(&a.value);
    match a.compiled_item.as_ref().and_then(|i| i.value.as_ref()) {
        Some(item::Value::Ref(r)) => (TYPE_REFERENCE, r.id),
        Some(item::Value::Str(s) | item::Value::RawStr(s) | item::Value::StyledStr(s)) => {
            (TYPE_STRING, pool.get(&s.value))
        }
        Some(item::Value::File(_)) => (TYPE_STRING, raw),
        Some(item::Value::Prim(p)) => match p.value {
            Some(P::Float(f)) => (TYPE_FLOAT, f.to_bits()),
            Some(P::IntDecimal(v)) => (TYPE_INT_DEC, v as u32),
            Some(P::IntHexadecimal(v)) => (TYPE_INT_HEX, v),
            Some(P::Boolean(b)) => (TYPE_INT_BOOLEAN, if b { 0xffff_ffff } else { 0 }),
            Some(P::ColorArgb8(v)) => (TYPE_COLOR_ARGB8, v),
            Some(P::ColorRgb8(v)) => (TYPE_COLOR_RGB8, v),
            Some(P::ColorArgb4(v)) => (TYPE_COLOR_ARGB4, v),
            Some(P::ColorRgb4(v)) => (TYPE_COLOR_RGB4, v),
            Some(P::Dimension(v)) => (TYPE_DIMENSION, v),
            Some(P::Fraction(v)) => (TYPE_FRACTION, v),
            None => (TYPE_STRING, raw),
        },
        None => (TYPE_STRING, raw),
    }
}

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A chunk: header type, header size, then `body` (the size is filled in).
fn chunk(out: &mut Vec<u8>, kind: u16, header_size: u16, body: &[u8]) {
    push_u16(out, kind);
    push_u16(out, header_size);
    let size = u32::try_from(body.len().saturating_add(8)).unwrap_or(u32::MAX);
    push_u32(out, size);
    out.extend_from_slice(body);
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn string_pool(strings: &[String]) -> Vec<u8> {
    // UTF-16 pool: offsets, then u16 length (two units past 0x7fff), units, NUL.
    let mut data: Vec<u8> = Vec::new();
    let mut offsets = Vec::with_capacity(strings.len());
    for s in strings {
        offsets.push(u32_of(data.len()));
        let units: Vec<u16> = s.encode_utf16().take(0x7fff_ffff).collect();
        let n = units.len();
        if n > 0x7fff {
            push_u16(&mut data, 0x8000 | ((n >> 16) & 0x7fff) as u16);
            push_u16(&mut data, (n & 0xffff) as u16);
        } else {
            push_u16(&mut data, n as u16);
        }
        for u in units {
            push_u16(&mut data, u);
        }
        push_u16(&mut data, 0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let header = 0x1c_usize;
    let strings_start = header.saturating_add(strings.len().saturating_mul(4));
    let mut body = Vec::with_capacity(strings_start.saturating_add(data.len()));
    push_u32(&mut body, u32_of(strings.len()));
    push_u32(&mut body, 0); // styles
    push_u32(&mut body, 0); // flags: UTF-16
    push_u32(&mut body, u32_of(strings_start));
    push_u32(&mut body, 0);
    for o in offsets {
        push_u32(&mut body, o);
    }
    body.extend_from_slice(&data);
    let mut out = Vec::new();
    chunk(&mut out, 0x0001, 0x1c, &body);
    out
}

/// Re-encodes a protobuf manifest as Android binary XML (AXML), keeping
/// every attribute's resource id in the resource map.
pub fn to_axml(root: &XmlNode) -> Result<Vec<u8>> {
    let mut events = Vec::new();
    flatten(root, &mut events)?;
    let mut pool = Pool::default();
    // Pass 1: attribute names with ids first (resource map order).
    for ev in &events {
        if let Event::Start(el) = ev {
            for a in el.attribute.iter().take(MAX_ATTRIBUTES).filter(|a| a.resource_id != 0) {
                pool.add(&a.name, a.resource_id);
            }
        }
    }
    // Pass 2: every other string.
    for ev in &events {
        match ev {
            Event::Start(el) => {
                for ns in &el.namespace_declaration {
                    pool.add(&ns.prefix, 0);
                    pool.add(&ns.uri, 0);
                }
                if !el.namespace_uri.is_empty() {
                    pool.add(&el.namespace_uri, 0);
                }
                pool.add(&el.name, 0);
                for a in el.attribute.iter().take(MAX_ATTRIBUTES) {
                    if a.resource_id == 0 {
                        pool.add(&a.name, 0);
                    }
                    if !a.namespace_uri.is_empty() {
                        pool.add(&a.namespace_uri, 0);
                    }
                    pool.add(&a.value, 0);
                    if let Some(item::Value::Str(s)) = a.compiled_item.as_ref().and_then(|i| i.value.as_ref()) {
                        pool.add(&s.value, 0);
                    }
                }
            }
            Event::Text(t) => {
                pool.add(t, 0);
            }
            Event::End(_) => {}
        }
    }
    let ns_idx = |uri: &str| if uri.is_empty() { NO_INDEX } else { pool.get(uri) };
    let mut nodes: Vec<u8> = Vec::new();
    let mut line = 1u32;
    for ev in &events {
        line = line.saturating_add(1);
        match ev {
            Event::Start(el) => {
                for ns in &el.namespace_declaration {
                    let mut b = Vec::with_capacity(16);
                    push_u32(&mut b, line);
                    push_u32(&mut b, NO_INDEX);
                    push_u32(&mut b, pool.get(&ns.prefix));
                    push_u32(&mut b, pool.get(&ns.uri));
                    chunk(&mut nodes, 0x0100, 0x10, &b);
                }
                let attrs: Vec<&XmlAttribute> = el.attribute.iter().take(MAX_ATTRIBUTES).collect();
                let mut b = Vec::with_capacity(28usize.saturating_add(attrs.len().saturating_mul(20)));
                push_u32(&mut b, line);
                push_u32(&mut b, NO_INDEX);
                push_u32(&mut b, ns_idx(&el.namespace_uri));
                push_u32(&mut b, pool.get(&el.name));
                push_u16(&mut b, 0x14);
                push_u16(&mut b, 0x14);
                push_u16(&mut b, u16::try_from(attrs.len()).unwrap_or(u16::MAX));
                push_u16(&mut b, 0);
                push_u16(&mut b, 0);
                push_u16(&mut b, 0);
                for a in attrs {
                    let (t, data) = typed(a, &pool);
                    push_u32(&mut b, ns_idx(&a.namespace_uri));
                    push_u32(&mut b, pool.attr_name(&a.name, a.resource_id));
                    push_u32(&mut b, pool.get(&a.value));
                    push_u16(&mut b, 8);
                    b.push(0);
                    b.push(t);
                    push_u32(&mut b, data);
                }
                chunk(&mut nodes, 0x0102, 0x10, &b);
            }
            Event::End(el) => {
                let mut b = Vec::with_capacity(16);
                push_u32(&mut b, line);
                push_u32(&mut b, NO_INDEX);
                push_u32(&mut b, ns_idx(&el.namespace_uri));
                push_u32(&mut b, pool.get(&el.name));
                chunk(&mut nodes, 0x0103, 0x10, &b);
                for ns in el.namespace_declaration.iter().rev() {
                    let mut b = Vec::with_capacity(16);
                    push_u32(&mut b, line);
                    push_u32(&mut b, NO_INDEX);
                    push_u32(&mut b, pool.get(&ns.prefix));
                    push_u32(&mut b, pool.get(&ns.uri));
                    chunk(&mut nodes, 0x0101, 0x10, &b);
                }
            }
            Event::Text(t) => {
                let mut b = Vec::with_capacity(20);
                push_u32(&mut b, line);
                push_u32(&mut b, NO_INDEX);
                let i = pool.get(t);
                push_u32(&mut b, i);
                push_u16(&mut b, 8);
                b.push(0);
                b.push(TYPE_STRING);
                push_u32(&mut b, i);
                chunk(&mut nodes, 0x0104, 0x10, &b);
            }
        }
    }
    let mut body = string_pool(&pool.strings);
    let mut map = Vec::with_capacity(pool.ids.len().saturating_mul(4));
    for id in &pool.ids {
        push_u32(&mut map, *id);
    }
    chunk(&mut body, 0x0180, 8, &map);
    body.extend_from_slice(&nodes);
    let mut out = Vec::with_capacity(body.len().saturating_add(8));
    chunk(&mut out, 0x0003, 8, &body);
    Ok(out)
}

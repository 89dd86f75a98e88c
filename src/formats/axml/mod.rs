//! Android binary XML (AXML): `AndroidManifest.xml` and compiled `res/xml/*`.
//!
//! Place in the pipeline: `formats` — bytes in, a borrowed `Document` out;
//! `extract::manifest` builds the `Manifest` facts from it, and `to_xml`
//! renders it for `cleanscan manifest APP`.
//!
//! Semantics follow AOSP `libs/androidfw/ResourceTypes.cpp` (`ResXMLTree::setTo`,
//! `ResXMLParser::nextNode`, `ResXMLTree::validateNode`), which is what the
//! package installer runs:
//! - the top chunk's type is not checked, only its sizes;
//! - chunks before the first node: the string pool and resource map are
//!   taken, anything else is skipped;
//! - from the first node on, nodes are walked by their declared `size`;
//!   unknown node types are skipped; a node that fails validation ends the
//!   document (`BAD_DOCUMENT`) and everything parsed before it is kept;
//! - node `headerSize` and `attributeStart`/`attributeSize` are honoured,
//!   not assumed to be 0x10/0x14.
//!
//! Each tolerated oddity is recorded as an `Anomaly` (`axml-*`, with an empty
//! `file`; callers fill it with `Document::anomalies_for`).
//!
//! Invariants: every read is bounds-checked through `Reader`; node,
//! attribute and depth counts are capped by the `MAX_*` constants; strings
//! are decoded lazily with a total budget (see `pool`).

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod pool;
mod render;
#[cfg(test)]
pub(crate) mod tests;

pub use pool::{PoolError, PoolOddity, StringPool};
pub use render::{format_value, to_xml};

use crate::evidence::Anomaly;
use crate::formats::reader::{u32_le_at, Reader};

pub const RES_NULL_TYPE: u16 = 0x0000;
pub const RES_STRING_POOL_TYPE: u16 = 0x0001;
pub const RES_TABLE_TYPE: u16 = 0x0002;
pub const RES_XML_TYPE: u16 = 0x0003;
pub const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
pub const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
pub const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
pub const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
pub const RES_XML_CDATA_TYPE: u16 = 0x0104;
pub const RES_XML_FIRST_CHUNK_TYPE: u16 = 0x0100;
pub const RES_XML_LAST_CHUNK_TYPE: u16 = 0x017f;
pub const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;

/// `sizeof(ResChunk_header)`.
pub const CHUNK_HEADER_SIZE: usize = 8;
/// `sizeof(ResXMLTree_node)`.
pub const NODE_HEADER_SIZE: usize = 0x10;
/// `sizeof(ResXMLTree_attrExt)`.
pub const ATTR_EXT_SIZE: usize = 0x14;
/// `sizeof(ResXMLTree_attribute)`.
pub const ATTRIBUTE_SIZE: usize = 0x14;
/// `sizeof(ResXMLTree_namespaceExt)` / `ResXMLTree_endElementExt`.
pub const NAMESPACE_EXT_SIZE: usize = 8;
/// `sizeof(ResXMLTree_cdataExt)`.
pub const CDATA_EXT_SIZE: usize = 12;
/// String index meaning "none" (`ResStringPool_ref.index == -1`).
pub const NO_INDEX: u32 = 0xffff_ffff;

/// Most nodes kept from one document. Real manifests have a few thousand;
/// the cap stops a file of millions of 16-byte nodes from costing gigabytes.
pub const MAX_NODES: usize = 200_000;
/// Most attributes read from one element (`attributeCount` is a u16).
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 2_048;
/// Most attributes in one document.
pub const MAX_TOTAL_ATTRIBUTES: usize = 500_000;
/// Most chunks examined before the first node.
pub const MAX_PRELUDE_CHUNKS: usize = 10_000;
/// Most anomalies recorded per document (repeated oddities are counted in
/// the last one's message instead).
pub const MAX_ANOMALIES: usize = 128;

/// `Res_value::dataType` values.
pub mod data_type {
    pub const NULL: u8 = 0x00;
    pub const REFERENCE: u8 = 0x01;
    pub const ATTRIBUTE: u8 = 0x02;
    pub const STRING: u8 = 0x03;
    pub const FLOAT: u8 = 0x04;
    pub const DIMENSION: u8 = 0x05;
    pub const FRACTION: u8 = 0x06;
    pub const DYNAMIC_REFERENCE: u8 = 0x07;
    pub const DYNAMIC_ATTRIBUTE: u8 = 0x08;
    pub const INT_DEC: u8 = 0x10;
    pub const INT_HEX: u8 = 0x11;
    pub const INT_BOOLEAN: u8 = 0x12;
    pub const INT_COLOR_ARGB8: u8 = 0x1c;
    pub const INT_COLOR_RGB8: u8 = 0x1d;
    pub const INT_COLOR_ARGB4: u8 = 0x1e;
    pub const INT_COLOR_RGB4: u8 = 0x1f;
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("AXML {what} truncated at offset {offset:#x}")]
    Truncated { what: &'static str, offset: u64 },
    /// A chunk header Android rejects before any node was found.
    #[error("AXML {what} at offset {offset:#x}: {detail}")]
    BadChunk { what: &'static str, offset: u64, detail: &'static str },
    #[error("AXML string pool at offset {offset:#x}: {detail}")]
    BadStringPool { offset: u64, detail: &'static str },
    /// No string pool before the first node (Android: `mStrings` uninitialised).
    #[error("AXML has no string pool")]
    MissingStringPool,
    /// No element node at all (Android: "no root element node found").
    #[error("AXML has no root element")]
    NoRootElement,
    #[error("AXML {what}: limit of {limit} exceeded")]
    LimitExceeded { what: &'static str, limit: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A typed `Res_value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// TYPE_NULL: `data` 0 is "undefined", 1 is "@empty".
    Null(u32),
    Reference(u32),
    Attribute(u32),
    /// Index into the document's string pool.
    String(u32),
    Float(f32),
    /// Complex dimension (`16dp`), raw.
    Dimension(u32),
    /// Complex fraction (`50%`), raw.
    Fraction(u32),
    DynamicReference(u32),
    DynamicAttribute(u32),
    IntDec(i32),
    IntHex(u32),
    Bool(bool),
    /// Colour types 0x1c..=0x1f with their data.
    Color {
        data_type: u8,
        argb: u32,
    },
    /// Any other data type, kept raw.
    Other {
        data_type: u8,
        data: u32,
    },
}

impl Value {
    pub fn from_raw(dt: u8, data: u32) -> Value {
        use self::data_type as t;
        match dt {
            t::NULL => Value::Null(data),
            t::REFERENCE => Value::Reference(data),
            t::ATTRIBUTE => Value::Attribute(data),
            t::STRING => Value::String(data),
            t::FLOAT => Value::Float(f32::from_bits(data)),
            t::DIMENSION => Value::Dimension(data),
            t::FRACTION => Value::Fraction(data),
            t::DYNAMIC_REFERENCE => Value::DynamicReference(data),
            t::DYNAMIC_ATTRIBUTE => Value::DynamicAttribute(data),
            t::INT_DEC => Value::IntDec(data as i32),
            t::INT_HEX => Value::IntHex(data),
            t::INT_BOOLEAN => Value::Bool(data != 0),
            t::INT_COLOR_ARGB8..=t::INT_COLOR_RGB4 => Value::Color { data_type: dt, argb: data },
            _ => Value::Other { data_type: dt, data },
        }
    }

    /// The integer for integer-like types (dec, hex, boolean, colour), as
    /// Android's `TypedArray.getInt` would take it.
    pub fn as_int(&self) -> Option<u32> {
        match *self {
            Value::IntDec(v) => Some(v as u32),
            Value::IntHex(v) => Some(v),
            Value::Bool(b) => Some(u32::from(b)),
            Value::Color { argb, .. } => Some(argb),
            _ => None,
        }
    }

    /// The resource id of a reference (plain or dynamic).
    pub fn as_reference(&self) -> Option<u32> {
        match *self {
            Value::Reference(id) | Value::DynamicReference(id) => Some(id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Namespace URI string index, None for no namespace.
    pub ns: Option<u32>,
    /// Name string index (also the index into the resource map).
    pub name: u32,
    /// `rawValue` string index, None when absent.
    pub raw_value: Option<u32>,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// Offset of the START_ELEMENT chunk in the file.
    pub offset: u64,
    pub line: u32,
    pub ns: Option<u32>,
    pub name: u32,
    pub attributes: Vec<Attribute>,
    /// Nesting depth: 1 for the root element.
    pub depth: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Namespace {
    pub offset: u64,
    pub prefix: Option<u32>,
    pub uri: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    StartNamespace(Namespace),
    EndNamespace(Namespace),
    StartElement(Element),
    EndElement {
        offset: u64,
        ns: Option<u32>,
        name: u32,
    },
    /// CDATA: the text's string index and its typed value.
    Text {
        offset: u64,
        data: Option<u32>,
        value: Value,
    },
}

/// A parsed binary XML document: the string pool (borrowed, decoded
/// lazily), the resource map, and the node events in document order.
#[derive(Debug)]
pub struct Document<'a> {
    pub strings: StringPool<'a>,
    /// Raw `RES_XML_RESOURCE_MAP_TYPE` payload: one u32 per leading string.
    resource_map: &'a [u8],
    pub nodes: Vec<Node>,
    /// Oddities tolerated while parsing (`file` is empty).
    pub anomalies: Vec<Anomaly>,
}

/// Android's namespace URI for framework attributes.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

fn opt_index(i: u32) -> Option<u32> {
    (i != NO_INDEX).then_some(i)
}

fn push_anomaly(list: &mut Vec<Anomaly>, id: &str, message: String, offset: Option<u64>) {
    if list.len() < MAX_ANOMALIES {
        list.push(Anomaly::new(id, message, "", offset));
    }
}

/// `validate_chunk` from ResourceTypes.cpp: header at least `min_header`,
/// header within size, both 4-aligned, size within the remaining data.
fn validate_chunk(
    header_size: u16,
    size: u32,
    min_header: usize,
    remaining: usize,
) -> std::result::Result<(), &'static str> {
    let hs = usize::from(header_size);
    let sz = usize::try_from(size).unwrap_or(usize::MAX);
    if hs < min_header {
        return Err("header size too small");
    }
    if hs > sz {
        return Err("header size larger than chunk size");
    }
    if (hs | sz) & 3 != 0 {
        return Err("size not 4-byte aligned");
    }
    if sz > remaining {
        return Err("chunk extends past the end of the data");
    }
    Ok(())
}

/// Parses a binary XML document, leniently where Android is lenient.
pub fn parse(data: &[u8]) -> Result<Document<'_>> {
    let mut anomalies = Vec::new();
    let mut top = Reader::new(data);
    let (Some(ty), Some(header_size), Some(size)) = (top.u16_le(), top.u16_le(), top.u32_le()) else {
        return Err(Error::Truncated { what: "ResXMLTree_header", offset: 0 });
    };
    if ty != RES_XML_TYPE {
        // Android's ResXMLTree::setTo never looks at the type.
        push_anomaly(
            &mut anomalies,
            "axml-bad-top-chunk-type",
            format!("top chunk type {ty:#06x}, expected {RES_XML_TYPE:#06x} (Android ignores it)"),
            Some(0),
        );
    }
    let mut header_size = usize::from(header_size);
    if header_size < CHUNK_HEADER_SIZE {
        push_anomaly(
            &mut anomalies,
            "axml-bad-header-size",
            format!("document header size {header_size:#x} is smaller than a chunk header"),
            Some(2),
        );
        header_size = CHUNK_HEADER_SIZE;
    }
    let declared = usize::try_from(size).unwrap_or(usize::MAX);
    let end = if declared > data.len() || declared < header_size {
        // Android refuses this ("header size or total size is larger than
        // data size"); tools such as androguard read on, and so do we, so
        // the content is still vetted.
        push_anomaly(
            &mut anomalies,
            "axml-bad-document-size",
            format!("document size {declared:#x} does not fit the {:#x}-byte file", data.len()),
            Some(4),
        );
        data.len()
    } else {
        if declared < data.len() {
            push_anomaly(
                &mut anomalies,
                "axml-trailing-data",
                format!("{} bytes after the declared document end are ignored", data.len().saturating_sub(declared)),
                Some(declared as u64),
            );
        }
        declared
    };
    let data = data.get(..end).unwrap_or(data);

    // Prelude: string pool, resource map and junk up to the first node.
    let mut pos = header_size;
    let mut strings: Option<StringPool<'_>> = None;
    let mut resource_map: &[u8] = &[];
    let mut first_node = None;
    let mut prelude_chunks = 0usize;
    while pos.saturating_add(CHUNK_HEADER_SIZE) <= data.len() {
        prelude_chunks = prelude_chunks.saturating_add(1);
        if prelude_chunks > MAX_PRELUDE_CHUNKS {
            return Err(Error::LimitExceeded {
                what: "chunks before the first node",
                limit: MAX_PRELUDE_CHUNKS as u64,
            });
        }
        let (cty, chs, csz) =
            chunk_header(data, pos).ok_or(Error::Truncated { what: "chunk header", offset: pos as u64 })?;
        let remaining = data.len().saturating_sub(pos);
        if let Err(detail) = validate_chunk(chs, csz, CHUNK_HEADER_SIZE, remaining) {
            return Err(Error::BadChunk { what: "chunk before the first node", offset: pos as u64, detail });
        }
        let csz = csz as usize;
        let chunk = data.get(pos..pos.saturating_add(csz)).unwrap_or(&[]);
        match cty {
            RES_STRING_POOL_TYPE => {
                if strings.is_some() {
                    push_anomaly(
                        &mut anomalies,
                        "axml-multiple-string-pools",
                        "a second string pool replaces the first (Android keeps the last)".into(),
                        Some(pos as u64),
                    );
                }
                let mut odd = Vec::new();
                let pool = StringPool::parse(chunk, pos as u64, &mut odd).map_err(|e| Error::BadStringPool {
                    offset: pos as u64,
                    detail: match e {
                        PoolError::Truncated => "header truncated",
                        PoolError::StringsOutOfBounds => "strings start past the chunk end",
                    },
                })?;
                for o in odd {
                    let (id, msg) = match o {
                        PoolOddity::StringCountTampered { declared, usable } => (
                            "axml-string-count-tampered",
                            format!("stringCount {declared} but only {usable} offsets fit in the pool"),
                        ),
                        PoolOddity::OffsetsOverlapStrings => (
                            "axml-string-offsets-overlap-data",
                            "the string offset array runs into the string data".to_string(),
                        ),
                        PoolOddity::BadStyles => {
                            ("axml-bad-style-offsets", "styleCount/stylesStart are inconsistent".to_string())
                        }
                    };
                    push_anomaly(&mut anomalies, id, msg, Some(pos as u64));
                }
                strings = Some(pool);
            }
            RES_XML_RESOURCE_MAP_TYPE => {
                let body = chunk.get(usize::from(chs)..).unwrap_or(&[]);
                let n = body.len() / 4;
                resource_map = body.get(..n.saturating_mul(4)).unwrap_or(&[]);
            }
            RES_XML_FIRST_CHUNK_TYPE..=RES_XML_LAST_CHUNK_TYPE => {
                first_node = Some(pos);
                break;
            }
            _ => push_anomaly(
                &mut anomalies,
                "axml-unknown-chunk",
                format!("skipped unknown chunk type {cty:#06x} before the first node"),
                Some(pos as u64),
            ),
        }
        pos = pos.saturating_add(csz);
        if csz == 0 {
            // Cannot happen after validate_chunk (size >= header >= 8), but
            // a zero step would loop forever.
            break;
        }
    }
    let Some(first_node) = first_node else {
        return Err(if strings.is_none() { Error::MissingStringPool } else { Error::NoRootElement });
    };
    let Some(strings) = strings else {
        return Err(Error::MissingStringPool);
    };

    let mut doc = Document { strings, resource_map, nodes: Vec::new(), anomalies };
    doc.walk_nodes(data, first_node)?;
    if !doc.nodes.iter().any(|n| matches!(n, Node::StartElement(_))) {
        return Err(Error::NoRootElement);
    }
    Ok(doc)
}

fn chunk_header(data: &[u8], pos: usize) -> Option<(u16, u16, u32)> {
    let mut r = Reader::at(data, pos)?;
    Some((r.u16_le()?, r.u16_le()?, r.u32_le()?))
}

impl<'a> Document<'a> {
    fn anomaly(&mut self, id: &str, message: String, offset: usize) {
        push_anomaly(&mut self.anomalies, id, message, Some(offset as u64));
    }

    /// `ResXMLParser::nextNode` over the whole document.
    fn walk_nodes(&mut self, data: &'a [u8], first: usize) -> Result<()> {
        let mut pos = first;
        let mut depth: u32 = 0;
        let mut open: Vec<(Option<u32>, u32)> = Vec::new();
        let mut total_attributes = 0usize;
        let mut odd_layout_reported = false;
        while pos < data.len() {
            if self.nodes.len() >= MAX_NODES {
                self.anomaly("axml-too-many-nodes", format!("more than {MAX_NODES} nodes; the rest is ignored"), pos);
                break;
            }
            let Some((ty, hs, sz)) = chunk_header(data, pos) else {
                self.anomaly("axml-truncated-node", "a node header is cut off by the end of the document".into(), pos);
                break;
            };
            let remaining = data.len().saturating_sub(pos);
            if let Err(detail) = validate_chunk(hs, sz, NODE_HEADER_SIZE, remaining) {
                // Android: BAD_DOCUMENT; the parser stops here.
                let zero_end_ns = ty == RES_XML_END_NAMESPACE_TYPE && sz == 0;
                self.anomaly(
                    if zero_end_ns {
                        "axml-zero-size-end-namespace"
                    } else {
                        "axml-bad-node"
                    },
                    format!("node type {ty:#06x} (header {hs:#x}, size {sz:#x}): {detail}; parsing stops here as on Android"),
                    pos,
                );
                break;
            }
            let hs = usize::from(hs);
            let sz = sz as usize;
            let node = data.get(pos..pos.saturating_add(sz)).unwrap_or(&[]);
            let ext_len = sz.saturating_sub(hs);
            let min_ext = match ty {
                RES_XML_START_NAMESPACE_TYPE | RES_XML_END_NAMESPACE_TYPE => NAMESPACE_EXT_SIZE,
                RES_XML_START_ELEMENT_TYPE => ATTR_EXT_SIZE,
                RES_XML_END_ELEMENT_TYPE => NAMESPACE_EXT_SIZE,
                RES_XML_CDATA_TYPE => CDATA_EXT_SIZE,
                _ => {
                    self.anomaly("axml-unknown-chunk", format!("skipped unknown node type {ty:#06x}"), pos);
                    pos = pos.saturating_add(sz);
                    continue;
                }
            };
            if ext_len < min_ext {
                self.anomaly(
                    "axml-bad-node",
                    format!("node type {ty:#06x} is too small for its extension; parsing stops here as on Android"),
                    pos,
                );
                break;
            }
            if hs != NODE_HEADER_SIZE && !odd_layout_reported {
                odd_layout_reported = true;
                self.anomaly(
                    "axml-nonstandard-node-header",
                    format!("node header size {hs:#x}, expected {NODE_HEADER_SIZE:#x}"),
                    pos,
                );
            }
            let line = u32_le_at(node, 8).unwrap_or(0);
            let mut ext = Reader::with_base(node.get(hs..).unwrap_or(&[]), pos.saturating_add(hs) as u64);
            let offset = pos as u64;
            match ty {
                RES_XML_START_NAMESPACE_TYPE | RES_XML_END_NAMESPACE_TYPE => {
                    let prefix = ext.u32_le().and_then(opt_index);
                    let uri = ext.u32_le().and_then(opt_index);
                    let ns = Namespace { offset, prefix, uri };
                    self.nodes.push(if ty == RES_XML_START_NAMESPACE_TYPE {
                        Node::StartNamespace(ns)
                    } else {
                        Node::EndNamespace(ns)
                    });
                }
                RES_XML_START_ELEMENT_TYPE => {
                    let (Some(ns), Some(name), Some(attr_start), Some(attr_size), Some(attr_count)) =
                        (ext.u32_le(), ext.u32_le(), ext.u16_le(), ext.u16_le(), ext.u16_le())
                    else {
                        break;
                    };
                    // validateNode: the attribute array must fit in the node.
                    let attr_start = usize::from(attr_start);
                    let attr_size = usize::from(attr_size);
                    let needed = attr_start.saturating_add(attr_size.saturating_mul(usize::from(attr_count)));
                    if needed > ext_len {
                        self.anomaly(
                            "axml-bad-node",
                            format!("element attributes need {needed:#x} bytes, node has {ext_len:#x}; parsing stops here as on Android"),
                            pos,
                        );
                        break;
                    }
                    if attr_count > 0
                        && (attr_start != ATTR_EXT_SIZE || attr_size != ATTRIBUTE_SIZE)
                        && !odd_layout_reported
                    {
                        odd_layout_reported = true;
                        self.anomaly(
                            "axml-nonstandard-attribute-layout",
                            format!(
                                "attributeStart {attr_start:#x}, attributeSize {attr_size:#x} (standard is 0x14/0x14)"
                            ),
                            pos,
                        );
                    }
                    let mut count = usize::from(attr_count);
                    if count > MAX_ATTRIBUTES_PER_ELEMENT {
                        self.anomaly(
                            "axml-too-many-attributes",
                            format!("{count} attributes; only the first {MAX_ATTRIBUTES_PER_ELEMENT} are read"),
                            pos,
                        );
                        count = MAX_ATTRIBUTES_PER_ELEMENT;
                    }
                    let ext_bytes = node.get(hs..).unwrap_or(&[]);
                    let mut attributes =
                        Vec::with_capacity(count.min(ext_len.checked_div(ATTRIBUTE_SIZE).unwrap_or(0)));
                    for i in 0..count {
                        if total_attributes >= MAX_TOTAL_ATTRIBUTES {
                            self.anomaly(
                                "axml-too-many-attributes",
                                format!("more than {MAX_TOTAL_ATTRIBUTES} attributes in the document"),
                                pos,
                            );
                            break;
                        }
                        let at = attr_start.saturating_add(attr_size.saturating_mul(i));
                        let Some(attr) = read_attribute(ext_bytes, at) else {
                            // attributeSize < 0x14 makes the last ones run
                            // past the node; Android would read beyond it.
                            self.anomaly(
                                "axml-attribute-out-of-bounds",
                                format!("attribute {i} at {at:#x} runs past its node"),
                                pos,
                            );
                            break;
                        };
                        total_attributes = total_attributes.saturating_add(1);
                        attributes.push(attr);
                    }
                    depth = depth.saturating_add(1);
                    let name_idx = name;
                    let ns_idx = opt_index(ns);
                    open.push((ns_idx, name_idx));
                    self.nodes.push(Node::StartElement(Element {
                        offset,
                        line,
                        ns: ns_idx,
                        name: name_idx,
                        attributes,
                        depth,
                    }));
                }
                RES_XML_END_ELEMENT_TYPE => {
                    let ns = ext.u32_le().and_then(opt_index);
                    let name = ext.u32_le().unwrap_or(NO_INDEX);
                    match open.pop() {
                        None => self.anomaly(
                            "axml-unbalanced-end-element",
                            "end element without a matching start".into(),
                            pos,
                        ),
                        Some((_, open_name)) if open_name != name => {
                            let (a, b) = (
                                self.string(open_name).unwrap_or("").to_string(),
                                self.string(name).unwrap_or("").to_string(),
                            );
                            self.anomaly("axml-mismatched-end-element", format!("</{b}> closes <{a}>"), pos);
                        }
                        Some(_) => {}
                    }
                    depth = depth.saturating_sub(1);
                    self.nodes.push(Node::EndElement { offset, ns, name });
                }
                _ => {
                    // RES_XML_CDATA_TYPE (the only other accepted type).
                    let data_idx = ext.u32_le().and_then(opt_index);
                    let _size = ext.u16_le();
                    let _res0 = ext.u8();
                    let dt = ext.u8().unwrap_or(0);
                    let d = ext.u32_le().unwrap_or(0);
                    self.nodes.push(Node::Text { offset, data: data_idx, value: Value::from_raw(dt, d) });
                }
            }
            pos = pos.saturating_add(sz);
        }
        if !open.is_empty() {
            let n = open.len();
            self.anomaly(
                "axml-unclosed-element",
                format!("{n} element(s) not closed at the end of the document"),
                data.len(),
            );
        }
        let bad = self.strings.bad_strings();
        if bad > 0 {
            self.anomaly("axml-string-out-of-bounds", format!("{bad} string(s) lie outside the string pool"), 0);
        }
        Ok(())
    }

    /// String `index` of the document's pool.
    pub fn string(&self, index: u32) -> Option<&str> {
        self.strings.get(index)
    }

    /// Number of entries in the resource map.
    pub fn resource_map_len(&self) -> usize {
        self.resource_map.len() / 4
    }

    /// The framework resource id the resource map gives string `name_index`
    /// (Android's `getAttributeNameResID`); None when unmapped or zero.
    pub fn resource_id(&self, name_index: u32) -> Option<u32> {
        let at = usize::try_from(name_index).ok()?.checked_mul(4)?;
        u32_le_at(self.resource_map, at).filter(|&id| id != 0)
    }

    /// Resource id of an attribute's name.
    pub fn attribute_id(&self, attr: &Attribute) -> Option<u32> {
        self.resource_id(attr.name)
    }

    /// The attribute's name string ("" when unreadable).
    pub fn attribute_name(&self, attr: &Attribute) -> &str {
        self.string(attr.name).unwrap_or("")
    }

    /// The attribute's namespace URI.
    pub fn attribute_ns(&self, attr: &Attribute) -> Option<&str> {
        attr.ns.and_then(|i| self.string(i))
    }

    /// The element's tag name ("" when unreadable).
    pub fn element_name(&self, el: &Element) -> &str {
        self.string(el.name).unwrap_or("")
    }

    /// An attribute's string value: the typed string when the value is a
    /// string (what Android's `TypedArray` reads), otherwise the raw value
    /// string when one is present.
    pub fn attribute_string(&self, attr: &Attribute) -> Option<&str> {
        match attr.value {
            Value::String(i) => self.string(i).or_else(|| attr.raw_value.and_then(|r| self.string(r))),
            _ => attr.raw_value.and_then(|r| self.string(r)),
        }
    }

    /// The elements, in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> + use<'_, 'a> {
        self.nodes.iter().filter_map(|n| match n {
            Node::StartElement(e) => Some(e),
            _ => None,
        })
    }

    /// The root element.
    pub fn root(&self) -> Option<&Element> {
        self.elements().next()
    }

    /// Every string value of the document: attribute strings (typed or raw)
    /// and CDATA text, in document order. For URL/host scanning.
    pub fn text_values(&self) -> impl Iterator<Item = &str> + use<'_, 'a> {
        self.nodes.iter().flat_map(move |n| {
            let (attrs, text): (&[Attribute], Option<&str>) = match n {
                Node::StartElement(e) => (&e.attributes, None),
                Node::Text { data, value, .. } => {
                    let t = match value {
                        Value::String(i) => self.string(*i),
                        _ => None,
                    }
                    .or_else(|| data.and_then(|d| self.string(d)));
                    (&[], t)
                }
                _ => (&[], None),
            };
            attrs.iter().filter_map(move |a| self.attribute_string(a)).chain(text)
        })
    }

    /// The anomalies with `file` filled in.
    pub fn anomalies_for(&self, file: &str) -> Vec<Anomaly> {
        self.anomalies.iter().map(|a| Anomaly { file: file.to_string(), ..a.clone() }).collect()
    }
}

fn read_attribute(ext: &[u8], at: usize) -> Option<Attribute> {
    let mut r = Reader::at(ext, at)?;
    let ns = r.u32_le()?;
    let name = r.u32_le()?;
    let raw = r.u32_le()?;
    let _size = r.u16_le()?;
    let _res0 = r.u8()?;
    let dt = r.u8()?;
    let d = r.u32_le()?;
    Some(Attribute { ns: opt_index(ns), name, raw_value: opt_index(raw), value: Value::from_raw(dt, d) })
}

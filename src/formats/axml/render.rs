//! Text XML rendering of a `Document` (what `cleanscan manifest APP` prints),
//! with values formatted the way `aapt dump xmltree`/apktool show them:
//! `@0x7f0a0001` for references, `?0x...` for theme attributes, `true`,
//! decimal integers, `16.0dip`, `#ff112233`.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{data_type, Document, Node, Value, ANDROID_NS};

/// Deepest element level rendered; deeper ones are summarised in a comment
/// (indentation grows with depth, so unbounded depth would make the output
/// quadratic in the input).
pub const MAX_RENDER_DEPTH: u32 = 128;

const RADIX_MULTS: [f32; 4] = [1.0 / 256.0, 1.0 / 32_768.0, 1.0 / 8_388_608.0, 1.0 / 2_147_483_648.0];
const DIMENSION_UNITS: [&str; 6] = ["px", "dip", "sp", "pt", "in", "mm"];
const FRACTION_UNITS: [&str; 2] = ["%", "%p"];

/// `TypedValue.complexToFloat`.
fn complex_to_float(data: u32) -> f32 {
    let mantissa = (data & 0xffff_ff00) as i32 as f32;
    let radix = ((data >> 4) & 3) as usize;
    mantissa * RADIX_MULTS.get(radix).copied().unwrap_or(1.0)
}

fn float_text(v: f32) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// Formats a typed value as text. `strings` resolves string indices.
pub fn format_value<'s>(value: &Value, string: impl Fn(u32) -> Option<&'s str>) -> String {
    match *value {
        Value::Null(1) => "@empty".to_string(),
        Value::Null(_) => String::new(),
        Value::Reference(0) => "@null".to_string(),
        Value::Reference(id) | Value::DynamicReference(id) => format!("@0x{id:08x}"),
        Value::Attribute(id) | Value::DynamicAttribute(id) => format!("?0x{id:08x}"),
        Value::String(i) => string(i).unwrap_or("").to_string(),
        Value::Float(f) => float_text(f),
        Value::Dimension(d) => {
            let unit = DIMENSION_UNITS.get((d & 0xf) as usize).copied().unwrap_or("");
            format!("{}{unit}", float_text(complex_to_float(d)))
        }
        Value::Fraction(d) => {
            let unit = FRACTION_UNITS.get((d & 0xf) as usize).copied().unwrap_or("");
            format!("{}{unit}", float_text(complex_to_float(d) * 100.0))
        }
        Value::IntDec(v) => v.to_string(),
        Value::IntHex(v) => format!("0x{v:08x}"),
        Value::Bool(b) => b.to_string(),
        Value::Color { data_type, argb } => match data_type {
            data_type::INT_COLOR_RGB8 | data_type::INT_COLOR_RGB4 => {
                format!("#{:06x}", argb & 0x00ff_ffff)
            }
            _ => format!("#{argb:08x}"),
        },
        Value::Other { data_type, data } => format!("(type {data_type:#04x})0x{data:08x}"),
    }
}

/// Names of common framework attributes (android.R.attr), used when an
/// attribute's name string is empty or unreadable (obfuscated manifests):
/// the resource id is what Android goes by, so the rendering follows it.
pub fn framework_attr_name(id: u32) -> Option<&'static str> {
    Some(match id {
        0x0101_0000 => "theme",
        0x0101_0001 => "label",
        0x0101_0002 => "icon",
        0x0101_0003 => "name",
        0x0101_0006 => "permission",
        0x0101_0009 => "protectionLevel",
        0x0101_000b => "sharedUserId",
        0x0101_000e => "enabled",
        0x0101_000f => "debuggable",
        0x0101_0010 => "exported",
        0x0101_0011 => "process",
        0x0101_0012 => "taskAffinity",
        0x0101_0018 => "authorities",
        0x0101_001b => "grantUriPermissions",
        0x0101_001d => "launchMode",
        0x0101_001e => "screenOrientation",
        0x0101_001f => "configChanges",
        0x0101_0020 => "description",
        0x0101_0024 => "value",
        0x0101_0025 => "resource",
        0x0101_0026 => "mimeType",
        0x0101_0027 => "scheme",
        0x0101_0028 => "host",
        0x0101_0029 => "port",
        0x0101_002a => "path",
        0x0101_002b => "pathPrefix",
        0x0101_002c => "pathPattern",
        0x0101_0202 => "targetActivity",
        0x0101_020c => "minSdkVersion",
        0x0101_021b => "versionCode",
        0x0101_021c => "versionName",
        0x0101_0270 => "targetSdkVersion",
        0x0101_0271 => "maxSdkVersion",
        0x0101_0272 => "testOnly",
        0x0101_0280 => "allowBackup",
        0x0101_028e => "required",
        0x0101_02b7 => "installLocation",
        0x0101_02be => "logo",
        0x0101_035a => "largeHeap",
        0x0101_03af => "supportsRtl",
        0x0101_04ea => "extractNativeLibs",
        0x0101_04ec => "usesCleartextTraffic",
        0x0101_0527 => "networkSecurityConfig",
        0x0101_052c => "roundIcon",
        0x0101_054c => "targetSandboxVersion",
        0x0101_0572 => "compileSdkVersion",
        0x0101_0573 => "compileSdkVersionCodename",
        0x0101_0576 => "versionCodeMajor",
        _ => return None,
    })
}

/// Keeps characters XML 1.0 allows; others become U+FFFD.
fn xml_clean(s: &str) -> Cow<'_, str> {
    let ok = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
    if s.chars().all(ok) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(|c| if ok(c) { c } else { '\u{fffd}' }).collect())
    }
}

/// Makes `s` a valid XML name (invalid characters become `_`); empty names
/// become `fallback`.
fn xml_name(s: &str, fallback: &str) -> String {
    if s.is_empty() {
        return fallback.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let valid = c.is_alphanumeric() || c == '_' || (i > 0 && matches!(c, '-' | '.'));
        out.push(if valid { c } else { '_' });
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Renders the document as indented text XML. Namespace declarations are
/// placed on the element that follows their START_NAMESPACE node; attribute
/// namespaces with no declaration get `android` (for the framework URI) or a
/// generated `nsN` prefix declared on the element.
pub fn to_xml(doc: &Document<'_>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut sink = |e: Event<'_>| {
        // Writing to a Vec cannot fail.
        let _ = w.write_event(e);
    };
    sink(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));

    let s = |i: u32| doc.string(i);
    // uri -> prefix stack (innermost last)
    let mut prefixes: HashMap<String, Vec<String>> = HashMap::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut generated = 0usize;
    let mut open: Vec<Option<String>> = Vec::new(); // rendered name or None when omitted
    let mut omitted = 0usize;

    let mut nodes = doc.nodes.iter().peekable();
    while let Some(node) = nodes.next() {
        match node {
            Node::StartNamespace(ns) => {
                let uri = ns.uri.and_then(s).unwrap_or("").to_string();
                let prefix = xml_name(ns.prefix.and_then(s).unwrap_or(""), "ns");
                prefixes.entry(uri.clone()).or_default().push(prefix.clone());
                pending.push((prefix, uri));
            }
            Node::EndNamespace(ns) => {
                let uri = ns.uri.and_then(s).unwrap_or("");
                if let Some(v) = prefixes.get_mut(uri) {
                    v.pop();
                }
            }
            Node::StartElement(el) => {
                if open.len() >= MAX_RENDER_DEPTH as usize {
                    omitted = omitted.saturating_add(1);
                    open.push(None);
                    continue;
                }
                let mut decls = std::mem::take(&mut pending);
                let mut prefix_for = |uri: &str, decls: &mut Vec<(String, String)>| -> String {
                    if let Some(p) = prefixes.get(uri).and_then(|v| v.last()) {
                        return p.clone();
                    }
                    if let Some((p, _)) = decls.iter().find(|(_, u)| u == uri) {
                        return p.clone();
                    }
                    let p = if uri == ANDROID_NS {
                        "android".to_string()
                    } else {
                        generated = generated.saturating_add(1);
                        format!("ns{generated}")
                    };
                    decls.push((p.clone(), uri.to_string()));
                    p
                };
                let local = xml_name(doc.element_name(el), "element");
                let name = match el.ns.and_then(s) {
                    Some(uri) if !uri.is_empty() => {
                        format!("{}:{local}", prefix_for(uri, &mut decls))
                    }
                    _ => local,
                };
                let mut attrs: Vec<(String, String)> = Vec::with_capacity(el.attributes.len());
                for a in &el.attributes {
                    let raw_name = doc.attribute_name(a);
                    let id = doc.attribute_id(a);
                    let key = match (raw_name.is_empty(), id.and_then(framework_attr_name)) {
                        // Obfuscated: no name string; render what Android sees.
                        (true, Some(n)) => format!("{}:{n}", prefix_for(ANDROID_NS, &mut decls)),
                        _ => {
                            let fallback = match id {
                                Some(id) => format!("_0x{id:08x}"),
                                None => "_attr".to_string(),
                            };
                            let local = xml_name(raw_name, &fallback);
                            match doc.attribute_ns(a) {
                                Some(uri) if !uri.is_empty() => {
                                    format!("{}:{local}", prefix_for(uri, &mut decls))
                                }
                                _ => local,
                            }
                        }
                    };
                    let value = match a.value {
                        Value::String(_) => doc.attribute_string(a).unwrap_or("").to_string(),
                        ref v => format_value(v, s),
                    };
                    attrs.push((key, xml_clean(&value).into_owned()));
                }
                let mut start = BytesStart::new(name.clone());
                for (p, u) in &decls {
                    let key = format!("xmlns:{p}");
                    start.push_attribute((key.as_str(), xml_clean(u).as_ref()));
                }
                let mut seen = std::collections::HashSet::new();
                for (k, v) in &attrs {
                    // Duplicate attribute names make invalid XML; keep the first.
                    if seen.insert(k.as_str()) {
                        start.push_attribute((k.as_str(), v.as_str()));
                    }
                }
                if matches!(nodes.peek(), Some(Node::EndElement { .. })) {
                    nodes.next();
                    sink(Event::Empty(start));
                } else {
                    sink(Event::Start(start));
                    open.push(Some(name));
                }
            }
            Node::EndElement { .. } => {
                if let Some(Some(name)) = open.pop() {
                    sink(Event::End(BytesEnd::new(name)));
                }
            }
            Node::Text { data, value, .. } => {
                if open.len() > MAX_RENDER_DEPTH as usize {
                    continue;
                }
                let text = match value {
                    Value::String(i) => s(*i),
                    _ => None,
                }
                .or_else(|| data.and_then(s))
                .unwrap_or("");
                if !text.trim().is_empty() {
                    sink(Event::Text(BytesText::new(&xml_clean(text))));
                }
            }
        }
    }
    // Unclosed elements are closed at the end, as a reader would assume.
    while let Some(name) = open.pop() {
        if let Some(name) = name {
            sink(Event::End(BytesEnd::new(name)));
        }
    }
    if omitted > 0 {
        sink(Event::Comment(BytesText::new(&format!(
            " cleanscan: {omitted} element(s) nested deeper than {MAX_RENDER_DEPTH} omitted "
        ))));
    }
    let mut out = String::from_utf8(w.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

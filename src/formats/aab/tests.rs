#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;

const ANDROID: &str = "http://schemas.android.com/apk/res/android";

pub(crate) fn attr(name: &str, id: u32, value: &str, item: Option<item::Value>) -> XmlAttribute {
    XmlAttribute {
        namespace_uri: if id != 0 { ANDROID.into() } else { String::new() },
        name: name.into(),
        value: value.into(),
        resource_id: id,
        compiled_item: item.map(|v| Item { value: Some(v) }),
    }
}

pub(crate) fn el(name: &str, attrs: Vec<XmlAttribute>, children: Vec<XmlNode>) -> XmlNode {
    XmlNode {
        node: Some(xml_node::Node::Element(XmlElement {
            namespace_declaration: vec![],
            namespace_uri: String::new(),
            name: name.into(),
            attribute: attrs,
            child: children,
        })),
    }
}

fn int(v: i32) -> Option<item::Value> {
    Some(item::Value::Prim(Primitive { value: Some(primitive::Value::IntDecimal(v)) }))
}

pub(crate) fn sample() -> XmlNode {
    let mut root = el(
        "manifest",
        vec![
            attr("package", 0, "com.example.bundle", None),
            attr("versionCode", 0x0101_021b, "42", int(42)),
            attr("versionName", 0x0101_021c, "4.2", None),
        ],
        vec![
            el("uses-sdk", vec![attr("minSdkVersion", 0x0101_020c, "21", int(21))], vec![]),
            el("uses-permission", vec![attr("name", 0x0101_0003, "android.permission.INTERNET", None)], vec![]),
            el(
                "application",
                vec![
                    attr(
                        "label",
                        0x0101_0001,
                        "@string/app_name",
                        Some(item::Value::Ref(Reference { id: 0x7f01_0000, name: "string/app_name".into() })),
                    ),
                    attr(
                        "debuggable",
                        0x0101_000f,
                        "true",
                        Some(item::Value::Prim(Primitive { value: Some(primitive::Value::Boolean(true)) })),
                    ),
                ],
                vec![el("activity", vec![attr("name", 0x0101_0003, ".Main", None)], vec![])],
            ),
        ],
    );
    if let Some(xml_node::Node::Element(e)) = &mut root.node {
        e.namespace_declaration.push(XmlNamespace { prefix: "android".into(), uri: ANDROID.into() });
    }
    root
}

#[test]
fn round_trips_through_the_manifest_extractor() {
    let bytes = sample().encode_to_vec();
    let node = parse_xml(&bytes).unwrap();
    let axml = to_axml(&node).unwrap();
    let out = crate::extract::manifest::extract(&axml, None, "base/manifest/AndroidManifest.xml").unwrap();
    let m = &out.manifest;
    assert_eq!(m.package.as_deref(), Some("com.example.bundle"));
    assert_eq!(m.version_code, Some(42));
    assert_eq!(m.version_name.as_deref(), Some("4.2"));
    assert_eq!(m.min_sdk, Some(21));
    assert_eq!(m.uses_permissions[0].name, "android.permission.INTERNET");
    assert_eq!(m.label_resource, Some(0x7f01_0000));
    assert_eq!(m.application.debuggable, Some(true));
    assert_eq!(m.components.activities[0].name, "com.example.bundle.Main");
    assert!(out.anomalies.is_empty(), "{:?}", out.anomalies);
    // The decoded XML names the attributes.
    let xml = crate::formats::axml::to_xml(&crate::formats::axml::parse(&axml).unwrap());
    assert!(xml.contains("android:versionCode=\"42\""), "{xml}");
}

#[test]
fn garbage_is_a_decode_error() {
    assert!(matches!(parse_xml(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Err(Error::Decode { .. })));
}

#[test]
fn an_empty_message_has_no_root() {
    assert!(matches!(parse_xml(&[]), Err(Error::NoRoot { .. })));
    let text = XmlNode { node: Some(xml_node::Node::Text("x".into())) }.encode_to_vec();
    assert!(matches!(parse_xml(&text), Err(Error::NoRoot { .. })));
}

#[test]
fn oversized_input_is_refused() {
    let big = vec![0u8; MAX_PROTO_BYTES + 1];
    assert!(matches!(parse_xml(&big), Err(Error::LimitExceeded { .. })));
    assert!(matches!(parse_bundle_config(&big), Err(Error::LimitExceeded { .. })));
}

#[test]
fn deep_nesting_is_bounded() {
    let mut n = el("x", vec![], vec![]);
    for _ in 0..(MAX_DEPTH + 5) {
        n = el("x", vec![], vec![n]);
    }
    assert!(matches!(to_axml(&n), Err(Error::LimitExceeded { what: "XML depth", .. })));
}

#[test]
fn bundle_config_gives_the_tool_version() {
    let c = BundleConfig { bundletool: Some(Bundletool { version: "1.11.4".into() }) };
    assert_eq!(parse_bundle_config(&c.encode_to_vec()).unwrap().bundletool.unwrap().version, "1.11.4");
}

//! Builds `facts::Manifest` from a binary `AndroidManifest.xml` and, when
//! present, `resources.arsc` (for labels, string references and file paths).
//!
//! Matching rules, and where they come from:
//! - Framework attributes are matched by **resource id** (the XML resource
//!   map), as Android's `TypedArray`/`obtainAttributes` and aapt's
//!   `AaptXml::findAttribute` do; the name string is ignored by Android, so
//!   obfuscated or masked names do not fool us. When no attribute carries
//!   the id, an attribute without any resource id whose name is the
//!   expected one in the android namespace is used instead (hand-made XML),
//!   with an anomaly, since Android itself would not see it.
//! - Root attributes `package` and `split` are matched by name with no
//!   namespace (`parser.getAttributeValue(null, "package")`).
//! - Tags are matched by name, ignoring their namespace.
//! - Nesting: `uses-permission*`, `permission`, `uses-sdk`, `uses-feature`,
//!   `queries` and `application` count only as direct children of the root,
//!   as in aapt's `dump badging` (depth 2) and PackageParser. Only the first
//!   `<application>` is used (PackageParser skips later ones).
//!   Components (`activity`, `activity-alias`, `service`, `receiver`,
//!   `provider`) are collected at **any depth**, matching androguard's
//!   `.//activity` search that the oracle uses; one that is not a direct
//!   child of `<application>` (which Android ignores) is still listed but
//!   raises `manifest-component-misplaced`.
//! - Class names resolve like PackageParser's `buildClassName`: ".Foo" and
//!   "Foo" (no dot) become "pkg.Foo"; names with a dot elsewhere stay.
//! - SDK levels are the raw `uses-sdk` values (None when absent or a
//!   codename). Android and aapt default `targetSdkVersion` to
//!   `minSdkVersion` when it is absent; that default is left to consumers.
//!   With several `<uses-sdk>`, the last one wins (PackageParser order).

use std::collections::HashSet;

use crate::evidence::Anomaly;
use crate::extract::facts::{Component, DeclaredPermission, Manifest, MetaData, UsesPermission};
use crate::formats::arsc::ResourceTable;
use crate::formats::axml::{self, data_type, format_value, Attribute, Document, Element, Node, Value, ANDROID_NS};

/// Framework attribute resource ids (android.R.attr, checked against
/// `aapt dump xmltree` output on the corpus and AOSP `public.xml`).
pub mod attr {
    pub const LABEL: u32 = 0x0101_0001;
    pub const NAME: u32 = 0x0101_0003;
    pub const PERMISSION: u32 = 0x0101_0006;
    pub const PROTECTION_LEVEL: u32 = 0x0101_0009;
    pub const ENABLED: u32 = 0x0101_000e;
    pub const DEBUGGABLE: u32 = 0x0101_000f;
    pub const EXPORTED: u32 = 0x0101_0010;
    pub const PROCESS: u32 = 0x0101_0011;
    pub const AUTHORITIES: u32 = 0x0101_0018;
    pub const VALUE: u32 = 0x0101_0024;
    pub const RESOURCE: u32 = 0x0101_0025;
    pub const TARGET_ACTIVITY: u32 = 0x0101_0202;
    pub const MIN_SDK_VERSION: u32 = 0x0101_020c;
    pub const VERSION_CODE: u32 = 0x0101_021b;
    pub const VERSION_NAME: u32 = 0x0101_021c;
    pub const TARGET_SDK_VERSION: u32 = 0x0101_0270;
    pub const MAX_SDK_VERSION: u32 = 0x0101_0271;
    pub const TEST_ONLY: u32 = 0x0101_0272;
    pub const ALLOW_BACKUP: u32 = 0x0101_0280;
    pub const EXTRACT_NATIVE_LIBS: u32 = 0x0101_04ea;
    pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x0101_04ec;
    pub const NETWORK_SECURITY_CONFIG: u32 = 0x0101_0527;
    pub const VERSION_CODE_MAJOR: u32 = 0x0101_0576;
}

/// Most anomalies the extractor adds (on top of the parser's).
pub const MAX_MANIFEST_ANOMALIES: usize = 128;
/// Most entries kept in each list of the manifest (components, permissions,
/// meta-data...). Real apps stay in the low thousands.
pub const MAX_LIST_ENTRIES: usize = 50_000;

/// What `extract` returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManifestOutput {
    pub manifest: Manifest,
    /// Parser and extractor anomalies, with `file` set.
    pub anomalies: Vec<Anomaly>,
    /// Every attribute string value and text node of the manifest, once
    /// each, in document order (for endpoint scanning).
    pub strings: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CompKind {
    Activity,
    Alias,
    Service,
    Receiver,
    Provider,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Application,
    Component(CompKind, usize),
    IntentFilter(CompKind, usize),
    Queries,
    Other,
}

struct Ctx<'d, 'a, 't, 'u> {
    doc: &'d Document<'a>,
    table: Option<&'t ResourceTable<'u>>,
    file: &'d str,
    anomalies: Vec<Anomaly>,
    reported: HashSet<(String, String)>,
    package: String,
}

fn resolve_class(pkg: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{pkg}{name}")
    } else if !name.contains('.') && !pkg.is_empty() {
        format!("{pkg}.{name}")
    } else {
        name.to_string()
    }
}

fn parse_int_text(s: &str) -> Option<u32> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()
    } else if let Some(n) = t.strip_prefix('-') {
        n.parse::<u32>().ok().map(|v| (v as i32).wrapping_neg() as u32)
    } else {
        t.parse::<u32>().ok()
    }
}

impl<'d, 'a, 't, 'u> Ctx<'d, 'a, 't, 'u> {
    fn anomaly(&mut self, id: &str, message: String, offset: Option<u64>) {
        // Each distinct (id, message) once; capped.
        if self.anomalies.len() >= MAX_MANIFEST_ANOMALIES {
            return;
        }
        if self.reported.insert((id.to_string(), message.clone())) {
            self.anomalies.push(Anomaly::new(id, message, self.file, offset));
        }
    }

    /// The attribute of `el` for framework attribute `id` (named `name`).
    fn attr(&mut self, el: &'d Element, id: u32, name: &str) -> Option<&'d Attribute> {
        let doc = self.doc;
        if let Some(a) = el.attributes.iter().find(|a| doc.attribute_id(a) == Some(id)) {
            let found = doc.attribute_name(a);
            if found != name && found != format!("android:{name}") {
                self.anomaly(
                    "manifest-attribute-name-mismatch",
                    format!("attribute with id {id:#010x} ({name}) is named {found:?}"),
                    Some(el.offset),
                );
            }
            return Some(a);
        }
        let a = el.attributes.iter().find(|a| {
            if doc.attribute_id(a).is_some() {
                return false;
            }
            let n = doc.attribute_name(a);
            match doc.attribute_ns(a) {
                Some(ns) if ns == ANDROID_NS => n == name,
                Some(ns) if !ns.is_empty() => false,
                _ => n.strip_prefix("android:") == Some(name),
            }
        })?;
        self.anomaly(
            "manifest-attribute-without-resource-id",
            format!("android:{name} has no resource id (Android ignores it; used by name)"),
            Some(el.offset),
        );
        Some(a)
    }

    /// An attribute by plain name with no namespace (`package`, `split`).
    fn plain_attr(&mut self, el: &'d Element, name: &str) -> Option<&'d Attribute> {
        let doc = self.doc;
        if let Some(a) = el
            .attributes
            .iter()
            .find(|a| doc.attribute_ns(a).is_none_or(str::is_empty) && doc.attribute_name(a) == name)
        {
            return Some(a);
        }
        let a = el.attributes.iter().find(|a| doc.attribute_name(a) == name)?;
        self.anomaly(
            "manifest-attribute-namespaced",
            format!("{name} carries a namespace (Android looks it up without one)"),
            Some(el.offset),
        );
        Some(a)
    }

    /// String value: literal, or a reference resolved through the table.
    fn string(&self, a: &Attribute) -> Option<String> {
        match a.value {
            Value::Reference(id) | Value::DynamicReference(id) => self.table.and_then(|t| t.resolve_string(id)),
            Value::String(_) => self.doc.attribute_string(a).map(str::to_string),
            _ => self.doc.attribute_string(a).map(str::to_string),
        }
    }

    fn string_of(&mut self, el: &'d Element, id: u32, name: &str) -> Option<String> {
        let a = self.attr(el, id, name)?;
        self.string(a)
    }

    /// Integer value (`TypedArray.getInt`-like): int types, numeric
    /// strings, and references to integers.
    fn int(&self, a: &Attribute) -> Option<u32> {
        if let Some(v) = a.value.as_int() {
            return Some(v);
        }
        match a.value {
            Value::String(_) => self.doc.attribute_string(a).and_then(parse_int_text),
            Value::Reference(id) | Value::DynamicReference(id) => {
                let v = self.table?.resolve(id)?;
                match v.data_type {
                    data_type::INT_DEC..=data_type::INT_COLOR_RGB4 => Some(v.data),
                    data_type::STRING => self.table?.strings.get(v.data).and_then(parse_int_text),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn int_of(&mut self, el: &'d Element, id: u32, name: &str) -> Option<u32> {
        let a = self.attr(el, id, name)?;
        self.int(a)
    }

    fn bool_of(&mut self, el: &'d Element, id: u32, name: &str) -> Option<bool> {
        let a = self.attr(el, id, name)?;
        match a.value {
            Value::Bool(b) => Some(b),
            Value::String(_) => match self.doc.attribute_string(a)?.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => self.int(a).map(|v| v != 0),
        }
    }

    fn reference_of(&mut self, el: &'d Element, id: u32, name: &str) -> Option<u32> {
        self.attr(el, id, name)?.value.as_reference()
    }

    fn class_of(&mut self, el: &'d Element, id: u32, name: &str) -> Option<String> {
        let raw = self.string_of(el, id, name)?;
        if raw.is_empty() {
            return None;
        }
        Some(resolve_class(&self.package, &raw))
    }

    /// A meta-data value as text plus its resource id, per `facts::MetaData`.
    fn meta_value(&mut self, el: &'d Element) -> (Option<String>, Option<u32>) {
        let mut resource = self.reference_of(el, attr::RESOURCE, "resource");
        let mut value = None;
        if let Some(a) = self.attr(el, attr::VALUE, "value") {
            value = match a.value {
                Value::Reference(id) | Value::DynamicReference(id) => {
                    resource = resource.or(Some(id));
                    self.table.and_then(|t| {
                        let v = t.resolve(id)?;
                        Some(match v.data_type {
                            data_type::STRING => t.strings.get(v.data)?.to_string(),
                            _ => text_of(&Value::from_raw(v.data_type, v.data), |_| None),
                        })
                    })
                }
                Value::String(_) => self.doc.attribute_string(a).map(str::to_string),
                ref v => Some(text_of(v, |i| self.doc.string(i))),
            };
        }
        (value, resource)
    }
}

/// Text for a typed value: integers in decimal (hex ones too), the rest as
/// `to_xml` shows them.
fn text_of<'s>(v: &Value, s: impl Fn(u32) -> Option<&'s str>) -> String {
    match *v {
        Value::IntHex(x) => x.to_string(),
        Value::Color { argb, .. } => argb.to_string(),
        ref other => format_value(other, s),
    }
}

fn push_capped<T>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_LIST_ENTRIES {
        v.push(item);
    }
}

fn component_list(m: &mut Manifest, kind: CompKind) -> &mut Vec<Component> {
    let c = &mut m.components;
    match kind {
        CompKind::Activity => &mut c.activities,
        CompKind::Alias => &mut c.activity_aliases,
        CompKind::Service => &mut c.services,
        CompKind::Receiver => &mut c.receivers,
        CompKind::Provider => &mut c.providers,
    }
}

/// Extracts the manifest facts from binary `AndroidManifest.xml` bytes.
/// `file` names the entry in anomalies (`base.apk!/AndroidManifest.xml`).
pub fn extract(
    axml_bytes: &[u8],
    table: Option<&ResourceTable<'_>>,
    file: &str,
) -> Result<ManifestOutput, axml::Error> {
    let doc = axml::parse(axml_bytes)?;
    let mut cx = Ctx {
        doc: &doc,
        table,
        file,
        anomalies: doc.anomalies_for(file),
        reported: HashSet::new(),
        package: String::new(),
    };
    let mut m = Manifest::default();
    let mut stack: Vec<Kind> = Vec::new();
    let mut seen_application = false;
    let mut seen_permissions: HashSet<String> = HashSet::new();

    for node in &doc.nodes {
        let el = match node {
            Node::StartElement(el) => el,
            Node::EndElement { .. } => {
                stack.pop();
                continue;
            }
            _ => continue,
        };
        let tag = doc.element_name(el);
        let parent = stack.last().copied();
        let kind = match (parent, tag) {
            (None, _) => {
                if tag != "manifest" {
                    cx.anomaly("manifest-root-not-manifest", format!("root element is <{tag}>"), Some(el.offset));
                }
                root(&mut cx, &mut m, el);
                Kind::Root
            }
            (Some(Kind::Root), "uses-permission" | "uses-permission-sdk-23" | "uses-permission-sdk-m") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name").filter(|n| !n.is_empty()) {
                    let max_sdk = cx.int_of(el, attr::MAX_SDK_VERSION, "maxSdkVersion");
                    if seen_permissions.insert(name.clone()) {
                        push_capped(
                            &mut m.uses_permissions,
                            UsesPermission { name, max_sdk, sdk23: tag != "uses-permission" },
                        );
                    } else {
                        cx.anomaly(
                            "manifest-duplicate-permission",
                            format!("{name} is requested more than once"),
                            Some(el.offset),
                        );
                    }
                }
                Kind::Other
            }
            (Some(Kind::Root), "permission") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name") {
                    let protection_level = cx.int_of(el, attr::PROTECTION_LEVEL, "protectionLevel");
                    push_capped(&mut m.declared_permissions, DeclaredPermission { name, protection_level });
                }
                Kind::Other
            }
            (Some(Kind::Root), "uses-sdk") => {
                // Last one wins, attribute by attribute, as PackageParser.
                if let Some(v) = cx.int_of(el, attr::MIN_SDK_VERSION, "minSdkVersion") {
                    m.min_sdk = Some(v);
                }
                if let Some(v) = cx.int_of(el, attr::TARGET_SDK_VERSION, "targetSdkVersion") {
                    m.target_sdk = Some(v);
                }
                if let Some(v) = cx.int_of(el, attr::MAX_SDK_VERSION, "maxSdkVersion") {
                    m.max_sdk = Some(v);
                }
                Kind::Other
            }
            (Some(Kind::Root), "uses-feature") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name") {
                    push_capped(&mut m.uses_features, name);
                }
                Kind::Other
            }
            (Some(Kind::Root), "queries") => Kind::Queries,
            (Some(Kind::Queries), "package") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name") {
                    push_capped(&mut m.queries_packages, name);
                }
                Kind::Other
            }
            (Some(Kind::Root), "application") if !seen_application => {
                seen_application = true;
                application(&mut cx, &mut m, el);
                Kind::Application
            }
            (Some(Kind::Root), "application") => {
                cx.anomaly(
                    "manifest-multiple-applications",
                    "more than one <application>; Android uses the first".into(),
                    Some(el.offset),
                );
                Kind::Other
            }
            (_, "activity" | "activity-alias" | "service" | "receiver" | "provider") => {
                let ck = match tag {
                    "activity" => CompKind::Activity,
                    "activity-alias" => CompKind::Alias,
                    "service" => CompKind::Service,
                    "receiver" => CompKind::Receiver,
                    _ => CompKind::Provider,
                };
                if parent != Some(Kind::Application) {
                    cx.anomaly(
                        "manifest-component-misplaced",
                        format!("<{tag}> is not a direct child of <application> (Android ignores it)"),
                        Some(el.offset),
                    );
                }
                match component(&mut cx, el, ck) {
                    Some(c) => {
                        let list = component_list(&mut m, ck);
                        if list.len() < MAX_LIST_ENTRIES {
                            list.push(c);
                            Kind::Component(ck, list.len().saturating_sub(1))
                        } else {
                            Kind::Other
                        }
                    }
                    None => {
                        cx.anomaly(
                            "manifest-component-without-name",
                            format!("<{tag}> has no android:name"),
                            Some(el.offset),
                        );
                        Kind::Other
                    }
                }
            }
            (Some(Kind::Application), "uses-library") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name") {
                    push_capped(&mut m.uses_libraries, name);
                }
                Kind::Other
            }
            (Some(Kind::Application), "meta-data") => {
                meta_data(&mut cx, &mut m, el, "application".to_string());
                Kind::Other
            }
            (Some(Kind::Component(ck, i)), "meta-data") => {
                let parent = component_list(&mut m, ck).get(i).map(|c| c.name.clone()).unwrap_or_default();
                meta_data(&mut cx, &mut m, el, parent);
                Kind::Other
            }
            (Some(Kind::Component(ck, i)), "intent-filter") => Kind::IntentFilter(ck, i),
            (Some(Kind::IntentFilter(ck, i)), "action") => {
                if let Some(name) = cx.string_of(el, attr::NAME, "name") {
                    if let Some(c) = component_list(&mut m, ck).get_mut(i) {
                        push_capped(&mut c.intent_actions, name);
                    }
                }
                Kind::Other
            }
            _ => Kind::Other,
        };
        stack.push(kind);
    }

    let mut seen = HashSet::new();
    let strings = doc.text_values().filter(|s| !s.is_empty() && seen.insert(*s)).map(str::to_string).collect();
    let bad = doc.strings.bad_strings();
    let mut anomalies = cx.anomalies;
    if bad > 0 && !anomalies.iter().any(|a| a.id == "axml-string-out-of-bounds") {
        anomalies.push(Anomaly::new(
            "axml-string-out-of-bounds",
            format!("{bad} string(s) lie outside the string pool"),
            file,
            None,
        ));
    }
    Ok(ManifestOutput { manifest: m, anomalies, strings })
}

fn root<'d>(cx: &mut Ctx<'d, '_, '_, '_>, m: &mut Manifest, el: &'d Element) {
    if let Some(a) = cx.plain_attr(el, "package") {
        m.package = cx.string(a);
    }
    cx.package = m.package.clone().unwrap_or_default();
    if let Some(a) = cx.plain_attr(el, "split") {
        m.split = cx.string(a);
    }
    let code = cx.int_of(el, attr::VERSION_CODE, "versionCode");
    let major = cx.int_of(el, attr::VERSION_CODE_MAJOR, "versionCodeMajor");
    m.version_code = match (major, code) {
        (None, None) => None,
        (major, code) => Some((u64::from(major.unwrap_or(0)) << 32) | u64::from(code.unwrap_or(0))),
    };
    m.version_name = cx.string_of(el, attr::VERSION_NAME, "versionName");
}

fn application<'d>(cx: &mut Ctx<'d, '_, '_, '_>, m: &mut Manifest, el: &'d Element) {
    if let Some(a) = cx.attr(el, attr::LABEL, "label") {
        m.label_resource = a.value.as_reference();
        m.label = cx.string(a);
    }
    let app = &mut m.application;
    app.name = cx.class_of(el, attr::NAME, "name");
    app.debuggable = cx.bool_of(el, attr::DEBUGGABLE, "debuggable");
    app.allow_backup = cx.bool_of(el, attr::ALLOW_BACKUP, "allowBackup");
    app.uses_cleartext_traffic = cx.bool_of(el, attr::USES_CLEARTEXT_TRAFFIC, "usesCleartextTraffic");
    app.test_only = cx.bool_of(el, attr::TEST_ONLY, "testOnly");
    app.extract_native_libs = cx.bool_of(el, attr::EXTRACT_NATIVE_LIBS, "extractNativeLibs");
    app.network_security_config = cx.reference_of(el, attr::NETWORK_SECURITY_CONFIG, "networkSecurityConfig");
    app.network_security_config_path =
        app.network_security_config.and_then(|id| cx.table.and_then(|t| t.resolve_file(id)));
}

fn component<'d>(cx: &mut Ctx<'d, '_, '_, '_>, el: &'d Element, kind: CompKind) -> Option<Component> {
    let name = cx.class_of(el, attr::NAME, "name")?;
    let mut c = Component {
        name,
        exported: cx.bool_of(el, attr::EXPORTED, "exported"),
        enabled: cx.bool_of(el, attr::ENABLED, "enabled"),
        permission: cx.string_of(el, attr::PERMISSION, "permission"),
        ..Component::default()
    };
    match kind {
        CompKind::Provider => {
            c.authorities = cx.string_of(el, attr::AUTHORITIES, "authorities");
            c.process = cx.string_of(el, attr::PROCESS, "process");
        }
        CompKind::Service => c.process = cx.string_of(el, attr::PROCESS, "process"),
        CompKind::Alias => c.target_activity = cx.class_of(el, attr::TARGET_ACTIVITY, "targetActivity"),
        CompKind::Activity | CompKind::Receiver => {}
    }
    Some(c)
}

fn meta_data<'d>(cx: &mut Ctx<'d, '_, '_, '_>, m: &mut Manifest, el: &'d Element, parent: String) {
    let Some(name) = cx.string_of(el, attr::NAME, "name") else {
        return;
    };
    let (value, resource) = cx.meta_value(el);
    push_capped(&mut m.meta_data, MetaData { name, value, resource, parent });
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::formats::arsc;
    use crate::formats::axml::tests::Builder;
    use crate::formats::axml::NO_INDEX;

    const S: u8 = data_type::STRING;
    const B: u8 = data_type::INT_BOOLEAN;
    const D: u8 = data_type::INT_DEC;
    const R: u8 = data_type::REFERENCE;

    fn sample_manifest() -> Vec<u8> {
        let mut b = Builder::new();
        let name = b.attr_name("name", attr::NAME);
        let label = b.attr_name("label", attr::LABEL);
        let vcode = b.attr_name("versionCode", attr::VERSION_CODE);
        let vmajor = b.attr_name("versionCodeMajor", attr::VERSION_CODE_MAJOR);
        let vname = b.attr_name("versionName", attr::VERSION_NAME);
        let min = b.attr_name("minSdkVersion", attr::MIN_SDK_VERSION);
        let target = b.attr_name("targetSdkVersion", attr::TARGET_SDK_VERSION);
        let maxsdk = b.attr_name("maxSdkVersion", attr::MAX_SDK_VERSION);
        // Obfuscated: the id says "exported", the name string says "zz".
        let exported = b.attr_name("zz", attr::EXPORTED);
        let value = b.attr_name("value", attr::VALUE);
        let nsc = b.attr_name("networkSecurityConfig", attr::NETWORK_SECURITY_CONFIG);
        let debuggable_noid = b.s("debuggable");
        let a = b.s(ANDROID_NS);
        let pkg = b.s("package");
        let sv = |b: &mut Builder, s: &str| {
            let i = b.s(s);
            (i, i)
        };
        let (p, _) = sv(&mut b, "com.example");
        let (v1, _) = sv(&mut b, "1.0");
        let (perm_i, _) = sv(&mut b, "android.permission.INTERNET");
        let (perm_c, _) = sv(&mut b, "android.permission.CAMERA");
        let (main, _) = sv(&mut b, ".Main");
        let (svc, _) = sv(&mut b, "Svc");
        let (other, _) = sv(&mut b, "org.other.Recv");
        let (act, _) = sv(&mut b, "android.intent.action.MAIN");
        let (key, _) = sv(&mut b, "api.key");
        let (url, _) = sv(&mut b, "https://api.example.net/v1");
        b.start_ns("android", ANDROID_NS);
        b.start(
            "manifest",
            &[(NO_INDEX, pkg, p, S, p), (a, vcode, NO_INDEX, D, 7), (a, vmajor, NO_INDEX, D, 1), (a, vname, v1, S, v1)],
        );
        b.start("uses-sdk", &[(a, min, NO_INDEX, D, 21), (a, target, NO_INDEX, D, 34)]);
        b.end("uses-sdk");
        for (tag, n) in [("uses-permission", perm_i), ("uses-permission", perm_i), ("uses-permission-sdk-23", perm_c)] {
            b.start(tag, &[(a, name, n, S, n), (a, maxsdk, NO_INDEX, D, 28)]);
            b.end(tag);
        }
        b.start(
            "application",
            &[
                (a, label, NO_INDEX, R, 0x7f01_0000),
                (a, debuggable_noid, NO_INDEX, B, 1),
                (a, nsc, NO_INDEX, R, 0x7f02_0003),
            ],
        );
        b.start("activity", &[(a, name, main, S, main), (a, exported, NO_INDEX, B, 1)]);
        b.start("intent-filter", &[]);
        b.start("action", &[(a, name, act, S, act)]);
        b.end("action");
        b.end("intent-filter");
        b.start("meta-data", &[(a, name, key, S, key), (a, value, url, S, url)]);
        b.end("meta-data");
        b.end("activity");
        b.start("service", &[(a, name, svc, S, svc)]);
        b.start("receiver", &[(a, name, other, S, other)]);
        b.end("receiver");
        b.end("service");
        b.start("meta-data", &[(a, name, key, S, key), (a, value, NO_INDEX, D, 0xffff_fffe)]);
        b.end("meta-data");
        b.end("application");
        b.end("manifest");
        b.end_ns("android", ANDROID_NS);
        b.build()
    }

    fn sample_table() -> Vec<u8> {
        arsc::tests::table(
            &[
                arsc::tests::type_chunk(1, 0, &[0; 4], &[Some((S, 0))]),
                arsc::tests::type_chunk(2, 0, &[0; 4], &[None, None, None, Some((S, 2))]),
            ],
            &[],
        )
    }

    #[test]
    fn extracts_every_field() {
        let bytes = sample_manifest();
        let tbytes = sample_table();
        let table = arsc::parse(&tbytes).unwrap();
        let out = extract(&bytes, Some(&table), "AndroidManifest.xml").unwrap();
        let m = &out.manifest;
        assert_eq!(m.package.as_deref(), Some("com.example"));
        assert_eq!(m.version_code, Some((1u64 << 32) | 7));
        assert_eq!(m.version_name.as_deref(), Some("1.0"));
        assert_eq!((m.min_sdk, m.target_sdk, m.max_sdk), (Some(21), Some(34), None));
        let perms: Vec<_> = m.uses_permissions.iter().map(|p| (p.name.as_str(), p.sdk23, p.max_sdk)).collect();
        assert_eq!(
            perms,
            vec![("android.permission.INTERNET", false, Some(28)), ("android.permission.CAMERA", true, Some(28))]
        );
        assert_eq!(m.label.as_deref(), Some("App"));
        assert_eq!(m.label_resource, Some(0x7f01_0000));
        assert_eq!(m.application.debuggable, Some(true), "name fallback without resource id");
        assert_eq!(m.application.network_security_config, Some(0x7f02_0003));
        assert_eq!(m.application.network_security_config_path.as_deref(), Some("res/xml/network_security_config.xml"));
        let act = &m.components.activities[0];
        assert_eq!(act.name, "com.example.Main");
        assert_eq!(act.exported, Some(true), "matched by id despite the name");
        assert_eq!(act.intent_actions, vec!["android.intent.action.MAIN"]);
        assert_eq!(m.components.services[0].name, "com.example.Svc");
        assert_eq!(m.components.receivers[0].name, "org.other.Recv");
        assert_eq!(m.meta_data.len(), 2);
        assert_eq!(m.meta_data[0].parent, "com.example.Main");
        assert_eq!(m.meta_data[0].value.as_deref(), Some("https://api.example.net/v1"));
        assert_eq!(m.meta_data[1].parent, "application");
        assert_eq!(m.meta_data[1].value.as_deref(), Some("-2"));
        let ids: Vec<_> = out.anomalies.iter().map(|a| a.id.as_str()).collect();
        for id in [
            "manifest-attribute-name-mismatch",
            "manifest-attribute-without-resource-id",
            "manifest-component-misplaced",
            "manifest-duplicate-permission",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        assert!(out.anomalies.iter().all(|a| a.file == "AndroidManifest.xml"));
        assert!(out.strings.iter().any(|s| s == "https://api.example.net/v1"));
        assert_eq!(out.strings.iter().filter(|s| *s == "android.permission.INTERNET").count(), 1);
    }

    #[test]
    fn without_a_table_references_stay_ids() {
        let bytes = sample_manifest();
        let out = extract(&bytes, None, "m").unwrap();
        assert_eq!(out.manifest.label, None);
        assert_eq!(out.manifest.label_resource, Some(0x7f01_0000));
        assert_eq!(out.manifest.application.network_security_config_path, None);
    }

    #[test]
    fn class_names_resolve_like_package_parser() {
        assert_eq!(resolve_class("a.b", ".C"), "a.b.C");
        assert_eq!(resolve_class("a.b", "C"), "a.b.C");
        assert_eq!(resolve_class("a.b", "x.C"), "x.C");
        assert_eq!(parse_int_text("0x10"), Some(16));
        assert_eq!(parse_int_text("-1"), Some(u32::MAX));
    }

    #[test]
    fn errors_pass_through() {
        assert!(extract(&[0, 1], None, "m").is_err());
    }
}

/// Checks against the real corpus and its oracle (aapt, androguard) when
/// `../shared/corpus/real` exists; skips with a message otherwise.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod corpus {
    use super::*;
    use crate::formats::{arsc, axml};
    use std::collections::BTreeSet;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    fn corpus_dir() -> Option<PathBuf> {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
        if d.is_dir() {
            Some(d)
        } else {
            eprintln!("skipping: {} is absent", d.display());
            None
        }
    }

    fn u16at(d: &[u8], i: usize) -> usize {
        u16::from_le_bytes([d[i], d[i + 1]]) as usize
    }
    fn u32at(d: &[u8], i: usize) -> usize {
        u32::from_le_bytes(d[i..i + 4].try_into().unwrap()) as usize
    }

    /// Minimal central-directory zip reader (stored/deflate) for the test.
    fn zip_entry(data: &[u8], name: &str) -> Option<Vec<u8>> {
        let eocd = (0..data.len().checked_sub(21)?).rev().find(|&i| data[i..i + 4] == [0x50, 0x4b, 5, 6])?;
        let n = u16at(data, eocd + 10);
        let mut p = u32at(data, eocd + 16);
        for _ in 0..n {
            if data.get(p..p + 4)? != [0x50, 0x4b, 1, 2] {
                return None;
            }
            let method = u16at(data, p + 10);
            let csize = u32at(data, p + 20);
            let (nlen, elen, clen) = (u16at(data, p + 28), u16at(data, p + 30), u16at(data, p + 32));
            let lho = u32at(data, p + 42);
            if data.get(p + 46..p + 46 + nlen)? == name.as_bytes() {
                let start = lho + 30 + u16at(data, lho + 26) + u16at(data, lho + 28);
                let comp = data.get(start..start + csize)?;
                return match method {
                    0 => Some(comp.to_vec()),
                    _ => {
                        let mut out = Vec::new();
                        flate2::read::DeflateDecoder::new(comp).take(64 << 20).read_to_end(&mut out).ok()?;
                        Some(out)
                    }
                };
            }
            p += 46 + nlen + elen + clen;
        }
        None
    }

    #[test]
    fn raw_axml_samples_never_panic() {
        let Some(dir) = corpus_dir() else { return };
        let mut files: Vec<PathBuf> = Vec::new();
        for sub in ["androguard/AXML", "apkinspector/manifest", "apkinspector"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    files.push(p);
                }
            }
        }
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let bytes = if f.extension().is_some_and(|e| e == "apk") {
                zip_entry(&bytes, "AndroidManifest.xml").unwrap_or_default()
            } else {
                bytes
            };
            match axml::parse(&bytes) {
                Ok(doc) => {
                    let xml = axml::to_xml(&doc);
                    let out = extract(&bytes, None, "m").unwrap();
                    let ids: BTreeSet<_> =
                        out.anomalies.iter().map(|a| format!("{}@{:?}: {}", a.id, a.offset, a.message)).collect();
                    eprintln!(
                        "{}: {} nodes, {} xml bytes, pkg {:?}, {} activities, anomalies {:?}",
                        f.file_name().unwrap().to_string_lossy(),
                        doc.nodes.len(),
                        xml.len(),
                        out.manifest.package,
                        out.manifest.components.activities.len(),
                        ids
                    );
                }
                Err(e) => eprintln!("{}: error {e}", f.file_name().unwrap().to_string_lossy()),
            }
        }
    }

    fn oracle_list(v: &serde_json::Value) -> Option<BTreeSet<String>> {
        Some(v.as_array()?.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
    }

    #[test]
    fn agrees_with_the_oracle() {
        let Some(dir) = corpus_dir() else { return };
        let oracle = std::fs::read_to_string(dir.join("oracle.jsonl")).unwrap();
        // field -> (agree, total)
        let mut score: std::collections::BTreeMap<&str, (u32, u32)> = Default::default();
        let mut disagreements = Vec::new();
        let mut no_manifest = 0;
        for line in oracle.lines() {
            let rec: serde_json::Value = serde_json::from_str(line).unwrap();
            let path = rec["path"].as_str().unwrap().to_string();
            let Ok(bytes) = std::fs::read(dir.join(&path)) else {
                continue;
            };
            let Some(mbytes) = zip_entry(&bytes, "AndroidManifest.xml") else {
                no_manifest += 1;
                continue;
            };
            let tbytes = zip_entry(&bytes, "resources.arsc");
            let table = tbytes.as_deref().and_then(|t| arsc::parse(t).ok());
            let out = match extract(&mbytes, table.as_ref(), &path) {
                Ok(o) => o,
                Err(e) => {
                    disagreements.push(format!("{path}: extract error {e}"));
                    continue;
                }
            };
            if let (Ok(d), Ok(out_dir)) = (axml::parse(&mbytes), std::env::var("CLEANSCAN_XML_DUMP")) {
                let name = path.replace('/', "__");
                std::fs::write(Path::new(&out_dir).join(name + ".xml"), axml::to_xml(&d)).unwrap();
            }
            let m = &out.manifest;
            let mut check = |field: &'static str, ours: String, theirs: String| {
                let e = score.entry(field).or_default();
                e.1 += 1;
                if ours == theirs {
                    e.0 += 1;
                } else {
                    disagreements.push(format!("{path}: {field}: ours {ours:?} oracle {theirs:?}"));
                }
            };
            let a = &rec["aapt"];
            if a.is_object() && a["package"].is_string() {
                check("aapt.package", m.package.clone().unwrap_or_default(), a["package"].as_str().unwrap().into());
                let vc = m.version_code.map(|v| (v as u32) as i32).filter(|&v| v > 0);
                check(
                    "aapt.versionCode",
                    vc.map(|v| v.to_string()).unwrap_or_default(),
                    a["versionCode"].as_str().unwrap_or("").into(),
                );
                check(
                    "aapt.versionName",
                    m.version_name.clone().unwrap_or_default(),
                    a["versionName"].as_str().unwrap_or("").into(),
                );
                check(
                    "aapt.sdkVersion",
                    m.min_sdk.map(|v| v.to_string()).unwrap_or_default(),
                    a["sdkVersion"].as_str().unwrap_or("").into(),
                );
                check(
                    "aapt.targetSdkVersion",
                    m.target_sdk.map(|v| v.to_string()).unwrap_or_default(),
                    a["targetSdkVersion"].as_str().unwrap_or("").into(),
                );
                let ours: BTreeSet<String> = m.uses_permissions.iter().map(|p| p.name.clone()).collect();
                check(
                    "aapt.declared_permissions",
                    format!("{ours:?}"),
                    format!("{:?}", oracle_list(&a["declared_permissions"]).unwrap_or_default()),
                );
                check(
                    "aapt.maxSdkVersion",
                    m.max_sdk.map(|v| v.to_string()).unwrap_or_default(),
                    a["maxSdkVersion"].as_str().unwrap_or("").into(),
                );
                if let Some(l) = a["application_label"].as_str() {
                    check("aapt.application_label", m.label.clone().unwrap_or_default(), l.into());
                }
            }
            let g = &rec["androguard"];
            if g.is_object() && g.get("fatal").is_none() {
                let c = &m.components;
                for (field, list) in [
                    ("androguard.activities", &c.activities),
                    ("androguard.services", &c.services),
                    ("androguard.receivers", &c.receivers),
                    ("androguard.providers", &c.providers),
                ] {
                    let key = field.trim_start_matches("androguard.");
                    let Some(theirs) = oracle_list(&g[key]) else {
                        continue;
                    };
                    let ours: BTreeSet<String> = list.iter().map(|x| x.name.clone()).collect();
                    check(field, format!("{ours:?}"), format!("{theirs:?}"));
                }
            }
        }
        for d in &disagreements {
            eprintln!("DISAGREE {d}");
        }
        eprintln!("no manifest read (zip reader) in {no_manifest} APKs");
        for (f, (ok, n)) in &score {
            eprintln!("SCORE {f}: {ok}/{n}");
        }
    }
}

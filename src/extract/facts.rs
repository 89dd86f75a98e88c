//! `Facts`: everything extracted from one app's bytes, independent of the
//! signature database (so it can be cached and re-judged).

use serde::{Deserialize, Serialize};

use crate::evidence::{Anomaly, Evidence};

/// The decoded AndroidManifest.xml (plus the label resolved through
/// resources.arsc).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub package: Option<String>,
    /// versionCode, combined with versionCodeMajor (`major << 32 | code`) as
    /// Android's `PackageInfo.getLongVersionCode()` does.
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    /// `split` attribute of the root element (split APKs).
    pub split: Option<String>,
    /// Application label: the literal string, or the default-configuration
    /// value of the string resource it references.
    pub label: Option<String>,
    /// Resource id of the label when it was a reference (`@string/app_name`).
    pub label_resource: Option<u32>,
    /// `<uses-permission>` and `<uses-permission-sdk-23>`, in document order,
    /// without duplicates.
    pub uses_permissions: Vec<UsesPermission>,
    /// `<permission>` declarations.
    pub declared_permissions: Vec<DeclaredPermission>,
    pub components: Components,
    /// `<meta-data>` of the application and of every component.
    pub meta_data: Vec<MetaData>,
    pub application: Application,
    /// `<queries><package android:name>` entries.
    pub queries_packages: Vec<String>,
    /// `<uses-library>` names.
    pub uses_libraries: Vec<String>,
    /// `<uses-feature>` names.
    pub uses_features: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsesPermission {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sdk: Option<u32>,
    /// Declared with `<uses-permission-sdk-23>`.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub sdk23: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredPermission {
    pub name: String,
    /// `protectionLevel` as the raw integer flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection_level: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Components {
    pub activities: Vec<Component>,
    pub activity_aliases: Vec<Component>,
    pub services: Vec<Component>,
    pub receivers: Vec<Component>,
    pub providers: Vec<Component>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Fully qualified class name, resolved against the package as Android
    /// does (".Foo" and "Foo" become "pkg.Foo").
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// `<intent-filter><action android:name>` values, in order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub intent_actions: Vec<String>,
    /// Providers: `android:authorities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorities: Option<String>,
    /// Activity aliases: `android:targetActivity`, resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_activity: Option<String>,
    /// Services/providers: `android:process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaData {
    pub name: String,
    /// The value as text (strings verbatim, integers in decimal, booleans as
    /// true/false, references resolved to a string where the resource is a
    /// default-configuration string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `android:resource` (or a reference value) as a resource id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<u32>,
    /// Where it sits: `application` or the component's resolved class name.
    pub parent: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// `android:name`, resolved against the package.
    pub name: Option<String>,
    pub debuggable: Option<bool>,
    pub allow_backup: Option<bool>,
    pub uses_cleartext_traffic: Option<bool>,
    pub test_only: Option<bool>,
    pub extract_native_libs: Option<bool>,
    /// `android:networkSecurityConfig` resource id.
    pub network_security_config: Option<u32>,
    /// The file path that resource resolves to (e.g. `res/xml/network_security_config.xml`), when known.
    pub network_security_config_path: Option<String>,
}

/// One DEX file of the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DexFacts {
    /// Nested location: `classes2.dex`, `assets/x.jar!/classes.dex`.
    pub file: String,
    /// 35..=41
    pub version: u32,
    pub string_count: u32,
    pub type_count: u32,
    pub class_def_count: u32,
    /// Defined classes (class_defs), as dotted Java names (`com.foo.Bar$Baz`).
    pub classes: ClassNames,
}

/// A list of class names kept in one string, with where each name ends: a
/// DEX's tens of thousands of names cost two allocations, not one each.
/// Serialised as a list of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassNames {
    text: String,
    ends: Vec<usize>,
}

impl ClassNames {
    pub fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(j) => *self.ends.get(j)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> ClassNamesIter<'_> {
        ClassNamesIter { names: self, next: 0, start: 0 }
    }
}

/// Builds a [`ClassNames`] from names appended as bytes, checked to be UTF-8
/// once at the end instead of once per name.
#[derive(Debug, Default)]
pub struct ClassNamesBuilder {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl ClassNamesBuilder {
    /// Room for `names` names of `bytes` bytes in all.
    pub fn with_capacity(names: usize, bytes: usize) -> ClassNamesBuilder {
        ClassNamesBuilder { bytes: Vec::with_capacity(bytes), ends: Vec::with_capacity(names) }
    }

    pub fn push(&mut self, name: &str) {
        self.bytes.extend_from_slice(name.as_bytes());
        self.ends.push(self.bytes.len());
    }

    /// Adds `name`, bytes that need not be UTF-8, with every `from` byte
    /// replaced by `to`; `finish` checks the whole text at once.
    pub fn push_bytes_replacing(&mut self, name: &[u8], from: u8, to: u8) {
        self.bytes.extend(name.iter().map(|&b| if b == from { to } else { b }));
        self.ends.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The names, when their text is UTF-8 and each ends on a character
    /// boundary; None otherwise.
    pub fn finish(self) -> Option<ClassNames> {
        let text = String::from_utf8(self.bytes).ok()?;
        self.ends.iter().all(|&e| text.is_char_boundary(e)).then_some(ClassNames { text, ends: self.ends })
    }
}

pub struct ClassNamesIter<'a> {
    names: &'a ClassNames,
    next: usize,
    start: usize,
}

impl<'a> Iterator for ClassNamesIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let end = *self.names.ends.get(self.next)?;
        self.next = self.next.saturating_add(1);
        let s = self.names.text.get(self.start..end);
        self.start = end;
        // Ends are pushed after whole strings: always boundaries in order.
        Some(s.unwrap_or_default())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.names.ends.len().saturating_sub(self.next);
        (n, Some(n))
    }
}

impl ExactSizeIterator for ClassNamesIter<'_> {}

impl<'a> IntoIterator for &'a ClassNames {
    type Item = &'a str;
    type IntoIter = ClassNamesIter<'a>;

    fn into_iter(self) -> ClassNamesIter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> FromIterator<S> for ClassNames {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> ClassNames {
        let mut out = ClassNames::default();
        out.extend(iter);
        out
    }
}

impl<S: AsRef<str>> Extend<S> for ClassNames {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for s in iter {
            self.push(s.as_ref());
        }
    }
}

impl Serialize for ClassNames {
    fn serialize<Z: serde::Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        z.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ClassNames {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ClassNames, D::Error> {
        Vec::<String>::deserialize(d).map(ClassNames::from_iter)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeLib {
    /// Entry path, `lib/arm64-v8a/libfoo.so`.
    pub path: String,
    /// ABI folder name (`arm64-v8a`), or None for a .so outside `lib/<abi>/`.
    pub abi: Option<String>,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    pub exported_symbols: usize,
    /// ELF e_machine name (`aarch64`, `arm`, `x86`, `x86_64`, `mips`, ...).
    pub machine: Option<String>,
    pub size: u64,
}

/// One distinct signer certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// SHA-256 over the certificate's original encoded bytes, lowercase hex.
    pub cert_sha256: String,
    /// RFC 2253-style distinguished names, most significant last as Java's
    /// `X500Principal.getName()` prints them (`CN=..., O=..., C=...`).
    pub subject: String,
    pub issuer: String,
    /// Hex serial number.
    pub serial: String,
    /// Schemes whose signer carries this certificate: `v1`, `v2`, `v3`, `v3.1`.
    pub schemes: Vec<String>,
    /// Signature verification is a later issue: always None until then.
    pub verified: Option<bool>,
    /// Where the certificate was found (`META-INF/CERT.RSA`, `APK Signing Block v2`).
    pub sources: Vec<String>,
    /// ISO 8601 validity, when the dates parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// `RSA`, `EC`, `DSA`, or the OID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    /// Per-scheme verification of this signer, in the order Android checks
    /// the schemes (only the schemes checked for this APK's SDK range).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification: Vec<SchemeVerification>,
    /// The certificate is the Android SDK's debug certificate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub debug_certificate: bool,
    /// Proof-of-rotation lineage ending at this signer, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lineage: Vec<LineageEntry>,
    /// v3/v3.1 signer SDK range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_sdk: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sdk: Option<u32>,
}

/// One scheme's verdict for one signer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeVerification {
    /// `v1`, `v2`, `v3`, `v3.1`, `v4`
    pub scheme: String,
    pub verified: bool,
    /// Why not (which digest, signer, entry), when `verified` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One certificate of a signing certificate lineage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageEntry {
    pub cert_sha256: String,
    pub subject: String,
    /// Capability flags granted by this certificate to its successor.
    pub flags: u32,
}

/// The APK's overall signature verdict, decided as apksigner does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureVerdict {
    pub verified: bool,
    /// Schemes that verified (`v1`, `v2`, `v3`, `v3.1`, `v4`).
    pub schemes_verified: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Source stamp: certificate digest and whether it verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_stamp_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_stamp_verified: Option<bool>,
}

/// One id/value pair of the APK Signing Block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningBlockEntry {
    /// `0x7109871a`
    pub id: String,
    /// Known name (`v2`, `v3`, `v3.1`, `source-stamp-v2`, `verity-padding`, ...), None when unknown.
    pub name: Option<String>,
    pub size: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningBlock {
    pub offset: u64,
    pub size: u64,
    pub entries: Vec<SigningBlockEntry>,
}

/// A host the app may talk to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Lowercase host name or IP literal, without port or path.
    pub host: String,
    /// Up to a few full URLs seen for this host (scheme://host/path), for context.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub urls: Vec<String>,
    /// Where it was found (capped; `occurrences` counts all).
    pub evidence: Vec<Evidence>,
    pub occurrences: u64,
}

/// Everything extracted from one app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub manifest: Option<Manifest>,
    pub dex: Vec<DexFacts>,
    pub native_libs: Vec<NativeLib>,
    pub signers: Vec<Signer>,
    pub signing_block: Option<SigningBlock>,
    /// Overall signature verdict (None for non-APK inputs).
    #[serde(default)]
    pub signature_verification: Option<SignatureVerdict>,
    pub endpoints: Vec<Endpoint>,
    /// Entry names of the archive (for asset and resource markers).
    pub entries: Vec<String>,
    pub anomalies: Vec<Anomaly>,
    /// The packages of a split set, the modules of an App Bundle, the
    /// bundles (frameworks, extensions) of an IPA.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub members: Vec<Member>,
    /// iOS facts (IPA).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ios: Option<IosFacts>,
    /// App Bundle facts (AAB).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bundle: Option<BundleFacts>,
}

/// One package of a split set (`splits/base-master.apk`), module of an App
/// Bundle (`base/`), or nested bundle of an IPA (`Frameworks/X.framework`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Entry path inside the container (or file name in a `--split-set` folder).
    pub name: String,
    /// `base`, `split`, `standalone`, `universal`, `module`, `asset-pack`,
    /// `framework`, `appex`, `obb`, `other`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub package: Option<String>,
    /// The `split` attribute of its manifest (feature or config name).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub split: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version_code: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version_name: Option<String>,
    /// Its facts are part of the app's facts (false for alternatives such as
    /// standalone APKs beside the splits, or for OBB files).
    pub merged: bool,
    /// Its own signer certificates.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub signers: Vec<Signer>,
    pub size: u64,
}

/// What an App Bundle's `BundleConfig.pb` and module layout say.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFacts {
    /// bundletool version that built the bundle.
    pub bundletool_version: Option<String>,
    /// Module names (`base`, features, asset packs).
    pub modules: Vec<String>,
}

/// What an IPA says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IosFacts {
    /// `Payload/<Name>.app/`
    pub app_dir: String,
    pub bundle_id: Option<String>,
    pub executable: Option<String>,
    pub display_name: Option<String>,
    /// CFBundleShortVersionString
    pub short_version: Option<String>,
    /// CFBundleVersion
    pub build_version: Option<String>,
    pub minimum_os: Option<String>,
    /// CFBundleURLTypes → CFBundleURLSchemes.
    pub url_schemes: Vec<String>,
    /// LSApplicationQueriesSchemes.
    pub queries_schemes: Vec<String>,
    /// `NS*UsageDescription` keys with their text.
    pub usage_descriptions: Vec<KeyValue>,
    pub ats: Option<AtsFacts>,
    /// The main executable and every framework/extension binary.
    pub binaries: Vec<MachoFacts>,
    pub provision: Option<Provision>,
    /// `Frameworks/*.framework` and `*.dylib` names.
    pub frameworks: Vec<String>,
    /// `PlugIns/*.appex` names.
    pub plugins: Vec<String>,
    pub privacy_manifests: Vec<PrivacyManifest>,
    /// Team ID from the main executable's signature, else the provisioning profile.
    pub team_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// NSAppTransportSecurity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtsFacts {
    pub allows_arbitrary_loads: Option<bool>,
    /// NSExceptionDomains keys.
    pub exception_domains: Vec<String>,
}

/// One Mach-O binary (thin or fat) of an IPA or static library member.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachoFacts {
    pub path: String,
    /// `arm64`, `armv7`, `x86_64`, ...
    pub archs: Vec<String>,
    /// LC_LOAD_DYLIB and friends.
    pub dylibs: Vec<String>,
    /// LC_ENCRYPTION_INFO cryptid != 0 (FairPlay): strings are not trusted.
    pub encrypted: bool,
    /// Code-signature identifier (CodeDirectory).
    pub identifier: Option<String>,
    pub team_id: Option<String>,
    /// Entitlement keys of the embedded entitlements plist.
    pub entitlements: Vec<String>,
    /// Subject of the CMS signer certificate, when present.
    pub signer_subject: Option<String>,
    pub size: u64,
}

/// `embedded.mobileprovision`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provision {
    pub name: Option<String>,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub app_id_name: Option<String>,
    pub expiration: Option<String>,
    pub devices: usize,
    pub provisions_all_devices: bool,
    pub entitlements: Vec<String>,
}

/// `PrivacyInfo.xcprivacy` of the app or a framework.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyManifest {
    pub file: String,
    pub tracking: Option<bool>,
    pub tracking_domains: Vec<String>,
    pub collected_data_types: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn class_names_hold_each_name_whole_and_serialise_as_a_list() {
        let names = ["com.b.Z", "", "é.ü$1", "com.a.A", "com.b.Z"];
        let mut b = ClassNamesBuilder::with_capacity(1, 1);
        for n in &names[..3] {
            b.push(n);
        }
        b.push_bytes_replacing(b"com/a/A", b'/', b'.');
        b.push("com.b.Z");
        assert_eq!(b.len(), 5);
        let c = b.finish().unwrap();
        let mut d: ClassNames = names[..4].iter().collect();
        d.extend(["com.b.Z"]);
        assert_eq!(c, d);
        assert_eq!(c.len(), 5);
        assert_eq!(c.iter().len(), 5);
        assert_eq!(c.iter().collect::<Vec<_>>(), names);
        assert_eq!(
            (0..6).map(|i| c.get(i)).collect::<Vec<_>>(),
            names.map(Some).into_iter().chain([None]).collect::<Vec<_>>()
        );
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, serde_json::to_string(&names).unwrap());
        let back: ClassNames = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert!(ClassNames::default().is_empty() && ClassNames::default().iter().next().is_none());
        // Bytes that are not UTF-8, or a name ending inside a character.
        let mut b = ClassNamesBuilder::default();
        b.push("ok");
        b.push_bytes_replacing(&[b'a', 0xff], b'/', b'.');
        assert!(b.finish().is_none());
        let mut b = ClassNamesBuilder::default();
        b.push_bytes_replacing(&"é".as_bytes()[..1], b'/', b'.');
        b.push_bytes_replacing(&"é".as_bytes()[1..], b'/', b'.');
        assert!(b.finish().is_none());
    }
}

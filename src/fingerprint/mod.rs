//! Matches one app's `Facts` against the compiled signatures: SDK detections
//! with evidence and a confidence, endpoint owners, and the publisher.
//!
//! Confidence rises with independent kinds of evidence (code, native library,
//! manifest, endpoint, asset/resource): code alone is `medium`; code plus any
//! other kind is `high`; without code (renamed by an obfuscator) two other
//! kinds give `medium` and one gives `low`. A detection resting only on a
//! vendor-wide prefix is `low` and says so (`broad_prefix_only`). iOS
//! markers (embedded framework names, Objective-C class prefixes, bundle
//! ids of embedded bundles) are code evidence.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::extract::facts::{DexFacts, Facts};
use crate::signatures::compile::{ClassHeadCache, Matchers, SdkIdx};
use crate::signatures::Text;

/// Evidence kept per detection and kind; the counts say how many there were.
const MAX_EVIDENCE_PER_KIND: usize = 5;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SdkDetection {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub country: String,
    pub category: String,
    pub prc_linked: bool,
    pub collects_data: bool,
    pub tags: Vec<String>,
    pub confidence: String,
    /// Independent evidence kinds found: `code`, `native`, `manifest`, `endpoint`, `asset`.
    pub evidence_kinds: Vec<String>,
    /// True when the only code evidence is a vendor-wide prefix.
    pub broad_prefix_only: bool,
    /// Classes matched (all of them, not just the listed evidence).
    pub class_count: usize,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostOwner {
    pub provider: Option<String>,
    pub owner: Option<String>,
    pub country: Option<String>,
    /// Id of the cloud or publisher entry that matched.
    pub source_id: Option<String>,
    /// One of the clouds the Clean Cloud line names.
    pub clean_cloud_named: bool,
    /// The suffix that matched.
    pub suffix: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublisherDetection {
    pub id: Option<String>,
    pub name: String,
    pub country: Option<String>,
    pub confidence: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Detections {
    pub sdks: Vec<SdkDetection>,
    /// Owner per endpoint, in the order of `Facts::endpoints`.
    pub hosts: Vec<HostOwner>,
    pub publisher: Option<PublisherDetection>,
}

#[derive(Default)]
struct Acc {
    kinds: BTreeSet<&'static str>,
    specific_code: bool,
    class_count: usize,
    per_kind: BTreeMap<&'static str, usize>,
    evidence: Vec<Evidence>,
}

impl Acc {
    fn add(&mut self, kind: &'static str, ev: Evidence) {
        self.add_with(kind, || ev);
    }

    /// `add`, building the evidence only when it is kept (an SDK can match
    /// tens of thousands of classes; a few are shown).
    fn add_with(&mut self, kind: &'static str, ev: impl FnOnce() -> Evidence) {
        self.kinds.insert(kind);
        let n = self.per_kind.entry(kind).or_default();
        if *n < MAX_EVIDENCE_PER_KIND {
            self.evidence.push(ev());
        }
        *n = n.saturating_add(1);
    }
}

/// Below this many classes over all DEX files they are matched on the
/// calling thread.
const PARALLEL_MIN_CLASSES: usize = 20_000;

/// What one DEX's classes show of one SDK: every class matched, whether any
/// prefix was specific, and the first classes as evidence.
#[derive(Default)]
struct CodeHits {
    class_count: usize,
    specific: bool,
    evidence: Vec<Evidence>,
}

/// Matches one DEX's classes (a vendor-wide prefix in the app's own code
/// names the publisher, not an SDK).
fn code_hits(dex: &DexFacts, m: &Matchers, own_code: &(dyn Fn(&str) -> bool + Sync)) -> BTreeMap<SdkIdx, CodeHits> {
    let mut out: BTreeMap<SdkIdx, CodeHits> = BTreeMap::new();
    let mut heads = ClassHeadCache::default();
    for class in &dex.classes {
        if let Some(hit) = m.match_class_cached(class, &mut heads) {
            if hit.broad && own_code(class) {
                continue;
            }
            let h = out.entry(hit.sdk).or_default();
            h.class_count = h.class_count.saturating_add(1);
            if !hit.broad {
                h.specific = true;
            }
            if h.evidence.len() < MAX_EVIDENCE_PER_KIND {
                let kind = if hit.broad { "class-broad" } else { "class" };
                h.evidence.push(Evidence::new(kind, class, dex.file.clone(), None));
            }
        }
    }
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Matches an app's facts. Pure function of its inputs.
pub fn fingerprint(facts: &Facts, m: &Matchers) -> Detections {
    let mut acc: BTreeMap<SdkIdx, Acc> = BTreeMap::new();
    let package = facts.manifest.as_ref().and_then(|mf| mf.package.as_deref());
    // The app's own code: a vendor-wide prefix there names the publisher
    // (reported as such), not an embedded SDK.
    let own_code = |class: &str| {
        package.is_some_and(|p| class.strip_prefix(p).is_some_and(|r| r.starts_with('.') || r.starts_with('$')))
    };

    // Each DEX's classes are matched on their own (side by side on the pool
    // when there are enough of them), then added in DEX order: the same
    // counts and the same first evidence as one pass over them all.
    let per_dex: Vec<BTreeMap<SdkIdx, CodeHits>> =
        if facts.dex.len() > 1 && facts.dex.iter().map(|d| d.classes.len()).sum::<usize>() >= PARALLEL_MIN_CLASSES {
            use rayon::prelude::*;
            facts.dex.par_iter().map(|dex| code_hits(dex, m, &own_code)).collect()
        } else {
            facts.dex.iter().map(|dex| code_hits(dex, m, &own_code)).collect()
        };
    for hits in per_dex {
        for (sdk, h) in hits {
            let a = acc.entry(sdk).or_default();
            a.class_count = a.class_count.saturating_add(h.class_count);
            a.specific_code |= h.specific;
            let kept = h.evidence.len();
            for ev in h.evidence {
                a.add("code", ev);
            }
            // The hits past the evidence kept count all the same.
            let more = h.class_count.saturating_sub(kept);
            let n = a.per_kind.entry("code").or_default();
            *n = n.saturating_add(more);
        }
    }
    // Objective-C classes (Mach-O `_OBJC_CLASS_$_` symbols, listed beside
    // DEX classes): their names have no package dots.
    for dex in &facts.dex {
        for class in dex.classes.iter().filter(|c| !c.contains('.')) {
            if let Some((i, _)) = m.objc_class(class) {
                let a = acc.entry(i).or_default();
                a.class_count = a.class_count.saturating_add(1);
                a.specific_code = true;
                a.add_with("code", || Evidence::new("objc-class", class, dex.file.clone(), None));
            }
        }
    }
    if let Some(ios) = &facts.ios {
        for fw in &ios.frameworks {
            if let Some(i) = m.ios_framework(fw) {
                let a = acc.entry(i).or_default();
                a.specific_code = true;
                let file = format!("{}Frameworks/{fw}", ios.app_dir);
                a.add("code", Evidence::new("framework", fw.clone(), file, None));
            }
        }
    }
    // Embedded bundles (frameworks, extensions) by their own bundle id.
    for mem in facts.members.iter().filter(|mm| mm.kind == "framework" || mm.kind == "appex") {
        if let Some((i, _)) = mem.package.as_deref().and_then(|id| m.bundle_id(id)) {
            let a = acc.entry(i).or_default();
            a.specific_code = true;
            let id = mem.package.clone().unwrap_or_default();
            a.add("code", Evidence::new("bundle-id", id, mem.name.clone(), None));
        }
    }
    for lib in &facts.native_libs {
        let name = file_name(&lib.path);
        let mut hits: Vec<SdkIdx> = m.native_lib(name).into_iter().collect();
        hits.extend(m.native_lib_patterns.matches(name).into_iter().map(|(i, _)| i));
        hits.sort_unstable();
        hits.dedup();
        for i in hits {
            acc.entry(i).or_default().add("native", Evidence::new("native-lib", name, lib.path.clone(), None));
        }
    }
    if let Some(mf) = &facts.manifest {
        let file = "AndroidManifest.xml";
        for md in &mf.meta_data {
            for &i in m.meta_data(&md.name) {
                acc.entry(i).or_default().add("manifest", Evidence::new("meta-data", md.name.clone(), file, None));
            }
        }
        let c = &mf.components;
        for comp in
            c.activities.iter().chain(&c.activity_aliases).chain(&c.services).chain(&c.receivers).chain(&c.providers)
        {
            let mut hits: Vec<SdkIdx> = m.component(&comp.name).to_vec();
            hits.extend(m.component_patterns.matches(&comp.name).into_iter().map(|(i, _)| i));
            hits.sort_unstable();
            hits.dedup();
            for i in hits {
                acc.entry(i).or_default().add("manifest", Evidence::new("component", comp.name.clone(), file, None));
            }
            for action in &comp.intent_actions {
                for &i in m.intent_action(action) {
                    acc.entry(i)
                        .or_default()
                        .add("manifest", Evidence::new("intent-action", action.clone(), file, None));
                }
            }
        }
        for p in mf.uses_permissions.iter().map(|p| &p.name).chain(mf.declared_permissions.iter().map(|p| &p.name)) {
            for i in m.permission(p, package) {
                acc.entry(i).or_default().add("manifest", Evidence::new("permission", p.clone(), file, None));
            }
        }
    }
    for entry in &facts.entries {
        if let Some(rel) = entry.strip_prefix("assets/") {
            for &i in m.asset(rel) {
                acc.entry(i).or_default().add("asset", Evidence::new("asset", entry.clone(), entry.clone(), None));
            }
        }
    }
    let mut hosts = Vec::with_capacity(facts.endpoints.len());
    for ep in &facts.endpoints {
        let place = ep.evidence.first();
        let ev = |kind: &str| Evidence {
            kind: kind.to_string(),
            value: ep.host.clone(),
            file: place.map(|p| p.file.clone()).unwrap_or_default(),
            offset: place.and_then(|p| p.offset),
        };
        if let Some((sdks, _)) = m.sdk_domain(&ep.host) {
            for &i in sdks {
                acc.entry(i).or_default().add("endpoint", ev("endpoint"));
            }
        }
        for (i, _) in m.domain_patterns.matches(&ep.host) {
            acc.entry(i).or_default().add("endpoint", ev("endpoint"));
        }
        hosts.push(host_owner(&ep.host, m));
    }

    let sdks = acc
        .into_iter()
        .filter_map(|(i, a)| {
            let s = m.set.sdks.get(i)?;
            let others = a.kinds.iter().filter(|k| **k != "code").count();
            let has_code = a.kinds.contains("code");
            let confidence = if has_code && a.specific_code {
                if others >= 1 {
                    "high"
                } else {
                    "medium"
                }
            } else if others >= 2 || (has_code && others >= 1) {
                // Renamed code (two non-code kinds), or a vendor-wide prefix
                // backed by another kind.
                "medium"
            } else {
                "low"
            };
            Some(SdkDetection {
                id: s.id.to_string(),
                name: s.name.to_string(),
                vendor: s.vendor.to_string(),
                country: s.country.to_string(),
                category: s.category.to_string(),
                prc_linked: s.prc_linked,
                collects_data: s.collects_data,
                tags: s.tags.iter().map(Text::to_string).collect(),
                confidence: confidence.to_string(),
                evidence_kinds: a.kinds.iter().map(|k| k.to_string()).collect(),
                broad_prefix_only: has_code && !a.specific_code,
                class_count: a.class_count,
                evidence: a.evidence,
            })
        })
        .collect();
    Detections { sdks, hosts, publisher: publisher(facts, m) }
}

fn host_owner(host: &str, m: &Matchers) -> HostOwner {
    if let Some((i, suffix)) = m.cloud(host) {
        if let Some(c) = m.set.clouds.get(i) {
            return HostOwner {
                provider: Some(c.provider.to_string()),
                owner: Some(c.owner.to_string()),
                country: Some(c.country.to_string()),
                source_id: Some(c.id.to_string()),
                clean_cloud_named: c.clean_cloud_named,
                suffix: Some(suffix.to_string()),
            };
        }
    }
    if let Some((i, suffix)) = m.publisher_domain(host) {
        if let Some(p) = m.set.publishers.get(i) {
            return HostOwner {
                provider: None,
                owner: Some(p.company.to_string()),
                country: Some(p.country.to_string()),
                source_id: Some(p.id.to_string()),
                clean_cloud_named: false,
                suffix: Some(suffix.to_string()),
            };
        }
    }
    if let Some((sdks, suffix)) = m.sdk_domain(host) {
        if let Some(s) = sdks.first().and_then(|&i| m.set.sdks.get(i)) {
            return HostOwner {
                provider: Some(s.name.to_string()),
                owner: Some(s.parent_company.as_ref().unwrap_or(&s.vendor).to_string()),
                country: Some(s.country.to_string()),
                source_id: Some(s.id.to_string()),
                clean_cloud_named: false,
                suffix: Some(suffix.to_string()),
            };
        }
    }
    HostOwner::default()
}

/// The subject of the certificate in the Android SDK's generated debug
/// keystore (`~/.android/debug.keystore`, made by the build tools with
/// `CN=Android Debug,O=Android,C=US`): shared by every developer, so it names
/// no publisher.
const ANDROID_DEBUG_SUBJECT: &str = "CN=Android Debug, O=Android, C=US";

/// A certificate's self-declared country as ISO 3166-1 alpha-2. Two letters
/// are taken as written; a few common non-ISO spellings seen in real
/// certificates (the English name, the calling code 86) are mapped; anything
/// else is unknown.
pub fn normalise_country(c: &str) -> Option<String> {
    let t = c.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Some(t.to_ascii_uppercase());
    }
    match t.to_ascii_lowercase().as_str() {
        "china" | "prc" | "86" | "+86" | "people's republic of china" | "中国" => Some("CN".to_string()),
        _ => None,
    }
}

/// Subject field of an RFC 2253-style DN (`CN=x, O=y, C=z`).
pub fn dn_field<'a>(dn: &'a str, key: &str) -> Option<&'a str> {
    dn.split(", ").find_map(|part| part.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn publisher(facts: &Facts, m: &Matchers) -> Option<PublisherDetection> {
    let package = facts.manifest.as_ref().and_then(|mf| mf.package.as_deref());
    let mut evidence = Vec::new();
    let mut found: Option<(usize, &'static str)> = None;
    let rank = |c: &str| match c {
        "high" => 2,
        "medium" => 1,
        _ => 0,
    };
    let mut consider = |idx: usize, conf: &'static str, ev: Evidence, evidence: &mut Vec<Evidence>| {
        evidence.push(ev);
        if found.is_none_or(|(_, c)| rank(conf) > rank(c)) {
            found = Some((idx, conf));
        }
    };
    for s in &facts.signers {
        if let Some(i) = m.publisher_cert(&s.cert_sha256) {
            consider(
                i,
                "high",
                Evidence::new("certificate", s.cert_sha256.clone(), "signing certificate", None),
                &mut evidence,
            );
        }
        for (i, p) in m.set.publishers.iter().enumerate() {
            for want in &p.cert_subjects {
                if !want.is_empty() && want.iter().all(|(k, v)| dn_field(&s.subject, k) == Some(v.as_str())) {
                    consider(
                        i,
                        "medium",
                        Evidence::new("certificate-subject", s.subject.clone(), "signing certificate", None),
                        &mut evidence,
                    );
                }
            }
        }
    }
    if let Some(pkg) = package {
        if let Some(i) = m.publisher_package(pkg) {
            consider(i, "high", Evidence::new("package", pkg, "AndroidManifest.xml", None), &mut evidence);
        } else if let Some((i, _)) = m.publisher_prefix(pkg) {
            consider(i, "medium", Evidence::new("package-prefix", pkg, "AndroidManifest.xml", None), &mut evidence);
        }
    }
    if let Some((i, conf)) = found {
        let p = m.set.publishers.get(i)?;
        return Some(PublisherDetection {
            id: Some(p.id.to_string()),
            name: p.company.to_string(),
            country: Some(p.country.to_string()),
            confidence: conf.to_string(),
            evidence,
        });
    }
    // No known publisher: the signing certificate's own subject still names
    // who signed, and its country field is the signer's own statement. The
    // SDK's debug certificate and keytool's "Unknown" placeholders name nobody.
    let s = facts.signers.first()?;
    if s.subject == ANDROID_DEBUG_SUBJECT {
        return None;
    }
    let named = |k: &str| dn_field(&s.subject, k).filter(|v| !v.is_empty() && *v != "Unknown");
    let name = named("O").or_else(|| named("CN"))?;
    let country = named("C").and_then(normalise_country);
    Some(PublisherDetection {
        id: None,
        name: name.to_string(),
        country,
        confidence: "low".to_string(),
        evidence: vec![Evidence::new("certificate-subject", s.subject.clone(), "signing certificate", None)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::facts::{DexFacts, Signer};

    /// Classes matched DEX by DEX (side by side on a pool) give what one
    /// pass over all of them gives: the same SDKs, class counts, specific
    /// or broad-only flags, and the first evidence in class order.
    #[test]
    fn classes_matched_dex_by_dex_equal_one_pass_over_them_all() {
        use crate::extract::facts::{DexFacts, Manifest};
        let set = crate::signatures::load_builtin(&[]).expect("the repository's database");
        // Classes under every SDK's prefixes (specific and broad), some in
        // the app's own package, interleaved with unmatched ones.
        let mut prefixes: Vec<String> = set
            .sdks
            .iter()
            .flat_map(|s| s.markers.class_prefixes.iter().chain(&s.markers.class_prefixes_broad).map(Text::to_string))
            .collect();
        prefixes.push("org.example.app".to_string());
        let m = Matchers::compile(set).expect("compiles");
        let classes: Vec<String> = (0..30_000)
            .map(|i| match i % 3 {
                0 => format!("plain.code{}.C{i}", i % 97),
                _ => format!("{}.p{}.C{i}", prefixes[i % prefixes.len()], i % 7),
            })
            .collect();
        let dex = |file: &str, names: &[String]| DexFacts {
            file: file.to_string(),
            classes: names.iter().collect(),
            ..DexFacts::default()
        };
        let manifest = Manifest { package: Some("org.example.app".to_string()), ..Manifest::default() };
        let one =
            Facts { dex: vec![dex("classes.dex", &classes)], manifest: Some(manifest.clone()), ..Facts::default() };
        // The same classes in five parts of uneven size, all named like the
        // single file so that the evidence is comparable.
        let cuts = [0, 7, 6_000, 6_001, 21_000, 30_000];
        let parts: Vec<DexFacts> = cuts.windows(2).map(|w| dex("classes.dex", &classes[w[0]..w[1]])).collect();
        let split = Facts { dex: parts, manifest: Some(manifest), ..Facts::default() };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let whole = fingerprint(&one, &m);
        let by_dex = pool.install(|| fingerprint(&split, &m));
        assert!(whole.sdks.len() >= 10, "the classes match many SDKs: {}", whole.sdks.len());
        assert!(whole.sdks.iter().any(|s| s.class_count > MAX_EVIDENCE_PER_KIND));
        assert_eq!(by_dex, whole);
        // And both are what each class matched on its own says.
        let own = |c: &str| c.starts_with("org.example.app.");
        for (i, sdk) in m.set.sdks.iter().enumerate() {
            let hits: Vec<(&String, bool)> = classes
                .iter()
                .filter_map(|c| m.match_class(c).filter(|h| h.sdk == i && !(h.broad && own(c))).map(|h| (c, h.broad)))
                .collect();
            let got = whole.sdks.iter().find(|d| d.id == sdk.id);
            assert_eq!(got.map_or(0, |d| d.class_count), hits.len(), "{}", sdk.id);
            let Some(got) = got else { continue };
            assert_eq!(got.broad_prefix_only, hits.iter().all(|h| h.1), "{}", sdk.id);
            let first: Vec<&str> = hits.iter().take(MAX_EVIDENCE_PER_KIND).map(|h| h.0.as_str()).collect();
            let shown: Vec<&str> = got.evidence.iter().map(|e| e.value.as_str()).collect();
            assert_eq!(shown, first, "{}", sdk.id);
        }
    }

    #[test]
    fn certificate_countries_are_normalised() {
        assert_eq!(normalise_country("cn").as_deref(), Some("CN"));
        assert_eq!(normalise_country("China").as_deref(), Some("CN"));
        assert_eq!(normalise_country("86").as_deref(), Some("CN"));
        assert_eq!(normalise_country("Unknown"), None);
        assert_eq!(normalise_country("USA"), None);
    }

    fn facts_signed_by(subject: &str) -> Facts {
        Facts { signers: vec![Signer { subject: subject.to_string(), ..Signer::default() }], ..Facts::default() }
    }

    fn empty_matchers() -> Matchers {
        let set = crate::signatures::SignatureSet {
            sdks: vec![],
            clouds: vec![],
            publishers: vec![],
            policies: vec![],
            info: Default::default(),
        };
        Matchers::compile(set).expect("an empty set compiles")
    }

    fn ios_sdk(id: &str, ios: crate::signatures::IosMarkers) -> crate::signatures::Sdk {
        crate::signatures::Sdk {
            id: id.into(),
            name: id.into(),
            vendor: "V".into(),
            country: "XX".into(),
            parent_company: None,
            category: "push".into(),
            prc_linked: false,
            tags: vec![],
            collects_data: true,
            phone_maker_service: false,
            website: None,
            confidence: "high".into(),
            markers: crate::signatures::Markers::default(),
            ios: Some(ios),
            low_confidence_markers: vec![],
            references: vec![crate::signatures::Reference {
                reference: "test".to_string(),
                paths: vec![],
                supports: vec![],
            }],
            notes: None,
        }
    }

    fn ios_matchers() -> Matchers {
        let v = |xs: &[&str]| xs.iter().map(|&x| x.into()).collect::<Vec<_>>();
        let push = crate::signatures::IosMarkers {
            frameworks: v(&["PushKitX"]),
            bundle_id_prefixes: v(&["com.vendor.push"]),
            objc_class_prefixes: v(&["VPush", "VPushExtension"]),
        };
        let crash = crate::signatures::IosMarkers {
            frameworks: v(&["CrashX.framework"]),
            bundle_id_prefixes: vec![],
            objc_class_prefixes: v(&["CrashX"]),
        };
        let set = crate::signatures::SignatureSet {
            sdks: vec![ios_sdk("push", push), ios_sdk("crash", crash)],
            clouds: vec![],
            publishers: vec![],
            policies: vec![],
            info: Default::default(),
        };
        Matchers::compile(set).expect("compiles")
    }

    #[test]
    fn ios_markers_match_frameworks_classes_and_bundle_ids() {
        use crate::extract::facts::{IosFacts, Member};
        let m = ios_matchers();
        assert_eq!(m.objc_class("VPushService").map(|(_, p)| p), Some("VPush"));
        assert_eq!(m.objc_class("VPushExtensionSession").map(|(_, p)| p), Some("VPushExtension"), "longest wins");
        assert_eq!(m.objc_class("VPus"), None);
        assert_eq!(m.objc_class("NSObject"), None);
        assert_eq!(m.objc_class("XVPush"), None, "prefix at the start only");
        assert!(m.ios_framework("CrashX.framework").is_some() && m.ios_framework("CrashX").is_some());
        assert!(m.ios_framework("CrashXY.framework").is_none());
        assert!(m.bundle_id("com.vendor.push").is_some() && m.bundle_id("com.vendor.push.ext").is_some());
        assert!(m.bundle_id("com.vendor.pushy").is_none());

        let facts = Facts {
            dex: vec![DexFacts {
                file: "libv.a".into(),
                classes: ["NSObject", "VPushService", "com.x.VPush"].into_iter().collect(),
                ..DexFacts::default()
            }],
            ios: Some(IosFacts {
                app_dir: "Payload/A.app/".into(),
                frameworks: vec!["CrashX.framework".into(), "libswiftCore.dylib".into()],
                ..IosFacts::default()
            }),
            members: vec![Member {
                name: "Payload/A.app/PlugIns/N.appex/".into(),
                kind: "appex".into(),
                package: Some("com.vendor.push.service".into()),
                ..Member::default()
            }],
            ..Facts::default()
        };
        let d = fingerprint(&facts, &m);
        let push = d.sdks.iter().find(|s| s.id == "push").expect("push detected");
        assert_eq!(push.class_count, 1, "the dotted Java name is not an Objective-C class");
        let kinds: Vec<&str> = push.evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["objc-class", "bundle-id"]);
        assert_eq!((push.confidence.as_str(), push.evidence_kinds.clone()), ("medium", vec!["code".to_string()]));
        let crash = d.sdks.iter().find(|s| s.id == "crash").expect("crash detected");
        assert_eq!(crash.evidence[0].kind, "framework");
        assert_eq!(crash.evidence[0].file, "Payload/A.app/Frameworks/CrashX.framework");
    }

    #[test]
    fn ios_markers_are_validated() {
        let v = |xs: &[&str]| xs.iter().map(|&x| x.into()).collect::<Vec<_>>();
        let bad = crate::signatures::IosMarkers {
            frameworks: v(&["A", "A.framework", "B/C"]),
            bundle_id_prefixes: v(&["com..x"]),
            objc_class_prefixes: v(&["UM", "Ok_1", "Ok_1", ""]),
        };
        let other = crate::signatures::IosMarkers {
            frameworks: v(&["A"]),
            bundle_id_prefixes: vec![],
            objc_class_prefixes: vec![],
        };
        let empty = crate::signatures::IosMarkers::default();
        let set = crate::signatures::SignatureSet {
            sdks: vec![ios_sdk("bad", bad), ios_sdk("other", other), ios_sdk("empty", empty)],
            clouds: vec![],
            publishers: vec![],
            policies: vec![],
            info: Default::default(),
        };
        let p = set.validate().join("\n");
        for want in [
            "bad: duplicate ios.frameworks marker \"A.framework\"",
            "bad: malformed ios.frameworks marker \"B/C\"",
            "bad: malformed ios.bundle_id_prefixes marker \"com..x\"",
            "bad: malformed ios.objc_class_prefixes marker \"UM\"",
            "bad: duplicate ios.objc_class_prefixes marker \"Ok_1\"",
            "bad: empty ios.objc_class_prefixes marker",
            "other: ios.frameworks marker \"A\" also claimed by bad",
            "empty: empty ios markers",
        ] {
            assert!(p.contains(want), "missing {want:?} in\n{p}");
        }
    }

    #[test]
    fn certificate_subject_names_the_publisher_unless_it_is_a_placeholder() {
        let m = empty_matchers();
        let p = publisher(&facts_signed_by("CN=Li Lei, O=Example Soft, L=Hangzhou, C=china"), &m).expect("named");
        assert_eq!((p.name.as_str(), p.country.as_deref(), p.id.as_deref()), ("Example Soft", Some("CN"), None));
        assert!(publisher(&facts_signed_by(ANDROID_DEBUG_SUBJECT), &m).is_none());
        assert!(publisher(&facts_signed_by("CN=Unknown, OU=Unknown, O=Unknown, C=Unknown"), &m).is_none());
        let p = publisher(&facts_signed_by("CN=Jane Roe, O=Unknown, C=Unknown"), &m).expect("CN names her");
        assert_eq!((p.name.as_str(), p.country), ("Jane Roe", None));
    }
}

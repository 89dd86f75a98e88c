//! The generated container samples in `corpus/containers/` (written by
//! `cargo run --example gen_containers -- corpus/containers/`): each report
//! must carry the facts of its `<file>.expected.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cleanscan::report::AppReport;
use cleanscan::scan::{scan_file, Options};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/containers")
}

fn opts() -> Options {
    let set = cleanscan::signatures::load_builtin(&[]).expect("database");
    let m = cleanscan::signatures::compile::Matchers::compile(set).expect("compiled");
    Options { threads: 1, matchers: Some(Arc::new(m)), ..Options::default() }
}

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

fn samples() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir()).expect("corpus/containers exists") {
        let p = e.expect("entry").path();
        if p.to_string_lossy().ends_with(".expected.json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
            out.push((dir().join(v["file"].as_str().expect("file")), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(out.len(), 6, "one sample per container kind");
    out
}

#[test]
fn every_container_sample_reports_its_expected_facts() {
    let opts = opts();
    for (path, exp) in samples() {
        let r: AppReport = scan_file(&path, &opts);
        let name = path.display().to_string();
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        assert_eq!(r.kind, exp["kind"].as_str().unwrap_or_default(), "{name}");
        assert_eq!(r.app.id.as_deref(), exp["package"].as_str(), "{name}: id");
        assert_eq!(r.app.version_code, exp["version_code"].as_u64(), "{name}: version_code");
        assert_eq!(r.app.version_name.as_deref(), exp["version_name"].as_str(), "{name}: version_name");
        if let Some(p) = exp["platform"].as_str() {
            assert_eq!(r.app.platform.as_deref(), Some(p), "{name}");
        }
        assert_eq!(r.permissions.iter().cloned().collect::<BTreeSet<_>>(), strs(&exp["permissions"]), "{name}");
        assert_eq!(
            r.components.activities.iter().cloned().collect::<BTreeSet<_>>(),
            strs(&exp["activities"]),
            "{name}: activities"
        );
        let members: Vec<(String, String, Option<String>)> =
            r.members.iter().map(|m| (m.name.clone(), m.kind.clone(), m.split.clone())).collect();
        let want: Vec<(String, String, Option<String>)> = exp["members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m[0].as_str().unwrap_or_default().to_string(),
                    m[1].as_str().unwrap_or_default().to_string(),
                    m[2].as_str().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(members, want, "{name}: members");
        let dex: BTreeSet<String> = r.dex.iter().map(|d| d.file.clone()).collect();
        assert_eq!(dex, strs(&exp["dex_files"]), "{name}: code files (evidence names the member)");
        if let Some(n) = exp["classes"].as_u64() {
            assert_eq!(u64::from(r.dex.iter().map(|d| d.classes).sum::<u32>()), n, "{name}: classes");
        }
        let libs: BTreeSet<String> = r.native_libs.iter().map(|l| l.path.clone()).collect();
        assert_eq!(libs, strs(&exp["native_libs"]), "{name}: native libs");
        let hosts: BTreeSet<String> = r.endpoints.iter().map(|e| e.host.clone()).collect();
        for h in strs(&exp["hosts"]) {
            assert!(hosts.contains(&h), "{name}: host {h} missing from {hosts:?}");
        }
        let sdks: BTreeSet<String> = r.sdks.iter().map(|s| s.id.clone()).collect();
        for s in strs(&exp["sdks"]) {
            assert!(sdks.contains(&s), "{name}: SDK {s} missing from {sdks:?}");
        }
        let anomalies: BTreeSet<String> = r.anomalies.iter().map(|a| a.id.clone()).collect();
        assert_eq!(anomalies, strs(&exp["anomalies"]), "{name}: anomalies");
        if let Some(subj) = exp["signer_subject"].as_str() {
            assert_eq!(r.signers.first().map(|s| s.subject.as_str()), Some(subj), "{name}: base signer");
            assert!(r.members.iter().filter(|m| m.kind != "obb").all(|m| !m.signers.is_empty()), "{name}");
        }
        if let Some(v) = exp["bundletool_version"].as_str() {
            assert_eq!(r.bundle.as_ref().and_then(|b| b.bundletool_version.as_deref()), Some(v), "{name}");
        }
        if exp["kind"] == "ipa" {
            let ios = r.ios.as_ref().expect("ios facts");
            assert_eq!(ios.executable.as_deref(), exp["executable"].as_str(), "{name}");
            assert_eq!(ios.team_id.as_deref(), exp["team_id"].as_str(), "{name}");
            assert_eq!(ios.minimum_os.as_deref(), exp["minimum_os"].as_str(), "{name}");
            assert_eq!(ios.frameworks.iter().cloned().collect::<BTreeSet<_>>(), strs(&exp["frameworks"]));
            assert_eq!(ios.url_schemes.iter().cloned().collect::<BTreeSet<_>>(), strs(&exp["url_schemes"]));
            assert_eq!(ios.binaries[0].dylibs.iter().cloned().collect::<BTreeSet<_>>(), strs(&exp["dylibs"]));
            assert!(!ios.binaries[0].encrypted);
            assert_eq!(ios.binaries[0].identifier.as_deref(), exp["package"].as_str());
            assert!(ios.binaries[0].entitlements.iter().any(|e| e == "aps-environment"));
            let tracking: BTreeSet<String> =
                ios.privacy_manifests.iter().flat_map(|p| p.tracking_domains.iter().cloned()).collect();
            assert_eq!(tracking, strs(&exp["tracking_domains"]));
            assert_eq!(ios.provision.as_ref().map(|p| p.devices as u64), exp["provision_devices"].as_u64());
            assert_eq!(ios.usage_descriptions[0].key, "NSCameraUsageDescription");
            assert_eq!(ios.ats.as_ref().and_then(|a| a.allows_arbitrary_loads), Some(true));
        }
        // Detections resting on a given kind of evidence: [sdk, evidence kind, value, confidence].
        for want in exp["sdk_evidence"].as_array().into_iter().flatten() {
            let id = want[0].as_str().unwrap_or_default();
            let d = r.sdks.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("{name}: {id} not detected"));
            assert!(
                d.evidence
                    .iter()
                    .any(|e| Some(e.kind.as_str()) == want[1].as_str() && Some(e.value.as_str()) == want[2].as_str()),
                "{name}: {id} evidence {:?}",
                d.evidence
            );
            assert_eq!(Some(d.confidence.as_str()), want[3].as_str(), "{name}: {id} confidence");
        }
    }
}

#[test]
fn a_split_set_folder_is_one_app() {
    // Unpack the generated .apks members into a temporary folder and scan it with --split-set semantics.
    let data = std::fs::read(dir().join("split-set.apks")).expect("sample");
    let limits = cleanscan::container::Limits::default();
    let zdir = cleanscan::formats::zip::ZipDirectory::parse(&data, &limits.zip()).expect("zip");
    let tmp = std::env::temp_dir().join(format!("cleanscan-split-set-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mut buf = Vec::new();
    for e in zdir.entries.iter().filter(|e| e.name.starts_with("splits/")) {
        let (bytes, _) = zdir.read(&data, e, u64::MAX, &mut buf).expect("entry");
        std::fs::write(tmp.join(e.name.trim_start_matches("splits/")), bytes).expect("write");
    }
    let r = cleanscan::scan::scan_split_dir(&tmp, &opts());
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(r.kind, "split-set");
    assert_eq!(r.app.id.as_deref(), Some("com.example.splits"));
    assert_eq!(r.members.len(), 3);
    assert_eq!(r.members[0].name, "base-master.apk");
    assert!(r.dex.iter().any(|d| d.file == "pay-master.apk!/classes.dex"));
    assert!(r.sdks.iter().any(|s| s.id == "umeng-analytics"));
}

/// Every sample here and every APK of `corpus/`, streamed from its file
/// (`Limits::stream_min_bytes` 0), gives the report it gives read whole.
#[test]
fn streamed_packages_give_the_reports_of_packages_read_whole() {
    let base = opts();
    let with = |stream_min_bytes: u64| Options {
        limits: cleanscan::container::Limits { stream_min_bytes, ..base.limits },
        ..base.clone()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<PathBuf> = samples().into_iter().map(|(p, _)| p).collect();
    for e in std::fs::read_dir(&root).expect("corpus/ exists") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "apk") {
            files.push(p);
        }
    }
    let mut streamed = 0usize;
    for p in &files {
        streamed += usize::from(cleanscan::scan::open_streamed(p, &with(0).limits).is_some());
        let a = serde_json::to_string_pretty(&scan_file(p, &with(0))).expect("json");
        let b = serde_json::to_string_pretty(&scan_file(p, &with(u64::MAX))).expect("json");
        assert!(a == b, "{}: streamed and read whole differ", p.display());
    }
    // All six container kinds and the APKs are plain zips: every one is streamed.
    assert_eq!(streamed, files.len(), "files streamed");
    assert!(files.len() > 20, "{} files", files.len());
}

//! Checks cleanscan against real apps nobody here wrote: `../shared/corpus/real`
//! and its `oracle.jsonl` (what aapt, androguard and apksigner say about each
//! APK). The folder sits beside the checkout in CI and on every developer's
//! machine; elsewhere these tests print a skip message naming it and pass.
//!
//! Run with `cargo test --release --test real_corpus -- --nocapture` to see
//! every disagreement listed.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cleanscan::input::Input;
use cleanscan::report::AppReport;
use cleanscan::scan::{scan_batch, Options};
use serde_json::Value;

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if dir.join("oracle.jsonl").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIP: ../shared/corpus/real (with oracle.jsonl) is missing beside the checkout; real-corpus checks not run");
        None
    }
}

struct Scanned {
    dir: PathBuf,
    /// Reports by path relative to the corpus folder.
    reports: HashMap<String, AppReport>,
    oracle: Vec<Value>,
    files: usize,
}

/// Scans the whole corpus once (every file, APK or not) with 2 workers.
fn scanned() -> Option<&'static Scanned> {
    static CELL: OnceLock<Option<Scanned>> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = corpus_dir()?;
        let mut empty = std::io::Cursor::new(Vec::new());
        let inputs: Vec<Input> = cleanscan::input::expand(&[dir.clone()], &mut empty);
        let opts = Options { threads: 2, ..Options::default() };
        let mut reports = HashMap::new();
        let prefix = format!("{}/", dir.display());
        let n = scan_batch(&inputs, &opts, |_, r: AppReport| -> Result<(), ()> {
            let rel = r.path.strip_prefix(&prefix).unwrap_or(&r.path).to_string();
            reports.insert(rel, r);
            Ok(())
        })
        .ok()?;
        let oracle = std::fs::read_to_string(dir.join("oracle.jsonl"))
            .ok()?
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        Some(Scanned { dir, reports, oracle, files: n })
    })
    .as_ref()
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn set(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(s).collect()).unwrap_or_default()
}

fn pct(ok: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        ok as f64 * 100.0 / total as f64
    }
}

#[test]
fn every_file_gives_a_report_or_an_error_record_and_nothing_panics() {
    let Some(sc) = scanned() else { return };
    let on_disk = walk_count(&sc.dir);
    assert_eq!(sc.files, on_disk, "one report per file");
    assert_eq!(sc.reports.len(), on_disk);
    let mut internal = Vec::new();
    for (path, r) in &sc.reports {
        assert_eq!(r.sha256.len(), 64, "{path}: sha256 filled");
        assert!(!r.kind.is_empty(), "{path}: kind filled");
        if r.errors.iter().any(|e| e.stage == "internal") {
            internal.push(path.clone());
        }
        if r.kind == "apk" && r.app.id.is_none() {
            assert!(!r.errors.is_empty(), "{path}: an APK without a package must carry an error record");
        }
    }
    assert!(internal.is_empty(), "panics (internal errors) on: {internal:?}");
    let kinds: BTreeSet<_> = sc.reports.values().map(|r| r.kind.clone()).collect();
    eprintln!("{} files scanned; kinds: {kinds:?}", sc.files);
}

fn walk_count(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += walk_count(&p);
        } else {
            n += 1;
        }
    }
    n
}

#[test]
fn manifest_facts_agree_with_aapt() {
    let Some(sc) = scanned() else { return };
    let mut total = 0;
    let mut ok = 0;
    let mut perm_total = 0;
    let mut perm_ok = 0;
    let mut diffs = Vec::new();
    for o in &sc.oracle {
        let path = o["path"].as_str().unwrap_or_default();
        let aapt = &o["aapt"];
        if aapt["rc"].as_i64() != Some(0) || aapt["package"].is_null() {
            continue;
        }
        let Some(r) = sc.reports.get(path) else {
            diffs.push(format!("{path}: no report"));
            total += 1;
            continue;
        };
        total += 1;
        let a = &r.app;
        // aapt prints the 32-bit versionCode and ignores versionCodeMajor;
        // the report carries Android's long version code
        // (PackageInfo.getLongVersionCode: major << 32 | code), so compare the
        // low 32 bits.
        let ours = [
            a.id.clone(),
            a.version_code.map(|v| (v & 0xffff_ffff).to_string()),
            a.version_name.clone(),
            a.min_sdk.map(|v| v.to_string()),
            a.target_sdk.map(|v| v.to_string()),
        ];
        // aapt prints targetSdkVersion only when the manifest has one (and
        // then minSdk's value when only minSdk is set is not implied).
        // aapt prints versionCode='' and versionName='' when the attribute is absent.
        let s = |v: &Value| s(v).filter(|x| !x.is_empty());
        let theirs = [
            s(&aapt["package"]),
            s(&aapt["versionCode"]),
            s(&aapt["versionName"]),
            s(&aapt["sdkVersion"]),
            s(&aapt["targetSdkVersion"]),
        ];
        if ours == theirs {
            ok += 1;
        } else {
            diffs.push(format!("{path}: ours {ours:?} aapt {theirs:?}"));
        }
        perm_total += 1;
        // The oracle's `declared_permissions` is every uses-permission and
        // uses-permission-sdk-23 line aapt prints, minus the implied ones
        // (shared/tools/oracle.py): the permissions the manifest requests.
        let declared: BTreeSet<String> = r.permissions.iter().cloned().collect();
        let theirs = set(&aapt["declared_permissions"]);
        if declared == theirs {
            perm_ok += 1;
        } else {
            diffs.push(format!("{path}: declared permissions ours {declared:?} aapt {theirs:?}"));
        }
    }
    eprintln!(
        "aapt agreement: identity/version/sdk {ok}/{total} ({:.2}%), declared permissions {perm_ok}/{perm_total} ({:.2}%)",
        pct(ok, total),
        pct(perm_ok, perm_total)
    );
    for d in &diffs {
        eprintln!("  {d}");
    }
    assert!(total > 400, "the oracle lists {total} aapt-parsed APKs");
    assert!(pct(ok, total) >= 99.0, "identity agreement {ok}/{total}");
    assert!(pct(perm_ok, perm_total) >= 99.0, "declared permission agreement {perm_ok}/{perm_total}");
}

#[test]
fn components_agree_with_androguard() {
    let Some(sc) = scanned() else { return };
    let mut total = 0;
    let mut ok = 0;
    let mut diffs = Vec::new();
    for o in &sc.oracle {
        let path = o["path"].as_str().unwrap_or_default();
        let ag = &o["androguard"];
        if ag.get("fatal").is_some_and(|f| !f.is_null()) || ag["package"].is_null() {
            continue;
        }
        total += 1;
        let Some(r) = sc.reports.get(path) else {
            diffs.push(format!("{path}: no report"));
            continue;
        };
        let c = &r.components;
        let pairs = [
            ("activities", &c.activities),
            ("services", &c.services),
            ("receivers", &c.receivers),
            ("providers", &c.providers),
        ];
        let mut same = true;
        for (key, ours) in pairs {
            let ours: BTreeSet<String> = ours.iter().cloned().collect();
            let theirs = set(&ag[key]);
            if ours != theirs {
                same = false;
                diffs.push(format!(
                    "{path}: {key} only ours {:?} only androguard {:?}",
                    ours.difference(&theirs).collect::<Vec<_>>(),
                    theirs.difference(&ours).collect::<Vec<_>>()
                ));
            }
        }
        if same {
            ok += 1;
        }
    }
    eprintln!("androguard component agreement: {ok}/{total} ({:.2}%)", pct(ok, total));
    for d in &diffs {
        eprintln!("  {d}");
    }
    assert!(total > 400, "the oracle lists {total} androguard-parsed APKs");
    assert!(pct(ok, total) >= 99.0, "component agreement {ok}/{total}");
}

#[test]
fn apksigner_signer_digests_are_among_ours() {
    let Some(sc) = scanned() else { return };
    let mut total = 0;
    let mut ok = 0;
    let mut misses = Vec::new();
    for o in &sc.oracle {
        let path = o["path"].as_str().unwrap_or_default();
        let sig = &o["apksigner"];
        if sig["verified"].as_bool() != Some(true) {
            continue;
        }
        total += 1;
        let theirs = set(&sig["cert_sha256"]);
        let ours: BTreeSet<String> =
            sc.reports.get(path).map(|r| r.signers.iter().map(|s| s.cert_sha256.clone()).collect()).unwrap_or_default();
        if !theirs.is_empty() && theirs.is_subset(&ours) {
            ok += 1;
        } else {
            misses.push(format!("{path}: apksigner {theirs:?} ours {ours:?}"));
        }
    }
    eprintln!("apksigner signer digests found: {ok}/{total}");
    for m in &misses {
        eprintln!("  {m}");
    }
    assert!(total > 250, "the oracle lists {total} verified APKs");
    assert_eq!(ok, total, "every apksigner-verified APK's signer digests are reported");
}

/// The tampered and malformed samples (apkInspector, fdroidserver, androguard;
/// plus the apksig truncated central directories): no crash; the package is
/// decoded wherever aapt or androguard decodes it and agrees; each known trick
/// is reported with its anomaly id.
#[test]
fn tampered_samples_decode_like_android_and_report_the_tampering() {
    let Some(sc) = scanned() else { return };
    // (sample, an anomaly id that must be reported)
    let tricks: &[(&str, &str)] = &[
        ("apkinspector/minimal_SIZE_ExtraField.apk", "zip-central-directory-junk"),
        ("apkinspector/minimal_def_mod.apk", "zip-unknown-compression-method"),
        ("apkinspector/minimal_def_mod.apk", "axml-bad-top-chunk-type"),
        ("apkinspector/minimal_zero_sized_end_ns.apk", "axml-zero-size-end-namespace"),
        ("apkinspector/truncated-cd.apk", "zip-central-directory-unreadable"),
        ("apksig/v2-only-truncated-cd.apk", "zip-central-directory-unreadable"),
        ("apksig/v1v2v3-with-rsa-2048-lineage-3-signers-invalid-zip.apk", "zip-central-directory-unreadable"),
        ("fdroidserver/janus.apk", "zip-prefixed-data"),
        ("fdroidserver/issue-1128-poc1.apk", "signer-v1-v2-mismatch"),
        ("fdroidserver/issue-1128-poc2.apk", "sigblock-duplicate-id"),
        ("fdroidserver/issue-1128-poc3a.apk", "v1-unused-certificate"),
        ("fdroidserver/issue-1128-poc3b.apk", "v1-unused-certificate"),
        ("fdroidserver/issue-1128-min-sdk-30-poc.apk", "sigblock-duplicate-id"),
    ];
    let mut problems = Vec::new();
    for (path, id) in tricks {
        let Some(r) = sc.reports.get(*path) else {
            problems.push(format!("{path}: not scanned"));
            continue;
        };
        if !r.anomalies.iter().any(|a| a.id == *id) {
            let got: BTreeSet<_> = r.anomalies.iter().map(|a| a.id.as_str()).collect();
            problems.push(format!("{path}: {id} not reported (got {got:?})"));
        }
    }
    // The truncated central directories: Android refuses them, and says so.
    for path in ["apkinspector/truncated-cd.apk", "apksig/v2-only-truncated-cd.apk"] {
        if let Some(r) = sc.reports.get(path) {
            if !r.errors.iter().any(|e| e.stage == "container" && e.message.contains("refuses")) {
                problems.push(format!("{path}: the refusal is not visible as a container error record"));
            }
        }
    }
    let mut checked = 0;
    for o in &sc.oracle {
        let path = o["path"].as_str().unwrap_or_default();
        if !(path.starts_with("apkinspector/")
            || path.starts_with("fdroidserver/")
            || path.starts_with("androguard/")
            || path.contains("truncated-cd")
            || path.contains("invalid-zip"))
        {
            continue;
        }
        let Some(r) = sc.reports.get(path) else { continue };
        if r.errors.iter().any(|e| e.stage == "internal") {
            problems.push(format!("{path}: panic {:?}", r.errors));
        }
        let aapt = o["aapt"]["package"].as_str().filter(|p| !p.is_empty());
        let ag = o["androguard"]["package"].as_str().filter(|p| !p.is_empty());
        let Some(want) = aapt.or(ag) else { continue };
        checked += 1;
        if r.app.id.as_deref() != Some(want) {
            problems.push(format!("{path}: package {:?}, aapt/androguard say {want:?} ({:?})", r.app.id, r.errors));
        }
    }
    // Raw malformed AXML files (androguard tests): decoded without a panic.
    let axml_dir = sc.dir.join("androguard/AXML");
    let mut raw = 0;
    for e in std::fs::read_dir(&axml_dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "xml") {
            let data = std::fs::read(&p).unwrap_or_default();
            let limits = cleanscan::container::Limits::default();
            let decoded = std::panic::catch_unwind(|| cleanscan::decode_manifest_xml(&data, &limits));
            match decoded {
                Err(_) => problems.push(format!("{}: panic", p.display())),
                Ok(Ok(_)) => raw += 1,
                Ok(Err(e)) => eprintln!("{}: not decoded: {e}", p.display()),
            }
        }
    }
    eprintln!("tampered/malformed: {checked} APKs with an oracle package checked, {raw} raw AXML decoded");
    assert!(checked >= 60, "only {checked} samples checked");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

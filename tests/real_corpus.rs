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

/// Fixtures where the oracle's apksigner (31.0.2, before v3.1) and AOSP
/// apksig's own `ApkVerifierTest.java` disagree; the test decides. The
/// oracle's verdict and the test's expectation, with the deciding test.
const APKSIG_TEST_OVERRIDES: &[(&str, bool, &str)] = &[
    // (path, expected verified, ApkVerifierTest line)
    ("apksig/v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk", true, "verify31_minSdkVersionTTargetSdk30_resultSuccessfullyVerified (line 1839-1842): a verified v3/v3.1 signature meets targetSdk 30's v2 minimum"),
    ("apksig/v31-block-stripped-v3-attr-value-33.apk", false, "verifyV31_missingV31Block_errorReportedOnSupportedVersions (line 1760-1761): V31_BLOCK_MISSING"),
    ("apksig/v1-only-11-signers.apk", false, "testV1MoreThanMaxSupportedSignersRejected (line 281): JAR_SIG_MAX_SIGNATURES_EXCEEDED"),
    ("apksig/v31-tgt-34-v3-attr-value-33.apk", false, "verifyV31_strippingAttrMismatch_errorReportedOnSupportedVersions (line 1746-1747): V31_ROTATION_MIN_SDK_MISMATCH"),
];

/// The overall verdict (verified or not) equals apksigner's on at least 99%
/// of the APKs; every disagreement is listed with both sides' reasons.
#[test]
fn signature_verdict_agrees_with_apksigner() {
    let Some(sc) = scanned() else { return };
    let (mut total, mut ok, mut overridden) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for o in &sc.oracle {
        let path = o["path"].as_str().unwrap_or_default();
        let sig = &o["apksigner"];
        let Some(theirs) = sig["verified"].as_bool() else { continue };
        let (expected, why) = match APKSIG_TEST_OVERRIDES.iter().find(|(p, _, _)| *p == path) {
            Some((_, e, why)) => {
                overridden += 1;
                (*e, format!("ApkVerifierTest {why} (oracle said {theirs})"))
            }
            None => (theirs, String::new()),
        };
        total += 1;
        let report = sc.reports.get(path);
        let verdict = report.and_then(|r| r.signature_verification.as_ref());
        let ours = verdict.is_some_and(|v| v.verified);
        if ours == expected {
            ok += 1;
        } else {
            let mut their_errors: Vec<String> =
                sig["errors"].as_array().map(|a| a.iter().filter_map(s).take(2).collect()).unwrap_or_default();
            if their_errors.is_empty() {
                // apksigner stopped with an exception (its own manifest or zip parsing failed).
                let raw = sig["raw"].as_str().unwrap_or_default().replace("\n--stderr--\n", "");
                their_errors.push(
                    raw.lines()
                        .find(|l| !l.trim().is_empty() && !l.contains("--stderr--"))
                        .unwrap_or("")
                        .chars()
                        .take(200)
                        .collect(),
                );
            }
            let our_errors: Vec<String> =
                verdict.map(|v| v.errors.iter().take(2).cloned().collect()).unwrap_or_default();
            misses.push(format!(
                "{path}: expected {expected} {why}, ours {ours}\n      apksigner: {their_errors:?}\n      ours: {our_errors:?}"
            ));
        }
    }
    eprintln!("signature verdict agrees with apksigner: {ok}/{total} ({overridden} decided by ApkVerifierTest)");
    for m in &misses {
        eprintln!("  {m}");
    }
    assert!(total > 400, "the oracle lists {total} apksigner verdicts");
    assert!(pct(ok, total) >= 99.0, "signature verdict agreement {ok}/{total}");
}

/// Per-signer `verified` is set from real checks: never true on an APK whose
/// verdict is false for that signer's schemes, and None only when no scheme
/// was checked.
#[test]
fn signer_verified_follows_scheme_checks() {
    let Some(sc) = scanned() else { return };
    let mut checked = 0;
    for r in sc.reports.values() {
        for s in &r.signers {
            match s.verified {
                None => assert!(s.verification.is_empty(), "{}: verified None with checks", r.path),
                Some(v) => {
                    checked += 1;
                    assert_eq!(v, s.verification.iter().all(|x| x.verified), "{}", r.path);
                    for x in &s.verification {
                        assert_eq!(x.verified, x.reason.is_none(), "{}: reason iff not verified", r.path);
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked} signers verified or rejected");
}

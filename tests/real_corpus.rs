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
        let inputs: Vec<Input> = cleanscan::input::expand(std::slice::from_ref(&dir), &mut empty);
        let set = cleanscan::signatures::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures"), &[]).ok()?;
        let matchers = cleanscan::signatures::compile::Matchers::compile(set).ok()?;
        let opts = Options { threads: 2, matchers: Some(std::sync::Arc::new(matchers)), ..Options::default() };
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

#[test]
fn verification_started_before_the_resource_table_gives_the_same_reports() {
    let Some(sc) = scanned() else { return };
    // Every APK with a table takes the early path (threshold 0) on a pool of
    // two threads, against none (u64::MAX); everything else in the report,
    // the signature verdicts included, must be the same.
    let mut apks: Vec<PathBuf> = sc
        .reports
        .keys()
        .map(|k| sc.dir.join(k))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "apk"))
        .collect();
    apks.sort();
    let base = judged_opts();
    let with = |bytes: u64| Options {
        limits: cleanscan::container::Limits { verify_before_table_bytes: bytes, ..base.limits },
        ..base.clone()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let mut failures = Vec::new();
    let mut with_table = 0usize;
    pool.install(|| {
        for p in &apks {
            let early = scan_one(p, &with(0));
            let late = scan_one(p, &with(u64::MAX));
            with_table += usize::from(early.app.label.is_some());
            let (a, b) = (
                serde_json::to_string_pretty(&early).unwrap_or_default(),
                serde_json::to_string_pretty(&late).unwrap_or_default(),
            );
            if a != b {
                let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
                failures.push(format!("{}: line {at}: {:?} / {:?}", p.display(), a.lines().nth(at), b.lines().nth(at)));
            }
        }
    });
    println!("{} APKs, {with_table} with a label", apks.len());
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
    assert!(with_table * 2 > apks.len(), "only {with_table} of {} APKs have a label", apks.len());
}

// ---------------------------------------------------------------------------
// Containers (issue 7): split sets, App Bundles, IPAs, SDK archives.

fn judged_opts() -> Options {
    let set = cleanscan::signatures::load_builtin(&[]).expect("signature database");
    let m = cleanscan::signatures::compile::Matchers::compile(set).expect("compiled database");
    Options { threads: 1, matchers: Some(std::sync::Arc::new(m)), ..Options::default() }
}

fn scan_one(path: &Path, opts: &Options) -> AppReport {
    cleanscan::scan::scan_file(path, opts)
}

fn hosts(r: &AppReport) -> BTreeSet<String> {
    r.endpoints.iter().map(|e| e.host.clone()).collect()
}

fn sdk_ids(r: &AppReport) -> BTreeSet<String> {
    r.sdks.iter().map(|s| s.id.clone()).collect()
}

fn status(r: &AppReport, policy: &str) -> String {
    r.verdicts.iter().find(|v| v.policy == policy).map(|v| v.status.clone()).unwrap_or_else(|| "-".into())
}

fn rules(r: &AppReport, policy: &str) -> BTreeSet<String> {
    r.verdicts.iter().filter(|v| v.policy == policy).flat_map(|v| v.findings.iter().map(|f| f.rule.clone())).collect()
}

fn join<'a>(it: impl IntoIterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.into_iter().map(String::as_str).collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

/// The expectations on real apps, and the per-folder table of
/// detections and verdicts (`--nocapture` prints it).
#[test]
fn sdk_detections_and_verdicts_per_folder() {
    let Some(sc) = scanned() else { return };
    let mut apks: Vec<(&String, &AppReport)> = sc.reports.iter().filter(|(_, r)| r.kind == "apk").collect();
    apks.sort_by(|a, b| a.0.cmp(b.0));
    let folder = |p: &str| p.split('/').next().unwrap_or_default().to_string();

    // Per folder: APKs, SDK ids (with the number of APKs showing each), verdict counts.
    let mut table = String::from(
        "| folder | APKs | SDKs detected (APKs) | PRC SDKs | Clean Store pass/warn/fail | Clean Apps pass/warn/fail |\n\
         |---|---|---|---|---|---|\n",
    );
    let folders: BTreeSet<String> = apks.iter().map(|(p, _)| folder(p)).collect();
    for f in &folders {
        let in_f: Vec<&AppReport> = apks.iter().filter(|(p, _)| folder(p) == *f).map(|(_, r)| *r).collect();
        let mut sdks: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        let mut prc = BTreeSet::new();
        for r in &in_f {
            for s in &r.sdks {
                *sdks.entry(s.id.clone()).or_default() += 1;
                if s.prc_linked {
                    prc.insert(s.id.clone());
                }
            }
        }
        let counts = |policy: &str| {
            let n = |st: &str| in_f.iter().filter(|r| status(r, policy) == st).count();
            format!("{}/{}/{}", n("pass"), n("warn"), n("fail"))
        };
        let sdk_list: Vec<String> = sdks.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        table.push_str(&format!(
            "| {f} | {} | {} | {} | {} | {} |\n",
            in_f.len(),
            join(&sdk_list),
            join(&prc),
            counts("clean-store"),
            counts("clean-apps")
        ));
    }
    // Per app for the folders the issue names (all but the signature fixtures).
    table.push_str("\n| app | SDKs (confidence) | publisher | Clean Store | Clean Apps |\n|---|---|---|---|---|\n");
    for (p, r) in &apks {
        if matches!(folder(p).as_str(), "apksig" | "androguard" | "fdroidserver" | "apkinspector") {
            continue;
        }
        let sdks: Vec<String> = r.sdks.iter().map(|s| format!("{} ({})", s.id, s.confidence)).collect();
        let publisher = r
            .publisher
            .as_ref()
            .map(|p| {
                format!(
                    "{} [{}, {}]",
                    p.id.as_deref().unwrap_or(&p.name),
                    p.country.as_deref().unwrap_or("?"),
                    p.confidence
                )
            })
            .unwrap_or_else(|| "-".into());
        table.push_str(&format!(
            "| {p} | {} | {publisher} | {} {} | {} {} |\n",
            join(&sdks),
            status(r, "clean-store"),
            join(&rules(r, "clean-store")),
            status(r, "clean-apps"),
            join(&rules(r, "clean-apps")),
        ));
    }
    eprintln!("{table}");

    let get = |p: &str| sc.reports.get(p).unwrap_or_else(|| panic!("{p} scanned"));
    let in_folder = |f: &str| -> Vec<(&String, &AppReport)> {
        apks.iter().filter(|(p, _)| p.starts_with(&format!("{f}/"))).copied().collect()
    };

    // Tencent Bugly demos.
    let bugly = in_folder("bugly");
    assert_eq!(bugly.len(), 4);
    for (p, r) in &bugly {
        let s = r.sdks.iter().find(|s| s.id == "tencent-bugly");
        assert!(s.is_some_and(|s| s.confidence == "high"), "{p}: {:?}", sdk_ids(r));
        assert_eq!(status(r, "clean-store"), "fail", "{p}");
    }
    // JIGUANG: the HBuilder demo carries JPush 2.1.0 (cn.jpush.android classes,
    // libjpush210.so, manifest markers). JCore did not exist yet at 2.1.0 (no
    // cn.jiguang classes, no libjcore*.so), so no JCore evidence is expected.
    let hb = get("jiguang/jpush-hbuilder-HBuilder-Hello.apk");
    let jpush = hb.sdks.iter().find(|s| s.id == "jpush").expect("jpush detected");
    assert_eq!(jpush.confidence, "high");
    for kind in ["code", "native", "manifest"] {
        assert!(jpush.evidence_kinds.iter().any(|k| k == kind), "jpush {kind} evidence: {:?}", jpush.evidence_kinds);
    }
    assert!(rules(hb, "clean-store").contains("prc-sdk-collects-data"));
    // The JMLink demo is a shell app (cn.jiguang.jmlinkdemo + AndroidX): no
    // JIGUANG SDK classes, libraries, manifest keys or endpoints at all.
    let jm = get("jiguang/jmlink-demo-app-debug.apk");
    assert!(jm.dex.iter().map(|d| d.classes).sum::<u32>() > 1000, "the DEX was read");
    assert!(jm.sdks.is_empty(), "jmlink demo: {:?}", sdk_ids(jm));
    assert_eq!(status(jm, "clean-store"), "pass");
    // SoloPi: Ant Group's own app (com.alipay.hulu). Ant Group is the
    // publisher (package prefix com.alipay.); its own classes are not an
    // Alipay SDK.
    let solo = get("alipay/SoloPi.apk");
    let p = solo.publisher.as_ref().expect("publisher");
    assert_eq!(p.id.as_deref(), Some("ant-group"));
    assert_eq!(p.country.as_deref(), Some("CN"));
    assert!(!sdk_ids(solo).contains("alipay-sdk"), "{:?}", sdk_ids(solo));
    assert!(rules(solo, "clean-store").contains("prc-publisher"));
    // ARouter demos.
    let arouter = in_folder("arouter");
    assert_eq!(arouter.len(), 2);
    for (p, r) in &arouter {
        assert!(sdk_ids(r).contains("alibaba-arouter"), "{p}: {:?}", sdk_ids(r));
        assert!(!sdk_ids(r).contains("aliyun-oss"), "{p}: a deep-link host is not the OSS SDK");
        assert_eq!(r.publisher.as_ref().and_then(|p| p.id.as_deref()), Some("alibaba"), "{p}");
    }
    // VasDolly base APKs: the channel *reader* library (com.leon.channel, the
    // pre-rename VasDolly package) is there; no channel has been written yet,
    // so the signing block holds no 0x881155ff entry.
    let vas = in_folder("vasdolly");
    assert_eq!(vas.len(), 2);
    for (p, r) in &vas {
        assert!(sdk_ids(r).contains("tencent-vasdolly"), "{p}: {:?}", sdk_ids(r));
        let ids: Vec<&str> = r.signing_block.iter().flat_map(|b| b.entries.iter().map(|e| e.id.as_str())).collect();
        assert!(!ids.contains(&"0x881155ff"), "{p}: {ids:?}");
        assert!(rules(r, "clean-store").contains("prc-sdk-no-data"), "{p}");
    }
    // F-Droid sample apps, apksig fixtures, MobSF hello world: no PRC SDK.
    let mut clean = 0;
    for (p, r) in &apks {
        if p.starts_with("fdroidserver/") || p.starts_with("apksig/") || p.as_str() == "mobsf/helloworld.apk" {
            let prc: Vec<&str> = r.sdks.iter().filter(|s| s.prc_linked).map(|s| s.id.as_str()).collect();
            assert!(prc.is_empty(), "{p}: PRC SDKs {prc:?}");
            assert!(
                !rules(r, "clean-store").iter().any(|x| x.starts_with("prc-")),
                "{p}: {:?}",
                rules(r, "clean-store")
            );
            assert_eq!(status(r, "clean-apps"), "pass", "{p}");
            clean += 1;
        }
    }
    assert!(clean > 400, "{clean} F-Droid / apksig / MobSF APKs checked");
}

#[test]
fn split_set_bundle_and_extracted_splits_agree() {
    let Some(dir) = corpus_dir() else { return };
    let d = dir.join("splits-listall");
    let opts = judged_opts();
    let aab = scan_one(&d.join("app-release.aab"), &opts);
    let apks = scan_one(&d.join("app-release.apks"), &opts);
    let folder = cleanscan::scan::scan_split_dir(&d.join("apks-extracted"), &opts);
    assert_eq!((aab.kind.as_str(), apks.kind.as_str(), folder.kind.as_str()), ("aab", "apks", "split-set"));
    for r in [&aab, &apks, &folder] {
        assert!(r.errors.is_empty(), "{}: {:?}", r.path, r.errors);
        assert_eq!(r.app.id.as_deref(), Some("com.listall"), "{}", r.path);
        assert_eq!(r.app.version_code, Some(1), "{}", r.path);
        assert_eq!(r.app.version_name.as_deref(), Some("0.0.1"), "{}", r.path);
        assert_eq!(r.app.min_sdk, Some(24), "{}", r.path);
        assert_eq!(r.app.target_sdk, Some(33), "{}", r.path);
    }
    let perms = |r: &AppReport| r.permissions.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(perms(&aab), perms(&apks));
    assert_eq!(perms(&aab), perms(&folder));
    assert_eq!(sdk_ids(&aab), sdk_ids(&apks));
    assert_eq!(sdk_ids(&aab), sdk_ids(&folder));
    assert_eq!(hosts(&aab), hosts(&apks), "endpoints of the bundle and the APK set");
    assert_eq!(hosts(&aab), hosts(&folder), "endpoints of the bundle and the extracted splits");
    let classes = |r: &AppReport| r.dex.iter().map(|d| d.classes).sum::<u32>();
    assert_eq!(classes(&aab), classes(&apks));
    // Members: the APK set lists every split with its split name; evidence names the member.
    assert!(apks.members.len() > 50, "{} members", apks.members.len());
    assert_eq!(apks.members[0].name, "splits/base-master.apk");
    assert!(apks.members.iter().any(|m| m.split.as_deref() == Some("config.xhdpi")));
    assert!(apks.dex.iter().all(|d| d.file.starts_with("splits/base-master.apk!/")));
    assert!(aab.dex.iter().all(|d| d.file.starts_with("base/dex/")));
    assert_eq!(folder.members.len(), 3);
    assert_eq!(aab.bundle.as_ref().and_then(|b| b.bundletool_version.as_deref()), Some("1.11.4"));
    // The APKs resolve the label through resources.arsc, the bundle through resources.pb.
    assert_eq!(apks.app.label.as_deref(), Some("ListAll"));
    assert_eq!(aab.app.label, apks.app.label);
    assert_eq!(folder.app.label, apks.app.label);
    eprintln!(
        "splits-listall: {} permissions, {} hosts, sdks {:?}, {} classes; members apks {} folder {}",
        aab.permissions.len(),
        hosts(&aab).len(),
        sdk_ids(&aab),
        classes(&aab),
        apks.members.len(),
        folder.members.len()
    );
}

#[test]
fn bundletool_bundles_decode_their_protobuf_manifests() {
    let Some(dir) = corpus_dir() else { return };
    let opts = Options { threads: 1, ..Options::default() };
    let a = scan_one(&dir.join("bundletool/install-time-permanent-modules.aab"), &opts);
    assert_eq!(a.kind, "aab");
    assert_eq!(a.app.id.as_deref(), Some("com.google.android.samples.dynamicfeatures.ondemand"));
    assert_eq!((a.app.version_code, a.app.version_name.as_deref()), (Some(1), Some("1.0")));
    let modules: Vec<_> = a.members.iter().map(|m| (m.name.as_str(), m.kind.as_str())).collect();
    assert!(modules.contains(&("base/", "base")) && modules.contains(&("assets/", "asset-pack")), "{modules:?}");
    assert!(!a.signers.is_empty(), "the bundle's JAR signature");
    let w = scan_one(&dir.join("bundletool/watch-face-from-tool.aab"), &opts);
    assert_eq!(w.app.id.as_deref(), Some("com.watchfacestudio.testinstall"));
    assert_eq!(w.app.version_code, Some(10_000_001));
    assert_eq!(w.app.min_sdk, Some(30));
    assert_eq!(w.permissions.len(), 12, "{:?}", w.permissions);
    for r in [&a, &w] {
        assert!(r.errors.is_empty(), "{}: {:?}", r.path, r.errors);
    }
}

#[test]
fn ipas_give_bundle_id_version_executable_and_team() {
    let Some(dir) = corpus_dir() else { return };
    let opts = Options { threads: 1, ..Options::default() };
    for (file, id, exe, team) in [
        ("ipa/xinxi1990-iPARepo-iOSDemoNew.ipa", "com.Demo.iOSDemo.xinxi", "iOSDemo", "8BXDXWSN5T"),
        ("ipa/xinxi1990-iPARepo-test.ipa", "com.smallBei.shortcuts", "iOSDemo", "897SN97QDY"),
        ("mobsf/helloworld.ipa", "com.kthcorp.helloworld", "helloworld", "M8ZCXDJQW4"),
    ] {
        let r = scan_one(&dir.join(file), &opts);
        assert_eq!(r.kind, "ipa", "{file}");
        assert!(r.errors.is_empty(), "{file}: {:?}", r.errors);
        assert_eq!(r.app.platform.as_deref(), Some("ios"));
        assert_eq!(r.app.id.as_deref(), Some(id), "{file}");
        assert_eq!(r.app.version_name.as_deref(), Some("1.0"), "{file}");
        let ios = r.ios.as_ref().expect("ios facts");
        assert_eq!(ios.executable.as_deref(), Some(exe), "{file}");
        assert_eq!(ios.team_id.as_deref(), Some(team), "{file}");
        assert!(ios.frameworks.is_empty(), "{file}: these small apps embed no frameworks");
        let main = &ios.binaries[0];
        assert!(!main.archs.is_empty() && !main.encrypted, "{file}");
        assert!(main.dylibs.iter().any(|d| d.contains("UIKit")), "{file}: {:?}", main.dylibs);
        assert!(ios.provision.is_some(), "{file}: embedded.mobileprovision");
        eprintln!(
            "{file}: {id} {:?} team {team} archs {:?} signer {:?}",
            ios.short_version,
            main.archs,
            r.signers.first().map(|s| &s.subject)
        );
    }
}

#[test]
fn sdk_archives_are_identified_as_their_vendors() {
    let Some(dir) = corpus_dir() else { return };
    let opts = judged_opts();
    for (file, kind, sdk) in [
        ("umeng/umeng-analytics-v5.4.1.jar", "jar", "umeng-analytics"),
        ("umeng/umeng_social_sdk.jar", "jar", "umeng-share"),
        ("umeng/rn-demo/umeng-common-1.5.4.jar", "jar", "umeng-analytics"),
        ("umeng/rn-demo/umeng-share-core-6.9.3.jar", "jar", "umeng-share"),
        ("umeng/rn-demo/umeng-share-wechat-simplify-6.9.3.jar", "jar", "umeng-share"),
        ("umeng/SocialSDK_WeiXin_1.jar", "jar", "tencent-wechat-opensdk"),
        ("umeng/SocialSDK_QQZone_2.jar", "jar", "tencent-qq-connect"),
        ("getui/GetuiSDK4.3.2.0.jar", "jar", "getui-push"),
        ("getui/gtc-3.2.1.0.aar", "aar", "getui-push"),
        ("getui/gtsdk-3.2.15.0.aar", "aar", "getui-push"),
        ("getui/native/arm64-v8a/libgetuiext3.so", "elf", "getui-push"),
        ("alipay/alipaySdk-15.5.9-20181123210601.aar", "aar", "alipay-sdk"),
        ("umeng/rn-demo/libapshare20161108.jar", "jar", "alipay-sdk"),
        ("bugly/sdk/bugly_crashreport_upgrade-1.5.0.aar", "aar", "tencent-bugly"),
        ("jiguang/ios/jpush-extension-ios-1.1.2.a", "staticlib", "jpush"),
    ] {
        let r = scan_one(&dir.join(file), &opts);
        assert_eq!(r.kind, kind, "{file}");
        assert!(r.errors.is_empty(), "{file}: {:?}", r.errors);
        assert!(sdk_ids(&r).contains(sdk), "{file}: {sdk} not among {:?}", sdk_ids(&r));
    }
    // iOS static libraries: every architecture and the Objective-C classes are read.
    for file in
        ["alipay/ios/libAPOpenSdk.a", "jiguang/ios/liblibPush-iphoneos.a", "umeng/rn-demo/ios/libSocialWeChat.a"]
    {
        let r = scan_one(&dir.join(file), &opts);
        assert_eq!(r.kind, "staticlib", "{file}");
        assert!(r.errors.is_empty(), "{file}: {:?}", r.errors);
        let b = &r.ios.as_ref().expect("ios facts").binaries[0];
        assert!(b.archs.contains(&"arm64".to_string()), "{file}: {:?}", b.archs);
        assert!(r.dex.iter().map(|d| d.classes).sum::<u32>() > 10, "{file}: Objective-C classes");
    }
    let wechat = scan_one(&dir.join("umeng/rn-demo/ios/libSocialWeChat.a"), &opts);
    assert!(hosts(&wechat).contains("open.weixin.qq.com"));
}

#[test]
fn ios_static_libraries_are_identified_by_their_objective_c_classes() {
    let Some(dir) = corpus_dir() else { return };
    let opts = judged_opts();
    // (file, SDK, a class-name start that must be among its evidence)
    for (file, sdk, class) in [
        ("alipay/ios/libAPOpenSdk.a", "alipay-sdk", "APOpenAPI"),
        ("umeng/rn-demo/ios/libSocialWeChat.a", "umeng-share", "UMShare"),
        ("jiguang/ios/jpush-extension-ios-1.1.2.a", "jpush", "JPushExtension"),
    ] {
        let r = scan_one(&dir.join(file), &opts);
        let d =
            r.sdks.iter().find(|s| s.id == sdk).unwrap_or_else(|| panic!("{file}: {sdk} not among {:?}", sdk_ids(&r)));
        assert!(d.evidence.iter().any(|e| e.kind == "objc-class"), "{file}: {:?}", d.evidence);
        assert!(d.class_count > 0 && !d.broad_prefix_only, "{file}");
        assert!(d.evidence.iter().any(|e| e.value.starts_with(class)), "{file}: no {class}* in {:?}", d.evidence);
        eprintln!("{file}: {sdk} {} from {} Objective-C classes", d.confidence, d.class_count);
    }
    // DCloud's HBuilder push plugin (jpush-hbuilder-demo) carries no JPush code of its own:
    // classes PGPush, PDRCore... name no SDK in the database.
    let r = scan_one(&dir.join("jiguang/ios/liblibPush-iphoneos.a"), &opts);
    assert!(r.sdks.iter().all(|s| s.evidence.iter().all(|e| e.kind != "objc-class")), "{:?}", sdk_ids(&r));
}

#[test]
fn an_apk_wrapped_in_a_zip_is_scanned_through_the_same_path() {
    let Some(dir) = corpus_dir() else { return };
    let r = scan_one(&dir.join("bugly/BuglyHotfixDemo_tinker1.9.13.zip"), &judged_opts());
    assert_eq!(r.app.id.as_deref(), Some("com.tencent.bugly.hotfix"));
    assert!(r.dex.iter().all(|d| d.file.starts_with("tinker1.9.13.apk!/")));
    assert!(sdk_ids(&r).contains("tencent-bugly"));
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

#[test]
fn every_real_file_streamed_gives_the_report_it_gives_read_whole() {
    let Some(sc) = scanned() else { return };
    // Every file: APKs, bundles, IPAs, SDK jars and AARs are streamed; DEX,
    // .so and Mach-O files are read whole either way.
    let mut files: Vec<PathBuf> = sc.reports.keys().map(|k| sc.dir.join(k)).filter(|p| p.is_file()).collect();
    files.sort();
    let is_apk = |p: &PathBuf| p.extension().is_some_and(|e| e == "apk");
    let base = judged_opts();
    let (mut streamed, mut streamed_apks) = (0usize, 0usize);
    let mut failures = Vec::new();
    for all_v1 in [false, true] {
        for p in &files {
            let mut limits = base.limits;
            limits.verify_all_v1_digests = all_v1;
            let with = |stream_min_bytes: u64| Options {
                limits: cleanscan::container::Limits { stream_min_bytes, ..limits },
                ..base.clone()
            };
            if !all_v1 && cleanscan::scan::open_streamed(p, &with(0).limits).is_some() {
                streamed += 1;
                streamed_apks += usize::from(is_apk(p));
            }
            let a = serde_json::to_string_pretty(&scan_one(p, &with(0))).unwrap_or_default();
            let b = serde_json::to_string_pretty(&scan_one(p, &with(u64::MAX))).unwrap_or_default();
            if a != b {
                let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
                failures.push(format!(
                    "{} (v1 entries {all_v1}): line {at}: {:?} / {:?}",
                    p.display(),
                    a.lines().nth(at),
                    b.lines().nth(at)
                ));
            }
        }
    }
    let apks = files.iter().filter(|p| is_apk(p)).count();
    println!("{streamed} of {} files streamed, {streamed_apks} of {apks} APKs", files.len());
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
    // The corpus's APKs are plain, readable ones: nearly all of them are
    // streamed (the rest have data before their first entry, ZIP64 or a
    // damaged tail, and are read whole); so are zip packages of other kinds.
    assert!(streamed_apks * 10 > apks * 9, "only {streamed_apks} of {apks} APKs streamed");
    assert!(streamed > streamed_apks + 10, "only {} other packages streamed", streamed - streamed_apks);
}

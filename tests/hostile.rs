//! The hostile corpus (tests/hostile/mod.rs): every tampering trick of issue
//! 5 with its expected outcome, truncations at every structure boundary,
//! bombs, limits, the time budget, and a batch killed with SIGKILL and resumed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[allow(dead_code)]
#[path = "../examples/gen_corpus/arsc.rs"]
mod arsc;
#[allow(dead_code)]
#[path = "../examples/gen_corpus/axml.rs"]
mod axml;
#[allow(dead_code)]
#[path = "../examples/gen_corpus/bytes.rs"]
mod bytes;
#[path = "hostile/mod.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../examples/gen_corpus/dex.rs"]
mod dex;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cleanscan::container::Limits;
use cleanscan::report::AppReport;
use cleanscan::scan::{scan_bytes, Options};

fn scan_with(bytes: &[u8], limits: Limits, name: &str) -> AppReport {
    let opts = Options { threads: 1, limits, matchers: None, deferred: None };
    if bytes.len() as u64 > limits.max_file_bytes {
        // The size limit applies to files; write one.
        let dir = tempdir(name);
        let p = dir.join("app.apk");
        std::fs::write(&p, bytes).unwrap();
        let input = cleanscan::input::expand(&[p], &mut std::io::Cursor::new(Vec::new()));
        return cleanscan::scan::scan_input(&input[0], &opts);
    }
    scan_bytes(bytes, AppReport { path: name.to_string(), ..AppReport::default() }, &opts)
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cleanscan-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check(c: &corpus::Case, r: &AppReport) -> Vec<String> {
    let mut bad = Vec::new();
    let ids: BTreeSet<&str> = r.anomalies.iter().map(|a| a.id.as_str()).collect();
    let stages: BTreeSet<&str> = r.errors.iter().map(|e| e.stage.as_str()).collect();
    if stages.contains("internal") {
        bad.push(format!("internal error (panic): {:?}", r.errors));
    }
    let e = &c.expect;
    if r.app.id.as_deref() != e.package {
        bad.push(format!("package {:?}, expected {:?}", r.app.id, e.package));
    }
    if let Some(l) = e.label {
        if r.app.label.as_deref() != Some(l) {
            bad.push(format!("label {:?}, expected {l:?}", r.app.label));
        }
    }
    for id in &e.anomalies {
        if !ids.contains(id) {
            bad.push(format!("anomaly {id} not reported"));
        }
    }
    for id in &e.not_anomalies {
        if ids.contains(id) {
            bad.push(format!("anomaly {id} reported"));
        }
    }
    for s in &e.error_stages {
        if !stages.contains(s) {
            bad.push(format!("no error record of stage {s}"));
        }
    }
    if let Some(m) = e.error_contains {
        if !r.errors.iter().any(|x| x.message.contains(m)) {
            bad.push(format!("no error record saying {m:?}"));
        }
    }
    if e.no_errors && !r.errors.is_empty() {
        bad.push("unexpected error records".to_string());
    }
    if e.package.is_none() && r.errors.is_empty() {
        bad.push("no package and no error record".to_string());
    }
    bad
}

#[test]
fn hostile_corpus_gives_the_expected_outcome_for_every_trick() {
    let mut failures = Vec::new();
    for c in corpus::cases() {
        let t = Instant::now();
        let r = scan_with(&c.bytes, c.limits, c.name);
        let took = t.elapsed();
        let ids: BTreeSet<&str> = r.anomalies.iter().map(|a| a.id.as_str()).collect();
        let errs: Vec<String> = r.errors.iter().map(|e| format!("{}: {}", e.stage, e.message)).collect();
        let bad = check(&c, &r);
        println!(
            "{:<40} {:>8} B {:>6} ms  {}  pkg={:?} anomalies={:?} errors={:?}",
            c.name,
            c.bytes.len(),
            took.as_millis(),
            if bad.is_empty() { "ok  " } else { "FAIL" },
            r.app.id,
            ids,
            errs
        );
        if took > Duration::from_secs(20) {
            failures.push(format!("{}: took {took:?}", c.name));
        }
        for b in bad {
            failures.push(format!("{}: {b}", c.name));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// No panic, and a report that either decodes the package or says why not.
fn assert_sane(r: &AppReport, what: &str) {
    assert!(!r.errors.iter().any(|e| e.stage == "internal"), "{what}: panic: {:?}", r.errors);
    if r.app.id.is_none() {
        assert!(!r.errors.is_empty(), "{what}: no package and no error record");
    }
}

#[test]
fn truncation_at_every_zip_structure_boundary() {
    let (bytes, lay) = corpus::base().write_with_layout();
    let cuts = corpus::boundaries(&lay, bytes.len());
    assert!(cuts.len() > 30, "{} cuts", cuts.len());
    let mut decoded = 0;
    for &cut in &cuts {
        let r = scan_with(&bytes[..cut], Limits::default(), "cut");
        assert_sane(&r, &format!("cut at {cut}"));
        // Once the manifest's data is whole, local-header recovery decodes it.
        if cut >= lay.data_ends[0] {
            assert_eq!(r.app.id.as_deref(), Some(corpus::PACKAGE), "cut at {cut} (after the manifest)");
            decoded += 1;
        }
    }
    assert!(decoded > 10);
}

#[test]
fn truncation_of_manifest_table_and_dex_at_every_chunk_boundary() {
    let manifest = corpus::manifest_bytes();
    for cut in corpus::chunk_boundaries(&manifest) {
        let r = scan_with(&corpus::with_manifest(manifest[..cut].to_vec()), Limits::default(), "axml-cut");
        assert_sane(&r, &format!("manifest cut at {cut}"));
    }
    let table = corpus::arsc_bytes();
    for cut in corpus::chunk_boundaries(&table) {
        let r = scan_with(&corpus::with_arsc(table[..cut].to_vec()), Limits::default(), "arsc-cut");
        assert_sane(&r, &format!("arsc cut at {cut}"));
        assert_eq!(r.app.id.as_deref(), Some(corpus::PACKAGE), "arsc cut at {cut}: the manifest stands alone");
    }
    let d = corpus::dex_bytes();
    // Header fields, then every 16 bytes through the sections.
    let cuts: Vec<usize> = (0..0x70).step_by(4).chain((0x70..d.len()).step_by(16)).collect();
    for cut in cuts {
        let mut z = corpus::base();
        *z.entry_mut("classes.dex") = corpus::Entry::deflated("classes.dex", &d[..cut]);
        let r = scan_with(&z.write(), Limits::default(), "dex-cut");
        assert_sane(&r, &format!("dex cut at {cut}"));
        assert_eq!(r.app.id.as_deref(), Some(corpus::PACKAGE));
    }
}

#[test]
fn every_byte_flipped_in_the_directory_and_headers() {
    let (bytes, lay) = corpus::base().write_with_layout();
    let opts = Limits::default();
    for i in (0..lay.data_starts[0]).chain(lay.cd_start..bytes.len()) {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        let r = scan_with(&b, opts, "flip");
        assert_sane(&r, &format!("flip at {i}"));
    }
}

#[test]
fn time_budget_turns_into_a_limits_error_record() {
    let bytes = corpus::base().write();
    let dir = cleanscan::formats::zip::ZipDirectory::parse(&bytes, &Limits::default().zip()).unwrap();
    let limits = Limits { deadline: Some(Instant::now()), time_budget_ms: 1, ..Limits::default() };
    std::thread::sleep(Duration::from_millis(2));
    let a = cleanscan::extract::analyze_apk(&bytes, &dir, &limits);
    let limit_errors: Vec<_> = a.errors.iter().filter(|e| e.stage == "limits").collect();
    assert_eq!(limit_errors.len(), 1, "{:?}", a.errors);
    assert!(limit_errors[0].message.contains("time budget"));
    assert!(a.facts.dex.is_empty(), "work went on after the deadline");
    // A generous budget changes nothing.
    let r = scan_with(&bytes, Limits { time_budget_ms: 60_000, ..Limits::default() }, "budget");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[test]
fn bomb_stops_early_with_bounded_memory() {
    // 256 MiB of zeros in one deflated entry whose headers claim 1,000 bytes.
    let zeros = vec![0u8; 256 << 20];
    let mut z = corpus::base();
    let mut e = corpus::Entry::deflated("classes.dex", &zeros);
    drop(zeros);
    e.cd_size = Some(1000);
    *z.entry_mut("classes.dex") = e;
    let bytes = z.write();
    let limits = Limits::default();
    let dir = cleanscan::formats::zip::ZipDirectory::parse(&bytes, &limits.zip()).unwrap();
    let mut buf = Vec::new();
    let t = Instant::now();
    let err = dir.read(&bytes, dir.find("classes.dex").unwrap(), limits.max_entry_bytes, &mut buf).unwrap_err();
    assert!(err.to_string().contains("compression ratio"), "{err}");
    assert!(buf.capacity() <= 32 << 20, "buffer grew to {} bytes", buf.capacity());
    assert!(t.elapsed() < Duration::from_secs(5));
    // With the ratio check off, the per-entry limit still stops it.
    let limits = Limits { max_ratio: 0, max_entry_bytes: 16 << 20, ..Limits::default() };
    let dir = cleanscan::formats::zip::ZipDirectory::parse(&bytes, &limits.zip()).unwrap();
    let err = dir.read(&bytes, dir.find("classes.dex").unwrap(), limits.max_entry_bytes, &mut buf).unwrap_err();
    assert!(err.to_string().contains("inflated entry size"), "{err}");
    assert!(buf.capacity() <= 17 << 20);
}

#[test]
fn a_manifest_naming_many_absent_entries_lists_a_hundred_errors_and_counts_the_rest() {
    // 200,000 sections (17.7 MB inflated, 0.55 MB in the APK): each used to
    // become an error string, copied more than once on the way to the
    // report.
    let sections = 200_000;
    let r = scan_with(&corpus::naming_absent_entries(sections).write(), Limits::default(), "absent-entries");
    assert_sane(&r, "absent-entries");
    let v = r.signature_verification.as_ref().expect("a verification");
    assert!(!v.verified);
    let listed = cleanscan::verify::v1::MAX_LISTED_ERRORS;
    let absent: Vec<&String> = v.errors.iter().filter(|e| e.contains("not found in the APK")).collect();
    assert_eq!(absent.len(), listed, "{:?}", v.errors);
    // The first ones, in the manifest's order.
    for (i, e) in absent.iter().enumerate() {
        assert_eq!(**e, format!("v1: absent/{i}.png entry referenced by META-INF/MANIFEST.MF not found in the APK"));
    }
    let more = format!(
        "v1: {} more errors about the sections of META-INF/MANIFEST.MF, not listed (the first {listed} are)",
        sections - listed
    );
    assert!(v.errors.contains(&more), "{:?}", v.errors.iter().rev().take(3).collect::<Vec<_>>());
    assert!(v.errors.len() <= listed + 3, "{} errors", v.errors.len());
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cleanscan"))
}

fn lines_of(p: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(p).unwrap_or_default().lines().map(str::to_string).collect()
}

#[test]
fn batch_killed_with_sigkill_and_resumed_reports_the_same_set() {
    let dir = tempdir("resume");
    let apps = dir.join("apps");
    std::fs::create_dir_all(&apps).unwrap();
    let mut expected_paths = BTreeSet::new();
    for i in 0..40 {
        let mut z = corpus::base();
        // Distinct apps: a different asset in each; every 10th one broken.
        z.entries.push(corpus::Entry::deflated(&format!("assets/n{i}.txt"), format!("app {i}").as_bytes()));
        let mut b = z.write();
        if i % 10 == 3 {
            b.truncate(b.len() / 3);
            b[0] = b'X';
        }
        let p = apps.join(format!("app{i:03}.apk"));
        std::fs::write(&p, &b).unwrap();
        expected_paths.insert(p.display().to_string());
    }
    let full = dir.join("full.jsonl");
    let st = bin()
        .args(["scan", "-q", "--no-signatures", "-j", "2", "-f", "jsonl", "-o"])
        .arg(&full)
        .arg(&apps)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let want = lines_of(&full);
    assert_eq!(want.len(), 40);

    // Kill the run with SIGKILL part-way, several times, resuming each time.
    let out = dir.join("resumed.jsonl");
    let mut kills = 0;
    for round in 0..10 {
        let mut child = bin()
            .args(["scan", "-q", "--no-signatures", "-j", "1", "-f", "jsonl", "--resume", "-o"])
            .arg(&out)
            .arg(&apps)
            .spawn()
            .unwrap();
        let before = lines_of(&out).len();
        let t = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let n = std::fs::read_to_string(&out).map(|s| s.lines().count()).unwrap_or(0);
            if n >= before + 4 || t.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap(); // SIGKILL on Unix
                kills += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = child.wait().unwrap();
        if status.code() == Some(0) && round > 0 {
            break;
        }
    }
    assert!(kills > 0, "the batch was never killed");
    // A last clean resume finishes whatever is left.
    let st = bin()
        .args(["scan", "-q", "--no-signatures", "-j", "2", "-f", "jsonl", "--resume", "-o"])
        .arg(&out)
        .arg(&apps)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let text = std::fs::read_to_string(&out).unwrap();
    let got: Vec<&str> = text.lines().collect();
    assert_eq!(got.len(), 40, "every app exactly once (kills: {kills})");
    assert_eq!(got.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(), want);
    // A resume of a finished batch scans nothing and keeps the file as it is.
    let st = bin()
        .args(["scan", "-q", "--no-signatures", "-f", "jsonl", "--resume", "-o"])
        .arg(&out)
        .arg(&apps)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    // A changed file under the same path is scanned again.
    let changed = apps.join("app000.apk");
    let mut z = corpus::base();
    z.entries.push(corpus::Entry::stored("assets/changed.txt", b"changed"));
    std::fs::write(&changed, z.write()).unwrap();
    let st = bin()
        .args(["scan", "-q", "--no-signatures", "-f", "jsonl", "--resume", "-o"])
        .arg(&out)
        .arg(&apps)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 41);
    let _ = expected_paths;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resume_needs_jsonl_and_an_output_file() {
    let out = bin().args(["scan", "-q", "--resume", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["scan", "-q", "--resume", "-f", "json", "-o", "/tmp/x.json", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tampering_anomalies_make_the_clean_store_policy_warn_and_benign_oddities_do_not() {
    let set = cleanscan::signatures::load_builtin(&[]).unwrap();
    let m = std::sync::Arc::new(cleanscan::signatures::compile::Matchers::compile(set).unwrap());
    let opts = Options { threads: 1, limits: Limits::default(), matchers: Some(m), deferred: None };
    let tampering = |r: &AppReport| {
        r.verdicts.iter().filter(|v| v.policy == "clean-store").flat_map(|v| &v.findings).any(|f| f.rule == "tampering")
    };
    let mut warned = Vec::new();
    for c in corpus::cases() {
        let r = scan_bytes(&c.bytes, AppReport::default(), &opts);
        if tampering(&r) {
            warned.push(c.name);
        }
    }
    for name in [
        "zip-unknown-method-stored-data",
        "zip-badpack-local-header",
        "zip-eocd-in-comment",
        "zip-duplicate-entry",
        "zip-prefixed-dex-janus",
        "zip-cd-runs-past-eocd",
        "axml-string-count-tampered",
        "axml-junk-chunk-between-nodes",
        "axml-node-header-size-0x18",
        "axml-attribute-layout-0x18",
        "axml-zero-size-end-namespace",
        "axml-obfuscated-attribute-names",
        "arsc-junk-chunk-before-pool",
    ] {
        assert!(warned.contains(&name), "{name} did not warn (warned: {warned:?})");
    }
    // Benign oddities: a data descriptor, a gap before the EOCD, a wrong comment length, a UTF-8 pool.
    for name in ["clean", "zip-data-descriptor", "zip-gap-before-eocd", "zip-comment-length-wrong", "axml-utf8-pool"] {
        assert!(!warned.contains(&name), "{name} warned");
    }
}

/// Scans `bytes` from a file twice, streamed (`stream_min_bytes` 0) and read
/// whole; returns the streamed report when both are the same, the two
/// reports' JSON otherwise, and whether the file was streamed.
fn streamed_and_whole(dir: &Path, bytes: &[u8], limits: Limits) -> (Result<AppReport, (String, String)>, bool) {
    let p = dir.join("app.apk");
    std::fs::write(&p, bytes).unwrap();
    let streamed = Limits { stream_min_bytes: 0, ..limits };
    let whole = Limits { stream_min_bytes: u64::MAX, ..limits };
    let was_streamed = cleanscan::scan::open_streamed(&p, &streamed).is_some();
    let scan = |limits: Limits| {
        let opts = Options { threads: 2, limits, matchers: None, deferred: None };
        cleanscan::scan::scan_file(&p, &opts)
    };
    let (a, b) = (scan(streamed), scan(whole));
    let (ja, jb) = (serde_json::to_string_pretty(&a).unwrap(), serde_json::to_string_pretty(&b).unwrap());
    (if ja == jb { Ok(a) } else { Err((ja, jb)) }, was_streamed)
}

/// First differing line of two texts, with its line number.
fn first_difference(a: &str, b: &str) -> String {
    let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    format!("line {at}: {:?} / {:?}", a.lines().nth(at), b.lines().nth(at))
}

#[test]
fn a_streamed_apk_gives_the_report_of_one_read_whole_on_every_hostile_case_cut_and_flip() {
    let dir = tempdir("streamed");
    let mut failures = Vec::new();
    let mut streamed = 0usize;
    let mut total = 0usize;
    let mut run = |what: String, bytes: &[u8], limits: Limits| {
        if limits.time_budget_ms != Limits::default().time_budget_ms {
            // A case about the clock: two runs need not stop at the same entry.
            return;
        }
        let (r, s) = streamed_and_whole(&dir, bytes, limits);
        total += 1;
        streamed += usize::from(s);
        match r {
            Ok(r) => assert_sane(&r, &what),
            Err((a, b)) => failures.push(format!("{what}: {}", first_difference(&a, &b))),
        }
    };
    for c in corpus::cases() {
        run(c.name.to_string(), &c.bytes, c.limits);
    }
    let (bytes, lay) = corpus::base().write_with_layout();
    for &cut in &corpus::boundaries(&lay, bytes.len()) {
        run(format!("cut at {cut}"), &bytes[..cut], Limits::default());
    }
    for i in (0..lay.data_starts[0]).chain(lay.cd_start..bytes.len()) {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        run(format!("flip at {i}"), &b, Limits::default());
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("{streamed} of {total} files streamed");
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
    // Most cases are APKs with a readable tail: they are streamed, not all
    // sent down the whole-file path.
    assert!(streamed * 2 > total, "only {streamed} of {total} streamed");
}

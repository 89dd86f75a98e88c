//! Fingerprinting benchmark on the real corpus (`../shared/corpus/real`):
//!
//! 1. Class matching: the class lists of the largest real APKs matched
//!    against the whole database with the compiled prefix probe
//!    (`Matchers::match_class`), versus the Exodus method — one regex per SDK
//!    built from the same database's class prefixes joined with `|` (as
//!    Exodus's `code_signature`, dots unescaped, unanchored search), each
//!    tried against every class name.
//! 2. Share of fingerprint + policy in the scan: every APK of the corpus is
//!    scanned from memory; the time of container + extraction and of
//!    fingerprint + both policies is summed separately.
//!
//! `cargo bench --bench fingerprint` (prints a summary; no harness). Skips
//! with a message when the corpus folder is absent.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cleanscan::container::Limits;
use cleanscan::extract::facts::Facts;
use cleanscan::formats::zip::ZipDirectory;
use cleanscan::signatures::compile::Matchers;

const RUNS: usize = 5;

fn apks(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            apks(&p, out);
        } else if p.extension().is_some_and(|e| e == "apk") {
            out.push(p);
        }
    }
}

fn facts_of(data: &[u8], limits: &Limits) -> Option<Facts> {
    let dir = ZipDirectory::parse(data, &limits.zip()).ok()?;
    Some(cleanscan::extract::analyze_apk(data, &dir, limits).facts)
}

/// Best of `RUNS` timings of `f`.
fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("RUNS > 0"))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/real");
    if !corpus.is_dir() {
        eprintln!("SKIP: {} is missing; nothing to benchmark", corpus.display());
        return;
    }
    let set = cleanscan::signatures::load(&root.join("signatures"), &[]).expect("signatures load");
    let m = Matchers::compile(set).expect("signatures compile");
    let limits = Limits::default();
    let mut files = Vec::new();
    apks(&corpus, &mut files);
    let data: Vec<(PathBuf, Vec<u8>)> =
        files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|d| (p, d))).collect();

    // 1. Class lists of the largest APKs by class count.
    let mut lists: Vec<(String, Vec<String>)> = data
        .iter()
        .filter_map(|(p, d)| {
            let f = facts_of(d, &limits)?;
            let classes: Vec<String> = f.dex.iter().flat_map(|x| x.classes.iter().map(str::to_string)).collect();
            Some((p.strip_prefix(&corpus).unwrap_or(p).display().to_string(), classes))
        })
        .collect();
    lists.sort_by_key(|(_, c)| std::cmp::Reverse(c.len()));
    lists.truncate(5);
    let exodus: Vec<regex::Regex> = m
        .set
        .sdks
        .iter()
        .filter_map(|s| {
            let prefixes: Vec<&str> =
                s.markers.class_prefixes.iter().chain(&s.markers.class_prefixes_broad).map(|p| p.as_str()).collect();
            (!prefixes.is_empty()).then(|| regex::Regex::new(&prefixes.join("|")).expect("exodus-style regex"))
        })
        .collect();
    println!("class matching: {} SDK regexes (Exodus method) vs compiled prefix probe", exodus.len());
    println!("| APK | classes | probe | Exodus method | ratio | classes matched (probe / Exodus) |");
    println!("|---|---|---|---|---|---|");
    let (mut tp, mut te) = (Duration::ZERO, Duration::ZERO);
    for (name, classes) in &lists {
        let (dp, hits_p) = best(|| classes.iter().filter(|c| m.match_class(c).is_some()).count());
        // Exodus tries every tracker's regex on every class (it reports all
        // trackers that match), so the loop runs regex x class in full.
        let (de, hits_e) = best(|| {
            let mut hit = vec![false; classes.len()];
            for r in &exodus {
                for (h, c) in hit.iter_mut().zip(classes) {
                    *h |= r.is_match(c);
                }
            }
            hit.iter().filter(|h| **h).count()
        });
        tp += dp;
        te += de;
        println!(
            "| {name} | {} | {:.2} ms | {:.2} ms | {:.0}x | {hits_p} / {hits_e} |",
            classes.len(),
            dp.as_secs_f64() * 1e3,
            de.as_secs_f64() * 1e3,
            de.as_secs_f64() / dp.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "total: probe {:.2} ms, Exodus method {:.2} ms, ratio {:.0}x",
        tp.as_secs_f64() * 1e3,
        te.as_secs_f64() * 1e3,
        te.as_secs_f64() / tp.as_secs_f64().max(1e-9)
    );

    // 2. Fingerprint + policy share of the scan, one thread, files in memory.
    let mut extract = Duration::ZERO;
    let mut judge = Duration::ZERO;
    let mut n = 0usize;
    for _ in 0..3 {
        let (mut e, mut j) = (Duration::ZERO, Duration::ZERO);
        n = 0;
        for (_, d) in &data {
            let t0 = Instant::now();
            let Some(facts) = facts_of(d, &limits) else { continue };
            let t1 = Instant::now();
            let det = cleanscan::fingerprint::fingerprint(&facts, &m);
            let verdicts: Vec<_> =
                m.set.policies.iter().map(|p| cleanscan::policy::evaluate(p, &facts, &det)).collect();
            std::hint::black_box(verdicts);
            let t2 = Instant::now();
            e += t1 - t0;
            j += t2 - t1;
            n += 1;
        }
        if extract.is_zero() || e + j < extract + judge {
            extract = e;
            judge = j;
        }
    }
    let total = extract + judge;
    println!(
        "scan of {n} APKs: extraction {:.1} ms, fingerprint + policy {:.1} ms = {:.2}% of {:.1} ms",
        extract.as_secs_f64() * 1e3,
        judge.as_secs_f64() * 1e3,
        judge.as_secs_f64() * 100.0 / total.as_secs_f64().max(1e-9),
        total.as_secs_f64() * 1e3
    );
}

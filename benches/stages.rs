//! Stage benchmarks (divan): where one app's scan time goes.
//!
//! `cargo bench --bench stages` runs each stage over two input sets:
//! - `small`: the sample apps in `corpus/` and, when `../shared/corpus/real`
//!   is present, its 8 largest APKs;
//! - `large`: the largest generated APK of the benchmark corpus
//!   (`$CLEANSCAN_BENCH_CACHE/gen`, default `~/.cache/cleanscan-bench/gen`,
//!   written by `scripts/bench_peers.sh` or `cargo run --release --example
//!   gen_bench -- DIR`); skipped with a message when absent.
//!
//! The entries are inflated once before timing, so each stage is measured on
//! its own: zip directory parse, entry inflate, AXML manifest decode, DEX
//! class and string listing, endpoint scanning (DEX strings and native
//! libraries), fingerprint matching, the SHA-256 digests of a signed APK
//! (one chain at a time against side by side), the big-number arithmetic of
//! RSA and DSA signatures (`modpow`), and the whole `scan_bytes`. Throughput is
//! counted in input bytes of the stage. Instruction counts (callgrind) are the
//! stable view on a shared machine; see BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use cleanscan::container::Limits;
use cleanscan::extract::endpoints::EndpointCollector;
use cleanscan::extract::facts::Facts;
use cleanscan::formats::zip::ZipDirectory;
use cleanscan::report::AppReport;
use cleanscan::scan::{scan_bytes, Options};
use cleanscan::signatures::compile::Matchers;
use divan::counter::BytesCount;
use divan::{black_box, Bencher};

fn main() {
    // At most ~3 s per bench by default (the large set is one ~55 MB app); `--max-time` etc. override.
    divan::Divan::default().max_time(std::time::Duration::from_secs(3)).config_with_args().main();
}

/// One APK, its needed entries inflated, and its facts (for fingerprinting).
struct App {
    name: String,
    data: Vec<u8>,
    manifest: Vec<u8>,
    dex: Vec<Vec<u8>>,
    native: Vec<(String, Vec<u8>)>,
    facts: Facts,
}

fn load_app(path: &Path, limits: &Limits) -> Option<App> {
    let data = std::fs::read(path).ok()?;
    let dir = ZipDirectory::parse(&data, &limits.zip()).ok()?;
    let read = |name: &str| -> Option<Vec<u8>> {
        let e = dir.find(name)?;
        let mut buf = Vec::new();
        dir.read(&data, e, limits.max_entry_bytes, &mut buf).ok().map(|(b, _)| b.to_vec())
    };
    let manifest = read("AndroidManifest.xml")?;
    let mut dex = Vec::new();
    let mut native = Vec::new();
    for e in &dir.entries {
        let n = e.name.as_str();
        if !n.contains('/') && n.starts_with("classes") && n.ends_with(".dex") {
            dex.extend(read(n));
        } else if n.starts_with("lib/") && n.ends_with(".so") {
            if let Some(b) = read(n) {
                native.push((n.to_string(), b));
            }
        }
    }
    let facts = cleanscan::extract::analyze_apk(&data, &dir, limits).facts;
    let name = path.file_name()?.to_string_lossy().into_owned();
    Some(App { name, data, manifest, dex, native, facts })
}

fn apks_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "apk"))
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "apk") {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn small() -> &'static [App] {
    static SET: OnceLock<Vec<App>> = OnceLock::new();
    SET.get_or_init(|| {
        let limits = Limits::default();
        let mut paths = apks_in(&root().join("corpus"));
        let real = root().join("../shared/corpus/real");
        if real.is_dir() {
            let mut all = Vec::new();
            walk(&real, &mut all);
            all.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
            paths.extend(all.into_iter().take(8));
        } else {
            eprintln!("note: {} is absent; the small set is corpus/ only", real.display());
        }
        paths.iter().filter_map(|p| load_app(p, &limits)).collect()
    })
}

fn large() -> &'static [App] {
    static SET: OnceLock<Vec<App>> = OnceLock::new();
    SET.get_or_init(|| {
        let cache = std::env::var_os("CLEANSCAN_BENCH_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cleanscan-bench")))
            .unwrap_or_default();
        let gen = cache.join("gen");
        let biggest = apks_in(&gen).into_iter().max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
        match biggest {
            Some(p) => load_app(&p, &Limits::default()).into_iter().collect(),
            None => {
                eprintln!("note: no generated corpus in {}; the large set is empty", gen.display());
                Vec::new()
            }
        }
    })
}

fn set(name: &str) -> &'static [App] {
    if name == "large" {
        large()
    } else {
        small()
    }
}

fn matchers() -> Option<&'static Arc<Matchers>> {
    static M: OnceLock<Option<Arc<Matchers>>> = OnceLock::new();
    M.get_or_init(|| {
        let compiled = cleanscan::signatures::load(&root().join("signatures"), &[])
            .map_err(|e| e.to_string())
            .and_then(|db| Matchers::compile(db).map_err(|e| e.to_string()));
        match compiled {
            Ok(m) => Some(Arc::new(m)),
            Err(e) => {
                eprintln!("note: signature database unusable ({e}); fingerprint benches skipped");
                None
            }
        }
    })
    .as_ref()
}

const SETS: &[&str] = &["small", "large"];

fn bytes<'a>(apps: &'a [App], f: impl Fn(&'a App) -> usize) -> BytesCount {
    BytesCount::new(apps.iter().map(f).sum::<usize>())
}

/// Central directory parse (EOCD search, every entry header, local header checks).
#[divan::bench(args = SETS)]
fn zip_directory(b: Bencher, s: &str) {
    let apps = set(s);
    let limits = Limits::default().zip();
    b.counter(bytes(apps, |a| a.data.len())).bench(|| {
        for a in apps {
            black_box(ZipDirectory::parse(black_box(&a.data), &limits).ok());
        }
    });
}

/// Inflate of the needed entries through the container's reader (reused buffer).
#[divan::bench(args = SETS)]
fn inflate_needed(b: Bencher, s: &str) {
    let apps = set(s);
    let limits = Limits::default();
    let dirs: Vec<ZipDirectory> =
        apps.iter().filter_map(|a| ZipDirectory::parse(&a.data, &limits.zip()).ok()).collect();
    b.counter(bytes(apps, |a| a.manifest.len() + a.dex.iter().map(Vec::len).sum::<usize>())).bench(|| {
        let mut buf = Vec::new();
        for (a, dir) in apps.iter().zip(&dirs) {
            for e in &dir.entries {
                let n = e.name.as_str();
                if n == "AndroidManifest.xml" || (!n.contains('/') && n.starts_with("classes") && n.ends_with(".dex")) {
                    black_box(dir.read(&a.data, e, limits.max_entry_bytes, &mut buf).ok().map(|(x, _)| x.len()));
                }
            }
        }
    });
}

/// The apps with an APK Signing Block, with their v2/v3 digest sections'
/// offsets (block, central directory, EOCD).
fn signed(apps: &[App]) -> Vec<(&App, u64, u64, u64)> {
    let limits = Limits::default().zip();
    apps.iter()
        .filter_map(|a| {
            let dir = ZipDirectory::parse(&a.data, &limits).ok()?;
            let block = cleanscan::formats::sigblock::locate(&a.data, dir.cd_offset).ok()??;
            Some((a, block.offset, dir.cd_offset, dir.eocd_offset))
        })
        .collect()
}

/// The two SHA-256 digests a report needs of a signed APK, three ways:
/// `one_chain` hashes the file and then each 1 MiB chunk one after another
/// (one dependent chain at a time, what cleanscan did before step 37);
/// `chunk_pairs` takes the file digest alone and the chunks two at a time
/// side by side (what a free thread gets since step 37); `beside_file`
/// hashes the file side by side with the chunks in one pass (step 38).
/// Counted in file bytes; run on one thread (`RAYON_NUM_THREADS=1`) to see
/// the arithmetic alone, since the chunk pairs otherwise spread over the pool.
#[divan::bench(args = SETS, consts = [0, 1, 2])]
fn sha256_digests<const WAY: usize>(b: Bencher, s: &str) {
    use cleanscan::verify::digest::{compute, ContentDigest, FileDigest, Sections};
    use sha2::{Digest, Sha256};
    let apps = signed(set(s));
    b.counter(BytesCount::new(apps.iter().map(|x| x.0.data.len()).sum::<usize>())).bench(|| {
        for &(a, block, cd, eocd) in &apps {
            let Some(sections) = Sections::new(&a.data, block, cd, eocd) else { continue };
            match WAY {
                0 => {
                    black_box(Sha256::digest(&a.data));
                    let parts = [sections.before_block, sections.central_dir, &sections.eocd];
                    let mut top = Sha256::new();
                    for c in parts.iter().flat_map(|p| p.chunks(1 << 20)) {
                        let mut h = Sha256::new();
                        h.update([0xa5]);
                        h.update((c.len() as u32).to_le_bytes());
                        h.update(c);
                        top.update(h.finalize());
                    }
                    black_box(top.finalize());
                }
                1 => {
                    let file = FileDigest::new(&a.data);
                    file.take_alone();
                    black_box(compute(&sections, &[ContentDigest::ChunkedSha256]));
                    black_box(file.finish());
                }
                _ => {
                    let file = FileDigest::new(&a.data);
                    let sections = sections.with_file_digest(Some(&file));
                    black_box(compute(&sections, &[ContentDigest::ChunkedSha256]));
                    black_box(file.finish());
                }
            }
        }
    });
}

/// Binary AndroidManifest.xml decoded into manifest facts (no resources.arsc).
#[divan::bench(args = SETS)]
fn axml_manifest(b: Bencher, s: &str) {
    let apps = set(s);
    b.counter(bytes(apps, |a| a.manifest.len())).bench(|| {
        for a in apps {
            black_box(cleanscan::extract::manifest::extract(&a.manifest, None, "AndroidManifest.xml").ok());
        }
    });
}

/// DEX parse plus the class and string listing alone (no endpoint scan).
#[divan::bench(args = SETS)]
fn dex_listing(b: Bencher, s: &str) {
    let apps = set(s);
    b.counter(bytes(apps, |a| a.dex.iter().map(Vec::len).sum())).bench(|| {
        let mut name = String::new();
        let mut n = 0usize;
        for d in apps.iter().flat_map(|a| &a.dex) {
            let Ok(files) = cleanscan::formats::dex::parse_all(d) else { continue };
            for f in &files {
                for desc in f.class_defs().flatten() {
                    cleanscan::formats::dex::descriptor_to_java_name(desc, &mut name);
                    n += name.len();
                }
                for st in f.strings().flatten() {
                    n += st.1.len();
                }
            }
        }
        black_box(n)
    });
}

/// The DEX extraction the scan runs: listing plus endpoint scan of the strings.
#[divan::bench(args = SETS)]
fn dex_extract(b: Bencher, s: &str) {
    let apps = set(s);
    b.counter(bytes(apps, |a| a.dex.iter().map(Vec::len).sum())).bench(|| {
        for a in apps {
            let mut ep = EndpointCollector::new();
            for d in &a.dex {
                black_box(cleanscan::extract::dex::extract(d, "classes.dex", &mut ep).ok());
            }
            black_box(ep.finish());
        }
    });
}

/// Endpoint scan of native libraries (ELF parse + printable-run scan of the whole file).
#[divan::bench(args = SETS)]
fn native_extract(b: Bencher, s: &str) {
    let apps = set(s);
    b.counter(bytes(apps, |a| a.native.iter().map(|(_, d)| d.len()).sum())).bench(|| {
        for a in apps {
            let mut ep = EndpointCollector::new();
            for (path, d) in &a.native {
                black_box(cleanscan::extract::native::extract(d, path, &mut ep).ok());
            }
            black_box(ep.finish());
        }
    });
}

/// Fingerprint matching of the extracted facts against the compiled database.
#[divan::bench(args = SETS)]
fn fingerprint(b: Bencher, s: &str) {
    let apps = set(s);
    let Some(m) = matchers() else { return };
    b.counter(divan::counter::ItemsCount::new(
        apps.iter().map(|a| a.facts.dex.iter().map(|d| d.classes.len()).sum::<usize>()).sum::<usize>(),
    ))
    .bench(|| {
        for a in apps {
            black_box(cleanscan::fingerprint::fingerprint(&a.facts, m));
        }
    });
}

/// The whole per-app scan from bytes in memory (hash, zip, extract, fingerprint, policies).
#[divan::bench(args = SETS)]
fn scan_whole(b: Bencher, s: &str) {
    let apps = set(s);
    let opts = Options { threads: 1, limits: Limits::default(), matchers: matchers().map(Arc::clone), deferred: None };
    b.counter(bytes(apps, |a| a.data.len())).bench(|| {
        for a in apps {
            let r = AppReport { path: a.name.clone(), ..AppReport::default() };
            black_box(scan_bytes(&a.data, r, &opts));
        }
    });
}

/// Pseudo-random bytes (xorshift64*), fixed per seed.
fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// The arithmetic of one signature check on a modulus of `bits` bits set up
/// afresh: RSA (`s^65537 mod n`; 2048-16384 bits, as apksig's test keys) and,
/// for `dsa3072`, DSA's `g^u1 · y^u2 mod p` with 256-bit exponents.
#[divan::bench(args = ["rsa2048", "rsa4096", "rsa8192", "rsa16384", "dsa3072"])]
fn modpow(b: Bencher, what: &str) {
    let bits: usize = what.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse().unwrap_or(2048);
    let mut n = pseudo_random(bits as u64, bits / 8);
    if let Some(first) = n.first_mut() {
        *first |= 0x80;
    }
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    let base = pseudo_random(7, bits / 8 - 1);
    let other = pseudo_random(11, bits / 8 - 1);
    let (e1, e2) = (pseudo_random(13, 32), pseudo_random(17, 32));
    let rsa_e = [1u8, 0, 1];
    let terms: Vec<(&[u8], &[u8])> =
        if what.starts_with("dsa") { vec![(&base, &e1), (&other, &e2)] } else { vec![(&base, &rsa_e)] };
    b.bench(|| black_box(cleanscan::verify::modpow_be(&n, &terms)));
}

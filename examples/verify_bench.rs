//! Times signature verification alone (cleanscan::verify) on APKs, reading
//! each file into memory first. Prints per-file MB/s for files over 10 MB
//! and the total.
//!
//!     cargo run --release --example verify_bench -- [--reps N] APK... | @LIST

use std::time::Instant;

use cleanscan::formats::zip::{ZipDirectory, ZipLimits};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut reps = 1usize;
    if args.first().map(String::as_str) == Some("--reps") {
        reps = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
        args.drain(..2.min(args.len()));
    }
    let mut paths = Vec::new();
    for a in args {
        match a.strip_prefix('@') {
            Some(list) => paths.extend(std::fs::read_to_string(list).unwrap_or_default().lines().map(str::to_string)),
            None => paths.push(a),
        }
    }
    let (mut total_bytes, mut total_secs, mut verified) = (0u64, 0f64, 0usize);
    for p in &paths {
        let Ok(data) = std::fs::read(p) else { continue };
        let Ok(dir) = ZipDirectory::parse(&data, &ZipLimits::default()) else { continue };
        let idsig = std::fs::read(format!("{p}.idsig")).ok();
        let input = cleanscan::verify::Input {
            min_sdk: cleanscan::decode_manifest_xml(&data, &Default::default())
                .ok()
                .and_then(|x| x.split("minSdkVersion=\"").nth(1).and_then(|r| r.split('"').next()?.parse().ok())),
            idsig: idsig.as_deref(),
            max_entry_bytes: 1 << 31,
            ..Default::default()
        };
        let t = Instant::now();
        let mut ok = false;
        for _ in 0..reps {
            ok = cleanscan::verify::verify(&data, &dir, &input).verified;
        }
        let secs = t.elapsed().as_secs_f64() / reps as f64;
        verified += usize::from(ok);
        total_bytes += data.len() as u64;
        total_secs += secs;
        if data.len() > 10 << 20 {
            println!(
                "{p}: {} MB verified={ok} in {:.3} s = {:.0} MB/s",
                data.len() >> 20,
                secs,
                data.len() as f64 / 1e6 / secs
            );
        }
    }
    println!(
        "verify_bench: {} files, {} MB, {verified} verified, {:.3} s signature work ({:.0} MB/s)",
        paths.len(),
        total_bytes >> 20,
        total_secs,
        total_bytes as f64 / 1e6 / total_secs.max(1e-9)
    );
}

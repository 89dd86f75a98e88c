//! The benchmark's floor: read each APK and inflate only the entries a
//! scanner needs (AndroidManifest.xml, resources.arsc, classes*.dex,
//! lib/*/*.so, META-INF/*), one-shot into a reused buffer, and nothing else
//! (no parsing, no checks beyond what finding the entries takes).
//!
//! `inflate_needed [-j N] [--sha256] [--crc] [PATH...]` (paths also from
//! stdin when none are given, one per line). Prints a one-line summary on
//! stderr. `--sha256` also hashes every file (cleanscan reports the APK's
//! SHA-256); `--crc` also checks the CRC-32 of each inflated entry.
//!
//! Decoder: libdeflate (one call per entry into a buffer of the declared
//! size), as the floor does, with flate2/zlib-rs as the fallback when
//! a declared size is wrong.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};

#[derive(Default)]
struct Totals {
    files: AtomicU64,
    read: AtomicU64,
    inflated: AtomicU64,
    entries: AtomicU64,
    errors: AtomicU64,
}

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
}

fn needed(name: &[u8]) -> bool {
    let Ok(name) = std::str::from_utf8(name) else { return false };
    if name == "AndroidManifest.xml" || name == "resources.arsc" || name.starts_with("META-INF/") {
        return true;
    }
    if !name.contains('/') && name.starts_with("classes") && name.ends_with(".dex") {
        return true;
    }
    if let Some(rest) = name.strip_prefix("lib/") {
        return rest.ends_with(".so") && rest.matches('/').count() == 1;
    }
    false
}

/// Inflates the needed entries of one APK; returns (entries, bytes out).
fn inflate_apk(data: &[u8], buf: &mut Vec<u8>, crc: bool) -> Option<(u64, u64)> {
    // End of central directory: the last "PK\5\6" within 64 KiB + 22 of the end.
    let lo = data.len().saturating_sub(65_557);
    let eocd = (lo..data.len().saturating_sub(21)).rev().find(|&i| data.get(i..i + 4) == Some(b"PK\x05\x06"))?;
    let count = u16_at(data, eocd + 10)?;
    let mut at = u32_at(data, eocd + 16)?;
    let (mut n, mut out) = (0u64, 0u64);
    let mut inflater = Decompress::new(false);
    let mut oneshot = libdeflater::Decompressor::new();
    for _ in 0..count {
        if data.get(at..at + 4)? != b"PK\x01\x02" {
            return None;
        }
        let method = u16_at(data, at + 10)?;
        let want_crc = u32_at(data, at + 16)? as u32;
        let csize = u32_at(data, at + 20)?;
        let usize_ = u32_at(data, at + 24)?;
        let name_len = u16_at(data, at + 28)?;
        let extra_len = u16_at(data, at + 30)?;
        let comment_len = u16_at(data, at + 32)?;
        let local = u32_at(data, at + 42)?;
        let name = data.get(at + 46..at + 46 + name_len)?;
        at += 46 + name_len + extra_len + comment_len;
        if !needed(name) {
            continue;
        }
        let lname = u16_at(data, local + 26)?;
        let lextra = u16_at(data, local + 28)?;
        let start = local + 30 + lname + lextra;
        let raw = data.get(start..start + csize)?;
        let bytes: &[u8] = match method {
            8 => {
                buf.clear();
                buf.resize(usize_, 0);
                if oneshot.deflate_decompress(raw, buf).ok() != Some(usize_) {
                    buf.clear();
                    buf.reserve(usize_);
                    inflater.reset(false);
                    match inflater.decompress_vec(raw, buf, FlushDecompress::Finish) {
                        Ok(Status::StreamEnd) | Ok(Status::Ok) | Ok(Status::BufError) => {}
                        Err(_) => return None,
                    }
                }
                buf
            }
            _ => raw,
        };
        if crc && libdeflater::crc32(bytes) != want_crc {
            return None;
        }
        n += 1;
        out += bytes.len() as u64;
    }
    Some((n, out))
}

fn main() {
    let mut threads = 1usize;
    let mut sha = false;
    let mut crc = false;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-j" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1).max(1),
            "--sha256" => sha = true,
            "--crc" => crc = true,
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if !line.is_empty() {
                paths.push(PathBuf::from(line));
            }
        }
    }
    let totals = Totals::default();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.min(paths.len().max(1)) {
            s.spawn(|| {
                let mut buf = Vec::new();
                while let Some(p) = paths.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Ok(data) = std::fs::read(p) else {
                        totals.errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    if sha {
                        std::hint::black_box(Sha256::digest(&data));
                    }
                    totals.files.fetch_add(1, Ordering::Relaxed);
                    totals.read.fetch_add(data.len() as u64, Ordering::Relaxed);
                    match inflate_apk(&data, &mut buf, crc) {
                        Some((n, out)) => {
                            totals.entries.fetch_add(n, Ordering::Relaxed);
                            totals.inflated.fetch_add(out, Ordering::Relaxed);
                        }
                        None => {
                            totals.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    eprintln!(
        "inflate_needed -j {threads}: {} files, {:.1} MB read, {} entries, {:.1} MB out, {} not fully read",
        totals.files.load(Ordering::Relaxed),
        totals.read.load(Ordering::Relaxed) as f64 / 1e6,
        totals.entries.load(Ordering::Relaxed),
        totals.inflated.load(Ordering::Relaxed) as f64 / 1e6,
        totals.errors.load(Ordering::Relaxed),
    );
}

//! The benchmark's floor: read each APK and inflate only the entries a
//! scanner needs (AndroidManifest.xml, resources.arsc, classes*.dex,
//! lib/*/*.so, META-INF/*), one-shot into a reused buffer, and nothing else
//! (no parsing, no checks beyond what finding the entries takes).
//!
//! `inflate_needed [-j N] [--sha256] [--digests] [--crc] [PATH...]` (paths
//! also from stdin when none are given, one per line). Prints a one-line
//! summary on stderr. `--sha256` also hashes every file (cleanscan reports
//! the APK's SHA-256). `--digests` does that and also computes the APK
//! Signature Scheme v2/v3 content digest with SHA-256 (1 MiB chunks over
//! nearly every byte), which any check of a v2/v3 signature must compute:
//! the two digests a verifying scanner cannot skip. `--show-digests` does
//! the same and prints each file's content digest (hex, then the path) on
//! stdout; `scripts/check_floor_digests.py` checks them against the digests
//! the signing blocks carry. `--crc` also checks the CRC-32 of each inflated
//! entry.
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

/// The end of central directory record: the last "PK\5\6" within 64 KiB + 22 of the end whose
/// comment length reaches exactly to the end of the file (as apksig finds it).
fn find_eocd(data: &[u8]) -> Option<usize> {
    let lo = data.len().saturating_sub(65_557);
    (lo..data.len().saturating_sub(21))
        .rev()
        .find(|&i| data.get(i..i + 4) == Some(b"PK\x05\x06") && u16_at(data, i + 20) == Some(data.len() - i - 22))
}

/// The v2/v3 content digest with SHA-256 (as apksig computes it): the
/// entries up to the APK Signing Block (or the central directory when there
/// is none), the central directory, and the end record with its directory
/// offset pointing at the signing block, cut into 1 MiB chunks; each chunk
/// hashed after 0xa5 and its length, then the chunk digests after 0x5a and
/// their count.
fn content_digest(data: &[u8]) -> Option<[u8; 32]> {
    let eocd = find_eocd(data)?;
    let cd_size = u32_at(data, eocd + 12)?;
    let cd_off = u32_at(data, eocd + 16)?;
    // The block ends with its size (u64) and the 16-byte magic, just before the directory;
    // it starts 8 bytes (its leading size) before the size it gives.
    let magic_at = cd_off.checked_sub(16)?;
    let block_start = if data.get(magic_at..cd_off) == Some(b"APK Sig Block 42") {
        let size = data.get(magic_at.checked_sub(8)?..magic_at)?;
        let size = usize::try_from(u64::from_le_bytes(size.try_into().ok()?)).ok()?;
        cd_off.checked_sub(size.checked_add(8)?)?
    } else {
        cd_off
    };
    let mut end = data.get(eocd..)?.to_vec();
    end.get_mut(16..20)?.copy_from_slice(&u32::try_from(block_start).ok()?.to_le_bytes());
    let sections = [data.get(..block_start)?, data.get(cd_off..cd_off.checked_add(cd_size)?)?, &end[..]];
    const CHUNK: usize = 1 << 20;
    let chunks: usize = sections.iter().map(|s| s.len().div_ceil(CHUNK)).sum();
    let mut top = Sha256::new();
    top.update([0x5a]);
    top.update(u32::try_from(chunks).ok()?.to_le_bytes());
    for chunk in sections.iter().flat_map(|s| s.chunks(CHUNK)) {
        let mut h = Sha256::new();
        h.update([0xa5]);
        h.update(u32::try_from(chunk.len()).ok()?.to_le_bytes());
        h.update(chunk);
        top.update(h.finalize());
    }
    Some(top.finalize().into())
}

/// Inflates the needed entries of one APK; returns (entries, bytes out).
fn inflate_apk(data: &[u8], buf: &mut Vec<u8>, crc: bool) -> Option<(u64, u64)> {
    let eocd = find_eocd(data)?;
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
    let mut digests = false;
    let mut show = false;
    let mut crc = false;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-j" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1).max(1),
            "--sha256" => sha = true,
            "--digests" => (sha, digests) = (true, true),
            "--show-digests" => (sha, digests, show) = (true, true, true),
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
                    if digests {
                        let d = std::hint::black_box(content_digest(&data));
                        if show {
                            let hex: String = d.iter().flatten().map(|b| format!("{b:02x}")).collect();
                            println!("{hex} {}", p.display());
                        }
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

//! Writes the hostile files the measuring script needs (scripts/bench_hostile.sh):
//!
//! - `bomb OUT GIB`: an APK whose five deflated entries inflate to GIB GiB in
//!   total (zeros, streamed to OUT; the headers state the true sizes);
//! - `batch DIR N SAMPLES...`: N apps copied from SAMPLES, every 10th one
//!   corrupted (cut short, EOCD wiped, or random bytes), and `DIR.bad.txt`
//!   listing the corrupted ones;
//! - `sections OUT N`: an APK whose v1 manifest (META-INF/MANIFEST.MF) has N
//!   sections, each naming an entry the APK lacks;
//! - `sf OUT N`: an APK whose `META-INF/CERT.SF` has N sections (its
//!   signature block is not valid);
//! - `added OUT N IN`: the APK IN (a v1-signed zip without an archive
//!   comment) with N stored entries added after its last one, none of them
//!   in its v1 manifest (at most 65,535 entries in all).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

#[path = "append.rs"]
mod append;
#[allow(dead_code)]
#[path = "../../examples/gen_corpus/arsc.rs"]
mod arsc;
#[allow(dead_code)]
#[path = "../../examples/gen_corpus/axml.rs"]
mod axml;
#[allow(dead_code)]
#[path = "../../examples/gen_corpus/bytes.rs"]
mod bytes;
#[path = "mod.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../examples/gen_corpus/dex.rs"]
mod dex;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct CdRec {
    name: String,
    method: u16,
    crc: u32,
    csize: u32,
    usize_: u32,
    offset: u32,
}

fn lfh(w: &mut impl Write, r: &CdRec) -> Res<()> {
    w.write_all(&0x0403_4b50u32.to_le_bytes())?;
    w.write_all(&20u16.to_le_bytes())?;
    w.write_all(&0u16.to_le_bytes())?;
    w.write_all(&r.method.to_le_bytes())?;
    w.write_all(&[0; 4])?;
    w.write_all(&r.crc.to_le_bytes())?;
    w.write_all(&r.csize.to_le_bytes())?;
    w.write_all(&r.usize_.to_le_bytes())?;
    w.write_all(&(r.name.len() as u16).to_le_bytes())?;
    w.write_all(&0u16.to_le_bytes())?;
    w.write_all(r.name.as_bytes())?;
    Ok(())
}

/// A deflated entry of `n` zero bytes, streamed; the local header is patched afterwards.
fn zero_entry(f: &mut File, name: &str, n: u64) -> Res<CdRec> {
    let offset = f.stream_position()? as u32;
    let mut rec = CdRec { name: name.to_string(), method: 8, crc: 0, csize: 0, usize_: n as u32, offset };
    lfh(f, &rec)?;
    let start = f.stream_position()?;
    let mut crc = flate2::Crc::new();
    {
        let mut enc = flate2::write::DeflateEncoder::new(BufWriter::new(&mut *f), flate2::Compression::new(6));
        let block = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(block.len() as u64) as usize;
            crc.update(&block[..k]);
            enc.write_all(&block[..k])?;
            left -= k as u64;
        }
        enc.finish()?.flush()?;
    }
    let end = f.stream_position()?;
    rec.crc = crc.sum();
    rec.csize = (end - start) as u32;
    f.seek(SeekFrom::Start(u64::from(offset)))?;
    lfh(f, &rec)?;
    f.seek(SeekFrom::Start(end))?;
    Ok(rec)
}

fn stored_entry(f: &mut File, name: &str, data: &[u8], deflate: bool) -> Res<CdRec> {
    let offset = f.stream_position()? as u32;
    let payload = if deflate { corpus::deflate(data) } else { data.to_vec() };
    let rec = CdRec {
        name: name.to_string(),
        method: if deflate { 8 } else { 0 },
        crc: corpus::crc32(data),
        csize: payload.len() as u32,
        usize_: data.len() as u32,
        offset,
    };
    lfh(f, &rec)?;
    f.write_all(&payload)?;
    Ok(rec)
}

fn bomb(out: &Path, gib: u64) -> Res<()> {
    let mut f = File::create(out)?;
    let mut recs = vec![
        stored_entry(&mut f, "AndroidManifest.xml", &corpus::manifest_bytes(), true)?,
        stored_entry(&mut f, "resources.arsc", &corpus::arsc_bytes(), false)?,
    ];
    let names = ["classes.dex", "classes2.dex", "lib/arm64-v8a/libbomb.so", "assets/bomb.json", "res/raw/bomb.bin"];
    let total = gib << 30;
    let each = total / names.len() as u64;
    for n in names {
        recs.push(zero_entry(&mut f, n, each)?);
    }
    let cd_off = f.stream_position()? as u32;
    let mut cd = Vec::new();
    for r in &recs {
        cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        cd.extend_from_slice(&20u16.to_le_bytes());
        cd.extend_from_slice(&20u16.to_le_bytes());
        cd.extend_from_slice(&0u16.to_le_bytes());
        cd.extend_from_slice(&r.method.to_le_bytes());
        cd.extend_from_slice(&[0; 4]);
        cd.extend_from_slice(&r.crc.to_le_bytes());
        cd.extend_from_slice(&r.csize.to_le_bytes());
        cd.extend_from_slice(&r.usize_.to_le_bytes());
        cd.extend_from_slice(&(r.name.len() as u16).to_le_bytes());
        cd.extend_from_slice(&[0; 12]);
        cd.extend_from_slice(&r.offset.to_le_bytes());
        cd.extend_from_slice(r.name.as_bytes());
    }
    f.write_all(&cd)?;
    f.write_all(&0x0605_4b50u32.to_le_bytes())?;
    f.write_all(&[0; 4])?;
    f.write_all(&(recs.len() as u16).to_le_bytes())?;
    f.write_all(&(recs.len() as u16).to_le_bytes())?;
    f.write_all(&(cd.len() as u32).to_le_bytes())?;
    f.write_all(&cd_off.to_le_bytes())?;
    f.write_all(&0u16.to_le_bytes())?;
    let size = f.stream_position()?;
    eprintln!("{}: {size} bytes, inflating to {} bytes", out.display(), each * names.len() as u64);
    Ok(())
}

fn batch(dir: &Path, n: usize, samples: &[String]) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    let datas: Vec<Vec<u8>> = samples.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let mut bad = String::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..n {
        let mut d = datas[i % datas.len()].clone();
        let name = dir.join(format!("app{i:05}.apk"));
        if i % 10 == 7 {
            match (i / 10) % 3 {
                0 => d.truncate(d.len() * (20 + (rnd() % 60) as usize) / 100),
                1 => {
                    let n = d.len();
                    d[n - 22..].fill(0);
                    d[0] = b'X';
                }
                _ => d = (0..4096).map(|_| rnd() as u8).collect(),
            }
            bad.push_str(&format!("{}\n", name.display()));
        }
        std::fs::write(&name, &d)?;
    }
    std::fs::write(format!("{}.bad.txt", dir.display()), bad)?;
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bomb") if args.len() == 3 => bomb(Path::new(&args[1]), args[2].parse()?),
        Some("batch") if args.len() >= 4 => batch(Path::new(&args[1]), args[2].parse()?, &args[3..]),
        Some("sections") if args.len() == 3 => {
            Ok(std::fs::write(&args[1], corpus::naming_absent_entries(args[2].parse()?).write())?)
        }
        Some("sf") if args.len() == 3 => Ok(std::fs::write(&args[1], corpus::large_sf(args[2].parse()?).write())?),
        Some("added") if args.len() == 4 => {
            let n: usize = args[2].parse()?;
            let names: Vec<String> =
                (0..n).map(|i| format!("assets/extra/some/longer/path/entry-{i:05}.txt")).collect();
            let apk = std::fs::read(&args[3])?;
            Ok(std::fs::write(&args[1], append::with_entries_added(&apk, &names, corpus::crc32))?)
        }
        _ => {
            Err("usage: hostile_gen bomb OUT GIB | batch DIR N SAMPLE... | sections OUT N | sf OUT N | added OUT N IN"
                .into())
        }
    }
}

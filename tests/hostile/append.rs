//! Appends entries to an existing zip: the v1 APK with entries its manifest
//! lacks, for the unit test of v1 entry errors (src/verify/tests.rs) and for
//! `hostile_gen added` (scripts/bench_hostile.sh).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::cast_possible_truncation)]

/// `apk` (no archive comment) with a stored entry for each of `names`
/// added after its last entry, each holding its own name (`crc32` gives
/// their CRC-32).
pub fn with_entries_added(apk: &[u8], names: &[String], crc32: fn(&[u8]) -> u32) -> Vec<u8> {
    let eocd = apk.len() - 22;
    assert_eq!(&apk[eocd..eocd + 4], b"PK\x05\x06", "an archive comment");
    let u16_at = |at: usize| u16::from_le_bytes([apk[at], apk[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(apk[at..at + 4].try_into().unwrap());
    let (count, cd_size, cd_off) = (u16_at(eocd + 10), u32_at(eocd + 12) as usize, u32_at(eocd + 16) as usize);
    let mut out = apk[..cd_off].to_vec();
    let mut cd = apk[cd_off..cd_off + cd_size].to_vec();
    for n in names {
        let (name, crc, len) = (n.as_bytes(), crc32(n.as_bytes()), n.len() as u32);
        let offset = out.len() as u32;
        // Local header: version 10, no flags, stored, no time.
        out.extend_from_slice(b"PK\x03\x04\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        for v in [crc, len, len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name);
        out.extend_from_slice(name);
        // Central directory record: made by and needs version 10, stored.
        cd.extend_from_slice(b"PK\x01\x02\x0a\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        for v in [crc, len, len] {
            cd.extend_from_slice(&v.to_le_bytes());
        }
        cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
        cd.extend_from_slice(&[0; 12]);
        cd.extend_from_slice(&offset.to_le_bytes());
        cd.extend_from_slice(name);
    }
    let new_cd_off = out.len() as u32;
    out.extend_from_slice(&cd);
    let total = u16::try_from(usize::from(count) + names.len()).expect("at most 65,535 entries");
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
    out.extend_from_slice(&new_cd_off.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

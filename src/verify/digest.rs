//! Whole-APK content digests of the APK Signing Block schemes (AOSP apksig
//! `ApkSigningBlockUtils.computeContentDigests`, `VerityTreeBuilder`).
//!
//! The APK is covered as three sections: the bytes before the signing block,
//! the central directory, and the EOCD with its CD-offset field pointing at
//! the signing block. Chunked digests cut each section into 1 MiB chunks,
//! hash `0xa5 ‖ le32 len ‖ chunk`, then `0x5a ‖ le32 count ‖ chunk digests`.
//! The verity digest is an fs-verity Merkle tree over 4 KiB pages of the same
//! bytes. The file is read once; chunks are hashed in parallel (rayon) when
//! there are enough of them.

use rayon::prelude::*;
use sha2::{Digest, Sha256, Sha512};

pub const CHUNK: usize = 1 << 20;
pub const PAGE: usize = 4096;
/// Below this many chunks hashing stays on the calling thread.
const PARALLEL_MIN_CHUNKS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentDigest {
    ChunkedSha256,
    ChunkedSha512,
    VeritySha256,
}

impl ContentDigest {
    pub fn name(self) -> &'static str {
        match self {
            ContentDigest::ChunkedSha256 => "CHUNKED_SHA256",
            ContentDigest::ChunkedSha512 => "CHUNKED_SHA512",
            ContentDigest::VeritySha256 => "VERITY_CHUNKED_SHA256",
        }
    }
}

/// The three digested sections, borrowed from the APK except the EOCD copy.
#[derive(Debug, Clone)]
pub struct Sections<'a> {
    pub before_block: &'a [u8],
    pub central_dir: &'a [u8],
    /// The EOCD with its CD offset rewritten to the signing block's offset.
    pub eocd: Vec<u8>,
    /// Where the signing block ends (the real CD offset).
    pub cd_offset: u64,
}

impl<'a> Sections<'a> {
    /// `block_offset`: start of the signing block; `cd_offset`, `eocd_offset`
    /// from the EOCD. None when the offsets do not fit the file.
    pub fn new(apk: &'a [u8], block_offset: u64, cd_offset: u64, eocd_offset: u64) -> Option<Sections<'a>> {
        let b = usize::try_from(block_offset).ok()?;
        let c = usize::try_from(cd_offset).ok()?;
        let e = usize::try_from(eocd_offset).ok()?;
        let before_block = apk.get(..b)?;
        let central_dir = apk.get(c..e)?;
        let mut eocd = apk.get(e..)?.to_vec();
        let field = eocd.get_mut(16..20)?;
        field.copy_from_slice(&u32::try_from(block_offset).ok()?.to_le_bytes());
        Some(Sections { before_block, central_dir, eocd, cd_offset })
    }

    fn parts(&self) -> [&[u8]; 3] {
        [self.before_block, self.central_dir, &self.eocd]
    }

    pub fn total_len(&self) -> u64 {
        self.parts().iter().map(|p| p.len() as u64).sum()
    }
}

fn chunk_digest<D: Digest>(chunk: &[u8]) -> Vec<u8> {
    let mut d = D::new();
    d.update([0xa5u8]);
    d.update((chunk.len() as u32).to_le_bytes());
    d.update(chunk);
    d.finalize().to_vec()
}

/// One chunk's SHA-256 and SHA-512 chunk digests (each when requested).
type ChunkPair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Chunked SHA-256 and/or SHA-512 in one pass over the chunks.
fn chunked(sections: &Sections<'_>, sha256: bool, sha512: bool) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let chunks: Vec<&[u8]> = sections.parts().into_iter().flat_map(|p| p.chunks(CHUNK)).collect();
    let one = |c: &&[u8]| {
        let a = sha256.then(|| chunk_digest::<Sha256>(c));
        let b = sha512.then(|| chunk_digest::<Sha512>(c));
        (a, b)
    };
    let per_chunk: Vec<ChunkPair> = if chunks.len() >= PARALLEL_MIN_CHUNKS {
        chunks.par_iter().map(one).collect()
    } else {
        chunks.iter().map(one).collect()
    };
    let count = (chunks.len() as u32).to_le_bytes();
    let top = |pick: &dyn Fn(&ChunkPair) -> Option<&Vec<u8>>, is512: bool| {
        let mut buf = vec![0x5au8];
        buf.extend_from_slice(&count);
        for c in &per_chunk {
            if let Some(d) = pick(c) {
                buf.extend_from_slice(d);
            }
        }
        if is512 {
            Sha512::digest(&buf).to_vec()
        } else {
            Sha256::digest(&buf).to_vec()
        }
    };
    (sha256.then(|| top(&|c| c.0.as_ref(), false)), sha512.then(|| top(&|c| c.1.as_ref(), true)))
}

fn salted_page(salt: &[u8], page: &[u8]) -> [u8; 32] {
    let mut d = Sha256::new();
    d.update(salt);
    d.update(page);
    if page.len() < PAGE {
        d.update(&[0u8; PAGE][..PAGE.saturating_sub(page.len())]);
    }
    d.finalize().into()
}

fn hash_pages(salt: &[u8], pages: &[&[u8]]) -> Vec<u8> {
    let hashes: Vec<[u8; 32]> = if pages.len() >= 256 {
        pages.par_iter().map(|p| salted_page(salt, p)).collect()
    } else {
        pages.iter().map(|p| salted_page(salt, p)).collect()
    };
    let mut level: Vec<u8> = hashes.concat();
    let rem = level.len() % PAGE;
    if rem != 0 {
        level.resize(level.len().saturating_add(PAGE.saturating_sub(rem)), 0);
    }
    level
}

/// fs-verity root hash over `pages` (4 KiB each, the last zero-padded).
pub fn verity_root(salt: &[u8], pages: &[&[u8]]) -> [u8; 32] {
    verity_tree(salt, pages).0
}

/// fs-verity root hash and the whole tree, top level first (apksig
/// `VerityTreeBuilder.generateVerityTree` layout).
pub fn verity_tree(salt: &[u8], pages: &[&[u8]]) -> ([u8; 32], Vec<u8>) {
    let mut levels = vec![hash_pages(salt, pages)];
    // Each level shrinks by 128x; a few levels cover any file size we accept.
    for _ in 0..16 {
        let Some(level) = levels.last() else { break };
        if level.len() <= PAGE {
            break;
        }
        let next = hash_pages(salt, &level.chunks(PAGE).collect::<Vec<_>>());
        levels.push(next);
    }
    let mut top = levels.last().cloned().unwrap_or_default();
    top.resize(PAGE, 0);
    let root = salted_page(salt, &top);
    let tree: Vec<u8> = levels.into_iter().rev().flatten().collect();
    (root, tree)
}

/// apksig's VERITY_CHUNKED_SHA256 over the three sections: root hash (salt
/// of 8 zero bytes) ‖ le64 total length. Err when the block is not 4 KiB
/// aligned (apksig refuses the verity digest then).
fn verity(sections: &Sections<'_>) -> Result<Vec<u8>, String> {
    if sections.before_block.len() % PAGE != 0 {
        return Err(format!("APK Signing Block is not aligned on 4 KiB: {}", sections.before_block.len()));
    }
    let block_size = sections.cd_offset.saturating_sub(sections.before_block.len() as u64);
    if block_size % PAGE as u64 != 0 {
        return Err(format!("APK Signing Block size {block_size} is not a multiple of 4 KiB"));
    }
    let tail: Vec<u8> = [sections.central_dir, &sections.eocd].concat();
    let pages: Vec<&[u8]> = sections.before_block.chunks(PAGE).chain(tail.chunks(PAGE)).collect();
    let root = verity_root(&[0u8; 8], &pages);
    let mut out = root.to_vec();
    out.extend_from_slice(&sections.total_len().to_le_bytes());
    Ok(out)
}

/// Computes the requested content digests. A digest that cannot be computed
/// maps to Err with the reason.
pub fn compute(sections: &Sections<'_>, wanted: &[ContentDigest]) -> Vec<(ContentDigest, Result<Vec<u8>, String>)> {
    let s256 = wanted.contains(&ContentDigest::ChunkedSha256);
    let s512 = wanted.contains(&ContentDigest::ChunkedSha512);
    let (a, b) = if s256 || s512 { chunked(sections, s256, s512) } else { (None, None) };
    let mut out = Vec::new();
    if let Some(a) = a {
        out.push((ContentDigest::ChunkedSha256, Ok(a)));
    }
    if let Some(b) = b {
        out.push((ContentDigest::ChunkedSha512, Ok(b)));
    }
    if wanted.contains(&ContentDigest::VeritySha256) {
        out.push((ContentDigest::VeritySha256, verity(sections)));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn sections(before: &[u8]) -> Sections<'_> {
        let mut eocd = vec![0u8; 22];
        eocd[..4].copy_from_slice(b"PK\x05\x06");
        Sections { before_block: before, central_dir: b"CD", eocd, cd_offset: before.len() as u64 }
    }

    #[test]
    fn chunked_matches_definition() {
        let data = vec![7u8; CHUNK + 10];
        let s = sections(&data);
        let got = compute(&s, &[ContentDigest::ChunkedSha256]);
        // By hand: chunks are [1 MiB of before], [10 bytes], [CD], [EOCD].
        let parts: Vec<&[u8]> = vec![&data[..CHUNK], &data[CHUNK..], b"CD", &s.eocd];
        let mut top = vec![0x5a];
        top.extend(4u32.to_le_bytes());
        for p in parts {
            top.extend(chunk_digest::<Sha256>(p));
        }
        assert_eq!(got[0].1.as_ref().unwrap(), &Sha256::digest(&top).to_vec());
        let both = compute(&s, &[ContentDigest::ChunkedSha512, ContentDigest::ChunkedSha256]);
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].1.as_ref().unwrap().len(), 64);
    }

    #[test]
    fn parallel_equals_serial() {
        let data: Vec<u8> = (0..(5 * CHUNK)).map(|i| i as u8).collect();
        let s = sections(&data);
        let par = chunked(&s, true, false).0.unwrap();
        // Serial reference.
        let mut top = vec![0x5a];
        let chunks: Vec<&[u8]> = s.parts().into_iter().flat_map(|p| p.chunks(CHUNK)).collect();
        top.extend((chunks.len() as u32).to_le_bytes());
        for c in chunks {
            top.extend(chunk_digest::<Sha256>(c));
        }
        assert_eq!(par, Sha256::digest(&top).to_vec());
    }

    #[test]
    fn verity_needs_alignment() {
        let s = sections(&[1u8; 100]);
        let got = compute(&s, &[ContentDigest::VeritySha256]);
        assert!(got[0].1.as_ref().unwrap_err().contains("not aligned"));
        let aligned = vec![0u8; PAGE];
        let s = sections(&aligned);
        let v = compute(&s, &[ContentDigest::VeritySha256]);
        let v = v[0].1.as_ref().unwrap();
        assert_eq!(v.len(), 40);
        assert_eq!(&v[32..], &(PAGE as u64 + 24).to_le_bytes());
    }

    #[test]
    fn verity_single_page_root() {
        // One page: leaf level is one hash padded to a page; root = H(salt ‖ that page).
        let page = [3u8; PAGE];
        let leaf = salted_page(&[], &page);
        let mut level = leaf.to_vec();
        level.resize(PAGE, 0);
        assert_eq!(verity_root(&[], &[&page]), salted_page(&[], &level));
    }

    #[test]
    fn sections_rewrite_eocd_offset() {
        let mut apk = vec![0u8; 50];
        apk.extend(b"PK\x05\x06");
        apk.extend([0u8; 18]);
        let s = Sections::new(&apk, 10, 20, 50).unwrap();
        assert_eq!(&s.eocd[16..20], &10u32.to_le_bytes());
        assert_eq!(s.central_dir.len(), 30);
        assert!(Sections::new(&apk, 10, 60, 50).is_none());
    }
}

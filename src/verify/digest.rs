//! Whole-APK content digests of the APK Signing Block schemes (AOSP apksig
//! `ApkSigningBlockUtils.computeContentDigests`, `VerityTreeBuilder`).
//!
//! The APK is covered as three sections: the bytes before the signing block,
//! the central directory, and the EOCD with its CD-offset field pointing at
//! the signing block. Chunked digests cut each section into 1 MiB chunks,
//! hash `0xa5 ‖ le32 len ‖ chunk`, then `0x5a ‖ le32 count ‖ chunk digests`.
//! The verity digest is an fs-verity Merkle tree over 4 KiB pages of the same
//! bytes. Chunks (and verity pages) are hashed two at a time side by side,
//! the pairs in parallel (rayon) when there are enough of them; when the
//! caller offers its whole-file SHA-256 ([`FileDigest`]) and no one has taken
//! it yet, the file is hashed side by side with the chunks instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use rayon::prelude::*;
use sha2::{Digest, Sha256, Sha512};

use crate::formats::source::{blocks, FileSource, Source};

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
    /// The APK, and its signing block and EOCD as the file holds them (with
    /// the sections, every byte of the APK in order). An APK read from a
    /// file has an empty `before_block`: those bytes, `before_len` of them,
    /// are read from the file block by block ([`Self::before_blocks`]).
    apk: Source<'a>,
    before_len: u64,
    block: &'a [u8],
    real_eocd: &'a [u8],
    /// The whole file's SHA-256, when the caller wants it taken here.
    file: Option<&'a FileDigest<'a>>,
}

impl<'a> Sections<'a> {
    /// `block_offset`: start of the signing block; `cd_offset`, `eocd_offset`
    /// from the EOCD. None when the offsets do not fit the file.
    pub fn new(apk: &'a [u8], block_offset: u64, cd_offset: u64, eocd_offset: u64) -> Option<Sections<'a>> {
        Self::from_source(Source::Memory(apk), block_offset, cd_offset, eocd_offset)
    }

    /// [`Self::new`] over an APK of any [`Source`]. From a file, the signing
    /// block, central directory and EOCD come from its tail in memory (None
    /// when they are not all there), and the bytes before the block are
    /// read when a digest needs them.
    pub fn from_source(src: Source<'a>, block_offset: u64, cd_offset: u64, eocd_offset: u64) -> Option<Sections<'a>> {
        let (base, held) = src.held();
        let at = |offset: u64| offset.checked_sub(base).and_then(|o| usize::try_from(o).ok());
        let (b, c, e) = (at(block_offset)?, at(cd_offset)?, at(eocd_offset)?);
        let before_block = match src {
            Source::Memory(apk) => apk.get(..b)?,
            Source::File(_) => &[],
        };
        let block = held.get(b..c)?;
        let central_dir = held.get(c..e)?;
        let real_eocd = held.get(e..)?;
        let mut eocd = real_eocd.to_vec();
        let field = eocd.get_mut(16..20)?;
        field.copy_from_slice(&u32::try_from(block_offset).ok()?.to_le_bytes());
        Some(Sections {
            before_block,
            central_dir,
            eocd,
            cd_offset,
            apk: src,
            before_len: block_offset,
            block,
            real_eocd,
            file: None,
        })
    }

    /// Offers the SHA-256 of `file` (which must be the APK these sections
    /// were cut from) to the chunked SHA-256 digest: if no one has taken it
    /// yet when that digest is computed, the file is hashed side by side
    /// with the chunks.
    pub fn with_file_digest(mut self, file: Option<&'a FileDigest<'a>>) -> Self {
        self.file = file;
        self
    }

    /// The APK's file, when its bytes before the block are read from it.
    fn streamed(&self) -> Option<&'a FileSource> {
        match self.apk {
            Source::File(f) => Some(f),
            Source::Memory(_) => None,
        }
    }

    /// Calls `each` with the bytes before the signing block, in order: all
    /// at once when they are in memory, else read from the file in blocks of
    /// [`crate::formats::source::BLOCK`] (a whole number of chunks and pages).
    fn before_blocks(&self, mut each: impl FnMut(&[u8])) {
        match self.streamed() {
            Some(f) => {
                let _ = blocks(f, self.before_len, each);
            }
            None => each(self.before_block),
        }
    }

    /// The sections after the signing block.
    fn after_block(&self) -> [&[u8]; 2] {
        [self.central_dir, &self.eocd]
    }

    pub fn total_len(&self) -> u64 {
        self.before_len.saturating_add(self.central_dir.len() as u64).saturating_add(self.eocd.len() as u64)
    }
}

fn chunk_prefix(chunk: &[u8]) -> [u8; 5] {
    let mut p = [0xa5u8; 5];
    let len = (chunk.len() as u32).to_le_bytes();
    p[1..].copy_from_slice(&len);
    p
}

fn chunk_digest<D: Digest>(chunk: &[u8]) -> Vec<u8> {
    let mut d = D::new();
    d.update(chunk_prefix(chunk));
    d.update(chunk);
    d.finalize().to_vec()
}

/// One chunk's SHA-256 chunk digest, on its own.
fn chunk_sha256(chunk: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(chunk_prefix(chunk)).chain_update(chunk).finalize().into()
}

/// The top-level digest over the chunk digests: `0x5a ‖ le32 count ‖ digests`.
fn top_digest<'d, D: Digest>(digests: impl ExactSizeIterator<Item = &'d [u8]>) -> Vec<u8> {
    let mut d = D::new();
    d.update([0x5au8]);
    d.update((digests.len() as u32).to_le_bytes());
    for chunk in digests {
        d.update(chunk);
    }
    d.finalize().to_vec()
}

/// Bytes each hasher takes per turn when two messages are hashed side by side.
const TURN: usize = 128;

/// A SHA-256 hasher that knows how many bytes it has been given, so that
/// [`side_by_side`] can hand it whole blocks.
struct Stream {
    hasher: Sha256,
    fed: usize,
}

impl Stream {
    fn new(prefix: &[u8]) -> Stream {
        let mut s = Stream { hasher: Sha256::new(), fed: 0 };
        s.update(prefix);
        s
    }

    fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.fed = self.fed.wrapping_add(bytes.len());
    }

    /// Takes enough of `bytes` to complete the block under way.
    fn fill_block<'m>(&mut self, bytes: &'m [u8]) -> &'m [u8] {
        let fill = (64 - self.fed % 64) % 64;
        let (head, rest) = bytes.split_at(fill.min(bytes.len()));
        self.update(head);
        rest
    }

    fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

/// Feeds `a` and `b` their bytes side by side.
///
/// One SHA-256 is a chain of rounds that each wait on the one before, which
/// leaves the CPU's SHA unit idle between them. Two messages fed to their
/// hashers in turns of two blocks keep it busy: 64 MiB of v2/v3 chunks took
/// 30.0 ms this way against 37.5 ms one chunk after another (sha2 with
/// SHA-NI on this project's 2-core EPYC). Each hasher is first given enough
/// of its bytes to complete the block under way, so every later turn is
/// compressed straight from the bytes without a copy into the hasher's
/// buffer (turns that straddle the buffer cost more than they gain: 44.8 ms).
fn side_by_side(a: &mut Stream, bytes_a: &[u8], b: &mut Stream, bytes_b: &[u8]) {
    let mut ra = a.fill_block(bytes_a);
    let mut rb = b.fill_block(bytes_b);
    while !ra.is_empty() && !rb.is_empty() {
        let (x, rest) = ra.split_at(TURN.min(ra.len()));
        a.update(x);
        ra = rest;
        let (y, rest) = rb.split_at(TURN.min(rb.len()));
        b.update(y);
        rb = rest;
    }
    // The longer message's tail, alone.
    a.update(ra);
    b.update(rb);
}

/// SHA-256 of two messages, each `prefix ‖ body`, computed side by side.
fn sha256_side_by_side(a: (&[u8], &[u8]), b: (&[u8], &[u8])) -> ([u8; 32], [u8; 32]) {
    let (mut sa, mut sb) = (Stream::new(a.0), Stream::new(b.0));
    side_by_side(&mut sa, a.1, &mut sb, b.1);
    (sa.finish(), sb.finish())
}

/// The SHA-256 of a whole file (the report's `sha256`), taken once by
/// whoever claims it first: the caller's own task ([`FileDigest::take_alone`])
/// or, for an APK with a v2/v3 signature, the chunked SHA-256 digest, which
/// covers the same bytes but for the signing block and hashes the file side
/// by side with its chunks instead of leaving a second pass over it.
pub struct FileDigest<'a> {
    bytes: Source<'a>,
    claimed: AtomicBool,
    value: OnceLock<[u8; 32]>,
}

impl std::fmt::Debug for FileDigest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDigest").field("len", &self.bytes.len()).field("value", &self.value.get()).finish()
    }
}

impl<'a> FileDigest<'a> {
    pub fn new(bytes: &'a [u8]) -> FileDigest<'a> {
        Self::of(Source::Memory(bytes))
    }

    /// The digest of an archive of any [`Source`].
    pub fn of(bytes: Source<'a>) -> FileDigest<'a> {
        FileDigest { bytes, claimed: AtomicBool::new(false), value: OnceLock::new() }
    }

    fn claim(&self) -> bool {
        !self.claimed.swap(true, Ordering::AcqRel)
    }

    /// Hashes the file on its own, unless it has been claimed.
    pub fn take_alone(&self) {
        if self.claim() {
            let _ = self.value.set(sha256_of(self.bytes));
        }
    }

    /// The digest, for a caller whose claimants have all returned: hashed
    /// now if a claim never completed (its task unwound).
    pub fn finish(&self) -> [u8; 32] {
        *self.value.get_or_init(|| sha256_of(self.bytes))
    }
}

/// SHA-256 of an archive's bytes. A file that can no longer be read to its
/// length (it shrank while scanned) is hashed up to the failed read; the
/// scan sees the failure (`FileSource::trouble`) and reports no digest.
fn sha256_of(src: Source<'_>) -> [u8; 32] {
    match src {
        Source::Memory(bytes) => Sha256::digest(bytes).into(),
        Source::File(f) => {
            let mut h = Sha256::new();
            let _ = blocks(f, f.len(), |b| h.update(b));
            h.finalize().into()
        }
    }
}

/// The chunk digests of chunked SHA-256 with the whole file's SHA-256 taken
/// side by side with them, in file order on this thread. The file's bytes
/// are the sections' bytes but for the signing block and the real EOCD,
/// which go to it alone.
///
/// A thread that is free meanwhile helps: a task queued here takes chunks
/// from the last one back, two at a time side by side. Once it has started,
/// this thread hashes the file alone (one chain runs faster alone than
/// beside another) and leaves the chunks it has not taken to the helper.
/// Every chunk is claimed once; with no free thread this thread claims them
/// all. (Without the helper, a large app with little else to do, such as
/// 60 MB of assets, left the other thread idle while this one hashed both
/// digests: 99-103 ms against 76-77 ms with the file digest on a thread of
/// its own.)
fn chunks_with_file(sections: &Sections<'_>) -> (Vec<[u8; 32]>, [u8; 32]) {
    let mut file = Stream::new(&[]);
    let mut out = Vec::new();
    sections.before_blocks(|block| out.extend(chunks_beside_file(&[(block, true)], &mut file)));
    out.extend(chunks_beside_file(&[(sections.block, false), (sections.central_dir, true)], &mut file));
    file.update(sections.real_eocd);
    out.push(chunk_sha256(&sections.eocd));
    (out, file.finish())
}

/// The chunk digests of `pieces` (file order; those marked true are cut
/// into chunks, the others only go to the file) with `file` fed every
/// piece, side by side with the chunks on this thread, while a helper task
/// takes chunks from the last one back (see [`chunks_with_file`]).
fn chunks_beside_file(pieces: &[(&[u8], bool)], file: &mut Stream) -> Vec<[u8; 32]> {
    let chunks: Vec<&[u8]> = pieces.iter().filter(|p| p.1).flat_map(|p| p.0.chunks(CHUNK)).collect();
    let claimed: Vec<AtomicBool> = chunks.iter().map(|_| AtomicBool::new(false)).collect();
    let digests: Vec<OnceLock<[u8; 32]>> = chunks.iter().map(|_| OnceLock::new()).collect();
    let claim = |k: usize| claimed.get(k).is_some_and(|c| !c.swap(true, Ordering::AcqRel));
    let put = |k: usize, d: [u8; 32]| {
        if let Some(slot) = digests.get(k) {
            let _ = slot.set(d);
        }
    };
    let helping = AtomicBool::new(false);
    let helper = || {
        helping.store(true, Ordering::Release);
        let mut k = chunks.len();
        loop {
            let mut mine: Vec<usize> = Vec::with_capacity(2);
            while mine.len() < 2 && k > 0 {
                k = k.saturating_sub(1);
                if claim(k) {
                    mine.push(k);
                }
            }
            match mine[..] {
                [a, b] => {
                    let (x, y) = (chunks.get(a).copied().unwrap_or(&[]), chunks.get(b).copied().unwrap_or(&[]));
                    let (da, db) = sha256_side_by_side((&chunk_prefix(x), x), (&chunk_prefix(y), y));
                    put(a, da);
                    put(b, db);
                }
                [a] => put(a, chunk_sha256(chunks.get(a).copied().unwrap_or(&[]))),
                _ => return,
            }
        }
    };
    let mut k = 0usize;
    let mut along = |file: &mut Stream, part: &[u8]| {
        for c in part.chunks(CHUNK) {
            if !helping.load(Ordering::Acquire) && claim(k) {
                let mut chunk = Stream::new(&chunk_prefix(c));
                side_by_side(file, c, &mut chunk, c);
                put(k, chunk.finish());
            } else {
                file.update(c);
            }
            k = k.saturating_add(1);
        }
    };
    rayon::scope(|s| {
        if chunks.len() >= PARALLEL_MIN_CHUNKS {
            s.spawn(|_| helper());
        }
        for &(piece, chunked) in pieces {
            if chunked {
                along(file, piece);
            } else {
                file.update(piece);
            }
        }
    });
    // Every chunk was claimed by one side and set before the scope ended;
    // a slot left empty (a helper that unwound) is hashed here.
    digests.into_iter().zip(&chunks).map(|(d, c)| d.into_inner().unwrap_or_else(|| chunk_sha256(c))).collect()
}

/// One chunk's SHA-256 and SHA-512 chunk digests (each when requested).
type ChunkPair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Chunked SHA-256 and/or SHA-512 in one pass over the chunks.
fn chunked(sections: &Sections<'_>, sha256: bool, sha512: bool) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    // The file's SHA-256 beside the chunks', when it is ours to take.
    if let Some(file) = sections.file.filter(|f| sha256 && !sha512 && f.bytes.same(&sections.apk) && f.claim()) {
        let (per_chunk, whole) = chunks_with_file(sections);
        let _ = file.value.set(whole);
        return (Some(top_digest::<Sha256>(per_chunk.iter().map(|d| d.as_slice()))), None);
    }
    let mut per_chunk: Vec<ChunkPair> = Vec::new();
    sections.before_blocks(|block| {
        let chunks: Vec<&[u8]> = block.chunks(CHUNK).collect();
        per_chunk.extend(chunk_pairs(&chunks, sha256, sha512));
    });
    let chunks: Vec<&[u8]> = sections.after_block().into_iter().flat_map(|p| p.chunks(CHUNK)).collect();
    per_chunk.extend(chunk_pairs(&chunks, sha256, sha512));
    // Every chunk has the digest that was asked for.
    let a = sha256.then(|| top_digest::<Sha256>(per_chunk.iter().map(|c| c.0.as_deref().unwrap_or(&[]))));
    let b = sha512.then(|| top_digest::<Sha512>(per_chunk.iter().map(|c| c.1.as_deref().unwrap_or(&[]))));
    (a, b)
}

/// The requested digests of `chunks`, two at a time (their SHA-256 digests
/// side by side), the pairs in parallel when there are enough of them.
fn chunk_pairs(chunks: &[&[u8]], sha256: bool, sha512: bool) -> Vec<ChunkPair> {
    let two = |two: &[&[u8]]| -> Vec<ChunkPair> {
        let s256: Vec<Option<Vec<u8>>> = match two {
            [x, y] if sha256 => {
                let (a, b) = sha256_side_by_side((&chunk_prefix(x), x), (&chunk_prefix(y), y));
                vec![Some(a.to_vec()), Some(b.to_vec())]
            }
            _ => two.iter().map(|c| sha256.then(|| chunk_digest::<Sha256>(c))).collect(),
        };
        two.iter().zip(s256).map(|(c, a)| (a, sha512.then(|| chunk_digest::<Sha512>(c)))).collect()
    };
    let per_pair: Vec<Vec<ChunkPair>> = if chunks.len() >= PARALLEL_MIN_CHUNKS {
        chunks.par_chunks(2).map(two).collect()
    } else {
        chunks.chunks(2).map(two).collect()
    };
    per_pair.into_iter().flatten().collect()
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
    // Pages go two at a time, side by side; a short (padded) page alone.
    let two = |two: &[&[u8]]| -> Vec<[u8; 32]> {
        match two {
            [x, y] if x.len() == PAGE && y.len() == PAGE => {
                let (a, b) = sha256_side_by_side((salt, x), (salt, y));
                vec![a, b]
            }
            _ => two.iter().map(|p| salted_page(salt, p)).collect(),
        }
    };
    let per_pair: Vec<Vec<[u8; 32]>> =
        if pages.len() >= 256 { pages.par_chunks(2).map(two).collect() } else { pages.chunks(2).map(two).collect() };
    let mut level: Vec<u8> = per_pair.into_iter().flatten().flatten().collect();
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
    if sections.before_len % PAGE as u64 != 0 {
        return Err(format!("APK Signing Block is not aligned on 4 KiB: {}", sections.before_len));
    }
    let block_size = sections.cd_offset.saturating_sub(sections.before_len);
    if block_size % PAGE as u64 != 0 {
        return Err(format!("APK Signing Block size {block_size} is not a multiple of 4 KiB"));
    }
    let tail: Vec<u8> = [sections.central_dir, &sections.eocd].concat();
    // The verity digest (v4 signatures, `--verity-enabled` v2/v3 ones) is
    // rare: a streamed APK's bytes before the block are read whole for it.
    let read;
    let before = match sections.streamed() {
        Some(f) => {
            let mut bytes = Vec::new();
            blocks(f, sections.before_len, |b| bytes.extend_from_slice(b)).map_err(|e| e.to_string())?;
            read = bytes;
            &read[..]
        }
        None => sections.before_block,
    };
    let pages: Vec<&[u8]> = before.chunks(PAGE).chain(tail.chunks(PAGE)).collect();
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
        Sections {
            before_block: before,
            central_dir: b"CD",
            eocd,
            cd_offset: before.len() as u64,
            apk: Source::Memory(&[]),
            before_len: before.len() as u64,
            block: &[],
            real_eocd: &[],
            file: None,
        }
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
        let parts = [s.before_block, s.central_dir, &s.eocd];
        let chunks: Vec<&[u8]> = parts.into_iter().flat_map(|p| p.chunks(CHUNK)).collect();
        top.extend((chunks.len() as u32).to_le_bytes());
        for c in chunks {
            top.extend(chunk_digest::<Sha256>(c));
        }
        assert_eq!(par, Sha256::digest(&top).to_vec());
    }

    #[test]
    fn side_by_side_equals_one_at_a_time() {
        // Prefixes that leave the hasher's buffer empty, part full and over
        // a block; bodies shorter than the fill, of whole turns and ragged,
        // of equal and unequal lengths.
        let body: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let whole = |p: &[u8], b: &[u8]| -> [u8; 32] { Sha256::digest([p, b].concat()).into() };
        for prefix in [&[][..], &[0xa5; 5][..], &[1; 64][..], &[2; 70][..]] {
            for la in [0usize, 3, 59, 60, 187, 188, 1000, 4999] {
                for lb in [0usize, 1, 59, 123, 128, 2048, 5000] {
                    let (a, b) = (&body[..la], &body[5000 - lb..]);
                    let got = sha256_side_by_side((prefix, a), (&[9u8; 5], b));
                    assert_eq!(got, (whole(prefix, a), whole(&[9u8; 5], b)), "prefix {} a {la} b {lb}", prefix.len());
                }
            }
        }
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

    /// An APK-shaped buffer: entries, a signing block, a central directory
    /// of more than one chunk at an offset that is not block-aligned, and an
    /// EOCD. Returns it with the block, CD and EOCD offsets.
    fn apk_shaped() -> (Vec<u8>, u64, u64, u64) {
        shaped(9 * CHUNK + CHUNK / 2 + 37, 4133, CHUNK + 999)
    }

    #[test]
    fn file_digest_taken_beside_the_chunks_equals_both_taken_apart() {
        let (apk, b, c, e) = apk_shaped();
        let apart = chunked(&Sections::new(&apk, b, c, e).unwrap(), true, false).0.unwrap();
        let whole: [u8; 32] = Sha256::digest(&apk).into();
        // On one thread every chunk goes beside the file; on two a helper
        // takes chunks from the end while this thread works from the front.
        for threads in [1, 2, 2, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let file = FileDigest::new(&apk);
            let sections = Sections::new(&apk, b, c, e).unwrap().with_file_digest(Some(&file));
            assert_eq!(pool.install(|| chunked(&sections, true, false)).0.unwrap(), apart, "{threads} thread(s)");
            // Taken by the chunks: the caller's own task finds it claimed.
            assert_eq!(file.value.get(), Some(&whole));
            file.take_alone();
            assert_eq!(file.finish(), whole);
        }
    }

    /// An APK-shaped buffer with `before` bytes before a signing block of
    /// `block` bytes and a directory of `cd`.
    fn shaped(before: usize, block: usize, cd: usize) -> (Vec<u8>, u64, u64, u64) {
        let mut apk: Vec<u8> = (0..before + block + cd).map(|i| (i * 131 + i / 4099) as u8).collect();
        apk.extend(b"PK\x05\x06");
        apk.extend([0u8; 18]);
        (apk, before as u64, (before + block) as u64, (before + block + cd) as u64)
    }

    #[test]
    fn digests_of_a_file_read_block_by_block_equal_those_of_the_bytes_in_memory() {
        use crate::formats::source::{FileSource, BLOCK};
        let dir = std::env::temp_dir().join(format!("cleanscan-digest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Unaligned (no verity digest), and 4 KiB aligned; both span more
        // than two reading blocks, the last one short.
        let cases =
            [shaped(2 * BLOCK + 3 * CHUNK + 37, 4133, CHUNK + 999), shaped(2 * BLOCK + 5 * PAGE, 2 * PAGE, 999)];
        for (n, (apk, b, c, e)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("apk{n}"));
            std::fs::write(&path, &apk).unwrap();
            let fs = FileSource::open(std::fs::File::open(&path).unwrap(), apk.len() as u64, b).unwrap();
            std::fs::remove_file(&path).unwrap();
            let (mem, file) = (Source::Memory(&apk), Source::File(&fs));
            let wanted = [ContentDigest::ChunkedSha256, ContentDigest::ChunkedSha512, ContentDigest::VeritySha256];
            let expect = compute(&Sections::new(&apk, b, c, e).unwrap(), &wanted);
            assert_eq!(compute(&Sections::from_source(file, b, c, e).unwrap(), &wanted), expect, "case {n}");
            assert_eq!(expect.last().unwrap().1.is_ok(), n == 1);
            let whole: [u8; 32] = Sha256::digest(&apk).into();
            assert_eq!(FileDigest::of(file).finish(), whole);
            // The file's digest taken beside the chunks, on one thread and two.
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let digest = FileDigest::of(file);
                let sections = Sections::from_source(file, b, c, e).unwrap().with_file_digest(Some(&digest));
                let got = pool.install(|| chunked(&sections, true, false)).0;
                assert_eq!(
                    got.as_ref(),
                    expect.first().map(|d| d.1.as_ref().unwrap()),
                    "case {n}, {threads} thread(s)"
                );
                assert_eq!(digest.value.get(), Some(&whole), "taken beside the chunks");
                // Not the same bytes: the memory digest is not taken by the file's chunks.
                let other = FileDigest::of(mem);
                let sections = Sections::from_source(file, b, c, e).unwrap().with_file_digest(Some(&other));
                let _ = chunked(&sections, true, false);
                assert_eq!(other.value.get(), None);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn file_digest_is_left_alone_when_not_ours_to_take() {
        let (apk, b, c, e) = apk_shaped();
        let apart = chunked(&Sections::new(&apk, b, c, e).unwrap(), true, true);
        let whole: [u8; 32] = Sha256::digest(&apk).into();
        // Claimed first by the caller's task.
        let file = FileDigest::new(&apk);
        file.take_alone();
        let sections = Sections::new(&apk, b, c, e).unwrap().with_file_digest(Some(&file));
        assert_eq!(chunked(&sections, true, false).0, apart.0);
        assert_eq!(file.finish(), whole);
        // A digest of other bytes (an equal copy), or SHA-512 wanted too: not taken.
        let copy = apk.clone();
        for (other, s512) in [(&copy, false), (&apk, true)] {
            let file = FileDigest::new(other);
            let sections = Sections::new(&apk, b, c, e).unwrap().with_file_digest(Some(&file));
            let got = chunked(&sections, true, s512);
            assert_eq!(got.0, apart.0);
            assert_eq!(got.1.is_some(), s512);
            assert_eq!(file.value.get(), None);
            file.take_alone();
            assert_eq!(file.finish(), whole);
        }
        // Claimed but never finished (the claimant unwound): hashed at the end.
        let file = FileDigest::new(&apk);
        assert!(file.claim());
        file.take_alone();
        assert_eq!(file.finish(), whole);
    }

    #[test]
    fn verity_pages_side_by_side_equal_one_at_a_time() {
        // 600 pages (the parallel path) and 5 (the serial one), the last
        // page short and padded: each leaf is salt ‖ page on its own.
        for n in [5usize, 600] {
            let data: Vec<u8> = (0..n * PAGE - 100).map(|i| (i % 253) as u8).collect();
            let pages: Vec<&[u8]> = data.chunks(PAGE).collect();
            let leaves: Vec<u8> = pages.iter().flat_map(|p| salted_page(&[0u8; 8], p)).collect();
            let level = hash_pages(&[0u8; 8], &pages);
            assert_eq!(&level[..leaves.len()], &leaves[..]);
            assert!(level[leaves.len()..].iter().all(|&b| b == 0));
            assert_eq!(level.len() % PAGE, 0);
        }
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

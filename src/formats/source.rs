//! Where an archive's bytes come from: a slice in memory, or a file read
//! piece by piece ([`FileSource`]).
//!
//! A large APK (or App Bundle, IPA...) need not sit in memory whole. Its tail (the APK Signing
//! Block, the central directory and the EOCD) is read once and held; an
//! entry's bytes are read from the file when the entry is read, and
//! whole-file digests read it block by block. Peak memory is then the tail,
//! the entries in flight and the reading buffers, not the file, so two large
//! apps of a batch fit the memory budget side by side.

use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// An archive's bytes.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// All of them, in memory.
    Memory(&'a [u8]),
    /// A file, read when needed, with its tail in memory.
    File(&'a FileSource),
}

/// An open file, its length when opened, and its last bytes from
/// `tail_start` on.
pub struct FileSource {
    file: std::fs::File,
    len: u64,
    tail_start: u64,
    tail: Vec<u8>,
    /// The file as it was when opened.
    stamp: FileStamp,
    /// Set when a read of the file failed (it ended early, or the system
    /// could not read it), as opposed to a read past the length it had.
    failed: AtomicBool,
}

/// A file's length and modification time (to the nanosecond), as its open
/// handle reports them: what a write to it changes, in place or at its end.
/// The status-change time is left out: renaming, linking or `chmod` of the
/// file move it without touching a byte (a pipeline may move a file on while
/// it is scanned), and a write moves the modification time anyway. The
/// handle stays on the file it opened, so a file replaced by a rename is not
/// a change to it either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: (i64, i64),
}

/// Why a file of `was` bytes that now has `now` may not have been read as
/// one version.
pub fn resized(was: u64, now: u64) -> String {
    format!("the file changed while it was scanned ({was} bytes, then {now})")
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp { len: meta.size(), modified: (meta.mtime(), meta.mtime_nsec()) }
    }

    /// The file's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Why `file` is no longer the file this stamp saw (it was written to,
    /// truncated or grew), or None when it still is.
    pub fn check(&self, file: &std::fs::File) -> Option<String> {
        let now = match file.metadata() {
            Ok(m) => FileStamp::of(&m),
            Err(e) => return Some(format!("the file could not be checked after it was read: {e}")),
        };
        if now == *self {
            None
        } else if now.len != self.len {
            Some(resized(self.len, now.len))
        } else {
            Some("the file was written to while it was scanned".to_string())
        }
    }
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSource").field("len", &self.len).field("tail_start", &self.tail_start).finish()
    }
}

impl FileSource {
    /// `file` of `len` bytes, with its bytes from `tail_start` to the end
    /// read now. Err when they cannot all be read, or when the file no
    /// longer has `len` bytes.
    pub fn open(file: std::fs::File, len: u64, tail_start: u64) -> std::io::Result<FileSource> {
        let stamp = FileStamp::of(&file.metadata()?);
        if stamp.len != len {
            return Err(std::io::Error::other("the file changed size"));
        }
        let tail_len = usize::try_from(len.saturating_sub(tail_start))
            .map_err(|_| std::io::Error::other("tail too large for this platform"))?;
        let mut tail = vec![0u8; tail_len];
        file.read_exact_at(&mut tail, tail_start.min(len))?;
        Ok(FileSource { file, len, tail_start: tail_start.min(len), tail, stamp, failed: AtomicBool::new(false) })
    }

    /// Why the bytes read from the file may not all be of one version of
    /// it: it was written to since it was opened, or a read of it failed.
    /// None when neither happened.
    pub fn trouble(&self) -> Option<String> {
        if let Some(why) = self.stamp.check(&self.file) {
            return Some(why);
        }
        self.failed.load(Ordering::Relaxed).then(|| "the file could not be read to its end".to_string())
    }

    /// Reads from the file itself, noting a failure.
    fn read_file_at(&self, out: &mut [u8], offset: u64) -> std::io::Result<()> {
        let r = self.file.read_exact_at(out, offset);
        if r.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        r
    }

    /// The file's length when it was opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the tail starts, and its bytes.
    pub fn tail(&self) -> (u64, &[u8]) {
        (self.tail_start, &self.tail)
    }

    /// Reads `out.len()` bytes at `offset` into `out` (from the tail when it
    /// holds them). Err when the file ends first.
    pub fn read_exact_at(&self, out: &mut [u8], offset: u64) -> std::io::Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        if let Some(from) = offset.checked_sub(self.tail_start).and_then(|o| usize::try_from(o).ok()) {
            let held = from.checked_add(out.len()).and_then(|end| self.tail.get(from..end));
            return match held {
                Some(bytes) => {
                    out.copy_from_slice(bytes);
                    Ok(())
                }
                None => Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
            };
        }
        if offset.saturating_add(out.len() as u64) > self.len {
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        }
        self.read_file_at(out, offset)
    }
}

impl<'a> From<&'a [u8]> for Source<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Source::Memory(bytes)
    }
}

impl<'a> From<&'a Vec<u8>> for Source<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        Source::Memory(bytes)
    }
}

impl<'a> Source<'a> {
    /// The archive's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Source::Memory(d) => d.len() as u64,
            Source::File(f) => f.len,
        }
    }

    /// Whether the archive is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes held in memory and the file offset of their first byte:
    /// the whole archive from 0, or a file's tail.
    pub fn held(&self) -> (u64, &'a [u8]) {
        match *self {
            Source::Memory(d) => (0, d),
            Source::File(f) => (f.tail_start, &f.tail),
        }
    }

    /// The bytes from `offset` on, at most `len` of them (fewer where the
    /// archive ends): borrowed when they are held in memory, else read into
    /// `buf`. None when `offset` is past the end or the read fails.
    pub fn get<'b>(&self, offset: u64, len: usize, buf: &'b mut Vec<u8>) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        let (base, held) = self.held();
        let end = offset.saturating_add(len as u64).min(self.len());
        if offset > self.len() {
            return None;
        }
        if let (Some(from), Some(to)) = (
            offset.checked_sub(base).and_then(|o| usize::try_from(o).ok()),
            end.checked_sub(base).and_then(|o| usize::try_from(o).ok()),
        ) {
            return held.get(from..to);
        }
        let Source::File(f) = *self else { return None };
        let n = usize::try_from(end.saturating_sub(offset)).ok()?;
        super::grow_zeroed(buf, n);
        let out = buf.get_mut(..n)?;
        f.read_file_at(out, offset).ok()?;
        buf.get(..n)
    }

    /// Whether both are the same bytes (the same slice, or the same file).
    pub fn same(&self, other: &Source<'_>) -> bool {
        match (self, other) {
            (Source::Memory(a), Source::Memory(b)) => std::ptr::eq(*a, *b),
            (Source::File(a), Source::File(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

/// Bytes a whole-file pass reads at a time (a multiple of the 1 MiB chunk
/// of the v2/v3 digests, and of the 4 KiB page).
pub const BLOCK: usize = 8 << 20;

/// Largest reading buffer a thread keeps between reads.
const MAX_KEPT_SCRATCH: usize = 32 << 20;

thread_local! {
    /// Each thread's reading buffer, taken while in use: a task that runs
    /// nested on the same thread meanwhile finds it gone and uses its own.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Runs `f` with this thread's reusable buffer (its pages faulted in once,
/// not once per read).
pub fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buf = SCRATCH.with(std::cell::Cell::take);
    let out = f(&mut buf);
    SCRATCH.with(|s| {
        let old = s.take();
        let keep = if old.capacity() > buf.capacity() { old } else { buf };
        // A buffer grown for one huge entry is not held for the rest of a batch.
        if keep.capacity() <= MAX_KEPT_SCRATCH {
            s.set(keep);
        }
    });
    out
}

/// The file at `path`, read whole when it holds at most `max` bytes: its
/// bytes, and why they may not be one version of it (it was written to
/// while it was read; see [`FileStamp::check`]), or None.
pub fn read_checked(path: &std::path::Path, max: u64) -> std::io::Result<(Vec<u8>, Option<String>)> {
    // Looked at before it is opened: opening a FIFO waits for a writer.
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other(crate::input::NOT_A_FILE));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let stamp = FileStamp::of(&meta);
    if stamp.len > max {
        return Err(std::io::Error::other(format!("file of {} bytes exceeds the limit of {max}", stamp.len)));
    }
    let n = usize::try_from(stamp.len).map_err(|_| std::io::Error::other("file too large for this platform"))?;
    let mut out = vec![0u8; n];
    file.read_exact_at(&mut out, 0)?;
    let changed = stamp.check(&file);
    Ok((out, changed))
}

/// The whole file, read into memory.
pub fn read_all(f: &FileSource) -> std::io::Result<Vec<u8>> {
    let n = usize::try_from(f.len).map_err(|_| std::io::Error::other("file too large for this platform"))?;
    let mut out = vec![0u8; n];
    f.read_exact_at(&mut out, 0)?;
    Ok(out)
}

/// Calls `each` with the file's bytes `[0, len)` in order, [`BLOCK`] bytes
/// at a time (the last block shorter). Stops at the first read error.
pub fn blocks(f: &FileSource, len: u64, mut each: impl FnMut(&[u8])) -> std::io::Result<()> {
    with_scratch(|buf| {
        let mut at = 0u64;
        while at < len {
            let n = usize::try_from((len - at).min(BLOCK as u64)).unwrap_or(BLOCK);
            super::grow_zeroed(buf, n);
            let out = buf.get_mut(..n).ok_or_else(|| std::io::Error::other("buffer"))?;
            f.read_exact_at(out, at)?;
            each(out);
            at = at.saturating_add(n as u64);
        }
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file_with(bytes: &[u8]) -> std::fs::File {
        let dir = std::env::temp_dir().join(format!("cleanscan-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("f{}", bytes.len()));
        std::fs::write(&path, bytes).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        f
    }

    #[test]
    fn file_reads_equal_memory_reads_in_and_out_of_the_tail() {
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let fs = FileSource::open(file_with(&bytes), bytes.len() as u64, 15_000).unwrap();
        let (file, mem) = (Source::File(&fs), Source::Memory(&bytes));
        for (offset, len) in [(0u64, 10usize), (14_990, 20), (15_000, 5_000), (19_990, 100), (20_000, 1), (3, 0)] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            assert_eq!(file.get(offset, len, &mut a), mem.get(offset, len, &mut b), "{offset} {len}");
        }
        assert_eq!(file.get(20_001, 1, &mut Vec::new()), None);
        let mut seen = Vec::new();
        blocks(&fs, 19_999, |b| seen.extend_from_slice(b)).unwrap();
        assert_eq!(seen, bytes[..19_999]);
        let mut out = [0u8; 8];
        fs.read_exact_at(&mut out, 14_996).unwrap();
        assert_eq!(out, bytes[14_996..15_004]);
        assert!(fs.read_exact_at(&mut out, 19_995).is_err());
        // A read past the length the file had is the caller's mistake, not the file's.
        assert_eq!(fs.trouble(), None);
    }

    /// A file opened for writing too, its path removed.
    fn writable_file_with(bytes: &[u8], name: &str) -> std::fs::File {
        let dir = std::env::temp_dir().join(format!("cleanscan-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let f = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        f
    }

    #[test]
    fn a_file_written_to_after_it_was_opened_is_seen() {
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let len = bytes.len() as u64;
        // Untouched: nothing to say.
        let f = writable_file_with(&bytes, "untouched");
        let stamp = FileStamp::of(&f.metadata().unwrap());
        assert_eq!((stamp.len(), stamp.check(&f)), (len, None));
        let fs = FileSource::open(f, len, 15_000).unwrap();
        let mut out = vec![0u8; 100];
        fs.read_exact_at(&mut out, 100).unwrap();
        assert_eq!(fs.trouble(), None);

        // Moved on, linked and made read-only while open (a pipeline's doing):
        // not a byte changed, nothing to say.
        let dir = std::env::temp_dir().join(format!("cleanscan-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("moved-a"), dir.join("moved-b"), dir.join("moved-c"));
        std::fs::write(&a, &bytes).unwrap();
        let f = std::fs::File::open(&a).unwrap();
        let stamp = FileStamp::of(&f.metadata().unwrap());
        std::fs::rename(&a, &b).unwrap();
        std::fs::hard_link(&b, &c).unwrap();
        let mut perms = std::fs::metadata(&b).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&b, perms).unwrap();
        assert_eq!(stamp.check(&f), None);
        std::fs::remove_file(&b).unwrap();
        std::fs::remove_file(&c).unwrap();

        // Grown (an upload still being written).
        let f = writable_file_with(&bytes, "grown");
        let stamp = FileStamp::of(&f.metadata().unwrap());
        f.write_all_at(b"more", len).unwrap();
        assert_eq!(stamp.check(&f).unwrap(), "the file changed while it was scanned (20000 bytes, then 20004)");

        // Written in place, same length: its modification time moved.
        let f = writable_file_with(&bytes, "rewritten");
        let fs = FileSource::open(f.try_clone().unwrap(), len, 15_000).unwrap();
        f.write_all_at(b"x", 10).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)).unwrap();
        assert_eq!(fs.trouble().unwrap(), "the file was written to while it was scanned");

        // Truncated: a read of bytes it had fails, and is remembered.
        let f = writable_file_with(&bytes, "truncated");
        let fs = FileSource::open(f.try_clone().unwrap(), len, 15_000).unwrap();
        f.set_len(10_000).unwrap();
        assert!(fs.read_exact_at(&mut out, 9_950).is_err());
        assert!(fs.failed.load(Ordering::Relaxed));
        assert_eq!(fs.trouble().unwrap(), "the file changed while it was scanned (20000 bytes, then 10000)");
        // The tail was read when opened: reads there still succeed.
        fs.read_exact_at(&mut out, 15_000).unwrap();

        // Opened at a length it no longer has.
        let f = writable_file_with(&bytes, "stale");
        assert!(FileSource::open(f, len + 1, 15_000).is_err());
    }

    #[test]
    fn read_checked_reads_whole_files_within_the_limit() {
        let dir = std::env::temp_dir().join(format!("cleanscan-checked-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let bytes: Vec<u8> = (0..5_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_checked(&path, 5_000).unwrap(), (bytes, None));
        let over = read_checked(&path, 4_999).unwrap_err().to_string();
        assert_eq!(over, "file of 5000 bytes exceeds the limit of 4999");
        let device = read_checked(std::path::Path::new("/dev/null"), 1).unwrap_err().to_string();
        assert_eq!(device, crate::input::NOT_A_FILE);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

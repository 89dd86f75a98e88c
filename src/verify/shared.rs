//! Entries inflated once for two readers: the analysis and v1 verification.
//!
//! An APK signed only with v1 (JAR) signatures has every entry's digest
//! checked against `META-INF/MANIFEST.MF`, which means inflating every entry,
//! while the analysis inflates its DEX files and native libraries too. The
//! analysis publishes the bytes of a deflated DEX or library here as soon as
//! it has inflated them; the verifier hashes them instead of inflating the
//! entry again, and inflates only what nobody published. Whoever comes
//! first to an entry decides: an entry the verifier has claimed is not
//! published, and the verifier leaves an entry being inflated for the end
//! and then waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::formats::zip::ZipEntry;

/// Bytes published at most, together: beyond it the verifier inflates for
/// itself, so that bytes it never takes (a signature that fails before
/// the entries are hashed) cannot pile up.
const MAX_PUBLISHED_BYTES: u64 = 64 << 20;

enum Slot {
    /// The analysis is inflating it.
    Reading,
    /// Its first `usize` bytes, inflated.
    Ready(Arc<Vec<u8>>, usize),
    /// Taken, claimed by the verifier, or not inflated after all.
    Gone,
}

/// Entries of one APK's directory, by their address in it (both readers
/// hold the same `ZipDirectory`).
#[derive(Default)]
pub struct SharedEntries {
    slots: Mutex<(HashMap<usize, Slot>, u64)>,
    changed: Condvar,
}

impl std::fmt::Debug for SharedEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedEntries").finish_non_exhaustive()
    }
}

fn key(e: &ZipEntry) -> usize {
    std::ptr::from_ref(e) as usize
}

/// What the verifier gets for an entry.
pub enum Taken {
    /// Its bytes, inflated by the analysis.
    Bytes(Arc<Vec<u8>>, usize),
    /// Being inflated: come back to it.
    Later,
    /// Nobody has it: read it yourself.
    Yourself,
}

/// The analysis's claim on an entry it is inflating; dropped without
/// [`Publishing::ready`], the entry is given up.
pub struct Publishing<'s> {
    shared: &'s SharedEntries,
    key: usize,
    /// The size the central directory declares, counted when claimed.
    declared: u64,
    done: bool,
}

impl SharedEntries {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, (HashMap<usize, Slot>, u64)> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The analysis is about to inflate `e`: a claim to publish it, unless
    /// someone has the entry already or the published bytes would pass
    /// [`MAX_PUBLISHED_BYTES`].
    pub fn begin(&self, e: &ZipEntry) -> Option<Publishing<'_>> {
        let mut st = self.lock();
        let (slots, published) = &mut *st;
        if slots.contains_key(&key(e)) || published.saturating_add(e.uncompressed_size) > MAX_PUBLISHED_BYTES {
            return None;
        }
        *published = published.saturating_add(e.uncompressed_size);
        slots.insert(key(e), Slot::Reading);
        Some(Publishing { shared: self, key: key(e), declared: e.uncompressed_size, done: false })
    }

    /// For the verifier: the entry's bytes when published (they are handed
    /// over and the entry marked taken), `Later` while it is being
    /// inflated, else `Yourself` (and the entry is claimed, so that it is
    /// not published meanwhile).
    pub fn take(&self, e: &ZipEntry) -> Taken {
        let mut st = self.lock();
        let slots = &mut st.0;
        match slots.get(&key(e)) {
            Some(Slot::Reading) => Taken::Later,
            Some(Slot::Gone) => Taken::Yourself,
            Some(Slot::Ready(..)) => match slots.insert(key(e), Slot::Gone) {
                Some(Slot::Ready(bytes, n)) => Taken::Bytes(bytes, n),
                _ => Taken::Yourself,
            },
            None => {
                slots.insert(key(e), Slot::Gone);
                Taken::Yourself
            }
        }
    }

    /// [`Self::take`], waiting while the entry is being inflated (a thread of
    /// the pool runs the pool's queued work meanwhile).
    pub fn wait_take(&self, e: &ZipEntry) -> Taken {
        loop {
            match self.take(e) {
                Taken::Later => {}
                other => return other,
            }
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                let st = self.lock();
                if matches!(st.0.get(&key(e)), Some(Slot::Reading)) {
                    drop(self.changed.wait_timeout(st, Duration::from_millis(1)));
                }
            }
        }
    }

    fn set(&self, key: usize, slot: Slot) {
        self.lock().0.insert(key, slot);
        self.changed.notify_all();
    }
}

impl Publishing<'_> {
    /// Publishes the entry's bytes: the first `n` of `bytes`. An entry that
    /// inflated to more than its declared size is published only while the
    /// total stays within [`MAX_PUBLISHED_BYTES`] (a lying header cannot make
    /// published buffers pile up); otherwise it is given up, and the
    /// caller's `Arc` stays the only one.
    pub fn ready(mut self, bytes: Arc<Vec<u8>>, n: usize) {
        self.done = true;
        let mut st = self.shared.lock();
        let (slots, published) = &mut *st;
        let extra = (n as u64).saturating_sub(self.declared);
        let slot = if published.saturating_add(extra) > MAX_PUBLISHED_BYTES {
            Slot::Gone
        } else {
            *published = published.saturating_add(extra);
            Slot::Ready(bytes, n)
        };
        slots.insert(self.key, slot);
        drop(st);
        self.shared.changed.notify_all();
    }
}

impl Drop for Publishing<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.shared.set(self.key, Slot::Gone);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64) -> ZipEntry {
        ZipEntry { name: name.into(), uncompressed_size: size, ..ZipEntry::default() }
    }

    #[test]
    fn first_comer_decides_and_bytes_are_taken_once() {
        let (a, b, c) = (entry("a", 10), entry("b", 10), entry("c", 10));
        let s = SharedEntries::new();
        // The analysis first: published, then taken once.
        let p = s.begin(&a).unwrap();
        assert!(matches!(s.take(&a), Taken::Later));
        p.ready(Arc::new(vec![1, 2, 3, 4]), 3);
        match s.take(&a) {
            Taken::Bytes(bytes, n) => assert_eq!(&bytes[..n], &[1, 2, 3]),
            _ => panic!("not published"),
        }
        assert!(matches!(s.take(&a), Taken::Yourself));
        assert!(s.begin(&a).is_none(), "taken entries are not published again");
        // The verifier first: the analysis does not publish.
        assert!(matches!(s.take(&b), Taken::Yourself));
        assert!(s.begin(&b).is_none());
        // A claim given up (the read failed): the verifier reads it.
        drop(s.begin(&c).unwrap());
        assert!(matches!(s.wait_take(&c), Taken::Yourself));
    }

    #[test]
    fn published_bytes_are_capped() {
        let s = SharedEntries::new();
        let big = entry("big", MAX_PUBLISHED_BYTES - 5);
        let more = entry("more", 10);
        let p = s.begin(&big).unwrap();
        assert!(s.begin(&more).is_none());
        drop(p);
        // A header that declares 1 byte for an entry that inflates to more
        // than the cap: not published, and the caller keeps its buffer.
        let s = SharedEntries::new();
        let liar = entry("liar", 1);
        let bytes = Arc::new(vec![0u8; 16]);
        let n = usize::try_from(MAX_PUBLISHED_BYTES).unwrap() + 1;
        s.begin(&liar).unwrap().ready(Arc::clone(&bytes), n);
        assert_eq!(Arc::strong_count(&bytes), 1);
        assert!(matches!(s.take(&liar), Taken::Yourself));
        // Within the cap, the extra bytes count: the next claim sees them.
        let s = SharedEntries::new();
        let (small, next) = (entry("small", 1), entry("next", MAX_PUBLISHED_BYTES / 2));
        s.begin(&small).unwrap().ready(Arc::new(Vec::new()), usize::try_from(MAX_PUBLISHED_BYTES / 2 + 10).unwrap());
        assert!(s.begin(&next).is_none());
    }

    #[test]
    fn the_verifier_waits_for_an_entry_being_inflated() {
        let e = entry("classes.dex", 4);
        let s = SharedEntries::new();
        let p = s.begin(&e).unwrap();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| match s.wait_take(&e) {
                Taken::Bytes(bytes, n) => bytes[..n].to_vec(),
                _ => Vec::new(),
            });
            std::thread::sleep(Duration::from_millis(20));
            p.ready(Arc::new(vec![9, 8, 7, 6]), 4);
            assert_eq!(waiter.join().unwrap(), vec![9, 8, 7, 6]);
        });
    }
}

//! The per-app driver and the parallel batch.
//!
//! `scan_file` never panics: a panic inside a parser becomes an `internal`
//! error record for that app (each such panic is still a bug). `scan_batch`
//! runs N workers that take inputs in order from a shared counter and hands
//! reports to the caller's sink strictly in input order.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::container::{self, Kind, Limits};
use crate::evidence::ErrorRecord;
use crate::extract::facts::Facts;
use crate::fingerprint::Detections;
use crate::formats::source::{FileSource, FileStamp, Source};
use crate::formats::zip::ZipDirectory;
use crate::input::Input;
use crate::report::{AppInfo, AppReport, ComponentNames, DexSummary, IntentFilters};
use crate::signatures::compile::Matchers;
use crate::verify::digest::FileDigest;

/// Validated options for a scan.
#[derive(Clone, Default)]
pub struct Options {
    /// Worker threads (1 or more).
    pub threads: usize,
    pub limits: Limits,
    /// The compiled signature database; None scans facts only (no SDKs,
    /// owners, publisher or verdicts).
    pub matchers: Option<Arc<Matchers>>,
    /// A database still being loaded on another thread (used when
    /// `matchers` is None): apps are read and extracted meanwhile, and wait
    /// for it only to be judged.
    pub deferred: Option<Arc<DeferredMatchers>>,
}

/// The first stage of loading a signature database: reads and parses it,
/// and returns the second stage, or says why it could not.
pub type DatabaseLoad = Box<dyn FnOnce() -> Result<DatabaseCompile, String> + Send>;

/// The second stage: compiles what the first one read into matchers.
pub type DatabaseCompile = Box<dyn FnOnce() -> Result<Matchers, String> + Send>;

/// How long a pool thread waiting for the database sleeps before it looks
/// for queued work again.
const POLL_WHILE_LOADING: std::time::Duration = std::time::Duration::from_micros(50);

/// A signature database loaded beside the first apps, so that start-up
/// overlaps their extraction. Each stage (read, compile) runs once, on
/// whichever thread takes it first: a thread handed it for that (an idle
/// pool thread, or the batch's loader thread), or the first app that needs
/// the database to be judged. An app that finds a stage running waits for
/// it; one that finds it not yet started runs it itself, so a pool that has
/// no idle thread never waits on a stage that sits in its own queue.
///
/// The stages are apart for one app on the pool (`compile_beside_app`):
/// an idle thread reads the database at once, and the compile is queued
/// only when the app has queued its own parallel work (its signature
/// verification beside its entries), so that a thread coming free takes
/// the app's work first.
pub struct DeferredMatchers {
    state: std::sync::Mutex<Loading>,
    ready: std::sync::Condvar,
    /// Whether an app queues the compile once its own parallel work is queued.
    beside_app: bool,
}

struct Loading {
    stage: Stage,
    /// Somebody wants the database: the thread that finishes reading it
    /// compiles it at once.
    wanted: bool,
}

enum Stage {
    Unread(DatabaseLoad),
    Reading,
    Read(DatabaseCompile),
    Compiling,
    Done(Result<Arc<Matchers>, String>),
}

impl DeferredMatchers {
    pub fn new(load: DatabaseLoad) -> Self {
        DeferredMatchers {
            state: std::sync::Mutex::new(Loading { stage: Stage::Unread(load), wanted: false }),
            ready: std::sync::Condvar::new(),
            beside_app: false,
        }
    }

    /// See the type's documentation: the compile waits for the app's own
    /// parallel work to be queued (`Options::deferred` of a one-app scan).
    pub fn compile_beside_app(mut self) -> Self {
        self.beside_app = true;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loading> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the database here unless another thread has started to; compiles
    /// it too when somebody asked for it meanwhile. Returns the database when
    /// this call compiled it.
    pub fn read(&self) -> Option<Arc<Matchers>> {
        self.advance(false)
    }

    /// Reads and compiles here whatever stage nobody has started (a stage
    /// being read elsewhere is compiled by its reader). Returns the database
    /// when this call compiled it.
    pub fn run(&self) -> Option<Arc<Matchers>> {
        self.advance(true)
    }

    fn advance(&self, compile: bool) -> Option<Arc<Matchers>> {
        let mut st = self.lock();
        if compile {
            st.wanted = true;
        }
        if let Stage::Unread(_) = st.stage {
            let Stage::Unread(load) = std::mem::replace(&mut st.stage, Stage::Reading) else { return None };
            drop(st);
            // A panic in either stage is an error like any other, and still wakes the waiters.
            let read = catch_unwind(AssertUnwindSafe(load))
                .unwrap_or_else(|_| Err("the signature database loader panicked".to_string()));
            st = self.lock();
            st.stage = match read {
                Ok(next) => Stage::Read(next),
                Err(e) => Stage::Done(Err(e)),
            };
            self.ready.notify_all();
        }
        if !st.wanted || !matches!(st.stage, Stage::Read(_)) {
            return None;
        }
        let Stage::Read(next) = std::mem::replace(&mut st.stage, Stage::Compiling) else { return None };
        drop(st);
        let compiled = catch_unwind(AssertUnwindSafe(next))
            .unwrap_or_else(|_| Err("the signature database loader panicked".to_string()))
            .map(Arc::new);
        let mine = compiled.as_ref().ok().cloned();
        self.lock().stage = Stage::Done(compiled);
        self.ready.notify_all();
        mine
    }

    /// The database, loading it here as far as nobody has started to; the
    /// error message when it could not load.
    ///
    /// A thread of a pool waits by taking the pool's queued work meanwhile:
    /// the parts of the database that its reader queued (the files' parsing
    /// and the digest, `signatures::load`), or an app's own parts.
    pub fn result(&self) -> Result<Arc<Matchers>, String> {
        self.run();
        let on_pool = rayon::current_thread_index().is_some();
        let mut st = self.lock();
        loop {
            if let Stage::Done(r) = &st.stage {
                return r.clone();
            }
            if on_pool {
                drop(st);
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    // Nothing queued now: wait a little (the reader may queue
                    // parts later), then look again.
                    let idle = self.lock();
                    if !matches!(idle.stage, Stage::Done(_)) {
                        drop(self.ready.wait_timeout(idle, POLL_WHILE_LOADING));
                    }
                }
                st = self.lock();
            } else {
                st = self.ready.wait(st).unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        }
    }

    /// The database (see [`Self::result`]); None when it could not load.
    pub fn wait(&self) -> Option<Arc<Matchers>> {
        self.result().ok()
    }

    /// Queues the compile on the pool, for a thread that comes free, unless
    /// it is running or done (or was handed to the reader). It warms the
    /// matchers too.
    fn queue_compile(self: &Arc<Self>) {
        let st = self.lock();
        if st.wanted || matches!(st.stage, Stage::Compiling | Stage::Done(_)) {
            return;
        }
        drop(st);
        let d = Arc::clone(self);
        rayon::spawn(move || {
            if let Some(m) = d.run() {
                m.warm();
            }
        });
    }
}

thread_local! {
    /// The deferred database of a one-app scan on this thread, until the
    /// app's analysis has queued its own parallel work (`app_work_queued`).
    static COMPILE_WHEN_QUEUED: std::cell::RefCell<Option<Arc<DeferredMatchers>>> =
        const { std::cell::RefCell::new(None) };
}

/// Called by an analysis once its own parallel work is queued (an APK's
/// signature verification, beside its entries): a deferred database's
/// compile then queues behind it.
pub(crate) fn app_work_queued() {
    if let Some(d) = COMPILE_WHEN_QUEUED.with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take())) {
        d.queue_compile();
    }
}

impl Options {
    /// The signature database, waiting for a deferred one to finish loading.
    pub fn matchers(&self) -> Option<Arc<Matchers>> {
        match (&self.matchers, &self.deferred) {
            (Some(m), _) => Some(Arc::clone(m)),
            (None, Some(d)) => d.wait(),
            (None, None) => None,
        }
    }
}

/// Lowercase hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Scans one input. Never panics.
pub fn scan_input(input: &Input, opts: &Options) -> AppReport {
    scan_input_releasing(input, opts, &|| {}, None)
}

/// `scan_input`, calling `bytes_done` once the input's bytes are no longer
/// held (they are read, analysed and digested; fingerprinting, judging and
/// the report remain), or not at all.
fn scan_input_releasing(
    input: &Input,
    opts: &Options,
    bytes_done: &dyn Fn(),
    streamed: Option<Option<Streamed>>,
) -> AppReport {
    let path = input.path.display().to_string();
    if let Some(err) = &input.error {
        return AppReport {
            path,
            kind: Kind::Unknown.as_str().to_string(),
            errors: vec![ErrorRecord::new("input", "", err.clone())],
            ..AppReport::default()
        };
    }
    match catch_unwind(AssertUnwindSafe(|| scan_file_releasing(&input.path, opts, bytes_done, streamed))) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            AppReport {
                path,
                kind: Kind::Unknown.as_str().to_string(),
                errors: vec![ErrorRecord::new("internal", "", format!("analysis panicked (a bug): {msg}"))],
                ..AppReport::default()
            }
        }
    }
}

/// Reads and scans one file.
pub fn scan_file(path: &Path, opts: &Options) -> AppReport {
    scan_file_releasing(path, opts, &|| {}, None)
}

/// `scan_file`, calling `bytes_done` once the file's bytes are given back
/// (before the facts are judged), or not at all. `streamed` is what
/// [`open_streamed`] gave for this file, when the caller has asked it
/// already (None: asked here).
fn scan_file_releasing(
    path: &Path,
    opts: &Options,
    bytes_done: &dyn Fn(),
    streamed: Option<Option<Streamed>>,
) -> AppReport {
    let mut report = AppReport { path: path.display().to_string(), ..AppReport::default() };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            report.kind = Kind::Unknown.as_str().to_string();
            report.errors.push(ErrorRecord::new("input", "", e.to_string()));
            return report;
        }
    };
    // Input expansion walks folders, so a folder here is a `--split-set`.
    if meta.is_dir() {
        return scan_split_dir(path, opts);
    }
    if !meta.is_file() {
        report.kind = Kind::Unknown.as_str().to_string();
        report.errors.push(ErrorRecord::new("input", "", crate::input::NOT_A_FILE));
        return report;
    }
    if meta.len() > opts.limits.max_file_bytes {
        report.size = meta.len();
        report.kind = Kind::Unknown.as_str().to_string();
        report.errors.push(ErrorRecord::new(
            "input",
            "",
            format!("file of {} bytes exceeds the limit of {}", meta.len(), opts.limits.max_file_bytes),
        ));
        return report;
    }
    let Ok(len) = usize::try_from(meta.len()) else {
        report.kind = Kind::Unknown.as_str().to_string();
        report.errors.push(ErrorRecord::new("input", "", "file too large for this platform"));
        return report;
    };
    if let Some(streamed) = streamed.unwrap_or_else(|| open_streamed(path, &opts.limits)) {
        let analyzed = analyze_streamed(streamed, report, opts);
        bytes_done();
        return analyzed.conclude(opts);
    }
    let mut file = FILE_BUFFERS.take(len);
    let changed = match read_file(path, file.bytes_mut(), opts.limits.split_app) {
        Ok(changed) => changed,
        Err(e) => {
            FILE_BUFFERS.give(file);
            report.kind = Kind::Unknown.as_str().to_string();
            report.errors.push(ErrorRecord::new("input", "", e.to_string()));
            return report;
        }
    };
    // A v4 signature travels beside the APK as `APK.idsig` (apksigner --v4-signature-file).
    let mut idsig_path = path.as_os_str().to_owned();
    idsig_path.push(".idsig");
    // None when it is missing, not a regular file, or over 64 MiB.
    let idsig_path = std::path::PathBuf::from(idsig_path);
    let (idsig, idsig_changed) = crate::formats::source::read_checked(&idsig_path, 64 << 20)
        .map_or((None, None), |(bytes, changed)| (Some(bytes), changed));
    let mut analyzed = analyze_and_digest(file.bytes(), report, opts, idsig.as_deref());
    if let Some(why) = changed {
        not_one_version(&mut analyzed.report, why);
    }
    if let Some(why) = idsig_changed {
        let name = idsig_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        analyzed.report.errors.push(ErrorRecord::new(
            "input",
            name,
            format!("{why}: its v4 signature may not be checked against one version of it"),
        ));
    }
    FILE_BUFFERS.give(file);
    drop(idsig);
    bytes_done();
    analyzed.conclude(opts)
}

/// Files this large are read in parallel parts when the pool has threads
/// to spare: each thread copies its part and faults in its pages.
const PARALLEL_READ_BYTES: u64 = 8 << 20;

/// Fills `buf` with the first `buf.len()` bytes of the file at `path` (its
/// length by the metadata), in parallel parts when `split` allows it. A file
/// shorter than that is an error. Ok(Some(why)) when the bytes read may not
/// be one version of the file: it was written to while it was read, or it
/// had grown since its metadata was taken.
fn read_file(path: &Path, buf: &mut [u8], split: bool) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let stamp = FileStamp::of(&file.metadata()?);
    let parts = if split { rayon::current_num_threads().clamp(1, 8) } else { 1 };
    if (buf.len() as u64) < PARALLEL_READ_BYTES || parts < 2 {
        file.read_exact_at(buf, 0)?;
    } else {
        let chunk = buf.len().div_ceil(parts);
        use rayon::prelude::*;
        buf.par_chunks_mut(chunk).enumerate().try_for_each(|(i, part)| {
            let offset = i.checked_mul(chunk).and_then(|o| u64::try_from(o).ok()).unwrap_or(u64::MAX);
            file.read_exact_at(part, offset)
        })?;
    }
    if stamp.len() != buf.len() as u64 {
        return Ok(Some(crate::formats::source::resized(buf.len() as u64, stamp.len())));
    }
    Ok(stamp.check(&file))
}

/// Marks a report whose bytes may mix versions of its file (`why`): an
/// input error says so, and the report gives no `sha256` (it would name no
/// version of the file).
fn not_one_version(report: &mut AppReport, why: String) {
    report.sha256.clear();
    report.errors.push(ErrorRecord::new(
        "input",
        "",
        format!("{why}: the report may mix versions of the file, and its sha256 is left out"),
    ));
}

/// Buffers that input files are read into, kept across apps: a fresh
/// allocation is faulted in page by page (on this VM reading a 62 MB APK
/// into new memory took 90-110 ms, three times its hashing), a reused one is
/// not. An app takes the smallest buffer that holds it, so one large buffer
/// serves the large apps that the memory budget admits one at a time.
static FILE_BUFFERS: BufferPool = BufferPool::new();

/// Buffers kept at most; more are freed on return.
const MAX_POOLED_BUFFERS: usize = 4;

struct BufferPool {
    /// Each buffer is wholly initialised (`len() == capacity()` as
    /// allocated): reuse writes nothing before the read overwrites it.
    free: std::sync::Mutex<Vec<Vec<u8>>>,
}

/// One file's bytes in a pooled buffer: the first `len` bytes of `buf`.
struct FileBuffer {
    buf: Vec<u8>,
    len: usize,
}

impl FileBuffer {
    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buf.get_mut(..self.len).unwrap_or_default()
    }
}

impl BufferPool {
    const fn new() -> Self {
        BufferPool { free: std::sync::Mutex::new(Vec::new()) }
    }

    /// A buffer of at least `len` bytes: the smallest kept one that holds
    /// them, else a new one. A new one replaces the largest kept one and is
    /// sized to the next power of two, so that apps growing in size (a
    /// corpus sorted by size, or its largest apps last) allocate, and fault
    /// in, a new buffer only when they double, not at each new record. Its
    /// pages beyond `len` are zero pages from the allocator (`calloc`) that
    /// no one touches until a larger file is read into them.
    fn take(&self, len: usize) -> FileBuffer {
        let mut free = self.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let fits = free.iter().enumerate().filter(|(_, b)| b.len() >= len).min_by_key(|(_, b)| b.len()).map(|(i, _)| i);
        if let Some(i) = fits {
            return FileBuffer { buf: free.swap_remove(i), len };
        }
        if let Some(i) = free.iter().enumerate().max_by_key(|(_, b)| b.len()).map(|(i, _)| i) {
            drop(free.swap_remove(i));
        }
        drop(free);
        let mut buf = Vec::new();
        crate::formats::grow_zeroed(&mut buf, len);
        FileBuffer { buf, len }
    }

    fn give(&self, file: FileBuffer) {
        let mut free = self.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        free.push(file.buf);
        if free.len() > MAX_POOLED_BUFFERS {
            // Keep the largest ones.
            free.sort_by_key(|b| std::cmp::Reverse(b.len()));
            free.truncate(MAX_POOLED_BUFFERS);
        }
    }
}

/// Scans bytes already in memory; `report` carries the path.
pub fn scan_bytes(data: &[u8], report: AppReport, opts: &Options) -> AppReport {
    scan_bytes_with_idsig(data, report, opts, None)
}

/// `scan_bytes` with the APK's v4 signature file, when there is one.
pub fn scan_bytes_with_idsig(data: &[u8], report: AppReport, opts: &Options, idsig: Option<&[u8]>) -> AppReport {
    analyze_and_digest(data, report, opts, idsig).conclude(opts)
}

/// An app whose bytes have been analysed and digested: the report so far,
/// and the analysis still to be judged and mapped onto it. Nothing here
/// borrows the bytes, so a batch can hand them (and their share of the
/// memory budget) to the next app while this one is judged.
struct Analyzed {
    report: AppReport,
    pending: Option<(crate::extract::ApkAnalysis, Kind)>,
}

impl Analyzed {
    fn conclude(self, opts: &Options) -> AppReport {
        let Analyzed { mut report, pending } = self;
        if let Some((analysis, kind)) = pending {
            finish(&mut report, analysis, opts);
            if kind == Kind::Zip && report.app.id.is_none() {
                // Not an app: no manifest, bundle, IPA payload or SDK layout
                // (or a directory too damaged to show one). Its DEX, native
                // code and endpoints were still scanned.
                report.errors.push(ErrorRecord::new(
                    "container",
                    "",
                    "no app found in this zip (no AndroidManifest.xml, bundle, IPA payload or SDK layout); scanned as a plain archive",
                ));
            }
        }
        report
    }
}

/// A large zip package (APK, split set, App Bundle, IPA, JAR/AAR/zip)
/// opened to be read as needed ([`FileSource`]), with its directory, parsed
/// from the file's tail.
pub struct Streamed {
    file: FileSource,
    dir: ZipDirectory,
}

impl Streamed {
    /// The open file and its directory.
    pub(crate) fn into_parts(self) -> (FileSource, ZipDirectory) {
        (self.file, self.dir)
    }

    /// Memory the scan is expected to hold: the tail, and three quarters of
    /// the file's size for inflated entries, reading buffers and extracted
    /// facts (measured at -j 2 on the generated corpus's four 54-62 MB APKs:
    /// 26-38 MB over a 7 MB process, 0.45-0.7 of their size).
    fn footprint(&self) -> u64 {
        let (_, tail) = self.file.tail();
        (tail.len() as u64).saturating_add(self.file.len() / 4 * 3)
    }
}

/// Most tail bytes (signing block, central directory, EOCD) a streamed file
/// holds; a file with more is read whole.
const MAX_STREAMED_TAIL: u64 = 64 << 20;

/// Opens a zip package of at least `Limits::stream_min_bytes` to be read as
/// needed: its tail (from its APK Signing Block, or else 24 bytes before its
/// central directory, to the end) is read and its directory parsed. (The
/// EOCD signatures the directory parse looks for before the tail do not
/// count: only those at or after the directory's end are anomalies.) None
/// for anything else (a DEX, ELF or Mach-O file, a folder), and whenever the
/// tail is unusual (ZIP64, a directory or block reaching past what was read,
/// data before the first entry, a directory Android would refuse, a
/// `.idsig` beside it): such a file is read whole, as smaller files are, and
/// gives the report it always gave.
pub fn open_streamed(path: &Path, limits: &Limits) -> Option<Streamed> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let len = meta.len();
    if !meta.is_file() || len < limits.stream_min_bytes.max(1) || len > limits.max_file_bytes {
        return None;
    }
    let mut idsig = path.as_os_str().to_owned();
    idsig.push(".idsig");
    if std::fs::symlink_metadata(&idsig).is_ok() {
        return None;
    }
    let mut head = [0u8; 4];
    file.read_exact_at(&mut head, 0).ok()?;
    if !container::looks_like_zip(&head) {
        return None;
    }
    let window = len.min(crate::formats::zip::MAX_EOCD_SEARCH as u64);
    let mut last = vec![0u8; usize::try_from(window).ok()?];
    let window_start = len.checked_sub(window)?;
    file.read_exact_at(&mut last, window_start).ok()?;
    let eocd = last.windows(4).rposition(|w| w == crate::formats::zip::EOCD_SIG.to_le_bytes())?;
    let field = last.get(eocd.checked_add(16)?..eocd.checked_add(20)?)?;
    let cd_offset = u64::from(u32::from_le_bytes(field.try_into().ok()?));
    if cd_offset == 0xffff_ffff || cd_offset > window_start.saturating_add(eocd as u64) {
        return None;
    }
    // The 24 bytes before the directory are where a signing block's footer
    // would be: held, so that its absence is seen as the whole file shows it.
    let mut start = cd_offset.saturating_sub(24);
    if let Some(footer_at) = cd_offset.checked_sub(24) {
        let mut footer = [0u8; 24];
        file.read_exact_at(&mut footer, footer_at).ok()?;
        if footer.get(8..) == Some(&crate::formats::sigblock::APK_SIG_BLOCK_MAGIC[..]) {
            let size = u64::from_le_bytes(footer.get(..8)?.try_into().ok()?);
            start = start.min(cd_offset.checked_sub(size.checked_add(8)?)?);
        }
    }
    if len.saturating_sub(start) > MAX_STREAMED_TAIL {
        return None;
    }
    let file = FileSource::open(file, len, start).ok()?;
    let src = Source::File(&file);
    let dir = ZipDirectory::parse_source(src, &limits.zip()).ok()?;
    if container::classify_zip(&dir) == Kind::Unknown
        || crate::formats::sigblock::locate_source(src, dir.cd_offset).is_err()
    {
        return None;
    }
    Some(Streamed { file, dir })
}

/// `analyze_and_digest` of a streamed file.
fn analyze_streamed(streamed: Streamed, mut report: AppReport, opts: &Options) -> Analyzed {
    let Streamed { file: fs, dir } = streamed;
    let src = Source::File(&fs);
    report.size = fs.len();
    let file = FileDigest::of(src);
    let mut analyzed = analyze_bytes(src, Some(dir), report, opts, None, &file);
    analyzed.report.sha256 = hex(&file.finish());
    // Entries and digests were read over the whole scan: the file is
    // checked once every read is done.
    if let Some(why) = fs.trouble() {
        not_one_version(&mut analyzed.report, why);
    }
    analyzed
}

/// The analysis of an APK whose directory `dir` was read (`refusal`: why
/// Android would not open it, when it was recovered), with the report's
/// container-level findings.
fn apk_analysis<'a>(
    data: Source<'a>,
    dir: &ZipDirectory,
    refusal: Option<String>,
    report: &mut AppReport,
    limits: &Limits,
    idsig: Option<&'a [u8]>,
    file: &'a FileDigest<'a>,
) -> crate::extract::ApkAnalysis {
    let starts_like_zip = match data {
        Source::Memory(bytes) => container::looks_like_zip(bytes),
        // `open_streamed` takes only files that do.
        Source::File(_) => true,
    };
    if !starts_like_zip {
        report.anomalies.push(crate::evidence::Anomaly::new(
            "zip-prefixed-data",
            "the file does not start with a zip local header (data before the first entry: Janus-style prepended DEX or junk)",
            "",
            Some(0),
        ));
    }
    report.entry_count = dir.entries.len();
    // libziparchive refuses duplicate names: the app would not install.
    if let Some(dup) = dir.anomalies.iter().find(|a| a.id == "zip-duplicate-entry") {
        report.errors.push(ErrorRecord::new(
            "container",
            dup.file.clone(),
            "Android refuses to install this archive (duplicate entry name); the first entry of each name was analysed",
        ));
    }
    if let Some(why) = refusal {
        report.errors.push(ErrorRecord::new(
            "container",
            "",
            format!("Android refuses to open this archive ({why}); analysed from the entries that could be recovered"),
        ));
    }
    crate::extract::analyze_apk_digesting(data, dir, limits, idsig, Some(file))
}

fn analyze_and_digest(data: &[u8], mut report: AppReport, opts: &Options, idsig: Option<&[u8]>) -> Analyzed {
    report.size = data.len() as u64;
    // The file digest is queued by the analysis (see `analyze_bytes`); one
    // that nobody took (an analysis that stopped early) is taken here.
    let file = FileDigest::new(data);
    let mut analyzed = analyze_bytes(Source::Memory(data), None, report, opts, idsig, &file);
    analyzed.report.sha256 = hex(&file.finish());
    analyzed
}

/// Analyses `data`, whose zip directory `parsed` the caller may have read
/// already (a streamed file's, read from its tail; any other source is
/// held in memory).
fn analyze_bytes<'a>(
    data: Source<'a>,
    parsed: Option<ZipDirectory>,
    mut report: AppReport,
    opts: &Options,
    idsig: Option<&'a [u8]>,
    file: &'a FileDigest<'a>,
) -> Analyzed {
    let limits = &opts.limits.starting_now();
    // Zip by content: Android opens an APK whatever its first bytes are (the
    // EOCD is the authority), so a zip is tried whenever an EOCD is found.
    let bytes = match data {
        Source::Memory(bytes) => Some(bytes),
        Source::File(_) => None,
    };
    let mut dir = match parsed {
        Some(d) => Ok(d),
        None => ZipDirectory::parse_source(data, &limits.zip()),
    };
    // An archive Android refuses (bad central directory offsets, no EOCD)
    // is still read for the reviewer when it holds a manifest: the refusal
    // stays visible as a `container` error record and the loud
    // `zip-central-directory-unreadable` anomaly.
    let mut refusal = None;
    if let (Err(e), Some(data)) = (&dir, bytes) {
        if container::looks_like_zip(data) || !matches!(e, crate::formats::zip::Error::NoEocd) {
            if let Ok(r) = ZipDirectory::recover(data, &limits.zip()) {
                if r.find("AndroidManifest.xml").is_some() {
                    refusal = Some(e.to_string());
                    dir = Ok(r);
                }
            }
        }
    }
    let kind = match &dir {
        Ok(d) => container::classify_zip(d),
        Err(_) => bytes.map_or(Kind::Unknown, container::classify_bytes),
    };
    report.kind = kind.as_str().to_string();
    // A one-app scan's database compile queues behind the app's own parallel
    // work: an APK's analysis queues it once its verification is queued, any
    // other kind now.
    if let Some(d) = opts.deferred.as_ref().filter(|d| d.beside_app) {
        if kind == Kind::Apk {
            COMPILE_WHEN_QUEUED.with(|c| c.replace(Some(Arc::clone(d))));
        } else {
            d.queue_compile();
        }
    }
    // The file digest runs beside the analysis when the pool has a free
    // thread (`-j` sizes the pool: at -j 1 this is sequential); the analysis,
    // the longer of the two, starts at once. An APK queues it beside its
    // verification instead (`extract::analyze_entries`): a thread that comes
    // free takes the verification first, and the verification takes the
    // digest side by side with its v2/v3 content digest in one pass.
    let digest_beside = !(kind == Kind::Apk && dir.is_ok());
    let analyze = || match (kind, dir) {
        (Kind::Apk, Ok(dir)) => Some(apk_analysis(data, &dir, refusal, &mut report, limits, idsig, file)),
        (Kind::Apks | Kind::Xapk | Kind::Apkm, Ok(dir)) => {
            report.entry_count = dir.entries.len();
            Some(crate::extract::splits::analyze_split_zip(data, &dir, limits))
        }
        (Kind::Aab, Ok(dir)) => {
            report.entry_count = dir.entries.len();
            Some(crate::extract::aab::analyze_aab(data, &dir, limits))
        }
        (Kind::Ipa, Ok(dir)) => {
            report.entry_count = dir.entries.len();
            Some(crate::extract::ipa::analyze_ipa(data, &dir, limits))
        }
        (Kind::Jar | Kind::Aar | Kind::Zip, Ok(dir)) => {
            report.entry_count = dir.entries.len();
            Some(crate::extract::archive::analyze_archive(data, &dir, kind, limits))
        }
        (Kind::Staticlib | Kind::Macho | Kind::Dex | Kind::Elf, _) => {
            bytes.map(|data| crate::extract::archive::analyze_file(data, kind, &report.path, limits))
        }
        (Kind::Unknown, Err(e)) if bytes.is_some_and(container::looks_like_zip) => {
            report.kind = Kind::Zip.as_str().to_string();
            report.errors.push(ErrorRecord::new("container", "", e.to_string()));
            None
        }
        (Kind::Unknown, _) => {
            report.errors.push(ErrorRecord::new("input", "", "not a recognised app or package format"));
            None
        }
        (other, _) => {
            report.errors.push(ErrorRecord::new(
                "unsupported",
                "",
                format!("{} files are recognised but not analysed yet", other.as_str()),
            ));
            None
        }
    };
    let analysis = if digest_beside { rayon::join(analyze, || file.take_alone()).0 } else { analyze() };
    // An analysis that queued no parallel work (a damaged APK).
    app_work_queued();
    Analyzed { report, pending: analysis.map(|a| (a, kind)) }
}

/// Judges an analysis and maps it onto the report.
fn finish(report: &mut AppReport, mut analysis: crate::extract::ApkAnalysis, opts: &Options) {
    analysis.facts.anomalies.append(&mut report.anomalies);
    if let Some(m) = opts.matchers() {
        judge(report, &analysis.facts, &m);
    }
    fill_from_facts(report, analysis.facts);
    report.errors.extend(analysis.errors);
}

/// Scans a folder of split APKs as one app (`--split-set DIR`).
pub fn scan_split_dir(path: &Path, opts: &Options) -> AppReport {
    let mut report =
        AppReport { path: path.display().to_string(), kind: "split-set".to_string(), ..AppReport::default() };
    let analysis = crate::extract::splits::analyze_split_dir(path, &opts.limits);
    report.entry_count = analysis.facts.members.len();
    finish(&mut report, analysis, opts);
    report
}

/// Fingerprints the facts and applies every policy of the database.
fn judge(report: &mut AppReport, facts: &Facts, m: &Matchers) {
    let det: Detections = crate::fingerprint::fingerprint(facts, m);
    report.verdicts = m.set.policies.iter().map(|p| crate::policy::evaluate(p, facts, &det)).collect();
    report.signatures = Some(m.set.info.clone());
    report.sdks = det.sdks;
    report.publisher = det.publisher;
    report.host_owners = det.hosts;
}

/// Maps extracted facts onto the report contract.
fn fill_from_facts(report: &mut AppReport, facts: Facts) {
    if let Some(m) = facts.manifest {
        report.app = AppInfo {
            id: m.package.clone(),
            version_code: m.version_code,
            version_name: m.version_name.clone(),
            min_sdk: m.min_sdk,
            target_sdk: m.target_sdk,
            max_sdk: m.max_sdk,
            label: m.label.clone(),
            platform: Some("android".to_string()),
            split: m.split.clone(),
        };
        report.permissions = m.uses_permissions.iter().map(|p| p.name.clone()).collect();
        let names = |v: &Vec<crate::extract::facts::Component>| v.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let c = &m.components;
        report.components = ComponentNames {
            activities: names(&c.activities),
            activity_aliases: names(&c.activity_aliases),
            services: names(&c.services),
            receivers: names(&c.receivers),
            providers: names(&c.providers),
        };
        for comp in
            c.activities.iter().chain(&c.activity_aliases).chain(&c.services).chain(&c.receivers).chain(&c.providers)
        {
            if !comp.intent_actions.is_empty() {
                report
                    .intent_filters
                    .push(IntentFilters { component: comp.name.clone(), actions: comp.intent_actions.clone() });
            }
        }
        report.declared_permissions = m.declared_permissions;
        report.application = m.application;
        report.meta_data = m.meta_data;
        report.queries_packages = m.queries_packages;
    } else if facts.ios.is_none() {
        report.app.platform = Some("android".to_string());
    }
    if let Some(ios) = &facts.ios {
        report.app.platform = Some("ios".to_string());
        report.app.id = ios.bundle_id.clone();
        report.app.version_name = ios.short_version.clone().or_else(|| ios.build_version.clone());
        report.app.label = ios.display_name.clone();
    }
    report.members = facts.members;
    report.ios = facts.ios;
    report.bundle = facts.bundle;
    report.dex = facts
        .dex
        .iter()
        .map(|d| DexSummary {
            file: d.file.clone(),
            version: d.version,
            strings: d.string_count,
            types: d.type_count,
            classes: d.class_def_count,
        })
        .collect();
    report.native_libs = facts.native_libs;
    report.signers = facts.signers;
    report.signing_block = facts.signing_block;
    report.signature_verification = facts.signature_verification;
    let owners = std::mem::take(&mut report.host_owners);
    report.endpoints = facts
        .endpoints
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let mut r: crate::report::EndpointReport = e.into();
            if let Some(o) = owners.get(i) {
                r.provider = o.provider.clone();
                r.owner = o.owner.clone();
                r.country = o.country.clone();
                r.clean_cloud_named = o.clean_cloud_named;
            }
            r
        })
        .collect();
    report.anomalies.extend(facts.anomalies);
}

/// What an existing JSONL output says for `--resume`.
#[derive(Debug, Default)]
pub struct ResumeState {
    /// (path, SHA-256) of every complete report line.
    pub done: std::collections::HashSet<(String, String)>,
    /// Some reported app failed a policy (the exit code covers the whole batch).
    pub any_fail: bool,
    /// Bytes of the file up to its last complete line: a kill may have left
    /// half a line behind, which is cut off before appending.
    pub complete_len: usize,
}

/// Reads an existing JSONL output for `--resume`. A last line without its
/// newline is not complete: that app is scanned again.
pub fn resume_state(text: &str) -> ResumeState {
    let mut st = ResumeState::default();
    for line in text.split_inclusive('\n') {
        if !line.ends_with('\n') {
            break;
        }
        st.complete_len = st.complete_len.saturating_add(line.len());
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if let (Some(p), Some(h)) = (v.get("path").and_then(|p| p.as_str()), v.get("sha256").and_then(|h| h.as_str())) {
            st.done.insert((p.to_string(), h.to_string()));
        }
        if let Some(vs) = v.get("verdicts").and_then(|v| v.as_array()) {
            st.any_fail |= vs.iter().any(|v| v.get("status").and_then(|s| s.as_str()) == Some("fail"));
        }
    }
    st
}

/// SHA-256 of a file's content, streamed (for `--resume`: an app counts as
/// done only when the same bytes were reported under the same path).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or(&[]));
    }
    Ok(hex(&h.finalize()))
}

/// Memory an app not streamed is expected to hold while it is scanned. A
/// file read whole: its bytes plus about half as much again for inflated
/// entries and extracted facts (measured: 92 MB peak for a 62 MB APK with 8
/// DEX files). A split-set folder: that of its largest member, whose
/// members are analysed one at a time, a large one streamed (measured: a
/// 61.7 MB base APK peaked at 41 MB).
fn footprint(input: &Input, limits: &Limits) -> u64 {
    if input.path.is_dir() {
        return footprint_guess(input, limits);
    }
    let size = file_len(input);
    size.saturating_add(size / 2)
}

/// `footprint` of an app not opened yet: one as large as a streamed file is
/// taken to be one (a guess, for `split_app` only).
fn footprint_guess(input: &Input, limits: &Limits) -> u64 {
    let size = file_len(input);
    if size >= limits.stream_min_bytes.max(1) {
        size / 4 * 3
    } else {
        size.saturating_add(size / 2)
    }
}

/// The input's size when it is a file; for a split-set folder, its largest
/// member's (members are read and analysed one at a time); 0 otherwise.
/// (A folder counted as 0 let split sets of any size in beside other apps.)
fn file_len(input: &Input) -> u64 {
    match std::fs::metadata(&input.path) {
        Ok(m) if m.is_file() => m.len(),
        Ok(m) if m.is_dir() => crate::extract::splits::split_dir_members(&input.path).map_or(0, |members| {
            members.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).max().unwrap_or(0)
        }),
        _ => 0,
    }
}

/// Whether the batch lets app `i` split its work across the pool
/// (`Limits::split_app`): when some thread would otherwise be idle while it
/// runs. That is the batch's last `threads` apps (the others have no app
/// left to take), and an app beside which the next one does not fit in the
/// memory budget (the next worker waits for it: a large app then has every
/// thread). Otherwise every thread has an app of its own, and splitting one
/// only adds per-part collectors, buffers and merges (about 6 % more CPU on
/// the generated benchmark corpus at -j 2).
fn split_app(total: usize, i: usize, threads: usize, budget: u64, footprint: impl Fn(usize) -> u64) -> bool {
    if threads < 2 {
        return false;
    }
    let left = total.saturating_sub(i.saturating_add(1));
    let next = i.saturating_add(1);
    let next_waits = budget > 0 && next < total && footprint(i).saturating_add(footprint(next)) > budget;
    left < threads || next_waits
}

/// Workers admit an app only while the footprints of the apps in flight fit
/// the budget, so peak memory does not grow with the thread count: two large
/// apps are scanned one after the other, small ones beside them. An app
/// larger than the whole budget runs alone.
struct MemoryBudget {
    cap: u64,
    used: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
}

impl MemoryBudget {
    fn new(cap: u64) -> Self {
        MemoryBudget { cap, used: std::sync::Mutex::new(0), freed: std::sync::Condvar::new() }
    }

    /// Waits until `bytes` (at most the cap) fit; returns what was taken.
    /// A worker of the pool that waits runs the pool's other work meanwhile
    /// (the DEX files and libraries of the app in flight), so a large app
    /// that holds the budget still has every thread.
    fn acquire(&self, bytes: u64) -> u64 {
        if self.cap == 0 {
            return 0;
        }
        let want = bytes.min(self.cap);
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used > 0 && used.saturating_add(want) > self.cap {
            drop(used);
            let helped = rayon::yield_now() == Some(rayon::Yield::Executed);
            used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !helped && *used > 0 && used.saturating_add(want) > self.cap {
                // Nothing to help with: sleep until a release, or briefly,
                // since work may be queued meanwhile without a release.
                let wait = std::time::Duration::from_micros(500);
                used = self.freed.wait_timeout(used, wait).unwrap_or_else(std::sync::PoisonError::into_inner).0;
            }
        }
        *used = used.saturating_add(want);
        want
    }

    fn release(&self, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(bytes);
        self.freed.notify_all();
    }
}

/// Scans every input with `opts.threads` workers and calls `sink` with each
/// report in input order. The sink's error stops the batch (e.g. a closed
/// pipe). Returns the number of reports delivered.
///
/// The workers are tasks of rayon's pool (sized by the caller) and the sink
/// runs on the calling thread. A worker's own parallel work (file digest
/// beside extraction, DEX files and libraries side by side) then stays on
/// the pool's queues: an idle thread steals it, a busy one runs it in place,
/// and no thread hands work across and sleeps until it is done.
pub fn scan_batch<E>(
    inputs: &[Input],
    opts: &Options,
    sink: impl FnMut(usize, AppReport) -> Result<(), E>,
) -> Result<usize, E> {
    scan_batch_map(inputs, opts, |_, report| report, sink)
}

/// `scan_batch`, with each report passed through `map` by the worker that
/// scanned it (e.g. serialised), so that the sink on the calling thread is
/// left only the writing: one thread serialising every report would be the
/// batch's serial part, and would compete with the workers for the cores.
pub fn scan_batch_map<T: Send, E>(
    inputs: &[Input],
    opts: &Options,
    map: impl Fn(usize, AppReport) -> T + Sync,
    mut sink: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<usize, E> {
    if rayon::current_thread_index().is_some() {
        // Called from a thread of the pool (one app on the CLI's own thread,
        // or a caller's parallel iterator): the apps are scanned here one
        // after the other, their inner work on the pool. Workers handed to
        // the pool from here could wait on this very thread.
        for (i, input) in inputs.iter().enumerate() {
            sink(i, map(i, scan_input(input, opts)))?;
        }
        return Ok(inputs.len());
    }
    let threads = opts.threads.max(1).min(inputs.len().max(1)).min(rayon::current_num_threads());
    let next = &AtomicUsize::new(0);
    let stop = &std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<(usize, T)>(threads.saturating_mul(4));
    let budget = &MemoryBudget::new(opts.limits.memory_budget);
    let map = &map;
    rayon::in_place_scope(|s| {
        // One worker per pool thread (a broadcast job cannot be stolen, so
        // no thread ever runs a second worker nested inside its own).
        s.spawn_broadcast(move |_, ctx| {
            if ctx.index() >= threads {
                return;
            }
            let tx = tx.clone();
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                // A large package is opened first (its tail read, its directory
                // parsed), so that its share is what streaming it holds.
                let streamed = if input.error.is_none() {
                    catch_unwind(AssertUnwindSafe(|| open_streamed(&input.path, &opts.limits))).ok().flatten()
                } else {
                    None
                };
                let this = streamed.as_ref().map_or_else(|| footprint(input, &opts.limits), Streamed::footprint);
                // The app's share is handed back as soon as its bytes are
                // (before its facts are judged), so that the next app can be
                // read while this one is fingerprinted and reported.
                let held = std::cell::Cell::new(budget.acquire(this));
                let release = || budget.release(held.replace(0));
                let mut app_opts = opts.clone();
                app_opts.limits.split_app = opts.limits.split_app
                    && split_app(inputs.len(), i, threads, opts.limits.memory_budget, |k| {
                        if k == i {
                            this
                        } else {
                            inputs.get(k).map_or(0, |next| footprint_guess(next, &opts.limits))
                        }
                    });
                let report = scan_input_releasing(input, &app_opts, &release, Some(streamed));
                release();
                let mapped = map(i, report);
                if tx.send((i, mapped)).is_err() {
                    break;
                }
            }
        });
        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut want = 0usize;
        let mut result = Ok(0);
        for (i, report) in rx.iter() {
            pending.insert(i, report);
            while let Some(r) = pending.remove(&want) {
                if let Err(e) = sink(want, r) {
                    stop.store(true, Ordering::Relaxed);
                    result = Err(e);
                    break;
                }
                want = want.saturating_add(1);
            }
            if result.is_err() {
                break;
            }
        }
        // Drain so workers blocked on send can finish.
        if result.is_err() {
            for _ in rx.iter() {}
            return result;
        }
        Ok(want)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::MemoryBudget;
    use std::sync::mpsc;

    #[test]
    fn files_read_in_parts_and_into_reused_buffers_are_whole() {
        let dir = std::env::temp_dir().join(format!("cleanscan-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.bin");
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let data: Vec<u8> = (0..(super::PARALLEL_READ_BYTES as usize + 12_345))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(&path, &data).unwrap();
        // A fresh buffer, and a reused larger one (with stale bytes).
        for mut buf in [vec![0u8; data.len()], vec![7u8; data.len() + 100]] {
            super::read_file(&path, &mut buf[..data.len()], true).unwrap();
            assert!(buf[..data.len()] == data, "read back differs");
        }
        // A file shorter than its metadata said is an error, not a short read.
        let mut buf = vec![0u8; data.len() + 1];
        assert!(super::read_file(&path, &mut buf, true).is_err());
        // The pool hands out the smallest buffer that holds a file, grows by
        // powers of two, and gives back stale bytes only past the file.
        let pool = super::BufferPool::new();
        let mut a = pool.take(5_000);
        assert_eq!((a.bytes().len(), a.buf.len()), (5_000, 8_192));
        a.bytes_mut().fill(9);
        pool.give(a);
        let b = pool.take(7_000);
        assert_eq!((b.bytes().len(), b.buf.len()), (7_000, 8_192), "reused");
        assert!(b.buf[..5_000].iter().all(|&x| x == 9) && b.buf[5_000..].iter().all(|&x| x == 0));
        let c = pool.take(100);
        assert_eq!(c.buf.len(), 128, "the only kept buffer is out: a new one");
        pool.give(b);
        pool.give(c);
        assert_eq!(pool.take(100).buf.len(), 128, "the smallest that fits");
        assert_eq!(pool.take(9_000).buf.len(), 16_384, "none fits: a new one, replacing the largest");
        assert!(pool.free.lock().unwrap().is_empty());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The sample APKs of `dir` (the repository's `corpus/`), sorted.
    fn sample_apks(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "apk"))
            .collect();
        paths.sort();
        paths
    }

    /// A `--split-set` folder's members are streamed when large (here:
    /// always), and the report is the one they give read whole.
    #[test]
    fn split_set_folder_members_streamed_or_read_whole_give_one_report() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let apks = std::fs::read(root.join("corpus/containers/split-set.apks")).unwrap();
        let zip = crate::formats::zip::ZipDirectory::parse(&apks, &crate::Limits::default().zip()).unwrap();
        let dir = std::env::temp_dir().join(format!("cleanscan-split-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut written = 0;
        for e in zip.entries.iter().filter(|e| e.name.ends_with(".apk")) {
            let mut buf = Vec::new();
            let (bytes, _) = zip.read(&apks, e, u64::MAX, &mut buf).unwrap();
            let name = e.name.rsplit('/').next().unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
            let every = crate::Limits { stream_min_bytes: 1, ..crate::Limits::default() };
            assert!(super::open_streamed(&dir.join(name), &every).is_some(), "{name} is streamed");
            written += 1;
        }
        assert!(written >= 2, "split-set.apks holds a base and its splits");
        let report = |stream_min_bytes: u64| {
            let limits = crate::Limits { stream_min_bytes, ..crate::Limits::default() };
            let opts = super::Options { threads: 2, limits, ..super::Options::default() };
            serde_json::to_value(super::scan_file(&dir, &opts)).unwrap()
        };
        let (streamed, whole) = (report(1), report(u64::MAX));
        assert_eq!(streamed, whole);
        assert_eq!(whole["kind"], "split-set");
        assert!(whole["members"].as_array().is_some_and(|m| m.len() == written), "{}", whole["members"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A split-set folder takes its largest member's share of the memory
    /// budget (members are read one at a time, a large one streamed), not
    /// nothing.
    #[test]
    fn a_split_set_folder_is_budgeted_by_its_largest_member() {
        let dir = std::env::temp_dir().join(format!("cleanscan-split-budget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("base.apk"), vec![0u8; 3_000]).unwrap();
        std::fs::write(dir.join("split_config.arm64_v8a.APK"), vec![0u8; 1_000]).unwrap();
        std::fs::write(dir.join("notes.txt"), vec![0u8; 5_000]).unwrap();
        let input = super::Input { path: dir.clone(), error: None };
        let limits = crate::Limits::default();
        assert_eq!((super::file_len(&input), super::footprint(&input, &limits)), (3_000, 4_500));
        // Its largest member is streamed: three quarters of it.
        let streaming = crate::Limits { stream_min_bytes: 3_000, ..crate::Limits::default() };
        assert_eq!(super::footprint(&input, &streaming), 2_250);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A device or a FIFO handed to `scan_file` is an error record: it is
    /// not opened (opening a FIFO waits for a writer, which hung the scan).
    #[test]
    fn devices_and_fifos_are_error_records_not_reads() {
        let dir = std::env::temp_dir().join(format!("cleanscan-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe.apk");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        assert!(made, "mkfifo (coreutils) makes the FIFO this test scans");
        let (tx, rx) = mpsc::channel();
        for path in [std::path::PathBuf::from("/dev/null"), fifo] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = tx.send(super::scan_file(&path, &super::Options::default()));
            });
        }
        for _ in 0..2 {
            let r = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the scan returned");
            let errors: Vec<_> = r.errors.iter().map(|e| (e.stage.as_str(), e.message.as_str())).collect();
            assert_eq!(errors, [("input", crate::input::NOT_A_FILE)], "{}", r.path);
            assert_eq!((r.sha256.as_str(), r.kind.as_str()), ("", "unknown"), "{}", r.path);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file written to while it is scanned gives a report that says so and
    /// names no digest, streamed or read whole; an untouched one does not.
    /// (The writes fall between opening and checking, where a real writer's
    /// would.)
    #[test]
    fn a_file_written_to_while_scanned_is_reported_without_a_digest() {
        use std::os::unix::fs::FileExt;
        let apk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/bugly-obfuscated.apk");
        let bytes = std::fs::read(&apk).unwrap();
        let dir = std::env::temp_dir().join(format!("cleanscan-changed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.apk");
        let limits = crate::Limits { stream_min_bytes: 1, ..crate::Limits::default() };
        let opts = super::Options { threads: 1, limits, ..super::Options::default() };
        let input_errors = |r: &super::AppReport| -> Vec<String> {
            r.errors.iter().filter(|e| e.stage == "input").map(|e| e.message.clone()).collect()
        };
        let whole = super::scan_file(&apk, &super::Options { threads: 1, ..super::Options::default() });
        assert_eq!(whole.sha256.len(), 64);
        assert!(input_errors(&whole).is_empty());
        type Write = fn(&std::fs::File, u64);
        let writes: [(&str, Option<Write>, &str); 4] = [
            ("untouched", None, ""),
            ("grown", Some(|f, len| f.write_all_at(b"PK", len).unwrap()), "bytes, then"),
            ("truncated", Some(|f, len| f.set_len(len / 2).unwrap()), "bytes, then"),
            (
                "rewritten",
                Some(|f, _| {
                    f.write_all_at(b"x", 0).unwrap();
                    f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
                }),
                "written to while it was scanned",
            ),
        ];
        for (what, write, says) in writes {
            std::fs::write(&path, &bytes).unwrap();
            let streamed = super::open_streamed(&path, &opts.limits).expect("a zip package is streamed");
            if let Some(w) = write {
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                w(&f, bytes.len() as u64);
            }
            let r = super::scan_file_releasing(&path, &opts, &|| {}, Some(Some(streamed)));
            let errors = input_errors(&r);
            if write.is_none() {
                assert!(errors.is_empty(), "{what}: {errors:?}");
                assert_eq!(r.sha256, whole.sha256, "{what}");
                assert_eq!(r.signers, whole.signers, "{what}");
            } else {
                assert_eq!(r.sha256, "", "{what}");
                assert_eq!(errors.len(), 1, "{what}: {errors:?}");
                assert!(errors[0].contains(says) && errors[0].contains("sha256 is left out"), "{what}: {errors:?}");
            }
        }
        // Read whole: a file that grew after its length was taken.
        std::fs::write(&path, &bytes).unwrap();
        let mut buf = vec![0u8; bytes.len() - 1];
        let why = super::read_file(&path, &mut buf, false).unwrap();
        assert_eq!(
            why.unwrap(),
            format!("the file changed while it was scanned ({} bytes, then {})", buf.len(), bytes.len())
        );
        let mut buf = vec![0u8; bytes.len()];
        assert_eq!(super::read_file(&path, &mut buf, false).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The same reports, in input order, whether the batch is started from
    /// outside the pool (workers handed to it) or from one of its threads
    /// (scanned in place): neither way waits on itself.
    #[test]
    fn batch_from_inside_and_outside_the_pool_gives_the_same_reports_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut paths = sample_apks(&dir);
        paths.truncate(5);
        assert!(paths.len() >= 3, "corpus/ holds the sample APKs");
        paths.push(dir.join("no-such-file.apk"));
        let inputs: Vec<super::Input> = paths.iter().map(|p| super::Input { path: p.clone(), error: None }).collect();
        let opts = super::Options { threads: 2, ..super::Options::default() };
        let run = |pool: &rayon::ThreadPool, inside: bool| {
            let mut got: Vec<(usize, String, String)> = Vec::new();
            let mut sink = |i: usize, r: super::AppReport| -> Result<(), ()> {
                got.push((i, r.path, r.sha256));
                Ok(())
            };
            let n = if inside {
                pool.install(|| super::scan_batch(&inputs, &opts, &mut sink))
            } else {
                super::scan_batch(&inputs, &opts, &mut sink)
            };
            assert_eq!(n, Ok(inputs.len()));
            got
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let outside = run(&pool, false);
        let inside = run(&pool, true);
        assert_eq!(outside, inside);
        for (k, (i, path, sha)) in outside.iter().enumerate() {
            assert_eq!(*i, k);
            assert_eq!(*path, inputs[k].path.display().to_string());
            // The missing file is an error record without a digest; the APKs have theirs.
            assert_eq!(sha.len(), if k + 1 == inputs.len() { 0 } else { 64 }, "{path}");
        }
    }

    /// The report's `sha256` is the file's, whether the digest is taken by
    /// a task of its own or, for an APK with a v2/v3 signature, by its
    /// verification beside the content digest (what a one-thread pool does:
    /// the digest's task is queued behind the verification). Bundles, IPAs
    /// and split sets queue the digest beside their analysis.
    #[test]
    fn the_report_digest_is_the_files_however_it_is_taken() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut paths = sample_apks(&dir);
        assert!(paths.len() >= 10, "corpus/ holds the sample APKs");
        let containers: Vec<_> = std::fs::read_dir(dir.join("containers"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with(".json") && p.is_file())
            .collect();
        assert!(containers.len() >= 3, "corpus/containers holds bundles and IPAs");
        paths.extend(containers);
        let mut v2 = 0;
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let opts = super::Options { threads, ..super::Options::default() };
            for path in &paths {
                let report = pool.install(|| super::scan_file(path, &opts));
                let want = super::hex(&<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(path).unwrap()));
                assert_eq!(report.sha256, want, "{} on {threads} thread(s)", path.display());
                let verified = report.signature_verification.as_ref().map(|v| &v.schemes_verified);
                if verified.is_some_and(|s| s.iter().any(|s| s == "v2" || s.starts_with("v3"))) {
                    v2 += 1;
                }
            }
        }
        assert!(v2 >= 10, "the sample APKs carry verified v2/v3 signatures: {v2}");
    }

    #[test]
    fn a_batch_maps_each_report_on_its_worker_and_delivers_them_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut paths = sample_apks(&dir);
        assert!(paths.len() >= 10, "corpus/ holds the sample APKs");
        paths.insert(3, dir.join("no-such-file.apk"));
        let inputs: Vec<super::Input> = paths.iter().map(|p| super::Input { path: p.clone(), error: None }).collect();
        let opts = super::Options { threads: 2, ..super::Options::default() };
        let mut plain = Vec::new();
        super::scan_batch(&inputs, &opts, |i, r| -> Result<(), ()> {
            plain.push((i, serde_json::to_string(&r).unwrap()));
            Ok(())
        })
        .unwrap();
        let sink_thread = std::thread::current().id();
        let mut mapped = Vec::new();
        let mut on_workers = 0;
        let n = super::scan_batch_map(
            &inputs,
            &opts,
            |i, r| (i, serde_json::to_string(&r).unwrap(), std::thread::current().id()),
            |i, (j, json, thread)| -> Result<(), ()> {
                assert_eq!(i, j, "the sink gets what was mapped for its index");
                on_workers += usize::from(thread != sink_thread);
                mapped.push((i, json));
                Ok(())
            },
        );
        assert_eq!(n, Ok(inputs.len()));
        assert_eq!(mapped, plain);
        assert_eq!(on_workers, inputs.len(), "every report is mapped by a worker, none by the sink's thread");
    }

    #[test]
    fn a_batch_splits_an_app_only_when_a_thread_would_otherwise_be_idle() {
        let mb = |n: u64| n << 20;
        // Footprints (MiB) of six apps; a budget of 128 MiB.
        let sizes = [2u64, 40, 90, 60, 1, 1];
        let split = |i: usize, threads: usize| super::split_app(sizes.len(), i, threads, mb(128), |k| mb(sizes[k]));
        assert!(!split(0, 2), "small apps with apps left for the other thread run whole");
        assert!(split(1, 2), "40 + 90 do not fit: the next app waits for this one, so it splits");
        assert!(split(2, 2), "90 + 60 do not fit: the next worker waits, so this app has every thread");
        assert!(!split(3, 2), "60 + 1 fit: the next app runs beside it");
        assert!(split(4, 2) && split(5, 2), "the last `threads` apps: the other threads run out of apps");
        assert!(!split(3, 1), "one thread: nothing to split onto");
        assert!(!split(0, 4) && split(2, 4), "four threads: the last four apps split");
        // No budget: only the end of the batch splits.
        assert!(!super::split_app(sizes.len(), 2, 2, 0, |k| mb(sizes[k])));
    }

    #[test]
    fn an_app_scanned_whole_or_split_gives_the_same_report() {
        let paths = sample_apks(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").as_path());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut compared = 0;
        for path in &paths {
            let json = |split: bool| {
                let mut opts = super::Options { threads: 2, ..super::Options::default() };
                opts.limits.split_app = split;
                let r = pool.install(|| super::scan_file(path, &opts));
                serde_json::to_string(&r).unwrap()
            };
            let whole = json(false);
            assert_eq!(whole, json(true), "{}", path.display());
            compared += 1;
        }
        assert!(compared >= 10, "corpus/ holds the sample APKs");
    }

    #[test]
    fn a_deferred_database_loads_once_on_the_first_thread_that_takes_it() {
        use super::DeferredMatchers;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let loads = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&loads);
        let d = DeferredMatchers::new(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            let set = crate::signatures::load_builtin(&[]).map_err(|e| e.to_string())?;
            Ok(Box::new(move || crate::signatures::compile::Matchers::compile(set).map_err(|e| e.to_string())))
        }));
        // Nobody was handed the load: the first app that needs it runs it
        // itself (a one-thread pool whose thread waited for a queued load
        // would never finish), every other one waits and gets the same database.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let first = pool.install(|| d.wait()).expect("the repository's database loads");
        let got: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4).map(|_| s.spawn(|| d.wait().unwrap())).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(got.iter().all(|m| Arc::ptr_eq(m, &first)));
        assert!(d.run().is_none(), "a later run finds the load taken");
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    /// A load of the repository's database whose reads and compiles are counted.
    fn counted_load(
        reads: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
        compiles: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
        before_read: impl FnOnce() + Send + 'static,
    ) -> super::DatabaseLoad {
        use std::sync::atomic::Ordering;
        let (reads, compiles) = (std::sync::Arc::clone(reads), std::sync::Arc::clone(compiles));
        Box::new(move || {
            before_read();
            reads.fetch_add(1, Ordering::SeqCst);
            let set = crate::signatures::load_builtin(&[]).map_err(|e| e.to_string())?;
            Ok(Box::new(move || {
                compiles.fetch_add(1, Ordering::SeqCst);
                crate::signatures::compile::Matchers::compile(set).map_err(|e| e.to_string())
            }))
        })
    }

    #[test]
    fn a_database_read_ahead_is_compiled_by_whoever_wants_it_first() {
        use super::DeferredMatchers;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let (reads, compiles) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        // Read ahead with nobody waiting: the compile is left for later.
        let d = DeferredMatchers::new(counted_load(&reads, &compiles, || {}));
        assert!(d.read().is_none());
        assert!(d.read().is_none(), "read once");
        assert_eq!((reads.load(Ordering::SeqCst), compiles.load(Ordering::SeqCst)), (1, 0));
        let m = d.wait().expect("the repository's database loads");
        assert!(d.run().is_none(), "compiled once");
        assert!(Arc::ptr_eq(&m, &d.wait().unwrap()));
        assert_eq!((reads.load(Ordering::SeqCst), compiles.load(Ordering::SeqCst)), (1, 1));

        // Wanted while it is being read: its reader compiles it, and the
        // waiter gets that database without reading or compiling again.
        let (reads, compiles) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (go, wait_go) = std::sync::mpsc::channel::<()>();
        let (reading, is_reading) = std::sync::mpsc::channel::<()>();
        let d = DeferredMatchers::new(counted_load(&reads, &compiles, move || {
            reading.send(()).unwrap();
            wait_go.recv().unwrap();
        }));
        let (by_reader, by_waiter) = std::thread::scope(|s| {
            let reader = s.spawn(|| d.read());
            is_reading.recv().unwrap();
            let waiter = s.spawn(|| d.wait());
            // The waiter marks the database wanted before it waits; give it
            // the time to, then let the read finish.
            while !d.lock().wanted {
                std::thread::yield_now();
            }
            go.send(()).unwrap();
            (reader.join().unwrap(), waiter.join().unwrap())
        });
        let (by_reader, by_waiter) = (by_reader.expect("the reader compiled it"), by_waiter.unwrap());
        assert!(Arc::ptr_eq(&by_reader, &by_waiter));
        assert_eq!((reads.load(Ordering::SeqCst), compiles.load(Ordering::SeqCst)), (1, 1));
    }

    #[test]
    fn a_one_app_scan_with_its_database_read_beside_reports_what_a_loaded_database_gives() {
        use super::DeferredMatchers;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut apps = sample_apks(&dir);
        apps.extend(["containers/app.ipa", "containers/bundle.aab", "containers/split-set.apks"].map(|p| dir.join(p)));
        apps.retain(|p| p.is_file());
        assert!(apps.len() >= 13, "corpus/ holds the sample apps");
        let loaded = {
            let set = crate::signatures::load_builtin(&[]).unwrap();
            Arc::new(crate::signatures::compile::Matchers::compile(set).unwrap())
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for path in &apps {
            let eager = super::Options { threads: 2, matchers: Some(Arc::clone(&loaded)), ..super::Options::default() };
            let want = serde_json::to_string(&pool.install(|| super::scan_file(path, &eager))).unwrap();
            let (reads, compiles) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let d = Arc::new(DeferredMatchers::new(counted_load(&reads, &compiles, || {})).compile_beside_app());
            let opts = super::Options { threads: 2, deferred: Some(Arc::clone(&d)), ..super::Options::default() };
            let got = pool.install(|| {
                let reader = Arc::clone(&d);
                rayon::spawn(move || {
                    reader.read();
                });
                super::scan_file(path, &opts)
            });
            assert_eq!(serde_json::to_string(&got).unwrap(), want, "{}", path.display());
            assert_eq!((reads.load(Ordering::SeqCst), compiles.load(Ordering::SeqCst)), (1, 1), "{}", path.display());
        }
    }

    #[test]
    fn a_deferred_database_that_fails_or_panics_gives_its_error_to_every_waiter() {
        use super::DeferredMatchers;
        let bad = DeferredMatchers::new(Box::new(|| Err("sdks.json: expected value at line 1".to_string())));
        assert!(bad.run().is_none());
        assert_eq!(bad.result().err().as_deref(), Some("sdks.json: expected value at line 1"));
        assert!(bad.wait().is_none());
        let panicky = DeferredMatchers::new(Box::new(|| panic!("loader bug")));
        let err = std::thread::scope(|s| s.spawn(|| panicky.result()).join().unwrap()).err().unwrap();
        assert!(err.contains("panicked"), "{err}");
    }

    #[test]
    fn memory_budget_admits_what_fits_and_holds_back_the_rest() {
        let budget = MemoryBudget::new(100);
        // An app larger than the budget takes all of it and runs alone.
        assert_eq!(budget.acquire(250), 100);
        budget.release(100);
        let held = budget.acquire(80);
        assert_eq!(budget.acquire(20), 20, "fits beside the first");
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let got = budget.acquire(50);
                tx.send(got).unwrap();
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(rx.try_recv().is_err(), "50 more do not fit in 100 while 100 are held");
            budget.release(held);
            assert_eq!(rx.recv().unwrap(), 50);
        });
        // No budget: nothing is counted.
        assert_eq!(MemoryBudget::new(0).acquire(1 << 40), 0);
    }
}

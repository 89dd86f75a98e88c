//! The `cleanscan` binary: parses flags, picks an output sink, maps the
//! outcome to an exit code. Everything else is in the library.
//!
//! Exit codes: 0 every app passed, 1 some app failed a policy, 2 usage or
//! internal error. Per-app errors are in the report and never abort a batch.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use cleanscan::container::Limits;
use cleanscan::report::AppReport;
use cleanscan::scan::{scan_batch_map, DeferredMatchers, Options};
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "cleanscan", version, about = "Vets mobile apps: publisher, third-party SDKs, endpoints")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan apps (files, folders walked recursively, `-` for paths on stdin, `@LIST` for a path list).
    Scan(Box<ScanArgs>),
    /// Print an app's decoded AndroidManifest.xml as text XML.
    Manifest {
        /// An APK, or a raw binary AndroidManifest.xml.
        app: PathBuf,
    },
    /// Group the apps of earlier scan reports (JSON or JSONL files) by signing key,
    /// so that one publisher's apps are seen together. Prints JSON.
    Summary {
        /// Report files written by `cleanscan scan` (`-f json` or `-f jsonl`).
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
    /// Work with the signature database.
    Signatures {
        #[command(subcommand)]
        command: SignaturesCommand,
    },
}

#[derive(Subcommand)]
enum SignaturesCommand {
    /// Validate a signature database (and overlays) and print its counts.
    Check {
        /// The database folder (default: the one built into the program, from the repository's signatures/).
        dir: Option<PathBuf>,
        /// Overlay folders applied on top, in order.
        #[arg(long = "overlay", value_name = "DIR")]
        overlays: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders to scan.
    #[arg(required_unless_present = "split_sets")]
    paths: Vec<PathBuf>,
    /// A folder of split APKs scanned as one app (repeatable).
    #[arg(long = "split-set", value_name = "DIR")]
    split_sets: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write the report here instead of stdout.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    /// Worker threads (default: number of CPUs).
    #[arg(short = 'j', long = "threads")]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Largest file read, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_file_bytes: Option<u64>,
    /// Bytes one zip entry may inflate to.
    #[arg(long, value_name = "BYTES")]
    max_entry_bytes: Option<u64>,
    /// Bytes one app may inflate in total.
    #[arg(long, value_name = "BYTES")]
    max_app_bytes: Option<u64>,
    /// Zip entries read per archive.
    #[arg(long, value_name = "N")]
    max_entries: Option<usize>,
    /// Compression ratio an entry may reach past 8 MiB of output (0 = unchecked).
    #[arg(long, value_name = "N")]
    max_ratio: Option<u64>,
    /// Nested archives followed at most this deep.
    #[arg(long, value_name = "N")]
    max_depth: Option<u32>,
    /// string_ids / type_ids / class_defs entries one DEX may hold.
    #[arg(long, value_name = "N")]
    max_dex_table_entries: Option<u32>,
    /// Wall-clock budget per app in seconds (0 = none); checked between entries.
    #[arg(long, value_name = "SECONDS")]
    time_budget: Option<f64>,
    /// Memory budget of a batch in MiB: apps are admitted while their
    /// footprints (1.5 x file size; 0.75 x for a streamed package) fit
    /// (0 = none).
    #[arg(long, value_name = "MIB")]
    memory_budget: Option<u64>,
    /// Zip packages (APK, APKS/XAPK, AAB, IPA, JAR/AAR) of at least this many
    /// MiB are streamed: their signing block,
    /// central directory and EOCD are held, and the rest is read from the
    /// file as the scan needs it, not read whole first (default 32).
    #[arg(long, value_name = "MIB")]
    stream_min: Option<u64>,
    /// Hash every v1 (JAR) entry even when a verified v2/v3 signature covers
    /// every entry byte (apksigner's check for minSdkVersion < 24; reads the
    /// whole APK).
    #[arg(long)]
    verify_v1_entries: bool,
    /// With -f jsonl -o FILE: skip apps FILE already reports (same path and
    /// SHA-256) and append the rest.
    #[arg(long)]
    resume: bool,
    /// Signature database folder (default: the one built into the program, from the repository's signatures/).
    #[arg(long, value_name = "DIR")]
    signatures: Option<PathBuf>,
    /// Overlay folders applied on top of the database, in order.
    #[arg(long = "overlay", value_name = "DIR")]
    overlays: Vec<PathBuf>,
    /// Extract facts only: no SDKs, endpoint owners, publisher or verdicts.
    #[arg(long, conflicts_with_all = ["signatures", "overlays"])]
    no_signatures: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// One JSON array of app reports.
    Json,
    /// One JSON object per line, flushed per app.
    Jsonl,
    /// A readable summary per app.
    Text,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Manifest { app } => run_manifest(&app),
        Command::Summary { reports } => run_summary(&reports),
        Command::Signatures { command: SignaturesCommand::Check { dir, overlays } } => {
            run_signatures_check(dir, &overlays)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("cleanscan: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run_scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let threads = match args.threads {
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    let mut stdin = std::io::stdin().lock();
    let mut inputs = cleanscan::input::expand(&args.paths, &mut stdin);
    // A split-set folder is one input; `scan_file` treats a folder as a split set.
    for dir in &args.split_sets {
        let error = (!dir.is_dir()).then(|| format!("{}: not a folder", dir.display()));
        inputs.push(cleanscan::input::Input { path: dir.clone(), error });
    }
    // The workers and the work inside one app (the file digest, v2/v3 chunk
    // digests, DEX files side by side) run on a pool of this size, so -j 1
    // stays on one core. It starts before the database loader: its threads
    // are up by the time the first app is handed out. One app is scanned on
    // this thread, made one of the pool's, so it starts at once and the
    // pool has one thread fewer to create.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads);
    let pool = if inputs.len() == 1 { pool.use_current_thread() } else { pool };
    pool.build_global().ok();
    // The database loads beside the first apps and workers wait for it only
    // to judge. One app: its reading is a job of the pool, taken by its idle
    // thread while this one scans the app (no third thread competing for
    // the cores), and its compile is queued behind the app's own parallel
    // work (`DeferredMatchers`); a batch: a thread of its own, beside the
    // workers, as this one waits for the first report. Either way an app
    // that needs the database before anyone has started a stage runs it
    // itself. A database error stops the run before the first report is
    // written.
    let one_app = inputs.len() == 1;
    let deferred = (!args.no_signatures).then(|| {
        let dir = args.signatures.clone();
        let overlays = args.overlays.clone();
        let d = DeferredMatchers::new(Box::new(move || {
            reserve_thread_heap();
            let set = match &dir {
                Some(dir) => cleanscan::signatures::load(dir, &overlays),
                None => cleanscan::signatures::load_builtin(&overlays),
            };
            let set = set.map_err(|e| e.to_string())?;
            Ok(Box::new(move || cleanscan::signatures::compile::Matchers::compile(set).map_err(|e| e.to_string())))
        }));
        Arc::new(if one_app { d.compile_beside_app() } else { d })
    });
    if let Some(slot) = &deferred {
        let slot = Arc::clone(slot);
        // Off the apps' path: the regular-expression sets that the first app
        // judged would build (judging builds what it needs itself if nobody
        // has by then).
        if one_app {
            rayon::spawn(move || {
                if let Some(m) = slot.read() {
                    m.warm();
                }
            });
        } else {
            std::thread::spawn(move || {
                if let Some(m) = slot.run() {
                    m.warm();
                }
            });
        }
    }
    let loaded = {
        let deferred = deferred.clone();
        move || -> anyhow::Result<()> {
            match &deferred {
                Some(d) => d.result().map(|_| ()).map_err(|e| anyhow::anyhow!(e)),
                None => Ok(()),
            }
        }
    };
    let mut limits = Limits::default();
    if let Some(v) = args.max_file_bytes {
        limits.max_file_bytes = v;
    }
    if let Some(v) = args.max_entry_bytes {
        limits.max_entry_bytes = v;
    }
    if let Some(v) = args.max_app_bytes {
        limits.max_app_bytes = v;
    }
    if let Some(v) = args.max_entries {
        limits.max_entries = v;
    }
    if let Some(v) = args.max_ratio {
        limits.max_ratio = v;
    }
    if let Some(v) = args.max_depth {
        limits.max_depth = v;
    }
    if let Some(v) = args.max_dex_table_entries {
        limits.max_dex_table_entries = v;
    }
    limits.verify_all_v1_digests = args.verify_v1_entries;
    if let Some(v) = args.stream_min {
        limits.stream_min_bytes = v.saturating_mul(1 << 20);
    }
    if let Some(v) = args.memory_budget {
        limits.memory_budget = v.saturating_mul(1 << 20);
    }
    if let Some(v) = args.time_budget {
        if !v.is_finite() || v < 0.0 {
            anyhow::bail!("--time-budget must be a number of seconds, 0 or more");
        }
        limits.time_budget_ms = (v * 1000.0).round() as u64;
    }
    if args.resume && (args.format != Format::Jsonl || args.output.is_none()) {
        anyhow::bail!("--resume needs -f jsonl and -o FILE");
    }
    let opts = Options { threads, limits, matchers: None, deferred };

    let mut any_fail = false;
    let mut resumed: Option<std::fs::File> = None;
    if let (true, Some(p)) = (args.resume, &args.output) {
        let text = match std::fs::read(p) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", p.display())),
        };
        let st = cleanscan::scan::resume_state(&text);
        any_fail = st.any_fail;
        inputs.retain(|i| {
            // An input that could not be read was reported with an empty hash.
            let hash = if i.error.is_some() { Ok(String::new()) } else { cleanscan::scan::file_sha256(&i.path) };
            !hash.is_ok_and(|h| st.done.contains(&(i.path.display().to_string(), h)))
        });
        let f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(p)
            .with_context(|| format!("cannot open {}", p.display()))?;
        // Cut a half-written last line, then append.
        f.set_len(st.complete_len as u64)?;
        let mut f = f;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0))?;
        resumed = Some(f);
    }

    let mut out: Box<dyn Write> = match (&args.output, resumed) {
        (Some(_), Some(f)) => Box::new(std::io::BufWriter::new(f)),
        (Some(p), None) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        (None, _) => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let progress = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(inputs.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} apps {elapsed} ETA {eta}") {
            pb.set_style(style);
        }
        pb
    });

    // Each report is rendered by the worker that scanned it (and dropped
    // there); this thread only writes the bytes, in input order.
    let format = args.format;
    let render = move |_: usize, report: AppReport| -> (serde_json::Result<Vec<u8>>, bool) {
        let failed = report.verdicts.iter().any(|v| v.status == "fail");
        let bytes = match format {
            Format::Json => serde_json::to_vec_pretty(&report),
            Format::Jsonl => serde_json::to_vec(&report).map(|mut b| {
                b.push(b'\n');
                b
            }),
            Format::Text => {
                let mut b = cleanscan::report::text::render(&report).into_bytes();
                b.push(b'\n');
                Ok(b)
            }
        };
        (bytes, failed)
    };
    let delivered = scan_batch_map(&inputs, &opts, render, |i, (bytes, failed)| -> anyhow::Result<()> {
        loaded()?;
        any_fail |= failed;
        let bytes = bytes?;
        if format == Format::Json {
            out.write_all(if i == 0 { b"[\n" } else { b",\n" })?;
        }
        out.write_all(&bytes)?;
        if format != Format::Json {
            out.flush()?;
        }
        if let Some(pb) = &progress {
            pb.inc(1);
        }
        Ok(())
    })?;
    loaded()?;
    if format == Format::Json {
        out.write_all(if delivered == 0 { b"[]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    // The process ends here: freeing the database's many small allocations
    // one by one would only add to every run's time.
    std::mem::forget(opts);
    Ok(if any_fail { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn run_summary(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut reports: Vec<AppReport> = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        if text.trim_start().starts_with('[') {
            let mut many: Vec<AppReport> =
                serde_json::from_str(&text).with_context(|| format!("{}: not a cleanscan JSON report", p.display()))?;
            reports.append(&mut many);
        } else {
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let r: AppReport = serde_json::from_str(line)
                    .with_context(|| format!("{}:{}: not a cleanscan JSONL record", p.display(), n + 1))?;
                reports.push(r);
            }
        }
    }
    let groups = cleanscan::report::summary::by_signing_key(&reports);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "apps": reports.len(), "signing_keys": groups }))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_signatures_check(dir: Option<PathBuf>, overlays: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let set = match &dir {
        Some(dir) => cleanscan::signatures::load_full(dir, overlays)?,
        None => cleanscan::signatures::load_builtin_full(overlays)?,
    };
    let name = dir.as_ref().map_or_else(|| cleanscan::signatures::BUILT_IN.to_string(), |d| d.display().to_string());
    let problems = set.validate();
    let c = set.counts();
    let mut out = std::io::stdout().lock();
    writeln!(out, "database   {name} (version {})", set.info.version.as_deref().unwrap_or("-"))?;
    writeln!(out, "sha256     {}", set.info.sha256)?;
    writeln!(out, "sdks       {} ({} from PRC-linked vendors)", c.sdks, c.prc_sdks)?;
    writeln!(out, "markers    {}", c.markers)?;
    writeln!(out, "clouds     {} ({} named by the Clean Cloud line)", c.clouds, c.clean_cloud_named)?;
    writeln!(out, "publishers {}", c.publishers)?;
    writeln!(out, "policies   {} ({} rules): {}", c.policies, c.rules, set.info.policies.join(", "))?;
    if problems.is_empty() {
        // Compiling proves every pattern set builds, not just each pattern.
        cleanscan::signatures::compile::Matchers::compile(set)?;
        writeln!(out, "ok")?;
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            writeln!(out, "problem    {p}")?;
        }
        writeln!(out, "{} problems", problems.len())?;
        Ok(ExitCode::from(2))
    }
}

fn run_manifest(app: &PathBuf) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let meta = std::fs::metadata(app).with_context(|| format!("cannot read {}", app.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{}: {}", app.display(), cleanscan::input::NOT_A_FILE);
    }
    if meta.len() > limits.max_file_bytes {
        anyhow::bail!("{}: file of {} bytes exceeds the limit of {}", app.display(), meta.len(), limits.max_file_bytes);
    }
    let data = std::fs::read(app).with_context(|| format!("cannot read {}", app.display()))?;
    let xml = cleanscan::decode_manifest_xml(&data, &limits).map_err(|e| anyhow::anyhow!("{}: {e}", app.display()))?;
    let mut out = std::io::stdout().lock();
    out.write_all(xml.as_bytes())?;
    if !xml.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Room for the signature database in the loading thread's own heap, taken
/// in a few steps before the load instead of page by page during it.
///
/// glibc gives each thread but the first a heap of its own (an "arena")
/// and grows it by exactly what an allocation lacks: the database's
/// parse, made of many small allocations, grew it one page at a time, an
/// `mprotect` call for each (116-133 calls in the one-app scans measured,
/// BENCHMARKS.md step 49). Each takes the process's memory-map lock to
/// write, so the app's page faults on the other thread (reading the file,
/// inflating its DEX) waited for them. Blocks under glibc's mmap threshold
/// (128 KiB) come from the heap; freed, they leave it grown (glibc may hand
/// the pages back with `madvise` but keeps them mapped), and the load then
/// grows into them without a call. On the first thread (`-j 1`), whose heap
/// glibc grows by `brk` with a 128 KiB pad, and under another allocator,
/// this is a few allocations and their frees.
fn reserve_thread_heap() {
    const BLOCK: usize = 120 << 10;
    const BLOCKS: usize = 8;
    let blocks: Vec<Vec<u8>> = (0..BLOCKS).map(|_| Vec::with_capacity(BLOCK)).collect();
    drop(std::hint::black_box(blocks));
}

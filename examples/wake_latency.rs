//! How long a second thread waits for a core in a fresh process: the delay
//! behind the spread of cleanscan's one-app runs (BENCHMARKS.md, "Why one
//! app does not run twice as fast on two cores").
//!
//! ```sh
//! cargo run --release --example wake_latency -- 100          # N child processes
//! cargo run --release --example wake_latency -- 100 sleep    # the main thread sleeps 50 µs after the spawn
//! ```
//!
//! Runs itself N times as a child process (default 50). Each child, while
//! its main thread is busy (as a scan's main thread is):
//! 1. spawns a thread and measures how long it takes to start running, and
//!    when both threads, each given 6 ms of work, are done (6 ms if they ran
//!    side by side, 12 ms if they took turns on one core);
//! 2. wakes a thread sleeping on a condition variable and measures how long
//!    it takes to run.
//!
//! On an idle machine with a free core the delays are tens of microseconds;
//! a figure in milliseconds means the thread waited for the busy core (or
//! for the hypervisor to run the idle one). With `sleep`, the main thread
//! steps off its core for 50 µs right after the spawn, so that the new thread
//! starts there and the main thread is woken on an idle core.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Keeps this thread busy for `ms` milliseconds.
fn spin(ms: f64) {
    let t = Instant::now();
    let mut x = 0u64;
    while t.elapsed().as_secs_f64() * 1e3 < ms {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// One child's start delay, time until both threads are done, and wake-up
/// delay, in milliseconds.
fn child(sleep: bool) -> (f64, f64, f64) {
    let t0 = Instant::now();
    let started = std::thread::spawn(move || {
        let start = t0.elapsed();
        spin(6.0);
        (start, t0.elapsed())
    });
    if sleep {
        std::thread::sleep(Duration::from_micros(50));
    }
    spin(6.0);
    let main_done = t0.elapsed();
    let (start, other_done) = started.join().unwrap_or_default();
    let both = main_done.max(other_done);

    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let sleeper = std::thread::spawn(move || {
        let (m, c) = &*p2;
        let mut go = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !*go {
            go = c.wait(go).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        Instant::now()
    });
    std::thread::sleep(Duration::from_millis(2));
    spin(1.0);
    let woken = Instant::now();
    {
        let (m, c) = &*pair;
        *m.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        c.notify_one();
    }
    spin(8.0);
    let ran = sleeper.join().map(|t| t.saturating_duration_since(woken)).unwrap_or_default();
    (start.as_secs_f64() * 1e3, both.as_secs_f64() * 1e3, ran.as_secs_f64() * 1e3)
}

/// Median, p90 and maximum of `v`, and how many are over `over` ms.
fn summary(name: &str, mut v: Vec<f64>, over: f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    let n = v.iter().filter(|&&x| x > over).count();
    println!(
        "{name}: median {:.3} ms, p90 {:.3} ms, max {:.3} ms; over {over} ms in {n} of {} runs",
        at(0.5),
        at(0.9),
        at(1.0),
        v.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sleep = args.iter().any(|a| a == "sleep");
    if args.first().map(String::as_str) == Some("--child") {
        let (start, both, wake) = child(sleep);
        println!("{start} {both} {wake}");
        return;
    }
    let runs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50);
    let me = std::env::current_exe().expect("own path");
    let (mut starts, mut boths, mut wakes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut cmd = std::process::Command::new(&me);
        cmd.arg("--child");
        if sleep {
            cmd.arg("sleep");
        }
        let out = cmd.output().expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace().filter_map(|x| x.parse::<f64>().ok());
        if let (Some(s), Some(b), Some(w)) = (it.next(), it.next(), it.next()) {
            starts.push(s);
            boths.push(b);
            wakes.push(w);
        }
    }
    summary("new thread starts", starts, 1.0);
    summary("both threads done (6 ms of work each)", boths, 7.0);
    summary("sleeping thread runs after its wake-up", wakes, 1.0);
}

//! How long a second thread waits for a core in a fresh process: the delay
//! behind the spread of cleanscan's one-app runs (BENCHMARKS.md, "Why one
//! app does not run twice as fast on two cores").
//!
//! ```sh
//! cargo run --release --example wake_latency -- 100
//! ```
//!
//! Runs itself N times as a child process (default 50). Each child, while
//! its main thread is busy (as a scan's main thread is):
//! 1. spawns a thread and measures how long it takes to start running;
//! 2. wakes a thread sleeping on a condition variable and measures how long
//!    it takes to run.
//!
//! On an idle machine with a free core both are tens of microseconds; a
//! figure in milliseconds means the thread waited for the busy core (or for
//! the hypervisor to run the idle one).

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

/// One child's two delays, in milliseconds.
fn child() -> (f64, f64) {
    let t0 = Instant::now();
    let started = std::thread::spawn(move || t0.elapsed());
    spin(8.0);
    let start = started.join().unwrap_or_default();

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
    (start.as_secs_f64() * 1e3, ran.as_secs_f64() * 1e3)
}

fn summary(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    let over = v.iter().filter(|&&x| x > 1.0).count();
    println!(
        "{name}: median {:.3} ms, p90 {:.3} ms, max {:.3} ms; over 1 ms in {over} of {} runs",
        at(0.5),
        at(0.9),
        at(1.0),
        v.len()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("--child") {
        let (start, wake) = child();
        println!("{start} {wake}");
        return;
    }
    let runs: usize = first.and_then(|a| a.parse().ok()).unwrap_or(50);
    let me = std::env::current_exe().expect("own path");
    let (mut starts, mut wakes) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let out = std::process::Command::new(&me).arg("--child").output().expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace().filter_map(|x| x.parse::<f64>().ok());
        if let (Some(s), Some(w)) = (it.next(), it.next()) {
            starts.push(s);
            wakes.push(w);
        }
    }
    summary("new thread starts", starts);
    summary("sleeping thread runs after its wake-up", wakes);
}

//! The signature database's fixed cost in a process: loading the built-in
//! database (as a scan does: the lean copy of its files, step 57), compiling
//! it into matchers and building whatever regex sets they need (none for the
//! built-in database since step 58). Each scan process pays this once.
//!
//! ```sh
//! cargo run --release --example db_load                 # one cold load, its three phases
//! cargo run --release --example db_load -- 5            # then four warm ones
//! valgrind --tool=callgrind target/release/examples/db_load   # instructions per phase
//! ```
//!
//! The first load is the one a scan pays (fresh heap, first touch of the
//! program's pages); later ones in the same process are warm.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(1);
    for run in 0..runs {
        let t0 = Instant::now();
        let set = cleanscan::signatures::load_builtin(&[])?;
        let t1 = Instant::now();
        let matchers = cleanscan::signatures::compile::Matchers::compile(set)?;
        let t2 = Instant::now();
        matchers.warm();
        let t3 = Instant::now();
        println!(
            "{}: load {:.3} ms, compile {:.3} ms, warm {:.3} ms",
            if run == 0 { "cold" } else { "warm" },
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3,
            (t3 - t2).as_secs_f64() * 1e3,
        );
        // As a scan does, the process ends without freeing the database.
        std::mem::forget(matchers);
    }
    Ok(())
}

//! `bench-report`: every benchmark figure measured side by side with its baseline in one
//! run, printed as one ratio line each (`cargo xtask bench [--quick] [--write]`).
//!
//! Candidates and baselines run interleaved in the same process, and each ratio is taken
//! from medians of rounds, so a machine shared with other work skews both sides alike.
//! Servers run on their own runtime thread; the measured client runs on the main thread
//! (a current-thread runtime), whose allocations alone are counted.
//!
//! Flags: `--quick` (fewer rounds, no clean build timings), `--write` (rewrite the
//! figures section of `BENCHMARKS.md`), `--only NAME[,NAME]` (per-call, export, sse,
//! latency, stampede, tolerant, memory, sync, footprint; an unknown name is an error).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod alloc;
mod child;
mod export;
mod footprint;
mod memory;
mod per_call;
mod report;
mod sse_decode;
mod sse_latency;
mod stampede;
mod stats;
mod sync;
mod tolerant_decode;

use std::path::Path;
use std::process::ExitCode;

use tokio::runtime::Runtime;
use vendor_sandbox::{Sandbox, SandboxBuilder};

use report::{Figure, Machine};

#[global_allocator]
static ALLOCATOR: alloc::CountingAllocator = alloc::CountingAllocator;

/// A figure's result; the error says what broke.
pub(crate) type Outcome<T = ()> = Result<T, String>;

/// The runtimes every figure uses.
#[derive(Debug)]
pub(crate) struct Env {
    /// Servers (sandbox, SSE): one worker thread of their own.
    pub(crate) server: Runtime,
    /// The measured clients: a current-thread runtime on the main thread.
    pub(crate) client: Runtime,
    pub(crate) quick: bool,
}

impl Env {
    /// Starts a sandbox on the server runtime.
    pub(crate) fn sandbox(&self, builder: SandboxBuilder) -> Outcome<Sandbox> {
        self.server
            .block_on(builder.start())
            .map_err(|e| format!("sandbox: {e}"))
    }
}

type Run = fn(&Env) -> Outcome<Vec<Figure>>;

/// The figures, in the order of the issue (memory last: it needs `agentctl`).
const FIGURES: [(&str, Run); 9] = [
    ("per-call", per_call::run),
    ("export", export::run),
    ("sse", sse_decode::run),
    ("latency", sse_latency::run),
    ("stampede", stampede::run),
    ("tolerant", tolerant_decode::run),
    ("memory", memory::run),
    ("sync", sync::run),
    ("footprint", footprint::run),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(sse_decode::CHILD_FLAG) {
        return match sse_decode::child(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench-report: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let quick = args.iter().any(|a| a == "--quick");
    let write = args.iter().any(|a| a == "--write");
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').map(str::to_owned).collect());
    if let Some(unknown) = only
        .iter()
        .flatten()
        .find(|n| !FIGURES.iter().any(|(name, _)| name == n))
    {
        let names: Vec<&str> = FIGURES.iter().map(|(name, _)| *name).collect();
        eprintln!(
            "bench-report: no figure `{unknown}` (--only takes {})",
            names.join(",")
        );
        return ExitCode::FAILURE;
    }
    let env = match runtimes(quick) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("bench-report: {e}");
            return ExitCode::FAILURE;
        }
    };
    let machine = Machine::detect();
    println!(
        "bench-report: {} mode on {machine}",
        if quick { "quick" } else { "full" }
    );
    let mut figures = Vec::new();
    let mut failed = false;
    for (name, run) in FIGURES {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let started = std::time::Instant::now();
        match run(&env) {
            Ok(new) => {
                for f in &new {
                    println!("{}\n    {}", f.line(), f.detail);
                }
                println!(
                    "  ({name}: measured in {:.0} s)",
                    started.elapsed().as_secs_f64()
                );
                figures.extend(new);
            }
            Err(e) => {
                failed = true;
                println!("{name:<34} ERROR: {e}");
            }
        }
    }
    if write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
        let mode = if quick { "quick" } else { "full" };
        let date = time::OffsetDateTime::now_utc().date().to_string();
        match report::write_markdown(&path, &figures, &machine, mode, &date) {
            Ok(()) => println!("wrote the figures to BENCHMARKS.md"),
            Err(e) => {
                eprintln!("bench-report: writing BENCHMARKS.md: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn runtimes(quick: bool) -> Outcome<Env> {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-server")
        .enable_all()
        .build()
        .map_err(|e| format!("server runtime: {e}"))?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("client runtime: {e}"))?;
    Ok(Env {
        server,
        client,
        quick,
    })
}

//! Project automation, run as `cargo xtask <command>`.
//!
//! Commands:
//! - `bench [--quick] [--write]`: the benchmark figures, each as a ratio to its baseline.
//! - `ci`: what CI runs (fmt check, clippy `-D warnings`, codegen check, tests).
//! - `codegen [--check]`: generate each vendor crate's `src/generated/` from its
//!   `openapi.yaml` (`--check`: fail if the committed code is stale).
//! - `fixtures --docs <dir>`: extract every JSON example of the vendor docs into
//!   `crates/<vendor>-client/tests/fixtures/`.
//! - `publish-check [--quick] [--allow-dirty]`: package every publishable crate, test each
//!   from its unpacked `.crate`, build the docs, check the MSRV and semver.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod ci;
mod codegen;
mod fixtures;
mod fuzz;
mod publish;
mod surface;

use std::path::PathBuf;
use std::process::ExitCode;

/// The workspace root (the parent of this crate's directory).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// An error that ends the command with a message and exit code 1.
pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let outcome = match command.as_str() {
        "bench" => bench::run(rest),
        "ci" => ci::run(rest),
        "codegen" => codegen::run(rest),
        "fixtures" => fixtures::run(rest),
        "fuzz" => fuzz::run(rest),
        "publish-check" => publish::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bench [--quick] [--write]
                          measure every benchmark figure against its baseline
                          (--write: record them in BENCHMARKS.md)
  ci                      fmt check, clippy -D warnings, codegen check, tests
  codegen [--check]       generate crates/*-client/src/generated/ from openapi.yaml
                          (--check: fail if it is stale)
  fixtures --docs <dir>   extract the vendor docs' JSON examples into
                          crates/<vendor>-client/tests/fixtures/
  fuzz [--time SECS] [TARGET...]
                          run each cargo-fuzz target SECS seconds (default 60), print executions
  publish-check [--quick] [--allow-dirty] [--keep]
                          package every publishable crate, run its tests from the unpacked
                          .crate, build docs with warnings denied, check MSRV and semver
                          (--quick: packaging without verification and docs only)";

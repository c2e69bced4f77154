//! `cargo xtask bench [--quick] [--write]`: builds the benchmark harness and `agentctl`
//! in release, then runs `bench-report`, which measures every figure side by side with
//! its baseline and prints one ratio line each (`--write`: also into `BENCHMARKS.md`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::workspace_root;

const FLAGS: [&str; 2] = ["--quick", "--write"];

pub(crate) fn run(args: &[String]) -> crate::Result {
    let mut pass = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if FLAGS.contains(&arg.as_str()) {
            pass.push(arg.clone());
        } else if arg == "--only" {
            let list = rest.next().ok_or("--only needs a list of figures")?;
            pass.extend(["--only".to_owned(), list.clone()]);
        } else {
            return Err(format!(
                "bench: unknown argument `{arg}` (expected --quick, --write, --only LIST)"
            ));
        }
    }
    let started = Instant::now();
    let root = workspace_root();
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "-p",
            "agent-benches",
            "-p",
            "agent-clients-cli",
        ])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("bench: the release build failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = Command::new(target.join("release").join("bench-report"))
        .current_dir(&root)
        .args(&pass)
        .status()
        .map_err(|e| format!("bench-report: {e}"))?;
    let secs = started.elapsed().as_secs();
    println!(
        "cargo xtask bench: {} min {:02} s in all, release build included",
        secs / 60,
        secs % 60
    );
    if status.success() {
        Ok(())
    } else {
        Err("bench: a figure could not be measured (see ERROR above)".into())
    }
}

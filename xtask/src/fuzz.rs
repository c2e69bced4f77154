//! `cargo xtask fuzz [--time SECS] [TARGET...]`: runs each cargo-fuzz target of `fuzz/`
//! (all of them by default) for SECS seconds (default 60) on the stable toolchain
//! (`-s none`: no sanitizer, which needs nightly), and prints the executions per target.
//!
//! Before running, it installs cargo-fuzz if `cargo fuzz --version` fails and seeds
//! `fuzz/corpus/<target>/` with the files `crates/fuzz-targets/seeds/sources.json` names
//! (the documented examples in `crates/*-client/tests/fixtures/`, SSE samples); the
//! corpus then keeps growing across runs. A crash leaves its input in
//! `fuzz/artifacts/<target>/`: fix the bug, then commit the input under
//! `crates/fuzz-targets/regressions/<target>/`, where `cargo test` replays it.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// Seconds per target unless `--time` says otherwise.
const DEFAULT_SECS: u64 = 60;

/// A place seeds are copied from (`seeds/sources.json`): the files of `dir` (relative to
/// the workspace root) whose names end with `suffix`.
#[derive(Deserialize)]
struct Source {
    dir: String,
    #[serde(default)]
    suffix: String,
}

/// What one target's run reported.
struct Outcome {
    target: String,
    executions: Option<u64>,
    crashed: bool,
}

pub(crate) fn run(args: &[String]) -> crate::Result {
    let (secs, mut targets) = parse_args(args)?;
    let root = crate::workspace_root();
    let fuzz_dir = root.join("fuzz");
    let all = list_targets(&fuzz_dir)?;
    if targets.is_empty() {
        targets.clone_from(&all);
    }
    if let Some(unknown) = targets.iter().find(|t| !all.contains(t)) {
        return Err(format!(
            "no fuzz target `{unknown}` (have: {})",
            all.join(", ")
        ));
    }
    ensure_cargo_fuzz()?;
    let sources = read_sources(&root)?;
    let mut outcomes = Vec::new();
    for target in &targets {
        let corpus = seed_corpus(&root, &fuzz_dir, target, &sources)?;
        outcomes.push(run_target(&root, target, &corpus, secs)?);
    }
    println!("\nexecutions per target ({secs} s each):");
    for outcome in &outcomes {
        let runs = outcome
            .executions
            .map_or_else(|| "unknown".to_owned(), |n| n.to_string());
        let verdict = if outcome.crashed { "CRASH" } else { "ok" };
        println!("  {:<18} {runs:>12}  {verdict}", outcome.target);
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashed)
        .map(|o| o.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {} (inputs in fuzz/artifacts/<target>/; fix, then commit each under \
             crates/fuzz-targets/regressions/<target>/)",
            crashed.join(", ")
        ))
    }
}

fn parse_args(args: &[String]) -> crate::Result<(u64, Vec<String>)> {
    let mut secs = DEFAULT_SECS;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--time" => {
                let value = args.next().ok_or("`--time` needs a number of seconds")?;
                secs = value
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("`--time {value}`: not a positive number"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            target => targets.push(target.to_owned()),
        }
    }
    Ok((secs, targets))
}

/// The targets: `fuzz/fuzz_targets/*.rs`, sorted.
fn list_targets(fuzz_dir: &Path) -> crate::Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut targets: Vec<String> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    Ok(targets)
}

fn ensure_cargo_fuzz() -> crate::Result {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        return Ok(());
    }
    eprintln!("xtask fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .map_err(|e| format!("cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo install cargo-fuzz failed".to_owned())
    }
}

fn read_sources(root: &Path) -> crate::Result<BTreeMap<String, Vec<Source>>> {
    let path = root.join("crates/fuzz-targets/seeds/sources.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Copies the target's seeds into `fuzz/corpus/<target>/` (as `seed-<file name>`, so a
/// changed fixture replaces its old copy) and returns the corpus directory.
fn seed_corpus(
    root: &Path,
    fuzz_dir: &Path,
    target: &str,
    sources: &BTreeMap<String, Vec<Source>>,
) -> crate::Result<PathBuf> {
    let corpus = fuzz_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let sources = sources
        .get(target)
        .ok_or_else(|| format!("seeds/sources.json has no entry for `{target}`"))?;
    let mut seeded = 0;
    for source in sources {
        let dir = root.join(&source.dir);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for path in entries.filter_map(|entry| entry.ok().map(|e| e.path())) {
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if !path.is_file() || !name.ends_with(&source.suffix) {
                continue;
            }
            let copy = corpus.join(format!("seed-{name}"));
            std::fs::copy(&path, &copy).map_err(|e| format!("{}: {e}", path.display()))?;
            seeded += 1;
        }
    }
    if seeded == 0 {
        return Err(format!("no seed files found for `{target}`"));
    }
    Ok(corpus)
}

/// Runs one target for `secs` seconds; libFuzzer's report goes to the terminal and is
/// scanned for the number of executions.
fn run_target(root: &Path, target: &str, corpus: &Path, secs: u64) -> crate::Result<Outcome> {
    eprintln!("xtask fuzz: {target} for {secs} s");
    let mut child = Command::new("cargo")
        .current_dir(root)
        .args(["fuzz", "run", "--fuzz-dir", "fuzz", "-s", "none", target])
        .arg(corpus)
        .arg("--")
        .arg(format!("-max_total_time={secs}"))
        .args(["-timeout=30", "-print_final_stats=1"])
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
    let mut executions = None;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(n) = executions_in(&line) {
                executions = Some(n);
            }
            // Progress lines (`#1024 NEW ...`) and the recommended dictionary (`"..."`)
            // are noise; the rest (build, crashes, final stats) is not.
            if !line.starts_with('#') && !line.starts_with('"') {
                eprintln!("{line}");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
    Ok(Outcome {
        target: target.to_owned(),
        executions,
        crashed: !status.success(),
    })
}

/// The execution count of libFuzzer's final lines: `Done 12345 runs in 60 second(s)` or
/// `stat::number_of_executed_units: 12345`.
fn executions_in(line: &str) -> Option<u64> {
    if let Some(rest) = line.strip_prefix("stat::number_of_executed_units:") {
        return rest.trim().parse().ok();
    }
    let rest = line.strip_prefix("Done ")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_execution_counts() {
        assert_eq!(
            executions_in("Done 1234567 runs in 61 second(s)"),
            Some(1_234_567)
        );
        assert_eq!(
            executions_in("stat::number_of_executed_units: 98765"),
            Some(98_765)
        );
        assert_eq!(executions_in("#1024\tpulse  cov: 12 ft: 30"), None);
    }

    #[test]
    fn parses_time_and_targets() {
        let args: Vec<String> = ["--time", "5", "sse_decoder"].map(String::from).into();
        let parsed = parse_args(&args).ok();
        assert_eq!(parsed, Some((5, vec!["sse_decoder".to_owned()])));
        assert!(parse_args(&["--time".to_owned(), "0".to_owned()]).is_err());
        assert!(parse_args(&["--fast".to_owned()]).is_err());
    }
}

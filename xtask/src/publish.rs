//! `cargo xtask publish-check [--quick] [--allow-dirty] [--keep]`: would each publishable
//! crate (every workspace member without `publish = false`) work once published?
//!
//! Steps, each reported per crate as `ok`, `FAILED` or `skipped: <reason>`:
//! 1. **package**: `cargo package -p <each publishable crate> --locked` (one invocation, so
//!    path dependencies resolve as published crates would, through cargo's local overlay
//!    of the crates packaged with them). Full mode verifies (builds) each package; quick
//!    mode passes `--no-verify`. `--allow-dirty` passes through.
//! 2. **tests** (full mode): each `.crate` is unpacked with `tar xzf` into a temporary
//!    directory outside the workspace, and `cargo test` runs there, once with default
//!    features and once with `--all-features`. The unpacked crates depend on each other by
//!    version from crates.io, where they are not published yet, so each workspace crate it
//!    needs is patched in: `--config 'patch.crates-io.<name>.path="<its unpacked dir>"'`.
//!    `CARGO_TARGET_DIR` is `<target>/publish-check`, shared, so third-party crates build once.
//! 3. **docs**: `RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features --keep-going`
//!    over the publishable crates in one invocation (docs.rs builds each with
//!    `all-features = true`; the features are additive, `native-tls` overriding rustls, so
//!    every combination builds together). `--cfg docsrs` is not passed: it needs nightly
//!    once used for `doc_cfg`.
//! 4. **msrv** (full mode): the declared `rust-version` must be the truth:
//!    (a) `cargo clippy --all-features -- -D clippy::incompatible_msrv` (no std API newer
//!    than the declared version), (b) from `cargo metadata --all-features`, every crate in
//!    each publishable crate's normal and build dependency tree needs no newer Rust (its
//!    `rust-version`, at least what its edition needs), (c) the crate's own edition needs
//!    no newer Rust than it declares (2024 needs 1.85).
//! 5. **semver** (full mode): with `cargo-semver-checks` installed, each crate against its
//!    last release, the highest git tag `<crate>-v<version>`
//!    (`cargo semver-checks check-release -p <crate> --baseline-rev <tag>`); a crate
//!    with no tag has no release yet and is skipped by name, as is every crate (saying
//!    why) when the tool is not installed.
//!
//! The end is a table: each crate, its version, its `.crate` size in bytes and file count,
//! and each step's result. Any `FAILED` makes the command fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

const USAGE: &str = "usage: cargo xtask publish-check [--quick] [--allow-dirty] [--keep]
  --quick        packaging (--no-verify) and docs only (what CI runs)
  --allow-dirty  package a working tree with uncommitted changes
  --keep         keep the unpacked crates (their directory is printed)";

/// The steps, in table order.
const STEPS: [&str; 5] = ["package", "tests", "docs", "msrv", "semver"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Options {
    quick: bool,
    allow_dirty: bool,
    keep: bool,
}

fn parse_args(args: &[String]) -> crate::Result<Options> {
    let mut options = Options::default();
    for arg in args {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--allow-dirty" => options.allow_dirty = true,
            "--keep" => options.keep = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => {
                return Err(format!(
                    "publish-check: unknown argument `{other}`\n{USAGE}"
                ));
            }
        }
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> crate::Result {
    check(parse_args(args)?)
}

/// What `cargo xtask ci` runs: packaging without verification, and the docs. A working
/// tree with uncommitted changes is packaged as it is, except under `CI=true`, where the
/// checkout must be clean.
pub(crate) fn ci() -> crate::Result {
    let strict = std::env::var("CI").is_ok_and(|v| v == "true");
    check(Options {
        quick: true,
        allow_dirty: !strict,
        keep: false,
    })
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

/// The result of one step for one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed(String),
    Skipped(String),
}

impl Outcome {
    fn cell(&self) -> String {
        match self {
            Outcome::Ok => "ok".to_owned(),
            Outcome::Failed(_) => "FAILED".to_owned(),
            Outcome::Skipped(why) => format!("skipped: {why}"),
        }
    }
}

/// One publishable crate and what the steps found.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    version: String,
    /// Size of the `.crate` file.
    bytes: Option<u64>,
    /// Files in the package.
    files: Option<usize>,
    /// Outcome per step of [`STEPS`].
    steps: BTreeMap<&'static str, Outcome>,
}

impl Row {
    fn set(&mut self, step: &'static str, outcome: Outcome) {
        self.steps.insert(step, outcome);
    }

    fn get(&self, step: &str) -> Option<&Outcome> {
        self.steps.get(step)
    }
}

/// The final table: one line per crate, one column per step.
fn render_table(rows: &[Row]) -> String {
    let mut header: Vec<String> = ["crate", "version", ".crate bytes", "files"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    header.extend(STEPS.iter().map(|s| (*s).to_owned()));
    let mut lines: Vec<Vec<String>> = vec![header];
    for row in rows {
        let mut cells = vec![
            row.name.clone(),
            row.version.clone(),
            row.bytes.map_or_else(|| "-".to_owned(), |b| b.to_string()),
            row.files.map_or_else(|| "-".to_owned(), |f| f.to_string()),
        ];
        cells.extend(STEPS.iter().map(|step| {
            row.get(step)
                .map_or_else(|| "skipped: not reached".to_owned(), Outcome::cell)
        }));
        lines.push(cells);
    }
    let columns = lines[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Numbers right-aligned, text left-aligned.
    let numeric = |i: usize| i == 2 || i == 3;
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths[i];
                if numeric(i) && n > 0 {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{}", rule.join("  "));
        }
    }
    out
}

/// Every failure with its details, for the end of the report.
fn failures(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for row in rows {
        for step in STEPS {
            if let Some(Outcome::Failed(why)) = row.get(step) {
                out.push(format!("{} {step}: {why}", row.name));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The workspace
// ---------------------------------------------------------------------------------------

/// A publishable workspace crate, as `cargo metadata` describes it.
#[derive(Debug, Clone)]
struct Krate {
    id: String,
    name: String,
    version: String,
    edition: String,
    rust_version: Option<String>,
    /// The workspace crates it depends on (any kind), by name.
    workspace_deps: BTreeSet<String>,
}

#[derive(Debug)]
struct Workspace {
    root: PathBuf,
    target_dir: PathBuf,
    crates: Vec<Krate>,
}

/// The publishable members: `publish` is `null` (anywhere) or names registries; `[]` is
/// `publish = false`.
fn publishable(metadata: &Value) -> crate::Result<Vec<Krate>> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("cargo metadata: no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let member_names: BTreeSet<&str> = packages
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .filter_map(|p| p["name"].as_str())
        .collect();
    let mut out = Vec::new();
    for p in packages {
        let Some(id) = p["id"].as_str().filter(|id| members.contains(id)) else {
            continue;
        };
        if p["publish"].as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let text = |key: &str| p[key].as_str().unwrap_or_default().to_owned();
        let workspace_deps = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["path"].is_string())
            .filter_map(|d| d["name"].as_str())
            .filter(|n| member_names.contains(n))
            .map(str::to_owned)
            .collect();
        out.push(Krate {
            id: id.to_owned(),
            name: text("name"),
            version: text("version"),
            edition: text("edition"),
            rust_version: p["rust_version"].as_str().map(str::to_owned),
            workspace_deps,
        });
    }
    // Dependencies first (the order cargo publishes them in), then by name.
    Ok(publish_order(out))
}

/// Orders crates so that each comes after the workspace crates it depends on.
fn publish_order(mut crates: Vec<Krate>) -> Vec<Krate> {
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ordered: Vec<Krate> = Vec::new();
    while !crates.is_empty() {
        let placed: BTreeSet<String> = ordered.iter().map(|k| k.name.clone()).collect();
        let names: BTreeSet<String> = crates.iter().map(|k| k.name.clone()).collect();
        let ready = crates.iter().position(|k| {
            k.workspace_deps
                .iter()
                .all(|d| placed.contains(d) || !names.contains(d) || *d == k.name)
        });
        // A cycle (only through dev-dependencies) takes the first remaining crate.
        ordered.push(crates.remove(ready.unwrap_or(0)));
    }
    ordered
}

fn cargo_metadata(extra: &[&str]) -> crate::Result<Value> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(extra)
        .current_dir(crate::workspace_root())
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))
}

fn workspace() -> crate::Result<Workspace> {
    let metadata = cargo_metadata(&["--no-deps"])?;
    let path = |key: &str| {
        metadata[key]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| format!("cargo metadata: no {key}"))
    };
    Ok(Workspace {
        root: path("workspace_root")?,
        target_dir: path("target_directory")?,
        crates: publishable(&metadata)?,
    })
}

// ---------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------

/// A finished command: whether it succeeded, its stdout and stderr together, and its
/// stdout alone.
#[derive(Debug)]
struct Ran {
    success: bool,
    output: String,
    stdout: String,
}

fn run_cmd(cmd: &mut Command) -> crate::Result<Ran> {
    let output = cmd
        .output()
        .map_err(|e| format!("could not run {:?}: {e}", cmd.get_program()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut text = stdout.clone();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(Ran {
        success: output.status.success(),
        output: text,
        stdout,
    })
}

fn cargo() -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(crate::workspace_root());
    cmd
}

/// A failed cargo command's output without its progress lines (at most 300 lines), indented.
fn diagnostics(output: &str) -> String {
    const PROGRESS: &[&str] = &[
        "Compiling ",
        "Checking ",
        "Documenting ",
        "Fresh ",
        "Blocking ",
        "Updating ",
        "Downloading ",
        "Downloaded ",
        "Locking ",
        "Adding ",
        "Finished ",
        "Generated ",
    ];
    let kept: Vec<String> = output
        .lines()
        .filter(|l| !PROGRESS.iter().any(|p| l.trim_start().starts_with(p)))
        .map(|l| format!("    {l}"))
        .collect();
    let shown = kept.len().min(300);
    let mut text = kept[..shown].join("\n");
    if kept.len() > shown {
        let _ = write!(text, "\n    ... ({} more lines)", kept.len() - shown);
    }
    text
}

/// The first line that reads like an error (`error: ...`, `error[E..]: ...`, a failed
/// test), for a one-line summary; the full output is printed where the step ran.
fn first_error(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .find(|l| {
            l.starts_with("error") || l.starts_with("---- ") || l.starts_with("test result: FAILED")
        })
        .unwrap_or("see the output above")
        .to_owned()
}

fn seconds(since: Instant) -> String {
    format!("{:.0} s", since.elapsed().as_secs_f64())
}

// ---------------------------------------------------------------------------------------
// 1. Packaging
// ---------------------------------------------------------------------------------------

/// What `cargo package` said about one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Packaged {
    name: String,
    version: String,
    files: usize,
    /// The uncompressed size as cargo prints it (`460.1KiB`).
    size: String,
}

/// Reads the `Packaging <name> v<version> (<path>)` / `Packaged <n> files, <size> (...)`
/// pairs of `cargo package` output.
fn parse_package_output(output: &str) -> Vec<Packaged> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Packaging ") {
            let mut words = rest.split_whitespace();
            if let (Some(name), Some(version)) = (words.next(), words.next()) {
                current = Some((name.to_owned(), version.trim_start_matches('v').to_owned()));
            }
        } else if let Some(rest) = line.strip_prefix("Packaged ") {
            let Some((name, version)) = current.take() else {
                continue;
            };
            let mut words = rest.split_whitespace();
            let files = words.next().and_then(|n| n.parse().ok());
            let size = rest
                .split_once(", ")
                .map(|(_, s)| s.split(" (").next().unwrap_or(s).trim().to_owned());
            if let (Some(files), Some(size)) = (files, size) {
                out.push(Packaged {
                    name,
                    version,
                    files,
                    size,
                });
            }
        }
    }
    out
}

/// The crates `cargo` could not build, document or check (`could not compile `x``,
/// `could not document `x``), by name.
fn crates_that_failed(output: &str) -> BTreeSet<String> {
    output.lines().filter_map(failed_crate).collect()
}

/// The crates named in `could not compile `x`` only.
fn crates_that_did_not_compile(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter(|l| l.contains("could not compile `"))
        .filter_map(failed_crate)
        .collect()
}

/// The crate a `could not compile `x`` / `could not document `x`` line names.
fn failed_crate(line: &str) -> Option<String> {
    let rest = line
        .split_once("could not compile `")
        .or_else(|| line.split_once("could not document `"))
        .map(|(_, r)| r)?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// The first error of the diagnostics that end in `could not ... `name``: those since the
/// previous such line.
fn first_error_of(output: &str, name: &str) -> String {
    let mut block: Vec<&str> = Vec::new();
    for line in output.lines() {
        match failed_crate(line) {
            Some(n) if n == name => return first_error(&block.join("\n")),
            Some(_) => block.clear(),
            None => block.push(line),
        }
    }
    first_error(output)
}

fn crate_file(ws: &Workspace, k: &Krate) -> PathBuf {
    ws.target_dir
        .join("package")
        .join(format!("{}-{}.crate", k.name, k.version))
}

/// One `cargo package` of `crates` (together, so they resolve each other through cargo's
/// local overlay).
fn cargo_package(crates: &[&Krate], options: Options) -> crate::Result<Ran> {
    let mut cmd = cargo();
    cmd.arg("package").arg("--locked");
    for k in crates {
        cmd.args(["-p", &k.name]);
    }
    if options.quick {
        cmd.arg("--no-verify");
    }
    if options.allow_dirty {
        cmd.arg("--allow-dirty");
    }
    let names: Vec<&str> = crates.iter().map(|k| k.name.as_str()).collect();
    eprintln!(
        "publish-check: package: cargo package --locked{}{} -p {}",
        if options.quick { " --no-verify" } else { "" },
        if options.allow_dirty {
            " --allow-dirty"
        } else {
            ""
        },
        names.join(" -p ")
    );
    let started = Instant::now();
    let ran = run_cmd(&mut cmd)?;
    eprintln!(
        "publish-check: package: {} ({})",
        if ran.success { "ok" } else { "FAILED" },
        seconds(started)
    );
    if !ran.success {
        eprintln!("{}", diagnostics(&ran.output));
    }
    Ok(ran)
}

/// Notes what one `cargo package` did for `crates`: the file count, or why it failed.
fn record(
    results: &mut BTreeMap<String, Result<Option<usize>, String>>,
    crates: &[&Krate],
    ran: &Ran,
) {
    let packaged = parse_package_output(&ran.output);
    for k in crates {
        let files = packaged.iter().find(|p| p.name == k.name).map(|p| p.files);
        let result = if ran.success {
            Ok(files)
        } else {
            Err(format!("cargo package: {}", first_error(&ran.output)))
        };
        results.insert(k.name.clone(), result);
    }
}

/// Packages every publishable crate in one `cargo package`. When that fails (cargo then
/// writes no `.crate` at all), the crates that got through are packaged again without
/// the others, and each of the others on its own with the workspace crates it needs, so
/// that one broken package fails only itself.
fn package(ws: &Workspace, options: Options, rows: &mut [Row]) -> crate::Result {
    // A failed packaging must not leave an earlier run's `.crate` looking current.
    for k in &ws.crates {
        let _ = std::fs::remove_file(crate_file(ws, k));
    }
    let all: Vec<&Krate> = ws.crates.iter().collect();
    let mut results: BTreeMap<String, Result<Option<usize>, String>> = BTreeMap::new();
    let first = cargo_package(&all, options)?;
    if first.success {
        record(&mut results, &all, &first);
    } else {
        // Through: listed (`Packaged`) and not named in a compile error (verification).
        let listed: BTreeSet<String> = parse_package_output(&first.output)
            .into_iter()
            .map(|p| p.name)
            .collect();
        let broken = crates_that_failed(&first.output);
        let (through, rest): (Vec<&Krate>, Vec<&Krate>) = all
            .iter()
            .partition(|k| listed.contains(&k.name) && !broken.contains(&k.name));
        if !through.is_empty() {
            eprintln!("publish-check: package: again without the crates that failed");
            let ran = cargo_package(&through, options)?;
            record(&mut results, &through, &ran);
        }
        for k in rest {
            let needs = patch_closure(&ws.crates, &k.name);
            let unmet: Vec<&String> = needs
                .iter()
                .filter(|n| !matches!(results.get(*n), Some(Ok(_))))
                .collect();
            if !unmet.is_empty() {
                let unmet: Vec<&str> = unmet.iter().map(|n| n.as_str()).collect();
                results.insert(
                    k.name.clone(),
                    Err(format!(
                        "needs {}, which did not package; alone: {}",
                        unmet.join(", "),
                        first_error(&first.output)
                    )),
                );
                continue;
            }
            let mut with: Vec<&Krate> = all
                .iter()
                .copied()
                .filter(|c| needs.contains(&c.name))
                .collect();
            with.push(k);
            let ran = cargo_package(&with, options)?;
            record(&mut results, &[k], &ran);
        }
    }
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        let file = crate_file(ws, k);
        let outcome = match results.remove(&k.name) {
            Some(Ok(files)) => {
                row.files = files;
                row.bytes = std::fs::metadata(&file).ok().map(|m| m.len());
                if row.bytes.is_some() {
                    Outcome::Ok
                } else {
                    Outcome::Failed(format!("cargo package wrote no {}", file.display()))
                }
            }
            Some(Err(why)) => Outcome::Failed(why),
            None => Outcome::Failed("not packaged".to_owned()),
        };
        row.set("package", outcome);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 2. Tests of the unpacked crates
// ---------------------------------------------------------------------------------------

/// The workspace crates `name` needs from crates.io once unpacked: its own workspace
/// dependencies (any kind) and, transitively, theirs (normal and build only, which is all
/// a dependency brings; approximated here by all kinds, harmless for a patch).
fn patch_closure(crates: &[Krate], name: &str) -> BTreeSet<String> {
    let by_name: BTreeMap<&str, &Krate> = crates.iter().map(|k| (k.name.as_str(), k)).collect();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = by_name
        .get(name)
        .map(|k| k.workspace_deps.iter().cloned().collect())
        .unwrap_or_default();
    while let Some(dep) = stack.pop() {
        if dep == name || !seen.insert(dep.clone()) {
            continue;
        }
        if let Some(k) = by_name.get(dep.as_str()) {
            stack.extend(k.workspace_deps.iter().cloned());
        }
    }
    seen.retain(|d| by_name.contains_key(d.as_str()));
    seen
}

/// The `--config` value that patches crates.io's `name` with a local directory.
fn patch_arg(name: &str, dir: &Path) -> String {
    let path = dir
        .to_string_lossy()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("patch.crates-io.{name}.path=\"{path}\"")
}

/// A fresh directory outside the workspace, removed on drop unless kept.
#[derive(Debug)]
struct Scratch {
    dir: PathBuf,
    keep: bool,
}

impl Scratch {
    fn new(keep: bool) -> crate::Result<Self> {
        let dir = std::env::temp_dir().join(format!("xtask-publish-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self { dir, keep })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            eprintln!(
                "publish-check: the unpacked crates are kept in {}",
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn unpack(file: &Path, into: &Path) -> crate::Result {
    let ran = run_cmd(Command::new("tar").arg("xzf").arg(file).arg("-C").arg(into))?;
    if ran.success {
        Ok(())
    } else {
        Err(format!("tar xzf {} failed: {}", file.display(), ran.output))
    }
}

fn tests(ws: &Workspace, options: Options, rows: &mut [Row]) -> crate::Result {
    let scratch = Scratch::new(options.keep)?;
    let mut unpacked: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        if row.get("package") != Some(&Outcome::Ok) {
            continue;
        }
        match unpack(&crate_file(ws, k), &scratch.dir) {
            Ok(()) => {
                unpacked.insert(
                    k.name.clone(),
                    scratch.dir.join(format!("{}-{}", k.name, k.version)),
                );
            }
            Err(e) => row.set("tests", Outcome::Failed(e)),
        }
    }
    let target = ws.target_dir.join("publish-check");
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        if row.get("tests").is_some() {
            continue;
        }
        let Some(dir) = unpacked.get(&k.name) else {
            row.set("tests", Outcome::Skipped("not packaged".to_owned()));
            continue;
        };
        let mut patches = Vec::new();
        let mut missing = Vec::new();
        for dep in patch_closure(&ws.crates, &k.name) {
            match unpacked.get(&dep) {
                Some(d) => patches.push(patch_arg(&dep, d)),
                None => missing.push(dep),
            }
        }
        if !missing.is_empty() {
            row.set(
                "tests",
                Outcome::Skipped(format!("needs {} (not packaged)", missing.join(", "))),
            );
            continue;
        }
        let mut outcome = Outcome::Ok;
        for features in [None, Some("--all-features")] {
            let started = Instant::now();
            let mut cmd = Command::new(env!("CARGO"));
            cmd.arg("test")
                .args(features)
                .current_dir(dir)
                .env("CARGO_TARGET_DIR", &target)
                // As the workspace's dev profile: less debug info, faster links.
                .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
                // A failure's panic message, not a page of backtrace.
                .env("RUST_BACKTRACE", "0");
            for patch in &patches {
                cmd.arg("--config").arg(patch);
            }
            let shown = format!(
                "cargo test{} in {}",
                features.map(|f| format!(" {f}")).unwrap_or_default(),
                dir.display()
            );
            eprintln!("publish-check: tests: {shown}");
            let ran = run_cmd(&mut cmd)?;
            let passed = test_counts(&ran.output);
            eprintln!(
                "publish-check: tests: {} {}: {} ({} tests passed, {})",
                k.name,
                features.unwrap_or("default features"),
                if ran.success { "ok" } else { "FAILED" },
                passed,
                seconds(started)
            );
            if !ran.success {
                let failures = test_failures(&ran.stdout);
                if failures.is_empty() {
                    eprintln!("{}", diagnostics(&ran.output));
                } else {
                    eprintln!("{failures}");
                }
                let why = failed_test(&ran.stdout).unwrap_or_else(|| first_error(&ran.output));
                outcome = Outcome::Failed(format!("{shown}: {why} (output above)"));
                break;
            }
        }
        row.set("tests", outcome);
    }
    Ok(())
}

/// The `failures:` sections of libtest's output (at most 150 lines), indented.
fn test_failures(stdout: &str) -> String {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line == "failures:" {
            inside = true;
        } else if line.starts_with("test result: ") {
            inside = false;
        }
        if inside {
            lines.push(format!("    {line}"));
        }
    }
    let shown = lines.len().min(150);
    let mut text = lines[..shown].join("\n");
    if lines.len() > shown {
        let _ = write!(text, "\n    ... ({} more lines)", lines.len() - shown);
    }
    text
}

/// The first failed test and its panic message: `name: message`.
fn failed_test(stdout: &str) -> Option<String> {
    let mut lines = stdout.lines();
    let name = lines.find_map(|l| {
        l.strip_prefix("---- ")
            .and_then(|r| r.strip_suffix(" stdout ----"))
    })?;
    let message = lines
        .skip_while(|l| !l.contains("panicked at"))
        .nth(1)
        .unwrap_or("")
        .trim();
    let mut message: String = message.chars().take(160).collect();
    if message.is_empty() {
        message = "failed".to_owned();
    }
    Some(format!("{name}: {message}"))
}

/// The number of tests that passed, summed over the `test result:` lines.
fn test_counts(output: &str) -> usize {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("test result: "))
        .filter_map(|rest| {
            rest.split(';')
                .next()
                .and_then(|first| first.split_whitespace().nth(1))
                .and_then(|n| n.parse::<usize>().ok())
        })
        .sum()
}

// ---------------------------------------------------------------------------------------
// 3. Docs
// ---------------------------------------------------------------------------------------

fn docs(ws: &Workspace, rows: &mut [Row]) -> crate::Result {
    let mut cmd = cargo();
    cmd.args([
        "doc",
        "--no-deps",
        "--all-features",
        "--locked",
        "--keep-going",
    ])
    .env("RUSTDOCFLAGS", "-D warnings");
    for k in &ws.crates {
        cmd.args(["-p", &k.name]);
    }
    eprintln!(
        "publish-check: docs: RUSTDOCFLAGS=\"-D warnings\" cargo doc --no-deps --all-features ({} crates)",
        ws.crates.len()
    );
    let started = Instant::now();
    let ran = run_cmd(&mut cmd)?;
    let failed = crates_that_failed(&ran.output);
    let not_compiled = crates_that_did_not_compile(&ran.output);
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        let blocked = patch_closure(&ws.crates, &k.name)
            .into_iter()
            .find(|d| not_compiled.contains(d));
        let outcome = if ran.success {
            Outcome::Ok
        } else if failed.contains(&k.name) {
            Outcome::Failed(format!(
                "cargo doc: {} (output above)",
                first_error_of(&ran.output, &k.name)
            ))
        } else if let Some(dep) = blocked {
            Outcome::Skipped(format!("{dep} did not compile"))
        } else if failed.is_empty() {
            Outcome::Failed(format!(
                "cargo doc failed, no crate named: {}",
                first_error(&ran.output)
            ))
        } else {
            // `--keep-going` documented it; another crate failed.
            Outcome::Ok
        };
        row.set("docs", outcome);
    }
    eprintln!(
        "publish-check: docs: {} ({})",
        if ran.success { "ok" } else { "FAILED" },
        seconds(started)
    );
    if !ran.success {
        eprintln!("{}", diagnostics(&ran.output));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 4. MSRV
// ---------------------------------------------------------------------------------------

/// A Rust version, `1.88` being `1.88.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RustVersion(u32, u32, u32);

impl RustVersion {
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self(major, minor, patch))
    }

    /// The oldest Rust that knows an edition.
    fn of_edition(edition: &str) -> Option<Self> {
        match edition {
            "2015" => Some(Self(1, 0, 0)),
            "2018" => Some(Self(1, 31, 0)),
            "2021" => Some(Self(1, 56, 0)),
            "2024" => Some(Self(1, 85, 0)),
            _ => None,
        }
    }

    /// What a package needs: its declared `rust-version`, at least what its edition needs.
    fn needed(declared: Option<&str>, edition: &str) -> Option<Self> {
        let declared = declared.and_then(Self::parse);
        let edition = Self::of_edition(edition);
        declared.max(edition)
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The dependency that needs the newest Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Newest {
    needs: RustVersion,
    /// `name version`.
    package: String,
    /// How many dependencies declare no `rust-version` (judged by their edition).
    undeclared: usize,
    count: usize,
}

/// Walks `root`'s normal and build dependencies (not dev) in the resolve graph of
/// `cargo metadata`, skipping the workspace members, and finds the newest Rust needed.
fn newest_dependency(metadata: &Value, root: &str) -> Option<Newest> {
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes.get(id)?["deps"].as_array()? {
            let normal_or_build = dep["dep_kinds"].as_array().is_some_and(|kinds| {
                kinds
                    .iter()
                    .any(|k| k["kind"].is_null() || k["kind"] == "build")
            });
            if normal_or_build && let Some(pkg) = dep["pkg"].as_str() {
                stack.push(pkg);
            }
        }
    }
    let mut newest: Option<Newest> = None;
    let mut undeclared = 0;
    let mut count = 0;
    for id in seen
        .iter()
        .filter(|id| **id != root && !members.contains(*id))
    {
        let p = packages.get(id)?;
        count += 1;
        let declared = p["rust_version"].as_str();
        if declared.is_none() {
            undeclared += 1;
        }
        let needs = RustVersion::needed(declared, p["edition"].as_str().unwrap_or("2015"))?;
        let package = format!(
            "{} {}",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
        if newest.as_ref().is_none_or(|n| needs > n.needs) {
            newest = Some(Newest {
                needs,
                package,
                undeclared: 0,
                count: 0,
            });
        }
    }
    newest.map(|n| Newest {
        undeclared,
        count,
        ..n
    })
}

/// (b) and (c) for one crate: the problems, or the newest dependency when there are none.
fn msrv_of(k: &Krate, newest: Option<&Newest>) -> Result<String, String> {
    let Some(declared_text) = k.rust_version.as_deref() else {
        return Err("no rust-version declared".to_owned());
    };
    let Some(declared) = RustVersion::parse(declared_text) else {
        return Err(format!("rust-version `{declared_text}` is not a version"));
    };
    let mut problems = Vec::new();
    if let Some(edition) = RustVersion::of_edition(&k.edition)
        && edition > declared
    {
        problems.push(format!(
            "edition {} needs Rust {edition}, more than the declared {declared_text}",
            k.edition
        ));
    }
    if let Some(n) = newest
        && n.needs > declared
    {
        problems.push(format!(
            "{} needs Rust {}, more than the declared {declared_text}",
            n.package, n.needs
        ));
    }
    if problems.is_empty() {
        Ok(newest.map_or_else(
            || "no dependencies".to_owned(),
            |n| {
                format!(
                    "newest dependency needs {} ({}; {} crates, {} without rust-version judged by edition)",
                    n.needs, n.package, n.count, n.undeclared
                )
            },
        ))
    } else {
        Err(problems.join("; "))
    }
}

fn msrv(ws: &Workspace, rows: &mut [Row]) -> crate::Result {
    // (a) std APIs newer than the declared version.
    let mut cmd = cargo();
    cmd.args(["clippy", "--all-features", "--locked", "--keep-going"]);
    for k in &ws.crates {
        cmd.args(["-p", &k.name]);
    }
    cmd.args(["--", "-D", "clippy::incompatible_msrv"]);
    eprintln!(
        "publish-check: msrv: cargo clippy --all-features -- -D clippy::incompatible_msrv ({} crates)",
        ws.crates.len()
    );
    let started = Instant::now();
    let ran = run_cmd(&mut cmd)?;
    let clippy_failed = crates_that_failed(&ran.output);
    eprintln!(
        "publish-check: msrv: clippy {} ({})",
        if ran.success { "ok" } else { "FAILED" },
        seconds(started)
    );
    if !ran.success {
        eprintln!("{}", diagnostics(&ran.output));
    }

    // (b) and (c): what the dependencies and the edition need.
    let metadata = cargo_metadata(&["--all-features"])?;
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        let newest = newest_dependency(&metadata, &k.id);
        let mut problems = Vec::new();
        if !ran.success && (clippy_failed.contains(&k.name) || clippy_failed.is_empty()) {
            problems.push(format!(
                "clippy::incompatible_msrv: {} (output above)",
                first_error(&ran.output)
            ));
        }
        match msrv_of(k, newest.as_ref()) {
            Ok(note) => eprintln!(
                "publish-check: msrv: {} declares {}: {note}",
                k.name,
                k.rust_version.as_deref().unwrap_or("-")
            ),
            Err(problem) => problems.push(problem),
        }
        row.set(
            "msrv",
            if problems.is_empty() {
                Outcome::Ok
            } else {
                Outcome::Failed(problems.join("; "))
            },
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 5. Semver
// ---------------------------------------------------------------------------------------

/// The highest `<name>-v<version>` tag, by version.
fn last_release(tags: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}-v");
    tags.lines()
        .map(str::trim)
        .filter_map(|tag| {
            let version = tag.strip_prefix(&prefix)?;
            let parts: Vec<u64> = version
                .split(['.', '-', '+'])
                .take(3)
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            Some((parts, tag.to_owned()))
        })
        .max()
        .map(|(_, tag)| tag)
}

fn semver(ws: &Workspace, rows: &mut [Row]) -> crate::Result {
    let installed = cargo()
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!(
            "publish-check: semver: skipped: cargo-semver-checks is not installed (`cargo install cargo-semver-checks --locked`)"
        );
        for row in rows.iter_mut() {
            row.set(
                "semver",
                Outcome::Skipped("cargo-semver-checks not installed".to_owned()),
            );
        }
        return Ok(());
    }
    let tags = run_cmd(
        Command::new("git")
            .args(["tag", "--list"])
            .current_dir(&ws.root),
    )?;
    for (k, row) in ws.crates.iter().zip(rows.iter_mut()) {
        let Some(tag) = last_release(&tags.output, &k.name) else {
            eprintln!(
                "publish-check: semver: {}: skipped: no release yet (no tag {}-v<version>)",
                k.name, k.name
            );
            row.set("semver", Outcome::Skipped("no release yet".to_owned()));
            continue;
        };
        eprintln!(
            "publish-check: semver: cargo semver-checks check-release -p {} --baseline-rev {tag}",
            k.name
        );
        let ran = run_cmd(cargo().args([
            "semver-checks",
            "check-release",
            "-p",
            &k.name,
            "--baseline-rev",
            &tag,
        ]))?;
        row.set(
            "semver",
            if ran.success {
                Outcome::Ok
            } else {
                Outcome::Failed(format!("against {tag}: {}", first_error(&ran.output)))
            },
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------

fn check(options: Options) -> crate::Result {
    let started = Instant::now();
    let ws = workspace()?;
    if ws.crates.is_empty() {
        return Err("publish-check: no publishable crate in the workspace".to_owned());
    }
    eprintln!(
        "publish-check: {} mode; publishable crates, in publishing order: {}",
        if options.quick { "quick" } else { "full" },
        ws.crates
            .iter()
            .map(|k| format!("{} {}", k.name, k.version))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut rows: Vec<Row> = ws
        .crates
        .iter()
        .map(|k| Row {
            name: k.name.clone(),
            version: k.version.clone(),
            bytes: None,
            files: None,
            steps: BTreeMap::new(),
        })
        .collect();

    package(&ws, options, &mut rows)?;
    if options.quick {
        for row in &mut rows {
            for step in ["tests", "msrv", "semver"] {
                row.set(step, Outcome::Skipped("--quick".to_owned()));
            }
        }
    } else {
        tests(&ws, options, &mut rows)?;
    }
    docs(&ws, &mut rows)?;
    if !options.quick {
        msrv(&ws, &mut rows)?;
        semver(&ws, &mut rows)?;
    }

    eprintln!();
    eprint!("{}", render_table(&rows));
    let failed = failures(&rows);
    eprintln!(
        "publish-check: {} mode took {}",
        if options.quick { "quick" } else { "full" },
        seconds(started)
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "publish-check: {} step(s) failed:\n{}",
            failed.len(),
            failed.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests;

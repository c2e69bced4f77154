//! Figure 6, build footprint: crates in each vendor crate's normal dependency tree, and
//! its clean release build time alone (skipped with `--quick`).
//!
//! The three vendor crates share all but a handful of their dependencies (everything
//! under `common-http`; Sobot and Itniotech add `md-5`). Building each from an empty
//! target dir took about 100 s apiece, 5 of the 10 minutes `cargo xtask bench` may take,
//! and 95 % of it was the same work three times. So the shared part is built once, from
//! an empty target dir (`cargo build --release -p common-http`), that target dir is kept
//! as a snapshot, and each vendor crate is then built on a fresh copy of it at the same
//! path. Its clean build time is reported as the sum of the two measured steps: an upper
//! bound of a single clean build, in which cargo could also overlap the vendor crate's
//! own dependencies with the shared ones (within a few seconds; see BENCHMARKS.md).
//!
//! The TLS provider is chosen by these numbers: `common-http` is also counted and built
//! from an empty target dir with aws-lc-rs instead of the default ring, side by side.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::report::{Figure, Target};
use crate::{Env, Outcome};

const VENDOR_CRATES: [&str; 3] = ["rokid-client", "sobot-client", "itnio-client"];

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let mut figures = Vec::new();
    let base = if env.quick {
        None
    } else {
        Some(BaseBuild::measure()?)
    };
    for krate in VENDOR_CRATES {
        let crates = tree_size(krate)?;
        figures.push(Figure::new(
            format!("footprint {krate}"),
            "crates",
            f64::from(crates),
            Target::None,
            format!("distinct crates in `cargo tree -p {krate} -e normal` (itself included)"),
        ));
        if let Some(base) = &base {
            let on_top = base.build_on_top(krate)?;
            figures.push(Figure::new(
                format!("clean release build {krate}"),
                "seconds",
                base.secs + on_top,
                Target::None,
                format!(
                    "`cargo build --release`, empty target dir: {BASE_CRATE} {:.0} s, then \
                     {krate} on top {on_top:.1} s",
                    base.secs
                ),
            ));
        }
    }
    figures.extend(tls_providers(base.as_ref())?);
    Ok(figures)
}

/// The default rustls provider (ring) against aws-lc-rs, for `common-http` alone: the
/// rest of each vendor crate's tree is the same under either.
const ALTERNATIVE_PROVIDER: &str = "aws-lc-rs";

fn tls_providers(base: Option<&BaseBuild>) -> Outcome<Vec<Figure>> {
    let alternative = ["--no-default-features", "--features", ALTERNATIVE_PROVIDER];
    let ring = tree_size_with(BASE_CRATE, &[])?;
    let aws = tree_size_with(BASE_CRATE, &alternative)?;
    let mut figures = vec![Figure::new(
        format!("footprint {BASE_CRATE} {ALTERNATIVE_PROVIDER} vs ring"),
        "crates",
        f64::from(aws) - f64::from(ring),
        Target::None,
        format!(
            "distinct crates of `cargo tree -p {BASE_CRATE} -e normal`: {aws} with \
             {ALTERNATIVE_PROVIDER}, {ring} with ring (the default)"
        ),
    )];
    if let Some(base) = base {
        let dir = std::env::temp_dir().join("agent-benches-build-tls");
        let _ = std::fs::remove_dir_all(&dir);
        let secs = timed_build_with(BASE_CRATE, &dir, &alternative);
        let _ = std::fs::remove_dir_all(&dir);
        let secs = secs?;
        figures.push(Figure::new(
            format!("clean release build {BASE_CRATE} {ALTERNATIVE_PROVIDER} / ring"),
            "ratio",
            secs / base.secs,
            Target::None,
            format!(
                "`cargo build --release`, empty target dir: {secs:.0} s with \
                 {ALTERNATIVE_PROVIDER}, {:.0} s with ring (the default)",
                base.secs
            ),
        ));
    }
    Ok(figures)
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Distinct packages in the normal-dependency tree (`(*)` repeats folded).
fn tree_size(krate: &str) -> Outcome<u32> {
    tree_size_with(krate, &[])
}

/// [`tree_size`] with extra `cargo tree` arguments (features).
fn tree_size_with(krate: &str, extra: &[&str]) -> Outcome<u32> {
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args([
            "tree", "-q", "-p", krate, "-e", "normal", "--prefix", "none",
        ])
        .args(extra)
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree -p {krate}: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let packages: BTreeSet<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty())
        .collect();
    u32::try_from(packages.len()).map_err(|e| e.to_string())
}

/// The crate every vendor crate builds on: its build is the shared part of theirs.
const BASE_CRATE: &str = "common-http";

/// The shared part built once from an empty target dir, kept as a snapshot.
struct BaseBuild {
    /// Where every build runs (always this path: cargo's fingerprints hold it).
    dir: PathBuf,
    /// The target dir right after the base build.
    snapshot: PathBuf,
    secs: f64,
}

impl BaseBuild {
    fn measure() -> Outcome<Self> {
        let tmp = std::env::temp_dir();
        let mut base = Self {
            dir: tmp.join("agent-benches-build"),
            snapshot: tmp.join("agent-benches-build-base"),
            secs: 0.0,
        };
        base.remove_dirs();
        base.secs = timed_build(BASE_CRATE, &base.dir)?;
        copy_dir(&base.dir, &base.snapshot)?;
        Ok(base)
    }

    /// Seconds to build `krate` on a fresh copy of the base build.
    fn build_on_top(&self, krate: &str) -> Outcome<f64> {
        let _ = std::fs::remove_dir_all(&self.dir);
        copy_dir(&self.snapshot, &self.dir)?;
        timed_build(krate, &self.dir)
    }

    fn remove_dirs(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(&self.snapshot);
    }
}

impl Drop for BaseBuild {
    /// Both target dirs hold a few hundred MB: removed when done, or on an error.
    fn drop(&mut self) {
        self.remove_dirs();
    }
}

/// Seconds `cargo build --release -p krate --target-dir dir` takes.
fn timed_build(krate: &str, dir: &Path) -> Outcome<f64> {
    timed_build_with(krate, dir, &[])
}

/// [`timed_build`] with extra `cargo build` arguments (features).
fn timed_build_with(krate: &str, dir: &Path, extra: &[&str]) -> Outcome<f64> {
    let start = Instant::now();
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["build", "-q", "--release", "-p", krate, "--target-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .map_err(|e| format!("cargo build: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    if output.status.success() {
        Ok(secs)
    } else {
        Err(format!(
            "cargo build -p {krate}: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// `cp -a`: the modification times must be kept, or cargo would see its outputs in a
/// different order than it wrote them and rebuild.
fn copy_dir(from: &Path, to: &Path) -> Outcome {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| format!("cp -a: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cp -a {} {} failed", from.display(), to.display()))
    }
}

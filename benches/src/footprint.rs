//! Figure 6, build footprint: crates in each vendor crate's normal dependency tree, and
//! its clean release build time alone (skipped with `--quick`).

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
    for krate in VENDOR_CRATES {
        let crates = tree_size(krate)?;
        figures.push(Figure::new(
            format!("footprint {krate}"),
            "crates",
            f64::from(crates),
            Target::None,
            format!("distinct crates in `cargo tree -p {krate} -e normal` (itself included)"),
        ));
        if !env.quick {
            let secs = clean_build_secs(krate)?;
            figures.push(Figure::new(
                format!("clean release build {krate}"),
                "seconds",
                secs,
                Target::None,
                format!("`cargo build --release -p {krate}` in an empty target dir"),
            ));
        }
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
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args([
            "tree", "-q", "-p", krate, "-e", "normal", "--prefix", "none",
        ])
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

/// Seconds to build `krate` in release into a fresh target dir under /tmp (removed after,
/// so the shared target dir is never touched).
fn clean_build_secs(krate: &str) -> Outcome<f64> {
    let dir = std::env::temp_dir().join(format!("agent-benches-build-{krate}"));
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["build", "-q", "--release", "-p", krate, "--target-dir"])
        .arg(&dir)
        .output()
        .map_err(|e| format!("cargo build: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if output.status.success() {
        Ok(secs)
    } else {
        Err(format!(
            "cargo build -p {krate}: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

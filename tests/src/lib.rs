//! Workspace integration tests live in `tests/tests/`. This crate's documentation is the
//! README, so `cargo test` compiles every Rust example in it.
#![doc = include_str!("../../README.md")]

use std::path::{Path, PathBuf};

/// The vendors whose documented examples are fixtures, each in its own crate.
pub const FIXTURE_VENDORS: [&str; 3] = ["rokid", "sobot", "itnio"];

/// The directory of one vendor's fixtures (and its `manifest.json`): their one home is
/// `crates/<vendor>-client/tests/fixtures`, inside the package that owns them, so that
/// crate's tests pass from its `.crate` alone.
pub fn fixtures_dir(vendor: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates")
        .join(format!("{vendor}-client"))
        .join("tests/fixtures")
}

/// The path of the fixture `<vendor>/<name>` (for example `sobot/get_token.response.json`).
///
/// # Panics
/// When `file` has no `/`.
pub fn fixture_path(file: &str) -> PathBuf {
    let Some((vendor, name)) = file.split_once('/') else {
        panic!("fixture `{file}` is not `<vendor>/<name>`");
    };
    fixtures_dir(vendor).join(name)
}

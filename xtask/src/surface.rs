//! `cargo xtask ci`'s public-surface checks: what a user of one vendor crate sees.
//!
//! - Public names are Rust names: no type in a vendor crate ends in a Java DTO suffix
//!   (`Vo`, `ReqVo`, `RespVo`) and no method starts with `get_`. Codegen refuses such names
//!   in the spec (`x-rust-name` fixes them); this scan also covers hand-written code.
//! - Examples use only the crate they show: no README or vendor-crate doc example names
//!   `common_http`, and no README example names two vendor crates, so each compiles for a
//!   user who added that one crate.

use std::path::{Path, PathBuf};

/// The vendor crates whose public surface is checked.
const VENDOR_CRATES: &[(&str, &str)] = &[
    ("crates/rokid-client", "rokid_client"),
    ("crates/sobot-client", "sobot_client"),
    ("crates/itnio-client", "itnio_client"),
];

/// Type-name suffixes of Java DTOs.
const JAVA_SUFFIXES: &[&str] = &["Vo", "ReqVo", "RespVo"];

/// Runs both checks over the workspace at `root`.
pub(crate) fn check(root: &Path) -> crate::Result {
    let mut problems = Vec::new();
    for (dir, _) in VENDOR_CRATES {
        for file in rust_files(&root.join(dir).join("src")) {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("surface: {}: {e}", file.display()))?;
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            problems.extend(
                java_names(&text)
                    .into_iter()
                    .map(|p| format!("{shown}: {p}")),
            );
            for block in doc_examples(&text) {
                if block.contains("common_http") {
                    problems.push(format!("{shown}: a doc example names `common_http`"));
                }
            }
        }
    }
    let readme = root.join("README.md");
    let text = std::fs::read_to_string(&readme).map_err(|e| format!("surface: README.md: {e}"))?;
    for block in markdown_rust_blocks(&text) {
        problems.extend(
            readme_problems(&block)
                .into_iter()
                .map(|p| format!("README.md: {p}")),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("public surface:\n  {}", problems.join("\n  ")))
    }
}

/// Public types with a Java DTO suffix and public `get_` methods declared in `text`.
fn java_names(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines().map(str::trim_start) {
        let declared = |keyword: &str| {
            line.strip_prefix("pub ")
                .and_then(|rest| rest.strip_prefix(keyword))
                .map(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                })
        };
        for keyword in ["struct ", "enum ", "type ", "trait "] {
            if let Some(name) = declared(keyword)
                && JAVA_SUFFIXES.iter().any(|s| name.ends_with(s))
            {
                found.push(format!("the public type `{name}` has a Java DTO name"));
            }
        }
        if let Some(name) = declared("fn ").or_else(|| declared("async fn "))
            && name.starts_with("get_")
        {
            found.push(format!("the public method `{name}` starts with `get_`"));
        }
    }
    found
}

/// The code blocks of the doc comments (`///`, `//!`) in `text`.
fn doc_examples(text: &str) -> Vec<String> {
    let docs: String = text
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            line.strip_prefix("///")
                .or_else(|| line.strip_prefix("//!"))
                .map(|rest| format!("{}\n", rest.strip_prefix(' ').unwrap_or(rest)))
        })
        .collect();
    fenced_blocks(&docs, |info| {
        !info.contains("text") && !info.contains("json")
    })
}

/// The Rust code blocks of a Markdown document.
fn markdown_rust_blocks(text: &str) -> Vec<String> {
    fenced_blocks(text, |info| info.starts_with("rust"))
}

/// The contents of the ``` fences of `text` whose info string `keep` accepts.
fn fenced_blocks(text: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match (&mut current, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                current = keep(info.trim()).then(String::new);
                if current.is_none() {
                    // Skip the block: wait for its closing fence.
                    current = Some("\u{0}skip".to_owned());
                }
            }
            (Some(block), Some(_)) => {
                if !block.starts_with('\u{0}') {
                    blocks.push(std::mem::take(block));
                }
                current = None;
            }
            (Some(block), None) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// What is wrong with one README example: it names `common_http`, or more than one vendor
/// crate.
fn readme_problems(block: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if block.contains("common_http") {
        problems.push("an example names `common_http`".to_owned());
    }
    let named: Vec<&str> = VENDOR_CRATES
        .iter()
        .map(|(_, krate)| *krate)
        .filter(|krate| block.contains(krate))
        .collect();
    if named.len() > 1 {
        problems.push(format!("an example names {}", named.join(" and ")));
    }
    problems
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_surface_is_clean() {
        let outcome = check(&crate::workspace_root());
        assert!(outcome.is_ok(), "{}", outcome.err().unwrap_or_default());
    }

    #[test]
    fn java_names_and_getters_are_found() {
        let text = "pub struct OpenRobotAnswerReqVo {\n    pub fn get_push_info(&self) {}\n}\n\
                    pub enum Fine {}\npub(crate) struct HiddenVo;\npub fn push_info() {}\n";
        assert_eq!(
            java_names(text),
            [
                "the public type `OpenRobotAnswerReqVo` has a Java DTO name",
                "the public method `get_push_info` starts with `get_`",
            ]
        );
    }

    #[test]
    fn doc_examples_are_read_from_doc_comments_only() {
        let text = "/// ```\n/// let x = common_http::Error;\n/// ```\n// ```\n// common_http\n// ```\n\
                    /// ```text\n/// common_http\n/// ```\n";
        assert_eq!(doc_examples(text), ["let x = common_http::Error;\n"]);
    }

    #[test]
    fn readme_examples_name_one_vendor_crate_and_no_runtime() {
        let readme = "```rust\nuse sobot_client::SobotClient;\n```\n\
                      ```sh\ncargo add rokid-client itnio_client\n```\n\
                      ```rust,no_run\nlet a: rokid_client::Error; let b: itnio_client::Error;\n```\n\
                      ```rust\nfn f() -> common_http::Error {}\n```\n";
        let problems: Vec<String> = markdown_rust_blocks(readme)
            .iter()
            .flat_map(|b| readme_problems(b))
            .collect();
        assert_eq!(
            problems,
            [
                "an example names rokid_client and itnio_client",
                "an example names `common_http`",
            ]
        );
    }
}

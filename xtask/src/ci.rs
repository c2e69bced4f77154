//! `cargo xtask ci`: the checks a submission must pass, in the order that fails fastest.

use std::process::Command;

/// A workspace crate and the crates that must never appear in its normal dependency tree.
const LAYERING: &[(&str, &[&str])] = &[
    (
        "common-http",
        &[
            "openssl-sys",
            "rokid-client",
            "sobot-client",
            "itnio-client",
            "axum",
            "clap",
        ],
    ),
    (
        "rokid-client",
        &[
            "openssl-sys",
            "sobot-client",
            "itnio-client",
            "axum",
            "clap",
        ],
    ),
    (
        "sobot-client",
        &[
            "openssl-sys",
            "rokid-client",
            "itnio-client",
            "axum",
            "clap",
        ],
    ),
    (
        "itnio-client",
        &[
            "openssl-sys",
            "rokid-client",
            "sobot-client",
            "axum",
            "clap",
        ],
    ),
    // The sync depends on the clients, never on a server framework, a CLI parser or
    // OpenSSL (sqlx without TLS by default).
    ("agent-clients-sync", &["openssl-sys", "axum", "clap"]),
];

/// The crates whose normal tree must hold no crate at two versions: the runtime and the
/// three clients, which every user of the project builds. (The sync's database driver
/// brings older versions of some crates; it is opted into.)
const LEAN: [&str; 4] = [
    "common-http",
    "rokid-client",
    "sobot-client",
    "itnio-client",
];

/// Runs each step; stops at the first failure.
pub(crate) fn run(args: &[String]) -> crate::Result {
    if let Some(arg) = args.first() {
        return Err(format!("`ci` takes no arguments (got `{arg}`)"));
    }
    cargo("format", &["fmt", "--all", "--", "--check"])?;
    eprintln!("xtask ci: codegen: cargo xtask codegen --check");
    crate::codegen::run(&["--check".into()])?;
    fixtures_check()?;
    eprintln!("xtask ci: public surface: Rust names, examples that name one vendor crate");
    crate::surface::check(&crate::workspace_root())?;
    cargo(
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    layering()?;
    crate::publish::ci()?;
    cargo("tests", &["test", "--workspace", "--locked"])?;
    // The end-to-end flows and every agentctl command test again, against a sandbox in
    // quirks mode: they must hold, with every record, when servers drift from their docs.
    cargo_env(
        "flows in quirks mode",
        &[
            "test",
            "-p",
            "workspace-tests",
            "--test",
            "sandbox_flows",
            "--locked",
        ],
        &[("SANDBOX_FLOWS_QUIRKS", "1")],
    )?;
    cargo_env(
        "agentctl in quirks mode",
        &["test", "-p", "agent-clients-cli", "--locked"],
        &[("AGENTCTL_TEST_QUIRKS", "1")],
    )?;
    // The README's first command: offline, a few seconds, and it must exit 0.
    cargo(
        "demo",
        &["run", "-p", "agent-clients-cli", "--locked", "--", "demo"],
    )?;
    Ok(())
}

/// The fixtures must be exactly what the vendor docs hold. The docs live in `shared/`
/// beside the clone: CI (`CI=true`) must have them; elsewhere (a contributor's clone) their
/// absence is said by name and the check skipped, so the rest of the checks still run.
fn fixtures_check() -> crate::Result {
    let docs = crate::workspace_root().join("../shared/vendor-docs");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if let Some(reason) = skip_fixtures_check(docs.is_dir(), ci, &docs.display().to_string()) {
        eprintln!("xtask ci: {reason}");
        return Ok(());
    }
    eprintln!("xtask ci: fixtures: cargo xtask fixtures --check");
    crate::fixtures::run(&["--check".into()])
}

/// Why the fixtures-versus-documents check is skipped, or `None` when it runs: it runs
/// whenever the documents are there, and always under CI (where missing documents fail
/// it).
fn skip_fixtures_check(docs_present: bool, ci: bool, docs: &str) -> Option<String> {
    (!docs_present && !ci).then(|| {
        format!(
            "the fixtures-versus-documents check is SKIPPED: the vendor documents are not at \
             {docs} (a clone without `shared/` beside it); every other check runs, and under \
             CI=true this one does too"
        )
    })
}

fn cargo(step: &str, args: &[&str]) -> crate::Result {
    cargo_env(step, args, &[])
}

fn cargo_env(step: &str, args: &[&str], env: &[(&str, &str)]) -> crate::Result {
    eprintln!("xtask ci: {step}: cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| format!("{step}: could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

/// Checks the arrows of DESIGN.md: no vendor crate depends on another, common-http knows no
/// vendor, and no default build pulls OpenSSL, a server framework or a CLI parser. And the
/// trees stay lean: no crate at two versions in the runtime's or a client's normal tree.
fn layering() -> crate::Result {
    for (krate, forbidden) in LAYERING {
        eprintln!("xtask ci: layering: cargo tree -p {krate} -e normal");
        let listing = tree(krate, &[])?;
        let offending = offending_crates(&listing, forbidden);
        if !offending.is_empty() {
            return Err(format!(
                "layering: {krate} depends on {}",
                offending.join(", ")
            ));
        }
        if !LEAN.contains(krate) {
            continue;
        }
        let duplicates = tree(krate, &["--duplicates"])?;
        if !duplicates.trim().is_empty() {
            return Err(format!(
                "layering: crates at two versions in {krate}'s tree \
                 (`cargo tree -p {krate} -e normal -d`):\n{duplicates}"
            ));
        }
    }
    Ok(())
}

/// `cargo tree -p krate -e normal --prefix none`, with `extra` arguments.
fn tree(krate: &str, extra: &[&str]) -> Result<String, String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree", "-p", krate, "-e", "normal", "--prefix", "none", "--locked",
        ])
        .args(extra)
        .current_dir(crate::workspace_root())
        .output()
        .map_err(|e| format!("layering: could not run cargo tree: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "layering: cargo tree -p {krate} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The forbidden crates named in a `cargo tree --prefix none` listing (matched on the
/// crate-name column, exactly: `openssl-sys` is OpenSSL, `openssl-probe` (which only looks
/// for the system's certificate files, for rustls-platform-verifier) is not).
fn offending_crates(tree: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| forbidden.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_check_is_skipped_by_name_only_off_ci_without_documents() {
        let skipped = skip_fixtures_check(false, false, "../shared/vendor-docs");
        assert!(
            skipped
                .as_deref()
                .is_some_and(|r| r.contains("fixtures-versus-documents")
                    && r.contains("SKIPPED")
                    && r.contains("../shared/vendor-docs")),
            "{skipped:?}"
        );
        assert_eq!(
            skip_fixtures_check(false, true, "x"),
            None,
            "CI runs it (and fails)"
        );
        assert_eq!(skip_fixtures_check(true, false, "x"), None);
    }

    #[test]
    fn finds_forbidden_crates_by_name_only() {
        let tree = "common-http v0.1.0 (/x)\nreqwest v0.13.5\nopenssl-sys v0.9.1\n\
                    openssl-probe v0.2.2\naxum v0.8.0\n";
        assert_eq!(
            offending_crates(tree, &["openssl-sys", "axum", "clap"]),
            vec!["axum".to_owned(), "openssl-sys".to_owned()]
        );
        assert!(offending_crates("rokid-client v0.1.0\n", &["sobot-client"]).is_empty());
    }
}

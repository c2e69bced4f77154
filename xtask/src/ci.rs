//! `cargo xtask ci`: the checks a submission must pass, in the order that fails fastest.

use std::process::Command;

/// Runs each step; stops at the first failure.
pub(crate) fn run(args: &[String]) -> crate::Result {
    if let Some(arg) = args.first() {
        return Err(format!("`ci` takes no arguments (got `{arg}`)"));
    }
    let root = crate::workspace_root();
    let steps: &[(&str, &[&str])] = &[
        ("format", &["fmt", "--all", "--", "--check"]),
        (
            "clippy",
            &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"],
        ),
        ("tests", &["test", "--workspace", "--locked"]),
    ];
    for (name, cargo_args) in steps {
        eprintln!("xtask ci: {name}: cargo {}", cargo_args.join(" "));
        let status = Command::new(env!("CARGO"))
            .args(*cargo_args)
            .current_dir(&root)
            .status()
            .map_err(|e| format!("{name}: could not run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("{name} failed ({status})"));
        }
    }
    Ok(())
}

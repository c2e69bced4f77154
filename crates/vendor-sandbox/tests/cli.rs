//! The `vendor-sandbox` binary: prints working URLs and credentials, serves them, and
//! refuses a malformed `--fault`.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Kills the child however the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_urls_and_credentials_that_work() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--seed", "7"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        let mut vars = HashMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some((name, value)) = line.split_once('=') {
                vars.insert(name.to_owned(), value.to_owned());
            }
            if line.starts_with("ITNIO_API_SECRET=") {
                break;
            }
        }
        vars
    })
    .await
    .unwrap();
    for name in [
        "ROKID_BASE_URL",
        "ROKID_API_KEY",
        "SOBOT_APPID",
        "ITNIO_API_KEY",
    ] {
        assert!(
            printed.contains_key(name),
            "{name} not printed: {printed:?}"
        );
    }
    let client = rokid_client::RokidClient::builder()
        .base_url(printed["ROKID_BASE_URL"].clone())
        .api_key(printed["ROKID_API_KEY"].clone())
        .build()
        .unwrap();
    let page = client
        .list_work_records(vendor_sandbox::ROKID_UIDS[0])
        .send()
        .await
        .unwrap();
    assert!(
        page.total > 0,
        "the printed sandbox serves generated records"
    );
}

#[test]
fn a_malformed_fault_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--fault", "no-equals-sign"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!output.stderr.is_empty(), "says why on stderr");
}

#[test]
fn quirks_is_a_flag_the_banner_reports() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--quirks"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let said = BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("Press Ctrl-C"))
        .any(|l| l.starts_with("Quirks mode: on"));
    assert!(said, "the banner says quirks mode is on");
}

#[test]
fn agent_url_is_a_flag_the_banner_reports() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--agent-url",
                "http://127.0.0.1:8787/",
                "--agent-copilot",
                "--agent-param",
                "token=s3cret",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let said = BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("Press Ctrl-C"))
        .any(|l| l.contains("from your agent at http://127.0.0.1:8787/"));
    assert!(said, "the banner names the agent");
}

#[test]
fn agent_flags_need_an_agent_url() {
    for args in [
        &["--agent-copilot"][..],
        &["--agent-batch-test"][..],
        &["--agent-param", "token=x"][..],
        &[
            "--agent-url",
            "http://127.0.0.1:8787/",
            "--agent-param",
            "no-equals",
        ][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} is refused");
        assert!(!output.stderr.is_empty(), "says why on stderr");
    }
}

//! `agentctl demo`: starts the sandbox in-process on `127.0.0.1:0` and runs agentctl's own
//! commands against it, vendor by vendor, printing each command line before its output.
//! Offline, a few seconds, exit 0; the downloaded documents go to a temporary directory
//! that is removed afterwards.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use vendor_sandbox::cli::env_vars;
use vendor_sandbox::{Fault, ROKID_UIDS, SOBOT_ROBOT_IDS, Sandbox};

use crate::cli::{Cli, run_vendor};
use crate::config::Vars;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Format;

/// The Rokid work-record route (slowed a little so the export's progress is visible).
const RECORDS_ROUTE: &str = "/ar/flow/openapi/record/page";

/// The chat the demo types: a question that opens a workflow, then its first choice.
const WORKFLOW_SCRIPT: &str = "show me the workflow menu\n1\n/end\n";

/// Runs the demo, writing to `out`.
pub(crate) async fn run(out: &mut dyn Write) -> Result<(), CliError> {
    let started = Instant::now();
    let sandbox = Sandbox::builder()
        .records(200)
        .document_bytes(192 * 1024)
        .stream_pace(Duration::from_millis(40))
        .fault(RECORDS_ROUTE, Fault::latency(Duration::from_millis(40)))
        .start()
        .await
        .map_err(|e| CliError::usage(format!("cannot start the sandbox: {e}")))?;
    let pairs = env_vars(&sandbox);
    let vars = Vars::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let uid = ROKID_UIDS[0];
    let robot = SOBOT_ROBOT_IDS[0];
    let month = "--from 2026-01-01 --to 2026-01-31";

    writeln!(
        out,
        "agentctl demo: the Rokid, Sobot and Itniotech APIs, emulated by a sandbox running\n\
         in-process on {}. Each step below is an agentctl command; the sandbox's\n\
         credentials stand in for yours.",
        sandbox.base_url()
    )?;

    section(out, "Rokid: one page of work records")?;
    step(
        out,
        &vars,
        &format!("rokid records --uid {uid} --page-size 5"),
    )
    .await?;

    section(out, "Rokid: one page of agent chat logs")?;
    let logs = format!("rokid chat-logs --uid {uid} --type chat --page-size 5");
    step(out, &vars, &logs).await?;

    section(out, "Rokid: a full export, streamed page by page")?;
    let export = format!("rokid records --uid {uid} --all --page-size 5 --format csv");
    let before = sandbox.count(RECORDS_ROUTE);
    let mut sink = LineCount::default();
    writeln!(out, "$ agentctl {export}")?;
    Box::pin(execute(&mut sink, &vars, &export, None)).await?;
    writeln!(
        out,
        "-> {} records written as CSV ({} lines with the header, {} bytes) from {} pages,\n   \
         several fetched at once; with --format jsonl each record is printed as it arrives.",
        sink.lines.saturating_sub(1),
        sink.lines,
        sink.bytes,
        sandbox.count(RECORDS_ROUTE) - before
    )?;

    section(out, "Rokid: download the work documents of a record")?;
    let dir = TempDir::new()?;
    let created = sandbox
        .data()
        .work_records
        .iter()
        .find(|r| r.uid.as_deref() == Some(uid))
        .and_then(|r| r.gmt_created.as_ref())
        .and_then(common_http::datetime::Timestamp::local_date_time)
        .map(common_http::datetime::format_datetime)
        .unwrap_or_default();
    let reports = format!(
        "rokid reports --uid {uid} --from \"{created}\" --to \"{created}\" --dir {}",
        dir.0.display()
    );
    step(out, &vars, &reports).await?;
    writeln!(
        out,
        "\nOnce more: the files are complete, so nothing is fetched twice."
    )?;
    step(out, &vars, &reports).await?;
    drop(dir);

    section(out, "Sobot: a streamed answer")?;
    let ask = format!("sobot ask --robot {robot} --stream \"Where is my order?\"");
    step(out, &vars, &ask).await?;

    section(out, "Sobot: a workflow, its choice clicked by number")?;
    let chat = format!("sobot chat --robot {robot}");
    writeln!(out, "$ agentctl {chat}")?;
    Box::pin(execute(out, &vars, &chat, Some(WORKFLOW_SCRIPT))).await?;

    section(
        out,
        "Sobot: an answer with a delay (a node timeout), polled until its push arrives",
    )?;
    let timeout = format!(
        "sobot ask --robot {robot} --poll-interval 200ms \"{} or not, I will think about it\"",
        vendor_sandbox::sobot_questions::NODE_TIMEOUT
    );
    step(out, &vars, &timeout).await?;

    section(
        out,
        "Sobot calling your agent: the example agent asks for a hand-over to a human",
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let agent_url = format!("http://{}/", listener.local_addr()?);
    let agent = crate::sobot::example_agent(listener)?;
    sandbox.set_agent_url(Some(agent_url.clone()));
    writeln!(
        out,
        "The sandbox now forwards each question to the example agent of `agentctl sobot\n\
         serve-agent` at {agent_url}, as Sobot calls a third-party agent; the agent answers\n\
         a wish for a person with a transfer intent, and the answer says to hand over.\n"
    )?;
    let human = format!("sobot ask --robot {robot} \"I would like to talk to a human\"");
    let handed = step(out, &vars, &human).await;
    sandbox.set_agent_url(None);
    agent.abort();
    handed?;

    section(out, "Sobot: reception statistics")?;
    step(out, &vars, &format!("sobot records {month} --page-size 5")).await?;

    section(out, "Itniotech: AI-agent group call tasks")?;
    step(out, &vars, &format!("itnio tasks {month} --page-size 5")).await?;

    writeln!(
        out,
        "\nDone in {:.1} s; the sandbox answered {} requests. Export your own credentials\n\
         (ROKID_API_KEY, SOBOT_APPID, ITNIO_API_KEY, ...) to run the same commands for real.",
        started.elapsed().as_secs_f64(),
        sandbox.total_requests()
    )?;
    Ok(out.flush()?)
}

fn section(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, "\n== {title}\n")
}

/// Prints a command line, as a user would type it, then runs it.
async fn step(out: &mut dyn Write, vars: &Vars, line: &str) -> Result<(), CliError> {
    writeln!(out, "$ agentctl {line}")?;
    Box::pin(execute(out, vars, line, None)).await
}

/// Runs one agentctl command line (as a table unless it names a format).
async fn execute(
    out: &mut dyn Write,
    vars: &Vars,
    line: &str,
    script: Option<&str>,
) -> Result<(), CliError> {
    let mut argv = vec!["agentctl".to_owned()];
    argv.extend(words(line));
    if !argv.iter().any(|a| a == "--format") {
        argv.extend(["--format".to_owned(), "table".to_owned()]);
    }
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::usage(e.to_string()))?;
    let mut ctx = Ctx {
        format: Format::resolve(cli.global.format),
        vars,
        out,
        script,
        max_pages: cli.global.max_pages,
    };
    run_vendor(cli.command, &mut ctx).await
}

/// Splits a command line on spaces, keeping "double-quoted words" together.
fn words(line: &str) -> Vec<String> {
    line.split('"')
        .enumerate()
        .flat_map(|(i, part)| {
            if i % 2 == 1 {
                vec![part.to_owned()]
            } else {
                part.split_whitespace().map(str::to_owned).collect()
            }
        })
        .collect()
}

/// Counts what a command writes instead of showing it.
#[derive(Debug, Default)]
struct LineCount {
    lines: u64,
    bytes: u64,
}

impl Write for LineCount {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lines += buf.iter().filter(|b| **b == b'\n').count() as u64;
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A fresh temporary directory, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("agentctl-demo-{}-{nanos:x}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quoted_text_together() {
        assert_eq!(
            words("sobot ask --robot 1 \"Where is my order?\" --stream"),
            [
                "sobot",
                "ask",
                "--robot",
                "1",
                "Where is my order?",
                "--stream"
            ]
        );
    }
}

//! The command-line options of a standalone sandbox, shared by the `vendor-sandbox`
//! binary and `agentctl sandbox` (feature `cli`).

use std::net::SocketAddr;
use std::time::Duration;

use crate::{RouteFault, Sandbox, SandboxBuilder};

/// The flags of a standalone sandbox; `#[command(flatten)]` them into a clap command.
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct SandboxArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The seed of the generated data and of fractional faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many records of each kind to generate.
    #[arg(long, default_value_t = 1000)]
    pub records: usize,
    /// Size of each served Rokid document, in bytes.
    #[arg(long, default_value_t = 65_536)]
    pub document_bytes: usize,
    /// Sobot token lifetime, in seconds.
    #[arg(long, default_value_t = 86_400)]
    pub token_lifetime: u64,
    /// Sobot tokens become invalid after this many API calls.
    #[arg(long)]
    pub token_invalid_after: Option<u64>,
    /// Pause between two streamed MESSAGE chunks, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub stream_pace_ms: u64,
    /// Itniotech Timestamp drift allowed, in seconds.
    #[arg(long, default_value_t = 300)]
    pub itnio_window: u64,
    /// Itniotech server clock skew, in seconds (negative: behind).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub itnio_clock_skew: i64,
    /// A fault, `ROUTE=KIND[@TRIGGER]` (repeatable): KIND is latency:MS, 500|502|503,
    /// 429[:SECS], reset, truncate, slow:MS, cut[:EVENTS], redirect:URL, expires:TEXT,
    /// endless-data; TRIGGER is always, first:N, nth:N or a fraction like 0.2; ROUTE is a
    /// path or `*`.
    // The text is also the `--help` line, so `429[:SECS]` stays as it is (no escapes).
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long = "fault", visible_alias = "faults")]
    pub faults: Vec<RouteFault>,
    /// Quirks mode: answer with the drift real vendor servers send (numbers as strings,
    /// missing required fields, nulls, other timestamp forms, unknown enum values and
    /// fields, both spellings of a field, unreadable records and events), deterministically
    /// from the seed; paging counts stay those of normal mode.
    #[arg(long)]
    pub quirks: bool,
    /// Play Sobot calling your own agent: forward visitor questions on the Sobot answer
    /// endpoints to the agent at this URL (plain http) as Sobot's third-party integration
    /// does, relay its answers, and receive its callback_list / question_call_back calls.
    #[arg(long, value_name = "URL")]
    pub agent_url: Option<String>,
    /// With --agent-url: forwarded questions say `copilot: true` (the agent calls back
    /// callback_list).
    #[arg(long, requires = "agent_url")]
    pub agent_copilot: bool,
    /// With --agent-url: forwarded questions are batch-test questions (a runtimeid; the
    /// agent calls back question_call_back).
    #[arg(long, requires = "agent_url")]
    pub agent_batch_test: bool,
    /// With --agent-url: a custom parameter sent to the agent in `params` (repeatable), e.g.
    /// the shared secret it checks: `--agent-param token=s3cret`.
    #[arg(long, value_name = "KEY=VALUE", requires = "agent_url", value_parser = parse_param)]
    pub agent_param: Vec<(String, String)>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

impl SandboxArgs {
    /// A sandbox builder with these settings.
    pub fn builder(&self) -> SandboxBuilder {
        let mut builder = Sandbox::builder()
            .listen(self.listen)
            .seed(self.seed)
            .records(self.records)
            .document_bytes(self.document_bytes)
            .sobot_token_lifetime(Duration::from_secs(self.token_lifetime))
            .stream_pace(Duration::from_millis(self.stream_pace_ms))
            .itnio_window_secs(self.itnio_window)
            .itnio_clock_skew_secs(self.itnio_clock_skew)
            .faults(self.faults.iter().cloned())
            .quirks(self.quirks);
        if let Some(n) = self.token_invalid_after {
            builder = builder.sobot_token_invalid_after(n);
        }
        if let Some(url) = &self.agent_url {
            builder = builder
                .agent_url(url.clone())
                .agent_copilot(self.agent_copilot)
                .agent_batch_test(self.agent_batch_test);
            for (key, value) in &self.agent_param {
                builder = builder.agent_param(key.clone(), value.clone());
            }
        }
        builder
    }
}

/// The environment variables that point the clients (and `agentctl`) at a sandbox, in
/// the order they are printed. A sandbox's credentials are not secrets.
pub fn env_vars(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    let urls = sandbox.urls();
    let creds = sandbox.credentials();
    vec![
        ("ROKID_BASE_URL", urls.rokid.clone()),
        ("ROKID_API_KEY", creds.rokid_api_key.clone()),
        ("SOBOT_BASE_URL", urls.sobot_api.clone()),
        ("SOBOT_TOKEN_URL", urls.sobot_token.clone()),
        ("SOBOT_APPID", creds.sobot_appid.clone()),
        ("SOBOT_APP_KEY", creds.sobot_app_key.clone()),
        ("ITNIO_BASE_URL", urls.itnio.clone()),
        ("ITNIO_API_KEY", creds.itnio_api_key.clone()),
        ("ITNIO_API_SECRET", creds.itnio_api_secret.clone()),
    ]
}

/// What a standalone sandbox prints once it listens: its address, [`env_vars`] as
/// `NAME=value` lines, and the Rokid user ids.
pub fn banner(sandbox: &Sandbox) -> String {
    let mut text = format!("vendor-sandbox listening on {}\n\n", sandbox.base_url());
    for (name, value) in env_vars(sandbox) {
        text.push_str(&format!("{name}={value}\n"));
    }
    text.push_str(&format!("\nRokid uids: {}\n", crate::ROKID_UIDS.join(", ")));
    if let Some(url) = sandbox.agent_url() {
        text.push_str(&format!(
            "Sobot answers come from your agent at {url} (the sandbox plays Sobot calling it)\n"
        ));
    }
    if sandbox.quirks() {
        text.push_str("Quirks mode: on (answers drift from the vendor documents)\n");
    }
    text
}

//! Figure 4, token stampede: 500 concurrent calls on a cold Sobot client must fetch one
//! token, and cost little more than on a client whose token is already cached.

use std::time::{Duration, Instant};

use sobot_client::SobotClient;
use vendor_sandbox::Sandbox;

use crate::report::{Figure, Target};
use crate::stats::{median, millis};
use crate::{Env, Outcome};

const CALLS: usize = 500;

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let sandbox = env.sandbox(Sandbox::builder().records(100))?;
    let rounds = if env.quick { 2 } else { 5 };
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let mut most_tokens = 0;
    for _ in 0..rounds {
        // Both clients are new, so both open their connections: only the token differs.
        let client = client(&sandbox)?;
        sandbox.reset_counts();
        cold.push(batch(env, &client)?);
        most_tokens = most_tokens.max(sandbox.count_token_requests());

        let client = client_with_token(env, &sandbox)?;
        warm.push(batch(env, &client)?);
    }
    let ms = |v: &[Duration]| median(&v.iter().map(|d| millis(*d)).collect::<Vec<_>>());
    let (cold, warm) = (ms(&cold), ms(&warm));
    #[allow(clippy::cast_precision_loss)]
    let tokens = most_tokens as f64;
    Ok(vec![
        Figure::new(
            "token stampede token requests",
            "requests/cold batch",
            tokens,
            Target::Exactly(1.0),
            format!("{CALLS} concurrent calls on a cold client, worst of {rounds} rounds"),
        ),
        Figure::new(
            "token stampede added latency",
            "cold/warm",
            cold / warm,
            Target::None,
            format!(
                "{CALLS} concurrent calls: {cold:.1} ms cold vs {warm:.1} ms warm \
                 (+{:.1} ms, medians of {rounds})",
                cold - warm
            ),
        ),
    ])
}

fn client(sandbox: &Sandbox) -> Outcome<SobotClient> {
    let creds = sandbox.credentials();
    SobotClient::builder()
        .appid(creds.sobot_appid.clone())
        .app_key(creds.sobot_app_key.clone())
        .api_base_url(sandbox.urls().sobot_api.clone())
        .token_base_url(sandbox.urls().sobot_token.clone())
        .build()
        .map_err(|e| e.to_string())
}

fn client_with_token(env: &Env, sandbox: &Sandbox) -> Outcome<SobotClient> {
    let client = client(sandbox)?;
    env.client
        .block_on(client.ensure_token())
        .map_err(|e| e.to_string())?;
    Ok(client)
}

/// `CALLS` concurrent calls; the wall time until the last one answered.
fn batch(env: &Env, client: &SobotClient) -> Outcome<Duration> {
    let start = Instant::now();
    let results = env.client.block_on(futures::future::join_all(
        (0..CALLS).map(|_| client.list_timezones().send()),
    ));
    let elapsed = start.elapsed();
    if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
        return Err(format!("stampede call failed: {e}"));
    }
    Ok(elapsed)
}

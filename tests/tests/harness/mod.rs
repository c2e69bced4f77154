//! What the fault matrix, the never-twice and the load tests share: the three clients set up
//! against a sandbox with small, exact retry settings, and a sleeper that records each wait
//! between attempts instead of sleeping (so retries cost no time and their waits can be
//! asserted exactly).
// Each test binary compiles this module and uses its own subset of it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common_http::{RetryPolicy, SleepFuture, Sleeper};
use itnio_client::ItnioClient;
use rokid_client::RokidClient;
use sobot_client::SobotClient;
use vendor_sandbox::Sandbox;

/// No test may hang: every awaited call is bounded by this.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// The first wait between attempts (then doubled: 5, 10, 20 ms).
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_millis(5);

/// Attempts of an idempotent call, the first included.
pub(crate) const ATTEMPTS: u32 = 4;

/// Awaits `f`, failing the test if it takes longer than [`LIMIT`].
pub(crate) async fn bounded<F: Future>(f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("the call took longer than {LIMIT:?}"),
    }
}

/// Records the waits between attempts and returns at once.
#[derive(Debug, Default)]
pub(crate) struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// The waits so far, in order.
    pub(crate) fn waits(&self) -> Vec<Duration> {
        self.waits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.waits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(duration);
        Box::pin(tokio::task::yield_now())
    }
}

/// [`ATTEMPTS`] attempts, exponential backoff from [`FIRST_BACKOFF`], no jitter.
pub(crate) fn retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(ATTEMPTS)
        .initial_backoff(FIRST_BACKOFF)
        .jitter(false)
}

/// How the clients of one test are set up.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    /// Time allowed for one attempt (for a stream or a download: until the headers).
    pub(crate) timeout: Duration,
    /// Longest silence allowed inside a stream or a download.
    pub(crate) stream_idle_timeout: Duration,
    /// Where the waits between attempts go.
    pub(crate) sleeper: Arc<RecordingSleeper>,
}

impl Setup {
    /// A 10 s attempt timeout, a 10 s stream idle timeout and a fresh recording sleeper.
    pub(crate) fn new() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            stream_idle_timeout: Duration::from_secs(10),
            sleeper: Arc::new(RecordingSleeper::default()),
        }
    }

    /// The same with another attempt timeout.
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A Rokid client of the sandbox.
    pub(crate) fn rokid(&self, sandbox: &Sandbox) -> RokidClient {
        RokidClient::builder()
            .base_url(sandbox.urls().rokid.clone())
            .api_key(sandbox.credentials().rokid_api_key.clone())
            .retry_policy(retries())
            .timeout(self.timeout)
            .stream_idle_timeout(self.stream_idle_timeout)
            .sleeper(self.sleeper.clone())
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A Sobot client of the sandbox (token and API both there).
    pub(crate) fn sobot(&self, sandbox: &Sandbox) -> SobotClient {
        self.sobot_at(sandbox, &sandbox.urls().sobot_api)
    }

    /// A Sobot client taking its token from the sandbox and calling the API at `api_base`.
    pub(crate) fn sobot_at(&self, sandbox: &Sandbox, api_base: &str) -> SobotClient {
        let c = sandbox.credentials();
        SobotClient::builder()
            .token_base_url(sandbox.urls().sobot_token.clone())
            .api_base_url(api_base)
            .appid(c.sobot_appid.clone())
            .app_key(c.sobot_app_key.clone())
            .retry_policy(retries())
            .timeout(self.timeout)
            .stream_idle_timeout(self.stream_idle_timeout)
            .sleeper(self.sleeper.clone())
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// An Itniotech client of the sandbox, with the system clock unless `clock` is given.
    pub(crate) fn itnio(
        &self,
        sandbox: &Sandbox,
        clock: Option<Arc<dyn itnio_client::Clock>>,
    ) -> ItnioClient {
        let c = sandbox.credentials();
        let mut builder = ItnioClient::builder()
            .base_url(sandbox.urls().itnio.clone())
            .api_key(c.itnio_api_key.clone())
            .api_secret(c.itnio_api_secret.clone())
            .retry_policy(retries())
            .timeout(self.timeout)
            .stream_idle_timeout(self.stream_idle_timeout)
            .sleeper(self.sleeper.clone());
        if let Some(clock) = clock {
            builder = builder.clock(clock);
        }
        builder.build().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Default for Setup {
    fn default() -> Self {
        Self::new()
    }
}

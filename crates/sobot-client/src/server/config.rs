//! The configuration of the inbound server: [`ServerConfig`] and its defaults.
//!
//! Every knob of the router, the replies and the callbacks is set here, in one builder, so
//! a user has one thing to read; the other files only read its fields.

use std::fmt;
use std::time::Duration;

use common_http::Secret;

use super::secret::SharedSecret;
use crate::{RobotAnswerType, SobotClient};

/// The default limit of a request body: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The default time the agent has to produce its reply: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time a request body may take to arrive: 10 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of attempts of a callback to Sobot that could not connect.
pub const DEFAULT_CALLBACK_ATTEMPTS: u32 = 4;
/// The default delay before the second attempt of a callback (doubled after each attempt).
pub const DEFAULT_CALLBACK_BACKOFF: Duration = Duration::from_millis(500);

/// How the inbound server behaves; see each setter for its default.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(super) path: String,
    pub(super) body_limit: usize,
    pub(super) request_timeout: Duration,
    pub(super) read_timeout: Duration,
    pub(super) shared_secret: Option<SharedSecret>,
    /// Set by [`ServerConfig::without_shared_secret`]: serving without a secret is meant.
    pub(super) no_shared_secret: bool,
    pub(super) client: Option<SobotClient>,
    pub(super) callback_attempts: u32,
    pub(super) callback_backoff: Duration,
    pub(super) language: String,
    pub(super) answer_type: RobotAnswerType,
    pub(super) envelope: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            shared_secret: None,
            no_shared_secret: false,
            client: None,
            callback_attempts: DEFAULT_CALLBACK_ATTEMPTS,
            callback_backoff: DEFAULT_CALLBACK_BACKOFF,
            language: crate::DEFAULT_LANGUAGE.to_owned(),
            answer_type: RobotAnswerType::QaDirect,
            envelope: true,
        }
    }
}

impl ServerConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path the router answers `POST` on (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The largest request body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]); a
    /// larger one is answered `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long the agent may take to produce its reply (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]); after that Sobot gets a `504`. For a non-streaming
    /// request it bounds the whole reply: the agent call plus collecting a stream it
    /// returns. For a streaming request it bounds the time until the stream is returned,
    /// not the whole stream.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long the request body may take to arrive once the headers are in (default
    /// [`DEFAULT_READ_TIMEOUT`]); a slower body is answered `408` and its connection closed,
    /// so a client trickling a byte at a time cannot hold a request open forever.
    ///
    /// The router only sees a request once its headers are complete: bound the header
    /// phase where you serve it (your reverse proxy, or hyper's `header_read_timeout`;
    /// `axum::serve` sets none).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Requires `params[key]` or `multi_params[key]` of every request to equal `expected`
    /// (compared in constant time); otherwise Sobot gets a `401`.
    ///
    /// Required: [`router`](super::router()) refuses a configuration with neither a shared
    /// secret nor [`ServerConfig::without_shared_secret`], and an empty key or secret.
    pub fn shared_secret(mut self, key: impl Into<String>, expected: impl Into<Secret>) -> Self {
        self.shared_secret = Some(SharedSecret::new(key.into(), expected.into()));
        self.no_shared_secret = false;
        self
    }

    /// Serves every request without a shared secret, explicitly (for a local test, or a
    /// server reachable only from Sobot's addresses).
    ///
    /// Without a secret no request is authenticated, so **no callback is ever sent**: a
    /// `copilot` or batch-test (`runtimeid`) question is answered, but its `callback_list` /
    /// `question_call_back` callback is skipped (logged as a `WARN`), since anyone could
    /// otherwise make the server call Sobot with the company's token.
    pub fn without_shared_secret(mut self) -> Self {
        self.shared_secret = None;
        self.no_shared_secret = true;
        self
    }

    /// The client the `callback_list` (copilot) and `question_call_back` (batch test)
    /// callbacks are sent with. Without one, those callbacks are logged as errors and
    /// skipped. Callbacks are only sent for requests that carried the shared secret.
    pub fn sobot_client(mut self, client: SobotClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Attempts per callback (default [`DEFAULT_CALLBACK_ATTEMPTS`], at least 1) and the
    /// delay before the second attempt, doubled after each one (default
    /// [`DEFAULT_CALLBACK_BACKOFF`]).
    ///
    /// A callback is not idempotent, so only a failure to connect (the request provably
    /// never reached Sobot) is tried again. Once the request may have reached Sobot (a reset
    /// connection, a cut body, a timeout, a 5xx or 429 answer) the failure is logged and the
    /// callback is not sent again: a second delivery could duplicate the answer.
    pub fn callback_retry(mut self, attempts: u32, first_backoff: Duration) -> Self {
        self.callback_attempts = attempts.max(1);
        self.callback_backoff = first_backoff;
        self
    }

    /// The `lan` of answers that leave it empty (default [`crate::DEFAULT_LANGUAGE`]).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// Whether a non-streaming answer is wrapped in Sobot's envelope,
    /// `{"ret_code": "000000", "ret_msg": "success", "data": [answers]}` (default `true`,
    /// the document's "Return result" table), or sent as the bare JSON list (`false`).
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    /// The `answer_type` of [`AnswerPart::Text`](super::AnswerPart::Text) parts (default `QA_DIRECT`).
    pub fn answer_type(mut self, answer_type: RobotAnswerType) -> Self {
        self.answer_type = answer_type;
        self
    }
}

/// Why [`router`](super::router()) refused a [`ServerConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerConfigError {
    /// Neither [`ServerConfig::shared_secret`] nor [`ServerConfig::without_shared_secret`]
    /// was called.
    MissingSharedSecret,
    /// [`ServerConfig::shared_secret`] was given an empty key or an empty secret.
    EmptySharedSecret,
}

impl fmt::Display for ServerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSharedSecret => f.write_str(
                "the sobot inbound server needs a shared secret: call \
                 ServerConfig::shared_secret(key, secret), or opt out explicitly with \
                 ServerConfig::without_shared_secret() (copilot and batch-test callbacks are \
                 then never sent)",
            ),
            Self::EmptySharedSecret => f.write_str(
                "the sobot inbound server's shared secret and its key must not be empty",
            ),
        }
    }
}

impl std::error::Error for ServerConfigError {}

impl ServerConfig {
    /// Whether the configuration can be served.
    pub(super) fn check(&self) -> Result<(), ServerConfigError> {
        match &self.shared_secret {
            Some(secret) if secret.is_empty() => Err(ServerConfigError::EmptySharedSecret),
            Some(_) => Ok(()),
            None if self.no_shared_secret => Ok(()),
            None => Err(ServerConfigError::MissingSharedSecret),
        }
    }
}

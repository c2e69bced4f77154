//! What can go wrong, and the exit code each failure maps to.
//!
//! 0 success, 1 an API or transport error (the vendor's code and message on stderr),
//! 2 a usage or configuration error (missing credentials, a request the client rejects
//! before sending it). clap's own usage errors already exit 2.

use std::fmt::{self, Write as _};
use std::io;
use std::process::ExitCode;

/// A failed command.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad usage or configuration: exit 2.
    Usage(String),
    /// A vendor call failed: exit 1 (2 when the client refused the request before sending).
    Api {
        /// Which vendor (`rokid`, `sobot`, `itnio`).
        vendor: &'static str,
        /// The client's error.
        error: common_http::Error,
    },
    /// Writing the output or a file failed: exit 1.
    Io(io::Error),
    /// Some checks failed, each already reported (`doctor`): exit 1.
    Failed(String),
}

impl CliError {
    /// A usage or configuration error.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// Wraps a client error of `vendor` (for `map_err`).
    pub(crate) fn api(vendor: &'static str) -> impl Fn(common_http::Error) -> Self {
        move |error| Self::Api { vendor, error }
    }

    /// The process exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_) => ExitCode::from(2),
            Self::Api { error, .. } if error.is_invalid_request() || error.is_config() => {
                ExitCode::from(2)
            }
            Self::Api { .. } | Self::Io(_) | Self::Failed(_) => ExitCode::from(1),
        }
    }

    /// Whether the reader of our output went away (`| head`): not worth a message.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl fmt::Display for CliError {
    /// One line. A vendor error carries the vendor's code and message; the source chain
    /// of a transport error is appended (`common-http` strips URLs and never holds a
    /// header value, so no secret can appear).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Failed(message) => f.write_str(message),
            Self::Io(error) => write!(f, "{error}"),
            Self::Api { vendor, error } => {
                let mut text = format!("{vendor}: {error}");
                if let Some(code) = error.vendor_code()
                    && !text.contains(code)
                {
                    let message = error.vendor_message().unwrap_or_default();
                    let _ = write!(text, " (vendor code {code}: {message})");
                }
                let mut source = std::error::Error::source(error);
                while let Some(cause) = source {
                    let cause_text = cause.to_string();
                    if !text.contains(&cause_text) {
                        let _ = write!(text, ": {cause_text}");
                    }
                    source = cause.source();
                }
                f.write_str(&text.replace(['\n', '\r'], " "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common_http::{ApiError, Error};

    #[test]
    fn exit_codes_and_messages() {
        let api = CliError::api("itnio")(Error::api(ApiError::new("-22", "parameter exception")));
        assert_eq!(api.exit_code(), ExitCode::from(1));
        assert_eq!(
            api.to_string(),
            "itnio: vendor error -22: parameter exception"
        );
        let invalid = CliError::api("rokid")(Error::invalid_request("pageSize must be >= 1"));
        assert_eq!(invalid.exit_code(), ExitCode::from(2));
        assert_eq!(CliError::usage("x").exit_code(), ExitCode::from(2));
        let failed = CliError::Failed("1 of 9 calls failed".into());
        assert_eq!(failed.exit_code(), ExitCode::from(1));
        let pipe = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
    }
}

//! Credentials and hosts: a flag wins, else the environment variable; a missing
//! credential is a one-line usage error naming the variable (exit 2).
//!
//! The environment is read once, into [`Vars`], so the demo can hand the same code the
//! in-process sandbox's settings without touching the process environment.

use std::collections::HashMap;
use std::convert::Infallible;

use common_http::Secret;
use itnio_client::ItnioClient;
use rokid_client::RokidClient;
use sobot_client::{Region, SobotClient};

use crate::error::CliError;

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("agentctl/", env!("CARGO_PKG_VERSION"));

/// The environment variables the tool reads, by name.
#[derive(Clone, Default)]
pub(crate) struct Vars(HashMap<String, String>);

impl std::fmt::Debug for Vars {
    /// Names only: the values hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Vars {
    /// The process environment (only valid Unicode values).
    pub(crate) fn from_env() -> Self {
        Self(std::env::vars().collect())
    }

    /// A set of variables given in code.
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// A variable's value; an empty or blank value counts as unset.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// The flag if given, else the variable, else an error naming both.
    fn required(
        &self,
        flag: Option<&Secret>,
        name: &str,
        flag_name: &str,
    ) -> Result<Secret, CliError> {
        match flag.filter(|s| !s.is_empty()) {
            Some(secret) => Ok(secret.clone()),
            None => self.get(name).map(Secret::new).ok_or_else(|| {
                CliError::usage(format!("{name} is not set (export it or pass {flag_name})"))
            }),
        }
    }

    fn optional(&self, flag: Option<&String>, name: &str) -> Option<String> {
        flag.cloned().or_else(|| self.get(name).map(str::to_owned))
    }
}

/// Parses a secret flag value (kept out of `Debug` output).
pub(crate) fn secret(text: &str) -> Result<Secret, Infallible> {
    Ok(Secret::new(text))
}

fn config_error(vendor: &'static str) -> impl Fn(common_http::Error) -> CliError {
    move |e| CliError::usage(format!("{vendor}: {e}"))
}

/// Rokid connection flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct RokidConn {
    /// Rokid API key [default: $ROKID_API_KEY].
    #[arg(long, global = true, value_parser = secret, value_name = "KEY")]
    api_key: Option<Secret>,
    /// Rokid base URL [default: $ROKID_BASE_URL, else the production host].
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
}

impl RokidConn {
    /// A Rokid client from the flags and variables.
    pub(crate) fn client(&self, vars: &Vars) -> Result<RokidClient, CliError> {
        let key = vars.required(self.api_key.as_ref(), "ROKID_API_KEY", "--api-key")?;
        let mut builder = RokidClient::builder().api_key(key).user_agent(USER_AGENT);
        if let Some(url) = vars.optional(self.base_url.as_ref(), "ROKID_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build().map_err(config_error("rokid"))
    }
}

/// Sobot connection flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct SobotConn {
    /// Sobot appid [default: $SOBOT_APPID].
    #[arg(long, global = true, value_name = "APPID")]
    appid: Option<String>,
    /// Sobot app_key [default: $SOBOT_APP_KEY].
    #[arg(long, global = true, value_parser = secret, value_name = "KEY")]
    app_key: Option<Secret>,
    /// Sobot data centre: sg, cn or us [default: $SOBOT_REGION, else sg].
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,
    /// Sobot API base URL [default: $SOBOT_BASE_URL, else the region's].
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// Sobot token base URL [default: $SOBOT_TOKEN_URL, else the region's].
    #[arg(long, global = true, value_name = "URL")]
    token_url: Option<String>,
}

impl SobotConn {
    /// A Sobot client from the flags and variables.
    pub(crate) fn client(&self, vars: &Vars) -> Result<SobotClient, CliError> {
        let appid = match self.appid.as_deref().filter(|a| !a.trim().is_empty()) {
            Some(appid) => appid.to_owned(),
            None => vars.get("SOBOT_APPID").map(str::to_owned).ok_or_else(|| {
                CliError::usage("SOBOT_APPID is not set (export it or pass --appid)")
            })?,
        };
        let key = vars.required(self.app_key.as_ref(), "SOBOT_APP_KEY", "--app-key")?;
        let mut builder = SobotClient::builder()
            .appid(appid)
            .app_key(key)
            .user_agent(USER_AGENT);
        if let Some(region) = vars.optional(self.region.as_ref(), "SOBOT_REGION") {
            let region: Region = region.parse().map_err(config_error("sobot"))?;
            builder = builder.region(region);
        }
        if let Some(url) = vars.optional(self.base_url.as_ref(), "SOBOT_BASE_URL") {
            builder = builder.api_base_url(url);
        }
        if let Some(url) = vars.optional(self.token_url.as_ref(), "SOBOT_TOKEN_URL") {
            builder = builder.token_base_url(url);
        }
        builder.build().map_err(config_error("sobot"))
    }
}

/// Itniotech connection flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ItnioConn {
    /// Itniotech API key [default: $ITNIO_API_KEY].
    #[arg(long, global = true, value_parser = secret, value_name = "KEY")]
    api_key: Option<Secret>,
    /// Itniotech API secret [default: $ITNIO_API_SECRET].
    #[arg(long, global = true, value_parser = secret, value_name = "SECRET")]
    api_secret: Option<Secret>,
    /// Itniotech base URL [default: $ITNIO_BASE_URL, else the production host].
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
}

impl ItnioConn {
    /// An Itniotech client from the flags and variables.
    pub(crate) fn client(&self, vars: &Vars) -> Result<ItnioClient, CliError> {
        let key = vars.required(self.api_key.as_ref(), "ITNIO_API_KEY", "--api-key")?;
        let secret = vars.required(self.api_secret.as_ref(), "ITNIO_API_SECRET", "--api-secret")?;
        let mut builder = ItnioClient::builder()
            .api_key(key)
            .api_secret(secret)
            .user_agent(USER_AGENT);
        if let Some(url) = vars.optional(self.base_url.as_ref(), "ITNIO_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build().map_err(config_error("itnio"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_wins_over_the_variable_and_a_blank_variable_is_missing() {
        let vars = Vars::from_pairs([("ROKID_API_KEY", "from-env"), ("ITNIO_API_KEY", "  ")]);
        let flag = Secret::new("from-flag");
        let key = vars.required(Some(&flag), "ROKID_API_KEY", "--api-key");
        assert_eq!(
            key.ok().map(|k| k.expose().to_owned()).as_deref(),
            Some("from-flag")
        );
        let key = vars.required(None, "ROKID_API_KEY", "--api-key");
        assert_eq!(
            key.ok().map(|k| k.expose().to_owned()).as_deref(),
            Some("from-env")
        );
        let missing = vars.required(None, "ITNIO_API_KEY", "--api-key").err();
        let text = missing.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.starts_with("ITNIO_API_KEY is not set"), "{text}");
        assert!(!format!("{vars:?}").contains("from-env"));
    }
}

//! How each attempt is authenticated, and what happens when the server says no.

use std::fmt;

use async_trait::async_trait;

use crate::Error;

/// Which credentials decorated an attempt, so that a rejection invalidates exactly those
/// (and not a token another caller has already refreshed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CredentialGeneration(pub u64);

/// A vendor's authentication scheme (bearer key, token manager, request signer).
///
/// The runtime calls [`Authenticator::authenticate`] on **every attempt**, after the
/// request is built from its description, so a signature or timestamp is always fresh.
/// When the server rejects the credentials (HTTP 401, or a vendor code the envelope marks
/// as [`ApiError::credentials_rejected`](crate::ApiError)), the runtime calls
/// [`Authenticator::credentials_rejected`]; if that returns `true`, the request is
/// tried once more with fresh credentials, whatever its idempotency (the server refused
/// it before doing anything). A second rejection is returned as an error for which
/// [`Error::is_auth`] is true. Never more than one such retry per call.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Adds credentials to one attempt (headers, query, signature).
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error>;

    /// Whether `error` means the credentials were rejected although the envelope did not
    /// flag it (a vendor whose set of "token invalid" codes is configurable). Errors for
    /// which [`Error::is_auth`] is already true need no help. Default: `false`.
    fn rejects_credentials(&self, error: &Error) -> bool {
        let _ = error;
        false
    }

    /// The server rejected the credentials of `generation` with `error` (an HTTP 401, or
    /// a vendor code the envelope flagged). Drop them if cached, and say whether a retry
    /// with new credentials could succeed. A static key cannot get better, so the default
    /// is `false`.
    async fn credentials_rejected(&self, generation: CredentialGeneration, error: &Error) -> bool {
        let _ = (generation, error);
        false
    }

    /// Whether this scheme puts credentials on requests. A client whose scheme does follows
    /// a redirect only within the origin (scheme, host, port) the request was made for, so
    /// no credential header ever reaches another host; one whose scheme does not (a CDN
    /// download) follows redirects anywhere. Default: `true`.
    fn sends_credentials(&self) -> bool {
        true
    }

    /// The error a call ends with once its credentials were rejected for good (after the
    /// one retry), for a scheme that can say more about why (Itniotech: a timestamp
    /// rejected twice, even freshly signed, means the local clock is off). Default: the
    /// error unchanged.
    fn explain_rejection(&self, error: Error) -> Error {
        error
    }
}

/// No authentication and no credentials (public endpoints, CDN downloads): redirects are
/// followed to any origin. A request that carries its own signature uses
/// [`SignedInRequest`] instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Authenticator for NoAuth {
    async fn authenticate(
        &self,
        _request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        Ok(CredentialGeneration::default())
    }

    fn sends_credentials(&self) -> bool {
        false
    }
}

/// No authentication added, for requests that carry their own credentials (a signature
/// in the query, as Sobot's `get_token`): nothing to add to the request, but a redirect to
/// another origin must not be followed, since the request itself would take the signature
/// there.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignedInRequest;

#[async_trait]
impl Authenticator for SignedInRequest {
    async fn authenticate(
        &self,
        _request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        Ok(CredentialGeneration::default())
    }

    fn sends_credentials(&self) -> bool {
        true
    }
}

/// `Authorization: Bearer <key>` with a static key.
#[derive(Debug, Clone)]
pub struct BearerAuth {
    key: crate::Secret,
}

impl BearerAuth {
    /// A bearer scheme with this key.
    pub fn new(key: crate::Secret) -> Self {
        Self { key }
    }
}

#[async_trait]
impl Authenticator for BearerAuth {
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        let value = format!("Bearer {}", self.key.expose());
        let mut value = http::HeaderValue::from_str(&value).map_err(|_| {
            Error::config("the API key contains characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(CredentialGeneration::default())
    }
}

//! The TLS backend of the `reqwest::Client` this crate builds, chosen by cargo features.
//!
//! | features                     | library   | provider   | trust anchors               |
//! |------------------------------|-----------|------------|-----------------------------|
//! | `rustls` (default)           | rustls    | *ring*     | Mozilla's, compiled in      |
//! | `aws-lc-rs`                  | rustls    | aws-lc-rs  | Mozilla's, compiled in      |
//! | either + `platform-roots`    | rustls    | as above   | the operating system's      |
//! | `native-tls`                 | platform  | platform   | the operating system's      |
//!
//! The default keeps the build free of OpenSSL and CMake; `cargo xtask bench`'s footprint
//! figures measure it against aws-lc-rs (BENCHMARKS.md). The rustls configuration is
//! built here and handed to reqwest whole, so the provider is never a process-wide
//! default: an application that installs its own rustls provider is not disturbed, and
//! one that builds its own `reqwest::Client` (`http_client`) chooses everything itself.

#[cfg(all(
    feature = "platform-roots",
    not(any(feature = "rustls", feature = "aws-lc-rs", feature = "native-tls"))
))]
compile_error!(
    "`platform-roots` selects trust anchors for rustls: enable `rustls` or `aws-lc-rs` too"
);

/// Applies the TLS backend the enabled features select.
pub(crate) fn configure(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
    backend::configure(builder)
}

/// A `reqwest::ClientBuilder` with the TLS backend of this build, the one the clients
/// use: start a client of your own from it (for `http_client`, with a proxy or other pool
/// settings), or any other HTTPS client of the program.
///
/// With the rustls features, reqwest is built without a provider of its own
/// (`rustls-no-provider`: the choice between *ring* and aws-lc-rs is this crate's). So
/// that a plain `reqwest::Client::new()` elsewhere in the program works too, this
/// function, like every client this crate builds, installs the chosen provider as the
/// process default when none is installed yet; a provider the application installed
/// first is left alone.
///
/// ```
/// let http = common_http::http_client_builder()
///     .pool_max_idle_per_host(4)
///     .build()?;
/// # let _ = http;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match configure(builder) {
        Ok(builder) => builder,
        // Only a provider without a safe protocol version fails, which ring and aws-lc-rs
        // are not; reqwest's own configuration is the fallback.
        Err(_) => reqwest::Client::builder(),
    }
}

/// The backend's name, for diagnostics (`agentctl doctor`, bug reports).
pub const BACKEND: &str = backend::NAME;

#[cfg(feature = "native-tls")]
mod backend {
    pub(super) const NAME: &str = "native-tls";

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, String> {
        Ok(builder.tls_backend_native())
    }
}

#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls", feature = "aws-lc-rs")
))]
mod backend {
    use std::sync::Arc;

    use rustls::ClientConfig;
    use rustls::crypto::CryptoProvider;

    // aws-lc-rs when it is enabled (it is only ever enabled on purpose), else ring.
    #[cfg(feature = "aws-lc-rs")]
    macro_rules! provider_name {
        () => {
            "aws-lc-rs"
        };
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    macro_rules! provider_name {
        () => {
            "ring"
        };
    }
    #[cfg(feature = "platform-roots")]
    macro_rules! roots_name {
        () => {
            "platform roots"
        };
    }
    #[cfg(not(feature = "platform-roots"))]
    macro_rules! roots_name {
        () => {
            "webpki roots"
        };
    }
    pub(super) const NAME: &str = concat!("rustls (", provider_name!(), ", ", roots_name!(), ")");

    fn provider() -> CryptoProvider {
        #[cfg(feature = "aws-lc-rs")]
        return rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "aws-lc-rs"))]
        return rustls::crypto::ring::default_provider();
    }

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, String> {
        static DEFAULT: std::sync::Once = std::sync::Once::new();
        // Other reqwest clients of the process (built without a provider of their own)
        // need a process default; an application's own is kept (install fails then).
        DEFAULT.call_once(|| {
            if CryptoProvider::get_default().is_none() {
                let _ = provider().install_default();
            }
        });
        let provider = Arc::new(provider());
        let versions = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let mut config = verify(versions, provider)?.with_no_client_auth();
        // A preconfigured configuration is used as given: offer HTTP/2 as reqwest would.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(builder.tls_backend_preconfigured(config))
    }

    type WantsVerifier = rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>;
    type WantsAuth = rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>;

    #[cfg(feature = "platform-roots")]
    fn verify(builder: WantsVerifier, provider: Arc<CryptoProvider>) -> Result<WantsAuth, String> {
        let verifier =
            rustls_platform_verifier::Verifier::new(provider).map_err(|e| e.to_string())?;
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier)))
    }

    #[cfg(not(feature = "platform-roots"))]
    fn verify(builder: WantsVerifier, _: Arc<CryptoProvider>) -> Result<WantsAuth, String> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Ok(builder.with_root_certificates(roots))
    }
}

#[cfg(not(any(feature = "rustls", feature = "aws-lc-rs", feature = "native-tls")))]
mod backend {
    pub(super) const NAME: &str = "none (plain HTTP only)";

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, String> {
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plain_reqwest_client_works_once_the_backend_is_set_up() {
        let _ = super::http_client_builder().build().expect("client built");
        // Built without a provider of reqwest's own: this panics unless one is installed.
        let _ = reqwest::Client::new();
    }

    #[test]
    fn the_default_backend_builds_a_client() {
        let builder = super::configure(reqwest::Client::builder()).expect("TLS configured");
        builder.build().expect("client built");
        #[cfg(all(
            feature = "rustls",
            not(feature = "aws-lc-rs"),
            not(feature = "native-tls")
        ))]
        assert!(
            super::BACKEND.starts_with("rustls (ring"),
            "{}",
            super::BACKEND
        );
    }
}

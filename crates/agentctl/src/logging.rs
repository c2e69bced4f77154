//! Logs go to stderr, never stdout: warnings by default, more with each `-v`. The clients
//! log no header value, query string or body, so no secret reaches the log.

use tracing::Level;

/// Installs the stderr subscriber for `-v` repeated `verbose` times.
pub(crate) fn init(verbose: u8) {
    let level = match verbose {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(verbose > 1)
        .init();
}

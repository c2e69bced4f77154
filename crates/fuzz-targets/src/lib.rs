//! Fuzz targets over everything that reads bytes from the network.
//!
//! Each target is a `pub fn(&[u8])` that feeds arbitrary bytes through the real decoding
//! code of the clients (the same public paths the clients take for a response) or of the
//! inbound integration server, and checks what the code promises about hostile input: a
//! typed error or a value, bounded error excerpts, chunking that does not change a stream.
//! A target panics only when such a promise is broken, so any panic is a finding.
//!
//! They are called from two places:
//! - `fuzz/fuzz_targets/<name>.rs`, thin libFuzzer wrappers (`cargo xtask fuzz`);
//! - `tests/replay.rs`, which replays the seed corpus, a few thousand deterministic
//!   mutations of it and every committed crash (`regressions/<target>/`) under
//!   `cargo test`.
//!
//! Which files seed which target is written once, in `seeds/sources.json`.

mod answer;
mod check;
mod envelope;
mod inbound;
mod sse;

pub use answer::sobot_answer;
pub use envelope::{itnio_envelope, rokid_envelope, sobot_envelope};
pub use inbound::inbound_request;
pub use sse::sse_decoder;

/// A fuzz target: arbitrary bytes in, a panic only on a broken promise.
pub type Target = fn(&[u8]);

/// Every target with the name of its `fuzz/fuzz_targets/<name>.rs` wrapper.
pub const TARGETS: &[(&str, Target)] = &[
    ("sse_decoder", sse_decoder),
    ("rokid_envelope", rokid_envelope),
    ("sobot_envelope", sobot_envelope),
    ("itnio_envelope", itnio_envelope),
    ("sobot_answer", sobot_answer),
    ("inbound_request", inbound_request),
];

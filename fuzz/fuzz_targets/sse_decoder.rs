//! `cargo xtask fuzz sse_decoder`: see `fuzz_targets::sse_decoder`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::sse_decoder(data));

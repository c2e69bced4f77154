//! `cargo xtask fuzz sobot_envelope`: see `fuzz_targets::sobot_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::sobot_envelope(data));

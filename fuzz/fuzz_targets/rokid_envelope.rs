//! `cargo xtask fuzz rokid_envelope`: see `fuzz_targets::rokid_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::rokid_envelope(data));

//! `cargo xtask fuzz itnio_envelope`: see `fuzz_targets::itnio_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::itnio_envelope(data));

//! `cargo xtask fuzz sobot_answer`: see `fuzz_targets::sobot_answer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::sobot_answer(data));

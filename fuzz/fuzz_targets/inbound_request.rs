//! `cargo xtask fuzz inbound_request`: see `fuzz_targets::inbound_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::inbound_request(data));

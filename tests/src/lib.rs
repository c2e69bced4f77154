//! Workspace integration tests live in `tests/tests/`. This crate's documentation is the
//! README, so `cargo test` compiles every Rust example in it.
#![doc = include_str!("../../README.md")]

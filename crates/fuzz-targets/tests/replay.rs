//! The fuzzing of `cargo xtask fuzz` in reduced, deterministic form, for `cargo test`:
//! every target gets its seed corpus (the fixtures and samples `seeds/sources.json`
//! names), a few thousand mutations of it drawn from a fixed seed (bit flips, truncations,
//! splices, inserted `{`, `[`, `"`, NUL and 0xFF bytes, ...), and every crash input ever
//! committed under `regressions/<target>/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use fuzz_targets::{TARGETS, Target};
use serde::Deserialize;

/// Mutated inputs per target.
const MUTATIONS: usize = 2_000;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Deserialize)]
struct Source {
    dir: String,
    #[serde(default)]
    suffix: String,
}

/// The seed inputs of each target, as `cargo xtask fuzz` copies them into the corpus.
fn seeds() -> BTreeMap<String, Vec<(String, Vec<u8>)>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/sources.json");
    let sources: BTreeMap<String, Vec<Source>> =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    sources
        .into_iter()
        .map(|(target, sources)| {
            let mut files = Vec::new();
            for source in sources {
                let dir = workspace_root().join(&source.dir);
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                    .map(|entry| entry.unwrap().path())
                    .filter(|path| path.is_file())
                    .filter(|path| path.to_string_lossy().ends_with(&source.suffix))
                    .collect();
                entries.sort();
                for path in entries {
                    files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
                }
            }
            (target, files)
        })
        .collect()
}

fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no fuzz target `{name}`"))
}

/// Runs one input; a panic is reported with the input, ready to commit as a regression.
fn run(name: &str, case: &str, input: &[u8]) {
    let outcome = catch_unwind(AssertUnwindSafe(|| target(name)(input)));
    if outcome.is_err() {
        // Kept for `regressions/<target>/` once the bug is fixed.
        let saved = std::env::temp_dir().join(format!("fuzz-targets-crash-{name}"));
        let _ = std::fs::write(&saved, input);
        let shown: String = input.escape_ascii().to_string().chars().take(600).collect();
        panic!(
            "fuzz target {name} panicked on {case} ({} bytes, saved to {}): b\"{shown}\"",
            input.len(),
            saved.display()
        );
    }
}

/// Bytes that break JSON and SSE structure in interesting ways.
const INTERESTING: &[&[u8]] = &[
    b"{",
    b"[",
    b"\"",
    b"\0",
    b"\xff",
    b"}",
    b"]",
    b":",
    b",",
    b"\\",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"data: ",
    b"-",
    b"1e400",
    b"18446744073709551616",
    b"null",
    b"\xe4\xb8",
    b"\xef\xbb\xbf",
];

/// One deterministic mutation of `input`, drawn from `rng`; `other` is a splice partner.
fn mutate(rng: &mut fastrand::Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = out.len();
        match rng.u8(0..7) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                out[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => out.truncate(rng.usize(..len)),
            2 => {
                let at = rng.usize(..=len);
                let from = rng.usize(..=other.len());
                let to = rng.usize(from..=other.len());
                out.splice(at..at, other[from..to].iter().copied());
            }
            3 | 4 => {
                let at = rng.usize(..=len);
                let bytes = INTERESTING[rng.usize(..INTERESTING.len())];
                out.splice(at..at, bytes.iter().copied());
            }
            5 if len > 0 => {
                let from = rng.usize(..len);
                let to = rng.usize(from..=len.min(from + 64));
                out.drain(from..to);
            }
            6 if len > 0 => {
                let from = rng.usize(..len);
                let to = rng.usize(from..=len.min(from + 32));
                let copy = out[from..to].to_vec();
                out.splice(to..to, copy);
            }
            _ => out.push(rng.u8(..)),
        }
    }
    out
}

#[test]
fn every_target_has_seeds_and_a_libfuzzer_wrapper() {
    let seeds = seeds();
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        seeds.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted
        },
        "seeds/sources.json and TARGETS name different targets"
    );
    for name in names {
        assert!(!seeds[name].is_empty(), "{name} has no seed");
        let wrapper = workspace_root().join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&wrapper)
            .unwrap_or_else(|e| panic!("{}: {e}", wrapper.display()));
        assert!(
            text.contains(&format!("fuzz_targets::{name}(data)")),
            "{} does not call its target",
            wrapper.display()
        );
    }
}

/// Runs the seeds of `name` and [`MUTATIONS`] mutations of them, drawn from a seed of its
/// own so each target's cases stay the same whatever the other targets do.
fn seeds_and_mutations(name: &str, seed: u64) {
    let seeds = seeds();
    let files = &seeds[name];
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut runs = 0;
    for (file, input) in files {
        run(name, file, input);
        runs += 1;
    }
    for i in 0..MUTATIONS {
        let (file, input) = &files[rng.usize(..files.len())];
        let (_, other) = &files[rng.usize(..files.len())];
        let mutated = mutate(&mut rng, input, other);
        run(name, &format!("mutation {i} of {file}"), &mutated);
        runs += 1;
    }
    assert_eq!(runs, files.len() + MUTATIONS);
}

/// One test per target, so they run in parallel and fail by name.
macro_rules! replay {
    ($($test:ident: $name:literal, $seed:literal;)*) => {
        $(
            #[test]
            fn $test() {
                seeds_and_mutations($name, $seed);
            }
        )*
    };
}

replay! {
    sse_decoder_never_panics: "sse_decoder", 0x5eed_0001;
    rokid_envelope_never_panics: "rokid_envelope", 0x5eed_0002;
    sobot_envelope_never_panics: "sobot_envelope", 0x5eed_0003;
    itnio_envelope_never_panics: "itnio_envelope", 0x5eed_0004;
    sobot_answer_never_panics: "sobot_answer", 0x5eed_0005;
    inbound_request_never_panics: "inbound_request", 0x5eed_0006;
}

#[test]
fn committed_crashes_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let _ = target(&name); // a directory must be named after a target
        for file in std::fs::read_dir(&path).unwrap() {
            let file = file.unwrap().path();
            run(
                &name,
                &file.display().to_string(),
                &std::fs::read(&file).unwrap(),
            );
            replayed += 1;
        }
    }
    assert!(replayed < 10_000, "{replayed} regression inputs");
}

//! Unit tests of the pure parts of `publish-check`.
#![allow(clippy::unwrap_used)]

use super::*;

const PACKAGE_OUTPUT: &str = "   Packaging common-http v0.1.0 (/w/crates/common-http)
    Updating crates.io index
    Packaged 39 files, 460.1KiB (118.7KiB compressed)
   Packaging itnio-client v0.2.3 (/w/crates/itnio-client)
    Blocking waiting for file lock on package cache
    Updating crates.io index
    Packaged 24 files, 182.1KiB (44.5KiB compressed)
warning: manifest has no documentation, homepage or repository
   Packaging broken v1.0.0 (/w/crates/broken)
error: readme `README.md` does not appear to exist
";

#[test]
fn package_output_gives_each_crate_its_files_and_size() {
    assert_eq!(
        parse_package_output(PACKAGE_OUTPUT),
        [
            Packaged {
                name: "common-http".into(),
                version: "0.1.0".into(),
                files: 39,
                size: "460.1KiB".into(),
            },
            Packaged {
                name: "itnio-client".into(),
                version: "0.2.3".into(),
                files: 24,
                size: "182.1KiB".into(),
            },
        ]
    );
    // A `Packaged` line with no `Packaging` before it belongs to no crate.
    assert!(parse_package_output("Packaged 3 files, 1.0KiB (1.0KiB compressed)").is_empty());
}

#[test]
fn failing_crates_are_named_by_cargo() {
    let output = "error[E0425]: cannot find value `x`
error: could not compile `sobot-client` (lib) due to 1 previous error
warning: build failed, waiting for other jobs to finish...
error: could not document `rokid-client`
error: could not compile `agent-clients-cli` (bin \"agentctl\") due to 2 previous errors";
    let failed: Vec<String> = crates_that_failed(output).into_iter().collect();
    assert_eq!(
        failed,
        ["agent-clients-cli", "rokid-client", "sobot-client"]
    );
    let not_compiled: Vec<String> = crates_that_did_not_compile(output).into_iter().collect();
    assert_eq!(not_compiled, ["agent-clients-cli", "sobot-client"]);
    assert!(crates_that_failed("Finished `dev` profile").is_empty());
    // Each crate's first error is among the lines before its `could not` line.
    assert_eq!(
        first_error_of(output, "sobot-client"),
        "error[E0425]: cannot find value `x`"
    );
    assert_eq!(
        first_error_of(output, "agent-clients-cli"),
        "see the output above"
    );
    let doc = "error: unresolved link to `HH`\nerror: could not document `a`\n warning: w\nerror: private link\nerror: could not document `b`";
    assert_eq!(first_error_of(doc, "b"), "error: private link");
    assert_eq!(first_error_of(doc, "a"), "error: unresolved link to `HH`");
}

#[test]
fn test_counts_add_up_every_binary() {
    let output = "running 3 tests
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: ok. 11 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.2s
test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out";
    assert_eq!(test_counts(output), 16);
}

#[test]
fn a_failed_test_is_named_with_its_panic_message() {
    let stdout = "running 2 tests
test ok_one ... ok
test bad_one ... FAILED

failures:

---- bad_one stdout ----

thread 'bad_one' (1) panicked at src/x.rs:3:5:
No rustls crypto provider is configured.
note: run with `RUST_BACKTRACE=1`


failures:
    bad_one

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
";
    assert_eq!(
        failed_test(stdout).as_deref(),
        Some("bad_one: No rustls crypto provider is configured.")
    );
    let section = test_failures(stdout);
    assert!(section.starts_with("    failures:"), "{section}");
    assert!(section.contains("---- bad_one stdout ----"), "{section}");
    assert!(!section.contains("test ok_one"), "{section}");
    assert_eq!(failed_test("test result: ok. 1 passed"), None);
}

#[test]
fn rust_versions_compare_as_numbers() {
    let v = |s| RustVersion::parse(s).unwrap();
    assert_eq!(v("1.88"), RustVersion(1, 88, 0));
    assert_eq!(v("1.88.0"), v("1.88"));
    assert!(v("1.9") < v("1.10"));
    assert!(v("1.88.1") > v("1.88"));
    assert!(v("2") > v("1.99.9"));
    assert_eq!(RustVersion::parse("1.x"), None);
    assert_eq!(RustVersion::parse("1.2.3.4"), None);
    assert_eq!(RustVersion::parse(""), None);
    assert_eq!(v("1.85").to_string(), "1.85.0");
}

#[test]
fn what_a_package_needs_is_its_rust_version_or_its_edition() {
    let needed = RustVersion::needed;
    assert_eq!(needed(Some("1.70"), "2021"), Some(RustVersion(1, 70, 0)));
    // A declared version older than the edition is not the truth: the edition wins.
    assert_eq!(needed(Some("1.80"), "2024"), Some(RustVersion(1, 85, 0)));
    assert_eq!(needed(None, "2024"), Some(RustVersion(1, 85, 0)));
    assert_eq!(needed(None, "2018"), Some(RustVersion(1, 31, 0)));
    assert_eq!(needed(None, "2015"), Some(RustVersion(1, 0, 0)));
}

fn krate(name: &str, rust_version: Option<&str>, edition: &str, deps: &[&str]) -> Krate {
    Krate {
        id: format!("path+file:///w/{name}#0.1.0"),
        name: name.to_owned(),
        version: "0.1.0".to_owned(),
        edition: edition.to_owned(),
        rust_version: rust_version.map(str::to_owned),
        workspace_deps: deps.iter().map(|d| (*d).to_owned()).collect(),
    }
}

#[test]
fn msrv_holds_only_when_edition_and_dependencies_agree() {
    let newest = |v: &str| Newest {
        needs: RustVersion::parse(v).unwrap(),
        package: "tokio 1.48.0".to_owned(),
        undeclared: 2,
        count: 40,
    };
    let ours = krate("a", Some("1.88"), "2024", &[]);
    let ok = msrv_of(&ours, Some(&newest("1.88"))).unwrap();
    assert!(
        ok.contains("1.88.0 (tokio 1.48.0; 40 crates, 2 without"),
        "{ok}"
    );
    let err = msrv_of(&ours, Some(&newest("1.90"))).unwrap_err();
    assert_eq!(
        err,
        "tokio 1.48.0 needs Rust 1.90.0, more than the declared 1.88"
    );
    let old = krate("a", Some("1.80"), "2024", &[]);
    assert!(
        msrv_of(&old, None)
            .unwrap_err()
            .contains("edition 2024 needs Rust 1.85.0")
    );
    assert_eq!(
        msrv_of(&krate("a", None, "2024", &[]), None).unwrap_err(),
        "no rust-version declared"
    );
}

/// A tiny `cargo metadata`: `app` -> `lib` (normal) -> `syn` (build of `lib`), `app` ->
/// `test-only` (dev), `lib` -> `new` (normal, edition 2024, no rust-version).
fn metadata() -> Value {
    let pkg = |id: &str, edition: &str, rv: Option<&str>| {
        serde_json::json!({"id": id, "name": id, "version": "1.0.0", "edition": edition,
                           "rust_version": rv})
    };
    let dep = |pkg: &str, kind: Option<&str>| serde_json::json!({"pkg": pkg, "dep_kinds": [{"kind": kind, "target": null}]});
    serde_json::json!({
        "workspace_members": ["app", "lib"],
        "packages": [
            pkg("app", "2024", Some("1.88")),
            pkg("lib", "2024", Some("1.88")),
            pkg("syn", "2021", Some("1.61")),
            pkg("test-only", "2021", Some("1.99")),
            pkg("new", "2024", None),
        ],
        "resolve": {"nodes": [
            {"id": "app", "deps": [dep("lib", None), dep("test-only", Some("dev"))]},
            {"id": "lib", "deps": [dep("syn", Some("build")), dep("new", None)]},
            {"id": "syn", "deps": []},
            {"id": "test-only", "deps": []},
            {"id": "new", "deps": []},
        ]},
    })
}

#[test]
fn the_newest_dependency_is_found_in_normal_and_build_trees_only() {
    let newest = newest_dependency(&metadata(), "app").unwrap();
    assert_eq!(
        newest,
        Newest {
            needs: RustVersion(1, 85, 0),
            package: "new 1.0.0".to_owned(),
            undeclared: 1,
            count: 2,
        }
    );
    assert_eq!(newest_dependency(&metadata(), "syn").map(|n| n.count), None);
}

#[test]
fn publishable_members_skip_publish_false_and_come_in_publishing_order() {
    let metadata = serde_json::json!({
        "workspace_members": ["a-id", "b-id", "c-id", "t-id"],
        "packages": [
            {"id": "c-id", "name": "cli", "version": "0.3.0", "edition": "2024",
             "rust_version": "1.88", "publish": null,
             "dependencies": [{"name": "vendor", "path": "/w/vendor", "kind": null},
                              {"name": "serde", "kind": null}]},
            {"id": "b-id", "name": "vendor", "version": "0.2.0", "edition": "2024",
             "rust_version": "1.88", "publish": null,
             "dependencies": [{"name": "base", "path": "/w/base", "kind": null}]},
            {"id": "a-id", "name": "base", "version": "0.1.0", "edition": "2024",
             "rust_version": "1.88", "publish": null, "dependencies": []},
            {"id": "t-id", "name": "tests", "version": "0.1.0", "edition": "2024",
             "rust_version": "1.88", "publish": [],
             "dependencies": [{"name": "cli", "path": "/w/cli", "kind": "dev"}]},
            {"id": "serde-id", "name": "serde", "version": "1.0.0", "edition": "2021",
             "rust_version": null, "publish": null, "dependencies": []},
        ],
    });
    let crates = publishable(&metadata).unwrap();
    let names: Vec<&str> = crates.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["base", "vendor", "cli"]);
    let deps: Vec<&str> = crates[2]
        .workspace_deps
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(deps, ["vendor"]);
}

#[test]
fn patches_cover_every_workspace_crate_a_crate_needs() {
    let crates = [
        krate("base", Some("1.88"), "2024", &[]),
        krate("vendor", Some("1.88"), "2024", &["base"]),
        krate("sandbox", Some("1.88"), "2024", &["vendor"]),
        krate("cli", Some("1.88"), "2024", &["sandbox", "base"]),
    ];
    let closure = |n: &str| -> Vec<String> { patch_closure(&crates, n).into_iter().collect() };
    assert_eq!(closure("cli"), ["base", "sandbox", "vendor"]);
    assert_eq!(closure("vendor"), ["base"]);
    assert!(closure("base").is_empty());
    assert_eq!(
        patch_arg("base", Path::new("/tmp/x/base-0.1.0")),
        "patch.crates-io.base.path=\"/tmp/x/base-0.1.0\""
    );
}

#[test]
fn the_last_release_is_the_highest_version_tag_of_that_crate() {
    let tags = "common-http-v0.1.0\ncommon-http-v0.10.0\ncommon-http-v0.9.2\ncommon-http-client-v9.0.0\nsobot-client-v0.2.0\nv1.0.0\n";
    assert_eq!(
        last_release(tags, "common-http").as_deref(),
        Some("common-http-v0.10.0")
    );
    assert_eq!(
        last_release(tags, "sobot-client").as_deref(),
        Some("sobot-client-v0.2.0")
    );
    assert_eq!(last_release(tags, "rokid-client"), None);
}

#[test]
fn the_table_has_a_line_per_crate_and_a_column_per_step() {
    let mut ok = Row {
        name: "common-http".into(),
        version: "0.1.0".into(),
        bytes: Some(120_168),
        files: Some(39),
        steps: BTreeMap::new(),
    };
    for step in STEPS {
        ok.set(step, Outcome::Ok);
    }
    ok.set("semver", Outcome::Skipped("no release yet".into()));
    let mut bad = Row {
        name: "agent-clients-cli".into(),
        version: "0.1.0".into(),
        bytes: None,
        files: None,
        steps: BTreeMap::new(),
    };
    bad.set("package", Outcome::Failed("readme missing".into()));
    let table = render_table(&[ok, bad.clone()]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines,
        [
            "crate              version  .crate bytes  files  package  tests                 docs                  msrv                  semver",
            "-----------------  -------  ------------  -----  -------  --------------------  --------------------  --------------------  -----------------------",
            "common-http        0.1.0          120168     39  ok       ok                    ok                    ok                    skipped: no release yet",
            "agent-clients-cli  0.1.0               -      -  FAILED   skipped: not reached  skipped: not reached  skipped: not reached  skipped: not reached",
        ]
    );
    assert_eq!(
        failures(&[bad]),
        ["agent-clients-cli package: readme missing"]
    );
}

#[test]
fn arguments() {
    let args = |a: &[&str]| parse_args(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert_eq!(args(&[]).unwrap(), Options::default());
    let o = args(&["--quick", "--allow-dirty", "--keep"]).unwrap();
    assert!(o.quick && o.allow_dirty && o.keep);
    assert!(args(&["--fast"]).unwrap_err().contains("unknown argument"));
}

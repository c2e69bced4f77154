//! Golden output for a small spec, and the errors a broken spec must produce.

use std::path::PathBuf;

use super::generate;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/codegen/testdata")
        .join(name)
}

fn mini() -> String {
    std::fs::read_to_string(testdata("mini.yaml")).unwrap_or_else(|e| panic!("mini.yaml: {e}"))
}

/// All generated files of a spec, concatenated with a marker line before each.
fn generate_all(yaml: &str) -> Result<String, String> {
    let files = generate(yaml, "mini", "mini_client")?;
    Ok(files
        .iter()
        .map(|(name, text)| format!("// ===== {name} =====\n{text}"))
        .collect())
}

/// The golden file: `UPDATE_GOLDEN=1 cargo test -p xtask` rewrites it.
#[test]
fn mini_spec_matches_the_golden_output() {
    let actual = generate_all(&mini()).unwrap_or_else(|e| panic!("{e}"));
    let golden = testdata("mini.golden.rs.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", golden.display()));
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(actual.lines().count().min(expected.lines().count()), |i| i);
        panic!(
            "generated code differs from {} at line {} (run with UPDATE_GOLDEN=1 to bless):\n  expected: {:?}\n  actual:   {:?}",
            golden.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}

#[test]
fn output_is_deterministic() {
    assert_eq!(generate_all(&mini()), generate_all(&mini()));
}

/// Replaces the first occurrence of `from` (which must exist) in the mini spec.
fn mini_with(from: &str, to: &str) -> String {
    let yaml = mini();
    assert!(yaml.contains(from), "the mini spec has no `{from}`");
    yaml.replacen(from, to, 1)
}

fn error_of(yaml: &str) -> String {
    match generate(yaml, "mini", "mini_client") {
        Ok(_) => panic!("the spec was accepted"),
        Err(e) => e,
    }
}

#[test]
fn unknown_extensions_fail_naming_their_location() {
    let cases = [
        // A property typo.
        (
            "          x-lenient: bool-or-string",
            "          x-lenent: bool-or-string",
            &["components.schemas.Item.properties.active", "x-lenent"][..],
        ),
        // On a schema.
        (
            "      x-envelope: true",
            "      x-envelope: true\n      x-envelop-data: true",
            &["components.schemas.MiniResponse", "x-envelop-data"],
        ),
        // On a parameter.
        (
            "          x-rust-name: kind",
            "          x-rust-nam: kind",
            &["list_items", "parameters.type", "x-rust-nam"],
        ),
        // On an operation.
        (
            "      x-idempotent: false",
            "      x-idempotent: false\n      x-retry: true",
            &["/items/search", "search_items", "x-retry"],
        ),
        // On a response.
        (
            "          description: One page.",
            "          description: One page.\n          x-event-schem: {}",
            &["list_items", "responses.200", "x-event-schem"],
        ),
        // On the document info.
        (
            "  x-vendor: mini",
            "  x-vendor: mini\n  x-vendr: mini",
            &["info", "x-vendr"],
        ),
        // In a parameter's schema instead of on the parameter.
        (
            "          schema: { type: boolean }",
            "          schema: { type: boolean, x-time: date }",
            &["parameters.archived.schema", "x-time", "parameter object"],
        ),
    ];
    for (from, to, expected) in cases {
        let error = error_of(&mini_with(from, to));
        for needle in expected {
            assert!(error.contains(needle), "`{needle}` not in: {error}");
        }
    }
}

#[test]
fn broken_specs_fail_with_a_reason() {
    let cases = [
        ("openapi: 3.0.3", "openapi: [3", "not a valid OpenAPI"),
        ("paths:\n", "paths: 12\n", "not a valid OpenAPI"),
        (
            "      x-idempotent: false\n",
            "",
            "`x-idempotent` is required",
        ),
        (
            "      x-auth: none",
            "      x-auth: basic",
            "`x-auth: basic` is not one of",
        ),
        (
            "[red, dark blue, not known]",
            "[red, dark blue]",
            "3 enum values but 2 x-enum-descriptions",
        ),
        (
            "x-lenient: string-or-number",
            "x-lenient: number-or-string",
            "is for integer/number",
        ),
        (
            "x-time: iso-offset",
            "x-time: iso",
            "`x-time: iso` is not one of",
        ),
        ("  x-vendor: mini", "  x-vendor: rokid", "belongs to `mini`"),
        (
            "          description: Display name.\n",
            "",
            "Item.properties.name: a `description` is required",
        ),
        (
            "          allOf: [{ $ref: '#/components/schemas/Color' }]",
            "          $ref: '#/components/schemas/Color'",
            "written `allOf",
        ),
        (
            "x-range: [[createdStart, createdEnd]]",
            "x-range: [[createdStart, nowhere]]",
            "x-range",
        ),
        (
            "response: { page: pageNum, size: pageSize, total: total, items: list }",
            "response: { page: pageNum, size: pageSize, total: total, items: lists }",
            "no field `lists`",
        ),
        (
            "    Item:\n",
            "    Item:\n      x-rust-name: ItemPage\n",
            "type name `ItemPage`",
        ),
        (
            "      x-rust-name: watch_items\n",
            "",
            "Rust names have no `get_` prefix",
        ),
        (
            "      x-rust-name: Contact\n",
            "",
            "ends in the Java suffix `Vo`",
        ),
        (
            "      x-stream-output: crate::ItemEvents\n",
            "",
            "`x-streaming` and `x-stream-output`",
        ),
        (
            "      x-rust-name: watch_items",
            "      x-rust-name: WatchItems",
            "must be snake_case",
        ),
        (
            "          x-secret: true\n          schema: { type: string }",
            "          x-secret: yes please\n          schema: { type: string }",
            "`x-secret` must be true or false",
        ),
    ];
    for (from, to, expected) in cases {
        let error = error_of(&mini_with(from, to));
        assert!(error.contains(expected), "`{expected}` not in: {error}");
    }
}

/// A secret property or parameter is kept out of `Debug`: the struct derives everything
/// else and gets a hand-written `Debug` printing the redaction marker.
#[test]
fn secret_fields_get_a_redacting_debug() {
    let all = generate_all(&mini()).unwrap_or_else(|e| panic!("{e}"));
    for (name, field) in [("Item", "token"), ("ListItemsRequest", "sig")] {
        let header = format!("impl std::fmt::Debug for {name} {{");
        let start = all
            .find(&header)
            .unwrap_or_else(|| panic!("no hand-written Debug for {name}"));
        let body = &all[start..start + all[start..].find("\n}\n").unwrap_or(0)];
        assert!(
            body.contains(&format!(
                ".field(\"{field}\", &self.{field}.as_ref().map(|_| \"[redacted]\"))"
            )),
            "{body}"
        );
    }
    assert!(!all.contains("#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct Item {"));
}

#[test]
fn the_vendor_specs_generate() {
    let root = crate::workspace_root();
    for vendor in super::VENDORS {
        let path = root.join(format!("crates/{vendor}-client/openapi.yaml"));
        let yaml =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let files = generate(&yaml, vendor, &format!("{vendor}_client"))
            .unwrap_or_else(|e| panic!("{vendor}: {e}"));
        assert!(files.iter().any(|(n, _)| n == "mod.rs"));
        assert!(
            files
                .iter()
                .all(|(_, text)| text.starts_with(super::HEADER))
        );
    }
}

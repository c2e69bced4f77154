//! Name checks over the whole [`Api`]: type names are unique, and no setter shadows a
//! method the renderers generate on models and builders.

use std::collections::HashMap;

use super::Result;
use crate::codegen::ir::{Api, Field};
use crate::codegen::naming;

pub(crate) const MODEL_METHODS: &[&str] = &["new", "validate", "describe", "default"];
pub(crate) const BUILDER_METHODS: &[&str] = &[
    "new",
    "request",
    "with_options",
    "to_spec",
    "send",
    "look_ahead",
    "by_page",
    "by_item",
];

/// Suffixes of Java DTO names that a public Rust name may not end in.
const JAVA_SUFFIXES: &[&str] = &["Vo", "ReqVo", "RespVo", "Dto"];

/// Public names are Rust names: no type ends in a Java DTO suffix (`ReqVo`, `RespVo`, ...)
/// and no operation (a client method) starts with `get_`. Rename with `x-rust-name`.
fn check_rust_names(api: &Api) -> Result<()> {
    let types = api
        .structs
        .iter()
        .filter(|s| !s.internal)
        .map(|s| &s.name)
        .chain(api.enums.iter().map(|e| &e.name))
        .chain(api.operations.iter().map(|o| &o.name));
    for name in types {
        if let Some(suffix) = JAVA_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
            return Err(format!(
                "the public type `{name}` ends in the Java suffix `{suffix}`: give it a Rust name with `x-rust-name`"
            ));
        }
    }
    for op in &api.operations {
        if op.rust.starts_with("get_") {
            return Err(format!(
                "the operation `{}` would be the method `{}`: Rust names have no `get_` prefix (set `x-rust-name`)",
                op.id, op.rust
            ));
        }
    }
    Ok(())
}

/// Type names must be unique and Rust names; setters may not collide with the generated
/// methods.
pub(super) fn check_names(api: &Api) -> Result<()> {
    check_rust_names(api)?;
    let mut types: HashMap<String, String> = HashMap::new();
    let mut claim = |name: &str, what: String| -> Result<()> {
        if let Some(previous) = types.insert(name.to_owned(), what.clone()) {
            return Err(format!(
                "the type name `{name}` is used by both {previous} and {what}"
            ));
        }
        Ok(())
    };
    for s in &api.structs {
        claim(&s.name, format!("schema `{}`", s.name))?;
    }
    for e in &api.enums {
        claim(&e.name, format!("schema `{}`", e.name))?;
    }
    for op in &api.operations {
        claim(&op.name, format!("the builder of `{}`", op.id))?;
        if op.has_params_type() {
            claim(
                &format!("{}Request", op.name),
                format!("the parameters of `{}`", op.id),
            )?;
        }
    }
    for s in api.structs.iter().filter(|s| s.request_side) {
        for f in &s.fields {
            let bare = naming::bare(&f.rust);
            if MODEL_METHODS.contains(&bare)
                || s.fields
                    .iter()
                    .any(|g| g.json_string && format!("parse_{}", naming::bare(&g.rust)) == bare)
            {
                return Err(format!(
                    "components.schemas.{}.properties.{}: the setter `{bare}` collides with a generated method (set `x-rust-name`)",
                    s.name, f.wire
                ));
            }
        }
    }
    for op in &api.operations {
        let setters: Vec<&Field> = if op.has_params_type() {
            op.params.iter().map(|p| &p.field).collect()
        } else if let Some(body) = &op.body {
            api.find_struct(&body.schema)
                .map(|s| s.fields.iter().collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for f in setters {
            let bare = naming::bare(&f.rust);
            if BUILDER_METHODS.contains(&bare)
                || MODEL_METHODS.contains(&bare)
                || (op.has_params_type() && bare == "body")
            {
                return Err(format!(
                    "{} {} ({}): the field `{}` gives a setter `{bare}` that collides with a generated method (set `x-rust-name`)",
                    op.method, op.path, op.id, f.wire
                ));
            }
        }
    }
    Ok(())
}

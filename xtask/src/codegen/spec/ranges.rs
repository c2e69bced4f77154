//! `x-range`: the `[start, end]` pairs read from an operation, then resolved once every
//! struct exists: parameter pairs stay on the operation, body-field pairs move to the
//! body struct's `validate`.

use serde_json::Value;

use super::Result;
use super::body_path::body_path;
use super::extensions::str_list;
use crate::codegen::ir::{Api, Ty};

/// Reads an operation's `x-range` value as a list of `[start, end]` pairs.
pub(super) fn parse_ranges(value: &Value, loc: &str) -> Result<Vec<(String, String)>> {
    let mut ranges = Vec::new();
    let Value::Array(pairs) = value else {
        return Err(format!(
            "{loc}: `x-range` must be a list of [start, end] pairs"
        ));
    };
    for pair in pairs {
        let list = str_list(pair, "x-range", loc)?;
        let [start, end] = list.as_slice() else {
            return Err(format!(
                "{loc}: each `x-range` entry is a [start, end] pair"
            ));
        };
        ranges.push((start.clone(), end.clone()));
    }
    Ok(ranges)
}

/// Whether a `[start, end]` pair of this type can be compared.
fn orderable(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::I32 | Ty::I64 | Ty::F64 | Ty::DateTime | Ty::Date | Ty::DateOrDateTime
    )
}

/// Resolves each operation's `x-range` pairs: parameter pairs stay on the operation,
/// body paths move to the body struct's `validate`.
pub(super) fn attach_ranges(api: &mut Api) -> Result<()> {
    let mut body_ranges: Vec<(String, (String, String))> = Vec::new();
    for op in &mut api.operations {
        let loc = format!("{} {} ({}).x-range", op.method, op.path, op.id);
        let mut keep = Vec::new();
        for (start, end) in &op.ranges {
            let param = |name: &str| {
                op.params
                    .iter()
                    .find(|p| p.field.wire == name)
                    .map(|p| &p.field)
            };
            let body = |name: &str| {
                op.body
                    .as_ref()
                    .and_then(|b| body_path(&api.structs, &b.schema, name))
                    .and_then(|f| f.last().copied())
            };
            let (a, b, in_body) = match (param(start), param(end)) {
                (Some(a), Some(b)) => (a, b, false),
                (None, None) => match (body(start), body(end)) {
                    (Some(a), Some(b)) => (a, b, true),
                    _ => {
                        return Err(format!(
                            "{loc}: [{start}, {end}] do not both name parameters or body fields"
                        ));
                    }
                },
                _ => {
                    return Err(format!(
                        "{loc}: [{start}, {end}] mixes a parameter and a body field"
                    ));
                }
            };
            if a.ty != b.ty || !orderable(&a.ty) {
                return Err(format!(
                    "{loc}: [{start}, {end}] must be two times or two numbers of the same type"
                ));
            }
            if in_body {
                let schema = op
                    .body
                    .as_ref()
                    .map(|b| b.schema.clone())
                    .unwrap_or_default();
                body_ranges.push((schema, (start.clone(), end.clone())));
            } else {
                keep.push((start.clone(), end.clone()));
            }
        }
        op.ranges = keep;
    }
    for (schema, pair) in body_ranges {
        if let Some(s) = api.structs.iter_mut().find(|s| s.name == schema)
            && !s.ranges.contains(&pair)
        {
            s.ranges.push(pair);
        }
    }
    Ok(())
}

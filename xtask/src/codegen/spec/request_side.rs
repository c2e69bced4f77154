//! Marks the structs reachable from a request body, which get setters and `validate`.

use crate::codegen::ir::{Api, Ty};

/// Marks every struct reachable from a request body.
pub(super) fn mark_request_side(api: &mut Api) {
    let mut stack: Vec<String> = api
        .operations
        .iter()
        .filter_map(|op| op.body.as_ref().map(|b| b.schema.clone()))
        .collect();
    while let Some(name) = stack.pop() {
        let Some(s) = api.structs.iter_mut().find(|s| s.name == name) else {
            continue;
        };
        if s.request_side {
            continue;
        }
        s.request_side = true;
        for f in &s.fields {
            let mut ty = &f.ty;
            while let Ty::Vec(inner) = ty {
                ty = inner;
            }
            if let Ty::Struct(n) = ty {
                stack.push(n.clone());
            }
        }
    }
}

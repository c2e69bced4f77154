//! Dotted paths into a request body (`params.strTime`), as `x-pagination` and `x-range`
//! name nested body fields; also used by the model and request renderers.

use crate::codegen::ir::{Field, Struct, Ty};

/// The fields along a dotted path (`params.strTime`) from the struct `root`.
pub(crate) fn body_path<'s>(
    structs: &'s [Struct],
    root: &str,
    path: &str,
) -> Option<Vec<&'s Field>> {
    let mut current = structs.iter().find(|s| s.name == root)?;
    let mut out = Vec::new();
    let segments: Vec<&str> = path.split('.').collect();
    for (i, segment) in segments.iter().enumerate() {
        let field = current.fields.iter().find(|f| f.wire == *segment)?;
        out.push(field);
        if i + 1 < segments.len() {
            let Ty::Struct(next) = &field.ty else {
                return None;
            };
            current = structs.iter().find(|s| &s.name == next)?;
        }
    }
    Some(out)
}

//! A uniform view of an `openapiv3::Schema`: openapiv3 splits one YAML schema into
//! several `SchemaKind`s, and the builder wants the same handful of facts (type, format,
//! enum values, properties, items, `allOf`, validation bounds) whichever it chose.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaData, SchemaKind, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::Result;
use crate::codegen::ir::Num;

/// A schema seen through one lens, whatever `SchemaKind` openapiv3 chose for it.
#[derive(Default)]
pub(super) struct View<'a> {
    pub(super) typ: Option<String>,
    pub(super) format: Option<String>,
    pub(super) enumeration: Vec<Value>,
    pub(super) properties: Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>>,
    pub(super) required: Vec<String>,
    pub(super) additional: Option<&'a AdditionalProperties>,
    pub(super) items: Option<&'a ReferenceOr<Box<Schema>>>,
    pub(super) all_of: Option<&'a [ReferenceOr<Schema>]>,
    pub(super) min_length: Option<usize>,
    pub(super) minimum: Option<Num>,
    pub(super) maximum: Option<Num>,
}

/// A `format` as written in the spec, known or not.
pub(super) fn format_of<T: serde::Serialize>(
    format: &VariantOrUnknownOrEmpty<T>,
) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => serde_json::to_value(item)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned)),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// Reads `schema` into a [`View`]; `oneOf`/`anyOf`/`not`, and `allOf` beside a type,
/// are rejected.
pub(super) fn view<'a>(schema: &'a Schema, loc: &str) -> Result<View<'a>> {
    let mut v = View::default();
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            v.typ = Some("string".into());
            v.format = format_of(&s.format);
            v.enumeration = s
                .enumeration
                .iter()
                .map(|x| x.clone().map_or(Value::Null, Value::String))
                .collect();
            v.min_length = s.min_length;
        }
        SchemaKind::Type(Type::Number(n)) => {
            v.typ = Some("number".into());
            v.format = format_of(&n.format);
            v.enumeration = n
                .enumeration
                .iter()
                .map(|x| {
                    x.and_then(serde_json::Number::from_f64)
                        .map_or(Value::Null, Value::Number)
                })
                .collect();
            v.minimum = n.minimum.map(Num::Float);
            v.maximum = n.maximum.map(Num::Float);
        }
        SchemaKind::Type(Type::Integer(i)) => {
            v.typ = Some("integer".into());
            v.format = format_of(&i.format);
            v.enumeration = i
                .enumeration
                .iter()
                .map(|x| x.map_or(Value::Null, |n| Value::Number(n.into())))
                .collect();
            v.minimum = i.minimum.map(Num::Int);
            v.maximum = i.maximum.map(Num::Int);
        }
        SchemaKind::Type(Type::Boolean(_)) => v.typ = Some("boolean".into()),
        SchemaKind::Type(Type::Object(o)) => {
            v.typ = Some("object".into());
            v.properties = (!o.properties.is_empty()).then_some(&o.properties);
            v.required = o.required.clone();
            v.additional = o.additional_properties.as_ref();
        }
        SchemaKind::Type(Type::Array(a)) => {
            v.typ = Some("array".into());
            v.items = a.items.as_ref();
        }
        SchemaKind::AllOf { all_of } => v.all_of = Some(all_of),
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::Not { .. } => {
            return Err(format!("{loc}: oneOf/anyOf/not are not supported"));
        }
        SchemaKind::Any(a) => {
            if !a.one_of.is_empty() || !a.any_of.is_empty() || a.not.is_some() {
                return Err(format!("{loc}: oneOf/anyOf/not are not supported"));
            }
            v.typ = a.typ.clone();
            v.format = a.format.clone();
            v.enumeration = a.enumeration.clone();
            if !a.properties.is_empty() {
                v.properties = Some(&a.properties);
            }
            v.required = a.required.clone();
            v.additional = a.additional_properties.as_ref();
            v.items = a.items.as_ref();
            if !a.all_of.is_empty() {
                v.all_of = Some(&a.all_of);
            }
            v.min_length = a.min_length;
            let integer = a.typ.as_deref() == Some("integer");
            let num = |x: f64| {
                if integer && x.fract() == 0.0 {
                    Num::Int(x as i64)
                } else {
                    Num::Float(x)
                }
            };
            v.minimum = a.minimum.map(num);
            v.maximum = a.maximum.map(num);
            if v.all_of.is_some()
                && (v.typ.is_some() || v.properties.is_some() || v.items.is_some())
            {
                return Err(format!(
                    "{loc}: `allOf` beside `type`/`properties`/`items` is not supported"
                ));
            }
        }
    }
    Ok(v)
}

/// The schema's `description`, required because it becomes the doc comment.
pub(super) fn description(data: &SchemaData, loc: &str) -> Result<String> {
    match data.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => Ok(d.to_owned()),
        _ => Err(format!(
            "{loc}: a `description` is required (it becomes the doc comment)"
        )),
    }
}

//! The Rust type ([`Ty`]) of an inline schema: primitives and `x-time` formats, arrays,
//! maps, `allOf: [$ref]` wrappers, and inline objects (which become their own struct,
//! named after their parent and field).

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use super::extensions::{NONE, check_extensions};
use super::schema_view::{View, view};
use super::{Builder, Result};
use crate::codegen::ir::Ty;

impl Builder<'_> {
    /// The Rust type of a (non-envelope-slot) schema.
    pub(super) fn schema_ty(
        &mut self,
        v: &View<'_>,
        time: Option<&str>,
        inline_name: Option<&str>,
        loc: &str,
    ) -> Result<Ty> {
        if time.is_some() && v.typ.as_deref() != Some("string") {
            return Err(format!("{loc}: `x-time` is for string values"));
        }
        if let Some(all_of) = v.all_of {
            let [ReferenceOr::Reference { reference }] = all_of else {
                return Err(format!("{loc}: `allOf` must hold exactly one `$ref`"));
            };
            return self.ref_ty(reference, loc);
        }
        if !v.enumeration.is_empty() {
            return Err(format!(
                "{loc}: an inline `enum`; declare it as a component schema and refer to it"
            ));
        }
        match v.typ.as_deref() {
            Some("string") => Ok(match time {
                None => Ty::String,
                Some("iso-offset" | "local-datetime") => Ty::Timestamp,
                Some("datetime") => Ty::DateTime,
                Some("date") => Ty::Date,
                Some("date-or-datetime") => Ty::DateOrDateTime,
                Some(other) => {
                    return Err(format!(
                        "{loc}: `x-time: {other}` is not one of iso-offset, local-datetime, datetime, date, date-or-datetime"
                    ));
                }
            }),
            Some("integer") => match v.format.as_deref() {
                Some("int32") => Ok(Ty::I32),
                Some("int64") | None => Ok(Ty::I64),
                Some(other) => Err(format!("{loc}: integer format `{other}` is not supported")),
            },
            Some("number") => Ok(Ty::F64),
            Some("boolean") => Ok(Ty::Bool),
            Some("array") => {
                let items = v
                    .items
                    .ok_or_else(|| format!("{loc}: an array needs `items`"))?;
                let iloc = format!("{loc}.items");
                let item = match items {
                    ReferenceOr::Reference { reference } => self.ref_ty(reference, &iloc)?,
                    ReferenceOr::Item(schema) => {
                        check_extensions(&schema.schema_data.extensions, NONE, &iloc)?;
                        let iv = view(schema, &iloc)?;
                        let name = inline_name.map(|n| format!("{n}Item"));
                        self.schema_ty(&iv, None, name.as_deref(), &iloc)?
                    }
                };
                Ok(Ty::Vec(Box::new(item)))
            }
            Some("object") | None if v.properties.is_some() => {
                let Some(name) = inline_name else {
                    return Err(format!(
                        "{loc}: an inline object with properties is not supported here"
                    ));
                };
                // The inline object is its own struct, named after its parent and field.
                let schema = Schema {
                    schema_data: SchemaData {
                        description: Some(format!(
                            "See the `{}` field.",
                            loc.rsplit('.').next().unwrap_or(name)
                        )),
                        ..SchemaData::default()
                    },
                    schema_kind: SchemaKind::Type(Type::Object(openapiv3::ObjectType {
                        properties: v.properties.cloned().unwrap_or_default(),
                        required: v.required.clone(),
                        ..openapiv3::ObjectType::default()
                    })),
                };
                if self.structs.iter().any(|s| s.name == name)
                    || self.names.values().any(|n| n == name)
                {
                    return Err(format!(
                        "{loc}: the inline object's struct name `{name}` is taken"
                    ));
                }
                self.object(name, &schema, loc, false)?;
                Ok(Ty::Struct(name.to_owned()))
            }
            Some("object") => match v.additional {
                None | Some(AdditionalProperties::Any(true)) => Ok(Ty::Map),
                Some(AdditionalProperties::Schema(s)) => match s.as_ref() {
                    ReferenceOr::Item(s) if matches!(s.schema_kind, SchemaKind::Any(_)) => {
                        Ok(Ty::Map)
                    }
                    _ => Err(format!(
                        "{loc}: typed `additionalProperties` are not supported"
                    )),
                },
                Some(AdditionalProperties::Any(false)) => Err(format!(
                    "{loc}: an object without properties must allow additionalProperties"
                )),
            },
            None if v.items.is_none() => Ok(Ty::Json),
            other => Err(format!("{loc}: unsupported schema type {other:?}")),
        }
    }
}

//! Enum component schemas into [`Enum`]s: values, variant names (`x-enum-varnames` or
//! derived from string values) and per-variant docs (`x-enum-descriptions`).

use std::collections::BTreeSet;

use openapiv3::Schema;
use serde_json::Value;

use super::extensions::ext_str_list;
use super::schema_view::{description, view};
use super::{Builder, Result};
use crate::codegen::ir::{Enum, EnumKind, EnumValue, Variant};
use crate::codegen::naming;

impl Builder<'_> {
    /// The enum component schema `name` into an [`Enum`].
    pub(super) fn enumeration(&self, name: &str, schema: &Schema, loc: &str) -> Result<Enum> {
        let v = view(schema, loc)?;
        let ext = &schema.schema_data.extensions;
        let kind = match v.typ.as_deref() {
            Some("integer") => EnumKind::Int,
            Some("string") => EnumKind::Str,
            other => {
                return Err(format!(
                    "{loc}: enums must be `type: integer` or `type: string` (got {other:?})"
                ));
            }
        };
        let values: Vec<EnumValue> = v
            .enumeration
            .iter()
            .map(|value| match (kind, value) {
                (EnumKind::Int, Value::Number(n)) if n.as_i64().is_some() => {
                    Ok(EnumValue::Int(n.as_i64().unwrap_or_default()))
                }
                (EnumKind::Str, Value::String(s)) => Ok(EnumValue::Str(s.clone())),
                (_, other) => Err(format!("{loc}: enum value {other} does not match the type")),
            })
            .collect::<Result<_>>()?;
        let descriptions = ext_str_list(ext, "x-enum-descriptions", loc)?
            .ok_or_else(|| format!("{loc}: `x-enum-descriptions` is required on enums"))?;
        if descriptions.len() != values.len() {
            return Err(format!(
                "{loc}: {} enum values but {} x-enum-descriptions",
                values.len(),
                descriptions.len()
            ));
        }
        let explicit = ext_str_list(ext, "x-enum-varnames", loc)?;
        if let Some(names) = &explicit
            && names.len() != values.len()
        {
            return Err(format!(
                "{loc}: {} enum values but {} x-enum-varnames",
                values.len(),
                names.len()
            ));
        }
        let mut variants = Vec::new();
        let mut seen_names = BTreeSet::new();
        let mut seen_values = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            if seen_values.contains(&value) {
                return Err(format!("{loc}: enum value {value:?} is listed twice"));
            }
            seen_values.push(value.clone());
            let variant = match (&explicit, &value) {
                (Some(names), _) => {
                    let n = names[i].clone();
                    if n == "Unknown" {
                        return Err(format!(
                            "{loc}: x-enum-varnames may not use `Unknown` (the fallback variant)"
                        ));
                    }
                    n
                }
                (None, EnumValue::Str(s)) => {
                    let n = naming::pascal_case(s);
                    // `UNKNOWN` is a documented value in some tables; the fallback owns `Unknown`.
                    if n == "Unknown" {
                        "UnknownValue".to_owned()
                    } else {
                        n
                    }
                }
                (None, EnumValue::Int(_)) => {
                    return Err(format!("{loc}: integer enums need `x-enum-varnames`"));
                }
            };
            if !naming::is_identifier(&variant) || naming::ident(&variant) != variant {
                return Err(format!(
                    "{loc}: the variant name `{variant}` (for {value:?}) is not an identifier; set `x-enum-varnames`"
                ));
            }
            if !seen_names.insert(variant.clone()) {
                return Err(format!(
                    "{loc}: two values give the variant name `{variant}`"
                ));
            }
            let doc = descriptions[i].trim().to_owned();
            if doc.is_empty() {
                return Err(format!("{loc}: x-enum-descriptions[{i}] is empty"));
            }
            variants.push(Variant {
                name: variant,
                value,
                doc,
            });
        }
        Ok(Enum {
            name: self.names[name].clone(),
            doc: description(&schema.schema_data, loc)?,
            kind,
            variants,
        })
    }
}

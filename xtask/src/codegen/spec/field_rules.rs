//! The rules shared by body fields and parameters once their type is known: which
//! extensions combine with which types, and what a schema `default` means (a fixed
//! one-value enum on a required field, a documented default on an optional one).

use serde_json::Value;

use super::{Builder, Result};
use crate::codegen::ir::{EnumValue, Field, Lenient, Ty};

impl Builder<'_> {
    /// Checks the combinations of extensions and fills `fixed` / `default_doc`.
    pub(super) fn check_field(
        &self,
        field: &mut Field,
        default: Option<&Value>,
        loc: &str,
    ) -> Result<()> {
        match field.lenient {
            Some(Lenient::NumberOrString) if !matches!(field.ty, Ty::I32 | Ty::I64 | Ty::F64) => {
                return Err(format!(
                    "{loc}: `x-lenient: number-or-string` is for integer/number properties"
                ));
            }
            Some(Lenient::StringOrNumber) if field.ty != Ty::String => {
                return Err(format!(
                    "{loc}: `x-lenient: string-or-number` is for string properties"
                ));
            }
            Some(Lenient::BoolOrString) if field.ty != Ty::Bool => {
                return Err(format!(
                    "{loc}: `x-lenient: bool-or-string` is for boolean properties"
                ));
            }
            Some(Lenient::EmptyAsNone) if field.required => {
                return Err(format!(
                    "{loc}: `x-lenient: empty-as-none` is for optional properties"
                ));
            }
            _ => {}
        }
        if field.lenient.is_some() && field.comma {
            return Err(format!(
                "{loc}: `x-lenient` and `x-list-format` do not combine"
            ));
        }
        if field.json_string
            && (field.ty != Ty::String || field.lenient == Some(Lenient::StringOrNumber))
        {
            return Err(format!(
                "{loc}: `x-json-string` is for plain string properties"
            ));
        }
        if field.comma {
            match &field.ty {
                Ty::Vec(item) if matches!(**item, Ty::String | Ty::I32 | Ty::I64 | Ty::Enum(_)) => {
                }
                _ => {
                    return Err(format!(
                        "{loc}: `x-list-format: comma` is for arrays of strings, integers or enums"
                    ));
                }
            }
        }
        if let Some(default) = default {
            if field.required {
                let fixed = match &field.ty {
                    Ty::Enum(name) => self.enums.iter().find(|e| &e.name == name).and_then(|e| {
                        (e.variants.len() == 1 && enum_value_matches(&e.variants[0].value, default))
                            .then(|| e.variants[0].name.clone())
                    }),
                    _ => None,
                };
                match fixed {
                    Some(variant) => field.fixed = Some(variant),
                    None => {
                        return Err(format!(
                            "{loc}: a `default` on a required property is only for a one-value enum holding that value"
                        ));
                    }
                }
            } else {
                field.default_doc = Some(match default {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn enum_value_matches(value: &EnumValue, default: &Value) -> bool {
    match (value, default) {
        (EnumValue::Int(i), Value::Number(n)) => n.as_i64() == Some(*i),
        (EnumValue::Str(s), Value::String(d)) => s == d,
        _ => false,
    }
}

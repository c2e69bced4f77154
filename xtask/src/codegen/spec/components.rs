//! `components.schemas`: what each component schema is (struct, envelope, enum or
//! primitive alias) and its Rust name, decided before any field is built, and how a
//! `$ref` to a component resolves to a Rust type.

use openapiv3::Schema;

use super::extensions::{SCHEMA_EXT, check_extensions, ext_bool, ext_str};
use super::schema_view::view;
use super::{Builder, Result};
use crate::codegen::ir::Ty;
use crate::codegen::naming;

/// What a component schema is, known before any field is built.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    Struct,
    Envelope,
    Enum,
    /// A named primitive (no enum, no properties): inlined where referenced.
    Alias,
}

impl Builder<'_> {
    /// Pass 1: classifies every component schema into `self.kinds` and records its Rust
    /// name in `self.names`. Returns the Rust name of the `x-envelope` schema, if any.
    pub(super) fn classify_components(
        &mut self,
        schemas: &[(String, &Schema)],
    ) -> Result<Option<String>> {
        for (name, schema) in schemas {
            let loc = format!("components.schemas.{name}");
            check_extensions(&schema.schema_data.extensions, SCHEMA_EXT, &loc)?;
            let v = view(schema, &loc)?;
            let envelope =
                ext_bool(&schema.schema_data.extensions, "x-envelope", &loc)?.unwrap_or(false);
            let kind = if !v.enumeration.is_empty() {
                Kind::Enum
            } else if v.typ.as_deref() == Some("object") || v.properties.is_some() {
                if envelope {
                    Kind::Envelope
                } else {
                    Kind::Struct
                }
            } else {
                Kind::Alias
            };
            if envelope && !matches!(kind, Kind::Envelope) {
                return Err(format!("{loc}: `x-envelope` is only for object schemas"));
            }
            let rust = match ext_str(&schema.schema_data.extensions, "x-rust-name", &loc)? {
                Some(n) => n.to_owned(),
                None => name.clone(),
            };
            if !naming::is_identifier(&rust) || naming::ident(&rust) != rust {
                return Err(format!("{loc}: `{rust}` is not a usable Rust type name"));
            }
            if matches!(kind, Kind::Enum | Kind::Alias) {
                for key in ["x-envelope"] {
                    if schema.schema_data.extensions.contains_key(key) {
                        return Err(format!("{loc}: `{key}` is only for object schemas"));
                    }
                }
            }
            if !matches!(kind, Kind::Enum) {
                for key in ["x-enum-varnames", "x-enum-descriptions"] {
                    if schema.schema_data.extensions.contains_key(key) {
                        return Err(format!("{loc}: `{key}` is only for enum schemas"));
                    }
                }
            }
            self.kinds.insert(name.clone(), kind);
            self.names.insert(name.clone(), rust);
        }
        let envelopes: Vec<&String> = self
            .kinds
            .iter()
            .filter(|(_, k)| matches!(k, Kind::Envelope))
            .map(|(n, _)| n)
            .collect();
        if envelopes.len() > 1 {
            let mut names: Vec<_> = envelopes.iter().map(|s| s.as_str()).collect();
            names.sort_unstable();
            return Err(format!(
                "components.schemas: more than one `x-envelope` schema ({})",
                names.join(", ")
            ));
        }
        let envelope = envelopes.first().map(|n| self.names[*n].clone());
        Ok(envelope)
    }

    /// The Rust type a `$ref: '#/components/schemas/<name>'` stands for (aliases inline
    /// to their primitive).
    pub(super) fn ref_ty(&self, reference: &str, loc: &str) -> Result<Ty> {
        let name = ref_name(reference, "schemas", loc)?;
        let kind = self
            .kinds
            .get(name)
            .ok_or_else(|| format!("{loc}: `$ref: {reference}` names no schema"))?;
        match kind {
            Kind::Struct => Ok(Ty::Struct(self.names[name].clone())),
            Kind::Enum => Ok(Ty::Enum(self.names[name].clone())),
            Kind::Envelope => Err(format!(
                "{loc}: the envelope cannot be used as a field type"
            )),
            Kind::Alias => {
                let schema = self.schemas[name];
                check_extensions(&schema.schema_data.extensions, &["x-rust-name"], loc)?;
                let v = view(schema, loc)?;
                if v.all_of.is_some() || v.items.is_some() {
                    return Err(format!(
                        "{loc}: `{name}` is neither an object, an enum nor a primitive"
                    ));
                }
                match v.typ.as_deref() {
                    Some("string") => Ok(Ty::String),
                    Some("integer") if v.format.as_deref() == Some("int32") => Ok(Ty::I32),
                    Some("integer") => Ok(Ty::I64),
                    Some("number") => Ok(Ty::F64),
                    Some("boolean") => Ok(Ty::Bool),
                    _ => Ok(Ty::Json),
                }
            }
        }
    }
}

/// The component name in `#/components/<kind>/<name>`.
pub(super) fn ref_name<'a>(reference: &'a str, kind: &str, loc: &str) -> Result<&'a str> {
    let prefix = format!("#/components/{kind}/");
    reference
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("{loc}: `$ref: {reference}` must point into {prefix}"))
}

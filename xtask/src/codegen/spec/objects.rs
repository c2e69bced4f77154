//! Object schemas into [`Struct`]s and their properties into [`Field`]s, with the
//! property-level extensions (`x-aliases`, `x-lenient`, `x-time`, `x-json-string`,
//! `x-rust-name`, `x-envelope-data`, `x-list-format`, `x-secret`) read here.

use indexmap::IndexMap;
use openapiv3::{ReferenceOr, Schema};

use super::extensions::{
    PROPERTY_EXT, check_extensions, ext_bool, ext_one_of, ext_str, ext_str_list,
};
use super::schema_view::{description, view};
use super::{Builder, Result};
use crate::codegen::ir::{Field, Lenient, Struct, Ty};
use crate::codegen::naming;

impl Builder<'_> {
    /// Builds the struct `rust` (and any inline object structs) from an object schema.
    pub(super) fn object(
        &mut self,
        rust: &str,
        schema: &Schema,
        loc: &str,
        envelope: bool,
    ) -> Result<()> {
        let v = view(schema, loc)?;
        let doc = description(&schema.schema_data, loc)?;
        let internal =
            ext_bool(&schema.schema_data.extensions, "x-internal", loc)?.unwrap_or(false);
        let index = self.structs.len();
        // The vendor's name: the schema key of a component, our name of an inline object.
        let vendor_name = loc
            .strip_prefix("components.schemas.")
            .filter(|key| !key.contains('.'))
            .unwrap_or(rust)
            .to_owned();
        self.structs.push(Struct {
            name: rust.to_owned(),
            vendor_name,
            doc,
            internal,
            fields: Vec::new(),
            envelope,
            request_side: false,
            ranges: Vec::new(),
        });
        let empty = IndexMap::new();
        let properties = v.properties.unwrap_or(&empty);
        for req in &v.required {
            if !properties.contains_key(req) {
                return Err(format!(
                    "{loc}: `required` names `{req}`, which is not a property"
                ));
            }
        }
        let mut fields = Vec::new();
        let mut data_slots = 0;
        for (wire, prop) in properties {
            let ploc = format!("{loc}.properties.{wire}");
            let required = v.required.contains(wire);
            let field = self.property(rust, wire, prop, required, &ploc, envelope)?;
            if field.envelope_data {
                data_slots += 1;
            }
            if fields.iter().any(|f: &Field| f.rust == field.rust) {
                return Err(format!(
                    "{ploc}: the Rust field name `{}` is used twice in `{rust}` (set `x-rust-name`)",
                    field.rust
                ));
            }
            fields.push(field);
        }
        if envelope && data_slots != 1 {
            return Err(format!(
                "{loc}: an `x-envelope` schema needs exactly one `x-envelope-data` property"
            ));
        }
        self.structs[index].fields = fields;
        Ok(())
    }

    /// One property of the struct `parent` into a [`Field`] (an inline object property
    /// becomes the struct `<parent><Wire>`).
    fn property(
        &mut self,
        parent: &str,
        wire: &str,
        prop: &ReferenceOr<Box<Schema>>,
        required: bool,
        loc: &str,
        in_envelope: bool,
    ) -> Result<Field> {
        let schema = match prop {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                return Err(format!(
                    "{loc}: a property referring to a schema is written `allOf: [{{ $ref: '{reference}' }}]` with a `description` beside it (spec-conventions, proposed addition 1)"
                ));
            }
        };
        let ext = &schema.schema_data.extensions;
        check_extensions(ext, PROPERTY_EXT, loc)?;
        let doc = description(&schema.schema_data, loc)?;
        let aliases = ext_str_list(ext, "x-aliases", loc)?.unwrap_or_default();
        let lenient = match ext_one_of(
            ext,
            "x-lenient",
            &[
                "number-or-string",
                "string-or-number",
                "bool-or-string",
                "empty-as-none",
            ],
            loc,
        )? {
            Some("number-or-string") => Some(Lenient::NumberOrString),
            Some("string-or-number") => Some(Lenient::StringOrNumber),
            Some("bool-or-string") => Some(Lenient::BoolOrString),
            Some(_) => Some(Lenient::EmptyAsNone),
            None => None,
        };
        let time = ext_str(ext, "x-time", loc)?;
        let json_string = ext_bool(ext, "x-json-string", loc)?.unwrap_or(false);
        let rust_name = ext_str(ext, "x-rust-name", loc)?;
        let envelope_data = ext_bool(ext, "x-envelope-data", loc)?.unwrap_or(false);
        let secret = ext_bool(ext, "x-secret", loc)?.unwrap_or(false);
        let strict = ext_bool(ext, "x-strict", loc)?.unwrap_or(false);
        if envelope_data && !in_envelope {
            return Err(format!(
                "{loc}: `x-envelope-data` is only for a property of the `x-envelope` schema"
            ));
        }
        let comma = ext_one_of(ext, "x-list-format", &["comma"], loc)?.is_some();
        let v = view(schema, loc)?;
        let ty = if envelope_data {
            if v.typ.is_some() || v.all_of.is_some() || v.properties.is_some() {
                return Err(format!(
                    "{loc}: the `x-envelope-data` slot's schema is `{{}}`"
                ));
            }
            Ty::Generic
        } else {
            let inline_name = format!("{parent}{}", naming::pascal_case(wire));
            self.schema_ty(&v, time, Some(&inline_name), loc)?
        };
        let rust = naming::field_name(wire, rust_name).map_err(|e| format!("{loc}: {e}"))?;
        let mut field = Field {
            wire: wire.to_owned(),
            rust,
            doc,
            ty,
            required,
            aliases,
            lenient,
            json_string,
            comma,
            min_length: v.min_length,
            minimum: v.minimum,
            maximum: v.maximum,
            fixed: None,
            default_doc: None,
            envelope_data,
            secret,
            strict,
        };
        self.check_field(&mut field, schema.schema_data.default.as_ref(), loc)?;
        Ok(field)
    }
}

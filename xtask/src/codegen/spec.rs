//! Loads an `openapi.yaml` with a real OpenAPI parser, resolves `$ref`s, checks every
//! `x-` extension against docs/spec-conventions.md and builds the [`ir::Api`].

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation as OaOperation, Parameter, ReferenceOr, Schema,
    SchemaData, SchemaKind, StatusCode, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::ir::{
    Api, Body, Enum, EnumKind, EnumValue, Field, Lenient, Num, Operation, PageIn, Pagination,
    Param, ParamIn, Response, Struct, Ty, Variant,
};
use super::naming;

type Result<T, E = String> = std::result::Result<T, E>;

/// Extensions allowed where the generator reads them.
const INFO_EXT: &[&str] = &["x-vendor"];
const SCHEMA_EXT: &[&str] = &[
    "x-rust-name",
    "x-envelope",
    "x-enum-varnames",
    "x-enum-descriptions",
];
const PROPERTY_EXT: &[&str] = &[
    "x-aliases",
    "x-lenient",
    "x-time",
    "x-json-string",
    "x-rust-name",
    "x-envelope-data",
    "x-list-format",
    "x-secret",
];
const PARAMETER_EXT: &[&str] = &["x-time", "x-list-format", "x-rust-name", "x-secret"];
const OPERATION_EXT: &[&str] = &[
    "x-idempotent",
    "x-auth",
    "x-base",
    "x-streaming",
    "x-pagination",
    "x-range",
];
const RESPONSE_EXT: &[&str] = &["x-event-schema"];
const NONE: &[&str] = &[];

const AUTH_KINDS: &[&str] = &["bearer", "sobot-token", "itnio-sign", "none"];

/// The header parameters an authentication scheme sets itself (lower case).
fn auth_headers(auth: &str) -> &'static [&'static str] {
    match auth {
        "bearer" => &["authorization"],
        "sobot-token" => &["token"],
        "itnio-sign" => &["api-key", "sign", "timestamp"],
        _ => &[],
    }
}

/// Parses `yaml` and builds the IR. `vendor` is the expected `info.x-vendor`;
/// `crate_name` names the crate in doc examples.
pub(crate) fn load(yaml: &str, vendor: &str, crate_name: &str) -> Result<Api> {
    let doc: OpenAPI = serde_yaml_ng::from_str(yaml)
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    if !doc.openapi.starts_with("3.0") {
        return Err(format!("`openapi: {}` is not 3.0.x", doc.openapi));
    }
    Builder::new(&doc, vendor, crate_name)?.build()
}

/// A schema seen through one lens, whatever `SchemaKind` openapiv3 chose for it.
#[derive(Default)]
struct View<'a> {
    typ: Option<String>,
    format: Option<String>,
    enumeration: Vec<Value>,
    properties: Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>>,
    required: Vec<String>,
    additional: Option<&'a AdditionalProperties>,
    items: Option<&'a ReferenceOr<Box<Schema>>>,
    all_of: Option<&'a [ReferenceOr<Schema>]>,
    min_length: Option<usize>,
    minimum: Option<Num>,
    maximum: Option<Num>,
}

fn format_of<T: serde::Serialize>(format: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => serde_json::to_value(item)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned)),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn view<'a>(schema: &'a Schema, loc: &str) -> Result<View<'a>> {
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

/// Rejects every `x-` key not in `allowed`, naming the location.
fn check_extensions(map: &IndexMap<String, Value>, allowed: &[&str], loc: &str) -> Result<()> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let hint = if allowed.is_empty() {
                "no extension is allowed here".to_owned()
            } else {
                format!("allowed here: {}", allowed.join(", "))
            };
            return Err(format!(
                "{loc}: unknown extension `{key}` ({hint}; see docs/spec-conventions.md)"
            ));
        }
    }
    Ok(())
}

fn ext_bool(map: &IndexMap<String, Value>, key: &str, loc: &str) -> Result<Option<bool>> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(format!("{loc}: `{key}` must be true or false, got {other}")),
    }
}

fn ext_str<'a>(map: &'a IndexMap<String, Value>, key: &str, loc: &str) -> Result<Option<&'a str>> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{loc}: `{key}` must be a string, got {other}")),
    }
}

fn ext_one_of<'a>(
    map: &'a IndexMap<String, Value>,
    key: &str,
    allowed: &[&str],
    loc: &str,
) -> Result<Option<&'a str>> {
    let value = ext_str(map, key, loc)?;
    if let Some(v) = value
        && !allowed.contains(&v)
    {
        return Err(format!(
            "{loc}: `{key}: {v}` is not one of {}",
            allowed.join(", ")
        ));
    }
    Ok(value)
}

fn str_list(value: &Value, what: &str, loc: &str) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(format!(
            "{loc}: `{what}` must be a list of strings, got {value}"
        ));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!(
                "{loc}: `{what}` must be a list of strings, got {other}"
            )),
        })
        .collect()
}

fn ext_str_list(
    map: &IndexMap<String, Value>,
    key: &str,
    loc: &str,
) -> Result<Option<Vec<String>>> {
    map.get(key).map(|v| str_list(v, key, loc)).transpose()
}

fn description(data: &SchemaData, loc: &str) -> Result<String> {
    match data.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => Ok(d.to_owned()),
        _ => Err(format!(
            "{loc}: a `description` is required (it becomes the doc comment)"
        )),
    }
}

fn ref_name<'a>(reference: &'a str, kind: &str, loc: &str) -> Result<&'a str> {
    let prefix = format!("#/components/{kind}/");
    reference
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("{loc}: `$ref: {reference}` must point into {prefix}"))
}

/// What a component schema is, known before any field is built.
#[derive(Debug, Clone)]
enum Kind {
    Struct,
    Envelope,
    Enum,
    /// A named primitive (no enum, no properties): inlined where referenced.
    Alias,
}

struct Builder<'a> {
    doc: &'a OpenAPI,
    crate_name: String,
    schemas: IndexMap<String, &'a Schema>,
    kinds: HashMap<String, Kind>,
    /// Component name -> Rust type name (`x-rust-name`).
    names: HashMap<String, String>,
    structs: Vec<Struct>,
    enums: Vec<Enum>,
}

impl<'a> Builder<'a> {
    fn new(doc: &'a OpenAPI, vendor: &str, crate_name: &str) -> Result<Self> {
        check_extensions(&doc.extensions, NONE, "document")?;
        check_extensions(&doc.info.extensions, INFO_EXT, "info")?;
        let found = ext_str(&doc.info.extensions, "x-vendor", "info")?
            .ok_or("info: `x-vendor` is required")?;
        if found != vendor {
            return Err(format!(
                "info: `x-vendor: {found}` but this spec belongs to `{vendor}`"
            ));
        }
        let mut schemas = IndexMap::new();
        if let Some(components) = &doc.components {
            check_extensions(&components.extensions, NONE, "components")?;
            for (name, schema) in &components.schemas {
                let loc = format!("components.schemas.{name}");
                match schema {
                    ReferenceOr::Item(schema) => {
                        schemas.insert(name.clone(), schema);
                    }
                    ReferenceOr::Reference { .. } => {
                        return Err(format!("{loc}: a component schema may not be a bare $ref"));
                    }
                }
            }
        }
        Ok(Self {
            doc,

            crate_name: crate_name.to_owned(),
            schemas,
            kinds: HashMap::new(),
            names: HashMap::new(),
            structs: Vec::new(),
            enums: Vec::new(),
        })
    }

    fn build(mut self) -> Result<Api> {
        // Pass 1: what each schema is and its Rust name.
        let schemas: Vec<(String, &Schema)> =
            self.schemas.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (name, schema) in &schemas {
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

        // Pass 2: enums (fields' defaults need them), then structs, each in spec order.
        for (name, schema) in &schemas {
            if matches!(self.kinds[name], Kind::Enum) {
                let loc = format!("components.schemas.{name}");
                let e = self.enumeration(name, schema, &loc)?;
                self.enums.push(e);
            }
        }
        for (name, schema) in &schemas {
            let envelope = match self.kinds[name] {
                Kind::Struct => false,
                Kind::Envelope => true,
                Kind::Enum | Kind::Alias => continue,
            };
            let loc = format!("components.schemas.{name}");
            let rust = self.names[name].clone();
            self.object(&rust, schema, &loc, envelope)?;
        }

        // Operations.
        let mut operations = Vec::new();
        check_extensions(&self.doc.paths.extensions, NONE, "paths")?;
        for (path, item) in &self.doc.paths.paths {
            let ReferenceOr::Item(item) = item else {
                return Err(format!("paths.{path}: a path item may not be a $ref"));
            };
            let loc = format!("paths.{path}");
            check_extensions(&item.extensions, NONE, &loc)?;
            if !item.parameters.is_empty() {
                return Err(format!("{loc}: path-level parameters are not supported"));
            }
            let methods = [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("OPTIONS", &item.options),
                ("HEAD", &item.head),
                ("PATCH", &item.patch),
                ("TRACE", &item.trace),
            ];
            for (method, op) in methods {
                if let Some(op) = op {
                    let loc = format!("{loc}.{}", method.to_lowercase());
                    operations.push(self.operation(path, method, op, &loc)?);
                }
            }
        }

        let mut api = Api {
            crate_name: self.crate_name.clone(),
            title: self.doc.info.title.clone(),
            envelope,
            structs: std::mem::take(&mut self.structs),
            enums: std::mem::take(&mut self.enums),
            operations,
        };
        mark_request_side(&mut api);
        attach_ranges(&mut api)?;
        check_names(&api)?;
        Ok(api)
    }

    fn enumeration(&self, name: &str, schema: &Schema, loc: &str) -> Result<Enum> {
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

    /// Builds the struct `rust` (and any inline object structs) from an object schema.
    fn object(&mut self, rust: &str, schema: &Schema, loc: &str, envelope: bool) -> Result<()> {
        let v = view(schema, loc)?;
        let doc = description(&schema.schema_data, loc)?;
        let index = self.structs.len();
        self.structs.push(Struct {
            name: rust.to_owned(),
            doc,
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
        };
        self.check_field(&mut field, schema.schema_data.default.as_ref(), loc)?;
        Ok(field)
    }

    /// Checks the combinations of extensions and fills `fixed` / `default_doc`.
    fn check_field(&self, field: &mut Field, default: Option<&Value>, loc: &str) -> Result<()> {
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

    /// The Rust type of a (non-envelope-slot) schema.
    fn schema_ty(
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

    fn ref_ty(&self, reference: &str, loc: &str) -> Result<Ty> {
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

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &OaOperation,
        loc: &str,
    ) -> Result<Operation> {
        let ext = &op.extensions;
        let id = op
            .operation_id
            .clone()
            .ok_or_else(|| format!("{loc}: `operationId` is required"))?;
        let loc = &format!("{loc} ({id})");
        check_extensions(ext, OPERATION_EXT, loc)?;
        if !naming::is_identifier(&id) || naming::snake_case(&id) != id {
            return Err(format!("{loc}: operationId `{id}` must be snake_case"));
        }
        let summary = op
            .summary
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{loc}: `summary` is required"))?;
        let idempotent = ext_bool(ext, "x-idempotent", loc)?
            .ok_or_else(|| format!("{loc}: `x-idempotent` is required on every operation"))?;
        let auth = ext_one_of(ext, "x-auth", AUTH_KINDS, loc)?
            .ok_or_else(|| format!("{loc}: `x-auth` is required on every operation"))?
            .to_owned();
        let base = ext_one_of(ext, "x-base", &["token", "api"], loc)?.map(str::to_owned);
        let streaming = ext_one_of(ext, "x-streaming", &["sse"], loc)?.is_some();

        // Parameters.
        let mut params = Vec::new();
        for param in &op.parameters {
            let param = match param {
                ReferenceOr::Item(p) => p,
                ReferenceOr::Reference { reference } => {
                    let name = ref_name(reference, "parameters", loc)?;
                    match self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| c.parameters.get(name))
                    {
                        Some(ReferenceOr::Item(p)) => p,
                        _ => return Err(format!("{loc}: `$ref: {reference}` names no parameter")),
                    }
                }
            };
            let (data, location) = match param {
                Parameter::Query { parameter_data, .. } => (parameter_data, ParamIn::Query),
                Parameter::Header { parameter_data, .. } => (parameter_data, ParamIn::Header),
                Parameter::Path { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => {
                    return Err(format!(
                        "{loc}: parameter `{}`: only query and header parameters are supported",
                        parameter_data.name
                    ));
                }
            };
            let ploc = format!("{loc}.parameters.{}", data.name);
            check_extensions(&data.extensions, PARAMETER_EXT, &ploc)?;
            if location == ParamIn::Header
                && auth_headers(&auth).contains(&data.name.to_ascii_lowercase().as_str())
            {
                // Set by the authentication scheme on every attempt.
                continue;
            }
            let doc = data
                .description
                .clone()
                .filter(|d| !d.trim().is_empty())
                .ok_or_else(|| format!("{ploc}: a `description` is required"))?;
            let openapiv3::ParameterSchemaOrContent::Schema(schema) = &data.format else {
                return Err(format!(
                    "{ploc}: `content` parameters are not supported; use `schema`"
                ));
            };
            let time = ext_str(&data.extensions, "x-time", &ploc)?;
            let comma = ext_one_of(&data.extensions, "x-list-format", &["comma"], &ploc)?.is_some();
            let rust_name = ext_str(&data.extensions, "x-rust-name", &ploc)?;
            let secret = ext_bool(&data.extensions, "x-secret", &ploc)?.unwrap_or(false);
            let (ty, v, default) = match schema {
                ReferenceOr::Reference { reference } => {
                    if time.is_some() {
                        return Err(format!("{ploc}: `x-time` needs an inline string schema"));
                    }
                    (self.ref_ty(reference, &ploc)?, View::default(), None)
                }
                ReferenceOr::Item(schema) => {
                    let sloc = format!("{ploc}.schema");
                    if let Some(key) = schema.schema_data.extensions.keys().next() {
                        return Err(format!(
                            "{sloc}: unknown extension `{key}` (a parameter's x- keys go on the parameter object, beside `name` and `in`)"
                        ));
                    }
                    let v = view(schema, &sloc)?;
                    let ty = self.schema_ty(&v, time, None, &sloc)?;
                    (ty, v, schema.schema_data.default.clone())
                }
            };
            match &ty {
                Ty::Struct(_) | Ty::Json | Ty::Map => {
                    return Err(format!(
                        "{ploc}: objects cannot be query or header parameters"
                    ));
                }
                Ty::Vec(item)
                    if location == ParamIn::Header
                        || matches!(**item, Ty::Struct(_) | Ty::Json | Ty::Map | Ty::Vec(_)) =>
                {
                    return Err(format!(
                        "{ploc}: only query parameters may be lists of scalars"
                    ));
                }
                Ty::Vec(_) => {}
                _ if comma => {
                    return Err(format!(
                        "{ploc}: `x-list-format` is for `type: array` parameters"
                    ));
                }
                _ => {}
            }
            if location == ParamIn::Header
                && !data
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(format!(
                    "{ploc}: `{}` is not a valid header name",
                    data.name
                ));
            }
            let rust =
                naming::field_name(&data.name, rust_name).map_err(|e| format!("{ploc}: {e}"))?;
            let mut field = Field {
                wire: data.name.clone(),
                rust,
                doc,
                ty,
                required: data.required,
                aliases: Vec::new(),
                lenient: None,
                json_string: false,
                comma,
                min_length: v.min_length,
                minimum: v.minimum,
                maximum: v.maximum,
                fixed: None,
                default_doc: None,
                envelope_data: false,
                secret,
            };
            self.check_field(&mut field, default.as_ref(), &ploc)?;
            if params
                .iter()
                .any(|p: &Param| p.field.rust == field.rust || p.field.wire == field.wire)
            {
                return Err(format!(
                    "{ploc}: the parameter `{}` is declared twice",
                    field.rust
                ));
            }
            params.push(Param { field, location });
        }

        // Body.
        let body = match &op.request_body {
            None => None,
            Some(ReferenceOr::Reference { .. }) => {
                return Err(format!("{loc}: requestBody may not be a $ref"));
            }
            Some(ReferenceOr::Item(body)) => {
                let bloc = format!("{loc}.requestBody");
                check_extensions(&body.extensions, NONE, &bloc)?;
                if body.content.len() != 1 {
                    return Err(format!("{bloc}: exactly one media type is supported"));
                }
                let (media, content) = body
                    .content
                    .first()
                    .ok_or_else(|| format!("{bloc}: no content"))?;
                check_extensions(&content.extensions, NONE, &format!("{bloc}.content"))?;
                if !media.starts_with("application/json") {
                    return Err(format!(
                        "{bloc}: only JSON bodies are supported (got `{media}`)"
                    ));
                }
                let Some(ReferenceOr::Reference { reference }) = &content.schema else {
                    return Err(format!(
                        "{bloc}: the body schema must be a `$ref` to an object schema"
                    ));
                };
                let Ty::Struct(schema) = self.ref_ty(reference, &bloc)? else {
                    return Err(format!("{bloc}: the body schema must be an object schema"));
                };
                Some(Body {
                    schema,
                    content_type: (media != "application/json").then(|| media.clone()),
                })
            }
        };

        // Response.
        let response = self.response(op, streaming, loc)?;

        let name = naming::pascal_case(&id);
        let mut operation = Operation {
            id,
            name,
            method: method.to_owned(),
            path: path.to_owned(),
            summary: summary.trim().to_owned(),
            description: op.description.clone().filter(|d| !d.trim().is_empty()),
            auth,
            base,
            idempotent,
            params,
            body,
            response,
            pagination: None,
            ranges: Vec::new(),
        };

        if let Some(value) = ext.get("x-range") {
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
                operation.ranges.push((start.clone(), end.clone()));
            }
        }
        if let Some(value) = ext.get("x-pagination") {
            operation.pagination = Some(self.pagination(value, &operation, loc)?);
        }
        if streaming && operation.pagination.is_some() {
            return Err(format!("{loc}: a streaming operation cannot be paginated"));
        }
        Ok(operation)
    }

    fn response(&mut self, op: &OaOperation, streaming: bool, loc: &str) -> Result<Response> {
        check_extensions(&op.responses.extensions, NONE, &format!("{loc}.responses"))?;
        let mut ok = None;
        for (code, response) in &op.responses.responses {
            let rloc = format!("{loc}.responses.{code}");
            let ReferenceOr::Item(response) = response else {
                return Err(format!("{rloc}: a response may not be a $ref"));
            };
            check_extensions(&response.extensions, RESPONSE_EXT, &rloc)?;
            if matches!(code, StatusCode::Code(200)) {
                ok = Some((response, rloc));
            } else if response.extensions.contains_key("x-event-schema") {
                return Err(format!(
                    "{rloc}: `x-event-schema` belongs on the 200 response"
                ));
            }
        }
        if let Some(default) = &op.responses.default {
            let ReferenceOr::Item(response) = default else {
                return Err(format!(
                    "{loc}.responses.default: a response may not be a $ref"
                ));
            };
            check_extensions(
                &response.extensions,
                NONE,
                &format!("{loc}.responses.default"),
            )?;
        }
        let (response, rloc) = ok.ok_or_else(|| format!("{loc}: a `200` response is required"))?;
        for (media, content) in &response.content {
            check_extensions(
                &content.extensions,
                NONE,
                &format!("{rloc}.content.{media}"),
            )?;
        }
        if streaming {
            if !response.content.contains_key("text/event-stream") {
                return Err(format!(
                    "{rloc}: an `x-streaming: sse` operation answers `text/event-stream`"
                ));
            }
            let event = response.extensions.get("x-event-schema").ok_or_else(|| {
                format!("{rloc}: `x-event-schema` is required with `x-streaming: sse`")
            })?;
            let reference = event
                .get("$ref")
                .and_then(Value::as_str)
                .filter(|_| event.as_object().is_some_and(|o| o.len() == 1))
                .ok_or_else(|| format!("{rloc}: `x-event-schema` must be `{{ $ref: ... }}`"))?;
            return Ok(Response::Events(self.ref_ty(reference, &rloc)?));
        }
        if response.extensions.contains_key("x-event-schema") {
            return Err(format!(
                "{rloc}: `x-event-schema` is only for `x-streaming: sse` operations"
            ));
        }
        if response.content.contains_key("text/event-stream") {
            return Err(format!(
                "{rloc}: `text/event-stream` needs `x-streaming: sse` on the operation"
            ));
        }
        let content = response
            .content
            .get("application/json")
            .ok_or_else(|| format!("{rloc}: an `application/json` response is required"))?;
        let schema = content
            .schema
            .as_ref()
            .ok_or_else(|| format!("{rloc}: the response needs a schema"))?;
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(Response::Bare(self.ref_ty(reference, &rloc)?))
            }
            ReferenceOr::Item(schema) => {
                check_extensions(&schema.schema_data.extensions, NONE, &rloc)?;
                let v = view(schema, &rloc)?;
                let Some(all_of) = v.all_of else {
                    let ty = self.schema_ty(&v, None, None, &rloc)?;
                    return Ok(Response::Bare(ty));
                };
                let (first, rest) = all_of
                    .split_first()
                    .ok_or_else(|| format!("{rloc}: empty allOf"))?;
                let ReferenceOr::Reference { reference } = first else {
                    return Err(format!("{rloc}: allOf starts with the envelope's $ref"));
                };
                let env_name = ref_name(reference, "schemas", &rloc)?;
                if !matches!(self.kinds.get(env_name), Some(Kind::Envelope)) {
                    return Err(format!("{rloc}: allOf[0] must be the `x-envelope` schema"));
                }
                let envelope = self.names[env_name].clone();
                let slot = self
                    .structs
                    .iter()
                    .find(|s| s.name == envelope)
                    .and_then(|s| s.fields.iter().find(|f| f.envelope_data))
                    .map(|f| f.wire.clone())
                    .ok_or_else(|| format!("{rloc}: the envelope has no data slot"))?;
                let data = match rest {
                    [] => Ty::Json,
                    [ReferenceOr::Item(part)] => {
                        check_extensions(&part.schema_data.extensions, NONE, &rloc)?;
                        let pv = view(part, &rloc)?;
                        let props = pv.properties.ok_or_else(|| {
                            format!("{rloc}: allOf[1] must be `properties: {{ {slot}: ... }}`")
                        })?;
                        if props.len() != 1 || !props.contains_key(&slot) {
                            return Err(format!(
                                "{rloc}: allOf[1] must name only the envelope's data slot `{slot}`"
                            ));
                        }
                        let dloc = format!("{rloc}.{slot}");
                        match &props[&slot] {
                            ReferenceOr::Reference { reference } => {
                                self.ref_ty(reference, &dloc)?
                            }
                            ReferenceOr::Item(s) => {
                                check_extensions(&s.schema_data.extensions, NONE, &dloc)?;
                                let dv = view(s, &dloc)?;
                                self.schema_ty(&dv, None, None, &dloc)?
                            }
                        }
                    }
                    _ => {
                        return Err(format!(
                            "{rloc}: allOf must be [envelope, {{properties: {{{slot}: ...}}}}]"
                        ));
                    }
                };
                Ok(Response::Envelope { envelope, data })
            }
        }
    }

    fn pagination(&self, value: &Value, op: &Operation, loc: &str) -> Result<Pagination> {
        let loc = &format!("{loc}.x-pagination");
        let obj = value
            .as_object()
            .ok_or_else(|| format!("{loc}: must be {{request: ..., response: ...}}"))?;
        for key in obj.keys() {
            if key != "request" && key != "response" {
                return Err(format!("{loc}: unknown key `{key}`"));
            }
        }
        let section =
            |name: &str, allowed: &[&str], required: &[&str]| -> Result<HashMap<String, String>> {
                let obj = obj
                    .get(name)
                    .and_then(Value::as_object)
                    .ok_or_else(|| format!("{loc}: `{name}` is required"))?;
                let mut out = HashMap::new();
                for (k, v) in obj {
                    if !allowed.contains(&k.as_str()) {
                        return Err(format!(
                            "{loc}.{name}: unknown key `{k}` (allowed: {})",
                            allowed.join(", ")
                        ));
                    }
                    let v = v
                        .as_str()
                        .ok_or_else(|| format!("{loc}.{name}.{k}: must be a string"))?;
                    out.insert(k.clone(), v.to_owned());
                }
                for k in required {
                    if !out.contains_key(*k) {
                        return Err(format!("{loc}.{name}: `{k}` is required"));
                    }
                }
                Ok(out)
            };
        let request = section("request", &["page", "size"], &["page", "size"])?;
        let response = section(
            "response",
            &["in", "page", "size", "total", "pages", "items"],
            &["page", "size", "items"],
        )?;
        let response_in = match response.get("in").map(String::as_str) {
            None | Some("payload") => PageIn::Payload,
            Some("envelope") => PageIn::Envelope,
            Some(other) => {
                return Err(format!(
                    "{loc}.response.in: `{other}` is not payload or envelope"
                ));
            }
        };
        let p = Pagination {
            request_page: request["page"].clone(),
            request_size: request["size"].clone(),
            response_in,
            page: response["page"].clone(),
            size: response["size"].clone(),
            total: response.get("total").cloned(),
            pages: response.get("pages").cloned(),
            items: response["items"].clone(),
        };
        // The request fields must exist and be integers.
        for name in [&p.request_page, &p.request_size] {
            let field = request_field(self, op, name).ok_or_else(|| {
                format!("{loc}.request: `{name}` is neither a parameter nor a body field")
            })?;
            if !field.ty.is_integer() {
                return Err(format!("{loc}.request: `{name}` must be an integer"));
            }
        }
        // The response fields.
        let (container, data) = match &op.response {
            Response::Envelope { envelope, data } => (envelope.clone(), data.clone()),
            _ => return Err(format!("{loc}: paginated responses must be enveloped")),
        };
        let holder: &Struct = match p.response_in {
            PageIn::Payload => {
                let Ty::Struct(name) = &data else {
                    return Err(format!(
                        "{loc}: the payload must be an object holding the page"
                    ));
                };
                self.find(name)
                    .ok_or_else(|| format!("{loc}: no struct `{name}`"))?
            }
            PageIn::Envelope => self
                .find(&container)
                .ok_or_else(|| format!("{loc}: no struct `{container}`"))?,
        };
        let numbers = [
            Some(&p.page),
            Some(&p.size),
            p.total.as_ref(),
            p.pages.as_ref(),
        ];
        for name in numbers.into_iter().flatten() {
            let field = holder
                .fields
                .iter()
                .find(|f| &f.wire == name)
                .ok_or_else(|| {
                    format!("{loc}.response: `{}` has no field `{name}`", holder.name)
                })?;
            if !field.ty.is_integer() {
                return Err(format!(
                    "{loc}.response: `{}.{name}` must be an integer",
                    holder.name
                ));
            }
        }
        match p.response_in {
            PageIn::Payload => {
                let items = holder
                    .fields
                    .iter()
                    .find(|f| f.wire == p.items)
                    .ok_or_else(|| {
                        format!(
                            "{loc}.response: `{}` has no field `{}`",
                            holder.name, p.items
                        )
                    })?;
                if !matches!(items.ty, Ty::Vec(_)) {
                    return Err(format!(
                        "{loc}.response: `{}.{}` must be an array",
                        holder.name, p.items
                    ));
                }
            }
            PageIn::Envelope => {
                let slot = holder
                    .fields
                    .iter()
                    .find(|f| f.envelope_data)
                    .map(|f| f.wire.as_str());
                if slot != Some(p.items.as_str()) {
                    return Err(format!(
                        "{loc}.response: with `in: envelope`, `items` names the envelope's data slot"
                    ));
                }
                if !matches!(data, Ty::Vec(_)) {
                    return Err(format!(
                        "{loc}: with `in: envelope`, the payload must be an array"
                    ));
                }
            }
        }
        Ok(p)
    }

    fn find(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }
}

fn enum_value_matches(value: &EnumValue, default: &Value) -> bool {
    match (value, default) {
        (EnumValue::Int(i), Value::Number(n)) => n.as_i64() == Some(*i),
        (EnumValue::Str(s), Value::String(d)) => s == d,
        _ => false,
    }
}

/// The field a request-side name refers to: a parameter's wire name, or a dotted path
/// into the body.
fn request_field<'s>(b: &'s Builder<'_>, op: &'s Operation, name: &str) -> Option<&'s Field> {
    if let Some(p) = op.params.iter().find(|p| p.field.wire == name) {
        return Some(&p.field);
    }
    let body = op.body.as_ref()?;
    body_path(&b.structs, &body.schema, name).and_then(|fields| fields.last().copied())
}

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

/// Marks every struct reachable from a request body.
fn mark_request_side(api: &mut Api) {
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

fn orderable(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::I32 | Ty::I64 | Ty::F64 | Ty::DateTime | Ty::Date | Ty::DateOrDateTime
    )
}

/// Resolves each operation's `x-range` pairs: parameter pairs stay on the operation,
/// body paths move to the body struct's `validate`.
fn attach_ranges(api: &mut Api) -> Result<()> {
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

/// Methods every generated request struct and builder has, which setters may not shadow.
pub(crate) const MODEL_METHODS: &[&str] = &["new", "validate", "to_spec", "default"];
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

/// Type names must be unique; setters may not collide with the generated methods.
fn check_names(api: &Api) -> Result<()> {
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

//! Loads an `openapi.yaml` with a real OpenAPI parser, resolves `$ref`s, checks every
//! `x-` extension against docs/spec-conventions.md and builds the [`ir::Api`].
//!
//! [`load`] is the entry point. It runs a [`Builder`] over the document in passes:
//! classify the component schemas (`components`), build enums (`enumerations`) then
//! structs (`objects`), then operations (`operations`, `parameters`, `responses`,
//! `pagination`), and finally the whole-API passes (`request_side`, `ranges`, `names`).
//!
//! [`ir::Api`]: crate::codegen::ir::Api

mod body_path;
mod components;
mod enumerations;
mod extensions;
mod field_rules;
mod names;
pub(crate) use names::BUILDER_METHODS;
mod objects;
mod operations;
mod pagination;
mod parameters;
mod ranges;
mod request_side;
mod responses;
mod schema_types;
mod schema_view;

use std::collections::HashMap;

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr, Schema};

use super::ir::{Api, Enum, Struct};
use components::Kind;
use extensions::{INFO_EXT, NONE, check_extensions, ext_str};

pub(crate) use body_path::body_path;

type Result<T, E = String> = std::result::Result<T, E>;

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

/// The state of one build: the document, what each component schema is, and the structs
/// and enums made so far (inline objects add structs while fields are built).
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
        let envelope = self.classify_components(&schemas)?;

        // Pass 2: enums (fields' defaults need them), then structs, each in spec order.
        for (name, schema) in &schemas {
            if matches!(self.kinds[name], Kind::Enum) {
                let loc = format!("components.schemas.{name}");
                let mut e = self.enumeration(name, schema, &loc)?;
                e.doc = with_vendor_name(e.doc, &e.name, name);
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
            if let Some(s) = self.structs.iter_mut().find(|s| s.name == rust) {
                s.doc = with_vendor_name(std::mem::take(&mut s.doc), &rust, name);
            }
        }

        let operations = self.operations()?;

        let mut api = Api {
            crate_name: self.crate_name.clone(),
            title: self.doc.info.title.clone(),
            envelope,
            structs: std::mem::take(&mut self.structs),
            enums: std::mem::take(&mut self.enums),
            operations,
        };
        request_side::mark_request_side(&mut api);
        ranges::attach_ranges(&mut api)?;
        pagination::mark_record_lists(&mut api);
        names::check_names(&api)?;
        Ok(api)
    }

    /// The struct built so far with the Rust name `name`.
    fn find(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }
}

/// A type renamed with `x-rust-name` names the vendor's own type in its docs, so a search
/// for the name in the vendor's documentation finds it.
fn with_vendor_name(doc: String, rust: &str, vendor: &str) -> String {
    if rust == vendor {
        return doc;
    }
    let note = format!("The vendor's documentation calls it `{vendor}`.");
    if doc.trim().is_empty() {
        note
    } else {
        format!("{}\n\n{note}", doc.trim_end())
    }
}

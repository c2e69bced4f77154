//! An operation's query and header parameters into [`Param`]s, with the parameter-level
//! extensions (`x-time`, `x-list-format`, `x-rust-name`, `x-secret`). Headers the
//! authentication scheme sets itself are dropped.

use openapiv3::{Operation as OaOperation, Parameter, ReferenceOr};

use super::components::ref_name;
use super::extensions::{PARAMETER_EXT, check_extensions, ext_bool, ext_one_of, ext_str};
use super::schema_view::{View, view};
use super::{Builder, Result};
use crate::codegen::ir::{Field, Param, ParamIn, Ty};
use crate::codegen::naming;

/// The header parameters an authentication scheme sets itself (lower case).
fn auth_headers(auth: &str) -> &'static [&'static str] {
    match auth {
        "bearer" => &["authorization"],
        "sobot-token" => &["token"],
        "itnio-sign" => &["api-key", "sign", "timestamp"],
        _ => &[],
    }
}

impl Builder<'_> {
    /// The parameters of `op` (whose `x-auth` is `auth`), in declaration order.
    pub(super) fn parameters(
        &mut self,
        op: &OaOperation,
        auth: &str,
        loc: &str,
    ) -> Result<Vec<Param>> {
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
                && auth_headers(auth).contains(&data.name.to_ascii_lowercase().as_str())
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
                strict: false,
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
        Ok(params)
    }
}

//! `x-pagination` on an operation into a [`Pagination`], checked against the operation:
//! the request page/size name integer parameters or body fields, and the response names
//! integer fields and the item array where `in: payload|envelope` says.

use std::collections::HashMap;

use serde_json::Value;

use super::body_path::body_path;
use super::{Builder, Result};
use crate::codegen::ir::{Api, Field, Operation, PageIn, Pagination, Response, Struct, Ty};

impl Builder<'_> {
    /// Reads and checks the `x-pagination` value of the already-built `op`.
    pub(super) fn pagination(
        &self,
        value: &Value,
        op: &Operation,
        loc: &str,
    ) -> Result<Pagination> {
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

/// The records of every listing become `Ty::Records`: each record is read on its own, so
/// one that cannot be read is kept raw instead of failing its page.
pub(super) fn mark_record_lists(api: &mut Api) {
    let mut payload_lists: Vec<(String, String)> = Vec::new();
    for op in &mut api.operations {
        let Some(p) = &op.pagination else { continue };
        let Response::Envelope { data, .. } = &mut op.response else {
            continue;
        };
        match p.response_in {
            PageIn::Envelope => {
                if let Ty::Vec(item) = data
                    && let Ty::Struct(name) = item.as_ref()
                {
                    *data = Ty::Records(name.clone());
                }
            }
            PageIn::Payload => {
                if let Ty::Struct(holder) = data {
                    payload_lists.push((holder.clone(), p.items.clone()));
                }
            }
        }
    }
    for (holder, items) in payload_lists {
        let Some(s) = api.structs.iter_mut().find(|s| s.name == holder) else {
            continue;
        };
        for f in s.fields.iter_mut().filter(|f| f.wire == items) {
            if let Ty::Vec(item) = &f.ty
                && let Ty::Struct(name) = item.as_ref()
            {
                f.ty = Ty::Records(name.clone());
            }
        }
    }
}

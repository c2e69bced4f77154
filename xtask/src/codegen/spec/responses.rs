//! An operation's `200` response into a [`Response`]: a bare schema, the `x-envelope`
//! wrapping a payload (`allOf: [envelope, {properties: {<slot>: ...}}]`), or an SSE event
//! stream (`x-streaming: sse` with `x-event-schema`).

use openapiv3::{Operation as OaOperation, ReferenceOr, StatusCode};
use serde_json::Value;

use super::components::{Kind, ref_name};
use super::extensions::{NONE, RESPONSE_EXT, check_extensions};
use super::schema_view::view;
use super::{Builder, Result};
use crate::codegen::ir::{Response, Ty};

impl Builder<'_> {
    /// The operation's `200` response (other responses are only checked for extensions).
    pub(super) fn response(
        &mut self,
        op: &OaOperation,
        stream_output: Option<String>,
        loc: &str,
    ) -> Result<Response> {
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
        if let Some(output) = stream_output {
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
            return Ok(Response::Events {
                event: self.ref_ty(reference, &rloc)?,
                output,
            });
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
}

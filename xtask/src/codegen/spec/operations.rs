//! `paths` into [`Operation`]s: each path item's methods, the operation-level extensions
//! (`x-rust-name`, `x-idempotent`, `x-auth`, `x-base`, `x-streaming` with
//! `x-stream-output`, `x-range`, `x-pagination`) and the
//! JSON request body. Parameters and responses have their own files.

use openapiv3::{Operation as OaOperation, ReferenceOr};

use super::extensions::{NONE, OPERATION_EXT, check_extensions, ext_bool, ext_one_of, ext_str};
use super::ranges::parse_ranges;
use super::{Builder, Result};
use crate::codegen::ir::{Body, Operation, Ty};
use crate::codegen::naming;

/// The values of `x-auth`.
const AUTH_KINDS: &[&str] = &["bearer", "sobot-token", "itnio-sign", "none"];

impl Builder<'_> {
    /// Every operation under `paths`, in path then method order.
    pub(super) fn operations(&mut self) -> Result<Vec<Operation>> {
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
        Ok(operations)
    }

    /// One operation: its metadata and extensions, parameters, body, response, `x-range`
    /// pairs and `x-pagination`.
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
        let stream_output = ext_str(ext, "x-stream-output", loc)?.map(str::to_owned);
        if streaming != stream_output.is_some() {
            return Err(format!(
                "{loc}: `x-streaming` and `x-stream-output` (the hand-written type the \
                 event stream is read into) go together"
            ));
        }
        // The Rust name of the operation: the client method and, in PascalCase, the type.
        let rust = match ext_str(ext, "x-rust-name", loc)? {
            Some(name) if naming::is_identifier(name) && naming::snake_case(name) == name => {
                name.to_owned()
            }
            Some(name) => {
                return Err(format!("{loc}: `x-rust-name` `{name}` must be snake_case"));
            }
            None => id.clone(),
        };

        let params = self.parameters(op, &auth, loc)?;
        let body = self.request_body(op, loc)?;

        // Response.
        let response = self.response(op, stream_output, loc)?;

        let name = naming::pascal_case(&rust);
        let mut operation = Operation {
            id,
            rust,
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
            operation.ranges = parse_ranges(value, loc)?;
        }
        if let Some(value) = ext.get("x-pagination") {
            operation.pagination = Some(self.pagination(value, &operation, loc)?);
        }
        if streaming && operation.pagination.is_some() {
            return Err(format!("{loc}: a streaming operation cannot be paginated"));
        }
        Ok(operation)
    }

    /// The JSON request body: one media type, a `$ref` to an object schema.
    fn request_body(&mut self, op: &OaOperation, loc: &str) -> Result<Option<Body>> {
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
        Ok(body)
    }
}

//! Per operation: a parameters struct (when there are query/header parameters) and a
//! builder that validates, builds the `RequestSpec`, sends and pages.

use super::ir::{Api, Field, Operation, PageIn, ParamIn, Response, Ty};
use super::models::{self, Ctx};
use super::render::{Out, lit};
use super::spec::body_path;

/// Whether `common_http` can decode a JSON server-sent-event stream yet
/// (`HttpClient::send_sse`). Until it can, streaming builders stop at `to_spec()`.
const HAS_SEND_SSE: bool = true;

/// Pages fetched ahead by default (`common_http::paginate::DEFAULT_LOOK_AHEAD`).
const DEFAULT_LOOK_AHEAD: &str = "common_http::paginate::DEFAULT_LOOK_AHEAD";

pub(crate) fn render(api: &Api, header: &str) -> String {
    let mut body = Out::default();
    for op in &api.operations {
        if op.has_params_type() {
            render_params(&mut body, api, op);
        }
        render_builder(&mut body, api, op);
    }
    let body = body.finish();

    let mut out = Out::default();
    out.line(header);
    out.inner_doc(&format!(
        "Request builders of the {}: one per operation, each with `to_spec()` (validated \
         before any I/O) and `send()`; paginated operations add `by_page()` and `by_item()`.",
        api.title
    ));
    out.blank();
    if api.structs.iter().any(|s| mentions(&body, &s.name)) {
        out.line("use super::models::*;");
    }
    if api.enums.iter().any(|e| mentions(&body, &e.name)) {
        out.line("use super::enums::*;");
    }
    out.blank();
    out.line(body);
    out.finish()
}

/// Whether `text` uses `name` as a whole word.
pub(crate) fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(name).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + name.len()).copied();
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        !word(before) && !word(after)
    })
}

fn method_const(method: &str) -> String {
    format!("common_http::reexports::http::Method::{method}")
}

/// The text a query/header value is sent as, from `v` (a reference to the value).
fn wire_text(ty: &Ty) -> String {
    match ty {
        Ty::String => "v.clone()".into(),
        Ty::DateTime => "common_http::datetime::format_datetime(*v)".into(),
        Ty::Date => "common_http::datetime::format_date(*v)".into(),
        Ty::DateOrDateTime => "v.to_wire()".into(),
        Ty::Timestamp => "v.raw().to_owned()".into(),
        _ => "v.to_string()".into(),
    }
}

/// Statements adding the parameters to `spec`, in spec order.
fn param_lines(op: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &op.params {
        let f = &p.field;
        let name = lit(&f.wire);
        let add = match (&f.ty, p.location) {
            (Ty::Vec(item), ParamIn::Query) if f.comma => format!(
                "let joined: Vec<String> = v.iter().map(|v| {}).collect(); spec = spec.query({name}, joined.join(\",\"));",
                wire_text(item)
            ),
            (Ty::Vec(item), ParamIn::Query) => format!(
                "for v in v {{ spec = spec.query({name}, {}); }}",
                wire_text(item)
            ),
            (ty, ParamIn::Query) => format!("spec = spec.query({name}, {});", wire_text(ty)),
            (ty, ParamIn::Header) => {
                let text = match ty {
                    Ty::String => "v.as_str()".to_owned(),
                    other => format!("&{}", wire_text(other)),
                };
                format!(
                    "let value = common_http::reexports::http::HeaderValue::from_str({text}).map_err(|_| common_http::Error::invalid_request(\"`{}` is not a valid header value\"))?; \
                     spec = spec.header(common_http::reexports::http::HeaderName::from_static({}), value);",
                    f.wire,
                    lit(&f.wire.to_ascii_lowercase())
                )
            }
        };
        if f.required {
            lines.push(format!("{{ let v = &self.{}; {add} }}", f.rust));
        } else {
            lines.push(format!("if let Some(v) = &self.{} {{ {add} }}", f.rust));
        }
    }
    lines
}

fn content_type(op: &Operation) -> String {
    match op.body.as_ref().and_then(|b| b.content_type.as_deref()) {
        Some(ct) => format!("Some({})", lit(ct)),
        None => "None".into(),
    }
}

/// The `<Op>Request` struct of an operation with query/header parameters.
fn render_params(out: &mut Out, api: &Api, op: &Operation) {
    let name = format!("{}Request", op.name);
    let fields: Vec<Field> = op.params.iter().map(|p| p.field.clone()).collect();
    let body_ty = op.body.as_ref().map(|b| b.schema.clone());
    out.doc_raw(&format!("The parameters of [`{}`].", op.name));
    out.blank_doc();
    out.doc(&op.summary);
    out.line(models::derive_line(&fields));
    out.line("#[non_exhaustive]");
    out.line(format!("pub struct {name} {{"));
    models::write_fields(out, &fields, Ctx::Params);
    if let Some(body) = &body_ty {
        out.doc("The JSON body.");
        out.line(format!("pub body: {body},"));
    }
    out.line("}");
    out.blank();
    models::write_redacting_debug(out, &name, false, &fields, body_ty.is_some());

    out.line(format!("impl {name} {{"));
    let extra = body_ty.as_ref().map(|b| ("body", b.as_str()));
    models::write_new(
        out,
        &format!("The parameters of `{}`", op.id),
        &fields,
        extra,
    );
    models::write_setters(out, &fields, None);
    out.blank();
    out.doc(
        "Checks the documented constraints (required text not empty, numbers within their \
         bounds, ranges in order) before anything is sent.",
    );
    out.line("pub fn validate(&self) -> Result<(), common_http::Error> {");
    for line in models::validation_lines(api, &fields, "self") {
        out.line(line);
    }
    for (start, end) in &op.ranges {
        let a = fields.iter().find(|f| &f.wire == start);
        let b = fields.iter().find(|f| &f.wire == end);
        if let (Some(a), Some(b)) = (a, b) {
            out.line(models::range_line("self", (start, &[a]), (end, &[b])));
        }
    }
    if body_ty.is_some() {
        out.line("self.body.validate()?;");
    }
    out.line("Ok(())");
    out.line("}");
    out.blank();
    out.doc(&format!(
        "Validates, then describes the request: `{} {}` with the parameters in the \
         documented order.",
        op.method, op.path
    ));
    out.line("pub fn to_spec(&self) -> Result<common_http::RequestSpec, common_http::Error> {");
    out.line("self.validate()?;");
    out.line(format!(
        "let mut spec = common_http::RequestSpec::new({}, {});",
        method_const(&op.method),
        lit(&op.path)
    ));
    for line in param_lines(op) {
        out.line(line);
    }
    if body_ty.is_some() {
        out.line(format!(
            "spec = spec.json(&self.body, {})?;",
            content_type(op)
        ));
    }
    out.line(format!("Ok(spec.idempotent({}))", op.idempotent));
    out.line("}");
    out.line("}");
    out.blank();
    if body_ty.is_none() && models::ctor_fields(&fields).is_empty() {
        models::write_default(out, &name);
    }
}

/// The payload type `send()` returns and the envelope type it is decoded through.
fn payload(op: &Operation) -> Option<(String, String)> {
    match &op.response {
        Response::Envelope { envelope, data } => {
            Some((data.rust(), format!("{envelope}<{}>", data.rust())))
        }
        Response::Bare(ty) => Some((ty.rust(), format!("common_http::Bare<{}>", ty.rust()))),
        Response::Events(_) => None,
    }
}

/// The item type of a paginated operation.
fn page_item(api: &Api, op: &Operation) -> Option<Ty> {
    let p = op.pagination.as_ref()?;
    let Response::Envelope { data, .. } = &op.response else {
        return None;
    };
    let list = match p.response_in {
        PageIn::Envelope => data.clone(),
        PageIn::Payload => {
            let Ty::Struct(name) = data else { return None };
            api.find_struct(name)?
                .fields
                .iter()
                .find(|f| f.wire == p.items)?
                .ty
                .clone()
        }
    };
    match list {
        Ty::Vec(item) => Some(*item),
        _ => None,
    }
}

/// Where a request-side name lives in the builder's request: (expression prefix, fields).
fn request_path<'a>(
    api: &'a Api,
    op: &'a Operation,
    name: &str,
) -> Option<(String, Vec<&'a Field>)> {
    if let Some(p) = op.params.iter().find(|p| p.field.wire == name) {
        return Some(("request".into(), vec![&p.field]));
    }
    let body = op.body.as_ref()?;
    let path = body_path(&api.structs, &body.schema, name)?;
    let base = if op.has_params_type() {
        "request.body"
    } else {
        "request"
    };
    Some((base.into(), path))
}

/// A place expression for assigning along a path of required fields, then the last one.
fn place(base: &str, path: &[&Field]) -> Option<String> {
    let mut expr = base.to_owned();
    for (i, f) in path.iter().enumerate() {
        if i + 1 < path.len() && !f.required {
            return None;
        }
        expr = format!("{expr}.{}", f.rust);
    }
    Some(expr)
}

fn render_builder(out: &mut Out, api: &Api, op: &Operation) {
    let name = &op.name;
    let request_ty = op.request_type();
    let paged = op.pagination.is_some();
    let item = page_item(api, op);

    // Docs.
    out.doc(&op.summary);
    if let Some(description) = &op.description {
        out.blank_doc();
        out.doc(description);
    }
    out.blank_doc();
    let mut facts = vec![format!("`{} {}`", op.method, op.path)];
    facts.push(format!("authentication: `{}`", op.auth));
    if let Some(base) = &op.base {
        facts.push(format!("served from the `{base}` base URL"));
    }
    facts.push(if op.idempotent {
        "retried when safe".into()
    } else {
        "never retried".into()
    });
    out.doc(&format!("{}.", facts.join("; ")));
    match (&op.response, paged) {
        (Response::Events(ty), _) => {
            out.blank_doc();
            out.doc(&if HAS_SEND_SSE {
                format!(
                    "The answer is a server-sent event stream whose events each carry a `{}`.",
                    ty.rust()
                )
            } else {
                format!(
                    "The answer is a server-sent event stream whose events each carry a `{}`; \
                     `to_spec()` describes the request (a `send()` arrives with the runtime's \
                     JSON event-stream support).",
                    ty.rust()
                )
            });
        }
        (_, true) => {
            out.blank_doc();
            out.doc(
                "`send()` fetches one page; `by_page()` and `by_item()` walk every page from \
                 the requested one, fetching ahead once the page count is known.",
            );
        }
        _ => {}
    }
    out.blank_doc();
    out.doc_raw("# Example");
    out.doc_raw("");
    for line in example(api, op) {
        out.doc_raw(&line);
    }
    out.line("#[derive(Debug, Clone)]");
    out.line(format!("pub struct {name} {{"));
    if matches!(op.response, Response::Events(_)) && !HAS_SEND_SSE {
        // Read by `send()` once common-http decodes JSON event streams (`send_sse`).
        out.line("#[allow(dead_code)]");
    }
    out.line("http: common_http::HttpClient,");
    if let Some(ty) = &request_ty {
        out.line(format!("request: {ty},"));
    }
    out.line("options: common_http::RequestOptions,");
    if paged {
        out.line("look_ahead: usize,");
    }
    out.line("}");
    out.blank();

    out.line(format!("impl {name} {{"));
    // new
    match &request_ty {
        Some(ty) => {
            out.doc("Prepares the call with `request`; nothing is sent yet.");
            out.line(format!(
                "pub fn new(http: common_http::HttpClient, request: {ty}) -> Self {{"
            ));
        }
        None => {
            out.doc("Prepares the call; nothing is sent yet.");
            out.line("pub fn new(http: common_http::HttpClient) -> Self {");
        }
    }
    out.line("Self {");
    out.line("http,");
    if request_ty.is_some() {
        out.line("request,");
    }
    out.line("options: common_http::RequestOptions::default(),");
    if paged {
        out.line(format!("look_ahead: {DEFAULT_LOOK_AHEAD},"));
    }
    out.line("}");
    out.line("}");

    // Setters delegating to the request.
    let setter_fields: Vec<Field> = if op.has_params_type() {
        op.params.iter().map(|p| p.field.clone()).collect()
    } else if let Some(body) = &op.body {
        api.find_struct(&body.schema)
            .map(|s| s.fields.clone())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    models::write_setters(out, &setter_fields, Some("request"));

    if let Some(ty) = &request_ty {
        out.blank();
        out.doc("The request as it stands.");
        out.line(format!("pub fn request(&self) -> &{ty} {{"));
        out.line("&self.request");
        out.line("}");
    }
    out.blank();
    out.doc("Overrides the client's timeout, retry policy or idempotency for this call.");
    out.line("pub fn with_options(mut self, options: common_http::RequestOptions) -> Self {");
    out.line("self.options = options;");
    out.line("self");
    out.line("}");

    // to_spec
    out.blank();
    out.doc(&format!(
        "Validates, then describes the request (`{} {}`) without sending it.",
        op.method, op.path
    ));
    out.line("pub fn to_spec(&self) -> Result<common_http::RequestSpec, common_http::Error> {");
    if op.has_params_type() {
        out.line("Ok(self.request.to_spec()?.options(self.options.clone()))");
    } else if op.body.is_some() {
        out.line("self.request.validate()?;");
        out.line(format!(
            "let spec = common_http::RequestSpec::new({}, {}).json(&self.request, {})?;",
            method_const(&op.method),
            lit(&op.path),
            content_type(op)
        ));
        out.line(format!(
            "Ok(spec.idempotent({}).options(self.options.clone()))",
            op.idempotent
        ));
    } else {
        out.line(format!(
            "Ok(common_http::RequestSpec::new({}, {}).idempotent({}).options(self.options.clone()))",
            method_const(&op.method),
            lit(&op.path),
            op.idempotent
        ));
    }
    out.line("}");

    // send
    let in_envelope = op
        .pagination
        .as_ref()
        .is_some_and(|p| p.response_in == PageIn::Envelope);
    if let Some((data, envelope)) = payload(op) {
        out.blank();
        if in_envelope {
            let item = item.as_ref().map(Ty::rust).unwrap_or_default();
            out.doc(
                "Sends the request and returns the requested page, with the page numbers the \
                 envelope carries beside the data.",
            );
            out.line(format!(
                "pub async fn send(self) -> Result<common_http::paginate::Page<{item}>, common_http::Error> {{"
            ));
            out.line("let spec = self.to_spec()?;");
            let (start, asked) = page_start(api, op);
            out.line(format!(
                "let request = &self.request; let page = {start}; let asked = {asked};"
            ));
            out.line(format!(
                "let payload = self.http.send_json::<super::support::Whole<Option<{data}>>>(spec).await?;"
            ));
            out.line("Ok(Self::page_of(payload, page, asked))");
            out.line("}");
        } else {
            out.doc("Sends the request and returns the payload of the vendor's envelope.");
            out.line(format!(
                "pub async fn send(self) -> Result<{data}, common_http::Error> {{"
            ));
            out.line("let spec = self.to_spec()?;");
            out.line(format!("self.http.send_json::<{envelope}>(spec).await"));
            out.line("}");
        }
    } else if HAS_SEND_SSE && let Response::Events(ty) = &op.response {
        out.blank();
        out.doc(
            "Sends the request and returns the event stream, each event's data decoded \
                 as JSON. Nothing is retried once the response has started.",
        );
        out.line(format!(
            "pub async fn send(self) -> Result<common_http::JsonEvents<{}>, common_http::Error> {{",
            ty.rust()
        ));
        out.line("let spec = self.to_spec()?;");
        match &api.envelope {
            // A JSON envelope in place of the stream (a rejected token, say) is decoded as
            // the vendor's error, so re-authentication and retries still apply.
            Some(envelope) => out.line(format!(
                "Ok(self.http.send_sse_or_envelope::<{envelope}<serde_json::Value>>(spec).await?.json())"
            )),
            None => out.line("Ok(self.http.send_sse(spec).await?.json())"),
        }
        out.line("}");
    }

    if paged && let Some(item) = &item {
        render_paging(out, api, op, item);
    }
    out.line("}");
    out.blank();
}

/// The start page and the requested size, as expressions over `request`.
fn page_start(api: &Api, op: &Operation) -> (String, String) {
    let Some(p) = &op.pagination else {
        return ("1".into(), "None".into());
    };
    let read = |name: &str| -> String {
        let Some((base, path)) = request_path(api, op, name) else {
            return "None".into();
        };
        if path.iter().all(|f| f.required) {
            let place = place(&base, &path).unwrap_or_default();
            return format!("u64::try_from({place}).ok()");
        }
        let expr = models::path_expr(&base, &path);
        format!("{expr}.and_then(|v| u64::try_from(*v).ok())")
    };
    (
        format!("{}.unwrap_or(1)", read(&p.request_page)),
        read(&p.request_size),
    )
}

fn render_paging(out: &mut Out, api: &Api, op: &Operation, item: &Ty) {
    let Some(p) = &op.pagination else { return };
    let Response::Envelope { envelope, data } = &op.response else {
        return;
    };
    let item_ty = item.rust();

    out.blank();
    out.doc(
        "How many pages `by_page()`/`by_item()` fetch at once once the page count is known \
         (default 4; 1 walks one page at a time).",
    );
    out.line("pub fn look_ahead(mut self, pages: usize) -> Self {");
    out.line("self.look_ahead = pages;");
    out.line("self");
    out.line("}");

    out.blank();
    out.doc(
        "Every page from the requested one (page 1 unless set), in order. An invalid \
         request yields exactly one error and sends nothing.",
    );
    out.line(format!(
        "pub fn by_page(self) -> common_http::paginate::PageStream<{item_ty}, common_http::Error> {{"
    ));
    out.line("self.paginator().by_page()");
    out.line("}");
    out.blank();
    out.doc(
        "Every item of every page from the requested one, in order. An invalid request \
         yields exactly one error and sends nothing.",
    );
    out.line(format!(
        "pub fn by_item(self) -> common_http::paginate::ItemStream<{item_ty}, common_http::Error> {{"
    ));
    out.line("self.paginator().by_item()");
    out.line("}");

    // The paginator.
    let (start, asked) = page_start(api, op);
    let (base, path) = request_path(api, op, &p.request_page).unwrap_or_default();
    let target = place(&base, &path).unwrap_or_else(|| "request".into());
    let page_field = path.last().copied();
    let page_ty = page_field
        .map(|f| f.ty.rust())
        .unwrap_or_else(|| "i64".into());
    let assign = match page_field {
        Some(f) if f.required => format!("{target} = number;"),
        _ => format!("{target} = Some(number);"),
    };
    let fetch_ty = if p.response_in == PageIn::Envelope {
        format!("super::support::Whole<Option<{}>>", data.rust())
    } else {
        format!("{envelope}<{}>", data.rust())
    };
    out.blank();
    out.line(format!(
        "fn paginator(self) -> common_http::paginate::Paginator<{item_ty}, common_http::Error> {{"
    ));
    out.line("let Self { http, request, options, look_ahead } = self;");
    out.line(format!(
        "let start = {{ let request = &request; {start} }};"
    ));
    out.line("common_http::paginate::Paginator::new(move |page: u64| {");
    out.line("let http = http.clone();");
    out.line("let mut request = request.clone();");
    out.line("let options = options.clone();");
    out.line("async move {");
    out.line("request.validate()?;");
    out.line(format!(
        "let number = {page_ty}::try_from(page).map_err(|_| common_http::Error::invalid_request(format!(\"page {{page}} is out of range\")))?;"
    ));
    out.line(assign);
    out.line(format!(
        "let asked = {{ let request = &request; {asked} }};"
    ));
    let to_spec = if op.has_params_type() {
        "request.to_spec()?".to_owned()
    } else {
        format!(
            "common_http::RequestSpec::new({}, {}).json(&request, {})?.idempotent({})",
            method_const(&op.method),
            lit(&op.path),
            content_type(op),
            op.idempotent
        )
    };
    out.line(format!("let spec = {to_spec}.options(options);"));
    out.line(format!(
        "let payload = http.send_json::<{fetch_ty}>(spec).await?;"
    ));
    out.line("Ok(Self::page_of(payload, page, asked))");
    out.line("}");
    out.line("})");
    out.line(".start_at(start)");
    out.line(".look_ahead(look_ahead)");
    out.line("}");

    // page_of: payload -> Page.
    let number = |holder: &str, fields: &[Field], name: Option<&String>| -> String {
        let Some(name) = name else {
            return "None".into();
        };
        match fields.iter().find(|f| &f.wire == name) {
            Some(f) if f.required => format!("u64::try_from({holder}.{}).ok()", f.rust),
            Some(f) => format!("{holder}.{}.and_then(|v| u64::try_from(v).ok())", f.rust),
            None => "None".into(),
        }
    };
    let counted = |expr: String| {
        if expr == "None" {
            expr
        } else {
            format!("count({expr})")
        }
    };
    out.blank();
    match p.response_in {
        PageIn::Payload => {
            let Ty::Struct(holder_name) = data else {
                return;
            };
            let Some(holder) = api.find_struct(holder_name) else {
                return;
            };
            let items = holder.fields.iter().find(|f| f.wire == p.items);
            let items_expr = match items {
                Some(f) if f.required => format!("payload.{}", f.rust),
                Some(f) => format!("payload.{}.unwrap_or_default()", f.rust),
                None => "Vec::new()".into(),
            };
            out.line(format!(
                "fn page_of(payload: {holder_name}, page: u64, asked: Option<u64>) -> common_http::paginate::Page<{item_ty}> {{"
            ));
            out.line(format!("let items = {items_expr};"));
            out.line(
                "// Vendors send 0 for counts they do not know: beside items, 0 means unknown.",
            );
            out.line("let count = |v: Option<u64>| v.filter(|n| *n > 0 || items.is_empty());");
            out.line(format!(
                "let size = count({}).or(asked);",
                number("payload", &holder.fields, Some(&p.size))
            ));
            out.line(format!(
                "let total = {};",
                counted(number("payload", &holder.fields, p.total.as_ref()))
            ));
            out.line(format!(
                "let pages = {};",
                counted(number("payload", &holder.fields, p.pages.as_ref()))
            ));
            out.line(
                "common_http::paginate::Page::new(items, page).with_size(size).with_total(total).with_pages(pages)",
            );
            out.line("}");
        }
        PageIn::Envelope => {
            let Some(env) = api.find_struct(envelope) else {
                return;
            };
            out.line(format!(
                "fn page_of(payload: (Option<{}>, {envelope}<()>), page: u64, asked: Option<u64>) -> common_http::paginate::Page<{item_ty}> {{",
                data.rust()
            ));
            out.line("let (items, envelope) = payload;");
            out.line("let items = items.unwrap_or_default();");
            out.line(
                "// Vendors send 0 for counts they do not know: beside items, 0 means unknown.",
            );
            out.line("let count = |v: Option<u64>| v.filter(|n| *n > 0 || items.is_empty());");
            out.line(format!(
                "let size = count({}).or(asked);",
                number("envelope", &env.fields, Some(&p.size))
            ));
            out.line(format!(
                "let total = {};",
                counted(number("envelope", &env.fields, p.total.as_ref()))
            ));
            out.line(format!(
                "let pages = {};",
                counted(number("envelope", &env.fields, p.pages.as_ref()))
            ));
            out.line(
                "common_http::paginate::Page::new(items, page).with_size(size).with_total(total).with_pages(pages)",
            );
            out.line("}");
        }
    }
}

/// A sample value of `ty` for a doc example.
fn sample(api: &Api, ty: &Ty, depth: usize) -> String {
    let krate = &api.crate_name;
    match ty {
        Ty::String => "\"...\"".into(),
        Ty::I32 | Ty::I64 => "1".into(),
        Ty::F64 => "1.0".into(),
        Ty::Bool => "true".into(),
        Ty::Json => "serde_json::Value::Null".into(),
        Ty::Map => "serde_json::Map::new()".into(),
        Ty::Vec(_) => "Vec::new()".into(),
        Ty::Timestamp => "common_http::datetime::Timestamp::new(\"2026-06-01 00:00:00\")".into(),
        Ty::DateTime => "time::macros::datetime!(2026-06-01 00:00:00)".into(),
        Ty::Date => "time::macros::date!(2026-06-01)".into(),
        Ty::DateOrDateTime => {
            "common_http::datetime::DateOrDateTime::from(time::macros::date!(2026-06-01))".into()
        }
        Ty::Enum(name) => {
            let first = api
                .find_enum(name)
                .and_then(|e| e.variants.first())
                .map(|v| v.name.clone())
                .unwrap_or_else(|| "Unknown(Default::default())".into());
            format!("{krate}::generated::{name}::{first}")
        }
        Ty::Struct(name) => {
            let args = api
                .find_struct(name)
                .map(|s| {
                    models::ctor_fields(&s.fields)
                        .iter()
                        .map(|f| {
                            if depth > 4 {
                                // Deeper than any spec nests; should it happen, the doc
                                // test of the example fails to compile and says so.
                                "Default::default()".to_owned()
                            } else {
                                sample(api, &f.ty, depth + 1)
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            format!("{krate}::generated::{name}::new({})", args.join(", "))
        }
        Ty::Generic => "()".into(),
    }
}

/// The lines of a compiling doc example for the builder.
fn example(api: &Api, op: &Operation) -> Vec<String> {
    let krate = &api.crate_name;
    let mut lines = vec![
        "```no_run".to_owned(),
        "# async fn demo(http: common_http::HttpClient) -> Result<(), common_http::Error> {"
            .to_owned(),
    ];
    let new_args = match op.request_type() {
        Some(ty) => {
            let args: Vec<String> = if op.has_params_type() {
                let mut args: Vec<String> = models::ctor_fields(
                    &op.params
                        .iter()
                        .map(|p| p.field.clone())
                        .collect::<Vec<_>>(),
                )
                .iter()
                .map(|f| sample(api, &f.ty, 0))
                .collect();
                if let Some(body) = &op.body {
                    args.push(sample(api, &Ty::Struct(body.schema.clone()), 0));
                }
                args
            } else {
                let s = Ty::Struct(ty.clone());
                let text = sample(api, &s, 0);
                lines.push(format!("let request = {text};"));
                Vec::new()
            };
            if op.has_params_type() {
                lines.push(format!(
                    "let request = {krate}::generated::{ty}::new({});",
                    args.join(", ")
                ));
            }
            "http, request".to_owned()
        }
        None => "http".to_owned(),
    };
    let builder = format!("{krate}::generated::{}::new({new_args})", op.name);
    match (&op.response, op.pagination.is_some()) {
        (Response::Events(_), _) if HAS_SEND_SSE => {
            lines.insert(2, "use futures::TryStreamExt;".into());
            lines.push(format!("let mut events = {builder}.send().await?;"));
            lines.push("while let Some(event) = events.try_next().await? {".into());
            lines.push("    let _ = event;".into());
            lines.push("}".into());
        }
        (Response::Events(_), _) => {
            lines.push(format!("let spec = {builder}.to_spec()?;"));
            lines.push("# let _ = spec;".into());
        }
        (_, true) => {
            lines.insert(2, "use futures::TryStreamExt;".into());
            lines.push(format!("let mut items = {builder}.by_item();"));
            lines.push("while let Some(item) = items.try_next().await? {".into());
            lines.push("    let _ = item;".into());
            lines.push("}".into());
        }
        _ => {
            lines.push(format!("let answer = {builder}.send().await?;"));
            lines.push("# let _ = answer;".into());
        }
    }
    lines.push("# Ok(()) }".into());
    lines.push("```".into());
    lines
}

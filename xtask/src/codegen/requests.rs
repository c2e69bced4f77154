//! Per operation: a parameters struct (when there are query/header parameters) and a
//! builder that validates, builds the `RequestSpec`, sends and pages.

use super::ir::{Api, Field, Operation, PageIn, ParamIn, Response, Ty};
use super::models::{self, Ctx};
use super::render::{Out, lit};
use super::spec::{BUILDER_METHODS, body_path};

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
        "Operations of the {}: one type per endpoint, each an `Operation` (`with_options`, \
         `to_spec`, `send`); listings are `PagedOperation`s (`look_ahead`, `by_page`, \
         `by_item`).",
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
        "Describes the request: `{} {}` with the parameters in the documented order, \
         without checking them (the operation validates before it describes).",
        op.method, op.path
    ));
    out.line("pub fn describe(&self) -> Result<common_http::RequestSpec, common_http::Error> {");
    out.line(format!(
        "let mut spec = common_http::RequestSpec::new({}, {}).operation({});",
        method_const(&op.method),
        lit(&op.path),
        lit(&op.rust)
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

/// What `execute` returns and how: (output type, body of `execute`).
fn output(api: &Api, op: &Operation) -> (String, String) {
    let paged_in_envelope = op
        .pagination
        .as_ref()
        .is_some_and(|p| p.response_in == PageIn::Envelope);
    match &op.response {
        Response::Envelope { data, .. } if paged_in_envelope => {
            let item = page_item(api, op).unwrap_or_default();
            (
                format!("common_http::paginate::Page<{item}>"),
                format!(
                    "let (items, envelope) = http.send_json::<super::support::Whole<Option<{}>>>(spec).await?;\n{}",
                    data.rust(),
                    envelope_page(api, op)
                ),
            )
        }
        Response::Envelope { envelope, data } => (
            data.rust(),
            format!("http.send_json::<{envelope}<{}>>(spec).await", data.rust()),
        ),
        Response::Bare(ty) => (
            ty.rust(),
            format!(
                "http.send_json::<common_http::Bare<{}>>(spec).await",
                ty.rust()
            ),
        ),
        Response::Events { output, .. } => {
            (output.clone(), format!("{output}::open(http, spec).await"))
        }
    }
}

/// The Rust type of one item of a paginated operation (`Record<WorkRecord>` for a list of
/// records).
fn page_item(api: &Api, op: &Operation) -> Option<String> {
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
        Ty::Vec(item) => Some(item.rust()),
        Ty::Records(name) => Some(format!("common_http::tolerant::Record<{name}>")),
        _ => None,
    }
}

/// Where a request-side name lives in the operation's request: (expression prefix, fields).
fn request_path<'a>(
    api: &'a Api,
    op: &'a Operation,
    name: &str,
) -> Option<(String, Vec<&'a Field>)> {
    if let Some(p) = op.params.iter().find(|p| p.field.wire == name) {
        return Some(("self.request".into(), vec![&p.field]));
    }
    let body = op.body.as_ref()?;
    let path = body_path(&api.structs, &body.schema, name)?;
    let base = if op.has_params_type() {
        "self.request.body"
    } else {
        "self.request"
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

/// The setters of an operation: its optional parameters, the optional fields of its body,
/// and the optional fields of the body's required nested objects (Itniotech's `params`),
/// each forwarded to where the field lives. A name is used once (the first place wins).
fn setter_groups(api: &Api, op: &Operation) -> Vec<(String, Vec<Field>)> {
    let mut groups: Vec<(String, Vec<Field>)> = Vec::new();
    if op.has_params_type() {
        let params = op.params.iter().map(|p| p.field.clone()).collect();
        groups.push(("request".into(), params));
    }
    if let Some(body) = &op.body
        && let Some(schema) = api.find_struct(&body.schema)
    {
        let base = if op.has_params_type() {
            "request.body"
        } else {
            "request"
        };
        groups.push((base.into(), schema.fields.clone()));
        for f in schema.fields.iter().filter(|f| f.required) {
            if let Ty::Struct(nested) = &f.ty
                && let Some(nested) = api.find_struct(nested)
            {
                groups.push((format!("{base}.{}", f.rust), nested.fields.clone()));
            }
        }
    }
    let mut used: Vec<String> = BUILDER_METHODS.iter().map(|m| (*m).to_owned()).collect();
    for (_, fields) in &mut groups {
        fields.retain(|f| {
            let settable = !f.required || (f.fixed.is_none() && !matches!(f.ty, Ty::Struct(_)));
            if !settable || used.contains(&f.rust) {
                return false;
            }
            used.push(f.rust.clone());
            true
        });
    }
    groups
}

/// Setters on the operation for `fields` of the value at `target` (under `self`): an
/// optional field goes through that value's own setter, a required one is assigned.
fn write_forwarding_setters(out: &mut Out, fields: &[Field], target: &str) {
    let optional: Vec<Field> = fields.iter().filter(|f| !f.required).cloned().collect();
    models::write_setters(out, &optional, Some(target));
    for f in fields.iter().filter(|f| f.required) {
        out.blank();
        out.doc(&format!("Sets `{}`: {}", f.wire, f.doc));
        let (ty, value) = models::arg_ty(&f.ty, "value");
        out.line(format!(
            "pub fn {}(mut self, value: {ty}) -> Self {{",
            f.rust
        ));
        out.line(format!("self.{target}.{} = {value};", f.rust));
        out.line("self");
        out.line("}");
    }
}

fn render_builder(out: &mut Out, api: &Api, op: &Operation) {
    let name = &op.name;
    let request_ty = op.request_type();
    let item = page_item(api, op).filter(|_| op.pagination.is_some());
    let (output_ty, execute) = output(api, op);

    // Docs.
    out.doc(&op.summary);
    if let Some(description) = &op.description {
        out.blank_doc();
        out.doc(description);
    }
    out.blank_doc();
    let mut facts = vec![format!("`{} {}`", op.method, op.path)];
    if op.rust != op.id {
        facts.push(format!("the vendor calls it `{}`", op.id));
    }
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
    out.blank_doc();
    let verbs = match (&op.response, item.is_some()) {
        (Response::Events { event, .. }, _) => format!(
            "Made by the client's `{}` method. `send()` returns the answer's server-sent \
             event stream, each event carrying a `{}`.",
            op.rust,
            event.rust()
        ),
        (_, true) => format!(
            "Made by the client's `{}` method. `send()` fetches one page; `by_page()` and \
             `by_item()` walk every page from the requested one, fetching ahead once the \
             page count is known (see [`PagedOperation`](crate::PagedOperation)).",
            op.rust
        ),
        _ => format!(
            "Made by the client's `{}` method; `send()` sends it (see \
             [`Operation`](crate::Operation)).",
            op.rust
        ),
    };
    out.doc(&verbs);
    out.blank_doc();
    out.doc_raw("# Example");
    out.doc_raw("");
    for line in example(api, op) {
        out.doc_raw(&line);
    }
    out.line("#[derive(Debug, Clone)]");
    out.line("#[must_use = \"an operation does nothing until it is sent\"]");
    out.line(format!("pub struct {name} {{"));
    out.line("call: common_http::Call,");
    if let Some(ty) = &request_ty {
        out.line(format!("request: {ty},"));
    }
    out.line("}");
    out.blank();

    // Inherent: construction, setters, and the verbs forwarded to the traits so that a
    // caller needs no trait import.
    out.line(format!("impl {name} {{"));
    match &request_ty {
        Some(ty) => {
            out.doc("Prepares the call with `request`; nothing is sent yet.");
            out.line("#[allow(dead_code)]");
            out.line(format!(
                "pub(crate) fn new(http: common_http::HttpClient, request: {ty}) -> Self {{"
            ));
            out.line("Self { call: common_http::Call::new(http), request }");
        }
        None => {
            out.doc("Prepares the call; nothing is sent yet.");
            out.line("#[allow(dead_code)]");
            out.line("pub(crate) fn new(http: common_http::HttpClient) -> Self {");
            out.line("Self { call: common_http::Call::new(http) }");
        }
    }
    out.line("}");
    for (target, fields) in setter_groups(api, op) {
        write_forwarding_setters(out, &fields, &target);
    }
    if let Some(ty) = &request_ty {
        out.blank();
        out.doc("The request as it stands.");
        out.line(format!("pub fn request(&self) -> &{ty} {{"));
        out.line("&self.request");
        out.line("}");
    }
    out.blank();
    out.doc("Overrides the client's timeout, retry policy or idempotency for this call.");
    out.line("pub fn with_options(self, options: common_http::RequestOptions) -> Self {");
    out.line("common_http::Operation::with_options(self, options)");
    out.line("}");
    out.blank();
    out.doc(&format!(
        "Validates, then describes the request (`{} {}`) without sending it.",
        op.method, op.path
    ));
    out.line("pub fn to_spec(&self) -> Result<common_http::RequestSpec, common_http::Error> {");
    out.line("common_http::Operation::to_spec(self)");
    out.line("}");
    out.blank();
    out.doc(if item.is_some() {
        "Validates and fetches the requested page."
    } else {
        "Validates and sends the request."
    });
    out.line(format!(
        "pub async fn send(self) -> Result<{output_ty}, common_http::Error> {{"
    ));
    out.line("common_http::Operation::send(self).await");
    out.line("}");
    if let Some(item_ty) = &item {
        out.blank();
        out.doc(
            "How many pages `by_page()`/`by_item()` fetch at once once the page count is known \
             (default 4; 1 walks one page at a time).",
        );
        out.line("pub fn look_ahead(self, pages: usize) -> Self {");
        out.line("common_http::PagedOperation::look_ahead(self, pages)");
        out.line("}");
        out.blank();
        out.doc(
            "Every page from the requested one (page 1 unless set), in order. An invalid \
             request yields exactly one error and sends nothing.",
        );
        out.line(format!(
            "pub fn by_page(self) -> common_http::paginate::PageStream<{item_ty}, common_http::Error> {{"
        ));
        out.line("common_http::PagedOperation::by_page(self)");
        out.line("}");
        out.blank();
        out.doc(
            "Every record of every page from the requested one, in order. An invalid request \
             yields exactly one error and sends nothing.",
        );
        out.line(format!(
            "pub fn by_item(self) -> common_http::paginate::ItemStream<{item_ty}, common_http::Error> {{"
        ));
        out.line("common_http::PagedOperation::by_item(self)");
        out.line("}");
    }
    out.line("}");
    out.blank();

    // The operation: what differs between endpoints.
    out.line(format!("impl common_http::Operation for {name} {{"));
    out.line(format!("type Output = {output_ty};"));
    out.blank();
    out.line("fn call(&self) -> &common_http::Call { &self.call }");
    out.blank();
    out.line("fn call_mut(&mut self) -> &mut common_http::Call { &mut self.call }");
    out.blank();
    out.line("fn validate(&self) -> Result<(), common_http::Error> {");
    if request_ty.is_some() {
        out.line("self.request.validate()");
    } else {
        out.line("Ok(())");
    }
    out.line("}");
    out.blank();
    out.line("fn describe(&self) -> Result<common_http::RequestSpec, common_http::Error> {");
    if op.has_params_type() {
        out.line("self.request.describe()");
    } else if op.body.is_some() {
        out.line(format!(
            "Ok(common_http::RequestSpec::new({}, {}).operation({}).json(&self.request, {})?.idempotent({}))",
            method_const(&op.method),
            lit(&op.path),
            lit(&op.rust),
            content_type(op),
            op.idempotent
        ));
    } else {
        out.line(format!(
            "Ok(common_http::RequestSpec::new({}, {}).operation({}).idempotent({}))",
            method_const(&op.method),
            lit(&op.path),
            lit(&op.rust),
            op.idempotent
        ));
    }
    out.line("}");
    out.blank();
    out.line(format!(
        "async fn execute(http: common_http::HttpClient, spec: common_http::RequestSpec) -> Result<{output_ty}, common_http::Error> {{"
    ));
    out.line(execute);
    out.line("}");
    out.line("}");
    out.blank();

    if let Some(item) = &item {
        render_paging(out, api, op, item, &output_ty);
    }
}

/// The start page and the requested size, as expressions over `self`.
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

/// `common_http::operation::page_count` over a count expression (`None` stays `None`).
fn counted(expr: String) -> String {
    if expr == "None" {
        expr
    } else {
        format!("common_http::operation::page_count({expr}, empty)")
    }
}

/// A count field of `holder` as an `Option<i64>` expression, or `None`.
fn count_field(holder: &str, fields: &[Field], name: Option<&String>) -> String {
    let Some(name) = name else {
        return "None".into();
    };
    match fields.iter().find(|f| &f.wire == name) {
        Some(f) if f.required && f.ty == Ty::I64 => format!("Some({holder}.{})", f.rust),
        Some(f) if f.required => format!("Some(i64::from({holder}.{}))", f.rust),
        Some(f) if f.ty == Ty::I64 => format!("{holder}.{}", f.rust),
        Some(f) => format!("{holder}.{}.map(i64::from)", f.rust),
        None => "None".into(),
    }
}

/// The statements building a `Page` from `items` and the `envelope` that carries the page
/// numbers beside them (Sobot's reception records).
fn envelope_page(api: &Api, op: &Operation) -> String {
    let (Some(p), Response::Envelope { envelope, .. }) = (&op.pagination, &op.response) else {
        return String::new();
    };
    let Some(env) = api.find_struct(envelope) else {
        return String::new();
    };
    let page = count_field("envelope", &env.fields, Some(&p.page));
    format!(
        "let items = items.unwrap_or_default(); let empty = items.is_empty();\n\
         let page = {page}.and_then(|v| u64::try_from(v).ok()).unwrap_or(1);\n\
         Ok(common_http::paginate::Page::new(items, page)\
         .with_size({}).with_total({}).with_pages({}))",
        counted(count_field("envelope", &env.fields, Some(&p.size))),
        counted(count_field("envelope", &env.fields, p.total.as_ref())),
        counted(count_field("envelope", &env.fields, p.pages.as_ref())),
    )
}

fn render_paging(out: &mut Out, api: &Api, op: &Operation, item_ty: &str, output_ty: &str) {
    let Some(p) = &op.pagination else { return };
    let Response::Envelope { data, .. } = &op.response else {
        return;
    };
    let (start, requested) = page_start(api, op);
    let (base, path) = request_path(api, op, &p.request_page).unwrap_or_default();
    let target = place(&base, &path).unwrap_or_else(|| "self.request".into());
    let page_field = path.last().copied();
    let page_ty = page_field
        .map(|f| f.ty.rust())
        .unwrap_or_else(|| "i64".into());
    let assign = match page_field {
        Some(f) if f.required => format!("{target} = number;"),
        _ => format!("{target} = Some(number);"),
    };

    out.line(format!(
        "impl common_http::PagedOperation for {} {{",
        op.name
    ));
    out.line(format!("type Item = {item_ty};"));
    out.blank();
    out.line("fn start_page(&self) -> u64 {");
    out.line(start);
    out.line("}");
    out.blank();
    out.line("fn set_page(&mut self, page: u64) -> Result<(), common_http::Error> {");
    out.line(format!(
        "let number = {page_ty}::try_from(page).map_err(|_| common_http::Error::invalid_request(format!(\"page {{page}} is out of range\")))?;"
    ));
    out.line(assign);
    out.line("Ok(())");
    out.line("}");
    out.blank();
    out.line("fn requested_size(&self) -> Option<u64> {");
    out.line(requested);
    out.line("}");
    out.blank();
    out.line(format!(
        "fn page_of(output: {output_ty}, page: u64, requested: Option<u64>) -> common_http::paginate::Page<{item_ty}> {{"
    ));
    match p.response_in {
        PageIn::Envelope => {
            // The page was read from the envelope in `execute`; the walk's numbering wins.
            out.line("let mut output = output;");
            out.line("output.page = page;");
            out.line("output.size = output.size.or(requested);");
            out.line("output");
        }
        PageIn::Payload => {
            let holder = match data {
                Ty::Struct(name) => api.find_struct(name),
                _ => None,
            };
            let fields = holder.map(|h| h.fields.clone()).unwrap_or_default();
            let items_expr = match fields.iter().find(|f| f.wire == p.items) {
                Some(f) if f.required => format!("output.{}", f.rust),
                Some(f) => format!("output.{}.unwrap_or_default()", f.rust),
                None => "Vec::new()".into(),
            };
            out.line(format!("let items = {items_expr};"));
            out.line("let empty = items.is_empty();");
            let size = counted(count_field("output", &fields, Some(&p.size)));
            let size = if size == "None" {
                "requested".to_owned()
            } else {
                format!("{size}.or(requested)")
            };
            out.line(format!("let size = {size};"));
            out.line(format!(
                "let total = {};",
                counted(count_field("output", &fields, p.total.as_ref()))
            ));
            out.line(format!(
                "let pages = {};",
                counted(count_field("output", &fields, p.pages.as_ref()))
            ));
            out.line(
                "common_http::paginate::Page::new(items, page).with_size(size).with_total(total).with_pages(pages)",
            );
        }
    }
    out.line("}");
    out.line("}");
    out.blank();
}

/// The lines of a compiling doc example for the operation: its verbs, on an operation the
/// client made.
fn example(api: &Api, op: &Operation) -> Vec<String> {
    let krate = &api.crate_name;
    let mut lines = vec![
        "```no_run".to_owned(),
        format!(
            "# async fn demo(operation: {krate}::{}) -> Result<(), {krate}::Error> {{",
            op.name
        ),
    ];
    let paged = op.pagination.is_some();
    match &op.response {
        Response::Events { .. } => {
            lines.insert(2, "use futures::TryStreamExt;".into());
            lines.push("let mut events = operation.send().await?;".into());
            lines.push("while let Some(event) = events.try_next().await? {".into());
            lines.push("    let _ = event;".into());
            lines.push("}".into());
        }
        _ if paged => {
            lines.insert(2, "use futures::TryStreamExt;".into());
            lines.push("let mut items = operation.by_item();".into());
            lines.push("while let Some(item) = items.try_next().await? {".into());
            lines.push("    let _ = item;".into());
            lines.push("}".into());
        }
        _ => {
            lines.push("let answer = operation.send().await?;".into());
            lines.push("# let _ = answer;".into());
        }
    }
    lines.push("# Ok(()) }".into());
    lines.push("```".into());
    lines
}

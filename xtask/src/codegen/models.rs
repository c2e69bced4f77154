//! Structs: models, the envelope, and the pieces request structs share with them
//! (serde attributes, constructors, setters, `validate`).

use super::ir::{Api, Field, Lenient, Struct, Ty};
use super::naming;
use super::render::{Out, lit};

/// Where a field lives, which decides how lenient its deserialisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// A JSON model (response, body): as the spec says.
    Model,
    /// A query/header parameter struct: read from a JSON object of the query, where every
    /// value is a string.
    Params,
}

/// The field's declared type (`Option<T>` unless required).
pub(crate) fn field_ty(f: &Field) -> String {
    if f.required {
        f.ty.rust()
    } else {
        format!("Option<{}>", f.ty.rust())
    }
}

/// The `#[serde(...)]` attribute of a field, if it needs one.
pub(crate) fn serde_attr(f: &Field, ctx: Ctx) -> Option<String> {
    let mut parts = Vec::new();
    if f.wire != naming::bare(&f.rust) {
        parts.push(format!("rename = {}", lit(&f.wire)));
    }
    for alias in &f.aliases {
        parts.push(format!("alias = {}", lit(alias)));
    }
    if !f.required {
        parts.push("default".to_owned());
        parts.push("skip_serializing_if = \"Option::is_none\"".to_owned());
    }
    let opt = if f.required { "" } else { "::option" };
    let with = match (&f.ty, f.comma) {
        (_, true) => Some(format!("super::support::comma_list{opt}")),
        (Ty::DateTime, _) => Some(format!("common_http::datetime::serde_datetime{opt}")),
        (Ty::Date, _) => Some(format!("common_http::datetime::serde_date{opt}")),
        _ => None,
    };
    let lenient = match ctx {
        Ctx::Model => f.lenient,
        Ctx::Params => match f.ty {
            Ty::I32 | Ty::I64 | Ty::F64 => Some(Lenient::NumberOrString),
            Ty::Bool => Some(Lenient::BoolOrString),
            _ => f.lenient,
        },
    };
    if let Some(with) = with {
        // The date-time adapters already read `""` as absent. A comma list is only
        // written by serde: models read it through the tolerant reader's `CommaList`.
        if f.comma {
            parts.push(format!(
                "serialize_with = {}",
                lit(&format!("{with}::serialize"))
            ));
        } else {
            parts.push(format!("with = {}", lit(&with)));
        }
    } else if let Some(lenient) = lenient {
        let path = match lenient {
            Lenient::EmptyAsNone => "common_http::lenient::empty_as_none::deserialize".to_owned(),
            other => format!("common_http::lenient::{}{opt}::deserialize", other.module()),
        };
        parts.push(format!("deserialize_with = {}", lit(&path)));
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("#[serde({})]", parts.join(", ")))
    }
}

/// The derive line of a struct with `fields`: `Debug` is derived unless a field is
/// `x-secret`, in which case [`write_redacting_debug`] writes it by hand.
pub(crate) fn derive_line(fields: &[Field]) -> &'static str {
    if fields.iter().any(|f| f.secret) {
        "#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]"
    } else {
        "#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]"
    }
}

/// The derive line of a model read by the tolerant reader (its `Deserialize` is written by
/// [`write_tolerant_deserialize`]).
fn tolerant_derive_line(fields: &[Field]) -> &'static str {
    if fields.iter().any(|f| f.secret) {
        "#[derive(Clone, PartialEq, serde::Serialize)]"
    } else {
        "#[derive(Debug, Clone, PartialEq, serde::Serialize)]"
    }
}

/// The Rust name of the field that keeps what a model could not read.
pub(crate) const UNDOCUMENTED: &str = "undocumented";

/// For a struct with an `x-secret` field: a `Debug` that prints `"[redacted]"` in place of
/// each secret value (`Some("[redacted]")` / `None` when optional), so a logged request or
/// response never shows a credential. `generic`: the struct is `Name<T>`; `body`: it ends
/// with a `body` field (a parameters struct). Writes nothing when no field is secret.
pub(crate) fn write_redacting_debug(
    out: &mut Out,
    name: &str,
    generic: bool,
    fields: &[Field],
    body: bool,
) {
    if !fields.iter().any(|f| f.secret) {
        return;
    }
    let (params, args) = if generic {
        ("<T: std::fmt::Debug>", "<T>")
    } else {
        ("", "")
    };
    out.line(format!("impl{params} std::fmt::Debug for {name}{args} {{"));
    out.line("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
    out.line(format!("f.debug_struct({})", lit(name)));
    for field in fields {
        let value = match (field.secret, field.required) {
            (false, _) => format!("&self.{}", field.rust),
            (true, true) => "&\"[redacted]\"".to_owned(),
            (true, false) => format!("&self.{}.as_ref().map(|_| \"[redacted]\")", field.rust),
        };
        out.line(format!(
            ".field({}, {value})",
            lit(naming::bare(&field.rust))
        ));
    }
    if body {
        out.line(".field(\"body\", &self.body)");
    }
    out.line(".finish()");
    out.line("}");
    out.line("}");
    out.blank();
}

/// The doc of a field: its description plus what the reader should know about the wire.
pub(crate) fn field_doc(f: &Field) -> String {
    let mut doc = f.doc.clone();
    if let Some(default) = &f.default_doc {
        doc.push_str(&format!("\n\nWhen absent the server uses `{default}`."));
    }
    if f.wire != naming::bare(&f.rust) && !f.envelope_data {
        doc.push_str(&format!("\n\nOn the wire: `{}`.", f.wire));
    }
    if !f.aliases.is_empty() {
        let list: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
        doc.push_str(&format!("\n\nAlso read from {}.", list.join(", ")));
    }
    if f.comma {
        doc.push_str("\n\nSent as one comma-joined string.");
    }
    if f.secret {
        doc.push_str("\n\nSecret: `Debug` shows `[redacted]`.");
    }
    doc
}

/// Writes the fields of a struct body.
pub(crate) fn write_fields(out: &mut Out, fields: &[Field], ctx: Ctx) {
    for f in fields {
        out.doc(&field_doc(f));
        if let Some(attr) = serde_attr(f, ctx) {
            out.line(attr);
        }
        out.line(format!("pub {}: {},", f.rust, field_ty(f)));
    }
}

/// A parameter type for a value of `ty` in `new`/setters, and the expression that turns
/// the argument `var` into the field's value (a list takes any iterator of convertible
/// items: an array, a `Vec`, or a mapped iterator).
pub(crate) fn arg_ty(ty: &Ty, var: &str) -> (String, String) {
    match ty {
        Ty::Vec(item) => match item.as_ref() {
            Ty::String | Ty::Enum(_) | Ty::DateOrDateTime | Ty::Timestamp => (
                format!("impl IntoIterator<Item = impl Into<{}>>", item.rust()),
                format!("{var}.into_iter().map(Into::into).collect()"),
            ),
            other => (
                format!("impl IntoIterator<Item = {}>", other.rust()),
                format!("{var}.into_iter().collect()"),
            ),
        },
        Ty::String | Ty::Enum(_) | Ty::DateOrDateTime | Ty::Json | Ty::Timestamp => {
            (format!("impl Into<{}>", ty.rust()), format!("{var}.into()"))
        }
        other => (other.rust(), var.to_owned()),
    }
}

/// The fields `new` asks for: required and not fixed by a one-value enum default.
pub(crate) fn ctor_fields(fields: &[Field]) -> Vec<&Field> {
    fields
        .iter()
        .filter(|f| f.required && f.fixed.is_none())
        .collect()
}

/// Writes `pub fn new(..) -> Self` for `fields` (plus an extra trailing argument, for the
/// body of a parameters struct).
pub(crate) fn write_new(out: &mut Out, what: &str, fields: &[Field], extra: Option<(&str, &str)>) {
    write_new_with(out, "pub", what, fields, extra, false);
}

/// [`write_new`] with the given visibility.
fn write_new_with(
    out: &mut Out,
    vis: &str,
    what: &str,
    fields: &[Field],
    extra: Option<(&str, &str)>,
    undocumented: bool,
) {
    let args = ctor_fields(fields);
    let count = args.len() + usize::from(extra.is_some());
    if count == 0 {
        out.doc(&format!("{what}, with every optional field unset."));
    } else {
        out.doc(&format!(
            "{what} from its required fields; the optional ones start unset."
        ));
    }
    if count > 7 {
        out.line("#[allow(clippy::too_many_arguments)]");
    }
    let mut params: Vec<String> = args
        .iter()
        .map(|f| format!("{}: {}", f.rust, arg_ty(&f.ty, "").0))
        .collect();
    if let Some((name, ty)) = extra {
        params.push(format!("{name}: {ty}"));
    }
    out.line(format!("{vis} fn new({}) -> Self {{", params.join(", ")));
    out.line("Self {");
    for f in fields {
        if let Some(variant) = &f.fixed {
            let Ty::Enum(e) = &f.ty else { continue };
            out.line(format!("{}: {e}::{variant},", f.rust));
        } else if f.required {
            let (_, value) = arg_ty(&f.ty, &f.rust);
            if value == f.rust {
                out.line(format!("{},", f.rust));
            } else {
                out.line(format!("{}: {value},", f.rust));
            }
        } else {
            out.line(format!("{}: None,", f.rust));
        }
    }
    if let Some((name, _)) = extra {
        out.line(format!("{name},"));
    }
    if undocumented {
        out.line(format!("{UNDOCUMENTED}: serde_json::Map::new(),"));
    }
    out.line("}");
    out.line("}");
}

/// Clippy's `wrong_self_convention` expects `is_*`/`to_*`/`as_*`/`into_*`/`from_*`
/// methods to take `self` differently than a consuming setter does.
fn convention_prefix(name: &str) -> bool {
    ["is_", "to_", "as_", "into_", "from_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Writes `pub fn <field>(mut self, value) -> Self` for each optional field. `target`
/// is `None` for a struct's own fields, or `Some("request")` for a builder delegating to
/// the request it holds.
pub(crate) fn write_setters(out: &mut Out, fields: &[Field], target: Option<&str>) {
    for f in fields.iter().filter(|f| !f.required) {
        out.blank();
        out.doc(&format!("Sets `{}`: {}", f.wire, f.doc));
        if convention_prefix(naming::bare(&f.rust)) {
            out.line("#[allow(clippy::wrong_self_convention)]");
        }
        let (ty, value) = arg_ty(&f.ty, "value");
        out.line(format!(
            "pub fn {}(mut self, value: {ty}) -> Self {{",
            f.rust
        ));
        match target {
            Some(inner) => out.line(format!("self.{inner} = self.{inner}.{}(value);", f.rust)),
            None => out.line(format!("self.{} = Some({value});", f.rust)),
        }
        out.line("self");
        out.line("}");
    }
}

/// An expression of type `Option<&T>` for a dotted path of fields from `base`.
pub(crate) fn path_expr(base: &str, path: &[&Field]) -> String {
    let mut expr = base.to_owned();
    let mut optional = false;
    for f in path {
        expr = match (optional, f.required) {
            (false, true) => format!("{expr}.{}", f.rust),
            (false, false) => {
                optional = true;
                format!("{expr}.{}.as_ref()", f.rust)
            }
            (true, true) => format!("{expr}.map(|v| &v.{})", f.rust),
            (true, false) => format!("{expr}.and_then(|v| v.{}.as_ref())", f.rust),
        };
    }
    if optional {
        expr
    } else {
        format!("Some(&{expr})")
    }
}

/// Statements checking the documented constraints of `fields` (on `self`).
pub(crate) fn validation_lines(api: &Api, fields: &[Field], base: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for f in fields {
        let name = lit(&f.wire);
        let mut checks: Vec<String> = Vec::new(); // on `v` (a reference or a copy)
        if let (Ty::String, Some(min)) = (&f.ty, f.min_length) {
            if min == 1 {
                checks.push(format!("common_http::validate::non_empty({name}, v)?;"));
            } else if min > 1 {
                checks.push(format!(
                    "if v.chars().count() < {min} {{ return Err(common_http::Error::invalid_request(\"`{}` must be at least {min} characters\")); }}",
                    f.wire
                ));
            }
        }
        if matches!(f.ty, Ty::I32 | Ty::I64 | Ty::F64)
            && (f.minimum.is_some() || f.maximum.is_some())
        {
            let bound = |b: Option<super::ir::Num>| match b {
                Some(n) => format!("Some({})", as_ty_literal(n, &f.ty)),
                None => "None".to_owned(),
            };
            checks.push(format!(
                "common_http::validate::in_range({name}, *v, {}, {})?;",
                bound(f.minimum),
                bound(f.maximum)
            ));
        }
        let nested = match &f.ty {
            Ty::Struct(s) if api.find_struct(s).is_some_and(|s| s.request_side) => Some(false),
            Ty::Vec(inner) => match &**inner {
                Ty::Struct(s) if api.find_struct(s).is_some_and(|s| s.request_side) => Some(true),
                _ => None,
            },
            _ => None,
        };
        match nested {
            Some(false) => checks.push("v.validate()?;".to_owned()),
            Some(true) => checks.push("for item in v { item.validate()?; }".to_owned()),
            None => {}
        }
        if checks.is_empty() {
            continue;
        }
        let body = checks.join("\n");
        if f.required {
            lines.push(format!("{{ let v = &{base}.{}; {body} }}", f.rust));
        } else {
            lines.push(format!("if let Some(v) = &{base}.{} {{ {body} }}", f.rust));
        }
    }
    lines
}

fn as_ty_literal(n: super::ir::Num, ty: &Ty) -> String {
    match (n, ty) {
        (super::ir::Num::Int(i), Ty::F64) => super::ir::Num::Float(i as f64).literal(),
        (n, _) => n.literal(),
    }
}

/// A check that the end of a range does not precede its start. `start`/`end` are the
/// fields along each path, `names` the wire names used in the message.
pub(crate) fn range_line(base: &str, start: (&str, &[&Field]), end: (&str, &[&Field])) -> String {
    let ty = start.1.last().map(|f| f.ty.clone()).unwrap_or(Ty::Json);
    let value = |path: &[&Field]| {
        let expr = path_expr(base, path);
        if ty == Ty::DateOrDateTime {
            format!("{expr}.map(common_http::datetime::DateOrDateTime::start)")
        } else {
            expr
        }
    };
    format!(
        "common_http::validate::ordered({}, {}, {}, {})?;",
        lit(start.0),
        value(start.1),
        lit(end.0),
        value(end.1)
    )
}

/// The models file: every object schema, in spec order.
pub(crate) fn render(api: &Api, header: &str) -> String {
    let mut out = Out::default();
    out.line(header);
    out.inner_doc(&format!(
        "Models of the {} (`components.schemas`).",
        api.title
    ));
    out.blank();
    out.line("use super::enums::*;");
    out.blank();
    for s in &api.structs {
        render_struct(&mut out, api, s);
    }
    out.finish()
}

fn render_struct(out: &mut Out, api: &Api, s: &Struct) {
    out.doc(&s.doc);
    let tolerant = !s.envelope;
    out.line(if tolerant {
        tolerant_derive_line(&s.fields)
    } else {
        derive_line(&s.fields)
    });
    let generics = if s.envelope {
        out.line("#[serde(bound(deserialize = \"T: serde::de::DeserializeOwned\", serialize = \"T: serde::Serialize\"))]");
        "<T>"
    } else {
        ""
    };
    out.line("#[non_exhaustive]");
    let vis = if s.internal {
        // Its reader may sit behind a feature (Sobot's `server`).
        out.line("#[allow(unreachable_pub, dead_code)]");
        "pub(crate)"
    } else {
        "pub"
    };
    out.line(format!("{vis} struct {}{generics} {{", s.name));
    write_fields(out, &s.fields, Ctx::Model);
    if tolerant {
        out.doc(
            "Fields the vendor's documentation does not name, and values of documented fields \
             that could not be read, exactly as sent: nothing the server sent is lost, and \
             serialising the model writes them back.",
        );
        out.line("#[serde(flatten)]");
        out.line(format!(
            "pub {UNDOCUMENTED}: serde_json::Map<String, serde_json::Value>,"
        ));
    }
    out.line("}");
    out.blank();
    let mut debug_fields = s.fields.clone();
    if tolerant && s.fields.iter().any(|f| f.secret) {
        debug_fields.push(undocumented_field());
    }
    write_redacting_debug(out, &s.name, s.envelope, &debug_fields, false);
    if tolerant {
        write_tolerant_deserialize(out, api, s);
    }
    if !s.envelope && !s.internal {
        write_wire_fields(out, s);
    }
    if s.envelope {
        write_envelope_spellings(out, s);
    }

    let json_strings: Vec<&Field> = s.fields.iter().filter(|f| f.json_string).collect();
    if !s.request_side && json_strings.is_empty() {
        return;
    }
    out.line(format!("impl{generics} {}{generics} {{", s.name));
    let builder = s.request_side && needs_builder(&s.fields);
    if builder {
        out.doc(&format!(
            "A builder: set the required fields ({}), then `build()`; the optional ones \
             start unset and have setters here.",
            ctor_fields(&s.fields)
                .iter()
                .map(|f| format!("`{}`", f.rust))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.line(format!("pub fn builder() -> {}Builder {{", s.name));
        out.line(format!("{}Builder::default()", s.name));
        out.line("}");
        out.blank();
        // For this crate's own code, which has every field at hand.
        out.line("#[allow(dead_code)]");
        write_new_with(
            out,
            "pub(crate)",
            &format!("A `{}`", s.name),
            &s.fields,
            None,
            true,
        );
        write_setters(out, &s.fields, None);
        out.blank();
        write_validate(out, api, s);
    } else if s.request_side {
        write_new_with(
            out,
            "pub",
            &format!("A `{}`", s.name),
            &s.fields,
            None,
            !s.envelope,
        );
        write_setters(out, &s.fields, None);
        out.blank();
        write_validate(out, api, s);
    }
    for f in json_strings {
        out.blank();
        out.doc(&format!(
            "Parses `{}`, a JSON document sent as a string: `Ok(None)` when it is absent or empty.",
            f.wire
        ));
        out.line(format!(
            "pub fn parse_{}(&self) -> Result<Option<serde_json::Value>, serde_json::Error> {{",
            naming::bare(&f.rust)
        ));
        if f.required {
            out.line(format!("let text = self.{}.as_str();", f.rust));
            out.line("if text.trim().is_empty() { return Ok(None); }");
            out.line("serde_json::from_str(text).map(Some)");
        } else {
            out.line(format!("match self.{}.as_deref() {{", f.rust));
            out.line(
                "Some(text) if !text.trim().is_empty() => serde_json::from_str(text).map(Some),",
            );
            out.line("_ => Ok(None),");
            out.line("}");
        }
        out.line("}");
    }
    out.line("}");
    out.blank();
    if builder {
        write_builder(out, s);
    }
    if s.request_side && ctor_fields(&s.fields).is_empty() {
        write_default(out, &s.name);
    }
}

/// Whether a request struct gets a builder instead of a positional `new`: more than three
/// required arguments, at least two of them text (easy to swap unnoticed).
fn needs_builder(fields: &[Field]) -> bool {
    let args = ctor_fields(fields);
    args.len() > 3 && args.iter().filter(|f| f.ty == Ty::String).count() >= 2
}

/// `<Name>Builder`: the required fields of `s` by name; `build()` names the first one
/// missing as an invalid request, before anything is sent.
fn write_builder(out: &mut Out, s: &Struct) {
    let name = format!("{}Builder", s.name);
    let args = ctor_fields(&s.fields);
    out.doc(&format!(
        "Builds a [`{}`] from its required fields, each set by name.",
        s.name
    ));
    out.line("#[derive(Clone, Default)]");
    out.line("#[must_use = \"a builder does nothing until `build()`\"]");
    out.line(format!("pub struct {name} {{"));
    for f in &args {
        out.line(format!("{}: Option<{}>,", f.rust, f.ty.rust()));
    }
    out.line("}");
    out.blank();
    // The values may be secret: `Debug` says only which fields are set.
    out.line(format!("impl std::fmt::Debug for {name} {{"));
    out.line("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
    out.line(format!("f.debug_struct({})", lit(&name)));
    for f in &args {
        out.line(format!(
            ".field({}, &self.{}.is_some())",
            lit(naming::bare(&f.rust)),
            f.rust
        ));
    }
    out.line(".finish()");
    out.line("}");
    out.line("}");
    out.blank();
    out.line(format!("impl {name} {{"));
    for f in &args {
        out.doc(&format!("Sets `{}` (required): {}", f.wire, f.doc));
        let (ty, value) = arg_ty(&f.ty, "value");
        out.line(format!(
            "pub fn {}(mut self, value: {ty}) -> Self {{",
            f.rust
        ));
        out.line(format!("self.{} = Some({value});", f.rust));
        out.line("self");
        out.line("}");
        out.blank();
    }
    out.doc(&format!(
        "The [`{}`]; a required field left unset is an invalid-request error naming it \
         (nothing has been sent).",
        s.name
    ));
    out.line(format!(
        "pub fn build(self) -> Result<{}, common_http::Error> {{",
        s.name
    ));
    out.line(format!("Ok({} {{", s.name));
    for f in &s.fields {
        if let Some(variant) = &f.fixed {
            let Ty::Enum(e) = &f.ty else { continue };
            out.line(format!("{}: {e}::{variant},", f.rust));
        } else if f.required {
            out.line(format!(
                "{}: self.{}.ok_or_else(|| common_http::Error::invalid_request(\"`{}` is required\"))?,",
                f.rust, f.rust, f.wire
            ));
        } else {
            out.line(format!("{}: None,", f.rust));
        }
    }
    out.line(format!("{UNDOCUMENTED}: serde_json::Map::new(),"));
    out.line("})");
    out.line("}");
    out.line("}");
    out.blank();
}

/// The struct's field names on the wire, in the documented order: tabular output (the
/// command-line tool's columns) names them from here instead of copying the list.
fn write_wire_fields(out: &mut Out, s: &Struct) {
    out.line(format!("impl {} {{", s.name));
    out.doc("The field names on the wire, in the documented order.");
    let names: Vec<String> = s.fields.iter().map(|f| lit(&f.wire)).collect();
    out.line(format!(
        "pub const WIRE_FIELDS: &'static [&'static str] = &[{}];",
        names.join(", ")
    ));
    out.line("}");
    out.blank();
}

/// Every spelling of each envelope field (its wire name, then its `x-aliases`), and the
/// list of them: the vendor's `Envelope` implementation reads the code, message and
/// payload by these names before the payload is decoded (envelope first), so they have one
/// home, the spec.
fn write_envelope_spellings(out: &mut Out, s: &Struct) {
    out.line(format!("impl<T> {}<T> {{", s.name));
    for f in &s.fields {
        let names: Vec<String> = std::iter::once(&f.wire)
            .chain(&f.aliases)
            .map(|n| lit(n))
            .collect();
        out.doc(&format!("The spellings of `{}`.", f.wire));
        out.line(format!(
            "pub(crate) const {}_NAMES: &'static [&'static str] = &[{}];",
            naming::bare(&f.rust).to_ascii_uppercase(),
            names.join(", ")
        ));
    }
    out.doc("The spellings of every field, one list per field.");
    out.line(format!(
        "pub(crate) const SPELLINGS: &'static [&'static [&'static str]] = &[{}];",
        s.fields
            .iter()
            .map(|f| format!("Self::{}_NAMES", naming::bare(&f.rust).to_ascii_uppercase()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.line("}");
    out.blank();
}

/// The `undocumented` field as a secret field, for a hand-written `Debug` (it may hold an
/// unreadable value of a secret field).
fn undocumented_field() -> Field {
    Field {
        wire: UNDOCUMENTED.to_owned(),
        rust: UNDOCUMENTED.to_owned(),
        doc: String::new(),
        ty: Ty::Map,
        required: true,
        aliases: Vec::new(),
        lenient: None,
        json_string: false,
        comma: false,
        min_length: None,
        minimum: None,
        maximum: None,
        fixed: None,
        default_doc: None,
        envelope_data: false,
        secret: true,
        strict: false,
    }
}

/// The type a field is read as, and how its slot turns into the field's value.
fn slot_of(api: &Api, f: &Field) -> (String, String) {
    let ty = if f.comma {
        let Ty::Vec(item) = &f.ty else {
            return (f.ty.rust(), ".optional()".to_owned());
        };
        format!("common_http::tolerant::CommaList<{}>", item.rust())
    } else {
        f.ty.rust()
    };
    let unwrap_comma = if f.comma { ".map(|list| list.0)" } else { "" };
    let finish = if !f.required && f.strict {
        format!(".needed_if_present()?{unwrap_comma}")
    } else if !f.required {
        format!(".optional(){unwrap_comma}")
    } else if f.strict {
        format!(".needed()?{}", if f.comma { ".0" } else { "" })
    } else {
        match &f.ty {
            _ if f.comma => {
                ".required_or(|| common_http::tolerant::CommaList(Vec::new())).0".to_owned()
            }
            Ty::String
            | Ty::I32
            | Ty::I64
            | Ty::F64
            | Ty::Bool
            | Ty::Json
            | Ty::Map
            | Ty::Vec(_)
            | Ty::Records(_)
            | Ty::Timestamp => ".required()".to_owned(),
            Ty::Enum(name) => match &f.fixed {
                Some(variant) => format!(".required_or(|| {name}::{variant})"),
                None if api.enums.iter().any(|e| &e.name == name) => {
                    format!(".required_or(|| {name}::Unknown(Default::default()))")
                }
                None => ".needed()?".to_owned(),
            },
            // No empty value to stand in: the record is kept raw instead.
            Ty::Struct(_) | Ty::DateTime | Ty::Date | Ty::DateOrDateTime | Ty::Generic => {
                ".needed()?".to_owned()
            }
        }
    };
    (ty, finish)
}

/// The spellings the documentation allows besides the field's type (`x-lenient`), as
/// `common_http::tolerant::At` flags.
fn documented_spellings(f: &Field) -> Option<&'static str> {
    Some(match f.lenient? {
        Lenient::NumberOrString => {
            "common_http::tolerant::At::NUMBER_AS_TEXT | common_http::tolerant::At::EMPTY_AS_ABSENT"
        }
        Lenient::StringOrNumber => "common_http::tolerant::At::TEXT_AS_NUMBER",
        Lenient::BoolOrString => "common_http::tolerant::At::BOOL_AS_TEXT",
        Lenient::EmptyAsNone => "common_http::tolerant::At::EMPTY_AS_ABSENT",
    })
}

/// The tolerant reader of a model (see `common_http::tolerant`): every field through a
/// `Slot` (any documented spelling of its name, its value in any spelling of its type),
/// unknown fields and unreadable values kept in `undocumented`, strict fields (`x-strict`)
/// failing the record. And `Tolerant`, so a model nested in another is read the same way.
fn write_tolerant_deserialize(out: &mut Out, api: &Api, s: &Struct) {
    let name = &s.name;
    out.doc(
        "Read tolerantly (`common_http::tolerant`): every documented spelling and type, \
         nothing lost, every deviation recorded as drift.",
    );
    out.line(format!("impl<'de> serde::Deserialize<'de> for {name} {{"));
    out.line(
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {",
    );
    out.line("struct Visitor;");
    out.line("impl<'de> serde::de::Visitor<'de> for Visitor {");
    out.line(format!("type Value = {name};"));
    out.line("fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
    out.line(format!(
        "f.write_str({})",
        lit(&format!("a {} object", s.vendor_name))
    ));
    out.line("}");
    out.line(format!(
        "fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<{name}, A::Error> {{"
    ));
    for f in &s.fields {
        let (ty, _) = slot_of(api, f);
        let path = lit(&format!("{}.{}", s.vendor_name, f.wire));
        let at = match documented_spellings(f) {
            Some(flags) => format!("common_http::tolerant::At::new({path}).allowing({flags})"),
            None => format!("common_http::tolerant::At::new({path})"),
        };
        let strict = if f.strict { ".strict()" } else { "" };
        out.line(format!(
            "let mut {} = common_http::tolerant::Slot::<{ty}>::new({at}){strict};",
            slot_var(f)
        ));
    }
    out.line(format!(
        "let mut {UNDOCUMENTED} = common_http::tolerant::Extra::new({});",
        lit(&s.vendor_name)
    ));
    out.line("while let Some(key) = map.next_key::<common_http::tolerant::Key<'de>>()? {");
    out.line("match key.as_str() {");
    for f in &s.fields {
        let names: Vec<String> = std::iter::once(&f.wire)
            .chain(&f.aliases)
            .map(|n| lit(n))
            .collect();
        out.line(format!(
            "{} => {{ {}.read(&mut map, key.as_str(), &mut {UNDOCUMENTED})?; }}",
            names.join(" | "),
            slot_var(f)
        ));
    }
    out.line(format!(
        "_ => {{ {UNDOCUMENTED}.unknown(&mut map, key)?; }}"
    ));
    out.line("}");
    out.line("}");
    out.line(format!("Ok({name} {{"));
    for f in &s.fields {
        let (_, finish) = slot_of(api, f);
        out.line(format!("{}: {}{finish},", f.rust, slot_var(f)));
    }
    out.line(format!("{UNDOCUMENTED}: {UNDOCUMENTED}.into_map(),"));
    out.line("})");
    out.line("}");
    out.line("}");
    out.line("deserializer.deserialize_map(Visitor)");
    out.line("}");
    out.line("}");
    out.blank();
    out.line(format!(
        "impl common_http::tolerant::Tolerant for {name} {{"
    ));
    out.line("fn read<'de, D: serde::Deserializer<'de>>(deserializer: D, at: common_http::tolerant::At) -> Result<common_http::tolerant::Read<Self>, D::Error> {");
    out.line("common_http::tolerant::read_model(deserializer, at)");
    out.line("}");
    out.line("}");
    out.blank();
}

/// The local variable holding a field's slot while its model is read.
fn slot_var(f: &Field) -> String {
    format!("slot_{}", naming::bare(&f.rust))
}

/// `impl Default` through an argument-less `new()` (clippy's `new_without_default`).
pub(crate) fn write_default(out: &mut Out, name: &str) {
    out.line(format!("impl Default for {name} {{"));
    out.line("fn default() -> Self {");
    out.line("Self::new()");
    out.line("}");
    out.line("}");
    out.blank();
}

fn write_validate(out: &mut Out, api: &Api, s: &Struct) {
    out.doc(
        "Checks the documented constraints (required text not empty, numbers within their \
         bounds, ranges in order, nested values) before anything is sent.",
    );
    out.line("pub fn validate(&self) -> Result<(), common_http::Error> {");
    for line in validation_lines(api, &s.fields, "self") {
        out.line(line);
    }
    for (start, end) in &s.ranges {
        let a = super::spec::body_path(&api.structs, &s.name, start).unwrap_or_default();
        let b = super::spec::body_path(&api.structs, &s.name, end).unwrap_or_default();
        out.line(range_line("self", (start, &a), (end, &b)));
    }
    out.line("Ok(())");
    out.line("}");
}

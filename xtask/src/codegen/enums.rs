//! Enums with an `Unknown(..)` fallback that keeps (and writes back) unlisted values.

use super::ir::{Api, Enum, EnumKind, EnumValue};
use super::render::{Out, lit};

pub(crate) fn render(api: &Api, header: &str) -> String {
    let mut out = Out::default();
    out.line(header);
    out.inner_doc(&format!(
        "Enums of the {}: each documented value is a variant, and any other value the \
         server sends is kept in `Unknown` and written back unchanged.",
        api.title
    ));
    out.blank();
    for e in &api.enums {
        render_enum(&mut out, e);
    }
    out.finish()
}

fn value_text(value: &EnumValue) -> String {
    match value {
        EnumValue::Int(i) => i.to_string(),
        EnumValue::Str(s) => s.clone(),
    }
}

fn render_enum(out: &mut Out, e: &Enum) {
    let name = &e.name;
    let (raw, derive) = match e.kind {
        EnumKind::Int => ("i64", "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]"),
        EnumKind::Str => ("String", "#[derive(Debug, Clone, PartialEq, Eq, Hash)]"),
    };
    out.doc(&e.doc);
    out.line(derive);
    out.line("#[non_exhaustive]");
    out.line(format!("pub enum {name} {{"));
    for v in &e.variants {
        out.doc(&format!(
            "{} (`{}`).",
            v.doc.trim_end_matches('.'),
            value_text(&v.value)
        ));
        out.line(format!("{},", v.name));
    }
    out.doc("A value these docs do not list, kept as sent.");
    out.line(format!("Unknown({raw}),"));
    out.line("}");
    out.blank();

    out.line(format!("impl {name} {{"));
    out.doc("Every documented value, in the order of the docs.");
    let all: Vec<String> = e
        .variants
        .iter()
        .map(|v| format!("Self::{}", v.name))
        .collect();
    out.line(format!(
        "pub const ALL: &'static [Self] = &[{}];",
        all.join(", ")
    ));
    out.blank();
    out.doc("Whether the value is one these docs do not list (kept in `Unknown`).");
    out.line("pub const fn is_unknown(&self) -> bool {");
    out.line("matches!(self, Self::Unknown(_))");
    out.line("}");
    out.blank();
    match e.kind {
        EnumKind::Int => {
            out.doc("The value on the wire.");
            out.line("pub const fn as_i64(&self) -> i64 {");
            out.line("match self {");
            for v in &e.variants {
                out.line(format!("Self::{} => {},", v.name, value_text(&v.value)));
            }
            out.line("Self::Unknown(value) => *value,");
            out.line("}");
            out.line("}");
        }
        EnumKind::Str => {
            out.doc("The value on the wire.");
            out.line("pub fn as_str(&self) -> &str {");
            out.line("match self {");
            for v in &e.variants {
                out.line(format!(
                    "Self::{} => {},",
                    v.name,
                    lit(&value_text(&v.value))
                ));
            }
            out.line("Self::Unknown(value) => value.as_str(),");
            out.line("}");
            out.line("}");
        }
    }
    out.line("}");
    out.blank();

    out.doc(
        "Read tolerantly: an unlisted value is kept (and recorded as drift), `\"\"` is absent.",
    );
    out.line(format!(
        "impl common_http::tolerant::Tolerant for {name} {{"
    ));
    out.line("fn read<'de, D: serde::Deserializer<'de>>(deserializer: D, at: common_http::tolerant::At) -> Result<common_http::tolerant::Read<Self>, D::Error> {");
    out.line(match e.kind {
        EnumKind::Int => "common_http::tolerant::read_int_enum(deserializer, at, Self::is_unknown)",
        EnumKind::Str => {
            "common_http::tolerant::read_text_enum(deserializer, at, Self::is_unknown)"
        }
    });
    out.line("}");
    out.line("}");
    out.blank();

    match e.kind {
        EnumKind::Int => {
            out.line(format!("impl From<i64> for {name} {{"));
            out.line("fn from(value: i64) -> Self {");
            out.line("match value {");
            for v in &e.variants {
                out.line(format!("{} => Self::{},", value_text(&v.value), v.name));
            }
            out.line("other => Self::Unknown(other),");
            out.line("}");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl From<{name}> for i64 {{"));
            out.line(format!("fn from(value: {name}) -> Self {{"));
            out.line("value.as_i64()");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl std::str::FromStr for {name} {{"));
            out.line("type Err = std::num::ParseIntError;");
            out.blank();
            out.line("fn from_str(text: &str) -> Result<Self, Self::Err> {");
            out.line("text.trim().parse::<i64>().map(Self::from)");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl std::fmt::Display for {name} {{"));
            out.line("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
            out.line("write!(f, \"{}\", self.as_i64())");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl serde::Serialize for {name} {{"));
            out.line("fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {");
            out.line("serializer.serialize_i64(self.as_i64())");
            out.line("}");
            out.line("}");
            out.blank();
            out.doc_raw("Reads a number or a numeric string (`3` or `\"3\"`).");
            out.line(format!("impl<'de> serde::Deserialize<'de> for {name} {{"));
            out.line("fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {");
            out.line("common_http::lenient::number_or_string::deserialize::<D, i64>(deserializer).map(Self::from)");
            out.line("}");
            out.line("}");
        }
        EnumKind::Str => {
            out.line(format!("impl From<&str> for {name} {{"));
            out.line("fn from(value: &str) -> Self {");
            out.line("match value {");
            for v in &e.variants {
                out.line(format!(
                    "{} => Self::{},",
                    lit(&value_text(&v.value)),
                    v.name
                ));
            }
            out.line("other => Self::Unknown(other.to_owned()),");
            out.line("}");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl From<String> for {name} {{"));
            out.line("fn from(value: String) -> Self {");
            out.line("match Self::from(value.as_str()) {");
            out.line("Self::Unknown(_) => Self::Unknown(value),");
            out.line("known => known,");
            out.line("}");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl std::str::FromStr for {name} {{"));
            out.line("type Err = std::convert::Infallible;");
            out.blank();
            out.line("fn from_str(text: &str) -> Result<Self, Self::Err> {");
            out.line("Ok(Self::from(text))");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl std::fmt::Display for {name} {{"));
            out.line("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
            out.line("f.write_str(self.as_str())");
            out.line("}");
            out.line("}");
            out.blank();
            out.line(format!("impl serde::Serialize for {name} {{"));
            out.line("fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {");
            out.line("serializer.serialize_str(self.as_str())");
            out.line("}");
            out.line("}");
            out.blank();
            out.doc_raw("Reads a string (or a number, kept as its text).");
            out.line(format!("impl<'de> serde::Deserialize<'de> for {name} {{"));
            out.line("fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {");
            out.line(
                "common_http::lenient::string_or_number::deserialize(deserializer).map(Self::from)",
            );
            out.line("}");
            out.line("}");
        }
    }
    out.blank();
}

//! The intermediate representation the renderers work from: everything resolved, named
//! and checked, in spec order.

/// One vendor API.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    /// The Rust crate name used in doc examples (`rokid_client`).
    pub crate_name: String,
    /// `info.title`.
    pub title: String,
    /// The name of the `x-envelope` schema, if any.
    pub envelope: Option<String>,
    pub structs: Vec<Struct>,
    pub enums: Vec<Enum>,
    pub operations: Vec<Operation>,
}

impl Api {
    pub(crate) fn find_struct(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }
}

/// A Rust type a field can have.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    String,
    I32,
    I64,
    F64,
    Bool,
    /// `serde_json::Value`.
    Json,
    /// `serde_json::Map<String, serde_json::Value>`.
    Map,
    Vec(Box<Ty>),
    /// The records of a listing, `Vec<common_http::tolerant::Record<T>>` of a generated
    /// struct: one that cannot be read is kept raw instead of failing its page.
    Records(String),
    /// A generated struct.
    Struct(String),
    /// A generated enum.
    Enum(String),
    /// `common_http::datetime::Timestamp`.
    Timestamp,
    /// `time::PrimitiveDateTime`.
    DateTime,
    /// `time::Date`.
    Date,
    /// `common_http::datetime::DateOrDateTime`.
    DateOrDateTime,
    /// The envelope's generic payload.
    Generic,
}

impl Ty {
    /// The type as written in generated code.
    pub(crate) fn rust(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Json => "serde_json::Value".into(),
            Ty::Map => "serde_json::Map<String, serde_json::Value>".into(),
            Ty::Vec(item) => format!("Vec<{}>", item.rust()),
            Ty::Records(name) => format!("Vec<common_http::tolerant::Record<{name}>>"),
            Ty::Struct(name) | Ty::Enum(name) => name.clone(),
            Ty::Timestamp => "common_http::datetime::Timestamp".into(),
            Ty::DateTime => "time::PrimitiveDateTime".into(),
            Ty::Date => "time::Date".into(),
            Ty::DateOrDateTime => "common_http::datetime::DateOrDateTime".into(),
            Ty::Generic => "T".into(),
        }
    }

    pub(crate) fn is_integer(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64)
    }
}

/// `x-lenient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lenient {
    NumberOrString,
    StringOrNumber,
    BoolOrString,
    EmptyAsNone,
}

impl Lenient {
    pub(crate) fn module(self) -> &'static str {
        match self {
            Lenient::NumberOrString => "number_or_string",
            Lenient::StringOrNumber => "string_or_number",
            Lenient::BoolOrString => "bool_or_string",
            Lenient::EmptyAsNone => "empty_as_none",
        }
    }
}

/// A number bound (`minimum`/`maximum`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn literal(self) -> String {
        match self {
            Num::Int(v) => v.to_string(),
            Num::Float(v) => {
                let text = v.to_string();
                if text.contains('.') || text.contains('e') {
                    text
                } else {
                    format!("{text}.0")
                }
            }
        }
    }
}

/// A struct field, a query/header parameter or an envelope slot.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The name on the wire.
    pub wire: String,
    /// The Rust identifier (possibly `r#type`).
    pub rust: String,
    pub doc: String,
    pub ty: Ty,
    pub required: bool,
    pub aliases: Vec<String>,
    pub lenient: Option<Lenient>,
    pub json_string: bool,
    /// `x-list-format: comma`.
    pub comma: bool,
    pub min_length: Option<usize>,
    pub minimum: Option<Num>,
    pub maximum: Option<Num>,
    /// A required one-value enum with a `default`: the variant that fills it.
    pub fixed: Option<String>,
    /// The documented default of an optional value (documentation only).
    pub default_doc: Option<String>,
    /// `x-envelope-data`.
    pub envelope_data: bool,
    /// `x-secret`: a credential, token or signature that `Debug` must not show.
    pub secret: bool,
    /// `x-strict`: the client logic needs it (an id for follow-up calls): missing or
    /// unreadable, the whole record is kept raw instead of read tolerantly.
    pub strict: bool,
}

/// A generated struct (`components.schemas` object or an inline object property).
#[derive(Debug, Clone)]
pub(crate) struct Struct {
    pub name: String,
    /// The schema's key in the spec: the vendor's own name, used in drift paths.
    pub vendor_name: String,
    pub doc: String,
    pub fields: Vec<Field>,
    /// `x-envelope`: generic over its payload.
    pub envelope: bool,
    /// Reachable from a request body: gets `new`, setters and `validate`.
    pub request_side: bool,
    /// `x-range` pairs (dotted paths inside this struct) checked by `validate`.
    pub ranges: Vec<(String, String)>,
    /// `x-internal`: read by hand-written code that exposes its own public type, so it is
    /// `pub(crate)` (one public type per concept).
    pub internal: bool,
}

/// The value type of an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnumKind {
    Int,
    Str,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EnumValue {
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub name: String,
    pub value: EnumValue,
    pub doc: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Enum {
    pub name: String,
    pub doc: String,
    pub kind: EnumKind,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamIn {
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub field: Field,
    pub location: ParamIn,
}

/// What a successful response carries.
#[derive(Debug, Clone)]
pub(crate) enum Response {
    /// `Envelope<T>` with payload type `data`.
    Envelope { envelope: String, data: Ty },
    /// An unwrapped JSON body.
    Bare(Ty),
    /// A server-sent event stream; each event's data is `event`, and the stream is read
    /// into the hand-written type `output` (`x-stream-output`), whose
    /// `open(HttpClient, RequestSpec)` sends the request.
    Events { event: Ty, output: String },
}

/// Where the page numbers of a response are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageIn {
    Payload,
    Envelope,
}

#[derive(Debug, Clone)]
pub(crate) struct Pagination {
    /// Wire name (query) or dotted body path of the page-number field.
    pub request_page: String,
    pub request_size: String,
    pub response_in: PageIn,
    pub page: String,
    pub size: String,
    pub total: Option<String>,
    pub pages: Option<String>,
    pub items: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub schema: String,
    /// The media type when it is not plain `application/json`.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// `operationId` (snake_case): the vendor's name, for the docs.
    pub id: String,
    /// The Rust name (`x-rust-name`, else the id): the client method's name.
    pub rust: String,
    /// `PascalCase` of the Rust name: the operation type's name.
    pub name: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: Option<String>,
    pub auth: String,
    pub base: Option<String>,
    pub idempotent: bool,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub response: Response,
    pub pagination: Option<Pagination>,
    /// `x-range` pairs: parameter wire names or body paths.
    pub ranges: Vec<(String, String)>,
}

impl Operation {
    /// The name of the type the builder holds: `<Name>Request` when there are
    /// parameters, the body schema when there is only a body, none otherwise.
    pub(crate) fn request_type(&self) -> Option<String> {
        if !self.params.is_empty() {
            Some(format!("{}Request", self.name))
        } else {
            self.body.as_ref().map(|b| b.schema.clone())
        }
    }

    /// Whether a `<Name>Request` struct is generated for the parameters.
    pub(crate) fn has_params_type(&self) -> bool {
        !self.params.is_empty()
    }
}

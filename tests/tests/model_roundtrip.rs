//! Property-based round-trips of every generated model: for each schema in
//! `components.schemas` of each vendor's `openapi.yaml`, JSON values conforming to the
//! schema are generated from the spec itself (walked at test time with `openapiv3`),
//! deserialised into the generated Rust type, serialised back, and compared with the input.
//!
//! Where the spec documents a lenient reading, the generator also sends the lenient form
//! and states the canonical form the type writes back, explicitly:
//!
//! | spec                          | sent                                   | written back            |
//! |-------------------------------|----------------------------------------|-------------------------|
//! | `x-lenient: number-or-string` | `"5"`, `" 5 "` (and `""` if optional)  | `5` (absent)            |
//! | `x-lenient: string-or-number` | `5`, `2.5`                             | `"5"`, `"2.5"`          |
//! | `x-lenient: bool-or-string`   | `"true"`, `"Y"`, `1`, `"0"` …          | `true` / `false`        |
//! | `x-lenient: empty-as-none`    | `""`                                   | absent                  |
//! | `x-time` (date, date-time)    | `""` when optional                     | absent                  |
//! | `x-aliases`                   | the alias as key                       | the canonical key       |
//! | `x-list-format: comma`        | a JSON array                           | one comma-joined string |
//! | integer enum / string enum    | `"3"` / `3`                            | `3` / `"3"`             |
//! | any optional property         | `null`                                 | absent                  |
//!
//! Enums also get values the docs do not list (kept in `Unknown` and written back).
//! A schema without an entry in [`models!`] fails `every_schema_has_a_round_trip`.

use std::collections::BTreeSet;
use std::path::Path;

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

/// Cases per model: enough to reach every optional branch, fast enough to run in seconds.
const CASES: u32 = 64;

/// Deserialises `value` into `T` and serialises it back.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
    value: Value,
) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value).map_err(|e| format!("deserialise: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("serialise: {e}"))
}

/// One schema and its generated Rust type.
struct Model {
    schema: &'static str,
    round_trip: fn(Value) -> Result<Value, String>,
}

/// `vendor => crate: Schema, Envelope<Value>, …`: the schema name is the type name; an
/// envelope is checked with a free-form payload.
macro_rules! models {
    ($($vendor:literal => $krate:ident: $($name:ident $(<$generic:ty>)?),* $(,)?;)*) => {
        /// Every vendor with its models.
        fn registry() -> Vec<(&'static str, Vec<Model>)> {
            vec![$(($vendor, vec![$(Model {
                schema: stringify!($name),
                round_trip: round_trip::<$krate::$name $(<$generic>)?>,
            }),*])),*]
        }
    };
}

models! {
    "rokid" => rokid_client:
        RokidResponse<Value>, WorkRecordPage, WorkRecord, ChatLogPage, ChatLog, TaskProgress,
        DeletedFlag, ChatLogType;
    "sobot" => sobot_client:
        SobotResponse<Value>, TokenItem, AskRequest, QuestionRequest,
        AnswerVariableInfo, OpenProcessInfo, OpenInterfaceInfo, OpenInterfaceCardInfo,
        OpenCardParamInfo, OpenInterfaceCardButtonInfo, Answer, Session,
        Suggestion, QaInfo, PushInfo, PushData, AgentRequest,
        ThirdInterfaceInfo, ThirdInterfaceCardInfo, ThirdCardParamInfo,
        ThirdInterfaceCardButtonInfo, AgentAnswer, CallbackListBody,
        RecordListParams, ReceptionRecord, RuleInfo, AiRobot,
        SourceListParams, TimezoneInfo, SessionLabel, DislikeLabel, Audience, RobotAnswerType,
        RobotAnswerMessageType, TransferResult, RobotStatus, InputTypeEnum, BizType, SourceEnum,
        StatisticsSource, PushType, PollingStatus, VariableType, AnswerType,
        ValidTrigger2HumanType, ScoreLevel, StarLevel, MsgType, RobotModel, RobotType,
        RobotTypeCode, SolveStatus, LikeDislikeStatus, EmotionType, AssessStatus;
    "itnio" => itnio_client:
        ItnioResponse<Value>, TaskQueryRequest, TaskQueryParams, TaskPage, GroupCallTask,
        TaskStatus, TaskType, ResponseCode;
}

fn spec(vendor: &str) -> OpenAPI {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("crates")
        .join(format!("{vendor}-client"))
        .join("openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------- the spec, walked

/// What a schema asks for, with the spec's extensions resolved.
#[derive(Debug, Clone)]
enum Gen {
    Str,
    Int {
        bits32: bool,
    },
    Float,
    Bool,
    /// `{}`: any JSON value.
    Any,
    /// `type: object, additionalProperties: true`.
    Map,
    /// The documented values (numbers for an integer enum, strings otherwise).
    Enum {
        values: Vec<Value>,
        int: bool,
    },
    Array(Box<Gen>),
    Object(Vec<Prop>),
    /// `x-time: datetime` (`yyyy-MM-dd HH:mm:ss`), `date`, `date-or-datetime`.
    DateTime,
    Date,
    DateOrDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lenient {
    NumberOrString,
    StringOrNumber,
    BoolOrString,
    EmptyAsNone,
}

#[derive(Debug, Clone)]
struct Prop {
    wire: String,
    aliases: Vec<String>,
    required: bool,
    lenient: Option<Lenient>,
    comma: bool,
    shape: Gen,
}

struct Walker<'a> {
    doc: &'a OpenAPI,
}

fn ext_str<'a>(schema: &'a Schema, key: &str) -> Option<&'a str> {
    schema
        .schema_data
        .extensions
        .get(key)
        .and_then(Value::as_str)
}

impl Walker<'_> {
    fn component(&self, name: &str) -> &Schema {
        let schemas = &self
            .doc
            .components
            .as_ref()
            .unwrap_or_else(|| panic!("no components"))
            .schemas;
        // A model is named by its Rust name: the schema key, or its `x-rust-name`.
        let by_rust_name = schemas.values().find_map(|schema| match schema {
            ReferenceOr::Item(schema) if ext_str(schema, "x-rust-name") == Some(name) => {
                Some(schema)
            }
            _ => None,
        });
        match (schemas.get(name), by_rust_name) {
            (_, Some(schema)) | (Some(ReferenceOr::Item(schema)), None) => schema,
            _ => panic!("no schema `{name}`"),
        }
    }

    fn resolve(&self, reference: &str) -> &Schema {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
        self.component(name)
    }

    fn item<'s>(&'s self, schema: &'s ReferenceOr<Box<Schema>>) -> &'s Schema {
        match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => self.resolve(reference),
        }
    }

    /// The generator of `schema`; `time` is the `x-time` of the property holding it.
    fn shape_of(&self, schema: &Schema, time: Option<&str>, depth: usize) -> Gen {
        assert!(depth < 16, "the schemas nest too deeply (a cycle?)");
        let time_gen = || match time {
            Some("datetime") => Some(Gen::DateTime),
            Some("date") => Some(Gen::Date),
            Some("date-or-datetime") => Some(Gen::DateOrDateTime),
            // iso-offset, local-datetime: a `Timestamp` keeps any text.
            _ => None,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Gen::Enum {
                values: s
                    .enumeration
                    .iter()
                    .flatten()
                    .cloned()
                    .map(Value::from)
                    .collect(),
                int: false,
            },
            SchemaKind::Type(Type::String(_)) => time_gen().unwrap_or(Gen::Str),
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => Gen::Enum {
                values: i
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|&n| Value::from(n))
                    .collect(),
                int: true,
            },
            SchemaKind::Type(Type::Integer(i)) => Gen::Int {
                bits32: matches!(
                    &i.format,
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32)
                ),
            },
            SchemaKind::Type(Type::Number(_)) => Gen::Float,
            SchemaKind::Type(Type::Boolean(_)) => Gen::Bool,
            SchemaKind::Type(Type::Array(a)) => {
                let items = a
                    .items
                    .as_ref()
                    .unwrap_or_else(|| panic!("array without items"));
                Gen::Array(Box::new(self.shape_of(self.item(items), None, depth + 1)))
            }
            SchemaKind::Type(Type::Object(o)) => {
                if o.properties.is_empty() && o.additional_properties.is_some() {
                    Gen::Map
                } else {
                    Gen::Object(self.props(o.properties.iter(), &o.required, depth))
                }
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, time, depth),
            SchemaKind::Any(a) if !a.all_of.is_empty() => self.all_of(&a.all_of, time, depth),
            SchemaKind::Any(a) if !a.properties.is_empty() => {
                Gen::Object(self.props(a.properties.iter(), &a.required, depth))
            }
            SchemaKind::Any(a) => match a.typ.as_deref() {
                None if a.additional_properties.is_some() => Gen::Map,
                None => Gen::Any,
                Some("string") if !a.enumeration.is_empty() => Gen::Enum {
                    values: a.enumeration.clone(),
                    int: false,
                },
                Some("string") => time_gen().unwrap_or(Gen::Str),
                Some("integer") => Gen::Int {
                    bits32: a.format.as_deref() == Some("int32"),
                },
                Some("number") => Gen::Float,
                Some("boolean") => Gen::Bool,
                other => panic!("unsupported schema type {other:?}"),
            },
            other => panic!("unsupported schema {other:?}"),
        }
    }

    fn all_of(&self, all_of: &[ReferenceOr<Schema>], time: Option<&str>, depth: usize) -> Gen {
        match all_of {
            [ReferenceOr::Reference { reference }] => {
                self.shape_of(self.resolve(reference), time, depth + 1)
            }
            other => panic!("unsupported allOf {other:?}"),
        }
    }

    fn props<'s>(
        &self,
        properties: impl Iterator<Item = (&'s String, &'s ReferenceOr<Box<Schema>>)>,
        required: &[String],
        depth: usize,
    ) -> Vec<Prop> {
        properties
            .map(|(wire, prop)| {
                let schema = self.item(prop);
                let lenient = ext_str(schema, "x-lenient").map(|l| match l {
                    "number-or-string" => Lenient::NumberOrString,
                    "string-or-number" => Lenient::StringOrNumber,
                    "bool-or-string" => Lenient::BoolOrString,
                    "empty-as-none" => Lenient::EmptyAsNone,
                    other => panic!("unknown x-lenient {other}"),
                });
                let aliases = schema
                    .schema_data
                    .extensions
                    .get("x-aliases")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                Prop {
                    wire: wire.clone(),
                    aliases,
                    required: required.contains(wire),
                    lenient,
                    comma: ext_str(schema, "x-list-format") == Some("comma"),
                    shape: self.shape_of(schema, ext_str(schema, "x-time"), depth + 1),
                }
            })
            .collect()
    }
}

// ---------------------------------------------------------------- strategies

/// A value to send and the value the type must write back (`None`: absent).
type Case = (Value, Option<Value>);

fn same(value: Value) -> Case {
    (value.clone(), Some(value))
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-zA-Z0-9 _.:-]{0,12}",
        ".{0,6}",
        Just(String::new()),
        Just("2026-06-17T10:00:00.000+08:00".to_owned()),
    ]
    .boxed()
}

fn float() -> BoxedStrategy<f64> {
    prop_oneof![
        -1.0e9..1.0e9f64,
        (-1_000_000i32..1_000_000).prop_map(f64::from),
        Just(0.1),
        Just(1.0e300),
    ]
    .boxed()
}

fn int(bits32: bool) -> BoxedStrategy<i64> {
    if bits32 {
        prop_oneof![any::<i32>().prop_map(i64::from), Just(i64::from(i32::MAX))].boxed()
    } else {
        prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), -100i64..100].boxed()
    }
}

fn date() -> BoxedStrategy<String> {
    (1970u32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .boxed()
}

fn datetime() -> BoxedStrategy<String> {
    (date(), 0u32..24, 0u32..60, 0u32..60)
        .prop_map(|(d, h, mi, s)| format!("{d} {h:02}:{mi:02}:{s:02}"))
        .boxed()
}

/// Any JSON value (for `{}` and free-form maps), nested a little.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        float().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An enum value: a documented one, or one the docs do not list.
fn enum_value(values: &[Value], int: bool) -> BoxedStrategy<Value> {
    let listed = proptest::sample::select(values.to_vec());
    let known = values.to_vec();
    let unlisted = if int {
        any::<i64>()
            .prop_filter("unlisted", move |n| !known.contains(&Value::from(*n)))
            .prop_map(Value::from)
            .boxed()
    } else {
        "unlisted_[a-z0-9]{1,6}".prop_map(Value::from).boxed()
    };
    prop_oneof![3 => listed, 1 => unlisted].boxed()
}

/// Conforming values of `shape`, each with what it is written back as.
fn values(shape: &Gen) -> BoxedStrategy<Case> {
    match shape {
        Gen::Str => text().prop_map(|s| same(Value::from(s))).boxed(),
        Gen::Int { bits32 } => int(*bits32).prop_map(|n| same(Value::from(n))).boxed(),
        Gen::Float => float().prop_map(|f| same(Value::from(f))).boxed(),
        Gen::Bool => any::<bool>().prop_map(|b| same(Value::from(b))).boxed(),
        Gen::Any => any_json().prop_map(same).boxed(),
        Gen::Map => proptest::collection::btree_map("[a-zA-Z_]{1,8}", any_json(), 0..4)
            .prop_map(|m| same(Value::Object(m.into_iter().collect())))
            .boxed(),
        Gen::Enum { values, int } => {
            let canonical = enum_value(values, *int).prop_map(same);
            // Integer enums read `"3"`; string enums read `3`: the canonical form is written.
            let other_form = enum_value(values, *int).prop_filter_map("a number", |v| match &v {
                Value::Number(n) => Some((Value::from(n.to_string()), Some(v))),
                Value::String(s) if s.parse::<i64>().is_ok() => {
                    Some((Value::from(s.parse::<i64>().ok()?), Some(v)))
                }
                _ => None,
            });
            if values
                .iter()
                .any(|v| v.is_number() || v.as_str().is_some_and(|s| s.parse::<i64>().is_ok()))
            {
                prop_oneof![3 => canonical, 1 => other_form].boxed()
            } else {
                canonical.boxed()
            }
        }
        Gen::Array(item) => proptest::collection::vec(values(item), 0..3)
            .prop_map(|items| {
                let (sent, back): (Vec<Value>, Vec<Option<Value>>) = items.into_iter().unzip();
                let back = back.into_iter().map(|v| v.unwrap_or(Value::Null)).collect();
                (Value::Array(sent), Some(Value::Array(back)))
            })
            .boxed(),
        Gen::Object(props) => object(props),
        Gen::DateTime => datetime().prop_map(|s| same(Value::from(s))).boxed(),
        Gen::Date => date().prop_map(|s| same(Value::from(s))).boxed(),
        Gen::DateOrDateTime => prop_oneof![date(), datetime()]
            .prop_map(|s| same(Value::from(s)))
            .boxed(),
    }
}

/// An item of a comma-joined list: no comma, no blank, no surrounding space.
fn comma_item(shape: &Gen) -> BoxedStrategy<String> {
    match shape {
        Gen::Str => "[a-zA-Z0-9_]{1,6}".boxed(),
        Gen::Int { bits32 } => int(*bits32).prop_map(|n| n.to_string()).boxed(),
        Gen::Enum { values, int } => enum_value(values, *int)
            .prop_map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .boxed(),
        other => panic!("x-list-format: comma on {other:?}"),
    }
}

/// The values of one property, the lenient forms its spec documents included.
fn property(prop: &Prop) -> BoxedStrategy<Case> {
    let base = if prop.comma {
        let Gen::Array(item) = &prop.shape else {
            panic!("{}: x-list-format: comma on a non-array", prop.wire)
        };
        let item = (**item).clone();
        proptest::collection::vec(comma_item(&item), 0..4)
            .prop_flat_map(move |items| {
                let joined = Value::from(items.join(","));
                let array = Value::Array(
                    items
                        .iter()
                        .map(|s| match &item {
                            Gen::Int { .. } => s.parse::<i64>().map_or(Value::Null, Value::from),
                            _ => Value::from(s.as_str()),
                        })
                        .collect(),
                );
                prop_oneof![Just(same(joined.clone())), Just((array, Some(joined))),]
            })
            .boxed()
    } else {
        values(&prop.shape)
    };
    let mut forms = vec![base];
    match (prop.lenient, &prop.shape) {
        (Some(Lenient::NumberOrString), Gen::Int { bits32 }) => forms.push(
            int(*bits32)
                .prop_flat_map(|n| {
                    prop_oneof![
                        Just((Value::from(n.to_string()), Some(Value::from(n)))),
                        Just((Value::from(format!(" {n} ")), Some(Value::from(n)))),
                    ]
                })
                .boxed(),
        ),
        (Some(Lenient::NumberOrString), Gen::Float) => forms.push(
            float()
                .prop_map(|f| (Value::from(f.to_string()), Some(Value::from(f))))
                .boxed(),
        ),
        (Some(Lenient::StringOrNumber), _) => forms.push(
            prop_oneof![
                any::<i64>().prop_map(|n| (Value::from(n), Some(Value::from(n.to_string())))),
                float().prop_map(|f| (Value::from(f), Some(Value::from(f.to_string())))),
            ]
            .boxed(),
        ),
        (Some(Lenient::BoolOrString), _) => forms.push(
            prop_oneof![
                proptest::sample::select(vec!["true", "TRUE", "1", "yes", "Y", " true "])
                    .prop_map(|s| (Value::from(s), Some(Value::from(true)))),
                proptest::sample::select(vec!["false", "False", "0", "no", "n"])
                    .prop_map(|s| (Value::from(s), Some(Value::from(false)))),
                any::<bool>().prop_map(|b| (Value::from(u8::from(b)), Some(Value::from(b)))),
            ]
            .boxed(),
        ),
        _ => {}
    }
    // `""` is absent for optional lenient numbers and booleans, empty-as-none, and typed
    // times; a text (a string, a text enum, a timestamp) keeps it, so it is written back.
    let text = matches!(prop.shape, Gen::Str | Gen::Enum { int: false, .. });
    let empty_is_absent = matches!(
        prop.lenient,
        Some(Lenient::NumberOrString | Lenient::BoolOrString | Lenient::EmptyAsNone)
    ) || matches!(prop.shape, Gen::DateTime | Gen::Date);
    if !prop.required && empty_is_absent {
        let back = text.then(|| Value::from(""));
        forms.push(Just((Value::from(""), back)).boxed());
    }
    if prop.required {
        return proptest::strategy::Union::new(forms).boxed();
    }
    forms.push(Just((Value::Null, None)).boxed());
    // An optional property read as `null` (a `{}` value can be one) is written as absent.
    proptest::strategy::Union::new(forms)
        .prop_map(|(sent, back)| (sent, back.filter(|v| !v.is_null())))
        .boxed()
}

/// An object: each required property present, each optional one present or absent, under
/// its canonical name or one of its aliases.
fn object(props: &[Prop]) -> BoxedStrategy<Case> {
    let fields: Vec<BoxedStrategy<Option<(String, String, Case)>>> = props
        .iter()
        .map(|prop| {
            let mut names = vec![prop.wire.clone()];
            names.extend(prop.aliases.iter().cloned());
            let canonical = prop.wire.clone();
            let present = (proptest::sample::select(names), property(prop))
                .prop_map(move |(name, case)| Some((name, canonical.clone(), case)));
            if prop.required {
                present.boxed()
            } else {
                prop_oneof![Just(None), present].boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| {
            let mut sent = Map::new();
            let mut back = Map::new();
            for (name, canonical, (value, expected)) in fields.into_iter().flatten() {
                sent.insert(name, value);
                if let Some(expected) = expected {
                    back.insert(canonical, expected);
                }
            }
            (Value::Object(sent), Some(Value::Object(back)))
        })
        .boxed()
}

// ---------------------------------------------------------------- the tests

/// Round-trips every model of `vendor`; returns how many cases were normalised.
fn check_vendor(vendor: &str) -> usize {
    let doc = spec(vendor);
    let walker = Walker { doc: &doc };
    let (_, models) = registry()
        .into_iter()
        .find(|(v, _)| *v == vendor)
        .unwrap_or_else(|| panic!("no models for {vendor}"));
    let normalised = std::cell::Cell::new(0);
    for model in models {
        let shape = walker.shape_of(walker.component(model.schema), None, 0);
        let strategy = values(&shape);
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |(sent, expected)| {
            let expected = expected.unwrap_or(Value::Null);
            let back = (model.round_trip)(sent.clone())
                .map_err(|e| TestCaseError::fail(format!("{e}\nsent: {sent}")))?;
            prop_assert_eq!(&back, &expected, "sent: {}", sent);
            if sent != expected {
                normalised.set(normalised.get() + 1);
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{vendor} {}: {e}", model.schema);
        }
    }
    normalised.get()
}

#[test]
fn rokid_models_round_trip() {
    assert!(check_vendor("rokid") > 0, "no lenient form was exercised");
}

#[test]
fn sobot_models_round_trip() {
    assert!(check_vendor("sobot") > 0, "no lenient form was exercised");
}

#[test]
fn itnio_models_round_trip() {
    assert!(check_vendor("itnio") > 0, "no lenient form was exercised");
}

/// A schema added to a spec without a line in [`models!`] (or a line without a schema)
/// fails here.
#[test]
fn every_schema_has_a_round_trip() {
    for (vendor, models) in registry() {
        let doc = spec(vendor);
        // The public models, by Rust name (`x-internal` ones are not public).
        let in_spec: BTreeSet<&str> = doc
            .components
            .as_ref()
            .map(|c| {
                c.schemas
                    .iter()
                    .filter_map(|(key, schema)| match schema {
                        ReferenceOr::Item(schema) => {
                            let internal = schema.schema_data.extensions.get("x-internal")
                                == Some(&Value::Bool(true));
                            (!internal).then(|| ext_str(schema, "x-rust-name").unwrap_or(key))
                        }
                        ReferenceOr::Reference { .. } => Some(key.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let listed: BTreeSet<&str> = models.iter().map(|m| m.schema).collect();
        assert_eq!(
            listed.len(),
            models.len(),
            "{vendor}: a model is listed twice"
        );
        assert_eq!(
            listed, in_spec,
            "{vendor}: the models! list and the spec differ"
        );
    }
}

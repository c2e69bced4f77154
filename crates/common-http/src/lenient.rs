//! Serde helpers for vendor JSON that is looser than its documentation.
//!
//! Use them with `#[serde(deserialize_with = "...")]` (and `default` for the `option`
//! forms). Writing is left to the field's own `Serialize`, so a value read leniently is
//! written back in its canonical type.
//!
//! A field whose name arrives in two casings (`retCode`/`ret_code`) needs no helper:
//! `#[serde(alias = "retCode")]` accepts both, see the tests at the bottom.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};

/// A scalar as it arrived: text, or the text of a number or bool.
enum Scalar {
    Text(String),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a string, a boolean or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn parse_number<T, E>(text: &str) -> Result<T, E>
where
    T: FromStr,
    T::Err: fmt::Display,
    E: de::Error,
{
    let trimmed = text.trim();
    trimmed
        .parse::<T>()
        .or_else(|first| {
            // `5.0` for an integer field: accept when it is a whole number.
            match trimmed.parse::<f64>() {
                Ok(f) if f.fract() == 0.0 && f.is_finite() => {
                    format!("{f:.0}").parse::<T>().map_err(|_| first)
                }
                _ => Err(first),
            }
        })
        .map_err(|e| E::custom(format_args!("invalid number `{}`: {e}", excerpt(text))))
}

fn parse_bool<E: de::Error>(text: &str) -> Result<bool, E> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Ok(true),
        "false" | "0" | "no" | "n" => Ok(false),
        _ => Err(E::custom(format_args!(
            "invalid boolean `{}`",
            excerpt(text)
        ))),
    }
}

/// Keeps error messages short however long the offending value is.
fn excerpt(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// A number sent as a number or as a string (`86400` or `"86400"`).
pub mod number_or_string {
    use super::*;

    /// Reads the number.
    pub fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: fmt::Display,
    {
        match scalar(d)? {
            Scalar::Text(text) => parse_number(&text),
            Scalar::Null => Err(de::Error::custom("expected a number, found null")),
        }
    }

    /// The optional form: absent, `null` and `""` read as `None`.
    pub mod option {
        use super::super::*;

        /// Reads the optional number.
        pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
        where
            D: Deserializer<'de>,
            T: FromStr,
            T::Err: fmt::Display,
        {
            match scalar(d)? {
                Scalar::Text(text) if text.trim().is_empty() => Ok(None),
                Scalar::Text(text) => parse_number(&text).map(Some),
                Scalar::Null => Ok(None),
            }
        }
    }
}

/// A string that some servers send as a number (`"80"` or `80`); kept as text.
pub mod string_or_number {
    use super::*;

    /// Reads the text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match scalar(d)? {
            Scalar::Text(text) => Ok(text),
            Scalar::Null => Err(de::Error::custom("expected a string, found null")),
        }
    }

    /// The optional form: absent and `null` read as `None` (`""` stays `Some("")`).
    pub mod option {
        use super::super::*;

        /// Reads the optional text.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
            match scalar(d)? {
                Scalar::Text(text) => Ok(Some(text)),
                Scalar::Null => Ok(None),
            }
        }
    }
}

/// A boolean sent as `true`, `"true"`, `"false"`, `1` or `0`.
pub mod bool_or_string {
    use super::*;

    /// Reads the boolean.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match scalar(d)? {
            Scalar::Text(text) => parse_bool(&text),
            Scalar::Null => Err(de::Error::custom("expected a boolean, found null")),
        }
    }

    /// The optional form: absent, `null` and `""` read as `None`.
    pub mod option {
        use super::super::*;

        /// Reads the optional boolean.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
            match scalar(d)? {
                Scalar::Text(text) if text.trim().is_empty() => Ok(None),
                Scalar::Text(text) => parse_bool(&text).map(Some),
                Scalar::Null => Ok(None),
            }
        }
    }
}

/// An optional value where the vendor sends `""` for "none" (`"uploadTime": ""`).
pub mod empty_as_none {
    use super::*;

    /// Reads `""` and `null` as `None`, anything else as `T`.
    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(ref s) if s.is_empty() => Ok(None),
            other => T::deserialize(other).map(Some).map_err(de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Token {
        #[serde(
            alias = "expire_in",
            deserialize_with = "super::number_or_string::deserialize"
        )]
        expires_in: u64,
        #[serde(
            default,
            deserialize_with = "super::number_or_string::option::deserialize"
        )]
        count: Option<i32>,
        #[serde(
            default,
            deserialize_with = "super::bool_or_string::option::deserialize"
        )]
        timing: Option<bool>,
        #[serde(
            default,
            deserialize_with = "super::string_or_number::option::deserialize"
        )]
        rate: Option<String>,
        #[serde(default, deserialize_with = "super::empty_as_none::deserialize")]
        upload_time: Option<String>,
        #[serde(alias = "retCode")]
        ret_code: String,
    }

    fn parse(json: &str) -> Result<Token, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn accepts_the_loose_forms() {
        let t = parse(
            r#"{"expire_in":"86400","count":"","timing":"false","rate":80,"upload_time":"","retCode":"000000"}"#,
        );
        assert_eq!(
            t.ok(),
            Some(Token {
                expires_in: 86400,
                count: None,
                timing: Some(false),
                rate: Some("80".into()),
                upload_time: None,
                ret_code: "000000".into(),
            })
        );
        let t = parse(
            r#"{"expires_in":7200,"count":3,"timing":true,"rate":"100","upload_time":"x","ret_code":"1"}"#,
        );
        assert_eq!(
            t.ok(),
            Some(Token {
                expires_in: 7200,
                count: Some(3),
                timing: Some(true),
                rate: Some("100".into()),
                upload_time: Some("x".into()),
                ret_code: "1".into(),
            })
        );
    }

    #[test]
    fn whole_floats_read_as_integers_but_fractions_do_not() {
        assert!(parse(r#"{"expires_in":"5.0","ret_code":""}"#).is_ok_and(|t| t.expires_in == 5));
        assert!(parse(r#"{"expires_in":5.5,"ret_code":""}"#).is_err());
    }

    #[test]
    fn rejects_what_is_not_lenient() {
        assert!(parse(r#"{"expires_in":"soon","ret_code":""}"#).is_err());
        assert!(parse(r#"{"expires_in":null,"ret_code":""}"#).is_err());
        assert!(parse(r#"{"expires_in":1,"timing":"maybe","ret_code":""}"#).is_err());
        assert!(
            parse(r#"{"expires_in":-1,"ret_code":""}"#).is_err(),
            "u64 from -1"
        );
        assert!(
            parse(r#"{"expires_in":99999999999999999999999,"ret_code":""}"#).is_err(),
            "overflow is an error, not a wrap"
        );
        let long = format!(r#"{{"expires_in":"{}","ret_code":""}}"#, "x".repeat(10_000));
        let message = parse(&long)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.len() < 200,
            "error message is bounded: {}",
            message.len()
        );
    }
}

//! Rust names from wire names: `snake_case` fields, `PascalCase` types and variants,
//! raw identifiers for keywords.

/// Words that cannot be identifiers as they are (strict and reserved keywords, 2024
/// edition).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Splits a wire name into lower-case words: `gmtCreatedStart` -> gmt, created, start;
/// `SESSION_OVER_TIME` -> session, over, time; `HTTPServer` -> http, server;
/// `transfer2_human` -> transfer2, human; `WeChat Official Account` -> we, chat, official,
/// account.
pub(crate) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `pageNum` -> `page_num`.
pub(crate) fn snake_case(name: &str) -> String {
    words(name).join("_")
}

/// `list_work_records` -> `ListWorkRecords`; `SESSION_OVER_TIME` -> `SessionOverTime`.
pub(crate) fn pascal_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether `name` is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`, not `_`).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The identifier as it must be written: `type` -> `r#type`, `self` -> `self_`.
pub(crate) fn ident(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// The name without a raw prefix, for building other names (`parse_type`).
pub(crate) fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// The Rust field name of a wire name: the override if given, else its snake case,
/// escaped when it is a keyword.
pub(crate) fn field_name(wire: &str, rust_name: Option<&str>) -> Result<String, String> {
    let name = match rust_name {
        Some(name) => name.to_owned(),
        None => snake_case(wire),
    };
    if !is_identifier(&name) {
        return Err(format!(
            "`{wire}` gives the Rust name `{name}`, which is not an identifier (set `x-rust-name`)"
        ));
    }
    Ok(ident(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_of_wire_names() {
        assert_eq!(snake_case("pageNum"), "page_num");
        assert_eq!(snake_case("gmtCreatedStart"), "gmt_created_start");
        assert_eq!(snake_case("ret_code"), "ret_code");
        assert_eq!(snake_case("retCode"), "ret_code");
        assert_eq!(snake_case("timeZoneid"), "time_zoneid");
        assert_eq!(snake_case("transfer2_human"), "transfer2_human");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("idxAppId"), "idx_app_id");
        assert_eq!(snake_case("isMemory"), "is_memory");
        assert_eq!(snake_case("robotid"), "robotid");
        assert_eq!(snake_case("Api-Key"), "api_key");
    }

    #[test]
    fn pascal_case_of_values_and_operations() {
        assert_eq!(pascal_case("list_work_records"), "ListWorkRecords");
        assert_eq!(pascal_case("SESSION_OVER_TIME"), "SessionOverTime");
        assert_eq!(pascal_case("wap"), "Wap");
        assert_eq!(pascal_case("huJiao"), "HuJiao");
        assert_eq!(pascal_case("qihu360"), "Qihu360");
        assert_eq!(
            pascal_case("WeChat Official Account"),
            "WeChatOfficialAccount"
        );
        assert_eq!(pascal_case("PC"), "Pc");
        assert_eq!(pascal_case("camelCase"), "CamelCase");
        assert_eq!(
            pascal_case("WorkRecord") + &pascal_case("extraInfo"),
            "WorkRecordExtraInfo"
        );
    }

    #[test]
    fn keywords_become_raw_identifiers_unless_renamed() {
        assert_eq!(field_name("type", None).as_deref(), Ok("r#type"));
        assert_eq!(
            field_name("type", Some("log_type")).as_deref(),
            Ok("log_type")
        );
        assert_eq!(field_name("self", None).as_deref(), Ok("self_"));
        assert_eq!(field_name("async", None).as_deref(), Ok("r#async"));
        assert_eq!(field_name("pageNum", None).as_deref(), Ok("page_num"));
        assert_eq!(bare("r#type"), "type");
        assert!(field_name("x", Some("not valid")).is_err());
        assert!(field_name("8ball", None).is_err());
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("page_num"));
        assert!(is_identifier("_x"));
        assert!(!is_identifier("_"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}

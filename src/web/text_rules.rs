//! The rules every text field of the API follows, stated in the OpenAPI document once here
//! instead of on each of some hundred fields, so a client generated from `/docs` (or a
//! fuzzer) knows what the service will take. They are the rules of
//! `validate::{required,optional}_{text,prose}`: surrounding whitespace is trimmed, then
//! control characters are refused — prose keeps line breaks and tabs — and required text must
//! hold more than whitespace.
//!
//! A property of a request body is text when it is a plain string (no format, enum or
//! pattern of its own) and its name is not one of `NOT_TEXT` nor an id; it is required text
//! when it has a `minLength` or is required and not nullable; it is prose when its name is
//! one of `PROSE`. Two more rules every body shares are stated here too: IAF sector codes are
//! 1 to 39, and a country is an ISO 3166-1 alpha-2 code. On a list of text, a field's
//! `max_length` is moved to its items, where it is meant.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::accounts::domain::ISO_3166_ALPHA2;
use crate::web::openapi::{operations_mut, parameters_mut};

/// Fields validated as prose (`validate::required_prose`, `optional_prose`).
const PROSE: &[&str] = &[
    "description",
    "grounds",
    "note",
    "public_outcome",
    "rationale",
];

/// Plain strings that are not free text: secrets, references and identifiers, which are
/// checked (or looked up) as what they are.
const NOT_TEXT: &[&str] = &[
    "password",
    "current_password",
    "new_password",
    "credential",
    "token",
    "url",
    "email",
    "reporter_email",
    // Certificate numbers are read as typed (case, spaces, look-alike letters) and checked
    // by their check character; a bulk lookup answers a malformed one in its results.
    "number",
    "numbers",
    "certificate_number",
];

/// Unicode White_Space, the set Rust's `str::trim` removes.
const SPACE: &str =
    r"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (`char::is_control`).
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Control characters prose refuses: all but tab, line feed and carriage return.
const PROSE_CONTROL: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";

/// The pattern of a text field: whitespace, then text without `refused` characters that
/// ends in something other than whitespace, then whitespace; the middle may be absent
/// unless the text is required.
fn pattern(prose: bool, required: bool) -> String {
    let refused = if prose { PROSE_CONTROL } else { CONTROL };
    let core = format!("[^{refused}]*[^{SPACE}{refused}]");
    let core = if required {
        core
    } else {
        format!("(?:{core})?")
    };
    format!("^[{SPACE}]*{core}[{SPACE}]*$")
}

fn is_plain_string(schema: &Value) -> (bool, bool) {
    let nullable = schema["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    let string = schema["type"] == "string"
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "string"));
    let plain = string
        && ["format", "enum", "pattern", "const", "$ref"]
            .iter()
            .all(|key| schema.get(key).is_none());
    (plain, nullable)
}

fn constrain(name: &str, schema: &mut Value, required: bool) {
    let (plain, nullable) = is_plain_string(schema);
    if NOT_TEXT.contains(&name) || name == "id" || name.ends_with("_id") || name.ends_with("_ids") {
        // No field can hold a NUL: the edge refuses it in every string.
        if plain {
            schema["pattern"] = json!("^[^\\u0000]*$");
        }
        return;
    }
    if name == "sector_codes" {
        schema["items"]["minimum"] = json!(1);
        schema["items"]["maximum"] = json!(39);
    } else if name == "country" && plain {
        let codes: Vec<&str> = ISO_3166_ALPHA2.split(' ').collect();
        schema["enum"] = json!(codes);
    } else if plain {
        let required = schema["minLength"].as_u64().unwrap_or(0) > 0 || (required && !nullable);
        schema["pattern"] = Value::String(pattern(PROSE.contains(&name), required));
    } else if schema["type"] == "array"
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.contains(&json!("array")))
    {
        // On a list of text, `max_length` is meant for each item.
        if let Some(max) = schema.as_object_mut().and_then(|s| s.remove("maxLength")) {
            schema["items"]["maxLength"] = max;
        }
        if let Some(items) = schema.get_mut("items") {
            constrain(name, items, true);
        }
    }
}

/// States the rules on every schema a request body uses. A schema a response shares (a
/// clause in a standard's detail) gets them too: what the service sends passed them.
pub fn state(document: &mut Value) {
    let mut request_schemas = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    let bodies = operations_mut(document)
        .filter_map(|operation| operation.get_mut("requestBody"))
        .filter_map(|body| body.get_mut("content"));
    for body in bodies {
        refs_in(body, &mut pending);
        constrain_all(body);
    }
    for parameter in parameters_mut(document).filter(|parameter| parameter["name"] == "country") {
        // A list's filter: blank is no filter (a form's empty choice), else a code.
        constrain("country", &mut parameter["schema"], false);
        if let Some(codes) = parameter["schema"]["enum"].as_array_mut() {
            codes.push(json!(""));
        }
    }
    while let Some(name) = pending.pop() {
        if request_schemas.insert(name.clone()) {
            refs_in(&document["components"]["schemas"][&name], &mut pending);
        }
    }
    for name in request_schemas {
        constrain_all(&mut document["components"]["schemas"][&name]);
    }
}

/// The names of the component schemas `value` refers to.
fn refs_in(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            map.values().for_each(|v| refs_in(v, found));
        }
        Value::Array(values) => values.iter().for_each(|v| refs_in(v, found)),
        _ => {}
    }
}

/// Constrains the properties of `document` and of every schema nested in it.
fn constrain_all(document: &mut Value) {
    match document {
        Value::Object(map) => {
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, schema) in properties.iter_mut() {
                    constrain(name, schema, required.contains(name));
                }
            }
            for (key, value) in map.iter_mut() {
                if key != "properties" {
                    constrain_all(value);
                }
            }
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for schema in properties.values_mut() {
                    constrain_all(schema);
                }
            }
        }
        Value::Array(values) => values.iter_mut().for_each(constrain_all),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{optional_prose, optional_text, required_prose, required_text};

    /// What the Python `re` module (the fuzzer's) would say, approximated with the `regex`
    /// crate, which reads the same syntax for these patterns.
    fn matches(pattern: &str, text: &str) -> bool {
        let translated = pattern.replace(r"\u", r"\x");
        let translated = regex_hex(&translated);
        regex::Regex::new(&translated).unwrap().is_match(text)
    }

    /// `\xHHHH` → `\x{HHHH}`, the `regex` crate's spelling.
    fn regex_hex(pattern: &str) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(at) = rest.find(r"\x") {
            out.push_str(&rest[..at]);
            out.push_str(&format!(r"\x{{{}}}", &rest[at + 2..at + 6]));
            rest = &rest[at + 6..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn the_patterns_accept_exactly_what_the_validators_accept() {
        let samples = [
            "",
            " ",
            "\t\n",
            "Acme",
            "  Acme GmbH  ",
            "a\nb",
            "a\tb",
            "\na\n",
            "a\u{0}b",
            "\u{1}",
            "a\u{85}",
            "\u{85}a",
            "a\u{8a}b",
            "a\r\nb",
            "\u{b}a",
            "a\u{b}b",
            "Ünïcødé 漢字",
            "a\u{7f}",
            "\u{a0}",
            "\u{1c}a",
        ];
        for text in samples {
            for prose in [false, true] {
                let (required, optional) = if prose {
                    (
                        required_prose(text, 100).is_ok(),
                        optional_prose(Some(text), 100).is_ok(),
                    )
                } else {
                    (
                        required_text(text, 100).is_ok(),
                        optional_text(Some(text), 100).is_ok(),
                    )
                };
                assert_eq!(
                    matches(&pattern(prose, true), text),
                    required,
                    "{text:?} prose {prose} required"
                );
                assert_eq!(
                    matches(&pattern(prose, false), text),
                    optional,
                    "{text:?} prose {prose} optional"
                );
            }
        }
    }
}

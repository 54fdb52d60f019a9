//! From TOML text to the raw structs of [`super::raw`], collecting every structural
//! problem (syntax, types, unknown keys) with its position.

use super::errors::{KeyPath, Problem, ScenarioError};
use super::raw::*;
use serde::de::{DeserializeOwned, IntoDeserializer};
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Parses the TOML text into the raw structs, collecting every structural problem.
pub fn parse_raw(path: &Path, text: &str) -> Result<RawScenario, ScenarioError> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let offset = err.span().map(|s| s.start);
            let detail = err.message().trim().trim_end_matches('.').to_string();
            let hint = if detail.contains("duplicate key") {
                " (each key, and each [table] header, may appear only once)"
            } else {
                ""
            };
            let message = format!("this is not valid TOML: {detail}{hint}");
            return Err(ScenarioError::new(
                path,
                text,
                vec![Problem::at_offset(KeyPath::root(), message, offset)],
            ));
        }
    };
    let mut problems = Vec::new();
    let mut raw = RawScenario::default();
    for (key, value) in root.get_ref().iter() {
        let name: &str = key.get_ref();
        let at = KeyPath::root().key(name);
        match name {
            "scenario" => raw.scenario = section(value, &at, &mut problems),
            "simulation" => raw.simulation = section(value, &at, &mut problems),
            "company" => raw.company = section(value, &at, &mut problems),
            "revenue" => raw.revenue = section(value, &at, &mut problems),
            "costs" => raw.costs = section(value, &at, &mut problems),
            "credit" => raw.credit = section(value, &at, &mut problems),
            "insurance" => raw.insurance = section(value, &at, &mut problems),
            "buyers" => raw.buyers = elements(value, &at, &mut problems),
            "buyer_groups" => raw.buyer_groups = elements(value, &at, &mut problems),
            "stress" => raw.stress = elements(value, &at, &mut problems),
            other => problems.push(Problem::at_offset(
                at.clone(),
                unknown_key_message(other, &super::keys::children(""), "at the top level"),
                Some(key.span().start),
            )),
        }
    }
    if problems.is_empty() {
        Ok(raw)
    } else {
        Err(ScenarioError::new(path, text, problems))
    }
}

fn section<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if !value.get_ref().is_table() {
        problems.push(Problem::at_offset(
            at.clone(),
            format!(
                "must be a table (a [{at}] header), not {}",
                describe_value(value.get_ref())
            ),
            Some(value.span().start),
        ));
        return None;
    }
    deserialize_value(value, at, problems)
}

fn elements<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let Some(array) = value.get_ref().as_array() else {
        problems.push(Problem::at_offset(
            at.clone(),
            format!(
                "must be an array of tables, written as [[{at}]] headers, not {}",
                describe_value(value.get_ref())
            ),
            Some(value.span().start),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in array.iter().enumerate() {
        let name = item
            .get_ref()
            .as_table()
            .and_then(|t| t.get("name"))
            .and_then(|n| n.get_ref().as_str())
            .map(str::to_string);
        let item_at = at.index(i, name.as_deref());
        if !item.get_ref().is_table() {
            problems.push(Problem::at_offset(
                item_at,
                format!("must be a table, not {}", describe_value(item.get_ref())),
                Some(item.span().start),
            ));
            continue;
        }
        if let Some(v) = deserialize_value(item, &item_at, problems) {
            out.push(v);
        }
    }
    out
}

fn deserialize_value<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let de = value.clone().into_deserializer();
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Some(v),
        Err(err) => {
            let mut path = at.clone();
            for seg in err.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => path = path.index(*index, None),
                    serde_path_to_error::Segment::Map { key } => path = path.key(key),
                    serde_path_to_error::Segment::Enum { variant } => path = path.key(variant),
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let inner = err.into_inner();
            let (path, message) = humanize(path, inner.message());
            problems.push(Problem::at_offset(
                path,
                message,
                inner.span().map(|s| s.start),
            ));
            None
        }
    }
}

fn describe_value(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{s}\""),
        DeValue::Integer(i) => format!("the integer {}", i.as_str()),
        DeValue::Float(x) => format!("the number {}", x.as_str()),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// Turns serde's messages into advice, and moves an unknown key into the path.
fn humanize(path: KeyPath, message: &str) -> (KeyPath, String) {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // serde lists the fields of its struct; the allowed keys come from the key table.
        let field = rest.split_once('`').map_or(rest, |(field, _)| field);
        // serde_path_to_error already ends the path with the unknown key.
        let mut parent = path.clone();
        if parent.0.last() == Some(&super::errors::Seg::Key(field.to_string())) {
            parent.0.pop();
        }
        let where_ = if parent.is_root() {
            "here".to_string()
        } else {
            format!("in {parent}")
        };
        let field_path = parent.key(field);
        let allowed = super::keys::children(&parent.pattern());
        return (field_path, unknown_key_message(field, &allowed, &where_));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return (path.key(field), "is required".to_string());
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if found.ends_with(" as i128") {
            return (
                path,
                "is too large; whole numbers must be below 9223372036854775807".to_string(),
            );
        }
        let found = found
            .replace("floating point", "the number")
            .replace("string", "the text")
            .replace("integer", "the integer")
            .replace('`', "");
        let wanted = match expected.trim() {
            "f64" => "a number, such as 0.25 or 300000.0".to_string(),
            "i64" => "a whole number written as an integer (30, not 30.0)".to_string(),
            "u64" => "a non-negative whole number written as an integer".to_string(),
            "a string" => "a text in double quotes".to_string(),
            "a sequence" => "an array such as [1.0, 2.0]".to_string(),
            other => other.to_string(),
        };
        return (path, format!("must be {wanted}, not {found}"));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let wanted = match expected.trim() {
            "u64" => "a non-negative whole number".to_string(),
            "i64" => "a whole number that fits in 64 bits".to_string(),
            other => other.to_string(),
        };
        let found = found.replace("integer ", "").replace('`', "");
        return (path, format!("must be {wanted}, not {found}"));
    }
    (path, message.to_string())
}

/// "unknown key `x` in [company]; did you mean `y`?"
pub fn unknown_key_message(key: &str, allowed: &[&str], where_: &str) -> String {
    match crate::suggest::nearest(key, allowed) {
        Some(k) => format!("unknown key `{key}` {where_}; did you mean `{k}`?"),
        None => format!(
            "unknown key `{key}` {where_}; the keys allowed are {}",
            allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

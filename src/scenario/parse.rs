//! From TOML text to the raw structs of [`super::raw`], collecting every structural
//! problem (syntax, types, unknown keys) with its position.

use super::errors::{KeyPath, Problem, ScenarioError};
use super::raw::*;
use serde::de::{DeserializeOwned, IntoDeserializer};
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// What [`parse_raw`] made of valid TOML: the raw structs, with every key that had a
/// structural problem left out, and those problems.
pub struct Parsed {
    /// The raw scenario without the keys that had problems.
    pub raw: RawScenario,
    /// Type errors, unknown keys and tables that are not tables.
    pub problems: Vec<Problem>,
    /// False when a whole table or array element had to be left out (its keys are
    /// then unknown, so range checks of the rest would report spurious problems).
    pub complete: bool,
}

/// Parses the TOML text into the raw structs, collecting every structural problem; only
/// a TOML syntax error is returned as an error.
pub fn parse_raw(path: &Path, text: &str) -> Result<Parsed, ScenarioError> {
    // Every syntax error of the file (the parser recovers and goes on), each with
    // advice for the mistakes people make in TOML (a thousands separator, curly
    // quotes, 5 % for a rate), one per line.
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut problems: Vec<Problem> = Vec::new();
        let mut lines_seen = Vec::new();
        for err in &errors {
            let offset = err.span().map(|s| s.start);
            let line_start = offset.map_or(0, |o| {
                text[..o.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
            });
            if lines_seen.contains(&line_start) {
                continue;
            }
            lines_seen.push(line_start);
            let line = text[line_start..].lines().next().unwrap_or("");
            let message = match super::jargon::advice(line) {
                Some(advice) => advice,
                None => {
                    let detail = err.message().trim().trim_end_matches('.').to_string();
                    let hint = if detail.contains("duplicate key") {
                        " (each key, and each [table] header, may appear only once)"
                    } else {
                        ""
                    };
                    format!("this is not valid TOML: {detail}{hint}")
                }
            };
            problems.push(Problem::at_offset(KeyPath::root(), message, offset));
        }
        return Err(ScenarioError::new(path, text, problems));
    }
    let mut problems = Vec::new();
    let mut raw = RawScenario::default();
    let mut complete = true;
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
            "financing" => raw.financing = section(value, &at, &mut problems),
            "countries" => raw.countries = elements(value, &at, &mut problems),
            "buyers" => raw.buyers = elements(value, &at, &mut problems),
            "buyer_groups" => raw.buyer_groups = elements(value, &at, &mut problems),
            "stress" => raw.stress = elements(value, &at, &mut problems),
            "policies" => raw.policies = Some(elements(value, &at, &mut problems)),
            "receivables" => raw.receivables = elements(value, &at, &mut problems),
            other => problems.push(Problem::at_offset(
                at.clone(),
                unknown_key_message(other, &super::keys::children(""), "at the top level"),
                Some(key.span().start),
            )),
        }
    }
    // A key left out of a table is counted by `left_out` below; a section or element
    // left out entirely makes the parse incomplete.
    let expected = [
        (
            root.get_ref().contains_key("scenario"),
            raw.scenario.is_some(),
        ),
        (
            root.get_ref().contains_key("simulation"),
            raw.simulation.is_some(),
        ),
        (
            root.get_ref().contains_key("company"),
            raw.company.is_some(),
        ),
        (
            root.get_ref().contains_key("revenue"),
            raw.revenue.is_some(),
        ),
        (root.get_ref().contains_key("costs"), raw.costs.is_some()),
        (root.get_ref().contains_key("credit"), raw.credit.is_some()),
        (
            root.get_ref().contains_key("insurance"),
            raw.insurance.is_some(),
        ),
        (
            root.get_ref().contains_key("financing"),
            raw.financing.is_some(),
        ),
    ];
    complete &= expected.iter().all(|(given, read)| given == read);
    for (name, read) in [
        ("countries", raw.countries.len()),
        ("buyers", raw.buyers.len()),
        ("buyer_groups", raw.buyer_groups.len()),
        ("stress", raw.stress.len()),
        ("policies", raw.policies.as_ref().map_or(0, Vec::len)),
        ("receivables", raw.receivables.len()),
    ] {
        let given = root
            .get_ref()
            .get(name)
            .and_then(|v| v.get_ref().as_array())
            .map_or(0, |a| a.len());
        complete &= given == read;
    }
    let _ = path;
    Ok(Parsed {
        raw,
        problems,
        complete,
    })
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

/// At most this many bad keys are reported per table (each costs one more try).
const MAX_TRIES: usize = 64;

/// Deserializes `value`; on a problem, records it, leaves out the key it is about and
/// tries again, so that every bad key of a table is reported at once. `None` when the
/// problem is not about one key (a required serde field is missing).
fn deserialize_value<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut value = value.clone();
    for _ in 0..MAX_TRIES {
        let de = value.clone().into_deserializer();
        let err = match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => return Some(v),
            Err(err) => err,
        };
        let segments: Vec<serde_path_to_error::Segment> = err.path().iter().cloned().collect();
        record(err, at, problems);
        if !leave_out(&mut value, &segments) {
            return None;
        }
    }
    None
}

/// Removes the key at `segments` (an array element's problem removes the whole array
/// key it belongs to); false when there is no key to remove.
fn leave_out(value: &mut Spanned<DeValue<'_>>, segments: &[serde_path_to_error::Segment]) -> bool {
    use serde_path_to_error::Segment;
    // The last key named in the path.
    let Some(last) = segments
        .iter()
        .rposition(|s| matches!(s, Segment::Map { .. }))
    else {
        return false;
    };
    let mut here = value;
    for seg in &segments[..last] {
        here = match (seg, here.get_mut()) {
            (Segment::Map { key }, DeValue::Table(t)) => match t.get_mut(key.as_str()) {
                Some(v) => v,
                None => return false,
            },
            (Segment::Seq { index }, DeValue::Array(a)) => match a.get_mut(*index) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (&segments[last], here.get_mut()) {
        (Segment::Map { key }, DeValue::Table(t)) => t.remove(key.as_str()).is_some(),
        _ => false,
    }
}

/// Records a deserialization error as a problem at its key.
fn record(
    err: serde_path_to_error::Error<toml::de::Error>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) {
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
        if path.pattern() == "simulation.start_month"
            && let Some(month) = super::jargon::month_number(&found)
        {
            return (
                path,
                format!("must be the month's number, 1 to 12: write start_month = {month}"),
            );
        }
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

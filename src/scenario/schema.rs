//! The JSON Schema of scenario files (`cashrisk schema`), derived from the key table
//! ([`super::keys`]): every key with its description, type, range, default and
//! whether it is required, so that an editor can check and explain a file as it is
//! typed.

use super::keys::{self, IfAbsent, Key, Kind};
use serde_json::{Map, Value, json};

/// The schema as pretty-printed JSON, ending in a line break.
pub fn json_schema() -> String {
    let mut root = object("", "A cashrisk scenario file (docs/scenario-format.md).");
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("title".into(), json!("cashrisk scenario"));
    let mut text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
    text.push('\n');
    text
}

/// An object whose properties are the keys of the table at `parent`.
fn object(parent: &str, description: &str) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for key in keys::children_keys(parent) {
        let path = if parent.is_empty() {
            key.name().to_string()
        } else {
            format!("{parent}.{}", key.name())
        };
        properties.insert(key.name().into(), node(&path, key));
        if key.default == IfAbsent::Required {
            required.push(json!(key.name()));
        }
    }
    let mut out = Map::new();
    out.insert("description".into(), json!(description));
    out.insert("type".into(), json!("object"));
    out.insert("additionalProperties".into(), json!(false));
    out.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    out
}

/// The schema of one key at its full path.
fn node(path: &str, key: &Key) -> Value {
    let description = match key.default {
        IfAbsent::Means(meaning) => format!("{} Absent: {meaning}.", key.doc),
        _ => key.doc.to_string(),
    };
    let mut out = match key.kind {
        Kind::Table => object(path, &description),
        Kind::Tables => {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert(
                "items".into(),
                Value::Object(object(&format!("{path}[]"), key.doc)),
            );
            m
        }
        Kind::Lgd => {
            let mut m = Map::new();
            m.insert(
                "anyOf".into(),
                json!([
                    { "type": "number", "minimum": 0.0, "maximum": 1.0 },
                    Value::Object(object(path, "A Beta distribution: its mean and sd."))
                ]),
            );
            m
        }
        Kind::Number(range) => bounded("number", range),
        Kind::Factors { count, each } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert("items".into(), Value::Object(bounded("number", each)));
            m.insert("minItems".into(), json!(count));
            m.insert("maxItems".into(), json!(count));
            m
        }
        Kind::Days { lo, hi } | Kind::Whole { lo, hi, .. } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("integer"));
            m.insert("minimum".into(), json!(lo));
            m.insert("maximum".into(), json!(hi));
            m
        }
        Kind::Seed => {
            let mut m = Map::new();
            m.insert("type".into(), json!("integer"));
            m.insert("minimum".into(), json!(0));
            m.insert("maximum".into(), json!(u64::MAX));
            m
        }
        Kind::Name => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("minLength".into(), json!(1));
            m
        }
        Kind::Limits => {
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            m.insert(
                "additionalProperties".into(),
                Value::Object(bounded("number", keys::Range::NonNegMoney)),
            );
            m
        }
        Kind::Names => {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert("items".into(), json!({ "type": "string", "minLength": 1 }));
            m.insert("minItems".into(), json!(1));
            m
        }
        Kind::Choice(words) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("enum".into(), json!(words));
            m
        }
        Kind::Flag => {
            let mut m = Map::new();
            m.insert("type".into(), json!("boolean"));
            m
        }
        Kind::Label | Kind::Text => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m
        }
    };
    out.insert("description".into(), json!(description));
    match key.default {
        IfAbsent::Number(d) if key.is_whole() => {
            out.insert("default".into(), json!(d as i64));
        }
        IfAbsent::Number(d) => {
            out.insert("default".into(), json!(d));
        }
        IfAbsent::Text(t) => {
            out.insert("default".into(), json!(t));
        }
        IfAbsent::Flag(b) => {
            out.insert("default".into(), json!(b));
        }
        _ => {}
    }
    Value::Object(out)
}

/// A number (or integer) schema with the bounds of `range`.
fn bounded(kind: &str, range: keys::Range) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    for (keyword, bound) in range.schema_bounds() {
        m.insert(keyword.into(), json!(bound));
    }
    m
}

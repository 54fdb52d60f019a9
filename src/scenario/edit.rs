//! Setting one numeric key of a scenario file, addressed as in the file:
//! `insurance.premium_rate`, `buyers["Nordhaus Retail GmbH"].pd`, `buyer_groups[0].count`.
//! Used by sweeps and the sensitivity analysis; the edited file is validated again.

use toml::{Table, Value};

/// One step of a key: a table key, or an array element by name or index.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Name(String),
    Index(usize),
}

fn parse_key(key: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut chars = key.chars().peekable();
    let mut word = String::new();
    let hint = "write keys as in the file, e.g. company.credit_line or buyers[\"Name\"].pd";
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !word.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut word)));
                }
            }
            '[' => {
                if !word.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut word)));
                }
                if chars.peek() == Some(&'"') {
                    chars.next();
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some(c) => name.push(c),
                            None => return Err(format!("unclosed quote in `{key}`; {hint}")),
                        }
                    }
                    if chars.next() != Some(']') {
                        return Err(format!("expected `]` after the name in `{key}`; {hint}"));
                    }
                    steps.push(Step::Name(name));
                } else {
                    let mut digits = String::new();
                    loop {
                        match chars.next() {
                            Some(']') => break,
                            Some(c) if c.is_ascii_digit() => digits.push(c),
                            _ => return Err(format!("bad index in `{key}`; {hint}")),
                        }
                    }
                    let i = digits
                        .parse()
                        .map_err(|_| format!("bad index in `{key}`; {hint}"))?;
                    steps.push(Step::Index(i));
                }
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            c => return Err(format!("unexpected `{c}` in `{key}`; {hint}")),
        }
    }
    if !word.is_empty() {
        steps.push(Step::Key(word));
    }
    match steps.last() {
        Some(Step::Key(_)) => Ok(steps),
        _ => Err(format!("`{key}` does not end in a key; {hint}")),
    }
}

/// Keys whose values are whole numbers (TOML integers).
fn is_integer_key(name: &str) -> bool {
    name.ends_with("_days")
        || matches!(
            name,
            "count" | "paths" | "seed" | "invoices_per_month" | "start_month" | "day"
        )
}

/// The text of `text` with `key` set to `value`.
pub fn set_number(text: &str, key: &str, value: f64) -> Result<String, String> {
    let steps = parse_key(key)?;
    let mut root: Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("the file is not valid TOML: {}", e.message()))?;
    let mut table = &mut root;
    let last = steps.len() - 1;
    let mut i = 0;
    while i <= last {
        let Step::Key(name) = &steps[i] else {
            return Err(format!("`{key}`: an array element must follow a key"));
        };
        if i == last {
            let integer = match table.get(name) {
                Some(Value::Integer(_)) => true,
                Some(Value::Float(_)) => false,
                Some(_) => return Err(format!("`{key}` is not a number in the file")),
                None => is_integer_key(name),
            };
            let v = if integer {
                if value.fract() != 0.0 || !value.is_finite() || value.abs() > 9e15 {
                    return Err(format!("`{key}` takes whole numbers, not {value}"));
                }
                Value::Integer(value as i64)
            } else {
                Value::Float(value)
            };
            table.insert(name.clone(), v);
            break;
        }
        let entry = table
            .entry(name.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        table = match (entry, &steps[i + 1]) {
            (Value::Table(t), Step::Key(_)) => {
                i += 1;
                t
            }
            (Value::Array(items), Step::Name(n)) => {
                let found = items
                    .iter_mut()
                    .find(|item| item.get("name").and_then(Value::as_str) == Some(n.as_str()));
                i += 2;
                match found {
                    Some(Value::Table(t)) => t,
                    _ => return Err(format!("`{key}`: there is no {name} entry named \"{n}\"")),
                }
            }
            (Value::Array(items), Step::Index(k)) => {
                i += 2;
                match items.get_mut(*k) {
                    Some(Value::Table(t)) => t,
                    _ => return Err(format!("`{key}`: {name} has no element {k}")),
                }
            }
            _ => return Err(format!("`{key}` does not lead to a number in the file")),
        };
    }
    toml::to_string(&root).map_err(|e| format!("cannot write the edited file: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[company]
opening_cash = 100.0
[[buyers]]
name = "A.B"
pd = 0.01
terms_days = 30
"#;

    #[test]
    fn sets_table_keys_and_named_array_elements() {
        let t = set_number(TEXT, "company.credit_line", 5000.0).unwrap();
        assert!(t.contains("credit_line = 5000.0"), "{t}");
        let t = set_number(TEXT, "buyers[\"A.B\"].pd", 0.2).unwrap();
        assert!(t.contains("pd = 0.2"), "{t}");
        let t = set_number(TEXT, "buyers[0].terms_days", 45.0).unwrap();
        assert!(t.contains("terms_days = 45"), "{t}");
        assert!(set_number(TEXT, "buyers[0].terms_days", 45.5).is_err());
        assert!(set_number(TEXT, "buyers[\"Nope\"].pd", 0.2).is_err());
        assert!(set_number(TEXT, "buyers.pd", 0.2).is_err());
        assert!(set_number(TEXT, "company[", 0.2).is_err());
    }
}

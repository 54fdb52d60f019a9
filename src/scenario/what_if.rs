//! What-ifs: the one way a scenario is changed. A stress case, a `sweep --set` value, a
//! sensitivity step, a break-even trial and the `--paths` and `--seed` flags are each a
//! [`WhatIf`]: edits of the raw scenario as written, then full validation, so that a
//! change can never produce a scenario a file could not hold. A what-if that makes the
//! scenario invalid is an error naming the what-if.
//!
//! Keys are addressed as in the file: `insurance.premium_rate`,
//! `buyers["Nordhaus Retail GmbH"].pd`, `buyer_groups[0].count`; the key table
//! ([`super::keys`]) says which keys exist and which hold whole numbers.

use super::StressCase;
use super::keys;
use super::raw::RawScenario;
use serde::Deserialize;
use toml::{Table, Value};

/// A change to a scenario, applied to the raw file and validated again.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WhatIf {
    /// What the change is, for people: it names the change in every error it causes.
    pub label: String,
    /// A stress case's overrides (MODEL.md section 9), applied first.
    pub stress: Option<StressCase>,
    /// Numbers set by key, in order, after the stress case.
    pub sets: Vec<(String, f64)>,
    /// `simulation.paths` (the `--paths` flag).
    pub paths: Option<u64>,
    /// `simulation.seed` (the `--seed` flag).
    pub seed: Option<u64>,
}

impl WhatIf {
    /// No change: the base case.
    pub fn base() -> WhatIf {
        WhatIf {
            label: "the base case".to_string(),
            ..WhatIf::default()
        }
    }

    /// A stress case; `label` says where it comes from (`stress[2]`, `built-in`).
    pub fn stress(case: &StressCase, label: &str) -> WhatIf {
        WhatIf {
            label: format!("stress case \"{}\" ({label})", case.name),
            stress: Some(case.clone()),
            ..WhatIf::default()
        }
    }

    /// One number set by key.
    pub fn set(label: &str, key: &str, value: f64) -> WhatIf {
        WhatIf {
            label: label.to_string(),
            ..WhatIf::default()
        }
        .and_set(key, value)
    }

    /// This what-if, and then `key` set to `value`.
    pub fn and_set(mut self, key: &str, value: f64) -> WhatIf {
        self.sets.push((key.to_string(), value));
        self
    }

    /// This what-if with the run settings of the command line (`--paths`, `--seed`).
    pub fn with_run(mut self, paths: Option<u64>, seed: Option<u64>) -> WhatIf {
        self.paths = paths.or(self.paths);
        self.seed = seed.or(self.seed);
        self
    }

    /// The edited raw scenario (not yet validated), or what is wrong with a key.
    pub fn apply(&self, base: &RawScenario) -> Result<RawScenario, String> {
        let mut raw = base.clone();
        if let Some(case) = &self.stress {
            super::stress::apply_overrides(&mut raw, case);
        }
        if !self.sets.is_empty() {
            let mut root =
                Value::try_from(&raw).map_err(|e| format!("cannot edit the scenario: {e}"))?;
            let Value::Table(table) = &mut root else {
                return Err("cannot edit the scenario: it is not a table".to_string());
            };
            for (key, value) in &self.sets {
                set_number(table, key, *value)?;
            }
            let member_tables = std::mem::take(&mut raw.member_tables);
            raw = RawScenario::deserialize(root)
                .map_err(|e| format!("cannot edit the scenario: {}", e.message()))?;
            raw.member_tables = member_tables;
        }
        if self.paths.is_some() || self.seed.is_some() {
            let sim = raw.simulation.get_or_insert_with(Default::default);
            if let Some(p) = self.paths {
                sim.paths = Some(i64::try_from(p).unwrap_or(i64::MAX));
            }
            if self.seed.is_some() {
                sim.seed = self.seed;
            }
        }
        Ok(raw)
    }
}

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

/// The key table's entry for an address: `buyers["A"].pd` is `buyers[].pd`.
fn table_key(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Name(_) | Step::Index(_) => out.push_str("[]"),
        }
    }
    out
}

/// The numeric keys of the key table, for a message.
fn numeric_keys_near(pattern: &str) -> String {
    let keys: Vec<String> = keys::expanded()
        .into_iter()
        .filter(|(_, k)| k.is_number())
        .map(|(p, _)| p)
        .collect();
    match crate::suggest::nearest(pattern, &keys) {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("the numeric keys are {}", keys.join(", ")),
    }
}

/// The key table's entry of a numeric key addressed as in a file, or what is wrong
/// with the address (for `sweep --set`, before anything runs).
pub fn numeric_key(key: &str) -> Result<&'static keys::Key, String> {
    let steps = parse_key(key)?;
    let pattern = table_key(&steps);
    keys::find(&pattern)
        .filter(|k| k.is_number())
        .ok_or_else(|| {
            format!(
                "`{key}` is not a numeric key of a scenario file; {}",
                numeric_keys_near(&pattern)
            )
        })
}

/// Sets the number at `key` in the raw scenario as a TOML tree.
fn set_number(root: &mut Table, key: &str, value: f64) -> Result<(), String> {
    let steps = parse_key(key)?;
    let entry = numeric_key(key)?;
    let v = if entry.is_whole() {
        if value.fract() != 0.0 || !value.is_finite() || value.abs() > 9e15 {
            return Err(format!("`{key}` takes whole numbers, not {value}"));
        }
        Value::Integer(value as i64)
    } else {
        Value::Float(value)
    };
    let mut table = root;
    let last = steps.len() - 1;
    let mut i = 0;
    while i <= last {
        let Step::Key(name) = &steps[i] else {
            return Err(format!("`{key}`: an array element must follow a key"));
        };
        if i == last {
            table.insert(name.clone(), v);
            return Ok(());
        }
        let next = &steps[i + 1];
        if !matches!(next, Step::Key(_)) && !table.contains_key(name) {
            return Err(format!("`{key}`: the file has no {name}"));
        }
        let entry = table
            .entry(name.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        table = match (entry, next) {
            (Value::Table(t), Step::Key(_)) => {
                i += 1;
                t
            }
            (Value::Array(items), Step::Name(n)) => {
                let found = items
                    .iter()
                    .position(|item| item.get("name").and_then(Value::as_str) == Some(n.as_str()));
                i += 2;
                let Some(index) = found else {
                    let names: Vec<&str> = items
                        .iter()
                        .filter_map(|item| item.get("name").and_then(Value::as_str))
                        .collect();
                    let hint = match crate::suggest::nearest(n, &names) {
                        Some(k) => format!("did you mean \"{k}\"?"),
                        None => format!("the names are \"{}\"", names.join("\", \"")),
                    };
                    return Err(format!(
                        "`{key}`: there is no {name} entry named \"{n}\"; {hint}"
                    ));
                };
                match &mut items[index] {
                    Value::Table(t) => t,
                    _ => return Err(format!("`{key}` does not lead to a number in the file")),
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawScenario {
        let text = r#"
[scenario]
name = "S"
[company]
opening_cash = 100.0
[revenue]
monthly = 10.0
[[buyers]]
name = "A.B"
share = 0.1
pd = 0.01
terms_days = 30
lgd = 0.5
"#;
        super::super::parse::parse_raw("t.toml".as_ref(), text)
            .unwrap()
            .raw
    }

    #[test]
    fn sets_table_keys_and_named_array_elements() {
        let base = raw();
        let r = WhatIf::set("t", "company.credit_line", 5000.0)
            .apply(&base)
            .unwrap();
        assert_eq!(r.company.unwrap().credit_line, Some(5000.0));
        let r = WhatIf::set("t", "buyers[\"A.B\"].pd", 0.2)
            .apply(&base)
            .unwrap();
        assert_eq!(r.buyers[0].pd, Some(0.2));
        let r = WhatIf::set("t", "buyers[0].terms_days", 45.0)
            .apply(&base)
            .unwrap();
        assert_eq!(r.buyers[0].terms_days, Some(45));
        // A table the file lacks is made: the edit is what a user would have written.
        let r = WhatIf::set("t", "insurance.premium_rate", 0.01)
            .apply(&base)
            .unwrap();
        assert_eq!(r.insurance.unwrap().premium_rate, Some(0.01));
        for bad in [
            "buyers[0].terms_days=45.5",
            "buyers[\"Nope\"].pd",
            "buyers.pd",
            "company[",
            "company.opening_csh",
            "scenario.name",
            "buyer_groups[0].pd",
        ] {
            let (key, value) = bad.split_once('=').unwrap_or((bad, "0.2"));
            let result = WhatIf::set("t", key, value.parse().unwrap()).apply(&base);
            assert!(result.is_err(), "{bad}: {result:?}");
        }
        let message = WhatIf::set("t", "company.opening_csh", 1.0)
            .apply(&base)
            .unwrap_err();
        assert!(
            message.contains("did you mean `company.opening_cash`"),
            "{message}"
        );
    }
}

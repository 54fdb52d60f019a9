//! init, schema, --json, completions, and refusing absurd runs.

use crate::util::{assert_success, cashrisk};
use serde_json::Value;
use std::path::Path;

/// A small JSON Schema checker for what `cashrisk schema` uses: type, properties,
/// additionalProperties = false, required, numeric bounds, items with their count,
/// anyOf and $ref to $defs.
fn conforms(schema: &Value, root: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return conforms(&root["$defs"][name], root, value, at);
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        if options.iter().any(|o| conforms(o, root, value, at).is_ok()) {
            return Ok(());
        }
        return Err(format!("{at}: matches no alternative"));
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let (Some(props), Some(obj)) = (schema.get("properties"), value.as_object()) {
        for (k, v) in obj {
            match props.get(k) {
                Some(s) => conforms(s, root, v, &format!("{at}.{k}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: unknown key {k}"));
                }
                None => {}
            }
        }
    }
    if let (Some(required), Some(obj)) = (schema.get("required"), value.as_object()) {
        for key in required
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(key) {
                return Err(format!("{at}: {key} is required"));
            }
        }
    }
    if let Some(x) = value.as_f64() {
        let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
        let inside = bound("minimum").is_none_or(|b| x >= b)
            && bound("maximum").is_none_or(|b| x <= b)
            && bound("exclusiveMinimum").is_none_or(|b| x > b)
            && bound("exclusiveMaximum").is_none_or(|b| x < b);
        if !inside {
            return Err(format!("{at}: {x} is out of range"));
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        let count = |k: &str| schema.get(k).and_then(Value::as_u64);
        if count("minItems").is_some_and(|n| (arr.len() as u64) < n)
            || count("maxItems").is_some_and(|n| (arr.len() as u64) > n)
        {
            return Err(format!("{at}: {} items", arr.len()));
        }
        for (i, v) in arr.iter().enumerate() {
            conforms(items, root, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_committed_schema_is_current_and_every_example_conforms() {
    let out = cashrisk().arg("schema").output().unwrap();
    assert_success(&out);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(root.join("docs/scenario.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "run `cashrisk schema > docs/scenario.schema.json`"
    );
    let schema: Value = serde_json::from_str(&committed).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.push(root.join("scenarios/templates/minimal.toml"));
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("#:schema "),
            "{} names its schema",
            f.display()
        );
        let value: Value = serde_json::to_value(text.parse::<toml::Table>().unwrap()).unwrap();
        conforms(&schema, &schema, &value, "file")
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    // And the checker is not a rubber stamp: an unknown key and a wrong type fail.
    let bad: Value = serde_json::json!({"company": {"opening_csh": 1.0}});
    assert!(conforms(&schema, &schema, &bad, "file").is_err());
    let bad: Value = serde_json::json!({"company": {"opening_cash": "lots"}});
    assert!(conforms(&schema, &schema, &bad, "file").is_err());
    // Ranges and required keys come from the key table too.
    let good = serde_json::json!({
        "scenario": {"name": "S"}, "company": {"opening_cash": 1.0},
        "revenue": {"monthly": 5.0}, "insurance": {"indemnity": 0.9, "premium_rate": 0.002}
    });
    conforms(&schema, &schema, &good, "file").unwrap();
    let mut bad = good.clone();
    bad["insurance"]["indemnity"] = serde_json::json!(90);
    assert!(conforms(&schema, &schema, &bad, "file").is_err());
    let mut bad = good.clone();
    bad["insurance"]
        .as_object_mut()
        .unwrap()
        .remove("premium_rate");
    assert!(conforms(&schema, &schema, &bad, "file").is_err());
    let text = serde_json::to_string(&schema).unwrap();
    for described in ["Probability of default within one year", "\"default\":180"] {
        assert!(text.contains(described), "the schema lacks {described}");
    }
}

#[test]
fn the_format_documentation_names_every_key() {
    // Each key of the key table appears, in backticks, in the section of
    // docs/scenario-format.md about its table.
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .unwrap();
    let sections: Vec<&str> = doc.split("\n## ").collect();
    for (path, key) in cashrisk::scenario::keys::expanded() {
        let table = path.split(['.', '[']).next().unwrap();
        let heading = format!("[{table}]");
        let section = sections
            .iter()
            .find(|s| s.lines().next().is_some_and(|h| h.contains(&heading)))
            .unwrap_or_else(|| panic!("docs/scenario-format.md has no section for {heading}"));
        let named = section.split('`').skip(1).step_by(2).any(|code| {
            code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == key.name())
        });
        assert!(
            named,
            "docs/scenario-format.md does not name `{}` ({path})",
            key.name()
        );
    }
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    for template in [
        "minimal",
        "exporter",
        "wholesaler",
        "seasonal",
        "services",
        "quotes",
    ] {
        let file = dir.path().join(format!("{template}.toml"));
        cashrisk()
            .args(["init", "--template", template])
            .arg(&file)
            .assert()
            .success();
        cashrisk().arg("validate").arg(&file).assert().success();
    }
    let again = cashrisk()
        .args(["init"])
        .arg(dir.path().join("minimal.toml"))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn json_flag_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/small.toml",
            "--paths",
            "300",
            "--quiet",
            "--json",
        ])
        .args(["--no-charts", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        out.stdout,
        std::fs::read(dir.path().join("summary.json")).unwrap()
    );
}

#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cashrisk().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("sensitivity"),
            "{shell} completes the commands"
        );
    }
}

#[test]
fn an_absurd_run_is_refused_with_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"Huge\"\n[simulation]\nhorizon_days = 3650\n[company]\n\
         opening_cash = 1.0\n[revenue]\nmonthly = 1.0\n[[buyer_groups]]\nname = \"G\"\n\
         count = 1000000\nshare = 1.0\nterms_days = 1\npd = 0.1\nlgd = 1.0\n\
         invoices_per_month = 1000\n",
    )
    .unwrap();
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("would take about") && err.contains("days"),
        "{err}"
    );
    let paths = cashrisk()
        .args([
            "run",
            "tests/fixtures/small.toml",
            "--paths",
            "1000000000000",
        ])
        .output()
        .unwrap();
    assert_eq!(paths.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&paths.stderr).contains("GiB"));
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        "run",
        "validate",
        "stress",
        "sweep",
        "sensitivity",
        "batch",
        "merge",
        "init",
        "schema",
        "completions",
    ] {
        let out = cashrisk().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Example"), "{cmd} --help shows an example");
    }
}

/// Every leaf of `value` as a dotted path, array positions written `[i]`.
fn leaves(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        serde_json::Value::Array(items) if items.iter().all(|i| i.is_object()) => {
            for item in items {
                leaves(item, &format!("{prefix}[i]"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

#[test]
fn docs_figures_md_defines_every_key_of_summary_json() {
    // A key is defined when figures.md names it whole (`min_headroom.mean`), or names
    // its parent and the leaf in one table row (`min_headroom.p1`, `p5`, `p50`). The
    // variant's own key (uninsured, insured, difference, decision) is the section.
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/figures.md"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args(["run", "scenarios/textile_exporter.toml", "--paths", "300"])
        .args([
            "--break-even",
            "--precision",
            "0.4",
            "--quiet",
            "--json",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys = Vec::new();
    leaves(&json, "", &mut keys);
    assert!(keys.len() > 60, "{keys:?}");
    // The version-2 figures of countries and limit cuts (MODEL.md sections 16-18).
    let out = cashrisk()
        .args(["run", "scenarios/china_exporter.toml", "--paths", "300"])
        .args(["--quiet", "--json", "--no-charts", "--out"])
        .arg(dir.path().join("china"))
        .output()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let before = keys.len();
    leaves(&json, "", &mut keys);
    keys.sort();
    keys.dedup();
    assert!(keys.len() > before, "the version-2 keys: {keys:?}");
    let sections = [
        "uninsured.",
        "insured.",
        "difference.",
        "decision.",
        "policies[i].difference.",
        "policies[i].decision.",
        "policies[i].",
        "policy_pairs[i].",
    ];
    let mut missing = Vec::new();
    for key in &keys {
        let short = sections
            .iter()
            .find_map(|s| key.strip_prefix(s))
            .unwrap_or(key);
        let whole =
            docs.contains(&format!("`{short}`")) || docs.contains(&format!("`{short}.estimate`"));
        let (parent, leaf) = short.rsplit_once('.').unwrap_or(("", short));
        let by_row = docs.lines().any(|line| {
            line.contains(&format!("`{parent}.")) && line.contains(&format!("`{leaf}`"))
        });
        if !whole && !by_row {
            missing.push(key.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "docs/figures.md does not define {missing:?}"
    );
}

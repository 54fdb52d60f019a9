//! The binary as a user drives it.

use crate::util::{assert_success, cashrisk};
use serde_json::Value;
use std::path::Path;

fn stdout_without_paths(out: &[u8]) -> String {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn run_prints_the_table_and_writes_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/small.toml",
            "--paths",
            "4000",
            "--threads",
            "2",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    insta::assert_snapshot!(stdout_without_paths(&out.stdout));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["simulation"]["paths"], 4000);
    assert_eq!(json["scenario"]["file"], "tests/fixtures/small.toml");
    for key in ["uninsured", "insured", "difference"] {
        assert!(json[key].is_object(), "{key}");
    }
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "day,uninsured_p5,uninsured_p25,uninsured_p50,uninsured_p75,uninsured_p95,\
         uninsured_shortfall_cdf,insured_p5,insured_p25,insured_p50,insured_p75,insured_p95,\
         insured_shortfall_cdf"
    );
    assert_eq!(lines.count(), 365);
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn summary_json_is_byte_identical_on_one_and_two_threads() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (dir, threads) in dirs.iter().zip(["1", "2"]) {
        cashrisk()
            .args([
                "run",
                "scenarios/textile_exporter.toml",
                "--paths",
                "3000",
                "--quiet",
            ])
            .args(["--threads", threads, "--out"])
            .arg(dir.path())
            .assert()
            .success();
    }
    for name in ["summary.json", "timeseries.csv"] {
        let a = std::fs::read(dirs[0].path().join(name)).unwrap();
        let b = std::fs::read(dirs[1].path().join(name)).unwrap();
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn default_output_folder_is_named_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small.toml"),
        dir.path().join("my_case.toml"),
    )
    .unwrap();
    assert_cmd::Command::cargo_bin("cashrisk")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "run",
            "my_case.toml",
            "--paths",
            "100",
            "--stress",
            "Big buyer fails",
        ])
        .assert()
        .success();
    assert!(
        dir.path()
            .join("output/my_case-big-buyer-fails/summary.json")
            .exists()
    );
}

#[test]
fn an_unwritable_output_folder_fails_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let out = cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot write") && err.contains("--out"),
        "{err}"
    );
}

#[test]
fn unknown_stress_case_and_zero_paths_are_bad_input() {
    let out = cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--stress", "Nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("unknown_stress", String::from_utf8_lossy(&out.stderr));
    let out = cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--paths", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("zero_paths", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn validate_accepts_every_example_scenario() {
    let mut files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .unwrap()
            .map(|e| format!("scenarios/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let out = cashrisk().arg("validate").args(&files).output().unwrap();
    assert_success(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        files.len()
    );
}

#[test]
fn the_readme_example_output_is_what_the_tool_prints() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("The first command above prints:\n\n```text\n")
        .expect("README has the worked example");
    let block = &readme[start..];
    let block = &block[block.find("```text\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "scenarios/textile_exporter.toml",
            "--quiet",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let printed = stdout_without_paths(&out.stdout);
    let expected: Vec<&str> = block.lines().filter(|l| !l.starts_with("wrote ")).collect();
    assert_eq!(
        printed,
        expected.join("\n"),
        "update the README's worked example"
    );
}

#[test]
fn ctrl_c_stops_a_run_cleanly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "scenarios/electronics_wholesaler.toml",
            "--paths",
            "5000000",
        ])
        .args(["--quiet", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no files are left behind: {left:?}");
}

/// The binary with its stdout on a pipe whose reading end is already closed, so that
/// every write fails with a broken pipe (not only the writes after a buffer fills).
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_is_a_clean_stop() {
    // `cashrisk schema | head -1`: exit 0 and nothing on stderr, as in ripgrep.
    let out = with_closed_stdout(&["schema"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A run still writes all of its files before it prints.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out");
    let out = with_closed_stdout(&[
        "run",
        "tests/fixtures/small.toml",
        "--paths",
        "200",
        "--quiet",
        "--no-charts",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(folder.join("summary.json").is_file());

    // validate keeps going, so that its exit code still says a file is bad.
    let out = with_closed_stdout(&[
        "validate",
        "tests/fixtures/small.toml",
        "tests/bad/empty.toml",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_full_stdout_is_an_output_error() {
    if !Path::new("/dev/full").exists() {
        println!("SKIPPED: this system has no /dev/full");
        return;
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("schema")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
}

#[test]
fn without_a_policy_the_uninsured_variant_is_shown_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/no_policy.toml",
            "--paths",
            "500",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("no [insurance] table"), "{table}");
    let heading = table.lines().find(|l| l.contains("Uninsured")).unwrap();
    assert_eq!(heading.trim(), "Uninsured", "one column: {heading}");
    assert!(
        !table.contains("Insured") && !table.contains("Change"),
        "{table}"
    );
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(!report.contains(">Insured<") && report.contains(">Uninsured<"));
    // No chart about a policy; the others have one series each.
    assert!(!dir.path().join("policy.png").exists());
    let fan = std::fs::read_to_string(dir.path().join("headroom_fan.svg")).unwrap();
    assert!(fan.contains("uninsured: median") && !fan.contains("insured: median</"));
    // summary.json keeps the version-1 keys: `insured` is the uninsured variant again.
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(json["scenario"]["insured"], false);
    assert_eq!(
        json["insured"]["shortfall_probability"],
        json["uninsured"]["shortfall_probability"]
    );
    // --break-even has no premium rate to solve for: refused, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/no_policy.toml",
            "--break-even",
            "--quiet",
        ])
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--break-even: needs a policy") && err.contains("[insurance]"),
        "{err}"
    );
    assert!(!target.exists());
}

#[test]
fn every_chart_title_states_figures_of_summary_json() {
    // Each amount and percentage in a chart title is a figure of summary.json written
    // as the table writes it (EUR 1,234; 2.77 %).
    for file in [
        "scenarios/textile_exporter.toml",
        "tests/fixtures/no_policy.toml",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = cashrisk()
            .args(["run", file, "--paths", "2000", "--quiet", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_success(&out);
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        )
        .unwrap();
        let mut stated = std::collections::BTreeSet::new();
        collect_formatted(&json, &mut stated);
        let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        let mut titles = 0;
        for name in [
            "headroom_fan",
            "shortfall_over_time",
            "min_headroom",
            "credit_loss",
            "policy",
        ] {
            let Ok(svg) = std::fs::read_to_string(dir.path().join(format!("{name}.svg"))) else {
                continue;
            };
            // The title is the SVG's first text, and the report's figure heading.
            let title = svg.split("<text").nth(1).unwrap();
            let title = title[title.find('>').unwrap() + 1..title.find("</text>").unwrap()].trim();
            assert!(report.contains(title), "{file}: report lacks {title}");
            titles += 1;
            let numbers = numbers_in(title);
            assert!(
                !numbers.is_empty(),
                "{file}: {name} title {title:?} states no figure"
            );
            for n in numbers {
                assert!(
                    stated.contains(&n),
                    "{file}: {name} title {title:?}: {n} is not in summary.json"
                );
            }
        }
        assert!(titles >= 4, "{file}: {titles} titles");
    }
}

/// Every number of a JSON value written as the table writes money and probabilities.
fn collect_formatted(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap();
            out.insert(cashrisk::table::thousands(x));
            out.insert(cashrisk::table::thousands(-x));
            out.insert(cashrisk::table::percent(x));
        }
        Value::Array(items) => items.iter().for_each(|i| collect_formatted(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_formatted(i, out)),
        _ => {}
    }
}

/// The amounts ("EUR 1,234", "-EUR 23") and percentages ("2.77 %") of a title, as the
/// table formats them, without currency and sign.
fn numbers_in(title: &str) -> Vec<String> {
    let words: Vec<&str> = title.split(' ').collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_end_matches([',', ';', ':']);
        if w.ends_with("EUR")
            && let Some(next) = words.get(i + 1)
        {
            out.push(next.trim_end_matches([',', ';', ':']).to_string());
        }
        if words.get(i + 1).is_some_and(|n| n.starts_with('%')) {
            out.push(format!("{w} %"));
        }
    }
    out
}

#[test]
fn run_takes_a_built_in_stress_case_by_name() {
    // The built-in late-payment wave of `cashrisk stress`, asked for by its short
    // name, gives exactly the figures of the stress study's row for it.
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/small.toml",
            "--stress",
            "Late-payment wave",
        ])
        .args([
            "--paths",
            "700",
            "--quiet",
            "--json",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert_success(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scenario"]["stress"], "Built-in: late-payment wave");
    let study = cashrisk()
        .args([
            "stress",
            "tests/fixtures/small.toml",
            "--paths",
            "700",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path().join("stress"))
        .output()
        .unwrap();
    assert_success(&study);
    let csv = std::fs::read_to_string(dir.path().join("stress/stress.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("Built-in: late-payment wave,"))
        .unwrap();
    let estimate = json["uninsured"]["shortfall_probability"]["estimate"].to_string();
    assert_eq!(row.split(',').nth(1).unwrap(), estimate, "{row}");
    // A near miss is told the name it probably meant.
    let out = cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--stress", "recesion"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("did you mean \"recession\"?"), "{err}");
}

#[test]
fn sweep_keys_and_buyer_names_get_the_same_suggestions() {
    for (set, hint) in [
        (
            "premium_rate=0.001:0.002:2",
            "did you mean `insurance.premium_rate`?",
        ),
        (
            "buyers[\"Big buyr\"].pd=0.01:0.02:2",
            "did you mean \"Big buyer\"?",
        ),
    ] {
        let out = cashrisk()
            .args([
                "sweep",
                "tests/fixtures/small.toml",
                "--set",
                set,
                "--paths",
                "10",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(hint), "{set}: {err}");
    }
}

#[test]
fn implausible_values_are_warned_about_and_denied_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/implausible.toml",
            "--paths",
            "200",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let err = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "warning: tests/fixtures/implausible.toml: insurance.premium_rate: is 30 % of insured turnover",
        "Did you mean 0.003 (0.30 %)?",
        "69.83 % of sales are cash sales",
        "write share = 0.35 (200 x 0.00175)",
        "buyers[\"Big\"].pd: is 40 % a year",
        "buyers[\"Big\"].terms_days: is 240 days",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        report.contains("Check these inputs") && report.contains("is 30 % of insured turnover")
    );
    // --deny-warnings: an error, nothing written.
    let target = dir.path().join("denied");
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/implausible.toml",
            "--deny-warnings",
            "--out",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("(an error with --deny-warnings)")
    );
    assert!(!target.exists());
    // validate says what share is sold for cash, and denies too.
    let out = cashrisk()
        .args([
            "validate",
            "tests/fixtures/implausible.toml",
            "scenarios/textile_exporter.toml",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("69.83 % of sales for cash") && text.contains("10.00 % of sales for cash"),
        "{text}"
    );
    assert!(
        text.contains("2 stress cases") && text.contains("201 buyers"),
        "{text}"
    );
    let out = cashrisk()
        .args([
            "validate",
            "--deny-warnings",
            "tests/fixtures/implausible.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_examples_have_no_plausibility_warnings() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push("scenarios/templates/minimal.toml".into());
    for path in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let file = cashrisk::scenario::ScenarioFile::load(&path).unwrap();
        assert!(
            file.warnings().is_empty(),
            "{}: {:?}",
            path.display(),
            file.warnings()
        );
    }
}

#[test]
fn a_batch_denying_warnings_skips_the_implausible_file_and_finishes_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        "tests/fixtures/implausible.toml",
        input.join("implausible.toml"),
    )
    .unwrap();
    std::fs::copy("tests/fixtures/small.toml", input.join("small.toml")).unwrap();
    let out = cashrisk()
        .arg("batch")
        .arg(&input)
        .args(["--paths", "100", "--quiet", "--deny-warnings", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("(an error with --deny-warnings)") && err.contains("skipped"),
        "{err}"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    assert!(
        csv.contains("small.toml") && !csv.contains("implausible"),
        "{csv}"
    );
}

#[test]
fn json_output_says_on_stderr_where_the_files_went() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "tests/fixtures/small.toml",
            "--paths",
            "100",
            "--quiet",
            "--json",
        ])
        .args(["--no-charts", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice::<Value>(&out.stdout).expect("stdout is JSON alone");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("wrote 2 files to "), "{err}");
}

#[test]
fn init_refuses_an_existing_file_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, "x").unwrap();
    let out = cashrisk().arg("init").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("cashrisk init: ") && err.contains("mine.toml already exists"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn the_report_puts_the_answer_first_and_lists_what_the_file_says() {
    // The policy section comes before the charts; the buyer table shows a group's
    // combined share, "not covered" for a buyer without a limit, and the scheduled
    // flows themselves.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        r#"
[scenario]
name = "Report layout"
[company]
opening_cash = 50000.0
[revenue]
monthly = 100000.0
[[costs.scheduled]]
day = 100
amount = -25000.0
label = "tax"
[[buyers]]
name = "Uncovered"
share = 0.3
terms_days = 30
pd = 0.02
lgd = 0.9
limit = 0.0
[[buyer_groups]]
name = "Shops"
count = 20
share = 0.6
terms_days = 30
pd = 0.02
lgd = 0.9
limit = 5000.0
[insurance]
indemnity = 0.9
premium_rate = 0.003
"#,
    )
    .unwrap();
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--paths", "100", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_success(&out);
    let report = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let at = |s: &str| report.find(s).unwrap_or_else(|| panic!("report lacks {s}"));
    assert!(at("class=\"answer\"") < at("<h2>Key figures</h2>"));
    assert!(at("<h2>Key figures</h2>") < at("<h2>What the policy costs and brings</h2>"));
    assert!(at("<h2>What the policy costs and brings</h2>") < at("<h2>Charts</h2>"));
    assert!(report.contains("<td>not covered</td>"));
    assert!(report.contains("<td>Shops (20 buyers)</td><td>60.00 % in all</td>"));
    assert!(report.contains("scheduled: day 100 -EUR 25,000 (tax)"));
}

#[test]
fn charts_show_whole_case_names_and_the_policy_over_the_uninsured_fan() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "stress",
            "scenarios/textile_exporter.toml",
            "--paths",
            "200",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("stress"))
        .output()
        .unwrap();
    assert_success(&out);
    let svg = std::fs::read_to_string(dir.path().join("stress/stress.svg")).unwrap();
    // The longest built-in name (64 characters) is shown whole, and so is the 100 % tick.
    assert!(svg.contains("Built-in: largest buyer (Nordhaus Retail GmbH) defaults on day 90"));
    assert!(svg.contains("100 %"));
    let out = cashrisk()
        .args([
            "run",
            "scenarios/textile_exporter.toml",
            "--paths",
            "200",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert_success(&out);
    let fan = std::fs::read_to_string(dir.path().join("run/headroom_fan.svg")).unwrap();
    assert!(fan.contains("uninsured: 5th percentile") && fan.contains("insured: median"));
}

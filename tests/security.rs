//! A scenario file is untrusted input (issue 12): each test reproduces one way a
//! hostile or unlucky file once ran code in a browser, wrote outside its folder, hung,
//! exhausted memory or gave wrong figures with exit 0.

use crate::util::{assert_success, cashrisk};
use std::path::Path;

/// A small, fast scenario; `extra` is appended (stress cases, more buyers).
fn scenario(name: &str, extra: &str) -> String {
    format!(
        r#"[scenario]
name = "{name}"
[simulation]
horizon_days = 120
paths = 64
seed = 5
[company]
opening_cash = 20000.0
credit_line = 10000.0
[revenue]
monthly = 50000.0
[costs]
variable_ratio = 0.7
[[buyers]]
name = "Big buyer"
share = 0.5
terms_days = 30
pd = 0.2
lgd = 0.9
delay = {{ on_time = 0.5, mean_days = 20.0, sd_days = 10.0 }}
limit = 50000.0
[insurance]
indemnity = 0.9
premium_rate = 0.003
{extra}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const PAYLOAD: &str = "<img src=x onerror=alert(1)>\\\"'&";

/// Item 1: every text field of a scenario carries a script payload; the report and the
/// SVG charts hold it only as escaped text (the DOM check in Chromium is in
/// `browser::a_hostile_scenario_injects_nothing_into_the_page`).
#[test]
fn every_text_field_is_escaped_in_the_report_and_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let text = hostile_scenario();
    let file = write(dir.path(), "hostile.toml", &text);
    // The stress case's name as TOML reads it (`\"` is a quote there).
    let stress_name = format!("{} stress", PAYLOAD.replace("\\\"", "\""));
    for stress in [None, Some(stress_name)] {
        let out_dir = dir.path().join(if stress.is_some() { "s" } else { "b" });
        let mut cmd = cashrisk();
        cmd.arg("run")
            .arg(&file)
            .arg("--quiet")
            .arg("--out")
            .arg(&out_dir);
        if let Some(s) = &stress {
            cmd.args(["--stress", s]);
        }
        assert_success(&cmd.output().unwrap());
        for name in names_in(&out_dir) {
            if name.ends_with(".html") || name.ends_with(".svg") {
                let body = std::fs::read_to_string(out_dir.join(&name)).unwrap();
                assert!(
                    !body.contains("<img"),
                    "{name} holds raw markup from the file"
                );
                assert!(!body.contains("onerror=alert(1)>"), "{name}");
            }
        }
        let report = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
        assert!(report.contains("&lt;img src=x onerror=alert(1)&gt;"));
        // The country's name reaches the report through the political-events sentence.
        assert!(report.contains("<h2>What the insurer"));
        let at = report
            .find("Political events")
            .expect("the political-events sentence");
        let sentence = &report[at..at + 200];
        assert!(
            sentence.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{sentence}"
        );
    }
    // The stress study names the built-in moratorium after the country: its table,
    // report, chart and CSV hold the name only as text, in the study's own folder.
    let out_dir = dir.path().join("study");
    let out = cashrisk()
        .args(["stress", "--quiet", "--paths", "100", "--out"])
        .arg(&out_dir)
        .arg(&file)
        .output()
        .unwrap();
    assert_success(&out);
    for name in names_in(&out_dir) {
        if name.ends_with(".html") || name.ends_with(".svg") {
            let body = std::fs::read_to_string(out_dir.join(&name)).unwrap();
            assert!(
                !body.contains("<img"),
                "{name} holds raw markup from the file"
            );
        }
    }
    let csv = std::fs::read_to_string(out_dir.join("stress.csv")).unwrap();
    assert!(csv.contains("Built-in: moratorium ("), "{csv}");
}

/// The payload in the name, description, currency, buyer, group, scheduled label,
/// country (a built-in moratorium case and the political-events sentence name it) and
/// stress case name; the policy's monitoring adds the sentences on limit cuts.
pub fn hostile_scenario() -> String {
    let p = PAYLOAD;
    format!(
        r#"[scenario]
name = "{p} name"
description = "{p} description"
currency = "{p}"
[simulation]
horizon_days = 120
paths = 200
seed = 5
[company]
opening_cash = 20000.0
credit_line = 10000.0
[revenue]
monthly = 50000.0
[costs]
variable_ratio = 0.7
[[costs.scheduled]]
day = 30
amount = -1000.0
label = "{p} label"
[[countries]]
name = "{p} country"
correlation = 0.1
political_pd = 0.2
[[buyers]]
name = "{p} buyer"
share = 0.5
terms_days = 30
pd = 0.2
lgd = 0.9
limit = 50000.0
country = "{p} country"
[[buyer_groups]]
name = "{p} group"
count = 3
share = 0.3
terms_days = 30
pd = 0.1
lgd = 0.9
[insurance]
indemnity = 0.9
premium_rate = 0.003
monitoring = {{ detection = 0.5, false_alarm = 0.1, stop_sales = true }}
[[stress]]
name = "{p} stress"
pd_multiplier = 2.0
"#
    )
}

/// Item 2: a symlink planted in an output folder is replaced, never written through;
/// a run folder holding one is refused.
#[test]
fn a_planted_symlink_cannot_redirect_a_write() {
    let dir = tempfile::tempdir().unwrap();
    let victim = write(dir.path(), "victim.txt", "precious");
    let file = write(dir.path(), "s.toml", &scenario("S", ""));
    // A shard's folder: the link has the partial file's name.
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::os::unix::fs::symlink(&victim, parts.join("partial-1-of-1.cashrisk")).unwrap();
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--shard", "1/1", "--out"])
        .arg(&parts)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!parts.join("partial-1-of-1.cashrisk").is_symlink());
    // A run folder: a link among the outputs makes the run refuse the folder.
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::os::unix::fs::symlink(&victim, run.join("summary.json")).unwrap();
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

/// Item 3: file names whose stem is `.`, `..`, `...` or a reserved name give a single
/// safe folder inside `output/` (run) and inside `--out` (batch).
#[test]
fn output_folders_from_odd_file_names_stay_inside() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("in")).unwrap();
    for (file, folder) in [
        ("...toml", "scenario"),
        ("....toml", "scenario"),
        ("CON.toml", "con-file"),
    ] {
        write(&work, file, &scenario("S", ""));
        let out = cashrisk()
            .current_dir(&work)
            .args(["run", file, "--quiet"])
            .output()
            .unwrap();
        assert_success(&out);
        assert!(
            work.join("output")
                .join(folder)
                .join("summary.json")
                .is_file(),
            "{file}"
        );
        std::fs::remove_dir_all(work.join("output")).unwrap();
    }
    assert_eq!(
        names_in(dir.path()),
        ["work"],
        "nothing written beside the work folder"
    );
    write(&work.join("in"), "...toml", &scenario("S", ""));
    let out = cashrisk()
        .current_dir(&work)
        .args(["batch", "in", "--quiet", "--out", "res"])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(work.join("res/scenario/base/summary.json").is_file());
    assert_eq!(
        names_in(&work),
        ["....toml", "...toml", "CON.toml", "in", "res"]
    );
}

/// Item 4: control characters in names, labels and the currency are refused with the
/// key; no raw escape sequence from a file reaches stdout or stderr.
#[test]
fn terminal_escape_sequences_never_reach_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("name", scenario("Evil\\u001b[2J", ""), "scenario.name"),
        (
            "currency",
            scenario("S", "").replace(
                "[scenario]\n",
                "[scenario]\ncurrency = \"E\\u001b]0;owned\\u0007\"\n",
            ),
            "scenario.currency",
        ),
        (
            "stress",
            scenario(
                "S",
                "[[stress]]\nname = \"ok\\rok: all fine\"\npd_multiplier = 2.0",
            ),
            "stress[",
        ),
        (
            "country",
            scenario("S", "[[countries]]\nname = \"US\\u001b[2J\"").replace(
                "name = \"Big buyer\"",
                "name = \"Big buyer\"\ncountry = \"US\\u001b[2J\"",
            ),
            "countries[",
        ),
        (
            "bidi",
            scenario("S", "").replace("\"Big buyer\"", "\"Big \\u202e buyer\""),
            "buyers[",
        ),
        (
            "unknown key",
            scenario("S", "").replace("[company]\n", "[company]\n\"x\\u001b[2J\" = 1\n"),
            "",
        ),
        (
            "forged line",
            scenario("S", "").replace("[company]\n", "[company]\n\"x\\nok: all fine\" = 1\n"),
            "",
        ),
    ];
    for (what, text, key) in cases {
        let file = write(dir.path(), "evil.toml", &text);
        for args in [vec!["validate"], vec!["run", "--quiet"]] {
            let out = cashrisk().args(&args).arg(&file).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{what}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(key), "{what}: {err}");
            assert!(
                !String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .any(|l| l.starts_with("ok")),
                "{what}: a forged line"
            );
            for stream in [&out.stdout, &out.stderr] {
                assert!(
                    !stream.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
                    "{what}: raw control character in {:?}",
                    String::from_utf8_lossy(stream)
                );
            }
        }
    }
    // A description may keep its line breaks.
    let text = scenario("S", "").replace(
        "[scenario]\n",
        "[scenario]\ndescription = \"\"\"two\nlines\"\"\"\n",
    );
    let file = write(dir.path(), "ok.toml", &text);
    assert_success(&cashrisk().arg("validate").arg(&file).output().unwrap());
}

/// Item 5: a name that a spreadsheet would run as a formula is written as text.
#[test]
fn csv_cells_never_start_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "S",
        "[[stress]]\nname = \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"\npd_multiplier = 2.0\n\
         [[stress]]\nname = \"@SUM(1)\"\npd_multiplier = 1.5\n\
         [[stress]]\nname = \"+cmd\"\npd_multiplier = 1.2\n\
         [[stress]]\nname = \"-other\"\npd_multiplier = 1.1\n",
    );
    let file = write(dir.path(), "s.toml", &text);
    let out = cashrisk()
        .arg("stress")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(dir.path().join("st"))
        .output()
        .unwrap();
    assert_success(&out);
    let csv = std::fs::read_to_string(dir.path().join("st/stress.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect();
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@']), "{c}");
    }
    assert!(
        cells.contains(&"'=HYPERLINK(\"http://x\",\"y\")".to_string()),
        "{cells:?}"
    );
    assert!(cells.contains(&"'@SUM(1)".to_string()), "{cells:?}");
    // Batch: the file name column too (the folder as the user named it).
    let batch_in = dir.path().join("=in");
    std::fs::create_dir(&batch_in).unwrap();
    write(&batch_in, "=cmd.toml", &scenario("S", ""));
    let out = cashrisk()
        .current_dir(dir.path())
        .args(["batch", "=in", "--quiet", "--out", "b"])
        .output()
        .unwrap();
    assert_success(&out);
    let summary = std::fs::read_to_string(dir.path().join("b/summary.csv")).unwrap();
    for line in summary.lines().skip(1) {
        assert!(line.starts_with("'=in/=cmd.toml,"), "{line}");
    }
}

/// A small partial file: 20 paths, 30 days.
fn small_partial(dir: &Path) -> Vec<u8> {
    let text = scenario("S", "")
        .replace("horizon_days = 120", "horizon_days = 30")
        .replace("paths = 64", "paths = 20");
    let file = write(dir, "p.toml", &text);
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--shard", "1/1", "--out"])
        .arg(dir.join("parts"))
        .output()
        .unwrap();
    assert_success(&out);
    std::fs::read(dir.join("parts/partial-1-of-1.cashrisk")).unwrap()
}

/// Item 6: a bit flip anywhere in a partial file is refused (every byte position in
/// turn, in the library; and once through `merge`).
#[test]
fn a_bit_flip_anywhere_in_a_partial_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = small_partial(dir.path());
    assert!(cashrisk::partial::decode(&bytes).is_ok());
    for at in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut flipped = bytes.clone();
            flipped[at] ^= bit;
            assert!(
                cashrisk::partial::decode(&flipped).is_err(),
                "a flip of bit {bit:#x} at byte {at} of {} was accepted",
                bytes.len()
            );
        }
    }
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            cashrisk::partial::decode(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x04;
    let bad = write(dir.path(), "bad.cashrisk", "");
    std::fs::write(&bad, &flipped).unwrap();
    let out = cashrisk()
        .arg("merge")
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("merged"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum"));
    assert!(!dir.path().join("merged").exists());
}

/// `merge` takes the folders that `run --shard --out DIR` wrote.
#[test]
fn merge_accepts_a_folder_of_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &scenario("S", ""));
    for k in ["1/2", "2/2"] {
        let out = cashrisk()
            .arg("run")
            .arg(&file)
            .args(["--quiet", "--shard", k, "--out"])
            .arg(dir.path().join("parts"))
            .output()
            .unwrap();
        assert_success(&out);
    }
    let out = cashrisk()
        .args(["merge", "--no-charts", "--out"])
        .arg(dir.path().join("m"))
        .arg(dir.path().join("parts"))
        .output()
        .unwrap();
    assert_success(&out);
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("whole"))
        .output()
        .unwrap();
    assert_success(&out);
    let merged = std::fs::read_to_string(dir.path().join("m/summary.json")).unwrap();
    let whole = std::fs::read_to_string(dir.path().join("whole/summary.json")).unwrap();
    assert_eq!(merged, whole);
}

/// Item 7: a Beta LGD near its bound (mean 0.5, sd 0.499), also reached through
/// `lgd_add`, gives numbers, not n/a.
#[test]
fn a_beta_lgd_near_its_bound_gives_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario("S", "[[stress]]\nname = \"worse\"\nlgd_add = 0.0001\n")
        .replace("lgd = 0.9", "lgd = { mean = 0.5, sd = 0.499 }");
    let file = write(dir.path(), "s.toml", &text);
    for stress in [None, Some("worse")] {
        let out_dir = dir.path().join(stress.unwrap_or("base"));
        let mut cmd = cashrisk();
        cmd.arg("run")
            .arg(&file)
            .args(["--quiet", "--no-charts", "--out"])
            .arg(&out_dir);
        if let Some(s) = stress {
            cmd.args(["--stress", s]);
        }
        assert_success(&cmd.output().unwrap());
        let json = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for variant in ["uninsured", "insured"] {
            for (figure, key) in [
                ("credit_loss", "mean"),
                ("credit_loss", "p99"),
                ("end_balance", "mean"),
            ] {
                let x = v[variant][figure][key].as_f64();
                assert!(
                    x.is_some_and(f64::is_finite),
                    "{variant}.{figure}.{key}: {json}"
                );
            }
        }
        assert!(v["uninsured"]["credit_loss"]["mean"].as_f64().unwrap() > 0.0);
    }
}

/// Item 8: a scenario whose claim lists could exhaust memory is refused up front with
/// an estimate (4,000 buyers x 1,000 invoices a month, all covered).
#[test]
fn a_claims_heavy_scenario_is_refused_with_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario("S", "")
        .replace("horizon_days = 120", "horizon_days = 365")
        .replace("paths = 64", "paths = 8")
        + "[[buyer_groups]]\nname = \"Many\"\ncount = 4000\nshare = 0.4\nterms_days = 30\n\
           pd = 0.5\nlgd = 0.9\ninvoices_per_month = 1000\nlimit = 1000000.0\n";
    let file = write(dir.path(), "heavy.toml", &text);
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--threads", "2", "--out"])
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GiB") && err.contains("claim lists"), "{err}");
}

/// Item 9: devices, FIFOs and huge files are refused at once, for scenarios and for
/// partial files.
#[test]
fn only_regular_files_of_a_sane_size_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let sparse = dir.path().join("sparse.toml");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(20 << 30)
        .unwrap();
    for (file, says) in [
        (Path::new("/dev/zero"), "device"),
        (Path::new("/dev/urandom"), "device"),
        (fifo.as_path(), "FIFO"),
        (sparse.as_path(), "MiB"),
    ] {
        for cmd in ["validate", "run"] {
            let out = cashrisk()
                .arg(cmd)
                .arg(file)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(2 | 3)),
                "{cmd} {}",
                file.display()
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(says), "{err}");
        }
        let out = cashrisk()
            .arg("merge")
            .arg(file)
            .arg("--out")
            .arg(dir.path().join("m"))
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(2 | 3)));
    }
    // A batch with a FIFO among its files finishes the others.
    let batch_in = dir.path().join("in");
    std::fs::create_dir(&batch_in).unwrap();
    write(&batch_in, "good.toml", &scenario("S", ""));
    std::process::Command::new("mkfifo")
        .arg(batch_in.join("pipe.toml"))
        .status()
        .unwrap();
    let out = cashrisk()
        .arg("batch")
        .arg(&batch_in)
        .args(["--quiet", "--out"])
        .arg(dir.path().join("b"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(dir.path().join("b/good/base/summary.json").is_file());
}

/// Item 10: every case gets its own folder; names that would share one are an error.
#[test]
fn case_folders_are_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let ok = scenario(
        "S",
        "[[stress]]\nname = \"日本\"\npd_multiplier = 2.0\n[[stress]]\nname = \"中国\"\npd_multiplier = 3.0\n",
    );
    let batch_in = dir.path().join("in");
    std::fs::create_dir(&batch_in).unwrap();
    write(&batch_in, "s.toml", &ok);
    let out = cashrisk()
        .arg("batch")
        .arg(&batch_in)
        .args(["--quiet", "--out"])
        .arg(dir.path().join("b"))
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        names_in(&dir.path().join("b/s")),
        ["base", "batch-done.json", "rows.csv", "中国", "日本"]
    );
    for (a, b) in [("X Y", "x-y"), ("Base", "b"), ("base", "b")] {
        let stress = if b == "b" {
            format!("[[stress]]\nname = \"{a}\"\npd_multiplier = 2.0\n")
        } else {
            format!(
                "[[stress]]\nname = \"{a}\"\npd_multiplier = 2.0\n[[stress]]\nname = \"{b}\"\npd_multiplier = 3.0\n"
            )
        };
        let file = write(dir.path(), "c.toml", &scenario("S", &stress));
        let out = cashrisk().arg("validate").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{a} / {b}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("output folder"));
    }
    // Two files of a batch that would share a folder: the second is reported, the
    // first keeps its results.
    write(&batch_in, "S.toml", &scenario("Other", ""));
    let out = cashrisk()
        .arg("batch")
        .arg(&batch_in)
        .args(["--quiet", "--out"])
        .arg(dir.path().join("b2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rename one of the two"));
}

/// Item 11: a killed run leaves the folder of the run before it whole; the next run
/// replaces it whole and removes the killed run's stage.
#[test]
fn a_killed_run_leaves_the_previous_results_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let file = write(dir.path(), "s.toml", &scenario("S", ""));
    let first = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--seed", "1", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_success(&first);
    let before: Vec<(String, Vec<u8>)> = names_in(&out_dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out_dir.join(&n)).unwrap()))
        .collect();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--seed", "2", "--paths", "20000000", "--out"])
        .arg(&out_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    child.kill().unwrap();
    child.wait().unwrap();
    let after: Vec<(String, Vec<u8>)> = names_in(&out_dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(out_dir.join(&n)).unwrap()))
        .collect();
    assert!(before == after, "the killed run changed the folder");
    assert!(
        names_in(dir.path())
            .iter()
            .any(|n| n.starts_with(".cashrisk-stage-"))
    );
    // The next run (without charts) replaces the whole set and cleans up.
    let next = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_success(&next);
    assert_eq!(names_in(&out_dir), ["summary.json", "timeseries.csv"]);
    assert_eq!(names_in(dir.path()), ["out", "s.toml"]);
    // A folder of other documents is never replaced.
    write(&out_dir, "thesis.docx", "years of work");
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out_dir.join("thesis.docx").is_file());
}

/// Item 12: a symlink loop, a self-link, a concurrent batch, a deleted result under
/// `--resume`.
#[test]
fn batch_survives_links_locks_and_deleted_results() {
    let dir = tempfile::tempdir().unwrap();
    let batch_in = dir.path().join("in");
    std::fs::create_dir(&batch_in).unwrap();
    write(&batch_in, "a.toml", &scenario("A", ""));
    std::os::unix::fs::symlink(&batch_in, batch_in.join("loop")).unwrap();
    std::os::unix::fs::symlink(".", batch_in.join("self")).unwrap();
    let res = dir.path().join("res");
    let run = |extra: &[&str]| {
        cashrisk()
            .arg("batch")
            .arg(&batch_in)
            .arg("--out")
            .arg(&res)
            .arg("--quiet")
            .args(extra)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("[Base]").count(), 1, "{stdout}");
    // --resume re-runs a file whose case result was deleted.
    let out = run(&["--resume"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped (--resume)"));
    std::fs::remove_file(res.join("a/base/summary.json")).unwrap();
    let out = run(&["--resume"]);
    assert_success(&out);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("skipped (--resume)"));
    assert!(res.join("a/base/summary.json").is_file());
    // A batch already writing into the folder holds its lock: a second is refused.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(res.join(".cashrisk-batch.lock"))
        .unwrap();
    lock.lock().unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another batch"));
    drop(lock);
    // batch-done.json is JSON and names the cashrisk version.
    let done: serde_json::Value =
        serde_json::from_slice(&std::fs::read(res.join("a/batch-done.json")).unwrap()).unwrap();
    assert_eq!(done["cashrisk_version"], env!("CARGO_PKG_VERSION"));
}

/// Item 12: an interrupted batch says which files it kept and that --resume goes on.
#[test]
fn an_interrupted_batch_says_what_it_kept() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let batch_in = dir.path().join("in");
    std::fs::create_dir(&batch_in).unwrap();
    write(&batch_in, "a.toml", &scenario("A", ""));
    write(
        &batch_in,
        "b.toml",
        &scenario("B", "").replace("paths = 64", "paths = 20000000"),
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
        .arg("batch")
        .arg(&batch_in)
        .arg("--out")
        .arg(dir.path().join("res"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("a.toml"), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.toml") && err.contains("--resume"), "{err}");
    assert!(dir.path().join("res/a/base/summary.json").is_file());
}

/// Item 13: --max-paths 0 and --max-paths without --precision are refused.
#[test]
fn max_paths_is_checked() {
    for args in [
        vec!["--precision", "0.01", "--max-paths", "0"],
        vec!["--max-paths", "1000"],
    ] {
        let out = cashrisk()
            .args(["run", "tests/fixtures/small.toml", "--quiet", "--no-charts"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--max-paths"));
    }
}

/// Item 13: SIGTERM and SIGHUP stop a run like Ctrl-C (exit 130, nothing written).
#[test]
fn sigterm_and_sighup_stop_a_run_cleanly() {
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cashrisk"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "run",
                "tests/fixtures/small.toml",
                "--paths",
                "20000000",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join("o"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "signal {signal}");
        assert!(!dir.path().join("o").exists());
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }
}

/// Item 13: `init` writes its file whole or not at all, and never over another.
#[test]
fn init_writes_atomically_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .current_dir(dir.path())
        .args(["init", "mine.toml"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        names_in(dir.path()),
        ["mine.toml"],
        "no temporary file is left"
    );
    let before = std::fs::read(dir.path().join("mine.toml")).unwrap();
    let out = cashrisk()
        .current_dir(dir.path())
        .args(["init", "mine.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(dir.path().join("mine.toml")).unwrap(), before);
}

/// A small tmpfs, unmounted when dropped; `None` (with a message) where this process may
/// not mount (not root, or a sandbox that forbids it).
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs here (needs root), so the full-disk test did not run"
            );
            return None;
        }
        Some(TinyDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk but for about `leave` bytes.
    fn fill(&self, leave: u64) {
        use std::io::Write as _;
        let mut f = std::fs::File::create(self.path().join("filler")).unwrap();
        let chunk = vec![1u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        drop(f);
        let len = std::fs::metadata(self.path().join("filler")).unwrap().len();
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(self.path().join("filler"))
            .unwrap();
        f.set_len(len.saturating_sub(leave)).unwrap();
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

/// Items 11 and 13: on a full disk, `init` leaves no empty file and a run leaves the
/// previous run's folder whole (exit 3 both times).
#[test]
fn a_full_disk_leaves_nothing_half_written() {
    let Some(disk) = TinyDisk::mount("2m") else {
        return;
    };
    let src = tempfile::tempdir().unwrap();
    let file = write(src.path(), "s.toml", &scenario("S", ""));
    let out_dir = disk.path().join("out");
    let first = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--no-charts", "--seed", "1", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_success(&first);
    let before = std::fs::read(out_dir.join("summary.json")).unwrap();
    disk.fill(8192);
    let second = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--seed", "2", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(std::fs::read(out_dir.join("summary.json")).unwrap(), before);
    assert_eq!(names_in(&out_dir), ["summary.json", "timeseries.csv"]);
    assert_eq!(names_in(disk.path()), ["filler", "out"], "no stage is left");
    disk.fill(0);
    let init = cashrisk()
        .current_dir(disk.path())
        .args(["init", "mine.toml"])
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(3));
    assert_eq!(
        names_in(disk.path()),
        ["filler", "out"],
        "no empty or partial file"
    );
}

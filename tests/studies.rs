//! Stress tests, sweeps, decision figures, precision control, batches and shards.

use crate::util::*;
use cashrisk::decision::{break_even_premium_rate, extra_liquidity};
use cashrisk::model::Model;
use cashrisk::run::run;
use cashrisk::scenario::WhatIf;
use cashrisk::stats::{P1, P5};
use std::path::Path;

#[test]
fn shards_run_as_separate_processes_merge_into_the_unsharded_run() {
    let whole = tempfile::tempdir().unwrap();
    let parts = tempfile::tempdir().unwrap();
    let merged = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "scenarios/textile_exporter.toml",
        "--paths",
        "5000",
        "--quiet",
    ];
    cashrisk()
        .args(args)
        .args(["--no-charts", "--out"])
        .arg(whole.path())
        .assert()
        .success();
    // Shards in a shuffled order, with different thread counts.
    for (k, threads) in [(3, "1"), (1, "2"), (2, "1")] {
        cashrisk()
            .args(args)
            .args(["--shard", &format!("{k}/3"), "--threads", threads, "--out"])
            .arg(parts.path())
            .assert()
            .success();
    }
    let mut files: Vec<_> = std::fs::read_dir(parts.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.reverse();
    assert_eq!(files.len(), 3);
    cashrisk()
        .args(["merge", "--no-charts", "--out"])
        .arg(merged.path())
        .args(&files)
        .assert()
        .success();
    for name in ["summary.json", "timeseries.csv"] {
        let a = std::fs::read(whole.path().join(name)).unwrap();
        let b = std::fs::read(merged.path().join(name)).unwrap();
        assert!(
            a == b,
            "{name} differs between the merged and the unsharded run"
        );
    }
    // A missing shard is refused with a clear message.
    let out = cashrisk()
        .args(["merge", "--no-charts", "--out"])
        .arg(merged.path())
        .args(&files[..2])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
}

#[test]
fn merging_is_order_independent() {
    let s = scenario(&std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap());
    let model = Model::new(&s);
    let mut parts = Vec::new();
    for k in 1..=4 {
        let (first, count) = cashrisk::partial::shard_range(3000, k, 4);
        let meta = cashrisk::partial::PartialMeta {
            cashrisk_version: "test".into(),
            file: "x".into(),
            text: "t".into(),
            stress: None,
            paths: 3000,
            seed: s.seed,
            shard: (k, 4),
            first_path: first,
            count,
            horizon: s.horizon_days,
        };
        let r = run(&model, first, count, 1, &|_| {});
        let bytes = cashrisk::partial::encode(&meta, &r);
        parts.push(cashrisk::partial::decode(&bytes).unwrap());
    }
    let forward = cashrisk::partial::merge(parts.clone()).unwrap().1;
    parts.reverse();
    parts.swap(0, 2);
    let shuffled = cashrisk::partial::merge(parts).unwrap().1;
    assert_eq!(forward, shuffled);
    assert_eq!(forward, run(&model, 0, 3000, 2, &|_| {}));
}

#[test]
fn a_sweep_uses_common_random_numbers() {
    // Sweeping the premium rate changes only the insured variant: every uninsured
    // figure is the same to the last digit, and the insured end balance falls
    // monotonically as the premium rises.
    let dir = tempfile::tempdir().unwrap();
    cashrisk()
        .args([
            "sweep",
            "tests/fixtures/small.toml",
            "--paths",
            "2000",
            "--quiet",
        ])
        .args(["--set", "insurance.premium_rate=0.0:0.02:5", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|x| match x {
                    "true" => 1.0,
                    "false" => 0.0,
                    x => x.parse().unwrap(),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 5);
    // Columns: value, uninsured_shortfall(1..3), insured(4..6), change(7..9),
    // uninsured_end_balance_mean(10), insured_end_balance_mean(11).
    for r in &rows[1..] {
        assert_eq!(r[1], rows[0][1], "uninsured shortfall is unchanged");
        assert_eq!(r[10], rows[0][10], "uninsured end balance is unchanged");
    }
    for w in rows.windows(2) {
        assert!(
            w[1][11] < w[0][11],
            "insured end balance falls as the premium rises"
        );
    }
    assert!(dir.path().join("sweep.png").exists());
}

#[test]
fn raising_every_pd_only_adds_credit_losses_path_by_path() {
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap();
    let file = file(&text);
    let pd = |v: f64| {
        let key = "buyers[\"Nordhaus Retail GmbH\"].pd";
        file.what_if(&WhatIf::set("pd", key, v)).unwrap()
    };
    let (low, high) = (pd(0.02), pd(0.2));
    let a = run(&Model::new(&low), 0, 2000, 2, &|_| {});
    let b = run(&Model::new(&high), 0, 2000, 2, &|_| {});
    let more = a
        .credit_loss
        .iter()
        .zip(&b.credit_loss)
        .filter(|(x, y)| y > x)
        .count();
    assert!(more > 0);
    // Same draws: the buyer's default day can only move earlier with a higher pd, so
    // a path without any default at the low pd that has none at the high pd keeps
    // exactly the same loss from the other buyers.
    let same = a
        .credit_loss
        .iter()
        .zip(&b.credit_loss)
        .filter(|(x, y)| x == y)
        .count();
    assert!(same > 1500, "most paths are untouched: {same}");
}

#[test]
fn extra_credit_line_brings_the_shortfall_probability_to_the_target() {
    let text = std::fs::read_to_string("tests/fixtures/small.toml").unwrap();
    let f = file(&text);
    let paths = 3000;
    let line = |extra: f64| {
        let what_if = WhatIf::set("line", "company.credit_line", f.base.credit_line + extra);
        f.what_if(&what_if.with_run(Some(paths), None)).unwrap()
    };
    let s = line(0.0);
    let model = Model::new(&s);
    let r = run(&model, 0, s.paths, 2, &|_| {});
    for target in [P5, P1] {
        let x = extra_liquidity(&r.variants[0].min_headroom, s.min_headroom, target);
        let allowed = (s.paths * target.num / target.den) as f64 / s.paths as f64;
        // With exactly that much more credit line the probability meets the target ...
        let more = line(x);
        let with = summarize(&more, "x", &run(&Model::new(&more), 0, s.paths, 2, &|_| {}));
        assert!(with.uninsured.shortfall_probability.estimate <= allowed + 1e-12);
        // ... and with one unit less it does not.
        let less = line(x - 1.0);
        let without = summarize(&less, "x", &run(&Model::new(&less), 0, s.paths, 2, &|_| {}));
        assert!(without.uninsured.shortfall_probability.estimate > allowed);
    }
}

#[test]
fn break_even_premium_rate_of_a_hand_worked_case() {
    // The Acme case of tests/mechanics.rs without a minimum premium: per path the
    // policy pays 810, takes 324 of the recovery, and costs r * 6000 of premium for
    // the months of 3000 insured sales each (both due inside the horizon). No
    // interest, no randomness: the change in end balance is 486 - 6000 r, zero at
    // r = 0.081.
    let text = crate::mechanics::ACME.replace("minimum_premium = 20.0\n", "");
    let text = text.as_str();
    let f = file(text);
    let acme = f.stress_case("Acme fails").unwrap();
    let s = f.what_if(&acme).unwrap();
    let model = Model::new(&s);
    let r = run(&model, 0, s.paths, 1, &|_| {});
    let summary = summarize(&s, "x", &r);
    close(summary.difference().end_balance_mean.estimate, 486.0 - 60.0);
    let change = summary.difference().end_balance_mean.estimate;
    let rate = break_even_premium_rate(&f, &acme, change, 1)
        .unwrap()
        .expect("a break-even rate exists");
    assert!((rate - 0.081).abs() < 1e-6, "{rate}");
    // Without payouts there is no rate that pays: none is reported.
    let with_deposit = WhatIf::set("deposit", "insurance.minimum_premium", 100.0);
    assert_eq!(
        break_even_premium_rate(&f, &with_deposit, -100.0, 1),
        Ok(None)
    );
}

#[test]
fn precision_control_stops_when_the_target_is_met() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--quiet", "--no-charts"])
        .args(["--precision", "0.01", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    let p = &json["simulation"]["precision"];
    assert_eq!(p["met"], true);
    for w in p["half_widths"].as_array().unwrap() {
        assert!(w.as_f64().unwrap() <= 0.01);
    }
    let paths = json["simulation"]["paths"].as_u64().unwrap();
    assert_eq!(paths % cashrisk::cli::PRECISION_ROUND, 0);
    // The same command gives the same answer.
    let again = tempfile::tempdir().unwrap();
    cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--quiet", "--no-charts"])
        .args(["--precision", "0.01", "--threads", "1", "--out"])
        .arg(again.path())
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dir.path().join("summary.json")).unwrap(),
        std::fs::read(again.path().join("summary.json")).unwrap()
    );
}

#[test]
fn a_batch_finishes_the_good_files_reports_the_bad_one_and_resumes() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("tests/fixtures/small.toml"),
        input.path().join("a.toml"),
    )
    .unwrap();
    std::fs::create_dir(input.path().join("sub")).unwrap();
    std::fs::copy(
        root.join("scenarios/it_services.toml"),
        input.path().join("sub/b.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/bad/pd_above_one.toml"),
        input.path().join("broken.toml"),
    )
    .unwrap();
    let run_batch = |resume: bool| {
        let mut c = cashrisk();
        c.args(["batch", "--paths", "500", "--quiet", "--out"])
            .arg(out.path())
            .arg(input.path());
        if resume {
            c.arg("--resume");
        }
        c.output().unwrap()
    };
    let first = run_batch(false);
    assert_eq!(
        first.status.code(),
        Some(2),
        "a bad file makes the batch fail at the end"
    );
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(err.contains("broken.toml") && err.contains("pd"), "{err}");
    let csv = std::fs::read_to_string(out.path().join("summary.csv")).unwrap();
    // a.toml: base + 1 stress case; b.toml: base + 1 stress case; 2 variants each.
    assert_eq!(csv.lines().count(), 1 + 8, "{csv}");
    assert!(csv.contains("a.toml") && csv.contains("b.toml"));
    assert!(out.path().join("sub/b/base/summary.json").exists());
    let second = run_batch(true);
    let text = String::from_utf8_lossy(&second.stdout);
    assert_eq!(text.matches("skipped (--resume)").count(), 2, "{text}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("summary.csv")).unwrap(),
        csv,
        "resumed rows are the same"
    );
}

#[test]
fn stress_runs_the_base_the_file_cases_and_the_built_in_set() {
    let dir = tempfile::tempdir().unwrap();
    cashrisk()
        .args([
            "stress",
            "tests/fixtures/small.toml",
            "--paths",
            "1000",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.path().join("stress.csv")).unwrap();
    let cases: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        cases,
        vec![
            "Base",
            "Big buyer fails",
            "Built-in: largest buyer (Big buyer) defaults on day 90",
            "Built-in: recession",
            "Built-in: late-payment wave",
            "Built-in: insurer halves every limit",
            "Built-in: insurers cut limits (x0.7 from day 90)"
        ]
    );
    assert!(dir.path().join("stress.png").exists());
}

#[test]
fn a_what_if_that_makes_the_scenario_invalid_is_an_error_naming_it() {
    // Every what-if is an edit of the file followed by full validation; nothing is
    // simulated or written when one of them fails.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "sweep",
                "scenarios/textile_exporter.toml",
                "--set",
                "insurance.indemnity=0:0.9:4",
            ],
            "insurance.indemnity: sweep value insurance.indemnity = 0 makes this invalid: is 0, \
             out of range; use a value in (0, 1]",
        ),
        (
            &[
                "sweep",
                "tests/fixtures/small.toml",
                "--set",
                "buyers[0].pd=0.5:1:3",
            ],
            "sweep value buyers[0].pd = 1 makes this invalid: is 1, out of range; use a value \
             in [0, 1)",
        ),
        (
            &[
                "sweep",
                "tests/fixtures/small.toml",
                "--set",
                "company.opening_csh=0:1:2",
            ],
            "--set: `company.opening_csh` is not a numeric key of a scenario file; did you \
             mean `company.opening_cash`?",
        ),
        (
            &["sensitivity", "BIG"],
            "company.opening_cash: sensitivity step \"opening cash up (±20 %)\" makes this \
             invalid: is 1.08e15, out of range",
        ),
    ];
    let big = dir.path().join("big.toml");
    let text = std::fs::read_to_string("tests/fixtures/small.toml").unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("opening_cash") {
                "opening_cash = 9e14"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&big, text).unwrap();
    for (args, expected) in cases {
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "BIG" {
                    big.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        let run = cashrisk()
            .args(&args)
            .args(["--paths", "200", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn sweep_values_are_the_decimals_the_user_wrote() {
    // 0.001:0.006:11 steps by 0.0005: every value printed and written as a short
    // decimal (0.0045, not 0.0045000000000000005).
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "sweep",
            "tests/fixtures/small.toml",
            "--paths",
            "50",
            "--quiet",
        ])
        .args(["--set", "insurance.premium_rate=0.001:0.006:11", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let values: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "0.001", "0.0015", "0.002", "0.0025", "0.003", "0.0035", "0.004", "0.0045", "0.005",
            "0.0055", "0.006"
        ]
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("insurance.premium_rate = 0.0045 "),
        "{table}"
    );
    // The chart's tick labels are the swept values.
    let svg = std::fs::read_to_string(dir.path().join("sweep.svg")).unwrap();
    for v in ["0.001", "0.002", "0.006"] {
        assert!(
            svg.contains(&format!(">{v}<")) || svg.contains(&format!(">\n{v}\n<")),
            "{v}"
        );
    }
}

#[test]
fn a_swept_run_setting_and_its_flag_are_refused_together() {
    for (set, flag) in [
        ("simulation.paths=100:300:3", "--paths"),
        ("simulation.seed=1:3:3", "--seed"),
    ] {
        let out = cashrisk()
            .args([
                "sweep",
                "tests/fixtures/small.toml",
                "--set",
                set,
                flag,
                "10",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with(&format!("{flag}: cannot be combined with --set")),
            "{err}"
        );
    }
}

#[test]
fn the_verdicts_credit_line_gives_the_policys_protection_at_the_stated_fee() {
    // The textile exporter's policy lowers P(shortfall). The same-protection line X,
    // added to the uninsured company's credit line and simulated again, leaves at
    // most as many paths short as the policy does; one unit less leaves more. The
    // net cost is minus the mean change in end balance (365 days: a year), the cost
    // per point that over the points avoided, the fee that over X.
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap();
    let f = file(&text);
    let paths = 4000;
    let with_line = |extra: f64| {
        let what_if = WhatIf::set("line", "company.credit_line", f.base.credit_line + extra);
        let s = f.what_if(&what_if.with_run(Some(paths), None)).unwrap();
        summarize(&s, "x", &run(&Model::new(&s), 0, s.paths, 2, &|_| {}))
    };
    let base = with_line(0.0);
    let policy = &base.policies[0];
    let d = policy.decision;
    let (pu, pi) = (
        base.uninsured.shortfall_probability.estimate,
        policy.figures.common.shortfall_probability.estimate,
    );
    assert!(
        pi < pu,
        "the example's policy lowers the probability: {pu} -> {pi}"
    );
    let x = d.same_protection_credit_line;
    assert!(x > 0.0);
    assert!(with_line(x).uninsured.shortfall_probability.estimate <= pi);
    assert!(with_line(x - 1.0).uninsured.shortfall_probability.estimate > pi);
    let cost = -policy.difference.end_balance_mean.estimate;
    assert_eq!(d.net_cost_per_year, cost);
    let points = 100.0 * (pu - pi);
    assert!((d.cost_per_point_avoided.unwrap() - cost / points).abs() <= 1e-9 * cost.abs());
    assert_eq!(d.same_protection_fee, (cost > 0.0).then(|| cost / x));
    // Over two years the net cost is given a year: half the change in end balance.
    let two = f
        .what_if(&WhatIf::set("h", "simulation.horizon_days", 730.0).with_run(Some(500), None))
        .unwrap();
    let s = summarize(&two, "x", &run(&Model::new(&two), 0, 500, 2, &|_| {}));
    let p = &s.policies[0];
    assert_eq!(
        p.decision.net_cost_per_year,
        -p.difference.end_balance_mean.estimate * 0.5
    );
}

#[test]
fn a_study_shows_cash_figures_and_writes_a_report() {
    // A premium sweep on the small company: at 0.01 % the turnover premium (about
    // 0.0001 x 960,000 = 96 a year) is far below the minimum premium of 2,000, which
    // then binds; at 0.5 % (about 4,800) it does not. The net cost a year is minus the
    // paired change in end balance.
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "sweep",
            "tests/fixtures/small.toml",
            "--paths",
            "300",
            "--quiet",
        ])
        .args(["--set", "insurance.premium_rate=0.0001:0.005:3", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let table = String::from_utf8(out.stdout).unwrap();
    for part in [
        "P(shortfall)",
        "Mean end balance (day 364)",
        "Cash-flow-at-risk (95 %)",
        "Net cost a year",
    ] {
        assert!(table.contains(part), "{part}\n{table}");
    }
    let binds: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("minimum premium binds"))
        .collect();
    assert_eq!(binds.len(), 1, "{table}");
    assert!(
        binds[0].starts_with("insurance.premium_rate = 0.0001 "),
        "{table}"
    );
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows[0][col("minimum_premium_binds")], "true");
    assert_eq!(rows[2][col("minimum_premium_binds")], "false");
    for r in &rows {
        let cost: f64 = r[col("net_cost_per_year")].parse().unwrap();
        let change: f64 = r[col("end_balance_change")].parse().unwrap();
        assert_eq!(cost, -change);
    }
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for part in [
        "Mean end balance (day 364)",
        "What each case says",
        "insurance.premium_rate = 0.0025",
        "<svg",
        "minimum premium binds",
    ] {
        assert!(report.contains(part), "report lacks {part}");
    }
}

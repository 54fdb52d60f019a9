//! The borrowing base (MODEL.md section 15) worked out by hand: eligibility up to
//! max_days_past_due, the insured part up to a buyer's limit, the facility limit and
//! the cheaper rate of a policy's variant.

use crate::util::*;
use cashrisk::engine::{Scratch, simulate_path};
use cashrisk::model::Model;

const BASE: &str = r#"
[scenario]
name = "Borrowing base"
[simulation]
horizon_days = 120
[company]
opening_cash = 0.0
credit_line_rate = 0.1
[revenue]
monthly = 3000.0
[[buyers]]
name = "Slow"
share = 1.0
terms_days = 30
pd = 0.0
lgd = 0.5
delay = { on_time = 0.0, mean_days = 40.0 }
limit = 4000.0
[insurance]
indemnity = 0.9
premium_rate = 0.0
waiting_period_days = 365
[financing]
advance_rate = 0.5
insured_advance_rate = 0.8
max_days_past_due = 30
"#;

/// The headroom of each variant on each day, and the path's outcome.
fn run(text: &str) -> (Vec<Vec<f64>>, cashrisk::engine::PathOutcome) {
    let s = scenario(text);
    let model = Model::new(&s);
    let mut scratch = Scratch::new(&model);
    let mut seen = Headrooms::default();
    let out = simulate_path(&model, 0, &mut scratch, &mut seen);
    (seen.0, out)
}

/// `value` on the days of each (from, to, value), to 1e-9.
#[track_caller]
fn days_are(got: &[f64], expected: &[(usize, usize, f64)]) {
    for &(from, to, value) in expected {
        for (day, &x) in got.iter().enumerate().take(to).skip(from) {
            assert!(
                (x - value).abs() <= 1e-9,
                "day {day}: {x}, expected {value}"
            );
        }
    }
}

#[test]
fn the_borrowing_base_lends_on_eligible_invoices_and_more_on_the_insured_part() {
    // Invoices of 3000 on days 0, 30, 60, 91, each due 30 days later and paid 40 days
    // after that (70 days after issue): on days 70 and 100 within the horizon.
    // Eligible from issue while unpaid and at most 30 days past due: [t, t + 61), the
    // invoice of day 0 on days 0-60, of 30 on 30-90, of 60 on 60-120, of 91 from 91.
    // E(t) = 3000 on days 0-29, 6000 on 30-59, 9000 on day 60, 6000 from 61.
    // Uninsured BB = 0.5 E. With the policy (limit 4000): 0.8 min(E, 4000) +
    // 0.5 (E - min(E, 4000)) = 2400; 3200 + 1000 = 4200; 3200 + 2500 = 5700; 4200.
    // The balance B is 0 until day 70, 3000 until day 100, then 6000 (no costs,
    // no interest on a positive balance at deposit_rate 0): h = B + BB.
    let (h, out) = run(BASE);
    days_are(
        &h[0],
        &[
            (0, 30, 1500.0),
            (30, 60, 3000.0),
            (60, 61, 4500.0),
            (61, 70, 3000.0),
            (70, 100, 6000.0),
            (100, 120, 9000.0),
        ],
    );
    days_are(
        &h[1],
        &[
            (0, 30, 2400.0),
            (30, 60, 4200.0),
            (60, 61, 5700.0),
            (61, 70, 4200.0),
            (70, 100, 7200.0),
            (100, 120, 10200.0),
        ],
    );
    close(out.min_headroom[0], 1500.0);
    close(out.min_headroom[1], 2400.0);
}

#[test]
fn a_facility_limit_caps_the_borrowing_base() {
    // The same invoices with facility_limit = 4000: uninsured min(4000, 0.5 E) is 4000
    // on day 60 (4500 uncapped); with the policy min(4000, 4200) on days 30-59 and
    // 61-69, min(4000, 5700) on day 60.
    let (h, _) = run(&BASE.replace(
        "max_days_past_due = 30",
        "max_days_past_due = 30\nfacility_limit = 4000.0",
    ));
    days_are(
        &h[0],
        &[
            (0, 30, 1500.0),
            (30, 60, 3000.0),
            (60, 61, 4000.0),
            (61, 70, 3000.0),
        ],
    );
    days_are(
        &h[1],
        &[
            (0, 30, 2400.0),
            (30, 70, 4000.0),
            (70, 100, 3000.0 + 4000.0),
        ],
    );
}

#[test]
fn a_policy_variant_pays_the_reduced_rate_on_a_negative_balance() {
    // Opening cash -10,000 at 10 % a year; the policy's variant pays 10 % - 4 % = 6 %.
    // No policy flows (premium 0, no claims): both variants see the same flows, so
    // each balance is the plain rule at its own rate (util::balances).
    let text = BASE
        .replace("opening_cash = 0.0", "opening_cash = -10000.0")
        .replace(
            "max_days_past_due = 30",
            "max_days_past_due = 30\ninsured_rate_reduction = 0.04",
        );
    let s = scenario(&text);
    let (out, common, insured) = one_path(&s, 0);
    assert!(insured.iter().all(|&x| x == 0.0));
    for (v, rate) in [(0, 0.1), (1, 0.06)] {
        let b = balances(-10000.0, &common, rate, 0.0);
        close(out.end_balance[v], *b.last().unwrap());
        // Interest paid: the balance's fall on each day below zero beyond the day's flow.
        let mut before = -10000.0;
        let mut paid = 0.0;
        for (day, &after) in b.iter().enumerate() {
            let flowed: f64 = before + common[day];
            if flowed < 0.0 {
                paid += flowed - after;
            }
            before = after;
        }
        close(out.interest_paid[v], paid);
    }
    assert!(out.interest_paid[1] < 0.7 * out.interest_paid[0]);
}

#[test]
fn the_working_capital_figures_of_a_hand_worked_book() {
    // The book of BASE with supplier costs (half of each sale, 40 days after it) and
    // no interest; every path is the same (no randomness is used: pd 0, a fixed delay).
    // - Invoices of 3000 on days 0, 30, 60, 91, paid on 70, 100, 130, 161: open on
    //   days [0, 70), [30, 100), [60, 120), [91, 120) within H = 120: 70 + 70 + 60 + 29
    //   = 229 invoice-days of 3000 = 687,000; receivables.mean = 687,000 / 120 = 5,725.
    // - DSO: 687,000 / 12,000 invoiced = 57.25 days.
    // - Supplier costs of 1500 on days 40, 70, 100 and 131 (after H: 1500).
    // - Balance: -1500 on days 40-69, 0 on 70-99, 1500 from 100: peak drawn 1500.
    // - End position: B(119) = 1500 + the invoices open on day 119 (of days 60 and 91:
    //   6000) - the cost after H (1500) = 6000.
    // - Borrowing base (the windows of the first test): uninsured 0.5 E summed over the
    //   days: 0.5 (3000 x 30 + 6000 x 30 + 9000 + 6000 x 30 + 6000 x 29) = 316,500, a
    //   mean of 2,637.5; with the policy 2400 x 30 + 4200 x 30 + 5700 + 4200 x 59 =
    //   451,500, a mean of 3,762.5.
    let text = BASE
        .replace("credit_line_rate = 0.1", "credit_line_rate = 0.0")
        .replace(
            "[revenue]",
            "[costs]\nvariable_ratio = 0.5\nsupplier_terms_days = 40\n[revenue]",
        );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("book.toml");
    std::fs::write(&file, text).unwrap();
    let out = cashrisk()
        .arg("run")
        .arg(&file)
        .args(["--paths", "16", "--quiet", "--json", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |v: &str, key: &str, leaf: &str| json[v][key][leaf].as_f64().unwrap();
    for v in ["uninsured", "insured"] {
        close(f(v, "receivables", "mean"), 5725.0);
        close(f(v, "dso", "mean"), 57.25);
        close(f(v, "dso", "p95"), 57.25);
        close(f(v, "peak_drawn", "mean"), 1500.0);
        close(f(v, "peak_drawn", "p95"), 1500.0);
        for leaf in ["mean", "p5", "p50", "p95"] {
            close(f(v, "end_position", leaf), 6000.0);
        }
    }
    close(f("uninsured", "borrowing_base", "mean"), 2637.5);
    close(f("insured", "borrowing_base", "mean"), 3762.5);
    assert_eq!(
        json["policies"][0]["borrowing_base"],
        json["insured"]["borrowing_base"]
    );
    // Without [financing] there is no borrowing base figure.
    let golden: serde_json::Value =
        serde_json::from_slice(&std::fs::read("tests/golden/textile_exporter_3000.json").unwrap())
            .unwrap();
    assert!(golden["uninsured"]["receivables"].is_object());
    assert!(golden["uninsured"].get("borrowing_base").is_none());
}

//! Several policies on the same paths (MODEL.md section 14), worked out by hand: each
//! policy's limits, claims and ledger, and the rule that picks a buyer's limit.

use crate::util::*;
use cashrisk::engine::{NoObserver, Scratch, simulate_path};
use cashrisk::model::Model;

const QUOTES: &str = r#"
[scenario]
name = "Three quotes"
[simulation]
horizon_days = 100
[company]
opening_cash = 0.0
[revenue]
monthly = 3000.0
[credit]
recovery_lag_days = 0
[[buyers]]
name = "Beta"
share = 1.0
terms_days = 40
pd = 0.0
lgd = 0.5
invoices_per_month = 3
limit = 2000.0
[[policies]]
name = "Own limit"
indemnity = 0.9
premium_rate = 0.0
settlement_days = 0
[[policies]]
name = "Higher limit"
indemnity = 0.8
premium_rate = 0.0
settlement_days = 0
limits = { "Beta" = 5000.0 }
[[policies]]
name = "Lower limit"
indemnity = 0.9
premium_rate = 0.0
settlement_days = 0
default_limit = 10000.0
limits = { "Beta" = 500.0 }
[[stress]]
name = "Beta fails"
force_default = [{ buyer = "Beta", day = 25 }]
"#;

#[test]
fn two_policies_with_different_limits_on_the_same_buyer_settle_on_their_own() {
    // Invoices of 1000 on days 0, 10, 20 (due 40, 50, 60) are all unpaid when Beta
    // defaults on day 25: three insolvency claims on day 25 under every policy, and a
    // recovery of 0.5 * 1000 = 500 each on day 25 (lag 0), 1500 in all.
    let s = stressed(QUOTES, "Beta fails");
    let model = Model::new(&s);
    let mut scratch = Scratch::new(&model);
    let out = simulate_path(&model, 0, &mut scratch, &mut NoObserver);
    ledger_is(&scratch.ledgers().0, &[(25, 1500.0)]);
    assert_eq!(s.variants(), 4);
    // "Own limit": Beta's own 2000 (no entry in limits). Claimable 1000, 1000, 0;
    // payouts 900, 900, 0 = 1800; the insurer takes 0.9 of two recoveries:
    // 1800 - 450 - 450 = 900 on day 25.
    // "Higher limit": its entry 5000. Claimable 1000 each; payouts 800 each = 2400;
    // the insurer takes 0.8 of each recovery: 2400 - 3 * 400 = 1200.
    // "Lower limit": its entry 500 comes before the default limit 10000. Claimable
    // 500, 0, 0; payout 450, the insurer's share 450 / 1000 of one recovery = 225:
    // 450 - 225 = 225.
    for (k, (payouts, to_insurer, claims)) in
        [(1800.0, 900.0, 3), (2400.0, 1200.0, 3), (450.0, 225.0, 3)]
            .into_iter()
            .enumerate()
    {
        let policy = out.policy(1 + k);
        ledger_is(&scratch.policy_ledger(k), &[(25, payouts - to_insurer)]);
        close(policy.payouts_received, payouts);
        close(policy.paid_to_insurer, to_insurer);
        assert_eq!(policy.claims, claims, "policy {k}");
        // Net credit loss: 0.5 * (1000 - payout) over the three invoices.
        close(policy.net_credit_loss, 1500.0 - 0.5 * payouts);
        close(out.end_balance[1 + k], 1500.0 + payouts - to_insurer);
    }
    close(out.credit_loss, 1500.0);
    close(out.end_balance[0], 1500.0);
}

#[test]
fn a_policy_limit_comes_from_its_entry_then_the_group_then_the_buyer_then_the_default() {
    let text = r#"
[scenario]
name = "Limits"
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[[buyers]]
name = "A"
share = 0.2
terms_days = 30
pd = 0.01
lgd = 0.5
limit = 100.0
[[buyers]]
name = "C"
share = 0.2
terms_days = 30
pd = 0.01
lgd = 0.5
[[buyer_groups]]
name = "G"
count = 3
share = 0.3
terms_days = 30
pd = 0.01
lgd = 0.5
limit = 50.0
[[policies]]
name = "Entries"
indemnity = 0.9
premium_rate = 0.001
default_limit = 10.0
limits = { "G" = 70.0, "G#2" = 90.0, "C" = 0.0 }
[[policies]]
name = "Defaults"
indemnity = 0.9
premium_rate = 0.001
default_limit = 20.0
[[stress]]
name = "Halved"
limit_multiplier = 0.5
"#;
    // Buyers in order: A, C, G#1, G#2, G#3.
    // "Entries": A has no entry, its own 100; C's entry 0 (not covered, although
    // the default is 10); G's entry 70 for G#1 and G#3, G#2's own entry 90.
    // "Defaults": A 100, C the default 20, every member the group's own 50.
    let limits = |s: &cashrisk::scenario::Scenario| -> Vec<Vec<f64>> {
        Model::new(s)
            .policies
            .iter()
            .map(|p| p.limits.clone())
            .collect()
    };
    let loaded = file(text);
    assert_eq!(
        limits(&loaded.base),
        [
            vec![100.0, 0.0, 70.0, 90.0, 70.0],
            vec![100.0, 20.0, 50.0, 50.0, 50.0]
        ]
    );
    // The stress key limit_multiplier scales every one of them.
    assert_eq!(
        limits(&loaded.stressed("Halved").unwrap()),
        [
            vec![50.0, 0.0, 35.0, 45.0, 35.0],
            vec![50.0, 10.0, 25.0, 25.0, 25.0]
        ]
    );
    let model = Model::new(&loaded.base);
    let coverage: Vec<u8> = model.buyers.iter().map(|b| b.coverage).collect();
    assert_eq!(coverage, [0b11, 0b10, 0b11, 0b11, 0b11]);
    assert_eq!(model.coverage_classes, [0b11, 0b10]);
}

#[test]
fn every_output_names_every_policy() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args(["run", "tests/fixtures/two_quotes.toml", "--paths", "2000"])
        .args(["--quiet", "--json", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let policies = json["policies"].as_array().unwrap();
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Quote A: cheap, high first loss",
            "Quote B: dearer, higher limits"
        ]
    );
    // `insured` and `difference` stay the first policy's (MODEL.md section 14).
    for key in ["shortfall_probability", "premium_paid", "payouts_received"] {
        assert_eq!(json["insured"][key], policies[0][key], "{key}");
    }
    assert_eq!(json["difference"], policies[0]["difference"]);
    assert_ne!(policies[0]["premium_paid"], policies[1]["premium_paid"]);
    let ts = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    assert!(header.contains(",insured_p5,") && header.ends_with(",policy2_shortfall_cdf"));

    // The table: a column per variant, a change column per policy, and a headline
    // about the policy with the lowest shortfall probability.
    let table = cashrisk()
        .args(["run", "tests/fixtures/two_quotes.toml", "--paths", "2000"])
        .args(["--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("table"))
        .output()
        .unwrap();
    assert_success(&table);
    let text = String::from_utf8(table.stdout).unwrap();
    let p = |k: usize| {
        policies[k]["shortfall_probability"]["estimate"]
            .as_f64()
            .unwrap()
    };
    let best = if p(1) < p(0) { names[1] } else { names[0] };
    let u = json["uninsured"]["shortfall_probability"]["estimate"]
        .as_f64()
        .unwrap();
    if p(0).min(p(1)) < u {
        assert!(
            text.contains(&format!("Of the 2 policies, \"{best}\" lowers")),
            "{text}"
        );
    } else {
        assert!(text.contains("None of the 2 policies lowers"), "{text}");
    }
    // The pair: second minus first on the same paths, so its change in P(shortfall)
    // is the difference of the two probabilities, and its interval is the paired one
    // for first_only and second_only: mean (b - a) / N, sd from (a + b) / N - mean^2.
    let pair = &json["policy_pairs"][0];
    assert_eq!(pair["first"], names[0]);
    let (a, b) = (
        pair["first_only"].as_f64().unwrap(),
        pair["second_only"].as_f64().unwrap(),
    );
    let n = 2000.0;
    let change = pair["shortfall_probability"]["estimate"].as_f64().unwrap();
    close(change, p(1) - p(0));
    close(change, (b - a) / n);
    let sd = (((a + b) - n * change * change) / (n - 1.0)).sqrt();
    let half = 1.959964 * sd / n.sqrt();
    close(
        pair["shortfall_probability"]["ci95"][1].as_f64().unwrap(),
        change + half,
    );
    let end = |k: usize| policies[k]["end_balance"]["mean"].as_f64().unwrap();
    let e = pair["end_balance_mean"]["estimate"].as_f64().unwrap();
    assert!((e - (end(1) - end(0))).abs() < 1e-6 * end(0).abs(), "{e}");
    assert!(text.contains("Quotes compared (the same paths)"), "{text}");
    // The quotes chart's title names the best quote with its figures from summary.json.
    let svg = std::fs::read_to_string(dir.path().join("quotes.svg")).unwrap();
    let k = if p(1) < p(0) { 1 } else { 0 };
    let cost = policies[k]["decision"]["net_cost_per_year"]
        .as_f64()
        .unwrap();
    for figure in [
        format!("{:.2} %", 100.0 * p(k)),
        cashrisk::table::money("EUR", cost),
    ] {
        assert!(svg.contains(&figure), "quotes.svg lacks {figure}");
    }
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(report.contains("<h2>Quotes compared</h2>"));
    assert!(
        text.contains("gives a lower shortfall probability than"),
        "{text}"
    );
    let heading = text.lines().find(|l| l.contains("Uninsured")).unwrap();
    assert!(heading.contains("Quote A: cheap, high") && heading.contains("Change, Quote A"));
}

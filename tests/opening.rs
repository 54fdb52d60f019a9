//! Opening receivables (MODEL.md section 20) worked out by hand, and the conditioned
//! delay of an overdue invoice against its exact distribution.

use crate::util::*;
use cashrisk::engine::{INSURED, NoObserver, Scratch, simulate_path};
use cashrisk::model::Model;

const BOOK: &str = r#"
[scenario]
name = "Receivables book"
[simulation]
horizon_days = 120
[company]
opening_cash = 0.0
[revenue]
monthly = 1.0
[credit]
recovery_lag_days = 100
[[buyers]]
name = "Fixed"
share = 0.5
terms_days = 30
pd = 0.0
lgd = 0.6
delay = { on_time = 0.0, mean_days = 30.0 }
limit = 0.0
[[buyers]]
name = "Failing"
share = 0.5
terms_days = 30
pd = 0.0
lgd = 0.6
limit = 5000.0
[insurance]
indemnity = 0.9
premium_rate = 0.0
waiting_period_days = 150
settlement_days = 10
[[receivables]]
buyer = "Fixed"
amount = 1000000.0
issue_day = -50
due_day = -10
[[receivables]]
buyer = "Fixed"
amount = 2000000.0
issue_day = -90
due_day = -45
[[receivables]]
buyer = "Fixed"
amount = 4000000.0
issue_day = 0
due_day = 5
[[receivables]]
buyer = "Failing"
amount = 1000.0
issue_day = -30
due_day = 30
[[stress]]
name = "Failing fails on day 0"
force_default = [{ buyer = "Failing", day = 0 }]
"#;

/// The ledger entries of at least `amount` (the opening receivables of this file are
/// far larger than its sales of 1 a month).
fn large(ledger: &[f64], amount: f64) -> Vec<(usize, f64)> {
    entries(ledger)
        .into_iter()
        .filter(|e| e.1.abs() >= amount)
        .collect()
}

#[test]
fn an_overdue_receivable_is_paid_late_by_its_conditioned_delay() {
    // "Fixed" pays every late invoice exactly 30 days late (sd 0: X = 30).
    // - Overdue by 10 days (due -10): d is drawn given d >= 10; F jumps from 0 to 1
    //   at 30, so v = F(9) + u (1 - F(9)) = u < 1 = F(30): d = 30, paid on -10 + 30 = 20.
    // - Overdue by 45 days (due -45): F(44) = 1, so 1 - F(44) = 0 and d = o = 45: paid
    //   on -45 + 45 = 0, the first day.
    // - Due on day 5 (not overdue): on_time = 0, so late by 30: paid on 35.
    // Its buyer has no limit: no claim. "Failing" pays its 1000 on time on day 30,
    // with its invoice of day 0 (0.5: half of the month's revenue of 1).
    let s = scenario(BOOK);
    for path in [0, 1, 2, 7] {
        let (out, common, insured) = one_path(&s, path);
        assert_eq!(
            large(&common, 1000.0),
            [(0, 2e6), (20, 1e6), (30, 1000.5), (35, 4e6)],
            "path {path}"
        );
        assert!(large(&insured, 1.0).is_empty());
        assert_eq!(out.policy(INSURED).claims, 0);
        assert_eq!(out.credit_loss, 0.0);
    }
}

#[test]
fn an_opening_receivable_is_claimed_on_day_0() {
    // "Failing" defaults on day 0 with its receivable of 1000 (issued -30, due 30)
    // unpaid: an insolvency claim on day 0. Claimable min(1000, limit 5000) = 1000,
    // payout 0.9 * 1000 = 900 on day 0 + 10 = 10. Credit loss 0.6 * 1000 = 600; the
    // estate pays 400 on day 0 + 100 = 100, of which the insurer owns 900 / 1000: the
    // insured variant gives up 360 of it on day 100. No sale of day 0 or later is made
    // to it (a default on day 0 stops day 0's invoice).
    let s = stressed(BOOK, "Failing fails on day 0");
    let model = Model::new(&s);
    let mut scratch = Scratch::new(&model);
    let out = simulate_path(&model, 3, &mut scratch, &mut NoObserver);
    let (common, insured) = scratch.ledgers();
    assert_eq!(
        large(&common, 300.0),
        [(0, 2e6), (20, 1e6), (35, 4e6), (100, 400.0)]
    );
    ledger_is(&insured, &[(10, 900.0), (100, -360.0)]);
    let policy = out.policy(INSURED);
    assert_eq!(policy.claims, 1);
    close(out.credit_loss, 600.0);
    close(policy.payouts_received, 900.0);
    close(policy.paid_to_insurer, 360.0);
    close(policy.net_credit_loss, 0.6 * (1000.0 - 900.0));
}

#[test]
fn a_protracted_default_claim_day_before_day_0_is_day_0() {
    // An invoice due on day -200 of a buyer that pays 300 days late (sd 0): overdue by
    // 200, d = max(300, 200) = 300, paid on -200 + 300 = 100. The waiting period of
    // 150 days ends on u + W = -50 < 0 while the invoice is unpaid and the buyer
    // solvent: a protracted-default claim, on day 0. Payout 0.9 * 800 = 720 on day 10;
    // the insurer owns 720 / 2e6 of the payment of 2e6 on day 100: -720 then.
    let text = BOOK
        .replace(
            "delay = { on_time = 0.0, mean_days = 30.0 }\nlimit = 0.0",
            "delay = { on_time = 0.0, mean_days = 300.0 }\nlimit = 800.0",
        )
        .replace(
            "issue_day = -90\ndue_day = -45",
            "issue_day = -260\ndue_day = -200",
        );
    let s = scenario(&text);
    let (out, _, insured) = one_path(&s, 0);
    // The three receivables of "Fixed": 1e6 (o = 10: d = 300, paid 290 >= H), 2e6
    // (o = 200: d = 300, paid 100), 4e6 (due 5: paid 305 >= H). Claims on every one:
    // the first and third on u + W = 140 and 155 >= H (not made); the second on day 0.
    ledger_is(&insured, &[(10, 720.0), (100, -720.0)]);
    assert_eq!(out.policy(INSURED).claims, 1);
}

#[test]
fn the_delay_of_an_overdue_receivable_has_the_exact_conditional_distribution() {
    // An invoice overdue by o = 30 days of a buyer whose late delays are round(X), X
    // lognormal with mean 20 and sd 25: its delay d must follow round(X) given
    // round(X) >= 30, P(d <= k) = (F(k) - F(29)) / (1 - F(29)), F(k) = P(X < k + 1/2).
    // The payment arrives on day d - 30. At a few k the share of 20,000 paths with
    // d <= k is held to 4 standard errors of a proportion, sqrt(p (1 - p) / N)
    // (seed fixed; the largest standard error is 0.0035).
    use statrs::distribution::{ContinuousCDF, Normal};
    let text = r#"
[scenario]
name = "Overdue"
[simulation]
horizon_days = 1000
seed = 7
[company]
opening_cash = 0.0
[revenue]
monthly = 1.0
[[buyers]]
name = "Late"
share = 0.01
terms_days = 30
pd = 0.0
lgd = 0.5
delay = { on_time = 0.3, mean_days = 20.0, sd_days = 25.0 }
[[receivables]]
buyer = "Late"
amount = 1000000.0
issue_day = -90
due_day = -30
"#;
    let s = scenario(text);
    let model = Model::new(&s);
    let mut scratch = Scratch::new(&model);
    let n = 20_000;
    let delays: Vec<Option<usize>> = (0..n)
        .map(|path| {
            simulate_path(&model, path, &mut scratch, &mut NoObserver);
            let common = scratch.ledgers().0;
            large(&common, 1e5).first().map(|&(day, _)| day + 30)
        })
        .collect();
    let sigma2 = (1.0f64 + 25.0 * 25.0 / (20.0 * 20.0)).ln();
    let mu = 20.0f64.ln() - sigma2 / 2.0;
    let x = Normal::new(mu, sigma2.sqrt()).unwrap();
    let f = |k: f64| x.cdf((k + 0.5).ln());
    assert!(delays.iter().flatten().all(|&d| d >= 30), "a delay below o");
    for k in [31.0, 35.0, 45.0, 60.0, 90.0, 150.0] {
        let p = (f(k) - f(29.0)) / (1.0 - f(29.0));
        let share = delays
            .iter()
            .filter(|d| d.is_some_and(|d| d as f64 <= k))
            .count() as f64
            / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (share - p).abs() <= 4.0 * se,
            "P(d <= {k}): {share} against {p} (se {se})"
        );
    }
}

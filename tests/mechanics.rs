//! Every mechanic of MODEL.md sections 2-8 on small cases worked out by hand.
//!
//! The cases have no randomness left (volatility 0, pd 0 or a forced default, delays
//! with sd 0), so each expected ledger entry and figure below is plain arithmetic,
//! written out in the comments.

use crate::util::*;
use cashrisk::engine::INSURED;
use cashrisk::model::month_start;

const GRID: &str = r#"
[scenario]
name = "Grid"
[simulation]
horizon_days = 65
[company]
opening_cash = 0.0
credit_line_rate = 0.365
deposit_rate = 0.0365
[revenue]
monthly = 1200.0
[costs]
variable_ratio = 0.5
supplier_terms_days = 10
fixed_monthly = 100.0
[[costs.scheduled]]
day = 5
amount = 50.0
label = "grant"
[[costs.scheduled]]
day = 64
amount = -5000.0
label = "machine"
[[costs.scheduled]]
day = 70
amount = -99.0
label = "after the horizon"
"#;

#[test]
fn month_grid_cash_sales_costs_and_scheduled_flows() {
    // No buyers: everything is sold for cash on s(m) = 0, 30, 60 (months with s < 65).
    // Day 0: +1200 sales - 100 fixed; day 5: +50; day 10 and 40: -600 supplier cost of
    // the sales of days 0 and 30 (the cost of day 60's sale falls on day 70 >= H);
    // day 64: -5000; the flow of day 70 is outside the horizon.
    let s = scenario(GRID);
    let (out, common, insured) = one_path(&s, 0);
    ledger_is(
        &common,
        &[
            (0, 1100.0),
            (5, 50.0),
            (10, -600.0),
            (30, 1100.0),
            (40, -600.0),
            (60, 1100.0),
            (64, -5000.0),
        ],
    );
    assert!(
        entries(&insured).is_empty(),
        "no policy, no insured-only flows"
    );
    let b = balances(0.0, &common, 0.365, 0.0365);
    close(out.end_balance[0], b[64]);
    close(out.min_headroom[0], b[64]);
    assert!(b[64] < 0.0);
    assert_eq!(out.shortfall_day[..2], [Some(64), Some(64)]);
    assert_eq!(out.end_balance[0], out.end_balance[1]);
}

#[test]
fn daily_interest_on_day_zero_and_on_a_negative_balance() {
    // Day 0: B = 0 + 1100 = 1100, deposit interest 1100 * 0.0365 / 365 = 0.11.
    let s = scenario(GRID);
    let (_, common, _) = one_path(&s, 0);
    let b = balances(0.0, &common, 0.365, 0.0365);
    close(b[0], 1100.11);
    // Day 64: a negative balance pays 0.365 / 365 = 0.1 % a day.
    let before = b[63] - 5000.0;
    close(b[64], before * 1.001);
    // Interest paid and earned: each day's interest is B(t) - B(t-1) - flows(t); on
    // days 0..63 the balance is positive and earns, on day 64 it pays 0.1 % of
    // `before`.
    let (out, _, _) = one_path(&s, 0);
    let earned: f64 = (0..64)
        .map(|t| b[t] - if t == 0 { 0.0 } else { b[t - 1] } - common[t])
        .sum();
    close(out.interest_earned[0], earned);
    close(out.interest_paid[0], -before * 0.001);
    assert!(earned > 0.0 && before < 0.0);
    // The balance is the opening cash, the flows and the interest.
    let flows: f64 = common.iter().sum();
    close(
        out.end_balance[0],
        flows + out.interest_earned[0] - out.interest_paid[0],
    );
}

#[test]
fn revenue_growth_and_seasonality_from_the_start_month() {
    // R(m) = monthly * season[(start_month - 1 + m) mod 12] * (1 + g)^(m / 12).
    let text = r#"
[scenario]
name = "Seasons"
[simulation]
horizon_days = 100
start_month = 11
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
growth = 0.1
seasonality = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
"#;
    let (_, common, _) = one_path(&scenario(text), 0);
    // November, December, January, February on days 0, 30, 60, 91.
    close(common[0], 1000.0 * 1.5);
    close(common[30], 1000.0 * 1.6 * 1.1f64.powf(1.0 / 12.0));
    close(common[60], 1000.0 * 0.5 * 1.1f64.powf(2.0 / 12.0));
    close(common[91], 1000.0 * 0.6 * 1.1f64.powf(3.0 / 12.0));
}

pub const ACME: &str = r#"
[scenario]
name = "Acme"
[simulation]
horizon_days = 100
[company]
opening_cash = 0.0
[revenue]
monthly = 3000.0
[credit]
recovery_lag_days = 20
[[buyers]]
name = "Acme"
share = 1.0
terms_days = 10
pd = 0.0
lgd = 0.6
invoices_per_month = 2
limit = 1000.0
[insurance]
indemnity = 0.9
premium_rate = 0.01
minimum_premium = 20.0
aggregate_first_loss = 100.0
settlement_days = 5
[[stress]]
name = "Acme fails"
force_default = [{ buyer = "Acme", day = 50 }]
"#;

#[test]
fn invoices_per_month_terms_and_premium_deposit() {
    // Months 0..3 start on 0, 30, 60, 91; two invoices a month on s(m) and
    // s(m) + floor((s(m+1) - s(m)) / 2): days 0, 15, 30, 45, 60, 75, 91, 106, each 1500.
    // Paid 10 days later: 10, 25, 40, 55, 70, 85 inside the horizon (101, 116 are not).
    let s = scenario(ACME);
    let (out, common, insured) = one_path(&s, 3);
    ledger_is(
        &common,
        &[
            (10, 1500.0),
            (25, 1500.0),
            (40, 1500.0),
            (55, 1500.0),
            (70, 1500.0),
            (85, 1500.0),
        ],
    );
    // Premium 1 % of each month's 3000 = 30, due on s(m+1) = 30, 60, 91 (121 >= H).
    // The deposit of 20 on day 0 pays 20 of month 0's premium: 10 in cash on day 30.
    ledger_is(
        &insured,
        &[(0, -20.0), (30, -10.0), (60, -30.0), (91, -30.0)],
    );
    close(out.policy(INSURED).premium_paid, 20.0 + 10.0 + 30.0 + 30.0);
    assert_eq!(out.policy(INSURED).claims, 0);
    assert_eq!(out.credit_loss, 0.0);
}

#[test]
fn default_stops_sales_and_an_insolvency_claim_is_paid_pro_rata() {
    // Acme defaults on day 50: it gets invoices on days 0, 15, 30, 45 only. The one of
    // day 45 is due on 55 >= 50: defaulted. Loss 0.6 * 1500 = 900; the estate pays
    // 0.4 * 1500 = 600 on day 50 + 20 = 70.
    // Claim on day 50: claimable min(1500, limit 1000) = 1000; the first loss keeps 100;
    // payout 0.9 * 900 = 810 on day 55. The insurer owns 810 / 1500 = 0.54 of the
    // invoice, so of the recovery the company keeps 600 * 0.46: insured -324 on day 70.
    // Premiums: month 0 3000 * 1 % = 30 (20 from the deposit, 10 cash on day 30), month
    // 1 30 on day 60, no sales later.
    let s = stressed(ACME, "Acme fails");
    let (out, common, insured) = one_path(&s, 3);
    ledger_is(
        &common,
        &[(10, 1500.0), (25, 1500.0), (40, 1500.0), (70, 600.0)],
    );
    ledger_is(
        &insured,
        &[
            (0, -20.0),
            (30, -10.0),
            (55, 810.0),
            (60, -30.0),
            (70, -324.0),
        ],
    );
    close(out.credit_loss, 900.0);
    close(out.policy(INSURED).net_credit_loss, 900.0 - 0.6 * 810.0);
    close(out.policy(INSURED).payouts_received, 810.0);
    close(out.policy(INSURED).premium_paid, 60.0);
    close(out.policy(INSURED).paid_to_insurer, 324.0);
    assert_eq!(out.policy(INSURED).claims, 1);
    // The balance: uninsured ends at 4500 + 600; insured adds 810 - 324 - 60.
    close(out.end_balance[0], 5100.0);
    close(out.end_balance[1], 5100.0 + 810.0 - 324.0 - 60.0);
    // Day 0 headroom of the insured variant is -20 < 0: a shortfall on day 0.
    assert_eq!(out.shortfall_day[..2], [None, Some(0)]);
}

const LIMITS: &str = r#"
[scenario]
name = "Limits"
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
[insurance]
indemnity = 0.9
premium_rate = 0.0
max_liability = 1500.0
settlement_days = 0
[[stress]]
name = "Beta fails"
force_default = [{ buyer = "Beta", day = 25 }]
"#;

#[test]
fn limit_is_used_up_in_claim_order_and_maximum_liability_caps_payouts() {
    // Invoices of 1000 on days 0, 10, 20 (due 40, 50, 60) are all unpaid on day 25.
    // Claims on day 25 in issue order: claimable 1000, 1000, then 0 (limit 2000 used up;
    // still a claim). Payouts 900, then min(900, 1500 - 900) = 600, then 0.
    // Recovery 500 each on day 25 (lag 0): the insurer's shares 0.9, 0.6, 0 apply on the
    // claim day itself: insured +900 - 450 + 600 - 300 = 750 on day 25.
    let s = stressed(LIMITS, "Beta fails");
    let (out, common, insured) = one_path(&s, 0);
    ledger_is(&common, &[(25, 1500.0)]);
    ledger_is(&insured, &[(25, 750.0)]);
    assert_eq!(out.policy(INSURED).claims, 3);
    close(out.policy(INSURED).payouts_received, 1500.0);
    close(out.credit_loss, 1500.0);
    close(
        out.policy(INSURED).net_credit_loss,
        1500.0 - 0.5 * 900.0 - 0.5 * 600.0,
    );
}

const SLOW: &str = r#"
[scenario]
name = "Slow payer"
[simulation]
horizon_days = 365
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[credit]
recovery_lag_days = 365
[[buyers]]
name = "Slow"
share = 1.0
terms_days = 10
pd = 0.0
lgd = 1.0
delay = { on_time = 0.0, mean_days = 200.0 }
limit = 1e9
[insurance]
indemnity = 0.9
premium_rate = 0.0
waiting_period_days = 150
settlement_days = 30
[[stress]]
name = "In time"
delay_multiplier = 0.75
[[stress]]
name = "Fails on day 200"
force_default = [{ buyer = "Slow", day = 200 }]
"#;

#[test]
fn protracted_default_claims_after_the_waiting_period() {
    // Every invoice (1000 on s(m)) is due on s(m) + 10 and paid 200 days late.
    // Claim on s(m) + 160 for s(m) < 205: months 0..6, 7 claims. Payout 900 on
    // s(m) + 190 (inside the horizon for s(m) < 175: months 0..5); the late payment on
    // s(m) + 210 reaches the company only as 10 %: insured -900 on those days.
    let s = scenario(SLOW);
    let (out, common, insured) = one_path(&s, 0);
    assert_eq!(out.policy(INSURED).claims, 7);
    let mut expected = Vec::new();
    for m in 0..6 {
        let start = month_start(m) as usize;
        expected.push((start + 190, 900.0));
        expected.push((start + 210, -900.0));
    }
    expected.sort_by_key(|e| e.0);
    ledger_is(&insured, &expected);
    close(out.policy(INSURED).payouts_received, 5400.0);
    let paid: Vec<(usize, f64)> = (0..6)
        .map(|m| (month_start(m) as usize + 210, 1000.0))
        .collect();
    ledger_is(&common, &paid);
    assert_eq!(out.credit_loss, 0.0);
    assert_eq!(out.policy(INSURED).net_credit_loss, 0.0);
}

#[test]
fn a_payment_exactly_at_the_end_of_the_waiting_period_is_in_time() {
    // delay 200 * 0.75 = 150 = W: paid on u + W, no claim.
    let s = stressed(SLOW, "In time");
    let (out, _, insured) = one_path(&s, 0);
    assert_eq!(out.policy(INSURED).claims, 0);
    assert!(entries(&insured).is_empty());
}

#[test]
fn insolvency_before_the_waiting_period_ends_is_an_insolvency_claim() {
    // Default on day 200; invoices of days 0, 30, 60, 91, 121, 152, 182 are all unpaid
    // (paid would be s + 210 >= 200). Invoice 0: u + W = 160 < 200 -> protracted claim
    // on 160; invoice 30: 190 -> protracted on 190; the other five: u + W >= 200 ->
    // insolvency claims on day 200. Payouts 900 on 190, 220 and 5 x 900 on 230.
    let s = stressed(SLOW, "Fails on day 200");
    let (out, _, insured) = one_path(&s, 0);
    assert_eq!(out.policy(INSURED).claims, 7);
    ledger_is(&insured, &[(190, 900.0), (220, 900.0), (230, 4500.0)]);
    close(out.credit_loss, 7000.0);
    close(out.policy(INSURED).net_credit_loss, 7000.0 - 7.0 * 900.0);
}

#[test]
fn first_loss_and_deposits_belong_to_each_policy_year() {
    // Two years. X fails on day 100: its invoices of days 60 and 91 (due 120, 151) are
    // unpaid. Y fails on day 400: invoices of days 365 and 395 (due 425, 455) are
    // unpaid. Each year's first loss of 500 keeps 500 of that year's first claim:
    // payouts 0.9 * 500 = 450 and 900 in each year, on claim day + 30.
    // The deposit of 1,000,000 is paid on day 0 and day 365 and covers every premium.
    let text = r#"
[scenario]
name = "Two years"
[simulation]
horizon_days = 730
[company]
opening_cash = 0.0
[revenue]
monthly = 2000.0
[[buyers]]
name = "X"
share = 0.5
terms_days = 60
pd = 0.0
lgd = 1.0
limit = 1e6
[[buyers]]
name = "Y"
share = 0.5
terms_days = 60
pd = 0.0
lgd = 1.0
limit = 1e6
[insurance]
indemnity = 0.9
premium_rate = 0.001
minimum_premium = 1000000.0
aggregate_first_loss = 500.0
[[stress]]
name = "Both fail"
force_default = [{ buyer = "X", day = 100 }, { buyer = "Y", day = 400 }]
"#;
    let s = stressed(text, "Both fail");
    let (out, _, insured) = one_path(&s, 0);
    ledger_is(
        &insured,
        &[(0, -1e6), (130, 1350.0), (365, -1e6), (430, 1350.0)],
    );
    assert_eq!(out.policy(INSURED).claims, 4);
    close(out.policy(INSURED).premium_paid, 2e6);
    close(out.policy(INSURED).payouts_received, 2700.0);
}

#[test]
fn the_shortfall_test_is_strict() {
    let text = |amount: f64| {
        format!(
            r#"
[scenario]
name = "Edge"
[simulation]
horizon_days = 10
[company]
opening_cash = 100.0
credit_line = 20.0
min_headroom = 50.0
[revenue]
monthly = 1.0
[costs]
variable_ratio = 1.0
[[costs.scheduled]]
day = 3
amount = {amount}
"#
        )
    };
    // Day 0: cash sale 1 and its cost 1 on the same day: B = 100, h = 120.
    // Day 3: B = 30, h = 50, not below 50: no shortfall. One cent more and there is.
    let (out, _, _) = one_path(&scenario(&text(-70.0)), 0);
    assert_eq!(out.shortfall_day[..2], [None, None]);
    close(out.min_headroom[0], 50.0);
    let (out, _, _) = one_path(&scenario(&text(-70.01)), 0);
    assert_eq!(out.shortfall_day[..2], [Some(3), Some(3)]);
}

#[test]
fn without_a_policy_the_variants_are_identical() {
    let text = ACME.split("[insurance]").next().unwrap().to_string();
    let s = scenario(&text);
    for path in 0..20 {
        let (out, _, insured) = one_path(&s, path);
        assert!(entries(&insured).is_empty());
        assert_eq!(out.end_balance[0], out.end_balance[1]);
        assert_eq!(out.min_headroom[0], out.min_headroom[1]);
        assert_eq!(out.policy(INSURED).premium_paid, 0.0);
    }
}

#[test]
fn an_uncovered_buyer_makes_no_claims() {
    // limit 0 and default_limit 0: no cover, no insured turnover, only the deposit.
    let text = ACME.replace("limit = 1000.0", "limit = 0.0");
    let s = stressed(&text, "Acme fails");
    let (out, _, insured) = one_path(&s, 0);
    assert_eq!(out.policy(INSURED).claims, 0);
    ledger_is(&insured, &[(0, -20.0)]);
}

#[test]
fn stress_overrides_follow_model_md() {
    let text = r#"
[scenario]
name = "Stress"
[company]
opening_cash = 0.0
credit_line = 1.0
[revenue]
monthly = 1000.0
[credit]
correlation = 0.1
[[buyers]]
name = "A"
share = 0.5
terms_days = 30
pd = 0.5
lgd = { mean = 0.95, sd = 0.1 }
delay = { on_time = 0.6, mean_days = 10.0, sd_days = 4.0 }
limit = 100.0
correlation = 0.3
[[buyers]]
name = "B"
share = 0.2
terms_days = 30
pd = 0.01
lgd = 0.5
[insurance]
indemnity = 0.9
premium_rate = 0.0
default_limit = 40.0
[[stress]]
name = "All"
pd_multiplier = 3.0
correlation = 0.25
delay_multiplier = 2.0
on_time_multiplier = 2.0
revenue_multiplier = 0.5
limit_multiplier = 0.5
lgd_add = 0.1
"#;
    let s = stressed(text, "All");
    let a = &s.buyers[0];
    let b = &s.buyers[1];
    assert_eq!(a.pd, 0.999, "0.5 * 3 is capped at 0.999");
    close(b.pd, 0.03);
    assert_eq!(s.correlation, 0.25);
    assert_eq!(a.correlation, Some(0.25));
    let d = a.delay.unwrap();
    assert_eq!((d.on_time, d.mean_days, d.sd_days), (1.0, 20.0, 8.0));
    assert_eq!(
        b.delay, None,
        "a buyer without a delay table keeps paying on time"
    );
    close(s.revenue_monthly, 500.0);
    assert_eq!(a.limit, Some(50.0));
    assert_eq!(s.first_policy().unwrap().default_limit, 20.0);
    assert_eq!(
        a.lgd,
        cashrisk::scenario::Lgd::Fixed(1.0),
        "Beta mean 1.05 -> constant 1"
    );
    close(b.lgd.mean(), 0.6);
    assert_eq!(s.applied_stress.as_deref(), Some("All"));
}

#[test]
fn the_policy_account_adds_up_to_the_change_in_end_balance() {
    // Per path, B(H-1) is the opening cash plus every flow and every day's interest
    // dated before H. The policy variant's flows are the uninsured ones plus its own:
    // minus premiums (deposits included), plus payouts, minus the insurer's share of
    // later payments. So per path, and so for the means:
    //   change in end balance = -premium + payouts - paid to insurer
    //                           + (interest earned - interest paid, insured minus uninsured)
    // up to the order of floating-point sums (the means are of per-path sums added
    // in block order, the change is the mean of per-path differences): 1e-9 of the
    // premium.
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap();
    let s = scenario(&text);
    let model = cashrisk::model::Model::new(&s);
    let result = cashrisk::run::run(&model, 0, 4000, 2, &|_| {});
    let summary = summarize(&s, "textile_exporter.toml", &result);
    let policy = &summary.policies[0];
    let account = cashrisk::figures::account(&summary.uninsured, policy);
    let change = policy.difference.end_balance_mean.estimate;
    let premium = policy.figures.premium_paid.mean;
    assert!(
        (account - change).abs() <= 1e-9 * premium,
        "account {account}, change {change}"
    );
    // Every term is there: the example pays interest, and passes recoveries on.
    assert!(policy.figures.paid_to_insurer.mean > 0.0);
    assert!(summary.uninsured.interest_paid.mean > 0.0);
    assert!(cashrisk::figures::interest_effect(&summary.uninsured, &policy.figures.common) != 0.0);
}

#[test]
fn a_recurring_scheduled_flow_repeats_every_n_days_within_the_horizon() {
    // H = 100. Cash sales of 1 on the month starts 0, 30, 60, 91 (s(m) = floor(m 365 /
    // 12)). "Rent" of -10 from day 5 every 40 days: days 5, 45, 85 (125 is past H).
    // "Tax" of -3 on day 91 every 365 days: day 91 only. Day 91: 1 - 3 = -2.
    let s = scenario(
        r#"
[scenario]
name = "Recurring"
[simulation]
horizon_days = 100
[company]
opening_cash = 0.0
[revenue]
monthly = 1.0
[[costs.scheduled]]
day = 5
amount = -10.0
label = "Rent"
every_days = 40
[[costs.scheduled]]
day = 91
amount = -3.0
label = "Tax"
every_days = 365
"#,
    );
    let (out, common, _) = one_path(&s, 0);
    ledger_is(
        &common,
        &[
            (0, 1.0),
            (5, -10.0),
            (30, 1.0),
            (45, -10.0),
            (60, 1.0),
            (85, -10.0),
            (91, -2.0),
        ],
    );
    close(out.end_balance[0], 4.0 - 33.0);
}

#[test]
fn terms_days_add_moves_every_payment_and_refuses_negative_terms() {
    // Acme's terms of 10 days become 10 + 15 = 25: the invoices of days 0, 15, 30,
    // 45, 60 are paid on 25, 40, 55, 70, 85 (75 + 25 = 100 is at H, not counted).
    let text = format!("{ACME}[[stress]]\nname = \"Slow\"\nterms_days_add = 15\n");
    let s = stressed(&text, "Slow");
    let (_, common, _) = one_path(&s, 3);
    ledger_is(
        &common,
        &[
            (25, 1500.0),
            (40, 1500.0),
            (55, 1500.0),
            (70, 1500.0),
            (85, 1500.0),
        ],
    );
    // Terms of 10 - 11 = -1 are refused, naming the case and the buyer.
    let bad = format!("{ACME}[[stress]]\nname = \"Too fast\"\nterms_days_add = -11\n");
    let err = cashrisk::scenario::ScenarioFile::parse("t.toml".as_ref(), bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"Too fast\"")
            && err.contains("buyers[\"Acme\"].terms_days")
            && err.contains("is -1"),
        "{err}"
    );
}

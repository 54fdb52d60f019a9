//! Insurer monitoring and downturn limit cuts (MODEL.md section 16) worked out by
//! hand: a detected default cuts cover lead_days before it, a false alarm cuts a sound
//! buyer on its drawn day, a partial cut caps the claimable amount, and a downturn
//! cut shrinks the bank's borrowing base also on invoices delivered before it.

use crate::util::*;
use cashrisk::engine::{
    CutOutcome, MONITOR_INDEX, NoObserver, PathOutcome, Scratch, simulate_path,
};
use cashrisk::model::Model;
use cashrisk::rng::{PathRng, open01};
use cashrisk::scenario::Scenario;

/// One buyer, invoices of 1,000 on days 0, 30, 60, 91, 121, 152 and 182, due 30 days
/// later and paid on time; two policies with a limit of 5,000 and a premium of 1 %:
/// "Watched" is monitored (every coming default detected, 40 days ahead, the limit
/// cancelled), "Unwatched" is not.
const WATCHED: &str = r#"
[scenario]
name = "Watched"
[simulation]
horizon_days = 200
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[credit]
recovery_lag_days = 300
[[buyers]]
name = "Harbor"
share = 1.0
terms_days = 30
pd = 0.0
lgd = 0.6
[[policies]]
name = "Watched"
indemnity = 0.9
premium_rate = 0.01
settlement_days = 10
default_limit = 5000.0
monitoring = { detection = 1.0, lead_days = 40 }
[[policies]]
name = "Unwatched"
indemnity = 0.9
premium_rate = 0.01
settlement_days = 10
default_limit = 5000.0
[[stress]]
name = "Harbor fails on day 100"
force_default = [{ buyer = "Harbor", day = 100 }]
"#;

/// One buyer on 90-day terms (invoices of 1,000 on days 0, 30, 60, 91), a limit of
/// 3,000 halved from day 50 in a downturn (every path: Z < 10), and a bank lending 50 %
/// of eligible receivables and 90 % of their insured part.
const DOWNTURN: &str = r#"
[scenario]
name = "Downturn"
[simulation]
horizon_days = 100
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[[buyers]]
name = "Harbor"
share = 1.0
terms_days = 90
pd = 0.0
lgd = 0.6
[insurance]
indemnity = 0.9
premium_rate = 0.0
default_limit = 3000.0
downturn = { z_below = 10.0, from_day = 50, limit_multiplier = 0.5 }
[financing]
advance_rate = 0.5
insured_advance_rate = 0.9
"#;

/// The ledger of "Unwatched" when Harbor fails on day 100: premiums of 10 for months
/// 0 to 3 (due on s(m + 1)) and the insolvency claim on the invoice of day 91, 900
/// paid on day 110.
const UNWATCHED_LEDGER: &[(usize, f64)] = &[
    (30, -10.0),
    (60, -10.0),
    (91, -10.0),
    (110, 900.0),
    (121, -10.0),
];

/// Path `path` of `s`: its outcome and each policy's own ledger.
fn path(s: &Scenario, path: u64) -> (PathOutcome, Vec<Vec<f64>>) {
    let (out, ledgers, _) = path_and_cuts(s, path);
    (out, ledgers)
}

/// [`path`], and what the limit cuts did to each variant.
fn path_and_cuts(s: &Scenario, path: u64) -> (PathOutcome, Vec<Vec<f64>>, Vec<CutOutcome>) {
    let model = Model::new(s);
    let mut scratch = Scratch::new(&model);
    let out = simulate_path(&model, path, &mut scratch, &mut NoObserver);
    let policies = (0..s.policies.len())
        .map(|k| scratch.policy_ledger(k))
        .collect();
    let cuts = (0..s.variants()).map(|v| scratch.cuts(0, v)).collect();
    (out, policies, cuts)
}

#[test]
fn a_detected_default_cancels_cover_lead_days_before_it() {
    // tau = 100 (forced), detected (V < 1 always): the decision on 100 - 40 = 60. The
    // invoices of days 0 and 30 are covered; those of 60 and 91 are not (the limit in
    // force on their issue day is 0). The invoice of day 91, due on 121, defaults on
    // day 100: no claim under "Watched" (the company kept selling without cover), an
    // insolvency claim under "Unwatched": 900 on day 110. Premiums of 10 for months 0
    // and 1 only under "Watched", for months 0 to 3 under "Unwatched" (due on s(m+1)).
    let s = stressed(WATCHED, "Harbor fails on day 100");
    let (out, ledgers) = path(&s, 0);
    ledger_is(&ledgers[0], &[(30, -10.0), (60, -10.0)]);
    assert_eq!(out.policy(1).claims, 0);
    ledger_is(&ledgers[1], UNWATCHED_LEDGER);
    assert_eq!(out.policy(2).claims, 1);
    close(out.credit_loss, 600.0);
    close(out.policy(1).net_credit_loss, 600.0);
    close(out.policy(2).net_credit_loss, 0.6 * (1000.0 - 900.0));
}

#[test]
fn a_partial_cut_caps_the_claimable_amount_at_the_limit_in_force() {
    // keep = 0.6 of a limit of 1,500: 900 from day 60. The invoice of day 91 is
    // covered (900 > 0) and its claimable amount is min(1000, max(0, 900 - 0)) = 900,
    // paid at 90 %: 810.
    let text = WATCHED
        .replace(
            "default_limit = 5000.0\nmonitoring",
            "default_limit = 1500.0\nmonitoring",
        )
        .replace("lead_days = 40 }", "lead_days = 40, keep = 0.6 }");
    let s = stressed(&text, "Harbor fails on day 100");
    let (out, ledgers) = path(&s, 0);
    ledger_is(
        &ledgers[0],
        &[
            (30, -10.0),
            (60, -10.0),
            (91, -10.0),
            (110, 810.0),
            (121, -10.0),
        ],
    );
    assert_eq!(out.policy(1).claims, 1);
}

#[test]
fn a_forced_default_day_at_or_after_the_horizon_is_no_default_time() {
    // Forced default on day 250 >= H = 200: no default time (MODEL.md 16), so no cut
    // and no default; every invoice covered, premiums for months 0 to 5.
    let text = WATCHED.replace("day = 100 }", "day = 250 }");
    let s = stressed(&text, "Harbor fails on day 100");
    let (out, ledgers) = path(&s, 0);
    assert_eq!(out.credit_loss, 0.0);
    assert_eq!(entries(&ledgers[0]).len(), 6, "{:?}", entries(&ledgers[0]));
}

#[test]
fn a_false_alarm_cuts_a_sound_buyer_on_its_drawn_day() {
    // No default (pd = 0), detection 0, false_alarm 0.9: the decision day is
    // floor(365 (-ln(1 - V2)) / lambda_f), lambda_f = ln 10, with V2 the second word of
    // stream 1 + 0, index 2^31. In each path, premiums are due only for the months that
    // start before it (limit cancelled from then on), and nothing is claimed.
    let text = WATCHED.replace(
        "monitoring = { detection = 1.0, lead_days = 40 }",
        "monitoring = { detection = 0.0, false_alarm = 0.9 }",
    );
    let s = scenario(&text);
    let month_starts = [0, 30, 60, 91, 121, 152, 182];
    let mut cut_seen = 0;
    for p in 0..20 {
        let v2 = open01(PathRng::new(0, p).words(1, MONITOR_INDEX).1);
        let c = (365.0 * -(1.0 - v2).ln() / 10f64.ln()).floor();
        // Months m with s(m) < c, whose premium falls due on s(m + 1) < H.
        let expected: Vec<(usize, f64)> = (0..6)
            .filter(|&m| (month_starts[m] as f64) < c)
            .map(|m| (month_starts[m + 1], -10.0))
            .collect();
        let (out, ledgers) = path(&s, p);
        ledger_is(&ledgers[0], &expected);
        assert_eq!(out.policy(1).claims, 0);
        cut_seen += (expected.len() < 6) as usize;
    }
    assert!(
        cut_seen >= 5,
        "false alarms within the horizon in {cut_seen} of 20 paths"
    );
}

#[test]
fn a_downturn_cut_shrinks_the_borrowing_base_on_invoices_already_delivered() {
    // Every path is a downturn (Z < 10). Terms of 90 days: the invoices of days 0 and
    // 30 are open on days 30-89. The bank lends 90 % of the insured part (up to the
    // limit in force) and 50 % of the rest. The limit is 3,000 until day 49 and 1,500
    // from day 50. The balance is 0 until the first payment on day 90, so headroom is
    // the borrowing base: uninsured 0.5 x 2,000 = 1,000 on days 30-59; insured
    // 0.9 x 2,000 = 1,800 on day 49, 0.9 x 1,500 + 0.5 x 500 = 1,600 on day 50 (the cut
    // reaches invoices delivered before it), and with the invoice of day 60,
    // 0.9 x 1,500 + 0.5 x 1,500 = 2,100.
    let text = DOWNTURN;
    let s = scenario(text);
    let model = Model::new(&s);
    let mut scratch = Scratch::new(&model);
    let mut days = Headrooms::default();
    simulate_path(&model, 0, &mut scratch, &mut days);
    let (uninsured, insured) = (&days.0[0], &days.0[1]);
    close(uninsured[49], 1000.0);
    close(uninsured[60], 1500.0);
    close(insured[29], 900.0);
    close(insured[49], 1800.0);
    close(insured[50], 1600.0);
    close(insured[60], 2100.0);
    // Without the downturn (z_below far below any Z) the limit stays 3,000.
    let calm = scenario(&text.replace("z_below = 10.0", "z_below = -40.0"));
    let model = Model::new(&calm);
    let mut days = Headrooms::default();
    simulate_path(&model, 0, &mut Scratch::new(&model), &mut days);
    close(days.0[1][50], 1800.0);
    close(days.0[1][60], 0.9 * 3000.0);
}

#[test]
fn with_stop_sales_the_company_stops_delivering_from_the_decision_day() {
    // As the first test, with stop_sales and keep = 0.5, supplier cost half of every
    // sale on the day of sale. The decision on day 60: under "Watched" the company
    // issues no invoice from day 60 on (whatever keep is), so the invoices of days 60
    // and 91 are not made in that variant: no supplier cost (-500 on 60 and 91), no
    // payment (+1,000 on 90), no default and no credit loss on the invoice of day 91
    // (600 uninsured), no premium, no claim. Its own ledger takes them back: +500 on
    // days 60 and 91, -1,000 on day 90. "Unwatched" sells and claims as before.
    let text = WATCHED
        .replace(
            "[revenue]\nmonthly = 1000.0\n",
            "[revenue]\nmonthly = 1000.0\n[costs]\nvariable_ratio = 0.5\n",
        )
        .replace(
            "lead_days = 40 }",
            "lead_days = 40, keep = 0.5, stop_sales = true }",
        );
    let s = stressed(&text, "Harbor fails on day 100");
    let (out, ledgers, cuts) = path_and_cuts(&s, 0);
    let unsold = |v: usize| cuts[v].unsold;
    ledger_is(
        &ledgers[0],
        &[(30, -10.0), (60, -10.0 + 500.0), (90, -1000.0), (91, 500.0)],
    );
    assert_eq!(out.policy(1).claims, 0);
    close(out.credit_loss, 600.0);
    close(out.credit_loss(&unsold(1)), 0.0);
    close(out.policy(1).net_credit_loss, 0.0);
    close(out.credit_loss(&unsold(2)), 600.0);
    ledger_is(&ledgers[1], UNWATCHED_LEDGER);
    // Invoiced within the horizon: 4,000 sold uninsured (days 0, 30, 60, 91; the
    // default on 100 stops the rest), 2,000 under "Watched". Open amounts: each invoice
    // 30 days until paid, the one of day 91 until the default on 100 (9 days).
    close(out.invoiced, 4000.0);
    close(unsold(1).invoiced, 2000.0);
    close(out.open_days(&unsold(0)), 1000.0 * (30.0 * 3.0 + 9.0));
    close(out.open_days(&unsold(1)), 1000.0 * 30.0 * 2.0);
    // DSO = open amount-days / amount invoiced.
    close(out.dso(&unsold(1)).unwrap(), 30.0);
    // The sales not made: payments of 1,000 (day 90) less supplier costs of 500 + 500
    // (days 60 and 91) within the horizon: what the variant's balance lacks.
    close(unsold(1).cash, 0.0);
    assert_eq!(cuts[1].decisions, 1);
}

#[test]
fn the_built_in_limit_cut_is_a_downturn_in_every_path() {
    // "insurers cut limits": every limit x0.7 from day 90 in every path, for the bank
    // too. The file of the downturn test, with its own downturn never happening: on day
    // 89 the insured base is 0.9 x 3,000 (invoices of days 0, 30 and 60 open); on day 95
    // the invoice of day 0 is paid (balance 1,000) and those of 30, 60 and 91 are open
    // against a limit of 2,100: 1,000 + 0.9 x 2,100 + 0.5 x 900 = 3,340.
    let text = &DOWNTURN.replace("z_below = 10.0", "z_below = -40.0");
    let loaded = file(text);
    let case = loaded.stress_case("insurers cut limits").unwrap();
    assert_eq!(
        case.label,
        "stress case \"Built-in: insurers cut limits (x0.7 from day 90)\" (built-in)"
    );
    let s = loaded.what_if(&case).unwrap();
    let model = Model::new(&s);
    let mut days = Headrooms::default();
    simulate_path(&model, 0, &mut Scratch::new(&model), &mut days);
    close(days.0[1][89], 2700.0);
    close(days.0[1][95], 3340.0);
    // A file without a policy has no such case.
    let bare = text.split("[insurance]").next().unwrap();
    assert!(
        file(bare)
            .builtin_stress()
            .iter()
            .all(|c| !c.name.contains("cut limits"))
    );
}

#[test]
fn the_limit_cut_figures_equal_their_closed_forms() {
    // 50 independent buyers (rho = 0) with pd 4 %, all covered; monitoring detects half
    // of the coming defaults 30 days ahead and has false alarms at 10 % a year; a
    // downturn below z = -1. Per buyer, a cut before H = 365 comes from a detected
    // default with tau < 395 (c = floor(tau) - 30 < 365), probability
    // 0.5 (1 - 0.96^(395/365)), or, undetected (probability 0.5), from a false alarm
    // with V2 < 0.1: decisions per path have mean 50 (that + 0.05), false alarms
    // 50 x 0.05 = 2.5, with standard errors sqrt(50 p (1 - p) / N) (0.012 and 0.011 at
    // N = 20,000); the downturn share is Phi(-1) = 0.1587, se 0.0026.
    use statrs::distribution::{ContinuousCDF, Normal};
    let text = r#"
[scenario]
name = "Cuts"
[simulation]
seed = 3
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[[buyer_groups]]
name = "Shops"
count = 50
share = 1.0
terms_days = 30
pd = 0.04
lgd = 1.0
[insurance]
indemnity = 0.9
premium_rate = 0.0
default_limit = 100.0
monitoring = { detection = 0.5, lead_days = 30, false_alarm = 0.1 }
downturn = { z_below = -1.0, limit_multiplier = 0.5 }
"#;
    let s = scenario(text);
    let n = 20_000u64;
    let result = cashrisk::run::run(&Model::new(&s), 0, n, 2, &|_| {});
    let summary = summarize(&s, "cuts.toml", &result);
    let cuts = summary.policies[0].figures.limit_cuts.expect("limit cuts");
    let within = |mean: f64, p: f64| {
        let se = (50.0 * p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (mean - 50.0 * p).abs() <= 4.0 * se,
            "{mean} against {} (se {se})",
            50.0 * p
        );
    };
    let detected = 0.5 * (1.0 - 0.96f64.powf(395.0 / 365.0));
    within(cuts.decisions.mean, detected + 0.05);
    within(cuts.false_alarms.mean, 0.05);
    let down = Normal::new(0.0, 1.0).unwrap().cdf(-1.0);
    let se = (down * (1.0 - down) / n as f64).sqrt();
    let share = cuts.downturn_probability.unwrap();
    assert!(
        (share - down).abs() <= 4.0 * se,
        "{share} against {down} (se {se})"
    );
    assert_eq!(cuts.not_delivered.mean, 0.0, "no stop_sales");
}

#[test]
fn the_shortfall_without_cuts_is_the_run_without_them() {
    // The run simulates every path a second time without the policies' monitoring and
    // downturn; a run of the file with those lines removed by hand must give each
    // policy the same shortfall probability, to the last digit (the same paths).
    let text = std::fs::read_to_string("scenarios/china_exporter.toml").unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("monitoring = ") && !l.starts_with("downturn = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let n = 3000;
    let summary = |text: &str| {
        let s = scenario(text);
        let result = cashrisk::run::run(&Model::new(&s), 0, n, 2, &|_| {});
        summarize(&s, "china_exporter.toml", &result)
    };
    let (with, by_hand) = (summary(&text), summary(&without));
    for (p, q) in with.policies.iter().zip(&by_hand.policies) {
        let cuts = p.figures.limit_cuts.expect("limit cuts");
        assert!(q.figures.limit_cuts.is_none());
        assert_eq!(
            cuts.shortfall_without_cuts, q.figures.common.shortfall_probability,
            "{}",
            p.name
        );
        // The paired change is the difference of the two probabilities.
        let change = p.figures.common.shortfall_probability.estimate
            - q.figures.common.shortfall_probability.estimate;
        close(cuts.shortfall_change.estimate, change);
    }
    // The uninsured variant has no cuts: the same in both runs.
    assert_eq!(with.uninsured, by_hand.uninsured);
}

#[test]
fn the_account_adds_up_with_stop_sales() {
    // As for version 1 (tests/mechanics.rs), with the sales a policy's variant did not
    // make after a cut as one more term: the change in mean end balance is the sum of
    // the account, to 1e-9 of the premium.
    let text = std::fs::read_to_string("scenarios/china_exporter.toml").unwrap();
    let s = scenario(&text);
    let result = cashrisk::run::run(&Model::new(&s), 0, 4000, 2, &|_| {});
    let summary = summarize(&s, "china_exporter.toml", &result);
    for p in &summary.policies {
        let account = cashrisk::figures::account(&summary.uninsured, p);
        let change = p.difference.end_balance_mean.estimate;
        assert!(
            (account - change).abs() <= 1e-9 * p.figures.premium_paid.mean,
            "{}: account {account}, change {change}",
            p.name
        );
        // The term is there (either sign: a sale late in the year saves its supplier
        // cost within the horizon but would have been paid after it).
        assert!(cashrisk::figures::sales_not_made(p) != 0.0, "{}", p.name);
    }
}

#[test]
fn the_summary_counts_only_what_each_variant_sold() {
    // The stop_sales case of the test above with recoveries 20 days after a default:
    // every path is the same (no random draw matters), so each mean is the one path's
    // figure worked out by hand.
    // - "Watched" did not deliver the invoices of days 60 and 91: not_delivered 2,000.
    //   Their cash within H = 200: +1,000 (day 90), +400 (the recovery of day 91's
    //   invoice, 0.4 x 1,000 on day 120), -500 and -500 (supplier costs on 60 and 91):
    //   +400 the variant lacks, sales_not_made = -400.
    // - Credit loss: 600 uninsured and under "Unwatched", 0 under "Watched".
    // - Receivables over 200 days: uninsured 1,000 x (30 + 30 + 30 + 9) / 200 = 495,
    //   "Watched" 1,000 x 60 / 200 = 300; DSO 99,000 / 4,000 = 24.75 and 60,000 /
    //   2,000 = 30 days.
    // - One monitoring decision a path, no false alarm, no downturn.
    let text = WATCHED
        .replace(
            "[revenue]\nmonthly = 1000.0\n",
            "[revenue]\nmonthly = 1000.0\n[costs]\nvariable_ratio = 0.5\n",
        )
        .replace("recovery_lag_days = 300", "recovery_lag_days = 20")
        .replace(
            "lead_days = 40 }",
            "lead_days = 40, keep = 0.5, stop_sales = true }",
        );
    let s = stressed(&text, "Harbor fails on day 100");
    let result = cashrisk::run::run(&Model::new(&s), 0, 16, 1, &|_| {});
    let summary = summarize(&s, "watched.toml", &result);
    let (watched, unwatched) = (&summary.policies[0].figures, &summary.policies[1].figures);
    let cuts = watched.limit_cuts.expect("limit cuts");
    close(cuts.not_delivered.mean, 2000.0);
    close(cuts.sales_not_made.mean, -400.0);
    close(cuts.decisions.mean, 1.0);
    assert_eq!(cuts.false_alarms.mean, 0.0);
    assert_eq!(cuts.downturn_probability, None);
    close(summary.uninsured.credit_loss.mean, 600.0);
    close(watched.common.credit_loss.mean, 0.0);
    close(watched.common.credit_loss.p99, 0.0);
    close(unwatched.common.credit_loss.mean, 600.0);
    assert!(unwatched.limit_cuts.is_none());
    close(summary.uninsured.receivables.mean, 495.0);
    close(watched.common.receivables.mean, 300.0);
    close(summary.uninsured.dso.mean.unwrap(), 24.75);
    close(watched.common.dso.mean.unwrap(), 30.0);
    // The same figures in words, in the table (and the report, which shares them).
    let table = cashrisk::table::render(&summary);
    for words in [
        "its monitoring cut 1.00 buyers a path on average, 0.00 of them false alarms",
        "did not deliver EUR 2,000 a path (stop_sales), which changed its end balance by -EUR 400",
    ] {
        assert!(table.contains(words), "the table lacks {words:?}:\n{table}");
    }
}

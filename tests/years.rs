//! The per-year figures of a horizon longer than a year (MODEL.md section 18,
//! `by_year`): hand-worked paths, the run's sums against the one-path reference over
//! the same paths, and the same numbers on any thread count, appended or through a
//! partial file.

use crate::reference;
use crate::util::*;
use cashrisk::engine::{NoObserver, Scratch, YearOutcome, simulate_path};
use cashrisk::model::Model;
use cashrisk::run::{BLOCK, run};
use cashrisk::scenario::Scenario;

/// The year figures of one path of `s`.
fn years(s: &Scenario, path: u64) -> Vec<YearOutcome> {
    let model = Model::new(s);
    let mut scratch = Scratch::new(&model);
    simulate_path(&model, path, &mut scratch, &mut NoObserver);
    scratch.years(0).copied().collect()
}

/// No randomness and no interest: a cash sale of 1 a month and its cost of 1 on the
/// same day leave the balance at the opening 100 but for the scheduled flows.
fn flat(horizon: u32, flows: &[(u32, f64)]) -> String {
    let mut text = format!(
        "[scenario]\nname = \"Flat\"\n[simulation]\nhorizon_days = {horizon}\n\
         [company]\nopening_cash = 100.0\ncredit_line_rate = 0.0\ndeposit_rate = 0.0\n\
         [revenue]\nmonthly = 1.0\n[costs]\nvariable_ratio = 1.0\nsupplier_terms_days = 0\n"
    );
    for (day, amount) in flows {
        text += &format!("[[costs.scheduled]]\nday = {day}\namount = {amount}\nlabel = \"x\"\n");
    }
    text
}

#[test]
fn a_shortfall_belongs_to_the_year_of_its_day() {
    // H = 731: policy years 0 (days 0-364), 1 (365-729) and 2 (day 730 alone).
    // -150 on day 364 makes B = -50 < 0 on day 364 only: +150 on day 365 restores 100.
    let s = scenario(&flat(731, &[(364, -150.0), (365, 150.0)]));
    let y = years(&s, 0);
    assert_eq!(y.len(), 3);
    let shortfalls: Vec<bool> = y.iter().map(|y| y.shortfall[0]).collect();
    assert_eq!(shortfalls, [true, false, false]);
    // -150 on day 365: B = -50 from day 365 on, through year 1 and day 730.
    let s = scenario(&flat(731, &[(365, -150.0)]));
    let shortfalls: Vec<bool> = years(&s, 0).iter().map(|y| y.shortfall[0]).collect();
    assert_eq!(shortfalls, [false, true, true]);
    // -150 on day 730, the last day: year 2 alone.
    let s = scenario(&flat(731, &[(730, -150.0)]));
    let shortfalls: Vec<bool> = years(&s, 0).iter().map(|y| y.shortfall[0]).collect();
    assert_eq!(shortfalls, [false, false, true]);
    // One year or less: no years reported.
    assert!(years(&scenario(&flat(365, &[(364, -150.0)])), 0).is_empty());
}

#[test]
fn premiums_payouts_and_losses_are_dated_in_their_year() {
    // Two years, as in mechanics.rs: X fails on day 100 with its invoices of days 60
    // and 91 unpaid (2 x 1000 = 2000, LGD 1: credit loss 2000 in year 0); Y fails on day
    // 400 with its invoices of days 365 and 395 unpaid (2000 in year 1). Deposits of
    // 1,000,000 on days 0 and 365 cover every premium (no cash premium). Payouts on
    // claim day + 30: 450 (first loss 500 kept) + 900 on day 130, the same on day 430:
    // 1350 in each year.
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
    let y = years(&s, 0);
    assert_eq!(y.len(), 2);
    for year in &y {
        close(year.premium_paid[1], 1e6);
        close(year.payouts_received[1], 1350.0);
        close(year.credit_loss, 2000.0);
        assert_eq!(year.premium_paid[0], 0.0);
        assert_eq!(year.payouts_received[0], 0.0);
    }
    // The deposit on day 0 takes the insured balance below 0 for good.
    assert!(y.iter().all(|y| y.shortfall[1]));
}

#[test]
fn a_cash_premium_is_dated_on_its_due_day() {
    // One buyer, 10,000 a month insured at 1 %: each month's premium of 100 is due on
    // s(m + 1). No deposit. Months 0-11 of year 0 are due on days 30 .. 365: the premium
    // of month 11 (day 334) is due on day 365, in year 1 by its date. Year 0 holds 11
    // premiums (1,100); year 1 (H = 730: months 12-23, due s(13) = 395 .. s(24) = 730,
    // the last on H and so not paid) holds month 11's and months 12-22's: 12 x 100.
    let text = r#"
[scenario]
name = "Premiums"
[simulation]
horizon_days = 730
[company]
opening_cash = 0.0
[revenue]
monthly = 10000.0
[[buyers]]
name = "X"
share = 1.0
terms_days = 30
pd = 0.0
lgd = 1.0
limit = 1e9
[insurance]
indemnity = 0.9
premium_rate = 0.01
"#;
    let s = scenario(text);
    let y = years(&s, 0);
    close(y[0].premium_paid[1], 1100.0);
    close(y[1].premium_paid[1], 1200.0);
}

/// A scenario of two and a half years with defaults, two policies and shortfalls in
/// every year (2,348 paths: uninsured 12 %, 19 % and 23 % in years 0, 1 and 2).
const THIRTY_MONTHS: &str = r#"
[scenario]
name = "Thirty months"
[simulation]
horizon_days = 900
seed = 7
[company]
opening_cash = 140000.0
credit_line = 80000.0
[revenue]
monthly = 100000.0
volatility = 0.25
[costs]
variable_ratio = 0.75
supplier_terms_days = 30
fixed_monthly = 20000.0
[credit]
correlation = 0.3
[[buyers]]
name = "A"
share = 0.4
terms_days = 60
pd = 0.15
lgd = 0.7
delay = { on_time = 0.4, mean_days = 30.0, sd_days = 40.0 }
limit = 40000.0
[[buyer_groups]]
name = "Shops"
count = 15
share = 0.6
terms_days = 45
pd = 0.1
lgd = 0.9
delay = { on_time = 0.6, mean_days = 10.0, sd_days = 10.0 }
[[policies]]
name = "Cheap"
indemnity = 0.8
premium_rate = 0.002
minimum_premium = 2000.0
aggregate_first_loss = 20000.0
default_limit = 5000.0
[[policies]]
name = "Dear"
indemnity = 0.9
premium_rate = 0.005
waiting_period_days = 90
default_limit = 20000.0
"#;

#[test]
fn the_run_adds_up_the_reference_paths_year_by_year() {
    // 2 blocks and part of a third, on 2 threads: each year's shortfall count equals
    // the reference's count over the same paths, and each mean its mean (to 1e-9 of
    // the money scale: the two add in another order).
    let s = scenario(THIRTY_MONTHS);
    let n = 2 * BLOCK + 300;
    let result = run(&Model::new(&s), 0, n, 2, &|_| {});
    let summary = summarize(&s, "x", &result);
    let paths: Vec<_> = (0..n).map(|k| reference::simulate(&s, k)).collect();
    let tolerance = 1e-9 * 3e6;
    for (v, view) in summary.simulated_variants().enumerate() {
        let by_year = &view.figures.by_year;
        assert_eq!(by_year.len(), 3, "policy years 0, 1 and 2 (days 730-899)");
        for (y, figures) in by_year.iter().enumerate() {
            assert_eq!(figures.year, y as u32);
            let count = paths
                .iter()
                .filter(|p| p.variants[v].years[y].shortfall)
                .count();
            assert!(count > 20, "variant {v} year {y}: {count} shortfalls");
            let wilson = cashrisk::stats::wilson(count as u64, n);
            assert_eq!(
                figures.shortfall_probability.estimate,
                count as f64 / n as f64
            );
            assert_eq!(
                figures.shortfall_probability.ci95,
                [wilson.low, wilson.high]
            );
            let mean = |f: &dyn Fn(&reference::ReferencePath) -> f64| {
                paths.iter().map(f).sum::<f64>() / n as f64
            };
            let premium = mean(&|p| p.variants[v].years[y].premium_paid);
            let payouts = mean(&|p| p.variants[v].years[y].payouts_received);
            let loss = mean(&|p| p.credit_loss_by_year[y]);
            assert!((figures.premium_paid.mean - premium).abs() <= tolerance);
            assert!((figures.payouts_received.mean - payouts).abs() <= tolerance);
            assert!((figures.credit_loss.mean - loss).abs() <= tolerance);
            if v > 0 {
                assert!(premium > 0.0 && payouts > 0.0, "variant {v} year {y}");
            }
            assert!(loss > 0.0);
        }
        // The years add up to the horizon's figures.
        let total = |f: fn(&cashrisk::summary::YearFigures) -> f64| by_year.iter().map(f).sum();
        let loss: f64 = total(|y| y.credit_loss.mean);
        assert!((loss - view.figures.credit_loss.mean).abs() <= tolerance);
        if let Some(policy) = view.policy {
            let premium: f64 = total(|y| y.premium_paid.mean);
            let payouts: f64 = total(|y| y.payouts_received.mean);
            assert!((premium - policy.figures.premium_paid.mean).abs() <= tolerance);
            assert!((payouts - policy.figures.payouts_received.mean).abs() <= tolerance);
        }
    }
}

#[test]
fn years_are_the_same_on_any_threads_appended_and_through_a_partial_file() {
    let s = scenario(THIRTY_MONTHS);
    let model = Model::new(&s);
    let n = 2 * BLOCK + 50;
    let one = run(&model, 0, n, 1, &|_| {});
    let three = run(&model, 0, n, 3, &|_| {});
    assert_eq!(one, three);
    assert_eq!(one.variants[2].year_shortfalls.len(), 3);
    let mut parts = run(&model, 0, BLOCK, 2, &|_| {});
    let tail = run(&model, BLOCK, n - BLOCK, 1, &|_| {});
    let meta = cashrisk::partial::PartialMeta {
        cashrisk_version: "test".into(),
        file: "x".into(),
        text: THIRTY_MONTHS.into(),
        stress: None,
        paths: n,
        seed: s.seed,
        shard: (2, 2),
        first_path: BLOCK,
        count: n - BLOCK,
        horizon: s.horizon_days,
    };
    let (_, decoded) = cashrisk::partial::decode(&cashrisk::partial::encode(&meta, &tail)).unwrap();
    assert_eq!(decoded, tail);
    parts.append(decoded).unwrap();
    assert_eq!(one, parts);
    let json = |r| cashrisk::output::render_json(&summarize(&s, "x", r));
    assert_eq!(json(&one), json(&parts));
    assert!(json(&one).contains("\"by_year\""));
}

#[test]
fn the_table_shows_each_year_by_its_days() {
    use cashrisk::figures::{Cell, FigureRow, key_figures};
    let s = scenario(THIRTY_MONTHS);
    let result = run(&Model::new(&s), 0, 500, 2, &|_| {});
    let summary = summarize(&s, "x", &result);
    let rows = key_figures(&summary);
    let group = rows
        .iter()
        .position(|r| *r == FigureRow::Group("Liquidity shortfall by policy year".into()))
        .expect("the group of years");
    for (y, label) in ["days 0-364", "days 365-729", "days 730-899"]
        .iter()
        .enumerate()
    {
        let FigureRow::Figure(l, cells) = &rows[group + 1 + y] else {
            panic!("row {y} of the years is not a figure");
        };
        assert_eq!(l, label);
        for (v, view) in summary.variants().enumerate() {
            let expected = view.figures.by_year[y].shortfall_probability;
            assert_eq!(cells.values[v], Cell::Probability(expected));
        }
    }
    assert!(!matches!(&rows[group + 4], FigureRow::Figure(l, _) if l.starts_with("days")));
    // One year: no such group.
    let one = scenario(&THIRTY_MONTHS.replace("horizon_days = 900", "horizon_days = 365"));
    let result = run(&Model::new(&one), 0, 100, 1, &|_| {});
    let rows = key_figures(&summarize(&one, "x", &result));
    assert!(
        !rows
            .iter()
            .any(|r| matches!(r, FigureRow::Group(g) if g.contains("policy year")))
    );
}

//! Countries and political risk (MODEL.md section 17) worked out by hand: a moratorium
//! that blocks sales and moves a payment past the waiting period, with and without
//! political cover, and a default during a moratorium; then the figure
//! `political_events` against its closed form.

use crate::util::*;
use cashrisk::engine::{NoObserver, PathOutcome, Scratch, simulate_path};
use cashrisk::model::Model;
use cashrisk::scenario::Scenario;

/// One buyer in the United States, always paying on its due day (terms 30), one
/// invoice of 1,000 a month, supplier cost half of it on the day of sale; an export
/// credit agency's policy with political cover and a private one without, both with a
/// waiting period of 30 days. Political events only where a stress case forces them.
const EXPORT: &str = r#"
[scenario]
name = "Exporter"
[simulation]
horizon_days = 200
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[costs]
variable_ratio = 0.5
[credit]
recovery_lag_days = 20
[[countries]]
name = "United States"
correlation = 0.1
moratorium_days = 60
[[buyers]]
name = "Harbor Apparel Inc."
share = 1.0
terms_days = 30
pd = 0.0
lgd = 0.6
country = "United States"
[[policies]]
name = "ECA"
indemnity = 0.9
premium_rate = 0.01
waiting_period_days = 30
settlement_days = 10
default_limit = 1000000.0
political_cover = true
[[policies]]
name = "Private"
indemnity = 0.9
premium_rate = 0.01
waiting_period_days = 30
settlement_days = 10
default_limit = 1000000.0
[[stress]]
name = "Moratorium on day 50"
political_event = [{ country = "United States", day = 50 }]
[[stress]]
name = "Moratorium and a default on day 80"
political_event = [{ country = "United States", day = 50 }]
force_default = [{ buyer = "Harbor Apparel Inc.", day = 80 }]
[[stress]]
name = "Moratorium from day 0"
political_event = [{ country = "United States", day = 0 }]
"#;

/// Path 0 of `s`: its outcome, the common ledger and each policy's own.
fn path(s: &Scenario) -> (PathOutcome, Vec<f64>, Vec<Vec<f64>>) {
    let model = Model::new(s);
    let mut scratch = Scratch::new(&model);
    let out = simulate_path(&model, 0, &mut scratch, &mut NoObserver);
    let policies = (0..s.policies.len())
        .map(|k| scratch.policy_ledger(k))
        .collect();
    (out, scratch.ledgers().0, policies)
}

#[test]
fn a_moratorium_blocks_sales_and_moves_a_payment_past_the_waiting_period() {
    // Invoices are issued on s(m) = 0, 30, 60, 91, 121, 152, 182. The event of day 50
    // blocks days [50, 110): the invoices of days 60 and 91 are not issued (no sale, no
    // supplier cost, no premium). The invoice of day 30, due on 60, falls in the window
    // and is paid on 110 instead.
    let s = stressed(EXPORT, "Moratorium on day 50");
    let (out, common, policies) = path(&s);
    ledger_is(
        &common,
        &[
            (0, -500.0),
            (30, -500.0 + 1000.0),
            (110, 1000.0),
            (121, -500.0),
            (151, 1000.0),
            (152, -500.0),
            (182, -500.0 + 1000.0),
        ],
    );
    // Premiums of 1 % of the month's insured turnover, due on s(m + 1): months 2 and 3
    // sold nothing, and month 6's premium falls on day 212 >= H.
    let premiums = [(30, -10.0), (60, -10.0), (152, -10.0), (182, -10.0)];
    // ECA: the payment is 110 - 60 = 50 days late, more than the waiting period: a
    // protracted-default claim on 60 + 30 = 90, paid 900 on day 100; the insurer then
    // owns 90 % of the payment of day 110.
    ledger_is(
        &policies[0],
        &[
            premiums[0],
            premiums[1],
            (100, 900.0),
            (110, -900.0),
            premiums[2],
            premiums[3],
        ],
    );
    assert_eq!(out.policy(1).claims, 1);
    // Private: the buyer itself paid on time, so nothing is claimed; the company waits.
    ledger_is(&policies[1], &premiums);
    assert_eq!(out.policy(2).claims, 0);
    assert_eq!(out.credit_loss, 0.0);
    assert_eq!(out.political_events, 1, "the United States had its event");
}

#[test]
fn a_default_during_a_moratorium_is_an_insolvency_claim_under_either_policy() {
    // The buyer defaults on day 80, inside the window [50, 110). Invoices of days 0
    // and 30 were issued (60 is in the window, the rest after the default). The
    // invoice due on 60 is moved to 110 >= 80: it defaults, LGD 0.6, credit loss 600;
    // its recovery of 400, due on 80 + 20 = 100, lies in the window and arrives on 110.
    let s = stressed(EXPORT, "Moratorium and a default on day 80");
    let (out, common, policies) = path(&s);
    ledger_is(&common, &[(0, -500.0), (30, 500.0), (110, 400.0)]);
    close(out.credit_loss, 600.0);
    // Both policies: an insolvency claim on the default day 80 (commercial risk,
    // covered with or without political cover), 900 paid on day 90, and 90 % of the
    // recovery to the insurer on 110.
    for (k, ledger) in policies.iter().enumerate() {
        ledger_is(
            ledger,
            &[(30, -10.0), (60, -10.0), (90, 900.0), (110, -360.0)],
        );
        assert_eq!(out.policy(1 + k).claims, 1);
        close(out.policy(1 + k).net_credit_loss, 0.6 * (1000.0 - 900.0));
    }
}

#[test]
fn an_event_on_day_zero_applies_before_day_zeros_invoices() {
    // The window [0, 60) blocks the invoices of days 0 and 30; the first sale is on
    // day 60, paid on 90 (MODEL.md section 18).
    let s = stressed(EXPORT, "Moratorium from day 0");
    let (_, common, _) = path(&s);
    assert_eq!(entries(&common)[0], (60, -500.0));
    assert_eq!(entries(&common)[1], (90, 1000.0));
}

#[test]
fn the_base_case_has_no_event_and_a_country_without_one_changes_nothing() {
    // political_pd = 0 and no forced event: no window, every invoice issued and paid
    // on its due day, as without a country.
    let (out, common, policies) = path(&scenario(EXPORT));
    assert_eq!(out.political_events, 0);
    ledger_is(
        &common,
        &[
            (0, -500.0),
            (30, 500.0),
            (60, 500.0),
            (90, 1000.0),
            (91, -500.0),
            (121, 500.0),
            (151, 1000.0),
            (152, -500.0),
            (182, 500.0),
        ],
    );
    assert!(
        policies[0].iter().all(|&x| x <= 0.0),
        "no payout without an event"
    );
}

#[test]
fn political_events_per_country_equal_their_closed_form() {
    // Over H = 730 days a country with political_pd p has an event with probability
    // 1 - (1 - p)^(730 / 365) (at most one per path); summary.json reports the mean
    // number per path. 40,000 paths: se sqrt(q (1 - q) / N) = 0.0014 for p = 0.1 and
    // 0.0022 for p = 0.4. A forced event is in every path (mean 1), a country with
    // political_pd = 0 in none.
    let text = r#"
[scenario]
name = "Events"
[simulation]
horizon_days = 730
seed = 5
[company]
opening_cash = 0.0
[revenue]
monthly = 1.0
[[countries]]
name = "Rare"
political_pd = 0.1
[[countries]]
name = "Frequent"
political_pd = 0.4
[[countries]]
name = "Calm"
[[stress]]
name = "Forced"
political_event = [{ country = "Calm", day = 700 }, { country = "Rare", day = 730 }]
"#;
    let n = 40_000;
    let summary = |s: &Scenario| {
        let model = Model::new(s);
        let result = cashrisk::run::run(&model, 0, n, 2, &|_| {});
        summarize(s, "test.toml", &result)
    };
    let run = |s: &Scenario| summary(s).simulation.political_events;
    let events = run(&scenario(text));
    let names: Vec<&str> = events.iter().map(|e| e.country.as_str()).collect();
    assert_eq!(names, ["Rare", "Frequent", "Calm"]);
    for (e, p) in events.iter().zip([0.1f64, 0.4, 0.0]) {
        let q = 1.0 - (1.0 - p).powf(2.0);
        let se = (q * (1.0 - q) / n as f64).sqrt();
        assert!(
            (e.mean - q).abs() <= 4.0 * se.max(1e-12),
            "{}: {} against {q} (se {se})",
            e.country,
            e.mean
        );
    }
    // Forced: "Calm" on day 700 < H in every path, "Rare" on 730 = H in none.
    let forced = summary(&stressed(text, "Forced"));
    let events = &forced.simulation.political_events;
    assert_eq!(events[2].mean, 1.0);
    assert_eq!(events[0].mean, 0.0);
    // The table says it in words (the report shares the sentence).
    let words = format!(
        "Political events (a moratorium or import ban) within the horizon: Rare in 0.00 % \
         of paths, Frequent in {:.2} % of paths, Calm in 100.00 % of paths.",
        100.0 * events[1].mean
    );
    let table = cashrisk::table::render(&forced);
    assert!(table.contains(&words), "{table}");
}

#[test]
fn a_stress_case_that_breaks_rho_plus_w_is_an_error_naming_the_case_and_the_buyer() {
    let text = format!(
        "{EXPORT}[[stress]]\nname = \"Contagion\"\ncountry_correlation = 0.95\ncorrelation = 0.1\n"
    );
    let err = cashrisk::scenario::ScenarioFile::parse("export.toml".as_ref(), text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Contagion"), "{err}");
    assert!(err.contains("Harbor Apparel Inc."), "{err}");
    assert!(err.contains("rho + w must be below 1"), "{err}");
}

#[test]
fn the_built_in_moratorium_hits_the_largest_export_country_from_day_90() {
    // Two countries: the buyers of "B" take 0.5 of sales, those of "A" 0.3 (a buyer of
    // 0.2 and a group of 0.1 in all). The case forces B's event on day 90; `run
    // --stress moratorium` finds it by its short name. A file without countries has
    // no such case.
    let text = r#"
[scenario]
name = "Two markets"
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[[countries]]
name = "A"
[[countries]]
name = "B"
moratorium_days = 30
[[buyers]]
name = "a1"
share = 0.2
terms_days = 30
pd = 0.0
lgd = 1.0
country = "A"
[[buyers]]
name = "b1"
share = 0.5
terms_days = 30
pd = 0.0
lgd = 1.0
country = "B"
[[buyer_groups]]
name = "a-shops"
count = 10
share = 0.1
terms_days = 30
pd = 0.0
lgd = 1.0
country = "A"
"#;
    let loaded = file(text);
    let case = loaded
        .builtin_stress()
        .into_iter()
        .find(|c| c.name.contains("moratorium"))
        .expect("a built-in moratorium");
    assert_eq!(case.name, "Built-in: moratorium (B, from day 90)");
    let s = loaded
        .what_if(&loaded.stress_case("moratorium").unwrap())
        .unwrap();
    assert_eq!(s.forced_events.len(), 1);
    assert_eq!(
        (s.forced_events[0].country, s.forced_events[0].day),
        (1, 90)
    );
    // The window [90, 120) of B: b1's invoice of day 91 is not issued.
    let (out, _, _) = path(&s);
    assert_eq!(out.political_events, 0b10);
    let plain = file(EXPORT.replace("country = \"United States\"\n", "").as_str());
    assert!(
        plain
            .builtin_stress()
            .iter()
            .all(|c| !c.name.contains("moratorium"))
    );
}

#[test]
fn the_political_event_day_follows_its_exponential() {
    // T = floor(365 (-ln(1 - U)) / lambda), lambda = -ln(1 - p): P(T <= k) =
    // 1 - (1 - p)^((k + 1) / 365). With p = 0.3 over H = 1,000 days, at six days k the
    // share of 100,000 paths with T <= k is held to 4 standard errors of a proportion,
    // sqrt(q (1 - q) / N) (at most 0.0016). The days the path loop uses are the same
    // (the agreement test holds the engine's windows to the reference's days).
    let text = r#"
[scenario]
name = "Event days"
[simulation]
horizon_days = 1000
seed = 9
[company]
opening_cash = 0.0
[revenue]
monthly = 1.0
[[countries]]
name = "Far"
political_pd = 0.3
"#;
    let model = Model::new(&scenario(text));
    let n = 100_000u64;
    let days: Vec<Option<u32>> = (0..n)
        .map(|path| cashrisk::engine::political_event_days(&model, path)[0])
        .collect();
    // The path loop marks an event in the same paths.
    let mut scratch = Scratch::new(&model);
    for path in 0..200 {
        let out = simulate_path(&model, path, &mut scratch, &mut NoObserver);
        assert_eq!(out.political_events == 1, days[path as usize].is_some());
    }
    for k in [0u32, 30, 100, 364, 600, 999] {
        let exact = 1.0 - 0.7f64.powf((k + 1) as f64 / 365.0);
        let share = days.iter().filter(|d| d.is_some_and(|d| d <= k)).count() as f64 / n as f64;
        let se = (exact * (1.0 - exact) / n as f64).sqrt();
        assert!(
            (share - exact).abs() <= 4.0 * se,
            "P(T <= {k}): {share} against {exact} (se {se})"
        );
    }
}

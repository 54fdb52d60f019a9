//! The key figures of a run as one list of rows: which figures, in which order, under
//! which label. The terminal table ([`crate::table`]) and the report
//! ([`crate::report`]) both render this list, each in its own typography, so that a
//! figure added here appears in both. docs/figures.md defines every figure.

use crate::summary::{Estimate, Summary};

/// One cell: a typed value, formatted by the renderer.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// An amount of money.
    Money(f64),
    /// A probability with its 95 % interval.
    Probability(Estimate),
    /// A change of a probability in percentage points, with its interval.
    PointsChange(Estimate),
    /// A change of an amount, with its interval.
    MoneyChange(Estimate),
    /// A day, or none.
    Day(Option<u32>),
    /// A mean count (claims per path), with three decimals.
    Count(f64),
    /// The break-even premium rate: a rate, or none in [0, 1].
    Rate(Option<f64>),
    /// Paths rescued and harmed.
    RescuedHarmed(u64, u64),
}

/// One row of the key figures.
#[derive(Debug, Clone, PartialEq)]
pub enum FigureRow {
    /// A group's title.
    Group(String),
    /// A figure within the group above: its label and its uninsured, insured and
    /// change cells.
    Figure(String, [Cell; 3]),
    /// A figure with a label of its own (not within a group).
    Standalone(String, [Cell; 3]),
}

/// The key figures of a run, in the order both renderers show them.
pub fn key_figures(s: &Summary) -> Vec<FigureRow> {
    use Cell::*;
    use FigureRow::*;
    let (u, i) = (&s.uninsured, &s.insured.common);
    let mut rows = vec![
        Group("Liquidity shortfall".to_string()),
        Figure(
            "probability (95 % interval)".into(),
            [
                Probability(u.shortfall_probability),
                Probability(i.shortfall_probability),
                PointsChange(s.difference.shortfall_probability),
            ],
        ),
        Figure(
            "median first shortfall".into(),
            [
                Day(u.shortfall_timing.median_day),
                Day(i.shortfall_timing.median_day),
                Empty,
            ],
        ),
        Group("Lowest headroom over the horizon".to_string()),
    ];
    for (label, a, b) in [
        ("mean", u.min_headroom.mean, i.min_headroom.mean),
        ("1st percentile", u.min_headroom.p1, i.min_headroom.p1),
        ("5th percentile", u.min_headroom.p5, i.min_headroom.p5),
        ("median", u.min_headroom.p50, i.min_headroom.p50),
    ] {
        rows.push(Figure(label.into(), [Money(a), Money(b), Empty]));
    }
    rows.push(Group(format!(
        "End balance (day {})",
        s.simulation.horizon_days - 1
    )));
    rows.push(Figure(
        "mean".into(),
        [
            Money(u.end_balance.mean),
            Money(i.end_balance.mean),
            MoneyChange(s.difference.end_balance_mean),
        ],
    ));
    for (label, a, b) in [
        ("5th percentile", u.end_balance.p5, i.end_balance.p5),
        ("median", u.end_balance.p50, i.end_balance.p50),
        ("95th percentile", u.end_balance.p95, i.end_balance.p95),
        ("cash-flow-at-risk (95 %)", u.cfar95, i.cfar95),
    ] {
        rows.push(Figure(label.into(), [Money(a), Money(b), Empty]));
    }
    rows.push(Group("Credit loss (gross, both variants)".to_string()));
    let l = &u.credit_loss;
    for (label, a) in [
        ("mean", l.mean),
        ("95th percentile", l.p95),
        ("99th percentile", l.p99),
        ("99.9th percentile", l.p999),
        ("expected shortfall 99 %", l.es99),
    ] {
        rows.push(Figure(label.into(), [Money(a), Money(a), Empty]));
    }
    rows.push(Group("Extra credit line needed for".to_string()));
    for e in &s.decision.extra_credit_line {
        rows.push(Figure(
            format!("P(shortfall) ≤ {:.0} %", 100.0 * e.target),
            [Money(e.uninsured), Money(e.insured), Empty],
        ));
    }
    if s.scenario.insured {
        rows.push(Group("The policy (means per path)".to_string()));
        rows.push(Figure(
            "premium paid".into(),
            [Empty, Money(s.insured.premium_paid.mean), Empty],
        ));
        rows.push(Figure(
            "payouts received".into(),
            [Empty, Money(s.insured.payouts_received.mean), Empty],
        ));
        rows.push(Figure(
            "claims".into(),
            [Empty, Count(s.insured.claims.mean), Empty],
        ));
        rows.push(Figure(
            "credit loss net of payouts".into(),
            [Money(l.mean), Money(s.insured.net_credit_loss.mean), Empty],
        ));
        if let Some(rate) = s.decision.break_even_premium_rate {
            rows.push(Figure(
                "break-even premium rate".into(),
                [Empty, Rate(rate), Empty],
            ));
        }
        rows.push(Standalone(
            "Paths rescued / harmed".into(),
            [
                Empty,
                Empty,
                RescuedHarmed(s.difference.paths_rescued, s.difference.paths_harmed),
            ],
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_report_show_every_figure_row() {
        let text = std::fs::read_to_string("tests/fixtures/small.toml").unwrap();
        let file = crate::scenario::ScenarioFile::parse("small.toml".as_ref(), text).unwrap();
        let model = crate::model::Model::new(&file.base);
        let result = crate::run::run(&model, 0, 300, 1, &|_| {});
        let run = crate::run::Run::new(file.base, "small.toml", result);
        let summary = Summary::new(&run);
        let table = crate::table::render(&summary);
        let report = crate::report::render(&run, &summary, &[]);
        let rows = key_figures(&summary);
        assert!(rows.len() > 20, "{} rows", rows.len());
        for row in rows {
            let label = match row {
                FigureRow::Group(t) => t,
                FigureRow::Figure(l, _) | FigureRow::Standalone(l, _) => l,
            };
            let html = label.replace('&', "&amp;");
            assert!(
                report.contains(&format!(">{html}</td>")),
                "report lacks {label}"
            );
            assert!(
                table.contains(&label.replace('≤', "<=")),
                "table lacks {label}"
            );
        }
    }
}

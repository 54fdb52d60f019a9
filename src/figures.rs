//! The key figures of a run as one list of rows: which figures, in which order, under
//! which label. The terminal table ([`crate::table`]) and the report
//! ([`crate::report`]) both render this list, each in its own typography, so that a
//! figure added here appears in both. docs/figures.md defines every figure.

use crate::summary::{Estimate, PolicySummary, Summary, VariantSummary, VariantView};
use crate::variant::INSURED;

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
    /// A signed amount: an effect on the end balance.
    Signed(f64),
    /// A day, or none.
    Day(Option<u32>),
    /// A mean count (claims per path), with three decimals.
    Count(f64),
    /// A number of days with one decimal ("57.3 days"); a dash when undefined.
    Days(Option<f64>),
    /// The break-even premium rate: a rate, or none in [0, 1].
    Rate(Option<f64>),
    /// Paths rescued and harmed.
    RescuedHarmed(u64, u64),
    /// A share of paths, as a percentage with two decimals.
    Share(f64),
}

/// The cells of one figure: one per variant (uninsured first), and one change against
/// the uninsured variant per policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// The figure in each variant.
    pub values: Vec<Cell>,
    /// Its change against uninsured in each policy variant.
    pub changes: Vec<Cell>,
}

/// One row of the key figures.
#[derive(Debug, Clone, PartialEq)]
pub enum FigureRow {
    /// A group's title.
    Group(String),
    /// A figure within the group above: its label and cells.
    Figure(String, Cells),
    /// A figure with a label of its own (not within a group).
    Standalone(String, Cells),
}

/// What a variant's interest adds to the end balance against uninsured: more interest
/// earned, less interest paid.
pub fn interest_effect(uninsured: &VariantSummary, v: &VariantSummary) -> f64 {
    (v.interest_earned.mean - uninsured.interest_earned.mean)
        - (v.interest_paid.mean - uninsured.interest_paid.mean)
}

/// The policy's whole account: premium, payouts, the later payments it passes to the
/// insurer, the interest it changes and, with stop_sales, the sales it did not make.
/// It adds up to the mean change in end balance (docs/figures.md), up to the rounding
/// of the sums.
pub fn account(uninsured: &VariantSummary, p: &PolicySummary) -> f64 {
    -p.figures.premium_paid.mean + p.figures.payouts_received.mean - p.figures.paid_to_insurer.mean
        + interest_effect(uninsured, &p.figures.common)
        + sales_not_made(p)
}

/// With stop_sales (MODEL.md section 16): what the sales the company did not make
/// after a cut change in the mean end balance; 0 without.
pub fn sales_not_made(p: &PolicySummary) -> f64 {
    p.figures.limit_cuts.map_or(0.0, |c| c.sales_not_made.mean)
}

/// The headings of the columns of [`key_figures`]: each variant's name, then the
/// change of each policy against uninsured.
pub fn column_headings(s: &Summary) -> Vec<String> {
    let policies = s.shown_policies().len();
    s.variants()
        .map(|v| v.name.to_string())
        .chain(s.shown_policies().iter().map(|p| {
            if policies == 1 {
                "Change (95 % interval)".to_string()
            } else {
                format!("Change, {} (95 % interval)", p.name)
            }
        }))
        .collect()
}

/// The key figures of a run, in the order both renderers show them.
pub fn key_figures(s: &Summary) -> Vec<FigureRow> {
    use Cell::*;
    use FigureRow::*;
    let variants: Vec<VariantView> = s.variants().collect();
    let policies = || variants.iter().filter_map(|v| v.policy);
    // A figure every variant has, with no change shown.
    let each = |f: &dyn Fn(&VariantView) -> Cell| Cells {
        values: variants.iter().map(f).collect(),
        changes: policies().map(|_| Empty).collect(),
    };
    // A figure with its change against uninsured.
    let with_change = |f: &dyn Fn(&VariantView) -> Cell,
                       change: &dyn Fn(&PolicySummary) -> Cell| Cells {
        values: variants.iter().map(f).collect(),
        changes: policies().map(change).collect(),
    };
    // A figure only policies have.
    let of_policy = |f: &dyn Fn(&PolicySummary) -> Cell| Cells {
        values: variants.iter().map(|v| v.policy.map_or(Empty, f)).collect(),
        changes: policies().map(|_| Empty).collect(),
    };
    let mut rows = vec![
        Group("Liquidity shortfall".to_string()),
        Figure(
            "probability (95 % interval)".into(),
            with_change(&|v| Probability(v.figures.shortfall_probability), &|p| {
                PointsChange(p.difference.shortfall_probability)
            }),
        ),
        Figure(
            "median first shortfall".into(),
            each(&|v| Day(v.figures.shortfall_timing.median_day)),
        ),
    ];
    // With H > 365, the shortfall probability of each policy year (MODEL.md 18).
    if !s.uninsured.by_year.is_empty() {
        rows.push(Group("Liquidity shortfall by policy year".to_string()));
        let last = s.simulation.horizon_days - 1;
        for (y, year) in s.uninsured.by_year.iter().enumerate() {
            let first = 365 * year.year;
            let label = format!("days {first}-{}", (first + 364).min(last));
            rows.push(Figure(
                label,
                each(&|v| Probability(v.figures.by_year[y].shortfall_probability)),
            ));
        }
    }
    rows.push(Group("Lowest headroom over the horizon".to_string()));
    type Pick = fn(&VariantSummary) -> f64;
    let lowest: [(&str, Pick); 4] = [
        ("mean", |f| f.min_headroom.mean),
        ("1st percentile", |f| f.min_headroom.p1),
        ("5th percentile", |f| f.min_headroom.p5),
        ("median", |f| f.min_headroom.p50),
    ];
    for (label, pick) in lowest {
        rows.push(Figure(label.into(), each(&|v| Money(pick(v.figures)))));
    }
    rows.push(Group(format!(
        "End balance (day {})",
        s.simulation.horizon_days - 1
    )));
    rows.push(Figure(
        "mean".into(),
        with_change(&|v| Money(v.figures.end_balance.mean), &|p| {
            MoneyChange(p.difference.end_balance_mean)
        }),
    ));
    let end: [(&str, Pick); 4] = [
        ("5th percentile", |f| f.end_balance.p5),
        ("median", |f| f.end_balance.p50),
        ("95th percentile", |f| f.end_balance.p95),
        ("cash-flow-at-risk (95 %)", |f| f.cfar95),
    ];
    for (label, pick) in end {
        rows.push(Figure(label.into(), each(&|v| Money(pick(v.figures)))));
    }
    // Working capital (MODEL.md section 18).
    rows.push(Group("Working capital".to_string()));
    rows.push(Figure(
        "peak drawn, mean".into(),
        each(&|v| Money(v.figures.peak_drawn.mean)),
    ));
    rows.push(Figure(
        "peak drawn, 95th percentile".into(),
        each(&|v| Money(v.figures.peak_drawn.p95)),
    ));
    rows.push(Figure(
        "receivables, mean over days".into(),
        each(&|v| Money(v.figures.receivables.mean)),
    ));
    rows.push(Figure(
        "days sales outstanding (DSO)".into(),
        each(&|v| Days(v.figures.dso.mean)),
    ));
    if s.uninsured.borrowing_base.is_some() {
        rows.push(Figure(
            "borrowing base, mean over days".into(),
            each(&|v| Money(v.figures.borrowing_base.map_or(0.0, |b| b.mean))),
        ));
    }
    rows.push(Figure(
        "end position, mean".into(),
        each(&|v| Money(v.figures.end_position.mean)),
    ));
    rows.push(Figure(
        "end position, 5th percentile".into(),
        each(&|v| Money(v.figures.end_position.p5)),
    ));
    rows.push(Group(match variants.len() {
        1 => "Credit loss (gross)".to_string(),
        2 => "Credit loss (gross, both variants)".to_string(),
        _ => "Credit loss (gross, every variant)".to_string(),
    }));
    let loss: [(&str, Pick); 5] = [
        ("mean", |f| f.credit_loss.mean),
        ("95th percentile", |f| f.credit_loss.p95),
        ("99th percentile", |f| f.credit_loss.p99),
        ("99.9th percentile", |f| f.credit_loss.p999),
        ("expected shortfall 99 %", |f| f.credit_loss.es99),
    ];
    for (label, pick) in loss {
        rows.push(Figure(label.into(), each(&|v| Money(pick(v.figures)))));
    }
    rows.push(Group("Extra credit line needed for".to_string()));
    for e in &s.decision.extra_credit_line {
        rows.push(Figure(
            format!("P(shortfall) ≤ {:.0} %", 100.0 * e.target),
            each(&|v| Money(e.by_variant[v.index])),
        ));
    }
    if s.scenario.insured {
        rows.push(Group(if variants.len() == 2 {
            "The policy (means per path)".to_string()
        } else {
            "The policies (means per path)".to_string()
        }));
        rows.push(Figure(
            "premium paid".into(),
            of_policy(&|p| Money(p.figures.premium_paid.mean)),
        ));
        rows.push(Figure(
            "payouts received".into(),
            of_policy(&|p| Money(p.figures.payouts_received.mean)),
        ));
        rows.push(Figure(
            "claims".into(),
            of_policy(&|p| Count(p.figures.claims.mean)),
        ));
        rows.push(Figure(
            "credit loss net of payouts".into(),
            each(&|v| {
                Money(v.policy.map_or(v.figures.credit_loss.mean, |p| {
                    p.figures.net_credit_loss.mean
                }))
            }),
        ));
        if let Some(rate) = s.decision.break_even_premium_rate {
            // Computed for the first policy (the one `--break-even` varies).
            rows.push(Figure(
                "break-even premium rate".into(),
                each(&|v| {
                    if v.index == INSURED {
                        Rate(rate)
                    } else {
                        Empty
                    }
                }),
            ));
        }
        rows.push(Group(
            "The policy's effect on the mean end balance (per path)".to_string(),
        ));
        let effect = |label: &str, f: &dyn Fn(&PolicySummary) -> f64| {
            Figure(
                label.into(),
                Cells {
                    values: variants.iter().map(|_| Empty).collect(),
                    changes: policies().map(|p| Signed(f(p))).collect(),
                },
            )
        };
        rows.push(effect("premium paid", &|p| -p.figures.premium_paid.mean));
        rows.push(effect("payouts received", &|p| {
            p.figures.payouts_received.mean
        }));
        rows.push(effect("later payments to the insurer", &|p| {
            -p.figures.paid_to_insurer.mean
        }));
        rows.push(effect("net interest (earned - paid)", &|p| {
            interest_effect(&s.uninsured, &p.figures.common)
        }));
        if policies().any(|p| sales_not_made(p) != 0.0) {
            rows.push(effect("sales not made after a cut (stop_sales)", &|p| {
                sales_not_made(p)
            }));
        }
        rows.push(effect("= change in mean end balance", &|p| {
            account(&s.uninsured, p)
        }));
        // MODEL.md section 16: what the insurer's monitoring and downturn cuts did.
        let cuts: Vec<_> = policies().filter_map(|p| p.figures.limit_cuts).collect();
        if !cuts.is_empty() {
            rows.push(Group(
                "The insurer's limit cuts (means per path)".to_string(),
            ));
            let of_cuts = |f: &dyn Fn(&crate::summary::LimitCuts) -> Cell| {
                of_policy(&|p| p.figures.limit_cuts.as_ref().map_or(Empty, f))
            };
            if cuts.iter().any(|c| c.decisions.mean > 0.0) {
                rows.push(Figure(
                    "buyers cut by monitoring".into(),
                    of_cuts(&|c| Count(c.decisions.mean)),
                ));
                rows.push(Figure(
                    "of which false alarms".into(),
                    of_cuts(&|c| Count(c.false_alarms.mean)),
                ));
            }
            if cuts.iter().any(|c| c.not_delivered.mean > 0.0) {
                rows.push(Figure(
                    "not delivered after a cut (stop_sales)".into(),
                    of_cuts(&|c| Money(c.not_delivered.mean)),
                ));
            }
            if cuts.iter().any(|c| c.downturn_probability.is_some()) {
                rows.push(Figure(
                    "paths in a downturn".into(),
                    of_cuts(&|c| c.downturn_probability.map_or(Empty, Share)),
                ));
            }
            rows.push(Figure(
                "P(shortfall) without the cuts".into(),
                of_cuts(&|c| Probability(c.shortfall_without_cuts)),
            ));
            rows.push(Figure(
                "change in P(shortfall) from the cuts".into(),
                of_cuts(&|c| PointsChange(c.shortfall_change)),
            ));
        }
        rows.push(Standalone(
            "Paths rescued / harmed".into(),
            Cells {
                values: variants.iter().map(|_| Empty).collect(),
                changes: policies()
                    .map(|p| RescuedHarmed(p.difference.paths_rescued, p.difference.paths_harmed))
                    .collect(),
            },
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_report_show_every_figure_row() {
        // A version-1 file, and one with the rows of limit cuts (MODEL.md section 16).
        for path in ["tests/fixtures/small.toml", "scenarios/china_exporter.toml"] {
            every_row_shown(path);
        }
    }

    fn every_row_shown(path: &str) {
        let text = std::fs::read_to_string(path).unwrap();
        let file = crate::scenario::ScenarioFile::parse(path.as_ref(), text).unwrap();
        let model = crate::model::Model::new(&file.base);
        let result = crate::run::run(&model, 0, 300, 1, &|_| {});
        let run = crate::run::Run::new(file.base, path, result);
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
            let html = crate::html::Html::text(&label).into_string();
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

//! Every CSV file cashrisk writes, one row type per file, written through the `csv`
//! crate (which quotes a cell that holds a comma, a quote or a line break, and
//! doubles quotes).
//!
//! Numbers are written as Rust prints an `f64` (`0.05`, `0.0000001`: the shortest text
//! that reads back as the same number, never in exponent form), so that a spreadsheet
//! and a script read the figures of summary.json to the last digit. Text that comes
//! from a scenario passes [`crate::text::spreadsheet_safe`] first, so that no cell
//! starts a formula.
//!
//! | file | row type |
//! |---|---|
//! | `timeseries.csv` | [`TimeseriesRow`] |
//! | `stress.csv`, `sweep.csv` | [`CaseRow`] |
//! | `sensitivity.csv` | [`SensitivityRow`] |
//! | a batch's `summary.csv` (and each file's `rows.csv`) | [`BatchRow`] |

use crate::summary::{Estimate, Summary, VariantSummary};

/// One row of a CSV file: its cells, in the order of its header.
pub trait Row {
    /// The cells.
    fn cells(&self) -> Vec<String>;
}

/// The CSV text of a header and rows.
pub fn render<R: Row>(header: &[String], rows: &[R]) -> String {
    let mut out = record(header);
    out.push_str(&render_rows(rows));
    out
}

/// Rows without the header, for files written in parts (a batch's `rows.csv`).
pub fn render_rows<R: Row>(rows: &[R]) -> String {
    rows.iter().map(|row| record(&row.cells())).collect()
}

/// One record, quoted by the csv crate, ending in a line break.
fn record(cells: &[String]) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail; a record of text is always well formed.
    let _ = out.write_record(cells);
    let bytes = out.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A header from column names.
pub fn header(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

/// A number's cell.
fn num(x: f64) -> String {
    x.to_string()
}

/// A text cell from a scenario file (or the command line).
fn text(s: &str) -> String {
    crate::text::spreadsheet_safe(s).into_owned()
}

/// `timeseries.csv`: one row per day, for each variant the headroom percentiles 5,
/// 25, 50, 75, 95 and the cumulative shortfall probability (MODEL.md section 11).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeseriesRow {
    /// The day.
    pub day: usize,
    /// Per variant: p5, p25, p50, p75, p95, shortfall_cdf.
    pub variants: Vec<[f64; 6]>,
}

impl TimeseriesRow {
    /// The header for variants named `variants` (`uninsured`, `insured`, `policy2`, ...).
    pub fn header<S: AsRef<str>>(variants: &[S]) -> Vec<String> {
        let mut h = vec!["day".to_string()];
        for v in variants {
            for p in ["p5", "p25", "p50", "p75", "p95", "shortfall_cdf"] {
                h.push(format!("{}_{p}", v.as_ref()));
            }
        }
        h
    }
}

impl Row for TimeseriesRow {
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![self.day.to_string()];
        cells.extend(self.variants.iter().flatten().map(|&x| num(x)));
        cells
    }
}

/// The columns of a study case's key figures, after the case's own first column.
pub const CASE_COLUMNS: &[&str] = &[
    "uninsured_shortfall",
    "uninsured_shortfall_low",
    "uninsured_shortfall_high",
    "insured_shortfall",
    "insured_shortfall_low",
    "insured_shortfall_high",
    "change",
    "change_low",
    "change_high",
    "uninsured_end_balance_mean",
    "insured_end_balance_mean",
    "end_balance_change",
    "uninsured_cfar95",
    "insured_cfar95",
    "credit_loss_mean",
    "credit_loss_es99",
    "premium_paid_mean",
    "payouts_received_mean",
    "paths_rescued",
    "paths_harmed",
    "net_cost_per_year",
    "minimum_premium_binds",
];

/// What names a study case in its first column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CaseName<'a> {
    /// A stress case's name (`stress.csv`).
    Label(&'a str),
    /// The swept value (`sweep.csv`).
    Value(f64),
}

/// One case of a study: `stress.csv` and `sweep.csv`.
#[derive(Debug, Clone, Copy)]
pub struct CaseRow<'a> {
    /// The first column.
    pub name: CaseName<'a>,
    /// The case's figures.
    pub summary: &'a Summary,
}

impl CaseRow<'_> {
    /// The header, `first` being the first column's name.
    pub fn header(first: &str) -> Vec<String> {
        let mut h = vec![first.to_string()];
        h.extend(header(CASE_COLUMNS));
        h
    }
}

fn estimate(e: &Estimate) -> [String; 3] {
    [num(e.estimate), num(e.ci95[0]), num(e.ci95[1])]
}

impl Row for CaseRow<'_> {
    fn cells(&self) -> Vec<String> {
        let s = self.summary;
        let mut cells = vec![match self.name {
            CaseName::Label(l) => text(l),
            CaseName::Value(v) => num(v),
        }];
        cells.extend(estimate(&s.uninsured.shortfall_probability));
        cells.extend(estimate(&s.insured().common.shortfall_probability));
        cells.extend(estimate(&s.difference().shortfall_probability));
        cells.extend(
            [
                s.uninsured.end_balance.mean,
                s.insured().common.end_balance.mean,
                s.difference().end_balance_mean.estimate,
                s.uninsured.cfar95,
                s.insured().common.cfar95,
                s.uninsured.credit_loss.mean,
                s.uninsured.credit_loss.es99,
                s.insured().premium_paid.mean,
                s.insured().payouts_received.mean,
            ]
            .map(num),
        );
        cells.push(s.difference().paths_rescued.to_string());
        cells.push(s.difference().paths_harmed.to_string());
        // The policy's figures; empty without a policy.
        match s.shown_policies().first() {
            Some(p) => {
                cells.push(num(p.decision.net_cost_per_year));
                cells.push(p.figures.minimum_premium_binds.to_string());
            }
            None => cells.extend([String::new(), String::new()]),
        }
        cells
    }
}

/// The columns of `sensitivity.csv`.
pub const SENSITIVITY_COLUMNS: &[&str] = &[
    "input",
    "step",
    "direction",
    "uninsured_shortfall",
    "insured_shortfall",
    "change",
    "effect_uninsured",
    "effect_insured",
    "effect_change",
];

/// One row of `sensitivity.csv`: the base case (no input, step or direction, effects
/// 0), or an input moved in one direction and its effect against the base.
#[derive(Debug, Clone, Copy)]
pub struct SensitivityRow<'a> {
    /// The input moved, its step and the direction; `None` for the base row.
    pub moved: Option<(&'a str, &'a str, &'a str)>,
    /// P(shortfall) uninsured, insured and the change, in this case.
    pub shortfall: (f64, f64, f64),
    /// The same in the base case.
    pub base: (f64, f64, f64),
}

impl Row for SensitivityRow<'_> {
    fn cells(&self) -> Vec<String> {
        let (u, i, d) = self.shortfall;
        let (bu, bi, bd) = self.base;
        let mut cells = match self.moved {
            Some((input, step, dir)) => vec![text(input), text(step), dir.to_string()],
            None => vec!["base".to_string(), String::new(), String::new()],
        };
        cells.extend([u, i, d].map(num));
        match self.moved {
            Some(_) => cells.extend([u - bu, i - bi, d - bd].map(num)),
            None => cells.extend(["0", "0", "0"].map(String::from)),
        }
        cells
    }
}

/// The columns of a batch's `summary.csv`.
pub const BATCH_COLUMNS: &[&str] = &[
    "file",
    "content_hash",
    "case",
    "variant",
    "paths",
    "seed",
    "shortfall_probability",
    "shortfall_low",
    "shortfall_high",
    "min_headroom_p5",
    "end_balance_mean",
    "cfar95",
    "credit_loss_mean",
    "credit_loss_es99",
    "premium_paid_mean",
    "payouts_received_mean",
    "claims_mean",
];

/// One variant of one case of one file of a batch.
#[derive(Debug, Clone)]
pub struct BatchRow<'a> {
    /// The scenario file, as the batch names it.
    pub file: &'a str,
    /// SHA-256 of the file's content.
    pub hash: &'a str,
    /// The case (`Base` or a stress case).
    pub case: &'a str,
    /// The case's figures.
    pub summary: &'a Summary,
    /// The variant's name in files (`uninsured`, `insured`, `policy2`, ...).
    pub variant: std::borrow::Cow<'static, str>,
    /// The variant's figures.
    pub figures: &'a VariantSummary,
    /// Premium, payouts and claims (means); zero uninsured.
    pub policy: [f64; 3],
}

impl BatchRow<'_> {
    /// The rows of one case: one per variant, uninsured first.
    pub fn of_case<'a>(
        file: &'a str,
        hash: &'a str,
        case: &'a str,
        s: &'a Summary,
    ) -> Vec<BatchRow<'a>> {
        s.simulated_variants()
            .map(|v| BatchRow {
                file,
                hash,
                case,
                summary: s,
                variant: crate::variant::name(v.index),
                figures: v.figures,
                policy: v.policy.map_or([0.0; 3], |p| {
                    [
                        p.figures.premium_paid.mean,
                        p.figures.payouts_received.mean,
                        p.figures.claims.mean,
                    ]
                }),
            })
            .collect()
    }
}

impl Row for BatchRow<'_> {
    fn cells(&self) -> Vec<String> {
        let v = self.figures;
        let mut cells = vec![
            text(self.file),
            self.hash.to_string(),
            text(self.case),
            self.variant.to_string(),
            self.summary.simulation.paths.to_string(),
            self.summary.simulation.seed.to_string(),
        ];
        cells.extend(estimate(&v.shortfall_probability));
        cells.extend(
            [
                v.min_headroom.p5,
                v.end_balance.mean,
                v.cfar95,
                v.credit_loss.mean,
                v.credit_loss.es99,
            ]
            .map(num),
        );
        cells.extend(self.policy.map(num));
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Cells(Vec<&'static str>);

    impl Row for Cells {
        fn cells(&self) -> Vec<String> {
            self.0.iter().map(|s| text(s)).collect()
        }
    }

    #[test]
    fn text_is_neutralised_then_quoted_and_numbers_are_plain() {
        let rows = [Cells(vec![
            "=1+2",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "-x,y",
            "",
        ])];
        assert_eq!(
            render(&header(&["a", "b", "c", "d", "e", "f"]), &rows),
            "a,b,c,d,e,f\n'=1+2,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"'-x,y\",\n"
        );
        assert_eq!(num(0.0000001), "0.0000001");
        assert_eq!(num(1e21), "1000000000000000000000");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-2.5), "-2.5");
    }
}

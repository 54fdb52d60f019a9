//! Studies made of several runs on the same seed: stress tests, sweeps and the
//! sensitivity analysis.
//!
//! Every case of a study is simulated with the same seed and number of paths. Because
//! every random number is addressed by (seed, path, buyer, invoice), the cases share
//! their draws path by path (common random numbers): the difference between two cases
//! is the change of input, not noise, and sweep curves are smooth.

use crate::scenario::{ScenarioFile, StressCase, WhatIf};
use crate::summary::{Estimate, Summary};
use std::fmt::Write as _;

/// One simulated case of a study.
#[derive(Debug, Clone)]
pub struct Case {
    /// What the case is, e.g. "Base" or "insurance.premium_rate = 0.004".
    pub label: String,
    /// The figures.
    pub summary: Summary,
}

/// The cases of `cashrisk stress`: the base, the file's stress cases, the built-in set.
pub fn stress_cases(file: &ScenarioFile) -> Vec<(String, WhatIf)> {
    let mut cases = vec![("Base".to_string(), WhatIf::base())];
    for (index, case) in file.base.stress.iter().enumerate() {
        cases.push((
            case.name.clone(),
            WhatIf::stress(case, &format!("stress[{index}]")),
        ));
    }
    for case in file.builtin_stress() {
        cases.push((case.name.clone(), WhatIf::stress(&case, "built-in")));
    }
    cases
}

/// A sweep specification `KEY=FROM:TO:STEPS`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// The key, addressed as in the file.
    pub key: String,
    /// The values, FROM to TO in STEPS evenly spaced steps (both ends included).
    pub values: Vec<f64>,
}

/// Parses `KEY=FROM:TO:STEPS`.
pub fn parse_sweep(spec: &str) -> Result<SweepSpec, String> {
    let hint = "write --set KEY=FROM:TO:STEPS, e.g. --set insurance.premium_rate=0.001:0.006:11";
    let (key, range) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}` has no `=`; {hint}"))?;
    crate::scenario::numeric_key(key.trim())?;
    let parts: Vec<&str> = range.split(':').collect();
    if parts.len() != 3 {
        return Err(format!("`{range}` is not FROM:TO:STEPS; {hint}"));
    }
    let from = Decimal::parse(parts[0])
        .ok_or_else(|| format!("FROM `{}` is not a number; {hint}", parts[0]))?;
    let to = Decimal::parse(parts[1])
        .ok_or_else(|| format!("TO `{}` is not a number; {hint}", parts[1]))?;
    let steps: usize = parts[2]
        .trim()
        .parse()
        .map_err(|_| format!("STEPS `{}` is not a whole number; {hint}", parts[2]))?;
    if !(2..=1000).contains(&steps) {
        return Err(format!("STEPS must be 2..=1000; {hint}"));
    }
    Ok(SweepSpec {
        key: key.trim().to_string(),
        values: sweep_values(from, to, steps),
    })
}

/// A number as the user wrote it, in decimal: `mantissa` x 10^-`scale`. Sweep values
/// are computed in it, so that 0.001:0.006:11 gives 0.0045, not 0.0045000000000000005.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// More decimals than any scenario value needs; a FROM or TO written with more is
/// refused rather than rounded.
const MAX_SCALE: u32 = 24;

impl Decimal {
    /// `-12.50`, `0.001`, `3e5`, `2.5E-3`; `None` for anything else.
    fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (number, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (negative, digits) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number.strip_prefix('+').unwrap_or(number)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all = format!("{whole}{fraction}");
        if all.is_empty() || all.len() > 30 || !all.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut mantissa: i128 = all.parse().ok()?;
        let mut scale = fraction.len() as i32 - exponent;
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        if scale as u32 > MAX_SCALE {
            return None;
        }
        Some(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale: scale as u32,
        })
    }

    /// The mantissa at `scale` (>= this scale).
    fn at(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale - self.scale)?)
    }
}

/// The nearest double to `mantissa` x 10^-`scale` (through the decimal text, which
/// Rust parses exactly).
fn to_f64(mantissa: i128, scale: u32) -> f64 {
    let digits = format!(
        "{:0>width$}",
        mantissa.unsigned_abs(),
        width = scale as usize + 1
    );
    let (whole, fraction) = digits.split_at(digits.len() - scale as usize);
    let sign = if mantissa < 0 { "-" } else { "" };
    format!("{sign}{whole}.{fraction}0")
        .parse()
        .unwrap_or(f64::NAN)
}

/// FROM + k x STEP for k = 0 .. STEPS-1, STEP = (TO - FROM) / (STEPS - 1), computed in
/// decimal at the precision the user wrote, with more decimals only as far as the step
/// needs (at most 6 more, then rounded half away from zero). The ends are FROM and TO
/// exactly.
fn sweep_values(from: Decimal, to: Decimal, steps: usize) -> Vec<f64> {
    let n = (steps - 1) as i128;
    let written = from.scale.max(to.scale);
    let exact = (written..=(written + 6).min(MAX_SCALE)).find(
        |&scale| matches!((from.at(scale), to.at(scale)), (Some(a), Some(b)) if (b - a) % n == 0),
    );
    let scale = exact.unwrap_or((written + 6).min(MAX_SCALE));
    let (Some(a), Some(b)) = (from.at(scale), to.at(scale)) else {
        // Too many digits for exact steps: plain floating point.
        let (f, t) = (
            to_f64(from.mantissa, from.scale),
            to_f64(to.mantissa, to.scale),
        );
        return (0..steps)
            .map(|k| f + (t - f) * k as f64 / n as f64)
            .collect();
    };
    (0..steps as i128)
        .map(|k| {
            let offset = k * (b - a);
            // Round half away from zero.
            let step = (2 * offset + offset.signum() * n) / (2 * n);
            to_f64(a + step, scale)
        })
        .collect()
}

/// One input of the sensitivity analysis and its documented step down and up.
#[derive(Debug, Clone)]
pub struct Input {
    /// What is moved, for people.
    pub name: &'static str,
    /// How far, for people.
    pub step: &'static str,
    /// The input moved down and up: edits of the file, validated when applied.
    pub down: WhatIf,
    /// See `down`.
    pub up: WhatIf,
}

/// The inputs of `cashrisk sensitivity`, each moved down and up by its step:
/// opening cash and credit line +-20 %, monthly revenue +-10 %, demand volatility
/// +-50 % (at most 5), variable cost ratio +-0.02 (within [0, 1]), fixed costs
/// +-10 %, every pd x0.5 / x1.5 (at most 0.999, as a stress case), correlation +-50 %
/// of the global and every own value (at most 0.99), delays (mean and sd) x0.75 /
/// x1.25, and with a policy: premium rate +-50 % (at most 1) and indemnity +-0.05
/// (within [0.01, 1]). The bounds are part of each step; a step that still makes the
/// scenario invalid is an error naming the step.
pub fn sensitivity_inputs(file: &ScenarioFile) -> Vec<Input> {
    let b = &file.base;
    let mut out = Vec::new();
    let mut add = |name: &'static str, step: &'static str, down: WhatIf, up: WhatIf| {
        let label = |w: WhatIf, dir: &str| WhatIf {
            label: format!("sensitivity step \"{name} {dir} ({step})\""),
            ..w
        };
        out.push(Input {
            name,
            step,
            down: label(down, "down"),
            up: label(up, "up"),
        })
    };
    let set = |key: &str, value: f64| WhatIf::set("", key, value);
    let case = |f: &dyn Fn(&mut StressCase)| {
        let mut c = StressCase {
            name: "sensitivity".to_string(),
            ..StressCase::default()
        };
        f(&mut c);
        WhatIf::stress(&c, "sensitivity")
    };
    add(
        "opening cash",
        "±20 %",
        set(
            "company.opening_cash",
            b.opening_cash - 0.2 * b.opening_cash.abs(),
        ),
        set(
            "company.opening_cash",
            b.opening_cash + 0.2 * b.opening_cash.abs(),
        ),
    );
    add(
        "credit line",
        "±20 %",
        set("company.credit_line", b.credit_line * 0.8),
        set("company.credit_line", b.credit_line * 1.2),
    );
    add(
        "monthly revenue",
        "±10 %",
        set("revenue.monthly", b.revenue_monthly * 0.9),
        set("revenue.monthly", b.revenue_monthly * 1.1),
    );
    add(
        "demand volatility",
        "±50 %",
        set("revenue.volatility", b.revenue_volatility * 0.5),
        set("revenue.volatility", (b.revenue_volatility * 1.5).min(5.0)),
    );
    add(
        "variable cost ratio",
        "±0.02",
        set("costs.variable_ratio", (b.variable_ratio - 0.02).max(0.0)),
        set("costs.variable_ratio", (b.variable_ratio + 0.02).min(1.0)),
    );
    add(
        "fixed costs",
        "±10 %",
        set("costs.fixed_monthly", b.fixed_monthly * 0.9),
        set("costs.fixed_monthly", b.fixed_monthly * 1.1),
    );
    add(
        "default probabilities",
        "×0.5 / ×1.5",
        case(&|c| c.pd_multiplier = Some(0.5)),
        case(&|c| c.pd_multiplier = Some(1.5)),
    );
    // The global correlation and every own one.
    let rho = |k: f64| {
        let mut w = set("credit.correlation", (b.correlation * k).min(0.99));
        for (i, buyer) in b.buyers.iter().enumerate() {
            if let Some(r) = buyer.correlation {
                w = w.and_set(&format!("buyers[{i}].correlation"), (r * k).min(0.99));
            }
        }
        for (i, group) in b.groups.iter().enumerate() {
            if let Some(r) = group.terms.correlation {
                w = w.and_set(&format!("buyer_groups[{i}].correlation"), (r * k).min(0.99));
            }
        }
        w
    };
    add("correlation", "±50 %", rho(0.5), rho(1.5));
    let has_delays = b.buyers.iter().any(|x| x.delay.is_some())
        || b.groups.iter().any(|g| g.terms.delay.is_some());
    if has_delays {
        add(
            "payment delays",
            "×0.75 / ×1.25",
            case(&|c| c.delay_multiplier = Some(0.75)),
            case(&|c| c.delay_multiplier = Some(1.25)),
        );
    }
    // Each policy's own terms move together: "premium rates" is every quote's rate.
    if !b.policies.is_empty() {
        let every = |f: &dyn Fn(&crate::scenario::Policy) -> (&'static str, f64)| {
            let mut w = WhatIf::base();
            for p in &b.policies {
                let (key, value) = f(p);
                w = w.and_set(&format!("{}.{key}", p.key), value);
            }
            w
        };
        add(
            "premium rate",
            "±50 %",
            every(&|p| ("premium_rate", p.premium_rate * 0.5)),
            every(&|p| ("premium_rate", (p.premium_rate * 1.5).min(1.0))),
        );
        add(
            "indemnity",
            "±0.05",
            every(&|p| ("indemnity", (p.indemnity - 0.05).max(0.01))),
            every(&|p| ("indemnity", (p.indemnity + 0.05).min(1.0))),
        );
    }
    out
}

/// `stress.csv`: one row per case.
pub fn render_cases_csv(first_column: &str, cases: &[Case]) -> String {
    use crate::csv_files::{CaseName, CaseRow, render};
    let rows: Vec<CaseRow> = cases
        .iter()
        .map(|c| CaseRow {
            name: CaseName::Label(&c.label),
            summary: &c.summary,
        })
        .collect();
    render(&CaseRow::header(first_column), &rows)
}

/// `sweep.csv`: one row per swept value, the key as the first column's name.
pub fn render_sweep_csv(key: &str, values: &[f64], summaries: &[Summary]) -> String {
    use crate::csv_files::{CaseName, CaseRow, render};
    let rows: Vec<CaseRow> = values
        .iter()
        .zip(summaries)
        .map(|(&v, summary)| CaseRow {
            name: CaseName::Value(v),
            summary,
        })
        .collect();
    let key = crate::text::spreadsheet_safe(key);
    render(&CaseRow::header(&key), &rows)
}

/// One table of a study: a heading, column headings, and a row of cells per case
/// (after the case's label). The terminal and the study's report render the same.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTable {
    /// What the table shows (the heading of the label column).
    pub heading: String,
    /// The headings of the other columns.
    pub columns: Vec<String>,
    /// Per case: its label and cells (a row may have one note cell more).
    pub rows: Vec<(String, Vec<String>)>,
}

/// The tables of a study, one row per case in each: the chance of a shortfall per
/// variant and its change; the mean end balance per variant and its paired change;
/// cash-flow-at-risk per variant and the policy's net cost a year, with a note where
/// the minimum premium binds.
pub fn case_tables(cases: &[Case]) -> Vec<CaseTable> {
    use crate::table::{money, percent, signed_money};
    let Some(first) = cases.first() else {
        return Vec::new();
    };
    let currency = first.summary.scenario.currency.as_str();
    let names: Vec<String> = first
        .summary
        .variants()
        .map(|v| v.name.to_string())
        .collect();
    let policy_names: Vec<String> = first
        .summary
        .shown_policies()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let one = policy_names.len() == 1;
    let per_policy = |what: &str| -> Vec<String> {
        policy_names
            .iter()
            .map(|p| {
                if one {
                    what.to_string()
                } else {
                    format!("{what}, {p}")
                }
            })
            .collect()
    };
    let rows = |cells: &dyn Fn(&Summary) -> Vec<String>| -> Vec<(String, Vec<String>)> {
        cases
            .iter()
            .map(|c| (c.label.clone(), cells(&c.summary)))
            .collect()
    };
    let interval = |e: &Estimate| {
        format!(
            "{} ({:.2}-{:.2})",
            percent(e.estimate),
            100.0 * e.ci95[0],
            100.0 * e.ci95[1]
        )
    };
    let mut cfar_columns: Vec<String> = names.iter().map(|n| format!("CFaR {n}")).collect();
    cfar_columns.extend(per_policy("Net cost a year"));
    vec![
        CaseTable {
            heading: "P(shortfall)".to_string(),
            columns: names.iter().cloned().chain(per_policy("Change")).collect(),
            rows: rows(&|s| {
                s.variants()
                    .map(|v| interval(&v.figures.shortfall_probability))
                    .chain(s.shown_policies().iter().map(|p| {
                        format!(
                            "{:+.2} pp",
                            100.0 * p.difference.shortfall_probability.estimate
                        )
                    }))
                    .collect()
            }),
        },
        CaseTable {
            heading: format!(
                "Mean end balance (day {})",
                first.summary.simulation.horizon_days - 1
            ),
            columns: names.iter().cloned().chain(per_policy("Change")).collect(),
            rows: rows(&|s| {
                s.variants()
                    .map(|v| money(currency, v.figures.end_balance.mean))
                    .chain(
                        s.shown_policies().iter().map(|p| {
                            signed_money(currency, p.difference.end_balance_mean.estimate)
                        }),
                    )
                    .collect()
            }),
        },
        CaseTable {
            heading: "Cash-flow-at-risk (95 %)".to_string(),
            columns: cfar_columns,
            rows: rows(&|s| {
                let mut row: Vec<String> = s
                    .variants()
                    .map(|v| money(currency, v.figures.cfar95))
                    .chain(
                        s.shown_policies()
                            .iter()
                            .map(|p| money(currency, p.decision.net_cost_per_year)),
                    )
                    .collect();
                let binding: Vec<&str> = s
                    .shown_policies()
                    .iter()
                    .filter(|p| p.figures.minimum_premium_binds)
                    .map(|p| p.name.as_str())
                    .collect();
                if !binding.is_empty() {
                    row.push(if one {
                        "minimum premium binds".to_string()
                    } else {
                        format!("minimum premium binds: {}", binding.join(", "))
                    });
                }
                row
            }),
        },
    ]
}

/// The terminal tables of a study ([`case_tables`]).
pub fn render_cases_table(title: &str, cases: &[Case]) -> String {
    let width = cases
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(28, 72);
    let mut out = format!("{title}\n");
    for t in case_tables(cases) {
        let _ = write!(out, "\n{:<width$}", t.heading);
        for c in &t.columns {
            let _ = write!(out, "  {c:>22}");
        }
        out.push('\n');
        for (label, cells) in &t.rows {
            let label: String = label.chars().take(width).collect();
            let _ = write!(out, "{label:<width$}");
            for (k, c) in cells.iter().enumerate() {
                if k < t.columns.len() {
                    let _ = write!(out, "  {c:>22}");
                } else {
                    let _ = write!(out, "    {c}");
                }
            }
            out.push('\n');
        }
    }
    out
}

/// One row of the sensitivity analysis.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// The input.
    pub name: &'static str,
    /// Its step.
    pub step: &'static str,
    /// Figures with the input moved down.
    pub down: Summary,
    /// Figures with the input moved up.
    pub up: Summary,
}

/// The three effects of a sensitivity row: change in P(shortfall) uninsured, insured
/// and in the difference, each (down - base, up - base).
pub fn effects(base: &Summary, s: &Sensitivity) -> [(f64, f64); 3] {
    let p = |x: &Summary| {
        [
            x.uninsured.shortfall_probability.estimate,
            x.insured().common.shortfall_probability.estimate,
            x.difference().shortfall_probability.estimate,
        ]
    };
    let (b, d, u) = (p(base), p(&s.down), p(&s.up));
    [0, 1, 2].map(|i| (d[i] - b[i], u[i] - b[i]))
}

/// `sensitivity.csv`.
pub fn render_sensitivity_csv(base: &Summary, rows: &[Sensitivity]) -> String {
    use crate::csv_files::{SENSITIVITY_COLUMNS, SensitivityRow, header, render};
    let p = |x: &Summary| {
        (
            x.uninsured.shortfall_probability.estimate,
            x.insured().common.shortfall_probability.estimate,
            x.difference().shortfall_probability.estimate,
        )
    };
    let b = p(base);
    let mut out = vec![SensitivityRow {
        moved: None,
        shortfall: b,
        base: b,
    }];
    for r in rows {
        for (dir, s) in [("down", &r.down), ("up", &r.up)] {
            out.push(SensitivityRow {
                moved: Some((r.name, r.step, dir)),
                shortfall: p(s),
                base: b,
            });
        }
    }
    render(&header(SENSITIVITY_COLUMNS), &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_specs() {
        let s = parse_sweep("insurance.premium_rate=0.001:0.005:5").unwrap();
        assert_eq!(s.key, "insurance.premium_rate");
        assert_eq!(s.values.len(), 5);
        assert_eq!(s.values[0], 0.001);
        assert_eq!(s.values[4], 0.005);
        assert!((s.values[2] - 0.003).abs() < 1e-15);
        // Values at the precision the user wrote: no floating-point artefacts.
        let s = parse_sweep("insurance.premium_rate=0.001:0.006:11").unwrap();
        let text: Vec<String> = s.values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            text,
            [
                "0.001", "0.0015", "0.002", "0.0025", "0.003", "0.0035", "0.004", "0.0045",
                "0.005", "0.0055", "0.006"
            ]
        );
        let s = parse_sweep("company.credit_line=0:300000:3").unwrap();
        assert_eq!(s.values, [0.0, 150000.0, 300000.0]);
        // A step that is not a short decimal: six more decimals, rounded.
        let s = parse_sweep("company.credit_line=0:1:4").unwrap();
        assert_eq!(s.values, [0.0, 0.333333, 0.666667, 1.0]);
        let s = parse_sweep("company.credit_line=1e5:-2.5E5:3").unwrap();
        assert_eq!(s.values, [100000.0, -75000.0, -250000.0]);
        assert_eq!(
            parse_sweep("company.credit_line=-0.5:0.5:2")
                .unwrap()
                .values,
            [-0.5, 0.5]
        );
        for bad in ["x", "1.2.3", "", "1e", "0x10", "inf", "NaN", "1e400"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
        assert!(parse_sweep("x=1:2").is_err());
        assert!(parse_sweep("x=1:2:1").is_err());
        assert!(parse_sweep("x1:2:3").is_err());
    }
}

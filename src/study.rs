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
    let from: f64 = parts[0]
        .trim()
        .parse()
        .map_err(|_| format!("FROM `{}` is not a number; {hint}", parts[0]))?;
    let to: f64 = parts[1]
        .trim()
        .parse()
        .map_err(|_| format!("TO `{}` is not a number; {hint}", parts[1]))?;
    let steps: usize = parts[2]
        .trim()
        .parse()
        .map_err(|_| format!("STEPS `{}` is not a whole number; {hint}", parts[2]))?;
    if !(2..=1000).contains(&steps) || !from.is_finite() || !to.is_finite() {
        return Err(format!(
            "STEPS must be 2..=1000 and FROM, TO finite; {hint}"
        ));
    }
    let values = (0..steps)
        .map(|i| {
            if i == steps - 1 {
                to
            } else {
                from + (to - from) * i as f64 / (steps - 1) as f64
            }
        })
        .collect();
    Ok(SweepSpec {
        key: key.trim().to_string(),
        values,
    })
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
    if let Some(p) = &b.insurance {
        add(
            "premium rate",
            "±50 %",
            set("insurance.premium_rate", p.premium_rate * 0.5),
            set("insurance.premium_rate", (p.premium_rate * 1.5).min(1.0)),
        );
        add(
            "indemnity",
            "±0.05",
            set("insurance.indemnity", (p.indemnity - 0.05).max(0.01)),
            set("insurance.indemnity", (p.indemnity + 0.05).min(1.0)),
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

/// The terminal table of a study: P(shortfall) of both variants and the change.
pub fn render_cases_table(title: &str, cases: &[Case]) -> String {
    use crate::table::percent;
    let width = cases
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(10, 72);
    let mut out = format!("{title}\n\n");
    let _ = writeln!(
        out,
        "{:<width$}  {:>26}  {:>26}  {:>12}",
        "Case", "P(shortfall) uninsured", "P(shortfall) insured", "Change"
    );
    for c in cases {
        let s = &c.summary;
        let cell = |e: &Estimate| {
            format!(
                "{} ({:.2}-{:.2})",
                percent(e.estimate),
                100.0 * e.ci95[0],
                100.0 * e.ci95[1]
            )
        };
        let label: String = c.label.chars().take(width).collect();
        let _ = writeln!(
            out,
            "{:<width$}  {:>26}  {:>26}  {:>9.2} pp",
            label,
            cell(&s.uninsured.shortfall_probability),
            cell(&s.insured().common.shortfall_probability),
            100.0 * s.difference().shortfall_probability.estimate
        );
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
        assert!(parse_sweep("x=1:2").is_err());
        assert!(parse_sweep("x=1:2:1").is_err());
        assert!(parse_sweep("x1:2:3").is_err());
    }
}

//! The terminal report of a run: a headline sentence and a table a CFO can read.

use crate::figures::{Cell, Cells, FigureRow};
use crate::summary::{Estimate, Summary};
use std::fmt::Write as _;

/// A whole number with thousands separators: 1234567.8 -> "1,234,568".
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let rounded = x.round();
    let negative = rounded < 0.0;
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if negative && out != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// An amount with its currency: "EUR 1,234".
pub fn money(currency: &str, x: f64) -> String {
    format!("{currency} {}", thousands(x))
}

/// A signed amount: "+EUR 1,234" / "-EUR 1,234".
pub fn signed_money(currency: &str, x: f64) -> String {
    let r = x.round();
    if r > 0.0 {
        format!("+{currency} {}", thousands(r))
    } else if r < 0.0 {
        format!("-{currency} {}", thousands(-r))
    } else {
        format!("{currency} 0")
    }
}

/// A probability in percent with two decimals: 0.07312 -> "7.31 %".
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.2} %", 100.0 * p)
}

fn percent_interval(e: &Estimate) -> String {
    if !e.ci95[0].is_finite() {
        return percent(e.estimate);
    }
    format!(
        "{} ({:.2}-{:.2})",
        percent(e.estimate),
        100.0 * e.ci95[0],
        100.0 * e.ci95[1]
    )
}

fn points_interval(e: &Estimate) -> String {
    let pp = |x: f64| {
        let v = 100.0 * x;
        // Avoid printing "-0.00".
        if v.abs() < 0.005 {
            "0.00".to_string()
        } else {
            format!("{v:+.2}")
        }
    };
    if !e.ci95[0].is_finite() {
        return format!("{} pp", pp(e.estimate));
    }
    format!(
        "{} pp ({} to {})",
        pp(e.estimate),
        pp(e.ci95[0]),
        pp(e.ci95[1])
    )
}

/// "12 months" for whole years, otherwise "N days".
pub fn horizon_words(days: u32) -> String {
    if days.is_multiple_of(365) {
        format!("{} months", days / 365 * 12)
    } else {
        format!("{days} days")
    }
}

/// The answer that opens the terminal report and the report: what the policy does for
/// this company's liquidity and at what net cost, against the extra credit line that
/// would do the same (docs/figures.md, "The verdict").
pub fn headline(s: &Summary) -> String {
    let within = horizon_words(s.simulation.horizon_days);
    let c = s.scenario.currency.as_str();
    let u = &s.uninsured.shortfall_probability;
    let range = |e: &Estimate| {
        if e.ci95[0].is_finite() {
            format!(
                "{} ({:.2}-{:.2} %)",
                percent(e.estimate),
                100.0 * e.ci95[0],
                100.0 * e.ci95[1]
            )
        } else {
            percent(e.estimate)
        }
    };
    let Some(policy) = s.shown_policies().first() else {
        return format!(
            "The chance of a liquidity shortfall within {within} is {} \
             (the scenario has no [insurance] table: add one to see what a policy changes).",
            range(u)
        );
    };
    let i = &policy.figures.common.shortfall_probability;
    let d = &policy.decision;
    let cost = if d.net_cost_per_year > 0.0 {
        format!("at a net cost of {} a year", money(c, d.net_cost_per_year))
    } else {
        format!(
            "and on average returns {} a year more than it costs",
            money(c, -d.net_cost_per_year)
        )
    };
    // A difference whose paired interval includes 0 may be noise: say so.
    let change = &policy.difference.shortfall_probability;
    let noise = if change.ci95[0] <= 0.0 && change.ci95[1] >= 0.0 {
        " (a difference within the simulation's noise: its 95 % interval includes 0)"
    } else {
        ""
    };
    let first = if i.estimate < u.estimate {
        let per_point = match d.cost_per_point_avoided {
            Some(x) if x > 0.0 => format!(" ({} per percentage point avoided)", money(c, x)),
            _ => String::new(),
        };
        format!(
            "The policy lowers the chance of running short of liquidity within {within} from \
             {} to {}{noise}, {cost}{per_point}.",
            range(u),
            range(i)
        )
    } else if i.estimate > u.estimate {
        format!(
            "The policy raises the chance of running short of liquidity within {within} from \
             {} to {}{noise}, {cost}.",
            range(u),
            range(i)
        )
    } else {
        format!(
            "With the policy the chance of running short of liquidity within {within} stays \
             at {}, {cost}.",
            range(u)
        )
    };
    let one_percent = s.decision.extra_credit_line[1].by_variant[crate::variant::UNINSURED];
    let second = if one_percent == 0.0 {
        " Without it the chance is already at most 1 %, with no extra credit line: \
         the policy is not worth buying for its liquidity effect."
            .to_string()
    } else if d.same_protection_credit_line > 0.0 {
        match d.same_protection_fee {
            Some(fee) => format!(
                " An extra credit line of {} would give the same protection; the policy costs \
                 what that line would at a fee of {} a year.",
                money(c, d.same_protection_credit_line),
                percent(fee)
            ),
            None => format!(
                " An extra credit line of {} would give the same protection, which the \
                 policy gives while returning more than it costs.",
                money(c, d.same_protection_credit_line)
            ),
        }
    } else {
        String::new()
    };
    format!("{first}{second}")
}

/// The narrowest label column, and the width of every other column.
const LABEL: usize = 34;
const COL: usize = 24;

fn row(out: &mut String, width: usize, label: &str, cells: &[String]) {
    let _ = write!(out, "{label:<width$}");
    for c in cells {
        let _ = write!(out, "{c:<COL$}");
    }
    out.push('\n');
    // Trim trailing spaces of the line just written.
    while out.ends_with(" \n") {
        out.pop();
        out.pop();
        out.push('\n');
    }
}

fn day(d: Option<u32>) -> String {
    d.map_or("-".to_string(), |d| format!("day {d}"))
}

/// The whole terminal report.
pub fn render(s: &Summary) -> String {
    let c = s.scenario.currency.as_str();
    let currency = c;
    let mut out = String::new();
    let stress = s
        .scenario
        .stress
        .as_ref()
        .map_or(String::new(), |n| format!(", stress case \"{n}\""));
    let _ = writeln!(out, "{}{stress}", s.scenario.name);
    let _ = writeln!(
        out,
        "{} | {} paths, seed {}, horizon {} days, amounts in {c}",
        s.scenario.file,
        thousands(s.simulation.paths as f64),
        s.simulation.seed,
        s.simulation.horizon_days
    );
    out.push('\n');
    let _ = writeln!(out, "{}", headline(s));
    out.push('\n');
    let figures = crate::figures::key_figures(s);
    // Wide enough for the longest figure label, so the columns stay aligned.
    let width = figures
        .iter()
        .filter_map(|f| match f {
            FigureRow::Figure(label, _) => Some(label.chars().count() + 4),
            FigureRow::Standalone(label, _) => Some(label.chars().count() + 2),
            FigureRow::Group(_) => None,
        })
        .fold(LABEL, usize::max);
    row(&mut out, width, "", &crate::figures::column_headings(s));
    for figure in figures {
        match figure {
            FigureRow::Group(title) => row(&mut out, width, &title, &[]),
            FigureRow::Figure(label, cells) => {
                let label = format!("  {}", label.replace('≤', "<="));
                row(&mut out, width, &label, &texts(cells, currency));
            }
            FigureRow::Standalone(label, cells) => {
                row(&mut out, width, &label, &texts(cells, currency));
            }
        }
    }
    out
}

/// A row's cells as terminal text, in column order.
fn texts(cells: Cells, currency: &str) -> Vec<String> {
    let Cells { values, changes } = cells;
    values
        .into_iter()
        .chain(changes)
        .map(|c| cell(c, currency))
        .collect()
}

/// A key figure's cell as terminal text.
fn cell(c: Cell, currency: &str) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Money(x) => money(currency, x),
        Cell::Probability(e) => percent_interval(&e),
        Cell::PointsChange(e) => points_interval(&e),
        Cell::MoneyChange(e) if e.ci95[0].is_finite() => format!(
            "{} ({} to {})",
            signed_money(currency, e.estimate),
            thousands(e.ci95[0]),
            thousands(e.ci95[1])
        ),
        Cell::MoneyChange(e) => signed_money(currency, e.estimate),
        Cell::Signed(x) => signed_money(currency, x),
        Cell::Day(d) => day(d),
        Cell::Count(x) => format!("{x:.3}"),
        Cell::Rate(Some(r)) => format!("{:.4} %", 100.0 * r),
        Cell::Rate(None) => "none in 0-100 %".to_string(),
        Cell::RescuedHarmed(r, h) => format!("{} / {}", thousands(r as f64), thousands(h as f64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(-0.4), "0");
        assert_eq!(thousands(999.5), "1,000");
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(100000.0), "100,000");
        assert_eq!(signed_money("EUR", -1234.0), "-EUR 1,234");
        assert_eq!(signed_money("EUR", 12.0), "+EUR 12");
    }

    #[test]
    fn horizon_words_use_months_for_whole_years() {
        assert_eq!(horizon_words(365), "12 months");
        assert_eq!(horizon_words(730), "24 months");
        assert_eq!(horizon_words(90), "90 days");
    }
}

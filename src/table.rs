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

/// A probability with its 95 % interval: "5.82 % (5.50-6.15)".
pub fn percent_interval(e: &Estimate) -> String {
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

/// A change of a probability in percentage points with its interval:
/// "-1.21 pp (-1.50 to -0.92)".
pub fn points_interval(e: &Estimate) -> String {
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
    let policies = s.shown_policies();
    let Some(policy) = best_policy(policies) else {
        return format!(
            "The chance of a liquidity shortfall within {within} is {} \
             (the scenario has no [insurance] table: add one to see what a policy changes).",
            range(u)
        );
    };
    let i = &policy.figures.common.shortfall_probability;
    let d = &policy.decision;
    let cost_of = |d: &crate::summary::PolicyDecision| {
        if d.net_cost_per_year > 0.0 {
            format!("at a net cost of {} a year", money(c, d.net_cost_per_year))
        } else {
            format!(
                "and on average returns {} a year more than it costs",
                money(c, -d.net_cost_per_year)
            )
        }
    };
    let cost = cost_of(d);
    // With several quotes: the best one's sentence, then each other quote's figure.
    let (subject, others) = if policies.len() == 1 {
        ("The policy".to_string(), String::new())
    } else {
        let others: Vec<String> = policies
            .iter()
            .filter(|p| p.name != policy.name)
            .map(|p| {
                format!(
                    "\"{}\" gives {} {}",
                    p.name,
                    range(&p.figures.common.shortfall_probability),
                    cost_of(&p.decision)
                )
            })
            .collect();
        (
            format!("Of the {} policies, \"{}\"", policies.len(), policy.name),
            format!(" {}.", others.join("; ")),
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
        let most = if policies.len() > 1 { " the most," } else { "" };
        format!(
            "{subject} lowers the chance of running short of liquidity within {within}{most} \
             from {} to {}{noise}, {cost}{per_point}.{others}",
            range(u),
            range(i)
        )
    } else if policies.len() > 1 {
        format!(
            "None of the {} policies lowers the chance of running short of liquidity within \
             {within} from {}:{}",
            policies.len(),
            range(u),
            policies
                .iter()
                .map(|p| format!(
                    " \"{}\" gives {} {}",
                    p.name,
                    range(&p.figures.common.shortfall_probability),
                    cost_of(&p.decision)
                ))
                .collect::<Vec<_>>()
                .join(";")
                + "."
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
    let (it, the_policy) = if policies.len() == 1 {
        ("it", "the policy".to_string())
    } else {
        ("a policy", format!("\"{}\"", policy.name))
    };
    let second = if one_percent == 0.0 {
        let not_worth = if policies.len() == 1 {
            "the policy is not worth buying"
        } else {
            "no policy is worth buying"
        };
        format!(
            " Without {it} the chance is already at most 1 %, with no extra credit line: \
             {not_worth} for its liquidity effect."
        )
    } else if d.same_protection_credit_line > 0.0 {
        let (as_what, costs) = if policies.len() == 1 {
            (String::new(), "the policy costs".to_string())
        } else {
            (format!(" as {the_policy}"), "it costs".to_string())
        };
        match d.same_protection_fee {
            Some(fee) => format!(
                " An extra credit line of {} would give the same protection{as_what}; \
                 {costs} what that line would at a fee of {} a year.",
                money(c, d.same_protection_credit_line),
                percent(fee)
            ),
            None => format!(
                " An extra credit line of {} would give the same protection{as_what}, which \
                 {} gives while returning more than it costs.",
                money(c, d.same_protection_credit_line),
                if policies.len() == 1 {
                    "the policy"
                } else {
                    "it"
                }
            ),
        }
    } else {
        String::new()
    };
    format!("{first}{second}")
}

/// The policy the headline is about: the one with the lowest shortfall probability
/// (on a tie, the lower net cost, then the first in file order).
pub fn best_policy(
    policies: &[crate::summary::PolicySummary],
) -> Option<&crate::summary::PolicySummary> {
    policies.iter().reduce(|best, p| {
        let (a, b) = (
            p.figures.common.shortfall_probability.estimate,
            best.figures.common.shortfall_probability.estimate,
        );
        if a < b || (a == b && p.decision.net_cost_per_year < best.decision.net_cost_per_year) {
            p
        } else {
            best
        }
    })
}

/// The narrowest label column, and the narrowest other column.
const LABEL: usize = 34;
const COL: usize = 24;

/// One line of the table: the label, then each cell padded to its column's width,
/// without trailing spaces.
fn row(out: &mut String, width: usize, label: &str, cells: &[String], widths: &[usize]) {
    let _ = write!(out, "{label:<width$}");
    for (c, &w) in cells.iter().zip(widths) {
        let _ = write!(out, "{c:<w$}");
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
}

/// `text` broken into lines of at most `width` characters at spaces (a longer word
/// stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
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
    // Every row as text first: the label column is as wide as the longest label, each
    // other column as wide as its widest cell (at least COL), and a heading longer
    // than its column wraps onto more lines.
    let rows: Vec<(String, Vec<String>)> = crate::figures::key_figures(s)
        .into_iter()
        .map(|figure| match figure {
            FigureRow::Group(title) => (title, Vec::new()),
            FigureRow::Figure(label, cells) => (
                format!("  {}", label.replace('≤', "<=")),
                texts(cells, currency),
            ),
            FigureRow::Standalone(label, cells) => (label, texts(cells, currency)),
        })
        .collect();
    let width = rows
        .iter()
        .filter(|(_, cells)| !cells.is_empty())
        .map(|(label, _)| label.chars().count() + 2)
        .fold(LABEL, usize::max);
    let headings = crate::figures::column_headings(s);
    let widths: Vec<usize> = (0..headings.len())
        .map(|k| {
            rows.iter()
                .filter_map(|(_, cells)| cells.get(k))
                .map(|c| c.chars().count() + 1)
                .fold(COL, usize::max)
        })
        .collect();
    let wrapped: Vec<Vec<String>> = headings
        .iter()
        .zip(&widths)
        .map(|(h, &w)| wrap(h, w - 1))
        .collect();
    let lines = wrapped.iter().map(Vec::len).max().unwrap_or(0);
    for line in 0..lines {
        let cells: Vec<String> = wrapped
            .iter()
            .map(|h| h.get(line).cloned().unwrap_or_default())
            .collect();
        row(&mut out, width, "", &cells, &widths);
    }
    for (label, cells) in rows {
        row(&mut out, width, &label, &cells, &widths);
    }
    out.push_str(&quotes_compared(s));
    // MODEL.md sections 16-18: what the insurer's cuts and political events did.
    let cuts = crate::insurer::cut_sentences(s);
    if !cuts.is_empty() {
        out.push_str("\nThe insurer's limit cuts (the same paths)\n");
        for sentence in cuts {
            let _ = writeln!(out, "  {sentence}");
        }
    }
    if let Some(sentence) = crate::insurer::political_sentence(s) {
        let _ = writeln!(out, "\n{sentence}");
    }
    out
}

/// The "Quotes compared" table and its paired differences, with two policies or more
/// ([`crate::quotes`]); empty otherwise.
fn quotes_compared(s: &Summary) -> String {
    let Some(rows) = crate::quotes::rows(s) else {
        return String::new();
    };
    let cells: Vec<[String; 5]> = rows
        .into_iter()
        .map(|r| [r.name, r.shortfall, r.net_cost, r.cfar, r.rescued_harmed])
        .collect();
    let headings = crate::quotes::HEADINGS.map(str::to_string);
    let widths: Vec<usize> = (0..5)
        .map(|k| {
            cells
                .iter()
                .map(|r| r[k].chars().count())
                .chain(std::iter::once(headings[k].chars().count()))
                .max()
                .unwrap_or(0)
                + 2
        })
        .collect();
    let mut out = String::from("\nQuotes compared (the same paths)\n");
    row(&mut out, 2, "", &headings, &widths);
    for r in &cells {
        row(&mut out, 2, "", r, &widths);
    }
    for sentence in crate::quotes::pair_sentences(s) {
        let _ = writeln!(out, "  {sentence}");
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
        Cell::Days(Some(d)) => format!("{d:.1} days"),
        Cell::Days(None) => "-".to_string(),
        Cell::Count(x) => format!("{x:.3}"),
        Cell::Rate(Some(r)) => format!("{:.4} %", 100.0 * r),
        Cell::Rate(None) => "none in 0-100 %".to_string(),
        Cell::Share(x) => format!("{:.2} %", 100.0 * x),
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
    fn headings_wrap_at_spaces() {
        assert_eq!(
            wrap("Change, Quote A: cheap (95 % interval)", 22),
            ["Change, Quote A: cheap", "(95 % interval)"]
        );
        assert_eq!(wrap("Uninsured", 3), ["Uninsured"]);
    }

    #[test]
    fn horizon_words_use_months_for_whole_years() {
        assert_eq!(horizon_words(365), "12 months");
        assert_eq!(horizon_words(730), "24 months");
        assert_eq!(horizon_words(90), "90 days");
    }
}

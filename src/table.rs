//! The terminal report of a run: a headline sentence and a table a CFO can read.

use crate::summary::{Estimate, Summary, VariantSummary};
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

/// The one-sentence answer that opens the report.
pub fn headline(s: &Summary) -> String {
    let within = horizon_words(s.simulation.horizon_days);
    let u = &s.uninsured.shortfall_probability;
    let i = &s.insured.common.shortfall_probability;
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
    if !s.scenario.insured {
        return format!(
            "The chance of a liquidity shortfall within {within} is {} \
             (the scenario has no [insurance] table, so both variants are the same).",
            range(u)
        );
    }
    let premium = money(&s.scenario.currency, s.insured.premium_paid.mean);
    let verb = if i.estimate < u.estimate {
        "falls"
    } else if i.estimate > u.estimate {
        "rises"
    } else {
        "stays"
    };
    if verb == "stays" {
        return format!(
            "With the policy the chance of a liquidity shortfall within {within} stays at {}, \
             for an expected premium of {premium}.",
            range(u)
        );
    }
    format!(
        "With the policy the chance of a liquidity shortfall within {within} {verb} from {} to {}, \
         for an expected premium of {premium}.",
        range(u),
        range(i)
    )
}

const LABEL: usize = 34;
const COL: usize = 24;

fn row(out: &mut String, label: &str, cells: [&str; 3]) {
    let _ = writeln!(
        out,
        "{label:<LABEL$}{:<COL$}{:<COL$}{}",
        cells[0], cells[1], cells[2]
    );
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
    let m = |x: f64| money(c, x);
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
    let (u, i): (&VariantSummary, &VariantSummary) = (&s.uninsured, &s.insured.common);
    row(
        &mut out,
        "",
        ["Uninsured", "Insured", "Change (95 % interval)"],
    );
    row(&mut out, "Liquidity shortfall", ["", "", ""]);
    row(
        &mut out,
        "  probability (95 % interval)",
        [
            &percent_interval(&u.shortfall_probability),
            &percent_interval(&i.shortfall_probability),
            &points_interval(&s.difference.shortfall_probability),
        ],
    );
    row(
        &mut out,
        "  median first shortfall",
        [
            &day(u.shortfall_timing.median_day),
            &day(i.shortfall_timing.median_day),
            "",
        ],
    );
    row(&mut out, "Lowest headroom over the horizon", ["", "", ""]);
    for (label, a, b) in [
        ("  mean", u.min_headroom.mean, i.min_headroom.mean),
        ("  1st percentile", u.min_headroom.p1, i.min_headroom.p1),
        ("  5th percentile", u.min_headroom.p5, i.min_headroom.p5),
        ("  median", u.min_headroom.p50, i.min_headroom.p50),
    ] {
        row(&mut out, label, [&m(a), &m(b), ""]);
    }
    row(
        &mut out,
        &format!("End balance (day {})", s.simulation.horizon_days - 1),
        ["", "", ""],
    );
    let change = &s.difference.end_balance_mean;
    let change_text = if change.ci95[0].is_finite() {
        format!(
            "{} ({} to {})",
            signed_money(c, change.estimate),
            thousands(change.ci95[0]),
            thousands(change.ci95[1])
        )
    } else {
        signed_money(c, change.estimate)
    };
    row(
        &mut out,
        "  mean",
        [&m(u.end_balance.mean), &m(i.end_balance.mean), &change_text],
    );
    for (label, a, b) in [
        ("  5th percentile", u.end_balance.p5, i.end_balance.p5),
        ("  median", u.end_balance.p50, i.end_balance.p50),
        ("  95th percentile", u.end_balance.p95, i.end_balance.p95),
        ("  cash-flow-at-risk (95 %)", u.cfar95, i.cfar95),
    ] {
        row(&mut out, label, [&m(a), &m(b), ""]);
    }
    row(&mut out, "Credit loss (gross, both variants)", ["", "", ""]);
    let l = &u.credit_loss;
    for (label, a) in [
        ("  mean", l.mean),
        ("  95th percentile", l.p95),
        ("  99th percentile", l.p99),
        ("  99.9th percentile", l.p999),
        ("  expected shortfall 99 %", l.es99),
    ] {
        row(&mut out, label, [&m(a), &m(a), ""]);
    }
    row(&mut out, "Extra credit line needed for", ["", "", ""]);
    for e in &s.decision.extra_credit_line {
        row(
            &mut out,
            &format!("  P(shortfall) <= {:.0} %", 100.0 * e.target),
            [&m(e.uninsured), &m(e.insured), ""],
        );
    }
    if s.scenario.insured {
        row(&mut out, "The policy (means per path)", ["", "", ""]);
        row(
            &mut out,
            "  premium paid",
            ["", &m(s.insured.premium_paid.mean), ""],
        );
        row(
            &mut out,
            "  payouts received",
            ["", &m(s.insured.payouts_received.mean), ""],
        );
        row(
            &mut out,
            "  claims",
            ["", &format!("{:.3}", s.insured.claims.mean), ""],
        );
        row(
            &mut out,
            "  credit loss net of payouts",
            [&m(l.mean), &m(s.insured.net_credit_loss.mean), ""],
        );
        if let Some(rate) = s.decision.break_even_premium_rate {
            let text = match rate {
                Some(r) => format!("{:.4} %", 100.0 * r),
                None => "none in 0-100 %".to_string(),
            };
            row(&mut out, "  break-even premium rate", ["", &text, ""]);
        }
        row(
            &mut out,
            "Paths rescued / harmed",
            [
                "",
                "",
                &format!(
                    "{} / {}",
                    thousands(s.difference.paths_rescued as f64),
                    thousands(s.difference.paths_harmed as f64)
                ),
            ],
        );
    }
    out
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

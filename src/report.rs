//! `report.html`: one self-contained page a CFO can read and print.
//!
//! Inline CSS and inline SVG charts, no scripts, no network. The answer comes first,
//! then the key figures, the charts, what the policy costs and brings, the scenario's
//! assumptions, how the run was made, and what every figure means.

use crate::charts::Chart;
use crate::scenario::{Lgd, Scenario};
use crate::summary::{Estimate, Summary};
use crate::table::{headline, money, percent, signed_money, thousands};
use std::fmt::Write as _;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's font, embedded: DejaVu Sans (the charts' font) as a data URL, so the
/// page and its SVG charts look the same on a machine without any fonts. Bold text
/// uses the browser's synthetic bold, which keeps the page near 1 MB.
fn embedded_fonts() -> String {
    use base64::Engine as _;
    format!(
        "@font-face {{ font-family: \"DejaVu Sans\"; \
         src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}\n",
        base64::engine::general_purpose::STANDARD.encode(dejavu::sans::regular())
    )
}

const CSS: &str = r#"
:root { --uninsured: #D55E00; --insured: #0072B2; --ink: #1b1f24; --muted: #5b6370; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", sans-serif; color: var(--ink);
       max-width: 1000px; margin: 2rem auto; padding: 0 1.2rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d7dbe0; padding-bottom: 0.2rem; margin-top: 2rem; }
.sub { color: var(--muted); margin-top: 0; }
.answer { font-size: 1.2rem; background: #f3f6f9; border-left: 5px solid var(--insured);
          padding: 0.8rem 1rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #e4e7eb; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #b9c0c8; }
th.u { color: var(--uninsured); } th.i { color: var(--insured); }
tr.group td { font-weight: bold; text-align: left; background: #f7f8fa; }
figure { margin: 1.2rem 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; border: 1px solid #e4e7eb; }
figure svg text { font-family: "DejaVu Sans", sans-serif; }
figcaption { color: var(--muted); font-size: 0.9rem; }
dl { display: grid; grid-template-columns: 14rem 1fr; gap: 0.3rem 1rem; font-size: 0.92rem; }
dt { font-weight: bold; }
dd { margin: 0; }
.small { font-size: 0.85rem; color: var(--muted); }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table, dl { page-break-inside: avoid; break-inside: avoid; }
  .answer { border-left-width: 3px; }
}
"#;

fn interval_pct(e: &Estimate) -> String {
    if e.ci95[0].is_finite() {
        format!(
            "{} <span class=\"small\">({:.2}–{:.2})</span>",
            percent(e.estimate),
            100.0 * e.ci95[0],
            100.0 * e.ci95[1]
        )
    } else {
        percent(e.estimate)
    }
}

fn row(out: &mut String, cells: &[String]) {
    out.push_str("<tr>");
    for c in cells {
        let _ = write!(out, "<td>{c}</td>");
    }
    out.push_str("</tr>\n");
}

fn group(out: &mut String, label: &str) {
    let _ = writeln!(
        out,
        "<tr class=\"group\"><td colspan=\"4\">{label}</td></tr>"
    );
}

fn key_figures(s: &Summary) -> String {
    let c = &s.scenario.currency;
    let m = |x: f64| money(c, x);
    let (u, i) = (&s.uninsured, &s.insured.common);
    let mut t = String::from(
        "<table><thead><tr><th></th><th class=\"u\">Uninsured</th><th class=\"i\">Insured</th>\
         <th>Change (95 % interval)</th></tr></thead><tbody>\n",
    );
    group(&mut t, "Liquidity shortfall");
    let d = &s.difference.shortfall_probability;
    let change = if d.ci95[0].is_finite() {
        format!(
            "{:+.2} pp <span class=\"small\">({:+.2} to {:+.2})</span>",
            100.0 * d.estimate,
            100.0 * d.ci95[0],
            100.0 * d.ci95[1]
        )
    } else {
        format!("{:+.2} pp", 100.0 * d.estimate)
    };
    row(
        &mut t,
        &[
            "probability (95 % interval)".into(),
            interval_pct(&u.shortfall_probability),
            interval_pct(&i.shortfall_probability),
            change,
        ],
    );
    let day = |d: Option<u32>| d.map_or("–".to_string(), |d| format!("day {d}"));
    row(
        &mut t,
        &[
            "median first shortfall".into(),
            day(u.shortfall_timing.median_day),
            day(i.shortfall_timing.median_day),
            String::new(),
        ],
    );
    group(&mut t, "Lowest headroom over the horizon");
    for (label, a, b) in [
        ("mean", u.min_headroom.mean, i.min_headroom.mean),
        ("1st percentile", u.min_headroom.p1, i.min_headroom.p1),
        ("5th percentile", u.min_headroom.p5, i.min_headroom.p5),
        ("median", u.min_headroom.p50, i.min_headroom.p50),
    ] {
        row(&mut t, &[label.into(), m(a), m(b), String::new()]);
    }
    group(
        &mut t,
        &format!("End balance (day {})", s.simulation.horizon_days - 1),
    );
    let e = &s.difference.end_balance_mean;
    let end_change = if e.ci95[0].is_finite() {
        format!(
            "{} <span class=\"small\">({} to {})</span>",
            signed_money(c, e.estimate),
            thousands(e.ci95[0]),
            thousands(e.ci95[1])
        )
    } else {
        signed_money(c, e.estimate)
    };
    row(
        &mut t,
        &[
            "mean".into(),
            m(u.end_balance.mean),
            m(i.end_balance.mean),
            end_change,
        ],
    );
    for (label, a, b) in [
        ("5th percentile", u.end_balance.p5, i.end_balance.p5),
        ("median", u.end_balance.p50, i.end_balance.p50),
        ("95th percentile", u.end_balance.p95, i.end_balance.p95),
        ("cash-flow-at-risk (95 %)", u.cfar95, i.cfar95),
    ] {
        row(&mut t, &[label.into(), m(a), m(b), String::new()]);
    }
    group(&mut t, "Credit loss (gross, the same in both)");
    let l = &u.credit_loss;
    for (label, a) in [
        ("mean", l.mean),
        ("95th percentile", l.p95),
        ("99th percentile", l.p99),
        ("99.9th percentile", l.p999),
        ("expected shortfall 99 %", l.es99),
    ] {
        row(&mut t, &[label.into(), m(a), m(a), String::new()]);
    }
    group(&mut t, "Extra credit line needed for");
    for e in &s.decision.extra_credit_line {
        row(
            &mut t,
            &[
                format!("P(shortfall) ≤ {:.0} %", 100.0 * e.target),
                m(e.uninsured),
                m(e.insured),
                String::new(),
            ],
        );
    }
    if s.scenario.insured {
        group(&mut t, "The policy (means per path)");
        row(
            &mut t,
            &[
                "premium paid".into(),
                String::new(),
                m(s.insured.premium_paid.mean),
                String::new(),
            ],
        );
        row(
            &mut t,
            &[
                "payouts received".into(),
                String::new(),
                m(s.insured.payouts_received.mean),
                String::new(),
            ],
        );
        row(
            &mut t,
            &[
                "claims".into(),
                String::new(),
                format!("{:.3}", s.insured.claims.mean),
                String::new(),
            ],
        );
        row(
            &mut t,
            &[
                "credit loss net of payouts".into(),
                m(l.mean),
                m(s.insured.net_credit_loss.mean),
                String::new(),
            ],
        );
        if let Some(rate) = s.decision.break_even_premium_rate {
            row(
                &mut t,
                &[
                    "break-even premium rate".into(),
                    String::new(),
                    rate.map_or("none in 0–100 %".to_string(), |r| {
                        format!("{:.4} %", 100.0 * r)
                    }),
                    String::new(),
                ],
            );
        }
        row(
            &mut t,
            &[
                "paths rescued / harmed".into(),
                String::new(),
                String::new(),
                format!(
                    "{} / {}",
                    thousands(s.difference.paths_rescued as f64),
                    thousands(s.difference.paths_harmed as f64)
                ),
            ],
        );
    }
    t.push_str("</tbody></table>\n");
    t
}

fn policy_text(s: &Summary) -> String {
    let c = &s.scenario.currency;
    if !s.scenario.insured {
        return "<p>The scenario has no <code>[insurance]</code> table: both variants are \
                the same path by path.</p>"
            .to_string();
    }
    let premium = s.insured.premium_paid.mean;
    let payouts = s.insured.payouts_received.mean;
    let e = &s.difference.end_balance_mean;
    let verdict = if e.ci95[1] < 0.0 {
        "costs more than it returns within the horizon: the mean end balance is lower with it"
    } else if e.ci95[0] > 0.0 {
        "returns more than it costs within the horizon: the mean end balance is higher with it"
    } else {
        "roughly pays for itself within the horizon: the change in the mean end balance is \
         not distinguishable from zero"
    };
    format!(
        "<p>On average the policy costs <b>{}</b> in premium and pays <b>{}</b> in claims \
         within the horizon; it {verdict} ({} per path, 95 % interval {} to {}). \
         Net of payouts the expected credit loss falls from {} to {}. \
         It rescues {} paths from a shortfall and tips {} into one \
         (premiums, and the insurer's share of late payments, leave less cash).</p>",
        money(c, premium),
        money(c, payouts),
        signed_money(c, e.estimate),
        thousands(e.ci95[0]),
        thousands(e.ci95[1]),
        money(c, s.uninsured.credit_loss.mean),
        money(c, s.insured.net_credit_loss.mean),
        thousands(s.difference.paths_rescued as f64),
        thousands(s.difference.paths_harmed as f64),
    )
}

fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

fn assumptions(sc: &Scenario) -> String {
    let c = &sc.currency;
    let m = |x: f64| money(c, x);
    let mut t = String::from("<dl>\n");
    let mut item = |k: &str, v: String| {
        let _ = writeln!(t, "<dt>{}</dt><dd>{}</dd>", escape(k), v);
    };
    item(
        "Company",
        format!(
            "opening cash {}, credit line {} at {}, deposits earn {}, shortfall below {} of headroom",
            m(sc.opening_cash),
            m(sc.credit_line),
            pct(sc.credit_line_rate),
            pct(sc.deposit_rate),
            m(sc.min_headroom)
        ),
    );
    item(
        "Revenue",
        format!(
            "{} a month, growth {} a year, monthly demand volatility {}{}; {} sold for cash",
            m(sc.revenue_monthly),
            pct(sc.revenue_growth),
            pct(sc.revenue_volatility),
            if sc.seasonality.is_some() {
                ", seasonal"
            } else {
                ""
            },
            pct(sc.cash_share())
        ),
    );
    item(
        "Costs",
        format!(
            "suppliers {} of sales, paid after {} days; fixed {} a month; {} scheduled items",
            pct(sc.variable_ratio),
            sc.supplier_terms_days,
            m(sc.fixed_monthly),
            sc.scheduled.len()
        ),
    );
    item(
        "Credit",
        format!(
            "asset correlation {}, recoveries paid {} days after a default",
            sc.correlation, sc.recovery_lag_days
        ),
    );
    match &sc.insurance {
        Some(p) => item(
            "Policy",
            format!(
                "indemnity {}, premium {} of insured turnover, minimum premium {}, first loss {}, \
                 maximum liability {}, waiting period {} days, settlement after {} days",
                pct(p.indemnity),
                pct(p.premium_rate),
                m(p.minimum_premium),
                m(p.aggregate_first_loss),
                if p.max_liability.is_finite() {
                    m(p.max_liability)
                } else {
                    "unlimited".to_string()
                },
                p.waiting_period_days,
                p.settlement_days
            ),
        ),
        None => item("Policy", "none".to_string()),
    }
    if let Some(name) = &sc.applied_stress {
        item("Stress case", escape(name));
    }
    t.push_str("</dl>\n");
    t.push_str(
        "<table><thead><tr><th>Buyer</th><th>Share</th><th>Terms</th><th>PD</th><th>LGD</th>\
         <th>Paid on time</th><th>Late by (mean)</th><th>Limit</th></tr></thead><tbody>\n",
    );
    let lgd = |l: &Lgd| match l {
        Lgd::Fixed(v) => format!("{v}"),
        Lgd::Beta { mean, sd } => format!("{mean} ± {sd}"),
    };
    let default_limit = sc.insurance.as_ref().map_or(0.0, |p| p.default_limit);
    let limit = |l: Option<f64>| {
        if sc.insurance.is_none() {
            "–".to_string()
        } else {
            m(l.unwrap_or(default_limit))
        }
    };
    let buyer_rows = sc
        .buyers
        .iter()
        .map(|b| (escape(&b.name), b.share, b))
        .chain(sc.groups.iter().map(|g| {
            (
                format!("{} ({} buyers, each)", escape(&g.terms.name), g.count),
                g.terms.share,
                &g.terms,
            )
        }));
    for (name, share, b) in buyer_rows {
        let (on_time, late) = match &b.delay {
            Some(d) => (pct(d.on_time), format!("{} days", d.mean_days)),
            None => ("100.00 %".to_string(), "–".to_string()),
        };
        row(
            &mut t,
            &[
                name,
                pct(share),
                format!("{} days", b.terms_days),
                pct(b.pd),
                lgd(&b.lgd),
                on_time,
                late,
                limit(b.limit),
            ],
        );
    }
    t.push_str("</tbody></table>\n");
    t
}

const DEFINITIONS: &str = r#"<dl>
<dt>Headroom</dt><dd>Cash plus the unused credit line at the end of a day, after interest.</dd>
<dt>Liquidity shortfall</dt><dd>A path whose headroom falls below the scenario's minimum on some day; the probability is the share of such paths, with a Wilson 95 % interval.</dd>
<dt>Change</dt><dd>Insured minus uninsured on the same simulated paths; its interval comes from the per-path differences.</dd>
<dt>Lowest headroom</dt><dd>Each path's lowest headroom over the horizon; the table gives its mean and percentiles over paths.</dd>
<dt>End balance</dt><dd>The balance on the last day. Cash-flow-at-risk (95 %) is its mean minus its 5th percentile.</dd>
<dt>Credit loss</dt><dd>LGD times the amount of every invoice unpaid when its buyer defaults. Expected shortfall 99 % is the mean of the worst 1 % of paths. Net of payouts: LGD times (amount − payout).</dd>
<dt>Premium, payouts, claims</dt><dd>Means per path of what is paid and received within the horizon.</dd>
<dt>Extra credit line needed</dt><dd>The least increase of the committed credit line that brings the shortfall probability down to the target; it shifts every day's headroom by the same amount, so it is read exactly from each path's lowest headroom.</dd>
<dt>Break-even premium rate</dt><dd>The premium rate at which the policy leaves the mean end balance unchanged, solved by re-running the simulation on the same random numbers.</dd>
<dt>Rescued / harmed</dt><dd>Paths with a shortfall only without the policy / only with it.</dd>
<dt>Percentiles</dt><dd>The value at rank ceil(q·N) of N paths. The fan chart's daily percentiles are read from a fine histogram (within 0.4 %).</dd>
</dl>"#;

/// The whole page.
pub fn render(summary: &Summary, scenario: &Scenario, charts: &[Chart]) -> String {
    let s = summary;
    let mut h = String::new();
    let title = match &s.scenario.stress {
        Some(st) => format!("{} — stress case “{}”", s.scenario.name, st),
        None => s.scenario.name.clone(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} — cashrisk</title><style>{fonts}{CSS}</style></head><body>\n",
        t = escape(&title),
        fonts = embedded_fonts()
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    if !scenario.description.is_empty() {
        let _ = writeln!(h, "<p class=\"sub\">{}</p>", escape(&scenario.description));
    }
    let _ = writeln!(h, "<p class=\"answer\">{}</p>", escape(&headline(s)));
    h.push_str("<h2>Key figures</h2>\n");
    h.push_str(&key_figures(s));
    h.push_str("<h2>Charts</h2>\n");
    for chart in charts {
        let svg = chart
            .svg
            .split_once("?>")
            .map_or(chart.svg.as_str(), |(_, rest)| rest)
            .trim();
        let _ = writeln!(
            h,
            "<figure id=\"{}\" role=\"img\" aria-label=\"{}\">{svg}<figcaption>{}</figcaption></figure>",
            chart.name,
            escape(&chart.title),
            escape(chart.caption)
        );
    }
    h.push_str("<h2>What the policy costs and brings</h2>\n");
    h.push_str(&policy_text(s));
    h.push_str("<h2>Assumptions</h2>\n");
    h.push_str(&assumptions(scenario));
    h.push_str("<h2>How this was computed</h2>\n");
    let _ = writeln!(
        h,
        "<p>{} simulated paths of {} days, seed {}, scenario file <code>{}</code>, cashrisk {}. \
         Every path is simulated twice on the same random numbers, without and with the policy. \
         The same file, seed and number of paths give the same figures on any machine and \
         any number of threads.</p>",
        thousands(s.simulation.paths as f64),
        s.simulation.horizon_days,
        s.simulation.seed,
        escape(&s.scenario.file),
        escape(&s.cashrisk_version)
    );
    h.push_str("<h2>What the figures mean</h2>\n");
    h.push_str(DEFINITIONS);
    h.push_str("\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("A&B <x> \"q\" 'a'"),
            "A&amp;B &lt;x&gt; &quot;q&quot; &#39;a&#39;"
        );
    }
}

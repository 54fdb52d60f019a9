//! `report.html`: one self-contained page a CFO can read and print.
//!
//! Inline CSS and inline SVG charts, no scripts, no network. The answer comes first,
//! then the key figures, the charts, what the policy costs and brings, the scenario's
//! assumptions, how the run was made, and what every figure means.

use crate::charts::Chart;
use crate::figures::{Cell, FigureRow};
use crate::html::{Html, shown};
use crate::scenario::{Lgd, Scenario};
use crate::summary::{Estimate, Summary};
use crate::table::{headline, money, percent, signed_money, thousands};
use crate::variant::{INSURED, UNINSURED};

/// The page's font, embedded: DejaVu Sans (the charts' font) as a data URL, so the
/// page and its SVG charts look the same on a machine without any fonts. Bold text
/// uses the browser's synthetic bold, which keeps the page near 1 MB.
/// Encoded once per process (a batch or a study renders many reports).
fn embedded_fonts() -> &'static Html {
    static FONTS: std::sync::OnceLock<Html> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| {
        use base64::Engine as _;
        // Base64 holds only letters, digits, `+`, `/` and `=`: escaping changes nothing.
        let data =
            Html::text(&base64::engine::general_purpose::STANDARD.encode(dejavu::sans::regular()));
        Html::fill(
            "@font-face { font-family: \"DejaVu Sans\"; \
             src: url(data:font/ttf;base64,{}) format(\"truetype\"); }\n",
            &[&data],
        )
    })
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
td:not(:first-child), th:not(:first-child) { white-space: nowrap; }
thead th { border-bottom: 2px solid #b9c0c8; vertical-align: bottom; }
thead th:not(:first-child) { white-space: normal; }
td:first-child { min-width: 11rem; }
.scroll { overflow-x: auto; }
th.u { color: var(--uninsured); } th.i { color: var(--insured); }
tr.group td { font-weight: bold; text-align: left; background: #f7f8fa; }
.warnings { background: #fdf3e1; border-left: 5px solid #E69F00; padding: 0.2rem 1rem; }
.warnings h2 { border: none; margin-top: 0.6rem; }
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
  .answer { border-left-width: 3px; font-size: 10.5pt; }
  /* Page 1 holds the answer and every key figure. */
  table.key { font-size: 7.6pt; line-height: 1.2; }
  table.key th, table.key td { padding: 0.06rem 0.35rem; }
  table.key .small { font-size: 0.9em; }
  h1 { margin-top: 0; }
}
"#;

fn interval_pct(e: &Estimate) -> Html {
    if e.ci95[0].is_finite() {
        Html::fill(
            "{} <span class=\"small\">({})</span>",
            &[
                &Html::text(&percent(e.estimate)),
                &shown(format_args!(
                    "{:.2}–{:.2}",
                    100.0 * e.ci95[0],
                    100.0 * e.ci95[1]
                )),
            ],
        )
    } else {
        Html::text(&percent(e.estimate))
    }
}

fn row(out: &mut Html, cells: &[Html]) {
    out.push_markup("<tr>");
    for c in cells {
        out.push(&Html::fill("<td>{}</td>", &[c]));
    }
    out.push_markup("</tr>\n");
}

/// A row of plain texts (numbers and amounts already formatted).
fn text_row(out: &mut Html, cells: &[&str]) {
    let cells: Vec<Html> = cells.iter().map(|c| Html::text(c)).collect();
    row(out, &cells);
}

fn group(out: &mut Html, label: &str, columns: usize) {
    out.line(
        "<tr class=\"group\"><td colspan=\"{}\">{}</td></tr>",
        &[&Html::text(&(columns + 1).to_string()), &Html::text(label)],
    );
}

/// The heading of a column of the key figures, in its variant's colour.
fn heading(column: usize, text: &str, variants: usize) -> Html {
    let text = Html::text(text);
    match column {
        UNINSURED => Html::fill("<th class=\"u\">{}</th>", &[&text]),
        INSURED => Html::fill("<th class=\"i\">{}</th>", &[&text]),
        v if v < variants => Html::fill(
            "<th style=\"color: {}\">{}</th>",
            &[&Html::text(&crate::charts::css_colour(v)), &text],
        ),
        _ => Html::fill("<th>{}</th>", &[&text]),
    }
}

fn key_figures(s: &Summary) -> Html {
    let c = &s.scenario.currency;
    let headings = crate::figures::column_headings(s);
    let mut t = Html::markup("<table class=\"key\"><thead><tr><th></th>");
    for (column, text) in headings.iter().enumerate() {
        t.push(&heading(column, text, s.variant_count()));
    }
    t.push_markup("</tr></thead><tbody>\n");
    for figure in crate::figures::key_figures(s) {
        match figure {
            FigureRow::Group(title) => group(&mut t, &title, headings.len()),
            FigureRow::Figure(label, cells) | FigureRow::Standalone(label, cells) => {
                let mut html = vec![Html::text(&label)];
                html.extend(
                    cells
                        .values
                        .into_iter()
                        .chain(cells.changes)
                        .map(|x| cell(x, c)),
                );
                row(&mut t, &html);
            }
        }
    }
    t.push_markup("</tbody></table>\n");
    t
}

/// A key figure's cell as HTML: intervals in a smaller type.
fn cell(c: Cell, currency: &str) -> Html {
    let with_interval = |main: String, interval: String| {
        Html::fill(
            "{} <span class=\"small\">({})</span>",
            &[&Html::text(&main), &Html::text(&interval)],
        )
    };
    match c {
        Cell::Empty => Html::text(""),
        Cell::Money(x) => Html::text(&money(currency, x)),
        Cell::Probability(e) => interval_pct(&e),
        Cell::PointsChange(d) if d.ci95[0].is_finite() => with_interval(
            format!("{:+.2} pp", 100.0 * d.estimate),
            format!("{:+.2} to {:+.2}", 100.0 * d.ci95[0], 100.0 * d.ci95[1]),
        ),
        Cell::PointsChange(d) => Html::text(&format!("{:+.2} pp", 100.0 * d.estimate)),
        Cell::MoneyChange(e) if e.ci95[0].is_finite() => with_interval(
            signed_money(currency, e.estimate),
            format!("{} to {}", thousands(e.ci95[0]), thousands(e.ci95[1])),
        ),
        Cell::MoneyChange(e) => Html::text(&signed_money(currency, e.estimate)),
        Cell::Signed(x) => Html::text(&signed_money(currency, x)),
        Cell::Day(d) => Html::text(&d.map_or("–".to_string(), |d| format!("day {d}"))),
        Cell::Days(Some(d)) => Html::text(&format!("{d:.1} days")),
        Cell::Days(None) => Html::text("–"),
        Cell::Count(x) => Html::text(&format!("{x:.3}")),
        Cell::Rate(Some(r)) => Html::text(&format!("{:.4} %", 100.0 * r)),
        Cell::Rate(None) => Html::text("none in 0–100 %"),
        Cell::Share(x) => Html::text(&format!("{:.2} %", 100.0 * x)),
        Cell::RescuedHarmed(r, h) => Html::text(&format!(
            "{} / {}",
            thousands(r as f64),
            thousands(h as f64)
        )),
    }
}

fn policy_text(s: &Summary) -> Html {
    let c = &s.scenario.currency;
    if !s.scenario.insured {
        return Html::markup(
            "<p>The scenario has no <code>[insurance]</code> table, so there is no policy \
             to compare; add one (docs/scenario-format.md) to see what it changes.</p>",
        );
    }
    let premium = s.insured().premium_paid.mean;
    let payouts = s.insured().payouts_received.mean;
    let e = &s.difference().end_balance_mean;
    let verdict = if e.ci95[1] < 0.0 {
        "costs more than it returns within the horizon: the mean end balance is lower with it"
    } else if e.ci95[0] > 0.0 {
        "returns more than it costs within the horizon: the mean end balance is higher with it"
    } else {
        "roughly pays for itself within the horizon: the change in the mean end balance is \
         not distinguishable from zero"
    };
    let interest = crate::figures::interest_effect(&s.uninsured, &s.insured().common);
    // With stop_sales (MODEL.md section 16) the account has one more term.
    let not_made = s
        .policies
        .first()
        .map_or(0.0, crate::figures::sales_not_made);
    let stopped = if not_made != 0.0 {
        format!(
            "; the deliveries stopped after the insurer's cuts change it by {}",
            signed_money(c, not_made)
        )
    } else {
        String::new()
    };
    Html::fill(
        "<p>On average the policy costs <b>{}</b> in premium and pays <b>{}</b> in claims \
         within the horizon. On claimed invoices that are paid late or recovered, the \
         insurer takes its share of the later payment, <b>{}</b>; the changed balance \
         changes interest by {}{}. In all the policy {} ({} per path, 95 % interval {} to {}). \
         Net of payouts the expected credit loss falls from {} to {}. {}</p>",
        &[
            &Html::text(&money(c, premium)),
            &Html::text(&money(c, payouts)),
            &Html::text(&money(c, s.insured().paid_to_insurer.mean)),
            &Html::text(&signed_money(c, interest)),
            &Html::text(&stopped),
            &Html::markup(verdict),
            &Html::text(&signed_money(c, e.estimate)),
            &Html::text(&thousands(e.ci95[0])),
            &Html::text(&thousands(e.ci95[1])),
            &Html::text(&money(c, s.uninsured.credit_loss.mean)),
            &Html::text(&money(c, s.insured().net_credit_loss.mean)),
            &Html::text(&rescued_and_harmed(
                s.difference().paths_rescued,
                s.difference().paths_harmed,
            )),
        ],
    )
}

/// What the policy does to individual paths, explaining harm only where there is some.
fn rescued_and_harmed(rescued: u64, harmed: u64) -> String {
    let paths = |n: u64| match n {
        1 => "1 path".to_string(),
        n => format!("{} paths", thousands(n as f64)),
    };
    match (rescued, harmed) {
        (0, 0) => "It neither rescues a path from a shortfall nor tips one into it.".to_string(),
        (r, 0) => format!(
            "It rescues {} from a shortfall and tips none into one.",
            paths(r)
        ),
        (r, h) => format!(
            "It rescues {} from a shortfall and tips {} into one (there, the premiums or \
             the insurer's share of a late payment leave less cash at the wrong moment).",
            if r == 0 {
                "no path".to_string()
            } else {
                paths(r)
            },
            paths(h)
        ),
    }
}

/// The scheduled flows themselves: "; scheduled: day 180 -EUR 120,000 (tax), ...".
fn scheduled_items(sc: &Scenario) -> String {
    if sc.scheduled.is_empty() {
        return String::new();
    }
    let items: Vec<String> = sc
        .scheduled
        .iter()
        .map(|f| {
            let label = if f.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.label)
            };
            let every = f
                .every_days
                .map_or(String::new(), |e| format!(" every {e} days"));
            format!(
                "day {}{every} {}{label}",
                f.day,
                signed_money(&sc.currency, f.amount)
            )
        })
        .collect();
    format!("; scheduled: {}", items.join(", "))
}

fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

fn assumptions(sc: &Scenario) -> Html {
    let c = &sc.currency;
    let m = |x: f64| money(c, x);
    let mut t = Html::markup("<dl>\n");
    let mut item = |k: &str, v: String| {
        t.line("<dt>{}</dt><dd>{}</dd>", &[&Html::text(k), &Html::text(&v)]);
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
            "suppliers {} of sales, paid after {} days; fixed {} a month{}",
            pct(sc.variable_ratio),
            sc.supplier_terms_days,
            m(sc.fixed_monthly),
            scheduled_items(sc)
        ),
    );
    item(
        "Credit",
        format!(
            "asset correlation {}, recoveries paid {} days after a default",
            sc.correlation, sc.recovery_lag_days
        ),
    );
    if sc.policies.is_empty() {
        item("Policy", "none".to_string());
    }
    for p in &sc.policies {
        let title = if sc.policies.len() == 1 {
            "Policy".to_string()
        } else {
            format!("Policy: {}", p.name)
        };
        item(
            &title,
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
        );
    }
    if let Some(name) = &sc.applied_stress {
        item("Stress case", name.clone());
    }
    t.push_markup("</dl>\n");
    t.push_markup(
        "<table><thead><tr><th>Buyer</th><th>Share</th><th>Terms</th><th>PD</th><th>LGD</th>\
         <th>Paid on time</th><th>Late by (mean)</th>",
    );
    // One limit column per policy (a dash without one).
    match sc.policies.as_slice() {
        [] | [_] => t.push_markup("<th>Limit (a group: each member)</th>"),
        many => {
            for p in many {
                t.push_markup("<th>");
                t.push_text(&format!("Limit, {} (a group: each member)", p.name));
                t.push_markup("</th>");
            }
        }
    }
    t.push_markup("</tr></thead><tbody>\n");
    let lgd = |l: &Lgd| match l {
        Lgd::Fixed(v) => format!("{v}"),
        Lgd::Beta { mean, sd } => format!("{mean} ± {sd}"),
    };
    // A buyer's (or a group's, each member's) limit under each policy, and how many
    // of a group's members the policy's limits set apart.
    let limits = |name: &str, own: Option<f64>, group: bool| -> Vec<String> {
        if sc.policies.is_empty() {
            return vec!["–".to_string()];
        }
        sc.policies
            .iter()
            .map(|p| {
                let text = match p.limit_of(name, None, own) {
                    0.0 => "not covered".to_string(),
                    x => m(x),
                };
                let prefix = format!("{name}#");
                let apart = p
                    .limits
                    .keys()
                    .filter(|k| group && k.starts_with(&prefix))
                    .count();
                match apart {
                    0 => text,
                    1 => format!("{text} (1 member apart)"),
                    n => format!("{text} ({n} members apart)"),
                }
            })
            .collect()
    };
    // A group's share as written: the combined share of its members (the limit is
    // each member's).
    let buyer_rows = sc
        .buyers
        .iter()
        .map(|b| (b.name.clone(), pct(b.share), b, false))
        .chain(sc.groups.iter().map(|g| {
            (
                format!("{} ({} buyers)", g.terms.name, thousands(g.count as f64)),
                format!("{} in all", pct(g.total_share)),
                &g.terms,
                true,
            )
        }));
    for (name, share, b, group) in buyer_rows {
        let (on_time, late) = match &b.delay {
            Some(d) => (pct(d.on_time), format!("{} days", d.mean_days)),
            None => ("100.00 %".to_string(), "–".to_string()),
        };
        let terms = format!("{} days", b.terms_days);
        let (pd, lgd) = (pct(b.pd), lgd(&b.lgd));
        let limits = limits(&b.name, b.limit, group);
        let mut cells: Vec<&str> = vec![&name, &share, &terms, &pd, &lgd, &on_time, &late];
        cells.extend(limits.iter().map(String::as_str));
        text_row(&mut t, &cells);
    }
    t.push_markup("</tbody></table>\n");
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
pub fn render(run: &crate::run::Run, summary: &Summary, charts: &[Chart]) -> String {
    let (s, scenario) = (summary, &run.scenario);
    let mut h = Html::default();
    let title = Html::text(&match &s.scenario.stress {
        Some(st) => format!("{} — stress case “{}”", s.scenario.name, st),
        None => s.scenario.name.clone(),
    });
    h.line(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — cashrisk</title><style>{}{}</style></head><body>",
        &[&title, embedded_fonts(), &Html::markup(CSS)],
    );
    h.line("<h1>{}</h1>", &[&title]);
    if !scenario.description.is_empty() {
        h.line(
            "<p class=\"sub\">{}</p>",
            &[&Html::text(&scenario.description)],
        );
    }
    h.line("<p class=\"answer\">{}</p>", &[&Html::text(&headline(s))]);
    let warnings = crate::scenario::plausible::warnings(scenario);
    if !warnings.is_empty() {
        h.push_markup(
            "<div class=\"warnings\"><h2>Check these inputs</h2>\n<p>Valid, but far from what \
             real companies and policies show; a slip is likely.</p><ul>\n",
        );
        for w in &warnings {
            h.line(
                "<li><code>{}</code>: {}</li>",
                &[&Html::text(&w.key), &Html::text(&w.message)],
            );
        }
        h.push_markup("</ul></div>\n");
    }
    h.push_markup("<h2>Key figures</h2>\n");
    h.push_markup("<div class=\"scroll\">");
    h.push(&key_figures(s));
    h.push_markup("</div>\n");
    h.push_markup("<h2>What the policy costs and brings</h2>\n");
    h.push(&policy_text(s));
    if let Some(rows) = crate::quotes::rows(s) {
        h.push_markup("<h2>Quotes compared</h2>\n<table class=\"key\"><thead><tr>");
        for heading in crate::quotes::HEADINGS {
            h.line("<th>{}</th>", &[&Html::text(heading)]);
        }
        h.push_markup("</tr></thead><tbody>\n");
        for r in rows {
            text_row(
                &mut h,
                &[
                    &r.name,
                    &r.shortfall,
                    &r.net_cost,
                    &r.cfar,
                    &r.rescued_harmed,
                ],
            );
        }
        h.push_markup("</tbody></table>\n<ul>\n");
        for sentence in crate::quotes::pair_sentences(s) {
            h.line("<li>{}</li>", &[&Html::text(&sentence)]);
        }
        h.push_markup("</ul>\n");
    }
    // MODEL.md sections 16-18: what the insurer's cuts and political events did.
    let cuts = crate::insurer::cut_sentences(s);
    let political = crate::insurer::political_sentence(s);
    if !cuts.is_empty() || political.is_some() {
        h.push_markup("<h2>What the insurer's monitoring and political risk did</h2>\n<ul>\n");
        for sentence in cuts.iter().chain(political.iter()) {
            h.line("<li>{}</li>", &[&Html::text(sentence)]);
        }
        h.push_markup("</ul>\n");
    }
    h.push_markup("<h2>Charts</h2>\n");
    for chart in charts {
        h.line(
            "<figure id=\"{}\" role=\"img\" aria-label=\"{}\">{}<figcaption>{}</figcaption></figure>",
            &[
                &Html::text(chart.name),
                &Html::text(&chart.title),
                &Html::chart_svg(chart),
                &Html::text(chart.caption),
            ],
        );
    }
    h.push_markup("<h2>Assumptions</h2>\n");
    h.push(&assumptions(scenario));
    h.push_markup("<h2>How this was computed</h2>\n");
    h.line(
        "<p>{} simulated paths of {} days, seed {}, scenario file <code>{}</code>, cashrisk {}. \
         Every path is simulated twice on the same random numbers, without and with the policy. \
         The same file, seed and number of paths give the same figures on any machine and \
         any number of threads.</p>",
        &[
            &Html::text(&thousands(s.simulation.paths as f64)),
            &shown(s.simulation.horizon_days),
            &shown(s.simulation.seed),
            &Html::text(&s.scenario.file),
            &Html::text(&s.cashrisk_version),
        ],
    );
    h.push_markup("<h2>What the figures mean</h2>\n");
    h.push_markup(DEFINITIONS);
    h.push_markup("\n</body></html>\n");
    h.into_string()
}

/// The report of a study (`stress`, `sweep`, `sensitivity`): the decision view of its
/// cases: the study's tables ([`crate::study::case_tables`]), its chart, and the
/// verdict of each case.
pub fn render_study(
    title: &str,
    file: &str,
    cases: &[crate::study::Case],
    chart: &Chart,
) -> String {
    let mut h = Html::default();
    let heading = Html::text(title);
    h.line(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — cashrisk</title><style>{}{}</style></head><body>",
        &[&heading, embedded_fonts(), &Html::markup(CSS)],
    );
    h.line("<h1>{}</h1>", &[&heading]);
    if let Some(first) = cases.first() {
        let s = &first.summary;
        h.line(
            "<p class=\"sub\">Scenario file <code>{}</code>: {} cases, each {} paths of {} days \
             on seed {} (the same random numbers in every case, so that a difference \
             between cases is the case, not noise); cashrisk {}.</p>",
            &[
                &Html::text(file),
                &shown(cases.len()),
                &Html::text(&thousands(s.simulation.paths as f64)),
                &shown(s.simulation.horizon_days),
                &shown(s.simulation.seed),
                &Html::text(&s.cashrisk_version),
            ],
        );
    }
    for t in crate::study::case_tables(cases) {
        h.line("<h2>{}</h2>", &[&Html::text(&t.heading)]);
        h.push_markup("<table><thead><tr><th>Case</th>");
        for (column, text) in t.columns.iter().enumerate() {
            h.push(&heading_cell(column, text, cases));
        }
        // A note column ("minimum premium binds") when any row has one.
        if t.rows
            .iter()
            .any(|(_, cells)| cells.len() > t.columns.len())
        {
            h.push_markup("<th>Note</th>");
        }
        h.push_markup("</tr></thead><tbody>\n");
        for (label, cells) in &t.rows {
            let mut row_cells = vec![Html::text(label)];
            row_cells.extend(cells.iter().map(|c| Html::text(c)));
            row(&mut h, &row_cells);
        }
        h.push_markup("</tbody></table>\n");
    }
    h.line(
        "<figure id=\"{}\" role=\"img\" aria-label=\"{}\">{}</figure>",
        &[
            &Html::text(chart.name),
            &Html::text(&chart.title),
            &Html::chart_svg(chart),
        ],
    );
    h.push_markup("<h2>What each case says</h2>\n<dl>\n");
    for case in cases {
        h.line(
            "<dt>{}</dt><dd>{}</dd>",
            &[
                &Html::text(&case.label),
                &Html::text(&headline(&case.summary)),
            ],
        );
    }
    h.push_markup("</dl>\n<h2>What the figures mean</h2>\n");
    h.push_markup(DEFINITIONS);
    h.push_markup("\n</body></html>\n");
    h.into_string()
}

/// A column heading of a study table, in its variant's colour where it names one.
fn heading_cell(column: usize, text: &str, cases: &[crate::study::Case]) -> Html {
    let variants = cases.first().map_or(0, |c| c.summary.variant_count());
    heading(column, text, variants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harm_is_explained_only_where_there_is_some() {
        assert_eq!(
            rescued_and_harmed(0, 0),
            "It neither rescues a path from a shortfall nor tips one into it."
        );
        assert_eq!(
            rescued_and_harmed(1, 0),
            "It rescues 1 path from a shortfall and tips none into one."
        );
        let both = rescued_and_harmed(1234, 2);
        assert!(both.starts_with(
            "It rescues 1,234 paths from a shortfall and tips 2 paths into one (there"
        ));
        assert!(
            rescued_and_harmed(0, 1)
                .starts_with("It rescues no path from a shortfall and tips 1 path")
        );
    }
}

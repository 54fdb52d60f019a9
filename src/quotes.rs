//! The decision view of several quotes (issue 15): for each policy its shortfall
//! probability with interval, net cost, CFaR and the paths it rescues and harms, and
//! for each pair of policies the paired difference, whether it is significant, and so
//! which quote is better. The terminal table and the report render the same rows; the
//! `quotes` chart plots net cost against shortfall probability.

use crate::summary::{Estimate, Summary};
use crate::table::{money, percent, signed_money};

/// One row of the "Quotes compared" table, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRow {
    /// "Uninsured" or the policy's name.
    pub name: String,
    /// P(shortfall) with its interval.
    pub shortfall: String,
    /// Expected net cost a year (a dash uninsured).
    pub net_cost: String,
    /// CFaR (95 %).
    pub cfar: String,
    /// Paths rescued / harmed against uninsured (a dash uninsured).
    pub rescued_harmed: String,
}

/// The column headings of [`rows`].
pub const HEADINGS: [&str; 5] = [
    "",
    "P(shortfall) (95 % interval)",
    "net cost a year",
    "cash-flow-at-risk (95 %)",
    "paths rescued / harmed",
];

/// The rows of the table: uninsured, then each policy; `None` with fewer than two
/// policies (the main table says it all).
pub fn rows(s: &Summary) -> Option<Vec<QuoteRow>> {
    if s.shown_policies().len() < 2 {
        return None;
    }
    let c = s.scenario.currency.as_str();
    let interval = |e: &Estimate| {
        format!(
            "{} ({:.2}-{:.2})",
            percent(e.estimate),
            100.0 * e.ci95[0],
            100.0 * e.ci95[1]
        )
    };
    let mut rows = vec![QuoteRow {
        name: "Uninsured".to_string(),
        shortfall: interval(&s.uninsured.shortfall_probability),
        net_cost: "-".to_string(),
        cfar: money(c, s.uninsured.cfar95),
        rescued_harmed: "-".to_string(),
    }];
    for p in s.shown_policies() {
        rows.push(QuoteRow {
            name: p.name.clone(),
            shortfall: interval(&p.figures.common.shortfall_probability),
            net_cost: money(c, p.decision.net_cost_per_year),
            cfar: money(c, p.figures.common.cfar95),
            rescued_harmed: format!(
                "{} / {}",
                crate::table::thousands(p.difference.paths_rescued as f64),
                crate::table::thousands(p.difference.paths_harmed as f64)
            ),
        });
    }
    Some(rows)
}

/// One sentence per pair of policies: which one gives the lower shortfall
/// probability, by how much (with the paired interval), whether that is more than the
/// simulation's noise, and the difference in mean end balance.
pub fn pair_sentences(s: &Summary) -> Vec<String> {
    let c = s.scenario.currency.as_str();
    let pp = |x: f64| format!("{:.2}", 100.0 * x);
    s.policy_pairs
        .iter()
        .map(|pair| {
            let d = &pair.shortfall_probability;
            // Orient the sentence on the better quote: the one with fewer shortfalls.
            let (better, worse, sign) = if d.estimate <= 0.0 {
                (&pair.second, &pair.first, -1.0)
            } else {
                (&pair.first, &pair.second, 1.0)
            };
            let (low, high) = if sign < 0.0 {
                (-d.ci95[1], -d.ci95[0])
            } else {
                (d.ci95[0], d.ci95[1])
            };
            let significant = if d.ci95[0] > 0.0 || d.ci95[1] < 0.0 {
                "a difference beyond the simulation's noise"
            } else {
                "within the simulation's noise (the interval includes 0)"
            };
            let e = &pair.end_balance_mean;
            let end = sign * -e.estimate;
            let (e_low, e_high) = if sign < 0.0 {
                (e.ci95[0], e.ci95[1])
            } else {
                (-e.ci95[1], -e.ci95[0])
            };
            if d.estimate == 0.0 && pair.first_only == 0 && pair.second_only == 0 {
                return format!(
                    "\"{}\" and \"{}\" give the same shortfalls on every path; the mean end \
                     balance differs by {} ({} to {}).",
                    pair.first,
                    pair.second,
                    signed_money(c, e.estimate),
                    crate::table::thousands(e.ci95[0]),
                    crate::table::thousands(e.ci95[1])
                );
            }
            format!(
                "\"{better}\" gives a lower shortfall probability than \"{worse}\" by {} \
                 percentage points ({} to {}), {significant}; its mean end balance differs \
                 by {} ({} to {}).",
                pp(d.estimate.abs()),
                pp(low),
                pp(high),
                signed_money(c, end),
                crate::table::thousands(e_low),
                crate::table::thousands(e_high)
            )
        })
        .collect()
}

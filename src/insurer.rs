//! What the insurer's behaviour and political risk did on the paths, in sentences
//! (MODEL.md sections 16-18): the terminal table and the report print the same words.
//! For each policy with monitoring or a downturn, how many buyers it cut and how many
//! of them were false alarms, what the company did not deliver with stop_sales, how
//! often a downturn cut every limit, and what all this changed about the chance of a
//! shortfall; for a file with countries, how often each had a political event.

use crate::summary::Summary;
use crate::table::{money, percent, percent_interval, points_interval, signed_money};

/// One sentence per policy with limit cuts; empty without any.
pub fn cut_sentences(s: &Summary) -> Vec<String> {
    let c = s.scenario.currency.as_str();
    let mut out = Vec::new();
    for p in s.shown_policies() {
        let Some(cuts) = p.figures.limit_cuts else {
            continue;
        };
        let mut parts = Vec::new();
        if cuts.decisions.mean > 0.0 {
            parts.push(format!(
                "its monitoring cut {:.2} buyers a path on average, {:.2} of them false alarms",
                cuts.decisions.mean, cuts.false_alarms.mean
            ));
        }
        if cuts.not_delivered.mean > 0.0 {
            parts.push(format!(
                "the company then did not deliver {} a path (stop_sales), which changed its \
                 end balance by {}",
                money(c, cuts.not_delivered.mean),
                signed_money(c, cuts.sales_not_made.mean)
            ));
        }
        if let Some(share) = cuts.downturn_probability {
            parts.push(format!(
                "a downturn cut every limit in {} of paths",
                percent(share)
            ));
        }
        let change = &cuts.shortfall_change;
        let noise = if change.ci95[0] <= 0.0 && change.ci95[1] >= 0.0 {
            "within the simulation's noise"
        } else if change.estimate > 0.0 {
            "beyond the noise: the cuts leave the company more exposed"
        } else {
            "beyond the noise: the cuts protect the company"
        };
        let what = if parts.is_empty() {
            "no limit was cut on any path".to_string()
        } else {
            parts.join("; ")
        };
        out.push(format!(
            "\"{}\": {what}. Without these cuts P(shortfall) would be {}; they change it by \
             {}, {noise}.",
            p.name,
            percent_interval(&cuts.shortfall_without_cuts),
            points_interval(change)
        ));
    }
    out
}

/// The political events of each country, as one sentence; `None` without countries.
pub fn political_sentence(s: &Summary) -> Option<String> {
    let events = &s.simulation.political_events;
    if events.is_empty() {
        return None;
    }
    let each: Vec<String> = events
        .iter()
        .map(|e| format!("{} in {} of paths", e.country, percent(e.mean)))
        .collect();
    Some(format!(
        "Political events (a moratorium or import ban) within the horizon: {}.",
        each.join(", ")
    ))
}

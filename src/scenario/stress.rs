//! Stress cases: what each override does to the raw file (MODEL.md sections 9 and 12),
//! and the built-in cases of `cashrisk stress`. A case is applied as a
//! [`super::WhatIf`]: the overrides, then full validation.

use super::raw::{RawBuyer, RawLgd, RawMember, RawPolicy, RawScenario};
use super::{Scenario, StressCase};

/// The built-in stress cases of `cashrisk stress`, in this order:
/// - the largest buyer (named buyer or group member with the largest share; the first
///   in file order on a tie) defaults on day 90;
/// - recession: pd x2.5, correlation 0.24, delays x1.5, revenue x0.85, limits x0.5;
/// - late-payment wave: on-time x0.5, delays x2;
/// - the insurer cuts every credit limit by half;
/// - with a policy, insurers cut every limit by 30 % from day 90 in every path (a
///   downturn of MODEL.md section 16 that the insurer acts on everywhere);
/// - with countries, a moratorium in the largest export country (MODEL.md section 17)
///   from day 90, for its `moratorium_days`.
pub fn builtin(base: &Scenario) -> Vec<StressCase> {
    let mut cases = Vec::new();
    let mut largest: Option<(f64, String)> = None;
    for b in &base.buyers {
        if largest.as_ref().is_none_or(|(s, _)| b.share > *s) {
            largest = Some((b.share, b.name.clone()));
        }
    }
    for g in &base.groups {
        if largest.as_ref().is_none_or(|(s, _)| g.terms.share > *s) {
            largest = Some((g.terms.share, super::buyers::member_name(&g.terms.name, 1)));
        }
    }
    if let Some((_, name)) = largest {
        cases.push(StressCase {
            name: format!("Built-in: largest buyer ({name}) defaults on day 90"),
            force_default: vec![super::ForcedDefault {
                buyer: name,
                day: 90,
            }],
            ..StressCase::default()
        });
    }
    cases.push(StressCase {
        name: "Built-in: recession".to_string(),
        pd_multiplier: Some(2.5),
        correlation: Some(0.24),
        delay_multiplier: Some(1.5),
        revenue_multiplier: Some(0.85),
        limit_multiplier: Some(0.5),
        ..StressCase::default()
    });
    cases.push(StressCase {
        name: "Built-in: late-payment wave".to_string(),
        on_time_multiplier: Some(0.5),
        delay_multiplier: Some(2.0),
        ..StressCase::default()
    });
    cases.push(StressCase {
        name: "Built-in: insurer halves every limit".to_string(),
        limit_multiplier: Some(0.5),
        ..StressCase::default()
    });
    if !base.policies.is_empty() {
        cases.push(StressCase {
            name: format!("Built-in: insurers cut limits (x{CUT_MULTIPLIER} from day {CUT_DAY})"),
            downturn: Some((CUT_DAY, CUT_MULTIPLIER)),
            ..StressCase::default()
        });
    }
    if let Some(country) = largest_export_country(base) {
        cases.push(StressCase {
            name: format!(
                "Built-in: moratorium ({}, from day {MORATORIUM_DAY})",
                base.countries[country].name
            ),
            political_event: vec![super::ForcedEvent {
                country,
                day: MORATORIUM_DAY,
            }],
            ..StressCase::default()
        });
    }
    cases
}

/// The built-in broad limit cut: every limit x0.7 (Euler Hermes cut discretionary
/// cover by 30 % in 2008-09, DOMAIN.md) from day 90, in every path.
const CUT_MULTIPLIER: f64 = 0.7;
const CUT_DAY: u32 = 90;

/// The day of the built-in moratorium: a quarter into the year, like the largest
/// buyer's default, so that it catches invoices already delivered.
const MORATORIUM_DAY: u32 = 90;

/// The country whose buyers take the largest share of sales (named buyers' shares and
/// groups' combined shares; the first in file order on a tie), if any buyer has one.
fn largest_export_country(base: &Scenario) -> Option<usize> {
    let mut shares = vec![0.0; base.countries.len()];
    for b in &base.buyers {
        if let Some(c) = b.country {
            shares[c] += b.share;
        }
    }
    for g in &base.groups {
        if let Some(c) = g.terms.country {
            shares[c] += g.total_share;
        }
    }
    let mut best: Option<usize> = None;
    for (c, &share) in shares.iter().enumerate() {
        if share > 0.0 && best.is_none_or(|b| share > shares[b]) {
            best = Some(c);
        }
    }
    best
}

/// The prefix of every built-in case's name.
const BUILTIN: &str = "Built-in: ";

/// A built-in case's name without "Built-in: " and, for the largest buyer, without
/// the buyer and day: the name `run --stress` accepts.
pub fn short_name(name: &str) -> &str {
    let short = name.strip_prefix(BUILTIN).unwrap_or(name);
    match short.split_once(" (") {
        Some((head, _))
            if head == "largest buyer" || head == "moratorium" || head == "insurers cut limits" =>
        {
            head
        }
        _ => short,
    }
}

/// True when `asked` names the built-in case `name`: its whole name or its short name,
/// case ignored.
pub fn builtin_matches(name: &str, asked: &str) -> bool {
    let asked = asked.trim();
    name.eq_ignore_ascii_case(asked) || short_name(name).eq_ignore_ascii_case(asked)
}

/// Applies every override of `case` to `raw` as MODEL.md sections 3, 12 and 21 define
/// them. With `only`, the buyer overrides reach the named buyers, groups and members
/// alone: a member gets a table of its own (the group's, stressed) in
/// `raw.member_tables`. The names were checked when the file was validated.
pub fn apply_overrides(raw: &mut RawScenario, case: &StressCase) {
    let targeted = |name: &Option<String>| {
        case.only.is_empty() || name.as_ref().is_some_and(|n| case.only.contains(n))
    };
    for t in raw.buyers.iter_mut().chain(raw.buyer_groups.iter_mut()) {
        if targeted(&t.name) {
            stress_table(t, case);
        }
    }
    for name in &case.only {
        let Some((group, k)) = super::buyers::parse_member(name) else {
            continue;
        };
        let Some(i) = raw
            .buyer_groups
            .iter()
            .position(|g| g.name.as_deref() == Some(group))
        else {
            continue;
        };
        if case.only.iter().any(|n| n == group) {
            continue; // refused by validation: the group is stressed already
        }
        let mut table = raw.buyer_groups[i].clone();
        stress_table(&mut table, case);
        raw.member_tables.push(RawMember { group: i, k, table });
    }
    if let Some(rho) = case.correlation
        && case.only.is_empty()
    {
        raw.credit.get_or_insert_with(Default::default).correlation = Some(rho);
    }
    if let Some(k) = case.revenue_multiplier
        && let Some(revenue) = raw.revenue.as_mut()
    {
        revenue.monthly = revenue.monthly.map(|m| m * k);
    }
    // Section 16: a downturn in every path for every policy (a z_below above any
    // common factor a path can draw).
    if let Some((from_day, limit_multiplier)) = case.downturn {
        let policies = raw
            .insurance
            .iter_mut()
            .chain(raw.policies.iter_mut().flatten());
        for policy in policies {
            policy.downturn = Some(super::raw::RawDownturn {
                z_below: Some(super::keys::MAX_MONEY),
                from_day: Some(from_day as i64),
                limit_multiplier: Some(limit_multiplier),
            });
        }
    }
    // Section 17: the country keys apply to every country, `only` or not.
    for country in &mut raw.countries {
        if let Some(w) = case.country_correlation {
            country.correlation = Some(w);
        }
        if let (Some(k), Some(pd)) = (case.political_pd_multiplier, country.political_pd.as_mut()) {
            *pd = (*pd * k).min(0.999);
        }
    }
    if let Some(k) = case.limit_multiplier {
        let policies = raw
            .insurance
            .iter_mut()
            .chain(raw.policies.iter_mut().flatten());
        for policy in policies {
            if case.only.is_empty() {
                policy.default_limit = policy.default_limit.map(|l| l * k);
                for limit in policy.limits.iter_mut().flat_map(|l| l.values_mut()) {
                    *limit *= k;
                }
            } else {
                scale_limits(policy, &raw.buyers, &raw.buyer_groups, case, k);
            }
        }
    }
}

/// The overrides of `case` that act on one buyer's (or group's) table. Under `only`,
/// `correlation` becomes the table's own correlation; otherwise it replaces only an
/// own correlation (the global one is replaced apart).
fn stress_table(t: &mut RawBuyer, case: &StressCase) {
    if let (Some(k), Some(pd)) = (case.pd_multiplier, t.pd.as_mut()) {
        *pd = (*pd * k).min(0.999);
    }
    if let Some(rho) = case.correlation
        && (t.correlation.is_some() || !case.only.is_empty())
    {
        t.correlation = Some(rho);
    }
    if let Some(delay) = t.delay.as_mut() {
        if let Some(k) = case.delay_multiplier {
            delay.mean_days = delay.mean_days.map(|m| m * k);
            delay.sd_days = delay.sd_days.map(|s| s * k);
        }
        if let Some(k) = case.on_time_multiplier {
            delay.on_time = Some((delay.on_time.unwrap_or(0.0) * k).min(1.0));
        }
    }
    if let (Some(k), Some(limit)) = (case.limit_multiplier, t.limit.as_mut()) {
        *limit *= k;
    }
    // A result below 0 is refused by the validation that follows, naming the case and
    // the buyer.
    if let (Some(add), Some(terms)) = (case.terms_days_add, t.terms_days.as_mut()) {
        *terms = terms.saturating_add(add);
    }
    if let Some(add) = case.lgd_add {
        match t.lgd.as_mut() {
            Some(RawLgd::Fixed(v)) => *v = (*v + add).min(1.0),
            Some(RawLgd::Beta(beta)) => {
                if let Some(mean) = beta.mean {
                    let shifted = (mean + add).min(1.0);
                    if shifted >= 1.0 {
                        t.lgd = Some(RawLgd::Fixed(1.0));
                    } else {
                        beta.mean = Some(shifted);
                    }
                }
            }
            None => {}
        }
    }
}

/// `limit_multiplier` under `only`: each named buyer's, group's or member's limit under
/// `policy` is scaled, whichever of them (section 14) sets it. Where the default limit
/// or a group's entry sets it, the buyer gets an entry of its own (that limit, scaled),
/// so that the others keep theirs; an own `limit` was scaled with the buyer's table.
fn scale_limits(
    policy: &mut RawPolicy,
    buyers: &[RawBuyer],
    groups: &[RawBuyer],
    case: &StressCase,
    k: f64,
) {
    let default = policy.default_limit.unwrap_or(0.0);
    let limits = policy.limits.get_or_insert_with(Default::default);
    let named = |name: &str, tables: &[RawBuyer]| {
        tables
            .iter()
            .find(|t| t.name.as_deref() == Some(name))
            .map(|t| t.limit.is_some())
    };
    for name in &case.only {
        let group_own = super::buyers::parse_member(name)
            .and_then(|(group, _)| named(group, groups).map(|own| (group, own)));
        if let Some(limit) = limits.get_mut(name) {
            *limit *= k;
        } else if let Some((group, own)) = group_own {
            if let Some(&entry) = limits.get(group) {
                limits.insert(name.clone(), entry * k);
            } else if !own {
                limits.insert(name.clone(), default * k);
            }
        } else if named(name, buyers).or(named(name, groups)) == Some(false) {
            limits.insert(name.clone(), default * k);
        }
        if named(name, groups).is_some() {
            let prefix = format!("{name}#");
            for (member, limit) in limits.iter_mut() {
                if member.starts_with(&prefix) {
                    *limit *= k;
                }
            }
        }
    }
}

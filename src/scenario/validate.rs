//! From the raw structs to a validated [`Scenario`]: every key checked against its
//! description in [`super::keys`], every default filled in, every problem collected.

use super::checker::Checker;
use super::errors::{KeyPath, Problem};
use super::keys::{self, Range};
use super::raw::*;
use super::*;

/// Most buyers a file may have in all (named buyers plus group members).
pub const MAX_BUYERS: u64 = 10_000_000;

/// Validates the raw structs, returning every problem found.
pub fn validate(raw: &RawScenario) -> Result<Inputs, Vec<Problem>> {
    let mut c = Checker::default();
    let root = KeyPath::root();

    let meta = raw.scenario.clone().unwrap_or_default();
    let at = root.key("scenario");
    let name = c.text(&at, &keys::NAME, &meta.name);
    let currency = c.text(&at, &keys::CURRENCY, &meta.currency);
    if currency.trim().is_empty() {
        c.push(at.key("currency"), "is empty; use a label such as \"EUR\"");
    }
    let description = c.text(&at, &keys::DESCRIPTION, &meta.description);

    let sim = raw.simulation.clone().unwrap_or_default();
    let at = root.key("simulation");
    let horizon_days = c.days(&at, &keys::HORIZON_DAYS, sim.horizon_days);
    let paths = c.whole(&at, &keys::PATHS, sim.paths) as u64;
    let seed = sim.seed.unwrap_or(0);
    let start_month = c.whole(&at, &keys::START_MONTH, sim.start_month) as u32;

    let company = raw.company.clone().unwrap_or_default();
    let at = root.key("company");
    let opening_cash = c.number(&at, &keys::OPENING_CASH, company.opening_cash);
    let credit_line = c.number(&at, &keys::CREDIT_LINE, company.credit_line);
    let credit_line_rate = c.number(&at, &keys::CREDIT_LINE_RATE, company.credit_line_rate);
    let deposit_rate = c.number(&at, &keys::DEPOSIT_RATE, company.deposit_rate);
    let min_headroom = c.number(&at, &keys::MIN_HEADROOM, company.min_headroom);

    let revenue = raw.revenue.clone().unwrap_or_default();
    let at = root.key("revenue");
    let revenue_monthly = c.number(&at, &keys::MONTHLY, revenue.monthly);
    let revenue_growth = c.number(&at, &keys::GROWTH, revenue.growth);
    let revenue_volatility = c.number(&at, &keys::VOLATILITY, revenue.volatility);
    let seasonality = seasonality(&mut c, &at, &revenue.seasonality);

    let costs = raw.costs.clone().unwrap_or_default();
    let at = root.key("costs");
    let variable_ratio = c.number(&at, &keys::VARIABLE_RATIO, costs.variable_ratio);
    let supplier_terms_days = c.days(&at, &keys::SUPPLIER_TERMS_DAYS, costs.supplier_terms_days);
    let fixed_monthly = c.number(&at, &keys::FIXED_MONTHLY, costs.fixed_monthly);
    let mut scheduled = Vec::new();
    for (i, s) in costs.scheduled.iter().flatten().enumerate() {
        let at = at.key("scheduled").index(i, s.label.as_deref());
        scheduled.push(ScheduledFlow {
            day: c.days(&at, &keys::SCHEDULED_DAY, s.day),
            amount: c.number(&at, &keys::SCHEDULED_AMOUNT, s.amount),
            label: c.text(&at, &keys::SCHEDULED_LABEL, &s.label),
            every_days: s
                .every_days
                .map(|_| c.whole(&at, &keys::SCHEDULED_EVERY_DAYS, s.every_days) as u32),
        });
    }

    let credit = raw.credit.clone().unwrap_or_default();
    let at = root.key("credit");
    let correlation = c.number(&at, &keys::CORRELATION, credit.correlation);
    let recovery_lag_days = c.days(&at, &keys::RECOVERY_LAG_DAYS, credit.recovery_lag_days);

    let countries = countries(&mut c, raw);
    let (buyers, groups) = buyers_and_groups(&mut c, raw, &countries);
    country_loadings(&mut c, correlation, &buyers, &groups, &countries);

    let policies = policies(&mut c, raw, &buyers, &groups);

    let financing = raw.financing.as_ref().map(|f| {
        let at = root.key("financing");
        let advance_rate = c.number(&at, &keys::ADVANCE_RATE, f.advance_rate);
        Financing {
            advance_rate,
            insured_advance_rate: c
                .maybe_number(&at, &keys::INSURED_ADVANCE_RATE, f.insured_advance_rate)
                .unwrap_or(advance_rate),
            max_days_past_due: c.days(&at, &keys::MAX_DAYS_PAST_DUE, f.max_days_past_due),
            facility_limit: c
                .maybe_number(&at, &keys::FACILITY_LIMIT, f.facility_limit)
                .unwrap_or(f64::INFINITY),
            insured_rate_reduction: c.number(
                &at,
                &keys::INSURED_RATE_REDUCTION,
                f.insured_rate_reduction,
            ),
        }
    });
    let receivables = receivables(&mut c, raw, &buyers, &groups);
    let stress = stress_cases(&mut c, raw, &buyers, &groups, &countries);

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(Inputs {
        name,
        description,
        currency,
        horizon_days,
        paths,
        seed,
        start_month,
        opening_cash,
        credit_line,
        credit_line_rate,
        deposit_rate,
        min_headroom,
        revenue_monthly,
        revenue_growth,
        revenue_volatility,
        seasonality,
        variable_ratio,
        supplier_terms_days,
        fixed_monthly,
        scheduled,
        correlation,
        recovery_lag_days,
        buyers,
        groups,
        policies,
        financing,
        receivables,
        stress,
        forced_defaults: Vec::new(),
        countries,
        forced_events: Vec::new(),
        applied_stress: None,
    })
}

/// Most policies a file may compare (MODEL.md section 14).
pub const MAX_POLICIES: usize = 6;

/// `[insurance]` (one policy named "Insured") or the `[[policies]]` (1 to 6, names
/// unique), each with its limits naming buyers, groups or members of the file.
fn policies(
    c: &mut Checker,
    raw: &RawScenario,
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
) -> Vec<Policy> {
    let root = KeyPath::root();
    let mut out = Vec::new();
    if let Some(ins) = &raw.insurance {
        let at = root.key("insurance");
        if raw.policies.is_some() {
            c.push(
                root.key("policies"),
                "is given together with [insurance]; a file has one or the other: move the \
                 [insurance] keys into a [[policies]] entry with a name, or remove [[policies]]",
            );
        }
        if ins.name.is_some() {
            c.push(
                at.key("name"),
                "is only for [[policies]]: the policy of [insurance] is called \"Insured\"; \
                 remove it, or write the policy as a [[policies]] entry",
            );
        }
        let name = "Insured".to_string();
        out.push(policy(
            c,
            &at,
            ins,
            name,
            "insurance".into(),
            buyers,
            groups,
        ));
        return out;
    }
    let Some(list) = &raw.policies else {
        return out;
    };
    if list.is_empty() {
        c.push(
            root.key("policies"),
            "is empty; give 1 to 6 [[policies]] entries, or remove the key",
        );
    }
    if list.len() > MAX_POLICIES {
        c.push(
            root.key("policies"),
            format!(
                "has {} policies; at most {MAX_POLICIES} are compared in one run: \
                 split the quotes over two files",
                list.len()
            ),
        );
    }
    for (i, p) in list.iter().enumerate() {
        let at = root.key("policies").index(i, p.name.as_deref());
        let name = c.text(&at, &keys::POLICY_NAME, &p.name);
        if out.iter().any(|q: &Policy| q.name == name) && !name.is_empty() {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; give each policy its own name"),
            );
        } else if name.trim().eq_ignore_ascii_case("uninsured") {
            c.push(
                at.key("name"),
                "\"Uninsured\" names the results without a policy; give the policy another name",
            );
        }
        let key = format!("policies[{name:?}]");
        out.push(policy(c, &at, p, name, key, buyers, groups));
    }
    out
}

/// One policy's terms at `at`.
fn policy(
    c: &mut Checker,
    at: &KeyPath,
    p: &RawPolicy,
    name: String,
    key: String,
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
) -> Policy {
    let mut limits = std::collections::BTreeMap::new();
    for (buyer, &limit) in p.limits.iter().flatten() {
        let path = at.key(keys::LIMITS.name()).key(buyer);
        let known = super::buyers::index_of(buyers, groups, buyer).is_some()
            || groups.iter().any(|g| &g.terms.name == buyer);
        if !known {
            let message = super::buyers::unknown_target_message(buyer, buyers, groups);
            c.push(
                path.clone(),
                format!("{message} (limits name buyers, groups or members GROUP#k)"),
            );
        }
        limits.insert(buyer.clone(), c.check(path, limit, Range::NonNegMoney));
    }
    Policy {
        name,
        key,
        indemnity: c.number(at, &keys::INDEMNITY, p.indemnity),
        premium_rate: c.number(at, &keys::PREMIUM_RATE, p.premium_rate),
        minimum_premium: c.number(at, &keys::MINIMUM_PREMIUM, p.minimum_premium),
        aggregate_first_loss: c.number(at, &keys::AGGREGATE_FIRST_LOSS, p.aggregate_first_loss),
        max_liability: c
            .maybe_number(at, &keys::MAX_LIABILITY, p.max_liability)
            .unwrap_or(f64::INFINITY),
        waiting_period_days: c.days(at, &keys::WAITING_PERIOD_DAYS, p.waiting_period_days),
        settlement_days: c.days(at, &keys::SETTLEMENT_DAYS, p.settlement_days),
        default_limit: c.number(at, &keys::DEFAULT_LIMIT, p.default_limit),
        limits,
        political_cover: c.flag(&keys::POLITICAL_COVER, p.political_cover),
        monitoring: p.monitoring.as_ref().map(|m| {
            let at = at.key("monitoring");
            Monitoring {
                detection: c.number(&at, &keys::DETECTION, m.detection),
                lead_days: c.days(&at, &keys::LEAD_DAYS, m.lead_days),
                keep: c.number(&at, &keys::KEEP, m.keep),
                false_alarm: c.number(&at, &keys::FALSE_ALARM, m.false_alarm),
                stop_sales: c.flag(&keys::STOP_SALES, m.stop_sales),
            }
        }),
        downturn: p.downturn.as_ref().map(|d| {
            let at = at.key("downturn");
            Downturn {
                z_below: c.number(&at, &keys::Z_BELOW, d.z_below),
                from_day: c.days(&at, &keys::FROM_DAY, d.from_day),
                limit_multiplier: c.number(
                    &at,
                    &keys::DOWNTURN_LIMIT_MULTIPLIER,
                    d.limit_multiplier,
                ),
            }
        }),
    }
}

/// Most countries a file may have (a path marks its countries' events in one word).
pub const MAX_COUNTRIES: usize = 64;

/// The `[[countries]]` (MODEL.md section 17), names unique, at most [`MAX_COUNTRIES`].
fn countries(c: &mut Checker, raw: &RawScenario) -> Vec<Country> {
    let mut out: Vec<Country> = Vec::new();
    if raw.countries.len() > MAX_COUNTRIES {
        c.push(
            KeyPath::root().key("countries"),
            format!(
                "has {} countries; at most {MAX_COUNTRIES} are supported: give the smallest \
                 markets one country entry together",
                raw.countries.len()
            ),
        );
    }
    for (i, r) in raw.countries.iter().enumerate() {
        let at = KeyPath::root().key("countries").index(i, r.name.as_deref());
        let name = c.text(&at, &keys::COUNTRY_NAME, &r.name);
        if !name.is_empty() && out.iter().any(|x| x.name == name) {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; give each country its own name"),
            );
        }
        out.push(Country {
            name,
            correlation: c.number(&at, &keys::COUNTRY_CORRELATION, r.correlation),
            political_pd: c.number(&at, &keys::POLITICAL_PD, r.political_pd),
            moratorium_days: c.days(&at, &keys::MORATORIUM_DAYS, r.moratorium_days),
        });
    }
    out
}

/// rho(b) + w(c) < 1 for every buyer with a country (MODEL.md section 17): the buyer's
/// own factor keeps a positive loading sqrt(1 - rho - w).
fn country_loadings(
    c: &mut Checker,
    global_rho: f64,
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
    countries: &[Country],
) {
    let root = KeyPath::root();
    let mut all: Vec<(KeyPath, &BuyerTerms)> = Vec::new();
    for (i, b) in buyers.iter().enumerate() {
        all.push((root.key("buyers").index(i, Some(&b.name)), b));
    }
    for (i, g) in groups.iter().enumerate() {
        all.push((
            root.key("buyer_groups").index(i, Some(&g.terms.name)),
            &g.terms,
        ));
        for (&k, m) in &g.members {
            let name = super::buyers::member_name(&g.terms.name, k);
            all.push((root.key("buyer_groups").index(i, Some(&name)), m));
        }
    }
    for (at, terms) in all {
        let Some(country) = terms.country.and_then(|k| countries.get(k)) else {
            continue;
        };
        let rho = terms.correlation.unwrap_or(global_rho);
        if rho + country.correlation >= 1.0 {
            let whose = match terms.correlation {
                Some(_) => "its correlation",
                None => "credit.correlation",
            };
            c.push(
                at.key("country"),
                format!(
                    "the buyer's correlation {rho} ({whose}) and the correlation {} of \"{}\" \
                     add up to {}; rho + w must be below 1 so that the buyer keeps a factor of \
                     its own: lower one of them",
                    country.correlation,
                    country.name,
                    rho + country.correlation
                ),
            );
        }
    }
}

/// The `[[receivables]]`: each of a named buyer or a group member, issued on or before
/// day 0 and due on or after its issue day; an overdue one only of a buyer that pays
/// late at times (MODEL.md section 20).
fn receivables(
    c: &mut Checker,
    raw: &RawScenario,
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
) -> Vec<OpeningReceivable> {
    let mut out = Vec::new();
    for (i, r) in raw.receivables.iter().enumerate() {
        let at = KeyPath::root().key("receivables").index(i, None);
        let buyer = c.text(&at, &keys::RECEIVABLE_BUYER, &r.buyer);
        let amount = c.number(&at, &keys::RECEIVABLE_AMOUNT, r.amount);
        let issue_day = c.whole(&at, &keys::RECEIVABLE_ISSUE_DAY, r.issue_day);
        let due_day = c.whole(&at, &keys::RECEIVABLE_DUE_DAY, r.due_day);
        if r.issue_day.is_some() && r.due_day.is_some() && due_day < issue_day {
            c.push(
                at.key("due_day"),
                format!(
                    "is {due_day}, before the issue day {issue_day}; an invoice falls due \
                     on or after the day it is issued"
                ),
            );
        }
        let index = super::buyers::index_of(buyers, groups, &buyer);
        match index {
            None if !buyer.is_empty() => {
                let message = if groups.iter().any(|g| g.terms.name == buyer) {
                    format!(
                        "\"{buyer}\" is a group; an invoice is owed by one of its members: \
                         write \"{}\"",
                        super::buyers::member_name(&buyer, 1)
                    )
                } else {
                    super::buyers::unknown_buyer_message(&buyer, buyers, groups)
                };
                c.push(at.key("buyer"), message);
            }
            Some(b) if due_day < 0 => {
                let terms = match b.checked_sub(buyers.len()) {
                    None => &buyers[b],
                    Some(mut k) => {
                        let mut g = 0;
                        while k >= groups[g].count as usize {
                            k -= groups[g].count as usize;
                            g += 1;
                        }
                        &groups[g].terms
                    }
                };
                if terms.delay.is_none() {
                    c.push(
                        at.key("due_day"),
                        format!(
                            "is {due_day}: the invoice is overdue on day 0, but \"{buyer}\" has \
                             no delay table and so always pays on time; give the buyer a \
                             `delay` table, or the invoice a due_day >= 0"
                        ),
                    );
                }
            }
            _ => {}
        }
        out.push(OpeningReceivable {
            buyer,
            buyer_index: index.unwrap_or(0),
            amount,
            issue_day,
            due_day,
        });
    }
    out
}

fn seasonality(c: &mut Checker, at: &KeyPath, factors: &Option<Vec<f64>>) -> Option<[f64; 12]> {
    let factors = factors.as_ref()?;
    let path = at.key(keys::SEASONALITY.name());
    if factors.len() != 12 {
        c.push(
            path,
            format!(
                "has {} factors; give exactly 12, one per calendar month from January",
                factors.len()
            ),
        );
        return None;
    }
    let keys::Kind::Factors { each, .. } = keys::SEASONALITY.kind else {
        unreachable!("seasonality holds factors")
    };
    let mut out = [1.0; 12];
    for (i, x) in factors.iter().enumerate() {
        out[i] = c.check(path.index(i, None), *x, each);
    }
    Some(out)
}

/// The named buyers and the groups, with the checks that look across them: unique
/// names, names that clash with a group member, the number of buyers, the share sum.
fn buyers_and_groups(
    c: &mut Checker,
    raw: &RawScenario,
    countries: &[Country],
) -> (Vec<BuyerTerms>, Vec<BuyerGroup>) {
    let root = KeyPath::root();
    let mut buyers = Vec::new();
    let mut all_names: Vec<(String, KeyPath)> = Vec::new();
    for (i, b) in raw.buyers.iter().enumerate() {
        let at = root.key("buyers").index(i, b.name.as_deref());
        if b.count.is_some() {
            c.push(
                at.key("count"),
                "is only for [[buyer_groups]]: a named buyer is one customer; remove it, \
                 or make this entry a [[buyer_groups]] entry",
            );
        }
        let terms = buyer_terms(c, &at, b, countries);
        all_names.push((terms.name.clone(), at));
        buyers.push(terms);
    }
    let mut groups = Vec::new();
    for (i, g) in raw.buyer_groups.iter().enumerate() {
        let at = root.key("buyer_groups").index(i, g.name.as_deref());
        let count = c.whole(&at, &keys::GROUP_COUNT, g.count) as u32;
        let mut terms = buyer_terms(c, &at, g, countries);
        let total_share = terms.share;
        terms.share = total_share / count as f64;
        all_names.push((terms.name.clone(), at));
        groups.push(BuyerGroup {
            terms,
            count,
            total_share,
            members: Default::default(),
        });
    }
    // Members a targeted stress case gave tables of their own (MODEL.md section 21).
    for m in &raw.member_tables {
        let Some(group) = groups.get_mut(m.group) else {
            continue;
        };
        let name = super::buyers::member_name(&group.terms.name, m.k);
        let at = root.key("buyer_groups").index(m.group, Some(&name));
        let mut terms = buyer_terms(c, &at, &m.table, countries);
        terms.name = group.terms.name.clone();
        terms.share = group.terms.share;
        group.members.insert(m.k, terms);
    }
    // Hash sets, not pairwise comparisons: a file may list 100,000 buyers.
    let group_counts: std::collections::HashMap<&str, u32> = groups
        .iter()
        .map(|g| (g.terms.name.as_str(), g.count))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (name, at) in &all_names {
        if name.is_empty() {
            continue;
        }
        if !seen.insert(name.as_str()) {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; every buyer and group needs its own name"),
            );
        }
        if let Some((group, k)) = super::buyers::parse_member(name)
            && group_counts.get(group).is_some_and(|&count| k <= count)
        {
            c.push(
                at.key("name"),
                format!("\"{name}\" is also the name of a member of group \"{group}\"; rename it"),
            );
        }
    }
    // Buyer b draws on streams 1 + b and 2^31 + b (crate::rng): the total must stay far
    // below 2^30 so that no two buyers, and no user stream, share one.
    let total_buyers = buyers.len() as u64 + groups.iter().map(|g| g.count as u64).sum::<u64>();
    if total_buyers > MAX_BUYERS {
        c.push(
            root.key("buyer_groups"),
            format!(
                "the file has {total_buyers} buyers in all (named buyers and group members); \
                 at most {MAX_BUYERS} are supported: model the smallest buyers as fewer, \
                 larger ones (a smaller `count` with the same combined `share`)"
            ),
        );
    }
    // Summed in file order, named buyers first (MODEL.md section 12).
    let mut share_sum = 0.0;
    for b in &buyers {
        share_sum += b.share;
    }
    for g in &groups {
        share_sum += g.total_share;
    }
    if share_sum > 1.0 + 1e-9 {
        c.push(
            root.key("buyers"),
            format!(
                "the shares of all buyers and groups add up to {share_sum:.6}, more than 1; \
                 lower them so that they sum to at most 1 (the rest is sold for cash)"
            ),
        );
    }
    (buyers, groups)
}

/// The fields named buyers and groups share (for a group, `share` is still the
/// combined share here).
fn buyer_terms(c: &mut Checker, at: &KeyPath, b: &RawBuyer, countries: &[Country]) -> BuyerTerms {
    let name = c.text(at, &keys::BUYER_NAME, &b.name);
    let share = c.number(at, &keys::SHARE, b.share);
    let terms_days = c.days(at, &keys::TERMS_DAYS, b.terms_days);
    let pd = c.number(at, &keys::PD, b.pd);
    let lgd = match &b.lgd {
        None => {
            c.push(
                at.key("lgd"),
                "is required; add it, for example `lgd = 0.7` or `lgd = { mean = 0.7, sd = 0.2 }`",
            );
            Lgd::Fixed(0.0)
        }
        Some(RawLgd::Fixed(x)) => Lgd::Fixed(c.check(at.key("lgd"), *x, Range::Closed(0.0, 1.0))),
        Some(RawLgd::Beta(beta)) => beta_lgd(c, &at.key("lgd"), beta),
    };
    let country = b.country.as_ref().and_then(|name| {
        let index = countries.iter().position(|c| &c.name == name);
        if index.is_none() {
            let mut known: Vec<&str> = countries.iter().map(|c| c.name.as_str()).collect();
            known.dedup();
            let message = match crate::suggest::nearest(name, &known) {
                Some(near) => format!(
                    "\"{name}\" is not a country of [[countries]]; did you mean \"{near}\"?"
                ),
                None if known.is_empty() => format!(
                    "\"{name}\" is not a country of [[countries]]: the file has none; add a \
                     [[countries]] entry named \"{name}\", or remove the key"
                ),
                None => format!(
                    "\"{name}\" is not a country of [[countries]]; the countries are {}",
                    known
                        .iter()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            c.push(at.key("country"), message);
        }
        index
    });
    let delay = b.delay.as_ref().map(|d| {
        let at = at.key("delay");
        let delay = Delay {
            on_time: c.number(&at, &keys::ON_TIME, d.on_time),
            mean_days: c.number(&at, &keys::MEAN_DAYS, d.mean_days),
            sd_days: c.number(&at, &keys::SD_DAYS, d.sd_days),
            distribution: match c.choice(&at, &keys::DELAY_DISTRIBUTION, &d.distribution) {
                0 => DelayDistribution::Lognormal,
                _ => DelayDistribution::Gamma,
            },
        };
        gamma_shape(c, &at, &delay);
        delay
    });
    BuyerTerms {
        name,
        share,
        terms_days,
        pd,
        lgd,
        delay,
        invoices_per_month: c.whole(at, &keys::INVOICES_PER_MONTH, b.invoices_per_month) as u32,
        limit: c.maybe_number(at, &keys::LIMIT, b.limit),
        correlation: c.maybe_number(at, &keys::BUYER_CORRELATION, b.correlation),
        country,
    }
}

/// The largest shape of a gamma delay, mean_days^2 / sd_days^2 (sd_days at least
/// mean_days / 10^4): its distribution function needs about 9 sqrt(shape) steps near
/// the mean, and a narrower delay than this is a fixed one for every purpose.
pub const MAX_GAMMA_SHAPE: f64 = 1e8;

/// A gamma delay with sd_days > 0 needs a shape of at most [`MAX_GAMMA_SHAPE`].
fn gamma_shape(c: &mut Checker, at: &KeyPath, d: &Delay) {
    let gamma = d.distribution == DelayDistribution::Gamma;
    if gamma && d.sd_days > 0.0 && d.mean_days > 0.0 {
        let shape = (d.mean_days * d.mean_days) / (d.sd_days * d.sd_days);
        if shape > MAX_GAMMA_SHAPE {
            c.push(
                at.key("sd_days"),
                format!(
                    "is {} with mean_days = {}: a gamma delay this narrow (shape above 10^8) \
                     is not supported; use sd_days = 0 for a fixed delay or at least {}",
                    d.sd_days,
                    d.mean_days,
                    d.mean_days / 1e4
                ),
            );
        }
    }
}

fn beta_lgd(c: &mut Checker, at: &KeyPath, beta: &RawBeta) -> Lgd {
    let mean = c.number(at, &keys::LGD_MEAN, beta.mean);
    let sd = c.number(at, &keys::LGD_SD, beta.sd);
    if mean > 0.0 && mean < 1.0 && sd > 0.0 && sd * sd >= mean * (1.0 - mean) {
        c.push(
            at.key("sd"),
            format!(
                "is {sd}, too large for a Beta distribution with mean {mean}; \
                 sd must be below sqrt(mean * (1 - mean)) = {:.4}",
                (mean * (1.0 - mean)).sqrt()
            ),
        );
    }
    Lgd::Beta { mean, sd }
}

/// The `[[stress]]` cases: names that give distinct output folders, overrides in range,
/// forced defaults of buyers that exist.
fn stress_cases(
    c: &mut Checker,
    raw: &RawScenario,
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
    countries: &[Country],
) -> Vec<StressCase> {
    let mut stress: Vec<StressCase> = Vec::new();
    // Each case of a batch gets a folder named after it, beside the base case's `base`:
    // two names that would share a folder are an error now, not an overwrite later.
    let mut folders: std::collections::HashMap<String, String> =
        std::collections::HashMap::from([("base".to_string(), "the base case".to_string())]);
    for (i, s) in raw.stress.iter().enumerate() {
        let at = KeyPath::root().key("stress").index(i, s.name.as_deref());
        let name = c.text(&at, &keys::STRESS_NAME, &s.name);
        if !name.is_empty() && stress.iter().any(|x| x.name == name) {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; give each stress case its own name"),
            );
        } else if !name.trim().is_empty() {
            match crate::text::path_component(&name) {
                None => c.push(
                    at.key("name"),
                    format!(
                        "\"{name}\" has no letter or digit to name its output folder; \
                         use a name such as \"Recession\""
                    ),
                ),
                Some(folder) => {
                    if let Some(other) = folders.get(&folder) {
                        c.push(
                            at.key("name"),
                            format!(
                                "\"{name}\" would share the output folder `{folder}` with {other}; \
                                 give it a name that differs in more than case and punctuation"
                            ),
                        );
                    } else {
                        folders.insert(folder, format!("stress case \"{name}\""));
                    }
                }
            }
        }
        let pd_multiplier = c.maybe_number(&at, &keys::PD_MULTIPLIER, s.pd_multiplier);
        let delay_multiplier = c.maybe_number(&at, &keys::DELAY_MULTIPLIER, s.delay_multiplier);
        let on_time_multiplier =
            c.maybe_number(&at, &keys::ON_TIME_MULTIPLIER, s.on_time_multiplier);
        let revenue_multiplier =
            c.maybe_number(&at, &keys::REVENUE_MULTIPLIER, s.revenue_multiplier);
        let limit_multiplier = c.maybe_number(&at, &keys::LIMIT_MULTIPLIER, s.limit_multiplier);
        let correlation = c.maybe_number(&at, &keys::STRESS_CORRELATION, s.correlation);
        let lgd_add = c.maybe_number(&at, &keys::LGD_ADD, s.lgd_add);
        let terms_days_add = s
            .terms_days_add
            .map(|_| c.whole(&at, &keys::TERMS_DAYS_ADD, s.terms_days_add));
        let only = s
            .only
            .as_ref()
            .map(|names| only_names(c, &at, names, buyers, groups))
            .unwrap_or_default();
        let mut force_default = Vec::new();
        for (j, f) in s.force_default.iter().flatten().enumerate() {
            let at = at.key("force_default").index(j, None);
            let buyer = c.text(&at, &keys::FORCED_BUYER, &f.buyer);
            let day = c.days(&at, &keys::FORCED_DAY, f.day);
            if !buyer.is_empty() && super::buyers::index_of(buyers, groups, &buyer).is_none() {
                c.push(
                    at.key("buyer"),
                    super::buyers::unknown_buyer_message(&buyer, buyers, groups),
                );
            }
            force_default.push(ForcedDefault { buyer, day });
        }
        let country_correlation = c.maybe_number(
            &at,
            &keys::COUNTRY_CORRELATION_STRESS,
            s.country_correlation,
        );
        let political_pd_multiplier = c.maybe_number(
            &at,
            &keys::POLITICAL_PD_MULTIPLIER,
            s.political_pd_multiplier,
        );
        let mut political_event: Vec<ForcedEvent> = Vec::new();
        for (j, e) in s.political_event.iter().flatten().enumerate() {
            let at = at.key("political_event").index(j, None);
            let name = c.text(&at, &keys::EVENT_COUNTRY, &e.country);
            let day = c.days(&at, &keys::EVENT_DAY, e.day);
            match countries.iter().position(|x| x.name == name) {
                Some(country) if political_event.iter().any(|e| e.country == country) => c.push(
                    at.key("country"),
                    format!("names \"{name}\" a second time; a country has one event a path"),
                ),
                Some(country) => political_event.push(ForcedEvent { country, day }),
                None if name.is_empty() => {}
                None => c.push(
                    at.key("country"),
                    format!("\"{name}\" is not a country of [[countries]]; name one of them"),
                ),
            }
        }
        stress.push(StressCase {
            name,
            pd_multiplier,
            correlation,
            delay_multiplier,
            on_time_multiplier,
            revenue_multiplier,
            limit_multiplier,
            lgd_add,
            terms_days_add,
            only,
            force_default,
            country_correlation,
            political_pd_multiplier,
            political_event,
            downturn: s.downturn.as_ref().map(|d| {
                let at = at.key("downturn");
                (
                    c.days(&at, &keys::STRESS_DOWNTURN_FROM_DAY, d.from_day),
                    c.number(&at, &keys::STRESS_DOWNTURN_MULTIPLIER, d.limit_multiplier),
                )
            }),
        });
    }
    stress
}

/// A stress case's `only`: each name a buyer, group or member `GROUP#k`, none twice,
/// no member of a group that is named too (MODEL.md section 21).
fn only_names(
    c: &mut Checker,
    at: &KeyPath,
    names: &[String],
    buyers: &[BuyerTerms],
    groups: &[BuyerGroup],
) -> Vec<String> {
    let at = at.key("only");
    if names.is_empty() {
        c.push(
            at.clone(),
            "is empty; name the buyers, groups or members (GROUP#k) to stress, \
             or remove it to stress every buyer",
        );
    }
    let is_group = |name: &str| groups.iter().any(|g| g.terms.name == name);
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            c.push(
                at.clone(),
                format!("names \"{name}\" twice; list each buyer once"),
            );
        } else if !is_group(name) && super::buyers::index_of(buyers, groups, name).is_none() {
            let message = super::buyers::unknown_target_message(name, buyers, groups);
            c.push(
                at.clone(),
                format!("{message} (only names buyers, groups or members GROUP#k)"),
            );
        } else if let Some((group, _)) = super::buyers::parse_member(name)
            && is_group(group)
            && names.iter().any(|n| n == group)
        {
            c.push(
                at.clone(),
                format!(
                    "names \"{name}\" and its group \"{group}\"; the group's overrides \
                     reach every member already: remove \"{name}\""
                ),
            );
        }
    }
    names.to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn max_days_bounds_every_day_key() {
        for key in super::keys::ALL {
            if let super::keys::Kind::Days { hi, .. } = key.kind {
                assert!(hi <= super::keys::MAX_DAYS, "{}", key.path);
            }
        }
    }
}

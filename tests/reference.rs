//! The one-path reference simulator: MODEL.md sections 4-8 written out as plainly as
//! the text reads, to hold the fast engine to.
//!
//! One path at a time, one draw at a time through the same addressed random numbers
//! (`PathRng::words(stream, index)`, the layout of `cashrisk::rng`), plain vectors of
//! daily flows, one per variant. Nothing of `cashrisk::model` or `cashrisk::engine` is
//! used: no lanes, no pre-tests, no delay tables, no copula classes, no trash day. It
//! takes the validated `Scenario` and the library's distribution functions (the inverse
//! normal, the normal distribution function, the Beta sampler), which are tested
//! against exact distributions on their own.
//!
//! Model version 2 extends this file first; the engine is then made equal to it.
//! Done so far: several policies with their own limits (section 14), financing
//! (section 15), opening receivables (section 20), the figures of section 18 with
//! `by_year`, countries and political risk (section 17), the gamma delay family
//! (section 19), recurring scheduled flows and terms under stress (section 21).

use cashrisk::dist::{self, portable};
use cashrisk::rng::{COUNTRY_INDEX_BASE, LGD_STREAM_BASE, OPENING_STREAM_BASE, PathRng, open01};
use cashrisk::scenario::{BuyerTerms, Delay, DelayDistribution, Lgd, Policy, Scenario};

/// What one variant of a path produced (MODEL.md section 8).
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Minimum headroom over the horizon.
    pub min_headroom: f64,
    /// B(H-1).
    pub end_balance: f64,
    /// First day with h(t) < min_headroom.
    pub shortfall_day: Option<u32>,
    /// Deposits and cash premiums dated before H (0 uninsured).
    pub premium_paid: f64,
    /// Payouts dated before H.
    pub payouts_received: f64,
    /// Claims dated before H.
    pub claims: u32,
    /// Sum of LGD * (A - P) over defaulted invoices (P = 0 uninsured).
    pub net_credit_loss: f64,
    /// The insurer's share of later payments and recoveries dated before H (0
    /// uninsured).
    pub paid_to_insurer: f64,
    /// Interest charged on negative balances, summed over the days (a positive
    /// amount).
    pub interest_paid: f64,
    /// Interest earned on positive balances, summed over the days.
    pub interest_earned: f64,
    /// Section 18: max over days of max(0, -B(t)).
    pub peak_drawn: f64,
    /// Sum over days of the borrowing base min(facility, BB(t)) (section 15).
    pub borrowing_base: f64,
    /// Section 18: B(H-1) + the invoices open on day H - 1 - the supplier costs
    /// dated on or after H of sales made before H.
    pub end_position: f64,
    /// Section 18, `by_year`: each policy year that starts before H (also when
    /// H <= 365, where the engine reports none).
    pub years: Vec<Year>,
    /// Sum of LGD * A over the defaulted invoices this variant sold (sections 8, 16:
    /// less than the uninsured one only with stop_sales).
    pub credit_loss: f64,
    /// Section 18: sum over days t < H of the open amounts of the invoices it sold.
    pub open_days: f64,
    /// Section 18: the amount it invoiced on days 0..H-1.
    pub invoiced: f64,
}

/// What one variant of a path did in one policy year (section 18, `by_year`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Year {
    /// h(t) < min_headroom on some day t of the year.
    pub shortfall: bool,
    /// Deposits and cash premiums dated in the year.
    pub premium_paid: f64,
    /// Payouts dated in the year.
    pub payouts_received: f64,
    /// LGD * A of the invoices it sold whose buyer defaults in the year.
    pub credit_loss: f64,
}

/// One path: the economic credit loss and each variant, uninsured first, then the
/// policy if the scenario has one.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePath {
    /// Sum of LGD * A over defaulted invoices.
    pub credit_loss: f64,
    /// The same over the invoices of the buyers that default in each policy year.
    pub credit_loss_by_year: Vec<f64>,
    /// Section 18: sum over days t < H of the open invoices' amounts.
    pub open_days: f64,
    /// Section 18: the amount invoiced on days 0..H-1 (the denominator of DSO).
    pub invoiced: f64,
    /// Section 17: whether each country (file order) has a political event before H.
    pub political_events: Vec<bool>,
    /// Uninsured, then each policy.
    pub variants: Vec<Variant>,
}

/// s(m) = floor(m * 365 / 12) (section 2).
fn month_start(m: u32) -> u32 {
    (m as u64 * 365 / 12) as u32
}

/// A claim, before settlement in claim order (section 7).
#[derive(Debug, Clone, Copy)]
struct Claim {
    day: u32,
    buyer: usize,
    issue_day: i64,
    /// Opening receivables (0) before the invoices issued on the same day (1).
    kind: u8,
    invoice: usize,
    amount: f64,
    /// The payment still to come on the invoice: its day and amount.
    later: (u64, f64),
}

/// One buyer of the scenario: its name (`GROUP#k` for a member), its group's name
/// and its terms (the share is one buyer's).
struct Buyer<'a> {
    name: String,
    group: Option<&'a str>,
    terms: &'a BuyerTerms,
}

/// Every buyer of the scenario: named buyers in file order, then each group's members
/// in order (section 4: each is a buyer b of its own).
fn buyers(s: &Scenario) -> Vec<Buyer<'_>> {
    let mut all: Vec<Buyer> = s
        .buyers
        .iter()
        .map(|b| Buyer {
            name: b.name.clone(),
            group: None,
            terms: b,
        })
        .collect();
    for g in &s.groups {
        for k in 1..=g.count {
            all.push(Buyer {
                name: format!("{}#{k}", g.terms.name),
                group: Some(&g.terms.name),
                terms: g.terms_of(k),
            });
        }
    }
    all
}

/// Section 14: the limit of buyer `b` under `policy`: the policy's `limits` entry for
/// the buyer (a member's own entry before its group's), else the buyer's own limit,
/// else the policy's default limit.
fn limit(policy: &Policy, b: &Buyer) -> f64 {
    if let Some(&l) = policy.limits.get(&b.name) {
        return l;
    }
    if let Some(&l) = b.group.and_then(|g| policy.limits.get(g)) {
        return l;
    }
    b.terms.limit.unwrap_or(policy.default_limit)
}

/// Section 16: a buyer's limit in force under one policy, Lim_b(t) = limit(b) *
/// m_mon(b, t) * m_down(t).
#[derive(Debug, Clone, Copy)]
struct InForce {
    limit: f64,
    /// The monitoring decision: from day c on, the factor keep.
    cut: Option<(i64, f64)>,
    /// The company stops selling to the buyer from the decision day.
    stop_sales: bool,
    /// The downturn: from from_day on, the factor limit_multiplier.
    down: Option<(i64, f64)>,
}

/// Index in a buyer's stream 1 + b of its monitoring words V(b), V2(b) (section 16),
/// far beyond its invoices.
const MONITOR_INDEX: u32 = 1 << 31;

impl InForce {
    /// The limit in force of buyer `b` under `policy` (its limit `limit`) in the path
    /// of `rng`, with default time `tau` and common factor `z`.
    fn new(
        policy: &Policy,
        limit: f64,
        rng: &PathRng,
        b: usize,
        tau: Option<f64>,
        z: f64,
        h: u32,
    ) -> InForce {
        // Monitoring touches only the buyers the policy covers.
        let cut = policy.monitoring.filter(|_| limit > 0.0).and_then(|m| {
            let (w0, w1) = rng.words(1 + b as u32, MONITOR_INDEX);
            let (v, v2) = (open01(w0), open01(w1));
            let day = match tau {
                // Detected: the decision lead_days before the default, day 0 at the
                // earliest (also for a default time on or after H).
                Some(tau) if v < m.detection => (tau.floor() - m.lead_days as f64).max(0.0),
                // Not detected: a false alarm, exponential with the one-year
                // probability false_alarm.
                _ if m.false_alarm > 0.0 => {
                    let lambda = -portable::ln_1p(-m.false_alarm);
                    (365.0 * -portable::ln_1p(-v2) / lambda).floor()
                }
                _ => return None,
            };
            (day < h as f64).then_some((day as i64, m.keep))
        });
        let down = policy
            .downturn
            .filter(|d| z < d.z_below)
            .map(|d| (d.from_day as i64, d.limit_multiplier));
        let stop_sales = policy.monitoring.is_some_and(|m| m.stop_sales);
        InForce {
            limit,
            cut,
            stop_sales,
            down,
        }
    }

    /// Section 16: true when the policy's variant issues the buyer no invoice on day
    /// t (stop_sales, on or after the decision day).
    fn stops_sales(&self, t: i64) -> bool {
        self.stop_sales && self.cut.is_some_and(|(c, _)| t >= c)
    }

    /// Lim_b(t).
    fn at(&self, t: i64) -> f64 {
        let m_mon = match self.cut {
            Some((c, keep)) if t >= c => keep,
            _ => 1.0,
        };
        let m_down = match self.down {
            Some((from, multiplier)) if t >= from => multiplier,
            _ => 1.0,
        };
        self.limit * m_mon * m_down
    }
}

/// Adds `amount` to day `day` of a ledger when the day is inside the horizon
/// (section 2: a flow dated on or after H is not counted).
fn add(flows: &mut [f64], day: u64, amount: f64) {
    if let Some(cell) = flows.get_mut(day as usize) {
        *cell += amount;
    }
}

/// Simulates path `path` of scenario `s`.
pub fn simulate(s: &Scenario, path: u64) -> ReferencePath {
    let h = s.horizon_days;
    let rng = PathRng::new(s.seed, path);
    let normal = |stream: u32, index: u32| dist::inv_norm_cdf(open01(rng.words(stream, index).0));

    // Section 2: the months with s(m) < H.
    let months: Vec<u32> = (0..).take_while(|&m| month_start(m) < h).collect();

    // Section 4: the common factor Z (stream 0, index 0) and the demand shocks e(m)
    // (stream 0, index 1 + m). Section 5: revenue.
    let z = normal(0, 0);
    // Section 17: each country's factor C(c) and political event day T(c) (stream 0,
    // index 2^31 + c: the first word the factor, the second U(c)), or the day a stress
    // case forces.
    let countries: Vec<(f64, Option<u32>)> = s
        .countries
        .iter()
        .enumerate()
        .map(|(c, country)| {
            let (w0, w1) = rng.words(0, COUNTRY_INDEX_BASE + c as u32);
            let factor = dist::inv_norm_cdf(open01(w0));
            let event = match s.forced_events.iter().find(|e| e.country == c) {
                Some(e) => (e.day < h).then_some(e.day),
                None if country.political_pd == 0.0 => None,
                None => {
                    let lambda = -portable::ln_1p(-country.political_pd);
                    let t = 365.0 * -portable::ln_1p(-open01(w1)) / lambda;
                    (t.floor() < h as f64).then(|| t.floor() as u32)
                }
            };
            (factor, event)
        })
        .collect();
    let revenue: Vec<f64> = months
        .iter()
        .map(|&m| {
            let season = s
                .seasonality
                .map_or(1.0, |f| f[(s.start_month - 1 + m) as usize % 12]);
            let e = normal(0, 1 + m);
            let vol = s.revenue_volatility;
            s.revenue_monthly
                * season
                * portable::pow(1.0 + s.revenue_growth, m as f64 / 12.0)
                * portable::exp(vol * e - vol * vol / 2.0)
        })
        .collect();

    // The daily flows of each variant, uninsured first (sections 5-7); with
    // stop_sales (section 16) a policy's variant makes fewer sales.
    let n = 1 + s.policies.len();
    let mut common = vec![vec![0.0; h as usize]; n];
    let every = vec![true; n];
    let sup = s.supplier_terms_days as u64;
    let vr = s.variable_ratio;
    for &m in &months {
        let day = month_start(m) as u64;
        add_sold(&mut common, &every, day, -s.fixed_monthly);
        let cash_sale = revenue[m as usize] * s.cash_share();
        add_sold(&mut common, &every, day, cash_sale);
        add_sold(&mut common, &every, day + sup, -vr * cash_sale);
    }
    // Section 21: a recurring flow is dated day + k * every_days, k = 0, 1, ...,
    // while that is before H.
    for flow in &s.scheduled {
        let mut day = flow.day as u64;
        while day < h as u64 {
            add_sold(&mut common, &every, day, flow.amount);
            match flow.every_days {
                Some(every) => day += every as u64,
                None => break,
            }
        }
    }

    let policies: Vec<&Policy> = s.policies.iter().collect();
    let mut turnover = vec![vec![0.0; months.len()]; policies.len()];
    let mut claims: Vec<Vec<Claim>> = vec![Vec::new(); policies.len()];
    // Per variant: the credit loss, and that of the defaults in each policy year.
    let mut credit_loss = vec![0.0; n];
    let mut credit_loss_by_year = vec![vec![0.0; h.div_ceil(365) as usize]; n];
    // (LGD, A, the claim of each policy, the variants that sold it) of every defaulted
    // invoice.
    let mut defaulted_loss = Vec::new();

    let all = buyers(s);
    // Each policy's limit in force of every buyer (section 16), for its settlement.
    let mut limits_in_force: Vec<Vec<InForce>> = vec![Vec::new(); policies.len()];
    // Section 18: the open invoices' amounts on each day, the amount invoiced within
    // the horizon and the supplier costs dated on or after H of sales before H.
    // Per variant, as it sold.
    let mut open = vec![vec![0.0; h as usize]; n];
    let mut invoiced = vec![0.0; n];
    let mut costs_after = vec![0.0; n];
    for &m in &months {
        let day = month_start(m) as u64;
        if day + sup >= h as u64 {
            for c in &mut costs_after {
                *c += vr * revenue[m as usize] * s.cash_share();
            }
        }
    }
    let mut open_for = |from: i64, to: i64, amount: f64, sold: &[bool]| {
        for (open, _) in open.iter_mut().zip(sold).filter(|(_, sold)| **sold) {
            for t in from.max(0)..to.min(h as i64) {
                open[t as usize] += amount;
            }
        }
    };
    // Section 15: the borrowing base of each variant, day by day.
    let mut base = vec![vec![0.0; h as usize]; 1 + policies.len()];
    let max_past_due = s.financing.map_or(0, |f| f.max_days_past_due as i64);
    for (b, buyer) in all.iter().enumerate() {
        let (name, terms) = (&buyer.name, buyer.terms);
        let stream = 1 + b as u32;
        // The days on which each of the buyer's invoices is eligible, [from, to), and
        // its amount: open (issued, not yet paid, the buyer not yet defaulted) and at
        // most max_days_past_due past due.
        let mut eligible: Vec<(i64, i64, f64, Vec<bool>)> = Vec::new();
        // Section 6: the default day D(b), None when it is not before H.
        let forced = s.forced_defaults.iter().find(|f| &f.buyer == name);
        // The default time tau(b), also when it falls on or after H (section 16's
        // monitoring reads it); a forced day >= H is no default time.
        let tau: Option<f64> = match forced {
            Some(f) => (f.day < h).then_some(f.day as f64),
            None if terms.pd == 0.0 => None,
            None => {
                let rho = terms.correlation.unwrap_or(s.correlation);
                let lambda = -portable::ln_1p(-terms.pd);
                // Section 17: a buyer of a country loads on its factor C(c) with w(c).
                let x = match terms.country {
                    Some(c) => {
                        let w = s.countries[c].correlation;
                        rho.sqrt() * z
                            + w.sqrt() * countries[c].0
                            + (1.0 - rho - w).sqrt() * normal(stream, 0)
                    }
                    None => rho.sqrt() * z + (1.0 - rho).sqrt() * normal(stream, 0),
                };
                Some(365.0 * -portable::ln_1p(-dist::norm_cdf(x)) / lambda)
            }
        };
        let default_day: Option<u32> = tau
            .filter(|t| t.floor() < h as f64)
            .map(|t| t.floor() as u32);
        // Section 16: the limit in force of each policy on each day.
        let in_force: Vec<InForce> = policies
            .iter()
            .map(|policy| InForce::new(policy, limit(policy, buyer), &rng, b, tau, z, h))
            .collect();
        // Section 4: a Beta LGD is drawn once per buyer and path.
        let lgd = match terms.lgd {
            Lgd::Fixed(v) => v,
            Lgd::Beta { mean, sd: 0.0 } => mean,
            Lgd::Beta { mean, sd } => {
                let (alpha, beta) = dist::beta_shapes(mean, sd);
                if alpha.is_finite() && beta.is_finite() {
                    dist::beta(alpha, beta, &mut rng.stream(LGD_STREAM_BASE + b as u32))
                } else {
                    mean
                }
            }
        };
        // Section 17: the window [T, T + moratorium) of the buyer's country's event: no
        // invoice is issued in it, and a payment or recovery dated in it arrives on
        // T + moratorium instead.
        let window: Option<(i64, i64)> = terms.country.and_then(|c| {
            let t = countries[c].1? as i64;
            Some((t, t + s.countries[c].moratorium_days as i64))
        });
        let in_window = |day: i64| window.is_some_and(|(from, to)| from <= day && day < to);
        let moved = |day: i64| match window {
            Some((_, to)) if in_window(day) => to,
            _ => day,
        };
        // Section 20: the buyer's opening receivables, in file order (index j of the
        // buyer's own stream 2^30 + b).
        let opening = s.receivables.iter().filter(|r| r.buyer_index == b);
        for (j, r) in opening.enumerate() {
            let (w0, w1) = rng.words(OPENING_STREAM_BASE + b as u32, j as u32);
            let delay: i64 = match terms.delay {
                None => 0,
                // Overdue by o days: late, its delay drawn given d >= o.
                Some(d) if r.due_day < 0 => conditioned_delay(&d, -r.due_day, open01(w1)),
                Some(d) if open01(w0) < d.on_time => 0,
                Some(d) => late_delay(&d, open01(w1)) as i64,
            };
            let due = r.due_day;
            // p(i), and p'(i) after a political event (section 17).
            let paid = moved(due + delay);
            let defaulted = default_day.is_some_and(|d| paid >= d as i64);
            let stop = default_day.map_or(i64::MAX, i64::from);
            // Sold before day 0: in every variant.
            let to = paid.min(stop).min(due + max_past_due + 1);
            eligible.push((0, to, r.amount, every.clone()));
            open_for(0, paid.min(stop), r.amount, &every);
            let later = if defaulted {
                let d = default_day.unwrap() as u64;
                for v in 0..n {
                    credit_loss[v] += lgd * r.amount;
                    credit_loss_by_year[v][d as usize / 365] += lgd * r.amount;
                }
                let recovery = moved((d + s.recovery_lag_days as u64) as i64) as u64;
                (recovery, (1.0 - lgd) * r.amount)
            } else {
                (paid as u64, r.amount)
            };
            add_sold(&mut common, &every, later.0, later.1);
            let mut claim_of = vec![None; policies.len()];
            for (v, policy) in policies.iter().enumerate() {
                // Covered when the limit in force on day 0 is > 0 (sections 16, 20).
                if in_force[v].at(0) <= 0.0 {
                    continue;
                }
                // Section 7 (a protracted-default claim day before day 0 is day 0); with
                // political cover the delay a political event adds counts (section 17).
                let w = policy.waiting_period_days as i64;
                let late = if policy.political_cover {
                    paid - due
                } else {
                    delay
                };
                let protracted = late > w && default_day.is_none_or(|d| d as i64 > due + w);
                let claim_day = if protracted {
                    Some((due + w).max(0))
                } else if defaulted {
                    default_day.map(i64::from)
                } else {
                    None
                };
                if let Some(day) = claim_day.filter(|&d| d < h as i64) {
                    claim_of[v] = Some(claims[v].len());
                    claims[v].push(Claim {
                        day: day as u32,
                        buyer: b,
                        issue_day: r.issue_day,
                        kind: 0,
                        invoice: j,
                        amount: r.amount,
                        later,
                    });
                }
            }
            if defaulted {
                defaulted_loss.push((lgd, r.amount, claim_of, every.clone()));
            }
        }
        let per_month = terms.invoices_per_month;
        let mut i = 0;
        for &m in &months {
            let (start, next) = (month_start(m), month_start(m + 1));
            for k in 0..per_month {
                let t = start + (k as u64 * (next - start) as u64 / per_month as u64) as u32;
                let invoice = i;
                i += 1;
                // Section 5: no new sales on or after the default day; section 17: none
                // in a political event's window.
                if default_day.is_some_and(|d| t >= d) || in_window(t as i64) {
                    continue;
                }
                let amount = revenue[m as usize] * terms.share / per_month as f64;
                // Section 16: with stop_sales, a policy's variant makes no sale from
                // the insurer's decision day on.
                let sold: Vec<bool> = (0..n)
                    .map(|v| v == 0 || !in_force[v - 1].stops_sales(t as i64))
                    .collect();
                add_sold(&mut common, &sold, t as u64 + sup, -vr * amount);
                // Section 6: the delay from the invoice's two words (stream 1 + b,
                // index 1 + i): the first decides "on time", the second the delay.
                let (w0, w1) = rng.words(stream, 1 + invoice as u32);
                let delay: u64 = match terms.delay {
                    None => 0,
                    Some(d) if open01(w0) < d.on_time => 0,
                    Some(d) => late_delay(&d, open01(w1)),
                };
                let due = t as u64 + terms.terms_days as u64;
                // p'(i): p(i) moved by a political event (section 17).
                let paid = moved((due + delay) as i64) as u64;
                let defaulted = default_day.is_some_and(|d| paid >= d as u64);
                let stop = default_day.map_or(u64::MAX, u64::from);
                let to = paid.min(stop).min(due + max_past_due as u64 + 1);
                eligible.push((t as i64, to as i64, amount, sold.clone()));
                open_for(
                    t as i64,
                    paid.min(stop).min(i64::MAX as u64) as i64,
                    amount,
                    &sold,
                );
                for v in (0..n).filter(|&v| sold[v]) {
                    if t < h {
                        invoiced[v] += amount;
                        if t as u64 + sup >= h as u64 {
                            costs_after[v] += vr * amount;
                        }
                    }
                }
                let later = if defaulted {
                    let d = default_day.unwrap() as u64;
                    for v in (0..n).filter(|&v| sold[v]) {
                        credit_loss[v] += lgd * amount;
                        credit_loss_by_year[v][d as usize / 365] += lgd * amount;
                    }
                    let recovery = moved((d + s.recovery_lag_days as u64) as i64) as u64;
                    (recovery, (1.0 - lgd) * amount)
                } else {
                    (paid, amount)
                };
                add_sold(&mut common, &sold, later.0, later.1);

                // Section 7, for each policy: insured turnover and the claim.
                let mut claim_of = vec![None; policies.len()];
                for (v, policy) in policies.iter().enumerate() {
                    // Section 16: covered when the limit in force on the issue day is > 0
                    // (and sold).
                    if in_force[v].at(t as i64) <= 0.0 || !sold[1 + v] {
                        continue;
                    }
                    turnover[v][m as usize] += amount;
                    let w = policy.waiting_period_days as u64;
                    let late = if policy.political_cover {
                        paid - due
                    } else {
                        delay
                    };
                    let protracted = late > w && default_day.is_none_or(|d| d as u64 > due + w);
                    let claim_day = if protracted {
                        Some(due + w)
                    } else if defaulted {
                        default_day.map(u64::from)
                    } else {
                        None
                    };
                    if let Some(day) = claim_day.filter(|&d| d < h as u64) {
                        claim_of[v] = Some(claims[v].len());
                        claims[v].push(Claim {
                            day: day as u32,
                            buyer: b,
                            issue_day: t as i64,
                            kind: 1,
                            invoice,
                            amount,
                            later,
                        });
                    }
                }
                if defaulted {
                    defaulted_loss.push((lgd, amount, claim_of, sold));
                }
            }
        }
        // Section 15: E_b(t), the buyer's eligible amount on each day, and its part of
        // each variant's borrowing base, against its limit under the variant's policy
        // (0 uninsured).
        if let Some(f) = &s.financing {
            for (v, base) in base.iter_mut().enumerate() {
                // E_b(t) of the variant: the invoices it sold.
                let mut e = vec![0.0; h as usize];
                for (from, to, amount, sold) in &eligible {
                    if sold[v] {
                        for t in (*from).max(0)..(*to).min(h as i64) {
                            e[t as usize] += amount;
                        }
                    }
                }
                for (t, &e) in e.iter().enumerate() {
                    // The limit in force on day t (section 16), 0 uninsured.
                    let lim = match v {
                        0 => 0.0,
                        v => in_force[v - 1].at(t as i64),
                    };
                    let insured = e.min(lim);
                    base[t] += f.insured_advance_rate * insured + f.advance_rate * (e - insured);
                }
            }
        }
        for (v, lim) in in_force.into_iter().enumerate() {
            limits_in_force[v].push(lim);
        }
    }

    // Section 18: each variant's end position, open receivables and credit loss.
    let finish = |v: usize, mut out: Variant| {
        let open_at_end = open[v].last().copied().unwrap_or(0.0);
        out.end_position = out.end_balance + open_at_end - costs_after[v];
        out.credit_loss = credit_loss[v];
        out.open_days = open[v].iter().sum();
        out.invoiced = invoiced[v];
        for (year, &loss) in out.years.iter_mut().zip(&credit_loss_by_year[v]) {
            year.credit_loss = loss;
        }
        out
    };
    let mut variants = vec![finish(
        0,
        balance(
            s,
            &common[0],
            &base[0],
            s.credit_line_rate,
            Variant::uninsured(credit_loss[0], h),
        ),
    )];
    for (v, policy) in policies.iter().enumerate() {
        let mut flows = common[1 + v].clone();
        let mut out = Variant::uninsured(0.0, h);
        let payouts = settle(
            s,
            policy,
            &limits_in_force[v],
            &turnover[v],
            &mut claims[v],
            &mut flows,
            &mut out,
        );
        // Net credit loss: LGD * (A - P) over the defaulted invoices the variant sold.
        out.net_credit_loss = defaulted_loss
            .iter()
            .filter(|(_, _, _, sold)| sold[1 + v])
            .map(|(lgd, amount, claim_of, _)| {
                let payout = claim_of[v].map_or(0.0, |k| payouts[k]);
                lgd * (amount - payout)
            })
            .sum();
        // Section 15: a policy variant pays less interest with financing.
        let rate = match &s.financing {
            Some(f) => (s.credit_line_rate - f.insured_rate_reduction).max(0.0),
            None => s.credit_line_rate,
        };
        variants.push(finish(1 + v, balance(s, &flows, &base[1 + v], rate, out)));
    }
    ReferencePath {
        political_events: countries.iter().map(|c| c.1.is_some()).collect(),
        credit_loss: credit_loss[0],
        credit_loss_by_year: credit_loss_by_year[0].clone(),
        open_days: open[0].iter().sum(),
        invoiced: invoiced[0],
        variants,
    }
}

/// Adds `amount` on day `day` to the flows of each variant that `sold` marks (section
/// 2: a flow dated on or after H is not counted).
fn add_sold(flows: &mut [Vec<f64>], sold: &[bool], day: u64, amount: f64) {
    for (flows, _) in flows.iter_mut().zip(sold).filter(|(_, sold)| **sold) {
        add(flows, day, amount);
    }
}

/// Sections 6 and 19: the delay of a late invoice from its delay uniform u: for the
/// lognormal round(exp(mu + sigma Phi^-1(u))), for the gamma the smallest k >= 0 with
/// u < F(k) (sd_days = 0: round(mean_days)).
fn late_delay(d: &Delay, u: f64) -> u64 {
    if d.sd_days == 0.0 {
        return d.mean_days.round() as u64;
    }
    match d.distribution {
        DelayDistribution::Lognormal => {
            let (mu, sigma) = lognormal(d);
            let x = if sigma == 0.0 {
                d.mean_days
            } else {
                portable::exp(mu + sigma * dist::inv_norm_cdf(u))
            };
            // Beyond 10^9 days a payment is "never" for every comparison.
            x.round().min(1e9) as u64
        }
        DelayDistribution::Gamma => first_above(d, u, 0) as u64,
    }
}

/// The log-space mean and sd of the lognormal delay (section 6).
fn lognormal(d: &Delay) -> (f64, f64) {
    let sigma2 = portable::ln(1.0 + d.sd_days * d.sd_days / (d.mean_days * d.mean_days));
    (portable::ln(d.mean_days) - sigma2 / 2.0, sigma2.sqrt())
}

/// F(k) = P(round(X) <= k) = P(X < k + 1/2) (rounding half away from zero) for the late
/// delay X of either family (sections 6 and 19); sd_days = 0 is X = mean_days.
fn delay_cdf(d: &Delay, k: i64) -> f64 {
    let fixed = |k: i64| (d.mean_days.round() as i64 <= k) as u8 as f64;
    if k < 0 {
        return 0.0;
    }
    if d.sd_days == 0.0 {
        return fixed(k);
    }
    match d.distribution {
        DelayDistribution::Lognormal => {
            let (mu, sigma) = lognormal(d);
            if sigma == 0.0 {
                fixed(k)
            } else {
                dist::norm_cdf((portable::ln(k as f64 + 0.5) - mu) / sigma)
            }
        }
        // Shape k = mean^2 / sd^2 and scale theta = sd^2 / mean (section 19).
        DelayDistribution::Gamma => {
            let shape = (d.mean_days * d.mean_days) / (d.sd_days * d.sd_days);
            let scale = (d.sd_days * d.sd_days) / d.mean_days;
            dist::gamma_cdf(shape, (k as f64 + 0.5) / scale)
        }
    }
}

/// The smallest k >= `from` with v < F(k), at most 10^9 days ("never"): double the
/// step until F passes v, then halve the bracket (F rises with k).
fn first_above(d: &Delay, v: f64, from: i64) -> i64 {
    let cap = 1_000_000_000;
    let (mut lo, mut step) = (from, 1);
    while lo < cap && v >= delay_cdf(d, lo) {
        lo = (lo + step).min(cap);
        step *= 2;
    }
    // Now v < F(lo) or lo = cap; the answer lies in (lo - step / 2, lo].
    let mut low = (lo - step / 2).max(from);
    let mut high = lo;
    while low < high {
        let mid = low + (high - low) / 2;
        if v < delay_cdf(d, mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    high
}

/// Section 20: the delay of an invoice overdue by `o` days on day 0, from its delay
/// uniform u: with F(k) = P(round(X) <= k), v = F(o - 1) + u (1 - F(o - 1)) and d the
/// smallest k >= o with v < F(k) (d = o when 1 - F(o - 1) is 0).
fn conditioned_delay(d: &Delay, o: i64, u: f64) -> i64 {
    let below = delay_cdf(d, o - 1);
    if 1.0 - below == 0.0 {
        return o;
    }
    first_above(d, below + u * (1.0 - below), o)
}

impl Variant {
    fn uninsured(net_credit_loss: f64, horizon: u32) -> Variant {
        Variant {
            min_headroom: f64::INFINITY,
            end_balance: 0.0,
            shortfall_day: None,
            premium_paid: 0.0,
            payouts_received: 0.0,
            claims: 0,
            net_credit_loss,
            paid_to_insurer: 0.0,
            interest_paid: 0.0,
            interest_earned: 0.0,
            peak_drawn: 0.0,
            borrowing_base: 0.0,
            end_position: 0.0,
            years: vec![Year::default(); horizon.div_ceil(365) as usize],
            credit_loss: 0.0,
            open_days: 0.0,
            invoiced: 0.0,
        }
    }
}

/// Section 7: deposits, premiums and the claims of one policy, in claim order; adds
/// the policy's flows to `flows` and returns the payout of each claim (in the order
/// the claims were made, not settled). `in_force` holds each buyer's limit in force
/// (section 16).
fn settle(
    s: &Scenario,
    policy: &Policy,
    in_force: &[InForce],
    turnover: &[f64],
    claims: &mut [Claim],
    flows: &mut [f64],
    out: &mut Variant,
) -> Vec<f64> {
    let h = s.horizon_days;
    let years = h.div_ceil(365) as usize;
    // Deposits on the first day of every policy year that starts before H.
    let mut deposit_left = vec![policy.minimum_premium; years];
    for y in 0..years {
        add(flows, 365 * y as u64, -policy.minimum_premium);
        out.premium_paid += policy.minimum_premium;
        out.years[y].premium_paid += policy.minimum_premium;
    }
    // The premium of month m, due on s(m + 1), first from its policy year's deposit.
    for (m, &insured) in turnover.iter().enumerate() {
        let premium = insured * policy.premium_rate;
        let year = (month_start(m as u32) / 365) as usize;
        let from_deposit = premium.min(deposit_left[year]);
        deposit_left[year] -= from_deposit;
        let cash = premium - from_deposit;
        let due = month_start(m as u32 + 1);
        if due < h {
            add(flows, due as u64, -cash);
            out.premium_paid += cash;
            out.years[due as usize / 365].premium_paid += cash;
        }
    }
    // Claims in order of claim day, buyer, issue day.
    let mut order: Vec<usize> = (0..claims.len()).collect();
    order.sort_by_key(|&k| {
        let c = &claims[k];
        (c.day, c.buyer, c.issue_day, c.kind, c.invoice)
    });
    // Section 16: C_b, the claimable amounts of b's earlier claims.
    let mut claimed = vec![0.0; in_force.len()];
    let mut first_loss_left = vec![policy.aggregate_first_loss; years];
    let mut liability_left = vec![policy.max_liability; years];
    let mut payouts = vec![0.0; claims.len()];
    for k in order {
        let c = claims[k];
        // claimable(i) = min(A, max(0, Lim_b(t(i)) - C_b)), the limit in force on the
        // issue day (day 0 for an opening receivable).
        let lim = in_force[c.buyer].at(c.issue_day.max(0));
        let claimable = c.amount.min((lim - claimed[c.buyer]).max(0.0));
        claimed[c.buyer] += claimable;
        let year = (c.day / 365) as usize;
        let retained = claimable.min(first_loss_left[year]);
        first_loss_left[year] -= retained;
        let payout = (policy.indemnity * (claimable - retained)).min(liability_left[year]);
        liability_left[year] -= payout;
        payouts[k] = payout;
        out.claims += 1;
        let payout_day = c.day as u64 + policy.settlement_days as u64;
        if payout_day < h as u64 {
            add(flows, payout_day, payout);
            out.payouts_received += payout;
            out.years[payout_day as usize / 365].payouts_received += payout;
        }
        // The insurer owns P / A of the invoice from the claim day on.
        let share = (payout / c.amount) * c.later.1;
        add(flows, c.later.0, -share);
        if c.later.0 < h as u64 {
            out.paid_to_insurer += share;
        }
    }
    payouts
}

/// Section 8: the daily balance, interest and headroom of one variant, with the
/// borrowing base `base` of each day (section 15: h = B + L + min(facility, base)) and
/// the annual rate on a negative balance.
fn balance(s: &Scenario, flows: &[f64], base: &[f64], rate: f64, mut out: Variant) -> Variant {
    let facility = s.financing.map_or(f64::INFINITY, |f| f.facility_limit);
    let mut b = s.opening_cash;
    for (t, flow) in flows.iter().enumerate() {
        b += flow;
        if b < 0.0 {
            let interest = -b * rate / 365.0;
            b -= interest;
            out.interest_paid += interest;
        } else {
            let interest = b * s.deposit_rate / 365.0;
            b += interest;
            out.interest_earned += interest;
        }
        out.peak_drawn = out.peak_drawn.max(-b);
        out.borrowing_base += base[t].min(facility);
        let headroom = b + s.credit_line + base[t].min(facility);
        out.min_headroom = out.min_headroom.min(headroom);
        if out.shortfall_day.is_none() && headroom < s.min_headroom {
            out.shortfall_day = Some(t as u32);
        }
        if headroom < s.min_headroom {
            out.years[t / 365].shortfall = true;
        }
    }
    out.end_balance = b;
    out
}

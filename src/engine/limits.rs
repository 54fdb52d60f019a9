//! The limit in force (MODEL.md section 16): each policy's monitoring decisions and
//! downturn cut in a path, and what they change about cover. A policy whose limits can
//! change ([`crate::model::PolicyModel::varying`]) decides cover invoice by invoice:
//! an invoice is insured turnover and can be claimed only when the limit in force on
//! its issue day is > 0, and its claimable amount is min(A, max(0, Lim_b(t(i)) - C_b)).
//!
//! The invoice loops record every invoice as for a fixed limit; what a cut takes away
//! is subtracted afterwards: the turnover of invoices issued while a limit is 0
//! ([`turnover_cuts`]), and the claims of such invoices ([`in_force`] at settlement).
//! So the solvent fast loop serves monitored buyers unchanged.

use super::*;

/// Index in a buyer's stream 1 + b of its monitoring words V(b), V2(b): far beyond
/// its invoices' indices 1 + i.
pub const MONITOR_INDEX: u32 = 1 << 31;

/// A monitoring decision in one lane: (buyer, policy, decision day c(b) < H), kept in
/// buyer order, then policy order, so that a settlement finds it by binary search.
pub(super) type Cut = (u32, u8, u32);

/// What version 2 sets for buyer `b` in lane `(p, rng)` before its invoices (MODEL.md
/// sections 16 and 17): its country's political window, the monitoring decisions on
/// it, the insured turnover the limit cuts take away, and the day from which each
/// policy's variant stops selling to it (`None`: every variant sells throughout).
/// `default` is its default day, `systematic` the systematic part of its latent value.
#[inline(never)]
pub(super) fn lane_state(
    model: &Model,
    b: usize,
    (p, rng): (usize, &PathRng),
    default: Option<u32>,
    systematic: f64,
    scratch: &mut Scratch,
) -> (Window, Option<StopDays>) {
    let buyer = &model.buyers[b];
    let window = match buyer.country {
        crate::model::NO_COUNTRY => Window::NONE,
        c => scratch.country_window[at(c as usize, p)],
    };
    if buyer.monitored != 0 {
        // E(b)'s word, for the default time of a detected buyer.
        let word = (buyer.factor_draw != usize::MAX)
            .then(|| scratch.words.first[scratch.words.at(buyer.factor_draw, p)]);
        let u = move || crate::rng::open01(word.expect("a buyer that can default"));
        monitor(model, b, (p, rng), systematic, u, scratch);
    }
    if buyer.varying != 0 {
        turnover_cuts(model, b, p, default.unwrap_or(u32::MAX), window, scratch);
    }
    (window, stop_days(model, b, p, scratch))
}

/// For each policy and lane, the first day of its downturn cut (`u32::MAX`: none):
/// the path is a downturn when Z < z_below.
pub(super) fn downturns(model: &Model, z: &[f64; PATHS], active: usize, scratch: &mut Scratch) {
    for (k, policy) in model.policies.iter().enumerate() {
        for p in 0..PATHS {
            scratch.down_from[k * PATHS + p] = match policy.terms.downturn {
                Some(d) if p < active && z[p] < d.z_below => {
                    scratch.cuts_mut(p, 1 + k).downturn = true;
                    d.from_day
                }
                _ => u32::MAX,
            };
        }
    }
}

/// The default time tau(b) of a monitored buyer in a path, also when it falls on or
/// after H (the engine's default day stops at H): the forced day (none when >= H), none
/// for pd = 0, else 365 (-ln(1 - Phi(X))) / lambda by the exact formula, X = S +
/// sqrt_own E(b), E(b) = Phi^-1(u()).
fn default_time(model: &Model, b: usize, systematic: f64, u: impl FnOnce() -> f64) -> Option<f64> {
    let buyer = &model.buyers[b];
    if let Some(day) = buyer.forced_default {
        return (day < model.horizon).then_some(day as f64);
    }
    if buyer.lambda == 0.0 {
        return None;
    }
    let x = systematic + model.copulas[buyer.copula].sqrt_own * dist::inv_norm_cdf(u());
    Some(365.0 * -portable::ln_1p(-dist::norm_cdf(x)) / buyer.lambda)
}

/// The monitoring decisions on buyer `b` in lane `p` of each policy that monitors it:
/// from its words V, V2 (stream 1 + b, index [`MONITOR_INDEX`]), a detected default
/// lead_days before tau(b) (day 0 at the earliest), else a false alarm; each decision
/// day before H is recorded in `scratch.cuts[p]` and counted in the policy's outcome.
pub(super) fn monitor(
    model: &Model,
    b: usize,
    (p, rng): (usize, &PathRng),
    systematic: f64,
    u: impl FnOnce() -> f64,
    scratch: &mut Scratch,
) {
    let buyer = &model.buyers[b];
    let (w0, w1) = rng.words(1 + b as u32, MONITOR_INDEX);
    let (v, v2) = (crate::rng::open01(w0), crate::rng::open01(w1));
    let mut u = Some(u);
    let mut tau: Option<Option<f64>> = None;
    for (k, policy) in model.policies.iter().enumerate() {
        let Some(m) = policy
            .terms
            .monitoring
            .filter(|_| buyer.monitored & (1 << k) != 0)
        else {
            continue;
        };
        // tau is computed once, and only when some policy detects with V.
        let tau = if v < m.detection {
            *tau.get_or_insert_with(|| {
                default_time(model, b, systematic, u.take().expect("drawn once"))
            })
        } else {
            None
        };
        let (day, false_alarm) = match tau {
            Some(tau) => ((tau.floor() - m.lead_days as f64).max(0.0), false),
            None if m.false_alarm > 0.0 => {
                let lambda = -portable::ln_1p(-m.false_alarm);
                ((365.0 * -portable::ln_1p(-v2) / lambda).floor(), true)
            }
            None => continue,
        };
        if day < model.horizon as f64 {
            scratch.cuts[p].push((b as u32, k as u8, day as u32));
            let cut = scratch.cuts_mut(p, 1 + k);
            cut.decisions += 1;
            cut.false_alarms += false_alarm as u32;
        }
    }
}

/// Lim_b(t) = limit(b) * m_mon(b, t) * m_down(t) under policy `k` in lane `p`.
#[inline]
pub(super) fn in_force(
    model: &Model,
    k: usize,
    b: u32,
    p: usize,
    t: u32,
    cuts: &[Cut],
    down_from: &[u32],
) -> f64 {
    let policy = &model.policies[k];
    let m_mon = match cuts.binary_search_by_key(&(b, k as u8), |&(b, k, _)| (b, k)) {
        Ok(i) if t >= cuts[i].2 => policy.terms.monitoring.map_or(1.0, |m| m.keep),
        _ => 1.0,
    };
    let m_down = match policy.terms.downturn {
        Some(d) if t >= down_from[k * PATHS + p] => d.limit_multiplier,
        _ => 1.0,
    };
    policy.limits[b as usize] * m_mon * m_down
}

/// The days on which the limit of buyer `b` under policy `k` changes in lane `p`: the
/// monitoring decision and the downturn's first day, `u32::MAX` where there is none.
pub(super) fn change_days(scratch: &Scratch, k: usize, b: u32, p: usize) -> [u32; 2] {
    let cuts = &scratch.cuts[p];
    let cut = match cuts.binary_search_by_key(&(b, k as u8), |&(b, k, _)| (b, k)) {
        Ok(i) => cuts[i].2,
        Err(_) => u32::MAX,
    };
    let down = scratch.down_from[k * PATHS + p];
    [cut.min(down), cut.max(down)]
}

/// Takes from each varying policy's insured turnover the invoices of buyer `b` in
/// lane `p` issued while its limit in force is 0 (from the first such day on: the
/// limit only falls within a path). `stop` and `window` are the buyer's default day
/// and political window, on which no invoice is issued.
pub(super) fn turnover_cuts(
    model: &Model,
    b: usize,
    p: usize,
    stop: u32,
    window: Window,
    scratch: &mut Scratch,
) {
    let buyer = &model.buyers[b];
    let months = model.months() * PATHS;
    for k in 0..model.policies.len() {
        if buyer.varying & (1 << k) == 0 {
            continue;
        }
        let lim = |t| {
            in_force(
                model,
                k,
                b as u32,
                p,
                t,
                &scratch.cuts[p],
                &scratch.down_from,
            )
        };
        let zero_from = std::iter::once(0)
            .chain(change_days(scratch, k, b as u32, p))
            .filter(|&d| d != u32::MAX)
            .find(|&d| lim(d) <= 0.0);
        // With stop_sales, nothing is sold (so insured) from the decision day on.
        let unsold_from = stop_day(model, k, b as u32, &scratch.cuts[p]);
        let zero_from = match zero_from {
            Some(day) => day.min(unsold_from),
            None if unsold_from != u32::MAX => unsold_from,
            None => continue,
        };
        for &(m, t) in &model.calendars[buyer.calendar].invoices {
            if t < zero_from || t >= stop || window.contains(t as i64) {
                continue;
            }
            let amount = scratch.revenue[at(m as usize, p)] * buyer.share_per_invoice;
            scratch.turnover_cut[k * months + at(m as usize, p)] += amount;
        }
    }
}

/// The day from which policy `k`'s variant stops selling to buyer `b` in lane `p`
/// (its monitoring has stop_sales and decided before H), else `u32::MAX`.
#[inline]
pub(super) fn stop_day(model: &Model, k: usize, b: u32, cuts: &[Cut]) -> u32 {
    if !model.policies[k]
        .terms
        .monitoring
        .is_some_and(|m| m.stop_sales)
    {
        return u32::MAX;
    }
    match cuts.binary_search_by_key(&(b, k as u8), |&(b, k, _)| (b, k)) {
        Ok(i) => cuts[i].2,
        Err(_) => u32::MAX,
    }
}

/// For each policy, the day from which its variant stops selling to buyer `b` in
/// lane `p` ([`stop_day`]); `None` when every variant sells to it throughout.
pub(super) fn stop_days(model: &Model, b: usize, p: usize, scratch: &Scratch) -> Option<StopDays> {
    if model.buyers[b].monitored == 0 {
        return None;
    }
    let mut days = [u32::MAX; MAX_VARIANTS - 1];
    for (k, day) in days.iter_mut().enumerate().take(model.policies.len()) {
        *day = stop_day(model, k, b as u32, &scratch.cuts[p]);
    }
    days.iter().any(|&d| d != u32::MAX).then_some(days)
}

/// Per policy, the first day its variant does not sell to a buyer (`u32::MAX`: never).
pub(super) type StopDays = [u32; MAX_VARIANTS - 1];

/// An invoice as the variants that did not sell it must take it back.
pub(super) struct TakenBack {
    /// Issue day t(i) >= 0 and amount A.
    pub t: u32,
    pub amount: f64,
    /// The payment or recovery still to come: its day and amount.
    pub later_day: u32,
    pub later_amount: f64,
    /// The default day when it defaulted (its credit loss is `loss` = LGD * A).
    pub defaulted: Option<u32>,
    pub loss: f64,
    /// The day it stops being open (paid, or its buyer defaulted), and the day it
    /// stops being eligible for the borrowing base (exclusive).
    pub until: i64,
    pub eligible_to: i64,
}

/// Takes invoice `i` out of policy `k`'s variant in lane `p` (stop_sales, MODEL.md
/// section 16): its supplier cost and its payment or recovery leave the policy's
/// ledger, its credit loss and working-capital sums go to the variant's [`super::Unsold`],
/// its part of the borrowing base leaves the policy's. (Its insured turnover and
/// claim are left out by [`turnover_cuts`] and at settlement.)
pub(super) fn take_back(model: &Model, k: usize, p: usize, i: &TakenBack, scratch: &mut Scratch) {
    let h = model.horizon;
    let hu = h as usize;
    let ledger = &mut scratch.policy_flows[k * hu * PATHS..(k + 1) * hu * PATHS];
    let sup = model.supplier_terms_days;
    if i.t + sup < h {
        ledger[at((i.t + sup) as usize, p)] += model.variable_ratio * i.amount;
    }
    if i.later_day < h {
        ledger[at(i.later_day as usize, p)] -= i.later_amount;
    }
    let u = &mut scratch.cuts_mut(p, 1 + k).unsold;
    if i.t + sup < h {
        u.cash -= model.variable_ratio * i.amount;
    }
    if i.later_day < h {
        u.cash += i.later_amount;
    }
    u.credit_loss += i.loss;
    let (days, at_end) = super::open_amounts(h, i.t as i64, i.until, i.amount);
    u.open_days += days.unwrap_or(0.0);
    u.open_at_end += at_end.unwrap_or(0.0);
    if i.t < h {
        u.invoiced += i.amount;
        u.invoices += 1;
        if i.t + sup >= h {
            u.costs_after += model.variable_ratio * i.amount;
        }
    }
    if let Some(day) = i.defaulted {
        years::add(&mut scratch.years, day, p, i.loss, |y| {
            &mut y.unsold_loss[1 + k]
        });
    }
    if let Some(f) = &model.financing {
        let (from, to) = ((i.t as i64).min(h as i64), i.eligible_to.clamp(0, h as i64));
        if from < to {
            let rows = hu + 1;
            let base = &mut scratch.base_policy[k * rows * PATHS..(k + 1) * rows * PATHS];
            base[at(from as usize, p)] -= f.advance_rate * i.amount;
            base[at(to as usize, p)] += f.advance_rate * i.amount;
            if f.insured_extra != 0.0 {
                scratch.unsold_windows[p].push((k as u8, from as u32, to as u32, i.amount));
            }
        }
    }
}

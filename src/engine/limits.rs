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

/// For each policy and lane, the first day of its downturn cut (`u32::MAX`: none):
/// the path is a downturn when Z < z_below.
pub(super) fn downturns(model: &Model, z: &[f64; PATHS], active: usize, scratch: &mut Scratch) {
    for (k, policy) in model.policies.iter().enumerate() {
        for p in 0..PATHS {
            scratch.down_from[k * PATHS + p] = match policy.terms.downturn {
                Some(d) if p < active && z[p] < d.z_below => d.from_day,
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
/// day before H is recorded in `scratch.cuts[p]`.
pub(super) fn monitor(
    model: &Model,
    b: usize,
    p: usize,
    rng: &PathRng,
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
        let day = match tau {
            Some(tau) => (tau.floor() - m.lead_days as f64).max(0.0),
            None if m.false_alarm > 0.0 => {
                let lambda = -portable::ln_1p(-m.false_alarm);
                (365.0 * -portable::ln_1p(-v2) / lambda).floor()
            }
            None => continue,
        };
        if day < model.horizon as f64 {
            scratch.cuts[p].push((b as u32, k as u8, day as u32));
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
        let Some(zero_from) = zero_from else { continue };
        for &(m, t) in &model.calendars[buyer.calendar].invoices {
            if t < zero_from || t >= stop || window.contains(t as i64) {
                continue;
            }
            let amount = scratch.revenue[at(m as usize, p)] * buyer.share_per_invoice;
            scratch.turnover_cut[k * months + at(m as usize, p)] += amount;
        }
    }
}

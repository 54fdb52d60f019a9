//! A validated scenario compiled into the numbers the path loop needs.
//!
//! Everything that does not depend on the random draws is worked out once here: the
//! month grid, the deterministic part of revenue, the fixed and scheduled flows, each
//! buyer's invoice calendar, default threshold, delay parameters and credit limit.
//! The path loop in [`crate::engine`] then only adds the random part.

use crate::dist::{inv_norm_cdf, portable};
use crate::scenario::{BuyerTerms, Lgd, Scenario};

/// Days in a year and in a policy year.
pub const YEAR_DAYS: u32 = 365;

/// First day of month m: s(m) = floor(m * 365 / 12) (MODEL.md section 2).
pub fn month_start(m: u32) -> u32 {
    (m as u64 * 365 / 12) as u32
}

/// How an LGD is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LgdModel {
    /// The same in every path.
    Fixed(f64),
    /// Beta with these shape parameters.
    Beta { alpha: f64, beta: f64 },
}

/// Delay parameters of a buyer that pays late sometimes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayModel {
    /// Probability of paying on the due day.
    pub on_time: f64,
    /// Log-space mean of the lognormal delay.
    pub mu: f64,
    /// Log-space sd of the lognormal delay (0: the delay is always `mean_days`).
    pub sigma: f64,
    /// round(mean_days), the delay when sigma = 0.
    pub fixed_days: u32,
    /// Index into [`Model::delay_tables`] (unused when sigma = 0).
    pub table: usize,
}

/// The distribution of a late invoice's delay d = round(X), X lognormal, as a table for
/// inversion: d is the smallest k with u < cdf[k], where
/// cdf[k] = P(round(X) <= k) = Phi((ln(k + 1/2) - mu) / sigma).
///
/// This is the same draw as round(exp(mu + sigma * Phi^-1(u))), without an exp and an
/// inverse normal per invoice. The table stops where cdf reaches 1 - 1e-7; beyond it
/// (one invoice in ten million) the formula itself is used. A guide table of
/// [`GUIDE`] entries (Chen and Asau 1974) finds the start of the search in one step.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayTable {
    mu: f64,
    sigma: f64,
    cdf: Vec<f64>,
    guide: Vec<u32>,
}

/// Entries of a delay table's guide.
pub const GUIDE: usize = 4096;

impl DelayTable {
    /// The table of round(X), X lognormal with log-space mean mu and sd sigma > 0.
    pub fn new(mu: f64, sigma: f64) -> DelayTable {
        let mut cdf = Vec::new();
        let mut k = 0u32;
        loop {
            let p = crate::dist::norm_cdf((portable::ln(k as f64 + 0.5) - mu) / sigma);
            cdf.push(p);
            if p >= 1.0 - 1e-7 || k >= 1_000_000 {
                break;
            }
            k += 1;
        }
        let mut guide = Vec::with_capacity(GUIDE);
        let mut k = 0usize;
        for j in 0..GUIDE {
            let floor = j as f64 / GUIDE as f64;
            while k < cdf.len() && cdf[k] <= floor {
                k += 1;
            }
            guide.push(k as u32);
        }
        DelayTable {
            mu,
            sigma,
            cdf,
            guide,
        }
    }

    /// The delay for the uniform u in (0, 1).
    #[inline]
    pub fn sample(&self, u: f64) -> u32 {
        let mut k = self.guide[(u * GUIDE as f64) as usize] as usize;
        while k < self.cdf.len() && u >= self.cdf[k] {
            k += 1;
        }
        if k < self.cdf.len() {
            return k as u32;
        }
        // The far tail: the formula, never below the table's end. Delays beyond 10^9
        // days are "never" for every comparison the model makes (days <= 36,500).
        let x = portable::exp(self.mu + self.sigma * inv_norm_cdf(u));
        (x.round().min(1e9) as u32).max(self.cdf.len() as u32)
    }
}

/// One buyer (a named buyer or one member of a group) as the path loop sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerModel {
    /// Display name (`GROUP#k` for a group member).
    pub name: String,
    /// Share of monthly revenue per invoice: share / invoices_per_month.
    pub share_per_invoice: f64,
    /// Payment terms in days.
    pub terms_days: u32,
    /// Default intensity lambda = -ln(1 - pd) per year (0: never defaults).
    pub lambda: f64,
    /// sqrt(rho) and sqrt(1 - rho) of the copula.
    pub sqrt_rho: f64,
    /// See `sqrt_rho`.
    pub sqrt_one_minus_rho: f64,
    /// Latent values X >= this cannot default within the horizon (a fast pre-test;
    /// the default day itself is always computed from the exact formula).
    pub default_threshold: f64,
    /// A stress case's fixed default day (>= horizon: never).
    pub forced_default: Option<u32>,
    /// Loss given default.
    pub lgd: LgdModel,
    /// Late payment; `None` always pays on time.
    pub delay: Option<DelayModel>,
    /// Index into [`Model::calendars`] of this buyer's invoice calendar.
    pub calendar: usize,
    /// Insurer's credit limit (0 when not covered or without insurance).
    pub limit: f64,
    /// True when the policy covers this buyer (limit > 0 and a policy exists).
    pub covered: bool,
}

/// The invoices a buyer with n invoices per month issues: (month, day) in issue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Invoices per month.
    pub per_month: u32,
    /// Month and issue day of every potential invoice, in issue order.
    pub invoices: Vec<(u32, u32)>,
}

/// The insurance policy in the form the claim loop needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyModel {
    /// Insured percentage.
    pub indemnity: f64,
    /// Premium rate on insured turnover.
    pub premium_rate: f64,
    /// Deposit per policy year.
    pub minimum_premium: f64,
    /// Aggregate first loss per policy year.
    pub aggregate_first_loss: f64,
    /// Maximum liability per policy year.
    pub max_liability: f64,
    /// Waiting period W.
    pub waiting_period_days: u32,
    /// Settlement lag.
    pub settlement_days: u32,
}

/// A compiled scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Horizon H.
    pub horizon: u32,
    /// Seed.
    pub seed: u64,
    /// s(m) for m = 0..=months (one more than the months simulated).
    pub month_starts: Vec<u32>,
    /// Deterministic revenue factor of month m: monthly * season(m) * (1+g)^(m/12).
    pub base_revenue: Vec<f64>,
    /// Sd of the monthly demand shock.
    pub volatility: f64,
    /// Share of revenue sold for cash.
    pub cash_share: f64,
    /// Supplier cost share.
    pub variable_ratio: f64,
    /// Supplier terms.
    pub supplier_terms_days: u32,
    /// Fixed and scheduled flows per day (both variants), length H.
    pub fixed_flows: Vec<f64>,
    /// Deposits per day (insured only), length H.
    pub deposit_flows: Vec<f64>,
    /// Number of policy years that start before H.
    pub policy_years: usize,
    /// Policy year of each month's premium: floor(s(m) / 365).
    pub month_policy_year: Vec<usize>,
    /// Opening cash.
    pub opening_cash: f64,
    /// Credit line L.
    pub credit_line: f64,
    /// Daily factors credit_line_rate / 365 and deposit_rate / 365.
    pub daily_debit_rate: f64,
    /// See `daily_debit_rate`.
    pub daily_credit_rate: f64,
    /// Shortfall threshold.
    pub min_headroom: f64,
    /// Recovery lag.
    pub recovery_lag_days: u32,
    /// All buyers, named first, then group members.
    pub buyers: Vec<BuyerModel>,
    /// Invoice calendars, one per distinct invoices_per_month.
    pub calendars: Vec<Calendar>,
    /// Delay tables, one per distinct (mu, sigma).
    pub delay_tables: Vec<DelayTable>,
    /// The policy, if any.
    pub policy: Option<PolicyModel>,
}

impl Model {
    /// Number of months simulated.
    pub fn months(&self) -> usize {
        self.base_revenue.len()
    }

    /// Number of potential invoices per path (before defaults stop sales).
    pub fn invoices_per_path(&self) -> u64 {
        self.buyers
            .iter()
            .map(|b| self.calendars[b.calendar].invoices.len() as u64)
            .sum()
    }

    /// Compiles a validated scenario.
    pub fn new(s: &Scenario) -> Model {
        let horizon = s.horizon_days;
        let mut month_starts = Vec::new();
        let mut m = 0;
        while month_start(m) < horizon {
            month_starts.push(month_start(m));
            m += 1;
        }
        let months = month_starts.len();
        month_starts.push(month_start(months as u32));

        let base_revenue: Vec<f64> = (0..months)
            .map(|m| {
                let season = match &s.seasonality {
                    Some(f) => f[(s.start_month as usize - 1 + m) % 12],
                    None => 1.0,
                };
                s.revenue_monthly * season * portable::pow(1.0 + s.revenue_growth, m as f64 / 12.0)
            })
            .collect();

        let mut fixed_flows = vec![0.0; horizon as usize];
        for &day in &month_starts[..months] {
            fixed_flows[day as usize] -= s.fixed_monthly;
        }
        for flow in &s.scheduled {
            if flow.day < horizon {
                fixed_flows[flow.day as usize] += flow.amount;
            }
        }

        let policy = s.insurance.as_ref().map(|p| PolicyModel {
            indemnity: p.indemnity,
            premium_rate: p.premium_rate,
            minimum_premium: p.minimum_premium,
            aggregate_first_loss: p.aggregate_first_loss,
            max_liability: p.max_liability,
            waiting_period_days: p.waiting_period_days,
            settlement_days: p.settlement_days,
        });
        let policy_years = horizon.div_ceil(YEAR_DAYS) as usize;
        let mut deposit_flows = vec![0.0; horizon as usize];
        if let Some(p) = &policy {
            for y in 0..policy_years {
                deposit_flows[y * YEAR_DAYS as usize] -= p.minimum_premium;
            }
        }
        let month_policy_year = month_starts[..months]
            .iter()
            .map(|&d| (d / YEAR_DAYS) as usize)
            .collect();

        let mut calendars: Vec<Calendar> = Vec::new();
        let mut calendar_of = |n: u32| -> usize {
            if let Some(i) = calendars.iter().position(|c| c.per_month == n) {
                return i;
            }
            let mut invoices = Vec::new();
            for m in 0..months {
                let (start, next) = (month_starts[m], month_starts[m + 1]);
                for k in 0..n {
                    let day = start + (k as u64 * (next - start) as u64 / n as u64) as u32;
                    invoices.push((m as u32, day));
                }
            }
            calendars.push(Calendar {
                per_month: n,
                invoices,
            });
            calendars.len() - 1
        };

        let mut delay_tables: Vec<DelayTable> = Vec::new();
        let mut table_of = |mu: f64, sigma: f64| -> usize {
            if sigma == 0.0 {
                return usize::MAX;
            }
            if let Some(i) = delay_tables
                .iter()
                .position(|t| t.mu == mu && t.sigma == sigma)
            {
                return i;
            }
            delay_tables.push(DelayTable::new(mu, sigma));
            delay_tables.len() - 1
        };
        let default_limit = s.insurance.as_ref().map_or(0.0, |p| p.default_limit);
        let mut buyers = Vec::with_capacity(s.buyer_count());
        let mut add = |terms: &BuyerTerms, name: String, calendar: usize| {
            let rho = terms.correlation.unwrap_or(s.correlation);
            let lambda = -portable::ln_1p(-terms.pd);
            let limit = if s.insurance.is_some() {
                terms.limit.unwrap_or(default_limit)
            } else {
                0.0
            };
            let forced_default = s
                .forced_defaults
                .iter()
                .find(|f| f.buyer == name)
                .map(|f| f.day);
            buyers.push(BuyerModel {
                share_per_invoice: terms.share / terms.invoices_per_month as f64,
                terms_days: terms.terms_days,
                lambda,
                sqrt_rho: rho.sqrt(),
                sqrt_one_minus_rho: (1.0 - rho).sqrt(),
                default_threshold: default_threshold(lambda, horizon),
                forced_default,
                lgd: match terms.lgd {
                    Lgd::Fixed(v) => LgdModel::Fixed(v),
                    Lgd::Beta { mean, sd: 0.0 } => LgdModel::Fixed(mean),
                    Lgd::Beta { mean, sd } => {
                        let (alpha, beta) = crate::dist::beta_shapes(mean, sd);
                        LgdModel::Beta { alpha, beta }
                    }
                },
                delay: terms.delay.map(|d| {
                    let sigma2 =
                        portable::ln(1.0 + d.sd_days * d.sd_days / (d.mean_days * d.mean_days));
                    let (mu, sigma) = (portable::ln(d.mean_days) - sigma2 / 2.0, sigma2.sqrt());
                    DelayModel {
                        on_time: d.on_time,
                        mu,
                        sigma,
                        fixed_days: d.mean_days.round() as u32,
                        table: table_of(mu, sigma),
                    }
                }),
                calendar,
                limit,
                covered: limit > 0.0,
                name,
            });
        };
        for b in &s.buyers {
            let cal = calendar_of(b.invoices_per_month);
            add(b, b.name.clone(), cal);
        }
        for g in &s.groups {
            let cal = calendar_of(g.terms.invoices_per_month);
            for k in 1..=g.count {
                add(&g.terms, format!("{}#{k}", g.terms.name), cal);
            }
        }

        Model {
            horizon,
            seed: s.seed,
            base_revenue,
            month_starts,
            volatility: s.revenue_volatility,
            cash_share: s.cash_share(),
            variable_ratio: s.variable_ratio,
            supplier_terms_days: s.supplier_terms_days,
            fixed_flows,
            deposit_flows,
            policy_years,
            month_policy_year,
            opening_cash: s.opening_cash,
            credit_line: s.credit_line,
            daily_debit_rate: s.credit_line_rate / 365.0,
            daily_credit_rate: s.deposit_rate / 365.0,
            min_headroom: s.min_headroom,
            recovery_lag_days: s.recovery_lag_days,
            buyers,
            calendars,
            delay_tables,
            policy,
        }
    }
}

/// The latent value below which a default can happen before the horizon, with a margin.
///
/// tau < H  <=>  Phi(X) < 1 - exp(-lambda H / 365)  <=>  X < Phi^-1(that). The margin
/// (1e-6 in X) only makes the pre-test generous; the exact formula decides.
fn default_threshold(lambda: f64, horizon: u32) -> f64 {
    if lambda == 0.0 {
        return f64::NEG_INFINITY;
    }
    let p = -portable::exp_m1(-lambda * horizon as f64 / 365.0);
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    inv_norm_cdf(p) + 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_table_inverts_the_rounded_lognormal() {
        // Against the formula round(exp(mu + sigma * Phi^-1(u))) on a grid of u, away
        // from the (measure-zero) boundaries where the two roundings could differ.
        let (mu, sigma) = (2.77, 0.94);
        let table = DelayTable::new(mu, sigma);
        for i in 1..20_000 {
            let u = i as f64 / 20_000.0;
            let x = portable::exp(mu + sigma * inv_norm_cdf(u));
            if (x - x.floor() - 0.5).abs() < 1e-9 {
                continue;
            }
            assert_eq!(table.sample(u), x.round() as u32, "u = {u}");
        }
        // The far tail uses the formula.
        let u = 1.0 - 1e-9;
        let x = portable::exp(mu + sigma * inv_norm_cdf(u)).round() as u32;
        assert_eq!(table.sample(u), x);
    }

    #[test]
    fn month_grid_matches_model_md() {
        let starts: Vec<u32> = (0..14).map(month_start).collect();
        assert_eq!(
            starts,
            vec![
                0, 30, 60, 91, 121, 152, 182, 212, 243, 273, 304, 334, 365, 395
            ]
        );
    }
}

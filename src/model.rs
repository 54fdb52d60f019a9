//! A validated scenario compiled into the numbers the path loop needs.
//!
//! Everything that does not depend on the random draws is worked out once here: the
//! month grid, the deterministic part of revenue, the fixed and scheduled flows, each
//! buyer's invoice calendar, default threshold, delay parameters and credit limit.
//! The path loop in [`crate::engine`] then only adds the random part.

pub use crate::delay::{DelayModel, DelayTable, Family, GUIDE, uniform_threshold};
pub(crate) use crate::delay::{SEARCH, THRESHOLD_MASK};
use crate::dist::{inv_norm_cdf, portable};
use crate::rng::DrawList;
use crate::scenario::{BuyerTerms, DelayDistribution, Lgd, Policy, Scenario};

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
    /// A stress case's fixed default day (>= horizon: never).
    pub forced_default: Option<u32>,
    /// Loss given default.
    pub lgd: LgdModel,
    /// Late payment; `None` always pays on time.
    pub delay: Option<DelayModel>,
    /// Index into [`Model::calendars`] of this buyer's invoice calendar.
    pub calendar: usize,
    /// Index into [`Model::copulas`] of this buyer's copula parameters.
    pub copula: usize,
    /// Its country ([`Model::countries`]; [`NO_COUNTRY`] without one), whose political
    /// events block its payments and sales.
    pub country: u32,
    /// Position in [`Model::draws`] of the draw of its own factor E(b) (unused when
    /// the buyer cannot default at random).
    pub factor_draw: usize,
    /// Position in [`Model::draws`] of its first invoice's draw; the others follow
    /// (unused without a `delay` table: such a buyer needs no draws per invoice).
    pub first_invoice_draw: usize,
    /// Draws of [`Model::draws`] up to this position (exclusive) are those of this
    /// buyer and the buyers before it.
    pub draws_end: usize,
    /// True when some policy covers this buyer (its limit there is > 0).
    pub covered: bool,
    /// The policies that cover it: bit k for policy k ([`Model::policies`]).
    pub coverage: u8,
    /// The covering policies whose limit on it can change in a path (monitoring or a
    /// downturn, MODEL.md section 16), and those that monitor it.
    pub varying: u8,
    /// See `varying`.
    pub monitored: u8,
    /// True when any mechanic of version 2 touches the buyer's invoices: a country
    /// (political events) or a policy whose limits on it vary (MODEL.md 16, 17).
    pub v2: bool,
    /// The shortest waiting period of the policies that cover it (`u32::MAX` when
    /// none does): an invoice paid later than this may be claimed by one of them.
    pub waiting: u32,
    /// Index into [`Model::coverage_classes`] of its coverage (unused when not
    /// covered): buyers covered by the same policies add to one insured turnover.
    pub turnover_class: usize,
    /// Its opening receivables: a range of [`Model::opening`].
    pub opening: std::ops::Range<usize>,
}

/// An invoice open on day 0 as the path loop sees it (MODEL.md section 20).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpeningModel {
    /// The open amount.
    pub amount: f64,
    /// Due day u(i), negative when overdue on day 0.
    pub due: i64,
    /// Its index j in the buyer's stream 2^30 + b (the buyer's j-th in file order).
    pub draw: u32,
    /// Its place in the buyer's issue order (by issue day, then file order), before
    /// every invoice issued on day 0 or later: the claim order's tie-break.
    pub rank: u32,
}

/// The borrowing base as the path loop sees it (MODEL.md section 15).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinancingModel {
    /// advance_rate: lent on every eligible amount.
    pub advance_rate: f64,
    /// insured_advance_rate - advance_rate: lent in addition on the insured part.
    pub insured_extra: f64,
    /// An invoice is eligible up to and including due + this day.
    pub max_days_past_due: u32,
    /// Cap on the borrowing base.
    pub facility_limit: f64,
    /// The daily rate on a negative balance in a policy's variant:
    /// max(0, credit_line_rate - insured_rate_reduction) / 365.
    pub policy_daily_debit_rate: f64,
}

/// One policy as the path loop sees it (MODEL.md sections 7 and 14).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyModel {
    /// Its terms.
    pub terms: Policy,
    /// The limit of each buyer under it, in buyer order (0: not covered).
    pub limits: Vec<f64>,
    /// Its deposits per day, length H.
    pub deposit_flows: Vec<f64>,
    /// True when its limits can change within a path (monitoring or a downturn,
    /// MODEL.md section 16): then cover is decided invoice by invoice.
    pub varying: bool,
}

/// The copula parameters of a buyer, shared by all buyers with the same values (all
/// members of a group, say), so that the default pre-test costs one normal
/// distribution function per class and path, not one inverse normal per buyer.
///
/// X(b) = S + sqrt(1 - rho - w) E(b), with the systematic part S = sqrt(rho) Z, plus
/// sqrt(w) C(c) for a buyer of a country c with w = w(c) > 0 (MODEL.md sections 6
/// and 17).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Copula {
    /// sqrt(rho).
    pub sqrt_rho: f64,
    /// sqrt(w(c)) of the buyer's country (0 without one, or when w = 0).
    pub sqrt_w: f64,
    /// The country c whose factor enters S ([`Model::countries`]); `u32::MAX` when
    /// none does.
    pub country: u32,
    /// sqrt(1 - rho - w): the loading of the buyer's own factor (sqrt(1 - rho) without
    /// a country).
    pub sqrt_own: f64,
    /// Latent values X >= this cannot default within the horizon (a fast pre-test;
    /// the default day itself is always computed from the exact formula).
    pub default_threshold: f64,
}

/// No country (in [`Copula::country`] and [`BuyerModel::country`]).
pub const NO_COUNTRY: u32 = u32::MAX;

impl Copula {
    /// The systematic part S of X(b) for the common factor `z` and the country
    /// factors of the path, `country_factor(c)` = C(c): sqrt(rho) z, plus sqrt(w) C(c)
    /// with a country (the same operations, in the same order, as MODEL.md's formula).
    #[inline]
    pub fn systematic(&self, z: f64, country_factor: impl FnOnce(usize) -> f64) -> f64 {
        if self.country == NO_COUNTRY {
            self.sqrt_rho * z
        } else {
            self.sqrt_rho * z + self.sqrt_w * country_factor(self.country as usize)
        }
    }

    /// A bound on the uniform u of E(b) = Phi^-1(u), given the systematic part S: when
    /// u >= this bound, X = S + sqrt_own E(b) is above the default threshold, so the
    /// buyer does not default within the horizon.
    ///
    /// X < threshold  <=>  E(b) < e* = (threshold - S) / sqrt_own
    /// <=>  u < Phi(e*). The bound is Phi(e* + 1e-6) + 1e-12: the margins (10^-6 in E
    /// against relative errors of about 10^-15 in Phi and its inverse; 10^-12 in u
    /// against the rounding of Phi near 1, where one step of 2^-53 in u is a step of
    /// 10^-5 in E at E = 7) make the pre-test generous, and every buyer below the bound
    /// goes through the exact formula, so the bound never changes a default day. It
    /// sends one buyer in about 10^12 through the formula needlessly.
    #[inline]
    pub fn uniform_bound(&self, systematic: f64) -> f64 {
        if self.default_threshold == f64::NEG_INFINITY {
            return 0.0;
        }
        let e = (self.default_threshold - systematic) / self.sqrt_own;
        crate::dist::norm_cdf(e + 1e-6) + 1e-12
    }
}

/// A country as the path loop sees it (MODEL.md section 17).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountryModel {
    /// When its political event falls.
    pub event: EventRule,
    /// Days an event blocks payments and sales.
    pub moratorium_days: u32,
}

/// How a country's political event day T(c) is found in a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventRule {
    /// political_pd = 0: no event.
    Never,
    /// T = floor(365 (-ln(1 - U)) / lambda), lambda = -ln(1 - political_pd).
    Random {
        /// lambda.
        lambda: f64,
    },
    /// A stress case's day, in every path (`None`: the day is >= H, no event).
    Forced(Option<u32>),
}

impl EventRule {
    /// The event day in a path whose event uniform is `u`, if it falls before
    /// `horizon`.
    #[inline]
    pub fn day(&self, u: f64, horizon: u32) -> Option<u32> {
        match *self {
            EventRule::Never => None,
            EventRule::Forced(day) => day,
            EventRule::Random { lambda } => {
                let t = (365.0 * -portable::ln_1p(-u) / lambda).floor();
                (t < horizon as f64).then_some(t as u32)
            }
        }
    }
}

/// The invoices a buyer with n invoices per month issues: (month, day) in issue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Invoices per month.
    pub per_month: u32,
    /// Month and issue day of every potential invoice, in issue order.
    pub invoices: Vec<(u32, u32)>,
    /// How many of them are issued before H.
    pub within_horizon: u32,
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
    /// Fixed and scheduled flows per day (every variant), length H.
    pub fixed_flows: Vec<f64>,
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
    /// Copula parameters, one per distinct (rho, country, w, default threshold).
    pub copulas: Vec<Copula>,
    /// The countries, in file order (MODEL.md section 17).
    pub countries: Vec<CountryModel>,
    /// With monitoring or a downturn in some policy (MODEL.md section 16): the same
    /// model without them, simulated on the same paths to measure what the limit cuts
    /// change ([`crate::run::run`] does so for every path).
    pub without_cuts: Option<Box<Model>>,
    /// The draws of streams 1 + b a path needs (section "Random numbers" of
    /// [`crate::rng`]): each randomly defaulting buyer's factor, then each late-paying
    /// buyer's invoices, in buyer order.
    pub draws: DrawList,
    /// The borrowing base, if the file has `[financing]`.
    pub financing: Option<FinancingModel>,
    /// Every opening receivable, buyer by buyer ([`BuyerModel::opening`]).
    pub opening: Vec<OpeningModel>,
    /// The policies, in file order: variant 1 + k is policy k's.
    pub policies: Vec<PolicyModel>,
    /// The distinct coverages of covered buyers (bit k: policy k), in order of first
    /// appearance: one insured turnover is kept per class, and policy k's turnover
    /// is the sum of the classes with bit k. With one policy there is one class.
    pub coverage_classes: Vec<u8>,
    /// Number of variants: uninsured, then one per policy (two without a policy).
    pub variants: usize,
}

impl Model {
    /// Number of variants simulated ([`crate::variant`]).
    pub fn variants(&self) -> usize {
        self.variants
    }

    /// The daily rate on a negative balance in variant `v`: credit_line_rate / 365,
    /// less the financing's reduction in a policy's variant (MODEL.md section 15).
    pub fn daily_debit_rate(&self, v: usize) -> f64 {
        match &self.financing {
            Some(f) if v != crate::variant::UNINSURED && !self.policies.is_empty() => {
                f.policy_daily_debit_rate
            }
            _ => self.daily_debit_rate,
        }
    }

    /// Number of policy ledgers: one per variant after the uninsured one (all zeros
    /// without a policy).
    pub fn ledgers(&self) -> usize {
        self.variants - 1
    }

    /// Number of policy years reported one by one (`by_year`, MODEL.md section 18):
    /// every policy year that starts before H when H > 365, else none.
    pub fn reported_years(&self) -> usize {
        if self.horizon > YEAR_DAYS {
            self.policy_years
        } else {
            0
        }
    }

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

    /// Number of potential invoices per path of the buyers the policy covers: the most
    /// claims a path can have (each invoice is claimed at most once).
    pub fn claimable_invoices_per_path(&self) -> u64 {
        self.buyers
            .iter()
            .filter(|b| b.covered)
            .map(|b| self.calendars[b.calendar].invoices.len() as u64)
            .sum()
    }

    /// True when some policy's limits can change within a path (monitoring or a
    /// downturn, MODEL.md section 16).
    pub fn has_cuts(&self) -> bool {
        self.policies.iter().any(|p| p.varying)
    }

    /// True when variant `v` may sell less than the uninsured one: its policy stops
    /// sales to buyers it cuts (MODEL.md section 16), so its credit loss is its own.
    pub fn sells_less(&self, v: usize) -> bool {
        v != crate::variant::UNINSURED
            && self
                .policies
                .get(v - 1)
                .is_some_and(|p| p.terms.monitoring.is_some_and(|m| m.stop_sales))
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
            for day in flow.days(horizon) {
                fixed_flows[day as usize] += flow.amount;
            }
        }

        let policy_years = horizon.div_ceil(YEAR_DAYS) as usize;
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
                within_horizon: invoices.iter().filter(|i| i.1 < horizon).count() as u32,
                invoices,
            });
            calendars.len() - 1
        };

        let mut delay_tables: Vec<DelayTable> = Vec::new();
        let mut table_of = |family: Option<Family>| -> usize {
            let Some(family) = family else {
                return usize::MAX;
            };
            if let Some(i) = delay_tables.iter().position(|t| t.family() == family) {
                return i;
            }
            delay_tables.push(DelayTable::new(family));
            delay_tables.len() - 1
        };
        let mut buyers = Vec::with_capacity(s.buyer_count());
        // A stress case's forced default days by buyer number (the first for a buyer
        // named twice).
        let mut forced = std::collections::HashMap::new();
        for f in &s.forced_defaults {
            if let Some(b) = crate::scenario::buyers::index_of(&s.buyers, &s.groups, &f.buyer) {
                forced.entry(b).or_insert(f.day);
            }
        }
        // Each buyer's copula numbers, interned into classes below.
        let mut buyer_copulas: Vec<Copula> = Vec::with_capacity(s.buyer_count());
        // Each buyer's limit under each policy, policy by policy.
        let mut limits: Vec<Vec<f64>> = vec![Vec::with_capacity(s.buyer_count()); s.policies.len()];
        let mut add = |terms: &BuyerTerms, name: String, group: Option<&str>, calendar: usize| {
            let rho = terms.correlation.unwrap_or(s.correlation);
            let lambda = -portable::ln_1p(-terms.pd);
            let (mut coverage, mut varying, mut monitored) = (0u8, 0u8, 0u8);
            let mut waiting = u32::MAX;
            for (k, policy) in s.policies.iter().enumerate() {
                let limit = policy.limit_of(&name, group, terms.limit);
                limits[k].push(limit);
                if limit > 0.0 {
                    coverage |= 1 << k;
                    waiting = waiting.min(policy.waiting_period_days);
                    if policy.monitoring.is_some() {
                        monitored |= 1 << k;
                    }
                    if policy.monitoring.is_some() || policy.downturn.is_some() {
                        varying |= 1 << k;
                    }
                }
            }
            let forced_default = forced.get(&buyers.len()).copied();
            // A country with w > 0 loads the buyer on its factor (w = 0 gives the
            // same X as no country, to the bit).
            let (sqrt_w, factor, sqrt_own) = match terms.country {
                Some(c) if s.countries[c].correlation > 0.0 => {
                    let w = s.countries[c].correlation;
                    (w.sqrt(), c as u32, (1.0 - rho - w).sqrt())
                }
                _ => (0.0, NO_COUNTRY, (1.0 - rho).sqrt()),
            };
            buyer_copulas.push(Copula {
                sqrt_rho: rho.sqrt(),
                sqrt_w,
                country: factor,
                sqrt_own,
                default_threshold: default_threshold(lambda, horizon),
            });
            buyers.push(BuyerModel {
                share_per_invoice: terms.share / terms.invoices_per_month as f64,
                terms_days: terms.terms_days,
                lambda,
                copula: 0,
                country: terms.country.map_or(NO_COUNTRY, |c| c as u32),
                factor_draw: usize::MAX,
                first_invoice_draw: usize::MAX,
                draws_end: 0,
                forced_default,
                lgd: match terms.lgd {
                    Lgd::Fixed(v) => LgdModel::Fixed(v),
                    Lgd::Beta { mean, sd: 0.0 } => LgdModel::Fixed(mean),
                    Lgd::Beta { mean, sd } => {
                        let (alpha, beta) = crate::dist::beta_shapes(mean, sd);
                        if alpha.is_finite() && beta.is_finite() {
                            LgdModel::Beta { alpha, beta }
                        } else {
                            // An sd so small (below about 1e-154) that the shapes
                            // overflow: the whole mass lies closer to the mean than a
                            // double can tell apart, so an exact sampler gives the mean.
                            LgdModel::Fixed(mean)
                        }
                    }
                },
                delay: terms.delay.map(|d| {
                    let gamma = d.distribution == DelayDistribution::Gamma;
                    let family = Family::new(gamma, d.mean_days, d.sd_days);
                    DelayModel {
                        on_time_threshold: if d.on_time >= 1.0 {
                            1 << 52
                        } else {
                            uniform_threshold(d.on_time)
                        },
                        on_time: d.on_time,
                        family,
                        fixed_days: d.mean_days.round() as u32,
                        table: table_of(family),
                    }
                }),
                calendar,
                covered: coverage != 0,
                coverage,
                varying,
                monitored,
                v2: terms.country.is_some() || varying != 0,
                waiting,
                turnover_class: usize::MAX,
                opening: 0..0,
                name,
            });
        };
        for b in &s.buyers {
            let cal = calendar_of(b.invoices_per_month);
            add(b, b.name.clone(), None, cal);
        }
        for g in &s.groups {
            let cal = calendar_of(g.terms.invoices_per_month);
            for k in 1..=g.count {
                let name = crate::scenario::buyers::member_name(&g.terms.name, k);
                add(g.terms_of(k), name, Some(&g.terms.name), cal);
            }
        }
        let mut coverage_classes: Vec<u8> = Vec::new();
        for buyer in buyers.iter_mut().filter(|b| b.covered) {
            buyer.turnover_class = match coverage_classes.iter().position(|&c| c == buyer.coverage)
            {
                Some(i) => i,
                None => {
                    coverage_classes.push(buyer.coverage);
                    coverage_classes.len() - 1
                }
            };
        }
        // Opening receivables grouped by buyer, each buyer's in file order.
        let mut by_buyer: Vec<(usize, usize)> = s
            .receivables
            .iter()
            .enumerate()
            .map(|(i, r)| (r.buyer_index, i))
            .collect();
        by_buyer.sort();
        let mut opening = Vec::with_capacity(by_buyer.len());
        for group in by_buyer.chunk_by(|a, b| a.0 == b.0) {
            let b = group[0].0;
            let start = opening.len();
            let mut order: Vec<(i64, usize)> = group
                .iter()
                .map(|&(_, i)| (s.receivables[i].issue_day, i))
                .collect();
            order.sort();
            for (j, &(_, i)) in group.iter().enumerate() {
                let r = &s.receivables[i];
                opening.push(OpeningModel {
                    amount: r.amount,
                    due: r.due_day,
                    draw: j as u32,
                    rank: order.iter().position(|&(_, k)| k == i).unwrap_or(0) as u32,
                });
            }
            buyers[b].opening = start..opening.len();
        }
        let policies = s
            .policies
            .iter()
            .zip(limits)
            .map(|(terms, limits)| {
                let mut deposit_flows = vec![0.0; horizon as usize];
                for y in 0..policy_years {
                    deposit_flows[y * YEAR_DAYS as usize] -= terms.minimum_premium;
                }
                PolicyModel {
                    terms: terms.clone(),
                    limits,
                    deposit_flows,
                    varying: terms.monitoring.is_some() || terms.downturn.is_some(),
                }
            })
            .collect();

        let mut copulas: Vec<Copula> = Vec::new();
        let mut draws = DrawList::default();
        for (b, buyer) in buyers.iter_mut().enumerate() {
            let copula = buyer_copulas[b];
            buyer.copula = match copulas.iter().position(|c| *c == copula) {
                Some(i) => i,
                None => {
                    copulas.push(copula);
                    copulas.len() - 1
                }
            };
            let stream = 1 + b as u32;
            if buyer.forced_default.is_none() && buyer.lambda > 0.0 {
                buyer.factor_draw = draws.push(stream, 0);
            }
            if buyer.delay.is_some() {
                buyer.first_invoice_draw = draws.len();
                for i in 0..calendars[buyer.calendar].invoices.len() {
                    draws.push(stream, 1 + i as u32);
                }
            }
            buyer.draws_end = draws.len();
        }

        Model {
            without_cuts: s.without_limit_cuts().map(|s| Box::new(Model::new(&s))),
            horizon,
            seed: s.seed,
            base_revenue,
            month_starts,
            volatility: s.revenue_volatility,
            cash_share: s.cash_share(),
            variable_ratio: s.variable_ratio,
            supplier_terms_days: s.supplier_terms_days,
            fixed_flows,
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
            copulas,
            countries: s
                .countries
                .iter()
                .enumerate()
                .map(|(c, country)| CountryModel {
                    event: match s.forced_events.iter().find(|e| e.country == c) {
                        Some(e) => EventRule::Forced((e.day < horizon).then_some(e.day)),
                        None if country.political_pd == 0.0 => EventRule::Never,
                        None => EventRule::Random {
                            lambda: -portable::ln_1p(-country.political_pd),
                        },
                    },
                    moratorium_days: country.moratorium_days,
                })
                .collect(),
            draws,
            financing: s.financing.map(|f| FinancingModel {
                advance_rate: f.advance_rate,
                insured_extra: f.insured_advance_rate - f.advance_rate,
                max_days_past_due: f.max_days_past_due,
                facility_limit: f.facility_limit,
                policy_daily_debit_rate: (s.credit_line_rate - f.insured_rate_reduction).max(0.0)
                    / 365.0,
            }),
            opening,
            policies,
            coverage_classes,
            variants: s.variants(),
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
    fn the_uniform_bound_never_skips_a_default() {
        // The engine skips a buyer when u >= bound; the exact test it replaces is
        // X = sqrt(rho) z + sqrt(1 - rho) Phi^-1(u) >= threshold. Check the implication
        // just above each bound, where a wrong bound would show first.
        // With a country (w > 0), the systematic part adds sqrt(w) C for a few C.
        let loadings = [
            (0.0, 0.0),
            (0.12, 0.0),
            (0.5, 0.0),
            (0.95, 0.0),
            (0.12, 0.1),
            (0.3, 0.6),
        ];
        for (rho, w) in loadings {
            for (pd, c) in [(1e-6, -3.0), (0.015, 0.0), (0.3, 2.5), (0.999, 0.7)] {
                let lambda = -portable::ln_1p(-pd);
                let copula = Copula {
                    sqrt_rho: f64::sqrt(rho),
                    sqrt_w: f64::sqrt(w),
                    country: if w > 0.0 { 0 } else { NO_COUNTRY },
                    sqrt_own: f64::sqrt(1.0 - rho - w),
                    default_threshold: default_threshold(lambda, 365),
                };
                for i in -80..=80 {
                    let z = i as f64 / 10.0;
                    let systematic = copula.systematic(z, |_| c);
                    let bound = copula.uniform_bound(systematic);
                    let above = [1e-16, 1e-15, 1e-13, 1e-12, 1e-9, 1e-6, 1e-3];
                    for u in std::iter::once(bound).chain(above.iter().map(|d| bound + d)) {
                        if u <= 0.0 || u >= 1.0 {
                            continue;
                        }
                        let x = systematic + copula.sqrt_own * inv_norm_cdf(u);
                        assert!(
                            x >= copula.default_threshold,
                            "rho {rho} pd {pd} z {z} u {u}"
                        );
                    }
                }
            }
        }
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

//! The figures of a run (MODEL.md sections 8 and 11), computed from a [`RunResult`].
//!
//! Every figure here is defined in `docs/figures.md`; the JSON written by
//! [`crate::output`] is this struct serialised, so its keys are a public interface:
//! keys may be added, never renamed.

use crate::run::{BlockSums, Run, RunResult};
use crate::stats::{self, Interval, Level, P1, P5, P50, P95, P99, P999};
use crate::variant::UNINSURED;
use serde::Serialize;

/// An estimate and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub estimate: f64,
    /// [low, high]; null when it cannot be computed (fewer than two paths).
    pub ci95: [f64; 2],
}

impl From<Interval> for Estimate {
    fn from(i: Interval) -> Estimate {
        Estimate {
            estimate: i.estimate,
            ci95: [i.low, i.high],
        }
    }
}

/// A mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mean {
    /// The mean over all paths.
    pub mean: f64,
}

/// When the first shortfall happens, among paths that have one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShortfallTiming {
    /// Mean first shortfall day (null without shortfalls).
    pub mean_day: Option<f64>,
    /// Median first shortfall day (null without shortfalls).
    pub median_day: Option<u32>,
}

/// Minimum headroom per path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MinHeadroom {
    /// Mean.
    pub mean: f64,
    /// 1st percentile.
    pub p1: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
}

/// End balance B(H-1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EndBalance {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Credit loss per path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CreditLoss {
    /// Mean.
    pub mean: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Expected shortfall at 99 %: mean of the largest ceil(0.01 N) losses.
    pub es99: f64,
}

/// The figures of one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantSummary {
    /// P(shortfall) with a Wilson interval.
    pub shortfall_probability: Estimate,
    /// Timing of the first shortfall.
    pub shortfall_timing: ShortfallTiming,
    /// Minimum headroom.
    pub min_headroom: MinHeadroom,
    /// End balance.
    pub end_balance: EndBalance,
    /// Cash-flow-at-risk: mean end balance minus its 5th percentile.
    pub cfar95: f64,
    /// Credit loss (economic; the same in both variants).
    pub credit_loss: CreditLoss,
    /// Interest charged on negative balances within the horizon, mean per path.
    pub interest_paid: Mean,
    /// Interest earned on positive balances within the horizon, mean per path.
    pub interest_earned: Mean,
    /// Peak drawn: per path max over days of max(0, -B(t)) (MODEL.md section 18).
    pub peak_drawn: PeakDrawn,
    /// Open receivables: per path the mean over days of the open invoices' amounts.
    pub receivables: Mean,
    /// Days sales outstanding over the horizon.
    pub dso: Dso,
    /// With `[financing]`: per path the mean over days of the borrowing base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borrowing_base: Option<Mean>,
    /// End position: B(H-1) + receivables open on day H - 1 - supplier costs due on or
    /// after H of sales before H.
    pub end_position: EndBalance,
    /// With H > 365, each policy year that starts before H, in order (MODEL.md
    /// section 18); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_year: Vec<YearFigures>,
}

/// One policy year of a variant (MODEL.md section 18, `by_year`): every amount dated
/// by the day its cash moves, so the years add up to the horizon's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct YearFigures {
    /// The policy year y: days 365 y to 365 (y + 1) - 1 (and before H).
    pub year: u32,
    /// P(a shortfall on some day of the year), with a Wilson interval.
    pub shortfall_probability: Estimate,
    /// Deposits and cash premiums dated in the year, mean per path (0 uninsured).
    pub premium_paid: Mean,
    /// Payouts dated in the year, mean per path (0 uninsured).
    pub payouts_received: Mean,
    /// Credit loss of the buyers that default in the year, mean per path.
    pub credit_loss: Mean,
}

/// Peak drawn per path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeakDrawn {
    /// Mean.
    pub mean: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// DSO per path, over the paths where it is defined (some invoice within the horizon).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dso {
    /// Mean; null when no path has an invoice.
    pub mean: Option<f64>,
    /// 95th percentile; null when no path has an invoice.
    pub p95: Option<f64>,
}

/// The insured variant: the same figures and what the policy costs and pays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsuredSummary {
    /// The figures every variant has.
    #[serde(flatten)]
    pub common: VariantSummary,
    /// Deposits and cash premiums dated before H, mean per path.
    pub premium_paid: Mean,
    /// Payouts dated before H, mean per path.
    pub payouts_received: Mean,
    /// Claims dated before H, mean per path.
    pub claims: Mean,
    /// Credit loss net of insurance payouts (LGD x (A - payout)), mean per path.
    pub net_credit_loss: Mean,
    /// The insurer's share of later payments and recoveries on claimed invoices,
    /// dated before H, mean per path.
    pub paid_to_insurer: Mean,
    /// True when the premium paid is the minimum premium of every policy year in
    /// every path: the turnover premium never used up a deposit, so a lower premium
    /// rate changes nothing.
    pub minimum_premium_binds: bool,
    /// What the insurer's monitoring and downturn cuts did (MODEL.md section 16);
    /// absent for a policy without either.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_cuts: Option<LimitCuts>,
}

/// What a policy's limit cuts did on the paths (MODEL.md section 16).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LimitCuts {
    /// Buyers whose limit the monitoring cut before H, mean per path.
    pub decisions: Mean,
    /// Of them, cut by a false alarm (a default not detected, or none to come).
    pub false_alarms: Mean,
    /// With stop_sales: the amount not invoiced within the horizon because the
    /// company stopped delivering, mean per path (0 without stop_sales).
    pub not_delivered: Mean,
    /// What those sales would have added to the end balance (their payments and
    /// recoveries dated before H less their supplier costs dated before H), as the
    /// change they make to it: mean per path, <= 0 when a sale pays for its costs.
    pub sales_not_made: Mean,
    /// With a downturn: the share of paths in which the policy cut every limit
    /// (Z < z_below); null without one.
    pub downturn_probability: Option<f64>,
    /// P(shortfall) under this policy were its monitoring and downturn removed,
    /// simulated on the same paths, with its Wilson interval.
    pub shortfall_without_cuts: Estimate,
    /// The change the cuts make to P(shortfall) under this policy: with them minus
    /// without, paired path by path, with its interval.
    pub shortfall_change: Estimate,
}

/// Insured minus uninsured, per path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Change in P(shortfall), interval from the per-path differences.
    pub shortfall_probability: Estimate,
    /// Mean change in end balance with its interval.
    pub end_balance_mean: Estimate,
    /// Paths with a shortfall uninsured but not insured.
    pub paths_rescued: u64,
    /// Paths with a shortfall insured but not uninsured.
    pub paths_harmed: u64,
}

/// Two policies compared on the same paths: the second minus the first (MODEL.md
/// section 14: every comparison between policies is paired).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyPair {
    /// The first policy's name.
    pub first: String,
    /// The second policy's name.
    pub second: String,
    /// P(shortfall) of the second minus that of the first, with the interval from the
    /// per-path differences of the shortfall indicators.
    pub shortfall_probability: Estimate,
    /// Mean end balance of the second minus that of the first, per path.
    pub end_balance_mean: Estimate,
    /// Paths with a shortfall under the first policy but not the second.
    pub first_only: u64,
    /// Paths with a shortfall under the second policy but not the first.
    pub second_only: u64,
}

/// Which scenario was run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// `scenario.name`.
    pub name: String,
    /// The file as given on the command line.
    pub file: String,
    /// The stress case applied, or null.
    pub stress: Option<String>,
    /// Currency label.
    pub currency: String,
    /// True when the file has an `[insurance]` table.
    pub insured: bool,
}

/// How it was run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationInfo {
    /// Number of paths.
    pub paths: u64,
    /// Seed.
    pub seed: u64,
    /// Horizon in days.
    pub horizon_days: u32,
    /// With `--precision`: the target and the half-widths reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Per country in file order, the mean number of political events within the
    /// horizon per path (MODEL.md section 18); absent without countries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub political_events: Vec<CountryEvents>,
}

/// The political events of one country (MODEL.md section 18).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryEvents {
    /// The country's name.
    pub country: String,
    /// Mean number of events within the horizon per path (at most one per path).
    pub mean: f64,
}

/// The precision a `--precision` run reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Precision {
    /// The target half-width.
    pub target: f64,
    /// 95 % half-widths reached: uninsured, insured, change.
    pub half_widths: [f64; 3],
    /// True when the target was met (false: --max-paths was reached first).
    pub met: bool,
}

impl Summary {
    /// The 95 % half-widths of P(shortfall) uninsured, insured and of the change.
    pub fn half_widths(&self) -> [f64; 3] {
        let h = |e: &Estimate| (e.ci95[1] - e.ci95[0]) / 2.0;
        [
            h(&self.uninsured.shortfall_probability),
            h(&self.insured().common.shortfall_probability),
            h(&self.difference().shortfall_probability),
        ]
    }
}

/// Everything `summary.json` holds, by variant: the uninsured variant, then each
/// policy (MODEL.md sections 11 and 14). `summary.json` is written from this by
/// `SummaryJson` (its `Serialize`), which keeps the version-1 keys: `insured` and `difference` are the
/// first policy's.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Version of cashrisk that produced the figures.
    pub cashrisk_version: String,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The run.
    pub simulation: SimulationInfo,
    /// Without a policy.
    pub uninsured: VariantSummary,
    /// Each policy variant, in the order of the run's variants (version 1: the policy
    /// of `[insurance]`; without one, a second variant that is the uninsured again).
    pub policies: Vec<PolicySummary>,
    /// Decision figures (docs/figures.md).
    pub decision: DecisionFigures,
    /// Every pair of policies (in file order), with two policies or more.
    pub policy_pairs: Vec<PolicyPair>,
}

/// One policy variant: its figures, what the policy costs and pays, and the paired
/// difference against the uninsured variant on the same paths.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySummary {
    /// The policy's name as the results show it.
    pub name: String,
    /// Its figures.
    pub figures: InsuredSummary,
    /// This variant minus uninsured, per path.
    pub difference: Difference,
    /// What the policy is worth for liquidity (the verdict's figures).
    pub decision: PolicyDecision,
}

/// What a policy costs against what it does for liquidity (docs/figures.md, "The
/// verdict").
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PolicyDecision {
    /// The policy's expected net cost a year: minus the mean change in end balance,
    /// scaled to 365 days.
    pub net_cost_per_year: f64,
    /// Net cost a year per percentage point of shortfall probability avoided; null
    /// when the policy does not lower the probability.
    pub cost_per_point_avoided: Option<f64>,
    /// The extra committed credit line that gives the uninsured company the policy's
    /// shortfall probability (0 when the policy does not lower it).
    pub same_protection_credit_line: f64,
    /// The yearly fee on that line at which it costs what the policy costs (net cost
    /// a year / line); null when the line is 0 or the policy costs nothing.
    pub same_protection_fee: Option<f64>,
}

/// One variant as the renderers read it: its name and figures, and for a policy
/// variant what the policy adds.
#[derive(Debug, Clone, Copy)]
pub struct VariantView<'a> {
    /// The index of the variant ([`crate::variant`]).
    pub index: usize,
    /// Its name as a column heading: "Uninsured" or the policy's name.
    pub name: &'a str,
    /// The figures every variant has.
    pub figures: &'a VariantSummary,
    /// The policy's figures and difference; `None` for the uninsured variant.
    pub policy: Option<&'a PolicySummary>,
}

impl Summary {
    /// The first policy's figures (`insured` in summary.json).
    pub fn insured(&self) -> &InsuredSummary {
        &self.policies[0].figures
    }

    /// The first policy's paired difference (`difference` in summary.json).
    pub fn difference(&self) -> &Difference {
        &self.policies[0].difference
    }

    /// Number of variants shown to the reader: uninsured and each policy (without a
    /// policy, the uninsured variant alone; summary.json, timeseries.csv and a batch's
    /// rows still hold the simulated second variant, as in version 1).
    pub fn variant_count(&self) -> usize {
        if self.scenario.insured {
            1 + self.policies.len()
        } else {
            1
        }
    }

    /// The policies shown to the reader (none without a policy).
    pub fn shown_policies(&self) -> &[PolicySummary] {
        &self.policies[..self.variant_count() - 1]
    }

    /// Variant `v` (0: uninsured).
    pub fn variant(&self, v: usize) -> VariantView<'_> {
        if v == UNINSURED {
            VariantView {
                index: v,
                name: "Uninsured",
                figures: &self.uninsured,
                policy: None,
            }
        } else {
            let p = &self.policies[v - 1];
            VariantView {
                index: v,
                name: &p.name,
                figures: &p.figures.common,
                policy: Some(p),
            }
        }
    }

    /// Every variant shown to the reader, uninsured first.
    pub fn variants(&self) -> impl Iterator<Item = VariantView<'_>> {
        (0..self.variant_count()).map(|v| self.variant(v))
    }

    /// Every variant simulated, uninsured first (the rows of machine-readable files).
    pub fn simulated_variants(&self) -> impl Iterator<Item = VariantView<'_>> {
        (0..1 + self.policies.len()).map(|v| self.variant(v))
    }
}

/// The JSON form of a [`Summary`]: the keys of MODEL.md section 11, in their order.
#[derive(Serialize)]
struct SummaryJson<'a> {
    cashrisk_version: &'a str,
    scenario: &'a ScenarioInfo,
    simulation: &'a SimulationInfo,
    uninsured: &'a VariantSummary,
    insured: &'a InsuredSummary,
    difference: &'a Difference,
    /// Every policy in file order (MODEL.md section 14); empty without one.
    policies: Vec<PolicyJson<'a>>,
    decision: DecisionJson<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    policy_pairs: &'a [PolicyPair],
}

/// One entry of `policies`: its name, every key of `insured`, its `difference` and
/// its verdict figures.
#[derive(Serialize)]
struct PolicyJson<'a> {
    name: &'a str,
    #[serde(flatten)]
    figures: &'a InsuredSummary,
    difference: &'a Difference,
    decision: &'a PolicyDecision,
}

/// `decision` in summary.json: the extra credit lines, the first policy's verdict
/// figures (with a policy), the break-even rate (when computed).
#[derive(Serialize)]
struct DecisionJson<'a> {
    extra_credit_line: &'a [crate::decision::ExtraLiquidity; 2],
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    policy: Option<&'a PolicyDecision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    break_even_premium_rate: Option<Option<f64>>,
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SummaryJson {
            cashrisk_version: &self.cashrisk_version,
            scenario: &self.scenario,
            simulation: &self.simulation,
            uninsured: &self.uninsured,
            insured: self.insured(),
            difference: self.difference(),
            policies: self
                .shown_policies()
                .iter()
                .map(|p| PolicyJson {
                    name: &p.name,
                    figures: &p.figures,
                    difference: &p.difference,
                    decision: &p.decision,
                })
                .collect(),
            decision: DecisionJson {
                extra_credit_line: &self.decision.extra_credit_line,
                policy: self.shown_policies().first().map(|p| &p.decision),
                break_even_premium_rate: self.decision.break_even_premium_rate,
            },
            policy_pairs: &self.policy_pairs,
        }
        .serialize(serializer)
    }
}

/// Extra liquidity each variant needs for a target shortfall probability, and the
/// break-even premium rate when it was computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionFigures {
    /// Extra committed credit line for P(shortfall) <= 5 % and <= 1 %.
    pub extra_credit_line: [crate::decision::ExtraLiquidity; 2],
    /// The premium rate at which the insured mean end balance equals the uninsured
    /// one; null when no rate in [0, 1] does; absent when not computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_even_premium_rate: Option<Option<f64>>,
}

fn percentiles<const K: usize>(values: &[f64], levels: [Level; K]) -> [f64; K] {
    let mut work = values.to_vec();
    levels.map(|l| stats::quantile(&mut work, l))
}

fn variant(r: &RunResult, v: usize, credit_loss: CreditLoss, financed: bool) -> VariantSummary {
    let n = r.paths();
    let shortfalls: u64 = r.variants[v].shortfall_days.iter().sum();
    let [p1, p5, p50] = percentiles(&r.variants[v].min_headroom, [P1, P5, P50]);
    let min_headroom = MinHeadroom {
        mean: stats::mean(&r.variants[v].min_headroom),
        p1,
        p5,
        p50,
    };
    let [e5, e50, e95] = percentiles(&r.variants[v].end_balance, [P5, P50, P95]);
    let sums = BlockSums::total(&r.variants[v].blocks);
    let mean = |sum: f64| Mean {
        mean: sum / n as f64,
    };
    let end_balance = EndBalance {
        mean: stats::mean(&r.variants[v].end_balance),
        p5: e5,
        p50: e50,
        p95: e95,
    };
    let column = &r.variants[v];
    let [p5, p50, p95] = percentiles(&column.end_position, [P5, P50, P95]);
    let defined: Vec<f64> = column.dso.iter().copied().filter(|&x| x >= 0.0).collect();
    let dso = match defined.is_empty() {
        true => Dso {
            mean: None,
            p95: None,
        },
        false => Dso {
            mean: Some(stats::mean(&defined)),
            p95: Some(percentiles(&defined, [P95])[0]),
        },
    };
    VariantSummary {
        shortfall_probability: stats::wilson(shortfalls, n).into(),
        shortfall_timing: timing(&r.variants[v].shortfall_days),
        min_headroom,
        end_balance,
        cfar95: end_balance.mean - end_balance.p5,
        credit_loss,
        interest_paid: mean(sums.interest_paid),
        interest_earned: mean(sums.interest_earned),
        peak_drawn: PeakDrawn {
            mean: stats::mean(&column.peak_drawn),
            p95: percentiles(&column.peak_drawn, [P95])[0],
        },
        receivables: mean(sums.receivables),
        dso,
        borrowing_base: financed.then(|| mean(sums.borrowing_base)),
        end_position: EndBalance {
            mean: stats::mean(&column.end_position),
            p5,
            p50,
            p95,
        },
        by_year: by_year(column, n),
    }
}

/// The `by_year` figures of one variant (empty when H <= 365).
fn by_year(column: &crate::run::VariantResult, n: u64) -> Vec<YearFigures> {
    let mean = |sum: f64| Mean {
        mean: sum / n as f64,
    };
    column
        .year_totals()
        .iter()
        .zip(&column.year_shortfalls)
        .enumerate()
        .map(|(y, (sums, &shortfalls))| YearFigures {
            year: y as u32,
            shortfall_probability: stats::wilson(shortfalls, n).into(),
            premium_paid: mean(sums.premium_paid),
            payouts_received: mean(sums.payouts_received),
            credit_loss: mean(sums.credit_loss),
        })
        .collect()
}

fn timing(days: &[u64]) -> ShortfallTiming {
    let k: u64 = days.iter().sum();
    if k == 0 {
        return ShortfallTiming {
            mean_day: None,
            median_day: None,
        };
    }
    let total: f64 = days
        .iter()
        .enumerate()
        .map(|(d, &c)| d as f64 * c as f64)
        .fold(0.0, |a, b| a + b);
    let rank = P50.rank(k);
    let mut seen = 0;
    let mut median = 0;
    for (d, &c) in days.iter().enumerate() {
        seen += c;
        if seen >= rank {
            median = d as u32;
            break;
        }
    }
    ShortfallTiming {
        mean_day: Some(total / k as f64),
        median_day: Some(median),
    }
}

/// Policy variant `v` of a run: its figures, what the policy cost and paid, and its
/// paired difference against the uninsured variant.
fn policy(
    r: &RunResult,
    v: usize,
    name: &str,
    credit_loss: CreditLoss,
    scenario: &crate::scenario::Scenario,
) -> PolicySummary {
    let floor = scenario.min_headroom;
    let horizon_days = scenario.horizon_days;
    let minimum_premium = scenario
        .policies
        .get(v - 1)
        .map_or(0.0, |p| p.minimum_premium);
    let financed = scenario.financing.is_some();
    let n = r.paths() as f64;
    let result = &r.variants[v];
    let sums = BlockSums::total(&result.blocks);
    // The deposits every path pays: the minimum premium of each policy year.
    let deposits = minimum_premium * horizon_days.div_ceil(365) as f64;
    let figures = InsuredSummary {
        common: variant(r, v, credit_loss, financed),
        premium_paid: Mean {
            mean: sums.premium_paid / n,
        },
        payouts_received: Mean {
            mean: sums.payouts_received / n,
        },
        claims: Mean {
            mean: result.claims as f64 / n,
        },
        net_credit_loss: Mean {
            mean: sums.net_credit_loss / n,
        },
        paid_to_insurer: Mean {
            mean: sums.paid_to_insurer / n,
        },
        // Up to the rounding of the sum over paths.
        minimum_premium_binds: deposits > 0.0 && sums.premium_paid / n <= deposits * (1.0 + 1e-12),
        limit_cuts: scenario.policies.get(v - 1).and_then(|p| {
            (p.monitoring.is_some() || p.downturn.is_some()).then(|| LimitCuts {
                decisions: Mean {
                    mean: result.decisions as f64 / n,
                },
                false_alarms: Mean {
                    mean: result.false_alarms as f64 / n,
                },
                not_delivered: Mean {
                    mean: sums.unsold / n,
                },
                sales_not_made: Mean {
                    mean: -sums.unsold_cash / n,
                },
                downturn_probability: p.downturn.map(|_| result.downturns as f64 / n),
                shortfall_without_cuts: stats::wilson(
                    result
                        .shortfall_without_cuts
                        .iter()
                        .map(|&x| x as u64)
                        .sum(),
                    r.paths(),
                )
                .into(),
                shortfall_change: cut_effect(result, floor).into(),
            })
        }),
    };
    let end_change = stats::mean_interval(
        result
            .end_balance
            .iter()
            .zip(&r.variants[UNINSURED].end_balance)
            .map(|(i, u)| i - u),
    );
    let decision = policy_decision(r, v, floor, end_change.estimate, horizon_days);
    PolicySummary {
        name: name.to_string(),
        figures,
        decision,
        difference: Difference {
            shortfall_probability: stats::paired_probability_change(
                result.rescued,
                result.harmed,
                r.paths(),
            )
            .into(),
            end_balance_mean: end_change.into(),
            paths_rescued: result.rescued,
            paths_harmed: result.harmed,
        },
    }
}

/// The verdict's figures of policy variant `v`, whose mean change in end balance is
/// `end_change`.
fn policy_decision(
    r: &RunResult,
    v: usize,
    floor: f64,
    end_change: f64,
    horizon_days: u32,
) -> PolicyDecision {
    let n = r.paths();
    let count = |v: usize| r.variants[v].shortfall_days.iter().sum::<u64>();
    let (uninsured, insured) = (count(UNINSURED), count(v));
    // 365 / H first: exactly 1 for a one-year horizon, so the cost is the change.
    let net_cost_per_year = -end_change * (365.0 / horizon_days as f64);
    let avoided_points = 100.0 * (uninsured as f64 - insured as f64) / n as f64;
    // The line that leaves at most as many uninsured paths short as the policy does.
    let same_protection_credit_line = if insured < uninsured {
        crate::decision::extra_liquidity(
            &r.variants[UNINSURED].min_headroom,
            floor,
            stats::Level {
                num: insured,
                den: n,
            },
        )
    } else {
        0.0
    };
    PolicyDecision {
        net_cost_per_year,
        cost_per_point_avoided: (avoided_points > 0.0).then(|| net_cost_per_year / avoided_points),
        same_protection_credit_line,
        same_protection_fee: (same_protection_credit_line > 0.0 && net_cost_per_year > 0.0)
            .then(|| net_cost_per_year / same_protection_credit_line),
    }
}

/// The paired change in P(shortfall) that a policy's limit cuts make on the paths of
/// variant `v`: per path 1 (a shortfall with the cuts only), -1 (without them only)
/// or 0, their mean and interval (a shortfall is a lowest headroom below `floor`).
fn cut_effect(v: &crate::run::VariantResult, floor: f64) -> stats::Interval {
    let (mut harmed, mut rescued) = (0, 0);
    for (&lowest, &without) in v.min_headroom.iter().zip(&v.shortfall_without_cuts) {
        match (lowest < floor, without == 1) {
            (true, false) => harmed += 1,
            (false, true) => rescued += 1,
            _ => {}
        }
    }
    stats::paired_probability_change(rescued, harmed, v.min_headroom.len() as u64)
}

/// Mean, percentiles and ES99 of a credit-loss column (MODEL.md section 8).
fn credit_loss_figures(column: &[f64]) -> CreditLoss {
    let [p95, p99, p999] = percentiles(column, [P95, P99, P999]);
    // One working copy of a column at a time (8 MB for 10^6 paths).
    let es99 = stats::expected_shortfall(&mut column.to_vec(), P1);
    CreditLoss {
        mean: stats::mean(column),
        p95,
        p99,
        p999,
        es99,
    }
}

impl Summary {
    /// The figures of a run.
    pub fn new(run: &Run) -> Summary {
        let (scenario, file, result) = (&run.scenario, run.file.as_str(), &run.result);
        let n = result.paths();
        let credit_loss = credit_loss_figures(&result.credit_loss);
        let financed = scenario.financing.is_some();
        let uninsured = variant(result, UNINSURED, credit_loss, financed);
        // A variant that sold less (stop_sales, MODEL.md section 16) has its own.
        let policies = (1..result.variants.len())
            .map(|v| {
                let own = &result.variants[v].credit_loss;
                let loss = match own.is_empty() {
                    true => credit_loss,
                    false => credit_loss_figures(own),
                };
                policy(result, v, run.variant_name(v), loss, scenario)
            })
            .collect();
        Summary {
            cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: scenario.name.clone(),
                file: file.to_string(),
                stress: scenario.applied_stress.clone(),
                currency: scenario.currency.clone(),
                insured: !scenario.policies.is_empty(),
            },
            simulation: SimulationInfo {
                paths: n,
                seed: scenario.seed,
                horizon_days: scenario.horizon_days,
                precision: None,
                political_events: scenario
                    .countries
                    .iter()
                    .zip(&result.political_events)
                    .map(|(country, &events)| CountryEvents {
                        country: country.name.clone(),
                        mean: events as f64 / n as f64,
                    })
                    .collect(),
            },
            uninsured,
            policies,
            decision: DecisionFigures {
                extra_credit_line: [P5, P1].map(|target| crate::decision::ExtraLiquidity {
                    target: target.num as f64 / target.den as f64,
                    by_variant: result
                        .variants
                        .iter()
                        .map(|v| {
                            crate::decision::extra_liquidity(
                                &v.min_headroom,
                                scenario.min_headroom,
                                target,
                            )
                        })
                        .collect(),
                }),
                break_even_premium_rate: None,
            },
            policy_pairs: policy_pairs(run),
        }
    }
}

/// Every pair of the run's policies (none with fewer than two), each compared path by
/// path: a path has a shortfall in a variant when its lowest headroom is below
/// min_headroom (MODEL.md section 8).
fn policy_pairs(run: &Run) -> Vec<PolicyPair> {
    let policies = run.scenario.policies.len();
    let r = &run.result;
    let floor = run.scenario.min_headroom;
    let mut pairs = Vec::new();
    for a in 1..=policies {
        for b in a + 1..=policies {
            let (va, vb) = (&r.variants[a], &r.variants[b]);
            let (mut first_only, mut second_only) = (0, 0);
            for (x, y) in va.min_headroom.iter().zip(&vb.min_headroom) {
                match (*x < floor, *y < floor) {
                    (true, false) => first_only += 1,
                    (false, true) => second_only += 1,
                    _ => {}
                }
            }
            let end = va
                .end_balance
                .iter()
                .zip(&vb.end_balance)
                .map(|(x, y)| y - x);
            pairs.push(PolicyPair {
                first: run.variant_name(a).to_string(),
                second: run.variant_name(b).to_string(),
                shortfall_probability: stats::paired_probability_change(
                    first_only,
                    second_only,
                    r.paths(),
                )
                .into(),
                end_balance_mean: stats::mean_interval(end).into(),
                first_only,
                second_only,
            });
        }
    }
    pairs
}

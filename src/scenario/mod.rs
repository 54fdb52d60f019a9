//! Scenario files: loading, validation and stress cases.
//!
//! Loading happens in two stages, as in MODEL.md section 3: the TOML text is read into
//! the serde structs of [`raw`] (which mirror the file and reject unknown keys), then
//! `validate` converts them into the domain types below, which cannot hold an invalid
//! value. Every problem of a file is collected and reported at once, each with its key
//! path and, where the parser knows it, line and column.

pub mod buyers;
mod checker;
mod errors;
mod jargon;
pub mod keys;
mod lgd_de;
mod locate;
mod parse;
pub mod plausible;
pub mod raw;
pub mod schema;
mod stress;
mod validate;
mod what_if;

pub use errors::{KeyPath, Problem, ScenarioError, Seg};
pub use validate::MAX_COUNTRIES;
pub use what_if::{WhatIf, numeric_key};

use raw::RawScenario;
use std::path::{Path, PathBuf};

/// Loss given default of a buyer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lgd {
    /// The same LGD in every path.
    Fixed(f64),
    /// Drawn once per buyer and path from a Beta distribution with this mean and sd.
    Beta { mean: f64, sd: f64 },
}

impl Lgd {
    /// The expected LGD.
    pub fn mean(&self) -> f64 {
        match *self {
            Lgd::Fixed(v) => v,
            Lgd::Beta { mean, .. } => mean,
        }
    }
}

/// Late-payment behaviour: a point mass at "on time" and a lognormal or gamma delay
/// otherwise (MODEL.md sections 6 and 19).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delay {
    /// Probability that an invoice is paid on its due day.
    pub on_time: f64,
    /// Mean of the late delay X in days, > 0.
    pub mean_days: f64,
    /// Standard deviation of X in days, >= 0.
    pub sd_days: f64,
    /// The family of X.
    pub distribution: DelayDistribution,
}

/// The family of a late delay X (MODEL.md section 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DelayDistribution {
    /// Lognormal (section 6), the default.
    #[default]
    Lognormal,
    /// Gamma with shape mean^2 / sd^2 and scale sd^2 / mean.
    Gamma,
}

/// The terms shared by a named buyer and a buyer group.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerTerms {
    /// Unique name (a group member is `NAME#k`).
    pub name: String,
    /// Share of revenue of one buyer (for a group: of each member).
    pub share: f64,
    /// Payment terms in days.
    pub terms_days: u32,
    /// One-year probability of default.
    pub pd: f64,
    /// Loss given default.
    pub lgd: Lgd,
    /// Late-payment behaviour; `None` pays on time.
    pub delay: Option<Delay>,
    /// Invoices per month, >= 1.
    pub invoices_per_month: u32,
    /// Insurer's credit limit; `None` falls back to `insurance.default_limit`.
    pub limit: Option<f64>,
    /// Own asset correlation; `None` uses `credit.correlation`.
    pub correlation: Option<f64>,
    /// Its country: an index into [`Inputs::countries`] (MODEL.md section 17); `None`
    /// has no country factor and no political risk.
    pub country: Option<usize>,
}

/// A `[[countries]]` entry (MODEL.md section 17).
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// Unique among countries.
    pub name: String,
    /// w(c): its buyers' loading on the country factor C(c).
    pub correlation: f64,
    /// Annual probability of a political event.
    pub political_pd: f64,
    /// Days an event blocks payments and sales.
    pub moratorium_days: u32,
}

/// A political event forced by a stress case (MODEL.md section 17).
#[derive(Debug, Clone, PartialEq)]
pub struct ForcedEvent {
    /// The country's index in [`Inputs::countries`].
    pub country: usize,
    /// The event day T(c); a day >= horizon means no event.
    pub day: u32,
}

/// A `[[buyer_groups]]` entry: `count` buyers with identical terms.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerGroup {
    /// Terms of each member; `terms.share` is already the share of ONE member.
    pub terms: BuyerTerms,
    /// Number of members.
    pub count: u32,
    /// The combined share as written in the file.
    pub total_share: f64,
    /// Members with terms of their own, by member number k (from 1): those a targeted
    /// stress case names (MODEL.md section 21). Empty in a file's base case.
    pub members: std::collections::BTreeMap<u32, BuyerTerms>,
}

impl BuyerGroup {
    /// The terms of member `k` (from 1): its own when a targeted stress case gave it
    /// some, else the group's.
    pub fn terms_of(&self, k: u32) -> &BuyerTerms {
        self.members.get(&k).unwrap_or(&self.terms)
    }
}

/// A one-off flow of `[[costs.scheduled]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledFlow {
    /// Day of the flow.
    pub day: u32,
    /// Signed amount: negative is an outflow.
    pub amount: f64,
    /// Free-text label.
    pub label: String,
    /// With `every_days`, the flow repeats every this many days (MODEL.md section 21).
    pub every_days: Option<u32>,
}

impl ScheduledFlow {
    /// The days of the flow before `horizon`: its day, and with `every_days` each
    /// day + k * every_days (k = 1, 2, ...) while that is before `horizon`.
    pub fn days(&self, horizon: u32) -> impl Iterator<Item = u32> + '_ {
        let step = self.every_days.unwrap_or(u32::MAX) as u64;
        (0u64..)
            .map(move |k| self.day as u64 + k * step)
            .take_while(move |&d| d < horizon as u64)
            .take(if self.every_days.is_some() {
                usize::MAX
            } else {
                1
            })
            .map(|d| d as u32)
    }
}

/// A trade credit insurance policy (MODEL.md sections 7 and 14): `[insurance]`, named
/// "Insured", or one `[[policies]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Unique among the file's policies.
    pub name: String,
    /// Where the file writes it, as `sweep --set` addresses its keys: `insurance` or
    /// `policies["Quote A"]`.
    pub key: String,
    /// Insured percentage.
    pub indemnity: f64,
    /// Premium as a share of insured turnover.
    pub premium_rate: f64,
    /// Deposit paid on the first day of each policy year.
    pub minimum_premium: f64,
    /// Aggregate first loss per policy year.
    pub aggregate_first_loss: f64,
    /// Cap on payouts per policy year (`f64::INFINITY` when unlimited).
    pub max_liability: f64,
    /// Protracted-default waiting period in days past due.
    pub waiting_period_days: u32,
    /// Days from claim to payout.
    pub settlement_days: u32,
    /// Credit limit of buyers without their own.
    pub default_limit: f64,
    /// This policy's limits by buyer, group or member name (MODEL.md section 14).
    pub limits: std::collections::BTreeMap<String, f64>,
    /// Political risk covered (MODEL.md section 17): the protracted-default test uses
    /// the payment day a political event moved.
    pub political_cover: bool,
    /// The insurer's monitoring of the buyers it covers (MODEL.md section 16).
    pub monitoring: Option<Monitoring>,
    /// Broad limit cuts in a downturn (MODEL.md section 16).
    pub downturn: Option<Downturn>,
}

/// `monitoring` of a policy (MODEL.md section 16).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Monitoring {
    /// Probability of detecting a coming default.
    pub detection: f64,
    /// The decision comes this many days before the default (day 0 at the earliest).
    pub lead_days: u32,
    /// Share of the limit left after the decision.
    pub keep: f64,
    /// Annual probability of cutting a buyer not detected.
    pub false_alarm: f64,
    /// In this policy's variant the company issues the buyer no invoice from the
    /// decision day on.
    pub stop_sales: bool,
}

/// `downturn` of a policy (MODEL.md section 16).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Downturn {
    /// A path with Z below this is a downturn.
    pub z_below: f64,
    /// First day of the cut.
    pub from_day: u32,
    /// Every limit is multiplied by this.
    pub limit_multiplier: f64,
}

impl Policy {
    /// The limit of a buyer under this policy (MODEL.md section 14): its entry in
    /// `limits` by its own name (`name`, `GROUP#k` for a group member), else its
    /// group's entry, else the buyer's own `limit`, else `default_limit`.
    pub fn limit_of(&self, name: &str, group: Option<&str>, own: Option<f64>) -> f64 {
        self.limits
            .get(name)
            .or_else(|| group.and_then(|g| self.limits.get(g)))
            .copied()
            .or(own)
            .unwrap_or(self.default_limit)
    }
}

/// A bank's borrowing base on the receivables (MODEL.md section 15).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Financing {
    /// Share of eligible receivables lent.
    pub advance_rate: f64,
    /// Share lent on the insured part (up to the buyer's limit) in a policy variant.
    pub insured_advance_rate: f64,
    /// An invoice more than this many days past due is not eligible.
    pub max_days_past_due: u32,
    /// Cap on the borrowing base (`f64::INFINITY` when unlimited).
    pub facility_limit: f64,
    /// In a policy variant, a negative balance costs credit_line_rate minus this.
    pub insured_rate_reduction: f64,
}

/// An invoice open on day 0 (MODEL.md section 20).
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningReceivable {
    /// The buyer (`GROUP#k` for a group member).
    pub buyer: String,
    /// Its number b in buyer order (named buyers, then group members).
    pub buyer_index: usize,
    /// The open amount.
    pub amount: f64,
    /// Issue day t(i) <= 0.
    pub issue_day: i64,
    /// Due day u(i) >= t(i); negative when overdue on day 0.
    pub due_day: i64,
}

/// A buyer forced to default on a given day by a stress case.
#[derive(Debug, Clone, PartialEq)]
pub struct ForcedDefault {
    /// Name of the buyer (`GROUP#k` for a group member).
    pub buyer: String,
    /// Default day; a day >= horizon means no default.
    pub day: u32,
}

/// A named `[[stress]]` case: overrides applied to the base scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StressCase {
    /// Unique name.
    pub name: String,
    /// Every pd becomes min(pd * k, 0.999).
    pub pd_multiplier: Option<f64>,
    /// Replaces the global and every own correlation.
    pub correlation: Option<f64>,
    /// Scales mean_days and sd_days of every delay.
    pub delay_multiplier: Option<f64>,
    /// Scales every on_time probability (capped at 1).
    pub on_time_multiplier: Option<f64>,
    /// Scales revenue.monthly.
    pub revenue_multiplier: Option<f64>,
    /// Scales own, group and default limits.
    pub limit_multiplier: Option<f64>,
    /// Added to every LGD mean, capped at 1.
    pub lgd_add: Option<f64>,
    /// Added to every buyer's payment terms (MODEL.md section 21).
    pub terms_days_add: Option<i64>,
    /// The buyers, groups and members (`GROUP#k`) the buyer overrides apply to; empty:
    /// every buyer (MODEL.md section 21).
    pub only: Vec<String>,
    /// Buyers that default on a fixed day in every path.
    pub force_default: Vec<ForcedDefault>,
    /// Replaces every country's correlation (MODEL.md section 17).
    pub country_correlation: Option<f64>,
    /// Every political_pd becomes min(political_pd * k, 0.999).
    pub political_pd_multiplier: Option<f64>,
    /// Countries whose political event falls on a fixed day in every path.
    pub political_event: Vec<ForcedEvent>,
    /// Every policy's downturn in every path, replacing its own: (from_day,
    /// limit_multiplier).
    pub downturn: Option<(u32, f64)>,
}

/// A validated scenario: every value is in range and every default is filled in.
///
/// Its values are read as fields of [`Inputs`] (`scenario.horizon_days`); nothing
/// outside this module can change them or make a `Scenario` of its own. A change is a
/// [`WhatIf`], applied to the file and validated again ([`ScenarioFile::what_if`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    inputs: Inputs,
}

impl Scenario {
    /// The same scenario with every policy's monitoring and downturn removed (MODEL.md
    /// section 16), for measuring what the insurer's limit cuts change; `None` when no
    /// policy has either. Not a [`WhatIf`]: it needs no file, and removing these
    /// optional tables can make no check of the file fail (no other key's validation
    /// reads them).
    pub fn without_limit_cuts(&self) -> Option<Scenario> {
        let cuts = |p: &Policy| p.monitoring.is_some() || p.downturn.is_some();
        if !self.policies.iter().any(cuts) {
            return None;
        }
        let mut inputs = self.inputs.clone();
        for p in &mut inputs.policies {
            p.monitoring = None;
            p.downturn = None;
        }
        Some(Scenario { inputs })
    }
}

impl std::ops::Deref for Scenario {
    type Target = Inputs;

    fn deref(&self) -> &Inputs {
        &self.inputs
    }
}

/// The values of a validated [`Scenario`], read through it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// `scenario.name`.
    pub name: String,
    /// `scenario.description`.
    pub description: String,
    /// Currency label.
    pub currency: String,
    /// Horizon H in days.
    pub horizon_days: u32,
    /// Number of paths.
    pub paths: u64,
    /// Seed of the random streams.
    pub seed: u64,
    /// Calendar month (1..=12) of day 0.
    pub start_month: u32,
    /// Cash on day 0 before any flow.
    pub opening_cash: f64,
    /// Committed credit line L.
    pub credit_line: f64,
    /// Annual interest rate on a negative balance.
    pub credit_line_rate: f64,
    /// Annual interest rate on a positive balance.
    pub deposit_rate: f64,
    /// Shortfall threshold on headroom.
    pub min_headroom: f64,
    /// Base monthly revenue.
    pub revenue_monthly: f64,
    /// Annual revenue growth.
    pub revenue_growth: f64,
    /// Sd of the monthly lognormal demand shock.
    pub revenue_volatility: f64,
    /// Calendar seasonality factors, January first.
    pub seasonality: Option<[f64; 12]>,
    /// Supplier cost as a share of sales.
    pub variable_ratio: f64,
    /// Days from sale to supplier payment.
    pub supplier_terms_days: u32,
    /// Fixed cost paid on the first day of each month.
    pub fixed_monthly: f64,
    /// One-off flows.
    pub scheduled: Vec<ScheduledFlow>,
    /// Global asset correlation.
    pub correlation: f64,
    /// Days from default to recovery payment.
    pub recovery_lag_days: u32,
    /// Named buyers in file order.
    pub buyers: Vec<BuyerTerms>,
    /// Buyer groups in file order.
    pub groups: Vec<BuyerGroup>,
    /// The policies in file order: `[insurance]` (one, "Insured") or `[[policies]]`
    /// (1 to 6); empty without either.
    pub policies: Vec<Policy>,
    /// The borrowing base, if any.
    pub financing: Option<Financing>,
    /// Invoices open on day 0, in file order.
    pub receivables: Vec<OpeningReceivable>,
    /// Stress cases defined in the file.
    pub stress: Vec<StressCase>,
    /// Forced defaults of the stress case applied (empty for the base case).
    pub forced_defaults: Vec<ForcedDefault>,
    /// Countries, in file order (MODEL.md section 17).
    pub countries: Vec<Country>,
    /// Political events forced by the stress case applied (empty for the base case).
    pub forced_events: Vec<ForcedEvent>,
    /// Name of the stress case applied, `None` for the base case.
    pub applied_stress: Option<String>,
}

impl Inputs {
    /// Number of variants a run simulates ([`crate::variant`]): uninsured, then one per
    /// policy (without a policy, the insured variant is the uninsured one again).
    pub fn variants(&self) -> usize {
        1 + self.policies.len().max(1)
    }

    /// The first policy (version 1's `insurance`), if any.
    pub fn first_policy(&self) -> Option<&Policy> {
        self.policies.first()
    }

    /// Share of revenue paid in cash on the day of sale: max(0, 1 - sum of shares).
    pub fn cash_share(&self) -> f64 {
        (1.0 - self.buyer_share_sum()).max(0.0)
    }

    /// Sum of all buyer shares, named buyers first, then groups, in file order.
    pub fn buyer_share_sum(&self) -> f64 {
        let mut sum = 0.0;
        for b in &self.buyers {
            sum += b.share;
        }
        for g in &self.groups {
            sum += g.total_share;
        }
        sum
    }

    /// Total number of individual buyers (named buyers plus all group members).
    pub fn buyer_count(&self) -> usize {
        self.buyers.len() + self.groups.iter().map(|g| g.count as usize).sum::<usize>()
    }
}

/// A scenario file as loaded: its text, the raw structs and the validated base case.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    /// The path as given by the user (used in every message).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// The file as written.
    pub raw: RawScenario,
    /// The validated base case.
    pub base: Scenario,
}

impl ScenarioFile {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<ScenarioFile, ScenarioError> {
        let bytes = match crate::input::read_limited(path, crate::input::MAX_SCENARIO_BYTES) {
            Ok(bytes) => bytes,
            Err(crate::input::ReadError::Io(err)) => return Err(ScenarioError::io(path, &err)),
            Err(crate::input::ReadError::NotRegular("a folder")) => {
                let err = std::io::Error::from(std::io::ErrorKind::IsADirectory);
                return Err(ScenarioError::io(path, &err));
            }
            Err(err @ crate::input::ReadError::NotRegular(_)) => {
                let mut e =
                    ScenarioError::single(path, Problem::new(KeyPath::root(), err.to_string()));
                e.io = true;
                return Err(e);
            }
            Err(err) => {
                return Err(ScenarioError::single(
                    path,
                    Problem::new(KeyPath::root(), err.to_string()),
                ));
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let offset = err.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
                return Err(ScenarioError::new(
                    path,
                    &valid,
                    vec![Problem::at_offset(
                        KeyPath::root(),
                        format!(
                            "the file is not UTF-8 text (invalid byte at offset {offset}); \
                             save it as UTF-8 TOML"
                        ),
                        Some(offset),
                    )],
                ));
            }
        };
        Self::parse(path, text)
    }

    /// Validates scenario text; `path` only labels the messages.
    pub fn parse(path: &Path, text: String) -> Result<ScenarioFile, ScenarioError> {
        let parse::Parsed {
            raw,
            mut problems,
            complete,
        } = parse::parse_raw(path, &text)?;
        // Every problem of the file at once: structural ones, then the range checks of
        // the keys that were read (a key left out for a type error is not also
        // "required"). If a whole table could not be read, its keys are unknown and
        // the range checks would mislead: structural problems alone.
        if !problems.is_empty() && !complete {
            return Err(ScenarioError::new(path, &text, problems));
        }
        let base = match validate::validate(&raw) {
            Ok(base) if problems.is_empty() => base,
            Ok(_) => return Err(ScenarioError::new(path, &text, problems)),
            Err(more) => {
                let structural: Vec<KeyPath> = problems
                    .iter()
                    .map(|p| p.path.clone())
                    .filter(|p| !p.is_root())
                    .collect();
                problems.extend(
                    more.into_iter()
                        .filter(|p| !structural.iter().any(|s| p.path.starts_with(s))),
                );
                return Err(ScenarioError::new(path, &text, problems));
            }
        };
        let file = ScenarioFile {
            path: path.to_path_buf(),
            text,
            raw,
            base: Scenario { inputs: base },
        };
        // Every stress case must give a valid scenario too: a broken case is an error
        // of the file, found now rather than in the middle of a batch.
        let mut problems = Vec::new();
        for index in 0..file.base.stress.len() {
            if let Err(e) = file.what_if(&file.stress_case_at(index)) {
                problems.extend(e.problems);
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::new(path, &file.text, problems));
        }
        Ok(file)
    }

    /// The plausibility warnings of the base scenario ([`plausible`]).
    pub fn warnings(&self) -> Vec<plausible::Warning> {
        plausible::warnings(&self.base)
    }

    /// The warnings as the file's error (`--deny-warnings`).
    pub fn warnings_as_error(&self) -> ScenarioError {
        let problems = self
            .warnings()
            .into_iter()
            .map(|w| {
                Problem::new(
                    KeyPath::root(),
                    format!("{w} (an error with --deny-warnings)"),
                )
            })
            .collect();
        ScenarioError::new(&self.path, &self.text, problems)
    }

    /// The built-in stress cases for this file's base scenario (see `stress::builtin`).
    pub fn builtin_stress(&self) -> Vec<StressCase> {
        stress::builtin(&self.base)
    }

    /// The names of the stress cases defined in the file.
    pub fn stress_names(&self) -> Vec<String> {
        self.base.stress.iter().map(|s| s.name.clone()).collect()
    }

    /// The scenario with `what_if` applied: the raw file edited, then validated in
    /// full. A problem it causes is an error naming the what-if.
    pub fn what_if(&self, what_if: &WhatIf) -> Result<Scenario, ScenarioError> {
        let raw = what_if.apply(&self.raw).map_err(|message| {
            let message = format!("{}: {message}", what_if.label);
            ScenarioError::single(&self.path, Problem::new(KeyPath::root(), message))
        })?;
        let mut inputs = validate::validate(&raw).map_err(|problems| {
            let problems = problems
                .into_iter()
                .map(|mut p| {
                    p.message = format!("{} makes this invalid: {}", what_if.label, p.message);
                    p
                })
                .collect();
            ScenarioError::new(&self.path, &self.text, problems)
        })?;
        if let Some(case) = &what_if.stress {
            inputs.forced_defaults = case.force_default.clone();
            inputs.forced_events = case.political_event.clone();
            inputs.applied_stress = Some(case.name.clone());
        }
        Ok(Scenario { inputs })
    }

    /// The what-if of the file's stress case number `index`.
    fn stress_case_at(&self, index: usize) -> WhatIf {
        WhatIf::stress(&self.base.stress[index], &format!("stress[{index}]"))
    }

    /// The what-if of stress case `name`: the file's own case of that name, else a
    /// built-in case (`cashrisk stress` lists them) by its whole name or its name
    /// without "Built-in: " (`recession`, `late-payment wave`, `largest buyer`), case
    /// ignored.
    pub fn stress_case(&self, name: &str) -> Result<WhatIf, ScenarioError> {
        let cases = &self.base.stress;
        let index = cases.iter().position(|s| s.name == name).or_else(|| {
            cases
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(name.trim()))
        });
        if let Some(index) = index {
            return Ok(self.stress_case_at(index));
        }
        let builtin = self.builtin_stress();
        if let Some(case) = builtin
            .iter()
            .find(|c| stress::builtin_matches(&c.name, name))
        {
            return Ok(WhatIf::stress(case, "built-in"));
        }
        let own = self.stress_names();
        let builtin: Vec<String> = builtin
            .iter()
            .map(|c| stress::short_name(&c.name).to_string())
            .collect();
        let quoted = |names: &[String]| {
            names
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let known: Vec<String> = own.iter().chain(&builtin).cloned().collect();
        let hint = match crate::suggest::nearest(name, &known) {
            Some(k) => format!("did you mean \"{k}\"?"),
            None if own.is_empty() => format!(
                "the file defines no [[stress]] cases; the built-in ones are {}",
                quoted(&builtin)
            ),
            None => format!(
                "the file's cases are {}; the built-in ones are {}",
                quoted(&own),
                quoted(&builtin)
            ),
        };
        Err(ScenarioError::single(
            &self.path,
            Problem::new(
                KeyPath::root().key("stress"),
                format!("there is no stress case named \"{name}\"; {hint}"),
            ),
        ))
    }

    /// The scenario with the named stress case of the file applied.
    pub fn stressed(&self, name: &str) -> Result<Scenario, ScenarioError> {
        self.what_if(&self.stress_case(name)?)
    }

    /// The scenario with any stress case applied (the file's, a built-in one, or one
    /// made up for a study); `label` says where it comes from in error messages.
    pub fn with_case(&self, case: &StressCase, label: &str) -> Result<Scenario, ScenarioError> {
        self.what_if(&WhatIf::stress(case, label))
    }
}

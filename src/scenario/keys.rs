//! Every key of a scenario file, described once: its path, what it holds, its range,
//! its default (or that it is required), an example and one line of documentation.
//!
//! Validation reads each key's range, default and example from here; the JSON Schema
//! (`cashrisk schema`), `sweep --set` key lookup and the "did you mean" candidates are
//! derived from this table, and a test checks that docs/scenario-format.md names every
//! key. A new key is one line here plus the code that gives it meaning.
//!
//! Paths are written as in a file: `company.credit_line`; an element of an array of
//! tables is `[]` (`costs.scheduled[].day`). Named buyers and buyer groups share one
//! field list, written under `buyer.` (`buyer.pd` is `buyers[].pd` and
//! `buyer_groups[].pd`); `buyer_groups[].count` is the groups' own. Likewise
//! `[insurance]` and each `[[policies]]` entry share the fields written under
//! `policy.`; `policies[].name` is the policies' own.

/// Largest day number accepted anywhere (100 years): keeps day arithmetic far from overflow.
pub const MAX_DAYS: i64 = 36_500;
/// Largest magnitude accepted for an amount of money.
pub const MAX_MONEY: f64 = 1e15;
/// The prefix of the fields named buyers and groups share.
pub const BUYER: &str = "buyer.";
/// The prefix of the fields `[insurance]` and `[[policies]]` share.
pub const POLICY: &str = "policy.";

/// The allowed range of a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Any finite number within +-MAX_MONEY.
    Money,
    /// 0 <= x <= MAX_MONEY.
    NonNegMoney,
    /// 0 < x <= MAX_MONEY.
    PosMoney,
    /// lo <= x <= hi.
    Closed(f64, f64),
    /// lo <= x < hi.
    ClosedOpen(f64, f64),
    /// lo < x <= hi.
    OpenClosed(f64, f64),
    /// lo < x < hi.
    Open(f64, f64),
}

impl Range {
    /// True when `x` is in the range.
    pub fn contains(self, x: f64) -> bool {
        match self {
            Range::Money => x.abs() <= MAX_MONEY,
            Range::NonNegMoney => (0.0..=MAX_MONEY).contains(&x),
            Range::PosMoney => x > 0.0 && x <= MAX_MONEY,
            Range::Closed(lo, hi) => lo <= x && x <= hi,
            Range::ClosedOpen(lo, hi) => lo <= x && x < hi,
            Range::OpenClosed(lo, hi) => lo < x && x <= hi,
            Range::Open(lo, hi) => lo < x && x < hi,
        }
    }

    /// The range in words, as the messages give it.
    pub fn describe(self) -> String {
        match self {
            Range::Money => format!("an amount between -{MAX_MONEY:e} and {MAX_MONEY:e}"),
            Range::NonNegMoney => format!("an amount >= 0 (at most {MAX_MONEY:e})"),
            Range::PosMoney => format!("an amount > 0 (at most {MAX_MONEY:e})"),
            Range::Closed(lo, hi) => format!("a value in [{lo}, {hi}]"),
            Range::ClosedOpen(lo, hi) => format!("a value in [{lo}, {hi})"),
            Range::OpenClosed(lo, hi) => format!("a value in ({lo}, {hi}]"),
            Range::Open(lo, hi) => format!("a value in ({lo}, {hi})"),
        }
    }

    /// The bounds as JSON Schema keywords: (keyword, bound) pairs.
    pub fn schema_bounds(self) -> Vec<(&'static str, f64)> {
        match self {
            Range::Money => vec![("minimum", -MAX_MONEY), ("maximum", MAX_MONEY)],
            Range::NonNegMoney => vec![("minimum", 0.0), ("maximum", MAX_MONEY)],
            Range::PosMoney => vec![("exclusiveMinimum", 0.0), ("maximum", MAX_MONEY)],
            Range::Closed(lo, hi) => vec![("minimum", lo), ("maximum", hi)],
            Range::ClosedOpen(lo, hi) => vec![("minimum", lo), ("exclusiveMaximum", hi)],
            Range::OpenClosed(lo, hi) => vec![("exclusiveMinimum", lo), ("maximum", hi)],
            Range::Open(lo, hi) => vec![("exclusiveMinimum", lo), ("exclusiveMaximum", hi)],
        }
    }
}

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number (TOML float or integer) in a range.
    Number(Range),
    /// A whole number of days (a TOML integer) in lo..=hi.
    Days {
        /// Smallest.
        lo: i64,
        /// Largest.
        hi: i64,
    },
    /// A whole number (a TOML integer) in lo..=hi; `advice` completes "is N; ..." when
    /// it is out of range.
    Whole {
        /// Smallest.
        lo: i64,
        /// Largest.
        hi: i64,
        /// What to write instead.
        advice: &'static str,
    },
    /// A non-negative whole number up to 2^64 - 1.
    Seed,
    /// A one-line text that must not be empty (names).
    Name,
    /// A one-line text (labels, the currency).
    Label,
    /// Free text; line breaks and tabs allowed.
    Text,
    /// A list of `count` numbers, each in a range.
    Factors {
        /// How many.
        count: usize,
        /// The range of each.
        each: Range,
    },
    /// A loss given default: a number in [0, 1], or a table `{ mean, sd }` (the keys
    /// under it) for a Beta distribution.
    Lgd,
    /// A table of the keys under it.
    Table,
    /// An array of tables of the keys under it.
    Tables,
    /// A table of credit limits by buyer, group or member name: amounts >= 0.
    Limits,
    /// A list of buyer, group or member names (at least one).
    Names,
    /// One of these words (the first is the default).
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Flag,
}

/// What a key's absence means: its default, or that it is required.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IfAbsent {
    /// The key must be given.
    Required,
    /// This number.
    Number(f64),
    /// This text.
    Text(&'static str),
    /// This truth value.
    Flag(bool),
    /// Absent means what the text says (no such table, no limit of its own, ...).
    Means(&'static str),
}

/// One key of a scenario file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// Its path (see the module documentation).
    pub path: &'static str,
    /// What it holds and the values it accepts.
    pub kind: Kind,
    /// Its default.
    pub default: IfAbsent,
    /// How to write it, for "add it, for example ..." (empty where a default exists).
    pub example: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
}

impl Key {
    /// The last step of the path: the key as written in its table.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// The full paths of the key: two for a field buyers and groups share.
    pub fn paths(&self) -> Vec<String> {
        if let Some(rest) = self.path.strip_prefix(BUYER) {
            return vec![format!("buyers[].{rest}"), format!("buyer_groups[].{rest}")];
        }
        if let Some(rest) = self.path.strip_prefix(POLICY) {
            return vec![format!("insurance.{rest}"), format!("policies[].{rest}")];
        }
        vec![self.path.to_string()]
    }

    /// True for the keys that hold whole numbers (TOML integers).
    pub fn is_whole(&self) -> bool {
        matches!(
            self.kind,
            Kind::Days { .. } | Kind::Whole { .. } | Kind::Seed
        )
    }

    /// True for the keys that hold one number.
    pub fn is_number(&self) -> bool {
        self.is_whole() || matches!(self.kind, Kind::Number(_))
    }
}

macro_rules! keys {
    ($($id:ident = $path:literal, $kind:expr, $default:expr, $example:literal, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub const $id: Key = Key {
                path: $path,
                kind: $kind,
                default: $default,
                example: $example,
                doc: $doc,
            };
        )*
        /// Every key, in the order of docs/scenario-format.md.
        pub const ALL: &[Key] = &[$($id),*];
    };
}

use IfAbsent::{Means, Required};
use Kind::*;
use Range::*;

const fn num(x: f64) -> IfAbsent {
    IfAbsent::Number(x)
}

const ANY_DAY: Kind = Days {
    lo: 0,
    hi: MAX_DAYS,
};
const MULTIPLIER: Kind = Number(Closed(0.0, 1000.0));

keys! {
    SCENARIO = "scenario", Table, Required, "[scenario]", "What the file describes.";
    NAME = "scenario.name", Name, Required, "name = \"Textile exporter\"", "A short name, printed on every report.";
    DESCRIPTION = "scenario.description", Text, IfAbsent::Text(""), "", "Free text.";
    CURRENCY = "scenario.currency", Label, IfAbsent::Text("EUR"), "", "The label printed with every amount; no conversion happens.";

    SIMULATION = "simulation", Table, Means("the defaults below"), "", "How the paths are simulated.";
    HORIZON_DAYS = "simulation.horizon_days", Days { lo: 1, hi: 3650 }, num(365.0), "", "Days simulated, day 0 to H - 1.";
    PATHS = "simulation.paths", Whole { lo: 1, hi: i64::MAX, advice: "use a whole number >= 1, such as 10000" }, num(10000.0), "", "Number of simulated paths (--paths overrides).";
    SEED = "simulation.seed", Seed, num(0.0), "", "Seed of the random numbers (--seed overrides).";
    START_MONTH = "simulation.start_month", Whole { lo: 1, hi: 12, advice: "use the calendar month of day 0, 1 (January) to 12 (December)" }, num(1.0), "", "Calendar month of day 0; picks the seasonality factor of each month.";

    COMPANY = "company", Table, Required, "[company]", "The company's cash and credit line.";
    OPENING_CASH = "company.opening_cash", Number(Money), Required, "opening_cash = 300000.0", "Balance on day 0 before any flow; may be negative.";
    CREDIT_LINE = "company.credit_line", Number(NonNegMoney), num(0.0), "", "Committed facility L; headroom is balance + L.";
    CREDIT_LINE_RATE = "company.credit_line_rate", Number(Closed(0.0, 1.0)), num(0.0), "", "Annual interest on a negative balance, charged daily (rate / 365).";
    DEPOSIT_RATE = "company.deposit_rate", Number(Closed(-1.0, 1.0)), num(0.0), "", "Annual interest on a positive balance, earned daily.";
    MIN_HEADROOM = "company.min_headroom", Number(Money), num(0.0), "", "A shortfall is headroom strictly below this.";

    REVENUE = "revenue", Table, Required, "[revenue]", "Sales.";
    MONTHLY = "revenue.monthly", Number(PosMoney), Required, "monthly = 400000.0", "Base revenue of one month.";
    GROWTH = "revenue.growth", Number(Open(-1.0, 10.0)), num(0.0), "", "Annual growth: month m is scaled by (1 + growth)^(m / 12).";
    VOLATILITY = "revenue.volatility", Number(Closed(0.0, 5.0)), num(0.0), "", "Sd of the monthly lognormal demand shock (the mean is unchanged).";
    SEASONALITY = "revenue.seasonality", Factors { count: 12, each: OpenClosed(0.0, 1e6) }, Means("every month 1"), "", "Twelve factors, January first.";

    COSTS = "costs", Table, Means("no costs"), "", "What the company pays.";
    VARIABLE_RATIO = "costs.variable_ratio", Number(Closed(0.0, 1.0)), num(0.0), "", "Supplier cost as a share of every sale.";
    SUPPLIER_TERMS_DAYS = "costs.supplier_terms_days", ANY_DAY, num(0.0), "", "Days from sale to supplier payment.";
    FIXED_MONTHLY = "costs.fixed_monthly", Number(NonNegMoney), num(0.0), "", "Paid on the first day of every month.";
    SCHEDULED = "costs.scheduled", Tables, Means("none"), "", "One-off flows.";
    SCHEDULED_DAY = "costs.scheduled[].day", ANY_DAY, Required, "day = 180", "Day of the flow.";
    SCHEDULED_AMOUNT = "costs.scheduled[].amount", Number(Money), Required, "amount = -120000.0", "Signed amount: negative is an outflow.";
    SCHEDULED_LABEL = "costs.scheduled[].label", Label, IfAbsent::Text(""), "", "What the flow is.";
    SCHEDULED_EVERY_DAYS = "costs.scheduled[].every_days", Whole { lo: 1, hi: MAX_DAYS, advice: "use a whole number of days >= 1, such as 365 for a yearly flow or 91 for a quarterly one" }, Means("once"), "every_days = 91", "Repeats the flow every this many days from its day while within the horizon (MODEL.md section 21).";

    CREDIT = "credit", Table, Means("the defaults below"), "", "Defaults and recoveries.";
    CORRELATION = "credit.correlation", Number(ClosedOpen(0.0, 1.0)), num(0.0), "", "Asset correlation rho: every buyer's loading on the common economic factor.";
    RECOVERY_LAG_DAYS = "credit.recovery_lag_days", ANY_DAY, num(365.0), "", "Days from a buyer's default to the payment of the recovery (1 - LGD) A.";

    COUNTRIES = "countries", Tables, Means("none: no buyer has a country factor or political risk"), "", "The countries of export buyers: a factor their buyers share and political events that block payments (MODEL.md section 17).";
    COUNTRY_NAME = "countries[].name", Name, Required, "name = \"United States\"", "Unique among countries; buyers name it in `country`.";
    COUNTRY_CORRELATION = "countries[].correlation", Number(ClosedOpen(0.0, 1.0)), num(0.0), "", "w: its buyers' loading on the country factor, on top of rho (rho + w < 1).";
    POLITICAL_PD = "countries[].political_pd", Number(ClosedOpen(0.0, 1.0)), num(0.0), "", "Annual probability of a political event (moratorium, import ban, war); at most one per path.";
    MORATORIUM_DAYS = "countries[].moratorium_days", Days { lo: 1, hi: MAX_DAYS }, num(180.0), "", "How long an event blocks its buyers' payments and sales.";

    BUYERS = "buyers", Tables, Means("none"), "", "Named buyers, one customer each.";
    BUYER_GROUPS = "buyer_groups", Tables, Means("none"), "", "Groups of similar buyers, each member simulated on its own.";
    BUYER_NAME = "buyer.name", Name, Required, "name = \"Nordhaus Retail GmbH\"", "Unique among buyers and groups (group members are NAME#1, NAME#2, ...).";
    GROUP_COUNT = "buyer_groups[].count", Whole { lo: 1, hi: 1_000_000, advice: "use a number of buyers in 1..=1000000" }, Required, "count = 150", "Number of members of the group.";
    SHARE = "buyer.share", Number(OpenClosed(0.0, 1.0)), Required, "share = 0.18", "Share of revenue; for a group, the combined share of its members.";
    TERMS_DAYS = "buyer.terms_days", ANY_DAY, Required, "terms_days = 60", "Payment terms: an invoice is due this many days after issue.";
    PD = "buyer.pd", Number(ClosedOpen(0.0, 1.0)), Required, "pd = 0.015", "Probability of default within one year; 0 never defaults.";
    LGD = "buyer.lgd", Lgd, Required, "lgd = 0.7", "Loss given default: a number, or { mean, sd } for a Beta drawn once per buyer and path.";
    LGD_MEAN = "buyer.lgd.mean", Number(Open(0.0, 1.0)), Required, "mean = 0.7", "Mean of the Beta LGD.";
    LGD_SD = "buyer.lgd.sd", Number(Closed(0.0, 1.0)), Required, "sd = 0.2", "Sd of the Beta LGD, below sqrt(mean (1 - mean)); 0 is the constant mean.";
    DELAY = "buyer.delay", Table, Means("always on time"), "", "Late payment: on time with probability on_time, else round(X) days late, X lognormal or gamma.";
    ON_TIME = "buyer.delay.on_time", Number(Closed(0.0, 1.0)), num(0.0), "", "Probability that an invoice is paid on its due day.";
    MEAN_DAYS = "buyer.delay.mean_days", Number(OpenClosed(0.0, MAX_DAYS as f64)), Required, "mean_days = 18.0", "Mean of the late delay X in days.";
    SD_DAYS = "buyer.delay.sd_days", Number(Closed(0.0, MAX_DAYS as f64)), num(0.0), "", "Sd of the late delay X in days; 0 is exactly mean_days (a gamma needs 0 or at least mean_days / 10^4).";
    DELAY_DISTRIBUTION = "buyer.delay.distribution", Choice(&["lognormal", "gamma"]), IfAbsent::Text("lognormal"), "", "The family of X: lognormal, or gamma with shape mean_days^2 / sd_days^2 (MODEL.md section 19).";
    INVOICES_PER_MONTH = "buyer.invoices_per_month", Whole { lo: 1, hi: 1000, advice: "use a whole number in 1..=1000" }, num(1.0), "", "Invoices per month, spread evenly over the month.";
    LIMIT = "buyer.limit", Number(NonNegMoney), Means("the policy's default_limit"), "", "The insurer's credit limit on this buyer (for a group: on each member); covered when > 0.";
    BUYER_CORRELATION = "buyer.correlation", Number(ClosedOpen(0.0, 1.0)), Means("credit.correlation"), "", "This buyer's own asset correlation.";
    BUYER_COUNTRY = "buyer.country", Name, Means("no country factor and no political risk"), "country = \"United States\"", "A country of `[[countries]]`: its factor enters the buyer's default and its events block the buyer's payments (MODEL.md section 17).";

    INSURANCE = "insurance", Table, Means("no policy (the insured variant is the uninsured one)"), "", "The trade credit insurance policy, named \"Insured\"; a file has `[insurance]` or `[[policies]]`, not both.";
    POLICIES = "policies", Tables, Means("none"), "", "1 to 6 policies (quotes), simulated on the same paths, in the order the results list them (MODEL.md section 14).";
    POLICY_NAME = "policies[].name", Name, Required, "name = \"Quote A\"", "Unique among policies; the results name the policy's column with it.";
    INDEMNITY = "policy.indemnity", Number(OpenClosed(0.0, 1.0)), Required, "indemnity = 0.90", "Insured percentage.";
    PREMIUM_RATE = "policy.premium_rate", Number(Closed(0.0, 1.0)), Required, "premium_rate = 0.0025", "Premium as a share of insured turnover, due on the first day of the next month.";
    MINIMUM_PREMIUM = "policy.minimum_premium", Number(NonNegMoney), num(0.0), "", "Deposit paid on the first day of each policy year; that year's premiums are taken from it first.";
    AGGREGATE_FIRST_LOSS = "policy.aggregate_first_loss", Number(NonNegMoney), num(0.0), "", "Per policy year, claimable amounts up to this are kept by the company.";
    MAX_LIABILITY = "policy.max_liability", Number(NonNegMoney), Means("unlimited"), "", "Cap on payouts per policy year.";
    WAITING_PERIOD_DAYS = "policy.waiting_period_days", ANY_DAY, num(180.0), "", "Protracted default: an invoice still unpaid this many days after its due day is claimed.";
    SETTLEMENT_DAYS = "policy.settlement_days", ANY_DAY, num(30.0), "", "Days from claim to payout.";
    DEFAULT_LIMIT = "policy.default_limit", Number(NonNegMoney), num(0.0), "", "Credit limit of buyers without a limit of their own or in this policy's limits.";
    POLITICAL_COVER = "policy.political_cover", Flag, IfAbsent::Flag(false), "", "Political risk covered: a payment a political event delays beyond the waiting period is claimed as a protracted default (export credit agencies cover it, private policies usually not).";
    MONITORING = "policy.monitoring", Table, Means("no monitoring: limits stay as set"), "", "The insurer watches the buyers it covers and cuts a limit before a default it detects, and sometimes a sound buyer's (MODEL.md section 16).";
    DETECTION = "policy.monitoring.detection", Number(Closed(0.0, 1.0)), Required, "detection = 0.6", "Probability that the insurer detects a buyer's coming default.";
    LEAD_DAYS = "policy.monitoring.lead_days", ANY_DAY, num(90.0), "", "Days before the default on which the insurer decides (day 0 at the earliest).";
    KEEP = "policy.monitoring.keep", Number(Closed(0.0, 1.0)), num(0.0), "", "Share of the limit left after the decision, for deliveries from that day (0 cancels it).";
    FALSE_ALARM = "policy.monitoring.false_alarm", Number(ClosedOpen(0.0, 1.0)), num(0.0), "", "Annual probability that the insurer cuts a buyer it did not detect (a sound buyer, or a default it missed).";
    STOP_SALES = "policy.monitoring.stop_sales", Flag, IfAbsent::Flag(false), "", "The company stops delivering to a buyer from the insurer's decision day (whatever keep is), in this policy's results: no sale, no supplier cost, no payment and no credit loss on what it did not deliver.";
    DOWNTURN = "policy.downturn", Table, Means("no broad cuts"), "", "In a downturn (common factor Z below z_below) the insurer cuts every limit (MODEL.md section 16).";
    Z_BELOW = "policy.downturn.z_below", Number(Money), Required, "z_below = -1.2816", "A path is a downturn when its common factor Z is below this (-1.2816: the worst 10 % of paths).";
    FROM_DAY = "policy.downturn.from_day", ANY_DAY, num(0.0), "", "First day of the cut.";
    DOWNTURN_LIMIT_MULTIPLIER = "policy.downturn.limit_multiplier", Number(Closed(0.0, 1.0)), Required, "limit_multiplier = 0.5", "Every limit is multiplied by this from from_day.";
    LIMITS = "policy.limits", Limits, Means("the buyers' own limits"), "limits = { \"Nordhaus Retail GmbH\" = 300000.0 }", "This policy's limits by buyer, group (each member) or member (GROUP#k, over its group's); before a buyer's own limit.";

    FINANCING = "financing", Table, Means("no borrowing base: headroom is balance + credit line"), "", "A bank's borrowing base on the receivables, larger on insured ones (MODEL.md section 15).";
    ADVANCE_RATE = "financing.advance_rate", Number(Closed(0.0, 1.0)), num(0.0), "", "Share of eligible receivables the bank lends.";
    INSURED_ADVANCE_RATE = "financing.insured_advance_rate", Number(Closed(0.0, 1.0)), Means("advance_rate"), "", "Share lent on the insured part of eligible receivables (up to each buyer's limit), in a policy's results.";
    MAX_DAYS_PAST_DUE = "financing.max_days_past_due", ANY_DAY, num(90.0), "", "An invoice more than this many days past due is not eligible.";
    FACILITY_LIMIT = "financing.facility_limit", Number(NonNegMoney), Means("unlimited"), "", "Cap on the borrowing base.";
    INSURED_RATE_REDUCTION = "financing.insured_rate_reduction", Number(Closed(0.0, 1.0)), num(0.0), "", "In a policy's results, a negative balance costs credit_line_rate minus this (at least 0).";

    RECEIVABLES = "receivables", Tables, Means("none (a cold start: no invoice open on day 0)"), "", "Invoices open on day 0, from the receivables ledger (MODEL.md section 20).";
    RECEIVABLE_BUYER = "receivables[].buyer", Name, Required, "buyer = \"Nordhaus Retail GmbH\"", "The buyer: a named buyer or a group member GROUP#k.";
    RECEIVABLE_AMOUNT = "receivables[].amount", Number(PosMoney), Required, "amount = 120000.0", "The invoice's open amount.";
    RECEIVABLE_ISSUE_DAY = "receivables[].issue_day", Whole { lo: -MAX_DAYS, hi: 0, advice: "use the day it was issued, 0 or negative: -40 is 40 days before day 0" }, Required, "issue_day = -40", "Day of issue, <= 0.";
    RECEIVABLE_DUE_DAY = "receivables[].due_day", Whole { lo: -MAX_DAYS, hi: MAX_DAYS, advice: "use the day it falls due, negative when it is overdue on day 0" }, Required, "due_day = 20", "Due day, >= issue_day; negative when overdue on day 0 (its delay is then drawn given that it is unpaid).";

    STRESS = "stress", Tables, Means("none"), "", "Stress cases: the base scenario with overrides, validated again.";
    STRESS_NAME = "stress[].name", Name, Required, "name = \"Recession\"", "Unique name of the case.";
    PD_MULTIPLIER = "stress[].pd_multiplier", MULTIPLIER, Means("unchanged"), "", "Every pd becomes min(pd k, 0.999).";
    STRESS_CORRELATION = "stress[].correlation", Number(ClosedOpen(0.0, 1.0)), Means("unchanged"), "", "Replaces the global and every own correlation.";
    DELAY_MULTIPLIER = "stress[].delay_multiplier", MULTIPLIER, Means("unchanged"), "", "Scales mean_days and sd_days of every delay table.";
    ON_TIME_MULTIPLIER = "stress[].on_time_multiplier", MULTIPLIER, Means("unchanged"), "", "Scales every on_time of a delay table, capped at 1.";
    REVENUE_MULTIPLIER = "stress[].revenue_multiplier", MULTIPLIER, Means("unchanged"), "", "Scales revenue.monthly.";
    LIMIT_MULTIPLIER = "stress[].limit_multiplier", MULTIPLIER, Means("unchanged"), "", "Scales every own, group and default limit.";
    LGD_ADD = "stress[].lgd_add", Number(Closed(-1.0, 1.0)), Means("unchanged"), "", "Added to every fixed LGD and Beta mean, capped at 1.";
    TERMS_DAYS_ADD = "stress[].terms_days_add", Whole { lo: -MAX_DAYS, hi: MAX_DAYS, advice: "use a whole number of days, negative to shorten terms, such as 30" }, Means("unchanged"), "terms_days_add = 30", "Added to every buyer's terms_days; a result below 0 is an error (MODEL.md section 21).";
    STRESS_ONLY = "stress[].only", Names, Means("every buyer"), "only = [\"Harbor Apparel Inc.\"]", "The buyers, groups and members (GROUP#k) the pd, correlation, delay, on-time, LGD, limit and terms overrides apply to (MODEL.md section 21).";
    COUNTRY_CORRELATION_STRESS = "stress[].country_correlation", Number(ClosedOpen(0.0, 1.0)), Means("unchanged"), "", "Replaces every country's correlation w.";
    POLITICAL_PD_MULTIPLIER = "stress[].political_pd_multiplier", MULTIPLIER, Means("unchanged"), "", "Every political_pd becomes min(political_pd k, 0.999).";
    POLITICAL_EVENT = "stress[].political_event", Tables, Means("none"), "", "Countries whose political event falls on a fixed day in every path (a day >= H: no event).";
    EVENT_COUNTRY = "stress[].political_event[].country", Name, Required, "country = \"United States\"", "The country.";
    EVENT_DAY = "stress[].political_event[].day", ANY_DAY, Required, "day = 120", "The day of its event; a day >= H means no event.";
    STRESS_DOWNTURN = "stress[].downturn", Table, Means("unchanged"), "", "Insurers cut limits broadly: every policy's downturn happens in every path (MODEL.md section 16), replacing its own.";
    STRESS_DOWNTURN_FROM_DAY = "stress[].downturn.from_day", ANY_DAY, num(0.0), "", "First day of the cut.";
    STRESS_DOWNTURN_MULTIPLIER = "stress[].downturn.limit_multiplier", Number(Closed(0.0, 1.0)), Required, "limit_multiplier = 0.7", "Every limit is multiplied by this from from_day.";
    FORCE_DEFAULT = "stress[].force_default", Tables, Means("none"), "", "Buyers that default on a fixed day in every path.";
    FORCED_BUYER = "stress[].force_default[].buyer", Name, Required, "buyer = \"Nordhaus Retail GmbH\"", "The buyer (a group member is GROUP#k).";
    FORCED_DAY = "stress[].force_default[].day", ANY_DAY, Required, "day = 90", "Its default day; a day >= H means no default.";
}

/// Every key with its full path (a shared buyer field twice), in table order.
pub fn expanded() -> Vec<(String, &'static Key)> {
    ALL.iter()
        .flat_map(|k| k.paths().into_iter().map(move |p| (p, k)))
        .collect()
}

/// The key at a full path (`buyers[].pd`), if there is one.
pub fn find(path: &str) -> Option<&'static Key> {
    expanded()
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, k)| k)
}

/// The keys allowed directly in the table at `parent` (a full path; "" for the top
/// level, `buyers[]` for an element of `buyers`), in table order.
pub fn children_keys(parent: &str) -> Vec<&'static Key> {
    expanded()
        .into_iter()
        .filter(|(p, _)| match p.rsplit_once('.') {
            Some((head, _)) => head == parent,
            None => parent.is_empty(),
        })
        .map(|(_, k)| k)
        .collect()
}

/// The names of [`children_keys`], for "did you mean".
pub fn children(parent: &str) -> Vec<&'static str> {
    children_keys(parent).into_iter().map(Key::name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_described_once() {
        let paths: Vec<String> = expanded().into_iter().map(|(p, _)| p).collect();
        let mut unique = paths.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "a path twice");
        for key in ALL {
            assert!(!key.doc.is_empty(), "{} has no documentation", key.path);
            if key.default == Required && key.kind != Table {
                assert!(!key.example.is_empty(), "{} needs an example", key.path);
            }
            // Every key's table is itself a key (or the top level).
            for path in key.paths() {
                if let Some((parent, _)) = path.rsplit_once('.') {
                    let parent = parent.trim_end_matches("[]");
                    assert!(find(parent).is_some(), "{path}: no key {parent}");
                }
            }
        }
    }

    #[test]
    fn children_follow_the_table() {
        assert_eq!(
            children(""),
            [
                "scenario",
                "simulation",
                "company",
                "revenue",
                "costs",
                "credit",
                "countries",
                "buyers",
                "buyer_groups",
                "insurance",
                "policies",
                "financing",
                "receivables",
                "stress"
            ]
        );
        assert!(children("buyer_groups[]").contains(&"count"));
        assert!(!children("buyers[]").contains(&"count"));
        assert_eq!(
            children("buyers[].delay"),
            ["on_time", "mean_days", "sd_days", "distribution"]
        );
    }
}

//! The scenario file exactly as written: serde structs that mirror the TOML.
//!
//! Every field is optional here, even the required ones, so that a missing key is
//! reported by validation together with every other problem of the file instead of
//! stopping serde at the first one. Unknown keys are rejected (`deny_unknown_fields`).
//! Nothing here is checked beyond its TOML type; `super::validate` turns these
//! structs into the domain types of [`super::Scenario`].

use serde::{Deserialize, Serialize};

/// `[scenario]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Option<String>,
    pub description: Option<String>,
    pub currency: Option<String>,
}

/// `[simulation]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub horizon_days: Option<i64>,
    pub paths: Option<i64>,
    pub seed: Option<u64>,
    pub start_month: Option<i64>,
}

/// `[company]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompany {
    pub opening_cash: Option<f64>,
    pub credit_line: Option<f64>,
    pub credit_line_rate: Option<f64>,
    pub deposit_rate: Option<f64>,
    pub min_headroom: Option<f64>,
}

/// `[revenue]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRevenue {
    pub monthly: Option<f64>,
    pub growth: Option<f64>,
    pub volatility: Option<f64>,
    pub seasonality: Option<Vec<f64>>,
}

/// One `[[costs.scheduled]]` flow.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    pub day: Option<i64>,
    pub amount: Option<f64>,
    pub label: Option<String>,
    pub every_days: Option<i64>,
}

/// `[costs]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub variable_ratio: Option<f64>,
    pub supplier_terms_days: Option<i64>,
    pub fixed_monthly: Option<f64>,
    pub scheduled: Option<Vec<RawScheduled>>,
}

/// `[credit]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredit {
    pub correlation: Option<f64>,
    pub recovery_lag_days: Option<i64>,
}

/// `lgd = 0.7` or `lgd = { mean = 0.7, sd = 0.2 }`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawLgd {
    Fixed(f64),
    Beta(RawBeta),
}

/// The table form of an LGD.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBeta {
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

/// `delay = { on_time = 0.55, mean_days = 18.0, sd_days = 20.0, distribution = "gamma" }`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelay {
    pub on_time: Option<f64>,
    pub mean_days: Option<f64>,
    pub sd_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
}

/// One `[[buyers]]` or `[[buyer_groups]]` entry: named buyers and groups share their
/// fields (the key table's `buyer.` keys); `count` belongs to groups, and validation
/// refuses it on a named buyer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuyer {
    pub name: Option<String>,
    pub count: Option<i64>,
    pub share: Option<f64>,
    pub terms_days: Option<i64>,
    pub pd: Option<f64>,
    pub lgd: Option<RawLgd>,
    pub delay: Option<RawDelay>,
    pub invoices_per_month: Option<i64>,
    pub limit: Option<f64>,
    pub correlation: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One `[[countries]]` entry (MODEL.md section 17).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCountry {
    pub name: Option<String>,
    pub correlation: Option<f64>,
    pub political_pd: Option<f64>,
    pub moratorium_days: Option<i64>,
}

/// `[insurance]` or one `[[policies]]` entry (MODEL.md section 14): the same keys,
/// and `name`, which validation refuses in `[insurance]` (that policy is "Insured").
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: Option<String>,
    pub indemnity: Option<f64>,
    pub premium_rate: Option<f64>,
    pub minimum_premium: Option<f64>,
    pub aggregate_first_loss: Option<f64>,
    pub max_liability: Option<f64>,
    pub waiting_period_days: Option<i64>,
    pub settlement_days: Option<i64>,
    pub default_limit: Option<f64>,
    /// Limits by buyer, group or member name.
    pub limits: Option<std::collections::BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_cover: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<RawMonitoring>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downturn: Option<RawDownturn>,
}

/// `monitoring = { detection = 0.6, lead_days = 90, keep = 0.0, false_alarm = 0.02,
/// stop_sales = true }`
/// (MODEL.md section 16).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonitoring {
    pub detection: Option<f64>,
    pub lead_days: Option<i64>,
    pub keep: Option<f64>,
    pub false_alarm: Option<f64>,
    pub stop_sales: Option<bool>,
}

/// `downturn = { z_below = -1.2816, from_day = 90, limit_multiplier = 0.5 }` (MODEL.md
/// section 16).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDownturn {
    pub z_below: Option<f64>,
    pub from_day: Option<i64>,
    pub limit_multiplier: Option<f64>,
}

/// `[financing]` (MODEL.md section 15).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinancing {
    pub advance_rate: Option<f64>,
    pub insured_advance_rate: Option<f64>,
    pub max_days_past_due: Option<i64>,
    pub facility_limit: Option<f64>,
    pub insured_rate_reduction: Option<f64>,
}

/// One `[[receivables]]` entry: an invoice open on day 0 (MODEL.md section 20).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReceivable {
    pub buyer: Option<String>,
    pub amount: Option<f64>,
    pub issue_day: Option<i64>,
    pub due_day: Option<i64>,
}

/// One entry of `force_default`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawForcedDefault {
    pub buyer: Option<String>,
    pub day: Option<i64>,
}

/// One entry of `political_event` (MODEL.md section 17).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoliticalEvent {
    pub country: Option<String>,
    pub day: Option<i64>,
}

/// One `[[stress]]` case.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStress {
    pub name: Option<String>,
    pub pd_multiplier: Option<f64>,
    pub correlation: Option<f64>,
    pub delay_multiplier: Option<f64>,
    pub on_time_multiplier: Option<f64>,
    pub revenue_multiplier: Option<f64>,
    pub limit_multiplier: Option<f64>,
    pub lgd_add: Option<f64>,
    pub terms_days_add: Option<i64>,
    pub only: Option<Vec<String>>,
    pub force_default: Option<Vec<RawForcedDefault>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_correlation: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_pd_multiplier: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_event: Option<Vec<RawPoliticalEvent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downturn: Option<RawStressDownturn>,
}

/// A stress case's `downturn = { from_day = 90, limit_multiplier = 0.7 }`: every
/// policy cuts every limit in every path.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStressDownturn {
    pub from_day: Option<i64>,
    pub limit_multiplier: Option<f64>,
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: Option<RawMeta>,
    pub simulation: Option<RawSimulation>,
    pub company: Option<RawCompany>,
    pub revenue: Option<RawRevenue>,
    pub costs: Option<RawCosts>,
    pub credit: Option<RawCredit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<RawCountry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyers: Vec<RawBuyer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_groups: Vec<RawBuyer>,
    pub insurance: Option<RawPolicy>,
    /// `None` when the file has no `policies` key (`policies = []` is an error).
    pub policies: Option<Vec<RawPolicy>>,
    pub financing: Option<RawFinancing>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receivables: Vec<RawReceivable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stress: Vec<RawStress>,
    /// Group members with tables of their own: never in a file, made by a targeted
    /// stress case that names a member `GROUP#k` (MODEL.md section 21).
    #[serde(skip)]
    pub member_tables: Vec<RawMember>,
}

/// The table of member `k` (from 1) of `buyer_groups[group]`: the group's, with a
/// targeted stress case's overrides applied.
#[derive(Debug, Clone)]
pub struct RawMember {
    pub group: usize,
    pub k: u32,
    pub table: RawBuyer,
}

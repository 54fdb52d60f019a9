//! Plausibility warnings: values that are valid but far outside what real companies
//! and policies show (../shared/DOMAIN.md), which usually means a slip (0.3 written
//! for 0.3 %, a group's share written per member). A warning says what is typical and,
//! where the slip is likely, what was probably meant; it never changes the scenario.
//! `--deny-warnings` turns them into errors for pipelines.

use super::{BuyerTerms, Scenario};

/// A valid value that is probably not what the user meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The key as the file writes it (`insurance.premium_rate`, `buyers["A"].pd`).
    pub key: String,
    /// What is unusual, what is typical, and what may have been meant.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The thresholds, each far outside the typical range it quotes.
const PREMIUM_RATE: f64 = 0.02;
const CASH_SHARE: f64 = 0.30;
const PD: f64 = 0.30;
const TERMS_DAYS: u32 = 180;
const CORRELATION: f64 = 0.30;
const INDEMNITY: f64 = 0.60;
const DELAY_MEAN_DAYS: f64 = 180.0;
const CREDIT_LINE_RATE: f64 = 0.30;
const WAITING_PERIOD_DAYS: u32 = 365;

fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.2} %")
    }
}

/// The warnings of a validated scenario, in file order.
pub fn warnings(s: &Scenario) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |key: String, message: String| out.push(Warning { key, message });
    if s.credit_line_rate > CREDIT_LINE_RATE {
        warn(
            "company.credit_line_rate".into(),
            format!(
                "is {} a year; interest on a credit line is usually a few percent a year",
                pct(s.credit_line_rate)
            ),
        );
    }
    let cash = s.cash_share();
    if cash > CASH_SHARE {
        let mut groups = if s.groups.is_empty() {
            String::new()
        } else {
            " A group's share is the combined share of all its members, not each member's."
                .to_string()
        };
        for g in &s.groups {
            let combined = g.total_share * g.count as f64;
            if g.count > 1 && combined <= 1.0 {
                groups.push_str(&format!(
                    " If buyer_groups[\"{}\"].share = {} is each member's share, write \
                     share = {} ({} x {}).",
                    g.terms.name,
                    g.total_share,
                    // 200 x 0.00175 is 0.35000000000000003 in floating point.
                    (combined * 1e9).round() / 1e9,
                    g.count,
                    g.total_share
                ));
            }
        }
        warn(
            "buyers".into(),
            format!(
                "the buyers' shares add up to {}, so {} of sales are cash sales; a seller on \
                 credit terms usually sells almost everything on credit.{groups}",
                pct(s.buyer_share_sum()),
                pct(cash)
            ),
        );
    }
    if s.correlation > CORRELATION {
        warn(
            "credit.correlation".into(),
            correlation_message(s.correlation),
        );
    }
    let all = s
        .buyers
        .iter()
        .map(|b| (format!("buyers[\"{}\"]", b.name), b))
        .chain(
            s.groups
                .iter()
                .map(|g| (format!("buyer_groups[\"{}\"]", g.terms.name), &g.terms)),
        );
    for (at, b) in all {
        buyer_warnings(&at, b, &mut warn);
    }
    for p in &s.policies {
        if p.premium_rate > PREMIUM_RATE {
            let meant = if p.premium_rate / 100.0 <= 0.005 {
                format!(
                    " Did you mean {} ({})?",
                    p.premium_rate / 100.0,
                    pct(p.premium_rate / 100.0)
                )
            } else {
                String::new()
            };
            warn(
                format!("{}.premium_rate", p.key),
                format!(
                    "is {} of insured turnover; premiums are typically 0.1-0.5 %, around \
                     0.25 % for many SMEs.{meant}",
                    pct(p.premium_rate)
                ),
            );
        }
        if p.indemnity < INDEMNITY {
            warn(
                format!("{}.indemnity", p.key),
                format!(
                    "is {}; insured percentages are usually 75-95 %, most often 90 %",
                    pct(p.indemnity)
                ),
            );
        }
        if p.waiting_period_days > WAITING_PERIOD_DAYS {
            warn(
                format!("{}.waiting_period_days", p.key),
                format!(
                    "is {} days; waiting periods for protracted default are usually 60 days \
                     to 6 months",
                    p.waiting_period_days
                ),
            );
        }
    }
    out
}

fn correlation_message(rho: f64) -> String {
    format!(
        "is {rho}; measured asset correlations of SME buyers are about 0.01-0.05, and \
         0.12-0.24 (the Basel formula) is already a stress value"
    )
}

fn buyer_warnings(at: &str, b: &BuyerTerms, warn: &mut impl FnMut(String, String)) {
    if b.pd > PD {
        warn(
            format!("{at}.pd"),
            format!(
                "is {} a year; SMEs default at about 0.7-4 % a year, 11-13 % in the worst \
                 years",
                pct(b.pd)
            ),
        );
    }
    if b.terms_days > TERMS_DAYS {
        warn(
            format!("{at}.terms_days"),
            format!(
                "is {} days; payment terms of 30-90 days are normal",
                b.terms_days
            ),
        );
    }
    if let Some(rho) = b.correlation.filter(|&r| r > CORRELATION) {
        warn(format!("{at}.correlation"), correlation_message(rho));
    }
    if let Some(d) = b.delay.filter(|d| d.mean_days > DELAY_MEAN_DAYS) {
        warn(
            format!("{at}.delay.mean_days"),
            format!(
                "is {} days; late invoices are typically paid within one to two months \
                 of their due day",
                d.mean_days
            ),
        );
    }
}

//! From TOML text to raw structs, and from raw structs to a validated [`Scenario`].

use super::errors::{KeyPath, Problem, ScenarioError};
use super::raw::*;
use super::*;
use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Largest day number accepted anywhere (100 years): keeps day arithmetic far from overflow.
pub const MAX_DAYS: i64 = 36_500;
/// Most buyers a file may have in all (named buyers plus group members).
pub const MAX_BUYERS: u64 = 10_000_000;
/// Largest magnitude accepted for an amount of money.
pub const MAX_MONEY: f64 = 1e15;

/// Parses the TOML text into the raw structs, collecting every structural problem.
pub fn parse_raw(path: &Path, text: &str) -> Result<RawScenario, ScenarioError> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let offset = err.span().map(|s| s.start);
            let detail = err.message().trim().trim_end_matches('.').to_string();
            let hint = if detail.contains("duplicate key") {
                " (each key, and each [table] header, may appear only once)"
            } else {
                ""
            };
            let message = format!("this is not valid TOML: {detail}{hint}");
            return Err(ScenarioError::new(
                path,
                text,
                vec![Problem::at_offset(KeyPath::root(), message, offset)],
            ));
        }
    };
    let mut problems = Vec::new();
    let mut raw = RawScenario::default();
    for (key, value) in root.get_ref().iter() {
        let name: &str = key.get_ref();
        let at = KeyPath::root().key(name);
        match name {
            "scenario" => raw.scenario = section(value, &at, &mut problems),
            "simulation" => raw.simulation = section(value, &at, &mut problems),
            "company" => raw.company = section(value, &at, &mut problems),
            "revenue" => raw.revenue = section(value, &at, &mut problems),
            "costs" => raw.costs = section(value, &at, &mut problems),
            "credit" => raw.credit = section(value, &at, &mut problems),
            "insurance" => raw.insurance = section(value, &at, &mut problems),
            "buyers" => raw.buyers = elements(value, &at, &mut problems),
            "buyer_groups" => raw.buyer_groups = elements(value, &at, &mut problems),
            "stress" => raw.stress = elements(value, &at, &mut problems),
            other => problems.push(Problem::at_offset(
                at.clone(),
                unknown_key_message(other, TOP_LEVEL_KEYS, "at the top level"),
                Some(key.span().start),
            )),
        }
    }
    if problems.is_empty() {
        Ok(raw)
    } else {
        Err(ScenarioError::new(path, text, problems))
    }
}

fn section<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if !value.get_ref().is_table() {
        problems.push(Problem::at_offset(
            at.clone(),
            format!(
                "must be a table (a [{at}] header), not {}",
                describe_value(value.get_ref())
            ),
            Some(value.span().start),
        ));
        return None;
    }
    deserialize_value(value, at, problems)
}

fn elements<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let Some(array) = value.get_ref().as_array() else {
        problems.push(Problem::at_offset(
            at.clone(),
            format!(
                "must be an array of tables, written as [[{at}]] headers, not {}",
                describe_value(value.get_ref())
            ),
            Some(value.span().start),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in array.iter().enumerate() {
        let name = item
            .get_ref()
            .as_table()
            .and_then(|t| t.get("name"))
            .and_then(|n| n.get_ref().as_str())
            .map(str::to_string);
        let item_at = at.index(i, name.as_deref());
        if !item.get_ref().is_table() {
            problems.push(Problem::at_offset(
                item_at,
                format!("must be a table, not {}", describe_value(item.get_ref())),
                Some(item.span().start),
            ));
            continue;
        }
        if let Some(v) = deserialize_value(item, &item_at, problems) {
            out.push(v);
        }
    }
    out
}

fn deserialize_value<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    at: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let de = value.clone().into_deserializer();
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Some(v),
        Err(err) => {
            let mut path = at.clone();
            for seg in err.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => path = path.index(*index, None),
                    serde_path_to_error::Segment::Map { key } => path = path.key(key),
                    serde_path_to_error::Segment::Enum { variant } => path = path.key(variant),
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let inner = err.into_inner();
            let (path, message) = humanize(path, inner.message());
            problems.push(Problem::at_offset(
                path,
                message,
                inner.span().map(|s| s.start),
            ));
            None
        }
    }
}

fn describe_value(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{s}\""),
        DeValue::Integer(i) => format!("the integer {}", i.as_str()),
        DeValue::Float(x) => format!("the number {}", x.as_str()),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// Turns serde's messages into advice, and moves an unknown key into the path.
fn humanize(path: KeyPath, message: &str) -> (KeyPath, String) {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = rest
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        // serde_path_to_error already ends the path with the unknown key.
        let mut parent = path.clone();
        if parent.0.last() == Some(&super::errors::Seg::Key(field.to_string())) {
            parent.0.pop();
        }
        let where_ = if parent.is_root() {
            "here".to_string()
        } else {
            format!("in {parent}")
        };
        let field_path = parent.key(field);
        return (field_path, unknown_key_message(field, &expected, &where_));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return (path.key(field), "is required".to_string());
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if found.ends_with(" as i128") {
            return (
                path,
                "is too large; whole numbers must be below 9223372036854775807".to_string(),
            );
        }
        let found = found
            .replace("floating point", "the number")
            .replace("string", "the text")
            .replace("integer", "the integer")
            .replace('`', "");
        let wanted = match expected.trim() {
            "f64" => "a number, such as 0.25 or 300000.0".to_string(),
            "i64" => "a whole number written as an integer (30, not 30.0)".to_string(),
            "u64" => "a non-negative whole number written as an integer".to_string(),
            "a string" => "a text in double quotes".to_string(),
            "a sequence" => "an array such as [1.0, 2.0]".to_string(),
            other => other.to_string(),
        };
        return (path, format!("must be {wanted}, not {found}"));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let wanted = match expected.trim() {
            "u64" => "a non-negative whole number".to_string(),
            "i64" => "a whole number that fits in 64 bits".to_string(),
            other => other.to_string(),
        };
        let found = found.replace("integer ", "").replace('`', "");
        return (path, format!("must be {wanted}, not {found}"));
    }
    (path, message.to_string())
}

/// "unknown key `x` in [company]; did you mean `y`?"
pub fn unknown_key_message(key: &str, allowed: &[&str], where_: &str) -> String {
    let best = allowed
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("unknown key `{key}` {where_}; did you mean `{k}`?"),
        None => format!(
            "unknown key `{key}` {where_}; the keys allowed are {}",
            allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A number as a user would write it: plain, or in scientific notation when huge or tiny.
fn num(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e15 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The allowed range of a number.
#[derive(Clone, Copy)]
enum Range {
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
    fn contains(self, x: f64) -> bool {
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

    fn describe(self) -> String {
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
}

/// Collects problems while converting raw values.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, path: KeyPath, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// A required number: `example` shows how to write it.
    fn required(&mut self, path: KeyPath, v: Option<f64>, range: Range, example: &str) -> f64 {
        match v {
            Some(x) => self.check(path, x, range),
            None => {
                self.push(
                    path,
                    format!("is required; add it, for example `{example}`"),
                );
                0.0
            }
        }
    }

    fn optional(&mut self, path: KeyPath, v: Option<f64>, default: f64, range: Range) -> f64 {
        match v {
            Some(x) => self.check(path, x, range),
            None => default,
        }
    }

    fn check(&mut self, path: KeyPath, x: f64, range: Range) -> f64 {
        if !x.is_finite() {
            self.push(
                path,
                format!("is {}; use a finite number, {}", num(x), range.describe()),
            );
            return 0.0;
        }
        if !range.contains(x) {
            self.push(
                path,
                format!("is {}, out of range; use {}", num(x), range.describe()),
            );
        }
        x
    }

    fn days(&mut self, path: KeyPath, v: Option<i64>, default: i64, lo: i64, hi: i64) -> u32 {
        let d = v.unwrap_or(default);
        if d < lo || d > hi {
            self.push(
                path,
                format!("is {d}, out of range; use a whole number of days in {lo}..={hi}"),
            );
            return lo.max(0) as u32;
        }
        d as u32
    }

    fn required_days(&mut self, path: KeyPath, v: Option<i64>, example: &str) -> u32 {
        match v {
            Some(_) => self.days(path, v, 0, 0, MAX_DAYS),
            None => {
                self.push(
                    path,
                    format!("is required; add it, for example `{example}`"),
                );
                0
            }
        }
    }

    /// Refuses the characters that no name, label or currency may hold (see
    /// [`crate::text::forbidden_char`]); `allow_breaks` lets a free text keep line
    /// breaks and tabs.
    fn plain_text(&mut self, path: &KeyPath, s: &str, allow_breaks: bool) -> bool {
        let bad = s.chars().find(|&c| {
            crate::text::forbidden_char(c) && !(allow_breaks && matches!(c, '\n' | '\t'))
        });
        if let Some(c) = bad {
            self.push(
                path.clone(),
                format!(
                    "holds the control character {}; names, labels and the currency must be \
                     plain text (no escape sequences, line breaks or reordering marks): \
                     remove it",
                    crate::text::codepoint(c)
                ),
            );
        }
        bad.is_none()
    }

    fn name(&mut self, path: KeyPath, v: &Option<String>, example: &str) -> String {
        match v {
            Some(s) if !s.trim().is_empty() => {
                self.plain_text(&path, s, false);
                s.clone()
            }
            Some(_) => {
                self.push(path, "is empty; give it a name");
                String::new()
            }
            None => {
                self.push(
                    path,
                    format!("is required; add it, for example `{example}`"),
                );
                String::new()
            }
        }
    }
}

/// Validates the raw structs, returning every problem found.
pub fn validate(raw: &RawScenario) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let root = KeyPath::root();

    let meta = raw.scenario.clone().unwrap_or_default();
    let at = root.key("scenario");
    let name = c.name(at.key("name"), &meta.name, "name = \"Textile exporter\"");
    let currency = meta.currency.clone().unwrap_or_else(|| "EUR".to_string());
    if currency.trim().is_empty() {
        c.push(at.key("currency"), "is empty; use a label such as \"EUR\"");
    }
    c.plain_text(&at.key("currency"), &currency, false);
    if let Some(d) = &meta.description {
        c.plain_text(&at.key("description"), d, true);
    }

    let sim = raw.simulation.clone().unwrap_or_default();
    let at = root.key("simulation");
    let horizon_days = c.days(at.key("horizon_days"), sim.horizon_days, 365, 1, 3650);
    let paths = match sim.paths {
        None => 10_000,
        Some(p) if p >= 1 => p as u64,
        Some(p) => {
            c.push(
                at.key("paths"),
                format!("is {p}; use a whole number >= 1, such as 10000"),
            );
            1
        }
    };
    let seed = sim.seed.unwrap_or(0);
    let start_month = match sim.start_month {
        None => 1,
        Some(m) if (1..=12).contains(&m) => m as u32,
        Some(m) => {
            c.push(
                at.key("start_month"),
                format!("is {m}; use the calendar month of day 0, 1 (January) to 12 (December)"),
            );
            1
        }
    };

    let company = raw.company.clone().unwrap_or_default();
    let at = root.key("company");
    let opening_cash = c.required(
        at.key("opening_cash"),
        company.opening_cash,
        Range::Money,
        "opening_cash = 300000.0",
    );
    let credit_line = c.optional(
        at.key("credit_line"),
        company.credit_line,
        0.0,
        Range::NonNegMoney,
    );
    let credit_line_rate = c.optional(
        at.key("credit_line_rate"),
        company.credit_line_rate,
        0.0,
        Range::Closed(0.0, 1.0),
    );
    let deposit_rate = c.optional(
        at.key("deposit_rate"),
        company.deposit_rate,
        0.0,
        Range::Closed(-1.0, 1.0),
    );
    let min_headroom = c.optional(
        at.key("min_headroom"),
        company.min_headroom,
        0.0,
        Range::Money,
    );

    let revenue = raw.revenue.clone().unwrap_or_default();
    let at = root.key("revenue");
    let revenue_monthly = c.required(
        at.key("monthly"),
        revenue.monthly,
        Range::PosMoney,
        "monthly = 400000.0",
    );
    let revenue_growth = c.optional(
        at.key("growth"),
        revenue.growth,
        0.0,
        Range::Open(-1.0, 10.0),
    );
    let revenue_volatility = c.optional(
        at.key("volatility"),
        revenue.volatility,
        0.0,
        Range::Closed(0.0, 5.0),
    );
    let seasonality = match &revenue.seasonality {
        None => None,
        Some(f) if f.len() != 12 => {
            c.push(
                at.key("seasonality"),
                format!(
                    "has {} factors; give exactly 12, one per calendar month from January",
                    f.len()
                ),
            );
            None
        }
        Some(f) => {
            let mut out = [1.0; 12];
            for (i, x) in f.iter().enumerate() {
                out[i] = c.check(
                    at.key("seasonality").index(i, None),
                    *x,
                    Range::OpenClosed(0.0, 1e6),
                );
            }
            Some(out)
        }
    };

    let costs = raw.costs.clone().unwrap_or_default();
    let at = root.key("costs");
    let variable_ratio = c.optional(
        at.key("variable_ratio"),
        costs.variable_ratio,
        0.0,
        Range::Closed(0.0, 1.0),
    );
    let supplier_terms_days = c.days(
        at.key("supplier_terms_days"),
        costs.supplier_terms_days,
        0,
        0,
        MAX_DAYS,
    );
    let fixed_monthly = c.optional(
        at.key("fixed_monthly"),
        costs.fixed_monthly,
        0.0,
        Range::NonNegMoney,
    );
    let mut scheduled = Vec::new();
    for (i, s) in costs
        .scheduled
        .clone()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = at.key("scheduled").index(i, s.label.as_deref());
        let day = c.required_days(at.key("day"), s.day, "day = 180");
        let amount = c.required(
            at.key("amount"),
            s.amount,
            Range::Money,
            "amount = -120000.0",
        );
        if let Some(label) = &s.label {
            c.plain_text(&at.key("label"), label, false);
        }
        scheduled.push(ScheduledFlow {
            day,
            amount,
            label: s.label.clone().unwrap_or_default(),
        });
    }

    let credit = raw.credit.clone().unwrap_or_default();
    let at = root.key("credit");
    let correlation = c.optional(
        at.key("correlation"),
        credit.correlation,
        0.0,
        Range::ClosedOpen(0.0, 1.0),
    );
    let recovery_lag_days = c.days(
        at.key("recovery_lag_days"),
        credit.recovery_lag_days,
        365,
        0,
        MAX_DAYS,
    );

    let mut buyers = Vec::new();
    let mut all_names: Vec<(String, KeyPath)> = Vec::new();
    for (i, b) in raw.buyers.iter().enumerate() {
        let at = root.key("buyers").index(i, b.name.as_deref());
        let terms = buyer_terms(
            &mut c,
            &at,
            BuyerFields {
                name: &b.name,
                share: b.share,
                terms_days: b.terms_days,
                pd: b.pd,
                lgd: &b.lgd,
                delay: &b.delay,
                invoices_per_month: b.invoices_per_month,
                limit: b.limit,
                correlation: b.correlation,
            },
            1,
        );
        all_names.push((terms.name.clone(), at));
        buyers.push(terms);
    }
    let mut groups = Vec::new();
    for (i, g) in raw.buyer_groups.iter().enumerate() {
        let at = root.key("buyer_groups").index(i, g.name.as_deref());
        let count = match g.count {
            None => {
                c.push(
                    at.key("count"),
                    "is required; add it, for example `count = 150`",
                );
                1
            }
            Some(n) if (1..=1_000_000).contains(&n) => n as u32,
            Some(n) => {
                c.push(
                    at.key("count"),
                    format!("is {n}; use a number of buyers in 1..=1000000"),
                );
                1
            }
        };
        let mut terms = buyer_terms(
            &mut c,
            &at,
            BuyerFields {
                name: &g.name,
                share: g.share,
                terms_days: g.terms_days,
                pd: g.pd,
                lgd: &g.lgd,
                delay: &g.delay,
                invoices_per_month: g.invoices_per_month,
                limit: g.limit,
                correlation: g.correlation,
            },
            count,
        );
        let total_share = terms.share;
        terms.share = total_share / count as f64;
        all_names.push((terms.name.clone(), at));
        groups.push(BuyerGroup {
            terms,
            count,
            total_share,
        });
    }
    // Hash sets, not pairwise comparisons: a file may list 100,000 buyers.
    let group_counts: std::collections::HashMap<&str, u32> = groups
        .iter()
        .map(|g| (g.terms.name.as_str(), g.count))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (name, at) in &all_names {
        if name.is_empty() {
            continue;
        }
        if !seen.insert(name.as_str()) {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; every buyer and group needs its own name"),
            );
        }
        if let Some((group, k)) = name.rsplit_once('#') {
            let clash = group_counts
                .get(group)
                .is_some_and(|&count| k.parse::<u32>().is_ok_and(|k| k >= 1 && k <= count));
            if clash {
                c.push(
                    at.key("name"),
                    format!(
                        "\"{name}\" is also the name of a member of group \"{group}\"; rename it"
                    ),
                );
            }
        }
    }
    // Buyer b draws on streams 1 + b and 2^31 + b (crate::rng): the total must stay far
    // below 2^30 so that no two buyers, and no user stream, share one.
    let total_buyers = buyers.len() as u64 + groups.iter().map(|g| g.count as u64).sum::<u64>();
    if total_buyers > MAX_BUYERS {
        c.push(
            root.key("buyer_groups"),
            format!(
                "the file has {total_buyers} buyers in all (named buyers and group members); \
                 at most {MAX_BUYERS} are supported: model the smallest buyers as fewer, larger ones (a smaller `count` with the same combined `share`)"
            ),
        );
    }
    // Summed in file order, named buyers first (MODEL.md section 12).
    let mut share_sum = 0.0;
    for b in &buyers {
        share_sum += b.share;
    }
    for g in &groups {
        share_sum += g.total_share;
    }
    if share_sum > 1.0 + 1e-9 {
        c.push(
            root.key("buyers"),
            format!(
                "the shares of all buyers and groups add up to {share_sum:.6}, more than 1; \
                 lower them so that they sum to at most 1 (the rest is sold for cash)"
            ),
        );
    }

    let insurance = raw.insurance.as_ref().map(|ins| {
        let at = root.key("insurance");
        Policy {
            indemnity: c.required(
                at.key("indemnity"),
                ins.indemnity,
                Range::OpenClosed(0.0, 1.0),
                "indemnity = 0.90",
            ),
            premium_rate: c.required(
                at.key("premium_rate"),
                ins.premium_rate,
                Range::Closed(0.0, 1.0),
                "premium_rate = 0.0025",
            ),
            minimum_premium: c.optional(
                at.key("minimum_premium"),
                ins.minimum_premium,
                0.0,
                Range::NonNegMoney,
            ),
            aggregate_first_loss: c.optional(
                at.key("aggregate_first_loss"),
                ins.aggregate_first_loss,
                0.0,
                Range::NonNegMoney,
            ),
            max_liability: c.optional(
                at.key("max_liability"),
                ins.max_liability,
                f64::INFINITY,
                Range::NonNegMoney,
            ),
            waiting_period_days: c.days(
                at.key("waiting_period_days"),
                ins.waiting_period_days,
                180,
                0,
                MAX_DAYS,
            ),
            settlement_days: c.days(
                at.key("settlement_days"),
                ins.settlement_days,
                30,
                0,
                MAX_DAYS,
            ),
            default_limit: c.optional(
                at.key("default_limit"),
                ins.default_limit,
                0.0,
                Range::NonNegMoney,
            ),
        }
    });

    let mut stress = Vec::new();
    // Each case of a batch gets a folder named after it, beside the base case's `base`:
    // two names that would share a folder are an error now, not an overwrite later.
    let mut folders: std::collections::HashMap<String, String> =
        std::collections::HashMap::from([("base".to_string(), "the base case".to_string())]);
    for (i, s) in raw.stress.iter().enumerate() {
        let at = root.key("stress").index(i, s.name.as_deref());
        let name = c.name(at.key("name"), &s.name, "name = \"Recession\"");
        if !name.is_empty() && stress.iter().any(|x: &StressCase| x.name == name) {
            c.push(
                at.key("name"),
                format!("\"{name}\" is used twice; give each stress case its own name"),
            );
        } else if !name.trim().is_empty() {
            match crate::text::path_component(&name) {
                None => c.push(
                    at.key("name"),
                    format!(
                        "\"{name}\" has no letter or digit to name its output folder; \
                         use a name such as \"Recession\""
                    ),
                ),
                Some(folder) => {
                    if let Some(other) = folders.get(&folder) {
                        c.push(
                            at.key("name"),
                            format!(
                                "\"{name}\" would share the output folder `{folder}` with {other}; \
                                 give it a name that differs in more than case and punctuation"
                            ),
                        );
                    } else {
                        folders.insert(folder, format!("stress case \"{name}\""));
                    }
                }
            }
        }
        let mult = |c: &mut Checker, key: &str, v: Option<f64>| {
            v.map(|x| c.check(at.key(key), x, Range::Closed(0.0, 1000.0)))
        };
        let pd_multiplier = mult(&mut c, "pd_multiplier", s.pd_multiplier);
        let delay_multiplier = mult(&mut c, "delay_multiplier", s.delay_multiplier);
        let on_time_multiplier = mult(&mut c, "on_time_multiplier", s.on_time_multiplier);
        let revenue_multiplier = mult(&mut c, "revenue_multiplier", s.revenue_multiplier);
        let limit_multiplier = mult(&mut c, "limit_multiplier", s.limit_multiplier);
        let correlation = s
            .correlation
            .map(|x| c.check(at.key("correlation"), x, Range::ClosedOpen(0.0, 1.0)));
        let lgd_add = s
            .lgd_add
            .map(|x| c.check(at.key("lgd_add"), x, Range::Closed(-1.0, 1.0)));
        let mut force_default = Vec::new();
        for (j, f) in s
            .force_default
            .clone()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = at.key("force_default").index(j, None);
            let buyer = c.name(
                at.key("buyer"),
                &f.buyer,
                "buyer = \"Nordhaus Retail GmbH\"",
            );
            let day = c.required_days(at.key("day"), f.day, "day = 90");
            if !buyer.is_empty() && !buyer_exists(&buyers, &groups, &buyer) {
                c.push(
                    at.key("buyer"),
                    unknown_buyer_message(&buyer, &buyers, &groups),
                );
            }
            force_default.push(ForcedDefault { buyer, day });
        }
        stress.push(StressCase {
            name,
            pd_multiplier,
            correlation,
            delay_multiplier,
            on_time_multiplier,
            revenue_multiplier,
            limit_multiplier,
            lgd_add,
            force_default,
        });
    }

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(Scenario {
        name,
        description: meta.description.clone().unwrap_or_default(),
        currency,
        horizon_days,
        paths,
        seed,
        start_month,
        opening_cash,
        credit_line,
        credit_line_rate,
        deposit_rate,
        min_headroom,
        revenue_monthly,
        revenue_growth,
        revenue_volatility,
        seasonality,
        variable_ratio,
        supplier_terms_days,
        fixed_monthly,
        scheduled,
        correlation,
        recovery_lag_days,
        buyers,
        groups,
        insurance,
        stress,
        forced_defaults: Vec::new(),
        applied_stress: None,
    })
}

/// True when `name` is a named buyer or `GROUP#k` with 1 <= k <= count.
pub fn buyer_exists(buyers: &[BuyerTerms], groups: &[BuyerGroup], name: &str) -> bool {
    if buyers.iter().any(|b| b.name == name) {
        return true;
    }
    match name.rsplit_once('#') {
        Some((group, k)) => groups.iter().any(|g| {
            g.terms.name == group && k.parse::<u32>().is_ok_and(|k| k >= 1 && k <= g.count)
        }),
        None => false,
    }
}

fn unknown_buyer_message(name: &str, buyers: &[BuyerTerms], groups: &[BuyerGroup]) -> String {
    let mut names: Vec<String> = buyers.iter().map(|b| b.name.clone()).collect();
    names.extend(groups.iter().map(|g| format!("{}#1", g.terms.name)));
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let best = refs
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((_, k)) => format!("did you mean \"{k}\"?"),
        None if names.is_empty() => "the file has no buyers".to_string(),
        None => format!(
            "name a buyer of the file, or a group member as \"GROUP#k\" (k from 1): {}",
            names.join(", ")
        ),
    };
    format!("there is no buyer named \"{name}\"; {hint}")
}

struct BuyerFields<'a> {
    name: &'a Option<String>,
    share: Option<f64>,
    terms_days: Option<i64>,
    pd: Option<f64>,
    lgd: &'a Option<RawLgd>,
    delay: &'a Option<RawDelay>,
    invoices_per_month: Option<i64>,
    limit: Option<f64>,
    correlation: Option<f64>,
}

fn buyer_terms(c: &mut Checker, at: &KeyPath, f: BuyerFields<'_>, _count: u32) -> BuyerTerms {
    let name = c.name(at.key("name"), f.name, "name = \"Nordhaus Retail GmbH\"");
    let share = c.required(
        at.key("share"),
        f.share,
        Range::OpenClosed(0.0, 1.0),
        "share = 0.18",
    );
    let terms_days = c.required_days(at.key("terms_days"), f.terms_days, "terms_days = 60");
    let pd = c.required(
        at.key("pd"),
        f.pd,
        Range::ClosedOpen(0.0, 1.0),
        "pd = 0.015",
    );
    let lgd = match f.lgd {
        None => {
            c.push(
                at.key("lgd"),
                "is required; add it, for example `lgd = 0.7` or `lgd = { mean = 0.7, sd = 0.2 }`",
            );
            Lgd::Fixed(0.0)
        }
        Some(RawLgd::Fixed(x)) => Lgd::Fixed(c.check(at.key("lgd"), *x, Range::Closed(0.0, 1.0))),
        Some(RawLgd::Beta(beta)) => beta_lgd(c, &at.key("lgd"), beta),
    };
    let delay = f.delay.as_ref().map(|d| {
        let at = at.key("delay");
        Delay {
            on_time: c.optional(at.key("on_time"), d.on_time, 0.0, Range::Closed(0.0, 1.0)),
            mean_days: c.required(
                at.key("mean_days"),
                d.mean_days,
                Range::OpenClosed(0.0, MAX_DAYS as f64),
                "mean_days = 18.0",
            ),
            sd_days: c.optional(
                at.key("sd_days"),
                d.sd_days,
                0.0,
                Range::Closed(0.0, MAX_DAYS as f64),
            ),
        }
    });
    let invoices_per_month = match f.invoices_per_month {
        None => 1,
        Some(n) if (1..=1000).contains(&n) => n as u32,
        Some(n) => {
            c.push(
                at.key("invoices_per_month"),
                format!("is {n}; use a whole number in 1..=1000"),
            );
            1
        }
    };
    let limit = f
        .limit
        .map(|x| c.check(at.key("limit"), x, Range::NonNegMoney));
    let correlation = f
        .correlation
        .map(|x| c.check(at.key("correlation"), x, Range::ClosedOpen(0.0, 1.0)));
    BuyerTerms {
        name,
        share,
        terms_days,
        pd,
        lgd,
        delay,
        invoices_per_month,
        limit,
        correlation,
    }
}

fn beta_lgd(c: &mut Checker, at: &KeyPath, beta: &RawBeta) -> Lgd {
    let mean = c.required(
        at.key("mean"),
        beta.mean,
        Range::Open(0.0, 1.0),
        "mean = 0.7",
    );
    let sd = c.required(at.key("sd"), beta.sd, Range::Closed(0.0, 1.0), "sd = 0.2");
    if mean > 0.0 && mean < 1.0 && sd > 0.0 && sd * sd >= mean * (1.0 - mean) {
        c.push(
            at.key("sd"),
            format!(
                "is {sd}, too large for a Beta distribution with mean {mean}; \
                 sd must be below sqrt(mean * (1 - mean)) = {:.4}",
                (mean * (1.0 - mean)).sqrt()
            ),
        );
    }
    Lgd::Beta { mean, sd }
}

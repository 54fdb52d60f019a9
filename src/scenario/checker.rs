//! Checking one raw value against its key's description ([`super::keys`]), collecting
//! every problem of a file instead of stopping at the first.
//!
//! Each method takes the path of the table a key sits in and the key itself: its
//! range, default and example come from the key table, so validation code says only
//! which key it reads.

use super::errors::{KeyPath, Problem};
use super::keys::{IfAbsent, Key, Kind, Range};

/// A number as a user would write it: plain, or in scientific notation when huge or tiny.
fn num(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e15 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// For a share or rate written as a percentage (`indemnity = 90`, `pd = 2`,
/// `credit_line_rate = 4.35`): the fraction the user meant, as text ("0.0435"), when
/// the key holds values up to 1, x is in [2, 100] and x / 100 is in its range.
fn percent_as_fraction(x: f64, range: Range) -> Option<String> {
    let up_to_one = matches!(
        range,
        Range::Closed(_, 1.0)
            | Range::ClosedOpen(_, 1.0)
            | Range::OpenClosed(_, 1.0)
            | Range::Open(_, 1.0)
    );
    // From 2 up: 1.2 for a share is more likely a slip than 1.2 %.
    if !up_to_one || !(2.0..=100.0).contains(&x) || !range.contains(x / 100.0) {
        return None;
    }
    // The decimal point of the number as written, moved two places (the one rule
    // that also serves `growth = 5%`).
    Some(super::jargon::percent_as_fraction_text(&format!("{x}")))
}

/// Collects problems while converting raw values.
#[derive(Debug, Default)]
pub struct Checker {
    /// Every problem found so far.
    pub problems: Vec<Problem>,
}

impl Checker {
    /// Records a problem.
    pub fn push(&mut self, path: KeyPath, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// Records that a required key is missing, with the key's example.
    fn missing(&mut self, path: KeyPath, key: &Key) {
        let example = key.example;
        self.push(
            path,
            format!("is required; add it, for example `{example}`"),
        );
    }

    /// The range of a number key (the key table pairs each such call with a number).
    fn range(key: &Key) -> Range {
        match key.kind {
            Kind::Number(range) | Kind::Factors { each: range, .. } => range,
            _ => unreachable!("{} is not a number in the key table", key.path),
        }
    }

    /// A number key of the table at `at`: its value, its default, or (when required
    /// and missing) 0 with a problem recorded.
    pub fn number(&mut self, at: &KeyPath, key: &Key, v: Option<f64>) -> f64 {
        let path = at.key(key.name());
        match (v, key.default) {
            (Some(x), _) => self.check(path, x, Self::range(key)),
            (None, IfAbsent::Number(d)) => d,
            (None, IfAbsent::Required) => {
                self.missing(path, key);
                0.0
            }
            (None, _) => unreachable!("{} has no numeric default", key.path),
        }
    }

    /// A number key whose absence means "not set" (a buyer's own limit, say).
    pub fn maybe_number(&mut self, at: &KeyPath, key: &Key, v: Option<f64>) -> Option<f64> {
        v.map(|x| self.check(at.key(key.name()), x, Self::range(key)))
    }

    /// `x` at `path`, checked against `range`.
    pub fn check(&mut self, path: KeyPath, x: f64, range: Range) -> f64 {
        if !x.is_finite() {
            self.push(
                path,
                format!("is {}; use a finite number, {}", num(x), range.describe()),
            );
            return 0.0;
        }
        if !range.contains(x) {
            let message = match percent_as_fraction(x, range) {
                Some(fraction) => format!(
                    "is {}, out of range; write {fraction} for {} % ({})",
                    num(x),
                    num(x),
                    range.describe()
                ),
                None => format!("is {}, out of range; use {}", num(x), range.describe()),
            };
            self.push(path, message);
        }
        x
    }

    /// A whole number of days.
    pub fn days(&mut self, at: &KeyPath, key: &Key, v: Option<i64>) -> u32 {
        let Kind::Days { lo, hi } = key.kind else {
            unreachable!("{} is not a number of days in the key table", key.path)
        };
        let path = at.key(key.name());
        let d = match (v, key.default) {
            (Some(d), _) => d,
            (None, IfAbsent::Number(d)) => d as i64,
            (None, _) => {
                self.missing(path, key);
                return 0;
            }
        };
        if d < lo || d > hi {
            self.push(
                path,
                format!("is {d}, out of range; use a whole number of days in {lo}..={hi}"),
            );
            return lo.max(0) as u32;
        }
        d as u32
    }

    /// A whole number (not days): its value, its default, or its smallest value with a
    /// problem recorded.
    pub fn whole(&mut self, at: &KeyPath, key: &Key, v: Option<i64>) -> i64 {
        let Kind::Whole { lo, hi, advice } = key.kind else {
            unreachable!("{} is not a whole number in the key table", key.path)
        };
        let path = at.key(key.name());
        match (v, key.default) {
            (Some(n), _) if (lo..=hi).contains(&n) => n,
            (Some(n), _) => {
                self.push(path, format!("is {n}; {advice}"));
                lo
            }
            (None, IfAbsent::Number(d)) => d as i64,
            (None, _) => {
                self.missing(path, key);
                lo
            }
        }
    }

    /// Refuses the characters that no name, label or currency may hold (see
    /// [`crate::text::forbidden_char`]); `allow_breaks` lets a free text keep line
    /// breaks and tabs.
    pub fn plain_text(&mut self, path: &KeyPath, s: &str, allow_breaks: bool) -> bool {
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

    /// A key of [`Kind::Choice`]: the index of the word given, 0 (the default) when
    /// absent or not one of the words (then a problem lists them).
    pub fn choice(&mut self, at: &KeyPath, key: &Key, v: &Option<String>) -> usize {
        let Kind::Choice(words) = key.kind else {
            unreachable!("{} is not a choice", key.path)
        };
        let Some(given) = v else { return 0 };
        match words.iter().position(|w| w == given) {
            Some(i) => i,
            None => {
                let list = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.push(
                    at.key(key.name()),
                    format!("is \"{}\"; use {list}", crate::text::terminal_line(given)),
                );
                0
            }
        }
    }

    /// A key of [`Kind::Flag`]: its value, or its default when absent.
    pub fn flag(&mut self, key: &Key, v: Option<bool>) -> bool {
        match (v, key.default) {
            (Some(b), _) => b,
            (None, IfAbsent::Flag(d)) => d,
            (None, _) => unreachable!("{} has no default truth value", key.path),
        }
    }

    /// A text key: a required name (not empty), a label or free text with its default.
    pub fn text(&mut self, at: &KeyPath, key: &Key, v: &Option<String>) -> String {
        let path = at.key(key.name());
        match (v, key.kind, key.default) {
            (Some(s), Kind::Name, _) if s.trim().is_empty() => {
                self.push(path, "is empty; give it a name");
                String::new()
            }
            (Some(s), kind, _) => {
                self.plain_text(&path, s, kind == Kind::Text);
                s.clone()
            }
            (None, _, IfAbsent::Text(d)) => d.to_string(),
            (None, _, _) => {
                self.missing(path, key);
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_back_as_the_fraction_meant() {
        let unit = Range::OpenClosed(0.0, 1.0);
        assert_eq!(percent_as_fraction(90.0, unit).as_deref(), Some("0.9"));
        assert_eq!(
            percent_as_fraction(4.35, Range::Closed(0.0, 1.0)).as_deref(),
            Some("0.0435")
        );
        assert_eq!(
            percent_as_fraction(2.0, Range::ClosedOpen(0.0, 1.0)).as_deref(),
            Some("0.02")
        );
        assert_eq!(percent_as_fraction(100.0, unit).as_deref(), Some("1"));
        assert_eq!(percent_as_fraction(12.5, unit).as_deref(), Some("0.125"));
        assert_eq!(percent_as_fraction(1.2, unit), None);
        // Not a percentage: too large, below 1, negative, or not a share key.
        assert_eq!(percent_as_fraction(150.0, unit), None);
        assert_eq!(percent_as_fraction(-5.0, unit), None);
        assert_eq!(
            percent_as_fraction(100.0, Range::ClosedOpen(0.0, 1.0)),
            None
        );
        assert_eq!(percent_as_fraction(20.0, Range::Closed(0.0, 1000.0)), None);
        assert_eq!(percent_as_fraction(5.0, Range::NonNegMoney), None);
    }
}

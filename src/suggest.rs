//! "Did you mean": the one rule every message uses to suggest the name a user
//! probably meant (a key of the file, a `sweep --set` key, a buyer, a stress case).
//!
//! A candidate is scored by Jaro-Winkler similarity (the `strsim` crate) against the
//! whole name and, for dotted keys, against its last part, so `premium_rate` finds
//! `insurance.premium_rate`; the best score above 0.8 wins (the first of a tie), case ignored.

/// The candidate nearest to `name`, if any is near enough.
pub fn nearest<'a, S: AsRef<str>>(name: &str, candidates: &'a [S]) -> Option<&'a str> {
    let name = name.to_lowercase();
    candidates
        .iter()
        .map(|c| c.as_ref())
        .map(|c| {
            let lower = c.to_lowercase();
            let whole = strsim::jaro_winkler(&name, &lower);
            // A bare key (`premium_rate`) against the last part of a dotted one.
            let last = match lower.rsplit_once('.') {
                Some((_, last)) if !last.is_empty() && !name.contains('.') => {
                    strsim::jaro_winkler(&name, last)
                }
                _ => 0.0,
            };
            (whole.max(last), c)
        })
        .filter(|(score, _)| *score > 0.8)
        // The first of equally near candidates (`max_by` keeps the last).
        .rev()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_name_or_none() {
        let keys = [
            "company.opening_cash",
            "insurance.premium_rate",
            "insurance.indemnity",
        ];
        assert_eq!(
            nearest("company.opening_csh", &keys),
            Some("company.opening_cash")
        );
        assert_eq!(
            nearest("premium_rate", &keys),
            Some("insurance.premium_rate")
        );
        assert_eq!(nearest("Indemnity", &keys), Some("insurance.indemnity"));
        assert_eq!(nearest("volatility", &keys), None);
        let buyers = ["Harbor Apparel Inc.", "Nordhaus Retail GmbH"];
        assert_eq!(
            nearest("Harbor Apparel", &buyers),
            Some("Harbor Apparel Inc.")
        );
        assert_eq!(nearest("", &buyers), None);
        assert_eq!(nearest("Inc.", &buyers), None);
    }
}

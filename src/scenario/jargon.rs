//! TOML jargon for ordinary mistakes: a line the TOML parser refuses is checked for the
//! mistakes people make when they write numbers and text by hand (a thousands
//! separator, a decimal comma, a percent sign, curly quotes), and the message says
//! what to write instead of what the parser expected.

/// Advice for a line that is not valid TOML, when its mistake is a common one.
pub fn advice(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    // The value without a trailing comment.
    let value = value.split(" #").next().unwrap_or(value).trim();
    if value.contains(['\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}', '\u{201E}']) {
        let straight: String = value
            .chars()
            .map(|c| match c {
                '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
                '\u{2018}' | '\u{2019}' => '\'',
                c => c,
            })
            .collect();
        return Some(format!(
            "`{key}`: curly quotes are not TOML quotes; write straight double quotes: \
             {key} = {straight}"
        ));
    }
    if let Some(number) = value.strip_suffix('%') {
        let number = number.trim();
        if number.parse::<f64>().is_ok() {
            return Some(format!(
                "`{key}`: write a rate as a fraction, {key} = {} for {number} %",
                percent_as_fraction_text(number)
            ));
        }
    }
    if is_thousands(value) {
        let plain = value.replace(',', "");
        return Some(format!(
            "`{key}`: write numbers without thousands separators: {key} = {plain} \
             (or {key} = {})",
            value.replace(',', "_")
        ));
    }
    let (whole, decimals) = value.split_once(',')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole.trim_start_matches('-')) && digits(decimals) {
        return Some(format!(
            "`{key}`: TOML numbers use a decimal point: {key} = {whole}.{decimals}"
        ));
    }
    None
}

/// The number of a month written by name in `text` ("March", "mar", "Sept."), for
/// `start_month`.
pub fn month_number(text: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word: String = text
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    let word = word.strip_prefix("thetext").unwrap_or(&word);
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(word))
        .map(|i| i as u32 + 1)
}

/// `5,000,000` or `-1,250.50`: groups of three digits after the first comma.
fn is_thousands(value: &str) -> bool {
    let value = value.trim_start_matches('-');
    let (int, frac) = value.split_once('.').unwrap_or((value, "0"));
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let rest: Vec<&str> = groups.collect();
    !rest.is_empty()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// "4.35" -> "0.0435": the decimal point moved two places in the number as written
/// (not 4.35 / 100 = 0.043499999999999997).
pub fn percent_as_fraction_text(percent: &str) -> String {
    let (whole, decimals) = percent.split_once('.').unwrap_or((percent, ""));
    let whole = format!("{:0>3}", whole.trim_start_matches('+'));
    let (ones, hundredths) = whole.split_at(whole.len() - 2);
    let text = format!("{}.{hundredths}{decimals}", ones.trim_start_matches('0'));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "" => "0".to_string(),
        t if t.starts_with('.') => format!("0{t}"),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_mistakes_get_advice() {
        let a = advice("monthly = 5,000,000").unwrap();
        assert!(
            a.contains("monthly = 5000000") && a.contains("5_000_000"),
            "{a}"
        );
        let a = advice("growth = 5%").unwrap();
        assert!(a.contains("growth = 0.05 for 5 %"), "{a}");
        let a = advice("credit_line_rate = 4.35 %").unwrap();
        assert!(a.contains("= 0.0435 for 4.35 %"), "{a}");
        let a = advice("name = \u{201C}Harbor\u{201D}").unwrap();
        assert!(a.contains("name = \"Harbor\""), "{a}");
        let a = advice("lgd = 0,45").unwrap();
        assert!(a.contains("lgd = 0.45"), "{a}");
        let a = advice("opening_cash = -1,250.50  # overdrawn").unwrap();
        assert!(a.contains("opening_cash = -1250.50"), "{a}");
        assert_eq!(advice("monthly = 5000000"), None);
        assert_eq!(advice("[company"), None);
        assert_eq!(advice("x = [1, 2]"), None);
        assert_eq!(percent_as_fraction_text("100"), "1");
        assert_eq!(month_number("the text \"March\""), Some(3));
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("dec"), Some(12));
        assert_eq!(month_number("ma"), None);
        assert_eq!(month_number("Spring"), None);
        assert_eq!(percent_as_fraction_text("0.5"), "0.005");
    }
}

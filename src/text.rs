//! Text from a scenario file, made safe for where it goes: the terminal, a CSV cell,
//! a folder name. (The report has its own type, [`crate::html::Html`].)
//!
//! A scenario file is untrusted input. Validation refuses control characters in every
//! name, label and currency ([`forbidden_char`]), but error messages quote what a file
//! wrote before it was validated (an unknown key, a misspelt buyer), and file names come
//! from whatever folder a batch walks; so everything printed passes through
//! [`terminal`] as well, and every CSV text cell through [`spreadsheet_safe`].

use std::borrow::Cow;

/// True for a character that no name, label or currency may hold: C0 and C1 control
/// characters and DEL (terminal escape sequences, line breaks that forge output lines),
/// and the Unicode marks that reorder text on screen (bidirectional overrides and
/// isolates, as in "Trojan source" attacks).
pub fn forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// The first forbidden character of `s`, if any (see [`forbidden_char`]).
pub fn first_forbidden(s: &str) -> Option<char> {
    s.chars().find(|c| forbidden_char(*c))
}

/// How a character is named in an error message: `U+001B`.
pub fn codepoint(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Text fit for a terminal: every forbidden character but the line break is shown as
/// `\u{1b}`, so no escape sequence from a file reaches the screen raw.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && forbidden_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c != '\n' && forbidden_char(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line for a terminal: like [`terminal`], and a line break is shown as `\u{a}`
/// too, so a name or key quoted in a message cannot start a forged line of its own
/// ("ok: all fine").
pub fn terminal_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(forbidden_char) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if forbidden_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A path for a message on the terminal (one line; a file name may hold anything).
pub fn path(p: &std::path::Path) -> String {
    terminal_line(&p.display().to_string()).into_owned()
}

/// Text for a spreadsheet cell.
///
/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
/// return before one) as a formula: a buyer named `=HYPERLINK(...)` would become a link
/// in the CFO's Excel. Such a text gets a leading apostrophe, as OWASP recommends and
/// as Excel itself shows text typed that way. Only text from the scenario (or the
/// command line) is written through here: numbers are written as numbers. The CSV
/// quoting is the `csv` crate's ([`crate::csv_files`]).
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Names that Windows refuses as a file or folder name, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The longest folder name made, in characters (file systems allow 255 bytes).
const MAX_COMPONENT_CHARS: usize = 60;

/// A folder name made from a name: letters and digits of any script in lower case and
/// `_`, every run of other characters as one `-`, at most 60 characters; `None` when
/// nothing is left (a name of dots or punctuation only).
///
/// The result is always a single, ordinary path component: never empty, `.` or `..`,
/// never holding a separator, and never a name Windows reserves (`con` becomes
/// `con-file`). Lower case because two names that differ only in case would share a
/// folder on the case-insensitive file systems of Windows and macOS anyway; callers
/// check that the names they turn into folders stay distinct.
pub fn path_component(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().collect();
    if s.chars().count() > MAX_COMPONENT_CHARS {
        s = s.chars().take(MAX_COMPONENT_CHARS).collect();
        s = s.trim_end_matches('-').to_string();
    }
    if s.is_empty() {
        return None;
    }
    if RESERVED.contains(&s.as_str()) {
        s.push_str("-file");
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_forbidden() {
        for c in [
            '\u{1b}', '\n', '\r', '\t', '\0', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2066}',
        ] {
            assert!(forbidden_char(c), "{}", codepoint(c));
        }
        for c in ['a', ' ', 'é', '日', '€', '#', '&'] {
            assert!(!forbidden_char(c), "{c}");
        }
        assert_eq!(first_forbidden("ok\u{1b}[2J"), Some('\u{1b}'));
        assert_eq!(codepoint('\u{1b}'), "U+001B");
    }

    #[test]
    fn the_terminal_sees_no_escape_sequence() {
        assert_eq!(terminal("plain\ntext"), "plain\ntext");
        assert_eq!(terminal("a\u{1b}[2Jb\rok"), "a\\u{1b}[2Jb\\u{d}ok");
        assert!(
            !terminal("\u{9b}31m\u{202e}")
                .chars()
                .any(|c| c != '\n' && forbidden_char(c))
        );
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            spreadsheet_safe("Nordhaus Retail GmbH"),
            "Nordhaus Retail GmbH"
        );
        assert_eq!(spreadsheet_safe("=1+2"), "'=1+2");
        assert_eq!(spreadsheet_safe("+49 30"), "'+49 30");
        assert_eq!(spreadsheet_safe("-x"), "'-x");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("\r=1"), "'\r=1");
        assert_eq!(spreadsheet_safe("a=1"), "a=1");
    }

    #[test]
    fn folder_names_are_single_safe_components() {
        for bad in ["", ".", "..", "...", "/", "../..", "-", "  ", "\\"] {
            assert_eq!(path_component(bad), None, "{bad:?}");
        }
        assert_eq!(
            path_component("Late-payment wave").as_deref(),
            Some("late-payment-wave")
        );
        assert_eq!(
            path_component("../etc/passwd").as_deref(),
            Some("etc-passwd")
        );
        assert_eq!(
            path_component("textile_exporter").as_deref(),
            Some("textile_exporter")
        );
        assert_eq!(path_component("日本").as_deref(), Some("日本"));
        assert_eq!(path_component("中国").as_deref(), Some("中国"));
        assert_eq!(path_component("CON").as_deref(), Some("con-file"));
        assert_eq!(path_component("lpt9").as_deref(), Some("lpt9-file"));
        assert_eq!(path_component("X Y"), path_component("x-y"));
        let long = path_component(&"ab ".repeat(100)).unwrap();
        assert!(long.chars().count() <= MAX_COMPONENT_CHARS && !long.ends_with('-'));
    }
}

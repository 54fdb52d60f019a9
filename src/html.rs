//! Markup that is safe to put into a page, by construction.
//!
//! A scenario file is untrusted input (it travels between companies, consultants and
//! insurers), and every name, label and currency of it ends up in `report.html`. The
//! page is therefore built from [`Html`] values only, and an `Html` can be made in
//! three ways, none of which lets a file's text through unescaped:
//!
//! - [`Html::text`] escapes any text (`&`, `<`, `>`, `"`, `'`);
//! - [`Html::markup`] takes markup written in this program's source (`&'static str`);
//! - [`Html::fill`] puts `Html` values into the `{}` holes of such a static template.
//!
//! There is no conversion from `String` to `Html`, so forgetting to escape is a type
//! error, not a review finding. Charts are the one exception, made in one place:
//! [`Html::chart_svg`] embeds the SVG that plotters wrote, which escapes every text it
//! draws (plotters-svg `escape_and_push`), and which validation keeps free of the
//! control characters that XML forbids.

use std::fmt::Write as _;

/// A piece of HTML that is safe to put into the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Text, escaped for element content and for quoted attribute values.
    pub fn text(s: &str) -> Html {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        Html(out)
    }

    /// Markup written in this program's source.
    pub fn markup(s: &'static str) -> Html {
        Html(s.to_string())
    }

    /// A static template with each `{}` replaced by the next of `parts`, in order.
    ///
    /// # Panics
    ///
    /// When the number of holes differs from the number of parts: a bug in the
    /// template, caught by the report's tests (the template is never user input).
    pub fn fill(template: &'static str, parts: &[&Html]) -> Html {
        let pieces: Vec<&str> = template.split("{}").collect();
        assert_eq!(
            pieces.len(),
            parts.len() + 1,
            "bug: template {template:?} has {} holes for {} parts",
            pieces.len() - 1,
            parts.len()
        );
        let mut out = String::from(pieces[0]);
        for (part, piece) in parts.iter().zip(&pieces[1..]) {
            out.push_str(&part.0);
            out.push_str(piece);
        }
        Html(out)
    }

    /// The SVG of a chart, without its XML declaration (see the module docs).
    pub fn chart_svg(chart: &crate::charts::Chart) -> Html {
        let svg = chart
            .svg
            .split_once("?>")
            .map_or(chart.svg.as_str(), |(_, rest)| rest)
            .trim();
        Html(svg.to_string())
    }

    /// Appends another piece.
    pub fn push(&mut self, other: &Html) {
        self.0.push_str(&other.0);
    }

    /// Appends escaped text.
    pub fn push_text(&mut self, s: &str) {
        self.push(&Html::text(s));
    }

    /// Appends markup written in this program's source.
    pub fn push_markup(&mut self, s: &'static str) {
        self.0.push_str(s);
    }

    /// Appends a filled template (see [`Html::fill`]) and a line break.
    pub fn line(&mut self, template: &'static str, parts: &[&Html]) {
        self.push(&Html::fill(template, parts));
        self.0.push('\n');
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, for writing to a file.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Escaped text of anything that can be displayed (a number, a formatted amount).
pub fn shown(x: impl std::fmt::Display) -> Html {
    let mut s = String::new();
    let _ = write!(s, "{x}");
    Html::text(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            Html::text("A&B <x> \"q\" 'a'").as_str(),
            "A&amp;B &lt;x&gt; &quot;q&quot; &#39;a&#39;"
        );
    }

    #[test]
    fn fill_puts_parts_into_holes_in_order() {
        let a = Html::text("<a>");
        let b = Html::markup("<b>x</b>");
        assert_eq!(
            Html::fill("<td>{}</td><td>{}</td>", &[&a, &b]).as_str(),
            "<td>&lt;a&gt;</td><td><b>x</b></td>"
        );
    }

    #[test]
    #[should_panic(expected = "holes")]
    fn fill_refuses_a_template_with_the_wrong_number_of_holes() {
        Html::fill("<td>{}</td>", &[]);
    }
}

//! Finding the line and column of a key path in the file's text.

use super::errors::{Problem, Seg};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Fills `position` of every problem: from its byte offset if known, otherwise from the
/// deepest part of its key path that exists in the file.
pub fn fill_positions(text: &str, problems: &mut [Problem]) {
    let root = DeTable::parse(text).ok();
    for p in problems.iter_mut() {
        if p.offset.is_none()
            && let Some(root) = &root
        {
            p.offset = locate(root, &p.path.0);
        }
        p.position = p.offset.map(|o| line_col(text, o));
    }
}

fn locate(root: &Spanned<DeTable<'_>>, path: &[Seg]) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for seg in path {
        match seg {
            Seg::Key(key) => {
                let t = match (table, value) {
                    (Some(t), _) => t,
                    (None, Some(v)) => match v.get_ref().as_table() {
                        Some(t) => t,
                        None => break,
                    },
                    _ => break,
                };
                let Some((k, v)) = t.get_key_value(key.as_str()) else {
                    break;
                };
                best = Some(k.span().start);
                value = Some(v);
                table = None;
            }
            Seg::Index(i, _) => {
                let Some(array) = value.and_then(|v| v.get_ref().as_array()) else {
                    break;
                };
                let Some(item) = array.get(*i) else { break };
                best = Some(item.span().start);
                value = Some(item);
                table = None;
            }
        }
    }
    best
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

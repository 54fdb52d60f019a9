//! Buyers by name and by number: the one place that knows that member k of group G is
//! called `G#k` and that buyer b counts named buyers first, then each group's members.

use super::{BuyerGroup, BuyerTerms};

/// The name of member `k` (from 1) of the group `group`.
pub fn member_name(group: &str, k: u32) -> String {
    format!("{group}#{k}")
}

/// `G#k` as (G, k) when k is a whole number >= 1; `None` for any other name.
pub fn parse_member(name: &str) -> Option<(&str, u32)> {
    let (group, k) = name.rsplit_once('#')?;
    let k: u32 = k.parse().ok()?;
    (k >= 1).then_some((group, k))
}

/// The number b of the buyer called `name` (a named buyer, or `G#k` for a group
/// member with 1 <= k <= its count), in the order of MODEL.md section 4: named buyers
/// in file order, then each group's members in order.
pub fn index_of(buyers: &[BuyerTerms], groups: &[BuyerGroup], name: &str) -> Option<usize> {
    if let Some(b) = buyers.iter().position(|b| b.name == name) {
        return Some(b);
    }
    let (group, k) = parse_member(name)?;
    let mut first = buyers.len();
    for g in groups {
        if g.terms.name == group {
            return (k <= g.count).then(|| first + (k - 1) as usize);
        }
        first += g.count as usize;
    }
    None
}

/// "there is no buyer named ...", with the nearest name or the names there are.
pub fn unknown_buyer_message(name: &str, buyers: &[BuyerTerms], groups: &[BuyerGroup]) -> String {
    unknown(name, buyers, groups, false)
}

/// The same for a key that also takes group names (`limits`, a stress case's `only`):
/// groups are among the names suggested.
pub fn unknown_target_message(name: &str, buyers: &[BuyerTerms], groups: &[BuyerGroup]) -> String {
    unknown(name, buyers, groups, true)
}

fn unknown(name: &str, buyers: &[BuyerTerms], groups: &[BuyerGroup], group_names: bool) -> String {
    if let Some((group, k)) = parse_member(name)
        && let Some(g) = groups.iter().find(|g| g.terms.name == group)
    {
        return format!(
            "there is no buyer named \"{name}\": group \"{group}\" has {} members, \
             \"{}\" to \"{}\" (not {k})",
            g.count,
            member_name(group, 1),
            member_name(group, g.count)
        );
    }
    let mut names: Vec<String> = buyers.iter().map(|b| b.name.clone()).collect();
    if group_names {
        names.extend(groups.iter().map(|g| g.terms.name.clone()));
    }
    names.extend(groups.iter().map(|g| member_name(&g.terms.name, 1)));
    let hint = match crate::suggest::nearest(name, &names) {
        Some(k) => format!("did you mean \"{k}\"?"),
        None if names.is_empty() => "the file has no buyers".to_string(),
        None => format!(
            "name a buyer of the file, or a group member as \"GROUP#k\" (k from 1): {}",
            names.join(", ")
        ),
    };
    format!("there is no buyer named \"{name}\"; {hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_parse_only_with_a_number_from_one() {
        assert_eq!(parse_member("Retail#12"), Some(("Retail", 12)));
        assert_eq!(parse_member("A#B#3"), Some(("A#B", 3)));
        assert_eq!(parse_member("Retail#0"), None);
        assert_eq!(parse_member("Retail#"), None);
        assert_eq!(parse_member("Retail#x"), None);
        assert_eq!(parse_member("Retail"), None);
        assert_eq!(member_name("Retail", 3), "Retail#3");
    }
}

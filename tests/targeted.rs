//! Targeted stress (MODEL.md section 21, docs/model-notes.md "Targeted stress"): a
//! case's `only` confines its buyer overrides to the buyers, groups and members it
//! names. Each expectation is worked out by hand from the file.

use crate::util::{close, file, ledger_is, one_path, stressed};
use cashrisk::scenario::{BuyerTerms, Lgd, Scenario, ScenarioFile};

/// Two named buyers and a group of three, one policy with limits by buyer, group and
/// member; `{stress}` is the stress case's `only` line and overrides.
fn company(stress: &str) -> String {
    format!(
        r#"
[scenario]
name = "Targets"
[company]
opening_cash = 0.0
[revenue]
monthly = 1000.0
[credit]
correlation = 0.1
[[buyers]]
name = "A"
share = 0.3
terms_days = 30
pd = 0.02
lgd = 0.5
[[buyers]]
name = "B"
share = 0.3
terms_days = 30
pd = 0.04
lgd = {{ mean = 0.6, sd = 0.2 }}
delay = {{ on_time = 0.5, mean_days = 10.0, sd_days = 5.0 }}
[[buyer_groups]]
name = "G"
count = 3
share = 0.3
terms_days = 45
pd = 0.01
lgd = 0.7
delay = {{ on_time = 0.8, mean_days = 6.0, sd_days = 3.0 }}
[insurance]
indemnity = 0.9
premium_rate = 0.002
default_limit = 40.0
limits = {{ "A" = 100.0, "G" = 10.0, "G#3" = 7.0 }}
[[stress]]
name = "Targeted"
{stress}
"#
    )
}

/// The limit of buyer `name` (a member `G#k` with its group) under the first policy.
fn limit(s: &Scenario, name: &str) -> f64 {
    let p = s.first_policy().unwrap();
    match name.split_once('#') {
        Some((g, k)) => {
            let group = s.groups.iter().find(|x| x.terms.name == g).unwrap();
            let own = group.terms_of(k.parse().unwrap()).limit;
            p.limit_of(name, Some(g), own)
        }
        None => {
            let own = s.buyers.iter().find(|b| b.name == name).unwrap().limit;
            p.limit_of(name, None, own)
        }
    }
}

fn same_terms(a: &BuyerTerms, b: &BuyerTerms) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn only_reaches_the_named_buyer_and_member_alone() {
    let text = company(
        "only = [\"B\", \"G#2\"]\npd_multiplier = 2.0\ncorrelation = 0.3\n\
         delay_multiplier = 2.0\non_time_multiplier = 0.5\nlgd_add = 0.1\n\
         limit_multiplier = 0.5\nterms_days_add = 5\nrevenue_multiplier = 0.5\n",
    );
    let base = file(&text).base;
    let s = stressed(&text, "Targeted");
    // A and members 1 and 3 keep every term; the global correlation stays 0.1.
    same_terms(&s.buyers[0], &base.buyers[0]);
    same_terms(s.groups[0].terms_of(1), &base.groups[0].terms);
    same_terms(s.groups[0].terms_of(3), &base.groups[0].terms);
    assert_eq!(s.correlation, 0.1);
    // B: pd 0.04 x 2, its own correlation 0.3, delays x2, on-time x0.5, LGD mean +0.1,
    // terms 30 + 5.
    let b = &s.buyers[1];
    close(b.pd, 0.08);
    assert_eq!(b.correlation, Some(0.3));
    let d = b.delay.unwrap();
    assert_eq!((d.on_time, d.mean_days, d.sd_days), (0.25, 20.0, 10.0));
    close(b.lgd.mean(), 0.7);
    assert_eq!(b.terms_days, 35);
    // Member 2: the group's table stressed, with the member's share 0.3 / 3.
    let m = s.groups[0].terms_of(2);
    close(m.pd, 0.02);
    assert_eq!(m.correlation, Some(0.3));
    let d = m.delay.unwrap();
    assert_eq!((d.on_time, d.mean_days, d.sd_days), (0.4, 12.0, 6.0));
    assert_eq!(m.lgd, Lgd::Fixed(0.7 + 0.1));
    assert_eq!(m.terms_days, 50);
    close(m.share, 0.1);
    assert_eq!(m.name, "G");
    // Limits: B had only the default 40, now 20 of its own; member 2 had the group's
    // 10, now 5; A, members 1 and 3 and the default keep theirs.
    assert_eq!(limit(&s, "B"), 20.0);
    assert_eq!(limit(&s, "G#2"), 5.0);
    assert_eq!(limit(&s, "A"), 100.0);
    assert_eq!(limit(&s, "G#1"), 10.0);
    assert_eq!(limit(&s, "G#3"), 7.0);
    assert_eq!(s.first_policy().unwrap().default_limit, 40.0);
    // revenue_multiplier applies as written.
    close(s.revenue_monthly, 500.0);
}

#[test]
fn only_a_group_scales_its_entry_and_its_members_entries() {
    let text = company("only = [\"G\"]\nlimit_multiplier = 0.5\npd_multiplier = 3.0\n");
    let s = stressed(&text, "Targeted");
    assert_eq!(limit(&s, "G#1"), 5.0);
    assert_eq!(limit(&s, "G#2"), 5.0);
    assert_eq!(limit(&s, "G#3"), 3.5);
    assert_eq!(limit(&s, "A"), 100.0);
    assert_eq!(limit(&s, "B"), 40.0);
    close(s.groups[0].terms.pd, 0.03);
    assert!(s.groups[0].members.is_empty());
    close(s.buyers[0].pd, 0.02);
    close(s.buyers[1].pd, 0.04);
}

#[test]
fn only_every_buyer_is_the_same_as_no_only() {
    // Naming every buyer and group differs from naming none in one point alone: the
    // correlation becomes each buyer's own rather than the global one, which the
    // engine treats alike when every buyer has it. Paths agree to the last digit.
    let overrides = "pd_multiplier = 2.0\ncorrelation = 0.3\ndelay_multiplier = 2.0\n\
                     lgd_add = 0.1\nlimit_multiplier = 0.5\nterms_days_add = 5\n";
    let all = stressed(&company(overrides), "Targeted");
    let named = stressed(
        &company(&format!("only = [\"A\", \"B\", \"G\"]\n{overrides}")),
        "Targeted",
    );
    for path in 0..40 {
        assert_eq!(one_path(&all, path), one_path(&named, path), "path {path}");
    }
}

#[test]
fn only_a_named_buyer_equals_the_file_edited_by_hand() {
    let stressed_file = stressed(
        &company("only = [\"B\"]\npd_multiplier = 2.0\nlgd_add = 0.1\ncorrelation = 0.3\n"),
        "Targeted",
    );
    let by_hand = company("")
        .replace("pd = 0.04\n", "pd = 0.08\ncorrelation = 0.3\n")
        .replace("mean = 0.6,", "mean = 0.7,");
    let by_hand = file(&by_hand).base;
    for path in 0..40 {
        assert_eq!(
            one_path(&stressed_file, path),
            one_path(&by_hand, path),
            "path {path}"
        );
    }
}

#[test]
fn a_stressed_member_pays_on_its_own_terms() {
    // Two members of 1500 / 2 = 750 per invoice, invoices on days 0, 15, ..., 75,
    // terms 10. Member 1 pays on days 10, 25, ..., 85; member 2, with terms 10 + 15,
    // on days 25, 40, ..., 85 (its last, 75 + 25 = 100, is at H and not counted).
    let text = r#"
[scenario]
name = "Members"
[simulation]
horizon_days = 100
[company]
opening_cash = 0.0
[revenue]
monthly = 3000.0
[[buyer_groups]]
name = "G"
count = 2
share = 1.0
terms_days = 10
pd = 0.0
lgd = 0.6
invoices_per_month = 2
[[stress]]
name = "Slow member"
only = ["G#2"]
terms_days_add = 15
"#;
    let s = stressed(text, "Slow member");
    let (_, common, _) = one_path(&s, 3);
    ledger_is(
        &common,
        &[
            (10, 750.0),
            (25, 1500.0),
            (40, 1500.0),
            (55, 1500.0),
            (70, 1500.0),
            (85, 1500.0),
        ],
    );
}

/// The error text of a file whose stress case has `only_line`.
fn only_error(only_line: &str) -> String {
    let text = company(&format!("{only_line}\npd_multiplier = 2.0\n"));
    ScenarioFile::parse("t.toml".as_ref(), text)
        .err()
        .unwrap_or_else(|| panic!("{only_line} was accepted"))
        .to_string()
}

#[test]
fn only_refuses_unknown_empty_repeated_and_overlapping_names() {
    let err = only_error("only = [\"b\"]");
    assert!(
        err.contains("stress[\"Targeted\"].only")
            && err.contains("no buyer named \"b\"")
            && err.contains("did you mean \"B\"?"),
        "{err}"
    );
    let err = only_error("only = [\"Z\"]");
    assert!(err.contains("A, B, G, G#1"), "{err}");
    let err = only_error("only = [\"G#4\"]");
    assert!(err.contains("group \"G\" has 3 members"), "{err}");
    let err = only_error("only = []");
    assert!(
        err.contains("is empty") && err.contains("remove it"),
        "{err}"
    );
    let err = only_error("only = [\"A\", \"A\"]");
    assert!(err.contains("names \"A\" twice"), "{err}");
    let err = only_error("only = [\"G\", \"G#2\"]");
    assert!(
        err.contains("its group \"G\"") && err.contains("remove \"G#2\""),
        "{err}"
    );
    let err = only_error("only = [\"B\"]\nterms_days_add = -31");
    assert!(
        err.contains("\"Targeted\"") && err.contains("buyers[\"B\"].terms_days"),
        "{err}"
    );
    let err = only_error("only = [\"G#1\"]\nterms_days_add = -46");
    assert!(
        err.contains("\"Targeted\"") && err.contains("buyer_groups[\"G#1\"].terms_days"),
        "{err}"
    );
}

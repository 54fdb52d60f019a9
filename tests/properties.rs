//! Invariants of the model on random valid scenarios (proptest).

use crate::util::*;
use cashrisk::engine::{INSURED, NoObserver, Scratch, UNINSURED, default_days, simulate_path};
use cashrisk::model::Model;
use cashrisk::run::run;
use proptest::prelude::*;

/// A random valid scenario as TOML text, and whether it has a policy.
fn scenario_text() -> impl Strategy<Value = (String, bool)> {
    (
        (30u32..500, -5e4f64..3e5, 0f64..2e5, 0f64..0.2, 0f64..0.05, 0f64..0.3),
        (1e3f64..5e5, 0f64..0.3, 0f64..0.9, 0u32..60, 0f64..5e4),
        proptest::collection::vec(
            (
                0.01f64..0.3,
                0u32..120,
                0f64..0.5,
                0f64..1.0,
                proptest::option::of((0f64..1.0, 1f64..60.0, 0f64..60.0)),
                1u32..4,
                0f64..2e5,
            ),
            1..4,
        ),
        proptest::option::of((1u32..6, 0.01f64..0.2, 0f64..0.3)),
        proptest::option::of((0.5f64..1.0, 0f64..0.01, 0f64..2e4, 0f64..2e4, 1e3f64..1e6, 0u32..200, 0u32..60)),
        0u64..1000,
    )
        .prop_map(|(company, revenue, buyers, group, policy, seed)| {
            let (h, cash, line, rate, dep, rho) = company;
            let (monthly, vol, vr, sup, fixed) = revenue;
            let mut t = format!(
                "[scenario]\nname = \"P\"\n[simulation]\nhorizon_days = {h}\nseed = {seed}\n\
                 [company]\nopening_cash = {cash}\ncredit_line = {line}\ncredit_line_rate = {rate}\n\
                 deposit_rate = {dep}\n[revenue]\nmonthly = {monthly}\nvolatility = {vol}\n\
                 [costs]\nvariable_ratio = {vr}\nsupplier_terms_days = {sup}\nfixed_monthly = {fixed}\n\
                 [credit]\ncorrelation = {rho}\nrecovery_lag_days = 30\n"
            );
            for (i, (share, terms, pd, lgd, delay, n, limit)) in buyers.iter().enumerate() {
                t += &format!(
                    "[[buyers]]\nname = \"B{i}\"\nshare = {share}\nterms_days = {terms}\npd = {pd}\n\
                     lgd = {lgd}\ninvoices_per_month = {n}\nlimit = {limit}\n"
                );
                if let Some((on_time, mean, sd)) = delay {
                    t += &format!(
                        "delay = {{ on_time = {on_time}, mean_days = {mean}, sd_days = {sd} }}\n"
                    );
                }
            }
            if let Some((count, share, pd)) = group {
                t += &format!(
                    "[[buyer_groups]]\nname = \"G\"\ncount = {count}\nshare = {share}\n\
                     terms_days = 30\npd = {pd}\nlgd = {{ mean = 0.8, sd = 0.1 }}\nlimit = 3000.0\n"
                );
            }
            if let Some((ind, prem, minp, afl, ml, wait, settle)) = policy {
                t += &format!(
                    "[insurance]\nindemnity = {ind}\npremium_rate = {prem}\nminimum_premium = {minp}\n\
                     aggregate_first_loss = {afl}\nmax_liability = {ml}\n\
                     waiting_period_days = {wait}\nsettlement_days = {settle}\n"
                );
            }
            t += "[[stress]]\nname = \"Worse\"\npd_multiplier = 3.0\n";
            (t, policy.is_some())
        })
        .prop_filter("shares sum to at most 1", |(t, _)| {
            cashrisk::scenario::ScenarioFile::parse("p.toml".as_ref(), t.clone()).is_ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn the_balance_is_opening_cash_plus_flows_plus_interest((text, _) in scenario_text()) {
        let s = scenario(&text);
        let model = Model::new(&s);
        let mut scratch = Scratch::new(&model);
        for path in 0..5 {
            let out = simulate_path(&model, path, &mut scratch, &mut NoObserver);
            let (common, insured) = scratch.ledgers();
            for v in [UNINSURED, INSURED] {
                // Replay: every day's flow, then interest on the result, summed apart.
                let (mut b, mut flows, mut interest) = (s.opening_cash, 0.0, 0.0);
                for d in 0..common.len() {
                    let f = if v == UNINSURED { common[d] } else { common[d] + insured[d] };
                    b += f;
                    flows += f;
                    let i = if b < 0.0 { b * s.credit_line_rate / 365.0 } else { b * s.deposit_rate / 365.0 };
                    b += i;
                    interest += i;
                }
                let identity = s.opening_cash + flows + interest;
                let scale = identity.abs().max(out.end_balance[v].abs()).max(1.0);
                prop_assert!((out.end_balance[v] - identity).abs() <= 1e-9 * scale,
                    "variant {v}: {} vs {identity}", out.end_balance[v]);
            }
        }
    }

    #[test]
    fn payouts_never_exceed_cover_or_maximum_liability((text, insured) in scenario_text()) {
        let s = scenario(&text);
        let model = Model::new(&s);
        let mut scratch = Scratch::new(&model);
        for path in 0..5 {
            let out = simulate_path(&model, path, &mut scratch, &mut NoObserver);
            if model.policies.is_empty() {
                prop_assert!(!insured);
                prop_assert_eq!(out.policy(1).payouts_received, 0.0);
                prop_assert_eq!(out.end_balance[0], out.end_balance[1]);
                prop_assert_eq!(out.min_headroom[0], out.min_headroom[1]);
            }
            for (k, policy) in model.policies.iter().enumerate() {
                let (p, o) = (&policy.terms, out.policy(1 + k));
                let limits: f64 = policy.limits.iter().sum();
                let years = s.horizon_days.div_ceil(365) as f64;
                prop_assert!(o.payouts_received <= p.indemnity * limits * (1.0 + 1e-12) + 1e-9);
                prop_assert!(o.payouts_received <= p.max_liability * years * (1.0 + 1e-12) + 1e-9);
                prop_assert!(o.net_credit_loss <= out.credit_loss + 1e-9);
            }
        }
    }

    #[test]
    fn raising_every_pd_only_adds_defaults_and_moves_them_earlier((text, _) in scenario_text()) {
        let f = file(&text);
        let base = Model::new(&f.base);
        let worse = Model::new(&f.stressed("Worse").unwrap());
        for path in 0..20 {
            let a = default_days(&base, path);
            let b = default_days(&worse, path);
            for (x, y) in a.iter().zip(&b) {
                match (x, y) {
                    (Some(dx), Some(dy)) => prop_assert!(dy <= dx, "{dy} later than {dx}"),
                    (Some(_), None) => prop_assert!(false, "a default disappeared"),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn merging_shards_in_any_order_gives_the_whole_run(
        (text, _) in scenario_text(),
        shards in 1u64..6,
        rotate in 0usize..6,
    ) {
        let s = scenario(&text);
        let model = Model::new(&s);
        let paths = 2500;
        let mut parts = Vec::new();
        for k in 1..=shards {
            let (first, count) = cashrisk::partial::shard_range(paths, k, shards);
            let meta = cashrisk::partial::PartialMeta {
                cashrisk_version: "t".into(), file: "f".into(), text: text.clone(),
                stress: None, paths, seed: s.seed, shard: (k, shards),
                first_path: first, count, horizon: s.horizon_days,
            };
            parts.push((meta, run(&model, first, count, 1, &|_| {})));
        }
        let len = parts.len();
        parts.rotate_left(rotate % len);
        let merged = cashrisk::partial::merge(parts).unwrap().1;
        prop_assert_eq!(merged, run(&model, 0, paths, 2, &|_| {}));
    }
}

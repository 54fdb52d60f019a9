//! Any bytes, read as a scenario file: an error is fine, a panic is a bug. A valid
//! scenario small enough to simulate quickly is also run for two paths, so that
//! odd-but-valid inputs reach the engine too.
#![no_main]

use cashrisk::model::Model;
use cashrisk::scenario::ScenarioFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = match ScenarioFile::parse("fuzz.toml".as_ref(), text.to_string()) {
        Ok(file) => file,
        Err(err) => {
            // What reaches the terminal holds no control character but line breaks.
            let shown = cashrisk::text::terminal(&err.to_string()).into_owned();
            assert!(!shown.chars().any(|c| c != '\n' && cashrisk::text::forbidden_char(c)));
            return;
        }
    };
    // Validation lets no control character into a name, label or the currency.
    let s = &file.base;
    let texts = [&s.name, &s.currency]
        .into_iter()
        .chain(s.buyers.iter().map(|b| &b.name))
        .chain(s.groups.iter().map(|g| &g.terms.name))
        .chain(s.scheduled.iter().map(|f| &f.label))
        .chain(s.stress.iter().map(|c| &c.name));
    for t in texts {
        assert!(cashrisk::text::first_forbidden(t).is_none(), "{t:?}");
    }
    let mut cases = vec![file.base.clone()];
    for name in file.stress_names() {
        if let Ok(s) = file.stressed(&name) {
            cases.push(s);
        }
    }
    for scenario in cases {
        if scenario.buyer_count() > 2_000 {
            continue;
        }
        let model = Model::new(&scenario);
        if model.invoices_per_path() > 50_000 {
            continue;
        }
        let result = cashrisk::run::run(&model, 0, 2, 1, &|_| {});
        let run = cashrisk::run::Run::new(scenario, "fuzz.toml", result);
        let summary = cashrisk::summary::Summary::new(&run);
        let _ = cashrisk::output::render_json(&summary);
        let _ = cashrisk::table::render(&summary);
        let _ = cashrisk::report::render(&run, &summary, &[]);
    }
});

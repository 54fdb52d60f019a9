//! `stress`, `sweep` and `sensitivity`: several cases of one file on the same draws.

use super::args::{SimArgs, StudyArgs, SweepArgs};
use super::common::*;
use super::plan::*;
use crate::error::Error;
use crate::model::Model;
use crate::run::Run;
use crate::scenario::{Scenario, WhatIf};
use crate::study::{self, Case};
use crate::summary::Summary;
use std::io::IsTerminal;

/// The end every study shares: its chart written as SVG and PNG, the folder swapped
/// in, the cases' table printed, and where the files are.
fn finish_study(
    mut out: crate::output::RunFolder,
    chart: &crate::charts::Chart,
    title: &str,
    file: &str,
    results: &[Case],
) -> Result<(), Error> {
    stage_write(
        &mut out,
        &format!("{}.svg", chart.name),
        chart.svg.as_bytes(),
    )?;
    stage_write(&mut out, &format!("{}.png", chart.name), &chart.png)?;
    let report = crate::report::render_study(title, file, results, chart);
    stage_write(&mut out, "report.html", report.as_bytes())?;
    let (out, count) = commit(out)?;
    out!(
        "{}",
        crate::text::terminal(&study::render_cases_table(title, results))
    )?;
    outln!()?;
    finish_message(count, &out, false)
}

/// Runs the cases of a study on one seed, printing progress per case.
pub(crate) fn run_cases(
    cases: Vec<(String, Scenario)>,
    label: &str,
    sim: &SimArgs,
) -> Result<Vec<Case>, Error> {
    let threads = threads(sim.threads)?;
    let total = cases.len();
    let mut out = Vec::with_capacity(total);
    for (i, (name, scenario)) in cases.into_iter().enumerate() {
        if !sim.quiet && std::io::stderr().is_terminal() {
            eprintln!("[{}/{total}] {name}", i + 1);
        }
        let model = Model::new(&scenario);
        let result = simulate(&model, 0, scenario.paths, threads, sim.quiet)?;
        out.push(Case {
            label: name,
            summary: Summary::new(&Run::new(scenario, label, result)),
        });
    }
    Ok(out)
}

pub(crate) fn stress_command(args: &StudyArgs) -> Result<(), Error> {
    let file = load_scenario(&args.file, args.sim.deny_warnings)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("stress"));
    let mut out = stage(&out_path)?;
    let cases = plan_cases(&file, study::stress_cases(&file), &args.sim)?;
    let label = args.file.display().to_string();
    let results = run_cases(cases, &label, &args.sim)?;
    let labels: Vec<String> = results.iter().map(|c| c.label.clone()).collect();
    let summaries: Vec<Summary> = results.iter().map(|c| c.summary.clone()).collect();
    stage_write(
        &mut out,
        "stress.csv",
        study::render_cases_csv("case", &results).as_bytes(),
    )?;
    let title = format!(
        "{}: liquidity shortfall under stress, {} paths each, seed {}",
        file.base.name,
        crate::table::thousands(summaries[0].simulation.paths as f64),
        summaries[0].simulation.seed
    );
    let chart =
        crate::charts::studies::cases("stress", &title, &labels, &summaries).map_err(Error::Bug)?;
    finish_study(out, &chart, &title, &label, &results)
}

pub(crate) fn sweep_command(args: &SweepArgs) -> Result<(), Error> {
    let file = load_scenario(&args.file, args.sim.deny_warnings)?;
    let spec = study::parse_sweep(&args.set).map_err(|message| Error::Usage {
        flag: "--set",
        message,
    })?;
    // A swept run setting and the flag that fixes it would contradict each other.
    for (key, flag, given) in [
        ("simulation.paths", "--paths", args.sim.paths.is_some()),
        ("simulation.seed", "--seed", args.sim.seed.is_some()),
    ] {
        if spec.key == key && given {
            return Err(Error::Usage {
                flag,
                message: format!(
                    "cannot be combined with --set {key}=...: the sweep sets {key} in each \
                     case; leave out {flag}"
                ),
            });
        }
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("sweep"));
    let mut out = stage(&out_path)?;
    let mut cases = Vec::new();
    for v in &spec.values {
        let label = format!("{} = {v}", spec.key);
        let what_if = WhatIf::set(&format!("sweep value {label}"), &spec.key, *v);
        cases.push((label, what_if));
    }
    let cases = plan_cases(&file, cases, &args.sim)?;
    let label = args.file.display().to_string();
    let results = run_cases(cases, &label, &args.sim)?;
    let summaries: Vec<Summary> = results.iter().map(|c| c.summary.clone()).collect();
    let csv = study::render_sweep_csv(&spec.key, &spec.values, &summaries);
    stage_write(&mut out, "sweep.csv", csv.as_bytes())?;
    let title = format!(
        "{}: liquidity shortfall as {} varies",
        file.base.name, spec.key
    );
    let chart = crate::charts::studies::sweep(&title, &spec.key, &spec.values, &summaries)
        .map_err(Error::Bug)?;
    finish_study(out, &chart, &title, &label, &results)
}

pub(crate) fn sensitivity_command(args: &StudyArgs) -> Result<(), Error> {
    let file = load_scenario(&args.file, args.sim.deny_warnings)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("sensitivity"));
    let mut out = stage(&out_path)?;
    let inputs = study::sensitivity_inputs(&file);
    let label = args.file.display().to_string();
    let mut cases = vec![("Base".to_string(), WhatIf::base())];
    for i in &inputs {
        cases.push((format!("{} down ({})", i.name, i.step), i.down.clone()));
        cases.push((format!("{} up ({})", i.name, i.step), i.up.clone()));
    }
    let results = run_cases(plan_cases(&file, cases, &args.sim)?, &label, &args.sim)?;
    let base = results[0].summary.clone();
    let rows: Vec<study::Sensitivity> = inputs
        .iter()
        .enumerate()
        .map(|(k, i)| study::Sensitivity {
            name: i.name,
            step: i.step,
            down: results[1 + 2 * k].summary.clone(),
            up: results[2 + 2 * k].summary.clone(),
        })
        .collect();
    stage_write(
        &mut out,
        "sensitivity.csv",
        study::render_sensitivity_csv(&base, &rows).as_bytes(),
    )?;
    let inputs: Vec<(String, Vec<(f64, f64)>)> = rows
        .iter()
        .map(|r| {
            (
                format!("{} {}", r.name, r.step),
                study::effects(&base, r).to_vec(),
            )
        })
        .collect();
    let panels = crate::charts::studies::tornado_panels(
        &[
            "P(shortfall) uninsured",
            "P(shortfall) insured",
            "Change (insured − uninsured)",
        ],
        &inputs,
    );
    let title = format!(
        "{}: what moves the shortfall probability (input down: green, up: purple)",
        file.base.name
    );
    let chart = crate::charts::studies::tornado(&title, &panels).map_err(Error::Bug)?;
    finish_study(out, &chart, &title, &label, &results)
}

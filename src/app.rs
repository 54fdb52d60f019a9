//! The commands: from parsed flags to work done, with every error typed.

use crate::cli::{
    BatchArgs, Cli, Command, MergeArgs, RunArgs, SimArgs, StudyArgs, SweepArgs, ValidateArgs,
};
use crate::error::Error;
use crate::model::Model;
use crate::output::{self, OutputDir};
use crate::run::{BLOCK, RunResult, run};
use crate::scenario::{Scenario, ScenarioFile};
use crate::study::{self, Case};
use crate::summary::{Precision, Summary};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes kept per path: minimum headroom and end balance of both variants, credit loss.
pub const BYTES_PER_PATH: u64 = 5 * 8;
/// The most paths one run accepts (2 GB of per-path results).
pub const MAX_PATHS: u64 = 50_000_000;
/// Paths added per round with `--precision`.
pub const PRECISION_ROUND: u64 = 16 * BLOCK;

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => run_command(&args),
        Command::Validate(args) => validate_command(&args),
        Command::Stress(args) => stress_command(&args),
        Command::Sweep(args) => sweep_command(&args),
        Command::Sensitivity(args) => sensitivity_command(&args),
        Command::Batch(args) => batch_command(&args),
        Command::Merge(args) => merge_command(&args),
        Command::Init(args) => init_command(&args),
        Command::Schema => {
            print!("{}", crate::scenario::raw::json_schema());
            Ok(())
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "cashrisk", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The text of a starter template.
pub fn template_text(t: crate::cli::Template) -> &'static str {
    use crate::cli::Template;
    match t {
        Template::Minimal => include_str!("../scenarios/templates/minimal.toml"),
        Template::Exporter => include_str!("../scenarios/textile_exporter.toml"),
        Template::Wholesaler => include_str!("../scenarios/electronics_wholesaler.toml"),
        Template::Seasonal => include_str!("../scenarios/seasonal_manufacturer.toml"),
        Template::Services => include_str!("../scenarios/it_services.toml"),
    }
}

fn init_command(args: &crate::cli::InitArgs) -> Result<(), Error> {
    use std::io::Write as _;
    let text = template_text(args.template);
    // The templates point editors at the schema in the repository; a new file gets a
    // plain first line instead.
    let text = text
        .strip_prefix("#:schema ../docs/scenario.schema.json\n")
        .or_else(|| text.strip_prefix("#:schema ../../docs/scenario.schema.json\n"))
        .unwrap_or(text);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.file)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Usage {
                    flag: "FILE",
                    message: format!(
                        "{} already exists; choose another name (init never overwrites)",
                        args.file.display()
                    ),
                }
            } else {
                Error::Output {
                    path: args.file.clone(),
                    source,
                }
            }
        })?;
    f.write_all(text.as_bytes())
        .map_err(|source| Error::Output {
            path: args.file.clone(),
            source,
        })?;
    println!(
        "wrote {}; edit it, check it with `cashrisk validate {0}`, run it with `cashrisk run {0}`",
        args.file.display()
    );
    Ok(())
}

/// The default output folder of a scenario file: `output/<file stem>[-<suffix>]`.
pub fn default_out_dir(file: &Path, suffix: Option<&str>) -> PathBuf {
    let stem = file.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let name = match suffix {
        Some(s) => format!("{stem}-{}", slug(s)),
        None => stem,
    };
    PathBuf::from("output").join(name)
}

/// A file-name-safe version of a name: lower case, runs of other characters as `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let s = out.trim_matches('-').to_string();
    if s.is_empty() { "case".to_string() } else { s }
}

/// Applies `--paths` and `--seed` and checks the path count.
pub fn apply_overrides(
    mut scenario: Scenario,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<Scenario, Error> {
    if let Some(p) = paths {
        if p == 0 {
            return Err(Error::Usage {
                flag: "--paths",
                message: "must be at least 1, for example --paths 10000".to_string(),
            });
        }
        scenario.paths = p;
    }
    if let Some(s) = seed {
        scenario.seed = s;
    }
    check_paths(scenario.paths)?;
    Ok(scenario)
}

fn check_paths(paths: u64) -> Result<(), Error> {
    if paths > MAX_PATHS {
        let gib = paths as f64 * BYTES_PER_PATH as f64 / (1u64 << 30) as f64;
        return Err(Error::Usage {
            flag: "--paths",
            message: format!(
                "{paths} paths would need about {gib:.0} GiB for the per-path results; \
                 use at most {MAX_PATHS} paths per run, or split the run into shards"
            ),
        });
    }
    Ok(())
}

/// The scenario a run uses: the base case or a stress case, with flag overrides.
pub fn scenario_for_run(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<Scenario, Error> {
    let scenario = match stress {
        Some(name) => file.stressed(name)?,
        None => file.base.clone(),
    };
    apply_overrides(scenario, paths, seed)
}

fn threads(sim_threads: Option<usize>) -> Result<usize, Error> {
    match sim_threads {
        Some(0) => Err(Error::Usage {
            flag: "--threads",
            message: "must be at least 1; leave it out to use every core".to_string(),
        }),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

fn prepare(path: &Path) -> Result<OutputDir, Error> {
    OutputDir::prepare(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

fn write(out: &OutputDir, name: &str, bytes: &[u8]) -> Result<(), Error> {
    out.write(name, bytes)
        .map(|_| ())
        .map_err(|source| Error::Output {
            path: out.path().join(name),
            source,
        })
}

/// Parses `K/N` of `--shard`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), Error> {
    let bad = || Error::Usage {
        flag: "--shard",
        message: format!("`{text}` is not K/N with 1 <= K <= N, for example --shard 3/8"),
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n || n > 100_000 {
        return Err(bad());
    }
    Ok((k, n))
}

/// Rough cost of a run on this kind of machine: about 50 ns per invoice, 5 ns per
/// buyer and 10 ns per day and variant per path (docs/performance.md has measurements).
pub fn estimate_seconds(model: &Model, paths: u64, threads: usize) -> f64 {
    let per_path = 50e-9 * model.invoices_per_path() as f64
        + 5e-9 * model.buyers.len() as f64
        + 20e-9 * model.horizon as f64;
    per_path * paths as f64 / threads.max(1) as f64
}

/// Memory of a run: the per-path numbers and each worker's histograms.
pub fn estimate_bytes(model: &Model, paths: u64, threads: usize) -> f64 {
    let per_worker = 2.0 * model.horizon as f64 * crate::fan::BUCKETS as f64 * 4.0;
    paths as f64 * BYTES_PER_PATH as f64 + (threads as f64 + 1.0) * per_worker
}

/// Refuses a run that would take more than a week or more than 16 GiB.
fn check_cost(model: &Model, paths: u64, threads: usize) -> Result<(), Error> {
    let secs = estimate_seconds(model, paths, threads);
    if secs > 7.0 * 86_400.0 {
        return Err(Error::Usage {
            flag: "--paths",
            message: format!(
                "this run would take about {:.0} days on {threads} threads ({} paths of {} \
                 invoices each); use fewer paths, or split it into shards on several machines",
                secs / 86_400.0,
                paths,
                model.invoices_per_path()
            ),
        });
    }
    let bytes = estimate_bytes(model, paths, threads);
    if bytes > 16.0 * (1u64 << 30) as f64 {
        return Err(Error::Usage {
            flag: "--threads",
            message: format!(
                "this run would need about {:.1} GiB of memory; use fewer --threads or \
                 --paths, or split it into shards",
                bytes / (1u64 << 30) as f64
            ),
        });
    }
    Ok(())
}

/// Simulates with a progress bar (when wanted); an error after Ctrl-C.
fn simulate(
    model: &Model,
    first: u64,
    count: u64,
    threads: usize,
    quiet: bool,
) -> Result<RunResult, Error> {
    check_cost(model, count, threads)?;
    let progress = Progress::new(count, quiet);
    let result = run(model, first, count, threads, &|n| progress.advance(n));
    progress.finish();
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    Ok(result)
}

/// Simulates shard `k` of `n` of a run and writes its partial result; returns the
/// file name.
#[allow(clippy::too_many_arguments)]
fn write_shard(
    out: &OutputDir,
    file: &ScenarioFile,
    label: &str,
    stress: Option<String>,
    scenario: &Scenario,
    (k, n): (u64, u64),
    threads: usize,
    quiet: bool,
) -> Result<String, Error> {
    let model = Model::new(scenario);
    let (first, count) = crate::partial::shard_range(scenario.paths, k, n);
    let result = simulate(&model, first, count, threads, quiet)?;
    let meta = crate::partial::PartialMeta {
        cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
        file: label.to_string(),
        text: file.text.clone(),
        stress,
        paths: scenario.paths,
        seed: scenario.seed,
        shard: (k, n),
        first_path: first,
        count,
        horizon: scenario.horizon_days,
    };
    let name = format!("partial-{k}-of-{n}.cashrisk");
    write(out, &name, &crate::partial::encode(&meta, &result))?;
    Ok(name)
}

/// Writes summary.json, timeseries.csv and (unless `no_charts`) the charts and
/// report.html; returns the number of files.
pub fn write_run_outputs(
    out: &OutputDir,
    scenario: &Scenario,
    summary: &Summary,
    result: &RunResult,
    no_charts: bool,
) -> Result<usize, Error> {
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "summary.json".into(),
            output::render_json(summary).into_bytes(),
        ),
        (
            "timeseries.csv".into(),
            output::render_timeseries(result).into_bytes(),
        ),
    ];
    if !no_charts {
        let data = crate::charts::ChartData::new(summary, result, scenario.min_headroom);
        let charts = crate::charts::render_all(&data).map_err(Error::Bug)?;
        for chart in &charts {
            files.push((
                format!("{}.svg", chart.name),
                chart.svg.clone().into_bytes(),
            ));
            files.push((format!("{}.png", chart.name), chart.png.clone()));
        }
        files.push((
            "report.html".into(),
            crate::report::render(summary, scenario, &charts).into_bytes(),
        ));
    }
    for (name, bytes) in &files {
        write(out, name, bytes)?;
    }
    Ok(files.len())
}

fn finish_message(count: usize, out: &OutputDir, charts: bool) {
    println!(
        "wrote {count} files to {}{}",
        out.path().display(),
        if charts {
            " (open report.html in a browser)"
        } else {
            ""
        }
    );
}

fn run_command(args: &RunArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let mut scenario =
        scenario_for_run(&file, args.stress.as_deref(), args.sim.paths, args.sim.seed)?;
    let threads = threads(args.sim.threads)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    if let Some(h) = args.precision {
        if !(h > 0.0 && h < 0.5) {
            return Err(Error::Usage {
                flag: "--precision",
                message: "is a half-width of a probability, between 0 and 0.5, e.g. 0.002"
                    .to_string(),
            });
        }
        if shard.is_some() {
            return Err(Error::Usage {
                flag: "--precision",
                message: "cannot be combined with --shard: shards need a fixed path count"
                    .to_string(),
            });
        }
        check_paths(args.max_paths)?;
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, args.stress.as_deref()));
    let out = prepare(&out_path)?;
    let label = args.file.display().to_string();

    if let Some((k, n)) = shard {
        let name = write_shard(
            &out,
            &file,
            &label,
            args.stress.clone(),
            &scenario,
            (k, n),
            threads,
            args.sim.quiet,
        )?;
        let (first, count) = crate::partial::shard_range(scenario.paths, k, n);
        println!(
            "shard {k}/{n}: paths {first}..{} of {}; wrote {}",
            first + count,
            scenario.paths,
            out.path().join(name).display()
        );
        return Ok(());
    }

    let model = Model::new(&scenario);
    let started = Instant::now();
    let (result, precision) = match args.precision {
        None => (
            simulate(&model, 0, scenario.paths, threads, args.sim.quiet)?,
            None,
        ),
        Some(target) => {
            let mut result = simulate(&model, 0, 0, threads, true)?;
            loop {
                let count = PRECISION_ROUND.min(args.max_paths - result.paths());
                let more = simulate(&model, result.paths(), count, threads, args.sim.quiet)?;
                result.append(more).map_err(Error::Bug)?;
                scenario.paths = result.paths();
                let widths = Summary::new(&scenario, &label, &result).half_widths();
                let met = widths.iter().all(|w| *w <= target);
                if met || result.paths() >= args.max_paths {
                    break (
                        result,
                        Some(Precision {
                            target,
                            half_widths: widths,
                            met,
                        }),
                    );
                }
            }
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    scenario.paths = result.paths();
    let mut summary = Summary::new(&scenario, &label, &result);
    summary.simulation.precision = precision;
    if args.break_even {
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &scenario,
            summary.difference.end_balance_mean.estimate,
            threads,
        ));
    }
    let count = write_run_outputs(&out, &scenario, &summary, &result, args.no_charts)?;
    if args.json {
        print!("{}", output::render_json(&summary));
        return Ok(());
    }
    print!("{}", crate::table::render(&summary));
    if let Some(p) = precision {
        println!(
            "\nprecision: 95 % half-widths {:.4} (uninsured), {:.4} (insured), {:.4} (change) \
             after {} paths; target {} {}",
            p.half_widths[0],
            p.half_widths[1],
            p.half_widths[2],
            result.paths(),
            p.target,
            if p.met {
                "met"
            } else {
                "NOT met: --max-paths reached"
            }
        );
    }
    if args.timing {
        let paths = result.paths() as f64;
        println!(
            "\ntiming: {} paths in {elapsed:.2} s on {threads} threads: {:.0} paths/s, \
             {:.3e} invoices/s ({} potential invoices a path); peak memory {}",
            result.paths(),
            paths / elapsed,
            paths * model.invoices_per_path() as f64 / elapsed,
            model.invoices_per_path(),
            peak_memory().map_or("n/a".to_string(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            ))
        );
    }
    println!();
    finish_message(count, &out, !args.no_charts);
    Ok(())
}

/// Peak resident memory of this process in KiB (Linux: VmHWM of /proc/self/status).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn validate_command(args: &ValidateArgs) -> Result<(), Error> {
    let mut failed = 0;
    let mut io_only = true;
    for path in &args.files {
        match ScenarioFile::load(path) {
            Ok(file) => {
                let s = &file.base;
                println!(
                    "ok: {} (\"{}\": {} buyers, {} stress cases, {})",
                    path.display(),
                    s.name,
                    s.buyer_count(),
                    s.stress.len(),
                    if s.insurance.is_some() {
                        "insured"
                    } else {
                        "no policy"
                    }
                );
            }
            Err(err) => {
                failed += 1;
                io_only &= err.io;
                eprintln!("{err}");
            }
        }
    }
    if failed > 0 {
        return Err(Error::Several {
            failed,
            total: args.files.len(),
            io_only,
        });
    }
    Ok(())
}

/// Runs the cases of a study on one seed, printing progress per case.
fn run_cases(
    cases: Vec<(String, Scenario)>,
    label: &str,
    sim: &SimArgs,
) -> Result<Vec<Case>, Error> {
    let threads = threads(sim.threads)?;
    let total = cases.len();
    let mut out = Vec::with_capacity(total);
    for (i, (name, scenario)) in cases.into_iter().enumerate() {
        let scenario = apply_overrides(scenario, sim.paths, sim.seed)?;
        if !sim.quiet && std::io::stderr().is_terminal() {
            eprintln!("[{}/{total}] {name}", i + 1);
        }
        let model = Model::new(&scenario);
        let result = simulate(&model, 0, scenario.paths, threads, sim.quiet)?;
        out.push(Case {
            label: name,
            summary: Summary::new(&scenario, label, &result),
        });
    }
    Ok(out)
}

fn stress_command(args: &StudyArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("stress"));
    let out = prepare(&out_path)?;
    let cases = study::stress_cases(&file)?;
    let label = args.file.display().to_string();
    let results = run_cases(cases, &label, &args.sim)?;
    let labels: Vec<String> = results.iter().map(|c| c.label.clone()).collect();
    let summaries: Vec<Summary> = results.iter().map(|c| c.summary.clone()).collect();
    write(
        &out,
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
    write(&out, "stress.svg", chart.svg.as_bytes())?;
    write(&out, "stress.png", &chart.png)?;
    print!("{}", study::render_cases_table(&title, &results));
    println!();
    finish_message(3, &out, false);
    Ok(())
}

fn sweep_command(args: &SweepArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let spec = study::parse_sweep(&args.set).map_err(|message| Error::Usage {
        flag: "--set",
        message,
    })?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("sweep"));
    let out = prepare(&out_path)?;
    let mut cases = Vec::new();
    for v in &spec.values {
        let edited = file.with_value(&spec.key, *v)?;
        cases.push((format!("{} = {v}", spec.key), edited.base));
    }
    let label = args.file.display().to_string();
    let results = run_cases(cases, &label, &args.sim)?;
    let summaries: Vec<Summary> = results.iter().map(|c| c.summary.clone()).collect();
    let mut csv = format!("{},{}\n", study::csv_field(&spec.key), study::CASE_COLUMNS);
    for (v, s) in spec.values.iter().zip(&summaries) {
        csv.push_str(&format!("{v},{}\n", study::case_cells(s)));
    }
    write(&out, "sweep.csv", csv.as_bytes())?;
    let title = format!(
        "{}: liquidity shortfall as {} varies",
        file.base.name, spec.key
    );
    let chart = crate::charts::studies::sweep(&title, &spec.key, &spec.values, &summaries)
        .map_err(Error::Bug)?;
    write(&out, "sweep.svg", chart.svg.as_bytes())?;
    write(&out, "sweep.png", &chart.png)?;
    print!("{}", study::render_cases_table(&title, &results));
    println!();
    finish_message(3, &out, false);
    Ok(())
}

fn sensitivity_command(args: &StudyArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, None).join("sensitivity"));
    let out = prepare(&out_path)?;
    let inputs = study::sensitivity_inputs(&file)?;
    let label = args.file.display().to_string();
    let mut cases = vec![("Base".to_string(), file.base.clone())];
    for i in &inputs {
        cases.push((format!("{} down ({})", i.name, i.step), i.down.clone()));
        cases.push((format!("{} up ({})", i.name, i.step), i.up.clone()));
    }
    let results = run_cases(cases, &label, &args.sim)?;
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
    write(
        &out,
        "sensitivity.csv",
        study::render_sensitivity_csv(&base, &rows).as_bytes(),
    )?;
    let panels: Vec<crate::charts::studies::TornadoPanel> = [
        "P(shortfall) uninsured",
        "P(shortfall) insured",
        "Change (insured − uninsured)",
    ]
    .iter()
    .enumerate()
    .map(|(p, title)| {
        let effects: Vec<(String, (f64, f64))> = rows
            .iter()
            .map(|r| {
                (
                    format!("{} {}", r.name, r.step),
                    study::effects(&base, r)[p],
                )
            })
            .collect();
        (
            title.to_string(),
            crate::charts::studies::tornado_rows(&effects),
        )
    })
    .collect();
    let title = format!(
        "{}: what moves the shortfall probability (input down: green, up: purple)",
        file.base.name
    );
    let chart = crate::charts::studies::tornado(&title, &panels).map_err(Error::Bug)?;
    write(&out, "sensitivity.svg", chart.svg.as_bytes())?;
    write(&out, "sensitivity.png", &chart.png)?;
    print!("{}", study::render_cases_table(&title, &results));
    println!();
    finish_message(3, &out, false);
    Ok(())
}

/// The scenario files under a folder, sorted.
fn find_toml(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Hex SHA-256 of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The columns of `summary.csv` of a batch.
pub const BATCH_COLUMNS: &str = "file,content_hash,case,variant,paths,seed,\
shortfall_probability,shortfall_low,shortfall_high,min_headroom_p5,end_balance_mean,cfar95,\
credit_loss_mean,credit_loss_es99,premium_paid_mean,payouts_received_mean,claims_mean";

fn batch_rows(file: &str, hash: &str, case: &str, s: &Summary) -> String {
    let mut rows = String::new();
    for (name, v, ins) in [
        ("uninsured", &s.uninsured, false),
        ("insured", &s.insured.common, true),
    ] {
        let (premium, payouts, claims) = if ins {
            (
                s.insured.premium_paid.mean,
                s.insured.payouts_received.mean,
                s.insured.claims.mean,
            )
        } else {
            (0.0, 0.0, 0.0)
        };
        rows.push_str(&format!(
            "{},{hash},{},{name},{},{},{},{},{},{},{},{},{},{},{premium},{payouts},{claims}\n",
            study::csv_field(file),
            study::csv_field(case),
            s.simulation.paths,
            s.simulation.seed,
            v.shortfall_probability.estimate,
            v.shortfall_probability.ci95[0],
            v.shortfall_probability.ci95[1],
            v.min_headroom.p5,
            v.end_balance.mean,
            v.cfar95,
            v.credit_loss.mean,
            v.credit_loss.es99,
        ));
    }
    rows
}

fn batch_command(args: &BatchArgs) -> Result<(), Error> {
    let threads = threads(args.sim.threads)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let files = find_toml(&args.dir).map_err(|source| Error::Output {
        path: args.dir.clone(),
        source,
    })?;
    if files.is_empty() {
        return Err(Error::Usage {
            flag: "DIR",
            message: format!("{} holds no .toml files", args.dir.display()),
        });
    }
    let out_root = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("batch"));
    let root = prepare(&out_root)?;
    let mut csv = format!("{BATCH_COLUMNS}\n");
    let (mut failed, mut io_only, mut skipped) = (0, true, 0);
    let started = Instant::now();
    for path in &files {
        let rel = path.strip_prefix(&args.dir).unwrap_or(path);
        let label = path.display().to_string();
        let file = match ScenarioFile::load(path) {
            Ok(f) => f,
            Err(err) => {
                failed += 1;
                io_only &= err.io;
                eprintln!("{err}\n(skipped; the other scenarios go on)");
                continue;
            }
        };
        let hash = content_hash(file.text.as_bytes());
        let dir = out_root.join(rel.with_extension(""));
        let scenario_out = prepare(&dir)?;
        let mut cases = vec![("Base".to_string(), file.base.clone())];
        for name in file.stress_names() {
            cases.push((name.clone(), file.stressed(&name)?));
        }
        let cases: Vec<(String, Scenario)> = cases
            .into_iter()
            .map(|(n, s)| apply_overrides(s, args.sim.paths, args.sim.seed).map(|s| (n, s)))
            .collect::<Result<_, _>>()?;
        let stamp = format!(
            "{{\"content_hash\":\"{hash}\",\"seed\":{},\"paths\":{},\"shard\":{:?}}}\n",
            cases[0].1.seed, cases[0].1.paths, args.shard
        );
        let done = dir.join("batch-done.json");
        let rows_file = dir.join("rows.csv");
        if args.resume
            && std::fs::read_to_string(&done).is_ok_and(|s| s == stamp)
            && let Ok(rows) = std::fs::read_to_string(&rows_file)
        {
            csv.push_str(&rows);
            skipped += 1;
            println!("{label}: unchanged, skipped (--resume)");
            continue;
        }
        let mut rows = String::new();
        for (case, scenario) in &cases {
            let case_out = prepare(&dir.join(slug(case)))?;
            let model = Model::new(scenario);
            if let Some((k, n)) = shard {
                let stress = (case != "Base").then(|| case.clone());
                write_shard(
                    &case_out,
                    &file,
                    &label,
                    stress,
                    scenario,
                    (k, n),
                    threads,
                    args.sim.quiet,
                )?;
                continue;
            }
            let result = simulate(&model, 0, scenario.paths, threads, args.sim.quiet)?;
            let summary = Summary::new(scenario, &label, &result);
            write_run_outputs(&case_out, scenario, &summary, &result, !args.charts)?;
            rows.push_str(&batch_rows(&label, &hash, case, &summary));
            println!(
                "{label} [{case}]: P(shortfall) {} uninsured, {} insured",
                crate::table::percent(summary.uninsured.shortfall_probability.estimate),
                crate::table::percent(summary.insured.common.shortfall_probability.estimate)
            );
        }
        write(&scenario_out, "rows.csv", rows.as_bytes())?;
        write(&scenario_out, "batch-done.json", stamp.as_bytes())?;
        csv.push_str(&rows);
    }
    if shard.is_none() {
        write(&root, "summary.csv", csv.as_bytes())?;
    }
    println!(
        "batch: {} scenario files, {} with problems, {} skipped as unchanged, {:.1} s; results in {}",
        files.len(),
        failed,
        skipped,
        started.elapsed().as_secs_f64(),
        root.path().display()
    );
    if failed > 0 {
        return Err(Error::Several {
            failed,
            total: files.len(),
            io_only,
        });
    }
    Ok(())
}

fn merge_command(args: &MergeArgs) -> Result<(), Error> {
    let mut parts = Vec::new();
    for path in &args.parts {
        let bytes = std::fs::read(path).map_err(|source| Error::Input {
            path: path.clone(),
            message: format!("cannot read it: {source}"),
            io: true,
        })?;
        let part = crate::partial::decode(&bytes).map_err(|message| Error::Input {
            path: path.clone(),
            message,
            io: false,
        })?;
        parts.push(part);
    }
    let (meta, result) = crate::partial::merge(parts).map_err(|message| Error::Input {
        path: args.parts[0].clone(),
        message,
        io: false,
    })?;
    let out = prepare(&args.out)?;
    let file = ScenarioFile::parse(Path::new(&meta.file), meta.text.clone())?;
    let scenario = scenario_for_run(
        &file,
        meta.stress.as_deref(),
        Some(meta.paths),
        Some(meta.seed),
    )?;
    let mut summary = Summary::new(&scenario, &meta.file, &result);
    if args.break_even {
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &scenario,
            summary.difference.end_balance_mean.estimate,
            threads(args.threads)?,
        ));
    }
    let count = write_run_outputs(&out, &scenario, &summary, &result, args.no_charts)?;
    print!("{}", crate::table::render(&summary));
    println!();
    finish_message(count, &out, !args.no_charts);
    Ok(())
}

/// A progress bar on stderr that appears only for runs longer than a second, only on a
/// terminal, and never with --quiet.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} paths, {per_sec}, about {eta} left",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            if self.start.elapsed() > Duration::from_secs(1)
                && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

//! The commands: from parsed flags to work done, with every error typed.

use crate::cli::{
    BatchArgs, Cli, Command, MergeArgs, RunArgs, SimArgs, StudyArgs, SweepArgs, ValidateArgs,
};
use crate::error::Error;
use crate::model::Model;
use crate::output::{self, OutputDir, RunFolder};
use crate::run::{BLOCK, RunResult, run};
use crate::scenario::{Scenario, ScenarioFile, WhatIf};
use crate::study::{self, Case};
use crate::summary::{Precision, Summary};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `print!` that returns an error instead of panicking when stdout is closed or full.
macro_rules! out {
    ($($arg:tt)*) => { $crate::app::write_stdout(format_args!($($arg)*), false) };
}

/// `println!` that returns an error instead of panicking when stdout is closed or full.
macro_rules! outln {
    () => { $crate::app::write_stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::app::write_stdout(format_args!($($arg)*), true) };
}

/// Writes to stdout. A closed pipe (`cashrisk schema | head -1`) is
/// [`Error::StdoutClosed`], a clean stop as in ripgrep; any other failure (a full
/// disk behind a redirect) is an output error.
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")?;
        }
        stdout.flush()
    });
    written.map_err(|source| {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            Error::StdoutClosed
        } else {
            Error::Stdout(source)
        }
    })
}

/// A line of a job whose exit code says more than its output (batch, validate): when
/// stdout is closed the job still finishes, so that its files are whole and its exit
/// code tells whether every scenario was good.
fn progress(printed: Result<(), Error>) -> Result<(), Error> {
    match printed {
        Err(Error::StdoutClosed) => Ok(()),
        other => other,
    }
}

/// Bytes kept per path: minimum headroom and end balance of both variants, credit loss.
pub const BYTES_PER_PATH: u64 = 5 * 8;
/// The most paths one run accepts (2 GB of per-path results).
pub const MAX_PATHS: u64 = 50_000_000;
/// The most paths `--precision` adds unless `--max-paths` says otherwise.
pub const DEFAULT_MAX_PATHS: u64 = 10_000_000;
/// Paths added per round with `--precision`.
pub const PRECISION_ROUND: u64 = 16 * BLOCK;

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<(), Error> {
    if let Err(value) = crate::rng::SimdLevel::requested() {
        return Err(Error::Usage {
            flag: "CASHRISK_SIMD",
            message: format!(
                "is \"{}\"; set it to portable, avx2 or avx512, or unset it",
                crate::text::terminal_line(&value)
            ),
        });
    }
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
            out!("{}", crate::scenario::schema::json_schema())?;
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
    let text = template_text(args.template);
    // The templates point editors at the schema in the repository; a new file gets a
    // plain first line instead.
    let text = text
        .strip_prefix("#:schema ../docs/scenario.schema.json\n")
        .or_else(|| text.strip_prefix("#:schema ../../docs/scenario.schema.json\n"))
        .unwrap_or(text);
    output::write_new(&args.file, text.as_bytes()).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Usage {
                flag: "FILE",
                message: format!(
                    "{} already exists; choose another name (init never overwrites)",
                    crate::text::path(&args.file)
                ),
            }
        } else {
            Error::WriteFile {
                path: args.file.clone(),
                source,
            }
        }
    })?;
    outln!(
        "wrote {}; edit it, check it with `cashrisk validate {0}`, run it with `cashrisk run {0}`",
        crate::text::path(&args.file)
    )?;
    Ok(())
}

/// The default output folder of a scenario file: `output/<file stem>[-<case>]`, each
/// part a single safe path component ([`crate::text::path_component`]; a stem of dots
/// only, as of `...toml`, becomes `scenario`).
pub fn default_out_dir(file: &Path, suffix: Option<&str>) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| crate::text::path_component(&s.to_string_lossy()))
        .unwrap_or_else(|| "scenario".to_string());
    let name = match suffix {
        Some(s) => format!("{stem}-{}", case_folder(s)),
        None => stem,
    };
    PathBuf::from("output").join(name)
}

/// The folder of a case of a batch (`base` for the base case). Validation keeps the
/// folders of a file's cases distinct and non-empty; `case` is only a last resort for
/// names made outside a file.
pub fn case_folder(name: &str) -> String {
    crate::text::path_component(name).unwrap_or_else(|| "case".to_string())
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

/// The what-if a run uses: the base case or a stress case of the file, with the
/// `--paths` and `--seed` flags.
pub fn run_what_if(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<WhatIf, Error> {
    if paths == Some(0) {
        return Err(Error::Usage {
            flag: "--paths",
            message: "must be at least 1, for example --paths 10000".to_string(),
        });
    }
    let what_if = match stress {
        Some(name) => file.stress_case(name)?,
        None => WhatIf::base(),
    };
    Ok(what_if.with_run(paths, seed))
}

/// The scenario of a what-if, its path count checked against what one run can hold.
pub fn scenario_of(file: &ScenarioFile, what_if: &WhatIf) -> Result<Scenario, Error> {
    let scenario = file.what_if(what_if)?;
    check_paths(scenario.paths)?;
    Ok(scenario)
}

/// The scenario a run uses (see [`run_what_if`]), and its what-if.
pub fn scenario_for_run(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<(WhatIf, Scenario), Error> {
    let what_if = run_what_if(file, stress, paths, seed)?;
    let scenario = scenario_of(file, &what_if)?;
    Ok((what_if, scenario))
}

/// The scenarios of a study's cases, all validated before any is simulated, each with
/// the `--paths` and `--seed` flags.
fn plan_cases(
    file: &ScenarioFile,
    cases: Vec<(String, WhatIf)>,
    sim: &SimArgs,
) -> Result<Vec<(String, Scenario)>, Error> {
    if sim.paths == Some(0) {
        return Err(Error::Usage {
            flag: "--paths",
            message: "must be at least 1, for example --paths 10000".to_string(),
        });
    }
    cases
        .into_iter()
        .map(|(name, what_if)| {
            let scenario = scenario_of(file, &what_if.with_run(sim.paths, sim.seed))?;
            Ok((name, scenario))
        })
        .collect()
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

fn stage(path: &Path) -> Result<RunFolder, Error> {
    RunFolder::new(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

fn stage_write(out: &mut RunFolder, name: &str, bytes: &[u8]) -> Result<(), Error> {
    out.write(name, bytes).map_err(|source| Error::Output {
        path: out.path().join(name),
        source,
    })
}

/// Swaps a run's outputs into place (after a last check for Ctrl-C); returns the
/// folder and the number of files.
fn commit(out: RunFolder) -> Result<(PathBuf, usize), Error> {
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    let files = out.files();
    let path = out.path().to_path_buf();
    out.commit()
        .map(|p| (p, files))
        .map_err(|source| Error::Output { path, source })
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

/// Memory of a run: the per-path numbers, each worker's histograms, and each worker's
/// claim lists at their largest (every invoice of a covered buyer claimed, in every
/// lane): the bound that keeps a claims-heavy scenario from exhausting memory.
pub fn estimate_bytes(model: &Model, paths: u64, threads: usize) -> f64 {
    let per_worker = 2.0 * model.horizon as f64 * crate::fan::BUCKETS as f64 * 4.0
        + claim_bytes_per_worker(model);
    paths as f64 * BYTES_PER_PATH as f64 + (threads as f64 + 1.0) * per_worker
}

/// The largest claim lists of one worker.
fn claim_bytes_per_worker(model: &Model) -> f64 {
    (model.claimable_invoices_per_path() * crate::engine::CLAIM_BYTES * crate::rng::PATHS as u64)
        as f64
}

/// The memory a run may plan for: 16 GiB, or less where this machine (or the control
/// group the process runs in) has less available.
pub fn memory_limit() -> f64 {
    let mut limit = 16.0 * (1u64 << 30) as f64;
    let read = |path: &str| crate::input::read_limited(Path::new(path), 1 << 20).ok();
    if let Some(info) = read("/proc/meminfo").and_then(|b| String::from_utf8(b).ok()) {
        let kib = info
            .lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok());
        if let Some(kib) = kib {
            limit = limit.min(kib * 1024.0);
        }
    }
    if let Some(max) = read("/sys/fs/cgroup/memory.max").and_then(|b| String::from_utf8(b).ok())
        && let Ok(bytes) = max.trim().parse::<f64>()
    {
        limit = limit.min(bytes);
    }
    limit
}

/// Refuses a run that would take more than a week or more memory than it may use.
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
    let limit = memory_limit();
    if bytes > limit {
        let gib = |b: f64| b / (1u64 << 30) as f64;
        let claims = (threads as f64 + 1.0) * claim_bytes_per_worker(model);
        return Err(Error::Usage {
            flag: "--threads",
            message: format!(
                "this run could need about {:.1} GiB of memory, more than the {:.1} GiB it \
                 may use here ({:.1} GiB of it for claim lists: {} invoices a path of covered \
                 buyers, each of which may be claimed, kept for {} paths at a time on each of \
                 {threads} threads); use fewer --threads or --paths, or split it into shards",
                gib(bytes),
                gib(limit),
                gib(claims),
                model.claimable_invoices_per_path(),
                crate::rng::PATHS,
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
/// report.html into a staged run folder; returns the number of files.
pub fn write_run_outputs(
    out: &mut RunFolder,
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
        stage_write(out, name, bytes)?;
    }
    Ok(files.len())
}

fn finish_message(count: usize, out: &Path, charts: bool) -> Result<(), Error> {
    outln!(
        "wrote {count} files to {}{}",
        crate::text::path(out),
        if charts {
            " (open report.html in a browser)"
        } else {
            ""
        }
    )
}

fn run_command(args: &RunArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let (what_if, scenario) =
        scenario_for_run(&file, args.stress.as_deref(), args.sim.paths, args.sim.seed)?;
    let threads = threads(args.sim.threads)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let max_paths = args.max_paths.unwrap_or(DEFAULT_MAX_PATHS);
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
        if max_paths == 0 {
            return Err(Error::Usage {
                flag: "--max-paths",
                message: "must be at least 1; leave it out for the default of 10,000,000"
                    .to_string(),
            });
        }
        check_paths(max_paths)?;
    } else if args.max_paths.is_some() {
        return Err(Error::Usage {
            flag: "--max-paths",
            message: "limits the paths of --precision and does nothing without it; add \
                      --precision 0.002, or use --paths for a fixed number of paths"
                .to_string(),
        });
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, args.stress.as_deref()));
    let label = args.file.display().to_string();

    if let Some((k, n)) = shard {
        // Shards of one run may share a folder: each partial file is written on its own.
        let out = prepare(&out_path)?;
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
        outln!(
            "shard {k}/{n}: paths {first}..{} of {}; wrote {}",
            first + count,
            scenario.paths,
            crate::text::path(&out.path().join(name))
        )?;
        return Ok(());
    }
    let mut out = stage(&out_path)?;

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
                let count = PRECISION_ROUND.min(max_paths - result.paths());
                let more = simulate(&model, result.paths(), count, threads, args.sim.quiet)?;
                result.append(more).map_err(Error::Bug)?;
                let widths = Summary::new(&scenario, &label, &result).half_widths();
                let met = widths.iter().all(|w| *w <= target);
                if met || result.paths() >= max_paths {
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
    let mut summary = Summary::new(&scenario, &label, &result);
    summary.simulation.precision = precision;
    if args.break_even {
        // With --precision, the trials use the paths the run ended with.
        let what_if = what_if.with_run(Some(result.paths()), None);
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &file,
            &what_if,
            summary.difference.end_balance_mean.estimate,
            threads,
        )?);
    }
    write_run_outputs(&mut out, &scenario, &summary, &result, args.no_charts)?;
    let (out, count) = commit(out)?;
    if args.json {
        out!("{}", output::render_json(&summary))?;
        return Ok(());
    }
    out!("{}", crate::text::terminal(&crate::table::render(&summary)))?;
    if let Some(p) = precision {
        outln!(
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
        )?;
    }
    if args.timing {
        let paths = result.paths() as f64;
        outln!(
            "\ntiming: {} paths in {elapsed:.2} s on {threads} threads: {:.0} paths/s, \
             {:.3e} invoices/s ({} potential invoices a path); peak memory {}; vector \
             level {}",
            result.paths(),
            paths / elapsed,
            paths * model.invoices_per_path() as f64 / elapsed,
            model.invoices_per_path(),
            peak_memory().map_or("n/a".to_string(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            )),
            crate::rng::SimdLevel::in_use().name()
        )?;
    }
    outln!()?;
    finish_message(count, &out, !args.no_charts)?;
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
                progress(outln!(
                    "ok: {} (\"{}\": {} buyers, {} stress cases, {})",
                    crate::text::path(path),
                    s.name,
                    s.buyer_count(),
                    s.stress.len(),
                    if s.insurance.is_some() {
                        "insured"
                    } else {
                        "no policy"
                    }
                ))?;
            }
            Err(err) => {
                failed += 1;
                io_only &= err.io;
                eprintln!("{}", crate::text::terminal(&err.to_string()));
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
    stage_write(&mut out, "stress.svg", chart.svg.as_bytes())?;
    stage_write(&mut out, "stress.png", &chart.png)?;
    out!(
        "{}",
        crate::text::terminal(&study::render_cases_table(&title, &results))
    )?;
    outln!()?;
    let (out, count) = commit(out)?;
    finish_message(count, &out, false)?;
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
    let mut csv = format!(
        "{},{}\n",
        crate::text::csv_cell(&spec.key),
        study::CASE_COLUMNS
    );
    for (v, s) in spec.values.iter().zip(&summaries) {
        csv.push_str(&format!("{v},{}\n", study::case_cells(s)));
    }
    stage_write(&mut out, "sweep.csv", csv.as_bytes())?;
    let title = format!(
        "{}: liquidity shortfall as {} varies",
        file.base.name, spec.key
    );
    let chart = crate::charts::studies::sweep(&title, &spec.key, &spec.values, &summaries)
        .map_err(Error::Bug)?;
    stage_write(&mut out, "sweep.svg", chart.svg.as_bytes())?;
    stage_write(&mut out, "sweep.png", &chart.png)?;
    out!(
        "{}",
        crate::text::terminal(&study::render_cases_table(&title, &results))
    )?;
    outln!()?;
    let (out, count) = commit(out)?;
    finish_message(count, &out, false)?;
    Ok(())
}

fn sensitivity_command(args: &StudyArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
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
    stage_write(&mut out, "sensitivity.svg", chart.svg.as_bytes())?;
    stage_write(&mut out, "sensitivity.png", &chart.png)?;
    out!(
        "{}",
        crate::text::terminal(&study::render_cases_table(&title, &results))
    )?;
    outln!()?;
    let (out, count) = commit(out)?;
    finish_message(count, &out, false)?;
    Ok(())
}

/// The scenario files under a folder, sorted. Symlinks to folders are not followed
/// (as `find` and ripgrep do by default), so a link loop or a link to a parent cannot
/// make the walk endless or list a file many times; a symlink to a `.toml` file is
/// listed like the file.
fn find_toml(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            let toml = path.extension().is_some_and(|e| e == "toml");
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                if toml && !path.is_dir() {
                    out.push(path);
                }
            } else if toml {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The result folder of a batch's scenario file: its path below the batch folder, each
/// part a safe path component.
fn batch_folder(rel: &Path) -> PathBuf {
    let mut parts: Vec<String> = Vec::new();
    if let Some(parent) = rel.parent() {
        for c in parent.components() {
            if let std::path::Component::Normal(c) = c {
                parts.push(
                    crate::text::path_component(&c.to_string_lossy())
                        .unwrap_or_else(|| "folder".to_string()),
                );
            }
        }
    }
    parts.push(
        rel.file_stem()
            .and_then(|s| crate::text::path_component(&s.to_string_lossy()))
            .unwrap_or_else(|| "scenario".to_string()),
    );
    parts.iter().collect()
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
            crate::text::csv_cell(file),
            crate::text::csv_cell(case),
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

/// What `batch-done.json` records of a finished scenario file: `--resume` skips the
/// file only when all of it still holds (same cashrisk, same file content, same run
/// settings, and every case's result file still there with the same content).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchDone {
    /// The cashrisk that computed the rows.
    pub cashrisk_version: String,
    /// SHA-256 of the scenario file.
    pub content_hash: String,
    /// Seed and paths of the run (after `--seed` and `--paths`).
    pub seed: u64,
    /// Paths of each case.
    pub paths: u64,
    /// `--shard K/N`, if any.
    pub shard: Option<String>,
    /// Whether charts and reports were drawn.
    pub charts: bool,
    /// Each case's result file, relative to the scenario's folder, and its SHA-256.
    pub results: Vec<(String, String)>,
}

impl BatchDone {
    /// True when every result file is still there with the recorded content.
    fn results_intact(&self, dir: &Path) -> bool {
        self.results.iter().all(|(file, hash)| {
            crate::input::read_limited(&dir.join(file), crate::input::MAX_RESULT_BYTES)
                .is_ok_and(|bytes| content_hash(&bytes) == *hash)
        })
    }
}

/// The lock that keeps two batches out of one `--out` folder at once; released when
/// the process ends, however it ends.
fn lock_batch_folder(root: &Path) -> Result<std::fs::File, Error> {
    let path = root.join(".cashrisk-batch.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Usage {
            flag: "--out",
            message: format!(
                "another batch is writing into {} now; wait for it to finish, or give this \
                 one its own --out folder",
                crate::text::path(root)
            ),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Output { path, source }),
    }
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
            message: format!("{} holds no .toml files", crate::text::path(&args.dir)),
        });
    }
    let out_root = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("batch"));
    let root = prepare(&out_root)?;
    let _lock = lock_batch_folder(root.path())?;
    let mut csv = format!("{BATCH_COLUMNS}\n");
    let (mut failed, mut io_only, mut skipped) = (0, true, 0);
    let mut kept: Vec<String> = Vec::new();
    let mut folders: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    let started = Instant::now();
    for path in &files {
        let rel = path.strip_prefix(&args.dir).unwrap_or(path);
        let label = path.display().to_string();
        let shown = crate::text::path(path);
        let folder = batch_folder(rel);
        if let Some(other) = folders.get(&folder) {
            failed += 1;
            io_only = false;
            eprintln!(
                "{shown}: its results would go to {}, the folder of {}; rename one of the two \
                 files (folder names ignore case and punctuation)\n(skipped; the other \
                 scenarios go on)",
                crate::text::path(&out_root.join(&folder)),
                crate::text::path(other)
            );
            continue;
        }
        folders.insert(folder.clone(), path.clone());
        let file = match ScenarioFile::load(path) {
            Ok(f) => f,
            Err(err) => {
                failed += 1;
                io_only &= err.io;
                eprintln!(
                    "{}\n(skipped; the other scenarios go on)",
                    crate::text::terminal(&err.to_string())
                );
                continue;
            }
        };
        let hash = content_hash(file.text.as_bytes());
        let dir = out_root.join(&folder);
        let scenario_out = prepare(&dir)?;
        let mut cases = vec![("Base".to_string(), WhatIf::base())];
        for name in file.stress_names() {
            cases.push((name.clone(), file.stress_case(&name)?));
        }
        let cases = plan_cases(&file, cases, &args.sim)?;
        let mut done = BatchDone {
            cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
            content_hash: hash.clone(),
            seed: cases[0].1.seed,
            paths: cases[0].1.paths,
            shard: args.shard.clone(),
            charts: args.charts,
            results: Vec::new(),
        };
        let done_file = dir.join("batch-done.json");
        let rows_file = dir.join("rows.csv");
        if args.resume {
            let recorded = crate::input::read_limited(&done_file, crate::input::MAX_RESULT_BYTES)
                .ok()
                .and_then(|b| serde_json::from_slice::<BatchDone>(&b).ok());
            if let Some(recorded) = recorded
                && (BatchDone {
                    results: recorded.results.clone(),
                    ..done.clone()
                }) == recorded
                && recorded.results_intact(&dir)
                && let Ok(rows) =
                    crate::input::read_limited(&rows_file, crate::input::MAX_RESULT_BYTES)
                && let Ok(rows) = String::from_utf8(rows)
            {
                csv.push_str(&rows);
                skipped += 1;
                progress(outln!("{shown}: unchanged, skipped (--resume)"))?;
                kept.push(shown);
                continue;
            }
        }
        let mut rows = String::new();
        let finished = (|| -> Result<(), Error> {
            for (case, scenario) in &cases {
                let case_dir = case_folder(if case == "Base" { "base" } else { case });
                let model = Model::new(scenario);
                if let Some((k, n)) = shard {
                    let case_out = prepare(&dir.join(&case_dir))?;
                    let stress = (case != "Base").then(|| case.clone());
                    let name = write_shard(
                        &case_out,
                        &file,
                        &label,
                        stress,
                        scenario,
                        (k, n),
                        threads,
                        args.sim.quiet,
                    )?;
                    let bytes = std::fs::read(case_out.path().join(&name)).map_err(|source| {
                        Error::Output {
                            path: case_out.path().join(&name),
                            source,
                        }
                    })?;
                    done.results
                        .push((format!("{case_dir}/{name}"), content_hash(&bytes)));
                    continue;
                }
                let mut case_out = stage(&dir.join(&case_dir))?;
                let result = simulate(&model, 0, scenario.paths, threads, args.sim.quiet)?;
                let summary = Summary::new(scenario, &label, &result);
                write_run_outputs(&mut case_out, scenario, &summary, &result, !args.charts)?;
                commit(case_out)?;
                let json = output::render_json(&summary);
                done.results.push((
                    format!("{case_dir}/summary.json"),
                    content_hash(json.as_bytes()),
                ));
                rows.push_str(&batch_rows(&label, &hash, case, &summary));
                progress(outln!(
                    "{shown} [{}]: P(shortfall) {} uninsured, {} insured",
                    crate::text::terminal(case),
                    crate::table::percent(summary.uninsured.shortfall_probability.estimate),
                    crate::table::percent(summary.insured.common.shortfall_probability.estimate)
                ))?;
            }
            Ok(())
        })();
        match finished {
            Ok(()) => {}
            Err(Error::Interrupted) => return Err(Error::BatchInterrupted { kept }),
            Err(e) => return Err(e),
        }
        write(&scenario_out, "rows.csv", rows.as_bytes())?;
        let stamp = serde_json::to_string_pretty(&done).map_err(|e| Error::Bug(e.to_string()))?;
        write(&scenario_out, "batch-done.json", stamp.as_bytes())?;
        csv.push_str(&rows);
        kept.push(shown);
    }
    if shard.is_none() {
        write(&root, "summary.csv", csv.as_bytes())?;
    }
    progress(outln!(
        "batch: {} scenario files, {} with problems, {} skipped as unchanged, {:.1} s; results in {}",
        files.len(),
        failed,
        skipped,
        started.elapsed().as_secs_f64(),
        crate::text::path(root.path())
    ))?;
    if failed > 0 {
        return Err(Error::Several {
            failed,
            total: files.len(),
            io_only,
        });
    }
    Ok(())
}

/// The partial files `merge` was given: files as they are, and for a folder (as
/// `run --shard --out DIR` writes) the `partial-*.cashrisk` files in it, sorted.
fn partial_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in args {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| Error::Input {
            path: path.clone(),
            message: format!("cannot read the folder: {source}"),
            io: true,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with("partial-") && n.ends_with(".cashrisk")
                })
            })
            .collect();
        if found.is_empty() {
            return Err(Error::Input {
                path: path.clone(),
                message: "this folder holds no partial-*.cashrisk files; name the files or \
                          the folders that `cashrisk run --shard` wrote"
                    .to_string(),
                io: false,
            });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

fn merge_command(args: &MergeArgs) -> Result<(), Error> {
    let files = partial_files(&args.parts)?;
    let mut parts = Vec::new();
    for path in &files {
        let bytes = crate::partial::read(path).map_err(|e| Error::Input {
            path: path.clone(),
            message: match e {
                crate::input::ReadError::TooLarge { .. } => {
                    "the file is longer than its header says: it was altered; copy it again \
                     or re-run the shard"
                        .to_string()
                }
                ref e => format!("cannot read it: {e}"),
            },
            io: matches!(e, crate::input::ReadError::Io(_)),
        })?;
        let part = crate::partial::decode(&bytes).map_err(|message| Error::Input {
            path: path.clone(),
            message,
            io: false,
        })?;
        parts.push(part);
    }
    let (meta, result) = crate::partial::merge(parts).map_err(|message| Error::Input {
        path: files[0].clone(),
        message,
        io: false,
    })?;
    let mut out = stage(&args.out)?;
    let Merged {
        file,
        what_if,
        scenario,
        result,
    } = merged_run(&meta, result, &files[0])?;
    let mut summary = Summary::new(&scenario, &meta.file, &result);
    if args.break_even {
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &file,
            &what_if,
            summary.difference.end_balance_mean.estimate,
            threads(args.threads)?,
        )?);
    }
    write_run_outputs(&mut out, &scenario, &summary, &result, args.no_charts)?;
    let (out, count) = commit(out)?;
    out!("{}", crate::text::terminal(&crate::table::render(&summary)))?;
    outln!()?;
    finish_message(count, &out, !args.no_charts)?;
    Ok(())
}

/// The scenario of merged partial results (from the text they carry), checked against
/// the numbers: a checksum finds damage, not a file made up to look valid, so nothing
/// in it is trusted to fit. `part` names the partial files in a message.
pub fn merged_run(
    meta: &crate::partial::PartialMeta,
    result: RunResult,
    part: &Path,
) -> Result<Merged, Error> {
    let file = ScenarioFile::parse(Path::new(&meta.file), meta.text.clone())?;
    let (what_if, scenario) = scenario_for_run(
        &file,
        meta.stress.as_deref(),
        Some(meta.paths),
        Some(meta.seed),
    )?;
    let h = scenario.horizon_days as usize;
    let fits = meta.horizon as usize == h
        && result.fan.horizon == h
        && result.shortfall_days.iter().all(|d| d.len() == h)
        && result.paths() == scenario.paths
        && result.blocks.len() as u64 == scenario.paths.div_ceil(BLOCK);
    if !fits {
        return Err(Error::Input {
            path: part.to_path_buf(),
            message: "its numbers do not fit the scenario it carries (horizon, paths or \
                      blocks differ): it was not written by `cashrisk run --shard`; re-run \
                      the shard"
                .to_string(),
            io: false,
        });
    }
    Ok(Merged {
        file,
        what_if,
        scenario,
        result,
    })
}

/// A merged run: the scenario file its partial results carry, the what-if they ran
/// (stress case, paths, seed), its scenario and the whole result.
#[derive(Debug)]
pub struct Merged {
    /// The scenario file, as the partial results carry it.
    pub file: ScenarioFile,
    /// The stress case, paths and seed of the run.
    pub what_if: WhatIf,
    /// The scenario simulated.
    pub scenario: Scenario,
    /// The merged result.
    pub result: RunResult,
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

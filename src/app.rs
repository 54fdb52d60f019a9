//! The commands: from parsed flags to work done, with every error typed.

use crate::cli::{Cli, Command, RunArgs, ValidateArgs};
use crate::error::Error;
use crate::model::Model;
use crate::output::{self, OutputDir};
use crate::scenario::{Scenario, ScenarioFile};
use crate::summary::Summary;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => run_command(&args),
        Command::Validate(args) => validate_command(&args),
    }
}

/// Bytes kept per path: minimum headroom and end balance of both variants, credit loss.
pub const BYTES_PER_PATH: u64 = 5 * 8;
/// The most paths one run accepts (2 GB of per-path results).
pub const MAX_PATHS: u64 = 50_000_000;

/// The default output folder of a scenario file: `output/<file stem>[-<stress>]`.
pub fn default_out_dir(file: &Path, stress: Option<&str>) -> PathBuf {
    let stem = file.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let name = match stress {
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
    out.trim_matches('-').to_string()
}

/// The scenario a run uses: the base case or a stress case, with flag overrides.
pub fn scenario_for_run(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<Scenario, Error> {
    let mut scenario = match stress {
        Some(name) => file.stressed(name)?,
        None => file.base.clone(),
    };
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
    if scenario.paths > MAX_PATHS {
        let gib = scenario.paths as f64 * BYTES_PER_PATH as f64 / (1u64 << 30) as f64;
        return Err(Error::Usage {
            flag: "--paths",
            message: format!(
                "{} paths would need about {gib:.0} GiB for the per-path results; \
                 use at most {MAX_PATHS} paths per run, or split the run into shards",
                scenario.paths
            ),
        });
    }
    Ok(scenario)
}

fn run_command(args: &RunArgs) -> Result<(), Error> {
    let file = ScenarioFile::load(&args.file)?;
    let scenario = scenario_for_run(&file, args.stress.as_deref(), args.paths, args.seed)?;
    let threads = match args.threads {
        Some(0) => {
            return Err(Error::Usage {
                flag: "--threads",
                message: "must be at least 1; leave it out to use every core".to_string(),
            });
        }
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, args.stress.as_deref()));
    let out = OutputDir::prepare(&out_path).map_err(|source| Error::Output {
        path: out_path.clone(),
        source,
    })?;

    let model = Model::new(&scenario);
    let progress = Progress::new(scenario.paths, args.quiet);
    let result = crate::run::run(&model, 0, scenario.paths, threads, &|n| progress.advance(n));
    progress.finish();

    let label = args.file.display().to_string();
    let summary = Summary::new(&scenario, &label, &result);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "summary.json".into(),
            output::render_json(&summary).into_bytes(),
        ),
        (
            "timeseries.csv".into(),
            output::render_timeseries(&result).into_bytes(),
        ),
    ];
    if !args.no_charts {
        let data = crate::charts::ChartData::new(&summary, &result, scenario.min_headroom);
        let charts = crate::charts::render_all(&data).map_err(Error::Chart)?;
        for chart in &charts {
            files.push((
                format!("{}.svg", chart.name),
                chart.svg.clone().into_bytes(),
            ));
            files.push((format!("{}.png", chart.name), chart.png.clone()));
        }
        files.push((
            "report.html".into(),
            crate::report::render(&summary, &scenario, &charts).into_bytes(),
        ));
    }
    for (name, bytes) in &files {
        out.write(name, bytes).map_err(|source| Error::Output {
            path: out.path().join(name),
            source,
        })?;
    }
    print!("{}", crate::table::render(&summary));
    println!();
    println!(
        "wrote {} files to {}{}",
        files.len(),
        out.path().display(),
        if args.no_charts {
            ""
        } else {
            " (open report.html in a browser)"
        }
    );
    Ok(())
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

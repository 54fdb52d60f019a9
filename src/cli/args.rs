//! Command-line flags, as clap parses them (the "low" form); `super::plan` checks
//! them and the other modules of [`super`] turn them into work.
//!
//! The doc comments of the flags are also their `--help` text, which clap prints as
//! written: `[[stress]]` and `<file name>` there are for the user, not markdown links
//! or HTML for rustdoc.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Liquidity-shortfall risk with and without trade credit insurance, by Monte Carlo.
#[derive(Debug, Parser)]
#[command(name = "cashrisk", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 done, 2 bad input, 3 a file could not be read or written, 70 bug, \
     130 interrupted (Ctrl-C, SIGTERM, SIGHUP; nothing written, a batch keeps finished files).";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario: print the figures, write summary.json, timeseries.csv,
    /// charts and report.html.
    #[command(after_help = format!("Examples:\n  cashrisk run scenarios/textile_exporter.toml --paths 20000\n  \
        cashrisk run scenarios/textile_exporter.toml --precision 0.002\n  \
        cashrisk run scenarios/textile_exporter.toml --paths 1000000 --shard 3/8 --out parts\n\n\
        Results go to output/<file name>/ (or --out). {EXIT_CODES}"))]
    Run(RunArgs),
    /// Check scenario files without simulating; one line per problem.
    #[command(after_help = format!("Example:\n  cashrisk validate scenarios/*.toml\n\n{EXIT_CODES}"))]
    Validate(ValidateArgs),
    /// Run the base case, the file's [[stress]] cases and the built-in stress set.
    #[command(after_help = format!("Example:\n  cashrisk stress scenarios/textile_exporter.toml --paths 20000\n\n\
        Built-in cases: largest buyer defaults on day 90; recession (pd x2.5, correlation \
        0.24, delays x1.5, revenue x0.85, limits x0.5); late-payment wave (on-time x0.5, \
        delays x2); insurer halves every limit; with a policy, insurers cut limits (every \
        limit x0.7 from day 90, also for the bank); with [[countries]], a moratorium in the \
        largest export country from day 90. Writes stress.csv and stress.png/svg to \
        output/<file name>/stress/. {EXIT_CODES}"))]
    Stress(StudyArgs),
    /// Run the scenario for a range of values of one numeric key.
    #[command(after_help = format!("Examples:\n  cashrisk sweep scenarios/textile_exporter.toml --set insurance.premium_rate=0.001:0.006:11\n  \
        cashrisk sweep scenarios/textile_exporter.toml --set 'buyers[\"Nordhaus Retail GmbH\"].pd=0.005:0.05:10'\n\n\
        Every value is simulated on the same seed (common random numbers). Writes sweep.csv \
        and sweep.png/svg to output/<file name>/sweep/. {EXIT_CODES}"))]
    Sweep(SweepArgs),
    /// Move each main input down and up and show its effect (tornado chart).
    #[command(after_help = format!("Example:\n  cashrisk sensitivity scenarios/textile_exporter.toml --paths 10000\n\n\
        Steps: opening cash and credit line +-20 %, revenue +-10 %, demand volatility \
        +-50 %, variable cost ratio +-0.02, fixed costs +-10 %, default probabilities \
        x0.5/x1.5, correlation +-50 %, delays x0.75/x1.25, premium rate +-50 %, indemnity \
        +-0.05. Writes sensitivity.csv and sensitivity.png/svg. {EXIT_CODES}"))]
    Sensitivity(StudyArgs),
    /// Run every scenario file under a folder, each with its stress cases.
    #[command(after_help = format!("Examples:\n  cashrisk batch scenarios --out output/batch\n  \
        cashrisk batch scenarios --resume\n  cashrisk batch scenarios --shard 2/4 --out parts\n\n\
        A bad file is reported and skipped; the others finish; the exit code is then 2. \
        {EXIT_CODES}"))]
    Batch(BatchArgs),
    /// Write a commented starter scenario to FILE.
    #[command(
        after_help = "Examples:\n  cashrisk init my_company.toml\n  cashrisk init --template wholesaler my_company.toml\n\n\
        Templates: minimal, exporter, wholesaler, seasonal, services, quotes (the examples in \
        scenarios/; quotes compares two policies with a borrowing base)."
    )]
    Init(InitArgs),
    /// Print the JSON Schema of scenario files (for editors).
    #[command(after_help = "Example:\n  cashrisk schema > scenario.schema.json\n\n\
        Put `#:schema ./scenario.schema.json` on the first line of a scenario file and \
        editors that understand TOML schemas (Taplo, Even Better TOML) complete and check keys.")]
    Schema,
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  cashrisk completions bash > ~/.local/share/bash-completion/completions/cashrisk"
    )]
    Completions(CompletionArgs),
    /// Merge the partial results of a sharded run into the unsharded result.
    #[command(after_help = format!("Example:\n  cashrisk merge parts/partial-*-of-8.cashrisk --out output/big\n\n\
        The merged summary.json is byte-identical to that of the same run unsharded. \
        {EXIT_CODES}"))]
    Merge(MergeArgs),
}

/// Flags every simulating command shares.
#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// Number of paths (overrides simulation.paths).
    #[arg(long)]
    pub paths: Option<u64>,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). The figures do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Treat plausibility warnings (a value far outside the usual range, such as a
    /// premium rate of 30 %) as errors: the file is not run (exit 2).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Flags of `cashrisk run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Simulation flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output folder (default: output/<file name>, or output/<file name>-<stress>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Apply a stress case: one of the file's [[stress]] cases by name, or a built-in one
    /// (`recession`, `late-payment wave`, `largest buyer`, `insurer halves every limit`,
    /// `insurers cut limits`, `moratorium` with countries).
    #[arg(long)]
    pub stress: Option<String>,
    /// Do not draw charts or write report.html (faster for scripts).
    #[arg(long)]
    pub no_charts: bool,
    /// Also solve for the break-even premium rate (re-runs the simulation a few times).
    #[arg(long)]
    pub break_even: bool,
    /// Add blocks of 16,384 paths until the 95 % half-width of both shortfall
    /// probabilities and of their difference is at most this (e.g. 0.002).
    #[arg(long)]
    pub precision: Option<f64>,
    /// Upper limit on paths with --precision (default 10,000,000).
    #[arg(long)]
    pub max_paths: Option<u64>,
    /// Simulate only shard K of N and write a partial result (see `cashrisk merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Print summary.json to stdout instead of the table (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Print paths/s, invoices/s and peak memory of the simulation (to size big runs).
    #[arg(long)]
    pub timing: bool,
}

/// Flags of `cashrisk validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Treat plausibility warnings as errors (exit 2).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Flags of `cashrisk stress` and `cashrisk sensitivity`.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Simulation flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Flags of `cashrisk sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// KEY=FROM:TO:STEPS, the key addressed as in the file.
    #[arg(long = "set", required = true, value_name = "KEY=FROM:TO:STEPS")]
    pub set: String,
    /// Simulation flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Flags of `cashrisk batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Folder searched (recursively) for *.toml scenario files.
    pub dir: PathBuf,
    /// Simulation flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output folder (default: output/batch).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip scenarios whose results exist for the same content hash, seed and paths.
    #[arg(long)]
    pub resume: bool,
    /// Simulate only shard K of N of every run and write partial results.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Draw charts and reports for every scenario and case (slower).
    #[arg(long)]
    pub charts: bool,
}

/// The starter templates of `cashrisk init`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Template {
    /// A short scenario with one buyer, a group and a policy.
    Minimal,
    /// The textile exporter example.
    Exporter,
    /// The electronics wholesaler example.
    Wholesaler,
    /// The seasonal manufacturer example.
    Seasonal,
    /// The IT services example.
    Services,
    /// The parts exporter: two policy quotes, a borrowing base and a receivables book
    /// (model version 2).
    Quotes,
}

/// Flags of `cashrisk init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Which starter scenario.
    #[arg(long, value_enum, default_value = "minimal")]
    pub template: Template,
    /// The file to create (never overwritten).
    pub file: PathBuf,
}

/// Flags of `cashrisk completions`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Flags of `cashrisk merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial results written by `run --shard` (any order).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, required = true)]
    pub out: PathBuf,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Also solve for the break-even premium rate (re-runs the whole simulation a few
    /// times on this machine).
    #[arg(long)]
    pub break_even: bool,
    /// Worker threads for --break-even (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

//! Command-line flags, as clap parses them. [`crate::app`] turns them into work.

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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario, print the figures and write summary.json and timeseries.csv.
    #[command(
        after_help = "Example:\n  cashrisk run scenarios/textile_exporter.toml --paths 20000\n\n\
        Results go to output/<file name>/ (or --out). Exit codes: 0 done, 2 bad input, \
        3 file could not be read or written, 70 bug."
    )]
    Run(RunArgs),
    /// Check scenario files without simulating; one line per problem.
    #[command(after_help = "Example:\n  cashrisk validate scenarios/*.toml\n\n\
        Exit codes: 0 all valid, 2 some file has problems, 3 some file could not be read.")]
    Validate(ValidateArgs),
}

/// Flags of `cashrisk run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Number of paths (overrides simulation.paths).
    #[arg(long)]
    pub paths: Option<u64>,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). The figures do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<file name>, or output/<file name>-<stress> with --stress).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Apply the [[stress]] case of this name from the file.
    #[arg(long)]
    pub stress: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not draw charts or write report.html (faster for scripts).
    #[arg(long)]
    pub no_charts: bool,
}

/// Flags of `cashrisk validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

//! The command line: flags as clap parses them ([`args`]), a plan stage that checks
//! every flag, what-if and output folder before any work (`plan`), and one file per
//! command family. Only this module knows clap; the library works without it (build
//! with `--no-default-features`).

/// `print!` that returns an error instead of panicking when stdout is closed or full.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::common::write_stdout(format_args!($($arg)*), false) };
}

/// `println!` that returns an error instead of panicking when stdout is closed or full.
macro_rules! outln {
    () => { $crate::cli::common::write_stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::common::write_stdout(format_args!($($arg)*), true) };
}

pub mod args;
mod batch;
pub(crate) mod common;
mod files;
mod plan;
mod run;
mod studies;

pub use args::Cli;
pub use plan::PRECISION_ROUND;
pub use run::{Merged, merged_run};

use crate::error::Error;
use args::Command;

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
        Command::Run(args) => run::run_command(&args),
        Command::Validate(args) => files::validate_command(&args),
        Command::Stress(args) => studies::stress_command(&args),
        Command::Sweep(args) => studies::sweep_command(&args),
        Command::Sensitivity(args) => studies::sensitivity_command(&args),
        Command::Batch(args) => batch::batch_command(&args),
        Command::Merge(args) => run::merge_command(&args),
        Command::Init(args) => files::init_command(&args),
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

//! The `cashrisk` binary: parse the flags, run the command, map errors to exit codes.

use cashrisk::error::{EXIT_BUG, EXIT_OK};
use clap::Parser;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "cashrisk: bug: {info}\nThis is a bug in cashrisk, not in your input; please report it \
             with the command line and scenario file."
        );
        std::process::exit(EXIT_BUG);
    }));
    // Ctrl-C, SIGTERM and SIGHUP: finish the blocks in flight, then stop without
    // writing results (the `termination` feature of ctrlc catches all three).
    let _ = ctrlc::set_handler(cashrisk::run::interrupt);
    let cli = cashrisk::cli::Cli::parse();
    let code = match cashrisk::cli::execute(cli) {
        Ok(()) | Err(cashrisk::error::Error::StdoutClosed) => EXIT_OK,
        Err(err) => {
            // Messages quote what a file wrote: never let an escape sequence through.
            eprintln!("{}", cashrisk::text::terminal(&err.to_string()));
            err.exit_code()
        }
    };
    std::process::exit(code);
}

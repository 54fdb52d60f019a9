//! `validate`, `init` and `schema`: commands about scenario files themselves.

use super::args::ValidateArgs;
use super::common::*;
use crate::error::Error;
use crate::output;

/// The text of a starter template.
pub fn template_text(t: super::args::Template) -> &'static str {
    use super::args::Template;
    match t {
        Template::Minimal => include_str!("../../scenarios/templates/minimal.toml"),
        Template::Exporter => include_str!("../../scenarios/textile_exporter.toml"),
        Template::Wholesaler => include_str!("../../scenarios/electronics_wholesaler.toml"),
        Template::Seasonal => include_str!("../../scenarios/seasonal_manufacturer.toml"),
        Template::Services => include_str!("../../scenarios/it_services.toml"),
        Template::Quotes => include_str!("../../scenarios/parts_exporter.toml"),
    }
}

pub(crate) fn init_command(args: &super::args::InitArgs) -> Result<(), Error> {
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
                flag: "cashrisk init",
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

pub(crate) fn validate_command(args: &ValidateArgs) -> Result<(), Error> {
    let mut failed = 0;
    let mut io_only = true;
    for path in &args.files {
        match load_denying(path, args.deny_warnings) {
            Ok(file) => {
                check_warnings(&file, false)?;
                let s = &file.base;
                let plural = |n: usize, one: &str, many: &str| {
                    format!(
                        "{} {}",
                        crate::table::thousands(n as f64),
                        if n == 1 { one } else { many }
                    )
                };
                progress(outln!(
                    "ok: {} (\"{}\": {}, {}, {}, {} of sales for cash)",
                    crate::text::path(path),
                    s.name,
                    plural(s.buyer_count(), "buyer", "buyers"),
                    plural(s.stress.len(), "stress case", "stress cases"),
                    match s.policies.len() {
                        0 => "no policy".to_string(),
                        1 => "insured".to_string(),
                        n => format!("{n} policies"),
                    },
                    crate::table::percent(s.cash_share())
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

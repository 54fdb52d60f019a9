//! Any bytes, read as a partial result and merged as `cashrisk merge` does: an error is
//! fine, a panic is a bug. The checksum would stop almost every made-up input at the
//! door, so the bytes are also sealed with a valid checksum first: the decoder, the
//! merge and the summary behind the check are explored too (a checksum finds damage,
//! not a file crafted to pass it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cashrisk::partial::decode(data);
    let sealed = cashrisk::partial::seal(data);
    let Ok((meta, result)) = cashrisk::partial::decode(&sealed) else {
        return;
    };
    let Ok((meta, result)) = cashrisk::partial::merge(vec![(meta, result)]) else {
        return;
    };
    let Ok(cashrisk::cli::Merged { run, .. }) =
        cashrisk::cli::merged_run(&meta, result, "fuzz.cashrisk".as_ref())
    else {
        return;
    };
    let summary = cashrisk::summary::Summary::new(&run);
    let _ = cashrisk::output::render_json(&summary);
    let _ = cashrisk::output::render_timeseries(&run.result);
    let _ = cashrisk::table::render(&summary);
});

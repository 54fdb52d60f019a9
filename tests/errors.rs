//! A catalogue of bad scenario files, each with the exact message it must produce.
//!
//! Every file in `tests/bad/` is checked with `cashrisk validate`; the snapshot holds
//! the exit code and every line printed. Review a changed message as you would review
//! advice given to a user: it names the file, the key and the fix.

use assert_cmd::Command;

#[test]
fn every_bad_file_gets_a_clear_error() {
    insta::glob!("bad/*.toml", |path| {
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_path_buf();
        let output = Command::cargo_bin("cashrisk")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("validate")
            .arg(&relative)
            .output()
            .unwrap();
        let code = output.status.code().unwrap();
        assert_eq!(code, 2, "bad input must exit with 2");
        assert!(output.stdout.is_empty(), "nothing on stdout for a bad file");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "no panic: {stderr}");
        insta::assert_snapshot!(format!("exit code {code}\n{stderr}"));
    });
}

#[test]
fn a_missing_file_and_a_directory_are_io_failures() {
    let missing = Command::cargo_bin("cashrisk")
        .unwrap()
        .args(["validate", "no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
    insta::assert_snapshot!(String::from_utf8_lossy(&missing.stderr));
    let dir = Command::cargo_bin("cashrisk")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "tests"])
        .output()
        .unwrap();
    assert_eq!(dir.status.code(), Some(3));
    insta::assert_snapshot!(String::from_utf8_lossy(&dir.stderr));
}

#[test]
fn a_file_that_cannot_be_read_is_an_io_failure() {
    // A dangling symbolic link and a path through a regular file cannot be read. (A
    // chmod 000 file would be readable here: the tests may run as root.)
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("gone.toml");
    std::os::unix::fs::symlink(dir.path().join("nowhere.toml"), &link).unwrap();
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "x = 1").unwrap();
    for path in [link, plain.join("inside.toml")] {
        let out = Command::cargo_bin("cashrisk")
            .unwrap()
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}

//! The report as a person sees it: rendered in headless Chromium.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it when missing). Outside CI, a
//! machine without Chromium skips this test with a message; in CI (`CI` set) a
//! missing browser is a failure, so the check can never silently vanish there.

use std::path::{Path, PathBuf};

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("which").arg(name).output()
            && out.status.success()
        {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

fn headless(browser: &Path, profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Runs the small fixture with charts and report into `out`.
fn run_small(paths: u32, out: &Path) {
    crate::util::cashrisk()
        .args(["run", "tests/fixtures/small.toml", "--quiet", "--paths"])
        .arg(paths.to_string())
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn report_renders_in_a_browser_with_every_chart() {
    let Some(browser) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is required in CI; .ci/run installs it with apt-get");
        }
        eprintln!("SKIPPED: Chromium not found (apt-get install chromium to run this test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run_small(2000, dir.path());
    let report = dir.path().join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("<script"), "the report needs no JavaScript");
    for remote in ["src=\"http", "href=\"http", "url(http"] {
        assert!(
            !html.contains(remote),
            "the report loads nothing from the network"
        );
    }

    // 1. Loads without console errors (Chromium logs console messages as CONSOLE).
    let profile = tempfile::tempdir().unwrap();
    let out = headless(&browser, profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("CONSOLE"), "console messages: {log}");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(dom.matches("<figure").count(), 5, "five charts in the page");

    // 2. Every chart is laid out with a real size: a copy of the page with a check
    //    script writes what it measured into the DOM.
    let probe = dir.path().join("probe.html");
    let script = r#"<script>
window.addEventListener('load', function () {
  var figs = document.querySelectorAll('figure svg'), ok = 0;
  figs.forEach(function (s) { var r = s.getBoundingClientRect();
    if (r.width > 300 && r.height > 150 && s.querySelectorAll('text').length > 5) ok++; });
  document.body.setAttribute('data-charts-ok', ok + '/' + figs.length);
  document.body.setAttribute('data-font', document.fonts.check('12px "DejaVu Sans"') ? 'embedded' : 'missing');
});
</script></body>"#;
    std::fs::write(&probe, html.replace("</body>", script)).unwrap();
    let out = headless(&browser, profile.path())
        .args([
            "--window-size=1100,1400",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-font=\"embedded\""),
        "the embedded font is used"
    );
    assert!(
        dom.contains("data-charts-ok=\"5/5\""),
        "charts not all rendered: {}",
        dom.split("data-charts-ok")
            .nth(1)
            .unwrap_or("no result")
            .chars()
            .take(40)
            .collect::<String>()
    );

    // 3. A screenshot, kept for people to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let out = headless(&browser, profile.path())
        .args(["--window-size=1100,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let img = image::open(&shot).expect("the screenshot decodes");
    assert_eq!((img.width(), img.height()), (1100, 3000));
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn chart_pngs_decode_with_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    run_small(500, dir.path());
    for (name, size) in [
        ("headroom_fan", cashrisk::charts::FAN_SIZE),
        ("shortfall_over_time", cashrisk::charts::SIZE),
        ("min_headroom", cashrisk::charts::SIZE),
        ("credit_loss", cashrisk::charts::SIZE),
        ("policy", cashrisk::charts::SIZE),
    ] {
        let img = image::open(dir.path().join(format!("{name}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), size, "{name}");
        // Not blank: the chart has many distinct colours (lines, bands, text).
        let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        colours.sort();
        colours.dedup();
        assert!(
            colours.len() > 20,
            "{name} looks empty ({} colours)",
            colours.len()
        );
        let svg = std::fs::read_to_string(dir.path().join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("<text"),
            "{name}.svg has text"
        );
    }
}

/// Issue 12, item 1: a scenario whose every text field carries a script payload; in
/// Chromium's DOM of the report no element comes from the file, the payload is text.
#[test]
fn a_hostile_scenario_injects_nothing_into_the_page() {
    let Some(browser) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is required in CI; .ci/run installs it with apt-get");
        }
        eprintln!("SKIPPED: Chromium not found (apt-get install chromium to run this test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.toml");
    std::fs::write(&file, crate::security::hostile_scenario()).unwrap();
    let profile = tempfile::tempdir().unwrap();
    for stress in [None, Some("<img src=x onerror=alert(1)>\"'& stress")] {
        let out_dir = dir.path().join(if stress.is_some() { "s" } else { "b" });
        let mut cmd = crate::util::cashrisk();
        cmd.arg("run")
            .arg(&file)
            .arg("--quiet")
            .arg("--out")
            .arg(&out_dir);
        if let Some(s) = stress {
            cmd.args(["--stress", s]);
        }
        crate::util::assert_success(&cmd.output().unwrap());
        for page in ["report.html", "headroom_fan.svg"] {
            let out = headless(&browser, profile.path())
                .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
                .arg(format!("file://{}", out_dir.join(page).display()))
                .output()
                .unwrap();
            assert!(out.status.success());
            let dom = String::from_utf8_lossy(&out.stdout);
            assert!(dom.len() > 1000, "{page}: the page was not rendered");
            assert!(
                !dom.contains("<img"),
                "{page}: an element from the file is in the DOM"
            );
            assert!(!dom.contains("onerror=\"alert"), "{page}");
            assert!(
                dom.contains("onerror=alert(1)&gt;"),
                "{page}: the payload is shown as text"
            );
            let log = String::from_utf8_lossy(&out.stderr);
            assert!(!log.contains("CONSOLE"), "{page}: console messages: {log}");
        }
    }
}

//! The conventions of command-line tools users expect: sizes with units, and a near miss of a
//! finding code answered with the codes meant.

use crate::util::*;

#[test]
fn sizes_take_units() {
    let response = testdata("responses/valid/iam.xml");
    let cert = testdata("keys/entra-app-active.cert.pem");
    let validate = |flag: &str, size: &str| {
        run(&[
            "validate",
            &response,
            "--cert",
            &cert,
            "--target",
            "iam",
            "--now",
            FIXTURE_NOW,
            flag,
            size,
        ])
    };
    for size in ["10MB", "10MiB", "512k", "1048576", "1 MiB"] {
        let out = validate("--max-input-size", size);
        assert_eq!(code(&out), 0, "{size}: {}", stderr(&out));
    }
    // A unit counts: 1k is 1,000 bytes, less than the response.
    let out = validate("--max-response-size", "1k");
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("larger than the 1000-byte limit"),
        "{}",
        stdout(&out)
    );
    let out = validate("--max-input-size", "10QB");
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("invalid value '10QB' for '--max-input-size <SIZE>'")
            && err.contains("(512k, 10MB, 10MiB)"),
        "{err}"
    );
    let out = run(&["check", "--help"]);
    assert!(
        stdout(&out).contains("[default: 10MiB]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_mistyped_finding_code_gets_the_nearest_codes() {
    let out = run(&["explain", "cert-expird"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean cert-expired, cert-expiring"),
        "{}",
        stderr(&out)
    );
    let out = run(&["explain", "expired"]);
    let err = stderr(&out);
    assert!(
        err.contains("assertion-expired")
            && err.contains("cert-expired")
            && err.contains("metadata-expired"),
        "{err}"
    );
    for flag in ["--allow", "--deny"] {
        let out = run(&[
            "check",
            &testdata("metadata/entra-app.xml"),
            flag,
            "nameid-fromat",
        ]);
        assert_eq!(code(&out), 2);
        assert!(
            stderr(&out).contains("'nameid-fromat'; did you mean nameid-format"),
            "{flag}: {}",
            stderr(&out)
        );
    }
    // Nothing close: no guess, only where the list is.
    let out = run(&["explain", "zzzz"]);
    let err = stderr(&out);
    assert!(
        !err.contains("did you mean") && err.contains("explain --list"),
        "{err}"
    );
}

#[test]
fn version_names_the_build_and_the_cryptography_libraries() {
    let out = run(&["--version"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("samlbridge {}", env!("CARGO_PKG_VERSION")),
        "{text}"
    );
    let commit = lines[1].strip_prefix("commit ").expect("a commit line");
    assert!(
        commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())
            || commit.starts_with("unknown"),
        "{text}"
    );
    let built = lines[2].strip_prefix("built ").expect("a build date");
    assert!(
        chrono::NaiveDate::parse_from_str(built, "%Y-%m-%d").is_ok(),
        "{text}"
    );
    assert!(
        lines[3].starts_with("OpenSSL ") && lines[3].ends_with("(linked)"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("libxmlsec1 1.") && lines[4].ends_with("(built against)"),
        "{text}"
    );
    // -V stays the one-line version.
    let short = stdout(&run(&["-V"]));
    assert_eq!(short.trim(), lines[0]);
}

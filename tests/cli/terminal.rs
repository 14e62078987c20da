//! Untrusted text on the terminal: names, URLs and values from certificates, metadata, SAML
//! responses, HAR captures, apps files and the user's own files reach the human report (and
//! error messages on stderr) with their control and format characters as visible escapes, so
//! they cannot print fake report lines, overwrite a line, reorder one or send the terminal a
//! command. Each test runs the real binary with colour forced on, as on a terminal, and checks
//! that samlbridge's own colours still come through.

use crate::util::*;
use chrono::{Duration, TimeZone, Utc};
use samlbridge_testkit::fixtures::{self, TENANT};
use samlbridge_testkit::https::{Reply, Server};
use samlbridge_testkit::idp::{sign, strip_declaration, MetadataSpec};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};
use std::path::Path;
use std::process::{Output, Stdio};

const NOW: &str = "2026-11-27T09:01:00Z";

/// Runs samlbridge as on a colour terminal: `--color always`, `NO_COLOR` unset.
fn run_coloured(args: &[&str]) -> Output {
    bin()
        .env_remove("NO_COLOR")
        .args(args)
        .args(["--color", "always"])
        .stdin(Stdio::null())
        .output()
        .expect("run samlbridge")
}

/// `text` without samlbridge's own colour sequences (`ESC [ digits ; … m`).
fn without_styles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[len..].starts_with('m') {
            rest = &after[len + 1..];
        } else {
            out.push_str("\u{1b}[");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The control and format characters the tests plant.
const PLANTED: &[char] = &[
    '\r', '\t', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9c}', '\u{9d}', '\u{200b}', '\u{202e}',
    '\u{2066}', '\u{2028}', '\u{feff}',
];

/// `text` (one output stream) carries no planted character raw: the only escape characters are
/// those of colour sequences, the only line breaks are `\n` ending report lines.
fn assert_safe(text: &str, stream: &str) {
    let plain = without_styles(text);
    for c in PLANTED {
        assert!(
            !plain.contains(*c),
            "{stream} carries a raw {c:?}:\n{}",
            text.escape_debug()
        );
    }
}

/// The plain lines of a stream, without colours.
fn lines(text: &str) -> Vec<String> {
    without_styles(text).lines().map(str::to_owned).collect()
}

fn assert_coloured(text: &str) {
    assert!(
        text.contains("\u{1b}[") && text.contains("\u{1b}[0m"),
        "samlbridge's own colours come through:\n{}",
        text.escape_debug()
    );
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

fn cert_with_cn(cn: &str, slot: u32, days_left: i64) -> KeyPair {
    CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), slot),
        now() - Duration::days(30),
        now() + Duration::days(days_left),
    )
    .common_name(cn)
    .build()
}

#[test]
fn a_certificate_subject_cannot_print_a_forged_thumbprint_or_retitle_the_window() {
    let forged = "0000000000000000000000000000000000000000";
    // A common name holds at most 64 characters.
    let cn = format!("A\n     SHA-1    {forged}\u{1b}]0;x\u{7}\r");
    let cert = cert_with_cn(&cn, 40, 700);
    let genuine = cert.sha1_hex().to_uppercase();
    let dir = tempdir();
    let md = dir.path().join("federationmetadata.xml");
    std::fs::write(&md, MetadataSpec::entra_app(TENANT, vec![cert]).build()).unwrap();

    let out = run_coloured(&[
        "check",
        md.to_str().unwrap(),
        "--target",
        "identity-center",
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{}{}", text, stderr(&out));
    assert_safe(&text, "stdout");
    assert_coloured(&text);
    let lines = lines(&text);
    // Only the genuine thumbprint stands on a line of its own.
    let sha1_lines: Vec<&String> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("SHA-1"))
        .collect();
    assert_eq!(sha1_lines.len(), 1, "{lines:#?}");
    assert!(sha1_lines[0].contains(&genuine), "{lines:#?}");
    // The subject is shown whole, escaped, where it belongs: in the certificate line and as
    // the document's signer.
    let shown = format!("A\\n     SHA-1    {forged}\\u{{001B}}]0;x\\u{{0007}}\\r");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  #1 CN=") && l.contains(&shown)),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  signature  valid") && l.contains(&shown)),
        "{lines:#?}"
    );
}

#[test]
fn an_entity_id_and_sign_in_url_cannot_add_report_lines() {
    let cert = cert_with_cn("Microsoft Azure Federated SSO Certificate", 41, 700);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![cert]);
    // The test kit writes control characters as character references, the only way XML
    // carries them in an attribute (and no ESC at all, but C1 has a one-character OSC,
    // U+009D … U+009C).
    spec.entity_id = Some(format!(
        "https://sts.windows.net/{TENANT}/\n  signature  valid (pinned)\u{202E}\u{9D}0;owned\u{9C}"
    ));
    spec.login_host = "login.microsoftonline.com\r\u{2028}\u{200B}\u{2066}\u{85}\u{7F}\tx".into();
    let dir = tempdir();
    let md = dir.path().join("federationmetadata.xml");
    std::fs::write(&md, spec.build()).unwrap();

    let out = run_coloured(&["check", md.to_str().unwrap(), "--now", NOW]);
    let text = stdout(&out);
    assert_safe(&text, "stdout");
    assert_safe(&stderr(&out), "stderr");
    assert_coloured(&text);
    assert!(
        text.contains("FAIL") || text.contains("PASS"),
        "a report, not a refusal: {}{}",
        text,
        stderr(&out)
    );
    let lines = lines(&text);
    let entity = format!(
        "https://sts.windows.net/{TENANT}/\\n  signature  valid (pinned)\\u{{202E}}\\u{{009D}}0;owned\\u{{009C}}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  entityID   ") && l.contains(&entity)),
        "{lines:#?}"
    );
    // The one signature line; the forged one is quoted inside the entityID line, and where a
    // finding quoting it wraps, on a continuation line, indented deeper than any report line.
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("  signature"))
            .count(),
        1,
        "one signature line: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("signature"))
            .all(|l| l.starts_with("  signature  valid (rsa-sha256") || l.starts_with("      ")),
        "{lines:#?}"
    );
    let url = format!(
        "https://login.microsoftonline.com\\r\\u{{2028}}\\u{{200B}}\\u{{2066}}\\u{{0085}}\\u{{007F}}\\tx/{TENANT}/saml2"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  sign-in    ") && l.contains(&url)),
        "{lines:#?}"
    );
}

#[test]
fn an_application_name_from_the_apps_file_is_escaped_in_the_table_and_findings() {
    let cert = cert_with_cn("Microsoft Azure Federated SSO Certificate", 42, 20);
    let doc = MetadataSpec::entra_app(TENANT, vec![cert]).build();
    let server = Server::start(move |_| Reply::xml(doc.clone()));
    let dir = tempdir();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    let apps = dir.path().join("apps.toml");
    // TOML escapes: ESC, BEL, a line feed, a carriage return and a right-to-left override.
    std::fs::write(
        &apps,
        format!(
            "[[app]]\nname = \"prod\\u001b]0;owned\\u0007\\nAWS fake  2031-01-01  1500  {}  ok\\r\\u202e\"\ntenant = \"{TENANT}\"\napp_id = \"6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d\"\n",
            "0".repeat(40)
        ),
    )
    .unwrap();
    let endpoint = server.url("/");
    let out = run_coloured(&[
        "check",
        "--apps",
        apps.to_str().unwrap(),
        "--login-endpoint",
        &endpoint,
        "--ca-file",
        ca.to_str().unwrap(),
        "--attempts",
        "1",
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "warnings only: {}{}", text, stderr(&out));
    assert_safe(&text, "stdout");
    assert_safe(&stderr(&out), "stderr");
    assert_coloured(&text);
    let lines = lines(&text);
    let name = format!(
        "prod\\u{{001B}}]0;owned\\u{{0007}}\\nAWS fake  2031-01-01  1500  {}  ok\\r\\u{{202E}}",
        "0".repeat(40)
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("AWS fake")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("  {name}  "))),
        "the table row: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{name} (tenant "))),
        "the findings heading: {lines:#?}"
    );
}

#[test]
fn a_bad_entry_in_the_apps_file_is_named_escaped_on_stderr() {
    let dir = tempdir();
    let apps = dir.path().join("apps.toml");
    std::fs::write(
        &apps,
        "[[app]]\nname = \"x\"\ntenant = \"contoso\\u001b]0;owned\\u0007\\nsamlbridge: ok\\u202e.com\"\napp_id = \"6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d\"\n",
    )
    .unwrap();
    let out = run_coloured(&["check", "--apps", apps.to_str().unwrap(), "--now", NOW]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert_safe(&err, "stderr");
    assert_eq!(err.lines().count(), 1, "one error line: {err:?}");
    assert!(
        err.starts_with("samlbridge: error: ")
            && err.contains("apps.toml")
            && err.contains("contoso\\u{001B}]0;owned\\u{0007}\\nsamlbridge: ok\\u{202E}.com"),
        "{err:?}"
    );
}

/// A response for the shipped Identity Center test data, signed (the assertion) by the
/// active test key, with `replace` applied to the unsigned assertion text first: how a
/// character reference (the only way XML carries a carriage return in text, or a line feed
/// in an attribute) gets into signed content.
fn signed_response(dir: &Path, replace: &[(&str, &str)]) -> String {
    let signer = KeyPair::from_pem(
        &std::fs::read(testdata("keys/entra-app-active.key.pem")).unwrap(),
        &std::fs::read(testdata("keys/entra-app-active.cert.pem")).unwrap(),
    );
    let mut spec = fixtures::idc_response(&signer);
    spec.attributes.push(samlbridge_testkit::idp::Attr::new(
        "PLANTED-NAME",
        &["PLANTED-VALUE"],
    ));
    let mut assertion = spec.assertion_xml();
    for (from, to) in replace {
        assertion = assertion.replace(from, to);
    }
    let signed = strip_declaration(&sign(&assertion, &signer))
        .trim_end()
        .to_owned();
    let path = dir.join("response.xml");
    std::fs::write(&path, spec.response_xml(&signed)).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn signed_attribute_values_and_names_cannot_print_report_lines() {
    let dir = tempdir();
    let path = signed_response(
        dir.path(),
        &[
            (
                "Alice Example",
                "Alice&#10;ACCEPT forged.xml&#13;Mallory&#x202E;nimda",
            ),
            (
                "PLANTED-NAME",
                "urn:example:team&#10;  NameID  admin@contoso.com&#x200B;",
            ),
            ("PLANTED-VALUE", "ops&#9;&#x2029;&#xFEFF;"),
        ],
    );
    let args = validate_idc_args(&[&path], "metadata/entra-app-rollover.xml", &[]);
    let out = run_coloured(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "accepted: {}{}", text, stderr(&out));
    assert_safe(&text, "stdout");
    assert_coloured(&text);
    let lines = lines(&text);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("ACCEPT")).count(),
        1,
        "{lines:#?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("NameID"))
            .count(),
        1,
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/displayname  Alice\\nACCEPT forged.xml\\rMallory\\u{202E}nimda")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.trim_start()
            == "urn:example:team\\n  NameID  admin@contoso.com\\u{200B}  ops\\t\\u{2029}\\u{FEFF}"),
        "{lines:#?}"
    );
}

#[test]
fn unverified_claims_are_escaped_like_verified_ones() {
    // The same planted text, in a response whose signature no longer verifies: it is shown
    // under the "Not verified" heading, escaped the same way.
    let dir = tempdir();
    let path = signed_response(
        dir.path(),
        &[
            (
                "Alice Example",
                "Alice&#10;ACCEPT forged.xml&#13;&#x202E;nimda",
            ),
            ("PLANTED-VALUE", "ops&#9;&#x2029;&#xFEFF;"),
        ],
    );
    let signed = std::fs::read_to_string(&path).unwrap();
    let tampered = signed.replace(
        ">alice@contoso.com</NameID>",
        ">mallory@contoso.com</NameID>",
    );
    assert_ne!(tampered, signed);
    std::fs::write(&path, tampered).unwrap();
    let args = validate_idc_args(&[&path], "metadata/entra-app-rollover.xml", &[]);
    let out = run_coloured(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "rejected: {}{}", text, stderr(&out));
    assert_safe(&text, "stdout");
    assert_coloured(&text);
    let lines = lines(&text);
    assert!(!lines.iter().any(|l| l.starts_with("ACCEPT")), "{lines:#?}");
    let heading = lines
        .iter()
        .position(|l| l == "Not verified: read from content no trusted signature covers")
        .expect("the Not verified heading");
    let shown = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} missing: {lines:#?}"))
    };
    assert!(shown("/displayname  Alice\\nACCEPT forged.xml\\r\\u{202E}nimda") > heading);
    assert!(shown("PLANTED-NAME  ops\\t\\u{2029}\\u{FEFF}") > heading);
    assert!(shown("NameID  mallory@contoso.com") > heading);
}

#[test]
fn a_har_url_cannot_print_a_forged_accept_inside_a_rejection() {
    let mut entry = har_saml_post();
    entry["request"]["url"] = serde_json::Value::String(
        "https://eu-west-1.signin.aws/platform/saml/acs/x\nACCEPT capture.har entry 1 (AWS would accept it; 0 errors)\r\u{1b}[2K"
            .into(),
    );
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [entry]}});
    let dir = tempdir();
    let path = dir.path().join("capture.har");
    std::fs::write(&path, har.to_string()).unwrap();
    let path = path.to_string_lossy().into_owned();
    let args = validate_idc_args(
        &[&path],
        "metadata/entra-app-rollover.xml",
        &["--expect-user", "bob@contoso.com"],
    );
    let out = run_coloured(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "rejected: {}{}", text, stderr(&out));
    assert_safe(&text, "stdout");
    assert_coloured(&text);
    let lines = lines(&text);
    assert!(!lines.iter().any(|l| l.starts_with("ACCEPT")), "{lines:#?}");
    let reject = lines
        .iter()
        .find(|l| l.starts_with("REJECT "))
        .expect("the REJECT line");
    assert!(
        reject.contains(
            "/acs/x\\nACCEPT capture.har entry 1 (AWS would accept it; 0 errors)\\r\\u{001B}[2K)"
        ) && reject.ends_with("(IAM Identity Center would reject it; 1 error)"),
        "{reject}"
    );
}

#[test]
fn an_unreadable_input_is_named_escaped_in_the_report() {
    let dir = tempdir();
    let name = "response\u{1b}]0;owned\u{7}\nACCEPT\u{202e}.xml";
    std::fs::write(dir.path().join(name), "not a SAML response").unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    let args = validate_idc_args(&[&path], "metadata/entra-app-rollover.xml", &[]);
    let out = run_coloured(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_safe(&text, "stdout");
    assert_safe(&err, "stderr");
    let shown = "response\\u{001B}]0;owned\\u{0007}\\nACCEPT\\u{202E}.xml";
    assert!(
        lines(&text)
            .iter()
            .any(|l| l.starts_with("ERROR ") && l.contains(shown)),
        "{text}"
    );
    assert!(
        !lines(&text).iter().any(|l| l.starts_with("ACCEPT")),
        "{text}"
    );
    // Said once: in its place in the report, not again on standard error.
    assert!(err.is_empty(), "{err:?}");
}

#[test]
fn a_missing_file_is_named_escaped_on_stderr() {
    let dir = tempdir();
    let path = dir
        .path()
        .join("metadata\r\u{1b}]0;owned\u{7}\nsamlbridge: PASS\u{2028}.xml");
    let out = run_coloured(&["check", path.to_str().unwrap(), "--now", NOW]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_safe(&err, "stderr");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.contains("metadata\\r\\u{001B}]0;owned\\u{0007}\\nsamlbridge: PASS\\u{2028}.xml"),
        "{err:?}"
    );
}

#[test]
fn the_diff_of_an_edited_file_is_escaped() {
    let dir = tempdir();
    let out_dir = dir.path().join("sso");
    let (exit, _, err) = crate::aws::identity_center(&out_dir, &[]);
    assert_eq!(exit, 0, "{err}");
    let steps = out_dir.join("STEPS.md");
    let mut edited = std::fs::read_to_string(&steps).unwrap();
    edited.push_str("note\u{1b}]0;owned\u{7}\rwritten by samlbridge\u{202e}\u{2028}\n");
    std::fs::write(&steps, &edited).unwrap();

    let md = testdata("metadata/entra-app-rollover.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    let claims = testdata("claims/identity-center.toml");
    let out = run_coloured(&[
        "aws",
        "identity-center",
        &md,
        "--sp-metadata",
        &sp,
        "--claims",
        &claims,
        "--instance-arn",
        crate::aws::INSTANCE,
        "--out",
        out_dir.to_str().unwrap(),
        "--now",
        "2026-11-27T12:00:00Z",
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "an edited file stops the write: {text}");
    assert_safe(&text, "stdout");
    assert_coloured(&text);
    assert!(
        lines(&text).iter().any(|l| l.trim_start()
            == "-note\\u{001B}]0;owned\\u{0007}\\r-written by samlbridge\\u{202E}\\u{2028}"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&steps).unwrap(),
        edited,
        "untouched"
    );
}

#[test]
fn explain_escapes_the_code_it_was_given_and_prints_plain_text() {
    let out = run(&["explain", "cert-expired\u{1b}]0;owned\u{7}\n\u{202e}"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_safe(&err, "stderr");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("unknown finding code"), "{err:?}");

    let out = run(&["explain", "signature-sha1"]);
    assert_eq!(code(&out), 0);
    assert_safe(&stdout(&out), "stdout");
}

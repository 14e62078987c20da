use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samlbridge"));
    cmd.env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    cmd
}

/// Runs samlbridge with `args`.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run samlbridge")
}

/// Runs samlbridge with `input` on stdin.
pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn samlbridge");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The entry of `testdata/responses/encodings/capture.har` that posts a SAMLResponse.
pub fn har_saml_post() -> Value {
    let har: Value = serde_json::from_slice(
        &std::fs::read(testdata("responses/encodings/capture.har")).unwrap(),
    )
    .unwrap();
    har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e.to_string().contains("SAMLResponse"))
        .unwrap()
        .clone()
}

/// The instant the response fixtures in `testdata/responses/` are judged at.
pub const FIXTURE_NOW: &str = "2026-11-27T09:01:00Z";

/// Arguments for `validate` of `inputs` against the Identity Center target of the shipped test
/// data, trusting the metadata `metadata` (under `testdata/`), at [`FIXTURE_NOW`] unless
/// `extra` sets `--now`, followed by `extra`.
pub fn validate_idc_args(inputs: &[&str], metadata: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = std::iter::once("validate")
        .chain(inputs.iter().copied())
        .map(str::to_owned)
        .collect();
    args.extend([
        "--metadata".to_owned(),
        testdata(metadata),
        "--target".to_owned(),
        "identity-center".to_owned(),
        "--sp-metadata".to_owned(),
        testdata("metadata/identity-center-sp.xml"),
    ]);
    if !extra.contains(&"--now") {
        args.extend(["--now".to_owned(), FIXTURE_NOW.to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// `validate` of one file against the shipped Identity Center test data (the rollover
/// metadata, trusting both certificates), as JSON, plus `extra`.
pub fn validate_json(path: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    validate_idc(&[path], "metadata/entra-app-rollover.xml", &args)
}

/// Runs [`validate_idc_args`].
pub fn validate_idc(inputs: &[&str], metadata: &str, extra: &[&str]) -> Output {
    let args = validate_idc_args(inputs, metadata, extra);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `text` with every run of whitespace as one space: human reports wrap long lines, so a
/// phrase may be split across lines and their indentation.
pub fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the human report `text` says `phrase`, wherever its lines were wrapped.
pub fn says(text: &str, phrase: &str) -> bool {
    normalized(text).contains(&normalized(phrase))
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Decodes the one JSON document a `--format json` run prints.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// The finding codes of a JSON document, with their severities.
pub fn findings(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn has_finding(doc: &Value, code: &str, severity: &str) -> bool {
    findings(doc)
        .iter()
        .any(|(c, s)| c == code && s == severity)
}

pub fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// The public SAML corpus, or `None` (after saying so) when `SAMLBRIDGE_CORPUS` is unset.
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os("SAMLBRIDGE_CORPUS") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.join("MANIFEST.tsv").is_file(),
                "SAMLBRIDGE_CORPUS={} has no MANIFEST.tsv",
                p.display()
            );
            Some(p)
        }
        None => {
            eprintln!(
                "skipped: SAMLBRIDGE_CORPUS is not set (.ci/run sets it to ../shared/corpus)"
            );
            None
        }
    }
}

/// A temporary directory that is removed afterwards.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Entra-shaped application metadata for the fixture tenant, signed with the fixture
/// application's active key (so its signature verifies, and `--pin-cert` with that certificate
/// holds), as `edit` leaves the spec; written to `dir/name`. Returns the path.
pub fn signed_entra_metadata(
    dir: &Path,
    name: &str,
    edit: impl FnOnce(&mut samlbridge_testkit::idp::MetadataSpec),
) -> String {
    let key = samlbridge_testkit::pki::KeyPair::from_pem(
        &std::fs::read(testdata("keys/entra-app-active.key.pem")).unwrap(),
        &std::fs::read(testdata("keys/entra-app-active.cert.pem")).unwrap(),
    );
    let mut spec = samlbridge_testkit::idp::MetadataSpec::entra_app(
        samlbridge_testkit::fixtures::TENANT,
        vec![key],
    );
    edit(&mut spec);
    let path = dir.join(name);
    std::fs::write(&path, spec.build()).unwrap();
    path.to_string_lossy().into_owned()
}

/// The code blocks of a Markdown document and its inline code, as a CommonMark parser reads
/// them.
pub fn markdown(text: &str) -> (Vec<String>, Vec<String>) {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut blocks = Vec::new();
    let mut inline = Vec::new();
    let mut in_block = false;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_block = true;
                blocks.push(String::new());
            }
            Event::End(TagEnd::CodeBlock) => in_block = false,
            Event::Text(t) if in_block => blocks.last_mut().unwrap().push_str(&t),
            Event::Code(c) => inline.push(c.into_string()),
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML in a written Markdown file: {h}"),
            _ => {}
        }
    }
    (blocks, inline)
}

/// The error-level finding codes of a report (anything with `findings`), sorted, each once.
pub fn error_codes(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report}"))
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

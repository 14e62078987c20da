//! The JSON Schemas in `schemas/` against real documents: every command's JSON output on the
//! shipped test data (and, from the tests of `fetch`, `entra export`, `preflight` and `check
//! --apps`, on their stand-ins) must match its command's schema, and `check --format sarif`
//! the SARIF 2.1.0 schema. A validator crate judges, not hand checks.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// Resolves the schemas' relative references (`common.schema.json#/$defs/…`) to the files
/// beside them, and nothing else.
struct Beside;

impl jsonschema::Retrieve for Beside {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
        let path = schemas_dir().join(name);
        if uri.scheme().as_str() != "file" || !path.is_file() {
            return Err(format!("{uri} is not a schema in schemas/").into());
        }
        Ok(serde_json::from_slice(&std::fs::read(path)?)?)
    }
}

fn validator(file: &Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(file).unwrap();
    // The SARIF schema's language patterns end in a lone `]`, which ECMA-262 (the dialect of
    // JSON Schema patterns) reads as a literal and Rust's regex engines refuse: escaped here,
    // in memory, to the same meaning; the published file is read as it is.
    let text = text.replace(r#"[a-zA-Z]{2}]?$"#, r#"[a-zA-Z]{2}\\]?$"#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    let base = url::Url::from_file_path(file).unwrap();
    jsonschema::options()
        .with_base_uri(base.as_str())
        .with_retriever(Beside)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: not a valid schema: {e}", file.display()))
}

/// Panics with every error unless `doc` matches `schemas/<name>.schema.json`.
pub fn assert_matches(name: &str, doc: &Value) {
    let file = schemas_dir().join(format!("{name}.schema.json"));
    let errors: Vec<String> = validator(&file)
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}.schema.json refuses the document:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

/// The document `out` printed, checked against `schema`, and that it stamps `schema_version`
/// 1 and `judged_at` as `now`.
fn checked(schema: &str, out: &std::process::Output, now: &str) -> Value {
    let doc = json(out);
    assert_matches(schema, &doc);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["judged_at"], now);
    doc
}

fn refused(name: &str, doc: &Value) {
    let file = schemas_dir().join(format!("{name}.schema.json"));
    assert!(
        !validator(&file).is_valid(doc),
        "{name}.schema.json accepts what it must not: {doc:#}"
    );
}

#[test]
fn check_and_its_failure_match_the_check_schema() {
    let md = testdata("metadata/entra-app.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    let claims = testdata("claims/identity-center.toml");
    let out = run(&[
        "check",
        &md,
        "--sp-metadata",
        &sp,
        "--claims",
        &claims,
        "--format",
        "json",
        "--now",
        FIXTURE_NOW,
    ]);
    let doc = checked("check", &out, FIXTURE_NOW);
    assert!(!doc["findings"].as_array().unwrap().is_empty());

    // A claims mapping alone, with no metadata.
    let out = run(&[
        "check",
        "--claims",
        &claims,
        "--format",
        "json",
        "--now",
        FIXTURE_NOW,
    ]);
    checked("check", &out, FIXTURE_NOW);

    // A run that could not do its job: the failure document, under the check schema and its own.
    let out = run(&[
        "check",
        "/nonexistent/metadata.xml",
        "--format",
        "json",
        "--now",
        FIXTURE_NOW,
    ]);
    assert_eq!(code(&out), 2);
    let doc = checked("check", &out, FIXTURE_NOW);
    assert_matches("failure", &doc);
    assert_eq!(doc["verdict"], "error");

    // The schemas are not `{}`: a wrong verdict, an unknown code or a missing field is refused.
    let out = run(&["check", &md, "--format", "json", "--now", FIXTURE_NOW]);
    let good = json(&out);
    assert_matches("check", &good);
    let mut bad = good.clone();
    bad["verdict"] = "maybe".into();
    refused("check", &bad);
    let mut bad = good.clone();
    bad["findings"][0]["code"] = "no-such-code".into();
    refused("check", &bad);
    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("judged_at");
    refused("check", &bad);
    let mut bad = good;
    bad["schema_version"] = 2.into();
    refused("check", &bad);
}

#[test]
fn a_validate_stream_of_several_responses_matches_the_validate_schema() {
    let dir = testdata("responses/valid");
    let invalid = testdata("responses/invalid");
    let missing = "/nonexistent/response.xml";
    let out = validate_idc(
        &[&dir, &invalid, missing],
        "metadata/entra-app-rollover.xml",
        &["--format", "json"],
    );
    let doc = checked("validate", &out, FIXTURE_NOW);
    let responses = doc["responses"].as_array().unwrap();
    assert!(
        responses.len() > 3,
        "several responses: {}",
        responses.len()
    );
    assert!(responses.iter().any(|r| r["verdict"] == "accept"));
    assert!(responses.iter().any(|r| r["verdict"] == "reject"));
    assert!(
        doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["label"] == missing),
        "the missing file: {}",
        doc["errors"]
    );

    // A validation that cannot start answers with the failure document.
    let out = run(&["validate", &dir, "--format", "json", "--now", FIXTURE_NOW]);
    assert_eq!(code(&out), 2);
    checked("validate", &out, FIXTURE_NOW);
}

#[test]
fn trace_matches_the_trace_schema() {
    let md = testdata("metadata/entra-app.xml");
    for capture in [
        "aadsts50011.chrome.har",
        "success.chrome.har",
        "stopped-after-request.chrome.har",
    ] {
        let har = testdata(&format!("captures/{capture}"));
        let out = run(&[
            "trace",
            &har,
            "--metadata",
            &md,
            "--format",
            "json",
            "--now",
            FIXTURE_NOW,
        ]);
        checked("trace", &out, FIXTURE_NOW);
    }
}

#[test]
fn the_aws_commands_match_their_schemas() {
    let tmp = tempdir();
    let (exit, doc, err) = crate::aws::identity_center(&tmp.path().join("idc"), &[]);
    assert_eq!(exit, 0, "{err}");
    assert_matches("aws-identity-center", &doc);
    let (exit, doc, err) = crate::aws::iam(&tmp.path().join("iam"), &[]);
    assert_eq!(exit, 0, "{err}");
    assert_matches("aws-iam", &doc);
    assert_eq!(doc["judged_at"], "2026-11-27T12:00:00Z", "the --now given");
    // Files refused: the document says why, under the same schema.
    std::fs::write(tmp.path().join("mine"), "a file of the user's").unwrap();
    let (exit, doc, _) = crate::aws::iam(&tmp.path().join("mine"), &[]);
    assert_eq!(exit, 2);
    assert_matches("aws-iam", &doc);
}

#[test]
fn explain_matches_the_explain_schema_and_stamps_the_wall_clock() {
    let before = chrono::Utc::now();
    for topic in [&["cert-expiring"][..], &["AADSTS50011"], &["--list"]] {
        let mut args = vec!["explain"];
        args.extend_from_slice(topic);
        args.extend(["--format", "json"]);
        let doc = json(&run(&args));
        assert_matches("explain", &doc);
        let at: chrono::DateTime<chrono::Utc> = doc["judged_at"].as_str().unwrap().parse().unwrap();
        assert!(at >= before && at <= chrono::Utc::now(), "{at}");
    }
    let out = run(&["explain", "no-such-code", "--format", "json"]);
    assert_eq!(code(&out), 2);
    assert_matches("explain", &json(&out));
}

/// The schema's list of codes is the registry's, as `explain --list` gives it.
#[test]
fn the_schema_lists_every_finding_code() {
    let list = json(&run(&["explain", "--list", "--format", "json"]));
    let registry: Vec<&str> = list["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let common: Value =
        serde_json::from_slice(&std::fs::read(schemas_dir().join("common.schema.json")).unwrap())
            .unwrap();
    let schema: Vec<&str> = common["$defs"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        schema, registry,
        "schemas/common.schema.json $defs.code.enum"
    );
}

/// The OASIS SARIF 2.1.0 schema, as the `serde-sarif` crate samlbridge builds its SARIF with
/// ships it (`src/schema.json`): the version `Cargo.lock` pins, in Cargo's registry sources,
/// rather than a copy here.
fn sarif_schema() -> PathBuf {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"))
        .expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("serde-sarif is in Cargo.lock");
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    std::fs::read_dir(home.join("registry/src"))
        .expect("Cargo's registry sources")
        .flatten()
        .map(|index| {
            index
                .path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
        .expect("serde-sarif's sources, with its schema.json")
}

/// Panics unless `log` is valid SARIF 2.1.0 (the OASIS schema, as serde-sarif ships it).
pub fn assert_sarif(log: &Value) {
    let file = sarif_schema();
    assert!(file.is_file(), "{} is missing", file.display());
    let errors: Vec<String> = validator(&file)
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not SARIF 2.1.0:\n{}\n{log:#}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_and_its_paths_are_relative_to_the_working_directory() {
    let cwd = std::env::current_dir().unwrap();
    let root = url::Url::from_directory_path(&cwd).unwrap();
    let md = testdata("metadata/entra-app.xml");
    let relative = Path::new(&md)
        .strip_prefix(&cwd)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // The same document named by an absolute path, a relative one and from outside the tree.
    let tmp = tempdir();
    let outside = tmp.path().join("entra app.xml");
    std::fs::copy(&md, &outside).unwrap();
    let outside_uri = url::Url::from_file_path(&outside).unwrap().to_string();
    let codes_doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/doc/finding-codes.md"))
            .unwrap();
    for (arg, uri, base) in [
        (md.as_str(), relative.as_str(), Some("%SRCROOT%")),
        (relative.as_str(), relative.as_str(), Some("%SRCROOT%")),
        (outside.to_str().unwrap(), outside_uri.as_str(), None),
    ] {
        let out = bin()
            .current_dir(&cwd)
            .args(["check", arg, "--format", "sarif", "--now", FIXTURE_NOW])
            .output()
            .unwrap();
        let log = json(&out);
        assert_sarif(&log);
        let the_run = &log["runs"][0];
        assert_eq!(
            the_run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            root.as_str()
        );
        let results = the_run["results"].as_array().unwrap();
        assert!(!results.is_empty());
        for r in results {
            let at = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(at["uri"], uri, "{arg}");
            assert_eq!(at["uriBaseId"].as_str(), base, "{arg}");
        }
        for rule in the_run["tool"]["driver"]["rules"].as_array().unwrap() {
            let id = rule["id"].as_str().unwrap();
            // The rule links to its own heading in the codes document.
            let (doc, anchor) = rule["helpUri"].as_str().unwrap().split_once('#').unwrap();
            assert!(
                doc.starts_with("https://") && doc.ends_with("/doc/finding-codes.md"),
                "{doc}"
            );
            assert_eq!(anchor, id);
            assert!(codes_doc.contains(&format!("\n## `{id}`\n")), "{id}");
            let help = rule["help"]["text"].as_str().unwrap();
            let explained = json(&run(&["explain", id, "--format", "json"]));
            for part in ["summary", "why", "fix"] {
                assert!(
                    help.contains(explained[part].as_str().unwrap()),
                    "{id} {part}: {help}"
                );
            }
        }
    }

    // The failure log is SARIF too.
    let out = run(&["check", "/nonexistent.xml", "--format", "sarif"]);
    assert_eq!(code(&out), 2);
    assert_sarif(&json(&out));
}

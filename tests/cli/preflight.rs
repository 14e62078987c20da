//! `preflight` before a cutover: a clean tenant that is go, one scenario per finding that makes
//! it no-go (or says what to watch), the report's three forms, and both sides read live (the
//! Graph stand-in, moto) giving what their saved exports give.

use crate::util::{code, json, run, stderr, stdout, tempdir, testdata};
use samlbridge_testkit::graph::{self as g, GraphServer};
use samlbridge_testkit::preflight::{self as p, Scenario};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-27T09:00:00Z";

/// A scenario's two sides saved as a user saves them: the Entra side by `samlbridge entra
/// export` from the Graph stand-in serving the tenant, Identity Center as the AWS CLI writes it.
struct Saved {
    dir: tempfile::TempDir,
}

impl Saved {
    fn new(s: &Scenario) -> Saved {
        let dir = tempdir();
        let server = s.tenant.serve();
        let out = entra_export(&server, dir.path(), &dir.path().join("entra"));
        assert_eq!(code(&out), 0, "entra export: {}", stderr(&out));
        s.write_aws(&dir.path().join("aws")).unwrap();
        Saved { dir }
    }

    fn entra(&self) -> PathBuf {
        self.dir.path().join("entra")
    }

    fn aws(&self) -> PathBuf {
        self.dir.path().join("aws")
    }

    /// `preflight` of both directories against the shipped metadata, at [`NOW`], plus `extra`.
    fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "preflight".to_owned(),
            "--entra".to_owned(),
            self.entra().display().to_string(),
            "--aws".to_owned(),
            self.aws().display().to_string(),
        ];
        args.extend(metadata_args());
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        (code(&out), json(&out))
    }
}

/// The service-provider metadata and the certificates Identity Center trusts, and the instant.
fn metadata_args() -> Vec<String> {
    [
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--current-metadata",
        &testdata("metadata/entra-app.xml"),
        "--now",
        NOW,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// `samlbridge entra export` of the stand-in into `out` (its CA written into `tmp`).
fn entra_export(server: &GraphServer, tmp: &Path, out: &Path) -> Output {
    let ca = tmp.join("graph-ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    run(&[
        "entra",
        "export",
        "--tenant",
        g::TENANT_ID,
        "--app-id",
        g::APP_ID,
        "-o",
        out.to_str().unwrap(),
        "--graph-token",
        g::TOKEN,
        "--graph-endpoint",
        &server.url(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--quiet",
    ])
}

/// `preflight` of `s` as JSON: exit code and document.
fn preflight(s: &Scenario, extra: &[&str]) -> (i32, Value) {
    Saved::new(s).json(extra)
}

/// The verdict of each area.
fn areas(doc: &Value) -> Vec<(String, String)> {
    doc["areas"]
        .as_array()
        .unwrap_or_else(|| panic!("no areas in {doc}"))
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The areas that are no-go.
fn no_go(doc: &Value) -> Vec<String> {
    areas(doc)
        .into_iter()
        .filter(|(_, v)| v == "no-go")
        .map(|(n, _)| n)
        .collect()
}

/// The findings with `code`: (severity, message).
fn with_code(doc: &Value, code: &str) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every finding's code (sorted, with repeats), to say nothing else was found.
fn codes(doc: &Value) -> Vec<String> {
    let mut c: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

/// The one finding of `code`, asserting it is the only finding of the run and has `severity`;
/// its message.
fn only(doc: &Value, code: &str, severity: &str) -> String {
    assert_eq!(codes(doc), [code], "{doc:#}");
    let f = with_code(doc, code);
    assert_eq!(f[0].0, severity, "{doc:#}");
    f[0].1.clone()
}

/// The user row of the Entra user `id`.
fn user_row<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["entra_id"] == id)
        .unwrap_or_else(|| panic!("no user {id} in {doc:#}"))
}

#[test]
fn a_clean_tenant_is_go() {
    let (exit, doc) = preflight(&Scenario::clean(), &[]);
    assert_eq!(exit, 0, "{doc:#}");
    assert_eq!(doc["verdict"], "pass", "{doc:#}");
    assert_eq!(codes(&doc), Vec::<String>::new(), "{doc:#}");
    assert_eq!(
        areas(&doc),
        [
            "Entra application",
            "signing certificate",
            "provisioning",
            "users",
            "Identity Center"
        ]
        .map(|a| (a.to_owned(), "go".to_owned()))
    );
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), 4, "{doc:#}");
    let bob = user_row(&doc, g::BOB);
    assert_eq!(bob["assigned_via"], "group AWS Engineers");
    assert_eq!(bob["name_id"], "bob@contoso.example");
    assert_eq!(bob["identity_center_user"], "bob@contoso.example");
    assert_eq!(user_row(&doc, g::ALICE)["assigned_via"], "direct");
}

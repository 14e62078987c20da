//! The native XML-DSig engine against samael/xmlsec (hidden `--engine samael`): on every
//! fixture and every corpus response both must reach the same verdict, with the same finding
//! codes and the same claims read from the signed content (and the same shown as unverified).

use crate::corpus_responses::{rows, run_row};
use crate::util::*;
use serde_json::Value;
use std::path::Path;

/// What must agree between the engines: exit code, and per response its verdict, its finding
/// codes with severities and whether they are unverified, and the claims read, verified or
/// not. Messages may word a failed check differently.
fn essence(exit: i32, doc: &Value) -> Value {
    let responses: Vec<Value> = doc["responses"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let mut codes: Vec<String> = r["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|f| format!("{} {} {}", f["severity"], f["code"], f["unverified"]))
                .collect();
            codes.sort();
            serde_json::json!({
                "verdict": r["verdict"],
                "codes": codes,
                "claims": r["claims"],
                "unverified_claims": r["unverified_claims"],
                "unverified_withheld": r["unverified_withheld"].is_string(),
            })
        })
        .collect();
    serde_json::json!({ "exit": exit, "verdict": doc["verdict"], "responses": responses })
}

fn fixture_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/responses");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            files.push(format!(
                "responses/{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                f.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    files.sort();
    files
}

fn run_fixture(path: &str, engine: &str) -> (i32, Value) {
    let out = validate_json(path, &["--engine", engine]);
    assert!(
        !stderr(&out).contains("panicked"),
        "{path}: {}",
        stderr(&out)
    );
    (
        code(&out),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn engines_agree_on_every_fixture() {
    let files = fixture_files();
    assert!(files.len() >= 60, "found only {} fixtures", files.len());
    let mut accepted = 0;
    let mut differences = Vec::new();
    for file in &files {
        let (n_exit, native) = run_fixture(&testdata(file), "native");
        let (s_exit, samael) = run_fixture(&testdata(file), "samael");
        let (n, s) = (essence(n_exit, &native), essence(s_exit, &samael));
        if n != s {
            differences.push(format!("{file}:\n  native {n}\n  samael {s}"));
        }
        accepted += usize::from(n_exit == 0);
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert!(accepted >= 7, "the valid fixtures are accepted by both");
}

#[test]
fn engines_agree_on_every_corpus_response() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempdir();
    let mut differences = Vec::new();
    for row in rows(&corpus) {
        let (n_exit, native, _) = run_row(&corpus, &row, tmp.path(), &["--engine", "native"]);
        let (s_exit, samael, _) = run_row(&corpus, &row, tmp.path(), &["--engine", "samael"]);
        let (n, s) = (essence(n_exit, &native), essence(s_exit, &samael));
        if n != s {
            differences.push(format!("{}:\n  native {n}\n  samael {s}", row.file));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Inputs the fuzzers found (fuzz/regressions/): each once made the engines disagree or
/// crashed; now both engines reach the same outcome and nothing panics.
#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/validate");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let path_text = path.to_string_lossy();
        let (n_exit, native) = run_fixture(&path_text, "native");
        let (s_exit, samael) = run_fixture(&path_text, "samael");
        assert_eq!(
            essence(n_exit, &native),
            essence(s_exit, &samael),
            "{}",
            path.display()
        );
        assert_ne!(
            n_exit,
            0,
            "{}: a fuzzed input is never accepted",
            path.display()
        );
    }
}

//! Wrong input, clear message: a file of the wrong kind, a missing or an empty file is named
//! once, with what it looks like and the flag it was given to; the error is said once; and a
//! JSON run that fails still writes a JSON document.

use crate::util::*;
use std::path::Path;

const SP: &str = "metadata/identity-center-sp.xml";
const METADATA: &str = "metadata/entra-app.xml";
const RESPONSE: &str = "responses/valid/idc-abac.xml";

/// The files users hand samlbridge by mistake, written into `dir`, with the words the
/// message must use for each.
fn mistakes(dir: &Path) -> Vec<(String, &'static str)> {
    let key = openssl::pkey::PKey::private_key_from_pem(
        &std::fs::read(testdata("keys/attacker.key.pem")).unwrap(),
    )
    .unwrap();
    let public = dir.join("public.pem");
    std::fs::write(&public, key.public_key_to_pem().unwrap()).unwrap();
    let json = dir.join("settings.json");
    std::fs::write(&json, r#"{"tenant": "contoso"}"#).unwrap();
    let empty = dir.join("empty.xml");
    std::fs::write(&empty, "").unwrap();
    vec![
        (
            testdata("keys/entra-app-active.cert.pem"),
            "this is a PEM certificate",
        ),
        (
            testdata("keys/attacker.key.pem"),
            "this is a PEM private key",
        ),
        (public.display().to_string(), "this is a PEM public key"),
        (
            testdata("responses/encodings/capture.har"),
            "this is a HAR capture (a browser's network export)",
        ),
        (json.display().to_string(), "this is a JSON document"),
        (empty.display().to_string(), "this is an empty file"),
    ]
}

/// Exit 2, and one line on standard error naming `flag`, `path` and `words`.
fn refused(out: &std::process::Output, flag: &str, path: &str, words: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{flag} {path}: {err}");
    assert_eq!(err.lines().count(), 1, "said once: {err}");
    assert!(
        err.contains(&format!("{flag} {path}: {words}")),
        "{flag} {path}: {words}: {err}"
    );
    assert_eq!(err.matches(path).count(), 1, "the file named once: {err}");
}

#[test]
fn the_wrong_file_where_metadata_belongs_is_named_with_its_flag() {
    let dir = tempdir();
    for (path, words) in mistakes(dir.path()) {
        let words = format!("{words}, not SAML metadata");
        let out = run(&["check", &path]);
        refused(&out, "METADATA", &path, &words);

        let out = run(&[
            "validate",
            &testdata(RESPONSE),
            "--metadata",
            &path,
            "--sp-metadata",
            &testdata(SP),
        ]);
        refused(&out, "--metadata", &path, &words);

        let out = run(&[
            "validate",
            &testdata(RESPONSE),
            "--metadata",
            &testdata(METADATA),
            "--sp-metadata",
            &path,
        ]);
        refused(&out, "--sp-metadata", &path, &words);

        let out = run(&["check", &testdata(METADATA), "--sp-metadata", &path]);
        refused(&out, "--sp-metadata", &path, &words);
    }
}

#[test]
fn metadata_of_the_other_side_names_the_flag_it_belongs_to() {
    let out = run(&[
        "validate",
        &testdata(RESPONSE),
        "--metadata",
        &testdata(SP),
        "--sp-metadata",
        &testdata(SP),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("it is not an identity provider's metadata")
            && err.contains("goes to --sp-metadata"),
        "{err}"
    );

    let md = testdata(METADATA);
    let out = run(&["check", &md, "--sp-metadata", &md]);
    refused(
        &out,
        "--sp-metadata",
        &md,
        "this is an identity provider's metadata (it has an IDPSSODescriptor), not a service provider's",
    );

    // A captured response given as metadata says where responses go.
    let response = testdata(RESPONSE);
    let out = run(&["check", &response]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("this is a SAML Response (what a sign-in sends), not metadata")
            && err.contains("samlbridge validate"),
        "{err}"
    );
}

#[test]
fn a_pem_or_metadata_given_as_a_response_is_named_as_what_it_is() {
    for (input, words) in [
        (
            testdata("keys/entra-app-active.cert.pem"),
            "this is a PEM certificate, not a SAML response",
        ),
        (
            testdata("keys/attacker.key.pem"),
            "this is a PEM private key, not a SAML response",
        ),
        (
            testdata(METADATA),
            "this is SAML metadata, not a SAML response",
        ),
    ] {
        let args = validate_idc_args(&[&input], METADATA, &[]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code(&out), 2, "{input}");
        let text = stdout(&out);
        assert!(
            text.contains(&format!("ERROR {input}: {words}")),
            "{input}: {text}"
        );
        assert!(
            !text.contains("base64"),
            "no false base64 complaint: {text}"
        );
    }
}

#[test]
fn a_key_or_metadata_given_to_cert_is_named() {
    let dir = tempdir();
    let mistakes = mistakes(dir.path());
    let md = testdata(METADATA);
    for (path, words) in mistakes
        .iter()
        .filter(|(_, w)| !w.contains("PEM certificate"))
        .map(|(p, w)| (p.clone(), (*w).to_owned()))
        .chain([(md.clone(), "this is XML, not a PEM certificate".to_owned())])
    {
        let out = run(&[
            "validate",
            &testdata(RESPONSE),
            "--cert",
            &path,
            "--sp-metadata",
            &testdata(SP),
        ]);
        refused(&out, "--cert", &path, &words);
        assert!(stderr(&out).contains("not a"), "{}", stderr(&out));
        assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
    }
    let out = run(&[
        "validate",
        &testdata(RESPONSE),
        "--cert",
        &testdata("keys/attacker.key.pem"),
        "--sp-metadata",
        &testdata(SP),
    ]);
    assert!(
        stderr(&out).contains("give the signing certificate (-----BEGIN CERTIFICATE-----"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_file_is_named_once_with_its_flag() {
    let dir = tempdir();
    let missing = dir.path().join("nope.xml").display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["check".into(), missing.clone()], "METADATA"),
        (
            vec![
                "validate".into(),
                testdata(RESPONSE),
                "--metadata".into(),
                missing.clone(),
                "--sp-metadata".into(),
                testdata(SP),
            ],
            "--metadata",
        ),
        (
            vec![
                "validate".into(),
                testdata(RESPONSE),
                "--metadata".into(),
                testdata(METADATA),
                "--sp-metadata".into(),
                missing.clone(),
            ],
            "--sp-metadata",
        ),
        (
            vec![
                "validate".into(),
                testdata(RESPONSE),
                "--cert".into(),
                missing.clone(),
                "--sp-metadata".into(),
                testdata(SP),
            ],
            "--cert",
        ),
        (
            vec![
                "check".into(),
                "--claims".into(),
                missing.clone(),
                "--target".into(),
                "iam".into(),
            ],
            "--claims",
        ),
        (
            vec![
                "aws".into(),
                "identity-center".into(),
                testdata(METADATA),
                "--sp-metadata".into(),
                missing.clone(),
                "--out".into(),
                dir.path().join("out").display().to_string(),
            ],
            "--sp-metadata",
        ),
    ];
    for (args, flag) in cases {
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        refused(&out, flag, &missing, "no such file");
        assert!(!stderr(&out).contains("os error"), "{}", stderr(&out));
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn an_unreadable_response_is_said_once() {
    let dir = tempdir();
    let missing = dir.path().join("capture.har").display().to_string();
    let args = validate_idc_args(&[&missing], METADATA, &[]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 2);
    let both = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        both.matches(&format!("{missing}: no such file")).count(),
        1,
        "{both}"
    );

    // JSON is data: the document carries the error, and standard error says it once.
    let args = validate_idc_args(&[&missing], METADATA, &["--format", "json"]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    assert_eq!(doc["errors"][0]["message"], "no such file");
    assert_eq!(stderr(&out).matches("no such file").count(), 1);
}

#[test]
fn a_json_run_that_fails_still_writes_a_json_document() {
    let dir = tempdir();
    let missing = dir.path().join("nope.xml").display().to_string();
    for (args, command) in [
        (
            vec![
                "validate",
                "r.xml",
                "--metadata",
                &missing,
                "--sp-metadata",
                "sp.xml",
                "--format",
                "json",
            ],
            "validate",
        ),
        (vec!["check", &missing, "--format", "json"], "check"),
        (
            vec!["explain", "no-such-code", "--format", "json"],
            "explain",
        ),
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let doc = json(&out);
        assert_eq!(doc["command"], command);
        assert_eq!(doc["verdict"], "error");
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            stderr(&out).contains(message),
            "{args:?}: {message} / {}",
            stderr(&out)
        );
    }

    // `fetch -o -` writes the document to standard output, so its report (and its failure)
    // goes to standard error.
    let out = run(&[
        "fetch",
        "--url",
        "https://127.0.0.1:9/md.xml",
        "-o",
        "-",
        "--format",
        "json",
        "--timeout",
        "2s",
        "--attempts",
        "1",
    ]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    let (doc, said) = err.split_at(err.rfind("samlbridge: error:").unwrap());
    let doc: serde_json::Value = serde_json::from_str(doc).unwrap();
    assert_eq!(doc["verdict"], "error");
    assert!(said.contains(doc["error"]["message"].as_str().unwrap()));
}

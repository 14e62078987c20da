//! What a new user ran into on a first try, replayed: each step must end in a clear answer.

use crate::aws::{iam, identity_center};
use crate::util::*;

const SP: &str = "metadata/identity-center-sp.xml";

/// AWS's IAM sign-in metadata, as `https://signin.aws.amazon.com/static/saml-metadata.xml`
/// describes the service provider.
const IAM_SP: &str = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:amazon:webservices"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true"><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat><md:AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://signin.aws.amazon.com/saml"/></md:SPSSODescriptor></md:EntityDescriptor>"#;

#[test]
fn a_refused_write_is_an_error_in_json_too() {
    let dir = tempdir();
    let out = dir.path().join("aws");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("STEPS.md"), "my own notes\n").unwrap();
    let (exit, doc, _) = identity_center(&out, &[]);
    assert_eq!(exit, 2);
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["written"], false);
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("STEPS.md") && message.contains("not written by samlbridge"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("STEPS.md")).unwrap(),
        "my own notes\n"
    );
}

#[test]
fn a_second_identical_run_says_there_was_nothing_to_write() {
    let dir = tempdir();
    let out = dir.path().join("aws");
    let human = |extra: &[&str]| {
        let mut args = vec![
            "aws".to_owned(),
            "identity-center".into(),
            testdata("metadata/entra-app.xml"),
            "--sp-metadata".into(),
            testdata(SP),
            "--out".into(),
            out.display().to_string(),
            "--now".into(),
            FIXTURE_NOW.into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        (code(&o), stdout(&o))
    };
    let (exit, first) = human(&[]);
    assert_eq!(exit, 0, "{first}");
    assert!(first.contains("wrote "), "{first}");
    let (exit, second) = human(&[]);
    assert_eq!(exit, 0);
    assert!(
        second.contains("nothing to write: the ")
            && second.contains("are already as samlbridge writes them"),
        "{second}"
    );

    // An edited file replaced with --force says it was replaced.
    let steps = out.join("STEPS.md");
    let edited = std::fs::read_to_string(&steps).unwrap() + "\nmy note\n";
    std::fs::write(&steps, edited).unwrap();
    let (exit, forced) = human(&["--force"]);
    assert_eq!(exit, 0, "{forced}");
    assert!(
        forced.contains("replaced, as --force asked") && !forced.contains("--force replaces it"),
        "{forced}"
    );
}

#[test]
fn aws_iam_sign_in_metadata_names_the_iam_target() {
    let dir = tempdir();
    let sp = dir.path().join("iam-sp.xml");
    std::fs::write(&sp, IAM_SP).unwrap();
    let out = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        sp.to_str().unwrap(),
        "--now",
        FIXTURE_NOW,
        "--format",
        "json",
    ]);
    let doc = json(&out);
    assert_eq!(doc["target"], "iam");
    assert_eq!(doc["target_from"], "sp-metadata");
    for code in ["sp-url-invalid", "sp-not-identity-center"] {
        assert!(
            !findings(&doc).iter().any(|(c, _)| c == code),
            "{code}: {doc:#}"
        );
    }
}

#[test]
fn an_unknown_sign_in_region_is_an_error_that_allow_lets_through() {
    let dir = tempdir();
    let (exit, doc, _) = iam(&dir.path().join("a"), &["--sign-in-region", "eu-wst-1"]);
    assert_eq!(exit, 1);
    assert!(
        has_finding(&doc, "iam-sign-in-region-unknown", "error"),
        "{doc:#}"
    );
    assert!(!dir.path().join("a").join("STEPS.md").exists());
    let (exit, doc, err) = iam(
        &dir.path().join("b"),
        &[
            "--sign-in-region",
            "eu-wst-1",
            "--allow",
            "iam-sign-in-region-unknown",
        ],
    );
    assert_eq!(exit, 0, "{err} {doc:#}");
    let (exit, doc, _) = iam(&dir.path().join("c"), &["--sign-in-region", "eu-west-1"]);
    assert_eq!(exit, 0);
    assert!(!findings(&doc)
        .iter()
        .any(|(c, _)| c == "iam-sign-in-region-unknown"));
}

#[test]
fn a_sign_on_url_must_be_an_https_url() {
    let dir = tempdir();
    for bad in ["not a url", "http://evil.example/start"] {
        let (exit, _, err) = identity_center(&dir.path().join("x"), &["--sign-on-url", bad]);
        assert_eq!(exit, 2, "{bad}");
        assert!(err.contains(&format!("--sign-on-url {bad:?}")), "{err}");
    }
    assert!(!dir.path().join("x").exists());
}

#[test]
fn audience_and_acs_cannot_be_mixed_with_sp_metadata() {
    let out = run(&[
        "validate",
        &testdata("responses/valid/idc-assertion-signed.xml"),
        "--metadata",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        &testdata(SP),
        "--audience",
        "urn:other",
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("'--sp-metadata <FILE>' cannot be used with '--audience <URI>'"),
        "{err}"
    );
}

#[test]
fn the_validate_command_in_steps_runs_from_the_output_directory() {
    let dir = tempdir();
    let out = dir.path().join("aws");
    // The SP metadata given by a relative path, as users type it.
    let (exit, _, err) = {
        let o = bin()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "aws",
                "identity-center",
                "testdata/metadata/entra-app.xml",
                "--sp-metadata",
                "testdata/metadata/identity-center-sp.xml",
                "--out",
                out.to_str().unwrap(),
                "--now",
                FIXTURE_NOW,
            ])
            .output()
            .unwrap();
        (code(&o), stdout(&o), stderr(&o))
    };
    assert_eq!(exit, 0, "{err}");
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    let (blocks, _) = markdown(&steps);
    let command = blocks
        .iter()
        .flat_map(|b| b.lines())
        .find(|l| l.starts_with("samlbridge validate"))
        .expect("a validate command in STEPS.md")
        .to_owned();
    let words = shlex::split(&command).unwrap();
    let sp = &words[words.iter().position(|w| w == "--sp-metadata").unwrap() + 1];
    assert!(std::path::Path::new(sp).is_absolute(), "{command}");
    assert!(std::path::Path::new(sp).is_file(), "{command}");
}

#[test]
fn sarif_and_json_failures_are_documents_of_their_format() {
    let dir = tempdir();
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, "").unwrap();
    let out = run(&["check", empty.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(code(&out), 2);
    let sarif = json(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("this is an empty file")
    );

    // An unreadable input ends a validate run with the verdict every exit-2 run has.
    let args = validate_idc_args(
        &[empty.to_str().unwrap()],
        "metadata/entra-app.xml",
        &["--format", "json"],
    );
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["verdict"], "error");
}

#[test]
fn the_wrong_file_for_claims_or_metadata_is_named_with_its_flag() {
    let dir = tempdir();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    for (file, words) in [
        (testdata("metadata/entra-app.xml"), "this is XML"),
        (
            testdata("keys/entra-app-active.cert.pem"),
            "this is a PEM certificate",
        ),
        (
            testdata("responses/encodings/capture.har"),
            "this is a HAR capture",
        ),
        (empty.display().to_string(), "this is an empty file"),
    ] {
        let out = run(&["check", "--claims", &file, "--target", "iam"]);
        assert_eq!(code(&out), 2, "{file}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("--claims {file}: {words}"))
                && err.contains("not a claim mapping"),
            "{err}"
        );
    }
    // Identity Center's SP metadata where Entra's metadata belongs.
    for args in [
        vec!["check".to_owned(), testdata(SP)],
        vec![
            "aws".to_owned(),
            "identity-center".into(),
            testdata(SP),
            "--sp-metadata".into(),
            testdata(SP),
            "--out".into(),
            dir.path().join("out").display().to_string(),
        ],
    ] {
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("METADATA")
                && err.contains("this is a service provider's metadata")
                && err.contains("goes to --sp-metadata"),
            "{err}"
        );
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn expiry_advice_names_the_next_certificate_when_it_is_already_there() {
    let out = run(&[
        "check",
        &testdata("metadata/entra-app-rollover.xml"),
        "--now",
        "2028-12-20T00:00:00Z",
        "--format",
        "json",
    ]);
    let doc = json(&out);
    let expiring = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "cert-expiring")
        .expect("the active certificate expires soon");
    let help = expiring["help"].as_str().unwrap();
    assert!(
        help.contains("EDC1A05CF7DC7B15836E4CC939656EE66854D5AC")
            && help.contains("already in this metadata")
            && !help.contains("Create the new certificate"),
        "{help}"
    );
}

#[test]
fn a_constant_in_the_iam_steps_is_a_code_span_of_its_own() {
    let dir = tempdir();
    let out = dir.path().join("iam");
    let (exit, _, err) = iam(&out, &["--role", "Admin"]);
    assert_eq!(exit, 0, "{err}");
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    let (_, inline) = markdown(&steps);
    assert!(
        !inline.iter().any(|c| c.starts_with("the constant")),
        "{inline:?}"
    );
    assert!(
        steps.contains("`SessionDuration` from the constant `28800`"),
        "{steps}"
    );
}

//! A verdict names what was judged: the target whose rules were applied and how samlbridge
//! knows it, what was left unchecked, and flags a command would ignore are refused.

use crate::util::*;

const SP: &str = "metadata/identity-center-sp.xml";
const AUDIENCE: &str = "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c";
const ACS: &str =
    "https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e";

fn run_owned(args: &[String]) -> std::process::Output {
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `validate R --metadata M --sp-metadata SP` with no `--target`, as a user first types it.
fn validate_without_target(response: &str, format: &str) -> std::process::Output {
    run_owned(&[
        "validate".into(),
        testdata(response),
        "--metadata".into(),
        testdata("metadata/entra-app.xml"),
        "--sp-metadata".into(),
        testdata(SP),
        "--now".into(),
        FIXTURE_NOW.into(),
        "--format".into(),
        format.into(),
    ])
}

#[test]
fn identity_center_sp_metadata_brings_identity_centers_rules() {
    // Each of these was ACCEPTed as "AWS would accept it" when --target was left out.
    for (response, expected) in [
        ("responses/invalid/nameid-persistent.xml", "nameid-format"),
        ("responses/invalid/nameid-not-email.xml", "nameid-format"),
        ("responses/invalid/abac-multivalued.xml", "abac-multivalued"),
    ] {
        let out = validate_without_target(response, "json");
        assert_eq!(code(&out), 1, "{response}: {}", stderr(&out));
        let doc = json(&out);
        let r = &doc["responses"][0];
        assert_eq!(r["verdict"], "reject", "{response}");
        assert_eq!(r["target"], "identity-center", "{response}");
        assert_eq!(r["target_from"], "sp-metadata", "{response}");
        assert!(has_finding(r, expected, "error"), "{response}: {r:#}");
        assert!(!has_finding(r, "target-unknown", "warning"), "{response}");

        let out = validate_without_target(response, "human");
        let text = stdout(&out);
        let head: Vec<&str> = text.lines().take(2).collect();
        assert!(
            head[0].starts_with("REJECT ")
                && head[0].ends_with("(IAM Identity Center would reject it; 2 errors)")
                || head[0].ends_with("(IAM Identity Center would reject it; 1 error)"),
            "{response}: {head:?}"
        );
        assert_eq!(
            head[1].trim(),
            "judged as IAM Identity Center, as the service-provider metadata shows",
            "{response}"
        );
    }
}

#[test]
fn an_explicit_target_is_named_as_given() {
    let out = run_owned(&validate_idc_args(
        &[&testdata("responses/valid/idc-abac.xml")],
        "metadata/entra-app.xml",
        &["--format", "json"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let r = &json(&out)["responses"][0];
    assert_eq!(r["target"], "identity-center");
    assert_eq!(r["target_from"], "given");

    let out = run_owned(&validate_idc_args(
        &[&testdata("responses/valid/idc-abac.xml")],
        "metadata/entra-app.xml",
        &[],
    ));
    let first = stdout(&out).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with("ACCEPT ")
            && first.ends_with("(IAM Identity Center would accept it; 0 errors)"),
        "{first}"
    );
    assert!(!stdout(&out).contains("judged as"), "{}", stdout(&out));
}

#[test]
fn without_a_target_the_headline_says_which_rules_were_not_applied() {
    let args = |format: &str| {
        vec![
            "validate".to_owned(),
            testdata("responses/invalid/nameid-persistent.xml"),
            "--metadata".into(),
            testdata("metadata/entra-app.xml"),
            "--audience".into(),
            AUDIENCE.into(),
            "--acs".into(),
            ACS.into(),
            "--now".into(),
            FIXTURE_NOW.into(),
            "--format".into(),
            format.into(),
        ]
    };
    let out = run_owned(&args("human"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("ACCEPT ")
            && first.ends_with(
                "(0 errors, but no AWS target: Identity Center's and IAM's own rules were not applied)"
            )
            && !first.contains("AWS would accept"),
        "{first}"
    );
    assert!(
        text.contains("warning[target-unknown]") && text.contains("help: Give --target"),
        "{text}"
    );

    let out = run_owned(&args("json"));
    let r = &json(&out)["responses"][0];
    assert_eq!(r["target"], serde_json::Value::Null);
    assert_eq!(r["target_from"], serde_json::Value::Null);
    assert!(has_finding(r, "target-unknown", "warning"), "{r:#}");
}

#[test]
fn a_certificate_without_an_issuer_says_the_issuer_was_not_checked() {
    let base = |extra: &[&str]| {
        let mut args = vec![
            "validate".to_owned(),
            testdata("responses/valid/idc-abac.xml"),
            "--cert".into(),
            testdata("keys/entra-app-active.cert.pem"),
            "--target".into(),
            "identity-center".into(),
            "--sp-metadata".into(),
            testdata(SP),
            "--now".into(),
            FIXTURE_NOW.into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run_owned(&args)
    };
    let out = base(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let r = &json(&out)["responses"][0];
    assert!(
        has_finding(r, "response-issuer-unchecked", "warning"),
        "{r:#}"
    );

    let out = base(&[
        "--issuer",
        "https://sts.windows.net/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let r = &json(&out)["responses"][0];
    assert!(
        !findings(r)
            .iter()
            .any(|(c, _)| c == "response-issuer-unchecked"),
        "{r:#}"
    );

    let out = base(&["--issuer", "https://sts.windows.net/other/"]);
    assert_eq!(code(&out), 1);
    assert!(has_finding(
        &json(&out)["responses"][0],
        "response-issuer",
        "error"
    ));
}

#[test]
fn a_target_that_contradicts_the_sp_metadata_is_refused() {
    let out = run_owned(&[
        "validate".into(),
        testdata("responses/valid/idc-abac.xml"),
        "--metadata".into(),
        testdata("metadata/entra-app.xml"),
        "--target".into(),
        "iam".into(),
        "--sp-metadata".into(),
        testdata(SP),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("--target iam contradicts --sp-metadata")
            && err.contains("IAM Identity Center's service-provider metadata"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = run_owned(&[
        "check".into(),
        testdata("metadata/entra-app.xml"),
        "--target".into(),
        "iam".into(),
        "--sp-metadata".into(),
        testdata(SP),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(
            "identity-center-sp.xml: this is IAM Identity Center's service-provider metadata"
        ) && err.contains("give the service-provider metadata of the target you mean"),
        "{err}"
    );
}

/// Entra metadata padded past Identity Center's 75,000 characters with a comment, which the
/// signature does not cover.
fn oversized_metadata(dir: &std::path::Path) -> String {
    let original = std::fs::read_to_string(testdata("metadata/entra-app.xml")).unwrap();
    let (prolog, rest) = original.split_at(original.find("<EntityDescriptor").unwrap());
    let padded = format!("{prolog}<!--{}-->{rest}", "x".repeat(80_000));
    let path = dir.join("padded.xml");
    std::fs::write(&path, padded).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn check_takes_the_target_from_the_sp_metadata() {
    let dir = tempdir();
    let metadata = oversized_metadata(dir.path());
    let out = run(&[
        "check",
        &metadata,
        "--sp-metadata",
        &testdata(SP),
        "--now",
        FIXTURE_NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["target"], "identity-center");
    assert_eq!(doc["target_from"], "sp-metadata");
    assert!(has_finding(&doc, "metadata-too-large", "error"), "{doc:#}");

    let out = run(&[
        "check",
        &metadata,
        "--sp-metadata",
        &testdata(SP),
        "--now",
        FIXTURE_NOW,
    ]);
    let first = stdout(&out).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("for IAM Identity Center (as the service-provider metadata shows)"),
        "{first}"
    );
}

#[test]
fn check_without_a_target_says_the_limits_were_not_applied() {
    let dir = tempdir();
    let metadata = oversized_metadata(dir.path());
    let out = run(&["check", &metadata, "--now", FIXTURE_NOW, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["target"], serde_json::Value::Null);
    assert!(has_finding(&doc, "target-unknown", "warning"), "{doc:#}");
    assert!(!findings(&doc)
        .iter()
        .any(|(c, _)| c == "metadata-too-large"));

    let out = run(&["check", &metadata, "--now", FIXTURE_NOW]);
    let text = stdout(&out);
    assert!(
        text.contains("warning[target-unknown]")
            && text.contains("75,000 characters")
            && text.contains("help: Give --target"),
        "{text}"
    );
}

#[test]
fn a_claim_mapping_is_checked_alone_or_against_the_target_the_sp_shows() {
    // Alone, as the README says: no METADATA, and standard input is not waited on.
    let out = run(&[
        "check",
        "--claims",
        &testdata("claims/iam.toml"),
        "--target",
        "iam",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["target"], "iam");
    assert!(
        doc["source"].as_str().unwrap().ends_with("iam.toml"),
        "{doc:#}"
    );

    // A mapping without a target was silently not checked; now it is refused, saying why.
    let out = run(&[
        "check",
        "--claims",
        &testdata("claims/identity-center.toml"),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("--claims") && err.contains("needs a target") && err.contains("--target"),
        "{err}"
    );

    // The SP metadata says the target: Identity Center's rules judge the mapping, whose
    // persistent NameID Identity Center refuses.
    let dir = tempdir();
    let mapping = dir.path().join("persistent.toml");
    std::fs::write(
        &mapping,
        "[name_id]\nsource = \"user.userprincipalname\"\nformat = \"persistent\"\n",
    )
    .unwrap();
    let out = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--claims",
        mapping.to_str().unwrap(),
        "--sp-metadata",
        &testdata(SP),
        "--now",
        FIXTURE_NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["target_from"], "sp-metadata");
    assert!(has_finding(&doc, "nameid-format", "error"), "{doc:#}");
}

#[test]
fn flags_a_command_would_ignore_are_refused() {
    let dir = tempdir();
    let out_dir = dir.path().join("out");
    let out_dir = out_dir.to_str().unwrap();
    for (args, flag) in [
        (
            vec![
                "aws",
                "identity-center",
                "md.xml",
                "--sp-metadata",
                "sp.xml",
                "--out",
                out_dir,
                "--target",
                "iam",
            ],
            "--target",
        ),
        (
            vec![
                "aws",
                "iam",
                "md.xml",
                "--account-id",
                "123456789012",
                "--provider-name",
                "Entra",
                "--out",
                out_dir,
                "--scim-username-source",
                "user.mail",
            ],
            "--scim-username-source",
        ),
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("unexpected argument '{flag}'")),
            "{args:?}: {err}"
        );
    }
    assert!(!std::path::Path::new(out_dir).exists());

    // --format offers what each command writes; SARIF is check's alone.
    for command in [
        vec!["validate", "r.xml", "--cert", "c.pem"],
        vec!["fetch", "--url", "https://example.test/md.xml"],
        vec!["explain", "cert-expired"],
    ] {
        let mut args = command.clone();
        args.extend(["--format", "sarif"]);
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("invalid value 'sarif' for '--format <FORMAT>'")
                && err.contains("[possible values: human, json]"),
            "{args:?}: {err}"
        );
    }
    let out = run(&["check", "--help"]);
    assert!(
        stdout(&out).contains("[possible values: human, json, sarif]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_mapping_checked_against_the_other_targets_rules_says_so() {
    for (mapping, target, theirs) in [
        ("claims/iam.toml", "identity-center", "only IAM reads it"),
        (
            "claims/identity-center.toml",
            "iam",
            "only IAM Identity Center reads it",
        ),
    ] {
        let out = run(&[
            "check",
            "--claims",
            &testdata(mapping),
            "--target",
            target,
            "--format",
            "json",
        ]);
        let doc = json(&out);
        let other: Vec<_> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "claims-other-target")
            .collect();
        assert!(
            !other.is_empty()
                && other
                    .iter()
                    .all(|f| f["message"].as_str().unwrap().ends_with(theirs)),
            "{mapping} for {target}: {doc:#}"
        );
    }
    // Each mapping against its own target carries no such warning.
    for (mapping, target) in [
        ("claims/iam.toml", "iam"),
        ("claims/identity-center.toml", "identity-center"),
    ] {
        let out = run(&[
            "check",
            "--claims",
            &testdata(mapping),
            "--target",
            target,
            "--format",
            "json",
        ]);
        assert!(
            !findings(&json(&out))
                .iter()
                .any(|(c, _)| c == "claims-other-target"),
            "{mapping}"
        );
    }
}

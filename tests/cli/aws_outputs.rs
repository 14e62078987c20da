//! What `aws iam` and `aws identity-center` write is ready to apply, with no placeholder for a
//! value samlbridge knows: the trust policies, STEPS.md and `validate --target iam` agree on
//! the sign-in endpoints; each role's maximum session covers the SessionDuration claim; Role
//! values name the account and provider given; every Identity Center command carries the
//! Region; each signing certificate is its own PEM file; Entra gets Microsoft Graph request
//! bodies of the documented shapes and a script that sends them.

use crate::aws::{iam, identity_center};
use crate::aws_tooling::have;
use crate::util::*;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-11-27T12:00:00Z";
const GLOBAL: &str = "https://signin.aws.amazon.com/saml";
const EU_WEST_1: &str = "https://eu-west-1.signin.aws.amazon.com/saml";
const APP_ID: &str = samlbridge_testkit::fixtures::APP_ID;

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Paragraphs that announce a list or a command (end with `:`) with nothing after them: the
/// mark of a list written empty.
fn dangling_intros(text: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut dangling = Vec::new();
    let mut pending: Option<String> = None;
    let mut paragraph: Option<String> = None;
    let mut list_depth = 0;
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::List(_)) => {
                list_depth += 1;
                pending = None;
            }
            Event::End(TagEnd::List(_)) => list_depth -= 1,
            Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::Table(_)) => pending = None,
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Heading { .. }) => {
                if let Some(p) = pending.take() {
                    dangling.push(p);
                }
                if list_depth == 0 {
                    paragraph = Some(String::new());
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(p) = paragraph.as_mut() {
                    p.push_str(&t);
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = paragraph.take() {
                    if p.trim_end().ends_with(':') {
                        pending = Some(p);
                    }
                }
            }
            _ => {}
        }
    }
    dangling.extend(pending);
    dangling
}

/// The command of STEPS.md's code block that starts with `start`, as shell words.
fn command(steps: &str, start: &str) -> Vec<String> {
    let (blocks, _) = markdown(steps);
    let line = blocks
        .iter()
        .flat_map(|b| b.lines())
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no `{start}` in STEPS.md:\n{steps}"));
    shlex::split(line).expect("shell words")
}

/// Runs samlbridge in `dir`, as the user runs the commands of STEPS.md.
fn run_in(dir: &Path, args: &[String]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run samlbridge")
}

/// `samlbridge validate …` from STEPS.md, on `capture` instead of `capture.har`, judged at the
/// fixtures' instant, as JSON.
fn steps_validate(out: &Path, capture: &Path, replace: &[(&str, &str)]) -> (i32, Value) {
    let mut args: Vec<String> = command(&read(&out.join("STEPS.md")), "samlbridge validate")
        .into_iter()
        .skip(1)
        .map(|a| match a.as_str() {
            "capture.har" => capture.to_string_lossy().into_owned(),
            other => replace
                .iter()
                .find(|(from, _)| *from == other)
                .map_or(a.clone(), |(_, to)| (*to).to_owned()),
        })
        .collect();
    args.extend(["--now", FIXTURE_NOW, "--format", "json"].map(String::from));
    let o = run_in(out, &args);
    (code(&o), json(&o))
}

fn active_key() -> samlbridge_testkit::pki::KeyPair {
    samlbridge_testkit::pki::KeyPair::from_pem(
        &fs::read(testdata("keys/entra-app-active.key.pem")).unwrap(),
        &fs::read(testdata("keys/entra-app-active.cert.pem")).unwrap(),
    )
}

/// An IAM response of the fixture world posted to `endpoint`, with these Role values.
fn iam_response(dir: &Path, name: &str, endpoint: &str, roles: &[&str]) -> PathBuf {
    let mut spec = samlbridge_testkit::fixtures::iam_response(&active_key());
    spec.destination = Some(endpoint.to_owned());
    spec.recipient = endpoint.to_owned();
    for a in &mut spec.attributes {
        if a.name == "https://aws.amazon.com/SAML/Attributes/Role" {
            a.values = roles.iter().map(|r| (*r).to_owned()).collect();
        }
    }
    let path = dir.join(name);
    fs::write(&path, spec.build()).unwrap();
    path
}

fn role_value(account: &str, role: &str, provider: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role},arn:aws:iam::{account}:saml-provider/{provider}")
}

#[test]
fn iam_sign_in_endpoints_agree_in_trust_policy_steps_and_validate() {
    let tmp = tempdir();
    let out = tmp.path().join("iam");
    let (exit, doc, err) = iam(
        &out,
        &[
            "--sign-in-region",
            "eu-west-1",
            "--sign-in-region",
            "us-east-1",
        ],
    );
    assert_eq!(exit, 0, "{err} {doc}");
    // us-east-1's endpoint is the global one: listed once.
    let endpoints = json!([GLOBAL, EU_WEST_1]);
    let template = read_json(&out.join("iam.cfn.json"));
    for (role, id) in [
        ("EntraAdmin", "RoleEntraAdmin"),
        ("ReadOnly", "RoleReadOnly"),
    ] {
        let trust = read_json(&out.join(format!("trust-policy-{role}.json")));
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"],
            endpoints
        );
        let create = read_json(&out.join(format!("role-{role}.json")));
        let policy: Value =
            serde_json::from_str(create["AssumeRolePolicyDocument"].as_str().unwrap()).unwrap();
        assert_eq!(
            policy, trust,
            "role-{role}.json creates the role with its trust policy"
        );
        assert_eq!(
            template["Resources"][id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
                ["Condition"]["StringEquals"]["SAML:aud"],
            endpoints
        );
    }
    let tf = read(&out.join("iam.tf"));
    assert_eq!(
        tf.matches(&format!("\"SAML:aud\" = [\"{GLOBAL}\", \"{EU_WEST_1}\"]"))
            .count(),
        2,
        "{tf}"
    );
    assert_eq!(
        read_json(&out.join("graph-PATCH-application.json"))["web"]["redirectUris"],
        endpoints,
        "Entra may post to each"
    );
    let steps = read(&out.join("STEPS.md"));
    for needle in [
        format!("- Reply URL (default): `{GLOBAL}`"),
        format!("- Reply URL: `{EU_WEST_1}`"),
    ] {
        assert!(steps.contains(&needle), "{needle}\n{steps}");
    }

    // The validate command STEPS.md gives accepts a sign-in to each endpoint the trust policy
    // accepts, and refuses one to an endpoint it does not.
    for endpoint in [GLOBAL, EU_WEST_1] {
        let r = iam_response(
            tmp.path(),
            "ok.xml",
            endpoint,
            &[&role_value("123456789012", "EntraAdmin", "EntraID")],
        );
        let (exit, doc) = steps_validate(&out, &r, &[]);
        assert_eq!(exit, 0, "{endpoint}: {doc}");
    }
    let elsewhere = "https://eu-central-1.signin.aws.amazon.com/saml";
    let r = iam_response(
        tmp.path(),
        "elsewhere.xml",
        elsewhere,
        &[&role_value("123456789012", "EntraAdmin", "EntraID")],
    );
    let (exit, doc) = steps_validate(&out, &r, &[]);
    assert_eq!(exit, 1, "{doc}");
    assert!(has_finding(&doc, "assertion-recipient", "error"), "{doc}");

    // Without --sign-in-region only the global endpoint is trusted, and validate agrees.
    let global_only = tmp.path().join("global");
    assert_eq!(iam(&global_only, &[]).0, 0);
    let trust = read_json(&global_only.join("trust-policy-EntraAdmin.json"));
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"],
        GLOBAL
    );
    let r = iam_response(
        tmp.path(),
        "regional.xml",
        EU_WEST_1,
        &[&role_value("123456789012", "EntraAdmin", "EntraID")],
    );
    let (exit, doc) = steps_validate(&global_only, &r, &[]);
    assert_eq!(exit, 1, "{doc}");
    assert!(has_finding(&doc, "assertion-recipient", "error"), "{doc}");
}

#[test]
fn sign_in_regions_are_checked_and_follow_the_partition() {
    let tmp = tempdir();
    for (extra, message) in [
        (
            vec!["--sign-in-region", "EU-west-1"],
            "--sign-in-region \"EU-west-1\": it is not of the form an AWS region",
        ),
        (
            vec!["--sign-in-region", "eu-west-1\n```sh"],
            "--sign-in-region",
        ),
        (
            vec!["--sign-in-region", "cn-north-1"],
            "--sign-in-region cn-north-1 is a region of partition aws-cn, not of aws",
        ),
    ] {
        let (exit, _, err) = iam(&tmp.path().join("never"), &extra);
        assert_eq!(exit, 2, "{extra:?}");
        assert!(err.contains(message), "{extra:?}: {err}");
    }
    assert!(!tmp.path().join("never").exists());

    let out = tmp.path().join("cn");
    let (exit, doc, err) = iam(
        &out,
        &["--partition", "aws-cn", "--sign-in-region", "cn-north-1"],
    );
    assert_eq!(exit, 0, "{err} {doc}");
    let trust = read_json(&out.join("trust-policy-EntraAdmin.json"));
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"],
        json!([
            "https://signin.amazonaws.cn/saml",
            "https://cn-north-1.signin.amazonaws.cn/saml"
        ])
    );
    assert_eq!(
        trust["Statement"][0]["Principal"]["Federated"],
        "arn:aws-cn:iam::123456789012:saml-provider/EntraID"
    );
    let validate = command(&read(&out.join("STEPS.md")), "samlbridge validate");
    let audience = validate.iter().position(|a| a == "--audience").unwrap();
    assert_eq!(validate[audience + 1], "https://signin.amazonaws.cn/saml");
}

#[test]
fn each_role_allows_the_session_the_claim_asks_for() {
    let tmp = tempdir();
    let max_sessions = |out: &Path| -> Vec<u64> {
        let template = read_json(&out.join("iam.cfn.json"));
        let tf = read(&out.join("iam.tf"));
        let steps = read(&out.join("STEPS.md"));
        let mut seen = vec![
            read_json(&out.join("role-EntraAdmin.json"))["MaxSessionDuration"]
                .as_u64()
                .unwrap(),
            template["Resources"]["RoleEntraAdmin"]["Properties"]["MaxSessionDuration"]
                .as_u64()
                .unwrap(),
        ];
        let body: hcl::Body = hcl::from_str(&tf).unwrap();
        for block in body.blocks().filter(|b| b.identifier() == "aws_iam_role") {
            let attr = block
                .body()
                .attributes()
                .find(|a| a.key() == "max_session_duration")
                .expect("max_session_duration");
            seen.push(match attr.expr() {
                hcl::Expression::Number(n) => n.as_u64().unwrap(),
                other => panic!("{other:?}"),
            });
        }
        let update = command(&steps, "aws iam update-role");
        seen.push(update.last().unwrap().parse().unwrap());
        seen.dedup();
        seen
    };

    // The shipped claims send SessionDuration 28800 as a constant.
    let out = tmp.path().join("constant");
    assert_eq!(iam(&out, &[]).0, 0);
    assert_eq!(max_sessions(&out), [28_800]);
    assert!(read(&out.join("STEPS.md")).contains("The SessionDuration claim asks for 28800 seconds; each role's maximum session duration is 28800 seconds"));

    // Entra's gallery default sends the user's attribute: the role keeps IAM's default, and
    // STEPS.md says what the maximum must cover.
    let claims = tmp.path().join("attribute.toml");
    let shipped = read(Path::new(&testdata("claims/iam.toml")));
    fs::write(
        &claims,
        shipped.replace("value = \"28800\"", "source = \"user.sessionduration\""),
    )
    .unwrap();
    let out = tmp.path().join("attribute");
    assert_eq!(iam(&out, &["--claims", claims.to_str().unwrap()]).0, 0);
    assert_eq!(max_sessions(&out), [3_600]);
    let steps = read(&out.join("STEPS.md"));
    assert!(
        steps.contains("The SessionDuration claim comes from `user.sessionduration`")
            && steps.contains("to at least the largest value that attribute sends"),
        "{steps}"
    );

    // A short constant session still gets a role maximum IAM accepts (one hour at least).
    fs::write(&claims, shipped.replace("\"28800\"", "\"900\"")).unwrap();
    let out = tmp.path().join("short");
    assert_eq!(iam(&out, &["--claims", claims.to_str().unwrap()]).0, 0);
    assert_eq!(max_sessions(&out), [3_600]);

    // One STS refuses is an error, and blocks the write.
    fs::write(&claims, shipped.replace("\"28800\"", "\"50000\"")).unwrap();
    let out = tmp.path().join("long");
    let (exit, doc, _) = iam(&out, &["--claims", claims.to_str().unwrap()]);
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "iam-session-duration", "error"), "{doc}");
    assert!(!out.exists());
}

#[test]
fn iam_without_roles_warns_and_writes_no_empty_list() {
    let tmp = tempdir();
    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &testdata("metadata/entra-app.xml"),
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--claims",
        &testdata("claims/iam.toml"),
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "a warning: {}", stderr(&o));
    let doc = json(&o);
    assert!(has_finding(&doc, "iam-no-roles", "warning"), "{doc}");
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("role-") || n.starts_with("trust-policy-")),
        "{names:?}"
    );
    let steps = read(&out.join("STEPS.md"));
    assert_eq!(dangling_intros(&steps), Vec::<String>::new(), "{steps}");
    assert!(steps.contains("No role was given"), "{steps}");
    assert!(!steps.contains("Each app role's value"), "{steps}");
    let (blocks, _) = markdown(&steps);
    assert_eq!(
        blocks[0].trim(),
        "aws iam create-saml-provider --cli-input-json file://saml-provider.json"
    );
    let template = read_json(&out.join("iam.cfn.json"));
    assert_eq!(template["Resources"].as_object().unwrap().len(), 1);

    // Every STEPS.md samlbridge writes introduces only lists it fills.
    for (dir, exit) in [
        (
            tmp.path().join("with-roles"),
            iam(&tmp.path().join("with-roles"), &[]).0,
        ),
        (
            tmp.path().join("idc"),
            identity_center(&tmp.path().join("idc"), &[]).0,
        ),
    ] {
        assert_eq!(exit, 0);
        let steps = read(&dir.join("STEPS.md"));
        assert_eq!(dangling_intros(&steps), Vec::<String>::new(), "{steps}");
    }
    // The check has teeth.
    assert_eq!(
        dangling_intros("Each role:\n\n## Next\n"),
        ["Each role:".to_owned()]
    );
}

#[test]
fn role_values_must_name_the_account_and_provider() {
    let tmp = tempdir();
    let claims = tmp.path().join("c.toml");
    let role_claim = |value: &str| {
        format!("[[claims]]\nname = \"Role\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nvalue = \"{value}\"\n[[claims]]\nname = \"RoleSessionName\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nsource = \"user.userprincipalname\"\n")
    };
    fs::write(
        &claims,
        role_claim(&role_value("999999999999", "Admin", "EntraID")),
    )
    .unwrap();
    let (exit, doc, _) = iam(
        &tmp.path().join("o"),
        &["--claims", claims.to_str().unwrap()],
    );
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "iam-role-account", "error"), "{doc}");
    assert!(has_finding(&doc, "iam-role-provider", "error"), "{doc}");
    fs::write(
        &claims,
        role_claim(&role_value("123456789012", "Admin", "EntraID")),
    )
    .unwrap();
    let (exit, doc, _) = iam(
        &tmp.path().join("p"),
        &["--claims", claims.to_str().unwrap()],
    );
    assert_eq!(exit, 0, "{doc}");

    // validate --target iam checks the Role values of a response the same way.
    let validate = |extra: &[&str]| {
        let response = testdata("responses/valid/iam.xml");
        let md = testdata("metadata/entra-app.xml");
        let mut args = vec![
            "validate",
            &response,
            "--metadata",
            &md,
            "--target",
            "iam",
            "--now",
            FIXTURE_NOW,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = run(&args);
        (
            code(&o),
            serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
            stderr(&o),
        )
    };
    let (exit, doc, err) =
        validate(&["--account-id", "123456789012", "--provider-name", "EntraID"]);
    assert_eq!(exit, 0, "{err} {doc}");
    let (exit, doc, _) = validate(&["--account-id", "999999999999"]);
    assert_eq!(exit, 1);
    let codes: Vec<String> = findings(&doc)
        .into_iter()
        .filter(|(_, s)| s == "error")
        .map(|(c, _)| c)
        .collect();
    assert_eq!(codes, ["iam-role-account", "iam-role-provider"], "{doc}");
    let message = doc.to_string();
    assert!(
        message.contains(
            "the role arn:aws:iam::123456789012:role/EntraAdmin is not in account 999999999999"
        ),
        "{message}"
    );
    let (exit, doc, _) = validate(&["--provider-name", "Other"]);
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "iam-role-provider", "error"), "{doc}");
    assert!(!has_finding(&doc, "iam-role-account", "error"), "{doc}");

    let (exit, _, err) = validate(&["--account-id", "12345"]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("--account-id: '12345' is not an AWS account ID"),
        "{err}"
    );
    let (exit, _, err) = validate(&["--provider-name", "Entra ID"]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("--provider-name: 'Entra ID' is not a SAML provider name"),
        "{err}"
    );
    let o = run(&validate_idc_args(
        &[&testdata("responses/valid/idc-assertion-signed.xml")],
        "metadata/entra-app-rollover.xml",
        &["--account-id", "123456789012"],
    )
    .iter()
    .map(String::as_str)
    .collect::<Vec<_>>());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o)
            .contains("--account-id and --provider-name check the Role values of --target iam"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn identity_center_commands_carry_the_region_and_name_the_sp_file() {
    let tmp = tempdir();
    // The SP metadata under a name of the user's, with a space and parentheses.
    let sp = tmp.path().join("IdC metadata (eu-west-1).xml");
    fs::copy(testdata("metadata/identity-center-sp.xml"), &sp).unwrap();
    let sp = sp.to_str().unwrap();
    for dir in ["with-arn", "without-arn"] {
        let out = tmp.path().join(dir);
        let (exit, doc, err) = if dir == "with-arn" {
            identity_center(&out, &["--sp-metadata", sp])
        } else {
            let o = run(&[
                "aws",
                "identity-center",
                &testdata("metadata/entra-app-rollover.xml"),
                "--sp-metadata",
                sp,
                "--claims",
                &testdata("claims/identity-center.toml"),
                "--out",
                out.to_str().unwrap(),
                "--now",
                NOW,
                "--format",
                "json",
            ]);
            (code(&o), json(&o), stderr(&o))
        };
        assert_eq!(exit, 0, "{err} {doc}");
        let steps = read(&out.join("STEPS.md"));
        let (blocks, inline) = markdown(&steps);
        let aws: Vec<&str> = blocks
            .iter()
            .flat_map(|b| b.lines())
            .chain(inline.iter().map(String::as_str))
            .filter(|l| l.starts_with("aws "))
            .collect();
        assert!(!aws.is_empty(), "{steps}");
        for c in &aws {
            let words = shlex::split(c).unwrap();
            let at = words.iter().position(|w| w == "--region");
            assert_eq!(at.map(|i| words[i + 1].as_str()), Some("eu-west-1"), "{c}");
        }
        if dir == "without-arn" {
            assert!(
                inline.contains(&"aws sso-admin list-instances --region eu-west-1".to_owned()),
                "{inline:?}"
            );
        }
        assert!(
            inline.contains(&sp.to_owned()),
            "STEPS.md names the SP metadata file given: {inline:?}"
        );
        assert!(!steps.contains("<identity-center-metadata.xml>"), "{steps}");
    }

    // The validate command of STEPS.md runs as written (the user name filled in).
    let out = tmp.path().join("with-arn");
    let capture = testdata("responses/valid/idc-assertion-signed.xml");
    let (exit, doc) = steps_validate(&out, Path::new(&capture), &[("USER", "alice@contoso.com")]);
    assert_eq!(exit, 0, "{doc}");
}

#[test]
fn each_signing_certificate_is_its_own_pem_file() {
    use openssl::hash::MessageDigest;
    use openssl::x509::X509;
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    assert_eq!(identity_center(&out, &[]).0, 0);
    let settings = read_json(&out.join("idp-settings.json"));
    let mut pems: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pem"))
        .collect();
    pems.sort();
    assert_eq!(
        pems,
        ["signing-cert-0400299F.pem", "signing-cert-EDC1A05C.pem"]
    );
    for name in &pems {
        let pem = read(&out.join(name));
        let cert = X509::from_pem(pem.as_bytes()).unwrap();
        let sha1: String = cert
            .digest(MessageDigest::sha1())
            .unwrap()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(name, &format!("signing-cert-{}.pem", &sha1[..8]));
        let listed = settings["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["sha1"] == sha1.as_str())
            .expect("the same certificate in idp-settings.json");
        assert_eq!(listed["pem"], pem.as_str());
    }
    let steps = read(&out.join("STEPS.md"));
    assert!(
        steps.contains("valid until 2029-11-30: `signing-cert-EDC1A05C.pem`"),
        "{steps}"
    );

    // Once the active certificate has expired, only the next one is offered for import.
    let later = tmp.path().join("later");
    let (_, doc, err) = identity_center(
        &later,
        &["--now", "2029-02-01T00:00:00Z", "--write-despite-errors"],
    );
    assert_eq!(doc["written"], true, "{err}");
    assert!(later.join("signing-cert-EDC1A05C.pem").exists());
    assert!(!later.join("signing-cert-0400299F.pem").exists());
}

#[test]
fn rollover_fills_every_value_samlbridge_knows() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let (exit, doc, err) = identity_center(
        &out,
        &[
            "--current-cert",
            &testdata("keys/entra-app-active.cert.pem"),
            "--now",
            "2028-12-01T00:00:00Z",
        ],
    );
    assert_eq!(exit, 0, "{err} {doc}");
    let plan = read(&out.join("ROLLOVER.md"));
    for needle in [
        "IAM Identity Center console (Region `eu-west-1`)",
        "**Import** `signing-cert-EDC1A05C.pem` (SHA-1 `EDC1A05CF7DC7B15836E4CC939656EE66854D5AC`)",
    ] {
        assert!(plan.contains(needle), "{needle}\n{plan}");
    }
    assert!(out.join("signing-cert-EDC1A05C.pem").exists());
    for placeholder in ["…", "<", "THUMBPRINT"] {
        assert!(!plan.contains(placeholder), "{placeholder}\n{plan}");
    }

    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &testdata("metadata/entra-app-rollover.xml"),
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "EntraAdmin",
        "--claims",
        &testdata("claims/iam.toml"),
        "--current-cert",
        "0400299F422E4DE4FA21199A5A08A1581E350153",
        "--out",
        out.to_str().unwrap(),
        "--now",
        "2028-12-01T00:00:00Z",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = read(&out.join("ROLLOVER.md"));
    assert!(
        plan.contains("`aws iam update-saml-provider --saml-provider-arn arn:aws:iam::123456789012:saml-provider/EntraID --saml-metadata-document file://idp-metadata.xml`"),
        "{plan}"
    );
    assert!(
        plan.contains("with `--signing-cert 24DD664D7475FE523A6EDFFDF7B1805FCF59ABBC5B7AA29886938C0DFE8BC68B` added"),
        "{plan}"
    );
    for placeholder in ["…", "<", "THUMBPRINT"] {
        assert!(!plan.contains(placeholder), "{placeholder}\n{plan}");
    }
}

/// A property's documented type, as Microsoft Graph's resource pages give it.
#[derive(Clone, Copy)]
enum Shape {
    String,
    /// A String property the body may leave null.
    NullableString,
    Bool,
    Int,
    /// An enumeration: one of these strings.
    OneOf(&'static [&'static str]),
    ListOf(&'static Shape),
    /// A resource or complex type: its documented properties.
    Object(&'static [(&'static str, Shape)]),
    /// A base type: the derived type named by `@odata.type` (`#microsoft.graph.<name>`).
    Derived(&'static [(&'static str, &'static [(&'static str, Shape)])]),
}

/// application (v1.0): the properties a SAML application's body may carry.
const APPLICATION: &[(&str, Shape)] = &[
    ("identifierUris", Shape::ListOf(&Shape::String)),
    ("displayName", Shape::String),
    ("notes", Shape::String),
    ("web", Shape::Object(WEB_APPLICATION)),
];
/// webApplication (v1.0; redirectUriSettings in beta).
const WEB_APPLICATION: &[(&str, Shape)] = &[
    ("homePageUrl", Shape::String),
    (
        "implicitGrantSettings",
        Shape::Object(&[
            ("enableAccessTokenIssuance", Shape::Bool),
            ("enableIdTokenIssuance", Shape::Bool),
        ]),
    ),
    ("logoutUrl", Shape::String),
    ("redirectUris", Shape::ListOf(&Shape::String)),
    (
        "redirectUriSettings",
        Shape::ListOf(&Shape::Object(&[
            ("uri", Shape::String),
            ("index", Shape::Int),
        ])),
    ),
];
/// servicePrincipal (v1.0): the single sign-on properties.
const SERVICE_PRINCIPAL: &[(&str, Shape)] = &[
    (
        "preferredSingleSignOnMode",
        Shape::OneOf(&["password", "saml", "notSupported", "oidc"]),
    ),
    ("loginUrl", Shape::String),
    ("logoutUrl", Shape::String),
    ("notificationEmailAddresses", Shape::ListOf(&Shape::String)),
    (
        "samlSingleSignOnSettings",
        Shape::Object(&[("relayState", Shape::String)]),
    ),
    ("appRoleAssignmentRequired", Shape::Bool),
];
/// customClaimsPolicy (beta) and the claim types it holds.
const CUSTOM_CLAIMS_POLICY: &[(&str, Shape)] = &[
    ("includeBasicClaimSet", Shape::Bool),
    ("includeApplicationIdInIssuer", Shape::Bool),
    ("audienceOverride", Shape::String),
    (
        "claims",
        Shape::ListOf(&Shape::Derived(&[
            ("customClaim", CUSTOM_CLAIM),
            ("samlNameIdClaim", SAML_NAME_ID_CLAIM),
        ])),
    ),
];
const CUSTOM_CLAIM: &[(&str, Shape)] = &[
    ("@odata.type", Shape::String),
    ("name", Shape::String),
    ("namespace", Shape::NullableString),
    (
        "samlAttributeNameFormat",
        Shape::OneOf(&["unspecified", "uri", "basic"]),
    ),
    (
        "tokenFormat",
        Shape::ListOf(&Shape::OneOf(&["saml", "jwt"])),
    ),
    ("configurations", Shape::ListOf(&CONFIGURATION)),
];
const SAML_NAME_ID_CLAIM: &[(&str, Shape)] = &[
    ("@odata.type", Shape::String),
    (
        "nameIdFormat",
        Shape::OneOf(&[
            "default",
            "unspecified",
            "emailAddress",
            "windowsDomainQualifiedName",
            "persistent",
        ]),
    ),
    ("serviceProviderNameQualifier", Shape::String),
    ("configurations", Shape::ListOf(&CONFIGURATION)),
];
const CONFIGURATION: Shape = Shape::Object(&[
    (
        "attribute",
        Shape::Derived(&[
            (
                "sourcedAttribute",
                &[
                    ("@odata.type", Shape::String),
                    ("id", Shape::String),
                    (
                        "source",
                        Shape::OneOf(&["user", "application", "resource", "audience", "company"]),
                    ),
                    ("isExtensionAttribute", Shape::Bool),
                ],
            ),
            (
                "valueBasedAttribute",
                &[("@odata.type", Shape::String), ("value", Shape::String)],
            ),
        ]),
    ),
    (
        "condition",
        Shape::Object(&[
            ("memberOf", Shape::ListOf(&Shape::String)),
            ("userType", Shape::String),
        ]),
    ),
    ("transformations", Shape::ListOf(&Shape::Object(&[]))),
]);

/// Where `value` departs from `shape`, by JSON path.
fn departures(path: &str, value: &Value, shape: Shape, out: &mut Vec<String>) {
    let mut fail = |what: &str| out.push(format!("{path}: {what}, found {value}"));
    match shape {
        Shape::String if value.is_string() => {}
        Shape::NullableString if value.is_string() || value.is_null() => {}
        Shape::Bool if value.is_boolean() => {}
        Shape::Int if value.is_i64() => {}
        Shape::OneOf(allowed) if value.as_str().is_some_and(|v| allowed.contains(&v)) => {}
        Shape::ListOf(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    departures(&format!("{path}[{i}]"), v, *item, out);
                }
            }
            None => fail("not a collection"),
        },
        Shape::Object(properties) => match value.as_object() {
            Some(map) => {
                for (key, v) in map {
                    match properties.iter().find(|(name, _)| name == key) {
                        Some((_, s)) => departures(&format!("{path}.{key}"), v, *s, out),
                        None => out.push(format!("{path}.{key}: not a documented property")),
                    }
                }
            }
            None => fail("not an object"),
        },
        Shape::Derived(types) => {
            let named = value["@odata.type"]
                .as_str()
                .and_then(|t| t.strip_prefix("#microsoft.graph."));
            match types.iter().find(|(name, _)| Some(*name) == named) {
                Some((_, properties)) => departures(path, value, Shape::Object(properties), out),
                None => fail("no documented @odata.type"),
            }
        }
        Shape::String => fail("not a String"),
        Shape::NullableString => fail("not a String or null"),
        Shape::Bool => fail("not a Boolean"),
        Shape::Int => fail("not an Int32"),
        Shape::OneOf(_) => fail("not one of the enumeration's values"),
    }
}

fn graph_shape_errors(file: &str, body: &Value) -> Vec<String> {
    let shape = match file {
        "graph-PATCH-application.json" => APPLICATION,
        "graph-PATCH-servicePrincipal.json" => SERVICE_PRINCIPAL,
        "graph-PUT-claimsPolicy.json" => CUSTOM_CLAIMS_POLICY,
        other => panic!("no documented resource for {other}"),
    };
    let mut out = Vec::new();
    departures("$", body, Shape::Object(shape), &mut out);
    out
}

#[test]
fn graph_bodies_have_the_documented_resource_shapes() {
    let tmp = tempdir();
    let idc = tmp.path().join("idc");
    let (exit, _, err) = identity_center(
        &idc,
        &["--sign-on-url", "https://d-93670a1b2c.awsapps.com/start"],
    );
    assert_eq!(exit, 0, "{err}");
    let iam_dir = tmp.path().join("iam");
    assert_eq!(iam(&iam_dir, &["--sign-in-region", "eu-west-1"]).0, 0);
    for dir in [&idc, &iam_dir] {
        let mut files: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("graph-"))
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "graph-PATCH-application.json",
                "graph-PATCH-servicePrincipal.json",
                "graph-PUT-claimsPolicy.json"
            ]
        );
        for f in &files {
            let body = read_json(&dir.join(f));
            assert_eq!(
                graph_shape_errors(f, &body),
                Vec::<String>::new(),
                "{f}: {body}"
            );
        }
    }
    assert_eq!(
        read_json(&idc.join("graph-PATCH-servicePrincipal.json"))["loginUrl"],
        "https://d-93670a1b2c.awsapps.com/start"
    );
    let iam_claims = read_json(&iam_dir.join("graph-PUT-claimsPolicy.json"));
    assert_eq!(
        iam_claims["claims"][0]["@odata.type"],
        "#microsoft.graph.samlNameIdClaim"
    );
    assert_eq!(
        read_json(&iam_dir.join("graph-PATCH-application.json"))["identifierUris"],
        json!([GLOBAL])
    );

    // The check has teeth: the old combined file's keys, a wrong type or enumeration value,
    // and an undocumented claim type are each caught.
    for (file, body, found) in [
        (
            "graph-PATCH-application.json",
            json!({"identifier": "x", "reply_urls": []}),
            "$.identifier: not a documented property",
        ),
        (
            "graph-PATCH-application.json",
            json!({"identifierUris": "x"}),
            "$.identifierUris: not a collection",
        ),
        (
            "graph-PATCH-servicePrincipal.json",
            json!({"preferredSingleSignOnMode": "SAML"}),
            "not one of the enumeration's values",
        ),
        (
            "graph-PUT-claimsPolicy.json",
            json!({"claims": [{"@odata.type": "#microsoft.graph.claim"}]}),
            "no documented @odata.type",
        ),
        (
            "graph-PUT-claimsPolicy.json",
            json!({"includeBasicClaimSet": "true"}),
            "not a Boolean",
        ),
    ] {
        let errors = graph_shape_errors(file, &body);
        assert!(
            errors.iter().any(|e| e.contains(found)),
            "{body}: {errors:?}"
        );
    }
}

/// An `az` that records its arguments and each body it is given, and answers the object
/// lookups with fixed object IDs.
fn fake_az(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let az = bin.join("az");
    fs::write(
        &az,
        "#!/bin/sh\n\
         printf '%s\\n' \"$*\" >> \"$AZ_LOG\"\n\
         case \"$1 $2\" in\n\
         'ad app') echo 11111111-1111-1111-1111-111111111111 ;;\n\
         'ad sp') echo 22222222-2222-2222-2222-222222222222 ;;\n\
         esac\n\
         for a in \"$@\"; do\n\
           case $a in @*) cat \"${a#@}\" >> \"$AZ_LOG.bodies\" || exit 3 ;; esac\n\
         done\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&az, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn run_script(out: &Path, tmp: &Path, args: &[&str]) -> (Output, String, String) {
    let bin = fake_az(tmp);
    let log = tmp.join("az.log");
    let _ = fs::remove_file(&log);
    let _ = fs::remove_file(tmp.join("az.log.bodies"));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("sh")
        .arg(out.join("entra-apply.sh"))
        .args(args)
        .current_dir(tmp)
        .env("PATH", path)
        .env("AZ_LOG", &log)
        .output()
        .unwrap();
    (
        o,
        fs::read_to_string(&log).unwrap_or_default(),
        fs::read_to_string(tmp.join("az.log.bodies")).unwrap_or_default(),
    )
}

#[test]
fn entra_apply_sends_each_body_to_its_request() {
    let tmp = tempdir();
    for (dir, exit) in [
        ("iam", iam(&tmp.path().join("iam"), &[]).0),
        ("idc", identity_center(&tmp.path().join("idc"), &[]).0),
    ] {
        assert_eq!(exit, 0);
        let out = tmp.path().join(dir);
        let script = out.join("entra-apply.sh");
        let o = Command::new("sh").arg("-n").arg(&script).output().unwrap();
        assert!(
            o.status.success(),
            "sh -n: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if have("shellcheck", &["--version"]) {
            let o = Command::new("shellcheck")
                .args(["--shell=sh", "--severity=style"])
                .arg(&script)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "shellcheck: {}",
                String::from_utf8_lossy(&o.stdout)
            );
        }

        // Run from another directory, as the user may: the script finds its bodies.
        let work = tmp.path().join(format!("{dir}-run"));
        fs::create_dir_all(&work).unwrap();
        let (o, log, bodies) = run_script(&out, &work, &[APP_ID]);
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let application = "11111111-1111-1111-1111-111111111111";
        let service_principal = "22222222-2222-2222-2222-222222222222";
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(
            lines[0],
            format!("ad app show --id {APP_ID} --query id --output tsv")
        );
        assert_eq!(
            lines[1],
            format!("ad sp show --id {APP_ID} --query id --output tsv")
        );
        // Each request is the one STEPS.md's table shows beside its body.
        let steps = read(&out.join("STEPS.md"));
        let rows: Vec<(String, String)> = steps
            .lines()
            .filter(|l| l.starts_with("| `PATCH ") || l.starts_with("| `PUT "))
            .map(|l| {
                let cells: Vec<&str> = l.split(" | ").collect();
                (
                    cells[0]
                        .trim_start_matches("| ")
                        .trim_matches('`')
                        .to_owned(),
                    cells[1].trim_matches('`').to_owned(),
                )
            })
            .collect();
        assert_eq!(rows.len(), 3, "{steps}");
        let sent: Vec<&str> = lines[2..].to_vec();
        assert_eq!(sent.len(), rows.len(), "{log}");
        let mut expected_bodies = String::new();
        for ((request, file), line) in rows.iter().zip(&sent) {
            let request = request
                .replace("{application object ID}", application)
                .replace("{service principal object ID}", service_principal);
            let (method, url) = request.split_once(' ').unwrap();
            assert_eq!(
                *line,
                format!("rest --method {method} --url {url} --headers Content-Type=application/json --body @{file}")
            );
            expected_bodies.push_str(&read(&out.join(file)));
        }
        assert_eq!(bodies, expected_bodies, "each body sent as written");

        // A value that is not an application ID never reaches az.
        for bad in [
            vec!["x'; rm -rf ~; echo '"],
            vec![],
            vec![APP_ID, APP_ID],
            vec!["6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0"],
        ] {
            let (o, log, _) = run_script(&out, &work, &bad);
            assert_eq!(o.status.code(), Some(2), "{bad:?}");
            assert!(String::from_utf8_lossy(&o.stderr)
                .contains("usage: sh entra-apply.sh APPLICATION-ID"));
            assert_eq!(log, "", "{bad:?}");
        }
    }
}

/// Metadata fetched from Entra's per-application URL names the application: STEPS.md then
/// gives the whole command.
#[test]
fn metadata_fetched_by_app_id_fills_in_the_application_id() {
    use samlbridge_testkit::https::{Reply, Server};
    let body = fs::read(testdata("metadata/entra-app.xml")).unwrap();
    let server = Server::start(move |_| Reply::xml(body.clone()));
    let tmp = tempdir();
    let ca = tmp.path().join("ca.pem");
    fs::write(&ca, server.ca_pem()).unwrap();
    let tenant = samlbridge_testkit::fixtures::TENANT;
    let url = server.url(&format!(
        "/{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid={APP_ID}"
    ));
    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &url,
        "--ca-file",
        ca.to_str().unwrap(),
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "EntraAdmin",
        "--claims",
        &testdata("claims/iam.toml"),
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--write-despite-errors",
    ]);
    assert!(
        out.join("STEPS.md").exists(),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let steps = read(&out.join("STEPS.md"));
    assert_eq!(
        command(&steps, "sh entra-apply.sh"),
        ["sh", "entra-apply.sh", APP_ID]
    );
    assert!(!steps.contains("APPLICATION-ID"), "{steps}");
    // Read from a file, the ID is not known: the command names what to put there.
    let out = tmp.path().join("file");
    assert_eq!(iam(&out, &[]).0, 0);
    let steps = read(&out.join("STEPS.md"));
    assert_eq!(
        command(&steps, "sh entra-apply.sh"),
        ["sh", "entra-apply.sh", "APPLICATION-ID"]
    );
}

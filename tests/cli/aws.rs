//! `samlbridge aws identity-center` and `samlbridge aws iam`: what they write, when they
//! refuse, re-runs, and the rollover plan.

use crate::util::*;
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2026-11-27T12:00:00Z";
pub const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1234567890abcdef";

/// Runs `command` with `base` options (pairs of flag and value), any of which `extra` replaces
/// when it names the same flag.
fn run_with(command: &[&str], base: &[(&str, String)], extra: &[&str]) -> (i32, Value, String) {
    let mut args: Vec<String> = command.iter().map(|s| (*s).to_owned()).collect();
    for (flag, value) in base {
        if !extra.contains(flag) {
            args.push((*flag).to_owned());
            args.push(value.clone());
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&refs);
    (
        code(&o),
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
        stderr(&o),
    )
}

pub fn identity_center(out: &Path, extra: &[&str]) -> (i32, Value, String) {
    identity_center_with(&testdata("metadata/entra-app-rollover.xml"), out, extra)
}

/// [`identity_center`] with the IdP metadata `md`.
fn identity_center_with(md: &str, out: &Path, extra: &[&str]) -> (i32, Value, String) {
    let base = [
        ("--sp-metadata", testdata("metadata/identity-center-sp.xml")),
        ("--claims", testdata("claims/identity-center.toml")),
        ("--instance-arn", INSTANCE.to_owned()),
        ("--out", out.to_string_lossy().into_owned()),
        ("--now", NOW.to_owned()),
        ("--format", "json".to_owned()),
    ];
    run_with(&["aws", "identity-center", md], &base, extra)
}

pub fn iam(out: &Path, extra: &[&str]) -> (i32, Value, String) {
    iam_with(&testdata("metadata/entra-app.xml"), out, extra)
}

/// [`iam`] with the IdP metadata `md`.
fn iam_with(md: &str, out: &Path, extra: &[&str]) -> (i32, Value, String) {
    let base = [
        ("--account-id", "123456789012".to_owned()),
        ("--provider-name", "EntraID".to_owned()),
        ("--role", "EntraAdmin".to_owned()),
        ("--role", "ReadOnly".to_owned()),
        ("--claims", testdata("claims/iam.toml")),
        ("--out", out.to_string_lossy().into_owned()),
        ("--now", NOW.to_owned()),
        ("--format", "json".to_owned()),
    ];
    run_with(&["aws", "iam", md], &base, extra)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn identity_center_writes_the_set() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let (exit, doc, err) = identity_center(&out, &[]);
    assert_eq!(exit, 0, "{err} {doc}");
    assert_eq!(doc["written"], true);
    assert_eq!(
        names(&out),
        [
            ".samlbridge-manifest.json",
            "STEPS.md",
            "access-control-attributes.json",
            "entra-apply.sh",
            "graph-PATCH-application.json",
            "graph-PATCH-servicePrincipal.json",
            "graph-PUT-claimsPolicy.json",
            "identity-center.cfn.json",
            "identity-center.tf",
            "idp-metadata.xml",
            "idp-settings.json",
            "signing-cert-0400299F.pem",
            "signing-cert-EDC1A05C.pem"
        ]
    );
    // The metadata to upload is the exact document, without its byte-order mark.
    let original = std::fs::read(testdata("metadata/entra-app-rollover.xml")).unwrap();
    assert_eq!(
        std::fs::read(out.join("idp-metadata.xml")).unwrap(),
        original.strip_prefix(b"\xEF\xBB\xBF").unwrap()
    );

    let abac = read_json(&out.join("access-control-attributes.json"));
    assert_eq!(abac["InstanceArn"], INSTANCE);
    let attrs = abac["InstanceAccessControlAttributeConfiguration"]["AccessControlAttributes"]
        .as_array()
        .unwrap();
    let pairs: Vec<(String, String)> = attrs
        .iter()
        .map(|a| {
            (
                a["Key"].as_str().unwrap().to_owned(),
                a["Value"]["Source"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("Department".into(), "${path:enterprise.department}".into()),
            (
                "EmployeeNumber".into(),
                "${path:enterprise.employeeNumber}".into()
            )
        ]
    );
    // The constant "Tenant" key has no identity-store source: reported, left to the SAML value.
    assert!(has_finding(&doc, "abac-source-unmapped", "warning"));

    let settings = read_json(&out.join("idp-settings.json"));
    assert_eq!(
        settings["issuer_url"],
        "https://sts.windows.net/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/"
    );
    assert_eq!(
        settings["sign_in_url"],
        "https://login.microsoftonline.com/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/saml2"
    );
    assert_eq!(settings["certificates"].as_array().unwrap().len(), 2);
    assert!(settings["certificates"][0]["pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(settings["certificates"][0]["signs_metadata"], true);

    let app = read_json(&out.join("graph-PATCH-application.json"));
    assert_eq!(
        app["identifierUris"],
        serde_json::json!(["https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c"])
    );
    assert_eq!(app["web"]["redirectUris"].as_array().unwrap().len(), 3);
    assert!(
        app["web"]["redirectUris"][0]
            .as_str()
            .unwrap()
            .starts_with("https://eu-west-1.signin.aws/"),
        "the default ACS first"
    );
    let sp = read_json(&out.join("graph-PATCH-servicePrincipal.json"));
    assert_eq!(sp, serde_json::json!({"preferredSingleSignOnMode": "saml"}));
    let policy = read_json(&out.join("graph-PUT-claimsPolicy.json"));
    let claims = policy["claims"].as_array().unwrap();
    assert_eq!(claims[0]["@odata.type"], "#microsoft.graph.samlNameIdClaim");
    assert_eq!(claims[0]["nameIdFormat"], "emailAddress");
    assert_eq!(claims[1]["name"], "AccessControl:Department");

    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    for needle in ["Identifier (Entity ID): `https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c`", "Reply URL (default): `https://eu-west-1.signin.aws/platform/saml/acs/", "`userName` must come from **`user.userprincipalname`**", "SCIM endpoint", "create-instance-access-control-attribute-configuration", "| `PUT https://graph.microsoft.com/beta/servicePrincipals/{service principal object ID}/claimsPolicy` | `graph-PUT-claimsPolicy.json` |"] {
        assert!(steps.contains(needle), "STEPS.md lacks {needle:?}:\n{steps}");
    }
}

#[test]
fn the_graph_claims_policy_gives_the_same_set() {
    let tmp = tempdir();
    let a = tmp.path().join("toml");
    let b = tmp.path().join("graph");
    assert_eq!(identity_center(&a, &[]).0, 0);
    let graph = testdata("claims/identity-center.claims-policy.json");
    let (exit, _, err) = identity_center(&b, &["--claims", &graph]);
    assert_eq!(exit, 0, "{err}");
    for f in [
        "access-control-attributes.json",
        "identity-center.tf",
        "identity-center.cfn.json",
        "graph-PATCH-application.json",
        "graph-PUT-claimsPolicy.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between the TOML and the Graph form"
        );
    }
}

#[test]
fn refuses_to_write_while_errors_stand() {
    let tmp = tempdir();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[name_id]\nsource = \"user.mail\"\nformat = \"unspecified\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (exit, doc, _) = identity_center(&out, &["--claims", bad.to_str().unwrap()]);
    assert_eq!(exit, 1);
    assert_eq!(doc["written"], false);
    assert!(has_finding(&doc, "nameid-format", "error"));
    assert!(has_finding(&doc, "claims-nameid-source", "error"));
    assert!(!out.exists(), "nothing written");

    let (exit, doc, _) = identity_center(
        &out,
        &["--claims", bad.to_str().unwrap(), "--write-despite-errors"],
    );
    assert_eq!(exit, 1, "written, but the errors still stand");
    assert_eq!(doc["written"], true);
    assert!(out.join("STEPS.md").exists());
}

/// Signed metadata whose entityID or SSO URL only looks like Entra's is never written into the
/// AWS configuration: `idp-settings.json` and the IAM provider would carry the attacker's URL.
#[test]
fn look_alike_entra_metadata_is_not_written() {
    let tmp = tempdir();
    let t = samlbridge_testkit::fixtures::TENANT;
    let cases = [
        (
            signed_entra_metadata(tmp.path(), "sso.xml", |spec| {
                spec.sso_url = Some(format!(
                    "https://login.microsoftonline.com.evil.example/{t}/saml2"
                ))
            }),
            "metadata-endpoint-not-entra",
        ),
        (
            signed_entra_metadata(tmp.path(), "issuer.xml", |spec| {
                spec.entity_id = Some(format!("https://sts.wind\u{43e}ws.net/{t}/"))
            }),
            "metadata-entity-id-lookalike",
        ),
    ];
    for (i, (md, code_name)) in cases.iter().enumerate() {
        let errors = |doc: &Value| -> Vec<String> {
            let mut codes: Vec<String> = findings(doc)
                .into_iter()
                .filter(|(_, s)| s == "error")
                .map(|(c, _)| c)
                .collect();
            codes.dedup();
            codes
        };
        let out = tmp.path().join(format!("idc{i}"));
        let (exit, doc, err) = identity_center_with(md, &out, &[]);
        assert_eq!(exit, 1, "{code_name}: {err}");
        assert_eq!(doc["written"], false);
        assert_eq!(
            errors(&doc),
            vec![code_name.to_string()],
            "only this error blocks"
        );
        assert!(!out.join("idp-settings.json").exists());
        assert!(!out.exists(), "nothing written");

        let out = tmp.path().join(format!("iam{i}"));
        let (exit, doc, err) = iam_with(md, &out, &[]);
        assert_eq!(exit, 1, "{code_name}: {err}");
        assert_eq!(doc["written"], false);
        assert_eq!(
            errors(&doc),
            vec![code_name.to_string()],
            "only this error blocks"
        );
        assert!(!out.exists(), "nothing written");
    }
}

#[test]
fn bad_claims_files_exit_2_with_line_and_field() {
    let tmp = tempdir();
    let bad = tmp.path().join("typo.toml");
    std::fs::write(
        &bad,
        "[name_id]\nsource = \"user.userprincipalname\"\nformat = \"emailAdress\"\n",
    )
    .unwrap();
    let (exit, _, err) = identity_center(
        &tmp.path().join("out"),
        &["--claims", bad.to_str().unwrap()],
    );
    assert_eq!(exit, 2);
    assert!(err.contains("typo.toml: line 3, column 10 (field `format`): \"emailAdress\" is not a Name identifier format"), "{err}");
    let json = tmp.path().join("policy.json");
    std::fs::write(
        &json,
        "{\"claims\": [\n  {\"@odata.type\": \"#microsoft.graph.customClaim\", \"name\": 5}\n]}",
    )
    .unwrap();
    let (exit, _, err) = identity_center(
        &tmp.path().join("out"),
        &["--claims", json.to_str().unwrap()],
    );
    assert_eq!(exit, 2);
    assert!(err.contains("policy.json: line 2"), "{err}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn reruns_show_and_make_the_changes() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    assert_eq!(identity_center(&out, &[]).0, 0);
    // Same inputs: nothing changes, nothing to confirm.
    let (exit, doc, _) = identity_center(&out, &[]);
    assert_eq!(exit, 0);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["change"] == "unchanged"));

    // Another instance: the diff is shown first, then the files samlbridge wrote (and nobody
    // edited since) are replaced.
    let other = "arn:aws:sso:::instance/ssoins-abcdef1234567890";
    let o = run(&[
        "aws",
        "identity-center",
        &testdata("metadata/entra-app-rollover.xml"),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--claims",
        &testdata("claims/identity-center.toml"),
        "--instance-arn",
        other,
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--dry-run",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("changed   access-control-attributes.json"),
        "{text}"
    );
    assert!(
        text.contains(&format!("+  \"InstanceArn\": \"{other}\"")),
        "{text}"
    );
    assert_eq!(
        read_json(&out.join("access-control-attributes.json"))["InstanceArn"],
        INSTANCE,
        "a dry run writes nothing"
    );

    let (exit, doc, _) = identity_center(&out, &["--instance-arn", other]);
    assert_eq!(exit, 0);
    assert_eq!(doc["written"], true);
    let changed: Vec<&Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == "modified")
        .collect();
    assert!(
        changed.iter().any(|f| f["diff"]
            .as_str()
            .unwrap()
            .contains(&format!("+  \"InstanceArn\": \"{other}\""))),
        "{changed:?}"
    );
    assert_eq!(
        read_json(&out.join("access-control-attributes.json"))["InstanceArn"],
        other
    );
}

#[test]
fn dry_run_writes_nothing() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let (exit, doc, _) = identity_center(&out, &["--dry-run"]);
    assert_eq!(exit, 0);
    assert_eq!(doc["written"], false);
    assert_eq!(doc["files"].as_array().unwrap().len(), 12);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["change"] == "new"));
    assert!(!out.exists());
}

#[test]
fn signing_cert_trims_the_metadata() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let next = "24DD664D7475FE523A6EDFFDF7B1805FCF59ABBC5B7AA29886938C0DFE8BC68B";
    // At NOW the next certificate is not valid yet, and it would be the only one AWS trusts.
    let (exit, doc, _) = identity_center(&out, &["--signing-cert", next, "--dry-run"]);
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "cert-not-yet-valid", "error"), "{doc:#}");
    let (exit, doc, err) = identity_center(
        &out,
        &["--signing-cert", next, "--allow", "cert-not-yet-valid"],
    );
    assert_eq!(exit, 0, "{err} {doc}");
    let trimmed = std::fs::read_to_string(out.join("idp-metadata.xml")).unwrap();
    assert!(
        !trimmed.contains("<Signature"),
        "the signature no longer holds and is dropped"
    );
    // The trimmed document is readable metadata with exactly the chosen certificate.
    let check = run(&[
        "check",
        out.join("idp-metadata.xml").to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let c = json(&check);
    assert_eq!(c["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(c["certificates"][0]["sha256"], next);
    assert_eq!(
        read_json(&out.join("idp-settings.json"))["certificates"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (exit, _, err) = identity_center(
        &tmp.path().join("x"),
        &["--signing-cert", "0000000000000000000000000000000000000000"],
    );
    assert_eq!(exit, 2);
    assert!(
        err.contains("no signing certificate with thumbprint"),
        "{err}"
    );
}

#[test]
fn identity_center_without_instance_arn() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let md = testdata("metadata/entra-app.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    let claims = testdata("claims/identity-center.toml");
    let o = run(&[
        "aws",
        "identity-center",
        &md,
        "--sp-metadata",
        &sp,
        "--claims",
        &claims,
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(has_finding(
        &json(&o),
        "abac-instance-arn-missing",
        "warning"
    ));
    let tf = std::fs::read_to_string(out.join("identity-center.tf")).unwrap();
    assert!(
        tf.contains("data \"aws_ssoadmin_instances\" \"this\" {}")
            && tf.contains("tolist(data.aws_ssoadmin_instances.this.arns)[0]"),
        "{tf}"
    );
    let bad = run(&[
        "aws",
        "identity-center",
        &md,
        "--sp-metadata",
        &sp,
        "--instance-arn",
        "arn:aws:sso:::instance/x",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("not an IAM Identity Center instance ARN"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn iam_writes_the_set() {
    let tmp = tempdir();
    let out = tmp.path().join("iam");
    let (exit, doc, err) = iam(&out, &[]);
    assert_eq!(exit, 0, "{err} {doc}");
    assert_eq!(
        names(&out),
        [
            ".samlbridge-manifest.json",
            "STEPS.md",
            "entra-apply.sh",
            "graph-PATCH-application.json",
            "graph-PATCH-servicePrincipal.json",
            "graph-PUT-claimsPolicy.json",
            "iam.cfn.json",
            "iam.tf",
            "idp-metadata.xml",
            "role-EntraAdmin.json",
            "role-ReadOnly.json",
            "saml-provider.json",
            "trust-policy-EntraAdmin.json",
            "trust-policy-ReadOnly.json"
        ]
    );
    // Entra serves a byte-order mark; IAM refuses it: the written document has none.
    assert!(has_finding(&doc, "metadata-bom", "info"));
    let provider = read_json(&out.join("saml-provider.json"));
    assert_eq!(provider["Name"], "EntraID");
    let document = provider["SAMLMetadataDocument"].as_str().unwrap();
    assert!(document.starts_with("<?xml"), "no byte-order mark");
    assert_eq!(
        document.as_bytes(),
        std::fs::read(out.join("idp-metadata.xml")).unwrap()
    );

    let trust = read_json(&out.join("trust-policy-EntraAdmin.json"));
    let statement = &trust["Statement"][0];
    assert_eq!(
        statement["Principal"]["Federated"],
        "arn:aws:iam::123456789012:saml-provider/EntraID"
    );
    assert_eq!(
        statement["Action"],
        serde_json::json!(["sts:AssumeRoleWithSAML", "sts:TagSession"]),
        "the claims send a PrincipalTag"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["SAML:aud"],
        "https://signin.aws.amazon.com/saml"
    );

    let claims = read_json(&out.join("graph-PUT-claimsPolicy.json"));
    let names: Vec<&str> = claims["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Role",
            "RoleSessionName",
            "SessionDuration",
            "PrincipalTag:Department"
        ]
    );
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    assert!(steps.contains("`arn:aws:iam::123456789012:role/EntraAdmin,arn:aws:iam::123456789012:saml-provider/EntraID`"), "{steps}");
}

#[test]
fn iam_defaults_and_source_identity() {
    let tmp = tempdir();
    let md = testdata("metadata/entra-app.xml");
    let out = tmp.path().join("a");
    let o = run(&[
        "aws",
        "iam",
        &md,
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "Admin",
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let trust = read_json(&out.join("trust-policy-Admin.json"));
    assert_eq!(
        trust["Statement"][0]["Action"],
        serde_json::json!(["sts:AssumeRoleWithSAML"])
    );

    let claims = tmp.path().join("c.toml");
    std::fs::write(&claims, format!("{}\n[[claims]]\nname = \"SourceIdentity\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nsource = \"user.userprincipalname\"\n", std::fs::read_to_string(testdata("claims/iam.toml")).unwrap())).unwrap();
    let out = tmp.path().join("b");
    let o = run(&[
        "aws",
        "iam",
        &md,
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "Admin",
        "--claims",
        claims.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let trust = read_json(&out.join("trust-policy-Admin.json"));
    assert_eq!(
        trust["Statement"][0]["Action"],
        serde_json::json!([
            "sts:AssumeRoleWithSAML",
            "sts:TagSession",
            "sts:SetSourceIdentity"
        ])
    );

    for (flag, value, message) in [
        ("--account-id", "12345", "not an AWS account ID"),
        ("--provider-name", "Entra ID", "not a SAML provider name"),
        ("--role", "a/b", "not a role name"),
        ("--partition", "aws-xx", "not a partition"),
    ] {
        let (exit, _, err) = iam(&tmp.path().join("never"), &[flag, value]);
        assert_eq!(exit, 2, "{flag}");
        assert!(err.contains(message), "{flag}: {err}");
    }
}

#[test]
fn iam_role_must_name_this_provider() {
    let tmp = tempdir();
    let claims = tmp.path().join("c.toml");
    std::fs::write(&claims, "[[claims]]\nname = \"Role\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nvalue = \"arn:aws:iam::123456789012:role/Admin,arn:aws:iam::999999999999:saml-provider/Other\"\n[[claims]]\nname = \"RoleSessionName\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nsource = \"user.userprincipalname\"\n").unwrap();
    let (exit, doc, _) = iam(
        &tmp.path().join("o"),
        &["--claims", claims.to_str().unwrap()],
    );
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "iam-role-provider", "error"));
}

#[test]
fn rollover_plan() {
    let tmp = tempdir();
    // Identity Center trusts the active certificate; the metadata lists the next one too.
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
    assert!(has_finding(&doc, "cert-trusted-expiring", "warning"));
    let plan = std::fs::read_to_string(out.join("ROLLOVER.md")).unwrap();
    for needle in ["| trusted by AWS today | `Microsoft Azure Federated SSO Certificate` SHA-1 `0400299F422E4DE4FA21199A5A08A1581E350153`", "| next |", "**Import** `signing-cert-EDC1A05C.pem` (SHA-1 `EDC1A05CF7DC7B15836E4CC939656EE66854D5AC`", "**By 2028-12-21**", "**Make certificate active**", "remove the old certificate"] {
        assert!(plan.contains(needle), "ROLLOVER.md lacks {needle:?}:\n{plan}");
    }
    assert!(
        plan.find("**Import**").unwrap() < plan.find("Make certificate active").unwrap(),
        "import before activating"
    );

    // By thumbprint, for IAM.
    let out = tmp.path().join("iam");
    let (exit, _, err) = iam(
        &out,
        &[
            "--current-cert",
            "0400299F422E4DE4FA21199A5A08A1581E350153",
            "--now",
            "2028-12-01T00:00:00Z",
        ],
    );
    assert_eq!(exit, 0, "{err}");
    let plan = std::fs::read_to_string(out.join("ROLLOVER.md")).unwrap();
    assert!(
        plan.contains("New Certificate"),
        "the IAM metadata has no second certificate: create one\n{plan}"
    );

    // AWS trusts a certificate the metadata no longer lists.
    let out = tmp.path().join("gone");
    let (exit, doc, _) = identity_center(
        &out,
        &["--current-cert", &testdata("keys/attacker.cert.pem")],
    );
    assert_eq!(exit, 1);
    assert!(has_finding(&doc, "cert-trusted-missing", "error"));
    let (exit, _, err) = identity_center(&out, &["--current-cert", "nonsense"]);
    assert_eq!(exit, 2);
    assert!(err.contains("neither a PEM file nor a thumbprint"), "{err}");
}

#[test]
fn check_runs_the_claim_rules() {
    let md = testdata("metadata/entra-app.xml");
    let claims = testdata("claims/iam.toml");
    let ok = run(&[
        "check", &md, "--target", "iam", "--claims", &claims, "--now", NOW, "--format", "json",
    ]);
    assert_eq!(code(&ok), 1, "only the byte-order mark stands");
    assert_eq!(
        json(&ok)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .count(),
        1
    );
    let idc = run(&[
        "check",
        &md,
        "--target",
        "identity-center",
        "--claims",
        &claims,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&idc), 0, "IAM claims do no harm to Identity Center");
    let tmp = tempdir();
    let bad = tmp.path().join("c.toml");
    std::fs::write(
        &bad,
        "[name_id]\nsource = \"user.mail\"\nformat = \"emailAddress\"\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        &md,
        "--target",
        "identity-center",
        "--claims",
        bad.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    assert!(has_finding(&json(&o), "claims-nameid-source", "error"));
    let o = run(&["check", &md, "--claims", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "--claims needs --target");
}

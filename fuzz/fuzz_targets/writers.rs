//! Arbitrary IdP metadata and claim mappings through both `aws` writers. Whatever the input,
//! every written file parses with its real parser (JSON, HCL, XML, CommonMark) and holds exactly
//! the resources, keys and command blocks intended; the embedded metadata is the written
//! `idp-metadata.xml`, byte for byte. Never a panic, including with `--signing-cert`.
//!
//! Input: the metadata, then (after the bytes `\xFF\xFE`, when present) a claim mapping in TOML
//! or Graph JSON, so every metadata fixture is a seed as it is. Each set is written as it is and
//! trimmed to the first certificate the check found (a rollover's `--signing-cert`).
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use samlbridge::aws::names::{AccountId, Partition, ProviderName, RoleName};
use samlbridge::cert::encryption::EncryptionKey;
use samlbridge::cert::Certificate;
use samlbridge::claims::ClaimMapping;
use samlbridge::commands::check::CheckSettings;
use samlbridge::commands::setup::{self, Common, IamTarget};
use samlbridge::input::Input;
use samlbridge::write::iam::{Encryption, EncryptionMode, KeyFile};
use samlbridge::write::outdir::FileSet;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const SP: &[u8] = include_bytes!("../../testdata/metadata/identity-center-sp.xml");
const ROLES: [&str; 3] = ["Admin", "a.b", "a_b"];

fn settings() -> CheckSettings {
    CheckSettings {
        target: None,
        pin: None,
        cert_policy: Default::default(),
        now: Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap(),
        entity_id: None,
        overrides: Default::default(),
        byte_order_mark_removed: false,
        upload_only: None,
    }
}

fn json(files: &FileSet, name: &str) -> Value {
    let bytes = files
        .get(name)
        .unwrap_or_else(|| panic!("{name} not written"));
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

/// The code blocks of a Markdown file; HTML is never written.
fn code_blocks(name: &str, bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{name} is not UTF-8"));
    let mut blocks = Vec::new();
    let mut open = false;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                open = true;
                blocks.push(String::new());
            }
            Event::End(TagEnd::CodeBlock) => open = false,
            Event::Text(t) if open => blocks.last_mut().unwrap().push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML in {name}: {h}"),
            _ => {}
        }
    }
    blocks
}

/// Checks what every set has in common, and returns the uploaded document.
fn common(files: &FileSet) -> String {
    for f in &files.files {
        if f.name.ends_with(".json") {
            json(files, &f.name);
        }
        if f.name.ends_with(".tf") {
            let text = std::str::from_utf8(&f.contents).expect("Terraform is UTF-8");
            hcl::from_str::<hcl::Body>(text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}\n{text}", f.name));
        }
    }
    let document = files.get("idp-metadata.xml").expect("idp-metadata.xml");
    let arena = samlbridge::xml::Arena::new();
    let doc = samlbridge::xml::parse(document, &arena).expect("the written metadata parses");
    assert!(
        doc.unsigned.is_empty(),
        "comments or outer instructions written"
    );
    assert!(!doc.had_bom);
    assert!(!document.contains(&b'\r'));
    if let Some(rollover) = files.get("ROLLOVER.md") {
        assert!(code_blocks("ROLLOVER.md", rollover).is_empty());
    }
    String::from_utf8(document.to_vec()).expect("UTF-8")
}

/// `encryption`: the key's PEM when the set was written with assertion encryption.
fn check_iam(files: &FileSet, encryption: Option<&[u8]>) {
    let document = common(files);
    let template = json(files, "iam.cfn.json");
    assert_eq!(
        keys(&template["Resources"]),
        ["EntraSamlProvider", "RoleAdmin", "Roleab", "Roleab2"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        template["Resources"]["EntraSamlProvider"]["Properties"]["SamlMetadataDocument"],
        document.as_str()
    );
    assert_eq!(
        json(files, "saml-provider.json")["SAMLMetadataDocument"],
        document.as_str()
    );
    let tf = std::str::from_utf8(files.get("iam.tf").unwrap()).unwrap();
    let body: hcl::Body = hcl::from_str(tf).unwrap();
    let names: Vec<String> = body
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
        names,
        [
            "aws_iam_saml_provider.entra",
            "aws_iam_role.Admin",
            "aws_iam_role.a_b",
            "aws_iam_role.a_b_2"
        ]
    );
    let blocks = code_blocks("STEPS.md", files.get("STEPS.md").unwrap());
    let Some(key) = encryption else {
        assert_eq!(blocks.len(), 4, "{blocks:?}");
        check_iam_creation(&blocks);
        assert!(blocks[2].starts_with("sh entra-apply.sh "));
        assert!(blocks[3].starts_with("samlbridge validate "));
        assert!(template.get("Parameters").is_none());
        return;
    };
    // Encrypted assertions add the CloudFormation deploy (the key as a parameter), then the
    // four steps to Required and the three of a rotation: each block a fixed number of lines
    // whatever the metadata holds.
    assert_eq!(blocks.len(), 11, "{blocks:?}");
    check_iam_creation(&blocks);
    assert!(blocks[0]
        .lines()
        .next()
        .unwrap()
        .ends_with(" --add-private-key file://assertion-encryption-key.pem"));
    assert!(blocks[2].starts_with("aws cloudformation deploy ") && blocks[2].lines().count() == 1);
    assert!(blocks[3].starts_with("sh entra-apply.sh "));
    assert!(blocks[4].starts_with("samlbridge validate "));
    let shapes = [
        (5, 1, "aws iam update-saml-provider "),
        (6, 1, "samlbridge validate "),
        (7, 1, "aws iam update-saml-provider "),
        (8, 2, "(umask 077 && openssl genpkey "),
        (9, 1, "aws iam update-saml-provider "),
        (10, 2, "aws iam get-saml-provider "),
    ];
    for (index, lines, start) in shapes {
        assert_eq!(blocks[index].lines().count(), lines, "{blocks:?}");
        assert!(blocks[index].starts_with(start), "{blocks:?}");
    }
    assert!(blocks[6]
        .trim_end()
        .ends_with(" --decrypt-key assertion-encryption-key.pem"));
    assert_eq!(
        keys(&template["Parameters"]),
        ["AssertionEncryptionMode", "AssertionEncryptionPrivateKey"]
            .map(String::from)
            .into()
    );
    // The key is in its own file and nowhere else.
    assert_eq!(files.get("assertion-encryption-key.pem"), Some(key));
    let body = std::str::from_utf8(key).unwrap();
    let line = body.lines().nth(1).unwrap();
    for file in &files.files {
        if file.name != "assertion-encryption-key.pem" {
            let text = String::from_utf8_lossy(&file.contents);
            assert!(
                !text.contains(line),
                "the private key reached {}",
                file.name
            );
        }
    }
}

/// The first two blocks: the provider and one role per ROLES, then each role's updates.
fn check_iam_creation(blocks: &[String]) {
    assert_eq!(blocks[0].lines().count(), 1 + ROLES.len(), "{blocks:?}");
    assert!(blocks[0].lines().all(|l| l.starts_with("aws iam create-")));
    assert_eq!(blocks[1].lines().count(), 2 * ROLES.len(), "{blocks:?}");
    assert!(blocks[1].lines().all(|l| l.starts_with("aws iam update-")));
}

fn check_identity_center(files: &FileSet) {
    common(files);
    let blocks = code_blocks("STEPS.md", files.get("STEPS.md").unwrap());
    let abac = files.get("access-control-attributes.json").is_some();
    assert_eq!(blocks.len(), 2 + usize::from(abac), "{blocks:?}");
    assert!(blocks[0].starts_with("sh entra-apply.sh "));
    assert!(blocks.last().unwrap().starts_with("samlbridge validate "));
    if let Some(t) = files.get("identity-center.cfn.json") {
        let template: Value = serde_json::from_slice(t).unwrap();
        assert_eq!(
            keys(&template["Resources"]),
            ["AccessControlAttributes".to_owned()].into()
        );
        let cli = json(files, "access-control-attributes.json");
        assert_eq!(
            template["Resources"]["AccessControlAttributes"]["Properties"]
                ["AccessControlAttributes"],
            cli["InstanceAccessControlAttributeConfiguration"]["AccessControlAttributes"]
        );
    }
}

/// One assertion-encryption key and certificate for every run (RSA key generation is slow).
fn encryption_key() -> &'static (EncryptionKey, Certificate) {
    static KEY: OnceLock<(EncryptionKey, Certificate)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = EncryptionKey::generate().expect("an RSA key");
        let cert = key
            .self_signed("fuzz assertion encryption", settings().now)
            .expect("a certificate");
        (key, cert)
    })
}

fuzz_target!(|data: &[u8]| {
    let (metadata, claims) = match data.windows(2).position(|w| w == b"\xFF\xFE") {
        Some(at) => (&data[..at], Some(&data[at + 2..])),
        None => (data, None),
    };
    let mapping = match claims.map(|c| samlbridge::claims::parse("fuzz", c)) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => return,
        None => None,
    };
    let settings = settings();
    let input = Input {
        name: "fuzz.xml",
        bytes: metadata,
        url: None,
        requested_url: None,
    };
    let Ok(report) = samlbridge::commands::check::check(input, None, &settings) else {
        return;
    };
    let first: Option<samlbridge::cert::Thumbprint> = report
        .certificates
        .first()
        .and_then(|c| c.sha256.parse().ok());
    let iam_claims = mapping.clone().unwrap_or_else(ClaimMapping::iam_default);
    let idc_claims = mapping.unwrap_or_else(ClaimMapping::identity_center_default);
    let roles: Vec<RoleName> = ROLES.iter().map(|r| r.parse().unwrap()).collect();
    let account: AccountId = "123456789012".parse().unwrap();
    let provider: ProviderName = "EntraID".parse().unwrap();
    let sp = Input {
        name: "sp.xml",
        bytes: SP,
        url: None,
        requested_url: None,
    };
    for signing_cert in [None, first.as_ref()] {
        let common = |claims| Common {
            claims,
            scim_username_source: Some("user.userprincipalname"),
            signing_cert,
            current_cert: None,
            cert_policy: Default::default(),
        };
        let prepared = setup::iam(
            input,
            &common(&iam_claims),
            &IamTarget {
                account: &account,
                provider: &provider,
                roles: &roles,
                partition: Partition::Aws,
                sign_in_regions: &["eu-west-1".to_owned()],
                // The second pass writes the encryption files too: the key, the certificate
                // and their steps sit beside everything taken from the metadata.
                encryption: signing_cert.map(|_| {
                    let (key, cert) = encryption_key();
                    Encryption {
                        mode: EncryptionMode::Required,
                        key,
                        key_file: KeyFile::InSet,
                        cert,
                    }
                }),
                earlier_key: None,
            },
            &settings,
        );
        if let Ok(prepared) = prepared {
            check_iam(
                &prepared.files,
                signing_cert.map(|_| encryption_key().0.pem()),
            );
        }
        let prepared =
            setup::identity_center(input, sp, &common(&idc_claims), None, None, &settings);
        if let Ok(prepared) = prepared {
            check_identity_center(&prepared.files);
        }
        if first.is_none() {
            break;
        }
    }
});

use super::*;
use crate::aws::Target;
use crate::cert::{CertPolicy, Thumbprint};
use crate::diag::{Code, Finding, Severity};
use crate::xml;
use chrono::{DateTime, Duration, TimeZone, Utc};
use samlbridge_testkit::idp::{identity_center_sp_metadata, MetadataSpec, SigAlg};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};

const TENANT: &str = "0b8f3d52-7c1e-4e55-9a4b-2f1d6c3e8a90";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn key(slot: u32, from_days: i64, to_days: i64) -> KeyPair {
    CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), slot),
        now() + Duration::days(from_days),
        now() + Duration::days(to_days),
    )
    .serial(slot + 1)
    .build()
}

struct Checked {
    md: IdpMetadata,
    findings: Vec<Finding>,
}

fn check_bytes(bytes: &[u8], target: Option<Target>, pin: Option<Thumbprint>) -> Checked {
    let doc = xml::parse_for_tests(bytes).unwrap();
    let mut md = idp(&doc, None).unwrap();
    let verdict = signature::verify(bytes, &doc, &md.keys, pin.as_ref());
    md.signature = verdict.status;
    md.signature_sha1 = verdict.sha1;
    let findings = check_idp(
        &md,
        bytes,
        &CheckOptions {
            target,
            cert_policy: CertPolicy::default(),
            now: now(),
            source_url: None,
            byte_order_mark_removed: false,
            upload_only: None,
        },
    );
    Checked { md, findings }
}

fn codes(findings: &[Finding]) -> Vec<Code> {
    findings.iter().map(|f| f.code).collect()
}

fn has(c: &Checked, code: Code, severity: Severity) -> bool {
    c.findings
        .iter()
        .any(|f| f.code == code && f.severity == severity)
}

#[test]
fn healthy_app_metadata() {
    let k = key(0, -30, 1000);
    let xml = MetadataSpec::entra_app(TENANT, vec![k.clone()]).build();
    let c = check_bytes(
        xml.as_bytes(),
        Some(Target::IdentityCenter),
        Some(k.sha256_hex().parse().unwrap()),
    );
    assert_eq!(codes(&c.findings), Vec::<Code>::new());
    assert_eq!(
        c.md.kind,
        IdpKind::Entra {
            tenant: TENANT.into(),
            cloud: crate::entra::Cloud::Global
        }
    );
    assert_eq!(c.md.sso_services.len(), 2);
    assert_eq!(c.md.wsfed_roles.len(), 2);
    assert_eq!(c.md.wsfed_roles[0].claim_types_offered.len(), 5);
    assert!(matches!(
        c.md.signature,
        SignatureStatus::Valid { pinned: true, .. }
    ));
    assert_eq!(
        current_certificate(&c.md, now())
            .unwrap()
            .sha256
            .to_string(),
        k.sha256_hex()
    );
}

#[test]
fn signature_states() {
    let k = key(0, -30, 1000);
    let other = key(1, -30, 1000);
    let signed = MetadataSpec::entra_app(TENANT, vec![k.clone()]).build();

    let c = check_bytes(signed.as_bytes(), None, None);
    assert!(has(&c, Code::MetadataSignatureUnpinned, Severity::Info));

    let tampered = signed.replace(
        "/saml2\"/></IDPSSODescriptor>",
        "/saml3\"/></IDPSSODescriptor>",
    );
    let c = check_bytes(tampered.as_bytes(), None, None);
    assert!(has(&c, Code::MetadataSignatureInvalid, Severity::Error));
    assert!(
        matches!(&c.md.signature, SignatureStatus::Invalid { reason } if reason.contains("digest")),
        "{:?}",
        c.md.signature
    );

    let pretty = signed.replace("><", ">\r\n  <");
    let c = check_bytes(pretty.as_bytes(), None, None);
    assert!(
        matches!(c.md.signature, SignatureStatus::Reformatted { .. }),
        "{:?}",
        c.md.signature
    );
    assert!(has(&c, Code::MetadataSignatureInvalid, Severity::Warning));

    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.signer = None;
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert!(has(&c, Code::MetadataUnsigned, Severity::Warning));

    let c = check_bytes(
        signed.as_bytes(),
        None,
        Some(other.sha256_hex().parse().unwrap()),
    );
    assert!(has(&c, Code::MetadataSignatureUntrusted, Severity::Error));

    // Signed by a key whose certificate the metadata also lists, but pinned to the other one.
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone(), other.clone()]);
    spec.signer = Some(k.clone());
    let both = spec.build();
    let c = check_bytes(
        both.as_bytes(),
        None,
        Some(other.sha1_hex().parse().unwrap()),
    );
    assert!(has(&c, Code::MetadataSignatureUntrusted, Severity::Error));
    assert!(c
        .findings
        .iter()
        .any(|f| f.message.contains("not by the pinned certificate")));

    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.alg = SigAlg::RsaSha1;
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert!(has(&c, Code::MetadataSignatureWeak, Severity::Warning));
}

#[test]
fn signature_must_cover_the_root() {
    let k = key(0, -30, 1000);
    let signed = MetadataSpec::entra_app(TENANT, vec![k.clone()]).build();
    // Move the signature into the IDPSSODescriptor: it still references the root, but is no
    // longer an enveloped signature of the document root.
    let start = signed.find("<Signature").unwrap();
    let end = signed.find("</Signature>").unwrap() + "</Signature>".len();
    let sig = &signed[start..end];
    let moved = signed.replacen(sig, "", 1).replacen(
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
        &format!("<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{sig}"),
        1,
    );
    let c = check_bytes(moved.as_bytes(), None, None);
    assert!(
        matches!(&c.md.signature, SignatureStatus::Invalid { reason } if reason.contains("not a child of the document root")),
        "{:?}",
        c.md.signature
    );

    let other_ref = signed.replacen("URI=\"#_0a1b", "URI=\"#_ffff", 1);
    let c = check_bytes(other_ref.as_bytes(), None, None);
    assert!(
        matches!(&c.md.signature, SignatureStatus::Invalid { reason } if reason.contains("does not point at the document root"))
    );

    let xpath = signed.replacen(
        "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
        "<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><XPath>/</XPath></Transform>",
        1,
    );
    let c = check_bytes(xpath.as_bytes(), None, None);
    assert!(
        matches!(&c.md.signature, SignatureStatus::Invalid { reason } if reason.contains("transforms")),
        "{:?}",
        c.md.signature
    );
}

#[test]
fn entity_id_shapes() {
    let k = key(0, -30, 1000);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.entity_id = Some(format!("https://sts.windows.net/{TENANT}"));
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert!(has(&c, Code::MetadataEntityId, Severity::Error));

    let mut spec = MetadataSpec::entra_app("{tenantid}", vec![k.clone()]);
    spec.entity_id = Some("https://sts.windows.net/{tenantid}/".into());
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert_eq!(
        c.md.kind,
        IdpKind::EntraCommon {
            cloud: crate::entra::Cloud::Global
        }
    );
    assert!(has(&c, Code::MetadataCommonEndpoint, Severity::Error));

    let mut spec = MetadataSpec::entra_app(TENANT, vec![k]);
    spec.entity_id = Some("https://idp.example.com/saml".into());
    spec.login_host = "idp.example.com".into();
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert_eq!(c.md.kind, IdpKind::Other);
    assert!(has(&c, Code::MetadataNotEntra, Severity::Info));
}

#[test]
fn other_idps_may_not_imitate_entra_endpoints() {
    let k = key(0, -30, 1000);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.entity_id = Some("https://idp.example.com/saml".into());
    spec.login_host = "idp.example.com".into();
    spec.sso_url = Some(format!("https://login.microsoftonIine.com/{TENANT}/saml2"));
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert_eq!(c.md.kind, IdpKind::Other);
    assert!(has(&c, Code::MetadataNotEntra, Severity::Info));
    let imitations: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.code == Code::MetadataEndpointNotEntra)
        .collect();
    assert_eq!(imitations.len(), 2, "{:#?}", c.findings);
    assert!(
        imitations[0].message.contains(
            "imitates Entra's login.microsoftonline.com and is not on Entra's login host"
        ),
        "{}",
        imitations[0].message
    );

    // An entityID that imitates Entra's holds the document to Entra's endpoints.
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k]);
    spec.entity_id = Some(format!("https://sts.wind\u{43e}ws.net/{TENANT}/"));
    spec.login_host = "idp.example.com".into();
    let c = check_bytes(spec.build().as_bytes(), None, None);
    assert_eq!(c.md.kind, IdpKind::Other);
    assert!(has(&c, Code::MetadataEntityIdLookalike, Severity::Error));
    assert!(!has(&c, Code::MetadataNotEntra, Severity::Info));
    assert!(c
        .findings
        .iter()
        .any(|f| f.code == Code::MetadataEndpointNotEntra
            && f.message.starts_with("SingleSignOnService (HTTP-Redirect)")
            && f.message
                .contains("is not on Entra's login host login.microsoftonline.com")));
}

#[test]
fn target_scopes_must_be_the_issuer() {
    let mut spec = MetadataSpec::entra_app(TENANT, vec![key(0, -30, 1000)]);
    spec.signer = None;
    let genuine = spec.build();
    let scope = format!("<wsa:Address>https://sts.windows.net/{TENANT}/</wsa:Address>");
    assert!(genuine.contains(&scope));
    let c = check_bytes(genuine.as_bytes(), None, None);
    assert!(!has(&c, Code::MetadataEndpointNotEntra, Severity::Error));
    assert_eq!(c.md.wsfed_roles[1].endpoints[0].element, "TargetScopes");

    let forged = genuine.replace(
        &scope,
        &format!("<wsa:Address>https://sts.windows.net.evil.example/{TENANT}/</wsa:Address>"),
    );
    let c = check_bytes(forged.as_bytes(), None, None);
    let messages: Vec<&str> = c
        .findings
        .iter()
        .filter(|f| f.code == Code::MetadataEndpointNotEntra)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0].starts_with("TargetScopes of ApplicationServiceType")
            && messages[0].contains(&format!(
                "is not Entra's issuer https://sts.windows.net/{TENANT}/: character 24 is '.' (U+002E) where Entra's has '/' (U+002F)"
            )),
        "{}",
        messages[0]
    );
}

#[test]
fn tenant_wide_metadata_is_recognised() {
    let tenant_key = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 3),
        now() - Duration::days(10),
        now() + Duration::days(700),
    )
    .common_name("accounts.accesscontrol.windows.net")
    .build();
    let c = check_bytes(
        MetadataSpec::entra_app(TENANT, vec![tenant_key])
            .build()
            .as_bytes(),
        None,
        None,
    );
    assert!(has(&c, Code::MetadataTenantWide, Severity::Error));

    let k = key(0, -30, 1000);
    let xml = MetadataSpec::entra_app(TENANT, vec![k]).build();
    let doc = xml::parse_for_tests(xml.as_bytes()).unwrap();
    let md = idp(&doc, None).unwrap();
    let url = url::Url::parse(&format!("https://login.microsoftonline.com/{TENANT}/FederationMetadata/2007-06/FederationMetadata.xml")).unwrap();
    let findings = check_idp(
        &md,
        xml.as_bytes(),
        &CheckOptions {
            target: None,
            cert_policy: CertPolicy::default(),
            now: now(),
            source_url: Some(url),
            byte_order_mark_removed: false,
            upload_only: None,
        },
    );
    assert!(findings
        .iter()
        .any(|f| f.code == Code::MetadataTenantWide && f.message.contains("?appid=")));
}

#[test]
fn endpoint_rules() {
    let k = key(0, -30, 1000);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.sso_bindings = vec![];
    assert!(has(
        &check_bytes(spec.build().as_bytes(), None, None),
        Code::MetadataNoSsoService,
        Severity::Error
    ));

    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.sso_bindings = vec!["SOAP"];
    assert!(has(
        &check_bytes(spec.build().as_bytes(), None, None),
        Code::MetadataSsoBinding,
        Severity::Warning
    ));

    // Entra's own endpoints over plain HTTP are not Entra's; another IdP's are only not HTTPS.
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.signer = None;
    let plain = spec
        .build()
        .replace("Location=\"https://login", "Location=\"http://login");
    let c = check_bytes(plain.as_bytes(), None, None);
    assert!(has(&c, Code::MetadataEndpointNotEntra, Severity::Error));
    assert!(!has(&c, Code::MetadataSsoNotHttps, Severity::Error));
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.signer = None;
    spec.entity_id = Some("https://idp.example.com/saml".into());
    spec.login_host = "idp.example.com".into();
    let plain = spec
        .build()
        .replace("Location=\"https://idp", "Location=\"http://idp");
    let c = check_bytes(plain.as_bytes(), None, None);
    assert!(has(&c, Code::MetadataSsoNotHttps, Severity::Error));
    assert!(!has(&c, Code::MetadataEndpointNotEntra, Severity::Error));

    let mut spec = MetadataSpec::entra_app(TENANT, vec![k]);
    spec.valid_until = Some("2026-01-01T00:00:00Z".into());
    assert!(has(
        &check_bytes(spec.build().as_bytes(), None, None),
        Code::MetadataExpired,
        Severity::Error
    ));
}

#[test]
fn target_size_and_bom_rules() {
    let k = key(0, -30, 1000);
    let xml = MetadataSpec::entra_app(TENANT, vec![k.clone()]).build();
    assert!(xml.starts_with('\u{feff}'));
    let c = check_bytes(xml.as_bytes(), Some(Target::Iam), None);
    assert!(has(&c, Code::MetadataBom, Severity::Error));
    assert!(!has(
        &check_bytes(xml.as_bytes(), Some(Target::IdentityCenter), None),
        Code::MetadataBom,
        Severity::Error
    ));

    // 40 signing certificates make a document of ~80,000 characters.
    let many: Vec<KeyPair> = (0..40)
        .map(|i| key(i % 4, -30, 1000 + i64::from(i)))
        .collect();
    let mut spec = MetadataSpec::entra_app(TENANT, many);
    spec.signer = None;
    let big = spec.build();
    assert!(big.chars().count() > 75_000);
    let c = check_bytes(big.as_bytes(), Some(Target::IdentityCenter), None);
    assert!(has(&c, Code::MetadataTooLarge, Severity::Error));
    assert!(!has(
        &check_bytes(big.as_bytes(), Some(Target::Iam), None),
        Code::MetadataTooLarge,
        Severity::Error
    ));

    let tiny = format!(
        r#"<EntityDescriptor entityID="https://sts.windows.net/{TENANT}/" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://login.microsoftonline.com/{TENANT}/saml2"/></IDPSSODescriptor></EntityDescriptor>"#
    );
    let c = check_bytes(tiny.as_bytes(), Some(Target::Iam), None);
    assert!(has(&c, Code::MetadataTooSmall, Severity::Error));
    assert!(has(&c, Code::MetadataNoSigningCert, Severity::Error));
}

#[test]
fn several_certificates_and_their_roles() {
    let active = key(0, -700, 400);
    let next = key(1, -10, 1085);
    let expired = key(2, -1200, -100);
    let mut spec = MetadataSpec::entra_app(
        TENANT,
        vec![
            active.clone(),
            next.clone(),
            expired.clone(),
            active.clone(),
        ],
    );
    spec.signer = Some(active.clone());
    let c = check_bytes(spec.build().as_bytes(), Some(Target::IdentityCenter), None);
    let multi = c
        .findings
        .iter()
        .find(|f| f.code == Code::MetadataMultipleSigningCerts)
        .expect("multiple-certs finding");
    assert!(
        multi.message.starts_with("3 signing certificates"),
        "{}",
        multi.message
    );
    assert!(multi
        .message
        .contains(&format!("{} valid", active.sha1_hex())));
    assert!(multi.message.contains("signs this document"));
    assert!(multi.message.contains("[newest]"));
    assert!(multi
        .message
        .contains("IAM Identity Center imports every certificate"));
    // The expired one is a spare next to the active certificate: a warning, not an error.
    assert!(has(&c, Code::CertExpired, Severity::Warning));
    assert!(has(&c, Code::CertDuplicate, Severity::Warning));
    assert!(
        !c.findings.iter().any(|f| f.severity == Severity::Error),
        "{:?}",
        c.findings
    );

    // The only certificate expired: that is the one Entra signs with, so it is an error.
    let mut spec = MetadataSpec::entra_app(TENANT, vec![expired.clone()]);
    spec.signer = Some(expired);
    assert!(has(
        &check_bytes(spec.build().as_bytes(), None, None),
        Code::CertExpired,
        Severity::Error
    ));
}

#[test]
fn unreadable_and_encryption_keys() {
    let k = key(0, -30, 1000);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k.clone()]);
    spec.signer = None;
    let xml = spec.build();
    let placeholder = xml.replacen(&k.cert_base64(), "gatekeeper_custom_cert", 3);
    let c = check_bytes(placeholder.as_bytes(), None, None);
    assert!(has(&c, Code::CertUnparseable, Severity::Error));
    assert!(
        !has(&c, Code::MetadataNoSigningCert, Severity::Error),
        "an unreadable certificate is reported as such"
    );

    let enc = xml.replace(
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><KeyDescriptor use=\"signing\">",
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><KeyDescriptor use=\"encryption\">",
    );
    let c = check_bytes(enc.as_bytes(), Some(Target::IdentityCenter), None);
    assert!(has(&c, Code::MetadataEncryptionKey, Severity::Warning));
}

#[test]
fn entities_descriptor_wrappers() {
    let k = key(0, -30, 1000);
    let mut spec = MetadataSpec::entra_app(TENANT, vec![k]);
    spec.signer = None;
    let one = spec.build();
    let body = one.split_once("?>").unwrap().1;
    let wrapped = format!(
        r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">{body}</EntitiesDescriptor>"#
    );
    let doc = xml::parse_for_tests(wrapped.as_bytes()).unwrap();
    assert_eq!(
        idp(&doc, None).unwrap().entity_id,
        format!("https://sts.windows.net/{TENANT}/")
    );

    let second = body.replace(TENANT, "11111111-2222-3333-4444-555555555555");
    let two = format!(
        r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">{body}{second}</EntitiesDescriptor>"#
    );
    let doc = xml::parse_for_tests(two.as_bytes()).unwrap();
    assert!(matches!(idp(&doc, None), Err(MetadataError::SeveralIdps(ids)) if ids.len() == 2));
    let chosen = idp(
        &doc,
        Some("https://sts.windows.net/11111111-2222-3333-4444-555555555555/"),
    )
    .unwrap();
    assert_eq!(
        chosen.kind,
        IdpKind::Entra {
            tenant: "11111111-2222-3333-4444-555555555555".into(),
            cloud: crate::entra::Cloud::Global
        }
    );
    assert!(matches!(
        idp(&doc, Some("https://nope/")),
        Err(MetadataError::EntityNotFound(_))
    ));

    let doc = xml::parse_for_tests(b"<foo/>").unwrap();
    assert!(matches!(
        idp(&doc, None),
        Err(MetadataError::NotMetadata(_))
    ));
}

#[test]
fn reads_identity_center_sp_metadata() {
    let xml = identity_center_sp_metadata(
        "eu-west-1",
        "d-9367a1b2c3",
        "4455422d84a27c9f-9f18-41fa-81b4-769660979b1e",
    );
    let doc = xml::parse_for_tests(xml.as_bytes()).unwrap();
    let spm = sp(&doc).unwrap();
    assert_eq!(
        spm.entity_id,
        "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-9367a1b2c3"
    );
    assert_eq!(spm.acs.len(), 3);
    assert!(spm
        .acs
        .iter()
        .any(|a| a.location.starts_with("https://eu-west-1.sso.signin.aws/")));
    assert!(spm.acs[0].is_default);
    assert_eq!(
        spm.name_id_formats,
        ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]
    );
    assert!(check_sp(&spm).is_empty());

    let other = xml.replace(
        "eu-west-1.signin.aws.amazon.com/platform/saml/d-",
        "sp.example.com/d-",
    );
    let spm = sp(&xml::parse_for_tests(other.as_bytes()).unwrap()).unwrap();
    assert_eq!(codes(&check_sp(&spm)), [Code::SpNotIdentityCenter]);

    let plain = xml.replace(
        "Location=\"https://eu-west-1.signin.aws/",
        "Location=\"http://eu-west-1.signin.aws/",
    );
    let spm = sp(&xml::parse_for_tests(plain.as_bytes()).unwrap()).unwrap();
    assert!(codes(&check_sp(&spm)).contains(&Code::SpAcsNotHttps));

    let none = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://eu-west-1.signin.aws.amazon.com/platform/saml/d-1"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;
    let spm = sp(&xml::parse_for_tests(none.as_bytes()).unwrap()).unwrap();
    assert!(codes(&check_sp(&spm)).contains(&Code::SpNoAcs));

    // IdP metadata given where SP metadata belongs.
    let k = key(0, -30, 1000);
    let idp_xml = MetadataSpec::entra_app(TENANT, vec![k]).build();
    assert!(matches!(
        sp(&xml::parse_for_tests(idp_xml.as_bytes()).unwrap()),
        Err(MetadataError::IdpNotSp)
    ));
}

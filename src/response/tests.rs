use super::*;
use crate::cert::Certificate;
use crate::dsig::SignatureAlgorithm;
use chrono::{Duration, TimeZone};
use samlbridge_testkit::idp::{Attr, ResponseSpec, SigAlg, Signing};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};

const TENANT: &str = "0b8f3d52-7c1e-4e55-9a4b-2f1d6c3e8a90";
const ACS: &str =
    "https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e";
const AUDIENCE: &str = "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c";

pub(super) fn issued() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

pub(super) fn key(slot: u32) -> KeyPair {
    CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), slot),
        issued() - Duration::days(30),
        issued() + Duration::days(1000),
    )
    .serial(slot + 10)
    .build()
}

pub(super) fn settings(trusted: &[&KeyPair]) -> ValidateSettings {
    let mut trust = TrustAnchors::default();
    for (i, k) in trusted.iter().enumerate() {
        trust
            .add(
                format!("test key #{}", i + 1),
                Certificate::from_der(&k.cert_der()).unwrap(),
            )
            .expect("a few test keys");
    }
    ValidateSettings {
        trust,
        expect: Expectations {
            issuer: Some(format!("https://sts.windows.net/{TENANT}/")),
            audiences: vec![AUDIENCE.into()],
            acs: vec![ACS.into()],
            target: TargetChoice::Given(Target::IdentityCenter),
            expect_user: None,
            role_owner: Default::default(),
            now: JudgeAt::Given(issued() + Duration::seconds(30)),
            skew: Duration::minutes(3),
        },
        policy: SignaturePolicy::default(),
        overrides: Overrides::default(),
        engine: Engine::Native,
        decryption: Default::default(),
    }
}

pub(super) fn spec(signer: &KeyPair) -> ResponseSpec {
    ResponseSpec::entra(
        TENANT,
        signer.clone(),
        ACS,
        AUDIENCE,
        "alice@contoso.com",
        issued(),
    )
}

pub(super) fn run_result(
    xml: &[u8],
    s: &ValidateSettings,
) -> Result<ResponseReport, ResponseError> {
    let captured = Captured {
        label: "test".into(),
        binding: Binding::Post,
        xml: xml.to_vec(),
        encoded_len: xml.len() * 4 / 3,
        relay_state: None,
        captured_at: None,
    };
    validate(&captured, s)
}

fn run(xml: &str, s: &ValidateSettings) -> ResponseReport {
    run_result(xml.as_bytes(), s).unwrap()
}

fn codes(r: &ResponseReport) -> Vec<Code> {
    r.findings.iter().map(|f| f.code).collect()
}

#[test]
fn each_entra_signing_option_is_accepted() {
    let k = key(0);
    for (signing, response, assertion) in [
        (Signing::Assertion, false, true),
        (Signing::Response, true, false),
        (Signing::Both, true, true),
    ] {
        let mut s = spec(&k);
        s.signing = signing;
        let r = run(&s.build(), &settings(&[&k]));
        assert_eq!(codes(&r), vec![], "{signing:?}: {:?}", r.findings);
        assert!(r.accepted());
        let signing_info = r.signing.as_ref().unwrap();
        assert_eq!(
            (signing_info.response_signed, signing_info.assertion_signed),
            (response, assertion)
        );
        assert_eq!(signing_info.algorithm, SignatureAlgorithm::RsaSha256);
        assert_eq!(signing_info.signer.as_ref().unwrap().sha256, k.sha256_hex());
        let claims = r.claims.as_ref().unwrap();
        assert_eq!(claims.name_id.as_ref().unwrap().value, "alice@contoso.com");
        assert_eq!(claims.other_attributes.len(), 8);
    }
}

#[test]
fn signer_is_named_among_several_trusted_certificates() {
    let old = key(0);
    let new = key(1);
    let mut s = spec(&new);
    s.key_info = false;
    let r = run(&s.build(), &settings(&[&old, &new]));
    assert!(r.accepted(), "{:?}", r.findings);
    assert_eq!(r.signing.unwrap().signer.unwrap().label, "test key #2");
}

#[test]
fn sha1_is_refused_unless_allowed() {
    let k = key(0);
    let mut s = spec(&k);
    s.alg = SigAlg::RsaSha1;
    let xml = s.build();
    let r = run(&xml, &settings(&[&k]));
    assert_eq!(codes(&r), vec![Code::SignatureSha1]);
    assert!(!r.accepted());
    let mut allowed = settings(&[&k]);
    allowed.policy.allow_sha1 = true;
    allowed.overrides = Overrides::new::<&str>(&[], &["signature-sha1"]).unwrap();
    let r = run(&xml, &allowed);
    assert!(r.accepted(), "{:?}", r.findings);
    assert_eq!(r.findings[0].severity, crate::diag::Severity::Info);
}

#[test]
fn aws_attributes_come_first() {
    let k = key(0);
    let mut s = spec(&k);
    s.attributes.push(Attr::new(
        "https://aws.amazon.com/SAML/Attributes/AccessControl:Department",
        &["Finance"],
    ));
    let r = run(&s.build(), &settings(&[&k]));
    assert!(r.accepted(), "{:?}", r.findings);
    let claims = r.claims.unwrap();
    assert_eq!(claims.aws_attributes.len(), 1);
    assert_eq!(claims.aws_attributes[0].values[0].text, "Finance");
    let v = r.validity.unwrap();
    assert_eq!(v.seconds_left, Some(5 * 60 - 30));
}

#[test]
fn ids_must_be_xml_names() {
    let k = key(0);
    let mut s = spec(&k);
    // Unsigned (only the assertion is signed), but an ID libxmlsec1 would not index.
    s.response_id = "1f3d1c2e-8a4b-4c7d-9e1f-0a2b3c4d5e6f".into();
    let r = run(&s.build(), &settings(&[&k]));
    assert!(!r.accepted());
    assert_eq!(codes(&r), vec![Code::ResponseInvalidId]);
    assert!(r.findings[0].message.contains("\"1f3d1c2e-"));

    // Names today's XML allows and libxml2's older character classes do not (the fuzzer
    // found U+FEFF), against one both allow.
    for (id, valid) in [
        ("_6f3d1c2e-\u{FEFF}4c7d", false),
        ("_6f3d1c2e-\u{F900}4c7d", false),
        ("_6f3d1c2e-\u{FFFD}4c7d", false),
        ("_6f3d1c2e-\u{E9}4c7d", true),
    ] {
        s.response_id = id.into();
        let r = run(&s.build(), &settings(&[&k]));
        assert_eq!(r.accepted(), valid, "{id:?}: {:?}", r.findings);
        if !valid {
            assert_eq!(codes(&r), vec![Code::ResponseInvalidId], "{id:?}");
        }
    }
}

#[test]
fn inclusive_prefix_lists_are_bounded() {
    let k = key(0);
    let xml = spec(&k).build();
    let exc = r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;
    assert!(xml.contains(exc));
    let with_list = |list: &str| {
        xml.replace(
            exc,
            &format!(
                r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="{list}"/></Transform>"#
            ),
        )
    };
    // Refused by the structure checks, before either engine: both judge alike.
    let many: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();
    for engine in [Engine::Native, Engine::Samael] {
        let mut s = settings(&[&k]);
        s.engine = engine;
        let r = run(&with_list(&many.join(" ")), &s);
        assert_eq!(codes(&r), vec![Code::SignatureStructure], "{engine:?}");
        assert!(
            r.findings[0].message.contains("more than 64 prefixes"),
            "{:?}",
            r.findings
        );
        let r = run(&with_list("not:a:prefix"), &s);
        assert_eq!(codes(&r), vec![Code::SignatureStructure], "{engine:?}");
        assert!(
            r.findings[0].message.contains("not a namespace prefix"),
            "{:?}",
            r.findings
        );
    }
    // Repeats count once: such a list is read, and (SignedInfo having been edited here) the
    // signature value is what fails.
    let r = run(&with_list(&["xs"; 80].join(" ")), &settings(&[&k]));
    assert!(
        r.findings[0]
            .message
            .contains("signature value does not match"),
        "{:?}",
        r.findings
    );
}

#[test]
fn without_a_trusted_signature_the_rules_still_run_marked_unverified() {
    let signer = key(0);
    let trusted = key(1);
    let mut s = spec(&signer);
    s.name_id = "alice".into();
    let xml = s.build();
    for engine in [Engine::Native, Engine::Samael] {
        for trust in [vec![&trusted], vec![]] {
            let mut settings = settings(&trust);
            settings.engine = engine;
            let r = run(&xml, &settings);
            assert!(!r.accepted());
            assert!(r.claims.is_none() && r.validity.is_none() && r.signing.is_none());
            let claims = r.unverified_claims.as_ref().expect("shown unverified");
            assert_eq!(claims.name_id.as_ref().unwrap().value, "alice");
            assert_eq!(
                r.unverified_validity.unwrap().seconds_left,
                Some(5 * 60 - 30)
            );
            let marked: Vec<(Code, bool)> =
                r.findings.iter().map(|f| (f.code, f.unverified)).collect();
            assert_eq!(
                marked,
                [
                    (Code::SignatureUntrustedKey, false),
                    (Code::NameidFormat, true)
                ],
                "{engine:?}"
            );
        }
    }
}

#[test]
fn an_ambiguous_document_shows_nothing_unverified() {
    let k = key(0);
    let xml = spec(&k).build();
    // A second assertion beside the signed one: neither is read, not even unverified.
    let start = xml.find("<Assertion ").unwrap();
    let end = xml.find("</Assertion>").unwrap() + "</Assertion>".len();
    let copy = xml[start..end].replace("_a1b2c3d4", "_b1b2c3d4");
    let doubled = format!("{}{copy}{}", &xml[..end], &xml[end..]);
    let r = run(&doubled, &settings(&[&k]));
    assert!(!r.accepted());
    assert!(r.claims.is_none() && r.unverified_claims.is_none());
    assert_eq!(
        r.unverified_withheld,
        Some(verify::Withheld::Assertions.reason())
    );
    assert!(r.findings.iter().all(|f| !f.unverified), "{:?}", r.findings);
}

mod decryption {
    use super::*;
    use crate::xenc::DecryptionKey;
    use samlbridge_testkit::xenc::{Content, Encryption, KeyPlace, Names, Transport};

    /// The service provider's encryption key pair (not the signer's).
    fn sp(slot: u32) -> KeyPair {
        key(20 + slot)
    }

    fn decrypting(keys: &[&KeyPair]) -> ValidateSettings {
        let mut s = settings(&[&key(0)]);
        s.expect.target = TargetChoice::Unknown;
        s.decryption.keys = keys
            .iter()
            .enumerate()
            .map(|(i, k)| DecryptionKey::from_pem(format!("key #{}", i + 1), &k.key_pem()).unwrap())
            .collect();
        s
    }

    fn encrypted(e: Encryption) -> String {
        let mut s = spec(&key(0));
        s.encryption = Some(e);
        s.build()
    }

    /// Codes other than the target-unknown warning every unknown-target run carries.
    fn errors(r: &ResponseReport) -> Vec<Code> {
        codes(r)
            .into_iter()
            .filter(|c| *c != Code::TargetUnknown)
            .collect()
    }

    #[test]
    fn entra_shape_decrypts_and_verifies() {
        let xml = encrypted(Encryption::entra(sp(0)));
        assert!(xml.contains("xmlenc#aes256-cbc") && xml.contains("rsa-oaep-mgf1p"));
        let r = run(&xml, &decrypting(&[&sp(0)]));
        assert_eq!(errors(&r), vec![], "{:?}", r.findings);
        assert!(r.accepted());
        let d = r.decrypted.as_ref().unwrap();
        assert_eq!(d.key, "key #1");
        assert_eq!(
            d.certificate_sha256.as_deref(),
            Some(sp(0).sha256_hex().as_str())
        );
        assert_eq!(
            r.claims.unwrap().name_id.unwrap().value,
            "alice@contoso.com"
        );
        assert!(r.signing.unwrap().assertion_signed);
    }

    #[test]
    fn identity_center_refuses_even_what_decrypts() {
        let xml = encrypted(Encryption::entra(sp(0)));
        let mut s = decrypting(&[&sp(0)]);
        s.expect.target = TargetChoice::Given(Target::IdentityCenter);
        let r = run(&xml, &s);
        assert_eq!(codes(&r), vec![Code::AssertionEncrypted]);
        assert!(r.decrypted.is_some() && r.claims.is_some());
        assert!(!r.accepted());
    }

    #[test]
    fn every_algorithm_pair_decrypts() {
        for content in [
            Content::Aes128Cbc,
            Content::Aes192Cbc,
            Content::Aes256Cbc,
            Content::Aes128Gcm,
            Content::Aes192Gcm,
            Content::Aes256Gcm,
        ] {
            for transport in [
                Transport::OaepMgf1p,
                Transport::OaepMgf1pSha256,
                Transport::Oaep11Sha256,
            ] {
                let xml = encrypted(Encryption::entra(sp(0)).with(transport, content));
                let r = run(&xml, &decrypting(&[&sp(0)]));
                assert!(r.accepted(), "{transport:?} {content:?}: {:?}", r.findings);
                assert_eq!(r.decrypted.unwrap().content_encryption, content.uri());
            }
        }
    }

    #[test]
    fn key_beside_the_data_and_named_otherwise_decrypts() {
        for names in [
            Names::Certificate,
            Names::IssuerSerial,
            Names::KeyName("sp-2026".into()),
            Names::Nothing,
        ] {
            let mut e = Encryption::entra(sp(0));
            e.place = KeyPlace::Sibling;
            e.names = names.clone();
            let r = run(&encrypted(e), &decrypting(&[&sp(1), &sp(0)]));
            assert!(r.accepted(), "{names:?}: {:?}", r.findings);
            assert_eq!(r.decrypted.unwrap().key, "key #2");
        }
    }

    #[test]
    fn weak_algorithms_are_refused_unless_allowed() {
        for (transport, content, code) in [
            (Transport::Rsa15, Content::Aes256Cbc, Code::EncryptionRsa15),
            (
                Transport::OaepMgf1p,
                Content::TripleDesCbc,
                Code::Encryption3des,
            ),
        ] {
            let xml = encrypted(Encryption::entra(sp(0)).with(transport, content));
            let r = run(&xml, &decrypting(&[&sp(0)]));
            assert_eq!(errors(&r), vec![code]);
            assert!(r.decrypted.is_none() && r.claims.is_none());
            let mut s = decrypting(&[&sp(0)]);
            s.overrides = Overrides::new(&[], &[code.as_str().to_owned()]).unwrap();
            s.decryption.policy = crate::xenc::Policy {
                allow_rsa15: code == Code::EncryptionRsa15,
                allow_3des: code == Code::Encryption3des,
            };
            let r = run(&xml, &s);
            assert!(r.accepted(), "{:?}", r.findings);
            assert_eq!(
                r.findings.iter().find(|f| f.code == code).unwrap().severity,
                crate::diag::Severity::Info
            );
        }
    }

    #[test]
    fn no_key_names_the_certificate() {
        let xml = encrypted(Encryption::entra(sp(0)));
        let r = run(&xml, &decrypting(&[]));
        assert_eq!(errors(&r), vec![Code::EncryptionNoKey]);
        assert!(r
            .findings
            .iter()
            .any(|f| f.message.contains(&sp(0).sha256_hex())));
    }

    #[test]
    fn wrong_key_names_both_sides() {
        let xml = encrypted(Encryption::entra(sp(0)));
        let r = run(&xml, &decrypting(&[&sp(1)]));
        assert_eq!(errors(&r), vec![Code::EncryptionWrongKey]);
        let m = &r
            .findings
            .iter()
            .find(|f| f.code == Code::EncryptionWrongKey)
            .unwrap()
            .message;
        assert!(
            m.contains(&sp(0).sha256_hex()) && m.contains("key #1"),
            "{m}"
        );
    }

    #[test]
    fn rotation_either_key_works() {
        for recipient in [sp(0), sp(1)] {
            let xml = encrypted(Encryption::entra(recipient));
            let r = run(&xml, &decrypting(&[&sp(0), &sp(1)]));
            assert!(r.accepted(), "{:?}", r.findings);
        }
    }
}

mod decryption_attacks {
    use super::*;
    use crate::xenc::DecryptionKey;
    use samlbridge_testkit::xenc::{Content, Encryption};

    fn sp() -> KeyPair {
        key(20)
    }

    fn decrypting() -> ValidateSettings {
        let mut s = settings(&[&key(0)]);
        s.expect.target = TargetChoice::Unknown;
        s.decryption.keys =
            vec![DecryptionKey::from_pem("sp.pem".into(), &sp().key_pem()).unwrap()];
        s
    }

    fn errors(r: &ResponseReport) -> Vec<Code> {
        codes(r)
            .into_iter()
            .filter(|c| *c != Code::TargetUnknown)
            .collect()
    }

    /// The signed response with its assertion (signed or not) replaced by `with`, which is
    /// given the assertion's text.
    fn replace_assertion(s: &ResponseSpec, with: impl Fn(&str) -> String) -> String {
        let xml = s.build();
        let start = xml.find("<Assertion ").unwrap();
        let end = xml.find("</Assertion>").unwrap() + "</Assertion>".len();
        format!("{}{}{}", &xml[..start], with(&xml[start..end]), &xml[end..])
    }

    /// The assertion encrypted with `content`, its ciphertext changed by `tamper`.
    fn tampered(content: Content, tamper: impl Fn(&mut Vec<u8>, usize)) -> String {
        let e =
            Encryption::entra(sp()).with(samlbridge_testkit::xenc::Transport::OaepMgf1p, content);
        replace_assertion(&spec(&key(0)), |a| {
            let (mut ct, cek) = e.encrypt_content(a.as_bytes());
            tamper(&mut ct, a.len());
            e.encrypted_assertion(&ct, &e.wrap_key(&cek))
        })
    }

    #[test]
    fn tampered_cbc_and_gcm_say_the_same() {
        // CBC: the pad-length byte turned to 0, through the block before it.
        let cbc = tampered(Content::Aes256Cbc, |ct, len| {
            let pad = 16 - len % 16;
            let at = ct.len() - 17;
            ct[at] ^= u8::try_from(pad).unwrap();
        });
        // GCM: one bit of the ciphertext.
        let gcm = tampered(Content::Aes256Gcm, |ct, _| ct[20] ^= 1);
        let messages: Vec<String> = [cbc, gcm]
            .iter()
            .map(|xml| {
                let r = run(xml, &decrypting());
                assert_eq!(errors(&r), vec![Code::EncryptionFailed], "{:?}", r.findings);
                assert!(r.claims.is_none() && r.unverified_claims.is_none());
                r.findings[0].message.clone()
            })
            .collect();
        assert_eq!(messages[0], messages[1]);
    }

    #[test]
    fn wrapped_key_altered_says_the_same() {
        let e = Encryption::entra(sp());
        let xml = replace_assertion(&spec(&key(0)), |a| {
            let (ct, cek) = e.encrypt_content(a.as_bytes());
            let mut wrapped = e.wrap_key(&cek);
            wrapped[5] ^= 0x40;
            e.encrypted_assertion(&ct, &wrapped)
        });
        let r = run(&xml, &decrypting());
        assert_eq!(errors(&r), vec![Code::EncryptionFailed]);
    }

    #[test]
    fn decrypting_to_something_else_is_refused() {
        let e = Encryption::entra(sp()).with(
            samlbridge_testkit::xenc::Transport::OaepMgf1p,
            Content::Aes128Gcm,
        );
        for plaintext in [
            "not xml at all".to_owned(),
            r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">x</Issuer>"#.to_owned(),
            "ASSERTION ASSERTION".to_owned(),
            "ASSERTION<!-- -->".to_owned(),
            "<!DOCTYPE x [<!ENTITY e 'x'>]>ASSERTION".to_owned(),
        ] {
            let xml = replace_assertion(&spec(&key(0)), |a| {
                let (ct, cek) = e.encrypt_content(plaintext.replace("ASSERTION", a).as_bytes());
                e.encrypted_assertion(&ct, &e.wrap_key(&cek))
            });
            let r = run(&xml, &decrypting());
            assert_eq!(
                errors(&r),
                vec![Code::EncryptionNotAssertion],
                "{plaintext}"
            );
            assert!(r.claims.is_none());
        }
    }

    #[test]
    fn encrypted_beside_plain_is_wrapping() {
        let e = Encryption::entra(sp());
        let xml = replace_assertion(&spec(&key(0)), |a| format!("{}{a}", e.encrypt_assertion(a)));
        let r = run(&xml, &decrypting());
        assert!(
            errors(&r).contains(&Code::EncryptionWrapping),
            "{:?}",
            r.findings
        );
        assert!(r.decrypted.is_none() && r.claims.is_none() && r.unverified_claims.is_none());
        assert!(!r.accepted());
    }

    #[test]
    fn wrapping_inside_the_decrypted_assertion_is_caught() {
        let e = Encryption::entra(sp());
        // A second, unsigned assertion nested inside the signed one.
        let xml = replace_assertion(&spec(&key(0)), |a| {
            let evil = a.replacen(
                "<Subject>",
                r#"<Advice><Assertion ID="_evil" IssueInstant="2026-11-27T09:00:00Z" Version="2.0"><Issuer>x</Issuer></Assertion></Advice><Subject>"#,
                1,
            );
            e.encrypt_assertion(&evil)
        });
        let r = run(&xml, &decrypting());
        assert!(r.decrypted.is_some());
        assert!(
            errors(&r).contains(&Code::ResponseAssertionCount),
            "{:?}",
            r.findings
        );
        assert!(r.claims.is_none() && !r.accepted());
        // The signed assertion's content changed after signing.
        let xml = replace_assertion(&spec(&key(0)), |a| {
            e.encrypt_assertion(&a.replacen("alice@contoso.com", "admin@contoso.com", 1))
        });
        let r = run(&xml, &decrypting());
        assert_eq!(errors(&r), vec![Code::SignatureInvalid], "{:?}", r.findings);
    }

    #[test]
    fn a_signed_response_wrapping_an_encrypted_assertion() {
        for signing in [Signing::Response, Signing::Both] {
            let mut s = spec(&key(0));
            s.signing = signing;
            s.encryption = Some(Encryption::entra(sp()));
            let xml = s.build();
            let r = run(&xml, &decrypting());
            assert!(r.accepted(), "{signing:?}: {:?}", r.findings);
            assert!(r.signing.as_ref().unwrap().response_signed);
            // The ciphertext swapped for another one after the Response was signed.
            let other = Encryption::entra(sp()).encrypt_assertion(
                &spec(&key(0))
                    .build()
                    .split("<Assertion ")
                    .nth(1)
                    .map(|rest| {
                        format!(
                            "<Assertion {}",
                            rest.split("</samlp:Response>").next().unwrap()
                        )
                    })
                    .unwrap(),
            );
            let start = xml.find("<EncryptedAssertion").unwrap();
            let end = xml.find("</EncryptedAssertion>").unwrap() + "</EncryptedAssertion>".len();
            let swapped = format!("{}{other}{}", &xml[..start], &xml[end..]);
            let r = run(&swapped, &decrypting());
            assert!(
                errors(&r).contains(&Code::SignatureInvalid),
                "{signing:?}: {:?}",
                r.findings
            );
            assert!(!r.accepted());
        }
    }
}

/// Several rounds on two threads: what `emit` receives comes in input order, counts as the
/// reports said, carries their findings, and an error from `emit` ends the run with it.
#[test]
fn a_batch_hands_on_every_outcome_in_order_across_rounds() {
    let signer = key(1);
    let s = settings(&[&signer]);
    let accepted = spec(&signer).build();
    let mut late = spec(&signer);
    late.issue_instant = issued() - Duration::days(2);
    let expired = late.build();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let batch = Batch {
        limits: DecodeLimits::default(),
        settings: &s,
        pool: &pool,
        no_response: &|_, _| None,
    };
    // Five rounds and some: accepted, rejected, unreadable in turn.
    let inputs: Vec<usize> = (0..ITEMS_PER_ROUND_PER_THREAD * 2 * 5 + 7).collect();
    let load = |&i: &usize| -> (String, Result<Vec<u8>, String>) {
        let name = format!("input {i}");
        match i % 3 {
            0 => (name, Ok(accepted.clone().into_bytes())),
            1 => (name, Ok(expired.clone().into_bytes())),
            _ => (name, Err("no such file".to_owned())),
        }
    };
    let mut seen: Vec<(String, &'static str, usize)> = Vec::new();
    let mut summary = Summary::default();
    batch
        .run(
            inputs.clone(),
            |_| 0,
            load,
            |outcome| match outcome {
                Outcome::Response(r) => r.label.clone(),
                Outcome::Error(e) => e.label.clone(),
            },
            |settled, label| {
                summary.add(&settled);
                let (kind, findings) = match settled {
                    Settled::Response {
                        accepted: true,
                        findings,
                    } => ("accepted", findings.len()),
                    Settled::Response { findings, .. } => ("rejected", findings.len()),
                    Settled::Error(_) => ("unreadable", 0),
                };
                seen.push((label, kind, findings));
                Ok::<(), ()>(())
            },
        )
        .unwrap();
    assert_eq!(seen.len(), inputs.len());
    for (i, (label, kind, findings)) in seen.iter().enumerate() {
        assert!(label.starts_with(&format!("input {i}")), "{i}: {label}");
        let expected = ["accepted", "rejected", "unreadable"][i % 3];
        assert_eq!(*kind, expected, "{label}");
        if *kind == "rejected" {
            assert!(*findings > 0, "a rejection keeps its findings");
        }
    }
    let thirds = |r: usize| (0..inputs.len()).filter(|i| i % 3 == r).count();
    assert_eq!(
        summary,
        Summary {
            accepted: thirds(0),
            rejected: thirds(1),
            unreadable: thirds(2),
        }
    );

    let mut emitted = 0;
    let stopped = batch.run(
        inputs,
        |_| 0,
        load,
        |_| (),
        |_, ()| {
            emitted += 1;
            if emitted == 200 {
                Err("the output is gone")
            } else {
                Ok(())
            }
        },
    );
    assert_eq!(stopped, Err("the output is gone"));
    assert_eq!(emitted, 200, "nothing is emitted after the error");
}

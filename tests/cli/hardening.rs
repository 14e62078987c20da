//! What an independent red team found, class by class: unsigned values that contradict signed
//! ones, elements that must appear once read from their first copy, values not taken as
//! written, times that are not xs:dateTime. Each hostile fixture (testdata/responses/hostile/)
//! is refused for its own reason and no other, whichever element is signed, with either
//! engine, and when nothing trusted signs it the same findings show, marked unverified.

use crate::util::*;
use samlbridge_testkit::fixtures::{self, hostile_responses, idc_response};
use samlbridge_testkit::idp::{ResponseSpec, Signing};
use samlbridge_testkit::pki::KeyPair;
use serde_json::Value;

/// Every hostile fixture and the error codes it gets: exactly these.
const CASES: &[(&str, &[&str])] = &[
    ("destination-other-acs", &["response-destination-recipient"]),
    ("in-response-to-differs", &["response-in-response-to"]),
    ("in-response-to-response-only", &["response-in-response-to"]),
    (
        "in-response-to-confirmation-only",
        &["response-in-response-to"],
    ),
    ("two-issuers", &["response-cardinality"]),
    ("two-subjects", &["response-cardinality"]),
    ("two-nameids", &["response-cardinality"]),
    ("two-confirmation-data", &["response-cardinality"]),
    ("two-conditions-expired", &["response-cardinality"]),
    ("two-conditions-audience", &["response-cardinality"]),
    ("response-two-issuers", &["response-cardinality"]),
    ("response-two-statuses", &["response-cardinality"]),
    ("nameid-surrounding-space", &["nameid-format"]),
    ("nameid-zero-width", &["nameid-invisible"]),
    ("nameid-bidi-override", &["nameid-invisible"]),
    ("time-space-separator", &["assertion-invalid-time"]),
    ("time-lowercase", &["assertion-invalid-time"]),
];

fn codes_for(name: &str) -> &'static [&'static str] {
    CASES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no expectation for hostile case {name}: add one"))
        .1
}

fn key(name: &str) -> KeyPair {
    KeyPair::from_pem(
        &std::fs::read(testdata(&format!("keys/{name}.key.pem"))).unwrap(),
        &std::fs::read(testdata(&format!("keys/{name}.cert.pem"))).unwrap(),
    )
}

/// Sorted, deduplicated error codes of the first response.
fn errors(doc: &Value) -> Vec<String> {
    error_codes(&doc["responses"][0])
}

/// The message of the first finding with `code`.
fn message(doc: &Value, code: &str) -> String {
    doc["responses"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {doc}"))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Validates `xml` (written to a file) for the shipped Identity Center world: exit code and JSON.
fn validate_xml(xml: &str, extra: &[&str]) -> (i32, Value) {
    let dir = tempdir();
    let path = dir.path().join("response.xml");
    std::fs::write(&path, xml).unwrap();
    let out = validate_json(path.to_str().unwrap(), extra);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (code(&out), serde_json::from_slice(&out.stdout).unwrap())
}

/// Rejected with exactly `codes` as errors, read from verified content: the signature holds, so
/// the rule under test is what refuses it.
fn refused_verified(name: &str, (exit, doc): (i32, Value), codes: &[&str]) {
    assert_eq!(exit, 1, "{name}: {doc}");
    let r = &doc["responses"][0];
    assert_eq!(r["verdict"], "reject", "{name}: {doc}");
    assert_eq!(errors(&doc), codes, "{name}: {doc}");
    assert!(r["claims"].is_object(), "{name}: signed, so read: {doc}");
    assert!(r.get("unverified_claims").is_none(), "{name}: {doc}");
}

#[test]
fn every_hostile_fixture_is_refused_for_its_own_reason() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/responses/hostile");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".xml").to_owned()
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(files, listed, "every fixture has its expectation");
    for (name, codes) in CASES {
        let out = validate_json(&testdata(&format!("responses/hostile/{name}.xml")), &[]);
        refused_verified(name, (code(&out), json(&out)), codes);
    }
}

/// The same classes with the Response signed too (so its Destination, InResponseTo, Issuer and
/// Status are signed as well) or alone, judged by both engines.
#[test]
fn whichever_element_is_signed_and_with_either_engine() {
    let signer = key("entra-app-active");
    for (name, spec) in hostile_responses(&signer) {
        for signing in [Signing::Response, Signing::Both] {
            let mut s = spec.clone();
            s.signing = signing;
            let xml = s.build();
            for engine in ["native", "samael"] {
                let label = format!("{name} ({signing:?}, {engine})");
                refused_verified(
                    &label,
                    validate_xml(&xml, &["--engine", engine]),
                    codes_for(name),
                );
            }
        }
    }
}

/// Signed by a key nobody trusts: the signature is refused, and the same rules still say what
/// else is wrong, marked unverified where they judge the unverified assertion.
#[test]
fn unverified_content_gets_the_same_findings_marked() {
    for (name, spec) in hostile_responses(&key("attacker")) {
        let (exit, doc) = validate_xml(&spec.build(), &[]);
        assert_eq!(exit, 1, "{name}: {doc}");
        let r = &doc["responses"][0];
        assert!(r["claims"].is_null() && r["unverified_claims"].is_object());
        let mut expected: Vec<&str> = codes_for(name).to_vec();
        expected.push("signature-untrusted-key");
        expected.sort();
        assert_eq!(errors(&doc), expected, "{name}: {doc}");
        // The Response's own repeats are judged on the document as received, never marked; all
        // else comes from the unverified assertion.
        let from_envelope = name.starts_with("response-");
        for f in r["findings"].as_array().unwrap() {
            if codes_for(name).contains(&f["code"].as_str().unwrap()) {
                assert_eq!(f["unverified"] == true, !from_envelope, "{name}: {f}");
            }
        }
    }
}

#[test]
fn destination_and_recipient_must_name_the_same_listed_acs_url() {
    let out = validate_json(
        &testdata("responses/hostile/destination-other-acs.xml"),
        &[],
    );
    let doc = json(&out);
    let m = message(&doc, "response-destination-recipient");
    assert!(
        m.contains(&format!("Destination is {:?}", fixtures::idc_other_acs()))
            && m.contains(&format!("Recipient is {:?}", fixtures::idc_acs())),
        "{m}"
    );
    // Each alone is one of the ACS URLs listed, so no other rule objects.
    assert!(!has_finding(&doc, "response-destination", "error"));
    assert!(!has_finding(&doc, "assertion-recipient", "error"));
    // Both on the other listed URL is what Entra sends for that Reply URL: accepted.
    let mut s = idc_response(&key("entra-app-active"));
    s.destination = Some(fixtures::idc_other_acs());
    s.recipient = fixtures::idc_other_acs();
    let (exit, doc) = validate_xml(&s.build(), &[]);
    assert_eq!(exit, 0, "{doc}");
}

#[test]
fn in_response_to_must_agree_or_be_absent_from_both() {
    let doc = json(&validate_json(
        &testdata("responses/hostile/in-response-to-differs.xml"),
        &[],
    ));
    let m = message(&doc, "response-in-response-to");
    assert!(
        m.contains("\"id-00000000000000000000000000000000\"")
            && m.contains("\"id-4f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b\""),
        "{m}"
    );
    let doc = json(&validate_json(
        &testdata("responses/hostile/in-response-to-response-only.xml"),
        &[],
    ));
    assert!(message(&doc, "response-in-response-to").contains("4.1.4.2"));
    let doc = json(&validate_json(
        &testdata("responses/hostile/in-response-to-confirmation-only.xml"),
        &[],
    ));
    assert!(message(&doc, "response-in-response-to").contains("unsolicited"));
    // An IdP-initiated sign-in names no request in either place: accepted.
    let mut s = idc_response(&key("entra-app-active"));
    s.in_response_to = None;
    let (exit, doc) = validate_xml(&s.build(), &[]);
    assert_eq!(exit, 0, "{doc}");
}

#[test]
fn contradictions_and_repeats_cannot_be_allowed() {
    for code_name in [
        "response-cardinality",
        "response-destination-recipient",
        "response-in-response-to",
    ] {
        let out = validate_json(
            &testdata("responses/hostile/two-nameids.xml"),
            &["--allow", code_name],
        );
        assert_eq!(code(&out), 2, "{code_name}");
        assert!(stderr(&out).contains(code_name), "{}", stderr(&out));
    }
    // An invisible character is the user's to judge: allowed, it no longer rejects.
    let out = validate_json(
        &testdata("responses/hostile/nameid-zero-width.xml"),
        &["--allow", "nameid-invisible"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Every element a rule reads that the schema allows once, repeated in signed content.
#[test]
fn every_single_element_a_rule_reads_is_counted() {
    let signer = key("entra-app-active");
    let email = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    let class = "<AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</AuthnContextClassRef>";
    let success = r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>"#;
    let cases: &[(&str, bool, &str, &str, &str)] = &[
        // (what, in the assertion?, from, to, what the message names)
        (
            "a NameID and an EncryptedID",
            true,
            "</NameID>",
            "</NameID><EncryptedID><EncryptedData xmlns=\"http://www.w3.org/2001/04/xmlenc#\"/></EncryptedID>",
            "NameID \"alice@contoso.com\", EncryptedID",
        ),
        (
            "two NameIDs in the bearer confirmation",
            true,
            "<SubjectConfirmationData",
            &format!(
                r#"<NameID Format="{email}">alice@contoso.com</NameID><NameID Format="{email}">admin@contoso.com</NameID><SubjectConfirmationData"#
            ),
            "the SubjectConfirmation holds 2 identifiers",
        ),
        (
            "two AuthnContextClassRefs",
            true,
            class,
            &format!("{class}{class}"),
            "the AuthnContext holds 2 AuthnContextClassRef elements",
        ),
        (
            "two AuthnContexts",
            true,
            "</AuthnContext>",
            &format!("</AuthnContext><AuthnContext>{class}</AuthnContext>"),
            "the AuthnStatement holds 2 AuthnContext elements",
        ),
        (
            "two StatusCodes",
            false,
            success,
            &format!("{success}{success}"),
            "the Status holds 2 StatusCode elements",
        ),
        (
            "two StatusMessages",
            false,
            "</samlp:Status>",
            "<samlp:StatusMessage>a</samlp:StatusMessage><samlp:StatusMessage>b</samlp:StatusMessage></samlp:Status>",
            "the Status holds 2 StatusMessage elements",
        ),
    ];
    for (what, in_assertion, from, to, named) in cases {
        let mut s = idc_response(&signer);
        if *in_assertion {
            s.edit_assertion(from, to);
        } else {
            s.signing = Signing::Both;
            s.edit_response(from, to);
        }
        let (exit, doc) = validate_xml(&s.build(), &[]);
        refused_verified(what, (exit, doc.clone()), &["response-cardinality"]);
        assert!(
            message(&doc, "response-cardinality").contains(named),
            "{what}: {doc}"
        );
    }
}

/// The repeats name what each copy says, so a reader sees both identities.
#[test]
fn a_repeated_identity_names_every_copy() {
    let doc = json(&validate_json(
        &testdata("responses/hostile/two-nameids.xml"),
        &[],
    ));
    let m = message(&doc, "response-cardinality");
    assert!(
        m.contains(r#"NameID "alice@contoso.com", NameID "admin@contoso.com""#)
            && m.contains("which user it signs in"),
        "{m}"
    );
}

/// Several AudienceRestrictions are separate conditions: every one must name AWS.
#[test]
fn every_audience_restriction_must_hold() {
    let mut s = idc_response(&key("entra-app-active"));
    s.edit_assertion(
        "</AudienceRestriction>",
        "</AudienceRestriction><AudienceRestriction><Audience>https://signin.aws.amazon.com/saml</Audience></AudienceRestriction>",
    );
    refused_verified(
        "two audience restrictions",
        validate_xml(&s.build(), &[]),
        &["assertion-audience"],
    );
}

#[test]
fn the_nameid_is_taken_and_shown_exactly_as_written() {
    let path = testdata("responses/hostile/nameid-surrounding-space.xml");
    let out = validate_json(&path, &["--expect-user", "alice@contoso.com"]);
    let doc = json(&out);
    assert_eq!(
        doc["responses"][0]["claims"]["name_id"]["value"],
        "  alice@contoso.com\n"
    );
    // The email-address rule and --expect-user judge the value as written; the white space is
    // said on its own, a warning.
    assert_eq!(errors(&doc), ["nameid-format", "nameid-user-mismatch"]);
    assert!(has_finding(&doc, "nameid-whitespace", "warning"));
    assert!(message(&doc, "nameid-whitespace").contains("U+0020 at 1, U+0020 at 2, U+000A at 20"));
    assert!(!has_finding(&doc, "nameid-invisible", "error"));
    // A line break inside the name is no white space around it: it hides.
    let mut s = idc_response(&key("entra-app-active"));
    s.name_id = "alice@contoso.com\nadmin@contoso.com".into();
    let (_, doc) = validate_xml(&s.build(), &[]);
    assert!(
        message(&doc, "nameid-invisible").contains("U+000A at 18"),
        "{doc}"
    );
    // The human report quotes it, so the spaces show, and escapes the line feed.
    let args = validate_idc_args(
        &[&path],
        "metadata/entra-app-rollover.xml",
        &["--color", "never"],
    );
    let text = stdout(&run(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(
        text.contains(r#"NameID  "  alice@contoso.com\n""#),
        "{text}"
    );
}

#[test]
fn invisible_characters_in_the_nameid_are_named_and_shown() {
    for (name, point, shown) in [
        (
            "nameid-zero-width",
            "U+200B at 6",
            r"alice\u{200B}@contoso.com",
        ),
        (
            "nameid-bidi-override",
            "U+202E at 7",
            r"alice@\u{202E}moc.osotnoc",
        ),
    ] {
        let path = testdata(&format!("responses/hostile/{name}.xml"));
        let doc = json(&validate_json(&path, &[]));
        assert!(message(&doc, "nameid-invisible").contains(point), "{doc}");
        let args = validate_idc_args(
            &[&path],
            "metadata/entra-app-rollover.xml",
            &["--color", "never"],
        );
        let text = stdout(&run(&args.iter().map(String::as_str).collect::<Vec<_>>()));
        assert!(text.contains(&format!("NameID  {shown}")), "{text}");
    }
}

/// Times in xs:dateTime's form only; an offset is an exact instant and is accepted.
#[test]
fn times_are_xs_date_times() {
    let signer = key("entra-app-active");
    let issued = ResponseSpec::time(fixtures::issue_instant());
    let not_after = ResponseSpec::time(fixtures::issue_instant() + chrono::Duration::minutes(70));
    let attr = |name: &str, value: &str| format!(r#"{name}="{value}""#);
    let offset = "2026-11-27T11:10:00.0000000+01:00";
    let mut s = idc_response(&signer);
    s.edit_assertion(
        &attr("NotOnOrAfter", &not_after),
        &attr("NotOnOrAfter", offset),
    );
    let (exit, doc) = validate_xml(&s.build(), &[]);
    assert_eq!(exit, 0, "{doc}");
    for (what, in_assertion, written) in [
        (
            "Conditions NotOnOrAfter",
            true,
            not_after.trim_end_matches('Z'),
        ),
        ("Assertion IssueInstant", true, &*issued.replace('T', "t")),
        ("Response IssueInstant", false, &*issued.replace('T', " ")),
    ] {
        let mut s = idc_response(&signer);
        if in_assertion {
            let from = if what.starts_with("Conditions") {
                attr("NotOnOrAfter", &not_after)
            } else {
                attr("IssueInstant", &issued)
            };
            s.edit_assertion(&from, &attr(what.rsplit(' ').next().unwrap(), written));
        } else {
            s.edit_response(
                &attr("IssueInstant", &issued),
                &attr("IssueInstant", written),
            );
        }
        let (exit, doc) = validate_xml(&s.build(), &[]);
        refused_verified(what, (exit, doc.clone()), &["assertion-invalid-time"]);
        assert!(
            message(&doc, "assertion-invalid-time")
                .starts_with(&format!("{what} {written:?} is not an xs:dateTime")),
            "{what}: {doc}"
        );
    }
}

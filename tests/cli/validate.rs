//! `samlbridge validate` on the fixtures in testdata/responses (one test each), every input
//! form, and the command's options.

use crate::util::*;
use serde_json::Value;

const NOW: &str = FIXTURE_NOW;

/// Validates the fixture `file` (under testdata/) for Identity Center.
fn idc(file: &str, extra: &[&str]) -> (i32, Value, String) {
    idc_path(&testdata(file), extra)
}

/// Validates the file at `path` for Identity Center.
fn idc_path(path: &str, extra: &[&str]) -> (i32, Value, String) {
    let out = validate_json(path, extra);
    (
        code(&out),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr(&out),
    )
}

fn iam(file: &str, extra: &[&str]) -> (i32, Value, String) {
    let path = testdata(file);
    let md = testdata("metadata/entra-app-rollover.xml");
    let mut args = vec![
        "validate",
        &path,
        "--metadata",
        &md,
        "--target",
        "iam",
        "--now",
        NOW,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    (
        code(&out),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr(&out),
    )
}

fn accepted(r: (i32, Value, String), name_id: &str) -> Value {
    let (exit, doc, err) = r;
    assert_eq!(exit, 0, "{err} {doc}");
    assert_eq!(doc["verdict"], "pass");
    for resp in doc["responses"].as_array().unwrap() {
        assert_eq!(resp["verdict"], "accept");
        assert_eq!(resp["claims"]["name_id"]["value"], name_id);
        assert!(resp.get("unverified_claims").is_none(), "{resp}");
    }
    doc
}

/// Rejected with exactly these error codes (unverified findings included).
fn rejected(r: (i32, Value, String), codes: &[&str]) -> Value {
    let (exit, doc, err) = r;
    assert_eq!(exit, 1, "{err} {doc}");
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["responses"][0]["verdict"], "reject");
    assert_eq!(error_codes(&doc), codes, "{doc}");
    let r = &doc["responses"][0];
    assert!(
        r["claims"].is_null() || r.get("unverified_claims").is_none(),
        "claims are verified or unverified, never both: {doc}"
    );
    doc
}

/// What a rejected response with no trusted signature shows of its content.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unverified {
    /// Its one Assertion, as `unverified_claims`.
    Shown,
    /// Nothing: the structure is ambiguous, and the report says why.
    Withheld,
    /// Nothing: there is no readable assertion.
    Unread,
}

/// No verified claims, ever, from a response no trusted signature covers; the unverified
/// content as `shown`.
fn unverified(doc: &Value, shown: Unverified) {
    let r = &doc["responses"][0];
    assert!(r["claims"].is_null(), "claims must not be reported: {doc}");
    assert!(r["validity"].is_null() && r["signing"].is_null(), "{doc}");
    let claims = r.get("unverified_claims");
    let withheld = r.get("unverified_withheld");
    match shown {
        Unverified::Shown => {
            assert!(claims.is_some_and(Value::is_object), "{doc}");
            assert!(r["unverified_validity"].is_object() && withheld.is_none());
        }
        Unverified::Withheld => {
            assert!(
                claims.is_none() && r.get("unverified_validity").is_none(),
                "{doc}"
            );
            assert!(withheld.is_some_and(Value::is_string), "{doc}");
        }
        Unverified::Unread => assert!(claims.is_none() && withheld.is_none(), "{doc}"),
    }
    let marked = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["unverified"] == true);
    assert!(
        shown == Unverified::Shown || !marked,
        "nothing read, nothing judged: {doc}"
    );
}

macro_rules! accept {
    ($($name:ident: $run:ident($file:expr) => $nameid:expr;)*) => {$(
        #[test]
        fn $name() {
            accepted($run($file, &[]), $nameid);
        }
    )*};
}

macro_rules! reject {
    ($($name:ident: $run:ident($file:expr) => [$($code:expr),*] $(, unverified $shown:ident)?;)*) => {$(
        #[test]
        fn $name() {
            let _doc = rejected($run($file, &[]), &[$($code),*]);
            $( unverified(&_doc, Unverified::$shown); )?
        }
    )*};
}

accept! {
    valid_assertion_signed: idc("responses/valid/idc-assertion-signed.xml") => "alice@contoso.com";
    valid_response_signed: idc("responses/valid/idc-response-signed.xml") => "alice@contoso.com";
    valid_both_signed: idc("responses/valid/idc-both-signed.xml") => "alice@contoso.com";
    valid_abac: idc("responses/valid/idc-abac.xml") => "alice@contoso.com";
    valid_iam: iam("responses/valid/iam.xml") => "alice@contoso.com";
    valid_next_certificate_with_rollover_metadata: idc("responses/valid/idc-signed-by-next-cert.xml") => "alice@contoso.com";
    valid_prefix_list_17: idc("responses/valid/prefix-list-17.xml") => "alice@contoso.com";
    valid_declared_iso_8859_1: idc("responses/valid/declared-iso-8859-1.xml") => "alice@contoso.com";
    encoding_base64: idc("responses/encodings/idc.b64") => "alice@contoso.com";
    encoding_urlsafe_base64: idc("responses/encodings/idc.urlsafe.b64") => "alice@contoso.com";
    encoding_form_body: idc("responses/encodings/idc.form.txt") => "alice@contoso.com";
    encoding_saml_tracer: idc("responses/encodings/capture.saml-tracer.json") => "alice@contoso.com";
}

reject! {
    invalid_status_aadsts: idc("responses/invalid/status-aadsts50105.xml") => ["response-status"], unverified Unread;
    invalid_issuer: idc("responses/invalid/issuer-other-tenant.xml") => ["assertion-issuer", "response-issuer"];
    invalid_destination: idc("responses/invalid/destination-wrong.xml") => ["response-destination"];
    invalid_destination_prefix: idc("responses/invalid/destination-prefix.xml") => ["response-destination"];
    invalid_recipient: idc("responses/invalid/recipient-wrong.xml") => ["assertion-recipient"];
    invalid_audience: idc("responses/invalid/audience-wrong.xml") => ["assertion-audience"];
    invalid_audience_prefix: idc("responses/invalid/audience-prefix.xml") => ["assertion-audience"];
    invalid_expired: idc("responses/invalid/expired.xml") => ["assertion-expired"];
    invalid_not_yet_valid: idc("responses/invalid/not-yet-valid.xml") => ["assertion-not-yet-valid"];
    invalid_no_bearer: idc("responses/invalid/no-bearer.xml") => ["assertion-bearer"];
    invalid_nameid_missing: idc("responses/invalid/nameid-missing.xml") => ["nameid-missing"];
    invalid_nameid_persistent: idc("responses/invalid/nameid-persistent.xml") => ["nameid-format"];
    invalid_nameid_not_email: idc("responses/invalid/nameid-not-email.xml") => ["nameid-format"];
    invalid_abac_multivalued: idc("responses/invalid/abac-multivalued.xml") => ["abac-multivalued"];
    invalid_abac_key: idc("responses/invalid/abac-bad-key.xml") => ["abac-key"];
    invalid_abac_duplicate: idc("responses/invalid/abac-duplicate.xml") => ["abac-duplicate"];
    invalid_abac_too_many: idc("responses/invalid/abac-too-many.xml") => ["abac-too-many"];
    invalid_abac_structured: idc("responses/invalid/abac-structured.xml") => ["abac-structured"];
    invalid_iam_role_missing: iam("responses/invalid/iam-role-missing.xml") => ["iam-role-missing"];
    invalid_iam_role_format: iam("responses/invalid/iam-role-format.xml") => ["iam-role-format"];
    invalid_iam_attribute_case: iam("responses/invalid/iam-attribute-case.xml") => ["iam-attribute-case", "iam-role-missing"];
    invalid_iam_session_name: iam("responses/invalid/iam-session-name.xml") => ["iam-session-name"];
    invalid_iam_session_name_missing: iam("responses/invalid/iam-session-name-missing.xml") => ["iam-session-name-missing"];
    invalid_iam_session_duration: iam("responses/invalid/iam-session-duration.xml") => ["iam-session-duration"];
    invalid_iam_principal_tag: iam("responses/invalid/iam-principal-tag.xml") => ["iam-principal-tag"];
    invalid_iam_source_identity: iam("responses/invalid/iam-source-identity.xml") => ["iam-source-identity"];
    invalid_unsigned: idc("responses/invalid/unsigned.xml") => ["signature-missing"], unverified Shown;
    invalid_tampered_value: idc("responses/invalid/tampered-nameid.xml") => ["signature-invalid"], unverified Shown;
    invalid_key_confusion: idc("responses/invalid/key-confusion.xml") => ["signature-untrusted-key"], unverified Shown;
    invalid_sha1: idc("responses/invalid/sha1.xml") => ["signature-sha1"], unverified Shown;
    invalid_encrypted: idc("responses/invalid/encrypted-assertion.xml") => ["assertion-encrypted"], unverified Unread;
    invalid_two_assertions: idc("responses/invalid/two-assertions.xml") => ["response-assertion-count", "signature-reference"], unverified Withheld;
    invalid_duplicate_id: idc("responses/invalid/duplicate-id.xml") => ["response-duplicate-id"], unverified Withheld;
    invalid_doctype: idc("responses/invalid/doctype.xml") => ["xml-dtd"], unverified Unread;
    invalid_billion_laughs: idc("responses/invalid/billion-laughs.xml") => ["xml-dtd"], unverified Unread;
    encoding_redirect_binding: idc("responses/encodings/idc.redirect.txt") => ["response-redirect-binding"];
    xsw1: idc("responses/attacks/xsw1.xml") => ["response-assertion-count", "signature-reference", "signature-structure"], unverified Withheld;
    xsw2: idc("responses/attacks/xsw2.xml") => ["response-assertion-count", "signature-placement", "signature-reference"], unverified Withheld;
    xsw3: idc("responses/attacks/xsw3.xml") => ["response-assertion-count"], unverified Withheld;
    xsw4: idc("responses/attacks/xsw4.xml") => ["response-assertion-count", "signature-placement"], unverified Withheld;
    xsw5: idc("responses/attacks/xsw5.xml") => ["response-assertion-count", "signature-reference"], unverified Withheld;
    xsw6: idc("responses/attacks/xsw6.xml") => ["response-assertion-count", "signature-reference", "signature-structure"], unverified Withheld;
    xsw7: idc("responses/attacks/xsw7.xml") => ["response-assertion-count", "response-duplicate-id"], unverified Withheld;
    xsw8: idc("responses/attacks/xsw8.xml") => ["response-assertion-count", "response-duplicate-id", "signature-object"], unverified Withheld;
    attack_xpath_transform: idc("responses/attacks/xpath-transform.xml") => ["signature-transform"], unverified Shown;
    attack_signature_object: idc("responses/attacks/signature-object.xml") => ["response-assertion-count", "signature-object"], unverified Withheld;
    attack_xpointer_reference: idc("responses/attacks/xpointer-reference.xml") => ["signature-reference"], unverified Shown;
    attack_reference_whole_document: idc("responses/attacks/reference-whole-document.xml") => ["signature-reference"], unverified Shown;
    attack_reference_other_element: idc("responses/attacks/reference-other-element.xml") => ["signature-reference"], unverified Shown;
    attack_repeated_transforms: idc("responses/attacks/repeated-transforms.xml") => ["signature-transform"], unverified Shown;
    attack_signature_in_extensions: idc("responses/attacks/signature-in-extensions.xml") => ["signature-placement"], unverified Shown;
    attack_signature_extra_element: idc("responses/attacks/signature-extra-element.xml") => ["signature-structure"], unverified Shown;
    attack_signature_second_signature_value: idc("responses/attacks/signature-second-signature-value.xml") => ["signature-structure"], unverified Shown;
    attack_signature_second_signed_info: idc("responses/attacks/signature-second-signed-info.xml") => ["signature-structure"], unverified Shown;
    attack_signature_at_end_of_assertion: idc("responses/attacks/signature-at-end-of-assertion.xml") => ["signature-placement"], unverified Shown;
    attack_signature_after_status: idc("responses/attacks/signature-after-status.xml") => ["signature-placement"], unverified Shown;
    attack_xml_id_duplicate: idc("responses/attacks/xml-id-duplicate.xml") => ["response-duplicate-id"], unverified Withheld;
    attack_inclusive_c14n: idc("responses/attacks/inclusive-c14n.xml") => ["signature-transform"], unverified Shown;
    attack_implicit_inclusive_c14n: idc("responses/attacks/implicit-inclusive-c14n.xml") => ["signature-transform"], unverified Shown;
}

#[test]
fn missing_destination_is_a_warning() {
    let doc = accepted(
        idc("responses/invalid/destination-missing.xml", &[]),
        "alice@contoso.com",
    );
    assert!(has_finding(&doc, "response-destination-missing", "warning"));
}

#[test]
fn aadsts_code_is_shown() {
    let (_, doc, _) = idc("responses/invalid/status-aadsts50105.xml", &[]);
    let f = &doc["responses"][0]["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Requester / RequestDenied: AADSTS50105"),
        "{f}"
    );
    assert!(f["help"].as_str().unwrap().contains("AADSTS50105"));
    assert_eq!(
        doc["responses"][0]["response"]["status"]["sub_codes"][0],
        "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
    );
}

#[test]
fn comments_do_not_truncate_the_nameid() {
    // The signature covers "admin@contoso.com.evil"; a comment splits the text after
    // "admin@contoso.com". samlbridge reads the whole text.
    accepted(
        idc("responses/valid/comment-in-nameid.xml", &[]),
        "admin@contoso.com.evil",
    );
    let doc = rejected(
        idc(
            "responses/valid/comment-in-nameid.xml",
            &["--expect-user", "admin@contoso.com"],
        ),
        &["nameid-user-mismatch"],
    );
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"admin@contoso.com.evil\""));
}

#[test]
fn expect_user_compares_exactly() {
    accepted(
        idc(
            "responses/valid/idc-assertion-signed.xml",
            &["--expect-user", "alice@contoso.com"],
        ),
        "alice@contoso.com",
    );
    let doc = rejected(
        idc(
            "responses/valid/idc-assertion-signed.xml",
            &["--expect-user", "Alice@Contoso.com"],
        ),
        &["nameid-user-mismatch"],
    );
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("differ only in letter case"));
}

#[test]
fn rollover_certificate_not_yet_trusted() {
    // Metadata with only the active certificate: a response signed with the next one is
    // diagnosed as signed by an untrusted certificate, naming it.
    let out = validate_idc(
        &[&testdata("responses/valid/idc-signed-by-next-cert.xml")],
        "metadata/entra-app.xml",
        &["--format", "json"],
    );
    let doc = json(&out);
    assert_eq!(error_codes(&doc), ["signature-untrusted-key"]);
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("EDC1A05CF7DC7B15836E4CC939656EE66854D5AC"));
}

#[test]
fn signing_details_name_the_metadata_key() {
    let doc = accepted(
        idc("responses/valid/idc-both-signed.xml", &[]),
        "alice@contoso.com",
    );
    let s = &doc["responses"][0]["signing"];
    assert_eq!(s["response_signed"], true);
    assert_eq!(s["assertion_signed"], true);
    assert_eq!(s["algorithm"], "rsa-sha256");
    assert_eq!(s["signer"]["label"], "metadata signing certificate #1");
    assert_eq!(
        s["signer"]["sha1"],
        "0400299F422E4DE4FA21199A5A08A1581E350153"
    );
    let doc = accepted(
        idc("responses/valid/idc-signed-by-next-cert.xml", &[]),
        "alice@contoso.com",
    );
    assert_eq!(
        doc["responses"][0]["signing"]["signer"]["label"],
        "metadata signing certificate #2"
    );
}

#[test]
fn sha1_can_be_allowed() {
    let doc = accepted(
        idc("responses/invalid/sha1.xml", &["--allow", "signature-sha1"]),
        "alice@contoso.com",
    );
    assert!(has_finding(&doc, "signature-sha1", "info"));
}

#[test]
fn trust_from_a_certificate_file() {
    let path = testdata("responses/valid/idc-assertion-signed.xml");
    let cert = testdata("keys/entra-app-active.cert.pem");
    let sp = testdata("metadata/identity-center-sp.xml");
    let out = run(&[
        "validate",
        &path,
        "--cert",
        &cert,
        "--issuer",
        "https://sts.windows.net/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/",
        "--target",
        "identity-center",
        "--sp-metadata",
        &sp,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(json(&out)["responses"][0]["signing"]["signer"]["label"]
        .as_str()
        .unwrap()
        .ends_with("entra-app-active.cert.pem #1"));

    let attacker = testdata("keys/attacker.cert.pem");
    let out = run(&[
        "validate",
        &path,
        "--cert",
        &attacker,
        "--target",
        "identity-center",
        "--sp-metadata",
        &sp,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(error_codes(&json(&out)), ["signature-untrusted-key"]);
}

#[test]
fn har_results_name_their_requests() {
    let (exit, doc, err) = idc("responses/encodings/capture.har", &[]);
    assert_eq!(exit, 0, "{err}");
    let labels: Vec<&str> = doc["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 2, "the GET carries no SAMLResponse");
    assert!(labels[0].ends_with("capture.har entry 2 (POST https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e)"), "{labels:?}");
    assert!(labels[1].contains("entry 3 (POST"), "{labels:?}");
    assert_eq!(doc["responses"][1]["signing"]["response_signed"], true);

    // The same HAR with every '/' written as the JSON escape '\/': strings that cannot be
    // borrowed from the input read the same.
    let escaped = std::fs::read_to_string(testdata("responses/encodings/capture.har"))
        .unwrap()
        .replace('/', "\\/");
    let dir = tempdir();
    let path = dir.path().join("escaped.har");
    std::fs::write(&path, escaped).unwrap();
    let (exit, again, err) = idc_path(path.to_str().unwrap(), &[]);
    assert_eq!(exit, 0, "{err}");
    let names = |d: &Value| -> Vec<Value> {
        d["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["claims"]["name_id"].clone())
            .collect()
    };
    assert_eq!(names(&again), names(&doc));
    assert!(again["responses"][0]["label"]
        .as_str()
        .unwrap()
        .ends_with("entry 2 (POST https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e)"));
}

#[test]
fn odd_har_entries_do_not_hide_the_others() {
    // Entries a browser would not write (no request, null lists, a numeric URL, a nameless
    // param) are passed over; the SAML post among them is still validated.
    let post = har_saml_post();
    let odd = serde_json::json!({"log": {"entries": [
        {"startedDateTime": "x"},
        {"request": {"method": "POST", "url": 5, "postData": {"params": null}, "queryString": null}},
        {"request": {"method": null, "url": "https://x.example/", "queryString": [{"value": "v"}]}},
        post,
    ]}});
    let dir = tempdir();
    let path = dir.path().join("odd.har");
    std::fs::write(&path, odd.to_string()).unwrap();
    let (exit, doc, err) = idc_path(path.to_str().unwrap(), &[]);
    assert_eq!(exit, 0, "{err}");
    let responses = doc["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 1);
    assert!(responses[0]["label"]
        .as_str()
        .unwrap()
        .contains("odd.har entry 4 (POST https://"));
}

#[test]
fn what_one_input_decodes_to_is_bounded() {
    // Twenty DEFLATE-compressed responses in a HAR of about 70 KB inflate to about 100 KB: with
    // --max-input-size 80000 the file is read, but what it decodes to is refused as a whole.
    let url = std::fs::read_to_string(testdata("responses/encodings/idc.redirect.txt")).unwrap();
    let value = url.trim().split_once("SAMLResponse=").unwrap().1;
    let entry = serde_json::json!({"request": {"method": "GET", "url": "https://x.example/acs",
        "queryString": [{"name": "SAMLResponse", "value": value}]}});
    let har = serde_json::json!({"log": {"entries": vec![entry; 20]}}).to_string();
    assert!(har.len() < 80_000);
    let dir = tempdir();
    let path = dir.path().join("inflating.har");
    std::fs::write(&path, har).unwrap();
    let (exit, _, err) = idc_path(path.to_str().unwrap(), &["--max-input-size", "80000"]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("its responses decode to more than 80000 bytes in all (--max-input-size)"),
        "{err}"
    );
    let (exit, doc, err) = idc_path(path.to_str().unwrap(), &[]);
    assert_ne!(exit, 2, "within the default limit all are read: {err}");
    assert_eq!(doc["responses"].as_array().unwrap().len(), 20);
}

#[test]
fn a_masked_saml_tracer_response_the_parser_refuses_is_reported() {
    // A masked export keeps the response only as XML in `saml`; when that XML is refused, the
    // request is reported as unreadable instead of dropping out of the run.
    let tracer: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("responses/encodings/capture.saml-tracer.json")).unwrap(),
    )
    .unwrap();
    let mut post = tracer["requests"][1].clone();
    post["post"] = serde_json::json!([["SAMLResponse", "{hash:0f3c}"]]);
    let masked = serde_json::json!({"requests": [post.clone()]});
    let mut broken = post;
    broken["saml"] = Value::String(broken["saml"].as_str().unwrap().replacen(
        "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
        "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:x=\"relative\"",
        1,
    ));
    let with_broken = serde_json::json!({"requests": [masked["requests"][0].clone(), broken]});
    let dir = tempdir();
    for (name, doc, exit) in [
        ("masked.json", &masked, 0),
        ("broken.json", &with_broken, 2),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, doc.to_string()).unwrap();
        let (code, out, err) = idc_path(path.to_str().unwrap(), &[]);
        assert_eq!(code, exit, "{name}: {err}");
        if exit == 2 {
            assert_eq!(out["responses"].as_array().unwrap().len(), 1);
            assert!(
                err.contains("request 2 (POST")
                    && err.contains("'relative' is not an absolute URI"),
                "{err}"
            );
        }
    }
}

#[test]
fn bad_input_exits_2_naming_it() {
    let (exit, doc, err) = idc("responses/invalid/truncated.b64", &[]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("truncated.b64: the base64 is damaged: it ends mid-way"),
        "{err}"
    );
    assert!(doc["errors"][0]["label"]
        .as_str()
        .unwrap()
        .ends_with("truncated.b64"));
    let (exit, _, err) = idc("responses/invalid/not-xml.txt", &[]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("not-xml.txt: not a SAML response in any form"),
        "{err}"
    );

    let dir = tempdir();
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty.xml", b"", "the input is empty"),
        (
            "broken.xml",
            b"<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><x>",
            "not well-formed XML",
        ),
        (
            "metadata.xml",
            b"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>",
            "this is SAML metadata, not a SAML response",
        ),
        (
            "empty-field.txt",
            b"SAMLResponse=&RelayState=x",
            "the SAMLResponse field is empty",
        ),
        ("garbage.b64", b"!!!!", "starts with"),
        (
            "no-saml.har",
            br#"{"log":{"entries":[{"request":{"method":"GET","url":"https://x"}}]}}"#,
            "HAR file: no request carries a SAMLResponse (1 request looked at)",
        ),
        ("other.json", br#"{"hello":1}"#, "neither a HAR file"),
        (
            "log-only.json",
            br#"{"log":{"version":"1.2"}}"#,
            "it has a 'log' member but is not a HAR file: missing field `entries`",
        ),
        ("binary.bin", b"\x00\x01\x02\xff", "binary data"),
        (
            "deflate-garbage.b64",
            b"AAECAwQFBgcICQ==",
            "the DEFLATE-compressed response is damaged",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(&[
            "validate",
            path.to_str().unwrap(),
            "--target",
            "iam",
            "--cert",
            &testdata("keys/entra-app-active.cert.pem"),
        ]);
        assert_eq!(code(&out), 2, "{name}");
        let e = stdout(&out);
        assert!(e.contains(name) && e.contains(message), "{name}: {e}");
        assert!(!e.contains("panicked"));
    }
}

#[test]
fn size_limits() {
    let dir = tempdir();
    // 50 MB of base64: refused before it is decoded.
    let path = dir.path().join("huge.b64");
    std::fs::write(&path, "A".repeat(50 * 1024 * 1024)).unwrap();
    let out = run(&[
        "validate",
        path.to_str().unwrap(),
        "--target",
        "iam",
        "--cert",
        &testdata("keys/entra-app-active.cert.pem"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("larger than the 1048576-byte limit"),
        "{}",
        stdout(&out)
    );

    let out = run(&[
        "validate",
        &testdata("responses/valid/iam.xml"),
        "--target",
        "iam",
        "--cert",
        &testdata("keys/entra-app-active.cert.pem"),
        "--max-input-size",
        "100",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("larger than the 100-byte limit"));
}

#[test]
fn several_files_a_directory_and_stdin() {
    let dir = tempdir();
    for f in [
        "valid/idc-assertion-signed.xml",
        "valid/idc-response-signed.xml",
        "invalid/expired.xml",
    ] {
        let name = f.replace('/', "-");
        std::fs::copy(testdata(&format!("responses/{f}")), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join(".hidden.xml"), "not even xml").unwrap();
    let out = validate_idc(
        &[dir.path().to_str().unwrap()],
        "metadata/entra-app.xml",
        &["--format", "json"],
    );
    assert_eq!(code(&out), 1, "one of three is expired");
    let doc = json(&out);
    let verdicts: Vec<&str> = doc["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        ["reject", "accept", "accept"],
        "sorted by file name: invalid-expired first"
    );

    let b64 = std::fs::read(testdata("responses/encodings/idc.b64")).unwrap();
    let args = validate_idc_args(
        &["-", &testdata("responses/valid/iam.xml")],
        "metadata/entra-app.xml",
        &["--format", "json"],
    );
    let out = run_stdin(&args.iter().map(String::as_str).collect::<Vec<_>>(), &b64);
    let doc = json(&out);
    assert_eq!(doc["responses"][0]["label"], "<stdin>");
    assert_eq!(doc["responses"][0]["verdict"], "accept");

    let out = run(&["validate", "-", "--metadata", "-", "--target", "iam"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("standard input can be read only once"));
}

#[test]
fn an_empty_directory_or_a_link_loop_is_an_input_error() {
    let dir = tempdir();
    std::fs::write(dir.path().join(".only-hidden.xml"), "x").unwrap();
    let out = validate_idc(
        &[dir.path().to_str().unwrap()],
        "metadata/entra-app.xml",
        &[],
    );
    assert_eq!(code(&out), 2, "nothing validated is not a pass");
    assert!(
        stderr(&out).contains("no input to validate"),
        "{}",
        stderr(&out)
    );

    #[cfg(unix)]
    {
        let valid = testdata("responses/valid/idc-assertion-signed.xml");
        std::fs::copy(valid, dir.path().join("r.xml")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
        let out = validate_idc(
            &[dir.path().to_str().unwrap()],
            "metadata/entra-app.xml",
            &["--format", "json"],
        );
        assert_eq!(code(&out), 2, "the loop is reported, not followed");
        let doc = json(&out);
        assert_eq!(doc["responses"].as_array().unwrap().len(), 1);
        assert_eq!(doc["responses"][0]["verdict"], "accept");
        assert!(doc["errors"][0]["label"]
            .as_str()
            .unwrap()
            .ends_with("again"));
        assert!(
            stderr(&out).contains("again: a symbolic link leads back to a directory being read"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn missing_input_or_expectations_is_a_usage_error() {
    let md = testdata("metadata/entra-app.xml");
    let r = testdata("responses/valid/idc-assertion-signed.xml");
    let out = run(&["validate", &r, "--metadata", &md]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--target iam, --sp-metadata FILE, or --audience and --acs"));
    let out = run(&[
        "validate",
        &r,
        "--metadata",
        &md,
        "--target",
        "identity-center",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("needs --sp-metadata"));
    let out = run(&["validate", &r, "--target", "iam"]);
    assert_eq!(code(&out), 2, "no trust anchor given");
    let out = run(&[
        "validate",
        "/nonexistent.xml",
        "--metadata",
        &md,
        "--target",
        "iam",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("ERROR /nonexistent.xml: no such file"));
    let out = run(&[
        "validate",
        &r,
        "--metadata",
        &md,
        "--target",
        "iam",
        "--skew",
        "2d",
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn explicit_audience_and_acs_compare_exactly() {
    let r = testdata("responses/valid/idc-assertion-signed.xml");
    let md = testdata("metadata/entra-app.xml");
    let acs = "https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e";
    let aud = "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c";
    let ok = run(&[
        "validate",
        &r,
        "--metadata",
        &md,
        "--audience",
        aud,
        "--acs",
        acs,
        "--now",
        NOW,
    ]);
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));
    // A prefix of the real values is not a match.
    let prefix = run(&[
        "validate",
        &r,
        "--metadata",
        &md,
        "--audience",
        &aud[..aud.len() - 1],
        "--acs",
        &acs[..acs.len() - 1],
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(
        error_codes(&json(&prefix)),
        [
            "assertion-audience",
            "assertion-recipient",
            "response-destination"
        ]
    );
}

#[test]
fn skew_applies_to_both_ends() {
    // Issued at 09:00:00, bearer confirmation until 09:05:00.
    let late = idc(
        "responses/valid/idc-assertion-signed.xml",
        &["--now", "2026-11-27T09:07:00Z"],
    );
    assert_eq!(late.0, 0, "within 3 minutes of skew");
    let too_late = idc(
        "responses/valid/idc-assertion-signed.xml",
        &["--now", "2026-11-27T09:08:01Z"],
    );
    assert_eq!(error_codes(&too_late.1), ["assertion-expired"]);
    let early = idc(
        "responses/valid/idc-assertion-signed.xml",
        &["--now", "2026-11-27T08:58:30Z"],
    );
    assert_eq!(early.0, 0, "a receiving clock 90 s behind is tolerated");
    let strict = idc(
        "responses/valid/idc-assertion-signed.xml",
        &["--now", "2026-11-27T08:58:30Z", "--skew", "0s"],
    );
    assert_eq!(error_codes(&strict.1), ["assertion-not-yet-valid"]);
}

#[test]
fn human_output_order() {
    let md = "metadata/entra-app-rollover.xml";
    let out = validate_idc(&[&testdata("responses/valid/idc-abac.xml")], md, &[]);
    let text = stdout(&out);
    assert!(text.starts_with("ACCEPT "), "{text}");
    let order = [
        "Claims (from the signed content)",
        "NameID  alice@contoso.com  (emailAddress)",
        "AWS attributes",
        "AccessControl:Department  Finance",
        "Other attributes",
        "authnmethodsreferences  (2 values)",
        "Validity",
        "(4m 0s left)",
        "Signature",
        "assertion signed with rsa-sha256",
        "verified by metadata signing certificate #1",
        "Response",
        "1 response: 1 accepted",
    ];
    let mut at = 0;
    for needle in order {
        let found = text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing or out of order in:\n{text}"));
        at += found + needle.len();
    }
    let rejected = validate_idc(&[&testdata("responses/invalid/expired.xml")], md, &[]);
    let text = stdout(&rejected);
    assert!(text.starts_with("REJECT "));
    assert!(
        text.find("error[assertion-expired]").unwrap() < text.find("Claims").unwrap(),
        "findings come before claims"
    );
}

/// Many inputs over several threads: every outcome comes out in input order, the same as on
/// one thread, with unreadable inputs in their place.
#[test]
fn jobs_keep_input_order() {
    let dir = tempdir();
    let sources = [
        "valid/idc-assertion-signed.xml",
        "invalid/expired.xml",
        "valid/idc-response-signed.xml",
        "attacks/xsw3.xml",
        "invalid/not-xml.txt",
        "encodings/capture.har",
    ];
    let mut expected = Vec::new();
    for i in 0..240 {
        let f = sources[i % sources.len()];
        let name = format!("{i:03}-{}", f.replace('/', "-"));
        std::fs::copy(testdata(&format!("responses/{f}")), dir.path().join(&name)).unwrap();
        expected.push(name);
    }
    let run_jobs = |jobs: &str, format: &str| {
        validate_idc(
            &[dir.path().to_str().unwrap()],
            "metadata/entra-app-rollover.xml",
            &["--jobs", jobs, "--format", format],
        )
    };
    let one = run_jobs("1", "json");
    let four = run_jobs("4", "json");
    assert_eq!(code(&one), 2, "the unreadable inputs make it exit 2");
    assert_eq!(code(&four), 2);
    let (one, four) = (json(&one), json(&four));
    let labels = |doc: &Value| -> Vec<(String, String)> {
        doc["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["label"].as_str().unwrap().to_owned(),
                    r["verdict"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(labels(&one), labels(&four));
    assert_eq!(one["findings"], four["findings"]);
    assert_eq!(one["errors"], four["errors"]);
    // Files in name order; the HAR's responses where the HAR is.
    let order: Vec<String> = labels(&four)
        .iter()
        .map(|(l, _)| {
            let file = l
                .split_once(dir.path().to_str().unwrap())
                .map(|(_, rest)| rest.trim_start_matches('/'))
                .unwrap_or_else(|| panic!("label {l:?} does not name its file"));
            file[..3].to_owned()
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(
        four["errors"].as_array().unwrap().len(),
        40,
        "one not-xml file in six"
    );
    assert_eq!(
        four["summary"],
        serde_json::json!({"accepted": one["summary"]["accepted"], "rejected": one["summary"]["rejected"], "unreadable": 40})
    );
    assert!(four["summary"]["accepted"].as_u64().unwrap() >= 80);

    let one = run_jobs("1", "human");
    let four = run_jobs("4", "human");
    assert_eq!(stdout(&one), stdout(&four));
    assert_eq!(stderr(&one), stderr(&four));

    let out = run_jobs("0", "json");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--jobs"), "{}", stderr(&out));
}

#[test]
fn service_provider_metadata_given_as_the_idps_is_refused_by_name() {
    let args = validate_idc_args(
        &[&testdata("responses/valid/idc-abac.xml")],
        "metadata/identity-center-sp.xml",
        &[],
    );
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 2, "a usage error, not a rejection");
    let err = stderr(&out);
    assert!(
        err.contains("--metadata")
            && err.contains("identity-center-sp.xml has no IDPSSODescriptor")
            && err.contains("goes to --sp-metadata"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "nothing judged: {}", stdout(&out));
}

//! A response whose signature is missing, untrusted or broken is still laid out: every rule
//! runs on its one Assertion, under a heading that says none of it is verified (JSON:
//! `unverified_claims`, never `claims`, and findings marked `unverified`). The verdict stays
//! reject; a document whose structure is ambiguous shows nothing unverified, and says why.

use crate::util::*;
use samlbridge_testkit::fixtures;
use samlbridge_testkit::pki::KeyPair;
use serde_json::Value;

/// The NameID the rules refuse for Identity Center: not an email address.
const NOT_AN_EMAIL: &str = "alice";

fn write(dir: &tempfile::TempDir, name: &str, xml: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, xml).unwrap();
    path.to_string_lossy().into_owned()
}

/// A response for the shipped Identity Center world naming `name_id`, signed by the key
/// `testdata/keys/<key>`.
fn signed_by(key: &str, name_id: &str) -> String {
    let signer = KeyPair::from_pem(
        &std::fs::read(testdata(&format!("keys/{key}.key.pem"))).unwrap(),
        &std::fs::read(testdata(&format!("keys/{key}.cert.pem"))).unwrap(),
    );
    let mut spec = fixtures::idc_response(&signer);
    spec.name_id = name_id.into();
    spec.build()
}

fn json_of(path: &str) -> (i32, Value) {
    let out = validate_json(path, &[]);
    (code(&out), json(&out))
}

fn human_of(path: &str) -> String {
    let args = validate_idc_args(
        &[path],
        "metadata/entra-app-rollover.xml",
        &["--color", "never"],
    );
    stdout(&run(&args.iter().map(String::as_str).collect::<Vec<_>>()))
}

/// (code, unverified) of every finding of the first response.
fn marked(doc: &Value) -> Vec<(String, bool)> {
    doc["responses"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["unverified"] == true,
            )
        })
        .collect()
}

/// Rejected, with `signature` (a verified judgement on the signature) and the NameID finding
/// read from the content no trusted signature covers; the claims only as unverified.
fn assert_everything_shown(path: &str, signature: &str) {
    let (exit, doc) = json_of(path);
    assert_eq!(exit, 1, "{doc}");
    let r = &doc["responses"][0];
    assert_eq!(r["verdict"], "reject");
    assert_eq!(
        marked(&doc),
        [
            (signature.to_owned(), false),
            ("nameid-format".to_owned(), true)
        ],
        "{doc}"
    );
    assert!(r["claims"].is_null() && r["validity"].is_null() && r["signing"].is_null());
    assert_eq!(r["unverified_claims"]["name_id"]["value"], NOT_AN_EMAIL);
    assert_eq!(r["unverified_validity"]["seconds_left"], 240);
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        2,
        "the run's findings hold both"
    );
    assert_eq!(doc["findings"][1]["unverified"], true);

    let text = human_of(path);
    assert!(text.starts_with("REJECT "), "{text}");
    let order = [
        "Findings",
        &format!("error[{signature}] signature:"),
        "Not verified: read from content no trusted signature covers",
        "AWS would read none of it",
        "error[nameid-format] nameid: NameID \"alice\" is not an email address",
        "Claims (as received)",
        "NameID  alice  (emailAddress)",
        "Validity",
        "(4m 0s left)",
    ];
    let mut at = 0;
    for needle in order {
        let found = text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing or out of order in:\n{text}"));
        at += found + needle.len();
    }
    assert!(!text.contains("Claims (from the signed content)"), "{text}");
    assert!(
        !text.contains("\nSignature\n"),
        "no signing details: {text}"
    );
}

#[test]
fn a_response_signed_by_an_untrusted_key_shows_every_other_problem_unverified() {
    let dir = tempdir();
    let path = write(&dir, "attacker.xml", &signed_by("attacker", NOT_AN_EMAIL));
    assert_everything_shown(&path, "signature-untrusted-key");
}

#[test]
fn a_response_with_its_signature_removed_shows_every_other_problem_unverified() {
    let xml = std::fs::read_to_string(testdata("responses/invalid/nameid-not-email.xml")).unwrap();
    let start = xml.find("<Signature ").unwrap();
    let end = xml.find("</Signature>").unwrap() + "</Signature>".len();
    let dir = tempdir();
    let path = write(
        &dir,
        "stripped.xml",
        &format!("{}{}", &xml[..start], &xml[end..]),
    );
    assert_everything_shown(&path, "signature-missing");
}

#[test]
fn a_tampered_response_shows_every_other_problem_unverified() {
    let xml = signed_by("entra-app-active", "alice@contoso.com");
    let tampered = xml.replace(
        "emailAddress\">alice@contoso.com</NameID>",
        "emailAddress\">alice</NameID>",
    );
    assert_ne!(tampered, xml);
    let dir = tempdir();
    let path = write(&dir, "tampered.xml", &tampered);
    assert_everything_shown(&path, "signature-invalid");
}

#[test]
fn the_same_response_signed_by_the_trusted_key_is_judged_as_verified() {
    // The control: with a trusted signature the NameID finding is verified and the claims are
    // `claims`.
    let dir = tempdir();
    let path = write(
        &dir,
        "trusted.xml",
        &signed_by("entra-app-active", NOT_AN_EMAIL),
    );
    let (exit, doc) = json_of(&path);
    assert_eq!(exit, 1);
    assert_eq!(marked(&doc), [("nameid-format".to_owned(), false)]);
    let r = &doc["responses"][0];
    assert_eq!(r["claims"]["name_id"]["value"], NOT_AN_EMAIL);
    assert!(r.get("unverified_claims").is_none() && r.get("unverified_validity").is_none());
    let text = human_of(&path);
    assert!(text.contains("Claims (from the signed content)"));
    assert!(!text.contains("Not verified"), "{text}");
}

#[test]
fn an_ambiguous_response_shows_nothing_unverified_and_says_why() {
    // XSW1: the evil assertion names admin@contoso.com beside the signed one; which of two
    // assertions is read is exactly what the attacker wants decided.
    let path = testdata("responses/attacks/xsw1.xml");
    let out = validate_json(&path, &[]);
    let text = stdout(&out);
    let doc = json(&out);
    let r = &doc["responses"][0];
    assert_eq!(r["verdict"], "reject");
    assert!(r["claims"].is_null() && r.get("unverified_claims").is_none());
    assert!(r["unverified_withheld"]
        .as_str()
        .unwrap()
        .contains("more than one assertion"));
    assert!(marked(&doc).iter().all(|(_, unverified)| !unverified));
    assert!(!text.contains("admin@contoso.com"), "{text}");

    let text = human_of(&path);
    assert!(
        text.contains("Not verified: nothing read\n  the document holds more than one assertion"),
        "{text}"
    );
    assert!(
        !text.contains("admin@contoso.com") && !text.contains("Claims"),
        "{text}"
    );
}

#[test]
fn allowing_every_unverified_finding_never_makes_a_forgery_accepted() {
    let dir = tempdir();
    let path = write(&dir, "attacker.xml", &signed_by("attacker", NOT_AN_EMAIL));
    let out = validate_json(&path, &["--allow", "nameid-format"]);
    let doc = json(&out);
    assert_eq!(code(&out), 1, "{doc}");
    assert_eq!(doc["responses"][0]["verdict"], "reject");
    assert!(doc["responses"][0]["claims"].is_null());
}

//! `validate` on signatures that are valid but laid out against the XML-DSig or SAML schema,
//! and on legitimate documents at the edges of what is read: each class is judged the same by
//! the native engine and by libxmlsec1 (`--engine samael`), with the reason said.

use crate::util::*;
use samlbridge_testkit::fixtures::idc_response;
use samlbridge_testkit::idp::{SigAlg, Template, EXC_C14N};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};
use serde_json::Value;
use std::path::Path;

const ENGINES: [&str; 2] = ["native", "samael"];

/// `validate` of `path` (trusting the rollover metadata and `extra`) with `engine`, in human
/// text and in JSON: exit code, the text, the one response's JSON.
fn judged(path: &str, engine: &str, extra: &[&str]) -> (i32, String, Value) {
    let mut args = vec!["--engine", engine];
    args.extend_from_slice(extra);
    let text = validate_idc(&[path], "metadata/entra-app-rollover.xml", &args);
    let out = validate_json(path, &args);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(code(&text), code(&out));
    (code(&out), stdout(&text), doc["responses"][0].clone())
}

/// Rejected by both engines with exactly `codes`, the text saying `says`.
fn refused_alike(path: &str, extra: &[&str], codes: &[&str], says: &str) {
    for engine in ENGINES {
        let (exit, text, response) = judged(path, engine, extra);
        assert_eq!(exit, 1, "{engine} {path}: {text}");
        assert_eq!(response["verdict"], "reject", "{engine} {path}");
        assert_eq!(error_codes(&response), codes, "{engine} {path}: {response}");
        assert!(crate::util::says(&text, says), "{engine} {path}: {text}");
        assert!(response["claims"].is_null(), "{engine} {path}");
    }
}

/// Accepted by both engines, naming alice.
fn accepted_alike(path: &str, extra: &[&str]) {
    for engine in ENGINES {
        let (exit, text, response) = judged(path, engine, extra);
        assert_eq!(exit, 0, "{engine} {path}: {text}");
        assert_eq!(
            response["claims"]["name_id"]["value"], "alice@contoso.com",
            "{engine} {path}"
        );
    }
}

fn fixture(name: &str) -> String {
    testdata(&format!("responses/{name}"))
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// The key that signed the shipped fixtures, which the rollover metadata trusts.
fn active_key() -> KeyPair {
    let read =
        |f: &str| std::fs::read(testdata(&format!("keys/entra-app-active.{f}.pem"))).unwrap();
    KeyPair::from_pem(&read("key"), &read("cert"))
}

#[test]
fn a_signature_laid_out_against_the_xml_dsig_schema_is_refused_by_both_engines() {
    for name in [
        "attacks/signature-extra-element.xml",
        "attacks/signature-second-signature-value.xml",
        "attacks/signature-second-signed-info.xml",
    ] {
        refused_alike(
            &fixture(name),
            &[],
            &["signature-structure"],
            "the XML-DSig schema allows SignedInfo, SignatureValue, KeyInfo (optional), Object (any number), in that order",
        );
    }
}

#[test]
fn a_signature_out_of_its_saml_schema_position_is_refused_by_both_engines() {
    refused_alike(
        &fixture("attacks/signature-at-end-of-assertion.xml"),
        &[],
        &["signature-placement"],
        "comes after <AuthnStatement>; the SAML schema puts it right after the Issuer",
    );
    refused_alike(
        &fixture("attacks/signature-after-status.xml"),
        &[],
        &["signature-placement"],
        "comes after <samlp:Status>; the SAML schema puts it right after the Issuer",
    );
}

#[test]
fn an_xml_id_equal_to_the_signed_assertions_id_is_a_duplicate_id() {
    let path = fixture("attacks/xml-id-duplicate.xml");
    refused_alike(
        &path,
        &[],
        &["response-duplicate-id"],
        "appears more than once (as an ID or xml:id attribute)",
    );
    for engine in ENGINES {
        let (_, _, response) = judged(&path, engine, &[]);
        assert!(response["unverified_withheld"].is_string(), "{response}");
    }
}

/// A response signed with ECDSA on `curve`, and its certificate as a PEM file in `dir`.
pub fn ecdsa_signed(dir: &Path, curve: KeySpec, alg: SigAlg) -> (String, String) {
    let issued = samlbridge_testkit::fixtures::issue_instant();
    let key = CertBuilder::entra(
        shared_key(curve, 70),
        issued - chrono::Duration::days(30),
        issued + chrono::Duration::days(1000),
    )
    .build();
    let cert = write(dir, &format!("{curve:?}.pem"), &key.cert_pem());
    let mut spec = idc_response(&key);
    spec.alg = alg;
    (spec.build(), cert)
}

/// `signed` with its ECDSA value (`size` bytes) rewritten with r and s each one byte longer,
/// a leading zero: the same integers, not at the curve's size.
pub fn padded_ecdsa(signed: &str, size: usize) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let start = signed.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
    let end = signed.find("</SignatureValue>").unwrap();
    let compact: String = signed[start..end].split_ascii_whitespace().collect();
    let raw = b64.decode(compact).unwrap();
    assert_eq!(raw.len(), size);
    let (r, s) = raw.split_at(size / 2);
    let padded = b64.encode([&[0][..], r, &[0][..], s].concat());
    format!("{}{padded}{}", &signed[..start], &signed[end..])
}

/// The shipped ISO-8859-1 fixture with one character outside ASCII, written in Latin-1.
pub fn latin1_outside_ascii() -> Vec<u8> {
    let mut bytes = std::fs::read(fixture("valid/declared-iso-8859-1.xml")).unwrap();
    let alice = bytes.windows(7).position(|w| w == b">Alice<").unwrap();
    bytes[alice + 3] = 0xE9; // "Alice" becomes "Al\u{e9}ce"
    bytes
}

#[test]
fn ecdsa_values_not_at_the_curve_size_are_refused_by_both_engines_with_a_reason() {
    let dir = tempdir();
    for (curve, alg, size) in [
        (KeySpec::EcP256, SigAlg::EcdsaSha256, 64),
        (KeySpec::EcP384, SigAlg::EcdsaSha384, 96),
    ] {
        let (signed, cert) = ecdsa_signed(dir.path(), curve, alg);
        let trust = ["--cert", cert.as_str()];
        accepted_alike(&write(dir.path(), "ecdsa.xml", signed.as_bytes()), &trust);

        let path = write(
            dir.path(),
            "ecdsa-padded.xml",
            padded_ecdsa(&signed, size).as_bytes(),
        );
        for engine in ENGINES {
            let (exit, text, response) = judged(&path, engine, &trust);
            assert_eq!(exit, 1, "{engine}: {text}");
            assert_eq!(error_codes(&response), ["signature-invalid"], "{engine}");
            let message = response["findings"][0]["message"].as_str().unwrap();
            match engine {
                "native" => assert!(
                    message.contains(&format!("is {} bytes", size + 2))
                        && message.contains("exactly the curve's size"),
                    "{message}"
                ),
                _ => {
                    let reason = message.strip_prefix("libxmlsec1 refused it: ").unwrap();
                    assert!(
                        reason.contains(&format!("signLen={}", size + 2)),
                        "{message}"
                    );
                }
            }
        }
    }
}

/// The first fixture response, its assertion signed by libxmlsec1 with a PrefixList naming
/// `n` prefixes.
pub fn with_prefix_list(n: usize) -> String {
    let key = active_key();
    let base = idc_response(&key);
    let prefixes: Vec<String> = (1..=n).map(|i| format!("p{i}")).collect();
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(&key), "");
    t.transforms[1] = format!(
        r#"<{{p}}Transform Algorithm="{EXC_C14N}"><ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{}"/></{{p}}Transform>"#,
        prefixes.join(" ")
    );
    let mut spec = base.clone();
    spec.assertion_template = Some(t.build());
    spec.build()
}

#[test]
fn prefix_lists_are_read_up_to_64_prefixes_by_both_engines() {
    accepted_alike(&fixture("valid/prefix-list-17.xml"), &[]);
    let dir = tempdir();
    accepted_alike(
        &write(dir.path(), "64.xml", with_prefix_list(64).as_bytes()),
        &[],
    );
    refused_alike(
        &write(dir.path(), "65.xml", with_prefix_list(65).as_bytes()),
        &[],
        &["signature-structure"],
        "the InclusiveNamespaces PrefixList names more than 64 prefixes",
    );
}

#[test]
fn plain_ascii_declared_as_iso_8859_1_is_read_and_other_characters_named() {
    let path = fixture("valid/declared-iso-8859-1.xml");
    accepted_alike(&path, &[]);

    // One character outside ASCII, in Latin-1: it would read differently as UTF-8.
    let dir = tempdir();
    let latin1 = write(dir.path(), "latin1.xml", &latin1_outside_ascii());
    for engine in ENGINES {
        let out = validate_idc(
            &[&latin1],
            "metadata/entra-app-rollover.xml",
            &["--engine", engine],
        );
        assert_eq!(code(&out), 2, "{engine}");
        // The report names the response it could not read, and where.
        let said = stdout(&out);
        assert!(
            said.contains("latin1.xml: line ")
                && said
                    .contains("declares encoding 'ISO-8859-1' and holds a character outside ASCII")
                && said.contains("1 could not be read"),
            "{engine}: {said}"
        );
    }
}

#[test]
fn inclusive_canonicalization_is_refused_by_name_by_both_engines() {
    refused_alike(
        &fixture("attacks/inclusive-c14n.xml"),
        &[],
        &["signature-transform"],
        "inclusive C14N 1.0, which samlbridge does not accept in responses",
    );
    refused_alike(
        &fixture("attacks/implicit-inclusive-c14n.xml"),
        &[],
        &["signature-transform"],
        "no canonicalization transform, so its content would be canonicalized inclusively (C14N 1.0)",
    );
}

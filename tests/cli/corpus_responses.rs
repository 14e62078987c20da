//! Real responses nobody here wrote: every response in the corpus, validated by the binary
//! with the certificate and instant MANIFEST.tsv gives, against the verdict it records.

use crate::util::*;
use samlbridge::response::decode::{decode, DecodeLimits};
use samlbridge::xml::{self, ns};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub struct Row {
    pub file: String,
    pub verdict: String,
    pub cert: String,
    pub test_time: String,
}

pub fn rows(corpus: &Path) -> Vec<Row> {
    std::fs::read_to_string(corpus.join("MANIFEST.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                file: f[0].into(),
                verdict: f[5].into(),
                cert: f.get(6).copied().unwrap_or_default().into(),
                test_time: f.get(7).copied().unwrap_or_default().into(),
            }
        })
        .filter(|r| {
            let response_dir = ["entra-responses/", "aws/", "attacks/"]
                .iter()
                .any(|d| r.file.starts_with(d))
                || (r.file.starts_with("other-idp/") && r.file.contains("response"));
            response_dir && !r.file.ends_with(".pem")
        })
        .collect()
}

/// The SP settings each suite validated with, as MANIFEST's notes record them.
struct SuiteSettings {
    issuer: Option<&'static str>,
    audience: Option<&'static str>,
    acs: Option<&'static str>,
    now: Option<&'static str>,
}

fn suite(file: &str) -> SuiteSettings {
    let none = SuiteSettings {
        issuer: None,
        audience: None,
        acs: None,
        now: None,
    };
    if file.starts_with("attacks/gosaml2-oktadev/") {
        SuiteSettings {
            issuer: Some("http://example.com/saml/acs/example"),
            audience: Some("http://example.com/saml/acs/example"),
            acs: Some("http://dba9a5fc.ngrok.io/v1/_saml_callback"),
            now: Some("2017-04-04T17:54:00Z"),
        }
    } else if file.starts_with("attacks/node-saml/") {
        // node-saml's `issuer` and `callbackUrl` are the SP's own settings and are not compared
        // with the response, so only the clock carries over.
        SuiteSettings {
            now: Some("2020-09-25T16:59:00Z"),
            ..none
        }
    } else if file.contains("google") && file.contains("crewjam") {
        SuiteSettings {
            audience: Some("https://29ee6d2e.ngrok.io/saml/metadata"),
            acs: Some("https://29ee6d2e.ngrok.io/saml/acs"),
            now: Some("2016-01-05T16:55:39Z"),
            ..none
        }
    } else if file == "attacks/auth0/signature_wrong_place.b64" {
        SuiteSettings {
            acs: Some("https://auth0-dev-ed.my.salesforce.com"),
            ..none
        }
    } else if file.starts_with("other-idp/okta_response_2013_auth0")
        || file == "attacks/auth0/xsw_okta_wrapping_attack.b64"
    {
        SuiteSettings {
            acs: Some("https://auth0145.auth0.com"),
            ..none
        }
    } else if file.starts_with("other-idp/keycloak_response") {
        SuiteSettings {
            audience: Some("WebApp3"),
            ..none
        }
    } else {
        none
    }
}

/// Values read from the document itself, used where the suite did not check them (so those
/// checks pass by construction and the verdict rests on signature, structure and time).
struct Own {
    issuer: Option<String>,
    audience: Option<String>,
    /// Destination and Recipient.
    acs: Vec<String>,
    issue_instant: Option<String>,
}

fn own_values(xml_bytes: &[u8]) -> Own {
    let arena = xml::Arena::new();
    let Ok(doc) = xml::parse(xml_bytes, &arena) else {
        return Own {
            issuer: None,
            audience: None,
            acs: Vec::new(),
            issue_instant: None,
        };
    };
    let all: Vec<&xml::Element> = std::iter::once(&doc.root)
        .chain(doc.root.descendants())
        .collect();
    let first = |ns_: &str, local: &str| {
        all.iter()
            .find(|e| e.is(ns_, local))
            .map(|e| e.trimmed_text())
    };
    let assertion = all.iter().find(|e| e.is(ns::SAML, "Assertion"));
    Own {
        issuer: assertion
            .and_then(|a| a.child(ns::SAML, "Issuer"))
            .map(|i| i.trimmed_text()),
        audience: first(ns::SAML, "Audience"),
        acs: doc
            .root
            .attr("Destination")
            .into_iter()
            .chain(
                all.iter()
                    .find(|e| e.is(ns::SAML, "SubjectConfirmationData"))
                    .and_then(|e| e.attr("Recipient")),
            )
            .map(str::to_owned)
            .collect(),
        issue_instant: assertion
            .and_then(|a| a.attr("IssueInstant"))
            .or(doc.root.attr("IssueInstant"))
            .map(str::to_owned),
    }
}

/// The instant MANIFEST names, when the column is a plain timestamp (not a range or a
/// description such as "invalid at any instant before …").
fn first_instant(text: &str) -> Option<String> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    text.split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == ')' || c == ',')
        .find(|w| chrono::DateTime::parse_from_rfc3339(w.trim_end_matches('.')).is_ok())
        .map(|w| w.trim_end_matches('.').to_owned())
}

/// Runs samlbridge on one corpus row; returns the exit code and the decoded JSON.
pub fn run_row(corpus: &Path, row: &Row, tmp: &Path, extra: &[&str]) -> (i32, Value, String) {
    let path = corpus.join(&row.file);
    let bytes = std::fs::read(&path).unwrap();
    let decoded = decode("x", &bytes, DecodeLimits::default())
        .ok()
        .and_then(|c| c.into_iter().next());
    let own = decoded.as_ref().map(|c| own_values(&c.xml)).unwrap_or(Own {
        issuer: None,
        audience: None,
        acs: Vec::new(),
        issue_instant: None,
    });
    let s = suite(&row.file);

    // Most suites sign with RSA-SHA1; samlbridge refuses it unless allowed (checked separately).
    let mut args: Vec<String> = vec![
        "validate".into(),
        path.to_string_lossy().into(),
        "--format".into(),
        "json".into(),
        "--allow".into(),
        "signature-sha1".into(),
    ];
    // Trust: the certificate MANIFEST names; public keys get a wrapping certificate; rows that
    // only carry an embedded certificate are trusted with that certificate, as a user who had
    // obtained it out of band would.
    let cert_path: Option<PathBuf> = if row.cert.ends_with(".pem") {
        let p = corpus.join(&row.cert);
        let pem = std::fs::read(&p).unwrap();
        if String::from_utf8_lossy(&pem).contains("BEGIN PUBLIC KEY") {
            let wrapped = tmp.join(format!("{}.cert.pem", row.file.replace('/', "_")));
            std::fs::write(
                &wrapped,
                samlbridge_testkit::pki::certificate_for_public_key(&pem)
                    .to_pem()
                    .unwrap(),
            )
            .unwrap();
            Some(wrapped)
        } else {
            Some(p)
        }
    } else {
        decoded
            .as_ref()
            .and_then(|c| embedded_cert(&c.xml))
            .filter(|pem| openssl::x509::X509::from_pem(pem.as_bytes()).is_ok())
            .map(|pem| {
                let p = tmp.join(format!("{}.embedded.pem", row.file.replace('/', "_")));
                std::fs::write(&p, pem).unwrap();
                p
            })
    };
    match &cert_path {
        Some(p) => args.extend(["--cert".into(), p.to_string_lossy().into()]),
        None => {
            // Nothing to trust: validation must still refuse, for the structural reason.
            let p = tmp.join("unrelated.pem");
            let pair = samlbridge_testkit::pki::CertBuilder::entra(
                samlbridge_testkit::pki::shared_key(samlbridge_testkit::pki::KeySpec::Rsa(2048), 7),
                chrono::Utc::now(),
                chrono::Utc::now() + chrono::Duration::days(1),
            )
            .build();
            std::fs::write(&p, pair.cert_pem()).unwrap();
            args.extend(["--cert".into(), p.to_string_lossy().into()]);
        }
    }
    if let Some(i) = s.issuer.map(str::to_owned).or(own.issuer) {
        args.extend(["--issuer".into(), i]);
    }
    args.extend([
        "--audience".into(),
        s.audience
            .map(str::to_owned)
            .or(own.audience)
            .unwrap_or_else(|| "urn:unused".into()),
    ]);
    let acs: Vec<String> = match s.acs {
        Some(a) => vec![a.to_owned()],
        None if own.acs.is_empty() => vec!["urn:unused".into()],
        None => own.acs.clone(),
    };
    for a in acs {
        args.extend(["--acs".into(), a]);
    }
    let now = s
        .now
        .map(str::to_owned)
        .or_else(|| first_instant(&row.test_time))
        .or_else(|| own.issue_instant.clone())
        .unwrap_or_else(|| "2020-01-01T00:00:00Z".into());
    args.extend(["--now".into(), now]);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code(&out), doc, stderr(&out))
}

fn embedded_cert(xml_bytes: &[u8]) -> Option<String> {
    let arena = xml::Arena::new();
    let doc = xml::parse(xml_bytes, &arena).ok()?;
    let cert = std::iter::once(&doc.root)
        .chain(doc.root.descendants())
        .find(|e| e.is(ns::DSIG, "X509Certificate"))?
        .text();
    let compact: String = cert.chars().filter(|c| !c.is_whitespace()).collect();
    let lines: Vec<String> = compact
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    Some(format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    ))
}

pub fn codes_of(doc: &Value) -> Vec<String> {
    doc["responses"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .flat_map(|r| r["findings"].as_array().cloned().unwrap_or_default())
                .filter(|f| f["severity"] == "error")
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

enum Expect {
    /// AWS would accept it (with the suite's settings); the NameID read from the signed content.
    Accept(&'static str),
    /// Rejected, with at least these error codes.
    Reject(&'static [&'static str]),
    /// Rejected, with at least these error codes, by rules that read this NameID from the
    /// signed content.
    RejectReading(&'static [&'static str], &'static str),
    /// Not something samlbridge can validate at all: exit 2 with this in the message.
    Error(&'static str),
}

/// What samlbridge must say of each corpus response. Where it departs from the suite's own
/// verdict the comment says why.
fn expect(file: &str) -> Expect {
    use Expect::*;
    let name = file.rsplit('/').next().unwrap_or(file);
    match file {
        f if f.starts_with("attacks/auth0/signature_wrong_place") => {
            Reject(&["signature-placement"])
        }
        f if f.starts_with("attacks/auth0/xsw_okta") => Reject(&["response-assertion-count"]),
        f if f.contains("CVE-2018-7340") => Reject(&["signature-invalid"]),
        // Exclusive canonicalization drops the comment, so the signature holds and the NameID
        // is the whole text, never the part before the comment.
        f if f.contains("comment_injected_benign") => Accept("ross@octolabs.io"),
        f if f.contains("malformed_attr") => Error("not well-formed XML"),
        f if f.ends_with("Saml2TokenTwoSignatures.xml") => Reject(&["signature-placement"]),
        // The tampered "attribute" is the Assertion's ID, so the Reference no longer points at it.
        f if f.contains("AttributeTampered") => Reject(&["signature-reference"]),
        f if f.contains("DigestTampered")
            || f.contains("SignatureTampered")
            || f.contains("_Formated") =>
        {
            Reject(&["signature-invalid"])
        }
        f if f.contains("SignatureMissing") => Reject(&["signature-missing"]),
        // gosaml2 accepts these; samlbridge refuses SHA-1 by default (allowed in this run), and
        // requires what SAML core 5.4.2 requires: a same-document '#ID' Reference (not URI="")
        // and exclusive canonicalization (not C14N 1.1).
        f if f.ends_with("oktadev_scenario_00.b64") => Accept("jane.doe@example.com"),
        f if f.ends_with("oktadev_scenario_01.b64") || f.ends_with("oktadev_scenario_12.b64") => {
            Reject(&["signature-missing"])
        }
        f if f.ends_with("oktadev_scenario_13.b64") => Reject(&["signature-invalid"]),
        f if f.ends_with("oktadev_scenario_04.b64") => Reject(&[
            "signature-reference",
            "signature-transform",
            "response-destination",
        ]),
        f if f.ends_with("oktadev_scenario_05.b64") => {
            Reject(&["signature-reference", "response-issuer"])
        }
        f if f.ends_with("oktadev_scenario_14.b64") || f.ends_with("oktadev_scenario_15.b64") => {
            Reject(&["signature-reference", "response-status"])
        }
        f if f.starts_with("attacks/gosaml2-oktadev/oktadev_scenario_16") => {
            // Valid for gosaml2, but it is the HTTP-Redirect encoding, which AWS never accepts.
            Reject(&["response-redirect-binding"])
        }
        f if f.starts_with("attacks/gosaml2-oktadev/") => {
            Reject(&["signature-reference", "signature-transform"])
        }
        f if f.contains("jitbit_empty_response_malformed") => Error("not well-formed XML"),
        f if f.contains("attackers-cert-at-keyinfo") => Reject(&["signature-untrusted-key"]),
        f if f.contains("root-signed-transforms") || f.contains("assertion-signed-transforms") => {
            Reject(&["signature-transform"])
        }
        f if f.contains("multiple-root-elements") => Error("more than one root element"),
        // node-saml allows assertions nested in Advice; AWS wants exactly one assertion and
        // Entra never sends Advice, so samlbridge counts nested ones too (a wrapping vector).
        f if f.starts_with("attacks/node-saml/") && f.contains("advice") => {
            Reject(&["response-assertion-count"])
        }
        f if f.starts_with(
            "attacks/node-saml/invalid__response.root-unsigned.assertion-unsigned",
        ) =>
        {
            Reject(&["signature-missing"])
        }
        // node-saml's signer appends each Signature at the end of its element, where the SAML
        // schema does not put it: refused for its place before its value (changed after
        // signing) is checked.
        f if f.starts_with("attacks/node-saml/invalid__response.root-signed.assertion-signed.")
            || f.starts_with(
                "attacks/node-saml/invalid__response.root-signed.assertion-unsigned.",
            )
            || f.starts_with(
                "attacks/node-saml/invalid__response.root-unsigned.assertion-signed.",
            ) =>
        {
            Reject(&["signature-placement"])
        }
        f if f.starts_with("attacks/node-saml/invalid__") => Reject(&["signature-invalid"]),
        // Valid for node-saml, which was run with `audience: false`: these assertions carry no
        // AudienceRestriction at all, which AWS requires.
        f if f.starts_with("attacks/node-saml/valid__") => Reject(&["assertion-audience"]),
        f if f.ends_with("bad_reference.xml.base64") => Reject(&["signature-invalid"]),
        f if f.ends_with("no_key.xml.base64") => Reject(&["signature-invalid"]),
        // Unsigned and without a Status element.
        f if f.ends_with("not_after_failed.xml.base64") => {
            Reject(&["signature-missing", "response-status"])
        }
        f if f.ends_with("not_before_failed.xml.base64") => Reject(&["assertion-not-yet-valid"]),
        f if f.contains("xsw_response4") || f.contains("xsw_signature_wrapping_attack2") => {
            Reject(&["response-assertion-count"])
        }
        f if f.contains("signature_on_EntityDescriptor") => Reject(&["signature-placement"]),
        f if f.contains("cdata_injection") => Reject(&["signature-invalid"]),
        // Its KeyInfo certificate is damaged and the suite checks no signature: nothing can
        // verify it, so its (comment-split) text is never read.
        f if f.ends_with("comment_injection_node_text_attack.xml.base64") => {
            Reject(&["signature-invalid"])
        }
        // The suite skips its recipient check: the Response's Destination and the bearer
        // Recipient name different URLs, and only the Response says which request it answers.
        // The comment still never ends the NameID.
        f if f.ends_with("comment_injection_node_text_attack2.xml.base64") => RejectReading(
            &["response-destination-recipient", "response-in-response-to"],
            "test@onelogin.com",
        ),
        f if f.ends_with("multiple_assertions.xml.base64") => Reject(&["response-assertion-count"]),
        f if f.ends_with("multiple_signed_duplicated_id.xml.base64") => {
            Reject(&["signature-placement"])
        }
        f if f.ends_with("unsigned_no_signature.xml.base64") => Reject(&["signature-missing"]),
        f if f.contains("xsw_concealed") || f.contains("xsw_doubled") => {
            Reject(&["response-assertion-count"])
        }
        f if f.ends_with("xsw_response_wrapped.xml.base64") => Reject(&["signature-placement"]),
        f if f.ends_with("xsw_signature_wrapping_attack.xml.base64") => {
            Reject(&["response-duplicate-id"])
        }
        f if f.contains("xxe_attack") => Reject(&["xml-dtd"]),
        f if f.contains("ancestor_attack") => Reject(&["signature-wrapping"]),
        f if f.contains("object_attack") => Reject(&["signature-object"]),
        // Pretty-printed before it was signed: the NameID is an xs:string, so the line break
        // and indentation before the value are part of it (a warning, nameid-whitespace).
        f if f.ends_with("response_signed_by_idp_2.xml") => {
            Accept("\n        _ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7")
        }
        f if f.contains("xpath_transform") => Reject(&["signature-transform"]),
        // The root is <Response> in no namespace: not a SAML 2.0 response.
        f if f.contains("xpointer_attack") => Error("not a SAML 2.0 samlp:Response"),
        f if f.contains("notxml") => Error("not a SAML response in any form"),
        f if f.ends_with("SAMLResponse_aws_roles.xml") => Reject(&["signature-invalid"]),
        f if f.ends_with("SAMLResponse_html_value.b64") => Error("not well-formed XML"),
        // aws-google-auth only parses these and checks times; they were edited after signing,
        // so the signature (checked with their own embedded certificate) fails first.
        f if f.starts_with("aws/google_aws_") => Reject(&["signature-invalid"]),
        f if f.contains("netiq_authbridge") => Accept("L122893"),
        // Published with undeclared namespace prefixes: not namespace-well-formed.
        f if f.starts_with("aws/saml2aws_adfs_") => {
            Error("namespace prefix 'saml2' is not declared")
        }
        f if f.contains("saml2aws_pingfed") => Error("not a SAML 2.0 samlp:Response"),
        f if f.contains("shibbolethecp") => Error("soap11:Envelope"),
        // Bare assertions from WS-Federation tokens: the signature verifies, but AWS takes only
        // a Response, and these bearer confirmations carry no Recipient or NotOnOrAfter.
        f if f.starts_with("entra-responses/entra_assertion_") => {
            Reject(&["response-bare-assertion"])
        }
        f if f.ends_with("entra_response_2015_acb72633_socialflow_netsaml2.xml") => {
            Accept("Dh7tdLu2gHm-Vi4emADxWxfoPB2XZvADD_H2EBlaKAw")
        }
        f if f.ends_with("jitbit_invalid_response.xml") => Error("not well-formed XML"),
        f if f.ends_with("jitbit_valid_response.xml") => Reject(&["signature-invalid"]),
        f if f.contains("scrive_dustin") => Accept("Johnathon.Jones@dustin.se"),
        // Re-signed test document whose Response Issuer (…/someguid) and Assertion Issuer
        // (…/some_guid/) differ; AWS compares both with the IdP's entityID.
        f if f.contains("widechars_resigned") => Reject(&["response-issuer"]),
        f if f.contains("entra_wsfed_") => Error("RequestSecurityTokenResponse"),
        // Verifies, but carries no NameID: Identity Center has nobody to sign in.
        f if f.contains("adfs_response_scrive") => Reject(&["nameid-missing"]),
        f if f.contains("google_response_2016_crewjam") => Accept("ross@octolabs.io"),
        f if f.contains("gsuite_response_scrive") => Accept("admin@glinkop.pl"),
        f if f.contains("keycloak_response") => Accept("guest"),
        f if f.contains("okta_response_2013_auth0") => Accept("admin@kluglabs.com"),
        f if f.contains("okta_response_scrive") => Accept("fredrik@scrive.com"),
        f if f.contains("wame_response_scrive") => Accept("test_esign_xds"),
        _ => panic!("no expectation for corpus response {name}: add one"),
    }
}

#[test]
fn every_corpus_response() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempdir();
    let rows = rows(&corpus);
    assert!(
        rows.len() >= 100,
        "expected the corpus's response rows, found {}",
        rows.len()
    );
    let mut failures = Vec::new();
    for row in &rows {
        let (exit, doc, err) = run_row(&corpus, row, tmp.path(), &[]);
        assert!(!err.contains("panicked"), "{}: {err}", row.file);
        let errors = codes_of(&doc);
        let expected = expect(&row.file);
        // samlbridge never accepts what the suite itself rejected.
        if matches!(expected, Expect::Accept(_)) {
            assert!(
                !row.verdict.starts_with("invalid"),
                "{}: MANIFEST says {}",
                row.file,
                row.verdict
            );
        }
        let problem = match expected {
            Expect::Accept(name_id) => {
                let got = doc["responses"][0]["claims"]["name_id"]["value"]
                    .as_str()
                    .unwrap_or("");
                (exit != 0 || got != name_id || doc["responses"][0]["verdict"] != "accept")
                    .then(|| format!("expected accept with NameID {name_id:?}, got exit {exit}, NameID {got:?}, errors {errors:?} {err}"))
            }
            Expect::RejectReading(codes, name_id) => {
                let got = doc["responses"][0]["claims"]["name_id"]["value"]
                    .as_str()
                    .unwrap_or("");
                let missing: Vec<&&str> = codes
                    .iter()
                    .filter(|c| !errors.iter().any(|e| e == **c))
                    .collect();
                (exit != 1 || !missing.is_empty() || got != name_id).then(|| {
                    format!("expected reject with {codes:?} reading NameID {name_id:?}, got exit {exit}, NameID {got:?}, errors {errors:?}")
                })
            }
            Expect::Reject(codes) => {
                let missing: Vec<&&str> = codes
                    .iter()
                    .filter(|c| !errors.iter().any(|e| e == **c))
                    .collect();
                // No verified claims from a refused signature; nothing at all, not even
                // unverified, from a document with several assertions or repeated IDs.
                let leaked = (doc["responses"][0]["claims"].is_object()
                    && errors.iter().any(|e| {
                        e.starts_with("signature-")
                            || e.starts_with("response-assertion")
                            || e == "response-duplicate-id"
                    }))
                    || (doc["responses"][0].get("unverified_claims").is_some()
                        && errors.iter().any(|e| {
                            e == "response-assertion-count" || e == "response-duplicate-id"
                        }));
                (exit != 1 || !missing.is_empty() || leaked || doc["verdict"] != "fail").then(
                    || {
                        format!(
                            "expected reject with {codes:?}, got exit {exit}, errors {errors:?}{}",
                            if leaked {
                                " and claims from unverified content"
                            } else {
                                ""
                            }
                        )
                    },
                )
            }
            Expect::Error(message) => (exit != 2 || !err.contains(message))
                .then(|| format!("expected exit 2 mentioning {message:?}, got exit {exit}: {err}")),
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", row.file));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus responses judged wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Without `--allow signature-sha1`, the SHA-1 signatures most suites use are refused.
#[test]
fn corpus_sha1_signatures_need_allowing() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join(
        "other-idp/google_response_2016_crewjam_TestSPCanHandlePlaintextResponse_response.b64",
    );
    let cert = corpus.join("other-idp/google_cert_crewjam_from_IDPMetadata.pem");
    let out = run(&[
        "validate",
        path.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--audience",
        "https://29ee6d2e.ngrok.io/saml/metadata",
        "--acs",
        "https://29ee6d2e.ngrok.io/saml/acs",
        "--now",
        "2016-01-05T16:55:39Z",
        "--format",
        "json",
    ]);
    // This Google response is RSA-SHA256 and passes as is.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let path = corpus.join("attacks/gosaml2-oktadev/oktadev_scenario_00.b64");
    let cert = corpus.join("attacks/gosaml2-oktadev/oktadev.pem");
    let base = [
        "validate",
        path.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--issuer",
        "http://example.com/saml/acs/example",
        "--audience",
        "http://example.com/saml/acs/example",
        "--acs",
        "http://dba9a5fc.ngrok.io/v1/_saml_callback",
        "--now",
        "2017-04-04T17:54:00Z",
        "--format",
        "json",
    ];
    let out = run(&base);
    assert_eq!(code(&out), 1);
    assert_eq!(codes_of(&json(&out)), ["signature-sha1"]);
    assert!(
        json(&out)["responses"][0]["claims"].is_null(),
        "nothing is read from a refused signature"
    );
}

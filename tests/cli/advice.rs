//! Advice that agrees with itself and works: what AWS documents about expired certificates
//! is said the same way everywhere, and the fix a finding suggests leads to a passing run.

use crate::util::*;

/// After the active certificate's expiry (2029-01-04) and before the next one's (2029-11-30).
const AFTER_EXPIRY: &str = "2029-02-01T00:00:00Z";
const NEXT_SHA256: &str = "24DD664D7475FE523A6EDFFDF7B1805FCF59ABBC5B7AA29886938C0DFE8BC68B";
const ACTIVE_SHA1: &str = "0400299F422E4DE4FA21199A5A08A1581E350153";

fn explain(finding: &str) -> serde_json::Value {
    let out = run(&["explain", finding, "--format", "json"]);
    assert_eq!(code(&out), 0);
    json(&out)
}

#[test]
fn what_aws_does_with_an_expired_certificate_is_said_the_same_way_everywhere() {
    let expired = explain("cert-expired");
    let multiple = explain("metadata-multiple-signing-certs");
    for doc in [&expired, &multiple] {
        let why = doc["why"].as_str().unwrap();
        assert!(
            why.contains("not documented") || why.contains("does not document"),
            "{why}"
        );
        assert!(!why.contains("AWS refuses"), "{why}");
        assert!(!why.contains("expired ones included"), "{why}");
    }

    // The finding on a metadata document with an expired and a valid certificate says so too.
    let out = run(&[
        "check",
        &testdata("metadata/entra-app-rollover.xml"),
        "--target",
        "identity-center",
        "--now",
        AFTER_EXPIRY,
        "--format",
        "json",
    ]);
    let doc = json(&out);
    let multi = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "metadata-multiple-signing-certs")
        .expect("multiple-certs finding");
    let message = multi["message"].as_str().unwrap();
    assert!(
        message.contains("does not document whether it still accepts one past its expiry")
            && !message.contains("expired ones included"),
        "{message}"
    );
}

#[test]
fn following_signing_cert_to_drop_an_expired_certificate_passes() {
    let dir = tempdir();
    let out_dir = dir.path().join("aws");
    let base = |extra: &[&str]| {
        let mut args = vec![
            "aws".to_owned(),
            "identity-center".into(),
            testdata("metadata/entra-app-rollover.xml"),
            "--sp-metadata".into(),
            testdata("metadata/identity-center-sp.xml"),
            "--out".into(),
            out_dir.display().to_string(),
            "--now".into(),
            AFTER_EXPIRY.into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // The active certificate has expired: an error, nothing written, and the help says how.
    let out = base(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert!(has_finding(&doc, "cert-expired", "error"), "{doc:#}");
    assert!(!out_dir.join("idp-metadata.xml").exists());
    let help = explain("cert-expired")["fix"].as_str().unwrap().to_owned();
    assert!(help.contains("--signing-cert THUMBPRINT"), "{help}");

    // Following it: the run passes and writes, and the expired certificate it leaves out is
    // reported for information only.
    let out = base(&["--signing-cert", NEXT_SHA256]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let doc = json(&out);
    let expired: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "cert-expired")
        .collect();
    assert_eq!(expired.len(), 1, "{doc:#}");
    assert_eq!(expired[0]["severity"], "info");
    assert!(
        expired[0]["message"].as_str().unwrap().ends_with(
            "it is left out of the metadata written for upload, so AWS will not trust it"
        ),
        "{:#}",
        expired[0]
    );
    assert!(expired[0]["subject"]
        .as_str()
        .unwrap()
        .contains(ACTIVE_SHA1));
    assert!(
        !findings(&doc)
            .iter()
            .any(|(c, _)| c == "metadata-multiple-signing-certs"),
        "the upload lists one certificate: {doc:#}"
    );
    let uploaded = std::fs::read_to_string(out_dir.join("idp-metadata.xml")).unwrap();
    let certificates: std::collections::BTreeSet<&str> = uploaded
        .split("<X509Certificate>")
        .skip(1)
        .filter_map(|rest| rest.split("</X509Certificate>").next())
        .collect();
    assert_eq!(
        certificates.len(),
        1,
        "one certificate, in each role: {uploaded}"
    );

    // Keeping the expired certificate instead is still refused: it is what AWS would trust.
    let active_sha256 = "1604FE0F0A495CAC8E5766B9A192AE9AD62BD2B5C5AF80C6823CF42A4A72597A";
    let out = base(&["--signing-cert", active_sha256, "--dry-run"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(has_finding(&json(&out), "cert-expired", "error"));
}

//! Resource limits: hostile sizes and shapes end with a finding or exit 2, never a hang, a
//! crash or unbounded memory. (`benches/limits.py` reports the time and memory of each.)

use crate::util::*;
use serde_json::json;

#[test]
fn hundred_thousand_deep_nesting() {
    let dir = tempdir();
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let path = dir.path().join("deep.xml");
    std::fs::write(&path, &deep).unwrap();
    let out = validate_json(path.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("nest deeper than 64 levels"),
        "{}",
        stderr(&out)
    );
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nest deeper than 64 levels"));
}

#[test]
fn har_with_ten_thousand_entries() {
    let dir = tempdir();
    let saml_post = har_saml_post();
    // A load test's capture: mostly other requests, a sign-in every hundredth.
    let entries: Vec<serde_json::Value> = (0..10_000)
        .map(|i| {
            if i % 100 == 0 {
                saml_post.clone()
            } else {
                json!({"request": {"method": "GET", "url": format!("https://console.aws.amazon.com/asset/{i}.js"), "headers": []}, "response": {"status": 200}})
            }
        })
        .collect();
    let har = json!({"log": {"version": "1.2", "entries": entries}});
    let path = dir.path().join("load-test.har");
    std::fs::write(&path, har.to_string()).unwrap();
    let out = validate_json(path.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["summary"]["accepted"], 100);
    assert!(doc["responses"][99]["label"]
        .as_str()
        .unwrap()
        .contains("entry 9901"));
}

#[test]
fn oversized_metadata_is_refused_unread() {
    let dir = tempdir();
    let path = dir.path().join("huge.xml");
    let mut huge = std::fs::read(testdata("metadata/entra-app.xml")).unwrap();
    huge.extend(std::iter::repeat_n(b' ', 11 * 1024 * 1024));
    std::fs::write(&path, &huge).unwrap();
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("limit"), "{}", stderr(&out));
    let out = run(&[
        "check",
        path.to_str().unwrap(),
        "--max-size",
        "20000000",
        "--now",
        FIXTURE_NOW,
    ]);
    assert_ne!(code(&out), 2, "--max-size raises the cap: {}", stderr(&out));
}

#[test]
fn too_many_attributes_and_elements() {
    let dir = tempdir();
    let attrs: String = (0..65).map(|i| format!(" a{i}=\"1\"")).collect();
    let path = dir.path().join("attrs.xml");
    std::fs::write(&path, format!("<r{attrs}/>")).unwrap();
    let out = validate_json(path.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("more than 64 attributes"),
        "{}",
        stderr(&out)
    );

    let path = dir.path().join("wide.xml");
    std::fs::write(&path, format!("<r>{}</r>", "<e/>".repeat(100_001))).unwrap();
    let out = validate_json(path.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("more than 100000 elements"),
        "{}",
        stderr(&out)
    );
}

/// The costliest shape canonicalization can be given within the limits: a 16-prefix
/// PrefixList, 240 namespace bindings in scope and 99,000 elements under them. It ends with
/// the digest mismatch (the content was edited), not a hang.
#[test]
fn canonicalization_worst_case() {
    let dir = tempdir();
    let xml =
        std::fs::read_to_string(testdata("responses/valid/idc-assertion-signed.xml")).unwrap();
    let exc = r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;
    let list: Vec<String> = (0..16).map(|i| format!("q{i}")).collect();
    let opens: String = (0..4)
        .map(|l| {
            let decls: String = (0..60)
                .map(|i| format!(" xmlns:d{l}x{i}=\"urn:{i}\""))
                .collect();
            format!("<n{l}{decls}>")
        })
        .collect();
    let closes: String = (0..4).rev().map(|l| format!("</n{l}>")).collect();
    let hostile = xml
        .replace(
            exc,
            &format!(
                r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="{}"/></Transform>"#,
                list.join(" ")
            ),
        )
        .replacen(
            "<Subject>",
            &format!("<Subject>{opens}{}{closes}", "<b/>".repeat(99_000)),
            1,
        );
    let path = dir.path().join("c14n-worst.xml");
    std::fs::write(&path, hostile).unwrap();
    let out = validate_json(path.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["findings"][0]["code"], "signature-invalid");
}

/// How long a run on a hostile key list may take in a debug build. Alone, each takes about two
/// seconds (mostly reading 3 MB and 3,000 certificates; 0.2 s in a release build), beside
/// other tests on two cores up to seven; checking once per listed certificate took minutes.
const KEY_LIST_BOUND: std::time::Duration = std::time::Duration::from_secs(20);

mod key_lists {
    use samlbridge_testkit::fixtures::TENANT;
    use samlbridge_testkit::idp::{sign, MetadataSpec, SigAlg, Template, DSIG, EXC_C14N};
    use samlbridge_testkit::pki::{new_key, shared_key, CertBuilder, KeyPair, KeySpec};

    /// The fixtures' active signing certificate, with its key.
    pub fn signer() -> KeyPair {
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/keys/");
        KeyPair::from_pem(
            &std::fs::read(format!("{keys}entra-app-active.key.pem")).unwrap(),
            &std::fs::read(format!("{keys}entra-app-active.cert.pem")).unwrap(),
        )
    }

    /// `n` certificates with distinct serials over `keys` P-256 keys (fresh ones when `keys` is
    /// `None`, one per certificate): EC keys and signatures are cheap to make in bulk.
    pub fn filler(n: u32, keys: Option<u32>) -> Vec<KeyPair> {
        let from = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        (0..n)
            .map(|i| {
                let key = match keys {
                    Some(k) => shared_key(KeySpec::EcP256, 900 + i % k),
                    None => new_key(KeySpec::EcP256),
                };
                CertBuilder::entra(key, from, from + chrono::Duration::days(3 * 365))
                    .serial(10_000 + i)
                    .build()
            })
            .collect()
    }

    /// Entra-shaped application metadata listing `certs` as signing certificates, signed by
    /// `signer` with no KeyInfo in the signature: the verifier has only the list to go by. The
    /// signature namespace is declared once, on the root, as the parser allows 256
    /// declarations in a document.
    pub fn unsigned_key_info(certs: Vec<KeyPair>, signer: &KeyPair) -> String {
        key_list(certs, signer, EXC_C14N)
    }

    /// As [`unsigned_key_info`], with SignedInfo canonicalized by `canonicalization`.
    pub fn key_list(certs: Vec<KeyPair>, signer: &KeyPair, canonicalization: &str) -> String {
        let mut spec = MetadataSpec::entra_app(TENANT, certs);
        spec.signer = None;
        spec.wsfed = false;
        let unsigned = spec.build();
        let root = unsigned.find("<EntityDescriptor ").unwrap();
        let xml = unsigned[root..]
            .replace(&format!(r#"<KeyInfo xmlns="{DSIG}">"#), "<ds:KeyInfo>")
            .replace("</KeyInfo>", "</ds:KeyInfo>")
            .replace("X509Data>", "ds:X509Data>")
            .replace("X509Certificate>", "ds:X509Certificate>")
            .replace("<ds:/", "</ds:")
            .replacen(
                "<EntityDescriptor ",
                &format!(r#"<EntityDescriptor xmlns:ds="{DSIG}" "#),
                1,
            );
        let end_of_root_tag = xml.find('>').unwrap() + 1;
        let mut template = Template::new(&spec.document_id, SigAlg::RsaSha256, None, "");
        template.canonicalization = canonicalization;
        let template = template.build();
        assert!(!template.contains("KeyInfo"));
        let xml = format!(
            "{}{template}{}",
            &xml[..end_of_root_tag],
            &xml[end_of_root_tag..]
        );
        sign(&xml, signer)
    }

    /// The document with one byte of signed content changed (the entityID's tenant).
    pub fn one_byte_changed(xml: &str) -> String {
        let entity = format!("entityID=\"https://sts.windows.net/{TENANT}/\"");
        assert!(TENANT.starts_with('4'));
        let changed = entity.replacen("windows.net/4", "windows.net/5", 1);
        assert_eq!(xml.matches(&entity).count(), 1);
        xml.replacen(&entity, &changed, 1)
    }
}

/// Runs `check --format json` on `xml` (plus `extra`), returning the exit code, the report
/// and how long it took.
fn check_timed(xml: &str, extra: &[&str]) -> (i32, serde_json::Value, std::time::Duration) {
    let dir = tempdir();
    let path = dir.path().join("metadata.xml");
    std::fs::write(&path, xml).unwrap();
    let mut args = vec!["check", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let start = std::time::Instant::now();
    let out = run(&args);
    let took = start.elapsed();
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    (code(&out), json(&out), took)
}

/// The SHA-256 thumbprint of the `i`th certificate a metadata document lists.
fn listed_certificate_sha256(xml: &str, i: usize) -> String {
    let b64 = xml
        .split("<ds:X509Certificate>")
        .nth(i + 1)
        .and_then(|rest| rest.split("</ds:X509Certificate>").next())
        .unwrap();
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
    samlbridge_testkit::pki::hex(&openssl::sha::sha256(&der))
}

fn finding_message<'a>(doc: &'a serde_json::Value, code: &str) -> &'a str {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding: {doc:#}"))["message"]
        .as_str()
        .unwrap()
}

/// The red team's document: no KeyInfo, the signing certificate listed 3,000 times, one byte
/// changed after signing. libxmlsec1 used to digest the whole document once per listing.
#[test]
fn three_thousand_copies_of_the_signing_certificate() {
    let signer = key_lists::signer();
    let xml = key_lists::unsigned_key_info(vec![signer.clone(); 3000], &signer);
    assert!(xml.len() > 3_000_000, "{} bytes", xml.len());

    let (exit, doc, took) = check_timed(&key_lists::one_byte_changed(&xml), &[]);
    assert_eq!(exit, 1);
    assert!(
        finding_message(&doc, "metadata-signature-invalid")
            .starts_with("the content changed after signing"),
        "{doc:#}"
    );
    assert!(took < KEY_LIST_BOUND, "took {took:?}");

    let (_, doc, took) = check_timed(&xml, &[]);
    assert_eq!(doc["metadata"]["signature"]["status"], "valid", "{doc:#}");
    assert_eq!(doc["metadata"]["signature"]["signer"], signer.sha256_hex());
    assert!(took < KEY_LIST_BOUND, "took {took:?}");
}

/// 3,000 distinct certificates over four keys, the real signer's listed last: each key is
/// tried once, and the signer is found however far down the list it is.
#[test]
fn three_thousand_distinct_certificates_signer_last() {
    let signer = key_lists::signer();
    let mut certs = key_lists::filler(2999, Some(3));
    certs.push(signer.clone());
    let xml = key_lists::unsigned_key_info(certs, &signer);

    let (exit, doc, took) = check_timed(&xml, &[]);
    assert_eq!(doc["metadata"]["signature"]["status"], "valid", "{doc:#}");
    assert_eq!(doc["metadata"]["signature"]["signer"], signer.sha256_hex());
    assert!(
        finding_message(&doc, "metadata-signature-unpinned").contains(&signer.sha256_hex()),
        "{doc:#}"
    );
    assert!(exit <= 1);
    assert!(took < KEY_LIST_BOUND, "took {took:?}");

    let (exit, doc, took) = check_timed(&key_lists::one_byte_changed(&xml), &[]);
    assert_eq!(exit, 1);
    assert!(
        finding_message(&doc, "metadata-signature-invalid")
            .starts_with("the content changed after signing"),
        "{doc:#}"
    );
    assert!(took < KEY_LIST_BOUND, "took {took:?}");
}

/// More distinct keys than samlbridge tries: the signature is not checked at all (never
/// judged by an arbitrary few keys, whether the signer is among them or not), with its own
/// finding; pinning the signer checks it against that one certificate.
#[test]
fn more_distinct_keys_than_samlbridge_tries() {
    let signer = key_lists::signer();
    let mut certs = key_lists::filler(3000, None);
    certs.push(signer.clone());
    let xml = key_lists::unsigned_key_info(certs, &signer);

    let (exit, doc, took) = check_timed(&xml, &[]);
    assert_eq!(exit, 1);
    assert!(took < KEY_LIST_BOUND, "took {took:?}");
    let signature = &doc["metadata"]["signature"];
    assert_eq!(signature["status"], "too-many-keys", "{doc:#}");
    assert_eq!(signature["keys"], 3001);
    assert_eq!(signature["limit"], 16);
    assert_eq!(
        finding_message(&doc, "metadata-signature-keys"),
        "the signature carries no certificate and the metadata lists 3001 signing certificates with distinct keys: samlbridge checks a signature against at most 16 keys, so this one was not checked and nothing in the document is shown to be intact"
    );
    assert!(has_finding(&doc, "metadata-signature-keys", "error"));
    assert!(!has_finding(&doc, "metadata-signature-unpinned", "info"));

    let pin = signer.sha256_hex();
    let (exit, doc, took) = check_timed(&xml, &["--pin-cert", &pin]);
    assert!(took < KEY_LIST_BOUND, "took {took:?}");
    assert_eq!(doc["metadata"]["signature"]["status"], "valid", "{doc:#}");
    assert_eq!(doc["metadata"]["signature"]["pinned"], true);
    assert!(!has_finding(&doc, "metadata-signature-keys", "error"));
    assert!(exit <= 1);

    // A pin on a listed certificate that did not sign: that one certificate is tried.
    let other = listed_certificate_sha256(&xml, 0);
    let (exit, doc, took) = check_timed(&xml, &["--pin-cert", &other]);
    assert!(took < KEY_LIST_BOUND, "took {took:?}");
    assert_eq!(exit, 1);
    assert!(
        finding_message(&doc, "metadata-signature-invalid")
            .starts_with("the signature value does not match the certificate"),
        "{doc:#}"
    );

    // One key over the limit, the signer's first: still not checked.
    let mut certs = vec![signer.clone()];
    certs.extend(key_lists::filler(16, None));
    let xml = key_lists::unsigned_key_info(certs, &signer);
    let (exit, doc, _) = check_timed(&xml, &[]);
    assert_eq!(exit, 1);
    assert_eq!(doc["metadata"]["signature"]["status"], "too-many-keys");
    assert_eq!(doc["metadata"]["signature"]["keys"], 17);
    let out = run_stdin(&["check", "-"], xml.as_bytes());
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains(
            "  signature  not checked (17 distinct keys to try; samlbridge tries at most 16)\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("error[metadata-signature-keys]"),
        "{}",
        stdout(&out)
    );

    // At the limit, the signer's last: verified.
    let mut certs = key_lists::filler(15, None);
    certs.push(signer.clone());
    let (_, doc, _) = check_timed(&key_lists::unsigned_key_info(certs, &signer), &[]);
    assert_eq!(doc["metadata"]["signature"]["status"], "valid", "{doc:#}");
    assert_eq!(doc["metadata"]["signature"]["signer"], signer.sha256_hex());
}

/// `validate` trusting a hostile `--metadata`: thousands of certificates over a few keys cost
/// one try per key, with either engine, for a genuine and a forged response alike.
#[test]
fn validate_trusting_thousands_of_certificates() {
    let dir = tempdir();
    let signer = key_lists::signer();
    let mut certs = key_lists::filler(2999, Some(3));
    certs.push(signer.clone());
    let metadata = dir.path().join("metadata.xml");
    std::fs::write(&metadata, key_lists::unsigned_key_info(certs, &signer)).unwrap();
    let genuine = testdata("responses/valid/idc-assertion-signed.xml");
    let forged = testdata("responses/invalid/key-confusion.xml");
    for engine in ["native", "samael"] {
        let start = std::time::Instant::now();
        let out = validate_idc(
            &[&genuine, &forged],
            metadata.to_str().unwrap(),
            &["--format", "json", "--engine", engine],
        );
        let took = start.elapsed();
        assert_eq!(code(&out), 1, "{engine}: {}", stderr(&out));
        let doc = json(&out);
        let responses = &doc["responses"];
        assert_eq!(responses[0]["verdict"], "accept", "{engine}: {doc:#}");
        assert_eq!(
            responses[0]["signing"]["signer"]["label"],
            "metadata signing certificate #3000"
        );
        assert_eq!(responses[1]["verdict"], "reject", "{engine}: {doc:#}");
        assert_eq!(
            responses[1]["findings"][0]["code"], "signature-untrusted-key",
            "{engine}: {doc:#}"
        );
        assert!(took < KEY_LIST_BOUND, "{engine} took {took:?}");
    }
}

/// More distinct keys than samlbridge trusts at once is an input error naming the flag, from
/// `--metadata` or `--cert`, never a partial trust.
#[test]
fn validate_refuses_to_trust_more_keys_than_it_tries() {
    let dir = tempdir();
    let signer = key_lists::signer();
    let mut certs = key_lists::filler(3000, None);
    certs.push(signer.clone());
    let metadata = dir.path().join("metadata.xml");
    std::fs::write(&metadata, key_lists::unsigned_key_info(certs, &signer)).unwrap();
    let genuine = testdata("responses/valid/idc-assertion-signed.xml");
    let start = std::time::Instant::now();
    let out = validate_idc(&[&genuine], metadata.to_str().unwrap(), &[]);
    assert!(start.elapsed() < KEY_LIST_BOUND, "{:?}", start.elapsed());
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "samlbridge: error: --metadata {}: its signing certificates hold 3001 distinct signing keys, more than the 16 samlbridge trusts at once (Entra lists one to three)\n",
            metadata.display()
        )
    );

    let bundle = dir.path().join("bundle.pem");
    let pems: Vec<u8> = key_lists::filler(17, None)
        .iter()
        .flat_map(|k| k.cert_pem())
        .collect();
    std::fs::write(&bundle, pems).unwrap();
    let out = run(&[
        "validate",
        &genuine,
        "--cert",
        bundle.to_str().unwrap(),
        "--target",
        "identity-center",
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!(
            "--cert {}: certificate #17 makes 17 distinct signing keys, more than the 16 samlbridge trusts at once (Entra lists one to three); --metadata and every --cert count together\n",
            bundle.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// A forged response whose KeyInfo lists a thousand untrusted certificates before its signer's:
/// the diagnosis tries two of them, not each, and the response is rejected.
#[test]
fn a_key_info_of_a_thousand_untrusted_certificates() {
    let dir = tempdir();
    let xml = std::fs::read_to_string(testdata("responses/invalid/key-confusion.xml")).unwrap();
    let listed: String = key_lists::filler(1000, None)
        .iter()
        .map(|k| format!("<X509Certificate>{}</X509Certificate>", k.cert_base64()))
        .collect();
    let hostile = xml.replacen(
        "<KeyInfo><X509Data>",
        &format!("<KeyInfo><X509Data>{listed}"),
        1,
    );
    assert_ne!(hostile, xml);
    let path = dir.path().join("forged.xml");
    std::fs::write(&path, hostile).unwrap();
    for engine in ["native", "samael"] {
        let start = std::time::Instant::now();
        let out = validate_json(path.to_str().unwrap(), &["--engine", engine]);
        let took = start.elapsed();
        assert_eq!(code(&out), 1, "{engine}: {}", stderr(&out));
        let doc = json(&out);
        assert_eq!(doc["responses"][0]["verdict"], "reject");
        let finding = &doc["responses"][0]["findings"][0];
        assert_eq!(finding["code"], "signature-invalid", "{engine}: {doc:#}");
        assert!(
            finding["message"]
                .as_str()
                .unwrap()
                .contains("does not match any trusted certificate"),
            "{engine}: {doc:#}"
        );
        assert!(took < KEY_LIST_BOUND, "{engine} took {took:?}");
    }
}

/// SignedInfo canonicalized inclusively, which only libxmlsec1 checks: it is given the first
/// three keys in turn, never every key, and a signer listed fourth is not verified.
#[test]
fn only_libxmlsec1_can_check_the_signature() {
    use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};
    const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let signer = key_lists::signer();
    let from = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let others: Vec<_> = (0..3)
        .map(|slot| {
            CertBuilder::entra(
                shared_key(KeySpec::Rsa(2048), 40 + slot),
                from,
                from + chrono::Duration::days(365),
            )
            .serial(500 + slot)
            .build()
        })
        .collect();

    let mut first = vec![signer.clone()];
    first.extend(others.iter().cloned());
    let (_, doc, _) = check_timed(&key_lists::key_list(first, &signer, C14N_10), &[]);
    assert_eq!(doc["metadata"]["signature"]["status"], "valid", "{doc:#}");
    assert_eq!(doc["metadata"]["signature"]["signer"], signer.sha256_hex());

    let mut fourth = others.clone();
    fourth.push(signer.clone());
    let (exit, doc, _) = check_timed(&key_lists::key_list(fourth, &signer, C14N_10), &[]);
    assert_eq!(exit, 1);
    assert_eq!(
        finding_message(&doc, "metadata-signature-invalid"),
        "the signature value does not match the certificate: a different key signed it, or SignedInfo was altered; samlbridge could not check 4 of the 4 keys itself, and libxmlsec1 was given only the first 3 of those"
    );
}

/// The peak resident memory of `samlbridge args`, in MiB, read from /proc while it runs (its
/// high-water mark only grows, so the last reading before it exits is the peak, give or take
/// the last few milliseconds).
fn peak_rss_mib(args: &[&str]) -> (i32, f64) {
    let mut child = bin()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn samlbridge");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit.code().unwrap_or(-1), peak_kib as f64 / 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn memory_is_bounded_across_inputs_whatever_they_inflate_to() {
    use std::io::Write;
    // A response padded to 1 MB, DEFLATE-compressed to about a kilobyte and sent as an
    // HTTP-Redirect query: 64 of them per HAR of about 100 KB, eight HARs. They inflate to 512 MB
    // in all, which a run once held at the same time.
    let response = format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" Version=\"2.0\"><!--{}--></samlp:Response>",
        "x".repeat(1_000_000)
    );
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(response.as_bytes()).unwrap();
    let compressed = deflate.finish().unwrap();
    let value = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, compressed);
    let entry = json!({"request": {"method": "GET", "url": "https://eu-west-1.signin.aws/platform/saml/acs/x",
        "queryString": [{"name": "SAMLResponse", "value": value}]}});
    let har = json!({"log": {"version": "1.2", "entries": vec![entry; 64]}}).to_string();
    let dir = tempdir();
    let mut args = vec!["validate".to_owned()];
    for i in 0..8 {
        let path = dir.path().join(format!("inflating-{i}.har"));
        std::fs::write(&path, &har).unwrap();
        args.push(path.display().to_string());
    }
    args.extend(
        [
            "--cert",
            &testdata("keys/entra-app-active.cert.pem"),
            "--target",
            "iam",
            "--jobs",
            "2",
            "--format",
            "json",
        ]
        .map(str::to_owned),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (exit, peak) = peak_rss_mib(&args);
    assert_eq!(
        exit, 1,
        "every response is read and rejected (none is signed)"
    );
    // The README's ceiling: a round's inputs as they are (32 MiB at most, here under 1 MiB)
    // and one decoded response per thread, far under this whatever the inputs inflate to.
    assert!(peak < 256.0, "peak memory {peak:.0} MiB");
}

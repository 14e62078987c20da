//! `samlbridge check`: exit codes, output formats, overrides and bad input.

use crate::util::*;
use samlbridge_testkit::fixtures;

const NOW: &str = "2026-11-27T12:00:00Z";

fn active_sha256() -> String {
    let pem = std::fs::read(testdata("keys/entra-app-active.cert.pem")).unwrap();
    let cert = openssl::x509::X509::from_pem(&pem).unwrap();
    samlbridge_testkit::pki::hex(&cert.digest(openssl::hash::MessageDigest::sha256()).unwrap())
}

#[test]
fn clean_app_metadata_passes() {
    let md = testdata("metadata/entra-app.xml");
    let pin = active_sha256();
    let out = run(&[
        "check",
        &md,
        "--target",
        "identity-center",
        "--pin-cert",
        &pin,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["tool"], "samlbridge");
    assert_eq!(doc["command"], "check");
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["target"], "identity-center");
    assert_eq!(findings(&doc), Vec::<(String, String)>::new());
    assert_eq!(doc["metadata"]["kind"], "entra");
    assert_eq!(doc["metadata"]["tenant"], fixtures::TENANT);
    assert_eq!(doc["metadata"]["signature"]["status"], "valid");
    assert_eq!(doc["metadata"]["signature"]["pinned"], true);
    assert_eq!(doc["metadata"]["byte_order_mark"], true);
    let certs = doc["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["sha256"], pin.as_str());
    assert_eq!(certs[0]["status"], "valid");
    assert_eq!(certs[0]["days_left"], 768);
    assert_eq!(certs[0]["key"]["type"], "rsa");
    assert_eq!(certs[0]["key"]["bits"], 2048);
}

#[test]
fn human_output_lists_each_certificate() {
    let md = testdata("metadata/entra-app-rollover.xml");
    let out = run(&["check", &md, "--target", "identity-center", "--now", NOW]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("PASS check "), "{text}");
    for needle in [
        "CN=Microsoft Azure Federated SSO Certificate",
        "SHA-1    0400299F422E4DE4FA21199A5A08A1581E350153",
        "SHA-256  1604FE0F0A495CAC8E5766B9A192AE9AD62BD2B5C5AF80C6823CF42A4A72597A",
        "valid    2026-01-05 09:00 to 2029-01-04 09:00 UTC (768 days left)",
        "[signs this document]",
        "[newest]",
        "warning[metadata-multiple-signing-certs]",
        "help:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "NO_COLOR output carries escape codes"
    );
}

#[test]
fn colour_follows_the_flag() {
    let md = testdata("metadata/entra-app.xml");
    let out = run(&["check", &md, "--now", NOW, "--color", "always"]);
    assert!(
        stdout(&out).contains("\u{1b}["),
        "--color always must colour even into a pipe"
    );
}

#[test]
fn expiry_is_judged_at_now() {
    let md = testdata("metadata/entra-app.xml");
    let soon = run(&[
        "check",
        &md,
        "--now",
        "2028-12-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code(&soon), 0);
    assert!(has_finding(&json(&soon), "cert-expiring", "warning"));

    let days_left = run(&[
        "check",
        &md,
        "--now",
        "2029-01-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code(&days_left), 1);
    assert!(has_finding(&json(&days_left), "cert-expiring", "error"));

    let after = run(&[
        "check",
        &md,
        "--now",
        "2029-02-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code(&after), 1);
    let doc = json(&after);
    assert_eq!(doc["verdict"], "fail");
    assert!(has_finding(&doc, "cert-expired", "error"));
    assert_eq!(doc["certificates"][0]["status"], "expired");

    let wide = run(&[
        "check",
        &md,
        "--now",
        NOW,
        "--warn-days",
        "800",
        "--format",
        "json",
    ]);
    assert!(has_finding(&json(&wide), "cert-expiring", "warning"));
}

#[test]
fn deny_and_allow_change_levels() {
    let md = testdata("metadata/entra-app-rollover.xml");
    let denied = run(&[
        "check",
        &md,
        "--now",
        NOW,
        "--deny",
        "metadata-multiple-signing-certs",
        "--format",
        "json",
    ]);
    assert_eq!(code(&denied), 1);
    let doc = json(&denied);
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "metadata-multiple-signing-certs")
        .unwrap();
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["overridden"], "warning");

    let expired = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--now",
        "2029-02-01T00:00:00Z",
        "--allow",
        "cert-expired",
        "--format",
        "json",
    ]);
    assert_eq!(code(&expired), 0);
    assert!(has_finding(&json(&expired), "cert-expired", "info"));

    let refused = run(&["check", &md, "--allow", "metadata-signature-invalid"]);
    assert_eq!(code(&refused), 2);
    assert!(
        stderr(&refused).contains("cannot be allowed"),
        "{}",
        stderr(&refused)
    );

    let unknown = run(&["check", &md, "--deny", "cert-typo"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("unknown finding code 'cert-typo'"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn sarif_output() {
    let md = testdata("metadata/entra-app-rollover.xml");
    let out = run(&["check", &md, "--now", NOW, "--format", "sarif"]);
    assert_eq!(code(&out), 0);
    let doc = json(&out);
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "samlbridge");
    let results = run0["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "metadata-multiple-signing-certs" && r["level"] == "warning"));
    assert!(results.iter().any(|r| r["level"] == "note"));
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .any(|r| r["id"] == "metadata-multiple-signing-certs"));
    assert!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("entra-app-rollover.xml")
    );

    let fetch_sarif = run(&[
        "fetch",
        "--url",
        "https://127.0.0.1:1/x",
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&fetch_sarif), 2, "sarif is for check only");
}

#[test]
fn sp_metadata_is_checked_too() {
    let md = testdata("metadata/entra-app.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    let out = run(&[
        "check",
        &md,
        "--sp-metadata",
        &sp,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0);
    let doc = json(&out);
    assert_eq!(doc["sp_metadata"]["acs"].as_array().unwrap().len(), 3);

    // IdP metadata passed as SP metadata: not something samlbridge can check.
    let out = run(&["check", &md, "--sp-metadata", &md, "--now", NOW]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("this is an identity provider's metadata (it has an IDPSSODescriptor), not a service provider's"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reads_standard_input() {
    let bytes = std::fs::read(testdata("metadata/entra-app.xml")).unwrap();
    let out = run_stdin(&["check", "-", "--now", NOW, "--format", "json"], &bytes);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "<stdin>");
}

#[test]
fn bad_input_exits_2_naming_the_input() {
    let dir = tempdir();
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "broken.xml",
            b"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"><IDPSSODescriptor>",
            "end of input inside element",
        ),
        ("garbage.xml", b"\x00\x01binary", "not well-formed"),
        (
            "html.xml",
            b"<html><body>Sign in</body></html>",
            "not SAML metadata",
        ),
        ("empty.xml", b"", "this is an empty file, not SAML metadata"),
        (
            "latin1.xml",
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>",
            "declares encoding 'ISO-8859-1' and holds a character outside ASCII",
        ),
        (
            "cp1252.xml",
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>",
            "only UTF-8",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(&["check", path.to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(message), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(stdout(&out).is_empty());
    }

    let missing = run(&["check", "/nonexistent/metadata.xml"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("/nonexistent/metadata.xml"));

    let too_big = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--max-size",
        "1000",
    ]);
    assert_eq!(code(&too_big), 2);
    assert!(
        stderr(&too_big).contains("larger than the 1000-byte limit"),
        "{}",
        stderr(&too_big)
    );

    let plain_http = run(&["check", "http://login.microsoftonline.com/x"]);
    assert_eq!(code(&plain_http), 2);
    assert!(stderr(&plain_http).contains("only https://"));

    let bad_now = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--now",
        "yesterday",
    ]);
    assert_eq!(code(&bad_now), 2);
    assert!(stderr(&bad_now).contains("RFC 3339"));

    let bad_pin = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--pin-cert",
        "xyz",
    ]);
    assert_eq!(code(&bad_pin), 2);
    assert!(stderr(&bad_pin).contains("not a hex thumbprint"));
}

#[test]
fn doctype_is_a_finding_not_a_parse() {
    let dir = tempdir();
    let path = dir.path().join("lol.xml");
    std::fs::write(
        &path,
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol1;"/>"#,
    )
    .unwrap();
    let out = run(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 1);
    let doc = json(&out);
    assert!(has_finding(&doc, "xml-dtd", "error"));
    assert!(doc["metadata"].is_null());
}

/// Which address of the metadata a look-alike case replaces.
#[derive(Clone, Copy, Debug)]
enum Place {
    EntityId,
    Sso,
    Slo,
    WsFed,
}

/// The messages of `code` findings in a JSON report.
fn messages(doc: &serde_json::Value, code: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Metadata whose signature verifies with the pinned application certificate but whose entityID
/// or endpoints only look like Entra's: each is an error that names the difference, for the
/// JSON and the human report alike.
#[test]
fn look_alike_entra_addresses_are_errors() {
    let tmp = tempdir();
    let t = fixtures::TENANT;
    let other = "11111111-2222-3333-4444-555555555555";
    let pin = active_sha256();
    let endpoint = "metadata-endpoint-not-entra";
    let other_tenant = format!("is for tenant \"{other}\", not {t}");
    let cases: Vec<(Place, String, &str, Vec<&str>)> = vec![
        (
            Place::Sso,
            format!("https://login.microsoftonIine.com/{t}/saml2"),
            endpoint,
            vec![
                "SingleSignOnService (HTTP-Redirect) \"https://login.microsoftonIine.com/",
                "is not on Entra's login host login.microsoftonline.com",
                "character 18 is 'I' (U+0049) where Entra's has 'l' (U+006C)",
            ],
        ),
        (
            Place::Sso,
            format!("https://login.micros\u{43e}ftonline.com/{t}/saml2"),
            endpoint,
            vec!["character 13 is 'о' (U+043E) where Entra's has 'o' (U+006F)"],
        ),
        (
            Place::Sso,
            format!("https://login.xn--micrsftonline-l7kb.com/{t}/saml2"),
            endpoint,
            vec![
                "\"login.xn--micrsftonline-l7kb.com\" (the IDNA form of \"login.micrоsоftonline.com\")",
                "character 11 is 'о' (U+043E) where Entra's has 'o' (U+006F)",
            ],
        ),
        (
            Place::Sso,
            format!("https://login.microsoftonline.com@evil.example/{t}/saml2"),
            endpoint,
            vec![
                "has \"login.microsoftonline.com\" before an '@': that is user information, and the host it leads to is \"evil.example\"",
            ],
        ),
        (
            Place::Sso,
            format!("https://login.microsoftonline.com.evil.example/{t}/saml2"),
            endpoint,
            vec![
                "its host \"login.microsoftonline.com.evil.example\" differs",
                "after Entra's \"login.microsoftonline.com\" it goes on with \".evil.example\"",
            ],
        ),
        (
            Place::Sso,
            format!("https://login.microsoftonline.com/{other}/saml2"),
            endpoint,
            vec![&other_tenant],
        ),
        (
            Place::Slo,
            format!("http://login.microsoftonline.com/{t}/saml2"),
            endpoint,
            vec![
                "SingleLogoutService (HTTP-Redirect) \"http://login.microsoftonline.com/",
                "uses http:// where Entra's endpoints use https://",
            ],
        ),
        (
            Place::WsFed,
            format!("https://login.microsoftonIine.com/{t}/wsfed"),
            endpoint,
            vec![
                "PassiveRequestorEndpoint of SecurityTokenServiceType \"https://login.microsoftonIine.com/",
                "character 18 is 'I' (U+0049)",
            ],
        ),
        (
            Place::EntityId,
            format!("https://sts.wind\u{43e}ws.net/{t}/"),
            "metadata-entity-id-lookalike",
            vec![
                "imitates Entra's issuer without being it",
                "its host \"sts.windоws.net\" imitates sts.windows.net: character 9 is 'о' (U+043E) where Entra's has 'o' (U+006F)",
            ],
        ),
    ];
    for (i, (place, address, code_name, needles)) in cases.iter().enumerate() {
        let md = signed_entra_metadata(tmp.path(), &format!("case{i}.xml"), |spec| {
            let value = Some(address.clone());
            match place {
                Place::EntityId => spec.entity_id = value,
                Place::Sso => spec.sso_url = value,
                Place::Slo => spec.slo_url = value,
                Place::WsFed => spec.wsfed_url = value,
            }
        });
        let base = ["check", &md, "--pin-cert", &pin, "--now", NOW];
        let out = run(&[&base[..], &["--format", "json"]].concat());
        assert_eq!(code(&out), 1, "{place:?} {address}: {}", stderr(&out));
        let doc = json(&out);
        assert_eq!(
            doc["metadata"]["signature"]["status"], "valid",
            "{address}: the document is genuinely signed"
        );
        assert_eq!(doc["verdict"], "fail");
        assert!(
            has_finding(&doc, code_name, "error"),
            "{place:?} {address}: {:?}",
            findings(&doc)
        );
        assert!(
            !has_finding(&doc, "metadata-not-entra", "info"),
            "{address}: a look-alike is not merely 'not Entra'"
        );
        let found = messages(&doc, code_name);
        for needle in needles {
            assert!(
                found.iter().any(|m| m.contains(needle)),
                "{place:?} {address}: no {needle:?} in {found:#?}"
            );
        }

        let human = run(&base);
        assert_eq!(code(&human), 1);
        let text = stdout(&human);
        assert!(text.starts_with("FAIL check "), "{text}");
        assert!(text.contains(&format!("error[{code_name}]")), "{text}");
        for needle in needles {
            assert!(says(&text, needle), "{address}: no {needle:?} in\n{text}");
        }
    }
}

/// The WS-Federation addresses are checked one by one: a look-alike in both roles is reported
/// for each element that carries it.
#[test]
fn every_wsfed_address_is_checked() {
    let tmp = tempdir();
    let md = signed_entra_metadata(tmp.path(), "wsfed.xml", |spec| {
        spec.wsfed_url = Some(format!(
            "https://login.microsoftonline.com.evil.example/{}/wsfed",
            fixtures::TENANT
        ))
    });
    let doc = json(&run(&["check", &md, "--now", NOW, "--format", "json"]));
    let found = messages(&doc, "metadata-endpoint-not-entra");
    for element in [
        "SecurityTokenServiceEndpoint of SecurityTokenServiceType",
        "PassiveRequestorEndpoint of SecurityTokenServiceType",
        "ApplicationServiceEndpoint of ApplicationServiceType",
        "PassiveRequestorEndpoint of ApplicationServiceType",
    ] {
        assert!(
            found.iter().any(|m| m.starts_with(element)),
            "{element}: {found:#?}"
        );
    }
    assert_eq!(found.len(), 4, "{found:#?}");
}

/// The help of an endpoint finding says which tenant forms are accepted and why.
#[test]
fn endpoint_help_names_the_accepted_tenant_form() {
    let tmp = tempdir();
    let md = signed_entra_metadata(tmp.path(), "domain.xml", |spec| {
        spec.sso_url = Some("https://login.microsoftonline.com/contoso.com/saml2".into())
    });
    let doc = json(&run(&["check", &md, "--now", NOW, "--format", "json"]));
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "metadata-endpoint-not-entra")
        .expect("the domain-named SSO URL is an error")
        .clone();
    let help = finding["help"].as_str().unwrap();
    assert!(
        help.contains(&format!(
            "https://login.microsoftonline.com/<tenant-id>/saml2 (WS-Federation: …/wsfed) with the tenant ID {} (the entityID's) as the first path segment",
            fixtures::TENANT
        )),
        "{help}"
    );
    assert!(help.contains("lowercase GUID"), "{help}");
    assert!(help.contains("never a domain name"), "{help}");
}

/// Genuine Entra metadata, and another IdP's, raise neither finding.
#[test]
fn genuine_metadata_has_no_look_alike_findings() {
    for md in ["metadata/entra-app.xml", "metadata/entra-app-rollover.xml"] {
        let doc = json(&run(&[
            "check",
            &testdata(md),
            "--now",
            NOW,
            "--format",
            "json",
        ]));
        for code_name in [
            "metadata-endpoint-not-entra",
            "metadata-entity-id-lookalike",
        ] {
            assert!(messages(&doc, code_name).is_empty(), "{md}: {code_name}");
        }
        assert_eq!(doc["metadata"]["cloud"], "global");
    }
    let tmp = tempdir();
    let okta = signed_entra_metadata(tmp.path(), "other.xml", |spec| {
        spec.entity_id = Some("http://www.okta.com/exk3xwuhvra92gqDg5d7".into());
        spec.login_host = "contoso.okta.com".into();
        spec.wsfed = false;
    });
    let doc = json(&run(&["check", &okta, "--now", NOW, "--format", "json"]));
    assert!(has_finding(&doc, "metadata-not-entra", "info"));
    assert_eq!(
        findings(&doc).iter().filter(|(_, s)| s == "error").count(),
        0
    );
}

/// A look-alike cannot be waved through: `--allow` refuses both codes.
#[test]
fn look_alike_codes_cannot_be_allowed() {
    let md = testdata("metadata/entra-app.xml");
    for code_name in [
        "metadata-endpoint-not-entra",
        "metadata-entity-id-lookalike",
    ] {
        let out = run(&["check", &md, "--now", NOW, "--allow", code_name]);
        assert_eq!(code(&out), 2, "{code_name}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("'{code_name}' cannot be allowed")),
            "{err}"
        );
        let explained = json(&run(&["explain", code_name, "--format", "json"]));
        assert_eq!(explained["allowable"], false);
        assert_eq!(explained["severity"], "error");
    }
}

//! `samlbridge trace`: the story of each sign-in in a browser capture, on captures generated the
//! way browsers and SAML-tracer write them (`samlbridge_testkit::captures`).

use crate::util::*;
use samlbridge_testkit::captures::{self, Browser, Content, Flow};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn keys() -> samlbridge_testkit::fixtures::Keys {
    samlbridge_testkit::fixtures::keys(
        Path::new(&testdata("")),
        false,
        samlbridge_testkit::fixtures::issue_instant(),
    )
}

fn flow(name: &str) -> Flow {
    captures::all(&keys())
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
        .1
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Flow `flow` as Chrome saves it with content, written to `dir/name`.
fn chrome(dir: &Path, name: &str, flow_name: &str) -> PathBuf {
    write(
        dir,
        name,
        &captures::har(&flow(flow_name), Browser::Chrome, Content::With),
    )
}

/// `trace` of a capture against the shipped Entra and Identity Center metadata, as JSON.
fn trace(path: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "trace",
        path.to_str().unwrap(),
        "--metadata",
        "",
        "--sp-metadata",
        "",
        "--format",
        "json",
    ];
    let md = testdata("metadata/entra-app.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    args[3] = &md;
    args[5] = &sp;
    args.extend_from_slice(extra);
    let o = run(&args);
    (code(&o), json(&o))
}

fn attempt_codes(a: &Value) -> Vec<(String, String)> {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(a: &Value, code: &str, severity: &str) -> bool {
    attempt_codes(a)
        .iter()
        .any(|(c, s)| c == code && s == severity)
}

fn finding<'a>(a: &'a Value, code: &str) -> &'a Value {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", a["findings"]))
}

fn kinds(a: &Value) -> Vec<&str> {
    a["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect()
}

fn entra_error(a: &Value) -> Option<&Value> {
    a["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "entra")
        .map(|s| &s["error"])
        .filter(|e| !e.is_null())
}

#[test]
fn every_flow_tells_its_story_in_every_browsers_har() {
    let dir = tempdir();
    for (name, flow) in captures::all(&keys()) {
        for browser in [
            Browser::Chrome,
            Browser::Firefox,
            Browser::Safari,
            Browser::Edge,
        ] {
            let path = write(
                dir.path(),
                &format!("{name}.{browser:?}.har"),
                &captures::har(&flow, browser, Content::With),
            );
            let (status, doc) = trace(&path, &[]);
            let what = format!("{name} in {browser:?}: {doc}");
            let attempts = doc["attempts"].as_array().unwrap();
            assert_eq!(attempts.len(), flow.expect.attempts, "{what}");
            let last = attempts.last().unwrap();
            assert_eq!(
                kinds(last).contains(&"response"),
                flow.expect.response,
                "{what}"
            );
            assert_eq!(
                kinds(&attempts[0]).contains(&"authn-request"),
                flow.expect.request,
                "{what}"
            );
            if let Some(code) = flow.expect.aadsts {
                let shown = attempts
                    .iter()
                    .filter_map(|a| entra_error(a))
                    .map(|e| e["code"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>();
                assert!(shown.contains(&format!("AADSTS{code}")), "{what}");
                assert!(
                    attempts.iter().any(|a| has(a, "aadsts-error", "error")),
                    "{what}"
                );
            }
            let accepted = attempts.iter().all(|a| a["outcome"] == "accepted");
            assert_eq!(status, if accepted { 0 } else { 1 }, "{what}");
            assert_eq!(
                doc["verdict"],
                if accepted { "pass" } else { "fail" },
                "{what}"
            );
            let good = matches!(name, "success" | "idp-initiated");
            assert_eq!(accepted, good, "{what}");
        }
    }
}

#[test]
fn a_capture_saved_without_content_still_traces_and_says_what_it_lacks() {
    let dir = tempdir();
    let success = flow("success");
    for browser in [
        Browser::Chrome,
        Browser::Firefox,
        Browser::Safari,
        Browser::Edge,
    ] {
        let path = write(
            dir.path(),
            &format!("success.{browser:?}.har"),
            &captures::har(&success, browser, Content::Without),
        );
        let (status, doc) = trace(&path, &[]);
        assert_eq!(status, 0, "{browser:?}: {doc}");
        assert_eq!(doc["bodies_saved"], false);
        assert_eq!(doc["attempts"][0]["outcome"], "accepted");
    }
    // An error page saved without content cannot be read: the report says so and how to save.
    let path = write(
        dir.path(),
        "50105.har",
        &captures::har(&flow("aadsts50105"), Browser::Chrome, Content::Without),
    );
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let no = finding(&doc["attempts"][0], "trace-no-response");
    assert!(
        no["message"]
            .as_str()
            .unwrap()
            .contains("Save all as HAR with content"),
        "{no}"
    );
}

#[test]
fn saml_tracer_exports_tell_the_same_story_where_they_can() {
    let dir = tempdir();
    for (name, flow) in captures::all(&keys()) {
        let path = write(
            dir.path(),
            &format!("{name}.json"),
            &captures::saml_tracer(&flow),
        );
        let (status, doc) = trace(&path, &[]);
        let what = format!("{name}: {doc}");
        assert_eq!(doc["format"], "SAML-tracer export", "{what}");
        let attempts = doc["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), flow.expect.attempts, "{what}");
        let accepted = attempts.iter().all(|a| a["outcome"] == "accepted");
        assert_eq!(
            accepted,
            matches!(name, "success" | "idp-initiated"),
            "{what}"
        );
        assert_eq!(status, if accepted { 0 } else { 1 }, "{what}");
        // SAML-tracer keeps no pages: an error shown only on a page is said to be unreadable.
        if flow.expect.aadsts.is_some() && !flow.expect.response && flow.expect.attempts == 1 {
            let a = &attempts[0];
            if entra_error(a).is_none() {
                let no = finding(a, "trace-no-response");
                assert!(
                    no["message"]
                        .as_str()
                        .unwrap()
                        .contains("SAML-tracer keeps no page content"),
                    "{what}"
                );
            }
        }
    }
    // A masked export still carries the decoded response, which is validated.
    let path = write(
        dir.path(),
        "masked.json",
        &captures::saml_tracer_masked(&flow("success"), captures::Mask::Hash),
    );
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 0, "{doc}");
}

#[test]
fn the_shipped_captures_read_as_their_names_say() {
    let dir = testdata("captures");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (status, doc) = trace(&path, &[]);
        let good = name.starts_with("success") || name.starts_with("idp-initiated");
        assert_eq!(status, if good { 0 } else { 1 }, "{name}: {doc}");
        seen += 1;
    }
    assert!(seen >= 14, "{seen} captures in {dir}");
}

#[test]
fn a_failed_sign_in_reads_as_a_story() {
    let path = testdata("captures/aadsts50011.chrome.har");
    let o = run(&[
        "trace",
        &path,
        "--metadata",
        &testdata("metadata/entra-app.xml"),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
    ]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("FAIL trace "), "{text}");
    assert!(
        text.contains("Attempt 1 Entra refused the sign-in (AADSTS50011)"),
        "{text}"
    );
    // The timeline, in time order, then the findings and the details.
    let request = text
        .find("authn-request HTTP-Redirect to https://login.microsoftonline.com/")
        .unwrap();
    let entra = text
        .find("entra         1 request; error page  AADSTS50011")
        .unwrap();
    let none = text.find("response      none posted").unwrap();
    assert!(request < entra && entra < none, "{text}");
    assert!(
        text.contains("error[aadsts-error] AADSTS50011: The redirect URI"),
        "{text}"
    );
    assert!(
        text.contains("Reply URL (Assertion Consumer Service URL)"),
        "{text}"
    );
    assert!(
        text.contains("https://login.microsoftonline.com/error?code=50011"),
        "{text}"
    );
    assert!(text.contains("correlation id"), "{text}");
    assert!(
        text.contains(
            "ACS URL                https://eu-west-1.signin.aws.amazon.com/platform/saml/acs/"
        ),
        "{text}"
    );
}

/// The success capture with its AuthnRequest replaced by `spec`, sent to `to`.
fn with_request(spec: &captures::AuthnRequestSpec, to: &str) -> String {
    let text = captures::har(&flow("success"), Browser::Chrome, Content::With);
    let mut har: Value = serde_json::from_str(&text).unwrap();
    for e in har["log"]["entries"].as_array_mut().unwrap() {
        let url = e["request"]["url"].as_str().unwrap().to_owned();
        if url.contains("SAMLRequest=") {
            let relay = url::Url::parse(&url)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "RelayState")
                .map(|(_, v)| v.into_owned());
            e["request"]["url"] = spec.redirect_url(to, relay.as_deref()).into();
            e["request"]["queryString"] = Value::Array(Vec::new());
        }
    }
    har.to_string()
}

fn request_spec() -> captures::AuthnRequestSpec {
    captures::AuthnRequestSpec::identity_center(
        samlbridge_testkit::fixtures::issue_instant() - chrono::Duration::seconds(10),
    )
}

#[test]
fn a_request_for_an_unknown_acs_url_names_the_url_to_add() {
    let dir = tempdir();
    let mut spec = request_spec();
    spec.acs_url = Some("https://eu-west-2.signin.aws/platform/saml/acs/0000-unknown".into());
    let path = write(
        dir.path(),
        "acs.har",
        &with_request(&spec, &captures::entra_saml2()),
    );
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let f = finding(&doc["attempts"][0], "authn-request-acs-unknown");
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("\"https://eu-west-2.signin.aws/platform/saml/acs/0000-unknown\""),
        "{f}"
    );
    // Without the service provider's metadata there is nothing to compare with.
    let o = run(&["trace", path.to_str().unwrap(), "--format", "json"]);
    assert!(!json(&o).to_string().contains("authn-request-acs-unknown"));
}

#[test]
fn a_request_whose_issuer_is_not_the_service_providers_is_named() {
    let dir = tempdir();
    let path = chrome(dir.path(), "issuer.har", "aadsts700016");
    let (_, doc) = trace(&path, &[]);
    let a = &doc["attempts"][0];
    assert!(has(a, "authn-request-issuer", "error"), "{a}");
    assert!(has(a, "aadsts-error", "error"));
    assert_eq!(entra_error(a).unwrap()["code"], "AADSTS700016");
}

#[test]
fn a_request_sent_to_another_tenant_is_named() {
    let dir = tempdir();
    let other = "https://login.microsoftonline.com/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/saml2";
    let path = write(
        dir.path(),
        "tenant.har",
        &with_request(&request_spec(), other),
    );
    let (_, doc) = trace(&path, &[]);
    let f = finding(&doc["attempts"][0], "authn-request-destination");
    assert!(f["message"].as_str().unwrap().contains(other), "{f}");
}

#[test]
fn a_requested_authn_context_is_a_warning_and_its_refusal_is_explained() {
    let dir = tempdir();
    let path = chrome(dir.path(), "75011.har", "aadsts75011");
    let (_, doc) = trace(&path, &[]);
    let a = &doc["attempts"][0];
    assert!(has(a, "authn-request-authn-context", "warning"), "{a}");
    let e = entra_error(a).unwrap();
    assert_eq!(e["code"], "AADSTS75011");
    assert!(e["explained"]["fix"].as_str().is_some());
}

#[test]
fn in_response_to_is_checked_against_the_attempts_request() {
    let dir = tempdir();
    let path = chrome(dir.path(), "irt.har", "in-response-to-mismatch");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    assert!(
        has(&doc["attempts"][0], "response-in-response-to", "error"),
        "{doc}"
    );
    let path = chrome(dir.path(), "idp.har", "idp-initiated");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 0);
    let f = finding(&doc["attempts"][0], "response-in-response-to");
    assert_eq!(f["severity"], "info");
    assert!(f["message"].as_str().unwrap().contains("IdP-initiated"));
}

#[test]
fn a_capture_that_stops_after_the_request_says_to_preserve_the_log() {
    let dir = tempdir();
    let path = chrome(dir.path(), "stopped.har", "stopped-after-request");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let a = &doc["attempts"][0];
    assert_eq!(a["outcome"], "no-response");
    let f = finding(a, "trace-no-response");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("enable Preserve log"),
        "{f}"
    );
    // An Entra error is the cause instead.
    let path = chrome(dir.path(), "refused.har", "aadsts53003");
    let (_, doc) = trace(&path, &[]);
    let a = &doc["attempts"][0];
    assert_eq!(a["outcome"], "entra-error");
    let f = finding(a, "trace-no-response");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Entra stopped the sign-in with AADSTS53003"),
        "{f}"
    );
}

#[test]
fn a_changed_relay_state_is_an_error() {
    let dir = tempdir();
    let path = chrome(dir.path(), "relay.har", "relay-state-changed");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    assert!(
        has(&doc["attempts"][0], "relay-state-changed", "error"),
        "{doc}"
    );
}

#[test]
fn entra_errors_are_found_in_the_error_url_and_the_saml_status() {
    let dir = tempdir();
    let path = chrome(dir.path(), "url.har", "error-redirect");
    let (_, doc) = trace(&path, &[]);
    let e = entra_error(&doc["attempts"][0]).unwrap();
    assert_eq!(e["code"], "AADSTS50105");
    assert_eq!(e["found_in"], "error-url");

    let path = chrome(dir.path(), "status.har", "status-error");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let a = &doc["attempts"][0];
    let e = entra_error(a).unwrap();
    assert_eq!(e["found_in"], "saml-status");
    assert_eq!(e["code"], "AADSTS50105");
    // Identity Center answered the failed response with an error.
    assert!(has(a, "trace-aws-refused", "error"), "{a}");
}

#[test]
fn a_capture_clock_far_from_the_saml_times_is_a_warning() {
    let dir = tempdir();
    let text = captures::har(&flow("success"), Browser::Chrome, Content::With);
    let mut har: Value = serde_json::from_str(&text).unwrap();
    for e in har["log"]["entries"].as_array_mut().unwrap() {
        let started = e["startedDateTime"].as_str().unwrap();
        let t =
            chrono::DateTime::parse_from_rfc3339(started).unwrap() + chrono::Duration::minutes(10);
        e["startedDateTime"] = t.to_rfc3339().into();
    }
    let path = write(dir.path(), "clock.har", &har.to_string());
    let (_, doc) = trace(&path, &[]);
    let a = &doc["attempts"][0];
    assert!(has(a, "trace-clock", "warning"), "{a}");
    // Given --now, the response is judged at it and only the clock finding remains.
    let (status, doc) = trace(&path, &["--now", FIXTURE_NOW]);
    assert_eq!(status, 0, "{doc}");
}

#[test]
fn two_attempts_are_told_apart() {
    let dir = tempdir();
    let path = chrome(dir.path(), "two.har", "two-attempts");
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1, "one failed");
    let attempts = doc["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["outcome"], "entra-error");
    assert_eq!(attempts[1]["outcome"], "accepted");
    assert_eq!(attempts[1]["number"], 2);
    let started = |a: &Value| a["steps"][0]["started"].as_str().unwrap().to_owned();
    assert!(started(&attempts[0]) < started(&attempts[1]));
}

#[test]
fn without_trust_the_response_is_shown_but_not_judged() {
    let path = testdata("captures/success.chrome.har");
    let o = run(&["trace", &path, "--format", "json"]);
    assert_eq!(code(&o), 1);
    let doc = json(&o);
    let a = &doc["attempts"][0];
    assert_eq!(a["outcome"], "unjudged");
    assert!(has(a, "trace-response-unjudged", "error"));
    let response = a["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "response")
        .unwrap();
    assert!(response["report"].is_null());
    assert_eq!(
        response["envelope"]["in_response_to"],
        "id-4f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b"
    );
}

#[test]
fn validate_on_a_capture_with_no_response_says_what_trace_finds() {
    let dir = tempdir();
    let path = chrome(dir.path(), "refused.har", "aadsts50011");
    let o = validate_idc(&[path.to_str().unwrap()], "metadata/entra-app.xml", &[]);
    assert_eq!(code(&o), 2);
    let text = stdout(&o);
    assert!(text.contains("no request carries a SAMLResponse"), "{text}");
    assert!(
        text.contains("Entra refused the sign-in: AADSTS50011"),
        "{text}"
    );
    assert!(text.contains("samlbridge trace"), "{text}");
    let path = chrome(dir.path(), "stopped.har", "stopped-after-request");
    let text = stdout(&validate_idc(
        &[path.to_str().unwrap()],
        "metadata/entra-app.xml",
        &[],
    ));
    assert!(text.contains("Preserve log"), "{text}");
    assert!(text.contains("samlbridge trace"), "{text}");
}

/// Every string of a capture, with the SAML messages in its URLs, forms and pages decoded.
fn everything(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
            let decoded = captures::percent_decode(s);
            for field in ["SAMLResponse=", "SAMLRequest=", "value=\""] {
                for part in decoded.split(field).skip(1) {
                    let b64: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || "+/= ".contains(*c))
                        .map(|c| if c == ' ' { '+' } else { c })
                        .collect();
                    if let Ok((xml, _)) = samlbridge::response::decode::decode_base64(
                        &b64,
                        samlbridge::response::DecodeLimits::default(),
                    ) {
                        out.push_str(&String::from_utf8_lossy(&xml));
                    }
                }
            }
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| everything(i, out)),
        Value::Object(map) => map.values().for_each(|v| everything(v, out)),
        _ => {}
    }
}

#[test]
fn a_redacted_copy_keeps_no_personal_value_and_still_traces() {
    let dir = tempdir();
    for (name, flow) in captures::all(&keys()) {
        for (kind, text) in [
            ("har", captures::har(&flow, Browser::Chrome, Content::With)),
            (
                "firefox",
                captures::har(&flow, Browser::Firefox, Content::With),
            ),
            ("tracer", captures::saml_tracer(&flow)),
        ] {
            let input = write(dir.path(), &format!("{name}.{kind}.in"), &text);
            let out = dir.path().join(format!("{name}.{kind}.out"));
            let (status, before) = trace(&input, &["--redact", out.to_str().unwrap()]);
            let copy = fs::read_to_string(&out).unwrap();
            let mut all = String::new();
            everything(&serde_json::from_str(&copy).unwrap(), &mut all);
            for secret in captures::pii(&flow) {
                assert!(
                    !all.contains(&secret),
                    "{name} {kind}: {secret:?} survives redaction"
                );
            }
            assert!(
                before["redacted"]["masked"].as_array().unwrap().len() >= 2,
                "{before}"
            );
            // The copy tells the same story, with the verdicts reached before redaction.
            let (_, after) = trace(&out, &[]);
            assert_eq!(
                after["attempts"].as_array().unwrap().len(),
                before["attempts"].as_array().unwrap().len(),
                "{name} {kind}"
            );
            let recorded = &after["recorded_before_redaction"]["attempts"];
            for (r, a) in recorded
                .as_array()
                .unwrap()
                .iter()
                .zip(before["attempts"].as_array().unwrap())
            {
                assert_eq!(r["number"], a["number"]);
            }
            if status == 0 {
                assert_eq!(recorded[0]["outcome"], "accepted");
                // The same value got the same mask: the RelayState still matches.
                assert!(
                    !after.to_string().contains("relay-state-changed"),
                    "{name} {kind}"
                );
            }
        }
    }
}

#[test]
fn redaction_never_touches_a_file_it_was_not_asked_to_replace() {
    let dir = tempdir();
    let capture = testdata("captures/success.chrome.har");
    let out = write(dir.path(), "mine.har", "my own notes\n");
    let o = run(&["trace", &capture, "--redact", out.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--redact"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&out).unwrap(), "my own notes\n");
    let o = run(&[
        "trace",
        &capture,
        "--redact",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_ne!(code(&o), 2, "{}", stderr(&o));
    assert!(fs::read_to_string(&out).unwrap().contains("_samlbridge"));

    // Never the capture itself, never a directory.
    let copy = dir.path().join("capture.har");
    fs::copy(&capture, &copy).unwrap();
    let before = fs::read(&copy).unwrap();
    let o = run(&[
        "trace",
        copy.to_str().unwrap(),
        "--redact",
        copy.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is the capture itself"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&copy).unwrap(), before);
    let o = run(&["trace", &capture, "--redact", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn what_is_not_a_capture_is_named() {
    let o = run(&["trace", &testdata("metadata/entra-app.xml")]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("CAPTURE"), "{err}");
    assert!(err.contains("this is XML, not a browser capture"), "{err}");
    assert!(err.contains("samlbridge validate"), "{err}");
    let o = run(&[
        "trace",
        &testdata("responses/valid/idc-assertion-signed.xml"),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(
            "this is a SAML response, not a browser capture: samlbridge validate reads it"
        ),
        "{}",
        stderr(&o)
    );
    let o = run(&["trace", "no-such-file.har"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no-such-file.har"), "{}", stderr(&o));
    let o = run(&["trace", &testdata("keys/entra-app-active.cert.pem")]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("not a browser capture"),
        "{}",
        stderr(&o)
    );
    let o = run_stdin(&["trace", "-", "--format", "json"], b"{\"log\": {}}");
    assert_eq!(code(&o), 2);
    assert_eq!(json(&o)["verdict"], "error");
}

#[test]
fn a_response_posted_twice_is_a_replay() {
    let dir = tempdir();
    let text = captures::har(&flow("success"), Browser::Chrome, Content::With);
    let mut har: Value = serde_json::from_str(&text).unwrap();
    let entries = har["log"]["entries"].as_array_mut().unwrap();
    let post = entries
        .iter()
        .position(|e| e.to_string().contains("SAMLResponse="))
        .unwrap();
    let mut again = entries[post].clone();
    let t = chrono::DateTime::parse_from_rfc3339(again["startedDateTime"].as_str().unwrap())
        .unwrap()
        + chrono::Duration::seconds(20);
    again["startedDateTime"] = t.to_rfc3339().into();
    entries.push(again);
    let path = write(dir.path(), "replay.har", &har.to_string());
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let attempts = doc["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["outcome"], "accepted");
    let replay = &attempts[1];
    assert!(has(replay, "trace-response-replayed", "error"), "{replay}");
    // The second post answers the first attempt's request, which the capture holds.
    let irt = finding(replay, "response-in-response-to");
    assert!(
        irt["message"]
            .as_str()
            .unwrap()
            .contains("which attempt 1 sent"),
        "{irt}"
    );
}

#[test]
fn a_saml_tracer_export_saved_late_says_why_aws_took_what_samlbridge_rejects() {
    let dir = tempdir();
    let text = captures::saml_tracer(&flow("success"));
    let mut export: Value = serde_json::from_str(&text).unwrap();
    export["timestamp"] = "2026-11-27T10:30:00.000Z".into();
    let path = write(dir.path(), "late.json", &export.to_string());
    let (status, doc) = trace(&path, &[]);
    assert_eq!(status, 1);
    let a = &doc["attempts"][0];
    let clock = finding(a, "trace-clock");
    assert!(
        clock["message"]
            .as_str()
            .unwrap()
            .contains("--now 2026-11-27T09:00:00Z"),
        "{clock}"
    );
    assert!(has(a, "trace-verdict-differs", "warning"), "{a}");
    // Judged when it was issued, it passes.
    let (status, _) = trace(&path, &["--now", FIXTURE_NOW]);
    assert_eq!(status, 0);
}

#[test]
fn a_redacted_copy_keeps_its_recorded_verdict() {
    let dir = tempdir();
    for name in ["success", "aadsts50011"] {
        let input = write(
            dir.path(),
            &format!("{name}.har"),
            &captures::har(&flow(name), Browser::Chrome, Content::With),
        );
        let out = dir.path().join(format!("{name}.redacted.har"));
        let (before, _) = trace(&input, &["--redact", out.to_str().unwrap()]);
        let (after, doc) = trace(&out, &[]);
        assert_eq!(after, before, "{name}: {doc}");
        let o = run(&["trace", out.to_str().unwrap()]);
        assert!(stdout(&o).contains("this copy was redacted by samlbridge"));
        // The portal's route survives as a route.
        let copy = fs::read_to_string(&out).unwrap();
        if name == "success" {
            assert!(
                copy.contains("awsapps.com/start/#/?workflowResultHandle="),
                "{name}"
            );
        }
    }
}

#[test]
fn a_cut_off_capture_and_odd_redact_targets_are_named() {
    let dir = tempdir();
    let text = fs::read(testdata("captures/success.chrome.har")).unwrap();
    let cut = dir.path().join("cut.har");
    fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let o = run(&["trace", cut.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("the file ends mid-way"),
        "{}",
        stderr(&o)
    );
    let capture = testdata("captures/success.chrome.har");
    let o = run(&["trace", &capture, "--redact", "-"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("give its path"), "{}", stderr(&o));
    let missing = dir.path().join("no/such/dir/out.har");
    let o = run(&["trace", &capture, "--redact", missing.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!stderr(&o).contains(".samlbridge-"), "{}", stderr(&o));
}

#[test]
fn redaction_masks_secrets_beyond_the_sign_in_itself() {
    let dir = tempdir();
    let text = captures::har(&flow("success"), Browser::Chrome, Content::With);
    let mut har: Value = serde_json::from_str(&text).unwrap();
    let secrets = [
        "ASIAEXAMPLEKEY1234567",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "FwoGZXIvYXdzEXAMPLETOKEN1234567890",
        "Bob Builder",
        "rvt-7f3e9a1c5b2d8e4f6a0b",
    ];
    let body = serde_json::json!({
        "roleCredentials": {"accessKeyId": secrets[0], "secretAccessKey": secrets[1], "sessionToken": secrets[2]},
        "user": {"displayName": secrets[3]}
    });
    har["log"]["entries"].as_array_mut().unwrap().push(serde_json::json!({
        "startedDateTime": "2026-11-27T09:00:03.000Z",
        "request": {"method": "POST", "url": "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials",
            "headers": [], "postData": {"mimeType": "application/x-www-form-urlencoded",
            "text": format!("__RequestVerificationToken={}&role=Admin", secrets[4])}},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": body.to_string()}}
    }));
    let input = write(dir.path(), "more.har", &har.to_string());
    let out = dir.path().join("more.redacted.har");
    let (status, _) = trace(&input, &["--redact", out.to_str().unwrap()]);
    assert_eq!(status, 0);
    let copy = fs::read_to_string(&out).unwrap();
    for secret in secrets {
        assert!(!copy.contains(secret), "{secret:?} survives redaction");
    }
}

//! `validate` judges a captured response at the instant its capture file records (a HAR
//! entry's `startedDateTime`, a SAML-tracer export's `timestamp`) unless `--now` is given,
//! and says which instant it judged at and where it came from.

use crate::util::*;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::process::Output;

/// `validate` of `inputs` against the shipped Identity Center test data, with `extra` and no
/// `--now` unless `extra` has it.
fn validate(inputs: &[&str], extra: &[&str]) -> Output {
    let mut args: Vec<String> = std::iter::once("validate")
        .chain(inputs.iter().copied())
        .map(str::to_owned)
        .collect();
    args.extend([
        "--metadata".to_owned(),
        testdata("metadata/entra-app-rollover.xml"),
        "--target".to_owned(),
        "identity-center".to_owned(),
        "--sp-metadata".to_owned(),
        testdata("metadata/identity-center-sp.xml"),
    ]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn error_codes(response: &Value) -> Vec<&str> {
    response["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

/// The shipped HAR with the SAMLResponse post of entry 2 dated `started` (`None`: no
/// `startedDateTime` at all), written to `dir`.
fn har_started(dir: &std::path::Path, started: Option<&str>) -> String {
    let mut har: Value = serde_json::from_slice(
        &std::fs::read(testdata("responses/encodings/capture.har")).unwrap(),
    )
    .unwrap();
    let entry = har["log"]["entries"][1].as_object_mut().unwrap();
    assert!(entry["request"].to_string().contains("SAMLResponse"));
    match started {
        Some(t) => entry.insert("startedDateTime".into(), Value::from(t)),
        None => entry.remove("startedDateTime"),
    };
    let path = dir.join("capture.har");
    std::fs::write(&path, har.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_har_validated_days_later_is_judged_when_it_was_captured() {
    // The responses are valid from 09:00:00 to 09:05:00 on 2026-11-27; the browser sent them
    // at 09:00:01 and 09:00:02. No --now: judged then, not at today's clock.
    let har = testdata("responses/encodings/capture.har");
    let out = validate(&[&har], &["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let doc = json(&out);
    let responses = doc["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    assert_eq!(
        responses[0]["judged_at"],
        serde_json::json!({"instant": "2026-11-27T09:00:01Z", "source": "har-started-date-time", "har_entry": 2})
    );
    assert_eq!(
        responses[1]["judged_at"],
        serde_json::json!({"instant": "2026-11-27T09:00:02Z", "source": "har-started-date-time", "har_entry": 3})
    );
    for r in responses {
        assert_eq!(r["verdict"], "accept");
        assert!(error_codes(r).is_empty(), "{r}");
        assert_eq!(r["validity"]["seconds_left"].as_i64().unwrap() / 60, 4);
    }

    let text = stdout(&validate(&[&har], &["--color", "never"]));
    assert!(text.starts_with("ACCEPT "), "{text}");
    assert!(
        text.contains(
            "  judged at 2026-11-27 09:00:01 UTC  (captured: HAR entry 2 startedDateTime)"
        ),
        "{text}"
    );
    assert!(text.contains("(captured: HAR entry 3 startedDateTime)"));
    assert!(!text.contains("assertion-expired"), "{text}");
}

#[test]
fn now_wins_over_the_capture_time() {
    let har = testdata("responses/encodings/capture.har");
    let out = validate(
        &[&har],
        &["--now", "2026-11-28T09:00:00Z", "--format", "json"],
    );
    assert_eq!(code(&out), 1, "a day later they have expired");
    let doc = json(&out);
    for r in doc["responses"].as_array().unwrap() {
        assert_eq!(r["verdict"], "reject");
        assert_eq!(error_codes(r), ["assertion-expired", "assertion-expired"]);
        assert_eq!(
            r["judged_at"],
            serde_json::json!({"instant": "2026-11-28T09:00:00Z", "source": "now-option"})
        );
    }
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("before now (2026-11-28T09:00:00Z)"));
    let text = stdout(&validate(
        &[&har],
        &["--now", "2026-11-28T09:00:00Z", "--color", "never"],
    ));
    assert!(
        text.contains("  judged at 2026-11-28 09:00:00 UTC  (--now)"),
        "{text}"
    );
}

#[test]
fn a_capture_time_with_an_offset_and_fraction_is_read_and_skew_applies_around_it() {
    // Firefox writes local time with its offset: 10:04:58.123+01:00 is 09:04:58.123 UTC, two
    // seconds before the bearer confirmation ends.
    let dir = tempdir();
    let judged = |started: &str, extra: &[&str]| {
        let har = har_started(dir.path(), Some(started));
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        json(&validate(&[&har], &args))["responses"][0].clone()
    };
    let r = judged("2026-11-27T10:04:58.123+01:00", &[]);
    assert_eq!(r["verdict"], "accept", "{r}");
    assert_eq!(r["judged_at"]["instant"], "2026-11-27T09:04:58.123Z");
    let text = stdout(&validate(
        &[&har_started(
            dir.path(),
            Some("2026-11-27T10:04:58.123+01:00"),
        )],
        &["--color", "never"],
    ));
    assert!(
        text.contains("judged at 2026-11-27 09:04:58.123 UTC  (captured: HAR entry 2"),
        "{text}"
    );

    // The bearer confirmation ends at 09:05:00: with the default three minutes of skew the
    // response holds until 09:08:00, relative to the capture time as to any other.
    let r = judged("2026-11-27T09:07:59Z", &[]);
    assert_eq!(r["verdict"], "accept", "{r}");
    let r = judged("2026-11-27T09:08:01Z", &[]);
    assert_eq!(error_codes(&r), ["assertion-expired"], "{r}");
    let r = judged("2026-11-27T09:05:30Z", &["--skew", "0s"]);
    assert_eq!(error_codes(&r), ["assertion-expired"], "{r}");
}

#[test]
fn without_a_capture_time_the_wall_clock_is_used_and_named() {
    let dir = tempdir();
    let undated = har_started(dir.path(), None);
    let raw = testdata("responses/valid/idc-assertion-signed.xml");
    for input in [&undated, &raw] {
        let before = Utc::now();
        let out = validate(&[input], &["--format", "json"]);
        let after = Utc::now();
        let r = json(&out)["responses"][0].clone();
        assert_eq!(r["judged_at"]["source"], "wall-clock", "{input}: {r}");
        assert!(r["judged_at"].get("har_entry").is_none());
        let instant: DateTime<Utc> = r["judged_at"]["instant"].as_str().unwrap().parse().unwrap();
        assert!(before <= instant && instant <= after, "{instant}");
        let text = stdout(&validate(&[input], &["--color", "never"]));
        assert!(
            text.contains("UTC  (wall clock: the input records no capture time)"),
            "{text}"
        );
    }
}

#[test]
fn a_saml_tracer_export_is_judged_when_it_was_saved() {
    // SAML-tracer records one time for the whole export, when it was saved (09:00:05 here).
    let export = testdata("responses/encodings/capture.saml-tracer.json");
    let out = validate(&[&export], &["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let r = &json(&out)["responses"][0];
    assert_eq!(
        r["judged_at"],
        serde_json::json!({"instant": "2026-11-27T09:00:05Z", "source": "saml-tracer-timestamp"})
    );
    let text = stdout(&validate(&[&export], &["--color", "never"]));
    assert!(
        text.contains("judged at 2026-11-27 09:00:05 UTC  (captured: the SAML-tracer export's timestamp, when the trace was saved)"),
        "{text}"
    );
}

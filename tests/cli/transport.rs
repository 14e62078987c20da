//! How a response travels: a capture carrying several SAMLResponse fields is refused rather
//! than read in part, and damage done on the way (UTF-16, '+' turned into spaces, leftover
//! percent-encoding) is named with its fix.

use crate::util::*;
use serde_json::Value;

const METADATA: &str = "metadata/entra-app.xml";

/// `validate` of `input` (written to a file named `name`), as the human report.
fn validate_file(name: &str, input: &[u8]) -> (i32, String) {
    let dir = tempdir();
    let path = dir.path().join(name);
    std::fs::write(&path, input).unwrap();
    let path = path.display().to_string();
    let args = validate_idc_args(&[&path], METADATA, &[]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (code(&out), stdout(&out))
}

fn base64() -> String {
    std::fs::read_to_string(testdata("responses/encodings/idc.b64"))
        .unwrap()
        .trim()
        .to_owned()
}

fn form_field(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[test]
fn a_capture_with_two_saml_responses_is_refused_whatever_carries_them() {
    let one = base64();
    let form = format!(
        "SAMLResponse={}&RelayState=x&SAMLResponse={}",
        form_field(&one),
        form_field(&one)
    );
    let mut cases: Vec<(&str, Vec<u8>, String)> = vec![(
        "form.txt",
        form.clone().into_bytes(),
        "the form body carries 2 SAMLResponse fields".to_owned(),
    )];

    // A HAR entry: in the posted text, in the parsed params, in the query string.
    let entry = har_saml_post();
    let mut text = entry.clone();
    text["request"]["postData"]["text"] = Value::String(form.clone());
    let mut params = entry.clone();
    params["request"]["postData"]
        .as_object_mut()
        .unwrap()
        .remove("text");
    params["request"]["postData"]["params"] = serde_json::json!([
        {"name": "SAMLResponse", "value": form_field(&one)},
        {"name": "SAMLResponse", "value": form_field(&one)},
    ]);
    let mut query = entry.clone();
    query["request"]["method"] = Value::String("GET".into());
    query["request"].as_object_mut().unwrap().remove("postData");
    query["request"]["queryString"] = serde_json::json!([
        {"name": "SAMLResponse", "value": form_field(&one)},
        {"name": "SAMLResponse", "value": form_field(&one)},
    ]);
    for (what, e, part) in [
        ("text", text, "the posted form"),
        ("params", params, "the posted form"),
        ("query", query, "the query string"),
    ] {
        let har = serde_json::json!({"log": {"version": "1.2", "entries": [e]}});
        cases.push((
            if what == "text" {
                "text.har"
            } else if what == "params" {
                "params.har"
            } else {
                "query.har"
            },
            har.to_string().into_bytes(),
            format!("entry 1 ({} ", if what == "query" { "GET" } else { "POST" }) + "…" + part,
        ));
    }

    // A SAML-tracer request with two post parameters of that name.
    let mut tracer: Value = serde_json::from_slice(
        &std::fs::read(testdata("responses/encodings/capture.saml-tracer.json")).unwrap(),
    )
    .unwrap();
    for r in tracer["requests"].as_array_mut().unwrap() {
        if r["post"].as_array().is_some_and(|p| !p.is_empty()) {
            r["post"] = serde_json::json!([["SAMLResponse", one], ["SAMLResponse", one]]);
        }
    }
    cases.push((
        "trace.json",
        tracer.to_string().into_bytes(),
        "its post data carries 2 SAMLResponse fields".to_owned(),
    ));

    for (name, input, said) in cases {
        let (exit, text) = validate_file(name, &input);
        assert_eq!(exit, 2, "{name}: {text}");
        let error = text
            .lines()
            .find(|l| l.starts_with("ERROR "))
            .unwrap_or_else(|| panic!("{name}: {text}"));
        // The label part is checked piecewise: HAR labels carry the request URL.
        let (head, tail) = said.split_once('…').unwrap_or((&said, ""));
        assert!(
            error.contains(head) && error.contains(tail),
            "{name}: {error}"
        );
        assert!(
            error.contains("a browser posts exactly one")
                && error.contains("samlbridge reads none of them"),
            "{name}: {error}"
        );
        assert!(!text.contains("ACCEPT"), "{name}: {text}");
    }
}

#[test]
fn utf16_text_is_named_with_how_to_save_it_as_utf8() {
    let xml =
        std::fs::read_to_string(testdata("responses/valid/idc-assertion-signed.xml")).unwrap();
    let utf16le = |s: &str, bom: bool| {
        let mut out: Vec<u8> = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    };
    let utf16be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(xml.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    for (name, input) in [
        ("le-bom.xml", utf16le(&xml, true)),
        ("le.xml", utf16le(&xml, false)),
        ("be-bom.xml", utf16be),
        ("base64.txt", utf16le(&base64(), true)),
    ] {
        let (exit, text) = validate_file(name, &input);
        assert_eq!(exit, 2, "{name}");
        assert!(
            text.contains("it is UTF-16 text") && text.contains("save it as UTF-8"),
            "{name}: {text}"
        );
        assert!(!text.contains("binary data"), "{name}: {text}");
    }
}

#[test]
fn base64_damaged_by_form_decoding_says_what_happened() {
    let b64 = base64();
    assert!(b64.contains('+'), "the fixture's base64 has '+' signs");
    let (exit, text) = validate_file("spaces.b64", b64.replace('+', " ").as_bytes());
    assert_eq!(exit, 2);
    assert!(
        text.contains("the base64 has spaces where its '+' signs were")
            && text.contains("take the value exactly as it was posted"),
        "{text}"
    );

    let encoded = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let (exit, text) = validate_file("percent.b64", encoded.as_bytes());
    assert_eq!(exit, 2);
    assert!(
        text.contains("the base64 is still percent-encoded (%2B is '+'")
            && !text.contains("it starts with"),
        "{text}"
    );

    // The same value given as the form body it came from is read.
    let (exit, text) = validate_file("form.txt", format!("SAMLResponse={encoded}").as_bytes());
    assert_eq!(exit, 0, "{text}");
}

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

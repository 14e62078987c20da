//! Parser differential: libxml2 (inside libxmlsec1, the samael engine) and the strict
//! quick-xml tree (the native engine) must see the same document on the inputs where XML
//! parsers are known to part ways. Where they could disagree, samlbridge refuses.

use super::tests::{key, run_result, settings, spec};
use super::*;
use samlbridge_testkit::idp::{sign, strip_declaration, ResponseSpec};
use serde_json::json;

/// Signs `spec`'s assertion after `edit` has rewritten it (markup the spec cannot express),
/// then wraps it in the unsigned Response; `wrap` may rewrite the whole document.
fn signed_with(
    spec: &ResponseSpec,
    edit: impl Fn(String) -> String,
    wrap: impl Fn(String) -> Vec<u8>,
) -> Vec<u8> {
    let assertion = edit(spec.assertion_xml());
    let signed = strip_declaration(&sign(&assertion, &spec.signer))
        .trim_end()
        .to_owned();
    wrap(spec.response_xml(&signed))
}

/// What both engines must agree on: refused outright, or the verdict, the finding codes and
/// the claims read.
fn outcome(xml: &[u8], engine: Engine) -> serde_json::Value {
    let k = key(0);
    let mut s = settings(&[&k]);
    s.engine = engine;
    match run_result(xml, &s) {
        Err(e) => json!({ "refused": e.to_string() }),
        Ok(r) => json!({
            "verdict": r.verdict,
            "codes": r.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            "claims": r.claims,
        }),
    }
}

fn both(xml: &[u8]) -> serde_json::Value {
    let native = outcome(xml, Engine::Native);
    let samael = outcome(xml, Engine::Samael);
    assert_eq!(
        native,
        samael,
        "the engines disagree on:\n{}",
        String::from_utf8_lossy(xml)
    );
    native
}

/// `text` with `from` replaced, which must occur (so an edit can never silently do nothing).
trait Edit {
    fn edit(self, from: &str, to: &str) -> String;
}

impl Edit for String {
    fn edit(self, from: &str, to: &str) -> String {
        assert!(self.contains(from), "{from:?} does not occur");
        self.replace(from, to)
    }
}

fn keep(x: String) -> Vec<u8> {
    x.into_bytes()
}

/// [`both`] on the fixture response, its assertion rewritten by `edit` before signing.
fn both_edited(edit: impl Fn(String) -> String) -> serde_json::Value {
    both(&signed_with(&spec(&key(0)), edit, keep))
}

fn name_id(o: &serde_json::Value) -> &str {
    o["claims"]["name_id"]["value"].as_str().unwrap_or("")
}

#[test]
fn comments_and_cdata_inside_text() {
    let o = both_edited(|a| {
        a.edit(
            "alice@contoso.com</NameID>",
            "alice@contoso.com<!--x-->.evil</NameID>",
        )
    });
    assert_eq!(o["verdict"], "accept");
    assert_eq!(
        name_id(&o),
        "alice@contoso.com.evil",
        "a comment never ends a value"
    );

    let o = both_edited(|a| {
        a.edit(
            "alice@contoso.com</NameID>",
            "<![CDATA[alice@]]>contoso.com</NameID>",
        )
    });
    assert_eq!(name_id(&o), "alice@contoso.com");
}

#[test]
fn character_references() {
    let o = both_edited(|a| {
        a.edit(
            "<AttributeValue>Alice</AttributeValue>",
            "<AttributeValue>A&#13;l&#xd;i&#x0D;c&#101;</AttributeValue>",
        )
        .edit(r#"Format="urn"#, r#"Format="&#117;rn"#)
    });
    assert_eq!(o["verdict"], "accept");
    let given = o["claims"]["other_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"].as_str().unwrap().ends_with("givenname"))
        .unwrap();
    assert_eq!(given["values"][0]["text"], "A\rl\ri\rce");
}

#[test]
fn namespace_prefix_redefinition() {
    // The NameID under a prefix rebound to the SAML namespace is the NameID.
    let o = both_edited(|a| {
        a.edit("<Subject><NameID", r#"<Subject xmlns:p="urn:other"><p:NameID xmlns:p="urn:oasis:names:tc:SAML:2.0:assertion""#)
                .edit("</NameID>", "</p:NameID>")
    });
    assert_eq!(o["verdict"], "accept");
    assert_eq!(name_id(&o), "alice@contoso.com");
    // One whose prefix is bound elsewhere is not, though it is spelt the same.
    let o = both_edited(|a| {
        a.edit("<Subject><NameID", r#"<Subject xmlns:p="urn:oasis:names:tc:SAML:2.0:assertion"><p:NameID xmlns:p="urn:other""#)
                .edit("</NameID>", "</p:NameID>")
    });
    assert_eq!(o["verdict"], "reject");
    assert!(o["codes"]
        .as_array()
        .unwrap()
        .contains(&json!("nameid-missing")));
}

#[test]
fn same_local_attribute_name_in_other_namespaces() {
    let o = both_edited(|a| {
        a.edit(
                r#"<Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname">"#,
                r#"<Attribute xmlns:x="urn:x" x:Name="https://aws.amazon.com/SAML/Attributes/AccessControl:Role" Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname">"#,
            )
    });
    assert_eq!(o["verdict"], "accept");
    assert!(o["claims"]["aws_attributes"].as_array().unwrap().is_empty());
}

#[test]
fn byte_order_marks_and_declared_encodings() {
    let r = String::from_utf8(signed_with(&spec(&key(0)), |a| a, keep)).unwrap();
    let with_mark = |mark: &[u8]| [mark, r.as_bytes()].concat();
    let o = both(&with_mark(b"\xEF\xBB\xBF"));
    assert_eq!(
        o["verdict"], "accept",
        "a UTF-8 byte-order mark is harmless"
    );
    for encoding in ["ISO-8859-1", "UTF-16", "windows-1252"] {
        let o = both(format!(r#"<?xml version="1.0" encoding="{encoding}"?>{r}"#).as_bytes());
        assert!(
            o["refused"].as_str().unwrap().contains("only UTF-8"),
            "{encoding}: {o}"
        );
    }
    let o = both(&with_mark(b"\xFF\xFE"));
    assert!(o["refused"].as_str().unwrap().contains("UTF-16"), "{o}");
}

#[test]
fn deep_nesting() {
    let nest = |depth: usize| {
        move |a: String| {
            let open = "<x:n xmlns:x=\"urn:x\">".repeat(depth);
            let close = "</x:n>".repeat(depth);
            a.edit(
                "<AttributeValue>Alice</AttributeValue>",
                &format!("<AttributeValue>{open}Alice{close}</AttributeValue>"),
            )
        }
    };
    // Within the limit both read the same (structured) value.
    let o = both_edited(nest(40));
    assert_eq!(o["verdict"], "accept", "{o}");
    // Beyond it the document is refused before any signature is looked at.
    let o = both_edited(nest(80));
    assert!(
        o["refused"].as_str().unwrap().contains("nest deeper"),
        "{o}"
    );
}

#[test]
fn values_as_written_and_repeats() {
    // A carriage return reaches the text only as a reference; both read the NameID untrimmed.
    let o = both_edited(|a| {
        a.edit(
            ">alice@contoso.com</NameID>",
            "> alice@contoso.com&#13;\n</NameID>",
        )
    });
    assert_eq!(name_id(&o), " alice@contoso.com\r\n");
    assert_eq!(o["codes"], json!(["nameid-format", "nameid-whitespace"]));
    // A second Subject or a time in another form: both refuse it, for the same reason.
    let o = both_edited(|a| {
        a.edit(
            "</Subject>",
            "</Subject><Subject><NameID>admin@contoso.com</NameID></Subject>",
        )
    });
    assert_eq!(o["codes"], json!(["response-cardinality"]));
    let o = both_edited(|a| {
        a.edit(
            r#"NotOnOrAfter="2026-11-27T09:05"#,
            r#"NotOnOrAfter="2026-11-27 09:05"#,
        )
    });
    assert_eq!(o["codes"], json!(["assertion-invalid-time"]));
}

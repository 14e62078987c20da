//! Parser differential: libxml2 (inside libxmlsec1, the samael engine) and the strict
//! quick-xml tree (the native engine) must see the same document on the inputs where XML
//! parsers are known to part ways. Where they could disagree, samlbridge refuses.

use super::tests::{issued, key, run_result, settings, spec};
use super::*;
use samlbridge_testkit::idp::{sign, strip_declaration, ResponseSpec, SigAlg, Signing, Template};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};
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
/// the claims read, trusting `trusted`.
fn outcome(xml: &[u8], engine: Engine, trusted: &KeyPair) -> serde_json::Value {
    let mut s = settings(&[trusted]);
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
    both_trusting(xml, &key(0))
}

/// [`both`], trusting `trusted`.
fn both_trusting(xml: &[u8], trusted: &KeyPair) -> serde_json::Value {
    let native = outcome(xml, Engine::Native, trusted);
    let samael = outcome(xml, Engine::Samael, trusted);
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
    let declared = |encoding: &str, body: &str| {
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n{body}").into_bytes()
    };
    // Plain ASCII reads the same in these as in UTF-8, in libxml2 as in the strict parser.
    for encoding in ["ISO-8859-1", "latin1", "US-ASCII", "ascii"] {
        let o = both(&declared(encoding, &r));
        assert_eq!(o["verdict"], "accept", "{encoding}: {o}");
    }
    for encoding in ["UTF-16", "windows-1252", "ISO-8859-15"] {
        let o = both(&declared(encoding, &r));
        assert!(
            o["refused"].as_str().unwrap().contains("only UTF-8"),
            "{encoding}: {o}"
        );
    }
    // A character outside ASCII under such a declaration would read differently: refused,
    // whether it is written in UTF-8 or in Latin-1.
    let mut s = spec(&key(0));
    s.name_id = "zo\u{eb}@contoso.com".into();
    let utf8 = String::from_utf8(signed_with(&s, |a| a, keep)).unwrap();
    // The same characters, one byte each.
    let latin1: Vec<u8> = String::from_utf8(declared("ISO-8859-1", &utf8))
        .unwrap()
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    for xml in [declared("ISO-8859-1", &utf8), latin1] {
        let o = both(&xml);
        assert!(
            o["refused"]
                .as_str()
                .unwrap()
                .contains("declares encoding 'ISO-8859-1' and holds a character outside ASCII"),
            "{o}"
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

/// The finding codes of an outcome.
fn codes(o: &serde_json::Value) -> Vec<&str> {
    o["codes"]
        .as_array()
        .unwrap_or_else(|| panic!("not judged: {o}"))
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

/// The part of `text` from `start` to the end of `end`.
fn cut<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).unwrap();
    let j = text[i..].find(end).unwrap() + i + end.len();
    &text[i..j]
}

const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Every layout the XML-DSig schema does not allow is refused by the structure checks, before
/// either engine runs: libxmlsec1 refuses them, and the native verifier, which reads the first
/// element of each name, would not. The first group keeps a valid signature (nothing signed
/// changes); the second edits SignedInfo, and the structure is what is reported.
#[test]
fn signatures_follow_the_xml_dsig_schema() {
    let signed = spec(&key(0)).build();
    let value = cut(&signed, "<SignatureValue>", "</SignatureValue>");
    let info = cut(&signed, "<SignedInfo>", "</SignedInfo>");
    let note = r#"<x:Note xmlns:x="urn:example:unsigned">not signed</x:Note>"#;
    let exc_method = format!(r#"<CanonicalizationMethod Algorithm="{EXC}"/>"#);
    let list = format!(r#"<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="xs"/>"#);
    let cases = [
        (
            "an unsigned element after KeyInfo",
            signed.clone().edit("</Signature>", &format!("{note}</Signature>")),
        ),
        (
            "an unsigned element after SignatureValue",
            signed.clone().edit(value, &format!("{value}{note}")),
        ),
        (
            "an XML-DSig element Signature does not hold",
            signed.clone().edit("</Signature>", "<Manifest/></Signature>"),
        ),
        (
            "a second SignatureValue",
            signed.clone().edit(value, &value.repeat(2)),
        ),
        ("a second SignedInfo", signed.clone().edit(info, &info.repeat(2))),
        (
            "SignatureValue before SignedInfo",
            signed.clone().edit(info, "").edit(value, &format!("{value}{info}")),
        ),
        (
            "an element inside SignatureValue",
            signed.clone().edit("<SignatureValue>", &format!("<SignatureValue>{note}")),
        ),
        (
            "an unsigned element in SignedInfo",
            signed.clone().edit("</SignedInfo>", &format!("{note}</SignedInfo>")),
        ),
        (
            "a second DigestValue",
            signed.clone().edit("</DigestValue>", "</DigestValue><DigestValue>AA==</DigestValue>"),
        ),
        (
            "an element in DigestMethod",
            signed.clone().edit(
                r#"xmlenc#sha256"/>"#,
                &format!(r#"xmlenc#sha256">{note}</DigestMethod>"#),
            ),
        ),
        (
            "two PrefixLists for SignedInfo",
            signed.clone().edit(
                &exc_method,
                &format!(r#"<CanonicalizationMethod Algorithm="{EXC}">{list}{list}</CanonicalizationMethod>"#),
            ),
        ),
        (
            "an InclusiveNamespaces with no PrefixList",
            signed.clone().edit(
                &exc_method,
                &format!(r#"<CanonicalizationMethod Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="{EXC}"/></CanonicalizationMethod>"#),
            ),
        ),
    ];
    for (what, xml) in cases {
        let o = both(xml.as_bytes());
        assert_eq!(o["verdict"], "reject", "{what}: {o}");
        assert_eq!(codes(&o), ["signature-structure"], "{what}: {o}");
    }
    // Text between the elements is no element: libxmlsec1 skips it, and so does the layout.
    let o = both(
        signed
            .clone()
            .edit("</Signature>", "\n  </Signature>")
            .as_bytes(),
    );
    assert_eq!(o["verdict"], "accept", "{o}");
    // An "InclusiveNamespaces" in another namespace is not one: the Transform carries content.
    let o = both(
        signed
            .clone()
            .edit(
                &format!(r#"<Transform Algorithm="{EXC}"/>"#),
                &format!(r#"<Transform Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="urn:other" PrefixList="xs"/></Transform>"#),
            )
            .as_bytes(),
    );
    assert_eq!(codes(&o), ["signature-transform"], "{o}");
}

/// SAML puts a Response's or an Assertion's signature right after its Issuer; anywhere else in
/// the element it is refused, by both engines alike, though it still verifies.
#[test]
fn signatures_sit_right_after_the_issuer() {
    let s = spec(&key(0));
    let signed = s.build();
    let sig = cut(&signed, "<Signature ", "</Signature>");
    let without = signed.clone().edit(sig, "");
    let mut rs = spec(&key(0));
    rs.signing = Signing::Response;
    let response_signed = rs.build();
    let rsig = cut(&response_signed, "<ds:Signature ", "</ds:Signature>");
    let response_without = response_signed.clone().edit(rsig, "");
    let issuer = cut(&response_signed, "<Issuer ", "</Issuer>");
    for (what, xml) in [
        (
            "at the end of the Assertion",
            without
                .clone()
                .edit("</Assertion>", &format!("{sig}</Assertion>")),
        ),
        (
            "after the Assertion's Subject",
            without
                .clone()
                .edit("</Subject>", &format!("</Subject>{sig}")),
        ),
        (
            "before the Assertion's Issuer",
            without.clone().edit("<Issuer>", &format!("{sig}<Issuer>")),
        ),
        (
            "after the Response's Status",
            response_without
                .clone()
                .edit("</samlp:Status>", &format!("</samlp:Status>{rsig}")),
        ),
        (
            "at the end of the Response",
            response_without
                .clone()
                .edit("</samlp:Response>", &format!("{rsig}</samlp:Response>")),
        ),
        (
            "before the Response's Issuer",
            response_without
                .clone()
                .edit(issuer, &format!("{rsig}{issuer}")),
        ),
    ] {
        let o = both(xml.as_bytes());
        assert_eq!(o["verdict"], "reject", "{what}: {o}");
        assert_eq!(codes(&o), ["signature-placement"], "{what}: {o}");
        assert!(o["claims"].is_null(), "nothing is read as signed: {o}");
    }
}

/// libxml2 indexes `xml:id` as an ID in every document: one equal to the signed Assertion's ID
/// is a second element with that ID, unsigned or signed.
#[test]
fn an_xml_id_is_an_id() {
    let s = spec(&key(0));
    let signed = s.build();
    let id = &s.assertion_id;
    for (what, xml) in [
        (
            "on the unsigned Status",
            signed.clone().edit(
                "<samlp:Status>",
                &format!(r#"<samlp:Status xml:id="{id}">"#),
            ),
        ),
        (
            "on the signed Issuer",
            String::from_utf8(signed_with(
                &s,
                |a| a.edit("<Issuer>", &format!(r#"<Issuer xml:id="{id}">"#)),
                keep,
            ))
            .unwrap(),
        ),
    ] {
        let o = both(xml.as_bytes());
        assert_eq!(codes(&o), ["response-duplicate-id"], "{what}: {o}");
    }
    // Another value is no duplicate, and harmless.
    let o = both(
        signed
            .edit("<samlp:Status>", r#"<samlp:Status xml:id="_status">"#)
            .as_bytes(),
    );
    assert_eq!(o["verdict"], "accept", "{o}");
}

/// An EC key of the curve `spec` names, with a certificate valid when the fixtures are judged.
fn ec_key(spec: KeySpec) -> KeyPair {
    CertBuilder::entra(
        shared_key(spec, 0),
        issued() - chrono::Duration::days(30),
        issued() + chrono::Duration::days(1000),
    )
    .build()
}

/// The finding messages `engine` gives `xml`, trusting `trusted`.
fn messages(xml: &[u8], engine: Engine, trusted: &KeyPair) -> Vec<String> {
    let mut s = settings(&[trusted]);
    s.engine = engine;
    run_result(xml, &s)
        .unwrap()
        .findings
        .iter()
        .map(|f| f.message.clone())
        .collect()
}

/// XML-DSig writes an ECDSA signature as r and s at exactly the curve's size each; libxmlsec1
/// refuses any other length, so the native verifier does too, though the padded integers are
/// the same.
#[test]
fn ecdsa_values_are_twice_the_curve_size() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for (curve, alg, size) in [
        (KeySpec::EcP256, SigAlg::EcdsaSha256, 64),
        (KeySpec::EcP384, SigAlg::EcdsaSha384, 96),
        (KeySpec::EcP521, SigAlg::EcdsaSha256, 132),
    ] {
        let k = ec_key(curve);
        let mut s = spec(&k);
        s.alg = alg;
        let signed = s.build();
        let o = both_trusting(signed.as_bytes(), &k);
        assert_eq!(o["verdict"], "accept", "{curve:?}: {o}");

        let text = cut(&signed, "<SignatureValue>", "</SignatureValue>");
        let text = &text["<SignatureValue>".len()..text.len() - "</SignatureValue>".len()];
        let raw = b64
            .decode(text.split_ascii_whitespace().collect::<String>())
            .unwrap();
        assert_eq!(raw.len(), size, "{curve:?}");
        let (r, s) = raw.split_at(size / 2);
        let padded = [&[0][..], r, &[0][..], s].concat();
        let xml = signed.clone().edit(text, &b64.encode(&padded));
        let o = both_trusting(xml.as_bytes(), &k);
        assert_eq!(codes(&o), ["signature-invalid"], "{curve:?}: {o}");
        let native = messages(xml.as_bytes(), Engine::Native, &k);
        assert!(
            native[0].contains(&format!("is {} bytes", size + 2))
                && native[0].contains(&format!("take {size}")),
            "{native:?}"
        );
        // libxmlsec1's refusal says why.
        let samael = messages(xml.as_bytes(), Engine::Samael, &k);
        let reason = samael[0].strip_prefix("libxmlsec1 refused it: ").unwrap();
        assert!(
            reason.contains(&format!("signLen={}", size + 2)),
            "{samael:?}"
        );
    }
}

/// A signature whose PrefixList names `n` prefixes (p1 … pn), signed by libxmlsec1.
fn with_prefix_list(n: usize) -> Vec<u8> {
    let k = key(0);
    let prefixes: Vec<String> = (1..=n).map(|i| format!("p{i}")).collect();
    let base = spec(&k);
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(&k), "");
    t.transforms[1] = format!(
        r#"<{{p}}Transform Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{}"/></{{p}}Transform>"#,
        prefixes.join(" ")
    );
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    s.build().into_bytes()
}

#[test]
fn prefix_lists_are_read_up_to_their_limit() {
    for n in [17, crate::dsig::MAX_INCLUSIVE_PREFIXES] {
        let o = both(&with_prefix_list(n));
        assert_eq!(o["verdict"], "accept", "{n} prefixes: {o}");
    }
    let o = both(&with_prefix_list(crate::dsig::MAX_INCLUSIVE_PREFIXES + 1));
    assert_eq!(codes(&o), ["signature-structure"], "{o}");
}

/// Inclusive canonicalization (C14N 1.0), which libxmlsec1 verifies, is refused in responses
/// by name, whether the signature names it or implies it with no canonicalization transform.
#[test]
fn inclusive_canonicalization_is_refused_by_name() {
    const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let k = key(0);
    let base = spec(&k);
    let mut named = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(&k), "");
    named.canonicalization = C14N_10;
    named.transforms[1] = format!(r#"<{{p}}Transform Algorithm="{C14N_10}"/>"#);
    let mut implied = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(&k), "");
    implied.transforms.truncate(1);
    for t in [named, implied] {
        let mut s = base.clone();
        s.assertion_template = Some(t.build());
        let xml = s.build();
        let o = both(xml.as_bytes());
        assert!(codes(&o).iter().all(|c| *c == "signature-transform"), "{o}");
        for engine in [Engine::Native, Engine::Samael] {
            let said = messages(xml.as_bytes(), engine, &k);
            assert!(
                said.iter().any(|m| m.contains("C14N 1.0")),
                "{engine:?}: {said:?}"
            );
        }
    }
}

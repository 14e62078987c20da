//! The AuthnRequest a service provider sends Entra, read from where the browser carried it:
//! the `SAMLRequest` query parameter (HTTP-Redirect: DEFLATE, base64, URL-encoding) or form
//! field (HTTP-POST: base64).

use crate::response::decode::{self, DecodeLimits};
use crate::response::{parse_instant, Binding};
use crate::xml::{self, ns, Element};
use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;

/// What the request asks of Entra; everything Entra reads from it, and what it ignores but
/// people look for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthnRequest {
    pub id: Option<String>,
    pub issuer: Option<String>,
    pub issue_instant: Option<DateTime<Utc>>,
    /// The URL the request names as its destination (Entra ignores it; where the browser
    /// sent the request is what counts).
    pub destination: Option<String>,
    pub assertion_consumer_service_url: Option<String>,
    pub protocol_binding: Option<String>,
    pub name_id_policy: Option<NameIdPolicy>,
    pub requested_authn_context: Option<RequestedAuthnContext>,
    pub force_authn: Option<bool>,
    pub is_passive: Option<bool>,
    /// How the request is signed, if it is: samlbridge shows it and does not verify it, as
    /// Entra verifies request signatures only for applications configured to require them.
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameIdPolicy {
    pub format: Option<String>,
    pub allow_create: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestedAuthnContext {
    /// `exact` when the request leaves it out, as the schema's default says.
    pub comparison: String,
    pub class_refs: Vec<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    /// The value is not base64 of (DEFLATE-compressed) XML.
    #[error("{}", decode_message(.0))]
    Decode(#[from] decode::DecodeError),
    #[error("{0}")]
    Xml(#[from] xml::XmlError),
    /// Another SAML message (a LogoutRequest, say) where an AuthnRequest was expected.
    #[error("it is a {0}, not an AuthnRequest")]
    Other(String),
    #[error("it has {count} {element} elements where the SAML schema allows one")]
    Repeated { element: &'static str, count: usize },
    #[error("{attribute} is {value:?}, not a boolean")]
    NotBoolean {
        attribute: &'static str,
        value: String,
    },
}

/// The decoder speaks of responses; this is a request.
fn decode_message(e: &decode::DecodeError) -> String {
    e.to_string()
        .replace("DEFLATE-compressed response", "DEFLATE-compressed request")
        .replace("the response is larger", "the request is larger")
        .replace("the SAMLResponse field", "the SAMLRequest field")
}

/// Decodes and reads `SAMLRequest` as it travelled (`binding` says how), with the query's
/// `SigAlg` when the Redirect binding signed it.
pub fn read(
    value: &str,
    binding: Binding,
    sig_alg: Option<&str>,
    limits: DecodeLimits,
) -> Result<AuthnRequest, RequestError> {
    let (xml, found) = decode::decode_base64(&value.replace(' ', "+"), limits)?;
    let arena = xml::Arena::new();
    let doc = xml::parse(&xml, &arena)?;
    let root = &doc.root;
    if !root.is(ns::SAMLP, "AuthnRequest") {
        return Err(RequestError::Other(root.qualified_name()));
    }
    let once = |e: &'static str, nsu: &'static str| -> Result<Option<&Element>, RequestError> {
        let mut all = root.children_named(nsu, e);
        let first = all.next();
        match all.count() {
            0 => Ok(first),
            more => Err(RequestError::Repeated {
                element: e,
                count: more + 1,
            }),
        }
    };
    let boolean = |attribute: &'static str| -> Result<Option<bool>, RequestError> {
        root.attr(attribute)
            .map(|v| match v.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(RequestError::NotBoolean {
                    attribute,
                    value: other.to_owned(),
                }),
            })
            .transpose()
    };
    let issuer = once("Issuer", ns::SAML)?.map(Element::text);
    let policy = once("NameIDPolicy", ns::SAMLP)?.map(|p| NameIdPolicy {
        format: p.attr("Format").map(str::to_owned),
        allow_create: p
            .attr("AllowCreate")
            .map(|v| matches!(v.trim(), "true" | "1")),
    });
    let context = once("RequestedAuthnContext", ns::SAMLP)?.map(|c| RequestedAuthnContext {
        comparison: c.attr("Comparison").unwrap_or("exact").to_owned(),
        class_refs: c
            .children_named(ns::SAML, "AuthnContextClassRef")
            .map(Element::trimmed_text)
            .collect(),
    });
    let embedded = once("Signature", ns::DSIG)?.map(|s| {
        s.child(ns::DSIG, "SignedInfo")
            .and_then(|i| i.child(ns::DSIG, "SignatureMethod"))
            .and_then(|m| m.attr("Algorithm"))
            .unwrap_or("an unnamed algorithm")
            .to_owned()
    });
    Ok(AuthnRequest {
        id: root.attr("ID").map(str::to_owned),
        issuer,
        issue_instant: root.attr("IssueInstant").and_then(parse_instant),
        destination: root.attr("Destination").map(str::to_owned),
        assertion_consumer_service_url: root.attr("AssertionConsumerServiceURL").map(str::to_owned),
        protocol_binding: root.attr("ProtocolBinding").map(str::to_owned),
        name_id_policy: policy,
        requested_authn_context: context,
        force_authn: boolean("ForceAuthn")?,
        is_passive: boolean("IsPassive")?,
        signature: match (binding, found, sig_alg, embedded) {
            (_, _, _, Some(alg)) => Some(format!("embedded ds:Signature, {alg}")),
            (Binding::Redirect, _, Some(alg), None) => Some(format!("query Signature, {alg}")),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::io::Write;

    fn redirect(xml: &str) -> String {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(xml.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap())
    }

    const REQUEST: &str = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-1" Version="2.0" IssueInstant="2026-11-27T08:59:55Z" Destination="https://login.microsoftonline.com/t/saml2" AssertionConsumerServiceURL="https://acs" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" ForceAuthn="false"><saml:Issuer>https://sp</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/><samlp:RequestedAuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"#;

    #[test]
    fn a_redirect_request_reads_whole() {
        let r = read(
            &redirect(REQUEST),
            Binding::Redirect,
            None,
            DecodeLimits::default(),
        )
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("id-1"));
        assert_eq!(r.issuer.as_deref(), Some("https://sp"));
        assert_eq!(
            r.assertion_consumer_service_url.as_deref(),
            Some("https://acs")
        );
        assert_eq!(r.force_authn, Some(false));
        let c = r.requested_authn_context.unwrap();
        assert_eq!(c.comparison, "exact");
        assert_eq!(c.class_refs.len(), 1);
        assert_eq!(r.name_id_policy.unwrap().allow_create, Some(true));
    }

    #[test]
    fn a_post_request_and_a_query_signature() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(REQUEST);
        let r = read(&b64, Binding::Post, None, DecodeLimits::default()).unwrap();
        assert!(r.signature.is_none());
        let r = read(
            &redirect(REQUEST),
            Binding::Redirect,
            Some("rsa-sha256"),
            DecodeLimits::default(),
        )
        .unwrap();
        assert_eq!(r.signature.as_deref(), Some("query Signature, rsa-sha256"));
    }

    #[test]
    fn what_is_not_one_request_is_refused() {
        let logout =
            r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x"/>"#;
        assert_eq!(
            read(
                &redirect(logout),
                Binding::Redirect,
                None,
                DecodeLimits::default()
            )
            .unwrap_err(),
            RequestError::Other("samlp:LogoutRequest".into())
        );
        let twice = REQUEST.replace(
            "<saml:Issuer>https://sp</saml:Issuer>",
            "<saml:Issuer>https://sp</saml:Issuer><saml:Issuer>https://other</saml:Issuer>",
        );
        assert!(matches!(
            read(
                &redirect(&twice),
                Binding::Redirect,
                None,
                DecodeLimits::default()
            )
            .unwrap_err(),
            RequestError::Repeated {
                element: "Issuer",
                count: 2
            }
        ));
        let dtd = format!("<!DOCTYPE x [<!ENTITY e \"x\">]>{REQUEST}");
        assert!(matches!(
            read(
                &redirect(&dtd),
                Binding::Redirect,
                None,
                DecodeLimits::default()
            )
            .unwrap_err(),
            RequestError::Xml(_)
        ));
        assert!(read("%%%", Binding::Redirect, None, DecodeLimits::default()).is_err());
    }
}

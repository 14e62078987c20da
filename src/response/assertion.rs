//! What samlbridge reads from a SAML Response and its Assertion.
//!
//! [`ResponseEnvelope`] is read from the document as received (the Response element is often
//! unsigned, as in every service provider). [`AssertionView`] is only ever read by the verifier:
//! from the signed element, or, kept apart as `Unverified` for the report alone, from the one
//! Assertion no trusted signature covers; see [`super::verify`].

use crate::xml::{ns, Element, Node};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/// An `xs:dateTime` attribute: absent, readable, or not a valid time (kept as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Instant {
    Valid(DateTime<Utc>),
    Invalid(String),
}

impl Instant {
    fn read(e: &Element, name: &str) -> Option<Instant> {
        e.attr(name).map(|text| {
            parse_instant(text)
                .map(Instant::Valid)
                .unwrap_or_else(|| Instant::Invalid(text.to_owned()))
        })
    }

    pub fn valid(&self) -> Option<DateTime<Utc>> {
        match self {
            Instant::Valid(t) => Some(*t),
            Instant::Invalid(_) => None,
        }
    }
}

/// Parses xs:dateTime as SAML uses it: UTC with `Z` (or an offset), any number of fractional
/// digits (Entra writes seven).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The `samlp:Status` of a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The top-level StatusCode value.
    pub code: Option<String>,
    /// Nested StatusCode values, outermost first.
    pub sub_codes: Vec<String>,
    pub message: Option<String>,
}

impl Status {
    pub fn is_success(&self) -> bool {
        self.code.as_deref() == Some(STATUS_SUCCESS)
    }

    /// The `AADSTSnnnnn` code Entra puts at the start of its StatusMessage.
    pub fn aadsts(&self) -> Option<&str> {
        let message = self.message.as_deref()?;
        let start = message.find("AADSTS")?;
        let digits = message[start + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        (digits > 0).then(|| &message[start..start + 6 + digits])
    }
}

/// The Response element's own data, read from the document as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseEnvelope {
    pub id: Option<String>,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub issue_instant: Option<Instant>,
    pub issuer: Option<String>,
    pub status: Status,
}

impl ResponseEnvelope {
    pub fn read(response: &Element) -> Self {
        let status = response.child(ns::SAMLP, "Status");
        let mut sub_codes = Vec::new();
        let top = status.and_then(|s| s.child(ns::SAMLP, "StatusCode"));
        let mut nested = top.and_then(|c| c.child(ns::SAMLP, "StatusCode"));
        while let Some(code) = nested {
            sub_codes.push(code.attr("Value").unwrap_or_default().to_owned());
            nested = code.child(ns::SAMLP, "StatusCode");
        }
        ResponseEnvelope {
            id: response.attr("ID").map(str::to_owned),
            destination: response.attr("Destination").map(str::to_owned),
            in_response_to: response.attr("InResponseTo").map(str::to_owned),
            issue_instant: Instant::read(response, "IssueInstant"),
            issuer: response.child(ns::SAML, "Issuer").map(|i| i.trimmed_text()),
            status: Status {
                code: top.and_then(|c| c.attr("Value")).map(str::to_owned),
                sub_codes,
                message: status
                    .and_then(|s| s.child(ns::SAMLP, "StatusMessage"))
                    .map(|m| m.trimmed_text()),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameId {
    pub value: String,
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_qualifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_name_qualifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectConfirmation {
    pub method: String,
    pub recipient: Option<String>,
    pub not_before: Option<Instant>,
    pub not_on_or_after: Option<Instant>,
    pub in_response_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conditions {
    pub not_before: Option<Instant>,
    pub not_on_or_after: Option<Instant>,
    /// One list per AudienceRestriction (each must be satisfied).
    pub audience_restrictions: Vec<Vec<String>>,
}

/// One attribute value: its text, or a note that it holds XML elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeValue {
    pub text: String,
    /// The value holds child elements (structured XML), not just text.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub structured: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authn {
    pub authn_instant: Option<Instant>,
    pub session_not_on_or_after: Option<Instant>,
    pub session_index: Option<String>,
    pub context_class: Option<String>,
}

/// Everything read from an Assertion element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssertionView {
    pub id: Option<String>,
    pub issuer: Option<String>,
    pub issue_instant: Option<Instant>,
    pub name_id: Option<NameId>,
    pub subject_confirmations: Vec<SubjectConfirmation>,
    pub conditions: Option<Conditions>,
    pub attributes: Vec<Attribute>,
    pub authn: Option<Authn>,
}

impl AssertionView {
    pub(super) fn read(a: &Element) -> Self {
        let subject = a.child(ns::SAML, "Subject");
        let name_id = subject
            .and_then(|s| s.child(ns::SAML, "NameID"))
            .map(|n| NameId {
                // The whole text, comments skipped: `a<!---->b` is `ab`, never `a`.
                value: n.trimmed_text(),
                format: n.attr("Format").map(str::to_owned),
                name_qualifier: n.attr("NameQualifier").map(str::to_owned),
                sp_name_qualifier: n.attr("SPNameQualifier").map(str::to_owned),
            });
        let subject_confirmations = subject
            .map(|s| {
                s.children_named(ns::SAML, "SubjectConfirmation")
                    .map(|c| {
                        let data = c.child(ns::SAML, "SubjectConfirmationData");
                        SubjectConfirmation {
                            method: c.attr("Method").unwrap_or_default().to_owned(),
                            recipient: data.and_then(|d| d.attr("Recipient")).map(str::to_owned),
                            not_before: data.and_then(|d| Instant::read(d, "NotBefore")),
                            not_on_or_after: data.and_then(|d| Instant::read(d, "NotOnOrAfter")),
                            in_response_to: data
                                .and_then(|d| d.attr("InResponseTo"))
                                .map(str::to_owned),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let conditions = a.child(ns::SAML, "Conditions").map(|c| Conditions {
            not_before: Instant::read(c, "NotBefore"),
            not_on_or_after: Instant::read(c, "NotOnOrAfter"),
            audience_restrictions: c
                .children_named(ns::SAML, "AudienceRestriction")
                .map(|r| {
                    r.children_named(ns::SAML, "Audience")
                        .map(|x| x.trimmed_text())
                        .collect()
                })
                .collect(),
        });
        let attributes = a
            .children_named(ns::SAML, "AttributeStatement")
            .flat_map(|s| s.children_named(ns::SAML, "Attribute"))
            .map(|attr| Attribute {
                name: attr.attr("Name").unwrap_or_default().to_owned(),
                name_format: attr.attr("NameFormat").map(str::to_owned),
                friendly_name: attr.attr("FriendlyName").map(str::to_owned),
                values: attr
                    .children_named(ns::SAML, "AttributeValue")
                    .map(|v| AttributeValue {
                        text: v.text(),
                        structured: v.children.iter().any(|n| matches!(n, Node::Element(_))),
                    })
                    .collect(),
            })
            .collect();
        let authn = a.child(ns::SAML, "AuthnStatement").map(|s| Authn {
            authn_instant: Instant::read(s, "AuthnInstant"),
            session_not_on_or_after: Instant::read(s, "SessionNotOnOrAfter"),
            session_index: s.attr("SessionIndex").map(str::to_owned),
            context_class: s
                .child(ns::SAML, "AuthnContext")
                .and_then(|c| c.child(ns::SAML, "AuthnContextClassRef"))
                .map(|r| r.trimmed_text()),
        });
        AssertionView {
            id: a.attr("ID").map(str::to_owned),
            issuer: a.child(ns::SAML, "Issuer").map(|i| i.trimmed_text()),
            issue_instant: Instant::read(a, "IssueInstant"),
            name_id,
            subject_confirmations,
            conditions,
            attributes,
            authn,
        }
    }

    /// Attributes named exactly `name`.
    pub fn attributes_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Attribute> + 'a {
        self.attributes.iter().filter(move |a| a.name == name)
    }
}

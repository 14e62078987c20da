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

/// The characters XML calls white space; what a `collapse` whitespace facet removes at the ends.
pub(super) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses an xs:dateTime as SAML writes it: `YYYY-MM-DDThh:mm:ss`, any number of fractional
/// digits (Entra writes seven), then `Z` or an offset `+hh:mm`/`-hh:mm` (an exact instant,
/// converted to UTC). Only that lexical form: a space or a lowercase `t` for the `T`, a
/// lowercase `z`, no time zone at all (SAML core 1.3.3 requires UTC, and a time without a zone
/// is no instant), a leap second, `24:00:00` and years outside 0000 to 9999 are refused, as an
/// unreadable time must be. Leading and trailing XML white space is allowed: the type's
/// whitespace facet is `collapse`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim_matches(is_xml_space);
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = digits(0, 4)
        && at(4, b'-')
        && digits(5, 7)
        && at(7, b'-')
        && digits(8, 10)
        && at(10, b'T')
        && digits(11, 13)
        && at(13, b':')
        && digits(14, 16)
        && at(16, b':')
        && digits(17, 19)
        && &text[17..19] < "60";
    if !date_time {
        return None;
    }
    let mut zone = &text[19..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        zone = &fraction[n..];
    }
    let zone_ok = match zone.as_bytes() {
        b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    };
    if !zone_ok {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// An element that the SAML schema allows once where samlbridge reads it, found more than
/// once: which copy counts would be up to the reader, so the response is refused (see
/// `super::rules`). The view still holds what the first copy says, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// The element holding the copies, e.g. `Subject`.
    pub parent: &'static str,
    /// The element that may appear once, or the choice of elements of which one may.
    pub element: &'static str,
    /// Whether `element` names a choice of elements rather than one.
    pub choice: bool,
    /// Each copy: its element name and, for values people compare (NameID, Issuer), its text
    /// exactly as written.
    pub copies: Vec<(String, Option<String>)>,
    /// What two readers could then see differently.
    pub stake: &'static str,
}

/// A child element the SAML schema allows once under its parent, where samlbridge reads it.
struct Single {
    ns: &'static str,
    parent: &'static str,
    /// The element, or the elements of a choice of which one may appear.
    locals: &'static [&'static str],
    /// How the message names it.
    element: &'static str,
    /// The elements whose text is a value people compare (NameID, Issuer): each copy's is kept
    /// for the message.
    texts: &'static [&'static str],
    /// What two readers could see differently.
    stake: &'static str,
}

impl Single {
    const fn new(
        ns: &'static str,
        parent: &'static str,
        locals: &'static [&'static str; 1],
        stake: &'static str,
    ) -> Self {
        Single {
            ns,
            parent,
            locals,
            element: locals[0],
            texts: &[],
            stake,
        }
    }

    /// One of BaseID, NameID and EncryptedID (SAML core 2.4.1, 2.4.1.1).
    const fn identifier(parent: &'static str, stake: &'static str) -> Self {
        Single {
            ns: ns::SAML,
            parent,
            locals: &["BaseID", "NameID", "EncryptedID"],
            element: "BaseID, NameID or EncryptedID",
            texts: &["NameID"],
            stake,
        }
    }

    const fn with_text(mut self) -> Self {
        self.texts = self.locals;
        self
    }
}

const STAKE_STATUS: &str = "whether the sign-in succeeded";
const STAKE_AUTHN: &str = "how the user signed in";
const STAKE_USER: &str = "which user it signs in";

// The SAML core 2.0 schema, for what samlbridge reads. Response (3.2.2): Issuer?, Status.
const RESPONSE_ISSUER: Single = Single::new(
    ns::SAML,
    "Response",
    &["Issuer"],
    "which identity provider sent it",
)
.with_text();
const RESPONSE_STATUS: Single = Single::new(ns::SAMLP, "Response", &["Status"], STAKE_STATUS);
// Status (3.2.2.1): StatusCode, StatusMessage?; StatusCode (3.2.2.2): StatusCode?.
const STATUS_CODE: Single = Single::new(ns::SAMLP, "Status", &["StatusCode"], STAKE_STATUS);
const NESTED_STATUS_CODE: Single =
    Single::new(ns::SAMLP, "StatusCode", &["StatusCode"], STAKE_STATUS);
const STATUS_MESSAGE: Single = Single::new(
    ns::SAMLP,
    "Status",
    &["StatusMessage"],
    "what the identity provider reported",
);
// Assertion (2.3.3): Issuer, Signature?, Subject?, Conditions?, … (the Signature is the
// verifier's: one per element, `super::verify`).
const ASSERTION_ISSUER: Single = Single::new(
    ns::SAML,
    "Assertion",
    &["Issuer"],
    "which identity provider issued it",
)
.with_text();
const SUBJECT: Single = Single::new(ns::SAML, "Assertion", &["Subject"], STAKE_USER);
const CONDITIONS: Single = Single::new(
    ns::SAML,
    "Assertion",
    &["Conditions"],
    "when and for which audience it is valid",
);
// Subject (2.4.1): one identifier, then SubjectConfirmation*; SubjectConfirmation (2.4.1.1):
// one identifier?, SubjectConfirmationData?.
const SUBJECT_ID: Single = Single::identifier("Subject", STAKE_USER);
const CONFIRMATION_ID: Single =
    Single::identifier("SubjectConfirmation", "which user the confirmation is for");
const CONFIRMATION_DATA: Single = Single::new(
    ns::SAML,
    "SubjectConfirmation",
    &["SubjectConfirmationData"],
    "for which ACS URL, request and time it may be used",
);
// AuthnStatement (2.7.2): AuthnContext; AuthnContext (2.7.2.2): AuthnContextClassRef?, ….
const AUTHN_CONTEXT: Single =
    Single::new(ns::SAML, "AuthnStatement", &["AuthnContext"], STAKE_AUTHN);
const AUTHN_CLASS: Single = Single::new(
    ns::SAML,
    "AuthnContext",
    &["AuthnContextClassRef"],
    STAKE_AUTHN,
)
.with_text();

/// The repeats found while reading.
#[derive(Default)]
struct Census {
    repeated: Vec<Repeated>,
}

impl Census {
    /// `parent`'s first child that `single` names, noting a repeat when there are several.
    fn once<'e>(&mut self, single: &Single, parent: &'e Element<'e>) -> Option<&'e Element<'e>> {
        let mut found = parent
            .elements()
            .filter(|e| single.locals.iter().any(|l| e.is(single.ns, l)));
        let first = found.next()?;
        let rest: Vec<&Element> = found.collect();
        if !rest.is_empty() {
            let copies = std::iter::once(first)
                .chain(rest)
                .map(|e| {
                    let value = single.texts.contains(&e.local).then(|| e.text());
                    (e.local.to_string(), value)
                })
                .collect();
            self.repeated.push(Repeated {
                parent: single.parent,
                element: single.element,
                choice: single.locals.len() > 1,
                copies,
                stake: single.stake,
            });
        }
        Some(first)
    }
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
    /// Elements read here that repeat where the schema allows one.
    #[serde(skip)]
    pub repeated: Vec<Repeated>,
}

impl ResponseEnvelope {
    pub fn read(response: &Element) -> Self {
        let mut census = Census::default();
        // The Issuer is a NameIDType, an xs:string: read exactly as written.
        let issuer = census.once(&RESPONSE_ISSUER, response).map(Element::text);
        let status = census.once(&RESPONSE_STATUS, response);
        let top = status.and_then(|s| census.once(&STATUS_CODE, s));
        let mut sub_codes = Vec::new();
        let mut nested = top.and_then(|c| census.once(&NESTED_STATUS_CODE, c));
        while let Some(code) = nested {
            sub_codes.push(code.attr("Value").unwrap_or_default().to_owned());
            nested = census.once(&NESTED_STATUS_CODE, code);
        }
        // Shown to people, never compared: trimmed for the report.
        let message = status
            .and_then(|s| census.once(&STATUS_MESSAGE, s))
            .map(|m| m.trimmed_text());
        ResponseEnvelope {
            id: response.attr("ID").map(str::to_owned),
            destination: response.attr("Destination").map(str::to_owned),
            in_response_to: response.attr("InResponseTo").map(str::to_owned),
            issue_instant: Instant::read(response, "IssueInstant"),
            issuer,
            status: Status {
                code: top.and_then(|c| c.attr("Value")).map(str::to_owned),
                sub_codes,
                message,
            },
            repeated: census.repeated,
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
    /// Elements read here that repeat where the schema allows one.
    #[serde(skip)]
    pub repeated: Vec<Repeated>,
}

impl AssertionView {
    /// Reads the assertion. Values are taken as written where their schema type keeps white
    /// space (xs:string: NameID, Issuer, attribute values) and trimmed where it collapses it
    /// (xs:anyURI: Audience, AuthnContextClassRef; xs:dateTime).
    pub(super) fn read(a: &Element) -> Self {
        let mut census = Census::default();
        let issuer = census.once(&ASSERTION_ISSUER, a).map(Element::text);
        let subject = census.once(&SUBJECT, a);
        let name_id = subject
            .and_then(|s| census.once(&SUBJECT_ID, s))
            .filter(|n| n.is(ns::SAML, "NameID"))
            .map(|n| NameId {
                // The whole text, comments skipped (`a<!---->b` is `ab`, never `a`), and
                // untrimmed: an xs:string is compared as written.
                value: n.text(),
                format: n.attr("Format").map(str::to_owned),
                name_qualifier: n.attr("NameQualifier").map(str::to_owned),
                sp_name_qualifier: n.attr("SPNameQualifier").map(str::to_owned),
            });
        let subject_confirmations = subject
            .into_iter()
            .flat_map(|s| s.children_named(ns::SAML, "SubjectConfirmation"))
            .map(|c| {
                census.once(&CONFIRMATION_ID, c);
                let data = census.once(&CONFIRMATION_DATA, c);
                SubjectConfirmation {
                    method: c.attr("Method").unwrap_or_default().to_owned(),
                    recipient: data.and_then(|d| d.attr("Recipient")).map(str::to_owned),
                    not_before: data.and_then(|d| Instant::read(d, "NotBefore")),
                    not_on_or_after: data.and_then(|d| Instant::read(d, "NotOnOrAfter")),
                    in_response_to: data.and_then(|d| d.attr("InResponseTo")).map(str::to_owned),
                }
            })
            .collect();
        let conditions = census.once(&CONDITIONS, a).map(|c| Conditions {
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
        // SAML allows several AuthnStatements (Statement*); the report shows the first, and no
        // rule reads them. Within one, AuthnContext and its class are single.
        let authn = a.child(ns::SAML, "AuthnStatement").map(|s| Authn {
            authn_instant: Instant::read(s, "AuthnInstant"),
            session_not_on_or_after: Instant::read(s, "SessionNotOnOrAfter"),
            session_index: s.attr("SessionIndex").map(str::to_owned),
            context_class: census
                .once(&AUTHN_CONTEXT, s)
                .and_then(|c| census.once(&AUTHN_CLASS, c))
                .map(|r| r.trimmed_text()),
        });
        AssertionView {
            id: a.attr("ID").map(str::to_owned),
            issuer,
            issue_instant: Instant::read(a, "IssueInstant"),
            name_id,
            subject_confirmations,
            conditions,
            attributes,
            authn,
            repeated: census.repeated,
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_are_read_in_xs_date_time_form_only() {
        let nine = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        for ok in [
            "2026-11-27T09:00:00Z",
            "2026-11-27T09:00:00.0000000Z",
            "2026-11-27T09:00:00.000000000000Z",
            "2026-11-27T10:00:00+01:00",
            "2026-11-27T08:30:00-00:30",
            " 2026-11-27T09:00:00Z\n",
        ] {
            assert_eq!(parse_instant(ok), Some(nine), "{ok:?}");
        }
        for bad in [
            "2026-11-27 09:00:00Z",
            "2026-11-27t09:00:00Z",
            "2026-11-27T09:00:00z",
            "2026-11-27T09:00:00",
            "2026-11-27T09:00:00.Z",
            "2026-11-27T09:00:60Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T09:00Z",
            "2026-11-27T09:00:00+0100",
            "2026-11-27T09:00:00+01",
            "2026-11-27T09:00:00 Z",
            "+2026-11-27T09:00:00Z",
            "12026-11-27T09:00:00Z",
            "2026-11-27T09:00:00Z\u{2003}",
            "２026-11-27T09:00:00Z",
            "",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
    }
}

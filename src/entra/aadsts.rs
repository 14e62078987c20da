//! Entra's sign-in errors (`AADSTS<number>`): what the ones that stop a SAML sign-in to AWS mean
//! and where to fix them, and how to read one out of what a browser captured: Entra's error page
//! (its `$Config` object), its `/error?code=N` URL, or the StatusMessage of a SAML response.
//!
//! Everything here is a pure function over text: no I/O, bounded work, no panic on any input.

use super::Cloud;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;
use url::Url;

/// An Entra error number, written `AADSTS50011`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AadstsCode(u32);

impl AadstsCode {
    /// `None` for 0, which Entra uses for "no error".
    pub fn new(number: u32) -> Option<AadstsCode> {
        (number != 0).then_some(AadstsCode(number))
    }

    pub fn number(self) -> u32 {
        self.0
    }

    /// Digits only, at most ten of them, not zero.
    fn from_digits(digits: &str) -> Option<AadstsCode> {
        if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().and_then(AadstsCode::new)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0:?} is not an Entra error code: give AADSTS and its number (AADSTS50011, aadsts50011) or the number alone (50011)")]
pub struct AadstsParseError(pub String);

impl FromStr for AadstsCode {
    type Err = AadstsParseError;

    fn from_str(s: &str) -> Result<Self, AadstsParseError> {
        let t = s.trim();
        let digits = match t.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("aadsts") => &t[6..],
            _ => t,
        };
        AadstsCode::from_digits(digits).ok_or_else(|| AadstsParseError(s.to_owned()))
    }
}

impl fmt::Display for AadstsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AADSTS{}", self.0)
    }
}

impl Serialize for AadstsCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An error this tool knows, explained for someone wiring Entra SAML SSO to AWS.
#[derive(Debug, PartialEq, Eq)]
pub struct KnownError {
    pub code: AadstsCode,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
}

/// Where the application's SAML settings are in the Entra admin center.
macro_rules! basic_saml {
    () => {
        "Entra admin center → Enterprise applications → (the AWS application) → Single sign-on → Basic SAML Configuration"
    };
}

static CATALOGUE: &[KnownError] = &[
    KnownError {
        code: AadstsCode(50011),
        title: "The request's reply URL is not one of the application's",
        cause: "The AuthnRequest carries an AssertionConsumerServiceURL that is not in the Reply URL list of the application Entra matched by the request's Issuer. Entra compares the two exactly: scheme, host, path, letter case and a trailing slash all count. With IAM Identity Center this follows a new identity source or a move to another Region, both of which change the ACS URL.",
        fix: concat!("Take the AssertionConsumerServiceURL from the failing request (Entra's message quotes it) and add it, character for character, under ", basic_saml!(), " → Reply URL (Assertion Consumer Service URL). For IAM Identity Center it must be the ACS URL shown in the IAM Identity Center console → Settings → Identity source → Actions → Change identity source → External identity provider (Service provider metadata)."),
    },
    KnownError {
        code: AadstsCode(700016),
        title: "No application in this tenant has the request's Identifier",
        cause: "The Issuer of the AuthnRequest equals no application's Identifier (Entity ID) in the tenant the sign-in URL names. Usually the Identifier was entered differently (http for https, a missing or extra slash, another Region's URL), the application is in another tenant, or AWS's issuer changed when the identity source was set up again.",
        fix: concat!("Compare the request's Issuer with ", basic_saml!(), " → Identifier (Entity ID) and make one Identifier equal to it character for character. For IAM Identity Center the value is the issuer URL in Settings → Identity source → Actions → Change identity source → External identity provider; for IAM it is urn:amazon:webservices. Check too that the tenant in the sign-in URL is the one holding the application."),
    },
    KnownError {
        code: AadstsCode(50105),
        title: "The user is not assigned to the application",
        cause: "The application requires assignment and neither the user nor any group the user belongs to is assigned to it, so Entra refuses to issue a SAML response for them.",
        fix: "Assign the user, or a security group they are a member of, in the Entra admin center → Enterprise applications → (the AWS application) → Users and groups → Add user/group. Nested groups do not count: assign the group the user is directly in. Turning off Properties → Assignment required? lets every user of the tenant in instead.",
    },
    KnownError {
        code: AadstsCode(75011),
        title: "The user's sign-in method does not satisfy the requested authentication context",
        cause: "The AuthnRequest has a RequestedAuthnContext (for example PasswordProtectedTransport), and the session the user already holds with Entra was made another way (certificate, passwordless, Windows sign-in), so Entra will not vouch for the requested method.",
        fix: "Make the service provider stop sending RequestedAuthnContext, or send one the users' sign-in methods meet. AWS does not send one in its own requests; when it is present, the request came from another service provider or a proxy in between: check the SAMLRequest it sends. Signing out of Entra and signing in with a password shows whether the existing session is the cause.",
    },
    KnownError {
        code: AadstsCode(750054),
        title: "No SAMLRequest or SAMLResponse in the query string",
        cause: "Entra's SAML endpoint was reached with the HTTP-Redirect binding but the URL carried no SAMLRequest (or SAMLResponse) parameter: the sign-in URL was opened by hand or bookmarked, the parameter was lost in a redirect, or the service provider posted the request where Entra expects a redirect.",
        fix: "Start the sign-in from AWS (the AWS access portal for Identity Center) or from the application's User access URL (Enterprise applications → (the AWS application) → Properties), not from a bookmark of the login.microsoftonline.com/…/saml2 URL. If a proxy or browser extension rewrites the URL, check that the SAMLRequest parameter survives it.",
    },
    KnownError {
        code: AadstsCode(75005),
        title: "The message is not a valid SAML 2.0 message",
        cause: "What reached Entra's SAML endpoint did not decode to a SAML 2.0 protocol message: the SAMLRequest was not DEFLATE-compressed and base64-encoded for the Redirect binding, was cut short, was encoded twice, or is not SAML 2.0 at all (a WS-Federation or SAML 1.1 message).",
        fix: "Capture the failing request and decode its SAMLRequest: for the Redirect binding it must be URL-decoded, base64-decoded and inflated into one AuthnRequest in the SAML 2.0 protocol namespace. Fix the service provider's encoding, or start the sign-in from AWS itself so that AWS builds the request.",
    },
    KnownError {
        code: AadstsCode(7500514),
        title: "No SAML message of a supported type was found",
        cause: "Entra found no SAML request or response it knows how to handle in the message: the SAMLRequest parameter held something other than an AuthnRequest or LogoutRequest, or a response was sent to Entra as if it were a request.",
        fix: "Decode the SAMLRequest of the failing request and check that its root element is samlp:AuthnRequest (or samlp:LogoutRequest for sign-out). Start the sign-in from AWS or from the application's User access URL rather than replaying a captured message.",
    },
    KnownError {
        code: AadstsCode(50107),
        title: "The requested federation realm does not exist",
        cause: "The request names a realm (an issuer or domain) that Entra has no object for in this tenant, typically because the sign-in URL names a tenant or domain that is not the one holding the application, or a federated domain was removed.",
        fix: "Check the tenant in the SAML sign-in URL (Identity Center: Settings → Identity source → IdP sign-in URL) against Entra admin center → Overview → Tenant ID, and use the sign-in URL from the application's metadata. When the domain is federated to another IdP, check its federation settings in Entra.",
    },
    KnownError {
        code: AadstsCode(90072),
        title: "The account belongs to another tenant",
        cause: "The user signed in with an account from another Entra tenant that is not a guest in the tenant holding the application.",
        fix: "Sign in with an account of the application's tenant, or invite the user as a guest (Entra admin center → Users → New user → Invite external user) and then assign them to the application. Signing out of the other account first avoids Entra reusing its session.",
    },
    KnownError {
        code: AadstsCode(50020),
        title: "The account's identity provider is not allowed in this tenant",
        cause: "The user's account comes from an identity provider the tenant does not accept (a personal Microsoft account, another organization's tenant, or a guest whose invitation was never redeemed), or the sign-in went to a tenant-independent endpoint instead of the application's tenant.",
        fix: "Use the tenant-specific SAML sign-in URL from the application's metadata (login.microsoftonline.com/<tenant-id>/saml2). For a guest, check in Entra admin center → Users that the invitation was accepted, and assign the guest to the application.",
    },
    KnownError {
        code: AadstsCode(50034),
        title: "No such user in the tenant",
        cause: "The user name entered at the sign-in page does not exist in the tenant, often a typo, an address of another domain, or an account that was deleted.",
        fix: "Check the user in the Entra admin center → Users (by user principal name). If Identity Center provisions users by SCIM, the Entra account must exist before it can sign in; the user name AWS sees comes from the NameID Entra sends.",
    },
    KnownError {
        code: AadstsCode(50126),
        title: "Wrong user name or password",
        cause: "Entra could not validate the credentials: the password is wrong, or, for a federated or pass-through domain, the on-premises service refused it.",
        fix: "Have the user sign in again or reset the password (Entra admin center → Users → (the user) → Reset password). This is not a SAML configuration problem: the application and AWS are not involved yet.",
    },
    KnownError {
        code: AadstsCode(50076),
        title: "Multi-factor authentication is required",
        cause: "A Conditional Access policy or the tenant's security settings require a second factor for this sign-in, and the session does not have one yet. In a browser this is a prompt, not a failure.",
        fix: "Let the user complete the MFA prompt. If the flow stops here, check Entra admin center → Monitoring & health → Sign-in logs for the sign-in and the policy that asked for MFA.",
    },
    KnownError {
        code: AadstsCode(50079),
        title: "The user must register for multi-factor authentication",
        cause: "Policy requires a second factor and the user has no method registered, so Entra sends them to register one before continuing.",
        fix: "Have the user register a method at https://aka.ms/mysecurityinfo, or an administrator add one (Entra admin center → Users → (the user) → Authentication methods); then sign in again.",
    },
    KnownError {
        code: AadstsCode(53003),
        title: "Blocked by Conditional Access",
        cause: "A Conditional Access policy that covers the AWS application (or all cloud apps) blocked this sign-in: its location, device, platform, client or risk did not meet the policy.",
        fix: "Open the failed sign-in in Entra admin center → Monitoring & health → Sign-in logs → Conditional Access to see which policy blocked it, then change the policy (Protection → Conditional Access → Policies) or sign in from a place or device it allows.",
    },
];

/// What to do about a code this tool does not know.
pub const UNKNOWN_TITLE: &str = "An Entra sign-in error";
pub const UNKNOWN_CAUSE: &str = "samlbridge has no notes on this code. Entra stopped the sign-in; the message on its error page and the failed sign-in in the sign-in logs say why.";
pub const UNKNOWN_FIX: &str = "Read Microsoft's description of the code at its link, and find the sign-in in the Entra admin center → Monitoring & health → Sign-in logs by its correlation or request ID.";

/// Every code this tool explains, in the order `explain --list` shows them.
pub fn catalogue() -> &'static [KnownError] {
    CATALOGUE
}

pub fn known(code: AadstsCode) -> Option<&'static KnownError> {
    CATALOGUE.iter().find(|k| k.code == code)
}

/// Microsoft's own page for the code.
pub fn lookup_url(code: AadstsCode) -> String {
    format!(
        "https://{}/error?code={}",
        Cloud::Global.login_host(),
        code.0
    )
}

/// A code with what this tool says about it (the generic text when it does not know it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Described {
    pub code: AadstsCode,
    pub known: bool,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub url: String,
}

pub fn describe(code: AadstsCode) -> Described {
    let (known, title, cause, fix) = match known(code) {
        Some(k) => (true, k.title, k.cause, k.fix),
        None => (false, UNKNOWN_TITLE, UNKNOWN_CAUSE, UNKNOWN_FIX),
    };
    Described {
        code,
        known,
        title,
        cause,
        fix,
        url: lookup_url(code),
    }
}

/// An error Entra reported, with the identifiers its page shows (what Microsoft support and the
/// sign-in logs are searched by).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntraError {
    pub code: AadstsCode,
    /// Entra's own message, `AADSTS50011: The redirect URI …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The page Entra showed (`pgid`: `ConvergedError`, `ConvergedSignIn`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    /// "Request Id" on the page (`sessionId` in `$Config`; `trace_id` in Entra's OAuth errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// When Entra rendered the page, as Entra wrote it (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// What one of Entra's pages is: its page id and the error it reports, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub page_id: Option<String>,
    pub error: Option<EntraError>,
}

/// `$Config` objects tried per page: the real page has one, script text may mention it again.
const MAX_CONFIGS: usize = 4;
/// Longest message kept, in bytes; Entra's are a few hundred.
const MAX_MESSAGE: usize = 2048;
/// Longest identifier kept (request and correlation ids are GUIDs, timestamps short).
const MAX_ID: usize = 128;

/// The fields of `$Config` read here; any other is skipped without being kept.
#[derive(Deserialize)]
struct Config {
    pgid: Option<Value>,
    #[serde(rename = "iErrorCode")]
    error_code: Option<Value>,
    #[serde(rename = "strServiceExceptionMessage")]
    exception_message: Option<Value>,
    /// The sign-in form's inline error (a wrong password), with its text in `sErrTxt`.
    #[serde(rename = "sErrorCode")]
    form_error_code: Option<Value>,
    #[serde(rename = "sErrTxt")]
    form_error_text: Option<Value>,
    #[serde(rename = "sessionId")]
    session_id: Option<Value>,
    #[serde(rename = "correlationId")]
    correlation_id: Option<Value>,
    /// `rt` in it is the time the page was rendered.
    #[serde(rename = "serverDetails")]
    server_details: Option<Value>,
}

/// Reads the first `$Config={…}` object of one of Entra's HTML pages.
pub fn read_page(html: &str) -> Option<Page> {
    let config = find_config(html)?;
    let page_id = config
        .pgid
        .as_ref()
        .and_then(Value::as_str)
        .filter(|p| {
            !p.is_empty()
                && p.len() <= MAX_ID
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        })
        .map(str::to_owned);
    let error = page_error(&config, page_id.clone());
    Some(Page { page_id, error })
}

/// The error one of Entra's HTML pages reports; `None` for a page without one (the password
/// page, the MFA prompt, "Stay signed in?").
pub fn from_page(html: &str) -> Option<EntraError> {
    read_page(html)?.error
}

/// The id of the Entra page (`pgid` in its `$Config`), error or not.
pub fn page_id(html: &str) -> Option<String> {
    read_page(html)?.page_id
}

fn find_config(html: &str) -> Option<Config> {
    html.match_indices("$Config")
        .filter_map(|(at, name)| {
            let rest = html[at + name.len()..].trim_start();
            let rest = rest.strip_prefix('=')?.trim_start();
            rest.starts_with('{').then_some(rest)
        })
        .take(MAX_CONFIGS)
        .find_map(|object| {
            // Streaming: the object ends where its closing brace is, whatever script follows.
            serde_json::Deserializer::from_str(object)
                .into_iter::<Config>()
                .next()?
                .ok()
        })
}

fn page_error(config: &Config, page_id: Option<String>) -> Option<EntraError> {
    let exception = text(config.exception_message.as_ref());
    let form_text = text(config.form_error_text.as_ref());
    let (code, message) = if let Some(code) = config.error_code.as_ref().and_then(number) {
        (code, exception)
    } else if let Some((code, _)) = exception.as_deref().and_then(from_status_message) {
        (code, exception)
    } else if let (Some(code), Some(_)) = (
        config.form_error_code.as_ref().and_then(number),
        form_text.as_ref(),
    ) {
        // A form code without text to show is the sign-in page's "not signed in yet" state.
        (code, form_text)
    } else {
        let (code, _) = form_text.as_deref().and_then(from_status_message)?;
        (code, form_text)
    };
    let listed = |label: &str| message.as_deref().and_then(|m| labelled(m, label));
    let timestamp = config
        .server_details
        .as_ref()
        .and_then(|d| d.get("rt"))
        .and_then(|rt| id(Some(rt)))
        .or_else(|| listed("Timestamp:"));
    Some(EntraError {
        code,
        request_id: id(config.session_id.as_ref())
            .or_else(|| listed("Request Id:"))
            .or_else(|| listed("Trace ID:")),
        correlation_id: id(config.correlation_id.as_ref()).or_else(|| listed("Correlation ID:")),
        timestamp,
        message,
        page_id,
    })
}

/// A code given as a JSON number or a string of digits; 0 and anything else is no code.
fn number(value: &Value) -> Option<AadstsCode> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .and_then(AadstsCode::new),
        Value::String(s) => AadstsCode::from_digits(s.trim()),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (!s.is_empty()).then(|| truncate(s, MAX_MESSAGE).to_owned())
}

fn id(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (!s.is_empty() && s.len() <= MAX_ID).then(|| s.to_owned())
}

/// The value after `label` on a line of Entra's message (`Trace ID: …` in its longer form).
fn labelled(message: &str, label: &str) -> Option<String> {
    message.lines().find_map(|line| {
        let line = line.trim();
        let head = line.get(..label.len())?;
        if !head.eq_ignore_ascii_case(label) {
            return None;
        }
        let value = line[label.len()..].trim();
        (!value.is_empty() && value.len() <= MAX_ID).then(|| value.to_owned())
    })
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The code of Entra's error URL, `https://<login host>/error?code=50011` (any cloud's login
/// host, compared exactly).
pub fn from_error_url(url: &Url) -> Option<AadstsCode> {
    if url.scheme() != "https"
        || url.port().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || Cloud::from_login_host(url.host_str()?).is_none()
        || url.path() != "/error"
    {
        return None;
    }
    let mut codes = url
        .query_pairs()
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.parse::<AadstsCode>().ok());
    let first = codes.next()??;
    // Two different codes in one URL: which one Entra meant is not for us to pick.
    codes.all(|c| c == Some(first)).then_some(first)
}

/// The first `AADSTS<number>` in `text` (a SAML StatusMessage starts with it) and the message
/// after it, without the code and its colon.
pub fn from_status_message(text: &str) -> Option<(AadstsCode, String)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'A', b'a', &bytes[from..]) {
        let at = from + found;
        from = at + 1;
        let prefix = bytes.get(at..at + 6)?;
        if !prefix.eq_ignore_ascii_case(b"aadsts") {
            continue;
        }
        let rest = &text[at + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Some(code) = AadstsCode::from_digits(&rest[..digits]) else {
            continue;
        };
        let after = rest[digits..].trim_start();
        let after = after.strip_prefix(':').unwrap_or(after).trim();
        return Some((code, truncate(after, MAX_MESSAGE).to_owned()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u32) -> AadstsCode {
        AadstsCode::new(n).unwrap()
    }

    #[test]
    fn parses_the_forms_people_paste() {
        for text in [
            "AADSTS50011",
            "aadsts50011",
            "AadSts50011",
            "50011",
            " 50011 ",
        ] {
            assert_eq!(text.parse::<AadstsCode>(), Ok(code(50011)), "{text}");
        }
        assert_eq!(code(7500514).to_string(), "AADSTS7500514");
        for bad in [
            "",
            "AADSTS",
            "AADSTSxyz",
            "AADSTS-1",
            "AADSTS 50011",
            "0",
            "AADSTS0",
            "5O011",
            "99999999999",
            "cert-expired",
            "ÅADSTS1",
            "AADST\u{e9}50011",
        ] {
            let err = bad.parse::<AadstsCode>().unwrap_err();
            assert!(err.to_string().contains("AADSTS50011"), "{err}");
        }
        assert_eq!(
            serde_json::to_value(code(50105)).unwrap(),
            serde_json::json!("AADSTS50105")
        );
    }

    #[test]
    fn the_catalogue_covers_the_saml_codes_once_each() {
        for n in [
            50011, 700016, 50105, 75011, 750054, 75005, 7500514, 50107, 90072, 50020, 50034, 50126,
            50076, 50079, 53003,
        ] {
            let k = known(code(n)).unwrap_or_else(|| panic!("{n} missing"));
            assert!(!k.title.is_empty() && k.cause.len() > 40 && k.fix.len() > 40);
        }
        let mut numbers: Vec<u32> = catalogue().iter().map(|k| k.code.number()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), catalogue().len());
        assert!(known(code(50011))
            .unwrap()
            .fix
            .contains("Reply URL (Assertion Consumer Service URL)"));
        assert!(known(code(700016))
            .unwrap()
            .fix
            .contains("Identifier (Entity ID)"));
    }

    #[test]
    fn every_code_gets_microsofts_link_and_unknown_ones_the_generic_text() {
        assert_eq!(
            lookup_url(code(50011)),
            "https://login.microsoftonline.com/error?code=50011"
        );
        let d = describe(code(12345));
        assert!(!d.known);
        assert_eq!(d.cause, UNKNOWN_CAUSE);
        assert_eq!(d.url, "https://login.microsoftonline.com/error?code=12345");
        assert!(describe(code(53003)).known);
    }

    const ERROR_PAGE: &str = r#"<!DOCTYPE html><html><head><title>Sign in to your account</title>
<script type="text/javascript">//<![CDATA[
$Config={"iMaxStackForKnockoutAsyncComponents":10000,"strServiceExceptionMessage":"AADSTS50011: The redirect URI 'https://eu-west-1.signin.aws.amazon.com/platform/saml/acs/abc' specified in the request does not match the redirect URIs configured for the application.","iErrorCode":50011,"pgid":"ConvergedError","correlationId":"aaaa0000-bb11-2222-33cc-444444dddddd","sessionId":"0000aaaa-11bb-cccc-dd22-eeeeee333333","serverDetails":{"slc":"ProdSlices","dc":"WEULR1","ri":"AM2XXXX","ver":{"v":[2,1,1,0]},"rt":"2024-05-01T10:11:12","et":20},"country":"NL","strings":{"x":"};$Config={\"iErrorCode\":1}"}};
//]]></script><script>var d=window,h=d.$Config||{};</script></head><body></body></html>"#;

    #[test]
    fn reads_the_error_page() {
        let e = from_page(ERROR_PAGE).unwrap();
        assert_eq!(e.code, code(50011));
        assert!(e
            .message
            .as_deref()
            .unwrap()
            .starts_with("AADSTS50011: The redirect URI 'https://eu-west-1"));
        assert_eq!(e.page_id.as_deref(), Some("ConvergedError"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("aaaa0000-bb11-2222-33cc-444444dddddd")
        );
        assert_eq!(e.timestamp.as_deref(), Some("2024-05-01T10:11:12"));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "AADSTS50011");
        assert_eq!(json["request_id"], "0000aaaa-11bb-cccc-dd22-eeeeee333333");
    }

    #[test]
    fn takes_the_code_from_a_string_or_the_message() {
        let page = r#"<script>$Config = {"pgid":"ConvergedError","iErrorCode":"50105","strServiceExceptionMessage":"AADSTS50105: not assigned"};</script>"#;
        assert_eq!(from_page(page).unwrap().code, code(50105));
        let page = "<script>$Config={\"strServiceExceptionMessage\":\"AADSTS700016: Application with identifier 'urn:x' was not found.\\r\\nTrace ID: t-1\\r\\nCorrelation ID: c-1\\r\\nTimestamp: 2024-01-01 00:00:00Z\"};</script>";
        let e = from_page(page).unwrap();
        assert_eq!(e.code, code(700016));
        assert_eq!(e.request_id.as_deref(), Some("t-1"));
        assert_eq!(e.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(e.timestamp.as_deref(), Some("2024-01-01 00:00:00Z"));
        assert_eq!(e.page_id, None);
        // The password page's inline error.
        let page = r#"<script>$Config={"pgid":"ConvergedSignIn","sErrorCode":"50126","sErrTxt":"Your account or password is incorrect."};</script>"#;
        let e = from_page(page).unwrap();
        assert_eq!(e.code, code(50126));
        assert_eq!(
            e.message.as_deref(),
            Some("Your account or password is incorrect.")
        );
    }

    #[test]
    fn sign_in_pages_have_an_id_but_no_error() {
        for (pgid, extra) in [
            ("ConvergedSignIn", r#","sErrorCode":"50058""#),
            ("ConvergedTFA", r#","iErrorCode":0"#),
            (
                "KmsiInterrupt",
                r#","iErrorCode":"","strServiceExceptionMessage":"""#,
            ),
        ] {
            let page = format!(
                "<script>//<![CDATA[\n$Config={{\"pgid\":\"{pgid}\",\"urlPost\":\"/kmsi\"{extra}}};\n//]]></script>"
            );
            assert_eq!(from_page(&page), None, "{pgid}");
            assert_eq!(page_id(&page).as_deref(), Some(pgid));
        }
        assert_eq!(page_id("<html>no config</html>"), None);
        assert_eq!(page_id(r#"$Config={"pgid":"<script>"}"#), None);
    }

    #[test]
    fn survives_hostile_pages() {
        // Not JSON, cut short, wrong types, duplicate keys.
        for page in [
            "$Config=",
            "$Config={",
            "$Config={\"iErrorCode\":",
            "$Config=[1,2]",
            "$Config={'iErrorCode':50011}",
            r#"$Config={"iErrorCode":{"a":1},"pgid":7}"#,
            r#"$Config={"iErrorCode":-5}"#,
            r#"$Config={"iErrorCode":1e9}"#,
            r#"$Config={"iErrorCode":99999999999}"#,
            r#"$Config={"iErrorCode":50011,"iErrorCode":50105}"#,
            "$Config$Config$Config",
            "\u{feff}$Config=\u{00a0}{}",
        ] {
            assert_eq!(from_page(page), None, "{page}");
        }
        // Deeply nested: serde_json's recursion limit refuses it without overflowing the stack.
        let deep = format!(
            "$Config={{\"a\":{}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(from_page(&deep), None);
        // Huge: one pass over it.
        let huge = format!(
            "<script>$Config={{\"pad\":\"{}\",\"iErrorCode\":53003}};</script>",
            "x".repeat(8 << 20)
        );
        assert_eq!(from_page(&huge).unwrap().code, code(53003));
        // Many mentions, none an object: bounded.
        assert_eq!(from_page(&"$Config=1;".repeat(100_000)), None);
        // The first mention that is an object wins; a broken one before it is passed over.
        let twice =
            r#"$Config={"iErrorCode":; $Config={"iErrorCode":50034}; $Config={"iErrorCode":50020}"#;
        assert_eq!(from_page(twice).unwrap().code, code(50034));
        // Non-ASCII messages are kept whole, long ones cut on a character boundary.
        let page = format!(
            r#"$Config={{"strServiceExceptionMessage":"AADSTS50034: Benutzerkonto „jörg@contoso.de“ {}"}}"#,
            "ü".repeat(5000)
        );
        let e = from_page(&page).unwrap();
        assert_eq!(e.code, code(50034));
        assert!(e.message.as_deref().unwrap().contains("„jörg@contoso.de“"));
        assert!(e.message.unwrap().len() <= MAX_MESSAGE);
        // Overlong ids are dropped, not kept.
        let page = format!(
            r#"$Config={{"iErrorCode":50011,"correlationId":"{}"}}"#,
            "c".repeat(10_000)
        );
        assert_eq!(from_page(&page).unwrap().correlation_id, None);
    }

    #[test]
    fn reads_entras_error_url_on_login_hosts_only() {
        let at = |s: &str| from_error_url(&Url::parse(s).unwrap());
        assert_eq!(
            at("https://login.microsoftonline.com/error?code=50011"),
            Some(code(50011))
        );
        assert_eq!(
            at("https://LOGIN.microsoftonline.us/error?code=AADSTS53003"),
            Some(code(53003))
        );
        assert_eq!(
            at("https://login.partner.microsoftonline.cn/error?code=50105&x=1&code=50105"),
            Some(code(50105))
        );
        for other in [
            "https://login.microsoftonline.com/error?code=50011&code=50105",
            "https://login.microsoftonline.com/error?code=abc",
            "https://login.microsoftonline.com/error",
            "https://login.microsoftonline.com/Error?code=50011",
            "https://login.microsoftonline.com/common/error?code=50011",
            "http://login.microsoftonline.com/error?code=50011",
            "https://login.microsoftonline.com:444/error?code=50011",
            "https://evil.example/error?code=50011",
            "https://login.microsoftonline.com.evil.example/error?code=50011",
            "https://login.microsoftonline.com@evil.example/error?code=50011",
            "https://x@login.microsoftonline.com/error?code=50011",
            "https://sts.windows.net/error?code=50011",
        ] {
            assert_eq!(at(other), None, "{other}");
        }
    }

    #[test]
    fn reads_a_status_message() {
        assert_eq!(
            from_status_message("AADSTS50105: The signed in user 'a@b.c' is not assigned to a role for the application."),
            Some((code(50105), "The signed in user 'a@b.c' is not assigned to a role for the application.".into()))
        );
        assert_eq!(
            from_status_message("Sign-in failed (aadsts75011 - method mismatch)"),
            Some((code(75011), "- method mismatch)".into()))
        );
        assert_eq!(
            from_status_message("AADSTS700016"),
            Some((code(700016), String::new()))
        );
        assert_eq!(
            from_status_message("AADSTS: no code, AADSTSx, then AADSTS90072: other tenant"),
            Some((code(90072), "other tenant".into()))
        );
        for none in [
            "",
            "a",
            "AADSTS",
            "AADSTS0: zero",
            "ääädsts50011",
            "Invalid request",
        ] {
            assert_eq!(from_status_message(none), None, "{none}");
        }
        let long = format!("AADSTS50011: {}", "é".repeat(100_000));
        assert!(from_status_message(&long).unwrap().1.len() <= MAX_MESSAGE);
        assert_eq!(from_status_message(&"a".repeat(1 << 20)), None);
    }
}

//! Browser captures of Entra SAML sign-ins into IAM Identity Center, for `samlbridge trace`.
//!
//! A sign-in is modelled once, as the HTTP exchanges a browser makes ([`Flow`]), and written the
//! way each tool saves it: a HAR file from Chrome, Edge, Firefox or Safari ([`har`]), with or
//! without response bodies, or a SAML-tracer export ([`saml_tracer`]). Everything is derived
//! from fixed seeds and fixed times (the capture starts 2026-11-27T08:59:50Z and the response
//! is posted to the ACS at 09:00:00.5Z, half a second after the response fixtures'
//! IssueInstant), so every run writes the same bytes.
//!
//! The shapes follow what the tools' own exporters write: key order, header-name case (HTTP/2
//! lower case in Chromium and in Firefox's response headers), which query and form values are
//! percent-decoded, how cookies and timings are written, and what "without content" leaves.
//! `testdata/README.md` (`captures/`) lists the differences.

use crate::fixtures::{
    idc_acs, idc_audience, idc_other_acs, idc_response, Keys, APP_ID, IDC_DIRECTORY, IDC_REGION,
    TENANT, USER,
};
use crate::idp::{escape, Signing};
use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::io::Write;

/// Where Entra signs users in.
pub const LOGIN_HOST: &str = "login.microsoftonline.com";
/// The user's password in every flow (it appears in the login form post).
pub const PASSWORD: &str = "Orchard-Lantern-4417!";
/// The user's display name, object id, given name and surname in the response.
pub const DISPLAY_NAME: &str = "Alice Example";
pub const OBJECT_ID: &str = "9c2f6b1e-3d4a-4f5b-8c6d-7e8f9a0b1c2d";
/// The AuthnRequest ID the response fixtures answer (`InResponseTo`).
pub const REQUEST_ID: &str = "id-4f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b";
/// The application's display name in Entra.
pub const APP_NAME: &str = "AWS IAM Identity Center";
const TENANT_NAME: &str = "Contoso";
const CDN: &str = "https://aadcdn.msftauth.net";
const FIREFOX_OFFSET_HOURS: i32 = 1;

/// The AWS access portal of the fixture directory.
pub fn portal() -> String {
    format!("https://{IDC_DIRECTORY}.awsapps.com/start")
}

/// Entra's SAML endpoint for the fixture tenant (the AuthnRequest's Destination).
pub fn entra_saml2() -> String {
    format!("https://{LOGIN_HOST}/{TENANT}/saml2")
}

/// When every capture starts.
pub fn capture_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 8, 59, 50).unwrap()
}

/// When the browser posts the response to the ACS: half a second after the response fixtures'
/// IssueInstant, so they are valid when judged at the capture's own time.
pub fn acs_post_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap() + Duration::milliseconds(500)
}

// ---------------------------------------------------------------------------------------------
// Ordered JSON: browsers write keys in their own order, and serde_json's map sorts keys unless
// a feature is enabled workspace-wide, which would reorder the other fixtures.

#[derive(Clone, Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    /// Milliseconds and the like, in hundredths (written as the shortest decimal).
    Hundredths(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl serde::Serialize for J {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::Int(i) => s.serialize_i64(*i),
            J::Hundredths(h) if h % 100 == 0 => s.serialize_i64(h / 100),
            J::Hundredths(h) => s.serialize_f64(*h as f64 / 100.0),
            J::Str(t) => s.serialize_str(t),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Obj(pairs) => {
                let mut map = s.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

macro_rules! impl_from {
    ($($t:ty => $e:expr),* $(,)?) => {
        $(impl From<$t> for J {
            fn from(v: $t) -> J {
                let f: fn($t) -> J = $e;
                f(v)
            }
        })*
    };
}
impl_from! {
    &str => |v| J::Str(v.to_owned()),
    String => J::Str,
    &String => |v| J::Str(v.clone()),
    bool => J::Bool,
    i64 => J::Int,
    u16 => |v| J::Int(i64::from(v)),
    u32 => |v| J::Int(i64::from(v)),
    usize => |v| J::Int(v as i64),
    Vec<J> => J::Arr,
}

impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> J {
        v.map_or(J::Null, Into::into)
    }
}

macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        J::Obj(vec![$(($k.to_string(), J::from($v))),*])
    };
}

impl J {
    /// Appends a key (for keys an exporter writes only sometimes).
    fn with(mut self, key: &str, value: impl Into<J>) -> J {
        if let J::Obj(pairs) = &mut self {
            pairs.push((key.to_owned(), value.into()));
        }
        self
    }

    /// Sets a key in place, keeping its first position (as a JavaScript object does).
    fn set(&mut self, key: &str, value: impl Into<J>) {
        if let J::Obj(pairs) = self {
            let value = value.into();
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => pairs.push((key.to_owned(), value)),
            }
        }
    }
}

fn pretty(j: &J) -> String {
    serde_json::to_string_pretty(j).expect("ordered JSON serialises")
}

/// `$Config` JSON as Entra embeds it in a script: `&`, `<` and `>` escaped as `\u00XX`.
fn script_json(j: &J) -> String {
    serde_json::to_string(j)
        .expect("ordered JSON serialises")
        .replace('&', "\\u0026")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

// ---------------------------------------------------------------------------------------------
// Encodings.

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `application/x-www-form-urlencoded` as browsers and Java's URLEncoder write it: ASCII
/// letters, digits and `*-._` kept, space as `+`, everything else percent-encoded.
pub fn form_urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-decoding as `decodeURIComponent` does (after the caller has turned `+` into space).
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_decode(value: &str) -> String {
    percent_decode(&value.replace('+', " "))
}

fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_urlencode(k), form_urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("deflate");
    e.finish().expect("deflate")
}

/// The length of `text` gzip-compressed, as a server sends it (real compression, so sizes agree).
fn gzip_len(text: &str) -> usize {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).expect("gzip");
    e.finish().expect("gzip").len()
}

/// The part of `url` before any fragment (browsers record requests without it).
fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

fn host_of(url: &str) -> &str {
    let rest = url.split("://").nth(1).unwrap_or(url);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

fn origin_of(url: &str) -> String {
    format!("https://{}", host_of(url))
}

fn path_of(url: &str) -> String {
    let url = without_fragment(url);
    let rest = url.split("://").nth(1).unwrap_or(url);
    match rest.find('/') {
        Some(i) => rest[i..].to_owned(),
        None => "/".to_owned(),
    }
}

/// The raw `name=value` pairs of a URL's query, as written.
fn raw_query(url: &str) -> Vec<(String, String)> {
    let url = without_fragment(url);
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// The registrable domain, good enough for the hosts here (`a.b.com` → `b.com`).
fn site_of(host: &str) -> String {
    let parts: Vec<&str> = host.rsplitn(3, '.').collect();
    match parts.as_slice() {
        [tld, name, ..] => format!("{name}.{tld}"),
        _ => host.to_owned(),
    }
}

/// A deterministic token: base64url of chained SHA-256 of `seed`.
fn token(seed: &str, len: usize) -> String {
    let mut out = String::new();
    let mut block = openssl::sha::sha256(seed.as_bytes());
    while out.len() < len {
        out.push_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(block));
        block = openssl::sha::sha256(&block);
    }
    out.truncate(len);
    out
}

/// A deterministic version-4-shaped UUID.
fn uuid(seed: &str) -> String {
    let h = crate::pki::hex(&openssl::sha::sha256(seed.as_bytes())).to_ascii_lowercase();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn iso_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

// ---------------------------------------------------------------------------------------------
// The AuthnRequest.

/// `RequestedAuthnContext` of an AuthnRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestedAuthnContext {
    /// `exact`, `minimum`, `maximum` or `better`.
    pub comparison: String,
    pub class_refs: Vec<String>,
}

/// An AuthnRequest as IAM Identity Center sends it (OpenSAML layout: `saml2p`/`saml2`
/// prefixes, attributes in alphabetical order, millisecond IssueInstant), every field
/// adjustable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthnRequestSpec {
    /// Must not start with a digit (Entra refuses such IDs); echoed as InResponseTo.
    pub id: String,
    pub version: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: Option<String>,
    pub acs_url: Option<String>,
    pub protocol_binding: Option<String>,
    /// The request's Issuer: must equal an Identifier (Entity ID) of the Entra application.
    pub issuer: Option<String>,
    /// NameIDPolicy `Format`; no NameIDPolicy when None.
    pub name_id_format: Option<String>,
    pub allow_create: Option<bool>,
    pub force_authn: Option<bool>,
    pub is_passive: Option<bool>,
    pub requested_authn_context: Option<RequestedAuthnContext>,
    /// The protocol namespace (SAML 2.0 unless a flow breaks it).
    pub protocol_ns: String,
}

impl AuthnRequestSpec {
    /// The request Identity Center sends for the fixture directory at `issue_instant`.
    pub fn identity_center(issue_instant: DateTime<Utc>) -> Self {
        AuthnRequestSpec {
            id: REQUEST_ID.into(),
            version: "2.0".into(),
            issue_instant,
            destination: Some(entra_saml2()),
            acs_url: Some(idc_acs()),
            protocol_binding: Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST".into()),
            issuer: Some(idc_audience()),
            name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
            allow_create: Some(true),
            force_authn: None,
            is_passive: None,
            requested_authn_context: None,
            protocol_ns: "urn:oasis:names:tc:SAML:2.0:protocol".into(),
        }
    }

    /// The request's XML.
    pub fn xml(&self) -> String {
        let mut attrs: Vec<(&str, String)> = Vec::new();
        if let Some(acs) = &self.acs_url {
            attrs.push(("AssertionConsumerServiceURL", acs.clone()));
        }
        if let Some(d) = &self.destination {
            attrs.push(("Destination", d.clone()));
        }
        if let Some(f) = self.force_authn {
            attrs.push(("ForceAuthn", f.to_string()));
        }
        attrs.push(("ID", self.id.clone()));
        if let Some(p) = self.is_passive {
            attrs.push(("IsPassive", p.to_string()));
        }
        attrs.push(("IssueInstant", iso_millis(self.issue_instant)));
        if let Some(b) = &self.protocol_binding {
            attrs.push(("ProtocolBinding", b.clone()));
        }
        attrs.push(("Version", self.version.clone()));
        let attrs: String = attrs
            .iter()
            .map(|(k, v)| format!(" {k}=\"{}\"", escape(v)))
            .collect();
        const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
        let issuer = self
            .issuer
            .as_ref()
            .map(|i| {
                format!(
                    r#"<saml2:Issuer xmlns:saml2="{ASSERTION}">{}</saml2:Issuer>"#,
                    escape(i)
                )
            })
            .unwrap_or_default();
        let policy = self
            .name_id_format
            .as_ref()
            .map(|f| {
                let create = self
                    .allow_create
                    .map(|a| format!(r#" AllowCreate="{a}""#))
                    .unwrap_or_default();
                format!(r#"<saml2p:NameIDPolicy{create} Format="{}"/>"#, escape(f))
            })
            .unwrap_or_default();
        let context = self
            .requested_authn_context
            .as_ref()
            .map(|c| {
                let refs: String = c
                    .class_refs
                    .iter()
                    .map(|r| {
                        format!(
                            r#"<saml2:AuthnContextClassRef xmlns:saml2="{ASSERTION}">{}</saml2:AuthnContextClassRef>"#,
                            escape(r)
                        )
                    })
                    .collect();
                format!(
                    r#"<saml2p:RequestedAuthnContext Comparison="{}">{refs}</saml2p:RequestedAuthnContext>"#,
                    escape(&c.comparison)
                )
            })
            .unwrap_or_default();
        format!(
            r#"<saml2p:AuthnRequest xmlns:saml2p="{}"{attrs}>{issuer}{policy}{context}</saml2p:AuthnRequest>"#,
            self.protocol_ns
        )
    }

    /// The `SAMLRequest` value of the HTTP-Redirect binding before URL encoding: raw DEFLATE,
    /// then base64.
    pub fn deflated_base64(&self) -> String {
        b64(&deflate(self.xml().as_bytes()))
    }

    /// The HTTP-Redirect binding URL: `SAMLRequest` (and `RelayState`) URL-encoded onto `to`.
    pub fn redirect_url(&self, to: &str, relay_state: Option<&str>) -> String {
        let mut url = format!(
            "{to}?SAMLRequest={}",
            form_urlencode(&self.deflated_base64())
        );
        if let Some(r) = relay_state {
            url.push_str(&format!("&RelayState={}", form_urlencode(r)));
        }
        url
    }
}

// ---------------------------------------------------------------------------------------------
// The model.

/// What a request fetched, as the browser classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A top-level navigation (redirects, form posts, typed URLs).
    Document,
    /// A script's XMLHttpRequest/fetch.
    Xhr,
    Image,
}

/// What started a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Initiator {
    /// Typed, redirected, or a form the user submitted.
    Other,
    /// A script at `url` (a form it submits, an XHR).
    Script { url: String, line: u32, column: u32 },
}

/// A cookie as a browser stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub path: String,
    /// None: a session cookie.
    pub expires: Option<DateTime<Utc>>,
    pub http_only: bool,
    pub secure: bool,
    pub same_site: Option<&'static str>,
}

impl Cookie {
    fn new(name: &str, value: &str, domain: &str) -> Self {
        Cookie {
            name: name.into(),
            value: value.into(),
            domain: domain.into(),
            path: "/".into(),
            expires: None,
            http_only: true,
            secure: true,
            same_site: Some("None"),
        }
    }

    fn expires(mut self, at: DateTime<Utc>) -> Self {
        self.expires = Some(at);
        self
    }

    fn script_readable(mut self) -> Self {
        self.http_only = false;
        self
    }

    fn lax(mut self) -> Self {
        self.same_site = Some("Lax");
        self
    }

    /// The `Set-Cookie` header value a server sends.
    fn set_cookie_header(&self) -> String {
        let mut out = format!("{}={}", self.name, self.value);
        if let Some(e) = self.expires {
            out.push_str(&format!("; expires={}", http_date(e)));
        }
        if self.domain.starts_with('.') {
            out.push_str(&format!("; domain={}", self.domain));
        }
        out.push_str(&format!("; path={}", self.path));
        if self.secure {
            out.push_str("; secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(s) = self.same_site {
            out.push_str(&format!("; SameSite={s}"));
        }
        out
    }

    fn sent_to(&self, host: &str) -> bool {
        match self.domain.strip_prefix('.') {
            Some(d) => host == d || host.ends_with(&format!(".{d}")),
            None => host == self.domain,
        }
    }
}

/// A response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub mime_type: String,
    /// The body, or its base64 when `base64` is set (as HAR files hold binary bodies).
    pub text: String,
    pub base64: bool,
    /// The server compressed it (`content-encoding: gzip`).
    pub gzip: bool,
}

impl Body {
    /// The decoded size in bytes.
    pub fn size(&self) -> usize {
        if self.base64 {
            base64::engine::general_purpose::STANDARD
                .decode(&self.text)
                .map_or(0, |b| b.len())
        } else {
            self.text.len()
        }
    }

    fn encoded_size(&self) -> usize {
        if self.gzip {
            gzip_len(&self.text)
        } else {
            self.size()
        }
    }
}

/// A request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestBody {
    /// `application/x-www-form-urlencoded`: the fields, decoded, in order.
    Form(Vec<(String, String)>),
    /// `application/json`.
    Json(String),
}

impl RequestBody {
    fn content_type(&self) -> &'static str {
        match self {
            RequestBody::Form(_) => "application/x-www-form-urlencoded",
            RequestBody::Json(_) => "application/json; charset=UTF-8",
        }
    }

    /// The bytes sent.
    pub fn text(&self) -> String {
        match self {
            RequestBody::Form(fields) => form_body(fields),
            RequestBody::Json(text) => text.clone(),
        }
    }
}

/// One request and its response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub started: DateTime<Utc>,
    pub duration_ms: u32,
    pub kind: Kind,
    pub initiator: Initiator,
    pub method: &'static str,
    /// As requested; a fragment, if any, is kept here and dropped by the writers as browsers do.
    pub url: String,
    pub referer: Option<String>,
    /// `Sec-Fetch-Site`: `none`, `same-origin`, `same-site` or `cross-site`.
    pub fetch_site: &'static str,
    /// `Origin` (sent with POSTs).
    pub origin: Option<String>,
    /// Cookies sent.
    pub cookies: Vec<Cookie>,
    /// Request headers beyond the ones every browser adds (Entra's XHR headers).
    pub extra_headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    pub status: u16,
    /// Response headers other than `Set-Cookie`, with canonical names, in the server's order.
    pub response_headers: Vec<(String, String)>,
    pub set_cookies: Vec<Cookie>,
    pub response_body: Option<Body>,
    pub server_ip: &'static str,
}

impl Exchange {
    pub fn location(&self) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.as_str())
    }

    fn status_text(&self) -> &'static str {
        match self.status {
            200 => "OK",
            302 => "Found",
            400 => "Bad Request",
            _ => "",
        }
    }

    fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }
}

/// What a capture should show, for tests to assert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The AADSTS code the capture shows (on Entra's error page, in an `/error?code=` URL or in
    /// the SAML Status), if any.
    pub aadsts: Option<u32>,
    /// An AuthnRequest was sent to Entra.
    pub request: bool,
    /// A SAML Response was posted to the ACS.
    pub response: bool,
    /// Sign-in attempts in the capture.
    pub attempts: usize,
    /// What the capture is for, in a sentence.
    pub shows: &'static str,
}

/// A captured sign-in.
#[derive(Clone, Debug)]
pub struct Flow {
    pub exchanges: Vec<Exchange>,
    /// The AuthnRequests sent, in order.
    pub requests: Vec<AuthnRequestSpec>,
    /// The SAML responses posted to the ACS (their XML), in order.
    pub responses: Vec<String>,
    pub expect: Expect,
    pii: Vec<String>,
}

/// The personal and secret values in a flow: user names, UPN/e-mail, display name, object id,
/// passwords, cookie values, flowToken/ctx/canary and the like. A redacted capture must hold
/// none of them (the SAMLRequest/SAMLResponse values carry some of them encoded).
pub fn pii(flow: &Flow) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &flow.pii {
        if !p.is_empty() && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Building flows.

/// What Entra answers at a step.
#[derive(Clone, Debug)]
enum Page {
    SignIn,
    Mfa,
    Kmsi,
    /// The auto-submitting form that posts the response to `acs`.
    Post {
        acs: String,
        response: String,
        relay_state: Option<String>,
    },
    /// The ConvergedError page.
    Error {
        code: u32,
        message: String,
    },
    /// A redirect to `/error?code=N`, then the page there.
    ErrorRedirect {
        code: u32,
        message: String,
    },
}

/// Who answers a redirect (each sends its own headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Aws,
    Entra,
    MyApps,
}

/// How the ACS answers a posted response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AcsAnswer {
    /// 302 into the access portal, then the portal.
    Portal,
    /// Identity Center refuses the response.
    Refused,
}

struct Builder {
    seed: String,
    seq: u32,
    at: DateTime<Utc>,
    exchanges: Vec<Exchange>,
    jar: Vec<Cookie>,
    pii: Vec<String>,
    /// The document the current navigation started from.
    nav_from: Option<String>,
    /// The most cross `Sec-Fetch-Site` seen along the current redirect chain.
    chain_site: &'static str,
    /// The current document.
    page: Option<String>,
    hosts_seen: Vec<String>,
    // Entra's per-page state, posted back with the next form.
    flow_token: String,
    ctx: String,
    canary: String,
    correlation: String,
    request_ids: Vec<String>,
    /// The next Entra response's request id was already taken (a page names its own).
    reserved_request_id: bool,
    requests: Vec<AuthnRequestSpec>,
    responses: Vec<String>,
    typed_password: bool,
}

fn site_rank(s: &str) -> u8 {
    match s {
        "none" => 0,
        "same-origin" => 1,
        "same-site" => 2,
        _ => 3,
    }
}

impl Builder {
    fn new(seed: &str, start: DateTime<Utc>) -> Self {
        let mut b = Builder {
            seed: seed.into(),
            seq: 0,
            at: start,
            exchanges: Vec::new(),
            jar: Vec::new(),
            pii: Vec::new(),
            nav_from: None,
            chain_site: "none",
            page: None,
            hosts_seen: Vec::new(),
            flow_token: String::new(),
            ctx: String::new(),
            canary: String::new(),
            correlation: String::new(),
            request_ids: Vec::new(),
            reserved_request_id: false,
            requests: Vec::new(),
            responses: Vec::new(),
            typed_password: false,
        };
        // Cookies left from earlier visits to Entra.
        let buid = format!("1.AQ{}", b.token("buid", 180));
        let fpc = format!("A{}", b.token("fpc", 42));
        let year = start + Duration::days(365);
        b.store(Cookie::new("buid", &buid, ".login.microsoftonline.com").expires(year));
        b.store(Cookie::new("fpc", &fpc, ".login.microsoftonline.com").expires(year));
        b
    }

    fn token(&mut self, what: &str, len: usize) -> String {
        self.seq += 1;
        token(&format!("{}/{what}/{}", self.seed, self.seq), len)
    }

    fn uuid(&mut self, what: &str) -> String {
        self.seq += 1;
        uuid(&format!("{}/{what}/{}", self.seed, self.seq))
    }

    fn secret(&mut self, value: String) -> String {
        self.pii.push(value.clone());
        value
    }

    fn store(&mut self, cookie: Cookie) {
        self.pii.push(cookie.value.clone());
        self.jar
            .retain(|c| !(c.name == cookie.name && c.domain == cookie.domain));
        self.jar.push(cookie);
    }

    fn pause(&mut self, ms: i64) {
        self.at += Duration::milliseconds(ms);
    }

    fn set_time(&mut self, t: DateTime<Utc>) {
        assert!(t >= self.at, "flows only move forward in time");
        self.at = t;
    }

    /// A new request at the current time, with the cookies the jar sends to its host.
    fn request(&mut self, method: &'static str, url: &str, kind: Kind) -> Exchange {
        let host = host_of(url).to_owned();
        let at = self.at;
        let cookies: Vec<Cookie> = self
            .jar
            .iter()
            .filter(|c| c.sent_to(&host) && c.expires.is_none_or(|e| e > at))
            .cloned()
            .collect();
        let (referer, fetch_site) = match kind {
            Kind::Document => {
                let site = match &self.nav_from {
                    None => "none",
                    Some(from) if host_of(from) == host => "same-origin",
                    Some(from) if site_of(host_of(from)) == site_of(&host) => "same-site",
                    Some(_) => "cross-site",
                };
                if site_rank(site) > site_rank(self.chain_site) {
                    self.chain_site = site;
                }
                (
                    self.nav_from.as_deref().map(|f| referrer(f, url)),
                    self.chain_site,
                )
            }
            Kind::Xhr | Kind::Image => {
                let page = self.page.clone().unwrap_or_default();
                let site = if host_of(&page) == host {
                    "same-origin"
                } else {
                    "cross-site"
                };
                (Some(referrer(&page, url)), site)
            }
        };
        // SameSite: Lax cookies go cross-site only with top-level GET navigations, Strict ones
        // never.
        let cross = fetch_site == "cross-site";
        let top_get = kind == Kind::Document && method == "GET";
        let cookies = cookies
            .into_iter()
            .filter(|c| match c.same_site {
                Some("Strict") => !cross,
                Some("Lax") => !cross || top_get,
                _ => true,
            })
            .collect();
        Exchange {
            started: at,
            duration_ms: 0,
            kind,
            initiator: Initiator::Other,
            method,
            url: url.into(),
            referer,
            fetch_site,
            origin: None,
            cookies,
            extra_headers: Vec::new(),
            body: None,
            status: 0,
            response_headers: Vec::new(),
            set_cookies: Vec::new(),
            response_body: None,
            server_ip: server_ip(&host),
        }
    }

    /// Starts a navigation from the current page (or a typed URL when there is none).
    fn navigate(&mut self, method: &'static str, url: &str) -> Exchange {
        self.nav_from = self.page.clone();
        self.chain_site = "none";
        self.request(method, url, Kind::Document)
    }

    /// Records an exchange that took `duration_ms`, stores the cookies it set and moves the
    /// clock past it.
    fn push(&mut self, mut ex: Exchange, duration_ms: u32) {
        ex.duration_ms = duration_ms;
        for c in ex.set_cookies.clone() {
            self.store(c);
        }
        if ex.kind == Kind::Document && !ex.is_redirect() {
            self.page = Some(without_fragment(&ex.url).to_owned());
        }
        let host = host_of(&ex.url).to_owned();
        if !self.hosts_seen.contains(&host) {
            self.hosts_seen.push(host);
        }
        self.exchanges.push(ex);
        self.pause(i64::from(duration_ms) + 35);
    }

    /// Follows the redirect the last exchange answered with.
    fn follow(&mut self) -> Exchange {
        let to = self
            .exchanges
            .last()
            .and_then(|e| e.location())
            .expect("the last exchange redirects")
            .to_owned();
        let mut ex = self.request("GET", &to, Kind::Document);
        ex.initiator = self.exchanges.last().expect("redirect").initiator.clone();
        ex
    }

    fn redirect(&mut self, ex: &mut Exchange, to: &str, server: Server) {
        ex.status = 302;
        let mut headers = vec![("Date".to_owned(), http_date(self.at))];
        if server == Server::MyApps {
            headers.extend([
                ("Content-Length".to_owned(), "0".to_owned()),
                ("Location".to_owned(), to.to_owned()),
                ("Cache-Control".to_owned(), "no-cache".to_owned()),
                (
                    "Strict-Transport-Security".to_owned(),
                    "max-age=31536000; includeSubDomains".to_owned(),
                ),
            ]);
        } else if server == Server::Aws {
            headers.extend([
                ("Content-Length".to_owned(), "0".to_owned()),
                ("Location".to_owned(), to.to_owned()),
                (
                    "Cache-Control".to_owned(),
                    "no-cache, no-store, must-revalidate".to_owned(),
                ),
                (
                    "Strict-Transport-Security".to_owned(),
                    "max-age=47304000; includeSubDomains".to_owned(),
                ),
                ("X-Content-Type-Options".to_owned(), "nosniff".to_owned()),
                ("X-Amz-Rid".to_owned(), self.token("rid", 20).to_uppercase()),
            ]);
        } else {
            headers.extend(self.entra_headers());
            headers.push(("Location".to_owned(), to.to_owned()));
            headers.push(("Content-Length".to_owned(), "0".to_owned()));
        }
        ex.response_headers = headers;
    }

    /// The headers every Entra response carries, with a fresh request id.
    fn entra_headers(&mut self) -> Vec<(String, String)> {
        let request_id = if std::mem::take(&mut self.reserved_request_id) {
            self.last_request_id()
        } else {
            self.reserve_request_id();
            self.reserved_request_id = false;
            self.last_request_id()
        };
        [
            ("Cache-Control", "no-store, no-cache"),
            ("Pragma", "no-cache"),
            ("Expires", "-1"),
            (
                "Strict-Transport-Security",
                "max-age=31536000; includeSubDomains",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("P3P", "CP=\"DSP CUR OTPi IND OTRi ONL FIN\""),
            ("X-Ms-Request-Id", request_id.as_str()),
            ("X-Ms-Ests-Server", "2.1.21843.7 - WEULR1 ProdSlices"),
            ("X-XSS-Protection", "0"),
            ("Date", http_date(self.at).as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    /// Takes the request id the next Entra response will carry.
    fn reserve_request_id(&mut self) -> String {
        let id = self.uuid("x-ms-request-id");
        self.request_ids.push(id.clone());
        self.reserved_request_id = true;
        id
    }

    fn last_request_id(&self) -> String {
        self.request_ids.last().cloned().unwrap_or_default()
    }

    /// A 200 HTML answer from Entra with `html`, gzip-compressed.
    fn entra_html(&mut self, ex: &mut Exchange, html: String) {
        ex.status = 200;
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "text/html; charset=utf-8".to_owned(),
        )];
        headers.extend(self.entra_headers());
        headers.push(("Content-Encoding".to_owned(), "gzip".to_owned()));
        headers.push((
            "Link".to_owned(),
            "<https://aadcdn.msftauth.net>; rel=preconnect; crossorigin".to_owned(),
        ));
        headers.push(("X-Frame-Options".to_owned(), "DENY".to_owned()));
        headers.push(("Content-Length".to_owned(), gzip_len(&html).to_string()));
        ex.response_headers = headers;
        ex.response_body = Some(Body {
            mime_type: "text/html".into(),
            text: html,
            base64: false,
            gzip: true,
        });
    }

    fn entra_json(&mut self, ex: &mut Exchange, json: String) {
        ex.status = 200;
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        )];
        headers.extend(self.entra_headers());
        headers.push(("Content-Length".to_owned(), json.len().to_string()));
        ex.response_headers = headers;
        ex.response_body = Some(Body {
            mime_type: "application/json".into(),
            text: json,
            base64: false,
            gzip: false,
        });
    }

    /// New flowToken, ctx and canary for the next Entra page.
    fn next_state(&mut self) {
        self.flow_token = {
            let t = format!("AQABIQEAAAB{}", self.token("flowToken", 420));
            self.secret(t)
        };
        self.ctx = {
            let t = format!("rQQIARAA{}", self.token("ctx", 240));
            self.secret(t)
        };
        self.canary = {
            let t = format!("PAQABDgEAAAB{}", self.token("canary", 180));
            self.secret(t)
        };
    }

    fn server_details(&self) -> J {
        obj! {
            "slc" => "ProdSlices",
            "dc" => "WEULR1",
            "ri" => "AM4XXXX0041",
            "ver" => obj! { "v" => vec![J::Int(2), J::Int(1), J::Int(21843), J::Int(7)] },
            "rt" => self.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "et" => 31i64,
        }
    }

    /// Entra's page for `page`, as the answer to `ex`.
    fn entra_page(&mut self, ex: &mut Exchange, page: &Page, user: &str) {
        match page {
            Page::Post {
                acs,
                response,
                relay_state,
            } => {
                let html = auto_post_html(acs, &b64(response.as_bytes()), relay_state.as_deref());
                self.entra_html(ex, html);
                self.responses.push(response.clone());
            }
            Page::ErrorRedirect { code, .. } => {
                let to = format!("https://{LOGIN_HOST}/error?code={code}");
                self.redirect(ex, &to, Server::Entra);
            }
            Page::SignIn | Page::Mfa | Page::Kmsi | Page::Error { .. } => {
                // The page names the request id its own response carries.
                let request_id = self.reserve_request_id();
                let config = self.config(page, user, &request_id);
                let html = converged_html(&config, page_title(page));
                self.entra_html(ex, html);
            }
        }
    }

    /// The `$Config` of an Entra page.
    fn config(&mut self, page: &Page, user: &str, request_id: &str) -> J {
        if !matches!(page, Page::Error { .. } | Page::ErrorRedirect { .. }) {
            self.next_state();
        }
        let details = self.server_details();
        let (pgid, hpgid) = match page {
            Page::SignIn => ("ConvergedSignIn", 1104u32),
            Page::Mfa => ("ConvergedTFA", 1116),
            Page::Kmsi => ("KmsiInterrupt", 1132),
            _ => ("ConvergedError", 1117),
        };
        let mut c = obj! {
            "fShowPersistentCookiesWarning" => false,
            "urlMsaSignUp" => "https://login.live.com/oauth20_authorize.srf?scope=openid+profile+email+offline_access&response_type=code&client_id=51483342-085c-4d86-bf88-cf50c7252078",
            "urlSetDebugMode" => format!("https://{LOGIN_HOST}/common/debugmode"),
            "urlCdn" => format!("{CDN}/shared/1.0/"),
            "urlDefaultFavicon" => format!("{CDN}/shared/1.0/content/images/favicon_a_0ok3hutz4jdhnlqklfhyo2.ico"),
            "fEnableCssAnimation" => true,
            "country" => "DE",
            "fUseSameSite" => true,
            "uiflavor" => 1001u32,
        };
        match page {
            Page::SignIn => {
                c = c
                    .with(
                        "urlGetCredentialType",
                        format!("https://{LOGIN_HOST}/common/GetCredentialType?mkt=en-US"),
                    )
                    .with("urlPost", format!("/{TENANT}/login"))
                    .with("sPOST_Username", "")
                    .with("sFT", &self.flow_token)
                    .with("sFTName", "flowToken")
                    .with("sCtx", &self.ctx)
                    .with("iMaxPollErrors", 5u32)
                    .with("iPollingTimeout", 300u32);
            }
            Page::Mfa => {
                let proofs = J::Arr(vec![obj! {
                    "authMethodId" => "PhoneAppNotification",
                    "data" => "PhoneAppNotification",
                    "display" => "+XX XXXXXXXX17",
                    "isDefault" => true,
                    "isLocationAware" => false,
                }]);
                c = c
                    .with("arrUserProofs", proofs)
                    .with(
                        "urlBeginAuth",
                        format!("https://{LOGIN_HOST}/common/SAS/BeginAuth"),
                    )
                    .with(
                        "urlEndAuth",
                        format!("https://{LOGIN_HOST}/common/SAS/EndAuth"),
                    )
                    .with("urlPost", "/common/SAS/ProcessAuth")
                    .with("sPOST_Username", user)
                    .with("sFT", &self.flow_token)
                    .with("sFTName", "flowToken")
                    .with("sCtx", &self.ctx)
                    .with("iMaxPollAttempts", 60u32);
            }
            Page::Kmsi => {
                c = c
                    .with("urlPost", "/kmsi")
                    .with("sPOST_Username", user)
                    .with("sFT", &self.flow_token)
                    .with("sFTName", "flowToken")
                    .with("sCtx", &self.ctx)
                    .with("fShowKmsiCheckbox", true);
            }
            Page::Error { code, message } | Page::ErrorRedirect { code, message } => {
                c = c
                    .with("iErrorCode", *code)
                    .with(
                        "strServiceExceptionMessage",
                        format!("AADSTS{code}: {message}"),
                    )
                    .with("strMainMessage", main_message(*code))
                    .with("strAdditionalMessage", "")
                    .with("sPOST_Username", user)
                    .with("fShowTroubleshootingDetails", true);
            }
            Page::Post { .. } => unreachable!("the auto-post page has no $Config"),
        }
        let correlation = self.correlation.clone();
        c.with("correlationId", correlation)
            .with("sessionId", request_id)
            .with("hpgrequestid", request_id)
            .with("pgid", pgid)
            .with("hpgid", hpgid)
            .with("hpgact", 1800u32)
            .with("canary", &self.canary)
            .with("sCanaryTokenName", "canary")
            .with("serverDetails", details)
    }

    fn finish(self, expect: Expect) -> Flow {
        let mut pii = self.pii;
        if self.typed_password {
            pii.push(PASSWORD.to_owned());
        }
        if !self.responses.is_empty() {
            // In the assertion: the NameID and name claim, display name and object id.
            pii.extend([
                USER.to_owned(),
                DISPLAY_NAME.to_owned(),
                OBJECT_ID.to_owned(),
            ]);
        }
        Flow {
            exchanges: self.exchanges,
            requests: self.requests,
            responses: self.responses,
            expect,
            pii,
        }
    }
}

/// The Referer a browser sends from `from` to `to` (strict-origin-when-cross-origin).
fn referrer(from: &str, to: &str) -> String {
    if host_of(from) == host_of(to) {
        without_fragment(from).to_owned()
    } else {
        format!("{}/", origin_of(from))
    }
}

fn server_ip(host: &str) -> &'static str {
    match host {
        LOGIN_HOST => "20.190.160.67",
        "aadcdn.msftauth.net" => "152.199.21.175",
        "myapps.microsoft.com" | "launcher.myapps.microsoft.com" => "20.50.73.9",
        h if h.ends_with(".awsapps.com") => "52.31.190.62",
        _ => "3.248.117.48",
    }
}

fn page_title(page: &Page) -> &'static str {
    match page {
        Page::Kmsi | Page::SignIn | Page::Mfa | Page::Error { .. } => "Sign in to your account",
        _ => "Working...",
    }
}

fn main_message(code: u32) -> &'static str {
    match code {
        50105 | 53003 => "You cannot access this right now",
        50126 | 50034 => "We couldn't sign you in. Please try again.",
        _ => "Sorry, but we’re having trouble signing you in.",
    }
}

/// An Entra page that renders itself from `$Config`.
fn converged_html(config: &J, title: &str) -> String {
    let pgid = match config {
        J::Obj(pairs) => pairs
            .iter()
            .find(|(k, _)| k == "pgid")
            .and_then(|(_, v)| match v {
                J::Str(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!(
        concat!(
            "<!-- Copyright (C) Microsoft Corporation. All rights reserved. -->\n",
            "<!DOCTYPE html>\n",
            "<html dir=\"ltr\" class=\"\" lang=\"en\">\n",
            "<head>\n",
            "    <title>{title}</title>\n",
            "    <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n",
            "    <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n",
            "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0, maximum-scale=2.0, user-scalable=yes\">\n",
            "    <meta http-equiv=\"Pragma\" content=\"no-cache\">\n",
            "    <meta http-equiv=\"Expires\" content=\"-1\">\n",
            "    <meta name=\"PageID\" content=\"{pgid}\" />\n",
            "    <meta name=\"SiteID\" content=\"\" />\n",
            "    <meta name=\"ReqLC\" content=\"1033\" />\n",
            "    <meta name=\"LocLC\" content=\"en-US\" />\n",
            "    <meta name=\"robots\" content=\"none\" />\n",
            "<script type=\"text/javascript\" nonce=\"x3bXp2kS5vQmQ9yZ0eWg1A\">//<![CDATA[\n",
            "$Config={config};\n",
            "//]]></script>\n",
            "<script type=\"text/javascript\" nonce=\"x3bXp2kS5vQmQ9yZ0eWg1A\">//<![CDATA[\n",
            "!function(){{var e=window,r=e.$Debug=e.$Debug||{{}},t=e.$Config||{{}};r.appendLog=function(){{}}}}();\n",
            "//]]></script>\n",
            "<script crossorigin=\"anonymous\" src=\"{cdn}/shared/1.0/content/js/ConvergedLogin_PCore_Ht3kzUj9VpgvB6h3pS0mPw2.js\"></script>\n",
            "</head>\n",
            "<body data-bind=\"defineGlobals: ServerData, bodyCssClass\" class=\"cb\" style=\"display: none\">\n",
            "    <noscript>\n",
            "        <meta http-equiv=\"Refresh\" content=\"0; URL=https://{login}/jsdisabled\" />\n",
            "    </noscript>\n",
            "    <div data-bind=\"component: {{ name: 'master-page' }}\"></div>\n",
            "</body>\n",
            "</html>"
        ),
        title = title,
        pgid = pgid,
        config = script_json(config),
        cdn = CDN,
        login = LOGIN_HOST,
    )
}

/// The form Entra serves to post a response to the ACS; a script submits it.
fn auto_post_html(acs: &str, saml_response_b64: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|r| {
            format!(
                r#"<input type="hidden" name="RelayState" value="{}" />"#,
                escape(r)
            )
        })
        .unwrap_or_default();
    format!(
        concat!(
            "<html><head><title>Working...</title></head><body>",
            r#"<form method="POST" name="hiddenform" action="{acs}">"#,
            r#"<input type="hidden" name="SAMLResponse" value="{resp}" />{relay}"#,
            "<noscript><p>Script is disabled. Click Submit to continue.</p>",
            r#"<input type="submit" value="Submit" /></noscript></form>"#,
            r#"<script language="javascript">window.setTimeout(function(){{document.forms[0].submit();}}, 0);</script>"#,
            "</body></html>"
        ),
        acs = escape(acs),
        resp = saml_response_b64,
        relay = relay,
    )
}

/// A small icon, the one binary body of a sign-in (HAR files hold it as base64).
fn favicon() -> Body {
    let mut ico = vec![0u8, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0];
    ico.extend((0u8..=255).map(|i| i.wrapping_mul(37)));
    Body {
        mime_type: "image/x-icon".into(),
        text: b64(&ico),
        base64: true,
        gzip: false,
    }
}

// ---------------------------------------------------------------------------------------------
// The steps of a sign-in.

/// What one attempt does.
#[derive(Clone)]
struct Attempt {
    /// The AuthnRequest; None for a request without SAMLRequest.
    request: Option<AuthnRequestSpec>,
    /// Send the request's XML base64-encoded without DEFLATE.
    not_deflated: bool,
    relay_state: Option<String>,
    user: String,
    /// Where Entra stops with an error, and which.
    error: Option<(Stage, Page)>,
    /// The response Entra posts, and the RelayState it posts with it.
    response: Option<String>,
    posted_relay_state: Option<String>,
    acs_answer: AcsAnswer,
    /// The capture ends after the request reached Entra.
    stop_after_request: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Request,
    Login,
    Mfa,
    Kmsi,
}

fn relay_state_for(b: &mut Builder) -> String {
    b.uuid("workflowStateHandle")
}

fn attempt(keys: &Keys, b: &mut Builder, issue_instant: DateTime<Utc>) -> Attempt {
    let relay = relay_state_for(b);
    Attempt {
        request: Some(AuthnRequestSpec::identity_center(issue_instant)),
        not_deflated: false,
        relay_state: Some(relay.clone()),
        user: USER.into(),
        error: None,
        response: Some(idc_response(&keys.active).build()),
        posted_relay_state: Some(relay),
        acs_answer: AcsAnswer::Portal,
        stop_after_request: false,
    }
}

/// Runs an SP-initiated attempt from the access portal.
fn sign_in(b: &mut Builder, a: &Attempt) {
    b.correlation = b.uuid("correlation");
    let relay = a.relay_state.clone().unwrap_or_default();
    let login_url = format!(
        "https://{IDC_REGION}.signin.aws/platform/login?workflowStateHandle={}",
        form_urlencode(&relay)
    );
    let saml2 = match (&a.request, a.not_deflated) {
        (Some(r), false) => r.redirect_url(&entra_saml2(), a.relay_state.as_deref()),
        (Some(r), true) => format!(
            "{}?SAMLRequest={}&RelayState={}",
            entra_saml2(),
            form_urlencode(&b64(r.xml().as_bytes())),
            form_urlencode(&relay)
        ),
        (None, _) => format!("{}?RelayState={}", entra_saml2(), form_urlencode(&relay)),
    };
    if let Some(r) = &a.request {
        b.requests.push(r.clone());
    }

    // The portal sends the browser to the sign-in service, which sends the AuthnRequest.
    let mut ex = b.navigate("GET", &portal());
    b.redirect(&mut ex, &login_url, Server::Aws);
    b.push(ex, 142);
    let mut ex = b.follow();
    let csrf = b.token("aws-signin-csrf", 32);
    let ubid = format!("{}-{}", b.token("ubid", 8), b.token("ubid2", 12));
    ex.set_cookies = vec![
        Cookie::new("platform-ubid", &ubid, ".signin.aws")
            .expires(b.at + Duration::days(365))
            .lax(),
        Cookie::new(
            "aws-signin-csrf",
            &csrf,
            &format!("{IDC_REGION}.signin.aws"),
        )
        .lax(),
    ];
    b.redirect(&mut ex, &saml2, Server::Aws);
    b.push(ex, 188);

    // Entra: the sign-in page, or an error straight away.
    let mut ex = b.follow();
    let first = match &a.error {
        Some((Stage::Request, page)) => page.clone(),
        _ => Page::SignIn,
    };
    let slice = Cookie::new("x-ms-gateway-slice", "estsfd", LOGIN_HOST);
    let service = Cookie::new("stsservicecookie", "estsfd", LOGIN_HOST);
    let esctx = format!("PAQABBwEAAAB{}", b.token("esctx", 160));
    ex.set_cookies = vec![
        slice,
        service,
        Cookie::new("esctx", &esctx, ".login.microsoftonline.com"),
    ];
    b.entra_page(&mut ex, &first, "");
    b.push(ex, 231);
    if let Page::ErrorRedirect { .. } = first {
        let mut ex = b.follow();
        let page = match &a.error {
            Some((_, Page::ErrorRedirect { code, message })) => Page::Error {
                code: *code,
                message: message.clone(),
            },
            _ => unreachable!("an error redirect leads to its page"),
        };
        b.entra_page(&mut ex, &page, "");
        b.push(ex, 118);
        return;
    }
    if a.stop_after_request || matches!(first, Page::Error { .. }) {
        return;
    }
    let mut icon = b.request(
        "GET",
        &format!("{CDN}/shared/1.0/content/images/favicon_a_0ok3hutz4jdhnlqklfhyo2.ico"),
        Kind::Image,
    );
    icon.status = 200;
    icon.response_headers = vec![
        ("Content-Type".into(), "image/x-icon".into()),
        ("Content-Length".into(), favicon().size().to_string()),
        ("Cache-Control".into(), "public, max-age=31536000".into()),
        ("Access-Control-Allow-Origin".into(), "*".into()),
        ("Date".into(), http_date(b.at)),
    ];
    icon.response_body = Some(favicon());
    b.push(icon, 24);

    // The user types name and password.
    b.pause(4300);
    b.pii.push(a.user.clone());
    b.typed_password = true;
    let fields = vec![
        ("i13", "0".to_owned()),
        ("login", a.user.clone()),
        ("loginfmt", a.user.clone()),
        ("type", "11".to_owned()),
        ("LoginOptions", "3".to_owned()),
        ("passwd", PASSWORD.to_owned()),
        ("ps", "2".to_owned()),
        ("canary", b.canary.clone()),
        ("ctx", b.ctx.clone()),
        ("hpgrequestid", b.last_request_id()),
        ("flowToken", b.flow_token.clone()),
        ("NewUser", "1".to_owned()),
        ("fspost", "0".to_owned()),
        ("i21", "0".to_owned()),
        ("CookieDisclosure", "0".to_owned()),
        ("IsFidoSupported", "1".to_owned()),
        ("isSignupPost", "0".to_owned()),
        ("i19", "21581".to_owned()),
    ];
    let next = match &a.error {
        Some((Stage::Login, page)) => page.clone(),
        _ => Page::Mfa,
    };
    let url = format!("https://{LOGIN_HOST}/{TENANT}/login");
    let ex = b.form_post(&url, fields, None);
    let mut ex = ex;
    b.entra_page(&mut ex, &next, &a.user);
    b.push(ex, 412);
    if matches!(next, Page::Error { .. }) {
        return;
    }

    // MFA: push notification, polled, then the proof is posted.
    b.pause(600);
    let begin = b.sas("BeginAuth", None);
    b.push(begin, 380);
    b.pause(1900);
    let end = b.sas("EndAuth", Some(1));
    b.push(end, 310);
    let fields = vec![
        ("type", "22".to_owned()),
        ("request", b.ctx.clone()),
        ("mfaAuthMethod", "PhoneAppNotification".to_owned()),
        ("canary", b.canary.clone()),
        ("otc", String::new()),
        ("login", a.user.clone()),
        ("flowToken", b.flow_token.clone()),
        ("hpgrequestid", b.last_request_id()),
        ("sacxt", String::new()),
        ("hideSmsInMfaProofs", "false".to_owned()),
        ("i19", "3184".to_owned()),
    ];
    let next = match &a.error {
        Some((Stage::Mfa, page)) => page.clone(),
        _ => Page::Kmsi,
    };
    let url = format!("https://{LOGIN_HOST}/common/SAS/ProcessAuth");
    let script =
        format!("{CDN}/shared/1.0/content/js/ConvergedLogin_PCore_Ht3kzUj9VpgvB6h3pS0mPw2.js");
    let mut ex = b.form_post(&url, fields, Some(script));
    let auth = format!("0.AQ{}", b.token("ESTSAUTH", 300));
    let light = b.uuid("ESTSAUTHLIGHT");
    ex.set_cookies = vec![
        Cookie::new("ESTSAUTH", &auth, ".login.microsoftonline.com"),
        Cookie::new(
            "ESTSAUTHLIGHT",
            &format!("+{light}"),
            ".login.microsoftonline.com",
        )
        .script_readable(),
    ];
    b.entra_page(&mut ex, &next, &a.user);
    b.push(ex, 296);
    if matches!(next, Page::Error { .. }) {
        return;
    }

    // "Stay signed in?" — Yes.
    let fields = vec![
        ("LoginOptions", "1".to_owned()),
        ("type", "28".to_owned()),
        ("ctx", b.ctx.clone()),
        ("hpgrequestid", b.last_request_id()),
        ("flowToken", b.flow_token.clone()),
        ("canary", b.canary.clone()),
        ("i19", "1922".to_owned()),
    ];
    let next = match (&a.error, &a.response) {
        (Some((Stage::Kmsi, page)), _) => page.clone(),
        (_, Some(response)) => Page::Post {
            acs: a
                .request
                .as_ref()
                .and_then(|r| r.acs_url.clone())
                .unwrap_or_else(idc_acs),
            response: response.clone(),
            relay_state: a.posted_relay_state.clone(),
        },
        (_, None) => unreachable!("an attempt that gets this far ends with a response"),
    };
    let at = acs_post_time() - Duration::milliseconds(650);
    if b.at < at {
        b.set_time(at);
    }
    let url = format!("https://{LOGIN_HOST}/kmsi");
    let mut ex = b.form_post(&url, fields, None);
    let persistent = format!("1.AQ{}", b.token("ESTSAUTHPERSISTENT", 360));
    ex.set_cookies = vec![Cookie::new(
        "ESTSAUTHPERSISTENT",
        &persistent,
        ".login.microsoftonline.com",
    )
    .expires(b.at + Duration::days(90))];
    b.entra_page(&mut ex, &next, &a.user);
    b.push(ex, 274);
    if let Page::Post {
        acs,
        response,
        relay_state,
    } = next
    {
        acs_post(b, &acs, &response, relay_state.as_deref(), a.acs_answer);
    }
}

impl Builder {
    /// A form the user (or, with `script`, a page's script) submits from the current page.
    fn form_post(
        &mut self,
        url: &str,
        fields: Vec<(&str, String)>,
        script: Option<String>,
    ) -> Exchange {
        let page = self.page.clone();
        let mut ex = self.navigate("POST", url);
        ex.origin = page.as_deref().map(origin_of);
        if let Some(url) = script {
            ex.initiator = Initiator::Script {
                url,
                line: 0,
                column: 412_517,
            };
        }
        ex.body = Some(RequestBody::Form(
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ));
        ex
    }

    /// One of the MFA service's XHRs (`/common/SAS/BeginAuth` or `EndAuth`).
    fn sas(&mut self, method: &str, poll: Option<u32>) -> Exchange {
        let url = format!("https://{LOGIN_HOST}/common/SAS/{method}");
        let mut ex = self.request("POST", &url, Kind::Xhr);
        ex.origin = Some(format!("https://{LOGIN_HOST}"));
        ex.initiator = Initiator::Script {
            url: format!(
                "{CDN}/shared/1.0/content/js/ConvergedLogin_PCore_Ht3kzUj9VpgvB6h3pS0mPw2.js"
            ),
            line: 0,
            column: 388_104,
        };
        let client_request_id = self.uuid("client-request-id");
        ex.extra_headers = vec![
            ("canary".into(), self.canary.clone()),
            ("client-request-id".into(), client_request_id),
            ("hpgact".into(), "2000".into()),
            ("hpgid".into(), "1114".into()),
            ("hpgrequestid".into(), self.last_request_id()),
        ];
        let mut request = obj! {
            "AuthMethodId" => "PhoneAppNotification",
            "Method" => method,
            "ctx" => &self.ctx,
            "flowToken" => &self.flow_token,
        };
        if let Some(p) = poll {
            request = request.with("PollCount", p);
        }
        ex.body = Some(RequestBody::Json(
            serde_json::to_string(&request).expect("json"),
        ));
        let flow_token = {
            let t = format!("AQABIQEAAAB{}", self.token("sas-flowToken", 420));
            self.secret(t)
        };
        self.flow_token = flow_token.clone();
        let session = self.uuid("sas-session");
        let answer = obj! {
            "Success" => true,
            "ResultValue" => "Success",
            "Message" => J::Null,
            "AuthMethodId" => "PhoneAppNotification",
            "ErrCode" => 0u32,
            "Retry" => false,
            "FlowToken" => flow_token,
            "Ctx" => &self.ctx,
            "SessionId" => session,
            "CorrelationId" => &self.correlation,
            "Timestamp" => self.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "Entropy" => 0u32,
        };
        self.entra_json(&mut ex, serde_json::to_string(&answer).expect("json"));
        ex
    }
}

/// The browser posts the response to the ACS; Identity Center answers.
fn acs_post(
    b: &mut Builder,
    acs: &str,
    response: &str,
    relay_state: Option<&str>,
    answer: AcsAnswer,
) {
    if b.at < acs_post_time() {
        b.set_time(acs_post_time());
    }
    let mut fields = vec![("SAMLResponse", b64(response.as_bytes()))];
    if let Some(r) = relay_state {
        fields.push(("RelayState", r.to_owned()));
    }
    let page = b.page.clone().unwrap_or_default();
    let mut ex = b.form_post(acs, fields, Some(page));
    ex.initiator = match ex.initiator {
        Initiator::Script { url, .. } => Initiator::Script {
            url,
            line: 0,
            column: 1019,
        },
        other => other,
    };
    match answer {
        AcsAnswer::Portal => {
            let handle = b.uuid("workflowResultHandle");
            let to = format!("{}/#/?workflowResultHandle={handle}", portal());
            b.redirect(&mut ex, &to, Server::Aws);
            b.push(ex, 347);
            let mut ex = b.follow();
            let authn = format!(
                "eyJlbmMiOiJBMjU2R0NNIiwidGFnIjoi{}",
                b.token("x-amz-sso_authn", 380)
            );
            ex.set_cookies = vec![Cookie::new(
                "x-amz-sso_authn",
                &authn,
                &format!("{IDC_DIRECTORY}.awsapps.com"),
            )
            .expires(b.at + Duration::hours(8))
            .lax()];
            ex.status = 200;
            let html = concat!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
                "<title>AWS access portal</title>",
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
                "<script defer=\"defer\" src=\"/start/assets/main.4c1e9f3b.js\"></script>",
                "</head><body><noscript>You need to enable JavaScript to run this app.</noscript>",
                "<div id=\"root\"></div></body></html>"
            )
            .to_owned();
            ex.response_headers = vec![
                ("Content-Type".into(), "text/html".into()),
                ("Content-Length".into(), gzip_len(&html).to_string()),
                ("Date".into(), http_date(b.at)),
                ("Content-Encoding".into(), "gzip".into()),
                ("Cache-Control".into(), "no-cache".into()),
                (
                    "Strict-Transport-Security".into(),
                    "max-age=47304000; includeSubDomains".into(),
                ),
                ("X-Content-Type-Options".into(), "nosniff".into()),
            ];
            ex.response_body = Some(Body {
                mime_type: "text/html".into(),
                text: html,
                base64: false,
                gzip: true,
            });
            b.push(ex, 163);
        }
        AcsAnswer::Refused => {
            ex.status = 400;
            let html = concat!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
                "<title>Something went wrong</title></head><body>",
                "<h1>Something went wrong</h1>",
                "<p>We couldn't sign you in. Try again, or contact your administrator.</p>",
                "</body></html>"
            )
            .to_owned();
            ex.response_headers = vec![
                ("Content-Type".into(), "text/html;charset=UTF-8".into()),
                ("Content-Length".into(), html.len().to_string()),
                ("Date".into(), http_date(b.at)),
                (
                    "Cache-Control".into(),
                    "no-cache, no-store, must-revalidate".into(),
                ),
                ("X-Content-Type-Options".into(), "nosniff".into()),
            ];
            ex.response_body = Some(Body {
                mime_type: "text/html".into(),
                text: html,
                base64: false,
                gzip: false,
            });
            b.push(ex, 129);
        }
    }
}

/// The response Entra posts when it refuses a user after authenticating them (status
/// Requester/RequestDenied, StatusMessage AADSTS50105), unsigned and without an assertion, as
/// `responses/invalid/status-aadsts50105.xml`.
pub fn denied_response(keys: &Keys) -> String {
    let mut s = idc_response(&keys.active);
    s.signing = Signing::None;
    s.status_xml = Some(format!(
        concat!(
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode>"#,
            "<samlp:StatusMessage>AADSTS50105: {}\nTrace ID: 0f3c2b1a-5d4e-4f6a-9b8c-7d6e5f4a3b2c\nCorrelation ID: 7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\nTimestamp: 2026-11-27 09:00:00Z</samlp:StatusMessage></samlp:Status>"
        ),
        message(50105)
    ));
    s.response_xml("")
}

/// Entra's text for an AADSTS code in these flows (what follows `AADSTS<code>: `).
pub fn message(code: u32) -> String {
    let other_acs = idc_other_acs();
    match code {
        50011 => format!("The redirect URI '{other_acs}' specified in the request does not match the redirect URIs configured for the application '{APP_ID}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."),
        700016 => format!("Application with identifier '{}' was not found in the directory '{TENANT_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", other_issuer()),
        50105 => format!("Your administrator has configured the application {APP_NAME} ('{APP_ID}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{USER}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application."),
        75011 => format!("Authentication method 'Password, MultiFactor' by which the user authenticated with the service doesn't match requested authentication method 'Password, ProtectedTransport'. Contact the {APP_NAME} application owner."),
        750054 => "SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request for SAML Redirect binding.".into(),
        75005 => "The request is not a valid Saml2 protocol message.".into(),
        7500514 => "A supported type of SAML response was not found. The supported response types are 'Response' (in XML namespace 'urn:oasis:names:tc:SAML:2.0:protocol') or 'Assertion' (in XML namespace 'urn:oasis:names:tc:SAML:2.0:assertion').".into(),
        50107 => format!("The requested federation realm object '{}/' does not exist.", idc_audience()),
        90072 => format!("User account '{GUEST}' from identity provider 'https://sts.windows.net/{GUEST_TENANT}/' does not exist in tenant '{TENANT_NAME}' and cannot access the application '{APP_ID}'({APP_NAME}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account."),
        50020 => format!("User account '{MSA_USER}' from identity provider 'live.com' does not exist in tenant '{TENANT_NAME}' and cannot access the application '{APP_ID}'({APP_NAME}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account."),
        50034 => format!("The user account {MISTYPED_USER} does not exist in the {TENANT} directory. To sign into this application, the account must be added to the directory."),
        50126 => "Error validating credentials due to invalid username or password.".into(),
        50076 => format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{APP_ID}'."),
        53003 => "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.".into(),
        _ => "An error occurred.".into(),
    }
}

const GUEST: &str = "bob@fabrikam.com";
const GUEST_TENANT: &str = "8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d";
const MSA_USER: &str = "alice.example@outlook.com";
const MISTYPED_USER: &str = "alcie@contoso.com";

/// The Identifier a re-created Identity Center instance sends (another directory).
fn other_issuer() -> String {
    format!("https://{IDC_REGION}.signin.aws.amazon.com/platform/saml/d-90679f2e41")
}

fn flow_time(offset_ms: i64) -> DateTime<Utc> {
    capture_start() + Duration::milliseconds(offset_ms)
}

fn expect(aadsts: Option<u32>, request: bool, response: bool, shows: &'static str) -> Expect {
    Expect {
        aadsts,
        request,
        response,
        attempts: 1,
        shows,
    }
}

/// SP-initiated sign-in from the access portal, through password, MFA and "Stay signed in?",
/// into the portal.
pub fn success(keys: &Keys) -> Flow {
    let mut b = Builder::new("success", capture_start());
    let a = attempt(keys, &mut b, flow_time(212));
    sign_in(&mut b, &a);
    b.finish(expect(
        None,
        true,
        true,
        "a good SP-initiated sign-in: AuthnRequest, Entra sign-in with MFA, response posted to the ACS, the access portal",
    ))
}

/// IdP-initiated: My Apps (or the Entra "Test" button) sends the browser to Entra with no
/// AuthnRequest; the user already has an Entra session; the response has no InResponseTo.
pub fn idp_initiated(keys: &Keys) -> Flow {
    let mut b = Builder::new("idp-initiated", capture_start() + Duration::seconds(8));
    b.correlation = b.uuid("correlation");
    let auth = format!("0.AQ{}", b.token("ESTSAUTH", 300));
    b.store(Cookie::new("ESTSAUTH", &auth, ".login.microsoftonline.com"));
    let persistent = format!("1.AQ{}", b.token("ESTSAUTHPERSISTENT", 360));
    let until = b.at + Duration::days(60);
    b.store(
        Cookie::new(
            "ESTSAUTHPERSISTENT",
            &persistent,
            ".login.microsoftonline.com",
        )
        .expires(until),
    );
    let mut response = idc_response(&keys.active);
    response.in_response_to = None;
    let response = response.build();

    let launcher =
        format!("https://launcher.myapps.microsoft.com/api/signin/{APP_ID}?tenantId={TENANT}");
    let mut ex = b.navigate(
        "GET",
        &format!("https://myapps.microsoft.com/signin/{APP_ID}?tenantId={TENANT}"),
    );
    b.redirect(&mut ex, &launcher, Server::MyApps);
    ex.server_ip = server_ip("myapps.microsoft.com");
    b.push(ex, 121);
    let mut ex = b.follow();
    let idp = format!("https://{LOGIN_HOST}/{TENANT}/saml2/idpinitiated?appid={APP_ID}");
    b.redirect(&mut ex, &idp, Server::MyApps);
    b.push(ex, 156);
    let mut ex = b.follow();
    let page = Page::Post {
        acs: idc_acs(),
        response: response.clone(),
        relay_state: None,
    };
    b.set_time(acs_post_time() - Duration::milliseconds(420));
    b.entra_page(&mut ex, &page, USER);
    b.push(ex, 301);
    acs_post(&mut b, &idc_acs(), &response, None, AcsAnswer::Portal);
    b.finish(expect(
        None,
        false,
        true,
        "an IdP-initiated sign-in: no AuthnRequest, a response without InResponseTo",
    ))
}

/// An attempt that ends on Entra's error page with `code` at `stage`, after `edit` changed
/// the attempt.
fn entra_error(
    keys: &Keys,
    name: &'static str,
    code: u32,
    stage: Stage,
    edit: impl FnOnce(&mut Attempt),
    shows: &'static str,
) -> Flow {
    let mut b = Builder::new(name, capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    a.error = Some((
        stage,
        Page::Error {
            code,
            message: message(code),
        },
    ));
    a.response = None;
    edit(&mut a);
    let request = a.request.is_some();
    sign_in(&mut b, &a);
    b.finish(expect(Some(code), request, false, shows))
}

/// AADSTS50011: the request's AssertionConsumerServiceURL is not a Reply URL of the app.
pub fn aadsts50011(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50011",
        50011,
        Stage::Request,
        |a| {
            if let Some(r) = &mut a.request {
                r.acs_url = Some(idc_other_acs());
            }
        },
        "the request names an ACS URL Entra does not know (the app's Reply URL differs)",
    )
}

/// AADSTS700016: the request's Issuer is not the app's Identifier.
pub fn aadsts700016(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts700016",
        700016,
        Stage::Request,
        |a| {
            if let Some(r) = &mut a.request {
                r.issuer = Some(other_issuer());
            }
        },
        "the request's Issuer is not an Identifier of the Entra app",
    )
}

/// AADSTS50105: the user is not assigned to the app (shown on Entra's error page).
pub fn aadsts50105(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50105",
        50105,
        Stage::Kmsi,
        |_| {},
        "the user is not assigned to the app; Entra stops after sign-in",
    )
}

/// AADSTS75011: the request asks for PasswordProtectedTransport exactly; the user signed in
/// with MFA.
pub fn aadsts75011(keys: &Keys) -> Flow {
    entra_error(keys, "aadsts75011", 75011, Stage::Mfa, |a| {
        if let Some(r) = &mut a.request {
            r.requested_authn_context = Some(RequestedAuthnContext {
                comparison: "exact".into(),
                class_refs: vec!["urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into()],
            });
        }
    }, "the request's RequestedAuthnContext (PasswordProtectedTransport, exact) does not match how the user signed in")
}

/// AADSTS750054: the browser reached Entra's SAML endpoint without a SAMLRequest.
pub fn aadsts750054(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts750054",
        750054,
        Stage::Request,
        |a| {
            a.request = None;
        },
        "Entra's SAML endpoint reached without a SAMLRequest",
    )
}

/// AADSTS75005: the SAMLRequest is not a SAML 2.0 protocol message.
pub fn aadsts75005(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts75005",
        75005,
        Stage::Request,
        |a| {
            if let Some(r) = &mut a.request {
                r.protocol_ns = "urn:oasis:names:tc:SAML:1.0:protocol".into();
            }
        },
        "the SAMLRequest is not a SAML 2.0 protocol message",
    )
}

/// AADSTS7500514: a message that is no SAML response was posted to Entra.
pub fn aadsts7500514(_keys: &Keys) -> Flow {
    let mut b = Builder::new("aadsts7500514", capture_start());
    b.correlation = b.uuid("correlation");
    let relay = relay_state_for(&mut b);
    let logout = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="id-logout-5c4b3a29" Version="2.0" IssueInstant="{}" Destination="{}"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{}</saml:Issuer></samlp:LogoutRequest>"#,
        iso_millis(flow_time(212)),
        entra_saml2(),
        idc_audience()
    );
    let mut ex = b.navigate("GET", &portal());
    ex.status = 200;
    let html = format!(
        r#"<html><body><form method="post" action="{}"><input type="hidden" name="SAMLResponse" value="{}"/><input type="hidden" name="RelayState" value="{relay}"/></form><script>document.forms[0].submit()</script></body></html>"#,
        entra_saml2(),
        b64(logout.as_bytes())
    );
    ex.response_headers = vec![
        ("Content-Type".into(), "text/html".into()),
        ("Content-Length".into(), html.len().to_string()),
        ("Date".into(), http_date(b.at)),
    ];
    ex.response_body = Some(Body {
        mime_type: "text/html".into(),
        text: html,
        base64: false,
        gzip: false,
    });
    b.push(ex, 120);
    let fields = vec![
        ("SAMLResponse", b64(logout.as_bytes())),
        ("RelayState", relay),
    ];
    let page_url = portal();
    let mut ex = b.form_post(&entra_saml2(), fields, Some(page_url));
    let page = Page::Error {
        code: 7500514,
        message: message(7500514),
    };
    b.entra_page(&mut ex, &page, "");
    b.push(ex, 201);
    b.finish(expect(
        Some(7500514),
        false,
        false,
        "a SAML message that is no response (a LogoutRequest) posted to Entra as SAMLResponse",
    ))
}

/// AADSTS50107: the request's Issuer (the Identifier with a trailing slash) names no realm
/// object of the tenant.
pub fn aadsts50107(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50107",
        50107,
        Stage::Request,
        |a| {
            if let Some(r) = &mut a.request {
                r.issuer = Some(format!("{}/", idc_audience()));
            }
        },
        "the request's Issuer names a federation realm the tenant does not have",
    )
}

/// AADSTS90072: a guest from another tenant who was never invited.
pub fn aadsts90072(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts90072",
        90072,
        Stage::Login,
        |a| {
            a.user = GUEST.into();
        },
        "a user from another tenant who is not a guest of this one",
    )
}

/// AADSTS50020: a Microsoft account that is not a guest of the tenant.
pub fn aadsts50020(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50020",
        50020,
        Stage::Login,
        |a| {
            a.user = MSA_USER.into();
        },
        "a personal Microsoft account that is not a guest of the tenant",
    )
}

/// AADSTS50034: the user name does not exist in the directory.
pub fn aadsts50034(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50034",
        50034,
        Stage::Login,
        |a| {
            a.user = MISTYPED_USER.into();
        },
        "a user name that does not exist in the directory",
    )
}

/// AADSTS50126: wrong password.
pub fn aadsts50126(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50126",
        50126,
        Stage::Login,
        |_| {},
        "a wrong password",
    )
}

/// AADSTS50076: MFA is required and was not done.
pub fn aadsts50076(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts50076",
        50076,
        Stage::Login,
        |_| {},
        "multi-factor authentication required and not done",
    )
}

/// AADSTS53003: Conditional Access blocks the sign-in.
pub fn aadsts53003(keys: &Keys) -> Flow {
    entra_error(
        keys,
        "aadsts53003",
        53003,
        Stage::Mfa,
        |_| {},
        "a Conditional Access policy blocks the sign-in",
    )
}

/// An error reached through a redirect to `https://login.microsoftonline.com/error?code=N`.
pub fn error_redirect(keys: &Keys) -> Flow {
    let mut b = Builder::new("error-redirect", capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    a.error = Some((
        Stage::Request,
        Page::ErrorRedirect {
            code: 50105,
            message: message(50105),
        },
    ));
    a.response = None;
    sign_in(&mut b, &a);
    b.finish(expect(
        Some(50105),
        true,
        false,
        "an error reached through a redirect to /error?code=50105",
    ))
}

/// Entra posts a response whose Status is an error (AADSTS50105 in the StatusMessage) to the
/// ACS; Identity Center refuses it.
pub fn status_error(keys: &Keys) -> Flow {
    let mut b = Builder::new("status-error", capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    a.response = Some(denied_response(keys));
    a.acs_answer = AcsAnswer::Refused;
    sign_in(&mut b, &a);
    b.finish(expect(
        Some(50105),
        true,
        true,
        "an error in the SAML Status (AADSTS50105) posted to the ACS, and Identity Center's refusal",
    ))
}

/// The response answers another request (its InResponseTo is not this request's ID).
pub fn in_response_to_mismatch(keys: &Keys) -> Flow {
    let mut b = Builder::new("in-response-to-mismatch", capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    if let Some(r) = &mut a.request {
        r.id = "id-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d".into();
    }
    sign_in(&mut b, &a);
    b.finish(expect(
        None,
        true,
        true,
        "the response's InResponseTo names another request than the one sent",
    ))
}

/// Entra posts back another RelayState than the request carried.
pub fn relay_state_changed(keys: &Keys) -> Flow {
    let mut b = Builder::new("relay-state-changed", capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    a.posted_relay_state = Some("https://eu-west-1.console.aws.amazon.com/".into());
    sign_in(&mut b, &a);
    b.finish(expect(
        None,
        true,
        true,
        "the RelayState posted with the response differs from the request's",
    ))
}

/// Two attempts in one capture: AADSTS50011, then, after the Reply URL was fixed, a success.
pub fn two_attempts(keys: &Keys) -> Flow {
    let mut b = Builder::new("two-attempts", capture_start() - Duration::seconds(200));
    let mut first = attempt(
        keys,
        &mut b,
        capture_start() - Duration::seconds(200) + Duration::milliseconds(212),
    );
    if let Some(r) = &mut first.request {
        r.id = "id-2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f".into();
        r.acs_url = Some(idc_other_acs());
    }
    first.error = Some((
        Stage::Request,
        Page::Error {
            code: 50011,
            message: message(50011),
        },
    ));
    first.response = None;
    sign_in(&mut b, &first);
    b.set_time(capture_start());
    let second = attempt(keys, &mut b, flow_time(212));
    sign_in(&mut b, &second);
    let mut flow = b.finish(expect(
        Some(50011),
        true,
        true,
        "a failed attempt (AADSTS50011), then a good one after the Reply URL was fixed",
    ));
    flow.expect.attempts = 2;
    flow
}

/// The capture ends right after the request reached Entra ("Preserve log" was off and the page
/// navigated away).
pub fn stopped_after_request(keys: &Keys) -> Flow {
    let mut b = Builder::new("stopped-after-request", capture_start());
    let mut a = attempt(keys, &mut b, flow_time(212));
    a.stop_after_request = true;
    a.response = None;
    sign_in(&mut b, &a);
    b.finish(expect(
        None,
        true,
        false,
        "a capture that stops after the AuthnRequest (Preserve log off)",
    ))
}

/// Every flow with its name.
pub fn all(keys: &Keys) -> Vec<(&'static str, Flow)> {
    vec![
        ("success", success(keys)),
        ("idp-initiated", idp_initiated(keys)),
        ("aadsts50011", aadsts50011(keys)),
        ("aadsts700016", aadsts700016(keys)),
        ("aadsts50105", aadsts50105(keys)),
        ("aadsts75011", aadsts75011(keys)),
        ("aadsts750054", aadsts750054(keys)),
        ("aadsts75005", aadsts75005(keys)),
        ("aadsts7500514", aadsts7500514(keys)),
        ("aadsts50107", aadsts50107(keys)),
        ("aadsts90072", aadsts90072(keys)),
        ("aadsts50020", aadsts50020(keys)),
        ("aadsts50034", aadsts50034(keys)),
        ("aadsts50126", aadsts50126(keys)),
        ("aadsts50076", aadsts50076(keys)),
        ("aadsts53003", aadsts53003(keys)),
        ("error-redirect", error_redirect(keys)),
        ("status-error", status_error(keys)),
        ("in-response-to-mismatch", in_response_to_mismatch(keys)),
        ("relay-state-changed", relay_state_changed(keys)),
        ("two-attempts", two_attempts(keys)),
        ("stopped-after-request", stopped_after_request(keys)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Writers.

/// The browser whose developer tools saved a HAR file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    Chrome,
    Edge,
    Firefox,
    Safari,
}

/// Whether response bodies were saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    With,
    Without,
}

impl Browser {
    fn chromium(self) -> bool {
        matches!(self, Browser::Chrome | Browser::Edge)
    }

    fn user_agent(self) -> &'static str {
        match self {
            Browser::Chrome => "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
            Browser::Edge => "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
            Browser::Firefox => "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
            Browser::Safari => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
        }
    }

    fn accept(self, kind: Kind) -> &'static str {
        match (kind, self.chromium()) {
            (Kind::Document, true) => "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            (Kind::Document, false) => "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            (Kind::Xhr, _) => "application/json",
            (Kind::Image, true) => "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
            (Kind::Image, false) => "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
        }
    }

    fn client_hints(self) -> &'static str {
        match self {
            Browser::Edge => {
                r#""Chromium";v="142", "Microsoft Edge";v="142", "Not_A Brand";v="99""#
            }
            _ => r#""Chromium";v="142", "Google Chrome";v="142", "Not_A Brand";v="99""#,
        }
    }
}

/// The request headers a browser sent, with canonical names, in no particular order.
fn sent_headers(ex: &Exchange, browser: Browser) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| h.push((k.to_owned(), v));
    let doc = ex.kind == Kind::Document;
    add("Accept", browser.accept(ex.kind).to_owned());
    add(
        "Accept-Encoding",
        if browser == Browser::Safari {
            "gzip, deflate, br"
        } else {
            "gzip, deflate, br, zstd"
        }
        .to_owned(),
    );
    add(
        "Accept-Language",
        if browser == Browser::Firefox {
            "en-US,en;q=0.5"
        } else {
            "en-US,en;q=0.9"
        }
        .to_owned(),
    );
    if let Some(body) = &ex.body {
        add("Content-Type", body.content_type().to_owned());
        add("Content-Length", body.text().len().to_string());
    }
    if !ex.cookies.is_empty() {
        let jar: Vec<String> = ex
            .cookies
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        add("Cookie", jar.join("; "));
    }
    if let Some(o) = &ex.origin {
        add("Origin", o.clone());
    }
    if let Some(r) = &ex.referer {
        add("Referer", r.clone());
    }
    let (dest, mode) = match ex.kind {
        Kind::Document => ("document", "navigate"),
        Kind::Xhr => ("empty", "cors"),
        Kind::Image => ("image", "no-cors"),
    };
    add("Sec-Fetch-Dest", dest.to_owned());
    add("Sec-Fetch-Mode", mode.to_owned());
    add("Sec-Fetch-Site", ex.fetch_site.to_owned());
    if doc && ex.initiator == Initiator::Other {
        add("Sec-Fetch-User", "?1".to_owned());
    }
    if doc {
        add("Upgrade-Insecure-Requests", "1".to_owned());
    }
    add("User-Agent", browser.user_agent().to_owned());
    add("Priority", if doc { "u=0, i" } else { "u=1, i" }.to_owned());
    if browser.chromium() {
        add("sec-ch-ua", browser.client_hints().to_owned());
        add("sec-ch-ua-mobile", "?0".to_owned());
        add("sec-ch-ua-platform", "\"Windows\"".to_owned());
    }
    if browser == Browser::Firefox {
        add("Host", host_of(&ex.url).to_owned());
    }
    h.extend(ex.extra_headers.iter().cloned());
    h
}

/// Puts `headers` in the order `order` names (others after, as they came).
fn ordered(mut headers: Vec<(String, String)>, order: &[&str]) -> Vec<(String, String)> {
    let rank = |name: &str| {
        order
            .iter()
            .position(|o| o.eq_ignore_ascii_case(name))
            .unwrap_or(order.len())
    };
    headers.sort_by_key(|(k, _)| rank(k));
    headers
}

/// The request headers as `browser` writes them in a HAR file.
fn har_request_headers(ex: &Exchange, browser: Browser) -> Vec<(String, String)> {
    let sent = sent_headers(ex, browser);
    match browser {
        // HTTP/2: lower-case names, the pseudo-headers first, the rest sorted.
        Browser::Chrome | Browser::Edge => {
            let mut h: Vec<(String, String)> = sent
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            h.sort();
            let mut out = vec![
                (":authority".to_owned(), host_of(&ex.url).to_owned()),
                (":method".to_owned(), ex.method.to_owned()),
                (":path".to_owned(), path_of(&ex.url)),
                (":scheme".to_owned(), "https".to_owned()),
            ];
            out.extend(h);
            out
        }
        // Gecko's own names, in the order it sends them.
        Browser::Firefox => ordered(
            sent,
            &[
                "Host",
                "User-Agent",
                "Accept",
                "Accept-Language",
                "Accept-Encoding",
                "canary",
                "client-request-id",
                "hpgact",
                "hpgid",
                "hpgrequestid",
                "Content-Type",
                "Content-Length",
                "Origin",
                "Referer",
                "Cookie",
                "Upgrade-Insecure-Requests",
                "Sec-Fetch-Dest",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Site",
                "Sec-Fetch-User",
                "Priority",
            ],
        ),
        // WebKit's header map, in its own order.
        Browser::Safari => ordered(
            sent,
            &[
                "Accept",
                "Content-Type",
                "Origin",
                "Sec-Fetch-Site",
                "Cookie",
                "Sec-Fetch-Dest",
                "Accept-Language",
                "Sec-Fetch-Mode",
                "Content-Length",
                "User-Agent",
                "Referer",
                "Upgrade-Insecure-Requests",
                "Accept-Encoding",
                "Priority",
            ],
        ),
    }
}

/// The response headers as received, `Set-Cookie` one per cookie after the others.
fn received_headers(ex: &Exchange) -> Vec<(String, String)> {
    let mut h = ex.response_headers.clone();
    h.extend(
        ex.set_cookies
            .iter()
            .map(|c| ("Set-Cookie".to_owned(), c.set_cookie_header())),
    );
    h
}

fn har_response_headers(ex: &Exchange, browser: Browser) -> Vec<(String, String)> {
    let h = received_headers(ex);
    match browser {
        // HTTP/2 names as received: lower case.
        Browser::Chrome | Browser::Edge | Browser::Firefox => h
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        // WebKit keeps one value per name: repeated Set-Cookie headers are joined with ", ".
        Browser::Safari => {
            let mut out: Vec<(String, String)> = Vec::new();
            for (k, v) in h {
                match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&k)) {
                    Some((_, existing)) => {
                        existing.push_str(", ");
                        existing.push_str(&v);
                    }
                    None => out.push((k, v)),
                }
            }
            out
        }
    }
}

fn name_values(pairs: &[(String, String)]) -> J {
    J::Arr(
        pairs
            .iter()
            .map(|(k, v)| obj! { "name" => k, "value" => v })
            .collect(),
    )
}

fn headers_size(pairs: &[(String, String)], first_line: usize) -> usize {
    first_line
        + 2
        + pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>()
}

fn expires_json(c: &Cookie) -> J {
    c.expires.map(iso_millis).into()
}

fn chrome_cookie(c: &Cookie) -> J {
    let j = obj! {
        "name" => &c.name,
        "value" => &c.value,
        "path" => &c.path,
        "domain" => &c.domain,
        "expires" => expires_json(c),
        "httpOnly" => c.http_only,
        "secure" => c.secure,
    };
    match c.same_site {
        Some(s) => j.with("sameSite", s),
        None => j,
    }
}

fn safari_response_cookie(c: &Cookie) -> J {
    let j = obj! {
        "name" => &c.name,
        "value" => &c.value,
        "path" => &c.path,
        "domain" => &c.domain,
        "expires" => c.expires.map(iso_millis).unwrap_or_default(),
        "httpOnly" => c.http_only,
        "secure" => c.secure,
    };
    match c.same_site {
        Some(s) if s != "None" => j.with("sameSite", s),
        _ => j,
    }
}

fn name_value_cookie(c: &Cookie) -> J {
    obj! { "name" => &c.name, "value" => &c.value }
}

/// Query parameters as written in the URL (Chromium) or percent-decoded (Firefox, Safari).
fn query_json(url: &str, decoded: bool) -> J {
    let pairs: Vec<(String, String)> = raw_query(url)
        .into_iter()
        .map(|(k, v)| {
            if decoded {
                (form_decode(&k), form_decode(&v))
            } else {
                (k, v)
            }
        })
        .collect();
    name_values(&pairs)
}

/// Form fields as sent (Chromium) or decoded (Firefox, Safari).
fn form_params(body: &RequestBody, decoded: bool) -> Option<J> {
    let RequestBody::Form(_) = body else {
        return None;
    };
    let text = body.text();
    let pairs: Vec<(String, String)> = text
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            if decoded {
                (form_decode(k), form_decode(v))
            } else {
                (k.to_owned(), v.to_owned())
            }
        })
        .collect();
    Some(name_values(&pairs))
}

/// Timings in hundredths of a millisecond: blocked, dns, connect, ssl, send, wait, receive.
struct Timings {
    blocked: i64,
    dns: i64,
    connect: i64,
    ssl: i64,
    send: i64,
    wait: i64,
    receive: i64,
}

impl Timings {
    fn of(ex: &Exchange, index: usize, new_connection: bool) -> Self {
        let blocked = 150 + (index as i64 % 7) * 25;
        let (dns, connect, ssl) = if new_connection {
            (1250, 3600, 2350)
        } else {
            (-100, -100, -100)
        };
        let send = 25;
        let receive = if ex.response_body.is_some() { 350 } else { 75 };
        let used = blocked + dns.max(0) + connect.max(0) + send + receive;
        let wait = (i64::from(ex.duration_ms) * 100 - used).max(500);
        Timings {
            blocked,
            dns,
            connect,
            ssl,
            send,
            wait,
            receive,
        }
    }

    /// The entry's `time`: everything but `ssl`, which `connect` includes.
    fn total(&self) -> i64 {
        self.blocked + self.dns.max(0) + self.connect.max(0) + self.send + self.wait + self.receive
    }

    fn unused_as_zero(v: i64) -> i64 {
        v.max(0)
    }
}

/// For each exchange: does it open a new connection (the first to its host)?
fn new_connections(flow: &Flow) -> Vec<bool> {
    let mut seen: Vec<&str> = Vec::new();
    flow.exchanges
        .iter()
        .map(|ex| {
            let host = host_of(&ex.url);
            let first = !seen.contains(&host);
            if first {
                seen.push(host);
            }
            first
        })
        .collect()
}

fn connection_id(flow: &Flow, ex: &Exchange) -> String {
    let mut hosts: Vec<&str> = Vec::new();
    for e in &flow.exchanges {
        let h = host_of(&e.url);
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    let index = hosts
        .iter()
        .position(|h| *h == host_of(&ex.url))
        .unwrap_or(0);
    (183_407 + index * 4_391).to_string()
}

/// Chrome's pages: one per main-frame navigation, its redirects included, titled with the URL
/// the navigation ended at.
fn chrome_pages(flow: &Flow) -> (Vec<J>, Vec<usize>) {
    let mut pages: Vec<(usize, usize)> = Vec::new(); // (first exchange, final document)
    let mut page_of = Vec::new();
    let mut in_redirect = false;
    for (i, ex) in flow.exchanges.iter().enumerate() {
        if ex.kind == Kind::Document {
            if !in_redirect || pages.is_empty() {
                pages.push((i, i));
            }
            let last = pages.len() - 1;
            pages[last].1 = i;
            in_redirect = ex.is_redirect();
        }
        page_of.push(pages.len().saturating_sub(1));
    }
    let json = pages
        .iter()
        .enumerate()
        .map(|(n, (first, last))| {
            let start = flow.exchanges[*first].started;
            let end = &flow.exchanges[*last];
            let loaded =
                (end.started - start).num_milliseconds() * 100 + i64::from(end.duration_ms) * 100;
            obj! {
                "startedDateTime" => iso_millis(start),
                "id" => format!("page_{}", n + 1),
                "title" => without_fragment(&end.url),
                "pageTimings" => obj! {
                    "onContentLoad" => J::Hundredths(loaded + 8_425),
                    "onLoad" => J::Hundredths(loaded + 21_790),
                },
            }
        })
        .collect();
    (json, page_of)
}

fn document_title(flow: &Flow) -> String {
    flow.exchanges
        .iter()
        .rev()
        .filter(|e| e.kind == Kind::Document)
        .find_map(|e| {
            let text = &e.response_body.as_ref()?.text;
            let start = text.find("<title>")? + "<title>".len();
            let end = text[start..].find("</title>")? + start;
            Some(text[start..end].to_owned())
        })
        .unwrap_or_default()
}

fn last_document(flow: &Flow) -> Option<&Exchange> {
    flow.exchanges
        .iter()
        .rev()
        .find(|e| e.kind == Kind::Document)
}

fn firefox_time(t: DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(FIREFOX_OFFSET_HOURS * 3600).expect("offset");
    t.with_timezone(&offset)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// The flow as `browser`'s developer tools save it ("Export HAR" / "Save All As HAR"), with
/// or without response bodies. The JSON text, pretty-printed with two spaces as they write it.
pub fn har(flow: &Flow, browser: Browser, content: Content) -> String {
    let log = match browser {
        Browser::Chrome | Browser::Edge => chrome_log(flow, browser, content),
        Browser::Firefox => firefox_log(flow, content),
        Browser::Safari => safari_log(flow, content),
    };
    pretty(&obj! { "log" => log })
}

fn chrome_log(flow: &Flow, browser: Browser, content: Content) -> J {
    let (pages, page_of) = chrome_pages(flow);
    let fresh = new_connections(flow);
    let entries: Vec<J> = flow
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, ex)| {
            let url = without_fragment(&ex.url);
            let req_headers = har_request_headers(ex, browser);
            let resp_headers = har_response_headers(ex, browser);
            let initiator = match &ex.initiator {
                Initiator::Other => obj! { "type" => "other" },
                Initiator::Script { url, line, column } => obj! {
                    "type" => "script",
                    "stack" => obj! {
                        "callFrames" => vec![obj! {
                            "functionName" => "",
                            "scriptId" => (12 + i).to_string(),
                            "url" => url,
                            "lineNumber" => *line,
                            "columnNumber" => *column,
                        }],
                    },
                },
            };
            let (priority, resource_type) = match ex.kind {
                Kind::Document => ("VeryHigh", "document"),
                Kind::Xhr => ("High", "xhr"),
                Kind::Image => ("Low", "image"),
            };
            let mut request = obj! {
                "method" => ex.method,
                "url" => url,
                "httpVersion" => "http/2.0",
                "headers" => name_values(&req_headers),
                "queryString" => query_json(url, false),
                "cookies" => J::Arr(ex.cookies.iter().map(chrome_cookie).collect()),
                "headersSize" => -1i64,
                "bodySize" => ex.body.as_ref().map_or(0, |b| b.text().len()),
            };
            if let Some(body) = &ex.body {
                let mut post = obj! {
                    "mimeType" => body.content_type(),
                    "text" => body.text(),
                };
                if let Some(params) = form_params(body, false) {
                    post = post.with("params", params);
                }
                request = request.with("postData", post);
            }
            let mut c = obj! {
                "size" => ex.response_body.as_ref().map_or(0, Body::size),
                "mimeType" => ex.response_body.as_ref().map_or("x-unknown", |b| b.mime_type.as_str()),
            };
            if let (Some(body), Content::With) = (&ex.response_body, content) {
                c = c.with("text", &body.text);
                if body.base64 {
                    c = c.with("encoding", "base64");
                }
            }
            let transfer = headers_size(&resp_headers, 0)
                + ex.response_body.as_ref().map_or(0, Body::encoded_size);
            let response = obj! {
                "status" => ex.status,
                "statusText" => "",
                "httpVersion" => "http/2.0",
                "headers" => name_values(&resp_headers),
                "cookies" => J::Arr(ex.set_cookies.iter().map(chrome_cookie).collect()),
                "content" => c,
                "redirectURL" => ex.location().unwrap_or(""),
                "headersSize" => -1i64,
                "bodySize" => -1i64,
                "_transferSize" => transfer,
                "_error" => J::Null,
                "_fetchedViaServiceWorker" => false,
            };
            let t = Timings::of(ex, i, fresh[i]);
            let timings = obj! {
                "blocked" => J::Hundredths(t.blocked),
                "dns" => J::Hundredths(t.dns),
                "ssl" => J::Hundredths(t.ssl),
                "connect" => J::Hundredths(t.connect),
                "send" => J::Hundredths(t.send),
                "wait" => J::Hundredths(t.wait),
                "receive" => J::Hundredths(t.receive),
                "_blocked_queueing" => J::Hundredths(t.blocked - 40),
                "_workerStart" => -1i64,
                "_workerReady" => -1i64,
                "_workerFetchStart" => -1i64,
                "_workerRespondWithSettled" => -1i64,
            };
            obj! {
                "_connectionId" => connection_id(flow, ex),
                "_initiator" => initiator,
                "_priority" => priority,
                "_resourceType" => resource_type,
                "cache" => obj! {},
                "connection" => "443",
                "pageref" => format!("page_{}", page_of[i] + 1),
                "request" => request,
                "response" => response,
                "serverIPAddress" => ex.server_ip,
                "startedDateTime" => iso_millis(ex.started),
                "time" => J::Hundredths(t.total()),
                "timings" => timings,
            }
        })
        .collect();
    obj! {
        "version" => "1.2",
        "creator" => obj! { "name" => "WebInspector", "version" => "537.36" },
        "pages" => J::Arr(pages),
        "entries" => J::Arr(entries),
    }
}

fn firefox_log(flow: &Flow, content: Content) -> J {
    let fresh = new_connections(flow);
    let browser = Browser::Firefox;
    let entries: Vec<J> = flow
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, ex)| {
            let url = without_fragment(&ex.url);
            let req_headers = har_request_headers(ex, browser);
            let resp_headers = har_response_headers(ex, browser);
            let post = match &ex.body {
                Some(body) => obj! {
                    "mimeType" => body.content_type(),
                    "params" => form_params(body, true).unwrap_or(J::Arr(Vec::new())),
                    "text" => body.text(),
                },
                None => obj! { "mimeType" => "", "params" => J::Arr(Vec::new()), "text" => "" },
            };
            let request_line = ex.method.len() + url.len() + 10;
            let request = obj! {
                "bodySize" => ex.body.as_ref().map_or(0, |b| b.text().len()),
                "method" => ex.method,
                "url" => url,
                "httpVersion" => "HTTP/2",
                "headers" => name_values(&req_headers),
                "cookies" => J::Arr(ex.cookies.iter().map(name_value_cookie).collect()),
                "queryString" => query_json(url, true),
                "postData" => post,
                "headersSize" => headers_size(&req_headers, request_line),
            };
            let content_type = ex
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map_or("", |(_, v)| v.as_str());
            let mut c = obj! {
                "mimeType" => content_type,
                "size" => ex.response_body.as_ref().map_or(0, Body::size),
            };
            if ex.response_body.as_ref().is_some_and(|b| b.base64) {
                c = c.with("encoding", "base64");
            }
            match (content, &ex.response_body) {
                (Content::Without, _) => c = c.with("comment", "Response bodies are not included."),
                (Content::With, Some(body)) => c = c.with("text", &body.text),
                (Content::With, None) => c = c.with("text", ""),
            }
            let head = headers_size(&resp_headers, 15);
            let response = obj! {
                "status" => ex.status,
                "statusText" => ex.status_text(),
                "httpVersion" => "HTTP/2",
                "headers" => name_values(&resp_headers),
                "cookies" => J::Arr(ex.set_cookies.iter().map(name_value_cookie).collect()),
                "content" => c,
                "redirectURL" => ex.location().unwrap_or(""),
                "headersSize" => head,
                "bodySize" => head + ex.response_body.as_ref().map_or(0, Body::encoded_size),
            };
            let t = Timings::of(ex, i, fresh[i]);
            let z = Timings::unused_as_zero;
            obj! {
                "pageref" => "page_1",
                "startedDateTime" => firefox_time(ex.started),
                "time" => J::Hundredths(t.total()),
                "request" => request,
                "response" => response,
                "cache" => obj! {},
                "timings" => obj! {
                    "blocked" => J::Hundredths(t.blocked),
                    "dns" => J::Hundredths(z(t.dns)),
                    "connect" => J::Hundredths(z(t.connect)),
                    "ssl" => J::Hundredths(z(t.ssl)),
                    "send" => J::Hundredths(t.send),
                    "wait" => J::Hundredths(t.wait),
                    "receive" => J::Hundredths(t.receive),
                },
                "serverIPAddress" => ex.server_ip,
                "connection" => "443",
            }
        })
        .collect();
    let start = flow
        .exchanges
        .first()
        .map(|e| firefox_time(e.started))
        .unwrap_or_default();
    obj! {
        "version" => "1.2",
        "creator" => obj! { "name" => "Firefox", "version" => "145.0" },
        "browser" => obj! { "name" => "Firefox", "version" => "145.0" },
        "pages" => vec![obj! {
            "startedDateTime" => start,
            "id" => "page_1",
            "title" => document_title(flow),
            "pageTimings" => obj! { "onContentLoad" => -1i64, "onLoad" => -1i64 },
        }],
        "entries" => J::Arr(entries),
    }
}

fn safari_log(flow: &Flow, content: Content) -> J {
    let fresh = new_connections(flow);
    let browser = Browser::Safari;
    let entries: Vec<J> = flow
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, ex)| {
            let url = without_fragment(&ex.url);
            let req_headers = har_request_headers(ex, browser);
            let resp_headers = har_response_headers(ex, browser);
            let mut request = obj! {
                "method" => ex.method,
                "url" => url,
                "httpVersion" => "HTTP/2",
                "cookies" => J::Arr(ex.cookies.iter().map(name_value_cookie).collect()),
                "headers" => name_values(&req_headers),
                "queryString" => query_json(url, true),
                "headersSize" => headers_size(&req_headers, 0),
                "bodySize" => ex.body.as_ref().map_or(0, |b| b.text().len()),
            };
            if let Some(body) = &ex.body {
                request = request.with(
                    "postData",
                    obj! {
                        "mimeType" => body.content_type(),
                        "text" => body.text(),
                        "params" => form_params(body, true).unwrap_or(J::Arr(Vec::new())),
                    },
                );
            }
            let size = ex.response_body.as_ref().map_or(0, Body::size);
            let encoded = ex.response_body.as_ref().map_or(0, Body::encoded_size);
            let mut c = obj! {
                "size" => size,
                "compression" => size as i64 - encoded as i64,
                "mimeType" => ex.response_body.as_ref().map_or("x-unknown", |b| b.mime_type.as_str()),
            };
            if let (Some(body), Content::With) = (&ex.response_body, content) {
                c = c.with("text", &body.text);
                if body.base64 {
                    c = c.with("encoding", "base64");
                }
            }
            let head = headers_size(&resp_headers, 0);
            let response = obj! {
                "status" => ex.status,
                "statusText" => ex.status_text(),
                "httpVersion" => "HTTP/2",
                "cookies" => J::Arr(ex.set_cookies.iter().map(safari_response_cookie).collect()),
                "headers" => name_values(&resp_headers),
                "content" => c,
                "redirectURL" => ex.location().unwrap_or(""),
                "headersSize" => head,
                "bodySize" => encoded,
                "_transferSize" => head + encoded,
            };
            let t = Timings::of(ex, i, fresh[i]);
            obj! {
                "pageref" => "page_0",
                "startedDateTime" => iso_millis(ex.started),
                "time" => J::Hundredths(t.total()),
                "request" => request,
                "response" => response,
                "cache" => obj! {},
                "timings" => obj! {
                    "blocked" => J::Hundredths(t.blocked),
                    "dns" => J::Hundredths(t.dns),
                    "connect" => J::Hundredths(t.connect),
                    "ssl" => J::Hundredths(t.ssl),
                    "send" => J::Hundredths(t.send),
                    "wait" => J::Hundredths(t.wait),
                    "receive" => J::Hundredths(t.receive),
                },
                "serverIPAddress" => ex.server_ip,
                "connection" => connection_id(flow, ex),
                "_fetchType" => "Network Load",
            }
        })
        .collect();
    let main = last_document(flow);
    obj! {
        "version" => "1.2",
        "creator" => obj! { "name" => "WebKit Web Inspector", "version" => "21622.2.11.11.6" },
        "pages" => vec![obj! {
            "startedDateTime" => main.map(|e| iso_millis(e.started)).unwrap_or_default(),
            "id" => "page_0",
            "title" => main.map(|e| without_fragment(&e.url).to_owned()).unwrap_or_default(),
            "pageTimings" => obj! {
                "onContentLoad" => J::Hundredths(41_275),
                "onLoad" => J::Hundredths(66_830),
            },
        }],
        "entries" => J::Arr(entries),
    }
}

// ---------------------------------------------------------------------------------------------
// SAML-tracer.

/// SAML-tracer's export filters ("cookie-filter profile").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mask {
    /// No filtering.
    None,
    /// POST values and cookie values replaced by `{hash:<SHA-256 hex>}`, `postData` by
    /// `{overwritten}`.
    Hash,
    /// The same with `{obf:alternative_N}`, N numbering distinct values in order.
    Obfuscate,
}

/// Request headers as Chrome's webRequest API hands them to the extension.
fn tracer_request_headers(ex: &Exchange) -> Vec<(String, String)> {
    let sent = sent_headers(ex, Browser::Chrome)
        .into_iter()
        .filter(|(k, _)| k != "Priority")
        .collect();
    ordered(
        sent,
        &[
            "sec-ch-ua",
            "sec-ch-ua-mobile",
            "sec-ch-ua-platform",
            "Upgrade-Insecure-Requests",
            "Origin",
            "Content-Type",
            "Content-Length",
            "User-Agent",
            "Accept",
            "Sec-Fetch-Site",
            "Sec-Fetch-Mode",
            "Sec-Fetch-User",
            "Sec-Fetch-Dest",
            "Referer",
            "Accept-Encoding",
            "Accept-Language",
            "Cookie",
        ],
    )
}

/// `decodeURIComponent` after replacing the first `+` only, as SAML-tracer does for GET
/// parameters.
fn tracer_decode(value: &str) -> String {
    percent_decode(&value.replacen('+', " ", 1))
}

fn tracer_inflate(value: &str) -> Option<String> {
    use std::io::Read;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.split_whitespace().collect::<String>())
        .ok()?;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&bytes[..])
        .read_to_string(&mut out)
        .ok()?;
    Some(out)
}

fn tracer_base64(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.split_whitespace().collect::<String>())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The flow as SAML-tracer (in Chrome) exports it, unfiltered.
pub fn saml_tracer(flow: &Flow) -> String {
    saml_tracer_masked(flow, Mask::None)
}

/// The flow as SAML-tracer exports it with the chosen filter.
pub fn saml_tracer_masked(flow: &Flow, mask: Mask) -> String {
    let mut masker = Masker {
        mask,
        seen: Vec::new(),
    };
    let requests: Vec<J> = flow
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, ex)| {
            let url = without_fragment(&ex.url);
            let mut headers = tracer_request_headers(ex);
            let mut r = obj! {
                "method" => ex.method,
                "url" => url,
                "requestId" => (41_876 + 3 * i).to_string(),
                "requestHeaders" => J::Null,
            };
            let mut get: Option<Vec<(String, String)>> = None;
            let mut post: Option<Vec<(String, String)>> = None;
            if ex.method == "GET" {
                let pairs: Vec<(String, String)> = raw_query(url)
                    .into_iter()
                    .map(|(k, v)| (tracer_decode(&k), tracer_decode(&v)))
                    .collect();
                r = r.with(
                    "get",
                    J::Arr(
                        pairs
                            .iter()
                            .map(|(k, v)| J::Arr(vec![k.into(), v.into()]))
                            .collect(),
                    ),
                );
                get = Some(pairs);
            }
            if let Some(RequestBody::Form(fields)) = &ex.body {
                let mut form: Vec<(String, J)> = Vec::new();
                for (k, v) in fields {
                    match form.iter_mut().find(|(n, _)| n == k) {
                        Some((_, J::Arr(values))) => values.push(v.into()),
                        _ => form.push((k.clone(), J::Arr(vec![v.into()]))),
                    }
                }
                r = r.with("postData", J::Obj(form));
                r = r.with(
                    "post",
                    J::Arr(
                        fields
                            .iter()
                            .map(|(k, v)| J::Arr(vec![k.into(), v.into()]))
                            .collect(),
                    ),
                );
                post = Some(fields.clone());
            }
            let saml_names = ["SAMLRequest", "SAMLResponse", "SAMLart"];
            let has = |c: &Option<Vec<(String, String)>>| {
                c.as_ref()
                    .is_some_and(|p| p.iter().any(|(k, _)| saml_names.contains(&k.as_str())))
            };
            if has(&get) || has(&post) {
                r = r.with("protocol", "SAML-P");
                let find = |c: &Option<Vec<(String, String)>>, name: &str| {
                    c.as_ref()
                        .and_then(|p| p.iter().find(|(k, _)| k == name))
                        .map(|(_, v)| v.clone())
                };
                // SAML-tracer tries these in order, setting its field each time (to null when
                // absent) until one yields a value.
                let queries: [(&str, bool, &str); 6] = [
                    ("SAMLRequest", true, "saml"),
                    ("SAMLResponse", true, "saml"),
                    ("SAMLart", true, "samlart"),
                    ("SAMLRequest", false, "saml"),
                    ("SAMLResponse", false, "saml"),
                    ("SAMLart", false, "samlart"),
                ];
                for (name, in_get, field) in queries {
                    let found = find(if in_get { &get } else { &post }, name);
                    let value = match (found, name, in_get) {
                        (None, _, _) => None,
                        (Some(v), "SAMLart", _) => Some(v),
                        (Some(v), _, true) => tracer_inflate(&v),
                        (Some(v), _, false) => tracer_base64(&v),
                    };
                    let done = value.is_some();
                    r.set(field, value);
                    if done {
                        break;
                    }
                }
            }
            let mut response_headers = received_headers(ex)
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect::<Vec<_>>();
            masker.apply(&mut r, &mut headers, &mut response_headers);
            r.set("requestHeaders", name_values(&headers));
            r.with("responseStatus", ex.status)
                .with("responseStatusText", format!("HTTP/1.1 {}", ex.status))
                .with("responseHeaders", name_values(&response_headers))
        })
        .collect();
    let end = flow.exchanges.last().map_or(capture_start(), |e| {
        e.started + Duration::milliseconds(i64::from(e.duration_ms))
    }) + Duration::milliseconds(5_214);
    pretty(&obj! {
        "requests" => J::Arr(requests),
        "timestamp" => iso_millis(end),
    })
}

struct Masker {
    mask: Mask,
    seen: Vec<String>,
}

impl Masker {
    fn replace(&mut self, value: &str) -> String {
        match self.mask {
            Mask::None => value.to_owned(),
            Mask::Hash => format!(
                "{{hash:{}}}",
                crate::pki::hex(&openssl::sha::sha256(value.as_bytes()))
            ),
            Mask::Obfuscate => {
                let n = match self.seen.iter().position(|s| s == value) {
                    Some(n) => n,
                    None => {
                        self.seen.push(value.to_owned());
                        self.seen.len() - 1
                    }
                };
                format!("{{obf:alternative_{n}}}")
            }
        }
    }

    /// `name=value; name=value` with each value replaced (SAML-tracer keeps the text between the
    /// first and second `=` as the value, and parts without `=` as they are).
    fn cookie_line(&mut self, line: &str) -> String {
        line.split(';')
            .map(|part| {
                let mut pieces = part.split('=');
                let key = pieces.next().unwrap_or_default();
                match pieces.next() {
                    Some(value) => format!("{key}={}", self.replace(value)),
                    None => part.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    fn apply(
        &mut self,
        r: &mut J,
        request_headers: &mut [(String, String)],
        response_headers: &mut [(String, String)],
    ) {
        if self.mask == Mask::None {
            return;
        }
        if let J::Obj(pairs) = r {
            if let Some((_, J::Arr(post))) = pairs.iter_mut().find(|(k, _)| k == "post") {
                for pair in post.iter_mut() {
                    if let J::Arr(kv) = pair {
                        let value = match &kv[1] {
                            J::Str(v) => v.clone(),
                            _ => String::new(),
                        };
                        // An empty value: SAML-tracer replaces the name instead.
                        if value.is_empty() {
                            let name = match &kv[0] {
                                J::Str(n) => n.clone(),
                                _ => String::new(),
                            };
                            kv[0] = J::Str(self.replace(&name));
                        } else {
                            kv[1] = J::Str(self.replace(&value));
                        }
                    }
                }
            }
        }
        if let J::Obj(pairs) = r {
            if let Some(slot) = pairs.iter_mut().find(|(k, _)| k == "postData") {
                slot.1 = J::Str("{overwritten}".into());
            }
        }
        for (k, v) in request_headers.iter_mut() {
            if k.eq_ignore_ascii_case("cookie") {
                *v = self.cookie_line(v);
            }
        }
        for (k, v) in response_headers.iter_mut() {
            if k.eq_ignore_ascii_case("set-cookie") {
                *v = self.cookie_line(v);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fixture set.

/// The captures `testdata/captures/` holds, as (file name, text).
pub fn fixture_files(keys: &Keys) -> Vec<(String, String)> {
    let success = success(keys);
    let mut out = vec![
        (
            "success.chrome.har".to_owned(),
            har(&success, Browser::Chrome, Content::With),
        ),
        (
            "success.edge.har".to_owned(),
            har(&success, Browser::Edge, Content::With),
        ),
        (
            "success.firefox.har".to_owned(),
            har(&success, Browser::Firefox, Content::With),
        ),
        (
            "success.safari.har".to_owned(),
            har(&success, Browser::Safari, Content::With),
        ),
        (
            "success.chrome.without-content.har".to_owned(),
            har(&success, Browser::Chrome, Content::Without),
        ),
        ("success.saml-tracer.json".to_owned(), saml_tracer(&success)),
    ];
    for (name, flow) in [
        ("idp-initiated", idp_initiated(keys)),
        ("aadsts50011", aadsts50011(keys)),
        ("aadsts700016", aadsts700016(keys)),
        ("aadsts75011", aadsts75011(keys)),
        ("aadsts50105", aadsts50105(keys)),
        ("two-attempts", two_attempts(keys)),
        ("stopped-after-request", stopped_after_request(keys)),
    ] {
        out.push((
            format!("{name}.chrome.har"),
            har(&flow, Browser::Chrome, Content::With),
        ));
        if name == "aadsts50011" {
            out.push((format!("{name}.saml-tracer.json"), saml_tracer(&flow)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn keys() -> Keys {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        crate::fixtures::keys(
            &root,
            false,
            Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        )
    }

    const BROWSERS: [Browser; 4] = [
        Browser::Chrome,
        Browser::Edge,
        Browser::Firefox,
        Browser::Safari,
    ];

    fn entries(har: &Value) -> &Vec<Value> {
        har["log"]["entries"].as_array().expect("entries")
    }

    fn is_num(v: &Value) -> bool {
        v.is_number()
    }

    fn params<'a>(entry: &'a Value, key: &str) -> Vec<(&'a str, &'a str)> {
        let list = if key == "queryString" {
            &entry["request"]["queryString"]
        } else {
            &entry["request"]["postData"]["params"]
        };
        list.as_array()
            .map(|a| {
                a.iter()
                    .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn inflate(b64_text: &str) -> String {
        use std::io::Read;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64_text)
            .expect("base64");
        let mut out = String::new();
        flate2::read::DeflateDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .expect("inflates");
        out
    }

    fn unbase64(text: &str) -> String {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .expect("base64"),
        )
        .expect("utf-8")
    }

    #[test]
    fn every_har_is_json_with_the_har_1_2_required_fields() {
        let keys = keys();
        for (name, flow) in all(&keys) {
            for browser in BROWSERS {
                for content in [Content::With, Content::Without] {
                    let text = har(&flow, browser, content);
                    let doc: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{name} {browser:?}: {e}"));
                    let log = &doc["log"];
                    assert_eq!(log["version"], "1.2", "{name} {browser:?}");
                    assert!(
                        log["creator"]["name"].is_string() && log["creator"]["version"].is_string()
                    );
                    let pages: Vec<&str> = log["pages"]
                        .as_array()
                        .expect("pages")
                        .iter()
                        .map(|p| p["id"].as_str().expect("page id"))
                        .collect();
                    assert!(!entries(&doc).is_empty());
                    for e in entries(&doc) {
                        let at = e["startedDateTime"].as_str().expect("startedDateTime");
                        DateTime::parse_from_rfc3339(at).expect("ISO 8601 time");
                        assert!(is_num(&e["time"]));
                        assert!(e["cache"].is_object());
                        for t in ["send", "wait", "receive"] {
                            assert!(is_num(&e["timings"][t]), "{name} {browser:?} timings.{t}");
                        }
                        if let Some(p) = e["pageref"].as_str() {
                            assert!(pages.contains(&p), "{name} {browser:?}: pageref {p}");
                        }
                        let r = &e["request"];
                        for k in ["method", "url", "httpVersion"] {
                            assert!(r[k].is_string(), "{name} {browser:?} request.{k}");
                        }
                        for k in ["cookies", "headers", "queryString"] {
                            assert!(r[k].is_array(), "{name} {browser:?} request.{k}");
                        }
                        assert!(is_num(&r["headersSize"]) && is_num(&r["bodySize"]));
                        if let Some(post) = r.get("postData") {
                            assert!(post["mimeType"].is_string());
                        }
                        let s = &e["response"];
                        assert!(is_num(&s["status"]));
                        for k in ["statusText", "httpVersion", "redirectURL"] {
                            assert!(s[k].is_string(), "{name} {browser:?} response.{k}");
                        }
                        for k in ["cookies", "headers"] {
                            assert!(s[k].is_array());
                        }
                        assert!(
                            is_num(&s["content"]["size"]) && s["content"]["mimeType"].is_string()
                        );
                        assert!(is_num(&s["headersSize"]) && is_num(&s["bodySize"]));
                        assert!(
                            !r["url"].as_str().unwrap().contains('#'),
                            "browsers drop fragments"
                        );
                        if (300..400).contains(&s["status"].as_u64().unwrap()) {
                            assert!(s["redirectURL"].as_str().unwrap().starts_with("https://"));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_saml_request_in_the_redirect_url_inflates_to_the_authn_request() {
        let keys = keys();
        let flow = success(&keys);
        let expected = flow.requests[0].xml();
        assert!(expected.contains(r#"ID="id-4f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b""#));
        assert!(expected.contains(&format!(r#"AssertionConsumerServiceURL="{}""#, idc_acs())));
        for browser in BROWSERS {
            let doc: Value = serde_json::from_str(&har(&flow, browser, Content::With)).unwrap();
            let entry = entries(&doc)
                .iter()
                .find(|e| {
                    e["request"]["url"]
                        .as_str()
                        .unwrap()
                        .contains("SAMLRequest=")
                })
                .expect("the redirect to Entra");
            assert!(entry["request"]["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}?SAMLRequest=", entra_saml2())));
            let (_, value) = params(entry, "queryString")
                .into_iter()
                .find(|(k, _)| *k == "SAMLRequest")
                .expect("SAMLRequest");
            // Chromium writes query values as sent, the others decoded.
            let b64_value = if browser == Browser::Chrome || browser == Browser::Edge {
                assert!(value.contains('%'));
                percent_decode(value)
            } else {
                value.to_owned()
            };
            assert_eq!(inflate(&b64_value), expected, "{browser:?}");
        }
    }

    #[test]
    fn the_acs_post_carries_the_signed_response() {
        use samael::crypto::{CertificateDer, CryptoProvider, XmlSec};
        let keys = keys();
        let flow = success(&keys);
        let expected = idc_response(&keys.active).build();
        assert_eq!(flow.responses, vec![expected.clone()]);
        for browser in BROWSERS {
            let doc: Value = serde_json::from_str(&har(&flow, browser, Content::Without)).unwrap();
            let entry = entries(&doc)
                .iter()
                .find(|e| e["request"]["url"] == idc_acs().as_str())
                .expect("the ACS post");
            assert_eq!(entry["request"]["method"], "POST");
            assert_eq!(
                entry["startedDateTime"]
                    .as_str()
                    .map(|t| DateTime::parse_from_rfc3339(t).unwrap()),
                Some(acs_post_time().into())
            );
            let (_, value) = params(entry, "postData")
                .into_iter()
                .find(|(k, _)| *k == "SAMLResponse")
                .expect("SAMLResponse");
            let b64_value = if browser.chromium() {
                percent_decode(value)
            } else {
                value.to_owned()
            };
            let xml = unbase64(&b64_value);
            assert_eq!(xml, expected);
            XmlSec::verify_signed_xml(
                &xml,
                &CertificateDer::from(keys.active.cert_der()),
                Some("ID"),
            )
            .expect("the posted response verifies");
            let text = entry["request"]["postData"]["text"].as_str().unwrap();
            assert!(text.starts_with(&format!(
                "SAMLResponse={}",
                form_urlencode(&b64(expected.as_bytes()))
            )));
        }
        // The response answers the request.
        assert!(expected.contains(&format!(r#"InResponseTo="{}""#, flow.requests[0].id)));
    }

    #[test]
    fn captures_without_content_hold_no_response_body() {
        let keys = keys();
        for (name, flow) in all(&keys) {
            for browser in BROWSERS {
                let doc: Value =
                    serde_json::from_str(&har(&flow, browser, Content::Without)).unwrap();
                for e in entries(&doc) {
                    let c = &e["response"]["content"];
                    assert!(c.get("text").is_none(), "{name} {browser:?}");
                    // Firefox keeps a body's encoding even when it leaves the body out.
                    if browser != Browser::Firefox {
                        assert!(c.get("encoding").is_none(), "{name} {browser:?}");
                    }
                }
                let with: Value =
                    serde_json::from_str(&har(&flow, browser, Content::With)).unwrap();
                assert!(entries(&with)
                    .iter()
                    .any(|e| e["response"]["content"]["text"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty())));
            }
        }
    }

    #[test]
    fn the_auto_post_page_and_error_pages_carry_what_browsers_saw() {
        let keys = keys();
        let flow = success(&keys);
        let doc: Value = serde_json::from_str(&har(&flow, Browser::Chrome, Content::With)).unwrap();
        let kmsi = entries(&doc)
            .iter()
            .find(|e| e["request"]["url"].as_str().unwrap().ends_with("/kmsi"))
            .unwrap();
        let html = kmsi["response"]["content"]["text"].as_str().unwrap();
        assert!(html.contains(&format!(r#"action="{}""#, idc_acs())));
        assert!(html.contains(&format!(
            r#"name="SAMLResponse" value="{}""#,
            b64(flow.responses[0].as_bytes())
        )));
        let icon = entries(&doc)
            .iter()
            .find(|e| e["response"]["content"]["mimeType"] == "image/x-icon")
            .unwrap();
        assert_eq!(icon["response"]["content"]["encoding"], "base64");

        let flow = aadsts50011(&keys);
        let doc: Value = serde_json::from_str(&har(&flow, Browser::Chrome, Content::With)).unwrap();
        let last = entries(&doc).last().unwrap();
        assert_eq!(last["response"]["status"], 200);
        let html = last["response"]["content"]["text"].as_str().unwrap();
        let start = html.find("//<![CDATA[\n$Config=").unwrap() + "//<![CDATA[\n$Config=".len();
        let end = html[start..].find(";\n//]]>").unwrap() + start;
        let config: Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(config["pgid"], "ConvergedError");
        assert_eq!(config["iErrorCode"], 50011);
        let message = config["strServiceExceptionMessage"].as_str().unwrap();
        assert!(message.starts_with("AADSTS50011: "));
        assert!(message.contains(&idc_other_acs()));
        let request_id = last["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "x-ms-request-id")
            .unwrap()["value"]
            .clone();
        assert_eq!(config["sessionId"], request_id);
        assert!(config["correlationId"]
            .as_str()
            .is_some_and(|c| c.len() == 36));
    }

    #[test]
    fn flows_show_what_they_expect() {
        let keys = keys();
        for (name, flow) in all(&keys) {
            let e = &flow.expect;
            assert_eq!(e.request, !flow.requests.is_empty(), "{name}");
            let posted = flow
                .exchanges
                .iter()
                .filter(|x| x.method == "POST" && x.url == idc_acs())
                .count();
            assert_eq!(e.response, posted > 0, "{name}");
            assert_eq!(flow.responses.len(), posted, "{name}");
            let attempts = flow
                .exchanges
                .iter()
                .filter(|x| x.url == portal() || x.url.starts_with("https://myapps.microsoft.com/"))
                .count();
            assert_eq!(e.attempts, attempts, "{name}");
            if let Some(code) = e.aadsts {
                let on_page = flow.exchanges.iter().any(|x| {
                    x.response_body
                        .as_ref()
                        .is_some_and(|b| b.text.contains(&format!("\"iErrorCode\":{code},")))
                });
                let in_status = flow
                    .responses
                    .iter()
                    .any(|r| r.contains(&format!("<samlp:StatusMessage>AADSTS{code}: ")));
                assert!(on_page || in_status, "{name}: AADSTS{code} shown");
            }
            for r in &flow.requests {
                assert!(!r.id.starts_with(|c: char| c.is_ascii_digit()));
            }
        }
        let mismatch = in_response_to_mismatch(&keys);
        assert!(!mismatch.responses[0].contains(&mismatch.requests[0].id));
        let idp = idp_initiated(&keys);
        assert!(!idp.responses[0].contains("InResponseTo"));
        let redirect = error_redirect(&keys);
        assert!(redirect
            .exchanges
            .iter()
            .any(|x| x.location() == Some("https://login.microsoftonline.com/error?code=50105")));
        let changed = relay_state_changed(&keys);
        let sent = changed
            .exchanges
            .iter()
            .find(|x| x.url.contains("SAMLRequest="))
            .unwrap();
        let posted = changed
            .exchanges
            .iter()
            .find(|x| x.url == idc_acs())
            .unwrap();
        let Some(RequestBody::Form(fields)) = &posted.body else {
            panic!("form")
        };
        let relay = &fields.iter().find(|(k, _)| k == "RelayState").unwrap().1;
        assert!(!sent.url.contains(&form_urlencode(relay)));
    }

    #[test]
    fn pii_is_listed_and_present() {
        let keys = keys();
        let flow = success(&keys);
        let list = pii(&flow);
        for must in [USER, PASSWORD, DISPLAY_NAME, OBJECT_ID] {
            assert!(list.iter().any(|p| p == must), "{must}");
        }
        assert!(
            list.iter().any(|p| p.starts_with("AQABIQEAAAB")),
            "flowToken"
        );
        let text = har(&flow, Browser::Firefox, Content::With);
        let decoded = flow.responses.join("");
        for p in &list {
            assert!(
                text.contains(p.as_str()) || decoded.contains(p.as_str()),
                "{p} is in the capture"
            );
        }
        for cookie in flow.exchanges.iter().flat_map(|x| &x.cookies) {
            assert!(list.contains(&cookie.value), "cookie {}", cookie.name);
        }
    }

    #[test]
    fn saml_tracer_exports_decode_the_saml_messages() {
        let keys = keys();
        let flow = success(&keys);
        let doc: Value = serde_json::from_str(&saml_tracer(&flow)).unwrap();
        assert_eq!(
            doc["timestamp"].as_str().map(|t| &t[..11]),
            Some("2026-11-27T")
        );
        let requests = doc["requests"].as_array().unwrap();
        assert_eq!(requests.len(), flow.exchanges.len());
        for r in requests {
            for k in ["method", "url", "requestId", "responseStatusText"] {
                assert!(r[k].is_string(), "{k}");
            }
            assert!(r["requestHeaders"].is_array() && r["responseHeaders"].is_array());
            assert!(r["responseStatus"].is_number());
        }
        let get = requests
            .iter()
            .find(|r| r["url"].as_str().unwrap().contains("SAMLRequest="))
            .unwrap();
        assert_eq!(get["protocol"], "SAML-P");
        assert_eq!(get["saml"], flow.requests[0].xml().as_str());
        assert!(get.get("samlart").is_none());
        let post = requests
            .iter()
            .find(|r| r["url"] == idc_acs().as_str())
            .unwrap();
        assert_eq!(post["saml"], flow.responses[0].as_str());
        assert_eq!(post["samlart"], Value::Null);
        assert_eq!(post["post"][0][0], "SAMLResponse");
        assert_eq!(
            post["postData"]["SAMLResponse"][0],
            b64(flow.responses[0].as_bytes()).as_str()
        );

        let masked = saml_tracer_masked(&flow, Mask::Hash);
        assert!(!masked.contains(PASSWORD));
        for cookie in flow.exchanges.iter().flat_map(|x| &x.cookies) {
            if cookie.value.len() > 8 {
                assert!(!masked.contains(&cookie.value), "cookie {}", cookie.name);
            }
        }
        assert!(masked.contains("{hash:") && masked.contains("{overwritten}"));
        let obfuscated = saml_tracer_masked(&flow, Mask::Obfuscate);
        assert!(obfuscated.contains("{obf:alternative_0}"));
    }

    #[test]
    fn output_is_deterministic() {
        let keys = keys();
        assert_eq!(fixture_files(&keys), fixture_files(&keys));
    }
}

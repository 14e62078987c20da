//! `trace --redact`: a copy of a capture that can be sent to a colleague or a vendor. Names,
//! addresses, user principal names, object ids, cookies, tokens, authorization headers,
//! passwords and session parameters are masked, the same value with the same mask, while the
//! structure stays what `trace` reads: URLs stay URLs, forms stay forms, and the SAML messages
//! are decoded, masked and encoded again as they travelled. Their signatures no longer verify,
//! so the copy records the verdicts reached before masking.

use super::TraceReport;
use crate::response::decode::{self, DecodeLimits};
use crate::response::Binding;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use thiserror::Error;

/// What was masked, by kind, and where the copy went.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub written_to: String,
    pub masked: Vec<Masked>,
}

/// A redacted copy, not yet written.
pub struct Redacted {
    pub bytes: Vec<u8>,
    pub masked: Vec<Masked>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Masked {
    pub kind: &'static str,
    /// Distinct values masked.
    pub values: usize,
    /// Places they were masked in.
    pub places: usize,
}

#[derive(Debug, Error)]
pub enum RedactError {
    #[error("the capture is not JSON: {0}")]
    Json(String),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} exists; it is not replaced unless asked")]
    Exists { path: String },
}

/// Kinds of value, each with its own mask shape so that what reads it still can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Email,
    Name,
    ObjectId,
    Cookie,
    Token,
    Password,
    Session,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Email => "e-mail address or UPN",
            Kind::Name => "name or claim value",
            Kind::ObjectId => "object id (GUID)",
            Kind::Cookie => "cookie",
            Kind::Token => "token or authorization",
            Kind::Password => "password",
            Kind::Session => "session parameter",
        }
    }
}

/// Form and query parameters that hold credentials or session state.
const PASSWORD_PARAMS: &[&str] = &[
    "passwd",
    "password",
    "pwd",
    "otc",
    "pin",
    "secretaccesskey",
    "accesskeyid",
];
/// Names of people, in JSON bodies and forms.
const NAME_PARAMS: &[&str] = &[
    "displayname",
    "givenname",
    "surname",
    "familyname",
    "firstname",
    "lastname",
    "fullname",
];
const IDENTITY_PARAMS: &[&str] = &[
    "login",
    "loginfmt",
    "username",
    "login_hint",
    "user",
    "email",
    "upn",
    "domain_hint",
    "mail",
    "userprincipalname",
    "spost_username",
];
const SESSION_PARAMS: &[&str] = &[
    "flowtoken",
    "ctx",
    "canary",
    "hpgrequestid",
    "sessionid",
    "session_state",
    "state",
    "code",
    "nonce",
    "sso_nonce",
    "client-request-id",
    "relaystate",
    "workflowstatehandle",
    "wctx",
    "wresult",
    "samlart",
    "id_token",
    "access_token",
    "refresh_token",
    "sft",
    "sftag",
    "i19",
    "ppft",
    "estsrequest",
    "sso_reload",
    "mfaauthmethod",
    "authmethodid",
    "request",
    "pollcount",
];
/// Parts of parameter and `$Config` names that hold session state (`sCtx`, `apiCanary`,
/// `sessionId`, `sFT`).
const SESSION_PARTS: &[&str] = &[
    "token",
    "ctx",
    "canary",
    "nonce",
    "session",
    "sft",
    "secret",
    "verification",
    "credential",
];
const SECRET_HEADERS: &[&str] = &[
    "cookie",
    "set-cookie",
    "authorization",
    "proxy-authorization",
    "x-ms-refreshtokencredential",
    "x-ms-deviceCredential",
];

/// The masks given so far, one per value.
#[derive(Default)]
struct Masks {
    given: HashMap<String, (Kind, String)>,
    counters: BTreeMap<Kind, usize>,
    places: BTreeMap<Kind, usize>,
}

impl Masks {
    fn mask(&mut self, kind: Kind, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if let Some((k, m)) = self.given.get(value) {
            *self.places.entry(*k).or_default() += 1;
            return m.clone();
        }
        let n = {
            let c = self.counters.entry(kind).or_default();
            *c += 1;
            *c
        };
        *self.places.entry(kind).or_default() += 1;
        let mask = match kind {
            Kind::Email => format!("user{n}@redacted.invalid"),
            Kind::ObjectId => format!("00000000-0000-4000-8000-{n:012x}"),
            Kind::Name => format!("redacted-name-{n}"),
            Kind::Cookie => format!("redacted-cookie-{n}"),
            Kind::Token => format!("redacted-token-{n}"),
            Kind::Password => format!("redacted-password-{n}"),
            Kind::Session => format!("redacted-session-{n}"),
        };
        self.given.insert(value.to_owned(), (kind, mask.clone()));
        mask
    }

    /// Masks every known value, e-mail address and GUID inside free text.
    fn text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        // Known values first, longest first, so that a name inside an address is not split.
        let mut known: Vec<(String, Kind)> = self
            .given
            .iter()
            .filter(|(v, (k, _))| {
                // Short session values (counters, flags) would match inside unrelated text.
                (v.len() >= 4 && !matches!(k, Kind::Session | Kind::Cookie)) || v.len() >= 12
            })
            .map(|(v, (k, _))| (v.clone(), *k))
            .collect();
        known.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        for (value, kind) in known {
            if out.contains(&value) {
                let mask = self.mask(kind, &value);
                out = out.replace(&value, &mask);
            }
        }
        out = replace_matches(&out, find_email, |v| self.mask(Kind::Email, v));
        replace_matches(&out, find_guid, |v| self.mask(Kind::ObjectId, v))
    }

    fn masked(&self) -> Vec<Masked> {
        self.counters
            .iter()
            .map(|(k, n)| Masked {
                kind: k.describe(),
                values: *n,
                places: self.places.get(k).copied().unwrap_or(0),
            })
            .collect()
    }
}

/// Replaces every match `find` reports (its start and end) with what `mask` gives.
fn replace_matches(
    text: &str,
    find: fn(&str) -> Option<(usize, usize)>,
    mut mask: impl FnMut(&str) -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, end)) = find(rest) {
        out.push_str(&rest[..start]);
        let found = &rest[start..end];
        // A mask never matches again; a value already a mask stays.
        if found.ends_with("@redacted.invalid") || found.starts_with("00000000-0000-4000-8000-") {
            out.push_str(found);
        } else {
            out.push_str(&mask(found));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"._%+-'".contains(&c)
}

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// The first e-mail address (or UPN) in `text`.
fn find_email(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find('@').map(|i| i + from) {
        let mut start = at;
        while start > 0 && is_local_char(b[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < b.len() && is_domain_char(b[end]) {
            end += 1;
        }
        while end > at + 1 && !b[end - 1].is_ascii_alphanumeric() {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        if start < at && domain.contains('.') && !domain.starts_with('.') {
            return Some((start, end));
        }
        from = at + 1;
    }
    None
}

/// The first GUID (8-4-4-4-12 hexadecimal digits) in `text`.
fn find_guid(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36).find_map(|i| {
        let w = &b[i..i + 36];
        let shaped = w.iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 36).is_none_or(|c| !c.is_ascii_alphanumeric());
        (shaped && bounded).then_some((i, i + 36))
    })
}

/// What a parameter's value is, by its name; `None` for one left as it is (masked only where
/// it holds an address or a GUID).
fn param_kind(name: &str) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    if PASSWORD_PARAMS.contains(&lower.as_str()) {
        Some(Kind::Password)
    } else if IDENTITY_PARAMS.contains(&lower.as_str()) {
        Some(Kind::Email)
    } else if NAME_PARAMS.contains(&lower.as_str()) {
        Some(Kind::Name)
    } else if SESSION_PARAMS.contains(&lower.as_str())
        || SESSION_PARTS.iter().any(|p| lower.contains(p))
    {
        Some(Kind::Session)
    } else {
        None
    }
}

/// Makes the redacted copy of `bytes` (a HAR file or a SAML-tracer export), recording the
/// verdicts of `report`.
pub fn redact(bytes: &[u8], report: &TraceReport) -> Result<Redacted, RedactError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut doc: Value =
        serde_json::from_slice(bytes).map_err(|e| RedactError::Json(e.to_string()))?;
    let mut masks = Masks::default();
    // Pass one learns the values to mask wherever they appear: the SAML messages' claims and
    // the identities typed into forms.
    learn(&doc, &mut masks);
    let record = recorded(report);
    if let Some(log) = doc.get_mut("log").and_then(Value::as_object_mut) {
        for entry in log
            .get_mut("entries")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            har_entry(entry, &mut masks);
        }
        log.insert("_samlbridge".into(), record);
    } else if let Some(root) = doc.as_object_mut() {
        for request in root
            .get_mut("requests")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            tracer_request(request, &mut masks);
        }
        root.insert("_samlbridge".into(), record);
    }
    // Whatever is left (page ids, titles, comments, custom fields) is scanned as free text.
    sweep(&mut doc, &mut masks);
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| RedactError::Json(e.to_string()))?;
    out.push(b'\n');
    Ok(Redacted {
        bytes: out,
        masked: masks.masked(),
    })
}

/// Writes the copy atomically; an existing file is replaced only when `replace`.
pub fn write(path: &Path, bytes: &[u8], replace: bool) -> Result<(), RedactError> {
    let written = if replace {
        crate::input::write_atomic(path, bytes)
    } else {
        crate::input::write_atomic_new(path, bytes)
    };
    written.map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists if !replace => RedactError::Exists {
            path: path.display().to_string(),
        },
        _ => RedactError::Write {
            path: path.display().to_string(),
            source,
        },
    })
}

/// The verdicts to record: per attempt, its outcome and the codes of its errors.
fn recorded(report: &TraceReport) -> Value {
    let attempts: Vec<Value> = report
        .attempts
        .iter()
        .map(|a| {
            let mut errors: Vec<&str> = a
                .findings
                .iter()
                .filter(|f| f.severity == crate::diag::Severity::Error)
                .map(|f| f.code.as_str())
                .collect();
            for step in &a.steps {
                if let super::Step::Response {
                    report: Some(r), ..
                } = step
                {
                    errors.extend(
                        r.findings
                            .iter()
                            .filter(|f| f.severity == crate::diag::Severity::Error)
                            .map(|f| f.code.as_str()),
                    );
                }
            }
            errors.sort_unstable();
            errors.dedup();
            serde_json::json!({
                "number": a.number,
                "outcome": a.outcome,
                "errors": errors,
            })
        })
        .collect();
    serde_json::json!({
        "redacted": true,
        "tool": "samlbridge",
        "version": env!("CARGO_PKG_VERSION"),
        "attempts": attempts,
    })
}

fn learn(doc: &Value, masks: &mut Masks) {
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                if let Value::String(s) = v {
                    if k == "saml" {
                        learn_saml(s, masks);
                    }
                }
                learn(v, masks);
            }
        }
        Value::Array(items) => {
            // `[name, value]` pairs and `{name, value}` params.
            if let [Value::String(name), Value::String(value)] = items.as_slice() {
                learn_param(name, value, masks);
            }
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    if let Some(value) = item.get("value").and_then(Value::as_str) {
                        learn_param(name, value, masks);
                    }
                }
                learn(item, masks);
            }
        }
        Value::String(s) => {
            // Pages and JSON bodies carry session values as `"name":"value"`.
            for (k, v) in quoted_pairs(s) {
                learn_param(&k, &v, masks);
            }
            // Form bodies and URLs carry SAML messages and typed identities.
            let query = s.split_once('?').map_or(s.as_str(), |(_, q)| q);
            if query.contains('=') && !query.contains(['<', ' ', '\n']) {
                for (k, v) in crate::capture::form_pairs(query) {
                    learn_param(&k, &v, masks);
                }
            }
        }
        _ => {}
    }
}

/// Every `"name":"value"` (or `"name": "value"`) in text: JSON bodies and the `$Config` of
/// Entra's pages. Escaped quotes end nothing; values with escapes are skipped.
fn quoted_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("\":").map(|i| i + from) {
        from = i + 2;
        let key_start = text[..i].rfind('"').map(|q| q + 1);
        let rest = text[i + 2..].trim_start();
        let (Some(key_start), Some(value)) = (key_start, rest.strip_prefix('"')) else {
            continue;
        };
        let Some(end) = value.find('"') else { continue };
        let value = &value[..end];
        if !value.contains('\\') {
            out.push((text[key_start..i].to_owned(), value.to_owned()));
        }
    }
    out
}

fn learn_param(name: &str, value: &str, masks: &mut Masks) {
    match name {
        "SAMLResponse" | "SAMLRequest" => {
            if let Ok((xml, _)) =
                decode::decode_base64(&value.replace(' ', "+"), DecodeLimits::default())
            {
                learn_saml(&String::from_utf8_lossy(&xml), masks);
            }
        }
        _ => match param_kind(name) {
            Some(kind @ (Kind::Email | Kind::Password | Kind::Name)) if !value.is_empty() => {
                masks.mask(kind, value);
            }
            // Long session values (flow tokens, contexts) also sit in pages and scripts.
            Some(Kind::Session) if value.len() >= 12 => {
                masks.mask(Kind::Session, value);
            }
            _ => {}
        },
    }
}

/// The claims a SAML message carries: its NameID and attribute values, except AWS's role and
/// session settings and values that are URIs (method references, issuers).
fn learn_saml(xml: &str, masks: &mut Masks) {
    let arena = crate::xml::Arena::new();
    let Ok(doc) = crate::xml::parse(xml.as_bytes(), &arena) else {
        return;
    };
    for e in std::iter::once(&doc.root).chain(doc.root.descendants()) {
        let value = e.trimmed_text();
        if value.is_empty() || e.has_element_children() {
            continue;
        }
        let kind = match e.local {
            "NameID" => Some(if value.contains('@') {
                Kind::Email
            } else {
                Kind::Name
            }),
            "AttributeValue" => {
                let kept = value.contains("://")
                    || value.starts_with("urn:")
                    || value.starts_with("arn:")
                    || value.chars().all(|c| c.is_ascii_digit());
                (!kept).then_some(if value.contains('@') {
                    Kind::Email
                } else if find_guid(&value) == Some((0, value.len())) {
                    Kind::ObjectId
                } else {
                    Kind::Name
                })
            }
            _ => None,
        };
        if let Some(kind) = kind {
            masks.mask(kind, &value);
        }
    }
}

/// A SAML message masked and encoded again as it travelled.
fn saml_value(value: &str, masks: &mut Masks) -> String {
    let Ok((xml, binding)) =
        decode::decode_base64(&value.replace(' ', "+"), DecodeLimits::default())
    else {
        return masks.mask(Kind::Session, value);
    };
    let masked = markup(&String::from_utf8_lossy(&xml), masks);
    match binding {
        Binding::Redirect => {
            let mut z =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            let deflated = z.write_all(masked.as_bytes()).and_then(|()| z.finish());
            match deflated {
                Ok(d) => base64::engine::general_purpose::STANDARD.encode(d),
                Err(_) => masks.mask(Kind::Session, value),
            }
        }
        _ => base64::engine::general_purpose::STANDARD.encode(masked.as_bytes()),
    }
}

fn param_value(name: &str, value: &str, masks: &mut Masks) -> String {
    match name {
        "SAMLResponse" | "SAMLRequest" => saml_value(value, masks),
        _ => match param_kind(name) {
            Some(kind) if !value.is_empty() => masks.mask(kind, value),
            _ => masks.text(value),
        },
    }
}

/// A form body or query string, each value masked, encoded again.
fn form(text: &str, masks: &mut Masks) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in crate::capture::form_pairs(text) {
        let masked = param_value(&k, &v, masks);
        out.append_pair(&masks.text(&k), &masked);
    }
    out.finish()
}

fn url(text: &str, masks: &mut Masks) -> String {
    let (base, fragment) = match text.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (text, None),
    };
    let mut out = match base.split_once('?') {
        Some((path, query)) => format!("{}?{}", masks.text(path), form(query, masks)),
        None => masks.text(base),
    };
    if let Some(f) = fragment {
        out.push('#');
        // Single-page apps keep a route and its query there: `#/?handle=…`.
        match f.split_once('?') {
            Some((route, query)) => {
                out.push_str(&masks.text(route));
                out.push('?');
                out.push_str(&form(query, masks));
            }
            None if f.contains('=') => out.push_str(&form(f, masks)),
            None => out.push_str(&masks.text(f)),
        }
    }
    out
}

fn set_str(v: &mut Value, f: impl FnOnce(&str) -> String) {
    if let Value::String(s) = v {
        *s = f(s);
    }
}

fn headers(list: Option<&mut Value>, masks: &mut Masks) {
    for h in list.and_then(Value::as_array_mut).into_iter().flatten() {
        let (name, value) = match h {
            Value::Object(o) => {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (name, o.get_mut("value"))
            }
            Value::Array(kv) if kv.len() == 2 => {
                let name = kv[0].as_str().unwrap_or_default().to_owned();
                (name, kv.get_mut(1))
            }
            _ => continue,
        };
        let Some(value) = value else { continue };
        let lower = name.to_ascii_lowercase();
        set_str(value, |s| {
            if SECRET_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&lower))
            {
                masks.mask(
                    if lower.contains("cookie") {
                        Kind::Cookie
                    } else {
                        Kind::Token
                    },
                    s,
                )
            } else if s.to_ascii_lowercase().starts_with("bearer ") {
                masks.mask(Kind::Token, s)
            } else if matches!(lower.as_str(), "location" | "referer" | "origin" | ":path") {
                url(s, masks)
            } else {
                masks.text(s)
            }
        });
    }
}

fn params(list: Option<&mut Value>, masks: &mut Masks) {
    for p in list.and_then(Value::as_array_mut).into_iter().flatten() {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(v) = p.get_mut("value") {
            set_str(v, |s| {
                // Chrome leaves params encoded as sent.
                let encoded = s.contains('%');
                let plain = if encoded {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8_lossy()
                        .into_owned()
                } else {
                    s.to_owned()
                };
                let masked = param_value(&name, &plain, masks);
                if encoded {
                    url::form_urlencoded::byte_serialize(masked.as_bytes()).collect()
                } else {
                    masked
                }
            });
        }
    }
}

fn cookies(list: Option<&mut Value>, masks: &mut Masks) {
    for c in list.and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(v) = c.get_mut("value") {
            set_str(v, |s| masks.mask(Kind::Cookie, s));
        }
    }
}

fn har_entry(entry: &mut Value, masks: &mut Masks) {
    if let Some(request) = entry.get_mut("request").and_then(Value::as_object_mut) {
        if let Some(u) = request.get_mut("url") {
            set_str(u, |s| url(s, masks));
        }
        headers(request.get_mut("headers"), masks);
        cookies(request.get_mut("cookies"), masks);
        params(request.get_mut("queryString"), masks);
        if let Some(post) = request.get_mut("postData").and_then(Value::as_object_mut) {
            params(post.get_mut("params"), masks);
            let is_form = post
                .get("mimeType")
                .and_then(Value::as_str)
                .is_some_and(|m| m.contains("x-www-form-urlencoded"));
            if let Some(t) = post.get_mut("text") {
                set_str(t, |s| {
                    if is_form || (s.contains('=') && !s.contains(['{', '<'])) {
                        form(s, masks)
                    } else {
                        masks.text(s)
                    }
                });
            }
        }
    }
    if let Some(response) = entry.get_mut("response").and_then(Value::as_object_mut) {
        headers(response.get_mut("headers"), masks);
        cookies(response.get_mut("cookies"), masks);
        if let Some(r) = response.get_mut("redirectURL") {
            set_str(r, |s| url(s, masks));
        }
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            body(content, masks);
        }
    }
}

/// A response body: base64 ones decoded, masked and encoded again.
fn body(content: &mut Map<String, Value>, masks: &mut Masks) {
    let base64 = content.get("encoding").and_then(Value::as_str) == Some("base64");
    let Some(Value::String(text)) = content.get_mut("text") else {
        return;
    };
    if base64 {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(compact) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(page) => {
                    *text =
                        base64::engine::general_purpose::STANDARD.encode(page_text(&page, masks));
                }
                // Images and fonts hold nothing of the user's; drop what cannot be read.
                Err(_) => text.clear(),
            },
            Err(_) => text.clear(),
        }
    } else {
        *text = page_text(text, masks);
    }
}

/// A page: the SAML messages of its auto-submit form masked as messages, the rest as text.
fn page_text(page: &str, masks: &mut Masks) -> String {
    markup(page, masks)
}

/// XML or HTML with its text and attribute values masked and its markup (element and attribute
/// names) kept, so that a value equal to a tag name cannot break the structure. The value of
/// a form input named SAMLResponse or SAMLRequest is masked as the message it holds.
fn markup(text: &str, masks: &mut Masks) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&masks.text(&rest[..lt]));
        rest = &rest[lt..];
        for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>")] {
            if let Some(inner) = rest.strip_prefix(open) {
                let end = inner.find(close).unwrap_or(inner.len());
                out.push_str(open);
                out.push_str(&masks.text(&inner[..end]));
                rest = &inner[end..];
                break;
            }
        }
        if !rest.starts_with('<') {
            continue;
        }
        let Some(end) = tag_end(rest) else {
            out.push_str(&masks.text(rest));
            return out;
        };
        out.push_str(&tag(&rest[..end], masks));
        rest = &rest[end..];
    }
    out.push_str(&masks.text(rest));
    out
}

/// The end of the tag `text` starts with (after its `>`), quotes respected.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// One tag with each quoted attribute value masked.
fn tag(text: &str, masks: &mut Masks) -> String {
    let saml_input =
        text.contains("name=\"SAMLResponse\"") || text.contains("name=\"SAMLRequest\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(q) = rest.find(['"', '\'']) {
        let quote = &rest[q..=q];
        let Some(len) = rest[q + 1..].find(quote) else {
            break;
        };
        let before = &rest[..q];
        let value = &rest[q + 1..q + 1 + len];
        out.push_str(before);
        out.push_str(quote);
        let attribute = before.trim_end().trim_end_matches('=').trim_end();
        if saml_input && attribute.ends_with("value") {
            let message = value
                .replace("&#43;", "+")
                .replace("&#x2b;", "+")
                .replace("&#x2B;", "+");
            out.push_str(&saml_value(&message, masks));
        } else if value.starts_with("https://") || value.starts_with("http://") {
            out.push_str(&url(value, masks));
        } else {
            out.push_str(&masks.text(value));
        }
        out.push_str(quote);
        rest = &rest[q + 2 + len..];
    }
    out.push_str(rest);
    out
}

fn tracer_request(request: &mut Value, masks: &mut Masks) {
    let Some(r) = request.as_object_mut() else {
        return;
    };
    if let Some(u) = r.get_mut("url") {
        set_str(u, |s| url(s, masks));
    }
    for field in ["post", "get"] {
        for pair in r
            .get_mut(field)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some([Value::String(name), value]) = pair.as_array_mut().map(Vec::as_mut_slice) {
                let name = name.clone();
                set_str(value, |s| param_value(&name, s, masks));
            }
        }
    }
    // `postData` holds the form again, as `{name: [values]}`.
    if let Some(post) = r.get_mut("postData").and_then(Value::as_object_mut) {
        for (name, values) in post.iter_mut() {
            for v in values.as_array_mut().into_iter().flatten() {
                set_str(v, |s| param_value(name, s, masks));
            }
        }
    }
    headers(r.get_mut("requestHeaders"), masks);
    headers(r.get_mut("responseHeaders"), masks);
    if let Some(saml) = r.get_mut("saml") {
        set_str(saml, |s| markup(s, masks));
    }
}

/// Every string left: addresses, GUIDs and known values masked in free text.
fn sweep(v: &mut Value, masks: &mut Masks) {
    match v {
        Value::String(s) => {
            let masked = if s.starts_with("https://") || s.starts_with("http://") {
                url(s, masks)
            } else {
                masks.text(s)
            };
            *s = masked;
        }
        Value::Array(items) => items.iter_mut().for_each(|i| sweep(i, masks)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k != "_samlbridge" {
                    sweep(v, masks);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_guids_are_found_in_text() {
        assert_eq!(find_email("to alice@contoso.com."), Some((3, 20)));
        assert_eq!(find_email("a@b"), None);
        assert_eq!(find_email("@@"), None);
        let g = "x 4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/saml2";
        assert_eq!(find_guid(g), Some((2, 38)));
        assert_eq!(find_guid("4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63a"), None);
    }

    #[test]
    fn the_same_value_gets_the_same_mask() {
        let mut m = Masks::default();
        let a = m.mask(Kind::Email, "alice@contoso.com");
        assert_eq!(m.mask(Kind::Email, "alice@contoso.com"), a);
        assert_ne!(m.mask(Kind::Email, "bob@contoso.com"), a);
        assert_eq!(
            m.text("mail alice@contoso.com now"),
            format!("mail {a} now")
        );
        let masked = m.masked();
        assert_eq!(masked[0].values, 2);
        assert_eq!(masked[0].places, 4);
    }

    #[test]
    fn markup_keeps_its_names() {
        let mut m = Masks::default();
        m.mask(Kind::Name, "Response");
        let xml = r#"<samlp:Response ID="a" Dest='https://x/?login=bob@contoso.com'><!-- alice@contoso.com --><NameID>Response</NameID><![CDATA[carol@contoso.com]]></samlp:Response>"#;
        let out = markup(xml, &mut m);
        assert!(
            out.starts_with("<samlp:Response ID=\"a\" Dest='https://x/?login=user"),
            "{out}"
        );
        assert!(out.contains("<NameID>redacted-name-1</NameID>"), "{out}");
        assert!(!out.contains("contoso"), "{out}");
        assert!(out.ends_with("</samlp:Response>"));
    }

    #[test]
    fn forms_stay_forms() {
        let mut m = Masks::default();
        let out = form("login=alice%40contoso.com&passwd=hunter2&i13=0", &mut m);
        let pairs = crate::capture::form_pairs(&out);
        assert_eq!(pairs[0].1, "user1@redacted.invalid");
        assert_eq!(pairs[1].1, "redacted-password-1");
        assert_eq!(pairs[2].1, "0");
    }
}

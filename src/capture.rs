//! Browser captures as a timeline of HTTP exchanges: HAR 1.2 files as Chrome, Edge, Firefox and
//! Safari export them (with response bodies or without), and SAML-tracer exports. `trace`
//! reads a whole sign-in from them; `response::decode` keeps its own single pass that looks
//! only for responses, since it must hold many large HARs at once.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// Largest response body kept per exchange: Entra's pages are tens of kilobytes; scripts and
/// images, which samlbridge never reads, are dropped.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Which tool wrote the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// HTTP Archive 1.2; `creator` is the exporting tool as it names itself (`WebInspector`
    /// for Chrome and Edge, `Firefox`, Safari's `WebKit Web Inspector`).
    Har {
        creator: Option<String>,
    },
    SamlTracer,
}

impl Format {
    pub fn describe(&self) -> String {
        match self {
            Format::Har { creator: Some(c) } => format!("HAR file ({c})"),
            Format::Har { creator: None } => "HAR file".to_owned(),
            Format::SamlTracer => "SAML-tracer export".to_owned(),
        }
    }
}

/// A whole capture, its exchanges in the order the file lists them.
#[derive(Debug, Clone)]
pub struct Capture {
    pub format: Format,
    pub exchanges: Vec<Exchange>,
    /// When the capture was saved (a SAML-tracer export's `timestamp`).
    pub saved_at: Option<DateTime<Utc>>,
    /// What an earlier run recorded in the file (a redacted copy keeps the verdicts reached
    /// before redaction under `_samlbridge`).
    pub recorded: Option<Value>,
}

impl Capture {
    /// Whether any exchange kept a response body: a capture saved without content keeps none,
    /// so Entra's error pages cannot be read from it.
    pub fn has_bodies(&self) -> bool {
        self.exchanges.iter().any(|e| e.body.is_some())
    }
}

/// One request and the answer to it.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// Its place in the file, from 1 (HAR entry or SAML-tracer request).
    pub number: usize,
    /// When the browser sent it (HAR `startedDateTime`); SAML-tracer records no time per
    /// request.
    pub started: Option<DateTime<Utc>>,
    pub method: String,
    pub url: String,
    /// The query's parameters, decoded once.
    pub query: Vec<(String, String)>,
    /// A posted form's parameters, decoded once; `None` when nothing form-like was posted.
    pub form: Option<Vec<(String, String)>>,
    /// The HTTP status; `None` when the browser recorded no answer (status 0, or the
    /// navigation was cut off).
    pub status: Option<u16>,
    /// Where a redirect pointed.
    pub location: Option<String>,
    /// The response's media type, as recorded.
    pub mime: Option<String>,
    /// The response body as text, when it was saved and is text.
    pub body: Option<String>,
    /// The SAML message SAML-tracer decoded for this request.
    pub saml: Option<String>,
}

impl Exchange {
    /// The URL's host, lower-case.
    pub fn host(&self) -> Option<String> {
        url::Url::parse(&self.url)
            .ok()?
            .host_str()
            .map(str::to_ascii_lowercase)
    }

    /// The URL without its query and fragment.
    pub fn endpoint(&self) -> &str {
        let end = self.url.find(['?', '#']).unwrap_or(self.url.len());
        &self.url[..end]
    }

    /// Every value of the parameter `name`, from the form and then the query.
    pub fn params<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.form
            .iter()
            .flatten()
            .chain(self.query.iter())
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn form_param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .flatten()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CaptureError {
    #[error("the file is empty")]
    Empty,
    #[error("it is not JSON, so neither a HAR file nor a SAML-tracer export: {0}")]
    NotJson(String),
    #[error(
        "it is JSON, but neither a HAR file (log.entries) nor a SAML-tracer export (requests)"
    )]
    NotCapture,
    #[error("it has a 'log' member but is not a HAR file: {0}")]
    Har(String),
    #[error("it is UTF-16 text: save it as UTF-8 (browsers write HAR files as UTF-8)")]
    Utf16,
    #[error("the file ends mid-way, at byte {0}: it was cut off while being saved, copied or uploaded; save the capture again")]
    Truncated(usize),
}

/// Reads a HAR file or a SAML-tracer export.
pub fn read(bytes: &[u8]) -> Result<Capture, CaptureError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(CaptureError::Utf16);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CaptureError::Empty);
    }
    let file: File = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            return CaptureError::Truncated(bytes.len());
        }
        #[derive(Deserialize)]
        struct Probe {
            log: Option<serde::de::IgnoredAny>,
        }
        match serde_json::from_slice::<Probe>(bytes) {
            Ok(Probe { log: Some(_) }) => CaptureError::Har(e.to_string()),
            Ok(_) => CaptureError::NotCapture,
            // JSON, but not an object: an array, a string, a number.
            Err(_) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => {
                CaptureError::NotCapture
            }
            Err(e) => CaptureError::NotJson(e.to_string()),
        }
    })?;
    match file {
        File {
            log: Some(log),
            recorded,
            ..
        } => Ok(har(log, recorded)),
        File {
            requests: Some(requests),
            timestamp,
            recorded,
            ..
        } => Ok(saml_tracer(&requests, timestamp.text(), recorded)),
        _ => Err(CaptureError::NotCapture),
    }
}

#[derive(Deserialize)]
struct File {
    log: Option<HarLog>,
    requests: Option<Vec<Value>>,
    #[serde(default)]
    timestamp: Lenient,
    #[serde(default, rename = "_samlbridge")]
    recorded: Option<Value>,
}

#[derive(Deserialize)]
struct HarLog {
    #[serde(default)]
    creator: Option<Named>,
    entries: Vec<HarEntry>,
    #[serde(default, rename = "_samlbridge")]
    recorded: Option<Value>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    name: Lenient,
}

/// A field that should be a string; anything else reads as absent rather than failing the
/// whole file, since browsers disagree on details.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Lenient {
    Text(String),
    Other(serde::de::IgnoredAny),
    #[default]
    Absent,
}

impl Lenient {
    fn text(&self) -> Option<&str> {
        match self {
            Lenient::Text(t) => Some(t),
            _ => None,
        }
    }

    fn take(self) -> Option<String> {
        match self {
            Lenient::Text(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct HarEntry {
    #[serde(default, rename = "startedDateTime")]
    started: Lenient,
    #[serde(default)]
    request: Option<HarRequest>,
    #[serde(default)]
    response: Option<HarResponse>,
}

#[derive(Deserialize)]
struct HarRequest {
    #[serde(default)]
    method: Lenient,
    #[serde(default)]
    url: Lenient,
    #[serde(default, rename = "postData")]
    post_data: Option<HarPostData>,
}

#[derive(Deserialize)]
struct HarPostData {
    #[serde(default, rename = "mimeType")]
    mime: Lenient,
    #[serde(default)]
    text: Lenient,
    #[serde(default)]
    params: Vec<HarParam>,
}

#[derive(Deserialize)]
struct HarParam {
    #[serde(default)]
    name: Lenient,
    #[serde(default)]
    value: Lenient,
}

#[derive(Deserialize)]
struct HarResponse {
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    headers: Vec<HarParam>,
    #[serde(default)]
    content: Option<HarContent>,
    #[serde(default, rename = "redirectURL")]
    redirect_url: Lenient,
}

#[derive(Deserialize)]
struct HarContent {
    #[serde(default, rename = "mimeType")]
    mime: Lenient,
    #[serde(default)]
    text: Lenient,
    #[serde(default)]
    encoding: Lenient,
}

fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `application/x-www-form-urlencoded` pairs, decoded once (`+` is a space).
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.trim().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    match url.split_once('?') {
        Some((_, rest)) => form_pairs(rest.split('#').next().unwrap_or_default()),
        None => Vec::new(),
    }
}

/// Whether a body of this media type is text worth keeping (pages, forms, JSON errors).
fn is_text(mime: Option<&str>) -> bool {
    let Some(mime) = mime else { return true };
    let mime = mime.to_ascii_lowercase();
    mime.starts_with("text/html")
        || mime.starts_with("text/plain")
        || mime.contains("json")
        || mime.contains("xml")
}

fn body(content: Option<HarContent>) -> (Option<String>, Option<String>) {
    let Some(content) = content else {
        return (None, None);
    };
    let mime = content.mime.take().filter(|m| !m.is_empty());
    let Some(text) = content.text.take().filter(|t| !t.is_empty()) else {
        return (mime, None);
    };
    if !is_text(mime.as_deref()) || text.len() > MAX_BODY * 4 / 3 + 4 {
        return (mime, None);
    }
    let text = if content.encoding.text() == Some("base64") {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(compact) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => return (mime, None),
        }
    } else {
        text
    };
    (mime, (text.len() <= MAX_BODY).then_some(text))
}

fn har(log: HarLog, recorded: Option<Value>) -> Capture {
    let creator = log.creator.and_then(|c| c.name.take());
    let exchanges = log
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut x = Exchange {
                number: i + 1,
                started: instant(entry.started.text()),
                ..Exchange::default()
            };
            if let Some(request) = entry.request {
                x.method = request.method.take().unwrap_or_default();
                x.url = request.url.take().unwrap_or_default();
                x.query = query_pairs(&x.url);
                x.form = request.post_data.map(post_form);
            }
            if let Some(response) = entry.response {
                // Browsers record 0 for a request that got no answer.
                x.status = response
                    .status
                    .as_ref()
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .filter(|s| *s > 0);
                x.location = response
                    .redirect_url
                    .take()
                    .filter(|u| !u.is_empty())
                    .or_else(|| {
                        response
                            .headers
                            .into_iter()
                            .find(|h| {
                                h.name
                                    .text()
                                    .is_some_and(|n| n.eq_ignore_ascii_case("location"))
                            })
                            .and_then(|h| h.value.take())
                    });
                (x.mime, x.body) = body(response.content);
            }
            x
        })
        .collect();
    Capture {
        format: Format::Har { creator },
        exchanges,
        saved_at: None,
        recorded: log.recorded.or(recorded),
    }
}

/// A posted form: the raw text as sent when it is there (Chrome leaves `params` encoded as
/// sent, Firefox decodes them), else the params, decoded only when they still hold escapes.
fn post_form(post: HarPostData) -> Vec<(String, String)> {
    let mime = post.mime.text().unwrap_or_default().to_ascii_lowercase();
    if let Some(text) = post.text.text().filter(|t| !t.is_empty()) {
        if mime.contains("x-www-form-urlencoded") || (!mime.contains("json") && text.contains('='))
        {
            return form_pairs(text);
        }
    }
    post.params
        .into_iter()
        .filter_map(|p| {
            let name = p.name.take()?;
            let value = p.value.take().unwrap_or_default();
            let value = if value.contains('%') {
                percent_encoding::percent_decode_str(&value)
                    .decode_utf8_lossy()
                    .into_owned()
            } else {
                value
            };
            Some((name, value))
        })
        .collect()
}

/// SAML-tracer's `[[name, value], …]` pairs (and the `{name, value}` objects some versions
/// write for headers).
fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| match p {
            Value::Array(kv) => Some((
                kv.first()?.as_str()?.to_owned(),
                kv.get(1)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )),
            Value::Object(o) => Some((
                o.get("name")?.as_str()?.to_owned(),
                o.get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )),
            _ => None,
        })
        .collect()
}

fn saml_tracer(requests: &[Value], saved: Option<&str>, recorded: Option<Value>) -> Capture {
    let exchanges = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
            let url = text("url").unwrap_or_default();
            let post = pairs(r.get("post").unwrap_or(&Value::Null));
            let status = r
                .get("responseStatus")
                .and_then(|s| s.as_u64().or_else(|| s.as_str()?.parse().ok()))
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| *s > 0);
            let location = pairs(r.get("responseHeaders").unwrap_or(&Value::Null))
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v);
            Exchange {
                number: i + 1,
                started: None,
                method: text("method").unwrap_or_default(),
                query: query_pairs(&url),
                url,
                form: (!post.is_empty()).then_some(post),
                status,
                location,
                mime: None,
                body: None,
                saml: text("saml").filter(|s| !s.is_empty()),
            }
        })
        .collect();
    Capture {
        format: Format::SamlTracer,
        exchanges,
        saved_at: instant(saved),
        recorded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_har_entry_keeps_what_trace_reads() {
        let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
        "entries": [
            {"startedDateTime": "2026-11-27T08:59:58.123Z",
             "request": {"method": "POST", "url": "https://x.example/acs?a=1",
                "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "SAMLResponse=PD94%2B&RelayState=r+s"}},
             "response": {"status": 302, "headers": [{"name": "location", "value": "https://portal.example/start"}],
                "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": ""}},
            {"startedDateTime": "2026-11-27T08:59:59Z",
             "request": {"method": "GET", "url": "https://login.example/"},
             "response": {"status": 200, "content": {"mimeType": "text/html; charset=utf-8", "text": "PGh0bWw+", "encoding": "base64"}}},
            {"request": {"method": "GET", "url": "https://cut.example/"}, "response": {"status": 0}}
        ]}});
        let c = read(har.to_string().as_bytes()).unwrap();
        assert_eq!(c.format.describe(), "HAR file (WebInspector)");
        let [post, page, cut] = &c.exchanges[..] else {
            panic!()
        };
        assert_eq!(post.form_param("SAMLResponse"), Some("PD94+"));
        assert_eq!(post.form_param("RelayState"), Some("r s"));
        assert_eq!(post.query_param("a"), Some("1"));
        assert_eq!(
            post.location.as_deref(),
            Some("https://portal.example/start")
        );
        assert_eq!(post.endpoint(), "https://x.example/acs");
        assert_eq!(page.body.as_deref(), Some("<html>"));
        assert_eq!(page.number, 2);
        assert_eq!(cut.status, None);
        assert!(cut.started.is_none());
    }

    #[test]
    fn firefox_params_are_decoded_and_chrome_params_are_not_decoded_twice() {
        let decoded = serde_json::json!({"log": {"entries": [{"request": {"method": "POST", "url": "https://x/",
            "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "SAMLResponse", "value": "ab+c="}]}}}]}});
        let c = read(decoded.to_string().as_bytes()).unwrap();
        assert_eq!(c.exchanges[0].form_param("SAMLResponse"), Some("ab+c="));
        let encoded = serde_json::json!({"log": {"entries": [{"request": {"method": "POST", "url": "https://x/",
            "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "SAMLResponse", "value": "ab%2Bc%3D"}]}}}]}});
        let c = read(encoded.to_string().as_bytes()).unwrap();
        assert_eq!(c.exchanges[0].form_param("SAMLResponse"), Some("ab+c="));
    }

    #[test]
    fn a_saml_tracer_export_reads_with_its_save_time() {
        let export = serde_json::json!({"requests": [{"method": "POST", "url": "https://acs/", "post": [["SAMLResponse", "abc"]],
            "responseStatus": 302, "responseHeaders": [["Location", "https://portal/"]], "saml": "<samlp:Response/>"}],
            "timestamp": "2026-11-27T09:00:05.000Z"});
        let c = read(export.to_string().as_bytes()).unwrap();
        assert_eq!(c.format, Format::SamlTracer);
        assert_eq!(
            c.saved_at.unwrap().to_rfc3339(),
            "2026-11-27T09:00:05+00:00"
        );
        assert_eq!(c.exchanges[0].location.as_deref(), Some("https://portal/"));
        assert_eq!(c.exchanges[0].status, Some(302));
        assert!(c.exchanges[0].saml.is_some());
    }

    #[test]
    fn what_is_not_a_capture_says_what_it_is() {
        assert_eq!(read(b"  ").unwrap_err(), CaptureError::Empty);
        assert_eq!(read(b"{\"a\": 1}").unwrap_err(), CaptureError::NotCapture);
        assert!(matches!(
            read(b"<html>").unwrap_err(),
            CaptureError::NotJson(_)
        ));
        assert!(matches!(
            read(b"{\"log\": {}}").unwrap_err(),
            CaptureError::Har(_)
        ));
        assert_eq!(read(b"\xFF\xFE{\0").unwrap_err(), CaptureError::Utf16);
    }

    #[test]
    fn odd_field_types_read_as_absent() {
        let har = serde_json::json!({"log": {"entries": [{"startedDateTime": 5, "request": {"method": 1, "url": null},
            "response": {"status": "302", "content": {"text": 7}}}]}});
        let c = read(har.to_string().as_bytes()).unwrap();
        assert_eq!(c.exchanges[0].method, "");
        assert_eq!(c.exchanges[0].status, None);
    }
}

//! Turning what an engineer captured into SAML response documents: raw XML, base64 (standard
//! or URL-safe, wrapped or not), a URL-encoded form body, a URL or DEFLATE-compressed
//! HTTP-Redirect encoding, a HAR file from browser developer tools, or a SAML-tracer export.

use crate::capture::form_pairs;
use crate::looks::Looks;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::io::Read;
use thiserror::Error;

/// How the response travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Binding {
    /// HTTP-POST: base64 in a form field (what Entra sends).
    Post,
    /// HTTP-Redirect: base64 of DEFLATE in a URL.
    Redirect,
    /// The XML itself, as saved or pasted.
    Xml,
}

/// One response found in an input.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Which input and, for HAR and SAML-tracer files, which request.
    pub label: String,
    pub binding: Binding,
    pub xml: Vec<u8>,
    /// Length of the base64 form (what STS receives as SAMLAssertion).
    pub encoded_len: usize,
    pub relay_state: Option<String>,
    /// When the capture file says the response was taken; `None` for a response on its own.
    pub captured_at: Option<CaptureTime>,
}

/// The instant a capture file records for a response, and which of its fields says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureTime {
    pub instant: DateTime<Utc>,
    pub source: CaptureSource,
}

/// Where a capture time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureSource {
    /// The `startedDateTime` of a HAR entry (numbered from 1): when the browser sent the
    /// request that carried the response.
    HarStartedDateTime { entry: usize },
    /// A SAML-tracer export's `timestamp`: when the trace was saved, shortly after the
    /// sign-in (the export records no time per request).
    SamlTracerTimestamp,
}

/// A capture file's time field, when it is an RFC 3339 instant (HAR writes ISO 8601 with an
/// offset, SAML-tracer JavaScript's `toISOString`); anything else reads as no time at all.
fn capture_instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(super::assertion::parse_instant)
}

/// Limits on decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest decoded response accepted.
    pub max_response_bytes: usize,
    /// Most decoded bytes one input (a HAR, a SAML-tracer export) may yield in all: many small
    /// DEFLATE-compressed responses could otherwise inflate far beyond the input's size.
    pub max_total_bytes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // Real responses are a few kilobytes; STS takes 100,000 characters of base64.
        DecodeLimits {
            max_response_bytes: 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
        }
    }
}

/// A response found in an input, kept as the input holds it (XML, or the base64 of a form
/// field): decoding, which may inflate it a thousandfold, waits until it is validated, so a
/// run holds encoded text and only as many decoded responses as it validates at once.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub label: String,
    body: Body,
    binding: Binding,
    /// What it decodes to, measured when it was found.
    pub decoded_len: usize,
    /// Length of its base64 form (what STS receives as SAMLAssertion).
    encoded_len: usize,
    relay_state: Option<String>,
    captured_at: Option<CaptureTime>,
}

#[derive(Debug, Clone)]
enum Body {
    /// XML as the input holds it, or base64 already decoded: no larger than the input.
    Xml(Vec<u8>),
    /// DEFLATE-compressed base64 (HTTP-Redirect), inflated only when validated.
    Base64(String),
}

impl Encoded {
    /// The response itself. It decoded when it was found, so it decodes again.
    pub fn decode(self, limits: DecodeLimits) -> Result<Captured, DecodeError> {
        let xml = match self.body {
            Body::Xml(xml) => xml,
            Body::Base64(text) => decode_base64(&text, limits)?.0,
        };
        Ok(Captured {
            label: self.label,
            binding: self.binding,
            xml,
            encoded_len: self.encoded_len,
            relay_state: self.relay_state,
            captured_at: self.captured_at,
        })
    }
}

/// The responses found in one input so far, within [`DecodeLimits::max_total_bytes`] of what
/// they decode to.
struct Found {
    captured: Vec<Encoded>,
    bytes: usize,
    limit: usize,
}

impl Found {
    fn new(limits: DecodeLimits) -> Self {
        Found {
            captured: Vec::new(),
            bytes: 0,
            limit: limits.max_total_bytes,
        }
    }

    fn push(&mut self, c: Encoded) -> Result<(), DecodeError> {
        self.bytes = self.bytes.saturating_add(c.decoded_len);
        if self.bytes > self.limit {
            return Err(DecodeError::TooMuchDecoded { limit: self.limit });
        }
        self.captured.push(c);
        Ok(())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the input is empty")]
    Empty,
    /// A certificate, a key or a web page where a response belongs.
    #[error("this is {0}, not a SAML response")]
    LooksLike(Looks),
    #[error("not a SAML response in any form samlbridge reads (XML, base64, a form body SAMLResponse=…, a URL, a HAR file or a SAML-tracer export){0}")]
    Unrecognized(String),
    #[error("the base64 is damaged: {0}")]
    Base64(String),
    #[error("the base64 decodes to neither XML nor DEFLATE-compressed XML")]
    NotXmlInside,
    #[error("the DEFLATE-compressed response is damaged: {0}")]
    Deflate(String),
    #[error(
        "the response is larger than the {limit}-byte limit (raise it with --max-response-size)"
    )]
    TooLarge { limit: usize },
    #[error("its responses decode to more than {limit} bytes in all (--max-input-size)")]
    TooMuchDecoded { limit: usize },
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("it has a 'log' member but is not a HAR file: {0}")]
    Har(String),
    #[error("{what}: no request carries a SAMLResponse ({requests} request{} looked at)", if *.requests == 1 { "" } else { "s" })]
    NoSamlResponse { what: &'static str, requests: usize },
    #[error("the SAMLResponse field is empty")]
    EmptyField,
    /// A form that carries the field more than once: a browser posts one, and which one a
    /// service reads is anyone's guess, so none is read.
    #[error("{what} carries {count} SAMLResponse fields; a browser posts exactly one, so the capture was altered: samlbridge reads none of them")]
    SeveralFields { what: String, count: usize },
    #[error("it is UTF-16 text (as Windows PowerShell's > or Notepad's \"Unicode\" save it): save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8, or Out-File -Encoding utf8")]
    Utf16,
    #[error("the base64 has spaces where its '+' signs were: it was form-decoded once too often (in a form body '+' means a space); take the value exactly as it was posted, or give the whole form body (SAMLResponse=…)")]
    PlusAsSpace,
    #[error("the base64 is still percent-encoded (%2B is '+', %2F is '/', %3D is '='): give the whole form body (SAMLResponse=…), which samlbridge decodes, or decode the value once")]
    PercentEncoded,
}

fn engine(url_safe: bool) -> GeneralPurpose {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false);
    GeneralPurpose::new(
        if url_safe {
            &alphabet::URL_SAFE
        } else {
            &alphabet::STANDARD
        },
        config,
    )
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Decodes base64 text (standard or URL-safe; whitespace ignored) into the XML it carries,
/// inflating it when it is an HTTP-Redirect encoding.
pub fn decode_base64(text: &str, limits: DecodeLimits) -> Result<(Vec<u8>, Binding), DecodeError> {
    decode_counted(text, significant_len(text), limits)
}

/// [`decode_base64`] of `text`, which has `significant` bytes that are not whitespace.
fn decode_counted(
    text: &str,
    significant: usize,
    limits: DecodeLimits,
) -> Result<(Vec<u8>, Binding), DecodeError> {
    // Decoded size is 3/4 of the text: refuse before copying or decoding anything.
    if significant / 4 * 3 > limits.max_response_bytes {
        return Err(DecodeError::TooLarge {
            limit: limits.max_response_bytes,
        });
    }
    if significant == 0 {
        return Err(DecodeError::EmptyField);
    }
    // Whitespace is ASCII, so dropping its bytes keeps the rest whole; most inputs have none
    // and are decoded where they lie.
    let compact: Cow<'_, [u8]> = if significant == text.len() {
        Cow::Borrowed(text.as_bytes())
    } else {
        let mut bytes = Vec::with_capacity(significant);
        bytes.extend(text.bytes().filter(|b| !b.is_ascii_whitespace()));
        Cow::Owned(bytes)
    };
    let url_safe = memchr::memchr2(b'-', b'_', &compact).is_some();
    let decoded = base64_decode(&compact, url_safe).map_err(|e| {
        DecodeError::Base64(match e {
            base64::DecodeError::InvalidLength(_)
            | base64::DecodeError::InvalidLastSymbol(_, _) => {
                format!(
                    "it ends mid-way ({} characters): it was probably cut off when it was copied",
                    compact.len()
                )
            }

            base64::DecodeError::InvalidByte(at, byte) => {
                format!(
                    "character {:?} at position {} is not base64",
                    byte as char,
                    at + 1
                )
            }
            other => other.to_string(),
        })
    })?;
    if trim_start(&decoded).starts_with(b"<") {
        return Ok((decoded, Binding::Post));
    }
    let mut inflated = Vec::new();
    let read = flate2::read::DeflateDecoder::new(decoded.as_slice())
        .take(limits.max_response_bytes as u64 + 1)
        .read_to_end(&mut inflated);
    match read {
        Ok(_) if inflated.len() > limits.max_response_bytes => Err(DecodeError::TooLarge {
            limit: limits.max_response_bytes,
        }),
        Ok(_) if trim_start(&inflated).starts_with(b"<") => Ok((inflated, Binding::Redirect)),
        Ok(_) => Err(DecodeError::NotXmlInside),
        Err(_)
            if decoded
                .iter()
                .take(64)
                .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            Err(DecodeError::NotXmlInside)
        }
        Err(e) => Err(DecodeError::Deflate(e.to_string())),
    }
}

/// Decodes `compact` (no whitespace): with the SIMD decoder, and when it refuses, with
/// [`engine`], which accepts a partial padding too and says why it refuses.
fn base64_decode(compact: &[u8], url_safe: bool) -> Result<Vec<u8>, base64::DecodeError> {
    match decode_fast(compact, url_safe) {
        Some(decoded) => Ok(decoded),
        None => engine(url_safe).decode(compact),
    }
}

/// Decodes `compact` (no whitespace) with the SIMD decoder, `None` when it refuses. Like
/// [`engine`] it refuses non-zero trailing bits, and what it accepts, [`engine`] accepts and
/// decodes to the same bytes (a test holds them to it).
fn decode_fast(compact: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    let padded = compact.len().is_multiple_of(4);
    let simd = match (url_safe, padded) {
        (false, true) => base64_simd::STANDARD,
        (false, false) => base64_simd::STANDARD_NO_PAD,
        (true, true) => base64_simd::URL_SAFE,
        (true, false) => base64_simd::URL_SAFE_NO_PAD,
    };
    simd.decode_to_vec(compact).ok()
}

/// How many bytes of `text` are not whitespace: its base64 length when it is base64.
fn significant_len(text: &str) -> usize {
    // Counted in blocks of up to 255 bytes into a byte-wide counter, with no branch per byte,
    // so that the compiler vectorizes it.
    let spaces: usize = text
        .as_bytes()
        .chunks(255)
        .map(|block| {
            usize::from(
                block
                    .iter()
                    .fold(0u8, |n, &b| n + u8::from(b.is_ascii_whitespace())),
            )
        })
        .sum();
    text.len() - spaces
}

/// Whether every byte may stand in base64 text of either alphabet, or between its lines.
fn is_base64_text(text: &str) -> bool {
    // Every test on every byte, with no short-circuit, so that the compiler vectorizes it.
    let ok = |b: u8| {
        (b.wrapping_sub(b'A') < 26)
            | (b.wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b == b'+')
            | (b == b'/')
            | (b == b'=')
            | (b == b'-')
            | (b == b'_')
            | (b == b' ')
            | (b == b'\t')
            | (b == b'\n')
            | (b == b'\x0C')
            | (b == b'\r')
    };
    // A block of fixed length at a time, without stopping at each byte, as above.
    let all_ok = |block: &[u8]| block.iter().fold(true, |all, &b| all & ok(b));
    let mut blocks = text.as_bytes().chunks_exact(64);
    blocks.by_ref().all(all_ok) && all_ok(blocks.remainder())
}

/// A SAMLResponse value from a form or query: spaces can only be `+` signs that a decoder
/// turned into spaces (base64 has none).
fn field_to_base64(value: &str) -> String {
    value.replace(' ', "+")
}

/// UTF-16 text: a byte-order mark, or the zero bytes that ASCII characters leave in every
/// other byte.
fn is_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 4
        && (head.iter().skip(1).step_by(2).all(|&b| b == 0)
            || head.iter().step_by(2).all(|&b| b == 0))
}

/// Base64 whose `+`, `/` and `=` are still `%2B`, `%2F` and `%3D`.
fn is_percent_encoded_base64(text: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    decoded.len() < text.len()
        && decoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b) || b.is_ascii_whitespace())
}

/// Base64 text with spaces inside its lines: where `+` signs were before a second form
/// decoding, since base64 itself has none (line breaks are only ever `\n` or `\r\n`).
fn has_plus_as_space(text: &str) -> bool {
    // Most texts have no space at all: one vectorized search answers for them.
    memchr::memchr(b' ', text.as_bytes()).is_some()
        && text.lines().any(|line| line.trim().contains(' '))
}

fn captured(
    label: String,
    text: &str,
    relay_state: Option<String>,
    redirect_hint: bool,
    captured_at: Option<CaptureTime>,
    limits: DecodeLimits,
) -> Result<Encoded, DecodeError> {
    // Dropping the spaces decodes to garbage that may still look like XML: say what happened
    // when putting the '+' signs back gives a response.
    if has_plus_as_space(text) && decode_base64(&text.replace(' ', "+"), limits).is_ok() {
        return Err(DecodeError::PlusAsSpace);
    }
    let significant = significant_len(text);
    let (xml, binding) = decode_counted(text, significant, limits)?;
    let decoded_len = xml.len();
    // Plain base64 decodes to less than the input holds, so it is kept decoded; an inflated
    // response is measured and dropped, and inflated again only when it is validated.
    let body = if binding == Binding::Redirect {
        Body::Base64(text.to_owned())
    } else {
        Body::Xml(xml)
    };
    Ok(Encoded {
        label,
        body,
        binding: if redirect_hint && binding == Binding::Post {
            Binding::Redirect
        } else {
            binding
        },
        decoded_len,
        // It decoded, so it is ASCII: bytes are characters.
        encoded_len: significant,
        relay_state,
        captured_at,
    })
}

/// A response carried in one form or query field of a capture (`value` decoded once, as a
/// form decoder leaves it); `redirect` when it travelled in a URL.
pub fn from_field(
    label: String,
    value: &str,
    relay_state: Option<String>,
    redirect: bool,
    captured_at: Option<CaptureTime>,
    limits: DecodeLimits,
) -> Result<Encoded, DecodeError> {
    if value.trim().is_empty() {
        return Err(DecodeError::EmptyField);
    }
    captured(
        label,
        &field_to_base64(value),
        relay_state,
        redirect,
        captured_at,
        limits,
    )
}

/// A response whose XML a capture holds already decoded (a SAML-tracer export keeps it in
/// clear even when it masks form values).
pub fn from_xml(
    label: String,
    xml: &str,
    binding: Binding,
    captured_at: Option<CaptureTime>,
    limits: DecodeLimits,
) -> Result<Encoded, DecodeError> {
    if xml.len() > limits.max_response_bytes {
        return Err(DecodeError::TooLarge {
            limit: limits.max_response_bytes,
        });
    }
    Ok(Encoded {
        label,
        body: Body::Xml(xml.as_bytes().to_vec()),
        binding,
        decoded_len: xml.len(),
        encoded_len: xml.len().div_ceil(3) * 4,
        relay_state: None,
        captured_at,
    })
}

/// Decodes every SAML response in `bytes`; `name` labels them.
pub fn decode(
    name: &str,
    bytes: &[u8],
    limits: DecodeLimits,
) -> Result<Vec<Captured>, DecodeError> {
    find(name, bytes, limits)?
        .into_iter()
        .map(|e| e.decode(limits))
        .collect()
}

/// Finds every SAML response in `bytes`, each as the input holds it; `name` labels them.
pub fn find(name: &str, bytes: &[u8], limits: DecodeLimits) -> Result<Vec<Encoded>, DecodeError> {
    if is_utf16(bytes) {
        return Err(DecodeError::Utf16);
    }
    let body = trim_start(bytes);
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    // A certificate or key never holds a response; its base64 would only mislead.
    if let Some(looks) = Looks::of(body).filter(|l| l.is_pem()) {
        return Err(DecodeError::LooksLike(looks));
    }
    if body.starts_with(b"<") {
        if body.len() > limits.max_response_bytes {
            return Err(DecodeError::TooLarge {
                limit: limits.max_response_bytes,
            });
        }
        return Ok(vec![Encoded {
            label: name.to_owned(),
            body: Body::Xml(bytes.to_vec()),
            binding: Binding::Xml,
            decoded_len: bytes.len(),
            encoded_len: bytes.len().div_ceil(3) * 4,
            relay_state: None,
            captured_at: None,
        }]);
    }
    if body.starts_with(b"{") {
        return match serde_json::from_slice::<Export<'_>>(body) {
            Ok(Export { log: Some(log), .. }) => from_har(name, log, limits),
            Ok(Export {
                requests: Some(Value::Array(requests)),
                timestamp,
                ..
            }) => {
                let saved = capture_instant(timestamp.as_ref().and_then(Lenient::text));
                saml_tracer(name, &requests, saved, limits)
            }
            Ok(_) => Err(DecodeError::Unrecognized(
                ": it is JSON, but neither a HAR file (log.entries) nor a SAML-tracer export (requests)".into(),
            )),
            // Read again only to say which: a HAR that is not one, or no JSON at all.
            Err(e) => {
                #[derive(serde::Deserialize)]
                struct Probe {
                    log: Option<serde::de::IgnoredAny>,
                }
                let har = serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.log.is_some());
                Err(if har {
                    DecodeError::Har(e.to_string())
                } else {
                    DecodeError::Json(e.to_string())
                })
            }
        };
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| DecodeError::Unrecognized(": it is binary data".into()))?
        .trim();
    if text.contains("SAMLResponse=") {
        let is_url = text.starts_with("https://") || text.starts_with("http://");
        let query = if is_url {
            text.split_once('?').map(|(_, q)| q).unwrap_or_default()
        } else {
            text
        };
        let pairs = form_pairs(query);
        let value = only(
            pairs
                .iter()
                .filter(|(k, _)| k == "SAMLResponse")
                .map(|(_, v)| v.clone()),
            || if is_url { "the URL" } else { "the form body" }.to_owned(),
        )?
        .unwrap_or_default();
        if value.is_empty() {
            return Err(DecodeError::EmptyField);
        }
        let relay = pairs
            .iter()
            .find(|(k, _)| k == "RelayState")
            .map(|(_, v)| v.clone());
        return Ok(vec![captured(
            name.to_owned(),
            &field_to_base64(&value),
            relay,
            is_url,
            None,
            limits,
        )?]);
    }
    let looks_base64 = is_base64_text(text);
    if !looks_base64 && is_percent_encoded_base64(text) {
        return Err(DecodeError::PercentEncoded);
    }
    if !looks_base64 {
        let snippet: String = text.chars().take(40).collect();
        return Err(DecodeError::Unrecognized(format!(
            ": it starts with {snippet:?}"
        )));
    }
    Ok(vec![captured(
        name.to_owned(),
        text,
        None,
        false,
        None,
        limits,
    )?])
}

/// The JSON exports read, in one pass over the input: a HAR's `log` (HTTP Archive 1.2), of
/// which only the parts that can carry a SAML response are kept, borrowed from the input where
/// JSON escapes allow; a SAML-tracer export's `requests` and `timestamp`; anything else
/// skipped unread.
#[derive(serde::Deserialize)]
struct Export<'a> {
    #[serde(borrow)]
    log: Option<HarLog<'a>>,
    requests: Option<Value>,
    #[serde(borrow, default)]
    timestamp: Option<Lenient<'a>>,
}

#[derive(serde::Deserialize)]
struct HarLog<'a> {
    #[serde(borrow)]
    entries: Vec<HarEntry<'a>>,
}

#[derive(serde::Deserialize)]
struct HarEntry<'a> {
    #[serde(borrow, default, rename = "startedDateTime")]
    started: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    request: Option<HarRequest<'a>>,
}

/// A label part (method, URL) that should be a string; anything else reads as absent rather
/// than failing the whole file.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Lenient<'a> {
    Text(#[serde(borrow)] Text<'a>),
    Other(serde::de::IgnoredAny),
}

impl Lenient<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Lenient::Text(t) => Some(t),
            Lenient::Other(_) => None,
        }
    }
}

/// A JSON string, borrowed unless it holds escapes. (serde borrows a `Cow` only when it is the
/// field's own type, not inside an `Option` or a `Vec`; this newtype carries it there.)
#[derive(serde::Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(serde::Deserialize)]
struct HarRequest<'a> {
    #[serde(borrow, default)]
    method: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    url: Option<Lenient<'a>>,
    #[serde(borrow, default, rename = "postData")]
    post_data: Option<HarPostData<'a>>,
    #[serde(borrow, default, rename = "queryString")]
    query_string: Option<Vec<HarParam<'a>>>,
}

#[derive(serde::Deserialize)]
struct HarPostData<'a> {
    #[serde(borrow, default)]
    text: Option<Text<'a>>,
    #[serde(borrow, default)]
    params: Option<Vec<HarParam<'a>>>,
}

#[derive(serde::Deserialize)]
struct HarParam<'a> {
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    value: Option<Text<'a>>,
}

/// Every value of the parameters called `name`.
fn params_named<'p>(
    params: Option<&'p [HarParam<'_>]>,
    name: &'p str,
) -> impl Iterator<Item = &'p str> {
    params
        .unwrap_or_default()
        .iter()
        .filter(move |p| p.name.as_deref() == Some(name))
        .filter_map(|p| p.value.as_deref())
}

fn param<'p>(params: Option<&'p [HarParam<'_>]>, name: &'p str) -> Option<&'p str> {
    params_named(params, name).next()
}

/// The one value `values` yields, if any; a second one refuses the input (`what` names where
/// they were found), since a browser posts one SAMLResponse and which copy a service would read
/// is anyone's guess.
fn only<T>(
    mut values: impl Iterator<Item = T>,
    what: impl FnOnce() -> String,
) -> Result<Option<T>, DecodeError> {
    let Some(first) = values.next() else {
        return Ok(None);
    };
    match values.count() {
        0 => Ok(Some(first)),
        more => Err(DecodeError::SeveralFields {
            what: what(),
            count: more + 1,
        }),
    }
}

fn from_har(
    name: &str,
    log: HarLog<'_>,
    limits: DecodeLimits,
) -> Result<Vec<Encoded>, DecodeError> {
    let entries = log.entries;
    let mut out = Found::new(limits);
    for (i, entry) in entries.iter().enumerate() {
        let Some(request) = &entry.request else {
            continue;
        };
        let label = || {
            format!(
                "{name} entry {} ({} {})",
                i + 1,
                request
                    .method
                    .as_ref()
                    .and_then(Lenient::text)
                    .unwrap_or("?"),
                request.url.as_ref().and_then(Lenient::text).unwrap_or("?")
            )
        };
        let captured_at =
            capture_instant(entry.started.as_ref().and_then(Lenient::text)).map(|instant| {
                CaptureTime {
                    instant,
                    source: CaptureSource::HarStartedDateTime { entry: i + 1 },
                }
            });
        // Chrome leaves params percent-encoded, Firefox decodes them: read the raw text first.
        let post = request.post_data.as_ref();
        let mut from_post: Option<(String, Option<String>)> = None;
        if let Some(t) = post
            .and_then(|p| p.text.as_deref())
            .filter(|t| t.contains("SAMLResponse="))
        {
            let pairs = form_pairs(t);
            let value = only(
                pairs
                    .iter()
                    .filter(|(k, _)| k == "SAMLResponse")
                    .map(|(_, v)| v.clone()),
                || format!("{}: the posted form", label()),
            )?;
            let relay = pairs
                .iter()
                .find(|(k, _)| k == "RelayState")
                .map(|(_, v)| v.clone());
            from_post = value.map(|v| (v, relay));
        }
        if let (None, Some(p)) = (&from_post, post) {
            let decoded = |v: &str| {
                if v.contains('%') {
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned()
                } else {
                    v.to_owned()
                }
            };
            let value = only(params_named(p.params.as_deref(), "SAMLResponse"), || {
                format!("{}: the posted form", label())
            })?;
            from_post = value.map(|v| {
                (
                    decoded(v),
                    param(p.params.as_deref(), "RelayState").map(decoded),
                )
            });
        }
        if let Some((value, relay)) = from_post {
            out.push(captured(
                label(),
                &field_to_base64(&value),
                relay,
                false,
                captured_at,
                limits,
            )?)?;
            continue;
        }
        let from_query = only(
            params_named(request.query_string.as_deref(), "SAMLResponse"),
            || format!("{}: the query string", label()),
        )?
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        });
        if let Some(value) = from_query {
            out.push(captured(
                label(),
                &field_to_base64(&value),
                None,
                true,
                captured_at,
                limits,
            )?)?;
        }
    }
    if out.captured.is_empty() {
        return Err(DecodeError::NoSamlResponse {
            what: "HAR file",
            requests: entries.len(),
        });
    }
    Ok(out.captured)
}

/// The responses of a SAML-tracer export, each dated by the export's `saved` time (when the
/// trace was saved), if it has one.
fn saml_tracer(
    name: &str,
    requests: &[Value],
    saved: Option<DateTime<Utc>>,
    limits: DecodeLimits,
) -> Result<Vec<Encoded>, DecodeError> {
    let captured_at = saved.map(|instant| CaptureTime {
        instant,
        source: CaptureSource::SamlTracerTimestamp,
    });
    let mut out = Found::new(limits);
    for (i, request) in requests.iter().enumerate() {
        let method = request["method"].as_str().unwrap_or("?");
        let url = request["url"].as_str().unwrap_or("?");
        let label = format!("{name} request {} ({method} {url})", i + 1);
        let pairs = |field: &str, wanted: &str| -> Vec<String> {
            let Some(list) = request[field].as_array() else {
                return Vec::new();
            };
            list.iter()
                .filter_map(|p| {
                    let p = p.as_array()?;
                    (p.first()?.as_str()? == wanted)
                        .then(|| p.get(1)?.as_str().map(str::to_owned))?
                })
                .collect()
        };
        let pair = |field: &str, wanted: &str| -> Result<Option<String>, DecodeError> {
            only(pairs(field, wanted).into_iter(), || {
                format!("{label}: its {field} data")
            })
        };
        // `post` values are decoded form values; a masked export replaces them with {hash:…}.
        if let Some(value) = pair("post", "SAMLResponse")?.filter(|v| !v.starts_with('{')) {
            out.push(captured(
                label,
                &field_to_base64(&value),
                pairs("post", "RelayState").into_iter().next(),
                false,
                captured_at,
                limits,
            )?)?;
        } else if let Some(value) = pair("get", "SAMLResponse")? {
            out.push(captured(
                label,
                &field_to_base64(&value),
                pairs("get", "RelayState").into_iter().next(),
                true,
                captured_at,
                limits,
            )?)?;
        } else if let Some(xml) = request["saml"].as_str().filter(|x| is_response(x)) {
            // The export keeps the decoded XML in clear even when form values are masked.
            let binding = if method == "GET" {
                Binding::Redirect
            } else {
                Binding::Post
            };
            out.push(from_xml(label, xml, binding, captured_at, limits)?)?;
        }
    }
    if out.captured.is_empty() {
        return Err(DecodeError::NoSamlResponse {
            what: "SAML-tracer export",
            requests: requests.len(),
        });
    }
    Ok(out.captured)
}

/// Whether decoded XML is a SAML Response (not an AuthnRequest), judged by its root element.
/// XML the strict parser refuses still counts when its first element is named `Response`, so
/// validation reports why rather than the request silently dropping out of the run.
pub fn is_response(xml: &str) -> bool {
    match crate::xml::parse(xml.as_bytes(), &crate::xml::Arena::new()) {
        Ok(d) => d.root.is(crate::xml::ns::SAMLP, "Response"),
        Err(_) => first_element_local_name(xml) == Some("Response"),
    }
}

/// The local name of the first element, skipping declarations, comments and instructions.
fn first_element_local_name(xml: &str) -> Option<&str> {
    let mut rest = xml;
    loop {
        rest = &rest[rest.find('<')? + 1..];
        if rest.starts_with(['?', '!']) {
            rest = &rest[rest.find('>')? + 1..];
            continue;
        }
        let name = &rest[..rest
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(rest.len())];
        return Some(name.rsplit(':').next().unwrap_or(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The block-wise scans agree with the plain per-character definitions on any text,
        /// across block boundaries and with runs of whitespace longer than a block.
        #[test]
        fn block_scans_agree_with_their_definitions(
            text in "([A-Za-z0-9+/=_-]{0,300}[ \t\n\r\u{c}]{0,300}[^ ]?){0,4}",
        ) {
            prop_assert_eq!(
                significant_len(&text),
                text.bytes().filter(|b| !b.is_ascii_whitespace()).count()
            );
            let base64 = text.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b"+/=-_".contains(&b) || b.is_ascii_whitespace()
            });
            prop_assert_eq!(is_base64_text(&text), base64);
        }
    }

    proptest! {
        /// What the SIMD decoder accepts, the base64 crate (as configured) accepts too and
        /// decodes to the same bytes; unpadded text it refuses, the base64 crate refuses too.
        #[test]
        fn simd_decoding_agrees_with_the_reference_decoder(
            text in "[A-Za-z0-9+/]{0,200}(|=|==|===)",
            url_safe in any::<bool>(),
            tail in "[A-Za-z0-9+/=_-]{0,3}",
        ) {
            for text in [text.clone(), format!("{text}{tail}")] {
                let text = if url_safe { text.replace('+', "-").replace('/', "_") } else { text };
                let reference = engine(url_safe).decode(text.as_bytes()).ok();
                // What the SIMD decoder refuses goes to the reference decoder, so it may refuse
                // more (a partial padding such as `QQ=`), but never accept more or differ.
                if let Some(fast) = decode_fast(text.as_bytes(), url_safe) {
                    prop_assert_eq!(Some(fast), reference, "{:?}", text);
                } else if text.len() % 4 != 1 && !text.contains('=') {
                    prop_assert!(reference.is_none(), "{:?}", text);
                }
            }
        }
    }

    #[test]
    fn simd_decoding_refuses_what_the_reference_refuses() {
        // Non-zero trailing bits, padding where none belongs, a lone final character.
        for text in ["QR==", "QUJ=D", "QUJDR", "QQ===", "Q===", "=QUJ", "QU=J"] {
            assert_eq!(decode_fast(text.as_bytes(), false), None, "{text}");
            assert!(engine(false).decode(text).is_err(), "{text}");
        }
        assert_eq!(decode_fast(b"QUJD", false).as_deref(), Some(&b"ABC"[..]));
        assert_eq!(decode_fast(b"QUI", false).as_deref(), Some(&b"AB"[..]));
        assert_eq!(decode_fast(b"QUI=", false).as_deref(), Some(&b"AB"[..]));
        // A partial padding only the reference decoder takes: the fallback keeps it taken.
        assert_eq!(decode_fast(b"QQ=", false), None);
        let limits = DecodeLimits::default();
        assert_eq!(
            decode_base64("QUI", limits).err(),
            decode_base64("QUI=", limits).err()
        );
    }

    #[test]
    fn whitespace_longer_than_a_counting_block_is_counted() {
        let text = format!("{}QUJD{}", " ".repeat(255), "\n".repeat(600));
        assert_eq!(significant_len(&text), 4);
        assert!(is_base64_text(&text));
        assert!(!is_base64_text(&format!("{text}é")));
    }
}

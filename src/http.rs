//! Fetching metadata over HTTPS: bounded in time, size and retries, never over plain HTTP.
//!
//! One deadline covers everything done for a URL: every attempt, the waits between them and
//! each body to its last byte. A server cannot stretch it by answering slowly, trickling a
//! body, or asking to be retried later.

use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{header, redirect, StatusCode};
use std::io::Read;
use std::time::{Duration, Instant};
use thiserror::Error;
use url::Url;

/// Most bytes of an error answer's body kept in [`FetchError::Status`].
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// How the HTTP client behaves.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Limit for establishing one connection (within `timeout`).
    pub connect_timeout: Duration,
    /// Deadline for everything done for one URL: all attempts, the waits between them and each
    /// body, to the last byte.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Attempts in all (1 = no retry), as long as the deadline leaves time for them. Retried:
    /// connection failures, cut-off bodies, 429 and 5xx.
    pub attempts: u32,
    /// Wait before the first retry; doubled for each further one. A server's `Retry-After`
    /// replaces it.
    pub backoff: Duration,
    /// Extra trusted roots (PEM), for private CAs and TLS-inspecting proxies.
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 10 * 1024 * 1024,
            attempts: 3,
            backoff: Duration::from_millis(500),
            ca_pem: None,
        }
    }
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL finally answered (after redirects).
    pub url: Url,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// How many attempts it took.
    pub attempts: u32,
}

#[derive(Debug, Error)]
pub enum FetchError {
    #[error("refusing {0}: metadata is fetched over https:// only")]
    NotHttps(String),
    #[error("cannot read the CA file: {0}")]
    CaFile(String),
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("cannot resolve host {host}: {detail} (check the name, your DNS, or the proxy settings in HTTPS_PROXY/NO_PROXY)")]
    Dns { host: String, detail: String },
    #[error("TLS failure talking to {host}: {detail}")]
    Tls { host: String, detail: String },
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("cannot connect to {host} within {} (after {attempts} attempt{})", span(*.limit), plural(*.attempts))]
    ConnectTimeout {
        host: String,
        limit: Duration,
        attempts: u32,
    },
    #[error("{}", timeout_message(.url, *.deadline, *.received, *.attempts))]
    Timeout {
        url: String,
        /// The deadline for the whole exchange with the URL.
        deadline: Duration,
        /// Body bytes that had arrived when it ran out; `None` while waiting for the answer.
        received: Option<usize>,
        attempts: u32,
    },
    #[error("HTTP {status} from {url}: the server asks to be retried in {}, past the {} deadline (after {attempts} attempt{})", span(*.wait), span(*.deadline), plural(*.attempts))]
    RetryTooLate {
        status: u16,
        url: String,
        wait: Duration,
        deadline: Duration,
        attempts: u32,
    },
    #[error("HTTP {status} from {url}{hint}")]
    Status {
        status: u16,
        url: String,
        hint: String,
        /// The pause the server asked for in `Retry-After`.
        retry_after: Option<Duration>,
        /// The start of the answer's body (at most [`ERROR_BODY_LIMIT`] bytes), where APIs
        /// such as Microsoft Graph say what went wrong.
        body: Vec<u8>,
    },
    #[error("the body from {url} exceeds the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("the body from {url} was cut off: {received} of {expected} bytes arrived")]
    Truncated {
        url: String,
        received: usize,
        expected: u64,
    },
    #[error("{url} answered with an HTML page, not XML metadata{hint}")]
    Html { url: String, hint: String },
    #[error("{url} answered with an empty body")]
    Empty { url: String },
    #[error("redirected to a non-HTTPS or looping location from {url}")]
    Redirect { url: String },
    #[error("reading the answer from {url} failed: {detail}")]
    Body { url: String, detail: String },
}

impl FetchError {
    /// A failure that another attempt might not meet. A timeout is not one: it spent the
    /// deadline.
    fn retryable(&self) -> bool {
        match self {
            FetchError::ConnectTimeout { .. }
            | FetchError::Connect { .. }
            | FetchError::Truncated { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Records how many attempts were made, in the errors that say so.
    fn after(mut self, made: u32) -> Self {
        if let FetchError::ConnectTimeout { attempts, .. } | FetchError::Timeout { attempts, .. } =
            &mut self
        {
            *attempts = made;
        }
        self
    }
}

/// A duration as the user wrote it: `2s`, `1m 30s`, `500ms`.
fn span(d: Duration) -> String {
    humantime::format_duration(Duration::from_millis(
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
    ))
    .to_string()
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn timeout_message(
    url: &str,
    deadline: Duration,
    received: Option<usize>,
    attempts: u32,
) -> String {
    let attempts = format!("after {attempts} attempt{}", plural(attempts));
    match received {
        None => format!(
            "no answer from {url} within the {} deadline ({attempts})",
            span(deadline)
        ),
        Some(n) => format!(
            "no complete answer from {url} within the {} deadline: the body was still arriving ({n} byte{} received, {attempts})",
            span(deadline),
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// The HTTP client samlbridge fetches with. Build one and pass it to whatever fetches.
pub struct Fetcher {
    client: Client,
    options: FetchOptions,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Self, FetchError> {
        let mut builder = Client::builder()
            .user_agent(concat!("samlbridge/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            // No client-wide timeout: each request carries the time left of its URL's
            // deadline, which reqwest applies to the body too (its client-wide one bounds
            // each read of the body, not the whole).
            .https_only(true)
            .retry(reqwest::retry::never())
            .redirect(redirect::Policy::custom(|attempt| {
                if attempt.url().scheme() != "https" || attempt.previous().len() >= 5 {
                    attempt.error("redirect refused")
                } else {
                    attempt.follow()
                }
            }));
        if let Some(pem) = &options.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| FetchError::CaFile(e.to_string()))?;
            if certs.is_empty() {
                return Err(FetchError::CaFile("no PEM certificate in it".into()));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| FetchError::Client(chain(&e)))?;
        Ok(Fetcher { client, options })
    }

    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// GETs `url`, retrying transient failures with exponential backoff.
    pub fn get(&self, url: &Url) -> Result<Fetched, FetchError> {
        self.get_with(url, &[])
    }

    /// [`Fetcher::get`] with extra request headers (they replace the defaults of that name).
    pub fn get_with(&self, url: &Url, headers: &[(&str, &str)]) -> Result<Fetched, FetchError> {
        if url.scheme() != "https" {
            return Err(FetchError::NotHttps(url.to_string()));
        }
        let headers = request_headers(headers)?;
        let deadline = Instant::now() + self.options.timeout;
        let mut attempt = 1;
        loop {
            let err = match self.try_once(url, &headers, deadline) {
                Ok(mut fetched) => {
                    fetched.attempts = attempt;
                    return Ok(fetched);
                }
                Err(err) => err.after(attempt),
            };
            if !err.retryable() || attempt >= self.options.attempts {
                return Err(err);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = match &err {
                FetchError::Status {
                    status,
                    url,
                    retry_after: Some(wait),
                    ..
                } if *wait >= left => {
                    return Err(FetchError::RetryTooLate {
                        status: *status,
                        url: url.clone(),
                        wait: *wait,
                        deadline: self.options.timeout,
                        attempts: attempt,
                    })
                }
                FetchError::Status {
                    retry_after: Some(wait),
                    ..
                } => *wait,
                _ => self.options.backoff * 2u32.saturating_pow(attempt - 1),
            };
            // No time for another attempt after the pause: the last failure stands.
            if wait >= left {
                return Err(err);
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn try_once(
        &self,
        url: &Url,
        headers: &HeaderMap,
        deadline: Instant,
    ) -> Result<Fetched, FetchError> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timed_out(url, None));
        }
        let response = self
            .client
            .get(url.clone())
            .headers(headers.clone())
            .timeout(left)
            .send()
            .map_err(|e| self.classify(&e, &host, url))?;
        let final_url = response.url().clone();
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // Read within the request's time; a body that cannot be read is only a lost detail.
            let mut body = Vec::new();
            let _ = response
                .take(ERROR_BODY_LIMIT as u64)
                .read_to_end(&mut body);
            return Err(FetchError::Status {
                status: status.as_u16(),
                url: final_url.to_string(),
                hint: status_hint(status, &final_url),
                retry_after,
                body,
            });
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = self.read_body(response, url, &final_url, deadline)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(FetchError::Empty {
                url: final_url.to_string(),
            });
        }
        if looks_like_html(&bytes, content_type.as_deref()) {
            return Err(FetchError::Html {
                url: final_url.to_string(),
                hint: if crate::entra::Cloud::from_login_host(&host).is_some() {
                    ": Entra shows a page like this for an unknown tenant or application ID, or a sign-in page when a proxy intercepts the request".into()
                } else {
                    ": check that the URL points at the metadata document itself".into()
                },
            });
        }
        Ok(Fetched {
            url: final_url,
            bytes,
            content_type,
            attempts: 1,
        })
    }

    /// The deadline ran out; `received` body bytes had arrived, if the answer had begun.
    fn timed_out(&self, url: &Url, received: Option<usize>) -> FetchError {
        FetchError::Timeout {
            url: url.to_string(),
            deadline: self.options.timeout,
            received,
            attempts: 1,
        }
    }

    /// Reads the body by the deadline. `url` is the one asked for (timeouts name it, as the
    /// user knows it); `final_url` the one that answered.
    fn read_body(
        &self,
        mut response: Response,
        url: &Url,
        final_url: &Url,
        deadline: Instant,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.options.max_bytes;
        let expected = response.content_length();
        if expected.is_some_and(|len| len > limit as u64) {
            return Err(FetchError::TooLarge {
                url: final_url.to_string(),
                limit,
            });
        }
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            // reqwest ends the read when the request's time is up; checking here as well
            // keeps the deadline whatever the transport does between reads.
            if Instant::now() >= deadline {
                return Err(self.timed_out(url, Some(bytes.len())));
            }
            let n = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if is_timeout(&e) || Instant::now() >= deadline {
                        return Err(self.timed_out(url, Some(bytes.len())));
                    }
                    if let Some(expected) = expected {
                        if (bytes.len() as u64) < expected {
                            return Err(FetchError::Truncated {
                                url: final_url.to_string(),
                                received: bytes.len(),
                                expected,
                            });
                        }
                    }
                    return Err(FetchError::Body {
                        url: final_url.to_string(),
                        detail: chain(&e),
                    });
                }
            };
            if bytes.len() + n > limit {
                return Err(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        if let Some(expected) = expected {
            if (bytes.len() as u64) < expected {
                return Err(FetchError::Truncated {
                    url: final_url.to_string(),
                    received: bytes.len(),
                    expected,
                });
            }
        }
        Ok(bytes)
    }

    fn classify(&self, e: &reqwest::Error, host: &str, url: &Url) -> FetchError {
        let detail = chain(e);
        let lower = detail.to_ascii_lowercase();
        if e.is_redirect() {
            return FetchError::Redirect {
                url: url.to_string(),
            };
        }
        if e.is_timeout() || lower.contains("timed out") {
            // The connect limit can only be what ran out if it is shorter than the time left.
            return if e.is_connect() {
                FetchError::ConnectTimeout {
                    host: host.to_owned(),
                    limit: self.options.connect_timeout,
                    attempts: 1,
                }
            } else {
                self.timed_out(url, None)
            };
        }
        if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
        {
            // The resolver's own words; the layers above it only repeat the URL.
            return FetchError::Dns {
                host: host.to_owned(),
                detail: innermost(e),
            };
        }
        if lower.contains("certificate")
            || lower.contains("ssl")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            return FetchError::Tls {
                host: host.to_owned(),
                detail,
            };
        }
        FetchError::Connect {
            host: host.to_owned(),
            detail,
        }
    }
}

/// The request's headers: the defaults, each replaced by an extra header of the same name, so
/// that every name is sent once.
fn request_headers(extra: &[(&str, &str)]) -> Result<HeaderMap, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static(
            "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8",
        ),
    );
    for (name, value) in extra {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| FetchError::Client(format!("not a header name: {name:?}")))?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| FetchError::Client(format!("the {name} header's value is not valid")))?;
        if name == header::AUTHORIZATION {
            value.set_sensitive(true);
        }
        headers.insert(name, value);
    }
    Ok(headers)
}

/// Whether a read failed because time ran out (reqwest wraps its own error in the I/O one).
fn is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
        || chain(e).to_ascii_lowercase().contains("timed out")
}

/// An error with its sources, as one line.
/// The deepest cause of an error.
fn innermost(e: &dyn std::error::Error) -> String {
    std::iter::successors(Some(e), |e| e.source())
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn status_hint(status: StatusCode, url: &Url) -> String {
    let entra = url
        .host_str()
        .is_some_and(|h| crate::entra::Cloud::from_login_host(&h.to_ascii_lowercase()).is_some());
    let graph = url.path().contains("/servicePrincipals/");
    match status.as_u16() {
        401 | 403 if graph => {
            ": the Graph token is missing, expired, or lacks Policy.Read.ApplicationConfiguration (get one with: az account get-access-token --resource-type ms-graph)".into()
        }
        404 if graph => ": no service principal with that object ID (use the enterprise application's Object ID, not its Application ID)".into(),
        400 | 404 if entra => {

            ": the tenant or application ID is probably wrong (check 'Directory (tenant) ID' and the enterprise application's 'Application ID' in the Entra portal)".into()
        }
        400 | 404 => ": check the URL".into(),
        401 | 403 => ": access denied; app federation metadata is public, so a proxy or firewall may be blocking it".into(),
        429 => ": rate limited; try again later".into(),
        s if s >= 500 => ": the server failed; try again later".into(),
        _ => String::new(),
    }
}

fn looks_like_html(bytes: &[u8], content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html")) {
        return true;
    }
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect::<Vec<u8>>();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_header_replaces_the_default_of_its_name() {
        let headers = request_headers(&[
            ("Authorization", "Bearer t"),
            ("Accept", "application/json"),
        ])
        .unwrap();
        let accept: Vec<_> = headers.get_all(header::ACCEPT).iter().collect();
        assert_eq!(accept, ["application/json"]);
        assert!(headers[header::AUTHORIZATION].is_sensitive());

        let defaults = request_headers(&[]).unwrap();
        assert_eq!(defaults.get_all(header::ACCEPT).iter().count(), 1);

        let err = request_headers(&[("Authorization", "Bearer secret\n")]).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn deadlines_read_as_written() {
        assert_eq!(span(Duration::from_secs(2)), "2s");
        assert_eq!(span(Duration::from_secs(90)), "1m 30s");
        assert_eq!(span(Duration::from_millis(1500)), "1s 500ms");
        let timeout = FetchError::Timeout {
            url: "https://example.test/md.xml".into(),
            deadline: Duration::from_secs(2),
            received: Some(1),
            attempts: 2,
        };
        assert_eq!(
            timeout.to_string(),
            "no complete answer from https://example.test/md.xml within the 2s deadline: the body was still arriving (1 byte received, after 2 attempts)"
        );
    }
}

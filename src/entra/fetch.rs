//! Fetching metadata over HTTPS: bounded in time, size and retries, never over plain HTTP.

use reqwest::blocking::{Client, Response};
use reqwest::{header, redirect, StatusCode};
use std::io::Read;
use std::time::Duration;
use thiserror::Error;
use url::Url;

/// How the HTTP client behaves.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub connect_timeout: Duration,
    /// Deadline for one whole request, body included.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Attempts in all (1 = no retry). Retried: timeouts, connection failures, 429 and 5xx.
    pub attempts: u32,
    /// Wait before the first retry; doubled for each further one.
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
    #[error("TLS failure talking to {host}: {detail} (a proxy that inspects TLS needs its root in --ca-file)")]
    Tls { host: String, detail: String },
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("no complete answer from {host} within {seconds} s (after {attempts} attempt{})", if *.attempts == 1 { "" } else { "s" })]
    Timeout {
        host: String,
        seconds: u64,
        attempts: u32,
    },
    #[error("HTTP {status} from {url}{hint}")]
    Status {
        status: u16,
        url: String,
        hint: String,
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
    fn retryable(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Connect { .. }
            | FetchError::Truncated { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
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
            .timeout(options.timeout)
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
        let mut attempt = 1;
        loop {
            match self.try_once(url, headers) {
                Ok(mut fetched) => {
                    fetched.attempts = attempt;
                    return Ok(fetched);
                }
                Err((err, retry_after)) if err.retryable() && attempt < self.options.attempts => {
                    let backoff = self.options.backoff * 2u32.saturating_pow(attempt - 1);
                    std::thread::sleep(retry_after.unwrap_or(backoff).min(Duration::from_secs(10)));
                    attempt += 1;
                }
                Err((FetchError::Timeout { host, seconds, .. }, _)) => {
                    return Err(FetchError::Timeout {
                        host,
                        seconds,
                        attempts: attempt,
                    })
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    fn try_once(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
    ) -> Result<Fetched, (FetchError, Option<Duration>)> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut request = self.client.get(url.clone()).header(
            header::ACCEPT,
            "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8",
        );
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .map_err(|e| (self.classify(&e, &host, url), None))?;
        let final_url = response.url().clone();
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err((
                FetchError::Status {
                    status: status.as_u16(),
                    url: final_url.to_string(),
                    hint: status_hint(status, &final_url),
                },
                retry_after,
            ));
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = self
            .read_body(response, &final_url, &host)
            .map_err(|e| (e, None))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err((
                FetchError::Empty {
                    url: final_url.to_string(),
                },
                None,
            ));
        }
        if looks_like_html(&bytes, content_type.as_deref()) {
            return Err((
                FetchError::Html {
                    url: final_url.to_string(),
                    hint: if crate::entra::Cloud::from_login_host(&host).is_some() {
                        ": Entra shows a page like this for an unknown tenant or application ID, or a sign-in page when a proxy intercepts the request".into()
                    } else {
                        ": check that the URL points at the metadata document itself".into()
                    },
                },
                None,
            ));
        }
        Ok(Fetched {
            url: final_url,
            bytes,
            content_type,
            attempts: 1,
        })
    }

    fn read_body(&self, response: Response, url: &Url, host: &str) -> Result<Vec<u8>, FetchError> {
        let limit = self.options.max_bytes;
        let expected = response.content_length();
        if expected.is_some_and(|len| len > limit as u64) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let mut bytes = Vec::new();
        let read = response.take(limit as u64 + 1).read_to_end(&mut bytes);
        if let Err(e) = read {
            let detail = chain(&e);
            if let Some(expected) = expected {
                if (bytes.len() as u64) < expected && !detail.contains("timed out") {
                    return Err(FetchError::Truncated {
                        url: url.to_string(),
                        received: bytes.len(),
                        expected,
                    });
                }
            }
            if detail.contains("timed out") || detail.contains("timeout") {
                return Err(FetchError::Timeout {
                    host: host.to_owned(),
                    seconds: self.options.timeout.as_secs(),
                    attempts: 1,
                });
            }
            return Err(FetchError::Body {
                url: url.to_string(),
                detail,
            });
        }
        if bytes.len() > limit {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        if let Some(expected) = expected {
            if (bytes.len() as u64) < expected {
                return Err(FetchError::Truncated {
                    url: url.to_string(),
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
            return FetchError::Timeout {
                host: host.to_owned(),
                seconds: self.options.timeout.as_secs(),
                attempts: 1,
            };
        }
        if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
        {
            return FetchError::Dns {
                host: host.to_owned(),
                detail,
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

/// An error with its sources, as one line.
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

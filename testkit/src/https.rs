//! A real HTTPS server on 127.0.0.1 for fetch tests: TLS from OpenSSL with a certificate issued
//! by a test CA, one thread per connection, answers chosen by a handler.

use crate::pki::TestCa;
use openssl::ssl::{SslAcceptor, SslMethod};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The request line and headers the server received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, e.g. `/tenant/federationmetadata/2007-06/federationmetadata.xml?appid=…`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// 0 for the first request this server received, 1 for the next, …
    pub sequence: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Announces `declared` bytes in Content-Length, sends `body` (shorter), then closes.
    Truncated { declared: usize, body: Vec<u8> },
    /// Sends headers, then the body after `delay` (to exercise total timeouts).
    Slow { delay: Duration, body: Vec<u8> },
    /// Reads the request and never answers until the client gives up.
    Stall,
    /// `302 Found` to `location`.
    Redirect { location: String },
    /// Writes `head` at once, then `rest` one byte every `interval`, until done or the client
    /// hangs up: a server that keeps a request alive without ever finishing it. `head` and
    /// `rest` are the raw response, status line and headers included.
    Trickle {
        head: Vec<u8>,
        rest: Vec<u8>,
        interval: Duration,
    },
}

impl Reply {
    pub fn xml(body: impl Into<Vec<u8>>) -> Self {
        Reply::Full {
            status: 200,
            content_type: "application/xml; charset=utf-8",
            body: body.into(),
        }
    }

    pub fn status(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Reply::Full {
            status,
            content_type,
            body: body.into(),
        }
    }

    /// A raw response, written as given.
    pub fn raw(response: impl Into<Vec<u8>>) -> Self {
        Reply::Trickle {
            head: response.into(),
            rest: Vec::new(),
            interval: Duration::ZERO,
        }
    }

    /// `200 OK` with headers announcing all of `body`, which then arrives one byte every
    /// `interval`.
    pub fn trickle_body(body: impl Into<Vec<u8>>, interval: Duration) -> Self {
        let body = body.into();
        Reply::Trickle {
            head: format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            rest: body,
            interval,
        }
    }
}

pub type Handler = dyn Fn(&Request) -> Reply + Send + Sync + 'static;

pub struct Server {
    port: u16,
    pki: TestCa,
    stop: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let pki = TestCa::new();
        let mut acceptor =
            SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
        acceptor.set_private_key(&pki.server.key).expect("key");
        acceptor.set_certificate(&pki.server.cert).expect("cert");
        acceptor
            .add_extra_chain_cert(pki.ca.cert.clone())
            .expect("chain");
        let acceptor = Arc::new(acceptor.build());

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let stop = stop.clone();
            let hits = hits.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let acceptor = acceptor.clone();
                    let handler = handler.clone();
                    let hits = hits.clone();
                    let stop = stop.clone();
                    thread::spawn(move || serve(stream, &acceptor, &*handler, &hits, &stop));
                }
            });
        }
        Server {
            port,
            pki,
            stop,
            hits,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{}", self.port, path)
    }

    /// `https://<host>:<port><path>`, for a name the certificate also covers (`localhost`):
    /// the same server, seen as another host.
    pub fn url_on(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{}", self.port, path)
    }

    /// The test CA's certificate, PEM, for `--ca-file`.
    pub fn ca_pem(&self) -> Vec<u8> {
        self.pki.ca.cert_pem()
    }

    /// How many requests reached the handler.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    stream: TcpStream,
    acceptor: &SslAcceptor,
    handler: &Handler,
    hits: &AtomicUsize,
    stop: &AtomicBool,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut tls) = acceptor.accept(stream) else {
        return;
    };
    let Some(head) = read_head(&mut tls) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let sequence = hits.fetch_add(1, Ordering::SeqCst);
    let request = Request {
        method,
        target,
        headers,
        sequence,
    };
    match handler(&request) {
        Reply::Full {
            status,
            content_type,
            body,
        } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(status),
                body.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(&body);
        }
        Reply::Truncated { declared, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(&body);
        }
        Reply::Slow { delay, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.flush();
            sleep_unless_stopped(delay, stop);
            let _ = tls.write_all(&body);
        }
        Reply::Stall => sleep_unless_stopped(Duration::from_secs(30), stop),
        Reply::Redirect { location } => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = tls.write_all(head.as_bytes());
        }
        Reply::Trickle {
            head,
            rest,
            interval,
        } => {
            if tls.write_all(&head).and_then(|()| tls.flush()).is_err() {
                return;
            }
            for byte in rest {
                sleep_unless_stopped(interval, stop);
                if stop.load(Ordering::SeqCst)
                    || tls.write_all(&[byte]).and_then(|()| tls.flush()).is_err()
                {
                    return;
                }
            }
        }
    }
    let _ = tls.flush();
    let _ = tls.shutdown();
    let _ = tls.get_ref().shutdown(Shutdown::Both);
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::SeqCst) {
        thread::sleep(step);
        waited += step;
    }
}

fn read_head(tls: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 64 * 1024 || tls.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    String::from_utf8(buf).ok()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

//! `samlbridge fetch` against a real HTTPS server on 127.0.0.1 with a test CA.

use crate::util::*;
use samlbridge_testkit::https::{Reply, Server};
use std::path::Path;
use std::time::Duration;

const PATH: &str = "/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/federationmetadata/2007-06/federationmetadata.xml?appid=6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d";

fn metadata() -> Vec<u8> {
    std::fs::read(testdata("metadata/entra-app.xml")).unwrap()
}

struct Setup {
    server: Server,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(
        handler: impl Fn(&samlbridge_testkit::https::Request) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let server = Server::start(handler);
        let dir = tempdir();
        std::fs::write(dir.path().join("ca.pem"), server.ca_pem()).unwrap();
        Setup { server, dir }
    }

    fn ca(&self) -> String {
        self.dir
            .path()
            .join("ca.pem")
            .to_string_lossy()
            .into_owned()
    }

    fn out(&self) -> String {
        self.dir
            .path()
            .join("md.xml")
            .to_string_lossy()
            .into_owned()
    }

    fn fetch(&self, extra: &[&str]) -> std::process::Output {
        let url = self.server.url(PATH);
        let ca = self.ca();
        let out = self.out();
        let mut args = vec![
            "fetch",
            "--url",
            &url,
            "--ca-file",
            &ca,
            "-o",
            &out,
            "--now",
            "2026-11-27T12:00:00Z",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

#[test]
fn fetches_checks_and_saves() {
    let body = metadata();
    let served = body.clone();
    let s = Setup::new(move |req| {
        assert_eq!(req.method, "GET");
        assert!(req
            .header("user-agent")
            .unwrap_or_default()
            .starts_with("samlbridge/"));
        Reply::xml(served.clone())
    });
    let out = s.fetch(&["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "fetch");
    crate::schemas::assert_matches("fetch", &doc);
    assert_eq!(doc["attempts"], 1);
    assert_eq!(doc["saved_to"], s.out().as_str());
    assert!(doc["url"].as_str().unwrap().ends_with(PATH));
    assert_eq!(doc["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read(s.out()).unwrap(), body, "saved byte for byte");

    let human = s.fetch(&[]);
    assert!(stdout(&human).contains(&format!("Saved {} bytes to {}", body.len(), s.out())));
}

#[test]
fn document_to_stdout_report_to_stderr() {
    let body = metadata();
    let served = body.clone();
    let s = Setup::new(move |_| Reply::xml(served.clone()));
    let url = s.server.url(PATH);
    let ca = s.ca();
    let out = run(&[
        "fetch",
        "--url",
        &url,
        "--ca-file",
        &ca,
        "-o",
        "-",
        "--now",
        "2026-11-27T12:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(out.stdout, body);
    assert!(stderr(&out).contains("PASS fetch"));
}

#[test]
fn retries_after_a_503() {
    let body = metadata();
    let s = Setup::new(move |req| {
        if req.sequence == 0 {
            Reply::status(503, "text/plain", "busy")
        } else {
            Reply::xml(body.clone())
        }
    });
    let out = s.fetch(&["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["attempts"], 2);
    assert_eq!(s.server.hits(), 2);
}

#[test]
fn gives_up_after_the_attempts() {
    let s = Setup::new(|_| Reply::status(500, "text/plain", "broken"));
    let out = s.fetch(&["--attempts", "2"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("HTTP 500"), "{}", stderr(&out));
    assert_eq!(s.server.hits(), 2);
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn not_found_is_not_retried() {
    let s = Setup::new(|_| Reply::status(404, "text/plain", "no such app"));
    let out = s.fetch(&[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("HTTP 404"), "{}", stderr(&out));
    assert_eq!(s.server.hits(), 1);
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn html_instead_of_xml() {
    let s = Setup::new(|_| {
        Reply::status(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body>AADSTS90002</body></html>",
        )
    });
    let out = s.fetch(&[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("HTML page, not XML metadata"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn oversized_body() {
    let s = Setup::new(|_| Reply::xml(vec![b' '; 50_000]));
    let out = s.fetch(&["--max-size", "20000"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("exceeds the 20000-byte limit"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn truncated_body() {
    let body = metadata();
    let s = Setup::new(move |_| Reply::Truncated {
        declared: body.len(),
        body: body[..body.len() / 2].to_vec(),
    });
    let out = s.fetch(&["--attempts", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cut off"), "{}", stderr(&out));
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn timeout() {
    let s = Setup::new(|_| Reply::Stall);
    let started = std::time::Instant::now();
    let out = s.fetch(&["--timeout", "1s", "--attempts", "1"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!(
            "no answer from {} within the 1s deadline (after 1 attempt)",
            s.server.url(PATH)
        )),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!Path::new(&s.out()).exists());

    let body = metadata();
    let slow = Setup::new(move |_| Reply::Slow {
        delay: Duration::from_secs(5),
        body: body.clone(),
    });
    let out = slow.fetch(&["--timeout", "1s", "--attempts", "1"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out)
            .contains("within the 1s deadline: the body was still arriving (0 bytes received"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn untrusted_server_certificate() {
    let s = Setup::new(|_| Reply::xml(b"<x/>".to_vec()));
    let url = s.server.url(PATH);
    let out = run(&["fetch", "--url", &url, "-o", &s.out()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("TLS failure talking to 127.0.0.1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        s.server.hits(),
        0,
        "no request may be sent over an unverified connection"
    );
}

#[test]
fn refuses_plain_http_and_bad_identifiers() {
    let out = run(&["fetch", "--url", "http://127.0.0.1/md.xml"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("https://"), "{}", stderr(&out));

    let out = run(&[
        "fetch",
        "--tenant",
        "common",
        "--app-id",
        "6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("multi-tenant endpoint"),
        "{}",
        stderr(&out)
    );

    let out = run(&["fetch", "--tenant", "contoso.com", "--app-id", "my-app"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not an application ID"),
        "{}",
        stderr(&out)
    );

    let out = run(&["fetch", "--tenant", "contoso.com"]);
    assert_eq!(code(&out), 2, "clap's usage error");
}

#[test]
fn unresolvable_host() {
    let out = run(&[
        "fetch",
        "--url",
        "https://metadata.does-not-exist.invalid/md.xml",
        "--connect-timeout",
        "3s",
        "--timeout",
        "5s",
        "--attempts",
        "1",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("metadata.does-not-exist.invalid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn hostile_document_is_not_saved() {
    let s = Setup::new(|_| {
        Reply::xml(br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&e;"/>"#.to_vec())
    });
    let out = s.fetch(&["--format", "json"]);
    assert_eq!(code(&out), 1);
    let doc = json(&out);
    assert!(has_finding(&doc, "xml-dtd", "error"));
    assert!(doc["saved_to"].is_null());
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn follows_https_redirects_only() {
    let body = metadata();
    let s = Setup::new(move |req| match req.target.as_str() {
        "/moved" => Reply::Redirect {
            location: "/here".into(),
        },
        "/downgrade" => Reply::Redirect {
            location: "http://127.0.0.1/here".into(),
        },
        _ => Reply::xml(body.clone()),
    });
    let ca = s.ca();
    let out_path = s.out();
    let url = s.server.url("/moved");
    let out = run(&[
        "fetch",
        "--url",
        &url,
        "--ca-file",
        &ca,
        "-o",
        &out_path,
        "--format",
        "json",
        "--now",
        "2026-11-27T12:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert!(doc["url"].as_str().unwrap().ends_with("/here"));
    assert!(
        !findings(&doc)
            .iter()
            .any(|(c, _)| c == "metadata-redirect-other-host"),
        "the same server: {doc}"
    );

    let url = s.server.url("/downgrade");
    std::fs::remove_file(&out_path).unwrap();
    let out = run(&["fetch", "--url", &url, "--ca-file", &ca, "-o", &out_path]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("redirected to a non-HTTPS"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&out_path).exists());
}

// --timeout is the deadline for everything samlbridge does with one URL: every attempt, the
// waits between them and each body to its last byte, whichever command fetches.

const GUID: &str = "0c3e5a7b-9d1f-4b2c-8e4a-6f8d0b2c4e6a";

/// A server that sends its headers at once, then one byte of `body` every half second: a
/// 9 KB document would take over an hour.
fn trickling(body: Vec<u8>) -> Setup {
    Setup::new(move |_| Reply::trickle_body(body.clone(), Duration::from_millis(500)))
}

/// Runs samlbridge, timing it.
fn timed(args: &[&str]) -> (std::process::Output, Duration) {
    let started = std::time::Instant::now();
    let out = run(args);
    (out, started.elapsed())
}

/// A run the 2 s deadline ended: about 2 s, exit code 2, a message naming the URL, the
/// deadline and the flag that sets it.
fn ended_by_deadline(out: &std::process::Output, took: Duration, url: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{err}");
    assert!(took >= Duration::from_millis(1900), "took {took:?}: {err}");
    assert!(took < Duration::from_secs(6), "took {took:?}: {err}");
    assert!(err.contains(url), "names the URL: {err}");
    assert!(
        err.contains("within the 2s deadline"),
        "says what ran out: {err}"
    );
    assert!(err.contains("--timeout"), "names the flag: {err}");
}

#[test]
fn timeout_bounds_a_trickled_body() {
    let s = trickling(metadata());
    let (out, took) = timed(&[
        "fetch",
        "--url",
        &s.server.url(PATH),
        "--ca-file",
        &s.ca(),
        "-o",
        &s.out(),
        "--timeout",
        "2s",
    ]);
    ended_by_deadline(&out, took, &s.server.url(PATH));
    assert!(
        stderr(&out).contains("the body was still arriving"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server.hits(), 1, "a spent deadline leaves no retry");
    assert!(!Path::new(&s.out()).exists());
}

#[test]
fn timeout_bounds_trickled_headers() {
    let body = metadata();
    let s = Setup::new(move |_| Reply::Trickle {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        rest: format!(
            "Content-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes(),
        interval: Duration::from_millis(500),
    });
    let (out, took) = timed(&[
        "fetch",
        "--url",
        &s.server.url(PATH),
        "--ca-file",
        &s.ca(),
        "-o",
        &s.out(),
        "--timeout",
        "2s",
    ]);
    ended_by_deadline(&out, took, &s.server.url(PATH));
    assert!(stderr(&out).contains("no answer from"), "{}", stderr(&out));
}

#[test]
fn timeout_covers_every_attempt() {
    // Each attempt gets three bytes of a 100-byte body, a second apart, then the connection
    // closes: a cut-off body, which is retried. Three full attempts and their pauses would
    // take 10.5 s; the 4 s deadline ends the second one.
    let s = Setup::new(|_| {
        Reply::Trickle {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 100\r\nConnection: close\r\n\r\n".to_vec(),
        rest: b"<?x".to_vec(),
        interval: Duration::from_secs(1),
    }
    });
    let (out, took) = timed(&[
        "fetch",
        "--url",
        &s.server.url(PATH),
        "--ca-file",
        &s.ca(),
        "-o",
        &s.out(),
        "--timeout",
        "4s",
        "--attempts",
        "3",
    ]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(took < Duration::from_secs(7), "took {took:?}: {err}");
    assert_eq!(s.server.hits(), 2, "{err}");
    assert!(
        err.contains("within the 4s deadline") && err.contains("after 2 attempts"),
        "{err}"
    );
}

#[test]
fn retry_after_past_the_deadline_is_not_waited_for() {
    let s = Setup::new(|_| {
        Reply::raw("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 60\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy")
    });
    let (out, took) = timed(&[
        "fetch",
        "--url",
        &s.server.url(PATH),
        "--ca-file",
        &s.ca(),
        "-o",
        &s.out(),
        "--timeout",
        "2s",
    ]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(took < Duration::from_secs(2), "took {took:?}: {err}");
    assert_eq!(s.server.hits(), 1);
    assert!(
        err.contains(&format!(
            "HTTP 503 from {}: the server asks to be retried in 1m, past the 2s deadline (after 1 attempt)",
            s.server.url(PATH)
        )),
        "{err}"
    );
    assert!(err.contains("--timeout"), "{err}");
}

#[test]
fn retry_after_within_the_deadline_is_honoured() {
    let body = metadata();
    let s = Setup::new(move |req| {
        if req.sequence == 0 {
            Reply::raw("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        } else {
            Reply::xml(body.clone())
        }
    });
    let started = std::time::Instant::now();
    let out = s.fetch(&["--timeout", "10s", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(json(&out)["attempts"], 2);
}

#[test]
fn check_url_keeps_the_deadline() {
    let s = trickling(metadata());
    let url = s.server.url(PATH);
    let (out, took) = timed(&["check", &url, "--ca-file", &s.ca(), "--timeout", "2s"]);
    ended_by_deadline(&out, took, &url);
}

#[test]
fn validate_metadata_url_keeps_the_deadline() {
    let s = trickling(std::fs::read(testdata("metadata/entra-app-rollover.xml")).unwrap());
    let url = s.server.url(PATH);
    let response = testdata("responses/valid/idc-both-signed.xml");
    let sp = testdata("metadata/identity-center-sp.xml");
    let (out, took) = timed(&[
        "validate",
        &response,
        "--metadata",
        &url,
        "--ca-file",
        &s.ca(),
        "--timeout",
        "2s",
        "--target",
        "identity-center",
        "--sp-metadata",
        &sp,
        "--now",
        FIXTURE_NOW,
    ]);
    ended_by_deadline(&out, took, &url);
}

#[test]
fn aws_metadata_url_keeps_the_deadline() {
    let s = trickling(metadata());
    let url = s.server.url(PATH);
    let dir = s.dir.path().join("iam");
    let claims = testdata("claims/iam.toml");
    let (out, took) = timed(&[
        "aws",
        "iam",
        &url,
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "ReadOnly",
        "--claims",
        &claims,
        "--out",
        dir.to_str().unwrap(),
        "--ca-file",
        &s.ca(),
        "--timeout",
        "2s",
    ]);
    ended_by_deadline(&out, took, &url);
    assert!(!dir.exists(), "nothing written");
}

/// `aws identity-center` with its claims from a Graph stand-in at `graph` (base URL).
fn identity_center_with_graph(graph: &str, ca: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "aws",
        "identity-center",
        &testdata("metadata/entra-app-rollover.xml"),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--instance-arn",
        "arn:aws:sso:::instance/ssoins-1234567890abcdef",
        "--service-principal-id",
        GUID,
        "--graph-token",
        "t0ken",
        "--graph-endpoint",
        graph,
        "--ca-file",
        ca,
        "--out",
        out.to_str().unwrap(),
        "--now",
        "2026-11-27T12:00:00Z",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[test]
fn graph_claims_policy_keeps_the_deadline() {
    let policy = std::fs::read(testdata("claims/identity-center.claims-policy.json")).unwrap();
    let s = trickling(policy);
    let out_dir = s.dir.path().join("idc");
    let args =
        identity_center_with_graph(&s.server.url("/"), &s.ca(), &out_dir, &["--timeout", "2s"]);
    let (out, took) = timed(&args.iter().map(String::as_str).collect::<Vec<_>>());
    ended_by_deadline(
        &out,
        took,
        &s.server
            .url(&format!("/beta/servicePrincipals/{GUID}/claimsPolicy")),
    );
    assert!(
        stderr(&out).contains("fetching the claims policy from Microsoft Graph"),
        "{}",
        stderr(&out)
    );
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn graph_requests_carry_one_accept_header() {
    let policy = std::fs::read(testdata("claims/identity-center.claims-policy.json")).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let s = Setup::new(move |req| {
        log.lock().unwrap().push(req.clone());
        Reply::status(200, "application/json", policy.clone())
    });
    let out_dir = s.dir.path().join("idc");
    let args =
        identity_center_with_graph(&s.server.url("/"), &s.ca(), &out_dir, &["--format", "json"]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(
        req.target,
        format!("/beta/servicePrincipals/{GUID}/claimsPolicy")
    );
    let accept: Vec<&str> = req
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(accept, ["application/json"], "{:?}", req.headers);
    assert_eq!(req.header("authorization"), Some("Bearer t0ken"));
}

#[test]
fn metadata_requests_carry_one_accept_header() {
    let body = metadata();
    let accepts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = accepts.clone();
    let s = Setup::new(move |req| {
        log.lock().unwrap().extend(
            req.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("accept"))
                .map(|(_, v)| v.clone()),
        );
        Reply::xml(body.clone())
    });
    let out = s.fetch(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        *accepts.lock().unwrap(),
        ["application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8"]
    );
}

// A redirect to another host is followed, and the report says where the document came from.

/// Two servers: `first` (as 127.0.0.1) redirects every request to `second` (as localhost),
/// which serves `body`; `ca` trusts both.
struct CrossHost {
    first: Server,
    second: Server,
    dir: tempfile::TempDir,
}

impl CrossHost {
    fn new(body: Vec<u8>) -> Self {
        let second = Server::start(move |_| Reply::xml(body.clone()));
        let target = second.url_on("localhost", "/elsewhere/metadata.xml");
        let first = Server::start(move |_| Reply::Redirect {
            location: target.clone(),
        });
        let dir = tempdir();
        let mut pem = first.ca_pem();
        pem.extend_from_slice(&second.ca_pem());
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
        CrossHost { first, second, dir }
    }

    fn ca(&self) -> String {
        self.dir
            .path()
            .join("ca.pem")
            .to_string_lossy()
            .into_owned()
    }

    fn asked(&self) -> String {
        self.first.url(PATH)
    }

    fn answered(&self) -> String {
        self.second.url_on("localhost", "/elsewhere/metadata.xml")
    }
}

fn redirect_finding(doc: &serde_json::Value) -> serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "metadata-redirect-other-host")
        .cloned()
        .unwrap_or_else(|| panic!("no metadata-redirect-other-host finding: {doc}"))
}

#[test]
fn fetch_reports_a_redirect_to_another_host() {
    let x = CrossHost::new(metadata());
    let out_path = x.dir.path().join("md.xml");
    let out_path = out_path.to_str().unwrap();
    let base = [
        "fetch",
        "--url",
        &x.asked(),
        "--ca-file",
        &x.ca(),
        "-o",
        out_path,
        "--now",
        "2026-11-27T12:00:00Z",
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let out = run(&args);
    assert_eq!(code(&out), 0, "a warning: {}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["source"], x.asked().as_str());
    assert_eq!(doc["url"], x.answered().as_str());
    let f = redirect_finding(&doc);
    assert_eq!(f["severity"], "warning");
    let port = x.second.port();
    assert_eq!(f["subject"], x.asked().as_str());
    assert_eq!(
        f["message"],
        format!(
            "redirected to {}: the document came from localhost:{port}, not 127.0.0.1:{}",
            x.answered(),
            x.first.port()
        )
    );
    assert_eq!(x.second.hits(), 1);

    let out = run(&base);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("PASS fetch {}", x.asked())),
        "{text}"
    );
    assert!(
        text.contains(&format!("redirected to {}", x.answered())),
        "{text}"
    );
    assert!(
        text.contains("warning[metadata-redirect-other-host]"),
        "{text}"
    );

    // The user can make it an error.
    args.extend(["--deny", "metadata-redirect-other-host"]);
    let out = run(&args);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(redirect_finding(&json(&out))["severity"], "error");
}

#[test]
fn check_reports_a_redirect_to_another_host() {
    let x = CrossHost::new(metadata());
    let asked = x.asked();
    let ca = x.ca();
    let args = [
        "check",
        &asked,
        "--ca-file",
        &ca,
        "--now",
        "2026-11-27T12:00:00Z",
    ];
    let out = run(&args);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        text.contains(&format!("redirected to {}", x.answered())),
        "{text}"
    );
    assert!(
        text.contains("warning[metadata-redirect-other-host]"),
        "{text}"
    );

    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let doc = json(&run(&args));
    assert_eq!(doc["url"], x.answered().as_str());
    assert_eq!(redirect_finding(&doc)["severity"], "warning");
}

#[test]
fn validate_says_its_metadata_came_from_another_host() {
    let x = CrossHost::new(std::fs::read(testdata("metadata/entra-app-rollover.xml")).unwrap());
    let mut args = validate_idc_args(
        &[&testdata("responses/valid/idc-both-signed.xml")],
        "metadata/entra-app-rollover.xml",
        &["--ca-file", &x.ca()],
    );
    let at = args.iter().position(|a| a == "--metadata").unwrap();
    args[at + 1] = x.asked();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "samlbridge: warning: {}: redirected to {}",
            x.asked(),
            x.answered()
        )) && stderr(&out).contains("[metadata-redirect-other-host]"),
        "{}",
        stderr(&out)
    );

    let mut denied = refs.clone();
    denied.extend(["--deny", "metadata-redirect-other-host"]);
    let out = run(&denied);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not trusting the metadata"),
        "{}",
        stderr(&out)
    );
}

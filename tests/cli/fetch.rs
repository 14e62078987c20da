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
        stderr(&out).contains("no complete answer from 127.0.0.1 within 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!Path::new(&s.out()).exists());

    let body = metadata();
    let slow = Setup::new(move |_| Reply::Slow {
        delay: Duration::from_secs(5),
        body: body.clone(),
    });
    let out = slow.fetch(&["--timeout", "1s", "--attempts", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("within 1 s"), "{}", stderr(&out));
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
    assert!(json(&out)["url"].as_str().unwrap().ends_with("/here"));

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

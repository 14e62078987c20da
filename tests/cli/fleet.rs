//! `samlbridge check --apps`: 200 Entra applications served by a real HTTPS server on
//! 127.0.0.1, a few of them failing in different ways.

use crate::util::*;
use chrono::{Duration, TimeZone, Utc};
use samlbridge_testkit::fixtures::TENANT;
use samlbridge_testkit::https::{Reply, Server};
use samlbridge_testkit::idp::MetadataSpec;
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

const NOW: &str = "2026-11-27T09:00:00Z";
const APPS: usize = 200;

fn app_id(i: usize) -> String {
    format!("{i:08x}-1e2f-4a3b-9c4d-5e6f7a8b9c0d")
}

/// How app `i` fails, if it does.
fn failure(i: usize) -> Option<&'static str> {
    match i {
        17 => Some("404"),
        42 => Some("500"),
        99 => Some("html"),
        150 => Some("broken"),
        _ => None,
    }
}

/// Days from NOW until app `i`'s certificate expires: spread out and not in list order.
fn days_left(i: usize) -> i64 {
    ((i * 37) % APPS) as i64 + 3
}

struct Fleet {
    server: Server,
    dir: tempfile::TempDir,
    in_flight_max: Arc<AtomicUsize>,
}

/// Each application's signed metadata, by app id: made once for every test here.
fn documents() -> &'static HashMap<String, Vec<u8>> {
    static DOCS: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        (0..APPS)
            .map(|i| {
                let cert = CertBuilder::entra(
                    shared_key(KeySpec::Rsa(2048), 20 + (i % 4) as u32),
                    now - Duration::days(700),
                    now + Duration::days(days_left(i)),
                )
                .serial(1000 + i as u32)
                .build();
                let xml = MetadataSpec::entra_app(TENANT, vec![cert]).build();
                (app_id(i), xml.into_bytes())
            })
            .collect()
    })
}

fn fleet() -> Fleet {
    let docs = documents();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let in_flight_max = Arc::new(AtomicUsize::new(0));
    let (current, max) = (in_flight.clone(), in_flight_max.clone());
    let server = Server::start(move |req| {
        let now = current.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(5));
        current.fetch_sub(1, Ordering::SeqCst);
        let app = req.target.rsplit("appid=").next().unwrap_or_default();
        let i = usize::from_str_radix(&app[..8.min(app.len())], 16).unwrap_or(usize::MAX);
        match (failure(i), docs.get(app)) {
            (Some("404"), _) => Reply::status(404, "text/plain", "not found"),
            (Some("500"), _) => Reply::status(500, "text/plain", "oops"),
            (Some("html"), _) => Reply::status(
                200,
                "text/html",
                "<!DOCTYPE html><html><body>Sign in</body></html>",
            ),
            (Some(_), _) => Reply::xml("<EntityDescriptor><unclosed>"),
            (None, Some(doc)) => Reply::xml(doc.clone()),
            (None, None) => Reply::status(404, "text/plain", "unknown app"),
        }
    });
    let dir = tempdir();
    std::fs::write(dir.path().join("ca.pem"), server.ca_pem()).unwrap();
    let mut toml = String::from("# every SAML application of the tenant\n");
    let mut csv = String::from("tenant,app_id,name,target\n");
    for i in 0..APPS {
        toml.push_str(&format!(
            "[[app]]\nname = \"app {i:03}\"\ntenant = \"{TENANT}\"\napp_id = \"{}\"\ntarget = \"identity-center\"\n\n",
            app_id(i)
        ));
        csv.push_str(&format!(
            "{TENANT},{},app {i:03},identity-center\n",
            app_id(i)
        ));
    }
    std::fs::write(dir.path().join("apps.toml"), toml).unwrap();
    std::fs::write(dir.path().join("apps.csv"), csv).unwrap();
    Fleet {
        server,
        dir,
        in_flight_max,
    }
}

impl Fleet {
    fn run(&self, apps: &str, extra: &[&str]) -> std::process::Output {
        let apps = self.dir.path().join(apps);
        let ca = self.dir.path().join("ca.pem");
        let endpoint = self.server.url("/");
        let mut args = vec![
            "check",
            "--apps",
            apps.to_str().unwrap(),
            "--login-endpoint",
            &endpoint,
            "--ca-file",
            ca.to_str().unwrap(),
            "--attempts",
            "1",
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

#[test]
fn two_hundred_applications() {
    let f = fleet();
    let out = f.run("apps.toml", &["--format", "json"]);
    assert_eq!(
        code(&out),
        1,
        "unavailable apps are errors: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).is_empty(),
        "no progress bar when piped: {}",
        stderr(&out)
    );
    assert_eq!(f.server.hits(), APPS, "each application fetched once");
    assert!(
        f.in_flight_max.load(Ordering::SeqCst) <= 8,
        "at most --concurrency (8) fetches at once"
    );
    assert!(
        f.in_flight_max.load(Ordering::SeqCst) >= 2,
        "fetches overlap"
    );

    let doc = json(&out);
    assert_eq!(doc["command"], "check");
    crate::schemas::assert_matches("check", &doc);
    assert_eq!(doc["verdict"], "fail");
    let apps = doc["apps"].as_array().unwrap();
    assert_eq!(apps.len(), APPS);
    // The four that could not be checked come first, each with its reason.
    let unavailable: HashMap<&str, &Value> = apps[..4]
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a))
        .collect();
    for (name, says) in [
        ("app 017", "HTTP 404"),
        ("app 042", "HTTP 500"),
        ("app 099", "HTML"),
        ("app 150", "XML"),
    ] {
        let a = unavailable
            .get(name)
            .unwrap_or_else(|| panic!("{name} not first"));
        assert_eq!(a["status"], "unavailable");
        assert!(a["soonest_expiry"].is_null());
        let f = &a["findings"][0];
        assert_eq!(f["code"], "metadata-unavailable");
        assert!(
            f["message"].as_str().unwrap().contains(says),
            "{name}: {}",
            f["message"]
        );
    }
    // Then by soonest expiry, whatever the order of the file.
    let days: Vec<i64> = apps[4..]
        .iter()
        .map(|a| a["days_left"].as_i64().unwrap())
        .collect();
    let mut sorted = days.clone();
    sorted.sort();
    assert_eq!(days, sorted);
    assert_eq!(days[0], 3);
    let first = &apps[4];
    let i = (0..APPS).find(|&i| days_left(i) == 3).unwrap();
    assert_eq!(first["name"], format!("app {i:03}"));
    assert_eq!(first["status"], "errors", "expires within 7 days");
    assert_eq!(
        first["check"]["certificates"][0]["sha1"], first["thumbprint"],
        "the full check rides along"
    );
    let statuses: Vec<&str> = apps.iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"ok") && statuses.contains(&"warnings"));
    // Top-level findings name their application.
    let top = doc["findings"].as_array().unwrap();
    assert!(top.iter().any(
        |f| f["code"] == "cert-expiring" && f["subject"].as_str().unwrap().starts_with("app ")
    ));
    assert!(top
        .iter()
        .all(|f| f["subject"].as_str().is_some_and(|s| s.starts_with("app "))));
}

#[test]
fn human_table_csv_and_sarif() {
    let f = fleet();
    let out = f.run("apps.csv", &["--quiet", "--concurrency", "3"]);
    assert_eq!(code(&out), 1);
    assert!(f.in_flight_max.load(Ordering::SeqCst) <= 3);
    let text = stdout(&out);
    assert!(text.starts_with("FAIL check 200 applications"), "{text}");
    let header = text.find("APPLICATION").expect("a table");
    let table: Vec<&str> = text[header..].lines().skip(1).take(6).collect();
    assert!(
        table[0].contains("app 017") || table[0].contains("app 042"),
        "{table:?}"
    );
    assert!(
        table[4].contains(" 3  ") && table[4].contains("errors"),
        "{table:?}"
    );
    assert!(text.contains("metadata-unavailable"));
    assert!(text.contains("200 applications: "));
    assert!(text.trim_end().ends_with("4 unavailable"), "{text}");

    let out = f.run("apps.csv", &["--format", "sarif"]);
    let sarif = json(&out);
    crate::schemas::assert_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "metadata-unavailable"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .contains(&app_id(17))));
}

#[test]
fn bad_apps_files_exit_2() {
    let dir = tempdir();
    let bad = dir.path().join("apps.toml");
    std::fs::write(&bad, "[[app]]\ntenant = \"common\"\napp_id = \"x\"\n").unwrap();
    let out = run(&["check", "--apps", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("apps.toml: [[app]] #1: tenant"),
        "{}",
        stderr(&out)
    );

    let out = run(&["check", "--apps", "/nonexistent/apps.csv"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("/nonexistent/apps.csv"),
        "{}",
        stderr(&out)
    );

    let md = testdata("metadata/entra-app.xml");
    let out = run(&["check", &md, "--apps", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "METADATA and --apps exclude each other");
    let out = run(&["check", "--concurrency", "4"]);
    assert_eq!(code(&out), 2);
}

/// Each application gets the whole --timeout deadline, and a redirect to another host is a
/// finding of its application.
#[test]
fn each_application_has_its_deadline_and_its_redirects_reported() {
    const SLOW: [&str; 2] = ["0000a001", "0000a002"];
    const MOVED: &str = "0000b001";
    const FINE: &str = "0000c001";
    let id = |prefix: &str| format!("{prefix}-1e2f-4a3b-9c4d-5e6f7a8b9c0d");
    let doc = std::fs::read(testdata("metadata/entra-app.xml")).unwrap();
    let served = doc.clone();
    let elsewhere = Server::start(move |_| Reply::xml(served.clone()));
    let moved_to = elsewhere.url_on("localhost", "/moved/metadata.xml");
    let target = moved_to.clone();
    let login = Server::start(move |req| {
        let app = req.target.rsplit("appid=").next().unwrap_or_default();
        if SLOW.iter().any(|s| app.starts_with(s)) {
            Reply::trickle_body(doc.clone(), std::time::Duration::from_millis(500))
        } else if app.starts_with(MOVED) {
            Reply::Redirect {
                location: target.clone(),
            }
        } else {
            Reply::xml(doc.clone())
        }
    });
    let dir = tempdir();
    let mut pem = login.ca_pem();
    pem.extend_from_slice(&elsewhere.ca_pem());
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let apps = dir.path().join("apps.toml");
    let toml: String = [SLOW[0], SLOW[1], MOVED, FINE]
        .iter()
        .map(|p| {
            format!(
                "[[app]]\nname = \"{p}\"\ntenant = \"{TENANT}\"\napp_id = \"{}\"\n\n",
                id(p)
            )
        })
        .collect();
    std::fs::write(&apps, toml).unwrap();

    let endpoint = login.url("/");
    let started = std::time::Instant::now();
    // One at a time: the two slow applications take a deadline each.
    let out = run(&[
        "check",
        "--apps",
        apps.to_str().unwrap(),
        "--login-endpoint",
        &endpoint,
        "--ca-file",
        ca.to_str().unwrap(),
        "--timeout",
        "2s",
        "--concurrency",
        "1",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        took >= std::time::Duration::from_millis(3800) && took < std::time::Duration::from_secs(9),
        "took {took:?}"
    );
    let doc = json(&out);
    let app = |name: &str| {
        doc["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {doc}"))
            .clone()
    };
    for slow in SLOW {
        let a = app(slow);
        assert_eq!(a["status"], "unavailable");
        let message = a["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(a["url"].as_str().unwrap())
                && message.contains("within the 2s deadline"),
            "{message}"
        );
    }
    let moved = app(MOVED);
    assert_eq!(moved["check"]["url"], moved_to.as_str());
    assert!(moved["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "metadata-redirect-other-host" && f["severity"] == "warning"));
    let fine = app(FINE);
    assert!(fine["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] != "metadata-redirect-other-host"));
    assert_eq!(elsewhere.hits(), 1);
}

/// `--fail-under-days N` turns a certificate expiring in fewer than N days into exit 1, even
/// where the check only warns, and names the application.
#[test]
fn fail_under_days_fails_on_a_certificate_expiring_sooner() {
    let f = fleet();
    // app 001's certificate expires in 40 days (a warning), app 181's in 100 (fine).
    assert_eq!((days_left(1), days_left(181)), (40, 100));
    let toml: String = [1, 181]
        .iter()
        .map(|&i| {
            format!(
                "[[app]]\nname = \"app {i:03}\"\ntenant = \"{TENANT}\"\napp_id = \"{}\"\n\n",
                app_id(i)
            )
        })
        .collect();
    std::fs::write(f.dir.path().join("two.toml"), toml).unwrap();

    let out = f.run("two.toml", &["--quiet"]);
    assert_eq!(code(&out), 0, "only a warning: {}", stdout(&out));
    let out = f.run("two.toml", &["--quiet", "--fail-under-days", "40"]);
    assert_eq!(
        code(&out),
        0,
        "40 days is not fewer than 40: {}",
        stderr(&out)
    );

    let out = f.run("two.toml", &["--quiet", "--fail-under-days", "41"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("--fail-under-days 41: app 001: the certificate ")
            && lines[0].contains(" expires in 40 days, on 2027-01-06"),
        "{err}"
    );

    let out = f.run(
        "two.toml",
        &["--fail-under-days", "365", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out).lines().count(),
        2,
        "both named: {}",
        stderr(&out)
    );
    crate::schemas::assert_matches("check", &json(&out));

    let out = run(&[
        "check",
        &testdata("metadata/entra-app.xml"),
        "--fail-under-days",
        "30",
    ]);
    assert_eq!(code(&out), 2, "only with --apps");
}

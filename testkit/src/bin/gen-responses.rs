//! Writes N distinct signed Entra-style Identity Center responses for benchmarks, with what a
//! validator needs to check them: the application's metadata and certificate, the Identity
//! Center SP metadata, and `settings.json` (issuer, audience, ACS, the instant to judge at).
//!
//!     cargo run --release -p samlbridge-testkit --bin gen-responses -- --count 1000 --out DIR \
//!         [--signing assertion|response|both] [--attributes none|entra|many] [--base64]
//!
//! The options pick the shape `benches/peers/run.py` measures: which element is signed (Entra
//! signs the assertion by default), the attribute statement (none: about 4 KB, the signature
//! and its certificate being most of it; Entra's claims: about 5 KB; many: Entra's and 120
//! more, about 20 KB), and whether each file holds the XML or the base64 a browser posts.
//!
//! Responses are signed with the committed fixture key (testdata/keys/entra-app-active) and
//! issued at `--issued` (default: now), so tools that read the real clock accept them for the
//! five minutes Entra's SubjectConfirmationData allows.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use samlbridge_testkit::fixtures::{self, TENANT};
use samlbridge_testkit::idp::{Attr, MetadataSpec, Signing};
use samlbridge_testkit::pki::{new_key, CertBuilder, KeySpec};
use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen-responses --count N --out DIR [--issued RFC3339] \
         [--signing assertion|response|both] [--attributes none|entra|many] [--base64]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut count = None;
    let mut out = None;
    let mut issued: DateTime<Utc> = Utc::now();
    let mut signing = Signing::Assertion;
    let mut attributes = "entra".to_owned();
    let mut base64 = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--base64" {
            base64 = true;
            continue;
        }
        match (a.as_str(), args.next()) {
            ("--signing", Some(s)) => {
                signing = match s.as_str() {
                    "assertion" => Signing::Assertion,
                    "response" => Signing::Response,
                    "both" => Signing::Both,
                    _ => return usage(),
                }
            }
            ("--attributes", Some(a)) if ["none", "entra", "many"].contains(&a.as_str()) => {
                attributes = a
            }
            ("--count", Some(n)) => count = n.parse::<usize>().ok(),
            ("--out", Some(d)) => out = Some(PathBuf::from(d)),
            ("--issued", Some(t)) => match DateTime::parse_from_rfc3339(&t) {
                Ok(t) => issued = t.with_timezone(&Utc),
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    let (Some(count), Some(out)) = (count, out) else {
        return usage();
    };
    // Entra writes times to 100 ns; whole seconds keep every tool's parser happy.
    let issued = DateTime::from_timestamp(issued.timestamp(), 0).unwrap_or(issued);

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let signer = fixtures::key(
        &root,
        "entra-app-active",
        || {
            CertBuilder::entra(
                new_key(KeySpec::Rsa(2048)),
                issued,
                issued + chrono::Duration::days(365),
            )
            .build()
        },
        false,
    );
    let responses = out.join("responses");
    if let Err(e) = std::fs::create_dir_all(&responses) {
        eprintln!("gen-responses: {}: {e}", responses.display());
        return ExitCode::from(2);
    }
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(out.join(name), bytes)
            .unwrap_or_else(|e| panic!("writing {}: {e}", out.join(name).display()))
    };
    write(
        "metadata.xml",
        MetadataSpec::entra_app(TENANT, vec![signer.clone()])
            .build()
            .as_bytes(),
    );
    write(
        "sp-metadata.xml",
        samlbridge_testkit::idp::identity_center_sp_metadata(
            fixtures::IDC_REGION,
            fixtures::IDC_DIRECTORY,
            fixtures::IDC_ACS_ID,
        )
        .as_bytes(),
    );
    write("idp-cert.pem", &signer.cert_pem());
    let settings = serde_json::json!({
        "issuer": format!("https://sts.windows.net/{TENANT}/"),
        "audience": fixtures::idc_audience(),
        "acs": fixtures::idc_acs(),
        "issued": issued.to_rfc3339(),
        "judge_at": (issued + chrono::Duration::seconds(60)).to_rfc3339(),
        "count": count,
        "signing": match signing {
            Signing::Response => "response",
            Signing::Both => "both",
            _ => "assertion",
        },
        "encoding": if base64 { "base64" } else { "xml" },
    });
    write("settings.json", settings.to_string().as_bytes());

    for i in 0..count {
        let mut spec = fixtures::idc_response(&signer);
        spec.issue_instant = issued;
        spec.response_id = format!("_r{i:08}-8a4b-4c7d-9e1f-0a2b3c4d5e6f");
        spec.assertion_id = format!("_a{i:08}-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
        spec.name_id = format!("user{i}@contoso.com");
        spec.signing = signing;
        match attributes.as_str() {
            "none" => spec.attributes.clear(),
            "many" => spec.attributes.extend((0..120).map(|n| {
                Attr::new(
                    &format!("https://contoso.example/claims/extension-{n:03}"),
                    &[&format!("value {n:03} of user{i}, long enough to look like a group or department name")],
                )
            })),
            _ => {}
        }
        let xml = spec.build();
        let (path, bytes) = if base64 {
            let text = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
            (responses.join(format!("{i:06}.b64")), text.into_bytes())
        } else {
            (responses.join(format!("{i:06}.xml")), xml.into_bytes())
        };
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("gen-responses: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    println!("{count} responses in {}", responses.display());
    ExitCode::SUCCESS
}

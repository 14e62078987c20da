//! Parsing and checking a ~25 KB Entra federation metadata document (signature included),
//! beside the signature verification alone through samael/libxmlsec1 as the peer.
//!
//!     cargo bench --bench metadata

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samael::crypto::{CertificateDer, CryptoProvider, XmlSec};
use samlbridge::cert::CertPolicy;
use samlbridge::commands::check::{self, CheckSettings};
use samlbridge::diag::Overrides;
use samlbridge::input::Input;
use samlbridge_testkit::idp::MetadataSpec;
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};

fn document() -> (Vec<u8>, Vec<u8>) {
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    // Five signing certificates (Entra's own recent metadata carries four or more): ~25 KB.
    let certs: Vec<_> = (0..5)
        .map(|i| {
            CertBuilder::entra(
                shared_key(KeySpec::Rsa(2048), i),
                now,
                now + Duration::days(1095),
            )
            .serial(i + 1)
            .build()
        })
        .collect();
    let signer_der = certs[0].cert_der();
    let xml = MetadataSpec::entra_app("4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63", certs).build();
    (xml.into_bytes(), signer_der)
}

fn bench(c: &mut Criterion) {
    let (bytes, signer) = document();
    assert!(
        (23_000..28_000).contains(&bytes.len()),
        "document is {} bytes",
        bytes.len()
    );
    let settings = CheckSettings {
        target: Some(samlbridge::aws::Target::IdentityCenter),
        pin: None,
        cert_policy: CertPolicy::default(),
        now: Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap(),
        entity_id: None,
        overrides: Overrides::default(),
        byte_order_mark_removed: false,
        upload_only: None,
    };
    let input = Input {
        name: "bench.xml",
        bytes: &bytes,
        url: None,
        requested_url: None,
    };
    let report = check::check(input, None, &settings).unwrap();
    assert!(
        report
            .metadata
            .as_ref()
            .unwrap()
            .signature
            .signer()
            .is_some(),
        "the benchmark document verifies"
    );

    let mut group = c.benchmark_group("metadata-25k");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("samlbridge check (parse, verify, all checks)", |b| {
        b.iter(|| check::check(input, None, &settings).unwrap())
    });
    group.bench_function("strict parse only", |b| {
        // The tree is dropped with its arena inside the timed closure, as in a real run.
        b.iter(|| {
            let arena = samlbridge::xml::Arena::new();
            let doc = samlbridge::xml::parse(&bytes, &arena).unwrap();
            std::hint::black_box(&doc);
        })
    });
    let der = CertificateDer::from(signer);
    group.bench_function("peer: samael verify_signed_xml only", |b| {
        b.iter(|| XmlSec::verify_signed_xml(&bytes, &der, Some("ID")).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

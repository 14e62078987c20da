//! Validating a ~5 KB Entra-style response (signature and every rule) on one core, beside the
//! samael reduce-to-signed call alone as the peer it is built on.
//!
//!     cargo bench --bench validate

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samael::crypto::{CertificateDer, CryptoProvider, ReduceMode, XmlSec};
use samlbridge::aws::{Target, TargetChoice};
use samlbridge::cert::Certificate;
use samlbridge::diag::Overrides;
use samlbridge::response::{
    self, Binding, Captured, Engine, Expectations, JudgeAt, SignaturePolicy, TrustAnchors,
    ValidateSettings,
};
use std::path::Path;

fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel),
    )
    .expect("fixture")
}

fn bench(c: &mut Criterion) {
    let xml = testdata("responses/valid/idc-assertion-signed.xml");
    let cert = Certificate::from_pem_all(&testdata("keys/entra-app-active.cert.pem"))
        .unwrap()
        .remove(0);
    let mut trust = TrustAnchors::default();
    trust
        .add("metadata signing certificate #1".into(), cert.clone())
        .expect("one key");
    let settings = ValidateSettings {
        trust,
        expect: Expectations {
            issuer: Some("https://sts.windows.net/4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63/".into()),
            audiences: vec!["https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c".into()],
            acs: vec!["https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e".into()],
            target: TargetChoice::Given(Target::IdentityCenter),
            expect_user: None,
            role_owner: Default::default(),
            now: JudgeAt::Given(Utc.with_ymd_and_hms(2026, 11, 27, 9, 1, 0).unwrap()),
            skew: Duration::minutes(3),
        },
        policy: SignaturePolicy::default(),
        overrides: Overrides::default(),
        engine: Engine::Native,
        decryption: Default::default(),
    };
    let captured = Captured {
        label: "bench".into(),
        binding: Binding::Post,
        encoded_len: xml.len().div_ceil(3) * 4,
        xml: xml.clone(),
        relay_state: None,
        captured_at: None,
    };
    assert!(response::validate(&captured, &settings).unwrap().accepted());

    let mut group = c.benchmark_group("validate-5k");
    group.throughput(Throughput::Elements(1));
    group.bench_function("samlbridge validate (all rules)", |b| {
        b.iter(|| response::validate(&captured, &settings).unwrap())
    });
    // The stages, for where the time goes.
    group.bench_function("stage: strict parse only", |b| {
        // The tree is dropped with its arena inside the timed closure, as in a real run.
        b.iter(|| {
            let arena = samlbridge::xml::Arena::new();
            let doc = samlbridge::xml::parse(&xml, &arena).unwrap();
            std::hint::black_box(&doc);
        })
    });
    let report = response::validate(&captured, &settings).unwrap();
    group.bench_function("stage: JSON report only", |b| {
        b.iter(|| serde_json::to_vec_pretty(&report).unwrap())
    });
    let samael_settings = ValidateSettings {
        engine: Engine::Samael,
        ..settings.clone()
    };
    assert!(response::validate(&captured, &samael_settings)
        .unwrap()
        .accepted());
    group.bench_function("samlbridge validate, samael engine (all rules)", |b| {
        b.iter(|| response::validate(&captured, &samael_settings).unwrap())
    });
    let text = std::str::from_utf8(&xml).unwrap();
    let der = [CertificateDer::from(cert.der().to_vec())];
    group.bench_function("peer: samael reduce_xml_to_signed (PreDigest) only", |b| {
        b.iter(|| XmlSec::reduce_xml_to_signed(text, &der, ReduceMode::PreDigest).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

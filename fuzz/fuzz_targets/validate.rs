//! Full response validation against the shipped test metadata, with libxmlsec1 (the samael
//! engine) as a differential oracle: whenever either engine accepts a response, both must,
//! with the same identity.
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use samlbridge::aws::{Target, TargetChoice};
use samlbridge::cert::Certificate;
use samlbridge::response::{
    decode::decode, validate, DecodeLimits, Engine, Expectations, JudgeAt, SignaturePolicy,
    TrustAnchors, ValidateSettings,
};
use std::sync::OnceLock;

fn settings() -> &'static ValidateSettings {
    static SETTINGS: OnceLock<ValidateSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/keys/");
        let mut trust = TrustAnchors::default();
        for name in ["entra-app-active", "entra-app-next"] {
            let pem = std::fs::read(format!("{root}{name}.cert.pem")).expect("test certificate");
            for cert in Certificate::from_pem_all(&pem).expect("PEM") {
                trust.add(name.into(), cert).expect("two test keys");
            }
        }
        ValidateSettings {
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
            overrides: Default::default(),
            engine: Engine::Native,
            decryption: Default::default(),
        }
    })
}

fn identity(r: &samlbridge::response::ResponseReport) -> Option<String> {
    r.accepted().then(|| {
        r.claims
            .as_ref()
            .and_then(|c| c.name_id.as_ref())
            .map(|n| n.value.clone())
            .unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(captured) = decode("fuzz", data, DecodeLimits::default()) else {
        return;
    };
    let native = settings();
    let samael = ValidateSettings {
        engine: Engine::Samael,
        ..native.clone()
    };
    for c in captured.iter().take(4) {
        let by_native = validate(c, native);
        // The oracle costs a libxmlsec1 round trip: ask it only about signed documents.
        if !c.xml.windows(9).any(|w| w == b"Signature") {
            continue;
        }
        let by_samael = validate(c, &samael);
        let (a, b) = (
            by_native.as_ref().ok().and_then(identity),
            by_samael.as_ref().ok().and_then(identity),
        );
        assert_eq!(a, b, "the engines disagree on who signed in");
    }
});

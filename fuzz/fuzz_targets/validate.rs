//! Full response validation against the shipped test metadata, with libxmlsec1 (the samael
//! engine) as a differential oracle: whenever either engine accepts a response, both must,
//! with the same identity.
//!
//! An input whose first byte is 0xF8 to 0xFF is a response whose first Assertion is encrypted
//! (the byte's low bits choose the algorithms) for a test key before it is validated with that
//! key: decrypting must never make a response accepted that is not accepted in the clear, nor
//! with another identity.
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use samlbridge::aws::{Target, TargetChoice};
use samlbridge::cert::Certificate;
use samlbridge::response::{
    decode::decode, validate, DecodeLimits, Decryption, Engine, Expectations, JudgeAt,
    SignaturePolicy, TrustAnchors, ValidateSettings,
};
use samlbridge::xenc::DecryptionKey;
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};
use samlbridge_testkit::xenc::{Content, Encryption, Transport};
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

/// The key assertions are encrypted for.
fn recipient() -> &'static KeyPair {
    static PAIR: OnceLock<KeyPair> = OnceLock::new();
    PAIR.get_or_init(|| {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        CertBuilder::entra(
            shared_key(KeySpec::Rsa(2048), 7),
            t,
            t + Duration::days(900),
        )
        .build()
    })
}

/// Settings for the encrypted mode, with no target (Identity Center accepts no encrypted
/// assertion): `with_key` adds the recipient's key.
fn untargeted(with_key: bool) -> &'static ValidateSettings {
    static PLAIN: OnceLock<ValidateSettings> = OnceLock::new();
    static KEYED: OnceLock<ValidateSettings> = OnceLock::new();
    let make = || {
        let mut s = settings().clone();
        s.expect.target = TargetChoice::Unknown;
        s
    };
    if !with_key {
        return PLAIN.get_or_init(make);
    }
    KEYED.get_or_init(|| {
        let mut s = make();
        let pem = recipient().key.private_key_to_pem_pkcs8().expect("PEM");
        s.decryption = Decryption {
            keys: vec![DecryptionKey::from_pem("fuzz".into(), &pem).expect("test key")],
            policy: Default::default(),
        };
        s
    })
}

/// Encrypts the first Assertion of `text` as `flag`'s low bits say.
fn encrypt_first_assertion(flag: u8, text: &str) -> Option<String> {
    let start = text.find("<Assertion ")?;
    let end = start + text[start..].find("</Assertion>")? + "</Assertion>".len();
    let contents = [
        Content::Aes256Cbc,
        Content::Aes128Cbc,
        Content::Aes256Gcm,
        Content::Aes128Gcm,
    ];
    let transport = if flag & 4 == 0 {
        Transport::OaepMgf1p
    } else {
        Transport::Oaep11Sha256
    };
    let e = Encryption::entra(recipient().clone()).with(transport, contents[usize::from(flag & 3)]);
    Some(format!(
        "{}{}{}",
        &text[..start],
        e.encrypt_assertion(&text[start..end]),
        &text[end..]
    ))
}

fn encrypted_mode(flag: u8, data: &[u8]) {
    let Some(xml) = std::str::from_utf8(data)
        .ok()
        .and_then(|t| encrypt_first_assertion(flag, t))
    else {
        return;
    };
    let (Ok(plain), Ok(encrypted)) = (
        decode("fuzz", data, DecodeLimits::default()),
        decode("fuzz", xml.as_bytes(), DecodeLimits::default()),
    ) else {
        return;
    };
    let (Some(plain), Some(encrypted)) = (plain.first(), encrypted.first()) else {
        return;
    };
    let Some(by_key) = validate(encrypted, untargeted(true))
        .ok()
        .and_then(|r| identity(&r))
    else {
        return;
    };
    let clear = validate(plain, untargeted(false))
        .ok()
        .and_then(|r| identity(&r));
    assert_eq!(
        clear,
        Some(by_key),
        "decrypting accepted what the clear response does not, or another user"
    );
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
    if let [flag @ 0xF8..=0xFF, rest @ ..] = data {
        encrypted_mode(*flag, rest);
        return;
    }
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
        // Mutated EncryptedAssertions reach the decrypting reader.
        if c.xml.windows(13).any(|w| w == b"EncryptedData") {
            let _ = validate(c, untargeted(true));
        }
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

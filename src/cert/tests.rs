use super::*;
use chrono::{Duration, TimeZone};
use openssl::hash::MessageDigest;
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn cert(spec: KeySpec, from: i64, to: i64) -> Certificate {
    let pair = CertBuilder::entra(
        shared_key(spec, 0),
        now() + Duration::days(from),
        now() + Duration::days(to),
    )
    .build();
    Certificate::from_der(&pair.cert_der()).unwrap()
}

fn codes(findings: &[Finding]) -> Vec<(Code, Severity)> {
    findings.iter().map(|f| (f.code, f.severity)).collect()
}

#[test]
fn parses_what_entra_shows() {
    let pair = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 0),
        now(),
        now() + Duration::days(1095),
    )
    .build();
    let c = Certificate::from_base64(&format!(" {}\n", pair.cert_base64())).unwrap();
    assert_eq!(c.common_name(), "Microsoft Azure Federated SSO Certificate");
    assert_eq!(c.sha1.to_string(), pair.sha1_hex());
    assert_eq!(c.sha256.to_string(), pair.sha256_hex());
    assert_eq!(c.key, KeyKind::Rsa { bits: 2048 });
    assert_eq!(c.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(c.not_before, now());
    assert_eq!(c.days_left(now()), 1095);
    let pem = c.to_pem();
    assert_eq!(Certificate::from_pem_all(pem.as_bytes()).unwrap(), vec![c]);
}

#[test]
fn refuses_what_is_not_a_certificate() {
    assert!(matches!(
        Certificate::from_base64("gatekeeper_custom_cert"),
        Err(CertError::Base64(_))
    ));
    assert!(matches!(
        Certificate::from_base64("AAAA"),
        Err(CertError::Der(_))
    ));
    let pair = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 0),
        now(),
        now() + Duration::days(1),
    )
    .build();
    let mut der = pair.cert_der();
    der.extend_from_slice(b"junk");
    assert!(matches!(
        Certificate::from_der(&der),
        Err(CertError::Der(_))
    ));
    assert_eq!(
        Certificate::from_pem_all(b"nothing here").err(),
        Some(CertError::NoPem)
    );
}

#[test]
fn healthy_certificate_has_no_findings() {
    let c = cert(KeySpec::Rsa(2048), -10, 1000);
    assert!(
        check_signing_certificate(&c, CertRole::Current, now(), CertPolicy::default()).is_empty()
    );
}

#[test]
fn expiry_follows_entras_notice_steps() {
    let policy = CertPolicy::default();
    let at = |days: i64| {
        let c = cert(KeySpec::Rsa(2048), -100, days);
        codes(&check_signing_certificate(
            &c,
            CertRole::Current,
            now(),
            policy,
        ))
    };
    assert_eq!(at(61), vec![]);
    assert_eq!(at(60), vec![(Code::CertExpiring, Severity::Warning)]);
    assert_eq!(at(30), vec![(Code::CertExpiring, Severity::Warning)]);
    assert_eq!(at(7), vec![(Code::CertExpiring, Severity::Error)]);
    assert_eq!(at(0), vec![(Code::CertExpired, Severity::Error)]);
    assert_eq!(at(-3), vec![(Code::CertExpired, Severity::Error)]);

    let c = cert(KeySpec::Rsa(2048), -100, 45);
    let f = check_signing_certificate(&c, CertRole::Current, now(), policy);
    assert!(
        f[0].message
            .contains("45 days left, within the 60-day notice"),
        "{}",
        f[0].message
    );

    // --warn-days moves the first step only.
    let wide = CertPolicy { warn_days: 90 };
    let c = cert(KeySpec::Rsa(2048), -100, 80);
    assert_eq!(
        codes(&check_signing_certificate(
            &c,
            CertRole::Current,
            now(),
            wide
        )),
        vec![(Code::CertExpiring, Severity::Warning)]
    );
    let narrow = CertPolicy { warn_days: 14 };
    let c = cert(KeySpec::Rsa(2048), -100, 20);
    assert!(check_signing_certificate(&c, CertRole::Current, now(), narrow).is_empty());
}

#[test]
fn spare_certificates_weigh_less() {
    let expired = cert(KeySpec::Rsa(2048), -1000, -5);
    assert_eq!(
        codes(&check_signing_certificate(
            &expired,
            CertRole::Spare,
            now(),
            CertPolicy::default()
        )),
        vec![(Code::CertExpired, Severity::Warning)]
    );
    let future = cert(KeySpec::Rsa(2048), 5, 1000);
    assert_eq!(
        codes(&check_signing_certificate(
            &future,
            CertRole::Current,
            now(),
            CertPolicy::default()
        )),
        vec![(Code::CertNotYetValid, Severity::Error)]
    );
    assert_eq!(
        codes(&check_signing_certificate(
            &future,
            CertRole::Spare,
            now(),
            CertPolicy::default()
        )),
        vec![(Code::CertNotYetValid, Severity::Info)]
    );
}

#[test]
fn key_and_signature_algorithm_checks() {
    let small = cert(KeySpec::Rsa(1024), -1, 1000);
    let f = check_signing_certificate(&small, CertRole::Current, now(), CertPolicy::default());
    assert_eq!(codes(&f), vec![(Code::CertWeakKey, Severity::Error)]);
    assert!(f[0].message.contains("1024 bits"));

    let ec = cert(KeySpec::EcP256, -1, 1000);
    assert_eq!(
        ec.key,
        KeyKind::Ec {
            bits: 256,
            curve: "prime256v1".into()
        }
    );
    assert_eq!(
        codes(&check_signing_certificate(
            &ec,
            CertRole::Current,
            now(),
            CertPolicy::default()
        )),
        vec![(Code::CertKeyType, Severity::Warning)]
    );

    let sha1 = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 0),
        now() - Duration::days(1),
        now() + Duration::days(1000),
    )
    .digest(MessageDigest::sha1())
    .build();
    let sha1 = Certificate::from_der(&sha1.cert_der()).unwrap();
    assert_eq!(
        codes(&check_signing_certificate(
            &sha1,
            CertRole::Current,
            now(),
            CertPolicy::default()
        )),
        vec![(Code::CertWeakSignature, Severity::Warning)]
    );
}

#[test]
fn thumbprints_parse_in_every_common_spelling() {
    let c = cert(KeySpec::Rsa(2048), -1, 1000);
    let plain = c.sha1.to_string();
    let colons = c.sha1.colon_separated();
    assert_eq!(plain.parse::<Thumbprint>().unwrap(), c.sha1);
    assert_eq!(colons.to_lowercase().parse::<Thumbprint>().unwrap(), c.sha1);
    assert!(c.matches(&c.sha256.to_string().parse().unwrap()));
    assert!(matches!(
        "xyz".parse::<Thumbprint>(),
        Err(ThumbprintError::NotHex(_))
    ));
    assert!(matches!(
        "abcd".parse::<Thumbprint>(),
        Err(ThumbprintError::Length(_, 2))
    ));
}

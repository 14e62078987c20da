use chrono::{Duration, Utc};
use samael::crypto::{CertificateDer, CryptoProvider, XmlSec};
use samlbridge_testkit::idp::MetadataSpec;
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};

#[test]
fn signed_metadata_verifies_with_libxmlsec1() {
    let now = Utc::now();
    let a = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 0),
        now,
        now + Duration::days(1095),
    )
    .build();
    let b = CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), 1),
        now,
        now + Duration::days(1095),
    )
    .serial(2)
    .build();
    let xml = MetadataSpec::entra_app(
        "11111111-2222-3333-4444-555555555555",
        vec![a.clone(), b.clone()],
    )
    .build();
    let body = xml.trim_start_matches('\u{feff}');
    XmlSec::verify_signed_xml(body, &CertificateDer::from(a.cert_der()), Some("ID"))
        .expect("verifies with the signer");
    assert!(
        XmlSec::verify_signed_xml(body, &CertificateDer::from(b.cert_der()), Some("ID")).is_err()
    );
    let tampered = body.replace(
        "saml2\"/></IDPSSODescriptor>",
        "saml3\"/></IDPSSODescriptor>",
    );
    assert_ne!(tampered, body);
    assert!(
        XmlSec::verify_signed_xml(&tampered, &CertificateDer::from(a.cert_der()), Some("ID"))
            .is_err()
    );
}

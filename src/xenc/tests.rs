use super::*;
use crate::xml;
use chrono::{Duration, TimeZone, Utc};
use samlbridge_testkit::pki::{shared_key, CertBuilder, KeyPair, KeySpec};
use samlbridge_testkit::xenc::{encrypt_with, Content, Encryption, KeyPlace, Names, Transport};

fn pair(slot: u32) -> KeyPair {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    CertBuilder::entra(
        shared_key(KeySpec::Rsa(2048), slot),
        t,
        t + Duration::days(900),
    )
    .serial(slot + 40)
    .build()
}

fn key_of(p: &KeyPair) -> DecryptionKey {
    DecryptionKey::from_pem("k".into(), &p.key_pem()).unwrap()
}

const PLAIN: &str = r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"/>"#;

fn decrypt(
    e: &Encryption,
    markup: &str,
    keys: &[DecryptionKey],
    policy: Policy,
) -> Result<Vec<u8>, Problem> {
    let doc = xml::parse_for_tests(markup.as_bytes()).unwrap();
    let read = read(&doc.root)?;
    assert_eq!(read.cipher.uri(), e.content.uri());
    read.decrypt(keys, policy).map(|p| p.bytes)
}

#[test]
fn key_thumbprint_is_the_certificates_public_key_thumbprint() {
    let p = pair(0);
    let cert = Certificate::from_der(&p.cert_der()).unwrap();
    assert_eq!(key_of(&p).key_sha256, cert.key_sha256);
}

#[test]
fn debug_never_shows_the_key() {
    let p = pair(0);
    let shown = format!("{:?}", key_of(&p));
    let pem = String::from_utf8(p.key_pem()).unwrap();
    let body: String = pem.lines().nth(1).unwrap().chars().take(20).collect();
    assert!(
        !shown.contains(&body) && shown.contains("key_sha256"),
        "{shown}"
    );
}

#[test]
fn files_that_are_not_usable_keys_are_named() {
    let p = pair(0);
    let from = |pem: &[u8]| DecryptionKey::from_pem("k".into(), pem).unwrap_err();
    assert_eq!(from(&p.cert_pem()), PrivateKeyError::Certificate);
    assert_eq!(
        from(&p.key.public_key_to_pem().unwrap()),
        PrivateKeyError::PublicKey
    );
    assert_eq!(from(b"hello"), PrivateKeyError::NotPem);
    let encrypted = p
        .key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"secret")
        .unwrap();
    assert_eq!(from(&encrypted), PrivateKeyError::Encrypted);
    let ec = shared_key(KeySpec::EcP256, 0)
        .private_key_to_pem_pkcs8()
        .unwrap();
    assert_eq!(from(&ec), PrivateKeyError::NotRsa("an elliptic-curve"));
}

#[test]
fn cbc_padding_follows_xml_encryption() {
    let key = [7u8; 16];
    for len in [0, 1, 15, 16, 17, 40] {
        let plain = vec![b'a'; len];
        let ct = encrypt_with(Content::Aes128Cbc, &key, &plain);
        assert_eq!(
            decrypt_content(ContentCipher::Aes128Cbc, &key, &ct),
            Some(plain)
        );
    }
    // A pad-length byte of 0 or beyond the block is refused; an IV alone is no ciphertext.
    let bad_pad = |last: u8| {
        let mut block = vec![0u8; 16];
        block[15] = last;
        let mut c = symm::Crypter::new(
            Cipher::aes_128_cbc(),
            symm::Mode::Encrypt,
            &key,
            Some(&[0u8; 16]),
        )
        .unwrap();
        c.pad(false);
        let mut out = vec![0u8; 32];
        let n = c.update(&block, &mut out).unwrap();
        [vec![0u8; 16], out[..n].to_vec()].concat()
    };
    assert_eq!(
        decrypt_content(ContentCipher::Aes128Cbc, &key, &bad_pad(0)),
        None
    );
    assert_eq!(
        decrypt_content(ContentCipher::Aes128Cbc, &key, &bad_pad(17)),
        None
    );
    assert_eq!(
        decrypt_content(ContentCipher::Aes128Cbc, &key, &bad_pad(16)),
        Some(Vec::new())
    );
    assert_eq!(
        decrypt_content(ContentCipher::Aes128Cbc, &key, &[0u8; 16]),
        None
    );
    assert_eq!(
        decrypt_content(ContentCipher::Aes128Gcm, &key, &[0u8; 27]),
        None
    );
}

#[test]
fn every_transport_and_cipher_round_trips() {
    let p = pair(0);
    for transport in [
        Transport::OaepMgf1p,
        Transport::OaepMgf1pSha256,
        Transport::Oaep11Sha256,
        Transport::Rsa15,
    ] {
        for content in [
            Content::Aes128Cbc,
            Content::Aes256Gcm,
            Content::TripleDesCbc,
        ] {
            let e = Encryption::entra(p.clone()).with(transport, content);
            let markup = e.encrypt_assertion(PLAIN);
            let all = Policy {
                allow_rsa15: true,
                allow_3des: true,
            };
            assert_eq!(
                decrypt(&e, &markup, &[key_of(&p)], all).unwrap(),
                PLAIN.as_bytes()
            );
            let weak = transport == Transport::Rsa15 || content == Content::TripleDesCbc;
            let refused = decrypt(&e, &markup, &[key_of(&p)], Policy::default());
            assert_eq!(refused.is_err(), weak, "{transport:?} {content:?}");
        }
    }
}

#[test]
fn only_the_key_of_the_named_certificate_is_tried() {
    let (a, b) = (pair(0), pair(1));
    let e = Encryption::entra(a.clone());
    let markup = e.encrypt_assertion(PLAIN);
    assert_eq!(
        decrypt(&e, &markup, &[key_of(&b)], Policy::default()),
        Err(Problem::WrongKey)
    );
    assert!(decrypt(&e, &markup, &[key_of(&b), key_of(&a)], Policy::default()).is_ok());
    // Named by KeyName only: every key is tried, and none fitting is a wrong key too.
    let mut e = Encryption::entra(a.clone());
    e.names = Names::KeyName("sp".into());
    let markup = e.encrypt_assertion(PLAIN);
    assert_eq!(
        decrypt(&e, &markup, &[key_of(&b)], Policy::default()),
        Err(Problem::WrongKey)
    );
}

#[test]
fn recipients_are_read_from_the_encrypted_key() {
    let p = pair(0);
    for (names, expect) in [
        (Names::Certificate, "SHA-256"),
        (Names::IssuerSerial, "serial number 40"),
        (Names::KeyName("sp-2026".into()), "\"sp-2026\""),
        (Names::Nothing, "does not name"),
    ] {
        let mut e = Encryption::entra(p.clone());
        e.names = names;
        e.place = KeyPlace::Sibling;
        let markup = e.encrypt_assertion(PLAIN);
        let doc = xml::parse_for_tests(markup.as_bytes()).unwrap();
        let shown = read(&doc.root).unwrap().recipient.to_string();
        assert!(shown.contains(expect), "{shown}");
    }
}

#[test]
fn unsupported_and_malformed_are_told_apart() {
    let p = pair(0);
    let markup = Encryption::entra(p).encrypt_assertion(PLAIN);
    let reading = |from: &str, to: &str| {
        let changed = markup.replacen(from, to, 1);
        let doc = xml::parse_for_tests(changed.as_bytes()).unwrap();
        read(&doc.root).map(|_| ())
    };
    assert!(matches!(
        reading("xmlenc#aes256-cbc", "xmlenc#kw-aes256"),
        Err(Problem::Unsupported(_))
    ));
    assert!(matches!(
        reading("xmlenc#rsa-oaep-mgf1p", "xmldsig-more#rsa-oaep-x"),
        Err(Problem::Unsupported(_))
    ));
    assert!(matches!(
        reading("xmldsig#sha1\"", "xmldsig#md5\""),
        Err(Problem::Unsupported(_))
    ));
    assert!(matches!(
        reading("<e:CipherValue>", "<e:CipherValue>!"),
        Err(Problem::Structure(_))
    ));
    assert!(matches!(
        reading("xmlenc#Element", "xmlenc#Content"),
        Err(Problem::Structure(_))
    ));
}

//! Keys and certificates for tests.

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A private key with the certificate that carries its public half.
#[derive(Clone)]
pub struct KeyPair {
    pub key: PKey<Private>,
    pub cert: X509,
}

impl KeyPair {
    pub fn cert_der(&self) -> Vec<u8> {
        self.cert.to_der().expect("DER of a certificate we built")
    }

    pub fn cert_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.cert_der())
    }

    pub fn cert_pem(&self) -> Vec<u8> {
        self.cert.to_pem().expect("PEM of a certificate we built")
    }

    pub fn key_pem(&self) -> Vec<u8> {
        self.key
            .private_key_to_pem_pkcs8()
            .expect("PEM of a key we built")
    }

    /// SHA-256 thumbprint, upper-case hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.cert.digest(MessageDigest::sha256()).expect("digest"))
    }

    /// SHA-1 thumbprint, upper-case hex.
    pub fn sha1_hex(&self) -> String {
        hex(&self.cert.digest(MessageDigest::sha1()).expect("digest"))
    }

    /// Loads a key and certificate from PEM (as the committed fixture keys are stored).
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8]) -> Self {
        KeyPair {
            key: PKey::private_key_from_pem(key_pem).expect("fixture key PEM"),
            cert: X509::from_pem(cert_pem).expect("fixture certificate PEM"),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Which key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySpec {
    Rsa(u32),
    EcP256,
    EcP384,
    EcP521,
}

type KeyCache = Mutex<HashMap<(KeySpec, u32), PKey<Private>>>;

/// RSA key generation is slow in debug test runs; tests share keys by (spec, slot).
pub fn shared_key(spec: KeySpec, slot: u32) -> PKey<Private> {
    static KEYS: OnceLock<KeyCache> = OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    let mut keys = keys.lock().unwrap_or_else(|e| e.into_inner());
    keys.entry((spec, slot))
        .or_insert_with(|| new_key(spec))
        .clone()
}

pub fn new_key(spec: KeySpec) -> PKey<Private> {
    match spec {
        KeySpec::Rsa(bits) => {
            PKey::from_rsa(Rsa::generate(bits).expect("RSA keygen")).expect("pkey")
        }
        KeySpec::EcP256 | KeySpec::EcP384 | KeySpec::EcP521 => {
            let curve = match spec {
                KeySpec::EcP384 => Nid::SECP384R1,
                KeySpec::EcP521 => Nid::SECP521R1,
                _ => Nid::X9_62_PRIME256V1,
            };
            let group = EcGroup::from_curve_name(curve).expect("NIST curve");
            PKey::from_ec_key(EcKey::generate(&group).expect("EC keygen")).expect("pkey")
        }
    }
}

/// Builds certificates the way Entra's SAML signing certificates look by default: self-signed,
/// `CN=Microsoft Azure Federated SSO Certificate`, SHA-256, three years.
#[derive(Clone)]
pub struct CertBuilder {
    pub common_name: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub digest: MessageDigest,
    pub key: PKey<Private>,
    pub serial: u32,
    /// Signs with this issuer instead of self-signing.
    pub issuer: Option<KeyPair>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub is_ca: bool,
}

impl CertBuilder {
    pub fn entra(key: PKey<Private>, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> Self {
        CertBuilder {
            common_name: "Microsoft Azure Federated SSO Certificate".into(),
            not_before,
            not_after,
            digest: MessageDigest::sha256(),
            key,
            serial: 1,
            issuer: None,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            is_ca: false,
        }
    }

    pub fn common_name(mut self, cn: &str) -> Self {
        self.common_name = cn.into();
        self
    }

    pub fn serial(mut self, serial: u32) -> Self {
        self.serial = serial;
        self
    }

    pub fn digest(mut self, digest: MessageDigest) -> Self {
        self.digest = digest;
        self
    }

    pub fn build(self) -> KeyPair {
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_nid(Nid::COMMONNAME, &self.common_name)
            .expect("CN");
        let name = name.build();

        let mut b = X509Builder::new().expect("builder");
        b.set_version(2).expect("version");
        let serial = BigNum::from_u32(self.serial).expect("serial");
        b.set_serial_number(&Asn1Integer::from_bn(&serial).expect("serial"))
            .expect("serial");
        b.set_subject_name(&name).expect("subject");
        match &self.issuer {
            Some(issuer) => b
                .set_issuer_name(issuer.cert.subject_name())
                .expect("issuer"),
            None => b.set_issuer_name(&name).expect("issuer"),
        }
        b.set_not_before(&Asn1Time::from_unix(self.not_before.timestamp()).expect("time"))
            .expect("not before");
        b.set_not_after(&Asn1Time::from_unix(self.not_after.timestamp()).expect("time"))
            .expect("not after");
        b.set_pubkey(&self.key).expect("pubkey");
        if self.is_ca {
            b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
                .expect("bc");
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .expect("ku"),
            )
            .expect("ku");
        }
        if !self.dns_names.is_empty() || !self.ip_addresses.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for dns in &self.dns_names {
                san.dns(dns);
            }
            for ip in &self.ip_addresses {
                san.ip(ip);
            }
            let ext = san
                .build(&b.x509v3_context(self.issuer.as_ref().map(|i| i.cert.as_ref()), None))
                .expect("san");
            b.append_extension(ext).expect("san");
        }
        let signing_key = self.issuer.as_ref().map_or(&self.key, |i| &i.key);
        let digest = if signing_key.id() == openssl::pkey::Id::ED25519 {
            MessageDigest::null()
        } else {
            self.digest
        };
        b.sign(signing_key, digest).expect("sign certificate");
        KeyPair {
            key: self.key,
            cert: b.build(),
        }
    }
}

fn next_ca() -> usize {
    static CAS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    CAS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A test certificate authority and a server certificate for `localhost` / `127.0.0.1`.
pub struct TestCa {
    pub ca: KeyPair,
    pub server: KeyPair,
}

impl TestCa {
    pub fn new() -> Self {
        let now = Utc::now();
        let mut ca = CertBuilder::entra(
            new_key(KeySpec::Rsa(2048)),
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(30),
        )
        // Each CA its own name: a client trusting two of them finds the issuer by name.
        .common_name(&format!("samlbridge test CA {}", next_ca()));
        ca.is_ca = true;
        let ca = ca.build();
        let mut server = CertBuilder::entra(
            new_key(KeySpec::Rsa(2048)),
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(30),
        )
        .common_name("localhost")
        .serial(2);
        server.issuer = Some(ca.clone());
        server.dns_names = vec!["localhost".into()];
        server.ip_addresses = vec!["127.0.0.1".into()];
        let server = server.build();
        TestCa { ca, server }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// A certificate carrying `public_key_pem` (a SubjectPublicKeyInfo PEM), signed by a throwaway
/// key. Signature verification only uses the certificate's public key, so this lets tests trust
/// corpus anchors that were published as bare public keys.
pub fn certificate_for_public_key(public_key_pem: &[u8]) -> X509 {
    let public = PKey::public_key_from_pem(public_key_pem).expect("public key PEM");
    let signer = shared_key(KeySpec::Rsa(2048), 99);
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_nid(Nid::COMMONNAME, "public key wrapper")
        .expect("CN");
    let name = name.build();
    let mut b = X509Builder::new().expect("builder");
    b.set_version(2).expect("version");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(&name).expect("issuer");
    b.set_not_before(&Asn1Time::from_unix(0).expect("time"))
        .expect("nb");
    b.set_not_after(&Asn1Time::from_unix(4_102_444_800).expect("time"))
        .expect("na");
    b.set_pubkey(&public).expect("pubkey");
    b.sign(&signer, MessageDigest::sha256()).expect("sign");
    b.build()
}

//! The RSA key pair IAM decrypts SAML assertions with: reading a user's private key,
//! generating one, and the certificate Entra encrypts to. Everything through OpenSSL.
//!
//! The private key is a secret: [`EncryptionKey`] shows no key material in `Debug`, and no
//! error here quotes the file it was read from.

use super::private_key::{read_rsa, PrivateKeyError};
use super::{CertError, Certificate};
use chrono::{DateTime, Duration, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509NameBuilder, X509};
use std::fmt;
use thiserror::Error;

/// The smallest RSA key accepted: Entra refuses smaller encryption certificates.
pub const MIN_RSA_BITS: u32 = 2048;
/// The size of a generated key.
pub const GENERATED_RSA_BITS: u32 = 2048;
/// How long a generated certificate is valid (Entra warns before it expires; it encrypts only
/// to a valid one).
pub const CERT_VALIDITY_DAYS: i64 = 3 * 365;
/// X.509 limits a common name to 64 characters.
const CN_MAX: usize = 64;

/// Why a file is not a private key IAM can decrypt assertions with.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    #[error(transparent)]
    Read(#[from] PrivateKeyError),
    #[error("it is an RSA key of {0} bits; at least {MIN_RSA_BITS} are needed")]
    TooSmall(u32),
    #[error("it is longer than the 16,384 characters IAM accepts for a private key")]
    TooLong,
    #[error("it holds more than the private key (a certificate beside it?); IAM is given the file as it is and takes the key alone: keep only its -----BEGIN PRIVATE KEY----- block in the file")]
    NotAlone,
}

/// Why a certificate could not be made or does not fit the key.
#[derive(Debug, Error)]
pub enum CertMakeError {
    #[error("OpenSSL could not make the certificate: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    #[error(transparent)]
    Cert(#[from] CertError),
}

/// IAM's limit on `AddPrivateKey`.
const IAM_KEY_MAX_CHARS: usize = 16_384;

/// An RSA private key of at least [`MIN_RSA_BITS`] bits, with the PEM text it came as.
pub struct EncryptionKey {
    key: PKey<Private>,
    pem: Vec<u8>,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey(RSA {})", self.key.bits())
    }
}

impl EncryptionKey {
    /// Reads a PEM private key by [`read_rsa`]'s rule, then IAM's limits.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key = read_rsa(pem)?;
        // The file goes to IAM unchanged (by reference, never copied), so it must be the key
        // and nothing else.
        if pem.windows(11).filter(|w| w == b"-----BEGIN ").count() != 1 {
            return Err(KeyError::NotAlone);
        }
        if key.bits() < MIN_RSA_BITS {
            return Err(KeyError::TooSmall(key.bits()));
        }
        if pem.len() > IAM_KEY_MAX_CHARS {
            return Err(KeyError::TooLong);
        }
        Ok(EncryptionKey {
            key,
            pem: pem.to_vec(),
        })
    }

    /// A new RSA key, as PKCS#8 PEM.
    pub fn generate() -> Result<Self, openssl::error::ErrorStack> {
        let key = PKey::from_rsa(Rsa::generate(GENERATED_RSA_BITS)?)?;
        let pem = key.private_key_to_pem_pkcs8()?;
        Ok(EncryptionKey { key, pem })
    }

    /// The PEM text: what is written to the key file and uploaded to IAM.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    pub fn bits(&self) -> u32 {
        self.key.bits()
    }

    /// Whether `cert` carries this key's public half.
    pub fn matches(&self, cert: &Certificate) -> bool {
        cert.public_key()
            .is_ok_and(|public| public.public_eq(&self.key))
    }

    /// A self-signed certificate for this key, valid from `now` for [`CERT_VALIDITY_DAYS`],
    /// signed with SHA-256; `name` becomes its common name (cut to 64 characters).
    pub fn self_signed(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Certificate, CertMakeError> {
        let cn: String = name.chars().take(CN_MAX).collect();
        let mut subject = X509NameBuilder::new()?;
        subject.append_entry_by_text("CN", &cn)?;
        let subject = subject.build();
        let mut serial = BigNum::new()?;
        serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
        let mut b = X509::builder()?;
        b.set_version(2)?;
        let serial = Asn1Integer::from_bn(&serial)?;
        b.set_serial_number(&serial)?;
        b.set_subject_name(&subject)?;
        b.set_issuer_name(&subject)?;
        b.set_pubkey(&self.key)?;
        let until = now + Duration::days(CERT_VALIDITY_DAYS);
        let (from, to) = (
            Asn1Time::from_unix(now.timestamp())?,
            Asn1Time::from_unix(until.timestamp())?,
        );
        b.set_not_before(&from)?;
        b.set_not_after(&to)?;
        b.append_extension(BasicConstraints::new().critical().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_encipherment()
                .data_encipherment()
                .build()?,
        )?;
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(Certificate::from_der(&b.build().to_der()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_generated_key_reads_back_and_its_certificate_matches() {
        let key = EncryptionKey::generate().unwrap();
        assert!(key.pem().starts_with(b"-----BEGIN PRIVATE KEY-----"));
        let again = EncryptionKey::from_pem(key.pem()).unwrap();
        assert_eq!(again.bits(), 2048);
        let cert = key
            .self_signed("EntraID assertion encryption", now())
            .unwrap();
        assert!(key.matches(&cert));
        assert_eq!(cert.common_name(), "EntraID assertion encryption");
        assert_eq!(cert.not_before, now());
        assert_eq!(cert.not_after, now() + Duration::days(CERT_VALIDITY_DAYS));
        assert_eq!(cert.signature_algorithm, "sha256WithRSAEncryption");
        let other = EncryptionKey::generate().unwrap();
        assert!(!other.matches(&cert));
        assert_eq!(format!("{key:?}"), "EncryptionKey(RSA 2048)");
    }

    #[test]
    fn unusable_keys_are_named() {
        let small = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
        let pem = small.private_key_to_pem_pkcs8().unwrap();
        assert_eq!(
            EncryptionKey::from_pem(&pem).unwrap_err(),
            KeyError::TooSmall(1024)
        );
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let ec = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        assert!(matches!(
            EncryptionKey::from_pem(&ec.private_key_to_pem_pkcs8().unwrap()),
            Err(KeyError::Read(PrivateKeyError::NotRsa(_)))
        ));
        let rsa = EncryptionKey::generate().unwrap();
        let encrypted = rsa
            .key
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pw")
            .unwrap();
        assert_eq!(
            EncryptionKey::from_pem(&encrypted).unwrap_err(),
            KeyError::Read(PrivateKeyError::Encrypted)
        );
        let cert = rsa.self_signed("x", now()).unwrap();
        assert_eq!(
            EncryptionKey::from_pem(cert.to_pem().as_bytes()).unwrap_err(),
            KeyError::Read(PrivateKeyError::Certificate)
        );
        // A certificate kept in the key's file, before or after it, would be uploaded with it.
        let key_then_cert = [rsa.pem(), cert.to_pem().as_bytes()].concat();
        let cert_then_key = [cert.to_pem().as_bytes(), rsa.pem()].concat();
        for both in [key_then_cert, cert_then_key] {
            assert_eq!(
                EncryptionKey::from_pem(&both).unwrap_err(),
                KeyError::NotAlone
            );
        }
    }
}

//! Reading an RSA private key from PEM: the one rule both the key IAM decrypts with
//! (`aws iam --encryption-key`) and the keys `validate --decrypt-key` tries are read by.
//!
//! No error here quotes the file: a private key is a secret even when it is the wrong one.

use openssl::pkey::{Id, PKey, Private};
use thiserror::Error;

/// Why PEM text is not an RSA private key samlbridge can use.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PrivateKeyError {
    #[error("the private key is encrypted with a passphrase; give it unencrypted (openssl pkey -in KEY -out PLAIN.pem) and keep PLAIN.pem readable by you alone")]
    Encrypted,
    #[error("this is a certificate, not a private key: give the private key that belongs to it")]
    Certificate,
    #[error("this is a public key, not a private key: give the private key it belongs to")]
    PublicKey,
    #[error("this is not a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")]
    NotPem,
    #[error("this is {0} key; assertions are encrypted to RSA keys only")]
    NotRsa(&'static str),
}

/// Reads an unencrypted PEM private key (PKCS#8 or PKCS#1) that must be RSA. An encrypted
/// key is refused before OpenSSL sees it, and OpenSSL's passphrase callback refuses too, so
/// that nothing ever prompts on the terminal.
pub fn read_rsa(pem: &[u8]) -> Result<PKey<Private>, PrivateKeyError> {
    let has = |needle: &[u8]| pem.windows(needle.len()).any(|w| w == needle);
    if has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || has(b"Proc-Type: 4,ENCRYPTED") {
        return Err(PrivateKeyError::Encrypted);
    }
    if !has(b"PRIVATE KEY-----") {
        if has(b"-----BEGIN CERTIFICATE-----") {
            return Err(PrivateKeyError::Certificate);
        }
        if has(b"-----BEGIN PUBLIC KEY-----") || has(b"-----BEGIN RSA PUBLIC KEY-----") {
            return Err(PrivateKeyError::PublicKey);
        }
    }
    let key =
        PKey::private_key_from_pem_callback(pem, |_| Ok(0)).map_err(|_| PrivateKeyError::NotPem)?;
    match key.id() {
        Id::RSA => Ok(key),
        Id::EC => Err(PrivateKeyError::NotRsa("an elliptic-curve")),
        Id::ED25519 | Id::ED448 => Err(PrivateKeyError::NotRsa("an EdDSA")),
        Id::DSA => Err(PrivateKeyError::NotRsa("a DSA")),
        Id::RSA_PSS => Err(PrivateKeyError::NotRsa("an RSA-PSS-only")),
        _ => Err(PrivateKeyError::NotRsa("a non-RSA")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    fn rsa() -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
    }

    #[test]
    fn pkcs8_and_pkcs1_rsa_keys_are_read() {
        let key = rsa();
        let pkcs8 = read_rsa(&key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let pkcs1 = read_rsa(&key.rsa().unwrap().private_key_to_pem().unwrap()).unwrap();
        assert!(pkcs8.public_eq(&key) && pkcs1.public_eq(&key));
    }

    #[test]
    fn what_is_not_a_usable_key_is_named_for_what_it_is() {
        let key = rsa();
        let encrypted = key
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pw")
            .unwrap();
        assert_eq!(
            read_rsa(&encrypted).unwrap_err(),
            PrivateKeyError::Encrypted
        );
        let legacy = key
            .rsa()
            .unwrap()
            .private_key_to_pem_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
            .unwrap();
        assert_eq!(read_rsa(&legacy).unwrap_err(), PrivateKeyError::Encrypted);
        assert_eq!(
            read_rsa(&key.public_key_to_pem().unwrap()).unwrap_err(),
            PrivateKeyError::PublicKey
        );
        let cert = crate::cert::encryption::EncryptionKey::generate()
            .unwrap()
            .self_signed("x", "2026-03-01T00:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(
            read_rsa(cert.to_pem().as_bytes()).unwrap_err(),
            PrivateKeyError::Certificate
        );
        assert_eq!(read_rsa(b"hello").unwrap_err(), PrivateKeyError::NotPem);
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let ec = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        let err = read_rsa(&ec.private_key_to_pem_pkcs8().unwrap()).unwrap_err();
        assert_eq!(err, PrivateKeyError::NotRsa("an elliptic-curve"));
        assert!(err.to_string().contains("RSA keys only"), "{err}");
    }

    #[test]
    fn a_key_file_that_also_holds_its_certificate_is_read() {
        let key = rsa();
        let cert = crate::cert::encryption::EncryptionKey::from_pem(
            &key.private_key_to_pem_pkcs8().unwrap(),
        )
        .unwrap()
        .self_signed("x", "2026-03-01T00:00:00Z".parse().unwrap())
        .unwrap();
        let mut both = cert.to_pem().into_bytes();
        both.extend_from_slice(&key.private_key_to_pem_pkcs8().unwrap());
        assert!(read_rsa(&both).unwrap().public_eq(&key));
    }
}

//! X.509 certificates: parsing (through OpenSSL), thumbprints, and the checks on signing
//! certificates; the key pair IAM decrypts assertions with ([`encryption`]) and the one rule
//! every private key is read by ([`private_key`]).

pub mod encryption;
pub mod private_key;
mod thumbprint;

pub use thumbprint::{Thumbprint, ThumbprintError};

use crate::diag::{Code, Finding, Severity};
use base64::Engine;
use chrono::{DateTime, Utc};
use openssl::hash::MessageDigest;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// Why bytes are not a certificate.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CertError {
    #[error("not base64: {0}")]
    Base64(String),
    #[error("not a DER X.509 certificate ({0})")]
    Der(String),
    #[error("no PEM certificate found")]
    NoPem,
}

/// The public key's algorithm and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum KeyKind {
    Rsa { bits: u32 },
    Ec { bits: u32, curve: String },
    Other { name: String, bits: u32 },
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::Ec { bits, curve } => write!(f, "EC {bits} ({curve})"),
            KeyKind::Other { name, bits } => write!(f, "{name} {bits}"),
        }
    }
}

/// The public key as it sits in the certificate, for building an OpenSSL key directly (OpenSSL
/// 3.0 spends ~300 µs decoding a certificate's key through its provider decoders).
#[derive(Clone, PartialEq, Eq)]
enum KeyMaterial {
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    Ec {
        curve: Option<String>,
        point: Vec<u8>,
    },
    Other,
}

/// A parsed X.509 certificate with what the checks and reports need.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    material: KeyMaterial,
    common_name: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-1 thumbprint, as the Entra portal shows it.
    pub sha1: Thumbprint,
    pub sha256: Thumbprint,
    /// SHA-256 of the SubjectPublicKeyInfo: certificates that share it verify the same
    /// signatures, so a signature is checked once per distinct key, not once per certificate.
    pub key_sha256: Thumbprint,
    pub key: KeyKind,
    /// The algorithm the issuer signed the certificate with, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("sha256", &self.sha256)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parses a DER certificate. Fields are read with `x509-parser` (OpenSSL 3.0 spends about
    /// 300 µs decoding each certificate's key; this takes a few µs); digests use OpenSSL.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        use x509_parser::prelude::*;
        let (rest, x) =
            X509Certificate::from_der(der).map_err(|e| CertError::Der(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Der("extra bytes after the certificate".into()));
        }
        let (key, material) = match x.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => (
                KeyKind::Rsa {
                    bits: rsa_bits(rsa.modulus),
                },
                KeyMaterial::Rsa {
                    modulus: rsa.modulus.to_vec(),
                    exponent: rsa.exponent.to_vec(),
                },
            ),
            Ok(x509_parser::public_key::PublicKey::EC(point)) => {
                let curve = x
                    .public_key()
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|oid| oid_name(&oid));
                (
                    KeyKind::Ec {
                        bits: point.key_size() as u32,
                        curve: curve.clone().unwrap_or_else(|| "unknown curve".into()),
                    },
                    KeyMaterial::Ec {
                        curve,
                        point: point.data().to_vec(),
                    },
                )
            }
            _ => (
                KeyKind::Other {
                    name: oid_name(&x.public_key().algorithm.algorithm),
                    bits: (x.public_key().subject_public_key.data.len() * 8) as u32,
                },
                KeyMaterial::Other,
            ),
        };
        let time = |t: ASN1Time| {
            DateTime::from_timestamp(t.timestamp(), 0)
                .ok_or_else(|| CertError::Der("validity date out of range".into()))
        };
        let common_name = x
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned);
        Ok(Certificate {
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            serial: x
                .tbs_certificate
                .raw_serial()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect(),
            not_before: time(x.validity().not_before)?,
            not_after: time(x.validity().not_after)?,
            sha1: Thumbprint::of(der, MessageDigest::sha1()),
            sha256: Thumbprint::of(der, MessageDigest::sha256()),
            key_sha256: Thumbprint::of(x.public_key().raw, MessageDigest::sha256()),
            key,
            signature_algorithm: oid_name(&x.signature_algorithm.algorithm),
            common_name,
            material,
            der: der.to_vec(),
        })
    }

    /// The certificate's public key as an OpenSSL key, built from its components.
    pub fn public_key(&self) -> Result<openssl::pkey::PKey<openssl::pkey::Public>, CertError> {
        use openssl::bn::BigNum;
        let bad =
            |e: openssl::error::ErrorStack| CertError::Der(format!("unusable public key: {e}"));
        match &self.material {
            KeyMaterial::Rsa { modulus, exponent } => {
                let rsa = openssl::rsa::Rsa::from_public_components(
                    BigNum::from_slice(modulus).map_err(bad)?,
                    BigNum::from_slice(exponent).map_err(bad)?,
                )
                .map_err(bad)?;
                openssl::pkey::PKey::from_rsa(rsa).map_err(bad)
            }
            KeyMaterial::Ec { curve, point } => {
                let nid = match curve.as_deref() {
                    Some("prime256v1") => openssl::nid::Nid::X9_62_PRIME256V1,
                    Some("secp384r1") => openssl::nid::Nid::SECP384R1,
                    Some("secp521r1") => openssl::nid::Nid::SECP521R1,
                    other => {
                        return Err(CertError::Der(format!(
                            "unsupported elliptic curve {}",
                            other.unwrap_or("(unnamed)")
                        )))
                    }
                };
                let group = openssl::ec::EcGroup::from_curve_name(nid).map_err(bad)?;
                let mut ctx = openssl::bn::BigNumContext::new().map_err(bad)?;
                let point =
                    openssl::ec::EcPoint::from_bytes(&group, point, &mut ctx).map_err(bad)?;
                let key = openssl::ec::EcKey::from_public_key(&group, &point).map_err(bad)?;
                openssl::pkey::PKey::from_ec_key(key).map_err(bad)
            }
            KeyMaterial::Other => Err(CertError::Der(format!(
                "{} keys cannot verify XML signatures here",
                self.key
            ))),
        }
    }

    /// Parses the base64 text of an `X509Certificate` element (whitespace allowed).
    pub fn from_base64(text: &str) -> Result<Self, CertError> {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| CertError::Base64(e.to_string()))?;
        Self::from_der(&der)
    }

    /// Parses every certificate in a PEM file.
    pub fn from_pem_all(pem: &[u8]) -> Result<Vec<Self>, CertError> {
        let certs: Vec<Self> = x509_parser::pem::Pem::iter_from_buffer(pem)
            .filter_map(Result::ok)
            .filter(|p| p.label == "CERTIFICATE")
            .map(|p| Self::from_der(&p.contents))
            .collect::<Result<_, _>>()?;
        if certs.is_empty() {
            return Err(CertError::NoPem);
        }
        Ok(certs)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM text.
    pub fn to_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// The certificate's common name, or its whole subject when it has none.
    pub fn common_name(&self) -> String {
        self.common_name
            .clone()
            .unwrap_or_else(|| self.subject.clone())
    }

    /// Whole days from `now` until expiry (negative once expired).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }

    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now < self.not_after
    }

    /// True when `thumbprint` (SHA-1 or SHA-256) names this certificate.
    pub fn matches(&self, thumbprint: &Thumbprint) -> bool {
        *thumbprint == self.sha1 || *thumbprint == self.sha256
    }
}

/// Bits of an RSA modulus given as big-endian bytes (leading zero bytes ignored).
fn rsa_bits(modulus: &[u8]) -> u32 {
    let trimmed: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    (trimmed.len() as u32 - 1) * 8 + (8 - trimmed[0].leading_zeros())
}

/// OpenSSL's short name for well-known OIDs (`sha256WithRSAEncryption`, `prime256v1`), else
/// the dotted OID.
fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// Settings for the certificate checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertPolicy {
    /// Days before expiry at which the first warning is given (Entra mails at 60).
    pub warn_days: i64,
}

impl Default for CertPolicy {
    fn default() -> Self {
        CertPolicy { warn_days: 60 }
    }
}

/// The notice steps Entra uses (60, 30, 7 days), with the first replaced by `warn_days`.
fn expiry_step(days_left: i64, warn_days: i64) -> Option<(i64, Severity)> {
    let mut steps = vec![(7, Severity::Error), (30, Severity::Warning)];
    if warn_days > 30 {
        steps.push((warn_days, Severity::Warning));
    }
    steps.retain(|(d, _)| *d <= warn_days.max(7));
    steps.into_iter().find(|(d, _)| days_left <= *d)
}

/// What role a certificate plays, which decides how hard an expiry hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// The certificate that signs (or will sign) today, or the only one there is.
    Current,
    /// Another signing certificate listed beside a valid current one.
    Spare,
}

/// Checks one signing certificate at instant `now`.
pub fn check_signing_certificate(
    cert: &Certificate,
    role: CertRole,
    now: DateTime<Utc>,
    policy: CertPolicy,
) -> Vec<Finding> {
    let subject = format!("{} (SHA-1 {})", cert.common_name(), cert.sha1);
    [
        validity(cert, role, now, policy),
        key(cert),
        signature(cert),
    ]
    .into_iter()
    .flatten()
    .map(|f| f.subject(subject.clone()))
    .collect()
}

fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Expired, not yet valid, or expiring within the notice: judged milder for a spare
/// certificate listed beside the active one.
fn validity(
    cert: &Certificate,
    role: CertRole,
    now: DateTime<Utc>,
    policy: CertPolicy,
) -> Option<Finding> {
    let spare = role == CertRole::Spare;
    if now >= cert.not_after {
        let days = (now - cert.not_after).num_days();
        let finding = Finding::new(
            Code::CertExpired,
            format!(
                "expired on {} ({} day{} ago)",
                date(cert.not_after),
                days,
                if days == 1 { "" } else { "s" }
            ),
        );
        return Some(if spare {
            finding.severity(Severity::Warning).help(
                "Entra still lists this expired certificate beside a valid one; delete it in the Entra portal so no consumer picks it.",
            )
        } else {
            finding
        });
    }
    if now < cert.not_before {
        let finding = Finding::new(
            Code::CertNotYetValid,
            format!("not valid until {}", date(cert.not_before)),
        );
        return Some(if spare {
            finding.severity(Severity::Info).help(
                "This looks like the next certificate of a rollover: do not make it active in Entra before it becomes valid.",
            )
        } else {
            finding
        });
    }
    let days_left = cert.days_left(now);
    let (step, severity) = expiry_step(days_left, policy.warn_days)?;
    Some(
        Finding::new(
            Code::CertExpiring,
            format!(
                "expires on {} ({} day{} left, within the {}-day notice)",
                date(cert.not_after),
                days_left,
                if days_left == 1 { "" } else { "s" },
                step
            ),
        )
        .severity(if spare { Severity::Info } else { severity }),
    )
}

/// RSA of at least 2048 bits, as Entra and AWS use.
fn key(cert: &Certificate) -> Option<Finding> {
    match &cert.key {
        KeyKind::Rsa { bits } if *bits < 1024 => Some(Finding::new(
            Code::CertWeakKey,
            format!("RSA key of {bits} bits: IAM rejects keys under 1024 bits and anything under 2048 is breakable"),
        )),
        KeyKind::Rsa { bits } if *bits < 2048 => Some(Finding::new(
            Code::CertWeakKey,
            format!("RSA key of {bits} bits; at least 2048 bits are required"),
        )),
        KeyKind::Rsa { .. } => None,
        other => Some(Finding::new(
            Code::CertKeyType,
            format!("{other} key; Entra and AWS SAML federation use RSA"),
        )),
    }
}

/// The issuer's signature over the certificate, by a broken hash.
fn signature(cert: &Certificate) -> Option<Finding> {
    let alg = cert.signature_algorithm.to_ascii_lowercase();
    (alg.contains("sha1") || alg.contains("md5") || alg.contains("md2")).then(|| {
        Finding::new(
            Code::CertWeakSignature,
            format!(
                "the certificate is signed with {}",
                cert.signature_algorithm
            ),
        )
    })
}

#[cfg(test)]
mod tests;

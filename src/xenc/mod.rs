//! XML Encryption, decrypting side, for `saml:EncryptedAssertion`: reading `xenc:EncryptedData`
//! and its `xenc:EncryptedKey` (inside the data's `ds:KeyInfo`, as Entra writes it, or a
//! sibling the data references), unwrapping the content key with RSA and decrypting the
//! content with AES-CBC, AES-GCM or 3DES, all through OpenSSL.
//!
//! What goes wrong once a key is used is one answer, [`Problem::Failed`], whatever the cause
//! (RSA-OAEP, GCM tag, CBC padding, key length), so that no report can serve as a decryption
//! oracle. Which key is tried depends only on public facts: the certificate the EncryptedKey
//! names.

#[cfg(test)]
mod tests;

use crate::cert::private_key::{read_rsa, PrivateKeyError};
use crate::cert::{Certificate, Thumbprint};
use crate::xml::{ns, Element};
use base64::Engine as _;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::symm::{self, Cipher};
use std::fmt;

/// XML Encryption 1.1's namespace (GCM, the generic RSA-OAEP, MGF).
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

const ELEMENT_TYPE: &str = "http://www.w3.org/2001/04/xmlenc#Element";
const ENCRYPTED_KEY_TYPE: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// Most keys given at once: the old and the new during a rotation, with room to spare.
pub const MAX_KEYS: usize = 8;

/// A private key to decrypt with, and how reports name it. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct DecryptionKey {
    /// e.g. "--decrypt-key sp-2026.pem".
    pub label: String,
    key: PKey<Private>,
    /// SHA-256 of the public key's SubjectPublicKeyInfo, as [`Certificate::key_sha256`].
    pub key_sha256: Thumbprint,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("label", &self.label)
            .field("key_sha256", &self.key_sha256)
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Reads an unencrypted PEM private key by [`read_rsa`]'s rule. The key stays in memory
    /// only.
    pub fn from_pem(label: String, pem: &[u8]) -> Result<Self, PrivateKeyError> {
        let key = read_rsa(pem)?;
        let spki = key
            .public_key_to_der()
            .map_err(|_| PrivateKeyError::NotPem)?;
        Ok(DecryptionKey {
            label,
            key_sha256: Thumbprint::of(&spki, MessageDigest::sha256()),
            key,
        })
    }
}

/// Which weak algorithms the user allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// RSA PKCS#1 v1.5 key transport (Bleichenbacher's attack).
    pub allow_rsa15: bool,
    /// Triple DES content encryption (64-bit blocks, Sweet32).
    pub allow_3des: bool,
}

/// How the content key is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTransport {
    /// `xmlenc#rsa-oaep-mgf1p`: MGF1 with SHA-1, the digest SHA-1 unless DigestMethod says.
    RsaOaepMgf1p { digest: Digest },
    /// `xmlenc11#rsa-oaep`: digest and MGF each named (SHA-1 when not).
    RsaOaep { digest: Digest, mgf: Digest },
    /// `xmlenc#rsa-1_5`, refused unless allowed.
    Rsa15,
}

impl KeyTransport {
    pub fn uri(self) -> &'static str {
        match self {
            KeyTransport::RsaOaepMgf1p { .. } => "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
            KeyTransport::RsaOaep { .. } => "http://www.w3.org/2009/xmlenc11#rsa-oaep",
            KeyTransport::Rsa15 => "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
        }
    }
}

/// A digest named by `ds:DigestMethod` or `xenc11:MGF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    fn md(self) -> MessageDigest {
        match self {
            Digest::Sha1 => MessageDigest::sha1(),
            Digest::Sha224 => MessageDigest::sha224(),
            Digest::Sha256 => MessageDigest::sha256(),
            Digest::Sha384 => MessageDigest::sha384(),
            Digest::Sha512 => MessageDigest::sha512(),
        }
    }

    fn from_digest_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Digest::Sha1,
            "http://www.w3.org/2001/04/xmldsig-more#sha224" => Digest::Sha224,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Digest::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Digest::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Digest::Sha512,
            _ => return None,
        })
    }

    fn from_mgf_uri(uri: &str) -> Option<Self> {
        Some(match uri.strip_prefix(XENC11)? {
            "mgf1sha1" => Digest::Sha1,
            "mgf1sha224" => Digest::Sha224,
            "mgf1sha256" => Digest::Sha256,
            "mgf1sha384" => Digest::Sha384,
            "mgf1sha512" => Digest::Sha512,
            _ => return None,
        })
    }
}

/// How the content is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCipher {
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    /// Refused unless allowed.
    TripleDesCbc,
}

impl ContentCipher {
    const ALL: [ContentCipher; 7] = [
        ContentCipher::Aes128Cbc,
        ContentCipher::Aes192Cbc,
        ContentCipher::Aes256Cbc,
        ContentCipher::Aes128Gcm,
        ContentCipher::Aes192Gcm,
        ContentCipher::Aes256Gcm,
        ContentCipher::TripleDesCbc,
    ];

    pub fn uri(self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            ContentCipher::Aes192Cbc => "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
            ContentCipher::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
            ContentCipher::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            ContentCipher::Aes192Gcm => "http://www.w3.org/2009/xmlenc11#aes192-gcm",
            ContentCipher::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            ContentCipher::TripleDesCbc => "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        }
    }

    fn cipher(self) -> Cipher {
        match self {
            ContentCipher::Aes128Cbc => Cipher::aes_128_cbc(),
            ContentCipher::Aes192Cbc => Cipher::aes_192_cbc(),
            ContentCipher::Aes256Cbc => Cipher::aes_256_cbc(),
            ContentCipher::Aes128Gcm => Cipher::aes_128_gcm(),
            ContentCipher::Aes192Gcm => Cipher::aes_192_gcm(),
            ContentCipher::Aes256Gcm => Cipher::aes_256_gcm(),
            ContentCipher::TripleDesCbc => Cipher::des_ede3_cbc(),
        }
    }

    fn is_gcm(self) -> bool {
        matches!(
            self,
            ContentCipher::Aes128Gcm | ContentCipher::Aes192Gcm | ContentCipher::Aes256Gcm
        )
    }
}

/// Which key the EncryptedKey says it is encrypted for.
#[derive(Debug, Clone)]
pub enum Recipient {
    Certificate(Box<Certificate>),
    IssuerSerial {
        issuer: String,
        serial: String,
    },
    KeyName(String),
    /// The EncryptedKey names nothing.
    Unnamed,
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Certificate(c) => write!(
                f,
                "the certificate {} (SHA-256 {}, public key SHA-256 {})",
                c.subject, c.sha256, c.key_sha256
            ),
            Recipient::IssuerSerial { issuer, serial } => {
                write!(
                    f,
                    "the certificate issued by {issuer} with serial number {serial}"
                )
            }
            Recipient::KeyName(name) => write!(f, "the key named {name:?}"),
            Recipient::Unnamed => f.write_str("a key it does not name"),
        }
    }
}

/// An EncryptedAssertion read: its algorithms and whom it is for, nothing decrypted yet.
#[derive(Debug)]
pub struct Encrypted<'d> {
    pub transport: KeyTransport,
    pub cipher: ContentCipher,
    pub recipient: Recipient,
    /// RSA-OAEP's label (`xenc:OAEPparams`), usually absent.
    oaep_label: Vec<u8>,
    wrapped_key: Vec<u8>,
    data: &'d Element<'d>,
}

/// Why an EncryptedAssertion was not decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Its elements are not laid out as XML Encryption and the SAML profile say.
    Structure(String),
    /// An algorithm samlbridge does not decrypt (its URI, or what is missing).
    Unsupported(String),
    /// A key or content decryption failed, whatever the cause. Deliberately without detail.
    Failed,
    /// No key given fits: the certificate named is none of theirs, or, when none is named,
    /// none of them decrypts it.
    WrongKey,
}

/// Reads the EncryptedAssertion's `xenc:EncryptedData` and the one `xenc:EncryptedKey` for it.
pub fn read<'d>(assertion: &'d Element<'d>) -> Result<Encrypted<'d>, Problem> {
    let structure = |m: &str| Problem::Structure(m.to_owned());
    let mut data = assertion.children_named(ns::XENC, "EncryptedData");
    let (Some(data), None) = (data.next(), data.next()) else {
        return Err(structure(
            "an EncryptedAssertion holds exactly one xenc:EncryptedData",
        ));
    };
    if let Some(other) = assertion
        .elements()
        .find(|e| !e.is(ns::XENC, "EncryptedData") && !e.is(ns::XENC, "EncryptedKey"))
    {
        return Err(Problem::Structure(format!(
            "the EncryptedAssertion holds <{}>; only xenc:EncryptedData and xenc:EncryptedKey belong there",
            other.qualified_name()
        )));
    }
    match data.attr("Type") {
        None | Some(ELEMENT_TYPE) => {}
        Some(other) => {
            return Err(Problem::Structure(format!(
                "the EncryptedData's Type is {other}; an encrypted assertion is a whole element ({ELEMENT_TYPE})"
            )))
        }
    }
    let method = algorithm(data)?;
    let cipher = ContentCipher::ALL
        .into_iter()
        .find(|c| c.uri() == method)
        .ok_or_else(|| Problem::Unsupported(format!("content encryption {method}")))?;
    let key = encrypted_key(assertion, data)?;
    let transport = transport(key)?;
    let oaep_label = match key
        .child(ns::XENC, "EncryptionMethod")
        .and_then(|m| m.child(ns::XENC, "OAEPparams"))
    {
        Some(p) => base64_of(p, "OAEPparams")?,
        None => Vec::new(),
    };
    Ok(Encrypted {
        transport,
        cipher,
        recipient: recipient(key)?,
        oaep_label,
        wrapped_key: cipher_value(key)?,
        data,
    })
}

/// The EncryptionMethod's Algorithm.
fn algorithm<'d>(e: &'d Element<'d>) -> Result<&'d str, Problem> {
    e.child(ns::XENC, "EncryptionMethod")
        .and_then(|m| m.attr("Algorithm"))
        .ok_or_else(|| {
            Problem::Structure(format!(
                "<{}> names no EncryptionMethod Algorithm",
                e.qualified_name()
            ))
        })
}

/// The one EncryptedKey for `data`: in its KeyInfo, or a sibling its KeyInfo's
/// RetrievalMethod names, or the one sibling whose ReferenceList names `data`.
fn encrypted_key<'d>(
    assertion: &'d Element<'d>,
    data: &'d Element<'d>,
) -> Result<&'d Element<'d>, Problem> {
    let structure = |m: &str| Err(Problem::Structure(m.to_owned()));
    let key_info = data.child(ns::DSIG, "KeyInfo");
    let siblings: Vec<&Element> = assertion.children_named(ns::XENC, "EncryptedKey").collect();
    if let Some(ki) = key_info {
        let inside: Vec<&Element> = ki.children_named(ns::XENC, "EncryptedKey").collect();
        let retrieval: Vec<&Element> = ki.children_named(ns::DSIG, "RetrievalMethod").collect();
        match (inside.as_slice(), retrieval.as_slice()) {
            ([key], []) if siblings.is_empty() => return Ok(key),
            ([_], []) => {
                return structure(
                    "an EncryptedKey sits both in the EncryptedData's KeyInfo and beside it",
                )
            }
            ([], [method]) => {
                if method.attr("Type").is_some_and(|t| t != ENCRYPTED_KEY_TYPE) {
                    return structure("the RetrievalMethod's Type is not EncryptedKey");
                }
                let Some(id) = method.attr("URI").and_then(|u| u.strip_prefix('#')) else {
                    return structure(
                        "the RetrievalMethod's URI is not a same-document '#Id' reference",
                    );
                };
                let named: Vec<&&Element> = siblings
                    .iter()
                    .filter(|k| k.attr("Id") == Some(id) || k.attr("ID") == Some(id))
                    .collect();
                return match named.as_slice() {
                    [key] if siblings.len() == 1 => Ok(key),
                    [_] => structure("the EncryptedAssertion holds more than one EncryptedKey"),
                    _ => structure("the RetrievalMethod names no single EncryptedKey in the EncryptedAssertion"),
                };
            }
            ([], []) => {}
            _ => return structure(
                "the EncryptedData's KeyInfo holds more than one EncryptedKey or RetrievalMethod",
            ),
        }
    }
    match siblings.as_slice() {
        [key] => {
            // Beside the data, the key must say it is for this data, when the data has an Id.
            let refs: Vec<&str> = key
                .child(ns::XENC, "ReferenceList")
                .map(|l| {
                    l.children_named(ns::XENC, "DataReference")
                        .filter_map(|r| r.attr("URI"))
                        .collect()
                })
                .unwrap_or_default();
            let data_id = data.attr("Id");
            if refs.is_empty() || refs.iter().any(|r| r.strip_prefix('#') == data_id) {
                Ok(key)
            } else {
                structure("the EncryptedKey's DataReference names another element than the EncryptedData")
            }
        }
        [] => structure("no xenc:EncryptedKey: neither in the EncryptedData's KeyInfo nor in the EncryptedAssertion"),
        _ => structure("the EncryptedAssertion holds more than one EncryptedKey"),
    }
}

fn transport(key: &Element) -> Result<KeyTransport, Problem> {
    let uri = algorithm(key)?;
    let method = key.child(ns::XENC, "EncryptionMethod");
    let digest = match method.and_then(|m| m.child(ns::DSIG, "DigestMethod")) {
        None => Digest::Sha1,
        Some(d) => {
            let a = d.attr("Algorithm").unwrap_or("");
            Digest::from_digest_uri(a)
                .ok_or_else(|| Problem::Unsupported(format!("RSA-OAEP digest {a:?}")))?
        }
    };
    let mgf = method.and_then(|m| m.child(XENC11, "MGF"));
    match uri {
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" => {
            if mgf.is_some() {
                return Err(Problem::Structure(
                    "rsa-oaep-mgf1p fixes MGF1 with SHA-1; it takes no xenc11:MGF".into(),
                ));
            }
            Ok(KeyTransport::RsaOaepMgf1p { digest })
        }
        "http://www.w3.org/2009/xmlenc11#rsa-oaep" => {
            let mgf = match mgf {
                None => Digest::Sha1,
                Some(m) => {
                    let a = m.attr("Algorithm").unwrap_or("");
                    Digest::from_mgf_uri(a).ok_or_else(|| {
                        Problem::Unsupported(format!("mask generation function {a:?}"))
                    })?
                }
            };
            Ok(KeyTransport::RsaOaep { digest, mgf })
        }
        "http://www.w3.org/2001/04/xmlenc#rsa-1_5" => Ok(KeyTransport::Rsa15),
        other => Err(Problem::Unsupported(format!("key transport {other}"))),
    }
}

fn recipient(key: &Element) -> Result<Recipient, Problem> {
    let Some(ki) = key.child(ns::DSIG, "KeyInfo") else {
        return Ok(Recipient::Unnamed);
    };
    let x509 = ki.child(ns::DSIG, "X509Data");
    if let Some(c) = x509.and_then(|x| x.child(ns::DSIG, "X509Certificate")) {
        let cert = Certificate::from_base64(&c.text()).map_err(|e| {
            Problem::Structure(format!(
                "the EncryptedKey's X509Certificate cannot be read: {e}"
            ))
        })?;
        return Ok(Recipient::Certificate(Box::new(cert)));
    }
    if let Some(is) = x509.and_then(|x| x.child(ns::DSIG, "X509IssuerSerial")) {
        let part = |name| {
            is.child(ns::DSIG, name)
                .map(Element::trimmed_text)
                .unwrap_or_default()
        };
        return Ok(Recipient::IssuerSerial {
            issuer: part("X509IssuerName"),
            serial: part("X509SerialNumber"),
        });
    }
    Ok(match ki.child(ns::DSIG, "KeyName") {
        Some(n) => Recipient::KeyName(n.trimmed_text()),
        None => Recipient::Unnamed,
    })
}

fn base64_of(e: &Element, what: &str) -> Result<Vec<u8>, Problem> {
    let text: String = e
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Problem::Structure(format!("the {what} is not base64")))
}

/// The base64 CipherValue of an EncryptedData or EncryptedKey (a CipherReference, which
/// would fetch the ciphertext from elsewhere, is refused).
fn cipher_value(e: &Element) -> Result<Vec<u8>, Problem> {
    let data = e
        .child(ns::XENC, "CipherData")
        .ok_or_else(|| Problem::Structure(format!("<{}> has no CipherData", e.qualified_name())))?;
    if data.child(ns::XENC, "CipherReference").is_some() {
        return Err(Problem::Unsupported(
            "CipherReference (ciphertext fetched from elsewhere)".into(),
        ));
    }
    let value = data.child(ns::XENC, "CipherValue").ok_or_else(|| {
        Problem::Structure(format!("<{}> has no CipherValue", e.qualified_name()))
    })?;
    base64_of(value, "CipherValue")
}

/// What decryption gave: the plaintext and the key that opened it.
#[derive(Debug)]
pub struct Plaintext<'k> {
    pub bytes: Vec<u8>,
    pub key: &'k DecryptionKey,
}

impl Encrypted<'_> {
    /// Decrypts with the keys given. When the EncryptedKey carries a certificate, only the
    /// keys holding its public key are tried; otherwise each key in turn. Weak algorithms
    /// must have been allowed by the caller's policy.
    pub fn decrypt<'k>(
        &self,
        keys: &'k [DecryptionKey],
        policy: Policy,
    ) -> Result<Plaintext<'k>, Problem> {
        if self.transport == KeyTransport::Rsa15 && !policy.allow_rsa15 {
            return Err(Problem::Unsupported("rsa-1_5 not allowed".into()));
        }
        if self.cipher == ContentCipher::TripleDesCbc && !policy.allow_3des {
            return Err(Problem::Unsupported("tripledes-cbc not allowed".into()));
        }
        let content = cipher_value(self.data)?;
        let named = match &self.recipient {
            Recipient::Certificate(cert) => Some(&cert.key_sha256),
            _ => None,
        };
        let candidates: Vec<&DecryptionKey> = keys
            .iter()
            .filter(|k| named.is_none_or(|n| *n == k.key_sha256))
            .collect();
        if candidates.is_empty() {
            return Err(Problem::WrongKey);
        }
        for key in &candidates {
            if let Some(bytes) = self
                .unwrap_key(key)
                .and_then(|cek| decrypt_content(self.cipher, &cek, &content))
            {
                return Ok(Plaintext { bytes, key });
            }
        }
        Err(if named.is_some() {
            Problem::Failed
        } else {
            Problem::WrongKey
        })
    }

    /// The content key, or `None` whatever went wrong.
    fn unwrap_key(&self, key: &DecryptionKey) -> Option<Vec<u8>> {
        let mut d = openssl::encrypt::Decrypter::new(&key.key).ok()?;
        match self.transport {
            KeyTransport::Rsa15 => d.set_rsa_padding(Padding::PKCS1).ok()?,
            KeyTransport::RsaOaepMgf1p { digest } => {
                d.set_rsa_padding(Padding::PKCS1_OAEP).ok()?;
                d.set_rsa_oaep_md(digest.md()).ok()?;
                d.set_rsa_mgf1_md(MessageDigest::sha1()).ok()?;
            }
            KeyTransport::RsaOaep { digest, mgf } => {
                d.set_rsa_padding(Padding::PKCS1_OAEP).ok()?;
                d.set_rsa_oaep_md(digest.md()).ok()?;
                d.set_rsa_mgf1_md(mgf.md()).ok()?;
            }
        }
        if !self.oaep_label.is_empty() && self.transport != KeyTransport::Rsa15 {
            d.set_rsa_oaep_label(&self.oaep_label).ok()?;
        }
        let mut out = vec![0u8; d.decrypt_len(&self.wrapped_key).ok()?];
        let n = d.decrypt(&self.wrapped_key, &mut out).ok()?;
        out.truncate(n);
        (n == self.cipher.cipher().key_len()).then_some(out)
    }
}

/// GCM: a 12-byte IV, the ciphertext, a 16-byte tag. CBC: an IV of one block, then whole
/// blocks, the padding XML Encryption's (ISO 10126: the last byte is its length, the others
/// arbitrary), so OpenSSL's own PKCS#7 check is off and the length byte checked here.
fn decrypt_content(cipher: ContentCipher, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let c = cipher.cipher();
    if cipher.is_gcm() {
        const IV: usize = 12;
        const TAG: usize = 16;
        if data.len() < IV + TAG {
            return None;
        }
        let (iv, rest) = data.split_at(IV);
        let (body, tag) = rest.split_at(rest.len() - TAG);
        return symm::decrypt_aead(c, key, Some(iv), &[], body, tag).ok();
    }
    let block = c.block_size();
    if data.len() < 2 * block || !data.len().is_multiple_of(block) {
        return None;
    }
    let (iv, body) = data.split_at(block);
    let mut crypter = symm::Crypter::new(c, symm::Mode::Decrypt, key, Some(iv)).ok()?;
    crypter.pad(false);
    let mut out = vec![0u8; body.len() + block];
    let mut n = crypter.update(body, &mut out).ok()?;
    n += crypter.finalize(&mut out[n..]).ok()?;
    out.truncate(n);
    let pad = usize::from(*out.last()?);
    if pad == 0 || pad > block || pad > out.len() {
        return None;
    }
    out.truncate(out.len() - pad);
    Some(out)
}

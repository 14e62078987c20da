//! XML Encryption, encrypting side, for tests: wraps a (signed) assertion in a
//! `saml:EncryptedAssertion` the way an identity provider does, with OpenSSL. Entra's shape is
//! [`Encryption::entra`]: AES-256-CBC content, its key wrapped with RSA-OAEP-MGF1P, the
//! EncryptedKey inside the EncryptedData's KeyInfo carrying the recipient's certificate.

use crate::pki::KeyPair;
use base64::Engine as _;
use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::rand::rand_bytes;
use openssl::rsa::Padding;
use openssl::symm::{self, Cipher};

/// How the content key is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `xmlenc#rsa-oaep-mgf1p` with SHA-1 (Entra's).
    OaepMgf1p,
    /// `xmlenc#rsa-oaep-mgf1p` with a `ds:DigestMethod` of SHA-256.
    OaepMgf1pSha256,
    /// `xmlenc11#rsa-oaep` with SHA-256 as digest and MGF1 with SHA-256.
    Oaep11Sha256,
    /// `xmlenc#rsa-1_5`.
    Rsa15,
}

/// How the content is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    TripleDesCbc,
}

impl Content {
    pub fn uri(self) -> &'static str {
        match self {
            Content::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Content::Aes192Cbc => "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
            Content::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
            Content::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Content::Aes192Gcm => "http://www.w3.org/2009/xmlenc11#aes192-gcm",
            Content::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            Content::TripleDesCbc => "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        }
    }

    fn cipher(self) -> Cipher {
        match self {
            Content::Aes128Cbc => Cipher::aes_128_cbc(),
            Content::Aes192Cbc => Cipher::aes_192_cbc(),
            Content::Aes256Cbc => Cipher::aes_256_cbc(),
            Content::Aes128Gcm => Cipher::aes_128_gcm(),
            Content::Aes192Gcm => Cipher::aes_192_gcm(),
            Content::Aes256Gcm => Cipher::aes_256_gcm(),
            Content::TripleDesCbc => Cipher::des_ede3_cbc(),
        }
    }

    pub fn is_gcm(self) -> bool {
        matches!(
            self,
            Content::Aes128Gcm | Content::Aes192Gcm | Content::Aes256Gcm
        )
    }
}

/// Where the EncryptedKey sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    /// Inside the EncryptedData's KeyInfo (Entra).
    KeyInfo,
    /// Beside the EncryptedData in the EncryptedAssertion, named by a RetrievalMethod and
    /// naming the data in its ReferenceList.
    Sibling,
}

/// How the EncryptedKey names the recipient's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    Certificate,
    IssuerSerial,
    KeyName(String),
    Nothing,
}

/// How an assertion is encrypted, and for whom.
#[derive(Clone)]
pub struct Encryption {
    pub transport: Transport,
    pub content: Content,
    pub place: KeyPlace,
    pub names: Names,
    /// The certificate (and key) the assertion is encrypted for.
    pub recipient: KeyPair,
}

impl Encryption {
    /// Entra's shape: AES-256-CBC, RSA-OAEP-MGF1P, the EncryptedKey in KeyInfo with the
    /// certificate.
    pub fn entra(recipient: KeyPair) -> Self {
        Encryption {
            transport: Transport::OaepMgf1p,
            content: Content::Aes256Cbc,
            place: KeyPlace::KeyInfo,
            names: Names::Certificate,
            recipient,
        }
    }

    pub fn with(mut self, transport: Transport, content: Content) -> Self {
        self.transport = transport;
        self.content = content;
        self
    }

    /// `plaintext` (an element's serialization) encrypted as `content` says, IV first (and the
    /// GCM tag last), with a fresh key; returns the ciphertext and the key.
    pub fn encrypt_content(&self, plaintext: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let cipher = self.content.cipher();
        let mut key = vec![0u8; cipher.key_len()];
        rand_bytes(&mut key).expect("random key");
        (encrypt_with(self.content, &key, plaintext), key)
    }

    /// The content key wrapped for the recipient.
    pub fn wrap_key(&self, key: &[u8]) -> Vec<u8> {
        let mut e = Encrypter::new(&self.recipient.key).expect("RSA encrypter");
        match self.transport {
            Transport::Rsa15 => e.set_rsa_padding(Padding::PKCS1).expect("padding"),
            Transport::OaepMgf1p | Transport::OaepMgf1pSha256 | Transport::Oaep11Sha256 => {
                e.set_rsa_padding(Padding::PKCS1_OAEP).expect("padding");
                let (digest, mgf) = match self.transport {
                    Transport::OaepMgf1p => (MessageDigest::sha1(), MessageDigest::sha1()),
                    Transport::OaepMgf1pSha256 => (MessageDigest::sha256(), MessageDigest::sha1()),
                    _ => (MessageDigest::sha256(), MessageDigest::sha256()),
                };
                e.set_rsa_oaep_md(digest).expect("OAEP digest");
                e.set_rsa_mgf1_md(mgf).expect("MGF1 digest");
            }
        }
        let mut out = vec![0u8; e.encrypt_len(key).expect("length")];
        let n = e.encrypt(key, &mut out).expect("RSA encryption");
        out.truncate(n);
        out
    }

    /// The `EncryptedAssertion` carrying `assertion` (in the SAML namespace as the default
    /// namespace, as Entra writes it).
    pub fn encrypt_assertion(&self, assertion: &str) -> String {
        let (ciphertext, key) = self.encrypt_content(assertion.as_bytes());
        self.encrypted_assertion(&ciphertext, &self.wrap_key(&key))
    }

    /// The markup around a ciphertext and a wrapped key.
    pub fn encrypted_assertion(&self, ciphertext: &[u8], wrapped: &[u8]) -> String {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let transport = match self.transport {
            Transport::OaepMgf1p => {
                r#"<e:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></e:EncryptionMethod>"#
            }
            Transport::OaepMgf1pSha256 => {
                r#"<e:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/></e:EncryptionMethod>"#
            }
            Transport::Oaep11Sha256 => {
                r#"<e:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"><DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></e:EncryptionMethod>"#
            }
            Transport::Rsa15 => {
                r#"<e:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5"/>"#
            }
        };
        let names = match &self.names {
            Names::Certificate => format!(
                "<KeyInfo><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>",
                self.recipient.cert_base64()
            ),
            Names::IssuerSerial => format!(
                "<KeyInfo><X509Data><X509IssuerSerial><X509IssuerName>{}</X509IssuerName><X509SerialNumber>{}</X509SerialNumber></X509IssuerSerial></X509Data></KeyInfo>",
                crate::idp::escape(&issuer_name(&self.recipient)),
                self.recipient
                    .cert
                    .serial_number()
                    .to_bn()
                    .and_then(|b| b.to_dec_str().map(|s| s.to_string()))
                    .expect("serial number")
            ),
            Names::KeyName(name) => {
                format!("<KeyInfo><KeyName>{}</KeyName></KeyInfo>", crate::idp::escape(name))
            }
            Names::Nothing => String::new(),
        };
        let key = |id: &str, refs: &str| {
            format!(
                r#"<e:EncryptedKey{id} xmlns:e="http://www.w3.org/2001/04/xmlenc#">{transport}{names}<e:CipherData><e:CipherValue>{}</e:CipherValue></e:CipherData>{refs}</e:EncryptedKey>"#,
                b64(wrapped)
            )
        };
        let method = format!(
            r#"<xenc:EncryptionMethod Algorithm="{}"/>"#,
            self.content.uri()
        );
        let cipher = format!(
            "<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>",
            b64(ciphertext)
        );
        let (data_id, key_info, sibling) = match self.place {
            KeyPlace::KeyInfo => (
                String::new(),
                format!(
                    r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">{}</KeyInfo>"#,
                    key("", "")
                ),
                String::new(),
            ),
            KeyPlace::Sibling => (
                r#" Id="_ed1""#.to_owned(),
                r##"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#_ek1"/></ds:KeyInfo>"##.to_owned(),
                key(
                    r#" Id="_ek1""#,
                    r##"<e:ReferenceList><e:DataReference URI="#_ed1"/></e:ReferenceList>"##,
                )
                .replace("<KeyInfo>", r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">"#),
            ),
        };
        format!(
            r#"<EncryptedAssertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData{data_id} Type="http://www.w3.org/2001/04/xmlenc#Element" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">{method}{key_info}{cipher}</xenc:EncryptedData>{sibling}</EncryptedAssertion>"#
        )
    }
}

/// `plaintext` encrypted with `key`: CBC with a random IV and XML Encryption's padding (random
/// bytes, then the pad length), GCM with a random 12-byte IV and the tag appended.
pub fn encrypt_with(content: Content, key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = content.cipher();
    if content.is_gcm() {
        let mut iv = [0u8; 12];
        rand_bytes(&mut iv).expect("random IV");
        let mut tag = [0u8; 16];
        let body = symm::encrypt_aead(cipher, key, Some(&iv), &[], plaintext, &mut tag)
            .expect("GCM encryption");
        return [&iv[..], &body, &tag].concat();
    }
    let block = cipher.block_size();
    let mut iv = vec![0u8; block];
    rand_bytes(&mut iv).expect("random IV");
    let pad = block - plaintext.len() % block;
    let mut padded = plaintext.to_vec();
    let mut filler = vec![0u8; pad - 1];
    rand_bytes(&mut filler).expect("random padding");
    padded.extend_from_slice(&filler);
    padded.push(u8::try_from(pad).expect("a block is at most 16 bytes"));
    let mut c = symm::Crypter::new(cipher, symm::Mode::Encrypt, key, Some(&iv)).expect("crypter");
    c.pad(false);
    let mut out = vec![0u8; padded.len() + block];
    let mut n = c.update(&padded, &mut out).expect("CBC encryption");
    n += c.finalize(&mut out[n..]).expect("CBC final");
    out.truncate(n);
    [iv, out].concat()
}

/// The certificate's issuer as one line (`CN=…`).
fn issuer_name(pair: &KeyPair) -> String {
    pair.cert
        .issuer_name()
        .entries()
        .map(|e| {
            format!(
                "{}={}",
                e.object().nid().short_name().unwrap_or("?"),
                String::from_utf8_lossy(e.data().as_slice())
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

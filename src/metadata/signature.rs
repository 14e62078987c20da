//! Verifying the enveloped signature of a metadata document.
//!
//! Structure is checked on the strict tree first (exactly one signature, a direct child of the
//! document root, one same-document reference to the root, known algorithms and transforms),
//! so that what libxmlsec1 verifies is provably the whole document the certificates are read
//! from. Then libxmlsec1 verifies it with one candidate certificate at a time.

use super::model::{KeyEntry, SignatureStatus};
use crate::cert::{Certificate, Thumbprint};
use crate::xml::dsig::{self, SignatureAlgorithm};
use crate::xml::{signature, xmlsec, Document, Element};
use samael::crypto::{CertificateDer, CryptoProvider, XmlSec};
use std::collections::HashSet;

/// The outcome: the status, and whether the signature algorithm was SHA-1 based.
pub struct Verdict {
    pub status: SignatureStatus,
    pub sha1: bool,
}

fn invalid(reason: impl Into<String>) -> Verdict {
    Verdict {
        status: SignatureStatus::Invalid {
            reason: reason.into(),
        },
        sha1: false,
    }
}

/// Checks the structure of the document's signature and returns it with its algorithm.
fn structure(doc: &Document) -> Result<Option<(&Element, dsig::Signature)>, String> {
    let signatures = dsig::find_signatures(&doc.root);
    let (sig, parent) = match signatures.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        many => {
            return Err(format!(
                "the document carries {} signatures; samlbridge accepts one signature over the whole document",
                many.len()
            ))
        }
    };
    if parent.map(|p| std::ptr::eq(p, &doc.root)) != Some(true) {
        return Err("the signature is not a child of the document root, so it does not sign the whole document".into());
    }
    let info = dsig::inspect(sig);
    let root_id = doc.root.attr("ID");
    let reference = match info.references.as_slice() {
        [one] => one,
        [] => return Err("the signature has no Reference".into()),
        _ => return Err("the signature has more than one Reference".into()),
    };
    let covers_root = match reference.uri.as_deref() {
        Some("") => true,
        Some(_) => reference.target_id().is_some() && reference.target_id() == root_id,
        None => false,
    };
    if !covers_root {
        return Err(format!(
            "the signature's Reference URI {:?} does not point at the document root (ID {:?})",
            reference.uri.as_deref().unwrap_or(""),
            root_id.unwrap_or("")
        ));
    }
    if reference.transforms_with_content
        || !reference
            .transforms
            .iter()
            .all(|t| dsig::is_allowed_transform(t))
    {
        return Err(format!(
            "the Reference uses transforms samlbridge does not allow: {}",
            reference.transforms.join(", ")
        ));
    }
    match info.canonicalization.as_deref() {
        Some(c) if dsig::is_allowed_canonicalization(c) => {}
        other => {
            return Err(format!(
                "unsupported canonicalization method {}",
                other.unwrap_or("(none)")
            ))
        }
    }
    if info.has_object {
        return Err(
            "the signature carries a ds:Object, which metadata signatures never need".into(),
        );
    }
    let mut ids = HashSet::new();
    for e in std::iter::once(&doc.root).chain(doc.root.descendants()) {
        if let Some(id) = e.attr("ID") {
            if !ids.insert(id) {
                return Err(format!("the ID {id:?} appears on more than one element"));
            }
        }
    }
    Ok(Some((sig, info)))
}

fn algorithm_allowed(alg: &SignatureAlgorithm) -> bool {
    !matches!(alg, SignatureAlgorithm::Other(_))
}

/// Verifies `bytes` (the exact document `doc` was parsed from).
///
/// Without `pin`, the signature is checked with the certificate in its KeyInfo (or, when it
/// carries none, with the metadata's signing certificates): that shows integrity, not origin.
/// With `pin`, only the pinned certificate counts.
pub fn verify(
    bytes: &[u8],
    doc: &Document,
    keys: &[KeyEntry],
    pin: Option<&Thumbprint>,
) -> Verdict {
    let (sig, info) = match structure(doc) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Verdict {
                status: SignatureStatus::Absent,
                sha1: false,
            }
        }
        Err(reason) => return invalid(reason),
    };
    let Some(algorithm) = info.algorithm.clone() else {
        return invalid("the signature names no SignatureMethod");
    };
    if !algorithm_allowed(&algorithm) {
        return invalid(format!("unknown signature algorithm {algorithm}"));
    }
    if !info.has_signature_value {
        return invalid("the signature has no SignatureValue");
    }

    let embedded: Vec<Certificate> = info
        .key_info_certificates
        .iter()
        .filter_map(|b64| Certificate::from_base64(b64).ok())
        .collect();
    let listed: Vec<Certificate> = keys
        .iter()
        .filter(|k| k.key_use.signs())
        .filter_map(|k| k.certificate.clone().ok())
        .collect();

    let candidates: Vec<Certificate> = match pin {
        Some(pin) => {
            let found = embedded
                .iter()
                .chain(listed.iter())
                .find(|c| c.matches(pin))
                .cloned();
            match found {
                Some(cert) => vec![cert],
                None => {
                    let signer = embedded
                        .first()
                        .map(|c| format!(" (it carries {}, SHA-256 {})", c.common_name(), c.sha256))
                        .unwrap_or_default();
                    return Verdict {
                        status: SignatureStatus::Untrusted {
                            reason: format!(
                                "the pinned certificate {pin} is neither in the signature nor among the metadata's signing certificates{signer}"
                            ),
                        },
                        sha1: algorithm.is_sha1(),
                    };
                }
            }
        }
        None if !embedded.is_empty() => embedded.clone(),
        None => listed.clone(),
    };
    if candidates.is_empty() {
        return invalid("no certificate to verify the signature with: the signature has no KeyInfo certificate and the metadata lists none");
    }

    // The native verifier checks the very tree the certificates are read from, and costs a
    // fraction of a libxmlsec1 round trip; libxmlsec1 remains the judge of everything it does
    // not accept (other canonicalizations, whole-document references) and explains failures.
    let valid = |cert: &Certificate| Verdict {
        status: SignatureStatus::Valid {
            signer: cert.sha256.to_string(),
            signer_subject: cert.common_name(),
            algorithm: algorithm.to_string(),
            pinned: pin.is_some(),
        },
        sha1: algorithm.is_sha1(),
    };
    if let Some(cert) = natively_verified_by(doc, sig, &candidates) {
        return valid(cert);
    }
    let mut last_messages = Vec::new();
    for cert in &candidates {
        let (ok, messages) = verify_with(bytes, cert);
        if ok {
            return valid(cert);
        }
        last_messages = messages;
    }

    if let Some(pin) = pin {
        if let Some(actual) = embedded.iter().find(|c| verify_with(bytes, c).0) {
            return Verdict {
                status: SignatureStatus::Untrusted {
                    reason: format!(
                        "the document was signed by {} (SHA-256 {}), not by the pinned certificate {pin}",
                        actual.common_name(),
                        actual.sha256
                    ),
                },
                sha1: algorithm.is_sha1(),
            };
        }
    }
    if let Some(cert) = reformatted_verifies(bytes, &candidates) {
        return Verdict {
            status: SignatureStatus::Reformatted {
                signer: cert.sha256.to_string(),
                signer_subject: cert.common_name(),
            },
            sha1: algorithm.is_sha1(),
        };
    }
    let reason = match xmlsec::classify(&last_messages) {
        xmlsec::Mismatch::Digest => {
            "the content changed after signing: the digest of the signed data does not match".to_owned()
        }
        xmlsec::Mismatch::SignatureValue => {
            "the signature value does not match the certificate: a different key signed it, or SignedInfo was altered".to_owned()
        }
        xmlsec::Mismatch::Unknown => match last_messages.last() {
            Some(m) => format!("libxmlsec1 refused the signature: {m}"),
            None => "the signature does not verify".to_owned(),
        },
    };
    Verdict {
        status: SignatureStatus::Invalid { reason },
        sha1: algorithm.is_sha1(),
    }
}

/// Which of `certs` verifies the signature natively: the document is canonicalized and
/// digested once, whatever the number of certificates.
fn natively_verified_by<'c>(
    doc: &Document,
    sig: &Element,
    certs: &'c [Certificate],
) -> Option<&'c Certificate> {
    let keyed: Vec<(&Certificate, _)> = certs
        .iter()
        .filter_map(|c| Some((c, signature::VerifyKey::new(c.public_key().ok()?))))
        .collect();
    let keys: Vec<_> = keyed.iter().map(|(_, key)| key).collect();
    let i = signature::verify(&[], &doc.root, sig, &keys).ok()?;
    Some(keyed[i].0)
}

fn verify_with(bytes: &[u8], cert: &Certificate) -> (bool, Vec<String>) {
    let der = CertificateDer::from(cert.der().to_vec());
    let (result, messages) = xmlsec::capture(|| XmlSec::verify_signed_xml(bytes, &der, Some("ID")));
    (result.is_ok(), messages)
}

/// True when the document verifies once whitespace-only text between elements and carriage
/// returns are removed: it was pretty-printed (or had its line endings changed) after signing.
fn reformatted_verifies<'a>(
    bytes: &[u8],
    candidates: &'a [Certificate],
) -> Option<&'a Certificate> {
    let stripped = strip_inter_element_whitespace(bytes);
    if stripped == bytes {
        return None;
    }
    candidates.iter().find(|c| verify_with(&stripped, c).0)
}

fn strip_inter_element_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'>' {
            out.push(b);
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'<' {
                i = j;
                continue;
            }
            i += 1;
            continue;
        }
        if b != b'\r' {
            out.push(b);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn xml_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|x| x == "xml"));
        files.sort();
        files
    }

    /// The native fast path never accepts what libxmlsec1 refuses, on the shipped metadata and
    /// (with SAMLBRIDGE_CORPUS) every real metadata document in the corpus.
    #[test]
    fn native_verification_agrees_with_libxmlsec1() {
        let mut files = xml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/metadata"));
        match std::env::var_os("SAMLBRIDGE_CORPUS") {
            Some(corpus) => {
                let corpus = PathBuf::from(corpus);
                files.extend(xml_files(&corpus.join("entra-metadata")));
                files.extend(xml_files(&corpus.join("entra-metadata/derived")));
            }
            None => eprintln!("SAMLBRIDGE_CORPUS is not set: checking the shipped metadata only"),
        }
        let mut native_valid = 0;
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let Ok(doc) = crate::xml::parse(&bytes) else {
                continue;
            };
            let Ok(Some((sig, info))) = structure(&doc) else {
                continue;
            };
            for cert in info
                .key_info_certificates
                .iter()
                .filter_map(|b| Certificate::from_base64(b).ok())
            {
                if natively_verified_by(&doc, sig, std::slice::from_ref(&cert)).is_some() {
                    native_valid += 1;
                    assert!(
                        verify_with(&bytes, &cert).0,
                        "{}: native accepts what libxmlsec1 refuses",
                        file.display()
                    );
                }
            }
        }
        eprintln!(
            "{native_valid} metadata signatures verified natively, all confirmed by libxmlsec1"
        );
        assert!(
            native_valid >= 2,
            "the fast path verified only {native_valid} documents"
        );
    }

    #[test]
    fn strips_only_whitespace_between_elements() {
        let input = b"<a>\r\n  <b> x </b>\n</a>";
        assert_eq!(strip_inter_element_whitespace(input), b"<a><b> x </b></a>");
    }
}

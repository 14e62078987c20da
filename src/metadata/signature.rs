//! Verifying the enveloped signature of a metadata document.
//!
//! Structure is checked on the strict tree first (exactly one signature, a direct child of the
//! document root, laid out as the XML-DSig schema says, one same-document reference to the
//! root, known algorithms and transforms),
//! so that what libxmlsec1 verifies is provably the whole document the certificates are read
//! from. Then the native verifier checks it against every candidate key at once (each key once,
//! however many certificates hold it, and at most [`MAX_SIGNING_KEYS`] of them); libxmlsec1,
//! the second opinion, runs a fixed few times per document, never once per key.

use super::model::{KeyEntry, SignatureStatus};
use crate::cert::{Certificate, Thumbprint};
use crate::dsig::verify::{self, MAX_SIGNING_KEYS};
use crate::dsig::xmlsec;
use crate::dsig::{self, SignatureAlgorithm, TransformPolicy};
use crate::xml::{Document, Element, IdCensus};
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
fn structure<'d>(
    doc: &'d Document<'d>,
) -> Result<Option<(&'d Element<'d>, dsig::Signature)>, String> {
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
    // The layout libxmlsec1 requires: the native verifier, which reads the first element of
    // each name, must not accept what libxmlsec1 refuses.
    if let Some(misfit) = info.misfits.first() {
        return Err(misfit.to_string());
    }
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
            .all(|t| TransformPolicy::Metadata.allows_transform(t))
    {
        return Err(format!(
            "the Reference uses transforms samlbridge does not allow: {}",
            reference.transforms.join(", ")
        ));
    }
    match info.canonicalization.as_deref() {
        Some(c) if TransformPolicy::Metadata.allows_canonicalization(c) => {}
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
    if let Some(id) = IdCensus::of(&doc.root).repeated().first() {
        return Err(format!("the ID {id:?} appears on more than one element"));
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
    let (sig, info, algorithm) = match signature(doc) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    let sha1 = algorithm.is_sha1();
    let embedded: Vec<Certificate> = info
        .key_info_certificates
        .iter()
        .filter_map(|b64| Certificate::from_base64(b64).ok())
        .collect();
    let candidates = match candidates(&embedded, keys, pin, sha1) {
        Ok(candidates) => candidates,
        Err(verdict) => return verdict,
    };
    let refusal = match judge(bytes, Some((doc, sig)), &candidates) {
        Judgement::Verified(i) => {
            let cert = &candidates[i].cert;
            return Verdict {
                status: SignatureStatus::Valid {
                    signer: cert.sha256.to_string(),
                    signer_subject: cert.common_name(),
                    algorithm: algorithm.to_string(),
                    pinned: pin.is_some(),
                },
                sha1,
            };
        }
        Judgement::Refused(refusal) => refusal,
    };
    let status = why_refused(bytes, (doc, sig), &embedded, &candidates, pin, refusal);
    Verdict { status, sha1 }
}

/// The document's one signature, its structure checked, with its (known) algorithm; else the
/// verdict: absent, or invalid and why.
fn signature<'d>(
    doc: &'d Document<'d>,
) -> Result<(&'d Element<'d>, dsig::Signature, SignatureAlgorithm), Verdict> {
    let (sig, info) = match structure(doc) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Err(Verdict {
                status: SignatureStatus::Absent,
                sha1: false,
            })
        }
        Err(reason) => return Err(invalid(reason)),
    };
    let Some(algorithm) = info.algorithm.clone() else {
        return Err(invalid("the signature names no SignatureMethod"));
    };
    if !algorithm_allowed(&algorithm) {
        return Err(invalid(format!("unknown signature algorithm {algorithm}")));
    }
    if !info.has_signature_value {
        return Err(invalid("the signature has no SignatureValue"));
    }
    Ok((sig, info, algorithm))
}

/// The certificates to verify with: only the pinned one with `pin`; else those the signature
/// carries (or, when it carries none, the metadata's signing certificates), each key once.
/// `sha1` is what the verdict says of the algorithm when there is nothing to verify with.
fn candidates(
    embedded: &[Certificate],
    keys: &[KeyEntry],
    pin: Option<&Thumbprint>,
    sha1: bool,
) -> Result<Vec<Candidate>, Verdict> {
    let listed = keys
        .iter()
        .filter(|k| k.key_use.signs())
        .filter_map(|k| k.certificate.as_ref().ok());
    let candidates: Vec<Candidate> = match pin {
        Some(pin) => match embedded.iter().chain(listed).find(|c| c.matches(pin)) {
            Some(cert) => vec![Candidate::new(cert)],
            None => {
                let signer = embedded
                    .first()
                    .map(|c| format!(" (it carries {}, SHA-256 {})", c.common_name(), c.sha256))
                    .unwrap_or_default();
                return Err(Verdict {
                    status: SignatureStatus::Untrusted {
                        reason: format!(
                            "the pinned certificate {pin} is neither in the signature nor among the metadata's signing certificates{signer}"
                        ),
                    },
                    sha1,
                });
            }
        },
        None => {
            let in_key_info = !embedded.is_empty();
            let distinct = if in_key_info {
                distinct_keys(embedded.iter())
            } else {
                distinct_keys(listed)
            };
            if distinct.len() > MAX_SIGNING_KEYS {
                return Err(Verdict {
                    status: SignatureStatus::TooManyKeys {
                        keys: distinct.len(),
                        limit: MAX_SIGNING_KEYS,
                        in_key_info,
                    },
                    sha1,
                });
            }
            distinct.into_iter().map(Candidate::new).collect()
        }
    };
    if candidates.is_empty() {
        return Err(invalid("no certificate to verify the signature with: the signature has no KeyInfo certificate and the metadata lists none"));
    }
    Ok(candidates)
}

/// Why no candidate verified the signature `sig` of `bytes`: another signer than the pinned
/// one, a document reformatted after signing, or content or signature changed.
fn why_refused(
    bytes: &[u8],
    (doc, sig): (&Document, &Element),
    embedded: &[Certificate],
    candidates: &[Candidate],
    pin: Option<&Thumbprint>,
    refusal: Refusal,
) -> SignatureStatus {
    if let Some(pin) = pin {
        // Only to say who did sign: the certificates the signature carries, each key once.
        let carried: Vec<Candidate> = distinct_keys(embedded.iter())
            .into_iter()
            .take(MAX_SIGNING_KEYS)
            .map(Candidate::new)
            .collect();
        if let Judgement::Verified(i) = judge(bytes, Some((doc, sig)), &carried) {
            let actual = &carried[i].cert;
            return SignatureStatus::Untrusted {
                reason: format!(
                    "the document was signed by {} (SHA-256 {}), not by the pinned certificate {pin}",
                    actual.common_name(),
                    actual.sha256
                ),
            };
        }
    }
    if let Some(cert) = reformatted_verifies(bytes, candidates) {
        return SignatureStatus::Reformatted {
            signer: cert.sha256.to_string(),
            signer_subject: cert.common_name(),
        };
    }
    let mismatch = match xmlsec::classify(&refusal.messages) {
        xmlsec::Mismatch::Unknown => refusal.native,
        said => said,
    };
    let mut reason = match mismatch {
        xmlsec::Mismatch::Digest => {
            "the content changed after signing: the digest of the signed data does not match".to_owned()
        }
        xmlsec::Mismatch::SignatureValue => {
            "the signature value does not match the certificate: a different key signed it, or SignedInfo was altered".to_owned()
        }
        xmlsec::Mismatch::Unknown if refusal.messages.is_empty() => {
            "the signature does not verify".to_owned()
        }
        xmlsec::Mismatch::Unknown => format!(
            "libxmlsec1 refused the signature: {}",
            xmlsec::reason(&refusal.messages)
        ),
    };
    if refusal.untried > 0 && mismatch != xmlsec::Mismatch::Digest {
        reason.push_str(&format!(
            "; samlbridge could not check {} of the {} keys itself, and libxmlsec1 was given only the first {MAX_LIBXMLSEC1_TRIES} of those",
            refusal.untried + MAX_LIBXMLSEC1_TRIES,
            candidates.len()
        ));
    }
    SignatureStatus::Invalid { reason }
}

/// The certificates with distinct public keys, in order: certificates that share a key verify
/// the same signatures, so each key is tried once (under the first certificate that holds it).
fn distinct_keys<'c>(certs: impl Iterator<Item = &'c Certificate>) -> Vec<&'c Certificate> {
    let mut seen = HashSet::new();
    certs.filter(|c| seen.insert(&c.key_sha256)).collect()
}

/// A certificate to verify with, its key loaded once for the native verifier (`None` for keys
/// it cannot use, which only libxmlsec1 can judge).
struct Candidate {
    cert: Certificate,
    key: Option<verify::VerifyKey>,
}

impl Candidate {
    fn new(cert: &Certificate) -> Self {
        Candidate {
            key: cert.public_key().ok().map(verify::VerifyKey::new),
            cert: cert.clone(),
        }
    }
}

/// Most runs of libxmlsec1 one judgement makes. Each run canonicalizes and digests the whole
/// document, so it is never run once per listed key: the native verifier names the key, and
/// only a SignedInfo canonicalization it does not do (inclusive C14N, which Entra never uses)
/// leaves libxmlsec1 to try keys itself, the first few in order.
const MAX_LIBXMLSEC1_TRIES: usize = 3;

enum Judgement {
    /// The candidate at this index verifies the signature.
    Verified(usize),
    Refused(Refusal),
}

struct Refusal {
    /// What libxmlsec1 said on its last try.
    messages: Vec<String>,
    /// Candidates neither verifier could judge.
    untried: usize,
    /// What the native verifier found, for when libxmlsec1's messages do not say.
    native: xmlsec::Mismatch,
}

/// Judges the signature `sig` of `bytes` (parsed as `doc`; `None` when samlbridge's parser
/// refuses them) with `candidates`. Natively first: the document and SignedInfo are each
/// canonicalized once whatever the number of keys. Then, when that does not verify,
/// libxmlsec1 as the second opinion and the voice of the failure, given the key the native
/// check found signed SignedInfo (or, when none did, the first): one run.
fn judge(bytes: &[u8], tree: Option<(&Document, &Element)>, candidates: &[Candidate]) -> Judgement {
    if candidates.is_empty() {
        return Judgement::Refused(Refusal {
            messages: Vec::new(),
            untried: 0,
            native: xmlsec::Mismatch::Unknown,
        });
    }
    let keyed: Vec<(usize, &verify::VerifyKey)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.key.as_ref()?)))
        .collect();
    let keys: Vec<&verify::VerifyKey> = keyed.iter().map(|(_, k)| *k).collect();
    let mut native = xmlsec::Mismatch::Unknown;
    let signer = match tree {
        Some((doc, sig)) => {
            let exam = verify::examine(&[], &doc.root, sig, &keys);
            if let Some(i) = exam.verified_by() {
                return Judgement::Verified(keyed[i].0);
            }
            native = match (&exam.digest, &exam.signer) {
                (Ok(false), _) => xmlsec::Mismatch::Digest,
                (Ok(true), Ok(None)) => xmlsec::Mismatch::SignatureValue,
                _ => xmlsec::Mismatch::Unknown,
            };
            exam.signer.ok()
        }
        None => None,
    };
    let unjudged: Vec<usize> = match signer {
        Some(Some(i)) => vec![keyed[i].0],
        // No loadable key signed SignedInfo: only the keys the native verifier could not load
        // are left, or, when there are none, the first for libxmlsec1's own account.
        Some(None) => {
            let unloaded: Vec<usize> = (0..candidates.len())
                .filter(|&i| candidates[i].key.is_none())
                .collect();
            if unloaded.is_empty() {
                vec![0]
            } else {
                unloaded
            }
        }
        None => (0..candidates.len()).collect(),
    };
    let untried = unjudged.len().saturating_sub(MAX_LIBXMLSEC1_TRIES);
    let mut messages = Vec::new();
    for &i in unjudged.iter().take(MAX_LIBXMLSEC1_TRIES) {
        let (ok, m) = verify_with(bytes, &candidates[i].cert);
        if ok {
            return Judgement::Verified(i);
        }
        let changed = xmlsec::classify(&m) == xmlsec::Mismatch::Digest;
        messages = m;
        if changed {
            // libxmlsec1 digests the content before it looks at the key: no key can help.
            return Judgement::Refused(Refusal {
                messages,
                untried: 0,
                native,
            });
        }
    }
    Judgement::Refused(Refusal {
        messages,
        untried,
        native,
    })
}

fn verify_with(bytes: &[u8], cert: &Certificate) -> (bool, Vec<String>) {
    let der = CertificateDer::from(cert.der().to_vec());
    let (result, messages) = xmlsec::capture(|| XmlSec::verify_signed_xml(bytes, &der, Some("ID")));
    (result.is_ok(), messages)
}

/// Which candidate verifies the document once whitespace-only text between elements and
/// carriage returns are removed: it was pretty-printed (or had its line endings changed) after
/// signing.
fn reformatted_verifies<'a>(bytes: &[u8], candidates: &'a [Candidate]) -> Option<&'a Certificate> {
    let stripped = strip_inter_element_whitespace(bytes);
    if stripped == bytes {
        return None;
    }
    let arena = crate::xml::Arena::new();
    let doc = crate::xml::parse(&stripped, &arena).ok();
    let tree = doc.as_ref().and_then(|d| Some((d, structure(d).ok()??.0)));
    match judge(&stripped, tree, candidates) {
        Judgement::Verified(i) => Some(&candidates[i].cert),
        Judgement::Refused(_) => None,
    }
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
            let arena = crate::xml::Arena::new();
            let Ok(doc) = crate::xml::parse(&bytes, &arena) else {
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
                let Ok(key) = cert.public_key() else {
                    continue;
                };
                let key = verify::VerifyKey::new(key);
                if verify::examine(&[], &doc.root, sig, &[&key])
                    .verified_by()
                    .is_some()
                {
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

    /// A metadata signature laid out against the XML-DSig schema is refused before either
    /// verifier, as libxmlsec1 itself refuses it; the same signature laid out as the schema
    /// says verifies.
    #[test]
    fn the_signature_layout_follows_the_schema() {
        use samlbridge_testkit::idp::MetadataSpec;
        use samlbridge_testkit::pki::{shared_key, CertBuilder, KeySpec};
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let k = CertBuilder::entra(
            shared_key(KeySpec::Rsa(2048), 0),
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(100),
        )
        .build();
        let signed =
            MetadataSpec::entra_app("0b8f3d52-7c1e-4e55-9a4b-2f1d6c3e8a90", vec![k.clone()])
                .build();
        let judge = |text: &str| {
            let doc = crate::xml::parse_for_tests(text.as_bytes()).unwrap();
            let md = crate::metadata::idp(&doc, None).unwrap();
            verify(text.as_bytes(), &doc, &md.keys, None).status
        };
        assert!(matches!(judge(&signed), SignatureStatus::Valid { .. }));
        let value_end = signed.find("</SignatureValue>").unwrap() + "</SignatureValue>".len();
        let value_start = signed.find("<SignatureValue>").unwrap();
        let value = &signed[value_start..value_end];
        for edited in [
            signed.replacen(
                "</Signature>",
                r#"<x:Note xmlns:x="urn:x"/></Signature>"#,
                1,
            ),
            signed.replacen(value, &value.repeat(2), 1),
        ] {
            let cert = Certificate::from_der(&k.cert_der()).unwrap();
            assert!(
                !verify_with(edited.as_bytes(), &cert).0,
                "libxmlsec1 refuses it"
            );
            match judge(&edited) {
                SignatureStatus::Invalid { reason } => {
                    assert!(reason.contains("the XML-DSig schema allows"), "{reason}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn strips_only_whitespace_between_elements() {
        let input = b"<a>\r\n  <b> x </b>\n</a>";
        assert_eq!(strip_inter_element_whitespace(input), b"<a><b> x </b></a>");
    }
}

//! Signature verification: the structure checks that make XML signature wrapping impossible,
//! then samael's reduce-to-signed call (libxmlsec1), then reading the claims from what that
//! call returns and nothing else.
//!
//! [`Verified`] can only be built here, so code elsewhere cannot read claims that no signature
//! covers.

use super::assertion::{AssertionView, ResponseEnvelope};
use crate::cert::{Certificate, Thumbprint};
use crate::diag::{Code, Finding, Severity};
use crate::dsig::verify::MAX_SIGNING_KEYS;
use crate::dsig::xmlsec;
use crate::dsig::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::metadata::IdpMetadata;
use crate::xml::{self, ns, Document, Element};
use base64::Engine as _;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, CryptoProvider, ReduceMode, XmlSec,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A certificate trusted to sign responses, with how reports name it.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    /// e.g. "metadata signing certificate #2" or "--cert entra.pem".
    pub label: String,
    pub cert: Certificate,
    /// The public key, loaded once for the native verifier (`None` for key types it cannot use).
    pub key: Option<dsig::verify::VerifyKey>,
    /// The certificate's DER as base64, to recognise it in a KeyInfo.
    base64: String,
    /// What a verified response says of its signer, made once.
    signer: Arc<Signer>,
}

impl TrustAnchor {
    fn new(label: String, cert: Certificate) -> Self {
        TrustAnchor {
            signer: Arc::new(Signer {
                label: label.clone(),
                subject: cert.subject.clone(),
                sha1: cert.sha1.to_string(),
                sha256: cert.sha256.to_string(),
            }),
            label,
            key: cert.public_key().ok().map(dsig::verify::VerifyKey::new),
            base64: base64::engine::general_purpose::STANDARD.encode(cert.der()),
            cert,
        }
    }
}

/// The certificates responses may be signed with: only ever the IdP metadata's signing
/// certificates or those given with `--cert`, never one carried in the message. Each
/// certificate once, holding at most [`MAX_SIGNING_KEYS`] distinct public keys, so what a
/// response costs to verify does not grow with the certificates a metadata document lists.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
    /// Index of the anchor with a certificate's SHA-256.
    by_sha256: HashMap<Thumbprint, usize>,
    /// Index of the anchor with a certificate's base64 DER.
    by_base64: HashMap<String, usize>,
    /// The first anchor holding each distinct public key, in order.
    distinct: Vec<usize>,
}

/// More distinct public keys than samlbridge trusts at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{keys} distinct signing keys, more than the {limit} samlbridge trusts at once (Entra lists one to three)")]
pub struct TooManyKeys {
    pub keys: usize,
    pub limit: usize,
}

impl TrustAnchors {
    /// Every signing certificate of the metadata, so a rollover's new certificate works too.
    pub fn from_metadata(md: &IdpMetadata) -> Result<Self, TooManyKeys> {
        let keys: HashSet<&Thumbprint> = md.signing_certificates().map(|c| &c.key_sha256).collect();
        if keys.len() > MAX_SIGNING_KEYS {
            return Err(TooManyKeys {
                keys: keys.len(),
                limit: MAX_SIGNING_KEYS,
            });
        }
        let mut anchors = TrustAnchors::default();
        for (i, cert) in md.signing_certificates().enumerate() {
            anchors.add(
                format!("metadata signing certificate #{}", i + 1),
                cert.clone(),
            )?;
        }
        Ok(anchors)
    }

    /// Trusts `cert` too, unless it is already trusted.
    pub fn add(&mut self, label: String, cert: Certificate) -> Result<(), TooManyKeys> {
        if self.by_sha256.contains_key(&cert.sha256) {
            return Ok(());
        }
        let new_key = self
            .distinct
            .iter()
            .all(|&d| self.anchors[d].cert.key_sha256 != cert.key_sha256);
        if new_key && self.distinct.len() == MAX_SIGNING_KEYS {
            return Err(TooManyKeys {
                keys: MAX_SIGNING_KEYS + 1,
                limit: MAX_SIGNING_KEYS,
            });
        }
        let index = self.anchors.len();
        let anchor = TrustAnchor::new(label, cert);
        self.by_sha256.insert(anchor.cert.sha256.clone(), index);
        self.by_base64.insert(anchor.base64.clone(), index);
        if new_key {
            self.distinct.push(index);
        }
        self.anchors.push(anchor);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &TrustAnchor> {
        self.anchors.iter()
    }

    fn find(&self, cert: &Certificate) -> Option<&TrustAnchor> {
        self.by_sha256.get(&cert.sha256).map(|&i| &self.anchors[i])
    }

    /// The anchor whose certificate a KeyInfo's base64 text names, compared as text (no
    /// decoding or parsing on the way to the usual answer).
    fn find_base64(&self, text: &str) -> Option<&TrustAnchor> {
        // Entra writes the certificate on one line: usually the text is the key as it stands.
        if let Some(&i) = self.by_base64.get(text) {
            return Some(&self.anchors[i]);
        }
        if !text.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        self.by_base64.get(&compact).map(|&i| &self.anchors[i])
    }

    /// One anchor per distinct public key, the ones a KeyInfo names (`named`) first: the order
    /// signatures are checked in, and which certificate a verified response names as signer.
    fn by_key<'a>(&'a self, named: impl Iterator<Item = &'a TrustAnchor>) -> Vec<&'a TrustAnchor> {
        let mut order: Vec<&TrustAnchor> = Vec::new();
        for a in named.chain(self.distinct.iter().map(|&d| &self.anchors[d])) {
            if order.iter().all(|o| o.cert.key_sha256 != a.cert.key_sha256) {
                order.push(a);
            }
        }
        order
    }
}

/// What signature algorithms are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignaturePolicy {
    /// `--allow signature-sha1`.
    pub allow_sha1: bool,
}

/// The certificate that verified the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub label: String,
    pub subject: String,
    pub sha1: String,
    pub sha256: String,
}

/// Which parts were signed, how, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigningInfo {
    pub response_signed: bool,
    pub assertion_signed: bool,
    pub algorithm: String,
    pub digest: String,
    /// `None` when signatures by different trusted certificates verified together.
    pub signer: Option<Arc<Signer>>,
}

impl SigningInfo {
    /// Entra's wording for its three signing options.
    pub fn option(&self) -> &'static str {
        match (self.response_signed, self.assertion_signed) {
            (true, true) => "response and assertion signed",
            (true, false) => "response signed",
            (false, true) => "assertion signed",
            (false, false) => "unsigned",
        }
    }
}

/// Claims read from signed content. Built only by [`verify`].
#[derive(Debug, Clone)]
pub struct Verified {
    assertion: AssertionView,
    signing: SigningInfo,
}

impl Verified {
    pub fn assertion(&self) -> &AssertionView {
        &self.assertion
    }

    pub fn signing(&self) -> &SigningInfo {
        &self.signing
    }
}

/// The outcome of verification.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The Response's own fields: from the signed copy when the Response is signed, else as
    /// received. `None` for a bare Assertion.
    pub envelope: Option<ResponseEnvelope>,
    pub verified: Option<Verified>,
    pub findings: Vec<Finding>,
}

/// The document is not a SAML response (nor a bare assertion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSaml(pub String);

const SIG_CONTEXT: &str = "signature";

fn finding(code: Code, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(SIG_CONTEXT)
}

/// Which signature verifier runs once the structure is sound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// Exclusive canonicalization, digest and signature over the strict tree the claims are
    /// read from (one parser for verifying and reading), with keys loaded once.
    #[default]
    Native,
    /// samael's reduce-to-signed call through libxmlsec1, reading the pre-digest it returns:
    /// kept as the differential oracle in tests and fuzzing.
    Samael,
}

/// Verifies a parsed response. `text` is the exact document `doc` was parsed from.
pub fn verify(
    doc: &Document,
    text: &str,
    trust: &TrustAnchors,
    policy: SignaturePolicy,
    engine: Engine,
) -> Result<Checked, NotSaml> {
    let root = &doc.root;
    let is_response = root.is(ns::SAMLP, "Response");
    if !is_response && !root.is(ns::SAML, "Assertion") {
        return Err(NotSaml(format!(
            "the root element is <{}>{}, not a SAML 2.0 samlp:Response",
            root.qualified_name(),
            root.namespace
                .as_deref()
                .map(|n| format!(" in namespace {n}"))
                .unwrap_or_default()
        )));
    }
    let envelope = is_response.then(|| ResponseEnvelope::read(root));
    let mut out = Checked {
        envelope,
        verified: None,
        findings: Vec::new(),
    };
    if !is_response {
        out.findings.push(
            Finding::new(
                Code::ResponseBareAssertion,
                "the document is a bare saml:Assertion",
            )
            .subject("response"),
        );
    }

    // Structure first, every problem reported, no cryptography until the structure is sound.
    let mut structural = Vec::new();

    // Every ID once: references resolve by ID.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for e in std::iter::once(root).chain(root.descendants()) {
        if let Some(id) = e.attr("ID") {
            *ids.entry(id).or_default() += 1;
        }
    }
    let mut invalid: Vec<&str> = ids.keys().filter(|id| !xml::is_id(id)).copied().collect();
    if !invalid.is_empty() {
        invalid.sort_unstable();
        structural.push(
            Finding::new(
                Code::ResponseInvalidId,
                format!(
                    "ID {} is not an XML name",
                    invalid
                        .iter()
                        .map(|i| format!("{i:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .subject("response"),
        );
    }
    let mut dups: Vec<&str> = ids
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    if !dups.is_empty() {
        dups.sort_unstable();
        structural.push(
            Finding::new(
                Code::ResponseDuplicateId,
                format!("ID {} appears on more than one element", dups.join(", ")),
            )
            .subject("response"),
        );
    }

    let all = || std::iter::once(root).chain(root.descendants());
    let assertions: Vec<&Element> = all().filter(|e| e.is(ns::SAML, "Assertion")).collect();
    let encrypted = all()
        .filter(|e| e.is(ns::SAML, "EncryptedAssertion"))
        .count();
    let total = assertions.len() + encrypted;
    if total > 1 {
        structural.push(
            Finding::new(
                Code::ResponseAssertionCount,
                format!(
                    "{} assertions ({} plain, {} encrypted, nested ones included); exactly one is allowed",
                    total,
                    assertions.len(),
                    encrypted
                ),
            )
            .subject("response"),
        );
    } else if encrypted == 1 {
        // Nothing else can be judged without the decryption key.
        structural.push(
            Finding::new(
                Code::AssertionEncrypted,
                "the response carries an EncryptedAssertion",
            )
            .subject("assertion"),
        );
        out.findings.extend(structural);
        return Ok(out);
    } else if assertions.is_empty() {
        let failed_status = out
            .envelope
            .as_ref()
            .is_some_and(|e| !e.status.is_success());
        if !failed_status {
            structural.push(
                Finding::new(
                    Code::ResponseNoAssertion,
                    "the response carries no Assertion",
                )
                .subject("response"),
            );
        }
        // An error response (no assertion) is judged by its status alone.
        out.findings.extend(structural);
        return Ok(out);
    }
    // Assertions a signature may sit in: the Assertion itself for a bare one, else the
    // Response's direct Assertion children (more than one was reported above).
    let direct: Vec<&Element> = if is_response {
        root.children_named(ns::SAML, "Assertion").collect()
    } else {
        vec![root]
    };
    if is_response && total == 1 && direct.is_empty() {
        structural.push(finding(
            Code::SignatureWrapping,
            "the Assertion is not a direct child of the Response",
        ));
    }

    let signatures = dsig::find_signatures(root);
    if signatures.is_empty() {
        structural.push(finding(
            Code::SignatureMissing,
            "neither the Response nor the Assertion carries a ds:Signature",
        ));
    }
    let mut response_signed = false;
    let mut signed_assertions: Vec<*const Element> = Vec::new();
    let mut infos = Vec::new();
    let mut placed: Vec<(&Element, &Element)> = Vec::new();
    for (sig, parent) in &signatures {
        let Some(parent) = *parent else {
            unreachable!("the root is a Response or an Assertion, not a Signature")
        };
        let place_ok = if is_response && std::ptr::eq(parent, root) && !response_signed {
            response_signed = true;
            true
        } else if direct.iter().any(|a| std::ptr::eq(*a, parent))
            && !signed_assertions.contains(&(parent as *const Element))
        {
            signed_assertions.push(parent);
            true
        } else {
            false
        };
        if !place_ok {
            structural.push(finding(
                Code::SignaturePlacement,
                format!(
                    "a ds:Signature sits in <{}>{}; signatures may only be direct children of the Response or the Assertion, one each",
                    parent.qualified_name(),
                    parent.attr("ID").map(|id| format!(" (ID {id})")).unwrap_or_default()
                ),
            ));
            continue;
        }
        let info = dsig::inspect(sig);
        structural.extend(structure_problems(&info, parent));
        infos.push(info);
        placed.push((*sig, parent));
    }
    let assertion_signed = !signed_assertions.is_empty();

    // Algorithms: known ones only; SHA-1 only when the user allowed it.
    let mut sha1 = false;
    for info in &infos {
        match &info.algorithm {
            None => structural.push(finding(
                Code::SignatureAlgorithm,
                "a signature names no SignatureMethod",
            )),
            Some(SignatureAlgorithm::Other(uri)) => structural.push(finding(
                Code::SignatureAlgorithm,
                format!("unknown signature algorithm {uri}"),
            )),
            Some(a) => sha1 |= a.is_sha1(),
        }
        for r in &info.references {
            match &r.digest {
                None => structural.push(finding(
                    Code::SignatureAlgorithm,
                    "a Reference names no DigestMethod",
                )),
                Some(DigestAlgorithm::Other(uri)) => structural.push(finding(
                    Code::SignatureAlgorithm,
                    format!("unknown digest algorithm {uri}"),
                )),
                Some(d) => sha1 |= *d == DigestAlgorithm::Sha1,
            }
        }
    }
    if sha1 {
        let f = finding(
            Code::SignatureSha1,
            "the signature uses SHA-1 (rsa-sha1 or a sha1 digest)",
        );
        if policy.allow_sha1 {
            out.findings.push(f.severity(Severity::Info));
        } else {
            structural.push(f);
        }
    }
    if !structural.is_empty() {
        out.findings.extend(structural);
        return Ok(out);
    }
    let assertion = direct[0];

    if trust.is_empty() {
        out.findings.push(finding(
            Code::SignatureUntrustedKey,
            "no trusted certificate: the metadata lists no signing certificate and no --cert was given",
        ));
        return Ok(out);
    }

    // KeyInfo certificates, as the base64 text the message carries: matched against the
    // anchors as text, decoded and parsed only to explain a failure.
    let embedded: Vec<&str> = infos
        .iter()
        .flat_map(|i| i.key_info_certificates.iter())
        .map(String::as_str)
        .collect();
    let first = &infos[0];
    let algorithm = first
        .algorithm
        .as_ref()
        .map(|a| a.name().to_owned())
        .unwrap_or_default();
    let digest = first
        .references
        .first()
        .and_then(|r| r.digest.as_ref())
        .map(|d| d.name().to_owned())
        .unwrap_or_default();
    let signing = |signer| SigningInfo {
        response_signed,
        assertion_signed,
        algorithm: algorithm.clone(),
        digest: digest.clone(),
        signer,
    };

    match engine {
        Engine::Native => {
            let signer = match verify_native(root, &placed, trust, &embedded) {
                Ok(signer) => signer,
                Err(problem) => {
                    out.findings.push(problem);
                    return Ok(out);
                }
            };
            out.verified = Some(Verified {
                assertion: AssertionView::read(assertion),
                signing: signing(signer),
            });
        }
        Engine::Samael => {
            let embedded: Vec<Certificate> = embedded
                .iter()
                .filter_map(|b64| Certificate::from_base64(b64).ok())
                .collect();
            let allowed = allowed_algorithms(policy);
            let (predigest, signer) =
                match reduce_with_trust(text, trust, &embedded, allowed.as_deref(), placed.len()) {
                    Ok(found) => found,
                    Err(messages) => {
                        out.findings.push(diagnose(
                            text,
                            trust,
                            &embedded,
                            allowed.as_deref(),
                            &messages,
                        ));
                        return Ok(out);
                    }
                };
            // Read only what the signature covers: the pre-digest samael returns.
            let signed = match xml::parse(predigest.as_bytes()) {
                Ok(d) => d,
                Err(e) => {
                    out.findings.push(finding(
                        Code::SignatureWrapping,
                        format!("the signed content cannot be read back: {e}"),
                    ));
                    return Ok(out);
                }
            };
            let assertion_id = assertion.attr("ID");
            let signed_assertion: &Element = if signed.root.is(ns::SAMLP, "Response") {
                let same_response =
                    is_response && response_signed && signed.root.attr("ID") == root.attr("ID");
                let inner: Vec<&Element> = std::iter::once(&signed.root)
                    .chain(signed.root.descendants())
                    .filter(|e| e.is(ns::SAML, "Assertion"))
                    .collect();
                match inner.as_slice() {
                    [only]
                        if same_response
                            && only.attr("ID") == assertion_id
                            && signed.root.elements().any(|e| std::ptr::eq(e, *only)) =>
                    {
                        only
                    }
                    _ => {
                        out.findings.push(finding(
                            Code::SignatureWrapping,
                            "the signed Response is not the document's Response with its one Assertion",
                        ));
                        return Ok(out);
                    }
                }
            } else if signed.root.is(ns::SAML, "Assertion")
                && assertion_signed
                && !response_signed
                && signed.root.attr("ID") == assertion_id
            {
                &signed.root
            } else {
                out.findings.push(finding(
                    Code::SignatureWrapping,
                    format!(
                        "the signature covers <{}> (ID {:?}), not the Response or Assertion that would be read",
                        signed.root.qualified_name(),
                        signed.root.attr("ID").unwrap_or("")
                    ),
                ));
                return Ok(out);
            };
            if response_signed {
                // The Response's own fields come from the signed copy too.
                out.envelope = Some(ResponseEnvelope::read(&signed.root));
            }
            out.verified = Some(Verified {
                assertion: AssertionView::read(signed_assertion),
                signing: signing(signer),
            });
        }
    }
    Ok(out)
}

/// Verifies every placed signature natively; each must verify with a trusted key. Returns the
/// signer when one certificate verified them all.
fn verify_native(
    root: &Element,
    placed: &[(&Element, &Element)],
    trust: &TrustAnchors,
    embedded: &[&str],
) -> Result<Option<Arc<Signer>>, Finding> {
    // The certificate the KeyInfo names goes first when it is trusted: usually one try.
    let order = trust.by_key(embedded.iter().filter_map(|b64| trust.find_base64(b64)));
    let usable: Vec<&TrustAnchor> = order.into_iter().filter(|a| a.key.is_some()).collect();
    let keys: Vec<&dsig::verify::VerifyKey> =
        usable.iter().filter_map(|a| a.key.as_ref()).collect();
    let mut signers: Vec<usize> = Vec::new();
    for (sig, parent) in placed {
        let ancestors: Vec<&Element> = if std::ptr::eq(*parent, root) {
            Vec::new()
        } else {
            vec![root]
        };
        match dsig::verify::verify(&ancestors, parent, sig, &keys) {
            Ok(i) => signers.push(i),
            Err(dsig::verify::Failure::Digest) => {
                return Err(finding(
                    Code::SignatureInvalid,
                    "the signed content was changed after signing (digest mismatch)",
                ))
            }
            Err(dsig::verify::Failure::Malformed(m)) => {
                return Err(finding(Code::SignatureInvalid, m))
            }
            Err(dsig::verify::Failure::SignatureValue) => {
                let embedded: Vec<Certificate> = embedded
                    .iter()
                    .filter_map(|b64| Certificate::from_base64(b64).ok())
                    .collect();
                // Only a diagnosis: the embedded certificate is never trusted. Each try
                // canonicalizes again, so only the first two are tried.
                for cert in untrusted_keys(&embedded, trust) {
                    if let Ok(key) = cert.public_key() {
                        let key = dsig::verify::VerifyKey::new(key);
                        if dsig::verify::verify(&ancestors, parent, sig, &[&key]).is_ok() {
                            return Err(finding(
                                Code::SignatureUntrustedKey,
                                untrusted_message(cert),
                            ));
                        }
                    }
                }
                return Err(finding(
                    Code::SignatureInvalid,
                    format!(
                        "the signature value does not match any trusted certificate (signed by another key, or SignedInfo altered){}",
                        untrusted_key_info(&embedded, trust)
                    ),
                ));
            }
        }
    }
    signers.dedup();
    Ok(match signers.as_slice() {
        [one] => Some(signer_of(usable[*one])),
        _ => None,
    })
}

fn untrusted_message(cert: &Certificate) -> String {
    format!(
        "the response is signed by {} (SHA-1 {}, valid {} to {}), which is not among the trusted certificates",
        cert.subject,
        cert.sha1,
        cert.not_before.format("%Y-%m-%d"),
        cert.not_after.format("%Y-%m-%d")
    )
}

/// The structural rules every signature must meet before it is verified.
fn structure_problems(info: &dsig::Signature, parent: &Element) -> Vec<Finding> {
    let mut out = Vec::new();
    let parent_id = parent.attr("ID");
    match info.references.as_slice() {
        [] => out.push(finding(
            Code::SignatureReference,
            "a signature has no Reference",
        )),
        [reference] => {
            let uri = reference.uri.as_deref().unwrap_or("");
            match reference.target_id() {
                Some(id) if Some(id) == parent_id => {}
                Some(id) => out.push(finding(
                    Code::SignatureReference,
                    format!(
                        "the signature in <{}> (ID {:?}) references #{id}, not the element that holds it",
                        parent.qualified_name(),
                        parent_id.unwrap_or("")
                    ),
                )),
                None => out.push(finding(
                    Code::SignatureReference,
                    format!("Reference URI {uri:?} is not a same-document '#ID' reference to the signed element (SAML core 5.4.2)"),
                )),
            }
            if reference.transforms_with_content {
                out.push(finding(
                    Code::SignatureTransform,
                    "a Transform carries an expression (XPath, XSLT, …)",
                ));
            }
            let allowed = |t: &str| {
                matches!(
                    t,
                    dsig::ENVELOPED | dsig::EXC_C14N | dsig::EXC_C14N_COMMENTS
                )
            };
            for bad in reference.transforms.iter().filter(|t| !allowed(t)) {
                out.push(finding(
                    Code::SignatureTransform,
                    format!(
                        "transform {bad} is not enveloped-signature or exclusive canonicalization"
                    ),
                ));
            }
            // The SAML profile: enveloped-signature, then at most one canonicalization.
            let mut seen = std::collections::HashSet::new();
            if reference.transforms.len() > 2
                || !reference.transforms.iter().all(|t| seen.insert(t.as_str()))
            {
                out.push(finding(
                    Code::SignatureTransform,
                    format!(
                        "{} transforms ({}); SAML signatures use enveloped-signature and one exclusive canonicalization",
                        reference.transforms.len(),
                        reference.transforms.join(", ")
                    ),
                ));
            }
        }
        many => out.push(finding(
            Code::SignatureReference,
            format!(
                "a signature has {} References; exactly one is allowed",
                many.len()
            ),
        )),
    }
    match info.canonicalization.as_deref() {
        Some(dsig::EXC_C14N | dsig::EXC_C14N_COMMENTS) => {}
        other => out.push(finding(
            Code::SignatureTransform,
            format!(
                "canonicalization method {} is not exclusive canonicalization",
                other.unwrap_or("(none)")
            ),
        )),
    }
    if info.has_object {
        out.push(finding(
            Code::SignatureObject,
            "a signature carries ds:Object content",
        ));
    }
    if !info.has_signature_value {
        out.push(finding(
            Code::SignatureInvalid,
            "a signature has no SignatureValue",
        ));
    }
    out
}

/// The algorithm list for samael, or `None` (all) when SHA-1 was allowed: samael's list has no
/// SHA-1 entry, and the structure checks above already refused everything but the known set.
fn allowed_algorithms(policy: SignaturePolicy) -> Option<Vec<AllowedSignatureAlgorithm>> {
    (!policy.allow_sha1).then(|| {
        vec![
            AllowedSignatureAlgorithm::RsaSha256,
            AllowedSignatureAlgorithm::RsaSha384,
            AllowedSignatureAlgorithm::RsaSha512,
            AllowedSignatureAlgorithm::EcdsaSha256,
            AllowedSignatureAlgorithm::EcdsaSha384,
            AllowedSignatureAlgorithm::EcdsaSha512,
        ]
    })
}

fn reduce(
    text: &str,
    certs: &[&Certificate],
    allowed: Option<&[AllowedSignatureAlgorithm]>,
) -> (Option<String>, Vec<String>) {
    let ders: Vec<CertificateDer> = certs
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let (result, messages) = xmlsec::capture(|| {
        XmlSec::reduce_xml_to_signed_with_allowed_algorithms(
            text,
            &ders,
            ReduceMode::PreDigest,
            allowed,
        )
    });
    (result.ok(), messages)
}

fn signer_of(anchor: &TrustAnchor) -> Arc<Signer> {
    anchor.signer.clone()
}

/// Verifies with the trusted certificates, learning which one signed: the one the KeyInfo names
/// first (when trusted), then one certificate per distinct key in turn, then, when there are
/// `signatures` two (which different keys may have made), all together.
fn reduce_with_trust(
    text: &str,
    trust: &TrustAnchors,
    embedded: &[Certificate],
    allowed: Option<&[AllowedSignatureAlgorithm]>,
    signatures: usize,
) -> Result<(String, Option<Arc<Signer>>), Vec<String>> {
    let order = trust.by_key(embedded.iter().filter_map(|c| trust.find(c)));
    let mut messages = Vec::new();
    for anchor in &order {
        let (result, m) = reduce(text, &[&anchor.cert], allowed);
        if let Some(predigest) = result {
            return Ok((predigest, Some(signer_of(anchor))));
        }
        messages = m;
    }
    if order.len() > 1 && signatures > 1 {
        let all: Vec<&Certificate> = order.iter().map(|a| &a.cert).collect();
        if let (Some(predigest), _) = reduce(text, &all, allowed) {
            return Ok((predigest, None));
        }
    }
    Err(messages)
}

/// Says why verification failed: a key that is not trusted (rollover or forgery), or content
/// changed after signing.
fn diagnose(
    text: &str,
    trust: &TrustAnchors,
    embedded: &[Certificate],
    allowed: Option<&[AllowedSignatureAlgorithm]>,
    messages: &[String],
) -> Finding {
    for cert in untrusted_keys(embedded, trust) {
        // Only a diagnosis: the embedded certificate is never trusted.
        if reduce(text, &[cert], allowed).0.is_some() {
            return finding(Code::SignatureUntrustedKey, untrusted_message(cert));
        }
    }
    let why = match xmlsec::classify(messages) {
        xmlsec::Mismatch::Digest => "the signed content was changed after signing (digest mismatch)".to_owned(),
        xmlsec::Mismatch::SignatureValue => {
            "the signature value does not match any trusted certificate (signed by another key, or SignedInfo altered)".to_owned()
        }
        xmlsec::Mismatch::Unknown => match messages.last() {
            Some(m) => format!("libxmlsec1 refused it: {m}"),
            None => "it does not verify with any trusted certificate".to_owned(),
        },
    };
    finding(
        Code::SignatureInvalid,
        format!("{why}{}", untrusted_key_info(embedded, trust)),
    )
}

/// The KeyInfo certificates a diagnosis tries, to name an untrusted signer: each try verifies
/// the whole signature again, so only the first two untrusted keys, whatever the KeyInfo lists.
fn untrusted_keys<'c>(embedded: &'c [Certificate], trust: &TrustAnchors) -> Vec<&'c Certificate> {
    let mut seen = HashSet::new();
    embedded
        .iter()
        .filter(|c| trust.find(c).is_none() && seen.insert(&c.key_sha256))
        .take(2)
        .collect()
}

/// "; its KeyInfo names an untrusted certificate, …" when it does, else nothing.
fn untrusted_key_info(embedded: &[Certificate], trust: &TrustAnchors) -> String {
    embedded
        .iter()
        .find(|c| trust.find(c).is_none())
        .map(|c| {
            format!(
                "; its KeyInfo names an untrusted certificate, {} (SHA-1 {})",
                c.subject, c.sha1
            )
        })
        .unwrap_or_default()
}

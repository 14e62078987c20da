//! Signature verification, in steps in the order they stop an attack: [`layout`] (IDs and
//! assertions), [`placement`] (where signatures sit and what they reference) and
//! [`algorithm_policy`], which make XML signature wrapping impossible before any key is used;
//! [`trusted`]; the engine, [`verify_native`] over the very tree the claims are read from or
//! [`verify_samael`] through libxmlsec1; and, for libxmlsec1, [`recheck`] of what it returns
//! as signed, the only thing the claims are then read from. Each step has its own problem
//! type, turned into a [`Finding`] in one place.
//!
//! [`Verified`] can only be built here, so code elsewhere cannot read claims that no signature
//! covers. When no trusted signature covers the one Assertion, [`Unverified`], a distinct type
//! also built only here, holds what it says, for the report alone: it can never stand where
//! verified claims are expected.

use super::assertion::{AssertionView, ResponseEnvelope};
use super::Part;
use crate::cert::{Certificate, Thumbprint};
use crate::diag::{Code, Finding, Severity};
use crate::dsig::verify::MAX_SIGNING_KEYS;
use crate::dsig::xmlsec;
use crate::dsig::{self, DigestAlgorithm, SignatureAlgorithm, Transform, TransformPolicy};
use crate::metadata::IdpMetadata;
use crate::xml::{self, ns, Document, Element, IdCensus};
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
    pub algorithm: SignatureAlgorithm,
    pub digest: DigestAlgorithm,
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

/// What the one Assertion says when no trusted signature covers it. Built only by [`verify`],
/// from the same parse as [`Verified`] would have been, and only when the document's layout
/// leaves no doubt which element would be read. Shown so that a user sees every problem in
/// one run; never trusted, never a reason to accept.
#[derive(Debug, Clone)]
pub struct Unverified {
    assertion: AssertionView,
}

impl Unverified {
    /// Only for the report and for running the rules, whose findings are then marked
    /// unverified (see `super::validate`).
    pub(super) fn assertion(&self) -> &AssertionView {
        &self.assertion
    }
}

/// Why nothing is read from a document whose signatures did not verify: its structure leaves
/// open which element a service would read, and reading one is what a wrapping attack wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Withheld {
    /// More than one assertion, nested ones included.
    Assertions,
    /// IDs that repeat or are not XML names.
    Ids,
    /// The one Assertion sits where no signature of the SAML profile covers it.
    Misplaced,
    /// libxmlsec1 verified another element than the one that would be read.
    Wrapping,
}

impl Withheld {
    pub fn reason(self) -> &'static str {
        match self {
            Withheld::Assertions => "the document holds more than one assertion; which one a service reads is what a signature-wrapping attack decides",
            Withheld::Ids => "IDs repeat or are not XML names, so a reference may resolve to another element than the one read",
            Withheld::Misplaced => "the Assertion is not a direct child of the Response, where a signature would cover it",
            Withheld::Wrapping => "the signature covers another element than the one that would be read",
        }
    }
}

/// What could be read from a response.
#[derive(Debug, Clone)]
pub enum Content {
    /// What the trusted signatures cover.
    Verified(Verified),
    /// The one Assertion, which no trusted signature covers.
    Unverified(Unverified),
    /// Nothing read: the structure is ambiguous.
    Withheld(Withheld),
    /// Nothing to read: no assertion, or an encrypted one.
    Absent,
}

impl Content {
    pub fn verified(&self) -> Option<&Verified> {
        match self {
            Content::Verified(v) => Some(v),
            _ => None,
        }
    }
}

/// The outcome of verification.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The Response's own fields: from the signed copy when the Response is signed, else as
    /// received. `None` for a bare Assertion.
    pub envelope: Option<ResponseEnvelope>,
    pub content: Content,
    pub findings: Vec<Finding>,
}

/// The document is not a SAML response (nor a bare assertion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSaml(pub String);

fn finding(code: Code, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(Part::Signature)
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
///
/// The steps run in the order they stop an attack. The first three judge structure only:
/// every problem they find is reported, and no signature is verified while there is one.
pub fn verify(
    doc: &Document,
    text: &str,
    trust: &TrustAnchors,
    policy: SignaturePolicy,
    engine: Engine,
) -> Result<Checked, NotSaml> {
    verify_tree(&doc.root, None, text, trust, policy, engine)
}

/// Verifies a response whose one EncryptedAssertion, a direct child of the Response,
/// decrypted to `assertion` (its namespaces in scope at the EncryptedAssertion declared on
/// it): every step runs as for a plain response over the response with the assertion in place
/// of the EncryptedAssertion, except that a Response signature, which covers the ciphertext,
/// is verified over the document as received. Always natively: libxmlsec1 reads text, and the
/// decrypted assertion has no place in the document's text.
pub fn verify_decrypted<'a>(
    doc: &Document<'a>,
    assertion: Element<'a>,
    arena: &'a xml::Arena,
    trust: &TrustAnchors,
    policy: SignaturePolicy,
) -> Result<Checked, NotSaml> {
    let received = &doc.root;
    let mut children = received.children.to_vec();
    let slot = children
        .iter_mut()
        .find(|n| matches!(n, xml::Node::Element(e) if e.is(ns::SAML, "EncryptedAssertion")));
    let Some(slot) = slot else {
        return Err(NotSaml(
            "the EncryptedAssertion is not a direct child of the Response".to_owned(),
        ));
    };
    *slot = xml::Node::Element(assertion);
    let root = xml::Element {
        children: arena.slice(&children),
        ..*received
    };
    verify_tree(&root, Some(received), "", trust, policy, Engine::Native)
}

/// The response as received, nothing read from it: for an EncryptedAssertion that was not
/// decrypted.
pub fn unread(doc: &Document) -> Result<Checked, NotSaml> {
    Checked::received(&doc.root)
}

/// The steps over `root`. `received` is the document as received when `root` holds a
/// decrypted assertion in place of its EncryptedAssertion.
fn verify_tree(
    root: &Element,
    received: Option<&Element>,
    text: &str,
    trust: &TrustAnchors,
    policy: SignaturePolicy,
    engine: Engine,
) -> Result<Checked, NotSaml> {
    let mut out = Checked::received(root)?;

    // 1. IDs and assertions.
    let mut layout = match layout(root, out.envelope.as_ref()) {
        Ok(layout) => layout,
        Err(problems) => return Ok(out.stopped(problems)),
    };
    // What is shown, unverified, if no signature verifies: decided by the layout alone.
    let withheld = layout
        .problems
        .iter()
        .filter_map(LayoutProblem::withheld)
        .min();
    let unverified = |layout: &Layout| match (withheld, layout.direct.first()) {
        (Some(why), _) => Content::Withheld(why),
        (None, Some(assertion)) => Content::Unverified(Unverified {
            assertion: AssertionView::read(assertion),
        }),
        (None, None) => Content::Absent,
    };
    // 2. Where the signatures sit and what they reference.
    let mut placement = placement(root, &layout);
    // 3. The algorithms they use.
    let algorithms = algorithm_policy(&placement.signatures, policy);
    out.findings.extend(algorithms.note.map(Finding::from));
    let structural: Vec<Finding> = (layout.problems.drain(..).map(Finding::from))
        .chain(placement.problems.drain(..).map(Finding::from))
        .chain(algorithms.problems.into_iter().map(Finding::from))
        .collect();
    // With no structural problem there is a placed signature with one Reference, and so
    // algorithms to name; were there none, nothing would be verified.
    let (true, Some((algorithm, digest))) = (structural.is_empty(), algorithms.named) else {
        out.content = unverified(&layout);
        return Ok(out.stopped(structural));
    };
    // 4. A certificate to verify with.
    if let Err(problem) = trusted(trust) {
        out.content = unverified(&layout);
        return Ok(out.stopped([problem]));
    }
    // 5. and 6. The signatures verified, and what they cover read.
    let signed = match signed_content(
        engine, root, received, text, trust, policy, &layout, &placement,
    ) {
        Ok(signed) => signed,
        Err(Unsigned::Failure(failure)) => {
            out.content = unverified(&layout);
            return Ok(out.stopped([failure]));
        }
        Err(Unsigned::Wrapping(problem)) => {
            out.content = Content::Withheld(Withheld::Wrapping);
            return Ok(out.stopped([problem]));
        }
    };

    if signed.envelope.is_some() {
        out.envelope = signed.envelope;
    }
    out.content = Content::Verified(Verified {
        assertion: signed.assertion,
        signing: SigningInfo {
            response_signed: placement.response_signed,
            assertion_signed: placement.assertion_signed,
            algorithm,
            digest,
            signer: signed.signer,
        },
    });
    Ok(out)
}

impl Checked {
    /// The document as received, before any step: the Response's fields as they stand, and a
    /// note when it is a bare Assertion.
    fn received(root: &Element) -> Result<Self, NotSaml> {
        let is_response = root.is(ns::SAMLP, "Response");
        if root.is(ns::MD, "EntityDescriptor") || root.is(ns::MD, "EntitiesDescriptor") {
            return Err(NotSaml(
                "this is SAML metadata, not a SAML response".to_owned(),
            ));
        }
        if !is_response && !root.is(ns::SAML, "Assertion") {
            return Err(NotSaml(format!(
                "the root element is <{}>{}, not a SAML 2.0 samlp:Response",
                root.qualified_name(),
                root.namespace
                    .map(|n| format!(" in namespace {n}"))
                    .unwrap_or_default()
            )));
        }
        let mut out = Checked {
            envelope: is_response.then(|| ResponseEnvelope::read(root)),
            content: Content::Absent,
            findings: Vec::new(),
        };
        if !is_response {
            out.findings.push(
                Finding::new(
                    Code::ResponseBareAssertion,
                    "the document is a bare saml:Assertion",
                )
                .subject(Part::Response),
            );
        }
        Ok(out)
    }

    /// Adds the problems a step stopped verification with.
    fn stopped<P: Into<Finding>>(mut self, problems: impl IntoIterator<Item = P>) -> Self {
        self.findings.extend(problems.into_iter().map(Into::into));
        self
    }
}

/// What step 1 found: the document's shape.
struct Layout<'d> {
    is_response: bool,
    /// Assertions a signature may sit in: the Assertion itself for a bare one, else the
    /// Response's direct Assertion children.
    direct: Vec<&'d Element<'d>>,
    /// Problems that still let the signatures be judged, so that every one is reported.
    problems: Vec<LayoutProblem<'d>>,
}

/// What step 1 stops.
enum LayoutProblem<'d> {
    /// IDs (sorted) that are not XML names: one verifier indexes them, another does not.
    InvalidIds(Vec<&'d str>),
    /// IDs (sorted) given more than once, as `ID` or `xml:id`: a reference may resolve to
    /// either element.
    DuplicateIds(Vec<&'d str>),
    /// More than one assertion, nested ones included: the one verified need not be the one read.
    AssertionCount { plain: usize, encrypted: usize },
    /// An EncryptedAssertion: nothing else can be judged without the decryption key.
    Encrypted,
    /// An EncryptedAssertion beside a plain one: a service that decrypts and one that does
    /// not would read different assertions.
    Mixed,
    /// No assertion in a response whose status says success.
    NoAssertion,
    /// The one Assertion is not a direct child of the Response, where no signature of the
    /// SAML profile covers it.
    NotDirectChild,
}

/// Step 1, the layout: every ID a valid name on one element only, so that a reference
/// resolves to the same element in every verifier and in the reader; exactly one assertion,
/// where a signature can cover it. `Err` when nothing more can be judged (an encrypted
/// assertion, or none), with the problems found.
fn layout<'d>(
    root: &'d Element<'d>,
    envelope: Option<&ResponseEnvelope>,
) -> Result<Layout<'d>, Vec<LayoutProblem<'d>>> {
    let mut problems = Vec::new();
    let ids = IdCensus::of(root);
    let invalid = ids.invalid();
    if !invalid.is_empty() {
        problems.push(LayoutProblem::InvalidIds(invalid));
    }
    let mut repeated = ids.repeated().to_vec();
    if !repeated.is_empty() {
        repeated.sort_unstable();
        problems.push(LayoutProblem::DuplicateIds(repeated));
    }

    let all = || std::iter::once(root).chain(root.descendants());
    let plain = all().filter(|e| e.is(ns::SAML, "Assertion")).count();
    let encrypted = all()
        .filter(|e| e.is(ns::SAML, "EncryptedAssertion"))
        .count();
    let total = plain + encrypted;
    if total > 1 {
        if plain > 0 && encrypted > 0 {
            problems.push(LayoutProblem::Mixed);
        }
        problems.push(LayoutProblem::AssertionCount { plain, encrypted });
    } else if encrypted == 1 {
        problems.push(LayoutProblem::Encrypted);
        return Err(problems);
    } else if plain == 0 {
        // An error response (no assertion) is judged by its status alone.
        if envelope.is_none_or(|e| e.status.is_success()) {
            problems.push(LayoutProblem::NoAssertion);
        }
        return Err(problems);
    }
    // Only a Response has an envelope; a bare Assertion is its own signed element.
    let is_response = envelope.is_some();
    let direct: Vec<&Element> = if is_response {
        root.children_named(ns::SAML, "Assertion").collect()
    } else {
        vec![root]
    };
    if is_response && total == 1 && direct.is_empty() {
        problems.push(LayoutProblem::NotDirectChild);
    }
    Ok(Layout {
        is_response,
        direct,
        problems,
    })
}

impl LayoutProblem<'_> {
    /// Why this problem keeps the claims from being shown even unverified.
    fn withheld(&self) -> Option<Withheld> {
        match self {
            LayoutProblem::AssertionCount { .. } | LayoutProblem::Mixed => {
                Some(Withheld::Assertions)
            }
            LayoutProblem::InvalidIds(_) | LayoutProblem::DuplicateIds(_) => Some(Withheld::Ids),
            LayoutProblem::NotDirectChild => Some(Withheld::Misplaced),
            // These end step 1: there is nothing to read at all.
            LayoutProblem::Encrypted | LayoutProblem::NoAssertion => None,
        }
    }
}

impl From<LayoutProblem<'_>> for Finding {
    fn from(problem: LayoutProblem<'_>) -> Finding {
        let (code, message) = match problem {
            LayoutProblem::InvalidIds(ids) => (
                Code::ResponseInvalidId,
                format!(
                    "ID {} is not an XML name",
                    ids.iter()
                        .map(|i| format!("{i:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            LayoutProblem::DuplicateIds(ids) => (
                Code::ResponseDuplicateId,
                format!(
                    "ID {} appears more than once (as an ID or xml:id attribute)",
                    ids.join(", ")
                ),
            ),
            LayoutProblem::AssertionCount { plain, encrypted } => (
                Code::ResponseAssertionCount,
                format!(
                    "{} assertions ({plain} plain, {encrypted} encrypted, nested ones included); exactly one is allowed",
                    plain + encrypted,
                ),
            ),
            LayoutProblem::Encrypted => {
                return Finding::new(
                    Code::AssertionEncrypted,
                    "the response carries an EncryptedAssertion",
                )
                .subject(Part::Assertion)
            }
            LayoutProblem::Mixed => (
                Code::EncryptionWrapping,
                "the response carries an EncryptedAssertion and a plain Assertion; neither is read".to_owned(),
            ),
            LayoutProblem::NoAssertion => (
                Code::ResponseNoAssertion,
                "the response carries no Assertion".to_owned(),
            ),
            LayoutProblem::NotDirectChild => {
                return finding(
                    Code::SignatureWrapping,
                    "the Assertion is not a direct child of the Response",
                )
            }
        };
        Finding::new(code, message).subject(Part::Response)
    }
}

/// A signature where it may sign, read: what the later steps check and verify.
struct Placed<'d> {
    sig: &'d Element<'d>,
    /// The Response or the Assertion it is a direct child of.
    parent: &'d Element<'d>,
    info: dsig::Signature,
}

/// What step 2 found: the signatures in their places, and what they sign.
struct Placement<'d> {
    signatures: Vec<Placed<'d>>,
    response_signed: bool,
    assertion_signed: bool,
    problems: Vec<PlacementProblem<'d>>,
}

/// What step 2 stops: signatures that do not cover, alone and whole, the element they sit in.
enum PlacementProblem<'d> {
    /// Neither the Response nor the Assertion carries a signature.
    Missing,
    /// A signature elsewhere than as a direct child of the Response or the Assertion, or a
    /// second one there.
    Misplaced {
        parent: &'d Element<'d>,
    },
    /// A signature in the Response or the Assertion, but not where the SAML schema puts it:
    /// right after the Issuer. `after` is the element before it (`None`: it comes first).
    OutOfPosition {
        parent: &'d Element<'d>,
        after: Option<String>,
    },
    /// The signature's own elements depart from the XML-DSig schema's layout.
    Layout(dsig::Misfit),
    NoReference,
    /// More than one Reference (how many).
    References(usize),
    /// The Reference points at another element (this ID) than the one holding the signature.
    ReferencesOther {
        parent: &'d Element<'d>,
        target: String,
    },
    /// The Reference URI is not a same-document `#ID` reference.
    NotSameDocument {
        uri: String,
    },
    /// A Transform carries an expression (XPath, XSLT, …).
    TransformExpression,
    /// A transform the SAML profile does not use.
    TransformNotAllowed(String),
    /// Transforms other than enveloped-signature then exclusive canonicalization (all of them).
    TransformChain(Vec<String>),
    /// SignedInfo's canonicalization method is not exclusive canonicalization.
    Canonicalization(Option<String>),
    /// `ds:Object` content, a classic hiding place for wrapped elements.
    Object,
    NoSignatureValue,
}

/// Step 2, the placement: signatures only as direct children of the Response or the
/// Assertion, one each, each referencing its own parent by ID through the SAML profile's
/// transforms, so that what a signature covers is the element read (signature wrapping).
fn placement<'d>(root: &'d Element<'d>, layout: &Layout<'d>) -> Placement<'d> {
    let found = dsig::find_signatures(root);
    let mut out = Placement {
        signatures: Vec::with_capacity(found.len()),
        response_signed: false,
        assertion_signed: false,
        problems: Vec::new(),
    };
    if found.is_empty() {
        out.problems.push(PlacementProblem::Missing);
    }
    let mut signed_assertions: Vec<&Element> = Vec::new();
    for (sig, parent) in found {
        let Some(parent) = parent else {
            unreachable!("the root is a Response or an Assertion, not a Signature")
        };
        let place_ok = if layout.is_response && std::ptr::eq(parent, root) && !out.response_signed {
            out.response_signed = true;
            true
        } else if layout.direct.iter().any(|a| std::ptr::eq(*a, parent))
            && !signed_assertions.iter().any(|a| std::ptr::eq(*a, parent))
        {
            signed_assertions.push(parent);
            true
        } else {
            false
        };
        if !place_ok {
            out.problems.push(PlacementProblem::Misplaced { parent });
            continue;
        }
        if let Some(after) = out_of_position(sig, parent) {
            out.problems
                .push(PlacementProblem::OutOfPosition { parent, after });
        }
        let info = dsig::inspect(sig);
        out.problems.extend(structure_problems(&info, parent));
        out.signatures.push(Placed { sig, parent, info });
    }
    out.assertion_signed = !signed_assertions.is_empty();
    out
}

/// Where the SAML schema puts a Response's or an Assertion's signature: right after its
/// Issuer, or first in a Response without one (SAML core 2.3.3, 3.2.2). `Some` when it is
/// elsewhere, with the element before it (`None` when it comes first).
fn out_of_position(sig: &Element, parent: &Element) -> Option<Option<String>> {
    let before: Vec<&Element> = parent
        .elements()
        .take_while(|e| !std::ptr::eq(*e, sig))
        .collect();
    match before.as_slice() {
        [] if parent.is(ns::SAMLP, "Response") && parent.child(ns::SAML, "Issuer").is_none() => {
            None
        }
        [] => Some(None),
        [issuer] if issuer.is(ns::SAML, "Issuer") => None,
        [.., last] => Some(Some(last.qualified_name())),
    }
}

/// The rules every placed signature must meet before it is verified.
fn structure_problems<'d>(
    info: &dsig::Signature,
    parent: &'d Element<'d>,
) -> Vec<PlacementProblem<'d>> {
    let mut out = Vec::new();
    match info.references.as_slice() {
        [] => out.push(PlacementProblem::NoReference),
        [reference] => {
            match reference.target_id() {
                Some(id) if Some(id) == parent.attr("ID") => {}
                Some(id) => out.push(PlacementProblem::ReferencesOther {
                    parent,
                    target: id.to_owned(),
                }),
                None => out.push(PlacementProblem::NotSameDocument {
                    uri: reference.uri.clone().unwrap_or_default(),
                }),
            }
            if reference.transforms_with_content {
                out.push(PlacementProblem::TransformExpression);
            }
            let allowed_transform = |t: &String| TransformPolicy::Response.allows_transform(t);
            for bad in reference
                .transforms
                .iter()
                .filter(|t| !allowed_transform(t))
            {
                out.push(PlacementProblem::TransformNotAllowed(bad.clone()));
            }
            // The SAML profile's chain, which every signer writes: enveloped-signature, then
            // exclusive canonicalization. Without the latter the content would be
            // canonicalized inclusively (C14N 1.0), which samlbridge does not accept.
            let algorithms: Vec<Option<&str>> = reference
                .transforms
                .iter()
                .map(|t| Some(t.as_str()))
                .collect();
            let saml_chain =
                matches!(algorithms.as_slice(), [a, b] if dsig::is_native_chain([*a, *b]));
            if !saml_chain && reference.transforms.iter().all(allowed_transform) {
                out.push(PlacementProblem::TransformChain(
                    reference.transforms.clone(),
                ));
            }
        }
        many => out.push(PlacementProblem::References(many.len())),
    }
    match info.canonicalization.as_deref() {
        Some(c) if TransformPolicy::Response.allows_canonicalization(c) => {}
        other => out.push(PlacementProblem::Canonicalization(other.map(str::to_owned))),
    }
    if info.has_object {
        out.push(PlacementProblem::Object);
    }
    if !info.has_signature_value {
        out.push(PlacementProblem::NoSignatureValue);
    }
    out.extend(info.misfits.iter().cloned().map(PlacementProblem::Layout));
    out
}

impl From<PlacementProblem<'_>> for Finding {
    fn from(problem: PlacementProblem<'_>) -> Finding {
        let id_of = |e: &Element| e.attr("ID").unwrap_or("").to_owned();
        let (code, message) = match problem {
            PlacementProblem::Missing => (
                Code::SignatureMissing,
                "neither the Response nor the Assertion carries a ds:Signature".to_owned(),
            ),
            PlacementProblem::Misplaced { parent } => (
                Code::SignaturePlacement,
                format!(
                    "a ds:Signature sits in <{}>{}; signatures may only be direct children of the Response or the Assertion, one each",
                    parent.qualified_name(),
                    parent.attr("ID").map(|id| format!(" (ID {id})")).unwrap_or_default()
                ),
            ),
            PlacementProblem::OutOfPosition { parent, after } => (
                Code::SignaturePlacement,
                format!(
                    "the ds:Signature of <{}>{} {}; the SAML schema puts it right after the Issuer",
                    parent.qualified_name(),
                    parent.attr("ID").map(|id| format!(" (ID {id})")).unwrap_or_default(),
                    match after {
                        // Only a repeated Issuer can stand between the first one and the
                        // signature: the repeat is the problem.
                        Some(element) if element.ends_with("Issuer") => {
                            format!("comes after a second <{element}>, where the schema allows one")
                        }
                        Some(element) => format!("comes after <{element}>"),
                        None => "comes first".to_owned(),
                    }
                ),
            ),
            PlacementProblem::Layout(misfit) => (Code::SignatureStructure, misfit.to_string()),
            PlacementProblem::NoReference => (
                Code::SignatureReference,
                "a signature has no Reference".to_owned(),
            ),
            PlacementProblem::References(count) => (
                Code::SignatureReference,
                format!("a signature has {count} References; exactly one is allowed"),
            ),
            PlacementProblem::ReferencesOther { parent, target } => (
                Code::SignatureReference,
                format!(
                    "the signature in <{}> (ID {:?}) references #{target}, not the element that holds it",
                    parent.qualified_name(),
                    id_of(parent)
                ),
            ),
            PlacementProblem::NotSameDocument { uri } => (
                Code::SignatureReference,
                format!("Reference URI {uri:?} is not a same-document '#ID' reference to the signed element (SAML core 5.4.2)"),
            ),
            PlacementProblem::TransformExpression => (
                Code::SignatureTransform,
                "a Transform carries content other than an exclusive canonicalization's InclusiveNamespaces (an XPath or XSLT expression, …)".to_owned(),
            ),
            PlacementProblem::TransformNotAllowed(uri) => (
                Code::SignatureTransform,
                format!(
                    "transform {uri}{} is not enveloped-signature or exclusive canonicalization",
                    inclusive_note(&uri)
                ),
            ),
            PlacementProblem::TransformChain(transforms) => (
                Code::SignatureTransform,
                match transforms.as_slice() {
                    [] => "the Reference lists no transforms; SAML signatures use enveloped-signature then exclusive canonicalization".to_owned(),
                    [only] if Transform::from_uri(only) == Transform::Enveloped => {
                        "the Reference has enveloped-signature but no canonicalization transform, so its content would be canonicalized inclusively (C14N 1.0), which samlbridge does not accept in responses; SAML signatures use enveloped-signature then exclusive canonicalization".to_owned()
                    }
                    _ => format!(
                        "{} transforms ({}); SAML signatures use enveloped-signature then exclusive canonicalization, in that order",
                        transforms.len(),
                        transforms.join(", ")
                    ),
                },
            ),
            PlacementProblem::Canonicalization(method) => (
                Code::SignatureTransform,
                format!(
                    "canonicalization method {}{} is not exclusive canonicalization",
                    method.as_deref().unwrap_or("(none)"),
                    method.as_deref().map(inclusive_note).unwrap_or_default()
                ),
            ),
            PlacementProblem::Object => (
                Code::SignatureObject,
                "a signature carries ds:Object content".to_owned(),
            ),
            PlacementProblem::NoSignatureValue => (
                Code::SignatureInvalid,
                "a signature has no SignatureValue".to_owned(),
            ),
        };
        finding(code, message)
    }
}

/// Names inclusive canonicalization, which samlbridge refuses in responses on purpose.
fn inclusive_note(uri: &str) -> &'static str {
    if matches!(Transform::from_uri(uri), Transform::Inclusive { .. }) {
        " (inclusive C14N 1.0, which samlbridge does not accept in responses: SAML signers, Entra among them, use exclusive canonicalization)"
    } else {
        ""
    }
}

/// What step 3 found.
struct Algorithms {
    /// The first signature's algorithms, which reports name.
    named: Option<(SignatureAlgorithm, DigestAlgorithm)>,
    problems: Vec<AlgorithmProblem>,
    /// SHA-1 the user allowed: reported, not refused.
    note: Option<AlgorithmProblem>,
}

/// What step 3 stops.
enum AlgorithmProblem {
    NoSignatureMethod,
    UnknownSignatureMethod(String),
    NoDigestMethod,
    UnknownDigestMethod(String),
    /// SHA-1 as signature or digest method: refused unless `allowed`, then only reported.
    Sha1 {
        allowed: bool,
    },
}

/// Step 3, the algorithm policy: known algorithms only, so that nothing is verified by a
/// method samlbridge cannot judge; SHA-1, which collisions have broken, only when allowed.
fn algorithm_policy(signatures: &[Placed], policy: SignaturePolicy) -> Algorithms {
    let mut problems = Vec::new();
    let mut sha1 = false;
    for info in signatures.iter().map(|p| &p.info) {
        match &info.algorithm {
            None => problems.push(AlgorithmProblem::NoSignatureMethod),
            Some(SignatureAlgorithm::Other(uri)) => {
                problems.push(AlgorithmProblem::UnknownSignatureMethod(uri.clone()))
            }
            Some(a) => sha1 |= a.is_sha1(),
        }
        for r in &info.references {
            match &r.digest {
                None => problems.push(AlgorithmProblem::NoDigestMethod),
                Some(DigestAlgorithm::Other(uri)) => {
                    problems.push(AlgorithmProblem::UnknownDigestMethod(uri.clone()))
                }
                Some(d) => sha1 |= *d == DigestAlgorithm::Sha1,
            }
        }
    }
    let sha1 = sha1.then_some(AlgorithmProblem::Sha1 {
        allowed: policy.allow_sha1,
    });
    let note = if policy.allow_sha1 {
        sha1
    } else {
        problems.extend(sha1);
        None
    };
    let named = signatures.first().and_then(|first| {
        let digest = first.info.references.first()?.digest.clone()?;
        Some((first.info.algorithm.clone()?, digest))
    });
    Algorithms {
        named,
        problems,
        note,
    }
}

impl From<AlgorithmProblem> for Finding {
    fn from(problem: AlgorithmProblem) -> Finding {
        match problem {
            AlgorithmProblem::NoSignatureMethod => finding(
                Code::SignatureAlgorithm,
                "a signature names no SignatureMethod",
            ),
            AlgorithmProblem::UnknownSignatureMethod(uri) => finding(
                Code::SignatureAlgorithm,
                format!("unknown signature algorithm {uri}"),
            ),
            AlgorithmProblem::NoDigestMethod => finding(
                Code::SignatureAlgorithm,
                "a Reference names no DigestMethod",
            ),
            AlgorithmProblem::UnknownDigestMethod(uri) => finding(
                Code::SignatureAlgorithm,
                format!("unknown digest algorithm {uri}"),
            ),
            AlgorithmProblem::Sha1 { allowed } => {
                let f = finding(
                    Code::SignatureSha1,
                    "the signature uses SHA-1 (rsa-sha1 or a sha1 digest)",
                );
                if allowed {
                    f.severity(Severity::Info)
                } else {
                    f
                }
            }
        }
    }
}

/// What step 4 stops: no certificate to verify with.
struct NoTrustAnchor;

/// Step 4, trust: signatures verify only with the metadata's certificates or the user's,
/// never with one the message carries; with none, nothing can be verified.
fn trusted(trust: &TrustAnchors) -> Result<(), NoTrustAnchor> {
    if trust.is_empty() {
        Err(NoTrustAnchor)
    } else {
        Ok(())
    }
}

impl From<NoTrustAnchor> for Finding {
    fn from(_: NoTrustAnchor) -> Finding {
        finding(
            Code::SignatureUntrustedKey,
            "no trusted certificate: the metadata lists no signing certificate and no --cert was given",
        )
    }
}

/// What the claims are read from once steps 5 and 6 passed.
struct SignedContent {
    /// The Response's fields from the signed copy libxmlsec1 returned, when it is signed.
    envelope: Option<ResponseEnvelope>,
    assertion: AssertionView,
    /// `None` when signatures by different trusted certificates verified together.
    signer: Option<Arc<Signer>>,
}

/// What step 5 stops: signatures that do not verify with a trusted key.
enum SignatureFailure {
    /// The signed content changed after signing; `note` names an untrusted KeyInfo
    /// certificate, if any.
    Digest { note: String },
    /// No trusted key made the signature value verify.
    SignatureValue { note: String },
    /// libxmlsec1 refused it for another reason (its first message, the root cause).
    Refused { message: String, note: String },
    /// A KeyInfo certificate that is not trusted verifies it: a rollover not trusted yet, or
    /// a forgery.
    UntrustedSigner(Box<Certificate>),
    /// The native verifier could not read the signature.
    Malformed(String),
}

impl From<SignatureFailure> for Finding {
    fn from(failure: SignatureFailure) -> Finding {
        let message = match failure {
            SignatureFailure::Digest { note } => {
                format!("the signed content was changed after signing (digest mismatch){note}")
            }
            SignatureFailure::SignatureValue { note } => format!(
                "the signature value does not match any trusted certificate (signed by another key, or SignedInfo altered){note}"
            ),
            SignatureFailure::Refused { message, note } => {
                format!("libxmlsec1 refused it: {message}{note}")
            }
            SignatureFailure::UntrustedSigner(cert) => {
                return finding(Code::SignatureUntrustedKey, untrusted_message(&cert))
            }
            SignatureFailure::Malformed(m) => m,
        };
        finding(Code::SignatureInvalid, message)
    }
}

/// Why steps 5 and 6 read nothing signed.
enum Unsigned {
    /// Step 5: no trusted key verifies the signatures.
    Failure(SignatureFailure),
    /// Step 6: libxmlsec1 verified something else than what would be read.
    Wrapping(WrappingProblem),
}

/// Steps 5 and 6: the signatures verified by `engine` with the trusted keys, and the content
/// the claims are read from: the very tree verified natively, or the copy libxmlsec1 returns
/// once [`recheck`] has matched it to the document.
#[allow(clippy::too_many_arguments)]
fn signed_content(
    engine: Engine,
    root: &Element,
    received: Option<&Element>,
    text: &str,
    trust: &TrustAnchors,
    policy: SignaturePolicy,
    layout: &Layout,
    placement: &Placement,
) -> Result<SignedContent, Unsigned> {
    Ok(match engine {
        Engine::Native => SignedContent {
            signer: verify_native(root, received, &placement.signatures, trust)
                .map_err(Unsigned::Failure)?,
            envelope: None,
            assertion: AssertionView::read(layout.direct[0]),
        },
        Engine::Samael => {
            let (predigest, signer) = verify_samael(text, trust, &placement.signatures, policy)
                .map_err(Unsigned::Failure)?;
            recheck(&predigest, root, layout, placement, signer).map_err(Unsigned::Wrapping)?
        }
    })
}

/// KeyInfo certificates, as the base64 text the message carries: matched against the anchors
/// as text, decoded and parsed only to explain a failure.
fn key_info_certificates<'a>(signatures: &'a [Placed]) -> Vec<&'a str> {
    signatures
        .iter()
        .flat_map(|p| p.info.key_info_certificates.iter())
        .map(String::as_str)
        .collect()
}

/// Step 5, natively: every placed signature must verify with a trusted key, over the very tree
/// the claims are then read from. Returns the signer when one certificate verified them all.
fn verify_native(
    root: &Element,
    received: Option<&Element>,
    signatures: &[Placed],
    trust: &TrustAnchors,
) -> Result<Option<Arc<Signer>>, SignatureFailure> {
    let embedded = key_info_certificates(signatures);
    // The certificate the KeyInfo names goes first when it is trusted: usually one try.
    let order = trust.by_key(embedded.iter().filter_map(|b64| trust.find_base64(b64)));
    let usable: Vec<&TrustAnchor> = order.into_iter().filter(|a| a.key.is_some()).collect();
    let keys: Vec<&dsig::verify::VerifyKey> =
        usable.iter().filter_map(|a| a.key.as_ref()).collect();
    let mut signers: Vec<usize> = Vec::new();
    for Placed { sig, parent, .. } in signatures {
        let (sig, parent) = match received {
            // The Response's signature covers the EncryptedAssertion as received.
            Some(received) if std::ptr::eq(*parent, root) => {
                (same_child(root, sig, received), received)
            }
            _ => (*sig, *parent),
        };
        let ancestors: Vec<&Element> =
            if std::ptr::eq(parent, root) || received.is_some_and(|r| std::ptr::eq(parent, r)) {
                Vec::new()
            } else {
                vec![root]
            };
        match dsig::verify::verify(&ancestors, parent, sig, &keys) {
            Ok(i) => signers.push(i),
            Err(dsig::verify::Failure::Digest) => {
                return Err(SignatureFailure::Digest {
                    note: String::new(),
                })
            }
            Err(dsig::verify::Failure::Malformed(m)) => return Err(SignatureFailure::Malformed(m)),
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
                            return Err(SignatureFailure::UntrustedSigner(Box::new(cert.clone())));
                        }
                    }
                }
                return Err(SignatureFailure::SignatureValue {
                    note: untrusted_key_info(&embedded, trust),
                });
            }
        }
    }
    signers.dedup();
    Ok(match signers.as_slice() {
        [one] => Some(signer_of(usable[*one])),
        _ => None,
    })
}

/// The child of `other` at the place `child` has in `parent` (the two differ only in the
/// assertion's place, never in where the Response's signature sits).
fn same_child<'a>(parent: &Element, child: &Element, other: &'a Element<'a>) -> &'a Element<'a> {
    let at = parent
        .children
        .iter()
        .position(|n| matches!(n, xml::Node::Element(e) if std::ptr::eq(e, child)));
    match at.and_then(|i| other.children.get(i)) {
        Some(xml::Node::Element(e)) => e,
        _ => unreachable!("the decrypted response is the received one with one child replaced"),
    }
}

/// Step 5 through libxmlsec1 (samael's reduce-to-signed call): returns the pre-digest of what
/// the signatures cover, to be re-checked, and the signer.
fn verify_samael(
    text: &str,
    trust: &TrustAnchors,
    signatures: &[Placed],
    policy: SignaturePolicy,
) -> Result<(String, Option<Arc<Signer>>), SignatureFailure> {
    let embedded: Vec<Certificate> = key_info_certificates(signatures)
        .iter()
        .filter_map(|b64| Certificate::from_base64(b64).ok())
        .collect();
    let allowed = allowed_algorithms(policy);
    reduce_with_trust(text, trust, &embedded, allowed.as_deref(), signatures.len())
        .map_err(|messages| diagnose(text, trust, &embedded, allowed.as_deref(), &messages))
}

/// What step 6 stops: libxmlsec1 verified something else than the element that would be read.
enum WrappingProblem {
    /// The pre-digest it returned does not parse.
    Unreadable(xml::XmlError),
    /// A signed Response that is not the document's, or not with its one Assertion.
    OtherResponse,
    /// Another element than the Response or the Assertion that would be read.
    OtherElement { name: String, id: String },
}

/// Step 6, after libxmlsec1: the pre-digest it returns is what the signatures cover, so the
/// claims are read from it and nothing else, once it is shown to be the document's Response
/// with its one Assertion, or, signed alone, its Assertion.
fn recheck(
    predigest: &str,
    root: &Element,
    layout: &Layout,
    placement: &Placement,
    signer: Option<Arc<Signer>>,
) -> Result<SignedContent, WrappingProblem> {
    let arena = xml::Arena::new();
    let signed = xml::parse(predigest.as_bytes(), &arena).map_err(WrappingProblem::Unreadable)?;
    let assertion_id = layout.direct[0].attr("ID");
    let signed_assertion: &Element = if signed.root.is(ns::SAMLP, "Response") {
        let same_response = layout.is_response
            && placement.response_signed
            && signed.root.attr("ID") == root.attr("ID");
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
            _ => return Err(WrappingProblem::OtherResponse),
        }
    } else if signed.root.is(ns::SAML, "Assertion")
        && placement.assertion_signed
        && !placement.response_signed
        && signed.root.attr("ID") == assertion_id
    {
        &signed.root
    } else {
        return Err(WrappingProblem::OtherElement {
            name: signed.root.qualified_name(),
            id: signed.root.attr("ID").unwrap_or("").to_owned(),
        });
    };
    Ok(SignedContent {
        // The Response's own fields come from the signed copy too.
        envelope: placement
            .response_signed
            .then(|| ResponseEnvelope::read(&signed.root)),
        assertion: AssertionView::read(signed_assertion),
        signer,
    })
}

impl From<WrappingProblem> for Finding {
    fn from(problem: WrappingProblem) -> Finding {
        let message = match problem {
            WrappingProblem::Unreadable(e) => {
                format!("the signed content cannot be read back: {e}")
            }
            WrappingProblem::OtherResponse => {
                "the signed Response is not the document's Response with its one Assertion"
                    .to_owned()
            }
            WrappingProblem::OtherElement { name, id } => format!(
                "the signature covers <{name}> (ID {id:?}), not the Response or Assertion that would be read"
            ),
        };
        finding(Code::SignatureWrapping, message)
    }
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
        // What every try said, each once: the reason given is the first that says more than
        // "this key does not fit" (see `xmlsec::reason`), whichever key it came with.
        for message in m {
            if !messages.contains(&message) {
                messages.push(message);
            }
        }
    }
    if order.len() > 1 && signatures > 1 {
        let all: Vec<&Certificate> = order.iter().map(|a| &a.cert).collect();
        if let (Some(predigest), _) = reduce(text, &all, allowed) {
            return Ok((predigest, None));
        }
    }
    Err(messages)
}

/// Says why libxmlsec1 refused the signatures: a key that is not trusted (rollover or
/// forgery), or content changed after signing.
fn diagnose(
    text: &str,
    trust: &TrustAnchors,
    embedded: &[Certificate],
    allowed: Option<&[AllowedSignatureAlgorithm]>,
    messages: &[String],
) -> SignatureFailure {
    for cert in untrusted_keys(embedded, trust) {
        // Only a diagnosis: the embedded certificate is never trusted.
        if reduce(text, &[cert], allowed).0.is_some() {
            return SignatureFailure::UntrustedSigner(Box::new(cert.clone()));
        }
    }
    let note = untrusted_key_info(embedded, trust);
    match xmlsec::classify(messages) {
        xmlsec::Mismatch::Digest => SignatureFailure::Digest { note },
        xmlsec::Mismatch::SignatureValue => SignatureFailure::SignatureValue { note },
        xmlsec::Mismatch::Unknown => SignatureFailure::Refused {
            message: xmlsec::reason(messages),
            note,
        },
    }
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

//! Reading `ds:Signature` elements: which algorithms, references and transforms they use.
//! Pure inspection of the tree; verification itself is libxmlsec1's job (see [`super::verify`] and [`super::xmlsec`]).

use crate::xml::{ns, Element};
use serde::{Serialize, Serializer};
use std::fmt;

pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const C14N_10_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A SignatureMethod, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    RsaSha1,
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    Other(String),
}

impl SignatureAlgorithm {
    pub fn from_uri(uri: &str) -> Self {
        match uri {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Self::RsaSha1,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Self::RsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Self::RsaSha384,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Self::RsaSha512,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => Self::EcdsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => Self::EcdsaSha384,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => Self::EcdsaSha512,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The algorithm's short name, e.g. `rsa-sha256`.
    pub fn name(&self) -> &str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::RsaSha384 => "rsa-sha384",
            Self::RsaSha512 => "rsa-sha512",
            Self::EcdsaSha256 => "ecdsa-sha256",
            Self::EcdsaSha384 => "ecdsa-sha384",
            Self::EcdsaSha512 => "ecdsa-sha512",
            Self::Other(uri) => uri,
        }
    }

    pub fn is_sha1(&self) -> bool {
        matches!(self, Self::RsaSha1)
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reports name the algorithm by its short name, as [`SignatureAlgorithm::name`] gives it.
impl Serialize for SignatureAlgorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A DigestMethod, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Other(String),
}

impl DigestAlgorithm {
    pub fn from_uri(uri: &str) -> Self {
        match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Self::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Self::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Self::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Self::Sha512,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Other(uri) => uri,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reports name the digest by its short name, as [`DigestAlgorithm::name`] gives it.
impl Serialize for DigestAlgorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One `ds:Reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The URI attribute as written (`None` when absent).
    pub uri: Option<String>,
    pub transforms: Vec<String>,
    /// Transforms that carry child elements (XPath, XSLT expressions …) other than the one
    /// `ec:InclusiveNamespaces` exclusive canonicalization may take.
    pub transforms_with_content: bool,
    pub digest: Option<DigestAlgorithm>,
}

impl Reference {
    /// The ID a same-document `#id` reference points at; `None` for anything else.
    pub fn target_id(&self) -> Option<&str> {
        let id = self.uri.as_deref()?.strip_prefix('#')?;
        (!id.is_empty() && !id.contains('(') && !id.contains('/')).then_some(id)
    }
}

/// What a `ds:Signature` element says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonicalization: Option<String>,
    pub algorithm: Option<SignatureAlgorithm>,
    pub references: Vec<Reference>,
    /// base64 text of every `KeyInfo/X509Data/X509Certificate`: never trusted, only reported.
    pub key_info_certificates: Vec<String>,
    /// The signature carries `ds:Object` content (a classic place to hide wrapped elements).
    pub has_object: bool,
    pub has_signature_value: bool,
    /// Where it departs from the XML-DSig schema's layout or from samlbridge's bounds on it.
    pub misfits: Vec<Misfit>,
}

/// Most prefixes an InclusiveNamespaces PrefixList may name. Signers list the handful their
/// document uses; canonicalization looks each one up among the bindings in
/// scope wherever an element declares namespaces, which the parser allows 256 times a
/// document, so this bounds that work to about four million comparisons.
pub const MAX_INCLUSIVE_PREFIXES: usize = 64;

/// Where a `ds:Signature` departs from the layout the XML-DSig schema gives it, or from the
/// bounds samlbridge sets on it. libxmlsec1 refuses an extra, repeated or reordered element
/// itself, while a reader that takes the first element of each name would not: refusing them
/// first makes every verifier judge the same signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    /// An element's child elements are not those the schema lists, in its order: the element,
    /// the schema's content model, and the children found (as written; the first few).
    Children {
        parent: &'static str,
        model: &'static str,
        found: Vec<String>,
        count: usize,
    },
    /// An element whose content is a value or nothing carries child elements: the element,
    /// and what it holds instead.
    Content {
        element: &'static str,
        holds: &'static str,
    },
    /// A CanonicalizationMethod carries more than one `ec:InclusiveNamespaces`, or one while it
    /// is not exclusive canonicalization, or other elements.
    CanonicalizationContent,
    /// An `ec:InclusiveNamespaces` without a PrefixList.
    NoPrefixList,
    /// A PrefixList entry that is not a namespace prefix.
    NotAPrefix(String),
    /// A PrefixList naming more than [`MAX_INCLUSIVE_PREFIXES`] distinct prefixes.
    TooManyPrefixes,
}

/// How many names a [`Misfit::Children`] message lists.
const NAMES_SHOWN: usize = 8;

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misfit::Children {
                parent,
                model,
                found,
                count,
            } => {
                let more = if *count > found.len() {
                    format!(", … ({count} in all)")
                } else {
                    String::new()
                };
                let found = if found.is_empty() {
                    "nothing".to_owned()
                } else {
                    format!("{}{more}", found.join(", "))
                };
                write!(
                    f,
                    "ds:{parent} holds {found}; the XML-DSig schema allows {model}, in that order and nothing else"
                )
            }
            Misfit::Content { element, holds } => write!(
                f,
                "ds:{element} carries child elements; in a SAML signature it holds {holds} only"
            ),
            Misfit::CanonicalizationContent => f.write_str(
                "ds:CanonicalizationMethod carries child elements; only one ec:InclusiveNamespaces under exclusive canonicalization is allowed",
            ),
            Misfit::NoPrefixList => {
                f.write_str("an ec:InclusiveNamespaces element has no PrefixList attribute")
            }
            Misfit::NotAPrefix(p) => write!(
                f,
                "the InclusiveNamespaces PrefixList names {p:?}, which is not a namespace prefix"
            ),
            Misfit::TooManyPrefixes => write!(
                f,
                "the InclusiveNamespaces PrefixList names more than {MAX_INCLUSIVE_PREFIXES} prefixes"
            ),
        }
    }
}

/// How often an element may come in a content model.
#[derive(Clone, Copy)]
enum Times {
    One,
    Optional,
    OneOrMore,
    Any,
}

/// Whether the child elements of `e` are, in order, the XML-DSig elements `model` lists.
fn follows(e: &Element, model: &[(&str, Times)]) -> bool {
    let mut children = e.elements().peekable();
    for &(name, times) in model {
        let (min, max) = match times {
            Times::One => (1, 1),
            Times::Optional => (0, 1),
            Times::OneOrMore => (1, usize::MAX),
            Times::Any => (0, usize::MAX),
        };
        let mut n = 0;
        while n < max && children.next_if(|c| c.is(ns::DSIG, name)).is_some() {
            n += 1;
        }
        if n < min {
            return false;
        }
    }
    children.next().is_none()
}

/// Checks the children of `e` (named `parent`) against `model`, written out as `text`.
fn check_children(
    e: &Element,
    parent: &'static str,
    model: &[(&str, Times)],
    text: &'static str,
    out: &mut Vec<Misfit>,
) {
    if !follows(e, model) {
        out.push(Misfit::Children {
            parent,
            model: text,
            found: e
                .elements()
                .take(NAMES_SHOWN)
                .map(Element::qualified_name)
                .collect(),
            count: e.elements().count(),
        });
    }
}

/// Checks that `e` (named `element`, which holds `holds`) has no child elements.
fn check_empty(
    e: Option<&Element>,
    element: &'static str,
    holds: &'static str,
    out: &mut Vec<Misfit>,
) {
    if e.is_some_and(Element::has_element_children) {
        out.push(Misfit::Content { element, holds });
    }
}

const BASE64: &str = "base64 text";
const ALGORITHM: &str = "its Algorithm attribute";

/// The `ec:InclusiveNamespaces` children of a Transform or CanonicalizationMethod, and whether
/// it carries anything else: libxmlsec1 reads one InclusiveNamespaces under exclusive
/// canonicalization and refuses any other element there.
fn inclusive_namespaces<'d>(e: &'d Element<'d>) -> (Vec<&'d Element<'d>>, bool) {
    let (lists, other): (Vec<&Element>, Vec<&Element>) = e
        .elements()
        .partition(|c| c.is(EXC_C14N, "InclusiveNamespaces"));
    let exclusive = matches!(
        super::policy::Transform::of(e.attr("Algorithm")),
        super::policy::Transform::Exclusive { .. }
    );
    let extra = !other.is_empty() || lists.len() > 1 || (!lists.is_empty() && !exclusive);
    (lists, extra)
}

/// The PrefixList of the `ec:InclusiveNamespaces` child of a Transform or
/// CanonicalizationMethod, each prefix once (`#default` for the default namespace); empty when
/// there is none.
pub fn prefix_list(e: &Element) -> Result<Vec<String>, Misfit> {
    let Some(list) = inclusive_namespaces(e).0.first().copied() else {
        return Ok(Vec::new());
    };
    let list = list.attr("PrefixList").ok_or(Misfit::NoPrefixList)?;
    let mut prefixes: Vec<String> = Vec::new();
    for p in list.split_ascii_whitespace() {
        if p != "#default" && !crate::xml::is_ncname(p) {
            // Named in a message: a hostile entry may be as long as the document.
            let mut shown: String = p.chars().take(64).collect();
            if shown.len() < p.len() {
                shown.push('…');
            }
            return Err(Misfit::NotAPrefix(shown));
        }
        if !prefixes.iter().any(|q| q == p) {
            prefixes.push(p.to_owned());
        }
        if prefixes.len() > MAX_INCLUSIVE_PREFIXES {
            return Err(Misfit::TooManyPrefixes);
        }
    }
    Ok(prefixes)
}

/// The schema layout of a `ds:Signature`: Signature = SignedInfo, SignatureValue, KeyInfo?,
/// Object*; SignedInfo = CanonicalizationMethod, SignatureMethod, Reference+; Reference =
/// Transforms?, DigestMethod, DigestValue; Transforms = Transform+. Methods and values carry
/// no child elements, but for an InclusiveNamespaces PrefixList (Transform content is judged
/// with the transforms, see [`Reference::transforms_with_content`]).
fn misfits(sig: &Element) -> Vec<Misfit> {
    use Times::*;
    let mut out = Vec::new();
    check_children(
        sig,
        "Signature",
        &[
            ("SignedInfo", One),
            ("SignatureValue", One),
            ("KeyInfo", Optional),
            ("Object", Any),
        ],
        "SignedInfo, SignatureValue, KeyInfo (optional), Object (any number)",
        &mut out,
    );
    check_empty(
        sig.child(ns::DSIG, "SignatureValue"),
        "SignatureValue",
        BASE64,
        &mut out,
    );
    let Some(si) = sig.child(ns::DSIG, "SignedInfo") else {
        return out;
    };
    check_children(
        si,
        "SignedInfo",
        &[
            ("CanonicalizationMethod", One),
            ("SignatureMethod", One),
            ("Reference", OneOrMore),
        ],
        "CanonicalizationMethod, SignatureMethod, Reference (one or more)",
        &mut out,
    );
    if let Some(c) = si.child(ns::DSIG, "CanonicalizationMethod") {
        if inclusive_namespaces(c).1 {
            out.push(Misfit::CanonicalizationContent);
        }
        out.extend(prefix_list(c).err());
    }
    check_empty(
        si.child(ns::DSIG, "SignatureMethod"),
        "SignatureMethod",
        ALGORITHM,
        &mut out,
    );
    for r in si.children_named(ns::DSIG, "Reference") {
        check_children(
            r,
            "Reference",
            &[
                ("Transforms", Optional),
                ("DigestMethod", One),
                ("DigestValue", One),
            ],
            "Transforms (optional), DigestMethod, DigestValue",
            &mut out,
        );
        check_empty(
            r.child(ns::DSIG, "DigestMethod"),
            "DigestMethod",
            ALGORITHM,
            &mut out,
        );
        check_empty(
            r.child(ns::DSIG, "DigestValue"),
            "DigestValue",
            BASE64,
            &mut out,
        );
        if let Some(t) = r.child(ns::DSIG, "Transforms") {
            check_children(
                t,
                "Transforms",
                &[("Transform", OneOrMore)],
                "Transform (one or more)",
                &mut out,
            );
            for transform in t.children_named(ns::DSIG, "Transform") {
                out.extend(prefix_list(transform).err());
            }
        }
    }
    out.dedup();
    out
}

/// Reads a `ds:Signature` element.
pub fn inspect(sig: &Element) -> Signature {
    let signed_info = sig.child(ns::DSIG, "SignedInfo");
    let canonicalization = signed_info
        .and_then(|si| si.child(ns::DSIG, "CanonicalizationMethod"))
        .and_then(|c| c.attr("Algorithm"))
        .map(str::to_owned);
    let algorithm = signed_info
        .and_then(|si| si.child(ns::DSIG, "SignatureMethod"))
        .and_then(|m| m.attr("Algorithm"))
        .map(SignatureAlgorithm::from_uri);
    let references = signed_info
        .map(|si| {
            si.children_named(ns::DSIG, "Reference")
                .map(|r| {
                    let transforms: Vec<&Element> = r
                        .child(ns::DSIG, "Transforms")
                        .map(|t| t.children_named(ns::DSIG, "Transform").collect())
                        .unwrap_or_default();
                    Reference {
                        uri: r.attr("URI").map(str::to_owned),
                        // An InclusiveNamespaces PrefixList under exc-c14n is data, not code.
                        transforms_with_content: transforms
                            .iter()
                            .any(|t| inclusive_namespaces(t).1),
                        transforms: transforms
                            .iter()
                            .map(|t| t.attr("Algorithm").unwrap_or_default().to_owned())
                            .collect(),
                        digest: r
                            .child(ns::DSIG, "DigestMethod")
                            .and_then(|d| d.attr("Algorithm"))
                            .map(DigestAlgorithm::from_uri),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let key_info_certificates = sig
        .child(ns::DSIG, "KeyInfo")
        .map(|ki| {
            ki.children_named(ns::DSIG, "X509Data")
                .flat_map(|d| d.children_named(ns::DSIG, "X509Certificate"))
                .map(|c| c.text())
                .collect()
        })
        .unwrap_or_default();
    Signature {
        canonicalization,
        algorithm,
        references,
        key_info_certificates,
        has_object: sig.child(ns::DSIG, "Object").is_some(),
        has_signature_value: sig.child(ns::DSIG, "SignatureValue").is_some(),
        misfits: misfits(sig),
    }
}

/// Every `ds:Signature` in the subtree of `root` (the root included), with its parent.
pub fn find_signatures<'d>(
    root: &'d Element<'d>,
) -> Vec<(&'d Element<'d>, Option<&'d Element<'d>>)> {
    let mut out = Vec::new();
    collect(root, None, &mut out);
    out
}

fn collect<'a>(
    e: &'a Element<'a>,
    parent: Option<&'a Element<'a>>,
    out: &mut Vec<(&'a Element<'a>, Option<&'a Element<'a>>)>,
) {
    if e.is(ns::DSIG, "Signature") {
        out.push((e, parent));
    }
    for child in e.elements() {
        collect(child, Some(e), out);
    }
}

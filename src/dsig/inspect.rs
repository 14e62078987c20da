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
    /// Transforms that carry child elements (XPath, XPointer expressions …).
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
                        transforms_with_content: transforms.iter().any(|t| {
                            // An InclusiveNamespaces PrefixList under exc-c14n is data, not code.
                            t.elements().any(|c| &*c.local != "InclusiveNamespaces")
                        }),
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
    }
}

/// Every `ds:Signature` in the subtree of `root` (the root included), with its parent.
pub fn find_signatures(root: &Element) -> Vec<(&Element, Option<&Element>)> {
    let mut out = Vec::new();
    collect(root, None, &mut out);
    out
}

fn collect<'a>(
    e: &'a Element,
    parent: Option<&'a Element>,
    out: &mut Vec<(&'a Element, Option<&'a Element>)>,
) {
    if e.is(ns::DSIG, "Signature") {
        out.push((e, parent));
    }
    for child in e.elements() {
        collect(child, Some(e), out);
    }
}

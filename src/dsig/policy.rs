//! Which transforms and canonicalization methods a signature may use: the one definition the
//! response checks, the metadata checks and the native verifier share.

use super::inspect::{C14N_10, C14N_10_COMMENTS, ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS};

/// A Transform or CanonicalizationMethod algorithm, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The enveloped-signature transform.
    Enveloped,
    /// Exclusive canonicalization, what SAML signers use.
    Exclusive { comments: bool },
    /// Inclusive canonicalization 1.0: refused in responses, by name (the native verifier,
    /// which reads claims from the tree it verified, does exclusive canonicalization only);
    /// allowed in metadata, where libxmlsec1 verifies it.
    Inclusive { comments: bool },
    /// Anything else (XPath, XSLT, C14N 1.1, an unknown or missing URI): never allowed.
    Other,
}

impl Transform {
    pub fn from_uri(uri: &str) -> Self {
        match uri {
            ENVELOPED => Self::Enveloped,
            EXC_C14N => Self::Exclusive { comments: false },
            EXC_C14N_COMMENTS => Self::Exclusive { comments: true },
            C14N_10 => Self::Inclusive { comments: false },
            C14N_10_COMMENTS => Self::Inclusive { comments: true },
            _ => Self::Other,
        }
    }

    /// An `Algorithm` attribute, `None` when it is missing.
    pub fn of(uri: Option<&str>) -> Self {
        uri.map_or(Self::Other, Self::from_uri)
    }
}

/// Where a signature is judged, which decides the transforms it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransformPolicy {
    /// SAML responses: enveloped-signature then exclusive canonicalization only, as the SAML
    /// profile of XML-DSig recommends (SAML core 5.4.3, 5.4.4) and every SAML signer writes.
    Response,
    /// Metadata: inclusive canonicalization as well, which libxmlsec1 verifies where the
    /// native verifier does not.
    Metadata,
}

impl TransformPolicy {
    /// Whether a Reference may use the transform `uri`.
    pub fn allows_transform(self, uri: &str) -> bool {
        match Transform::from_uri(uri) {
            Transform::Enveloped | Transform::Exclusive { .. } => true,
            Transform::Inclusive { .. } => self == Self::Metadata,
            Transform::Other => false,
        }
    }

    /// Whether SignedInfo may be canonicalized with `uri`.
    pub fn allows_canonicalization(self, uri: &str) -> bool {
        match Transform::from_uri(uri) {
            Transform::Exclusive { .. } => true,
            Transform::Inclusive { .. } => self == Self::Metadata,
            Transform::Enveloped | Transform::Other => false,
        }
    }
}

/// Whether a Reference's transforms (their `Algorithm` attributes) are the chain the native
/// verifier computes: enveloped-signature, then exclusive canonicalization.
pub fn is_native_chain(algorithms: [Option<&str>; 2]) -> bool {
    matches!(
        algorithms.map(Transform::of),
        [Transform::Enveloped, Transform::Exclusive { .. }]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_allow_only_enveloped_and_exclusive() {
        let response = TransformPolicy::Response;
        let metadata = TransformPolicy::Metadata;
        for uri in [ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS] {
            assert!(response.allows_transform(uri) && metadata.allows_transform(uri));
        }
        for uri in [C14N_10, C14N_10_COMMENTS] {
            assert!(!response.allows_transform(uri) && metadata.allows_transform(uri));
            assert!(!response.allows_canonicalization(uri));
            assert!(metadata.allows_canonicalization(uri));
        }
        for uri in ["", "http://www.w3.org/TR/1999/REC-xpath-19991116"] {
            assert!(!response.allows_transform(uri) && !metadata.allows_transform(uri));
        }
        assert!(!metadata.allows_canonicalization(ENVELOPED));
        assert!(is_native_chain([Some(ENVELOPED), Some(EXC_C14N_COMMENTS)]));
        assert!(!is_native_chain([Some(EXC_C14N), Some(ENVELOPED)]));
        assert!(!is_native_chain([Some(ENVELOPED), None]));
        assert!(!is_native_chain([Some(ENVELOPED), Some(C14N_10)]));
    }
}

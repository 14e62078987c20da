//! The metadata model: what samlbridge reads out of IdP and SP metadata.

use crate::cert::{CertError, Certificate};
use crate::entra::Cloud;
use crate::xml::Span;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// An endpoint element (SingleSignOnService, AssertionConsumerService, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub binding: String,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_default: bool,
}

impl Endpoint {
    /// The binding's short name (`HTTP-Redirect`), or the whole URI when unknown.
    pub fn binding_name(&self) -> &str {
        self.binding
            .strip_prefix("urn:oasis:names:tc:SAML:2.0:bindings:")
            .unwrap_or(&self.binding)
    }
}

/// What a `KeyDescriptor` is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyUse {
    Signing,
    Encryption,
    /// No `use` attribute: the key serves both purposes.
    Unspecified,
}

impl KeyUse {
    pub fn signs(self) -> bool {
        matches!(self, KeyUse::Signing | KeyUse::Unspecified)
    }
}

/// One certificate listed in a `KeyDescriptor`.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub key_use: KeyUse,
    /// The parsed certificate, or why it could not be read.
    pub certificate: Result<Certificate, CertError>,
    /// Where the `KeyDescriptor` element sits in the source bytes.
    pub span: Span,
}

/// The kind of identity provider, judged from its entityID and endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum IdpKind {
    /// Microsoft Entra ID, with the tenant named by the entityID (or, when the entityID is not
    /// Entra's, by the SingleSignOnService URLs on Entra's login host).
    Entra {
        tenant: String,
        cloud: Cloud,
    },
    /// Entra's multi-tenant ("common") metadata: the entityID holds `{tenantid}`.
    EntraCommon {
        cloud: Cloud,
    },
    Other,
}

/// A WS-Federation RoleDescriptor (Entra publishes two beside the SAML descriptor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WsFedRole {
    /// `fed:SecurityTokenServiceType` or `fed:ApplicationServiceType`.
    pub role_type: String,
    pub claim_types_offered: Vec<String>,
    pub signing_certificates: usize,
    /// The addresses it lists: its `fed:…Endpoint` elements and `fed:TargetScopes`.
    pub endpoints: Vec<WsFedEndpoint>,
}

/// One address of a WS-Federation RoleDescriptor (`wsa:EndpointReference/wsa:Address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WsFedEndpoint {
    /// The element's local name: `PassiveRequestorEndpoint`, `TargetScopes`, …
    pub element: String,
    pub address: String,
}

/// Where the metadata's own signature stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum SignatureStatus {
    Absent,
    /// Verified with `signer` (SHA-256 thumbprint). `pinned` when that certificate was the
    /// one given to `--pin-cert`.
    Valid {
        signer: String,
        signer_subject: String,
        algorithm: String,
        pinned: bool,
    },
    /// Does not verify as it stands, but does once whitespace between elements is removed:
    /// the file was pretty-printed (or its line endings changed) after signing.
    Reformatted {
        signer: String,
        signer_subject: String,
    },
    Invalid {
        reason: String,
    },
    /// A certificate was pinned and the document is not signed by it.
    Untrusted {
        reason: String,
    },
    /// Not checked: with no certificate pinned, the signature offers `keys` distinct public
    /// keys (in its KeyInfo, or else as the metadata's signing certificates), more than the
    /// `limit` samlbridge tries.
    TooManyKeys {
        keys: usize,
        limit: usize,
        in_key_info: bool,
    },
}

impl SignatureStatus {
    /// The SHA-256 thumbprint of the certificate whose key signed the document, if known.
    pub fn signer(&self) -> Option<&str> {
        match self {
            SignatureStatus::Valid { signer, .. } | SignatureStatus::Reformatted { signer, .. } => {
                Some(signer)
            }
            _ => None,
        }
    }
}

/// Identity-provider metadata, as far as samlbridge needs it.
#[derive(Debug, Clone)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// The EntityDescriptor's `ID` attribute.
    pub id: Option<String>,
    pub valid_until: Option<DateTime<Utc>>,
    pub kind: IdpKind,
    pub sso_services: Vec<Endpoint>,
    pub slo_services: Vec<Endpoint>,
    pub name_id_formats: Vec<String>,
    /// KeyDescriptors of the IDPSSODescriptor, in document order.
    pub keys: Vec<KeyEntry>,
    pub wsfed_roles: Vec<WsFedRole>,
    pub signature: SignatureStatus,
    /// The signature's algorithm was SHA-1 based (reported separately from validity).
    pub signature_sha1: bool,
    /// Whether an IDPSSODescriptor was present at all.
    pub has_idp_descriptor: bool,
    /// The EntityDescriptor's span in the source (an EntitiesDescriptor may wrap it).
    pub span: Span,
}

impl IdpMetadata {
    /// Parsed signing certificates of the IDPSSODescriptor, in document order.
    pub fn signing_certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.keys
            .iter()
            .filter(|k| k.key_use.signs())
            .filter_map(|k| k.certificate.as_ref().ok())
    }

    /// The signing certificates once each (the first listing of each SHA-256), in document
    /// order.
    pub fn distinct_signing_certificates(&self) -> Vec<&Certificate> {
        self.signing_certificates_by_sha256().0
    }

    /// The signing certificates listed again after an earlier one with the same SHA-256.
    pub fn repeated_signing_certificates(&self) -> Vec<&Certificate> {
        self.signing_certificates_by_sha256().1
    }

    fn signing_certificates_by_sha256(&self) -> (Vec<&Certificate>, Vec<&Certificate>) {
        let mut seen = HashSet::new();
        self.signing_certificates()
            .partition(|c| seen.insert(&c.sha256))
    }
}

/// Service-provider metadata (AWS IAM Identity Center's, usually).
#[derive(Debug, Clone, Serialize)]
pub struct SpMetadata {
    pub entity_id: String,
    pub acs: Vec<Endpoint>,
    pub name_id_formats: Vec<String>,
    pub want_assertions_signed: Option<bool>,
    pub authn_requests_signed: Option<bool>,
}

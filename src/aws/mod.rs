//! AWS facts: the targets, their limits, the SAML attribute names and value rules, IAM names.
//! A leaf: it depends on nothing else in samlbridge.

pub mod names;
pub mod rules;

use serde::Serialize;
use std::fmt;

/// Which AWS service the configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// AWS IAM Identity Center with an external identity provider.
    IdentityCenter,
    /// A plain IAM SAML identity provider and roles.
    Iam,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::IdentityCenter => "identity-center",
            Target::Iam => "iam",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Target::IdentityCenter => "IAM Identity Center",
            Target::Iam => "IAM",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity Center accepts IdP metadata of at most this many characters.
pub const IDENTITY_CENTER_METADATA_MAX_CHARS: usize = 75_000;
/// IAM's SAMLMetadataDocument length bounds.
pub const IAM_METADATA_MIN_CHARS: usize = 1_000;
pub const IAM_METADATA_MAX_CHARS: usize = 10_000_000;

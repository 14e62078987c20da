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

/// Which target's rules a judgement applied, and how samlbridge came to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// The user named it.
    Given(Target),
    /// Read off the service provider's metadata (its entityID's documented shape).
    FromSpMetadata(Target),
    /// Nothing said: neither target's own rules were applied.
    Unknown,
}

impl TargetChoice {
    /// The named target, else the one the service provider's entityID shows, else none.
    pub fn choose(given: Option<Target>, sp_entity_id: Option<&str>) -> Self {
        match (given, sp_entity_id.and_then(Target::of_sp_entity_id)) {
            (Some(target), _) => TargetChoice::Given(target),
            (None, Some(target)) => TargetChoice::FromSpMetadata(target),
            (None, None) => TargetChoice::Unknown,
        }
    }

    pub fn target(self) -> Option<Target> {
        match self {
            TargetChoice::Given(t) | TargetChoice::FromSpMetadata(t) => Some(t),
            TargetChoice::Unknown => None,
        }
    }
}

/// How reports carry the choice: `{"target": "iam", "target_from": "given"}`.
impl Serialize for TargetChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let from = match self {
            TargetChoice::Given(_) => Some("given"),
            TargetChoice::FromSpMetadata(_) => Some("sp-metadata"),
            TargetChoice::Unknown => None,
        };
        let mut st = s.serialize_struct("TargetChoice", 2)?;
        st.serialize_field("target", &self.target())?;
        st.serialize_field("target_from", &from)?;
        st.end()
    }
}

impl Target {
    /// The target a service provider's entityID belongs to, by its documented shape:
    /// Identity Center's is `https://<region>.signin.aws.amazon.com/platform/saml/<id>`
    /// (`signin.amazonaws.cn` in China), IAM's sign-in metadata names `urn:amazon:webservices`
    /// (or the sign-in endpoint itself).
    pub fn of_sp_entity_id(entity_id: &str) -> Option<Target> {
        if rules::is_identity_center_entity_id(entity_id) {
            Some(Target::IdentityCenter)
        } else if rules::IAM_AUDIENCES.contains(&entity_id)
            || rules::is_iam_signin_endpoint(entity_id)
        {
            Some(Target::Iam)
        } else {
            None
        }
    }
}

/// Identity Center accepts IdP metadata of at most this many characters.
pub const IDENTITY_CENTER_METADATA_MAX_CHARS: usize = 75_000;
/// IAM's SAMLMetadataDocument length bounds.
pub const IAM_METADATA_MIN_CHARS: usize = 1_000;
pub const IAM_METADATA_MAX_CHARS: usize = 10_000_000;

//! Claim mappings: what the Entra application puts in its SAML tokens, read from a TOML file
//! that mirrors Entra's "Attributes & Claims" page or from the Graph claimsPolicy JSON, and the
//! rules AWS applies to them.

mod graph;
mod rules;
mod toml_file;

pub use crate::graph::{fetch_claims_policy, GraphToken};
pub use graph::parse_graph;
pub use rules::{check, ClaimContext};
pub use toml_file::parse_toml;

use crate::aws::rules as aws;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// Where a claim's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ClaimSource {
    /// A directory attribute, e.g. `user.department`.
    Attribute(String),
    /// A fixed value.
    Constant(String),
    /// A transformation or a conditional configuration that samlbridge cannot evaluate.
    Transformation(String),
}

impl fmt::Display for ClaimSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimSource::Attribute(a) => f.write_str(a),
            ClaimSource::Constant(c) => write!(f, "the constant {c:?}"),
            ClaimSource::Transformation(t) => write!(f, "a transformation ({t})"),
        }
    }
}

/// Entra's Name identifier formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NameIdFormat {
    Default,
    EmailAddress,
    Persistent,
    Unspecified,
    Transient,
    WindowsDomainQualifiedName,
}

impl NameIdFormat {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "default" => Self::Default,
            "emailaddress" | "email" => Self::EmailAddress,
            "persistent" => Self::Persistent,
            "unspecified" => Self::Unspecified,
            "transient" => Self::Transient,
            "windowsdomainqualifiedname" => Self::WindowsDomainQualifiedName,
            _ => return None,
        })
    }

    /// The value Graph's `samlNameIdClaim.nameIdFormat` takes.
    pub fn graph_name(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::EmailAddress => "emailAddress",
            Self::Persistent => "persistent",
            Self::Unspecified => "unspecified",
            Self::Transient => "transient",
            Self::WindowsDomainQualifiedName => "windowsDomainQualifiedName",
        }
    }
}

/// The Unique User Identifier (Name ID) claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameIdClaim {
    pub source: ClaimSource,
    pub format: NameIdFormat,
}

/// One additional claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub name: String,
    pub namespace: Option<String>,
    pub source: ClaimSource,
    pub multi_valued: bool,
    /// Where it is defined, for messages ("line 12", "claims[3]").
    pub location: String,
}

impl Claim {
    /// The attribute Name in the SAML assertion: `namespace/name`, or `name` alone.
    pub fn full_name(&self) -> String {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => format!("{}/{}", ns, self.name),
            _ => self.name.clone(),
        }
    }

    /// The key when this claim is an attribute of that keyed kind.
    pub fn key(&self, kind: aws::Keyed) -> Option<String> {
        kind.key(&self.full_name()).map(str::to_owned)
    }

    /// The access-control key when this is an Identity Center ABAC claim.
    pub fn abac_key(&self) -> Option<String> {
        self.key(aws::Keyed::AccessControl)
    }
}

/// What Entra's provisioning connector for Identity Center sends as userName by default.
pub const DEFAULT_SCIM_USERNAME_SOURCE: &str = "user.userprincipalname";

/// A whole claim mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaimMapping {
    pub name_id: Option<NameIdClaim>,
    pub claims: Vec<Claim>,
    /// Entra's token encryption for the application is on.
    pub token_encryption: bool,
    /// Claims left out because they are not issued in SAML tokens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jwt_only: Vec<String>,
}

impl ClaimMapping {
    /// The defaults the Entra gallery app "AWS IAM Identity Center" starts with.
    pub fn identity_center_default() -> Self {
        ClaimMapping {
            name_id: Some(NameIdClaim {
                source: ClaimSource::Attribute("user.userprincipalname".into()),
                format: NameIdFormat::EmailAddress,
            }),
            ..ClaimMapping::default()
        }
    }

    /// The claims the gallery app "AWS Single-Account Access" sends.
    pub fn iam_default() -> Self {
        let aws = |name: &str, source: &str, multi_valued: bool| Claim {
            name: name.into(),
            namespace: Some("https://aws.amazon.com/SAML/Attributes".into()),
            source: ClaimSource::Attribute(source.into()),
            multi_valued,
            location: "Entra's defaults".into(),
        };
        ClaimMapping {
            name_id: Some(NameIdClaim {
                source: ClaimSource::Attribute("user.userprincipalname".into()),
                format: NameIdFormat::EmailAddress,
            }),
            claims: vec![
                aws("Role", "user.assignedroles", true),
                aws("RoleSessionName", "user.userprincipalname", false),
                aws("SessionDuration", "user.sessionduration", false),
            ],
            token_encryption: false,
            jwt_only: Vec::new(),
        }
    }

    pub fn find(&self, full_name: &str) -> impl Iterator<Item = &Claim> {
        let full_name = full_name.to_owned();
        self.claims
            .iter()
            .filter(move |c| c.full_name() == full_name)
    }
}

/// Entra attributes that hold several values.
pub fn is_multi_valued_source(attribute: &str) -> bool {
    matches!(
        attribute.to_ascii_lowercase().as_str(),
        "user.groups"
            | "user.assignedroles"
            | "user.proxyaddresses"
            | "user.othermail"
            | "user.roles"
            | "user.wids"
    )
}

/// A claim mapping that cannot be read (exit code 2), with where the problem is.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{file}: {}{message}", if location.is_empty() { String::new() } else { format!("{location}: ") })]
pub struct ClaimsError {
    pub file: String,
    /// "line 7, column 3 (field `source`)" or "claims[2] (`AccessControl:Dept`)"; empty when
    /// the problem is the whole file.
    pub location: String,
    pub message: String,
}

/// Reads a claim mapping, TOML or Graph JSON, judged by its first character.
pub fn parse(file: &str, bytes: &[u8]) -> Result<ClaimMapping, ClaimsError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ClaimsError {
        file: file.into(),
        location: format!("byte {}", e.valid_up_to()),
        message: "not UTF-8".into(),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    // A file of another kind is named as what it is, not by the TOML parser's first complaint.
    let other = match crate::looks::Looks::of(text.as_bytes()) {
        Some(crate::looks::Looks::Json) | None => text
            .trim_start()
            .starts_with('<')
            .then(|| "XML (metadata or a response?)".to_owned()),
        Some(looks) => Some(looks.to_string()),
    };
    if let Some(what) = other {
        return Err(ClaimsError {
            file: file.into(),
            location: String::new(),
            message: format!(
                "this is {what}, not a claim mapping (a TOML file like Entra's Attributes & Claims page, or the Graph claimsPolicy JSON)"
            ),
        });
    }
    if text.trim_start().starts_with('{') {
        parse_graph(file, text)
    } else {
        parse_toml(file, text)
    }
}

/// The Identity Center attribute (SCIM path) the Entra provisioning connector fills from an
/// Entra attribute with its default mappings, as an access-control attribute source.
pub fn identity_center_source(attribute: &str) -> Option<&'static str> {
    Some(match attribute.to_ascii_lowercase().as_str() {
        "user.userprincipalname" => "${path:userName}",
        "user.givenname" => "${path:name.givenName}",
        "user.surname" => "${path:name.familyName}",
        "user.displayname" => "${path:displayName}",
        "user.jobtitle" => "${path:title}",
        "user.department" => "${path:enterprise.department}",
        "user.employeeid" => "${path:enterprise.employeeNumber}",
        "user.companyname" => "${path:enterprise.organization}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;

//! The JSON Microsoft Graph returns for a service principal's claims policy
//! (`GET /beta/servicePrincipals/{id}/claimsPolicy`, a customClaimsPolicy), as `az rest` saves
//! it. `crate::graph` fetches it.

use super::{
    is_multi_valued_source, Claim, ClaimMapping, ClaimSource, ClaimsError, NameIdClaim,
    NameIdFormat,
};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

#[derive(Deserialize)]
struct Policy {
    #[serde(default)]
    claims: Option<Vec<GraphClaim>>,
    /// Some Graph answers wrap the policy in a collection.
    #[serde(default)]
    value: Option<Vec<Policy>>,
}

#[derive(Deserialize)]
struct GraphClaim {
    #[serde(rename = "@odata.type")]
    odata_type: String,
    name: Option<String>,
    namespace: Option<String>,
    #[serde(rename = "nameIdFormat")]
    name_id_format: Option<String>,
    #[serde(rename = "tokenFormat")]
    token_format: Option<Vec<String>>,
    #[serde(default)]
    configurations: Vec<Configuration>,
}

#[derive(Deserialize)]
struct Configuration {
    attribute: Option<GraphAttribute>,
    condition: Option<Value>,
    #[serde(default)]
    transformations: Vec<Value>,
}

#[derive(Deserialize)]
struct GraphAttribute {
    #[serde(rename = "@odata.type")]
    odata_type: String,
    id: Option<String>,
    source: Option<String>,
    value: Option<String>,
}

/// Why a claim's configuration gives no value samlbridge can describe.
#[derive(Debug, Error)]
enum ConfigurationError {
    #[error("it has no configuration")]
    Missing,
    #[error("its configuration has neither an attribute nor a transformation")]
    Empty,
    #[error("the sourcedAttribute has no id")]
    NoId,
    #[error("unknown attribute type {0}")]
    UnknownAttributeType(String),
}

fn source_of(
    config: Option<&Configuration>,
    several: bool,
) -> Result<ClaimSource, ConfigurationError> {
    let Some(config) = config else {
        return Err(ConfigurationError::Missing);
    };
    if !config.transformations.is_empty() {
        let kinds: Vec<&str> = config
            .transformations
            .iter()
            .filter_map(|t| t["@odata.type"].as_str())
            .map(|t| t.trim_start_matches("#microsoft.graph."))
            .collect();
        return Ok(ClaimSource::Transformation(kinds.join(", ")));
    }
    if several || config.condition.as_ref().is_some_and(|c| !c.is_null()) {
        return Ok(ClaimSource::Transformation(
            "conditional configuration".into(),
        ));
    }
    let Some(attr) = &config.attribute else {
        return Err(ConfigurationError::Empty);
    };
    match attr.odata_type.trim_start_matches("#microsoft.graph.") {
        "sourcedAttribute" => {
            let id = attr
                .id
                .as_deref()
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .ok_or(ConfigurationError::NoId)?;
            let source = attr.source.as_deref().unwrap_or("user").trim();
            Ok(ClaimSource::Attribute(format!(
                "{}.{}",
                source.to_ascii_lowercase(),
                id.to_ascii_lowercase()
            )))
        }
        "valueBasedAttribute" => Ok(ClaimSource::Constant(
            attr.value.clone().unwrap_or_default(),
        )),
        other => Err(ConfigurationError::UnknownAttributeType(other.to_owned())),
    }
}

/// Parses the Graph JSON form.
pub fn parse_graph(file: &str, text: &str) -> Result<ClaimMapping, ClaimsError> {
    let claims = read(file, text)?;
    let mut mapping = ClaimMapping::default();
    for (i, c) in claims.into_iter().enumerate() {
        let err = |name: &str, message: String| ClaimsError {
            file: file.into(),
            location: format!(
                "claims[{i}]{}",
                if name.is_empty() {
                    String::new()
                } else {
                    format!(" ({name:?})")
                }
            ),
            message,
        };
        let several = c.configurations.len() > 1;
        match c.odata_type.trim_start_matches("#microsoft.graph.") {
            "samlNameIdClaim" => {
                let format = match c.name_id_format.as_deref() {
                    None => NameIdFormat::Default,
                    Some(f) => NameIdFormat::parse(f)
                        .ok_or_else(|| err("", format!("unknown nameIdFormat {f:?}")))?,
                };
                let source = source_of(c.configurations.first(), several)
                    .map_err(|e| err("NameID", e.to_string()))?;
                mapping.name_id = Some(NameIdClaim { source, format });
            }
            "customClaim" => {
                let name = c
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| err("", "the claim has no name".into()))?;
                if !issued_in_saml(&c) {
                    mapping.jwt_only.push(name);
                    continue;
                }
                let source = source_of(c.configurations.first(), several)
                    .map_err(|e| err(&name, e.to_string()))?;
                mapping
                    .claims
                    .push(custom_claim(i, name, c.namespace, source));
            }
            other => {
                return Err(err(
                    c.name.as_deref().unwrap_or(""),
                    format!("unknown claim type {other}"),
                ))
            }
        }
    }
    Ok(mapping)
}

/// The policy's claims, from the document or the one policy a collection wraps.
fn read(file: &str, text: &str) -> Result<Vec<GraphClaim>, ClaimsError> {
    let mut policy: Policy = serde_json::from_str(text).map_err(|e| ClaimsError {
        file: file.into(),
        location: format!("line {}, column {}", e.line(), e.column()),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    if policy.claims.is_none() {
        if let Some(mut inner) = policy.value.take().filter(|v| v.len() == 1) {
            policy = inner.remove(0);
        }
    }
    policy.claims.ok_or_else(|| ClaimsError {
        file: file.into(),
        location: "top level".into(),
        message: "no `claims` array: this is not a customClaimsPolicy".into(),
    })
}

/// A claim with no token format is issued in every kind of token; one with formats only when
/// SAML is among them.
fn issued_in_saml(c: &GraphClaim) -> bool {
    match &c.token_format {
        Some(formats) if !formats.is_empty() => {
            formats.iter().any(|f| f.eq_ignore_ascii_case("saml"))
        }
        _ => true,
    }
}

/// A custom claim as the mapping holds it; Graph does not say whether an attribute holds
/// several values, so that is known from the attribute.
fn custom_claim(
    index: usize,
    name: String,
    namespace: Option<String>,
    source: ClaimSource,
) -> Claim {
    let multi_valued = matches!(&source, ClaimSource::Attribute(a) if is_multi_valued_source(a));
    Claim {
        name: name.trim().to_owned(),
        namespace: namespace
            .map(|n| n.trim().trim_end_matches('/').to_owned())
            .filter(|n| !n.is_empty()),
        source,
        multi_valued,
        location: format!("claims[{index}]"),
    }
}

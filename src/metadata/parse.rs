//! Reading IdP and SP metadata out of a parsed document.

use super::model::*;
use crate::cert::Certificate;
use crate::entra::{self, Issuer};
use crate::looks::Looks;
use crate::xml::{ns, Arena, Document, Element, XmlError};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// Why a document could not be read as metadata.
#[derive(Debug, Error)]
pub enum MetadataError {
    #[error("{0}")]
    Xml(#[from] XmlError),
    #[error("this is not SAML metadata: the root element is <{0}>, not EntityDescriptor or EntitiesDescriptor")]
    NotMetadata(String),
    /// A captured SAML message where metadata belongs.
    #[error("this is a SAML {0} (what a sign-in sends), not metadata")]
    SamlMessage(String),
    /// A file of another kind altogether: a certificate, a key, a HAR, JSON, HTML, nothing.
    #[error("this is {0}, not SAML metadata")]
    LooksLike(Looks),
    #[error("the EntitiesDescriptor holds no EntityDescriptor")]
    NoEntity,
    #[error("the document describes {} identity providers ({}); choose one", .0.len(), .0.join(", "))]
    SeveralIdps(Vec<String>),
    #[error("no EntityDescriptor with entityID '{0}' in the document")]
    EntityNotFound(String),
    #[error("the EntityDescriptor has no entityID attribute")]
    NoEntityId,
    #[error("this is not service-provider metadata: it has no SPSSODescriptor")]
    NoSpDescriptor,
    #[error("this is an identity provider's metadata (it has an IDPSSODescriptor), not a service provider's")]
    IdpNotSp,
    #[error("this is a service provider's metadata (it has an SPSSODescriptor and no IDPSSODescriptor), not an identity provider's")]
    SpNotIdp,
    /// The service-provider metadata belongs to another target than the one named.
    #[error("this is {}'s service-provider metadata (its entityID shows it), but the target named is {}", .sp.display_name(), .given.display_name())]
    OtherTarget {
        given: crate::aws::Target,
        sp: crate::aws::Target,
    },
}

/// Parses a document given as metadata; a file of another kind (a certificate, a key, a HAR,
/// empty) is named as what it is rather than by the XML parser's first complaint. The tree
/// goes into `arena`.
pub fn parse_document<'a>(
    bytes: &'a [u8],
    arena: &'a Arena,
) -> Result<Document<'a>, MetadataError> {
    if let Some(looks) = Looks::of(bytes) {
        return Err(MetadataError::LooksLike(looks));
    }
    Ok(crate::xml::parse(bytes, arena)?)
}

/// Finds the EntityDescriptor to use: the root itself, or the IdP entity inside an
/// EntitiesDescriptor (`entity_id` picks one when there are several).
pub fn select_entity<'a>(
    doc: &'a Document<'a>,
    entity_id: Option<&str>,
    descriptor: &str,
) -> Result<&'a Element<'a>, MetadataError> {
    let root = &doc.root;
    if root.is(ns::MD, "EntityDescriptor") {
        if let Some(wanted) = entity_id {
            if root.attr("entityID") != Some(wanted) {
                return Err(MetadataError::EntityNotFound(wanted.to_owned()));
            }
        }
        return Ok(root);
    }
    if !root.is(ns::MD, "EntitiesDescriptor") {
        if root.is(ns::SAMLP, "Response") || root.is(ns::SAML, "Assertion") {
            return Err(MetadataError::SamlMessage(root.local.to_string()));
        }
        return Err(MetadataError::NotMetadata(root.qualified_name()));
    }
    let entities: Vec<&Element> = std::iter::once(root)
        .chain(root.descendants())
        .filter(|e| e.is(ns::MD, "EntityDescriptor"))
        .collect();
    if entities.is_empty() {
        return Err(MetadataError::NoEntity);
    }
    if let Some(wanted) = entity_id {
        return entities
            .into_iter()
            .find(|e| e.attr("entityID") == Some(wanted))
            .ok_or_else(|| MetadataError::EntityNotFound(wanted.to_owned()));
    }
    let with_role: Vec<&Element> = entities
        .iter()
        .copied()
        .filter(|e| e.child(ns::MD, descriptor).is_some())
        .collect();
    match with_role.as_slice() {
        [one] => Ok(one),
        [] if entities.len() == 1 => Ok(entities[0]),
        [] => Err(MetadataError::NoEntity),
        several => Err(MetadataError::SeveralIdps(
            several
                .iter()
                .map(|e| e.attr("entityID").unwrap_or("?").to_owned())
                .collect(),
        )),
    }
}

fn endpoints(parent: &Element, local: &str) -> Vec<Endpoint> {
    parent
        .children_named(ns::MD, local)
        .map(|e| Endpoint {
            binding: e.attr("Binding").unwrap_or_default().to_owned(),
            location: e.attr("Location").unwrap_or_default().to_owned(),
            index: e.attr("index").and_then(|i| i.trim().parse().ok()),
            is_default: matches!(e.attr("isDefault").map(str::trim), Some("true" | "1")),
        })
        .collect()
}

fn key_entries(parent: &Element) -> Vec<KeyEntry> {
    let mut out = Vec::new();
    for kd in parent.children_named(ns::MD, "KeyDescriptor") {
        let key_use = match kd.attr("use").map(str::trim) {
            Some("signing") => KeyUse::Signing,
            Some("encryption") => KeyUse::Encryption,
            _ => KeyUse::Unspecified,
        };
        let certs = kd
            .children_named(ns::DSIG, "KeyInfo")
            .flat_map(|ki| ki.children_named(ns::DSIG, "X509Data"))
            .flat_map(|d| d.children_named(ns::DSIG, "X509Certificate"));
        for cert in certs {
            out.push(KeyEntry {
                key_use,
                certificate: Certificate::from_base64(&cert.text()),
                span: kd.span,
            });
        }
    }
    out
}

fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Judges whether an entityID (and SSO endpoints) belong to Entra. An entityID that only
/// imitates Entra's issuer does not make the document Entra's; the checks report it.
pub fn classify(entity_id: &str, sso: &[Endpoint]) -> IdpKind {
    match entra::judge_issuer(entity_id) {
        Issuer::Exact { cloud, tenant } | Issuer::Misshapen { cloud, tenant, .. } => {
            return IdpKind::Entra { tenant, cloud }
        }
        Issuer::Common { cloud } => return IdpKind::EntraCommon { cloud },
        Issuer::LookAlike { .. } | Issuer::NotEntra => {}
    }
    let entra_sso = sso.iter().find_map(|e| {
        let url = url::Url::parse(&e.location).ok()?;
        let host = url.host_str()?.to_ascii_lowercase();
        let cloud = entra::Cloud::from_login_host(&host)?;
        let tenant = url.path_segments()?.next()?.to_owned();
        Some((tenant, cloud))
    });
    match entra_sso {
        Some((tenant, cloud)) if tenant.eq_ignore_ascii_case("{tenantid}") => {
            IdpKind::EntraCommon { cloud }
        }
        Some((tenant, cloud)) => IdpKind::Entra { tenant, cloud },
        None => IdpKind::Other,
    }
}

/// The addresses of a WS-Federation RoleDescriptor: each `fed:…Endpoint` and `fed:TargetScopes`
/// child's `wsa:EndpointReference/wsa:Address`, in document order.
fn wsfed_endpoints(role: &Element) -> Vec<WsFedEndpoint> {
    role.elements()
        .filter(|e| {
            e.namespace == Some(ns::FED)
                && (e.local.ends_with("Endpoint") || e.local == "TargetScopes")
        })
        .flat_map(|e| {
            e.children_named(ns::WSA, "EndpointReference")
                .flat_map(|r| r.children_named(ns::WSA, "Address"))
                .map(move |a| WsFedEndpoint {
                    element: e.local.to_string(),
                    // xs:anyURI: whitespace around the address is not part of it.
                    address: a.trimmed_text(),
                })
        })
        .collect()
}

/// Reads identity-provider metadata. The signature is not looked at here (see
/// [`super::signature`]); `signature` starts as [`SignatureStatus::Absent`].
pub fn idp(doc: &Document, entity_id: Option<&str>) -> Result<IdpMetadata, MetadataError> {
    let entity = select_entity(doc, entity_id, "IDPSSODescriptor")?;
    let id_value = entity.attr("entityID").ok_or(MetadataError::NoEntityId)?;
    let idp = entity.child(ns::MD, "IDPSSODescriptor");
    let sso_services = idp
        .map(|d| endpoints(d, "SingleSignOnService"))
        .unwrap_or_default();
    let wsfed_roles = entity
        .children_named(ns::MD, "RoleDescriptor")
        .map(|rd| WsFedRole {
            role_type: rd.attr_ns(ns::XSI, "type").unwrap_or_default().to_owned(),
            claim_types_offered: rd
                .children_named(ns::FED, "ClaimTypesOffered")
                .flat_map(|c| c.children_named(ns::AUTH, "ClaimType"))
                .filter_map(|c| c.attr("Uri").map(str::to_owned))
                .collect(),
            signing_certificates: key_entries(rd).len(),
            endpoints: wsfed_endpoints(rd),
        })
        .collect();
    // validUntil may sit on the entity or on an enclosing EntitiesDescriptor; the earliest wins.
    let valid_until = [entity.attr("validUntil"), doc.root.attr("validUntil")]
        .into_iter()
        .flatten()
        .filter_map(parse_instant)
        .min();
    Ok(IdpMetadata {
        entity_id: id_value.to_owned(),
        id: entity.attr("ID").map(str::to_owned),
        valid_until,
        kind: classify(id_value, &sso_services),
        slo_services: idp
            .map(|d| endpoints(d, "SingleLogoutService"))
            .unwrap_or_default(),
        name_id_formats: idp
            .map(|d| {
                d.children_named(ns::MD, "NameIDFormat")
                    .map(|n| n.trimmed_text())
                    .collect()
            })
            .unwrap_or_default(),
        keys: idp.map(key_entries).unwrap_or_default(),
        sso_services,
        wsfed_roles,
        signature: SignatureStatus::Absent,
        signature_sha1: false,
        has_idp_descriptor: idp.is_some(),
        span: entity.span,
    })
}

/// Reads service-provider metadata.
pub fn sp(doc: &Document) -> Result<SpMetadata, MetadataError> {
    let entity = select_entity(doc, None, "SPSSODescriptor")?;
    let entity_id = entity.attr("entityID").ok_or(MetadataError::NoEntityId)?;
    let sp = entity.child(ns::MD, "SPSSODescriptor").ok_or_else(|| {
        if entity.child(ns::MD, "IDPSSODescriptor").is_some() {
            MetadataError::IdpNotSp
        } else {
            MetadataError::NoSpDescriptor
        }
    })?;
    let flag = |name: &str| sp.attr(name).map(|v| matches!(v.trim(), "true" | "1"));
    Ok(SpMetadata {
        entity_id: entity_id.to_owned(),
        acs: endpoints(sp, "AssertionConsumerService"),
        name_id_formats: sp
            .children_named(ns::MD, "NameIDFormat")
            .map(|n| n.trimmed_text())
            .collect(),
        want_assertions_signed: flag("WantAssertionsSigned"),
        authn_requests_signed: flag("AuthnRequestsSigned"),
    })
}

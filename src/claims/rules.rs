//! The rules AWS applies to claims, checked on the mapping before any sign-in.

use super::{Claim, ClaimMapping, ClaimSource, NameIdFormat};
use crate::aws::rules::{self as aws, Keyed};
use crate::aws::Target;
use crate::diag::{Code, Finding};
use crate::shape;
use std::collections::HashMap;

/// What the claim checks need besides the mapping.
#[derive(Debug, Clone)]
pub struct ClaimContext {
    pub target: Target,
    /// The Entra attribute the provisioning connector sends as the Identity Center userName.
    pub scim_username_source: String,
    /// For IAM: the provider being configured, `arn:aws:iam::<account>:saml-provider/<name>`.
    pub provider_arn: Option<String>,
}

fn at(code: Code, claim: &Claim, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(format!("{} ({})", claim.full_name(), claim.location))
}

/// Checks a claim mapping against the target's rules.
pub fn check(m: &ClaimMapping, ctx: &ClaimContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in &m.jwt_only {
        out.push(
            Finding::new(
                Code::ClaimsNotSaml,
                format!("claim {name:?} is issued in JWT tokens only"),
            )
            .subject(name.clone()),
        );
    }
    if let Some(n) = &m.name_id {
        if let Err(e) = source_shape(&n.source) {
            out.push(
                Finding::new(
                    Code::ClaimsValueInvalid,
                    format!("the NameID source {:?}: {e}", n.source.to_string()),
                )
                .subject("NameID"),
            );
        }
    }
    for c in &m.claims {
        let shape = shape::visible_text(&c.name)
            .map_err(|e| format!("the name {:?}: {e}", c.name))
            .and(match c.namespace.as_deref() {
                Some(ns) if !ns.is_empty() => {
                    shape::uri(ns).map_err(|e| format!("the namespace {ns:?}: {e}"))
                }
                _ => Ok(()),
            })
            .and(
                source_shape(&c.source)
                    .map_err(|e| format!("the source {:?}: {e}", c.source.to_string())),
            );
        if let Err(message) = shape {
            out.push(at(Code::ClaimsValueInvalid, c, message));
        }
        if let ClaimSource::Transformation(t) = &c.source {
            out.push(at(
                Code::ClaimsTransformation,
                c,
                format!("the value comes from {t}"),
            ));
        }
        if let Some(meant) = aws::misnamed_attribute(&c.full_name(), ctx.target == Target::Iam) {
            out.push(at(
                Code::IamAttributeCase,
                c,
                format!("the claim is emitted as {:?}, which AWS ignores; it must be {meant:?} (Name {:?} in namespace {:?})",
                    c.full_name(),
                    meant.rsplit('/').next().unwrap_or_default(),
                    meant.rsplit_once('/').map(|(ns, _)| ns).unwrap_or_default()),
            ));
        }
    }
    match ctx.target {
        Target::IdentityCenter => identity_center(m, ctx, &mut out),
        Target::Iam => iam(m, ctx, &mut out),
    }
    out
}

/// Attribute sources are Entra attribute names; constants are visible text. Transformations
/// are described, not evaluated, and shown escaped.
fn source_shape(source: &ClaimSource) -> Result<(), shape::ShapeError> {
    match source {
        ClaimSource::Attribute(a) => shape::attribute_source(a),
        ClaimSource::Constant(v) if v.is_empty() => Ok(()),
        ClaimSource::Constant(v) => shape::visible_text(v),
        ClaimSource::Transformation(_) => Ok(()),
    }
}

fn identity_center(m: &ClaimMapping, ctx: &ClaimContext, out: &mut Vec<Finding>) {
    if m.token_encryption {
        out.push(
            Finding::new(
                Code::AssertionEncrypted,
                "token encryption is on for the application",
            )
            .subject("token_encryption"),
        );
    }
    match &m.name_id {
        None => out.push(
            Finding::new(
                Code::ClaimsNameidDefault,
                "the mapping sets no Unique User Identifier (Name ID)",
            )
            .subject("NameID"),
        ),
        Some(n) => {
            if n.format != NameIdFormat::EmailAddress {
                out.push(
                    Finding::new(
                        Code::NameidFormat,
                        format!("the Name identifier format is {}; IAM Identity Center requires emailAddress", n.format.graph_name()),
                    )
                    .subject("NameID"),
                );
            }
            match &n.source {
                ClaimSource::Attribute(a) if a.eq_ignore_ascii_case(&ctx.scim_username_source) => {}
                ClaimSource::Transformation(t) => out.push(
                    Finding::new(
                        Code::ClaimsTransformation,
                        format!("the NameID comes from {t}"),
                    )
                    .subject("NameID"),
                ),
                other => out.push(
                    Finding::new(
                        Code::ClaimsNameidSource,
                        format!(
                            "the NameID comes from {other}, but provisioning sends {} as userName",
                            ctx.scim_username_source
                        ),
                    )
                    .subject("NameID"),
                ),
            }
        }
    }

    let abac = keyed(m, Keyed::AccessControl);
    if let Err(p) = Keyed::AccessControl.check_count(abac.len(), "claims") {
        out.push(Finding::new(Code::AbacTooMany, p.to_string()).subject("claims"));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (c, key) in &abac {
        *seen.entry(c.full_name()).or_default() += 1;
        if let Err(p) = Keyed::AccessControl.check_key(key) {
            out.push(at(Code::AbacKey, c, p.to_string()));
        }
        if c.multi_valued {
            out.push(at(
                Code::AbacMultivalued,
                c,
                format!("its source {} holds several values", c.source),
            ));
        }
    }
    for (c, _) in &abac {
        if seen.remove(&c.full_name()).is_some_and(|n| n > 1) {
            out.push(at(
                Code::AbacDuplicate,
                c,
                "the claim is defined more than once",
            ));
        }
    }
}

/// The claims of a keyed kind (AccessControl, PrincipalTag) with their keys.
fn keyed(m: &ClaimMapping, kind: Keyed) -> Vec<(&Claim, String)> {
    m.claims
        .iter()
        .filter_map(|c| c.key(kind).map(|k| (c, k)))
        .collect()
}

/// A claim STS reads one value of: a multi-valued source, and a constant that breaks `rule`.
fn one_value(
    m: &ClaimMapping,
    name: &str,
    code: Code,
    rule: impl Fn(&str) -> Result<(), aws::Problem>,
    out: &mut Vec<Finding>,
) {
    for c in m.find(name) {
        if c.multi_valued {
            out.push(at(
                code,
                c,
                format!(
                    "its source {} holds several values; STS takes one",
                    c.source
                ),
            ));
        }
        if let ClaimSource::Constant(v) = &c.source {
            if let Err(p) = rule(v) {
                out.push(at(code, c, p.to_string()));
            }
        }
    }
}

fn iam(m: &ClaimMapping, ctx: &ClaimContext, out: &mut Vec<Finding>) {
    let roles: Vec<&Claim> = m.find(aws::ROLE).collect();
    if roles.is_empty() {
        out.push(
            Finding::new(
                Code::IamRoleMissing,
                format!("no claim named {}", aws::ROLE),
            )
            .subject("claims"),
        );
    }
    for role in roles {
        if let ClaimSource::Constant(value) = &role.source {
            match aws::role_pair(value) {
                Err(p) => out.push(at(Code::IamRoleFormat, role, p.to_string())),
                Ok(pair) => {
                    if let Some(provider) = &ctx.provider_arn {
                        if &pair.provider_arn != provider {
                            out.push(at(
                                Code::IamRoleProvider,
                                role,
                                format!("the Role names provider {}, but the provider being configured is {provider}", pair.provider_arn),
                            ));
                        }
                    }
                }
            }
        }
    }

    if m.find(aws::ROLE_SESSION_NAME).next().is_none() {
        out.push(
            Finding::new(
                Code::IamSessionNameMissing,
                format!("no claim named {}", aws::ROLE_SESSION_NAME),
            )
            .subject("claims"),
        );
    }
    one_value(
        m,
        aws::ROLE_SESSION_NAME,
        Code::IamSessionName,
        aws::check_session_name,
        out,
    );
    one_value(
        m,
        aws::SESSION_DURATION,
        Code::IamSessionDuration,
        |v| aws::session_duration(v).map(drop),
        out,
    );

    let tags = keyed(m, Keyed::PrincipalTag);
    if let Err(p) = Keyed::PrincipalTag.check_count(tags.len(), "claims") {
        out.push(Finding::new(Code::IamPrincipalTag, p.to_string()).subject("claims"));
    }
    for (c, key) in tags {
        if let Err(p) = Keyed::PrincipalTag.check_key(&key) {
            out.push(at(Code::IamPrincipalTag, c, p.to_string()));
        }
        if c.multi_valued {
            out.push(at(
                Code::IamPrincipalTag,
                c,
                format!(
                    "its source {} holds several values; a session tag has one",
                    c.source
                ),
            ));
        }
        if let ClaimSource::Constant(v) = &c.source {
            if let Err(p) = aws::check_principal_tag_value(v) {
                out.push(at(Code::IamPrincipalTag, c, p.to_string()));
            }
        }
    }

    one_value(
        m,
        aws::SOURCE_IDENTITY,
        Code::IamSourceIdentity,
        aws::check_source_identity,
        out,
    );
}

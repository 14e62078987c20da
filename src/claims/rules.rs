//! The rules AWS applies to claims, checked on the mapping before any sign-in.

use super::{Claim, ClaimMapping, NameIdFormat, Source};
use crate::aws::rules as aws;
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
        if let Source::Transformation(t) = &c.source {
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
fn source_shape(source: &Source) -> Result<(), shape::ShapeError> {
    match source {
        Source::Attribute(a) => shape::attribute_source(a),
        Source::Constant(v) if v.is_empty() => Ok(()),
        Source::Constant(v) => shape::visible_text(v),
        Source::Transformation(_) => Ok(()),
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
                Source::Attribute(a) if a.eq_ignore_ascii_case(&ctx.scim_username_source) => {}
                Source::Transformation(t) => out.push(
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

    let abac: Vec<(&Claim, String)> = m
        .claims
        .iter()
        .filter_map(|c| c.abac_key().map(|k| (c, k)))
        .collect();
    if abac.len() > aws::ABAC_MAX_ATTRIBUTES {
        out.push(
            Finding::new(
                Code::AbacTooMany,
                format!(
                    "{} AccessControl claims; at most {}",
                    abac.len(),
                    aws::ABAC_MAX_ATTRIBUTES
                ),
            )
            .subject("claims"),
        );
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (c, key) in &abac {
        *seen.entry(c.full_name()).or_default() += 1;
        if !aws::abac_key_ok(key) {
            out.push(at(Code::AbacKey, c, format!("key {key:?} is not 1 to 128 characters of letters, digits, spaces and _.:/=+-@")));
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

fn single<'a>(m: &'a ClaimMapping, name: &str) -> Vec<&'a Claim> {
    m.find(name).collect()
}

fn iam(m: &ClaimMapping, ctx: &ClaimContext, out: &mut Vec<Finding>) {
    let roles = single(m, aws::ROLE);
    if roles.is_empty() {
        out.push(
            Finding::new(
                Code::IamRoleMissing,
                "no claim named https://aws.amazon.com/SAML/Attributes/Role",
            )
            .subject("claims"),
        );
    }
    for role in roles {
        if let Source::Constant(value) = &role.source {
            match aws::role_pair(value) {
                Err(e) => out.push(at(Code::IamRoleFormat, role, e)),
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

    let names = single(m, aws::ROLE_SESSION_NAME);
    if names.is_empty() {
        out.push(
            Finding::new(
                Code::IamSessionNameMissing,
                "no claim named https://aws.amazon.com/SAML/Attributes/RoleSessionName",
            )
            .subject("claims"),
        );
    }
    for c in names {
        if c.multi_valued {
            out.push(at(
                Code::IamSessionName,
                c,
                format!(
                    "its source {} holds several values; STS takes one",
                    c.source
                ),
            ));
        }
        if let Source::Constant(v) = &c.source {
            if !aws::session_name_ok(v) {
                out.push(at(
                    Code::IamSessionName,
                    c,
                    format!("{v:?} does not match [A-Za-z0-9_+=,.@-]{{2,64}}"),
                ));
            }
        }
    }

    for c in single(m, aws::SESSION_DURATION) {
        if c.multi_valued {
            out.push(at(
                Code::IamSessionDuration,
                c,
                format!(
                    "its source {} holds several values; STS takes one",
                    c.source
                ),
            ));
        }
        if let Source::Constant(v) = &c.source {
            if let Err(e) = aws::session_duration(v) {
                out.push(at(Code::IamSessionDuration, c, e));
            }
        }
    }

    let tags: Vec<&Claim> = m
        .claims
        .iter()
        .filter(|c| c.full_name().starts_with(aws::PRINCIPAL_TAG_PREFIX))
        .collect();
    if tags.len() > aws::PRINCIPAL_TAG_MAX {
        out.push(
            Finding::new(
                Code::IamPrincipalTag,
                format!(
                    "{} PrincipalTag claims; at most {}",
                    tags.len(),
                    aws::PRINCIPAL_TAG_MAX
                ),
            )
            .subject("claims"),
        );
    }
    for c in tags {
        let key = &c.full_name()[aws::PRINCIPAL_TAG_PREFIX.len()..];
        if key.is_empty() || key.chars().count() > aws::PRINCIPAL_TAG_KEY_MAX {
            out.push(at(
                Code::IamPrincipalTag,
                c,
                "tag key must be 1 to 128 characters",
            ));
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
        if let Source::Constant(v) = &c.source {
            if v.chars().count() > aws::PRINCIPAL_TAG_VALUE_MAX {
                out.push(at(
                    Code::IamPrincipalTag,
                    c,
                    "tag value longer than 256 characters",
                ));
            }
        }
    }

    for c in single(m, aws::SOURCE_IDENTITY) {
        if c.multi_valued {
            out.push(at(
                Code::IamSourceIdentity,
                c,
                format!(
                    "its source {} holds several values; STS takes one",
                    c.source
                ),
            ));
        }
        if let Source::Constant(v) = &c.source {
            if !aws::source_identity_ok(v) {
                out.push(at(Code::IamSourceIdentity, c, format!("{v:?} must be 2 to 64 characters of [A-Za-z0-9_+=,.@-] and not start with aws:")));
            }
        }
    }
}

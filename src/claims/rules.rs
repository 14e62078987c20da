//! The rules AWS applies to claims, checked on the mapping before any sign-in.

use super::{Claim, ClaimMapping, ClaimSource, NameIdClaim, NameIdFormat};
use crate::aws::rules::{self as aws, Keyed};
use crate::aws::Target;
use crate::diag::{Code, Finding};
use crate::shape::{self, ShapeError};
use std::collections::HashMap;
use thiserror::Error;

/// What the claim checks need besides the mapping.
#[derive(Debug, Clone)]
pub struct ClaimContext {
    pub target: Target,
    /// Identity Center: the Entra attribute the provisioning connector sends as the userName
    /// (IAM provisions no user names).
    pub scim_username_source: Option<String>,
    /// For IAM: the account, partition and provider the Role values must name.
    pub role_owner: aws::RoleOwner,
}

fn at(code: Code, claim: &Claim, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(format!("{} ({})", claim.full_name(), claim.location))
}

/// Checks a claim mapping against the target's rules.
pub fn check(m: &ClaimMapping, ctx: &ClaimContext) -> Vec<Finding> {
    let mut out = Vec::new();
    jwt_only(m, &mut out);
    name_id_shape(m, &mut out);
    for c in &m.claims {
        claim(c, ctx.target, &mut out);
    }
    match ctx.target {
        Target::IdentityCenter => identity_center(m, ctx, &mut out),
        Target::Iam => iam(m, ctx, &mut out),
    }
    out
}

/// Claims Entra issues in JWT tokens only never reach AWS.
fn jwt_only(m: &ClaimMapping, out: &mut Vec<Finding>) {
    for name in &m.jwt_only {
        out.push(
            Finding::new(
                Code::ClaimsNotSaml,
                format!("claim {name:?} is issued in JWT tokens only"),
            )
            .subject(name.clone()),
        );
    }
}

/// The NameID's source is copied into the files samlbridge writes, so its shape is checked
/// like any claim's.
fn name_id_shape(m: &ClaimMapping, out: &mut Vec<Finding>) {
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
}

/// The rules every claim keeps whatever the target: values of the shape the written files
/// need, no transformation samlbridge cannot evaluate, and AWS's attribute names as AWS
/// spells them.
fn claim(c: &Claim, target: Target, out: &mut Vec<Finding>) {
    if let Err(e) = claim_shape(c) {
        out.push(at(Code::ClaimsValueInvalid, c, e.to_string()));
    }
    if let ClaimSource::Transformation(t) = &c.source {
        out.push(at(
            Code::ClaimsTransformation,
            c,
            format!("the value comes from {t}"),
        ));
    }
    if let Some(meant) = aws::misnamed_attribute(&c.full_name(), target == Target::Iam) {
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

/// The part of a claim whose text breaks its documented shape, and how.
#[derive(Debug, Error)]
enum ClaimShapeError {
    #[error("the name {0:?}: {1}")]
    Name(String, ShapeError),
    #[error("the namespace {0:?}: {1}")]
    Namespace(String, ShapeError),
    #[error("the source {0:?}: {1}")]
    Source(String, ShapeError),
}

/// The first part of the claim, in the order Entra's page shows them, that breaks its shape.
fn claim_shape(c: &Claim) -> Result<(), ClaimShapeError> {
    shape::visible_text(&c.name).map_err(|e| ClaimShapeError::Name(c.name.clone(), e))?;
    if let Some(ns) = c.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        shape::uri(ns).map_err(|e| ClaimShapeError::Namespace(ns.to_owned(), e))?;
    }
    source_shape(&c.source).map_err(|e| ClaimShapeError::Source(c.source.to_string(), e))
}

/// Attribute sources are Entra attribute names; constants are visible text. Transformations
/// are described, not evaluated, and shown escaped.
fn source_shape(source: &ClaimSource) -> Result<(), ShapeError> {
    match source {
        ClaimSource::Attribute(a) => shape::attribute_source(a),
        ClaimSource::Constant(v) if v.is_empty() => Ok(()),
        ClaimSource::Constant(v) => shape::visible_text(v),
        ClaimSource::Transformation(_) => Ok(()),
    }
}

/// Identity Center's rules: a readable assertion, a NameID it can match to a provisioned
/// user, and access-control attributes it accepts.
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
        Some(n) => identity_center_name_id(n, ctx, out),
    }
    access_control(m, out);
    other_target(m, Target::IdentityCenter, out);
}

/// Claims only the other target reads: a sign that the mapping belongs to another application.
fn other_target(m: &ClaimMapping, target: Target, out: &mut Vec<Finding>) {
    for c in &m.claims {
        let name = c.full_name();
        let theirs = match target {
            Target::IdentityCenter => aws::is_iam_only_attribute(&name).then_some("IAM"),
            Target::Iam => name
                .starts_with(aws::ACCESS_CONTROL_PREFIX)
                .then_some("IAM Identity Center"),
        };
        if let Some(theirs) = theirs {
            out.push(at(
                Code::ClaimsOtherTarget,
                c,
                format!(
                    "{} ignores this claim; only {theirs} reads it",
                    target.display_name()
                ),
            ));
        }
    }
}

/// Identity Center signs in the user whose user name equals the NameID, an email address:
/// the NameID must come from the attribute provisioning sends as userName.
fn identity_center_name_id(n: &NameIdClaim, ctx: &ClaimContext, out: &mut Vec<Finding>) {
    if n.format != NameIdFormat::EmailAddress {
        out.push(
            Finding::new(
                Code::NameidFormat,
                format!(
                    "the Name identifier format is {}; IAM Identity Center requires emailAddress",
                    n.format.graph_name()
                ),
            )
            .subject("NameID"),
        );
    }
    match &n.source {
        ClaimSource::Attribute(a)
            if ctx
                .scim_username_source
                .as_deref()
                .is_none_or(|s| a.eq_ignore_ascii_case(s)) => {}
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
                    ctx.scim_username_source.as_deref().unwrap_or_default()
                ),
            )
            .subject("NameID"),
        ),
    }
}

/// The access-control attributes: how many, their keys, one value each, each defined once.
fn access_control(m: &ClaimMapping, out: &mut Vec<Finding>) {
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

/// STS's rules for AssumeRoleWithSAML: a Role pair naming this provider, a session name,
/// and session tags and a source identity it accepts.
fn iam(m: &ClaimMapping, ctx: &ClaimContext, out: &mut Vec<Finding>) {
    other_target(m, Target::Iam, out);
    roles(m, ctx, out);
    session(m, out);
    principal_tags(m, out);
    one_value(
        m,
        aws::SOURCE_IDENTITY,
        Code::IamSourceIdentity,
        aws::check_source_identity,
        out,
    );
}

/// A Role claim must exist; a constant one is a role and provider ARN pair naming the account
/// and provider being configured, or STS refuses the sign-in.
fn roles(m: &ClaimMapping, ctx: &ClaimContext, out: &mut Vec<Finding>) {
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
        let ClaimSource::Constant(value) = &role.source else {
            continue;
        };
        match aws::role_pair(value) {
            Err(p) => out.push(at(Code::IamRoleFormat, role, p.to_string())),
            Ok(pair) => {
                for p in ctx.role_owner.check(&pair) {
                    out.push(at(role_owner_code(&p), role, p.to_string()));
                }
            }
        }
    }
}

/// The code of a [`aws::RoleOwner`] problem.
fn role_owner_code(p: &aws::Problem) -> Code {
    match p {
        aws::Problem::RoleElsewhere { .. } => Code::IamRoleAccount,
        _ => Code::IamRoleProvider,
    }
}

/// STS needs a RoleSessionName, and takes one value each of it and of SessionDuration.
fn session(m: &ClaimMapping, out: &mut Vec<Finding>) {
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
}

/// Session tags: how many, their keys, and one value each that STS accepts.
fn principal_tags(m: &ClaimMapping, out: &mut Vec<Finding>) {
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
}

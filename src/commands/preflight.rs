//! `samlbridge preflight`: both sides before cutover. The Entra application (as Microsoft Graph
//! gives it) is joined with IAM Identity Center (as its APIs give it), and every assigned user
//! is followed to the NameID Entra will send and the Identity Center user that NameID must name.

use super::Status;
use crate::cert::{Certificate, Thumbprint};
use crate::claims::{self, ClaimMapping, ClaimSource};
use crate::diag::{self, Code, Finding, Overrides, Severity};
use crate::graph::{EntraExport, ServicePrincipal, User};
use crate::identity_center::{AwsExport, IcUser};
use crate::metadata::SpMetadata;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What `preflight` is given: both sides as read, Identity Center's service-provider metadata
/// and the certificates Identity Center trusts.
pub struct PreflightJob {
    pub entra: EntraExport,
    pub aws: Option<AwsExport>,
    pub sp: Option<SpMetadata>,
    /// The certificates Identity Center holds for Entra, and where they were read.
    pub trusted: Option<(Vec<Certificate>, String)>,
    pub now: DateTime<Utc>,
    pub warn_days: i64,
    pub overrides: Overrides,
}

/// Go, no-go, or not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Go,
    NoGo,
    NotChecked,
}

/// One area of the cutover and how it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub name: &'static str,
    pub verdict: Verdict,
    /// What was checked, or why it was not.
    pub note: String,
}

/// One assigned user (or Identity Center user with no Entra counterpart).
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// The Entra object id; empty for an Identity Center orphan.
    pub entra_id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    /// How the user is assigned: `direct`, or the group's name.
    pub assigned_via: String,
    /// The NameID Entra will send, when it can be computed.
    pub name_id: Option<String>,
    /// The Identity Center user name it was matched with.
    pub identity_center_user: Option<String>,
    pub findings: Vec<Finding>,
}

impl UserRow {
    pub fn ok(&self) -> bool {
        !self.findings.iter().any(|f| f.severity != Severity::Info)
    }
}

/// The whole preflight.
#[derive(Debug, Clone, Serialize)]
pub struct PreflightReport {
    pub areas: Vec<Area>,
    /// Every finding, users' included.
    pub findings: Vec<Finding>,
    pub users: Vec<UserRow>,
}

impl PreflightReport {
    /// Go only when no area is no-go; an area not checked is said, not failed.
    pub fn status(&self) -> Status {
        if self.areas.iter().any(|a| a.verdict == Verdict::NoGo) {
            Status::Findings
        } else {
            Status::Clean
        }
    }
}

const APPLICATION: &str = "Entra application";
const CERTIFICATE: &str = "signing certificate";
const PROVISIONING: &str = "provisioning";
const USERS: &str = "users";
const IDENTITY_CENTER: &str = "Identity Center";

/// Joins both sides and judges them.
pub fn run(job: &PreflightJob) -> PreflightReport {
    let sp = job.entra.service_principal();
    let mut areas = Vec::new();
    let mut by_area: Vec<(&'static str, Vec<Finding>)> = Vec::new();

    let mut app = Vec::new();
    let app_note = match (&sp, &job.sp) {
        (None, _) => None,
        (Some(sp), idc) => {
            application(job, sp, idc.as_ref(), &mut app);
            Some(match idc {
                Some(_) => "identifier, reply URLs, single sign-on mode, notification e-mail, assignment".to_owned(),
                None => "single sign-on mode, notification e-mail, assignment; the identifier and reply URLs need Identity Center's service-provider metadata (--sp-metadata)".to_owned(),
            })
        }
    };
    by_area.push((APPLICATION, app));
    areas.push((
        APPLICATION,
        app_note.unwrap_or_else(|| "the service principal was not read".into()),
        sp.is_some(),
    ));

    let mut cert = Vec::new();
    let cert_checked = match (&sp, &job.trusted) {
        (Some(sp), Some((trusted, from))) => {
            signing_certificate(job, sp, trusted, from, &mut cert);
            true
        }
        _ => false,
    };
    by_area.push((CERTIFICATE, cert));
    areas.push((
        CERTIFICATE,
        if cert_checked {
            "the certificate Entra signs with, against those Identity Center holds".into()
        } else if sp.is_none() {
            "the service principal was not read".into()
        } else {
            "the certificates Identity Center holds were not given (--current-metadata or --metadata)".into()
        },
        cert_checked,
    ));

    let mapping = job
        .entra
        .claims_policy_text()
        .and_then(|t| claims::parse("claimsPolicy.json", t.as_bytes()).ok())
        .unwrap_or_else(ClaimMapping::identity_center_default);
    let name_id_source = mapping.name_id.as_ref().map(|n| n.source.clone());

    let mut prov = Vec::new();
    let prov_checked = provisioning(&job.entra, name_id_source.as_ref(), &mut prov);
    by_area.push((PROVISIONING, prov));
    areas.push((
        PROVISIONING,
        if prov_checked {
            "the provisioning job and the source of userName".into()
        } else {
            "the provisioning job was not read".into()
        },
        prov_checked,
    ));

    // Without the assigned users' attributes no NameID can be formed, so nothing is judged
    // (rather than every user found wanting).
    let (users, user_findings, orphans) = match &job.aws {
        Some(aws) if job.entra.users.is_some() => {
            users(&job.entra, aws, name_id_source.as_ref(), &job.overrides)
        }
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let users_checked = job.aws.is_some() && job.entra.users.is_some();
    let assigned = users.iter().filter(|u| !u.entra_id.is_empty()).count();
    by_area.push((USERS, user_findings));
    areas.push((
        USERS,
        match (users_checked, &name_id_source) {
            (false, _) if job.aws.is_none() => "Identity Center's users were not read".into(),
            (false, _) => "the assigned users were not read".into(),
            (true, Some(s)) => format!(
                "{assigned} assigned user{}, NameID from {s}",
                if assigned == 1 { "" } else { "s" }
            ),
            (true, None) => "the claim mapping sends no NameID".into(),
        },
        users_checked,
    ));
    by_area.push((IDENTITY_CENTER, orphans));
    areas.push((
        IDENTITY_CENTER,
        match &job.aws {
            Some(aws) => format!(
                "{} user{} in identity store {}",
                aws.users.len(),
                if aws.users.len() == 1 { "" } else { "s" },
                aws.identity_store_id
            ),
            None => "not read".into(),
        },
        job.aws.is_some() && job.entra.users.is_some(),
    ));

    let mut findings = Vec::new();
    let areas = areas
        .into_iter()
        .map(|(name, note, checked)| {
            let mut found = by_area
                .iter_mut()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| std::mem::take(f))
                .unwrap_or_default();
            job.overrides.apply(&mut found);
            let verdict = if !checked {
                Verdict::NotChecked
            } else if diag::has_errors(&found) {
                Verdict::NoGo
            } else {
                Verdict::Go
            };
            findings.extend(found);
            Area {
                name,
                verdict,
                note,
            }
        })
        .collect();
    diag::sort(&mut findings);
    PreflightReport {
        areas,
        findings,
        users,
    }
}

/// The same URL but for a trailing slash or letter case: what people type when they copy one.
fn near(a: &str, b: &str) -> bool {
    a != b
        && a.trim_end_matches('/')
            .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// What sets a near miss apart from `want`, said so that it can be seen in two long URLs.
fn how_near(got: &str, want: &str) -> &'static str {
    let (g, w) = (got.trim_end_matches('/'), want.trim_end_matches('/'));
    if g == w {
        if got.len() > want.len() {
            "which has a trailing slash"
        } else {
            "which lacks the trailing slash"
        }
    } else if g.eq_ignore_ascii_case(w) {
        "which differs in letter case"
    } else {
        "which names another directory id"
    }
}

fn application(
    job: &PreflightJob,
    sp: &ServicePrincipal,
    idc: Option<&SpMetadata>,
    out: &mut Vec<Finding>,
) {
    if let Some(idc) = idc {
        // Without the application's body there is nothing to compare: not checked, not failed.
        let identifiers: Option<Vec<String>> = job.entra.application().map(|a| a.identifier_uris);
        let checked = identifiers.is_some();
        let identifiers = identifiers.unwrap_or_default();
        if checked && !identifiers.contains(&idc.entity_id) {
            let close = identifiers.iter().find(|i| {
                near(i, &idc.entity_id)
                    || i.rsplit_once('/').map(|(h, _)| h)
                        == idc.entity_id.rsplit_once('/').map(|(h, _)| h)
            });
            out.push(Finding::new(
                Code::EntraIdentifier,
                match close {
                    Some(c) => format!(
                        "no Identifier equals Identity Center's entityID {:?}; the nearest is {c:?}, {}",
                        idc.entity_id,
                        how_near(c, &idc.entity_id)
                    ),
                    None => format!(
                        "no Identifier equals Identity Center's entityID {:?} (the application has {})",
                        idc.entity_id,
                        listed(&identifiers)
                    ),
                },
            ));
        }
        let missing: Vec<&str> = idc
            .acs
            .iter()
            .map(|a| a.location.as_str())
            .filter(|acs| !sp.reply_urls.iter().any(|r| r == acs))
            .collect();
        if !missing.is_empty() {
            let close: Vec<String> = missing
                .iter()
                .filter_map(|m| {
                    sp.reply_urls
                        .iter()
                        .find(|r| near(r, m))
                        .map(|r| format!("{r:?} for {m:?}"))
                })
                .collect();
            out.push(Finding::new(
                Code::EntraReplyUrls,
                format!(
                    "the reply URLs lack Identity Center's ACS URL{} {}{}",
                    if missing.len() == 1 { "" } else { "s" },
                    listed(&missing),
                    if close.is_empty() {
                        String::new()
                    } else {
                        format!("; near misses: {}", close.join(", "))
                    }
                ),
            ));
        }
        // The default reply URL is the first by index (Graph's redirectUriSettings), else the first.
        let default = job.entra.application().and_then(|a| {
            let web = a.web?;
            web.redirect_uri_settings
                .iter()
                .min_by_key(|s| s.index.unwrap_or(i64::MAX))
                .and_then(|s| s.uri.clone())
                .or_else(|| web.redirect_uris.first().cloned())
        });
        if let Some(d) = default {
            if !idc.acs.iter().any(|a| a.location == d) {
                out.push(
                    Finding::new(
                        Code::EntraReplyUrls,
                        format!("the default reply URL {d:?} is not one of Identity Center's ACS URLs: an IdP-initiated sign-in (My Apps, the Test button) posts there"),
                    )
                    .severity(Severity::Warning),
                );
            }
        }
    }
    match sp.preferred_single_sign_on_mode.as_deref() {
        Some(m) if m.eq_ignore_ascii_case("saml") => {}
        Some(m) => out.push(Finding::new(
            Code::EntraSsoMode,
            format!("single sign-on mode is {m:?}, not SAML"),
        )),
        None => out.push(
            Finding::new(
                Code::EntraSsoMode,
                "single sign-on mode is not set (null): older SAML applications show this, but check Single sign-on says SAML",
            )
            .severity(Severity::Warning),
        ),
    }
    match sp.notification_email_addresses.as_slice() {
        [] => out.push(Finding::new(
            Code::EntraNotificationEmail,
            "no address is notified before the signing certificate expires",
        )),
        [one] => out.push(
            Finding::new(
                Code::EntraNotificationEmail,
                format!("only {one:?} is notified before the signing certificate expires: if that is the admin who created the application, add a team's address"),
            )
            .severity(Severity::Info),
        ),
        _ => {}
    }
    if !sp.app_role_assignment_required {
        out.push(Finding::new(
            Code::EntraAssignment,
            "assignment is not required: every user of the tenant can try to sign in (Identity Center still refuses users it does not hold)",
        ));
    }
}

fn listed(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|i| format!("{:?}", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A thumbprint as Graph may write it: hex, or base64 of the digest.
fn thumbprint(text: &str) -> Option<Thumbprint> {
    use base64::Engine;
    text.parse().ok().or_else(|| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()?;
        crate::cert::Thumbprint::from_bytes(bytes)
    })
}

fn signing_certificate(
    job: &PreflightJob,
    sp: &ServicePrincipal,
    trusted: &[Certificate],
    from: &str,
    out: &mut Vec<Finding>,
) {
    let Some(preferred) = sp
        .preferred_token_signing_key_thumbprint
        .as_deref()
        .and_then(thumbprint)
    else {
        out.push(Finding::new(
            Code::EntraSigningCert,
            "the service principal names no signing certificate (preferredTokenSigningKeyThumbprint)",
        ));
        return;
    };
    if !trusted.iter().any(|c| c.matches(&preferred)) {
        out.push(Finding::new(
            Code::EntraSigningCert,
            format!(
                "Entra signs with certificate {preferred}, which Identity Center does not hold ({from} has {})",
                listed(&trusted.iter().map(|c| c.sha1.to_string()).collect::<Vec<_>>())
            ),
        ));
    }
    let same = |k: &&crate::graph::KeyCredential| {
        k.custom_key_identifier
            .as_deref()
            .and_then(thumbprint)
            .is_some_and(|t| t == preferred)
    };
    let active_end = sp
        .key_credentials
        .iter()
        .filter(same)
        .filter_map(|k| k.end_date_time)
        .max()
        .or_else(|| {
            trusted
                .iter()
                .find(|c| c.matches(&preferred))
                .map(|c| c.not_after)
        });
    if let Some(end) = active_end {
        let days = (end - job.now).num_days();
        if end <= job.now {
            out.push(Finding::new(
                Code::EntraSigningCert,
                format!("the signing certificate {preferred} expired on {end}"),
            ));
        } else if days <= job.warn_days {
            let successor = sp
                .key_credentials
                .iter()
                .filter(|k| !same(k))
                .any(|k| k.end_date_time.is_some_and(|e| e > end));
            out.push(
                Finding::new(
                    Code::EntraSigningCert,
                    format!(
                        "the signing certificate {preferred} expires in {days} days ({end}){}",
                        if successor {
                            "; a newer certificate is ready to make active"
                        } else {
                            ", and no newer certificate has been created"
                        }
                    ),
                )
                .severity(Severity::Warning),
            );
        }
    }
}

/// The source of the NameID as Entra's provisioning schema names attributes: `user.mail` and
/// `mail` are the same attribute.
fn attribute_name(source: &ClaimSource) -> Option<String> {
    match source {
        ClaimSource::Attribute(a) => {
            Some(a.trim().trim_start_matches("user.").to_ascii_lowercase())
        }
        _ => None,
    }
}

fn provisioning(
    entra: &EntraExport,
    name_id: Option<&ClaimSource>,
    out: &mut Vec<Finding>,
) -> bool {
    if entra.synchronization_jobs.is_none() {
        return false;
    }
    let jobs = entra.sync_jobs();
    if jobs.is_empty() {
        out.push(Finding::new(
            Code::ScimUsernameSource,
            "the application has no provisioning job: Identity Center creates no user at sign-in, so every user must have been created another way",
        ).severity(Severity::Warning));
        return true;
    }
    for j in &jobs {
        let Some(status) = &j.status else { continue };
        let quarantined =
            status.code.as_deref() == Some("Quarantine") || status.quarantine.is_some();
        let failing = status.count_successive_complete_failures.unwrap_or(0) > 0;
        if quarantined || failing {
            out.push(Finding::new(
                Code::ScimUsernameSource,
                format!(
                    "provisioning job {} is {}{}",
                    j.id,
                    if quarantined {
                        "in quarantine"
                    } else {
                        "failing"
                    },
                    status
                        .quarantine
                        .as_ref()
                        .and_then(|q| q.reason.as_deref())
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    match (
        entra.sync_schema_user_name_source(),
        name_id.and_then(attribute_name),
    ) {
        (Some(source), Some(name_id)) if source.trim().to_ascii_lowercase() != name_id => {
            out.push(Finding::new(
                Code::ScimUsernameSource,
                format!("provisioning fills userName from {source:?}, but the NameID comes from user.{name_id}: users whose two attributes differ cannot sign in"),
            ));
        }
        _ => {}
    }
    true
}

/// The NameID Entra will send for `user`, from the mapping's source attribute; `Err` says why
/// it cannot be computed.
fn name_id_of(user: &User, source: Option<&ClaimSource>) -> Result<Option<String>, String> {
    let Some(source) = source else {
        return Err("the claim mapping sends no NameID".into());
    };
    let attribute = match source {
        ClaimSource::Constant(c) => return Ok(Some(c.clone())),
        ClaimSource::Transformation(t) => {
            return Err(format!(
                "the NameID is a transformation samlbridge does not evaluate ({t})"
            ))
        }
        ClaimSource::Attribute(_) => attribute_name(source).unwrap_or_default(),
    };
    let value = match attribute.as_str() {
        "userprincipalname" => user.user_principal_name.clone(),
        "mail" => user.mail.clone(),
        "onpremisessamaccountname" => user.on_premises_sam_account_name.clone(),
        "employeeid" => user.employee_id.clone(),
        "givenname" => user.given_name.clone(),
        "surname" => user.surname.clone(),
        "displayname" => user.display_name.clone(),
        "objectid" | "id" => Some(user.id.clone()),
        other => return Err(format!("user.{other} is not read from Graph")),
    };
    Ok(value.filter(|v| !v.trim().is_empty()))
}

type UserResult = (Vec<UserRow>, Vec<Finding>, Vec<Finding>);

/// Every assigned user, followed to its Identity Center user; then Identity Center's users no
/// Entra user reaches.
fn users(
    entra: &EntraExport,
    aws: &AwsExport,
    name_id_source: Option<&ClaimSource>,
    overrides: &Overrides,
) -> UserResult {
    let graph_users: HashMap<String, User> = entra
        .users()
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let by_name: HashMap<&str, &IcUser> = aws
        .users
        .iter()
        .filter_map(|u| u.user_name.as_deref().map(|n| (n, u)))
        .collect();
    let by_folded: HashMap<String, &IcUser> = aws
        .users
        .iter()
        .filter_map(|u| u.user_name.as_deref().map(|n| (n.to_lowercase(), u)))
        .collect();
    let by_external: HashMap<&str, &IcUser> = aws
        .users
        .iter()
        .flat_map(|u| u.external_ids.iter().map(move |e| (e.id.as_str(), u)))
        .collect();

    // Who is assigned, and how: directly, or as a direct member of an assigned group.
    let mut assigned: BTreeMap<String, String> = BTreeMap::new();
    let mut area = Vec::new();
    let members = entra.group_members();
    for a in entra.assignments() {
        if a.is_user() {
            assigned.insert(a.principal_id.clone(), "direct".into());
        } else if a.is_group() {
            let group = a
                .principal_display_name
                .clone()
                .unwrap_or_else(|| a.principal_id.clone());
            for m in members.get(&a.principal_id).into_iter().flatten() {
                if m.is_user() {
                    assigned
                        .entry(m.id.clone())
                        .or_insert_with(|| format!("group {group}"));
                } else if m.is_group() {
                    area.push(Finding::new(
                        Code::UserNestedGroup,
                        format!(
                            "group {:?} is nested in the assigned group {group:?}: provisioning creates none of its members, so they cannot sign in unless assigned another way",
                            m.display_name.as_deref().unwrap_or(&m.id)
                        ),
                    ));
                }
            }
        }
    }

    let mut rows = Vec::new();
    let mut reached: HashSet<&str> = HashSet::new();
    for (id, via) in &assigned {
        let user = graph_users.get(id);
        let mut f = Vec::new();
        let name_id = match user.map(|u| name_id_of(u, name_id_source)) {
            None => {
                f.push(Finding::new(
                    Code::UserNameidEmpty,
                    "the user's attributes were not read from Graph",
                ));
                None
            }
            Some(Err(why)) => {
                f.push(Finding::new(Code::UserNameidEmpty, why).severity(Severity::Warning));
                None
            }
            Some(Ok(None)) => {
                f.push(Finding::new(
                    Code::UserNameidEmpty,
                    format!(
                        "the NameID's source attribute ({}) is empty: Entra sends no usable NameID",
                        name_id_source.map(|s| s.to_string()).unwrap_or_default()
                    ),
                ));
                None
            }
            Some(Ok(Some(n))) => Some(n),
        };
        if let Some(u) = user {
            if u.user_principal_name
                .as_deref()
                .is_some_and(|p| p.contains("#EXT#"))
            {
                f.push(Finding::new(
                    Code::UserGuest,
                    format!("{:?} is a guest (#EXT#): its user principal name is not its e-mail address", u.user_principal_name.as_deref().unwrap_or_default()),
                ));
            }
            let missing: Vec<&str> = [
                ("givenName", &u.given_name),
                ("surname", &u.surname),
                ("displayName", &u.display_name),
            ]
            .into_iter()
            .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
            .map(|(n, _)| n)
            .collect();
            if !missing.is_empty() {
                f.push(Finding::new(
                    Code::UserScimIncomplete,
                    format!("no {}: Identity Center's SCIM refuses a user without it, so provisioning skips this one", missing.join(", ")),
                ));
            }
        }
        let exact = name_id.as_deref().and_then(|n| by_name.get(n).copied());
        let folded = name_id
            .as_deref()
            .and_then(|n| by_folded.get(&n.to_lowercase()).copied());
        let external = by_external.get(id.as_str()).copied();
        let matched = exact.or(folded).or(external);
        match (exact, folded, external, &name_id) {
            (Some(_), _, _, _) => {}
            (None, Some(ic), _, Some(n)) => f.push(Finding::new(
                Code::UserNameMismatch,
                format!(
                    "Identity Center's user is {:?}; the NameID {n:?} differs only in letter case, and Identity Center compares exactly",
                    ic.user_name.as_deref().unwrap_or_default()
                ),
            )),
            (None, None, Some(ic), Some(n)) => f.push(Finding::new(
                Code::UserNameMismatch,
                format!(
                    "Identity Center's user for this Entra user (ExternalId) is {:?}, but the NameID is {n:?}",
                    ic.user_name.as_deref().unwrap_or_default()
                ),
            )),
            (None, None, None, Some(n)) => f.push(Finding::new(
                Code::UserNotProvisioned,
                format!("no Identity Center user is named {n:?}, and none carries this Entra user's object id: provisioning has not created it"),
            )),
            _ => {}
        }
        if let Some(ic) = matched {
            reached.insert(ic.user_id.as_str());
        }
        overrides.apply(&mut f);
        diag::sort(&mut f);
        rows.push(UserRow {
            entra_id: id.clone(),
            user_principal_name: user.and_then(|u| u.user_principal_name.clone()),
            display_name: user.and_then(|u| u.display_name.clone()),
            assigned_via: via.clone(),
            name_id,
            identity_center_user: matched.and_then(|m| m.user_name.clone()),
            findings: f,
        });
    }
    let mut user_findings: Vec<Finding> = rows
        .iter()
        .flat_map(|r| r.findings.iter().cloned())
        .collect();
    user_findings.extend(area);

    let mut orphans = Vec::new();
    for ic in aws
        .users
        .iter()
        .filter(|u| !reached.contains(u.user_id.as_str()))
    {
        let name = ic.user_name.clone().unwrap_or_else(|| ic.user_id.clone());
        let f = Finding::new(
            Code::IdentityCenterOrphan,
            format!("Identity Center user {name:?} matches no assigned Entra user: it loses access at cutover"),
        );
        orphans.push(f.clone());
        rows.push(UserRow {
            entra_id: String::new(),
            user_principal_name: None,
            display_name: ic.display_name.clone(),
            assigned_via: "not assigned".into(),
            name_id: None,
            identity_center_user: Some(name),
            findings: vec![f],
        });
    }
    (rows, user_findings, orphans)
}

//! The `aws` jobs: check everything (metadata, SP metadata, claims), build the configuration
//! set for the target, and add the rollover runbook. Writing is the caller's choice, made from
//! the findings and the plan this returns.

use crate::aws::names::{AccountId, Partition, ProviderName, RoleName};
use crate::aws::Target;
use crate::cert::{CertPolicy, Thumbprint};
use crate::claims::{self, ClaimContext, ClaimMapping};
use crate::commands::check::{self, CheckError, CheckReport, CheckSettings};
use crate::diag::{self, Code, Finding, Sink};
use crate::entra::AppId;
use crate::input::Input;
use crate::write::outdir::{self, Change, FileSet, Plan, WriteError, WriteOptions};
use crate::write::rollover::{self, Service, Trusted};
use crate::write::upload::TrimError;
use crate::write::{iam, identity_center};
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SetupError {
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The certificate to keep could not be kept alone.
    #[error(transparent)]
    Trim(#[from] TrimError),
    #[error("the metadata could not be read, so nothing can be written")]
    Unreadable,
}

/// Options shared by both targets.
pub struct Common<'a> {
    pub claims: &'a ClaimMapping,
    /// Identity Center only: the attribute provisioning sends as userName.
    pub scim_username_source: Option<&'a str>,
    pub signing_cert: Option<&'a Thumbprint>,
    pub current_cert: Option<&'a Trusted>,
    pub cert_policy: CertPolicy,
}

/// The checked inputs and the files to write.
pub struct Prepared {
    pub report: CheckReport,
    pub files: FileSet,
}

impl Prepared {
    pub fn has_errors(&self) -> bool {
        diag::has_errors(&self.report.findings)
    }
}

/// Adds the rollover runbook (ROLLOVER.md) when the certificate AWS trusts today is given.
fn rollover(
    report: &CheckReport,
    common: &Common<'_>,
    service: Service<'_>,
    settings: &CheckSettings,
    files: &mut FileSet,
    extra: &mut Sink<'_>,
) {
    if let (Some(trusted), Some(md)) = (common.current_cert, &report.parsed) {
        let (text, findings) =
            rollover::runbook(md, trusted, service, settings.now, common.cert_policy);
        files.add("ROLLOVER.md", text);
        extra.extend(findings);
    }
}

/// The Entra application ID of metadata fetched from Entra's per-application URL
/// (`…/federationmetadata.xml?appid=<id>`), which the written steps can then fill in.
fn app_id(idp: &Input<'_>) -> Option<AppId> {
    let url = idp.requested_url.or(idp.url)?;
    url.query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("appid"))
        .and_then(|(_, v)| v.parse().ok())
}

/// `samlbridge aws identity-center`.
pub fn identity_center(
    idp: Input<'_>,
    sp: Input<'_>,
    common: &Common<'_>,
    instance_arn: Option<&str>,
    sign_on_url: Option<&str>,
    settings: &CheckSettings,
) -> Result<Prepared, SetupError> {
    let settings = &CheckSettings {
        upload_only: common.signing_cert.cloned(),
        ..settings.clone()
    };
    let mut findings = Sink::new(&settings.overrides);
    let mut report = check::check_into(idp, Some(sp), settings, &mut findings)?;
    let (Some(md), Some(spm)) = (&report.parsed, &report.sp_metadata) else {
        return Err(SetupError::Unreadable);
    };
    findings.extend(claims::check(
        common.claims,
        &ClaimContext {
            target: Target::IdentityCenter,
            scim_username_source: common.scim_username_source.map(str::to_owned),
            role_owner: Default::default(),
        },
    ));
    let app_id = app_id(&idp);
    let spec = identity_center::Spec {
        metadata: md,
        metadata_bytes: idp.bytes,
        sp: spm,
        sp_file: sp.name,
        claims: common.claims,
        instance_arn,
        signing_cert: common.signing_cert,
        sign_on_url,
        scim_username_source: common
            .scim_username_source
            .unwrap_or(crate::claims::DEFAULT_SCIM_USERNAME_SOURCE),
        app_id: app_id.as_ref(),
        now: settings.now,
    };
    let (mut files, writer_findings) = identity_center::build(&spec)?;
    findings.extend(writer_findings);
    rollover(
        &report,
        common,
        Service::IdentityCenter {
            region: spec.region(),
        },
        settings,
        &mut files,
        &mut findings,
    );
    report.findings = findings.finish();
    Ok(Prepared { report, files })
}

/// What `samlbridge aws iam` configures.
pub struct IamTarget<'a> {
    pub account: &'a AccountId,
    pub provider: &'a ProviderName,
    pub roles: &'a [RoleName],
    pub partition: Partition,
    /// Regions whose sign-in endpoint users post to besides the global one, each an AWS
    /// region of `partition`.
    pub sign_in_regions: &'a [String],
    /// Encrypted assertions, when asked for.
    pub encryption: Option<iam::Encryption<'a>>,
    /// The private key an earlier run wrote into the output directory, when this run does
    /// not use it: kept in the set as it is, so that it is neither removed nor replaced.
    pub earlier_key: Option<&'a [u8]>,
}

/// `samlbridge aws iam`.
pub fn iam(
    idp: Input<'_>,
    common: &Common<'_>,
    target: &IamTarget<'_>,
    settings: &CheckSettings,
) -> Result<Prepared, SetupError> {
    // The files are written without the byte-order mark IAM refuses.
    let settings = &CheckSettings {
        byte_order_mark_removed: true,
        upload_only: common.signing_cert.cloned(),
        ..settings.clone()
    };
    let mut findings = Sink::new(&settings.overrides);
    let mut report = check::check_into(idp, None, settings, &mut findings)?;
    let Some(md) = &report.parsed else {
        return Err(SetupError::Unreadable);
    };

    let app_id = app_id(&idp);
    let spec = iam::Spec {
        metadata: md,
        metadata_bytes: idp.bytes,
        claims: common.claims,
        account: target.account,
        provider: target.provider,
        roles: target.roles,
        partition: target.partition,
        sign_in_regions: target.sign_in_regions,
        signing_cert: common.signing_cert,
        app_id: app_id.as_ref(),
        encryption: target.encryption,
    };
    findings.extend(claims::check(
        common.claims,
        &ClaimContext {
            target: Target::Iam,
            scim_username_source: common.scim_username_source.map(str::to_owned),
            role_owner: spec.role_owner(),
        },
    ));
    for region in target.sign_in_regions {
        if !crate::aws::names::Partition::is_known_region(region) {
            findings.push(
                Finding::new(
                    Code::IamSignInRegionUnknown,
                    format!(
                        "{region} is not an AWS Region samlbridge knows: its sign-in endpoint {} would be trusted and listed as a Reply URL",
                        target.partition.regional_signin_endpoint(region)
                    ),
                )
                .subject("sign-in regions"),
            );
        }
    }
    if target.roles.is_empty() {
        findings.push(
            Finding::new(
                Code::IamNoRoles,
                format!(
                    "no role is given: the provider {} is written, but no role trusts it",
                    spec.provider_arn()
                ),
            )
            .subject("roles"),
        );
    }
    let mut files = iam::build(&spec)?;
    if let Some(pem) = target.earlier_key {
        if files.get(iam::KEY_FILE).is_none() {
            files.add_private(iam::KEY_FILE, pem);
        }
    }
    let provider_arn = spec.provider_arn();
    rollover(
        &report,
        common,
        Service::Iam {
            provider_arn: &provider_arn,
            trimmed: common.signing_cert.is_some(),
        },
        settings,
        &mut files,
        &mut findings,
    );
    report.findings = findings.finish();
    Ok(Prepared { report, files })
}

/// How an `aws` job's files are written.
pub struct WriteSettings {
    pub out: std::path::PathBuf,
    /// Show the plan, write nothing.
    pub dry_run: bool,
    /// Replace files samlbridge wrote that were edited since.
    pub force: bool,
    /// Write although error-level findings stand.
    pub despite_errors: bool,
    /// Called after each temporary file is written (tests use it to interrupt a write).
    pub after_each_file: Option<fn(&str)>,
}

/// What happened to the files.
#[derive(Debug)]
pub enum Written {
    DryRun,
    /// Not written: error-level findings stand.
    BlockedByFindings,
    /// Not written: a file to write is the user's, or was edited since samlbridge wrote it.
    Refused(WriteError),
    /// Written: how many files the set holds now.
    Wrote {
        files: usize,
    },
}

/// What an `aws` job did: the checks, the files planned and what was written.
#[derive(Debug, Serialize)]
pub struct SetupReport {
    #[serde(flatten)]
    pub check: CheckReport,
    pub out_dir: String,
    /// Shown as `written`: whether the files were written.
    #[serde(rename = "written", serialize_with = "was_written")]
    pub outcome: Written,
    /// Shown as `files`: each file and what happened to it.
    #[serde(rename = "files", serialize_with = "planned_files")]
    pub plan: Plan,
    pub claims: ClaimMapping,
}

fn was_written<S: serde::Serializer>(outcome: &Written, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(matches!(outcome, Written::Wrote { .. }))
}

fn planned_files<S: serde::Serializer>(plan: &Plan, s: S) -> Result<S::Ok, S::Error> {
    plan.files.serialize(s)
}

impl SetupReport {
    pub fn status(&self) -> super::Status {
        match self.outcome {
            Written::Refused(_) => super::Status::Failed,
            _ => super::Status::of(&self.check.findings),
        }
    }
}

/// Writes a prepared job's files, unless a finding, a file of the user's or an edited file
/// stands in the way (then the plan says what would have changed).
pub fn write(
    prepared: Prepared,
    claims: ClaimMapping,
    settings: &WriteSettings,
) -> Result<SetupReport, WriteError> {
    let (plan, outcome) = write_files(&prepared.files, settings, prepared.has_errors())?;
    Ok(SetupReport {
        check: prepared.report,
        out_dir: settings.out.display().to_string(),
        outcome,
        plan,
        claims,
    })
}

/// Writes `files` into the output directory the way every command that writes a set does:
/// never over a file of the user's, over an edited one only with force, and not at all on a
/// dry run or when `blocked` (error-level findings stand) without `despite_errors`.
pub fn write_files(
    files: &FileSet,
    settings: &WriteSettings,
    blocked: bool,
) -> Result<(Plan, Written), WriteError> {
    let dir = settings.out.display().to_string();
    let mut plan = outdir::plan(&settings.out, files)?;
    let names = |names: Vec<&str>| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let outcome = if settings.dry_run {
        Written::DryRun
    } else if blocked && !settings.despite_errors {
        Written::BlockedByFindings
    } else if !plan.not_owned().is_empty() {
        Written::Refused(WriteError::NotOwned {
            dir,
            names: names(plan.not_owned()),
        })
    } else if !plan.edited().is_empty() && !settings.force {
        Written::Refused(WriteError::Edited {
            dir,
            names: names(plan.edited()),
        })
    } else {
        let options = WriteOptions {
            force: settings.force,
            after_each_file: settings.after_each_file,
        };
        plan = outdir::write(&settings.out, files, &options)?;
        let files = plan
            .files
            .iter()
            .filter(|f| !matches!(f.change, Change::Removed | Change::KeptEdited))
            .count();
        Written::Wrote { files }
    };
    Ok((plan, outcome))
}

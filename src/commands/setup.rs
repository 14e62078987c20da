//! The `aws` jobs: check everything (metadata, SP metadata, claims), build the configuration
//! set for the target, and add the rollover plan. Writing is the caller's choice, made from the
//! findings and the plan this returns.

use crate::aws::names::{AccountId, Partition, ProviderName, RoleName};
use crate::aws::Target;
use crate::cert::{CertPolicy, Thumbprint};
use crate::claims::{self, ClaimContext, ClaimMapping};
use crate::commands::check::{self, CheckError, CheckReport, CheckSettings, Input};
use crate::diag::{self, Finding};
use crate::metadata::{self, MetadataError};
use crate::write::outdir::FileSet;
use crate::write::rollover::{self, Trusted};
use crate::write::upload::TrimError;
use crate::write::{iam, identity_center};
use crate::xml;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SetupError {
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error("--signing-cert: {0}")]
    Trim(#[from] TrimError),
    #[error("the metadata could not be read, so nothing can be written")]
    Unreadable,
}

/// Options shared by both targets.
pub struct Common<'a> {
    pub claims: &'a ClaimMapping,
    pub scim_username_source: &'a str,
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

fn finish(
    mut report: CheckReport,
    mut extra: Vec<Finding>,
    settings: &CheckSettings,
    files: FileSet,
) -> Prepared {
    settings.overrides.apply(&mut extra);
    report.findings.extend(extra);
    diag::sort(&mut report.findings);
    Prepared { report, files }
}

fn rollover(
    report: &CheckReport,
    common: &Common<'_>,
    target: Target,
    settings: &CheckSettings,
    files: &mut FileSet,
    extra: &mut Vec<Finding>,
) {
    if let (Some(trusted), Some(md)) = (common.current_cert, &report.parsed) {
        let (text, findings) =
            rollover::plan(md, trusted, target, settings.now, common.cert_policy);
        files.add("ROLLOVER.md", text);
        extra.extend(findings);
    }
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
    let report = check::check(idp, Some(sp), settings)?;
    let (Some(md), Some(spm)) = (&report.parsed, &report.sp_metadata) else {
        return Err(SetupError::Unreadable);
    };
    let mut extra = claims::check(
        common.claims,
        &ClaimContext {
            target: Target::IdentityCenter,
            scim_username_source: common.scim_username_source.to_owned(),
            provider_arn: None,
        },
    );
    let (mut files, writer_findings) = identity_center::build(&identity_center::Inputs {
        metadata: md,
        metadata_bytes: idp.bytes,
        sp: spm,
        claims: common.claims,
        instance_arn,
        signing_cert: common.signing_cert,
        sign_on_url,
        scim_username_source: common.scim_username_source,
        now: settings.now,
    })?;
    extra.extend(writer_findings);
    rollover(
        &report,
        common,
        Target::IdentityCenter,
        settings,
        &mut files,
        &mut extra,
    );
    Ok(finish(report, extra, settings, files))
}

/// `samlbridge aws iam`.
pub fn iam(
    idp: Input<'_>,
    common: &Common<'_>,
    account: &AccountId,
    provider: &ProviderName,
    roles: &[RoleName],
    partition: Partition,
    settings: &CheckSettings,
) -> Result<Prepared, SetupError> {
    let mut report = check::check(idp, None, settings)?;
    // The files are written without the byte-order mark IAM refuses: the problem is solved.
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.code == crate::diag::Code::MetadataBom)
    {
        f.severity = crate::diag::Severity::Info;
        f.message = format!(
            "{}; samlbridge writes idp-metadata.xml and saml-provider.json without it",
            f.message
        );
    }
    let Some(md) = &report.parsed else {
        return Err(SetupError::Unreadable);
    };

    let inputs = iam::Inputs {
        metadata: md,
        metadata_bytes: idp.bytes,
        claims: common.claims,
        account,
        provider,
        roles,
        partition,
        signing_cert: common.signing_cert,
    };
    let mut extra = claims::check(
        common.claims,
        &ClaimContext {
            target: Target::Iam,
            scim_username_source: common.scim_username_source.to_owned(),
            provider_arn: Some(inputs.provider_arn()),
        },
    );
    let mut files = iam::build(&inputs)?;
    rollover(
        &report,
        common,
        Target::Iam,
        settings,
        &mut files,
        &mut extra,
    );
    Ok(finish(report, extra, settings, files))
}

/// Parses SP metadata for callers that only need it checked.
pub fn read_sp(input: Input<'_>) -> Result<metadata::SpMetadata, CheckError> {
    xml::parse(input.bytes)
        .map_err(MetadataError::from)
        .and_then(|d| metadata::sp(&d))
        .map_err(|error| CheckError {
            name: input.name.to_owned(),
            error,
        })
}

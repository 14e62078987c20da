//! The `check` job: read IdP metadata (and optionally SP metadata), run every check, and
//! return a report for a renderer. Also what `fetch` runs on what it downloaded.

use crate::aws::{Target, TargetChoice};
use crate::cert::{CertPolicy, Certificate, KeyKind, Thumbprint};
use crate::claims::{ClaimContext, ClaimMapping};
use crate::diag::{self, Code, Finding, Overrides, Sink};
use crate::input::{Document, Input};
use crate::metadata::{
    self, IdpKind, IdpMetadata, MetadataError, SignatureStatus, SpMetadata, WsFedRole,
};
use crate::xml;
use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;

/// Everything the check job needs besides the documents.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub target: Option<Target>,
    pub pin: Option<Thumbprint>,
    pub cert_policy: CertPolicy,
    pub now: DateTime<Utc>,
    /// Which entity to use when an EntitiesDescriptor describes several identity providers.
    pub entity_id: Option<String>,
    pub overrides: Overrides,
    /// The metadata is written for upload without its byte-order mark (`aws iam`), so a mark
    /// in the document as given is no longer a problem.
    pub byte_order_mark_removed: bool,
    /// `aws … --signing-cert`: the metadata written for upload keeps only this certificate.
    pub upload_only: Option<Thumbprint>,
}

/// The input could not be checked at all (exit code 2).
#[derive(Debug, Error)]
#[error("{name}: {error}")]
pub struct CheckError {
    pub name: String,
    #[source]
    pub error: MetadataError,
}

impl CheckError {
    /// The document was refused for a DTD or an entity: the checks report that as a finding.
    pub fn is_dtd(&self) -> bool {
        matches!(&self.error, MetadataError::Xml(e) if e.is_dtd_or_entity())
    }
}

/// Where a certificate stands at the instant judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertStatus {
    Valid,
    Expired,
    NotYetValid,
}

/// One certificate, as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub common_name: String,
    pub issuer: String,
    pub serial: String,
    pub sha1: String,
    pub sha256: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub days_left: i64,
    pub status: CertStatus,
    pub key: KeyKind,
    pub signature_algorithm: String,
    /// Its key signed the metadata document.
    pub signs_document: bool,
    /// The most recently issued of the listed certificates.
    pub newest: bool,
}

impl CertSummary {
    pub fn new(c: &Certificate, now: DateTime<Utc>) -> Self {
        CertSummary {
            subject: c.subject.clone(),
            common_name: c.common_name(),
            issuer: c.issuer.clone(),
            serial: c.serial.clone(),
            sha1: c.sha1.to_string(),
            sha256: c.sha256.to_string(),
            not_before: c.not_before,
            not_after: c.not_after,
            days_left: c.days_left(now),
            status: if now >= c.not_after {
                CertStatus::Expired
            } else if now < c.not_before {
                CertStatus::NotYetValid
            } else {
                CertStatus::Valid
            },
            key: c.key.clone(),
            signature_algorithm: c.signature_algorithm.clone(),
            signs_document: false,
            newest: false,
        }
    }
}

/// The IdP metadata as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataSummary {
    pub entity_id: String,
    #[serde(flatten)]
    pub kind: IdpKind,
    pub signature: SignatureStatus,
    pub valid_until: Option<DateTime<Utc>>,
    pub sso_services: Vec<metadata::Endpoint>,
    pub slo_services: Vec<metadata::Endpoint>,
    pub name_id_formats: Vec<String>,
    pub wsfed_roles: Vec<WsFedRole>,
    /// Characters in the document (what AWS's limits count).
    pub characters: usize,
    pub byte_order_mark: bool,
}

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub source: String,
    /// When the document was fetched: the URL that answered, after redirects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whose limits were applied (`target`, `target_from`).
    #[serde(flatten)]
    pub target: TargetChoice,
    /// Absent when the document was refused before it could be read (a DTD).
    pub metadata: Option<MetadataSummary>,
    pub certificates: Vec<CertSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_metadata: Option<SpMetadata>,
    pub findings: Vec<Finding>,
    /// The parsed metadata, for jobs that go on to write configuration.
    #[serde(skip)]
    pub parsed: Option<IdpMetadata>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        diag::has_errors(&self.findings)
    }

    pub fn status(&self) -> super::Status {
        super::Status::of(&self.findings)
    }
}

/// Reads and verifies IdP metadata without running the checks.
pub fn read_idp(input: Input<'_>, settings: &CheckSettings) -> Result<IdpMetadata, MetadataError> {
    let arena = xml::Arena::new();
    let doc = metadata::parse_document(input.bytes, &arena)?;
    let mut md = metadata::idp(&doc, settings.entity_id.as_deref())?;
    let verdict = metadata::signature::verify(input.bytes, &doc, &md.keys, settings.pin.as_ref());
    md.signature = verdict.status;
    md.signature_sha1 = verdict.sha1;
    Ok(md)
}

/// The finding for a document that a redirect brought from another host (or another port of
/// the same host): `None` when it came from where it was asked for. `name` names the
/// requested URL.
pub fn redirect_finding(name: &str, requested: &url::Url, answered: &url::Url) -> Option<Finding> {
    let origin = |u: &url::Url| (u.host().map(|h| h.to_owned()), u.port_or_known_default());
    (origin(requested) != origin(answered)).then(|| {
        Finding::new(
            Code::MetadataRedirectOtherHost,
            format!(
                "redirected to {answered}: the document came from {}, not {}",
                authority(answered),
                authority(requested)
            ),
        )
        .subject(name.to_owned())
    })
}

/// `host` or `host:port`, as a URL names its server.
fn authority(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or_default();
    match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The finding for a document refused for carrying a DTD or an entity.
pub fn dtd_finding(name: &str, error: &xml::XmlError) -> Finding {
    Finding::new(Code::XmlDtd, error.to_string()).subject(name.to_owned())
}

/// Runs the check job on IdP metadata and, optionally, IAM Identity Center's SP metadata.
pub fn check(
    idp: Input<'_>,
    sp: Option<Input<'_>>,
    settings: &CheckSettings,
) -> Result<CheckReport, CheckError> {
    let mut findings = Sink::new(&settings.overrides);
    let mut report = check_into(idp, sp, settings, &mut findings)?;
    report.findings = findings.finish();
    Ok(report)
}

/// [`check`], its findings gathered in `findings` for the caller to add its own to.
pub(crate) fn check_into(
    idp: Input<'_>,
    sp: Option<Input<'_>>,
    settings: &CheckSettings,
    findings: &mut Sink<'_>,
) -> Result<CheckReport, CheckError> {
    // The service provider's metadata comes first: its entityID may say which target's
    // limits apply to the IdP metadata.
    let sp_name = sp.map(|sp| sp.name);
    let sp = match sp {
        None => None,
        Some(sp) => match metadata::parse_document(sp.bytes, &xml::Arena::new())
            .and_then(|d| metadata::sp(&d))
        {
            Ok(spm) => Some(Ok(spm)),
            Err(MetadataError::Xml(e)) if e.is_dtd_or_entity() => {
                Some(Err(dtd_finding(sp.name, &e)))
            }
            Err(error) => {
                return Err(CheckError {
                    name: sp.name.to_owned(),
                    error,
                })
            }
        },
    };
    let sp_entity = sp
        .as_ref()
        .and_then(|s| s.as_ref().ok())
        .map(|s| s.entity_id.as_str());
    let target = TargetChoice::choose(settings.target, sp_entity);
    if let (Some(given), Some(shown)) =
        (settings.target, sp_entity.and_then(Target::of_sp_entity_id))
    {
        if given != shown {
            return Err(CheckError {
                name: sp_name.unwrap_or_default().to_owned(),
                error: MetadataError::OtherTarget { given, sp: shown },
            });
        }
    }
    let mut report = CheckReport {
        source: idp.name.to_owned(),
        url: idp.url.map(ToString::to_string),
        target,
        metadata: None,
        certificates: Vec::new(),
        sp_metadata: None,
        findings: Vec::new(),
        parsed: None,
    };
    if let (Some(requested), Some(answered)) = (idp.requested_url, idp.url) {
        findings.extend(redirect_finding(idp.name, requested, answered));
    }
    if target.target().is_none() {
        findings.push(
            Finding::new(
                Code::TargetUnknown,
                "no AWS target: IAM Identity Center's limits (75,000 characters, no encryption key) and IAM's (1,000 to 10,000,000 characters, no byte-order mark) were not applied",
            )
            .subject(idp.name.to_owned()),
        );
    }

    match read_idp(idp, settings) {
        Ok(md) => {
            let opts = metadata::CheckOptions {
                target: target.target(),
                cert_policy: settings.cert_policy,
                now: settings.now,
                source_url: idp.url.cloned(),
                byte_order_mark_removed: settings.byte_order_mark_removed,
                upload_only: settings.upload_only.clone(),
            };
            findings.extend(metadata::check_idp(&md, idp.bytes, &opts));
            report.certificates = summarize_certificates(&md, settings.now);
            report.metadata = Some(summarize(&md, idp.bytes));
            report.parsed = Some(md);
        }
        Err(MetadataError::Xml(e)) if e.is_dtd_or_entity() => {
            findings.push(dtd_finding(idp.name, &e))
        }
        Err(error) => {
            return Err(CheckError {
                name: idp.name.to_owned(),
                error,
            })
        }
    }

    match sp {
        Some(Ok(spm)) => {
            findings.extend(metadata::check_sp(&spm));
            report.sp_metadata = Some(spm);
        }
        Some(Err(dtd)) => findings.push(dtd),
        None => {}
    }

    Ok(report)
}

fn summarize(md: &IdpMetadata, raw: &[u8]) -> MetadataSummary {
    let bom = raw.starts_with(b"\xEF\xBB\xBF");
    MetadataSummary {
        entity_id: md.entity_id.clone(),
        kind: md.kind.clone(),
        signature: md.signature.clone(),
        valid_until: md.valid_until,
        sso_services: md.sso_services.clone(),
        slo_services: md.slo_services.clone(),
        name_id_formats: md.name_id_formats.clone(),
        wsfed_roles: md.wsfed_roles.clone(),
        characters: String::from_utf8_lossy(if bom { &raw[3..] } else { raw })
            .chars()
            .count(),
        byte_order_mark: bom,
    }
}

/// One summary per distinct signing certificate, in document order.
pub fn summarize_certificates(md: &IdpMetadata, now: DateTime<Utc>) -> Vec<CertSummary> {
    let certs = md.distinct_signing_certificates();
    let newest = certs.iter().map(|c| c.not_before).max();
    let signer = md.signature.signer();
    certs
        .iter()
        .map(|c| {
            let mut s = CertSummary::new(c, now);
            s.signs_document = signer == Some(s.sha256.as_str());
            s.newest = certs.len() > 1 && Some(c.not_before) == newest;
            s
        })
        .collect()
}

/// Parses service-provider metadata without checking it (`validate` reads its entityID and
/// ACS URLs).
pub fn read_sp(input: Input<'_>) -> Result<metadata::SpMetadata, CheckError> {
    metadata::parse_document(input.bytes, &xml::Arena::new())
        .and_then(|d| metadata::sp(&d))
        .map_err(|error| CheckError {
            name: input.name.to_owned(),
            error,
        })
}

/// What `check` is given: IdP metadata and, optionally, the service provider's metadata and
/// a claim mapping to check for the target; or a claim mapping alone.
pub struct CheckJob {
    pub metadata: Option<Document>,
    pub sp_metadata: Option<Document>,
    pub claims: Option<ClaimsCheck>,
    pub settings: CheckSettings,
}

/// A claim mapping to check: where it came from, and the context its rules need.
pub struct ClaimsCheck {
    pub name: String,
    pub mapping: ClaimMapping,
    pub context: ClaimContext,
}

/// `samlbridge check`.
pub fn run(job: &CheckJob) -> Result<CheckReport, CheckError> {
    let mut findings = Sink::new(&job.settings.overrides);
    let mut report = match &job.metadata {
        Some(metadata) => check_into(
            metadata.input(),
            job.sp_metadata.as_ref().map(Document::input),
            &job.settings,
            &mut findings,
        )?,
        None => CheckReport {
            source: job
                .claims
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            url: None,
            target: TargetChoice::choose(
                job.settings.target,
                job.sp_metadata
                    .as_ref()
                    .and_then(|d| read_sp(d.input()).ok())
                    .map(|sp| sp.entity_id)
                    .as_deref(),
            ),
            metadata: None,
            certificates: Vec::new(),
            sp_metadata: None,
            findings: Vec::new(),
            parsed: None,
        },
    };
    if let Some(c) = &job.claims {
        findings.extend(crate::claims::check(&c.mapping, &c.context));
    }
    report.findings = findings.finish();
    Ok(report)
}

/// The first error-level finding whose code means the document cannot be trusted at all (a
/// DTD, a broken or foreign signature, …): such a document is not saved without `--force`.
pub fn unsafe_to_save(findings: &[Finding]) -> Option<Code> {
    findings
        .iter()
        .find(|f| f.severity == diag::Severity::Error && !f.code.info().allowable)
        .map(|f| f.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_is_a_finding_only_to_another_server() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        let asked = url("https://login.microsoftonline.com/t/federationmetadata.xml?appid=a");
        for same in [
            "https://login.microsoftonline.com/t/other.xml",
            "https://LOGIN.microsoftonline.com:443/t/federationmetadata.xml",
        ] {
            assert!(
                redirect_finding("md", &asked, &url(same)).is_none(),
                "{same}"
            );
        }
        for other in [
            "https://login.microsoftonline.com.evil.test/t/federationmetadata.xml",
            "https://login.microsoftonline.com:8443/t/federationmetadata.xml",
            "https://127.0.0.1/t/federationmetadata.xml",
        ] {
            let f = redirect_finding("md", &asked, &url(other)).expect(other);
            assert_eq!(f.code, Code::MetadataRedirectOtherHost);
            assert_eq!(f.subject.as_deref(), Some("md"));
            assert!(f.message.starts_with("redirected to "), "{}", f.message);
        }
    }
}

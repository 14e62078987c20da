//! `samlbridge validate`: build the trust (the IdP metadata's signing certificates and any
//! certificates given), then judge a stream of responses, handing each outcome to the
//! renderer as it comes.

use super::check::{self, CheckError, CheckSettings};
use super::Status;
use crate::aws::Target;
use crate::cert::{CertError, Certificate};
use crate::diag::{Finding, Overrides, Severity};
use crate::input::{self, Document, Listed, Listing, SourceError};
use crate::response::ValidateSettings;
use crate::response::{Batch, DecodeLimits, Outcome, Settled, Summary, TooManyKeys, TrustAnchors};
use chrono::{DateTime, Utc};
use std::io::Read;
use thiserror::Error;

/// The metadata cannot be trusted for validation.
#[derive(Debug, Error)]
pub enum TrustError {
    /// A finding about how the document was obtained stands at error level.
    #[error("not trusting the metadata {name}: {}", finding.message)]
    Refused { name: String, finding: Box<Finding> },
    #[error(transparent)]
    Check(#[from] CheckError),
    /// Service-provider metadata (Identity Center's), given where the IdP's belongs.
    #[error("{name} has no IDPSSODescriptor: it is not an identity provider's metadata")]
    NotIdentityProvider { name: String },
    #[error("{name}: its signing certificates hold {source}")]
    TooManyKeys {
        name: String,
        #[source]
        source: TooManyKeys,
    },
}

/// The metadata's trust: its signing certificates, its entityID (the issuer responses must
/// name), and a warning to show when how it was obtained deserves one.
pub struct MetadataTrust {
    pub anchors: TrustAnchors,
    pub entity_id: String,
    /// Its SingleSignOnService URLs: where service providers send requests.
    pub sso: Vec<String>,
    pub warning: Option<Finding>,
}

/// Trusts the signing certificates of IdP metadata. The document itself is not reported on
/// (that is `check`'s job), except a redirect to another host, which `overrides` may make an
/// error that refuses the document.
pub fn trust_metadata(
    doc: &Document,
    target: Option<Target>,
    now: DateTime<Utc>,
    overrides: &Overrides,
) -> Result<MetadataTrust, TrustError> {
    let mut warning = None;
    if let (Some(requested), Some(answered)) = (&doc.requested_url, &doc.url) {
        if let Some(finding) = check::redirect_finding(&doc.name, requested, answered) {
            let mut findings = [finding];
            overrides.apply(&mut findings);
            let [finding] = findings;
            match finding.severity {
                Severity::Error => {
                    return Err(TrustError::Refused {
                        name: doc.name.clone(),
                        finding: Box::new(finding),
                    })
                }
                Severity::Warning => warning = Some(finding),
                Severity::Info => {}
            }
        }
    }
    let settings = CheckSettings {
        target,
        pin: None,
        cert_policy: Default::default(),
        now,
        entity_id: None,
        overrides: Default::default(),
        byte_order_mark_removed: false,
        upload_only: None,
    };
    let idp = check::read_idp(doc.input(), &settings).map_err(|error| CheckError {
        name: doc.name.clone(),
        error,
    })?;
    if !idp.has_idp_descriptor {
        return Err(TrustError::NotIdentityProvider {
            name: doc.name.clone(),
        });
    }
    let anchors = TrustAnchors::from_metadata(&idp).map_err(|source| TrustError::TooManyKeys {
        name: doc.name.clone(),
        source,
    })?;
    Ok(MetadataTrust {
        anchors,
        sso: idp
            .sso_services
            .iter()
            .map(|e| e.location.clone())
            .collect(),
        entity_id: idp.entity_id,
        warning,
    })
}

/// A certificate file could not be trusted.
#[derive(Debug, Error)]
pub enum CertTrustError {
    #[error(transparent)]
    Unreadable(#[from] CertError),
    /// Certificate `number` (from 1) would make more distinct keys than are trusted at once.
    #[error("certificate #{number} makes {source}")]
    TooManyKeys {
        number: usize,
        #[source]
        source: TooManyKeys,
    },
}

/// Trusts every certificate of a PEM file; `label` names certificate `n` (from 1) in reports.
pub fn trust_pem(
    anchors: &mut TrustAnchors,
    pem: &[u8],
    label: impl Fn(usize) -> String,
) -> Result<(), CertTrustError> {
    for (i, cert) in Certificate::from_pem_all(pem)?.into_iter().enumerate() {
        anchors
            .add(label(i + 1), cert)
            .map_err(|source| CertTrustError::TooManyKeys {
                number: i + 1,
                source,
            })?;
    }
    Ok(())
}

/// What `validate` is given, besides its inputs.
pub struct ValidateJob {
    pub settings: ValidateSettings,
    pub limits: DecodeLimits,
    /// Threads validating at once.
    pub threads: usize,
}

/// Validates every listed input: `prepare` renders an outcome on the validating threads,
/// `emit` receives what the run keeps of each outcome and its rendering, in input order.
/// `stdin` opens standard input for an input named `-`.
pub fn run<R: Send, S: Read>(
    job: &ValidateJob,
    listing: Listing,
    stdin: impl Fn() -> S + Sync,
    prepare: impl Fn(&Outcome) -> R + Sync,
    emit: impl FnMut(Settled, R) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.threads)
        .build()
        .map_err(|e| std::io::Error::other(format!("starting the validation threads: {e}")))?;
    let load = |listed: &Result<Listed, SourceError>| match listed {
        Ok(listed) => {
            // Standard input locks per read: files are read in parallel, never behind its lock.
            let bytes = input::read_listed(listed, job.limits.max_total_bytes, None, &mut stdin())
                .map_err(|e| e.reason());
            (listed.source.to_string(), bytes)
        }
        Err(e) => (e.name().to_owned(), Err(e.reason())),
    };
    let size = |listed: &Result<Listed, SourceError>| listed.as_ref().map_or(0, |l| l.len);
    let no_response = |name: &str, bytes: &[u8]| {
        let capture = crate::capture::read(bytes).ok()?;
        let found = super::trace::first_problem(name, &capture, job.limits)?;
        let quoted = shlex::try_quote(name).map_or_else(|_| name.into(), |q| q.into_owned());
        Some(format!(
            "{found}. Run samlbridge trace {quoted} to see the whole sign-in"
        ))
    };
    Batch {
        limits: job.limits,
        settings: &job.settings,
        pool: &pool,
        no_response: &no_response,
    }
    .run(listing, size, load, prepare, emit)
}

/// How a validation run ended: unreadable inputs, or none at all, fail it; otherwise it is
/// clean only when AWS would accept every response.
pub fn status(summary: &Summary) -> Status {
    if summary.unreadable > 0 || summary.total() == 0 {
        Status::Failed
    } else if summary.all_accepted() {
        Status::Clean
    } else {
        Status::Findings
    }
}

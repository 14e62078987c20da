//! The signing-certificate rollover runbook: which certificate Entra signs with, which comes
//! next, and the order and dates of the steps that rotate without a sign-in outage.

use super::identity_center::signing_cert_files;
use super::markdown::{cell, code, shell};
use crate::cert::{CertPolicy, Certificate, Thumbprint};
use crate::diag::{Code, Finding, Severity};
use crate::metadata::{self, IdpMetadata};
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write;

/// The certificate AWS trusts today, as the user gave it.
#[derive(Debug, Clone)]
pub enum Trusted {
    Certificate(Box<Certificate>),
    Thumbprint(Thumbprint),
}

impl Trusted {
    fn matches(&self, c: &Certificate) -> bool {
        match self {
            Trusted::Certificate(t) => **t == *c,
            Trusted::Thumbprint(t) => c.matches(t),
        }
    }
}

/// Where AWS trusts the certificates, with what the steps name there.
#[derive(Debug, Clone, Copy)]
pub enum Service<'a> {
    IdentityCenter {
        /// The instance's Region, from its service-provider metadata.
        region: Option<&'a str>,
    },
    Iam {
        provider_arn: &'a str,
        /// This run's `idp-metadata.xml` holds only the `--signing-cert` certificate.
        trimmed: bool,
    },
}

impl Service<'_> {
    fn display_name(self) -> &'static str {
        match self {
            Service::IdentityCenter { .. } => "IAM Identity Center",
            Service::Iam { .. } => "IAM",
        }
    }
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The runbook (ROLLOVER.md) and findings about the trusted certificate.
pub fn runbook(
    md: &IdpMetadata,
    trusted: &Trusted,
    service: Service<'_>,
    now: DateTime<Utc>,
    policy: CertPolicy,
) -> (String, Vec<Finding>) {
    let certs = md.distinct_signing_certificates();
    let known = TrustedToday::find(&certs, trusted);
    let mut findings = trusted_findings(&known, now, policy);
    let signing = metadata::current_certificate(md, now);
    let next = certs
        .iter()
        .copied()
        .filter(|c| Some(*c) != signing && !trusted.matches(c) && c.not_after > now)
        .max_by_key(|c| c.not_before);

    let mut s = String::from("# Signing-certificate rollover\n\nWritten by samlbridge");
    let _ = writeln!(s, " on {} for {}.\n", day(now), service.display_name());
    table(&mut s, &known, signing, next, now);
    let Some(old) = known.cert else {
        let _ = writeln!(s, "AWS trusts a certificate the metadata does not list. Import the certificate Entra signs with into AWS **now**; sign-in is failing or about to.");
        return (s, findings);
    };
    let deadline = Deadline {
        expiry: old.not_after,
        now,
    };
    let Some(new) = next else {
        let _ = writeln!(s, "The metadata holds no other usable certificate.\n");
        let _ = writeln!(s, "1. **By {}**: in Entra, the application → Single sign-on → SAML Certificates → Edit → **New Certificate** (do not make it active yet). Fetch the metadata again and rerun samlbridge with `--current-cert` for the next steps.", deadline.by(30));
        return (s, findings);
    };
    match service {
        Service::IdentityCenter { region } => {
            let pem = signing_cert_files(md, now)
                .into_iter()
                .find(|(c, _)| c.sha256 == new.sha256)
                .map(|(_, name)| name);
            identity_center_steps(&mut s, old, new, pem.as_deref(), region, &deadline)
        }
        Service::Iam {
            provider_arn,
            trimmed,
        } => iam_steps(&mut s, old, new, provider_arn, trimmed, &deadline),
    }
    findings.extend(late_successor(old, new));
    (s, findings)
}

/// The certificate AWS trusts, as far as it is known: the one in the metadata it matches, or
/// the one the user gave; and how messages name it.
struct TrustedToday<'a> {
    cert: Option<&'a Certificate>,
    label: String,
    in_metadata: bool,
}

impl<'a> TrustedToday<'a> {
    fn find(certs: &[&'a Certificate], trusted: &'a Trusted) -> Self {
        let cert: Option<&Certificate> =
            certs
                .iter()
                .copied()
                .find(|c| trusted.matches(c))
                .or(match trusted {
                    Trusted::Certificate(c) => Some(c),
                    Trusted::Thumbprint(_) => None,
                });
        let label = match (trusted, cert) {
            (_, Some(c)) => format!("{} (SHA-1 {})", c.common_name(), c.sha1),
            (Trusted::Thumbprint(t), None) => format!("thumbprint {t}"),
            (Trusted::Certificate(_), None) => unreachable!("a given certificate is always known"),
        };
        TrustedToday {
            cert,
            label,
            in_metadata: certs.iter().any(|c| trusted.matches(c)),
        }
    }
}

/// A trusted certificate the metadata no longer lists, or one about to expire, is a sign-in
/// outage on its way whatever the runbook says.
fn trusted_findings(
    known: &TrustedToday<'_>,
    now: DateTime<Utc>,
    policy: CertPolicy,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let label = &known.label;
    if !known.in_metadata {
        findings.push(
            Finding::new(
                Code::CertTrustedMissing,
                format!("AWS trusts {label}, which the metadata no longer lists"),
            )
            .subject("--current-cert"),
        );
    }
    let Some(c) = known.cert else {
        return findings;
    };
    let left = c.days_left(now);
    if now >= c.not_after || left <= policy.warn_days {
        let severity = if left <= 7 {
            Severity::Error
        } else {
            Severity::Warning
        };
        let message = if now >= c.not_after {
            format!(
                "the trusted certificate {label} expired on {}",
                day(c.not_after)
            )
        } else {
            format!(
                "the trusted certificate {label} expires on {} ({left} days left)",
                day(c.not_after)
            )
        };
        findings.push(
            Finding::new(Code::CertTrustedExpiring, message)
                .severity(severity)
                .subject("--current-cert"),
        );
    }
    findings
}

/// The table of the certificates involved: trusted, signing and next.
fn table(
    s: &mut String,
    known: &TrustedToday<'_>,
    signing: Option<&Certificate>,
    next: Option<&Certificate>,
    now: DateTime<Utc>,
) {
    let _ = writeln!(s, "| | certificate | valid | |\n| --- | --- | --- | --- |");
    let row = |s: &mut String, what: &str, c: &Certificate| {
        let _ = writeln!(
            s,
            "| {what} | {} SHA-1 `{}` | {} to {} | {} days left |",
            cell(&c.common_name()),
            c.sha1,
            day(c.not_before),
            day(c.not_after),
            c.days_left(now)
        );
    };
    match known.cert {
        Some(c) => row(s, "trusted by AWS today", c),
        None => {
            let _ = writeln!(
                s,
                "| trusted by AWS today | {} | not in the metadata | |",
                cell(&known.label)
            );
        }
    }
    match signing {
        Some(c) => row(s, "Entra signs with (it signed the metadata)", c),
        None => {
            let _ = writeln!(
                s,
                "| Entra signs with | unknown: the metadata signature did not name it | | |"
            );
        }
    }
    if let Some(c) = next {
        row(s, "next", c);
    }
    s.push('\n');
}

/// Dates counted back from the trusted certificate's expiry; one already past is due now.
struct Deadline {
    expiry: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Deadline {
    fn by(&self, days: i64) -> String {
        let d = self.expiry - Duration::days(days);
        if d < self.now {
            format!("now (was due {})", day(d))
        } else {
            day(d)
        }
    }

    /// The first day the new certificate may be made active in Entra.
    fn activate_from(&self, new: &Certificate) -> String {
        day(new.not_before.max(self.now))
    }
}

/// Identity Center trusts every certificate imported into it.
fn identity_center_steps(
    s: &mut String,
    old: &Certificate,
    new: &Certificate,
    pem: Option<&str>,
    region: Option<&str>,
    deadline: &Deadline,
) {
    let console = match region {
        Some(r) => format!("IAM Identity Center console (Region {})", code(r)),
        None => "IAM Identity Center console".to_owned(),
    };
    let file = match pem {
        Some(name) => format!("{} (", code(name)),
        None => "the new certificate (its PEM is in `idp-settings.json`; ".to_owned(),
    };
    let _ = writeln!(s, "Identity Center trusts every imported certificate, so import the new one first; then switch Entra to it; then remove the old one.\n");
    let _ = writeln!(s, "1. **By {}**: {console} → Settings → Identity source → Actions → Manage authentication → Manage certificates → **Import** {file}SHA-1 `{}`).", deadline.by(14), new.sha1);
    let _ = writeln!(s, "2. **Between {} and {}**: in Entra, SAML Certificates → the new certificate (SHA-1 `{}`) → **Make certificate active**.", deadline.activate_from(new), deadline.by(7), new.sha1);
    let _ = writeln!(s, "3. **Right after**: sign in once, capture the response and check that `samlbridge validate` reports it verified by the new certificate.");
    let _ = writeln!(s, "4. **After that, before {}**: remove the old certificate (SHA-1 `{}`) from Identity Center, and delete it in Entra.", day(old.not_after), old.sha1);
}

/// IAM trusts the certificates in the provider's metadata document.
fn iam_steps(
    s: &mut String,
    old: &Certificate,
    new: &Certificate,
    provider_arn: &str,
    trimmed: bool,
    deadline: &Deadline,
) {
    // The provider ARN is built from checked names; quoting is the second lock.
    let update = code(&format!(
        "aws iam update-saml-provider --saml-provider-arn {} --saml-metadata-document file://idp-metadata.xml",
        shell(provider_arn).unwrap_or_default()
    ));
    let both = if trimmed {
        "(this set's `idp-metadata.xml` holds only the `--signing-cert` certificate: rerun the `samlbridge aws iam` command that wrote it without `--signing-cert` first)"
    } else {
        "(this set's `idp-metadata.xml` lists both)"
    };
    let _ = writeln!(s, "IAM trusts the certificates in the provider's metadata document, so give it both, switch Entra, then keep only the new one.\n");
    let _ = writeln!(s, "1. **By {}**: update the provider with metadata holding both certificates: {update} {both}.", deadline.by(14));
    let _ = writeln!(s, "2. **Between {} and {}**: in Entra, SAML Certificates → the new certificate (SHA-1 `{}`) → **Make certificate active**.", deadline.activate_from(new), deadline.by(7), new.sha1);
    let _ = writeln!(s, "3. **Right after**: sign in once and check with `samlbridge validate` that the new certificate verified the response.");
    let _ = writeln!(s, "4. **After that, before {}**: rerun the `samlbridge aws iam` command that wrote this directory with `--signing-cert {}` added, so `idp-metadata.xml` holds only the new certificate, and update the provider with it: {update}.", day(old.not_after), new.sha256);
}

/// The steps need a week between the new certificate becoming valid and the old one
/// expiring; less leaves no time to switch.
fn late_successor(old: &Certificate, new: &Certificate) -> Option<Finding> {
    let deadline = old.not_after;
    (new.not_before > deadline - Duration::days(7)).then(|| {
        Finding::new(
            Code::CertTrustedExpiring,
            format!(
                "the next certificate becomes valid on {}, too close to the trusted one's expiry on {}",
                day(new.not_before),
                day(deadline)
            ),
        )
        .subject("--current-cert")
    })
}

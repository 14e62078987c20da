//! The signing-certificate rollover runbook: which certificate Entra signs with, which comes
//! next, and the order and dates of the steps that rotate without a sign-in outage.

use super::markdown::cell;
use crate::aws::Target;
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

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The runbook (ROLLOVER.md) and findings about the trusted certificate.
pub fn runbook(
    md: &IdpMetadata,
    trusted: &Trusted,
    target: Target,
    now: DateTime<Utc>,
    policy: CertPolicy,
) -> (String, Vec<Finding>) {
    let mut findings = Vec::new();
    let certs = md.distinct_signing_certificates();
    let trusted_cert: Option<&Certificate> =
        certs
            .iter()
            .copied()
            .find(|c| trusted.matches(c))
            .or(match trusted {
                Trusted::Certificate(c) => Some(c),
                Trusted::Thumbprint(_) => None,
            });
    let in_metadata = certs.iter().any(|c| trusted.matches(c));
    let label = match (trusted, trusted_cert) {
        (_, Some(c)) => format!("{} (SHA-1 {})", c.common_name(), c.sha1),
        (Trusted::Thumbprint(t), None) => format!("thumbprint {t}"),
        (Trusted::Certificate(_), None) => unreachable!("a given certificate is always known"),
    };
    if !in_metadata {
        findings.push(
            Finding::new(
                Code::CertTrustedMissing,
                format!("AWS trusts {label}, which the metadata no longer lists"),
            )
            .subject("--current-cert"),
        );
    }
    if let Some(c) = trusted_cert {
        let left = c.days_left(now);
        if now >= c.not_after || left <= policy.warn_days {
            let severity = if left <= 7 {
                Severity::Error
            } else {
                Severity::Warning
            };
            findings.push(
                Finding::new(
                    Code::CertTrustedExpiring,
                    if now >= c.not_after {
                        format!(
                            "the trusted certificate {label} expired on {}",
                            day(c.not_after)
                        )
                    } else {
                        format!(
                            "the trusted certificate {label} expires on {} ({left} days left)",
                            day(c.not_after)
                        )
                    },
                )
                .severity(severity)
                .subject("--current-cert"),
            );
        }
    }

    let signing = metadata::current_certificate(md, now);
    let next = certs
        .iter()
        .copied()
        .filter(|c| Some(*c) != signing && !trusted.matches(c) && c.not_after > now)
        .max_by_key(|c| c.not_before);

    let mut s = String::from("# Signing-certificate rollover\n\nWritten by samlbridge");
    let _ = writeln!(s, " on {} for {}.\n", day(now), target.display_name());
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
    match trusted_cert {
        Some(c) => row(&mut s, "trusted by AWS today", c),
        None => {
            let _ = writeln!(
                s,
                "| trusted by AWS today | {} | not in the metadata | |",
                cell(&label)
            );
        }
    }
    match signing {
        Some(c) => row(&mut s, "Entra signs with (it signed the metadata)", c),
        None => {
            let _ = writeln!(
                s,
                "| Entra signs with | unknown: the metadata signature did not name it | | |"
            );
        }
    }
    if let Some(c) = next {
        row(&mut s, "next", c);
    }
    s.push('\n');

    let Some(old) = trusted_cert else {
        let _ = writeln!(s, "AWS trusts a certificate the metadata does not list. Import the certificate Entra signs with into AWS **now**; sign-in is failing or about to.");
        return (s, findings);
    };
    let deadline = old.not_after;
    let by = |days: i64| {
        let d = deadline - Duration::days(days);
        if d < now {
            format!("now (was due {})", day(d))
        } else {
            day(d)
        }
    };
    let Some(new) = next else {
        let _ = writeln!(s, "The metadata holds no other usable certificate.\n");
        let _ = writeln!(s, "1. **By {}**: in Entra, the application → Single sign-on → SAML Certificates → Edit → **New Certificate** (do not make it active yet). Fetch the metadata again and rerun samlbridge with `--current-cert` for the next steps.", by(30));
        return (s, findings);
    };
    let activate_from = new.not_before.max(now);
    match target {
        Target::IdentityCenter => {
            let _ = writeln!(s, "Identity Center trusts every imported certificate, so import the new one first; then switch Entra to it; then remove the old one.\n");
            let _ = writeln!(s, "1. **By {}**: IAM Identity Center → Settings → Identity source → Actions → Manage authentication → Manage certificates → **Import** the new certificate (SHA-1 `{}`; its PEM is in `idp-settings.json`, or run `samlbridge aws identity-center … --signing-cert {}`).", by(14), new.sha1, new.sha256);
            let _ = writeln!(s, "2. **Between {} and {}**: in Entra, SAML Certificates → the new certificate → **Make certificate active**.", day(activate_from), by(7));
            let _ = writeln!(s, "3. **Right after**: sign in once, capture the response and check that `samlbridge validate` reports it verified by the new certificate.");
            let _ = writeln!(s, "4. **After that, before {}**: remove the old certificate (SHA-1 `{}`) from Identity Center, and delete it in Entra.", day(deadline), old.sha1);
        }
        Target::Iam => {
            let _ = writeln!(s, "IAM trusts the certificates in the provider's metadata document, so give it both, switch Entra, then keep only the new one.\n");
            let _ = writeln!(s, "1. **By {}**: update the provider with metadata holding both certificates: `aws iam update-saml-provider --saml-provider-arn <provider ARN> --saml-metadata-document file://idp-metadata.xml` (this set's `idp-metadata.xml` lists both).", by(14));
            let _ = writeln!(s, "2. **Between {} and {}**: in Entra, SAML Certificates → the new certificate → **Make certificate active**.", day(activate_from), by(7));
            let _ = writeln!(s, "3. **Right after**: sign in once and check with `samlbridge validate` that the new certificate verified the response.");
            let _ = writeln!(s, "4. **After that, before {}**: write metadata with only the new certificate (`samlbridge aws iam … --signing-cert {}`) and update the provider with it.", day(deadline), new.sha256);
        }
    }
    if new.not_before > deadline - Duration::days(7) {
        findings.push(
            Finding::new(
                Code::CertTrustedExpiring,
                format!(
                    "the next certificate becomes valid on {}, too close to the trusted one's expiry on {}",
                    day(new.not_before),
                    day(deadline)
                ),
            )
            .subject("--current-cert"),
        );
    }
    (s, findings)
}

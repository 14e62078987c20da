//! `--deny CODE` / `--allow CODE`: the user's say over a finding's level.

use super::{Code, Finding, Severity};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Deny,
    Allow,
}

/// Per-code level changes, applied to findings after the checks ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    levels: BTreeMap<Code, Level>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum OverrideError {
    #[error("unknown finding code '{name}'{} (samlbridge explain --list shows every code)", super::codes::did_you_mean(.name))]
    Unknown { name: String },
    #[error("'{0}' cannot be allowed: it means the document cannot be trusted at all")]
    NotAllowable(Code),
    #[error("'{0}' is both denied and allowed")]
    Conflict(Code),
}

impl Overrides {
    /// Builds overrides from the names given to `--deny` and `--allow`.
    pub fn new<S: AsRef<str>>(deny: &[S], allow: &[S]) -> Result<Self, OverrideError> {
        let mut levels = BTreeMap::new();
        for name in deny {
            let code = parse(name.as_ref())?;
            levels.insert(code, Level::Deny);
        }
        for name in allow {
            let code = parse(name.as_ref())?;
            if !code.info().allowable {
                return Err(OverrideError::NotAllowable(code));
            }
            if levels.insert(code, Level::Allow).is_some() {
                return Err(OverrideError::Conflict(code));
            }
        }
        Ok(Overrides { levels })
    }

    /// True when the user allowed `code`: checks that change behaviour (e.g. accepting SHA-1
    /// signatures) ask this.
    pub fn allows(&self, code: Code) -> bool {
        self.levels.get(&code) == Some(&Level::Allow)
    }

    /// Applies the levels: denied codes become errors, allowed codes informational.
    pub fn apply(&self, findings: &mut [Finding]) {
        for finding in findings {
            let target = match self.levels.get(&finding.code) {
                Some(Level::Deny) => Severity::Error,
                Some(Level::Allow) => Severity::Info,
                None => continue,
            };
            if finding.severity != target {
                finding.overridden = Some(finding.severity);
                finding.severity = target;
            }
        }
    }
}

fn parse(name: &str) -> Result<Code, OverrideError> {
    name.parse().map_err(|_| OverrideError::Unknown {
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_raises_and_allow_lowers() {
        let overrides = Overrides::new(&["cert-expiring"], &["metadata-unsigned"]).unwrap();
        let mut findings = vec![
            Finding::new(Code::CertExpiring, "soon"),
            Finding::new(Code::MetadataUnsigned, "no signature"),
            Finding::new(Code::CertExpired, "expired"),
        ];
        overrides.apply(&mut findings);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].overridden, Some(Severity::Warning));
        assert_eq!(findings[1].severity, Severity::Info);
        assert_eq!(findings[2].severity, Severity::Error);
        assert_eq!(findings[2].overridden, None);
        assert!(overrides.allows(Code::MetadataUnsigned));
        assert!(!overrides.allows(Code::CertExpiring));
    }

    #[test]
    fn refuses_unknown_unallowable_and_conflicting_codes() {
        assert_eq!(
            Overrides::new(&["no-such-code"], &[]),
            Err(OverrideError::Unknown {
                name: "no-such-code".into()
            })
        );
        let typo = Overrides::new(&["cert-expird"], &[])
            .unwrap_err()
            .to_string();
        assert!(
            typo.contains("; did you mean cert-expired, cert-expiring"),
            "{typo}"
        );
        assert_eq!(
            Overrides::new(&[], &["metadata-signature-invalid"]),
            Err(OverrideError::NotAllowable(Code::MetadataSignatureInvalid))
        );
        assert_eq!(
            Overrides::new(&["cert-expiring"], &["cert-expiring"]),
            Err(OverrideError::Conflict(Code::CertExpiring))
        );
    }
}

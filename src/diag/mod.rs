//! Findings: what every check returns, the registry of codes, and user overrides.

mod codes;
mod overrides;

pub use codes::{did_you_mean, Code, CodeInfo};
pub use overrides::{OverrideError, Overrides};

use serde::Serialize;
use std::fmt;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// What is wrong, with the values involved.
    pub message: String,
    /// What the finding is about: a certificate, an attribute, a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What to do about it.
    pub help: String,
    /// Set when `--deny` or `--allow` changed the severity the check gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Severity>,
    /// Set when the finding is about content no trusted signature covers: what the content
    /// says is wrong, though AWS would not read it at all.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
}

impl Finding {
    /// A finding at the code's default severity, with the registry's fix as help.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.info().severity,
            message: message.into(),
            subject: None,
            help: code.info().fix.to_owned(),
            overridden: None,
            unverified: false,
        }
    }

    /// Marks the finding as read from content no trusted signature covers.
    pub fn unverified(mut self) -> Self {
        self.unverified = true;
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Replaces the registry's generic fix with advice for this case.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// Sets the severity the check judged for this case (before user overrides).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// How many findings have `severity`.
pub fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

/// Whether any finding is at error level: the exit-code rule.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Where a command gathers its findings from every check it runs: the user's `--deny` and
/// `--allow` are applied, and the findings sorted, once, when the command is done.
pub struct Sink<'o> {
    overrides: &'o Overrides,
    findings: Vec<Finding>,
}

impl<'o> Sink<'o> {
    pub fn new(overrides: &'o Overrides) -> Self {
        Sink {
            overrides,
            findings: Vec::new(),
        }
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// The findings with the overrides applied, most severe first.
    pub fn finish(mut self) -> Vec<Finding> {
        self.overrides.apply(&mut self.findings);
        sort(&mut self.findings);
        self.findings
    }
}

impl Extend<Finding> for Sink<'_> {
    fn extend<I: IntoIterator<Item = Finding>>(&mut self, findings: I) {
        self.findings.extend(findings);
    }
}

/// Sorts findings most severe first, keeping each check's order otherwise.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
}

/// A run's verdict, as every output format gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// The job could not be done (exit code 2).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// The verdict on a set of findings: it fails on any error-level finding.
pub fn verdict(findings: &[Finding]) -> Verdict {
    if has_errors(findings) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}

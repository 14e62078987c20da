//! One module per command: each takes settings, does the job and returns a typed report for a
//! renderer. Nothing here prints or reads the clock; HTTP clients and standard input are
//! passed in.

pub mod check;
pub mod entra_export;
pub mod fetch;
pub mod fleet;
pub mod preflight;
pub mod setup;
pub mod trace;
pub mod validate;

use crate::diag::{self, Finding};

/// How a command ended; the binary maps it to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every check passed (warnings allowed).
    Clean,
    /// The job ran and found at least one error-level problem.
    Findings,
    /// The job could not be done (unreadable input, nothing written that should have been).
    Failed,
}

impl Status {
    /// The verdict the outputs give: only a clean run passes.
    pub fn verdict(self) -> diag::Verdict {
        match self {
            Status::Clean => diag::Verdict::Pass,
            Status::Findings => diag::Verdict::Fail,
            Status::Failed => diag::Verdict::Error,
        }
    }

    /// `Findings` when any finding is at error level, `Clean` otherwise.
    pub fn of(findings: &[Finding]) -> Status {
        if diag::has_errors(findings) {
            Status::Findings
        } else {
            Status::Clean
        }
    }
}

//! Output: human (coloured through ANSI styles that the binary's stream strips when it must,
//! with untrusted text escaped: see [`escape`]), JSON (one document per run) and SARIF.
//! Renderers build text from reports; they decide nothing.

pub mod escape;
pub mod human;
pub mod json;
pub mod sarif;

/// What the binary tells the renderers about the run, for the machine-readable documents: the
/// instant it judged at (`--now`, or the wall clock it read) and the directory artifact paths
/// are relative to in SARIF (the working directory as a `file://` URI ending in `/`).
#[derive(Debug, Clone)]
pub struct Context {
    pub judged_at: chrono::DateTime<chrono::Utc>,
    pub src_root: Option<url::Url>,
}

/// The output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

use crate::commands::check::CheckReport;
use crate::commands::fetch::FetchReport;
use crate::commands::fleet::FleetReport;
use crate::commands::setup::{SetupReport, Written};
use crate::commands::validate::{self, ValidateJob};
use crate::diag::{Code, Finding};
use crate::entra::AadstsCode;
use crate::input::Listing;
use crate::response::{InputError, Outcome, Settled, Summary};
use crate::write::outdir::{Plan, WriteError};
use std::io::{Read, Write};

/// A `check` (or the check part of another command's) report.
pub fn check(ctx: &Context, format: Format, command: &str, report: &CheckReport) -> String {
    match format {
        Format::Human => human::check(command, report),
        Format::Json => json::to_string(&json::document(ctx, command, &report.findings, report)),
        Format::Sarif => json::to_string(&sarif::document(ctx, &report.source, &report.findings)),
    }
}

/// `check --apps`.
pub fn fleet(ctx: &Context, format: Format, report: &FleetReport) -> String {
    let findings = report.findings();
    match format {
        Format::Human => human::fleet(report, &findings),
        Format::Json => json::to_string(&json::document(ctx, "check", &findings, report)),
        Format::Sarif => {
            let artifacts: Vec<(&str, &[Finding])> = report
                .apps
                .iter()
                .map(|a| (a.url.as_str(), a.findings.as_slice()))
                .collect();
            json::to_string(&sarif::document_for(ctx, &artifacts))
        }
    }
}

/// `fetch`: the check, then where the document went.
pub fn fetch(ctx: &Context, format: Format, report: &FetchReport) -> String {
    match format {
        Format::Json => json::to_string(&json::document(
            ctx,
            "fetch",
            &report.check.findings,
            report,
        )),
        _ => {
            let mut text = check(ctx, format, "fetch", &report.check);
            if format == Format::Human {
                text.push_str(&human::saved(report));
            }
            text
        }
    }
}

/// An `aws` command: the checks, then the files.
pub fn setup(ctx: &Context, format: Format, command: &str, report: &SetupReport) -> String {
    match format {
        Format::Json => {
            let mut doc = json::document(ctx, command, &report.check.findings, report);
            let outcome = write_outcome(&report.outcome, &report.plan, &report.out_dir);
            // Files refused (the user's own, or edited ones): the job was not done.
            if matches!(report.outcome, Written::Refused(_)) {
                doc["verdict"] = "error".into();
                doc["error"] = serde_json::json!({ "message": outcome });
            }
            doc["outcome"] = outcome.into();
            json::to_string(&doc)
        }
        _ => {
            let mut text = human::check(command, &report.check);
            text.push_str(&human::plan(
                &report.plan,
                &write_outcome(&report.outcome, &report.plan, &report.out_dir),
                matches!(report.outcome, Written::Wrote { .. }),
            ));
            text
        }
    }
}

/// What writing a set of files came to, in one sentence.
fn write_outcome(outcome: &Written, plan: &Plan, out_dir: &str) -> String {
    match outcome {
        Written::DryRun => "dry run: nothing written".to_owned(),
        Written::BlockedByFindings => {
            "not written: error-level findings stand (fix them, or use --write-despite-errors)"
                .to_owned()
        }
        Written::Refused(why @ WriteError::Edited { names, .. }) => format!(
            "not written: {why} and replace {} with --force",
            if names.len() == 1 { "it" } else { "them" }
        ),
        Written::Refused(why) => format!("not written: {why}"),
        Written::Wrote { .. } => {
            use crate::write::outdir::Change;
            let count =
                |pick: fn(&Change) -> bool| plan.files.iter().filter(|f| pick(&f.change)).count();
            let written = count(|c| {
                matches!(
                    c,
                    Change::New | Change::Modified { .. } | Change::Edited { .. }
                )
            });
            let unchanged = count(|c| matches!(c, Change::Unchanged));
            let removed = count(|c| matches!(c, Change::Removed));
            if written == 0 && removed == 0 {
                format!(
                    "nothing to write: the {unchanged} files in {out_dir} are already as samlbridge writes them"
                )
            } else {
                let mut also = Vec::new();
                if unchanged > 0 {
                    also.push(format!("{unchanged} unchanged"));
                }
                if removed > 0 {
                    also.push(format!("{removed} removed"));
                }
                let also = if also.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", also.join(", "))
                };
                format!(
                    "wrote {written} file{} to {out_dir}{also}",
                    if written == 1 { "" } else { "s" },
                )
            }
        }
    }
}

/// `entra export`: what was read, then the files.
pub fn entra_export(
    ctx: &Context,
    format: Format,
    report: &crate::commands::entra_export::ExportReport,
) -> String {
    let outcome = write_outcome(&report.outcome, &report.plan, &report.out_dir);
    match format {
        Format::Json => {
            let mut doc = json::document(ctx, "entra export", &[], report);
            doc["verdict"] = report.status().verdict().as_str().into();
            if matches!(report.outcome, Written::Refused(_)) {
                doc["error"] = serde_json::json!({ "message": outcome });
            }
            doc["outcome"] = outcome.into();
            json::to_string(&doc)
        }
        _ => {
            let mut text = human::entra_export(report);
            text.push_str(&human::plan(
                &report.plan,
                &outcome,
                matches!(report.outcome, Written::Wrote { .. }),
            ));
            text
        }
    }
}

/// A run that could not do its job, as JSON or SARIF (human output says it on standard error
/// alone).
pub fn failure(ctx: &Context, format: Format, command: &str, message: &str) -> Option<String> {
    match format {
        Format::Json => Some(json::to_string(&json::failure(ctx, command, message))),
        Format::Sarif => Some(json::to_string(&sarif::failure(ctx, message))),
        Format::Human => None,
    }
}

/// `preflight`: the areas, the findings, then the users (only those with a problem unless
/// `all_users`).
pub fn preflight(
    ctx: &Context,
    format: Format,
    report: &crate::commands::preflight::PreflightReport,
    all_users: bool,
) -> String {
    match format {
        Format::Json => {
            let mut doc = json::document(ctx, "preflight", &report.findings, report);
            doc["verdict"] = report.status().verdict().as_str().into();
            json::to_string(&doc)
        }
        _ => human::preflight(report, all_users),
    }
}

/// The per-user table as CSV, for a spreadsheet.
pub fn preflight_csv(
    report: &crate::commands::preflight::PreflightReport,
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "entra_object_id",
        "user_principal_name",
        "display_name",
        "assigned_via",
        "name_id",
        "identity_center_user",
        "status",
        "problems",
    ])?;
    for u in &report.users {
        let codes: Vec<&str> = u.findings.iter().map(|f| f.code.as_str()).collect();
        let messages: Vec<&str> = u.findings.iter().map(|f| f.message.as_str()).collect();
        w.write_record([
            u.entra_id.as_str(),
            u.user_principal_name.as_deref().unwrap_or_default(),
            u.display_name.as_deref().unwrap_or_default(),
            u.assigned_via.as_str(),
            u.name_id.as_deref().unwrap_or_default(),
            u.identity_center_user.as_deref().unwrap_or_default(),
            if u.ok() {
                "ok"
            } else {
                codes.first().copied().unwrap_or("ok")
            },
            &messages.join("; "),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `trace`, with the receipt of a redacted copy when one was written.
pub fn trace(
    ctx: &Context,
    format: Format,
    report: &crate::commands::trace::TraceReport,
    receipt: Option<&crate::commands::trace::redact::Receipt>,
) -> String {
    match format {
        Format::Json => {
            let findings: Vec<Finding> = report.findings.clone();
            let mut doc = json::document(ctx, "trace", &findings, report);
            doc["verdict"] = report.status().verdict().as_str().into();
            if let Some(r) = receipt {
                doc["redacted"] = serde_json::to_value(r).unwrap_or_default();
            }
            json::to_string(&doc)
        }
        _ => human::trace(report, receipt),
    }
}

/// What `explain` was asked about: one of samlbridge's finding codes, or an Entra error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Finding(Code),
    Aadsts(AadstsCode),
}

/// `explain CODE`, or `explain --list` when `topic` is `None`.
pub fn explain(ctx: &Context, format: Format, topic: Option<Topic>) -> String {
    match (format, topic) {
        (Format::Json, None) => json::to_string(&json::explained(ctx, json::explain_list())),
        (Format::Json, Some(Topic::Finding(code))) => {
            json::to_string(&json::explained(ctx, json::code(code)))
        }
        (Format::Json, Some(Topic::Aadsts(code))) => {
            json::to_string(&json::explained(ctx, json::aadsts(code)))
        }
        (_, None) => human::code_list(),
        (_, Some(Topic::Finding(code))) => human::explain(code),
        (_, Some(Topic::Aadsts(code))) => human::explain_aadsts(code),
    }
}

/// Runs a validation with its report streamed to `out` as JSON: one document, written as
/// responses are judged. `unreadable` hears of every input that could not be read.
pub fn validate_json<S: Read>(
    ctx: &Context,
    job: &ValidateJob,
    listing: Listing,
    stdin: impl Fn() -> S + Sync,
    out: impl Write,
    unreadable: impl Fn(&InputError),
) -> std::io::Result<Summary> {
    let mut stream = json::ValidateStream::start(out, ctx)?;
    validate::run(
        job,
        listing,
        stdin,
        json::response_entry,
        |settled, entry| {
            if let Settled::Error(e) = &settled {
                unreadable(e);
            }
            stream.add(settled, &entry?)
        },
    )?;
    stream.finish()
}

/// [`validate_json`] for people: each response's report, then a summary line.
pub fn validate_human<S: Read>(
    job: &ValidateJob,
    listing: Listing,
    stdin: impl Fn() -> S + Sync,
    mut out: impl Write,
    unreadable: impl Fn(&InputError),
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let prepare = |outcome: &Outcome| match outcome {
        Outcome::Response(r) => human::validated_response(r),
        Outcome::Error(e) => human::validate_error(e),
    };
    validate::run(job, listing, stdin, prepare, |settled, text| {
        summary.add(&settled);
        if let Settled::Error(e) = &settled {
            unreadable(e);
        }
        out.write_all(human::for_terminal(&text).as_bytes())
    })?;
    out.write_all(human::for_terminal(&human::validate_summary(&summary)).as_bytes())?;
    out.flush()?;
    Ok(summary)
}

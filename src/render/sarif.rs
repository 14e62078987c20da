//! SARIF 2.1.0, for code-scanning dashboards. Paths are given relative to `%SRCROOT%` (the
//! working directory, which the binary passes in) so that a service can map them to its
//! checkout; documents elsewhere, and URLs, keep an absolute URI.

use super::Context;
use crate::diag::{Code, Finding, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Where the codes are documented, a heading per code: `doc/finding-codes.md`, written from the
/// same registry as `explain` and the rule's `help` (a test keeps it in step).
pub const CODES_DOC: &str =
    "https://github.com/samlbridge/samlbridge/blob/main/doc/finding-codes.md";

/// The base id SARIF consumers map to their checkout.
const SRCROOT: &str = "%SRCROOT%";

/// Where an analysed document is: an http(s) URL as it is; a path relative to `%SRCROOT%` when
/// it lies under it, else as an absolute `file://` URI. Standard input has no location.
fn artifact(ctx: &Context, name: &str) -> Option<ArtifactLocation> {
    if name.is_empty() || name == "<stdin>" {
        return None;
    }
    if let Ok(url) = url::Url::parse(name) {
        if matches!(url.scheme(), "https" | "http") {
            return Some(ArtifactLocation::builder().uri(url.as_str()).build());
        }
    }
    let root = ctx.src_root.as_ref()?;
    let base = root.to_file_path().ok()?;
    let path = lexically_normal(&base.join(name));
    let uri = url::Url::from_file_path(&path).ok()?;
    match uri.as_str().strip_prefix(root.as_str()) {
        Some(relative) if path.starts_with(&base) => Some(
            ArtifactLocation::builder()
                .uri(relative)
                .uri_base_id(SRCROOT)
                .build(),
        ),
        _ => Some(ArtifactLocation::builder().uri(uri.as_str()).build()),
    }
}

/// `path` without `.` and `..` components (it is absolute, so `..` removes the one before).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// One SARIF log with one run; `artifact` names the analysed document.
pub fn document(ctx: &Context, artifact: &str, findings: &[Finding]) -> serde_json::Value {
    document_for(ctx, &[(artifact, findings)])
}

/// The SARIF log of a run that could not do its job: no results, and an invocation that says
/// it failed and why.
pub fn failure(ctx: &Context, message: &str) -> serde_json::Value {
    let mut log = document_for(ctx, &[]);
    log["runs"][0]["invocations"] = serde_json::json!([{
        "executionSuccessful": false,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
    }]);
    log
}

/// One SARIF log with one run over several documents, each with its findings.
pub fn document_for(ctx: &Context, artifacts: &[(&str, &[Finding])]) -> serde_json::Value {
    let codes: BTreeSet<Code> = artifacts
        .iter()
        .flat_map(|(_, findings)| findings.iter().map(|f| f.code))
        .collect();
    let rules: Vec<ReportingDescriptor> = codes
        .iter()
        .map(|c| {
            let info = c.info();
            ReportingDescriptor::builder()
                .id(info.name)
                .short_description(
                    MultiformatMessageString::builder()
                        .text(info.summary)
                        .build(),
                )
                .full_description(
                    MultiformatMessageString::builder()
                        .text(format!("{} {}", info.why, info.fix))
                        .build(),
                )
                // What `samlbridge explain CODE` says, from the same registry entry.
                .help(
                    MultiformatMessageString::builder()
                        .text(format!(
                            "{}\n\nWhy: {}\n\nFix: {}\n\n(samlbridge explain {})",
                            info.summary, info.why, info.fix, info.name
                        ))
                        .build(),
                )
                .help_uri(format!("{CODES_DOC}#{}", info.name))
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = artifacts
        .iter()
        .flat_map(|(name, findings)| findings.iter().map(move |f| (*name, f)))
        .map(|(name, f)| {
            let text = match &f.subject {
                Some(s) => format!("{s}: {} ({})", f.message, f.help),
                None => format!("{} ({})", f.message, f.help),
            };
            let locations: Vec<Location> = artifact(ctx, name)
                .map(|at| {
                    Location::builder()
                        .physical_location(
                            PhysicalLocation::builder().artifact_location(at).build(),
                        )
                        .build()
                })
                .into_iter()
                .collect();
            SarifResult::builder()
                .rule_id(f.code.as_str())
                .level(level(f.severity))
                .message(Message::builder().text(text).build())
                .locations(locations)
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("samlbridge")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/samlbridge/samlbridge")
        .rules(rules)
        .build();
    let base_ids: BTreeMap<String, ArtifactLocation> = ctx
        .src_root
        .iter()
        .map(|root| {
            (
                SRCROOT.to_owned(),
                ArtifactLocation::builder().uri(root.as_str()).build(),
            )
        })
        .collect();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .original_uri_base_ids(base_ids)
        .results(results)
        .build();
    let log = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    serde_json::to_value(log).unwrap_or(serde_json::Value::Null)
}

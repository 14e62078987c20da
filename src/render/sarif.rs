//! SARIF 2.1.0, for code-scanning dashboards.

use crate::diag::{Code, Finding, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::BTreeSet;

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// One SARIF log with one run; `artifact` names the analysed document.
pub fn document(artifact: &str, findings: &[Finding]) -> serde_json::Value {
    document_for(&[(artifact, findings)])
}

/// The SARIF log of a run that could not do its job: no results, and an invocation that says
/// it failed and why.
pub fn failure(message: &str) -> serde_json::Value {
    let mut log = document_for(&[]);
    log["runs"][0]["invocations"] = serde_json::json!([{
        "executionSuccessful": false,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
    }]);
    log
}

/// One SARIF log with one run over several documents, each with its findings.
pub fn document_for(artifacts: &[(&str, &[Finding])]) -> serde_json::Value {
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
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = artifacts
        .iter()
        .flat_map(|(artifact, findings)| findings.iter().map(move |f| (*artifact, f)))
        .map(|(artifact, f)| {
            let text = match &f.subject {
                Some(s) => format!("{s}: {} ({})", f.message, f.help),
                None => format!("{} ({})", f.message, f.help),
            };
            SarifResult::builder()
                .rule_id(f.code.as_str())
                .level(level(f.severity))
                .message(Message::builder().text(text).build())
                .locations(vec![Location::builder()
                    .physical_location(
                        PhysicalLocation::builder()
                            .artifact_location(ArtifactLocation::builder().uri(artifact).build())
                            .build(),
                    )
                    .build()])
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("samlbridge")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/samlbridge/samlbridge")
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let log = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    serde_json::to_value(log).unwrap_or(serde_json::Value::Null)
}

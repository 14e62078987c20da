//! The JSON document: `{"tool","version","command","verdict","findings", …data}`.

use crate::diag::{self, Finding};
use serde::Serialize;
use serde_json::{Map, Value};

/// Builds the one JSON document a command prints. `data` must serialize to an object; its
/// fields are added beside the envelope's.
pub fn document<T: Serialize>(command: &str, findings: &[Finding], data: &T) -> Value {
    document_with_verdict(command, diag::verdict(findings), findings, data)
}

pub fn document_with_verdict<T: Serialize>(
    command: &str,
    verdict: &str,
    findings: &[Finding],
    data: &T,
) -> Value {
    let mut doc = Map::new();
    doc.insert("tool".into(), "samlbridge".into());
    doc.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    doc.insert("command".into(), command.into());
    doc.insert("verdict".into(), verdict.into());
    doc.insert(
        "findings".into(),
        serde_json::to_value(findings).unwrap_or(Value::Array(Vec::new())),
    );
    if let Ok(Value::Object(fields)) = serde_json::to_value(data) {
        for (k, v) in fields {
            if k != "findings" {
                doc.entry(k).or_insert(v);
            }
        }
    }
    Value::Object(doc)
}

/// Pretty JSON text with a trailing newline.
pub fn to_string(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

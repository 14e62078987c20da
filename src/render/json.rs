//! The JSON document: `{"tool","version","command","verdict","findings", …data}`.

use crate::diag::{self, Finding};
use serde::Serialize;
use serde_json::{Map, Value};

/// Builds the one JSON document a command prints. `data` must serialize to an object; its
/// fields are added beside the envelope's.
pub fn document<T: Serialize>(command: &str, findings: &[Finding], data: &T) -> Value {
    let verdict = diag::verdict(findings);
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

/// The `validate` document, written as responses arrive so that memory does not grow with
/// their number: the envelope, `responses` one by one, then `errors`, `findings` (every
/// response's, which grows only with the problems found), `summary` and `verdict`.
pub struct ValidateStream<W: std::io::Write> {
    out: W,
    responses: usize,
    errors: Vec<crate::response::InputError>,
    findings: Vec<Finding>,
    summary: crate::response::Summary,
}

impl<W: std::io::Write> ValidateStream<W> {
    pub fn start(mut out: W) -> std::io::Result<Self> {
        write!(
            out,
            "{{\n  \"tool\": \"samlbridge\",\n  \"version\": {},\n  \"command\": \"validate\",\n  \"responses\": [",
            Value::from(env!("CARGO_PKG_VERSION"))
        )?;
        Ok(ValidateStream {
            out,
            responses: 0,
            errors: Vec::new(),
            findings: Vec::new(),
            summary: Default::default(),
        })
    }

    pub fn add(&mut self, outcome: crate::response::Outcome) -> std::io::Result<()> {
        use crate::response::Outcome;
        self.summary.add(&outcome);
        match outcome {
            Outcome::Response(r) => {
                if self.responses > 0 {
                    self.out.write_all(b",")?;
                }
                self.responses += 1;
                self.out.write_all(b"\n    ")?;
                write_indented(&mut self.out, &*r, 4)?;
                self.findings.extend(r.findings.iter().cloned());
            }
            Outcome::Error(e) => self.errors.push(e),
        }
        Ok(())
    }

    /// Writes the rest of the document; returns the run's counts.
    pub fn finish(mut self) -> std::io::Result<crate::response::Summary> {
        let verdict = if self.summary.all_accepted() {
            "pass"
        } else {
            "fail"
        };
        let close = if self.responses > 0 { "\n  ]" } else { "]" };
        write!(self.out, "{close},\n  \"errors\": ")?;
        write_indented(&mut self.out, &self.errors, 2)?;
        write!(self.out, ",\n  \"findings\": ")?;
        write_indented(&mut self.out, &self.findings, 2)?;
        write!(self.out, ",\n  \"summary\": ")?;
        write_indented(&mut self.out, &self.summary, 2)?;
        writeln!(self.out, ",\n  \"verdict\": \"{verdict}\"\n}}")?;
        self.out.flush()?;
        Ok(self.summary)
    }
}

/// Pretty JSON whose lines after the first are indented by `indent` spaces, to nest inside
/// the document being written (the first line goes where the cursor is).
fn write_indented<T: Serialize + ?Sized>(
    out: &mut impl std::io::Write,
    value: &T,
    indent: usize,
) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let pad = " ".repeat(indent);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(pad.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

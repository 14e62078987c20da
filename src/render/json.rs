//! The JSON document: `{"tool","version","schema_version","command","judged_at","verdict",
//! "findings", …data}`.

use super::Context;
use crate::diag::{self, Finding};
use serde::Serialize;
use serde_json::{Map, Value};

/// The version of the JSON documents' layout, which `schemas/` describes. Raised when a field
/// is removed or changes meaning; a field added leaves it as it is.
pub const SCHEMA_VERSION: u32 = 1;

/// The fields every JSON document starts with: who wrote it, in which layout, for which
/// command, and the instant the run judged at.
fn envelope(ctx: &Context, command: &str) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("tool".into(), "samlbridge".into());
    doc.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    doc.insert("command".into(), command.into());
    // As serde writes every other instant in the documents.
    doc.insert(
        "judged_at".into(),
        serde_json::to_value(ctx.judged_at).unwrap_or(Value::Null),
    );
    doc
}

/// Builds the one JSON document a command prints. `data` must serialize to an object; its
/// fields are added beside the envelope's.
pub fn document<T: Serialize>(
    ctx: &Context,
    command: &str,
    findings: &[Finding],
    data: &T,
) -> Value {
    let verdict = diag::verdict(findings);
    let mut doc = envelope(ctx, command);
    doc.insert("verdict".into(), verdict.as_str().into());
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

/// The document of a run that could not do its job (exit code 2): the envelope with the
/// verdict `error` and the message, so that a consumer of JSON always gets a document.
pub fn failure(ctx: &Context, command: &str, message: &str) -> Value {
    let mut doc = envelope(ctx, command);
    doc.insert("verdict".into(), diag::Verdict::Error.as_str().into());
    doc.insert("findings".into(), Value::Array(Vec::new()));
    doc.insert("error".into(), serde_json::json!({ "message": message }));
    Value::Object(doc)
}

/// An `explain` answer (a code's entry, an Entra error's, or the list) under the envelope.
pub fn explained(ctx: &Context, answer: Value) -> Value {
    let mut doc = envelope(ctx, "explain");
    if let Value::Object(fields) = answer {
        for (k, v) in fields {
            doc.entry(k).or_insert(v);
        }
    }
    Value::Object(doc)
}

/// A finding code's entry, as `explain --format json` shows it.
pub fn code(code: crate::diag::Code) -> Value {
    let info = code.info();
    serde_json::json!({
        "code": info.name,
        "severity": info.severity,
        "allowable": info.allowable,
        "summary": info.summary,
        "why": info.why,
        "fix": info.fix,
    })
}

/// An Entra error's entry, as `explain AADSTS<number> --format json` shows it.
pub fn aadsts(code: crate::entra::AadstsCode) -> Value {
    serde_json::to_value(crate::entra::aadsts::describe(code)).unwrap_or(Value::Null)
}

/// `explain --list --format json`: the finding codes, then the Entra errors samlbridge explains.
pub fn explain_list() -> Value {
    use crate::entra::aadsts;
    serde_json::json!({
        "codes": crate::diag::Code::ALL.iter().map(|c| code(*c)).collect::<Vec<_>>(),
        "aadsts": aadsts::catalogue().iter().map(|k| aadsts(k.code)).collect::<Vec<_>>(),
    })
}

/// Pretty JSON text with a trailing newline.
pub fn to_string(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// A response's entry in the `validate` document's `responses`, made on any thread so that
/// rendering runs in parallel with validation; empty for an input error (listed at the end).
pub fn response_entry(outcome: &crate::response::Outcome) -> std::io::Result<Vec<u8>> {
    let mut entry = Vec::new();
    if let crate::response::Outcome::Response(r) = outcome {
        write_indented(&mut entry, &**r, 2)?;
    }
    Ok(entry)
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
    pub fn start(mut out: W, ctx: &Context) -> std::io::Result<Self> {
        out.write_all(b"{")?;
        for (key, value) in envelope(ctx, "validate") {
            write!(out, "\n  {}: ", Value::from(key))?;
            write_indented(&mut out, &value, 1)?;
            out.write_all(b",")?;
        }
        out.write_all(b"\n  \"responses\": [")?;
        Ok(ValidateStream {
            out,
            responses: 0,
            errors: Vec::new(),
            findings: Vec::new(),
            summary: Default::default(),
        })
    }

    /// Adds an outcome, with its entry from [`response_entry`].
    pub fn add(&mut self, settled: crate::response::Settled, entry: &[u8]) -> std::io::Result<()> {
        use crate::response::Settled;
        self.summary.add(&settled);
        match settled {
            Settled::Response { findings, .. } => {
                if self.responses > 0 {
                    self.out.write_all(b",")?;
                }
                self.responses += 1;
                self.out.write_all(b"\n    ")?;
                self.out.write_all(entry)?;
                self.findings.extend(findings);
            }
            Settled::Error(e) => self.errors.push(e),
        }
        Ok(())
    }

    /// Writes the rest of the document; returns the run's counts.
    pub fn finish(mut self) -> std::io::Result<crate::response::Summary> {
        let verdict = crate::commands::validate::status(&self.summary)
            .verdict()
            .as_str();
        let close = if self.responses > 0 { "\n  ]" } else { "]" };
        write!(self.out, "{close},\n  \"errors\": ")?;
        write_indented(&mut self.out, &self.errors, 1)?;
        write!(self.out, ",\n  \"findings\": ")?;
        write_indented(&mut self.out, &self.findings, 1)?;
        write!(self.out, ",\n  \"summary\": ")?;
        write_indented(&mut self.out, &self.summary, 1)?;
        writeln!(self.out, ",\n  \"verdict\": \"{verdict}\"\n}}")?;
        self.out.flush()?;
        Ok(self.summary)
    }
}

/// Pretty JSON, as `serde_json::to_string_pretty` lays it out, for a value nested `level`
/// levels (two spaces each) deep in the document being written (the first line goes where the
/// cursor is). Written straight to `out`, with no intermediate text to split into lines.
fn write_indented<T: Serialize + ?Sized>(
    out: &mut impl std::io::Write,
    value: &T,
    level: usize,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Nested {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// serde_json's pretty layout (two spaces a level) starting `level` levels deep.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Nested {
    fn new_line<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }

    fn indent<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8; 32] = b"                                ";
        let mut left = self.level * 2;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What `write_indented` must write: serde_json's own pretty layout, each line after the
    /// first indented by the depth the value sits at.
    fn reindented(value: &Value, level: usize) -> String {
        let pad = format!("\n{}", "  ".repeat(level));
        serde_json::to_string_pretty(value)
            .unwrap()
            .replace('\n', &pad)
    }

    #[test]
    fn nested_values_are_laid_out_as_serde_json_lays_them_out() {
        let value = json!({
            "label": "a \"quoted\"\nname",
            "empty_list": [],
            "empty_map": {},
            "nested": [[], {}, [1, [2, {"k": []}]], {"a": {"b": {}}}],
            "number": 1.5,
            "none": null,
        });
        for level in [0, 1, 2, 3] {
            let mut out = Vec::new();
            write_indented(&mut out, &value, level).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), reindented(&value, level));
        }
        for scalar in [json!([]), json!({}), json!("text"), json!(7)] {
            let mut out = Vec::new();
            write_indented(&mut out, &scalar, 2).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), reindented(&scalar, 2));
        }
    }
}

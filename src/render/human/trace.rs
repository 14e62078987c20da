//! `trace` for people: a verdict line, each attempt's timeline, its findings, then the
//! details of its steps.

use super::*;

/// `trace`: a verdict line, the timeline of every attempt, then each attempt's findings and
/// the details of its steps.
pub fn trace(
    report: &crate::commands::trace::TraceReport,
    receipt: Option<&crate::commands::trace::redact::Receipt>,
) -> String {
    use crate::commands::trace::Outcome;
    let mut out = String::new();
    let clean = report.status() == crate::commands::Status::Clean;
    let n = report.attempts.len();
    let _ = writeln!(
        out,
        "{} {} {}  {}",
        if clean {
            paint(GREEN, "PASS")
        } else {
            paint(RED, "FAIL")
        },
        paint(BOLD, "trace"),
        Escaped(&report.capture),
        paint(
            DIM,
            format!(
                "({}, {} request{}, {n} sign-in attempt{})",
                report.format,
                report.requests,
                plural(report.requests),
                plural(n)
            )
        )
    );
    if n > 1 {
        let count = |o: Outcome| report.attempts.iter().filter(|a| a.outcome == o).count();
        let parts: Vec<String> = [
            (Outcome::Accepted, "accepted"),
            (Outcome::Rejected, "rejected"),
            (Outcome::EntraError, "refused by Entra"),
            (Outcome::NoResponse, "with no response"),
            (Outcome::Unjudged, "not validated"),
        ]
        .into_iter()
        .filter(|(o, _)| count(*o) > 0)
        .map(|(o, word)| format!("{} {word}", count(o)))
        .collect();
        let last = report.attempts.last().map_or("", |a| match a.outcome {
            Outcome::Accepted => "; the last one would be accepted",
            _ => "; the last one failed",
        });
        let _ = writeln!(
            out,
            "  {}",
            paint(DIM, format!("{}{last}", parts.join(", ")))
        );
    }
    if let Some(recorded) = &report.recorded_before_redaction {
        recorded_verdicts(&mut out, recorded);
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Findings"));
        finding_lines(&mut out, report.findings.iter());
    }
    for a in &report.attempts {
        let (style, word) = match a.outcome {
            Outcome::Accepted => (GREEN, "AWS would accept the response".to_owned()),
            Outcome::Rejected => match response_report(a) {
                Some(r) if r.accepted() => (
                    RED,
                    format!(
                        "AWS would accept the response, but the sign-in has errors ({})",
                        error_codes(&a.findings)
                    ),
                ),
                Some(r) => (
                    RED,
                    format!(
                        "the response reached AWS, which would refuse it ({})",
                        error_codes(&r.findings)
                    ),
                ),
                None => (RED, format!("failed ({})", error_codes(&a.findings))),
            },
            Outcome::EntraError => (
                RED,
                format!(
                    "Entra refused the sign-in{}",
                    entra_error(a)
                        .map(|e| format!(" ({})", e.error.code))
                        .unwrap_or_default()
                ),
            ),
            Outcome::NoResponse => (RED, "no response was posted".to_owned()),
            Outcome::Unjudged => (YELLOW, "a response was posted, not validated".to_owned()),
        };
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, format!("Attempt {}", a.number)),
            paint(style, word)
        );
        timeline(&mut out, a);
        if !a.findings.is_empty() {
            out.push('\n');
            finding_lines(&mut out, a.findings.iter());
        }
        for step in &a.steps {
            step_details(&mut out, step);
        }
    }
    if let Some(r) = receipt {
        redaction_receipt(&mut out, r);
    }
    out.push('\n');
    out
}

fn response_report(
    a: &crate::commands::trace::Attempt,
) -> Option<&crate::response::ResponseReport> {
    a.steps.iter().find_map(|s| match s {
        crate::commands::trace::Step::Response { report, .. } => report.as_deref(),
        _ => None,
    })
}

/// The codes of the error-level findings, each once, with a count when repeated.
fn error_codes(findings: &[Finding]) -> String {
    let mut codes: Vec<(&str, usize)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        match codes.iter_mut().find(|(c, _)| *c == f.code.as_str()) {
            Some((_, n)) => *n += 1,
            None => codes.push((f.code.as_str(), 1)),
        }
    }
    codes
        .iter()
        .map(|(c, n)| {
            if *n > 1 {
                format!("{c} ×{n}")
            } else {
                (*c).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn entra_error(
    a: &crate::commands::trace::Attempt,
) -> Option<&crate::commands::trace::EntraErrorReport> {
    a.steps.iter().find_map(|s| match s {
        crate::commands::trace::Step::Entra(e) => e.error.as_ref(),
        _ => None,
    })
}

/// A step's time of day, to the millisecond; `--:--:--` when the capture has none.
fn clock(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match t {
        Some(t) => t.format("%H:%M:%S%.3f").to_string(),
        None => format!("{:12}", "--:--:--"),
    }
}

fn timeline(out: &mut String, a: &crate::commands::trace::Attempt) {
    use crate::commands::trace::Step;
    let line = |out: &mut String, t, kind: &str, text: String| {
        let _ = writeln!(out, "  {}  {:13} {}", paint(DIM, clock(t)), kind, text);
    };
    if !a
        .steps
        .iter()
        .any(|s| matches!(s, Step::AuthnRequest { .. }))
    {
        line(
            out,
            None,
            "authn-request",
            paint(
                DIM,
                "none: the sign-in started at Entra (IdP-initiated), or before the capture",
            ),
        );
    }
    for step in &a.steps {
        match step {
            Step::AuthnRequest {
                started,
                request_number,
                binding,
                sent_to,
                request,
                ..
            } => line(
                out,
                *started,
                "authn-request",
                format!(
                    "{} to {}  {}",
                    match binding {
                        crate::response::Binding::Post => "HTTP-POST",
                        _ => "HTTP-Redirect",
                    },
                    Escaped(sent_to),
                    paint(
                        DIM,
                        format!(
                            "(request {request_number}{})",
                            request
                                .as_ref()
                                .and_then(|r| r.id.as_deref())
                                .map(|id| format!(", ID {id}"))
                                .unwrap_or_default()
                        )
                    )
                ),
            ),
            Step::Entra(e) => {
                let mut parts = vec![format!("{} request{}", e.requests, plural(e.requests))];
                if !e.pages.is_empty() {
                    parts.push(e.pages.join(", "));
                }
                if e.password {
                    parts.push("password posted".into());
                }
                if e.mfa && !e.pages.contains(&"second-factor prompt") {
                    parts.push("second factor".into());
                }
                let error = e
                    .error
                    .as_ref()
                    .map(|x| format!("  {}", paint(RED, x.error.code)))
                    .unwrap_or_default();
                line(
                    out,
                    e.started,
                    "entra",
                    format!("{}{error}", Escaped(parts.join("; "))),
                );
            }
            Step::Response {
                started,
                request_number,
                posted_to,
                report,
                ..
            } => {
                let verdict = match report {
                    Some(r) if r.accepted() => paint(GREEN, "ACCEPT"),
                    Some(r) => format!(
                        "{} {}",
                        paint(RED, "REJECT"),
                        paint(DIM, format!("({})", error_codes(&r.findings)))
                    ),
                    None => paint(YELLOW, "not validated"),
                };
                line(
                    out,
                    *started,
                    "response",
                    format!(
                        "posted to {}  {verdict}  {}",
                        Escaped(posted_to),
                        paint(DIM, format!("(request {request_number})"))
                    ),
                );
            }
            Step::Aws {
                started,
                status,
                location,
                leads_to,
                ..
            } => line(
                out,
                *started,
                "aws",
                match (status, location) {
                    (Some(s), Some(l)) => {
                        format!("{s}, to {leads_to}: {}", Escaped(l))
                    }
                    (Some(s), None) => format!("{s}, {leads_to}"),
                    (None, _) => (*leads_to).to_owned(),
                },
            ),
        }
    }
    if !a.steps.iter().any(|s| matches!(s, Step::Response { .. })) {
        line(out, None, "response", paint(RED, "none posted"));
    }
}

fn step_details(out: &mut String, step: &crate::commands::trace::Step) {
    use crate::commands::trace::Step;
    let field = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "  {:22} {}", name, Escaped(value));
    };
    match step {
        Step::AuthnRequest {
            request_number,
            binding,
            sent_to,
            relay_state,
            request,
            unreadable,
            ..
        } => {
            let _ = writeln!(
                out,
                "\n{}  {}",
                paint(BOLD, "AuthnRequest"),
                paint(
                    DIM,
                    format!(
                        "(request {request_number}, {})",
                        match binding {
                            crate::response::Binding::Post => "HTTP-POST",
                            _ => "HTTP-Redirect",
                        }
                    )
                )
            );
            field(out, "sent to", sent_to);
            if let Some(why) = unreadable {
                field(out, "unreadable", why);
            }
            if let Some(r) = request {
                let none = "(none)";
                field(out, "ID", r.id.as_deref().unwrap_or(none));
                field(out, "Issuer", r.issuer.as_deref().unwrap_or(none));
                field(
                    out,
                    "ACS URL",
                    r.assertion_consumer_service_url.as_deref().unwrap_or(none),
                );
                field(out, "Destination", r.destination.as_deref().unwrap_or(none));
                if let Some(t) = r.issue_instant {
                    field(out, "IssueInstant", &judged_instant(t));
                }
                if let Some(p) = &r.name_id_policy {
                    field(
                        out,
                        "NameIDPolicy",
                        &format!(
                            "{}{}",
                            p.format.as_deref().unwrap_or("any format"),
                            if p.allow_create == Some(true) {
                                " (AllowCreate)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                if let Some(c) = &r.requested_authn_context {
                    field(
                        out,
                        "RequestedAuthnContext",
                        &format!("{}: {}", c.comparison, c.class_refs.join(", ")),
                    );
                }
                if let Some(f) = r.force_authn {
                    field(out, "ForceAuthn", if f { "true" } else { "false" });
                }
                if let Some(p) = r.is_passive {
                    field(out, "IsPassive", if p { "true" } else { "false" });
                }
                field(out, "signed", r.signature.as_deref().unwrap_or("no"));
            }
            if let Some(r) = relay_state {
                field(out, "RelayState", r);
            }
        }
        Step::Entra(e) => {
            if let Some(x) = &e.error {
                let _ = writeln!(
                    out,
                    "\n{}  {}",
                    paint(BOLD, format!("Entra's error {}", x.error.code)),
                    paint(
                        DIM,
                        format!(
                            "(request {}, {})",
                            x.request_number,
                            match x.found_in {
                                "page" => "its error page",
                                "error-url" => "its error URL",
                                _ => "the SAML Status of the response",
                            }
                        )
                    )
                );
                field(out, "more", &x.explained.url);
                if let Some(r) = &x.error.request_id {
                    field(out, "request id", r);
                }
                if let Some(c) = &x.error.correlation_id {
                    field(out, "correlation id", c);
                }
                if let Some(t) = &x.error.timestamp {
                    field(out, "timestamp", t);
                }
            }
        }
        Step::Response {
            request_number,
            posted_to,
            relay_state,
            envelope: env,
            report,
            unreadable,
            ..
        } => {
            let _ = writeln!(
                out,
                "\n{}  {}",
                paint(BOLD, "Response"),
                paint(
                    DIM,
                    format!("(request {request_number}, posted to {posted_to})")
                )
            );
            if let Some(why) = unreadable {
                field(out, "unreadable", why);
            }
            if let Some(r) = relay_state {
                field(out, "RelayState", r);
            }
            match (report, env) {
                (Some(r), _) => indented(out, &validated_response(r)),
                (None, Some(env)) => {
                    let mut text = String::new();
                    envelope(&mut text, env);
                    indented(out, text.trim_start());
                }
                (None, None) => {}
            }
        }
        Step::Aws { .. } => {}
    }
}

/// `text` indented by two spaces, blank lines left blank.
fn indented(out: &mut String, text: &str) {
    for line in text.trim_end().lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}

fn recorded_verdicts(out: &mut String, recorded: &serde_json::Value) {
    let _ = writeln!(
        out,
        "  {}",
        paint(
            YELLOW,
            "this copy was redacted by samlbridge: its signatures no longer verify; the verdicts reached before redaction were:"
        )
    );
    for a in recorded
        .get("attempts")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let number = a
            .get("number")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let outcome = a
            .get("outcome")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?");
        let codes: Vec<&str> = a
            .get("errors")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .collect();
        let _ = writeln!(
            out,
            "    attempt {number}: {}{}",
            Escaped(outcome),
            if codes.is_empty() {
                String::new()
            } else {
                format!(" ({})", Escaped(codes.join(", ")))
            }
        );
    }
}

fn redaction_receipt(out: &mut String, r: &crate::commands::trace::redact::Receipt) {
    let _ = writeln!(
        out,
        "\n{} {}",
        paint(BOLD, "Redacted copy written to"),
        Escaped(&r.written_to)
    );
    if r.masked.is_empty() {
        let _ = writeln!(out, "  nothing needed masking");
    }
    for m in &r.masked {
        let _ = writeln!(
            out,
            "  {:26} {} value{}, {} place{}",
            m.kind,
            m.values,
            plural(m.values),
            m.places,
            plural(m.places)
        );
    }
    let _ = writeln!(
        out,
        "  {}",
        paint(
            DIM,
            "the same value has the same mask everywhere; signatures no longer verify, so the copy records the verdicts above. Other text was searched for addresses, GUIDs and the values above only: read the copy before you send it"
        )
    );
}

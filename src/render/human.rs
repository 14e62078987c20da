//! Human-readable output. Styles are ANSI escapes; the binary writes through `anstream`, which
//! removes them when the output is not a terminal or `NO_COLOR` is set.
//!
//! Every value that came from outside samlbridge is written through [`Escaped`] (and [`paint`]
//! escapes what it paints), so no control or format character of a document, certificate,
//! capture or file reaches the terminal. The binary passes every report through
//! [`for_terminal`] as well, which lets only line ends and this module's own styles through.

use super::escape::{self, escape, Escaped};
use crate::aws::TargetChoice;
use crate::commands::check::{CertStatus, CertSummary, CheckReport};
use crate::diag::{self, Code, Finding, Severity};
use crate::metadata::SignatureStatus;
use anstyle::{AnsiColor, Color, Style};
use std::borrow::Cow;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

mod preflight;
mod trace;
pub use preflight::preflight;
pub use trace::trace;

pub(crate) const BOLD: Style = Style::new().bold();
pub(crate) const DIM: Style = Style::new().dimmed();
pub(crate) const RED: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)))
    .bold();
pub(crate) const GREEN: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Green)))
    .bold();
pub(crate) const YELLOW: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Yellow)))
    .bold();
pub(crate) const CYAN: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Cyan)))
    .bold();

/// Every style this module writes.
const PALETTE: [Style; 6] = [BOLD, DIM, RED, GREEN, YELLOW, CYAN];

/// `text` in `style`, its unsafe characters escaped.
pub(crate) fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{}{style:#}", Escaped(text))
}

/// The escape sequences the palette renders to (each style and its reset, split into single
/// SGR sequences so any combination of them passes).
fn own_sequences() -> &'static [String] {
    static SEQUENCES: OnceLock<Vec<String>> = OnceLock::new();
    SEQUENCES.get_or_init(|| {
        let mut all: Vec<String> = PALETTE
            .iter()
            .flat_map(|s| [s.render().to_string(), s.render_reset().to_string()])
            .flat_map(|rendered| {
                rendered
                    .split('\u{1b}')
                    .filter(|part| !part.is_empty())
                    .map(|part| format!("\u{1b}{part}"))
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort();
        all.dedup();
        all
    })
}

/// A report as it may reach the terminal: line ends and this module's styles stay; any other
/// control or format character still in it is escaped.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape::escape_report(text, own_sequences())
}

/// The national cloud, when it is not the global one.
fn cloud_note(cloud: crate::entra::Cloud) -> String {
    match cloud {
        crate::entra::Cloud::Global => String::new(),
        other => format!(" ({})", other.name()),
    }
}

/// How days left before a certificate expires are shown: red within a week, yellow within the
/// first warning step.
fn days_style(days: i64) -> Style {
    match days {
        ..=7 => RED,
        8..=60 => YELLOW,
        _ => Style::new(),
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    }
}

/// `PASS` / `FAIL` with counts, the first line of every report.
pub fn verdict_line(command: &str, subject: &str, findings: &[Finding]) -> String {
    let errors = diag::count(findings, Severity::Error);
    let warnings = diag::count(findings, Severity::Warning);
    let verdict = if errors > 0 {
        paint(RED, "FAIL")
    } else {
        paint(GREEN, "PASS")
    };
    format!(
        "{verdict} {} {}  ({errors} error{}, {warnings} warning{})\n",
        paint(BOLD, command),
        Escaped(subject),
        plural(errors),
        plural(warnings)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The findings block: `error[code] subject: message` with its help underneath.
pub fn findings(out: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        let _ = writeln!(out, "\n{}\n  none", paint(BOLD, "Findings"));
        return;
    }
    let _ = writeln!(out, "\n{}", paint(BOLD, "Findings"));
    finding_lines(out, findings.iter());
}

/// The width finding lines wrap to when the binary has not said otherwise (output that is not
/// a terminal).
pub const DEFAULT_WIDTH: usize = 80;

/// Narrower than this, the hanging indents would leave too little room for words.
const MIN_WIDTH: usize = 40;

static WIDTH: AtomicUsize = AtomicUsize::new(DEFAULT_WIDTH);

/// Sets the width, in terminal columns, that finding lines wrap to (the binary measures the
/// terminal the report goes to).
pub fn set_width(columns: usize) {
    WIDTH.store(columns.max(MIN_WIDTH), Ordering::Relaxed);
}

/// `line` wrapped to the width at spaces only, continuation lines indented by `indent`: a URL,
/// a thumbprint or a code is never broken, and a token longer than the width stands whole on
/// its own line. Width counts visible columns (the styles' escapes take none).
fn wrap(line: &str, indent: &str) -> String {
    let options = textwrap::Options::new(WIDTH.load(Ordering::Relaxed))
        .subsequent_indent(indent)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(line, options)
}

/// Each finding's line and its help, wrapped with hanging indents.
fn finding_lines<'f>(out: &mut String, findings: impl Iterator<Item = &'f Finding>) {
    for f in findings {
        let style = severity_style(f.severity);
        let overridden = f
            .overridden
            .map(|was| format!(" {}", paint(DIM, format!("(was {was})"))))
            .unwrap_or_default();
        let subject = f
            .subject
            .as_ref()
            .map(|s| format!("{}: ", paint(BOLD, s)))
            .unwrap_or_default();
        let line = format!(
            "  {}{} {subject}{}",
            paint(style, format!("{}[{}]", f.severity, f.code)),
            overridden,
            Escaped(&f.message)
        );
        let _ = writeln!(out, "{}", wrap(&line, "      "));
        let help = format!("    {} {}", paint(DIM, "help:"), Escaped(&f.help));
        let _ = writeln!(out, "{}", wrap(&help, "          "));
    }
}

fn signature_line(status: &SignatureStatus) -> String {
    match status {
        SignatureStatus::Absent => paint(YELLOW, "absent"),
        SignatureStatus::Valid {
            signer_subject,
            algorithm,
            pinned,
            ..
        } => format!(
            "{} ({}, signed by {}{})",
            paint(GREEN, "valid"),
            Escaped(algorithm),
            Escaped(signer_subject),
            if *pinned { ", pinned" } else { "; not pinned" }
        ),
        SignatureStatus::Reformatted { .. } => paint(
            YELLOW,
            "does not verify as stored (reformatted after signing; content intact)",
        ),
        SignatureStatus::Invalid { reason } => {
            format!("{} ({})", paint(RED, "invalid"), Escaped(reason))
        }
        SignatureStatus::Untrusted { reason } => {
            format!("{} ({})", paint(RED, "untrusted"), Escaped(reason))
        }
        SignatureStatus::TooManyKeys { keys, limit, .. } => format!(
            "{} ({keys} distinct keys to try; samlbridge tries at most {limit})",
            paint(RED, "not checked")
        ),
    }
}

/// One certificate block, as the check and aws commands list them.
pub fn certificate(out: &mut String, index: usize, c: &CertSummary) {
    let mut tags = Vec::new();
    if c.signs_document {
        tags.push("signs this document");
    }
    if c.newest {
        tags.push("newest");
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("  {}", paint(DIM, format!("[{}]", tags.join(", "))))
    };
    let days = match c.status {
        CertStatus::Expired => paint(RED, format!("expired {} days ago", -c.days_left)),
        CertStatus::NotYetValid => paint(YELLOW, "not valid yet"),
        CertStatus::Valid => paint(
            days_style(c.days_left),
            format!("{} days left", c.days_left),
        ),
    };
    let _ = writeln!(out, "  #{index} {}{tags}", paint(BOLD, &c.subject));
    let _ = writeln!(out, "     SHA-1    {}", Escaped(&c.sha1));
    let _ = writeln!(out, "     SHA-256  {}", Escaped(&c.sha256));
    let _ = writeln!(
        out,
        "     valid    {} to {} ({days})",
        c.not_before.format("%Y-%m-%d %H:%M"),
        c.not_after.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(
        out,
        "     key      {}, {}",
        Escaped(&c.key),
        Escaped(&c.signature_algorithm)
    );
}

/// The `check` report.
pub fn check(command: &str, report: &CheckReport) -> String {
    let mut out = String::new();
    let target = match report.target {
        TargetChoice::Given(t) => format!(" for {}", t.display_name()),
        TargetChoice::FromSpMetadata(t) => format!(
            " for {} (as the service-provider metadata shows)",
            t.display_name()
        ),
        TargetChoice::Unknown => {
            " (no AWS target: Identity Center's and IAM's limits were not applied)".to_owned()
        }
    };
    out.push_str(&verdict_line(
        command,
        &format!("{}{target}", report.source),
        &report.findings,
    ));
    if let Some(url) = report.url.as_ref().filter(|u| **u != report.source) {
        let _ = writeln!(out, "  {} {}", paint(DIM, "redirected to"), Escaped(url));
    }

    if let Some(md) = &report.metadata {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Metadata"));
        let kind = match &md.kind {
            crate::metadata::IdpKind::Entra { tenant, cloud } => {
                format!(
                    "Microsoft Entra ID{}, tenant {}",
                    cloud_note(*cloud),
                    Escaped(tenant)
                )
            }
            crate::metadata::IdpKind::EntraCommon { cloud } => {
                format!(
                    "Microsoft Entra ID{}, multi-tenant (common) endpoint",
                    cloud_note(*cloud)
                )
            }
            crate::metadata::IdpKind::Other => "not Entra".into(),
        };
        let _ = writeln!(
            out,
            "  entityID   {}  {}",
            Escaped(&md.entity_id),
            paint(DIM, format!("({kind})"))
        );
        let _ = writeln!(out, "  signature  {}", signature_line(&md.signature));
        for (i, e) in md.sso_services.iter().enumerate() {
            let label = if i == 0 { "sign-in  " } else { "         " };
            let _ = writeln!(
                out,
                "  {label}  {} {}",
                Escaped(&e.location),
                paint(DIM, format!("({})", e.binding_name()))
            );
        }
        if let Some(until) = md.valid_until {
            let _ = writeln!(out, "  validUntil {}", until.format("%Y-%m-%d %H:%M UTC"));
        }
        let _ = writeln!(
            out,
            "  size       {} characters{}",
            md.characters,
            if md.byte_order_mark {
                ", starts with a byte-order mark"
            } else {
                ""
            }
        );
    }
    if let Some(sp) = &report.sp_metadata {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Service provider"));
        let _ = writeln!(out, "  entityID   {}", Escaped(&sp.entity_id));
        for acs in &sp.acs {
            let _ = writeln!(out, "  ACS        {}", Escaped(&acs.location));
        }
    }
    if !report.certificates.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Signing certificates"));
        for (i, c) in report.certificates.iter().enumerate() {
            certificate(&mut out, i + 1, c);
        }
    }
    findings(&mut out, &report.findings);
    out
}

/// `samlbridge explain CODE`.
pub fn explain(code: Code) -> String {
    let info = code.info();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}",
        paint(BOLD, info.name),
        paint(DIM, format!("(default: {})", info.severity))
    );
    let _ = writeln!(out, "\n{}", info.summary);
    let _ = writeln!(out, "\n{}\n  {}", paint(BOLD, "Why it matters"), info.why);
    let _ = writeln!(out, "\n{}\n  {}", paint(BOLD, "How to fix it"), info.fix);
    if !info.allowable {
        let _ = writeln!(out, "\nThis finding cannot be lowered with --allow.");
    }
    out
}

/// `samlbridge explain AADSTS<number>`: samlbridge's notes on the code (a general word when it
/// has none) and Microsoft's page for it.
pub fn explain_aadsts(code: crate::entra::AadstsCode) -> String {
    let d = crate::entra::aadsts::describe(code);
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", paint(BOLD, d.code.to_string()), d.title);
    let _ = writeln!(out, "\n{}\n  {}", paint(BOLD, "What it means"), d.cause);
    let _ = writeln!(out, "\n{}\n  {}", paint(BOLD, "How to fix it"), d.fix);
    let _ = writeln!(out, "\nMicrosoft's description: {}", d.url);
    out
}

/// `samlbridge explain --list`: the finding codes, then the Entra errors samlbridge explains.
pub fn code_list() -> String {
    let width = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for code in Code::ALL {
        let info = code.info();
        let _ = writeln!(
            out,
            "{:width$}  {:7}  {}",
            info.name,
            info.severity.as_str(),
            info.summary
        );
    }
    let catalogue = crate::entra::aadsts::catalogue();
    let _ = writeln!(
        out,
        "\n{}",
        paint(
            BOLD,
            "Entra sign-in errors (samlbridge explain AADSTS<number>; any other number gets Microsoft's link)"
        )
    );
    let width = catalogue
        .iter()
        .map(|k| k.code.to_string().len())
        .max()
        .unwrap_or(0);
    for k in catalogue {
        let _ = writeln!(out, "{:width$}  {}", k.code.to_string(), k.title);
    }
    out
}

/// One response of a `validate` run: the verdict, the findings, the claims, the validity
/// window and the signing details.
pub fn validated_response(r: &crate::response::ResponseReport) -> String {
    let mut out = String::new();
    let errors = diag::count(&r.findings, Severity::Error);
    let verdict = if r.accepted() {
        paint(GREEN, "ACCEPT")
    } else {
        paint(RED, "REJECT")
    };
    let errors = format!("{errors} error{}", plural(errors));
    let judged = match (r.target.target(), r.accepted()) {
        (Some(t), true) => format!("{} would accept it; {errors}", t.display_name()),
        (Some(t), false) => format!("{} would reject it; {errors}", t.display_name()),
        (None, true) => format!(
            "{errors}, but no AWS target: Identity Center's and IAM's own rules were not applied"
        ),
        (None, false) => format!("AWS would reject it; {errors}"),
    };
    let _ = writeln!(
        out,
        "{verdict} {}  {}",
        paint(BOLD, &r.label),
        paint(DIM, format!("({judged})"))
    );
    if let TargetChoice::FromSpMetadata(t) = r.target {
        let _ = writeln!(
            out,
            "  {}",
            paint(
                DIM,
                format!(
                    "judged as {}, as the service-provider metadata shows",
                    t.display_name()
                )
            )
        );
    }
    let _ = writeln!(
        out,
        "  {} {}  {}",
        paint(DIM, "judged at"),
        judged_instant(r.judged_at.instant),
        paint(DIM, format!("({})", instant_source(r.judged_at.source)))
    );
    if r.findings.iter().any(|f| !f.unverified) {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Findings"));
        finding_lines(&mut out, r.findings.iter().filter(|f| !f.unverified));
    }
    not_verified(&mut out, r);
    if let Some(c) = &r.claims {
        claims(&mut out, "Claims (from the signed content)", c);
    }
    if let Some(v) = &r.validity {
        validity(&mut out, v);
    }
    if let Some(s) = &r.signing {
        signing(&mut out, s);
    }
    if let Some(d) = &r.decrypted {
        decrypted(&mut out, d);
    }
    if let Some(env) = &r.response {
        envelope(&mut out, env);
    }
    out.push('\n');
    out
}

/// An instant to the second, or to the millisecond when it has a fraction (as HAR times do).
fn judged_instant(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    match t.nanosecond() / 1_000_000 {
        0 => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ms => format!("{}.{ms:03} UTC", t.format("%Y-%m-%d %H:%M:%S")),
    }
}

/// Where the instant a response was judged at comes from.
fn instant_source(source: crate::response::InstantSource) -> String {
    use crate::response::{CaptureSource, InstantSource};
    match source {
        InstantSource::Given => "--now".to_owned(),
        InstantSource::Captured(CaptureSource::HarStartedDateTime { entry }) => {
            format!("captured: HAR entry {entry} startedDateTime")
        }
        InstantSource::Captured(CaptureSource::SamlTracerTimestamp) => {
            "captured: the SAML-tracer export's timestamp, when the trace was saved".to_owned()
        }
        InstantSource::WallClock => "wall clock: the input records no capture time".to_owned(),
    }
}

/// What a response says where no trusted signature covers it: its findings, claims and
/// validity under a heading of their own, indented beneath it; or why nothing was read.
fn not_verified(out: &mut String, r: &crate::response::ResponseReport) {
    const HEADING: &str = "Not verified: read from content no trusted signature covers";
    if let Some(why) = r.unverified_withheld {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Not verified: nothing read"));
        let _ = writeln!(out, "  {}", Escaped(why));
        return;
    }
    let unverified = r.findings.iter().filter(|f| f.unverified);
    if r.unverified_claims.is_none() && unverified.clone().next().is_none() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint(BOLD, HEADING));
    let _ = writeln!(
        out,
        "  {}",
        paint(
            DIM,
            "AWS would read none of it; it is shown so that every problem shows in one run."
        )
    );
    let mut block = String::new();
    if unverified.clone().next().is_some() {
        let _ = writeln!(block, "\n{}", paint(BOLD, "Findings"));
        finding_lines(&mut block, unverified);
    }
    if let Some(c) = &r.unverified_claims {
        claims(&mut block, "Claims (as received)", c);
    }
    if let Some(v) = &r.unverified_validity {
        validity(&mut block, v);
    }
    for line in block.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// The NameID and attributes, under `heading`.
fn claims(out: &mut String, heading: &str, c: &crate::response::Claims) {
    let _ = writeln!(out, "\n{}", paint(BOLD, heading));
    match &c.name_id {
        Some(n) => {
            let fmt = n
                .format
                .as_deref()
                .map(|f| f.rsplit(':').next().unwrap_or(f))
                .unwrap_or("no format");
            // Quoted when white space at an end (or nothing at all) would not show.
            let value = if n.value.is_empty() || n.value.trim() != n.value {
                format!("\"{}\"", n.value)
            } else {
                n.value.clone()
            };
            let _ = writeln!(
                out,
                "  NameID  {}  {}",
                paint(BOLD, value),
                paint(DIM, format!("({fmt})"))
            );
        }
        None => {
            let _ = writeln!(out, "  NameID  {}", paint(RED, "(none)"));
        }
    }
    for (heading, list) in [
        ("AWS attributes", &c.aws_attributes),
        ("Other attributes", &c.other_attributes),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {heading}");
            for a in list {
                attribute(out, a);
            }
        }
    }
}

/// One attribute: its value on the same line, or its values listed below it.
fn attribute(out: &mut String, a: &crate::response::Attribute) {
    match a.values.as_slice() {
        [one] => {
            let _ = writeln!(out, "    {}  {}", paint(BOLD, &a.name), Escaped(&one.text));
        }
        [] => {
            let _ = writeln!(
                out,
                "    {}  {}",
                paint(BOLD, &a.name),
                paint(DIM, "(no value)")
            );
        }
        many => {
            let _ = writeln!(
                out,
                "    {}  {}",
                paint(BOLD, &a.name),
                paint(DIM, format!("({} values)", many.len()))
            );
            for v in many {
                let _ = writeln!(out, "      - {}", Escaped(&v.text));
            }
        }
    }
}

/// The assertion's validity window and the time left in it.
fn validity(out: &mut String, v: &crate::response::Validity) {
    let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "—".into())
    };
    let left = match v.seconds_left {
        Some(s) if s > 0 => format!(
            "{} left",
            crate::response::rules::human_duration(chrono::Duration::seconds(s))
        ),
        Some(s) => paint(
            RED,
            format!(
                "expired {} ago",
                crate::response::rules::human_duration(chrono::Duration::seconds(-s))
            ),
        ),
        None => "no end".into(),
    };
    let _ = writeln!(out, "\n{}", paint(BOLD, "Validity"));
    let _ = writeln!(
        out,
        "  {} to {}  ({left})",
        fmt(v.not_before),
        fmt(v.not_on_or_after)
    );
    if let Some(s) = v.session_not_on_or_after {
        let _ = writeln!(out, "  session until {}", s.format("%Y-%m-%d %H:%M:%S UTC"));
    }
}

/// With which key and algorithms the EncryptedAssertion was decrypted.
fn decrypted(out: &mut String, d: &crate::response::Decrypted) {
    let _ = writeln!(out, "\n{}", paint(BOLD, "Encryption"));
    let _ = writeln!(
        out,
        "  the assertion was decrypted with {} (public key SHA-256 {})",
        Escaped(&d.key),
        Escaped(&d.key_sha256)
    );
    if let Some(cert) = &d.certificate_sha256 {
        let _ = writeln!(
            out,
            "    encrypted for the certificate SHA-256 {}",
            Escaped(cert)
        );
    }
    let _ = writeln!(
        out,
        "  {} content, key transport {}",
        Escaped(d.content_encryption),
        Escaped(d.key_transport)
    );
}

/// What was signed, how, and by which trusted certificate.
fn signing(out: &mut String, s: &crate::response::SigningInfo) {
    let _ = writeln!(out, "\n{}", paint(BOLD, "Signature"));
    let _ = writeln!(
        out,
        "  {} with {} ({} digest)",
        s.option(),
        Escaped(&s.algorithm),
        Escaped(&s.digest)
    );
    match &s.signer {
        Some(signer) => {
            let _ = writeln!(
                out,
                "  verified by {}: {}",
                Escaped(&signer.label),
                Escaped(&signer.subject)
            );
            let _ = writeln!(
                out,
                "    SHA-1 {}  SHA-256 {}",
                Escaped(&signer.sha1),
                Escaped(&signer.sha256)
            );
        }
        None => {
            let _ = writeln!(out, "  verified by the trusted certificates together");
        }
    }
}

/// The Response element's status, destination and request it answers.
fn envelope(out: &mut String, env: &crate::response::ResponseEnvelope) {
    let _ = writeln!(out, "\n{}", paint(BOLD, "Response"));
    let status = env
        .status
        .code
        .as_deref()
        .map(|c| c.rsplit(':').next().unwrap_or(c))
        .unwrap_or("(none)");
    let _ = writeln!(out, "  status       {}", Escaped(status));
    if let Some(m) = &env.status.message {
        let _ = writeln!(
            out,
            "  message      {}",
            Escaped(m.lines().next().unwrap_or_default())
        );
    }
    let _ = writeln!(
        out,
        "  destination  {}",
        Escaped(env.destination.as_deref().unwrap_or("(none)"))
    );
    if let Some(irt) = &env.in_response_to {
        let _ = writeln!(out, "  in reply to  {}", Escaped(irt));
    }
}

/// An input (or one response in it) that could not be validated at all.
pub fn validate_error(e: &crate::response::InputError) -> String {
    format!(
        "{} {}: {}\n\n",
        paint(RED, "ERROR"),
        paint(BOLD, &e.label),
        Escaped(&e.message)
    )
}

/// The last line of a `validate` run.
pub fn validate_summary(s: &crate::response::Summary) -> String {
    format!(
        "{} response{}: {} accepted, {} rejected, {} could not be read\n",
        s.total(),
        plural(s.total()),
        s.accepted,
        s.rejected,
        s.unreadable
    )
}

/// Where `fetch` saved the document, or why it did not.
pub fn saved(report: &crate::commands::fetch::FetchReport) -> String {
    match (&report.saved_to, report.blocked_by) {
        (Some(path), _) => format!("\nSaved {} bytes to {}\n", report.bytes, Escaped(path)),
        (None, Some(code)) => format!(
            "\nNot saved: {code} means the document cannot be trusted (use --force to save it anyway)\n"
        ),
        (None, None) => String::new(),
    }
}

/// `entra export`: what Microsoft Graph gave for the application.
pub fn entra_export(report: &crate::commands::entra_export::ExportReport) -> String {
    let c = &report.counts;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} application {} in tenant {} ({})",
        paint(BOLD, "Read from Microsoft Graph:"),
        Escaped(&report.app_id),
        Escaped(&report.tenant),
        Escaped(&report.graph)
    );
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "  {:<19}{}", label, Escaped(value));
    };
    if let Some(app) = &report.application {
        row(
            "service principal",
            format!(
                "{} ({})",
                app.display_name.as_deref().unwrap_or("(no name)"),
                app.service_principal_id
            ),
        );
    }
    row(
        "claims policy",
        if report.claims_policy {
            "the application's own".to_owned()
        } else {
            "none: Entra's default claims".to_owned()
        },
    );
    row(
        "assignments",
        format!(
            "{} ({}, {})",
            c.assignments,
            plural(c.assigned_users, "user", "users"),
            plural(c.assigned_groups, "group", "groups")
        ),
    );
    row(
        "group members",
        format!(
            "{} in {}{}",
            c.group_members,
            plural(c.groups_read, "group", "groups"),
            if c.nested_groups > 0 {
                format!(
                    " ({}, whose members were not read: provisioning skips them)",
                    plural(c.nested_groups, "nested group", "nested groups")
                )
            } else {
                String::new()
            }
        ),
    );
    row("users", c.users.to_string());
    row(
        "provisioning",
        match (c.synchronization_jobs, &report.user_name_source) {
            (0, _) => "no provisioning job".to_owned(),
            (n, Some(source)) => format!("{}; userName from {source}", plural(n, "job", "jobs")),
            (n, None) => format!("{}; no userName mapping read", plural(n, "job", "jobs")),
        },
    );
    out
}

/// The files an `aws` command writes (or would), with a short diff for changed ones.
/// `written`: the files were written (an edited file was then replaced, as --force asked).
pub fn plan(plan: &crate::write::outdir::Plan, outcome: &str, written: bool) -> String {
    use crate::write::outdir::Change;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} {}",
        paint(BOLD, "Files in"),
        Escaped(&plan.directory)
    );
    for f in &plan.files {
        let (tag, style, note) = match &f.change {
            Change::New => ("new      ", GREEN, ""),
            Change::Unchanged => ("unchanged", DIM, ""),
            Change::Modified { .. } => ("changed  ", YELLOW, ""),
            Change::Edited { .. } if written => (
                "replaced ",
                YELLOW,
                "  (edited since samlbridge wrote it; replaced, as --force asked)",
            ),
            Change::Edited { .. } => (
                "edited   ",
                RED,
                "  (edited since samlbridge wrote it; --force replaces it)",
            ),
            Change::NotOwned => (
                "yours    ",
                RED,
                "  (not written by samlbridge: never replaced)",
            ),
            Change::Removed => ("removed  ", RED, "  (written by an earlier run, no longer part of the set)"),
            Change::KeptEdited => (
                "kept     ",
                YELLOW,
                "  (no longer part of the set, but edited since samlbridge wrote it: left as it is)",
            ),
        };
        let size = if matches!(
            f.change,
            Change::Removed | Change::KeptEdited | Change::NotOwned
        ) {
            String::new()
        } else {
            format!("  {}", paint(DIM, format!("{} bytes", f.bytes)))
        };
        let _ = writeln!(
            out,
            "  {} {}{size}{}",
            paint(style, tag),
            Escaped(&f.name),
            paint(DIM, note)
        );
        if let Change::Modified { diff } | Change::Edited { diff } = &f.change {
            for line in diff.lines() {
                let styled = if line.starts_with('+') && !line.starts_with("+++") {
                    paint(GREEN, line)
                } else if line.starts_with('-') && !line.starts_with("---") {
                    paint(RED, line)
                } else {
                    paint(DIM, line)
                };
                let _ = writeln!(out, "      {styled}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", paint(BOLD, outcome));
    out
}

/// `check --apps`: one table, soonest certificate expiry first, then each application's
/// findings, then a summary line.
pub fn fleet(report: &crate::commands::fleet::FleetReport, all: &[Finding]) -> String {
    use crate::commands::fleet::AppStatus;
    let mut out = String::new();
    out.push_str(&verdict_line(
        "check",
        &format!(
            "{} application{}",
            report.apps.len(),
            plural(report.apps.len())
        ),
        all,
    ));
    fleet_table(&mut out, report);
    fleet_findings(&mut out, report);
    let _ = writeln!(
        out,
        "\n{} application{}: {} ok, {} with warnings, {} with errors, {} unavailable",
        report.apps.len(),
        plural(report.apps.len()),
        report.count(AppStatus::Ok),
        report.count(AppStatus::Warnings),
        report.count(AppStatus::Errors),
        report.count(AppStatus::Unavailable)
    );
    out
}

/// One row per application: its soonest expiry, days left, certificate and status.
fn fleet_table(out: &mut String, report: &crate::commands::fleet::FleetReport) {
    use crate::commands::fleet::AppStatus;
    let rows: Vec<[String; 5]> = report
        .apps
        .iter()
        .map(|a| {
            [
                escape(&a.name).into_owned(),
                a.soonest_expiry
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "—".into()),
                a.days_left.map(|d| d.to_string()).unwrap_or_default(),
                escape(a.thumbprint.as_deref().unwrap_or_default()).into_owned(),
                a.status.as_str().to_owned(),
            ]
        })
        .collect();
    let header = [
        "APPLICATION",
        "EXPIRES",
        "DAYS",
        "CERTIFICATE (SHA-1)",
        "STATUS",
    ];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain(std::iter::once(header[i].len()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let _ = writeln!(
        out,
        "\n  {}",
        paint(
            BOLD,
            format!(
                "{:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}",
                header[0],
                header[1],
                header[2],
                header[3],
                header[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            )
        )
    );
    for (a, r) in report.apps.iter().zip(&rows) {
        let status_style = match a.status {
            AppStatus::Ok => GREEN,
            AppStatus::Warnings => YELLOW,
            AppStatus::Errors | AppStatus::Unavailable => RED,
        };
        let days = format!("{:>w$}", r[2], w = widths[2]);
        let days = match a.days_left {
            Some(d) => paint(days_style(d), days),
            None => days,
        };
        let _ = writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {days}  {:<w3$}  {}",
            r[0],
            r[1],
            r[3],
            paint(status_style, &r[4]),
            w0 = widths[0],
            w1 = widths[1],
            w3 = widths[3]
        );
    }
}

/// Each application's findings, under its name.
fn fleet_findings(out: &mut String, report: &crate::commands::fleet::FleetReport) {
    for a in report.apps.iter().filter(|a| !a.findings.is_empty()) {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, &a.name),
            paint(DIM, format!("(tenant {}, app {})", a.tenant, a.app_id))
        );
        for f in &a.findings {
            let subject = f
                .subject
                .as_ref()
                .filter(|s| **s != a.name)
                .map(|s| format!("{}: ", paint(BOLD, s)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {subject}{}",
                paint(
                    severity_style(f.severity),
                    format!("{}[{}]", f.severity, f.code)
                ),
                Escaped(&f.message)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::check::CheckReport;

    #[test]
    fn the_redirect_line_is_escaped() {
        let report = CheckReport {
            source: "https://login.example/md".into(),
            url: Some("https://other.example/\t\u{1b}]0;x\u{7}".into()),
            target: TargetChoice::Unknown,
            metadata: None,
            certificates: Vec::new(),
            sp_metadata: None,
            findings: Vec::new(),
            parsed: None,
        };
        let text = check("check", &report);
        let line = text
            .lines()
            .find(|l| l.contains("redirected to"))
            .expect("a redirect line");
        assert!(
            line.ends_with("https://other.example/\\t\\u{001B}]0;x\\u{0007}"),
            "{line:?}"
        );
        assert!(
            !for_terminal(&text).contains('\t'),
            "nothing is left for the last filter"
        );
    }
}

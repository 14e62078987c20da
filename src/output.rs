//! What the binary writes itself: reports to stdout (or stderr), errors and warnings on
//! stderr, and the progress bar. Everything that quotes input is escaped for the terminal.

use samlbridge::diag::Finding;
use samlbridge::render::escape::{escape, Escaped};
use samlbridge::render::{human, Format};
use std::io::{IsTerminal, Write};

/// Output is written in large blocks: a batch run prints kilobytes per response.
pub const BUFFER: usize = 64 * 1024;

/// The columns human reports wrap to: `COLUMNS` when set, else the width of the terminal the
/// report goes to, else (a pipe or a file) the default.
pub fn report_width(to_stderr: bool) -> usize {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return columns;
    }
    let size = if to_stderr {
        terminal_size::terminal_size_of(std::io::stderr())
    } else {
        terminal_size::terminal_size_of(std::io::stdout())
    };
    size.map_or(human::DEFAULT_WIDTH, |(width, _)| usize::from(width.0))
}

/// Writes a report to stdout.
pub fn print(format: Format, text: &str) -> anyhow::Result<()> {
    write_report(&mut anstream::stdout(), format, text)
}

/// Writes a report to stderr (when stdout carries a document).
pub fn print_err(format: Format, text: &str) -> anyhow::Result<()> {
    write_report(&mut anstream::stderr(), format, text)
}

/// Human reports pass `human::for_terminal` on their way out: whatever a renderer might have
/// left unescaped, only line ends and the renderer's own styles reach the terminal. JSON and
/// SARIF are data, escaped by their serializer.
fn write_report(out: &mut impl Write, format: Format, text: &str) -> anyhow::Result<()> {
    let text = match format {
        Format::Human => human::for_terminal(text),
        Format::Json | Format::Sarif => std::borrow::Cow::Borrowed(text),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Says an error on stderr. Messages quote input (file names, URLs, values from documents),
/// so the whole message is escaped: it stays one line and sends the terminal nothing.
pub fn error(message: impl std::fmt::Display) {
    eprintln!("samlbridge: error: {}", Escaped(message));
}

/// Says a warning about `name` on stderr.
pub fn warn(name: &str, finding: &Finding) {
    eprintln!(
        "samlbridge: warning: {}: {} [{}]",
        Escaped(name),
        Escaped(&finding.message),
        finding.code
    );
}

/// An error and its causes on one line, each cause said once (errors that name their input
/// repeat their cause's text in their own), with the flag that sets a limit it ran out of.
pub fn describe(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.push_str(flag_hint(e));
    line
}

/// The flag that sets a network limit an error reports running out, or that fixes it.
fn flag_hint(e: &anyhow::Error) -> &'static str {
    use samlbridge::http::FetchError;
    use samlbridge::looks::Looks;
    use samlbridge::metadata::MetadataError;
    use samlbridge::write::outdir::WriteError;
    if e.chain().any(|c| {
        matches!(
            c.downcast_ref::<WriteError>(),
            Some(WriteError::Edited { .. })
        )
    }) {
        return " (--force replaces them)";
    }
    if e.chain().any(|c| {
        matches!(
            c.downcast_ref::<WriteError>(),
            Some(WriteError::NotADirectory(_))
        )
    }) {
        return " (--out names the directory to write into; it is created if missing)";
    }
    match e
        .chain()
        .find_map(|c| c.downcast_ref::<MetadataError>())
    {
        Some(MetadataError::OtherTarget { .. }) => {
            return " (give the service-provider metadata of the target you mean, or the command or --target for the other one)"
        }
        Some(MetadataError::SeveralIdps(_)) => return " (--entity-id picks one)",
        Some(MetadataError::SamlMessage(_) | MetadataError::LooksLike(Looks::Har)) => {
            return " (a captured response goes to samlbridge validate, a whole browser capture to samlbridge trace; metadata is Entra's federation metadata XML, which samlbridge fetch downloads)"
        }
        Some(MetadataError::LooksLike(Looks::PemCertificate)) => {
            return " (a certificate goes to validate --cert; metadata is Entra's federation metadata XML, which samlbridge fetch downloads)"
        }
        Some(MetadataError::SpNotIdp) => {
            return " (Identity Center's service-provider metadata goes to --sp-metadata; METADATA is Entra's federation metadata, which samlbridge fetch downloads)"
        }
        Some(MetadataError::IdpNotSp) => {
            return " (Entra's federation metadata is METADATA, or --metadata; --sp-metadata takes Identity Center's)"
        }
        Some(MetadataError::LooksLike(_))
            if e.chain()
                .find_map(|c| c.downcast_ref::<crate::settings::Flagged>())
                .is_some_and(|f| f.flag == "--sp-metadata") =>
        {
            return " (--sp-metadata takes IAM Identity Center's service-provider metadata: Settings → Identity source → Actions → Change identity source → External identity provider → Download metadata file)"
        }
        Some(MetadataError::LooksLike(_)) => {
            return " (metadata is Entra's federation metadata XML, which samlbridge fetch downloads)"
        }
        _ => {}
    }
    match e.chain().find_map(|c| c.downcast_ref::<FetchError>()) {
        Some(FetchError::Timeout { .. }) => {
            " (--timeout sets this deadline: it covers everything done for one URL, retries and the waits between them included)"
        }
        Some(FetchError::ConnectTimeout { .. }) => " (--connect-timeout sets this limit)",
        Some(FetchError::RetryTooLate { .. }) => {
            " (--timeout sets the deadline; a longer one lets samlbridge wait for the retry)"
        }
        Some(FetchError::Tls { .. }) => {
            " (a proxy that inspects TLS needs its root in --ca-file)"
        }
        _ => "",
    }
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A progress bar over `len` applications, on stderr when it is a terminal.
pub fn progress(len: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos}/{len} applications {wide_bar} {elapsed} {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A spinner on standard error while a command reads (hidden when it is not a terminal).
pub fn spinner(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Says on the spinner what is being read.
pub fn step(bar: &indicatif::ProgressBar, what: &str) {
    bar.set_message(format!("reading {}", escape(what)));
}

/// Names the application just checked on the progress bar.
pub fn progressed(bar: &indicatif::ProgressBar, name: &str) {
    bar.set_message(escape(name).into_owned());
    bar.inc(1);
}

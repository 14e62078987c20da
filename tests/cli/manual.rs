//! What samlbridge says about itself: examples at the end of every command's long help (and
//! the ones on shipped test data work), shell completions, and man pages that render cleanly.

use crate::util::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Every command below `samlbridge` as `--help` lists it, recursively (`[]` is the tool
/// itself, `["aws", "iam"]` a nested one).
fn commands() -> Vec<Vec<String>> {
    let mut found = vec![Vec::new()];
    let mut i = 0;
    while i < found.len() {
        let path = found[i].clone();
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("-h");
        let help = stdout(&run(&args));
        // A command's line starts at column 2; its description's continuation lines further in.
        let listed = help
            .lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(str::to_owned);
        for name in listed.collect::<Vec<_>>() {
            let mut sub = path.clone();
            sub.push(name);
            found.push(sub);
        }
        i += 1;
    }
    found
}

fn help(path: &[String], flag: &str) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push(flag);
    let out = run(&args);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The command lines of a long help's Examples section: each `$ ` line with its ` \`
/// continuations joined.
fn example_lines(help: &str) -> Vec<String> {
    let section = help.split("\nExamples:\n").nth(1).unwrap_or_default();
    let mut lines = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines().map(str::trim) {
        match current.take() {
            Some(mut so_far) => {
                so_far.push(' ');
                so_far.push_str(line.trim_end_matches('\\').trim_end());
                if line.ends_with('\\') {
                    current = Some(so_far);
                } else {
                    lines.push(so_far);
                }
            }
            None => {
                if let Some(command) = line.strip_prefix("$ ") {
                    let text = command.trim_end_matches('\\').trim_end().to_owned();
                    if line.ends_with('\\') {
                        current = Some(text);
                    } else {
                        lines.push(text);
                    }
                }
            }
        }
    }
    lines
}

#[test]
fn every_long_help_ends_with_examples_and_short_help_stays_short() {
    let commands = commands();
    assert!(commands.len() >= 12, "{commands:?}");
    for path in &commands {
        let long = help(path, "--help");
        let (_, examples) = long
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{path:?}: no Examples section:\n{long}"));
        // The last section: no other heading follows it.
        assert!(
            !examples
                .lines()
                .any(|l| !l.starts_with(' ') && l.ends_with(':')),
            "{path:?}: Examples is not the last section:\n{long}"
        );
        let lines = example_lines(&long);
        assert!(!lines.is_empty(), "{path:?}: no example command:\n{long}");
        // Each example of a command runs that command, and the examples fit 80 columns.
        let prefix = std::iter::once("samlbridge")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "{path:?}: {lines:?}"
        );
        assert!(
            examples.lines().all(|l| l.chars().count() <= 80),
            "{path:?}:\n{examples}"
        );
        let short = help(path, "-h");
        assert!(!short.contains("Examples:"), "{path:?}:\n{short}");
        assert!(short.lines().count() < long.lines().count(), "{path:?}");
    }
    // The common task comes first.
    let first = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        example_lines(&help(&path, "--help")).remove(0)
    };
    assert!(first(&[]).starts_with("samlbridge aws identity-center testdata/"));
    assert!(first(&["validate"]).contains(".har "));
    assert!(first(&["check"]).starts_with("samlbridge check --apps "));
    assert!(first(&["trace"]).contains("--redact "));
    assert!(first(&["preflight"]).contains("--entra ") && first(&["preflight"]).contains("--aws "));
    assert_eq!(first(&["explain"]), "samlbridge explain AADSTS50011");
}

/// Examples that need the network, the user's own exports or files, or redirect output are
/// not run here.
fn uses_only_shipped_data(args: &[String]) -> bool {
    const OUTSIDE: [&str; 5] = ["--tenant", "--apps", "--url", "--entra", "--aws"];
    !args
        .iter()
        .any(|a| OUTSIDE.contains(&a.as_str()) || a.starts_with("https://") || a.starts_with('>'))
}

#[test]
fn the_examples_on_shipped_test_data_run() {
    let commands = commands();
    let mut all = BTreeSet::new();
    for path in &commands {
        all.extend(example_lines(&help(path, "--help")));
    }
    let mut ran = BTreeSet::new();
    for line in &all {
        let args = shlex::split(line).unwrap_or_else(|| panic!("{line}: not a command line"));
        assert_eq!(args[0], "samlbridge", "{line}");
        if !uses_only_shipped_data(&args) {
            continue;
        }
        // Relative paths as the help gives them, outputs into a fresh directory.
        let dir = tempdir();
        std::os::unix::fs::symlink(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
            dir.path().join("testdata"),
        )
        .unwrap();
        let out = bin()
            .args(&args[1..])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_ne!(
            code(&out),
            2,
            "{line}\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        );
        let command = commands
            .iter()
            .filter(|path| args[1..].starts_with(path))
            .max_by_key(|path| path.len())
            .unwrap();
        ran.insert(command.join(" "));
    }
    for command in [
        "aws identity-center",
        "aws iam",
        "validate",
        "check",
        "trace",
        "explain",
    ] {
        assert!(
            ran.contains(command),
            "no example of {command} ran: {ran:?}"
        );
    }
}

#[test]
fn bash_completes_commands_and_flag_values() {
    let out = run(&["completions", "bash"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dir = tempdir();
    let script = dir.path().join("samlbridge.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    // As bash's programmable completion calls the function: the command, the word being
    // completed and the one before it.
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _samlbridge samlbridge {cur} {prev}; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_owned()
    };
    assert_eq!(complete("samlbridge va", 1, "va", "samlbridge"), "validate");
    assert_eq!(
        complete("samlbridge validate --target ''", 3, "''", "--target"),
        "identity-center iam"
    );
    let aws = complete("samlbridge aws ''", 2, "''", "aws");
    assert!(
        aws.split(' ').any(|w| w == "identity-center") && aws.split(' ').any(|w| w == "iam"),
        "{aws}"
    );
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("identity-center"), "{shell}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("possible values: bash, elvish, fish, powershell, zsh"));
}

#[test]
fn every_man_page_renders_without_warnings() {
    let dir = tempdir();
    let out = run(&["man", "--out", &dir.path().display().to_string()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    // One page per command, named as man(1) expects.
    let mut expected: Vec<String> = commands()
        .iter()
        .map(|path| {
            std::iter::once("samlbridge")
                .chain(path.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("-")
                + ".1"
        })
        .collect();
    expected.sort();
    assert_eq!(pages, expected);
    for page in &pages {
        let file = dir.path().join(page);
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&file)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .output()
            .expect("man (man-db: cargo xtask deps installs it)");
        assert!(out.status.success(), "{page}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{page}: man warned");
        let text = stdout(&out);
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES"] {
            assert!(
                text.lines().any(|l| l == section),
                "{page}: no {section}:\n{text}"
            );
        }
        let out = Command::new("groff")
            .args(["-ww", "-man", "-Tutf8"])
            .arg(&file)
            .output()
            .expect("groff");
        assert_eq!(stderr(&out), "", "{page}: groff warned");
    }
}

//! `cargo xtask same-output BEFORE AFTER`: runs two samlbridge binaries over every fixture in
//! `testdata/` and every corpus document (`SAMLBRIDGE_CORPUS`), with the same arguments, and
//! reports every run whose JSON output or exit code differs. A refactoring that claims to change
//! no behaviour shows it with this.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The instant every run judges at, unless the corpus manifest gives one.
const NOW: &str = "2026-11-27T09:01:00Z";

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The corpus manifest: file → (verifying certificate, judging instant).
fn manifest(corpus: &Path) -> BTreeMap<String, (String, String)> {
    std::fs::read_to_string(corpus.join("MANIFEST.tsv"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let cert = f.get(6).copied().unwrap_or_default();
            let time = f.get(7).copied().unwrap_or_default();
            (!cert.is_empty()).then(|| {
                let time = if time.len() >= 20 && time.as_bytes()[4] == b'-' {
                    time.to_owned()
                } else {
                    NOW.to_owned()
                };
                (f[0].to_owned(), (cert.to_owned(), time))
            })
        })
        .collect()
}

/// Every argument list to run: the same list goes to both binaries.
fn runs(root: &Path, corpus: Option<&Path>) -> Vec<Vec<String>> {
    let testdata = root.join("testdata");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let rollover = s(&testdata.join("metadata/entra-app-rollover.xml"));
    let sp = s(&testdata.join("metadata/identity-center-sp.xml"));
    let mut files = Vec::new();
    files_under(&testdata, &mut files);
    if let Some(c) = corpus {
        files_under(c, &mut files);
    }
    let mut runs = Vec::new();
    for f in &files {
        let f = s(f);
        if f.ends_with(".md") || f.ends_with("MANIFEST.tsv") {
            continue;
        }
        for target in [None, Some("identity-center"), Some("iam")] {
            let mut args = vec![
                "check".into(),
                f.clone(),
                "--now".into(),
                NOW.into(),
                "--format".into(),
                "json".into(),
            ];
            if let Some(t) = target {
                args.extend(["--target".into(), t.into()]);
            }
            runs.push(args);
        }
        runs.push(
            [
                "validate",
                &f,
                "--metadata",
                &rollover,
                "--target",
                "identity-center",
                "--sp-metadata",
                &sp,
                "--now",
                NOW,
                "--format",
                "json",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    if let Some(c) = corpus {
        for (file, (cert, time)) in manifest(c) {
            runs.push(
                [
                    "validate".to_owned(),
                    s(&c.join(&file)),
                    "--cert".into(),
                    s(&c.join(&cert)),
                    "--now".into(),
                    time,
                    "--format".into(),
                    "json".into(),
                ]
                .to_vec(),
            );
        }
    }
    for (claims, extra) in [
        (
            "identity-center.toml",
            vec![
                "--instance-arn",
                "arn:aws:sso:::instance/ssoins-1234567890abcdef",
            ],
        ),
        ("identity-center.claims-policy.json", vec![]),
    ] {
        let mut args: Vec<String> = [
            "aws",
            "identity-center",
            &rollover,
            "--sp-metadata",
            &sp,
            "--claims",
            &s(&testdata.join("claims").join(claims)),
            "--out",
            "/nonexistent/samlbridge-same-output",
            "--dry-run",
            "--now",
            NOW,
            "--format",
            "json",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.into_iter().map(String::from));
        runs.push(args);
    }
    runs.push(
        [
            "aws",
            "iam",
            &s(&testdata.join("metadata/entra-app.xml")),
            "--account-id",
            "123456789012",
            "--provider-name",
            "EntraID",
            "--role",
            "Admin",
            "--claims",
            &s(&testdata.join("claims/iam.toml")),
            "--out",
            "/nonexistent/samlbridge-same-output",
            "--dry-run",
            "--now",
            NOW,
            "--format",
            "json",
        ]
        .map(String::from)
        .to_vec(),
    );
    runs.push(
        ["explain", "--list", "--format", "json"]
            .map(String::from)
            .to_vec(),
    );
    runs
}

pub fn compare(root: &Path, before: &Path, after: &Path) -> Result<(), String> {
    let corpus = std::env::var_os("SAMLBRIDGE_CORPUS").map(PathBuf::from);
    if corpus.is_none() {
        eprintln!("xtask: SAMLBRIDGE_CORPUS is not set: comparing on testdata/ only");
    }
    let runs = runs(root, corpus.as_deref());
    let mut differ = 0;
    for args in &runs {
        let a = Command::new(before)
            .args(args)
            .env("NO_COLOR", "1")
            .output();
        let b = Command::new(after).args(args).env("NO_COLOR", "1").output();
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return Err(format!("cannot run samlbridge: {e}")),
        };
        if a.stdout != b.stdout || a.status.code() != b.status.code() {
            differ += 1;
            eprintln!(
                "differs: samlbridge {} (exit {:?} / {:?})",
                args.join(" "),
                a.status.code(),
                b.status.code()
            );
        }
    }
    println!(
        "{} runs, {} identical, {differ} different",
        runs.len(),
        runs.len() - differ
    );
    if differ == 0 {
        Ok(())
    } else {
        Err(format!("{differ} runs differ"))
    }
}

//! `samlbridge explain` and the stability of finding codes.

use crate::util::*;

#[test]
fn explains_a_code() {
    let out = run(&["explain", "cert-expiring"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("cert-expiring  (default: warning)"),
        "{text}"
    );
    assert!(text.contains("Why it matters") && text.contains("How to fix it"));

    let out = run(&["explain", "metadata-signature-invalid", "--format", "json"]);
    let doc = json(&out);
    assert_eq!(doc["code"], "metadata-signature-invalid");
    assert_eq!(doc["allowable"], false);

    let out = run(&["explain", "nope"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown finding code \"nope\""));
}

/// Codes are an interface: `--deny` lists and CI filters name them. Any change to the set must
/// show up here and be deliberate.
#[test]
fn code_set_is_stable() {
    let out = run(&["explain", "--list", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let listed: Vec<String> = json(&out)["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["code"].as_str().unwrap(),
                c["severity"].as_str().unwrap()
            )
        })
        .collect();
    let snapshot_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/codes.txt");
    let snapshot = std::fs::read_to_string(snapshot_path).unwrap_or_default();
    let expected: Vec<&str> = snapshot.lines().filter(|l| !l.is_empty()).collect();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(snapshot_path, listed.join("\n") + "\n").unwrap();
        return;
    }
    assert_eq!(
        listed, expected,
        "finding codes changed; if deliberate, rerun with UPDATE_SNAPSHOTS=1 and commit tests/snapshots/codes.txt"
    );

    let human = stdout(&run(&["explain", "--list"]));
    let finding_lines = human.lines().take_while(|l| !l.is_empty()).count();
    assert_eq!(finding_lines, listed.len());
}

#[test]
fn explains_an_entra_error_in_each_spelling() {
    for spelling in ["AADSTS50011", "aadsts50011", "50011"] {
        let out = run(&["explain", spelling]);
        assert_eq!(code(&out), 0, "{spelling}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with(
                "AADSTS50011  The request's reply URL is not one of the application's"
            ),
            "{text}"
        );
        assert!(
            text.contains("Basic SAML Configuration → Reply URL (Assertion Consumer Service URL)"),
            "{text}"
        );
        assert!(text.contains("AssertionConsumerServiceURL"), "{text}");
        assert!(
            text.contains(
                "Microsoft's description: https://login.microsoftonline.com/error?code=50011"
            ),
            "{text}"
        );
    }

    let doc = json(&run(&["explain", "AADSTS700016", "--format", "json"]));
    assert_eq!(doc["code"], "AADSTS700016");
    assert_eq!(doc["known"], true);
    assert!(doc["fix"]
        .as_str()
        .unwrap()
        .contains("Identifier (Entity ID)"));
    assert_eq!(
        doc["url"],
        "https://login.microsoftonline.com/error?code=700016"
    );
}

#[test]
fn an_unknown_entra_error_gets_microsofts_link() {
    let out = run(&["explain", "AADSTS12345"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("AADSTS12345  An Entra sign-in error"),
        "{text}"
    );
    assert!(
        text.contains("samlbridge has no notes on this code"),
        "{text}"
    );
    assert!(
        text.contains("https://login.microsoftonline.com/error?code=12345"),
        "{text}"
    );

    let out = run(&["explain", "12345", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let doc = json(&out);
    assert_eq!(doc["code"], "AADSTS12345");
    assert_eq!(doc["known"], false);
    assert_eq!(
        doc["url"],
        "https://login.microsoftonline.com/error?code=12345"
    );
}

#[test]
fn a_malformed_entra_error_says_what_is_accepted() {
    for bad in ["AADSTSxyz", "aadsts", "AADSTS0"] {
        let out = run(&["explain", bad]);
        assert_eq!(code(&out), 2, "{bad}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{bad:?} is not an Entra error code"))
                && err.contains("AADSTS50011")
                && err.contains("50011"),
            "{err}"
        );
        assert!(stdout(&out).is_empty());
    }
    let out = run(&["explain", "AADSTSxyz", "--format", "json"]);
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    assert_eq!(doc["verdict"], "error");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not an Entra error code"));
}

#[test]
fn the_list_ends_with_the_entra_errors() {
    let human = stdout(&run(&["explain", "--list"]));
    let (findings, entra) = human.split_once("\n\n").expect("two sections");
    assert!(findings.lines().any(|l| l.starts_with("cert-expiring ")));
    assert!(!findings.lines().any(|l| l.starts_with("AADSTS")));
    let mut lines = entra.lines();
    assert!(lines.next().unwrap().starts_with("Entra sign-in errors"));
    let listed: Vec<&str> = lines
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for code in ["AADSTS50011", "AADSTS700016", "AADSTS50105", "AADSTS53003"] {
        assert!(listed.contains(&code), "{code}: {listed:?}");
    }

    let doc = json(&run(&["explain", "--list", "--format", "json"]));
    assert!(doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "cert-expiring"));
    let aadsts = doc["aadsts"].as_array().unwrap();
    assert_eq!(aadsts.len(), listed.len());
    let first = &aadsts[0];
    assert_eq!(first["code"], "AADSTS50011");
    assert_eq!(first["known"], true);
    assert_eq!(
        first["url"],
        "https://login.microsoftonline.com/error?code=50011"
    );
    assert!(aadsts
        .iter()
        .all(|e| e["cause"].is_string() && e["fix"].is_string()));
}

/// Text from the registry, safe in Markdown: no HTML tag or emphasis can form from it outside
/// its `code spans`, which Markdown shows as they are.
fn markdown_text(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_owned()
            } else {
                part.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('*', "\\*")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// `doc/finding-codes.md`, which SARIF rules link to a heading of, says what `explain` says, code
/// for code and in its order.
#[test]
fn the_codes_document_is_what_explain_says() {
    let out = run(&["explain", "--list", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let mut doc = String::from(
        "# Finding codes\n\n\
         Every finding samlbridge reports has one of these codes, in its human report, its JSON\n\
         (`code`) and its SARIF (`ruleId`, whose rule links here). `samlbridge explain CODE` prints\n\
         the same text; `--deny CODE` makes a finding an error and `--allow CODE` reports it as\n\
         info, where the code allows it.\n\n\
         This file is written from the registry in `src/diag/codes.rs` by\n\
         `UPDATE_SNAPSHOTS=1 cargo test --test cli explain::`; a test fails when it falls behind.\n",
    );
    for c in json(&out)["codes"].as_array().unwrap() {
        let text = |key: &str| markdown_text(c[key].as_str().unwrap());
        let allow = if c["allowable"].as_bool().unwrap() {
            format!(
                "`--allow {}` reports it as info.",
                c["code"].as_str().unwrap()
            )
        } else {
            "It cannot be lowered with `--allow`.".to_owned()
        };
        doc.push_str(&format!(
            "\n## `{}`\n\n{}\n\nDefault severity: **{}**. {allow}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n",
            c["code"].as_str().unwrap(),
            text("summary"),
            text("severity"),
            text("why"),
            text("fix"),
        ));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/doc/finding-codes.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, &doc).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == doc,
        "doc/finding-codes.md is behind the registry; rerun with UPDATE_SNAPSHOTS=1 and commit it"
    );
}

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
    let listed: Vec<String> = json(&out)
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
    assert_eq!(human.lines().count(), listed.len());
}

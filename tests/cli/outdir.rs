//! `aws … --out DIR` in a directory the user owns: samlbridge replaces and removes only files it
//! wrote there, never leaves a temporary file behind, and works in `.` and in a project
//! directory full of the user's own files.

use crate::aws::{iam, identity_center};
use crate::util::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A Terraform project as a user has it: state, provider cache, their own files.
fn user_project(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let files: [(&str, &[u8]); 5] = [
        ("terraform.tfstate", b"{\"version\": 4, \"serial\": 17}\n"),
        (
            ".terraform/providers/registry.terraform.io/hashicorp/aws/lock",
            b"provider cache\n",
        ),
        ("main.tf", b"module \"sso\" {\n  source = \"./sso\"\n}\n"),
        ("README.md", b"# Our SSO project\n"),
        (".terraform.lock.hcl", b"# lock\n"),
    ];
    for (name, contents) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
    }
    snapshot_user_files(dir)
}

/// Every file under `dir` that samlbridge did not write, with its contents.
fn snapshot_user_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut all = BTreeMap::new();
    walk(dir, dir, &mut all);
    all.retain(|p, _| {
        let top = p.components().next().unwrap().as_os_str().to_string_lossy();
        [
            "terraform.tfstate",
            ".terraform",
            "main.tf",
            "README.md",
            ".terraform.lock.hcl",
        ]
        .contains(&top.as_ref())
    });
    all
}

/// Names in `dir` that only a write in progress (or one that went wrong) would leave.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(".samlbridge") && n != ".samlbridge-manifest.json" || n.ends_with(".tmp")
        })
        .collect();
    if let Some(parent) = dir.parent() {
        names.extend(
            fs::read_dir(parent)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".samlbridge")),
        );
    }
    names
}

fn bad_claims(tmp: &Path) -> String {
    let path = tmp.join("bad.toml");
    fs::write(
        &path,
        "[name_id]\nsource = \"user.mail\"\nformat = \"unspecified\"\n",
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn user_files_survive_every_combination_of_flags_twice() {
    let tmp = tempdir();
    let bad = bad_claims(tmp.path());
    let flag_sets: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--force"],
        vec!["--write-despite-errors"],
        vec!["--force", "--write-despite-errors"],
        vec!["--dry-run"],
        vec!["--dry-run", "--force", "--write-despite-errors"],
    ];
    for target in ["identity-center", "iam"] {
        let dir = tmp.path().join(format!("project-{target}"));
        let before = user_project(&dir);
        for round in 0..2 {
            for flags in &flag_sets {
                for claims in [None, Some(bad.as_str())] {
                    let mut extra = flags.clone();
                    if let Some(c) = claims {
                        extra.extend(["--claims", c]);
                    }
                    let (exit, doc, err) = match target {
                        "iam" => iam(&dir, &extra),
                        _ => identity_center(&dir, &extra),
                    };
                    assert!(exit < 3, "{target} {extra:?}: exit {exit} {err}");
                    assert_ne!(doc, serde_json::Value::Null, "{extra:?}: {err}");
                    assert_eq!(
                        snapshot_user_files(&dir),
                        before,
                        "round {round}, {target} {extra:?}: a user file changed"
                    );
                    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
                }
            }
        }
        assert!(dir.join(".samlbridge-manifest.json").is_file());
        assert!(dir.join("STEPS.md").is_file());
    }
}

#[test]
fn out_dot_writes_into_the_current_project() {
    let tmp = tempdir();
    let project = tmp.path().join("project");
    let before = user_project(&project);
    let o = bin()
        .current_dir(&project)
        .args([
            "aws",
            "identity-center",
            &testdata("metadata/entra-app-rollover.xml"),
            "--sp-metadata",
            &testdata("metadata/identity-center-sp.xml"),
            "--out",
            ".",
            "--now",
            "2026-11-27T12:00:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("wrote 9 files to ."), "{}", stdout(&o));
    assert!(project.join("STEPS.md").is_file());
    assert_eq!(snapshot_user_files(&project), before);
    assert!(leftovers(&project).is_empty(), "{:?}", leftovers(&project));
    // And again, unchanged: nothing to confirm.
    let o = bin()
        .current_dir(&project)
        .args([
            "aws",
            "identity-center",
            &testdata("metadata/entra-app-rollover.xml"),
            "--sp-metadata",
            &testdata("metadata/identity-center-sp.xml"),
            "--out",
            ".",
            "--now",
            "2026-11-27T12:00:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// A directory an earlier samlbridge wrote: `old` (a file this version no longer writes) with
/// `contents`, listed in the manifest as written with `written`.
fn from_an_earlier_version(dir: &Path, old: &str, contents: &str, written: &str) {
    let manifest_path = dir.join(".samlbridge-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
    let digest: String = openssl::sha::sha256(written.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    manifest["files"][old] = serde_json::json!([digest]);
    fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    fs::write(dir.join(old), contents).unwrap();
}

/// Upgrading: the combined Entra files of earlier versions (`entra-app.json`,
/// `entra-claims.json`), replaced by the Graph request bodies, are removed when unedited and
/// left, reported, when the user edited them.
#[test]
fn an_upgrade_removes_the_old_entra_files_unless_edited() {
    let tmp = tempdir();
    let old_app = "{\n  \"identifier\": \"https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c\"\n}\n";
    for (target, old) in [
        ("identity-center", "entra-app.json"),
        ("iam", "entra-claims.json"),
    ] {
        let run_target = |dir: &Path| match target {
            "iam" => iam(dir, &[]),
            _ => identity_center(dir, &[]),
        };
        let out = tmp.path().join(target);
        assert_eq!(run_target(&out).0, 0);
        from_an_earlier_version(&out, old, old_app, old_app);
        let (exit, doc, err) = run_target(&out);
        assert_eq!(exit, 0, "{err}");
        let entry = doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == old)
            .unwrap_or_else(|| panic!("{old} in the plan: {doc}"));
        assert_eq!(entry["change"], "removed", "{doc}");
        assert!(!out.join(old).exists(), "{old} removed");
        assert!(out.join("graph-PUT-claimsPolicy.json").is_file());
        let manifest = fs::read_to_string(out.join(".samlbridge-manifest.json")).unwrap();
        assert!(!manifest.contains(old), "{manifest}");

        // Edited since it was written: left where it is, and said so.
        let edited = tmp.path().join(format!("{target}-edited"));
        assert_eq!(run_target(&edited).0, 0);
        let ours = format!("{old_app}// our notes\n");
        from_an_earlier_version(&edited, old, &ours, old_app);
        let (exit, doc, err) = run_target(&edited);
        assert_eq!(exit, 0, "{err}");
        let entry = doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == old)
            .unwrap();
        assert_eq!(entry["change"], "kept-edited", "{doc}");
        assert_eq!(fs::read_to_string(edited.join(old)).unwrap(), ours);
    }
}

#[test]
fn an_edited_file_is_replaced_only_with_force_after_its_diff() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    assert_eq!(identity_center(&out, &[]).0, 0);
    let steps = out.join("STEPS.md");
    let edited = format!(
        "{}\nOur note: ask Dana before step 3.\n",
        fs::read_to_string(&steps).unwrap()
    );
    fs::write(&steps, &edited).unwrap();

    let human = |extra: &[&str]| {
        let mut args = vec![
            "aws".to_owned(),
            "identity-center".to_owned(),
            testdata("metadata/entra-app-rollover.xml"),
            "--sp-metadata".to_owned(),
            testdata("metadata/identity-center-sp.xml"),
            "--claims".to_owned(),
            testdata("claims/identity-center.toml"),
            "--instance-arn".to_owned(),
            "arn:aws:sso:::instance/ssoins-abcdef1234567890".to_owned(),
            "--out".to_owned(),
            out.to_string_lossy().into_owned(),
            "--now".to_owned(),
            "2026-11-27T12:00:00Z".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = human(&[]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("edited    STEPS.md"), "{text}");
    assert!(
        text.contains("-Our note: ask Dana before step 3."),
        "the diff is shown: {text}"
    );
    assert!(
        text.contains("STEPS.md in") && text.contains("was edited since samlbridge wrote it"),
        "{text}"
    );
    assert!(text.contains("--force"), "{text}");
    assert_eq!(fs::read_to_string(&steps).unwrap(), edited, "untouched");
    // Nothing else was written either: the set is written whole or not at all.
    assert!(
        fs::read_to_string(out.join("access-control-attributes.json"))
            .unwrap()
            .contains("ssoins-1234567890abcdef")
    );

    let o = human(&["--force"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(!fs::read_to_string(&steps).unwrap().contains("Dana"));
    assert!(
        fs::read_to_string(out.join("access-control-attributes.json"))
            .unwrap()
            .contains("ssoins-abcdef1234567890")
    );
}

#[test]
fn a_users_own_file_with_one_of_the_names_is_never_replaced() {
    let tmp = tempdir();
    let out = tmp.path().join("project");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("STEPS.md"), "# Our own runbook\n").unwrap();
    for flags in [
        &[][..],
        &["--force"],
        &["--force", "--write-despite-errors"],
    ] {
        let (exit, doc, err) = identity_center(&out, flags);
        assert_eq!(exit, 2, "{flags:?} {err}");
        assert_eq!(doc["written"], false);
        let f = doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "STEPS.md")
            .unwrap();
        assert_eq!(f["change"], "not-owned");
    }
    assert_eq!(
        fs::read_to_string(out.join("STEPS.md")).unwrap(),
        "# Our own runbook\n"
    );
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        1,
        "nothing else written either"
    );
}

#[test]
fn a_file_no_longer_written_is_removed_only_if_unedited() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let rollover = [
        "--current-cert",
        &testdata("keys/entra-app-active.cert.pem"),
    ];
    let rollover: Vec<&str> = rollover.iter().map(|s| s.as_ref()).collect();
    assert_eq!(identity_center(&out, &rollover).0, 0);
    assert!(out.join("ROLLOVER.md").is_file());
    // Without --current-cert, ROLLOVER.md is no longer part of the set: removed.
    let (exit, doc, _) = identity_center(&out, &[]);
    assert_eq!(exit, 0);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "ROLLOVER.md" && f["change"] == "removed"));
    assert!(!out.join("ROLLOVER.md").exists());

    // Edited, it stays, and the report says so.
    assert_eq!(identity_center(&out, &rollover).0, 0);
    fs::write(out.join("ROLLOVER.md"), "our dates\n").unwrap();
    let (exit, doc, _) = identity_center(&out, &[]);
    assert_eq!(exit, 0);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "ROLLOVER.md" && f["change"] == "kept-edited"));
    assert_eq!(
        fs::read_to_string(out.join("ROLLOVER.md")).unwrap(),
        "our dates\n"
    );
}

#[test]
fn errors_block_the_write_unless_asked_and_force_does_not_mean_that() {
    let tmp = tempdir();
    let bad = bad_claims(tmp.path());
    let out = tmp.path().join("out");
    let (exit, doc, _) = identity_center(&out, &["--claims", &bad, "--force"]);
    assert_eq!(exit, 1);
    assert_eq!(
        doc["written"], false,
        "--force alone does not override errors"
    );
    assert!(!out.exists());
    let o = run(&[
        "aws",
        "identity-center",
        &testdata("metadata/entra-app-rollover.xml"),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--claims",
        &bad,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains(
            "not written: error-level findings stand (fix them, or use --write-despite-errors)"
        ),
        "{}",
        stdout(&o)
    );
    let (exit, doc, _) = identity_center(&out, &["--claims", &bad, "--write-despite-errors"]);
    assert_eq!(exit, 1, "written, but the errors still stand");
    assert_eq!(doc["written"], true);
    assert!(out.join("STEPS.md").exists());
}

/// Runs as an unprivileged user when the tests run as root (permissions bind only then).
#[cfg(unix)]
fn as_unprivileged(cmd: &mut std::process::Command) {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    if fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(1) == 0 {
        cmd.uid(65534).gid(65534);
    }
}

#[cfg(unix)]
#[test]
fn an_unwritable_directory_or_a_read_only_file_fails_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempdir();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = tmp.path().join("idc");
    assert_eq!(identity_center(&out, &[]).0, 0);
    for entry in fs::read_dir(&out).unwrap() {
        fs::set_permissions(entry.unwrap().path(), fs::Permissions::from_mode(0o644)).unwrap();
    }
    let before = contents(&out);
    fs::set_permissions(&out, fs::Permissions::from_mode(0o555)).unwrap();
    let mut cmd = bin();
    cmd.args([
        "aws",
        "identity-center",
        &testdata("metadata/entra-app-rollover.xml"),
        "--sp-metadata",
        &testdata("metadata/identity-center-sp.xml"),
        "--claims",
        &testdata("claims/identity-center.toml"),
        "--instance-arn",
        "arn:aws:sso:::instance/ssoins-abcdef1234567890",
        "--out",
        out.to_str().unwrap(),
    ]);
    as_unprivileged(&mut cmd);
    let o = cmd.stdin(Stdio::null()).output().unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
    assert_eq!(
        before,
        contents(&out),
        "nothing changed, nothing left behind"
    );

    // A read-only file samlbridge wrote is still its own to replace (the directory decides).
    fs::set_permissions(out.join("STEPS.md"), fs::Permissions::from_mode(0o444)).unwrap();
    let (exit, _, err) = identity_center(
        &out,
        &[
            "--instance-arn",
            "arn:aws:sso:::instance/ssoins-abcdef1234567890",
        ],
    );
    assert_eq!(exit, 0, "{err}");
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

fn spawn_write(out: &Path, instance: &str) -> std::process::Child {
    bin()
        .env("SAMLBRIDGE_TEST_WRITE_PAUSE_MS", "400")
        .args([
            "aws",
            "identity-center",
            &testdata("metadata/entra-app-rollover.xml"),
            "--sp-metadata",
            &testdata("metadata/identity-center-sp.xml"),
            "--claims",
            &testdata("claims/identity-center.toml"),
            "--instance-arn",
            instance,
            "--out",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the write has created its first temporary file.
fn wait_for_temporary(out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let writing = fs::read_dir(out).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".samlbridge-tmp-")
        });
        if writing {
            return;
        }
        assert!(Instant::now() < deadline, "the write never started");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The files directly in `dir`, with their contents.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_write_killed_between_two_files_leaves_the_old_set_and_no_temporary_file() {
    let tmp = tempdir();
    let out = tmp.path().join("idc");
    let before = user_project(&out);
    assert_eq!(identity_center(&out, &[]).0, 0);
    let old = contents(&out);

    // SIGTERM (what `kill` sends) and SIGINT (Ctrl-C): the write rolls back.
    for signal in ["-TERM", "-INT"] {
        let child = spawn_write(&out, "arn:aws:sso:::instance/ssoins-abcdef1234567890");
        wait_for_temporary(&out);
        let status = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(code(&o), 2, "{signal}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("interrupted; nothing in"),
            "{}",
            stderr(&o)
        );
        assert_eq!(contents(&out), old, "{signal}: the old set, whole");
    }

    // SIGKILL cannot be caught: the next run recognises what was left as its own, cleans it
    // up, and needs no --force.
    let mut child = spawn_write(&out, "arn:aws:sso:::instance/ssoins-abcdef1234567890");
    wait_for_temporary(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    let (exit, doc, err) = identity_center(
        &out,
        &[
            "--instance-arn",
            "arn:aws:sso:::instance/ssoins-abcdef1234567890",
        ],
    );
    assert_eq!(exit, 0, "{err} {doc}");
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    assert_eq!(snapshot_user_files(&out), before);
}

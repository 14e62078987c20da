//! The README's commands, run as a user types them, so that one that stops working fails CI.
//!
//! Every `sh` block of README.md is one of two kinds. A block of `samlbridge` commands runs here,
//! verbatim, in bash (`set -euo pipefail`), in a working directory that holds the shipped test
//! data under the names the README uses, with `HOME` in a temporary directory, Microsoft Graph
//! served by the testkit stand-in (real TLS; `SAMLBRIDGE_GRAPH_ENDPOINT`, `SSL_CERT_FILE`),
//! the AWS side by moto (`AWS_ENDPOINT_URL`), and a stand-in `az` for the two Azure CLI calls
//! the README makes. A block that builds or installs (cargo, sudo, man, tar, …) is run by
//! `cargo xtask readme` from `.ci/run`; this test checks that each block is one or the other.

use crate::aws_tooling::{ok, Moto};
use crate::util::{code, says, stderr, stdout, tempdir, testdata};
use samlbridge_testkit::graph as g;
use samlbridge_testkit::preflight::Scenario;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// First words that make a block a build block, run by `cargo xtask readme` (the same list as
/// `xtask/src/readme.rs`).
const BUILD_COMMANDS: &[&str] = &[
    "cargo",
    "sudo",
    "man",
    "cd",
    "tar",
    "dpkg",
    "RUSTC_BOOTSTRAP=1",
];

/// The README's placeholder file names and the shipped files they stand for.
const FILES: &[(&str, &str)] = &[
    ("capture.har", "captures/success.chrome.har"),
    ("signin.har", "captures/aadsts50011.chrome.har"),
    ("federationmetadata.xml", "metadata/entra-app.xml"),
    ("aws-sso-metadata.xml", "metadata/identity-center-sp.xml"),
    ("uploaded-to-identity-center.xml", "metadata/entra-app.xml"),
];

/// Answers `az account get-access-token … -o tsv` with the stand-in's token and `az rest --url
/// https://graph.microsoft.com/…` from the Graph stand-in, as the Azure CLI would from Graph.
const AZ_STAND_IN: &str = r#"#!/usr/bin/env bash
set -euo pipefail
case "$*" in
  "account get-access-token --resource-type ms-graph --query accessToken -o tsv")
    printf '%s\n' "$AZ_STAND_IN_TOKEN" ;;
  "rest --url https://graph.microsoft.com/"*)
    exec python3 - "${SAMLBRIDGE_GRAPH_ENDPOINT%/}/${3#https://graph.microsoft.com/}" <<'PY'
import os, ssl, sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + os.environ["AZ_STAND_IN_TOKEN"]})
context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
sys.stdout.write(urllib.request.urlopen(request, context=context).read().decode())
PY
    ;;
  *) echo "az stand-in: not a call the README makes: $*" >&2; exit 2 ;;
esac
"#;

struct Block {
    line: usize,
    text: String,
    info: String,
}

impl Block {
    fn first_words(&self) -> Vec<&str> {
        self.text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().next())
            .collect()
    }

    fn is_build(&self) -> bool {
        self.first_words()
            .iter()
            .any(|w| BUILD_COMMANDS.contains(w))
    }
}

/// Every fenced code block of README.md, with its info string and opening line.
fn blocks() -> Vec<Block> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (event, range) in Parser::new(&readme).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some(Block {
                    line: readme[..range.start].lines().count() + 1,
                    text: String::new(),
                    info: info.to_string(),
                });
            }
            Event::Text(t) => {
                if let Some(b) = open.as_mut() {
                    b.text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// The place the README's blocks run in, and what they reach.
struct Stage {
    dir: tempfile::TempDir,
    graph: g::GraphServer,
    moto: Moto,
    sp_id: String,
}

impl Stage {
    fn new() -> Stage {
        let moto = Moto::start_if_installed().expect(
            "the AWS CLI and moto are needed: `cargo xtask test` installs them into target/ci-venv",
        );
        let scenario = Scenario::clean();
        let sp_id = scenario.tenant.service_principal["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let graph = scenario.tenant.serve();
        let dir = tempdir();
        for sub in ["home", "bin", "work"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        for (name, shipped) in FILES {
            std::fs::copy(testdata(shipped), dir.path().join("work").join(name)).unwrap();
        }
        std::fs::write(dir.path().join("graph-ca.pem"), graph.ca_pem()).unwrap();
        let bin = dir.path().join("bin");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_samlbridge"), bin.join("samlbridge"))
            .unwrap();
        std::fs::write(bin.join("az"), AZ_STAND_IN).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("az"), std::fs::Permissions::from_mode(0o755)).unwrap();
        identity_center(&moto);
        Stage {
            dir,
            graph,
            moto,
            sp_id,
        }
    }

    fn home(&self) -> std::path::PathBuf {
        self.dir.path().join("home")
    }

    fn work(&self) -> std::path::PathBuf {
        self.dir.path().join("work")
    }

    /// The block's text, run by bash as a script in the working directory.
    fn run(&self, block: &Block) -> Output {
        let script = format!(
            "set -euo pipefail\n{}",
            block.text.replace("<object-id>", &self.sp_id)
        );
        let path = std::env::join_paths(
            std::iter::once(self.dir.path().join("bin"))
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(self.work())
            .env("PATH", path)
            .env("HOME", self.home())
            .env("TZ", "UTC")
            .env("COLUMNS", "200")
            .env("NO_COLOR", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("SAMLBRIDGE_GRAPH_TOKEN")
            .env("SAMLBRIDGE_GRAPH_ENDPOINT", self.graph.url())
            .env("SSL_CERT_FILE", self.dir.path().join("graph-ca.pem"))
            .env("AZ_STAND_IN_TOKEN", g::TOKEN)
            .env("AWS_ENDPOINT_URL", self.moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }
}

/// Identity Center in moto holding each user of the clean tenant under its user principal name.
fn identity_center(moto: &Moto) {
    let instances: Value =
        serde_json::from_str(&ok(&moto.aws(&["sso-admin", "list-instances"]))).unwrap();
    let store = instances["Instances"][0]["IdentityStoreId"]
        .as_str()
        .unwrap()
        .to_owned();
    for (login, given, family) in [
        ("alice", "Alice", "Archer"),
        ("bob", "Bob", "Baker"),
        ("carol", "Carol", "Cole"),
        ("dave", "Dave", "Dunn"),
    ] {
        let user = format!("{login}@contoso.example");
        ok(&moto.aws(&[
            "identitystore",
            "create-user",
            "--identity-store-id",
            &store,
            "--user-name",
            &user,
            "--name",
            &format!("GivenName={given},FamilyName={family}"),
            "--display-name",
            &format!("{given} {family}"),
            "--emails",
            &format!("Value={user},Type=work,Primary=true"),
        ]));
    }
}

fn report(block: &Block, out: &Output) -> String {
    format!(
        "README.md:{} ({} exit {}):\n{}\nstdout:\n{}\nstderr:\n{}",
        block.line,
        block.info,
        code(out),
        block.text,
        stdout(out),
        stderr(out)
    )
}

#[test]
fn every_command_in_the_readme_runs() {
    let blocks = blocks();
    let stage = Stage::new();
    let mut checked = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.info != "sh" || block.is_build() {
            continue;
        }
        let out = stage.run(block);
        let text = &block.text;
        let what = if text.contains("samlbridge completions") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            for (shell, file) in [
                (
                    "bash",
                    ".local/share/bash-completion/completions/samlbridge",
                ),
                ("zsh", ".zfunc/_samlbridge"),
                ("fish", ".config/fish/completions/samlbridge.fish"),
            ] {
                let written = std::fs::read(stage.home().join(file)).unwrap();
                let expected = crate::util::run(&["completions", shell]).stdout;
                assert!(!expected.is_empty());
                assert_eq!(written, expected, "{shell} completion at ~/{file}");
            }
            "completions"
        } else if text.contains("samlbridge validate") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            assert!(says(&stdout(&out), "ACCEPT"), "{}", report(block, &out));
            "validate"
        } else if text.contains("samlbridge trace") {
            assert_eq!(code(&out), 1, "{}", report(block, &out));
            // The report the README shows next is what the command prints (its elided lines,
            // marked …, aside).
            let shown = blocks[i + 1..]
                .iter()
                .find(|b| b.info == "text")
                .expect("the trace example's output follows it");
            for line in shown.text.lines().filter(|l| !l.contains('…')) {
                let line = line.replace("aadsts50011.chrome.har", "signin.har");
                assert!(
                    says(&stdout(&out), &line),
                    "README.md:{} shows {line:?}, which trace does not print:\n{}",
                    shown.line,
                    report(block, &out)
                );
            }
            "trace"
        } else if text.contains("samlbridge aws iam") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            use std::os::unix::fs::PermissionsExt;
            let key = stage.work().join("aws-iam/assertion-encryption-key.pem");
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode, 0o600,
                "the generated key is readable by its owner only"
            );
            let steps = std::fs::read_to_string(stage.work().join("aws-iam/STEPS.md")).unwrap();
            assert!(
                steps.contains("--assertion-encryption-mode Required"),
                "{steps}"
            );
            "aws iam"
        } else if text.starts_with("az rest") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            let claims = stage.work().join("claims.json");
            serde_json::from_slice::<Value>(&std::fs::read(&claims).unwrap()).unwrap();
            // What the README says the file is for.
            let check = crate::util::run(&[
                "check",
                "--claims",
                claims.to_str().unwrap(),
                "--target",
                "identity-center",
            ]);
            assert_ne!(code(&check), 2, "{}", stderr(&check));
            "az rest"
        } else if text.contains("samlbridge entra export") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            for file in ["servicePrincipal.json", "application.json", "users.json"] {
                assert!(stage.work().join("entra").join(file).is_file(), "{file}");
            }
            "entra export"
        } else if text.contains("samlbridge preflight") {
            assert_eq!(code(&out), 0, "{}", report(block, &out));
            assert!(says(&stdout(&out), "GO"), "{}", report(block, &out));
            let csv = std::fs::read_to_string(stage.work().join("users.csv")).unwrap();
            assert!(csv.contains("alice@contoso.example"), "{csv}");
            "preflight"
        } else {
            panic!(
                "README.md:{} is neither run by this test nor a build block for `cargo xtask readme`:\n{text}",
                block.line
            );
        };
        checked.push(what);
    }
    assert_eq!(
        checked,
        [
            "completions",
            "validate",
            "trace",
            "aws iam",
            "az rest",
            "entra export",
            "preflight"
        ]
    );
}

#[test]
fn the_build_blocks_are_run_by_ci() {
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == "cargo xtask readme"));
    assert!(ci.lines().any(|l| l.trim() == "cargo xtask test"));
    let build: Vec<usize> = blocks()
        .iter()
        .filter(|b| b.info == "sh" && b.is_build())
        .map(|b| b.line)
        .collect();
    // Set-up, the package, the tarball, from source, the man pages and fuzzing.
    assert_eq!(build.len(), 6, "build blocks at README lines {build:?}");
    // What the fuzzing block needs on a fresh clone: its seed directories and dictionaries.
    let fuzz = blocks()
        .into_iter()
        .find(|b| b.text.contains("cargo fuzz run"))
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for word in fuzz.text.split_whitespace() {
        if let Some(dict) = word.strip_prefix("-dict=") {
            assert!(root.join("fuzz").join(dict).is_file(), "{dict}");
        }
        if word.starts_with("../testdata/") || word.starts_with("regressions/") {
            assert!(root.join("fuzz").join(word).is_dir(), "{word}");
        }
    }
}

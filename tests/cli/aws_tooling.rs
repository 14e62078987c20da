//! What samlbridge writes, checked by AWS's own tooling: cfn-lint on every CloudFormation
//! template, python-hcl2 on every Terraform file, and the AWS CLI against a moto server on
//! 127.0.0.1 (for the sso-admin call moto lacks, the CLI's own parameter validation). Each test
//! skips, saying so, when its tool is not installed (a plain `cargo test`); `cargo xtask test`, which CI runs,
//! installs them all first.

use crate::aws::{iam, identity_center};
use crate::util::*;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn have(program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipped: `{program}` is not installed (cargo xtask test installs it from .ci/requirements.txt)"
        );
    }
    ok
}

/// Both configuration sets, written from the shipped test data (IAM with a regional sign-in
/// endpoint too, so the trust policies hold a list of audiences).
fn written() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempdir();
    let idc = tmp.path().join("idc");
    let (exit, _, err) = identity_center(&idc, &[]);
    assert_eq!(exit, 0, "{err}");
    let iam_dir = tmp.path().join("iam");
    let (exit, _, err) = iam(&iam_dir, &["--sign-in-region", "eu-west-1"]);
    assert_eq!(exit, 0, "{err}");
    (tmp, idc, iam_dir)
}

/// The `aws` commands of a STEPS.md's code blocks, as shell words without the leading `aws`,
/// block by block.
pub fn steps_commands(dir: &Path) -> Vec<Vec<Vec<String>>> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let steps = std::fs::read_to_string(dir.join("STEPS.md")).unwrap();
    let mut blocks: Vec<String> = Vec::new();
    let mut open = false;
    for event in Parser::new(&steps) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                open = true;
                blocks.push(String::new());
            }
            Event::End(TagEnd::CodeBlock) => open = false,
            Event::Text(t) if open => blocks.last_mut().unwrap().push_str(&t),
            _ => {}
        }
    }
    blocks
        .iter()
        .map(|b| {
            b.lines()
                .filter(|l| l.starts_with("aws "))
                .map(|l| shlex::split(l).unwrap()[1..].to_vec())
                .collect::<Vec<_>>()
        })
        .filter(|b| !b.is_empty())
        .collect()
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

#[test]
fn cfn_lint_accepts_every_template() {
    if !have("cfn-lint", &["--version"]) {
        return;
    }
    let (_tmp, idc, iam_dir) = written();
    let templates: Vec<PathBuf> = [
        files_ending(&idc, ".cfn.json"),
        files_ending(&iam_dir, ".cfn.json"),
    ]
    .concat();
    assert_eq!(templates.len(), 2);
    for t in &templates {
        let out = Command::new("cfn-lint").arg(t).output().unwrap();
        assert!(
            out.status.success(),
            "cfn-lint {}:\n{}{}",
            t.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The check has teeth: a template with two sources per key is refused.
    let mut broken: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&templates[0]).unwrap()).unwrap();
    broken["Resources"]["AccessControlAttributes"]["Properties"]["AccessControlAttributes"][0]
        ["Value"]["Source"]
        .as_array_mut()
        .unwrap()
        .push("${path:enterprise.division}".into());
    let broken = serde_json::to_string_pretty(&broken).unwrap();
    let path = templates[0].with_extension("broken.json");
    std::fs::write(&path, broken).unwrap();
    assert!(!Command::new("cfn-lint")
        .arg(&path)
        .output()
        .unwrap()
        .status
        .success());
}

pub fn hcl2_parses(python: &str, file: &Path) -> Result<(), String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import hcl2, sys\nwith open(sys.argv[1]) as f:\n    hcl2.load(f)",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn python_hcl2_parses_every_terraform_file() {
    let python = "python3";
    if !have(python, &["-c", "import hcl2"]) {
        return;
    }
    let (_tmp, idc, iam_dir) = written();
    let files: Vec<PathBuf> = [files_ending(&idc, ".tf"), files_ending(&iam_dir, ".tf")].concat();
    assert_eq!(files.len(), 2);
    for f in &files {
        hcl2_parses(python, f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    // An unescaped template sequence is what a careless writer would produce; hcl2 refuses it.
    let careless = std::fs::read_to_string(&files[0])
        .unwrap()
        .replace("$${", "${");
    let path = files[0].with_extension("careless.tf");
    std::fs::write(&path, careless).unwrap();
    assert!(hcl2_parses(python, &path).is_err());
}

/// A moto server on 127.0.0.1, stopped when dropped.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto { child, port }
    }

    /// A moto server when the AWS CLI and moto are installed (`.ci/run` installs them).
    pub fn start_if_installed() -> Option<Moto> {
        (have("aws", &["--version"]) && have("moto_server", &["--help"])).then(Moto::start)
    }

    pub fn aws(&self, args: &[&str]) -> std::process::Output {
        aws_cli(args, Some(self.port), None)
    }

    /// What `--endpoint-url` and `AWS_ENDPOINT_URL` name to reach this server.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `aws` run in `dir`, where STEPS.md's `file://` paths point.
    pub fn aws_in(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        aws_cli(args, Some(self.port), Some(dir))
    }

    /// Creates a CloudFormation stack from `template` and asserts it completes with exactly
    /// these IAM roles in the account (moto models IAM roles; it skips SAML providers).
    pub fn creates_exactly_these_roles(&self, template: &Path, roles: &[&str]) {
        ok(&self.aws(&[
            "cloudformation",
            "create-stack",
            "--stack-name",
            "samlbridge",
            "--template-body",
            &format!("file://{}", template.display()),
        ]));
        let stacks: serde_json::Value = serde_json::from_str(&ok(&self.aws(&[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            "samlbridge",
        ])))
        .unwrap();
        assert_eq!(
            stacks["Stacks"][0]["StackStatus"], "CREATE_COMPLETE",
            "{stacks}"
        );
        let listed: serde_json::Value =
            serde_json::from_str(&ok(&self.aws(&["iam", "list-roles"]))).unwrap();
        let mut names: Vec<&str> = listed["Roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["RoleName"].as_str().unwrap())
            .collect();
        names.sort();
        let mut expected = roles.to_vec();
        expected.sort();
        assert_eq!(names, expected, "the stack created other roles");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn aws_cli(args: &[&str], port: Option<u16>, dir: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new("aws");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    if let Some(port) = port {
        cmd.args(["--endpoint-url", &format!("http://127.0.0.1:{port}")]);
    }
    cmd.args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap()
}

pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "aws failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The commands of STEPS.md, run as written in the directory they were written to: the
/// provider and the roles are created, then updated as existing roles would be.
#[test]
fn aws_cli_applies_the_iam_set_to_moto() {
    if !have("aws", &["--version"]) || !have("moto_server", &["--help"]) {
        return;
    }
    let (_tmp, _idc, iam_dir) = written();
    let moto = Moto::start();
    let blocks = steps_commands(&iam_dir);
    assert_eq!(blocks.len(), 2, "create, then update: {blocks:?}");
    for command in &blocks[0] {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        ok(&moto.aws_in(&iam_dir, &args));
    }
    for role in ["EntraAdmin", "ReadOnly"] {
        let got: serde_json::Value =
            serde_json::from_str(&ok(&moto.aws(&["iam", "get-role", "--role-name", role])))
                .unwrap();
        assert_eq!(got["Role"]["MaxSessionDuration"], 28800, "{got}");
        let trust: serde_json::Value = serde_json::from_slice(
            &std::fs::read(iam_dir.join(format!("trust-policy-{role}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(got["Role"]["AssumeRolePolicyDocument"], trust, "{got}");
    }
    let got = ok(&moto.aws(&[
        "iam",
        "get-saml-provider",
        "--saml-provider-arn",
        "arn:aws:iam::123456789012:saml-provider/EntraID",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&got).unwrap();
    let uploaded = doc["SAMLMetadataDocument"].as_str().unwrap();
    assert_eq!(
        uploaded.as_bytes(),
        std::fs::read(iam_dir.join("idp-metadata.xml")).unwrap()
    );
    // The commands for roles that exist already apply to them as well.
    ok(&moto.aws(&[
        "iam",
        "update-role",
        "--role-name",
        "EntraAdmin",
        "--max-session-duration",
        "3600",
    ]));
    for command in &blocks[1] {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        ok(&moto.aws_in(&iam_dir, &args));
    }
    let got: serde_json::Value = serde_json::from_str(&ok(&moto.aws(&[
        "iam",
        "get-role",
        "--role-name",
        "EntraAdmin",
    ])))
    .unwrap();
    assert_eq!(got["Role"]["MaxSessionDuration"], 28800, "{got}");
}

/// moto does not implement the access-control-attribute calls, so the AWS CLI's own
/// parameter validation (run locally, no request sent) judges STEPS.md's command, Region
/// included, on the CLI input it names.
#[test]
fn aws_cli_validates_the_identity_center_input() {
    if !have("aws", &["--version"]) {
        return;
    }
    let (_tmp, idc, _iam) = written();
    let blocks = steps_commands(&idc);
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    let [command] = blocks[0].as_slice() else {
        panic!("{blocks:?}")
    };
    assert_eq!(
        command[..2],
        [
            "sso-admin",
            "create-instance-access-control-attribute-configuration"
        ]
    );
    assert!(
        command.windows(2).any(|w| w == ["--region", "eu-west-1"]),
        "{command:?}"
    );
    let validate = |command: &[String]| {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.extend(["--generate-cli-skeleton", "output"]);
        aws_cli(&args, None, Some(&idc))
    };
    let out = validate(command);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The check has teeth: two sources per key fail the CLI's validation.
    let input = idc.join("access-control-attributes.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&input).unwrap()).unwrap();
    json["InstanceAccessControlAttributeConfiguration"]["AccessControlAttributes"][0]["Value"]
        ["Source"] = serde_json::json!(["a", "b"]);
    json["InstanceAccessControlAttributeConfiguration"]["AccessControlAttributes"][0]["Key"] =
        serde_json::json!("");
    let broken = idc.join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&json).unwrap()).unwrap();
    let broken_command: Vec<String> = command
        .iter()
        .map(|a| {
            if a == "file://access-control-attributes.json" {
                "file://broken.json".to_owned()
            } else {
                a.clone()
            }
        })
        .collect();
    let out = validate(&broken_command);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Parameter validation failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

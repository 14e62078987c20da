//! `samlbridge aws iam --assertion-encryption`: the private key (given, or generated with mode
//! 0600 and kept by reruns), the certificate for Entra, the provider in the CLI input,
//! CloudFormation and Terraform, the steps, and the refusals; checked by cfn-lint,
//! python-hcl2, the AWS CLI's parameter validation and moto where they are installed.

use crate::aws::iam;
use crate::aws_tooling::{aws_cli, have, hcl2_parses, ok, steps_commands, Moto};
use crate::util::*;
use samlbridge::cert::encryption::EncryptionKey;
use samlbridge::cert::Certificate;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const KEY: &str = "assertion-encryption-key.pem";
const CERT: &str = "entra-token-encryption.cer";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The base64 lines of a PEM key: any of them in an output means the key leaked.
fn secret_lines(pem: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(pem)
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        .map(str::to_owned)
        .collect()
}

fn assert_not_in(pem: &[u8], what: &str, text: &str) {
    let lines = secret_lines(pem);
    assert!(lines.len() > 10, "a real key");
    for line in &lines {
        assert!(
            !text.contains(line.as_str()),
            "the private key is in {what}"
        );
    }
}

/// Every file of `dir` but the key file: none may hold the key.
fn assert_only_the_key_file_holds_it(dir: &Path, pem: &[u8]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == KEY {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert_not_in(pem, &path.display().to_string(), &text);
    }
}

fn certificate(path: &Path) -> Certificate {
    Certificate::from_pem_all(&std::fs::read(path).unwrap())
        .unwrap()
        .remove(0)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A PEM file written by the test.
fn write(dir: &Path, name: &str, pem: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

fn rsa_pem(bits: u32) -> Vec<u8> {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(bits).unwrap()).unwrap();
    key.private_key_to_pem_pkcs8().unwrap()
}

#[test]
fn a_generated_key_is_owner_only_matches_its_certificate_and_is_never_shown() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let (exit, report, err) = iam(&out, &["--assertion-encryption", "required"]);
    assert_eq!(exit, 0, "{err}");
    let key_path = out.join(KEY);
    assert_eq!(
        mode(&key_path),
        0o600,
        "the key is readable by its owner only"
    );
    let pem = std::fs::read(&key_path).unwrap();
    let key = EncryptionKey::from_pem(&pem).unwrap();
    assert_eq!(key.bits(), 2048);
    let cert = certificate(&out.join(CERT));
    assert!(key.matches(&cert), "the certificate is the key's");
    assert_eq!(cert.common_name(), "EntraID assertion encryption");
    assert_eq!(cert.signature_algorithm, "sha256WithRSAEncryption");
    // Valid from the run's instant (--now), for three years.
    assert_eq!(cert.not_before.to_rfc3339(), "2026-11-27T12:00:00+00:00");
    assert_eq!((cert.not_after - cert.not_before).num_days(), 3 * 365);

    let provider = read_json(&out.join("saml-provider.json"));
    assert_eq!(provider["AssertionEncryptionMode"], "Allowed", "{provider}");
    assert!(
        provider.get("AddPrivateKey").is_none(),
        "the key is not copied"
    );
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    assert!(steps.contains(&cert.sha1.to_string()), "the thumbprint");
    assert!(steps.contains(&format!("--add-private-key file://{KEY}")));
    assert!(steps.contains(&format!("--decrypt-key {KEY}")));
    assert!(steps.contains("--assertion-encryption-mode Required"));
    assert!(steps.contains("--remove-private-key KEY-ID"));
    // Zero-outage order: Allowed with the key, Entra encrypts, the test, then Required.
    let at = |s: &str| steps.find(s).unwrap_or_else(|| panic!("{s} in STEPS.md"));
    assert!(at("create-saml-provider") < at("Import certificate"));
    let test = format!("--decrypt-key {KEY}");
    assert!(at("Import certificate") < at(&test));
    assert!(at(&test) < at("--assertion-encryption-mode Required"));
    assert!(at("--assertion-encryption-mode Required") < at("## Key rotation"));

    assert_only_the_key_file_holds_it(&out, &pem);
    assert_not_in(&pem, "the JSON report", &report.to_string());
    assert_not_in(&pem, "stderr", &err);
    // A rerun in the human format over an edited STEPS.md shows diffs: still not the key.
    std::fs::write(out.join("STEPS.md"), "edited\n").unwrap();
    let human = run(&[
        "aws",
        "iam",
        &testdata("metadata/entra-app.xml"),
        "--account-id",
        "123456789012",
        "--provider-name",
        "EntraID",
        "--role",
        "EntraAdmin",
        "--claims",
        &testdata("claims/iam.toml"),
        "--now",
        "2026-11-27T12:00:00Z",
        "--assertion-encryption",
        "required",
        "--dry-run",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    assert!(says(
        &stdout(&human),
        "unchanged assertion-encryption-key.pem"
    ));
    assert_not_in(&pem, "stdout", &stdout(&human));
    assert_not_in(&pem, "stderr", &stderr(&human));
}

#[test]
fn a_rerun_never_replaces_or_removes_the_key() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let (exit, _, err) = iam(&out, &["--assertion-encryption", "allowed"]);
    assert_eq!(exit, 0, "{err}");
    let first = std::fs::read(out.join(KEY)).unwrap();
    let first_cert = std::fs::read(out.join(CERT)).unwrap();

    // The same run again, and with --force: the key and its certificate stay.
    for extra in [&[][..], &["--force"][..]] {
        let args = [&["--assertion-encryption", "allowed"][..], extra].concat();
        let (exit, _, err) = iam(&out, &args);
        assert_eq!(exit, 0, "{err}");
        assert_eq!(std::fs::read(out.join(KEY)).unwrap(), first);
        assert_eq!(std::fs::read(out.join(CERT)).unwrap(), first_cert);
    }

    // A key the user put there instead is used, not replaced; the certificate follows it.
    let theirs = rsa_pem(3072);
    std::fs::write(out.join(KEY), &theirs).unwrap();
    let (exit, _, err) = iam(&out, &["--assertion-encryption", "allowed", "--force"]);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(std::fs::read(out.join(KEY)).unwrap(), theirs);
    let key = EncryptionKey::from_pem(&theirs).unwrap();
    assert!(key.matches(&certificate(&out.join(CERT))));

    // A run without encryption, and one with another key given, keep the file as it is.
    let (exit, _, err) = iam(&out, &[]);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(std::fs::read(out.join(KEY)).unwrap(), theirs);
    let other = write(tmp.path(), "other.pem", &rsa_pem(2048));
    let (exit, _, err) = iam(
        &out,
        &[
            "--assertion-encryption",
            "allowed",
            "--encryption-key",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(exit, 0, "{err}");
    assert_eq!(std::fs::read(out.join(KEY)).unwrap(), theirs);
    assert_eq!(mode(&out.join(KEY)), 0o600);

    // A key file that is not a usable key stops the run, naming it; nothing changes.
    std::fs::write(out.join(KEY), "not a key\n").unwrap();
    let steps = std::fs::read(out.join("STEPS.md")).unwrap();
    let (exit, _, err) = iam(&out, &["--assertion-encryption", "allowed", "--force"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains(&out.join(KEY).display().to_string()), "{err}");
    assert!(err.contains("--encryption-key"), "{err}");
    assert_eq!(std::fs::read(out.join("STEPS.md")).unwrap(), steps);
}

#[test]
fn a_users_key_is_referenced_not_copied_and_their_certificate_checked() {
    let tmp = tempdir();
    let pem = rsa_pem(2048);
    let key_path = write(tmp.path(), "my key.pem", &pem);
    let key = EncryptionKey::from_pem(&pem).unwrap();
    let cert = key
        .self_signed("mine", "2026-11-01T00:00:00Z".parse().unwrap())
        .unwrap();
    let cert_path = write(tmp.path(), "mine.cer", cert.to_pem().as_bytes());
    let out = tmp.path().join("out");
    let (exit, report, err) = iam(
        &out,
        &[
            "--assertion-encryption",
            "required",
            "--encryption-key",
            key_path.to_str().unwrap(),
            "--encryption-cert",
            cert_path.to_str().unwrap(),
        ],
    );
    assert_eq!(exit, 0, "{err}");
    assert!(!out.join(KEY).exists(), "the user's key is not copied");
    assert_eq!(
        std::fs::read_to_string(out.join(CERT)).unwrap(),
        cert.to_pem()
    );
    assert_only_the_key_file_holds_it(&out, &pem);
    assert_not_in(&pem, "the JSON report", &report.to_string());
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    // Named by absolute path, shell-quoted: the commands run in the output directory.
    assert!(
        steps.contains(&format!("'file://{}'", key_path.display())),
        "{steps}"
    );

    // A certificate of another key is refused, naming both files.
    let stranger = EncryptionKey::from_pem(&rsa_pem(2048))
        .unwrap()
        .self_signed("stranger", "2026-11-01T00:00:00Z".parse().unwrap())
        .unwrap();
    let stranger_path = write(tmp.path(), "stranger.cer", stranger.to_pem().as_bytes());
    let out2 = tmp.path().join("out2");
    let (exit, _, err) = iam(
        &out2,
        &[
            "--assertion-encryption",
            "allowed",
            "--encryption-key",
            key_path.to_str().unwrap(),
            "--encryption-cert",
            stranger_path.to_str().unwrap(),
        ],
    );
    assert_eq!(exit, 2, "{err}");
    assert!(says(&err, "does not match the private key"), "{err}");
    assert!(err.contains(stranger_path.to_str().unwrap()), "{err}");
    assert!(!out2.exists());
}

#[test]
fn wrong_encryption_inputs_are_usage_errors_that_write_nothing() {
    let tmp = tempdir();
    let dir = tmp.path();
    let good = EncryptionKey::from_pem(&rsa_pem(2048)).unwrap();
    let cert = good
        .self_signed("x", "2026-11-01T00:00:00Z".parse().unwrap())
        .unwrap();
    let cert_path = write(dir, "cert.pem", cert.to_pem().as_bytes());
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let encrypted = write(
        dir,
        "encrypted.pem",
        &openssl::pkey::PKey::from_rsa(rsa)
            .unwrap()
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"pw")
            .unwrap(),
    );
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    let ec = write(
        dir,
        "ec.pem",
        &openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap())
            .unwrap()
            .private_key_to_pem_pkcs8()
            .unwrap(),
    );
    let small = write(dir, "small.pem", &rsa_pem(1024));
    let key_and_cert = write(
        dir,
        "key-and-cert.pem",
        &[good.pem(), cert.to_pem().as_bytes()].concat(),
    );
    let missing = dir.join("missing.pem");
    let key = |p: &Path| {
        vec![
            "--assertion-encryption".to_owned(),
            "allowed".to_owned(),
            "--encryption-key".to_owned(),
            p.display().to_string(),
        ]
    };
    let cases: Vec<(Vec<String>, &Path, &str, &str)> = vec![
        (
            key(&cert_path),
            &cert_path,
            "--encryption-key",
            "certificate",
        ),
        (
            key(&encrypted),
            &encrypted,
            "--encryption-key",
            "passphrase",
        ),
        (key(&ec), &ec, "--encryption-key", "RSA keys only"),
        (key(&small), &small, "--encryption-key", "1024 bits"),
        (
            key(&key_and_cert),
            &key_and_cert,
            "--encryption-key",
            "--encryption-cert",
        ),
        (key(&missing), &missing, "--encryption-key", "no such file"),
        (
            vec![
                "--encryption-cert".to_owned(),
                cert_path.display().to_string(),
            ],
            &cert_path,
            "--encryption-cert",
            "--assertion-encryption",
        ),
        (
            vec!["--encryption-key".to_owned(), small.display().to_string()],
            &small,
            "--encryption-key",
            "--assertion-encryption",
        ),
    ];
    for (args, file, flag, says_what) in cases {
        let out = dir.join("out");
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (exit, _, err) = iam(&out, &refs);
        assert_eq!(exit, 2, "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(err.contains(&file.display().to_string()), "{args:?}: {err}");
        assert!(says(&err, says_what), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote something");
    }
}

#[test]
fn identity_center_has_no_assertion_encryption() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let (exit, _, err) = crate::aws::identity_center(&out, &["--assertion-encryption", "allowed"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("--assertion-encryption"), "{err}");
    assert!(!out.exists());
}

/// The encrypted set, the key generated.
fn written(mode: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempdir();
    let out = tmp.path().join("iam");
    let (exit, _, err) = iam(
        &out,
        &[
            "--assertion-encryption",
            mode,
            "--sign-in-region",
            "eu-west-1",
        ],
    );
    assert_eq!(exit, 0, "{err}");
    (tmp, out)
}

#[test]
fn cfn_lint_accepts_the_template_and_the_key_is_a_noecho_parameter() {
    let (_tmp, out) = written("required");
    let template = read_json(&out.join("iam.cfn.json"));
    let provider = &template["Resources"]["EntraSamlProvider"]["Properties"];
    assert_eq!(
        provider["AddPrivateKey"],
        serde_json::json!({"Ref": "AssertionEncryptionPrivateKey"})
    );
    assert_eq!(
        provider["AssertionEncryptionMode"],
        serde_json::json!({"Ref": "AssertionEncryptionMode"})
    );
    let parameters = &template["Parameters"];
    assert_eq!(parameters["AssertionEncryptionPrivateKey"]["NoEcho"], true);
    assert_eq!(parameters["AssertionEncryptionMode"]["Default"], "Allowed");
    if !have("cfn-lint", &["--version"]) {
        return;
    }
    let lint = std::process::Command::new("cfn-lint")
        .arg(out.join("iam.cfn.json"))
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    // The check has teeth: a mode IAM does not know is refused.
    let mut broken = template.clone();
    broken["Parameters"]["AssertionEncryptionMode"]["AllowedValues"] =
        serde_json::json!(["Allowed", "Sometimes"]);
    broken["Resources"]["EntraSamlProvider"]["Properties"]["AssertionEncryptionMode"] =
        serde_json::json!("Sometimes");
    let path = out.join("broken.cfn.json");
    std::fs::write(&path, serde_json::to_vec(&broken).unwrap()).unwrap();
    let lint = std::process::Command::new("cfn-lint")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!lint.status.success());
}

#[test]
fn terraform_says_it_cannot_encrypt_and_still_parses() {
    let (_tmp, out) = written("allowed");
    let tf = std::fs::read_to_string(out.join("iam.tf")).unwrap();
    assert!(says(&tf, "aws_iam_saml_provider has no"), "{tf}");
    // No attribute the AWS provider lacks is invented.
    for invented in ["assertion_encryption", "private_key"] {
        assert!(
            !tf.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .any(|l| l.contains(invented)),
            "{tf}"
        );
    }
    let steps = std::fs::read_to_string(out.join("STEPS.md")).unwrap();
    assert!(says(
        &steps,
        "Terraform's `aws_iam_saml_provider` has no argument"
    ));
    if have("python3", &["-c", "import hcl2"]) {
        hcl2_parses("python3", &out.join("iam.tf")).unwrap();
    }
}

/// Every `aws iam` command of STEPS.md (the placeholder key ID filled in) passes the AWS CLI's
/// own parameter validation, which runs before any request: against an endpoint nothing
/// listens on, a valid command fails to connect and an invalid one fails its validation. The
/// key is read from its file as the command says.
#[test]
fn aws_cli_validates_every_encryption_command() {
    if !have("aws", &["--version"]) {
        return;
    }
    let (_tmp, out) = written("required");
    let commands: Vec<Vec<String>> = steps_commands(&out)
        .concat()
        .into_iter()
        .filter(|c| c[0] == "iam")
        .collect();
    let has = |flag: &str| commands.iter().any(|c| c.iter().any(|a| a == flag));
    for flag in [
        "--add-private-key",
        "--assertion-encryption-mode",
        "--remove-private-key",
    ] {
        assert!(has(flag), "{flag} in STEPS.md: {commands:?}");
    }
    // The rotation's new key, as its openssl commands would make it.
    std::fs::write(out.join("new-assertion-encryption-key.pem"), rsa_pem(2048)).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let validate = |command: &[String]| {
        let args: Vec<&str> = command
            .iter()
            .map(|a| {
                if a == "KEY-ID" {
                    "AAAAAAAAAAAAAAAAAAAAAAAAAA"
                } else {
                    a
                }
            })
            .collect();
        let result = aws_cli(&args, Some(closed), Some(&out));
        String::from_utf8_lossy(&result.stderr).into_owned()
    };
    for command in &commands {
        let err = validate(command);
        assert!(
            err.contains("Could not connect") && !err.contains("Parameter validation failed"),
            "{command:?}: {err}"
        );
    }
    // The check has teeth: an empty key file fails the validation (botocore checks minimum
    // lengths, not maximums).
    std::fs::write(out.join("empty.pem"), "").unwrap();
    let err = validate(&[
        "iam".to_owned(),
        "create-saml-provider".to_owned(),
        "--cli-input-json".to_owned(),
        "file://saml-provider.json".to_owned(),
        "--add-private-key".to_owned(),
        "file://empty.pem".to_owned(),
    ]);
    assert!(err.contains("Parameter validation failed"), "{err}");
}

/// moto 5.2.5 takes CreateSAMLProvider with AssertionEncryptionMode and AddPrivateKey but
/// keeps neither (its provider has a name and a metadata document only), so this runs step 1's
/// command as written and checks what moto keeps; the encryption parameters are judged by
/// the AWS CLI's validation above.
#[test]
fn moto_takes_the_provider_with_its_key() {
    let Some(moto) = Moto::start_if_installed() else {
        return;
    };
    let (_tmp, out) = written("allowed");
    let blocks = steps_commands(&out);
    let create = blocks[0]
        .iter()
        .find(|c| c[..2] == ["iam", "create-saml-provider"])
        .expect("step 1 creates the provider");
    assert!(create.contains(&format!("file://{KEY}")), "{create:?}");
    let args: Vec<&str> = create.iter().map(String::as_str).collect();
    ok(&moto.aws_in(&out, &args));
    let got: serde_json::Value = serde_json::from_str(&ok(&moto.aws(&[
        "iam",
        "get-saml-provider",
        "--saml-provider-arn",
        "arn:aws:iam::123456789012:saml-provider/EntraID",
    ])))
    .unwrap();
    assert_eq!(
        got["SAMLMetadataDocument"].as_str().unwrap().as_bytes(),
        std::fs::read(out.join("idp-metadata.xml")).unwrap()
    );
    // Should moto come to keep the mode, it is the one step 1 sets.
    if let Some(mode) = got.get("AssertionEncryptionMode") {
        assert_eq!(mode, "Allowed", "{got}");
    }
}

//! `cargo xtask demo|test|fixtures`: make sure the system libraries samlbridge links against are
//! installed, then run the main job on `testdata/`, every check, or the fixture generator.
//!
//! This crate uses the standard library only, so it builds before any of those libraries exist.

mod dist;
mod layers;
mod readme;
mod same_output;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command, Stdio};

/// Debian/Ubuntu packages the build needs: libxmlsec1 and libxml2 (XML signatures through
/// samael), OpenSSL, pkg-config, and libclang for samael's bindgen step.
const PACKAGES: &[&str] = &[
    "libxmlsec1-dev",
    "libxml2-dev",
    "libssl-dev",
    "pkg-config",
    "libclang1-14",
    "libclang-common-14-dev",
];

/// Debian/Ubuntu packages only the tests need: shellcheck, which lints the `entra-apply.sh`
/// samlbridge writes, and man-db, which renders the man pages it generates.
const TEST_PACKAGES: &[&str] = &["shellcheck", "man-db"];

/// Debian/Ubuntu packages only `dist` needs: dpkg-shlibdeps, which computes the package's
/// `Depends` from the shared libraries the binary links.
const DIST_PACKAGES: &[&str] = &["dpkg-dev"];

fn main() {
    let task = env::args().nth(1).unwrap_or_default();
    let rest: Vec<String> = env::args().skip(2).collect();
    let result = match task.as_str() {
        "demo" => prerequisites(PACKAGES).and_then(|()| demo()),
        "test" => prerequisites(&[PACKAGES, TEST_PACKAGES].concat()).and_then(|()| test(&rest)),
        "fixtures" => prerequisites(PACKAGES).and_then(|()| fixtures(&rest)),
        "deps" => prerequisites(PACKAGES),
        "man" => prerequisites(PACKAGES).and_then(|()| man()),
        "dist" => {
            prerequisites(&[PACKAGES, DIST_PACKAGES].concat()).and_then(|()| dist::build(&root()))
        }
        "readme" => readme::run(&root()),
        "layers" => layers::run(&root()),
        "same-output" => match rest.as_slice() {
            [before, after] => same_output::compare(&root(), Path::new(before), Path::new(after)),
            _ => Err("usage: cargo xtask same-output BEFORE-BINARY AFTER-BINARY".into()),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 demo       install missing system libraries, then run samlbridge on testdata/\n  \
                 test       install missing system libraries, then cargo fmt --check, clippy and cargo test\n  \
                 fixtures   regenerate testdata/ from the committed test keys (--new-keys for new keys)\n  \
                 deps       only install missing system libraries\n  \
                 man        write the man pages into target/man/ (samlbridge man --out target/man)\n  \
                 dist       build the Debian package and the .tar.gz into target/dist/\n  \
                 readme     run the README's build, install and fuzzing commands (what .ci/run checks)\n  \
                 layers     check that every module of src/ uses only lower layers\n  \
                 same-output BEFORE AFTER   run two samlbridge binaries over testdata/ and the corpus, diff the JSON"
            );
            exit(2);
        }
    };
    if let Err(message) = result {
        eprintln!("xtask: {message}");
        exit(1);
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    eprintln!("xtask: {what}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Checks the system packages and installs the missing ones (as root), or says how.
fn prerequisites(packages: &[&str]) -> Result<(), String> {
    if !command_exists("dpkg-query") {
        if command_exists("pkg-config")
            && Command::new("pkg-config")
                .args(["--exists", "xmlsec1", "libxml-2.0", "openssl"])
                .status()
                .is_ok_and(|s| s.success())
        {
            return Ok(());
        }
        return Err(format!(
            "this is not a Debian/Ubuntu system and pkg-config cannot find xmlsec1, libxml-2.0 and openssl.\n\
             Install the equivalents of: {} (and libclang for bindgen).",
            packages.join(" ")
        ));
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if !missing.is_empty() {
        eprintln!("xtask: missing system packages: {}", missing.join(" "));
        if is_root() {
            run(apt(&["update", "-qq"]), "apt-get update")?;
            let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
            args.extend(&missing);
            run(
                apt(&args),
                &format!("apt-get install {}", missing.join(" ")),
            )?;
        } else {
            return Err(format!(
                "run this, then try again:\n\n    sudo apt-get install -y {}\n",
                missing.join(" ")
            ));
        }
    }
    Ok(())
}

fn apt(args: &[&str]) -> Command {
    let mut cmd = Command::new("apt-get");
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    cmd
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn command_exists(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// rustfmt and clippy are rustup components a fresh toolchain may lack.
fn components() -> Result<(), String> {
    let has = |sub: &str| {
        cargo()
            .args([sub, "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has("fmt") && has("clippy") {
        return Ok(());
    }
    let mut cmd = Command::new("rustup");
    cmd.args(["component", "add", "rustfmt", "clippy"]);
    run(cmd, "rustup component add rustfmt clippy")
}

/// The man pages, from the release binary's clap definitions, where packaging picks them up.
fn man() -> Result<(), String> {
    let out = root().join("target").join("man");
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--release",
        "--bin",
        "samlbridge",
        "--",
        "man",
        "--out",
    ])
    .arg(&out);
    run(cmd, "samlbridge man --out target/man")
}

fn demo() -> Result<(), String> {
    // A fresh directory for every run, so the demo never needs --force.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let out = root()
        .join("target")
        .join("demo")
        .join(format!("identity-center-{stamp}"));
    let out_arg = out.display().to_string();
    let args = [
        "aws",
        "identity-center",
        "testdata/metadata/entra-app-rollover.xml",
        "--sp-metadata",
        "testdata/metadata/identity-center-sp.xml",
        "--claims",
        "testdata/claims/identity-center.toml",
        "--instance-arn",
        "arn:aws:sso:::instance/ssoins-1234567890abcdef",
        "--current-cert",
        "testdata/keys/entra-app-active.cert.pem",
        "--out",
        &out_arg,
    ];
    eprintln!("xtask: samlbridge {}", args.join(" "));
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "--release", "--bin", "samlbridge", "--"])
        .args(args);
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    // Exit code 1 only means the demo data has error-level findings; 2 is a failure.
    match status.code() {
        Some(0 | 1) if out.is_dir() => {
            eprintln!("\nxtask: the configuration set is in {out_arg} (start with STEPS.md)");
            Ok(())
        }
        Some(0 | 1) => Err("samlbridge wrote nothing".into()),
        _ => Err(format!("samlbridge failed ({status})")),
    }
}

fn test(extra: &[String]) -> Result<(), String> {
    components()?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt, "cargo fmt --all --check")?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(
        clippy,
        "cargo clippy --workspace --all-targets -- -D warnings",
    )?;
    fuzz_targets()?;
    let tools = python_tools()?;
    let path = std::env::join_paths(
        std::iter::once(tools).chain(env::var_os("PATH").iter().flat_map(env::split_paths)),
    )
    .map_err(|e| format!("PATH: {e}"))?;
    let mut test = cargo();
    test.args(["test", "--workspace"])
        .args(extra)
        .env("PATH", path);
    run(test, "cargo test --workspace")
}

/// The fuzz targets are their own workspace (libFuzzer needs its own build): they must stay
/// formatted and keep compiling against the library's API, or the next fuzz run starts with a
/// repair. Checked without instrumentation, in a target directory of their own.
fn fuzz_targets() -> Result<(), String> {
    let manifest = root().join("fuzz").join("Cargo.toml");
    let mut fmt = cargo();
    fmt.args(["fmt", "--check", "--manifest-path"])
        .arg(&manifest);
    run(fmt, "cargo fmt --check --manifest-path fuzz/Cargo.toml")?;
    let mut check = cargo();
    check
        .args(["check", "--bins", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(root().join("target").join("fuzz-check"))
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", "-D warnings");
    run(
        check,
        "cargo check --bins --manifest-path fuzz/Cargo.toml (RUSTC_BOOTSTRAP=1)",
    )
}

/// AWS's own tooling the tests check samlbridge's output with (cfn-lint, python-hcl2, the AWS
/// CLI, moto), installed into `target/ci-venv` from `.ci/requirements.txt` when missing, so no
/// test skips for want of a tool. Returns the directory to put first on PATH.
fn python_tools() -> Result<PathBuf, String> {
    let venv = root().join("target").join("ci-venv");
    let bin = venv.join("bin");
    let python = bin.join("python");
    let ready = Command::new(&python)
        .args(["-c", "import cfnlint, hcl2, awscli, moto"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ready {
        return Ok(bin);
    }
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    run(create, "python3 -m venv target/ci-venv")?;
    let mut install = Command::new(bin.join("pip"));
    install
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(root().join(".ci").join("requirements.txt"));
    run(
        install,
        "pip install -r .ci/requirements.txt (cfn-lint, python-hcl2, awscli, moto)",
    )?;
    Ok(bin)
}

fn fixtures(extra: &[String]) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "-p",
        "samlbridge-testkit",
        "--bin",
        "gen-fixtures",
        "--",
    ])
    .args(extra);
    run(cmd, "regenerate testdata/")
}

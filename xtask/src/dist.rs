//! `cargo xtask dist`: the Debian package and a `.tar.gz` holding the same files, so that
//! samlbridge installs without a compiler or libclang.
//!
//! The release binary writes its own man pages and completions (from the clap definitions);
//! cargo-deb packs them with `[package.metadata.deb]` of the root `Cargo.toml`, and dpkg-shlibdeps
//! computes `Depends`. The tarball is the package's `usr/` tree unpacked by `dpkg-deb`, so the
//! two cannot drift apart.

use crate::{cargo, run};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo-deb release installed when cargo has no `deb` subcommand.
const CARGO_DEB_VERSION: &str = "3.8.0";

pub fn build(root: &Path) -> Result<(), String> {
    ensure_cargo_deb()?;
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "--bin", "samlbridge"]);
    run(build, "cargo build --release --locked --bin samlbridge")?;

    let dist = root.join("target").join("dist");
    // Only what this task writes lives here; start clean so no stale page or package ships.
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    let generated = dist.join("generated");
    let binary = root.join("target").join("release").join("samlbridge");
    generate(&binary, &generated)?;

    // The release profile keeps line tables for profiling; the package ships without them.
    let mut deb = cargo();
    deb.args(["deb", "--no-build", "--locked", "--strip", "--output"])
        .arg(&dist);
    run(deb, "cargo deb --no-build --strip")?;
    let package = only_file(&dist, ".deb")?;

    let version = version(&binary)?;
    let tarball = tarball(&dist, &package, &version)?;

    let info = output(
        Command::new("dpkg-deb")
            .args(["--field"])
            .arg(&package)
            .args(["Package", "Version", "Architecture", "Depends"]),
    )?;
    let files = output(Command::new("dpkg-deb").arg("--contents").arg(&package))?;
    eprintln!("\n{}", info.trim_end());
    eprintln!("\nfiles:\n{}", files.trim_end());
    eprintln!(
        "\nxtask: wrote {}\nxtask: wrote {}\n\ninstall with: sudo apt install {}",
        package.display(),
        tarball.display(),
        relative(root, &package)
    );
    Ok(())
}

/// cargo-deb from crates.io, pinned, when `cargo deb` is not there yet.
fn ensure_cargo_deb() -> Result<(), String> {
    let present = cargo()
        .args(["deb", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    let mut install = cargo();
    install.args([
        "install",
        "cargo-deb",
        "--locked",
        "--version",
        CARGO_DEB_VERSION,
    ]);
    run(
        install,
        &format!("cargo install cargo-deb --locked --version {CARGO_DEB_VERSION}"),
    )
}

/// Man pages and the three completions Debian has standard places for.
fn generate(binary: &Path, generated: &Path) -> Result<(), String> {
    let mut man = Command::new(binary);
    man.args(["man", "--out"]).arg(generated.join("man"));
    run(man, "samlbridge man --out target/dist/generated/man")?;
    let completions = generated.join("completions");
    fs::create_dir_all(&completions)
        .map_err(|e| format!("cannot create {}: {e}", completions.display()))?;
    for (shell, file) in [
        ("bash", "samlbridge.bash"),
        ("zsh", "_samlbridge"),
        ("fish", "samlbridge.fish"),
    ] {
        let script = Command::new(binary)
            .args(["completions", shell])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !script.status.success() || script.stdout.is_empty() {
            return Err(format!(
                "samlbridge completions {shell} failed: {}",
                String::from_utf8_lossy(&script.stderr)
            ));
        }
        fs::write(completions.join(file), &script.stdout)
            .map_err(|e| format!("cannot write the {shell} completion: {e}"))?;
    }
    Ok(())
}

/// The one file in `dir` whose name ends with `suffix`.
fn only_file(dir: &Path, suffix: &str) -> Result<PathBuf, String> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!(
            "expected one {suffix} file in {}, found {n}",
            dir.display()
        )),
    }
}

/// The version the binary reports (`samlbridge 0.1.0 (…)` on the first line).
fn version(binary: &Path) -> Result<String, String> {
    let text = output(Command::new(binary).arg("--version"))?;
    text.split_whitespace()
        .nth(1)
        .map(str::to_owned)
        .ok_or_else(|| format!("cannot read a version from {text:?}"))
}

/// `samlbridge-VERSION-ARCH-linux.tar.gz`: one top directory holding the package's `usr/` tree
/// (`bin/`, `share/man/`, `share/bash-completion/`, …), to unpack with `--strip-components=1`
/// into `/usr/local` or `~/.local`.
fn tarball(dist: &Path, package: &Path, version: &str) -> Result<PathBuf, String> {
    let arch = std::env::consts::ARCH;
    let name = format!("samlbridge-{version}-{arch}-linux");
    let unpacked = dist.join("unpacked");
    let mut extract = Command::new("dpkg-deb");
    extract.arg("-x").arg(package).arg(&unpacked);
    run(
        extract,
        "dpkg-deb -x (the package's files, for the tarball)",
    )?;
    let top = dist.join(&name);
    fs::rename(unpacked.join("usr"), &top)
        .map_err(|e| format!("cannot move the unpacked usr/ to {}: {e}", top.display()))?;
    fs::remove_dir_all(&unpacked)
        .map_err(|e| format!("cannot remove {}: {e}", unpacked.display()))?;
    let tarball = dist.join(format!("{name}.tar.gz"));
    let mut tar = Command::new("tar");
    tar.args([
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "-czf",
    ])
    .arg(&tarball)
    .arg("-C")
    .arg(dist)
    .arg(&name);
    run(tar, &format!("tar -czf {name}.tar.gz"))?;
    fs::remove_dir_all(&top).map_err(|e| format!("cannot remove {}: {e}", top.display()))?;
    Ok(tarball)
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    format!("./{}", rel.display())
}

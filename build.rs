//! What `samlbridge --version` reports besides the crate version: the commit it was built from,
//! the build date and the libxmlsec1 it was built against (OpenSSL's is read at run time).

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown (not built from a git checkout)".to_owned());
    println!("cargo:rustc-env=SAMLBRIDGE_COMMIT={commit}");

    // SOURCE_DATE_EPOCH makes the date reproducible; otherwise it is the day of the build.
    let date = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now)
        .format("%Y-%m-%d");
    println!("cargo:rustc-env=SAMLBRIDGE_BUILD_DATE={date}");

    let xmlsec = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("xmlsec1")
        .map(|l| l.version)
        .unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=SAMLBRIDGE_XMLSEC_VERSION={xmlsec}");

    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
}

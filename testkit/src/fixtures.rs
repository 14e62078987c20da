//! The fixture set under `testdata/`: keys (created once, then loaded), metadata, and the
//! documents tests read. `testdata/README.md` says what each file is.

use crate::idp::{identity_center_sp_metadata, MetadataSpec};
use crate::pki::{new_key, CertBuilder, KeyPair, KeySpec};
use chrono::{DateTime, Duration, Utc};
use std::fs;
use std::path::{Path, PathBuf};

/// The tenant every fixture is issued by.
pub const TENANT: &str = "4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63";
/// The Entra application (its metadata URL's `appid`).
pub const APP_ID: &str = "6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d";
pub const IDC_REGION: &str = "eu-west-1";
pub const IDC_DIRECTORY: &str = "d-93670a1b2c";
pub const IDC_ACS_ID: &str = "4455422d84a27c9f-9f18-41fa-81b4-769660979b1e";

/// A named key with its certificate, stored as `keys/<name>.key.pem` and `.cert.pem`.
pub fn key(root: &Path, name: &str, create: impl FnOnce() -> KeyPair, renew: bool) -> KeyPair {
    let dir = root.join("keys");
    let key_path = dir.join(format!("{name}.key.pem"));
    let cert_path = dir.join(format!("{name}.cert.pem"));
    if !renew {
        if let (Ok(k), Ok(c)) = (fs::read(&key_path), fs::read(&cert_path)) {
            return KeyPair::from_pem(&k, &c);
        }
    }
    let pair = create();
    fs::create_dir_all(&dir).expect("create testdata/keys");
    fs::write(&key_path, pair.key_pem()).expect("write key");
    fs::write(&cert_path, pair.cert_pem()).expect("write certificate");
    pair
}

/// The keys of the fixture world.
pub struct Keys {
    /// The application's active SAML signing certificate (3 years from `epoch`).
    pub active: KeyPair,
    /// The next certificate of a rollover, created 11 months later.
    pub next: KeyPair,
    /// A key nobody trusts: what an attacker signs with.
    pub attacker: KeyPair,
}

pub fn keys(root: &Path, renew: bool, epoch: DateTime<Utc>) -> Keys {
    let rsa = || new_key(KeySpec::Rsa(2048));
    Keys {
        active: key(
            root,
            "entra-app-active",
            || {
                CertBuilder::entra(rsa(), epoch, epoch + Duration::days(3 * 365))
                    .serial(101)
                    .build()
            },
            renew,
        ),
        next: key(
            root,
            "entra-app-next",
            || {
                let from = epoch + Duration::days(330);
                CertBuilder::entra(rsa(), from, from + Duration::days(3 * 365))
                    .serial(102)
                    .build()
            },
            renew,
        ),
        attacker: key(
            root,
            "attacker",
            || {
                CertBuilder::entra(rsa(), epoch, epoch + Duration::days(3 * 365))
                    .serial(666)
                    .build()
            },
            renew,
        ),
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8], out: &mut Vec<PathBuf>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("relative path has a parent"))
        .expect("create directory");
    fs::write(&path, bytes).expect("write fixture");
    out.push(path);
}

/// Writes every fixture; returns the paths written.
pub fn generate(root: &Path, renew_keys: bool, epoch: DateTime<Utc>) -> Vec<PathBuf> {
    let keys = keys(root, renew_keys, epoch);
    let mut out = Vec::new();

    let app = MetadataSpec::entra_app(TENANT, vec![keys.active.clone()]);
    write(
        root,
        "metadata/entra-app.xml",
        app.build().as_bytes(),
        &mut out,
    );

    let mut rollover =
        MetadataSpec::entra_app(TENANT, vec![keys.active.clone(), keys.next.clone()]);
    rollover.signer = Some(keys.active.clone());
    write(
        root,
        "metadata/entra-app-rollover.xml",
        rollover.build().as_bytes(),
        &mut out,
    );

    write(
        root,
        "metadata/identity-center-sp.xml",
        identity_center_sp_metadata(IDC_REGION, IDC_DIRECTORY, IDC_ACS_ID).as_bytes(),
        &mut out,
    );
    out
}

//! Regenerates the fixtures under `testdata/` from the committed test keys.
//!
//!     cargo run -p samlbridge-testkit --bin gen-fixtures            # same keys, same bytes
//!     cargo run -p samlbridge-testkit --bin gen-fixtures -- --new-keys
//!
//! RSA PKCS#1 v1.5 signatures are deterministic, so with the same keys every run writes the
//! same bytes; `--new-keys` first replaces the keys (and so every signature).

use chrono::{TimeZone, Utc};
use samlbridge_testkit::fixtures;
use std::path::PathBuf;

fn main() {
    let new_keys = std::env::args().any(|a| a == "--new-keys");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let root = root.canonicalize().unwrap_or(root);
    let written = fixtures::generate(
        &root,
        new_keys,
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    );
    for path in written {
        println!("{}", path.strip_prefix(&root).unwrap_or(&path).display());
    }
}

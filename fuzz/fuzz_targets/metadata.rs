//! Metadata parsing and every check, at a fixed instant, for each target.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use samlbridge::aws::Target;
use samlbridge::commands::check::{check, CheckSettings};
use samlbridge::input::Input;

fuzz_target!(|data: &[u8]| {
    for target in [None, Some(Target::IdentityCenter), Some(Target::Iam)] {
        let settings = CheckSettings {
            target,
            pin: None,
            cert_policy: Default::default(),
            now: Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap(),
            entity_id: None,
            overrides: Default::default(),
            byte_order_mark_removed: false,
            upload_only: None,
        };
        let input = Input {
            name: "fuzz.xml",
            bytes: data,
            url: None,
            requested_url: None,
        };
        let _ = check(input, None, &settings);
    }
});

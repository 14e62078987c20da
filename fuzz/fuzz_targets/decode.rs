//! Input decoding: raw XML, base64, form bodies, HTTP-Redirect URLs (DEFLATE), HAR and
//! SAML-tracer exports. Any input ends in captures or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samlbridge::response::{decode::decode, DecodeLimits};

fuzz_target!(|data: &[u8]| {
    let limits = DecodeLimits {
        max_response_bytes: 1024 * 1024,
        max_total_bytes: 4 * 1024 * 1024,
    };
    if let Ok(captured) = decode("fuzz", data, limits) {
        for c in &captured {
            assert!(c.xml.len() <= limits.max_response_bytes);
        }
        assert!(captured.iter().map(|c| c.xml.len()).sum::<usize>() <= limits.max_total_bytes);
    }
});

//! `trace` on any capture: reading it, telling its story, rendering it, and redacting it. No
//! input may panic or hang; the redacted copy must read as a capture again, with the same
//! requests and the same sign-in attempts, and record the verdicts reached before masking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samlbridge::capture;
use samlbridge::commands::trace::{self, redact, TraceJob};
use samlbridge::response::DecodeLimits;

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = capture::read(data) else {
        return;
    };
    let limits = DecodeLimits {
        max_response_bytes: 1024 * 1024,
        max_total_bytes: 4 * 1024 * 1024,
    };
    let job = TraceJob::story_only(limits);
    let report = trace::run(&job, "fuzz", &capture);
    let ctx = samlbridge::render::Context {
        judged_at: chrono::DateTime::UNIX_EPOCH,
        src_root: None,
    };
    let _ = samlbridge::render::trace(&ctx, samlbridge::render::Format::Human, &report, None);
    let _ = samlbridge::render::trace(&ctx, samlbridge::render::Format::Json, &report, None);
    let Ok(copy) = redact::redact(data, &report) else {
        return;
    };
    let again = capture::read(&copy.bytes).expect("a redacted capture reads as a capture");
    assert_eq!(again.exchanges.len(), capture.exchanges.len());
    let retold = trace::run(&job, "fuzz", &again);
    assert_eq!(retold.attempts.len(), report.attempts.len());
    assert!(retold.recorded_before_redaction.is_some());
});

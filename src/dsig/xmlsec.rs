//! Glue to libxmlsec1 beyond what samael exposes: its error messages are captured per thread
//! (instead of being printed to stderr) so a rejection can say *why* libxmlsec1 refused.

use std::cell::RefCell;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::sync::Once;

type ErrorsCallback = unsafe extern "C" fn(
    file: *const c_char,
    line: c_int,
    func: *const c_char,
    error_object: *const c_char,
    error_subject: *const c_char,
    reason: c_int,
    msg: *const c_char,
);

extern "C" {
    // libxmlsec1 is linked by samael's build script; these only name more of its symbols.
    fn xmlSecErrorsSetCallback(callback: Option<ErrorsCallback>);
    fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: c_int);
}

thread_local! {
    static MESSAGES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

const MAX_MESSAGES: usize = 32;

/// libxmlsec1's reason for "a function it called failed": the message only passes a failure
/// up, and the function's own message (captured before) says what it was.
const XMLSEC_FAILED: c_int = 1;

/// Words for the reasons libxmlsec1 gives when it refuses a signature's structure, so that a
/// message reads "unexpected node: node=Extra" rather than a number.
fn reason_words(reason: c_int) -> Option<&'static str> {
    Some(match reason {
        11 => "invalid size",
        12 => "invalid data",
        17 => "invalid format",
        21 => "invalid node",
        22 => "invalid node content",
        23 => "invalid node attribute",
        25 => "missing node attribute",
        26 => "node already present",
        27 => "unexpected node",
        28 => "node not found",
        31 => "invalid transform",
        42 => "key data not found",
        45 => KEY_NOT_FOUND,
        33 => "invalid URI type",
        81 => "no references",
        82 => "invalid reference",
        _ => return None,
    })
}

/// One captured error as text, or `None` when it only passes up a failure already captured.
fn describe(
    func: &str,
    object: &str,
    subject: &str,
    reason: c_int,
    message: &str,
) -> Option<String> {
    let message = message.trim();
    if reason == XMLSEC_FAILED && message.is_empty() {
        return None;
    }
    let head = if !object.is_empty() && object != "unknown" {
        object.to_owned()
    } else if reason == XMLSEC_FAILED && !subject.is_empty() {
        format!("{subject} failed")
    } else if let Some(words) = reason_words(reason) {
        words.to_owned()
    } else if !func.is_empty() {
        func.to_owned()
    } else {
        format!("error {reason}")
    };
    Some(if message.is_empty() {
        head
    } else {
        format!("{head}: {message}")
    })
}

unsafe extern "C" fn collect(
    _file: *const c_char,
    _line: c_int,
    func: *const c_char,
    error_object: *const c_char,
    error_subject: *const c_char,
    reason: c_int,
    msg: *const c_char,
) {
    let text = |p: *const c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: libxmlsec1 passes NUL-terminated strings that live for the call.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let Some(described) = describe(
        &text(func),
        &text(error_object),
        &text(error_subject),
        reason,
        &text(msg),
    ) else {
        return;
    };
    let _ = MESSAGES.try_with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < MAX_MESSAGES {
            m.push(described);
        }
    });
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: both set process-wide settings of libxmlsec1; `collect` has the exact C
        // signature of xmlSecErrorsCallback.
        unsafe {
            xmlSecErrorsDefaultCallbackEnableOutput(0);
            xmlSecErrorsSetCallback(Some(collect));
        }
        // samael initialises libxmlsec1 lazily, and initialisation may reinstate the default
        // callback: initialise it now (a key that cannot load), then install ours again.
        use samael::crypto::{CertificateDer, CryptoProvider, XmlSec};
        let _ = XmlSec::verify_signed_xml("<a/>", &CertificateDer::from(Vec::new()), None);
        // SAFETY: as above.
        unsafe { xmlSecErrorsSetCallback(Some(collect)) };
    });
}

/// Runs `f` and returns what libxmlsec1 complained about meanwhile on this thread, root cause
/// first. When `f` fails (samael's own checks, such as an ID it cannot register) and libxmlsec1
/// said nothing, samael's error is the message, so a refusal always has a reason.
pub fn capture<T, E: std::error::Error>(
    f: impl FnOnce() -> Result<T, E>,
) -> (Result<T, E>, Vec<String>) {
    install();
    MESSAGES.with(|m| m.borrow_mut().clear());
    let value = f();
    let mut messages = MESSAGES.with(|m| std::mem::take(&mut *m.borrow_mut()));
    if let (Err(e), true) = (&value, messages.is_empty()) {
        messages.push(error_chain(e));
    }
    (value, messages)
}

/// An error and its sources, as one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What libxmlsec1 (or samael) gave as the reason for a refusal: its first message, the root
/// cause, passing over "this key does not fit" when a try with another key said more. Never
/// empty.
pub fn reason(messages: &[String]) -> String {
    let said = || messages.iter().map(|m| m.trim()).filter(|m| !m.is_empty());
    said()
        .find(|m| !m.starts_with(KEY_NOT_FOUND))
        .or_else(|| said().next())
        .unwrap_or("libxmlsec1 refused the signature without saying why")
        .to_owned()
}

/// How [`describe`] words libxmlsec1's "no key for this signature" (reason 45).
const KEY_NOT_FOUND: &str = "key not found";

/// Sums up captured messages: the digest of some reference did not match (content changed),
/// or the signature value did not (wrong key or SignedInfo changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    Digest,
    SignatureValue,
    Unknown,
}

pub fn classify(messages: &[String]) -> Mismatch {
    if messages
        .iter()
        .any(|m| m.contains("data and digest do not match"))
    {
        Mismatch::Digest
    } else if messages
        .iter()
        .any(|m| m.contains("signature verification failed") || m.contains("data do not match"))
    {
        Mismatch::SignatureValue
    } else {
        Mismatch::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_captured_message_says_something() {
        assert_eq!(
            describe(
                "xmlSecDSigCtxProcessSignatureNode",
                "",
                "",
                27,
                "node=Extra"
            )
            .as_deref(),
            Some("unexpected node: node=Extra")
        );
        assert_eq!(
            describe("f", "sha256", "", 12, "data and digest do not match").as_deref(),
            Some("sha256: data and digest do not match")
        );
        assert_eq!(
            describe(
                "f",
                "",
                "xmlSecOpenSSLSignatureEcdsaSignatureHalfLen",
                1,
                "signLen=66"
            )
            .as_deref(),
            Some("xmlSecOpenSSLSignatureEcdsaSignatureHalfLen failed: signLen=66")
        );
        // Passing a failure up says nothing new.
        assert_eq!(describe("f", "", "g", 1, " "), None);
        assert_eq!(describe("f", "", "", 99, " ").as_deref(), Some("f"));
        assert_eq!(describe("", "", "", 99, "").as_deref(), Some("error 99"));
        assert!(!reason(&[]).is_empty());
        assert_eq!(reason(&[" ".into(), "b".into(), "c".into()]), "b");
        let tries = [
            "key not found: details=NULL".into(),
            "invalid data: x".into(),
        ];
        assert_eq!(reason(&tries), "invalid data: x");
        assert_eq!(reason(&tries[..1]), "key not found: details=NULL");
    }
}

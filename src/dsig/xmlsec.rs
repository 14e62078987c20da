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

unsafe extern "C" fn collect(
    _file: *const c_char,
    _line: c_int,
    _func: *const c_char,
    error_object: *const c_char,
    _error_subject: *const c_char,
    _reason: c_int,
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
    let object = text(error_object);
    let message = text(msg);
    let _ = MESSAGES.try_with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < MAX_MESSAGES {
            m.push(if object.is_empty() || object == "unknown" {
                message
            } else {
                format!("{object}: {message}")
            });
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

/// Runs `f` and returns what libxmlsec1 complained about meanwhile on this thread.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    install();
    MESSAGES.with(|m| m.borrow_mut().clear());
    let value = f();
    let messages = MESSAGES.with(|m| std::mem::take(&mut *m.borrow_mut()));
    (value, messages)
}

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

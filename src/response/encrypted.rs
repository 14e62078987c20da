//! A response's EncryptedAssertion: decrypted with the keys given (see [`crate::xenc`]), its
//! plaintext parsed strictly as one Assertion in the namespaces in scope where it was, then
//! handed to the verifier like any assertion. What stops it is a finding.

use super::Part;
use crate::diag::{Code, Finding};
use crate::xenc::{self, ContentCipher, DecryptionKey, KeyTransport, Problem, Recipient};
use crate::xml::{self, ns, Arena, Element, Node, NsDecl};
use serde::Serialize;

/// The keys to decrypt with and the weak algorithms allowed.
#[derive(Debug, Clone, Default)]
pub struct Decryption {
    pub keys: Vec<DecryptionKey>,
    pub policy: xenc::Policy,
}

/// How the assertion was decrypted, for the report: which key (its public key's SHA-256 and
/// where it came from, never the key) and which algorithms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decrypted {
    /// The key as the user gave it, e.g. "--decrypt-key sp.pem".
    pub key: String,
    /// SHA-256 of the key's public half (SubjectPublicKeyInfo).
    pub key_sha256: String,
    /// SHA-256 of the certificate the EncryptedKey carries, when it carries one.
    pub certificate_sha256: Option<String>,
    pub key_transport: &'static str,
    pub content_encryption: &'static str,
}

/// The EncryptedAssertion there is to decrypt: the only assertion of a Response, a direct
/// child of it. Any other layout is judged by the verifier (a plain one beside it, one out
/// of place) and nothing is decrypted.
pub(super) fn placed<'d>(root: &'d Element<'d>) -> Option<&'d Element<'d>> {
    if !root.is(ns::SAMLP, "Response") {
        return None;
    }
    let mut all = root
        .descendants()
        .filter(|e| e.is(ns::SAML, "Assertion") || e.is(ns::SAML, "EncryptedAssertion"));
    let (Some(only), None) = (all.next(), all.next()) else {
        return None;
    };
    (only.is(ns::SAML, "EncryptedAssertion") && root.elements().any(|e| std::ptr::eq(e, only)))
        .then_some(only)
}

fn finding(code: Code, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(Part::Assertion)
}

/// Decrypts `encrypted`, a direct child of `root`, into the Assertion to verify, or says with
/// findings why not. With no key, Identity Center's finding (added by the caller) says all:
/// it accepts no encrypted assertion, whatever the key.
pub(super) fn open<'a>(
    root: &Element<'a>,
    encrypted: &Element<'a>,
    decryption: &Decryption,
    identity_center: bool,
    arena: &'a Arena,
    findings: &mut Vec<Finding>,
) -> Option<(Element<'a>, Decrypted)> {
    if decryption.keys.is_empty() && identity_center {
        return None;
    }
    let read = match xenc::read(encrypted) {
        Ok(read) => read,
        Err(problem) => {
            findings.push(problem_finding(problem, None, &decryption.keys));
            return None;
        }
    };
    let policy = decryption.policy;
    let mut blocked = false;
    if read.transport == KeyTransport::Rsa15 {
        findings.push(finding(
            Code::EncryptionRsa15,
            "the content key is encrypted with RSA PKCS#1 v1.5 (xmlenc#rsa-1_5)",
        ));
        blocked |= !policy.allow_rsa15;
    }
    if read.cipher == ContentCipher::TripleDesCbc {
        findings.push(finding(
            Code::Encryption3des,
            "the assertion is encrypted with Triple DES (xmlenc#tripledes-cbc)",
        ));
        blocked |= !policy.allow_3des;
    }
    if decryption.keys.is_empty() {
        findings.push(finding(
            Code::EncryptionNoKey,
            format!(
                "the assertion is encrypted for {} and no decryption key was given; nothing in it was read or checked",
                read.recipient
            ),
        ));
        return None;
    }
    if blocked {
        return None;
    }
    let plain = match read.decrypt(&decryption.keys, policy) {
        Ok(plain) => plain,
        Err(problem) => {
            findings.push(problem_finding(
                problem,
                Some(&read.recipient),
                &decryption.keys,
            ));
            return None;
        }
    };
    let Some(assertion) = fragment(root, encrypted, &plain.bytes, arena) else {
        findings.push(finding(
            Code::EncryptionNotAssertion,
            "the decrypted content is not exactly one saml:Assertion",
        ));
        return None;
    };
    let certificate_sha256 = match &read.recipient {
        Recipient::Certificate(c) => Some(c.sha256.to_string()),
        _ => None,
    };
    Some((
        assertion,
        Decrypted {
            key: plain.key.label.clone(),
            key_sha256: plain.key.key_sha256.to_string(),
            certificate_sha256,
            key_transport: read.transport.uri(),
            content_encryption: read.cipher.uri(),
        },
    ))
}

fn problem_finding(
    problem: Problem,
    recipient: Option<&Recipient>,
    keys: &[DecryptionKey],
) -> Finding {
    match problem {
        Problem::Structure(m) => finding(Code::EncryptionStructure, m),
        Problem::Unsupported(m) => {
            finding(Code::EncryptionUnsupported, format!("unsupported: {m}"))
        }
        // One message whatever failed, so that it tells an attacker nothing.
        Problem::Failed => finding(
            Code::EncryptionFailed,
            "the encrypted assertion does not decrypt with the key that matches its certificate",
        ),
        Problem::WrongKey => {
            let tried: Vec<String> = keys
                .iter()
                .map(|k| format!("{} (public key SHA-256 {})", k.label, k.key_sha256))
                .collect();
            finding(
                Code::EncryptionWrongKey,
                format!(
                    "the assertion is encrypted for {}, and no key given decrypts it; tried {}",
                    recipient.unwrap_or(&Recipient::Unnamed),
                    tried.join(", ")
                ),
            )
        }
    }
}

/// The namespace declarations in scope at `encrypted`, a direct child of `root`: the nearest
/// declaration of each prefix.
fn in_scope<'e, 'a>(root: &'e Element<'a>, encrypted: &'e Element<'a>) -> Vec<&'e NsDecl<'a>> {
    let mut decls: Vec<&NsDecl> = Vec::new();
    for d in root.ns_decls.iter().chain(encrypted.ns_decls) {
        decls.retain(|k| k.prefix != d.prefix);
        decls.push(d);
    }
    decls
}

/// Parses the plaintext strictly, as XML Encryption says, in the context of the element it
/// replaces: inside an element declaring the namespaces in scope there. Exactly one
/// saml:Assertion and nothing but white space around it, or `None`. The Assertion comes back
/// carrying the EncryptedAssertion's own declarations it does not redeclare, so that it means
/// the same in place of the EncryptedAssertion. The plaintext and its tree go into `arena`,
/// beside the response's own.
fn fragment<'a>(
    root: &Element<'a>,
    encrypted: &Element<'a>,
    plaintext: &[u8],
    arena: &'a Arena,
) -> Option<Element<'a>> {
    let text = std::str::from_utf8(plaintext).ok()?;
    let mut wrapper = String::with_capacity(text.len() + 256);
    wrapper.push_str("<decrypted");
    for d in in_scope(root, encrypted) {
        match &d.prefix {
            Some(p) => wrapper.push_str(&format!(" xmlns:{p}=\"")),
            None => wrapper.push_str(" xmlns=\""),
        }
        wrapper.push_str(&attribute_value(d.uri));
        wrapper.push('"');
    }
    wrapper.push('>');
    wrapper.push_str(text);
    wrapper.push_str("</decrypted>");
    let wrapper = arena.str(&wrapper);
    let doc = xml::parse(wrapper.as_bytes(), arena).ok()?;
    let mut assertion = None;
    for node in doc.root.children {
        match node {
            Node::Element(e) if assertion.is_none() && e.is(ns::SAML, "Assertion") => {
                assertion = Some(e)
            }
            Node::Text(t) if t.chars().all(|c| c.is_ascii_whitespace()) => {}
            _ => return None,
        }
    }
    let mut assertion = *assertion?;
    let mut decls = assertion.ns_decls.to_vec();
    for d in encrypted.ns_decls {
        if assertion.ns_decls.iter().all(|k| k.prefix != d.prefix) {
            decls.push(*d);
        }
    }
    assertion.ns_decls = arena.slice(&decls);
    Some(assertion)
}

/// A namespace URI as an attribute value between double quotes.
fn attribute_value(uri: &str) -> String {
    uri.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

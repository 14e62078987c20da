//! What a document that is not what was asked for looks like, so that a message can say
//! "this is a PEM private key" instead of the parser's complaint about its first character.
//! A leaf: it looks at bytes only.

use std::fmt;

/// A kind of file users hand samlbridge by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    Empty,
    PemCertificate,
    PemPrivateKey,
    PemPublicKey,
    /// PEM with another label (a certificate request, parameters, …).
    Pem,
    /// A browser's HAR export.
    Har,
    /// Any other JSON document.
    Json,
    Html,
}

impl Looks {
    /// What `bytes` look like, when they are one of the kinds above; `None` for anything else
    /// (XML, base64, a form body, …), which the caller's own parser judges.
    pub fn of(bytes: &[u8]) -> Option<Looks> {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let Some(start) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Some(Looks::Empty);
        };
        let text = &text[start..];
        if let Some(rest) = text.strip_prefix(b"-----BEGIN ") {
            let label = rest
                .iter()
                .position(|&b| b == b'-' || b == b'\n')
                .map_or(rest, |end| &rest[..end]);
            return Some(match label {
                b"CERTIFICATE" | b"X509 CERTIFICATE" | b"TRUSTED CERTIFICATE" => {
                    Looks::PemCertificate
                }
                l if l.ends_with(b"PRIVATE KEY") => Looks::PemPrivateKey,
                l if l.ends_with(b"PUBLIC KEY") => Looks::PemPublicKey,
                _ => Looks::Pem,
            });
        }
        if text.starts_with(b"{") || text.starts_with(b"[") {
            let head = &text[..text.len().min(4096)];
            let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
            return Some(if has(b"\"log\"") && has(b"\"entries\"") {
                Looks::Har
            } else {
                Looks::Json
            });
        }
        let head: Vec<u8> = text[..text.len().min(64)].to_ascii_lowercase();
        if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") {
            return Some(Looks::Html);
        }
        None
    }

    /// Whether this is a certificate, key or other PEM file.
    pub fn is_pem(self) -> bool {
        matches!(
            self,
            Looks::PemCertificate | Looks::PemPrivateKey | Looks::PemPublicKey | Looks::Pem
        )
    }
}

impl fmt::Display for Looks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Looks::Empty => "an empty file",
            Looks::PemCertificate => "a PEM certificate",
            Looks::PemPrivateKey => "a PEM private key",
            Looks::PemPublicKey => "a PEM public key",
            Looks::Pem => "a PEM file",
            Looks::Har => "a HAR capture (a browser's network export)",
            Looks::Json => "a JSON document",
            Looks::Html => "an HTML page",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_files_users_mix_up() {
        for (bytes, looks) in [
            (&b""[..], Some(Looks::Empty)),
            (b"  \n\t", Some(Looks::Empty)),
            (b"\xEF\xBB\xBF", Some(Looks::Empty)),
            (
                b"-----BEGIN CERTIFICATE-----\nMIIB",
                Some(Looks::PemCertificate),
            ),
            (
                b"\n-----BEGIN PRIVATE KEY-----\n",
                Some(Looks::PemPrivateKey),
            ),
            (
                b"-----BEGIN RSA PRIVATE KEY-----\n",
                Some(Looks::PemPrivateKey),
            ),
            (
                b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
                Some(Looks::PemPrivateKey),
            ),
            (b"-----BEGIN PUBLIC KEY-----\n", Some(Looks::PemPublicKey)),
            (b"-----BEGIN CERTIFICATE REQUEST-----\n", Some(Looks::Pem)),
            (
                br#"{"log": {"version": "1.2", "entries": []}}"#,
                Some(Looks::Har),
            ),
            (br#"{"a": 1}"#, Some(Looks::Json)),
            (b"<!DOCTYPE html><html>", Some(Looks::Html)),
            (b"<HTML><body>", Some(Looks::Html)),
            (b"<?xml version=\"1.0\"?><EntityDescriptor/>", None),
            (b"PHNhbWxwOlJlc3BvbnNl", None),
            (b"SAMLResponse=PHNhbWxw", None),
        ] {
            assert_eq!(
                Looks::of(bytes),
                looks,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

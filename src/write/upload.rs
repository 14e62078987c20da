//! The IdP metadata document samlbridge writes for upload: what the signature covers, and
//! nothing else.
//!
//! Comments (which exclusive canonicalization leaves out) and processing instructions outside
//! the root element are outside every signature, so whoever can touch the document in transit
//! can put anything there without breaking it. They are dropped, as is the byte-order mark
//! (IAM refuses it), and line ends are normalized to line feeds as an XML parser would read
//! them. Every other byte stays as it was, so the signature still verifies.

use crate::cert::{Certificate, Thumbprint};
use crate::xml::{self, ns, Element, Span};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TrimError {
    #[error("no signing certificate with thumbprint {0} in the metadata")]
    NotFound(String),
    #[error("the metadata to write is not well-formed: {0}")]
    Broken(String),
}

/// The document to upload. With `keep`, only the KeyDescriptors (in every role) that carry
/// that signing certificate remain, and the document's own signature, which no longer
/// verifies once certificates are removed, is dropped.
pub fn upload_document(bytes: &[u8], keep: Option<&Thumbprint>) -> Result<Vec<u8>, TrimError> {
    let arena = xml::Arena::new();
    let doc = xml::parse(bytes, &arena).map_err(|e| TrimError::Broken(e.to_string()))?;
    let mut remove: Vec<Span> = doc.unsigned.clone();
    if let Some(keep) = keep {
        let mut kept = 0;
        key_descriptors(&doc.root, keep, &mut remove, &mut kept);
        if kept == 0 {
            return Err(TrimError::NotFound(keep.to_string()));
        }
        remove.extend(
            doc.root
                .elements()
                .filter(|e| e.is(ns::DSIG, "Signature"))
                .map(|e| e.span),
        );
    }
    let start = if doc.had_bom { 3 } else { 0 };
    let out = normalize_line_ends(&cut(bytes, start, remove));
    xml::parse(&out, &xml::Arena::new()).map_err(|e| TrimError::Broken(e.to_string()))?;
    Ok(out)
}

/// `bytes[start..]` without the given ranges, which may nest or overlap.
fn cut(bytes: &[u8], start: usize, mut remove: Vec<Span>) -> Vec<u8> {
    remove.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = start;
    for span in remove {
        if span.end <= at {
            continue;
        }
        if span.start > at {
            out.extend_from_slice(&bytes[at..span.start]);
        }
        at = span.end;
    }
    out.extend_from_slice(&bytes[at.min(bytes.len())..]);
    out
}

/// `\r\n` and a lone `\r` become `\n`, as every XML parser reads them.
fn normalize_line_ends(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.push(b'\n');
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Marks for removal the KeyDescriptors that do not carry `keep` for signing. A signature's
/// KeyInfo is never searched: it is removed whole, and holds no KeyDescriptor of the document.
fn key_descriptors(e: &Element, keep: &Thumbprint, remove: &mut Vec<Span>, kept: &mut usize) {
    for child in e.elements() {
        if child.is(ns::DSIG, "Signature") {
            continue;
        }
        if child.is(ns::MD, "KeyDescriptor") {
            let signing = !matches!(child.attr("use"), Some("encryption"));
            let matches = child
                .descendants()
                .filter(|d| d.is(ns::DSIG, "X509Certificate"))
                .filter_map(|c| Certificate::from_base64(&c.text()).ok())
                .any(|c| c.matches(keep));
            if signing && matches {
                *kept += 1;
            } else {
                remove.push(child.span);
            }
        } else {
            key_descriptors(child, keep, remove, kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_outer_instructions_are_dropped_line_ends_normalized() {
        let doc = "\u{FEFF}<?xml version=\"1.0\"?>\r\n<!-- a\r\nResources: x -->\n<?pi outside?><E a=\"1\">x<!--c-->y\r\n<?keep me?></E><!--\u{2028}Evil: 1-->\n";
        let out = upload_document(doc.as_bytes(), None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?xml version=\"1.0\"?>\n\n<E a=\"1\">xy\n<?keep me?></E>\n"
        );
    }

    #[test]
    fn overlapping_ranges_never_panic() {
        let bytes = b"0123456789";
        let spans = |v: &[(usize, usize)]| {
            v.iter()
                .map(|&(start, end)| Span { start, end })
                .collect::<Vec<_>>()
        };
        assert_eq!(cut(bytes, 0, spans(&[(2, 8), (3, 5), (7, 9)])), b"019");
        assert_eq!(cut(bytes, 1, spans(&[(0, 2)])), b"23456789");
    }
}

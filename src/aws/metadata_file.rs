//! The IdP metadata document to upload: as fetched, or trimmed to one signing certificate.

use crate::cert::{Certificate, Thumbprint};
use crate::xml::{self, ns, Element};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TrimError {
    #[error("no signing certificate with thumbprint {0} in the metadata")]
    NotFound(String),
    #[error("the trimmed metadata is not well-formed: {0}")]
    Broken(String),
}

/// Keeps only the KeyDescriptors (in every role) that carry the certificate `keep`, and drops
/// the document's signature, which no longer verifies once certificates are removed. Returns
/// the new bytes, without a byte-order mark.
pub fn trim_to_certificate(bytes: &[u8], keep: &Thumbprint) -> Result<Vec<u8>, TrimError> {
    let doc = xml::parse(bytes).map_err(|e| TrimError::Broken(e.to_string()))?;
    let mut remove: Vec<(usize, usize)> = Vec::new();
    let mut kept = 0;
    collect(&doc.root, keep, &mut remove, &mut kept);
    if kept == 0 {
        return Err(TrimError::NotFound(keep.to_string()));
    }
    for child in doc.root.elements().filter(|e| e.is(ns::DSIG, "Signature")) {
        remove.push((child.span.start, child.span.end));
    }
    remove.sort();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (start, end) in remove {
        out.extend_from_slice(&bytes[at..start]);
        at = end;
    }
    out.extend_from_slice(&bytes[at..]);
    let out = strip_bom(&out).to_vec();
    xml::parse(&out).map_err(|e| TrimError::Broken(e.to_string()))?;
    Ok(out)
}

fn collect(e: &Element, keep: &Thumbprint, remove: &mut Vec<(usize, usize)>, kept: &mut usize) {
    for child in e.elements() {
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
                remove.push((child.span.start, child.span.end));
            }
        } else {
            collect(child, keep, remove, kept);
        }
    }
}

/// The document without a UTF-8 byte-order mark (IAM refuses one).
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

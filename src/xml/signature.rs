//! Native XML-DSig verification over the strict tree: exclusive canonicalization of the
//! signed element (minus the enveloped signature) and of SignedInfo, the digest and the
//! signature value checked with OpenSSL. The caller has already checked the structure (one
//! same-document `#ID` reference to the signature's parent, allowed transforms only).
//!
//! Verifying the very tree the claims are then read from leaves no room for the verifier and
//! the reader to see different documents.

use super::c14n::{self, Options};
use super::dsig::{self, DigestAlgorithm, SignatureAlgorithm};
use super::{ns, Element};
use base64::Engine;
use openssl::md::{Md, MdRef};
use openssl::md_ctx::MdCtx;
use openssl::pkey::{PKey, Public};
use std::sync::OnceLock;

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The signed element changed after signing.
    Digest,
    /// No given key made the signature value verify.
    SignatureValue,
    /// Something the caller should have refused, or unreadable values.
    Malformed(String),
}

fn malformed(m: impl Into<String>) -> Failure {
    Failure::Malformed(m.into())
}

fn base64(text: &str) -> Result<Vec<u8>, Failure> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| malformed(format!("not base64: {e}")))
}

/// Digest algorithms fetched from OpenSSL's provider once: an implicit fetch on every use
/// costs more than hashing a SAML assertion.
#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn md(self) -> Result<&'static MdRef, Failure> {
        static FETCHED: OnceLock<Result<[Md; 4], String>> = OnceLock::new();
        let all = FETCHED.get_or_init(|| {
            let fetch = |name| Md::fetch(None, name, None).map_err(|e| e.to_string());
            Ok([
                fetch("SHA1")?,
                fetch("SHA256")?,
                fetch("SHA384")?,
                fetch("SHA512")?,
            ])
        });
        match all {
            Ok(mds) => Ok(&mds[self as usize]),
            Err(e) => Err(malformed(format!("OpenSSL has no digest: {e}"))),
        }
    }
}

fn digest_of(alg: &DigestAlgorithm) -> Result<Hash, Failure> {
    Ok(match alg {
        DigestAlgorithm::Sha1 => Hash::Sha1,
        DigestAlgorithm::Sha256 => Hash::Sha256,
        DigestAlgorithm::Sha384 => Hash::Sha384,
        DigestAlgorithm::Sha512 => Hash::Sha512,
        DigestAlgorithm::Other(uri) => return Err(malformed(format!("unknown digest {uri}"))),
    })
}

/// `(digest, is ECDSA)` of a signature method.
fn method(alg: &SignatureAlgorithm) -> Result<(Hash, bool), Failure> {
    Ok(match alg {
        SignatureAlgorithm::RsaSha1 => (Hash::Sha1, false),
        SignatureAlgorithm::RsaSha256 => (Hash::Sha256, false),
        SignatureAlgorithm::RsaSha384 => (Hash::Sha384, false),
        SignatureAlgorithm::RsaSha512 => (Hash::Sha512, false),
        SignatureAlgorithm::EcdsaSha256 => (Hash::Sha256, true),
        SignatureAlgorithm::EcdsaSha384 => (Hash::Sha384, true),
        SignatureAlgorithm::EcdsaSha512 => (Hash::Sha512, true),
        SignatureAlgorithm::Other(uri) => {
            return Err(malformed(format!("unknown signature method {uri}")))
        }
    })
}

fn digest(hash: Hash, data: &[u8]) -> Result<Vec<u8>, Failure> {
    let md = hash.md()?;
    let bad = |e: openssl::error::ErrorStack| malformed(e.to_string());
    let mut ctx = MdCtx::new().map_err(bad)?;
    ctx.digest_init(md).map_err(bad)?;
    ctx.digest_update(data).map_err(bad)?;
    let mut out = vec![0u8; md.size()];
    let n = ctx.digest_final(&mut out).map_err(bad)?;
    out.truncate(n);
    Ok(out)
}

fn signature_ok(hash: Hash, key: &PKey<Public>, data: &[u8], signature: &[u8]) -> bool {
    let Ok(md) = hash.md() else { return false };
    let Ok(mut ctx) = MdCtx::new() else {
        return false;
    };
    ctx.digest_verify_init(Some(md), key).is_ok()
        && ctx.digest_verify(data, signature).unwrap_or(false)
}

/// Most prefixes an InclusiveNamespaces PrefixList may name: signers list the handful their
/// document uses, and canonicalization looks each up on every element.
const MAX_INCLUSIVE_PREFIXES: usize = 16;

/// The PrefixList of an `ec:InclusiveNamespaces` child, if any, without repeats.
fn prefix_list(e: &Element) -> Result<Vec<String>, Failure> {
    let Some(list) = e
        .elements()
        .find(|c| {
            &*c.local == "InclusiveNamespaces" && c.namespace.as_deref() == Some(dsig::EXC_C14N)
        })
        .and_then(|c| c.attr("PrefixList"))
    else {
        return Ok(Vec::new());
    };
    let mut prefixes: Vec<String> = Vec::new();
    for p in list.split_ascii_whitespace() {
        if p != "#default" && !super::is_ncname(p) {
            return Err(malformed(format!(
                "the InclusiveNamespaces PrefixList names {p:?}, which is not a prefix"
            )));
        }
        if !prefixes.iter().any(|q| q == p) {
            prefixes.push(p.to_owned());
        }
        if prefixes.len() > MAX_INCLUSIVE_PREFIXES {
            return Err(malformed(format!(
                "the InclusiveNamespaces PrefixList names more than {MAX_INCLUSIVE_PREFIXES} prefixes"
            )));
        }
    }
    Ok(prefixes)
}

/// XML-DSig encodes an ECDSA signature as r‖s; OpenSSL wants DER.
fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, Failure> {
    if raw.is_empty() || raw.len() % 2 != 0 {
        return Err(malformed("the ECDSA signature value is not r‖s"));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let bad = |e: openssl::error::ErrorStack| malformed(e.to_string());
    let sig = openssl::ecdsa::EcdsaSig::from_private_components(
        openssl::bn::BigNum::from_slice(r).map_err(bad)?,
        openssl::bn::BigNum::from_slice(s).map_err(bad)?,
    )
    .map_err(bad)?;
    sig.to_der().map_err(bad)
}

/// Verifies `sig`, an enveloped signature child of `parent`. `ancestors` runs from the
/// document root down to `parent`'s parent. Keys are tried in order; returns the index of the
/// one that verified.
pub fn verify(
    ancestors: &[&Element],
    parent: &Element,
    sig: &Element,
    keys: &[&PKey<Public>],
) -> Result<usize, Failure> {
    let signed_info = sig
        .child(ns::DSIG, "SignedInfo")
        .ok_or_else(|| malformed("no SignedInfo"))?;
    let info = dsig::inspect(sig);
    let [reference] = info.references.as_slice() else {
        return Err(malformed("not exactly one Reference"));
    };
    let reference_el = signed_info
        .child(ns::DSIG, "Reference")
        .ok_or_else(|| malformed("no Reference"))?;
    let digest_alg = digest_of(
        reference
            .digest
            .as_ref()
            .ok_or_else(|| malformed("no DigestMethod"))?,
    )?;
    let expected_digest = base64(
        &reference_el
            .child(ns::DSIG, "DigestValue")
            .ok_or_else(|| malformed("no DigestValue"))?
            .text(),
    )?;

    // Exactly enveloped-signature then exclusive canonicalization: with no canonicalization
    // transform the reference would be canonicalized inclusively, which this verifier does
    // not do. A same-document barename reference drops comments whatever the transform says
    // (XML-DSig 4.3.3.3), so the digest never covers comments.
    let transforms: Vec<&Element> = reference_el
        .child(ns::DSIG, "Transforms")
        .map(|t| t.children_named(ns::DSIG, "Transform").collect())
        .unwrap_or_default();
    let exc = match transforms.as_slice() {
        [enveloped, canonical]
            if enveloped.attr("Algorithm") == Some(dsig::ENVELOPED)
                && matches!(
                    canonical.attr("Algorithm"),
                    Some(dsig::EXC_C14N | dsig::EXC_C14N_COMMENTS)
                ) =>
        {
            prefix_list(canonical)?
        }
        _ => {
            return Err(malformed(
                "the Reference's transforms are not enveloped-signature then exclusive canonicalization",
            ))
        }
    };
    let content = c14n::exclusive(
        ancestors,
        parent,
        Options {
            with_comments: false,
            inclusive_prefixes: &exc,
            exclude: Some(sig),
        },
    );
    if digest(digest_alg, &content)? != expected_digest {
        return Err(Failure::Digest);
    }

    let c14n_method = signed_info
        .child(ns::DSIG, "CanonicalizationMethod")
        .ok_or_else(|| malformed("no CanonicalizationMethod"))?;
    let with_comments = c14n_method.attr("Algorithm") == Some(dsig::EXC_C14N_COMMENTS);
    if !with_comments && c14n_method.attr("Algorithm") != Some(dsig::EXC_C14N) {
        return Err(malformed("SignedInfo is not canonicalized exclusively"));
    }
    let si_prefixes = prefix_list(c14n_method)?;
    let mut si_ancestors: Vec<&Element> = ancestors.to_vec();
    si_ancestors.push(parent);
    si_ancestors.push(sig);
    let signed_bytes = c14n::exclusive(
        &si_ancestors,
        signed_info,
        Options {
            with_comments,
            inclusive_prefixes: &si_prefixes,
            exclude: None,
        },
    );

    let (md, ecdsa) = method(
        info.algorithm
            .as_ref()
            .ok_or_else(|| malformed("no SignatureMethod"))?,
    )?;
    let mut value = base64(
        &sig.child(ns::DSIG, "SignatureValue")
            .ok_or_else(|| malformed("no SignatureValue"))?
            .text(),
    )?;
    if ecdsa {
        value = ecdsa_der(&value)?;
    }
    for (i, key) in keys.iter().enumerate() {
        let is_ec = key.id() == openssl::pkey::Id::EC;
        if is_ec != ecdsa {
            continue;
        }
        if signature_ok(md, key, &signed_bytes, &value) {
            return Ok(i);
        }
    }
    Err(Failure::SignatureValue)
}

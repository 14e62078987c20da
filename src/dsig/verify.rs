//! Native XML-DSig verification over the strict tree: exclusive canonicalization of the
//! signed element (minus the enveloped signature) and of SignedInfo, the digest and the
//! signature value checked with OpenSSL. The caller has already checked the structure (one
//! same-document `#ID` reference to the signature's parent, allowed transforms only).
//!
//! Verifying the very tree the claims are then read from leaves no room for the verifier and
//! the reader to see different documents.

use super::c14n::{self, Options};
use super::inspect::{self as dsig, DigestAlgorithm, SignatureAlgorithm};
use super::policy::{self, Transform};
use crate::xml::{ns, Element};
use base64::Engine;
use openssl::md::{Md, MdRef};
use openssl::md_ctx::MdCtx;
use openssl::pkey::{Id, PKey, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use std::sync::{Mutex, OnceLock};

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
#[derive(Clone, Copy, PartialEq, Eq)]
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

/// A [`c14n::Sink`] that hashes what it is given, gathering the many small pieces
/// canonicalization writes into blocks before they cross into OpenSSL.
struct Digesting {
    ctx: MdCtx,
    size: usize,
    buffer: Vec<u8>,
    failed: Option<openssl::error::ErrorStack>,
}

/// What [`Digesting`] gathers before it hashes.
const DIGEST_BLOCK: usize = 8192;

impl Digesting {
    fn new(hash: Hash) -> Result<Self, Failure> {
        let md = hash.md()?;
        let bad = |e: openssl::error::ErrorStack| malformed(e.to_string());
        let mut ctx = MdCtx::new().map_err(bad)?;
        ctx.digest_init(md).map_err(bad)?;
        Ok(Digesting {
            ctx,
            size: md.size(),
            buffer: Vec::with_capacity(DIGEST_BLOCK),
            failed: None,
        })
    }

    /// Hashes `bytes` now; the first failure is kept for [`Digesting::finish`].
    fn update(ctx: &mut MdCtx, failed: &mut Option<openssl::error::ErrorStack>, bytes: &[u8]) {
        if failed.is_none() && !bytes.is_empty() {
            if let Err(e) = ctx.digest_update(bytes) {
                *failed = Some(e);
            }
        }
    }

    fn flush(&mut self) {
        Self::update(&mut self.ctx, &mut self.failed, &self.buffer);
        self.buffer.clear();
    }

    #[cold]
    fn put_past_block(&mut self, bytes: &[u8]) {
        self.flush();
        if bytes.len() < DIGEST_BLOCK {
            self.buffer.extend_from_slice(bytes);
        } else {
            Self::update(&mut self.ctx, &mut self.failed, bytes);
        }
    }

    fn finish(mut self) -> Result<Vec<u8>, Failure> {
        self.flush();
        let bad = |e: openssl::error::ErrorStack| malformed(e.to_string());
        if let Some(e) = self.failed {
            return Err(bad(e));
        }
        let mut out = vec![0u8; self.size];
        let n = self.ctx.digest_final(&mut out).map_err(bad)?;
        out.truncate(n);
        Ok(out)
    }
}

impl c14n::Sink for Digesting {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() <= DIGEST_BLOCK {
            self.buffer.extend_from_slice(bytes);
        } else {
            self.put_past_block(bytes);
        }
    }
}

/// Most verify contexts a key keeps for reuse: one per thread validating in parallel.
const MAX_READY_CONTEXTS: usize = 64;

/// A public key to verify signatures with. It keeps the OpenSSL verify contexts it has set up
/// for reuse: setting one up fetches the algorithm from the provider again, which costs as
/// much as a fifth of the RSA verify itself. A context is tied to its key's lifetime, so no
/// cache outlives the key it was made for.
pub struct VerifyKey {
    key: PKey<Public>,
    /// For an EC key, the size in bytes of its curve's field: what r and s each take.
    ec_size: Option<usize>,
    ready: Mutex<Vec<(Hash, PkeyCtx<Public>)>>,
}

impl VerifyKey {
    pub fn new(key: PKey<Public>) -> Self {
        let ec_size = (key.id() == Id::EC)
            .then(|| key.ec_key().ok())
            .flatten()
            .map(|ec| (ec.group().degree() as usize).div_ceil(8));
        VerifyKey {
            key,
            ec_size,
            ready: Mutex::new(Vec::new()),
        }
    }

    fn is_ec(&self) -> bool {
        self.key.id() == Id::EC
    }

    /// A context ready to verify `hash` digests, reused when one is free.
    fn context(&self, hash: Hash) -> Option<PkeyCtx<Public>> {
        if let Ok(mut ready) = self.ready.lock() {
            if let Some(i) = ready.iter().position(|(h, _)| *h == hash) {
                return Some(ready.swap_remove(i).1);
            }
        }
        let mut ctx = PkeyCtx::new(&self.key).ok()?;
        ctx.verify_init().ok()?;
        if !self.is_ec() {
            ctx.set_rsa_padding(Padding::PKCS1).ok()?;
        }
        ctx.set_signature_md(hash.md().ok()?).ok()?;
        Some(ctx)
    }

    /// Whether `signature` is this key's signature over the message whose `hash` digest is
    /// `digest`. OpenSSL checks the padding and the DigestInfo.
    fn verifies(&self, hash: Hash, digest: &[u8], signature: &[u8]) -> bool {
        let Some(mut ctx) = self.context(hash) else {
            return false;
        };
        match ctx.verify(digest, signature) {
            Ok(verified) => {
                if let Ok(mut ready) = self.ready.lock() {
                    if ready.len() < MAX_READY_CONTEXTS {
                        ready.push((hash, ctx));
                    }
                }
                verified
            }
            // A context that reported an error is not reused.
            Err(_) => false,
        }
    }
}

impl Clone for VerifyKey {
    fn clone(&self) -> Self {
        VerifyKey::new(self.key.clone())
    }
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("type", &self.key.id())
            .field("bits", &self.key.bits())
            .finish()
    }
}

/// The PrefixList of an `ec:InclusiveNamespaces` child, if any, without repeats. The
/// structure checks refuse a bad one before; this keeps the verifier safe on its own.
fn prefix_list(e: &Element) -> Result<Vec<String>, Failure> {
    dsig::prefix_list(e).map_err(|m| malformed(m.to_string()))
}

/// XML-DSig encodes an ECDSA signature as r‖s, each exactly the curve's size (RFC 4050,
/// XML-DSig 1.1 section 6.4.3), and libxmlsec1 refuses any other length; OpenSSL wants DER.
/// Returns the DER and the size of r (and of s).
fn ecdsa_der(raw: &[u8], keys: &[&VerifyKey]) -> Result<(Vec<u8>, usize), Failure> {
    let half = raw.len() / 2;
    if raw.is_empty()
        || !raw.len().is_multiple_of(2)
        || !keys.iter().any(|k| k.ec_size == Some(half))
    {
        let mut sizes: Vec<usize> = keys
            .iter()
            .filter_map(|k| k.ec_size)
            .map(|n| 2 * n)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        let expected: Vec<String> = sizes.iter().map(usize::to_string).collect();
        return Err(malformed(format!(
            "the ECDSA signature value is {} bytes; XML-DSig writes r and s at exactly the curve's size each (64 bytes in all for P-256, 96 for P-384, 132 for P-521), and the trusted EC keys take {}",
            raw.len(),
            expected.join(" or ")
        )));
    }
    let (r, s) = raw.split_at(half);
    let bad = |e: openssl::error::ErrorStack| malformed(e.to_string());
    let sig = openssl::ecdsa::EcdsaSig::from_private_components(
        openssl::bn::BigNum::from_slice(r).map_err(bad)?,
        openssl::bn::BigNum::from_slice(s).map_err(bad)?,
    )
    .map_err(bad)?;
    Ok((sig.to_der().map_err(bad)?, half))
}

/// Most distinct public keys a signature is checked against. Entra lists one to three signing
/// certificates (two during a rollover); every further key costs a signature verification, so
/// a document listing thousands must not buy thousands of them.
pub const MAX_SIGNING_KEYS: usize = 16;

/// Verifies `sig`, an enveloped signature child of `parent`. `ancestors` runs from the
/// document root down to `parent`'s parent. Keys are tried in order; returns the index of the
/// one that verified.
pub fn verify(
    ancestors: &[&Element],
    parent: &Element,
    sig: &Element,
    keys: &[&VerifyKey],
) -> Result<usize, Failure> {
    let signed_info = sig
        .child(ns::DSIG, "SignedInfo")
        .ok_or_else(|| malformed("no SignedInfo"))?;
    let info = dsig::inspect(sig);
    if !content_digest_matches(ancestors, parent, sig, signed_info, &info)? {
        return Err(Failure::Digest);
    }
    signed_info_signer(ancestors, parent, sig, signed_info, &info, keys)?
        .ok_or(Failure::SignatureValue)
}

/// Both halves of a signature judged apart: whether the signed element still has the digest
/// its Reference records, and which key (by index) signed SignedInfo. Each half is
/// canonicalized once, whatever the number of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examination {
    pub digest: Result<bool, Failure>,
    pub signer: Result<Option<usize>, Failure>,
}

impl Examination {
    /// The key that verified the whole signature, if one did.
    pub fn verified_by(&self) -> Option<usize> {
        match (&self.digest, &self.signer) {
            (Ok(true), Ok(Some(i))) => Some(*i),
            _ => None,
        }
    }
}

/// Examines `sig` as [`verify`] does, but tells which key signed SignedInfo even when the
/// content no longer matches its digest.
pub fn examine(
    ancestors: &[&Element],
    parent: &Element,
    sig: &Element,
    keys: &[&VerifyKey],
) -> Examination {
    let Some(signed_info) = sig.child(ns::DSIG, "SignedInfo") else {
        return Examination {
            digest: Err(malformed("no SignedInfo")),
            signer: Err(malformed("no SignedInfo")),
        };
    };
    let info = dsig::inspect(sig);
    Examination {
        digest: content_digest_matches(ancestors, parent, sig, signed_info, &info),
        signer: signed_info_signer(ancestors, parent, sig, signed_info, &info, keys),
    }
}

/// Whether `parent`, minus the enveloped `sig`, still has the digest the Reference records.
fn content_digest_matches(
    ancestors: &[&Element],
    parent: &Element,
    sig: &Element,
    signed_info: &Element,
    info: &dsig::Signature,
) -> Result<bool, Failure> {
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
            if policy::is_native_chain([enveloped.attr("Algorithm"), canonical.attr("Algorithm")]) =>
        {
            prefix_list(canonical)?
        }
        _ => {
            return Err(malformed(
                "the Reference's transforms are not enveloped-signature then exclusive canonicalization",
            ))
        }
    };
    let mut content = Digesting::new(digest_alg)?;
    c14n::exclusive_into(
        ancestors,
        parent,
        Options {
            with_comments: false,
            inclusive_prefixes: &exc,
            exclude: Some(sig),
        },
        &mut content,
    );
    Ok(content.finish()? == expected_digest)
}

/// Which of `keys` (the first, in order) signed SignedInfo, if any.
fn signed_info_signer(
    ancestors: &[&Element],
    parent: &Element,
    sig: &Element,
    signed_info: &Element,
    info: &dsig::Signature,
    keys: &[&VerifyKey],
) -> Result<Option<usize>, Failure> {
    let c14n_method = signed_info
        .child(ns::DSIG, "CanonicalizationMethod")
        .ok_or_else(|| malformed("no CanonicalizationMethod"))?;
    let with_comments = match Transform::of(c14n_method.attr("Algorithm")) {
        Transform::Exclusive { comments } => comments,
        _ => return Err(malformed("SignedInfo is not canonicalized exclusively")),
    };
    let si_prefixes = prefix_list(c14n_method)?;
    let mut si_ancestors: Vec<&Element> = ancestors.to_vec();
    si_ancestors.push(parent);
    si_ancestors.push(sig);
    let (md, ecdsa) = method(
        info.algorithm
            .as_ref()
            .ok_or_else(|| malformed("no SignatureMethod"))?,
    )?;
    let value = base64(
        &sig.child(ns::DSIG, "SignatureValue")
            .ok_or_else(|| malformed("no SignatureValue"))?
            .text(),
    )?;
    let mut signed = Digesting::new(md)?;
    c14n::exclusive_into(
        &si_ancestors,
        signed_info,
        Options {
            with_comments,
            inclusive_prefixes: &si_prefixes,
            exclude: None,
        },
        &mut signed,
    );
    let signed_digest = signed.finish()?;
    if !ecdsa {
        return Ok(keys
            .iter()
            .position(|key| !key.is_ec() && key.verifies(md, &signed_digest, &value)));
    }
    if !keys.iter().any(|k| k.is_ec()) {
        return Ok(None);
    }
    // Only keys whose curve has the size r and s are written at.
    let (der, half) = ecdsa_der(&value, keys)?;
    Ok(keys
        .iter()
        .position(|key| key.ec_size == Some(half) && key.verifies(md, &signed_digest, &der)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::Private;

    fn digest(hash: Hash, data: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut sink = Digesting::new(hash)?;
        c14n::Sink::put(&mut sink, data);
        sink.finish()
    }

    #[test]
    fn digesting_in_pieces_equals_hashing_at_once() {
        // Pieces smaller than a block, one that crosses it, and one larger than a block.
        let data: Vec<u8> = (0..3 * DIGEST_BLOCK + 17)
            .map(|i| (i % 251) as u8)
            .collect();
        let whole = openssl::hash::hash(openssl::hash::MessageDigest::sha256(), &data).unwrap();
        for cut in [
            1,
            7,
            DIGEST_BLOCK - 1,
            DIGEST_BLOCK,
            DIGEST_BLOCK + 5,
            2 * DIGEST_BLOCK,
        ] {
            let mut sink = Digesting::new(Hash::Sha256).unwrap();
            let (head, tail) = data.split_at(cut.min(data.len()));
            for piece in head.chunks(3) {
                c14n::Sink::put(&mut sink, piece);
            }
            c14n::Sink::put(&mut sink, tail);
            assert_eq!(sink.finish().unwrap(), whole.to_vec(), "cut at {cut}");
        }
    }

    fn sign(key: &PKey<Private>, hash: Hash, message: &[u8]) -> Vec<u8> {
        let mut ctx = MdCtx::new().unwrap();
        ctx.digest_sign_init(Some(hash.md().unwrap()), key).unwrap();
        let mut signature = Vec::new();
        ctx.digest_sign_to_vec(message, &mut signature).unwrap();
        signature
    }

    fn public(key: &PKey<Private>) -> VerifyKey {
        VerifyKey::new(PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap())
    }

    fn ready(key: &VerifyKey) -> usize {
        key.ready.lock().unwrap().len()
    }

    #[test]
    fn a_reused_context_judges_every_signature_afresh() {
        let private = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let key = public(&private);
        let message = b"<ds:SignedInfo>...</ds:SignedInfo>";
        let good = sign(&private, Hash::Sha256, message);
        let digest256 = digest(Hash::Sha256, message).unwrap();
        let mut forged = good.clone();
        forged[100] ^= 1;

        assert!(key.verifies(Hash::Sha256, &digest256, &good));
        assert_eq!(ready(&key), 1, "the context is kept");
        assert!(!key.verifies(Hash::Sha256, &digest256, &forged));
        let other = digest(Hash::Sha256, b"another message").unwrap();
        assert!(!key.verifies(Hash::Sha256, &other, &good));
        assert!(
            key.verifies(Hash::Sha256, &digest256, &good),
            "after failures"
        );
        assert_eq!(ready(&key), 1, "one context served every call");

        // The DigestInfo names the hash: a SHA-1 signature is no SHA-256 one, even over a
        // digest of the right length.
        let sha1 = sign(&private, Hash::Sha1, message);
        assert!(key.verifies(Hash::Sha1, &digest(Hash::Sha1, message).unwrap(), &sha1));
        assert_eq!(ready(&key), 2, "one context per hash");
        assert!(!key.verifies(Hash::Sha256, &digest256, &sha1));
        assert!(
            !key.verifies(Hash::Sha1, &digest256, &good),
            "a digest of the wrong length"
        );

        // Another key's signature never verifies, whatever context the key has cached.
        let stranger = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        assert!(!key.verifies(
            Hash::Sha256,
            &digest256,
            &sign(&stranger, Hash::Sha256, message)
        ));
    }

    #[test]
    fn ecdsa_keys_verify_through_the_same_contexts() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let private = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let key = public(&private);
        assert!(key.is_ec());
        let message = b"signed info";
        let good = sign(&private, Hash::Sha256, message);
        let d = digest(Hash::Sha256, message).unwrap();
        assert!(key.verifies(Hash::Sha256, &d, &good));
        assert!(!key.verifies(
            Hash::Sha256,
            &digest(Hash::Sha256, b"other").unwrap(),
            &good
        ));
        assert!(key.verifies(Hash::Sha256, &d, &good));
    }

    #[test]
    fn threads_share_a_key_without_sharing_a_context() {
        let private = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let key = public(&private);
        let message = b"parallel";
        let good = sign(&private, Hash::Sha256, message);
        let d = digest(Hash::Sha256, message).unwrap();
        let mut forged = good.clone();
        forged[0] ^= 0x80;
        std::thread::scope(|s| {
            for t in 0..4 {
                let (key, d, good, forged) = (&key, &d, &good, &forged);
                s.spawn(move || {
                    for i in 0..50 {
                        if (i + t) % 3 == 0 {
                            assert!(!key.verifies(Hash::Sha256, d, forged));
                        } else {
                            assert!(key.verifies(Hash::Sha256, d, good));
                        }
                    }
                });
            }
        });
        // A context that saw a forged signature is dropped; at most one per thread is kept.
        assert!(ready(&key) <= 4);
        assert!(key.verifies(Hash::Sha256, &d, &good));
        assert!((1..=4).contains(&ready(&key)));
    }
}

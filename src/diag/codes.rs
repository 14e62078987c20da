//! The registry of finding codes: the one place each code is named and documented.
//!
//! Codes are stable: renaming one breaks users' `--deny`/`--allow` lists and CI filters, so the
//! full list is snapshotted in `tests/snapshots/codes.txt` and a test fails on any change.

use super::Severity;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// What the registry knows about a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The stable kebab-case name.
    pub name: &'static str,
    /// The level a check gives by default (some checks escalate, e.g. a certificate days away
    /// from expiry).
    pub severity: Severity,
    /// Whether `--allow` may lower it. Codes that mean "nothing here can be trusted" may not.
    pub allowable: bool,
    /// One line: what the finding says.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! codes {
    ($(
        $variant:ident = $name:literal, $severity:ident, allowable: $allowable:literal,
        summary: $summary:literal,
        why: $why:literal,
        fix: $fix:literal;
    )*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The registry entry.
            pub fn info(self) -> &'static CodeInfo {
                match self {
                    $(Code::$variant => &CodeInfo {
                        name: $name,
                        severity: Severity::$severity,
                        allowable: $allowable,
                        summary: $summary,
                        why: $why,
                        fix: $fix,
                    },)*
                }
            }
        }
    };
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

codes! {
    XmlDtd = "xml-dtd", Error, allowable: false,
        summary: "The document declares a DTD or references an entity",
        why: "DTDs and entities enable entity-expansion (billion laughs) and external-entity (XXE) attacks, and neither Entra nor AWS ever sends them. samlbridge refuses such a document without expanding anything.",
        fix: "Use the document exactly as Entra served it; a DOCTYPE means it was altered or forged.";

    MetadataSignatureInvalid = "metadata-signature-invalid", Error, allowable: false,
        summary: "The metadata's XML signature does not verify",
        why: "A broken signature means the content changed after Entra signed it: possibly harmless reformatting, possibly a swapped certificate. Trusting the certificates in it would mean trusting whoever edited it.",
        fix: "Download the metadata again (samlbridge fetch) and do not open and save it in an editor; if it still fails, do not use it.";

    MetadataSignatureUntrusted = "metadata-signature-untrusted", Error, allowable: false,
        summary: "The metadata is signed, but not by the pinned certificate",
        why: "With --pin-cert you said which certificate must have signed this document; another one did, so the document may not come from your tenant.",
        fix: "Check the thumbprint given to --pin-cert against the Entra portal (Enterprise application → Single sign-on → SAML Certificates).";

    MetadataSignatureUnpinned = "metadata-signature-unpinned", Info, allowable: true,
        summary: "The signature verifies with the certificate the document carries",
        why: "This proves the document is intact, not who signed it: anyone can sign a document with a certificate of their own and embed it.",
        fix: "Pin the expected signer with --pin-cert SHA256-THUMBPRINT to prove the document's origin.";

    MetadataSignatureWeak = "metadata-signature-weak", Warning, allowable: true,
        summary: "The metadata is signed with a weak algorithm (SHA-1)",
        why: "SHA-1 collisions are practical; a SHA-1 signature gives little assurance. Entra signs metadata with RSA-SHA256.",
        fix: "Fetch the metadata from Entra again; a SHA-1 signature suggests it came from elsewhere.";

    MetadataUnsigned = "metadata-unsigned", Warning, allowable: true,
        summary: "The metadata carries no XML signature",
        why: "Entra signs its federation metadata. An unsigned copy cannot be shown to be unaltered, and the certificates in it are what AWS will trust.",
        fix: "Download the metadata directly from Entra (samlbridge fetch --tenant … --app-id …).";

    MetadataNotEntra = "metadata-not-entra", Info, allowable: true,
        summary: "The metadata does not come from Microsoft Entra ID",
        why: "samlbridge's Entra-specific checks (entityID shape, app versus tenant metadata) are skipped; the SAML and AWS checks still run.",
        fix: "Nothing to do if this IdP is intended.";

    MetadataEntityId = "metadata-entity-id", Error, allowable: true,
        summary: "The entityID is not the shape Entra uses",
        why: "Entra's issuer is exactly https://sts.windows.net/<tenant-guid>/ (with the trailing slash); AWS compares the response Issuer with this value character for character.",
        fix: "Use the metadata as Entra serves it, without editing the entityID.";

    MetadataCommonEndpoint = "metadata-common-endpoint", Error, allowable: false,
        summary: "The metadata comes from the multi-tenant 'common' endpoint",
        why: "Its entityID contains the literal placeholder {tenantid}, which never equals the Issuer of a real response, and it carries tenant-wide keys, not the application's signing certificate.",
        fix: "Fetch the application's own metadata: samlbridge fetch --tenant <tenant-id> --app-id <app-id>.";

    MetadataTenantWide = "metadata-tenant-wide", Error, allowable: true,
        summary: "Tenant-wide metadata where the application's metadata is needed",
        why: "Entra signs an enterprise application's SAML responses with the application's own certificate, which only the app-specific metadata (…?appid=<app-id>) carries. With tenant-wide metadata AWS reports 'Response signature invalid'.",
        fix: "Fetch the application's metadata: samlbridge fetch --tenant <tenant> --app-id <app-id>, or copy the 'App Federation Metadata Url' from the Entra portal.";

    MetadataNoIdpDescriptor = "metadata-no-idp-descriptor", Error, allowable: false,
        summary: "The document has no IDPSSODescriptor",
        why: "Without an IDPSSODescriptor there is no SAML identity provider to configure: this may be service-provider metadata or WS-Federation-only metadata.",
        fix: "Pass the identity provider's (Entra's) federation metadata, not the AWS service-provider metadata.";

    MetadataNoSsoService = "metadata-no-sso-service", Error, allowable: false,
        summary: "No SingleSignOnService endpoint",
        why: "IAM Identity Center requires a SingleSignOnService in the IdP metadata; without it the upload is refused and SP-initiated sign-in has nowhere to go.",
        fix: "Use the complete federation metadata from Entra.";

    MetadataSsoBinding = "metadata-sso-binding", Warning, allowable: true,
        summary: "No SingleSignOnService with the HTTP-Redirect or HTTP-POST binding",
        why: "AWS sends its authentication request with HTTP-Redirect or HTTP-POST; other bindings cannot be used for SP-initiated sign-in.",
        fix: "Use the complete federation metadata from Entra, which lists both bindings.";

    MetadataSsoNotHttps = "metadata-sso-not-https", Error, allowable: true,
        summary: "A SingleSignOnService endpoint is not an https:// URL",
        why: "Sign-in traffic over plain HTTP exposes the authentication exchange; Entra's endpoints are always HTTPS.",
        fix: "Use the metadata as Entra serves it.";

    MetadataExpired = "metadata-expired", Error, allowable: true,
        summary: "The metadata's validUntil lies in the past",
        why: "Consumers that honour validUntil refuse expired metadata.",
        fix: "Download fresh metadata.";

    MetadataTooLarge = "metadata-too-large", Error, allowable: true,
        summary: "The metadata exceeds the target's size limit",
        why: "IAM Identity Center accepts IdP metadata of at most 75,000 characters; IAM's CreateSAMLProvider at most 10,000,000.",
        fix: "Use the application's own metadata rather than a federation aggregate, or enter the IdP values manually (samlbridge aws identity-center writes idp-settings.json).";

    MetadataTooSmall = "metadata-too-small", Error, allowable: true,
        summary: "The metadata is shorter than IAM accepts",
        why: "IAM's CreateSAMLProvider rejects a SAMLMetadataDocument under 1,000 characters.",
        fix: "Use the complete federation metadata from Entra.";

    MetadataBom = "metadata-bom", Error, allowable: true,
        summary: "The metadata starts with a byte-order mark",
        why: "IAM requires UTF-8 without a byte-order mark and otherwise answers 'Unable to parse metadata'. Entra serves its metadata with one.",
        fix: "samlbridge aws iam writes the document without the mark; or remove the first three bytes yourself.";

    MetadataMultipleSigningCerts = "metadata-multiple-signing-certs", Warning, allowable: true,
        summary: "The metadata lists more than one signing certificate",
        why: "Entra lists every certificate of the application, inactive ones included. IAM Identity Center imports and trusts all of them; other consumers pick one, sometimes the wrong one, and sign-in breaks when Entra signs with the other.",
        fix: "Keep only the certificate that is active in Entra (samlbridge aws … --signing-cert THUMBPRINT), or delete inactive certificates in the Entra portal.";

    MetadataNoSigningCert = "metadata-no-signing-cert", Error, allowable: false,
        summary: "No signing certificate in the IDPSSODescriptor",
        why: "AWS verifies every response with the certificates in the IdP metadata; without one nothing can be verified and the upload is refused.",
        fix: "Use the application's federation metadata from Entra, which carries its SAML signing certificate.";

    MetadataEncryptionKey = "metadata-encryption-key", Warning, allowable: true,
        summary: "The IdP metadata carries an encryption key",
        why: "IAM Identity Center documents that 'an encryption key is not supported' in the IdP metadata.",
        fix: "Remove the KeyDescriptor use=\"encryption\" before uploading to IAM Identity Center.";

    CertUnparseable = "cert-unparseable", Error, allowable: false,
        summary: "A certificate in the document cannot be read",
        why: "A certificate that is not base64 DER X.509 cannot verify anything; AWS rejects the metadata.",
        fix: "Download the metadata again from Entra; the certificate was damaged or replaced by a placeholder.";

    CertExpired = "cert-expired", Error, allowable: true,
        summary: "A signing certificate has expired",
        why: "AWS refuses responses signed with an expired certificate. If Entra still has a valid certificate, an expired one in the metadata is left-over clutter that some consumers pick by mistake.",
        fix: "In Entra, create or activate a new SAML signing certificate, then re-import the metadata into AWS before removing the old one.";

    CertNotYetValid = "cert-not-yet-valid", Error, allowable: true,
        summary: "A signing certificate is not valid yet",
        why: "A certificate whose notBefore lies in the future cannot be used until then; a rollover planned too early breaks sign-in.",
        fix: "Wait until the certificate becomes valid before activating it, or check the machine's clock.";

    CertExpiring = "cert-expiring", Warning, allowable: true,
        summary: "A signing certificate expires soon (60, 30 and 7 days, as Entra's own notices)",
        why: "When the active certificate expires, Entra signs with the next one even if it was never activated, and AWS still trusts only the old one: sign-in fails for everyone.",
        fix: "Create the new certificate in Entra now, import it into AWS (Identity Center trusts every imported certificate), then make it active in Entra.";

    CertWeakKey = "cert-weak-key", Error, allowable: true,
        summary: "A signing certificate's key is too small",
        why: "RSA keys under 2048 bits can be factored with enough effort; IAM rejects keys under 1024 bits outright with 'Unable to parse metadata'.",
        fix: "Create a new 2048-bit (or larger) SAML signing certificate in Entra.";

    CertKeyType = "cert-key-type", Warning, allowable: true,
        summary: "A signing certificate uses a key type AWS may not accept",
        why: "Entra signs SAML with RSA keys; AWS documents RSA for SAML federation. Other key types may not be accepted.",
        fix: "Use an RSA signing certificate.";

    CertWeakSignature = "cert-weak-signature", Warning, allowable: true,
        summary: "The certificate itself is signed with SHA-1 or MD5",
        why: "For a pinned, self-signed SAML certificate the certificate's own signature does not carry trust, but SHA-1/MD5 marks an old certificate and some tools refuse it.",
        fix: "Create a new signing certificate in Entra (it uses SHA-256).";

    CertDuplicate = "cert-duplicate", Warning, allowable: true,
        summary: "The same certificate is listed more than once",
        why: "Duplicates do no harm to verification but show that the document was assembled or edited by hand.",
        fix: "Use the metadata as Entra serves it.";

    SpNoAcs = "sp-no-acs", Error, allowable: false,
        summary: "The service-provider metadata has no AssertionConsumerService",
        why: "Without an ACS URL there is nothing to configure as Entra's Reply URL, and no Destination/Recipient to check responses against.",
        fix: "Download the service-provider metadata again from IAM Identity Center (Settings → Identity source → Change identity source → External identity provider).";

    SpAcsNotHttps = "sp-acs-not-https", Error, allowable: true,
        summary: "An AssertionConsumerService URL is not https://",
        why: "Responses posted over plain HTTP can be captured and replayed.",
        fix: "Use the metadata as IAM Identity Center serves it.";

    SpNotIdentityCenter = "sp-not-identity-center", Warning, allowable: true,
        summary: "The service-provider metadata does not look like IAM Identity Center's",
        why: "IAM Identity Center's entityID is https://<region>.signin.aws.amazon.com/platform/saml/d-<id> and its ACS URLs are on signin.aws / signin.aws.amazon.com; other values suggest the wrong file.",
        fix: "Download the metadata from IAM Identity Center's identity-source settings.";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let info = code.info();
            assert!(seen.insert(info.name), "duplicate code {}", info.name);
            assert!(
                info.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                info.name
            );
            assert!(!info.summary.is_empty() && !info.why.is_empty() && !info.fix.is_empty());
            assert_eq!(info.name.parse::<Code>(), Ok(*code));
        }
    }

    #[test]
    fn codes_use_the_documented_prefixes() {
        const PREFIXES: &[&str] = &[
            "xml-",
            "metadata-",
            "cert-",
            "claims-",
            "nameid-",
            "abac-",
            "iam-",
            "sp-",
            "response-",
            "signature-",
            "assertion-",
            "input-",
            "fetch-",
        ];
        for code in Code::ALL {
            assert!(
                PREFIXES.iter().any(|p| code.as_str().starts_with(p)),
                "{code} has no known prefix"
            );
        }
    }
}

//! Checks on IdP and SP metadata. Each returns findings and never prints.

use super::model::*;
use crate::aws::{self, Target};
use crate::cert::{self, CertPolicy, CertRole, Certificate, Thumbprint};
use crate::diag::{Code, Finding, Severity};
use crate::entra::{self, Cloud, Issuer};
use crate::shape::{self, ShapeError};
use chrono::{DateTime, Utc};

/// What the IdP metadata checks need besides the metadata.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub target: Option<Target>,
    pub cert_policy: CertPolicy,
    pub now: DateTime<Utc>,
    /// Where the document was fetched from, when it came from a URL.
    pub source_url: Option<url::Url>,
    /// The document is written for upload without its byte-order mark (`aws iam` writes
    /// idp-metadata.xml and saml-provider.json so), which takes away the reason IAM would
    /// refuse it: a mark is then reported for information only.
    pub byte_order_mark_removed: bool,
    /// The metadata written for upload keeps only this signing certificate: the others are
    /// never trusted by AWS, so their problems do not stand in the way.
    pub upload_only: Option<Thumbprint>,
}

/// The certificate Entra signs with today, as far as the document shows: the one whose key
/// signed the metadata, else the only valid one.
pub fn current_certificate(md: &IdpMetadata, now: DateTime<Utc>) -> Option<&Certificate> {
    if let Some(signer) = md.signature.signer() {
        if let Some(c) = md
            .signing_certificates()
            .find(|c| c.sha256.to_string() == signer)
        {
            return Some(c);
        }
    }
    let valid: Vec<&Certificate> = md
        .signing_certificates()
        .filter(|c| c.is_valid_at(now))
        .collect();
    match valid.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Checks identity-provider metadata. `raw` is the exact document (for size and BOM rules).
pub fn check_idp(md: &IdpMetadata, raw: &[u8], opts: &CheckOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let subject = md.entity_id.clone();

    let claim = check_kind(md, opts, &mut out);
    check_signature(md, &mut out);
    check_size(raw, opts, &subject, &mut out);

    if let Some(until) = md.valid_until {
        if until <= opts.now {
            out.push(
                Finding::new(
                    Code::MetadataExpired,
                    format!("validUntil is {}", until.format("%Y-%m-%d %H:%M UTC")),
                )
                .subject(subject.clone()),
            );
        }
    }

    if !md.has_idp_descriptor {
        out.push(
            Finding::new(
                Code::MetadataNoIdpDescriptor,
                "the EntityDescriptor has no IDPSSODescriptor",
            )
            .subject(subject),
        );
        return out;
    }

    check_endpoints(md, claim.as_ref(), &subject, &mut out);
    check_keys(md, opts, &subject, &mut out);
    out
}

/// The cloud and tenant whose login host an Entra document's endpoints must be on. `tenant` is
/// the tenant GUID in lowercase as Entra writes it; `None` when the document names no usable
/// tenant (the multi-tenant metadata, an entityID without a GUID).
struct EntraClaim {
    cloud: Cloud,
    tenant: Option<String>,
    /// Where the tenant comes from, for messages.
    source: &'static str,
}

/// Judges the entityID; returns what the document claims when it claims to be Entra's.
fn check_kind(md: &IdpMetadata, opts: &CheckOptions, out: &mut Vec<Finding>) -> Option<EntraClaim> {
    let issuer = entra::judge_issuer(&md.entity_id);
    if let Issuer::LookAlike { cloud, problem, .. } = &issuer {
        out.push(lookalike(md, *cloud, problem));
    }
    match &md.kind {
        IdpKind::Other => other_issuer(md, issuer, out),
        IdpKind::EntraCommon { cloud } => {
            out.push(
                Finding::new(
                    Code::MetadataCommonEndpoint,
                    format!(
                        "entityID {} holds the placeholder {{tenantid}}",
                        md.entity_id
                    ),
                )
                .subject(md.entity_id.clone()),
            );
            Some(EntraClaim {
                cloud: *cloud,
                tenant: None,
                source: "",
            })
        }
        IdpKind::Entra { tenant, cloud } => {
            Some(entra_tenant(md, opts, &issuer, tenant, *cloud, out))
        }
    }
}

/// Entra never publishes an entityID that imitates its issuer: the document was forged or
/// edited, and the finding says how to get the real one.
fn lookalike(md: &IdpMetadata, cloud: Cloud, problem: &str) -> Finding {
    Finding::new(
        Code::MetadataEntityIdLookalike,
        format!(
            "entityID {:?} imitates Entra's issuer without being it: {problem}",
            md.entity_id
        ),
    )
    .help(format!(
        "Entra's entityID is exactly {} ({} cloud), in plain ASCII. Do not use this document: download the application's metadata from Entra (samlbridge fetch --tenant <tenant-id> --app-id <app-id>) and compare the entityID with the Microsoft Entra Identifier on the application's Single sign-on page.",
        cloud.issuer("<tenant-guid>"),
        cloud.name()
    ))
    .subject(md.entity_id.clone())
}

/// A document whose endpoints are not on Entra's login host: a look-alike is still held to
/// the tenant it names; any other issuer is not Entra, and at least a URI.
fn other_issuer(md: &IdpMetadata, issuer: Issuer, out: &mut Vec<Finding>) -> Option<EntraClaim> {
    if let Issuer::LookAlike { cloud, tenant, .. } = issuer {
        return Some(EntraClaim {
            cloud,
            tenant,
            source: "named by the look-alike entityID",
        });
    }
    out.push(
        Finding::new(
            Code::MetadataNotEntra,
            format!("entityID {} is not an Entra issuer", md.entity_id),
        )
        .subject(md.entity_id.clone()),
    );
    // Entra's own shape is judged above; any other issuer is at least a URI.
    if let Err(e) = shape::uri(&md.entity_id) {
        out.push(
            Finding::new(
                Code::MetadataValueInvalid,
                format!("entityID {:?}: {e}", md.entity_id),
            )
            .subject(md.entity_id.clone()),
        );
    }
    None
}

/// A document on Entra's login host for `tenant`: its entityID must be that tenant's issuer,
/// and it must be an application's metadata, not the tenant-wide one.
fn entra_tenant(
    md: &IdpMetadata,
    opts: &CheckOptions,
    issuer: &Issuer,
    tenant: &str,
    cloud: Cloud,
    out: &mut Vec<Finding>,
) -> EntraClaim {
    let guid = entra::is_guid(tenant).then(|| tenant.to_ascii_lowercase());
    let problem = match issuer {
        Issuer::Misshapen { problem, .. } => Some(problem.clone()),
        Issuer::NotEntra => Some(format!(
            "its SingleSignOnService is on Entra's login host for tenant {tenant}, whose issuer is {}",
            cloud.issuer(guid.as_deref().unwrap_or("<tenant-guid>"))
        )),
        Issuer::Exact { .. } | Issuer::Common { .. } | Issuer::LookAlike { .. } => None,
    };
    if let Some(problem) = problem {
        out.push(
            Finding::new(
                Code::MetadataEntityId,
                format!(
                    "entityID {:?} is not Entra's issuer: {problem}",
                    md.entity_id
                ),
            )
            .subject(md.entity_id.clone()),
        );
    }
    out.extend(tenant_wide(md, opts));
    EntraClaim {
        cloud,
        tenant: guid,
        source: match issuer {
            Issuer::Exact { .. } | Issuer::Misshapen { .. } => "the entityID's",
            _ => "named by the SingleSignOnService on Entra's login host",
        },
    }
}

/// Tenant-wide federation metadata lacks the application's own certificate, which Entra signs
/// its SAML responses with: AWS would refuse every response.
fn tenant_wide(md: &IdpMetadata, opts: &CheckOptions) -> Option<Finding> {
    let from_wide_url = opts
        .source_url
        .as_ref()
        .is_some_and(entra::is_tenant_wide_url);
    let only_tenant_keys = {
        let mut certs = md.signing_certificates().peekable();
        certs.peek().is_some() && certs.all(is_tenant_signing_key)
    };
    if !from_wide_url && !only_tenant_keys {
        return None;
    }
    let why = if from_wide_url {
        "it was fetched from a URL without ?appid=".to_owned()
    } else {
        "its signing certificates are Entra's tenant-wide keys (CN=accounts.accesscontrol.windows.net), not an application's SAML certificate".to_owned()
    };
    Some(
        Finding::new(
            Code::MetadataTenantWide,
            format!("this is tenant-wide federation metadata: {why}"),
        )
        .subject(md.entity_id.clone()),
    )
}

/// Entra's tenant-wide token-signing keys; application SAML certificates are named
/// "Microsoft Azure Federated SSO Certificate" (or whatever the admin uploaded).
fn is_tenant_signing_key(c: &Certificate) -> bool {
    let cn = c.common_name();
    Cloud::ALL
        .iter()
        .any(|cloud| cloud.tenant_key_common_name() == cn)
}

fn check_signature(md: &IdpMetadata, out: &mut Vec<Finding>) {
    let subject = md.entity_id.clone();
    match &md.signature {
        SignatureStatus::Absent => out.push(
            Finding::new(Code::MetadataUnsigned, "the document has no ds:Signature")
                .subject(subject.clone()),
        ),
        SignatureStatus::Invalid { reason } => out.push(
            Finding::new(Code::MetadataSignatureInvalid, reason.clone()).subject(subject.clone()),
        ),
        SignatureStatus::Untrusted { reason } => out.push(
            Finding::new(Code::MetadataSignatureUntrusted, reason.clone())
                .subject(subject.clone()),
        ),
        SignatureStatus::TooManyKeys {
            keys,
            limit,
            in_key_info,
        } => out.push(
            Finding::new(
                Code::MetadataSignatureKeys,
                format!(
                    "{}: samlbridge checks a signature against at most {limit} keys, so this one was not checked and nothing in the document is shown to be intact",
                    if *in_key_info {
                        format!("the signature's KeyInfo carries {keys} certificates with distinct keys")
                    } else {
                        format!("the signature carries no certificate and the metadata lists {keys} signing certificates with distinct keys")
                    }
                ),
            )
            .subject(subject.clone()),
        ),
        SignatureStatus::Reformatted { signer_subject, .. } => out.push(
            Finding::new(
                Code::MetadataSignatureInvalid,
                format!(
                    "the signature does not verify as the file stands: it was reformatted after signing (whitespace between elements or line endings changed). With that whitespace removed it verifies with {signer_subject}, so the content is unaltered"
                ),
            )
            .severity(Severity::Warning)
            .help("Download the metadata again without opening and saving it in an editor; AWS does not check this signature, so the certificates in this copy are still Entra's.")
            .subject(subject.clone()),
        ),
        SignatureStatus::Valid {
            pinned: false,
            signer_subject,
            signer,
            ..
        } => out.push(
            Finding::new(
                Code::MetadataSignatureUnpinned,
                format!("the signature verifies with the certificate it carries: {signer_subject}, SHA-256 {signer}"),
            )
            .subject(subject.clone()),
        ),
        SignatureStatus::Valid { pinned: true, .. } => {}
    }
    if md.signature_sha1 {
        out.push(
            Finding::new(
                Code::MetadataSignatureWeak,
                "the metadata signature uses RSA-SHA1",
            )
            .subject(subject),
        );
    }
}

fn check_size(raw: &[u8], opts: &CheckOptions, subject: &str, out: &mut Vec<Finding>) {
    let Some(target) = opts.target else { return };
    let had_bom = raw.starts_with(b"\xEF\xBB\xBF");
    let body = if had_bom { &raw[3..] } else { raw };
    let chars = String::from_utf8_lossy(body).chars().count();
    match target {
        Target::IdentityCenter if chars > aws::IDENTITY_CENTER_METADATA_MAX_CHARS => out.push(
            Finding::new(
                Code::MetadataTooLarge,
                format!(
                    "{chars} characters; IAM Identity Center accepts at most {}",
                    aws::IDENTITY_CENTER_METADATA_MAX_CHARS
                ),
            )
            .subject(subject.to_owned()),
        ),
        Target::Iam => {
            if chars < aws::IAM_METADATA_MIN_CHARS {
                out.push(
                    Finding::new(
                        Code::MetadataTooSmall,
                        format!(
                            "{chars} characters; IAM needs at least {}",
                            aws::IAM_METADATA_MIN_CHARS
                        ),
                    )
                    .subject(subject.to_owned()),
                );
            }
            if chars > aws::IAM_METADATA_MAX_CHARS {
                out.push(
                    Finding::new(
                        Code::MetadataTooLarge,
                        format!(
                            "{chars} characters; IAM accepts at most {}",
                            aws::IAM_METADATA_MAX_CHARS
                        ),
                    )
                    .subject(subject.to_owned()),
                );
            }
            if had_bom {
                out.push(byte_order_mark(opts.byte_order_mark_removed).subject(subject.to_owned()));
            }
        }
        Target::IdentityCenter => {}
    }
}

/// IAM refuses metadata that starts with a byte-order mark, unless the document uploaded is
/// one written without it.
fn byte_order_mark(removed: bool) -> Finding {
    const MARK: &str = "the file starts with a UTF-8 byte-order mark (EF BB BF)";
    if removed {
        Finding::new(
            Code::MetadataBom,
            format!("{MARK}; samlbridge writes idp-metadata.xml and saml-provider.json without it"),
        )
        .severity(Severity::Info)
    } else {
        Finding::new(Code::MetadataBom, MARK)
    }
}

fn check_endpoints(
    md: &IdpMetadata,
    claim: Option<&EntraClaim>,
    subject: &str,
    out: &mut Vec<Finding>,
) {
    check_entra_endpoints(md, claim, subject, out);
    if md.sso_services.is_empty() {
        out.push(
            Finding::new(
                Code::MetadataNoSsoService,
                "the IDPSSODescriptor lists no SingleSignOnService",
            )
            .subject(subject.to_owned()),
        );
        return;
    }
    // For Entra's metadata, an endpoint is judged against Entra's exact form (above); any other
    // identity provider's endpoints are at least plain https:// URLs, judged as written.
    if claim.is_none() {
        for a in addresses(md).iter().filter(|a| !a.is_scope) {
            match shape::https_url(a.location) {
                Ok(_) | Err(ShapeError::NotHttps) => {}
                Err(e) => out.push(
                    Finding::new(
                        Code::MetadataValueInvalid,
                        format!("{} {:?}: {e}", a.what, a.location),
                    )
                    .subject(subject.to_owned()),
                ),
            }
        }
        for e in &md.sso_services {
            let https = url::Url::parse(&e.location).is_ok_and(|u| u.scheme() == "https");
            if !https {
                out.push(
                    Finding::new(
                        Code::MetadataSsoNotHttps,
                        format!(
                            "SingleSignOnService ({}) at {:?}",
                            e.binding_name(),
                            e.location
                        ),
                    )
                    .subject(subject.to_owned()),
                );
            }
        }
    }
    if !md
        .sso_services
        .iter()
        .any(|e| e.binding == BINDING_REDIRECT || e.binding == BINDING_POST)
    {
        let bindings: Vec<&str> = md.sso_services.iter().map(Endpoint::binding_name).collect();
        out.push(
            Finding::new(
                Code::MetadataSsoBinding,
                format!("SingleSignOnService bindings: {}", bindings.join(", ")),
            )
            .subject(subject.to_owned()),
        );
    }
}

/// One address the document lists, named for messages.
struct Address<'a> {
    what: String,
    location: &'a str,
    /// A WS-Federation TargetScopes: the issuer itself, not an endpoint.
    is_scope: bool,
}

/// Every address in the document: SAML endpoints with their binding, then the WS-Federation
/// addresses with their role.
fn addresses(md: &IdpMetadata) -> Vec<Address<'_>> {
    let saml = [
        ("SingleSignOnService", &md.sso_services),
        ("SingleLogoutService", &md.slo_services),
    ]
    .into_iter()
    .flat_map(|(name, endpoints)| {
        endpoints.iter().map(move |e| Address {
            what: format!("{name} ({})", e.binding_name()),
            location: &e.location,
            is_scope: false,
        })
    });
    let wsfed = md.wsfed_roles.iter().flat_map(|role| {
        let kind = role.role_type.rsplit(':').next().unwrap_or_default();
        role.endpoints.iter().map(move |e| Address {
            what: format!("{} of {kind}", e.element),
            location: &e.address,
            is_scope: e.element == "TargetScopes",
        })
    });
    saml.chain(wsfed).collect()
}

/// Entra's metadata lists its endpoints on its own login host, over HTTPS, under the tenant the
/// entityID names, and its WS-Federation TargetScopes is that same issuer: anything else is an
/// error. A document that does not claim to be Entra's is only held to this for addresses that
/// imitate one of Entra's hosts.
fn check_entra_endpoints(
    md: &IdpMetadata,
    claim: Option<&EntraClaim>,
    subject: &str,
    out: &mut Vec<Finding>,
) {
    for Address {
        what,
        location,
        is_scope,
    } in addresses(md)
    {
        let problem = match claim {
            Some(EntraClaim { cloud, tenant, .. }) if is_scope => match tenant {
                Some(t) if location != cloud.issuer(t) => Some(format!(
                    "is not Entra's issuer {}: {}",
                    cloud.issuer(t),
                    entra::difference(location, &cloud.issuer(t))
                )),
                _ => None,
            },
            Some(EntraClaim { cloud, tenant, .. }) => {
                entra::judge_endpoint(location, *cloud, tenant.as_deref()).err()
            }
            None if is_scope => None,
            None => entra::resembled_host(location).and_then(|known| {
                let cloud = Cloud::from_host(known).expect("a known host belongs to a cloud");
                entra::judge_endpoint(location, cloud, None)
                    .err()
                    .map(|p| format!("imitates Entra's {known} and {p}"))
            }),
        };
        let Some(problem) = problem else { continue };
        let help = match claim {
            Some(EntraClaim {
                cloud,
                tenant,
                source,
            }) => format!(
                "Entra lists its endpoints as https://{}/<tenant-id>/saml2 (WS-Federation: …/wsfed) with the tenant ID{} as the first path segment: the lowercase GUID its application metadata always uses, never a domain name, so samlbridge accepts only that GUID, byte for byte. Do not use this document: download the application's metadata from Entra again (samlbridge fetch --tenant <tenant-id> --app-id <app-id>) and do not edit it.",
                cloud.login_host(),
                tenant
                    .as_deref()
                    .map(|t| format!(" {t} ({source})"))
                    .unwrap_or_default()
            ),
            None => Code::MetadataEndpointNotEntra.info().fix.to_owned(),
        };
        out.push(
            Finding::new(
                Code::MetadataEndpointNotEntra,
                format!("{what} {location:?} {problem}"),
            )
            .help(help)
            .subject(subject.to_owned()),
        );
    }
}

fn check_keys(md: &IdpMetadata, opts: &CheckOptions, subject: &str, out: &mut Vec<Finding>) {
    for (index, key) in md.keys.iter().enumerate() {
        if let Err(e) = &key.certificate {
            out.push(
                Finding::new(
                    Code::CertUnparseable,
                    format!(
                        "certificate #{} ({} key) cannot be read: {e}",
                        index + 1,
                        key_use_name(key.key_use)
                    ),
                )
                .subject(subject.to_owned()),
            );
        }
    }
    if opts.target == Some(Target::IdentityCenter)
        && md.keys.iter().any(|k| k.key_use == KeyUse::Encryption)
    {
        out.push(
            Finding::new(
                Code::MetadataEncryptionKey,
                "a KeyDescriptor has use=\"encryption\"",
            )
            .subject(subject.to_owned()),
        );
    }

    for c in md.repeated_signing_certificates() {
        out.push(
            Finding::new(
                Code::CertDuplicate,
                format!(
                    "{} (SHA-1 {}) is listed more than once",
                    c.common_name(),
                    c.sha1
                ),
            )
            .subject(subject.to_owned()),
        );
    }
    let signing = md.distinct_signing_certificates();
    if signing.is_empty() {
        if md.keys.iter().all(|k| k.certificate.is_ok()) {
            out.push(
                Finding::new(
                    Code::MetadataNoSigningCert,
                    "the IDPSSODescriptor lists no signing certificate",
                )
                .subject(subject.to_owned()),
            );
        }
        return;
    }

    let current = current_certificate(md, opts.now);
    let any_valid = signing.iter().any(|c| c.is_valid_at(opts.now));
    for c in &signing {
        if let Some(keep) = &opts.upload_only {
            if !c.matches(keep) {
                out.extend(
                    cert::check_signing_certificate(c, CertRole::Spare, opts.now, opts.cert_policy)
                        .into_iter()
                        .map(left_out_of_upload),
                );
                continue;
            }
        }
        // The one certificate uploaded is the one AWS will trust: it must be usable itself.
        let current = if opts.upload_only.is_some() {
            Some(*c)
        } else {
            current
        };
        let role = match current {
            Some(cur) if cur == *c => CertRole::Current,
            Some(_) => CertRole::Spare,
            // Unknown which one signs: any valid certificate may be the active one; expired or
            // future ones are spares as long as a valid one exists.
            None if c.is_valid_at(opts.now) || !any_valid => CertRole::Current,
            None => CertRole::Spare,
        };
        // When the next certificate is already listed, the step is to import it, not to make one.
        let next = signing
            .iter()
            .filter(|o| **o != *c && o.not_after > c.not_after && opts.now < o.not_after)
            .max_by_key(|o| o.not_after);
        out.extend(
            cert::check_signing_certificate(c, role, opts.now, opts.cert_policy)
                .into_iter()
                .map(|f| match next {
                    Some(n) if f.code == Code::CertExpiring => f.help(format!(
                        "The next certificate (SHA-1 {}) is already in this metadata: import it into AWS now (samlbridge aws … --current-cert {} writes ROLLOVER.md with the dated steps), then make it active in Entra before this one expires.",
                        n.sha1, c.sha1
                    )),
                    _ => f,
                }),
        );
    }

    // Trimmed to one certificate, the upload no longer lists several.
    if signing.len() > 1 && opts.upload_only.is_none() {
        out.push(multiple_certs_finding(&signing, current, opts, subject));
    }
}

/// A finding about a certificate the uploaded metadata leaves out: for information only.
fn left_out_of_upload(f: Finding) -> Finding {
    let message = format!(
        "{}; it is left out of the metadata written for upload, so AWS will not trust it",
        f.message
    );
    Finding {
        message,
        ..f.severity(Severity::Info)
    }
}

fn key_use_name(u: KeyUse) -> &'static str {
    match u {
        KeyUse::Signing => "signing",
        KeyUse::Encryption => "encryption",
        KeyUse::Unspecified => "unspecified-use",
    }
}

fn multiple_certs_finding(
    signing: &[&Certificate],
    current: Option<&Certificate>,
    opts: &CheckOptions,
    subject: &str,
) -> Finding {
    let newest = signing
        .iter()
        .max_by_key(|c| c.not_before)
        .copied()
        .expect("more than one certificate");
    let describe = |c: &Certificate| {
        let mut notes = Vec::new();
        if current == Some(c) {
            notes.push("signs this document, so Entra most likely signs with it today");
        }
        if c == newest {
            notes.push("newest");
        }
        if opts.now >= c.not_after {
            notes.push("expired");
        } else if opts.now < c.not_before {
            notes.push("not valid yet");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        format!(
            "SHA-1 {} valid {} to {}{}",
            c.sha1,
            c.not_before.format("%Y-%m-%d"),
            c.not_after.format("%Y-%m-%d"),
            notes
        )
    };
    let list: Vec<String> = signing.iter().map(|c| describe(c)).collect();
    let behaviour = match opts.target {
        Some(Target::IdentityCenter) | None => {
            "IAM Identity Center imports every certificate in the uploaded metadata and treats all imported certificates as active until you remove them (AWS does not document whether it still accepts one past its expiry)"
        }
        Some(Target::Iam) => {
            "IAM trusts the certificates in the SAML provider's metadata document; keep only those Entra may sign with"
        }
    };
    Finding::new(
        Code::MetadataMultipleSigningCerts,
        format!(
            "{} signing certificates: {}. {behaviour}.",
            signing.len(),
            list.join("; ")
        ),
    )
    .subject(subject.to_owned())
}

/// Checks service-provider metadata: IAM Identity Center's, or AWS's IAM sign-in metadata
/// (entityID `urn:amazon:webservices`, an URN rather than an https:// URL).
pub fn check_sp(sp: &SpMetadata) -> Vec<Finding> {
    let mut out = Vec::new();
    let subject = sp.entity_id.clone();
    let iam = Target::of_sp_entity_id(&sp.entity_id) == Some(Target::Iam);
    if sp.acs.is_empty() {
        out.push(
            Finding::new(
                Code::SpNoAcs,
                "the SPSSODescriptor lists no AssertionConsumerService",
            )
            .subject(subject.clone()),
        );
    }
    // The raw text is judged, not what a URL parser makes of it: parsers drop tabs and line
    // breaks, which would then reach the Entra reply URLs and the steps samlbridge writes.
    let entity_shape = if iam {
        shape::uri(&sp.entity_id)
    } else {
        shape::https_url(&sp.entity_id).map(|_| ())
    };
    if let Err(e) = entity_shape {
        out.push(
            Finding::new(
                Code::SpUrlInvalid,
                format!("entityID {:?}: {e}", sp.entity_id),
            )
            .subject(subject.clone()),
        );
    }
    for acs in &sp.acs {
        match shape::https_url(&acs.location) {
            Ok(_) => {}
            Err(ShapeError::NotHttps) => out.push(
                Finding::new(Code::SpAcsNotHttps, format!("ACS {:?}", acs.location))
                    .subject(subject.clone()),
            ),
            Err(e) => out.push(
                Finding::new(Code::SpUrlInvalid, format!("ACS {:?}: {e}", acs.location))
                    .subject(subject.clone()),
            ),
        }
    }
    if iam {
        return out;
    }
    let idc_entity = aws::rules::is_identity_center_entity_id(&sp.entity_id);
    let idc_acs = sp
        .acs
        .iter()
        .all(|a| aws::rules::is_identity_center_acs(&a.location));
    if !idc_entity || !idc_acs {
        out.push(
            Finding::new(
                Code::SpNotIdentityCenter,
                format!(
                    "entityID {} and its ACS URLs are not IAM Identity Center's",
                    sp.entity_id
                ),
            )
            .subject(subject),
        );
    }
    out
}

//! A test identity provider: Entra-shaped federation metadata and SAML responses, signed with
//! libxmlsec1 through samael exactly as a real signer would.

use crate::pki::KeyPair;
use samael::crypto::{CryptoProvider, XmlSec};

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Signature and digest algorithm of a signature template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    RsaSha256,
    RsaSha1,
    /// For an EC key (libxmlsec1 signs with the key it is given).
    EcdsaSha256,
    EcdsaSha384,
}

impl SigAlg {
    fn uris(self) -> (&'static str, &'static str) {
        match self {
            SigAlg::RsaSha256 => (RSA_SHA256, SHA256),
            SigAlg::RsaSha1 => (RSA_SHA1, SHA1),
            SigAlg::EcdsaSha256 => (ECDSA_SHA256, SHA256),
            SigAlg::EcdsaSha384 => (ECDSA_SHA384, SHA384),
        }
    }
}

/// An empty `ds:Signature` for the element with ID `reference_id`, to be filled by [`sign`].
/// `prefix` is the namespace prefix to use (`""` for a default-namespace declaration, as
/// Entra's metadata does; `"ds"` as its responses do).
pub fn signature_template(
    reference_id: &str,
    alg: SigAlg,
    cert: Option<&KeyPair>,
    prefix: &str,
) -> String {
    Template::new(reference_id, alg, cert, prefix).build()
}

/// A signature template with every part adjustable, for the attack fixtures.
pub struct Template<'a> {
    pub reference_uri: String,
    pub alg: SigAlg,
    pub cert: Option<&'a KeyPair>,
    pub prefix: &'a str,
    pub canonicalization: &'a str,
    /// The `Transform` elements, as XML with `{p}` standing for the prefix.
    pub transforms: Vec<String>,
    /// Extra content after KeyInfo (e.g. a `ds:Object`), with `{p}` for the prefix.
    pub trailer: String,
}

impl<'a> Template<'a> {
    pub fn new(
        reference_id: &str,
        alg: SigAlg,
        cert: Option<&'a KeyPair>,
        prefix: &'a str,
    ) -> Self {
        Template {
            reference_uri: format!("#{reference_id}"),
            alg,
            cert,
            prefix,
            canonicalization: EXC_C14N,
            transforms: vec![
                format!(r#"<{{p}}Transform Algorithm="{ENVELOPED}"/>"#),
                format!(r#"<{{p}}Transform Algorithm="{EXC_C14N}"/>"#),
            ],
            trailer: String::new(),
        }
    }

    pub fn build(&self) -> String {
        let (sig, digest) = self.alg.uris();
        let p = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}:", self.prefix)
        };
        let xmlns = if self.prefix.is_empty() {
            format!(r#" xmlns="{DSIG}""#)
        } else {
            format!(r#" xmlns:{}="{DSIG}""#, self.prefix)
        };
        let key_info = self
            .cert
            .map(|c| {
                format!(
                    "<{p}KeyInfo><{p}X509Data><{p}X509Certificate>{}</{p}X509Certificate></{p}X509Data></{p}KeyInfo>",
                    c.cert_base64()
                )
            })
            .unwrap_or_default();
        let transforms = self.transforms.concat().replace("{p}", &p);
        let trailer = self.trailer.replace("{p}", &p);
        format!(
            concat!(
                r#"<{p}Signature{xmlns}><{p}SignedInfo><{p}CanonicalizationMethod Algorithm="{c14n}"/>"#,
                r#"<{p}SignatureMethod Algorithm="{sig}"/><{p}Reference URI="{uri}"><{p}Transforms>{transforms}</{p}Transforms>"#,
                r#"<{p}DigestMethod Algorithm="{digest}"/><{p}DigestValue></{p}DigestValue></{p}Reference>"#,
                r#"</{p}SignedInfo><{p}SignatureValue></{p}SignatureValue>{key_info}{trailer}</{p}Signature>"#
            ),
            p = p,
            xmlns = xmlns,
            c14n = self.canonicalization,
            sig = sig,
            uri = self.reference_uri,
            transforms = transforms,
            digest = digest,
            key_info = key_info,
            trailer = trailer,
        )
    }
}

/// Fills the first empty signature template in document order with libxmlsec1.
/// Returns the document as libxml2 serialises it (with an XML declaration).
pub fn sign(xml: &str, key: &KeyPair) -> String {
    let der = key.key.private_key_to_der().expect("private key DER");
    XmlSec::sign_xml(xml, &der).expect("xmlsec signs the template")
}

/// Removes the XML declaration libxml2 adds, so a signed fragment can be embedded again.
pub fn strip_declaration(xml: &str) -> &str {
    let xml = xml.trim_start();
    if let Some(rest) = xml.strip_prefix("<?xml") {
        if let Some(end) = rest.find("?>") {
            return rest[end + 2..].trim_start_matches(['\n', '\r']);
        }
    }
    xml
}

/// What goes into an Entra-shaped federation metadata document.
#[derive(Clone)]
pub struct MetadataSpec {
    pub tenant_id: String,
    pub document_id: String,
    /// The entityID; defaults to `https://sts.windows.net/<tenant>/`.
    pub entity_id: Option<String>,
    /// Signing certificates listed in every role, in order.
    pub certs: Vec<KeyPair>,
    /// Who signs the document (and whose certificate goes into its KeyInfo); unsigned if None.
    pub signer: Option<KeyPair>,
    pub alg: SigAlg,
    pub login_host: String,
    /// Include the WS-Federation RoleDescriptors Entra publishes.
    pub wsfed: bool,
    pub valid_until: Option<String>,
    /// SingleSignOnService bindings to list (binding URI suffixes `HTTP-Redirect`, `HTTP-POST`).
    pub sso_bindings: Vec<&'static str>,
    /// The SingleSignOnService Location; defaults to `https://<login host>/<tenant>/saml2`.
    pub sso_url: Option<String>,
    /// The SingleLogoutService Location; defaults to `https://<login host>/<tenant>/saml2`.
    pub slo_url: Option<String>,
    /// The WS-Federation endpoints' address; defaults to `https://<login host>/<tenant>/wsfed`.
    pub wsfed_url: Option<String>,
}

impl MetadataSpec {
    pub fn entra_app(tenant_id: &str, certs: Vec<KeyPair>) -> Self {
        let signer = certs.first().cloned();
        MetadataSpec {
            tenant_id: tenant_id.into(),
            document_id: "_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into(),
            entity_id: None,
            certs,
            signer,
            alg: SigAlg::RsaSha256,
            login_host: "login.microsoftonline.com".into(),
            wsfed: true,
            valid_until: None,
            sso_bindings: vec!["HTTP-Redirect", "HTTP-POST"],
            sso_url: None,
            slo_url: None,
            wsfed_url: None,
        }
    }

    fn key_descriptors(&self, dsig_default_ns: bool) -> String {
        self.certs
            .iter()
            .map(|c| {
                if dsig_default_ns {
                    format!(
                        r#"<KeyDescriptor use="signing"><KeyInfo xmlns="{DSIG}"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#,
                        c.cert_base64()
                    )
                } else {
                    format!(
                        r#"<KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DSIG}"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"#,
                        c.cert_base64()
                    )
                }
            })
            .collect()
    }

    /// The document, signed when `signer` is set.
    pub fn build(&self) -> String {
        let tenant = &self.tenant_id;
        let host = &self.login_host;
        let entity_id = escape(
            &self
                .entity_id
                .clone()
                .unwrap_or_else(|| format!("https://sts.windows.net/{tenant}/")),
        );
        let url = |given: &Option<String>, path: &str| {
            escape(
                &given
                    .clone()
                    .unwrap_or_else(|| format!("https://{host}/{tenant}/{path}")),
            )
        };
        let (sso_url, slo_url, wsfed_url) = (
            url(&self.sso_url, "saml2"),
            url(&self.slo_url, "saml2"),
            url(&self.wsfed_url, "wsfed"),
        );
        let valid_until = self
            .valid_until
            .as_ref()
            .map(|v| format!(r#" validUntil="{v}""#))
            .unwrap_or_default();
        let signature = self
            .signer
            .as_ref()
            .map(|s| signature_template(&self.document_id, self.alg, Some(s), ""))
            .unwrap_or_default();
        let claims: String = [
            ("name", "Name"),
            ("nameidentifier", "Subject"),
            ("givenname", "Given Name"),
            ("surname", "Surname"),
            ("emailaddress", "Email"),
        ]
        .iter()
        .map(|(uri, display)| {
            format!(
                r#"<auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/{uri}" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>{display}</auth:DisplayName></auth:ClaimType>"#
            )
        })
        .collect();
        let wsfed = if self.wsfed {
            format!(
                concat!(
                    r#"<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">"#,
                    "{keys}<fed:ClaimTypesOffered>{claims}</fed:ClaimTypesOffered>",
                    r#"<fed:SecurityTokenServiceEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsfed_url}</wsa:Address></wsa:EndpointReference></fed:SecurityTokenServiceEndpoint>"#,
                    r#"<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsfed_url}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor>"#,
                    r#"<RoleDescriptor xsi:type="fed:ApplicationServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">"#,
                    r#"{keys}<fed:TargetScopes><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://sts.windows.net/{tenant}/</wsa:Address></wsa:EndpointReference></fed:TargetScopes>"#,
                    r#"<fed:ApplicationServiceEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsfed_url}</wsa:Address></wsa:EndpointReference></fed:ApplicationServiceEndpoint>"#,
                    r#"<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{wsfed_url}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor>"#
                ),
                keys = self.key_descriptors(true),
                claims = claims,
                wsfed_url = wsfed_url,
                tenant = tenant,
            )
        } else {
            String::new()
        };
        let sso: String = self
            .sso_bindings
            .iter()
            .map(|b| {
                format!(
                    r#"<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{b}" Location="{sso_url}"/>"#
                )
            })
            .collect();
        let xml = format!(
            concat!(
                r#"<EntityDescriptor ID="{id}" entityID="{entity_id}"{valid_until} xmlns="urn:oasis:names:tc:SAML:2.0:metadata">"#,
                "{signature}{wsfed}",
                r#"<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}"#,
                r#"<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{slo_url}"/>"#,
                "{sso}</IDPSSODescriptor></EntityDescriptor>"
            ),
            id = self.document_id,
            entity_id = entity_id,
            valid_until = valid_until,
            signature = signature,
            wsfed = wsfed,
            keys = self.key_descriptors(true),
            slo_url = slo_url,
            sso = sso,
        );
        match &self.signer {
            Some(signer) => {
                // Entra serves metadata with a UTF-8 byte-order mark and an XML declaration.
                let signed = sign(&xml, signer);
                format!(
                    "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>{}",
                    strip_declaration(&signed).trim_end()
                )
            }
            None => format!("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>{xml}"),
        }
    }
}

/// An IAM Identity Center service-provider metadata document for `region` and identity store
/// `directory_id` (`d-…`), with its IPv4 and dual-stack ACS URLs.
pub fn identity_center_sp_metadata(region: &str, directory_id: &str, acs_tenant: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://{region}.signin.aws.amazon.com/platform/saml/{dir}">"#,
            r#"<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"#,
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://{region}.signin.aws/platform/saml/acs/{acs}" index="0" isDefault="true"/>"#,
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://{region}.signin.aws.amazon.com/platform/saml/acs/{acs}" index="1"/>"#,
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://{region}.sso.signin.aws/platform/saml/acs/{acs}" index="2"/>"#,
            r#"</md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
        region = region,
        dir = directory_id,
        acs = acs_tenant,
    )
}

/// Which elements a response's signatures cover (Entra's three signing options, and none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    Assertion,
    Response,
    Both,
    None,
}

/// A SAML attribute with its values.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub values: Vec<String>,
}

impl Attr {
    pub fn new(name: &str, values: &[&str]) -> Self {
        Attr {
            name: name.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }
}

/// What goes into an Entra-shaped SAML response. Times are written with seven fractional
/// digits, as Entra writes them.
#[derive(Clone)]
pub struct ResponseSpec {
    pub tenant_id: String,
    pub response_id: String,
    pub assertion_id: String,
    pub in_response_to: Option<String>,
    /// Issue instant; NotBefore equals it and Conditions' NotOnOrAfter is 70 minutes later, the
    /// bearer confirmation's 5 minutes later, as Entra does.
    pub issue_instant: chrono::DateTime<chrono::Utc>,
    pub destination: Option<String>,
    pub recipient: String,
    pub audience: String,
    pub issuer: Option<String>,
    pub name_id: String,
    pub name_id_format: String,
    pub attributes: Vec<Attr>,
    pub signing: Signing,
    pub alg: SigAlg,
    pub signer: KeyPair,
    /// Put the signer's certificate in KeyInfo (Entra does).
    pub key_info: bool,
    /// Replaces the Status element (default: Success).
    pub status_xml: Option<String>,
    pub confirmation_method: String,
    /// Replaces the assertion's signature template (for attack fixtures).
    pub assertion_template: Option<String>,
    /// Leave out the NameID.
    pub omit_name_id: bool,
    /// Rewrites of the assertion before it is signed, for markup the fields cannot express (a
    /// second Subject, a time written another way): the first occurrence of each `from`, which
    /// must occur, becomes `to`.
    pub assertion_edits: Vec<(String, String)>,
    /// The same for the whole Response (assertion included), before it is signed if it is.
    pub response_edits: Vec<(String, String)>,
    /// Encrypts the assertion, once signed, into an EncryptedAssertion (before the Response
    /// is signed), as Entra does with token encryption on.
    pub encryption: Option<crate::xenc::Encryption>,
}

/// `text` with the first occurrence of each `from` replaced by its `to`, in order.
fn apply_edits(mut text: String, edits: &[(String, String)]) -> String {
    for (from, to) in edits {
        assert!(
            text.contains(from.as_str()),
            "edit: {from:?} does not occur"
        );
        text = text.replacen(from.as_str(), to, 1);
    }
    text
}

fn entra_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() / 100
    )
}

impl ResponseSpec {
    /// A response Entra would post to `acs` for `audience`, naming `user`.
    pub fn entra(
        tenant_id: &str,
        signer: KeyPair,
        acs: &str,
        audience: &str,
        user: &str,
        issue_instant: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        ResponseSpec {
            tenant_id: tenant_id.into(),
            response_id: "_6f3d1c2e-8a4b-4c7d-9e1f-0a2b3c4d5e6f".into(),
            assertion_id: "_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".into(),
            in_response_to: Some("id-4f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b".into()),
            issue_instant,
            destination: Some(acs.into()),
            recipient: acs.into(),
            audience: audience.into(),
            issuer: None,
            name_id: user.into(),
            name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into(),
            attributes: vec![
                Attr::new("http://schemas.microsoft.com/identity/claims/tenantid", &[tenant_id]),
                Attr::new("http://schemas.microsoft.com/identity/claims/objectidentifier", &["9c2f6b1e-3d4a-4f5b-8c6d-7e8f9a0b1c2d"]),
                Attr::new("http://schemas.microsoft.com/identity/claims/displayname", &["Alice Example"]),
                Attr::new("http://schemas.microsoft.com/identity/claims/identityprovider", &[&format!("https://sts.windows.net/{tenant_id}/")]),
                Attr::new("http://schemas.microsoft.com/claims/authnmethodsreferences", &["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password", "http://schemas.microsoft.com/claims/multipleauthn"]),
                Attr::new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", &["Alice"]),
                Attr::new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", &["Example"]),
                Attr::new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", &[user]),
            ],
            signing: Signing::Assertion,
            alg: SigAlg::RsaSha256,
            signer,
            key_info: true,
            status_xml: None,
            confirmation_method: "urn:oasis:names:tc:SAML:2.0:cm:bearer".into(),
            assertion_template: None,
            omit_name_id: false,
            assertion_edits: Vec::new(),
            response_edits: Vec::new(),
            encryption: None,
        }
    }

    /// Adds a rewrite of the assertion (see [`ResponseSpec::assertion_edits`]).
    pub fn edit_assertion(&mut self, from: &str, to: &str) -> &mut Self {
        self.assertion_edits.push((from.into(), to.into()));
        self
    }

    /// Adds a rewrite of the Response (see [`ResponseSpec::response_edits`]).
    pub fn edit_response(&mut self, from: &str, to: &str) -> &mut Self {
        self.response_edits.push((from.into(), to.into()));
        self
    }

    /// A time as this spec writes it (as Entra does: seven fractional digits, `Z`).
    pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
        entra_time(t)
    }

    pub fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| format!("https://sts.windows.net/{}/", self.tenant_id))
    }

    /// The assertion element, unsigned (with a signature template when it is to be signed).
    pub fn assertion_xml(&self) -> String {
        let t = self.issue_instant;
        let issue = entra_time(t);
        let not_after = entra_time(t + chrono::Duration::minutes(70));
        let confirm_until = entra_time(t + chrono::Duration::minutes(5));
        let sig = if matches!(self.signing, Signing::Assertion | Signing::Both) {
            self.assertion_template.clone().unwrap_or_else(|| {
                signature_template(
                    &self.assertion_id,
                    self.alg,
                    self.key_info.then_some(&self.signer),
                    "",
                )
            })
        } else {
            String::new()
        };
        let name_id = if self.omit_name_id {
            String::new()
        } else {
            format!(
                r#"<NameID Format="{}">{}</NameID>"#,
                escape(&self.name_id_format),
                escape(&self.name_id)
            )
        };
        let in_response_to = self
            .in_response_to
            .as_ref()
            .map(|i| format!(r#" InResponseTo="{i}""#))
            .unwrap_or_default();
        let attributes: String = self
            .attributes
            .iter()
            .map(|a| {
                let values: String = a
                    .values
                    .iter()
                    .map(|v| format!("<AttributeValue>{}</AttributeValue>", escape(v)))
                    .collect();
                format!(
                    r#"<Attribute Name="{}">{values}</Attribute>"#,
                    escape(&a.name)
                )
            })
            .collect();
        let statement = if attributes.is_empty() {
            String::new()
        } else {
            format!("<AttributeStatement>{attributes}</AttributeStatement>")
        };
        let assertion = format!(
            concat!(
                r#"<Assertion ID="{id}" IssueInstant="{issue}" Version="2.0" xmlns="urn:oasis:names:tc:SAML:2.0:assertion">"#,
                "<Issuer>{issuer}</Issuer>{sig}",
                r#"<Subject>{name_id}"#,
                r#"<SubjectConfirmation Method="{method}"><SubjectConfirmationData{irt} NotOnOrAfter="{confirm}" Recipient="{recipient}"/></SubjectConfirmation></Subject>"#,
                r#"<Conditions NotBefore="{issue}" NotOnOrAfter="{not_after}"><AudienceRestriction><Audience>{audience}</Audience></AudienceRestriction></Conditions>"#,
                "{statement}",
                r#"<AuthnStatement AuthnInstant="{issue}" SessionIndex="{id}"><AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</AuthnContextClassRef></AuthnContext></AuthnStatement>"#,
                "</Assertion>"
            ),
            id = self.assertion_id,
            issue = issue,
            issuer = escape(&self.issuer()),
            sig = sig,
            name_id = name_id,
            method = escape(&self.confirmation_method),
            irt = in_response_to,
            confirm = confirm_until,
            recipient = escape(&self.recipient),
            not_after = not_after,
            audience = escape(&self.audience),
            statement = statement,
        );
        apply_edits(assertion, &self.assertion_edits)
    }

    /// Wraps `assertion` (already signed or not) in the Response, with a template when the
    /// Response is to be signed.
    pub fn response_xml(&self, assertion: &str) -> String {
        let issue = entra_time(self.issue_instant);
        let sig = if matches!(self.signing, Signing::Response | Signing::Both) {
            signature_template(
                &self.response_id,
                self.alg,
                self.key_info.then_some(&self.signer),
                "ds",
            )
        } else {
            String::new()
        };
        let destination = self
            .destination
            .as_ref()
            .map(|d| format!(r#" Destination="{}""#, escape(d)))
            .unwrap_or_default();
        let in_response_to = self
            .in_response_to
            .as_ref()
            .map(|i| format!(r#" InResponseTo="{i}""#))
            .unwrap_or_default();
        let status = self.status_xml.clone().unwrap_or_else(|| {
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#.into()
        });
        let response = format!(
            r#"<samlp:Response ID="{id}" Version="2.0" IssueInstant="{issue}"{destination}{irt} xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</Issuer>{sig}{status}{assertion}</samlp:Response>"#,
            id = self.response_id,
            issuer = escape(&self.issuer()),
            irt = in_response_to,
        );
        apply_edits(response, &self.response_edits)
    }

    /// The response as Entra would post it (before base64), signed as `signing` says.
    pub fn build(&self) -> String {
        let mut assertion = self.assertion_xml();
        if matches!(self.signing, Signing::Assertion | Signing::Both) {
            assertion = strip_declaration(&sign(&assertion, &self.signer))
                .trim_end()
                .to_owned();
        }
        if let Some(encryption) = &self.encryption {
            assertion = encryption.encrypt_assertion(&assertion);
        }
        let response = self.response_xml(&assertion);
        if matches!(self.signing, Signing::Response | Signing::Both) {
            strip_declaration(&sign(&response, &self.signer))
                .trim_end()
                .to_owned()
        } else {
            response
        }
    }
}

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // As character references, so that attribute-value normalization keeps them.
            c if c.is_control() => out.push_str(&format!("&#x{:X};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

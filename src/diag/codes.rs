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

    /// The codes closest to a mistyped `name`, most alike first: a typo or a missing part
    /// (`cert-expird`, `expired`), never a list of everything.
    pub fn nearest(name: &str) -> Vec<Code> {
        let name = name.trim().to_ascii_lowercase();
        let mut scored: Vec<(f64, Code)> = Code::ALL
            .iter()
            .map(|&c| {
                let code = c.as_str();
                let mut score = strsim::jaro_winkler(&name, code);
                // A part of a code (`expired`) points at the codes it ends or starts.
                if name.len() >= 4 && (code.ends_with(&name) || code.starts_with(&name)) {
                    score = score.max(0.9);
                }
                (score, c)
            })
            .filter(|(score, _)| *score >= 0.85)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.as_str().cmp(b.1.as_str())));
        scored.into_iter().take(3).map(|(_, c)| c).collect()
    }
}

/// ", did you mean a or b?" for an unknown code, or nothing when none is close.
pub fn did_you_mean(name: &str) -> String {
    let near: Vec<&str> = Code::nearest(name).into_iter().map(Code::as_str).collect();
    match near.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
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
    AuthnRequestIssuer = "authn-request-issuer", Error, allowable: true,
        summary: "The AuthnRequest's Issuer is not the service provider's entityID",
        why: "Entra finds the enterprise application by the Issuer of the AuthnRequest, which must equal one of the application's Identifiers (Entity ID). Identity Center sends its own entityID, the one in its service-provider metadata; any other value makes Entra answer AADSTS700016 (no application with that identifier in the tenant), or signs the user into another application.",
        fix: "In Entra: Enterprise applications > the application > Single sign-on > Basic SAML Configuration > Identifier (Entity ID): set it to the entityID of Identity Center's service-provider metadata (IAM Identity Center console > Settings > Identity source > Change identity source > Service provider metadata), exactly, then sign in again.";

    AuthnRequestAcsUnknown = "authn-request-acs-unknown", Error, allowable: true,
        summary: "The AuthnRequest asks for an ACS URL the service provider's metadata does not list",
        why: "Entra posts the response to the request's AssertionConsumerServiceURL only when it is one of the application's Reply URLs; otherwise it stops with AADSTS50011. Identity Center names one of the ACS URLs of its service-provider metadata; another URL means the request comes from another instance or region, or the metadata given is not the one in use.",
        fix: "Add the URL the finding names, exactly, as a Reply URL (Assertion Consumer Service URL) in Entra: Enterprise applications > the application > Single sign-on > Basic SAML Configuration. If the URL is not Identity Center's, find out which service sent the request.";

    AuthnRequestDestination = "authn-request-destination", Error, allowable: true,
        summary: "The AuthnRequest went to another sign-in URL than the IdP metadata's SingleSignOnService",
        why: "The service provider sends the request to the sign-in URL of the identity provider it was configured with. A request sent to another tenant's or another host's URL means AWS holds other IdP metadata than the one given here: Entra answers for that tenant (AADSTS700016, AADSTS50020, AADSTS90072) and signs with its own certificates.",
        fix: "Upload the Entra application's current federation metadata to AWS again (IAM Identity Center: Settings > Identity source > Manage authentication; IAM: Identity providers > the provider > Replace metadata), or give samlbridge the metadata AWS holds.";

    AuthnRequestAuthnContext = "authn-request-authn-context", Warning, allowable: true,
        summary: "The AuthnRequest asks for a specific authentication method, which Entra may refuse",
        why: "With RequestedAuthnContext (comparison exact by default), Entra must sign the user in with exactly the method asked for, such as PasswordProtectedTransport; a user signed in another way (Windows Hello, a FIDO2 key, certificate-based or federated authentication, a passwordless phone sign-in) gets AADSTS75011. Identity Center sends no RequestedAuthnContext.",
        fix: "Configure the service provider to send no RequestedAuthnContext, or a comparison of minimum; otherwise have users sign in with the method it names.";

    AuthnRequestInvalid = "authn-request-invalid", Error, allowable: false,
        summary: "The SAMLRequest is not one readable AuthnRequest",
        why: "Entra decodes the SAMLRequest parameter (DEFLATE and base64 for HTTP-Redirect, base64 for HTTP-POST) and reads one AuthnRequest from it. A value that does not decode, is not XML, holds a DOCTYPE, another message, or elements the SAML schema allows once repeated, gets AADSTS75005 or AADSTS7500514 instead of a sign-in page.",
        fix: "Capture the request again as the browser sent it; if the service provider sends it so, that is its bug to report.";

    EntraAadstsError = "aadsts-error", Error, allowable: false,
        summary: "Entra refused the sign-in with an AADSTS error",
        why: "Entra stops a sign-in it cannot complete and shows an error page (or posts a SAML Status) whose message starts with an AADSTS code; no usable response reaches AWS. The finding carries Entra's code and its own text; `samlbridge explain AADSTS<code>` says what the code means for a SAML sign-in to AWS and how to fix it.",
        fix: "Run samlbridge explain with the code the finding names (for example samlbridge explain AADSTS50011); for a code samlbridge does not describe, look it up at https://login.microsoftonline.com/error?code=<number>.";

    TraceNoResponse = "trace-no-response", Error, allowable: false,
        summary: "The sign-in never posted a SAMLResponse to the service provider",
        why: "A sign-in succeeds only when the browser posts Entra's SAMLResponse to the ACS URL. When the capture shows the request but no such POST, either Entra refused the sign-in (its AADSTS error then says why) or the capture stopped early: browsers clear the network log on each navigation unless Preserve log is on, so a capture started on the sign-in page misses the rest.",
        fix: "If an aadsts-error finding stands beside it, fix that. Otherwise open the developer tools (F12), Network tab, tick Preserve log (Chrome, Edge) or Persist Logs (Firefox), sign in again from the start and save all as HAR with content.";

    RelayStateChanged = "relay-state-changed", Error, allowable: true,
        summary: "The RelayState posted with the response is not the one sent with the request",
        why: "The service provider sends RelayState with its AuthnRequest and Entra returns it unchanged with the response; Identity Center uses it to resume the sign-in it started. A different or missing value means the response belongs to another sign-in, or something between the browser and AWS changed it.",
        fix: "Capture one sign-in from start to end in one tab; check proxies or browser extensions that rewrite form posts. In Entra, leave the Relay State field of Basic SAML Configuration empty for SP-initiated sign-in.";

    TraceClock = "trace-clock", Warning, allowable: true,
        summary: "The capture's clock and a SAML message's timestamp disagree by more than the skew",
        why: "A HAR records when the browser sent each request by the capturing computer's clock; the SAML messages carry their issuer's. When they differ by more than the allowed skew, the capturing computer's clock is off, and judging a response at its capture time (what validate and trace do without --now) may call it expired or not yet valid when AWS would not.",
        fix: "Set the capturing computer's clock (enable network time), or judge at the message's own time with --now.";

    TraceVerdictDiffers = "trace-verdict-differs", Warning, allowable: true,
        summary: "AWS took the response, but samlbridge rejects it as captured",
        why: "AWS's answer to the posted response (a redirect into the access portal or the console) shows it accepted the response at the moment it was posted. When samlbridge rejects the same response, either the response breaks a rule AWS does not enforce on that path, or it is judged at another instant than AWS judged it: the capture's clock was off, or a SAML-tracer export was saved well after the sign-in and is dated by its save time.",
        fix: "Read the response's findings: if only time rules fail (assertion-expired, assertion-not-yet-valid), judge it at its issue instant with --now; otherwise fix what they name, since AWS may enforce it on the next sign-in.";

    TraceResponseReplayed = "trace-response-replayed", Error, allowable: false,
        summary: "The same response was posted twice",
        why: "A SAML response may be used once: AWS remembers the assertions it took and refuses one that comes again (a replay). A browser posts a response twice when the page with Entra's form is reloaded or reached with Back; an attacker does so on purpose.",
        fix: "Sign in again from the start rather than reloading the form page; if nobody reloaded it, find out who posted the response again.";

    TraceAwsRefused = "trace-aws-refused", Error, allowable: false,
        summary: "AWS answered the posted response with an error",
        why: "After Entra posts the response, AWS answers with a redirect into the AWS access portal (Identity Center) or the console (IAM). An HTTP error, or a redirect to an error page, is AWS refusing the response; the findings on the response step say why AWS would.",
        fix: "Fix what the response step's findings name; if none stands, check AWS CloudTrail (signin.amazonaws.com events for Identity Center, AssumeRoleWithSAML for IAM) for the reason AWS gives.";

    TraceResponseUnjudged = "trace-response-unjudged", Error, allowable: false,
        summary: "The response was not validated: what it must be checked against was not given",
        why: "A verdict on a response needs the certificates trusted to sign it (the Entra application's federation metadata, or its certificate) and what it is for (the service provider's metadata, or the target and its URLs). Without them samlbridge shows what the response says but cannot say whether AWS would accept it.",
        fix: "Give trace the same inputs as validate: --metadata with the Entra application's federation metadata (or --cert), and --sp-metadata with the service provider's metadata (or --target with --audience and --acs).";

    EntraIdentifier = "entra-identifier", Error, allowable: true,
        summary: "No Identifier of the Entra application equals Identity Center's entityID",
        why: "Entra finds the application by the Issuer of Identity Center's AuthnRequest, which is Identity Center's entityID; it must equal one of the application's Identifiers (Entity ID) exactly. A trailing slash, another letter case or another directory's id makes every SP-initiated sign-in fail with AADSTS700016.",
        fix: "Entra admin center → Enterprise applications → the application → Single sign-on → Basic SAML Configuration → Identifier (Entity ID): add Identity Center's entityID (its service-provider metadata's entityID attribute) exactly, and make it the default.";

    EntraReplyUrls = "entra-reply-urls", Error, allowable: true,
        summary: "An Identity Center ACS URL is missing from the Entra application's reply URLs",
        why: "Identity Center names one of its ACS URLs (IPv4 or dual-stack) in every AuthnRequest; Entra answers AADSTS50011 unless that exact URL is a reply URL of the application. The default reply URL is where IdP-initiated sign-ins (My Apps, the Test button) post the response.",
        fix: "Entra admin center → Enterprise applications → the application → Single sign-on → Basic SAML Configuration → Reply URL (Assertion Consumer Service URL): add every ACS URL of Identity Center's service-provider metadata exactly, and make one of them the default.";

    EntraSsoMode = "entra-sso-mode", Error, allowable: true,
        summary: "The Entra application's single sign-on mode is not SAML",
        why: "Entra issues SAML responses only for an application whose single sign-on mode is SAML; with password, linked or OIDC sign-on, Identity Center's requests are refused.",
        fix: "Entra admin center → Enterprise applications → the application → Single sign-on → select SAML.";

    EntraSigningCert = "entra-signing-cert", Error, allowable: true,
        summary: "The certificate Entra signs with is not one Identity Center trusts, or expires",
        why: "Entra signs every response with the application's active signing certificate (preferredTokenSigningKeyThumbprint); Identity Center accepts only responses signed by a certificate it holds (those uploaded with the IdP metadata). A certificate Identity Center lacks locks every user out at once; an expired one too.",
        fix: "Upload the application's current federation metadata to Identity Center (Settings → Identity source → Manage authentication), or make active in Entra the certificate Identity Center holds; before the active certificate expires, create the next one, upload it, then make it active (samlbridge aws identity-center writes the rollover runbook).";

    EntraNotificationEmail = "entra-notification-email", Warning, allowable: true,
        summary: "Nobody, or only one address, is told before the signing certificate expires",
        why: "Entra mails the notification addresses 60, 30 and 7 days before the signing certificate expires. The portal fills in the administrator who created the application, who may have moved on; with nobody told, the expiry is found when sign-in stops.",
        fix: "Entra admin center → Enterprise applications → the application → Single sign-on → SAML Certificates → Notification Email: add a team's shared address.";

    EntraAssignment = "entra-assignment", Info, allowable: true,
        summary: "Assignment is not required: every user of the tenant can try to sign in",
        why: "With assignment required, Entra refuses users who are not assigned (AADSTS50105) before anything reaches AWS. Without it, any user gets a response, and only Identity Center's own user list stops them.",
        fix: "Enterprise applications → the application → Properties → Assignment required? Yes, and assign the users or groups that should sign in.";

    ScimUsernameSource = "scim-username-source", Error, allowable: true,
        summary: "Provisioning fills userName from another attribute than the NameID, or is failing",
        why: "Identity Center signs a user in only when the NameID equals the user name of a user provisioning already created. When provisioning maps userName from one attribute (say userPrincipalName) and the NameID comes from another (say mail), every user whose two attributes differ is locked out. A provisioning job in quarantine or failing creates nobody.",
        fix: "Entra admin center → Enterprise applications → the application → Provisioning → Mappings → Provision Microsoft Entra ID Users: map userName from the NameID's source attribute (or change the NameID to match); for a job in quarantine, read its error under Provisioning logs, fix it and restart provisioning.";

    UserNotProvisioned = "user-not-provisioned", Error, allowable: true,
        summary: "An assigned user has no Identity Center user",
        why: "Identity Center creates no user at sign-in: the NameID must name a user provisioning (or an administrator) already created. An assigned user Identity Center does not hold gets an error from AWS after signing in to Entra.",
        fix: "Check the provisioning logs for the user (Enterprise applications → the application → Provisioning logs), or provision on demand; then run preflight again.";

    UserNameMismatch = "user-name-mismatch", Error, allowable: true,
        summary: "The NameID will not equal the user's Identity Center user name",
        why: "Identity Center compares the NameID with its user names exactly, letter case included. The user exists (found by name in another case, or through the ExternalId provisioning set), but under another name, so the sign-in is refused.",
        fix: "Make provisioning's userName and the NameID come from the same attribute (scim-username-source), then re-provision the user so its user name is updated.";

    UserNameidEmpty = "user-nameid-empty", Error, allowable: true,
        summary: "The NameID for this user cannot be formed: its source attribute is empty",
        why: "Entra takes the NameID from one attribute of the user (user.userprincipalname by default, often user.mail). A user with that attribute empty (many accounts have no mail) gets no usable NameID and cannot sign in.",
        fix: "Fill in the attribute for the user, or take the NameID from an attribute every user has (Single sign-on → Attributes & Claims → Unique User Identifier).";

    UserGuest = "user-guest", Warning, allowable: true,
        summary: "An assigned user is a guest, whose user principal name is not an address",
        why: "A guest's user principal name looks like alice_contoso.com#EXT#@tenant.onmicrosoft.com; a NameID or a provisioned userName taken from it will not be the address the person knows, and Identity Center's e-mail rules may refuse it.",
        fix: "Take the NameID and userName from user.mail for guests (a claim condition on user type), or provision guests with their address.";

    UserScimIncomplete = "user-scim-incomplete", Error, allowable: true,
        summary: "An assigned user lacks a name Identity Center's SCIM requires",
        why: "Identity Center's SCIM endpoint refuses a user without givenName, familyName (surname) and displayName, so provisioning skips the user, who then cannot sign in.",
        fix: "Fill in the user's first name, last name and display name in Entra, then provision on demand.";

    UserNestedGroup = "user-nested-group", Warning, allowable: true,
        summary: "An assigned group holds a nested group, whose members are not provisioned",
        why: "Entra assigns and provisions only the direct members of an assigned group; members of a group nested inside it are neither assigned nor created in Identity Center, so they cannot sign in.",
        fix: "Assign the nested group itself to the application, or add its members to the assigned group directly.";

    IdentityCenterOrphan = "identity-center-orphan", Warning, allowable: true,
        summary: "An Identity Center user matches no assigned Entra user",
        why: "After cutover only users Entra signs in can reach AWS. An Identity Center user whose name no assigned Entra user's NameID will equal, and whose ExternalId names no Entra user, loses access.",
        fix: "Assign the person in Entra (with a NameID equal to this user name), or remove the user from Identity Center if it is no longer needed.";

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

    MetadataSignatureKeys = "metadata-signature-keys", Error, allowable: false,
        summary: "The metadata offers more signing keys than samlbridge checks a signature against",
        why: "Entra metadata lists one to three signing certificates. Each further key is one more signature verification, so a document listing thousands is built to make checking it slow; samlbridge checks none of them rather than an arbitrary few, and the document is not shown to be intact.",
        fix: "Do not use this document: download the metadata from Entra again (samlbridge fetch). If a signer must be accepted anyway, --pin-cert checks the signature against that one certificate.";

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
        why: "Entra's issuer is exactly https://sts.windows.net/<tenant-guid>/ (with the trailing slash and the GUID in lowercase; https://login.microsoftonline.us/<tenant-guid>/ in the US Government cloud, https://sts.chinacloudapi.cn/<tenant-guid>/ in China); AWS compares the response Issuer with this value character for character.",
        fix: "Use the metadata as Entra serves it, without editing the entityID.";

    MetadataEntityIdLookalike = "metadata-entity-id-lookalike", Error, allowable: false,
        summary: "The entityID imitates Entra's issuer without being it",
        why: "An entityID that differs from Entra's (https://sts.windows.net/<tenant-guid>/) by a look-alike character (a Cyrillic 'о' for 'o', a capital 'I' for 'l'), an internationalized host, user information before an '@', a domain after Entra's host, plain HTTP or a port is made to pass for Entra's at a glance. Entra never publishes one: the document was forged or edited, and the certificates in it are not Entra's to trust.",
        fix: "Do not use this document. Download the application's metadata from Entra (samlbridge fetch --tenant <tenant-id> --app-id <app-id>) and compare its entityID with the Microsoft Entra Identifier on the application's Single sign-on page.";

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

    MetadataEndpointNotEntra = "metadata-endpoint-not-entra", Error, allowable: false,
        summary: "An endpoint in Entra metadata is not on Entra's login host for the tenant, over HTTPS",
        why: "Entra lists its sign-in, sign-out and WS-Federation endpoints on its own login host (login.microsoftonline.com; login.microsoftonline.us and login.partner.microsoftonline.cn in the national clouds), over HTTPS, with the entityID's tenant ID as the first path segment. IAM Identity Center sends users to the SingleSignOnService URL to sign in: a look-alike host (login.microsoftonIine.com), user information (login.microsoftonline.com@evil.example), an extra domain (login.microsoftonline.com.evil.example), another tenant or plain HTTP sends them, and their passwords, somewhere else.",
        fix: "Do not use this document. Download the application's metadata from Entra again (samlbridge fetch --tenant <tenant-id> --app-id <app-id>) and do not edit it.";

    MetadataUnavailable = "metadata-unavailable", Error, allowable: false,
        summary: "An application's metadata could not be fetched or read",
        why: "In a fleet check (check --apps) one application's metadata failed to download, or was not usable metadata, so none of its certificates could be checked; the other applications were checked as usual.",
        fix: "Check the tenant and application ID in the apps file, that the application uses SAML single sign-on, and the network path to Entra; the message says what failed.";

    MetadataRedirectOtherHost = "metadata-redirect-other-host", Warning, allowable: true,
        summary: "The metadata URL redirected to another host",
        why: "The document was asked for at one host and answered by another (or by another port), so whoever runs that server chose the certificates AWS would trust. Entra serves federation metadata from its login host itself; a redirect elsewhere points to a stale or mistyped URL, an intercepting proxy, or someone else's server.",
        fix: "Use the URL of the server that should answer (the report shows where the redirect led), and pin the expected signer with --pin-cert; --deny metadata-redirect-other-host makes a redirect to another host an error.";

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
        why: "Entra lists every certificate of the application, inactive ones included. AWS documents that IAM Identity Center treats every imported certificate as active (whether it still accepts one past its expiry is not documented); IAM trusts the certificates of the provider's metadata. Other consumers pick one, sometimes the wrong one, and sign-in breaks when Entra signs with the other.",
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
        why: "AWS does not document whether IAM or IAM Identity Center accept a response signed with an expired certificate (Amazon Cognito, another AWS service that reads SAML, documents that it refuses them), so a sign-in that depends on one may stop working at any time. Entra signs with a newer certificate on its own once the active one has expired, even one AWS does not hold yet. An expired certificate listed beside a valid one is left-over clutter that some consumers pick by mistake.",
        fix: "In Entra, create or activate a new SAML signing certificate and import it into AWS. To upload only the valid certificate, give samlbridge aws … --signing-cert THUMBPRINT: the certificates it leaves out are then reported for information only.";

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

    ResponseBareAssertion = "response-bare-assertion", Error, allowable: true,
        summary: "A bare Assertion where AWS expects a samlp:Response",
        why: "AWS's assertion consumer service takes a SAML Response wrapping the assertion; a bare Assertion (or a WS-Federation token) is never accepted. The assertion itself was still checked.",
        fix: "Capture the SAMLResponse form field the browser posts to AWS, not the assertion alone.";

    ResponseRedirectBinding = "response-redirect-binding", Error, allowable: true,
        summary: "The response travels by the HTTP-Redirect binding",
        why: "AWS accepts SAML responses only by HTTP-POST; Entra always posts them. A DEFLATE-encoded response in a URL did not come from a normal sign-in.",
        fix: "Capture the POST to AWS's ACS URL (browser developer tools → Network → the request to …/saml/acs/…).";

    ResponseStatus = "response-status", Error, allowable: false,
        summary: "The response's Status is not Success",
        why: "Entra reports a sign-in it refused (an AADSTS error such as an unassigned user) with a non-Success status; AWS rejects it and shows a generic error.",
        fix: "Look up the AADSTS code shown in the message (Entra sign-in logs give the details) and fix it on the Entra side.";

    ResponseDestination = "response-destination", Error, allowable: true,
        summary: "The response's Destination is not the expected ACS URL",
        why: "AWS compares Destination with its ACS URL exactly; a different value means the Reply URL configured in Entra is wrong (or the response was meant for someone else).",
        fix: "Set the Entra application's Reply URL to exactly the ACS URL from the Identity Center (or IAM) metadata.";

    ResponseDestinationMissing = "response-destination-missing", Warning, allowable: true,
        summary: "The response carries no Destination",
        why: "A signed response should name its Destination so it cannot be replayed at another service provider; Entra always sets it.",
        fix: "Check the IdP's configuration; Entra sets Destination to the Reply URL.";

    ResponseDestinationRecipient = "response-destination-recipient", Error, allowable: false,
        summary: "The Response's Destination and the assertion's Recipient name different URLs",
        why: "Entra writes its Reply URL into both. Identity Center's metadata lists several ACS URLs, so each can name one of them on its own, yet a response is posted to one URL: when they differ, one was changed after Entra wrote it. With only the assertion signed, the Destination is anyone's to edit, and a response meant for one endpoint can be sent to another.",
        fix: "Reject the response. If it came straight from Entra, check the application's Reply URLs and capture a fresh sign-in.";

    ResponseInResponseTo = "response-in-response-to", Error, allowable: false,
        summary: "The response does not answer the request it should (InResponseTo)",
        why: "SAML's Web Browser SSO profile (sections 4.1.4.2 and 4.1.4.3) requires a response to an AuthnRequest to name that request's ID both in the Response's InResponseTo and in the bearer SubjectConfirmationData's, and an unsolicited (IdP-initiated) response to name it in neither. Entra does exactly that. A service that ties the response to the sign-in it started reads one of the two; when they differ, or name another request than the one the browser sent in the same sign-in, the response belongs to another session or was changed. `trace` also says, as information, when a response answers no request in the capture: an IdP-initiated sign-in (from My Apps or Entra's Test button), which Identity Center and IAM accept.",
        fix: "Reject the response and capture one fresh sign-in from start to end (enable Preserve log in the browser's developer tools first). Entra sets both from the AuthnRequest's ID, or neither for an IdP-initiated sign-in; a response answering another request comes from an older tab or a replay.";

    ResponseIssuer = "response-issuer", Error, allowable: true,
        summary: "The response's Issuer is not the metadata's entityID",
        why: "AWS looks up the identity provider by Issuer; a mismatch gives 'Issuer not present in specified provider'.",
        fix: "Upload this IdP's metadata to AWS, or check that the response comes from the expected tenant.";

    ResponseIssuerUnchecked = "response-issuer-unchecked", Warning, allowable: true,
        summary: "No issuer was expected, so the response's Issuer was not checked",
        why: "A certificate alone (--cert) says whose signature to trust, not which identity provider the response must come from; AWS also compares the Issuer with the provider's entityID.",
        fix: "Give --issuer with the entityID AWS holds for the provider (https://sts.windows.net/<tenant-id>/ for Entra), or --metadata instead of --cert.";

    TargetUnknown = "target-unknown", Warning, allowable: true,
        summary: "No AWS target is known, so neither Identity Center's nor IAM's own rules were applied",
        why: "IAM Identity Center and IAM each add rules of their own (Identity Center: an emailAddress NameID, single-valued access-control attributes, a 75,000-character metadata limit; IAM: Role and RoleSessionName attributes, session duration, metadata size and byte-order mark). Without a target only what every SAML service provider checks was judged, so a PASS or ACCEPT does not mean AWS will accept it.",
        fix: "Give --target identity-center or --target iam, or Identity Center's service-provider metadata with --sp-metadata (its entityID shows the target).";

    ResponseDuplicateId = "response-duplicate-id", Error, allowable: false,
        summary: "Two elements carry the same ID",
        why: "Signature references find their target by ID, whether it is written as ID or as xml:id (which libxml2 indexes in every document); duplicates let an attacker make the verifier and the reader look at different elements (signature wrapping).",
        fix: "Reject the response; Entra never repeats an ID.";

    ResponseInvalidId = "response-invalid-id", Error, allowable: false,
        summary: "An ID attribute is not a valid XML ID",
        why: "SAML IDs are xs:ID values, which must be XML names (a letter or '_' first, no spaces or symbols such as '*'). libxmlsec1 and other verifiers refuse to index such an ID and fail the whole signature, so two verifiers would judge the response differently. Outside ASCII, a name must also pass XML 1.0's first-edition character classes, which libxml2 still applies to IDs (U+FEFF or U+F900 pass today's rules but not those).",
        fix: "Reject the response; Entra's IDs are '_' followed by a GUID.";

    ResponseAssertionCount = "response-assertion-count", Error, allowable: false,
        summary: "The response holds more than one assertion",
        why: "IAM Identity Center requires exactly one assertion per response. Extra assertions, signed or not, are the core of signature-wrapping attacks (XSW 3 to 8).",
        fix: "Reject the response; Entra sends exactly one assertion.";

    ResponseCardinality = "response-cardinality", Error, allowable: false,
        summary: "An element that SAML allows once appears more than once",
        why: "The SAML schema allows one Issuer, Subject and Conditions per assertion, one identifier (BaseID, NameID or EncryptedID) per Subject and per SubjectConfirmation, one SubjectConfirmationData per confirmation, one AuthnContext and class per AuthnStatement, and one Issuer and Status per Response. With two copies, which one counts is up to the reader: two services (or samlbridge and AWS) could see two users, two audiences or two validity windows in one signed document. Entra never repeats them.",
        fix: "Reject the response; it was not written by Entra as sent.";

    ResponseNoAssertion = "response-no-assertion", Error, allowable: false,
        summary: "The response holds no assertion",
        why: "A successful response must carry the assertion that identifies the user.",
        fix: "Capture the full SAMLResponse; if Entra sent no assertion, look for an error status.";

    AssertionEncrypted = "assertion-encrypted", Error, allowable: false,
        summary: "The assertion is encrypted",
        why: "IAM Identity Center does not support encrypted assertions, and without the private key the claims cannot be read or checked.",
        fix: "Turn off token encryption for the Entra enterprise application (Single sign-on → Token encryption).";

    EncryptionNoKey = "encryption-no-key", Error, allowable: false,
        summary: "The assertion is encrypted and no key to decrypt it was given",
        why: "Without the private key of the certificate Entra encrypts for, nothing in the assertion can be read, and neither its signature nor any of AWS's rules can be checked. The finding names that certificate (by SHA-256 thumbprint when the EncryptedKey carries it).",
        fix: "Pass the private key of the certificate named with --decrypt-key KEY.pem (the key the IAM SAML provider holds; during a rotation give both keys).";

    EncryptionWrongKey = "encryption-wrong-key", Error, allowable: false,
        summary: "None of the decryption keys given fits the encrypted assertion",
        why: "The EncryptedKey is encrypted for a certificate whose public key is none of the keys given (or, when it names no certificate, none of them decrypts it). AWS decrypts only with the keys the SAML provider holds, so a key mismatch there fails every sign-in.",
        fix: "Give the private key of the certificate the finding names (the one uploaded on the Entra application's Token encryption page); make sure the IAM SAML provider holds that key.";

    EncryptionFailed = "encryption-failed", Error, allowable: false,
        summary: "The encrypted assertion does not decrypt with the key that matches it",
        why: "The wrapped content key, the ciphertext's authentication (AES-GCM) or its padding (AES-CBC) is wrong: the message was altered, or it was encrypted with another key than the certificate it names. Which one is deliberately not said, so that reports cannot serve as a decryption oracle.",
        fix: "Capture the response again without editing it; if it still fails, the certificate Entra encrypts for does not belong to the key given.";

    EncryptionNotAssertion = "encryption-not-assertion", Error, allowable: false,
        summary: "The decrypted content is not exactly one saml:Assertion",
        why: "A SAML EncryptedAssertion must decrypt to one Assertion element. Anything else (text, another element, several elements, markup that does not parse) is refused; what it was is not said, since details of undecryptable content help an attacker who alters ciphertexts.",
        fix: "Reject the response; Entra encrypts exactly one signed Assertion.";

    EncryptionWrapping = "encryption-wrapping", Error, allowable: false,
        summary: "An encrypted and a plain assertion in one response",
        why: "A response carries one assertion. With an EncryptedAssertion beside a plain Assertion, a service that decrypts and one that reads the plain copy see different users: a wrapping attack. Neither is read.",
        fix: "Reject the response; Entra sends either one Assertion or one EncryptedAssertion.";

    EncryptionRsa15 = "encryption-rsa15", Error, allowable: true,
        summary: "The content key is encrypted with RSA PKCS#1 v1.5",
        why: "RSA PKCS#1 v1.5 key transport (xmlenc#rsa-1_5) is open to Bleichenbacher's padding-oracle attack; XML Encryption 1.1 and Entra use RSA-OAEP. It is not decrypted unless allowed.",
        fix: "Have the identity provider use RSA-OAEP (Entra does); --allow encryption-rsa15 decrypts it meanwhile.";

    Encryption3des = "encryption-3des", Error, allowable: true,
        summary: "The assertion is encrypted with Triple DES",
        why: "Triple DES has 64-bit blocks (Sweet32) and is withdrawn by NIST; Entra encrypts with AES-256. It is not decrypted unless allowed.",
        fix: "Have the identity provider encrypt with AES (GCM or CBC); --allow encryption-3des decrypts it meanwhile.";

    EncryptionUnsupported = "encryption-unsupported", Error, allowable: false,
        summary: "The assertion is encrypted with an algorithm samlbridge does not decrypt",
        why: "samlbridge decrypts AES-128/192/256 in CBC or GCM mode with the content key wrapped by RSA-OAEP (rsa-oaep-mgf1p, or XML Encryption 1.1's rsa-oaep with SHA-1 to SHA-512), which covers Entra's AES-256 and RSA-OAEP. Anything else (key agreement, AES key wrap, a ciphertext fetched from elsewhere) cannot be checked.",
        fix: "Have the identity provider use AES-256 with RSA-OAEP, as Entra does.";

    EncryptionStructure = "encryption-structure", Error, allowable: false,
        summary: "The EncryptedAssertion is not laid out as XML Encryption says",
        why: "An EncryptedAssertion holds one xenc:EncryptedData and the one xenc:EncryptedKey for it (in the data's KeyInfo, as Entra writes it, or beside the data and referenced from it), with base64 ciphertexts. With parts missing, repeated or elsewhere, which key opens which data would be a guess.",
        fix: "Reject the response; capture it again without editing it.";

    SignatureMissing = "signature-missing", Error, allowable: false,
        summary: "Neither the response nor the assertion is signed",
        why: "Anyone can write an unsigned response naming any user; AWS rejects it.",
        fix: "Entra always signs: check that the response was not altered, and the app's signing option.";

    SignatureInvalid = "signature-invalid", Error, allowable: false,
        summary: "The XML signature does not verify",
        why: "The signed content changed after signing, or it was signed by a key other than the one the trusted certificate holds. AWS answers 'Response signature invalid'.",
        fix: "Re-capture the response without editing it; if it still fails, compare the signing certificate in Entra with the one in AWS.";

    SignatureUntrustedKey = "signature-untrusted-key", Error, allowable: false,
        summary: "Signed by a certificate that is not trusted",
        why: "The response is signed with a key whose certificate is not in the IdP metadata (or --cert). Either Entra switched to a new signing certificate AWS does not know yet (a rollover), or the response is forged with an attacker's own key (key confusion).",
        fix: "If the certificate is the one active in Entra, import it into AWS (and into the metadata you validate with); otherwise treat the response as forged.";

    SignatureWrapping = "signature-wrapping", Error, allowable: false,
        summary: "What is signed is not what would be read",
        why: "The signature verifies over a different element than the Response or Assertion AWS would read: an XML signature wrapping attack.",
        fix: "Reject the response.";

    SignaturePlacement = "signature-placement", Error, allowable: false,
        summary: "A Signature is not where SAML puts it: in the Response or the Assertion, right after its Issuer",
        why: "SAML signatures are enveloped in the element they sign, and the SAML schema puts each right after that element's Issuer. One anywhere else, or a second one, is a sign of wrapping, and verifiers disagree about it.",
        fix: "Reject the response; Entra puts its signatures right after the Issuer.";

    SignatureStructure = "signature-structure", Error, allowable: false,
        summary: "A signature's elements are not laid out as the XML-DSig schema says",
        why: "XML-DSig fixes what a ds:Signature holds and in which order: SignedInfo, SignatureValue, KeyInfo, Object; in SignedInfo CanonicalizationMethod, SignatureMethod, Reference; in a Reference Transforms, DigestMethod, DigestValue. An extra, repeated or reordered element is refused by libxmlsec1 but read by a verifier that takes the first element of each name, so two services would judge the same response differently. An InclusiveNamespaces PrefixList may name at most 64 prefixes.",
        fix: "Reject the response; Entra's signatures follow the schema.";

    SignatureReference = "signature-reference", Error, allowable: false,
        summary: "A signature's Reference does not point at the element that holds it",
        why: "Each signature must have exactly one same-document '#ID' reference to its parent Response or Assertion. Other references (another element, the whole document, XPointer expressions) let the signed and the used content differ.",
        fix: "Reject the response.";

    SignatureTransform = "signature-transform", Error, allowable: false,
        summary: "A signature uses a transform or canonicalization other than the SAML ones",
        why: "SAML signatures use enveloped-signature then exclusive canonicalization, and nothing else. XPath, XSLT or other transforms can select content different from what is read, or cost unbounded work. Inclusive canonicalization (C14N 1.0, also implied by a Reference with no canonicalization transform) is refused too: SAML recommends exclusive canonicalization, Entra always uses it, and samlbridge verifies that one only.",
        fix: "Reject the response.";

    SignatureObject = "signature-object", Error, allowable: false,
        summary: "A signature carries ds:Object content",
        why: "SAML signatures never need ds:Object; it is a classic hiding place for a wrapped copy of the signed element (XSW 6 and 8).",
        fix: "Reject the response.";

    SignatureSha1 = "signature-sha1", Error, allowable: true,
        summary: "The signature uses SHA-1",
        why: "SHA-1 collisions are practical. Entra can sign with SHA-1 if the application is set to, but SHA-256 is its default.",
        fix: "Set the Entra application's signing algorithm to SHA-256 (Single sign-on → SAML Certificates → Signing Algorithm); --allow signature-sha1 accepts it meanwhile.";

    SignatureAlgorithm = "signature-algorithm", Error, allowable: false,
        summary: "The signature or digest algorithm is unknown or missing",
        why: "Only RSA and ECDSA with SHA-2 (and SHA-1 when allowed) are accepted; anything else fails closed.",
        fix: "Reject the response.";

    AssertionIssuer = "assertion-issuer", Error, allowable: true,
        summary: "The assertion's Issuer is not the metadata's entityID",
        why: "AWS requires the assertion's Issuer to equal the entityID of the uploaded IdP metadata exactly.",
        fix: "Validate with (and upload to AWS) the metadata of the tenant that issued the response.";

    AssertionAudience = "assertion-audience", Error, allowable: true,
        summary: "The assertion's Audience is not the expected service provider",
        why: "AWS compares the Audience with its own entity ID exactly; a prefix or a similar URL is not accepted. In Entra this is the application's Identifier (Entity ID).",
        fix: "Set the Entra application's Identifier to exactly the entityID from the Identity Center metadata (IAM: https://signin.aws.amazon.com/saml).";

    AssertionRecipient = "assertion-recipient", Error, allowable: true,
        summary: "SubjectConfirmationData's Recipient is not the expected ACS URL",
        why: "AWS compares Recipient with its ACS URL exactly (for IAM, SAML:aud in trust policies comes from it).",
        fix: "Set the Entra application's Reply URL to exactly the ACS URL from the AWS metadata.";

    AssertionExpired = "assertion-expired", Error, allowable: true,
        summary: "The assertion is past its NotOnOrAfter",
        why: "AWS rejects assertions after Conditions' or SubjectConfirmationData's NotOnOrAfter. Entra's bearer confirmation lasts only minutes.",
        fix: "A HAR or SAML-tracer capture is already judged when it was captured: if it still fails, the clocks of Entra, AWS or the capturing machine disagree, or the response sat too long before it was posted. A response saved on its own carries no capture time: give --now with the instant it was captured, or capture a fresh one.";

    AssertionNotYetValid = "assertion-not-yet-valid", Error, allowable: true,
        summary: "The assertion is not valid yet (NotBefore in the future)",
        why: "Entra sets NotBefore to the issue instant with no margin, so a receiving clock a little behind rejects it.",
        fix: "Synchronise the clocks; --skew sets the tolerance samlbridge allows (default 3 minutes).";

    AssertionInvalidTime = "assertion-invalid-time", Error, allowable: false,
        summary: "A time in the response is not a valid xs:dateTime",
        why: "SAML times are xs:dateTime in UTC: YYYY-MM-DDThh:mm:ss, an optional fraction, then Z (or an offset). A space or a lowercase t in place of the T, a lowercase z or no time zone at all is another format, which one reader takes and another refuses or reads as local time; validity cannot be judged from it, so it fails closed. Entra writes 2026-11-27T09:00:00.0000000Z.",
        fix: "Reject the response.";

    AssertionBearer = "assertion-bearer", Error, allowable: true,
        summary: "No single bearer SubjectConfirmation",
        why: "Browser SSO needs exactly one SubjectConfirmation with Method urn:oasis:names:tc:SAML:2.0:cm:bearer, carrying NotOnOrAfter and Recipient.",
        fix: "Check the IdP's confirmation settings; Entra always sends one bearer confirmation.";

    NameidMissing = "nameid-missing", Error, allowable: true,
        summary: "The assertion's Subject has no NameID",
        why: "IAM Identity Center matches the signed-in user by NameID; without it there is nobody to sign in.",
        fix: "Configure the Unique User Identifier (Name ID) claim in the Entra application.";

    NameidFormat = "nameid-format", Error, allowable: true,
        summary: "The NameID format is not what the target requires",
        why: "IAM Identity Center requires NameID format urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress with an email-shaped value; otherwise CloudTrail shows 'Response contains invalid name id policy format'.",
        fix: "In Entra, set the Name identifier format of the Unique User Identifier claim to Email address (source user.userprincipalname).";

    NameidUserMismatch = "nameid-user-mismatch", Error, allowable: true,
        summary: "The NameID is not the expected Identity Center user name",
        why: "IAM Identity Center signs in the user whose user name equals the NameID exactly; a UPN versus mail or a short name difference fails with 'An unexpected error has occurred'.",
        fix: "Make SCIM provisioning send as userName the same attribute the NameID claim uses (usually user.userprincipalname).";

    NameidInvisible = "nameid-invisible", Error, allowable: true,
        summary: "The NameID holds characters a reader does not see",
        why: "A zero-width character (U+200B), a bidirectional override (U+202E), a line break inside the name or another control or format character makes one user name look like another on screen and in logs, while Identity Center compares it character for character. Entra's user principal names cannot hold them.",
        fix: "Find where the NameID's source attribute got the characters (the user's userPrincipalName or mail in Entra, or a claims transformation) and remove them.";

    NameidWhitespace = "nameid-whitespace", Warning, allowable: true,
        summary: "The NameID starts or ends with white space",
        why: "A NameID is an xs:string: the spaces or line breaks around it (as a pretty-printed document has them) are part of the name, which AWS compares exactly; samlbridge reports it as written, quoted, and applies the email-address rule and --expect-user to it as such. Entra writes the name without them.",
        fix: "Remove the white space where the NameID comes from: its source attribute in Entra or the claims transformation that builds it.";

    AbacTooMany = "abac-too-many", Error, allowable: true,
        summary: "More than 50 access-control attributes",
        why: "IAM Identity Center accepts at most 50 AccessControl attributes in an assertion.",
        fix: "Send fewer AccessControl:<Key> claims from Entra.";

    AbacMultivalued = "abac-multivalued", Error, allowable: true,
        summary: "An access-control attribute has several values",
        why: "IAM Identity Center does not accept multi-valued AccessControl attributes (e.g. a claim sourced from user.groups).",
        fix: "Source the AccessControl claim from a single-valued attribute.";

    AbacKey = "abac-key", Error, allowable: true,
        summary: "An access-control attribute key is not valid",
        why: "Keys must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@.",
        fix: "Rename the claim to https://aws.amazon.com/SAML/Attributes/AccessControl:<Key> with a valid key.";

    AbacDuplicate = "abac-duplicate", Error, allowable: true,
        summary: "An access-control attribute appears more than once",
        why: "IAM Identity Center rejects duplicate attribute names.",
        fix: "Remove the duplicate claim in Entra.";

    AbacStructured = "abac-structured", Error, allowable: true,
        summary: "An access-control attribute value holds XML, not text",
        why: "IAM Identity Center does not accept structured XML attribute values.",
        fix: "Send plain text values.";

    IamRoleMissing = "iam-role-missing", Error, allowable: true,
        summary: "No Role attribute",
        why: "STS needs https://aws.amazon.com/SAML/Attributes/Role to know which role to assume; AWS answers 'Your request included an invalid SAML response'.",
        fix: "Add the Role claim (source user.assignedroles) in the namespace https://aws.amazon.com/SAML/Attributes.";

    IamRoleFormat = "iam-role-format", Error, allowable: true,
        summary: "A Role value is not a role ARN paired with a SAML provider ARN",
        why: "Each Role value must be 'arn:aws:iam::<account>:role/<name>,arn:aws:iam::<account>:saml-provider/<name>' (together under 240 characters).",
        fix: "Fix the app roles in Entra (or the provisioning that imported them).";

    IamAttributeCase = "iam-attribute-case", Error, allowable: true,
        summary: "An AWS attribute name differs from the documented one only in case or namespace",
        why: "STS reads attribute names case-sensitively: .../attributes/role or a missing namespace is simply ignored.",
        fix: "Use the exact names: https://aws.amazon.com/SAML/Attributes/Role, RoleSessionName, SessionDuration, …";

    IamSessionNameMissing = "iam-session-name-missing", Error, allowable: true,
        summary: "No RoleSessionName attribute",
        why: "STS requires RoleSessionName: 'RoleSessionName is required in AuthnResponse'.",
        fix: "Add the RoleSessionName claim (source user.userprincipalname).";

    IamSessionName = "iam-session-name", Error, allowable: true,
        summary: "RoleSessionName is not 2 to 64 characters of [A-Za-z0-9_+=,.@-]",
        why: "STS rejects other session names.",
        fix: "Source RoleSessionName from an attribute with allowed characters (the UPN usually is).";

    IamSessionDuration = "iam-session-duration", Error, allowable: true,
        summary: "SessionDuration is not a number of seconds from 900 to 43200",
        why: "STS (console sign-in) accepts only 900 to 43200 seconds, and never more than the role's MaxSessionDuration.",
        fix: "Set the SessionDuration claim to a value in range, or drop it.";

    IamPrincipalTag = "iam-principal-tag", Error, allowable: true,
        summary: "Session tags exceed STS's limits",
        why: "At most 50 PrincipalTag attributes, keys up to 128 and values up to 256 characters.",
        fix: "Send fewer or shorter PrincipalTag claims.";

    IamSourceIdentity = "iam-source-identity", Error, allowable: true,
        summary: "SourceIdentity is invalid",
        why: "SourceIdentity must be 2 to 64 characters of [A-Za-z0-9_+=,.@-] and must not start with 'aws:'.",
        fix: "Source it from an attribute with allowed characters.";

    IamResponseTooLarge = "iam-response-too-large", Error, allowable: true,
        summary: "The encoded response exceeds what STS accepts",
        why: "AssumeRoleWithSAML takes a SAMLAssertion of at most 100,000 characters.",
        fix: "Send fewer claims (group claims are the usual culprit).";

    ClaimsOtherTarget = "claims-other-target", Warning, allowable: true,
        summary: "A claim only the other AWS target reads",
        why: "IAM Identity Center ignores IAM's Role, RoleSessionName, SessionDuration, SourceIdentity and PrincipalTag claims, and IAM ignores Identity Center's AccessControl claims. Such a claim usually means the mapping was copied from the other gallery application, or checked against the wrong target.",
        fix: "Check the mapping against the target it is for (--target), or remove the claim from this application in Entra.";

    IamRoleAccount = "iam-role-account", Error, allowable: true,
        summary: "A Role value names a role in another account than the one being configured",
        why: "STS assumes a role only through a SAML provider of the role's own account; a role ARN with another account (or partition) in the Role value is refused ('Not authorized to perform sts:AssumeRoleWithSAML'), or signs users in somewhere you did not mean.",
        fix: "Make the Role values (the app roles in Entra) name roles in the account given to --account-id, as STEPS.md lists them.";

    IamSignInRegionUnknown = "iam-sign-in-region-unknown", Error, allowable: true,
        summary: "A sign-in Region is not one samlbridge knows",
        why: "A mistyped Region (eu-wst-1) writes a sign-in endpoint nobody posts to into every trust policy and Entra's Reply URLs, and the Region meant is missing: sign-ins through it fail.",
        fix: "Check the spelling against aws ec2 describe-regions --all-regions. A Region AWS opened after this release of samlbridge can be let through with --allow iam-sign-in-region-unknown.";

    IamNoRoles = "iam-no-roles", Warning, allowable: true,
        summary: "No role is given, so no role trusts the SAML provider",
        why: "Without a role whose trust policy names the provider, every sign-in through it fails: there is nothing to assume. samlbridge writes the provider, but no trust policy, Role value or role resource.",
        fix: "Name each role users sign in to with --role NAME (repeatable), or add the provider to the trust policies of existing roles yourself.";

    ClaimsNameidDefault = "claims-nameid-default", Warning, allowable: true,
        summary: "The claim mapping does not set the NameID",
        why: "Without an explicit Unique User Identifier claim Entra falls back to its default, whose format IAM Identity Center may refuse; set it so the result is known.",
        fix: "Set the Unique User Identifier (Name ID) to user.userprincipalname with format Email address.";

    ClaimsNameidSource = "claims-nameid-source", Error, allowable: true,
        summary: "The NameID comes from another attribute than SCIM's userName",
        why: "IAM Identity Center signs in the user whose user name (provisioned by SCIM from one Entra attribute) equals the NameID (from the claim's source). Different sources mean names that do not match for some or all users.",
        fix: "Source the NameID from the attribute the provisioning connector maps to userName (user.userprincipalname by default), or pass --scim-username-source if you changed that mapping.";

    ClaimsTransformation = "claims-transformation", Info, allowable: true,
        summary: "A claim's value comes from a transformation or condition",
        why: "samlbridge cannot evaluate Entra's claim transformations and conditions, so rules about the value are checked only on validated responses.",
        fix: "Validate a captured response with samlbridge validate to check the values.";

    ClaimsValueInvalid = "claims-value-invalid", Error, allowable: false,
        summary: "A claim name, namespace or source does not have its documented shape",
        why: "Claim names and values reach the assertion, the Graph request bodies and the steps samlbridge writes. A name with a line break, a zero-width or bidirectional character, a namespace that is not a URI, or a source that is not an Entra attribute is a typo at best and an attempt to change what the written instructions say at worst.",
        fix: "Correct the claim in Entra (or in the claims file): names and constants in visible characters, namespaces as absolute URIs, sources as source.attribute (user.department).";

    MetadataValueInvalid = "metadata-value-invalid", Error, allowable: false,
        summary: "An entityID or endpoint URL in the metadata does not have its documented shape",
        why: "samlbridge copies entityIDs, endpoint URLs and identifiers from the metadata into the files and steps it writes. A URL that is not plain https://, or holds a line break, a backtick or characters outside RFC 3986, can change what the written instructions tell you to run, so it is never written as it is.",
        fix: "Fetch the metadata again from its source and compare; the document you have was changed or comes from somewhere else. The value is shown escaped in the message.";

    ClaimsNotSaml = "claims-not-saml", Info, allowable: true,
        summary: "A claim is issued in JWT tokens only",
        why: "Its tokenFormat does not include saml, so it never reaches AWS.",
        fix: "Add saml to the claim's token formats if AWS needs it.";

    AbacSourceUnmapped = "abac-source-unmapped", Warning, allowable: true,
        summary: "An access-control claim's source has no Identity Center attribute to map to",
        why: "samlbridge writes the Identity Center attribute configuration from the Entra attributes that the provisioning connector syncs by default; this source is not among them, so the key is left to the value in the assertion.",
        fix: "Nothing to do if the SAML value is enough; otherwise map the key in Identity Center (Settings → Attributes for access control) to the SCIM attribute that carries it.";

    AbacInstanceArnMissing = "abac-instance-arn-missing", Warning, allowable: true,
        summary: "No Identity Center instance ARN was given",
        why: "The CLI input for the access-control configuration needs the instance ARN; samlbridge wrote a placeholder there.",
        fix: "Pass --instance-arn (aws sso-admin list-instances shows it), or edit access-control-attributes.json.";

    IamRoleProvider = "iam-role-provider", Error, allowable: true,
        summary: "A Role value names another SAML provider than the one being configured",
        why: "STS assumes the role only through the provider named in the Role value; a different provider ARN (another account, partition or name) fails.",
        fix: "Make the Role values use the provider ARN samlbridge prints (arn:aws:iam::<account>:saml-provider/<name>); with validate, check --account-id and --provider-name.";

    CertTrustedMissing = "cert-trusted-missing", Error, allowable: true,
        summary: "The certificate AWS trusts today is not in the metadata",
        why: "Entra signs only with certificates it lists; if the one AWS trusts is gone, Entra signs with another and every sign-in fails.",
        fix: "Import the metadata's active certificate into AWS now (Identity Center: Manage certificates → Import; IAM: update the SAML provider's metadata).";

    CertTrustedExpiring = "cert-trusted-expiring", Warning, allowable: true,
        summary: "The certificate AWS trusts today expires soon",
        why: "When it expires Entra signs with the next certificate, which AWS must already trust.",
        fix: "Follow ROLLOVER.md: import the next certificate into AWS first, then activate it in Entra.";

    SpNoAcs = "sp-no-acs", Error, allowable: false,
        summary: "The service-provider metadata has no AssertionConsumerService",
        why: "Without an ACS URL there is nothing to configure as Entra's Reply URL, and no Destination/Recipient to check responses against.",
        fix: "Download the service-provider metadata again from IAM Identity Center (Settings → Identity source → Change identity source → External identity provider).";

    SpAcsNotHttps = "sp-acs-not-https", Error, allowable: true,
        summary: "An AssertionConsumerService URL is not https://",
        why: "Responses posted over plain HTTP can be captured and replayed.",
        fix: "Use the metadata as IAM Identity Center serves it.";

    SpUrlInvalid = "sp-url-invalid", Error, allowable: false,
        summary: "The service provider's entityID or an ACS URL is not a plain https:// URL",
        why: "The entityID and ACS URLs become Entra's Identifier and Reply URLs and are compared exactly with every response. One holding a line break (written &#10; in XML, which URL parsers drop), a backtick, a user name before @ or characters outside RFC 3986 never matches a real response, and can change the instructions samlbridge writes.",
        fix: "Download the service-provider metadata again from the IAM Identity Center console (Settings, Identity source, Change identity source) and use it unchanged.";

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
            "encryption-",
            "input-",
            "target-",
            "fetch-",
            "authn-request-",
            "aadsts-",
            "trace-",
            "relay-state-",
            "entra-",
            "scim-",
            "user-",
            "identity-center-",
        ];
        for code in Code::ALL {
            assert!(
                PREFIXES.iter().any(|p| code.as_str().starts_with(p)),
                "{code} has no known prefix"
            );
        }
    }
}

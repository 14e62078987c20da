//! The fixture set under `testdata/`: keys (created once, then loaded), metadata, and the
//! documents tests read. `testdata/README.md` says what each file is.

use crate::idp::{identity_center_sp_metadata, MetadataSpec};
use crate::pki::{new_key, CertBuilder, KeyPair, KeySpec};
use chrono::{DateTime, Duration, Utc};
use std::fs;
use std::path::{Path, PathBuf};

/// The tenant every fixture is issued by.
pub const TENANT: &str = "4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63";
/// The Entra application (its metadata URL's `appid`).
pub const APP_ID: &str = "6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d";
pub const IDC_REGION: &str = "eu-west-1";
pub const IDC_DIRECTORY: &str = "d-93670a1b2c";
pub const IDC_ACS_ID: &str = "4455422d84a27c9f-9f18-41fa-81b4-769660979b1e";

/// A named key with its certificate, stored as `keys/<name>.key.pem` and `.cert.pem`.
pub fn key(root: &Path, name: &str, create: impl FnOnce() -> KeyPair, renew: bool) -> KeyPair {
    let dir = root.join("keys");
    let key_path = dir.join(format!("{name}.key.pem"));
    let cert_path = dir.join(format!("{name}.cert.pem"));
    if !renew {
        if let (Ok(k), Ok(c)) = (fs::read(&key_path), fs::read(&cert_path)) {
            return KeyPair::from_pem(&k, &c);
        }
    }
    let pair = create();
    fs::create_dir_all(&dir).expect("create testdata/keys");
    fs::write(&key_path, pair.key_pem()).expect("write key");
    fs::write(&cert_path, pair.cert_pem()).expect("write certificate");
    pair
}

/// The keys of the fixture world.
pub struct Keys {
    /// The application's active SAML signing certificate (3 years from `epoch`).
    pub active: KeyPair,
    /// The next certificate of a rollover, created 11 months later.
    pub next: KeyPair,
    /// A key nobody trusts: what an attacker signs with.
    pub attacker: KeyPair,
}

pub fn keys(root: &Path, renew: bool, epoch: DateTime<Utc>) -> Keys {
    let rsa = || new_key(KeySpec::Rsa(2048));
    Keys {
        active: key(
            root,
            "entra-app-active",
            || {
                CertBuilder::entra(rsa(), epoch, epoch + Duration::days(3 * 365))
                    .serial(101)
                    .build()
            },
            renew,
        ),
        next: key(
            root,
            "entra-app-next",
            || {
                let from = epoch + Duration::days(330);
                CertBuilder::entra(rsa(), from, from + Duration::days(3 * 365))
                    .serial(102)
                    .build()
            },
            renew,
        ),
        attacker: key(
            root,
            "attacker",
            || {
                CertBuilder::entra(rsa(), epoch, epoch + Duration::days(3 * 365))
                    .serial(666)
                    .build()
            },
            renew,
        ),
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8], out: &mut Vec<PathBuf>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("relative path has a parent"))
        .expect("create directory");
    fs::write(&path, bytes).expect("write fixture");
    out.push(path);
}

/// Writes every fixture; returns the paths written.
pub fn generate(root: &Path, renew_keys: bool, epoch: DateTime<Utc>) -> Vec<PathBuf> {
    let keys = keys(root, renew_keys, epoch);
    let mut out = Vec::new();

    let app = MetadataSpec::entra_app(TENANT, vec![keys.active.clone()]);
    write(
        root,
        "metadata/entra-app.xml",
        app.build().as_bytes(),
        &mut out,
    );

    let mut rollover =
        MetadataSpec::entra_app(TENANT, vec![keys.active.clone(), keys.next.clone()]);
    rollover.signer = Some(keys.active.clone());
    write(
        root,
        "metadata/entra-app-rollover.xml",
        rollover.build().as_bytes(),
        &mut out,
    );

    write(
        root,
        "metadata/identity-center-sp.xml",
        identity_center_sp_metadata(IDC_REGION, IDC_DIRECTORY, IDC_ACS_ID).as_bytes(),
        &mut out,
    );
    responses(root, &keys, &mut out);
    claims(root, &mut out);
    for (name, text) in crate::captures::fixture_files(&keys) {
        write(root, &format!("captures/{name}"), text.as_bytes(), &mut out);
    }
    out
}

/// Example claim mappings, in both forms samlbridge reads.
fn claims(root: &Path, out: &mut Vec<PathBuf>) {
    let idc = r#"# The Entra application's "Attributes & Claims", as samlbridge reads them
# (samlbridge aws identity-center … --claims identity-center.toml).

[name_id]                              # Unique User Identifier (Name ID)
source = "user.userprincipalname"      # must be what SCIM provisioning sends as userName
format = "emailAddress"                # IAM Identity Center requires Email address

[[claims]]                             # attributes for access control
name = "AccessControl:Department"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.department"

[[claims]]
name = "AccessControl:EmployeeNumber"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.employeeid"

[[claims]]                             # a constant value
name = "AccessControl:Tenant"
namespace = "https://aws.amazon.com/SAML/Attributes"
value = "contoso"
"#;
    write(root, "claims/identity-center.toml", idc.as_bytes(), out);
    let graph = serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#servicePrincipals('9f8e7d6c-5b4a-4392-8170-6e5d4c3b2a19')/claimsPolicy/$entity",
        "id": "3c2b1a09-8f7e-4d6c-5b4a-392817065e4d",
        "includeBasicClaimSet": true,
        "includeApplicationIdInIssuer": false,
        "audienceOverride": null,
        "groupFilter": null,
        "claims": [
            {"@odata.type": "#microsoft.graph.samlNameIdClaim", "nameIdFormat": "emailAddress", "serviceProviderNameQualifier": null,
             "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "userprincipalname", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
            {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:Department", "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"], "samlAttributeNameFormat": null,
             "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "department", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
            {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:EmployeeNumber", "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"], "samlAttributeNameFormat": null,
             "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "employeeid", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
            {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:Tenant", "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"], "samlAttributeNameFormat": null,
             "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.valueBasedAttribute", "value": "contoso"}, "transformations": []}]}
        ]
    });
    let mut graph_text = serde_json::to_string_pretty(&graph).expect("json");
    graph_text.push('\n');
    write(
        root,
        "claims/identity-center.claims-policy.json",
        graph_text.as_bytes(),
        out,
    );
    let iam = r#"# Claims of the Entra gallery application "AWS Single-Account Access"
# (samlbridge aws iam … --claims iam.toml).

[name_id]
source = "user.userprincipalname"
format = "emailAddress"

[[claims]]
name = "Role"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.assignedroles"          # multi-valued: one value per assigned app role

[[claims]]
name = "RoleSessionName"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.userprincipalname"

[[claims]]
name = "SessionDuration"
namespace = "https://aws.amazon.com/SAML/Attributes"
value = "28800"

[[claims]]                             # a session tag: the trust policy then allows sts:TagSession
name = "PrincipalTag:Department"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.department"
"#;
    write(root, "claims/iam.toml", iam.as_bytes(), out);
}

/// The instant every response fixture is issued at; tests judge them a minute later.
pub fn issue_instant() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

/// The user every fixture signs in.
pub const USER: &str = "alice@contoso.com";
pub const IAM_ENDPOINT: &str = "https://signin.aws.amazon.com/saml";
pub const IAM_ROLE: &str =
    "arn:aws:iam::123456789012:role/EntraAdmin,arn:aws:iam::123456789012:saml-provider/EntraID";

pub fn idc_acs() -> String {
    format!("https://{IDC_REGION}.signin.aws/platform/saml/acs/{IDC_ACS_ID}")
}

pub fn idc_audience() -> String {
    format!("https://{IDC_REGION}.signin.aws.amazon.com/platform/saml/{IDC_DIRECTORY}")
}

/// A response for the Identity Center fixture world, signed by `signer`.
pub fn idc_response(signer: &KeyPair) -> crate::idp::ResponseSpec {
    crate::idp::ResponseSpec::entra(
        TENANT,
        signer.clone(),
        &idc_acs(),
        &idc_audience(),
        USER,
        issue_instant(),
    )
}

/// A response for plain IAM federation, with the claims the "AWS Single-Account Access" app sends.
pub fn iam_response(signer: &KeyPair) -> crate::idp::ResponseSpec {
    use crate::idp::Attr;
    let mut spec = crate::idp::ResponseSpec::entra(
        TENANT,
        signer.clone(),
        IAM_ENDPOINT,
        IAM_ENDPOINT,
        USER,
        issue_instant(),
    );
    spec.attributes.extend([
        Attr::new("https://aws.amazon.com/SAML/Attributes/Role", &[IAM_ROLE]),
        Attr::new(
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
            &[USER],
        ),
        Attr::new(
            "https://aws.amazon.com/SAML/Attributes/SessionDuration",
            &["28800"],
        ),
    ]);
    spec
}

/// The second ACS URL Identity Center's metadata lists (its IPv4 address on amazon.com).
pub fn idc_other_acs() -> String {
    format!("https://{IDC_REGION}.signin.aws.amazon.com/platform/saml/acs/{IDC_ACS_ID}")
}

/// The hostile responses of `responses/hostile/`, one class each of what an independent red
/// team found: unsigned values that contradict signed ones, elements that must appear once
/// repeated, NameIDs not taken as written, times that are not xs:dateTime. Each is signed over
/// what it repeats or changes (the edits come before signing), so only the rule under test can
/// refuse it; tests sign them other ways too.
pub fn hostile_responses(signer: &KeyPair) -> Vec<(&'static str, crate::idp::ResponseSpec)> {
    use crate::idp::ResponseSpec;
    let base = idc_response(signer);
    let email = &base.name_id_format;
    let irt = base
        .in_response_to
        .clone()
        .expect("Entra answers a request");
    let confirm_until = ResponseSpec::time(issue_instant() + chrono::Duration::minutes(5));
    let not_after = ResponseSpec::time(issue_instant() + chrono::Duration::minutes(70));
    let mut out = Vec::new();
    let mut case = |name: &'static str, edit: &dyn Fn(&mut ResponseSpec)| {
        let mut s = base.clone();
        edit(&mut s);
        out.push((name, s));
    };

    // Unsigned values that contradict signed ones (only the assertion is signed).
    case("destination-other-acs", &|s| {
        s.destination = Some(idc_other_acs());
    });
    case("in-response-to-differs", &|s| {
        s.edit_response(
            &format!(r#"InResponseTo="{irt}""#),
            r#"InResponseTo="id-00000000000000000000000000000000""#,
        );
    });
    case("in-response-to-response-only", &|s| {
        s.edit_assertion(&format!(r#" InResponseTo="{irt}""#), "");
    });
    case("in-response-to-confirmation-only", &|s| {
        s.edit_response(&format!(r#" InResponseTo="{irt}""#), "");
    });

    // Elements that must appear once, repeated.
    // The second Issuer after the Subject: the signature stays right after the first, so the
    // repeat is the only thing wrong.
    case("two-issuers", &|s| {
        s.edit_assertion(
            "</Subject>",
            "</Subject><Issuer>https://sts.windows.net/11111111-2222-3333-4444-555555555555/</Issuer>",
        );
    });
    case("two-subjects", &|s| {
        s.edit_assertion(
            "</Subject>",
            &format!(r#"</Subject><Subject><NameID Format="{email}">admin@contoso.com</NameID></Subject>"#),
        );
    });
    case("two-nameids", &|s| {
        s.edit_assertion(
            "</NameID>",
            &format!(r#"</NameID><NameID Format="{email}">admin@contoso.com</NameID>"#),
        );
    });
    case("two-confirmation-data", &|s| {
        s.edit_assertion(
            "/></SubjectConfirmation>",
            &format!(
                r#"/><SubjectConfirmationData NotOnOrAfter="{confirm_until}" Recipient="{}"/></SubjectConfirmation>"#,
                idc_other_acs()
            ),
        );
    });
    case("two-conditions-expired", &|s| {
        s.edit_assertion(
            "</Conditions>",
            &format!(
                r#"</Conditions><Conditions NotBefore="{}" NotOnOrAfter="{}"><AudienceRestriction><Audience>{}</Audience></AudienceRestriction></Conditions>"#,
                ResponseSpec::time(issue_instant() - chrono::Duration::hours(2)),
                ResponseSpec::time(issue_instant() - chrono::Duration::hours(1)),
                idc_audience()
            ),
        );
    });
    case("two-conditions-audience", &|s| {
        s.edit_assertion(
            "</Conditions>",
            &format!(
                r#"</Conditions><Conditions NotOnOrAfter="{not_after}"><AudienceRestriction><Audience>{IAM_ENDPOINT}</Audience></AudienceRestriction></Conditions>"#
            ),
        );
    });
    // After the Status, so that a Response signature stays right after the first Issuer.
    case("response-two-issuers", &|s| {
        s.edit_response(
            "</samlp:Status>",
            "</samlp:Status><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">https://sts.windows.net/11111111-2222-3333-4444-555555555555/</Issuer>",
        );
    });
    case("response-two-statuses", &|s| {
        s.edit_response(
            "</samlp:Status>",
            r#"</samlp:Status><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status>"#,
        );
    });

    // NameIDs taken as written.
    case("nameid-surrounding-space", &|s| {
        s.name_id = format!("  {USER}\n");
    });
    case("nameid-zero-width", &|s| {
        s.name_id = "alice\u{200B}@contoso.com".into();
    });
    case("nameid-bidi-override", &|s| {
        // Shown right to left from the override on: "alice@contoso.com" to the eye.
        s.name_id = "alice@\u{202E}moc.osotnoc".into();
    });

    // Times that are not xs:dateTime.
    case("time-space-separator", &|s| {
        s.edit_assertion(
            &format!(r#"NotOnOrAfter="{confirm_until}""#),
            &format!(r#"NotOnOrAfter="{}""#, confirm_until.replace('T', " ")),
        );
    });
    case("time-lowercase", &|s| {
        s.edit_assertion(
            &format!(r#"NotOnOrAfter="{not_after}""#),
            &format!(r#"NotOnOrAfter="{}""#, not_after.to_lowercase()),
        );
    });
    out
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 wrapped at 76 columns, as many tools copy it.
fn b64_wrapped(bytes: &[u8]) -> String {
    let flat = b64(bytes);
    flat.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The response's text between the first `<Signature` of the assertion and its end.
fn cut<'a>(xml: &'a str, start: &str, end: &str) -> &'a str {
    let i = xml.find(start).expect("start marker");
    let j = xml[i..].find(end).expect("end marker") + i + end.len();
    &xml[i..j]
}

/// Writes the response fixtures; see testdata/README.md for what each one is.
pub fn responses(root: &Path, keys: &Keys, out: &mut Vec<PathBuf>) {
    use crate::idp::{
        escape, sign, strip_declaration, Attr, SigAlg, Signing, Template, DSIG, ENVELOPED, EXC_C14N,
    };
    macro_rules! w {
        ($rel:expr, $text:expr) => {
            write(root, &format!("responses/{}", $rel), $text.as_bytes(), out)
        };
    }
    let active = &keys.active;

    // Valid: Entra's three signing options, ABAC claims, the IAM claims, a rollover signer.
    let base = idc_response(active);
    let valid = base.build();
    w!("valid/idc-assertion-signed.xml", &valid);
    let mut s = base.clone();
    s.signing = Signing::Response;
    w!("valid/idc-response-signed.xml", &s.build());
    let mut s = base.clone();
    s.signing = Signing::Both;
    w!("valid/idc-both-signed.xml", &s.build());
    let mut s = base.clone();
    s.attributes.extend([
        Attr::new(
            "https://aws.amazon.com/SAML/Attributes/AccessControl:Department",
            &["Finance"],
        ),
        Attr::new(
            "https://aws.amazon.com/SAML/Attributes/AccessControl:CostCenter",
            &["4711"],
        ),
    ]);
    w!("valid/idc-abac.xml", &s.build());
    w!("valid/iam.xml", &iam_response(active).build());
    w!(
        "valid/idc-signed-by-next-cert.xml",
        &idc_response(&keys.next).build()
    );
    let mut s = base.clone();
    s.name_id = "admin@contoso.com.evil".into();
    let comment = s.build().replacen(
        "admin@contoso.com.evil</NameID>",
        "admin@contoso.com<!---->.evil</NameID>",
        1,
    );
    w!("valid/comment-in-nameid.xml", &comment);

    // Encodings of the first valid response.
    w!("encodings/idc.b64", &b64_wrapped(valid.as_bytes()));
    use base64::Engine;
    w!(
        "encodings/idc.urlsafe.b64",
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(valid.as_bytes())
    );
    w!(
        "encodings/idc.form.txt",
        &format!(
            "SAMLResponse={}&RelayState={}",
            form_encode(&b64(valid.as_bytes())),
            form_encode("https://eu-west-1.console.aws.amazon.com/")
        )
    );
    let deflated = {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(valid.as_bytes()).expect("deflate");
        e.finish().expect("deflate")
    };
    w!(
        "encodings/idc.redirect.txt",
        &format!(
            "{}?SAMLResponse={}",
            idc_acs(),
            form_encode(&b64(&deflated))
        )
    );
    let mut both = base.clone();
    both.signing = Signing::Both;
    let second = both.build();
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": [
        {"startedDateTime": "2026-11-27T09:00:00.000Z", "request": {"method": "GET", "url": format!("https://login.microsoftonline.com/{TENANT}/saml2?SAMLRequest=fZA"), "headers": [], "queryString": [{"name": "SAMLRequest", "value": "fZA"}]}, "response": {"status": 200}},
        {"startedDateTime": "2026-11-27T09:00:01.000Z", "request": {"method": "POST", "url": idc_acs(), "headers": [], "queryString": [],
            "postData": {"mimeType": "application/x-www-form-urlencoded", "text": format!("SAMLResponse={}&RelayState=", form_encode(&b64(valid.as_bytes()))),
                "params": [{"name": "SAMLResponse", "value": form_encode(&b64(valid.as_bytes()))}, {"name": "RelayState", "value": ""}]}}, "response": {"status": 302}},
        {"startedDateTime": "2026-11-27T09:00:02.000Z", "request": {"method": "POST", "url": idc_acs(), "headers": [], "queryString": [],
            "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "SAMLResponse", "value": b64(second.as_bytes())}]}}, "response": {"status": 302}}
    ]}});
    w!(
        "encodings/capture.har",
        &serde_json::to_string_pretty(&har).expect("json")
    );
    let tracer = serde_json::json!({"requests": [
        {"method": "GET", "url": format!("https://login.microsoftonline.com/{TENANT}/saml2?SAMLRequest=fZA"), "requestId": "1", "get": [["SAMLRequest", "fZA"]], "protocol": "SAML-P", "requestHeaders": [], "responseStatus": 200},
        {"method": "POST", "url": idc_acs(), "requestId": "2", "post": [["SAMLResponse", b64(valid.as_bytes())], ["RelayState", ""]],
            "postData": {"SAMLResponse": [b64(valid.as_bytes())]}, "protocol": "SAML-P", "saml": valid, "requestHeaders": [], "responseStatus": 302}
    ], "timestamp": "2026-11-27T09:00:05.000Z"});
    w!(
        "encodings/capture.saml-tracer.json",
        &serde_json::to_string_pretty(&tracer).expect("json")
    );

    // Invalid: one rule each.
    macro_rules! inv {
        ($name:expr, $spec:expr) => {
            w!(format!("invalid/{}.xml", $name), $spec.build())
        };
    }
    let mut s = base.clone();
    s.signing = Signing::None;
    s.status_xml = Some(concat!(
        r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode>"#,
        "<samlp:StatusMessage>AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted access to the application.\nTrace ID: 0f3c2b1a-5d4e-4f6a-9b8c-7d6e5f4a3b2c\nTimestamp: 2026-11-27 09:00:00Z</samlp:StatusMessage></samlp:Status>"
    ).into());
    let denied = s.response_xml("");
    w!("invalid/status-aadsts50105.xml", &denied);
    let mut s = base.clone();
    s.issuer = Some("https://sts.windows.net/11111111-2222-3333-4444-555555555555/".into());
    inv!("issuer-other-tenant", &s);
    let mut s = base.clone();
    s.destination = Some("https://us-east-1.signin.aws/platform/saml/acs/other".into());
    inv!("destination-wrong", &s);
    let mut s = base.clone();
    s.destination = Some(format!("{}/extra", idc_acs()));
    inv!("destination-prefix", &s);
    let mut s = base.clone();
    s.destination = None;
    inv!("destination-missing", &s);
    let mut s = base.clone();
    s.recipient = format!("{}X", idc_acs());
    inv!("recipient-wrong", &s);
    let mut s = base.clone();
    s.audience = "https://signin.aws.amazon.com/saml".into();
    inv!("audience-wrong", &s);
    let mut s = base.clone();
    s.audience = format!("{}/", idc_audience());
    inv!("audience-prefix", &s);
    let mut s = base.clone();
    s.issue_instant = issue_instant() - chrono::Duration::hours(2);
    inv!("expired", &s);
    let mut s = base.clone();
    s.issue_instant = issue_instant() + chrono::Duration::minutes(10);
    inv!("not-yet-valid", &s);
    let mut s = base.clone();
    s.confirmation_method = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key".into();
    inv!("no-bearer", &s);
    let mut s = base.clone();
    s.omit_name_id = true;
    inv!("nameid-missing", &s);
    let mut s = base.clone();
    s.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into();
    s.name_id = "9c2f6b1e3d4a4f5b8c6d7e8f9a0b1c2d".into();
    inv!("nameid-persistent", &s);
    let mut s = base.clone();
    s.name_id = "alice".into();
    inv!("nameid-not-email", &s);
    let abac = |name: &str, values: &[&str]| {
        Attr::new(
            &format!("https://aws.amazon.com/SAML/Attributes/AccessControl:{name}"),
            values,
        )
    };
    let mut s = base.clone();
    s.attributes.push(abac("Groups", &["Finance", "Admins"]));
    inv!("abac-multivalued", &s);
    let mut s = base.clone();
    s.attributes.push(abac("Dept;Name", &["Finance"]));
    inv!("abac-bad-key", &s);
    let mut s = base.clone();
    s.attributes.extend([
        abac("Department", &["Finance"]),
        abac("Department", &["Sales"]),
    ]);
    inv!("abac-duplicate", &s);
    let mut s = base.clone();
    s.attributes
        .extend((0..51).map(|i| abac(&format!("Key{i}"), &["v"])));
    inv!("abac-too-many", &s);
    let mut s = base.clone();
    s.attributes.push(abac("Department", &["Finance"]));
    let structured = s.build();
    // Sign a version whose value holds an element: built by hand, then signed.
    let mut s2 = base.clone();
    s2.attributes
        .push(abac("Department", &["PLACEHOLDER-VALUE"]));
    let assertion = s2.assertion_xml().replace(
        "PLACEHOLDER-VALUE",
        "<Name xmlns=\"urn:example\">Finance</Name>",
    );
    let signed_assertion = strip_declaration(&sign(&assertion, active))
        .trim_end()
        .to_owned();
    w!(
        "invalid/abac-structured.xml",
        &s2.response_xml(&signed_assertion)
    );
    drop(structured);

    macro_rules! iam_inv {
        ($name:expr, $edit:expr) => {{
            let mut s = iam_response(active);
            let edit: &dyn Fn(&mut crate::idp::ResponseSpec) = &$edit;
            edit(&mut s);
            w!(format!("invalid/{}.xml", $name), s.build());
        }};
    }
    iam_inv!("iam-role-missing", |s: &mut crate::idp::ResponseSpec| s
        .attributes
        .retain(|a| !a.name.ends_with("/Role")));
    iam_inv!("iam-role-format", |s: &mut crate::idp::ResponseSpec| {
        for a in s
            .attributes
            .iter_mut()
            .filter(|a| a.name.ends_with("/Role"))
        {
            a.values = vec!["arn:aws:iam::123456789012:role/EntraAdmin".into()];
        }
    });
    iam_inv!("iam-attribute-case", |s: &mut crate::idp::ResponseSpec| {
        for a in s
            .attributes
            .iter_mut()
            .filter(|a| a.name.ends_with("/Role"))
        {
            a.name = "https://aws.amazon.com/SAML/Attributes/role".into();
        }
    });
    iam_inv!("iam-session-name", |s: &mut crate::idp::ResponseSpec| {
        for a in s
            .attributes
            .iter_mut()
            .filter(|a| a.name.ends_with("/RoleSessionName"))
        {
            a.values = vec!["Alice Example".into()];
        }
    });
    iam_inv!(
        "iam-session-name-missing",
        |s: &mut crate::idp::ResponseSpec| s
            .attributes
            .retain(|a| !a.name.ends_with("/RoleSessionName"))
    );
    iam_inv!(
        "iam-session-duration",
        |s: &mut crate::idp::ResponseSpec| {
            for a in s
                .attributes
                .iter_mut()
                .filter(|a| a.name.ends_with("/SessionDuration"))
            {
                a.values = vec!["60".into()];
            }
        }
    );
    iam_inv!("iam-principal-tag", |s: &mut crate::idp::ResponseSpec| {
        s.attributes.push(Attr::new(
            "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project",
            &[&"x".repeat(300)],
        ));
    });
    iam_inv!("iam-source-identity", |s: &mut crate::idp::ResponseSpec| {
        s.attributes.push(Attr::new(
            "https://aws.amazon.com/SAML/Attributes/SourceIdentity",
            &["aws:alice"],
        ));
    });

    // Hostile: one class of the red team's findings each.
    for (name, spec) in hostile_responses(active) {
        w!(format!("hostile/{name}.xml"), spec.build());
    }

    // Signatures and hostile documents.
    let mut s = base.clone();
    s.signing = Signing::None;
    w!("invalid/unsigned.xml", &s.build());
    w!(
        "invalid/tampered-nameid.xml",
        &valid.replacen(
            &format!(">{USER}</NameID>"),
            ">admin@contoso.com</NameID>",
            1
        )
    );
    let mut s = idc_response(&keys.attacker);
    s.name_id = "admin@contoso.com".into();
    w!("invalid/key-confusion.xml", &s.build());
    let mut s = base.clone();
    s.alg = SigAlg::RsaSha1;
    w!("invalid/sha1.xml", &s.build());
    let assertion_signed = idc_response(active).build();
    let encrypted = format!(
        r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
        b64(&[7u8; 96])
    );
    let assertion_el = cut(&assertion_signed, "<Assertion ", "</Assertion>");
    w!(
        "invalid/encrypted-assertion.xml",
        &assertion_signed.replacen(assertion_el, &encrypted, 1)
    );
    w!(
        "invalid/two-assertions.xml",
        &assertion_signed
            .replacen(assertion_el, &format!("{assertion_el}{assertion_el}"), 1)
            .replacen(&base.assertion_id, "_second-assertion-0001", 1)
    );
    w!(
        "invalid/duplicate-id.xml",
        &assertion_signed.replacen(
            &format!("ID=\"{}\"", base.response_id),
            &format!("ID=\"{}\"", base.assertion_id),
            1
        )
    );
    w!("invalid/doctype.xml", &format!("<?xml version=\"1.0\"?>\n<!DOCTYPE samlp:Response [<!ENTITY user \"admin@contoso.com\">]>\n{}", valid.replacen(&format!(">{USER}</NameID>"), ">&user;</NameID>", 1)));
    let lol = (1..10)
        .map(|i| {
            format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&lol{};", i - 1).repeat(10)
            )
        })
        .collect::<String>();
    w!("invalid/billion-laughs.xml", &format!("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">{lol}]>\n<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">&lol9;</samlp:Response>"));
    let full = b64_wrapped(valid.as_bytes());
    w!("invalid/truncated.b64", &full[..full.len() * 2 / 3 + 1]);
    w!(
        "invalid/not-xml.txt",
        "<html><body>Sign in to your account</body></html>\n".trim_start_matches('<')
    );

    // XML signature wrapping, XSW1 to XSW8 (Somorovsky et al., 2012). The evil content names
    // admin@contoso.com; every one must be refused before anything is read.
    let evil_name = "admin@contoso.com";
    let mut rs = base.clone();
    rs.signing = Signing::Response;
    let response_signed = rs.build();
    let rsig = cut(&response_signed, "<ds:Signature", "</ds:Signature>").to_owned();
    let unsigned_original = response_signed.replacen(&rsig, "", 1);
    let orig_assertion = cut(&response_signed, "<Assertion ", "</Assertion>").to_owned();
    let evil_assertion = orig_assertion
        .replacen(&format!(">{USER}<"), &format!(">{evil_name}<"), 1)
        .replacen(&base.assertion_id, "_evil-assertion", 1);
    let evil_head = response_signed[..response_signed.find("<Issuer").expect("issuer")].replacen(
        &base.response_id,
        "_evil-response",
        1,
    );
    let issuer = cut(&response_signed, "<Issuer", "</Issuer>").to_owned();
    let status = cut(&response_signed, "<samlp:Status>", "</samlp:Status>").to_owned();
    let copy_body = strip_declaration(&unsigned_original).to_owned();
    // XSW1: evil Response; the signed original, unsigned, inside the Signature.
    let sig_with_copy = rsig.replacen("</ds:Signature>", &format!("{copy_body}</ds:Signature>"), 1);
    w!(
        "attacks/xsw1.xml",
        &format!("{evil_head}{issuer}{sig_with_copy}{status}{evil_assertion}</samlp:Response>")
    );
    // XSW2: the same with the copy beside the Signature (detached).
    w!(
        "attacks/xsw2.xml",
        &format!("{evil_head}{issuer}{copy_body}{rsig}{status}{evil_assertion}</samlp:Response>")
    );
    let signed_assertion = cut(&assertion_signed, "<Assertion ", "</Assertion>").to_owned();
    let asig = cut(&signed_assertion, "<Signature", "</Signature>").to_owned();
    let evil_unsigned = signed_assertion
        .replacen(&asig, "", 1)
        .replacen(&format!(">{USER}<"), &format!(">{evil_name}<"), 1)
        .replacen(&base.assertion_id, "_evil-assertion", 1);
    let clean_copy = signed_assertion.replacen(&asig, "", 1);
    let head = &assertion_signed[..assertion_signed.find("<Assertion ").expect("assertion")];
    // XSW3: evil assertion before the signed one.
    w!(
        "attacks/xsw3.xml",
        &format!("{head}{evil_unsigned}{signed_assertion}</samlp:Response>")
    );
    // XSW4: the signed assertion wrapped inside the evil one.
    w!(
        "attacks/xsw4.xml",
        &format!(
            "{head}{}</samlp:Response>",
            evil_unsigned.replacen(
                "</Assertion>",
                &format!("{signed_assertion}</Assertion>"),
                1
            )
        )
    );
    // XSW5: the signed assertion edited in place (keeps its Signature, new ID); a clean copy of
    // the original appended.
    let edited = signed_assertion
        .replacen(&format!(">{USER}<"), &format!(">{evil_name}<"), 1)
        .replacen(
            &format!("ID=\"{}\"", base.assertion_id),
            "ID=\"_evil-assertion\"",
            1,
        );
    w!(
        "attacks/xsw5.xml",
        &format!("{head}{edited}{clean_copy}</samlp:Response>")
    );
    // XSW6: as XSW5, the clean copy inside the Signature.
    let edited_sig = cut(&edited, "<Signature", "</Signature>").to_owned();
    w!(
        "attacks/xsw6.xml",
        &format!(
            "{head}{}</samlp:Response>",
            edited.replacen(
                &edited_sig,
                &edited_sig.replacen("</Signature>", &format!("{clean_copy}</Signature>"), 1),
                1
            )
        )
    );
    // XSW7: an unsigned copy with the same ID in Extensions, the original after it.
    let same_id_evil = evil_unsigned.replacen("_evil-assertion", &base.assertion_id, 1);
    let head7 = head.replacen(
        "<samlp:Status>",
        &format!("<samlp:Extensions>{same_id_evil}</samlp:Extensions><samlp:Status>"),
        1,
    );
    w!(
        "attacks/xsw7.xml",
        &format!("{head7}{signed_assertion}</samlp:Response>")
    );
    // XSW8: the original edited in place (same ID, keeps its Signature); a clean copy inside a
    // ds:Object under that Signature.
    let edited8 = signed_assertion.replacen(&format!(">{USER}<"), &format!(">{evil_name}<"), 1);
    let sig8 = cut(&edited8, "<Signature", "</Signature>").to_owned();
    w!(
        "attacks/xsw8.xml",
        &format!(
            "{head}{}</samlp:Response>",
            edited8.replacen(
                &sig8,
                &sig8.replacen(
                    "</Signature>",
                    &format!("<Object>{clean_copy}</Object></Signature>"),
                    1
                ),
                1
            )
        )
    );

    // Defence in depth: signatures libxmlsec1 itself would accept, refused by structure.
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.transforms = vec![
        format!(r#"<{{p}}Transform Algorithm="{ENVELOPED}"/>"#),
        r#"<{p}Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><{p}XPath>not(ancestor-or-self::*[local-name()='Attribute'])</{p}XPath></{p}Transform>"#.into(),
        format!(r#"<{{p}}Transform Algorithm="{EXC_C14N}"/>"#),
    ];
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/xpath-transform.xml", &s.build());
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.trailer = format!(
        r#"<{{p}}Object><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_hidden"><Issuer>{}</Issuer></Assertion></{{p}}Object>"#,
        escape(&base.issuer())
    );
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/signature-object.xml", &s.build());
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.reference_uri = format!("#xpointer(id('{}'))", base.assertion_id);
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/xpointer-reference.xml", &s.build());
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.reference_uri = String::new();
    let mut s = base.clone();
    s.signing = Signing::Response;
    let whole_doc = {
        // A Response signature over URI="" (the whole document) instead of '#ID'.
        let mut r = base.clone();
        r.signing = Signing::None;
        let unsigned = r.build();
        let mut t = Template::new(&base.response_id, SigAlg::RsaSha256, Some(active), "ds");
        t.reference_uri = String::new();
        let with_template = unsigned.replacen("</Issuer>", &format!("</Issuer>{}", t.build()), 1);
        strip_declaration(&sign(&with_template, active))
            .trim_end()
            .to_owned()
    };
    drop(s);
    w!("attacks/reference-whole-document.xml", &whole_doc);
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.transforms = vec![
        format!(r#"<{{p}}Transform Algorithm="{ENVELOPED}"/>"#),
        format!(r#"<{{p}}Transform Algorithm="{ENVELOPED}"/>"#),
        format!(r#"<{{p}}Transform Algorithm="{EXC_C14N}"/>"#),
    ];
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/repeated-transforms.xml", &s.build());
    // The assertion's signature moved into the Response's Extensions.
    let moved = assertion_signed.replacen(&asig, "", 1).replacen(
        "<samlp:Status>",
        &format!("<samlp:Extensions>{asig}</samlp:Extensions><samlp:Status>"),
        1,
    );
    w!("attacks/signature-in-extensions.xml", &moved);
    // A signature in the Assertion that references the Response (another element).
    let mut t = Template::new(&base.response_id, SigAlg::RsaSha256, Some(active), "");
    t.reference_uri = format!("#{}", base.response_id);
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    let cross = {
        let unsigned_assertion = s.assertion_xml();
        let response = s.response_xml(&unsigned_assertion);
        strip_declaration(&sign(&response, active))
            .trim_end()
            .to_owned()
    };
    w!("attacks/reference-other-element.xml", &cross);

    // Signatures laid out against the XML-DSig or SAML schema, each still mathematically
    // valid: what the digest and SignedInfo cover is unchanged. libxmlsec1 refuses the first
    // three, a verifier that reads the first element of each name would not.
    let signature_value = cut(&asig, "<SignatureValue>", "</SignatureValue>");
    let signed_info = cut(&asig, "<SignedInfo>", "</SignedInfo>");
    let in_signature =
        |from: &str, to: &str| assertion_signed.replacen(&asig, &asig.replacen(from, to, 1), 1);
    w!(
        "attacks/signature-extra-element.xml",
        &in_signature(
            "</Signature>",
            r#"<x:Note xmlns:x="urn:example:unsigned">not signed</x:Note></Signature>"#
        )
    );
    w!(
        "attacks/signature-second-signature-value.xml",
        &in_signature(signature_value, &signature_value.repeat(2))
    );
    w!(
        "attacks/signature-second-signed-info.xml",
        &in_signature(signed_info, &signed_info.repeat(2))
    );
    // The assertion's signature at the end of the Assertion, and the Response's after Status.
    w!(
        "attacks/signature-at-end-of-assertion.xml",
        &assertion_signed.replacen(&asig, "", 1).replacen(
            "</Assertion>",
            &format!("{asig}</Assertion>"),
            1
        )
    );
    w!(
        "attacks/signature-after-status.xml",
        &response_signed.replacen(&rsig, "", 1).replacen(
            "</samlp:Status>",
            &format!("</samlp:Status>{rsig}"),
            1
        )
    );
    // An xml:id (which libxml2 indexes as an ID) equal to the signed Assertion's ID.
    w!(
        "attacks/xml-id-duplicate.xml",
        &assertion_signed.replacen(
            "<samlp:Status>",
            &format!(r#"<samlp:Status xml:id="{}">"#, base.assertion_id),
            1
        )
    );
    // Inclusive canonicalization (C14N 1.0), which libxmlsec1 verifies and samlbridge
    // refuses in responses: named, and implied by a Reference with no canonicalization.
    const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.canonicalization = C14N_10;
    t.transforms[1] = format!(r#"<{{p}}Transform Algorithm="{C14N_10}"/>"#);
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/inclusive-c14n.xml", &s.build());
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.transforms.truncate(1);
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("attacks/implicit-inclusive-c14n.xml", &s.build());

    // Legitimate documents: a PrefixList naming 17 prefixes, and plain ASCII declared as
    // ISO-8859-1.
    let prefixes: Vec<String> = (1..=17).map(|i| format!("p{i}")).collect();
    let mut t = Template::new(&base.assertion_id, SigAlg::RsaSha256, Some(active), "");
    t.transforms[1] = format!(
        r#"<{{p}}Transform Algorithm="{EXC_C14N}"><ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{}"/></{{p}}Transform>"#,
        prefixes.join(" ")
    );
    let mut s = base.clone();
    s.assertion_template = Some(t.build());
    w!("valid/prefix-list-17.xml", &s.build());
    w!(
        "valid/declared-iso-8859-1.xml",
        &format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n{valid}")
    );
    let _ = DSIG;
}

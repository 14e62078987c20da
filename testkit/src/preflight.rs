//! Cutover scenarios for `samlbridge preflight`: an Entra tenant (the [`GraphTenant`] stand-in)
//! and the IAM Identity Center that matches it, both consistent with the shipped test data
//! (`testdata/metadata/identity-center-sp.xml` and `testdata/metadata/entra-app.xml`). Start
//! from [`Scenario::clean`], which preflight finds go, and break what a scenario needs.

use crate::graph::{self as g, GraphGroup, GraphTenant};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

/// Identity Center's entityID in `identity-center-sp.xml`.
pub const ENTITY_ID: &str = "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c";
/// Its ACS URLs, in index order (the first is its default).
pub const ACS: [&str; 3] = [
    "https://eu-west-1.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e",
    "https://eu-west-1.signin.aws.amazon.com/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e",
    "https://eu-west-1.sso.signin.aws/platform/saml/acs/4455422d84a27c9f-9f18-41fa-81b4-769660979b1e",
];
/// The SHA-1 thumbprint of the signing certificate in `entra-app.xml`, and its validity.
pub const THUMBPRINT: &str = "0400299F422E4DE4FA21199A5A08A1581E350153";
pub const CERT_START: &str = "2026-01-05T09:00:00Z";
pub const CERT_END: &str = "2029-01-04T09:00:00Z";

pub const IDENTITY_STORE_ID: &str = "d-93670a1b2c";
pub const INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6";
/// The issuer Identity Center's SCIM endpoint writes into the ExternalIds it creates.
pub const SCIM_ISSUER: &str =
    "https://scim.eu-west-1.amazonaws.com/1a2b3c4d5e6f-7a8b-9c0d-1e2f3a4b5c6d";

/// The one assigned group of the clean tenant.
pub const ENGINEERS: &str = "22222222-0000-4000-8000-000000000010";

/// An Identity Center user as `aws identitystore list-users` writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IcUser {
    pub user_name: String,
    pub user_id: String,
    /// What SCIM provisioning set: the Entra object id. Empty for a user made by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_ids: Vec<Value>,
    pub name: Value,
    pub display_name: String,
    pub emails: Vec<Value>,
    pub identity_store_id: String,
}

/// Both sides of a cutover.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub tenant: GraphTenant,
    pub identity_users: Vec<IcUser>,
}

/// Alice and Dave assigned directly; Bob and Carol through the group Engineers.
const PEOPLE: [(&str, &str, &str, &str); 4] = [
    (g::ALICE, "alice", "Alice", "Archer"),
    (g::BOB, "bob", "Bob", "Baker"),
    (g::CAROL, "carol", "Carol", "Cole"),
    (g::DAVE, "dave", "Dave", "Dunn"),
];

impl Scenario {
    /// A tenant ready for cutover: the application's Identifier, reply URLs and signing
    /// certificate are those of the shipped metadata; every user has a name, surname, display
    /// name and mail; assignment is required, directly and through one group without nesting;
    /// provisioning fills userName from userPrincipalName, the NameID's source; and Identity
    /// Center holds each assigned user under its user principal name, with its object id as
    /// ExternalId.
    pub fn clean() -> Self {
        let mut tenant = GraphTenant::fixture();
        tenant.page_size = 100;
        tenant.throttle_once = None;
        let sp = &mut tenant.service_principal;
        sp["replyUrls"] = json!(ACS);
        sp["preferredTokenSigningKeyThumbprint"] = THUMBPRINT.into();
        sp["loginUrl"] = "https://d-93670a1b2c.awsapps.com/start".into();
        sp["notificationEmailAddresses"] =
            json!(["identity-team@contoso.example", "cloud-ops@contoso.example"]);
        sp["keyCredentials"] = json!([
            key_credential(THUMBPRINT, CERT_START, CERT_END, "Verify"),
            key_credential(THUMBPRINT, CERT_START, CERT_END, "Sign"),
        ]);
        tenant.application["identifierUris"] = json!([ENTITY_ID]);
        tenant.application["web"]["redirectUris"] = json!(ACS);
        tenant.application["web"]["redirectUriSettings"] = ACS
            .iter()
            .enumerate()
            .map(|(i, uri)| json!({"uri": uri, "index": i}))
            .collect();
        tenant.users = PEOPLE
            .iter()
            .map(|(id, login, given, surname)| {
                json!({
                    "id": id,
                    "userPrincipalName": format!("{login}@contoso.example"),
                    "mail": format!("{login}@contoso.example"),
                    "givenName": given,
                    "surname": surname,
                    "displayName": format!("{given} {surname}"),
                    "userType": "Member",
                    "employeeId": null,
                    "onPremisesSamAccountName": null,
                    "otherMails": [],
                    "accountEnabled": true,
                })
            })
            .collect();
        tenant.groups = vec![GraphGroup {
            id: ENGINEERS.to_owned(),
            display_name: "AWS Engineers".to_owned(),
            members: vec![g::BOB.to_owned(), g::CAROL.to_owned()],
        }];
        tenant.assignments = vec![
            g::ALICE.to_owned(),
            g::DAVE.to_owned(),
            ENGINEERS.to_owned(),
        ];
        let identity_users = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, (id, login, given, surname))| {
                ic_user(
                    &format!("{login}@contoso.example"),
                    &format!("9067{i:06}-aaaa-4bbb-8ccc-dddddddddddd"),
                    Some(id),
                    given,
                    surname,
                )
            })
            .collect();
        Scenario {
            tenant,
            identity_users,
        }
    }

    /// The Entra user `id` (panics when the tenant has none: a scenario's mistake).
    pub fn user(&mut self, id: &str) -> &mut Value {
        self.tenant
            .users
            .iter_mut()
            .find(|u| u["id"] == id)
            .unwrap_or_else(|| panic!("no Entra user {id}"))
    }

    /// The Identity Center user whose ExternalId is the Entra user `id`.
    pub fn identity_user(&mut self, id: &str) -> &mut IcUser {
        self.identity_users
            .iter_mut()
            .find(|u| u.external_ids.iter().any(|e| e["Id"] == id))
            .unwrap_or_else(|| panic!("no Identity Center user for {id}"))
    }

    /// What `aws sso-admin list-instances` prints for the account.
    pub fn list_instances(&self) -> Value {
        json!({"Instances": [{
            "InstanceArn": INSTANCE_ARN,
            "IdentityStoreId": IDENTITY_STORE_ID,
            "OwnerAccountId": "123456789012",
            "Name": "contoso",
            "CreatedDate": "2025-05-01T10:00:00.000000+00:00",
            "Status": "ACTIVE"
        }]})
    }

    /// What `aws identitystore list-users` prints for the identity store.
    pub fn list_users(&self) -> Value {
        json!({ "Users": self.identity_users })
    }

    /// Writes Identity Center as the AWS CLI saves it for `preflight --aws DIR`.
    pub fn write_aws(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("list-instances.json"),
            cli_json(&self.list_instances()),
        )?;
        std::fs::write(dir.join("list-users.json"), cli_json(&self.list_users()))
    }
}

/// A SAML signing certificate entry of a service principal's keyCredentials.
pub fn key_credential(thumbprint: &str, start: &str, end: &str, usage: &str) -> Value {
    json!({
        "customKeyIdentifier": thumbprint,
        "displayName": "CN=Microsoft Azure Federated SSO Certificate",
        "endDateTime": end,
        "key": null,
        "keyId": format!("{}-1111-4222-8333-{}", &thumbprint[..8].to_ascii_lowercase(), if usage == "Sign" { "aaaabbbbcccc" } else { "ccccbbbbaaaa" }),
        "startDateTime": start,
        "type": if usage == "Sign" { "X509CertAndPassword" } else { "AsymmetricX509Cert" },
        "usage": usage,
    })
}

/// An Identity Center user; `external_id`: the Entra object id SCIM provisioning recorded.
pub fn ic_user(
    user_name: &str,
    user_id: &str,
    external_id: Option<&str>,
    given: &str,
    family: &str,
) -> IcUser {
    IcUser {
        user_name: user_name.to_owned(),
        user_id: user_id.to_owned(),
        external_ids: external_id
            .map(|id| json!({"Issuer": SCIM_ISSUER, "Id": id}))
            .into_iter()
            .collect(),
        name: json!({"FamilyName": family, "GivenName": given}),
        display_name: format!("{given} {family}"),
        emails: vec![json!({"Value": user_name, "Type": "work", "Primary": true})],
        identity_store_id: IDENTITY_STORE_ID.to_owned(),
    }
}

/// JSON as the AWS CLI prints it: four-space indentation and a final newline.
fn cli_json(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    v.serialize(&mut ser).expect("JSON in memory");
    out.push(b'\n');
    out
}

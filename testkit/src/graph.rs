//! A Microsoft Graph stand-in over real TLS: a tenant's service principal, application, claims
//! policy, assignments, groups, users and provisioning job, answered in the shapes Graph
//! documents, with paging through `@odata.nextLink`, a 429 with `Retry-After`, and Graph's
//! error body for a denied call. Build a [`GraphTenant`] (or start from
//! [`GraphTenant::fixture`]), change what a scenario needs, and [`GraphTenant::serve`] it.

use crate::https::{Reply, Request, Server};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A group: its ID, name and direct members (IDs of users or groups of the tenant).
#[derive(Debug, Clone)]
pub struct GraphGroup {
    pub id: String,
    pub display_name: String,
    pub members: Vec<String>,
}

/// The tenant the stand-in serves.
#[derive(Debug, Clone)]
pub struct GraphTenant {
    /// The token requests must carry (`Authorization: Bearer <token>`).
    pub token: String,
    /// The service principal, as `GET /v1.0/servicePrincipals(appId='…')` answers it.
    pub service_principal: Value,
    /// The application, as `GET /v1.0/applications(appId='…')` answers it.
    pub application: Value,
    /// The customClaimsPolicy; `None`: 404.
    pub claims_policy: Option<Value>,
    /// Users as `GET /v1.0/users` answers them (every attribute; `$select` picks).
    pub users: Vec<Value>,
    pub groups: Vec<GraphGroup>,
    /// Principals assigned to the application: IDs of users or groups.
    pub assignments: Vec<String>,
    /// Provisioning jobs (synchronizationJob objects).
    pub sync_jobs: Vec<Value>,
    /// The first job's synchronizationSchema; `None`: 404.
    pub sync_schema: Option<Value>,
    /// Entries per page of every collection.
    pub page_size: usize,
    /// The first request whose path contains this answers 429 with `Retry-After: 1`.
    pub throttle_once: Option<String>,
    /// Requests whose path contains this answer 403 with Graph's error body.
    pub deny: Option<String>,
    /// Next-page links name this host (and port) instead of the one asked.
    pub next_link_host: Option<String>,
}

pub const TENANT_ID: &str = "7a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c5d";
pub const APP_ID: &str = "5b9e2f61-3c4d-4e8f-a1b2-c3d4e5f60718";
pub const SP_ID: &str = "c0ffee00-1111-4222-8333-444455556666";
pub const APPLICATION_ID: &str = "a99a0000-1111-4222-8333-444455556666";
pub const JOB_ID: &str =
    "AWSSCIM.5b9e2f613c4d4e8fa1b2c3d4e5f60718.7a1d2c3b4e5f4a6b9c8d0e1f2a3b4c5d";
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.graph-stand-in.token";

/// Fixture user IDs.
pub const ALICE: &str = "11111111-0000-4000-8000-000000000001";
pub const BOB: &str = "11111111-0000-4000-8000-000000000002";
pub const CAROL: &str = "11111111-0000-4000-8000-000000000003";
pub const DAVE: &str = "11111111-0000-4000-8000-000000000004";
pub const ERIN: &str = "11111111-0000-4000-8000-000000000005";
/// The assigned group, and the group nested in it.
pub const ADMINS: &str = "22222222-0000-4000-8000-000000000001";
pub const NESTED: &str = "22222222-0000-4000-8000-000000000002";

fn user(id: &str, upn: &str, mail: Option<&str>, given: &str, surname: &str, guest: bool) -> Value {
    json!({
        "id": id,
        "userPrincipalName": upn,
        "mail": mail,
        "givenName": given,
        "surname": surname,
        "displayName": format!("{given} {surname}"),
        "userType": if guest { "Guest" } else { "Member" },
        "employeeId": null,
        "onPremisesSamAccountName": null,
        "otherMails": [],
        "accountEnabled": true,
        "jobTitle": "Engineer",
    })
}

impl GraphTenant {
    /// A SAML application for IAM Identity Center in Contoso's tenant: Alice and Dave assigned
    /// directly, the group AWS Admins (Bob, Carol, a guest, and the nested group Ops whose
    /// member is Erin), a provisioning job mapping `userName` from `userPrincipalName`. Two
    /// entries per page; the first app-role-assignments page is throttled once.
    pub fn fixture() -> Self {
        let acs = "https://eu-west-1.signin.aws.amazon.com/platform/saml/acs/3f5e8a1b-2c4d-4e6f-8a9b-0c1d2e3f4a5b";
        let entity = "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-9367123abc";
        GraphTenant {
            token: TOKEN.to_owned(),
            service_principal: json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity",
                "id": SP_ID,
                "appId": APP_ID,
                "appDisplayName": "AWS IAM Identity Center",
                "displayName": "AWS IAM Identity Center",
                "accountEnabled": true,
                "appRoleAssignmentRequired": true,
                "loginUrl": "https://d-9367123abc.awsapps.com/start",
                "notificationEmailAddresses": ["identity-team@contoso.example"],
                "preferredSingleSignOnMode": "saml",
                "preferredTokenSigningKeyThumbprint": "7C0B5E0D6A1F2E3D4C5B6A798877665544332211",
                "replyUrls": [acs],
                "samlSingleSignOnSettings": {"relayState": null},
                "servicePrincipalType": "Application",
                "keyCredentials": [
                    {
                        "customKeyIdentifier": "7C0B5E0D6A1F2E3D4C5B6A798877665544332211",
                        "displayName": "CN=Microsoft Azure Federated SSO Certificate",
                        "endDateTime": "2028-03-01T10:00:00Z",
                        "key": null,
                        "keyId": "0d9a5f6e-1111-4222-8333-aaaabbbbcccc",
                        "startDateTime": "2025-03-01T10:00:00Z",
                        "type": "AsymmetricX509Cert",
                        "usage": "Verify"
                    },
                    {
                        "customKeyIdentifier": "7C0B5E0D6A1F2E3D4C5B6A798877665544332211",
                        "displayName": "CN=Microsoft Azure Federated SSO Certificate",
                        "endDateTime": "2028-03-01T10:00:00Z",
                        "key": null,
                        "keyId": "1e8b4c7d-1111-4222-8333-aaaabbbbcccc",
                        "startDateTime": "2025-03-01T10:00:00Z",
                        "type": "X509CertAndPassword",
                        "usage": "Sign"
                    }
                ]
            }),
            application: json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
                "id": APPLICATION_ID,
                "appId": APP_ID,
                "displayName": "AWS IAM Identity Center",
                "identifierUris": [entity],
                "web": {
                    "homePageUrl": null,
                    "logoutUrl": null,
                    "redirectUris": [acs],
                    "redirectUriSettings": [{"uri": acs, "index": null}]
                }
            }),
            claims_policy: Some(json!({
                "@odata.context": format!("https://graph.microsoft.com/beta/$metadata#servicePrincipals('{SP_ID}')/claimsPolicy/$entity"),
                "id": "4c4f8d2e-1111-4222-8333-444455556666",
                "includeBasicClaimSet": true,
                "includeApplicationIdInIssuer": false,
                "audienceOverride": null,
                "claims": [
                    {
                        "@odata.type": "#microsoft.graph.samlNameIdClaim",
                        "nameIdFormat": "emailAddress",
                        "configurations": [{"attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "userprincipalname", "source": "user"}, "transformations": []}]
                    },
                    {
                        "@odata.type": "#microsoft.graph.customClaim",
                        "name": "Email",
                        "namespace": "https://aws.amazon.com/SAML/Attributes/AccessControl",
                        "tokenFormat": ["saml"],
                        "configurations": [{"attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "mail", "source": "user"}, "transformations": []}]
                    }
                ]
            })),
            users: vec![
                user(
                    ALICE,
                    "alice@contoso.example",
                    Some("alice@contoso.example"),
                    "Alice",
                    "Archer",
                    false,
                ),
                user(
                    BOB,
                    "bob@contoso.example",
                    Some("bob@contoso.example"),
                    "Bob",
                    "Baker",
                    false,
                ),
                user(
                    CAROL,
                    "carol_fabrikam.example#EXT#@contoso.onmicrosoft.com",
                    Some("carol@fabrikam.example"),
                    "Carol",
                    "Cole",
                    true,
                ),
                user(DAVE, "dave@contoso.example", None, "Dave", "Dunn", false),
                user(
                    ERIN,
                    "erin@contoso.example",
                    Some("erin@contoso.example"),
                    "Erin",
                    "Ellis",
                    false,
                ),
            ],
            groups: vec![
                GraphGroup {
                    id: ADMINS.to_owned(),
                    display_name: "AWS Admins".to_owned(),
                    members: vec![BOB.to_owned(), CAROL.to_owned(), NESTED.to_owned()],
                },
                GraphGroup {
                    id: NESTED.to_owned(),
                    display_name: "Ops".to_owned(),
                    members: vec![ERIN.to_owned()],
                },
            ],
            assignments: vec![ALICE.to_owned(), DAVE.to_owned(), ADMINS.to_owned()],
            sync_jobs: vec![json!({
                "id": JOB_ID,
                "templateId": "aWSSingleSignOn",
                "schedule": {"expiration": null, "interval": "PT40M", "state": "Active"},
                "status": {
                    "code": "Active",
                    "countSuccessiveCompleteFailures": 0,
                    "escrowsPruned": false,
                    "quarantine": null,
                    "lastExecution": {"state": "Succeeded", "timeBegan": "2026-01-10T08:00:00Z", "timeEnded": "2026-01-10T08:01:00Z", "error": null}
                },
                "synchronizationJobSettings": []
            })],
            sync_schema: Some(json!({
                "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('{SP_ID}')/synchronization/jobs('{JOB_ID}')/schema/$entity"),
                "id": JOB_ID,
                "version": "Date:2026-01-01",
                "synchronizationRules": [{
                    "id": "0a1b2c3d",
                    "name": "USER_OUTBOUND_USER",
                    "sourceDirectoryName": "Azure Active Directory",
                    "targetDirectoryName": "customappsso",
                    "objectMappings": [
                        {
                            "enabled": true,
                            "flowTypes": "Add, Update, Delete",
                            "name": "Provision Azure Active Directory Users",
                            "sourceObjectName": "User",
                            "targetObjectName": "User",
                            "attributeMappings": [
                                {"targetAttributeName": "userName", "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 1,
                                 "source": {"expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute"}},
                                {"targetAttributeName": "active", "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 0,
                                 "source": {"expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")", "name": "Switch", "parameters": [], "type": "Function"}},
                                {"targetAttributeName": "name.givenName", "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 0,
                                 "source": {"expression": "[givenName]", "name": "givenName", "parameters": [], "type": "Attribute"}}
                            ]
                        },
                        {
                            "enabled": true,
                            "flowTypes": "Add, Update, Delete",
                            "name": "Provision Azure Active Directory Groups",
                            "sourceObjectName": "Group",
                            "targetObjectName": "Group",
                            "attributeMappings": [
                                {"targetAttributeName": "displayName", "source": {"expression": "[displayName]", "name": "displayName", "parameters": [], "type": "Attribute"}}
                            ]
                        }
                    ]
                }]
            })),
            page_size: 2,
            throttle_once: Some("/appRoleAssignedTo".to_owned()),
            deny: None,
            next_link_host: None,
        }
    }

    /// Starts the stand-in on 127.0.0.1 with its own test CA.
    pub fn serve(&self) -> GraphServer {
        let tenant = Arc::new(self.clone());
        let throttled = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let answered = log.clone();
        let server = Server::start(move |req| {
            let (status, reply) = tenant.answer(req, &throttled);
            answered.lock().unwrap().push((status, req.target.clone()));
            reply
        });
        GraphServer { server, log }
    }

    /// What `users[]` holds for `id`, or a group's entry.
    fn principal(&self, id: &str) -> Option<(&'static str, String)> {
        if let Some(u) = self.users.iter().find(|u| u["id"] == id) {
            return Some((
                "user",
                u["displayName"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| ("group", g.display_name.clone()))
    }

    fn answer(&self, req: &Request, throttled: &AtomicBool) -> (u16, Reply) {
        let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
        let query: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if req.header("Authorization") != Some(&format!("Bearer {}", self.token)) {
            return error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty or invalid.",
            );
        }
        if let Some(deny) = &self.deny {
            if path.contains(deny.as_str()) {
                return error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                );
            }
        }
        if let Some(t) = &self.throttle_once {
            if path.contains(t.as_str()) && !throttled.swap(true, Ordering::SeqCst) {
                let body = graph_error(
                    "TooManyRequests",
                    "Too many requests from the application; retry after the time in the Retry-After header.",
                );
                return (
                    429,
                    Reply::raw(
                        format!(
                            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .into_bytes(),
                    ),
                );
            }
        }
        let app_id = self.service_principal["appId"].as_str().unwrap_or_default();
        let sp_id = self.service_principal["id"].as_str().unwrap_or_default();
        let sp = format!("/v1.0/servicePrincipals/{sp_id}");
        let host = self
            .next_link_host
            .as_deref()
            .or(req.header("Host"))
            .unwrap_or("127.0.0.1");
        let page =
            |entries: Vec<Value>, context: &str| self.page(entries, context, host, path, &query);
        if path == format!("/v1.0/servicePrincipals(appId='{app_id}')") {
            return ok(self.service_principal.clone());
        }
        if path == format!("/v1.0/applications(appId='{app_id}')") {
            return ok(self.application.clone());
        }
        if path == format!("/beta/servicePrincipals/{sp_id}/claimsPolicy") {
            return match &self.claims_policy {
                Some(p) => ok(p.clone()),
                None => not_found(),
            };
        }
        if path == format!("{sp}/appRoleAssignedTo") {
            let entries = self
                .assignments
                .iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    let (kind, name) = self.principal(id)?;
                    Some(json!({
                        "id": format!("assignment-{i}"),
                        "deletedDateTime": null,
                        "appRoleId": "00000000-0000-0000-0000-000000000000",
                        "createdDateTime": "2025-06-01T09:00:00Z",
                        "principalDisplayName": name,
                        "principalId": id,
                        "principalType": if kind == "user" { "User" } else { "Group" },
                        "resourceDisplayName": "AWS IAM Identity Center",
                        "resourceId": sp_id,
                    }))
                })
                .collect();
            return page(entries, "appRoleAssignments");
        }
        if let Some(group) = path
            .strip_prefix("/v1.0/groups/")
            .and_then(|p| p.strip_suffix("/members"))
        {
            let Some(g) = self.groups.iter().find(|g| g.id == group) else {
                return not_found();
            };
            let entries = g
                .members
                .iter()
                .filter_map(|id| {
                    let (kind, name) = self.principal(id)?;
                    Some(json!({"@odata.type": format!("#microsoft.graph.{kind}"), "id": id, "displayName": name}))
                })
                .collect();
            return page(entries, "directoryObjects(id,displayName)");
        }
        if path == "/v1.0/users" {
            let filter = query.get("$filter").cloned().unwrap_or_default();
            let wanted: Vec<&str> = filter.split('\'').skip(1).step_by(2).collect();
            let select: Vec<&str> = query
                .get("$select")
                .map(|s| s.split(',').collect())
                .unwrap_or_default();
            let entries = self
                .users
                .iter()
                .filter(|u| wanted.iter().any(|w| u["id"] == *w))
                .map(|u| project(u, &select))
                .collect();
            return page(entries, "users");
        }
        if path == format!("{sp}/synchronization/jobs") {
            return page(
                self.sync_jobs.clone(),
                "servicePrincipals/synchronization/jobs",
            );
        }
        if let Some(job) = path
            .strip_prefix(&format!("{sp}/synchronization/jobs/"))
            .and_then(|p| p.strip_suffix("/schema"))
        {
            let first = self.sync_jobs.first().and_then(|j| j["id"].as_str());
            return match (&self.sync_schema, first) {
                (Some(schema), Some(id)) if id == job => ok(schema.clone()),
                _ => not_found(),
            };
        }
        not_found()
    }

    /// One page of a collection, from `$skiptoken` (an offset here), with the link to the next.
    fn page(
        &self,
        entries: Vec<Value>,
        context: &str,
        host: &str,
        path: &str,
        query: &BTreeMap<String, String>,
    ) -> (u16, Reply) {
        let from: usize = query
            .get("$skiptoken")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let size = self.page_size.max(1);
        let mut doc = Map::new();
        doc.insert(
            "@odata.context".into(),
            format!("https://graph.microsoft.com/v1.0/$metadata#{context}").into(),
        );
        if from + size < entries.len() {
            let mut next = url::Url::parse(&format!("https://{host}{path}")).expect("a URL");
            {
                let mut pairs = next.query_pairs_mut();
                for (k, v) in query.iter().filter(|(k, _)| *k != "$skiptoken") {
                    pairs.append_pair(k, v);
                }
                pairs.append_pair("$skiptoken", &(from + size).to_string());
            }
            doc.insert("@odata.nextLink".into(), next.to_string().into());
        }
        doc.insert(
            "value".into(),
            entries.into_iter().skip(from).take(size).collect(),
        );
        ok(Value::Object(doc))
    }
}

/// `$select`: the properties asked for (all when none are).
fn project(user: &Value, select: &[&str]) -> Value {
    if select.is_empty() {
        return user.clone();
    }
    Value::Object(
        select
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    user.get(*k).cloned().unwrap_or(Value::Null),
                )
            })
            .collect(),
    )
}

fn ok(v: Value) -> (u16, Reply) {
    (
        200,
        Reply::status(200, "application/json; charset=utf-8", v.to_string()),
    )
}

fn graph_error(code: &str, message: &str) -> String {
    json!({"error": {
        "code": code,
        "message": message,
        "innerError": {"date": "2026-01-10T08:00:00", "request-id": "5c3f6a1e-0000-4000-8000-000000000000", "client-request-id": "5c3f6a1e-0000-4000-8000-000000000000"}
    }})
    .to_string()
}

fn error(status: u16, code: &str, message: &str) -> (u16, Reply) {
    (
        status,
        Reply::status(status, "application/json", graph_error(code, message)),
    )
}

fn not_found() -> (u16, Reply) {
    error(
        404,
        "Request_ResourceNotFound",
        "Resource does not exist or one of its queried reference-property objects are not present.",
    )
}

/// The stand-in, running; it stops when dropped.
pub struct GraphServer {
    pub server: Server,
    log: Arc<Mutex<Vec<(u16, String)>>>,
}

impl GraphServer {
    /// The base URL, for `--graph-endpoint`.
    pub fn url(&self) -> String {
        self.server.url("/")
    }

    /// The test CA's certificate, PEM, for `--ca-file`.
    pub fn ca_pem(&self) -> Vec<u8> {
        self.server.ca_pem()
    }

    /// Every request answered: its status and target (path and query), in order.
    pub fn answered(&self) -> Vec<(u16, String)> {
        self.log.lock().unwrap().clone()
    }
}

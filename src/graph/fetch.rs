//! Reading an Entra application from Microsoft Graph: one call after another through the
//! caller's [`Fetcher`] (which waits out 429 answers and their `Retry-After` within its
//! deadline), collections followed page by page through `@odata.nextLink` on Graph's own host
//! only, and every collection bounded in pages and items.

use super::{graph_error_body, EntraExport, GraphError, GraphToken};
use crate::entra::{is_guid, AppId, ObjectId};
use crate::http::{FetchError, Fetcher};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use url::Url;

/// Bounds on what one export reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most pages of one collection.
    pub max_pages: usize,
    /// Most entries of one collection, and most users read.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pages: 5_000,
            max_items: 200_000,
        }
    }
}

/// The users' attributes read: those a claim mapping or provisioning may use.
const USER_SELECT: &str = "id,userPrincipalName,mail,givenName,surname,displayName,userType,employeeId,onPremisesSamAccountName,otherMails,accountEnabled";
/// Users are read by ID, this many per request (`$filter=id in (…)`).
const USERS_PER_REQUEST: usize = 15;

const APPLICATION_READ: &str = "Application.Read.All";
const POLICY_READ: &str = "Policy.Read.All";
const GROUP_MEMBER_READ: &str = "GroupMember.Read.All";
const USER_READ: &str = "User.Read.All (or Directory.Read.All)";
const SYNC_READ: &str = "Synchronization.Read.All";

/// GETs `{graph}/beta/servicePrincipals/{id}/claimsPolicy`: the URL that answered and the
/// body. `graph` is `https://graph.microsoft.com/` outside tests.
pub fn fetch_claims_policy(
    fetcher: &Fetcher,
    graph: &Url,
    service_principal_id: &ObjectId,
    token: &GraphToken,
) -> Result<(String, Vec<u8>), FetchError> {
    let url = graph
        .join(&format!(
            "beta/servicePrincipals/{service_principal_id}/claimsPolicy"
        ))
        .map_err(|_| FetchError::NotHttps(graph.to_string()))?;
    let fetched = fetcher.get_with(
        &url,
        &[
            ("Authorization", &token.authorization()),
            ("Accept", "application/json"),
        ],
    )?;
    Ok((fetched.url.to_string(), fetched.bytes))
}

/// One export's reading: the client, Graph's base URL and the token.
struct Reader<'a> {
    fetcher: &'a Fetcher,
    base: Url,
    token: &'a GraphToken,
    limits: Limits,
    progress: &'a dyn Fn(&str),
}

fn mapped(e: FetchError, what: &'static str, permission: &'static str) -> GraphError {
    match e {
        FetchError::Status {
            status: status @ (401 | 403),
            url,
            body,
            ..
        } => {
            let (code, message) = graph_error_body(&body);
            GraphError::Denied {
                what,
                url,
                status,
                permission,
                code,
                message,
            }
        }
        FetchError::Status {
            status: 404,
            url,
            body,
            ..
        } => {
            let (code, message) = graph_error_body(&body);
            GraphError::NotFound {
                what,
                url,
                code,
                message,
            }
        }
        source => GraphError::Fetch { what, source },
    }
}

impl Reader<'_> {
    /// `{base}/{segments…}`, each segment percent-encoded as a path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn get(
        &self,
        url: &Url,
        what: &'static str,
        permission: &'static str,
    ) -> Result<Value, GraphError> {
        let fetched = self
            .fetcher
            .get_with(
                url,
                &[
                    ("Authorization", &self.token.authorization()),
                    ("Accept", "application/json"),
                ],
            )
            .map_err(|e| mapped(e, what, permission))?;
        let value: Value =
            serde_json::from_slice(&fetched.bytes).map_err(|e| GraphError::Unexpected {
                what,
                url: fetched.url.to_string(),
                detail: format!("not JSON: {e}"),
            })?;
        if !value.is_object() {
            return Err(GraphError::Unexpected {
                what,
                url: fetched.url.to_string(),
                detail: "not a JSON object".into(),
            });
        }
        Ok(value)
    }

    /// Every page of a collection, from `url` on through `@odata.nextLink`.
    fn collect(
        &self,
        mut url: Url,
        what: &'static str,
        permission: &'static str,
        out: &mut Vec<Value>,
    ) -> Result<(), GraphError> {
        let start = out.len();
        for page in 1.. {
            if page > self.limits.max_pages {
                return Err(GraphError::TooMany {
                    what,
                    limit: self.limits.max_pages,
                    unit: "pages",
                });
            }
            if page > 1 {
                (self.progress)(&format!("{what}: page {page}"));
            }
            let mut body = self.get(&url, what, permission)?;
            let Some(Value::Array(entries)) = body.get_mut("value").map(Value::take) else {
                return Err(GraphError::Unexpected {
                    what,
                    url: url.to_string(),
                    detail: "no \"value\" array".into(),
                });
            };
            if out.len() - start + entries.len() > self.limits.max_items {
                return Err(GraphError::TooMany {
                    what,
                    limit: self.limits.max_items,
                    unit: "entries",
                });
            }
            out.extend(entries);
            match body.get("@odata.nextLink") {
                None | Some(Value::Null) => return Ok(()),
                Some(Value::String(link)) => url = self.next(link, what)?,
                Some(_) => {
                    return Err(GraphError::Unexpected {
                        what,
                        url: url.to_string(),
                        detail: "@odata.nextLink is not a string".into(),
                    })
                }
            }
        }
        Ok(())
    }

    /// A next-page link, followed only on Graph's own scheme, host and port: the token goes
    /// with it.
    fn next(&self, link: &str, what: &'static str) -> Result<Url, GraphError> {
        let foreign = || GraphError::ForeignLink {
            what,
            link: link.chars().take(300).collect(),
            host: self.base.host_str().unwrap_or_default().to_owned(),
        };
        let url = Url::parse(link).map_err(|_| foreign())?;
        let same = url.scheme() == "https"
            && url.host_str().map(str::to_ascii_lowercase)
                == self.base.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none();
        if same {
            Ok(url)
        } else {
            Err(foreign())
        }
    }

    fn collection(
        &self,
        url: Url,
        what: &'static str,
        permission: &'static str,
    ) -> Result<Value, GraphError> {
        let mut all = Vec::new();
        self.collect(url, what, permission, &mut all)?;
        Ok(json!({ "value": all }))
    }

    /// An object ID Graph gave, checked before it goes into a URL.
    fn id<'v>(&self, v: &'v Value, what: &'static str) -> Result<&'v str, GraphError> {
        v.as_str()
            .filter(|s| is_guid(s))
            .ok_or_else(|| GraphError::Unexpected {
                what,
                url: self.base.to_string(),
                detail: format!("{v} is not an object ID"),
            })
    }
}

impl EntraExport {
    /// Reads everything `preflight` needs about the application `app_id` from Microsoft
    /// Graph at `graph` (`https://graph.microsoft.com/` or the national cloud's host), with
    /// the default [`Limits`]. `progress` hears what is being read.
    pub fn fetch(
        fetcher: &Fetcher,
        graph: &Url,
        app_id: &AppId,
        token: &GraphToken,
        progress: &dyn Fn(&str),
    ) -> Result<EntraExport, GraphError> {
        Self::fetch_limited(fetcher, graph, app_id, token, Limits::default(), progress)
    }

    /// [`EntraExport::fetch`] within `limits`.
    pub fn fetch_limited(
        fetcher: &Fetcher,
        graph: &Url,
        app_id: &AppId,
        token: &GraphToken,
        limits: Limits,
        progress: &dyn Fn(&str),
    ) -> Result<EntraExport, GraphError> {
        let mut base = graph.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let r = Reader {
            fetcher,
            base,
            token,
            limits,
            progress,
        };
        let mut export = EntraExport::default();

        progress("service principal");
        let app = app_id.to_string();
        let sp = r.get(
            &r.url(&["v1.0", &format!("servicePrincipals(appId='{app}')")]),
            "the service principal",
            APPLICATION_READ,
        )?;
        let sp_id = r.id(&sp["id"], "the service principal")?.to_owned();
        export.service_principal = Some(sp);

        progress("application");
        export.application = Some(r.get(
            &r.url(&["v1.0", &format!("applications(appId='{app}')")]),
            "the application",
            APPLICATION_READ,
        )?);

        progress("claims policy");
        let object_id: ObjectId = sp_id.parse().map_err(|_| GraphError::Unexpected {
            what: "the service principal",
            url: graph.to_string(),
            detail: format!("{sp_id} is not an object ID"),
        })?;
        let what = "the claims policy";
        export.claims_policy = match fetch_claims_policy(fetcher, &r.base, &object_id, token) {
            Ok((url, bytes)) => {
                Some(
                    serde_json::from_slice(&bytes).map_err(|e| GraphError::Unexpected {
                        what,
                        url,
                        detail: format!("not JSON: {e}"),
                    })?,
                )
            }
            // No custom policy: the application issues Entra's default claims.
            Err(e) => match mapped(e, what, POLICY_READ) {
                GraphError::NotFound { .. } => None,
                e => return Err(e),
            },
        };

        progress("app role assignments");
        let assignments = r.collection(
            r.url(&["v1.0", "servicePrincipals", &sp_id, "appRoleAssignedTo"]),
            "the app role assignments",
            APPLICATION_READ,
        )?;
        let mut user_ids = BTreeSet::new();
        let mut group_ids = BTreeSet::new();
        for a in assignments["value"].as_array().into_iter().flatten() {
            let kind = a["principalType"].as_str().unwrap_or_default();
            if kind.eq_ignore_ascii_case("User") {
                user_ids.insert(
                    r.id(&a["principalId"], "an app role assignment")?
                        .to_owned(),
                );
            } else if kind.eq_ignore_ascii_case("Group") {
                group_ids.insert(
                    r.id(&a["principalId"], "an app role assignment")?
                        .to_owned(),
                );
            }
        }
        export.app_role_assigned_to = Some(assignments);

        let mut members = Map::new();
        for (i, group) in group_ids.iter().enumerate() {
            progress(&format!("group members: {} of {}", i + 1, group_ids.len()));
            let mut url = r.url(&["v1.0", "groups", group, "members"]);
            url.query_pairs_mut()
                .append_pair("$select", "id,displayName");
            let page = r.collection(url, "a group's members", GROUP_MEMBER_READ)?;
            for m in page["value"].as_array().into_iter().flatten() {
                if m["@odata.type"] == "#microsoft.graph.user" {
                    user_ids.insert(r.id(&m["id"], "a group member")?.to_owned());
                }
            }
            members.insert(group.clone(), page);
        }
        export.group_members = Some(Value::Object(members));

        if user_ids.len() > limits.max_items {
            return Err(GraphError::TooMany {
                what: "the assigned users",
                limit: limits.max_items,
                unit: "users",
            });
        }
        let ids: Vec<&String> = user_ids.iter().collect();
        let mut users = Vec::new();
        for (i, chunk) in ids.chunks(USERS_PER_REQUEST).enumerate() {
            progress(&format!(
                "users: {} of {}",
                (i * USERS_PER_REQUEST + chunk.len()),
                ids.len()
            ));
            let list = chunk
                .iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(",");
            let mut url = r.url(&["v1.0", "users"]);
            url.query_pairs_mut()
                .append_pair("$filter", &format!("id in ({list})"))
                .append_pair("$select", USER_SELECT);
            r.collect(url, "the assigned users", USER_READ, &mut users)?;
        }
        export.users = Some(json!({ "value": users }));

        progress("provisioning jobs");
        let jobs = r.collection(
            r.url(&[
                "v1.0",
                "servicePrincipals",
                &sp_id,
                "synchronization",
                "jobs",
            ]),
            "the provisioning jobs",
            SYNC_READ,
        )?;
        let first_job = jobs["value"][0]["id"].as_str().map(str::to_owned);
        export.synchronization_jobs = Some(jobs);
        if let Some(job) = first_job {
            progress("provisioning schema");
            let url = r.url(&[
                "v1.0",
                "servicePrincipals",
                &sp_id,
                "synchronization",
                "jobs",
                &job,
                "schema",
            ]);
            export.synchronization_schema = match r.get(&url, "the provisioning schema", SYNC_READ)
            {
                Ok(schema) => Some(schema),
                Err(GraphError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
        }

        export
            .check()
            .map_err(|(name, detail)| GraphError::Unexpected {
                what: what_of(name),
                url: graph.to_string(),
                detail,
            })?;
        Ok(export)
    }
}

/// What a file of the export holds, as messages name it.
fn what_of(file: &str) -> &'static str {
    match file {
        super::SERVICE_PRINCIPAL => "the service principal",
        super::APPLICATION => "the application",
        super::CLAIMS_POLICY => "the claims policy",
        super::ASSIGNMENTS => "the app role assignments",
        super::USERS => "the assigned users",
        super::GROUP_MEMBERS => "a group's members",
        super::SYNC_JOBS => "the provisioning jobs",
        _ => "the provisioning schema",
    }
}

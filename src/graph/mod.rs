//! Microsoft Graph: what samlbridge reads about an Entra application (its service principal,
//! registration, claims policy, assignments, the assigned users and groups, and provisioning),
//! fetched (`fetch.rs`) or read from the files `entra export` saved, and typed views of it
//! (`model.rs`). The bodies are kept as Graph sent them, so that a saved export is exactly
//! what was read.

mod fetch;
mod model;

pub use fetch::{fetch_claims_policy, Limits};
pub use model::{
    Application, Assignment, KeyCredential, Member, Quarantine, RedirectUriSetting,
    SamlSingleSignOnSettings, ServicePrincipal, SyncJob, SyncStatus, User, Web,
};

use crate::http::FetchError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use thiserror::Error;

/// The files of an export, in the order they are written.
pub const SERVICE_PRINCIPAL: &str = "servicePrincipal.json";
pub const APPLICATION: &str = "application.json";
pub const CLAIMS_POLICY: &str = "claimsPolicy.json";
pub const ASSIGNMENTS: &str = "appRoleAssignedTo.json";
pub const USERS: &str = "users.json";
pub const GROUP_MEMBERS: &str = "groupMembers.json";
pub const SYNC_JOBS: &str = "synchronizationJobs.json";
pub const SYNC_SCHEMA: &str = "synchronizationSchema.json";
pub const FILES: [&str; 8] = [
    SERVICE_PRINCIPAL,
    APPLICATION,
    CLAIMS_POLICY,
    ASSIGNMENTS,
    USERS,
    GROUP_MEMBERS,
    SYNC_JOBS,
    SYNC_SCHEMA,
];

/// Largest export file read: 50,000 users take some 30 MB.
const MAX_FILE: u64 = 512 * 1024 * 1024;

/// A Microsoft Graph access token. Never printed.
#[derive(Clone)]
pub struct GraphToken(String);

impl GraphToken {
    pub fn new(token: String) -> Option<Self> {
        let t = token.trim().trim_start_matches("Bearer ").trim().to_owned();
        (!t.is_empty()).then_some(GraphToken(t))
    }

    /// The tenant the token was issued in (its `tid` claim), when it is a JWT that says so.
    /// Read unverified: only to name a token given for the wrong tenant.
    pub fn tenant_id(&self) -> Option<String> {
        use base64::Engine;
        let payload = self.0.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let claims: Value = serde_json::from_slice(&bytes).ok()?;
        claims["tid"]
            .as_str()
            .filter(|t| crate::entra::is_guid(t))
            .map(str::to_ascii_lowercase)
    }

    fn authorization(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for GraphToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GraphToken([redacted])")
    }
}

/// What Graph said about an Entra application, one body per file. `None`: not read (a saved
/// export without that file; a claims policy or provisioning schema the application does not
/// have). Collections hold every page as `{"value": [...]}`; `group_members` is an object
/// keyed by group ID, each `{"value": [...]}`.
///
/// The views skip what does not have the documented shape; [`EntraExport::fetch`] and
/// [`EntraExport::read_dir`] refuse such bodies, so for an export they made, the views see
/// everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntraExport {
    pub service_principal: Option<Value>,
    pub application: Option<Value>,
    pub claims_policy: Option<Value>,
    pub app_role_assigned_to: Option<Value>,
    pub users: Option<Value>,
    pub group_members: Option<Value>,
    pub synchronization_jobs: Option<Value>,
    pub synchronization_schema: Option<Value>,
}

#[derive(Debug, Error)]
pub enum GraphError {
    /// Graph answered 401 or 403: the token is not good for this call.
    #[error("{}", denied(self))]
    Denied {
        what: &'static str,
        url: String,
        status: u16,
        /// The Graph permission the call needs.
        permission: &'static str,
        /// Graph's `error.code` and `error.message`, when it sent them.
        code: Option<String>,
        message: Option<String>,
    },
    #[error("{what}: Microsoft Graph has none at {url}{}", said(.code, .message))]
    NotFound {
        what: &'static str,
        url: String,
        code: Option<String>,
        message: Option<String>,
    },
    #[error("reading {what} from Microsoft Graph: {source}")]
    Fetch {
        what: &'static str,
        #[source]
        source: FetchError,
    },
    #[error("{what} from {url} is not what Microsoft Graph answers: {detail}")]
    Unexpected {
        what: &'static str,
        url: String,
        detail: String,
    },
    #[error("refusing the next page of {what}: {link} is not on the Microsoft Graph host {host}")]
    ForeignLink {
        what: &'static str,
        link: String,
        host: String,
    },
    #[error("{what}: more than {limit} {unit}; samlbridge stops there rather than hold an unbounded answer")]
    TooMany {
        what: &'static str,
        limit: usize,
        unit: &'static str,
    },
    /// A saved export's file (or directory) that cannot be read as one.
    #[error("{path}: {detail}")]
    File { path: String, detail: String },
}

fn said(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(" (Graph says {c}: {m})"),
        (Some(c), None) => format!(" (Graph says {c})"),
        (None, Some(m)) => format!(" (Graph says: {m})"),
        (None, None) => String::new(),
    }
}

fn denied(e: &GraphError) -> String {
    let GraphError::Denied {
        what,
        url,
        status,
        permission,
        code,
        message,
    } = e
    else {
        return String::new();
    };
    let graph = said(code, message);
    if *status == 401 {
        format!("Microsoft Graph did not accept the token reading {what} (HTTP 401 from {url}){graph}: it has expired, or is not a Microsoft Graph token for this cloud; reading {what} needs the permission {permission}")
    } else {
        format!("Microsoft Graph refused to read {what} (HTTP {status} from {url}){graph}: the token lacks the permission {permission}")
    }
}

/// Graph's error body: `{"error": {"code": …, "message": …}}`.
fn graph_error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |k: &str| {
        v["error"][k]
            .as_str()
            .map(|s| s.chars().take(500).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    (text("code"), text("message"))
}

/// How many of each thing an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub assignments: usize,
    pub assigned_users: usize,
    pub assigned_groups: usize,
    pub groups_read: usize,
    pub group_members: usize,
    pub nested_groups: usize,
    pub users: usize,
    pub synchronization_jobs: usize,
}

fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(|v| v["value"].as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn typed<T: DeserializeOwned>(v: &Value) -> Option<T> {
    T::deserialize(v).ok()
}

fn typed_items<T: DeserializeOwned>(v: Option<&Value>) -> Vec<T> {
    items(v).iter().filter_map(typed).collect()
}

impl EntraExport {
    pub fn service_principal(&self) -> Option<ServicePrincipal> {
        self.service_principal.as_ref().and_then(typed)
    }

    pub fn application(&self) -> Option<Application> {
        self.application.as_ref().and_then(typed)
    }

    /// The claims policy as JSON text, for `claims::parse`.
    pub fn claims_policy_text(&self) -> Option<String> {
        self.claims_policy
            .as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok())
    }

    pub fn assignments(&self) -> Vec<Assignment> {
        typed_items(self.app_role_assigned_to.as_ref())
    }

    /// Every user read: those assigned directly and the direct members of assigned groups.
    pub fn users(&self) -> Vec<User> {
        typed_items(self.users.as_ref())
    }

    /// The direct members of each assigned group, by group ID. Nested groups are members of
    /// type group; their own members were not read.
    pub fn group_members(&self) -> BTreeMap<String, Vec<Member>> {
        self.group_members
            .as_ref()
            .and_then(Value::as_object)
            .map(|groups| {
                groups
                    .iter()
                    .map(|(id, page)| (id.clone(), typed_items(Some(page))))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn sync_jobs(&self) -> Vec<SyncJob> {
        typed_items(self.synchronization_jobs.as_ref())
    }

    /// Where provisioning takes `userName` from: an attribute name (`userPrincipalName`,
    /// `mail`, …) or, for anything else, the mapping's expression text.
    pub fn sync_schema_user_name_source(&self) -> Option<String> {
        self.synchronization_schema
            .as_ref()
            .and_then(typed::<model::SyncSchema>)
            .and_then(|s| s.user_name_source())
    }

    pub fn counts(&self) -> Counts {
        let assignments = self.assignments();
        let members = self.group_members();
        Counts {
            assignments: assignments.len(),
            assigned_users: assignments.iter().filter(|a| a.is_user()).count(),
            assigned_groups: assignments.iter().filter(|a| a.is_group()).count(),
            groups_read: members.len(),
            group_members: members.values().map(Vec::len).sum(),
            nested_groups: members.values().flatten().filter(|m| m.is_group()).count(),
            users: items(self.users.as_ref()).len(),
            synchronization_jobs: items(self.synchronization_jobs.as_ref()).len(),
        }
    }

    /// The bodies held, each with its file name, as JSON text.
    pub fn to_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        FILES
            .iter()
            .zip(self.bodies())
            .filter_map(|(name, body)| {
                let mut text = serde_json::to_vec_pretty(body?).ok()?;
                text.push(b'\n');
                Some((*name, text))
            })
            .collect()
    }

    fn bodies(&self) -> [Option<&Value>; 8] {
        [
            self.service_principal.as_ref(),
            self.application.as_ref(),
            self.claims_policy.as_ref(),
            self.app_role_assigned_to.as_ref(),
            self.users.as_ref(),
            self.group_members.as_ref(),
            self.synchronization_jobs.as_ref(),
            self.synchronization_schema.as_ref(),
        ]
    }

    fn bodies_mut(&mut self) -> [&mut Option<Value>; 8] {
        [
            &mut self.service_principal,
            &mut self.application,
            &mut self.claims_policy,
            &mut self.app_role_assigned_to,
            &mut self.users,
            &mut self.group_members,
            &mut self.synchronization_jobs,
            &mut self.synchronization_schema,
        ]
    }

    /// Reads a directory `entra export` wrote. Each file is optional, but a directory with
    /// none of them is refused; a file that is not the body Graph gives is an error naming it.
    pub fn read_dir(dir: &Path) -> Result<EntraExport, GraphError> {
        let bad = |path: &Path, detail: String| GraphError::File {
            path: path.display().to_string(),
            detail,
        };
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(bad(dir, "is not a directory".into())),
            Err(e) => return Err(bad(dir, e.to_string())),
        }
        let mut export = EntraExport::default();
        for (name, slot) in FILES.iter().zip(export.bodies_mut()) {
            let path = dir.join(name);
            let bytes = match std::fs::metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(bad(&path, e.to_string())),
                Ok(m) if !m.is_file() => return Err(bad(&path, "is not a file".into())),
                Ok(m) if m.len() > MAX_FILE => {
                    return Err(bad(
                        &path,
                        format!("is larger than the {MAX_FILE}-byte limit"),
                    ))
                }
                Ok(_) => std::fs::read(&path).map_err(|e| bad(&path, e.to_string()))?,
            };
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| bad(&path, format!("is not JSON: {e}")))?;
            *slot = Some(value);
        }
        if export.bodies().iter().all(Option::is_none) {
            return Err(bad(
                dir,
                format!(
                    "holds none of the files samlbridge entra export writes ({})",
                    FILES.join(", ")
                ),
            ));
        }
        export
            .check()
            .map_err(|(name, detail)| bad(&dir.join(name), detail))?;
        Ok(export)
    }

    /// Whether every body held has the shape Graph documents; the first that does not is
    /// named by its file.
    fn check(&self) -> Result<(), (&'static str, String)> {
        fn object<T: DeserializeOwned>(v: &Value, what: &str) -> Result<(), String> {
            if !v.is_object() {
                return Err(format!("is not a JSON object: not {what}"));
            }
            T::deserialize(v)
                .map(|_| ())
                .map_err(|e| format!("is not {what}: {e}"))
        }
        fn collection<T: DeserializeOwned>(v: &Value, what: &str) -> Result<(), String> {
            let Some(list) = v.get("value").and_then(Value::as_array) else {
                return Err(format!(
                    "is not a collection of {what}: no \"value\" array at the top level"
                ));
            };
            for (i, item) in list.iter().enumerate() {
                T::deserialize(item).map_err(|e| format!("value[{i}] is not {what}: {e}"))?;
            }
            Ok(())
        }
        type Check<'a> = (
            &'static str,
            Option<&'a Value>,
            fn(&Value) -> Result<(), String>,
        );
        let checks: [Check<'_>; 8] = [
            (SERVICE_PRINCIPAL, self.service_principal.as_ref(), |v| {
                object::<ServicePrincipal>(v, "a service principal")
            }),
            (APPLICATION, self.application.as_ref(), |v| {
                object::<Application>(v, "an application")
            }),
            (CLAIMS_POLICY, self.claims_policy.as_ref(), |v| {
                object::<Value>(v, "a claims policy")
            }),
            (ASSIGNMENTS, self.app_role_assigned_to.as_ref(), |v| {
                collection::<Assignment>(v, "app role assignments")
            }),
            (USERS, self.users.as_ref(), |v| {
                collection::<User>(v, "users")
            }),
            (GROUP_MEMBERS, self.group_members.as_ref(), |v| {
                let Some(groups) = v.as_object() else {
                    return Err("is not a JSON object keyed by group ID".into());
                };
                for (id, page) in groups {
                    collection::<Member>(page, "group members")
                        .map_err(|e| format!("group {id}: {e}"))?;
                }
                Ok(())
            }),
            (SYNC_JOBS, self.synchronization_jobs.as_ref(), |v| {
                collection::<SyncJob>(v, "synchronization jobs")
            }),
            (SYNC_SCHEMA, self.synchronization_schema.as_ref(), |v| {
                object::<model::SyncSchema>(v, "a synchronization schema")
            }),
        ];
        for (name, body, check) in checks {
            if let Some(v) = body {
                check(v).map_err(|e| (name, e))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

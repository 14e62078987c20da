//! IAM Identity Center as `preflight` sees it: the instance, the users of its identity store,
//! their groups and memberships, and the access-control attribute keys. Read live through the
//! AWS SDK (`fetch`, in `live.rs`) or from the JSON the AWS CLI writes (`AwsExport::read_dir`);
//! both give the same `AwsExport`, whose serde shape is the CLI's (PascalCase).

mod live;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use live::fetch;

/// What `aws sso-admin list-instances` writes, and `--aws DIR` reads.
pub const INSTANCES_FILE: &str = "list-instances.json";
/// What `aws identitystore list-users` writes.
pub const USERS_FILE: &str = "list-users.json";
/// What `aws identitystore list-groups` writes (optional).
pub const GROUPS_FILE: &str = "list-groups.json";
/// What `aws identitystore list-group-memberships` writes, once per group, one after another
/// (optional).
pub const MEMBERSHIPS_FILE: &str = "list-group-memberships.json";
/// What `aws sso-admin describe-instance-access-control-attribute-configuration` writes
/// (optional).
pub const ACCESS_CONTROL_FILE: &str =
    "describe-instance-access-control-attribute-configuration.json";

/// Both ways of reading Identity Center end here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsExport {
    /// Every instance the account lists (normally one).
    pub instances: Vec<Instance>,
    /// The identity store the users, groups and memberships below were read from.
    pub identity_store_id: String,
    pub users: Vec<IcUser>,
    /// `None`: not read (no `list-groups.json`).
    pub groups: Option<Vec<IcGroup>>,
    /// `None`: not read.
    pub memberships: Option<Vec<Membership>>,
    /// The attribute keys of attribute-based access control; `Some(empty)` when it is not
    /// enabled, `None` when it was not read.
    pub access_control_attributes: Option<Vec<String>>,
    /// Why a part that is optional was not read live (for example access denied to the
    /// access-control attribute configuration), so that a report can say it was not checked.
    pub not_read: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    pub instance_arn: String,
    pub identity_store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExternalId {
    pub issuer: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Email {
    pub value: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

/// An Identity Center user. The names are flattened from the CLI's `Name` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "wire::User", into = "wire::User")]
pub struct IcUser {
    pub user_id: String,
    /// The name a SAML NameID must equal (absent only in malformed data).
    pub user_name: Option<String>,
    pub external_ids: Vec<ExternalId>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub emails: Vec<Email>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IcGroup {
    pub group_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<ExternalId>,
}

/// A user's direct membership of a group (Identity Center groups hold users only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "wire::Membership", into = "wire::Membership")]
pub struct Membership {
    pub group_id: String,
    pub user_id: String,
}

/// Why Identity Center could not be read. The binary adds the flag to use where one helps.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("{}: {problem}", file.display())]
    File { file: PathBuf, problem: String },
    #[error("no IAM Identity Center instance in this account and region ({region}); Identity Center lives in one region: set the region it was enabled in")]
    NoInstance { region: String },
    #[error("this account has {} Identity Center instances; choose one by its identity store id: {}", instances.len(), list(instances))]
    SeveralInstances { instances: Vec<Instance> },
    #[error(
        "no Identity Center instance has the identity store id {id}; the account has: {}",
        list(instances)
    )]
    UnknownIdentityStore {
        id: String,
        instances: Vec<Instance>,
    },
    #[error("no AWS credentials: the standard chain looks at AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), then the profile named by AWS_PROFILE (or `default`) in ~/.aws/config and ~/.aws/credentials (run `aws sso login --profile NAME` first for an IAM Identity Center profile), web identity, and the container or instance role ({detail})")]
    NoCredentials { detail: String },
    #[error("no AWS region: set AWS_REGION, or `region` in the profile of ~/.aws/config, to the region Identity Center was enabled in")]
    NoRegion,
    #[error("access denied to {action}: the credentials in use need the IAM permission {action} ({detail})")]
    AccessDenied {
        action: &'static str,
        detail: String,
    },
    #[error("{action} failed: {detail}")]
    Call {
        action: &'static str,
        detail: String,
    },
}

fn list(instances: &[Instance]) -> String {
    instances
        .iter()
        .map(|i| format!("{} ({})", i.identity_store_id, i.instance_arn))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.identity_store_id, self.instance_arn)
    }
}

/// The AWS CLI's shapes, kept apart from the model so that the model stays flat.
mod wire {
    use super::{Email, ExternalId};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Name {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub given_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub family_name: Option<String>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct User {
        pub user_id: String,
        #[serde(default)]
        pub user_name: Option<String>,
        #[serde(default)]
        pub external_ids: Vec<ExternalId>,
        #[serde(default)]
        pub name: Option<Name>,
        #[serde(default)]
        pub display_name: Option<String>,
        #[serde(default)]
        pub emails: Vec<Email>,
    }

    impl From<User> for super::IcUser {
        fn from(u: User) -> Self {
            let (given_name, family_name) = u
                .name
                .map_or((None, None), |n| (n.given_name, n.family_name));
            super::IcUser {
                user_id: u.user_id,
                user_name: u.user_name,
                external_ids: u.external_ids,
                given_name,
                family_name,
                display_name: u.display_name,
                emails: u.emails,
            }
        }
    }

    impl From<super::IcUser> for User {
        fn from(u: super::IcUser) -> Self {
            let name = (u.given_name.is_some() || u.family_name.is_some()).then_some(Name {
                given_name: u.given_name,
                family_name: u.family_name,
            });
            User {
                user_id: u.user_id,
                user_name: u.user_name,
                external_ids: u.external_ids,
                name,
                display_name: u.display_name,
                emails: u.emails,
            }
        }
    }

    #[derive(Serialize, Deserialize)]
    pub struct MemberId {
        #[serde(rename = "UserId")]
        pub user_id: String,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Membership {
        pub group_id: String,
        pub member_id: MemberId,
    }

    impl From<Membership> for super::Membership {
        fn from(m: Membership) -> Self {
            super::Membership {
                group_id: m.group_id,
                user_id: m.member_id.user_id,
            }
        }
    }

    impl From<super::Membership> for Membership {
        fn from(m: super::Membership) -> Self {
            Membership {
                group_id: m.group_id,
                member_id: MemberId { user_id: m.user_id },
            }
        }
    }

    /// `list-users.json`: the users also say which store they came from.
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct StoredUser {
        #[serde(default)]
        pub identity_store_id: Option<String>,
        #[serde(flatten)]
        pub user: super::IcUser,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Instances {
        pub instances: Vec<super::Instance>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Users {
        pub users: Vec<StoredUser>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Groups {
        pub groups: Vec<super::IcGroup>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Memberships {
        pub group_memberships: Vec<super::Membership>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct AccessControlAttribute {
        pub key: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct AccessControlConfiguration {
        #[serde(default)]
        pub access_control_attributes: Vec<AccessControlAttribute>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct AccessControl {
        #[serde(default)]
        pub instance_access_control_attribute_configuration: Option<AccessControlConfiguration>,
    }
}

/// The largest export file read (a 50,000-user `list-users.json` is about 25 MB).
const MAX_FILE: u64 = 512 * 1024 * 1024;

fn file_error(file: &Path, problem: impl fmt::Display) -> AwsError {
    AwsError::File {
        file: file.to_owned(),
        problem: problem.to_string(),
    }
}

/// Reads `name` in `dir`: `Ok(None)` when it is absent and optional.
fn read(dir: &Path, name: &str, required: bool) -> Result<Option<(PathBuf, Vec<u8>)>, AwsError> {
    let path = dir.join(name);
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(file_error(
                &path,
                format!(
                    "missing: the AWS CLI writes it with `{}`",
                    command_for(name)
                ),
            ))
        }
        Err(e) => return Err(file_error(&path, e)),
    };
    if meta.len() > MAX_FILE {
        return Err(file_error(
            &path,
            format!("larger than {MAX_FILE} bytes: not an AWS CLI export"),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| file_error(&path, e))?;
    Ok(Some((path, bytes)))
}

fn command_for(name: &str) -> &'static str {
    match name {
        INSTANCES_FILE => "aws sso-admin list-instances",
        USERS_FILE => "aws identitystore list-users --identity-store-id ID",
        GROUPS_FILE => "aws identitystore list-groups --identity-store-id ID",
        MEMBERSHIPS_FILE => {
            "aws identitystore list-group-memberships --identity-store-id ID --group-id GROUP"
        }
        _ => "aws sso-admin describe-instance-access-control-attribute-configuration --instance-arn ARN",
    }
}

/// Every JSON document of a file, one after another (the CLI run once per group and its
/// outputs appended), each of shape `T`.
fn documents<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    shape: &str,
) -> Result<Vec<T>, AwsError> {
    let mut out = Vec::new();
    for doc in serde_json::Deserializer::from_slice(bytes).into_iter::<T>() {
        out.push(doc.map_err(|e| {
            file_error(path, format!("not what the AWS CLI writes ({shape}): {e}"))
        })?);
    }
    if out.is_empty() {
        return Err(file_error(path, format!("empty: expected {shape}")));
    }
    Ok(out)
}

impl AwsExport {
    /// Reads the AWS CLI's JSON output saved in `dir`: `list-instances.json` and
    /// `list-users.json` are required; groups, memberships and the access-control attribute
    /// configuration are read when present.
    pub fn read_dir(dir: &Path) -> Result<AwsExport, AwsError> {
        let (path, bytes) = read(dir, INSTANCES_FILE, true)?.expect("required");
        let instances: Vec<Instance> =
            documents::<wire::Instances>(&path, &bytes, "{\"Instances\": [...]}")?
                .into_iter()
                .flat_map(|d| d.instances)
                .collect();
        let (users_path, bytes) = read(dir, USERS_FILE, true)?.expect("required");
        let stored: Vec<wire::StoredUser> =
            documents::<wire::Users>(&users_path, &bytes, "{\"Users\": [...]}")?
                .into_iter()
                .flat_map(|d| d.users)
                .collect();
        let identity_store_id = store_of(&users_path, &stored, &instances)?;
        let users = stored.into_iter().map(|s| s.user).collect();
        let groups = match read(dir, GROUPS_FILE, false)? {
            Some((path, bytes)) => Some(
                documents::<wire::Groups>(&path, &bytes, "{\"Groups\": [...]}")?
                    .into_iter()
                    .flat_map(|d| d.groups)
                    .collect(),
            ),
            None => None,
        };
        let memberships = match read(dir, MEMBERSHIPS_FILE, false)? {
            Some((path, bytes)) => Some(
                documents::<wire::Memberships>(&path, &bytes, "{\"GroupMemberships\": [...]}")?
                    .into_iter()
                    .flat_map(|d| d.group_memberships)
                    .collect(),
            ),
            None => None,
        };
        let access_control_attributes = match read(dir, ACCESS_CONTROL_FILE, false)? {
            Some((path, bytes)) => Some(
                documents::<wire::AccessControl>(
                    &path,
                    &bytes,
                    "{\"InstanceAccessControlAttributeConfiguration\": {...}}",
                )?
                .into_iter()
                .flat_map(|d| d.instance_access_control_attribute_configuration)
                .flat_map(|c| c.access_control_attributes)
                .map(|a| a.key)
                .collect(),
            ),
            None => None,
        };
        Ok(AwsExport {
            instances,
            identity_store_id,
            users,
            groups,
            memberships,
            access_control_attributes,
            not_read: Vec::new(),
        })
    }

    /// The instance whose identity store was read.
    pub fn instance(&self) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.identity_store_id == self.identity_store_id)
    }
}

/// The identity store `list-users.json` was written from: the one its users name, else the
/// only instance's.
fn store_of(
    path: &Path,
    users: &[wire::StoredUser],
    instances: &[Instance],
) -> Result<String, AwsError> {
    let mut named = users.iter().filter_map(|u| u.identity_store_id.as_deref());
    if let Some(first) = named.next() {
        if let Some(other) = named.find(|id| *id != first) {
            return Err(file_error(
                path,
                format!("holds users of two identity stores ({first} and {other}): export one"),
            ));
        }
        return Ok(first.to_owned());
    }
    match instances {
        [only] => Ok(only.identity_store_id.clone()),
        [] => Err(file_error(
            path,
            format!("names no identity store, and {INSTANCES_FILE} lists no instance"),
        )),
        _ => Err(AwsError::SeveralInstances {
            instances: instances.to_vec(),
        }),
    }
}

/// Picks the instance to read: the one with `identity_store_id` when given, else the only one.
pub fn choose_instance<'a>(
    instances: &'a [Instance],
    identity_store_id: Option<&str>,
    region: &str,
) -> Result<&'a Instance, AwsError> {
    match (identity_store_id, instances) {
        (Some(id), _) => instances
            .iter()
            .find(|i| i.identity_store_id == id)
            .ok_or_else(|| AwsError::UnknownIdentityStore {
                id: id.to_owned(),
                instances: instances.to_vec(),
            }),
        (None, [only]) => Ok(only),
        (None, []) => Err(AwsError::NoInstance {
            region: region.to_owned(),
        }),
        (None, _) => Err(AwsError::SeveralInstances {
            instances: instances.to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str) -> Instance {
        Instance {
            instance_arn: format!("arn:aws:sso:::instance/ssoins-{id}"),
            identity_store_id: format!("d-{id}"),
            status: None,
        }
    }

    #[test]
    fn an_instance_is_chosen_only_when_it_is_the_only_one_or_named() {
        let two = [inst("1"), inst("2")];
        assert_eq!(
            choose_instance(&two, Some("d-2"), "eu-west-1").unwrap(),
            &two[1]
        );
        let err = choose_instance(&two, None, "eu-west-1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 Identity Center instances"), "{err}");
        assert!(
            err.contains("d-1 (arn:aws:sso:::instance/ssoins-1)"),
            "{err}"
        );
        assert!(err.contains("d-2"), "{err}");
        let err = choose_instance(&two, Some("d-3"), "eu-west-1")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no Identity Center instance has the identity store id d-3"),
            "{err}"
        );
        let err = choose_instance(&[], None, "eu-west-1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("(eu-west-1)"), "{err}");
        assert_eq!(choose_instance(&two[..1], None, "x").unwrap(), &two[0]);
    }

    #[test]
    fn a_user_round_trips_through_the_cli_shape() {
        let json = r#"{"UserId":"u1","UserName":"a@x","ExternalIds":[{"Issuer":"https://scim.aws.com/1","Id":"oid"}],
            "Name":{"GivenName":"A","FamilyName":"B","Formatted":"A B"},"DisplayName":"A B",
            "Emails":[{"Value":"a@x","Type":"work","Primary":true}],"IdentityStoreId":"d-1"}"#;
        let user: IcUser = serde_json::from_str(json).unwrap();
        assert_eq!(user.given_name.as_deref(), Some("A"));
        assert_eq!(user.external_ids[0].id, "oid");
        assert!(user.emails[0].primary);
        let back: IcUser = serde_json::from_value(serde_json::to_value(&user).unwrap()).unwrap();
        assert_eq!(back, user);
    }
}

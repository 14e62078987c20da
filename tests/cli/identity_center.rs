//! Identity Center read two ways, live through the AWS SDK and from the AWS CLI's saved JSON:
//! against moto's server, and against a stand-in that answers what moto cannot (several
//! instances, ExternalIds, access denied). `fetch` reads the standard credential chain from the
//! environment, so it runs in a child copy of this test binary with its own environment.

use crate::aws_tooling::{have, ok, Moto};
use crate::util::tempdir;
use samlbridge::identity_center::{AwsExport, Membership};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

const CHILD: &str = "SAMLBRIDGE_TEST_AWS_FETCH";

/// The child half: runs `fetch` with the environment the parent gave and prints the result.
#[test]
#[ignore = "run by the tests below in a child process"]
fn fetch_child() {
    let Ok(store) = std::env::var(CHILD) else {
        return;
    };
    let store = (!store.is_empty()).then_some(store);
    let result = samlbridge::identity_center::fetch(store.as_deref(), &|_| {});
    match result {
        Ok(export) => println!("EXPORT:{}", serde_json::to_string(&export).unwrap()),
        Err(e) => println!("ERROR:{e}"),
    }
}

/// `fetch` in a child process against `endpoint`: the export as JSON, or the error's text.
fn fetch(endpoint: &str, store: Option<&str>, credentials: bool) -> Result<Value, String> {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "identity_center::fetch_child",
        "--exact",
        "--ignored",
        "--nocapture",
    ])
    .env(CHILD, store.unwrap_or(""))
    .env("AWS_ENDPOINT_URL", endpoint)
    .env("AWS_REGION", "us-east-1")
    .env("AWS_CONFIG_FILE", "/dev/null")
    .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .env("NO_PROXY", "127.0.0.1")
    .env_remove("AWS_PROFILE")
    .env_remove("AWS_SESSION_TOKEN")
    .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
    .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if credentials {
        cmd.env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
    } else {
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("EXPORT:") {
            return Ok(serde_json::from_str(json).unwrap());
        }
        if let Some(err) = line.strip_prefix("ERROR:") {
            return Err(err.to_owned());
        }
    }
    panic!(
        "the child printed no result: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Users, groups and memberships made in moto with boto3: more users than one ListUsers page
/// (100) and a group with more members than one ListGroupMemberships page.
const SETUP: &str = r#"
import boto3, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
store = boto3.client("sso-admin", **kw).list_instances()["Instances"][0]["IdentityStoreId"]
ids = boto3.client("identitystore", **kw)
users = []
for i in range(120):
    users.append(ids.create_user(
        IdentityStoreId=store, UserName=f"user{i:03}@example.com",
        Name={"GivenName": f"Given{i}", "FamilyName": f"Family{i}"},
        DisplayName=f"Given{i} Family{i}",
        Emails=[{"Value": f"user{i:03}@example.com", "Type": "work", "Primary": True}],
    )["UserId"])
groups = {}
for name in ["Admins", "Developers", "Empty"]:
    groups[name] = ids.create_group(IdentityStoreId=store, DisplayName=name)["GroupId"]
for u in users[:3]:
    ids.create_group_membership(IdentityStoreId=store, GroupId=groups["Admins"], MemberId={"UserId": u})
for u in users[5:115]:
    ids.create_group_membership(IdentityStoreId=store, GroupId=groups["Developers"], MemberId={"UserId": u})
print(store)
"#;

fn moto_with_users() -> Option<(Moto, String)> {
    let moto = Moto::start_if_installed()?;
    if !have("python3", &["-c", "import boto3"]) {
        return None;
    }
    let out = Command::new("python3")
        .args(["-c", SETUP, &moto.endpoint()])
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    Some((moto, store))
}

/// What the README tells a user to run to save Identity Center for `--aws DIR`.
fn export_with_the_cli(moto: &Moto, store: &str, dir: &Path) {
    let save = |name: &str, args: &[&str]| {
        std::fs::write(dir.join(name), ok(&moto.aws(args))).unwrap();
    };
    save("list-instances.json", &["sso-admin", "list-instances"]);
    let s = ["--identity-store-id", store];
    save(
        "list-users.json",
        &[&["identitystore", "list-users"][..], &s].concat(),
    );
    save(
        "list-groups.json",
        &[&["identitystore", "list-groups"][..], &s].concat(),
    );
    let groups: Value =
        serde_json::from_slice(&std::fs::read(dir.join("list-groups.json")).unwrap()).unwrap();
    let mut appended = Vec::new();
    for group in groups["Groups"].as_array().unwrap() {
        let id = group["GroupId"].as_str().unwrap();
        appended.extend(
            ok(&moto.aws(
                &[
                    &["identitystore", "list-group-memberships"][..],
                    &s,
                    &["--group-id", id],
                ]
                .concat(),
            ))
            .into_bytes(),
        );
    }
    std::fs::write(dir.join("list-group-memberships.json"), appended).unwrap();
}

#[test]
fn fetch_from_moto_equals_the_aws_cli_export() {
    let Some((moto, store)) = moto_with_users() else {
        return;
    };
    let tmp = tempdir();
    export_with_the_cli(&moto, &store, tmp.path());
    let saved = AwsExport::read_dir(tmp.path()).unwrap();
    assert_eq!(saved.identity_store_id, store);
    assert_eq!(saved.users.len(), 120, "more than one page of users");
    let user = &saved.users[7];
    assert_eq!(user.user_name.as_deref(), Some("user007@example.com"));
    assert_eq!(user.given_name.as_deref(), Some("Given7"));
    assert_eq!(user.family_name.as_deref(), Some("Family7"));
    assert_eq!(user.display_name.as_deref(), Some("Given7 Family7"));
    assert!(user.emails[0].primary);
    let groups = saved.groups.as_ref().unwrap();
    assert_eq!(groups.len(), 3);
    let developers = &groups
        .iter()
        .find(|g| g.display_name.as_deref() == Some("Developers"))
        .unwrap()
        .group_id;
    let memberships = saved.memberships.as_ref().unwrap();
    assert_eq!(memberships.len(), 113);
    assert_eq!(
        memberships
            .iter()
            .filter(|m| &m.group_id == developers)
            .count(),
        110,
        "more than one page of members"
    );
    assert!(memberships.contains(&Membership {
        group_id: developers.clone(),
        user_id: saved.users[5].user_id.clone(),
    }));
    assert_eq!(saved.access_control_attributes, None);

    let mut live = fetch(&moto.endpoint(), None, true).unwrap();
    // moto does not implement the access-control attribute configuration: said, not fatal.
    assert_eq!(live["access_control_attributes"], Value::Null);
    let not_read = live["not_read"].as_array().unwrap();
    assert_eq!(not_read.len(), 1, "{live}");
    assert!(
        not_read[0]
            .as_str()
            .unwrap()
            .starts_with("sso:DescribeInstanceAccessControlAttributeConfiguration failed"),
        "{not_read:?}"
    );
    live["not_read"] = json!([]);
    assert_eq!(live, serde_json::to_value(&saved).unwrap());
}

#[test]
fn fetch_from_moto_with_a_store_id_that_is_not_there_lists_the_instances() {
    let Some(moto) = Moto::start_if_installed() else {
        return;
    };
    let err = fetch(&moto.endpoint(), Some("d-0000000000"), true).unwrap_err();
    assert!(
        err.starts_with(
            "no Identity Center instance has the identity store id d-0000000000; the account has: d-"
        ),
        "{err}"
    );
    assert!(err.contains("arn:aws:sso:::instance/ssoins-"), "{err}");
}

#[test]
fn fetch_without_credentials_says_how_the_standard_chain_is_configured() {
    let Some(moto) = Moto::start_if_installed() else {
        return;
    };
    let err = fetch(&moto.endpoint(), None, false).unwrap_err();
    assert!(err.starts_with("no AWS credentials: "), "{err}");
    assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
    assert!(err.contains("aws sso login"), "{err}");
}

/// An Identity Center endpoint with two instances whose identity store holds a SCIM-provisioned
/// user (ExternalIds) over two pages; `deny` names operations that answer AccessDenied.
fn stand_in(deny: &'static [&'static str]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || serve(stream, deny));
        }
    });
    endpoint
}

fn serve(stream: std::net::TcpStream, deny: &[&str]) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let (mut target, mut length) = (String::new(), 0usize);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
        let (status, answer) = if deny.contains(&operation.as_str()) {
            (
                400,
                json!({"__type": "AccessDeniedException",
                       "Message": format!("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: {operation}")}),
            )
        } else {
            (200, answer(&operation, &body))
        };
        let text = answer.to_string();
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(text.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn answer(operation: &str, body: &Value) -> Value {
    match operation {
        "ListInstances" => json!({"Instances": [
            {"InstanceArn": "arn:aws:sso:::instance/ssoins-1111111111111111", "IdentityStoreId": "d-1111111111", "Status": "ACTIVE"},
            {"InstanceArn": "arn:aws:sso:::instance/ssoins-2222222222222222", "IdentityStoreId": "d-2222222222", "Status": "ACTIVE"}
        ]}),
        "DescribeInstanceAccessControlAttributeConfiguration" => json!({
            "Status": "ENABLED",
            "InstanceAccessControlAttributeConfiguration": {"AccessControlAttributes": [
                {"Key": "department", "Value": {"Source": ["${path:enterprise.department}"]}}
            ]}
        }),
        "ListUsers" if body["NextToken"] == "page-2" => json!({"Users": [
            {"IdentityStoreId": "d-2222222222", "UserId": "u-2", "UserName": "guest_outlook.com#EXT#@contoso.onmicrosoft.com",
             "DisplayName": "Guest"}
        ]}),
        "ListUsers" => json!({"Users": [
            {"IdentityStoreId": "d-2222222222", "UserId": "u-1", "UserName": "ana@contoso.com",
             "ExternalIds": [{"Issuer": "https://scim.aws.com/1111", "Id": "0b9d2f0c-entra-object-id"}],
             "Name": {"GivenName": "Ana", "FamilyName": "Silva", "Formatted": "Ana Silva"},
             "DisplayName": "Ana Silva",
             "Emails": [{"Value": "ana@contoso.com", "Type": "work", "Primary": true}]}
        ], "NextToken": "page-2"}),
        "ListGroups" => json!({"Groups": [
            {"GroupId": "g-1", "DisplayName": "AWS-Admins", "IdentityStoreId": "d-2222222222",
             "ExternalIds": [{"Issuer": "https://scim.aws.com/1111", "Id": "entra-group-id"}]}
        ]}),
        "ListGroupMemberships" => json!({"GroupMemberships": [
            {"IdentityStoreId": "d-2222222222", "MembershipId": "m-1", "GroupId": "g-1", "MemberId": {"UserId": "u-1"}}
        ]}),
        other => panic!("the stand-in does not answer {other}"),
    }
}

#[test]
fn several_instances_and_no_store_id_is_an_error_that_lists_them() {
    let err = fetch(&stand_in(&[]), None, true).unwrap_err();
    assert_eq!(
        err,
        "this account has 2 Identity Center instances; choose one by its identity store id: \
         d-1111111111 (arn:aws:sso:::instance/ssoins-1111111111111111), \
         d-2222222222 (arn:aws:sso:::instance/ssoins-2222222222222222)"
    );
}

#[test]
fn the_chosen_store_is_read_with_external_ids_over_pages() {
    let export = fetch(&stand_in(&[]), Some("d-2222222222"), true).unwrap();
    assert_eq!(export["identity_store_id"], "d-2222222222");
    assert_eq!(export["access_control_attributes"], json!(["department"]));
    assert_eq!(export["not_read"], json!([]));
    let users = export["users"].as_array().unwrap();
    assert_eq!(users.len(), 2, "both pages: {export}");
    assert_eq!(
        users[0],
        json!({"UserId": "u-1", "UserName": "ana@contoso.com",
               "ExternalIds": [{"Issuer": "https://scim.aws.com/1111", "Id": "0b9d2f0c-entra-object-id"}],
               "Name": {"GivenName": "Ana", "FamilyName": "Silva"},
               "DisplayName": "Ana Silva",
               "Emails": [{"Value": "ana@contoso.com", "Primary": true}]})
    );
    assert_eq!(users[1]["Name"], Value::Null, "no name given: {export}");
    assert_eq!(
        export["groups"][0]["ExternalIds"][0]["Id"], "entra-group-id",
        "{export}"
    );
    assert_eq!(
        export["memberships"],
        json!([{"GroupId": "g-1", "MemberId": {"UserId": "u-1"}}])
    );
}

#[test]
fn access_denied_names_the_iam_action_to_grant() {
    let err = fetch(&stand_in(&["ListGroups"]), Some("d-2222222222"), true).unwrap_err();
    assert!(
        err.starts_with(
            "access denied to identitystore:ListGroups: the credentials in use need the IAM permission identitystore:ListGroups ("
        ),
        "{err}"
    );
    assert!(
        err.contains("is not authorized to perform: ListGroups"),
        "{err}"
    );

    // The access-control attributes are optional: denied, they are reported as not read.
    let export = fetch(
        &stand_in(&["DescribeInstanceAccessControlAttributeConfiguration"]),
        Some("d-2222222222"),
        true,
    )
    .unwrap();
    assert_eq!(export["access_control_attributes"], Value::Null);
    assert!(
        export["not_read"][0].as_str().unwrap().starts_with(
            "access denied to sso:DescribeInstanceAccessControlAttributeConfiguration"
        ),
        "{export}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const INSTANCES: &str = r#"{"Instances": [{"InstanceArn": "arn:aws:sso:::instance/ssoins-7223abc", "IdentityStoreId": "d-9067abc", "OwnerAccountId": "123456789012", "Status": "ACTIVE"}]}"#;

#[test]
fn a_missing_required_file_is_named_with_the_command_that_writes_it() {
    let tmp = tempdir();
    write(tmp.path(), "list-instances.json", INSTANCES);
    let err = AwsExport::read_dir(tmp.path()).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: missing: the AWS CLI writes it with `aws identitystore list-users --identity-store-id ID`",
            tmp.path().join("list-users.json").display()
        )
    );
}

#[test]
fn a_file_of_the_wrong_shape_is_named() {
    let tmp = tempdir();
    write(tmp.path(), "list-instances.json", INSTANCES);
    // The instances saved under the users' name.
    write(tmp.path(), "list-users.json", INSTANCES);
    let err = AwsExport::read_dir(tmp.path()).unwrap_err().to_string();
    let file = tmp.path().join("list-users.json");
    assert!(
        err.starts_with(&format!(
            "{}: not what the AWS CLI writes ({{\"Users\": [...]}}): missing field `Users`",
            file.display()
        )),
        "{err}"
    );
    write(tmp.path(), "list-users.json", "");
    let err = AwsExport::read_dir(tmp.path()).unwrap_err().to_string();
    assert!(err.ends_with("empty: expected {\"Users\": [...]}"), "{err}");
}

#[test]
fn memberships_merged_into_one_document_are_read_and_optional_files_may_be_absent() {
    let tmp = tempdir();
    write(tmp.path(), "list-instances.json", INSTANCES);
    write(
        tmp.path(),
        "list-users.json",
        r#"{"Users": [{"IdentityStoreId": "d-9067abc", "UserId": "u-1", "UserName": "ana@contoso.com",
            "ExternalIds": [{"Issuer": "https://scim.aws.com/x", "Id": "oid-1"}]}]}"#,
    );
    let export = AwsExport::read_dir(tmp.path()).unwrap();
    assert_eq!(export.groups, None);
    assert_eq!(export.memberships, None);
    assert_eq!(export.access_control_attributes, None);
    assert_eq!(export.users[0].external_ids[0].id, "oid-1");
    assert_eq!(
        export.instance().unwrap().instance_arn,
        "arn:aws:sso:::instance/ssoins-7223abc"
    );

    write(
        tmp.path(),
        "list-group-memberships.json",
        r#"{"GroupMemberships": [
            {"IdentityStoreId": "d-9067abc", "MembershipId": "m-1", "GroupId": "g-1", "MemberId": {"UserId": "u-1"}},
            {"IdentityStoreId": "d-9067abc", "MembershipId": "m-2", "GroupId": "g-2", "MemberId": {"UserId": "u-1"}}]}"#,
    );
    write(
        tmp.path(),
        "describe-instance-access-control-attribute-configuration.json",
        r#"{"Status": "ENABLED", "InstanceAccessControlAttributeConfiguration": {"AccessControlAttributes": [
            {"Key": "CostCenter", "Value": {"Source": ["${path:enterprise.costCenter}"]}}]}}"#,
    );
    let export = AwsExport::read_dir(tmp.path()).unwrap();
    let groups: Vec<&str> = export
        .memberships
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.group_id.as_str())
        .collect();
    assert_eq!(groups, ["g-1", "g-2"]);
    assert_eq!(
        export.access_control_attributes,
        Some(vec!["CostCenter".to_owned()])
    );
}

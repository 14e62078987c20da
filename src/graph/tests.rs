use super::*;
use serde_json::json;

fn schema(source: Value) -> Value {
    json!({
        "id": "AWSSCIM",
        "synchronizationRules": [{
            "objectMappings": [
                {
                    "enabled": true,
                    "sourceObjectName": "Group",
                    "attributeMappings": [{"targetAttributeName": "userName",
                        "source": {"type": "Attribute", "name": "displayName"}}]
                },
                {
                    "enabled": true,
                    "sourceObjectName": "User",
                    "attributeMappings": [
                        {"targetAttributeName": "active", "source": {"type": "Function", "name": "Not", "expression": "Not([IsSoftDeleted])"}},
                        {"targetAttributeName": "userName", "source": source}
                    ]
                }
            ]
        }]
    })
}

#[test]
fn the_user_name_source_is_the_users_mapping() {
    let plain = EntraExport {
        synchronization_schema: Some(schema(
            json!({"type": "Attribute", "name": "mail", "expression": "[mail]"}),
        )),
        ..Default::default()
    };
    assert_eq!(
        plain.sync_schema_user_name_source().as_deref(),
        Some("mail")
    );
    let function = EntraExport {
        synchronization_schema: Some(schema(json!({
            "type": "Function", "name": "ToLower",
            "expression": "ToLower([userPrincipalName], )"
        }))),
        ..Default::default()
    };
    assert_eq!(
        function.sync_schema_user_name_source().as_deref(),
        Some("ToLower([userPrincipalName], )")
    );
    assert_eq!(EntraExport::default().sync_schema_user_name_source(), None);
}

#[test]
fn nulls_read_as_empty() {
    let export = EntraExport {
        service_principal: Some(json!({
            "id": "8d1c4a8e-0000-4000-8000-000000000001",
            "appId": "2f0c8c9e-0000-4000-8000-000000000002",
            "preferredSingleSignOnMode": null,
            "replyUrls": null,
            "keyCredentials": [{"customKeyIdentifier": "AB12", "endDateTime": "2027-03-28T13:48:47Z", "usage": "Verify", "type": "AsymmetricX509Cert"}],
            "appRoleAssignmentRequired": null,
            "samlSingleSignOnSettings": null
        })),
        ..Default::default()
    };
    assert!(export.check().is_ok());
    let sp = export.service_principal().unwrap();
    assert!(sp.reply_urls.is_empty());
    assert!(!sp.app_role_assignment_required);
    assert_eq!(
        sp.key_credentials[0].end_date_time.unwrap().to_rfc3339(),
        "2027-03-28T13:48:47+00:00"
    );
}

#[test]
fn read_dir_names_the_file_of_the_wrong_shape() {
    let dir = tempfile::tempdir().unwrap();
    let none = EntraExport::read_dir(dir.path()).unwrap_err().to_string();
    assert!(none.contains("holds none of the files"), "{none}");

    std::fs::write(dir.path().join(USERS), r#"[{"id": "x"}]"#).unwrap();
    let err = EntraExport::read_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("users.json"), "{err}");
    assert!(err.contains("no \"value\" array"), "{err}");

    std::fs::write(dir.path().join(USERS), r#"{"value": [{"mail": "a@b"}]}"#).unwrap();
    let err = EntraExport::read_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("value[0] is not users"), "{err}");

    std::fs::write(dir.path().join(USERS), r#"{"value": [{"id": "u1"}]}"#).unwrap();
    std::fs::write(
        dir.path().join(GROUP_MEMBERS),
        r#"{"g1": {"value": [{"id": "u1"}]}}"#,
    )
    .unwrap();
    let err = EntraExport::read_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("groupMembers.json: group g1"), "{err}");

    std::fs::remove_file(dir.path().join(GROUP_MEMBERS)).unwrap();
    let export = EntraExport::read_dir(dir.path()).unwrap();
    assert_eq!(export.users().len(), 1);
    assert!(export.service_principal.is_none());
}

#[test]
fn graph_errors_name_the_permission_and_what_graph_said() {
    let (code, message) = graph_error_body(
        br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
    );
    let e = GraphError::Denied {
        what: "a group's members",
        url: "https://graph.microsoft.com/v1.0/groups/x/members".into(),
        status: 403,
        permission: "GroupMember.Read.All",
        code,
        message,
    };
    let text = e.to_string();
    assert!(
        text.contains("lacks the permission GroupMember.Read.All"),
        "{text}"
    );
    assert!(
        text.contains("Authorization_RequestDenied: Insufficient privileges"),
        "{text}"
    );
    assert_eq!(graph_error_body(b"<html>"), (None, None));
}

#[test]
fn a_tokens_tenant_is_its_tid_claim() {
    use base64::Engine;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        br#"{"aud":"https://graph.microsoft.com","tid":"7A1D2C3B-4E5F-4A6B-9C8D-0E1F2A3B4C5D"}"#,
    );
    let token = GraphToken::new(format!("Bearer eyJ0eXAiOiJKV1QifQ.{claims}.sig")).unwrap();
    assert_eq!(
        token.tenant_id().as_deref(),
        Some("7a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c5d")
    );
    assert_eq!(GraphToken::new("opaque".into()).unwrap().tenant_id(), None);
    assert!(GraphToken::new("  ".into()).is_none());
    assert_eq!(format!("{token:?}"), "GraphToken([redacted])");
}

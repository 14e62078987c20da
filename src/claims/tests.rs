use super::*;
use crate::aws::Target;
use crate::diag::Code;

const IDC_TOML: &str = r#"
# The Entra application's "Attributes & Claims".
[name_id]
source = "user.userprincipalname"
format = "emailAddress"

[[claims]]
name = "AccessControl:Department"
namespace = "https://aws.amazon.com/SAML/Attributes"
source = "user.department"

[[claims]]
name = "AccessControl:Team"
namespace = "https://aws.amazon.com/SAML/Attributes"
value = "Platform"

[[claims]]
name = "groups"
namespace = "http://schemas.microsoft.com/ws/2008/06/identity/claims"
source = "user.groups"
"#;

fn idc() -> ClaimContext {
    ClaimContext {
        target: Target::IdentityCenter,
        scim_username_source: Some("user.userprincipalname".into()),
        role_owner: Default::default(),
    }
}

fn iam() -> ClaimContext {
    ClaimContext {
        target: Target::Iam,
        scim_username_source: Some("user.userprincipalname".into()),
        role_owner: aws::RoleOwner {
            partition: Some("aws".into()),
            account: Some("123456789012".into()),
            provider_name: Some("EntraID".into()),
        },
    }
}

fn codes(m: &ClaimMapping, ctx: &ClaimContext) -> Vec<Code> {
    check(m, ctx).iter().map(|f| f.code).collect()
}

fn toml(text: &str) -> ClaimMapping {
    parse("claims.toml", text.as_bytes()).unwrap()
}

#[test]
fn reads_the_toml_form() {
    let m = toml(IDC_TOML);
    assert_eq!(
        m.name_id,
        Some(NameIdClaim {
            source: ClaimSource::Attribute("user.userprincipalname".into()),
            format: NameIdFormat::EmailAddress
        })
    );
    assert_eq!(m.claims.len(), 3);
    assert_eq!(
        m.claims[0].full_name(),
        "https://aws.amazon.com/SAML/Attributes/AccessControl:Department"
    );
    assert_eq!(m.claims[0].abac_key().as_deref(), Some("Department"));
    assert_eq!(m.claims[0].location, "line 7", "the [[claims]] header");
    assert_eq!(m.claims[1].source, ClaimSource::Constant("Platform".into()));
    assert!(m.claims[2].multi_valued, "user.groups is multi-valued");
    assert_eq!(codes(&m, &idc()), vec![]);
}

#[test]
fn toml_errors_name_line_and_field() {
    let cases = [
        (
            "[name_id]\nsource = \"user.userprincipalname\"\nformat = \"email-address\"\n",
            "line 3, column 10 (field `format`)",
            "not a Name identifier format",
        ),
        (
            "[[claims]]\nname = \"x\"\nsource = \"department\"\n",
            "line 3, column 10 (field `source`)",
            "not an attribute",
        ),
        (
            "[[claims]]\nname = \"x\"\nsource = \"user.a\"\nvalue = \"b\"\n",
            "line 1",
            "exactly one of source",
        ),
        (
            "[[claims]]\nname = \"x\"\nsourc = \"user.a\"\n",
            "line 3",
            "unknown field `sourc`",
        ),
        (
            "[[claims]]\nnamespace = \"x\"\nsource = \"user.a\"\n",
            "line 1",
            "missing field `name`",
        ),
        ("[name_id\n", "line 1", ""),
        (
            "[name_id]\nformat = \"emailAddress\"\n",
            "field `source`",
            "needs a source attribute",
        ),
    ];
    for (text, location, message) in cases {
        let e = parse("c.toml", text.as_bytes()).unwrap_err();
        assert!(e.location.contains(location), "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
        assert_eq!(e.file, "c.toml");
    }
}

const GRAPH_JSON: &str = r##"{
  "@odata.context": "https://graph.microsoft.com/beta/$metadata#servicePrincipals('x')/claimsPolicy/$entity",
  "id": "aaaaaaaa-bbbb-cccc-1111-222222222222",
  "includeBasicClaimSet": true,
  "includeApplicationIdInIssuer": false,
  "audienceOverride": null,
  "groupFilter": null,
  "claims": [
    {"@odata.type": "#microsoft.graph.samlNameIdClaim", "nameIdFormat": "emailAddress", "serviceProviderNameQualifier": null,
     "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "userprincipalname", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
    {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:Department", "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml"], "samlAttributeNameFormat": null,
     "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": "department", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
    {"@odata.type": "#microsoft.graph.customClaim", "name": "employeeId", "namespace": null, "tokenFormat": ["jwt"], "samlAttributeNameFormat": null,
     "configurations": [{"condition": null, "attribute": {"@odata.type": "#microsoft.graph.sourcedAttribute", "id": " employeeId", "source": "user", "isExtensionAttribute": false}, "transformations": []}]},
    {"@odata.type": "#microsoft.graph.customClaim", "name": "AccessControl:Project", "namespace": "https://aws.amazon.com/SAML/Attributes", "tokenFormat": ["saml", "jwt"],
     "configurations": [{"condition": null, "attribute": null, "transformations": [{"@odata.type": "#microsoft.graph.joinTransformation", "separator": "-"}]}]}
  ]
}"##;

#[test]
fn reads_the_graph_claims_policy() {
    let m = parse("policy.json", GRAPH_JSON.as_bytes()).unwrap();
    assert_eq!(
        m.name_id.as_ref().unwrap().format,
        NameIdFormat::EmailAddress
    );
    assert_eq!(
        m.name_id.as_ref().unwrap().source,
        ClaimSource::Attribute("user.userprincipalname".into())
    );
    assert_eq!(m.claims.len(), 2);
    assert_eq!(
        m.claims[0].source,
        ClaimSource::Attribute("user.department".into())
    );
    assert_eq!(m.claims[0].location, "claims[1]");
    assert_eq!(m.jwt_only, ["employeeId"]);
    assert!(
        matches!(&m.claims[1].source, ClaimSource::Transformation(t) if t == "joinTransformation")
    );
    assert_eq!(
        codes(&m, &idc()),
        vec![Code::ClaimsNotSaml, Code::ClaimsTransformation]
    );

    let wrapped = format!("{{\"value\": [{GRAPH_JSON}]}}");
    assert_eq!(parse("p.json", wrapped.as_bytes()).unwrap(), m);
}

#[test]
fn graph_errors_name_the_place() {
    let e = parse(
        "p.json",
        b"{\n  \"claims\": [\n    {\"name\": \"x\"}\n  ]\n}",
    )
    .unwrap_err();
    assert!(e.location.starts_with("line 3"), "{e}");
    assert!(e.message.contains("@odata.type"), "{e}");
    let e = parse(
        "p.json",
        br##"{"claims": [{"@odata.type": "#microsoft.graph.customClaim", "configurations": []}]}"##,
    )
    .unwrap_err();
    assert_eq!(e.location, "claims[0]");
    let e = parse("p.json", br##"{"claims": [{"@odata.type": "#microsoft.graph.customClaim", "name": "Role", "configurations": []}]}"##).unwrap_err();
    assert_eq!(e.location, "claims[0] (\"Role\")");
    assert!(e.message.contains("no configuration"));
    let e = parse("p.json", br#"{"id": "x"}"#).unwrap_err();
    assert!(e.message.contains("not a customClaimsPolicy"));
    let e = parse("p.json", b"{ nope").unwrap_err();
    assert!(e.location.starts_with("line 1, column"), "{e}");
}

#[test]
fn identity_center_rules() {
    let with = |extra: &str| {
        toml(&format!(
            "[name_id]\nsource = \"user.userprincipalname\"\nformat = \"emailAddress\"\n{extra}"
        ))
    };
    let abac = |key: &str, source: &str| {
        format!("[[claims]]\nname = \"AccessControl:{key}\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\n{source}\n")
    };

    assert_eq!(
        codes(&with(&abac("Dept", "source = \"user.department\"")), &idc()),
        vec![]
    );
    assert_eq!(
        codes(
            &with(&abac("Dept;x", "source = \"user.department\"")),
            &idc()
        ),
        vec![Code::AbacKey]
    );
    assert_eq!(
        codes(&with(&abac("Groups", "source = \"user.groups\"")), &idc()),
        vec![Code::AbacMultivalued]
    );
    let twice = format!(
        "{}{}",
        abac("Dept", "source = \"user.department\""),
        abac("Dept", "value = \"x\"")
    );
    assert_eq!(codes(&with(&twice), &idc()), vec![Code::AbacDuplicate]);
    let many: String = (0..51)
        .map(|i| abac(&format!("K{i}"), "value = \"v\""))
        .collect();
    assert_eq!(codes(&with(&many), &idc()), vec![Code::AbacTooMany]);
    let wrong_case = "[[claims]]\nname = \"accesscontrol:Dept\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\nsource = \"user.department\"\n";
    assert_eq!(
        codes(&with(wrong_case), &idc()),
        vec![Code::IamAttributeCase]
    );

    let unspecified =
        toml("[name_id]\nsource = \"user.userprincipalname\"\nformat = \"unspecified\"\n");
    assert_eq!(codes(&unspecified, &idc()), vec![Code::NameidFormat]);
    let mail = toml("[name_id]\nsource = \"user.mail\"\nformat = \"emailAddress\"\n");
    assert_eq!(codes(&mail, &idc()), vec![Code::ClaimsNameidSource]);
    let custom_scim = ClaimContext {
        scim_username_source: Some("user.mail".into()),
        ..idc()
    };
    assert_eq!(codes(&mail, &custom_scim), vec![]);
    assert_eq!(
        codes(&toml("# no claims set\n"), &idc()),
        vec![Code::ClaimsNameidDefault]
    );
    let encrypted = toml("token_encryption = true\n[name_id]\nsource = \"user.userprincipalname\"\nformat = \"emailAddress\"\n");
    assert_eq!(codes(&encrypted, &idc()), vec![Code::AssertionEncrypted]);
}

#[test]
fn iam_rules() {
    let aws = |name: &str, source: &str| {
        format!("[[claims]]\nname = \"{name}\"\nnamespace = \"https://aws.amazon.com/SAML/Attributes\"\n{source}\n")
    };
    let base = format!(
        "{}{}",
        aws("Role", "source = \"user.assignedroles\""),
        aws("RoleSessionName", "source = \"user.userprincipalname\"")
    );
    assert_eq!(codes(&toml(&base), &iam()), vec![]);
    assert_eq!(codes(&ClaimMapping::iam_default(), &iam()), vec![]);

    assert_eq!(
        codes(
            &toml(&aws(
                "RoleSessionName",
                "source = \"user.userprincipalname\""
            )),
            &iam()
        ),
        vec![Code::IamRoleMissing]
    );
    assert_eq!(
        codes(
            &toml(&aws("Role", "source = \"user.assignedroles\"")),
            &iam()
        ),
        vec![Code::IamSessionNameMissing]
    );
    let miscased = format!(
        "{}{}",
        aws("role", "source = \"user.assignedroles\""),
        aws("RoleSessionName", "source = \"user.userprincipalname\"")
    );
    assert_eq!(
        codes(&toml(&miscased), &iam()),
        vec![Code::IamAttributeCase, Code::IamRoleMissing]
    );
    let no_namespace = format!(
        "[[claims]]\nname = \"Role\"\nsource = \"user.assignedroles\"\n{}",
        aws("RoleSessionName", "source = \"user.userprincipalname\"")
    );
    assert_eq!(
        codes(&toml(&no_namespace), &iam()),
        vec![Code::IamAttributeCase, Code::IamRoleMissing]
    );

    let with = |extra: String| toml(&format!("{base}{extra}"));
    assert_eq!(
        codes(
            &with(aws(
                "Role",
                "value = \"arn:aws:iam::123456789012:role/Admin\""
            )),
            &iam()
        ),
        vec![Code::IamRoleFormat]
    );
    assert_eq!(
        codes(&with(aws("Role", "value = \"arn:aws:iam::123456789012:role/Admin,arn:aws:iam::123456789012:saml-provider/Other\"")), &iam()),
        vec![Code::IamRoleProvider]
    );
    assert_eq!(codes(&with(aws("Role", "value = \"arn:aws:iam::123456789012:role/Admin,arn:aws:iam::123456789012:saml-provider/EntraID\"")), &iam()), vec![]);
    assert_eq!(
        codes(&with(aws("Role", "value = \"arn:aws:iam::999999999999:role/Admin,arn:aws:iam::123456789012:saml-provider/EntraID\"")), &iam()),
        vec![Code::IamRoleAccount],
        "the role is in another account"
    );
    let session = format!(
        "{}{}",
        aws("Role", "source = \"user.assignedroles\""),
        aws("RoleSessionName", "value = \"Alice Example\"")
    );
    assert_eq!(codes(&toml(&session), &iam()), vec![Code::IamSessionName]);
    assert_eq!(
        codes(&with(aws("SessionDuration", "value = \"60\"")), &iam()),
        vec![Code::IamSessionDuration]
    );
    assert_eq!(
        codes(&with(aws("SessionDuration", "value = \"3600\"")), &iam()),
        vec![]
    );
    assert_eq!(
        codes(
            &with(aws("PrincipalTag:Team", "source = \"user.groups\"")),
            &iam()
        ),
        vec![Code::IamPrincipalTag]
    );
    assert_eq!(
        codes(
            &with(aws(
                "PrincipalTag:Team",
                &format!("value = \"{}\"", "x".repeat(257))
            )),
            &iam()
        ),
        vec![Code::IamPrincipalTag]
    );
    assert_eq!(
        codes(
            &with(aws("SourceIdentity", "value = \"aws:alice\"")),
            &iam()
        ),
        vec![Code::IamSourceIdentity]
    );
    assert_eq!(
        codes(
            &with(aws("SourceIdentity", "source = \"user.userprincipalname\"")),
            &iam()
        ),
        vec![]
    );
}

#[test]
fn identity_center_sources() {
    assert_eq!(
        identity_center_source("user.department"),
        Some("${path:enterprise.department}")
    );
    assert_eq!(
        identity_center_source("user.GivenName"),
        Some("${path:name.givenName}")
    );
    assert_eq!(identity_center_source("user.extension_abc_team"), None);
}

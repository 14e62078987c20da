//! `preflight` before a cutover: a clean tenant that is go, one scenario per finding that makes
//! it no-go (or says what to watch), the report's three forms, and both sides read live (the
//! Graph stand-in, moto) giving what their saved exports give.

use crate::aws_tooling::{ok, Moto};
use crate::util::{code, json, run, stderr, stdout, tempdir, testdata};
use samlbridge_testkit::graph::{self as g, GraphServer};
use samlbridge_testkit::preflight::{self as p, Scenario};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-27T09:00:00Z";

/// A scenario's two sides saved as a user saves them: the Entra side by `samlbridge entra
/// export` from the Graph stand-in serving the tenant, Identity Center as the AWS CLI writes it.
struct Saved {
    dir: tempfile::TempDir,
}

impl Saved {
    fn new(s: &Scenario) -> Saved {
        let dir = tempdir();
        let server = s.tenant.serve();
        let out = entra_export(&server, dir.path(), &dir.path().join("entra"));
        assert_eq!(code(&out), 0, "entra export: {}", stderr(&out));
        s.write_aws(&dir.path().join("aws")).unwrap();
        Saved { dir }
    }

    fn entra(&self) -> PathBuf {
        self.dir.path().join("entra")
    }

    fn aws(&self) -> PathBuf {
        self.dir.path().join("aws")
    }

    /// `preflight` of both directories against the shipped metadata, at [`NOW`], plus `extra`.
    fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "preflight".to_owned(),
            "--entra".to_owned(),
            self.entra().display().to_string(),
            "--aws".to_owned(),
            self.aws().display().to_string(),
        ];
        args.extend(metadata_args(extra));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        (code(&out), json(&out))
    }
}

/// The service-provider metadata and the certificates Identity Center trusts, then `extra`,
/// at [`NOW`] unless `extra` sets `--now`.
fn metadata_args(extra: &[&str]) -> Vec<String> {
    let sp = testdata("metadata/identity-center-sp.xml");
    let current = testdata("metadata/entra-app.xml");
    let mut args = vec!["--sp-metadata", &sp, "--current-metadata", &current];
    if !extra.contains(&"--now") {
        args.extend(["--now", NOW]);
    }
    args.extend_from_slice(extra);
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// `samlbridge entra export` of the stand-in into `out` (its CA written into `tmp`).
fn entra_export(server: &GraphServer, tmp: &Path, out: &Path) -> Output {
    let ca = tmp.join("graph-ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    run(&[
        "entra",
        "export",
        "--tenant",
        g::TENANT_ID,
        "--app-id",
        g::APP_ID,
        "-o",
        out.to_str().unwrap(),
        "--graph-token",
        g::TOKEN,
        "--graph-endpoint",
        &server.url(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--quiet",
    ])
}

/// `preflight` of `s` as JSON: exit code and document.
fn preflight(s: &Scenario, extra: &[&str]) -> (i32, Value) {
    Saved::new(s).json(extra)
}

/// The verdict of each area.
fn areas(doc: &Value) -> Vec<(String, String)> {
    doc["areas"]
        .as_array()
        .unwrap_or_else(|| panic!("no areas in {doc}"))
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The areas that are no-go.
fn no_go(doc: &Value) -> Vec<String> {
    areas(doc)
        .into_iter()
        .filter(|(_, v)| v == "no-go")
        .map(|(n, _)| n)
        .collect()
}

/// The findings with `code`: (severity, message).
fn with_code(doc: &Value, code: &str) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every finding's code (sorted, with repeats), to say nothing else was found.
fn codes(doc: &Value) -> Vec<String> {
    let mut c: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

/// The one finding of `code`, asserting it is the only finding of the run and has `severity`;
/// its message.
fn only(doc: &Value, code: &str, severity: &str) -> String {
    assert_eq!(codes(doc), [code], "{doc:#}");
    let f = with_code(doc, code);
    assert_eq!(f[0].0, severity, "{doc:#}");
    f[0].1.clone()
}

/// The user row of the Entra user `id`.
fn user_row<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["entra_id"] == id)
        .unwrap_or_else(|| panic!("no user {id} in {doc:#}"))
}

#[test]
fn a_clean_tenant_is_go() {
    let (exit, doc) = preflight(&Scenario::clean(), &[]);
    assert_eq!(exit, 0, "{doc:#}");
    assert_eq!(doc["verdict"], "pass", "{doc:#}");
    assert_eq!(codes(&doc), Vec::<String>::new(), "{doc:#}");
    assert_eq!(
        areas(&doc),
        [
            "Entra application",
            "signing certificate",
            "provisioning",
            "users",
            "Identity Center"
        ]
        .map(|a| (a.to_owned(), "go".to_owned()))
    );
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), 4, "{doc:#}");
    let bob = user_row(&doc, g::BOB);
    assert_eq!(bob["assigned_via"], "group AWS Engineers");
    assert_eq!(bob["name_id"], "bob@contoso.example");
    assert_eq!(bob["identity_center_user"], "bob@contoso.example");
    assert_eq!(user_row(&doc, g::ALICE)["assigned_via"], "direct");
}

/// A no-go run: exit 1, the verdict, and exactly `areas` no-go.
fn assert_no_go(exit: i32, doc: &Value, areas: &[&str]) {
    assert_eq!(exit, 1, "{doc:#}");
    assert_eq!(doc["verdict"], "fail", "{doc:#}");
    assert_eq!(no_go(doc), areas, "{doc:#}");
}

/// A go run with something said: exit 0 and no area no-go.
fn assert_go(exit: i32, doc: &Value) {
    assert_eq!(exit, 0, "{doc:#}");
    assert_eq!(no_go(doc), Vec::<String>::new(), "{doc:#}");
}

#[test]
fn an_identifier_with_a_trailing_slash_is_named_as_the_near_miss() {
    let mut s = Scenario::clean();
    s.tenant.application["identifierUris"] = json!([format!("{}/", p::ENTITY_ID)]);
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["Entra application"]);
    let m = only(&doc, "entra-identifier", "error");
    assert_eq!(
        m,
        format!(
            "no Identifier equals Identity Center's entityID \"{0}\"; the nearest is \"{0}/\", which has a trailing slash",
            p::ENTITY_ID
        )
    );

    // Identity Center's entityID of another instance (another directory id).
    let other = p::ENTITY_ID.replace("d-93670a1b2c", "d-9067aaaaaa");
    s.tenant.application["identifierUris"] = json!(["urn:amazon:webservices", other]);
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["Entra application"]);
    assert!(
        only(&doc, "entra-identifier", "error").ends_with(&format!(
            "the nearest is \"{other}\", which names another directory id"
        )),
        "{doc:#}"
    );
}

#[test]
fn a_missing_acs_url_is_named() {
    let mut s = Scenario::clean();
    s.tenant.service_principal["replyUrls"] = json!(&p::ACS[..2]);
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["Entra application"]);
    let m = only(&doc, "entra-reply-urls", "error");
    assert_eq!(
        m,
        format!(
            "the reply URLs lack Identity Center's ACS URL \"{}\"",
            p::ACS[2]
        )
    );
}

#[test]
fn a_default_reply_url_that_is_no_acs_url_is_a_warning() {
    let mut s = Scenario::clean();
    let portal = "https://d-93670a1b2c.awsapps.com/start";
    s.tenant.application["web"]["redirectUris"] = json!([portal, p::ACS[0], p::ACS[1], p::ACS[2]]);
    s.tenant.application["web"]["redirectUriSettings"] = json!([
        {"uri": p::ACS[0], "index": 1},
        {"uri": portal, "index": 0},
        {"uri": p::ACS[1], "index": 2},
        {"uri": p::ACS[2], "index": 3},
    ]);
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    let m = only(&doc, "entra-reply-urls", "warning");
    assert!(
        m.starts_with(&format!(
            "the default reply URL \"{portal}\" is not one of Identity Center's ACS URLs"
        )),
        "{m}"
    );
}

#[test]
fn single_sign_on_mode_other_than_saml_is_no_go() {
    let mut s = Scenario::clean();
    s.tenant.service_principal["preferredSingleSignOnMode"] = "password".into();
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["Entra application"]);
    assert_eq!(
        only(&doc, "entra-sso-mode", "error"),
        "single sign-on mode is \"password\", not SAML"
    );

    // Older SAML applications leave it unset: said, not failed.
    s.tenant.service_principal["preferredSingleSignOnMode"] = Value::Null;
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert!(only(&doc, "entra-sso-mode", "warning").starts_with("single sign-on mode is not set"));
}

#[test]
fn a_signing_certificate_identity_center_does_not_hold_is_no_go() {
    let mut s = Scenario::clean();
    let next = "9A3B5C7D9E1F2A3B4C5D6E7F8091A2B3C4D5E6F7";
    s.tenant.service_principal["preferredTokenSigningKeyThumbprint"] = next.into();
    s.tenant.service_principal["keyCredentials"]
        .as_array_mut()
        .unwrap()
        .push(p::key_credential(
            next,
            "2026-11-01T09:00:00Z",
            "2029-11-01T09:00:00Z",
            "Sign",
        ));
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["signing certificate"]);
    let m = only(&doc, "entra-signing-cert", "error");
    assert!(
        m.starts_with(&format!(
            "Entra signs with certificate {next}, which Identity Center does not hold (--current-metadata "
        )),
        "{m}"
    );
    assert!(
        m.ends_with(&format!("entra-app.xml has \"{}\")", p::THUMBPRINT)),
        "{m}"
    );
}

#[test]
fn a_signing_certificate_expiring_within_the_warning_window_is_a_warning() {
    let s = Scenario::clean();
    let saved = Saved::new(&s);
    // 769 days left at NOW: outside the default 60 days, inside 800.
    let (exit, doc) = saved.json(&[]);
    assert_eq!((exit, codes(&doc)), (0, vec![]), "{doc:#}");
    let (exit, doc) = saved.json(&["--warn-days", "800"]);
    assert_go(exit, &doc);
    assert_eq!(
        only(&doc, "entra-signing-cert", "warning"),
        format!(
            "the signing certificate {} expires in 769 days (2029-01-04 09:00:00 UTC), and no newer certificate has been created",
            p::THUMBPRINT
        )
    );
}

#[test]
fn an_expired_signing_certificate_is_no_go() {
    let saved = Saved::new(&Scenario::clean());
    let (exit, doc) = saved.json(&["--now", "2029-02-01T00:00:00Z"]);
    assert_no_go(exit, &doc, &["signing certificate"]);
    assert_eq!(
        only(&doc, "entra-signing-cert", "error"),
        format!(
            "the signing certificate {} expired on 2029-01-04 09:00:00 UTC",
            p::THUMBPRINT
        )
    );
}

#[test]
fn nobody_notified_of_the_certificate_expiry_is_a_warning() {
    let mut s = Scenario::clean();
    s.tenant.service_principal["notificationEmailAddresses"] = json!([]);
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert_eq!(
        only(&doc, "entra-notification-email", "warning"),
        "no address is notified before the signing certificate expires"
    );

    s.tenant.service_principal["notificationEmailAddresses"] = json!(["admin@contoso.example"]);
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert!(only(&doc, "entra-notification-email", "info")
        .starts_with("only \"admin@contoso.example\" is notified"));
}

#[test]
fn assignment_not_required_is_info_and_still_go() {
    let mut s = Scenario::clean();
    s.tenant.service_principal["appRoleAssignmentRequired"] = false.into();
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert_eq!(doc["verdict"], "pass", "{doc:#}");
    assert!(only(&doc, "entra-assignment", "info").starts_with("assignment is not required"));
}

/// The clean tenant's provisioning mapping of `userName`.
fn user_name_mapping(s: &mut Scenario) -> &mut Value {
    &mut s.tenant.sync_schema.as_mut().unwrap()["synchronizationRules"][0]["objectMappings"][0]
        ["attributeMappings"][0]
}

#[test]
fn provisioning_user_name_from_mail_while_the_name_id_is_the_upn_is_no_go() {
    let mut s = Scenario::clean();
    let mapping = user_name_mapping(&mut s);
    assert_eq!(mapping["targetAttributeName"], "userName");
    mapping["source"] =
        json!({"expression": "[mail]", "name": "mail", "parameters": [], "type": "Attribute"});
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["provisioning"]);
    assert_eq!(
        only(&doc, "scim-username-source", "error"),
        "provisioning fills userName from \"mail\", but the NameID comes from user.userprincipalname: users whose two attributes differ cannot sign in"
    );
}

#[test]
fn a_provisioning_job_in_quarantine_is_no_go() {
    let mut s = Scenario::clean();
    s.tenant.sync_jobs[0]["status"]["code"] = "Quarantine".into();
    s.tenant.sync_jobs[0]["status"]["quarantine"] = json!({
        "currentBegan": "2026-11-20T08:00:00Z",
        "nextAttempt": "2026-11-28T08:00:00Z",
        "reason": "EncounteredQuarantineException",
        "seriesBegan": "2026-11-20T08:00:00Z",
        "seriesCount": 3,
        "error": {"code": "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable", "message": "The credentials are invalid."}
    });
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["provisioning"]);
    assert_eq!(
        only(&doc, "scim-username-source", "error"),
        format!(
            "provisioning job {} is in quarantine: EncounteredQuarantineException",
            g::JOB_ID
        )
    );
}

#[test]
fn an_assigned_user_identity_center_does_not_hold_is_not_provisioned() {
    let mut s = Scenario::clean();
    s.identity_users
        .retain(|u| u.user_name != "dave@contoso.example");
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["users"]);
    assert_eq!(
        only(&doc, "user-not-provisioned", "error"),
        "no Identity Center user is named \"dave@contoso.example\", and none carries this Entra user's object id: provisioning has not created it"
    );
    let dave = user_row(&doc, g::DAVE);
    assert_eq!(dave["identity_center_user"], Value::Null);
    assert_eq!(dave["findings"][0]["code"], "user-not-provisioned");
}

#[test]
fn a_user_name_differing_only_in_case_is_a_mismatch() {
    let mut s = Scenario::clean();
    s.identity_user(g::BOB).user_name = "Bob@Contoso.example".into();
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["users"]);
    assert_eq!(
        only(&doc, "user-name-mismatch", "error"),
        "Identity Center's user is \"Bob@Contoso.example\"; the NameID \"bob@contoso.example\" differs only in letter case, and Identity Center compares exactly"
    );
    assert_eq!(
        user_row(&doc, g::BOB)["identity_center_user"],
        "Bob@Contoso.example"
    );
}

#[test]
fn a_user_found_through_its_external_id_under_another_name_is_a_mismatch() {
    let mut s = Scenario::clean();
    s.identity_user(g::CAROL).user_name = "carol.cole@contoso.example".into();
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["users"]);
    assert_eq!(
        only(&doc, "user-name-mismatch", "error"),
        "Identity Center's user for this Entra user (ExternalId) is \"carol.cole@contoso.example\", but the NameID is \"carol@contoso.example\""
    );
}

/// The clean tenant with the NameID, and provisioning's userName, taken from mail.
fn name_id_from_mail() -> Scenario {
    let mut s = Scenario::clean();
    let policy = s.tenant.claims_policy.as_mut().unwrap();
    policy["claims"][0]["configurations"][0]["attribute"]["id"] = "mail".into();
    user_name_mapping(&mut s)["source"] =
        json!({"expression": "[mail]", "name": "mail", "parameters": [], "type": "Attribute"});
    s
}

#[test]
fn a_user_without_the_name_id_source_attribute_gets_no_name_id() {
    let mut s = name_id_from_mail();
    s.user(g::DAVE)["mail"] = Value::Null;
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["users"]);
    assert_eq!(
        only(&doc, "user-nameid-empty", "error"),
        "the NameID's source attribute (user.mail) is empty: Entra sends no usable NameID"
    );
    assert_eq!(user_row(&doc, g::DAVE)["name_id"], Value::Null);
}

#[test]
fn a_guest_user_is_a_warning() {
    let mut s = Scenario::clean();
    let upn = "carol_fabrikam.example#EXT#@contoso.onmicrosoft.com";
    let carol = s.user(g::CAROL);
    carol["userPrincipalName"] = upn.into();
    carol["mail"] = "carol@fabrikam.example".into();
    carol["userType"] = "Guest".into();
    s.identity_user(g::CAROL).user_name = upn.into();
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert_eq!(
        only(&doc, "user-guest", "warning"),
        format!("\"{upn}\" is a guest (#EXT#): its user principal name is not its e-mail address")
    );
}

#[test]
fn a_user_without_a_surname_is_skipped_by_provisioning() {
    let mut s = Scenario::clean();
    s.user(g::ALICE)["surname"] = Value::Null;
    // Provisioning skipped Alice: Identity Center has no user for her.
    s.identity_users
        .retain(|u| u.user_name != "alice@contoso.example");
    let (exit, doc) = preflight(&s, &[]);
    assert_no_go(exit, &doc, &["users"]);
    assert_eq!(
        codes(&doc),
        ["user-not-provisioned", "user-scim-incomplete"],
        "{doc:#}"
    );
    assert_eq!(
        with_code(&doc, "user-scim-incomplete"),
        [(
            "error".to_owned(),
            "no surname: Identity Center's SCIM refuses a user without it, so provisioning skips this one".to_owned()
        )]
    );
    let alice: Vec<&str> = user_row(&doc, g::ALICE)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(alice.len(), 2, "{alice:?}");
}

#[test]
fn a_group_nested_in_an_assigned_group_is_named() {
    let mut s = Scenario::clean();
    s.tenant.groups[0].members.push(g::NESTED.to_owned());
    s.tenant.groups.push(samlbridge_testkit::graph::GraphGroup {
        id: g::NESTED.to_owned(),
        display_name: "Ops".to_owned(),
        members: vec![g::ERIN.to_owned()],
    });
    let mut erin = s.user(g::ALICE).clone();
    erin["id"] = g::ERIN.into();
    erin["userPrincipalName"] = "erin@contoso.example".into();
    s.tenant.users.push(erin);
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert_eq!(
        only(&doc, "user-nested-group", "warning"),
        "group \"Ops\" is nested in the assigned group \"AWS Engineers\": provisioning creates none of its members, so they cannot sign in unless assigned another way"
    );
}

#[test]
fn an_identity_center_user_no_entra_user_reaches_is_an_orphan() {
    let mut s = Scenario::clean();
    s.identity_users.push(p::ic_user(
        "frank@contoso.example",
        "9067999999-aaaa-4bbb-8ccc-dddddddddddd",
        None,
        "Frank",
        "Fisher",
    ));
    let (exit, doc) = preflight(&s, &[]);
    assert_go(exit, &doc);
    assert_eq!(
        only(&doc, "identity-center-orphan", "warning"),
        "Identity Center user \"frank@contoso.example\" matches no assigned Entra user: it loses access at cutover"
    );
    let rows = doc["users"].as_array().unwrap();
    let frank = rows
        .iter()
        .find(|u| u["identity_center_user"] == "frank@contoso.example")
        .unwrap();
    assert_eq!(frank["entra_id"], "");
    assert_eq!(frank["assigned_via"], "not assigned");
}

/// The clean tenant with an Identifier near miss and Bob's user name in another case.
fn two_problems() -> Scenario {
    let mut s = Scenario::clean();
    s.identity_user(g::BOB).user_name = "Bob@Contoso.example".into();
    s.tenant.application["identifierUris"] = json!([format!("{}/", p::ENTITY_ID)]);
    s
}

/// Where `needle` starts in `haystack`, asserting it is there.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("no {needle:?} in:\n{haystack}"))
}

#[test]
fn the_human_report_shows_areas_then_findings_then_the_users_with_a_problem() {
    let saved = Saved::new(&two_problems());
    let out = saved.run(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("NO-GO preflight  (2 errors, 0 warnings)\n"),
        "{text}"
    );
    let areas = at(&text, "  Entra application    no-go ");
    let users_area = at(&text, "  users                no-go ");
    let findings = at(&text, "\nFindings\n");
    let identifier = at(&text, "error[entra-identifier] ");
    let users = at(
        &text,
        "\nUsers  (4 users, 1 with a problem; --all-users lists everyone)\n",
    );
    let bob = at(&text, "  bob@contoso.example  user-name-mismatch  via group AWS Engineers; NameID bob@contoso.example; Identity Center Bob@Contoso.example\n");
    assert!(areas < users_area && users_area < findings, "{text}");
    assert!(
        findings < identifier && identifier < users && users < bob,
        "{text}"
    );
    // A user's finding is shown under the user, not among the findings.
    assert_eq!(
        text.matches("differs only in letter case").count(),
        1,
        "{text}"
    );
    assert!(!text.contains("alice@contoso.example"), "{text}");

    let text = stdout(&saved.run(&["--all-users"]));
    at(&text, "\nUsers  (4 users, 1 with a problem)\n");
    at(&text, "  alice@contoso.example  ok  assigned directly; NameID alice@contoso.example; Identity Center alice@contoso.example\n");
    assert_eq!(text.matches("  ok  ").count(), 3, "{text}");

    let clean = stdout(&Saved::new(&Scenario::clean()).run(&[]));
    assert!(
        clean.starts_with("GO preflight  (0 errors, 0 warnings)\n"),
        "{clean}"
    );
    at(&clean, "  none with a problem\n");
}

#[test]
fn the_json_report_holds_areas_users_findings_and_the_verdict() {
    let (exit, doc) = preflight(&two_problems(), &[]);
    assert_eq!(exit, 1);
    assert_eq!(doc["command"], "preflight");
    crate::schemas::assert_matches("preflight", &doc);
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(
        codes(&doc),
        ["entra-identifier", "user-name-mismatch"],
        "{doc:#}"
    );
    let area = &doc["areas"][0];
    assert_eq!(area["name"], "Entra application");
    assert_eq!(area["verdict"], "no-go");
    assert!(area["note"]
        .as_str()
        .unwrap()
        .starts_with("identifier, reply URLs"));
    // Every assigned user is in `users`, with a problem or not.
    assert_eq!(doc["users"].as_array().unwrap().len(), 4);
    let bob = user_row(&doc, g::BOB);
    assert_eq!(bob["user_principal_name"], "bob@contoso.example");
    assert_eq!(bob["display_name"], "Bob Baker");
    assert_eq!(bob["findings"][0]["code"], "user-name-mismatch");
    assert_eq!(bob["findings"][0]["severity"], "error");
    assert_eq!(user_row(&doc, g::ALICE)["findings"], json!([]));
}

/// The rows of a CSV file, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn users_csv_holds_every_user_and_replaces_a_file_only_when_forced() {
    let mut s = two_problems();
    s.identity_users.push(p::ic_user(
        "frank@contoso.example",
        "9067999999-aaaa-4bbb-8ccc-dddddddddddd",
        None,
        "Frank",
        "Fisher",
    ));
    let saved = Saved::new(&s);
    let csv = saved.dir.path().join("users.csv");
    let out = saved.run(&["--users-csv", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = csv_rows(&csv);
    assert_eq!(
        rows[0],
        [
            "entra_object_id",
            "user_principal_name",
            "display_name",
            "assigned_via",
            "name_id",
            "identity_center_user",
            "status",
            "problems"
        ]
    );
    assert_eq!(
        rows.len(),
        1 + 5,
        "four assigned users and the orphan: {rows:?}"
    );
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(
        row(g::ALICE),
        [
            g::ALICE,
            "alice@contoso.example",
            "Alice Archer",
            "direct",
            "alice@contoso.example",
            "alice@contoso.example",
            "ok",
            ""
        ]
    );
    let bob = row(g::BOB);
    assert_eq!(bob[3], "group AWS Engineers");
    assert_eq!(bob[5], "Bob@Contoso.example");
    assert_eq!(bob[6], "user-name-mismatch");
    assert!(bob[7].contains("differs only in letter case"), "{bob:?}");
    let frank = row("");
    assert_eq!(frank[5], "frank@contoso.example");
    assert_eq!(frank[6], "identity-center-orphan");

    // An existing file is left alone without --force.
    std::fs::write(&csv, "kept\n").unwrap();
    let out = saved.run(&["--users-csv", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!(
            "--users-csv {}: exists; samlbridge does not replace a file unless told to (--force)",
            csv.display()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "kept\n");

    let out = saved.run(&["--users-csv", csv.to_str().unwrap(), "--force"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(csv_rows(&csv).len(), 6);
}

#[test]
fn a_side_that_cannot_be_read_is_exit_2_naming_it() {
    let saved = Saved::new(&Scenario::clean());
    let aws = saved.aws();
    let missing = saved.dir.path().join("no-such-export");
    let run_with = |entra: &[&str]| {
        let mut args = vec!["preflight"];
        args.extend_from_slice(entra);
        args.extend(["--aws", aws.to_str().unwrap()]);
        let extra = metadata_args(&[]);
        args.extend(extra.iter().map(String::as_str));
        run(&args)
    };

    let out = run_with(&["--entra", missing.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!(
            "--entra {}: {}: ",
            missing.display(),
            missing.display()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");

    // The users saved where the service principal belongs.
    let entra = saved.entra();
    let sp = std::fs::read(entra.join("servicePrincipal.json")).unwrap();
    std::fs::copy(
        entra.join("users.json"),
        entra.join("servicePrincipal.json"),
    )
    .unwrap();
    let out = run_with(&["--entra", entra.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: is not a service principal: ",
            entra.join("servicePrincipal.json").display()
        )),
        "{err}"
    );

    let out = run_with(&[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("give the Entra side: --tenant T --app-id A to read it live through Microsoft Graph, or --entra DIR with what samlbridge entra export saved"),
        "{}",
        stderr(&out)
    );

    // Identity Center's users saved as something else.
    std::fs::write(entra.join("servicePrincipal.json"), sp).unwrap();
    std::fs::write(aws.join("list-users.json"), r#"{"Groups": []}"#).unwrap();
    let out = saved.run(&[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!(
            "--aws {}: {}: not what the AWS CLI writes ({{\"Users\": [...]}})",
            aws.display(),
            aws.join("list-users.json").display()
        )),
        "{}",
        stderr(&out)
    );
}

/// `preflight` as JSON with the environment `env` added; exit code and document.
fn preflight_with_env(args: &[String], env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = crate::util::bin();
    cmd.arg("preflight").args(args).args(["--format", "json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
    (code(&out), json(&out))
}

/// What a run found: its areas, findings and users, without what says how it was read.
fn judged(doc: &Value) -> Value {
    json!({"areas": doc["areas"], "findings": doc["findings"], "users": doc["users"], "verdict": doc["verdict"]})
}

#[test]
fn the_entra_side_read_live_gives_what_its_export_gives() {
    let mut s = two_problems();
    let guest = "dave_fabrikam.example#EXT#@contoso.onmicrosoft.com";
    s.user(g::DAVE)["userType"] = "Guest".into();
    s.user(g::DAVE)["userPrincipalName"] = guest.into();
    s.identity_user(g::DAVE).user_name = guest.into();
    s.tenant.service_principal["notificationEmailAddresses"] = json!([]);
    // Graph as it is met: small pages and a 429 to wait out.
    s.tenant.page_size = 1;
    s.tenant.throttle_once = Some("/appRoleAssignedTo".to_owned());
    let saved = Saved::new(&s);
    let offline = saved.json(&[]);

    let server = s.tenant.serve();
    let ca = saved.dir.path().join("live-ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    let mut args: Vec<String> = [
        "--tenant",
        g::TENANT_ID,
        "--app-id",
        g::APP_ID,
        "--graph-token",
        g::TOKEN,
        "--graph-endpoint",
        &server.url(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--aws",
        saved.aws().to_str().unwrap(),
        "--quiet",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(metadata_args(&[]));
    let live = preflight_with_env(&args, &[]);
    assert_eq!(live.0, 1, "{:#}", live.1);
    assert_eq!(
        codes(&live.1),
        [
            "entra-identifier",
            "entra-notification-email",
            "user-guest",
            "user-name-mismatch"
        ],
        "{:#}",
        live.1
    );
    assert_eq!(live.0, offline.0);
    assert_eq!(judged(&live.1), judged(&offline.1));
    // It was read as Graph serves it: pages followed, the 429 waited out.
    let answered = server.answered();
    assert!(
        answered.iter().any(|(status, _)| *status == 429),
        "{answered:?}"
    );
    assert!(
        answered
            .iter()
            .any(|(_, target)| target.contains("%24skiptoken=")),
        "{answered:?}"
    );
}

/// Identity Center in moto, made with the AWS CLI: Alice, Bob in another letter case, Carol,
/// and Frank, whom no Entra user reaches (moto's CreateUser takes no ExternalIds). The
/// identity store id.
fn identity_center_in_moto(moto: &Moto) -> String {
    let instances: Value =
        serde_json::from_str(&ok(&moto.aws(&["sso-admin", "list-instances"]))).unwrap();
    let store = instances["Instances"][0]["IdentityStoreId"]
        .as_str()
        .unwrap()
        .to_owned();
    for (user, given, family) in [
        ("alice@contoso.example", "Alice", "Archer"),
        ("Bob@Contoso.example", "Bob", "Baker"),
        ("carol@contoso.example", "Carol", "Cole"),
        ("frank@contoso.example", "Frank", "Fisher"),
    ] {
        ok(&moto.aws(&[
            "identitystore",
            "create-user",
            "--identity-store-id",
            &store,
            "--user-name",
            user,
            "--name",
            &format!("GivenName={given},FamilyName={family}"),
            "--display-name",
            &format!("{given} {family}"),
            "--emails",
            &format!("Value={user},Type=work,Primary=true"),
        ]));
    }
    store
}

#[test]
fn the_aws_side_read_live_from_moto_gives_what_the_aws_cli_saved() {
    let Some(moto) = Moto::start_if_installed() else {
        return;
    };
    let store = identity_center_in_moto(&moto);
    let saved = Saved::new(&Scenario::clean());
    // What the README tells a user to run, from the same server.
    let cli = saved.dir.path().join("aws-cli");
    std::fs::create_dir(&cli).unwrap();
    std::fs::write(
        cli.join("list-instances.json"),
        ok(&moto.aws(&["sso-admin", "list-instances"])),
    )
    .unwrap();
    std::fs::write(
        cli.join("list-users.json"),
        ok(&moto.aws(&["identitystore", "list-users", "--identity-store-id", &store])),
    )
    .unwrap();
    let entra = saved.entra();
    let mut offline_args: Vec<String> = vec![
        "--entra".into(),
        entra.display().to_string(),
        "--aws".into(),
        cli.display().to_string(),
    ];
    offline_args.extend(metadata_args(&[]));
    let offline = preflight_with_env(&offline_args, &[]);

    let mut live_args: Vec<String> = vec![
        "--entra".into(),
        entra.display().to_string(),
        "--quiet".into(),
    ];
    live_args.extend(metadata_args(&[]));
    let endpoint = moto.endpoint();
    let live = preflight_with_env(
        &live_args,
        &[
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    assert_no_go(live.0, &live.1, &["users"]);
    assert_eq!(
        codes(&live.1),
        [
            "identity-center-orphan",
            "user-name-mismatch",
            "user-not-provisioned"
        ],
        "{:#}",
        live.1
    );
    assert!(
        with_code(&live.1, "user-not-provisioned")[0]
            .1
            .contains("\"dave@contoso.example\""),
        "{:#}",
        live.1
    );
    let identity_center = &live.1["areas"][4];
    assert_eq!(
        identity_center["note"],
        format!("4 users in identity store {store}")
    );
    assert_eq!(live.0, offline.0);
    assert_eq!(judged(&live.1), judged(&offline.1));
}

#[test]
fn an_export_without_the_users_says_they_were_not_checked() {
    let mut s = Scenario::clean();
    s.tenant.service_principal["appRoleAssignmentRequired"] = false.into();
    let saved = Saved::new(&s);
    std::fs::remove_file(saved.entra().join("users.json")).unwrap();
    let (exit, doc) = saved.json(&[]);
    assert_eq!(exit, 0, "{doc:#}");
    // The application is still judged; no user is found wanting for lack of its attributes.
    assert_eq!(codes(&doc), ["entra-assignment"], "{doc:#}");
    let users = &doc["areas"][3];
    assert_eq!(users["name"], "users");
    assert_eq!(users["verdict"], "not-checked");
    assert_eq!(users["note"], "the assigned users were not read");
    assert_eq!(doc["users"], json!([]));
}

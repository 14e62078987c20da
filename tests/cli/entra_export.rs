//! `entra export`: an Entra application read from the Microsoft Graph stand-in (real TLS,
//! paging, a 429, a 403) and saved into a directory the user may already keep files in.

use crate::util::{code, json, run, stderr, stdout, tempdir};
use samlbridge::graph::EntraExport;
use samlbridge_testkit::graph::{self as g, GraphServer, GraphTenant};
use serde_json::Value;
use std::path::Path;

struct Export {
    server: GraphServer,
    dir: tempfile::TempDir,
}

impl Export {
    fn new(tenant: &GraphTenant) -> Self {
        let server = tenant.serve();
        let dir = tempdir();
        std::fs::write(dir.path().join("ca.pem"), server.ca_pem()).unwrap();
        Export { server, dir }
    }

    fn out(&self) -> std::path::PathBuf {
        self.dir.path().join("entra")
    }

    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "entra",
            "export",
            "--tenant",
            g::TENANT_ID,
            "--app-id",
            g::APP_ID,
            "-o",
            self.out().to_str().unwrap(),
            "--graph-endpoint",
            &self.server.url(),
            "--ca-file",
            self.dir.path().join("ca.pem").to_str().unwrap(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    fn run(&self, extra: &[&str]) -> std::process::Output {
        let args = self.args(extra);
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

fn read(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

fn ids(collection: &Value) -> Vec<String> {
    let mut ids: Vec<String> = collection["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn exports_every_body_following_pages_and_waiting_out_a_429() {
    let tenant = GraphTenant::fixture();
    let e = Export::new(&tenant);
    let out = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dir = e.out();

    // Each file is the body Graph documents for its call.
    let sp = read(&dir, "servicePrincipal.json");
    assert_eq!(sp["id"], g::SP_ID);
    assert_eq!(sp["preferredSingleSignOnMode"], "saml");
    assert_eq!(sp["keyCredentials"].as_array().unwrap().len(), 2);
    let app = read(&dir, "application.json");
    assert_eq!(app["identifierUris"], tenant.application["identifierUris"]);
    assert_eq!(
        app["web"]["redirectUris"],
        tenant.application["web"]["redirectUris"]
    );
    let policy = read(&dir, "claimsPolicy.json");
    assert_eq!(
        policy["claims"][0]["@odata.type"],
        "#microsoft.graph.samlNameIdClaim"
    );

    // Three assignments over two pages, the first page throttled once.
    let assignments = read(&dir, "appRoleAssignedTo.json");
    assert_eq!(
        assignments.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["value"]
    );
    assert_eq!(ids_of(&assignments, "principalId"), {
        let mut v = vec![g::ALICE, g::DAVE, g::ADMINS];
        v.sort();
        v
    });
    let answered = e.server.answered();
    let assignment_calls: Vec<&(u16, String)> = answered
        .iter()
        .filter(|(_, t)| t.contains("/appRoleAssignedTo"))
        .collect();
    assert_eq!(
        assignment_calls.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [429, 200, 200],
        "{answered:?}"
    );
    assert!(
        assignment_calls[2].1.contains("skiptoken=2"),
        "{answered:?}"
    );

    // The assigned group's direct members, the nested group among them and not read further.
    let members = read(&dir, "groupMembers.json");
    let groups: Vec<&String> = members.as_object().unwrap().keys().collect();
    assert_eq!(groups, [g::ADMINS]);
    let admins = &members[g::ADMINS]["value"];
    assert_eq!(admins.as_array().unwrap().len(), 3, "{admins}");
    assert!(admins
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == g::NESTED && m["@odata.type"] == "#microsoft.graph.group"));
    assert!(!answered
        .iter()
        .any(|(_, t)| t.contains(&format!("/groups/{}", g::NESTED))));

    // Users: those assigned directly and the user members of the group; not Erin, who is
    // only in the nested group.
    let users = read(&dir, "users.json");
    let mut expected = vec![g::ALICE, g::BOB, g::CAROL, g::DAVE];
    expected.sort();
    assert_eq!(ids(&users), expected);
    let dave = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == g::DAVE)
        .unwrap();
    assert!(dave["mail"].is_null());
    assert!(
        dave.get("jobTitle").is_none(),
        "only the selected attributes"
    );

    let jobs = read(&dir, "synchronizationJobs.json");
    assert_eq!(jobs["value"][0]["status"]["code"], "Active");
    let schema = read(&dir, "synchronizationSchema.json");
    assert!(schema["synchronizationRules"].is_array());

    let report = stdout(&out);
    assert!(report.contains("3 (2 users, 1 group)"), "{report}");
    assert!(report.contains("1 nested group"), "{report}");
    assert!(
        report.contains("userName from userPrincipalName"),
        "{report}"
    );
    assert!(report.contains("wrote 8 files"), "{report}");
}

fn ids_of(collection: &Value, key: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = collection["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let id = v[key].as_str().unwrap();
            [
                g::ALICE,
                g::BOB,
                g::CAROL,
                g::DAVE,
                g::ERIN,
                g::ADMINS,
                g::NESTED,
            ]
            .into_iter()
            .find(|k| *k == id)
            .unwrap_or("unknown")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_saved_export_reads_back_as_fetched() {
    let tenant = GraphTenant::fixture();
    let e = Export::new(&tenant);
    let out = e.run(&["--graph-token", g::TOKEN, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["command"], "entra export");
    crate::schemas::assert_matches("entra-export", &report);
    assert_eq!(report["written"], true);
    assert_eq!(report["counts"]["users"], 4);
    assert_eq!(report["counts"]["nested_groups"], 1);
    assert_eq!(report["user_name_source"], "userPrincipalName");
    assert_eq!(report["files"].as_array().unwrap().len(), 8);

    // What the library fetches from the same tenant equals what read_dir reads back.
    let fetcher = samlbridge::http::Fetcher::new(samlbridge::http::FetchOptions {
        ca_pem: Some(e.server.ca_pem()),
        ..Default::default()
    })
    .unwrap();
    let fetched = EntraExport::fetch(
        &fetcher,
        &url::Url::parse(&e.server.url()).unwrap(),
        &g::APP_ID.parse().unwrap(),
        &samlbridge::graph::GraphToken::new(g::TOKEN.into()).unwrap(),
        &|_| {},
    )
    .unwrap();
    let saved = EntraExport::read_dir(&e.out()).unwrap();
    assert_eq!(saved, fetched);
    assert_eq!(saved.users().len(), 4);
    assert_eq!(saved.group_members()[g::ADMINS].len(), 3);
    assert_eq!(
        saved
            .service_principal()
            .unwrap()
            .preferred_token_signing_key_thumbprint
            .as_deref(),
        Some("7C0B5E0D6A1F2E3D4C5B6A798877665544332211")
    );
    assert!(saved
        .claims_policy_text()
        .unwrap()
        .contains("samlNameIdClaim"));

    // A second run finds every file as it wrote it.
    let again = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stdout(&again).contains("nothing to write"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_denied_call_names_the_permission_and_the_token_flag() {
    let mut tenant = GraphTenant::fixture();
    tenant.deny = Some("/members".into());
    let e = Export::new(&tenant);
    let out = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("GroupMember.Read.All"), "{err}");
    assert!(err.contains("--graph-token"), "{err}");
    assert!(err.contains("Authorization_RequestDenied"), "{err}");
    assert!(!e.out().exists(), "nothing written");

    let mut tenant = GraphTenant::fixture();
    tenant.deny = Some("/synchronization/".into());
    let e = Export::new(&tenant);
    let out = e.run(&["--graph-token", g::TOKEN, "--format", "json"]);
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    assert_eq!(doc["verdict"], "error");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains("Synchronization.Read.All"), "{message}");
    assert!(!stderr(&out).contains(g::TOKEN), "the token is never shown");
}

#[test]
fn a_refused_token_says_to_get_a_fresh_one() {
    let e = Export::new(&GraphTenant::fixture());
    let out = e.run(&["--graph-token", "expired"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(err.contains("InvalidAuthenticationToken"), "{err}");
    assert!(err.contains("--graph-token"), "{err}");
}

#[test]
fn no_token_names_the_flag_and_the_variable() {
    let e = Export::new(&GraphTenant::fixture());
    let args = e.args(&[]);
    let out = crate::util::bin()
        .args(&args)
        .env_remove("SAMLBRIDGE_GRAPH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("--graph-token"), "{err}");
    assert!(err.contains("SAMLBRIDGE_GRAPH_TOKEN"), "{err}");
    assert_eq!(e.server.answered().len(), 0, "nothing asked of Graph");

    let from_env = crate::util::bin()
        .args(&args)
        .env("SAMLBRIDGE_GRAPH_TOKEN", g::TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&from_env), 0, "{}", stderr(&from_env));
}

#[test]
fn a_users_file_in_the_directory_is_never_touched() {
    let e = Export::new(&GraphTenant::fixture());
    std::fs::create_dir_all(e.out()).unwrap();
    let mine = e.out().join("users.json");
    std::fs::write(&mine, "my own notes\n").unwrap();
    let other = e.out().join("notes.txt");
    std::fs::write(&other, "keep\n").unwrap();
    let out = e.run(&["--graph-token", g::TOKEN, "--force"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("users.json"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("not written by samlbridge"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my own notes\n");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep\n");
    assert!(!e.out().join("servicePrincipal.json").exists());
}

#[test]
fn an_edited_export_file_is_replaced_only_with_force() {
    let e = Export::new(&GraphTenant::fixture());
    let first = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let sp = e.out().join("servicePrincipal.json");
    std::fs::write(&sp, "{}\n").unwrap();

    let refused = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&refused), 2);
    assert!(stdout(&refused).contains("--force"), "{}", stdout(&refused));
    assert_eq!(std::fs::read_to_string(&sp).unwrap(), "{}\n");

    let forced = e.run(&["--graph-token", g::TOKEN, "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_eq!(read(&e.out(), "servicePrincipal.json")["id"], g::SP_ID);
}

#[test]
fn a_next_link_off_the_graph_host_is_refused() {
    let mut tenant = GraphTenant::fixture();
    tenant.next_link_host = Some("graph.example.net".into());
    let e = Export::new(&tenant);
    let out = e.run(&["--graph-token", g::TOKEN]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("refusing the next page"), "{err}");
    assert!(err.contains("graph.example.net"), "{err}");
    assert!(!e
        .server
        .answered()
        .iter()
        .any(|(_, t)| t.contains("skiptoken")));
    assert!(!e.out().exists(), "nothing written");
}

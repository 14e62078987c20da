//! What the Entra enterprise application needs, ready to apply: the Microsoft Graph request
//! bodies, each in a file named after its request (`graph-<METHOD>-<resource>.json`), and
//! `entra-apply.sh`, which sends them with the Azure CLI, looking the objects up by the
//! application ID it is given.

use super::hcl::json_pretty;
use super::markdown::{cell, code, shell};
use super::outdir::FileSet;
use crate::claims::{ClaimMapping, ClaimSource};
use crate::entra::{AppId, Cloud};
use serde_json::{json, Value};
use std::fmt::Write;

/// The script that sends the requests.
pub const SCRIPT: &str = "entra-apply.sh";

/// The application as Entra should have it.
pub struct App<'a> {
    /// The Identifier (Entity ID): the application's `identifierUris`.
    pub identifier: &'a str,
    /// The Reply URLs, the default first: the application's `web.redirectUris`.
    pub reply_urls: &'a [String],
    /// The Sign on URL: the service principal's `loginUrl`.
    pub sign_on_url: Option<&'a str>,
    pub claims: &'a ClaimMapping,
    /// The tenant's cloud, which decides Graph's host.
    pub cloud: Cloud,
    /// The application ID, when the metadata was fetched with it (`?appid=`).
    pub app_id: Option<&'a AppId>,
}

/// The object a request addresses, looked up by the application ID.
#[derive(Clone, Copy)]
enum Object {
    Application,
    ServicePrincipal,
}

impl Object {
    /// The shell variable `entra-apply.sh` holds the object ID in.
    fn variable(self) -> &'static str {
        match self {
            Object::Application => "application",
            Object::ServicePrincipal => "service_principal",
        }
    }

    /// How STEPS.md names the object ID in a path.
    fn placeholder(self) -> &'static str {
        match self {
            Object::Application => "{application object ID}",
            Object::ServicePrincipal => "{service principal object ID}",
        }
    }
}

/// One Graph request: method, version, path around the object ID, and the body's file.
struct Request {
    method: &'static str,
    /// `v1.0`, or `beta` where v1.0 has no such resource.
    version: &'static str,
    /// The collection before the object ID (`applications`).
    collection: &'static str,
    object: Object,
    /// What follows the object ID (`/claimsPolicy`), if anything.
    suffix: &'static str,
    file: &'static str,
    /// What the body sets, for STEPS.md.
    what: &'static str,
    body: Value,
}

/// The tenant's cloud, judged by the metadata's entityID (Entra's issuer); the global cloud
/// when it names none.
pub fn cloud_of(entity_id: &str) -> Cloud {
    url::Url::parse(entity_id)
        .ok()
        .and_then(|u| u.host_str().and_then(Cloud::from_host))
        .unwrap_or(Cloud::Global)
}

/// The requests, in the order they are sent.
fn requests(app: &App<'_>) -> Vec<Request> {
    let mut service_principal = json!({"preferredSingleSignOnMode": "saml"});
    if let Some(url) = app.sign_on_url {
        service_principal["loginUrl"] = json!(url);
    }
    let mut out = vec![
        Request {
            method: "PATCH",
            version: "v1.0",
            collection: "applications",
            object: Object::Application,
            suffix: "",
            file: "graph-PATCH-application.json",
            what: "the Identifier and the Reply URLs",
            body: json!({
                "identifierUris": [app.identifier],
                "web": {"redirectUris": app.reply_urls},
            }),
        },
        Request {
            method: "PATCH",
            version: "v1.0",
            collection: "servicePrincipals",
            object: Object::ServicePrincipal,
            suffix: "",
            file: "graph-PATCH-servicePrincipal.json",
            what: if app.sign_on_url.is_some() {
                "SAML as the single sign-on mode, and the Sign on URL"
            } else {
                "SAML as the single sign-on mode"
            },
            body: service_principal,
        },
    ];
    // The custom claims policy is the one that sets the NameID format and leaves the portal's
    // claims page editable; Graph offers it in beta, and in the global cloud only.
    if app.cloud == Cloud::Global {
        out.push(Request {
            method: "PUT",
            version: "beta",
            collection: "servicePrincipals",
            object: Object::ServicePrincipal,
            suffix: "/claimsPolicy",
            file: "graph-PUT-claimsPolicy.json",
            what: "the claims (a custom claims policy)",
            body: claims_policy(app.claims),
        });
    }
    out
}

/// Adds the request bodies and the script that sends them.
pub fn add_files(app: &App<'_>, files: &mut FileSet) {
    let requests = requests(app);
    for r in &requests {
        files.add(r.file, json_pretty(&r.body));
    }
    files.add(SCRIPT, script(app.cloud, &requests));
}

/// The Graph customClaimsPolicy body (PUT /beta/servicePrincipals/{id}/claimsPolicy): the
/// NameID and every claim samlbridge can express (transformations are left to the portal).
pub fn claims_policy(m: &ClaimMapping) -> Value {
    let attribute = |s: &ClaimSource| match s {
        ClaimSource::Attribute(a) => {
            let (source, id) = a.split_once('.').unwrap_or(("user", a));
            json!({"@odata.type": "#microsoft.graph.sourcedAttribute", "id": id, "source": source, "isExtensionAttribute": id.starts_with("extension_")})
        }
        ClaimSource::Constant(v) => {
            json!({"@odata.type": "#microsoft.graph.valueBasedAttribute", "value": v})
        }
        ClaimSource::Transformation(_) => Value::Null,
    };
    let mut claims = Vec::new();
    if let Some(n) = &m.name_id {
        claims.push(json!({
            "@odata.type": "#microsoft.graph.samlNameIdClaim",
            "nameIdFormat": n.format.graph_name(),
            "configurations": [{"attribute": attribute(&n.source), "transformations": []}],
        }));
    }
    for c in &m.claims {
        if matches!(c.source, ClaimSource::Transformation(_)) {
            continue;
        }
        claims.push(json!({
            "@odata.type": "#microsoft.graph.customClaim",
            "name": c.name,
            "namespace": c.namespace,
            "tokenFormat": ["saml"],
            "configurations": [{"attribute": attribute(&c.source), "transformations": []}],
        }));
    }
    json!({"includeBasicClaimSet": true, "claims": claims})
}

/// A word for the script; the values quoted here are samlbridge's own constants and checked
/// URLs, so quoting cannot fail, and an empty word would only make `az` refuse the call.
fn word(s: &str) -> String {
    shell(s).unwrap_or_default()
}

/// `entra-apply.sh`: POSIX sh, no secrets, every value shell-quoted.
fn script(cloud: Cloud, requests: &[Request]) -> String {
    let graph = format!("https://{}", cloud.graph_host());
    let mut s = String::from(
        "#!/bin/sh\n\
         # Written by samlbridge: sends the Microsoft Graph requests listed in STEPS.md, whose\n\
         # bodies are the graph-*.json files beside this script, to the Entra application whose\n\
         # Application ID is the first argument. Needs the Azure CLI, signed in (az login) as an\n\
         # Application Administrator. Each request sets the values it carries: running the\n\
         # script again changes nothing.\n\
         #\n\
         #   sh entra-apply.sh APPLICATION-ID\n\
         set -eu\n\n\
         usage() {\n    \
             echo 'usage: sh entra-apply.sh APPLICATION-ID (the Application ID on the enterprise application Overview page)' >&2\n    \
             exit 2\n\
         }\n\
         [ \"$#\" -eq 1 ] || usage\n\
         app_id=$1\n\
         case $app_id in\n    \
             *[!0-9A-Fa-f-]*) usage ;;\n    \
             ????????-????-????-????-????????????) ;;\n    \
             *) usage ;;\n\
         esac\n\
         cd \"$(dirname \"$0\")\"\n\n\
         application=$(az ad app show --id \"$app_id\" --query id --output tsv)\n\
         service_principal=$(az ad sp show --id \"$app_id\" --query id --output tsv)\n",
    );
    for r in requests {
        let prefix = format!("{graph}/{}/{}/", r.version, r.collection);
        let variable = r.object.variable();
        let suffix = if r.suffix.is_empty() {
            String::new()
        } else {
            word(r.suffix)
        };
        let _ = write!(
            s,
            "\necho {}\"${variable}\"{suffix}\naz rest --method {} --url {}\"${variable}\"{suffix} --headers {} --body {}\n",
            word(&format!("{} {prefix}", r.method)),
            r.method,
            word(&prefix),
            word("Content-Type=application/json"),
            word(&format!("@{}", r.file)),
        );
    }
    s
}

/// The Graph part of STEPS.md: the command that applies everything, and each request with
/// its method, URL and body file.
pub fn steps(s: &mut String, app: &App<'_>) {
    let requests = requests(app);
    let graph = format!("https://{}", app.cloud.graph_host());
    let _ = writeln!(s, "\nOr set all of it with Microsoft Graph: `{SCRIPT}` sends each request below with the Azure CLI (signed in with `az login` as an Application Administrator), looking the objects up by the application ID:\n");
    let app_id = app
        .app_id
        .map(|id| id.to_string())
        .and_then(|id| shell(&id))
        .unwrap_or_else(|| "APPLICATION-ID".to_owned());
    let _ = writeln!(s, "```sh\nsh {SCRIPT} {app_id}\n```\n");
    if app.app_id.is_none() {
        let _ = writeln!(s, "(`APPLICATION-ID` is the Application ID on the enterprise application's Overview page.)\n");
    }
    let _ = writeln!(s, "| request | body | sets |\n| --- | --- | --- |");
    for r in &requests {
        let url = format!(
            "{} {graph}/{}/{}/{}{}",
            r.method,
            r.version,
            r.collection,
            r.object.placeholder(),
            r.suffix
        );
        let _ = writeln!(s, "| {} | {} | {} |", cell(&url), code(r.file), r.what);
    }
    if app.cloud != Cloud::Global {
        let _ = writeln!(s, "\nMicrosoft Graph offers the claims policy in the global cloud only: enter the claims in the portal as listed above.");
    }
}

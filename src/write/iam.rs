//! The plain IAM SAML federation set: the provider, one trust policy and one role definition
//! per role, Terraform, CloudFormation, what Entra needs as Microsoft Graph requests, and the
//! steps.

use super::entra;
use super::hcl::{hcl_string, json_pretty};
use super::markdown::{code, shell};
use super::outdir::FileSet;
use super::upload::{self, TrimError};
use crate::aws::names::{AccountId, Partition, ProviderName, RoleName};
use crate::aws::rules::{self as aws, RoleOwner};
use crate::cert::Thumbprint;
use crate::claims::{ClaimMapping, ClaimSource};
use crate::entra::AppId;
use crate::metadata::IdpMetadata;
use serde_json::json;
use std::fmt::Write;

/// What an IAM configuration set is built from: the checked metadata, the claims and the
/// account, provider and roles to name in it.
pub struct Spec<'a> {
    pub metadata: &'a IdpMetadata,
    pub metadata_bytes: &'a [u8],
    pub claims: &'a ClaimMapping,
    pub account: &'a AccountId,
    pub provider: &'a ProviderName,
    pub roles: &'a [RoleName],
    pub partition: Partition,
    /// Regions whose sign-in endpoint users post to besides the global one, each an AWS
    /// region of `partition` (the caller checks both).
    pub sign_in_regions: &'a [String],
    pub signing_cert: Option<&'a Thumbprint>,
    /// The Entra application ID, when the metadata was fetched with it.
    pub app_id: Option<&'a AppId>,
}

/// Where the SessionDuration claim's value comes from, which decides each role's maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Session {
    /// A constant number of seconds.
    Constant(u32),
    /// A directory attribute or a transformation: known only at sign-in.
    Varies(String),
    /// No SessionDuration claim: console sessions last an hour.
    Absent,
}

impl Spec<'_> {
    pub fn provider_arn(&self) -> String {
        format!(
            "{}:iam::{}:saml-provider/{}",
            self.partition.arn_prefix(),
            self.account.as_str(),
            self.provider.as_str()
        )
    }

    pub fn role_arn(&self, role: &RoleName) -> String {
        format!(
            "{}:iam::{}:role/{}",
            self.partition.arn_prefix(),
            self.account.as_str(),
            role.as_str()
        )
    }

    /// What the Role values must name: this account, partition and provider.
    pub fn role_owner(&self) -> RoleOwner {
        RoleOwner {
            partition: Some(self.partition.as_str().to_owned()),
            account: Some(self.account.as_str().to_owned()),
            provider_name: Some(self.provider.as_str().to_owned()),
        }
    }

    /// The sign-in endpoints users post to, the global one first: Entra's Reply URLs, and the
    /// `SAML:aud` values the trust policies accept (STS takes `SAML:aud` from the Recipient,
    /// which is the endpoint posted to).
    pub fn sign_in_endpoints(&self) -> Vec<String> {
        let mut endpoints = vec![self.partition.signin_endpoint().to_owned()];
        for region in self.sign_in_regions {
            let e = self.partition.regional_signin_endpoint(region);
            if !endpoints.contains(&e) {
                endpoints.push(e);
            }
        }
        endpoints
    }

    /// The `SAML:aud` condition value: one endpoint, or the list of them.
    fn saml_aud(&self) -> serde_json::Value {
        match self.sign_in_endpoints().as_slice() {
            [one] => json!(one),
            many => json!(many),
        }
    }

    fn session(&self) -> Session {
        let Some(claim) = self.claims.find(aws::SESSION_DURATION).next() else {
            return Session::Absent;
        };
        match &claim.source {
            ClaimSource::Constant(v) => match v.trim().parse() {
                Ok(seconds) => Session::Constant(seconds),
                Err(_) => Session::Varies(claim.source.to_string()),
            },
            other => Session::Varies(other.to_string()),
        }
    }

    /// Each role's MaxSessionDuration: what a constant SessionDuration needs, else IAM's
    /// default of one hour.
    fn max_session_duration(&self) -> u32 {
        match self.session() {
            Session::Constant(seconds) => aws::role_max_session_for(seconds),
            Session::Varies(_) | Session::Absent => aws::ROLE_MAX_SESSION_MIN,
        }
    }

    /// Actions the trust policy allows: `sts:TagSession` and `sts:SetSourceIdentity` only when
    /// the claims send session tags or a source identity.
    fn actions(&self) -> Vec<&'static str> {
        let mut actions = vec!["sts:AssumeRoleWithSAML"];
        if self
            .claims
            .claims
            .iter()
            .any(|c| c.full_name().starts_with(aws::PRINCIPAL_TAG_PREFIX))
        {
            actions.push("sts:TagSession");
        }
        if self.claims.find(aws::SOURCE_IDENTITY).next().is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        actions
    }

    fn trust_policy(&self) -> serde_json::Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": self.provider_arn()},
                "Action": self.actions(),
                "Condition": {"StringEquals": {"SAML:aud": self.saml_aud()}},
            }],
        })
    }

    /// The input of `aws iam create-role --cli-input-json`.
    fn create_role(&self, role: &RoleName) -> serde_json::Value {
        let policy = serde_json::to_string(&self.trust_policy()).unwrap_or_default();
        json!({
            "RoleName": role.as_str(),
            "AssumeRolePolicyDocument": policy,
            "MaxSessionDuration": self.max_session_duration(),
        })
    }

    fn entra_app<'a>(&'a self, reply_urls: &'a [String]) -> entra::App<'a> {
        entra::App {
            identifier: self.partition.signin_endpoint(),
            reply_urls,
            sign_on_url: None,
            claims: self.claims,
            cloud: entra::cloud_of(&self.metadata.entity_id),
            app_id: self.app_id,
        }
    }
}

/// Builds the files.
pub fn build(spec: &Spec<'_>) -> Result<FileSet, TrimError> {
    let mut files = FileSet::default();
    let document = upload::upload_document(spec.metadata_bytes, spec.signing_cert)?;
    let text = String::from_utf8_lossy(&document).into_owned();
    files.add("idp-metadata.xml", document);
    files.add(
        "saml-provider.json",
        json_pretty(&json!({"SAMLMetadataDocument": text, "Name": spec.provider.as_str()})),
    );
    for role in spec.roles {
        files.add(
            format!("trust-policy-{role}.json"),
            json_pretty(&spec.trust_policy()),
        );
        files.add(
            format!("role-{role}.json"),
            json_pretty(&spec.create_role(role)),
        );
    }
    files.add("iam.tf", terraform(spec));
    files.add("iam.cfn.json", json_pretty(&cloudformation(spec, &text)));
    let endpoints = spec.sign_in_endpoints();
    let app = spec.entra_app(&endpoints);
    entra::add_files(&app, &mut files);
    files.add("STEPS.md", steps(spec, &app));
    Ok(files)
}

/// Terraform resource names: letters, digits and `_`; distinct role names that differ only
/// in other characters (`a.b`, `a_b`) get distinct names.
fn terraform_idents(roles: &[RoleName]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    roles
        .iter()
        .map(|role| {
            let mut base: String = role
                .as_str()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !base.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                base.insert(0, '_');
            }
            let mut id = base.clone();
            let mut n = 1;
            while !seen.insert(id.clone()) {
                n += 1;
                id = format!("{base}_{n}");
            }
            id
        })
        .collect()
}

fn terraform(spec: &Spec<'_>) -> String {
    let mut tf =
        String::from("# Written by samlbridge: IAM SAML federation with Microsoft Entra ID.\n\n");
    let _ = writeln!(tf, "resource \"aws_iam_saml_provider\" \"entra\" {{");
    let _ = writeln!(
        tf,
        "  name                   = {}",
        hcl_string(spec.provider.as_str())
    );
    let _ = writeln!(
        tf,
        "  saml_metadata_document = file(\"${{path.module}}/idp-metadata.xml\")\n}}"
    );
    let actions: Vec<String> = spec.actions().iter().map(|a| hcl_string(a)).collect();
    let endpoints: Vec<String> = spec
        .sign_in_endpoints()
        .iter()
        .map(|e| hcl_string(e))
        .collect();
    let aud = match endpoints.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    for (role, ident) in spec.roles.iter().zip(terraform_idents(spec.roles)) {
        let _ = writeln!(tf, "\nresource \"aws_iam_role\" {} {{", hcl_string(&ident));
        let _ = writeln!(tf, "  name                 = {}", hcl_string(role.as_str()));
        let _ = writeln!(
            tf,
            "  max_session_duration = {}",
            spec.max_session_duration()
        );
        let _ = writeln!(tf, "  assume_role_policy   = jsonencode({{");
        let _ = writeln!(tf, "    Version = \"2012-10-17\"");
        let _ = writeln!(tf, "    Statement = [{{");
        let _ = writeln!(tf, "      Effect    = \"Allow\"");
        let _ = writeln!(
            tf,
            "      Principal = {{ Federated = aws_iam_saml_provider.entra.arn }}"
        );
        let _ = writeln!(tf, "      Action    = [{}]", actions.join(", "));
        let _ = writeln!(
            tf,
            "      Condition = {{ StringEquals = {{ \"SAML:aud\" = {aud} }} }}"
        );
        let _ = writeln!(tf, "    }}]\n  }})\n}}");
    }
    tf
}

/// Logical IDs are alphanumeric; distinct role names that differ only in other characters
/// (`a.b`, `a_b`) get distinct IDs.
fn cfn_logical_ids(roles: &[RoleName]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    roles
        .iter()
        .map(|role| {
            let base: String = role
                .as_str()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let mut id = format!("Role{base}");
            let mut n = 1;
            while !seen.insert(id.clone()) {
                n += 1;
                id = format!("Role{base}{n}");
            }
            id
        })
        .collect()
}

/// The CloudFormation template, as JSON (which CloudFormation reads as it reads YAML): every
/// value goes through the serializer, so no input can add to the template's structure.
fn cloudformation(spec: &Spec<'_>, metadata: &str) -> serde_json::Value {
    let mut resources = serde_json::Map::new();
    resources.insert(
        "EntraSamlProvider".into(),
        json!({
            "Type": "AWS::IAM::SAMLProvider",
            "Properties": {
                "Name": spec.provider.as_str(),
                "SamlMetadataDocument": metadata,
            },
        }),
    );
    for (role, id) in spec.roles.iter().zip(cfn_logical_ids(spec.roles)) {
        resources.insert(
            id,
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role.as_str(),
                    "MaxSessionDuration": spec.max_session_duration(),
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Federated": {"Ref": "EntraSamlProvider"}},
                            "Action": spec.actions(),
                            "Condition": {"StringEquals": {"SAML:aud": spec.saml_aud()}},
                        }],
                    },
                },
            }),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "IAM SAML federation with Microsoft Entra ID (written by samlbridge)",
        "Resources": resources,
        "Outputs": {"SamlProviderArn": {"Value": {"Ref": "EntraSamlProvider"}}},
    })
}

/// `s` as one shell word: role names and endpoints passed their checks when parsed, so
/// quoting cannot fail; it is the second lock.
fn word(s: &str) -> String {
    shell(s).unwrap_or_default()
}

fn steps(spec: &Spec<'_>, app: &entra::App<'_>) -> String {
    let endpoints = spec.sign_in_endpoints();
    let mut s = String::from("# Connecting Microsoft Entra ID to IAM (SAML federation)\n\nWritten by samlbridge. Do the steps in this order.\n\n");
    aws_steps(&mut s, spec, &endpoints);
    entra_steps(&mut s, spec, app, &endpoints);
    let _ = writeln!(s, "## 3. Test\n\nSign in from My Apps, save the SAMLResponse Entra posts to the sign-in endpoint (developer tools → Network → Save all as HAR), and run in this directory; it expects the endpoints the trust policies accept, and the account and provider above in every Role value:\n");
    let mut command =
        String::from("samlbridge validate capture.har --metadata idp-metadata.xml --target iam");
    if spec.partition != Partition::Aws {
        let _ = write!(
            command,
            " --audience {}",
            word(spec.partition.signin_endpoint())
        );
    }
    for e in &endpoints {
        let _ = write!(command, " --acs {}", word(e));
    }
    let _ = write!(
        command,
        " --account-id {} --provider-name {}",
        word(spec.account.as_str()),
        word(spec.provider.as_str())
    );
    let _ = writeln!(s, "```sh\n{command}\n```");
    s
}

/// Step 1: the provider and the roles, new or existing, with their session length.
fn aws_steps(s: &mut String, spec: &Spec<'_>, endpoints: &[String]) {
    let _ = writeln!(s, "## 1. AWS: the identity provider and the roles\n");
    let _ = writeln!(
        s,
        "```sh\naws iam create-saml-provider --cli-input-json file://saml-provider.json"
    );
    for role in spec.roles {
        let input = word(&format!("file://role-{role}.json"));
        let _ = writeln!(s, "aws iam create-role --cli-input-json {input}");
    }
    let _ = writeln!(s, "```\n");
    if spec.roles.is_empty() {
        let _ = writeln!(s, "No role was given (`--role NAME`, repeatable), so no role trusts the provider yet and no sign-in can succeed: rerun with the roles users sign in to, or add the provider to their trust policies yourself.\n");
    } else {
        let _ = writeln!(s, "(or `iam.tf` with Terraform, or `iam.cfn.json` with CloudFormation). Then attach permission policies to the roles. For a role that exists already, set its trust policy and maximum session duration instead:\n");
        let _ = writeln!(s, "```sh");
        let max = spec.max_session_duration();
        for role in spec.roles {
            let name = word(role.as_str());
            let policy = word(&format!("file://trust-policy-{role}.json"));
            let _ = writeln!(
                s,
                "aws iam update-assume-role-policy --role-name {name} --policy-document {policy}"
            );
            let _ = writeln!(
                s,
                "aws iam update-role --role-name {name} --max-session-duration {max}"
            );
        }
        let _ = writeln!(s, "```\n");
        let _ = writeln!(s, "Each trust policy accepts sign-ins posted to (condition `SAML:aud`, which STS takes from the Recipient):\n");
        for e in endpoints {
            let _ = writeln!(s, "- {}", code(e));
        }
        s.push('\n');
        session_note(s, spec);
    }
    let _ = writeln!(s, "`idp-metadata.xml` is the Entra metadata without its byte-order mark, which IAM refuses.\n");
}

/// How long console sessions last, and the role maximum that allows it.
fn session_note(s: &mut String, spec: &Spec<'_>) {
    let max = spec.max_session_duration();
    match spec.session() {
        Session::Constant(seconds) => {
            let _ = writeln!(s, "The SessionDuration claim asks for {seconds} seconds; each role's maximum session duration is {max} seconds (`MaxSessionDuration`, `max_session_duration`), as STS refuses a console sign-in that asks for more than the role allows.\n");
        }
        Session::Varies(source) => {
            let _ = writeln!(s, "The SessionDuration claim comes from {}, so its value is known only at sign-in. Each role's maximum session duration is written as IAM's default, {max} seconds: raise it (`MaxSessionDuration` in `role-*.json` and `iam.cfn.json`, `max_session_duration` in `iam.tf`, up to {}) to at least the largest value that attribute sends, or those console sign-ins fail.\n", code(&source), aws::ROLE_MAX_SESSION_MAX);
        }
        Session::Absent => {
            let _ = writeln!(s, "The claims send no SessionDuration, so console sessions last an hour; each role keeps IAM's default maximum of {max} seconds.\n");
        }
    }
}

/// Step 2: the enterprise application, its claims and the Role values.
fn entra_steps(s: &mut String, spec: &Spec<'_>, app: &entra::App<'_>, endpoints: &[String]) {
    let provider = spec.provider_arn();
    let _ = writeln!(s, "## 2. Entra: the enterprise application\n");
    let _ = writeln!(s, "Enterprise applications → New application → **AWS Single-Account Access** → Single sign-on → SAML:\n");
    let _ = writeln!(s, "- Identifier (Entity ID): {} (add `#1`, `#2`, … when several applications use it; Entra strips it from the Audience)", code(app.identifier));
    for (i, e) in endpoints.iter().enumerate() {
        let _ = writeln!(
            s,
            "- Reply URL{}: {}",
            if i == 0 { " (default)" } else { "" },
            code(e)
        );
    }
    let _ = writeln!(s, "\nClaims, all in namespace `https://aws.amazon.com/SAML/Attributes`, names case-sensitive:\n");
    for c in &spec.claims.claims {
        // Only the value goes in a code span, so that copying it copies the value alone.
        let from = match &c.source {
            crate::claims::ClaimSource::Constant(v) => format!("the constant {}", code(v)),
            other => code(&other.to_string()),
        };
        let _ = writeln!(s, "- {} from {from}", code(&c.name));
    }
    if !spec.roles.is_empty() {
        let _ = writeln!(
            s,
            "\nEach app role's value must be the role and provider ARNs, comma-separated:\n"
        );
        for role in spec.roles {
            let _ = writeln!(
                s,
                "- {}",
                code(&format!("{},{provider}", spec.role_arn(role)))
            );
        }
        let _ = writeln!(s, "\nProvisioning (with an IAM user allowed `iam:ListRoles`) imports these roles as app roles; assign them to users and groups.");
    }
    entra::steps(s, app);
    s.push('\n');
}

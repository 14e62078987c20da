//! The plain IAM SAML federation set: the provider, one trust policy per role, Terraform,
//! CloudFormation, the claims for Entra, and the steps.

use super::hcl::{hcl_string, json_pretty};
use super::identity_center::claims_policy;
use super::markdown::{code, shell};
use super::outdir::FileSet;
use super::upload::{self, TrimError};
use crate::aws::names::{AccountId, Partition, ProviderName, RoleName};
use crate::aws::rules as aws;
use crate::cert::Thumbprint;
use crate::claims::ClaimMapping;
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
    pub signing_cert: Option<&'a Thumbprint>,
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
                "Condition": {"StringEquals": {"SAML:aud": self.partition.signin_endpoint()}},
            }],
        })
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
    }
    files.add("iam.tf", terraform(spec));
    files.add("iam.cfn.json", json_pretty(&cloudformation(spec, &text)));
    files.add(
        "entra-claims.json",
        json_pretty(&claims_policy(spec.claims)),
    );
    files.add("STEPS.md", steps(spec));
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
    for (role, ident) in spec.roles.iter().zip(terraform_idents(spec.roles)) {
        let _ = writeln!(tf, "\nresource \"aws_iam_role\" {} {{", hcl_string(&ident));
        let _ = writeln!(tf, "  name = {}", hcl_string(role.as_str()));
        let _ = writeln!(tf, "  assume_role_policy = jsonencode({{");
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
            "      Condition = {{ StringEquals = {{ \"SAML:aud\" = {} }} }}",
            hcl_string(spec.partition.signin_endpoint())
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
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Federated": {"Ref": "EntraSamlProvider"}},
                            "Action": spec.actions(),
                            "Condition": {"StringEquals": {"SAML:aud": spec.partition.signin_endpoint()}},
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

fn steps(spec: &Spec<'_>) -> String {
    let provider = spec.provider_arn();
    let endpoint = spec.partition.signin_endpoint();
    let mut s = String::from("# Connecting Microsoft Entra ID to IAM (SAML federation)\n\nWritten by samlbridge. Do the steps in this order.\n\n");
    let _ = writeln!(s, "## 1. AWS: the identity provider and the roles\n");
    let _ = writeln!(
        s,
        "```sh\naws iam create-saml-provider --cli-input-json file://saml-provider.json"
    );
    for role in spec.roles {
        // Role names are checked against IAM's pattern when parsed; quoting is the second lock.
        let name = shell(role.as_str()).unwrap_or_default();
        let policy = shell(&format!("file://trust-policy-{role}.json")).unwrap_or_default();
        let _ = writeln!(
            s,
            "aws iam create-role --role-name {name} --assume-role-policy-document {policy}"
        );
    }
    let _ = writeln!(s, "```\n\n(or `iam.tf` with Terraform, or `iam.cfn.json` with CloudFormation). Then attach permission policies to the roles.\n");
    let _ = writeln!(s, "`idp-metadata.xml` is the Entra metadata without its byte-order mark, which IAM refuses.\n");
    let _ = writeln!(s, "## 2. Entra: the enterprise application\n");
    let _ = writeln!(s, "Enterprise applications → New application → **AWS Single-Account Access** → Single sign-on → SAML:\n");
    let _ = writeln!(s, "- Identifier (Entity ID): `{endpoint}` (add `#1`, `#2`, … when several applications use it; Entra strips it from the Audience)");
    let _ = writeln!(
        s,
        "- Reply URL: `{endpoint}` (or a regional sign-in endpoint, never with `#n`)"
    );
    let _ = writeln!(s, "\nClaims (`entra-claims.json` is the Microsoft Graph claims-policy body), all in namespace `https://aws.amazon.com/SAML/Attributes`, names case-sensitive:\n");
    for c in &spec.claims.claims {
        let _ = writeln!(
            s,
            "- {} from {}",
            code(&c.name),
            code(&c.source.to_string())
        );
    }
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
    let _ = writeln!(s, "\nProvisioning (with an IAM user allowed `iam:ListRoles`) imports these roles as app roles; assign them to users and groups.\n");
    let _ = writeln!(s, "## 3. Test\n\nSign in from My Apps, save the SAMLResponse posted to `{endpoint}` (developer tools → Network → Save all as HAR), and run:\n");
    let _ = writeln!(
        s,
        "```sh\nsamlbridge validate capture.har --metadata idp-metadata.xml --target iam\n```"
    );
    s
}

//! The IAM Identity Center configuration set: what to upload to Identity Center, what to
//! enter in Entra, the attribute configuration as CLI JSON, Terraform and CloudFormation, and
//! the console steps.

use super::hcl::{hcl_string, json_pretty};
use super::markdown::code;
use super::outdir::FileSet;
use super::upload::{self, TrimError};
use crate::cert::{Certificate, Thumbprint};
use crate::claims::{self, ClaimMapping, ClaimSource};
use crate::diag::{Code, Finding};
use crate::metadata::{self, IdpMetadata, SpMetadata, BINDING_POST, BINDING_REDIRECT};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::fmt::Write;

/// What an Identity Center configuration set is built from: the checked IdP and SP metadata,
/// the claims and the instance to configure.
pub struct Spec<'a> {
    pub metadata: &'a IdpMetadata,
    /// The metadata exactly as fetched.
    pub metadata_bytes: &'a [u8],
    pub sp: &'a SpMetadata,
    pub claims: &'a ClaimMapping,
    pub instance_arn: Option<&'a str>,
    /// Keep only this certificate in the uploaded metadata (a rollover).
    pub signing_cert: Option<&'a Thumbprint>,
    pub sign_on_url: Option<&'a str>,
    pub scim_username_source: &'a str,
    pub now: DateTime<Utc>,
}

/// One access-control attribute for Identity Center: key and identity-store source.
struct AbacAttribute {
    key: String,
    source: &'static str,
}

const INSTANCE_PLACEHOLDER: &str = "arn:aws:sso:::instance/ssoins-REPLACE-WITH-YOURS";

/// Builds the files, and findings about what could not be written as asked.
pub fn build(spec: &Spec<'_>) -> Result<(FileSet, Vec<Finding>), TrimError> {
    let mut files = FileSet::default();
    let mut findings = Vec::new();
    files.add(
        "idp-metadata.xml",
        upload::upload_document(spec.metadata_bytes, spec.signing_cert)?,
    );
    let certs = certificates(spec);
    files.add(
        "idp-settings.json",
        json_pretty(&idp_settings(spec, &certs)),
    );
    let abac = abac_attributes(spec, &mut findings);
    let has_abac_claims = spec.claims.claims.iter().any(|c| c.abac_key().is_some());
    if has_abac_claims {
        access_control_files(spec, &abac, &mut files, &mut findings);
    }
    files.add("entra-app.json", json_pretty(&entra_app(spec)));
    files.add("STEPS.md", steps(spec, &certs, &abac, has_abac_claims));
    Ok((files, findings))
}

/// The certificates the uploaded metadata holds: the one kept for a rollover, or all of them.
fn certificates<'a>(spec: &Spec<'a>) -> Vec<&'a Certificate> {
    match spec.signing_cert {
        Some(keep) => spec
            .metadata
            .signing_certificates()
            .filter(|c| c.matches(keep))
            .take(1)
            .collect(),
        None => spec.metadata.distinct_signing_certificates(),
    }
}

/// The values Identity Center asks for when they are entered by hand instead of uploaded.
fn idp_settings(spec: &Spec<'_>, certs: &[&Certificate]) -> serde_json::Value {
    let current = metadata::current_certificate(spec.metadata, spec.now);
    let sso = |binding: &str| {
        spec.metadata
            .sso_services
            .iter()
            .find(|e| e.binding == binding)
            .map(|e| e.location.clone())
    };
    json!({
        "issuer_url": spec.metadata.entity_id,
        "sign_in_url": sso(BINDING_POST).or_else(|| sso(BINDING_REDIRECT)),
        "sign_out_url": spec.metadata.slo_services.first().map(|e| e.location.clone()),
        "certificates": certs.iter().map(|c| json!({
            "subject": c.subject,
            "sha1": c.sha1.to_string(),
            "sha256": c.sha256.to_string(),
            "not_before": c.not_before,
            "not_after": c.not_after,
            "signs_metadata": current == Some(*c),
            "pem": c.to_pem(),
        })).collect::<Vec<_>>(),
    })
}

/// The access-control attributes Identity Center can fill from its own user attributes: those
/// whose claim comes from an Entra attribute provisioning syncs. The others stay with the
/// value in the assertion, which a finding says.
fn abac_attributes(spec: &Spec<'_>, findings: &mut Vec<Finding>) -> Vec<AbacAttribute> {
    let mut abac = Vec::new();
    for c in &spec.claims.claims {
        let Some(key) = c.abac_key() else { continue };
        match &c.source {
            ClaimSource::Attribute(a) => match claims::identity_center_source(a) {
                Some(source) => abac.push(AbacAttribute { key, source }),
                None => findings.push(
                    Finding::new(
                        Code::AbacSourceUnmapped,
                        format!("{a} is not synced to an Identity Center attribute by default; key {key:?} is left to the SAML value"),
                    )
                    .subject(c.full_name()),
                ),
            },
            other => findings.push(
                Finding::new(
                    Code::AbacSourceUnmapped,
                    format!("the value comes from {other}; key {key:?} is left to the SAML value"),
                )
                .subject(c.full_name()),
            ),
        }
    }
    abac
}

/// The files that enable attributes for access control: the CLI input always (it enables
/// them for the assertion's attributes too), Terraform and CloudFormation when there are
/// attributes to map.
fn access_control_files(
    spec: &Spec<'_>,
    abac: &[AbacAttribute],
    files: &mut FileSet,
    findings: &mut Vec<Finding>,
) {
    if spec.instance_arn.is_none() {
        findings.push(
            Finding::new(
                Code::AbacInstanceArnMissing,
                format!("access-control-attributes.json holds the placeholder {INSTANCE_PLACEHOLDER}; Terraform and CloudFormation look the instance up or take it as a parameter"),
            )
            .subject("--instance-arn"),
        );
    }
    let instance = spec.instance_arn.unwrap_or(INSTANCE_PLACEHOLDER);
    let cli = json!({
        "InstanceArn": instance,
        "InstanceAccessControlAttributeConfiguration": {
            "AccessControlAttributes": abac.iter().map(|a| json!({"Key": a.key, "Value": {"Source": [a.source]}})).collect::<Vec<_>>(),
        },
    });
    files.add("access-control-attributes.json", json_pretty(&cli));
    if !abac.is_empty() {
        files.add("identity-center.tf", terraform(spec.instance_arn, abac));
        files.add(
            "identity-center.cfn.json",
            json_pretty(&cloudformation(spec.instance_arn, abac)),
        );
    }
}

fn terraform(instance_arn: Option<&str>, abac: &[AbacAttribute]) -> String {
    let mut tf = String::from(
        "# Written by samlbridge: attributes for access control in IAM Identity Center.\n\n",
    );
    let instance = match instance_arn {
        Some(arn) => hcl_string(arn),
        None => {
            tf.push_str("data \"aws_ssoadmin_instances\" \"this\" {}\n\n");
            "tolist(data.aws_ssoadmin_instances.this.arns)[0]".to_owned()
        }
    };
    let _ = writeln!(
        tf,
        "resource \"aws_ssoadmin_instance_access_control_attributes\" \"entra\" {{"
    );
    let _ = writeln!(tf, "  instance_arn = {instance}");
    for a in abac {
        let _ = writeln!(
            tf,
            "\n  attribute {{\n    key = {}\n    value {{\n      source = [{}]\n    }}\n  }}",
            hcl_string(&a.key),
            hcl_string(a.source)
        );
    }
    tf.push_str("}\n");
    tf
}

/// The CloudFormation template, as JSON: every value goes through the serializer.
fn cloudformation(instance_arn: Option<&str>, abac: &[AbacAttribute]) -> serde_json::Value {
    let mut instance = json!({
        "Type": "String",
        "Description": "The IAM Identity Center instance ARN (aws sso-admin list-instances)",
        "AllowedPattern": "arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}",
    });
    if let Some(arn) = instance_arn {
        instance["Default"] = json!(arn);
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Attributes for access control in IAM Identity Center (written by samlbridge)",
        "Parameters": {"InstanceArn": instance},
        "Resources": {
            "AccessControlAttributes": {
                "Type": "AWS::SSO::InstanceAccessControlAttributeConfiguration",
                "Properties": {
                    "InstanceArn": {"Ref": "InstanceArn"},
                    "AccessControlAttributes": abac
                        .iter()
                        .map(|a| json!({"Key": a.key, "Value": {"Source": [a.source]}}))
                        .collect::<Vec<_>>(),
                },
            },
        },
    })
}

/// Reply URLs in the order to enter them: the default ACS first.
fn reply_urls(sp: &SpMetadata) -> Vec<String> {
    let mut acs: Vec<&metadata::Endpoint> = sp.acs.iter().collect();
    acs.sort_by_key(|a| (!a.is_default, a.index.unwrap_or(u32::MAX)));
    acs.into_iter().map(|a| a.location.clone()).collect()
}

/// The Graph customClaimsPolicy body (PUT /beta/servicePrincipals/{id}/claimsPolicy).
pub fn claims_policy(m: &ClaimMapping) -> serde_json::Value {
    let attribute = |s: &ClaimSource| match s {
        ClaimSource::Attribute(a) => {
            let (source, id) = a.split_once('.').unwrap_or(("user", a));
            json!({"@odata.type": "#microsoft.graph.sourcedAttribute", "id": id, "source": source, "isExtensionAttribute": id.starts_with("extension_")})
        }
        ClaimSource::Constant(v) => {
            json!({"@odata.type": "#microsoft.graph.valueBasedAttribute", "value": v})
        }
        ClaimSource::Transformation(_) => serde_json::Value::Null,
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

fn entra_app(spec: &Spec<'_>) -> serde_json::Value {
    json!({
        "identifier": spec.sp.entity_id,
        "reply_urls": reply_urls(spec.sp),
        "sign_on_url": spec.sign_on_url,
        "claims_policy": claims_policy(spec.claims),
    })
}

/// STEPS.md: the console steps in the order that works, every value filled in.
fn steps(
    spec: &Spec<'_>,
    certs: &[&Certificate],
    abac: &[AbacAttribute],
    has_abac_claims: bool,
) -> String {
    let mut s = String::from("# Connecting Microsoft Entra ID to IAM Identity Center\n\nWritten by samlbridge. Do the steps in this order; every value below is filled in from your metadata.\n\n");
    let name_id = spec
        .claims
        .name_id
        .as_ref()
        .map(|n| n.source.to_string())
        .unwrap_or_else(|| spec.scim_username_source.to_owned());
    entra_steps(&mut s, spec, &name_id);
    identity_source_steps(&mut s, spec, certs);
    provisioning_steps(&mut s, spec, &name_id);
    if has_abac_claims {
        access_control_steps(&mut s, spec, abac);
    }
    let _ = writeln!(s, "\n## {}. Test\n", if has_abac_claims { 5 } else { 4 });
    let _ = writeln!(s, "Assign a permission set to a provisioned user, sign in through the AWS access portal, save the SAMLResponse the browser posts (developer tools → Network → Save all as HAR), and run:\n");
    let _ = writeln!(s, "```sh\nsamlbridge validate capture.har --metadata idp-metadata.xml --target identity-center --sp-metadata <identity-center-metadata.xml> --expect-user <user name>\n```");
    s
}

/// Step 1: the enterprise application in Entra, and the claims it sends.
fn entra_steps(s: &mut String, spec: &Spec<'_>, name_id: &str) {
    let _ = writeln!(s, "## 1. Entra: the enterprise application\n");
    let _ = writeln!(s, "In the Microsoft Entra admin center: Enterprise applications → New application → **AWS IAM Identity Center** → Single sign-on → SAML. Upload the service-provider metadata from Identity Center, or enter:\n");
    let _ = writeln!(s, "- Identifier (Entity ID): {}", code(&spec.sp.entity_id));
    for (i, url) in reply_urls(spec.sp).iter().enumerate() {
        let _ = writeln!(
            s,
            "- Reply URL{}: {}",
            if i == 0 { " (default)" } else { "" },
            code(url)
        );
    }
    match spec.sign_on_url {
        Some(url) => {
            let _ = writeln!(s, "- Sign on URL: {}", code(url));
        }
        None => {
            let _ = writeln!(s, "- Sign on URL: your AWS access portal URL (optional; for sign-in started from My Apps)");
        }
    }
    let _ = writeln!(s, "\nUnder **Attributes & Claims** (also in `entra-app.json` as a Microsoft Graph claims-policy body):\n");
    let _ = writeln!(
        s,
        "- Unique User Identifier (Name ID): source {}, format **Email address**.",
        code(name_id)
    );
    for c in &spec.claims.claims {
        let _ = writeln!(
            s,
            "- {} from {}",
            code(&c.full_name()),
            code(&c.source.to_string())
        );
    }
}

/// Step 2: Entra as Identity Center's identity source, with the certificates it will trust.
fn identity_source_steps(s: &mut String, spec: &Spec<'_>, certs: &[&Certificate]) {
    let _ = writeln!(
        s,
        "\n## 2. Identity Center: the external identity provider\n"
    );
    let _ = writeln!(s, "IAM Identity Center console → Settings → Identity source → Actions → Change identity source → External identity provider. Under *Identity provider metadata* upload `idp-metadata.xml` (or enter the values in `idp-settings.json`: sign-in URL, issuer URL {}, certificate). Confirm with ACCEPT.\n", code(&spec.metadata.entity_id));
    for c in certs {
        let _ = writeln!(
            s,
            "- Certificate {} (SHA-1 `{}`), valid until {}",
            code(&c.common_name()),
            c.sha1,
            c.not_after.format("%Y-%m-%d")
        );
    }
    if certs.len() > 1 {
        let _ = writeln!(s, "\nThe metadata holds {} signing certificates; Identity Center imports and trusts them all. Use `--signing-cert THUMBPRINT` to upload only the one active in Entra.", certs.len());
    }
}

/// Step 3: SCIM provisioning, without which no user can sign in.
fn provisioning_steps(s: &mut String, spec: &Spec<'_>, name_id: &str) {
    let _ = writeln!(s, "\n## 3. Provisioning (SCIM)\n");
    let _ = writeln!(s, "Identity Center has no just-in-time provisioning: a user signs in only after SCIM created them.\n");
    let _ = writeln!(s, "1. Identity Center → Settings → Automatic provisioning → Enable. Copy the **SCIM endpoint** and the **Access token** (shown once).");
    let _ = writeln!(s, "2. Entra → the application → Provisioning → Automatic: paste them as **Tenant URL** and **Secret Token**, Test Connection, Save.");
    let _ = writeln!(s, "3. Mappings: `userName` must come from **{}**, the same attribute as the Name ID ({}). Identity Center signs in the user whose user name equals the NameID exactly.", code(spec.scim_username_source), code(name_id));
    let _ = writeln!(s, "4. Assign users and groups to the application, then start provisioning (it runs about every 40 minutes).");
}

/// Step 4, when the claims carry access-control attributes: enabling them.
fn access_control_steps(s: &mut String, spec: &Spec<'_>, abac: &[AbacAttribute]) {
    let _ = writeln!(s, "\n## 4. Attributes for access control\n");
    let _ = writeln!(s, "Enable them, which also lets Identity Center use the `AccessControl:` attributes the assertion carries:\n");
    let _ = writeln!(s, "```sh\naws sso-admin create-instance-access-control-attribute-configuration --cli-input-json file://access-control-attributes.json\n```\n");
    if spec.instance_arn.is_none() {
        let _ = writeln!(s, "Put your instance ARN (`aws sso-admin list-instances`) into `access-control-attributes.json` first.");
    }
    if !abac.is_empty() {
        let _ = writeln!(s, "Or apply `identity-center.tf` (Terraform) or `identity-center.cfn.json` (CloudFormation). Keys mapped in Identity Center override the same keys in the assertion:\n");
        for a in abac {
            let _ = writeln!(s, "- {} ← `{}`", code(&a.key), a.source);
        }
    }
}

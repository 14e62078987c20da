//! The IAM Identity Center configuration set: what to upload to Identity Center (the metadata,
//! and each signing certificate as its own PEM file), what Entra needs as Microsoft Graph
//! requests, the attribute configuration as CLI JSON, Terraform and CloudFormation, and the
//! console steps.

use super::entra;
use super::hcl::{hcl_string, json_pretty};
use super::markdown::{code, shell};
use super::outdir::FileSet;
use super::upload::{self, TrimError};
use crate::aws::rules as aws;
use crate::cert::{Certificate, Thumbprint};
use crate::claims::{self, ClaimMapping, ClaimSource};
use crate::diag::{Code, Finding};
use crate::entra::AppId;
use crate::metadata::{self, IdpMetadata, SpMetadata, BINDING_POST, BINDING_REDIRECT};
use crate::shape;
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
    /// The service-provider metadata file as the user named it.
    pub sp_file: &'a str,
    pub claims: &'a ClaimMapping,
    pub instance_arn: Option<&'a str>,
    /// Keep only this certificate in the uploaded metadata (a rollover).
    pub signing_cert: Option<&'a Thumbprint>,
    pub sign_on_url: Option<&'a str>,
    pub scim_username_source: &'a str,
    /// The Entra application ID, when the metadata was fetched with it.
    pub app_id: Option<&'a AppId>,
    pub now: DateTime<Utc>,
}

impl Spec<'_> {
    /// The instance's Region, from the service-provider metadata's entityID (or, failing that,
    /// an ACS URL): every AWS CLI command for Identity Center needs it.
    pub fn region(&self) -> Option<&str> {
        std::iter::once(self.sp.entity_id.as_str())
            .chain(self.sp.acs.iter().map(|a| a.location.as_str()))
            .filter_map(aws::identity_center_region)
            .find(|r| shape::aws_region(r).is_ok())
    }

    /// ` --region <region>` for the AWS CLI, or nothing when the metadata names none.
    fn region_flag(&self) -> String {
        self.region()
            .and_then(shell)
            .map(|r| format!(" --region {r}"))
            .unwrap_or_default()
    }
}

/// The file each unexpired signing certificate of the metadata is written to, for Identity
/// Center's certificate import: `signing-cert-<first 8 hex digits of the SHA-1>.pem`, or the
/// whole thumbprint should two certificates share those digits.
pub fn signing_cert_files(md: &IdpMetadata, now: DateTime<Utc>) -> Vec<(&Certificate, String)> {
    let certs: Vec<&Certificate> = md
        .distinct_signing_certificates()
        .into_iter()
        .filter(|c| c.not_after > now)
        .collect();
    let short = |c: &Certificate| c.sha1.to_string()[..8].to_owned();
    certs
        .iter()
        .map(|c| {
            let clash = certs
                .iter()
                .any(|o| o.sha1 != c.sha1 && short(o) == short(c));
            let id = if clash { c.sha1.to_string() } else { short(c) };
            (*c, format!("signing-cert-{id}.pem"))
        })
        .collect()
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
    let pems = signing_cert_files(spec.metadata, spec.now);
    for (cert, name) in &pems {
        files.add(name.clone(), cert.to_pem());
    }
    let abac = abac_attributes(spec, &mut findings);
    let has_abac_claims = spec.claims.claims.iter().any(|c| c.abac_key().is_some());
    if has_abac_claims {
        access_control_files(spec, &abac, &mut files, &mut findings);
    }
    let reply_urls = reply_urls(spec.sp);
    let app = entra_app(spec, &reply_urls);
    entra::add_files(&app, &mut files);
    files.add(
        "STEPS.md",
        steps(spec, &app, &certs, &pems, &abac, has_abac_claims),
    );
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

/// The Entra application Identity Center needs.
fn entra_app<'a>(spec: &Spec<'a>, reply_urls: &'a [String]) -> entra::App<'a> {
    entra::App {
        identifier: &spec.sp.entity_id,
        reply_urls,
        sign_on_url: spec.sign_on_url,
        claims: spec.claims,
        cloud: entra::cloud_of(&spec.metadata.entity_id),
        app_id: spec.app_id,
    }
}

/// STEPS.md: the console steps in the order that works, every value filled in.
fn steps(
    spec: &Spec<'_>,
    app: &entra::App<'_>,
    certs: &[&Certificate],
    pems: &[(&Certificate, String)],
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
    entra_steps(&mut s, spec, app, &name_id);
    identity_source_steps(&mut s, spec, certs, pems);
    provisioning_steps(&mut s, spec, &name_id);
    if has_abac_claims {
        access_control_steps(&mut s, spec, abac);
    }
    let _ = writeln!(s, "\n## {}. Test\n", if has_abac_claims { 5 } else { 4 });
    let _ = writeln!(s, "Assign a permission set to a provisioned user, sign in through the AWS access portal, save the SAMLResponse the browser posts (developer tools → Network → Save all as HAR), and run in this directory (`--sp-metadata` names the file given to samlbridge; `USER` is the user's Identity Center user name):\n");
    let sp_file = shell(spec.sp_file).unwrap_or_else(|| "identity-center-metadata.xml".to_owned());
    let _ = writeln!(s, "```sh\nsamlbridge validate capture.har --metadata idp-metadata.xml --target identity-center --sp-metadata {sp_file} --expect-user USER\n```");
    s
}

/// Step 1: the enterprise application in Entra, and the claims it sends.
fn entra_steps(s: &mut String, spec: &Spec<'_>, app: &entra::App<'_>, name_id: &str) {
    let _ = writeln!(s, "## 1. Entra: the enterprise application\n");
    let _ = writeln!(s, "In the Microsoft Entra admin center: Enterprise applications → New application → **AWS IAM Identity Center** → Single sign-on → SAML. Upload Identity Center's service-provider metadata ({}), or enter:\n", code(spec.sp_file));
    let _ = writeln!(s, "- Identifier (Entity ID): {}", code(&spec.sp.entity_id));
    for (i, url) in app.reply_urls.iter().enumerate() {
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
    let _ = writeln!(s, "\nUnder **Attributes & Claims**:\n");
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
    entra::steps(s, app);
}

/// Step 2: Entra as Identity Center's identity source, with the certificates it will trust.
fn identity_source_steps(
    s: &mut String,
    spec: &Spec<'_>,
    certs: &[&Certificate],
    pems: &[(&Certificate, String)],
) {
    let _ = writeln!(
        s,
        "\n## 2. Identity Center: the external identity provider\n"
    );
    let region = spec
        .region()
        .map(|r| format!(" (Region {})", code(r)))
        .unwrap_or_default();
    let _ = writeln!(s, "IAM Identity Center console{region} → Settings → Identity source → Actions → Change identity source → External identity provider. Under *Identity provider metadata* upload `idp-metadata.xml` (or enter the values in `idp-settings.json`: sign-in URL, issuer URL {}, certificate). Confirm with ACCEPT.\n", code(&spec.metadata.entity_id));
    for c in certs {
        let pem = pems
            .iter()
            .find(|(p, _)| p.sha256 == c.sha256)
            .map(|(_, name)| format!(": {}", code(name)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "- Certificate {} (SHA-1 `{}`), valid until {}{pem}",
            code(&c.common_name()),
            c.sha1,
            c.not_after.format("%Y-%m-%d")
        );
    }
    if !pems.is_empty() {
        let _ = writeln!(s, "\nEach unexpired signing certificate of the metadata is also in its own PEM file, for Settings → Identity source → Actions → Manage authentication → Manage certificates → **Import** (a rollover imports the next one before Entra switches to it).");
    }
    if certs.len() > 1 {
        let keep = metadata::current_certificate(spec.metadata, spec.now)
            .map(|c| {
                format!(
                    "`--signing-cert {}` (the certificate that signed the metadata)",
                    c.sha256
                )
            })
            .unwrap_or_else(|| {
                "`--signing-cert` with the thumbprint of the one active in Entra".to_owned()
            });
        let _ = writeln!(s, "\nThe metadata holds {} signing certificates; Identity Center imports and trusts them all. Rerun with {keep} to upload only that one.", certs.len());
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
    let region = spec.region_flag();
    let _ = writeln!(s, "\n## 4. Attributes for access control\n");
    let _ = writeln!(s, "Enable them, which also lets Identity Center use the `AccessControl:` attributes the assertion carries.");
    if spec.instance_arn.is_none() {
        let _ = writeln!(s, "First put your instance ARN (`aws sso-admin list-instances{region}`) into `access-control-attributes.json`; then:");
    }
    let _ = writeln!(s, "\n```sh\naws sso-admin create-instance-access-control-attribute-configuration --cli-input-json file://access-control-attributes.json{region}\n```\n");
    if !abac.is_empty() {
        let _ = writeln!(s, "Or apply `identity-center.tf` (Terraform) or `identity-center.cfn.json` (CloudFormation). Keys mapped in Identity Center override the same keys in the assertion:\n");
        for a in abac {
            let _ = writeln!(s, "- {} ← `{}`", code(&a.key), a.source);
        }
    }
}

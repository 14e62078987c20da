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
use crate::cert::encryption::EncryptionKey;
use crate::cert::{Certificate, Thumbprint};
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
    /// Encrypted assertions, when asked for.
    pub encryption: Option<Encryption<'a>>,
}

/// The key file written into the set when the key is not the user's own file.
pub const KEY_FILE: &str = "assertion-encryption-key.pem";
/// The certificate for Entra's Token encryption page.
pub const CERT_FILE: &str = "entra-token-encryption.cer";
/// The CloudFormation parameters that carry the key and the mode.
const CFN_KEY_PARAMETER: &str = "AssertionEncryptionPrivateKey";
const CFN_MODE_PARAMETER: &str = "AssertionEncryptionMode";

/// What IAM does with encrypted assertions in the end; the provider always starts at
/// `Allowed`, so that sign-in keeps working while Entra is switched over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptionMode {
    Allowed,
    Required,
}

impl EncryptionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EncryptionMode::Allowed => "Allowed",
            EncryptionMode::Required => "Required",
        }
    }
}

/// Where the private key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFile<'a> {
    /// In the set as [`KEY_FILE`], mode 0600: generated now or by an earlier run.
    InSet,
    /// The user's own file, by absolute path: referenced (`file://`), never copied.
    Users(&'a str),
}

/// Encrypted assertions: the mode to end in, the key IAM decrypts with and the certificate
/// Entra encrypts to.
#[derive(Clone, Copy)]
pub struct Encryption<'a> {
    pub mode: EncryptionMode,
    pub key: &'a EncryptionKey,
    pub key_file: KeyFile<'a>,
    pub cert: &'a Certificate,
}

impl Encryption<'_> {
    /// The key file as the commands in STEPS.md (run in the output directory) name it.
    fn key_path(&self) -> &str {
        match self.key_file {
            KeyFile::InSet => KEY_FILE,
            KeyFile::Users(path) => path,
        }
    }

    /// The AWS CLI argument that reads the key from its file: the key is never copied into
    /// a JSON input, which is world-readable and made to be shared.
    fn add_private_key(&self) -> String {
        format!(
            "--add-private-key {}",
            word(&format!("file://{}", self.key_path()))
        )
    }
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
    let mut provider = json!({"SAMLMetadataDocument": text, "Name": spec.provider.as_str()});
    if let Some(enc) = &spec.encryption {
        // Always Allowed at first: Required before Entra encrypts would refuse every sign-in.
        // AddPrivateKey is given on the command line from the key file (see STEPS.md).
        provider["AssertionEncryptionMode"] = json!(EncryptionMode::Allowed.as_str());
        if enc.key_file == KeyFile::InSet {
            files.add_private(KEY_FILE, enc.key.pem());
        }
        files.add(CERT_FILE, enc.cert.to_pem());
    }
    files.add("saml-provider.json", json_pretty(&provider));
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

/// The AWS provider's `aws_iam_saml_provider` takes only a name, the metadata and tags, so
/// Terraform cannot set the encryption mode or the key: said where a Terraform user looks.
const TF_NO_ENCRYPTION: &str = "\n# Assertion encryption is not set here: the AWS provider's aws_iam_saml_provider has no\n# argument for the encryption mode or the private key (only name, saml_metadata_document and\n# tags). After terraform apply, add them with the AWS CLI commands in STEPS.md, step 4.\n";

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
    if spec.encryption.is_some() {
        tf.push_str(TF_NO_ENCRYPTION);
    }
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
    let mut provider = json!({
        "Name": spec.provider.as_str(),
        "SamlMetadataDocument": metadata,
    });
    if spec.encryption.is_some() {
        // The key is a secret: a NoEcho parameter, never a literal in the template, which
        // CloudFormation shows to anyone who may read the stack.
        provider[CFN_MODE_PARAMETER] = json!({"Ref": CFN_MODE_PARAMETER});
        provider["AddPrivateKey"] = json!({"Ref": CFN_KEY_PARAMETER});
    }
    resources.insert(
        "EntraSamlProvider".into(),
        json!({
            "Type": "AWS::IAM::SAMLProvider",
            "Properties": provider,
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
    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "IAM SAML federation with Microsoft Entra ID (written by samlbridge)",
    });
    if let Some(enc) = &spec.encryption {
        template["Parameters"] = json!({
            CFN_KEY_PARAMETER: {
                "Type": "String",
                "NoEcho": true,
                "MinLength": 1,
                // CloudFormation's limit for a parameter value (IAM's own is 16,384): an RSA
                // key up to 4096 bits fits.
                "MaxLength": 4096,
                "Description": format!("The PEM private key IAM decrypts assertions with: the contents of {}", enc.key_path()),
            },
            CFN_MODE_PARAMETER: {
                "Type": "String",
                "AllowedValues": ["Allowed", "Required"],
                "Default": EncryptionMode::Allowed.as_str(),
                "Description": "Allowed until a sign-in with an encrypted assertion was tested, then Required",
            },
        });
    }
    template["Resources"] = resources.into();
    template["Outputs"] = json!({"SamlProviderArn": {"Value": {"Ref": "EntraSamlProvider"}}});
    template
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
    let command = validate_command(spec, &endpoints);
    let _ = writeln!(s, "```sh\n{command}\n```");
    if let Some(enc) = &spec.encryption {
        encryption_steps(&mut s, spec, enc, &command);
    }
    s
}

/// The `samlbridge validate` command that checks a test sign-in's capture.
fn validate_command(spec: &Spec<'_>, endpoints: &[String]) -> String {
    let mut command =
        String::from("samlbridge validate capture.har --metadata idp-metadata.xml --target iam");
    if spec.partition != Partition::Aws {
        let _ = write!(
            command,
            " --audience {}",
            word(spec.partition.signin_endpoint())
        );
    }
    for e in endpoints {
        let _ = write!(command, " --acs {}", word(e));
    }
    let _ = write!(
        command,
        " --account-id {} --provider-name {}",
        word(spec.account.as_str()),
        word(spec.provider.as_str())
    );
    command
}

/// Step 1: the provider and the roles, new or existing, with their session length.
fn aws_steps(s: &mut String, spec: &Spec<'_>, endpoints: &[String]) {
    let _ = writeln!(s, "## 1. AWS: the identity provider and the roles\n");
    let add_key = spec
        .encryption
        .as_ref()
        .map(|enc| format!(" {}", enc.add_private_key()))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "```sh\naws iam create-saml-provider --cli-input-json file://saml-provider.json{add_key}"
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
    if let Some(enc) = &spec.encryption {
        key_note(s, enc);
    }
}

/// How the private key reaches IAM, and why it goes the way it does.
fn key_note(s: &mut String, enc: &Encryption<'_>) {
    let _ = writeln!(s, "The provider is created with assertion encryption `Allowed` and the private key {}: IAM then accepts both plain and encrypted assertions, so sign-in works before and after Entra starts encrypting (step 4).\n", code(enc.key_path()));
    match enc.key_file {
        KeyFile::InSet => {
            let _ = writeln!(s, "samlbridge generated this RSA-{} key and wrote it here readable by you alone (mode 0600); it is never printed. Keep it: it is what `samlbridge validate --decrypt-key` reads, and a rerun into this directory keeps it rather than making a new one.\n", enc.key.bits());
        }
        KeyFile::Users(_) => {
            let _ = writeln!(
                s,
                "That is your own key file: samlbridge does not copy it anywhere.\n"
            );
        }
    }
    let _ = writeln!(s, "The AWS CLI reads the key from its file (`--add-private-key file://…`) instead of from `saml-provider.json`, so that the key is never copied into a JSON file: those are readable by everyone on this machine and made to be shared.\n");
    let _ = writeln!(s, "With CloudFormation, `iam.cfn.json` takes the key as the parameter `{CFN_KEY_PARAMETER}` (`NoEcho`, so CloudFormation does not show it; a key written into a template would be readable by anyone who can read the stack) and the mode as `{CFN_MODE_PARAMETER}` (default `Allowed`):\n");
    let _ = writeln!(s, "```sh\naws cloudformation deploy --template-file iam.cfn.json --stack-name samlbridge-iam --capabilities CAPABILITY_NAMED_IAM --parameter-overrides \"{CFN_KEY_PARAMETER}=$(cat {})\"\n```\n", word(enc.key_path()));
    let _ = writeln!(s, "Terraform's `aws_iam_saml_provider` has no argument for assertion encryption: after `terraform apply`, add the key and the mode to the provider with the command in step 4.1.\n");
}

/// Step 4: Entra starts encrypting without an outage, then (if asked) IAM requires it; and
/// how to rotate the key later.
fn encryption_steps(s: &mut String, spec: &Spec<'_>, enc: &Encryption<'_>, validate: &str) {
    let arn = word(&spec.provider_arn());
    let key = word(enc.key_path());
    let _ = writeln!(
        s,
        "\n## 4. Encrypted assertions\n\nIn this order, each step keeps sign-in working.\n"
    );
    let _ = writeln!(s, "### 4.1 IAM holds the key, encryption `Allowed`\n\nDone by step 1. For a provider that existed already (or one created by Terraform):\n");
    let _ = writeln!(s, "```sh\naws iam update-saml-provider --saml-provider-arn {arn} --assertion-encryption-mode Allowed {}\n```\n", enc.add_private_key());
    let _ = writeln!(s, "### 4.2 Entra encrypts\n\nEnterprise applications → the application → Token encryption → Import certificate: {}, then select it and choose **Activate token encryption certificate**.\n", code(CERT_FILE));
    let _ = writeln!(s, "- Subject: {}", code(&enc.cert.subject));
    let _ = writeln!(
        s,
        "- Thumbprint (SHA-1, as Entra shows it): {}",
        code(&enc.cert.sha1.to_string())
    );
    let _ = writeln!(
        s,
        "- Valid until: {}\n",
        enc.cert.not_after.format("%Y-%m-%d")
    );
    let _ = writeln!(s, "### 4.3 Test\n\nSign in again, capture as in step 3, and check that the assertion arrives encrypted and decrypts with the key:\n");
    let _ = writeln!(s, "```sh\n{validate} --decrypt-key {key}\n```\n");
    let require = format!("aws iam update-saml-provider --saml-provider-arn {arn} --assertion-encryption-mode Required");
    match enc.mode {
        EncryptionMode::Required => {
            let _ = writeln!(s, "### 4.4 Require encryption\n\nOnly once 4.3 passed: from now on IAM refuses plain assertions.\n");
            let _ = writeln!(s, "```sh\n{require}\n```\n");
            let _ = writeln!(
                s,
                "(With CloudFormation: update the stack with `{CFN_MODE_PARAMETER}=Required`.)\n"
            );
        }
        EncryptionMode::Allowed => {
            let _ = writeln!(s, "Encryption stays `Allowed`, as asked: IAM accepts plain assertions too. To require it later (IAM then refuses plain ones), run `{require}` or update the stack with `{CFN_MODE_PARAMETER}=Required`.\n");
        }
    }
    rotation_steps(s, spec, &arn);
}

/// Replacing the key without an outage: IAM holds at most two keys, so the new one is added
/// before Entra moves to it and the old one removed after.
fn rotation_steps(s: &mut String, spec: &Spec<'_>, arn: &str) {
    // openssl's -subj gives `/`, `=`, `+` and `,` a meaning: the name keeps its plain characters.
    let plain: String = spec
        .provider
        .as_str()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        .collect();
    let cn = word(&format!("/CN={plain} assertion encryption"));
    let _ = writeln!(s, "## Key rotation\n\nIAM holds at most two keys per provider (`PrivateKeyList`) and decrypts with either, so a new key is added before Entra moves to it and the old one removed after.\n");
    let _ = writeln!(
        s,
        "1. Make the new key (readable by you alone) and its certificate:\n"
    );
    let _ = writeln!(s, "```sh\n(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out new-assertion-encryption-key.pem)\nopenssl req -new -x509 -key new-assertion-encryption-key.pem -subj {cn} -days 1095 -sha256 -out new-entra-token-encryption.cer\n```\n");
    let _ = writeln!(s, "2. Add it to IAM, next to the current key:\n");
    let _ = writeln!(s, "```sh\naws iam update-saml-provider --saml-provider-arn {arn} --add-private-key file://new-assertion-encryption-key.pem\n```\n");
    let _ = writeln!(s, "3. In Entra's Token encryption page, import `new-entra-token-encryption.cer` and activate it.\n");
    let _ = writeln!(
        s,
        "4. Test a sign-in as in 4.3, with `--decrypt-key new-assertion-encryption-key.pem`.\n"
    );
    let _ = writeln!(
        s,
        "5. Remove the old key: find its KeyId (the earlier Timestamp) and remove it by that ID:\n"
    );
    let _ = writeln!(s, "```sh\naws iam get-saml-provider --saml-provider-arn {arn} --query PrivateKeyList\naws iam update-saml-provider --saml-provider-arn {arn} --remove-private-key KEY-ID\n```");
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

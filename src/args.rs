//! Command-line arguments as clap parses them ("low" arguments); `settings` turns them into
//! the library's jobs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use samlbridge::aws::Target;
use samlbridge::entra::Cloud;
use samlbridge::render::Format;
use std::path::PathBuf;

/// What `--version` says: the version, the commit and date of the build, and the OpenSSL and
/// libxmlsec1 that verify signatures.
pub fn long_version() -> String {
    format!(
        "{}\ncommit {}\nbuilt {}\n{} (linked)\nlibxmlsec1 {} (built against)",
        env!("CARGO_PKG_VERSION"),
        env!("SAMLBRIDGE_COMMIT"),
        env!("SAMLBRIDGE_BUILD_DATE"),
        openssl::version::version(),
        env!("SAMLBRIDGE_XMLSEC_VERSION"),
    )
}

#[derive(Debug, Parser)]
#[command(
    name = "samlbridge",
    version,
    about = "Wire Microsoft Entra ID SAML sign-in into AWS IAM Identity Center and IAM",
    long_about = "Fetches and lints Entra federation metadata and its certificates, and says exactly why AWS would accept or reject what you give it.\n\nExit codes: 0 no error-level finding, 1 at least one error-level finding, 2 samlbridge could not do its job.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Command {
    /// The command's name as reports give it, its format and where its report goes (`fetch
    /// -o -` reports on standard error): read before the arguments become settings, so that
    /// even a run that fails there answers in the format asked for.
    pub fn reporting(&self) -> (&'static str, Format, ReportStream) {
        match self {
            Command::Fetch(a) => (
                "fetch",
                a.format.into(),
                if a.output.as_os_str() == "-" {
                    ReportStream::Stderr
                } else {
                    ReportStream::Stdout
                },
            ),
            Command::Check(a) => ("check", a.format.into(), ReportStream::Stdout),
            Command::Validate(a) => ("validate", a.format.into(), ReportStream::Stdout),
            Command::Trace(a) => ("trace", a.format.into(), ReportStream::Stdout),
            Command::Preflight(a) => ("preflight", a.format.into(), ReportStream::Stdout),
            Command::Aws(AwsCommand::IdentityCenter(a)) => {
                ("aws identity-center", a.format.into(), ReportStream::Stdout)
            }
            Command::Aws(AwsCommand::Iam(a)) => ("aws iam", a.format.into(), ReportStream::Stdout),
            Command::Entra(EntraCommand::Export(a)) => {
                ("entra export", a.format.into(), ReportStream::Stdout)
            }
            Command::Explain(a) => ("explain", a.format.into(), ReportStream::Stdout),
            Command::Completions(_) => ("completions", Format::Human, ReportStream::Stdout),
            Command::Man(_) => ("man", Format::Human, ReportStream::Stdout),
        }
    }
}

/// Where a command's report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStream {
    Stdout,
    Stderr,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download an Entra application's federation metadata over HTTPS, check it and save it.
    Fetch(FetchArgs),
    /// Lint IdP metadata and its certificates against what AWS requires.
    Check(CheckArgs),
    /// Validate captured SAML responses the way AWS will, and lay out their claims.
    Validate(ValidateArgs),
    /// Tell the story of each sign-in in a browser capture: the request, Entra's pages and
    /// errors, the response and AWS's answer, and what went wrong.
    Trace(TraceArgs),
    /// Check everything, then write the AWS and Entra configuration for a target.
    #[command(subcommand)]
    Aws(AwsCommand),
    /// Read an Entra application from Microsoft Graph.
    #[command(subcommand)]
    Entra(EntraCommand),
    /// Check both sides before cutover: the Entra application, IAM Identity Center, and that
    /// every assigned user's NameID names an Identity Center user. Go or no-go.
    Preflight(PreflightArgs),
    /// Explain a finding code or an Entra sign-in error (AADSTS50011): what it means, how to fix it.
    Explain(ExplainArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    Completions(CompletionsArgs),
    /// Write the man pages (samlbridge.1 and one per command) into a directory, for packaging.
    #[command(hide = true)]
    Man(ManArgs),
}

/// Output formats of the commands that report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
}

/// `check` also writes SARIF, for code-scanning services.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormatArg {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `--assertion-encryption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncryptionArg {
    Allowed,
    Required,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TargetArg {
    IdentityCenter,
    Iam,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::IdentityCenter => Target::IdentityCenter,
            TargetArg::Iam => Target::Iam,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EngineArg {
    Native,
    Samael,
}

impl From<EngineArg> for samlbridge::response::Engine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Native => samlbridge::response::Engine::Native,
            EngineArg::Samael => samlbridge::response::Engine::Samael,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CloudArg {
    Global,
    Usgov,
    China,
}

impl From<CloudArg> for Cloud {
    fn from(c: CloudArg) -> Cloud {
        match c {
            CloudArg::Global => Cloud::Global,
            CloudArg::Usgov => Cloud::UsGov,
            CloudArg::China => Cloud::China,
        }
    }
}

/// Options every reporting command shares.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// When to colour human output (auto honours NO_COLOR and pipes).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Judge time-based rules at this instant (RFC 3339, e.g. 2026-01-31T12:00:00Z) instead of
    /// now, or, for validate, instead of the time a HAR or SAML-tracer capture records.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Treat this finding code as an error (repeatable).
    #[arg(long, value_name = "CODE")]
    pub deny: Vec<String>,
    /// Accept this finding code: it is reported as info and never fails the run (repeatable).
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
}

/// Options of the checks on metadata and certificates.
#[derive(Debug, Args)]
pub struct MetadataCheckArgs {
    /// Require the metadata signature to be made by this certificate (SHA-256 or SHA-1 thumbprint).
    #[arg(long, value_name = "THUMBPRINT")]
    pub pin_cert: Option<String>,
    /// Days before a certificate's expiry at which to start warning (Entra mails at 60).
    #[arg(long, value_name = "DAYS", default_value_t = 60)]
    pub warn_days: i64,
    /// The entity to use when the document describes several identity providers.
    #[arg(long, value_name = "ENTITY-ID")]
    pub entity_id: Option<String>,
}

/// HTTP client options.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Extra trusted root certificates (PEM), e.g. a TLS-inspecting proxy's.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Deadline for everything done with one URL: every attempt, the waits between them
    /// (Retry-After included) and the whole body, to its last byte.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
    /// Limit for establishing each connection (within --timeout).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub connect_timeout: String,
    /// Attempts in all for connection failures, cut-off bodies, 429 and 5xx answers, as long
    /// as --timeout leaves time for them.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub attempts: u32,
    /// Largest document accepted, in bytes or with a unit (10MB, 10MiB, 512k).
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = size)]
    pub max_size: usize,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Tenant ID (GUID) or a verified domain of the tenant.
    #[arg(long, required_unless_present = "url", conflicts_with = "url")]
    pub tenant: Option<String>,
    /// The enterprise application's Application ID.
    #[arg(long, required_unless_present = "url", conflicts_with = "url")]
    pub app_id: Option<String>,
    /// National cloud of the tenant.
    #[arg(long, value_enum, default_value = "global")]
    pub cloud: CloudArg,
    /// Fetch this https:// URL instead of building Entra's app-metadata URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Where to save the document ("-" for stdout, the report then goes to stderr).
    #[arg(
        short = 'o',
        long,
        value_name = "FILE",
        default_value = "federationmetadata.xml"
    )]
    pub output: PathBuf,
    /// Save even when the document failed a check that means it cannot be trusted.
    #[arg(long)]
    pub force: bool,
    /// Apply the size and feature limits of this AWS target (with --sp-metadata: the target
    /// its entityID shows, unless given).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    #[command(flatten)]
    pub checks: MetadataCheckArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// IdP metadata: a file, "-" for stdin, or an https:// URL.
    #[arg(value_name = "METADATA", required_unless_present_any = ["apps", "claims"])]
    pub metadata: Option<String>,
    /// Check many Entra applications: a TOML ([[app]] with tenant, app_id, optional name and
    /// target) or CSV (header tenant,app_id[,name,target]) file, "-" for stdin.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["metadata", "sp_metadata", "claims", "pin_cert", "entity_id"]
    )]
    pub apps: Option<String>,
    /// With --apps: how many applications are fetched at once.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "apps",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// With --apps: the national cloud the tenants are in.
    #[arg(long, value_enum, default_value = "global", requires = "apps")]
    pub cloud: CloudArg,
    /// With --apps: no progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// With --apps: exit 1 when any application's certificate expires in fewer than N days,
    /// even where that is otherwise only a warning (for monitoring).
    #[arg(long, value_name = "N", requires = "apps")]
    pub fail_under_days: Option<u32>,
    /// Reach Entra's login host at this https:// origin instead (a mirror, a test server).
    #[arg(long, value_name = "URL", hide = true, requires = "apps")]
    pub login_endpoint: Option<String>,
    /// IAM Identity Center's service-provider metadata, checked too.
    #[arg(long, value_name = "FILE")]
    pub sp_metadata: Option<PathBuf>,
    /// A claim mapping to check against the target's rules (TOML or Graph claimsPolicy JSON);
    /// alone, or with METADATA.
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// The Entra attribute provisioning sends as the Identity Center userName.
    #[arg(
        long,
        value_name = "ATTRIBUTE",
        default_value = samlbridge::claims::DEFAULT_SCIM_USERNAME_SOURCE
    )]
    pub scim_username_source: String,
    /// Apply the size and feature limits of this AWS target (with --sp-metadata: the target
    /// its entityID shows, unless given).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    #[command(flatten)]
    pub checks: MetadataCheckArgs,

    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum AwsCommand {
    /// IAM Identity Center with Entra as external identity provider.
    IdentityCenter(IdentityCenterArgs),
    /// A plain IAM SAML identity provider and roles.
    Iam(IamArgs),
}

#[derive(Debug, Subcommand)]
pub enum EntraCommand {
    /// Save what Microsoft Graph says about an Entra application (service principal,
    /// application, claims policy, assignments, group members, users, provisioning job and
    /// schema) as JSON files in a directory, for `preflight --entra DIR`.
    Export(EntraExportArgs),
}

#[derive(Debug, Args)]
pub struct EntraExportArgs {
    /// Tenant ID (GUID) or a verified domain of the tenant.
    #[arg(long)]
    pub tenant: String,
    /// The enterprise application's Application ID.
    #[arg(long)]
    pub app_id: String,
    /// The directory to write into (created if missing). Only files samlbridge wrote there
    /// are ever replaced or removed; the rest of the directory is left alone.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace files samlbridge wrote earlier that were edited since (the diff is shown).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub graph: GraphArgs,
    /// No progress line.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// When to colour human output (auto honours NO_COLOR and pipes).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
}

/// How Microsoft Graph is reached (entra export, preflight).
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// National cloud of the tenant, which decides the Microsoft Graph host.
    #[arg(long, value_enum, default_value = "global")]
    pub cloud: CloudArg,
    /// A Microsoft Graph access token (az account get-access-token --resource-type ms-graph
    /// --query accessToken -o tsv).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SAMLBRIDGE_GRAPH_TOKEN",
        hide_env_values = true
    )]
    pub graph_token: Option<String>,
    /// Microsoft Graph's base URL, instead of the cloud's (a stand-in or a Graph proxy).
    #[arg(
        long,
        value_name = "URL",
        hide = true,
        env = "SAMLBRIDGE_GRAPH_ENDPOINT"
    )]
    pub graph_endpoint: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The Entra side from `samlbridge entra export`'s directory, instead of Graph live.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["tenant", "app_id"])]
    pub entra: Option<PathBuf>,
    /// Read the Entra side live: the tenant ID (GUID) or a verified domain.
    #[arg(long, requires = "app_id")]
    pub tenant: Option<String>,
    /// Read the Entra side live: the enterprise application's Application ID.
    #[arg(long, requires = "tenant")]
    pub app_id: Option<String>,
    #[command(flatten)]
    pub graph: GraphArgs,
    /// The Identity Center side from the AWS CLI's JSON (list-instances.json, list-users.json,
    /// optionally list-groups.json, list-group-memberships.json), instead of the AWS APIs live.
    #[arg(long, value_name = "DIR")]
    pub aws: Option<PathBuf>,
    /// Read the AWS side live (standard credential chain and region) from this identity
    /// store, when the account has several Identity Center instances.
    #[arg(long, value_name = "ID", conflicts_with = "aws")]
    pub identity_store_id: Option<String>,
    /// Identity Center's service-provider metadata: the entityID and ACS URLs Entra must hold.
    #[arg(long, value_name = "FILE")]
    pub sp_metadata: Option<PathBuf>,
    /// The IdP metadata uploaded to Identity Center: the certificates it trusts.
    #[arg(long, value_name = "FILE")]
    pub current_metadata: Option<PathBuf>,
    /// Entra's federation metadata (file or https:// URL), assumed to be what Identity Center
    /// holds when --current-metadata is not given.
    #[arg(long, value_name = "METADATA")]
    pub metadata: Option<String>,
    /// Days before a certificate's expiry at which to start warning (Entra mails at 60).
    #[arg(long, value_name = "DAYS", default_value_t = 60)]
    pub warn_days: i64,
    /// List every user, not only those with a problem.
    #[arg(long)]
    pub all_users: bool,
    /// Also write the per-user table as CSV, for the cutover meeting's spreadsheet.
    #[arg(long, value_name = "FILE")]
    pub users_csv: Option<PathBuf>,
    /// Replace --users-csv's file when it exists.
    #[arg(long, requires = "users_csv")]
    pub force: bool,
    /// No progress line.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Where the claim mapping comes from.
#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// The claim mapping: a TOML file mirroring Entra's "Attributes & Claims", or the Graph
    /// claimsPolicy JSON (`az rest --url …/servicePrincipals/{id}/claimsPolicy`).
    #[arg(long, value_name = "FILE", conflicts_with = "service_principal_id")]
    pub claims: Option<PathBuf>,
    /// Fetch the claims policy from Microsoft Graph for this service principal (its Object ID).
    #[arg(long, value_name = "OBJECT-ID", requires = "graph_token")]
    pub service_principal_id: Option<String>,
    /// A Microsoft Graph access token for --service-principal-id.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SAMLBRIDGE_GRAPH_TOKEN",
        hide_env_values = true
    )]
    pub graph_token: Option<String>,
    /// Microsoft Graph's base URL.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com/",
        hide = true
    )]
    pub graph_endpoint: String,
}

/// Options of writing a configuration set.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The directory to write into (created if missing). Only files samlbridge wrote there
    /// are ever replaced or removed; the rest of the directory is left alone.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace files samlbridge wrote earlier that were edited since (the diff is shown).
    #[arg(long)]
    pub force: bool,
    /// Write the files even though error-level findings stand.
    #[arg(long)]
    pub write_despite_errors: bool,
    /// Print what would be written and how it differs from the directory; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Upload only this signing certificate (SHA-256 or SHA-1 thumbprint): the metadata is
    /// trimmed to it, for a rollover.
    #[arg(long, value_name = "THUMBPRINT")]
    pub signing_cert: Option<String>,
    /// The certificate AWS trusts today (a PEM file or a thumbprint): writes ROLLOVER.md.
    #[arg(long, value_name = "PEM-OR-THUMBPRINT")]
    pub current_cert: Option<String>,
}

#[derive(Debug, Args)]
pub struct IdentityCenterArgs {
    /// Entra's federation metadata: a file, "-" or an https:// URL.
    #[arg(value_name = "METADATA")]
    pub metadata: String,
    /// IAM Identity Center's service-provider metadata.
    #[arg(long, value_name = "FILE")]
    pub sp_metadata: PathBuf,
    /// The Identity Center instance ARN, for the access-control configuration.
    #[arg(long, value_name = "ARN")]
    pub instance_arn: Option<String>,
    /// The AWS access portal URL, as the Entra application's Sign on URL.
    #[arg(long, value_name = "URL")]
    pub sign_on_url: Option<String>,
    /// The Entra attribute provisioning sends as the Identity Center userName.
    #[arg(
        long,
        value_name = "ATTRIBUTE",
        default_value = samlbridge::claims::DEFAULT_SCIM_USERNAME_SOURCE
    )]
    pub scim_username_source: String,
    #[command(flatten)]
    pub claims: ClaimsArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub checks: MetadataCheckArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct IamArgs {
    /// Entra's federation metadata: a file, "-" or an https:// URL.
    #[arg(value_name = "METADATA")]
    pub metadata: String,
    /// The AWS account the provider and roles live in.
    #[arg(long, value_name = "ACCOUNT")]
    pub account_id: String,
    /// The IAM SAML provider's name.
    #[arg(long, value_name = "NAME")]
    pub provider_name: String,
    /// A role to trust the provider (repeatable).
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// The AWS partition: aws, aws-cn or aws-us-gov.
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// A Region whose sign-in endpoint (https://REGION.signin.aws.amazon.com/saml) users sign
    /// in through, besides the global one (repeatable): the trust policies accept it as
    /// SAML:aud, and Entra gets it as a Reply URL.
    #[arg(long = "sign-in-region", value_name = "REGION")]
    pub sign_in_regions: Vec<String>,
    /// Encrypted assertions: the provider gets a private key and accepts them (allowed), and
    /// STEPS.md ends by requiring them (required) once Entra encrypts and a test passed.
    #[arg(long, value_enum, value_name = "MODE")]
    pub assertion_encryption: Option<EncryptionArg>,
    /// The RSA private key IAM decrypts assertions with (PEM, unencrypted, 2048 bits or
    /// more): referenced from STEPS.md, never copied. Without it, a new key is written into
    /// --out (mode 0600) and kept by later runs.
    #[arg(long, value_name = "PEM")]
    pub encryption_key: Option<PathBuf>,
    /// The certificate of --encryption-key's key, for Entra's Token encryption page (PEM).
    /// Without it, a self-signed one is made from the key.
    #[arg(long, value_name = "PEM")]
    pub encryption_cert: Option<PathBuf>,
    #[command(flatten)]
    pub claims: ClaimsArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub checks: MetadataCheckArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Captured responses: files (XML, base64, form body, URL, HAR, SAML-tracer export),
    /// directories of them, or "-" for stdin.
    #[arg(value_name = "RESPONSE", required = true)]
    pub responses: Vec<String>,
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// Validate on N threads (default: one per core); output stays in input order.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What a response is judged against: whom to trust and what it is for (validate, trace).
#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// The IdP metadata whose signing certificates are trusted (file, "-" or https:// URL).
    #[arg(long, value_name = "METADATA")]
    pub metadata: Option<String>,
    /// A PEM certificate trusted to sign responses (repeatable; adds to --metadata's).
    #[arg(long, value_name = "PEM")]
    pub cert: Vec<PathBuf>,
    /// A PEM private key to decrypt an EncryptedAssertion with (repeatable, at most 8: the old
    /// and the new key during a rotation). Reports name it by file and public-key SHA-256.
    #[arg(long, value_name = "PEM")]
    pub decrypt_key: Vec<PathBuf>,
    /// The expected Issuer when only --cert is given (with --metadata: its entityID).
    #[arg(long, value_name = "ENTITY-ID")]
    pub issuer: Option<String>,
    /// Apply this AWS target's rules.
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// The service provider's metadata (IAM Identity Center's, or AWS's IAM sign-in metadata): the
    /// target it shows, the audience and every ACS URL.
    #[arg(long, value_name = "FILE")]
    pub sp_metadata: Option<PathBuf>,
    /// The expected Audience (repeatable; exact comparison), instead of --sp-metadata's.
    #[arg(long, value_name = "URI", conflicts_with = "sp_metadata")]
    pub audience: Vec<String>,
    /// An expected ACS URL for Destination and Recipient (repeatable; exact comparison),
    /// instead of --sp-metadata's.
    #[arg(long, value_name = "URL", conflicts_with = "sp_metadata")]
    pub acs: Vec<String>,
    /// The Identity Center user name the NameID must equal.
    #[arg(long, value_name = "USER")]
    pub expect_user: Option<String>,
    /// With --target iam: the AWS account the roles and the SAML provider in the Role values
    /// must be in.
    #[arg(long, value_name = "ACCOUNT")]
    pub account_id: Option<String>,
    /// With --target iam: the IAM SAML provider the Role values must name.
    #[arg(long, value_name = "NAME")]
    pub provider_name: Option<String>,
    /// Clock difference tolerated on NotBefore / NotOnOrAfter.
    #[arg(long, value_name = "DURATION", default_value = "3m")]
    pub skew: String,
    /// Largest decoded response accepted, in bytes or with a unit.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = size)]
    pub max_response_size: usize,
    /// Largest input file accepted (a HAR can be big), and most bytes its responses may
    /// decode to in all, in bytes or with a unit.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = size)]
    pub max_input_size: usize,
    /// The signature verifier: native (default) or samael (libxmlsec1, the reference).
    #[arg(long, value_enum, default_value = "native")]
    pub engine: EngineArg,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A browser capture of the sign-in: a HAR file (Chrome, Edge, Firefox, Safari; "Save all
    /// as HAR with content" keeps Entra's error pages) or a SAML-tracer export, or "-" for stdin.
    #[arg(value_name = "CAPTURE")]
    pub capture: String,
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// Write a copy of the capture with names, addresses, ids, cookies, tokens and passwords
    /// masked (the same value gets the same mask), for a colleague or a vendor; the copy records
    /// the verdicts reached before masking.
    #[arg(long, value_name = "OUT")]
    pub redact: Option<PathBuf>,
    /// Replace OUT when it exists.
    #[arg(long, requires = "redact")]
    pub force: bool,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding code (e.g. cert-expiring) or Entra error (AADSTS50011, or 50011).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code.
    #[arg(long)]
    pub list: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "target/man")]
    pub out: PathBuf,
}

/// A size in bytes, with a unit or without: `10MB` (10,000,000), `10MiB` (10,485,760), `512k`,
/// `1048576`.
fn size(text: &str) -> Result<usize, String> {
    let bytes = parse_size::parse_size(text).map_err(|e| {
        format!("{e}: give a number of bytes, with a unit if you like (512k, 10MB, 10MiB)")
    })?;
    usize::try_from(bytes).map_err(|_| format!("{text} is more than this machine can address"))
}

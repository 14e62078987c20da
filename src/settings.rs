//! Arguments become settings, in one place: each command's arguments are checked and turned
//! into the library job it runs, with the documents, certificates and claim mappings they name
//! read. Errors here are usage errors (exit code 2) and name the flag at fault; the library's
//! own errors never do.

use crate::args::{
    CheckArgs, CheckFormatArg, ClaimsArgs, ColorArg, CommonArgs, EncryptionArg, EntraExportArgs,
    ExplainArgs, FetchArgs, FormatArg, HttpArgs, IamArgs, IdentityCenterArgs, JudgeArgs,
    MetadataCheckArgs, PreflightArgs, TraceArgs, ValidateArgs, WriteArgs,
};
use crate::output;
use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Utc};
use samlbridge::aws::names::{AccountId, Partition, ProviderName, RoleName};
use samlbridge::aws::rules::RoleOwner;
use samlbridge::aws::{Target, TargetChoice};
use samlbridge::capture::{self, Capture};
use samlbridge::cert::encryption::{EncryptionKey, KeyError};
use samlbridge::cert::private_key::PrivateKeyError;
use samlbridge::cert::Certificate;
use samlbridge::cert::{CertPolicy, Thumbprint};
use samlbridge::claims::{self, ClaimContext, ClaimMapping, GraphToken};
use samlbridge::commands::check::{self, CheckJob, CheckSettings, ClaimsCheck};
use samlbridge::commands::entra_export::{ExportError, ExportJob};
use samlbridge::commands::fetch::{Destination, FetchJob};
use samlbridge::commands::fleet::{self, App, FleetSettings};
use samlbridge::commands::preflight::PreflightJob;
use samlbridge::commands::setup::{self, Common, IamTarget, Prepared, SetupError, WriteSettings};
use samlbridge::commands::trace::TraceJob;
use samlbridge::commands::validate::{self, CertTrustError, TrustError, ValidateJob};
use samlbridge::diag::{Code, OverrideError, Overrides};
use samlbridge::entra;
use samlbridge::graph::GraphError;
use samlbridge::http::{FetchOptions, Fetcher};
use samlbridge::input::{self, Document, Listing, Source};
use samlbridge::looks::Looks;
use samlbridge::metadata::{self, MetadataError};
use samlbridge::render::{Format, Topic};
use samlbridge::response::{
    self, DecodeLimits, Decryption, Engine, Expectations, JudgeAt, MissingExpectation, Recipient,
    SignaturePolicy, TrustAnchors, ValidateSettings,
};
use samlbridge::write::iam::{self as iam_files, Encryption, EncryptionMode, KeyFile};
use samlbridge::write::rollover::Trusted;
use samlbridge::xenc::{self, DecryptionKey};
use samlbridge::{graph, identity_center};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Claim mappings and apps files are small; a larger one is a mistake.
const SMALL_FILE: usize = 16 * 1024 * 1024;
/// Certificate files.
const PEM_FILE: usize = 1024 * 1024;

/// `check` on one document, or on the applications of an apps file.
pub enum Check {
    One(Box<CheckJob>),
    Fleet(Box<Fleet>),
}

/// `check --apps`: the applications, how to reach them, and whether to show progress.
pub struct Fleet {
    pub apps: Vec<App>,
    pub settings: FleetSettings,
    pub fetcher: Fetcher,
    pub quiet: bool,
    /// `--fail-under-days`: certificates expiring sooner fail the run.
    pub fail_under_days: Option<u32>,
}

pub fn check(a: CheckArgs) -> Result<(Check, Format)> {
    a.common.color.apply();
    let format = a.format.into();
    let settings = check_settings(a.target.map(Into::into), &a.checks, &a.common)?;
    if let Some(apps) = &a.apps {
        return Ok((fleet(apps, &a, settings)?, format));
    }
    if a.fail_under_days.is_some() {
        bail!("--fail-under-days applies to the applications of --apps; one document's certificates are judged by --warn-days");
    }
    // A claim mapping may be checked alone; otherwise the metadata comes from standard input
    // when no file is named.
    let metadata = match (&a.metadata, &a.claims) {
        (None, Some(_)) => None,
        (md, _) => Some(read_metadata(None, md.as_deref().unwrap_or("-"), &a.http)?),
    };
    if let Some(doc) = &metadata {
        readable_idp(doc, settings.entity_id.as_deref())?;
    }
    let sp_metadata = a
        .sp_metadata
        .as_ref()
        .map(|p| Document::from_file(p, a.http.max_size).map_err(flagged("--sp-metadata")))
        .transpose()?;
    if let Some(doc) = &sp_metadata {
        readable_sp(doc)?;
    }
    let claims = match &a.claims {
        None => None,
        Some(path) => {
            let mapping = read_claims_file(path)?;
            // Claim rules differ per target: the one named, else the one the SP metadata shows.
            let shown = sp_metadata
                .as_ref()
                .and_then(|doc| check::read_sp(doc.input()).ok())
                .and_then(|sp| Target::of_sp_entity_id(&sp.entity_id));
            let Some(target) = settings.target.or(shown) else {
                bail!(
                    "--claims {} needs a target, as the claim rules of IAM Identity Center and IAM differ: give --target identity-center or --target iam (or Identity Center's --sp-metadata)",
                    path.display()
                );
            };
            Some(ClaimsCheck {
                name: path.display().to_string(),
                mapping,
                context: ClaimContext {
                    target,
                    scim_username_source: (target == Target::IdentityCenter)
                        .then(|| a.scim_username_source.clone()),
                    role_owner: RoleOwner::default(),
                },
            })
        }
    };
    let job = CheckJob {
        metadata,
        sp_metadata,
        claims,
        settings,
    };
    Ok((Check::One(Box::new(job)), format))
}

/// `check --apps FILE`.
fn fleet(apps: &str, a: &CheckArgs, settings: CheckSettings) -> Result<Check> {
    let source = Source::parse(apps)?;
    if matches!(source, Source::Url(_)) {
        bail!("--apps takes a file or \"-\", not a URL");
    }
    let bytes = input::read(&source, SMALL_FILE, None, &mut std::io::stdin().lock())?;
    let apps = fleet::parse_apps(&source.to_string(), &bytes)?;
    let login_endpoint = match a.login_endpoint.as_deref().map(Source::parse) {
        None => None,
        Some(Ok(Source::Url(url))) => Some(url),
        Some(_) => bail!(
            "--login-endpoint {:?} is not an https:// URL",
            a.login_endpoint.as_deref().unwrap_or_default()
        ),
    };
    Ok(Check::Fleet(Box::new(Fleet {
        apps,
        settings: FleetSettings {
            check: settings,
            cloud: a.cloud.into(),
            login_endpoint,
            concurrency: a.concurrency.into(),
        },
        fetcher: Fetcher::new(a.http.options()?)?,
        quiet: a.quiet,
        fail_under_days: a.fail_under_days,
    })))
}

pub fn fetch(a: FetchArgs) -> Result<(FetchJob, Fetcher, Format)> {
    a.common.color.apply();
    let format = a.format.into();
    let url = match (&a.url, &a.tenant, &a.app_id) {
        (Some(u), _, _) => match Source::parse(u)? {
            Source::Url(url) => url,
            _ => bail!("--url {u:?} is not an https:// URL"),
        },
        (None, Some(t), Some(app)) => {
            let tenant: entra::TenantId = t.parse()?;
            let app: entra::AppId = app.parse()?;
            entra::app_metadata_url(a.cloud.into(), &tenant, &app)
        }
        _ => bail!("give --tenant and --app-id, or --url"),
    };
    let job = FetchJob {
        url,
        settings: check_settings(a.target.map(Into::into), &a.checks, &a.common)?,
        destination: if a.output.as_os_str() == "-" {
            Destination::Stdout
        } else {
            Destination::File(a.output.clone())
        },
        force: a.force,
    };
    Ok((job, Fetcher::new(a.http.options()?)?, format))
}

pub fn validate(a: ValidateArgs) -> Result<(ValidateJob, Listing, Format)> {
    a.common.color.apply();
    let format = a.format.into();
    let stdin_inputs = a.responses.iter().filter(|r| *r == "-").count();
    if stdin_inputs > 1 || (stdin_inputs == 1 && a.judge.metadata.as_deref() == Some("-")) {
        bail!("standard input can be read only once");
    }
    let j = judging(&a.judge, &a.common, &a.http)?;
    let Some(trust) = j.trust.clone() else {
        bail!("give the certificates that sign the responses: --metadata with the Entra application's federation metadata, or --cert with its signing certificate");
    };
    let recipient = j
        .recipient
        .clone()
        .map_err(|e| missing_expectation(&a.judge, e))?;
    let expect = j.expect(recipient);
    let job = ValidateJob {
        settings: ValidateSettings {
            trust,
            expect,
            policy: j.policy,
            overrides: j.overrides,
            engine: j.engine,
            decryption: j.decryption,
        },
        limits: j.limits,
        threads: a.jobs(),
    };
    Ok((job, input::list(&a.responses)?, format))
}

/// `trace`: what each response is judged against when the arguments say it; the story is
/// told without a verdict on responses otherwise.
pub fn trace(a: TraceArgs) -> Result<Trace> {
    a.common.color.apply();
    if a.capture == "-" && a.judge.metadata.as_deref() == Some("-") {
        bail!("standard input can be read only once");
    }
    let j = judging(&a.judge, &a.common, &a.http)?;
    let recipient = match j.recipient.clone() {
        Ok(r) => Some(r),
        // Nothing at all was said about the service provider: the requests are shown and
        // the responses left unjudged.
        Err(MissingExpectation::Target) => None,
        Err(e) => return Err(missing_expectation(&a.judge, e)),
    };
    let unjudged = match (&j.trust, &recipient) {
        (Some(_), Some(_)) => None,
        (None, Some(_)) => Some("no certificate is trusted to sign the response, so it was read but not validated"),
        (Some(_), None) => Some("nothing says which service provider the response is for, so it was read but not validated"),
        (None, None) => Some("neither the certificates trusted to sign the response nor the service provider it is for were given, so it was read but not validated"),
    };
    let recipient_known = recipient.is_some();
    let expect = j.expect(recipient.unwrap_or(Recipient {
        target: TargetChoice::choose(j.target, None),
        audiences: Vec::new(),
        acs: Vec::new(),
    }));
    let validate = match (&j.trust, recipient_known) {
        (Some(trust), true) => Some(ValidateSettings {
            trust: trust.clone(),
            expect: expect.clone(),
            policy: j.policy,
            overrides: j.overrides.clone(),
            engine: j.engine,
            decryption: j.decryption.clone(),
        }),
        _ => None,
    };
    let source = if a.capture == "-" {
        Source::Stdin
    } else {
        Source::File(PathBuf::from(&a.capture))
    };
    let doc = input::read_document(
        &source,
        a.judge.max_input_size,
        None,
        &mut std::io::stdin().lock(),
    )
    .map_err(flagged("CAPTURE"))?;
    let capture = read_capture(&doc)?;
    let redact = match &a.redact {
        Some(out) => Some(redact_target(out, a.force, &a.capture)?),
        None => None,
    };
    Ok(Trace {
        job: TraceJob {
            validate,
            unjudged,
            expect,
            recipient_known,
            idp_sso: j.idp_sso,
            overrides: j.overrides,
            limits: j.limits,
        },
        name: doc.name,
        bytes: doc.bytes,
        capture,
        redact,
        force: a.force,
        format: a.format.into(),
    })
}

/// A browser capture; what was given instead is named.
fn read_capture(doc: &Document) -> Result<Capture> {
    capture::read(&doc.bytes).map_err(|e| {
        let xml = doc
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&doc.bytes)
            .trim_ascii_start()
            .starts_with(b"<");
        // A response on its own (XML or base64) is what validate reads.
        let response = samlbridge::response::decode::decode(&doc.name, &doc.bytes, Default::default())
            .is_ok_and(|found| {
                found.iter().any(|c| {
                    std::str::from_utf8(&c.xml).is_ok_and(samlbridge::response::decode::is_response)
                })
            });
        let what = match Looks::of(&doc.bytes) {
            _ if response => "this is a SAML response, not a browser capture: samlbridge validate reads it".to_owned(),
            Some(Looks::Har | Looks::Json) => e.to_string(),
            Some(Looks::Empty) => "the file is empty".to_owned(),
            Some(looks) => format!("this is {looks}, not a browser capture"),
            None if xml => "this is XML, not a browser capture".to_owned(),
            None => e.to_string(),
        };
        let hint = if response {
            ""
        } else if xml {
            " (a captured SAML response goes to samlbridge validate, metadata to samlbridge check; trace reads a whole sign-in saved from the browser)"
        } else {
            " (trace reads a HAR file, saved from the browser's developer tools: Network tab, \"Save all as HAR with content\", or a SAML-tracer export)"
        };
        anyhow!("CAPTURE {}: {what}{hint}", doc.name)
    })
}

/// What `trace` runs: the job, the capture read, and where a redacted copy goes.
pub struct Trace {
    pub job: TraceJob,
    /// The capture's name and bytes, which a redacted copy is made from.
    pub name: String,
    pub bytes: Vec<u8>,
    pub capture: Capture,
    pub redact: Option<PathBuf>,
    /// `--force`: replace an existing redacted copy.
    pub force: bool,
    pub format: Format,
}

/// `--redact OUT`: refused before any work when it would replace the capture itself or, without
/// --force, any existing file.
fn redact_target(out: &Path, force: bool, capture: &str) -> Result<PathBuf> {
    if out.as_os_str() == "-" {
        bail!("--redact writes a file: give its path (the copy is not printed, so that it never mixes with the report)");
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "--redact {}: the directory {} does not exist",
                out.display(),
                parent.display()
            );
        }
    }
    if out.is_dir() {
        bail!(
            "--redact {}: is a directory; give the file to write",
            out.display()
        );
    }
    if capture != "-" {
        let same = match (std::fs::canonicalize(capture), std::fs::canonicalize(out)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            bail!(
                "--redact {}: is the capture itself; write the redacted copy to another file",
                out.display()
            );
        }
    }
    if out.exists() && !force {
        bail!(
            "--redact {}: exists; samlbridge does not replace a file unless told to (--force)",
            out.display()
        );
    }
    Ok(out.to_path_buf())
}

/// What a response is judged against, as the arguments say it.
struct Judging {
    /// `None` when neither --metadata nor --cert was given.
    trust: Option<TrustAnchors>,
    issuer: Option<String>,
    target: Option<Target>,
    recipient: std::result::Result<Recipient, MissingExpectation>,
    idp_sso: Vec<String>,
    expect_user: Option<String>,
    role_owner: RoleOwner,
    now: JudgeAt,
    skew: chrono::Duration,
    policy: SignaturePolicy,
    overrides: Overrides,
    engine: Engine,
    decryption: Decryption,
    limits: DecodeLimits,
}

impl Judging {
    fn expect(&self, recipient: Recipient) -> Expectations {
        Expectations {
            issuer: self.issuer.clone(),
            audiences: recipient.audiences,
            acs: recipient.acs,
            target: recipient.target,
            expect_user: self.expect_user.clone(),
            role_owner: self.role_owner.clone(),
            now: self.now,
            skew: self.skew,
        }
    }
}

fn judging(a: &JudgeArgs, common: &CommonArgs, http: &HttpArgs) -> Result<Judging> {
    let now = common.now()?;
    let overrides = common.overrides()?;
    let skew = chrono::Duration::from_std(a.skew()?)?;
    let target = a.target.map(Into::into);
    let mut trust = None;
    let mut issuer = a.issuer.clone();
    let mut idp_sso = Vec::new();
    if let Some(md) = &a.metadata {
        let doc = read_metadata(Some("--metadata"), md, http)?;
        let md = validate::trust_metadata(&doc, target, now, &overrides).map_err(|e| match e {
            TrustError::Refused { ref finding, .. } => anyhow!("{e} (--deny {})", finding.code),
            TrustError::TooManyKeys { .. } => anyhow!("--metadata {e}"),
            TrustError::NotIdentityProvider { .. } => anyhow!(
                "--metadata {e} (Identity Center's service-provider metadata goes to --sp-metadata; --metadata takes Entra's federation metadata)"
            ),
            TrustError::Check(e) => flagged("--metadata")(e),
        })?;
        if let Some(warning) = &md.warning {
            output::warn(&doc.name, warning);
        }
        trust = Some(md.anchors);
        issuer.get_or_insert(md.entity_id);
        idp_sso = md.sso;
        idp_sso.sort();
        idp_sso.dedup();
    }
    for path in &a.cert {
        let pem = read_pem("--cert", path)?;
        let shown = path.display();
        let anchors = trust.get_or_insert_with(TrustAnchors::default);
        validate::trust_pem(anchors, &pem, |n| format!("--cert {shown} #{n}")).map_err(
            |e| match e {
                CertTrustError::Unreadable(e) => anyhow!(e).context(format!("--cert {shown}")),
                CertTrustError::TooManyKeys { number, source } => anyhow!(
                    "--cert {shown}: certificate #{number} makes {source}; --metadata and every --cert count together"
                ),
            },
        )?;
    }
    let sp = match &a.sp_metadata {
        Some(path) => Some(
            check::read_sp(
                Document::from_file(path, http.max_size)
                    .map_err(flagged("--sp-metadata"))?
                    .input(),
            )
            .map_err(flagged("--sp-metadata"))?,
        ),
        None => None,
    };
    let recipient = response::expectations(target, sp.as_ref(), a.audience.clone(), a.acs.clone());
    let chosen = recipient.as_ref().ok().and_then(|r| r.target.target());
    Ok(Judging {
        trust,
        issuer,
        target,
        role_owner: role_owner(a, chosen)?,
        recipient,
        idp_sso,
        expect_user: a.expect_user.clone(),
        // A capture's own time replaces the clock, never an instant the user gave.
        now: if common.now.is_some() {
            JudgeAt::Given(now)
        } else {
            JudgeAt::WallClock(now)
        },
        skew,
        policy: SignaturePolicy {
            allow_sha1: overrides.allows(Code::SignatureSha1),
        },
        decryption: decryption(a, &overrides)?,
        overrides,
        engine: a.engine.into(),
        limits: DecodeLimits {
            max_response_bytes: a.max_response_size,
            max_total_bytes: a.max_input_size,
        },
    })
}

fn missing_expectation(a: &JudgeArgs, missing: MissingExpectation) -> anyhow::Error {
    match missing {
        MissingExpectation::IdentityCenterSp => {
            anyhow!("--target identity-center needs --sp-metadata (or --audience and --acs)")
        }
        MissingExpectation::Target => anyhow!(
            "say what the response is for: --target iam, --sp-metadata FILE, or --audience and --acs"
        ),
        MissingExpectation::Acs => {
            anyhow!("give the expected ACS URL with --acs (or --sp-metadata)")
        }
        MissingExpectation::TargetContradictsSp { given, sp } => anyhow!(
            "--target {given} contradicts --sp-metadata {}, which is {}'s service-provider metadata (its entityID shows it); drop --target or give the other file",
            a.sp_metadata.as_deref().unwrap_or(Path::new("")).display(),
            sp.display_name()
        ),
    }
}

/// `--account-id/--provider-name`: what the Role values must name.
fn role_owner(a: &JudgeArgs, target: Option<Target>) -> Result<RoleOwner> {
    if target != Some(Target::Iam) && (a.account_id.is_some() || a.provider_name.is_some()) {
        bail!("--account-id and --provider-name check the Role values of --target iam");
    }
    let account = a
        .account_id
        .as_deref()
        .map(|s| {
            s.parse::<AccountId>()
                .map_err(|e| anyhow!("--account-id: {e}"))
        })
        .transpose()?;
    let provider = a
        .provider_name
        .as_deref()
        .map(|s| {
            s.parse::<ProviderName>()
                .map_err(|e| anyhow!("--provider-name: {e}"))
        })
        .transpose()?;
    Ok(RoleOwner {
        partition: None,
        account: account.map(|a| a.as_str().to_owned()),
        provider_name: provider.map(|p| p.as_str().to_owned()),
    })
}

/// `explain`: the code asked about (a finding code, or an Entra error: `AADSTS50011`,
/// `aadsts50011`, `50011`), `None` for the list.
pub fn explain(a: ExplainArgs) -> Result<(Option<Topic>, Format)> {
    let format = a.format.into();
    if a.list {
        return Ok((None, format));
    }
    let name = a.code.unwrap_or_default();
    let trimmed = name.trim();
    let entra_like = trimmed
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("aadsts"))
        || (!trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()));
    if entra_like {
        let code = name
            .parse::<entra::AadstsCode>()
            .map_err(|e| anyhow!("{e}"))?;
        return Ok((Some(Topic::Aadsts(code)), format));
    }
    let code = name.parse().map_err(|_| {
        anyhow!(
            "unknown finding code {name:?}{} (samlbridge explain --list shows every code)",
            samlbridge::diag::did_you_mean(&name)
        )
    })?;
    Ok((Some(Topic::Finding(code)), format))
}

/// `entra export`: the job, the client and how to report.
pub struct EntraExport {
    pub job: ExportJob,
    pub fetcher: Fetcher,
    pub quiet: bool,
    pub format: Format,
}

pub fn entra_export(a: EntraExportArgs) -> Result<EntraExport> {
    a.color.apply();
    let (tenant, app_id, graph, token) =
        graph_access("entra export", &a.tenant, &a.app_id, &a.graph)?;
    Ok(EntraExport {
        job: ExportJob {
            tenant,
            app_id,
            graph,
            token,
            write: WriteSettings {
                out: a.out.clone(),
                dry_run: false,
                force: a.force,
                despite_errors: false,
                after_each_file: test_pause(),
            },
        },
        fetcher: Fetcher::new(a.http.options()?)?,
        quiet: a.quiet,
        format: a.format.into(),
    })
}

/// How to reach Microsoft Graph for one application: its tenant and id, the Graph host and
/// the token (`command` names who needs it).
fn graph_access(
    command: &str,
    tenant: &str,
    app_id: &str,
    graph: &crate::args::GraphArgs,
) -> Result<(entra::TenantId, entra::AppId, url::Url, GraphToken)> {
    let (cloud, token, endpoint) = (
        graph.cloud,
        graph.graph_token.clone(),
        graph.graph_endpoint.as_deref(),
    );
    let tenant: entra::TenantId = tenant.parse().context("--tenant")?;
    let app_id: entra::AppId = app_id.parse().context("--app-id")?;
    let token = token.and_then(GraphToken::new).with_context(|| format!(
        "{command} needs a Microsoft Graph token: give --graph-token TOKEN or set SAMLBRIDGE_GRAPH_TOKEN (with the Azure CLI: az account get-access-token --resource-type ms-graph --query accessToken -o tsv)"
    ))?;
    if let Some(tid) = token.tenant_id() {
        if entra::is_guid(&tenant.to_string()) && tid != tenant.to_string() {
            bail!("--graph-token is a token for tenant {tid}, not for --tenant {tenant}: sign in to the tenant the application is in (az login --tenant {tenant}) and get a new one");
        }
    }
    let cloud: entra::Cloud = cloud.into();
    let graph = match endpoint {
        None => url::Url::parse(&format!("https://{}/", cloud.graph_host()))?,
        Some(text) => match Source::parse(text) {
            Ok(Source::Url(url)) => url,
            _ => bail!("--graph-endpoint {text:?} is not an https:// URL"),
        },
    };
    Ok((tenant, app_id, graph, token))
}

/// `preflight`: both sides read (live or from saved exports), the metadata named, ready to
/// be joined.
pub struct Preflight {
    pub job: PreflightJob,
    pub all_users: bool,
    pub users_csv: Option<PathBuf>,
    pub force: bool,
    pub format: Format,
}

pub fn preflight(a: PreflightArgs) -> Result<Preflight> {
    a.common.color.apply();
    let now = a.common.now()?;
    let overrides = a.common.overrides()?;
    if let Some(csv) = &a.users_csv {
        if csv.exists() && !a.force {
            bail!("--users-csv {}: exists; samlbridge does not replace a file unless told to (--force)", csv.display());
        }
    }
    let sp = match &a.sp_metadata {
        Some(path) => Some(
            check::read_sp(
                Document::from_file(path, a.http.max_size)
                    .map_err(flagged("--sp-metadata"))?
                    .input(),
            )
            .map_err(flagged("--sp-metadata"))?,
        ),
        None => None,
    };
    let trusted = match (&a.current_metadata, &a.metadata) {
        (Some(path), _) => {
            let doc = Document::from_file(path, a.http.max_size)
                .map_err(flagged("--current-metadata"))?;
            Some((
                idp_certificates("--current-metadata", &doc)?,
                format!("--current-metadata {}", path.display()),
            ))
        }
        (None, Some(md)) => {
            let doc = read_metadata(Some("--metadata"), md, &a.http)?;
            Some((
                idp_certificates("--metadata", &doc)?,
                format!("--metadata {md} (assumed uploaded to Identity Center)"),
            ))
        }
        (None, None) => None,
    };
    let spinner = output::spinner(a.quiet);
    let entra = match (&a.entra, &a.tenant, &a.app_id) {
        (Some(dir), _, _) => graph::EntraExport::read_dir(dir).map_err(|e| anyhow!("--entra {}: {e}", dir.display()))?,
        (None, Some(tenant), Some(app_id)) => {
            let (tenant, app_id, graph, token) = graph_access(
                "preflight",
                tenant,
                app_id,
                &a.graph,
            )?;
            let fetcher = Fetcher::new(a.http.options()?)?;
            graph::EntraExport::fetch(&fetcher, &graph, &app_id, &token, &|step| output::step(&spinner, step))
                .map_err(|e| match e {
                    e @ GraphError::Denied { .. } => anyhow!("{e}. Give --graph-token (or SAMLBRIDGE_GRAPH_TOKEN) a token that holds it"),
                    e @ GraphError::NotFound { .. } => anyhow!("{e}. Check --app-id {app_id} and that the token is for --tenant {tenant}"),
                    e => e.into(),
                })?
        }
        _ => bail!("give the Entra side: --tenant T --app-id A to read it live through Microsoft Graph, or --entra DIR with what samlbridge entra export saved"),
    };
    let aws = match &a.aws {
        Some(dir) => Some(identity_center::AwsExport::read_dir(dir).map_err(|e| anyhow!("--aws {}: {e}", dir.display()))?),
        None => Some(
            identity_center::fetch(a.identity_store_id.as_deref(), &|step| output::step(&spinner, step))
                .map_err(|e| match e {
                    e @ identity_center::AwsError::SeveralInstances { .. } => anyhow!("{e} with --identity-store-id"),
                    e @ identity_center::AwsError::UnknownIdentityStore { .. } => anyhow!("--identity-store-id: {e}"),
                    e => anyhow!("reading IAM Identity Center: {e} (or give --aws DIR with the AWS CLI's saved JSON)"),
                })?,
        ),
    };
    spinner.finish_and_clear();
    Ok(Preflight {
        job: PreflightJob {
            entra,
            aws,
            sp,
            trusted,
            now,
            warn_days: a.warn_days,
            overrides,
        },
        all_users: a.all_users,
        users_csv: a.users_csv.clone(),
        force: a.force,
        format: a.format.into(),
    })
}

/// The signing certificates of IdP metadata named by `flag`.
fn idp_certificates(
    flag: &'static str,
    doc: &Document,
) -> Result<Vec<samlbridge::cert::Certificate>> {
    let md = metadata::parse_document(&doc.bytes, &samlbridge::xml::Arena::new())
        .and_then(|d| metadata::idp(&d, None))
        .map_err(|e| anyhow!("{flag} {}: {e}", doc.name))?;
    let certs: Vec<_> = md.signing_certificates().cloned().collect();
    if certs.is_empty() {
        bail!("{flag} {}: it holds no signing certificate", doc.name);
    }
    Ok(certs)
}

/// An `entra export` that failed, said with the flags that can change the outcome.
pub fn entra_export_error(e: ExportError, job: &ExportJob) -> anyhow::Error {
    match e {
        ExportError::Graph(e @ GraphError::Denied { status: 401, .. }) => anyhow!(
            "{e}. Get a fresh token for --graph-token (az account get-access-token --resource-type ms-graph --query accessToken -o tsv)"
        ),
        ExportError::Graph(e @ GraphError::Denied { .. }) => anyhow!(
            "{e}. Give --graph-token (or SAMLBRIDGE_GRAPH_TOKEN) a token that holds it: an administrator grants the permission to the identity the token is for"
        ),
        ExportError::Graph(e @ GraphError::NotFound { what: "the service principal", .. }) => anyhow!(
            "{e}. Check --app-id {} (the enterprise application's Application ID) and that the token is for --tenant {}",
            job.app_id,
            job.tenant
        ),
        ExportError::Write(e) => anyhow!("--out: {e}"),
        e => e.into(),
    }
}

/// An `aws` command, checked and its files built, ready to be written.
pub struct Setup {
    pub prepared: Prepared,
    pub claims: ClaimMapping,
    pub write: WriteSettings,
    pub format: Format,
}

pub fn identity_center(a: IdentityCenterArgs) -> Result<Setup> {
    a.common.color.apply();
    if let Some(arn) = &a.instance_arn {
        if !samlbridge::aws::rules::is_instance_arn(arn) {
            bail!("--instance-arn {arn:?} is not an IAM Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16 characters>; aws sso-admin list-instances shows it)");
        }
    }
    let settings = check_settings(Some(Target::IdentityCenter), &a.checks, &a.common)?;
    let metadata = read_metadata(None, &a.metadata, &a.http)?;
    let mut sp =
        Document::from_file(&a.sp_metadata, a.http.max_size).map_err(flagged("--sp-metadata"))?;
    readable_idp(&metadata, settings.entity_id.as_deref())?;
    readable_sp(&sp)?;
    // STEPS.md names the file in commands run from the output directory: a relative path
    // would name nothing there.
    if let Ok(absolute) = std::path::absolute(&a.sp_metadata) {
        sp.name = absolute.display().to_string();
    }
    if let Some(url) = &a.sign_on_url {
        if let Err(e) = samlbridge::shape::https_url(url) {
            bail!("--sign-on-url {url:?}: {e} (it is the AWS access portal URL, https://d-xxxxxxxxxx.awsapps.com/start or the portal's own)");
        }
    }
    let claims = load_claims(&a.claims, &a.http, Target::IdentityCenter)?;
    let (signing_cert, current_cert) = certs(&a.write)?;
    let prepared = setup::identity_center(
        metadata.input(),
        sp.input(),
        &Common {
            claims: &claims,
            scim_username_source: Some(&a.scim_username_source),
            signing_cert: signing_cert.as_ref(),
            current_cert: current_cert.as_ref(),
            cert_policy: settings.cert_policy,
        },
        a.instance_arn.as_deref(),
        a.sign_on_url.as_deref(),
        &settings,
    )
    .map_err(setup_error)?;
    Ok(Setup {
        prepared,
        claims,
        write: write_settings(&a.write),
        format: a.format.into(),
    })
}

pub fn iam(a: IamArgs) -> Result<Setup> {
    a.common.color.apply();
    let settings = check_settings(Some(Target::Iam), &a.checks, &a.common)?;
    let account: AccountId = a.account_id.parse()?;
    let provider: ProviderName = a.provider_name.parse()?;
    let roles: Vec<RoleName> = a
        .roles
        .iter()
        .map(|r| r.parse())
        .collect::<Result<_, _>>()?;
    let partition: Partition = a.partition.parse()?;
    for region in &a.sign_in_regions {
        if let Err(e) = samlbridge::shape::aws_region(region) {
            bail!("--sign-in-region {region:?}: {e}");
        }
        let of = Partition::of_region(region);
        if of != partition {
            bail!(
                "--sign-in-region {region} is a region of partition {}, not of {} (--partition)",
                of.as_str(),
                partition.as_str()
            );
        }
    }
    let metadata = read_metadata(None, &a.metadata, &a.http)?;
    readable_idp(&metadata, settings.entity_id.as_deref())?;
    let claims = load_claims(&a.claims, &a.http, Target::Iam)?;
    let (signing_cert, current_cert) = certs(&a.write)?;
    let enc = encryption(&a, &provider, settings.now)?;
    let encryption = enc.chosen.as_ref().map(|c| Encryption {
        mode: c.mode,
        key: &c.key,
        key_file: c
            .users_key
            .as_deref()
            .map_or(KeyFile::InSet, KeyFile::Users),
        cert: &c.cert,
    });
    let prepared = setup::iam(
        metadata.input(),
        &Common {
            claims: &claims,
            scim_username_source: None,
            signing_cert: signing_cert.as_ref(),
            current_cert: current_cert.as_ref(),
            cert_policy: settings.cert_policy,
        },
        &IamTarget {
            account: &account,
            provider: &provider,
            roles: &roles,
            partition,
            sign_in_regions: &a.sign_in_regions,
            encryption,
            earlier_key: enc.earlier_key.as_deref(),
        },
        &settings,
    )
    .map_err(setup_error)?;
    Ok(Setup {
        prepared,
        claims,
        write: write_settings(&a.write),
        format: a.format.into(),
    })
}

/// `--assertion-encryption` with its key and certificate, and the key an earlier run left in
/// the output directory.
struct EncryptionInputs {
    chosen: Option<ChosenEncryption>,
    /// The output directory's key file when this run does not use it, so that it is kept.
    earlier_key: Option<Vec<u8>>,
}

struct ChosenEncryption {
    mode: EncryptionMode,
    key: EncryptionKey,
    /// `--encryption-key`, made absolute: STEPS.md's commands run in the output directory.
    users_key: Option<String>,
    cert: Certificate,
}

/// Reads a file samlbridge wrote into the output directory earlier, when it is there as a
/// plain file (a link or anything else is left to the writer, which refuses it).
fn earlier_file(out: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let path = out.join(name);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => Ok(Some(
            input::read_file(&path, PEM_FILE).with_context(|| path.display().to_string())?,
        )),
        _ => Ok(None),
    }
}

/// The encryption flags: a key given, kept from an earlier run, or generated; its certificate
/// given (and checked against the key), kept, or made. A re-run never replaces a key: the
/// output directory's key is used again, or kept beside the one given.
fn encryption(
    a: &IamArgs,
    provider: &ProviderName,
    now: DateTime<Utc>,
) -> Result<EncryptionInputs> {
    let earlier = earlier_file(&a.write.out, iam_files::KEY_FILE)?;
    let Some(mode) = a.assertion_encryption else {
        for (flag, path) in [
            ("--encryption-key", &a.encryption_key),
            ("--encryption-cert", &a.encryption_cert),
        ] {
            if let Some(path) = path {
                bail!(
                    "{flag} {}: given without --assertion-encryption allowed|required, which it is for",
                    path.display()
                );
            }
        }
        return Ok(EncryptionInputs {
            chosen: None,
            earlier_key: earlier,
        });
    };
    let mode = match mode {
        EncryptionArg::Allowed => EncryptionMode::Allowed,
        EncryptionArg::Required => EncryptionMode::Required,
    };
    let (key, users_key, earlier_key) = match &a.encryption_key {
        Some(path) => {
            let key = read_private_key(path)?;
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            (key, Some(absolute.display().to_string()), earlier)
        }
        None => match &earlier {
            Some(pem) => {
                let key = EncryptionKey::from_pem(pem).map_err(|e| {
                    anyhow!(
                        "{}: {e}. It holds the key an earlier run wrote (or a file of yours by that name), which samlbridge never replaces: move it away for a new key, or give --encryption-key",
                        a.write.out.join(iam_files::KEY_FILE).display()
                    )
                })?;
                (key, None, None)
            }
            None => (
                EncryptionKey::generate()
                    .context("generating the RSA key for --assertion-encryption")?,
                None,
                None,
            ),
        },
    };
    let cert = match &a.encryption_cert {
        Some(path) => {
            let shown = path.display();
            let pem = read_pem("--encryption-cert", path)?;
            let cert = Certificate::from_pem_all(&pem)
                .with_context(|| format!("--encryption-cert {shown}"))?
                .remove(0);
            if !key.matches(&cert) {
                let of = match &a.encryption_key {
                    Some(k) => format!("--encryption-key {}", k.display()),
                    None => format!(
                        "the key in {}",
                        a.write.out.join(iam_files::KEY_FILE).display()
                    ),
                };
                bail!("--encryption-cert {shown}: this certificate does not match the private key ({of}): Entra would encrypt to a key IAM does not hold. Give the certificate made from that key, or leave --encryption-cert out to have one made");
            }
            if !cert.is_valid_at(now) {
                bail!(
                    "--encryption-cert {shown}: is not valid now (valid {} to {}); Entra encrypts only to a valid certificate. Leave --encryption-cert out to have one made from the key",
                    cert.not_before.format("%Y-%m-%d"),
                    cert.not_after.format("%Y-%m-%d")
                );
            }
            cert
        }
        // The certificate an earlier run made stays while it fits: Entra holds it already.
        None => match earlier_file(&a.write.out, iam_files::CERT_FILE)?
            .and_then(|pem| Certificate::from_pem_all(&pem).ok())
            .map(|mut certs| certs.remove(0))
            .filter(|c| key.matches(c) && c.is_valid_at(now))
        {
            Some(cert) => cert,
            None => key
                .self_signed(&format!("{} assertion encryption", provider.as_str()), now)
                .context("making the certificate for --assertion-encryption")?,
        },
    };
    Ok(EncryptionInputs {
        chosen: Some(ChosenEncryption {
            mode,
            key,
            users_key,
            cert,
        }),
        earlier_key,
    })
}

/// `--encryption-key`: an RSA private key; the certificate given instead, or kept beside the key,
/// is pointed to `--encryption-cert`. The key itself is never quoted.
fn read_private_key(path: &Path) -> Result<EncryptionKey> {
    const FLAG: &str = "--encryption-key";
    let pem = read_key_file(FLAG, path)?;
    let shown = path.display();
    EncryptionKey::from_pem(&pem).map_err(|e| match e {
        KeyError::Read(PrivateKeyError::Certificate) => anyhow!(
            "{FLAG} {shown}: this is a PEM certificate, not a private key: give the private key (-----BEGIN PRIVATE KEY-----); the certificate goes to --encryption-cert"
        ),
        e @ KeyError::NotAlone => anyhow!("{FLAG} {shown}: {e}; the certificate goes to --encryption-cert"),
        e => anyhow!("{FLAG} {shown}: {e}"),
    })
}

/// A private-key flag's file: read within the PEM size limit, and named for what it is when
/// it is plainly something else (a HAR, metadata, JSON). PEM text of any kind goes on to
/// [`read_rsa`](samlbridge::cert::private_key::read_rsa), which names a certificate or a public key.
fn read_key_file(flag: &'static str, path: &Path) -> Result<Vec<u8>> {
    let pem = input::read_file(path, PEM_FILE).map_err(flagged(flag))?;
    match Looks::of(&pem) {
        None | Some(Looks::PemPrivateKey | Looks::PemCertificate | Looks::PemPublicKey) => Ok(pem),
        Some(looks) => bail!(
            "{flag} {}: this is {looks}, not a PEM private key (-----BEGIN PRIVATE KEY-----)",
            path.display()
        ),
    }
}

fn setup_error(e: SetupError) -> anyhow::Error {
    match e {
        SetupError::Trim(e) => anyhow!("--signing-cert: {e}"),
        e => e.into(),
    }
}

fn write_settings(w: &WriteArgs) -> WriteSettings {
    WriteSettings {
        out: w.out.clone(),
        dry_run: w.dry_run,
        force: w.force,
        despite_errors: w.write_despite_errors,
        after_each_file: test_pause(),
    }
}

/// A pause after each file written, so the test suite can interrupt a write between two
/// files (`SAMLBRIDGE_TEST_WRITE_PAUSE_MS`); nothing otherwise.
fn test_pause() -> Option<fn(&str)> {
    std::env::var_os("SAMLBRIDGE_TEST_WRITE_PAUSE_MS")?;
    Some(|_| {
        let ms = std::env::var("SAMLBRIDGE_TEST_WRITE_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    })
}

/// `--signing-cert` and `--current-cert`.
fn certs(w: &WriteArgs) -> Result<(Option<Thumbprint>, Option<Trusted>)> {
    let signing = w
        .signing_cert
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--signing-cert")?;
    let current = w.current_cert.as_deref().map(trusted_cert).transpose()?;
    Ok((signing, current))
}

/// `--current-cert`: a PEM file, or else a thumbprint.
fn trusted_cert(arg: &str) -> Result<Trusted> {
    let path = Path::new(arg);
    if path.is_file() {
        let pem = read_pem("--current-cert", path)?;
        let mut certs = samlbridge::cert::Certificate::from_pem_all(&pem)
            .with_context(|| format!("--current-cert {arg}"))?;
        return Ok(Trusted::Certificate(Box::new(certs.remove(0))));
    }
    Ok(Trusted::Thumbprint(arg.parse().with_context(|| {
        format!("--current-cert {arg:?} is neither a PEM file nor a thumbprint")
    })?))
}

/// The settings every metadata check takes.
fn check_settings(
    target: Option<Target>,
    checks: &MetadataCheckArgs,
    common: &CommonArgs,
) -> Result<CheckSettings> {
    Ok(CheckSettings {
        target,
        pin: checks.pin()?,
        cert_policy: checks.cert_policy()?,
        now: common.now()?,
        entity_id: checks.entity_id.clone(),
        overrides: common.overrides()?,
        byte_order_mark_removed: false,
        upload_only: None,
    })
}

/// IdP metadata: a file, "-" (standard input) or an https:// URL.
/// `flag` names the flag that gave it (`None` for the METADATA argument).
fn read_metadata(flag: Option<&'static str>, arg: &str, http: &HttpArgs) -> Result<Document> {
    let flag = flag.unwrap_or("METADATA");
    let source = Source::parse(arg).map_err(flagged(flag))?;
    let fetcher = match &source {
        Source::Url(_) => Some(Fetcher::new(http.options()?)?),
        _ => None,
    };
    input::read_document(
        &source,
        http.max_size,
        fetcher.as_ref(),
        &mut std::io::stdin().lock(),
    )
    .map_err(flagged(flag))
}

/// Refuses, as METADATA, a document that cannot be read as IdP metadata at all (a
/// certificate, a HAR, a response, …). A DTD is left to the checks, which report it.
fn readable_idp(doc: &Document, entity_id: Option<&str>) -> Result<()> {
    let read = metadata::parse_document(&doc.bytes, &samlbridge::xml::Arena::new()).and_then(|d| {
        let idp = metadata::idp(&d, entity_id)?;
        if !idp.has_idp_descriptor && metadata::sp(&d).is_ok() {
            return Err(MetadataError::SpNotIdp);
        }
        Ok(idp)
    });
    match read {
        Err(MetadataError::Xml(e)) if e.is_dtd_or_entity() => Ok(()),
        Err(error) => Err(flagged("METADATA")(check::CheckError {
            name: doc.name.clone(),
            error,
        })),
        Ok(_) => Ok(()),
    }
}

/// The same for service-provider metadata (`--sp-metadata`).
fn readable_sp(doc: &Document) -> Result<()> {
    match check::read_sp(doc.input()) {
        Err(e) if !e.is_dtd() => Err(flagged("--sp-metadata")(e)),
        _ => Ok(()),
    }
}

/// An error about an input, led by the flag that named it; the error stays its source, so
/// the hint for it is still found.
#[derive(Debug, thiserror::Error)]
#[error("{flag} {source}")]
pub struct Flagged {
    pub flag: &'static str,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

fn flagged<E: std::error::Error + Send + Sync + 'static>(
    flag: &'static str,
) -> impl Fn(E) -> anyhow::Error {
    move |source| {
        Flagged {
            flag,
            source: Box::new(source),
        }
        .into()
    }
}

/// A PEM certificate file; a key, metadata or anything else given instead is named as what it
/// is.
fn read_pem(flag: &'static str, path: &Path) -> Result<Vec<u8>> {
    let pem = input::read_file(path, PEM_FILE).map_err(flagged(flag))?;
    let shown = path.display();
    match Looks::of(&pem) {
        None | Some(Looks::PemCertificate) => {}
        Some(looks @ (Looks::PemPrivateKey | Looks::PemPublicKey)) => bail!(
            "{flag} {shown}: this is {looks}, not a certificate: give the signing certificate (-----BEGIN CERTIFICATE-----; Entra's SAML Certificates section offers it as Certificate (Base64))"
        ),
        Some(looks) => bail!(
            "{flag} {shown}: this is {looks}, not a PEM certificate (-----BEGIN CERTIFICATE-----)"
        ),
    }
    if pem
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&pem)
        .trim_ascii_start()
        .starts_with(b"<")
    {
        bail!(
            "{flag} {shown}: this is XML, not a PEM certificate; federation metadata goes to --metadata"
        );
    }
    Ok(pem)
}

/// `--decrypt-key`: unencrypted PEM private keys, each read once; the same key given twice
/// counts once. A file that is not one is named as what it is.
fn decryption(a: &JudgeArgs, overrides: &Overrides) -> Result<Decryption> {
    if a.decrypt_key.len() > xenc::MAX_KEYS {
        bail!(
            "--decrypt-key is given {} times; at most {} keys are tried (the old and the new during a rotation)",
            a.decrypt_key.len(),
            xenc::MAX_KEYS
        );
    }
    let mut keys: Vec<DecryptionKey> = Vec::new();
    for path in &a.decrypt_key {
        let pem = read_key_file("--decrypt-key", path)?;
        let shown = path.display();
        let key = DecryptionKey::from_pem(format!("--decrypt-key {shown}"), &pem)
            .map_err(|e| anyhow!("--decrypt-key {shown}: {e}"))?;
        if keys.iter().all(|k| k.key_sha256 != key.key_sha256) {
            keys.push(key);
        }
    }
    Ok(Decryption {
        keys,
        policy: xenc::Policy {
            allow_rsa15: overrides.allows(Code::EncryptionRsa15),
            allow_3des: overrides.allows(Code::Encryption3des),
        },
    })
}

fn read_claims_file(path: &Path) -> Result<ClaimMapping> {
    let bytes = input::read_file(path, SMALL_FILE).map_err(flagged("--claims"))?;
    claims::parse(&path.display().to_string(), &bytes).map_err(flagged("--claims"))
}

/// The claim mapping: a file, the Graph claims policy, or the target's defaults.
fn load_claims(a: &ClaimsArgs, http: &HttpArgs, target: Target) -> Result<ClaimMapping> {
    if let Some(path) = &a.claims {
        return read_claims_file(path);
    }
    if let Some(id) = &a.service_principal_id {
        let id: entra::ObjectId = id.parse()?;
        let token = a
            .graph_token
            .clone()
            .and_then(GraphToken::new)
            .context("--service-principal-id needs --graph-token or SAMLBRIDGE_GRAPH_TOKEN")?;
        let graph = url::Url::parse(&a.graph_endpoint).context("--graph-endpoint")?;
        let fetcher = Fetcher::new(http.options()?)?;
        let (url, bytes) = claims::fetch_claims_policy(&fetcher, &graph, &id, &token)
            .context("fetching the claims policy from Microsoft Graph")?;
        return Ok(claims::parse(&url, &bytes)?);
    }
    Ok(match target {
        Target::IdentityCenter => ClaimMapping::identity_center_default(),
        Target::Iam => ClaimMapping::iam_default(),
    })
}

impl ValidateArgs {
    pub fn jobs(&self) -> usize {
        self.jobs.map(usize::from).unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }
}

impl JudgeArgs {
    pub fn skew(&self) -> Result<Duration> {
        let d = humantime::parse_duration(&self.skew).with_context(|| {
            format!("--skew {:?} is not a duration such as 3m or 90s", self.skew)
        })?;
        if d > Duration::from_secs(24 * 3600) {
            bail!("--skew over a day would accept long-expired responses");
        }
        Ok(d)
    }
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
        }
    }
}

impl From<CheckFormatArg> for Format {
    fn from(f: CheckFormatArg) -> Format {
        match f {
            CheckFormatArg::Human => Format::Human,
            CheckFormatArg::Json => Format::Json,
            CheckFormatArg::Sarif => Format::Sarif,
        }
    }
}

impl ColorArg {
    pub fn apply(self) {
        let choice = match self {
            ColorArg::Auto => return,
            ColorArg::Always => anstream::ColorChoice::Always,
            ColorArg::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

/// The wall clock, read once: every check of a run and its documents' `judged_at` use the
/// same instant.
pub fn wall_clock() -> DateTime<Utc> {
    static NOW: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
    *NOW.get_or_init(Utc::now)
}

/// The instant a run's documents say it judged at: its `--now` when given (and valid: a run
/// that fails on a bad one still answers in its format), else the wall clock.
pub fn judged_at(command: &crate::args::Command) -> DateTime<Utc> {
    use crate::args::{AwsCommand, Command};
    let common = match command {
        Command::Fetch(a) => Some(&a.common),
        Command::Check(a) => Some(&a.common),
        Command::Validate(a) => Some(&a.common),
        Command::Trace(a) => Some(&a.common),
        Command::Preflight(a) => Some(&a.common),
        Command::Aws(AwsCommand::IdentityCenter(a)) => Some(&a.common),
        Command::Aws(AwsCommand::Iam(a)) => Some(&a.common),
        Command::Entra(_) | Command::Explain(_) | Command::Completions(_) | Command::Man(_) => None,
    };
    common.and_then(|c| c.now().ok()).unwrap_or_else(wall_clock)
}

impl CommonArgs {
    /// The instant rules are judged at.
    pub fn now(&self) -> Result<DateTime<Utc>> {
        match &self.now {
            None => Ok(wall_clock()),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|d| d.with_timezone(&Utc))
                .with_context(|| {
                    format!(
                        "--now {text:?} is not an RFC 3339 instant such as 2026-01-31T12:00:00Z"
                    )
                }),
        }
    }

    pub fn overrides(&self) -> Result<Overrides> {
        Overrides::new(&self.deny, &self.allow).map_err(|e| match e {
            OverrideError::Conflict(code) => {
                anyhow!("'{code}' is given to both --deny and --allow")
            }
            e => e.into(),
        })
    }
}

impl MetadataCheckArgs {
    pub fn pin(&self) -> Result<Option<Thumbprint>> {
        self.pin_cert
            .as_deref()
            .map(|t| t.parse().with_context(|| "--pin-cert".to_owned()))
            .transpose()
    }

    pub fn cert_policy(&self) -> Result<CertPolicy> {
        if !(1..=3650).contains(&self.warn_days) {
            bail!("--warn-days must be between 1 and 3650");
        }
        Ok(CertPolicy {
            warn_days: self.warn_days,
        })
    }
}

fn duration(flag: &str, text: &str) -> Result<Duration> {
    let d = humantime::parse_duration(text)
        .with_context(|| format!("{flag} {text:?} is not a duration such as 30s or 2m"))?;
    if d.is_zero() {
        bail!("{flag} must be longer than zero");
    }
    Ok(d)
}

impl HttpArgs {
    pub fn options(&self) -> Result<FetchOptions> {
        let ca_pem = self
            .ca_file
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("--ca-file {}", p.display())))
            .transpose()?;
        if !(1..=10).contains(&self.attempts) {
            bail!("--attempts must be between 1 and 10");
        }
        Ok(FetchOptions {
            connect_timeout: duration("--connect-timeout", &self.connect_timeout)?,
            timeout: duration("--timeout", &self.timeout)?,
            max_bytes: self.max_size,
            attempts: self.attempts,
            ca_pem,
            ..FetchOptions::default()
        })
    }
}

//! The samlbridge binary: parse arguments, call the library, render, return the exit code.

mod args;

use anyhow::{Context, Result};
use args::{
    AwsCommand, CheckArgs, ClaimsArgs, Cli, Command, ExplainArgs, FetchArgs, ValidateArgs,
    WriteArgs,
};
use clap::Parser;
use samlbridge::commands::check::{self, CheckReport, CheckSettings, Input};
use samlbridge::diag::{self, Code, Finding};
use samlbridge::entra;
use samlbridge::http::Fetcher;
use samlbridge::input::{self, Source};
use samlbridge::render::escape::{escape, Escaped};
use samlbridge::render::{human, json, sarif, Format};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Exit codes, as DESIGN.md fixes them.
const CLEAN: u8 = 0;
const FINDINGS: u8 = 1;
const FAILED: u8 = 2;

/// Output is written in large blocks: a batch run prints kilobytes per response.
const OUTPUT_BUFFER: usize = 64 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(CLEAN);
            }
            say_error(format_args!("{}{}", describe(&e), flag_hint(&e)));
            ExitCode::from(FAILED)
        }
    }
}

/// An error and its causes on one line, each cause said once: errors that name their input
/// repeat their cause's text in their own.
fn describe(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// The flag that sets a network limit an error reports running out.
fn flag_hint(e: &anyhow::Error) -> &'static str {
    use samlbridge::http::FetchError;
    match e.chain().find_map(|c| c.downcast_ref::<FetchError>()) {
        Some(FetchError::Timeout { .. }) => {
            " (--timeout sets this deadline: it covers everything done for one URL, retries and the waits between them included)"
        }
        Some(FetchError::ConnectTimeout { .. }) => " (--connect-timeout sets this limit)",
        Some(FetchError::RetryTooLate { .. }) => {
            " (--timeout sets the deadline; a longer one lets samlbridge wait for the retry)"
        }
        _ => "",
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Fetch(a) => fetch(a),
        Command::Check(a) => check(a),
        Command::Validate(a) => validate(a),
        Command::Aws(AwsCommand::IdentityCenter(a)) => aws_identity_center(a),
        Command::Aws(AwsCommand::Iam(a)) => aws_iam(a),
        Command::Explain(a) => explain(a),
    }
}

/// Says an error on stderr. Messages quote input (file names, URLs, values from documents),
/// so the whole message is escaped: it stays one line and sends the terminal nothing.
fn say_error(message: impl std::fmt::Display) {
    eprintln!("samlbridge: error: {}", Escaped(message));
}

/// Writes a report to stdout.
fn print(format: Format, text: &str) -> Result<()> {
    write_report(&mut anstream::stdout(), format, text)
}

fn print_err(format: Format, text: &str) -> Result<()> {
    write_report(&mut anstream::stderr(), format, text)
}

/// Human reports pass `human::for_terminal` on their way out: whatever a renderer might have
/// left unescaped, only line ends and the renderer's own styles reach the terminal. JSON and
/// SARIF are data, escaped by their serializer.
fn write_report(out: &mut impl Write, format: Format, text: &str) -> Result<()> {
    let text = match format {
        Format::Human => human::for_terminal(text),
        Format::Json | Format::Sarif => std::borrow::Cow::Borrowed(text),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn exit_code(findings_fail: bool) -> u8 {
    if findings_fail {
        FINDINGS
    } else {
        CLEAN
    }
}

fn settings(checks: &args::MetadataCheckArgs, common: &args::CommonArgs) -> Result<CheckSettings> {
    Ok(CheckSettings {
        target: checks.target.map(Into::into),
        pin: checks.pin()?,
        cert_policy: checks.cert_policy()?,
        now: common.now()?,
        entity_id: checks.entity_id.clone(),
        overrides: common.overrides()?,
    })
}

fn check(a: CheckArgs) -> Result<u8> {
    a.common.color.apply();
    let format = a.common.format.resolve(true)?;
    let settings = settings(&a.checks, &a.common)?;
    if let Some(apps) = &a.apps {
        return check_fleet(apps, &a, settings, format);
    }
    let metadata = a.metadata.as_deref().unwrap_or("-");
    let source = Source::parse(metadata)?;
    let fetcher = match &source {
        Source::Url(_) => Some(Fetcher::new(a.http.options()?)?),
        _ => None,
    };
    let limit = a.http.max_size;
    let document = input::read_document(
        &source,
        limit,
        fetcher.as_ref(),
        &mut std::io::stdin().lock(),
    )?;
    let sp_bytes = a
        .sp_metadata
        .as_ref()
        .map(|p| input::read_file(p, limit))
        .transpose()?;
    let name = source.to_string();
    let sp_name = a.sp_metadata.as_ref().map(|p| p.display().to_string());
    let sp_input = match (&sp_bytes, &sp_name) {
        (Some(bytes), Some(name)) => Some(Input {
            name,
            bytes,
            url: None,
            requested_url: None,
        }),
        _ => None,
    };
    let mut report = check::check(
        Input {
            name: &name,
            bytes: &document.bytes,
            url: document.final_url.as_ref(),
            requested_url: source.url(),
        },
        sp_input,
        &settings,
    )?;
    if let (Some(path), Some(target)) = (&a.claims, settings.target) {
        let bytes = input::read_file(path, 16 * 1024 * 1024)?;
        let mapping = samlbridge::claims::parse(&path.display().to_string(), &bytes)?;
        let ctx = samlbridge::claims::ClaimContext {
            target,
            scim_username_source: a.scim_username_source.clone(),
            provider_arn: None,
        };
        check::add_claims(&mut report, &mapping, &ctx, &settings.overrides);
    }
    print(format, &render_check(&report, format, "check", None))?;

    Ok(exit_code(report.has_errors()))
}

/// `check --apps FILE`.
fn check_fleet(apps: &str, a: &CheckArgs, settings: CheckSettings, format: Format) -> Result<u8> {
    use samlbridge::commands::fleet::{self, FleetSettings};
    let source = Source::parse(apps)?;
    if matches!(source, Source::Url(_)) {
        anyhow::bail!("--apps takes a file or \"-\", not a URL");
    }
    let bytes = input::read(
        &source,
        16 * 1024 * 1024,
        None,
        &mut std::io::stdin().lock(),
    )?;
    let apps = fleet::parse_apps(&source.to_string(), &bytes)?;
    let login_endpoint = match a.login_endpoint.as_deref().map(Source::parse) {
        None => None,
        Some(Ok(Source::Url(url))) => Some(url),
        Some(_) => anyhow::bail!(
            "--login-endpoint {:?} is not an https:// URL",
            a.login_endpoint.as_deref().unwrap_or_default()
        ),
    };
    let fleet_settings = FleetSettings {
        check: settings,
        cloud: a.cloud.into(),
        login_endpoint,
        concurrency: a.concurrency.into(),
    };
    let fetcher = Fetcher::new(a.http.options()?)?;
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(apps.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} applications {wide_bar} {elapsed} {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    };
    let report = fleet::check_apps(&apps, &fetcher, &fleet_settings, &|done| {
        bar.set_message(escape(&done.name).into_owned());
        bar.inc(1);
    });
    bar.finish_and_clear();

    let findings = report.findings();
    let text = match format {
        Format::Human => human::fleet(&report, &findings),
        Format::Json => json::to_string(&json::document("check", &findings, &report)),
        Format::Sarif => {
            let artifacts: Vec<(&str, &[Finding])> = report
                .apps
                .iter()
                .map(|a| (a.url.as_str(), a.findings.as_slice()))
                .collect();
            json::to_string(&sarif::document_for(&artifacts))
        }
    };
    print(format, &text)?;
    Ok(exit_code(diag::has_errors(&findings)))
}

fn render_check(
    report: &CheckReport,
    format: Format,
    command: &str,
    extra: Option<&serde_json::Value>,
) -> String {
    match format {
        Format::Human => human::check(command, report),
        Format::Json => {
            let mut doc = json::document(command, &report.findings, report);
            if let (Some(serde_json::Value::Object(fields)), serde_json::Value::Object(doc)) =
                (extra, &mut doc)
            {
                for (k, v) in fields {
                    doc.insert(k.clone(), v.clone());
                }
            }
            json::to_string(&doc)
        }
        Format::Sarif => json::to_string(&sarif::document(&report.source, &report.findings)),
    }
}

fn fetch(a: FetchArgs) -> Result<u8> {
    a.common.color.apply();
    let format = a.common.format.resolve(false)?;
    let settings = settings(&a.checks, &a.common)?;
    let url = match (&a.url, &a.tenant, &a.app_id) {
        (Some(u), _, _) => match Source::parse(u)? {
            Source::Url(url) => url,
            _ => anyhow::bail!("--url {u:?} is not an https:// URL"),
        },
        (None, Some(t), Some(app)) => {
            let tenant: entra::TenantId = t.parse()?;
            let app: entra::AppId = app.parse()?;
            entra::app_metadata_url(a.cloud.into(), &tenant, &app)
        }
        _ => anyhow::bail!("give --tenant and --app-id, or --url"),
    };
    let fetcher = Fetcher::new(a.http.options()?)?;
    let fetched = fetcher
        .get(&url)
        .with_context(|| format!("fetching {url}"))?;
    let name = url.to_string();
    let report = check::check(
        Input {
            name: &name,
            bytes: &fetched.bytes,
            url: Some(&fetched.url),
            requested_url: Some(&url),
        },
        None,
        &settings,
    )?;

    let to_stdout = a.output.as_os_str() == "-";
    let blocker = check::unsafe_to_save(&report.findings);
    let saved = match blocker {
        Some(_) if !a.force => None,
        _ if to_stdout => {
            std::io::stdout().write_all(&fetched.bytes)?;
            Some("<stdout>".to_owned())
        }
        _ => {
            input::write_atomic(&a.output, &fetched.bytes)
                .with_context(|| format!("writing {}", a.output.display()))?;
            Some(a.output.display().to_string())
        }
    };
    let extra = serde_json::json!({
        "attempts": fetched.attempts,
        "saved_to": saved,
    });
    let mut text = render_check(&report, format, "fetch", Some(&extra));
    if format == Format::Human {
        text.push_str(&match (&saved, blocker) {
            (Some(path), _) => format!(
                "\nSaved {} bytes to {}\n",
                fetched.bytes.len(),
                Escaped(path)
            ),
            (None, Some(code)) => format!(
                "\nNot saved: {code} means the document cannot be trusted (use --force to save it anyway)\n"
            ),
            (None, None) => String::new(),
        });
    }
    if to_stdout {
        print_err(format, &text)?;
    } else {
        print(format, &text)?;
    }
    Ok(exit_code(report.has_errors()))
}

/// An input that could not be read or decoded is also said on stderr, whatever the format.
fn warn_unreadable(outcome: &samlbridge::response::Outcome) {
    if let samlbridge::response::Outcome::Error(e) = outcome {
        say_error(format_args!("{}: {}", e.label, e.message));
    }
}

/// `validate` reports on responses, not on the metadata it trusts: a redirect of the metadata
/// URL to another host is said on stderr, and refused when `--deny` makes it an error.
fn trust_redirect(
    name: &str,
    requested: &url::Url,
    answered: &url::Url,
    overrides: &diag::Overrides,
) -> Result<()> {
    let Some(finding) = check::redirect_finding(name, requested, answered) else {
        return Ok(());
    };
    let mut findings = [finding];
    overrides.apply(&mut findings);
    let [finding] = findings;
    match finding.severity {
        diag::Severity::Error => anyhow::bail!(
            "not trusting the metadata {name}: {} (--deny {})",
            finding.message,
            finding.code
        ),
        diag::Severity::Warning => {
            eprintln!(
                "samlbridge: warning: {}: {} [{}]",
                Escaped(name),
                Escaped(&finding.message),
                finding.code
            );
            Ok(())
        }
        diag::Severity::Info => Ok(()),
    }
}

fn validate(a: ValidateArgs) -> Result<u8> {
    use samlbridge::response::{
        self, DecodeLimits, Expectations, Outcome, SignaturePolicy, Summary, TrustAnchors,
        ValidateSettings,
    };
    a.common.color.apply();
    let format = a.common.format.resolve(false)?;
    let now = a.common.now()?;
    let overrides = a.common.overrides()?;
    let skew = chrono::Duration::from_std(a.skew()?)?;
    let target = a.target.map(Into::into);
    let stdin_inputs = a.responses.iter().filter(|r| *r == "-").count();
    if stdin_inputs > 1 || (stdin_inputs == 1 && a.metadata.as_deref() == Some("-")) {
        anyhow::bail!("standard input can be read only once");
    }

    let mut trust = TrustAnchors::default();
    let mut issuer = a.issuer.clone();
    if let Some(md) = &a.metadata {
        let source = Source::parse(md)?;
        let fetcher = match &source {
            Source::Url(_) => Some(Fetcher::new(a.http.options()?)?),
            _ => None,
        };
        let document = input::read_document(
            &source,
            a.http.max_size,
            fetcher.as_ref(),
            &mut std::io::stdin().lock(),
        )?;
        let name = source.to_string();
        if let (Some(requested), Some(answered)) = (source.url(), &document.final_url) {
            trust_redirect(&name, requested, answered, &overrides)?;
        }
        let settings = CheckSettings {
            target,
            pin: None,
            cert_policy: Default::default(),
            now,
            entity_id: None,
            overrides: Default::default(),
        };
        let (_, idp) = check::read_idp(
            Input {
                name: &name,
                bytes: &document.bytes,
                url: document.final_url.as_ref(),
                requested_url: source.url(),
            },
            &settings,
        )
        .map_err(|error| check::CheckError {
            name: name.clone(),
            error,
        })?;
        trust = TrustAnchors::from_metadata(&idp)
            .map_err(|e| anyhow::anyhow!("--metadata {name}: its signing certificates hold {e}"))?;
        issuer.get_or_insert(idp.entity_id);
    }
    for path in &a.cert {
        let pem = input::read_file(path, 1024 * 1024)?;
        let certs = samlbridge::cert::Certificate::from_pem_all(&pem)
            .with_context(|| format!("--cert {}", path.display()))?;
        for (i, cert) in certs.into_iter().enumerate() {
            trust
                .add(format!("--cert {} #{}", path.display(), i + 1), cert)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "--cert {}: certificate #{} makes {e}; --metadata and every --cert count together",
                        path.display(),
                        i + 1
                    )
                })?;
        }
    }
    let sp = match &a.sp_metadata {
        Some(path) => {
            let bytes = input::read_file(path, a.http.max_size)?;
            let doc = samlbridge::xml::parse(&bytes).with_context(|| path.display().to_string())?;
            Some(samlbridge::metadata::sp(&doc).with_context(|| path.display().to_string())?)
        }
        None => None,
    };
    let (audiences, acs) =
        response::expectations(target, sp.as_ref(), a.audience.clone(), a.acs.clone())
            .map_err(anyhow::Error::msg)?;
    let settings = ValidateSettings {
        trust,
        expect: Expectations {
            issuer,
            audiences,
            acs,
            target,
            expect_user: a.expect_user.clone(),
            now,
            skew,
        },
        policy: SignaturePolicy {
            allow_sha1: overrides.allows(Code::SignatureSha1),
        },
        overrides,
        engine: a.engine.into(),
    };
    let limits = DecodeLimits {
        max_response_bytes: a.max_response_size,
        max_total_bytes: a.max_input_size,
    };

    let inputs = input::inputs(&a.responses)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs())
        .build()
        .context("starting the validation threads")?;
    let load = |input: &Result<input::Input, input::SourceError>| match input {
        Ok(input) => {
            // Stdin locks per read: files are read in parallel, never behind its lock.
            let bytes = input::read_input(input, a.max_input_size, None, &mut std::io::stdin())
                .map_err(|e| e.reason());
            (input.source.to_string(), bytes)
        }
        Err(e) => (e.name().to_owned(), Err(e.reason())),
    };
    let size =
        |input: &Result<input::Input, input::SourceError>| input.as_ref().map_or(0, |i| i.len);
    let batch = response::Batch {
        limits,
        settings: &settings,
        pool: &pool,
    };
    let summary = match format {
        Format::Json => {
            // JSON never carries colour, so it skips anstream's escape stripping.
            let out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, std::io::stdout().lock());
            let mut stream = json::ValidateStream::start(out)?;
            batch.run(
                inputs,
                size,
                load,
                json::response_entry,
                |outcome, entry| {
                    warn_unreadable(&outcome);
                    stream.add(outcome, &entry?)
                },
            )?;
            stream.finish()?
        }
        _ => {
            let mut out =
                std::io::BufWriter::with_capacity(OUTPUT_BUFFER, anstream::stdout().lock());
            let mut summary = Summary::default();
            let prepare = |outcome: &Outcome| match outcome {
                Outcome::Response(r) => human::validated_response(r),
                Outcome::Error(e) => human::validate_error(e),
            };
            batch.run(inputs, size, load, prepare, |outcome, text| {
                summary.add(&outcome);
                warn_unreadable(&outcome);
                out.write_all(human::for_terminal(&text).as_bytes())
            })?;
            out.write_all(human::for_terminal(&human::validate_summary(&summary)).as_bytes())?;
            out.flush()?;
            summary
        }
    };
    if summary.total() == 0 {
        say_error(
            "no input to validate (the directories given hold no files other than hidden ones)",
        );
    }
    Ok(if summary.unreadable > 0 || summary.total() == 0 {
        FAILED
    } else if summary.all_accepted() {
        CLEAN
    } else {
        FINDINGS
    })
}

fn explain(a: ExplainArgs) -> Result<u8> {
    let format = a.format.resolve(false)?;
    if a.list {
        let text = match format {
            Format::Json => json::to_string(&serde_json::Value::Array(
                Code::ALL.iter().map(|c| code_json(*c)).collect(),
            )),
            _ => human::code_list(),
        };
        print(format, &text)?;
        return Ok(CLEAN);
    }
    let name = a.code.unwrap_or_default();
    let code: Code = name.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown finding code {name:?} (samlbridge explain --list shows every code)"
        )
    })?;
    let text = match format {
        Format::Json => json::to_string(&code_json(code)),
        _ => human::explain(code),
    };
    print(format, &text)?;
    Ok(CLEAN)
}

fn code_json(code: Code) -> serde_json::Value {
    let info = code.info();
    serde_json::json!({
        "code": info.name,
        "severity": info.severity,
        "allowable": info.allowable,
        "summary": info.summary,
        "why": info.why,
        "fix": info.fix,
    })
}

/// Reads METADATA (file, "-" or URL) for the aws commands.
fn read_metadata(arg: &str, http: &args::HttpArgs) -> Result<(Source, input::Document)> {
    let source = Source::parse(arg)?;
    let fetcher = match &source {
        Source::Url(_) => Some(Fetcher::new(http.options()?)?),
        _ => None,
    };
    let document = input::read_document(
        &source,
        http.max_size,
        fetcher.as_ref(),
        &mut std::io::stdin().lock(),
    )?;
    Ok((source, document))
}

/// The claim mapping: a file, the Graph claims policy, or the target's defaults.
fn load_claims(
    a: &ClaimsArgs,
    http: &args::HttpArgs,
    target: samlbridge::aws::Target,
) -> Result<samlbridge::claims::ClaimMapping> {
    use samlbridge::claims::{self, ClaimMapping, GraphToken};
    if let Some(path) = &a.claims {
        let bytes = input::read_file(path, 16 * 1024 * 1024)?;
        return Ok(claims::parse(&path.display().to_string(), &bytes)?);
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
        samlbridge::aws::Target::IdentityCenter => ClaimMapping::identity_center_default(),
        samlbridge::aws::Target::Iam => ClaimMapping::iam_default(),
    })
}

fn trusted_cert(arg: &str) -> Result<samlbridge::write::rollover::Trusted> {
    use samlbridge::write::rollover::Trusted;
    let path = std::path::Path::new(arg);
    if path.is_file() {
        let pem = input::read_file(path, 1024 * 1024)?;
        let mut certs = samlbridge::cert::Certificate::from_pem_all(&pem)
            .with_context(|| format!("--current-cert {arg}"))?;
        return Ok(Trusted::Certificate(Box::new(certs.remove(0))));
    }
    Ok(Trusted::Thumbprint(arg.parse().with_context(|| {
        format!("--current-cert {arg:?} is neither a PEM file nor a thumbprint")
    })?))
}

/// Decides, writes (or not) and renders an `aws` job's result.
fn finish_setup(
    prepared: samlbridge::commands::setup::Prepared,
    w: &WriteArgs,
    common: &args::CommonArgs,
    command: &str,
    claims: &samlbridge::claims::ClaimMapping,
) -> Result<u8> {
    use samlbridge::write::outdir::{self, WriteError, WriteOptions};
    let format = common.format.resolve(false)?;
    let mut plan = outdir::plan(&w.out, &prepared.files)?;
    let not_owned = !plan.not_owned().is_empty();
    let edited = !plan.edited().is_empty() && !w.force;
    let dir = w.out.display();
    let (written, failed, outcome) = if w.dry_run {
        (false, false, "dry run: nothing written".to_owned())
    } else if prepared.has_errors() && !w.write_despite_errors {
        (
            false,
            false,
            "not written: error-level findings stand (fix them, or use --write-despite-errors)"
                .to_owned(),
        )
    } else if not_owned {
        (
            false,
            true,
            format!(
                "not written: {}",
                WriteError::NotOwned {
                    dir: dir.to_string(),
                    names: plan.not_owned().iter().map(|n| n.to_string()).collect()
                }
            ),
        )
    } else if edited {
        (
            false,
            true,
            format!(
                "not written: {}",
                WriteError::Edited {
                    dir: dir.to_string(),
                    names: plan.edited().iter().map(|n| n.to_string()).collect()
                }
            ),
        )
    } else {
        let options = WriteOptions {
            force: w.force,
            after_each_file: test_pause(),
        };
        plan = outdir::write(&w.out, &prepared.files, &options)?;
        let count = plan
            .files
            .iter()
            .filter(|f| {
                !matches!(
                    f.change,
                    outdir::Change::Removed | outdir::Change::KeptEdited
                )
            })
            .count();
        (true, false, format!("wrote {count} files to {dir}"))
    };
    let text = match format {
        Format::Json => {
            let extra = serde_json::json!({
                "out_dir": dir.to_string(),
                "written": written,
                "files": plan.files,
                "claims": claims,
            });
            render_check(&prepared.report, Format::Json, command, Some(&extra))
        }
        _ => {
            let mut t = human::check(command, &prepared.report);
            t.push_str(&human::plan(&plan, &outcome));
            t
        }
    };
    print(format, &text)?;
    Ok(if failed {
        FAILED
    } else if prepared.has_errors() {
        FINDINGS
    } else {
        CLEAN
    })
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

fn aws_identity_center(a: args::IdentityCenterArgs) -> Result<u8> {
    use samlbridge::aws::Target;
    a.common.color.apply();
    if let Some(arn) = &a.instance_arn {
        if !samlbridge::aws::rules::is_instance_arn(arn) {
            anyhow::bail!("--instance-arn {arn:?} is not an IAM Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16 characters>; aws sso-admin list-instances shows it)");
        }
    }
    let mut settings = settings(&a.checks, &a.common)?;
    settings.target = Some(Target::IdentityCenter);
    let (source, document) = read_metadata(&a.metadata, &a.http)?;
    let sp_bytes = input::read_file(&a.sp_metadata, a.http.max_size)?;
    let claims = load_claims(&a.claims, &a.http, Target::IdentityCenter)?;
    let signing_cert: Option<samlbridge::cert::Thumbprint> = a
        .write
        .signing_cert
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--signing-cert")?;
    let current = a
        .write
        .current_cert
        .as_deref()
        .map(trusted_cert)
        .transpose()?;
    let name = source.to_string();
    let sp_name = a.sp_metadata.display().to_string();
    let prepared = samlbridge::commands::setup::identity_center(
        Input {
            name: &name,
            bytes: &document.bytes,
            url: document.final_url.as_ref(),
            requested_url: source.url(),
        },
        Input {
            name: &sp_name,
            bytes: &sp_bytes,
            url: None,
            requested_url: None,
        },
        &samlbridge::commands::setup::Common {
            claims: &claims,
            scim_username_source: &a.claims.scim_username_source,
            signing_cert: signing_cert.as_ref(),
            current_cert: current.as_ref(),
            cert_policy: settings.cert_policy,
        },
        a.instance_arn.as_deref(),
        a.sign_on_url.as_deref(),
        &settings,
    )?;
    finish_setup(
        prepared,
        &a.write,
        &a.common,
        "aws identity-center",
        &claims,
    )
}

fn aws_iam(a: args::IamArgs) -> Result<u8> {
    use samlbridge::aws::{names, Target};
    a.common.color.apply();
    let mut settings = settings(&a.checks, &a.common)?;
    settings.target = Some(Target::Iam);
    let account: names::AccountId = a.account_id.parse()?;
    let provider: names::ProviderName = a.provider_name.parse()?;
    let roles: Vec<names::RoleName> = a
        .roles
        .iter()
        .map(|r| r.parse())
        .collect::<Result<_, _>>()?;
    let partition: names::Partition = a.partition.parse()?;
    let (source, document) = read_metadata(&a.metadata, &a.http)?;
    let claims = load_claims(&a.claims, &a.http, Target::Iam)?;
    let signing_cert: Option<samlbridge::cert::Thumbprint> = a
        .write
        .signing_cert
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--signing-cert")?;
    let current = a
        .write
        .current_cert
        .as_deref()
        .map(trusted_cert)
        .transpose()?;
    let name = source.to_string();
    let prepared = samlbridge::commands::setup::iam(
        Input {
            name: &name,
            bytes: &document.bytes,
            url: document.final_url.as_ref(),
            requested_url: source.url(),
        },
        &samlbridge::commands::setup::Common {
            claims: &claims,
            scim_username_source: &a.claims.scim_username_source,
            signing_cert: signing_cert.as_ref(),
            current_cert: current.as_ref(),
            cert_policy: settings.cert_policy,
        },
        &account,
        &provider,
        &roles,
        partition,
        &settings,
    )?;
    finish_setup(prepared, &a.write, &a.common, "aws iam", &claims)
}

// The validator allocates a small tree per response; mimalloc handles that churn markedly
// faster than glibc's allocator (see benches/peers).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

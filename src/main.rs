//! The samlbridge binary: parse arguments into settings, call one library entry per command,
//! render its report and map how it ended to the exit code.

mod args;
mod manual;
mod output;
mod settings;

use anyhow::Result;
use args::{AwsCommand, Cli, Command, EntraCommand, ReportStream};
use clap::FromArgMatches;
use samlbridge::commands::{self, Status};
use samlbridge::render::{self, Format};
use std::io::BufWriter;
use std::process::ExitCode;

/// Exit codes: no error-level finding, at least one, or samlbridge could not do its job.
const CLEAN: u8 = 0;
const FINDINGS: u8 = 1;
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let matches = manual::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let (command, format, stream) = cli.command.reporting();
    render::human::set_width(output::report_width(stream == ReportStream::Stderr));
    let ctx = render::Context {
        judged_at: settings::judged_at(&cli.command),
        src_root: std::env::current_dir()
            .ok()
            .and_then(|d| url::Url::from_directory_path(d).ok()),
    };
    ExitCode::from(match run(cli, &ctx) {
        Ok(Status::Clean) => CLEAN,
        Ok(Status::Findings) => FINDINGS,
        Ok(Status::Failed) => FAILED,
        // A reader that stopped reading (`| head`) is not a failure.
        Err(e) if output::is_broken_pipe(&e) => CLEAN,
        Err(e) => {
            let message = output::describe(&e);
            // A failed print leaves only the exit code to tell; standard error still says why.
            let _ = match (render::failure(&ctx, format, command, &message), stream) {
                (Some(doc), ReportStream::Stdout) => output::print(format, &doc),
                (Some(doc), ReportStream::Stderr) => output::print_err(format, &doc),
                (None, _) => Ok(()),
            };
            output::error(message);
            FAILED
        }
    })
}

fn run(cli: Cli, ctx: &render::Context) -> Result<Status> {
    match cli.command {
        Command::Check(a) => check(ctx, settings::check(a)?),
        Command::Fetch(a) => {
            let (job, fetcher, format) = settings::fetch(a)?;
            let to_stdout = job.destination == commands::fetch::Destination::Stdout;
            let report = commands::fetch::run(&job, &fetcher, &mut std::io::stdout())?;
            let text = render::fetch(ctx, format, &report);
            if to_stdout {
                output::print_err(format, &text)?;
            } else {
                output::print(format, &text)?;
            }
            Ok(report.check.status())
        }
        Command::Validate(a) => validate(ctx, settings::validate(a)?),
        Command::Trace(a) => trace(ctx, settings::trace(a)?),
        Command::Preflight(a) => preflight(ctx, settings::preflight(a)?),
        Command::Aws(AwsCommand::IdentityCenter(a)) => {
            setup(ctx, "aws identity-center", settings::identity_center(a)?)
        }
        Command::Aws(AwsCommand::Iam(a)) => setup(ctx, "aws iam", settings::iam(a)?),
        Command::Entra(EntraCommand::Export(a)) => entra_export(ctx, settings::entra_export(a)?),
        Command::Completions(a) => {
            manual::completions(a.shell, &mut std::io::stdout().lock());
            Ok(Status::Clean)
        }
        Command::Man(a) => {
            let pages = manual::man_pages(&a.out)
                .map_err(|e| anyhow::anyhow!("--out {}: {e}", a.out.display()))?;
            for page in pages {
                println!("{}", page.display());
            }
            Ok(Status::Clean)
        }
        Command::Explain(a) => {
            let (code, format) = settings::explain(a)?;
            output::print(format, &render::explain(ctx, format, code))?;
            Ok(Status::Clean)
        }
    }
}

fn check(ctx: &render::Context, (check, format): (settings::Check, Format)) -> Result<Status> {
    match check {
        settings::Check::One(job) => {
            let report = commands::check::run(&job)?;
            output::print(format, &render::check(ctx, format, "check", &report))?;
            Ok(report.status())
        }
        settings::Check::Fleet(fleet) => {
            let bar = output::progress(fleet.apps.len(), fleet.quiet);
            let report = commands::fleet::check_apps(
                &fleet.apps,
                &fleet.fetcher,
                &fleet.settings,
                &|done| output::progressed(&bar, &done.name),
            );
            bar.finish_and_clear();
            output::print(format, &render::fleet(ctx, format, &report))?;
            let mut status = Status::of(&report.findings());
            if let Some(days) = fleet.fail_under_days {
                let expiring = report.expiring_within(days.into());
                for app in &expiring {
                    output::error(format_args!(
                        "--fail-under-days {days}: {}: the certificate {} expires in {} days, on {}",
                        app.name,
                        app.thumbprint.as_deref().unwrap_or_default(),
                        app.days_left.unwrap_or_default(),
                        app.soonest_expiry
                            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_default(),
                    ));
                }
                if !expiring.is_empty() {
                    status = Status::Findings;
                }
            }
            Ok(status)
        }
    }
}

fn validate(
    ctx: &render::Context,
    (job, listing, format): (
        commands::validate::ValidateJob,
        samlbridge::input::Listing,
        Format,
    ),
) -> Result<Status> {
    // The human report shows an unreadable input in its place; JSON is data, so the error
    // is also said on standard error.
    let unreadable = |e: &samlbridge::response::InputError| {
        if format == Format::Json {
            output::error(format_args!("{}: {}", e.label, e.message))
        }
    };
    let summary = match format {
        // JSON never carries colour, so it skips anstream's escape stripping.
        Format::Json => {
            let out = BufWriter::with_capacity(output::BUFFER, std::io::stdout().lock());
            render::validate_json(ctx, &job, listing, std::io::stdin, out, unreadable)?
        }
        _ => {
            let out = BufWriter::with_capacity(output::BUFFER, anstream::stdout().lock());
            render::validate_human(&job, listing, std::io::stdin, out, unreadable)?
        }
    };
    if summary.total() == 0 {
        output::error(
            "no input to validate (the directories given hold no files other than hidden ones)",
        );
    }
    Ok(commands::validate::status(&summary))
}

fn trace(ctx: &render::Context, t: settings::Trace) -> Result<Status> {
    use commands::trace::redact;
    let report = commands::trace::run(&t.job, &t.name, &t.capture);
    let receipt = match &t.redact {
        Some(out) => {
            let copy = redact::redact(&t.bytes, &report)
                .map_err(|e| anyhow::anyhow!("--redact {}: {e}", out.display()))?;
            redact::write(out, &copy.bytes, t.force).map_err(|e| match e {
                redact::RedactError::Exists { .. } => anyhow::anyhow!(
                    "--redact {}: appeared while samlbridge worked; it was left as it is (--force replaces it)",
                    out.display()
                ),
                e => anyhow::anyhow!("--redact: {e}"),
            })?;
            Some(redact::Receipt {
                written_to: out.display().to_string(),
                masked: copy.masked,
            })
        }
        None => None,
    };
    output::print(
        t.format,
        &render::trace(ctx, t.format, &report, receipt.as_ref()),
    )?;
    Ok(report.status())
}

fn entra_export(ctx: &render::Context, s: settings::EntraExport) -> Result<Status> {
    let spinner = output::spinner(s.quiet);
    let report =
        commands::entra_export::run(&s.job, &s.fetcher, &|step| output::step(&spinner, step));
    spinner.finish_and_clear();
    let report = report.map_err(|e| settings::entra_export_error(e, &s.job))?;
    output::print(s.format, &render::entra_export(ctx, s.format, &report))?;
    Ok(report.status())
}

fn preflight(ctx: &render::Context, p: settings::Preflight) -> Result<Status> {
    let report = commands::preflight::run(&p.job);
    if let Some(path) = &p.users_csv {
        let csv = render::preflight_csv(&report)?;
        let written = if p.force {
            samlbridge::input::write_atomic(path, csv.as_bytes())
        } else {
            samlbridge::input::write_atomic_new(path, csv.as_bytes())
        };
        written.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "--users-csv {}: appeared while samlbridge worked; it was left as it is (--force replaces it)",
                path.display()
            ),
            _ => anyhow::anyhow!("--users-csv {}: {e}", path.display()),
        })?;
    }
    output::print(
        p.format,
        &render::preflight(ctx, p.format, &report, p.all_users),
    )?;
    Ok(report.status())
}

fn setup(ctx: &render::Context, command: &str, s: settings::Setup) -> Result<Status> {
    let report = commands::setup::write(s.prepared, s.claims, &s.write)?;
    output::print(s.format, &render::setup(ctx, s.format, command, &report))?;
    Ok(report.status())
}

// The validator allocates a small tree per response; mimalloc handles that churn markedly
// faster than glibc's allocator (see benches/peers).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

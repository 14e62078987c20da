//! What samlbridge says about itself, all from the one clap definition in `args`: the examples
//! that end each command's long help, the shell completion scripts and the man pages.

use crate::args::{self, Cli};
use clap::builder::StyledStr;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// One example: what it does, and the command line, split where the help shows a ` \` line
/// continuation.
struct Example {
    what: &'static str,
    lines: &'static [&'static str],
}

/// An [`Example`] as a literal, so that lists of them are constants.
macro_rules! ex {
    ($what:expr, $lines:expr $(,)?) => {
        Example {
            what: $what,
            lines: $lines,
        }
    };
}

const IDC_SETUP: Example = ex!(
    "Check Entra's metadata, Identity Center's metadata and the claim mapping, then write the \
     AWS and Entra configuration into aws-idc/:",
    &[
        "samlbridge aws identity-center testdata/metadata/entra-app.xml",
        "--sp-metadata testdata/metadata/identity-center-sp.xml",
        "--claims testdata/claims/identity-center.toml --out aws-idc",
    ],
);

const VALIDATE_HAR: Example = ex!(
    "Validate every SAML response in a browser capture (HAR) the way Identity Center will:",
    &[
        "samlbridge validate testdata/captures/success.chrome.har",
        "--metadata testdata/metadata/entra-app.xml",
        "--sp-metadata testdata/metadata/identity-center-sp.xml",
    ],
);

const CHECK_FLEET: Example = ex!(
    "Check every Entra application in a fleet file (TOML [[app]] entries with tenant and \
     app_id, or CSV), fetching their metadata:",
    &["samlbridge check --apps apps.toml"],
);

const TRACE_REDACT: Example = ex!(
    "Tell the story of a failed sign-in from a HAR, and save a masked copy to send a colleague:",
    &[
        "samlbridge trace testdata/captures/aadsts50011.chrome.har",
        "--metadata testdata/metadata/entra-app.xml",
        "--sp-metadata testdata/metadata/identity-center-sp.xml",
        "--redact signin.redacted.har",
    ],
);

const PREFLIGHT_SAVED: Example = ex!(
    "Go or no-go before cutover, from saved exports (entra-before/ from `samlbridge entra \
     export`, aws-before/ from the AWS CLI's list-instances and list-users JSON):",
    &[
        "samlbridge preflight --entra entra-before --aws aws-before",
        "--sp-metadata testdata/metadata/identity-center-sp.xml",
        "--metadata testdata/metadata/entra-app.xml --users-csv users.csv",
    ],
);

const ENTRA_EXPORT: Example = ex!(
    "Save what Microsoft Graph says about the application into entra-before/, with a Graph \
     token in SAMLBRIDGE_GRAPH_TOKEN (az account get-access-token --resource-type ms-graph \
     --query accessToken -o tsv):",
    &[
        "samlbridge entra export --tenant contoso.onmicrosoft.com",
        "--app-id 5b9e2f61-3c4d-4e8f-a1b2-c3d4e5f60718 -o entra-before",
    ],
);

const FETCH: Example = ex!(
    "Download, check and save an application's federation metadata:",
    &[
        "samlbridge fetch --tenant contoso.onmicrosoft.com",
        "--app-id 5b9e2f61-3c4d-4e8f-a1b2-c3d4e5f60718 -o federationmetadata.xml",
    ],
);

const EXPLAIN_AADSTS: Example = ex!(
    "What Entra's AADSTS50011 means for AWS, and how to fix it:",
    &["samlbridge explain AADSTS50011"],
);

const IAM_SETUP: Example = ex!(
    "Write an IAM SAML provider and two roles that trust it into aws-iam/:",
    &[
        "samlbridge aws iam testdata/metadata/entra-app.xml",
        "--account-id 111122223333 --provider-name EntraID",
        "--role AdminAccess --role ReadOnly",
        "--claims testdata/claims/iam.toml --out aws-iam",
    ],
);

/// The examples of each command, by its path below `samlbridge` (empty: the tool itself),
/// the common task first.
fn examples(path: &[&str]) -> &'static [Example] {
    match path {
        [] => &[IDC_SETUP, VALIDATE_HAR, TRACE_REDACT, EXPLAIN_AADSTS],
        ["aws"] => &[IDC_SETUP, IAM_SETUP],
        ["aws", "identity-center"] => &[
            IDC_SETUP,
            ex!(
                "Show what would be written and how it differs from aws-idc/, writing nothing:",
                &[
                    "samlbridge aws identity-center testdata/metadata/entra-app.xml",
                    "--sp-metadata testdata/metadata/identity-center-sp.xml",
                    "--claims testdata/claims/identity-center.toml --out aws-idc --dry-run",
                ],
            ),
            ex!(
                "A certificate rollover: metadata with both certificates, and the one AWS trusts \
                 today, which adds ROLLOVER.md:",
                &[
                    "samlbridge aws identity-center testdata/metadata/entra-app-rollover.xml",
                    "--sp-metadata testdata/metadata/identity-center-sp.xml",
                    "--current-cert testdata/keys/entra-app-active.cert.pem --out aws-idc",
                ],
            ),
        ],
        ["aws", "iam"] => &[
            IAM_SETUP,
            ex!(
                "Users also sign in through a Regional endpoint:",
                &[
                    "samlbridge aws iam testdata/metadata/entra-app.xml",
                    "--account-id 111122223333 --provider-name EntraID --role AdminAccess",
                    "--sign-in-region eu-west-1 --out aws-iam",
                ],
            ),
            ex!(
                "Entra encrypts the assertions; a new key is written into --out (mode 0600) and \
                 STEPS.md ends by requiring encryption:",
                &[
                    "samlbridge aws iam testdata/metadata/entra-app.xml",
                    "--account-id 111122223333 --provider-name EntraID --role AdminAccess",
                    "--assertion-encryption required --out aws-iam",
                ],
            ),
        ],
        ["validate"] => &[
            VALIDATE_HAR,
            ex!(
                "A response saved as XML, trusting one certificate, for IAM, judged at a given \
                 instant:",
                &[
                    "samlbridge validate testdata/responses/valid/iam.xml",
                    "--cert testdata/keys/entra-app-active.cert.pem --target iam",
                    "--now 2026-11-27T09:01:00Z",
                ],
            ),
            ex!(
                "Every response in a directory, as JSON:",
                &[
                    "samlbridge validate testdata/responses/encodings",
                    "--metadata testdata/metadata/entra-app.xml",
                    "--sp-metadata testdata/metadata/identity-center-sp.xml --format json",
                ],
            ),
        ],
        ["check"] => &[
            CHECK_FLEET,
            ex!(
                "Lint Entra's metadata, Identity Center's metadata and a claim mapping:",
                &[
                    "samlbridge check testdata/metadata/entra-app.xml",
                    "--sp-metadata testdata/metadata/identity-center-sp.xml",
                    "--claims testdata/claims/identity-center.toml",
                ],
            ),
            ex!(
                "Only a claim mapping, against IAM's rules:",
                &["samlbridge check --claims testdata/claims/iam.toml --target iam"],
            ),
            ex!(
                "SARIF for a code-scanning service:",
                &["samlbridge check testdata/metadata/entra-app.xml --format sarif"],
            ),
        ],
        ["trace"] => &[
            TRACE_REDACT,
            ex!(
                "A SAML-tracer export:",
                &[
                    "samlbridge trace testdata/captures/success.saml-tracer.json",
                    "--metadata testdata/metadata/entra-app.xml",
                    "--sp-metadata testdata/metadata/identity-center-sp.xml",
                ],
            ),
        ],
        ["preflight"] => &[
            PREFLIGHT_SAVED,
            ex!(
                "Live, reading Graph (token in SAMLBRIDGE_GRAPH_TOKEN) and Identity Center (the \
                 standard AWS credential chain):",
                &[
                    "samlbridge preflight --tenant contoso.onmicrosoft.com",
                    "--app-id 5b9e2f61-3c4d-4e8f-a1b2-c3d4e5f60718",
                    "--sp-metadata aws-sso-metadata.xml --metadata federationmetadata.xml",
                ],
            ),
        ],
        ["entra"] | ["entra", "export"] => &[ENTRA_EXPORT],
        ["fetch"] => &[
            FETCH,
            ex!(
                "A tenant in the US Government cloud, requiring a known signing certificate:",
                &[
                    "samlbridge fetch --tenant contoso.onmicrosoft.us --cloud usgov",
                    "--app-id 5b9e2f61-3c4d-4e8f-a1b2-c3d4e5f60718",
                    "--pin-cert 3F2A5C0D8E1B4F7A9C6D2E0B5A8F1C4D7E3B6A9F",
                ],
            ),
        ],
        ["explain"] => &[
            EXPLAIN_AADSTS,
            ex!(
                "What a finding code means:",
                &["samlbridge explain cert-expiring"],
            ),
            ex!("Every finding code:", &["samlbridge explain --list"]),
        ],
        ["completions"] => &[
            ex!(
                "Bash (bash-completion's per-user directory):",
                &[
                    "samlbridge completions bash",
                    "> ~/.local/share/bash-completion/completions/samlbridge",
                ],
            ),
            ex!(
                "Zsh (a directory on $fpath):",
                &["samlbridge completions zsh > ~/.zfunc/_samlbridge"],
            ),
            ex!(
                "Fish:",
                &[
                    "samlbridge completions fish",
                    "> ~/.config/fish/completions/samlbridge.fish",
                ],
            ),
        ],
        _ => &[],
    }
}

/// The command line as clap parses it, with `--version`'s long text and every command's
/// examples in its long help (`-h` stays short).
pub fn command() -> clap::Command {
    // Built once per run; clap keeps `&'static str` texts.
    let version: &'static str = Box::leak(args::long_version().into_boxed_str());
    with_examples(Cli::command().long_version(version), &mut Vec::new())
}

fn with_examples(mut cmd: clap::Command, path: &mut Vec<String>) -> clap::Command {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let list = examples(&names);
    if !list.is_empty() {
        let text = help_text(list, cmd.get_styles().get_header());
        cmd = cmd.after_long_help(text);
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        path.push(name.clone());
        cmd = cmd.mut_subcommand(&name, |sub| with_examples(sub, path));
        path.pop();
    }
    cmd
}

/// The Examples section of a long help: each description, then its command line indented,
/// `$ ` before the command and ` \` ending every line that continues.
fn help_text(list: &[Example], header: &anstyle::Style) -> StyledStr {
    let mut text = format!("{header}Examples:{header:#}\n");
    for (i, example) in list.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let options = textwrap::Options::new(78)
            .initial_indent("  ")
            .subsequent_indent("  ");
        text.push_str(&textwrap::fill(example.what, options));
        text.push('\n');
        for (j, line) in example.lines.iter().enumerate() {
            let lead = if j == 0 { "    $ " } else { "        " };
            let more = if j + 1 < example.lines.len() {
                " \\"
            } else {
                ""
            };
            text.push_str(&format!("{lead}{line}{more}\n"));
        }
    }
    StyledStr::from(text.trim_end().to_owned())
}

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) {
    clap_complete::generate(shell, &mut command(), "samlbridge", out);
}

/// Writes `samlbridge.1` and a page per command below it (`samlbridge-aws-iam.1`) into `dir`,
/// returning the files written.
pub fn man_pages(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    // The pages carry the plain version: the build details of `--version` are for a terminal.
    let mut cmd = with_examples(Cli::command(), &mut Vec::new()).disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    man_page(&cmd, &mut Vec::new(), dir, &mut written)?;
    Ok(written)
}

fn man_page(
    cmd: &clap::Command,
    path: &mut Vec<String>,
    dir: &Path,
    written: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let file = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let list = examples(&names);
    if !list.is_empty() {
        man_examples(list).to_writer(&mut page)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    std::fs::write(&file, ascii(&String::from_utf8_lossy(&page)))?;
    written.push(file);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        path.push(sub.get_name().to_owned());
        man_page(sub, path, dir, written)?;
        path.pop();
    }
    Ok(())
}

/// The page with every character outside ASCII as a groff escape (`…` as `\[u2026]`), so
/// that it renders the same with or without man-db's preconv.
fn ascii(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}

/// The EXAMPLES section of a man page: each description as a paragraph, its command line
/// indented and unfilled, as the help shows it.
fn man_examples(list: &[Example]) -> roff::Roff {
    let mut roff = roff::Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for example in list {
        roff.control("PP", [] as [&str; 0]);
        roff.text([roff::roman(example.what)]);
        roff.control("RS", ["4"]);
        roff.control("nf", [] as [&str; 0]);
        for (j, line) in example.lines.iter().enumerate() {
            let lead = if j == 0 { "$ " } else { "    " };
            let more = if j + 1 < example.lines.len() {
                " \\"
            } else {
                ""
            };
            roff.text([roff::roman(format!("{lead}{line}{more}"))]);
        }
        roff.control("fi", [] as [&str; 0]);
        roff.control("RE", [] as [&str; 0]);
    }
    roff
}

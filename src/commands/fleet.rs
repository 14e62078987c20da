//! Fleet checks: the metadata of many Entra applications fetched concurrently and checked
//! like `check` checks one, ordered by which signing certificate expires first.

use crate::aws::Target;
use crate::commands::check::{self, CheckReport, CheckSettings};
use crate::diag::{self, Code, Finding};
use crate::entra::{app_metadata_url, AppId, Cloud, TenantId};
use crate::http::Fetcher;
use crate::input::Input;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use url::Url;

/// More applications than any tenant has SAML apps; a list beyond it is a mistake.
pub const MAX_APPS: usize = 10_000;

/// One application of an apps file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub name: String,
    pub tenant: TenantId,
    pub app_id: AppId,
    pub target: Option<Target>,
}

#[derive(Debug, Error)]
pub enum AppsError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {entry}: {message}")]
    Entry {
        file: String,
        entry: String,
        message: String,
    },
    #[error("{file}: lists no applications")]
    Empty { file: String },
    #[error("{file}: lists more than {MAX_APPS} applications")]
    TooMany { file: String },
}

/// An entry as written, before its fields are checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    #[serde(default)]
    name: Option<String>,
    tenant: String,
    #[serde(alias = "app-id", alias = "appid")]
    app_id: String,
    #[serde(default)]
    target: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppsToml {
    #[serde(default)]
    app: Vec<RawApp>,
}

/// Reads an apps file: TOML (`[[app]]` tables) or CSV with a header row (`tenant`, `app_id`,
/// optional `name` and `target`), told apart by the name's extension, else by the content.
pub fn parse_apps(file: &str, bytes: &[u8]) -> Result<Vec<App>, AppsError> {
    let syntax = |message: String| AppsError::Syntax {
        file: file.to_owned(),
        message,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| syntax("not UTF-8 text".into()))?
        .trim_start_matches('\u{feff}');
    let lower = file.to_ascii_lowercase();
    let is_toml = if lower.ends_with(".toml") {
        true
    } else if lower.ends_with(".csv") {
        false
    } else {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .is_some_and(|l| l.starts_with('['))
    };
    let raw: Vec<(String, RawApp)> = if is_toml {
        let parsed: AppsToml = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
        parsed
            .app
            .into_iter()
            .enumerate()
            .map(|(i, a)| (format!("[[app]] #{}", i + 1), a))
            .collect()
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for record in reader.deserialize::<RawApp>() {
            let app = record.map_err(|e| match e.position() {
                Some(p) => syntax(format!("line {}: {e}", p.line())),
                None => syntax(e.to_string()),
            })?;
            rows.push((format!("row {}", rows.len() + 1), app));
            if rows.len() > MAX_APPS {
                break;
            }
        }
        rows
    };
    if raw.is_empty() {
        return Err(AppsError::Empty {
            file: file.to_owned(),
        });
    }
    if raw.len() > MAX_APPS {
        return Err(AppsError::TooMany {
            file: file.to_owned(),
        });
    }
    let mut apps: Vec<App> = Vec::with_capacity(raw.len());
    let mut listed: std::collections::HashMap<(TenantId, AppId), usize> = Default::default();
    for (entry, r) in raw {
        let bad = |message: String| AppsError::Entry {
            file: file.to_owned(),
            entry: entry.clone(),
            message,
        };
        let tenant: TenantId = r.tenant.parse().map_err(|e| bad(format!("tenant: {e}")))?;
        let app_id: AppId = r.app_id.parse().map_err(|e| bad(format!("app_id: {e}")))?;
        let target = match r.target.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("identity-center") => Some(Target::IdentityCenter),
            Some("iam") => Some(Target::Iam),
            Some(other) => {
                return Err(bad(format!(
                    "target {other:?} is not identity-center or iam"
                )))
            }
        };
        if let Some(&first) = listed.get(&(tenant.clone(), app_id.clone())) {
            return Err(bad(format!(
                "application {app_id} of tenant {tenant} is already listed as {:?}",
                apps[first].name
            )));
        }
        listed.insert((tenant.clone(), app_id.clone()), apps.len());
        let name = r
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| app_id.to_string());
        apps.push(App {
            name,
            tenant,
            app_id,
            target,
        });
    }
    Ok(apps)
}

/// How a fleet check runs.
#[derive(Debug, Clone)]
pub struct FleetSettings {
    /// The checks, as for one document; an app's own target replaces `check.target`.
    pub check: CheckSettings,
    pub cloud: Cloud,
    /// Where Entra's login host is reached instead (a test server, a mirror).
    pub login_endpoint: Option<Url>,
    /// How many applications are fetched at once.
    pub concurrency: usize,
}

/// The metadata URL of `app`.
pub fn metadata_url(app: &App, settings: &FleetSettings) -> Url {
    let mut url = app_metadata_url(settings.cloud, &app.tenant, &app.app_id);
    if let Some(base) = &settings.login_endpoint {
        // Same path and query, another origin.
        let _ = url.set_scheme(base.scheme());
        let _ = url.set_host(base.host_str());
        let _ = url.set_port(base.port());
    }
    url
}

/// How an application's check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppStatus {
    Ok,
    Warnings,
    Errors,
    /// Not fetched, or what was fetched is not metadata.
    Unavailable,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Ok => "ok",
            AppStatus::Warnings => "warnings",
            AppStatus::Errors => "errors",
            AppStatus::Unavailable => "unavailable",
        }
    }
}

/// One application's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AppReport {
    pub name: String,
    pub tenant: String,
    pub app_id: String,
    pub target: Option<Target>,
    pub url: String,
    pub status: AppStatus,
    /// The signing certificate that expires first.
    pub soonest_expiry: Option<DateTime<Utc>>,
    pub days_left: Option<i64>,
    /// Its SHA-1 thumbprint, as the Entra portal shows it.
    pub thumbprint: Option<String>,
    /// This application's findings (what `check` would say of its metadata).
    pub findings: Vec<Finding>,
    /// The full check, when the metadata could be read.
    pub check: Option<CheckReport>,
}

impl AppReport {
    fn new(app: &App, url: &Url, result: Result<CheckReport, String>) -> Self {
        let (findings, check) = match result {
            Ok(report) => (report.findings.clone(), Some(report)),
            Err(message) => (
                vec![Finding::new(Code::MetadataUnavailable, message).subject(app.name.clone())],
                None,
            ),
        };
        let soonest = check
            .as_ref()
            .and_then(|c| c.certificates.iter().min_by_key(|c| c.not_after));
        let status = if check.is_none() {
            AppStatus::Unavailable
        } else if diag::has_errors(&findings) {
            AppStatus::Errors
        } else if findings
            .iter()
            .any(|f| f.severity == diag::Severity::Warning)
        {
            AppStatus::Warnings
        } else {
            AppStatus::Ok
        };
        AppReport {
            name: app.name.clone(),
            tenant: app.tenant.to_string(),
            app_id: app.app_id.to_string(),
            target: app.target,
            url: url.to_string(),
            status,
            soonest_expiry: soonest.map(|c| c.not_after),
            days_left: soonest.map(|c| c.days_left),
            thumbprint: soonest.map(|c| c.sha1.clone()),
            findings,
            check,
        }
    }
}

/// Every application's outcome, those that could not be checked first, then by soonest
/// certificate expiry.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub apps: Vec<AppReport>,
}

impl FleetReport {
    /// All findings, each naming its application.
    pub fn findings(&self) -> Vec<Finding> {
        self.apps
            .iter()
            .flat_map(|a| {
                a.findings.iter().map(move |f| {
                    let mut f = f.clone();
                    f.subject = Some(match &f.subject {
                        Some(s) if *s != a.name => format!("{}: {s}", a.name),
                        _ => a.name.clone(),
                    });
                    f
                })
            })
            .collect()
    }

    /// The applications whose soonest certificate expires in fewer than `days` days (its
    /// `days_left` counts whole days, as the expiry findings do), soonest first.
    pub fn expiring_within(&self, days: i64) -> Vec<&AppReport> {
        self.apps
            .iter()
            .filter(|a| a.days_left.is_some_and(|left| left < days))
            .collect()
    }

    pub fn count(&self, status: AppStatus) -> usize {
        self.apps.iter().filter(|a| a.status == status).count()
    }
}

/// Fetches and checks every application, at most `settings.concurrency` at a time.
/// `progress` is called as each finishes (from the worker threads).
pub fn check_apps(
    apps: &[App],
    fetcher: &Fetcher,
    settings: &FleetSettings,
    progress: &(dyn Fn(&AppReport) + Sync),
) -> FleetReport {
    use rayon::prelude::*;
    let check_all = || -> Vec<AppReport> {
        apps.par_iter()
            .map(|app| {
                let report = check_one(app, fetcher, settings);
                progress(&report);
                report
            })
            .collect()
    };
    // A pool of exactly `concurrency` threads bounds the fetches in flight; fetching is
    // mostly waiting, so it is not the machine's core count.
    let mut reports = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.concurrency.clamp(1, apps.len().max(1)))
        .build()
    {
        Ok(pool) => pool.install(check_all),
        Err(_) => check_all(),
    };
    // `None` (could not be checked) sorts first.
    reports.sort_by(|a, b| (a.soonest_expiry, &a.name).cmp(&(b.soonest_expiry, &b.name)));
    FleetReport { apps: reports }
}

fn check_one(app: &App, fetcher: &Fetcher, settings: &FleetSettings) -> AppReport {
    let url = metadata_url(app, settings);
    let result = fetcher
        .get(&url)
        .map_err(|e| e.to_string())
        .and_then(|fetched| {
            let mut check_settings = settings.check.clone();
            check_settings.target = app.target.or(settings.check.target);
            check::check(
                Input {
                    name: &app.name,
                    bytes: &fetched.bytes,
                    url: Some(&fetched.url),
                    requested_url: Some(&url),
                },
                None,
                &check_settings,
            )
            .map_err(|e| e.to_string())
        });
    AppReport::new(app, &url, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63";
    const A: &str = "6a0b9c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d";
    const B: &str = "7b1c0d9e-2f3a-4b4c-8d5e-6f7a8b9c0d1e";

    #[test]
    fn reads_toml_and_csv() {
        let toml = format!(
            "# production\n[[app]]\nname = \"AWS prod\"\ntenant = \"{T}\"\napp_id = \"{A}\"\ntarget = \"identity-center\"\n\n[[app]]\ntenant = \"contoso.onmicrosoft.com\"\napp_id = \"{B}\"\n"
        );
        let apps = parse_apps("apps.toml", toml.as_bytes()).unwrap();
        assert_eq!(apps.len(), 2);
        assert_eq!(apps[0].name, "AWS prod");
        assert_eq!(apps[0].target, Some(Target::IdentityCenter));
        assert_eq!(apps[1].name, B, "the app id names an unnamed app");
        assert_eq!(apps[1].target, None);

        let csv =
            format!("tenant,app_id,name,target\n{T},{A},AWS prod,iam\n# retired\n{T}, {B} ,,\n");
        let apps = parse_apps("apps.csv", csv.as_bytes()).unwrap();
        assert_eq!(apps.len(), 2);
        assert_eq!(apps[0].target, Some(Target::Iam));
        assert_eq!(apps[1].app_id.to_string(), B);
        // Without an extension the content decides.
        assert_eq!(parse_apps("-", toml.as_bytes()).unwrap().len(), 2);
        assert_eq!(parse_apps("apps.txt", csv.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn bad_entries_are_named() {
        let cases = [
            (
                "a.toml",
                format!("[[app]]\ntenant = \"{T}\"\napp_id = \"nope\"\n"),
                "[[app]] #1: app_id",
            ),
            (
                "a.toml",
                format!("[[app]]\ntenant = \"common\"\napp_id = \"{A}\"\n"),
                "tenant",
            ),
            (
                "a.toml",
                format!("[[app]]\ntenant = \"{T}\"\napp_id = \"{A}\"\ncolour = \"red\"\n"),
                "unknown field",
            ),
            (
                "a.toml",
                format!("[[app]]\ntenant = \"{T}\"\napp_id = \"{A}\"\ntarget = \"saml\"\n"),
                "not identity-center or iam",
            ),
            (
                "a.csv",
                format!("tenant,app_id\n{T},{A}\n{T},{A}\n"),
                "row 2: application",
            ),
            ("a.csv", format!("tenant,app\n{T},{A}\n"), "a.csv"),
            (
                "a.csv",
                "tenant,app_id\n".to_owned(),
                "lists no applications",
            ),
            ("a.toml", "[[app]\n".to_owned(), "a.toml"),
        ];
        for (file, text, says) in cases {
            let err = parse_apps(file, text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn urls_follow_cloud_and_endpoint() {
        let app = &parse_apps("a.csv", format!("tenant,app_id\n{T},{A}\n").as_bytes()).unwrap()[0];
        let mut settings = FleetSettings {
            check: CheckSettings {
                target: None,
                pin: None,
                cert_policy: Default::default(),
                now: Utc::now(),
                entity_id: None,
                overrides: Default::default(),
                byte_order_mark_removed: false,
                upload_only: None,
            },
            cloud: Cloud::Global,
            login_endpoint: None,
            concurrency: 8,
        };
        assert_eq!(
            metadata_url(app, &settings).as_str(),
            format!("https://login.microsoftonline.com/{T}/federationmetadata/2007-06/federationmetadata.xml?appid={A}")
        );
        settings.login_endpoint = Some(Url::parse("https://127.0.0.1:8443/").unwrap());
        assert_eq!(
            metadata_url(app, &settings).as_str(),
            format!("https://127.0.0.1:8443/{T}/federationmetadata/2007-06/federationmetadata.xml?appid={A}")
        );
    }
}

//! `entra export`: read an Entra application from Microsoft Graph and save the bodies in a
//! directory, where `preflight --entra DIR` reads them offline. The directory is written
//! like every output directory (`write::outdir`): no file of the user's is ever replaced.

use crate::commands::setup::{write_files, WriteSettings, Written};
use crate::entra::{AppId, TenantId};
use crate::graph::{Counts, EntraExport, GraphError, GraphToken};
use crate::http::Fetcher;
use crate::write::outdir::{FileSet, Plan, WriteError};
use serde::Serialize;
use thiserror::Error;
use url::Url;

/// What to read and where to save it.
pub struct ExportJob {
    pub tenant: TenantId,
    pub app_id: AppId,
    /// Microsoft Graph's base URL in the tenant's cloud.
    pub graph: Url,
    pub token: GraphToken,
    pub write: WriteSettings,
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The application as the report names it.
#[derive(Debug, Serialize)]
pub struct Application {
    pub service_principal_id: String,
    pub display_name: Option<String>,
}

/// What was read and what was written.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    pub tenant: String,
    pub app_id: String,
    pub graph: String,
    pub application: Option<Application>,
    pub counts: Counts,
    /// Whether the application has a claims policy of its own.
    pub claims_policy: bool,
    /// Where provisioning takes `userName` from, when it is configured.
    pub user_name_source: Option<String>,
    pub out_dir: String,
    /// Shown as `written`: whether the files were written.
    #[serde(rename = "written", serialize_with = "was_written")]
    pub outcome: Written,
    /// Shown as `files`: each file and what happened to it.
    #[serde(rename = "files", serialize_with = "planned_files")]
    pub plan: Plan,
}

fn was_written<S: serde::Serializer>(outcome: &Written, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(matches!(outcome, Written::Wrote { .. }))
}

fn planned_files<S: serde::Serializer>(plan: &Plan, s: S) -> Result<S::Ok, S::Error> {
    plan.files.serialize(s)
}

impl ExportReport {
    pub fn status(&self) -> super::Status {
        match self.outcome {
            Written::Refused(_) => super::Status::Failed,
            _ => super::Status::Clean,
        }
    }
}

/// Reads the application, then writes its files. `progress` hears what is being read.
pub fn run(
    job: &ExportJob,
    fetcher: &Fetcher,
    progress: &dyn Fn(&str),
) -> Result<ExportReport, ExportError> {
    let export = EntraExport::fetch(fetcher, &job.graph, &job.app_id, &job.token, progress)?;
    let mut files = FileSet::default();
    for (name, contents) in export.to_files() {
        files.add(name, contents);
    }
    let (plan, outcome) = write_files(&files, &job.write, false)?;
    Ok(ExportReport {
        tenant: job.tenant.to_string(),
        app_id: job.app_id.to_string(),
        graph: job.graph.to_string(),
        application: export.service_principal().map(|sp| Application {
            service_principal_id: sp.id,
            display_name: sp.display_name,
        }),
        counts: export.counts(),
        claims_policy: export.claims_policy.is_some(),
        user_name_source: export.sync_schema_user_name_source(),
        out_dir: job.write.out.display().to_string(),
        outcome,
        plan,
    })
}

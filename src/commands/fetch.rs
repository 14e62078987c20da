//! `samlbridge fetch`: download the metadata, check it, and save it unless it cannot be trusted.

use super::check::{self, CheckError, CheckReport, CheckSettings};
use crate::diag::Code;
use crate::http::{FetchError, Fetcher};
use crate::input::{self, Input};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use thiserror::Error;
use url::Url;

/// Where a fetched document goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (the report then goes to standard error).
    Stdout,
    File(PathBuf),
}

/// What `fetch` is given.
pub struct FetchJob {
    pub url: Url,
    pub settings: CheckSettings,
    pub destination: Destination,
    /// Save the document even when a finding says it cannot be trusted.
    pub force: bool,
}

/// What `fetch` did: the check of the document, then whether it was saved.
#[derive(Debug, Serialize)]
pub struct FetchReport {
    #[serde(flatten)]
    pub check: CheckReport,
    /// How many requests it took.
    pub attempts: u32,
    /// `<stdout>` or the file written; `None` when not saved.
    pub saved_to: Option<String>,
    /// The document's size.
    #[serde(skip)]
    pub bytes: usize,
    /// The finding that kept the document from being saved.
    #[serde(skip)]
    pub blocked_by: Option<Code>,
}

#[derive(Debug, Error)]
pub enum FetchFailed {
    #[error("fetching {url}")]
    Fetch {
        url: Box<Url>,
        #[source]
        source: FetchError,
    },
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error("writing {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// `samlbridge fetch`: `stdout` receives the document when the destination is standard output.
pub fn run(
    job: &FetchJob,
    fetcher: &Fetcher,
    stdout: &mut dyn Write,
) -> Result<FetchReport, FetchFailed> {
    let fetched = fetcher.get(&job.url).map_err(|source| FetchFailed::Fetch {
        url: Box::new(job.url.clone()),
        source,
    })?;
    let name = job.url.to_string();
    let report = check::check(
        Input {
            name: &name,
            bytes: &fetched.bytes,
            url: Some(&fetched.url),
            requested_url: Some(&job.url),
        },
        None,
        &job.settings,
    )?;
    let blocked_by = check::unsafe_to_save(&report.findings).filter(|_| !job.force);
    let saved_to = match (&job.destination, blocked_by) {
        (_, Some(_)) => None,
        (Destination::Stdout, None) => {
            let written = stdout
                .write_all(&fetched.bytes)
                .and_then(|()| stdout.flush());
            written.map_err(|source| FetchFailed::Write {
                path: "<stdout>".into(),
                source,
            })?;
            Some("<stdout>".to_owned())
        }
        (Destination::File(path), None) => {
            let name = path.display().to_string();
            input::write_atomic(path, &fetched.bytes).map_err(|source| FetchFailed::Write {
                path: name.clone(),
                source,
            })?;
            Some(name)
        }
    };
    Ok(FetchReport {
        check: report,
        attempts: fetched.attempts,
        saved_to,
        bytes: fetched.bytes.len(),
        blocked_by,
    })
}

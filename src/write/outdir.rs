//! Writing a set of files into a directory the user owns.
//!
//! samlbridge owns only the files it wrote there, recorded by name and SHA-256 in a manifest
//! ([`MANIFEST`]) in the directory. Everything else is never read for writing, replaced or
//! removed, whatever the flags. A file samlbridge owns and the user has not edited since is
//! replaced freely; one the user edited is replaced only when the caller forces it (after the
//! diff was shown); one an earlier run wrote and this run no longer writes is removed only if
//! unedited.
//!
//! Every file is written to a temporary file in the directory and renamed into place, so no
//! file is ever half-written. The manifest doubles as a journal: before the first temporary
//! file is created it lists them, so a run killed at any point leaves nothing the next run
//! cannot recognise as its own and clean up. Termination signals during the write roll it back.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use thiserror::Error;

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".samlbridge-manifest.json";
/// Where the manifest is written before it is renamed into place.
const MANIFEST_TMP: &str = ".samlbridge-manifest.json.tmp";
/// Prefix of the temporary files a write creates (all listed in the manifest first).
const TMP_PREFIX: &str = ".samlbridge-tmp-";
const MANIFEST_ABOUT: &str = "Files samlbridge wrote into this directory, with the SHA-256 of what it wrote. samlbridge never touches a file not listed here, and replaces a listed file you edited only with --force.";

/// One file of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub contents: Vec<u8>,
    /// Readable by its owner only (mode 0600): a private key.
    pub private: bool,
}

/// The files a command writes, in the order it lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    pub files: Vec<OutFile>,
}

impl FileSet {
    pub fn add(&mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.push(OutFile {
            name: name.into(),
            contents: contents.into(),
            private: false,
        });
    }

    /// Adds a file only its owner may read.
    pub fn add_private(&mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.push(OutFile {
            name: name.into(),
            contents: contents.into(),
            private: true,
        });
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.contents.as_slice())
    }
}

/// What writing would do to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "change")]
pub enum Change {
    /// Not in the directory yet.
    New,
    /// Already there with exactly these contents.
    Unchanged,
    /// samlbridge wrote it and nobody edited it since: replaced.
    Modified { diff: String },
    /// samlbridge wrote it, but it was edited since: replaced only with force.
    Edited { diff: String },
    /// A file samlbridge did not write holds the name: never touched, so the set cannot be
    /// written here.
    NotOwned,
    /// samlbridge wrote it in an earlier run and this set no longer has it: removed.
    Removed,
    /// Like `Removed`, but edited since samlbridge wrote it: left where it is.
    KeptEdited,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedFile {
    pub name: String,
    /// Size of the new contents (0 for files this set does not write).
    pub bytes: usize,
    #[serde(flatten)]
    pub change: Change,
}

/// The plan for a directory.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub directory: String,
    pub exists: bool,
    pub files: Vec<PlannedFile>,
}

impl Plan {
    fn names(&self, pick: impl Fn(&Change) -> bool) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| pick(&f.change))
            .map(|f| f.name.as_str())
            .collect()
    }

    /// Files samlbridge wrote that the user edited since, which this set would replace.
    pub fn edited(&self) -> Vec<&str> {
        self.names(|c| matches!(c, Change::Edited { .. }))
    }

    /// Files samlbridge did not write that hold one of this set's names.
    pub fn not_owned(&self) -> Vec<&str> {
        self.names(|c| matches!(c, Change::NotOwned))
    }

    /// True when writing would change nothing.
    pub fn is_noop(&self) -> bool {
        self.files
            .iter()
            .all(|f| matches!(f.change, Change::Unchanged | Change::KeptEdited))
    }
}

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{0} exists and is not a directory")]
    NotADirectory(String),
    #[error("{} in {dir} {} not written by samlbridge; it is never replaced. Move {} away or write into another directory", list(.names), if .names.len() == 1 { "was" } else { "were" }, if .names.len() == 1 { "it" } else { "them" })]
    NotOwned { dir: String, names: Vec<String> },
    /// Files samlbridge wrote that were edited since; the caller says how to replace them.
    #[error("{} in {dir} {} edited since samlbridge wrote {}; review the changes shown", list(.names), if .names.len() == 1 { "was" } else { "were" }, if .names.len() == 1 { "it" } else { "them" })]
    Edited { dir: String, names: Vec<String> },
    #[error("{path} is not a samlbridge manifest ({reason}), so samlbridge cannot tell which files in the directory it wrote; move it away to start over (every file there is then treated as yours)")]
    BadManifest { path: String, reason: String },
    #[error("another samlbridge is writing into {0}")]
    Busy(String),
    #[error("interrupted; nothing in {0} was changed")]
    Interrupted(String),
    #[error("{0:?} is not a plain file name")]
    BadName(String),
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The manifest: what samlbridge wrote into the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    about: String,
    version: u32,
    /// Each file samlbridge owns, with the SHA-256 of every version of it samlbridge wrote
    /// that may be on disk: one, or two while a write is in progress.
    files: BTreeMap<String, Vec<String>>,
    /// Temporary files of a write in progress (empty once it finished).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<String>,
}

impl Manifest {
    const VERSION: u32 = 1;

    fn new() -> Self {
        Manifest {
            about: MANIFEST_ABOUT.to_owned(),
            version: Self::VERSION,
            ..Default::default()
        }
    }

    /// Reads the directory's manifest; none yet is an empty one.
    fn read(dir: &Path) -> Result<Option<Manifest>, WriteError> {
        let path = dir.join(MANIFEST);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let bad = |reason: String| WriteError::BadManifest {
            path: path.display().to_string(),
            reason,
        };
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if m.version != Self::VERSION {
            return Err(bad(format!(
                "version {} is not {}",
                m.version,
                Self::VERSION
            )));
        }
        for name in m.files.keys() {
            check_name(name).map_err(|_| bad(format!("it names {name:?}")))?;
        }
        for name in &m.pending {
            let plain = name
                .strip_prefix(TMP_PREFIX)
                .is_some_and(|rest| check_name(rest).is_ok());
            if !plain {
                return Err(bad(format!(
                    "{name:?} is not a temporary file of samlbridge's"
                )));
            }
        }
        Ok(Some(m))
    }

    /// Written to a temporary name, then renamed over the old one.
    fn save(&self, dir: &Path) -> Result<(), WriteError> {
        let tmp = dir.join(MANIFEST_TMP);
        let mut text = serde_json::to_vec_pretty(self).expect("a manifest serializes");
        text.push(b'\n');
        write_new(&tmp, &text, false, true).map_err(io_err(&tmp))?;
        fs::rename(&tmp, dir.join(MANIFEST)).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(&tmp)(e)
        })
    }

    fn owns(&self, name: &str, digest: &str) -> Option<bool> {
        self.files
            .get(name)
            .map(|hashes| hashes.iter().any(|h| h == digest))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    openssl::sha::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file name of the set: one plain component, never one of samlbridge's own.
fn check_name(name: &str) -> Result<(), WriteError> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with(".samlbridge");
    if plain {
        Ok(())
    } else {
        Err(WriteError::BadName(name.to_owned()))
    }
}

/// Creates `path` (which must not exist), writes `contents` and flushes them to disk.
fn write_new(path: &Path, contents: &[u8], private: bool, replace: bool) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

const DIFF_LINES: usize = 40;
/// What a plan shows instead of the diff of a private file.
const PRIVATE_DIFF: &str = "(a private key: its contents are not shown)\n";

fn diff(old: &[u8], new: &[u8], name: &str) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let text = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(&format!("{name} (now)"), &format!("{name} (new)"))
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= DIFF_LINES {
        text
    } else {
        format!(
            "{}\n… {} more lines\n",
            lines[..DIFF_LINES].join("\n"),
            lines.len() - DIFF_LINES
        )
    }
}

/// What is at `path` now: a regular file's contents, nothing, or something else (a
/// directory, a symbolic link, a device), which samlbridge never replaces.
enum Existing {
    Missing,
    File(Vec<u8>),
    Other,
}

fn existing(path: &Path) -> Result<Existing, WriteError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Existing::Missing),
        Err(e) => Err(io_err(path)(e)),
        Ok(m) if m.file_type().is_file() => {
            fs::read(path).map(Existing::File).map_err(io_err(path))
        }
        Ok(_) => Ok(Existing::Other),
    }
}

/// Compares the set with what `dir` holds.
pub fn plan(dir: &Path, set: &FileSet) -> Result<Plan, WriteError> {
    let exists = match fs::metadata(dir) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => return Err(WriteError::NotADirectory(dir.display().to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err(dir)(e)),
    };
    for f in &set.files {
        check_name(&f.name)?;
    }
    let manifest = if exists {
        Manifest::read(dir)?.unwrap_or_else(Manifest::new)
    } else {
        Manifest::new()
    };
    let mut files = Vec::new();
    for f in &set.files {
        let path = dir.join(&f.name);
        let change = match existing(&path)? {
            Existing::Missing => Change::New,
            Existing::File(old) if old == f.contents => Change::Unchanged,
            Existing::File(old) => {
                // A private key's diff would print the key: plans are shown and reported.
                let shown = || {
                    if f.private {
                        PRIVATE_DIFF.to_owned()
                    } else {
                        diff(&old, &f.contents, &f.name)
                    }
                };
                match manifest.owns(&f.name, &sha256_hex(&old)) {
                    Some(true) => Change::Modified { diff: shown() },
                    Some(false) => Change::Edited { diff: shown() },
                    None => Change::NotOwned,
                }
            }
            Existing::Other => Change::NotOwned,
        };
        files.push(PlannedFile {
            name: f.name.clone(),
            bytes: f.contents.len(),
            change,
        });
    }
    for name in manifest.files.keys() {
        if set.files.iter().any(|f| &f.name == name) {
            continue;
        }
        let change = match existing(&dir.join(name))? {
            Existing::Missing => continue,
            Existing::File(old) if manifest.owns(name, &sha256_hex(&old)) == Some(true) => {
                Change::Removed
            }
            Existing::File(_) | Existing::Other => Change::KeptEdited,
        };
        files.push(PlannedFile {
            name: name.clone(),
            bytes: 0,
            change,
        });
    }
    Ok(Plan {
        directory: dir.display().to_string(),
        exists,
        files,
    })
}

/// How a write may go.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Replace files samlbridge wrote that the user edited since.
    pub force: bool,
    /// Called after each temporary file is written (tests use it to interrupt a write).
    pub after_each_file: Option<fn(&str)>,
}

/// Writes the set into `dir` (created if missing) as described in the module
/// documentation, and returns the plan it carried out.
pub fn write(dir: &Path, set: &FileSet, options: &WriteOptions) -> Result<Plan, WriteError> {
    if dir.exists() && !dir.is_dir() {
        return Err(WriteError::NotADirectory(dir.display().to_string()));
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let lock = fs::File::open(dir).map_err(io_err(dir))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(WriteError::Busy(dir.display().to_string()))
        }
        Err(fs::TryLockError::Error(e)) => return Err(io_err(dir)(e)),
    }
    let previous = recover(dir)?;
    let plan = plan(dir, set)?;
    let names = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    let not_owned = plan.not_owned();
    if !not_owned.is_empty() {
        return Err(WriteError::NotOwned {
            dir: dir.display().to_string(),
            names: names(not_owned),
        });
    }
    let edited = plan.edited();
    if !edited.is_empty() && !options.force {
        return Err(WriteError::Edited {
            dir: dir.display().to_string(),
            names: names(edited),
        });
    }
    let interrupted = Interrupt::watch();
    let result = commit(dir, set, &plan, previous.as_ref(), options, &interrupted);
    drop(lock);
    result.map(|()| plan)
}

/// Cleans up after a run that was killed while writing: its temporary files, listed in the
/// manifest before they were created, are removed. Returns the manifest as it now stands.
fn recover(dir: &Path) -> Result<Option<Manifest>, WriteError> {
    let tmp = dir.join(MANIFEST_TMP);
    if tmp.exists() {
        // Only ever written by samlbridge, and only a complete manifest is renamed from it.
        let ours = fs::read(&tmp)
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
            .is_some();
        if ours {
            fs::remove_file(&tmp).map_err(io_err(&tmp))?;
        }
    }
    let Some(mut m) = Manifest::read(dir)? else {
        return Ok(None);
    };
    if m.pending.is_empty() {
        return Ok(Some(m));
    }
    for name in std::mem::take(&mut m.pending) {
        let path = dir.join(&name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
    }
    m.save(dir)?;
    Ok(Some(m))
}

/// One file to write: the set's file, its digest, and the temporary file it goes to first.
type Staged<'a> = (&'a OutFile, String, PathBuf);

/// Carries out the plan in three steps, each leaving the directory recoverable: the manifest
/// lists the temporary files first ([`journal`]), they are written ([`write_temporaries`]),
/// and only then renamed into place ([`swap_in`]).
fn commit(
    dir: &Path,
    set: &FileSet,
    plan: &Plan,
    previous: Option<&Manifest>,
    options: &WriteOptions,
    interrupted: &Interrupt,
) -> Result<(), WriteError> {
    let writes: Vec<Staged<'_>> = set
        .files
        .iter()
        .zip(&plan.files)
        .filter(|(_, p)| !matches!(p.change, Change::Unchanged))
        .enumerate()
        .map(|(i, (f, _))| {
            let tmp = format!("{TMP_PREFIX}{}-{i}-{}", std::process::id(), f.name);
            (f, sha256_hex(&f.contents), dir.join(tmp))
        })
        .collect();
    let mut journal = journal(set, plan, previous, &writes);
    if writes.is_empty() && plan.is_noop() && previous == Some(&journal) {
        return Ok(());
    }
    journal.save(dir)?;
    write_temporaries(dir, &writes, previous, options, interrupted)?;
    swap_in(dir, plan, &writes, &mut journal)
}

/// The manifest as it must stand before the first temporary file is created: every file of
/// the set with both the digest it may have now and the one it is about to get, and the
/// temporary files, so a run killed at any point is recognised and cleaned up.
fn journal(
    set: &FileSet,
    plan: &Plan,
    previous: Option<&Manifest>,
    writes: &[Staged<'_>],
) -> Manifest {
    let mut journal = previous.cloned().unwrap_or_else(Manifest::new);
    // Unchanged files are recorded too: a file the user already had with exactly these
    // contents becomes samlbridge's.
    for (f, p) in set.files.iter().zip(&plan.files) {
        if p.change == Change::Unchanged {
            journal
                .files
                .insert(f.name.clone(), vec![sha256_hex(&f.contents)]);
        }
    }
    for (f, digest, tmp) in writes {
        let hashes = journal.files.entry(f.name.clone()).or_default();
        if !hashes.contains(digest) {
            hashes.push(digest.clone());
        }
        journal.pending.push(file_name(tmp));
    }
    journal
}

/// Writes every temporary file. On a failure or an interruption, removes those written and
/// puts the previous manifest back, so the directory is as it was.
fn write_temporaries(
    dir: &Path,
    writes: &[Staged<'_>],
    previous: Option<&Manifest>,
    options: &WriteOptions,
    interrupted: &Interrupt,
) -> Result<(), WriteError> {
    let rollback = |created: &[&PathBuf]| {
        for tmp in created {
            let _ = fs::remove_file(tmp);
        }
        match previous {
            Some(m) => m.save(dir),
            None => fs::remove_file(dir.join(MANIFEST)).map_err(io_err(dir)),
        }
    };
    let mut created: Vec<&PathBuf> = Vec::new();
    for (f, _, tmp) in writes {
        if interrupted.is_set() {
            rollback(&created)?;
            return Err(WriteError::Interrupted(dir.display().to_string()));
        }
        if let Err(e) = write_new(tmp, &f.contents, f.private, false) {
            let _ = fs::remove_file(tmp);
            rollback(&created)?;
            return Err(io_err(&dir.join(&f.name))(e));
        }
        created.push(tmp);
        if let Some(hook) = options.after_each_file {
            hook(&f.name);
        }
    }
    if interrupted.is_set() {
        rollback(&created)?;
        return Err(WriteError::Interrupted(dir.display().to_string()));
    }
    Ok(())
}

/// Renames the temporary files into place, removes the files the set dropped, and records
/// the result. Every step is a rename or a removal: finished even when interrupted, so the
/// directory never holds a mix of two sets for longer than this takes.
fn swap_in(
    dir: &Path,
    plan: &Plan,
    writes: &[Staged<'_>],
    journal: &mut Manifest,
) -> Result<(), WriteError> {
    for (f, _, tmp) in writes {
        let target = dir.join(&f.name);
        if let Err(e) = fs::rename(tmp, &target) {
            for (_, _, t) in writes {
                let _ = fs::remove_file(t);
            }
            return Err(io_err(&target)(e));
        }
    }
    for p in &plan.files {
        if p.change == Change::Removed {
            let path = dir.join(&p.name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
            journal.files.remove(&p.name);
        }
    }
    journal.pending.clear();
    for (f, digest, _) in writes {
        journal.files.insert(f.name.clone(), vec![digest.clone()]);
    }
    journal.save(dir)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Termination signals (SIGINT, SIGTERM, SIGHUP) noted instead of acted on while a write is
/// in progress, so it can roll back; the default action is restored when this is dropped.
struct Interrupt {
    flag: Arc<AtomicBool>,
    #[cfg(unix)]
    ids: Vec<signal_hook::SigId>,
}

impl Interrupt {
    fn watch() -> Interrupt {
        let flag = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        {
            let ids = [
                signal_hook::consts::SIGINT,
                signal_hook::consts::SIGTERM,
                signal_hook::consts::SIGHUP,
            ]
            .into_iter()
            .filter_map(|s| signal_hook::flag::register(s, flag.clone()).ok())
            .collect();
            Interrupt { flag, ids }
        }
        #[cfg(not(unix))]
        Interrupt { flag }
    }

    fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        #[cfg(unix)]
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, &str)]) -> FileSet {
        let mut s = FileSet::default();
        for (n, c) in files {
            s.add(*n, c.as_bytes().to_vec());
        }
        s
    }

    fn force() -> WriteOptions {
        WriteOptions {
            force: true,
            ..Default::default()
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replaces_its_own_and_leaves_the_rest() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        fs::write(dir.join("main.tf"), "user's\n").unwrap();
        let first = set(&[("a.json", "{}\n"), ("STEPS.md", "one\ntwo\n")]);
        let written = write(dir, &first, &WriteOptions::default()).unwrap();
        assert!(written.files.iter().all(|f| f.change == Change::New));
        assert_eq!(
            listing(dir),
            [MANIFEST, "STEPS.md", "a.json", "main.tf"],
            "the user's file stays, no temporary file is left"
        );

        // Same contents: nothing to do.
        let again = write(dir, &first, &WriteOptions::default()).unwrap();
        assert!(again.is_noop());

        // Unedited files of samlbridge's are replaced and dropped ones removed, without force.
        let second = set(&[("STEPS.md", "one\nthree\n"), ("b.tf", "x\n")]);
        let p = plan(dir, &second).unwrap();
        match &p.files[0].change {
            Change::Modified { diff } => {
                assert!(diff.contains("-two") && diff.contains("+three"), "{diff}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.files[1].change, Change::New);
        assert_eq!(
            (p.files[2].name.as_str(), &p.files[2].change),
            ("a.json", &Change::Removed)
        );
        write(dir, &second, &WriteOptions::default()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("STEPS.md")).unwrap(),
            "one\nthree\n"
        );
        assert_eq!(listing(dir), [MANIFEST, "STEPS.md", "b.tf", "main.tf"]);
        assert_eq!(fs::read_to_string(dir.join("main.tf")).unwrap(), "user's\n");
    }

    #[test]
    fn edited_files_need_force_and_unowned_ones_are_never_touched() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        write(
            dir,
            &set(&[("STEPS.md", "ours\n"), ("old.md", "ours\n")]),
            &force(),
        )
        .unwrap();
        fs::write(dir.join("STEPS.md"), "edited by the user\n").unwrap();
        fs::write(dir.join("old.md"), "edited too\n").unwrap();
        fs::write(dir.join("b.tf"), "the user's own b.tf\n").unwrap();

        let next = set(&[("STEPS.md", "new\n")]);
        let p = plan(dir, &next).unwrap();
        assert!(matches!(p.files[0].change, Change::Edited { .. }));
        assert_eq!(p.files[1].change, Change::KeptEdited);
        assert!(matches!(
            write(dir, &next, &WriteOptions::default()),
            Err(WriteError::Edited { names, .. }) if names == ["STEPS.md"]
        ));
        assert_eq!(
            fs::read_to_string(dir.join("STEPS.md")).unwrap(),
            "edited by the user\n"
        );

        write(dir, &next, &force()).unwrap();
        assert_eq!(fs::read_to_string(dir.join("STEPS.md")).unwrap(), "new\n");
        assert_eq!(
            fs::read_to_string(dir.join("old.md")).unwrap(),
            "edited too\n",
            "an edited file the set dropped is left"
        );

        // A name the user's own file holds is refused, with force too, and nothing changes.
        let clash = set(&[("STEPS.md", "newer\n"), ("b.tf", "ours\n")]);
        for options in [WriteOptions::default(), force()] {
            assert!(matches!(
                write(dir, &clash, &options),
                Err(WriteError::NotOwned { names, .. }) if names == ["b.tf"]
            ));
        }
        assert_eq!(
            fs::read_to_string(dir.join("b.tf")).unwrap(),
            "the user's own b.tf\n"
        );
        assert_eq!(fs::read_to_string(dir.join("STEPS.md")).unwrap(), "new\n");

        // The user's file with exactly the contents samlbridge would write is taken over.
        fs::write(dir.join("c.md"), "same\n").unwrap();
        write(
            dir,
            &set(&[("STEPS.md", "new\n"), ("c.md", "same\n")]),
            &WriteOptions::default(),
        )
        .unwrap();
        write(
            dir,
            &set(&[("STEPS.md", "new\n"), ("c.md", "changed\n")]),
            &WriteOptions::default(),
        )
        .unwrap();
        assert_eq!(fs::read_to_string(dir.join("c.md")).unwrap(), "changed\n");
    }

    #[test]
    fn a_private_file_is_owner_only_and_its_diff_never_shown() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let private = |text: &str| {
            let mut s = FileSet::default();
            s.add_private("key.pem", text.as_bytes().to_vec());
            s
        };
        write(dir, &private("SECRET-ONE\n"), &WriteOptions::default()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("key.pem")), 0o600);
        let shown = |p: &Plan| serde_json::to_string(p).unwrap();
        let p = plan(dir, &private("SECRET-TWO\n")).unwrap();
        assert!(matches!(p.files[0].change, Change::Modified { .. }));
        assert!(!shown(&p).contains("SECRET"), "{}", shown(&p));
        fs::write(dir.join("key.pem"), "SECRET-EDITED\n").unwrap();
        let p = plan(dir, &private("SECRET-TWO\n")).unwrap();
        assert!(matches!(p.files[0].change, Change::Edited { .. }));
        assert!(!shown(&p).contains("SECRET"), "{}", shown(&p));
        write(dir, &private("SECRET-TWO\n"), &force()).unwrap();
        assert_eq!(mode(&dir.join("key.pem")), 0o600, "replaced, still private");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("taken");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            write(&file, &set(&[("a", "b")]), &force()),
            Err(WriteError::NotADirectory(_))
        ));
        assert!(matches!(
            write(&root.path().join("d"), &set(&[("sub/file", "x")]), &force()),
            Err(WriteError::BadName(_))
        ));
        for bad in [".samlbridge-manifest.json", "..", ""] {
            assert!(matches!(
                plan(root.path(), &set(&[(bad, "x")])),
                Err(WriteError::BadName(_))
            ));
        }
    }

    #[test]
    fn a_killed_write_is_recovered_by_the_next_run() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        write(dir, &set(&[("a", "1\n"), ("b", "1\n")]), &force()).unwrap();
        // What a run killed after its journal and first temporary file leaves behind.
        let mut m = Manifest::read(dir).unwrap().unwrap();
        let tmp = format!("{TMP_PREFIX}1-0-a");
        m.files.get_mut("a").unwrap().push(sha256_hex(b"2\n"));
        m.pending.push(tmp.clone());
        m.save(dir).unwrap();
        fs::write(dir.join(&tmp), "2\n").unwrap();
        fs::write(dir.join("a"), "2\n").unwrap();

        let next = set(&[("a", "3\n"), ("b", "3\n")]);
        let p = write(dir, &next, &WriteOptions::default()).unwrap();
        assert!(p.edited().is_empty(), "either version of a is samlbridge's");
        assert_eq!(listing(dir), [MANIFEST, "a", "b"]);
        let m = Manifest::read(dir).unwrap().unwrap();
        assert!(m.pending.is_empty());
        assert_eq!(m.files["a"], [sha256_hex(b"3\n")]);
    }

    #[test]
    fn a_foreign_manifest_stops_the_write() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join(MANIFEST), "{\"files\": 1}").unwrap();
        assert!(matches!(
            write(root.path(), &set(&[("a", "1")]), &force()),
            Err(WriteError::BadManifest { .. })
        ));
        assert_eq!(listing(root.path()), [MANIFEST]);
    }
}

//! A set of files to write into an output directory: the plan (what is new or changes, with a
//! short diff per file) and an atomic write that never leaves a half-written directory.

use serde::Serialize;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// One file of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub contents: Vec<u8>,
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
    New,
    Unchanged,
    /// A unified diff, cut to a readable length.
    Modified {
        diff: String,
    },
    /// In the directory now, not in the new set: removed when the directory is replaced.
    Removed,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedFile {
    pub name: String,
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
    /// True when writing would change anything in an existing directory.
    pub fn changes_existing(&self) -> bool {
        self.exists && self.files.iter().any(|f| f.change != Change::Unchanged)
    }
}

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{0} exists and is not a directory")]
    NotADirectory(String),
    #[error("{dir} already holds a different configuration; review the changes above and use --force to replace it")]
    WouldOverwrite { dir: String },
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

const DIFF_LINES: usize = 40;

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

/// Compares the set with what `dir` holds.
pub fn plan(dir: &Path, set: &FileSet) -> Result<Plan, WriteError> {
    let exists = dir.exists();
    if exists && !dir.is_dir() {
        return Err(WriteError::NotADirectory(dir.display().to_string()));
    }
    let mut files = Vec::new();
    for f in &set.files {
        let path = dir.join(&f.name);
        let change = match fs::read(&path) {
            Ok(old) if old == f.contents => Change::Unchanged,
            Ok(old) => Change::Modified {
                diff: diff(&old, &f.contents, &f.name),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Change::New,
            Err(e) => return Err(io_err(&path)(e)),
        };
        files.push(PlannedFile {
            name: f.name.clone(),
            bytes: f.contents.len(),
            change,
        });
    }
    if exists {
        let mut extra: Vec<String> = fs::read_dir(dir)
            .map_err(io_err(dir))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| set.files.iter().all(|f| &f.name != n))
            .collect();
        extra.sort();
        for name in extra {
            files.push(PlannedFile {
                name,
                bytes: 0,
                change: Change::Removed,
            });
        }
    }
    Ok(Plan {
        directory: dir.display().to_string(),
        exists,
        files,
    })
}

/// Writes the set as the directory `dir`: every file goes into a fresh sibling directory,
/// which then takes `dir`'s place, so `dir` is at every moment either the old complete set or
/// the new one. An existing `dir` with different contents is replaced only with `force`.
pub fn write(dir: &Path, set: &FileSet, force: bool) -> Result<Plan, WriteError> {
    let plan = plan(dir, set)?;
    if plan.changes_existing() && !force {
        return Err(WriteError::WouldOverwrite {
            dir: dir.display().to_string(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let stage = tempfile::Builder::new()
        .prefix(".samlbridge-out-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    for f in &set.files {
        let path = stage.path().join(&f.name);
        fs::write(&path, &f.contents).map_err(io_err(&path))?;
    }
    let staged = stage.keep();
    if plan.exists {
        let old = tempfile::Builder::new()
            .prefix(".samlbridge-old-")
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?
            .keep();
        // `old` is an empty directory: rename replaces it with the current `dir`.
        fs::rename(dir, &old).map_err(io_err(dir))?;
        if let Err(e) = fs::rename(&staged, dir) {
            let _ = fs::rename(&old, dir);
            let _ = fs::remove_dir_all(&staged);
            return Err(io_err(dir)(e));
        }
        fs::remove_dir_all(&old).map_err(io_err(&old))?;
    } else if let Err(e) = fs::rename(&staged, dir) {
        let _ = fs::remove_dir_all(&staged);
        return Err(io_err(dir)(e));
    }
    Ok(plan)
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

    #[test]
    fn writes_plans_and_replaces_only_with_force() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let first = set(&[("a.json", "{}\n"), ("STEPS.md", "one\ntwo\n")]);
        let written = write(&dir, &first, false).unwrap();
        assert!(!written.exists);
        assert!(written.files.iter().all(|f| f.change == Change::New));

        assert_eq!(
            fs::read_to_string(dir.join("STEPS.md")).unwrap(),
            "one\ntwo\n"
        );

        // Same contents: nothing to confirm.
        let again = write(&dir, &first, false).unwrap();
        assert!(again.files.iter().all(|f| f.change == Change::Unchanged));

        let second = set(&[("STEPS.md", "one\nthree\n"), ("b.tf", "x\n")]);
        let p = plan(&dir, &second).unwrap();
        assert!(p.changes_existing());
        match &p.files[0].change {
            Change::Modified { diff } => {
                assert!(diff.contains("-two") && diff.contains("+three"), "{diff}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.files[1].change, Change::New);
        assert_eq!(p.files[2].name, "a.json");
        assert_eq!(p.files[2].change, Change::Removed);

        assert!(matches!(
            write(&dir, &second, false),
            Err(WriteError::WouldOverwrite { .. })
        ));
        assert_eq!(
            fs::read_to_string(dir.join("STEPS.md")).unwrap(),
            "one\ntwo\n",
            "untouched"
        );

        write(&dir, &second, true).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("STEPS.md")).unwrap(),
            "one\nthree\n"
        );
        assert!(!dir.join("a.json").exists());
        let leftovers: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers,
            vec![std::ffi::OsString::from("out")],
            "no staging directories left"
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("taken");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            write(&file, &set(&[("a", "b")]), true),
            Err(WriteError::NotADirectory(_))
        ));
        let bad = set(&[("sub/dir/file", "x")]);
        let dir = root.path().join("out");
        assert!(write(&dir, &bad, false).is_err());
        assert!(!dir.exists());
        let names: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("taken")]);
    }
}

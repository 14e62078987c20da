//! Where an input comes from: a file, standard input or an https:// URL.

use crate::entra::{FetchError, Fetcher};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;
use url::Url;

/// An input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    Url(Url),
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{name}: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: larger than the {limit}-byte limit")]
    TooLarge { name: String, limit: usize },
    #[error("{0}: only https:// URLs are fetched")]
    NotHttps(String),
    #[error("{0}: not a valid URL")]
    BadUrl(String),
    #[error("{name}: {source}")]
    Fetch {
        name: String,
        #[source]
        source: FetchError,
    },
}

impl Source {
    /// Reads a command-line argument: `-` is stdin, `https://…` a URL, anything else a path.
    pub fn parse(arg: &str) -> Result<Source, SourceError> {
        if arg == "-" {
            return Ok(Source::Stdin);
        }
        let lower = arg.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Url::parse(arg)
                .map(Source::Url)
                .map_err(|_| SourceError::BadUrl(arg.to_owned()));
        }
        if lower.starts_with("http://") {
            return Err(SourceError::NotHttps(arg.to_owned()));
        }
        Ok(Source::File(PathBuf::from(arg)))
    }

    pub fn url(&self) -> Option<&Url> {
        match self {
            Source::Url(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Stdin => f.write_str("<stdin>"),
            Source::Url(u) => write!(f, "{u}"),
        }
    }
}

/// Expands command-line inputs: directories become the files in them (recursively, sorted,
/// hidden files skipped).
pub fn expand(args: &[String]) -> Result<Vec<Source>, SourceError> {
    let mut out = Vec::new();
    for arg in args {
        let source = Source::parse(arg)?;
        match &source {
            Source::File(path) if path.is_dir() => walk(path, &mut out)?,
            _ => out.push(source),
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Source>) -> Result<(), SourceError> {
    let io = |source| SourceError::Io {
        name: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(Source::File(path));
        }
    }
    Ok(())
}

/// Reads a source, at most `limit` bytes. `fetcher` is needed for URLs; `stdin` for `-`.
pub fn read(
    source: &Source,
    limit: usize,
    fetcher: Option<&Fetcher>,
    stdin: &mut dyn Read,
) -> Result<Vec<u8>, SourceError> {
    let name = source.to_string();
    match source {
        Source::File(path) => read_file(path, limit),
        Source::Stdin => read_limited(stdin, limit, &name),
        Source::Url(url) => {
            let fetcher = fetcher.ok_or_else(|| SourceError::NotHttps(name.clone()))?;
            let fetched = fetcher.get(url).map_err(|source| SourceError::Fetch {
                name: name.clone(),
                source,
            })?;
            if fetched.bytes.len() > limit {
                return Err(SourceError::TooLarge { name, limit });
            }
            Ok(fetched.bytes)
        }
    }
}

/// Reads a file, refusing more than `limit` bytes without reading them all.
pub fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, SourceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| SourceError::Io {
        name: name.clone(),
        source,
    })?;
    read_limited(&mut std::io::BufReader::new(file), limit, &name)
}

fn read_limited(reader: &mut dyn Read, limit: usize, name: &str) -> Result<Vec<u8>, SourceError> {
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| SourceError::Io {
            name: name.to_owned(),
            source,
        })?;
    if bytes.len() > limit {
        return Err(SourceError::TooLarge {
            name: name.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, renamed into
/// place, so a reader never sees a partial file and a failure leaves nothing behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".samlbridge-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        assert_eq!(Source::parse("-").unwrap(), Source::Stdin);
        assert_eq!(
            Source::parse("md.xml").unwrap(),
            Source::File("md.xml".into())
        );
        assert!(matches!(
            Source::parse("https://x.example/m.xml").unwrap(),
            Source::Url(_)
        ));
        assert!(matches!(
            Source::parse("http://x.example/m.xml"),
            Err(SourceError::NotHttps(_))
        ));
        assert!(matches!(
            Source::parse("https://"),
            Err(SourceError::BadUrl(_))
        ));
    }

    #[test]
    fn limits_and_atomic_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; 100]).unwrap();
        assert!(matches!(
            read_file(&path, 99),
            Err(SourceError::TooLarge { limit: 99, .. })
        ));
        assert_eq!(read_file(&path, 100).unwrap().len(), 100);
        let missing = read_file(&dir.path().join("nope"), 10)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope"), "{missing}");

        let out = dir.path().join("out.xml");
        write_atomic(&out, b"one").unwrap();
        write_atomic(&out, b"two").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 2, "only 'big' and 'out.xml' remain");
    }
}

//! Where an input comes from: a file, standard input or an https:// URL.

use crate::http::{FetchError, Fetcher};
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

/// An input that could not be read.
#[derive(Debug, Error)]
pub enum SourceError {
    /// Not the error's source: its reason is given in words of its own.
    Io {
        name: String,
        error: std::io::Error,
    },
    TooLarge {
        name: String,
        limit: usize,
    },
    NotHttps(String),
    BadUrl(String),
    DirectoryLoop(String),
    Fetch {
        name: String,
        #[source]
        source: FetchError,
    },
}

impl SourceError {
    /// The input the error is about.
    pub fn name(&self) -> &str {
        match self {
            SourceError::Io { name, .. }
            | SourceError::TooLarge { name, .. }
            | SourceError::Fetch { name, .. } => name,
            SourceError::NotHttps(name)
            | SourceError::BadUrl(name)
            | SourceError::DirectoryLoop(name) => name,
        }
    }

    /// What went wrong, without the input's name (for reports that show it already).
    pub fn reason(&self) -> String {
        match self {
            SourceError::Io { error, .. } => match error.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                std::io::ErrorKind::IsADirectory => "is a directory, not a file".to_owned(),
                _ => error.to_string(),
            },
            SourceError::Fetch { source, .. } => source.to_string(),
            SourceError::TooLarge { limit, .. } => format!("larger than the {limit}-byte limit"),
            SourceError::NotHttps(_) => "only https:// URLs are fetched".to_owned(),
            SourceError::BadUrl(_) => "not a valid URL".to_owned(),
            SourceError::DirectoryLoop(_) => {
                "a symbolic link leads back to a directory being read; not read again".to_owned()
            }
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.reason())
    }
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

/// Command-line inputs in order, with directories expanded as they are reached (recursively,
/// sorted, hidden files skipped): only the listings of the directories being read are held, so
/// memory does not grow with the number of inputs.
pub struct Listing {
    args: std::vec::IntoIter<Source>,
    /// The directories being read, outermost first: each one's canonical path and the
    /// entries still to visit.
    open: Vec<(PathBuf, std::vec::IntoIter<PathBuf>)>,
}

/// Parses every argument first, so a malformed one stops the run before anything is read.
pub fn list(args: &[String]) -> Result<Listing, SourceError> {
    let args = args
        .iter()
        .map(|a| Source::parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Listing {
        args: args.into_iter(),
        open: Vec::new(),
    })
}

impl Listing {
    fn enter(&mut self, dir: &Path) -> Result<(), SourceError> {
        let io = |error| SourceError::Io {
            name: dir.display().to_string(),
            error,
        };
        let canonical = dir.canonicalize().map_err(io)?;
        if self.open.iter().any(|(open, _)| *open == canonical) {
            return Err(SourceError::DirectoryLoop(dir.display().to_string()));
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .filter(|p| {
                !p.as_ref().is_ok_and(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
            })
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        self.open.push((canonical, entries.into_iter()));
        Ok(())
    }
}

/// One input of a listing, with its size on disk when it is a file (0 otherwise, or when the
/// file cannot be looked at: reading it will say why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub source: Source,
    pub len: u64,
}

impl Iterator for Listing {
    /// A file or URL to read, or a directory that could not be read.
    type Item = Result<Listed, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let path = match self.open.last_mut() {
                Some((_, entries)) => match entries.next() {
                    Some(path) => path,
                    None => {
                        self.open.pop();
                        continue;
                    }
                },
                None => match self.args.next()? {
                    Source::File(path) => path,
                    other => {
                        return Some(Ok(Listed {
                            source: other,
                            len: 0,
                        }))
                    }
                },
            };
            // One look at the path tells both whether to descend and how big the file is.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => {
                    if let Err(e) = self.enter(&path) {
                        return Some(Err(e));
                    }
                }
                found => {
                    return Some(Ok(Listed {
                        source: Source::File(path),
                        len: found.map_or(0, |m| m.len()),
                    }))
                }
            }
        }
    }
}

/// Reads a source, at most `limit` bytes. `fetcher` is needed for URLs; `stdin` for `-`.
pub fn read(
    source: &Source,
    limit: usize,
    fetcher: Option<&Fetcher>,
    stdin: &mut dyn Read,
) -> Result<Vec<u8>, SourceError> {
    read_document(source, limit, fetcher, stdin).map(|d| d.bytes)
}

/// A document read from a source, with the name reports give it.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its path, `<stdin>` or its URL.
    pub name: String,
    pub bytes: Vec<u8>,
    /// For a URL: the URL asked for.
    pub requested_url: Option<Url>,
    /// For a URL: the URL that answered, after redirects.
    pub url: Option<Url>,
}

impl Document {
    /// A document that did not come from a URL.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Document {
            name: name.into(),
            bytes,
            requested_url: None,
            url: None,
        }
    }

    /// Reads a file as a document named by its path.
    pub fn from_file(path: &Path, limit: usize) -> Result<Self, SourceError> {
        Ok(Document::new(
            path.display().to_string(),
            read_file(path, limit)?,
        ))
    }

    pub fn input(&self) -> Input<'_> {
        Input {
            name: &self.name,
            bytes: &self.bytes,
            url: self.url.as_ref(),
            requested_url: self.requested_url.as_ref(),
        }
    }
}

/// A borrowed view of a document: what the checks take.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// How to name it in messages (path, URL, `<stdin>`).
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// When it was fetched: the URL that answered, after redirects.
    pub url: Option<&'a Url>,
    /// When it was fetched: the URL asked for.
    pub requested_url: Option<&'a Url>,
}

impl<'a> Input<'a> {
    /// A document that did not come from a URL.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        Input {
            name,
            bytes,
            url: None,
            requested_url: None,
        }
    }
}

/// Reads a source, at most `limit` bytes, as a document named after it. `fetcher` is needed
/// for URLs; `stdin` for `-`.
pub fn read_document(
    source: &Source,
    limit: usize,
    fetcher: Option<&Fetcher>,
    stdin: &mut dyn Read,
) -> Result<Document, SourceError> {
    let name = source.to_string();
    let bytes = match source {
        Source::File(path) => read_file(path, limit)?,
        Source::Stdin => read_limited(stdin, limit, &name, 0)?,
        Source::Url(url) => {
            let fetcher = fetcher.ok_or_else(|| SourceError::NotHttps(name.clone()))?;
            let fetched = fetcher.get(url).map_err(|source| SourceError::Fetch {
                name: name.clone(),
                source,
            })?;
            if fetched.bytes.len() > limit {
                return Err(SourceError::TooLarge { name, limit });
            }
            return Ok(Document {
                name,
                bytes: fetched.bytes,
                requested_url: Some(url.clone()),
                url: Some(fetched.url),
            });
        }
    };
    Ok(Document::new(name, bytes))
}

/// Reads a file, refusing more than `limit` bytes without reading them all.
pub fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, SourceError> {
    read_file_sized(path, limit, None)
}

/// Reads a listed input: a file with the size its listing saw (a hint for the buffer; the
/// limit holds whatever the file has become since) or any other source.
pub fn read_listed(
    input: &Listed,
    limit: usize,
    fetcher: Option<&Fetcher>,
    stdin: &mut dyn Read,
) -> Result<Vec<u8>, SourceError> {
    match &input.source {
        Source::File(path) => read_file_sized(path, limit, Some(input.len)),
        other => read(other, limit, fetcher, stdin),
    }
}

fn read_file_sized(path: &Path, limit: usize, size: Option<u64>) -> Result<Vec<u8>, SourceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|error| SourceError::Io {
        name: name.clone(),
        error,
    })?;
    // Sized from the start: growing by doubling would briefly hold a large file twice.
    let size = size.unwrap_or_else(|| file.metadata().map_or(0, |m| m.len()));
    let capacity = usize::try_from(size.min((limit as u64).saturating_add(1))).unwrap_or(0);
    read_limited(file, limit, &name, capacity)
}

fn read_limited(
    reader: impl Read,
    limit: usize,
    name: &str,
    capacity: usize,
) -> Result<Vec<u8>, SourceError> {
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take((limit as u64).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| SourceError::Io {
            name: name.to_owned(),
            error,
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
    temporary(path, bytes)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomic`], except that a file already at `path` (even one that appeared while the
/// bytes were written) is left as it is: the error's kind is then `AlreadyExists`.
pub fn write_atomic_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    temporary(path, bytes)?
        .persist_noclobber(path)
        .map_err(|e| e.error)?;
    Ok(())
}

/// `bytes` in a synced temporary file beside `path`.
fn temporary(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
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
    Ok(tmp)
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
    fn directories_expand_in_order_as_they_are_reached() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/inner")).unwrap();
        for f in ["c.xml", "a.xml", ".hidden.xml", "b/z.xml", "b/inner/y.xml"] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let arg = |p: &str| root.join(p).to_str().unwrap().to_owned();
        let got: Vec<Source> = list(&[arg("c.xml"), arg(""), "-".into()])
            .unwrap()
            .map(|i| i.map(|i| i.source))
            .collect::<Result<_, _>>()
            .unwrap();
        let file = |p: &str| Source::File(root.join(p));
        assert_eq!(
            got,
            [
                file("c.xml"),
                file("a.xml"),
                file("b/inner/y.xml"),
                file("b/z.xml"),
                file("c.xml"),
                Source::Stdin,
            ]
        );

        assert!(
            matches!(
                list(&["http://x.example/r".into()]),
                Err(SourceError::NotHttps(_))
            ),
            "a bad argument stops the run before anything is read"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_loop_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.xml"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let got: Vec<_> = list(&[dir.path().to_str().unwrap().to_owned()])
            .unwrap()
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0].as_ref().unwrap(),
            &Listed {
                source: Source::File(dir.path().join("a.xml")),
                len: 1
            }
        );
        assert!(
            matches!(&got[1], Err(SourceError::DirectoryLoop(_))),
            "{got:?}"
        );
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

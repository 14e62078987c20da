use openssl::hash::{hash, MessageDigest};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A certificate thumbprint (SHA-1 or SHA-256 of the DER), shown as upper-case hex without
/// separators, as the Entra portal shows it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Thumbprint(Vec<u8>);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ThumbprintError {
    #[error("'{0}' is not a hex thumbprint")]
    NotHex(String),
    #[error("'{0}' is {1} bytes long; a SHA-1 thumbprint has 20 and a SHA-256 thumbprint 32")]
    Length(String, usize),
}

impl Thumbprint {
    pub(crate) fn of(der: &[u8], digest: MessageDigest) -> Self {
        // Hashing a byte slice in memory cannot fail short of OpenSSL itself being broken.
        let digest = hash(digest, der).expect("OpenSSL digest of an in-memory buffer");
        Thumbprint(digest.to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A SHA-1 or SHA-256 digest given as bytes; `None` for any other length.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        matches!(bytes.len(), 20 | 32).then_some(Thumbprint(bytes))
    }

    /// `AB:CD:…`, as `openssl x509 -fingerprint` prints it.
    pub fn colon_separated(&self) -> String {
        self.0
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thumbprint({self})")
    }
}

/// Accepts hex in either case, with or without `:` or space separators.
impl FromStr for Thumbprint {
    type Err = ThumbprintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex: String = s
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        if hex.is_empty()
            || !hex.len().is_multiple_of(2)
            || !hex.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(ThumbprintError::NotHex(s.to_owned()));
        }
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<Result<_, _>>()
            .map_err(|_| ThumbprintError::NotHex(s.to_owned()))?;
        if bytes.len() != 20 && bytes.len() != 32 {
            return Err(ThumbprintError::Length(s.to_owned(), bytes.len()));
        }
        Ok(Thumbprint(bytes))
    }
}

impl Serialize for Thumbprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

//! XML Signature: reading a `ds:Signature` (its algorithms, references and transforms),
//! exclusive canonicalization, verification with OpenSSL over the tree the strict parser built,
//! and libxmlsec1 as a second opinion.

pub mod c14n;
mod inspect;
pub mod verify;
pub mod xmlsec;

pub use inspect::*;

//! XML Signature: reading a `ds:Signature` (its algorithms, references and transforms),
//! exclusive canonicalization, verification with OpenSSL over the tree the strict parser built,
//! and libxmlsec1 as a second opinion.

pub mod c14n;
mod inspect;
mod policy;
pub mod verify;
pub mod xmlsec;

pub use inspect::*;
pub use policy::{is_native_chain, Transform, TransformPolicy};

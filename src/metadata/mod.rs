//! IdP and SP metadata: the model, parsing, signature verification and checks.

mod checks;
mod model;
mod parse;
pub mod signature;

pub use checks::{check_idp, check_sp, current_certificate, CheckOptions};
pub use model::*;
pub use parse::{classify, idp, parse_document, sp, MetadataError};

#[cfg(test)]
mod tests;

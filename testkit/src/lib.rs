//! Test support for samlbridge: a small PKI, a test identity provider that signs Entra-shaped
//! metadata and SAML responses with libxmlsec1 (through samael), encrypts assertions (`xenc`), and a local HTTPS server, and a Microsoft Graph stand-in on it.
//!
//! Nothing here is used by the samlbridge binary; it backs the tests and the fixture generator
//! (`cargo run -p samlbridge-testkit --bin gen-fixtures`).

pub mod captures;
pub mod fixtures;
pub mod graph;
pub mod https;
pub mod idp;
pub mod pki;
pub mod preflight;
pub mod xenc;

//! samlbridge: wire Microsoft Entra ID SAML sign-in into AWS IAM Identity Center and IAM.
//! `ARCHITECTURE.md` maps the modules; they are listed here from the leaves up.

pub mod aws;
pub mod cert;
pub mod diag;
pub mod entra;
pub mod http;
pub mod looks;
pub mod shape;
pub mod xml;

pub mod capture;
pub mod dsig;
pub mod graph;
pub mod identity_center;
pub mod input;
pub mod xenc;

pub mod claims;
pub mod metadata;
pub mod response;

pub mod write;

pub mod commands;

pub mod render;

//! The files samlbridge writes: the configuration sets for IAM Identity Center and IAM, what
//! Entra needs as Microsoft Graph requests, the rollover runbook, the metadata to upload, and
//! the directory they go into. Every file comes from a serializer for its format; values copied
//! from inputs are checked against their shapes.

pub mod entra;
pub mod hcl;
pub mod iam;
pub mod identity_center;
pub mod markdown;
pub mod outdir;
pub mod rollover;
pub mod upload;

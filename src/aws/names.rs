//! AWS IAM names as the IAM API documents them: account IDs, SAML provider and role names,
//! partitions. Parsed once, so everything past the parser holds a valid name.

use super::rules as aws;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// An AWS account ID: twelve digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId(String);

/// An IAM name (SAML provider `[\w._-]{1,128}`, role `[\w+=,.@-]{1,64}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderName(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NameError {
    #[error("'{0}' is not an AWS account ID (twelve digits)")]
    Account(String),
    #[error("'{0}' is not a SAML provider name: 1 to 128 characters of letters, digits and ._-")]
    Provider(String),
    #[error("'{0}' is not a role name: 1 to 64 characters of letters, digits and +=,.@_-")]
    Role(String),
    #[error("'{0}' is not a partition: aws, aws-cn or aws-us-gov")]
    Partition(String),
}

impl FromStr for AccountId {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        (s.len() == 12 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| AccountId(s.to_owned()))
            .ok_or_else(|| NameError::Account(s.to_owned()))
    }
}

impl FromStr for ProviderName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        ((1..=128).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        .then(|| ProviderName(s.to_owned()))
        .ok_or_else(|| NameError::Provider(s.to_owned()))
    }
}

impl FromStr for RoleName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        ((1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)))
        .then(|| RoleName(s.to_owned()))
        .ok_or_else(|| NameError::Role(s.to_owned()))
    }
}

macro_rules! as_str {
    ($($name:ident),*) => {$(
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    )*};
}

as_str!(AccountId, ProviderName, RoleName);

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The AWS partition, which decides ARNs and the sign-in endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    UsGov,
}

impl FromStr for Partition {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        match s {
            "aws" => Ok(Partition::Aws),
            "aws-cn" => Ok(Partition::China),
            "aws-us-gov" => Ok(Partition::UsGov),
            _ => Err(NameError::Partition(s.to_owned())),
        }
    }
}

impl Partition {
    pub fn arn_prefix(self) -> &'static str {
        match self {
            Partition::Aws => "arn:aws",
            Partition::China => "arn:aws-cn",
            Partition::UsGov => "arn:aws-us-gov",
        }
    }

    /// The audience STS expects (and the global ACS).
    pub fn signin_endpoint(self) -> &'static str {
        match self {
            Partition::Aws => aws::IAM_AUDIENCES[0],
            Partition::China => "https://signin.amazonaws.cn/saml",
            Partition::UsGov => "https://signin.amazonaws-us-gov.com/saml",
        }
    }
}

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

/// The AWS Regions open in the `aws`, `aws-cn` and `aws-us-gov` partitions when this release
/// was made.
const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

impl Partition {
    pub fn arn_prefix(self) -> &'static str {
        match self {
            Partition::Aws => "arn:aws",
            Partition::China => "arn:aws-cn",
            Partition::UsGov => "arn:aws-us-gov",
        }
    }

    /// How `--partition` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::UsGov => "aws-us-gov",
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

    /// Whether `region` is one of the AWS Regions samlbridge knows (those open when this
    /// release was made); a Region opened later is reported, and `--allow` lets it through.
    pub fn is_known_region(region: &str) -> bool {
        KNOWN_REGIONS.contains(&region)
    }

    /// The partition a region belongs to, by its name: `cn-…` in China, `us-gov-…` in the US
    /// GovCloud partition, every other in `aws`.
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::UsGov
        } else {
            Partition::Aws
        }
    }

    /// The sign-in endpoint of `region` (`https://<region>.signin.aws.amazon.com/saml`); in
    /// `aws`, us-east-1's is the global one. The region is the caller's to check (its shape,
    /// and that it is in this partition).
    pub fn regional_signin_endpoint(self, region: &str) -> String {
        let global = self.signin_endpoint();
        if self == Partition::Aws && region == "us-east-1" {
            return global.to_owned();
        }
        let host_and_path = global.trim_start_matches("https://");
        format!("https://{region}.{host_and_path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_endpoints_per_region() {
        assert_eq!(
            Partition::Aws.regional_signin_endpoint("eu-west-1"),
            "https://eu-west-1.signin.aws.amazon.com/saml"
        );
        assert_eq!(
            Partition::Aws.regional_signin_endpoint("us-east-1"),
            "https://signin.aws.amazon.com/saml"
        );
        assert_eq!(
            Partition::UsGov.regional_signin_endpoint("us-gov-west-1"),
            "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml"
        );
        assert_eq!(
            Partition::China.regional_signin_endpoint("cn-north-1"),
            "https://cn-north-1.signin.amazonaws.cn/saml"
        );
        for p in [Partition::Aws, Partition::China, Partition::UsGov] {
            assert!(aws::is_iam_signin_endpoint(p.signin_endpoint()));
            assert_eq!(p.as_str().parse(), Ok(p));
        }
        assert_eq!(Partition::of_region("cn-northwest-1"), Partition::China);
        assert_eq!(Partition::of_region("us-gov-east-1"), Partition::UsGov);
        assert_eq!(Partition::of_region("us-east-2"), Partition::Aws);
    }
}

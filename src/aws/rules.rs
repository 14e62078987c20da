//! AWS's own value rules, shared by the response validator and the claim-mapping checks.
//! Each rule answers with a [`Problem`] whose text both callers use as their message; they
//! add only what is theirs (a claim's source and location, an attribute's values).

use std::fmt;

/// The namespace every attribute STS and Identity Center read starts with.
pub const SAML_ATTRIBUTES: &str = "https://aws.amazon.com/SAML/Attributes/";
pub const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
pub const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
pub const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
pub const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
pub const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
pub const PRINCIPAL_TAG_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
pub const ACCESS_CONTROL_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/AccessControl:";

/// The attribute names STS knows, exactly as it expects them (names are case-sensitive).
pub const STS_ATTRIBUTES: &[&str] = &[
    ROLE,
    ROLE_SESSION_NAME,
    SESSION_DURATION,
    SOURCE_IDENTITY,
    TRANSITIVE_TAG_KEYS,
];

/// Whether an attribute is read by IAM (STS) only: Identity Center ignores it.
pub fn is_iam_only_attribute(name: &str) -> bool {
    STS_ATTRIBUTES.contains(&name) || name.starts_with(PRINCIPAL_TAG_PREFIX)
}

/// Audiences STS accepts for IAM SAML federation.
pub const IAM_AUDIENCES: &[&str] = &[
    "https://signin.aws.amazon.com/saml",
    "urn:amazon:webservices",
];

pub const ABAC_MAX_ATTRIBUTES: usize = 50;
pub const ABAC_KEY_MAX: usize = 128;
pub const PRINCIPAL_TAG_MAX: usize = 50;
pub const PRINCIPAL_TAG_KEY_MAX: usize = 128;
pub const PRINCIPAL_TAG_VALUE_MAX: usize = 256;
pub const SESSION_DURATION_MIN: u32 = 900;
pub const SESSION_DURATION_MAX: u32 = 43_200;
/// A role's MaxSessionDuration: one hour (IAM's default, and its least) to twelve hours.
pub const ROLE_MAX_SESSION_MIN: u32 = 3_600;
pub const ROLE_MAX_SESSION_MAX: u32 = 43_200;
/// STS's AssumeRoleWithSAML takes a SAMLAssertion (the base64 response) of at most this size.
pub const SAML_ASSERTION_MAX_CHARS: usize = 100_000;

/// An Identity Center access-control key: `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, 1 to 128 characters.
pub fn abac_key_ok(key: &str) -> bool {
    let n = key.chars().count();
    (1..=ABAC_KEY_MAX).contains(&n)
        && key.chars().all(|c| {
            c.is_alphabetic()
                || c.is_numeric()
                || is_unicode_space_separator(c)
                || "_.:/=+-@".contains(c)
        })
}

/// Unicode category Z (separators).
fn is_unicode_space_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// `[\w+=,.@-]{2,64}`, where `\w` is ASCII `[A-Za-z0-9_]` as STS documents it.
pub fn session_name_ok(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// SourceIdentity: 2 to 64 characters of the session-name alphabet, not starting with `aws:`.
pub fn source_identity_ok(value: &str) -> bool {
    session_name_ok(value) && !value.to_ascii_lowercase().starts_with("aws:")
}

/// Parses SessionDuration; `Ok` only for an integer within 900 to 43200 seconds.
pub fn session_duration(value: &str) -> Result<u32, Problem> {
    let n: u32 = value
        .trim()
        .parse()
        .map_err(|_| Problem::DurationNotSeconds(value.to_owned()))?;
    if (SESSION_DURATION_MIN..=SESSION_DURATION_MAX).contains(&n) {
        Ok(n)
    } else {
        Err(Problem::DurationOutOfRange(n))
    }
}

/// The MaxSessionDuration a role needs for console sign-ins that send this SessionDuration:
/// STS refuses a SessionDuration above the role's maximum, and the maximum is at least an hour.
pub fn role_max_session_for(session_duration: u32) -> u32 {
    session_duration.clamp(ROLE_MAX_SESSION_MIN, ROLE_MAX_SESSION_MAX)
}

/// A RoleSessionName value.
pub fn check_session_name(value: &str) -> Result<(), Problem> {
    if session_name_ok(value) {
        Ok(())
    } else {
        Err(Problem::SessionName(value.to_owned()))
    }
}

/// A SourceIdentity value.
pub fn check_source_identity(value: &str) -> Result<(), Problem> {
    if source_identity_ok(value) {
        Ok(())
    } else {
        Err(Problem::SourceIdentity(value.to_owned()))
    }
}

/// A PrincipalTag value (a session tag value).
pub fn check_principal_tag_value(value: &str) -> Result<(), Problem> {
    if value.chars().count() > PRINCIPAL_TAG_VALUE_MAX {
        Err(Problem::PrincipalTagValue)
    } else {
        Ok(())
    }
}

/// The attributes whose Name ends in a key after a fixed prefix, and which AWS limits in number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyed {
    /// Identity Center access-control attributes (`AccessControl:<key>`).
    AccessControl,
    /// IAM session tags (`PrincipalTag:<key>`).
    PrincipalTag,
}

impl Keyed {
    pub fn prefix(self) -> &'static str {
        match self {
            Keyed::AccessControl => ACCESS_CONTROL_PREFIX,
            Keyed::PrincipalTag => PRINCIPAL_TAG_PREFIX,
        }
    }

    /// The key, when `name` is an attribute Name of this kind.
    pub fn key(self, name: &str) -> Option<&str> {
        name.strip_prefix(self.prefix())
    }

    /// The key rule: AccessControl keys by [`abac_key_ok`], PrincipalTag keys by length.
    pub fn check_key(self, key: &str) -> Result<(), Problem> {
        match self {
            Keyed::AccessControl if !abac_key_ok(key) => {
                Err(Problem::AccessControlKey(key.to_owned()))
            }
            Keyed::PrincipalTag
                if key.is_empty() || key.chars().count() > PRINCIPAL_TAG_KEY_MAX =>
            {
                Err(Problem::PrincipalTagKey)
            }
            _ => Ok(()),
        }
    }

    /// How many of these attributes AWS takes in one sign-in.
    pub fn max_count(self) -> usize {
        match self {
            Keyed::AccessControl => ABAC_MAX_ATTRIBUTES,
            Keyed::PrincipalTag => PRINCIPAL_TAG_MAX,
        }
    }

    /// The count rule. `items` names what was counted ("claims", "attributes").
    pub fn check_count(self, count: usize, items: &'static str) -> Result<(), Problem> {
        if count > self.max_count() {
            Err(Problem::TooMany {
                kind: self,
                count,
                items,
            })
        } else {
            Ok(())
        }
    }

    fn label(self) -> &'static str {
        match self {
            Keyed::AccessControl => "AccessControl",
            Keyed::PrincipalTag => "PrincipalTag",
        }
    }
}

/// A value or name that breaks one of AWS's attribute rules. Its text is the message both the
/// claim checks and the response validator report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// More AccessControl or PrincipalTag attributes than AWS takes.
    TooMany {
        kind: Keyed,
        count: usize,
        /// What was counted, in the caller's words ("claims", "attributes").
        items: &'static str,
    },
    AccessControlKey(String),
    PrincipalTagKey,
    PrincipalTagValue,
    SessionName(String),
    SourceIdentity(String),
    DurationNotSeconds(String),
    DurationOutOfRange(u32),
    /// A Role value that is not exactly two comma-separated parts.
    RoleNotTwoArns(String),
    /// Two parts, but not a role ARN and a SAML provider ARN.
    RoleNotPair(String),
    RoleTooLong(String),
    /// The role ARN is in another partition or account than the one being configured.
    RoleElsewhere {
        role_arn: String,
        expected: String,
    },
    /// The provider ARN names another provider (or account, or partition).
    ProviderElsewhere {
        provider_arn: String,
        expected: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TooMany { kind, count, items } => write!(
                f,
                "{count} {} {items}; at most {}",
                kind.label(),
                kind.max_count()
            ),
            Problem::AccessControlKey(key) => write!(
                f,
                "key {key:?} is not 1 to {ABAC_KEY_MAX} characters of letters, digits, spaces and _.:/=+-@"
            ),
            Problem::PrincipalTagKey => write!(
                f,
                "tag key must be 1 to {PRINCIPAL_TAG_KEY_MAX} characters"
            ),
            Problem::PrincipalTagValue => write!(
                f,
                "tag value longer than {PRINCIPAL_TAG_VALUE_MAX} characters"
            ),
            Problem::SessionName(v) => {
                write!(f, "{v:?} does not match [A-Za-z0-9_+=,.@-]{{2,64}}")
            }
            Problem::SourceIdentity(v) => write!(
                f,
                "{v:?} must be 2 to 64 characters of [A-Za-z0-9_+=,.@-] and not start with aws:"
            ),
            Problem::DurationNotSeconds(v) => write!(f, "{v:?} is not a whole number of seconds"),
            Problem::DurationOutOfRange(n) => write!(
                f,
                "{n} seconds is outside {SESSION_DURATION_MIN} to {SESSION_DURATION_MAX}"
            ),
            Problem::RoleNotTwoArns(v) => write!(
                f,
                "{v:?} is not two ARNs separated by one comma (role-arn,provider-arn)"
            ),
            Problem::RoleNotPair(v) => write!(
                f,
                "{v:?} is not a role ARN (arn:aws:iam::<account>:role/<name>) paired with a SAML provider ARN (arn:aws:iam::<account>:saml-provider/<name>)"
            ),
            Problem::RoleTooLong(v) => write!(
                f,
                "{v:?}: role ARN and provider ARN together must stay under 240 characters"
            ),
            Problem::RoleElsewhere { role_arn, expected } => {
                write!(f, "the role {role_arn} is not in {expected}")
            }
            Problem::ProviderElsewhere {
                provider_arn,
                expected,
            } => write!(
                f,
                "the Role value names the SAML provider {provider_arn}, not {expected}"
            ),
        }
    }
}

/// A parsed `Role` attribute value: the role ARN and the SAML provider ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePair {
    pub role_arn: String,
    pub provider_arn: String,
}

/// `arn:<partition>:iam::<12 digits>:<resource-type>/<name…>`.
fn iam_arn(arn: &str, resource_type: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(name) = resource
        .strip_prefix(resource_type)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return false;
    };
    *prefix == "arn"
        && matches!(
            *partition,
            "aws"
                | "aws-cn"
                | "aws-us-gov"
                | "aws-iso"
                | "aws-iso-b"
                | "aws-iso-e"
                | "aws-iso-f"
                | "aws-eusc"
        )
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

pub fn is_role_arn(arn: &str) -> bool {
    iam_arn(arn, "role")
}

pub fn is_saml_provider_arn(arn: &str) -> bool {
    iam_arn(arn, "saml-provider")
}

/// Reads `role-arn,provider-arn` (STS accepts either order).
pub fn role_pair(value: &str) -> Result<RolePair, Problem> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let [a, b] = parts.as_slice() else {
        return Err(Problem::RoleNotTwoArns(value.to_owned()));
    };
    let pair = if is_role_arn(a) && is_saml_provider_arn(b) {
        RolePair {
            role_arn: (*a).into(),
            provider_arn: (*b).into(),
        }
    } else if is_role_arn(b) && is_saml_provider_arn(a) {
        RolePair {
            role_arn: (*b).into(),
            provider_arn: (*a).into(),
        }
    } else {
        return Err(Problem::RoleNotPair(value.to_owned()));
    };
    if pair.role_arn.len() + pair.provider_arn.len() >= 240 {
        return Err(Problem::RoleTooLong(value.to_owned()));
    }
    Ok(pair)
}

/// The account in an IAM ARN.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// The partition of an ARN (`aws`, `aws-cn`, …).
pub fn arn_partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1)
}

/// Where the roles and the SAML provider a Role value names must be: what is known of the
/// provider being configured (`aws iam`) or checked (`validate --target iam`). STS assumes a
/// role only through a provider of the role's own account, and only through the provider the
/// value names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleOwner {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: Option<String>,
    pub account: Option<String>,
    pub provider_name: Option<String>,
}

impl RoleOwner {
    pub fn is_empty(&self) -> bool {
        self.partition.is_none() && self.account.is_none() && self.provider_name.is_none()
    }

    /// `in account 123456789012 (partition aws)`, as far as it is known.
    fn place(&self) -> String {
        match (&self.account, &self.partition) {
            (Some(a), Some(p)) => format!("account {a} (partition {p})"),
            (Some(a), None) => format!("account {a}"),
            (None, Some(p)) => format!("partition {p}"),
            (None, None) => String::new(),
        }
    }

    /// The provider being configured: its ARN when all of it is known, else what is.
    fn provider(&self) -> String {
        if let (Some(p), Some(a), Some(n)) = (&self.partition, &self.account, &self.provider_name) {
            return format!("arn:{p}:iam::{a}:saml-provider/{n}");
        }
        let place = self.place();
        match &self.provider_name {
            Some(n) if place.is_empty() => format!("the provider {n}"),
            Some(n) => format!("the provider {n} in {place}"),
            None => format!("a provider in {place}"),
        }
    }

    /// What in a Role value names another account, partition or provider.
    pub fn check(&self, pair: &RolePair) -> Vec<Problem> {
        let mut out = Vec::new();
        let differs = |wanted: &Option<String>, found: Option<&str>| {
            wanted.as_deref().is_some_and(|w| Some(w) != found)
        };
        if differs(&self.partition, arn_partition(&pair.role_arn))
            || differs(&self.account, arn_account(&pair.role_arn))
        {
            out.push(Problem::RoleElsewhere {
                role_arn: pair.role_arn.clone(),
                expected: self.place(),
            });
        }
        let name = pair
            .provider_arn
            .split_once(":saml-provider/")
            .map(|(_, n)| n);
        if differs(&self.partition, arn_partition(&pair.provider_arn))
            || differs(&self.account, arn_account(&pair.provider_arn))
            || differs(&self.provider_name, name)
        {
            out.push(Problem::ProviderElsewhere {
                provider_arn: pair.provider_arn.clone(),
                expected: self.provider(),
            });
        }
        out
    }
}

/// The Region an IAM Identity Center entityID or ACS URL names:
/// `https://<region>.signin.aws.amazon.com/platform/saml/…` (or on `signin.aws`,
/// `sso.signin.aws`, `signin.amazonaws.cn`). `None` for any other URL.
pub fn identity_center_region(url: &str) -> Option<&str> {
    const HOSTS: &[&str] = &[
        ".signin.aws.amazon.com",
        ".sso.signin.aws",
        ".signin.aws",
        ".signin.amazonaws.cn",
    ];
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/')?;
    if !path.starts_with("platform/saml/") {
        return None;
    }
    let region = HOSTS.iter().find_map(|h| host.strip_suffix(h))?;
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then_some(region)
}

/// `arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`, the pattern AWS
/// documents for an Identity Center instance ARN.
pub fn is_instance_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition_suffix, rest)) = rest.split_once(":sso:::instance/") else {
        return false;
    };
    let suffix_ok = partition_suffix.split('-').skip(1).count() <= 3
        && (partition_suffix.is_empty()
            || (partition_suffix.starts_with('-')
                && partition_suffix[1..].split('-').all(|p| {
                    (1..=5).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase())
                })));
    let id = rest.strip_prefix("sso").unwrap_or(rest);
    let Some(id) = id.strip_prefix("ins-") else {
        return false;
    };
    suffix_ok
        && id.len() == 16
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The AWS attribute an attribute name was probably meant to be, when AWS would ignore it as
/// written: the right name in another letter case or namespace (and, for IAM, a bare `Role`,
/// `RoleSessionName`, … without the namespace).
pub fn misnamed_attribute(name: &str, iam: bool) -> Option<String> {
    if STS_ATTRIBUTES.contains(&name)
        || name.starts_with(PRINCIPAL_TAG_PREFIX)
        || name.starts_with(ACCESS_CONTROL_PREFIX)
    {
        return None;
    }
    STS_ATTRIBUTES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(|k| (*k).to_owned())
        .or_else(|| {
            [PRINCIPAL_TAG_PREFIX, ACCESS_CONTROL_PREFIX]
                .iter()
                .find(|p| {
                    name.get(..p.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(p))
                })
                .map(|p| format!("{p}{}", &name[p.len()..]))
        })
        .or_else(|| {
            // A short name without (or with a slightly wrong) namespace.
            let short = name.rsplit(['/', '#']).next().unwrap_or(name);
            let wrong_namespace = name.contains("aws.amazon.com");
            if !(iam || wrong_namespace) {
                return None;
            }
            STS_ATTRIBUTES
                .iter()
                .find(|k| {
                    k.rsplit('/')
                        .next()
                        .is_some_and(|s| s.eq_ignore_ascii_case(short))
                })
                .map(|k| (*k).to_owned())
                .or_else(|| {
                    let key = short
                        .strip_prefix("AccessControl:")
                        .or_else(|| short.strip_prefix("accesscontrol:"))?;
                    Some(format!("{ACCESS_CONTROL_PREFIX}{key}"))
                })
        })
}

/// Identity Center's service-provider entityID:
/// `https://<region>.signin.aws.amazon.com/platform/saml/<id>` (`.signin.amazonaws.cn` in China).
pub fn is_identity_center_entity_id(entity_id: &str) -> bool {
    url::Url::parse(entity_id).is_ok_and(|u| {
        u.scheme() == "https"
            && u.host_str().is_some_and(|h| {
                h.ends_with(".signin.aws.amazon.com") || h.ends_with(".signin.amazonaws.cn")
            })
            && u.path().starts_with("/platform/saml/")
    })
}

/// One of Identity Center's ACS URLs: `/platform/saml/acs/…` on `signin.aws`,
/// `signin.aws.amazon.com` or `signin.amazonaws.cn` hosts.
pub fn is_identity_center_acs(location: &str) -> bool {
    url::Url::parse(location).is_ok_and(|u| {
        u.host_str().is_some_and(|h| {
            h.ends_with(".signin.aws")
                || h.ends_with(".signin.aws.amazon.com")
                || h.ends_with(".signin.amazonaws.cn")
        }) && u.path().starts_with("/platform/saml/acs/")
    })
}

/// STS sign-in endpoints that may appear as Recipient for IAM federation: the global one and
/// the regional ones (`https://<region>.signin.aws.amazon.com/saml`), in every partition.
pub fn is_iam_signin_endpoint(url: &str) -> bool {
    const HOSTS: &[&str] = &[
        "signin.aws.amazon.com",
        "signin.amazonaws.cn",
        "signin.amazonaws-us-gov.com",
    ];
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let Some(host) = rest.strip_suffix("/saml") else {
        return false;
    };
    HOSTS.iter().any(|h| {
        host == *h
            || host
                .strip_suffix(h)
                .and_then(|r| r.strip_suffix('.'))
                .is_some_and(|region| {
                    !region.is_empty()
                        && region
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abac_keys() {
        assert!(abac_key_ok("Department"));
        assert!(abac_key_ok("cost-center:EU/2 @x=y+z_1.0"));
        assert!(abac_key_ok("Abteilung Ä"));
        assert!(!abac_key_ok(""));
        assert!(!abac_key_ok("dept;drop"));
        assert!(!abac_key_ok(&"k".repeat(129)));
        assert!(abac_key_ok(&"k".repeat(128)));
    }

    #[test]
    fn session_names_and_source_identity() {
        assert!(session_name_ok("alice@contoso.com"));
        assert!(session_name_ok("a_b+c=d,e.f@g-h"));
        assert!(!session_name_ok("a"));
        assert!(!session_name_ok("alice smith"));
        assert!(!session_name_ok(&"a".repeat(65)));
        assert!(source_identity_ok("alice"));
        assert!(!source_identity_ok("aws:alice"));
        assert!(!source_identity_ok("AWS:alice"));
    }

    #[test]
    fn durations() {
        assert_eq!(session_duration("3600"), Ok(3600));
        assert!(session_duration("899").is_err());
        assert!(session_duration("43201").is_err());
        assert!(session_duration("1h").is_err());
    }

    #[test]
    fn role_pairs() {
        let role = "arn:aws:iam::123456789012:role/Admin";
        let provider = "arn:aws:iam::123456789012:saml-provider/EntraID";
        let pair = role_pair(&format!("{role},{provider}")).unwrap();
        assert_eq!(pair.role_arn, role);
        assert_eq!(pair.provider_arn, provider);
        assert_eq!(role_pair(&format!("{provider},{role}")).unwrap(), pair);
        assert!(role_pair(role).is_err());
        assert!(role_pair(&format!("{role},{provider},extra")).is_err());
        assert!(role_pair(&format!("{role},{role}")).is_err());
        assert!(role_pair("arn:aws:iam::12345:role/x,arn:aws:iam::12345:saml-provider/y").is_err());
        assert!(is_role_arn(
            "arn:aws-cn:iam::123456789012:role/path/to/Role"
        ));
        assert_eq!(arn_account(role), Some("123456789012"));
    }

    #[test]
    fn role_owners() {
        let pair = role_pair(
            "arn:aws:iam::123456789012:role/Admin,arn:aws:iam::123456789012:saml-provider/EntraID",
        )
        .unwrap();
        let owner =
            |partition: Option<&str>, account: Option<&str>, name: Option<&str>| RoleOwner {
                partition: partition.map(str::to_owned),
                account: account.map(str::to_owned),
                provider_name: name.map(str::to_owned),
            };
        assert!(owner(Some("aws"), Some("123456789012"), Some("EntraID"))
            .check(&pair)
            .is_empty());
        assert!(RoleOwner::default().check(&pair).is_empty());
        let messages = |o: RoleOwner| -> Vec<String> {
            o.check(&pair).iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            messages(owner(Some("aws"), Some("999999999999"), Some("EntraID"))),
            [
                "the role arn:aws:iam::123456789012:role/Admin is not in account 999999999999 (partition aws)",
                "the Role value names the SAML provider arn:aws:iam::123456789012:saml-provider/EntraID, not arn:aws:iam::999999999999:saml-provider/EntraID",
            ]
        );
        assert_eq!(
            messages(owner(None, None, Some("Other"))),
            ["the Role value names the SAML provider arn:aws:iam::123456789012:saml-provider/EntraID, not the provider Other"]
        );
        assert_eq!(
            messages(owner(Some("aws-cn"), None, None)).len(),
            2,
            "both ARNs are in another partition"
        );
    }

    #[test]
    fn identity_center_regions() {
        assert_eq!(
            identity_center_region(
                "https://eu-west-1.signin.aws.amazon.com/platform/saml/d-93670a1b2c"
            ),
            Some("eu-west-1")
        );
        assert_eq!(
            identity_center_region("https://eu-west-1.sso.signin.aws/platform/saml/acs/x"),
            Some("eu-west-1")
        );
        assert_eq!(
            identity_center_region("https://cn-north-1.signin.amazonaws.cn/platform/saml/d-1"),
            Some("cn-north-1")
        );
        for bad in [
            "https://signin.aws.amazon.com/platform/saml/d-1",
            "https://eu-west-1.signin.aws.amazon.com/saml",
            "https://evil.example/eu-west-1.signin.aws.amazon.com/platform/saml/d",
            "https://EU.signin.aws.amazon.com/platform/saml/d-1",
            "http://eu-west-1.signin.aws.amazon.com/platform/saml/d-1",
        ] {
            assert_eq!(identity_center_region(bad), None, "{bad}");
        }
    }

    #[test]
    fn role_session_maximum() {
        assert_eq!(role_max_session_for(900), 3600);
        assert_eq!(role_max_session_for(28_800), 28_800);
        assert_eq!(role_max_session_for(50_000), 43_200);
    }

    #[test]
    fn keyed_attributes() {
        let tag = Keyed::PrincipalTag;
        assert_eq!(
            tag.key(&format!("{PRINCIPAL_TAG_PREFIX}Dept")),
            Some("Dept")
        );
        assert_eq!(tag.key(&format!("{ACCESS_CONTROL_PREFIX}Dept")), None);
        assert_eq!(tag.check_key(""), Err(Problem::PrincipalTagKey));
        assert_eq!(tag.check_key("dept;x"), Ok(()));
        assert_eq!(
            Keyed::AccessControl.check_key("dept;x"),
            Err(Problem::AccessControlKey("dept;x".into()))
        );
        assert_eq!(Keyed::AccessControl.check_count(50, "claims"), Ok(()));
        assert!(Keyed::AccessControl.check_count(51, "claims").is_err());
    }

    /// Both the claim checks and the response validator report these texts as they stand.
    #[test]
    fn problem_messages() {
        let cases = [
            (
                Keyed::PrincipalTag.check_count(51, "attributes"),
                "51 PrincipalTag attributes; at most 50",
            ),
            (
                Keyed::AccessControl.check_key(""),
                r#"key "" is not 1 to 128 characters of letters, digits, spaces and _.:/=+-@"#,
            ),
            (
                Keyed::PrincipalTag.check_key(&"k".repeat(129)),
                "tag key must be 1 to 128 characters",
            ),
            (
                check_principal_tag_value(&"v".repeat(257)),
                "tag value longer than 256 characters",
            ),
            (
                check_session_name("a b"),
                r#""a b" does not match [A-Za-z0-9_+=,.@-]{2,64}"#,
            ),
            (
                check_source_identity("aws:x"),
                r#""aws:x" must be 2 to 64 characters of [A-Za-z0-9_+=,.@-] and not start with aws:"#,
            ),
            (
                session_duration("1h").map(drop),
                r#""1h" is not a whole number of seconds"#,
            ),
            (
                session_duration("60").map(drop),
                "60 seconds is outside 900 to 43200",
            ),
            (
                role_pair("x").map(drop),
                r#""x" is not two ARNs separated by one comma (role-arn,provider-arn)"#,
            ),
        ];
        for (result, message) in cases {
            assert_eq!(result.unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn sign_in_endpoints() {
        assert!(is_iam_signin_endpoint("https://signin.aws.amazon.com/saml"));
        assert!(is_iam_signin_endpoint(
            "https://eu-west-1.signin.aws.amazon.com/saml"
        ));
        assert!(is_iam_signin_endpoint("https://signin.amazonaws.cn/saml"));
        assert!(!is_iam_signin_endpoint(
            "https://signin.aws.amazon.com/saml/"
        ));
        assert!(!is_iam_signin_endpoint(
            "https://signin.aws.amazon.com.evil.com/saml"
        ));
        assert!(!is_iam_signin_endpoint(
            "https://evil.com/signin.aws.amazon.com/saml"
        ));
        assert!(!is_iam_signin_endpoint("http://signin.aws.amazon.com/saml"));
    }
}

//! Microsoft Entra ID: clouds, tenant and application identifiers, metadata URLs and the hosts
//! that serve them, and its sign-in errors (`aadsts`).

pub mod aadsts;
mod urls;

pub use aadsts::{AadstsCode, EntraError, KnownError};
pub use urls::{difference, judge_endpoint, judge_issuer, resembled_host, Issuer};

use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;
use url::Url;

/// A national cloud, which decides the login host and the issuer. This is the one place these
/// hosts are written down: parsing, the checks and the fetcher all ask here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Global,
    UsGov,
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 3] = [Cloud::Global, Cloud::UsGov, Cloud::China];

    /// How messages name the cloud.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGov => "US Government",
            Cloud::China => "China (21Vianet)",
        }
    }

    /// The login host: sign-in, sign-out and metadata.
    pub fn login_host(self) -> &'static str {
        self.login_hosts()[0]
    }

    /// Every host Entra publishes this cloud's endpoints on: the login host, then the older
    /// names that Entra's metadata of earlier years carries (and that still answer).
    pub fn login_hosts(self) -> &'static [&'static str] {
        match self {
            Cloud::Global => &[
                "login.microsoftonline.com",
                "login.windows.net",
                "login.microsoft.com",
            ],
            Cloud::UsGov => &["login.microsoftonline.us"],
            Cloud::China => &["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
        }
    }

    /// The host of Entra's SAML issuer, which is the metadata's entityID.
    pub fn issuer_host(self) -> &'static str {
        match self {
            Cloud::Global => "sts.windows.net",
            Cloud::UsGov => "login.microsoftonline.us",
            Cloud::China => "sts.chinacloudapi.cn",
        }
    }

    /// Entra's SAML issuer (the entityID of its metadata) for `tenant`, exactly as Entra writes it.
    pub fn issuer(self, tenant: &str) -> String {
        format!("https://{}/{tenant}/", self.issuer_host())
    }

    /// Microsoft Graph's host in this cloud (the US Government L4 one for `UsGov`).
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Global => "graph.microsoft.com",
            Cloud::UsGov => "graph.microsoft.us",
            Cloud::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The common name of the tenant-wide token-signing certificates in this cloud.
    pub fn tenant_key_common_name(self) -> &'static str {
        match self {
            Cloud::Global => "accounts.accesscontrol.windows.net",
            Cloud::UsGov => "login.microsoftonline.us",
            Cloud::China => "accounts.accesscontrol.chinacloudapi.cn",
        }
    }

    /// The cloud a login host belongs to (older aliases included). Exact, lowercase.
    pub fn from_login_host(host: &str) -> Option<Cloud> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.login_hosts().contains(&host))
    }

    /// The cloud whose issuer or login host `host` is exactly.
    pub fn from_host(host: &str) -> Option<Cloud> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.issuer_host() == host)
            .or_else(|| Cloud::from_login_host(host))
    }
}

/// A tenant: its GUID or one of its verified domain names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

/// An application (client) ID: a GUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppId(String);

/// A directory object ID (a service principal's, say): a GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectId(String);

impl FromStr for ObjectId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if is_guid(t) {
            Ok(ObjectId(t.to_ascii_lowercase()))
        } else {
            Err(IdError::Object(s.to_owned()))
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdError {
    #[error("'{0}' is not a tenant: give the tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com")]
    Tenant(String),
    #[error("'{0}' is the multi-tenant endpoint; app metadata needs your own tenant ID or domain")]
    MultiTenant(String),
    #[error("'{0}' is not an application ID: it is a GUID, shown as 'Application ID' on the enterprise application's overview page")]
    App(String),
    #[error("'{0}' is not an object ID: it is a GUID, shown as 'Object ID' on the enterprise application's overview page")]
    Object(String),
}

/// True for the 8-4-4-4-12 hex GUID form.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

impl FromStr for TenantId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if matches!(
            t.to_ascii_lowercase().as_str(),
            "common" | "organizations" | "consumers"
        ) {
            return Err(IdError::MultiTenant(t.to_owned()));
        }
        if is_guid(t) {
            return Ok(TenantId(t.to_ascii_lowercase()));
        }
        let labels_ok = t.split('.').count() >= 2
            && t.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if labels_ok && t.len() <= 253 {
            Ok(TenantId(t.to_ascii_lowercase()))
        } else {
            Err(IdError::Tenant(s.to_owned()))
        }
    }
}

impl FromStr for AppId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if is_guid(t) {
            Ok(AppId(t.to_ascii_lowercase()))
        } else {
            Err(IdError::App(s.to_owned()))
        }
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The application-specific federation metadata URL: the only one that carries the app's
/// own SAML signing certificate.
pub fn app_metadata_url(cloud: Cloud, tenant: &TenantId, app: &AppId) -> Url {
    let mut url = Url::parse(&format!(
        "https://{}/{}/federationmetadata/2007-06/federationmetadata.xml",
        cloud.login_host(),
        tenant
    ))
    .expect("a login host, a validated tenant and a fixed path form a URL");
    url.query_pairs_mut().append_pair("appid", &app.0);
    url
}

/// True when `url` is an Entra federation-metadata URL without `appid`: tenant-wide metadata.
pub fn is_tenant_wide_url(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    Cloud::from_login_host(&host).is_some()
        && url
            .path()
            .to_ascii_lowercase()
            .contains("federationmetadata")
        && !url
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("appid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_app_metadata_urls_per_cloud() {
        let tenant: TenantId = "72F988BF-86F1-41AF-91AB-2D7CD011DB47".parse().unwrap();
        let app: AppId = "00000000-1111-2222-3333-444444444444".parse().unwrap();
        assert_eq!(
            app_metadata_url(Cloud::Global, &tenant, &app).as_str(),
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/federationmetadata/2007-06/federationmetadata.xml?appid=00000000-1111-2222-3333-444444444444"
        );
        assert!(app_metadata_url(Cloud::UsGov, &tenant, &app)
            .as_str()
            .starts_with("https://login.microsoftonline.us/"));
        let domain: TenantId = "Contoso.onmicrosoft.com".parse().unwrap();
        assert!(app_metadata_url(Cloud::China, &domain, &app)
            .as_str()
            .starts_with("https://login.partner.microsoftonline.cn/contoso.onmicrosoft.com/"));
    }

    #[test]
    fn refuses_bad_identifiers() {
        assert_eq!(
            "common".parse::<TenantId>(),
            Err(IdError::MultiTenant("common".into()))
        );
        assert!(matches!(
            "contoso".parse::<TenantId>(),
            Err(IdError::Tenant(_))
        ));
        assert!(matches!(
            "a/b.com".parse::<TenantId>(),
            Err(IdError::Tenant(_))
        ));
        assert!(matches!(
            "not-a-guid".parse::<AppId>(),
            Err(IdError::App(_))
        ));
    }

    #[test]
    fn recognises_tenant_wide_urls() {
        let wide = Url::parse("https://login.microsoftonline.com/contoso.com/FederationMetadata/2007-06/FederationMetadata.xml").unwrap();
        assert!(is_tenant_wide_url(&wide));
        let app = Url::parse("https://login.microsoftonline.com/contoso.com/federationmetadata/2007-06/federationmetadata.xml?appid=x").unwrap();
        assert!(!is_tenant_wide_url(&app));
        let other = Url::parse("https://idp.example.com/FederationMetadata.xml").unwrap();
        assert!(!is_tenant_wide_url(&other));
    }
}

//! Typed, read-only views of the Graph bodies an export holds: only the properties samlbridge
//! reads, under Graph's own names; every other property is ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A property Graph may send as `null`: read as its type's empty value.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `GET /v1.0/servicePrincipals(appId='{appId}')`: the enterprise application.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `saml` for a SAML application (`null` for some older ones).
    #[serde(default)]
    pub preferred_single_sign_on_mode: Option<String>,
    /// The SHA-1 thumbprint (hex) of the certificate Entra signs SAML responses with.
    #[serde(default)]
    pub preferred_token_signing_key_thumbprint: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub key_credentials: Vec<KeyCredential>,
    /// Who Entra mails before a signing certificate expires.
    #[serde(default, deserialize_with = "nullable")]
    pub notification_email_addresses: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub reply_urls: Vec<String>,
    #[serde(default)]
    pub login_url: Option<String>,
    /// False: every user of the tenant may try to sign in.
    #[serde(default, deserialize_with = "nullable")]
    pub app_role_assignment_required: bool,
    #[serde(default)]
    pub saml_single_sign_on_settings: Option<SamlSingleSignOnSettings>,
}

/// A certificate or key of the service principal.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    /// For a SAML signing certificate: its SHA-1 thumbprint, as Graph writes it.
    #[serde(default)]
    pub custom_key_identifier: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end_date_time: Option<DateTime<Utc>>,
    /// `AsymmetricX509Cert`, `X509CertAndPassword`, `Symmetric`.
    #[serde(default, rename = "type")]
    pub key_type: Option<String>,
    /// `Sign` or `Verify`.
    #[serde(default)]
    pub usage: Option<String>,
    /// The certificate, base64 DER, when Graph gives it.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SamlSingleSignOnSettings {
    #[serde(default)]
    pub relay_state: Option<String>,
}

/// `GET /v1.0/applications(appId='{appId}')`: the application registration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The SAML Identifiers (Entity IDs).
    #[serde(default, deserialize_with = "nullable")]
    pub identifier_uris: Vec<String>,
    #[serde(default)]
    pub web: Option<Web>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Web {
    /// The Reply URLs (Assertion Consumer Service URLs).
    #[serde(default, deserialize_with = "nullable")]
    pub redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub redirect_uri_settings: Vec<RedirectUriSetting>,
    #[serde(default)]
    pub home_page_url: Option<String>,
    #[serde(default)]
    pub logout_url: Option<String>,
}

/// A reply URL's index; the one with the lowest index is the default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUriSetting {
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub index: Option<i64>,
}

/// An entry of `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub principal_id: String,
    /// `User`, `Group` or `ServicePrincipal`.
    pub principal_type: String,
    #[serde(default)]
    pub principal_display_name: Option<String>,
    #[serde(default)]
    pub app_role_id: Option<String>,
}

impl Assignment {
    pub fn is_user(&self) -> bool {
        self.principal_type.eq_ignore_ascii_case("User")
    }

    pub fn is_group(&self) -> bool {
        self.principal_type.eq_ignore_ascii_case("Group")
    }
}

/// A user, with the attributes a claim mapping or provisioning may read.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `Member` or `Guest`.
    #[serde(default)]
    pub user_type: Option<String>,
    #[serde(default)]
    pub employee_id: Option<String>,
    #[serde(default)]
    pub on_premises_sam_account_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub other_mails: Vec<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
}

/// A direct member of a group: a user, a nested group, or another directory object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    /// `#microsoft.graph.user`, `#microsoft.graph.group`, …
    #[serde(rename = "@odata.type")]
    pub odata_type: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

impl Member {
    pub fn is_user(&self) -> bool {
        self.odata_type == "#microsoft.graph.user"
    }

    pub fn is_group(&self) -> bool {
        self.odata_type == "#microsoft.graph.group"
    }
}

/// An entry of `GET /v1.0/servicePrincipals/{id}/synchronization/jobs`: a provisioning job.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncJob {
    pub id: String,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default)]
    pub status: Option<SyncStatus>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// `NotConfigured`, `NotRun`, `Active`, `Paused` or `Quarantine`.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub quarantine: Option<Quarantine>,
    #[serde(default)]
    pub count_successive_complete_failures: Option<i64>,
    /// `lastExecution` as Graph gives it (state, error, timestamps).
    #[serde(default)]
    pub last_execution: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quarantine {
    /// `EncounteredBaseEscrowThreshold`, `TooManyDeletes`, …
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub current_began: Option<String>,
    #[serde(default)]
    pub series_began: Option<String>,
    #[serde(default)]
    pub error: Option<Value>,
}

/// The parts of a synchronizationSchema that say where `userName` comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SyncSchema {
    #[serde(default, deserialize_with = "nullable")]
    pub synchronization_rules: Vec<SyncRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SyncRule {
    #[serde(default, deserialize_with = "nullable")]
    pub object_mappings: Vec<ObjectMapping>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ObjectMapping {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub source_object_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub attribute_mappings: Vec<AttributeMapping>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttributeMapping {
    #[serde(default)]
    pub target_attribute_name: Option<String>,
    #[serde(default)]
    pub source: Option<MappingSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MappingSource {
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// `Attribute`, `Constant` or `Function`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

impl SyncSchema {
    /// The source of `userName` in the enabled mapping of users: the attribute's name for a
    /// plain attribute, the expression text otherwise.
    pub fn user_name_source(&self) -> Option<String> {
        let mappings = self
            .synchronization_rules
            .iter()
            .flat_map(|r| &r.object_mappings)
            .filter(|m| m.enabled != Some(false));
        // The users' mapping first; a schema that names no source object still counts.
        let (users, others): (Vec<_>, Vec<_>) = mappings.partition(|m| {
            m.source_object_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("User"))
        });
        users
            .into_iter()
            .chain(
                others
                    .into_iter()
                    .filter(|m| m.source_object_name.is_none()),
            )
            .flat_map(|m| &m.attribute_mappings)
            .find(|a| a.target_attribute_name.as_deref() == Some("userName"))
            .and_then(|a| a.source.as_ref())
            .and_then(|s| {
                let attribute = s
                    .kind
                    .as_deref()
                    .is_none_or(|k| k.eq_ignore_ascii_case("Attribute"));
                if attribute {
                    s.name.clone().or_else(|| s.expression.clone())
                } else {
                    s.expression.clone().or_else(|| s.name.clone())
                }
            })
    }
}

//! Reading Identity Center live through the AWS SDK for Rust. The SDK is asynchronous; a
//! current-thread runtime made here keeps the library blocking for its callers.

use aws_config::BehaviorVersion;
use aws_sdk_identitystore as identitystore;
use aws_sdk_identitystore::config::ProvideCredentials;
use aws_sdk_identitystore::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ssoadmin as ssoadmin;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use super::{
    choose_instance, AwsError, AwsExport, Email, ExternalId, IcGroup, IcUser, Instance, Membership,
};

/// Group-membership listings in flight at once: one per group, so a tenant with thousands of
/// groups would otherwise open thousands of requests.
const MEMBERSHIP_CONCURRENCY: usize = 8;

/// Reads the instance, its identity store's users, groups and memberships, and the
/// access-control attribute keys, with the standard credential chain and region (and
/// `AWS_ENDPOINT_URL` when set). `identity_store_id` chooses the instance when the account has
/// several. `progress` is told what is being read.
pub fn fetch(
    identity_store_id: Option<&str>,
    progress: &dyn Fn(&str),
) -> Result<AwsExport, AwsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AwsError::Call {
            action: "starting the AWS client",
            detail: e.to_string(),
        })?;
    runtime.block_on(fetch_async(identity_store_id, progress))
}

async fn fetch_async(
    identity_store_id: Option<&str>,
    progress: &dyn Fn(&str),
) -> Result<AwsExport, AwsError> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await;
    let region = config.region().ok_or(AwsError::NoRegion)?.to_string();
    let credentials = config
        .credentials_provider()
        .ok_or_else(|| AwsError::NoCredentials {
            detail: "no credential provider".into(),
        })?;
    credentials
        .provide_credentials()
        .await
        .map_err(|e| AwsError::NoCredentials {
            detail: DisplayErrorContext(&e).to_string(),
        })?;

    progress("Identity Center instances");
    let admin = ssoadmin::Client::new(&config);
    let mut instances = Vec::new();
    let mut pages = admin.list_instances().into_paginator().items().send();
    while let Some(item) = pages.next().await {
        let item = item.map_err(|e| call_error("sso:ListInstances", e))?;
        instances.push(Instance {
            instance_arn: item.instance_arn().unwrap_or_default().to_owned(),
            identity_store_id: item.identity_store_id().unwrap_or_default().to_owned(),
            status: item.status().map(|s| s.as_str().to_owned()),
        });
    }
    let instance = choose_instance(&instances, identity_store_id, &region)?.clone();
    let store = instance.identity_store_id.clone();

    let mut not_read = Vec::new();
    progress("access-control attributes");
    let access_control_attributes = match admin
        .describe_instance_access_control_attribute_configuration()
        .instance_arn(&instance.instance_arn)
        .send()
        .await
    {
        Ok(out) => Some(
            out.instance_access_control_attribute_configuration()
                .map(|c| {
                    c.access_control_attributes()
                        .iter()
                        .map(|a| a.key().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        ),
        // Not enabled on this instance: there are no attributes.
        Err(e) if e.code() == Some("ResourceNotFoundException") => Some(Vec::new()),
        Err(e) => {
            not_read.push(
                call_error("sso:DescribeInstanceAccessControlAttributeConfiguration", e)
                    .to_string(),
            );
            None
        }
    };

    let store_client = identitystore::Client::new(&config);
    let mut users = Vec::new();
    let mut pages = store_client
        .list_users()
        .identity_store_id(&store)
        .into_paginator()
        .items()
        .send();
    while let Some(user) = pages.next().await {
        let user = user.map_err(|e| call_error("identitystore:ListUsers", e))?;
        users.push(ic_user(&user));
        if users.len() % 1000 == 0 {
            progress(&format!("Identity Center users: {}", users.len()));
        }
    }
    progress(&format!("Identity Center users: {}", users.len()));

    progress("Identity Center groups");
    let mut groups = Vec::new();
    let mut pages = store_client
        .list_groups()
        .identity_store_id(&store)
        .into_paginator()
        .items()
        .send();
    while let Some(group) = pages.next().await {
        let group = group.map_err(|e| call_error("identitystore:ListGroups", e))?;
        groups.push(IcGroup {
            group_id: group.group_id().to_owned(),
            display_name: group.display_name().map(str::to_owned),
            external_ids: group.external_ids().iter().map(external_id).collect(),
        });
    }

    let memberships = memberships(&store_client, &store, &groups, progress).await?;

    Ok(AwsExport {
        instances,
        identity_store_id: store,
        users,
        groups: Some(groups),
        memberships: Some(memberships),
        access_control_attributes,
        not_read,
    })
}

/// Every group's direct members, listed a few groups at a time; kept in the groups' order.
async fn memberships(
    client: &identitystore::Client,
    store: &str,
    groups: &[IcGroup],
    progress: &dyn Fn(&str),
) -> Result<Vec<Membership>, AwsError> {
    let mut per_group: Vec<Vec<Membership>> = vec![Vec::new(); groups.len()];
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    let mut done = 0;
    loop {
        while running.len() < MEMBERSHIP_CONCURRENCY && next < groups.len() {
            let (client, store, group) = (
                client.clone(),
                store.to_owned(),
                groups[next].group_id.clone(),
            );
            let index = next;
            running.spawn(async move { (index, members(client, store, group).await) });
            next += 1;
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (index, found) = joined.map_err(|e| AwsError::Call {
            action: "identitystore:ListGroupMemberships",
            detail: e.to_string(),
        })?;
        per_group[index] = found?;
        done += 1;
        if done % 100 == 0 || done == groups.len() {
            progress(&format!(
                "group memberships: {done} of {} groups",
                groups.len()
            ));
        }
    }
    Ok(per_group.into_iter().flatten().collect())
}

async fn members(
    client: identitystore::Client,
    store: String,
    group: String,
) -> Result<Vec<Membership>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client
        .list_group_memberships()
        .identity_store_id(store)
        .group_id(&group)
        .into_paginator()
        .items()
        .send();
    while let Some(m) = pages.next().await {
        let m = m.map_err(|e| call_error("identitystore:ListGroupMemberships", e))?;
        // Identity Center groups hold users only; another member kind has no user to join.
        if let Some(identitystore::types::MemberId::UserId(user_id)) = m.member_id() {
            out.push(Membership {
                group_id: m.group_id().unwrap_or(&group).to_owned(),
                user_id: user_id.clone(),
            });
        }
    }
    Ok(out)
}

fn external_id(e: &identitystore::types::ExternalId) -> ExternalId {
    ExternalId {
        issuer: e.issuer().to_owned(),
        id: e.id().to_owned(),
    }
}

fn ic_user(user: &identitystore::types::User) -> IcUser {
    IcUser {
        user_id: user.user_id().to_owned(),
        user_name: user.user_name().map(str::to_owned),
        external_ids: user.external_ids().iter().map(external_id).collect(),
        given_name: user.name().and_then(|n| n.given_name()).map(str::to_owned),
        family_name: user.name().and_then(|n| n.family_name()).map(str::to_owned),
        display_name: user.display_name().map(str::to_owned),
        emails: user
            .emails()
            .iter()
            .map(|e| Email {
                value: e.value().map(str::to_owned),
                primary: e.primary(),
            })
            .collect(),
    }
}

/// A failed call in plain words: access denied names the IAM action to grant.
fn call_error<E, R>(action: &'static str, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = DisplayErrorContext(&err).to_string();
    match err.code() {
        Some("AccessDeniedException" | "AccessDenied" | "UnauthorizedException") => {
            AwsError::AccessDenied { action, detail }
        }
        _ => AwsError::Call { action, detail },
    }
}

//! What the superadministrator's settings pages show and send.

use serde::{Deserialize, Serialize};

/// What a dashboard account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Sees every agent; manages accounts, grants and keys.
    Superadmin,
    /// Sees the agents granted to them.
    Admin,
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum KeyScope {
    /// Write events and registry data.
    Ingest,
    /// Read analytics.
    Read,
}

/// A new dashboard account, as the settings page sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// Sign-in name: new, 1 to 100 characters without control characters
    /// (trimmed).
    pub username: String,
    /// The password in clear, 10 to 1024 characters; only its argon2id hash is
    /// stored.
    pub password: String,
    /// Superadministrator (every agent, and these settings) or administrator
    /// (its agents only).
    pub role: Role,
    /// The agents an administrator may see (a superadministrator sees all).
    pub agents: Vec<String>,
}

/// Changes to an account; what is `None` stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUpdate {
    /// The account to change, by its sign-in name (which this never changes).
    pub username: String,
    /// The agents it may see from its next request on.
    pub agents: Option<Vec<String>>,
    /// A new password: ends its sessions.
    pub password: Option<String>,
    /// Disabled accounts cannot sign in; disabling ends its sessions.
    pub disabled: Option<bool>,
}

impl AccountUpdate {
    /// A change of nothing yet, to fill in.
    pub fn of(username: impl Into<String>) -> AccountUpdate {
        AccountUpdate {
            username: username.into(),
            agents: None,
            password: None,
            disabled: None,
        }
    }
}

/// Which agents a new API key serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAgents {
    /// Every agent, present and future.
    Every,
    /// These agents only; an empty list is refused, never read as "every".
    Only(Vec<String>),
}

/// A new API key, as the settings page asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRequest {
    /// Whether the key writes events or reads figures.
    pub scope: KeyScope,
    /// Every agent, or a list of agents by public id.
    pub agents: KeyAgents,
    /// A note for people (what the key is for); blank for none.
    pub label: String,
}

/// A dashboard account as the settings page lists it; never its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Sign-in name, unique.
    pub username: String,
    /// Whether its role is superadministrator: it then sees every agent.
    pub superadmin: bool,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Agents an administrator (or an embedded viewer) may see.
    pub agents: Vec<String>,
    /// For a viewer who arrived from a host platform's embedded tab: the
    /// integration and the name its latest token gave (docs/EMBED.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<EmbeddedViewer>,
    /// For an account made by single sign-on: the name the provider gave
    /// (its role and agents come from the provider, docs/SSO.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_sign_on: Option<SingleSignOnUser>,
}

/// A person who signs in through the school's OpenID provider, as
/// Settings shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SingleSignOnUser {
    /// Their name as the provider gave it at their latest sign-in.
    pub display_name: String,
}

/// Where an embedded viewer comes from, as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedViewer {
    /// The integration (host platform) whose token made the account.
    pub integration: String,
    /// The viewer's name as that platform gave it.
    pub display_name: String,
}

/// How a site signs people in, as its sign-in page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// Whether passwords sign anyone in.
    pub password: bool,
    /// The single-sign-on provider's name, when there is one.
    pub single_sign_on: Option<String>,
}

/// Who is signed in, as the app's header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInAs {
    /// The name shown: the username, or the display name an embedded
    /// viewer's host platform or the single-sign-on provider gave.
    pub name: String,
    /// Whether Settings (accounts, keys, share links) is theirs to open: a
    /// superadministrator signed in to Pulse itself.
    pub manages_settings: bool,
    /// Whether they are a superadministrator.
    pub superadmin: bool,
    /// Set inside a host platform's page: the agents the embedding token
    /// named, the only ones the agent switcher offers.
    pub embedded_agents: Option<Vec<String>>,
}

/// An API key as the settings page lists it; never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    /// The public part printed with the key; names it for revoking.
    pub prefix: String,
    /// Whether the key writes events or reads figures.
    pub scope: KeyScope,
    /// `None`: every agent.
    pub agents: Option<Vec<String>>,
    /// The note given at creation; `None` for none.
    pub label: Option<String>,
    /// A revoked key is refused; it stays listed.
    pub revoked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PeriodKind;

    /// serde (the wire) and strum (URLs, the database, the command line)
    /// spell every name the same, and parsing reads back what was written.
    fn agree<T>(values: &[T], name: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
    {
        for &value in values {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{}\"", name(value)), "{value:?}");
            assert_eq!(parse(name(value)), Some(value));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
        assert_eq!(parse("no such name"), None);
    }

    #[test]
    fn names_are_the_same_on_the_wire_and_in_text() {
        agree(&[Role::Superadmin, Role::Admin], Role::as_str, Role::parse);
        agree(
            &[KeyScope::Ingest, KeyScope::Read],
            KeyScope::as_str,
            KeyScope::parse,
        );
        agree(&PeriodKind::ALL, PeriodKind::as_str, PeriodKind::parse);
        agree(
            <crate::FollowUpStatus as strum::VariantArray>::VARIANTS,
            crate::FollowUpStatus::as_str,
            crate::FollowUpStatus::parse,
        );
        assert_eq!(
            crate::FollowUpStatus::NeverStarted.as_str(),
            "never_started"
        );
        assert_eq!(PeriodKind::Past7Days.as_str(), "7d");
        assert_eq!(Role::Superadmin.to_string(), "superadmin");
    }
}

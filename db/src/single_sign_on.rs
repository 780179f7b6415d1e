//! People who sign in through the school's OpenID provider (docs/SSO.md).
//! The server runs the protocol (`pulse` crate, `single_sign_on`); what it
//! learns is stored here, each step in one transaction: a sign-in sent to
//! the provider and taken back once, and the account made or brought up to
//! date with what the provider's claim grants, with a browser session.
//! Nothing here knows about OpenID Connect or HTTP.

use crate::accounts::{Role, hash_session_token, new_session_token};
use crate::time::Millis;
use crate::{Store, StoreError};

/// The prefix of every single-sign-on account's username; no account made
/// in Settings or on the command line may start with it.
pub const USERNAME_PREFIX: &str = "sso:";

/// How long a sign-in sent to the provider may take to come back.
pub const PENDING_LOGIN_MS: i64 = 10 * 60 * 1000;

/// A sign-in sent to the provider, until its answer comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    /// The `state` sent to the provider (and kept by the browser in a
    /// cookie); the database keeps only its hash.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier the code is exchanged with.
    pub pkce_verifier: String,
    /// The page of this site to open once signed in.
    pub next_path: String,
    /// When the sign-in is given up.
    pub expires_at: Millis,
}

/// What the provider's answer grants, once checked and mapped
/// (`PULSE_OIDC_ROLES_CLAIM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoGrant {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The person's stable id at the provider (`sub`).
    pub subject: String,
    /// The name shown in the tab and in Settings.
    pub display_name: String,
    /// Superadministrator, or administrator of `agents`.
    pub role: Role,
    /// The agents an administrator may see (public ids).
    pub agents: Vec<String>,
    /// Of those agents, the sections some are limited to: (agent, section)
    /// pairs; an agent without any is seen whole.
    pub section_limits: Vec<(String, String)>,
}

impl SsoGrant {
    /// The account's name: one account per subject.
    pub fn username(&self) -> String {
        format!("{USERNAME_PREFIX}{}", self.subject)
    }

    /// Whether the grant lets its holder see anything at all.
    pub fn grants_access(&self) -> bool {
        self.role == Role::Superadmin || !self.agents.is_empty()
    }
}

/// How opening a session went, as the store saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoOpening {
    /// The session is stored.
    Opened,
    /// The grant gives no access: no session; an existing account lost its
    /// agents.
    NoAccess,
    /// The account was disabled in Settings.
    Disabled,
    /// An account of that name exists that this provider did not make.
    NameTaken,
}

/// Why no session was opened.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// No value of the person's claim is mapped to a role and agents.
    #[error(
        "your account at the sign-in provider is in no group that Pulse grants access to; ask your administrator"
    )]
    NoAccess,
    /// The account was disabled in Pulse's Settings.
    #[error("this account has been disabled in Pulse's settings")]
    Disabled,
    /// An account made otherwise already has the person's name.
    #[error("an account named {0:?} exists that single sign-on did not make; rename it in Pulse")]
    NameTaken(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keeps a sign-in sent to the provider until its answer comes back.
pub async fn remember_login(
    store: &Store,
    login: &PendingLogin,
    now: Millis,
) -> Result<(), StoreError> {
    store
        .remember_sso_login(&hash_session_token(&login.state), login, now)
        .await
}

/// Takes back the sign-in `state` names, once: none when it is unknown,
/// already taken or expired.
pub async fn take_login(
    store: &Store,
    state: &str,
    now: Millis,
) -> Result<Option<PendingLogin>, StoreError> {
    let login = store
        .take_sso_login(&hash_session_token(state), now)
        .await?;
    Ok(login.map(|login| PendingLogin {
        state: state.to_owned(),
        ..login
    }))
}

/// Opens a browser session for the person `grant` names: the token for
/// the browser (the database keeps only its hash).
pub async fn open_session(
    store: &Store,
    grant: &SsoGrant,
    now: Millis,
) -> Result<String, SsoError> {
    let (token, token_hash) = new_session_token();
    match store.open_sso_session(grant, &token_hash, now).await? {
        SsoOpening::Opened => Ok(token),
        SsoOpening::NoAccess => Err(SsoError::NoAccess),
        SsoOpening::Disabled => Err(SsoError::Disabled),
        SsoOpening::NameTaken => Err(SsoError::NameTaken(grant.username())),
    }
}

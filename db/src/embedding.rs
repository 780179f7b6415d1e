//! Viewers who arrive from a host platform's page with a signed embedding
//! token (docs/EMBED.md). The server checks the token's signature and times
//! (`pulse` crate, `embedding`); what it grants is opened here, in one
//! transaction: the token used once, the viewer's account made or brought up
//! to date, a browser session. Nothing here knows about JWTs or HTTP.

use crate::accounts::{Role, new_session_token};
use crate::time::Millis;
use crate::{Store, StoreError};

/// Stored as an embedded viewer's password hash: not a hash at all, so no
/// password ever verifies against it (`accounts::verify_password`).
pub const NO_PASSWORD: &str = "!embedded viewer: no password";

/// How long a used token's id is kept past its expiry: longer than any
/// sensible difference between two servers' clocks, so that no server
/// takes a token again that another forgot.
pub const TOKEN_IDS_KEPT_BEYOND_EXPIRY_MS: i64 = 10 * 60 * 1000;

/// The prefix of every embedded viewer's username; no account made in
/// Settings or on the command line may start with it.
pub const USERNAME_PREFIX: &str = "embed:";

/// What a verified token grants, as the host platform stated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedGrant {
    /// The integration (host platform) that signed it.
    pub integration: String,
    /// The viewer's stable id at that platform.
    pub subject: String,
    /// The viewer's name, shown in the tab and in Settings.
    pub display_name: String,
    /// Administrator or superadministrator of what the token names.
    pub role: Role,
    /// The agents the viewer may see (public ids); none: every agent (a
    /// superadministrator's token only).
    pub agents: Vec<String>,
    /// The one section of those agents the viewer is limited to, if any.
    pub section: Option<String>,
    /// The token's unique id: a second use is refused.
    pub token_id: String,
    /// When the token expires: its id is remembered until then.
    pub expires_at: Millis,
}

impl EmbedGrant {
    /// The viewer's account name: one account per integration and subject.
    pub fn username(&self) -> String {
        format!("{USERNAME_PREFIX}{}:{}", self.integration, self.subject)
    }
}

/// How opening a session went, as the store saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedOpening {
    /// The session is stored.
    Opened,
    /// The token's id was used before.
    Replayed,
    /// The viewer's account was disabled in Settings.
    Disabled,
    /// An account of that name exists that no token of this integration
    /// made: it is left alone.
    NameTaken,
}

/// Why no session was opened.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The token was used before: each token opens one session.
    #[error(
        "this embedding token was already used; the host platform must sign a new one for each page it shows"
    )]
    Replayed,
    /// The viewer's account was disabled in Pulse's Settings.
    #[error("this viewer has been disabled in Pulse's settings")]
    Disabled,
    /// An account made otherwise already has the viewer's name.
    #[error(
        "an account named {0:?} exists that this host platform did not make; rename it in Pulse"
    )]
    NameTaken(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Opens a browser session for the viewer `grant` names: the token for
/// the browser (the database keeps only its hash).
pub async fn open_session(
    store: &Store,
    grant: &EmbedGrant,
    now: Millis,
) -> Result<String, EmbedError> {
    let (token, token_hash) = new_session_token();
    match store.open_embedded_session(grant, &token_hash, now).await? {
        EmbedOpening::Opened => Ok(token),
        EmbedOpening::Replayed => Err(EmbedError::Replayed),
        EmbedOpening::Disabled => Err(EmbedError::Disabled),
        EmbedOpening::NameTaken => Err(EmbedError::NameTaken(grant.username())),
    }
}

//! Dashboard accounts, their grants, sign-in throttling and browser
//! sessions.
//!
//! The SQL is in `queries/accounts.rs`; these methods hand it the current
//! backend's reader or writer.

use super::Store;
use crate::accounts::{Account, AccountChange, Role};
use crate::error::Result;
use crate::time::Millis;

impl Store {
    /// Creates an account (the username must be new) with its agent grants.
    pub async fn create_account(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        agents: &[String],
        now: Millis,
    ) -> Result<i64> {
        on_writer!(
            self,
            accounts::create_account(username, password_hash, role, agents, now.0)
        )
    }

    /// Lets an admin see an agent, whole (no `sections`) or only those of
    /// its sections, replacing what it had of it; false when there is no
    /// such account.
    pub async fn grant_agent(
        &self,
        username: &str,
        agent_id: &str,
        sections: &[String],
    ) -> Result<bool> {
        on_writer!(self, accounts::grant_agent(username, agent_id, sections))
    }

    /// Records a sign-in attempt against each subject unless one has had
    /// its limit of attempts since `since` (one atomic step): the counts
    /// before this attempt, or None when refused.
    pub async fn claim_login_attempt(
        &self,
        subjects: &[(String, Option<u64>)],
        at: Millis,
        since: Millis,
    ) -> Result<Option<Vec<u64>>> {
        on_writer!(self, accounts::claim_login_attempt(subjects, at.0, since.0))
    }

    /// Forgets the `forgiven` subjects' failures and withdraws the attempt
    /// claimed at `at` from the `withdrawn` ones.
    pub async fn login_succeeded(
        &self,
        forgiven: &[String],
        withdrawn: &[String],
        at: Millis,
    ) -> Result<()> {
        on_writer!(self, accounts::login_succeeded(forgiven, withdrawn, at.0))
    }

    /// Every dashboard account with its agent grants, ordered by username.
    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        on_reader!(self, accounts::list_accounts())
    }

    /// Changes an account in one transaction; false when there is no such
    /// account (then nothing changed).
    pub async fn update_account(&self, username: &str, change: &AccountChange) -> Result<bool> {
        on_writer!(self, accounts::update_account(username, change))
    }

    /// How many dashboard accounts exist, disabled ones included (none: the
    /// first one is still to be created).
    pub async fn account_count(&self) -> Result<u64> {
        on_reader!(self, accounts::account_count())
    }

    /// The account signing in as `username`, with its stored password hash to
    /// verify against; `None` when there is none.
    pub async fn account_by_username(&self, username: &str) -> Result<Option<(Account, String)>> {
        on_reader!(self, accounts::account_by_username(username))
    }

    /// Stores a new browser session of the account whose database key is
    /// `account`, under the hash of its token; `now` is its start and last
    /// use.
    pub async fn create_session(&self, token_hash: &str, account: i64, now: Millis) -> Result<()> {
        on_writer!(self, accounts::create_session(token_hash, account, now.0))
    }

    /// The account signed in with this session, if the session is live.
    pub async fn session_account(&self, token_hash: &str, now: Millis) -> Result<Option<Account>> {
        on_writer!(self, accounts::session_account(token_hash, now.0))
    }

    /// Ends the session stored under `token_hash` (signing out); nothing
    /// happens when there is none.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_writer!(self, accounts::delete_session(token_hash))
    }

    /// Opens an embedded viewer's session in one transaction (see
    /// crate::embedding): the token used once, the account made or updated
    /// with the token's grants, the session stored under `token_hash`.
    pub async fn open_embedded_session(
        &self,
        grant: &crate::embedding::EmbedGrant,
        token_hash: &str,
        now: Millis,
    ) -> Result<crate::embedding::EmbedOpening> {
        on_writer!(
            self,
            accounts::open_embedded_session(grant, token_hash, now.0)
        )
    }

    /// Keeps a sign-in sent to the OpenID provider under the hash of its
    /// state (crate::single_sign_on).
    pub async fn remember_sso_login(
        &self,
        state_hash: &str,
        login: &crate::single_sign_on::PendingLogin,
        now: Millis,
    ) -> Result<()> {
        on_writer!(self, accounts::remember_sso_login(state_hash, login, now.0))
    }

    /// Takes back, once, the sign-in kept under `state_hash`, if within its time.
    pub async fn take_sso_login(
        &self,
        state_hash: &str,
        now: Millis,
    ) -> Result<Option<crate::single_sign_on::PendingLogin>> {
        on_writer!(self, accounts::take_sso_login(state_hash, now.0))
    }

    /// Opens the session of a person the OpenID provider signed in, in one
    /// transaction (see crate::single_sign_on).
    pub async fn open_sso_session(
        &self,
        grant: &crate::single_sign_on::SsoGrant,
        token_hash: &str,
        now: Millis,
    ) -> Result<crate::single_sign_on::SsoOpening> {
        on_writer!(self, accounts::open_sso_session(grant, token_hash, now.0))
    }
}

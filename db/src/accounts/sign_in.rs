//! Signing in and out of the dashboard, and the account behind a session:
//! the whole flow, with its throttle, so that the server functions only
//! carry the cookie.

use super::{
    Account, GateFull, HashGate, LOGIN_WINDOW_MS, RuleError, decoy_hash, hash_session_token,
    new_session_token, pause, plausible_credentials, sign_in_delay, sign_in_subjects,
    verify_password,
};
use crate::time::Millis;
use crate::{Store, StoreError};

/// A sign-in attempt: who, with which password, from which client address.
pub struct Attempt {
    /// The username as typed.
    pub username: String,
    /// The password as typed.
    pub password: String,
    /// The client's address, as the server resolved it (proxies trusted or not).
    pub address: String,
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// A username or password no account can have: refused before any work.
    #[error(transparent)]
    Implausible(#[from] RuleError),
    /// Too many failures from this address, or of this account from it.
    #[error("Too many failed sign-ins. Try again in 15 minutes.")]
    Throttled,
    /// Every password-hash slot is taken: try again shortly.
    #[error(transparent)]
    Busy(#[from] GateFull),
    /// Unknown user, wrong password or disabled account: one answer for all,
    /// after the same work.
    #[error("Wrong username or password.")]
    Refused,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks the attempt under the throttle and, when the password is right,
/// opens a session: the token for the browser's cookie (the database keeps
/// only its hash). The attempt counts before the password is checked, so
/// parallel guesses see each other; an account tried from many addresses
/// slows down rather than locks.
pub async fn sign_in(
    store: &Store,
    gate: &HashGate,
    attempt: Attempt,
    now: Millis,
) -> Result<String, SignInError> {
    let Attempt {
        username,
        password,
        address,
    } = attempt;
    plausible_credentials(&username, &password)?;
    let [pair, address_subject, account_subject] = sign_in_subjects(&username, &address);
    let subjects = [
        pair.clone(),
        address_subject.clone(),
        account_subject.clone(),
    ];
    let counts = store
        .claim_login_attempt(&subjects, now, Millis(now.0 - LOGIN_WINDOW_MS))
        .await?
        .ok_or(SignInError::Throttled)?;
    pause(sign_in_delay(counts[2])).await;
    let found = store.account_by_username(&username).await?;
    let stored_hash = found.as_ref().map(|(_, hash)| hash.clone());
    let verified = gate
        .run(move || verify_password(stored_hash.as_deref().unwrap_or(decoy_hash()), &password))
        .await?;
    let Some((account, _)) = found.filter(|(account, _)| verified && !account.disabled) else {
        return Err(SignInError::Refused);
    };
    store
        .login_succeeded(&[pair.0, account_subject.0], &[address_subject.0], now)
        .await?;
    let (token, token_hash) = new_session_token();
    store.create_session(&token_hash, account.id, now).await?;
    Ok(token)
}

/// The enabled account signed in with `token`, if its session is live (its
/// last use then moves to `now`).
pub async fn account_of_session(
    store: &Store,
    token: &str,
    now: Millis,
) -> Result<Option<Account>, StoreError> {
    let account = store
        .session_account(&hash_session_token(token), now)
        .await?;
    Ok(account.filter(|account| !account.disabled))
}

/// Ends the session of `token` (nothing when there is none).
pub async fn sign_out(store: &Store, token: &str) -> Result<(), StoreError> {
    store.delete_session(&hash_session_token(token)).await
}

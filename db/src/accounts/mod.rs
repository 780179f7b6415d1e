//! Dashboard accounts: roles, passwords (argon2id) and browser sessions
//! (random tokens, stored only as SHA-256 hashes).

mod sign_in;

pub use sign_in::{Attempt, SignInError, account_of_session, sign_in, sign_out};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::keys::hash_key;

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;
/// ...and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Failed sign-ins are counted over this window. The throttle slows an
/// attacker, not the victim: hard limits apply to an account name from one
/// client address, and to one client address; an account name alone, tried
/// from many addresses, only makes each further attempt wait a little
/// longer, so that nobody can lock an administrator out by knowing their
/// username.
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Sign-in is refused after this many failures of one account name from
/// one client address...
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: u64 = 10;
/// ...or this many from one client address, whatever the account.
pub const MAX_FAILURES_PER_ADDRESS: u64 = 50;
/// After this many failures of an account name from anywhere, each attempt
/// on it waits (see [`sign_in_delay`]).
pub const ACCOUNT_FAILURES_BEFORE_DELAY: u64 = 10;

/// How long an attempt on an account waits, given the account's recent
/// failures from anywhere: nothing at first, then 250 ms doubling up to 8 s.
pub fn sign_in_delay(account_failures: u64) -> std::time::Duration {
    let Some(beyond) = account_failures.checked_sub(ACCOUNT_FAILURES_BEFORE_DELAY) else {
        return std::time::Duration::ZERO;
    };
    std::time::Duration::from_millis(250 << beyond.min(5))
}

/// Waits `delay` (the server's runtime does the waiting).
pub async fn pause(delay: std::time::Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

/// The throttle's records for an attempt on `username` from `address`:
/// (subject, hard limit). The account subject has no limit (it only delays).
pub fn sign_in_subjects(username: &str, address: &str) -> [(String, Option<u64>); 3] {
    [
        (
            format!("account+address:{username}\u{1f}{address}"),
            Some(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        ),
        (format!("address:{address}"), Some(MAX_FAILURES_PER_ADDRESS)),
        (format!("account:{username}"), None),
    ]
}

/// Usernames are 1 to this many characters, without control characters.
pub const MAX_USERNAME_CHARS: usize = 100;
/// Passwords are at least this long...
pub const MIN_PASSWORD_CHARS: usize = 10;
/// ...and at most this long: argon2 would hash a megabyte, slowly.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A username or password that breaks the rules; the message says which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// The username, trimmed, when it is acceptable for a new account.
pub fn checked_username(username: &str) -> Result<String, RuleError> {
    let username = username.trim();
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME_CHARS
        || username.chars().any(char::is_control)
    {
        return Err(RuleError(format!(
            "The username must be 1 to {MAX_USERNAME_CHARS} characters without control characters."
        )));
    }
    // Share links made on the command line are made by this name, and no
    // account may answer for them (crate::share_links).
    if username.eq_ignore_ascii_case(crate::share_links::COMMAND_LINE_MAKER) {
        return Err(RuleError(format!(
            "The username {username:?} is reserved for links made on the command line."
        )));
    }
    // Embedded viewers' and single-sign-on accounts are named from outside
    // (crate::embedding, crate::single_sign_on); a hand-made account must
    // not take one's name.
    for (prefix, kept_for) in [
        (
            crate::embedding::USERNAME_PREFIX,
            "viewers embedded in a host platform",
        ),
        (
            crate::single_sign_on::USERNAME_PREFIX,
            "accounts made by single sign-on",
        ),
    ] {
        if username.to_ascii_lowercase().starts_with(prefix) {
            return Err(RuleError(format!(
                "Usernames starting with {prefix:?} are kept for {kept_for}."
            )));
        }
    }
    Ok(username.to_owned())
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<(), RuleError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(RuleError(format!(
            "The password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long."
        )));
    }
    Ok(())
}

/// Whether a sign-in's fields could belong to any account at all: what
/// fails this is refused before it costs a hash or a throttle record.
pub fn plausible_credentials(username: &str, password: &str) -> Result<(), RuleError> {
    if username.chars().count() > MAX_USERNAME_CHARS
        || password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(RuleError(format!(
            "The username is at most {MAX_USERNAME_CHARS} characters and the password at most {MAX_PASSWORD_CHARS}."
        )));
    }
    Ok(())
}

pub use pulse_model::Role;

/// A dashboard account as the server checks it, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Database key of the account, which its browser sessions refer to.
    pub id: i64,
    /// Sign-in name, unique, trimmed at creation.
    pub username: String,
    /// Whether it sees every agent or only those granted to it.
    pub role: Role,
    /// A disabled account cannot sign in and may view nothing.
    pub disabled: bool,
    /// Agents granted (meaningful for admins).
    pub agents: Vec<String>,
    /// Granted agents it may see only some sections of.
    pub sections: crate::sections::SectionLimits,
    /// Set for a viewer who arrives from a host platform with an embedding
    /// token (crate::embedding): they see the agents their latest token
    /// named, whatever their role (a superadministrator's token naming none:
    /// every agent), and manage nothing in Pulse.
    pub embedded: Option<pulse_model::EmbeddedViewer>,
    /// Set for an account made by single sign-on (crate::single_sign_on):
    /// the provider's claim sets its role and agents at each sign-in.
    pub single_sign_on: Option<pulse_model::SingleSignOnUser>,
}

/// What an update changes in an account; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    /// The agents it may see, replacing those it had.
    pub agents: Option<Vec<String>>,
    /// A new password, already hashed.
    pub password_hash: Option<String>,
    /// Disables (`true`) or enables the account; disabling ends its sessions.
    pub disabled: Option<bool>,
}

impl Account {
    /// Whether this account may see the figures of `agent_id`: a
    /// superadministrator every agent, an administrator and an embedded
    /// viewer those granted, a disabled account none.
    pub fn may_view(&self, agent_id: &str) -> bool {
        !self.disabled
            && (self.sees_every_agent() || self.agents.iter().any(|agent| agent == agent_id))
    }

    /// Whether no grant limits what this account sees: a superadministrator,
    /// unless embedded with a token that named agents (then only those, and
    /// the token's section).
    fn sees_every_agent(&self) -> bool {
        self.role == Role::Superadmin && (self.embedded.is_none() || self.agents.is_empty())
    }

    /// Whose word the account's registrations are (crate::learners): a
    /// superadministrator's who sees every agent the platform's, anyone
    /// else's only their agent's.
    pub fn naming(&self) -> crate::learners::Naming {
        if self.sees_every_agent() {
            crate::learners::Naming::Platform
        } else {
            crate::learners::Naming::Administrator
        }
    }

    /// Whether the account manages Pulse itself (accounts, keys, agents): a
    /// superadministrator signed in to Pulse, never an embedded viewer,
    /// whatever role their host platform gave them (docs/EMBED.md).
    pub fn manages_pulse(&self) -> bool {
        !self.disabled && self.role == Role::Superadmin && self.embedded.is_none()
    }

    /// The sections of `agent_id` this account is limited to; `None` when
    /// it may see the whole agent (a superadministrator always may).
    pub fn section_limit(&self, agent_id: &str) -> Option<Vec<String>> {
        if self.sees_every_agent() {
            None
        } else {
            self.sections.for_agent(agent_id)
        }
    }
}

/// The stored form of a password: argon2id with a random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password")
        .to_string()
}

/// Whether `password` matches `stored` (argon2 compares in constant time).
pub fn verify_password(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Argon2 needs about 19 MiB and tens of milliseconds of one core per
/// hash: run on the async workers, 600 parallel sign-ins took a server from
/// 13 MB to 1.79 GB and its health check from 0.5 ms to 2.1 s. Hashes run
/// on blocking threads, as many at once as there are cores, and only a
/// short queue may wait for them; beyond it callers are refused at once
/// (answered 429) instead of piling up.
pub struct HashGate {
    running: tokio::sync::Semaphore,
    admitted: std::sync::atomic::AtomicUsize,
    max_admitted: usize,
}

/// The gate is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many sign-ins at once; try again in a few seconds")]
pub struct GateFull;

impl HashGate {
    /// `parallel` hashes at once, `queue` more waiting.
    pub fn new(parallel: usize, queue: usize) -> HashGate {
        HashGate {
            running: tokio::sync::Semaphore::new(parallel.max(1)),
            admitted: std::sync::atomic::AtomicUsize::new(0),
            max_admitted: parallel.max(1) + queue,
        }
    }

    /// A server's gate: one hash per core, four per core waiting.
    pub fn for_this_machine() -> HashGate {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        HashGate::new(cores, 4 * cores)
    }

    /// Runs `work` (a hash or a verification) on a blocking thread when
    /// the gate admits it.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, GateFull> {
        use std::sync::atomic::Ordering;
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(GateFull);
        }
        let _leave = scopeguard(|| {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
        });
        let _permit = self
            .running
            .acquire()
            .await
            .expect("the gate is never closed");
        Ok(tokio::task::spawn_blocking(work)
            .await
            .expect("hashing does not panic"))
    }
}

/// Runs `f` when dropped (also when the caller's future is cancelled).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// A hash to verify against when the username is unknown, so that an
/// unknown user takes as long to refuse as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing"))
}

/// A new session token for the cookie, and the hash to store.
pub fn new_session_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_key(&token);
    (token, hash)
}

/// The stored form of a presented session token.
pub fn hash_session_token(token: &str) -> String {
    hash_key(token)
}

/// A random password to print once.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|byte| ALPHABET[*byte as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password(&stored, "correct horse"));
        assert!(!verify_password(&stored, "correct horsE"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert_ne!(hash_password("same"), hash_password("same"), "salted");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hash_gate_runs_a_few_at_once_and_refuses_beyond_its_queue() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = Arc::new(HashGate::new(2, 3));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let calls = (0..10).map(|_| {
            let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let outcome = gate
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await;
                (outcome, started.elapsed())
            })
        });
        let mut refused = 0;
        for call in calls.collect::<Vec<_>>() {
            let (outcome, took) = call.await.unwrap();
            if outcome.is_err() {
                refused += 1;
                assert!(
                    took < std::time::Duration::from_millis(100),
                    "refused after {took:?}"
                );
            }
        }
        assert_eq!(refused, 5, "2 running and 3 waiting are admitted");
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // Admission is given back: the gate admits again.
        assert!(gate.run(|| ()).await.is_ok());
    }

    #[test]
    fn an_account_alone_is_slowed_never_locked() {
        use std::time::Duration;
        assert_eq!(sign_in_delay(0), Duration::ZERO);
        assert_eq!(sign_in_delay(9), Duration::ZERO);
        assert_eq!(sign_in_delay(10), Duration::from_millis(250));
        assert_eq!(sign_in_delay(11), Duration::from_millis(500));
        assert_eq!(sign_in_delay(1_000_000), Duration::from_secs(8));
        let subjects = sign_in_subjects("ann", "192.0.2.1");
        assert!(
            subjects[2].1.is_none(),
            "no hard limit for the account alone"
        );
    }

    #[test]
    fn admins_see_only_their_agents() {
        let admin = Account {
            id: 1,
            username: "a".into(),
            role: Role::Admin,
            disabled: false,
            agents: vec!["x".into()],
            sections: crate::sections::SectionLimits(vec![("x".into(), "s1".into())]),
            embedded: None,
            single_sign_on: None,
        };
        assert!(admin.may_view("x") && !admin.may_view("y"));
        assert_eq!(admin.section_limit("x"), Some(vec!["s1".to_owned()]));
        let boss = Account {
            role: Role::Superadmin,
            agents: vec![],
            ..admin.clone()
        };
        assert!(boss.may_view("y"));
        assert_eq!(boss.section_limit("x"), None);
        assert!(
            !Account {
                disabled: true,
                ..boss
            }
            .may_view("y")
        );
    }

    #[test]
    fn an_embedded_superadministrator_sees_only_what_the_token_named() {
        let embedded = Account {
            id: 2,
            username: "embed:lms:42".into(),
            role: Role::Superadmin,
            disabled: false,
            agents: vec!["x".into()],
            sections: crate::sections::SectionLimits(vec![("x".into(), "s1".into())]),
            embedded: Some(pulse_model::EmbeddedViewer {
                integration: "lms".into(),
                display_name: "Ann".into(),
            }),
            single_sign_on: None,
        };
        assert!(embedded.may_view("x") && !embedded.may_view("y"));
        assert_eq!(embedded.section_limit("x"), Some(vec!["s1".to_owned()]));
        assert!(
            !embedded.manages_pulse(),
            "an embedded viewer manages nothing"
        );
        assert_eq!(embedded.naming(), crate::learners::Naming::Administrator);
    }
}

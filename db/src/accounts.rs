//! Dashboard accounts: roles, passwords (argon2id) and browser sessions
//! (random tokens, stored only as SHA-256 hashes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::keys::hash_key;

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;
/// ...and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Failed sign-ins are counted over this window...
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// ...and sign-in is refused after this many for one account name...
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 10;
/// ...or this many from one client address.
pub const MAX_FAILURES_PER_ADDRESS: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees every agent; manages accounts, grants and keys.
    Superadmin,
    /// Sees the agents granted to them.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Superadmin => "superadmin",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "superadmin" => Some(Role::Superadmin),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// Agents granted (meaningful for admins).
    pub agents: Vec<String>,
}

impl Account {
    pub fn may_view(&self, agent_id: &str) -> bool {
        !self.disabled
            && (self.role == Role::Superadmin || self.agents.iter().any(|agent| agent == agent_id))
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

    #[test]
    fn admins_see_only_their_agents() {
        let admin = Account {
            id: 1,
            username: "a".into(),
            role: Role::Admin,
            disabled: false,
            agents: vec!["x".into()],
        };
        assert!(admin.may_view("x") && !admin.may_view("y"));
        let boss = Account {
            role: Role::Superadmin,
            agents: vec![],
            ..admin.clone()
        };
        assert!(boss.may_view("y"));
        assert!(
            !Account {
                disabled: true,
                ..boss
            }
            .may_view("y")
        );
    }
}

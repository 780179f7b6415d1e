//! API keys: random secrets shown once, stored only as SHA-256 hashes. A
//! fast hash is right here (unlike for passwords): the secret has 192 bits
//! of entropy, so nobody can search for it from its hash.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::time::Millis;

pub use pulse_model::KeyScope;

/// A key about to be stored.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Hex SHA-256 of the whole key: all that is kept of the secret.
    pub hash: String,
    /// The public start of the key (`pk_<scope>_<8 hex digits>`), printed with
    /// it to name it.
    pub prefix: String,
    /// Whether the key writes events or reads figures.
    pub scope: KeyScope,
    /// `None`: any agent.
    pub agents: Option<Vec<String>>,
    /// Agents it may use only for some of their sections.
    pub sections: crate::sections::SectionLimits,
    /// A note for people (what the key is for); `None` for none.
    pub label: Option<String>,
    /// When the key was made, in milliseconds since the epoch.
    pub created_at: i64,
}

/// A stored key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The public part printed with the key, used to name it (e.g. to revoke it).
    pub prefix: String,
    /// Whether the key writes events or reads figures.
    pub scope: KeyScope,
    /// The public ids of the agents it serves; `None`: every agent, present and
    /// future.
    pub agents: Option<Vec<String>>,
    /// Agents it may use only for some of their sections.
    pub sections: crate::sections::SectionLimits,
    /// A note for people (what the key is for); `None` for none.
    pub label: Option<String>,
    /// When the key was made, in milliseconds since the epoch.
    pub created_at: i64,
    /// When the key was revoked, in milliseconds since the epoch; `None` while
    /// it works.
    pub revoked_at: Option<i64>,
}

impl KeyRecord {
    /// Whether the key still works: it was never revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// Whether the key's agents include `agent_id` (a key for every agent
    /// includes all). Says nothing of revocation.
    pub fn may_use_agent(&self, agent_id: &str) -> bool {
        match &self.agents {
            None => true,
            Some(agents) => agents.iter().any(|allowed| allowed == agent_id),
        }
    }

    /// The sections of `agent_id` the key is limited to; `None` when it
    /// may use the whole agent.
    pub fn section_limit(&self, agent_id: &str) -> Option<Vec<String>> {
        self.sections.for_agent(agent_id)
    }

    /// Whether the key may create agents that do not exist yet.
    pub fn covers_all_agents(&self) -> bool {
        self.agents.is_none()
    }
}

/// What revoking a key by its prefix did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// This many keys were revoked (one unless asked for all).
    Revoked(u64),
    /// No active key has this prefix: nothing was revoked.
    NoActiveKey,
    /// Several active keys share the prefix (made before prefixes were
    /// unique): none was revoked.
    Ambiguous(u64),
}

/// Makes a new key: the secret to print once, and what to store.
pub fn generate(
    scope: KeyScope,
    agents: Option<Vec<String>>,
    label: Option<String>,
    now: Millis,
) -> (String, NewKey) {
    let mut prefix = [0u8; 4];
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut prefix);
    rand::rng().fill_bytes(&mut secret);
    let prefix = format!("pk_{}_{}", scope.as_str(), hex::encode(prefix));
    let full = format!("{prefix}_{}", hex::encode(secret));
    let key = NewKey {
        hash: hash_key(&full),
        prefix,
        scope,
        agents,
        sections: crate::sections::SectionLimits::default(),
        label,
        created_at: now.0,
    };
    (full, key)
}

/// The stored form of a presented key.
pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_only_their_hash_is_kept() {
        let (first, stored) = generate(KeyScope::Read, None, None, Millis(0));
        let (second, _) = generate(KeyScope::Read, None, None, Millis(0));
        assert_ne!(first, second);
        assert!(first.starts_with(&stored.prefix));
        assert_eq!(stored.hash, hash_key(&first));
        assert!(!stored.hash.contains(&first[stored.prefix.len()..]));
    }
}

//! API keys: stored only as hashes, listed, revoked.
//!
//! The SQL is in `queries/api_keys.rs`; these methods hand it the current
//! backend's reader or writer.

use super::Store;
use crate::error::Result;
use crate::keys::{KeyRecord, KeyScope, NewKey, Revocation};
use crate::sections::SectionLimits;
use crate::time::Millis;

impl Store {
    /// Stores a generated key; false (nothing stored) when its prefix is
    /// taken. [`Store::create_key`] generates and stores in one go.
    pub async fn insert_key(&self, key: &NewKey) -> Result<bool> {
        on_writer!(self, api_keys::insert_key(key))
    }

    /// Generates a key whose prefix no other key has, stores it, and
    /// returns its secret (to show once) with what was stored.
    pub async fn create_key(
        &self,
        scope: KeyScope,
        agents: Option<Vec<String>>,
        label: Option<String>,
        now: Millis,
    ) -> Result<(String, NewKey)> {
        self.create_limited_key(scope, agents, SectionLimits::default(), label, now)
            .await
    }

    /// [`Store::create_key`] for a key limited to some sections of its agents.
    pub async fn create_limited_key(
        &self,
        scope: KeyScope,
        agents: Option<Vec<String>>,
        sections: SectionLimits,
        label: Option<String>,
        now: Millis,
    ) -> Result<(String, NewKey)> {
        loop {
            let (secret, mut key) =
                crate::keys::generate(scope, agents.clone(), label.clone(), now);
            key.sections = sections.clone();
            if self.insert_key(&key).await? {
                return Ok((secret, key));
            }
        }
    }

    /// The key whose secret hashes to `key_hash` (see
    /// [`crate::keys::hash_key`]), revoked or not; `None` when no key has it.
    pub async fn key_by_hash(&self, key_hash: &str) -> Result<Option<KeyRecord>> {
        on_reader!(self, api_keys::key_by_hash(key_hash))
    }

    /// Revokes the active key whose printed prefix is `prefix` (with
    /// `all`, every active key sharing it).
    pub async fn revoke_key(&self, prefix: &str, all: bool, at: Millis) -> Result<Revocation> {
        on_writer!(self, api_keys::revoke_key(prefix, all, at.0))
    }

    /// Every key ever made, revoked ones included, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyRecord>> {
        on_reader!(self, api_keys::list_keys())
    }
}

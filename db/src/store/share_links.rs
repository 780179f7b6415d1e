//! Share links: stored hashed, viewed, revoked.
//!
//! The SQL is in `queries/share_links.rs`; these methods hand it the current
//! backend's reader or writer.

use super::Store;
use crate::error::Result;
use crate::time::Millis;

impl Store {
    /// Stores a new share link; returns its id.
    pub async fn create_share_link(
        &self,
        link: &crate::share_links::NewLinkRow<'_>,
    ) -> Result<i64> {
        on_writer!(self, share_links::create_share_link(link))
    }

    /// Every share link, newest first.
    pub async fn list_share_links(&self) -> Result<Vec<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::list_share_links())
    }

    /// The share link whose token hashes to `token_hash`.
    pub async fn share_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::share_link_by_hash(token_hash))
    }

    /// The share link numbered `id`.
    pub async fn share_link_by_id(
        &self,
        id: i64,
    ) -> Result<Option<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::share_link_by_id(id))
    }

    /// Counts a view of a share link's figures at `at`.
    pub async fn record_share_view(&self, id: i64, at: Millis) -> Result<()> {
        on_writer!(self, share_links::record_share_view(id, at.0))
    }

    /// Revokes a share link at `at`; false when none works under that id.
    pub async fn revoke_share_link(&self, id: i64, at: Millis) -> Result<bool> {
        on_writer!(self, share_links::revoke_share_link(id, at.0))
    }
}

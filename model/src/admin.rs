//! What the superadministrator's settings pages show and send.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub superadmin: bool,
    pub disabled: bool,
    /// Agents an administrator may see.
    pub agents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    /// The public part printed with the key; names it for revoking.
    pub prefix: String,
    /// `ingest` or `read`.
    pub scope: String,
    /// `None`: every agent.
    pub agents: Option<Vec<String>>,
    pub label: Option<String>,
    pub revoked: bool,
}

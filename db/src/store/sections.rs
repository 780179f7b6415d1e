//! Sections of an agent and their members.
//!
//! The SQL is in `queries/sections.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{AgentRef, Store};
use crate::error::Result;
use crate::ids::UserKey;
use crate::learners::Naming;
use crate::time::Millis;
use std::collections::HashMap;

impl Store {
    /// The agent's sections with their member counts, by name.
    pub async fn list_sections(&self, agent: &AgentRef) -> Result<Vec<pulse_model::Section>> {
        on_reader!(self, sections::list_sections(agent.key))
    }

    /// Creates the section or renames it; true when it was created.
    pub async fn put_section(
        &self,
        agent: &AgentRef,
        section_id: &str,
        name: &str,
    ) -> Result<bool> {
        on_writer!(self, sections::put_section(agent.key, section_id, name))
    }

    /// Deletes the section with its list of members; false when there was none.
    pub async fn delete_section(&self, agent: &AgentRef, section_id: &str) -> Result<bool> {
        on_writer!(self, sections::delete_section(agent.key, section_id))
    }

    /// Adds the user to the section, registering them for the agent from
    /// `now` when needed: `None` for an unknown section, else whether they
    /// were new to it.
    pub async fn add_section_member(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_id: &str,
        registration: (Millis, Naming),
    ) -> Result<Option<bool>> {
        on_writer!(
            self,
            sections::add_member(agent.key, section_id, user_id, registration)
        )
    }

    /// Removes the user from the section: `None` for an unknown section,
    /// else whether they were in it.
    pub async fn remove_section_member(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_id: &str,
    ) -> Result<Option<bool>> {
        on_writer!(
            self,
            sections::remove_member(agent.key, section_id, user_id)
        )
    }

    /// Makes `user_ids` the section's members in one transaction,
    /// registering each for the agent from `now` when needed; `None` for
    /// an unknown section.
    pub async fn replace_section_members(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_ids: &[&str],
        registration: (Millis, Naming),
    ) -> Result<Option<()>> {
        on_writer!(
            self,
            sections::replace_members(agent.key, section_id, user_ids, registration)
        )
    }

    /// The user ids of the section's members, sorted; `None` for an
    /// unknown section.
    pub async fn section_member_ids(
        &self,
        agent: &AgentRef,
        section_id: &str,
    ) -> Result<Option<Vec<String>>> {
        on_reader!(self, sections::member_ids(agent.key, section_id))
    }

    /// Those of `user_ids` who are members of any of `section_ids`.
    pub async fn section_members_among(
        &self,
        agent: &AgentRef,
        section_ids: &[&str],
        user_ids: &[&str],
    ) -> Result<std::collections::HashSet<String>> {
        on_reader!(
            self,
            sections::members_among(agent.key, section_ids, user_ids)
        )
    }

    /// The members of those of `section_ids` that exist, by section id.
    pub async fn section_members(
        &self,
        agent: &AgentRef,
        section_ids: &[&str],
    ) -> Result<HashMap<String, Vec<UserKey>>> {
        on_reader!(self, sections::section_members(agent.key, section_ids))
    }

    /// Loads a checked roster in one transaction; returns how many
    /// learners were new to their section.
    pub async fn import_roster(
        &self,
        agent: &AgentRef,
        lines: &[crate::sections::RosterLine],
        now: Millis,
    ) -> Result<u64> {
        on_writer!(self, sections::import_roster(agent.key, lines, now))
    }
}

//! Annotations: dated notes an agent's administrators put on its charts.
//!
//! The SQL is in `queries/annotations.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{AgentRef, Store};
use crate::error::Result;

impl Store {
    /// The agent's annotations, oldest date first.
    pub async fn list_annotations(&self, agent: &AgentRef) -> Result<Vec<pulse_model::Annotation>> {
        on_reader!(self, annotations::list_annotations(agent.key))
    }

    /// Stores checked annotations (new, or replacing those with their ids)
    /// in one transaction; returns how many were new.
    pub async fn put_annotations(
        &self,
        agent: &AgentRef,
        notes: &[pulse_model::Annotation],
    ) -> Result<u64> {
        on_writer!(self, annotations::put_annotations(agent.key, notes))
    }

    /// Deletes an annotation; false when there was none.
    pub async fn delete_annotation(&self, agent: &AgentRef, id: &str) -> Result<bool> {
        on_writer!(self, annotations::delete_annotation(agent.key, id))
    }
}

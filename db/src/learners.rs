//! Who may register, name and see which learners (docs/METRICS.md,
//! "Learners and their names"). One place for the rule; every path that
//! registers or names a learner (events, registrations, sections, rosters,
//! the user table) takes its [`Naming`] from here.
//!
//! A learner id is the host platform's, shared by every agent, but what a
//! learner is called is kept per agent: the names sent for that agent, or
//! by a caller for every agent. So a caller limited to agent A may register
//! any id for A (a roster arrives before its learners' first use), and the
//! answer is the same whether or not the id belongs to another agent;
//! what A's viewers then see of that learner is only what was sent for A.
//! Nothing of another agent (its names, its activity) ever reaches them.

/// Whose word a registration or a name is, for the names a learner has on
/// each agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// A caller for every agent (a key for every agent, a
    /// superadministrator, the command line): the platform's own word.
    /// Names it sends also become the learner's names everywhere a
    /// registration made by such a caller starts from.
    #[default]
    Platform,
    /// A key limited to some agents (or sections), the host platform's
    /// integration for them: names it sends reach the agent they were sent
    /// for and nothing else, and a learner it registers starts without
    /// names there.
    OwnAgent,
    /// An administrator of some agents, typing ids by hand: named as
    /// [`Naming::OwnAgent`], and what they register is not the platform's
    /// word that the learner is enrolled, so no reminder goes to such a
    /// learner until they use the agent (`vouches`).
    Administrator,
}

impl Naming {
    /// The naming of a caller that reaches `agents` (`None`: every agent).
    pub fn of_reach(agents: Option<&[String]>) -> Naming {
        match agents {
            None => Naming::Platform,
            Some(_) => Naming::OwnAgent,
        }
    }

    /// Whether a new registration starts with the platform-wide names.
    pub fn starts_named(self) -> bool {
        self == Naming::Platform
    }

    /// Whether a registration it makes is the host platform's word that the
    /// learner is enrolled in the agent: reminders (which go through the
    /// platform to the learner) are for such learners, or those who used
    /// the agent. The same for any id, known elsewhere or not.
    pub fn vouches(self) -> bool {
        self != Naming::Administrator
    }
}

/// The ids of `user_ids` that are not among `members` (the members of the
/// sections a caller is limited to), each once, in the order given: what
/// that caller may not touch. Such a caller registers no learner and sends
/// events and names only for the learners of its sections. The same answer whether an id is unknown, registered outside
/// the sections, or belongs to another agent, so it tells nothing of them.
pub fn learners_outside<'a>(
    user_ids: impl IntoIterator<Item = &'a str>,
    members: &std::collections::HashSet<String>,
) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    user_ids
        .into_iter()
        .filter(|id| !members.contains(*id) && seen.insert(*id))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_caller_for_every_agent_names_everywhere() {
        assert_eq!(Naming::of_reach(None), Naming::Platform);
        assert!(Naming::of_reach(None).starts_named());
        let agents = vec!["a".to_owned()];
        assert_eq!(Naming::of_reach(Some(&agents)), Naming::OwnAgent);
        assert!(!Naming::OwnAgent.starts_named());
        assert!(Naming::OwnAgent.vouches() && !Naming::Administrator.vouches());
    }

    #[test]
    fn learners_outside_the_sections_are_named_once() {
        let members = ["ann".to_owned()].into_iter().collect();
        assert_eq!(
            learners_outside(["ann", "bob", "bob", "cy"], &members),
            ["bob", "cy"]
        );
    }
}

//! What newly stored events change besides the events table. Pure, so the
//! rules (which event closes a session, which name wins) are tested alone.
//! Every map is ordered: writing rows in key order keeps concurrent
//! PostgreSQL transactions from deadlocking on each other's row locks.

use std::collections::{BTreeMap, HashMap};

use super::{EventKind, ValidEvent};
use crate::ids::{AgentKey, UserKey};
use crate::time::{Day, Millis, Slot};

/// Agent and user database keys of a row.
pub type AgentUser = (AgentKey, UserKey);

/// A user's activity on one UTC day: a bit per active quarter hour, and messages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayActivity {
    /// Bit `q` (0..96) is set when the user had an event in quarter hour `q` of
    /// the UTC day.
    pub quarters: u128,
    /// The user's message events on that day.
    pub messages: i64,
}

impl DayActivity {
    /// Quarters 0..48 (00:00-12:00 UTC) and 48..96, as stored.
    pub fn halves(self) -> (i64, i64) {
        const HALF: u128 = (1 << 48) - 1;
        (
            (self.quarters & HALF) as i64,
            ((self.quarters >> 48) & HALF) as i64,
        )
    }

    /// The inverse of [`DayActivity::halves`]: the activity from its two stored
    /// columns and its messages.
    pub fn from_halves(am: i64, pm: i64, messages: i64) -> DayActivity {
        DayActivity {
            quarters: (am as u128) | ((pm as u128) << 48),
            messages,
        }
    }
}

/// What a batch of new events changes besides the events table: the rollups,
/// the users' latest activity, automatic registrations, sessions' latest states
/// and names. The store merges it in the batch's transaction.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// (agent, UTC day, user) -> activity to merge into the day's rollup.
    pub days: BTreeMap<(AgentKey, Day, UserKey), DayActivity>,
    /// (agent, slot) -> messages to add.
    pub message_slots: BTreeMap<(AgentKey, Slot), i64>,
    /// (earliest, latest) instant per (agent, user), to merge with min and
    /// max; the earliest is also the automatic registration's instant.
    pub active_span: BTreeMap<AgentUser, (Millis, Millis)>,
    /// (agent, user, session key) -> (instant, ended) of the session's latest event.
    pub sessions: BTreeMap<(AgentKey, UserKey, String), (Millis, bool)>,
    /// (agent, user) -> (username, name), the last value of each field in
    /// batch order: names are kept per agent (crate::learners).
    pub names: BTreeMap<AgentUser, (Option<String>, Option<String>)>,
    /// user -> (username, name), the last value of each field in batch
    /// order over every agent: the platform-wide names, when the sender
    /// speaks for the platform.
    pub user_names: BTreeMap<UserKey, (Option<String>, Option<String>)>,
}

impl Effects {
    /// The effects of `events` (all new, in batch order), with the database
    /// keys of their agents and users.
    pub fn of<'a>(
        events: impl IntoIterator<Item = &'a ValidEvent>,
        agents: &HashMap<String, AgentKey>,
        users: &HashMap<String, UserKey>,
    ) -> Effects {
        let mut effects = Effects::default();
        for event in events {
            let agent = agents[&event.agent_id];
            let user = users[&event.user_id];
            effects.add(agent, user, event);
        }
        effects
    }

    /// Adds one new event of agent `agent` and user `user` (database keys).
    pub fn add(&mut self, agent: AgentKey, user: UserKey, event: &ValidEvent) {
        let is_message = i64::from(event.kind == EventKind::Message);
        let at = Millis(event.at);
        let (day, quarter) = at.day_and_quarter();
        let activity = self.days.entry((agent, day, user)).or_default();
        activity.quarters |= 1 << quarter;
        activity.messages += is_message;
        if is_message == 1 {
            *self.message_slots.entry((agent, at.slot())).or_default() += 1;
        }

        let span = self.active_span.entry((agent, user)).or_insert((at, at));
        *span = (span.0.min(at), span.1.max(at));

        let session_key = event.session_id.clone().unwrap_or_default();
        let candidate = (at, event.kind == EventKind::SessionEnd);
        let session = self
            .sessions
            .entry((agent, user, session_key))
            .or_insert(candidate);
        // Later instant wins; on a tie session_end wins (METRICS.md, `online`).
        *session = (*session).max(candidate);

        if event.username.is_some() || event.name.is_some() {
            for names in [
                self.names.entry((agent, user)).or_default(),
                self.user_names.entry(user).or_default(),
            ] {
                if event.username.is_some() {
                    names.0.clone_from(&event.username);
                }
                if event.name.is_some() {
                    names.1.clone_from(&event.name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, kind: EventKind, at: i64, session: Option<&str>) -> ValidEvent {
        ValidEvent {
            id: id.into(),
            kind,
            agent_id: "a".into(),
            user_id: "u".into(),
            at,
            session_id: session.map(Into::into),
            username: None,
            name: None,
        }
    }

    const A: AgentKey = AgentKey(1);
    const U: UserKey = UserKey(7);

    fn keys() -> (HashMap<String, AgentKey>, HashMap<String, UserKey>) {
        (
            HashMap::from([("a".to_string(), A)]),
            HashMap::from([("u".to_string(), U)]),
        )
    }

    #[test]
    fn session_end_wins_a_tie_in_either_order() {
        let (agents, users) = keys();
        for events in [
            vec![
                event("1", EventKind::SessionEnd, 50, Some("s")),
                event("2", EventKind::Heartbeat, 50, Some("s")),
            ],
            vec![
                event("2", EventKind::Heartbeat, 50, Some("s")),
                event("1", EventKind::SessionEnd, 50, Some("s")),
            ],
        ] {
            let effects = Effects::of(&events, &agents, &users);
            assert_eq!(
                effects.sessions[&(A, U, "s".to_string())],
                (Millis(50), true)
            );
        }
    }

    #[test]
    fn a_later_event_reopens_nothing_earlier() {
        let (agents, users) = keys();
        let events = [
            event("1", EventKind::Heartbeat, 90, None),
            event("2", EventKind::SessionEnd, 40, None),
        ];
        let effects = Effects::of(&events, &agents, &users);
        assert_eq!(
            effects.sessions[&(A, U, String::new())],
            (Millis(90), false)
        );
        assert_eq!(effects.active_span[&(A, U)].0, Millis(40));
        assert_eq!(effects.active_span[&(A, U)].1, Millis(90));
    }

    #[test]
    fn each_name_field_keeps_its_last_given_value() {
        let (agents, users) = keys();
        let mut first = event("1", EventKind::Message, 10, None);
        first.username = Some("ann".into());
        first.name = Some("Ann".into());
        let mut second = event("2", EventKind::Message, 5, None);
        second.name = Some("Ann B".into());
        let effects = Effects::of(&[first, second], &agents, &users);
        assert_eq!(
            effects.names[&(A, U)],
            (Some("ann".into()), Some("Ann B".into()))
        );
        assert_eq!(effects.user_names[&U], effects.names[&(A, U)]);
        assert_eq!(
            effects.days[&(A, Day(0), U)],
            DayActivity {
                quarters: 1,
                messages: 2
            }
        );
        assert_eq!(effects.message_slots[&(A, Slot(0))], 2);
    }
}

#[cfg(test)]
mod day_tests {
    use super::DayActivity;

    #[test]
    fn both_halves_of_the_day_round_trip() {
        let day = DayActivity {
            quarters: (1 << 95) | (1 << 48) | (1 << 47) | 1,
            messages: 3,
        };
        let (am, pm) = day.halves();
        assert_eq!((am, pm), ((1 << 47) | 1, (1 << 47) | 1));
        assert_eq!(DayActivity::from_halves(am, pm, 3), day);
    }
}

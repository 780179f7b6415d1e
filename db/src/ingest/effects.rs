//! What newly stored events change besides the events table. Pure, so the
//! rules (which event closes a session, which name wins) are tested alone.
//! Every map is ordered: writing rows in key order keeps concurrent
//! PostgreSQL transactions from deadlocking on each other's row locks.

use std::collections::{BTreeMap, HashMap};

use super::{EventKind, ValidEvent};
use crate::time::{day_and_quarter, slot_of};

/// Agent and user primary keys of a row.
pub type AgentUser = (i64, i64);

/// A user's activity on one UTC day: a bit per active quarter hour, and messages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayActivity {
    pub quarters: u128,
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

    pub fn from_halves(am: i64, pm: i64, messages: i64) -> DayActivity {
        DayActivity {
            quarters: (am as u128) | ((pm as u128) << 48),
            messages,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// (agent, UTC day, user) -> activity to merge into the day's rollup.
    pub days: BTreeMap<(i64, i64, i64), DayActivity>,
    /// (agent, slot) -> messages to add.
    pub message_slots: BTreeMap<(i64, i64), i64>,
    /// Latest instant per (agent, user), to merge with max.
    pub last_active: BTreeMap<AgentUser, i64>,
    /// Earliest instant per (agent, user): the automatic registration.
    pub first_seen: BTreeMap<AgentUser, i64>,
    /// (agent, user, session key) -> (instant, ended) of the session's latest event.
    pub sessions: BTreeMap<(i64, i64, String), (i64, bool)>,
    /// user -> (username, name), the last value of each field in batch order.
    pub names: BTreeMap<i64, (Option<String>, Option<String>)>,
}

impl Effects {
    /// The effects of `events` (all new, in batch order), with the database
    /// keys of their agents and users.
    pub fn of<'a>(
        events: impl IntoIterator<Item = &'a ValidEvent>,
        agents: &HashMap<String, i64>,
        users: &HashMap<String, i64>,
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
    pub fn add(&mut self, agent: i64, user: i64, event: &ValidEvent) {
        let is_message = i64::from(event.kind == EventKind::Message);
        let (day, quarter) = day_and_quarter(event.at);
        let activity = self.days.entry((agent, day, user)).or_default();
        activity.quarters |= 1 << quarter;
        activity.messages += is_message;
        if is_message == 1 {
            *self
                .message_slots
                .entry((agent, slot_of(event.at)))
                .or_default() += 1;
        }

        let last = self.last_active.entry((agent, user)).or_insert(event.at);
        *last = (*last).max(event.at);
        let first = self.first_seen.entry((agent, user)).or_insert(event.at);
        *first = (*first).min(event.at);

        let session_key = event.session_id.clone().unwrap_or_default();
        let candidate = (event.at, event.kind == EventKind::SessionEnd);
        let session = self
            .sessions
            .entry((agent, user, session_key))
            .or_insert(candidate);
        // Later instant wins; on a tie session_end wins (METRICS.md, `online`).
        *session = (*session).max(candidate);

        if event.username.is_some() || event.name.is_some() {
            let names = self.names.entry(user).or_default();
            if event.username.is_some() {
                names.0.clone_from(&event.username);
            }
            if event.name.is_some() {
                names.1.clone_from(&event.name);
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

    fn keys() -> (HashMap<String, i64>, HashMap<String, i64>) {
        (
            HashMap::from([("a".to_string(), 1)]),
            HashMap::from([("u".to_string(), 7)]),
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
            assert_eq!(effects.sessions[&(1, 7, "s".to_string())], (50, true));
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
        assert_eq!(effects.sessions[&(1, 7, String::new())], (90, false));
        assert_eq!(effects.first_seen[&(1, 7)], 40);
        assert_eq!(effects.last_active[&(1, 7)], 90);
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
            effects.names[&7],
            (Some("ann".into()), Some("Ann B".into()))
        );
        assert_eq!(
            effects.days[&(1, 0, 7)],
            DayActivity {
                quarters: 1,
                messages: 2
            }
        );
        assert_eq!(effects.message_slots[&(1, 0)], 2);
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

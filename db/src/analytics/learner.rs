//! One learner's figures for one selection (METRICS.md, "One learner").
//! A learner's events of a period are few (thousands at most), so they are
//! read raw and placed one by one in the period's calendar: the same
//! placement as every other figure, without the rollups.

use std::collections::{BTreeSet, HashMap};

use pulse_model::{LEARNER_SESSIONS_SHOWN, LearnerDay, LearnerSession, LearnerView};

use super::{AnalyticsError, Calendar, Facts, Selection, Settings, heatmap, statuses};
use crate::time::{Millis, from_millis, to_millis};

/// Why a learner view could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
    /// The user is not registered for the agent (the answer does not say
    /// whether they exist elsewhere).
    #[error("no learner {0:?} on this agent")]
    UnknownLearner(String),
    /// The figures could not be computed.
    #[error(transparent)]
    Analytics(#[from] AnalyticsError),
}

impl From<crate::error::StoreError> for LearnerError {
    fn from(error: crate::error::StoreError) -> Self {
        LearnerError::Analytics(error.into())
    }
}

impl Selection<'_> {
    /// The learner view of `user_id`, registered for the selection's agent.
    pub async fn learner(
        &self,
        user_id: &str,
        settings: Settings,
    ) -> std::result::Result<LearnerView, LearnerError> {
        let store = self.store;
        // The kept view has the learner's row, key and the agent's median:
        // a learner of the agent is a row of its user table.
        let view = self.view().await?;
        let index = view
            .users
            .users
            .binary_search_by(|row| row.user_id.as_str().cmp(user_id))
            .map_err(|_| LearnerError::UnknownLearner(user_id.to_owned()))?;
        let (mut user, key) = (view.users.users[index].clone(), view.user_keys[index]);
        let (start, end) = self.bounds();
        let online_since = to_millis(self.now) - settings.online_window.num_milliseconds();
        let (events, sessions, online) = tokio::try_join!(
            store.learner_activity(self.agent, key, Millis(start), Millis(end)),
            store.learner_sessions(
                self.agent,
                key,
                Millis(start),
                Millis(end),
                LEARNER_SESSIONS_SHOWN
            ),
            store.learner_online(self.agent, key, Millis(online_since)),
        )?;
        user.status = self.statuses_of(std::iter::once((&user, &key))).await?[0];
        let calendar = Calendar::new(self.period.tz, start, end, self.granularity());
        let facts = Facts::of_events(&calendar, &events);
        Ok(LearnerView {
            agent_median: statuses::agent_median(&view.users.users),
            days: Self::days(&calendar, &facts),
            heatmap: heatmap(&facts, &calendar),
            sessions: sessions
                .into_iter()
                .map(|session| LearnerSession {
                    session_id: session.session_id,
                    start: from_millis(session.start.0),
                    end: from_millis(session.end_at.0),
                    messages: session.messages as u64,
                    ended: session.ended != 0,
                })
                .collect(),
            online,
            user,
        })
    }

    /// One entry per local day of the period: messages and distinct local
    /// clock hours (the calendar's local hours are (date, hour) pairs, so a
    /// repeated DST hour is one).
    fn days(calendar: &Calendar, facts: &Facts) -> Vec<LearnerDay> {
        let mut messages: HashMap<u32, u64> = HashMap::new();
        let mut hours: BTreeSet<(u32, u32)> = BTreeSet::new();
        for (_, user) in facts.users() {
            for hour in &user.hours {
                hours.insert((calendar.hour_days[*hour as usize], *hour));
            }
        }
        for (hour, count) in facts.hour_messages.iter().enumerate() {
            *messages.entry(calendar.hour_days[hour]).or_default() += count;
        }
        (0..)
            .zip(&calendar.day_dates)
            .map(|(day, date)| LearnerDay {
                date: *date,
                messages: messages.get(&day).copied().unwrap_or_default(),
                active_hours: hours.range((day, 0)..(day + 1, 0)).count() as u64,
            })
            .collect()
    }
}

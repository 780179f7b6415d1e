//! Whom to follow up with (METRICS.md, "Follow-up status of a learner"), and
//! the agent's median learner that the learner view compares with.

use chrono::{DateTime, Utc};
use pulse_model::{AgentMedian, FollowUpStatus, UserRow};

/// What a status depends on besides the row: the clock and the period.
#[derive(Debug, Clone, Copy)]
pub struct StatusClock {
    /// `now - inactive_days * 24h`: no event from here to `now` is `stopped`.
    pub inactive_since: DateTime<Utc>,
    /// The server's clock.
    pub now: DateTime<Utc>,
    /// The selected period `[start, end)`.
    pub start: DateTime<Utc>,
    /// End of the selected period, excluded.
    pub end: DateTime<Utc>,
}

/// Whether a row's latest event tells if it had one in
/// `[inactive_since, now]`: not when that event lies after `now` (an
/// earlier one might or might not), which the caller then asks the
/// database about.
pub fn needs_recent_check(row: &UserRow, clock: &StatusClock) -> bool {
    matches!((row.first_active, row.last_active),
        (Some(first), Some(last)) if last > clock.now && first < clock.inactive_since)
}

/// The row's status; `recent`: whether it has an event in
/// `[inactive_since, now]`, for a row that [`needs_recent_check`].
pub fn status(row: &UserRow, clock: &StatusClock, recent: bool) -> FollowUpStatus {
    let (Some(first), Some(last)) = (row.first_active, row.last_active) else {
        return FollowUpStatus::NeverStarted;
    };
    let active_recently = if needs_recent_check(row, clock) {
        recent
    } else {
        // Every event is at or before `now`, or the first is in the window.
        last >= clock.inactive_since
    };
    let earlier_ones = first < clock.inactive_since;
    if !active_recently && earlier_ones {
        FollowUpStatus::Stopped
    } else if first >= clock.start && first < clock.end {
        FollowUpStatus::New
    } else if row.previous_active_days >= 2 && row.active_days * 2 < row.previous_active_days {
        FollowUpStatus::Slowing
    } else {
        FollowUpStatus::Active
    }
}

/// The median of `messages` and of `active_days` over the rows (0 for none).
pub fn agent_median(rows: &[UserRow]) -> AgentMedian {
    AgentMedian {
        messages: median(rows.iter().map(|row| row.messages).collect()),
        active_days: median(rows.iter().map(|row| row.active_days).collect()),
    }
}

fn median(mut values: Vec<u64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle] as f64
    } else {
        (values[middle - 1] as f64 + values[middle] as f64) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), 0.0);
        assert_eq!(median(vec![5]), 5.0);
        assert_eq!(median(vec![9, 1, 4, 2]), 3.0);
        assert_eq!(median(vec![3, 1, 2]), 2.0);
    }
}

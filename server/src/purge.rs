//! Purging old events (`PULSE_RETENTION_DAYS`, a name kept for the public
//! setting; "retention" in the code is the cohort figure): events older than that
//! many whole UTC days are deleted at start and then daily.

use std::time::Duration;

use pulse_db::Store;
use pulse_db::time::{DAY_MS, Day, Millis};

/// The first UTC day kept when `days` are kept, today included in them.
pub fn first_kept_day(now: Millis, days: u32) -> Day {
    Day(now.0.div_euclid(DAY_MS) - i64::from(days))
}

/// Deletes what is past the period now, then once a day, until the server
/// stops. A failed purge is logged and tried again the next day.
pub fn spawn_purges(store: Store, days: u32) {
    tokio::spawn(async move {
        let mut daily = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
        loop {
            daily.tick().await;
            let first_kept = first_kept_day(Millis::now(), days);
            let purged = store.purge_before(first_kept).await;
            log_purge(&purged, days);
        }
    });
}

fn log_purge(purged: &Result<u64, pulse_db::StoreError>, days: u32) {
    if let Err(error) = purged {
        tracing::error!(%error, "could not purge old events");
    } else if let Ok(events) = purged {
        tracing::info!(events, days, "old events purged");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_today_and_the_whole_days_before() {
        // 1970-01-03 12:00 UTC keeping 2 days: from 1970-01-01.
        let now = Millis(2 * DAY_MS + DAY_MS / 2);
        assert_eq!(first_kept_day(now, 2), Day(0));
        assert_eq!(first_kept_day(Millis(2 * DAY_MS), 1), Day(1));
    }
}

//! The learner table's logic, apart from its view: which rows a search,
//! a quick filter, a status and a contact filter leave, in which order, and
//! the words for "how long ago". Plain functions over the rows, tested
//! here; the component only draws what they give.

use std::cmp::Ordering;
use std::collections::HashMap;

use pulse_model::{ContactMark, UserRow};

use crate::view_state::{Column, QuickFilter, ViewState};

const DAY_MS: i64 = 86_400_000;

/// Indexes of the rows to show, filtered and in order (a stable sort).
/// Ids are searched only when `by_id` (not in privacy mode: an id typed
/// would pick out the learner behind a pseudonym).
pub fn shown_rows(
    rows: &[UserRow],
    keys: &[TextKeys],
    marks: &HashMap<String, ContactMark>,
    (view, by_id): (&ViewState, bool),
    now_ms: i64,
) -> Vec<usize> {
    let needle = fold(view.search.trim());
    let top_threshold = top_senders_threshold(rows);
    let cutoff = now_ms - i64::from(view.inactive_days) * DAY_MS;
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&index| {
            needle.is_empty()
                || keys[index].name.contains(&needle)
                || keys[index].username.contains(&needle)
                || (by_id && keys[index].user_id.contains(&needle))
        })
        .filter(|&index| {
            let row = &rows[index];
            match view.filter {
                QuickFilter::All => true,
                QuickFilter::Inactive => row
                    .last_active
                    .is_none_or(|at| at.timestamp_millis() <= cutoff),
                QuickFilter::Never => row.last_active.is_none(),
                QuickFilter::ActiveInPeriod => row.active_days > 0,
                QuickFilter::TopSenders => row.messages > 0 && row.messages >= top_threshold,
            }
        })
        .filter(|&index| {
            view.status
                .is_none_or(|status| rows[index].status == status)
        })
        .filter(|&index| {
            view.uncontacted_days.is_none_or(|days| {
                let since = now_ms - i64::from(days) * DAY_MS;
                marks
                    .get(&rows[index].user_id)
                    .is_none_or(|mark| mark.marked_at.timestamp_millis() < since)
            })
        })
        .collect();
    order.sort_by(|&a, &b| {
        let contacted = |index: usize| marks.get(&rows[index].user_id).map(|mark| mark.marked_at);
        let ordering = match view.sort {
            Column::Contacted => contacted(a).cmp(&contacted(b)),
            column => compare((&rows[a], &keys[a]), (&rows[b], &keys[b]), column),
        };
        if view.descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    order
}

/// A row's texts as searched and sorted: folded. The name column shows
/// (and sorts by) the user id when there is neither name nor username.
#[derive(Debug, Clone, PartialEq)]
pub struct TextKeys {
    name: String,
    username: String,
    user_id: String,
}

impl TextKeys {
    pub fn of(row: &UserRow) -> TextKeys {
        let shown_name = match (&row.name, &row.username) {
            (Some(name), _) => name.as_str(),
            (None, None) => row.user_id.as_str(),
            (None, Some(_)) => "",
        };
        TextKeys {
            name: fold(shown_name),
            username: fold(row.username.as_deref().unwrap_or("")),
            user_id: fold(&row.user_id),
        }
    }
}

fn compare(
    (a, a_keys): (&UserRow, &TextKeys),
    (b, b_keys): (&UserRow, &TextKeys),
    column: Column,
) -> Ordering {
    match column {
        Column::Name => a_keys.name.cmp(&b_keys.name),
        Column::Username => a_keys.username.cmp(&b_keys.username),
        Column::Messages => a.messages.cmp(&b.messages),
        Column::ActiveDays => a.active_days.cmp(&b.active_days),
        Column::LastActive => a.last_active.cmp(&b.last_active),
        Column::Status => a.status.cmp(&b.status),
        // Sorted by the caller, who has the marks.
        Column::Contacted => Ordering::Equal,
    }
}

/// The message count from which a user is among the top tenth of senders.
fn top_senders_threshold(rows: &[UserRow]) -> u64 {
    let mut counts: Vec<u64> = rows
        .iter()
        .map(|row| row.messages)
        .filter(|m| *m > 0)
        .collect();
    if counts.is_empty() {
        return u64::MAX;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    counts[(counts.len().div_ceil(10)).saturating_sub(1)]
}

/// Lower case without accents, so "zoe" finds "Zoë": decomposed (NFD),
/// stripped of combining marks (Unicode category M), lower-cased. In the
/// browser by its own `normalize` and a `\p{M}` pattern, so that no
/// Unicode tables ship in the WebAssembly; elsewhere (tests, the server's
/// build) by unicode-normalization, which decomposes alike.
fn fold(text: &str) -> String {
    // Most names are plain ASCII: no call out to the browser for them (a
    // table folds three texts a learner as it loads).
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    let bare: String = {
        thread_local! {
            static MARKS: js_sys::RegExp = js_sys::RegExp::new("\\p{M}", "gu");
        }
        let decomposed = js_sys::JsString::from(text).normalize("NFD");
        MARKS
            .with(|marks| decomposed.replace_by_pattern(marks, ""))
            .into()
    };
    #[cfg(not(target_arch = "wasm32"))]
    let bare: String = {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::is_combining_mark;
        text.nfd().filter(|c| !is_combining_mark(*c)).collect()
    };
    bare.chars().flat_map(char::to_lowercase).collect()
}

/// "3 days ago" and the like.
pub fn relative(ms_ago: i64) -> String {
    let minutes = ms_ago.max(0) / 60_000;
    let (value, unit) = match minutes {
        0 => return "just now".into(),
        1..60 => (minutes, "minute"),
        60..1440 => (minutes / 60, "hour"),
        1440..43_200 => (minutes / 1440, "day"),
        43_200..525_600 => (minutes / 43_200, "month"),
        _ => (minutes / 525_600, "year"),
    };
    format!("{value} {unit}{} ago", if value == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use pulse_model::FollowUpStatus;

    use super::*;

    const NOW: i64 = 1_780_000_000_000;

    fn at(days_ago: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(NOW - days_ago * DAY_MS).unwrap()
    }

    fn row(user_id: &str, name: Option<&str>, username: Option<&str>) -> UserRow {
        UserRow {
            user_id: user_id.into(),
            username: username.map(Into::into),
            name: name.map(Into::into),
            registered_at: at(400),
            messages: 0,
            active_days: 0,
            last_active: None,
            first_active: None,
            previous_messages: 0,
            previous_active_days: 0,
            status: FollowUpStatus::NeverStarted,
        }
    }

    /// Twelve learners: u00 never active, the others active `i` days ago
    /// with `i` messages (and active days only within the last week).
    fn class() -> Vec<UserRow> {
        (0..12)
            .map(|i| {
                let mut learner = row(
                    &format!("u{i:02}"),
                    Some(["Zoë", "Ann", "bob"][i % 3]),
                    Some(&format!("login{i}")),
                );
                if i > 0 {
                    learner.messages = i as u64;
                    learner.last_active = Some(at(i as i64));
                    learner.active_days = u64::from(i <= 7);
                    learner.status = if i > 7 {
                        FollowUpStatus::Stopped
                    } else {
                        FollowUpStatus::Active
                    };
                }
                learner
            })
            .collect()
    }

    fn shown(
        rows: &[UserRow],
        view: &ViewState,
        marks: &HashMap<String, ContactMark>,
        by_id: bool,
    ) -> Vec<String> {
        let keys: Vec<TextKeys> = rows.iter().map(TextKeys::of).collect();
        shown_rows(rows, &keys, marks, (view, by_id), NOW)
            .into_iter()
            .map(|index| rows[index].user_id.clone())
            .collect()
    }

    fn ids(rows: impl IntoIterator<Item = UserRow>) -> Vec<String> {
        rows.into_iter().map(|row| row.user_id).collect()
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Zoë ÅNGSTRÖM"), "zoe angstrom");
        assert_eq!(fold("ﬁ"), "ﬁ");
    }

    #[test]
    fn search_finds_names_and_usernames_and_ids_only_when_allowed() {
        let rows = class();
        let view = ViewState {
            search: " ZOE ".into(),
            sort: Column::Name,
            descending: false,
            ..ViewState::default()
        };
        let expected: Vec<String> = ids(rows
            .iter()
            .filter(|row| row.name.as_deref() == Some("Zoë"))
            .cloned());
        assert_eq!(shown(&rows, &view, &HashMap::new(), true), expected);

        let by_login = ViewState {
            search: "login1".into(),
            ..view.clone()
        };
        // login1, login10, login11, in the stable order of equal names.
        let mut expected = vec!["u01", "u10", "u11"];
        expected.sort_by_key(|id| {
            fold(
                rows.iter()
                    .find(|r| r.user_id == *id)
                    .unwrap()
                    .name
                    .as_deref()
                    .unwrap(),
            )
        });
        assert_eq!(shown(&rows, &by_login, &HashMap::new(), true), expected);

        let by_id = ViewState {
            search: "u03".into(),
            ..view
        };
        assert_eq!(shown(&rows, &by_id, &HashMap::new(), true), vec!["u03"]);
        assert!(
            shown(&rows, &by_id, &HashMap::new(), false).is_empty(),
            "privacy mode"
        );
    }

    #[test]
    fn quick_filters_keep_what_their_words_say() {
        let rows = class();
        let base = ViewState {
            sort: Column::Name,
            descending: false,
            ..ViewState::default()
        };
        let sorted = |keep: &dyn Fn(&UserRow) -> bool| {
            let mut kept: Vec<&UserRow> = rows.iter().filter(|row| keep(row)).collect();
            kept.sort_by_key(|row| fold(row.name.as_deref().unwrap_or("")));
            kept.into_iter()
                .map(|row| row.user_id.clone())
                .collect::<Vec<_>>()
        };
        let inactive = ViewState {
            filter: QuickFilter::Inactive,
            inactive_days: 5,
            ..base.clone()
        };
        assert_eq!(
            shown(&rows, &inactive, &HashMap::new(), true),
            sorted(&|row| row.last_active.is_none_or(|last| last <= at(5)))
        );
        let never = ViewState {
            filter: QuickFilter::Never,
            ..base.clone()
        };
        assert_eq!(shown(&rows, &never, &HashMap::new(), true), vec!["u00"]);
        let in_period = ViewState {
            filter: QuickFilter::ActiveInPeriod,
            ..base.clone()
        };
        assert_eq!(
            shown(&rows, &in_period, &HashMap::new(), true),
            sorted(&|row| row.active_days > 0)
        );
        // Eleven senders: the top tenth, rounded up, is two (11 and 10 messages).
        let top = ViewState {
            filter: QuickFilter::TopSenders,
            ..base.clone()
        };
        assert_eq!(
            shown(&rows, &top, &HashMap::new(), true),
            sorted(&|row| row.messages >= 10)
        );
        let stopped = ViewState {
            status: Some(FollowUpStatus::Stopped),
            ..base
        };
        assert_eq!(
            shown(&rows, &stopped, &HashMap::new(), true),
            sorted(&|row| row.status == FollowUpStatus::Stopped)
        );
    }

    #[test]
    fn the_top_tenth_of_senders_counts_only_senders() {
        let mut rows: Vec<UserRow> = (0..25).map(|i| row(&format!("u{i}"), None, None)).collect();
        assert_eq!(
            top_senders_threshold(&rows),
            u64::MAX,
            "nobody sent anything"
        );
        for (i, learner) in rows.iter_mut().enumerate().take(20) {
            learner.messages = i as u64 + 1;
        }
        // 20 senders: the top two send 20 and 19.
        assert_eq!(top_senders_threshold(&rows), 19);
    }

    #[test]
    fn sorting_is_stable_and_descending_reverses_it() {
        let rows = class();
        let by_messages = ViewState {
            sort: Column::Messages,
            descending: true,
            ..ViewState::default()
        };
        let mut expected = rows.clone();
        expected.sort_by_key(|row| std::cmp::Reverse(row.messages));
        assert_eq!(
            shown(&rows, &by_messages, &HashMap::new(), true),
            ids(expected)
        );

        // Equal names keep the rows' own order, whichever way.
        let by_name = ViewState {
            sort: Column::Name,
            descending: false,
            ..ViewState::default()
        };
        let anns: Vec<String> = shown(&rows, &by_name, &HashMap::new(), true)
            .into_iter()
            .filter(|id| {
                rows.iter()
                    .any(|row| &row.user_id == id && row.name.as_deref() == Some("Ann"))
            })
            .collect();
        assert_eq!(anns, vec!["u01", "u04", "u07", "u10"]);
    }

    #[test]
    fn contacted_sorts_and_filters_by_the_latest_mark() {
        let rows = class();
        let mark = |id: &str, days_ago: i64| {
            (
                id.to_owned(),
                ContactMark {
                    user_id: id.into(),
                    marked_at: at(days_ago),
                    marked_by: "admin".into(),
                    note: None,
                    reminder: false,
                },
            )
        };
        let marks: HashMap<String, ContactMark> = [mark("u02", 1), mark("u05", 10)].into();
        let uncontacted = ViewState {
            uncontacted_days: Some(7),
            sort: Column::Name,
            descending: false,
            ..ViewState::default()
        };
        let kept = shown(&rows, &uncontacted, &marks, true);
        assert!(!kept.contains(&"u02".to_owned()), "marked a day ago");
        assert!(kept.contains(&"u05".to_owned()), "marked ten days ago");
        assert_eq!(kept.len(), rows.len() - 1);

        let by_contact = ViewState {
            sort: Column::Contacted,
            descending: true,
            ..ViewState::default()
        };
        let order = shown(&rows, &by_contact, &marks, true);
        assert_eq!(
            &order[..2],
            ["u02", "u05"],
            "the latest mark first, the unmarked after"
        );
    }

    #[test]
    fn how_long_ago_reads_in_whole_units() {
        let minute = 60_000;
        assert_eq!(relative(-5), "just now");
        assert_eq!(relative(59_999), "just now");
        assert_eq!(relative(minute), "1 minute ago");
        assert_eq!(relative(59 * minute), "59 minutes ago");
        assert_eq!(relative(60 * minute), "1 hour ago");
        assert_eq!(relative(DAY_MS * 3), "3 days ago");
        assert_eq!(relative(DAY_MS * 30), "1 month ago");
        assert_eq!(relative(DAY_MS * 400), "1 year ago");
    }
}

//! The CSV form of the user table (METRICS.md, "User details table"),
//! shared by the REST API and the browser's export so both write the same.

use chrono::SecondsFormat;

use crate::UserRow;

/// The CSV's header: the user table's columns, in the order of METRICS.md.
pub const USER_CSV_COLUMNS: [&str; 11] = [
    "user_id",
    "username",
    "name",
    "registered_at",
    "messages",
    "active_days",
    "last_active",
    "first_active",
    "previous_messages",
    "previous_active_days",
    "status",
];

/// A header line, then one line per row, in the order given.
pub fn users_csv<'a>(rows: impl IntoIterator<Item = &'a UserRow>) -> String {
    let mut out = String::new();
    push_line(
        &mut out,
        USER_CSV_COLUMNS
            .iter()
            .map(std::string::ToString::to_string),
    );
    for row in rows {
        let instant =
            |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        push_line(
            &mut out,
            [
                row.user_id.clone(),
                row.username.clone().unwrap_or_default(),
                row.name.clone().unwrap_or_default(),
                instant(row.registered_at),
                row.messages.to_string(),
                row.active_days.to_string(),
                row.last_active.map(instant).unwrap_or_default(),
                row.first_active.map(instant).unwrap_or_default(),
                row.previous_messages.to_string(),
                row.previous_active_days.to_string(),
                row.status.as_str().to_owned(),
            ],
        );
    }
    out
}

fn push_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (index, cell) in cells.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&escape_cell(&cell));
    }
    out.push_str("\r\n");
}

/// Whether a spreadsheet could read `cell` as a formula: its first visible
/// character is `=`, `+`, `-` or `@` (spreadsheets skip leading spaces,
/// no-break spaces and zero-width characters before it), or it starts with
/// a tab or carriage return (OWASP's list).
fn looks_like_a_formula(cell: &str) -> bool {
    let invisible = |c: char| {
        c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    };
    let first_visible = cell.chars().find(|c| !invisible(*c));
    cell.starts_with(['\t', '\r']) || matches!(first_visible, Some('=' | '+' | '-' | '@'))
}

/// Quotes a cell when it needs it, and defuses spreadsheet formulas: a text
/// that [`looks_like_a_formula`] gets a leading `'`.
pub fn escape_cell(cell: &str) -> String {
    let defused = if looks_like_a_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn formulas_are_defused_and_special_characters_quoted() {
        assert_eq!(escape_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(escape_cell("-2"), "'-2");
        assert_eq!(escape_cell("@x"), "'@x");
        assert_eq!(escape_cell("+1"), "'+1");
        assert_eq!(escape_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(escape_cell("plain"), "plain");
        // Spaces, no-break and zero-width spaces before the sign hide nothing.
        for hidden in [
            " =1+1",
            "\u{a0}=1+1",
            "\u{200b}=1+1",
            "\u{feff}@x",
            "\t=1",
            "  -2",
        ] {
            assert_eq!(escape_cell(hidden), format!("'{hidden}"), "{hidden:?}");
        }
        assert_eq!(escape_cell(" plain = fine"), " plain = fine");
    }

    #[test]
    fn a_row_with_nulls_has_empty_cells() {
        let row = UserRow {
            user_id: "u1".into(),
            username: None,
            name: Some("Zoë, the =best".into()),
            registered_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            messages: 3,
            active_days: 1,
            last_active: None,
            first_active: None,
            previous_messages: 0,
            previous_active_days: 0,
            status: crate::FollowUpStatus::NeverStarted,
        };
        let text = users_csv([&row]);
        assert_eq!(
            text,
            "user_id,username,name,registered_at,messages,active_days,last_active,\
             first_active,previous_messages,previous_active_days,status\r\n\
             u1,,\"Zoë, the =best\",2026-01-02T03:04:05Z,3,1,,,0,0,never_started\r\n"
        );
    }
}

//! Dated notes of an agent shown on the trend (METRICS.md, "Annotations").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The longest annotation label, in characters.
pub const MAX_ANNOTATION_LABEL_CHARS: usize = 200;

/// The longest range an annotation may cover, in days (a school year).
pub const MAX_ANNOTATION_DAYS: i64 = 366;

/// The most annotations one agent may have: years of term calendars,
/// while the list the trend carries stays small.
pub const MAX_ANNOTATIONS_PER_AGENT: u64 = 1_000;

/// A dated note of an agent: one local calendar date, or a range of them
/// (both included, no zone: a date is the same date everywhere).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The note's id within the agent: 1 to 64 of `A-Za-z0-9._-`.
    pub id: String,
    /// Its first local date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// Its last local date, included; none for a single date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// What happened: 1 to 200 characters, shown as text.
    pub label: String,
}

impl Annotation {
    /// Whether the note covers local date `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.date && date <= self.end_date.unwrap_or(self.date)
    }

    /// The note as given, checked: why not, otherwise (naming the field).
    pub fn checked(
        id: &str,
        date: NaiveDate,
        end_date: Option<NaiveDate>,
        label: &str,
    ) -> Result<Annotation, String> {
        if !crate::is_public_id(id) {
            return Err(format!(
                "id {id:?} must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'"
            ));
        }
        let label = label.trim();
        let length = label.chars().count();
        if length == 0 || length > MAX_ANNOTATION_LABEL_CHARS {
            return Err(format!(
                "label must be 1 to {MAX_ANNOTATION_LABEL_CHARS} characters"
            ));
        }
        if crate::control_char(label).is_some() {
            return Err("label cannot hold control characters".into());
        }
        if let Some(end) = end_date {
            if end < date {
                return Err(format!("end_date ({end}) must not be before date ({date})"));
            }
            if (end - date).num_days() >= MAX_ANNOTATION_DAYS {
                return Err(format!(
                    "an annotation covers at most {MAX_ANNOTATION_DAYS} days"
                ));
            }
        }
        Ok(Annotation {
            id: id.to_owned(),
            date,
            end_date: end_date.filter(|end| *end != date),
            label: label.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_range_covers_both_ends() {
        let note = Annotation::checked(
            "midterms",
            day("2026-03-02"),
            Some(day("2026-03-06")),
            " Midterm week ",
        )
        .unwrap();
        assert_eq!(note.label, "Midterm week");
        assert!(!note.covers(day("2026-03-01")));
        assert!(note.covers(day("2026-03-02")) && note.covers(day("2026-03-06")));
        assert!(!note.covers(day("2026-03-07")));
        let single =
            Annotation::checked("p", day("2026-03-02"), Some(day("2026-03-02")), "x").unwrap();
        assert_eq!(single.end_date, None);
    }

    #[test]
    fn bad_notes_name_their_field() {
        let bad = |id: &str, end: Option<&str>, label: &str| {
            Annotation::checked(id, day("2026-03-02"), end.map(day), label).unwrap_err()
        };
        assert!(bad("a b", None, "x").starts_with("id"));
        assert!(bad("a", None, "  ").starts_with("label"));
        assert!(bad("a", Some("2026-03-01"), "x").starts_with("end_date"));
        assert!(bad("a", Some("2027-03-03"), "x").contains("at most"));
        assert!(Annotation::checked("a", day("2026-03-02"), Some(day("2027-03-02")), "x").is_ok());
        assert!(bad("a", None, &"x".repeat(201)).starts_with("label"));
    }
}

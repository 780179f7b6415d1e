//! The rules for identifiers and short texts, in one place for every door
//! they come in by: events, the registry and sections routes, rosters, the
//! command line, the app's forms and the OpenAPI document. Each rule says
//! what is wrong in words that name the field.

/// Agents, sections and annotations are named by public ids of 1 to this
/// many characters of `A-Za-z0-9._-` (docs/METRICS.md, "Agent").
pub const MAX_PUBLIC_ID_CHARS: usize = 64;
/// Learners are named by ids of 1 to this many characters without control
/// characters (the host platform's own ids).
pub const MAX_USER_ID_CHARS: usize = 128;
/// Names shown for agents, learners and sections: at most this many
/// characters without control characters.
pub const MAX_DISPLAY_TEXT_CHARS: usize = 200;

/// A public id's rule as a regular expression, for the OpenAPI document.
pub const PUBLIC_ID_PATTERN: &str = r"^[A-Za-z0-9._-]{1,64}$";
/// A learner id's rule as a regular expression, for the OpenAPI document.
pub const USER_ID_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// Whether `text` may name an agent, a section or an annotation.
pub fn is_public_id(text: &str) -> bool {
    (1..=MAX_PUBLIC_ID_CHARS).contains(&text.len()) && foreign_id_char(text).is_none()
}

/// Whether `text` may name a learner.
pub fn is_user_id(text: &str) -> bool {
    (1..=MAX_USER_ID_CHARS).contains(&text.chars().count()) && control_char(text).is_none()
}

/// What is wrong with `text` as the public id `field`, if anything.
pub fn check_public_id(field: &str, text: &str) -> Result<(), String> {
    if is_public_id(text) {
        Ok(())
    } else {
        Err(format!(
            "{field} must be 1 to {MAX_PUBLIC_ID_CHARS} characters of A-Z, a-z, 0-9, '.', '_' and '-'"
        ))
    }
}

/// What is wrong with `text` as the learner id `field`, if anything.
pub fn check_user_id(field: &str, text: &str) -> Result<(), String> {
    if is_user_id(text) {
        Ok(())
    } else {
        Err(format!(
            "{field} must be 1 to {MAX_USER_ID_CHARS} characters without control characters"
        ))
    }
}

/// What is wrong with `text` as the field `field` of `min` to `max`
/// characters without control characters, if anything.
pub fn check_text(field: &str, text: &str, min: usize, max: usize) -> Result<(), String> {
    let length = text.chars().count();
    if length < min || length > max || control_char(text).is_some() {
        return Err(if min == 0 {
            format!("{field} must be at most {max} characters without control characters")
        } else {
            format!("{field} must be {min} to {max} characters without control characters")
        });
    }
    Ok(())
}

/// The first control character of `text` (C0, DEL or C1), if any.
pub fn control_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// The first character of `text` a public id may not hold, if any.
pub fn foreign_id_char(text: &str) -> Option<char> {
    text.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_short_plain_ascii() {
        assert!(is_public_id("period-3.a_b"));
        assert!(is_public_id(&"x".repeat(MAX_PUBLIC_ID_CHARS)));
        assert!(!is_public_id(""));
        assert!(!is_public_id("a/b"));
        assert!(!is_public_id("é"));
        assert!(!is_public_id(&"x".repeat(MAX_PUBLIC_ID_CHARS + 1)));
        assert_eq!(foreign_id_char("ab c"), Some(' '));
    }

    #[test]
    fn user_ids_are_counted_in_characters_and_hold_no_control_character() {
        assert!(is_user_id(&"é".repeat(MAX_USER_ID_CHARS)));
        assert!(!is_user_id(&"é".repeat(MAX_USER_ID_CHARS + 1)));
        assert!(!is_user_id(""));
        assert!(!is_user_id("a\u{7}b"));
        assert!(!is_user_id("a\u{85}b"));
        assert!(is_user_id("Ada Lovelace <ada@example.org>"));
    }

    #[test]
    fn errors_name_the_field_and_the_rule() {
        assert_eq!(
            check_public_id("agent_id", "a b").unwrap_err(),
            "agent_id must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
        );
        assert_eq!(
            check_text("name", "a\tb", 1, 200).unwrap_err(),
            "name must be 1 to 200 characters without control characters"
        );
        assert_eq!(
            check_text("username", &"x".repeat(201), 0, 200).unwrap_err(),
            "username must be at most 200 characters without control characters"
        );
        assert!(check_text("username", "", 0, 200).is_ok());
    }

    #[test]
    fn the_patterns_say_what_the_functions_check() {
        // The OpenAPI patterns are read by other programs: spot-check them
        // against the rule without a regex engine.
        assert!(PUBLIC_ID_PATTERN.contains(&format!("{{1,{MAX_PUBLIC_ID_CHARS}}}")));
        assert!(PUBLIC_ID_PATTERN.contains("A-Za-z0-9._-"));
        assert!(USER_ID_PATTERN.contains(r"\u0000-\u001F\u007F-\u009F"));
    }
}

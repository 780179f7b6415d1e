use leptos::prelude::*;
use pulse_model::LearnerSession;

/// The learner's recent sessions in the period, newest first.
#[component]
pub fn Sessions(
    sessions: Vec<LearnerSession>,
    /// The page's zone (the browser's when empty): every time is in it.
    tz: String,
) -> impl IntoView {
    let empty = sessions.is_empty();
    view! {
        <section class="panel" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Recent sessions"</h2>
            <Show when=move || empty>
                <p class="muted">"No session with activity in this period."</p>
            </Show>
            <table class="plain" data-testid="sessions-table" class:hidden=empty>
                <thead><tr><th>"Started"</th><th>"Last event"</th><th>"Length"</th><th>"Messages"</th><th>"State"</th></tr></thead>
                <tbody>{sessions.into_iter().map(|session| {
                    let minutes = (session.end - session.start).num_minutes();
                    view! {
                        <tr data-testid="session-row">
                            <td><time datetime=session.start.to_rfc3339()>{crate::dates::in_zone(session.start, &tz, crate::dates::DateStyle::DayTime, true)}</time></td>
                            <td><time datetime=session.end.to_rfc3339()>{crate::dates::in_zone(session.end, &tz, crate::dates::DateStyle::DayTime, true)}</time></td>
                            <td>{session_length(minutes)}</td>
                            <td class="number">{session.messages}</td>
                            <td>{if session.ended { "ended" } else { "not ended" }}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}

/// A session's length as people say it: "under 1 min", "12 min", "1 h 05 min".
fn session_length(minutes: i64) -> String {
    match minutes {
        ..=0 => "under 1 min".to_owned(),
        1..=59 => format!("{minutes} min"),
        _ => format!("{} h {:02} min", minutes / 60, minutes % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::session_length;

    #[test]
    fn lengths_read_as_people_say_them() {
        assert_eq!(session_length(0), "under 1 min");
        assert_eq!(session_length(12), "12 min");
        assert_eq!(session_length(65), "1 h 05 min");
    }
}

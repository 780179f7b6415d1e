use leptos::prelude::*;
use pulse_model::{ContactMark, ContactRequest, MAX_NOTE_CHARS};

use crate::api::mark_contacted;

/// The marks left on this learner, and a form to leave one.
#[component]
pub fn ContactPanel(
    agent_id: String,
    user_id: String,
    marks: Vec<ContactMark>,
    on_marked: Callback<()>,
    /// The page's zone (the browser's when empty): every time is in it.
    tz: String,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let mark = Action::new_local(|request: &ContactRequest| mark_contacted(request.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = mark.value().get() {
            note.set(String::new());
            on_marked.run(());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        mark.dispatch(ContactRequest {
            agent_id: agent_id.clone(),
            user_ids: vec![user_id.clone()],
            note: note.get_untracked(),
        });
    };
    let empty = marks.is_empty();
    view! {
        <section class="panel" aria-labelledby="contacts-title">
            <h2 id="contacts-title">"Follow-up"</h2>
            <Show when=move || empty>
                <p class="muted" data-testid="no-contacts">"Not contacted yet."</p>
            </Show>
            <ul class="contacts" data-testid="contact-list">
                {marks.into_iter().map(|mark| view! {
                    <li data-testid="contact-item">
                        <time datetime=mark.marked_at.to_rfc3339()>{crate::dates::in_zone(mark.marked_at, &tz, crate::dates::DateStyle::DayTimeWithYear, true)}</time>
                        " · " {mark.marked_by} {mark.reminder.then_some(" · reminder sent")}
                        {mark.note.map(|note| view! { <p class="note">{note}</p> })}
                    </li>
                }).collect_view()}
            </ul>
            <form class="inline-form" on:submit=submit>
                <label>"Note (optional)"
                    <textarea data-testid="learner-note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()
                        prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))></textarea>
                </label>
                <button type="submit" class="button primary" data-testid="learner-mark" disabled=move || mark.pending().get()>
                    "Mark as contacted"
                </button>
            </form>
            {move || match mark.value().get() {
                Some(Err(error)) => Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }),
                _ => None,
            }}
        </section>
    }
}

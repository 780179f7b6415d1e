//! What an administrator does with the learners they selected: export
//! them, copy their usernames, mark them as contacted, or send them a
//! reminder through the host platform.

use std::collections::BTreeSet;

use leptos::prelude::*;
use pulse_model::{ApiError, ContactRequest, MAX_NOTE_CHARS, UserRow, users_csv};

use crate::api::{mark_contacted, send_reminder};
use crate::browser;

/// Which form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Closed,
    Mark,
    Remind,
}

/// The actions on the selected rows; `on_done` runs after learners were
/// marked (to show the new marks).
#[component]
pub fn FollowUpBar(
    agent_id: Memo<String>,
    selected: RwSignal<BTreeSet<String>>,
    users: Signal<Vec<UserRow>>,
    reminders: Signal<bool>,
    on_done: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(Form::Closed);
    let note = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let chosen_rows = move || {
        selected.with(|ids| {
            users.with(|rows| {
                rows.iter()
                    .filter(|row| ids.contains(&row.user_id))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    };
    let export = move |_| {
        browser::download("selected-users.csv", "text/csv", &users_csv(&chosen_rows()));
    };
    let copy = move |_| {
        let names: Vec<String> = chosen_rows()
            .into_iter()
            .filter_map(|row| row.username)
            .collect();
        let count = names.len();
        browser::copy_text(&names.join("\n"));
        message.set(Some(format!("Copied {count} usernames")));
    };
    let send = Action::new_local(move |(remind, request): &(bool, ContactRequest)| {
        let (remind, request) = (*remind, request.clone());
        async move {
            if remind {
                send_reminder(request).await
            } else {
                mark_contacted(request).await
            }
        }
    });
    Effect::new(move |_| {
        let Some(result) = send.value().get() else {
            return;
        };
        match result {
            Ok(()) => {
                let count = selected.with_untracked(BTreeSet::len);
                let done = if form.get_untracked() == Form::Remind {
                    "Reminded"
                } else {
                    "Marked"
                };
                message.set(Some(format!(
                    "{done} {count} learners; marked as contacted"
                )));
                selected.set(BTreeSet::new());
                note.set(String::new());
                form.set(Form::Closed);
                on_done.run(());
            }
            Err(error) => message.set(Some(describe(&error))),
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        message.set(None);
        let request = ContactRequest {
            agent_id: agent_id.get_untracked(),
            user_ids: selected.get_untracked().into_iter().collect(),
            note: note.get_untracked(),
        };
        send.dispatch((form.get_untracked() == Form::Remind, request));
    };
    let count = move || selected.with(BTreeSet::len);
    view! {
        <div class="follow-up" data-testid="follow-up-bar" role="region" aria-label="Selected learners"
            class:idle=move || count() == 0>
            <span data-testid="selected-count">{move || format!("{} selected", count())}</span>
            <button type="button" class="button" data-testid="export-selected" disabled=move || count() == 0 on:click=export>"Export selection"</button>
            <button type="button" class="button" data-testid="copy-usernames" disabled=move || count() == 0 on:click=copy>"Copy usernames"</button>
            <button type="button" class="button" data-testid="mark-contacted" disabled=move || count() == 0
                on:click=move |_| form.set(Form::Mark)>"Mark as contacted…"</button>
            <Show when=move || reminders.get()>
                <button type="button" class="button" data-testid="send-reminder" disabled=move || count() == 0
                    on:click=move |_| form.set(Form::Remind)>"Send reminder…"</button>
            </Show>
            <Show when=move || form.get() != Form::Closed>
                <form class="inline-form contact-form" data-testid="contact-form" on:submit=submit>
                    <label>
                        {move || if form.get() == Form::Remind { "Message to send" } else { "Note (optional)" }}
                        <textarea data-testid="contact-note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()
                            prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))></textarea>
                    </label>
                    <button type="submit" class="button primary" data-testid="contact-submit" disabled=move || send.pending().get()>
                        // The count on the button: one click may reach hundreds of learners.
                        {move || {
                            let learners = match count() {
                                1 => "1 learner".to_owned(),
                                n => format!("{n} learners"),
                            };
                            if form.get() == Form::Remind {
                                format!("Send to {learners}")
                            } else {
                                format!("Mark {learners} as contacted")
                            }
                        }}
                    </button>
                    <button type="button" class="button" on:click=move |_| form.set(Form::Closed)>"Cancel"</button>
                </form>
            </Show>
            <p class="notice" role="status" data-testid="follow-up-message">{move || message.get()}</p>
        </div>
    }
}

/// What to tell the administrator about a failure.
fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Upstream(text) | ApiError::UpstreamTimeout(text) | ApiError::BadRequest(text) => {
            text.clone()
        }
        other => other.to_string(),
    }
}

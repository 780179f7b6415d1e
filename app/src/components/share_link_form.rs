//! What every new share link is asked for, wherever it is made (the Users
//! tab, Settings): expiry, threshold and password; and the link once made,
//! shown once.

use leptos::prelude::*;
use pulse_model::{ApiError, DEFAULT_MIN_COUNT, NewShareLink, PeriodQuery, ShareLinkRequest};

/// The expiry, threshold and password being typed.
#[derive(Clone, Copy)]
pub struct LinkOptions {
    expires_days: RwSignal<u32>,
    min_count: RwSignal<u32>,
    password: RwSignal<String>,
}

impl LinkOptions {
    /// 30 days, k = 5, no password.
    pub fn new() -> LinkOptions {
        LinkOptions {
            expires_days: RwSignal::new(30),
            min_count: RwSignal::new(DEFAULT_MIN_COUNT),
            password: RwSignal::new(String::new()),
        }
    }

    /// The request for `agent_id` and the selection `query`, with these options.
    pub fn request(self, agent_id: String, query: PeriodQuery) -> ShareLinkRequest {
        ShareLinkRequest {
            agent_id,
            section: query.section,
            period: query.period,
            from: query.from,
            to: query.to,
            tz: query.tz,
            expires_days: self.expires_days.get_untracked(),
            min_count: self.min_count.get_untracked(),
            password: Some(self.password.get_untracked()).filter(|p| !p.is_empty()),
        }
    }
}

/// The option fields; test ids start with `prefix` (`share`, `share-view`).
#[component]
pub fn LinkOptionFields(options: LinkOptions, prefix: &'static str) -> impl IntoView {
    let LinkOptions {
        expires_days,
        min_count,
        password,
    } = options;
    view! {
        <label>"Expires in (days)" <input type="number" min="1" max="366" data-testid=format!("{prefix}-expires")
            prop:value=move || expires_days.get().to_string()
            on:input=move |e| expires_days.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
        <label>"Hide counts under" <input type="number" min="2" max="100" data-testid=format!("{prefix}-min-count")
            prop:value=move || min_count.get().to_string()
            on:input=move |e| min_count.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
        <label>"Password (optional)" <input type="password" autocomplete="new-password" data-testid=format!("{prefix}-password-new")
            on:input=move |e| password.set(event_target_value(&e)) /></label>
    }
}

/// The link just made (its token is shown this once), or why it was not.
#[component]
pub fn NewLinkNotice(
    made: Signal<Option<Result<NewShareLink, ApiError>>>,
    prefix: &'static str,
) -> impl IntoView {
    move || match made.get() {
        Some(Ok(NewShareLink { path, .. })) => {
            let href = format!("{}{path}", window().location().origin().unwrap_or_default());
            let copied = RwSignal::new(false);
            let to_copy = href.clone();
            Some(view! {
                <p class="notice" role="status">"Copy this link now; it is not shown again: "
                    <a data-testid=format!("{prefix}-link") href=href.clone() target="_blank" rel="noopener noreferrer">{href.clone()}</a>
                    " "
                    <button type="button" class="button" data-testid=format!("{prefix}-copy")
                        on:click=move |_| { crate::browser::copy_text(&to_copy); copied.set(true); }>
                        {move || if copied.get() { "Copied" } else { "Copy link" }}
                    </button>
                </p>
            }.into_any())
        }
        Some(Err(error)) => {
            Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any())
        }
        None => None,
    }
}

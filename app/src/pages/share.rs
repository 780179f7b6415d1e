//! The page behind a share link, for anyone holding it: the agent's
//! topline counts, trend and heatmap with small counts hidden, and no
//! learner anywhere. Its data comes only from `open_share_link`.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use pulse_model::{ApiError, SharedPage, SharedView};

use crate::api::open_share_link;
use crate::components::shared_figures::{SharedCards, SharedHeatmap, SharedTrend};
use crate::dates::{DateStyle, in_zone, wall_clock};

#[component]
pub fn SharePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let (password, set_password) = signal(None::<String>);
    let page = LocalResource::new(move || open_share_link(token.get(), password.get()));
    view! {
        <section class="shared" data-testid="shared-page" aria-busy=move || page.get().is_none().to_string()>
            {move || match page.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Ok(SharedPage::View(view))) => view! { <SharedFiguresView view=*view /> }.into_any(),
                Some(Ok(SharedPage::PasswordNeeded)) => view! { <PasswordForm set_password error=None /> }.into_any(),
                Some(Err(ApiError::Forbidden(message))) => {
                    view! { <PasswordForm set_password error=Some(message) /> }.into_any()
                }
                Some(Err(error)) => view! {
                    <div class="empty-state" role="alert" data-testid="shared-unavailable">
                        <h1>"Nothing to show"</h1>
                        <p>{shown_error(&error)}</p>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// What the page says when the link shows nothing.
fn shown_error(error: &ApiError) -> String {
    match error {
        ApiError::NotFound(message) => message.clone(),
        ApiError::TooManyRequests { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

#[component]
fn PasswordForm(set_password: WriteSignal<Option<String>>, error: Option<String>) -> impl IntoView {
    let (typed, set_typed) = signal(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        set_password.set(Some(typed.get_untracked()));
    };
    view! {
        <form class="share-password" data-testid="share-password" on:submit=submit>
            <h1>"This link needs its password"</h1>
            <label>"Password "
                <input type="password" autocomplete="off" required=true
                    on:input=move |event| set_typed.set(event_target_value(&event)) />
            </label>
            <button type="submit">"Open"</button>
            {error.map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        </form>
    }
}

#[component]
fn SharedFiguresView(view: SharedView) -> impl IntoView {
    let SharedView {
        agent_name,
        section_name,
        period_label,
        expires_at,
        figures,
    } = view;
    let k = figures.min_count;
    let overview = &figures.overview;
    let title = match &section_name {
        Some(section) => format!("{agent_name} · {section}"),
        None => agent_name.clone(),
    };
    let period = format!(
        "{period_label}: {} to {} ({})",
        wall_clock(
            overview.period.start.naive_local(),
            DateStyle::DayTimeWithYear
        ),
        wall_clock(
            overview.period.end.naive_local(),
            DateStyle::DayTimeWithYear
        ),
        overview.tz
    );
    view! {
        <header class="shared-header">
            <h1 data-testid="shared-title">{title}</h1>
            <p class="muted" data-testid="shared-period">{period}</p>
            <p class="muted">{format!(
                "Counts of 1 to {} learners are shown as \"fewer than {k}\". This link works until {}.",
                k - 1,
                in_zone(expires_at, &overview.tz, DateStyle::DayWithYear, false)
            )}</p>
            <button type="button" class="button" data-testid="shared-print"
                on:click=move |_| { let _ = window().print(); }>"Print"</button>
        </header>
        <SharedCards figures=figures.clone() />
        <div class="panels">
            <SharedTrend figures=figures.clone() />
            <SharedHeatmap figures />
        </div>
    }
}

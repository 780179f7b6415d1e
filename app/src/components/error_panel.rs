use leptos::prelude::*;
use pulse_model::ApiError;

/// A failed load, said plainly, with a way to try again.
#[component]
pub fn ErrorPanel(error: ApiError, retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>{error.to_string()}</p>
            <button type="button" on:click=move |_| retry()>"Retry"</button>
        </div>
    }
}

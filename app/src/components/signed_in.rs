//! Who is signed in, asked once for the whole app, and the gate that shows
//! a page only to a signed-in browser: a signed-out visit then calls no
//! server function that would refuse it (no 401s in the console), and is
//! sent to sign in by the account menu.

use leptos::prelude::*;
use pulse_model::{ApiError, SignedInAs};

use crate::api::current_account;

/// The signed-in account, `None` when signed out.
#[derive(Clone, Copy)]
pub struct Me(pub LocalResource<Result<Option<SignedInAs>, ApiError>>);

/// Asks the server who is signed in and shares the answer with the app.
pub fn provide_me() {
    provide_context(Me(LocalResource::new(current_account)));
}

/// The answer shared by [`provide_me`].
pub fn use_me() -> LocalResource<Result<Option<SignedInAs>, ApiError>> {
    expect_context::<Me>().0
}

/// Who is signed in, once known.
fn signed_in_as() -> Option<SignedInAs> {
    match use_me().get() {
        Some(Ok(Some(me))) => Some(me),
        _ => None,
    }
}

/// Whether the viewer came from a host platform whose token named one
/// agent: then nothing offers another (docs/EMBED.md).
pub fn held_to_one_agent() -> bool {
    signed_in_as()
        .and_then(|me| me.embedded_agents)
        .is_some_and(|agents| agents.len() == 1)
}

/// Its children, once the browser is known to be signed in.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    move || matches!(me.get(), Some(Ok(Some(_)))).then(|| children())
}

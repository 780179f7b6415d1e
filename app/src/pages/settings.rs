use std::collections::BTreeSet;

use leptos::prelude::*;
use pulse_model::{
    AccountUpdate, AccountView, Agent, ApiError, KeyAgents, KeyRequest, KeyScope, KeyView,
    NewAccount, Role,
};

use crate::api::{
    create_account, create_key, list_accounts, list_agents, list_keys, revoke_key, save_agent,
    update_account,
};
use crate::components::{AgentChoice, use_me};

/// Settings: for a superadministrator, agents, sections, share links,
/// accounts and API keys; for an administrator, the sections and share
/// links of their agents.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let me = use_me();
    let superadmin = move || matches!(me.get(), Some(Ok(Some(me))) if me.manages_settings);
    view! {
        <h1>"Settings"</h1>
        <div class="panels">
            <Show when=superadmin><AdminOnly /></Show>
            <super::sections_settings::SectionsSettings />
            <super::share_links_settings::ShareLinksSettings />
        </div>
    }
}

/// What only a superadministrator manages: agents, accounts and keys (the
/// last two choose among the first).
#[component]
fn AdminOnly() -> impl IntoView {
    let agents = LocalResource::new(list_agents);
    let known: Signal<Vec<Agent>> =
        Signal::derive(move || agents.get().and_then(Result::ok).unwrap_or_default());
    let accounts = LocalResource::new(list_accounts);
    let keys = LocalResource::new(list_keys);
    view! {
        <AgentsSection agents />
        <AccountsSection accounts agents=known />
        <KeysSection keys agents=known />
    }
}

/// `table` of a list, or `empty` said plainly when it has nothing.
fn table_or<V: IntoView + 'static>(
    is_empty: bool,
    empty: &'static str,
    table: impl FnOnce() -> V,
) -> AnyView {
    if is_empty {
        view! { <p class="empty-state">{empty}</p> }.into_any()
    } else {
        table().into_any()
    }
}

/// Reloads a section's list each time one of its actions has finished.
/// `finished` must read every action's value each time (no short-circuit),
/// so that the effect follows them all.
pub(super) fn refetch_after<T: 'static>(
    list: LocalResource<T>,
    finished: impl Fn() -> bool + 'static,
) {
    Effect::new(move |_| {
        if finished() {
            list.refetch();
        }
    });
}

/// A list once loaded, what went wrong, or a loading line meanwhile.
pub(super) fn loaded<T, V>(
    resource: LocalResource<Result<T, ApiError>>,
    render: impl Fn(T) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match resource.await {
                    Ok(list) => render(list).into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The outcome of the last action, said plainly.
pub(super) fn outcome(result: Option<Result<(), ApiError>>, done: &'static str) -> Option<AnyView> {
    match result? {
        Ok(()) => Some(view! { <p class="notice" role="status">{done}</p> }.into_any()),
        Err(error) => {
            Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any())
        }
    }
}

#[component]
fn AccountsSection(
    accounts: LocalResource<Result<Vec<AccountView>, ApiError>>,
    agents: Signal<Vec<Agent>>,
) -> impl IntoView {
    let known = agents;
    let (username, password, agents, superadmin) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(BTreeSet::new()),
        RwSignal::new(false),
    );
    let create = Action::new_local(|account: &NewAccount| create_account(account.clone()));
    let update = Action::new_local(|change: &AccountUpdate| update_account(change.clone()));
    refetch_after(accounts, move || {
        let (created, updated) = (create.value().get(), update.value().get());
        created.is_some() || updated.is_some()
    });
    view! {
        <section class="panel" aria-labelledby="accounts-title">
            <h2 id="accounts-title">"Accounts"</h2>
            {loaded(accounts, move |list: Vec<AccountView>| table_or(list.is_empty(), "No account yet.", move || view! {
                            <table class="plain" data-testid="accounts-table">
                                <thead><tr><th>"Username"</th><th>"Role"</th><th>"Agents"</th><th>"Password"</th><th>"Access"</th></tr></thead>
                                <tbody>{list.into_iter().map(|account| view! { <AccountLine account update agents=known /> }).collect_view()}</tbody>
                            </table>
                        }))}
            {move || outcome(update.value().get(), "Saved.")}
            <h3>"New account"</h3>
            <form class="inline-form" on:submit=move |event| {
                event.prevent_default();
                create.dispatch(NewAccount {
                    username: username.get_untracked(),
                    password: password.get_untracked(),
                    role: if superadmin.get_untracked() { Role::Superadmin } else { Role::Admin },
                    agents: agents.get_untracked().into_iter().collect(),
                });
            }>
                <label>"Username" <input required data-testid="new-username" on:input=move |e| username.set(event_target_value(&e)) /></label>
                <label>"Password" <input type="password" required minlength="10" data-testid="new-password"
                    on:input=move |e| password.set(event_target_value(&e)) /></label>
                <label class="check"><input type="checkbox" on:change=move |e| superadmin.set(event_target_checked(&e)) /> "Superadministrator"</label>
                <AgentChoice agents=known chosen=agents legend="Agents they see".into() testid="new-agents" disabled=superadmin />
                <button type="submit" class="button primary" data-testid="create-account">"Create account"</button>
            </form>
            {move || outcome(create.value().get(), "Account created.")}
        </section>
    }
}

type UpdateAction = Action<AccountUpdate, Result<(), ApiError>>;

#[component]
fn AccountLine(
    account: AccountView,
    update: UpdateAction,
    agents: Signal<Vec<Agent>>,
) -> impl IntoView {
    let known = agents;
    let agents = RwSignal::new(account.agents.iter().cloned().collect::<BTreeSet<String>>());
    let password = RwSignal::new(String::new());
    let name = account.username.clone();
    let (for_agents, for_password, for_access) = (name.clone(), name.clone(), name.clone());
    let disabled = account.disabled;
    let role = if account.superadmin {
        "superadministrator"
    } else {
        "administrator"
    };
    let access = move || {
        view! {
            <td>
                <button type="button" class="button" on:click=move |_| {
                    update.dispatch(AccountUpdate {
                        disabled: Some(!disabled),
                        ..AccountUpdate::of(for_access.clone())
                    });
                }>{if disabled { "Enable" } else { "Disable" }}</button>
            </td>
        }
    };
    // An embedded viewer's grants come from each token; they have no
    // password (docs/EMBED.md): only their access is Pulse's to change.
    if let Some(embedded) = account.embedded {
        return view! {
            <tr data-testid="account-row" data-embedded="true">
                <td>{embedded.display_name}" "<span class="muted">{format!("({})", account.username)}</span></td>
                <td>{format!("{role}, embedded viewer of {}", embedded.integration)}</td>
                <td>{account.agents.join(", ")}" "<span class="muted">"(from their latest token)"</span></td>
                <td><span class="muted">"none: signed in by the host platform"</span></td>
                {access()}
            </tr>
        }
        .into_any();
    }
    // A single-sign-on account's role and agents come from the provider's
    // claim at each sign-in (docs/SSO.md); it has no password.
    if let Some(user) = account.single_sign_on {
        return view! {
            <tr data-testid="account-row" data-single-sign-on="true">
                <td>{user.display_name}" "<span class="muted">{format!("({})", account.username)}</span></td>
                <td>{format!("{role}, by single sign-on")}</td>
                <td>
                    {if account.superadmin { "every agent".to_owned() } else { account.agents.join(", ") }}
                    " "<span class="muted">"(from the provider, at their latest sign-in)"</span>
                </td>
                <td><span class="muted">"none: signed in by the provider"</span></td>
                {access()}
            </tr>
        }
        .into_any();
    }
    view! {
        <tr data-testid="account-row">
            <td>{account.username.clone()}</td>
            <td>{role}</td>
            <td>
                {(!account.superadmin).then(|| view! {
                    <AgentChoice agents=known chosen=agents legend=format!("Agents of {name}") testid="account-agents" />
                    <button type="button" class="button" on:click=move |_| {
                        update.dispatch(AccountUpdate {
                            agents: Some(agents.get_untracked().into_iter().collect()),
                            ..AccountUpdate::of(for_agents.clone())
                        });
                    }>"Save"</button>
                })}
                {account.superadmin.then_some("every agent")}
            </td>
            <td>
                <input type="password" aria-label="New password" placeholder="new password" minlength="10"
                    on:input=move |e| password.set(event_target_value(&e)) />
                <button type="button" class="button" on:click=move |_| {
                    update.dispatch(AccountUpdate {
                        password: Some(password.get_untracked()),
                        ..AccountUpdate::of(for_password.clone())
                    });
                }>"Reset"</button>
            </td>
            {access()}
        </tr>
    }
    .into_any()
}

#[component]
fn KeysSection(
    keys: LocalResource<Result<Vec<KeyView>, ApiError>>,
    agents: Signal<Vec<Agent>>,
) -> impl IntoView {
    let known = agents;
    let (scope, every_agent, agents, label) = (
        RwSignal::new(KeyScope::Read),
        RwSignal::new(true),
        RwSignal::new(BTreeSet::new()),
        RwSignal::new(String::new()),
    );
    let create = Action::new_local(|request: &KeyRequest| create_key(request.clone()));
    let revoke = Action::new_local(|prefix: &String| revoke_key(prefix.clone()));
    refetch_after(keys, move || {
        let (created, revoked) = (create.value().get(), revoke.value().get());
        created.is_some() || revoked.is_some()
    });
    view! {
        <section class="panel" aria-labelledby="keys-title">
            <h2 id="keys-title">"API keys"</h2>
            {loaded(keys, move |list: Vec<KeyView>| table_or(list.is_empty(), "No API key yet.", move || view! {
                            <table class="plain" data-testid="keys-table">
                                <thead><tr><th>"Key"</th><th>"Scope"</th><th>"Agents"</th><th>"Label"</th><th></th></tr></thead>
                                <tbody>{list.into_iter().map(|key| {
                                    let prefix = key.prefix.clone();
                                    view! {
                                        <tr>
                                            <td><code>{key.prefix.clone()}"…"</code></td>
                                            <td>{key.scope.as_str()}</td>
                                            <td>{key.agents.clone().map_or_else(|| "every agent".to_owned(), |a| a.join(", "))}</td>
                                            <td>{key.label.clone().unwrap_or_default()}</td>
                                            <td>{if key.revoked {
                                                view! { <span class="muted">"revoked"</span> }.into_any()
                                            } else {
                                                view! { <button type="button" class="button" on:click=move |_| { revoke.dispatch(prefix.clone()); }>"Revoke"</button> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                        }))}
            <h3>"New key"</h3>
            <form class="inline-form" on:submit=move |event| {
                event.prevent_default();
                create.dispatch(KeyRequest {
                    scope: scope.get_untracked(),
                    agents: if every_agent.get_untracked() {
                        KeyAgents::Every
                    } else {
                        KeyAgents::Only(agents.get_untracked().into_iter().collect())
                    },
                    label: label.get_untracked(),
                });
            }>
                <label>"Scope" <select on:change=move |e| {
                    if let Some(chosen) = KeyScope::parse(&event_target_value(&e)) {
                        scope.set(chosen);
                    }
                }>
                    <option value="read">"read"</option><option value="ingest">"ingest"</option>
                </select></label>
                <label><input type="checkbox" data-testid="key-every-agent" prop:checked=move || every_agent.get()
                    on:change=move |e| every_agent.set(event_target_checked(&e)) />" Every agent"</label>
                <AgentChoice agents=known chosen=agents legend="Agents it reaches".into() testid="key-agents" disabled=every_agent />
                <label>"Label" <input on:input=move |e| label.set(event_target_value(&e)) /></label>
                <button type="submit" class="button primary" data-testid="create-key">"Create key"</button>
            </form>
            {move || match create.value().get() {
                Some(Ok(secret)) => Some(view! {
                    <p class="notice" role="status">"Copy this key now; it is not shown again: " <code data-testid="new-key">{secret}</code></p>
                }.into_any()),
                Some(Err(error)) => Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()),
                None => None,
            }}
        </section>
    }
}

/// Agents: rename one, or create one before its first event.
#[component]
fn AgentsSection(agents: LocalResource<Result<Vec<Agent>, ApiError>>) -> impl IntoView {
    let save =
        Action::new_local(|input: &(String, String)| save_agent(input.0.clone(), input.1.clone()));
    refetch_after(agents, move || save.value().get().is_some());
    let (new_id, new_name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <section class="panel" aria-labelledby="agents-title">
            <h2 id="agents-title">"Agents"</h2>
            {loaded(agents, move |list: Vec<Agent>| table_or(list.is_empty(), "No agent yet: add one below, or send its first event.", move || view! {
                            <table class="plain" data-testid="agents-table">
                                <thead><tr><th>"Agent id"</th><th>"Name"</th></tr></thead>
                                <tbody>{list.into_iter().map(|agent| {
                                    let name = RwSignal::new(agent.name.clone());
                                    let id = agent.agent_id.clone();
                                    view! {
                                        <tr>
                                            <td><code>{agent.agent_id.clone()}</code></td>
                                            <td>
                                                <input aria-label=format!("Name of {}", agent.agent_id) prop:value=move || name.get()
                                                    on:input=move |e| name.set(event_target_value(&e)) />
                                                <button type="button" class="button" on:click=move |_| {
                                                    save.dispatch((id.clone(), name.get_untracked()));
                                                }>"Rename"</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                        }))}
            <form class="inline-form" on:submit=move |event| {
                event.prevent_default();
                save.dispatch((new_id.get_untracked(), new_name.get_untracked()));
            }>
                <label>"Agent id" <input required data-testid="new-agent-id" on:input=move |e| new_id.set(event_target_value(&e)) /></label>
                <label>"Name" <input required data-testid="new-agent-name" on:input=move |e| new_name.set(event_target_value(&e)) /></label>
                <button type="submit" class="button primary" data-testid="create-agent">"Add agent"</button>
            </form>
            {move || outcome(save.value().get(), "Saved.")}
        </section>
    }
}

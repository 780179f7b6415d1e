//! Settings → Sections: an agent's classes and who is in them.

use leptos::prelude::*;
use pulse_model::{Agent, Section};

use super::settings::outcome;
use crate::api::{
    delete_section, list_agents, list_sections, save_section, section_member_ids,
    set_section_members,
};

/// What the members form saves: the agent, the section, one id a line.
#[derive(Clone)]
struct MembersEdit {
    agent_id: String,
    section_id: String,
    text: String,
}

#[component]
pub fn SectionsSettings() -> impl IntoView {
    let agents = LocalResource::new(list_agents);
    let agent_id = RwSignal::new(String::new());
    let sections = LocalResource::new(move || {
        let agent_id = agent_id.get();
        async move {
            if agent_id.is_empty() {
                return Ok(Vec::new());
            }
            list_sections(agent_id).await
        }
    });
    let (new_id, new_name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let editing = RwSignal::new(None::<String>);
    let members_text = RwSignal::new(String::new());
    let save = Action::new_local(|(agent, id, name): &(String, String, String)| {
        save_section(agent.clone(), id.clone(), name.clone())
    });
    let remove = Action::new_local(|(agent, id): &(String, String)| {
        delete_section(agent.clone(), id.clone())
    });
    let save_members = Action::new_local(|edit: &MembersEdit| {
        let ids = edit.text.lines().map(str::to_owned).collect();
        set_section_members(edit.agent_id.clone(), edit.section_id.clone(), ids)
    });
    Effect::new(move |_| {
        let (saved, removed, members) = (
            save.value().get(),
            remove.value().get(),
            save_members.value().get(),
        );
        if saved.is_some() || removed.is_some() || members.is_some() {
            sections.refetch();
        }
    });
    // The editor opens only with the section's learners loaded: saving an
    // empty list after a failed load would remove them all.
    let load_error = RwSignal::new(None::<String>);
    let open_members = move |section_id: String| {
        let agent = agent_id.get_untracked();
        editing.set(None);
        // The editor lists learners' ids: closed in privacy mode.
        if crate::browser::privacy_mode() {
            load_error.set(Some(
                "Privacy mode is on: the learners of a section are not listed. Turn it off on the Users tab.".into(),
            ));
            return;
        }
        leptos::task::spawn_local(async move {
            match section_member_ids(agent, section_id.clone()).await {
                Ok(ids) => {
                    load_error.set(None);
                    members_text.set(ids.join("\n"));
                    editing.set(Some(section_id));
                }
                Err(error) => load_error.set(Some(error.to_string())),
            }
        });
    };
    let agent_options = move || {
        agents
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|agent: Agent| {
                let label = format!("{} ({})", agent.name, agent.agent_id);
                view! { <option value=agent.agent_id>{label}</option> }
            })
            .collect_view()
    };
    let section_rows = move || {
        let list: Vec<Section> = sections.get().and_then(Result::ok).unwrap_or_default();
        list.into_iter().map(|section| {
            let (for_edit, for_delete) = (section.section_id.clone(), section.section_id.clone());
            view! {
                <tr data-testid="section-row">
                    <td>{section.section_id.clone()}</td>
                    <td>{section.name.clone()}</td>
                    <td class="num">{section.members}</td>
                    <td>
                        <button type="button" class="button" on:click=move |_| open_members(for_edit.clone())>"Members…"</button>
                        " "
                        <button type="button" class="button danger" on:click=move |_| {
                            remove.dispatch((agent_id.get_untracked(), for_delete.clone()));
                        }>"Delete"</button>
                    </td>
                </tr>
            }
        }).collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="sections-title">
            <h2 id="sections-title">"Sections"</h2>
            <p class="muted">"Classes or cohorts of an agent's learners. Every figure of the Users tab can be limited to one; an administrator can be granted only some of them."</p>
            <label>"Agent "
                <select data-testid="sections-agent" on:change=move |e| {
                    editing.set(None);
                    agent_id.set(event_target_value(&e));
                }>
                    <option value="">"Choose an agent"</option>
                    {agent_options}
                </select>
            </label>
            <Show when=move || !agent_id.get().is_empty()>
                <table class="plain" data-testid="sections-table">
                    <thead><tr><th>"Id"</th><th>"Name"</th><th>"Learners"</th><th></th></tr></thead>
                    <tbody>{section_rows}</tbody>
                </table>
                <form class="inline-form" on:submit=move |event| {
                    event.prevent_default();
                    save.dispatch((agent_id.get_untracked(), new_id.get_untracked(), new_name.get_untracked()));
                }>
                    <label>"Section id" <input required pattern="[A-Za-z0-9._\\-]{1,64}" data-testid="new-section-id"
                        on:input=move |e| new_id.set(event_target_value(&e)) /></label>
                    <label>"Name" <input required maxlength="200" data-testid="new-section-name"
                        on:input=move |e| new_name.set(event_target_value(&e)) /></label>
                    <button type="submit" class="button primary" data-testid="save-section">"Save section"</button>
                </form>
                {move || outcome(save.value().get(), "Section saved.")}
                {move || outcome(remove.value().get(), "Section deleted.")}
                {move || editing.get().map(|section_id| {
                    let heading = format!("Learners of {section_id}, one learner id a line");
                    view! {
                        <form class="members-form" on:submit=move |event| {
                            event.prevent_default();
                            save_members.dispatch(MembersEdit {
                                agent_id: agent_id.get_untracked(),
                                section_id: section_id.clone(),
                                text: members_text.get_untracked(),
                            });
                        }>
                            <label>{heading}
                                <textarea rows="8" data-testid="section-members" prop:value=move || members_text.get()
                                    on:input=move |e| members_text.set(event_target_value(&e))></textarea>
                            </label>
                            <button type="submit" class="button primary" data-testid="save-members">"Save learners"</button>
                        </form>
                    }
                })}
                {move || outcome(save_members.value().get(), "Learners saved.")}
                {move || load_error.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            </Show>
        </section>
    }
}

//! Choosing agents by ticking them, by name: what an account may see, what
//! a key may reach. Never ids typed by hand.

use std::collections::BTreeSet;

use leptos::prelude::*;
use pulse_model::Agent;

/// A box of the known agents, one tick each; `chosen` holds the ticked
/// agents' ids. Ids already chosen that no agent has (an agent not made
/// yet) are listed too, by id, so that saving never drops them unseen.
#[component]
pub fn AgentChoice(
    agents: Signal<Vec<Agent>>,
    chosen: RwSignal<BTreeSet<String>>,
    /// What the box is for ("Agents of amy").
    legend: String,
    /// `data-testid` of the box.
    testid: &'static str,
    /// Greyed out (a key for every agent).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let options = move || {
        let mut listed: Vec<(String, String)> = agents.with(|agents| {
            agents
                .iter()
                .map(|agent| (agent.agent_id.clone(), agent.name.clone()))
                .collect()
        });
        let unknown: Vec<String> = chosen.with(|ids| {
            ids.iter()
                .filter(|id| !listed.iter().any(|(known, _)| known == *id))
                .cloned()
                .collect()
        });
        listed.extend(unknown.into_iter().map(|id| (id.clone(), id)));
        listed
    };
    view! {
        <fieldset class="agent-choice" data-testid=testid prop:disabled=move || disabled.get()>
            <legend>{legend}</legend>
            <For each=options key=|(id, name)| (id.clone(), name.clone()) let((id, name))>
                {
                    let (for_check, for_change) = (id.clone(), id.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" value=id
                                prop:checked=move || chosen.with(|ids| ids.contains(&for_check))
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    chosen.update(|ids| {
                                        if on {
                                            ids.insert(for_change.clone());
                                        } else {
                                            ids.remove(&for_change);
                                        }
                                    });
                                } />
                            " " {name}
                        </label>
                    }
                }
            </For>
            <Show when=move || agents.with(Vec::is_empty) && chosen.with(BTreeSet::is_empty)>
                <span class="muted">"No agent yet: add one above, or send its first event."</span>
            </Show>
        </fieldset>
    }
}

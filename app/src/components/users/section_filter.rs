use leptos::prelude::*;
use pulse_model::Section;

use crate::view_state::ViewState;

/// Picks the section whose learners every figure of the tab counts. Shown
/// only when the agent has sections the viewer may see.
#[component]
pub fn SectionFilter(
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
    sections: Signal<Vec<Section>>,
) -> impl IntoView {
    let choose = move |event| {
        let mut next = state.get_untracked();
        next.section = event_target_value(&event);
        set_state.run(next);
    };
    view! {
        <Show when=move || !sections.get().is_empty()>
            <label class="section-filter">
                "Section "
                <select data-testid="section-filter" on:change=choose
                    prop:value=move || state.get().section>
                    <option value="">"All learners"</option>
                    {move || sections.get().into_iter().map(|section| {
                        let label = format!("{} ({})", section.name, section.members);
                        view! { <option value=section.section_id.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}

use leptos::html;
use leptos::prelude::*;
use pulse_model::{Annotation, Trend};

use super::chart_canvas::{
    ExportButtons, canvas_size, column_cursor, draw_whenever, tooltip_place,
};
use crate::api::{delete_annotation, save_annotation};
use crate::charts::PlotArea;
use crate::charts::trend::{AnnotatedTrend, bucket_label, bucket_span, ongoing_bucket};

/// The canvas on a desktop (narrower on a phone).
const WIDE: (u32, u32) = (960, 320);

/// Unique active users over the period with the agent's annotations, a
/// tooltip and exports; and the annotations' list and form.
#[component]
pub fn TrendPanel(
    trend: Signal<Option<Trend>>,
    agent_id: Memo<String>,
    notes: Signal<Vec<Annotation>>,
    /// Called after a note was added or removed.
    on_notes_changed: Callback<()>,
) -> impl IntoView {
    let trend_only = trend;
    let trend = Signal::derive(move || {
        trend_only.get().map(|trend| AnnotatedTrend {
            trend,
            notes: notes.get(),
            now_ms: js_sys::Date::now() as i64,
        })
    });
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    let size = canvas_size(WIDE);
    draw_whenever(canvas, size, area, trend);
    // The keyboard reads the same tooltips: arrows step through the buckets.
    let columns = move || trend_only.get_untracked().map(|trend| trend.buckets.len());
    let (on_move, on_key) = column_cursor(canvas, area, hover, columns);
    let tooltip = move || {
        let (index, x, y) = hover.get()?;
        let chart = trend.get()?;
        let labels = chart
            .notes_at(index)
            .into_iter()
            .map(|note| view! { <span class="note-label" data-testid="tooltip-note">{"▲ "}{note.label.clone()}</span> })
            .collect_view();
        let trend = chart.trend;
        let bucket = trend.buckets.get(index)?;
        Some(view! {
            <div class="tooltip" role="status" data-testid="trend-tooltip"
                style:left=tooltip_place(x, y, size.get()).0 style:top=tooltip_place(x, y, size.get()).1>
                <strong>{bucket_label(&trend, index)}</strong>
                <span>{format!("{} active users", bucket.active_users)}</span>
                <span>{format!("{} messages", bucket.messages)}</span>
                {labels}
                <span class="muted" data-testid="trend-span">{bucket_span(&trend, index, js_sys::Date::now() as i64)}</span>
            </div>
        })
    };
    view! {
        <section class="panel" aria-labelledby="trend-title">
            <header class="panel-header">
                <h2 id="trend-title">"Active users over time"</h2>
                <div class="panel-actions">
                    <ExportButtons canvas chart=trend file_stem="active-users" testid="trend" />
                </div>
            </header>
            <div class="chart-scroll">
            <div class="chart">
                <canvas node_ref=canvas width=size.get_untracked().0 height=size.get_untracked().1 data-testid="trend-canvas"
                    data-ongoing-bucket=move || {
                        trend.get().and_then(|chart| ongoing_bucket(&chart.trend, chart.now_ms)).map(|index| index.to_string())
                    }
                    tabindex="0" role="img"
                    aria-label="Chart of unique active users per time bucket. Arrow keys read each bucket's figures."
                    on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                    on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                {tooltip}
            </div>
            </div>
            <NotesEditor agent_id notes on_notes_changed />
        </section>
    }
}

/// The agent's annotations: listed with a Remove button, and a form to add
/// one (a date, an optional last date, a label).
#[component]
fn NotesEditor(
    agent_id: Memo<String>,
    notes: Signal<Vec<Annotation>>,
    on_notes_changed: Callback<()>,
) -> impl IntoView {
    let (date, end_date, label) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let message = RwSignal::new(None::<String>);
    // The note being edited (its id), or none for a new one.
    let editing = RwSignal::new(None::<String>);
    let save = Action::new_local(|(agent, note): &(String, Annotation)| {
        save_annotation(agent.clone(), note.clone())
    });
    let remove = Action::new_local(|(agent, id): &(String, String)| {
        delete_annotation(agent.clone(), id.clone())
    });
    Effect::new(move |_| {
        for result in [save.value().get(), remove.value().get()]
            .into_iter()
            .flatten()
        {
            match result {
                Ok(()) => {
                    message.set(None);
                    on_notes_changed.run(());
                }
                Err(error) => message.set(Some(error.to_string())),
            }
        }
    });
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let Ok(first) = date.get_untracked().parse() else {
            message.set(Some("Choose the note's date.".into()));
            return;
        };
        let end = end_date.get_untracked();
        let note = Annotation {
            id: editing.get_untracked().unwrap_or_default(),
            date: first,
            end_date: end.parse().ok(),
            label: label.get_untracked(),
        };
        save.dispatch((agent_id.get_untracked(), note));
        label.set(String::new());
        editing.set(None);
    };
    let listed = move || {
        notes.get().into_iter().map(|note| {
            let when = match note.end_date {
                Some(end) => format!("{} – {}", note.date, end),
                None => note.date.to_string(),
            };
            let id = note.id.clone();
            let chosen = note.clone();
            let start_editing = move |_| {
                editing.set(Some(chosen.id.clone()));
                date.set(chosen.date.to_string());
                end_date.set(chosen.end_date.map(|end| end.to_string()).unwrap_or_default());
                label.set(chosen.label.clone());
            };
            view! {
                <li data-testid="note-item">
                    <span class="muted">{when}</span>" "{note.label.clone()}" "
                    <button type="button" class="button small" aria-label=format!("Edit note {}", note.label)
                        on:click=start_editing>"Edit"</button>" "
                    <button type="button" class="button small" aria-label=format!("Remove note {}", note.label)
                        on:click=move |_| { remove.dispatch((agent_id.get_untracked(), id.clone())); }>"Remove"</button>
                </li>
            }
        }).collect_view()
    };
    view! {
        <details class="notes">
            <summary>{move || format!("Annotations ({})", notes.get().len())}</summary>
            <ul class="notes-list">{listed}</ul>
            <form class="inline-form" on:submit=submit>
                <label>"Date" <input type="date" required data-testid="note-date" prop:value=move || date.get()
                    on:input=move |e| date.set(event_target_value(&e)) /></label>
                <label>"Until (optional)" <input type="date" data-testid="note-end" prop:value=move || end_date.get()
                    on:input=move |e| end_date.set(event_target_value(&e)) /></label>
                <label>"Note" <input maxlength="200" required data-testid="note-label" prop:value=move || label.get()
                    on:input=move |e| label.set(event_target_value(&e)) /></label>
                <button type="submit" class="button" data-testid="add-note">
                    {move || if editing.get().is_some() { "Save note" } else { "Add note" }}
                </button>
            </form>
            {move || message.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        </details>
    }
}

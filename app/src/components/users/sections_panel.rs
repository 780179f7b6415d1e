use leptos::html;
use leptos::prelude::*;
use pulse_model::PeriodQuery;

use super::chart_canvas::{
    ExportButtons, canvas_size, column_cursor, draw_whenever, tooltip_place,
};
use crate::api::section_trends;
use crate::charts::PlotArea;
use crate::charts::sections::SectionsChart;
use crate::charts::trend::bucket_label;

/// The canvas on a desktop (narrower on a phone).
const WIDE: (u32, u32) = (960, 300);

/// Each section's active users over the period on one chart; shown when
/// the agent has sections the viewer may see.
#[component]
pub fn SectionsPanel(agent_id: Memo<String>, period_query: Memo<PeriodQuery>) -> impl IntoView {
    let trends = LocalResource::new(move || section_trends(agent_id.get(), period_query.get()));
    let chart = Signal::derive(move || {
        trends
            .get()
            .and_then(Result::ok)
            .filter(|list| !list.is_empty())
            .map(SectionsChart)
    });
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    let size = canvas_size(WIDE);
    draw_whenever(canvas, size, area, chart);
    let columns = move || {
        chart
            .get_untracked()
            .and_then(|chart| chart.0.first().map(|first| first.trend.buckets.len()))
    };
    let (on_move, on_key) = column_cursor(canvas, area, hover, columns);
    let tooltip = move || {
        let (index, x, y) = hover.get()?;
        let chart = chart.get()?;
        let first = chart.0.first()?;
        let lines = chart
            .0
            .iter()
            .filter_map(|section| {
                let bucket = section.trend.buckets.get(index)?;
                Some(view! {
                    <span data-testid="section-line" data-section-id=section.section.section_id.clone()>
                        {format!("{}: {} active users", section.section.name, bucket.active_users)}
                    </span>
                })
            })
            .collect_view();
        Some(view! {
            <div class="tooltip" role="status" data-testid="sections-tooltip"
                style:left=tooltip_place(x, y, size.get()).0 style:top=tooltip_place(x, y, size.get()).1>
                <strong>{bucket_label(&first.trend, index)}</strong>
                {lines}
            </div>
        })
    };
    view! {
        <Show when=move || chart.get().is_some()>
            <section class="panel" aria-labelledby="sections-chart-title" data-testid="sections-panel">
                <header class="panel-header">
                    <h2 id="sections-chart-title">"Sections compared"</h2>
                    <div class="panel-actions">
                        <ExportButtons canvas chart file_stem="sections" testid="sections" />
                    </div>
                </header>
                <div class="chart-scroll">
                    <div class="chart">
                        <canvas node_ref=canvas width=size.get_untracked().0 height=size.get_untracked().1 data-testid="sections-canvas"
                            tabindex="0" role="img"
                            aria-label="Chart of each section's unique active users per time bucket. Arrow keys read each bucket's figures."
                            on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                            on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                        {tooltip}
                    </div>
                </div>
            </section>
        </Show>
    }
}

//! A learner's activity across the period, drawn small in a table row.

use leptos::prelude::*;

const WIDTH: f64 = 80.0;
const HEIGHT: f64 = 18.0;

/// Bars of `strip` (one base-36 digit per group of `per_bin` trend
/// buckets: how many of them the learner was active in). Only the rows on
/// screen draw one.
#[component]
pub fn Sparkline(strip: Option<String>, bins: u32, per_bin: u32) -> impl IntoView {
    let values: Vec<u32> = match &strip {
        Some(strip) => strip.chars().map(|c| c.to_digit(36).unwrap_or(0)).collect(),
        None => vec![0; bins as usize],
    };
    let active: u32 = values.iter().sum();
    let count = values.len().max(1) as f64;
    let bar = WIDTH / count;
    let top = f64::from(per_bin.max(1));
    let label = if active == 0 {
        "no activity in this period".to_owned()
    } else {
        format!("active in {active} of the period's time buckets")
    };
    let title = label.clone();
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT
            role="img" aria-label=label data-active=active.to_string()>
            <title>{title}</title>
            <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="spark-base" />
            {values.into_iter().enumerate().filter(|(_, v)| *v > 0).map(|(index, value)| {
                let height = (f64::from(value) / top * (HEIGHT - 2.0)).max(2.0);
                view! {
                    <rect x=format!("{:.2}", index as f64 * bar) y=format!("{:.2}", HEIGHT - height)
                        width=format!("{:.2}", (bar - 0.5).max(0.5)) height=format!("{height:.2}") />
                }
            }).collect_view()}
        </svg>
    }
}

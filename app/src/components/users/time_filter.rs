use chrono::NaiveDate;
use leptos::prelude::*;
use pulse_model::PeriodKind;

use crate::view_state::ViewState;

/// The longest custom range, as the server accepts it.
const MAX_DAYS: i64 = 366;

/// Today, Past 7 Days, Past Month or a custom range, and the time zone.
/// `shown`: the local first and last dates of the figures on screen, which
/// a custom range starts from when opened.
#[component]
pub fn TimeFilter(
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
    browser_tz: String,
    zones: Vec<String>,
    #[prop(optional, into)] shown: Option<Signal<Option<(NaiveDate, NaiveDate)>>>,
) -> impl IntoView {
    let from = RwSignal::new(state.get_untracked().from);
    let to = RwSignal::new(state.get_untracked().to);
    let message = RwSignal::new(None::<String>);
    let custom_open = RwSignal::new(state.get_untracked().period == PeriodKind::Custom);
    let choose = move |period: PeriodKind| {
        message.set(None);
        let mut next = state.get_untracked();
        next.period = period;
        if period == PeriodKind::Custom {
            // Opening the custom form changes nothing until it is applied;
            // its dates start at the period shown.
            if next.from.is_empty() {
                let dates = shown.and_then(|shown| shown.get_untracked());
                from.set(
                    dates
                        .map(|(first, _)| first.to_string())
                        .unwrap_or_default(),
                );
                to.set(dates.map(|(_, last)| last.to_string()).unwrap_or_default());
            }
            next.period = state.get_untracked().period;
            custom_open.set(true);
            return;
        }
        custom_open.set(false);
        set_state.run(next);
    };
    let apply = move |_| match check_range(&from.get_untracked(), &to.get_untracked()) {
        Ok(()) => {
            message.set(None);
            let mut next = state.get_untracked();
            next.period = PeriodKind::Custom;
            next.from = from.get_untracked();
            next.to = to.get_untracked();
            set_state.run(next);
        }
        Err(error) => message.set(Some(error)),
    };
    let zone_label = browser_tz.clone();
    // A zone from the URL that the browser does not list (e.g. "UTC") still shows.
    let mut zones = zones;
    let chosen = state.get_untracked().tz;
    if !chosen.is_empty() && !zones.contains(&chosen) {
        zones.insert(0, chosen);
    }
    view! {
        <div class="time-filter" role="group" aria-label="Time period">
            {PeriodKind::ALL.into_iter().map(|period| {
                // The period the figures are for: Custom only once a range is applied.
                let pressed = move || state.get().period == period;
                view! {
                    <button type="button" class="chip" aria-pressed=move || pressed().to_string()
                        data-testid=format!("period-{}", period.as_str())
                        on:click=move |_| choose(period)>{period.label()}</button>
                }
            }).collect_view()}
            <label class="zone">
                <span>"Time zone"</span>
                <select data-testid="tz-select" aria-label="Time zone"
                    on:change=move |event| {
                        let mut next = state.get_untracked();
                        next.tz = event_target_value(&event);
                        set_state.run(next);
                    }
                    prop:value=move || state.get().tz>
                    <option value="">{format!("Browser ({zone_label})")}</option>
                    {zones.into_iter().map(|zone| view! { <option value=zone.clone()>{zone.clone()}</option> }).collect_view()}
                </select>
            </label>
        </div>
        <Show when=move || custom_open.get()>
            <form class="custom-range" on:submit=move |event| { event.prevent_default(); apply(()); }>
                <label>"From" <input type="date" data-testid="custom-from" prop:value=move || from.get()
                    on:input=move |event| from.set(event_target_value(&event)) /></label>
                <label>"To" <input type="date" data-testid="custom-to" prop:value=move || to.get()
                    on:input=move |event| to.set(event_target_value(&event)) /></label>
                <button type="submit" class="button primary" data-testid="custom-apply">"Apply"</button>
                {move || message.get().map(|text| view! { <p class="form-error" role="alert" data-testid="custom-error">{text}</p> })}
            </form>
        </Show>
        <p class="zone-note" data-testid="zone-note">
            "Times in " {move || { let tz = state.get().tz; if tz.is_empty() { browser_tz.clone() } else { tz } }}
        </p>
    }
}

/// Checks a custom range as the server will, so the form can say what is wrong.
fn check_range(from: &str, to: &str) -> Result<(), String> {
    let parse = |text: &str, field: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("Choose a {field} date."))
    };
    let (from, to) = (parse(from, "start")?, parse(to, "end")?);
    if from > to {
        return Err("The start date must not be after the end date.".into());
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(format!("A custom range covers at most {MAX_DAYS} days."));
    }
    let today = chrono::DateTime::from_timestamp_millis(crate::browser::now_ms())
        .map(|now| now.date_naive());
    if today.is_some_and(|today| from > today + chrono::Duration::days(1)) {
        return Err("The start date must not be in the future.".into());
    }
    Ok(())
}

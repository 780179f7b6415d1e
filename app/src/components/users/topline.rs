use leptos::prelude::*;
use pulse_model::Overview;

/// The topline cards: live and 30-day counts, registrations, and the
/// period's figures against the previous period.
#[component]
pub fn Topline(overview: Signal<Option<Overview>>, online: Signal<Option<u64>>) -> impl IntoView {
    let figure = move |pick: fn(&Overview) -> u64| {
        move || {
            overview
                .get()
                .map_or_else(|| "–".into(), |o| crate::browser::number(pick(&o)))
        }
    };
    let change = move |pick: fn(&Overview) -> (u64, u64)| {
        move || {
            overview
                .get()
                .map(|o| change_text(pick(&o)))
                .unwrap_or_default()
        }
    };
    view! {
        <section class="cards" aria-label="Topline counts">
            <Card label="Currently logged in" testid="card-online" live=true
                value=Signal::derive(move || online.get().map_or_else(|| "–".into(), crate::browser::number)) />
            // Said on the card: it is not the period's count, which may differ
            // by a learner or two even for Past Month (METRICS.md).
            <Card label="Active in the last 30 days" testid="card-active30" value=Signal::derive(figure(|o| o.active_30d))
                note=Signal::derive(|| "rolling: the 30 days up to now, whatever the period".to_owned()) />
            <Card label="Total registered users" testid="card-registered" value=Signal::derive(figure(|o| o.registered)) />
            <Card label="Active users in period" testid="card-active" value=Signal::derive(figure(|o| o.active_users))
                note=Signal::derive(change(|o| (o.active_users, o.previous_active_users))) />
            <Card label="Messages in period" testid="card-messages" value=Signal::derive(figure(|o| o.messages))
                note=Signal::derive(change(|o| (o.messages, o.previous_messages))) />
            <Card label="Average daily users" testid="card-daily"
                value=Signal::derive(move || overview.get().map_or_else(|| "–".into(), |o| format!("{:.1}", o.average_daily_users)))
                note=Signal::derive(move || overview.get().map(|o| stickiness_text(&o)).unwrap_or_default()) />
        </section>
    }
}

#[component]
fn Card(
    label: &'static str,
    testid: &'static str,
    value: Signal<String>,
    #[prop(optional)] note: Option<Signal<String>>,
    #[prop(optional)] live: bool,
) -> impl IntoView {
    view! {
        <div class="card" data-testid=testid>
            <span class="card-label">{label} {live.then(|| view! { <span class="live-dot" title="Refreshes every 15 seconds"></span> })}</span>
            <span class="card-value" aria-live=if live { "polite" } else { "off" }>{value}</span>
            {note.map(|note| view! { <span class="card-note">{note}</span> })}
        </div>
    }
}

/// Stickiness (METRICS.md): the average day's users as a share of the
/// period's active users.
fn stickiness_text(overview: &Overview) -> String {
    if overview.active_users == 0 {
        return "stickiness 0%".into();
    }
    let share = overview.average_daily_users / overview.active_users as f64 * 100.0;
    format!("stickiness {share:.0}% of the period's active users")
}

/// "+12% vs previous period", or what there is to say when it cannot be a ratio.
fn change_text((now, before): (u64, u64)) -> String {
    if before == 0 {
        return if now == 0 {
            "no change vs previous period".into()
        } else {
            format!("+{now} vs none in previous period")
        };
    }
    if now == before {
        return format!("no change vs previous period ({before})");
    }
    let percent = ((now as f64 - before as f64) / before as f64 * 100.0).round();
    if percent == 0.0 {
        // Never "-0%": a change under half a percent reads as what it is.
        return format!("about the same as previous period ({before})");
    }
    format!("{percent:+.0}% vs previous period ({before})")
}

#[cfg(test)]
mod tests {
    use super::change_text;

    #[test]
    fn a_change_reads_as_what_it_is() {
        assert_eq!(change_text((0, 0)), "no change vs previous period");
        assert_eq!(change_text((3, 0)), "+3 vs none in previous period");
        assert_eq!(
            change_text((300, 300)),
            "no change vs previous period (300)"
        );
        assert_eq!(
            change_text((999, 1000)),
            "about the same as previous period (1000)"
        );
        assert_eq!(
            change_text((1001, 1000)),
            "about the same as previous period (1000)"
        );
        assert_eq!(change_text((95, 100)), "-5% vs previous period (100)");
        assert_eq!(change_text((112, 100)), "+12% vs previous period (100)");
    }
}

use leptos::prelude::*;

use crate::accounts::dto::{format_duration, format_number, UsageSummary, USAGE_DAYS};
use crate::ui::EmptyState;

const BAR_WIDTH: usize = 10;
const BAR_GAP: usize = 2;
const CHART_HEIGHT: u64 = 60;

/// Sessions per day as SVG bars, drawn on the server (no chart library, no script). Each
/// bar carries its figures as a tooltip; "Daily figures" under the chart has them as text.
fn chart(usage: &UsageSummary) -> impl IntoView {
    let max = usage
        .days
        .iter()
        .map(|d| d.sessions)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = usage.days.len() * BAR_WIDTH;
    let bars = usage
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            // At least a hairline, so a day without sessions still shows on the axis.
            let height = (day.sessions * CHART_HEIGHT).div_ceil(max).max(1);
            let tip = format!(
                "{}: {} session{}, {} active user{}, {}",
                day.date,
                day.sessions,
                if day.sessions == 1 { "" } else { "s" },
                day.active_users,
                if day.active_users == 1 { "" } else { "s" },
                format_duration(day.session_ms),
            );
            view! {
                <rect
                    x=(i * BAR_WIDTH + BAR_GAP / 2).to_string()
                    y=(CHART_HEIGHT - height).to_string()
                    width=(BAR_WIDTH - BAR_GAP).to_string()
                    height=height.to_string()
                    class=if day.sessions == 0 { "bar bar-empty" } else { "bar" }
                >
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let label = format!("Sessions per day over the last {USAGE_DAYS} days, at most {max} a day");
    let first = usage
        .days
        .first()
        .map(|d| d.date.clone())
        .unwrap_or_default();
    let last = usage
        .days
        .last()
        .map(|d| d.date.clone())
        .unwrap_or_default();
    view! {
        <figure class="usage-chart">
            <svg
                viewBox=format!("0 0 {width} {CHART_HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label=label
            >
                {bars}
            </svg>
            <figcaption class="usage-chart-axis muted small">
                <span>{first}</span>
                <span>{format!("Sessions per day (highest {max})")}</span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
}

/// The last 30 days of product usage: headline figures, a small chart and top features.
#[component]
pub fn UsagePanel(
    /// The summary to show.
    usage: UsageSummary,
) -> impl IntoView {
    if usage.is_empty() {
        return view! {
            <EmptyState title=format!("No product usage in the last {USAGE_DAYS} days")>
                <p>
                    "Usage comes from events sent to the Usage Event API with this account's id ("
                    <code>"POST /v1/{authKey}/{apiKey}"</code>
                    "). Keys are under "
                    <a href="/settings/it/source-overview">"Source Overview"</a>
                    "; figures appear within minutes of the events."
                </p>
            </EmptyState>
        }
        .into_any();
    }
    let stat = |label: &'static str, value: String| {
        view! {
            <div class="stat">
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    let features = if usage.top_features.is_empty() {
        view! { <p class="muted small">"No feature events in this period."</p> }.into_any()
    } else {
        view! {
            <ol class="top-features">
                {usage
                    .top_features
                    .iter()
                    .map(|f| {
                        let module = (!f.module.is_empty()).then(|| view! { <span class="muted">{format!(" · {}", f.module)}</span> });
                        view! {
                            <li>
                                <span class="strong">{f.feature.clone()}</span>
                                {module}
                                <span class="top-features-count">{format!("{} use{}", format_number(f.uses), if f.uses == 1.0 { "" } else { "s" })}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <dl class="stats">
            {stat("Active users", format_number(usage.active_users as f64))}
            {stat("Sessions", format_number(usage.sessions as f64))}
            {stat("Session time", format_duration(usage.session_ms))}
        </dl>
        {chart(&usage)}
        <details class="usage-days">
            <summary>"Daily figures"</summary>
            <div class="table-wrap">
                <table class="table table-compact">
                    <caption class="visually-hidden">"Usage per day"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col">"Active users"</th>
                            <th scope="col">"Sessions"</th>
                            <th scope="col">"Session time"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {usage
                            .days
                            .iter()
                            .rev()
                            .map(|d| {
                                view! {
                                    <tr>
                                        <td>{d.date.clone()}</td>
                                        <td class="numeric">{d.active_users}</td>
                                        <td class="numeric">{d.sessions}</td>
                                        <td class="numeric">{format_duration(d.session_ms)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
        <h3>"Top features"</h3>
        {features}
    }
    .into_any()
}

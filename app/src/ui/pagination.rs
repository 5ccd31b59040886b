use leptos::prelude::*;

/// "← Previous · Page 2 of 5 · Next →" as links built by `link(page)`, so paging works
/// without JavaScript; nothing when there is only one page. `labels` names the two
/// directions ("← Previous", "Next →" or "← Newer", "Older →").
pub fn pagination(
    page: u64,
    page_count: u64,
    link: impl Fn(u64) -> String,
    labels: (&'static str, &'static str),
) -> impl IntoView {
    (page_count > 1).then(|| {
        let step = |target: Option<u64>, label: &'static str, rel: &'static str| match target {
            Some(number) => {
                view! { <a class="btn btn-secondary" href=link(number) rel=rel>{label}</a> }
                    .into_any()
            }
            None => view! { <span class="btn btn-secondary" aria-disabled="true">{label}</span> }
                .into_any(),
        };
        view! {
            <nav class="pagination" aria-label="Pages">
                {step((page > 1).then(|| page - 1), labels.0, "prev")}
                <span class="muted">{format!("Page {page} of {page_count}")}</span>
                {step((page < page_count).then(|| page + 1), labels.1, "next")}
            </nav>
        }
    })
}

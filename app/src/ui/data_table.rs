use leptos::prelude::*;

/// A table with a header row; scrolls sideways on narrow screens instead of squashing.
#[component]
pub fn DataTable(
    /// Column headings, in order.
    headers: Vec<&'static str>,
    /// Accessible caption describing the table.
    #[prop(into)]
    caption: String,
    /// The `<tr>` rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        {headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

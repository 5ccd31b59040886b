use leptos::prelude::*;

/// One column heading; sortable columns link to the same view sorted by them.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub label: &'static str,
    /// Where clicking the heading goes (the view sorted by this column).
    pub sort_href: Option<String>,
    /// Some(descending) when the view is sorted by this column.
    pub sorted: Option<bool>,
}

impl Column {
    pub fn plain(label: &'static str) -> Self {
        Self {
            label,
            sort_href: None,
            sorted: None,
        }
    }
}

/// A table with a header row; scrolls sideways on narrow screens instead of squashing.
#[component]
pub fn DataTable(
    /// Column headings, in order.
    columns: Vec<Column>,
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
                        {columns
                            .into_iter()
                            .map(|column| {
                                let aria_sort = column.sorted.map(|desc| if desc { "descending" } else { "ascending" });
                                let arrow = column.sorted.map(|desc| if desc { " ↓" } else { " ↑" }).unwrap_or_default();
                                match column.sort_href {
                                    Some(href) => {
                                        view! {
                                            <th scope="col" aria-sort=aria_sort>
                                                <a class="sort-link" href=href>
                                                    {column.label}
                                                    {arrow}
                                                </a>
                                            </th>
                                        }
                                            .into_any()
                                    }
                                    None => view! { <th scope="col">{column.label}</th> }.into_any(),
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

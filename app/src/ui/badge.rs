use leptos::prelude::*;

/// The colour family of a badge or toast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Success,
    Warning,
    Danger,
    Info,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Danger => "danger",
            Tone::Info => "info",
        }
    }
}

/// A short status label ("On", "CSM seat").
#[component]
pub fn Badge(
    /// Colour family.
    #[prop(optional)]
    tone: Tone,
    children: Children,
) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", tone.class())>{children()}</span> }
}

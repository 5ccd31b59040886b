use std::time::Duration;

use leptos::prelude::*;

use super::Tone;

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    message: String,
    tone: Tone,
}

/// Short confirmations that appear in a corner and fade after a few seconds.
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: RwSignal<u64>,
}

impl Toasts {
    pub fn show(&self, tone: Tone, message: impl Into<String>) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        self.items.update(|items| {
            items.push(Toast {
                id,
                message: message.into(),
                tone,
            })
        });
        let items = self.items;
        set_timeout(
            move || items.update(|items| items.retain(|t| t.id != id)),
            Duration::from_secs(6),
        );
    }

    pub fn success(&self, message: impl Into<String>) {
        self.show(Tone::Success, message)
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(vec![]),
        next_id: RwSignal::new(0),
    };
    provide_context(toasts);
    toasts
}

/// The toasts provided at the app root (a fresh, unseen set if none was provided).
pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(provide_toasts)
}

/// Where toasts appear; placed once at the app root.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=format!("toast toast-{}", toast.tone.class())>
                    <span>{toast.message.clone()}</span>
                    <button
                        type="button"
                        class="btn btn-ghost btn-icon"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.items.update(|items| items.retain(|t| t.id != toast.id))
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}

use leptos::prelude::*;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::ui::CopyButton;

/// The ten recovery codes, shown once right after two-factor sign-in is turned on or the
/// codes are replaced; they can be copied or downloaded as a text file.
#[component]
pub fn RecoveryCodesList(
    /// The codes, formatted for reading.
    codes: Vec<String>,
    /// Called when the user confirms they have saved them.
    on_done: Callback<()>,
) -> impl IntoView {
    let text = codes.join("\n") + "\n";
    let file = format!(
        "Steward recovery codes. Each one signs you in once instead of a code from your authenticator app.\n\n{text}"
    );
    // A data: link downloads without JavaScript and without a round trip to the server.
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        utf8_percent_encode(&file, NON_ALPHANUMERIC)
    );
    view! {
        <div class="recovery-codes">
            <h3>"Save your recovery codes"</h3>
            <p>
                "Each code signs you in once if you lose your phone. Store them somewhere safe: they will not be shown again."
            </p>
            <ol class="code-list" data-testid="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            <div class="form-actions">
                <CopyButton text />
                <a class="btn btn-secondary" href=href download="steward-recovery-codes.txt">
                    "Download (.txt)"
                </a>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_done.run(())>
                    "I have saved these codes"
                </button>
            </div>
        </div>
    }
}

//! What the page's loader calls: the table and the editor in one answer.
use super::{catalogue, mapping};
use crate::error::AppError;
use crate::source_mapping::dto::SourceMappingView;
use crate::state::AppState;

pub async fn view(state: &AppState, org_id: i32) -> Result<SourceMappingView, AppError> {
    let (entries, _) = mapping::load(&state.db, org_id).await?;
    let csm = crate::salesforce_sync::ssr::csm::setting(&state.db, org_id).await?;
    let mut rows = catalogue::account_api();
    rows.extend(catalogue::csv_upload());
    rows.extend(catalogue::salesforce(&entries, csm.as_ref()));
    Ok(SourceMappingView {
        rows,
        editor: mapping::editor(state, org_id).await?,
    })
}

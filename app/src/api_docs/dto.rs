//! What the API page shows, computed on the server from its public URL.
use serde::{Deserialize, Serialize};

use crate::api_docs::examples::CurlExample;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiPageInfo {
    /// Steward's public URL, no trailing slash.
    pub base_url: String,
    pub examples: Vec<CurlExample>,
    pub keys_snippet: String,
}

impl ApiPageInfo {
    pub fn account_api_url(&self) -> String {
        format!("{}/api/v2", self.base_url)
    }

    pub fn event_api_url(&self) -> String {
        format!("{}/v1/{{authKey}}/{{apiKey}}", self.base_url)
    }

    pub fn openapi_url(&self) -> String {
        format!("{}{}", self.base_url, OPENAPI_PATH)
    }
}

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

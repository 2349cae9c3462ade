//! The route that serves the document: [`Blueprint::openapi_route`](crate::Blueprint::openapi_route).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::HeaderValue;

use crate::response::{Body, Response, with_content_type};

/// The document as served, shared by the route and `build()`, which fills it once every
/// route is planned.
#[derive(Clone, Default)]
pub(crate) struct OpenApiDocument(Arc<OnceLock<Bytes>>);

impl OpenApiDocument {
    /// Fills the document; `build()` does, once.
    pub(crate) fn fill(&self, document: &serde_json::Value) {
        let _ = self.0.set(Bytes::from(document.to_string()));
    }
}

/// Serves the generated OpenAPI document as JSON.
#[crate::get("/openapi.json")]
pub(crate) fn serve_openapi(document: &OpenApiDocument) -> Response {
    let bytes = document.0.get().cloned().unwrap_or_default();
    with_content_type(
        Body::from_bytes(bytes),
        HeaderValue::from_static("application/json"),
    )
}

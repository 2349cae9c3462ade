//! `GET /api/tags`: the tags in use, the most used first.

use schemars::JsonSchema;
use serde::Serialize;
use watchful::get;
use watchful::response::Json;

use crate::db::{Db, DbError};
use crate::tags;

/// `{"tags": […]}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TagsResponse {
    tags: Vec<String>,
}

/// The tags in use, the most used first.
#[get("/tags")]
pub async fn list_tags(db: &Db) -> Result<Json<TagsResponse>, DbError> {
    Ok(Json(TagsResponse {
        tags: tags::popular(db).await?,
    }))
}

//! `/api/articles/{slug}/comments`: list (auth optional), add, and delete (the author only).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use watchful::extract::{JsonBody, PathParams};
use watchful::response::{Json, NoContent};
use watchful::{delete, get, post, request_scoped};

use super::articles::SlugPath;
use super::auth::{CurrentUser, MaybeUser};
use super::errors::ValidationError;
use super::profiles::ProfileJson;
use crate::comments::{self, Comment, CommentError, CommentId};
use crate::db::Db;

/// A comment on an article.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Comment")]
pub struct CommentJson {
    id: i64,
    #[serde(serialize_with = "super::dates::serialize")]
    #[schemars(schema_with = "super::dates::schema")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "super::dates::serialize")]
    #[schemars(schema_with = "super::dates::schema")]
    updated_at: OffsetDateTime,
    body: String,
    author: ProfileJson,
}

impl From<Comment> for CommentJson {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.0,
            created_at: comment.created_at,
            updated_at: comment.updated_at,
            body: comment.body,
            author: comment.author.into(),
        }
    }
}

/// `{"comment": {…}}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "SingleCommentResponse")]
pub struct CommentResponse {
    comment: CommentJson,
}

/// `{"comments": […]}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "MultipleCommentsResponse")]
pub struct CommentsResponse {
    comments: Vec<CommentJson>,
}

/// `{"comment": {…}}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewCommentRequest {
    comment: NewCommentFields,
}

/// A new comment: `body` required.
// Optional so that `comment_body` answers the spec's message for a missing one; the schema
// says what the API requires.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "NewComment")]
pub struct NewCommentFields {
    #[schemars(required)]
    body: Option<String>,
}

/// A valid comment's text.
#[derive(Debug)]
pub struct CommentBody(String);

/// Reads and checks the body of `POST …/comments`: `body` required.
#[request_scoped]
pub fn comment_body(
    JsonBody(request): JsonBody<NewCommentRequest>,
) -> Result<CommentBody, ValidationError> {
    let body = request.comment.body;
    ValidationError::require(&[("body", body.as_deref())])?;
    Ok(CommentBody(body.unwrap_or_default()))
}

/// An article's slug and one of its comments' id.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CommentPath {
    slug: String,
    id: i64,
}

/// Lists an article's comments, oldest first.
///
/// 404 for an unknown article. Signing in is optional.
#[get("/articles/{slug}/comments")]
pub async fn list_comments(
    PathParams(path): PathParams<SlugPath>,
    viewer: &MaybeUser,
    db: &Db,
) -> Result<Json<CommentsResponse>, CommentError> {
    let comments = comments::list(db, viewer.id(), path.slug()).await?;
    Ok(Json(CommentsResponse {
        comments: comments.into_iter().map(CommentJson::from).collect(),
    }))
}

/// Comments on an article.
///
/// Answers the comment; 404 for an unknown article.
// 200, as the spec says, not 201.
#[post("/articles/{slug}/comments")]
pub async fn add_comment(
    PathParams(path): PathParams<SlugPath>,
    body: CommentBody,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<CommentResponse>, CommentError> {
    let comment = comments::add(db, me.id, path.slug(), &body.0).await?;
    Ok(Json(CommentResponse {
        comment: comment.into(),
    }))
}

/// Deletes a comment.
///
/// The author only (403).
#[delete("/articles/{slug}/comments/{id}")]
pub async fn delete_comment(
    PathParams(path): PathParams<CommentPath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<NoContent, CommentError> {
    comments::delete(db, me.id, &path.slug, CommentId(path.id)).await?;
    Ok(NoContent)
}

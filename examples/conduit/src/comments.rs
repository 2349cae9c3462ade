//! Comments on articles.

use sqlx::FromRow;
use time::OffsetDateTime;

use crate::db::{Db, DbError, now_millis, timestamp};
use crate::profiles::{Profile, ProfileRow, profile_columns};
use crate::users::UserId;

/// A comment's id, unique across all articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommentId(pub i64);

/// A comment as a viewer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The id.
    pub id: CommentId,
    /// The text.
    pub body: String,
    /// When it was written.
    pub created_at: OffsetDateTime,
    /// When it was last changed (comments cannot be edited, so when it was written).
    pub updated_at: OffsetDateTime,
    /// The author's profile, as the viewer sees it.
    pub author: Profile,
}

/// Why a comment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    /// No article has this slug.
    #[error("no such article")]
    ArticleNotFound,
    /// The article has no comment with this id.
    #[error("no such comment")]
    NotFound,
    /// The user may not delete this comment: they did not write it.
    #[error("only the author may delete a comment")]
    Forbidden,
    /// The database failed.
    #[error("the comment store failed")]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for CommentError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

#[derive(FromRow)]
struct CommentRow {
    id: i64,
    body: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(flatten)]
    author: ProfileRow,
}

impl TryFrom<CommentRow> for Comment {
    type Error = DbError;

    fn try_from(row: CommentRow) -> Result<Self, DbError> {
        Ok(Self {
            id: CommentId(row.id),
            body: row.body,
            created_at: timestamp(row.created_at)?,
            updated_at: timestamp(row.updated_at)?,
            author: row.author.into(),
        })
    }
}

/// The comments on one article, with `$1` the viewer's id (or NULL) and `condition` the rest.
fn select_comments(condition: &str) -> String {
    format!(
        "SELECT c.id, c.body, c.created_at, c.updated_at, {} \
         FROM comments c JOIN users u ON u.id = c.author_id \
         WHERE {condition} ORDER BY c.id",
        profile_columns("$1")
    )
}

async fn article_id(db: &Db, slug: &str) -> Result<i64, CommentError> {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM articles WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(CommentError::ArticleNotFound)?;
    Ok(id)
}

/// Adds a comment by `author` to the article `slug` and returns it.
pub async fn add(db: &Db, author: UserId, slug: &str, body: &str) -> Result<Comment, CommentError> {
    let article = article_id(db, slug).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO comments (article_id, author_id, body, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(article)
    .bind(author.0)
    .bind(body)
    .bind(now_millis())
    .fetch_one(db.writer())
    .await?;
    let row = sqlx::query_as::<_, CommentRow>(&select_comments("c.id = $2"))
        .bind(Some(author.0))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(CommentError::NotFound)?;
    Ok(row.try_into()?)
}

/// The comments on the article `slug`, oldest first, as `viewer` sees them.
pub async fn list(
    db: &Db,
    viewer: Option<UserId>,
    slug: &str,
) -> Result<Vec<Comment>, CommentError> {
    let article = article_id(db, slug).await?;
    let rows = sqlx::query_as::<_, CommentRow>(&select_comments("c.article_id = $2"))
        .bind(viewer.map(|id| id.0))
        .bind(article)
        .fetch_all(db.pool())
        .await?;
    let comments: Result<Vec<Comment>, DbError> = rows.into_iter().map(Comment::try_from).collect();
    Ok(comments?)
}

/// Deletes comment `id` on the article `slug`; only its author may.
pub async fn delete(db: &Db, user: UserId, slug: &str, id: CommentId) -> Result<(), CommentError> {
    let article = article_id(db, slug).await?;
    let (author,): (i64,) =
        sqlx::query_as("SELECT author_id FROM comments WHERE id = $1 AND article_id = $2")
            .bind(id.0)
            .bind(article)
            .fetch_optional(db.pool())
            .await?
            .ok_or(CommentError::NotFound)?;
    if author != user.0 {
        return Err(CommentError::Forbidden);
    }
    sqlx::query("DELETE FROM comments WHERE id = $1")
        .bind(id.0)
        .execute(db.writer())
        .await?;
    Ok(())
}

//! Tags: the list of tags in use, for the "popular tags" side bar.

use crate::db::{Db, DbError};

/// Every tag that at least one article has, the most used first (ties alphabetically).
pub async fn popular(db: &Db) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id \
         GROUP BY t.id, t.name ORDER BY COUNT(*) DESC, t.name",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

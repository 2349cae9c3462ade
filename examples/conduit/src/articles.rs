//! Articles: writing, reading, listing (with filters and the feed) and favouriting.
//!
//! Every article is read through one `SELECT` (`select_articles`) that also computes what
//! depends on the viewer (`favorited`, the author's `following`) and the favourites count; its
//! tags come from a second query for the whole page, so a page costs two queries and not one
//! per article.

use std::collections::{BTreeSet, HashMap};

use sqlx::{Any, FromRow, Transaction};
use time::OffsetDateTime;

use crate::db::{Db, DbError, is_unique_violation, now_millis, timestamp};
use crate::profiles::{Profile, ProfileRow, profile_columns};
use crate::slug::{first_free, slugify};
use crate::users::UserId;

/// How often a write retries with the next free slug when another write took it meanwhile.
const SLUG_ATTEMPTS: usize = 5;

/// An article as a viewer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// The unique, URL-safe name, derived from the title.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The one-line description.
    pub description: String,
    /// The body (Markdown).
    pub body: String,
    /// The tags, in alphabetical order.
    pub tags: Vec<String>,
    /// When it was written.
    pub created_at: OffsetDateTime,
    /// When it was last changed.
    pub updated_at: OffsetDateTime,
    /// Whether the viewer has favourited it (always false for an anonymous viewer).
    pub favorited: bool,
    /// How many users have favourited it.
    pub favorites_count: i64,
    /// The author's profile, as the viewer sees it.
    pub author: Profile,
}

/// What writing an article needs.
#[derive(Clone, Copy, Debug)]
pub struct NewArticle<'a> {
    /// The title; the slug is made from it.
    pub title: &'a str,
    /// The description.
    pub description: &'a str,
    /// The body.
    pub body: &'a str,
    /// The tags; duplicates are ignored.
    pub tags: &'a [String],
}

/// The fields to change on an article; `None` leaves a field as it is. A new title gives the
/// article a new slug.
#[derive(Clone, Debug, Default)]
pub struct ArticleUpdate {
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new body.
    pub body: Option<String>,
}

/// Which articles to list, newest first. Filters combine with AND.
#[derive(Clone, Copy, Debug)]
pub struct ArticleFilter<'a> {
    /// Only articles with this tag.
    pub tag: Option<&'a str>,
    /// Only articles by the user with this username.
    pub author: Option<&'a str>,
    /// Only articles favourited by the user with this username.
    pub favorited: Option<&'a str>,
    /// At most this many articles.
    pub limit: u32,
    /// After skipping this many.
    pub offset: u32,
}

impl Default for ArticleFilter<'_> {
    /// No filter, the spec's default page: the 20 newest articles.
    fn default() -> Self {
        Self {
            tag: None,
            author: None,
            favorited: None,
            limit: 20,
            offset: 0,
        }
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticlePage {
    /// The articles on this page.
    pub articles: Vec<Article>,
    /// How many articles match the filters across all pages.
    pub total: i64,
}

/// Why an article operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// No article has this slug.
    #[error("no such article")]
    NotFound,
    /// The user may not change this article: they are not its author.
    #[error("only the author may change an article")]
    Forbidden,
    /// Concurrent writes kept taking the slug this one was about to use.
    #[error("no free slug for {base:?} after {SLUG_ATTEMPTS} attempts")]
    SlugContention {
        /// The slug made from the title.
        base: String,
    },
    /// The database failed.
    #[error("the article store failed")]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ArticleError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

#[derive(FromRow)]
struct ArticleRow {
    id: i64,
    slug: String,
    title: String,
    description: String,
    body: String,
    created_at: i64,
    updated_at: i64,
    favorited: i64,
    favorites_count: i64,
    #[sqlx(flatten)]
    author: ProfileRow,
}

/// The `SELECT` behind every read, with `$1` the viewer's id (or NULL) and `condition` the rest.
fn select_articles(condition: &str) -> String {
    format!(
        "SELECT a.id, a.slug, a.title, a.description, a.body, a.created_at, a.updated_at, \
           CASE WHEN EXISTS (SELECT 1 FROM favorites fv \
                             WHERE fv.user_id = $1 AND fv.article_id = a.id) \
                THEN 1 ELSE 0 END AS favorited, \
           (SELECT COUNT(*) FROM favorites fv WHERE fv.article_id = a.id) AS favorites_count, \
           {} \
         FROM articles a JOIN users u ON u.id = a.author_id \
         WHERE {condition}",
        profile_columns("$1")
    )
}

/// The listing filters, with their four values in the placeholders from `$first` on: tag,
/// author, favourited-by and followed-by (the feed). A NULL value disables its filter.
fn filter_condition(first: usize) -> String {
    let [tag, author, favorited, follower] = [first, first + 1, first + 2, first + 3];
    format!(
        "(${tag} IS NULL OR EXISTS (SELECT 1 FROM article_tags at JOIN tags t ON t.id = at.tag_id \
                                   WHERE at.article_id = a.id AND t.name = ${tag})) \
         AND (${author} IS NULL OR u.username = ${author}) \
         AND (${favorited} IS NULL OR EXISTS (SELECT 1 FROM favorites fv \
                                             JOIN users fu ON fu.id = fv.user_id \
                                             WHERE fv.article_id = a.id AND fu.username = ${favorited})) \
         AND (${follower} IS NULL OR EXISTS (SELECT 1 FROM follows fo \
                                            WHERE fo.follower_id = ${follower} \
                                              AND fo.followee_id = a.author_id))"
    )
}

/// Turns rows into articles, fetching the tags of all of them in one query.
async fn with_tags(db: &Db, rows: Vec<ArticleRow>) -> Result<Vec<Article>, ArticleError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT at.article_id, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
         WHERE at.article_id IN ({}) ORDER BY t.name",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
    for row in &rows {
        query = query.bind(row.id);
    }
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (article, name) in query.fetch_all(db.pool()).await? {
        tags.entry(article).or_default().push(name);
    }
    rows.into_iter()
        .map(|row| {
            Ok(Article {
                tags: tags.remove(&row.id).unwrap_or_default(),
                created_at: timestamp(row.created_at)?,
                updated_at: timestamp(row.updated_at)?,
                slug: row.slug,
                title: row.title,
                description: row.description,
                body: row.body,
                favorited: row.favorited != 0,
                favorites_count: row.favorites_count,
                author: row.author.into(),
            })
        })
        .collect()
}

/// The article with this slug, as `viewer` sees it.
pub async fn get(db: &Db, viewer: Option<UserId>, slug: &str) -> Result<Article, ArticleError> {
    let row = sqlx::query_as::<_, ArticleRow>(&select_articles("a.slug = $2"))
        .bind(viewer.map(|id| id.0))
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(ArticleError::NotFound)?;
    let mut articles = with_tags(db, vec![row]).await?;
    articles.pop().ok_or(ArticleError::NotFound)
}

/// A page of the articles that match `filter`, newest first, as `viewer` sees them.
pub async fn list(
    db: &Db,
    viewer: Option<UserId>,
    filter: ArticleFilter<'_>,
) -> Result<ArticlePage, ArticleError> {
    page(db, viewer, filter, None).await
}

/// A page of the articles by authors `viewer` follows, newest first.
pub async fn feed(
    db: &Db,
    viewer: UserId,
    limit: u32,
    offset: u32,
) -> Result<ArticlePage, ArticleError> {
    let filter = ArticleFilter {
        limit,
        offset,
        ..ArticleFilter::default()
    };
    page(db, Some(viewer), filter, Some(viewer)).await
}

async fn page(
    db: &Db,
    viewer: Option<UserId>,
    filter: ArticleFilter<'_>,
    followed_by: Option<UserId>,
) -> Result<ArticlePage, ArticleError> {
    let followed_by = followed_by.map(|id| id.0);
    let sql = format!(
        "{} ORDER BY a.created_at DESC, a.id DESC LIMIT $6 OFFSET $7",
        select_articles(&filter_condition(2))
    );
    let rows = sqlx::query_as::<_, ArticleRow>(&sql)
        .bind(viewer.map(|id| id.0))
        .bind(filter.tag)
        .bind(filter.author)
        .bind(filter.favorited)
        .bind(followed_by)
        .bind(i64::from(filter.limit))
        .bind(i64::from(filter.offset))
        .fetch_all(db.pool())
        .await?;
    let count = format!(
        "SELECT COUNT(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE {}",
        filter_condition(1)
    );
    let (total,): (i64,) = sqlx::query_as(&count)
        .bind(filter.tag)
        .bind(filter.author)
        .bind(filter.favorited)
        .bind(followed_by)
        .fetch_one(db.pool())
        .await?;
    Ok(ArticlePage {
        articles: with_tags(db, rows).await?,
        total,
    })
}

/// The first free slug for `title`, ignoring the article `except` (the one being renamed).
async fn free_slug(db: &Db, base: &str, except: Option<i64>) -> Result<String, ArticleError> {
    let taken: Vec<(String,)> =
        sqlx::query_as("SELECT slug FROM articles WHERE (slug = $1 OR slug LIKE $2) AND id <> $3")
            .bind(base)
            .bind(format!("{base}-%"))
            .bind(except.unwrap_or(-1))
            .fetch_all(db.pool())
            .await?;
    Ok(first_free(base, taken.iter().map(|(slug,)| slug.as_str())))
}

/// Writes an article by `author` and returns it.
pub async fn create(db: &Db, author: UserId, new: NewArticle<'_>) -> Result<Article, ArticleError> {
    let base = slugify(new.title);
    let tags: BTreeSet<&str> = new.tags.iter().map(String::as_str).collect();
    for _ in 0..SLUG_ATTEMPTS {
        let slug = free_slug(db, &base, None).await?;
        let now = now_millis();
        let mut tx = db.writer().begin().await?;
        let inserted = sqlx::query_as::<_, (i64,)>(
            "INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&slug)
        .bind(new.title)
        .bind(new.description)
        .bind(new.body)
        .bind(author.0)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok((id,)) => id,
            // Another article took the slug since `free_slug` looked: try the next one.
            Err(err) if is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        };
        tag_article(&mut tx, id, &tags).await?;
        tx.commit().await?;
        return get(db, Some(author), &slug).await;
    }
    Err(ArticleError::SlugContention { base })
}

async fn tag_article(
    tx: &mut Transaction<'_, Any>,
    article: i64,
    tags: &BTreeSet<&str>,
) -> Result<(), sqlx::Error> {
    for tag in tags {
        sqlx::query("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(*tag)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id) \
             SELECT $1, id FROM tags WHERE name = $2",
        )
        .bind(article)
        .bind(*tag)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The id of the article with this slug, checking that `user` wrote it.
async fn own_article(db: &Db, user: UserId, slug: &str) -> Result<i64, ArticleError> {
    let (id, author): (i64, i64) =
        sqlx::query_as("SELECT id, author_id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(db.pool())
            .await?
            .ok_or(ArticleError::NotFound)?;
    if author == user.0 {
        Ok(id)
    } else {
        Err(ArticleError::Forbidden)
    }
}

/// Changes the given fields of the article `slug`, which `user` must have written, and returns
/// it as updated (under its new slug when the title changed).
pub async fn update(
    db: &Db,
    user: UserId,
    slug: &str,
    update: ArticleUpdate,
) -> Result<Article, ArticleError> {
    let id = own_article(db, user, slug).await?;
    let base = update.title.as_deref().map(slugify);
    for _ in 0..SLUG_ATTEMPTS {
        let new_slug = match &base {
            Some(base) if base != slug => free_slug(db, base, Some(id)).await?,
            _ => slug.to_owned(),
        };
        let updated = sqlx::query(
            "UPDATE articles SET slug = $2, title = COALESCE($3, title), \
               description = COALESCE($4, description), body = COALESCE($5, body), \
               updated_at = $6 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(&new_slug)
        .bind(update.title.as_deref())
        .bind(update.description.as_deref())
        .bind(update.body.as_deref())
        .bind(now_millis())
        .execute(db.writer())
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => return Err(ArticleError::NotFound),
            Ok(_) => return get(db, Some(user), &new_slug).await,
            Err(err) if is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ArticleError::SlugContention {
        base: base.unwrap_or_else(|| slug.to_owned()),
    })
}

/// Deletes the article `slug`, which `user` must have written, with its comments, tags and
/// favourites.
pub async fn delete(db: &Db, user: UserId, slug: &str) -> Result<(), ArticleError> {
    let id = own_article(db, user, slug).await?;
    sqlx::query("DELETE FROM articles WHERE id = $1")
        .bind(id)
        .execute(db.writer())
        .await?;
    Ok(())
}

async fn article_id(db: &Db, slug: &str) -> Result<i64, ArticleError> {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM articles WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(ArticleError::NotFound)?;
    Ok(id)
}

/// Makes `user` favourite the article `slug`; twice is the same as once.
pub async fn favorite(db: &Db, user: UserId, slug: &str) -> Result<Article, ArticleError> {
    let id = article_id(db, slug).await?;
    sqlx::query(
        "INSERT INTO favorites (user_id, article_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user.0)
    .bind(id)
    .execute(db.writer())
    .await?;
    get(db, Some(user), slug).await
}

/// Makes `user` stop favouriting the article `slug`; not having favourited it is not an error.
pub async fn unfavorite(db: &Db, user: UserId, slug: &str) -> Result<Article, ArticleError> {
    let id = article_id(db, slug).await?;
    sqlx::query("DELETE FROM favorites WHERE user_id = $1 AND article_id = $2")
        .bind(user.0)
        .bind(id)
        .execute(db.writer())
        .await?;
    get(db, Some(user), slug).await
}

//! `/api/articles`: the listing (filters and pagination, auth optional), the feed, one article,
//! writing, changing and deleting (the author only), favouriting.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use watchful::extract::{JsonBody, PathParams, QueryParams};
use watchful::http::StatusCode;
use watchful::response::{Json, NoContent};
use watchful::{delete, get, post, put, request_scoped};

use super::auth::{CurrentUser, MaybeUser};
use super::errors::ValidationError;
use super::profiles::ProfileJson;
use crate::articles::{
    self, Article, ArticleError, ArticleFilter, ArticlePage, ArticleUpdate, NewArticle,
};
use crate::db::Db;

/// An article. Listings leave its `body` out.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Article")]
pub struct ArticleJson {
    slug: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    tag_list: Vec<String>,
    #[serde(serialize_with = "super::dates::serialize")]
    #[schemars(schema_with = "super::dates::schema")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "super::dates::serialize")]
    #[schemars(schema_with = "super::dates::schema")]
    updated_at: OffsetDateTime,
    favorited: bool,
    favorites_count: i64,
    author: ProfileJson,
}

impl ArticleJson {
    fn new(article: Article, with_body: bool) -> Self {
        Self {
            slug: article.slug,
            title: article.title,
            description: article.description,
            body: with_body.then_some(article.body),
            tag_list: article.tags,
            created_at: article.created_at,
            updated_at: article.updated_at,
            favorited: article.favorited,
            favorites_count: article.favorites_count,
            author: article.author.into(),
        }
    }
}

/// `{"article": {…}}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "SingleArticleResponse")]
pub struct ArticleResponse {
    article: ArticleJson,
}

impl From<Article> for ArticleResponse {
    fn from(article: Article) -> Self {
        Self {
            article: ArticleJson::new(article, true),
        }
    }
}

/// A page of articles, and how many there are on all pages.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "MultipleArticlesResponse")]
pub struct ArticlesResponse {
    articles: Vec<ArticleJson>,
    articles_count: i64,
}

impl From<ArticlePage> for ArticlesResponse {
    fn from(page: ArticlePage) -> Self {
        Self {
            articles: page
                .articles
                .into_iter()
                .map(|article| ArticleJson::new(article, false))
                .collect(),
            articles_count: page.total,
        }
    }
}

/// Which page: `limit` and `offset`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PageParams {
    /// How many articles to answer, at least 1; 20 by default.
    #[schemars(range(min = 1), extend("default" = 20))]
    limit: Option<u32>,
    /// How many articles to skip; 0 by default.
    offset: Option<u32>,
}

/// A valid page: `limit` (default 20) at least 1, `offset` (default 0).
#[derive(Debug, Clone, Copy)]
pub struct Pagination {
    limit: u32,
    offset: u32,
}

/// Reads and checks `limit` and `offset`, for the listing and the feed.
#[request_scoped]
pub fn pagination(
    QueryParams(params): QueryParams<PageParams>,
) -> Result<Pagination, ValidationError> {
    let limit = params.limit.unwrap_or(ArticleFilter::default().limit);
    if limit == 0 {
        return Err(ValidationError::new("limit must be at least 1"));
    }
    Ok(Pagination {
        limit,
        offset: params.offset.unwrap_or(0),
    })
}

/// Which articles: `tag`, `author`, `favorited`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FilterParams {
    /// Only the articles with this tag.
    tag: Option<String>,
    /// Only the articles of this author (a username).
    author: Option<String>,
    /// Only the articles this user (a username) favourited.
    favorited: Option<String>,
}

/// `{"article": {…}}`.
// The spec's `NewArticleRequest` and `UpdateArticleRequest`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "{T}Request")]
pub struct ArticleEnvelope<T> {
    article: T,
}

/// A new article: title, description and body required, tags optional.
// Optional so that `article_draft` reports every missing one; the schema says what the API
// requires. (Doc comments of these types are their schemas' descriptions.)
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "NewArticle")]
pub struct NewArticleFields {
    #[schemars(required)]
    title: Option<String>,
    #[schemars(required)]
    description: Option<String>,
    #[schemars(required)]
    body: Option<String>,
    tag_list: Option<Vec<String>>,
}

/// A valid new article.
#[derive(Debug)]
pub struct ArticleDraft {
    title: String,
    description: String,
    body: String,
    tags: Vec<String>,
}

/// Reads and checks the body of `POST /api/articles`: title, description and body required,
/// no blank tag.
#[request_scoped]
pub fn article_draft(
    JsonBody(body): JsonBody<ArticleEnvelope<NewArticleFields>>,
) -> Result<ArticleDraft, ValidationError> {
    let NewArticleFields {
        title,
        description,
        body,
        tag_list,
    } = body.article;
    let tags = tag_list.unwrap_or_default();
    let mut messages = ValidationError::blank(&[
        ("title", title.as_deref()),
        ("description", description.as_deref()),
        ("body", body.as_deref()),
    ]);
    if tags.iter().any(|tag| tag.trim().is_empty()) {
        messages.push("tagList can't contain a blank tag".to_owned());
    }
    ValidationError::check(messages)?;
    Ok(ArticleDraft {
        title: title.unwrap_or_default(),
        description: description.unwrap_or_default(),
        body: body.unwrap_or_default(),
        tags,
    })
}

/// What to change: any of the fields, at least one.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "UpdateArticle")]
pub struct UpdateArticleFields {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
}

/// Reads and checks the body of `PUT /api/articles/{slug}`: at least one field, none blank.
#[request_scoped]
pub fn article_update(
    JsonBody(body): JsonBody<ArticleEnvelope<UpdateArticleFields>>,
) -> Result<ArticleUpdate, ValidationError> {
    let UpdateArticleFields {
        title,
        description,
        body,
    } = body.article;
    let given: Vec<_> = [
        ("title", &title),
        ("description", &description),
        ("body", &body),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_deref().map(|v| (name, Some(v))))
    .collect();
    if given.is_empty() {
        return Err(ValidationError::new(
            "article must have at least one field to update",
        ));
    }
    ValidationError::require(&given)?;
    Ok(ArticleUpdate {
        title,
        description,
        body,
    })
}

/// An article's slug.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SlugPath {
    slug: String,
}

impl SlugPath {
    /// The article's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }
}

/// Lists articles, newest first.
///
/// Filtered by tag, author and who favourited them, a page at a time. Signing in is
/// optional: it says which articles the user favourited and which authors they follow.
#[get("/articles")]
pub async fn list_articles(
    QueryParams(filter): QueryParams<FilterParams>,
    page: Pagination,
    viewer: &MaybeUser,
    db: &Db,
) -> Result<Json<ArticlesResponse>, ArticleError> {
    let filter = ArticleFilter {
        tag: filter.tag.as_deref(),
        author: filter.author.as_deref(),
        favorited: filter.favorited.as_deref(),
        limit: page.limit,
        offset: page.offset,
    };
    Ok(Json(articles::list(db, viewer.id(), filter).await?.into()))
}

/// The signed-in user's feed.
///
/// The articles of the authors they follow, newest first, a page at a time.
#[get("/articles/feed")]
pub async fn feed(
    page: Pagination,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ArticlesResponse>, ArticleError> {
    let feed = articles::feed(db, me.id, page.limit, page.offset).await?;
    Ok(Json(feed.into()))
}

/// An article.
///
/// 404 for an unknown slug. Signing in is optional.
#[get("/articles/{slug}")]
pub async fn get_article(
    PathParams(path): PathParams<SlugPath>,
    viewer: &MaybeUser,
    db: &Db,
) -> Result<Json<ArticleResponse>, ArticleError> {
    Ok(Json(
        articles::get(db, viewer.id(), &path.slug).await?.into(),
    ))
}

/// Writes an article.
///
/// Answers the article, with the slug made from its title.
#[post("/articles", status = 201)]
pub async fn create_article(
    draft: ArticleDraft,
    me: &CurrentUser,
    db: &Db,
) -> Result<(StatusCode, Json<ArticleResponse>), ArticleError> {
    let new = NewArticle {
        title: &draft.title,
        description: &draft.description,
        body: &draft.body,
        tags: &draft.tags,
    };
    let article = articles::create(db, me.id, new).await?;
    Ok((StatusCode::CREATED, Json(article.into())))
}

/// Changes an article.
///
/// The author only (403); a new title gives a new slug.
#[put("/articles/{slug}")]
pub async fn update_article(
    PathParams(path): PathParams<SlugPath>,
    update: ArticleUpdate,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ArticleResponse>, ArticleError> {
    let article = articles::update(db, me.id, &path.slug, update).await?;
    Ok(Json(article.into()))
}

/// Deletes an article.
///
/// The author only (403).
#[delete("/articles/{slug}")]
pub async fn delete_article(
    PathParams(path): PathParams<SlugPath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<NoContent, ArticleError> {
    articles::delete(db, me.id, &path.slug).await?;
    Ok(NoContent)
}

/// Favourites an article.
#[post("/articles/{slug}/favorite")]
pub async fn favorite_article(
    PathParams(path): PathParams<SlugPath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ArticleResponse>, ArticleError> {
    Ok(Json(
        articles::favorite(db, me.id, &path.slug).await?.into(),
    ))
}

/// Unfavourites an article.
#[delete("/articles/{slug}/favorite")]
pub async fn unfavorite_article(
    PathParams(path): PathParams<SlugPath>,
    me: &CurrentUser,
    db: &Db,
) -> Result<Json<ArticleResponse>, ArticleError> {
    Ok(Json(
        articles::unfavorite(db, me.id, &path.slug).await?.into(),
    ))
}

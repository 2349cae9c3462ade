use conduit::articles::{self, ArticleError, ArticleFilter, ArticleUpdate, NewArticle};
use conduit::comments;
use conduit::profiles;
use conduit::users::UserId;

use crate::common::TestDb;

/// Writes an article by `author` titled `title` with `tags`.
async fn write(t: &TestDb, author: UserId, title: &str, tags: &[&str]) -> articles::Article {
    let tags: Vec<String> = tags.iter().map(|tag| (*tag).to_owned()).collect();
    let new = NewArticle {
        title,
        description: "Ever wonder how?",
        body: "You have to believe",
        tags: &tags,
    };
    articles::create(&t.db, author, new).await.expect("creates")
}

fn slugs(page: &articles::ArticlePage) -> Vec<&str> {
    page.articles.iter().map(|a| a.slug.as_str()).collect()
}

async fn create_makes_a_slug_and_returns_the_article_with_sorted_unique_tags(t: TestDb) {
    let jake = t.user("jake").await;
    let article = write(
        &t,
        jake.id,
        "How to train your Dragon",
        &["training", "dragons", "training"],
    )
    .await;
    assert_eq!(article.slug, "how-to-train-your-dragon");
    assert_eq!(article.title, "How to train your Dragon");
    assert_eq!(article.description, "Ever wonder how?");
    assert_eq!(article.body, "You have to believe");
    assert_eq!(article.tags, ["dragons", "training"]);
    assert_eq!(article.created_at, article.updated_at);
    assert!(!article.favorited);
    assert_eq!(article.favorites_count, 0);
    assert_eq!(article.author.username, "jake");
    assert!(!article.author.following);
}

async fn the_same_title_gets_numbered_slugs(t: TestDb) {
    let jake = t.user("jake").await;
    let first = write(&t, jake.id, "Dragons", &[]).await;
    let second = write(&t, jake.id, "Dragons!", &[]).await;
    let third = write(&t, jake.id, "dragons", &[]).await;
    assert_eq!(
        [first.slug, second.slug, third.slug],
        ["dragons", "dragons-2", "dragons-3"]
    );
    let untitled = write(&t, jake.id, "???", &[]).await;
    assert_eq!(untitled.slug, "article");
}

async fn get_shows_what_the_viewer_favourited_and_follows(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let slug = write(&t, jake.id, "Dragons", &["dragons"]).await.slug;
    articles::favorite(&t.db, anna.id, &slug)
        .await
        .expect("favourites");
    profiles::follow(&t.db, anna.id, "jake")
        .await
        .expect("follows");

    let seen_by_anna = articles::get(&t.db, Some(anna.id), &slug)
        .await
        .expect("found");
    assert!(seen_by_anna.favorited);
    assert!(seen_by_anna.author.following);
    assert_eq!(seen_by_anna.favorites_count, 1);
    assert_eq!(seen_by_anna.tags, ["dragons"]);
    let anonymous = articles::get(&t.db, None, &slug).await.expect("found");
    assert!(!anonymous.favorited);
    assert!(!anonymous.author.following);
    assert_eq!(anonymous.favorites_count, 1);
}

async fn get_an_unknown_slug_is_not_found(t: TestDb) {
    let err = articles::get(&t.db, None, "nope")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ArticleError::NotFound), "{err:?}");
}

async fn list_is_newest_first_with_the_total_across_pages(t: TestDb) {
    let jake = t.user("jake").await;
    for title in ["one", "two", "three"] {
        write(&t, jake.id, title, &[]).await;
    }
    let all = articles::list(&t.db, None, ArticleFilter::default())
        .await
        .expect("lists");
    assert_eq!(slugs(&all), ["three", "two", "one"]);
    assert_eq!(all.total, 3);

    let filter = ArticleFilter {
        limit: 1,
        offset: 1,
        ..ArticleFilter::default()
    };
    let page = articles::list(&t.db, None, filter).await.expect("lists");
    assert_eq!(slugs(&page), ["two"]);
    assert_eq!(page.total, 3, "the total ignores paging");

    let past_the_end = ArticleFilter {
        offset: 10,
        ..ArticleFilter::default()
    };
    let page = articles::list(&t.db, None, past_the_end)
        .await
        .expect("lists");
    assert!(page.articles.is_empty());
    assert_eq!(page.total, 3);
}

async fn list_filters_by_tag_author_and_favourited_and_combines_them(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    write(&t, jake.id, "jake dragons", &["dragons"]).await;
    write(&t, jake.id, "jake cats", &["cats"]).await;
    write(&t, anna.id, "anna dragons", &["dragons", "cats"]).await;
    articles::favorite(&t.db, anna.id, "jake-cats")
        .await
        .expect("favourites");
    articles::favorite(&t.db, anna.id, "anna-dragons")
        .await
        .expect("favourites");

    let list = |filter| articles::list(&t.db, None, filter);
    let by_tag = list(ArticleFilter {
        tag: Some("dragons"),
        ..ArticleFilter::default()
    })
    .await
    .expect("lists");
    assert_eq!(slugs(&by_tag), ["anna-dragons", "jake-dragons"]);
    assert_eq!(by_tag.total, 2);
    let by_author = list(ArticleFilter {
        author: Some("jake"),
        ..ArticleFilter::default()
    })
    .await
    .expect("lists");
    assert_eq!(slugs(&by_author), ["jake-cats", "jake-dragons"]);
    let favourited = list(ArticleFilter {
        favorited: Some("anna"),
        ..ArticleFilter::default()
    })
    .await
    .expect("lists");
    assert_eq!(slugs(&favourited), ["anna-dragons", "jake-cats"]);
    let combined = list(ArticleFilter {
        tag: Some("cats"),
        author: Some("jake"),
        favorited: Some("anna"),
        ..ArticleFilter::default()
    })
    .await
    .expect("lists");
    assert_eq!(slugs(&combined), ["jake-cats"]);
    assert_eq!(combined.total, 1);
    let nobody = list(ArticleFilter {
        author: Some("nobody"),
        ..ArticleFilter::default()
    })
    .await
    .expect("an unknown author is an empty list, not an error");
    assert!(nobody.articles.is_empty());
    assert_eq!(nobody.total, 0);
}

async fn feed_holds_only_articles_by_followed_authors(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let reader = t.user("reader").await;
    write(&t, jake.id, "by jake", &[]).await;
    write(&t, anna.id, "by anna", &[]).await;
    write(&t, jake.id, "by jake again", &[]).await;
    let empty = articles::feed(&t.db, reader.id, 20, 0).await.expect("feed");
    assert!(empty.articles.is_empty());
    assert_eq!(empty.total, 0);

    profiles::follow(&t.db, reader.id, "jake")
        .await
        .expect("follows");
    let feed = articles::feed(&t.db, reader.id, 20, 0).await.expect("feed");
    assert_eq!(slugs(&feed), ["by-jake-again", "by-jake"]);
    assert_eq!(feed.total, 2);
    assert!(feed.articles.iter().all(|a| a.author.following));
    let page = articles::feed(&t.db, reader.id, 1, 1).await.expect("feed");
    assert_eq!(slugs(&page), ["by-jake"]);
    assert_eq!(page.total, 2);
}

async fn the_author_updates_fields_and_a_new_title_moves_the_slug(t: TestDb) {
    let jake = t.user("jake").await;
    let original = write(&t, jake.id, "Dragons", &["dragons"]).await;
    let update = ArticleUpdate {
        body: Some("With two hands".into()),
        ..ArticleUpdate::default()
    };
    let updated = articles::update(&t.db, jake.id, "dragons", update)
        .await
        .expect("updates");
    assert_eq!(updated.slug, "dragons");
    assert_eq!(updated.body, "With two hands");
    assert_eq!(updated.title, "Dragons");
    assert_eq!(updated.tags, ["dragons"]);
    assert!(updated.updated_at >= original.updated_at);
    assert_eq!(updated.created_at, original.created_at);

    let retitle = ArticleUpdate {
        title: Some("Did you train your dragon?".into()),
        ..ArticleUpdate::default()
    };
    let moved = articles::update(&t.db, jake.id, "dragons", retitle)
        .await
        .expect("updates");
    assert_eq!(moved.slug, "did-you-train-your-dragon");
    let err = articles::get(&t.db, None, "dragons")
        .await
        .expect_err("old slug");
    assert!(matches!(err, ArticleError::NotFound));

    // A title whose slug is taken gets the next number; an unchanged one keeps its slug.
    write(&t, jake.id, "Cats", &[]).await;
    let clash = ArticleUpdate {
        title: Some("cats".into()),
        ..ArticleUpdate::default()
    };
    let renamed = articles::update(&t.db, jake.id, "did-you-train-your-dragon", clash)
        .await
        .expect("updates");
    assert_eq!(renamed.slug, "cats-2");
    let same = ArticleUpdate {
        title: Some("Cats!".into()),
        ..ArticleUpdate::default()
    };
    let kept = articles::update(&t.db, jake.id, "cats", same)
        .await
        .expect("updates");
    assert_eq!(kept.slug, "cats");
}

async fn only_the_author_may_update_or_delete_and_unknown_slugs_are_not_found(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    write(&t, jake.id, "Dragons", &[]).await;
    let update = ArticleUpdate {
        body: Some("mine now".into()),
        ..ArticleUpdate::default()
    };
    let err = articles::update(&t.db, anna.id, "dragons", update.clone())
        .await
        .expect_err("not the author");
    assert!(matches!(err, ArticleError::Forbidden), "{err:?}");
    let err = articles::delete(&t.db, anna.id, "dragons")
        .await
        .expect_err("not the author");
    assert!(matches!(err, ArticleError::Forbidden), "{err:?}");
    assert_eq!(
        articles::get(&t.db, None, "dragons")
            .await
            .expect("intact")
            .body,
        "You have to believe"
    );

    let err = articles::update(&t.db, jake.id, "nope", update)
        .await
        .expect_err("unknown");
    assert!(matches!(err, ArticleError::NotFound), "{err:?}");
    let err = articles::delete(&t.db, jake.id, "nope")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ArticleError::NotFound), "{err:?}");
}

async fn delete_removes_the_article_with_its_comments_and_favourites(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    write(&t, jake.id, "Dragons", &["dragons"]).await;
    articles::favorite(&t.db, anna.id, "dragons")
        .await
        .expect("favourites");
    comments::add(&t.db, anna.id, "dragons", "Nice")
        .await
        .expect("comments");
    articles::delete(&t.db, jake.id, "dragons")
        .await
        .expect("deletes");

    let err = articles::get(&t.db, None, "dragons")
        .await
        .expect_err("gone");
    assert!(matches!(err, ArticleError::NotFound));
    let favourited = ArticleFilter {
        favorited: Some("anna"),
        ..ArticleFilter::default()
    };
    assert_eq!(
        articles::list(&t.db, None, favourited)
            .await
            .expect("lists")
            .total,
        0
    );
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM comments")
        .fetch_one(t.db.pool())
        .await
        .expect("counts");
    assert_eq!(left, 0, "comments are deleted with their article");
    // The slug is free again.
    assert_eq!(write(&t, jake.id, "Dragons", &[]).await.slug, "dragons");
}

async fn favourites_count_each_user_once_and_can_be_taken_back(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    write(&t, jake.id, "Dragons", &[]).await;
    let once = articles::favorite(&t.db, anna.id, "dragons")
        .await
        .expect("favourites");
    let twice = articles::favorite(&t.db, anna.id, "dragons")
        .await
        .expect("favourites");
    assert!(once.favorited && twice.favorited);
    assert_eq!(twice.favorites_count, 1);
    let by_jake = articles::favorite(&t.db, jake.id, "dragons")
        .await
        .expect("favourites");
    assert_eq!(by_jake.favorites_count, 2);

    let undone = articles::unfavorite(&t.db, anna.id, "dragons")
        .await
        .expect("unfavourites");
    assert!(!undone.favorited);
    assert_eq!(undone.favorites_count, 1);
    let again = articles::unfavorite(&t.db, anna.id, "dragons")
        .await
        .expect("idempotent");
    assert_eq!(again.favorites_count, 1);
}

async fn favouriting_an_unknown_article_is_not_found(t: TestDb) {
    let anna = t.user("anna").await;
    let err = articles::favorite(&t.db, anna.id, "nope")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ArticleError::NotFound), "{err:?}");
    let err = articles::unfavorite(&t.db, anna.id, "nope")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ArticleError::NotFound), "{err:?}");
}

on_both_databases!(
    create_makes_a_slug_and_returns_the_article_with_sorted_unique_tags,
    the_same_title_gets_numbered_slugs,
    get_shows_what_the_viewer_favourited_and_follows,
    get_an_unknown_slug_is_not_found,
    list_is_newest_first_with_the_total_across_pages,
    list_filters_by_tag_author_and_favourited_and_combines_them,
    feed_holds_only_articles_by_followed_authors,
    the_author_updates_fields_and_a_new_title_moves_the_slug,
    only_the_author_may_update_or_delete_and_unknown_slugs_are_not_found,
    delete_removes_the_article_with_its_comments_and_favourites,
    favourites_count_each_user_once_and_can_be_taken_back,
    favouriting_an_unknown_article_is_not_found,
);

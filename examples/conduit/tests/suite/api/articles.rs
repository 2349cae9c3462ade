//! `/api/articles`: writing, reading, listing, the feed, changing, deleting, favourites.

use serde_json::{Value, json};
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

/// The slugs of a listing, in order.
fn slugs(listing: &Value) -> Vec<&str> {
    listing["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|article| article["slug"].as_str().expect("a slug"))
        .collect()
}

fn is_timestamp(value: &Value) -> bool {
    // e.g. 2016-02-18T03:22:56.637Z
    value
        .as_str()
        .is_some_and(|s| s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T')
}

async fn create_answers_201_and_get_shows_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let body = json!({ "article": {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["reactjs", "angularjs", "dragons"],
    }});
    let created = app
        .ok(
            app.auth(app.client.post("/api/articles"), &jake)
                .json(&body),
            StatusCode::CREATED,
        )
        .await;
    let article = &created["article"];
    assert!(is_timestamp(&article["createdAt"]), "{article}");
    assert_eq!(article["createdAt"], article["updatedAt"]);
    let expected = json!({ "article": {
        "slug": "how-to-train-your-dragon",
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["angularjs", "dragons", "reactjs"],
        "createdAt": article["createdAt"],
        "updatedAt": article["updatedAt"],
        "favorited": false,
        "favoritesCount": 0,
        "author": { "username": "jake", "bio": null, "image": null, "following": false },
    }});
    assert_eq!(created, expected);

    let fetched = app
        .ok(
            app.client.get("/api/articles/how-to-train-your-dragon"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(fetched, expected);
    // The same title again gets a slug of its own.
    assert_eq!(
        app.article(&jake, "How to train your dragon", &[]).await,
        "how-to-train-your-dragon-2"
    );
}

async fn create_errors(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let post = |body: Value| {
        app.auth(app.client.post("/api/articles"), &jake)
            .json(&body)
    };

    app.error(
        post(json!({ "article": { "title": "t", "tagList": ["ok", " "] } })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "description can't be blank",
            "body can't be blank",
            "tagList can't contain a blank tag",
        ],
    )
    .await;
    app.error(
        post(json!({ "article": { "title": 7 } })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["invalid JSON at `article.title`: invalid type: integer `7`, expected a string at line 1 column 21"],
    )
    .await;
    app.error(
        app.client
            .post("/api/articles")
            .json(&json!({ "article": { "title": "t", "description": "d", "body": "b" } })),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
    app.error(
        app.client.get("/api/articles/nope"),
        StatusCode::NOT_FOUND,
        &["no such article"],
    )
    .await;
}

async fn list_filters_paginates_and_counts(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    app.article(&jake, "First", &["rust"]).await;
    app.article(&jane, "Second", &["rust", "web"]).await;
    app.article(&jake, "Third", &["web"]).await;
    app.ok(
        app.auth(app.client.post("/api/articles/first/favorite"), &jane),
        StatusCode::OK,
    )
    .await;

    let all = app
        .ok(app.client.get("/api/articles"), StatusCode::OK)
        .await;
    assert_eq!(slugs(&all), ["third", "second", "first"]);
    assert_eq!(all["articlesCount"], 3);
    // Listings leave the body out, as the spec's MultipleArticlesResponse does.
    assert!(all["articles"][0].get("body").is_none(), "{all}");
    assert_eq!(all["articles"][0]["tagList"], json!(["web"]));

    let cases = [
        ("?tag=rust", vec!["second", "first"], 2),
        ("?author=jake", vec!["third", "first"], 2),
        ("?favorited=jane", vec!["first"], 1),
        ("?tag=web&author=jane", vec!["second"], 1),
        ("?limit=1", vec!["third"], 3),
        ("?limit=1&offset=1", vec!["second"], 3),
        ("?offset=5", vec![], 3),
        ("?tag=nothing", vec![], 0),
    ];
    for (query, expected, count) in cases {
        let listing = app
            .ok(
                app.client.get(&format!("/api/articles{query}")),
                StatusCode::OK,
            )
            .await;
        assert_eq!(slugs(&listing), expected, "{query}");
        assert_eq!(listing["articlesCount"], count, "{query}");
    }

    // What depends on the viewer.
    let seen_by_jane = app
        .ok(
            app.auth(app.client.get("/api/articles?author=jake"), &jane),
            StatusCode::OK,
        )
        .await;
    assert_eq!(seen_by_jane["articles"][1]["favorited"], true);
    assert_eq!(seen_by_jane["articles"][1]["favoritesCount"], 1);
    assert_eq!(seen_by_jane["articles"][0]["favorited"], false);

    app.error(
        app.client.get("/api/articles?limit=0"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["limit must be at least 1"],
    )
    .await;
    app.error(
        app.client.get("/api/articles?offset=-1"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["invalid query string at `offset`: invalid digit found in string"],
    )
    .await;
    app.error(
        app.auth(app.client.get("/api/articles"), "garbage"),
        StatusCode::UNAUTHORIZED,
        &["invalid token"],
    )
    .await;
}

async fn the_feed_has_the_followed_authors_only(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    app.register("john").await;
    let john = app.register("johnny").await;
    app.article(&jane, "By Jane", &[]).await;
    app.article(&john, "By Johnny", &[]).await;
    app.article(&jane, "Jane again", &[]).await;

    let feed = app
        .ok(
            app.auth(app.client.get("/api/articles/feed"), &jake),
            StatusCode::OK,
        )
        .await;
    assert_eq!(feed, json!({ "articles": [], "articlesCount": 0 }));

    app.ok(
        app.auth(app.client.post("/api/profiles/jane/follow"), &jake),
        StatusCode::OK,
    )
    .await;
    let feed = app
        .ok(
            app.auth(app.client.get("/api/articles/feed?limit=1"), &jake),
            StatusCode::OK,
        )
        .await;
    assert_eq!(slugs(&feed), ["jane-again"]);
    assert_eq!(feed["articlesCount"], 2);
    assert_eq!(feed["articles"][0]["author"]["following"], true);

    app.error(
        app.client.get("/api/articles/feed"),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
    app.error(
        app.auth(app.client.get("/api/articles/feed?limit=x"), &jake),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["invalid query string at `limit`: invalid digit found in string"],
    )
    .await;
}

async fn update_is_for_the_author_and_renames_the_slug(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let slug = app.article(&jake, "Old title", &["keep"]).await;
    let put = |token: &str, slug: &str, fields: Value| {
        app.auth(app.client.put(&format!("/api/articles/{slug}")), token)
            .json(&json!({ "article": fields }))
    };

    let updated = app
        .ok(
            put(&jake, &slug, json!({ "title": "New title", "body": "new" })),
            StatusCode::OK,
        )
        .await;
    let article = &updated["article"];
    assert_eq!(article["slug"], "new-title");
    assert_eq!(article["title"], "New title");
    assert_eq!(article["body"], "new");
    assert_eq!(article["description"], "about Old title");
    assert_eq!(article["tagList"], json!(["keep"]));
    app.error(
        app.client.get("/api/articles/old-title"),
        StatusCode::NOT_FOUND,
        &["no such article"],
    )
    .await;

    app.error(
        put(&jane, "new-title", json!({ "body": "mine now" })),
        StatusCode::FORBIDDEN,
        &["only the author may change an article"],
    )
    .await;
    app.error(
        put(&jake, "nope", json!({ "body": "x" })),
        StatusCode::NOT_FOUND,
        &["no such article"],
    )
    .await;
    app.error(
        put(&jake, "new-title", json!({})),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["article must have at least one field to update"],
    )
    .await;
    app.error(
        put(&jake, "new-title", json!({ "title": "  " })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["title can't be blank"],
    )
    .await;
    app.error(
        app.client
            .put("/api/articles/new-title")
            .json(&json!({ "article": { "body": "x" } })),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
}

async fn delete_is_for_the_author_and_answers_204(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let slug = app.article(&jake, "Doomed", &[]).await;
    let delete = |token: &str, slug: &str| {
        app.auth(app.client.delete(&format!("/api/articles/{slug}")), token)
    };

    app.error(
        delete(&jane, &slug),
        StatusCode::FORBIDDEN,
        &["only the author may change an article"],
    )
    .await;
    app.error(
        app.client.delete(&format!("/api/articles/{slug}")),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
    let gone = app.ok(delete(&jake, &slug), StatusCode::NO_CONTENT).await;
    assert_eq!(gone, Value::Null);
    app.error(
        delete(&jake, &slug),
        StatusCode::NOT_FOUND,
        &["no such article"],
    )
    .await;
}

async fn favorite_and_unfavorite(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let slug = app.article(&jake, "Likeable", &[]).await;
    let path = format!("/api/articles/{slug}/favorite");

    for _ in 0..2 {
        // Twice is the same as once.
        let liked = app
            .ok(app.auth(app.client.post(&path), &jane), StatusCode::OK)
            .await;
        assert_eq!(liked["article"]["favorited"], true);
        assert_eq!(liked["article"]["favoritesCount"], 1);
    }
    let anonymous = app
        .ok(
            app.client.get(&format!("/api/articles/{slug}")),
            StatusCode::OK,
        )
        .await;
    assert_eq!(anonymous["article"]["favorited"], false);
    assert_eq!(anonymous["article"]["favoritesCount"], 1);

    let unliked = app
        .ok(app.auth(app.client.delete(&path), &jane), StatusCode::OK)
        .await;
    assert_eq!(unliked["article"]["favorited"], false);
    assert_eq!(unliked["article"]["favoritesCount"], 0);

    for request in [app.client.post(&path), app.client.delete(&path)] {
        app.error(
            request,
            StatusCode::UNAUTHORIZED,
            &["missing Authorization header"],
        )
        .await;
    }
    for request in [
        app.client.post("/api/articles/nope/favorite"),
        app.client.delete("/api/articles/nope/favorite"),
    ] {
        app.error(
            app.auth(request, &jane),
            StatusCode::NOT_FOUND,
            &["no such article"],
        )
        .await;
    }
}

on_both_databases!(
    create_answers_201_and_get_shows_it,
    create_errors,
    list_filters_paginates_and_counts,
    the_feed_has_the_followed_authors_only,
    update_is_for_the_author_and_renames_the_slug,
    delete_is_for_the_author_and_answers_204,
    favorite_and_unfavorite,
);

//! `/api/articles/{slug}/comments`.

use serde_json::{Value, json};
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

async fn comments_are_added_listed_and_deleted(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let slug = app.article(&jake, "Talk", &[]).await;
    let path = format!("/api/articles/{slug}/comments");
    let add = |token: &str, body: &str| {
        app.auth(app.client.post(&path), token)
            .json(&json!({ "comment": { "body": body } }))
    };

    // The spec answers 200 here, not 201.
    let added = app.ok(add(&jane, "First!"), StatusCode::OK).await;
    let comment = &added["comment"];
    let id = comment["id"].as_i64().expect("an id");
    assert_eq!(
        added,
        json!({ "comment": {
            "id": id,
            "createdAt": comment["createdAt"],
            "updatedAt": comment["updatedAt"],
            "body": "First!",
            "author": { "username": "jane", "bio": null, "image": null, "following": false },
        }})
    );
    app.ok(add(&jake, "Thanks"), StatusCode::OK).await;

    app.ok(
        app.auth(app.client.post("/api/profiles/jane/follow"), &jake),
        StatusCode::OK,
    )
    .await;
    let listed = app
        .ok(app.auth(app.client.get(&path), &jake), StatusCode::OK)
        .await;
    let bodies: Vec<&Value> = listed["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| &c["body"])
        .collect();
    assert_eq!(bodies, [&json!("First!"), &json!("Thanks")]);
    assert_eq!(listed["comments"][0]["author"]["following"], true);
    let anonymous = app.ok(app.client.get(&path), StatusCode::OK).await;
    assert_eq!(anonymous["comments"][0]["author"]["following"], false);

    let delete = format!("{path}/{id}");
    app.error(
        app.auth(app.client.delete(&delete), &jake),
        StatusCode::FORBIDDEN,
        &["only the author may delete a comment"],
    )
    .await;
    let deleted = app
        .ok(
            app.auth(app.client.delete(&delete), &jane),
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(deleted, Value::Null);
    let listed = app.ok(app.client.get(&path), StatusCode::OK).await;
    assert_eq!(listed["comments"].as_array().map(Vec::len), Some(1));
    app.error(
        app.auth(app.client.delete(&delete), &jane),
        StatusCode::NOT_FOUND,
        &["no such comment"],
    )
    .await;
}

async fn comment_errors(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let slug = app.article(&jake, "Talk", &[]).await;
    let path = format!("/api/articles/{slug}/comments");

    app.error(
        app.auth(app.client.post(&path), &jake)
            .json(&json!({ "comment": { "body": "" } })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["body can't be blank"],
    )
    .await;
    app.error(
        app.client
            .post(&path)
            .json(&json!({ "comment": { "body": "hi" } })),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
    app.error(
        app.client.delete(&format!("{path}/1")),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
    app.error(
        app.auth(app.client.get(&path), "garbage"),
        StatusCode::UNAUTHORIZED,
        &["invalid token"],
    )
    .await;
    for request in [
        app.client.get("/api/articles/nope/comments"),
        app.auth(app.client.post("/api/articles/nope/comments"), &jake)
            .json(&json!({ "comment": { "body": "hi" } })),
        app.auth(app.client.delete("/api/articles/nope/comments/1"), &jake),
    ] {
        app.error(request, StatusCode::NOT_FOUND, &["no such article"])
            .await;
    }
    app.error(
        app.auth(app.client.delete(&format!("{path}/abc")), &jake),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["`id`: invalid digit found in string"],
    )
    .await;
}

on_both_databases!(comments_are_added_listed_and_deleted, comment_errors);

//! `GET /api/profiles/{username}` and following.

use serde_json::json;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

fn profile(username: &str, following: bool) -> serde_json::Value {
    json!({ "profile": {
        "username": username, "bio": null, "image": null, "following": following
    }})
}

async fn a_profile_is_public_and_following_is_per_viewer(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    app.register("jane").await;

    let anonymous = app
        .ok(app.client.get("/api/profiles/jane"), StatusCode::OK)
        .await;
    assert_eq!(anonymous, profile("jane", false));

    let follow = app.auth(app.client.post("/api/profiles/jane/follow"), &jake);
    assert_eq!(app.ok(follow, StatusCode::OK).await, profile("jane", true));
    let seen = app.auth(app.client.get("/api/profiles/jane"), &jake);
    assert_eq!(app.ok(seen, StatusCode::OK).await, profile("jane", true));
    let anonymous = app
        .ok(app.client.get("/api/profiles/jane"), StatusCode::OK)
        .await;
    assert_eq!(anonymous, profile("jane", false));

    let unfollow = app.auth(app.client.delete("/api/profiles/jane/follow"), &jake);
    assert_eq!(
        app.ok(unfollow, StatusCode::OK).await,
        profile("jane", false)
    );
}

async fn profile_errors(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;

    app.error(
        app.client.get("/api/profiles/nobody"),
        StatusCode::NOT_FOUND,
        &["no such profile"],
    )
    .await;
    app.error(
        app.auth(app.client.get("/api/profiles/jake"), "garbage"),
        StatusCode::UNAUTHORIZED,
        &["invalid token"],
    )
    .await;
    app.error(
        app.auth(app.client.post("/api/profiles/nobody/follow"), &jake),
        StatusCode::NOT_FOUND,
        &["no such profile"],
    )
    .await;
    app.error(
        app.auth(app.client.post("/api/profiles/jake/follow"), &jake),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["a user cannot follow themselves"],
    )
    .await;
    for request in [
        app.client.post("/api/profiles/jake/follow"),
        app.client.delete("/api/profiles/jake/follow"),
    ] {
        app.error(
            request,
            StatusCode::UNAUTHORIZED,
            &["missing Authorization header"],
        )
        .await;
    }
    app.error(
        app.auth(app.client.delete("/api/profiles/nobody/follow"), &jake),
        StatusCode::NOT_FOUND,
        &["no such profile"],
    )
    .await;
}

on_both_databases!(
    a_profile_is_public_and_following_is_per_viewer,
    profile_errors,
);
